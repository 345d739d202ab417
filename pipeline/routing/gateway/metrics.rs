//! `/metrics` in Prometheus text: who answered and why, upstream health,
//! and what the call log wrote or dropped.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use super::server::Gateway;
use super::upstream::Upstream;

#[derive(Default)]
pub struct Counters {
    /// Calls by (route, reason, HTTP status class).
    requests: Mutex<BTreeMap<(String, String, String), u64>>,
    /// Shadow checks by outcome: agreed, disagreed, failed (the LLM did not answer).
    shadows: Mutex<BTreeMap<&'static str, u64>>,
}

impl Counters {
    pub fn record(&self, route: &str, reason: &str, status: u16) {
        let class = format!("{}xx", status / 100);
        *self.requests.lock().expect("counters lock").entry((route.into(), reason.into(), class)).or_default() += 1;
    }

    pub fn record_shadow(&self, agrees: Option<bool>) {
        let outcome = match agrees {
            Some(true) => "agreed",
            Some(false) => "disagreed",
            None => "failed",
        };
        *self.shadows.lock().expect("counters lock").entry(outcome).or_default() += 1;
    }

    /// Calls answered by `route` for `reason`, over all statuses.
    pub fn count(&self, route: &str, reason: &str) -> u64 {
        let requests = self.requests.lock().expect("counters lock");
        requests.iter().filter(|((r, why, _), _)| r == route && why == reason).map(|(_, n)| n).sum()
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn upstream_lines(out: &mut String, upstream: &Upstream) {
    let name = upstream.config.name;
    let _ = writeln!(out, "slm_gateway_upstream_attempts_total{{upstream=\"{name}\"}} {}", upstream.attempts());
    for (kind, n) in upstream.errors() {
        let _ = writeln!(out, "slm_gateway_upstream_errors_total{{upstream=\"{name}\",kind=\"{kind}\"}} {n}");
    }
    let _ = writeln!(out, "slm_gateway_breaker_state{{upstream=\"{name}\"}} {}", upstream.breaker_state() as u8);
}

pub fn render(gw: &Gateway) -> String {
    let mut out = String::new();
    header(&mut out, "slm_gateway_requests_total", "counter", "Chat completions by who answered (route), why (reason) and status class.");
    for ((route, reason, class), n) in gw.counters.requests.lock().expect("counters lock").iter() {
        let _ = writeln!(out, "slm_gateway_requests_total{{route=\"{route}\",reason=\"{reason}\",status=\"{class}\"}} {n}");
    }
    header(&mut out, "slm_gateway_shadow_checks_total", "counter", "Shadow checks of SLM answers by outcome (agreed, disagreed, failed).");
    for (outcome, n) in gw.counters.shadows.lock().expect("counters lock").iter() {
        let _ = writeln!(out, "slm_gateway_shadow_checks_total{{outcome=\"{outcome}\"}} {n}");
    }
    header(&mut out, "slm_gateway_demoted_routes", "gauge", "Routes the shadow checks took off their SLM.");
    let _ = writeln!(out, "slm_gateway_demoted_routes {}", gw.shadows.demotions().len());
    header(&mut out, "slm_gateway_upstream_attempts_total", "counter", "HTTP attempts sent upstream, retries included.");
    header(&mut out, "slm_gateway_upstream_errors_total", "counter", "Failed upstream attempts by kind (status, connect, timeout, breaker_open).");
    header(&mut out, "slm_gateway_breaker_state", "gauge", "Circuit breaker: 0 closed, 1 open, 2 half-open.");
    upstream_lines(&mut out, &gw.llm);
    if let Some(slm) = gw.slm.as_ref().and_then(|s| s.upstream()) {
        upstream_lines(&mut out, slm);
    }
    let (written, objects, failures, dropped, queued) = match &gw.log {
        Some(log) => {
            let s = log.stats();
            let l = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
            (l(&s.written_records), l(&s.written_objects), l(&s.write_failures), l(&s.dropped), l(&s.queued))
        }
        None => (0, 0, 0, 0, 0),
    };
    let log_metrics = [
        ("slm_gateway_log_records_queued_total", "Call records queued for the log.", queued),
        ("slm_gateway_log_records_dropped_total", "Call records dropped: queue full, or the store refused them past the memory bound.", dropped),
        ("slm_gateway_log_records_written_total", "Call records written to the log.", written),
        ("slm_gateway_log_objects_written_total", "Log objects written.", objects),
        ("slm_gateway_log_write_failures_total", "Failed log object writes (retried).", failures),
        ("slm_gateway_table_reloads_total", "Routing tables loaded.", gw.live.reloads.load(Ordering::Relaxed)),
        ("slm_gateway_rejected_adapters_total", "Adapters that failed sha256 verification.", gw.live.rejected_adapters.load(Ordering::Relaxed)),
    ];
    for (name, help, value) in log_metrics {
        header(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {value}");
    }
    out
}

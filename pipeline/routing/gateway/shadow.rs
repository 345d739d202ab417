//! Shadow checks: a share of the calls an SLM answered is also sent to the
//! LLM, off the client's path, and the two answers are scored with the
//! evaluate task's metric (`agreement::score`, the LLM's answer as the
//! reference). Each route keeps its online score; once a route has at least
//! `min_calls` shadows and its mean score falls below the gate its table
//! was published with, the gateway demotes it: its requests go to the LLM
//! (reason `demoted`) until a table with another adapter for it goes live.
//! The demotion is written to the registry (`demotions/<cluster>-<digest>.json`)
//! so that the next publish sees it.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::agreement::{score, Scored};
use crate::rng::SplitMix64;
use crate::routing::registry::Demotion;

#[derive(Debug, Clone, Copy)]
pub struct ShadowConfig {
    /// The share of SLM-answered calls also sent to the LLM, in [0, 1].
    pub share: f64,
    /// Shadows a route needs before it can be demoted.
    pub min_calls: u64,
}

impl Default for ShadowConfig {
    fn default() -> Self {
        Self { share: 0.0, min_calls: 50 }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct RouteScore {
    calls: u64,
    agreed: u64,
    score_sum: f64,
}

/// What one shadow check found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShadowResult {
    pub scored: Scored,
    /// Set when this shadow demoted the route.
    pub demoted: bool,
}

pub struct Shadows {
    config: ShadowConfig,
    rng: Mutex<SplitMix64>,
    /// Online scores by adapter name.
    scores: Mutex<HashMap<String, RouteScore>>,
    demoted: Mutex<HashMap<String, Demotion>>,
}

impl Shadows {
    pub fn new(config: ShadowConfig, seed: u64) -> Self {
        Self { config, rng: Mutex::new(SplitMix64::new(seed)), scores: Default::default(), demoted: Default::default() }
    }

    /// Whether the next SLM-answered call is shadowed.
    pub fn sample(&self) -> bool {
        if self.config.share <= 0.0 {
            return false;
        }
        let draw = self.rng.lock().expect("shadow rng").next_u64() as f64 / u64::MAX as f64;
        draw < self.config.share
    }

    /// Demotions recorded before (a restarted gateway keeps them).
    pub fn restore(&self, demotions: Vec<Demotion>) {
        let mut demoted = self.demoted.lock().expect("demotions");
        for d in demotions {
            demoted.insert(d.adapter.clone(), d);
        }
    }

    pub fn is_demoted(&self, adapter: &str) -> bool {
        self.demoted.lock().expect("demotions").contains_key(adapter)
    }

    /// Adapters demoted so far (for `/metrics` and `/healthz`).
    pub fn demotions(&self) -> Vec<Demotion> {
        let mut out: Vec<Demotion> = self.demoted.lock().expect("demotions").values().cloned().collect();
        out.sort_by(|a, b| a.adapter.cmp(&b.adapter));
        out
    }

    /// Online (score, agreement, calls) of `adapter`.
    pub fn online(&self, adapter: &str) -> Option<(f64, f64, u64)> {
        let s = *self.scores.lock().expect("shadow scores").get(adapter)?;
        Some((s.score_sum / s.calls as f64, s.agreed as f64 / s.calls as f64, s.calls))
    }

    /// Scores the SLM's answer against the LLM's and updates the route;
    /// returns the demotion when this shadow takes the route below `gate`.
    pub fn record(&self, route: RouteOnline<'_>, llm: &Value, slm: &Value) -> (ShadowResult, Option<Demotion>) {
        let scored = score(&answer_text(llm), &answer_text(slm));
        let now = {
            let mut scores = self.scores.lock().expect("shadow scores");
            let s = scores.entry(route.adapter.to_string()).or_default();
            s.calls += 1;
            s.agreed += u64::from(scored.agrees);
            s.score_sum += scored.score;
            *s
        };
        let mean = now.score_sum / now.calls as f64;
        if now.calls < self.config.min_calls || mean >= route.gate {
            return (ShadowResult { scored, demoted: false }, None);
        }
        let mut demoted = self.demoted.lock().expect("demotions");
        if demoted.contains_key(route.adapter) {
            return (ShadowResult { scored, demoted: false }, None);
        }
        let demotion = Demotion {
            cluster_id: route.cluster_id.to_string(),
            adapter: route.adapter.to_string(),
            table_version: route.table_version.to_string(),
            metric: route.metric.to_string(),
            score: mean,
            gate: route.gate,
            agreement: now.agreed as f64 / now.calls as f64,
            calls: now.calls,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        demoted.insert(route.adapter.to_string(), demotion.clone());
        (ShadowResult { scored, demoted: true }, Some(demotion))
    }
}

/// The route a shadow scores, as the table published it.
#[derive(Debug, Clone, Copy)]
pub struct RouteOnline<'a> {
    pub cluster_id: &'a str,
    pub adapter: &'a str,
    pub table_version: &'a str,
    pub metric: &'a str,
    /// The published gate on the metric's mean.
    pub gate: f64,
}

/// A completion's first answer as the metric reads it: its tool calls as
/// `{"tool_calls": [...]}`, else its content.
pub fn answer_text(completion: &Value) -> String {
    let message = completion.pointer("/choices/0/message");
    if let Some(calls) = message.and_then(|m| m.get("tool_calls")).filter(|c| c.as_array().is_some_and(|a| !a.is_empty())) {
        return serde_json::json!({"tool_calls": calls}).to_string();
    }
    message.and_then(|m| m.get("content")).and_then(Value::as_str).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::gateway::tests::completion;
    use serde_json::json;

    fn call(total: f64) -> Value {
        let args = json!({"total": total}).to_string();
        completion("m", None, Some(json!([{"id": "c", "type": "function", "function": {"name": "save_invoice", "arguments": args}}])))
    }

    #[test]
    fn a_route_below_its_gate_over_enough_shadows_is_demoted_once() {
        let shadows = Shadows::new(ShadowConfig { share: 1.0, min_calls: 4 }, 7);
        let route = RouteOnline { cluster_id: "c01", adapter: "c01-abc", table_version: "v1", metric: "tool_call_match", gate: 0.75 };
        // Agreeing answers, whatever the key order or number spelling.
        let (r, d) = shadows.record(route, &call(41.5), &call(41.50));
        assert!(r.scored.agrees && d.is_none());
        // Three disagreements: below the gate, but only 4 calls are needed...
        for i in 0..2 {
            let (r, d) = shadows.record(route, &call(1.0), &call(2.0 + f64::from(i)));
            assert!(!r.scored.agrees && d.is_none(), "not enough calls yet");
        }
        assert!(!shadows.is_demoted("c01-abc"));
        let (r, d) = shadows.record(route, &call(1.0), &call(9.0));
        let d = d.expect("4 calls at 0.25 < 0.75");
        assert!(r.demoted && shadows.is_demoted("c01-abc"));
        assert_eq!((d.calls, d.score, d.agreement, d.gate), (4, 0.25, 0.25, 0.75));
        // Recorded once; other adapters are untouched.
        assert!(shadows.record(route, &call(1.0), &call(9.0)).1.is_none());
        assert!(!shadows.is_demoted("c02-def"));
        assert_eq!(shadows.online("c01-abc").map(|o| o.2), Some(5));
    }

    #[test]
    fn the_sampled_share_follows_the_setting() {
        let none = Shadows::new(ShadowConfig { share: 0.0, min_calls: 1 }, 1);
        assert!((0..1000).all(|_| !none.sample()));
        let some = Shadows::new(ShadowConfig { share: 0.2, min_calls: 1 }, 1);
        let n = (0..10_000).filter(|_| some.sample()).count();
        assert!((1_700..2_300).contains(&n), "{n}");
        assert_eq!(answer_text(&completion("m", Some("hi"), None)), "hi");
    }
}

//! `slm-pipeline loadgen`: a closed-loop HTTP load generator for
//! `scripts/bench_gateway.sh`. `clients` tasks each send the same chat body
//! one request after another for `seconds`; it prints one JSON line with
//! requests/s, latency percentiles and errors. The same tool measures the
//! mock upstream alone, our gateway and LiteLLM's proxy, so the three are
//! measured alike.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::{Error, Result};

pub struct LoadOptions {
    /// The full URL to POST to (`http://127.0.0.1:8080/v1/chat/completions`).
    pub url: String,
    pub body: Value,
    pub clients: usize,
    pub duration: Duration,
    /// Sent first and not measured (connections, caches, lazy loading).
    pub warmup: usize,
    pub bearer: Option<String>,
}

/// Nearest-rank percentile of sorted `values` (`q` in [0, 1]).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn post(client: &reqwest::Client, url: &str, body: &Value, bearer: Option<&str>) -> reqwest::Result<reqwest::Response> {
    let mut request = client.post(url).json(body);
    if let Some(key) = bearer {
        request = request.bearer_auth(key);
    }
    request.send().await
}

pub async fn run(options: LoadOptions) -> Result<Value> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.clients.max(1))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| Error::usage(format!("loadgen: {e}")))?;
    for _ in 0..options.warmup {
        let response = post(&client, &options.url, &options.body, options.bearer.as_deref()).await.map_err(|e| Error::usage(format!("loadgen: {}: {e}", options.url)))?;
        if !response.status().is_success() {
            return Err(Error::usage(format!("loadgen: {} answered {} during warm-up", options.url, response.status())));
        }
        let _ = response.bytes().await;
    }
    let started = Instant::now();
    let deadline = started + options.duration;
    let mut tasks = Vec::new();
    for _ in 0..options.clients.max(1) {
        let client = client.clone();
        let (url, body, bearer) = (options.url.clone(), options.body.clone(), options.bearer.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                match post(&client, &url, &body, bearer.as_deref()).await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.map_err(|e| Error::usage(format!("loadgen: a client failed: {e}")))?;
        latencies.extend(l);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Ok(json!({
        "url": options.url,
        "clients": options.clients,
        "seconds": (seconds * 100.0).round() / 100.0,
        "requests": latencies.len(),
        "errors": errors,
        "rps": (latencies.len() as f64 / seconds * 10.0).round() / 10.0,
        "p50_ms": (percentile(&latencies, 0.50) * 1000.0).round() / 1000.0,
        "p99_ms": (percentile(&latencies, 0.99) * 1000.0).round() / 1000.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::gateway::mock::{completion, MockUpstream};

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!((percentile(&v, 0.5), percentile(&v, 0.99), percentile(&v, 1.0)), (50.0, 99.0, 100.0));
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[tokio::test]
    async fn counts_answers_and_errors_against_a_mock() {
        let mock = MockUpstream::start(|n| if n % 4 == 3 { (500, json!({})) } else { (200, completion("m", Some("ok"), None)) }).await;
        let report = run(LoadOptions {
            url: format!("{}/chat/completions", mock.url),
            body: json!({"messages": []}),
            clients: 3,
            duration: Duration::from_millis(300),
            warmup: 1,
            bearer: None,
        })
        .await
        .unwrap();
        let (ok, errors) = (report["requests"].as_u64().unwrap(), report["errors"].as_u64().unwrap());
        assert!(ok > 10 && errors > 0, "{report}");
        assert_eq!(ok + errors + 1, mock.calls() as u64, "every request counted once, warm-up apart");
        assert!(report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    }
}

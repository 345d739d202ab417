//! Routing benchmarks (issue 5): decision latency p50/p99 for ~200-token
//! prompts, and `/v1/route` throughput on loopback.
//!
//! `bash scripts/bench_route.sh` runs it pinned to one core after the demo
//! has published a routing table. Arguments: [registry] [requests] [clients].

use std::time::{Duration, Instant};

use slm_pipeline::routing::registry::Registry;
use slm_pipeline::routing::router::{decide, Request, Router};
use slm_pipeline::routing::serve::{serve, ServiceState};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Prompts of about 200 MiniLM tokens, each different (no cache can help).
fn prompts(n: usize) -> Vec<String> {
    let words = ["invoice", "total", "customer", "meeting", "summary", "ticket", "deploy", "refund", "schedule", "contract"];
    (0..n)
        .map(|i| {
            let mut text = format!("Request {i}: please extract the fields as JSON. ");
            for j in 0..170 {
                text.push_str(words[(i * 7 + j * 3) % words.len()]);
                text.push(' ');
            }
            text
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let registry_spec = args.get(1).cloned().unwrap_or_else(|| "warehouse/registry".into());
    let requests: usize = args.get(2).map_or(Ok(300), |a| a.parse())?;
    let clients: usize = args.get(3).map_or(Ok(4), |a| a.parse())?;
    let registry = Registry::open(&registry_spec)?;
    let (_, table) = registry.live().await?.ok_or_else(|| anyhow::anyhow!("nothing published in {registry_spec}: run the demo"))?;
    let model = slm_pipeline::models::model_dir("all-minilm-l6-v2");
    println!(
        "routing table {}: {} routes, embedding max_tokens {}; {} prompts of ~200 tokens",
        table.version,
        table.routes.len(),
        table.embedding.max_tokens,
        requests
    );

    // 1. The decision in-process: embedding + nearest centroid.
    let router = Router::new(table.clone(), &model)?;
    let texts = prompts(requests);
    for t in texts.iter().take(5) {
        router.decide(&Request::prompt(t))?; // warm-up
    }
    let mut full = Vec::new();
    let mut only_decision = Vec::new();
    for t in &texts {
        let request = Request::prompt(t);
        let started = Instant::now();
        let vector = router.embed(&request)?;
        let embedded = started.elapsed();
        let _ = decide(&table, &vector);
        full.push(started.elapsed().as_secs_f64() * 1e3);
        only_decision.push((started.elapsed() - embedded).as_secs_f64() * 1e3);
    }
    full.sort_by(f64::total_cmp);
    only_decision.sort_by(f64::total_cmp);
    println!(
        "decision latency (embedding included): p50 {:.2} ms, p99 {:.2} ms (goal: p99 < 10 ms)",
        percentile(&full, 0.5),
        percentile(&full, 0.99)
    );
    println!(
        "  of which nearest-centroid decision: p50 {:.4} ms, p99 {:.4} ms",
        percentile(&only_decision, 0.5),
        percentile(&only_decision, 0.99)
    );

    // 2. /v1/route on loopback under `clients` concurrent clients.
    let state = ServiceState::new(registry, model);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, Duration::from_secs(60), async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    while client.get(format!("http://{addr}/healthz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let (client, texts) = (client.clone(), texts.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for t in texts.iter().skip(c).step_by(clients) {
                let sent = Instant::now();
                let response = client.post(format!("http://{addr}/v1/route")).json(&serde_json::json!({"prompt": t})).send().await?;
                anyhow::ensure!(response.status() == 200, "status {}", response.status());
                response.bytes().await?;
                latencies.push(sent.elapsed().as_secs_f64() * 1e3);
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "/v1/route: {} requests, {clients} clients: {:.1} requests/s, p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / secs,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    stop.send(()).ok();
    server.await??;
    Ok(())
}

//! Issue 17, item 7: the routing decision with the fast static stage that
//! publish fits (`routing/fast.rs`) against MiniLM alone, on the calls the
//! fit held back (odd `split_key` of the call id, as `FastRouter::fit` splits them),
//! one request at a time. Prints latency p50/p99 of both, the share the
//! fast stage decides, and how often the cascade's decision (target,
//! cluster, reason) equals MiniLM's.
//!
//! Needs a warehouse whose live table has a fast stage (`bash scripts/demo.sh`).
//! `bash scripts/bench_route.sh` runs it pinned to one core.
//! Usage: bench_static_route [warehouse] [registry] [calls]

use std::time::Instant;

use arrow::array::{Array, StringArray};
use slm_pipeline::routing::fast::split_key;
use slm_pipeline::routing::live::LiveTable;
use slm_pipeline::routing::registry::Registry;
use slm_pipeline::routing::router::{Decision, Request};
use slm_pipeline::warehouse::vectors::{self, VectorTable};
use slm_pipeline::warehouse::Warehouse;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let wh = Warehouse::open(args.get(1).map_or("warehouse", String::as_str))?;
    let registry = Registry::open(args.get(2).map_or("warehouse/registry", String::as_str))?;
    let limit: usize = args.get(3).map_or(Ok(1000), |a| a.parse())?;
    let live = LiveTable::new(registry, slm_pipeline::models::model_dir("all-minilm-l6-v2"));
    anyhow::ensure!(live.reload().await?, "nothing published: run scripts/demo.sh");
    let (version, router) = live.current().expect("loaded");
    let fast = router.table().fast_route.clone().ok_or_else(|| anyhow::anyhow!("table {version} has no fast stage"))?;
    anyhow::ensure!(router.has_fast(), "the fast stage of {version} did not load");

    let db = vectors::connect(&wh).await?;
    let table = vectors::open(&db, VectorTable::CallEmbeddings).await?.ok_or_else(|| anyhow::anyhow!("no call_embeddings"))?;
    let mut held = Vec::new();
    for b in vectors::scan(&table, &["call_id", "text"], None).await? {
        let col = |n: &str| b.column_by_name(n).and_then(|c| c.as_any().downcast_ref::<StringArray>()).cloned().expect("string column");
        let (ids, texts) = (col("call_id"), col("text"));
        for row in 0..b.num_rows() {
            let key = split_key(ids.value(row));
            if key % 2 == 1 && !texts.is_null(row) {
                held.push((key, texts.value(row).to_string()));
            }
        }
    }
    held.sort();
    held.truncate(limit);
    println!(
        "table {version}: {} routes; fast stage as measured at publish on {} held-back calls: {:.1}% decided statically, {:.2}% agreement there, {:.2}% cascade",
        router.table().routes.len(),
        fast.measured.held_back,
        fast.measured.decided * 100.0,
        fast.measured.agreement * 100.0,
        fast.measured.cascade_agreement * 100.0
    );
    for (_, t) in held.iter().take(5) {
        router.decide(&Request::prompt(t))?; // warm-up
    }
    let key = |d: &Decision| (d.target.clone(), d.cluster_id.clone(), d.reason.clone());
    let (mut cascade_ms, mut minilm_ms, mut fast_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut decided, mut agree) = (0, 0);
    for (_, text) in &held {
        let request = Request::prompt(text);
        let t = Instant::now();
        let c = router.decide(&request)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        cascade_ms.push(ms);
        let t = Instant::now();
        let m = router.decide_minilm(&request)?;
        minilm_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if c.encoder == "static" {
            decided += 1;
            fast_ms.push(ms);
        }
        agree += usize::from(key(&c) == key(&m));
    }
    for v in [&mut cascade_ms, &mut minilm_ms, &mut fast_ms] {
        v.sort_by(f64::total_cmp);
    }
    let n = held.len();
    println!("{n} held-back calls, one at a time:");
    println!("| decision | p50 ms | p99 ms | mean ms |");
    println!("| --- | --- | --- | --- |");
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    for (name, v) in [("MiniLM alone", &minilm_ms), ("cascade (fast stage, MiniLM near boundaries)", &cascade_ms), ("  of which decided by the fast stage", &fast_ms)] {
        if !v.is_empty() {
            println!("| {name} | {:.2} | {:.2} | {:.2} |", percentile(v, 0.5), percentile(v, 0.99), mean(v));
        }
    }
    println!(
        "decided by the fast stage: {decided} of {n} ({:.1}%); cascade decision equal to MiniLM's: {agree} of {n} ({:.2}%); mean speed-up {:.1}x",
        decided as f64 / n.max(1) as f64 * 100.0,
        agree as f64 / n.max(1) as f64 * 100.0,
        mean(&minilm_ms) / mean(&cascade_ms).max(1e-9)
    );
    Ok(())
}

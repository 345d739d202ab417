//! Crash safety, proven: the whole DAG (ingest → anonymize → a derived
//! table → embed → cluster → distill → finetune → evaluate → publish; the
//! real MiniLM, whose clusters are clear-cut, and a tiny Llama) is killed with SIGKILL at every kill point an uninterrupted run
//! passes (`crash.rs`: every write to a store, and named points around the
//! Lance writes and each task's end), then run again. Each time the final
//! tables must equal the uninterrupted run's: no call lost or duplicated, no
//! raw text left in staging, and the registry's live version complete.

#[path = "it/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use slm_pipeline::routing::registry::Registry;
use slm_pipeline::warehouse::Warehouse;

const KEY_ENV: &str = "SLM_TEST_KEY_CRASH";

/// The corpus, the tiny models and the DAG file, shared by every run.
fn setup(dir: &Path) -> PathBuf {
    slm_pipeline::demo::generate(&slm_pipeline::demo::DemoConfig {
        out_dir: dir.join("logs"),
        calls: 100,
        date: date(),
        seed: 23,
        // Malformed lines and a corrupt object too: the quarantine must survive crashes.
        faults: true,
    })
    .unwrap();
    let tokenizer = slm_pipeline::models::smollm::load_tokenizer(&slm_pipeline::models::model_dir("smollm2-135m-instruct"))
        .expect("bash scripts/setup.sh fetches SmolLM2");
    let llama = dir.join("tiny-llama");
    slm_pipeline::models::smollm::write_tiny_llama(&llama, tokenizer, 32, 2, 5).unwrap();
    let yaml = format!(
        "{}  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {{table: usage, query: \"SELECT agent, COUNT(*) AS calls FROM calls GROUP BY agent\"}}\n\
         \x20 - id: embed\n    kind: embed\n    needs: [anonymize]\n    with: {{max_tokens: 16}}\n\
         \x20 - id: cluster\n    kind: cluster\n    needs: [embed]\n    with: {{method: kmeans, k: 4}}\n\
         \x20 - id: distill\n    kind: distill\n    needs: [cluster]\n    with: {{model: '{m}', min_pairs: 5, max_tokens: 384}}\n\
         \x20 - id: finetune\n    kind: finetune\n    needs: [distill]\n    with: {{model: '{m}', max_adapters: 1, max_eval_pairs: 2, lora: {{rank: 2, alpha: 4, target_modules: [q, v]}}, training: {{max_steps: 2, batch_size: 2, eval_every: 1, checkpoint_every: 1, warmup_steps: 1, max_seq_len: 384}}}}\n\
         \x20 - id: evaluate\n    kind: evaluate\n    needs: [finetune]\n    with: {{model: '{m}', max_eval_pairs: 2, max_new_tokens: 4}}\n\
         \x20 - id: publish\n    kind: publish\n    needs: [evaluate]\n    with: {{threshold: 0.0, min_eval: 1, prices: {{gpt-4o: {{input: 2.5, output: 10.0}}}}}}\n",
        standard_yaml(&dir.join("logs"), KEY_ENV).replace("max_line_bytes: 65536", "max_line_bytes: 1048576"),
        m = llama.display()
    );
    let dag = dir.join("crash.yaml");
    std::fs::write(&dag, yaml).unwrap();
    dag
}

fn run(dag: &Path, warehouse: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slm-pipeline"));
    cmd.args(["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", warehouse.to_str().unwrap()])
        .env(KEY_ENV, "crash-test-key-0123456789abcdef")
        .env("SLM_MODELS", slm_pipeline::models::models_root().canonicalize().unwrap())
        .env("SLM_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Everything a reader of the warehouse sees, as text; run ids, times and
/// version stamps are left out (they differ between any two runs).
async fn final_state(warehouse: &Path) -> String {
    let wh = Warehouse::open(warehouse.to_str().unwrap()).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT * FROM calls ORDER BY call_id",
        "SELECT source_object, line, reason, detail FROM quarantine ORDER BY source_object, line, reason",
        "SELECT source_object, size, lines, calls, quarantined FROM ingested_objects ORDER BY source_object",
        "SELECT * FROM usage ORDER BY agent",
        "SELECT call_id, text_hash FROM call_embeddings ORDER BY call_id",
        // Readers take the latest cluster run; a killed run's rows are older.
        "SELECT cluster_id, label, calls, radius FROM clusters WHERE run_id = (SELECT MAX(run_id) FROM clusters) ORDER BY cluster_id",
        "SELECT call_id, cluster_id FROM cluster_assignments ORDER BY call_id",
        "SELECT cluster_id, version, split, call_id, prompt, answer FROM datasets ORDER BY cluster_id, version, split, call_id",
        "SELECT cluster_id, version, dataset_version, steps, tokens, eval_loss, best_step FROM adapters ORDER BY cluster_id, version",
        "SELECT cluster_id, adapter_version, metric, score, n FROM evaluations ORDER BY cluster_id, adapter_version",
    ] {
        out += &table_text(&wh, sql).await;
    }
    // The live routing table, and every file of it checked against its sha256.
    let registry = Registry::open(warehouse.join("registry").to_str().unwrap()).unwrap();
    let (_, table) = registry.live().await.unwrap().expect("a live version");
    for route in table.routes.iter().filter(|r| r.is_slm()) {
        registry.fetch_adapter(&route.adapter.clone().unwrap()).await.expect("the live version's adapters are complete");
    }
    let mut routes = serde_json::to_value(&table.routes).unwrap();
    // metrics.json holds training times.
    strip_keys(&mut routes, &["version", "created_at", "published_at", "metrics.json"]);
    out += &routes.to_string();
    out
}

fn strip_keys(v: &mut serde_json::Value, keys: &[&str]) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| !keys.contains(&k.as_str()));
            m.values_mut().for_each(|x| strip_keys(x, keys));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| strip_keys(x, keys)),
        _ => {}
    }
}

/// Rows of `calls`, and distinct call ids among them.
async fn call_counts(warehouse: &Path) -> (i64, i64) {
    let wh = Warehouse::open(warehouse.to_str().unwrap()).unwrap();
    (count(&wh, "SELECT COUNT(*) FROM calls").await, count(&wh, "SELECT COUNT(DISTINCT call_id) FROM calls").await)
}

/// The kill points an uninterrupted run passes, from its `SLM_CRASH_COUNT` line.
fn kill_points(stderr: &str) -> Vec<String> {
    let line = stderr.lines().find(|l| l.starts_with("SLM_CRASH_COUNT ")).expect("the count line");
    let writes: u64 = line.split("writes=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let mut points: Vec<String> = (1..=writes).map(|n| format!("write:{n}")).collect();
    for entry in line.split("points=").nth(1).unwrap_or("").split(',').filter(|e| !e.is_empty()) {
        let (name, hits) = entry.rsplit_once('*').unwrap();
        points.extend((1..=hits.parse::<u64>().unwrap()).map(|k| format!("{name}#{k}")));
    }
    points
}

#[test]
fn killed_anywhere_a_rerun_ends_with_the_tables_of_an_uninterrupted_run() {
    // SLM_CRASH_KEEP=1 keeps the folder (the DAG, the models, the warehouses).
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _guard) = match std::env::var_os("SLM_CRASH_KEEP") {
        Some(_) => (tmp.keep(), None),
        None => (tmp.path().to_path_buf(), Some(tmp)),
    };
    let dir = dir.as_path();
    eprintln!("crash harness folder: {}", dir.display());
    let dag = setup(dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let reference = dir.join("reference");
    let out = run(&dag, &reference, &[("SLM_CRASH_COUNT", "1")]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    let expected = runtime.block_on(final_state(&reference));
    assert!(expected.contains("\"target\":\"slm\""), "the reference publishes an adapter, so its files are checked");
    let (expected_calls, _) = runtime.block_on(call_counts(&reference));
    let all = kill_points(&stderr);
    // An even sample of 50 points (about 3 minutes); `SLM_CRASH_POINTS=all`
    // (scripts/reliability.sh) or another number.
    let limit = match std::env::var("SLM_CRASH_POINTS").as_deref() {
        Ok("all") => all.len(),
        Ok(n) => n.parse().expect("SLM_CRASH_POINTS: a number or `all`"),
        Err(_) => 50,
    };
    let step = (all.len() as f64 / limit.max(1) as f64).max(1.0);
    let points: Vec<&String> = (0..limit.min(all.len())).map(|i| &all[(i as f64 * step) as usize]).collect();
    assert!(points.len() >= 50 || limit < 50, "only {} kill points: {all:?}", points.len());

    let (mut killed, mut rows_lost, mut rows_duplicated) = (0, 0, 0);
    for (i, point) in points.iter().enumerate() {
        let warehouse = dir.join(format!("wh-{i}"));
        let out = run(&dag, &warehouse, &[("SLM_KILL_AT", point)]);
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(9), "{point}: not killed: {}", String::from_utf8_lossy(&out.stderr));
        killed += 1;
        let again = run(&dag, &warehouse, &[]);
        assert!(again.status.success(), "{point}: the rerun failed: {}", String::from_utf8_lossy(&again.stderr));
        assert!(files_under(&warehouse.join("_staging")).is_empty(), "{point}: raw staging left");
        let state = runtime.block_on(final_state(&warehouse));
        let (rows, distinct) = runtime.block_on(call_counts(&warehouse));
        rows_lost += expected_calls.saturating_sub(distinct);
        rows_duplicated += rows - distinct;
        if state != expected {
            let line = state.lines().zip(expected.lines()).find(|(a, b)| a != b);
            panic!("{point}: the tables differ from an uninterrupted run's; first difference (got, want): {line:?}");
        }
        std::fs::remove_dir_all(&warehouse).unwrap();
    }
    eprintln!("crash harness: {killed} kill points of {} survived", all.len());
    // For scripts/reliability.sh.
    println!("RELIABILITY crash {{\"kill_points\": {}, \"killed_and_rerun\": {killed}, \"rows_lost\": {rows_lost}, \"rows_duplicated\": {rows_duplicated}}}", all.len());
}

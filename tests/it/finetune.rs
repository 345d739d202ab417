//! The finetune task end to end on a tiny random Llama (the real model's
//! tokenizer, so the ChatML of the datasets tokenizes as in production):
//! PEFT files, metrics, loss curve, the `adapters` table, caching, and
//! resume after the process is killed.



use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crate::common::*;
use serde_json::Value;
use slm_pipeline::models::smollm;
use slm_pipeline::warehouse::tables::datasets_schema;
use slm_pipeline::warehouse::Warehouse;

const VERSION: &str = "20261120-0123456789ab";

/// A tiny Llama with SmolLM2's tokenizer, written once per test.
fn tiny_model(dir: &Path) -> PathBuf {
    let tokenizer = smollm::load_tokenizer(&slm_pipeline::models::model_dir(smollm::MODEL_NAME)).expect("bash scripts/setup.sh fetches SmolLM2");
    let path = dir.join("tiny-llama");
    smollm::write_tiny_llama(&path, tokenizer, 32, 2, 5).unwrap();
    path
}

/// Pairs of a templated task (the answer follows from the prompt), as the
/// distill task writes them.
fn pairs(cluster: i64, n: usize) -> Vec<(String, String, String)> {
    (0..n)
        .map(|i| {
            let (a, b) = (i % 7 + cluster as usize, i % 5 + 1);
            let prompt = format!(
                "<|im_start|>system\nYou add numbers.<|im_end|>\n<|im_start|>user\nWhat is {a} plus {b}?<|im_end|>\n<|im_start|>assistant\n"
            );
            let answer = format!("The sum is {}.<|im_end|>\n", a + b);
            let split = if i % 5 == 0 { "eval" } else { "train" };
            (split.to_string(), prompt, answer)
        })
        .collect()
}

async fn write_dataset(wh: &Warehouse, cluster: i64, n: usize) {
    write_pairs(wh, cluster, pairs(cluster, n)).await
}

async fn write_pairs(wh: &Warehouse, cluster: i64, all: Vec<(String, String, String)>) {
    for split in ["train", "eval"] {
        let rows: Vec<_> = all.iter().cloned().enumerate().filter(|(_, p)| p.0 == split).collect();
        let s = |f: &dyn Fn(usize, &(String, String, String)) -> String| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(|(i, p)| f(*i, p)).collect::<Vec<_>>()))
        };
        let ints = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v; rows.len()])) };
        let columns = vec![
            ints(cluster),
            s(&|_, _| VERSION.to_string()),
            s(&|_, p| p.0.clone()),
            s(&|i, _| format!("call-{cluster}-{i}")),
            s(&|_, _| "logged".to_string()),
            s(&|_, p| p.1.clone()),
            s(&|_, p| p.2.clone()),
            ints(30),
            ints(8),
            s(&|_, _| format!("{}+nadgik", slm_pii::VERSION)),
            Arc::new(StringArray::from(vec![None::<&str>; rows.len()])),
        ];
        let batch = RecordBatch::try_new(datasets_schema(), columns).unwrap();
        let rel = format!("datasets/cluster={cluster}/version={VERSION}/{split}.parquet");
        wh.write_parquet(&rel, datasets_schema(), &[batch]).await.unwrap();
    }
}

fn finetune_yaml(model: &Path, extra: &str) -> String {
    format!(
        "name: ft\ntasks:\n  - id: finetune\n    kind: finetune\n    with:\n      model: '{}'\n      lora: {{rank: 4, alpha: 8, dropout: 0.1, target_modules: [q, v, down]}}\n      training: {{max_steps: 8, batch_size: 4, eval_every: 2, checkpoint_every: 2, warmup_steps: 2, learning_rate: 0.02, max_seq_len: 128, max_batch_tokens: 512{extra}}}\n",
        model.display()
    )
}

fn adapter_dirs(warehouse: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = files_under(&warehouse.join("adapters"))
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "adapter.parquet"))
        .map(|f| f.parent().unwrap().to_path_buf())
        .collect();
    dirs.sort();
    dirs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finetune_writes_peft_adapters_metrics_and_curves() {
    let p = Project::new();
    let wh = p.warehouse();
    write_dataset(&wh, 0, 60).await;
    write_dataset(&wh, 3, 40).await;
    let model = tiny_model(p.dir.path());
    let dag = p.dag(&finetune_yaml(&model, ""));
    let (runner, _) = runner(wh.clone());
    let run = runner.run(&dag, date()).await.unwrap();
    assert!(run.succeeded(), "{run:?}");
    let details = &run.outputs["finetune"]["details"];
    eprintln!("{details:#}");
    assert_eq!((details["adapters"].as_i64(), details["trained"].as_i64()), (Some(2), Some(2)), "{details}");

    let dirs = adapter_dirs(&p.warehouse_path());
    assert_eq!(dirs.len(), 2);
    for dir in &dirs {
        // PEFT's config.
        let config: Value = serde_json::from_slice(&std::fs::read(dir.join("adapter_config.json")).unwrap()).unwrap();
        assert_eq!(config["peft_type"], "LORA");
        assert_eq!(config["task_type"], "CAUSAL_LM");
        assert_eq!(config["r"], 4);
        assert_eq!(config["lora_alpha"].as_f64(), Some(8.0));
        assert_eq!(config["target_modules"], serde_json::json!(["q_proj", "v_proj", "down_proj"]));
        assert_eq!(config["base_model_name_or_path"], "tiny-random-llama");
        // PEFT's tensor names and shapes: A (r, in), B (out, r); hidden 32,
        // 2 KV heads of 8 (v: 16 out), intermediate 64.
        let bytes = std::fs::read(dir.join("adapter_model.safetensors")).unwrap();
        let tensors = candle_core::safetensors::load_buffer(&bytes, &candle_core::Device::Cpu).unwrap();
        assert_eq!(tensors.len(), 2 * 3 * 2);
        for layer in 0..2 {
            let shape = |name: String| tensors.get(&name).unwrap_or_else(|| panic!("{name} missing")).dims().to_vec();
            let base = format!("base_model.model.model.layers.{layer}");
            assert_eq!(shape(format!("{base}.self_attn.q_proj.lora_A.weight")), [4, 32]);
            assert_eq!(shape(format!("{base}.self_attn.q_proj.lora_B.weight")), [32, 4]);
            assert_eq!(shape(format!("{base}.self_attn.v_proj.lora_A.weight")), [4, 32]);
            assert_eq!(shape(format!("{base}.self_attn.v_proj.lora_B.weight")), [16, 4]);
            assert_eq!(shape(format!("{base}.mlp.down_proj.lora_A.weight")), [4, 64]);
            assert_eq!(shape(format!("{base}.mlp.down_proj.lora_B.weight")), [32, 4]);
        }
        // The metrics: histories, and the adapter learned the task.
        let metrics: Value = serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap()).unwrap();
        let base_loss = metrics["base_eval_loss"].as_f64().unwrap();
        let best = metrics["best_eval_loss"].as_f64().unwrap();
        assert!(best < base_loss * 0.8, "eval loss {base_loss} -> {best}");
        assert_eq!(metrics["train_loss"].as_array().unwrap().len(), metrics["steps"].as_u64().unwrap() as usize);
        assert_eq!(metrics["eval_loss"][0][0], 0, "the base model's eval loss comes first");
        assert!(metrics["tokens_per_second"].as_f64().unwrap() > 0.0);
    }
    // One loss curve per adapter in the run's report folder.
    let svgs: Vec<PathBuf> = files_under(&p.warehouse_path().join("reports").join(&run.run_id))
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with("-loss.svg"))
        .collect();
    assert_eq!(svgs.len(), 2);
    assert!(std::fs::read_to_string(&svgs[0]).unwrap().contains("<polyline"));
    // The adapters table, by SQL; no checkpoint is left behind.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM adapters WHERE eval_loss < base_eval_loss AND rank = 4").await, 2);
    assert!(files_under(&p.warehouse_path().join("adapters/_checkpoints")).is_empty());

    // A second run skips the task: nothing it reads has changed.
    let cached = runner.run(&dag, date()).await.unwrap();
    assert!(cached.outputs["finetune"]["details"]["cached_from_run"].is_string(), "{cached:?}");
    // Forced, it trains nothing either: the adapters of these datasets exist.
    let runner = runner.with_force(Force::Tasks(vec!["finetune".into()]));
    let again = runner.run(&dag, date()).await.unwrap();
    assert_eq!(again.outputs["finetune"]["details"]["trained"], 0);
    // Other hyper-parameters are another adapter version.
    let other = runner.run(&p.dag(&finetune_yaml(&model, ", seed: 7")), date()).await.unwrap();
    assert_eq!(other.outputs["finetune"]["details"]["trained"], 2);
    assert_eq!(adapter_dirs(&p.warehouse_path()).len(), 4);
}

#[test]
fn bad_finetune_configs_are_refused_with_the_field() {
    let p = Project::new();
    let yaml = finetune_yaml(Path::new("x"), "").replace("target_modules: [q, v, down]", "target_modules: [q, w]");
    let err = slm_pipeline::dag::Dag::parse(&yaml, &p.dir.path().join("ft.yaml")).unwrap_err().to_string();
    assert!(err.contains("unknown target module `w`"), "{err}");
    let yaml = finetune_yaml(Path::new("x"), ", warmup: 3");
    let err = slm_pipeline::dag::Dag::parse(&yaml, &p.dir.path().join("ft.yaml")).unwrap_err().to_string();
    assert!(err.contains("warmup"), "{err}");
}

/// The process is killed (abort, no clean-up) right after its second
/// checkpoint; the next run resumes from it and ends with the very adapter
/// an uninterrupted run trains.
#[test]
fn a_killed_training_resumes_from_its_checkpoint() {
    let bin = env!("CARGO_BIN_EXE_slm-pipeline");
    let p = Project::new();
    let model = tiny_model(p.dir.path());
    let dag = p.dir.path().join("ft.yaml");
    std::fs::write(&dag, finetune_yaml(&model, "")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let killed_wh = p.dir.path().join("killed");
    let clean_wh = p.dir.path().join("clean");
    for wh in [&killed_wh, &clean_wh] {
        runtime.block_on(write_dataset(&Warehouse::open(wh.to_str().unwrap()).unwrap(), 0, 60));
    }
    let run = |wh: &Path, kill: Option<&str>| {
        let mut cmd = Command::new(bin);
        cmd.args(["run", dag.to_str().unwrap(), "--date", "2026-11-20", "--warehouse", wh.to_str().unwrap()]);
        cmd.env("SLM_MODELS", slm_pipeline::models::models_root().canonicalize().unwrap());
        if let Some(n) = kill {
            cmd.env("SLM_KILL_AFTER_CHECKPOINTS", n);
        }
        cmd.output().unwrap()
    };
    let killed = run(&killed_wh, Some("2"));
    assert!(!killed.status.success(), "the run was to be killed");
    assert_eq!(files_under(&killed_wh.join("adapters/_checkpoints")).len(), 1, "the checkpoint survives the kill");
    assert!(adapter_dirs(&killed_wh).is_empty(), "no adapter before training ends");

    let resumed = run(&killed_wh, None);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let clean = run(&clean_wh, None);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));

    let (resumed_dir, clean_dir) = (&adapter_dirs(&killed_wh)[0], &adapter_dirs(&clean_wh)[0]);
    let metrics: Value = serde_json::from_slice(&std::fs::read(resumed_dir.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["resumed_from_step"], 4, "two checkpoints, every 2 steps");
    let clean_metrics: Value = serde_json::from_slice(&std::fs::read(clean_dir.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["eval_loss"], clean_metrics["eval_loss"]);
    assert_eq!(metrics["train_loss"], clean_metrics["train_loss"]);
    assert_eq!(
        std::fs::read(resumed_dir.join("adapter_model.safetensors")).unwrap(),
        std::fs::read(clean_dir.join("adapter_model.safetensors")).unwrap(),
        "the resumed adapter is bit for bit the uninterrupted one"
    );
}

/// A cluster whose adapter is published starts the next night from it: its
/// first eval loss is the published adapter's best, not the base model's.
/// An adapter of older PII detectors is never a starting point. With a time
/// budget, each cluster gets a slice of it, the most valuable first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_warm_starts_from_the_published_adapter() {
    use slm_pipeline::routing::registry::Registry;
    use slm_pipeline::routing::table::{RoutingTable, SCHEMA_VERSION};
    let p = Project::new();
    let wh = p.warehouse();
    write_dataset(&wh, 0, 60).await;
    write_dataset(&wh, 3, 40).await;
    let model = tiny_model(p.dir.path());
    let (runner, _) = runner(wh.clone());
    let first = runner.run(&p.dag(&finetune_yaml(&model, "")), date()).await.unwrap();
    assert!(first.succeeded(), "{first:?}");
    let dirs = adapter_dirs(&p.warehouse_path());
    let metrics = |dir: &Path| -> Value { serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap()).unwrap() };
    let version_of = |dir: &Path| dir.file_name().unwrap().to_string_lossy().trim_start_matches("version=").to_string();
    let cold = metrics(&dirs[0]);
    assert_eq!(cold["cluster_id"], 0);

    // Publish both adapters, cluster 3's as trained on older PII detectors.
    let registry = Registry::new(wh.root().child("registry").unwrap());
    let mut routes = Vec::new();
    for (dir, cluster, pii) in [(&dirs[0], 0, format!("{}+nadgik", slm_pii::VERSION)), (&dirs[1], 3, "1+".to_string())] {
        let files: Vec<(&str, Vec<u8>)> =
            ["adapter_config.json", "adapter_model.safetensors", "metrics.json"].iter().map(|f| (*f, std::fs::read(dir.join(f)).unwrap())).collect();
        let mut adapter = registry.put_adapter(cluster, &version_of(dir), &files).await.unwrap();
        adapter.pii_version = Some(pii);
        routes.push(serde_json::json!({"cluster_id": format!("c{cluster}"), "label": "sums", "centroid": [1.0, 0.0], "max_distance": 0.5,
                                       "target": "slm", "base_model": "tiny-random-llama", "adapter": adapter, "eval": null, "traffic_share": 0.5}));
    }
    let table: RoutingTable = serde_json::from_value(serde_json::json!({
        "schema_version": SCHEMA_VERSION, "version": "2026-11-20T000000Z-abcdef", "dag_run_id": "r", "published_at": "2026-11-20T00:00:00Z",
        "embedding": {"model": "m", "dim": 2, "text": "{last_user}", "max_tokens": 64}, "fallback": {"target": "llm", "model": "gpt-4o"},
        "routes": routes, "summary": {"calls": 10, "clusters": 2, "slm_clusters": 2, "slm_traffic_share": 1.0}}))
    .unwrap();
    registry.write_table(&table).await.unwrap();
    registry.activate(&table.version).await.unwrap();

    // The next night, with other hyper-parameters and a time budget.
    let yaml = finetune_yaml(&model, ", seed: 7").replace("      lora:", "      time_budget_mins: 30\n      lora:");
    let second = runner.run(&p.dag(&yaml), date()).await.unwrap();
    assert!(second.succeeded(), "{second:?}");
    let clusters = &second.outputs["finetune"]["details"]["clusters"];
    eprintln!("{clusters:#}");
    assert_eq!(clusters["0"]["warm_from"], version_of(&dirs[0]));
    assert!(clusters["3"]["warm_from"].is_null(), "a stale adapter is no starting point");
    let warm_start_loss = clusters["0"]["base_eval_loss"].as_f64().unwrap();
    let published_best = cold["best_eval_loss"].as_f64().unwrap();
    assert!((warm_start_loss - published_best).abs() < 1e-3, "warm start at {warm_start_loss}, published {published_best}");
    assert!(warm_start_loss < cold["base_eval_loss"].as_f64().unwrap() * 0.8);
    let cold_start_loss = clusters["3"]["base_eval_loss"].as_f64().unwrap();
    assert!(cold_start_loss > warm_start_loss, "{cold_start_loss} vs {warm_start_loss}");
    // The warm adapter is another version, with its origin in the metrics.
    let warm_dir = adapter_dirs(&p.warehouse_path()).into_iter().find(|d| metrics(d)["warm_from"] == version_of(&dirs[0])).unwrap();
    assert_ne!(warm_dir, dirs[0]);
    // The budget: slices of 30 minutes, in order of value; with no
    // cluster run both are worth the same, so the first takes half.
    let slices: Vec<f64> = ["0", "3"].iter().map(|c| clusters[c]["budget_minutes"].as_f64().unwrap()).collect();
    assert!((slices[0] - 15.0).abs() < 0.1 && (slices[1] - 30.0).abs() < 0.1, "the test clock stands still: {slices:?}");
    assert!(clusters["0"]["minutes"].as_f64().unwrap() < 30.0);
    for c in ["0", "3"] {
        assert!(clusters[c]["tokens"].as_u64().unwrap() > 0 && clusters[c]["gain"].as_f64().is_some(), "{}", clusters[c]);
    }
}

/// The whole process stays inside `memory_budget_mib` (peak RSS as the OS
/// counts it, `VmHWM`): long pairs whose batch would hold gigabytes of
/// logits and activations without a budget are cut into smaller batches and
/// checkpointed layers when the budget is low.
#[test]
fn training_stays_inside_its_memory_budget() {
    let bin = env!("CARGO_BIN_EXE_slm-pipeline");
    let p = Project::new();
    let model = tiny_model(p.dir.path());
    // Prompts of some 650 tokens and answers of some 600: a batch of 8
    // sequences of about 1,250 tokens holds attention tensors of 8 x 4 heads
    // x 1,250² floats per layer, several of them in the backward pass. (The
    // head's logits no longer grow with the answers: they are computed a
    // chunk at a time.)
    let words = ["ledger", "invoice", "Lyon", "batch", "quarterly", "refund", "shipment", "tariff", "audit", "Tromsø"];
    let long: Vec<(String, String, String)> = (0..48)
        .map(|i| {
            let text: Vec<&str> = (0..440).map(|j| words[(i * 7 + j * 3) % words.len()]).collect();
            let prompt = format!("<|im_start|>user\nSummarise: {}<|im_end|>\n<|im_start|>assistant\n", text.join(" "));
            let answer = format!("{}<|im_end|>\n", text[..400].join(" "));
            ((if i % 6 == 0 { "eval" } else { "train" }).to_string(), prompt, answer)
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let run = |budget: usize| -> f64 {
        let wh = p.dir.path().join(format!("wh-{budget}"));
        runtime.block_on(write_pairs(&Warehouse::open(wh.to_str().unwrap()).unwrap(), 0, long.clone()));
        let dag = p.dir.path().join(format!("ft-{budget}.yaml"));
        let yaml = finetune_yaml(&model, &format!(", memory_budget_mib: {budget}"))
            .replace("max_steps: 8, batch_size: 4", "max_steps: 3, batch_size: 8")
            .replace("max_seq_len: 128, max_batch_tokens: 512", "max_seq_len: 2048, max_batch_tokens: 16384");
        std::fs::write(&dag, yaml).unwrap();
        let out = Command::new(bin)
            .args(["run", dag.to_str().unwrap(), "--date", "2026-11-20", "--warehouse", wh.to_str().unwrap()])
            .env("SLM_MODELS", slm_pipeline::models::models_root().canonicalize().unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let metrics: Value = serde_json::from_slice(&std::fs::read(adapter_dirs(&wh)[0].join("metrics.json")).unwrap()).unwrap();
        assert_eq!(metrics["steps"], 3);
        metrics["peak_rss_mib"].as_f64().unwrap()
    };
    let budget = 1100;
    let free = run(16384);
    let bounded = run(budget);
    eprintln!("peak RSS: {free:.0} MiB without a budget, {bounded:.0} MiB within {budget} MiB");
    assert!(free > budget as f64, "without a budget the same training needs more ({free:.0} MiB): the test would prove nothing");
    assert!(bounded <= budget as f64, "peak RSS {bounded:.0} MiB over the budget of {budget} MiB");
}

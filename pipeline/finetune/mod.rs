//! The `finetune` task: one LoRA adapter per cluster dataset on the small LM.
//!
//! 1. The newest version of each cluster's dataset (`datasets/cluster=<id>/
//!    version=<v>/`), the largest first, at most `max_adapters`;
//! 2. an adapter version is the dataset version and a hash of the model and
//!    hyper-parameters: an adapter already trained is not trained again;
//! 3. training (`train.rs`) on the differentiable Llama with LoRA
//!    (`models/lora_llama.rs`), checkpointing into `adapters/_checkpoints/`, from which
//!    a killed run resumes;
//! 4. the adapter of the best eval step is written in PEFT's format
//!    (`models/peft.rs`) with `metrics.json`, its loss curve goes to the run's
//!    report folder (`curve.rs`), and `adapter.parquet` (the `adapters`
//!    table) is written last: its presence means the adapter is complete.

pub mod budget;
pub mod curve;
pub mod data;
pub mod optim;
pub mod train;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use async_trait::async_trait;
use candle_core::DType;
use serde::Deserialize;
use serde_json::json;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::models::smollm::{self, BaseModel};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::columns;
use crate::warehouse::tables::adapters_schema;
use crate::warehouse::Table;
use data::Example;
use crate::models::lora_llama::LoraLlama;
use crate::models::peft;
use train::{Deadline, LoraParams, TrainParams, Trainer};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinetuneConfig {
    /// The base model: a folder below `models/` or a path (GGUF folder, or
    /// Hugging Face layout with `config.json`).
    #[serde(default = "default_model")]
    pub model: String,
    /// Only these clusters (default: every cluster with a dataset).
    #[serde(default)]
    pub clusters: Option<Vec<i64>>,
    /// At most this many adapters per run, the largest datasets first.
    #[serde(default)]
    pub max_adapters: Option<usize>,
    /// Eval pairs used at most (the first of the dataset's eval split, which
    /// a hash of the call id chose): bounds the cost of each evaluation.
    #[serde(default = "default_max_eval_pairs")]
    pub max_eval_pairs: usize,
    /// `f32`, `bf16`, or `auto` (bf16 on a GPU, f32 on the CPU).
    #[serde(default = "default_dtype")]
    pub dtype: String,
    #[serde(default)]
    pub lora: LoraParams,
    #[serde(default)]
    pub training: TrainParams,
    /// Minutes of training for the whole run, shared across the clusters by
    /// expected value (`budget.rs`). None: each cluster trains its epochs.
    #[serde(default)]
    pub time_budget_mins: Option<f64>,
    /// The score the gate asks for: a cluster's headroom is the gap between
    /// its newest eval score and this.
    #[serde(default = "default_target_score")]
    pub target_score: f64,
    /// Start a cluster from its published adapter (same base model and LoRA
    /// shape, same PII detectors), so training goes on night after night.
    #[serde(default = "default_warm_start")]
    pub warm_start: bool,
    /// Where the published adapters are, as publish's `registry` (default:
    /// `registry/` in the warehouse).
    #[serde(default)]
    pub registry: Option<String>,
}

fn default_target_score() -> f64 {
    0.9
}
fn default_warm_start() -> bool {
    true
}

fn default_model() -> String {
    smollm::MODEL_NAME.into()
}
fn default_max_eval_pairs() -> usize {
    64
}
fn default_dtype() -> String {
    "auto".into()
}

impl FinetuneConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        self.lora.check()?;
        self.training.check()?;
        if !matches!(self.dtype.as_str(), "auto" | "f32" | "bf16") {
            return Err(format!("`dtype` is auto, f32 or bf16 (got `{}`)", self.dtype));
        }
        if self.max_adapters == Some(0) || self.max_eval_pairs == 0 {
            return Err("`max_adapters` and `max_eval_pairs` must be at least 1".into());
        }
        if self.time_budget_mins.is_some_and(|m| !(m > 0.0)) {
            return Err("`time_budget_mins` must be above 0".into());
        }
        if !(self.target_score > 0.0 && self.target_score <= 1.0) {
            return Err("`target_score` is a score above 0, at most 1".into());
        }
        Ok(())
    }

    /// Names the model, the hyper-parameters and the adapter training
    /// started from: part of the adapter version.
    fn fingerprint(&self, dataset_version: &str, warm_from: Option<&str>) -> String {
        let mut value = json!({"model": self.model, "dtype": self.dtype, "lora": self.lora, "training": self.training,
                               "max_eval_pairs": self.max_eval_pairs, "dataset": dataset_version});
        if let Some(from) = warm_from {
            value["warm_from"] = json!(from);
        }
        let text = value.to_string();
        crate::hashing::sha256_hex(&text)[..8].to_string()
    }
}

pub struct FinetuneTask {
    config: FinetuneConfig,
}

impl FinetuneTask {
    pub fn new(config: FinetuneConfig) -> std::result::Result<Self, String> {
        config.check()?;
        Ok(Self { config })
    }
}

/// The newest version of one cluster's dataset.
struct Dataset {
    cluster: i64,
    version: String,
    /// The PII detector version of the calls it was built from.
    pii_version: Option<String>,
    train: Vec<(String, String)>,
    eval: Vec<(String, String)>,
    /// Prompt + answer tokens of all its pairs (the base model's tokenizer).
    tokens: u64,
    /// The prompt prefix distill pruned, and the pairs it was cut from.
    prefix: Option<String>,
    pruned: usize,
}

/// What happened to one cluster.
#[derive(Default, serde::Serialize)]
struct AdapterReport {
    version: String,
    dataset_version: String,
    train_pairs: usize,
    eval_pairs: usize,
    too_long: usize,
    steps: usize,
    base_eval_loss: f64,
    eval_loss: f64,
    /// Eval loss at the start (the base model, or the warm adapter) minus the best.
    gain: f64,
    resumed_from_step: Option<usize>,
    stopped_early: bool,
    stopped_for_time: bool,
    tokens: u64,
    minutes: f64,
    tokens_per_second: f64,
    peak_rss_mib: Option<f64>,
    /// The published adapter training started from.
    warm_from: Option<String>,
    /// Expected value (share × tokens × headroom) and its time slice.
    value: f64,
    budget_minutes: Option<f64>,
    cached: bool,
    /// Why no adapter was trained (no pair fits `max_seq_len`).
    skipped: Option<String>,
    path: String,
    loss_curve: Option<String>,
}

#[async_trait]
impl Task for FinetuneTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let cfg = &self.config;
        let datasets = newest_datasets(ctx, cfg.clusters.as_deref()).await?;
        let (shares, scores) = cluster_standing(ctx).await?;
        // What the LLM reads costs: the pruned prefix counts in the value.
        let counter = match datasets.iter().any(|d| d.prefix.is_some()) {
            true => Some(crate::models::tokens::TokenEstimator::load(&cfg.model)?),
            false => None,
        };
        let candidates = datasets
            .iter()
            .map(|d| {
                let prefix_tokens = match (&d.prefix, &counter) {
                    (Some(p), Some(c)) => c.count(p) * d.pruned as u64,
                    _ => 0,
                };
                budget::Candidate {
                    cluster: d.cluster,
                    share: shares.get(&d.cluster).copied().unwrap_or(0.0),
                    tokens_per_call: (d.tokens + prefix_tokens) as f64 / (d.train.len() + d.eval.len()).max(1) as f64,
                    score: scores.get(&d.cluster).copied(),
                }
            })
            .collect();
        // The most valuable clusters first: they get the time and the
        // `max_adapters` places.
        let ordered = budget::order(candidates, cfg.target_score);
        let mut by_cluster: BTreeMap<i64, Dataset> = datasets.into_iter().map(|d| (d.cluster, d)).collect();
        let mut datasets: Vec<Dataset> = ordered.iter().filter_map(|c| by_cluster.remove(&c.cluster)).collect();
        let values: Vec<f64> = ordered.iter().map(|c| c.value(cfg.target_score)).collect();
        let left_out = datasets.len().saturating_sub(cfg.max_adapters.unwrap_or(usize::MAX));
        datasets.truncate(cfg.max_adapters.unwrap_or(usize::MAX));
        if datasets.is_empty() {
            return Err(Error::task_config(&ctx.task_id, "no dataset to fine-tune on: run a distill task first"));
        }

        let device = crate::models::device();
        let dtype = match (cfg.dtype.as_str(), device.is_cuda()) {
            ("bf16", _) | ("auto", true) => DType::BF16,
            _ => DType::F32,
        };
        let dir = crate::models::model_dir(&cfg.model);
        let base = {
            let (dir, device) = (dir.clone(), device.clone());
            tokio::task::spawn_blocking(move || BaseModel::load(&dir, &device))
                .await
                .map_err(|e| Error::model("loading the base model", e))??
        };
        let base = Arc::new(base);
        info!(task = %ctx.task_id, model = %dir.display(), ?dtype, adapters = datasets.len(), "Fine-tuning.");

        // No `KeepFreedMemory` across adapters: each adapter trains on
        // whichever blocking thread tokio hands it, so on another malloc
        // arena than the last one, whose freed heap it cannot reuse. Kept for
        // the whole task, the free heaps of every adapter stayed resident
        // (4.3 GiB free of 4.8 GiB after two adapters); the trainer keeps
        // freed memory for its own steps and gives it back when it is done.
        let published = match cfg.warm_start {
            true => published_adapters(ctx, cfg.registry.as_deref(), &base.hf_name).await?,
            false => BTreeMap::new(),
        };
        let mut reports: BTreeMap<i64, AdapterReport> = BTreeMap::new();
        let mut summary = Vec::new();
        let started = ctx.clock.now();
        for (i, dataset) in datasets.into_iter().enumerate() {
            let slice_secs = cfg.time_budget_mins.map(|mins| {
                let used = (ctx.clock.now() - started).num_milliseconds() as f64 / 1000.0;
                budget::slice(mins * 60.0 - used, &values[i..])
            });
            let deadline = slice_secs.map(|secs| Deadline {
                clock: ctx.clock.clone(),
                at: ctx.clock.now() + chrono::Duration::milliseconds((secs * 1000.0) as i64),
            });
            let warm = published.get(&dataset.cluster);
            let report = if deadline.as_ref().is_some_and(Deadline::passed) {
                // Its published adapter (if any) keeps serving; it trains on a later night.
                AdapterReport { skipped: Some("the run's time budget is spent".into()), value: values[i], ..AdapterReport::default() }
            } else {
                let mut report = self.adapter(ctx, &base, &dataset, dtype, &device, deadline.clone(), warm).await?;
                report.value = values[i];
                report.budget_minutes = slice_secs.map(|s| s / 60.0);
                report
            };
            summary.push(if let Some(why) = &report.skipped {
                format!("cluster {}: skipped, {why}", dataset.cluster)
            } else if report.cached {
                format!("cluster {}: adapter {} already trained", dataset.cluster, report.version)
            } else {
                format!(
                    "cluster {}: eval loss {:.3} -> {:.3} (gain {:.3}) in {} steps, {:.1} min, {} tokens ({:.0} tokens/s), peak RSS {:.0} MiB{}{}{}",
                    dataset.cluster,
                    report.base_eval_loss,
                    report.eval_loss,
                    report.gain,
                    report.steps,
                    report.minutes,
                    report.tokens,
                    report.tokens_per_second,
                    report.peak_rss_mib.unwrap_or(f64::NAN),
                    report.warm_from.as_ref().map(|w| format!(", warm from {w}")).unwrap_or_default(),
                    if report.stopped_early { ", stopped on a plateau" } else { "" },
                    if report.stopped_for_time { ", stopped at its time budget" } else { "" },
                )
            });
            reports.insert(dataset.cluster, report);
        }
        if left_out > 0 {
            summary.push(format!("{left_out} smaller datasets left for later runs (max_adapters)"));
        }
        let trained = reports.values().filter(|r| !r.cached && r.skipped.is_none()).count();
        let adapters = reports.values().filter(|r| r.skipped.is_none()).count();
        Ok(TaskOutput {
            rows_in: reports.values().map(|r| (r.train_pairs + r.eval_pairs) as u64).sum(),
            rows_out: adapters as u64,
            details: json!({
                "adapters": adapters,
                "skipped": reports.len() - adapters,
                "trained": trained,
                "left_out": left_out,
                "clusters": reports.iter().map(|(c, r)| (c.to_string(), json!(r))).collect::<serde_json::Map<_, _>>(),
                "summary": summary,
            }),
        })
    }
}

impl FinetuneTask {
    /// Trains (or finds) the adapter of one dataset.
    async fn adapter(
        &self,
        ctx: &TaskContext,
        base: &Arc<BaseModel>,
        dataset: &Dataset,
        dtype: DType,
        device: &candle_core::Device,
        deadline: Option<Deadline>,
        warm: Option<&WarmStart>,
    ) -> Result<AdapterReport> {
        let cfg = &self.config;
        let root = ctx.warehouse.root().clone();
        let version =
            format!("{}-{}", dataset.version, cfg.fingerprint(&dataset.version, warm.map(|w| w.version.as_str())));
        let dir = format!("{}/cluster={}/version={version}", Table::Adapters.dir(), dataset.cluster);
        let mut report = AdapterReport {
            version: version.clone(),
            dataset_version: dataset.version.clone(),
            path: root.url_of(&root.key(&dir)?, true),
            ..AdapterReport::default()
        };
        if root.object_exists(&root.key(&format!("{dir}/adapter.parquet"))?).await? {
            report.cached = true;
            return Ok(report);
        }

        let encode = |pairs: &[(String, String)], too_long: &mut usize| -> Result<Vec<Example>> {
            let mut out = Vec::with_capacity(pairs.len());
            for (prompt, answer) in pairs {
                match data::encode(&base.tokenizer, prompt, answer, cfg.training.max_seq_len)? {
                    Some(e) => out.push(e),
                    None => *too_long += 1,
                }
            }
            Ok(out)
        };
        let train = encode(&dataset.train, &mut report.too_long)?;
        let eval_pairs = &dataset.eval[..dataset.eval.len().min(cfg.max_eval_pairs)];
        let eval = encode(eval_pairs, &mut report.too_long)?;
        if train.is_empty() || eval.is_empty() {
            // The other clusters still get their adapters; this one stays on the LLM.
            let why = format!(
                "no {} pair within max_seq_len = {} ({} too long)",
                if train.is_empty() { "train" } else { "eval" },
                cfg.training.max_seq_len,
                report.too_long
            );
            warn!(task = %ctx.task_id, cluster = dataset.cluster, dataset = %dataset.version, "Skipped: {why}.");
            report.skipped = Some(why);
            return Ok(report);
        }
        report.train_pairs = train.len();
        report.eval_pairs = eval.len();

        let checkpoint_key = root.key(&format!("{}/_checkpoints/cluster={}/version={version}/checkpoint.safetensors", Table::Adapters.dir(), dataset.cluster))?;
        let checkpoint = match root.object_exists(&checkpoint_key).await? {
            true => Some(root.get(&checkpoint_key).await?.to_vec()),
            false => None,
        };

        // Training is long CPU (or GPU) work: off the async workers.
        let (lora, params, base_owned, device_owned) = (cfg.lora.clone(), cfg.training.clone(), base.clone(), device.clone());
        let fingerprint = version.clone();
        let progress = crate::progress::steps_bar(ctx.progress, 0, &format!("cluster {}", dataset.cluster));
        let warm_files = warm.map(|w| (w.version.clone(), w.config.clone(), w.weights.clone()));
        let handle = tokio::runtime::Handle::current();
        let (root_c, key_c) = (root.clone(), checkpoint_key.clone());
        let label = format!("cluster {} dataset {}", dataset.cluster, dataset.version);
        let (trained, model, svg_title, warm_from) = tokio::task::spawn_blocking(move || -> Result<_> {
            let targets = lora.targets().map_err(|e| Error::model(&label, e))?;
            let build = || {
                LoraLlama::new(
                    base_owned.spec.clone(),
                    base_owned.weights.clone(),
                    &targets,
                    lora.rank,
                    lora.alpha,
                    params.seed,
                    dtype,
                    &device_owned,
                )
                .map_err(|e| Error::model(&label, e))
            };
            let mut model = build()?;
            let mut warm_from = None;
            if let Some((from, config, weights)) = &warm_files {
                match peft::load_into(&model, config, weights, &format!("published adapter {from}")) {
                    Ok(_) => warm_from = Some(from.clone()),
                    // Another shape (a new rank or target list): a cold start.
                    Err(e) => {
                        warn!("{label}: not warm-started: {e}");
                        model = build()?;
                    }
                }
            }
            let trainer = Trainer {
                model: &model,
                params: &params,
                dropout: lora.dropout,
                train: &train,
                eval: &eval,
                pad: base_owned.spec.eos,
                device: &device_owned,
                fingerprint,
                progress: progress.clone(),
                deadline,
            };
            let mut save = |bytes: Vec<u8>| -> Result<()> {
                handle.block_on(root_c.put(&key_c, bytes))?;
                crate::finetune::kill_point();
                Ok(())
            };
            let trained = trainer.run(checkpoint.as_deref(), &mut save)?;
            progress.finish_and_clear();
            model.set_trainable(&trained.best).map_err(|e| Error::model(&label, e))?;
            Ok((trained, model, label, warm_from))
        })
        .await
        .map_err(|e| Error::model("the training thread", e))??;

        let state = &trained.state;
        report.steps = state.step;
        report.base_eval_loss = state.eval_loss.first().map_or(f64::NAN, |p| p.1);
        report.eval_loss = state.best_eval_loss.unwrap_or(f64::NAN);
        report.gain = report.base_eval_loss - report.eval_loss;
        report.resumed_from_step = trained.resumed_from;
        report.stopped_early = state.stopped_early;
        report.stopped_for_time = state.stopped_for_time;
        report.tokens = state.tokens;
        report.minutes = state.train_seconds / 60.0;
        report.tokens_per_second = state.tokens as f64 / state.train_seconds.max(1e-9);
        report.peak_rss_mib = peak_rss_mib();
        report.warm_from = warm_from;

        // The PEFT files and metrics, then the loss curve, then the table row.
        let (config_json, weights) = peft::export(&model, &base.hf_name, cfg.lora.dropout)?;
        let metrics = json!({
            "cluster_id": dataset.cluster,
            "adapter_version": version,
            "dataset_version": dataset.version,
            "base_model": base.hf_name,
            "dtype": format!("{dtype:?}").to_lowercase(),
            "device": if device.is_cuda() { "cuda" } else { "cpu" },
            "lora": cfg.lora,
            "training": cfg.training,
            "pairs": {"train": report.train_pairs, "eval": report.eval_pairs, "too_long": report.too_long},
            "steps": state.step,
            "epochs": state.epoch,
            "tokens": state.tokens,
            "train_seconds": state.train_seconds,
            "tokens_per_second": report.tokens_per_second,
            "peak_rss_mib": peak_rss_mib(),
            "base_eval_loss": report.base_eval_loss,
            "best_eval_loss": report.eval_loss,
            "best_step": state.best_step,
            "stopped_early": state.stopped_early,
            "stopped_for_time": state.stopped_for_time,
            "warm_from": report.warm_from,
            "resumed_from_step": trained.resumed_from,
            "train_loss": state.train_loss,
            "eval_loss": state.eval_loss,
        });
        for (file, bytes) in [
            (peft::CONFIG_FILE, config_json),
            (peft::WEIGHTS_FILE, weights),
            ("metrics.json", serde_json::to_vec_pretty(&metrics).expect("JSON")),
        ] {
            root.put(&root.key(&format!("{dir}/{file}"))?, bytes).await?;
        }
        let svg = curve::loss_svg(&svg_title, &state.train_loss, &state.eval_loss, state.best_step);
        let svg_key = root.key(&format!("reports/{}/{}-cluster-{}-loss.svg", ctx.run_id, ctx.task_id, dataset.cluster))?;
        root.put(&svg_key, svg.into_bytes()).await?;
        report.loss_curve = Some(root.url_of(&svg_key, false));

        let row = adapter_row(ctx, dataset, &report, &base.hf_name, cfg, state)?;
        ctx.warehouse.write_parquet(&format!("{dir}/adapter.parquet"), adapters_schema(), &[row]).await?;
        root.delete(&checkpoint_key).await?;
        info!(task = %ctx.task_id, cluster = dataset.cluster, version = %report.version,
              base_eval_loss = report.base_eval_loss, eval_loss = report.eval_loss, "Adapter written.");
        Ok(report)
    }
}

fn adapter_row(
    ctx: &TaskContext,
    dataset: &Dataset,
    report: &AdapterReport,
    base_model: &str,
    cfg: &FinetuneConfig,
    state: &train::TrainState,
) -> Result<RecordBatch> {
    let targets = cfg.lora.targets().map_err(|e| Error::task_config(&ctx.task_id, e))?;
    let targets: Vec<&str> = targets.iter().map(|t| t.module()).collect();
    let s = |v: &str| Arc::new(StringArray::from(vec![v.to_string()])) as ArrayRef;
    let i = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let f = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let now = chrono::Utc::now().timestamp_micros();
    let columns: Vec<ArrayRef> = vec![
        i(dataset.cluster),
        s(&report.version),
        s(&dataset.version),
        s(base_model),
        i(cfg.lora.rank as i64),
        f(cfg.lora.alpha),
        s(&targets.join(",")),
        i(report.train_pairs as i64),
        i(report.eval_pairs as i64),
        i(state.step as i64),
        i(state.tokens as i64),
        f(state.train_seconds),
        f(report.base_eval_loss),
        f(report.eval_loss),
        i(state.best_step as i64),
        Arc::new(BooleanArray::from(vec![state.stopped_early])),
        s(&report.path),
        s(&ctx.run_id),
        Arc::new(TimestampMicrosecondArray::from(vec![now]).with_timezone("UTC")),
        Arc::new(StringArray::from(vec![dataset.pii_version.as_deref()])),
    ];
    RecordBatch::try_new(adapters_schema(), columns).map_err(|e| Error::arrow("building the adapters row", e))
}

/// The newest version of each cluster's dataset: the version whose files
/// were written last (a re-distilled date gets a new content hash).
async fn newest_datasets(ctx: &TaskContext, only: Option<&[i64]>) -> Result<Vec<Dataset>> {
    let root = ctx.warehouse.root();
    // (cluster, version) -> newest modification of its files.
    let mut versions: BTreeMap<i64, (chrono::DateTime<chrono::Utc>, String)> = BTreeMap::new();
    for object in root.list(Table::Datasets.dir()).await? {
        let rel = root.relative(&object.location);
        let parts: Vec<&str> = rel.split('/').collect();
        let (Some(cluster), Some(version)) = (
            parts.get(1).and_then(|p| p.strip_prefix("cluster=")).and_then(|c| c.parse::<i64>().ok()),
            parts.get(2).and_then(|p| p.strip_prefix("version=")),
        ) else {
            continue;
        };
        if only.is_some_and(|o| !o.contains(&cluster)) {
            continue;
        }
        let candidate = (object.last_modified, version.to_string());
        let entry = versions.entry(cluster).or_insert_with(|| candidate.clone());
        if candidate > *entry {
            *entry = candidate;
        }
    }
    let mut datasets = Vec::new();
    for (cluster, (_, version)) in versions {
        let dir = format!("{}/cluster={cluster}/version={version}", Table::Datasets.dir());
        let mut dataset =
            Dataset { cluster, version, pii_version: None, train: Vec::new(), eval: Vec::new(), tokens: 0, prefix: None, pruned: 0 };
        let prefix_key = root.key(&format!("{dir}/{}", crate::models::prefix::PREFIX_FILE))?;
        if root.object_exists(&prefix_key).await? {
            dataset.prefix = Some(String::from_utf8_lossy(&root.get(&prefix_key).await?).into_owned());
        }
        for batch in ctx.warehouse.read_parquet_dir(&dir).await? {
            if let Some(v) = crate::warehouse::columns::optional_strings(&batch, "pii_version", "datasets")? {
                dataset.pii_version = (0..v.len()).find(|&r| !v.is_null(r)).map(|r| v.value(r).to_string());
            }
            let split = columns::strings(&batch, "split", "datasets")?;
            let prompt = columns::strings(&batch, "prompt", "datasets")?;
            let answer = columns::strings(&batch, "answer", "datasets")?;
            if let Some(p) = crate::warehouse::columns::optional_strings(&batch, "prefix_sha256", "datasets")? {
                dataset.pruned += p.len() - p.null_count();
            }
            let prompt_tokens = crate::warehouse::columns::i64s(&batch, "prompt_tokens", "datasets")?;
            let answer_tokens = crate::warehouse::columns::i64s(&batch, "answer_tokens", "datasets")?;
            for row in 0..batch.num_rows() {
                dataset.tokens += (prompt_tokens.value(row) + answer_tokens.value(row)).max(0) as u64;
                let pair = (prompt.value(row).to_string(), answer.value(row).to_string());
                if split.value(row) == "eval" {
                    dataset.eval.push(pair);
                } else {
                    dataset.train.push(pair);
                }
            }
        }
        datasets.push(dataset);
    }
    Ok(datasets)
}

/// Each cluster's traffic share (the latest cluster run) and its newest
/// eval score: what its expected value is made of.
async fn cluster_standing(ctx: &TaskContext) -> Result<(BTreeMap<i64, f64>, BTreeMap<i64, f64>)> {
    let session = crate::warehouse::session::warehouse_session(&ctx.warehouse, None).await?;
    let (mut shares, mut scores) = (BTreeMap::new(), BTreeMap::new());
    let queries = [
        ("clusters", "SELECT cluster_id, share AS value FROM clusters \
                      WHERE run_id = (SELECT run_id FROM clusters ORDER BY date DESC, run_id DESC LIMIT 1)"),
        ("evaluations", "SELECT cluster_id, score AS value FROM evaluations ORDER BY created_at"),
    ];
    for (i, (table, sql)) in queries.into_iter().enumerate() {
        if !session.table_exist(table).unwrap_or(false) {
            continue;
        }
        let (_, batches) = crate::warehouse::session::query(&session, sql).await?;
        for batch in &batches {
            let ids = crate::warehouse::columns::i64s(batch, "cluster_id", table)?;
            let values = crate::warehouse::columns::f64s(batch, "value", table)?;
            for row in 0..batch.num_rows() {
                // Later rows are newer evaluations: they win.
                let into = if i == 0 { &mut shares } else { &mut scores };
                into.insert(ids.value(row), values.value(row));
            }
        }
    }
    Ok((shares, scores))
}

/// A published adapter that a cluster's training can start from.
struct WarmStart {
    version: String,
    config: Vec<u8>,
    weights: Vec<u8>,
}

/// The live routing table's adapters for `base_model`, by cluster. An
/// adapter of older PII detectors is never a starting point: it may have
/// learnt what today's detectors remove.
async fn published_adapters(ctx: &TaskContext, registry: Option<&str>, base_model: &str) -> Result<BTreeMap<i64, WarmStart>> {
    let registry = crate::routing::registry::Registry::of_warehouse(&ctx.warehouse, registry)?;
    let mut out = BTreeMap::new();
    let Some((_, table)) = registry.live().await? else { return Ok(out) };
    for route in table.routes.iter().filter(|r| r.is_slm() && r.base_model.as_deref() == Some(base_model)) {
        let (Some(cluster), Some(adapter)) = (crate::routing::table::cluster_of(&route.cluster_id), route.adapter.as_ref()) else {
            continue;
        };
        if crate::warehouse::pii_versions::is_stale(adapter.pii_version.as_deref()) {
            warn!(task = %ctx.task_id, cluster, "The published adapter is of older PII detectors: not warm-started from it.");
            continue;
        }
        let mut files = registry.fetch_adapter(adapter).await?;
        let (Some(config), Some(weights)) = (files.remove(peft::CONFIG_FILE), files.remove(peft::WEIGHTS_FILE)) else {
            continue;
        };
        let version = if adapter.version.is_empty() { adapter.sha256[..12.min(adapter.sha256.len())].to_string() } else { adapter.version.clone() };
        out.insert(cluster, WarmStart { version, config, weights });
    }
    Ok(out)
}

/// The process's peak resident memory (Linux), for the metrics.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Crash testing: with `SLM_KILL_AFTER_CHECKPOINTS=n` the process aborts
/// right after writing its n-th checkpoint, as a `kill -9` would stop it
/// (no clean-up runs). Tests use it to prove that training resumes.
fn kill_point() {
    static WRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(limit) = std::env::var("SLM_KILL_AFTER_CHECKPOINTS").ok().and_then(|v| v.parse::<usize>().ok()) else {
        return;
    };
    if WRITTEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= limit {
        eprintln!("SLM_KILL_AFTER_CHECKPOINTS={limit}: aborting after the checkpoint write");
        std::process::abort();
    }
}

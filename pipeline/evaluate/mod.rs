//! The `evaluate` task: how well each adapter imitates the LLM on its
//! cluster's eval split, against the base model on the same calls.
//!
//! 1. The newest adapter of each cluster (`adapters` table);
//! 2. its dataset's eval split (calls chosen by a hash of the call id, never
//!    trained on), in call-id order, at most `max_eval_pairs`;
//! 3. greedy answers with a KV cache from each candidate (`candidates`):
//!    the base model zero-shot on the whole prompt, the base model with the
//!    `few_shot` nearest training calls in its prompt (`models/fewshot.rs`),
//!    and the base model with the adapter merged in (`W + (alpha/r) B A`)
//!    on the pruned prompt;
//! 4. scores by the kind of the LLM's answer (`score.rs`), means with 95%
//!    intervals, agreement with the LLM;
//! 5. `evaluation_examples` and `candidates` (with the few-shot examples,
//!    `shots.jsonl`) first, then the `evaluations` row: a row means
//!    the evaluation is complete. An evaluation already done (same adapter,
//!    same settings) is not done again.

use crate::agreement as score;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::info;

use crate::error::{Error, Result};
use crate::models::peft;
use crate::models::constrain::{tools_in_prompt, JsonMachine, Shape, Vocabulary};
use crate::models::fewshot::{Shot, ShotPool, SHOTS_FILE};
use crate::models::smollm::{self, BaseModel, Generator};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::candidates::{candidates_dir, write_candidates, Candidate, CandidateKind};
use crate::warehouse::columns;
use crate::warehouse::evaluations::{adapter_dir, read_evaluations};
use crate::warehouse::tables::{evaluation_examples_schema, evaluations_schema};
use crate::warehouse::{Table, Warehouse};
use score::AnswerKind;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateConfig {
    /// The base model the adapters were trained on (a folder below
    /// `models/`, or a path).
    #[serde(default = "default_model")]
    pub model: String,
    /// Only these clusters (default: every cluster with an adapter).
    #[serde(default)]
    pub clusters: Option<Vec<i64>>,
    /// Eval calls per cluster, at most (the first by call id).
    #[serde(default = "default_max_eval_pairs")]
    pub max_eval_pairs: usize,
    /// Tokens generated per answer, at most. Each cluster also stops at 1.5×
    /// its longest logged answer + 16: a longer answer cannot score better.
    #[serde(default = "default_max_new_tokens")]
    pub max_new_tokens: usize,
    /// Seed of the bootstrap intervals.
    #[serde(default)]
    pub seed: u64,
    /// In a cluster whose answers are tool calls (or JSON), both models may
    /// only write tool calls of the declared tools (or valid JSON), as the
    /// serving side generates (`models/constrain.rs`).
    #[serde(default = "default_constrained")]
    pub constrained: bool,
    /// Training calls in the few-shot candidate's prompt (0: no few-shot candidate).
    #[serde(default = "default_few_shot")]
    pub few_shot: usize,
    /// Training calls the few-shot examples are picked from (the first by
    /// call id): what the registry ships with a few-shot route.
    #[serde(default = "default_few_shot_pool")]
    pub few_shot_pool: usize,
    /// The gates the candidates must reach, by metric (publish's
    /// `thresholds`). A cluster's evaluation stops once no candidate can
    /// reach its metric's gate even if it got every remaining call right:
    /// its `n` then falls short of the eval split, and publish keeps it on
    /// the LLM. Empty (the default): every eval call is evaluated.
    #[serde(default)]
    pub give_up_below: BTreeMap<String, f64>,
}

fn default_few_shot() -> usize {
    2
}
fn default_few_shot_pool() -> usize {
    256
}

fn default_constrained() -> bool {
    true
}

fn default_model() -> String {
    smollm::MODEL_NAME.into()
}
fn default_max_eval_pairs() -> usize {
    200
}
fn default_max_new_tokens() -> usize {
    512
}

impl EvaluateConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.max_eval_pairs == 0 || self.max_new_tokens == 0 {
            return Err("`max_eval_pairs` and `max_new_tokens` must be at least 1".into());
        }
        if self.give_up_below.values().any(|v| !(0.0..=1.0).contains(v)) {
            return Err("`give_up_below` holds scores between 0 and 1".into());
        }
        if self.few_shot > 0 && self.few_shot_pool < self.few_shot {
            return Err("`few_shot_pool` must hold at least `few_shot` calls".into());
        }
        Ok(())
    }
}

pub struct EvaluateTask {
    config: EvaluateConfig,
}

impl EvaluateTask {
    pub fn new(config: EvaluateConfig) -> std::result::Result<Self, String> {
        config.check()?;
        Ok(Self { config })
    }
}

/// A row of the `adapters` table.
#[derive(Debug, Clone)]
pub struct AdapterRow {
    pub cluster_id: i64,
    pub version: String,
    pub dataset_version: String,
    pub path: String,
    pub created_at: i64,
}

/// The newest adapter of each cluster.
pub async fn newest_adapters(wh: &Warehouse) -> Result<BTreeMap<i64, AdapterRow>> {
    let table = Table::Adapters.name();
    let mut newest: BTreeMap<i64, AdapterRow> = BTreeMap::new();
    for batch in wh.read_parquet_dir(Table::Adapters.dir()).await? {
        let cluster = columns::i64s(&batch, "cluster_id", table)?;
        let version = columns::strings(&batch, "version", table)?;
        let dataset = columns::strings(&batch, "dataset_version", table)?;
        let path = columns::strings(&batch, "path", table)?;
        let created = batch
            .column_by_name("created_at")
            .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
            .ok_or_else(|| Error::Contract { table: table.into(), message: "column `created_at` missing".into() })?;
        for row in 0..batch.num_rows() {
            let candidate = AdapterRow {
                cluster_id: cluster.value(row),
                version: version.value(row).to_string(),
                dataset_version: dataset.value(row).to_string(),
                path: path.value(row).to_string(),
                created_at: created.value(row),
            };
            let keep = newest.get(&candidate.cluster_id).is_none_or(|n| (candidate.created_at, &candidate.version) > (n.created_at, &n.version));
            if keep {
                newest.insert(candidate.cluster_id, candidate);
            }
        }
    }
    Ok(newest)
}

/// One eval call: the prompt (ChatML, assistant turn open) and the LLM's answer.
struct EvalPair {
    call_id: String,
    prompt: String,
    /// With the pruned prefix put back: where the tool definitions are.
    full_prompt: String,
    answer: String,
}

/// What the candidates answered on one call, scored.
struct Example {
    call_id: String,
    adapter: score::Scored,
    base: score::Scored,
    answer: String,
    base_answer: String,
    answer_tokens: usize,
    base_answer_tokens: usize,
    few_shot: Option<FewShotAnswer>,
    /// Tokens each candidate read: adapter (pruned), zero-shot (whole).
    prompt_tokens: usize,
    base_prompt_tokens: usize,
}

struct FewShotAnswer {
    scored: score::Scored,
    answer: String,
    answer_tokens: usize,
    prompt_tokens: usize,
    shots: usize,
}

/// One cluster's result, for the run summary.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub evaluation_id: String,
    pub cluster_id: i64,
    pub adapter_version: String,
    pub metric: String,
    pub score: f64,
    pub ci: (f64, f64),
    pub base_score: f64,
    pub base_ci: (f64, f64),
    pub teacher_agreement: f64,
    pub base_teacher_agreement: f64,
    pub n: usize,
    pub tokens_generated: usize,
    pub by_kind: BTreeMap<String, usize>,
    pub tokens_per_second: f64,
    pub cached: bool,
    /// The few-shot candidate's score, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub few_shot_score: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
}

#[async_trait]
impl Task for EvaluateTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let cfg = &self.config;
        let mut adapters = newest_adapters(&ctx.warehouse).await?;
        if let Some(only) = &cfg.clusters {
            adapters.retain(|c, _| only.contains(c));
        }
        if adapters.is_empty() {
            return Err(Error::task_config(&ctx.task_id, "no adapter to evaluate: run a finetune task first"));
        }
        let device = crate::models::device();
        let dir = crate::models::model_dir(&cfg.model);
        let mut base: Option<Arc<BaseModel>> = None;
        let mut results = Vec::new();
        let mut summary = Vec::new();
        for adapter in adapters.values() {
            let id = format!("{}-{}", adapter.version, self.fingerprint());
            let rel = format!("{}/cluster={}/evaluation={id}/evaluation.parquet", Table::Evaluations.dir(), adapter.cluster_id);
            if ctx.warehouse.root().object_exists(&ctx.warehouse.root().key(&rel)?).await? {
                let mut e = read_evaluation(&ctx.warehouse, &rel).await?;
                e.cached = true;
                summary.push(format!("cluster {}: evaluation {id} already done", adapter.cluster_id));
                results.push(e);
                continue;
            }
            if base.is_none() {
                let (dir, device) = (dir.clone(), device.clone());
                let loaded = tokio::task::spawn_blocking(move || BaseModel::load(&dir, &device))
                    .await
                    .map_err(|e| Error::model("loading the base model", e))??;
                base = Some(Arc::new(loaded));
            }
            let base = base.clone().expect("loaded above");
            let e = self.evaluate(ctx, &base, adapter, &id, &device).await?;
            summary.push(format!(
                "cluster {}: {} {:.3} [{:.3}, {:.3}] vs base {:.3}{}, agreement {:.2}, n {}",
                e.cluster_id,
                e.metric,
                e.score,
                e.ci.0,
                e.ci.1,
                e.base_score,
                e.few_shot_score.map(|f| format!(", few-shot {f:.3}")).unwrap_or_default(),
                e.teacher_agreement,
                e.n
            ));
            results.push(e);
        }
        Ok(TaskOutput {
            rows_in: results.iter().map(|e| e.n as u64).sum(),
            rows_out: results.len() as u64,
            details: json!({
                "evaluations": results,
                "summary": summary,
            }),
        })
    }
}

impl EvaluateTask {
    fn fingerprint(&self) -> String {
        let c = &self.config;
        // `candidates`: zero-shot reads the whole prompt, and the candidates table is written.
        let mut text = json!({"model": c.model, "max_eval_pairs": c.max_eval_pairs, "max_new_tokens": c.max_new_tokens, "seed": c.seed,
                              "candidates": 1, "few_shot": c.few_shot, "few_shot_pool": c.few_shot_pool});
        if c.constrained {
            text["constrained"] = json!(true);
        }
        if !c.give_up_below.is_empty() {
            text["give_up_below"] = json!(c.give_up_below);
        }
        crate::hashing::sha256_hex(&text.to_string())[..8].to_string()
    }

    async fn evaluate(
        &self,
        ctx: &TaskContext,
        base: &Arc<BaseModel>,
        adapter: &AdapterRow,
        id: &str,
        device: &candle_core::Device,
    ) -> Result<Evaluation> {
        let cfg = &self.config;
        let wh = &ctx.warehouse;
        let root = wh.root();
        let label = format!("cluster {} adapter {}", adapter.cluster_id, adapter.version);
        let (pairs, shots, kind) =
            eval_pairs(wh, adapter.cluster_id, &adapter.dataset_version, cfg.max_eval_pairs, cfg.few_shot_pool).await?;
        let k = if shots.is_empty() { 0 } else { cfg.few_shot };
        let pool = Arc::new(ShotPool::new(shots));
        let constrained = cfg.constrained;
        // The gate of the cluster's metric; of every metric when its answers are of several kinds.
        let give_up = match kind {
            Some(k) => cfg.give_up_below.get(k.metric()).copied(),
            None => cfg.give_up_below.values().copied().reduce(f64::min),
        };
        if pairs.is_empty() {
            return Err(Error::model(&label, format!("dataset {} has no eval split", adapter.dataset_version)));
        }
        let dir = adapter_dir(adapter.cluster_id, &adapter.version);
        let config_bytes = root.get(&root.key(&format!("{dir}/{}", peft::CONFIG_FILE))?).await?.to_vec();
        let weight_bytes = root.get(&root.key(&format!("{dir}/{}", peft::WEIGHTS_FILE))?).await?.to_vec();
        let adapter_bytes = weight_bytes.len();

        let progress = crate::progress::steps_bar(ctx.progress, pairs.len() as u64, &format!("cluster {}", adapter.cluster_id));
        let (base_c, device_c, label_c, max_new) = (base.clone(), device.clone(), label.clone(), cfg.max_new_tokens);
        let pool_c = pool.clone();
        let adapter_cluster = adapter.cluster_id;
        let started = Instant::now();
        let examples = tokio::task::spawn_blocking(move || -> Result<Vec<Example>> {
            let merged = peft::merged_weights(&base_c, &config_bytes, &weight_bytes, &label_c)?;
            let tuned = Generator::new(&base_c, &merged, &device_c)?;
            let plain = Generator::new(&base_c, &base_c.weights, &device_c)?;
            let vocab = constrained.then(|| Vocabulary::new(&base_c.tokenizer, base_c.spec.eos));
            // The cluster's kind of answer (from its training answers) picks the constraint.
            let shape_of = |pair: &EvalPair| -> Option<Shape> {
                match kind {
                    Some(AnswerKind::ToolCall) => tools_in_prompt(&pair.full_prompt).as_ref().and_then(Shape::tool_calls),
                    Some(AnswerKind::Json) => Some(Shape::json_document()),
                    _ => None,
                }
            };
            let tokens = |text: &str| -> Result<Vec<u32>> {
                Ok(base_c.tokenizer.encode(text, false).map_err(|e| Error::model(&label_c, e))?.get_ids().to_vec())
            };
            let longest = pairs.iter().map(|p| tokens(&p.answer).map(|t| t.len())).collect::<Result<Vec<_>>>()?;
            let max_new = max_new.min(longest.iter().max().copied().unwrap_or(0) * 3 / 2 + 16);
            let decode = |ids: &[u32]| base_c.tokenizer.decode(ids, true).map_err(|e| Error::model(&label_c, e));
            let generate = |generator: &Generator, prompt: &[u32], shape: Option<Shape>| match (vocab.as_ref(), shape) {
                (Some(vocab), Some(shape)) => generator.greedy_constrained(prompt, max_new, JsonMachine::new(shape), vocab),
                _ => generator.greedy(prompt, max_new),
            };
            let context = base_c.spec.context.saturating_sub(max_new);
            let mut out: Vec<Example> = Vec::with_capacity(pairs.len());
            for pair in &pairs {
                if let Some(gate) = give_up {
                    let sums = [
                        out.iter().map(|e| e.adapter.score).sum::<f64>(),
                        out.iter().map(|e| e.base.score).sum::<f64>(),
                        out.iter().map(|e| e.few_shot.as_ref().map_or(0.0, |f| f.scored.score)).sum::<f64>(),
                    ];
                    let candidates = if k > 0 { 3 } else { 2 };
                    if sums[..candidates].iter().all(|&sum| hopeless(sum, out.len(), pairs.len(), gate)) {
                        info!(cluster = adapter_cluster, evaluated = out.len(), of = pairs.len(), gate,
                              "No candidate can reach the gate any more: evaluation stopped early.");
                        break;
                    }
                }
                let shape = shape_of(pair);
                let prompt = tokens(&pair.prompt)?;
                let whole = tokens(&pair.full_prompt)?;
                let with = generate(&tuned, &prompt, shape.clone())?;
                let without = generate(&plain, &whole, shape.clone())?;
                let few_shot = match k {
                    0 => None,
                    k => {
                        let mut fits = |text: &str| tokens(text).is_ok_and(|t| t.len() <= context);
                        let (text, shots) = pool_c.prompt_for(&pair.full_prompt, k, &mut fits);
                        let ids = tokens(&text)?;
                        let generated = generate(&plain, &ids, shape)?;
                        let answer = decode(&generated)?;
                        Some(FewShotAnswer {
                            scored: score::score(&pair.answer, &answer),
                            answer,
                            answer_tokens: generated.len(),
                            prompt_tokens: ids.len(),
                            shots,
                        })
                    }
                };
                let (answer, base_answer) = (decode(&with)?, decode(&without)?);
                out.push(Example {
                    call_id: pair.call_id.clone(),
                    adapter: score::score(&pair.answer, &answer),
                    base: score::score(&pair.answer, &base_answer),
                    answer,
                    base_answer,
                    answer_tokens: with.len(),
                    base_answer_tokens: without.len(),
                    few_shot,
                    prompt_tokens: prompt.len(),
                    base_prompt_tokens: whole.len(),
                });
                progress.inc(1);
            }
            progress.finish_and_clear();
            Ok(out)
        })
        .await
        .map_err(|e| Error::model("the evaluation thread", e))??;
        let seconds = started.elapsed().as_secs_f64();

        let mut result = summarize(id, adapter, &examples, self.config.seed, seconds);
        let serving = Serving { hf_name: &base.hf_name, licence: &base.licence, parameters: base.parameters(),
                                resident_bytes: base.resident_bytes(), kv_bytes_per_token: base.kv_bytes_per_token(), adapter_bytes };
        result.candidates = candidates(&result, &examples, &serving, self.config.seed);
        result.few_shot_score = result.candidates.iter().find(|c| c.kind == CandidateKind::FewShot).map(|c| c.score);
        let examples_rel = format!("{}/cluster={}/evaluation={id}/examples.parquet", Table::EvaluationExamples.dir(), adapter.cluster_id);
        wh.write_parquet(&examples_rel, evaluation_examples_schema(), &[examples_batch(id, adapter.cluster_id, &examples)?]).await?;
        if k > 0 {
            let shots_key = root.key(&format!("{}/{SHOTS_FILE}", candidates_dir(adapter.cluster_id, id)))?;
            root.put(&shots_key, pool.to_jsonl()).await?;
        }
        write_candidates(wh, &result.candidates).await?;
        let row = evaluation_row(ctx, adapter, &base.hf_name, &result, seconds)?;
        let rel = format!("{}/cluster={}/evaluation={id}/evaluation.parquet", Table::Evaluations.dir(), adapter.cluster_id);
        wh.write_parquet(&rel, evaluations_schema(), &[row]).await?;
        info!(task = %ctx.task_id, cluster = adapter.cluster_id, metric = %result.metric, score = result.score,
              base_score = result.base_score, n = result.n, "Adapter evaluated.");
        Ok(result)
    }
}

/// A candidate with `sum` points after `done` of `total` calls cannot reach
/// a mean of `gate` even with full marks on every call left.
pub fn hopeless(sum: f64, done: usize, total: usize, gate: f64) -> bool {
    total > 0 && (sum + (total - done.min(total)) as f64) / (total as f64) < gate - 1e-9
}

/// The eval split of one dataset version, in call-id order, at most `max`;
/// the first `pool` training pairs by call id, whole (the few-shot
/// examples); and the kind of answer of at least 90% of the training pairs.
async fn eval_pairs(
    wh: &Warehouse,
    cluster: i64,
    version: &str,
    max: usize,
    pool: usize,
) -> Result<(Vec<EvalPair>, Vec<Shot>, Option<AnswerKind>)> {
    let dir = format!("{}/cluster={cluster}/version={version}", Table::Datasets.dir());
    let table = Table::Datasets.name();
    let root = wh.root();
    let prefix_key = root.key(&format!("{dir}/{}", crate::models::prefix::PREFIX_FILE))?;
    let prefix = match root.object_exists(&prefix_key).await? {
        true => Some(String::from_utf8_lossy(&root.get(&prefix_key).await?).to_string()),
        false => None,
    };
    let mut pairs = Vec::new();
    let mut train: Vec<(String, Shot)> = Vec::new();
    let mut kinds: BTreeMap<AnswerKind, usize> = BTreeMap::new();
    for batch in wh.read_parquet_dir(&dir).await? {
        let split = columns::strings(&batch, "split", table)?;
        let call = columns::strings(&batch, "call_id", table)?;
        let prompt = columns::strings(&batch, "prompt", table)?;
        let answer = columns::strings(&batch, "answer", table)?;
        let pruned = columns::optional_strings(&batch, "prefix_sha256", table)?;
        for row in 0..batch.num_rows() {
            let is_pruned = pruned.is_some_and(|p| !arrow::array::Array::is_null(p, row));
            let full_prompt = match (&prefix, is_pruned) {
                (Some(p), true) => format!("{p}{}", prompt.value(row)),
                _ => prompt.value(row).to_string(),
            };
            if split.value(row) != "eval" {
                *kinds.entry(score::kind_of(answer.value(row))).or_default() += 1;
                train.push((call.value(row).to_string(), Shot { prompt: full_prompt, answer: answer.value(row).to_string() }));
                continue;
            }
            pairs.push(EvalPair {
                call_id: call.value(row).to_string(),
                prompt: prompt.value(row).to_string(),
                full_prompt,
                answer: answer.value(row).to_string(),
            });
        }
    }
    pairs.sort_by(|a, b| a.call_id.cmp(&b.call_id));
    pairs.truncate(max);
    train.sort_by(|a, b| a.0.cmp(&b.0));
    let shots = train.into_iter().take(pool).map(|(_, s)| s).collect();
    let total: usize = kinds.values().sum();
    let kind = kinds.into_iter().find(|(_, n)| *n * 10 >= total * 9 && total > 0).map(|(k, _)| k);
    Ok((pairs, shots, kind))
}

fn summarize(id: &str, adapter: &AdapterRow, examples: &[Example], seed: u64, seconds: f64) -> Evaluation {
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for e in examples {
        *by_kind.entry(e.adapter.kind.name().to_string()).or_default() += 1;
    }
    let kinds: Vec<AnswerKind> = {
        let mut k: Vec<AnswerKind> = examples.iter().map(|e| e.adapter.kind).collect();
        k.sort();
        k.dedup();
        k
    };
    let metric = match kinds.as_slice() {
        [one] => one.metric().to_string(),
        _ => "mixed".to_string(),
    };
    let scores: Vec<f64> = examples.iter().map(|e| e.adapter.score).collect();
    let base_scores: Vec<f64> = examples.iter().map(|e| e.base.score).collect();
    let share = |f: &dyn Fn(&Example) -> bool| examples.iter().filter(|e| f(e)).count() as f64 / examples.len().max(1) as f64;
    let tuned = score::estimate(&scores, seed);
    let base = score::estimate(&base_scores, seed);
    let few_shot = |e: &Example| e.few_shot.as_ref().map_or(0, |f| f.answer_tokens);
    let tokens: usize = examples.iter().map(|e| e.answer_tokens + e.base_answer_tokens + few_shot(e)).sum();
    Evaluation {
        evaluation_id: id.to_string(),
        cluster_id: adapter.cluster_id,
        adapter_version: adapter.version.clone(),
        metric,
        score: tuned.mean,
        ci: (tuned.low, tuned.high),
        base_score: base.mean,
        base_ci: (base.low, base.high),
        teacher_agreement: share(&|e| e.adapter.agrees),
        base_teacher_agreement: share(&|e| e.base.agrees),
        n: examples.len(),
        tokens_generated: tokens,
        by_kind,
        tokens_per_second: tokens as f64 / seconds.max(1e-9),
        cached: false,
        few_shot_score: None,
        candidates: Vec::new(),
    }
}

/// What serving a candidate takes, from the base model and the adapter.
struct Serving<'a> {
    hf_name: &'a str,
    licence: &'a str,
    parameters: usize,
    resident_bytes: usize,
    kv_bytes_per_token: usize,
    adapter_bytes: usize,
}

/// Each candidate's score on the eval calls, with what serving it costs:
/// the tokens it reads and writes per call, and the memory it holds.
fn candidates(e: &Evaluation, examples: &[Example], serving: &Serving, seed: u64) -> Vec<Candidate> {
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    let candidate = |kind: CandidateKind, scores: Vec<f64>, prompt: Vec<usize>, answer: Vec<usize>, shots: i64, extra: usize| {
        let estimate = score::estimate(&scores, seed);
        let (prompt, answer) = (mean(&prompt), mean(&answer));
        let bytes = serving.resident_bytes as f64 + extra as f64 + serving.kv_bytes_per_token as f64 * (prompt + answer);
        Candidate {
            evaluation_id: e.evaluation_id.clone(),
            cluster_id: e.cluster_id,
            kind,
            base_model: serving.hf_name.to_string(),
            licence: serving.licence.to_string(),
            metric: e.metric.clone(),
            score: estimate.mean,
            ci_low: estimate.low,
            ci_high: estimate.high,
            n: scores.len() as i64,
            shots,
            prompt_tokens: prompt,
            answer_tokens: answer,
            memory_mib: bytes / (1024.0 * 1024.0),
            cost: serving.parameters as f64 * (prompt + answer),
        }
    };
    let mut out = vec![
        candidate(
            CandidateKind::ZeroShot,
            examples.iter().map(|x| x.base.score).collect(),
            examples.iter().map(|x| x.base_prompt_tokens).collect(),
            examples.iter().map(|x| x.base_answer_tokens).collect(),
            0,
            0,
        ),
        candidate(
            CandidateKind::Lora,
            examples.iter().map(|x| x.adapter.score).collect(),
            examples.iter().map(|x| x.prompt_tokens).collect(),
            examples.iter().map(|x| x.answer_tokens).collect(),
            0,
            serving.adapter_bytes,
        ),
    ];
    let few: Vec<&FewShotAnswer> = examples.iter().filter_map(|x| x.few_shot.as_ref()).collect();
    if !few.is_empty() && few.len() == examples.len() {
        let shots = few.iter().map(|f| f.shots).max().unwrap_or(0) as i64;
        out.push(candidate(
            CandidateKind::FewShot,
            few.iter().map(|f| f.scored.score).collect(),
            few.iter().map(|f| f.prompt_tokens).collect(),
            few.iter().map(|f| f.answer_tokens).collect(),
            shots,
            0,
        ));
    }
    out.sort_by_key(|c| c.kind);
    out
}

fn examples_batch(id: &str, cluster: i64, examples: &[Example]) -> Result<RecordBatch> {
    let n = examples.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![id; n])),
        Arc::new(Int64Array::from(vec![cluster; n])),
        Arc::new(StringArray::from_iter_values(examples.iter().map(|e| e.call_id.as_str()))),
        Arc::new(StringArray::from_iter_values(examples.iter().map(|e| e.adapter.kind.name()))),
        Arc::new(Float64Array::from_iter_values(examples.iter().map(|e| e.adapter.score))),
        Arc::new(BooleanArray::from(examples.iter().map(|e| e.adapter.agrees).collect::<Vec<_>>())),
        Arc::new(Float64Array::from_iter_values(examples.iter().map(|e| e.base.score))),
        Arc::new(BooleanArray::from(examples.iter().map(|e| e.base.agrees).collect::<Vec<_>>())),
        Arc::new(StringArray::from_iter_values(examples.iter().map(|e| e.answer.as_str()))),
        Arc::new(StringArray::from_iter_values(examples.iter().map(|e| e.base_answer.as_str()))),
        Arc::new(Int64Array::from_iter_values(examples.iter().map(|e| e.answer_tokens as i64))),
        Arc::new(Int64Array::from_iter_values(examples.iter().map(|e| e.base_answer_tokens as i64))),
        Arc::new(Float64Array::from(examples.iter().map(|e| e.few_shot.as_ref().map(|f| f.scored.score)).collect::<Vec<_>>())),
        Arc::new(BooleanArray::from(examples.iter().map(|e| e.few_shot.as_ref().map(|f| f.scored.agrees)).collect::<Vec<_>>())),
        Arc::new(StringArray::from(examples.iter().map(|e| e.few_shot.as_ref().map(|f| f.answer.as_str())).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(evaluation_examples_schema(), columns).map_err(|e| Error::arrow("building evaluation_examples", e))
}

fn evaluation_row(
    ctx: &TaskContext,
    adapter: &AdapterRow,
    base_model: &str,
    e: &Evaluation,
    seconds: f64,
) -> Result<RecordBatch> {
    let s = |v: &str| Arc::new(StringArray::from(vec![v.to_string()])) as ArrayRef;
    let i = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let f = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        s(&e.evaluation_id),
        i(e.cluster_id),
        s(&e.adapter_version),
        s(&adapter.dataset_version),
        s(base_model),
        s(&e.metric),
        f(e.score),
        f(e.ci.0),
        f(e.ci.1),
        f(e.base_score),
        f(e.base_ci.0),
        f(e.base_ci.1),
        f(e.teacher_agreement),
        f(e.base_teacher_agreement),
        i(e.n as i64),
        i(e.tokens_generated as i64),
        f(seconds),
        s(&adapter.path),
        s(&ctx.run_id),
        Arc::new(TimestampMicrosecondArray::from(vec![chrono::Utc::now().timestamp_micros()]).with_timezone("UTC")),
    ];
    RecordBatch::try_new(evaluations_schema(), columns).map_err(|e| Error::arrow("building the evaluations row", e))
}

async fn read_evaluation(wh: &Warehouse, rel: &str) -> Result<Evaluation> {
    let dir = rel.rsplit_once('/').map_or(rel, |(d, _)| d);
    let row = read_evaluations(wh, dir)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Contract { table: "evaluations".into(), message: format!("{rel} holds no row") })?;
    Ok(Evaluation {
        evaluation_id: row.evaluation_id,
        cluster_id: row.cluster_id,
        adapter_version: row.adapter_version,
        metric: row.metric,
        score: row.score,
        ci: (row.ci_low, row.ci_high),
        base_score: row.base_score,
        base_ci: (f64::NAN, f64::NAN),
        teacher_agreement: row.teacher_agreement,
        base_teacher_agreement: f64::NAN,
        n: row.n as usize,
        tokens_generated: 0,
        by_kind: BTreeMap::new(),
        tokens_per_second: f64::NAN,
        cached: true,
        few_shot_score: None,
        candidates: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::hopeless;

    #[test]
    fn a_candidate_is_given_up_only_when_full_marks_could_not_reach_the_gate() {
        // 60 calls, gate 0.9: six misses still leave 54/60 = 0.9 within reach.
        assert!(!hopeless(0.0, 6, 60, 0.9));
        assert!(hopeless(0.0, 7, 60, 0.9));
        // Partial credit counts: 6.5 points lost of 60 is over the 6 allowed.
        assert!(hopeless(3.5, 10, 60, 0.9));
        assert!(!hopeless(4.0, 10, 60, 0.9));
        // Never before the first call, never when all is right so far.
        assert!(!hopeless(0.0, 0, 60, 1.0));
        assert!(!hopeless(20.0, 20, 60, 1.0));
        // A lower gate (free text) allows more misses.
        assert!(!hopeless(0.0, 24, 60, 0.6) && hopeless(0.0, 25, 60, 0.6));
        assert!(!hopeless(0.0, 0, 0, 0.9));
    }
}

//! The `distill` task: turns each cluster's logged LLM answers into a
//! fine-tuning dataset for the small LM.
//!
//! 1. `sql/distill/pairs.sql` selects the pairs (answered well, in a cluster);
//! 2. exact duplicates (same prompt and answer) and near duplicates (task
//!    texts closer than `near_duplicate_distance` in embedding space) go;
//! 3. each pair is rendered in the base model's chat template (ChatML, tools
//!    in the system turn, tool calls as JSON in the answer), and pairs over
//!    `max_tokens` go;
//! 4. a hash of the call id splits train and eval (at least `eval_fraction`,
//!    at most `eval_max`);
//! 5. clusters with fewer than `min_pairs` pairs are skipped (they stay on
//!    the LLM) and reported;
//! 6. `datasets/cluster=<id>/version=<version>/{train,eval}.parquet`, the
//!    version being the date and a hash of the content: an unchanged dataset
//!    keeps its version.
//!
//! With `teacher:`, the prompts whose logged answer failed
//! (`sql/distill/failed.sql`) are answered again by an OpenAI-compatible
//! endpoint (`teacher.rs`) and join the pairs with `source = teacher`.

pub mod teacher;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::info;

use crate::warehouse::vectors::vectors_of;
use crate::error::{Error, Result};
use crate::models::chat::{render_answer, render_prompt, ChatMessage};
use crate::models::prefix::{self, PREFIX_FILE};
use crate::models::smollm;
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::columns;
use crate::warehouse::tables::{date_filter, datasets_schema};
use crate::warehouse::vectors::{self, VectorTable};
use crate::warehouse::Table;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistillConfig {
    #[serde(default = "default_sql")]
    pub sql: String,
    /// The base model whose tokenizer counts tokens (folder below `models/`).
    #[serde(default = "default_model")]
    pub model: String,
    /// The calls used: the run's date and the `days - 1` before it.
    #[serde(default = "default_days")]
    pub days: u32,
    /// A cluster with fewer pairs than this gets no dataset (stays on the LLM).
    #[serde(default = "default_min_pairs")]
    pub min_pairs: usize,
    /// Pairs longer than this (prompt + answer tokens) are left out.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: usize,
    /// Task texts closer than this cosine distance are near duplicates.
    #[serde(default = "default_near_duplicate_distance")]
    pub near_duplicate_distance: f32,
    #[serde(default = "default_eval_fraction")]
    pub eval_fraction: f64,
    #[serde(default = "default_eval_max")]
    pub eval_max: usize,
    /// An OpenAI-compatible endpoint that answers the failed prompts again.
    #[serde(default)]
    pub teacher: Option<teacher::TeacherConfig>,
    /// The prompts the teacher answers (same columns as `sql`).
    #[serde(default = "default_teacher_sql")]
    pub teacher_sql: String,
    /// Train without the prefix that most of a cluster's prompts share (a
    /// long system prompt, tool definitions): `models/prefix.rs`.
    #[serde(default = "default_prune_prefix")]
    pub prune_prefix: bool,
    /// The share of a cluster's prompts that must start with the prefix.
    #[serde(default = "default_prune_min_share")]
    pub prune_min_share: f64,
    /// A shorter shared prefix is left in the prompts.
    #[serde(default = "default_prune_min_chars")]
    pub prune_min_chars: usize,
}

fn default_prune_prefix() -> bool {
    true
}
fn default_prune_min_share() -> f64 {
    0.8
}
fn default_prune_min_chars() -> usize {
    200
}

fn default_teacher_sql() -> String {
    "sql/distill/failed.sql".into()
}

fn default_sql() -> String {
    "sql/distill/pairs.sql".into()
}
fn default_model() -> String {
    smollm::MODEL_NAME.into()
}
fn default_days() -> u32 {
    7
}
fn default_min_pairs() -> usize {
    20
}
fn default_max_tokens() -> usize {
    1024
}
fn default_near_duplicate_distance() -> f32 {
    0.01
}
fn default_eval_fraction() -> f64 {
    0.1
}
fn default_eval_max() -> usize {
    200
}

impl DistillConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        if !(0.1..0.9).contains(&self.eval_fraction) {
            return Err(format!("`eval_fraction` must be at least 0.1 and below 0.9 (got {})", self.eval_fraction));
        }
        if self.days == 0 || self.min_pairs < 2 || self.eval_max == 0 || self.max_tokens < 8 {
            return Err("`days` >= 1, `min_pairs` >= 2, `eval_max` >= 1 and `max_tokens` >= 8 are required".into());
        }
        if !(self.prune_min_share > 0.0 && self.prune_min_share <= 1.0) {
            return Err(format!("`prune_min_share` must be above 0 and at most 1 (got {})", self.prune_min_share));
        }
        if !(0.0..=1.0).contains(&self.near_duplicate_distance) {
            return Err("`near_duplicate_distance` is a cosine distance between 0 and 1".into());
        }
        Ok(())
    }
}

pub struct DistillTask {
    config: DistillConfig,
}

impl DistillTask {
    pub fn new(config: DistillConfig) -> std::result::Result<Self, String> {
        config.check()?;
        Ok(Self { config })
    }
}

/// One rendered training pair.
struct Pair {
    call_id: String,
    source: &'static str,
    prompt: String,
    answer: String,
    prompt_tokens: usize,
    answer_tokens: usize,
    /// The cluster's shared prefix was cut from the prompt.
    pruned: bool,
}

/// What happened to the pairs of one cluster.
#[derive(Default, serde::Serialize)]
struct ClusterReport {
    selected: usize,
    exact_duplicates: usize,
    near_duplicates: usize,
    too_long: usize,
    train: usize,
    eval: usize,
    teacher_answers: usize,
    /// The pruned prefix (characters and tokens) and the pairs it was cut from.
    prefix_chars: usize,
    prefix_tokens: usize,
    pruned_pairs: usize,
    /// Mean prompt tokens per pair, before and after pruning.
    prompt_tokens_before: f64,
    prompt_tokens_after: f64,
    version: Option<String>,
    skipped: Option<String>,
}

#[async_trait]
impl Task for DistillTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let cfg = &self.config;
        let last = ctx.logical_date;
        let first = last - chrono::Duration::days(i64::from(cfg.days) - 1);
        let tokenizer = smollm::load_tokenizer(&crate::models::model_dir(&cfg.model))?;

        // 1. The pairs, by SQL over calls and cluster assignments.
        let sql = crate::warehouse::session::warehouse_session(&ctx.warehouse, None).await?;
        if !sql.table_exist("cluster_assignments").unwrap_or(false) {
            return Err(Error::task_config(&ctx.task_id, "no cluster_assignments table: run a cluster task first"));
        }
        let view = format!("CREATE VIEW calls_in_window AS SELECT * FROM calls WHERE {}", date_filter(first, last));
        crate::warehouse::session::query(&sql, &view).await?;
        let batches = run_sql_file(ctx, &sql, &cfg.sql).await?;

        // The task texts' vectors, for near duplicates.
        let db = vectors::connect(&ctx.warehouse).await?;
        let mut vectors_by_call: HashMap<String, Vec<f32>> = HashMap::new();
        if let Some(table) = vectors::open(&db, VectorTable::CallEmbeddings).await? {
            for batch in vectors::scan(&table, &["call_id", "vector"], Some(&date_filter(first, last))).await? {
                let ids = columns::strings(&batch, "call_id", "call_embeddings")?;
                for (i, v) in vectors_of(&batch, "vector")?.into_iter().enumerate() {
                    vectors_by_call.insert(ids.value(i).to_string(), v);
                }
            }
        }

        // 2-3. Render, de-duplicate, count tokens, cluster by cluster.
        let mut by_cluster: BTreeMap<i64, Vec<Pair>> = BTreeMap::new();
        let mut reports: BTreeMap<i64, ClusterReport> = BTreeMap::new();
        let mut seen_exact: HashSet<String> = HashSet::new();
        let mut rows: Vec<(i64, String, String, String, &'static str)> = Vec::new();
        for batch in &batches {
            for call in logged_calls(batch, &cfg.sql)? {
                let prompt = render_prompt(&call.chat, call.tools.as_deref());
                let Some(answer) = render_answer(call.content.as_deref(), call.tool_calls.as_deref()) else { continue };
                rows.push((call.cluster, call.call_id, prompt, answer, "logged"));
            }
        }
        let mut teacher_stats = json!(null);
        if let Some(config) = &cfg.teacher {
            let failed = run_sql_file(ctx, &sql, &cfg.teacher_sql).await?;
            let mut calls = Vec::new();
            for batch in &failed {
                calls.extend(logged_calls(batch, &cfg.teacher_sql)?);
            }
            calls.sort_by(|a, b| (a.cluster, &a.call_id).cmp(&(b.cluster, &b.call_id)));
            let mut teacher = teacher::Teacher::new(config.clone(), &ctx.task_id)?;
            let (mut asked, mut answered, mut failures) = (0usize, 0usize, 0usize);
            for call in calls.into_iter().take(teacher.max_requests()) {
                asked += 1;
                let tools = call.tools.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok());
                match teacher.answer(&openai_messages(&call.chat), tools.as_ref()).await {
                    Ok(reply) => {
                        let prompt = render_prompt(&call.chat, call.tools.as_deref());
                        if let Some(answer) = render_answer(reply.content.as_deref(), reply.tool_calls.as_deref()) {
                            rows.push((call.cluster, call.call_id, prompt, answer, "teacher"));
                            answered += 1;
                        }
                    }
                    // One prompt the teacher cannot answer does not stop the run: counted.
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(task = %ctx.task_id, error = %e, "The teacher did not answer a prompt.");
                    }
                }
            }
            teacher_stats = json!({"asked": asked, "answered": answered, "failed": failures});
        }
        // A stable order whatever the storage layout.
        rows.sort_by(|a, b| (a.0, &a.1, a.4).cmp(&(b.0, &b.1, b.4)));
        let mut unique: BTreeMap<i64, Vec<(String, String, String, &'static str)>> = BTreeMap::new();
        for (cluster, call_id, prompt, answer, source) in rows {
            let report = reports.entry(cluster).or_default();
            report.selected += 1;
            report.teacher_answers += usize::from(source == "teacher");
            if !seen_exact.insert(crate::hashing::sha256_hex(&format!("{prompt}\u{0}{answer}"))) {
                report.exact_duplicates += 1;
                continue;
            }
            unique.entry(cluster).or_default().push((call_id, prompt, answer, source));
        }
        let count = |t: &str| tokenizer.encode(t, false).map(|e| e.get_ids().len()).map_err(|e| Error::model("counting tokens", e));
        let mut prefixes: BTreeMap<i64, String> = BTreeMap::new();
        for (cluster, rows) in unique {
            let report = reports.entry(cluster).or_default();
            let prefix = match cfg.prune_prefix {
                true => {
                    let prompts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
                    prefix::shared_prefix(&prompts, cfg.prune_min_share, cfg.prune_min_chars)
                }
                false => None,
            };
            let prefix_tokens = prefix.as_deref().map(count).transpose()?.unwrap_or(0);
            let (mut before, mut after, mut counted) = (0usize, 0usize, 0usize);
            for (call_id, prompt, answer, source) in rows {
                let kept = prefix::strip(&prompt, prefix.as_deref());
                let pruned = kept.len() < prompt.len();
                let prompt = if pruned { kept.to_string() } else { prompt };
                let prompt_tokens = count(&prompt)?;
                let answer_tokens = count(&answer)?;
                before += prompt_tokens + if pruned { prefix_tokens } else { 0 };
                after += prompt_tokens;
                counted += 1;
                // The limit applies to what the SLM reads: pruning lets long prompts in.
                if prompt_tokens + answer_tokens > cfg.max_tokens {
                    report.too_long += 1;
                    continue;
                }
                report.pruned_pairs += usize::from(pruned);
                by_cluster.entry(cluster).or_default().push(Pair { call_id, source, prompt, answer, prompt_tokens, answer_tokens, pruned });
            }
            report.prompt_tokens_before = before as f64 / counted.max(1) as f64;
            report.prompt_tokens_after = after as f64 / counted.max(1) as f64;
            if let Some(p) = prefix {
                report.prefix_chars = p.chars().count();
                report.prefix_tokens = prefix_tokens;
                prefixes.insert(cluster, p);
            }
        }
        for (cluster, pairs) in by_cluster.iter_mut() {
            let report = reports.entry(*cluster).or_default();
            report.near_duplicates = drop_near_duplicates(pairs, &vectors_by_call, cfg.near_duplicate_distance);
        }

        // 4-6. Split, skip the small clusters, write each dataset version. The
        // PII detector version of the calls is part of the version: after the
        // detectors change, every dataset is rebuilt (and its adapter retrained).
        let pii_version = crate::warehouse::pii_versions::calls_version(&ctx.warehouse).await?;
        let date = ctx.logical_date.format("%Y%m%d").to_string();
        let (mut written, mut skipped) = (0usize, 0usize);
        for (cluster, pairs) in &by_cluster {
            let report = reports.entry(*cluster).or_default();
            if pairs.len() < cfg.min_pairs {
                report.skipped = Some(format!("{} pairs, fewer than min_pairs = {}", pairs.len(), cfg.min_pairs));
                skipped += 1;
                continue;
            }
            let eval = eval_split(pairs, cfg.eval_fraction, cfg.eval_max);
            let prefix = prefixes.get(cluster).filter(|_| pairs.iter().any(|p| p.pruned));
            let prefix_sha = prefix.map(crate::hashing::sha256_hex);
            let mut hasher_input = format!("pii={}\u{0}prefix={}\u{0}", pii_version.as_deref().unwrap_or("unknown"), prefix_sha.as_deref().unwrap_or(""));
            for p in pairs {
                hasher_input.push_str(&format!("{}\u{0}{}\u{0}{}\u{0}", p.call_id, p.prompt, p.answer));
            }
            let version = format!("{date}-{}", &crate::hashing::sha256_hex(&hasher_input)[..12]);
            let dir = format!("{}/cluster={cluster}/version={version}", Table::Datasets.dir());
            // The prefix first: a dataset whose parquet files exist has it.
            if let Some(p) = prefix {
                let key = ctx.warehouse.root().key(&format!("{dir}/{PREFIX_FILE}"))?;
                ctx.warehouse.root().put(&key, p.clone().into_bytes()).await?;
            }
            for split in ["train", "eval"] {
                let chosen: Vec<&Pair> =
                    pairs.iter().filter(|p| eval.contains(p.call_id.as_str()) == (split == "eval")).collect();
                let batch = dataset_batch(*cluster, &version, split, &chosen, pii_version.as_deref(), prefix_sha.as_deref())?;
                ctx.warehouse.write_parquet(&format!("{dir}/{split}.parquet"), datasets_schema(), &[batch]).await?;
            }
            report.eval = eval.len();
            report.train = pairs.len() - eval.len();
            report.version = Some(version);
            written += 1;
        }
        for c in reports.keys().copied().collect::<Vec<_>>() {
            if !by_cluster.contains_key(&c) {
                let r = reports.get_mut(&c).expect("present");
                r.skipped = Some("no pair left after de-duplication and the token limit".into());
                skipped += 1;
            }
        }
        let pairs: usize = reports.values().map(|r| r.train + r.eval).sum();
        let mut summary = vec![format!(
            "{written} datasets ({pairs} pairs) written; {skipped} clusters skipped (they stay on the LLM)"
        )];
        for (cluster, r) in reports.iter().filter(|(_, r)| r.pruned_pairs > 0 && r.version.is_some()) {
            summary.push(format!(
                "cluster {cluster}: a shared prefix of {} tokens pruned from {} pairs; prompt tokens per pair {:.0} -> {:.0}",
                r.prefix_tokens, r.pruned_pairs, r.prompt_tokens_before, r.prompt_tokens_after
            ));
        }
        info!(task = %ctx.task_id, written, skipped, pairs, "Distilled.");
        Ok(TaskOutput {
            rows_in: reports.values().map(|r| r.selected as u64).sum(),
            rows_out: pairs as u64,
            details: json!({
                "datasets": written,
                "skipped_clusters": skipped,
                "pairs": pairs,
                "teacher": teacher_stats,
                "clusters": reports.iter().map(|(c, r)| (c.to_string(), json!(r))).collect::<serde_json::Map<_, _>>(),
                "summary": summary,
            }),
        })
    }
}

/// Runs one of the task's SQL files in `sql` (which has `calls_in_window`).
async fn run_sql_file(ctx: &TaskContext, sql: &datafusion::execution::context::SessionContext, path: &str) -> Result<Vec<RecordBatch>> {
    let file = ctx.resolve_file(path)?;
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
    let (_, batches) = crate::warehouse::session::query(sql, &text).await.map_err(|e| match e {
        Error::DataFusion { source, .. } => Error::datafusion(format!("in {}", file.display()), *source),
        other => other,
    })?;
    Ok(batches)
}

/// A call as the distill SQL files return it.
struct LoggedCall {
    cluster: i64,
    call_id: String,
    chat: Vec<ChatMessage>,
    tools: Option<String>,
    content: Option<String>,
    tool_calls: Option<String>,
}

fn logged_calls(batch: &RecordBatch, source: &str) -> Result<Vec<LoggedCall>> {
    let ids = columns::strings(batch, "call_id", source)?;
    let clusters = batch
        .column_by_name("cluster_id")
        .and_then(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Int64).ok())
        .ok_or_else(|| Error::Contract { table: source.into(), message: "no integer column `cluster_id`".into() })?;
    let clusters = clusters.as_any().downcast_ref::<Int64Array>().expect("cast to Int64").clone();
    let messages = batch
        .column_by_name("messages")
        .and_then(|c| c.as_any().downcast_ref::<ListArray>())
        .ok_or_else(|| Error::Contract { table: source.into(), message: "no list column `messages`".into() })?;
    let tools = columns::strings(batch, "tools", source)?;
    let content = columns::strings(batch, "response_content", source)?;
    let tool_calls = columns::strings(batch, "response_tool_calls", source)?;
    Ok((0..batch.num_rows())
        .map(|i| {
            let opt = |a: &StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            LoggedCall {
                cluster: clusters.value(i),
                call_id: ids.value(i).to_string(),
                chat: chat_messages(messages, i),
                tools: opt(tools),
                content: opt(content),
                tool_calls: opt(tool_calls),
            }
        })
        .collect())
}

/// The chat in the OpenAI shape, for the teacher.
fn openai_messages(chat: &[ChatMessage]) -> Vec<Value> {
    chat.iter()
        .map(|m| {
            let mut v = json!({"role": m.role, "content": m.content});
            if let Some(calls) = m.tool_calls.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()) {
                v["tool_calls"] = calls;
            }
            if let Some(id) = &m.tool_call_id {
                v["tool_call_id"] = json!(id);
            }
            v
        })
        .collect()
}

fn chat_messages(messages: &ListArray, row: usize) -> Vec<ChatMessage> {
    if messages.is_null(row) {
        return Vec::new();
    }
    let list = messages.value(row);
    let Some(s) = list.as_any().downcast_ref::<StructArray>() else { return Vec::new() };
    let col = |n: &str| s.column_by_name(n).and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned());
    let (Some(roles), Some(contents), tool_calls, call_ids) = (col("role"), col("content"), col("tool_calls"), col("tool_call_id"))
    else {
        return Vec::new();
    };
    (0..s.len())
        .filter(|&i| !roles.is_null(i))
        .map(|i| ChatMessage {
            role: roles.value(i).to_string(),
            content: if contents.is_null(i) { String::new() } else { contents.value(i).to_string() },
            tool_calls: tool_calls.as_ref().filter(|t| !t.is_null(i)).map(|t| t.value(i).to_string()),
            tool_call_id: call_ids.as_ref().filter(|t| !t.is_null(i)).map(|t| t.value(i).to_string()),
        })
        .collect()
}

/// Drops pairs whose task text is within `distance` of a kept one (in call
/// id order, so the result does not depend on storage order); returns how
/// many went.
fn drop_near_duplicates(pairs: &mut Vec<Pair>, vectors: &HashMap<String, Vec<f32>>, distance: f32) -> usize {
    let before = pairs.len();
    let mut kept: Vec<&Vec<f32>> = Vec::new();
    let mut keep = Vec::with_capacity(pairs.len());
    for p in pairs.iter() {
        let Some(v) = vectors.get(&p.call_id) else {
            keep.push(true);
            continue;
        };
        let near = kept.iter().any(|k| crate::vecmath::cosine_distance(k, v) < distance);
        if !near {
            kept.push(v);
        }
        keep.push(!near);
    }
    let mut flags = keep.into_iter();
    pairs.retain(|_| flags.next().unwrap_or(true));
    before - pairs.len()
}

/// The eval call ids: those whose hash falls under `fraction`, topped up to
/// at least `fraction` of the pairs and capped at `max`, in hash order, so the
/// split of a call never depends on the other calls more than it must.
fn eval_split<'a>(pairs: &'a [Pair], fraction: f64, max: usize) -> HashSet<&'a str> {
    let mut by_hash: Vec<(u64, &str)> = pairs
        .iter()
        .map(|p| {
            let h = crate::hashing::sha256_hex(&p.call_id);
            (u64::from_str_radix(&h[..16], 16).unwrap_or(0), p.call_id.as_str())
        })
        .collect();
    by_hash.sort_unstable();
    let under = by_hash.iter().filter(|(h, _)| (*h as f64) / (u64::MAX as f64) < fraction).count();
    let wanted = under.max((pairs.len() as f64 * fraction).ceil() as usize).min(max).min(pairs.len().saturating_sub(1));
    by_hash.into_iter().take(wanted).map(|(_, id)| id).collect()
}

fn dataset_batch(
    cluster: i64,
    version: &str,
    split: &str,
    pairs: &[&Pair],
    pii_version: Option<&str>,
    prefix_sha: Option<&str>,
) -> Result<RecordBatch> {
    let n = pairs.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![cluster; n])),
        Arc::new(StringArray::from(vec![version; n])),
        Arc::new(StringArray::from(vec![split; n])),
        Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.call_id.as_str()))),
        Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.source))),
        Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.prompt.as_str()))),
        Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.answer.as_str()))),
        Arc::new(Int64Array::from_iter_values(pairs.iter().map(|p| p.prompt_tokens as i64))),
        Arc::new(Int64Array::from_iter_values(pairs.iter().map(|p| p.answer_tokens as i64))),
        Arc::new(StringArray::from(vec![pii_version; n])),
        Arc::new(StringArray::from_iter(pairs.iter().map(|p| if p.pruned { prefix_sha } else { None }))),
    ];
    RecordBatch::try_new(datasets_schema(), columns).map_err(|e| Error::arrow("building a dataset batch", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_deterministic_and_keeps_at_least_the_fraction() {
        let pairs: Vec<Pair> = (0..95)
            .map(|i| Pair { call_id: format!("c{i}"), source: "logged", prompt: String::new(), answer: String::new(), prompt_tokens: 1, answer_tokens: 1, pruned: false })
            .collect();
        let a = eval_split(&pairs, 0.1, 200);
        assert!(a.len() >= 10, "{}", a.len());
        assert_eq!(a, eval_split(&pairs, 0.1, 200));
        assert_eq!(eval_split(&pairs, 0.5, 7).len(), 7, "capped");
        // A call's split does not change when other calls come.
        let more: Vec<Pair> = (0..300)
            .map(|i| Pair { call_id: format!("c{i}"), source: "logged", prompt: String::new(), answer: String::new(), prompt_tokens: 1, answer_tokens: 1, pruned: false })
            .collect();
        let b = eval_split(&more, 0.1, 200);
        let under: Vec<&&str> = a.iter().filter(|id| b.contains(**id)).collect();
        assert!(under.len() * 2 >= a.len(), "most eval calls stay eval");
    }
}

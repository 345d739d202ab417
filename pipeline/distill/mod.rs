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

use crate::embed::{date_filter, string_column, vectors_of};
use crate::error::{Error, Result};
use crate::models::smollm;
use crate::tasks::{Task, TaskContext, TaskOutput};
use crate::warehouse::tables::datasets_schema;
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
        let sql = crate::sql::warehouse_session(&ctx.warehouse, None).await?;
        if !sql.table_exist("cluster_assignments").unwrap_or(false) {
            return Err(Error::task_config(&ctx.task_id, "no cluster_assignments table: run a cluster task first"));
        }
        let view = format!("CREATE VIEW calls_in_window AS SELECT * FROM calls WHERE {}", date_filter(first, last));
        crate::sql::query(&sql, &view).await?;
        let batches = run_sql_file(ctx, &sql, &cfg.sql).await?;

        // The task texts' vectors, for near duplicates.
        let db = vectors::connect(&ctx.warehouse).await?;
        let mut vectors_by_call: HashMap<String, Vec<f32>> = HashMap::new();
        if let Some(table) = vectors::open(&db, VectorTable::CallEmbeddings).await? {
            for batch in vectors::scan(&table, &["call_id", "vector"], Some(&date_filter(first, last))).await? {
                let ids = string_column(&batch, "call_id", "call_embeddings")?;
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
        for (cluster, call_id, prompt, answer, source) in rows {
            let report = reports.entry(cluster).or_default();
            report.selected += 1;
            report.teacher_answers += usize::from(source == "teacher");
            if !seen_exact.insert(crate::ingest::batch::sha256_hex(&format!("{prompt}\u{0}{answer}"))) {
                report.exact_duplicates += 1;
                continue;
            }
            let count = |t: &str| tokenizer.encode(t, false).map(|e| e.get_ids().len());
            let prompt_tokens = count(&prompt).map_err(|e| Error::model("counting tokens", e))?;
            let answer_tokens = count(&answer).map_err(|e| Error::model("counting tokens", e))?;
            if prompt_tokens + answer_tokens > cfg.max_tokens {
                report.too_long += 1;
                continue;
            }
            by_cluster.entry(cluster).or_default().push(Pair { call_id, source, prompt, answer, prompt_tokens, answer_tokens });
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
            let mut hasher_input = format!("pii={}\u{0}", pii_version.as_deref().unwrap_or("unknown"));
            for p in pairs {
                hasher_input.push_str(&format!("{}\u{0}{}\u{0}{}\u{0}", p.call_id, p.prompt, p.answer));
            }
            let version = format!("{date}-{}", &crate::ingest::batch::sha256_hex(&hasher_input)[..12]);
            let dir = format!("{}/cluster={cluster}/version={version}", Table::Datasets.dir());
            for split in ["train", "eval"] {
                let chosen: Vec<&Pair> =
                    pairs.iter().filter(|p| eval.contains(p.call_id.as_str()) == (split == "eval")).collect();
                let batch = dataset_batch(*cluster, &version, split, &chosen, pii_version.as_deref())?;
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
        let summary = vec![format!(
            "{written} datasets ({pairs} pairs) written; {skipped} clusters skipped (they stay on the LLM)"
        )];
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
    let (_, batches) = crate::sql::query(sql, &text).await.map_err(|e| match e {
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
    let ids = string_column(batch, "call_id", source)?;
    let clusters = batch
        .column_by_name("cluster_id")
        .and_then(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Int64).ok())
        .ok_or_else(|| Error::Contract { table: source.into(), message: "no integer column `cluster_id`".into() })?;
    let clusters = clusters.as_any().downcast_ref::<Int64Array>().expect("cast to Int64").clone();
    let messages = batch
        .column_by_name("messages")
        .and_then(|c| c.as_any().downcast_ref::<ListArray>())
        .ok_or_else(|| Error::Contract { table: source.into(), message: "no list column `messages`".into() })?;
    let tools = string_column(batch, "tools", source)?;
    let content = string_column(batch, "response_content", source)?;
    let tool_calls = string_column(batch, "response_tool_calls", source)?;
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

/// One message of a logged chat: role, text, and tool calls (JSON) if any.
struct ChatMessage {
    role: String,
    content: String,
    tool_calls: Option<String>,
    tool_call_id: Option<String>,
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

/// Tool calls in the OpenAI shape → `{"tool_calls": [{"name", "arguments"}]}`
/// with the arguments as parsed JSON: what the small model learns to emit.
pub fn tool_calls_json(openai: &str) -> Option<String> {
    let Value::Array(calls) = serde_json::from_str::<Value>(openai).ok()? else { return None };
    let calls: Vec<Value> = calls
        .iter()
        .filter_map(|c| {
            let f = c.get("function").unwrap_or(c);
            let name = f.get("name")?.as_str()?;
            let arguments = match f.get("arguments") {
                Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
                Some(v) => v.clone(),
                None => json!({}),
            };
            Some(json!({"name": name, "arguments": arguments}))
        })
        .collect();
    (!calls.is_empty()).then(|| json!({"tool_calls": calls}).to_string())
}

/// The chat up to the assistant's turn in ChatML. The tool definitions go
/// into the system turn; earlier assistant tool calls are rendered as JSON.
pub fn render_prompt_from(chat: &[(String, String, Option<String>)], tools: Option<&str>) -> String {
    let messages: Vec<ChatMessage> =
        chat.iter()
            .map(|(r, c, t)| ChatMessage { role: r.clone(), content: c.clone(), tool_calls: t.clone(), tool_call_id: None })
            .collect();
    render_prompt(&messages, tools)
}

fn render_prompt(chat: &[ChatMessage], tools: Option<&str>) -> String {
    let tools = tools.and_then(|t| serde_json::from_str::<Value>(t).ok()).filter(|t| t.as_array().is_some_and(|a| !a.is_empty()));
    let tool_text = tools.map(|t| {
        format!(
            "You can call these tools. To call them, answer with JSON: {{\"tool_calls\": [{{\"name\": ..., \"arguments\": {{...}}}}]}}.\nTools: {t}"
        )
    });
    let mut turns: Vec<(String, String)> = Vec::new();
    let mut system_done = false;
    for (i, m) in chat.iter().enumerate() {
        let mut content = m.content.clone();
        if let Some(calls) = m.tool_calls.as_deref().and_then(tool_calls_json) {
            content = if content.trim().is_empty() { calls } else { format!("{content}\n{calls}") };
        }
        if i == 0 && matches!(m.role.as_str(), "system" | "developer") {
            if let Some(t) = &tool_text {
                content = format!("{content}\n\n{t}");
            }
            turns.push(("system".into(), content));
            system_done = true;
            continue;
        }
        turns.push((m.role.clone(), content));
    }
    if !system_done {
        if let Some(t) = tool_text {
            turns.insert(0, ("system".into(), t));
        }
    }
    let refs: Vec<(&str, &str)> = turns.iter().map(|(r, c)| (r.as_str(), c.as_str())).collect();
    smollm::chatml(&refs, true)
}

/// The answer to learn: the text, or the tool calls as JSON (both if both),
/// closed by the end-of-turn token. None when there is nothing to learn.
pub fn render_answer(content: Option<&str>, tool_calls: Option<&str>) -> Option<String> {
    let text = content.map(str::trim).filter(|t| !t.is_empty());
    let calls = tool_calls.and_then(tool_calls_json);
    let body = match (text, calls) {
        (Some(t), Some(c)) => format!("{t}\n{c}"),
        (Some(t), None) => t.to_string(),
        (None, Some(c)) => c,
        (None, None) => return None,
    };
    Some(format!("{body}<|im_end|>\n"))
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
        let near = kept.iter().any(|k| crate::cluster::kmeans::cosine_distance(k, v) < distance);
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
            let h = crate::ingest::batch::sha256_hex(&p.call_id);
            (u64::from_str_radix(&h[..16], 16).unwrap_or(0), p.call_id.as_str())
        })
        .collect();
    by_hash.sort_unstable();
    let under = by_hash.iter().filter(|(h, _)| (*h as f64) / (u64::MAX as f64) < fraction).count();
    let wanted = under.max((pairs.len() as f64 * fraction).ceil() as usize).min(max).min(pairs.len().saturating_sub(1));
    by_hash.into_iter().take(wanted).map(|(_, id)| id).collect()
}

fn dataset_batch(cluster: i64, version: &str, split: &str, pairs: &[&Pair], pii_version: Option<&str>) -> Result<RecordBatch> {
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
    ];
    RecordBatch::try_new(datasets_schema(), columns).map_err(|e| Error::arrow("building a dataset batch", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_become_json_with_parsed_arguments() {
        let openai = r#"[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"id\": 7}"}}]"#;
        assert_eq!(tool_calls_json(openai).unwrap(), r#"{"tool_calls":[{"name":"lookup","arguments":{"id":7}}]}"#);
        assert!(tool_calls_json("[]").is_none() && tool_calls_json("nope").is_none());
        assert_eq!(render_answer(Some("  "), None), None);
        assert_eq!(render_answer(Some("Paris"), None).unwrap(), "Paris<|im_end|>\n");
        assert!(render_answer(None, Some(openai)).unwrap().starts_with(r#"{"tool_calls":[{"name":"lookup""#));
    }

    #[test]
    fn tools_go_into_the_system_turn() {
        let tools = r#"[{"type":"function","function":{"name":"send_email","parameters":{}}}]"#;
        let chat = vec![("system".to_string(), "You route tickets.".to_string(), None), ("user".to_string(), "Help".to_string(), None)];
        let prompt = render_prompt_from(&chat, Some(tools));
        assert!(prompt.starts_with("<|im_start|>system\nYou route tickets.\n\nYou can call these tools."), "{prompt}");
        assert!(prompt.contains("send_email") && prompt.ends_with("<|im_start|>user\nHelp<|im_end|>\n<|im_start|>assistant\n"));
        // No system message: the tools make one.
        let prompt = render_prompt_from(&chat[1..], Some(tools));
        assert!(prompt.starts_with("<|im_start|>system\nYou can call these tools."), "{prompt}");
        // No tools, no system message: the template's default system prompt.
        assert!(render_prompt_from(&chat[1..], None).contains("SmolLM"));
    }

    #[test]
    fn the_split_is_deterministic_and_keeps_at_least_the_fraction() {
        let pairs: Vec<Pair> = (0..95)
            .map(|i| Pair { call_id: format!("c{i}"), source: "logged", prompt: String::new(), answer: String::new(), prompt_tokens: 1, answer_tokens: 1 })
            .collect();
        let a = eval_split(&pairs, 0.1, 200);
        assert!(a.len() >= 10, "{}", a.len());
        assert_eq!(a, eval_split(&pairs, 0.1, 200));
        assert_eq!(eval_split(&pairs, 0.5, 7).len(), 7, "capped");
        // A call's split does not change when other calls come.
        let more: Vec<Pair> = (0..300)
            .map(|i| Pair { call_id: format!("c{i}"), source: "logged", prompt: String::new(), answer: String::new(), prompt_tokens: 1, answer_tokens: 1 })
            .collect();
        let b = eval_split(&more, 0.1, 200);
        let under: Vec<&&str> = a.iter().filter(|id| b.contains(**id)).collect();
        assert!(under.len() * 2 >= a.len(), "most eval calls stay eval");
    }
}

//! The table contracts (documented for users in `warehouse/README.md`). Every
//! Parquet table lives in `<root>/<table>/`, date-partitioned tables in
//! `<root>/<table>/date=YYYY-MM-DD/`; the `date` value is also a column inside
//! the files, so the table reads the same with or without partition discovery.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use chrono::NaiveDate;

/// Folders inside a task's staging area: ingest writes them, anonymize
/// reads them.
pub const STAGED_CALLS: &str = "calls";
pub const STAGED_QUARANTINE: &str = "quarantine";
pub const STAGED_OBJECTS: &str = "objects";

/// The dates `first..=last` as a Lance/SQL filter on the `date` column that
/// every date-partitioned table carries.
pub fn date_filter(first: NaiveDate, last: NaiveDate) -> String {
    format!("date >= DATE '{first}' AND date <= DATE '{last}'")
}

/// The warehouse's Parquet tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Anonymized LLM calls, one row per call.
    Calls,
    /// Lines and objects that could not be ingested, with the reason (never the raw text).
    Quarantine,
    /// Log objects already ingested, for incremental ingest.
    IngestedObjects,
    /// How many PII entities of each type anonymize replaced.
    PiiFindings,
    /// One row per pipeline run.
    Runs,
    /// One row per task attempt.
    TaskRuns,
    /// Fine-tuning pairs per cluster and dataset version (train and eval).
    Datasets,
    /// One row per trained LoRA adapter, beside its PEFT files.
    Adapters,
    /// One row per evaluated adapter: score against the LLM, base score, n, interval.
    Evaluations,
    /// One row per eval call of an evaluation: both answers and their scores.
    EvaluationExamples,
    /// One row per way of serving a cluster that an evaluation tried (zero-shot, few-shot, LoRA).
    Candidates,
}

impl Table {
    pub const ALL: [Table; 11] = [
        Table::Calls,
        Table::Quarantine,
        Table::IngestedObjects,
        Table::PiiFindings,
        Table::Runs,
        Table::TaskRuns,
        Table::Datasets,
        Table::Adapters,
        Table::Evaluations,
        Table::EvaluationExamples,
        Table::Candidates,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Calls => "calls",
            Table::Quarantine => "quarantine",
            Table::IngestedObjects => "ingested_objects",
            Table::PiiFindings => "pii_findings",
            Table::Runs => "runs",
            Table::TaskRuns => "task_runs",
            Table::Datasets => "datasets",
            Table::Adapters => "adapters",
            Table::Evaluations => "evaluations",
            Table::EvaluationExamples => "evaluation_examples",
            Table::Candidates => "candidates",
        }
    }

    /// Folder of the table below the warehouse root.
    pub fn dir(self) -> &'static str {
        match self {
            Table::Runs => "_history/runs",
            Table::TaskRuns => "_history/task_runs",
            other => other.name(),
        }
    }

    pub fn schema(self) -> SchemaRef {
        match self {
            Table::Calls => calls_schema(),
            Table::Quarantine => quarantine_schema(),
            Table::IngestedObjects => ingested_objects_schema(),
            Table::PiiFindings => pii_findings_schema(),
            Table::Runs => runs_schema(),
            Table::TaskRuns => task_runs_schema(),
            Table::Datasets => datasets_schema(),
            Table::Adapters => adapters_schema(),
            Table::Evaluations => evaluations_schema(),
            Table::EvaluationExamples => evaluation_examples_schema(),
            Table::Candidates => super::candidates::candidates_schema(),
        }
    }
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// One chat message of a call's prompt.
pub fn message_fields() -> Fields {
    Fields::from(vec![
        utf8("role", false),
        utf8("content", true),
        utf8("name", true),
        utf8("tool_call_id", true),
        // JSON array text, OpenAI shape.
        utf8("tool_calls", true),
    ])
}

pub fn messages_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Struct(message_fields()), true)))
}

/// `calls`, and the raw staging batches between ingest and anonymize.
pub fn calls_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("call_id", false),
        Field::new("date", DataType::Date32, false),
        Field::new("ts", timestamp_type(), true),
        utf8("trace_id", true),
        utf8("span_id", true),
        utf8("agent", true),
        utf8("model", true),
        Field::new("messages", messages_type(), false),
        utf8("tools", true),
        utf8("response_content", true),
        utf8("response_tool_calls", true),
        Field::new("prompt_tokens", DataType::Int64, true),
        Field::new("completion_tokens", DataType::Int64, true),
        Field::new("latency_ms", DataType::Float64, true),
        utf8("status", false),
        utf8("error", true),
        utf8("metadata", true),
        utf8("source_format", false),
        utf8("source_object", false),
        Field::new("source_line", DataType::Int64, false),
    ]))
}

pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        utf8("run_id", false),
        utf8("task_id", false),
        utf8("source_object", false),
        // Null when the whole object is concerned (cannot be listed, ...).
        Field::new("line", DataType::Int64, true),
        utf8("reason", false),
        utf8("detail", false),
        Field::new("bytes", DataType::Int64, true),
    ]))
}

pub fn ingested_objects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        utf8("run_id", false),
        utf8("task_id", false),
        // The object's URL, pseudonymized like any text.
        utf8("source_object", false),
        // SHA-256 of the raw URL: how incremental ingest recognizes the object.
        utf8("object_key_sha256", false),
        Field::new("size", DataType::Int64, false),
        utf8("etag", true),
        Field::new("last_modified", timestamp_type(), false),
        Field::new("lines", DataType::Int64, false),
        Field::new("calls", DataType::Int64, false),
        Field::new("quarantined", DataType::Int64, false),
    ]))
}

pub fn pii_findings_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        utf8("run_id", false),
        utf8("entity", false),
        Field::new("count", DataType::Int64, false),
        // The column the entities were found in; null on the row of an entity
        // not found at all, and in partitions written before fields were counted.
        utf8("field", true),
        // The PII detectors' version and switches (`2+nadgik`); null in
        // partitions written before versions were recorded.
        utf8("detector_version", true),
    ]))
}

pub fn runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("run_id", false),
        utf8("dag", false),
        Field::new("logical_date", DataType::Date32, false),
        utf8("status", false),
        Field::new("started_at", timestamp_type(), false),
        Field::new("ended_at", timestamp_type(), true),
        utf8("error", true),
        // JSON: per-task summaries (rows, quarantine counts by reason...).
        utf8("report", true),
    ]))
}

pub fn task_runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("run_id", false),
        utf8("task_id", false),
        utf8("kind", false),
        Field::new("attempt", DataType::Int32, false),
        utf8("status", false),
        Field::new("started_at", timestamp_type(), false),
        Field::new("ended_at", timestamp_type(), true),
        utf8("error", true),
        Field::new("rows_in", DataType::Int64, true),
        Field::new("rows_out", DataType::Int64, true),
        // JSON: task-specific figures.
        utf8("details", true),
    ]))
}

/// `datasets/cluster=<id>/version=<version>/{train,eval}.parquet`: the
/// training pairs of one cluster, rendered in the base model's chat template.
pub fn datasets_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("cluster_id", DataType::Int64, false),
        utf8("version", false),
        // `train` or `eval`, decided by a hash of the call id.
        utf8("split", false),
        utf8("call_id", false),
        // `logged` (the LLM's logged answer) or `teacher` (asked again).
        utf8("source", false),
        // The chat up to the assistant's turn, ChatML, tools in the system turn.
        utf8("prompt", false),
        // The LLM's answer (text, or tool calls as JSON) and the end-of-turn token.
        utf8("answer", false),
        Field::new("prompt_tokens", DataType::Int64, false),
        Field::new("answer_tokens", DataType::Int64, false),
        // The oldest PII detector version of the calls it was built from
        // (null: unknown, built before versions were recorded).
        utf8("pii_version", true),
        // sha256 of the cluster's shared prefix cut from this prompt (its
        // text in the dataset's prefix.txt); null: the prompt is whole.
        utf8("prefix_sha256", true),
    ]))
}

/// `adapters/cluster=<id>/version=<version>/adapter.parquet`, written last
/// in the adapter's folder: a row here means the PEFT files are complete.
pub fn adapters_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("cluster_id", DataType::Int64, false),
        // The dataset version and a hash of the model and hyper-parameters.
        utf8("version", false),
        utf8("dataset_version", false),
        utf8("base_model", false),
        Field::new("rank", DataType::Int64, false),
        Field::new("alpha", DataType::Float64, false),
        // Comma-separated PEFT module names.
        utf8("target_modules", false),
        Field::new("train_pairs", DataType::Int64, false),
        Field::new("eval_pairs", DataType::Int64, false),
        Field::new("steps", DataType::Int64, false),
        Field::new("tokens", DataType::Int64, false),
        Field::new("train_seconds", DataType::Float64, false),
        // Eval loss of the base model (no adapter) and of the adapter kept.
        Field::new("base_eval_loss", DataType::Float64, false),
        Field::new("eval_loss", DataType::Float64, false),
        Field::new("best_step", DataType::Int64, false),
        Field::new("stopped_early", DataType::Boolean, false),
        // The folder with adapter_config.json and adapter_model.safetensors.
        utf8("path", false),
        utf8("run_id", false),
        Field::new("created_at", timestamp_type(), false),
        // The PII detector version of its dataset (null: unknown). Adapters
        // of a stale version are never published (`warehouse::pii_versions`).
        utf8("pii_version", true),
    ]))
}

/// `evaluations/cluster=<id>/evaluation=<id>/evaluation.parquet`, written
/// after the examples: a row here means the evaluation is complete. Scores
/// are means over the eval calls of the metric named in `metric`, against
/// the LLM's logged answers; intervals are 95%.
pub fn evaluations_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        // The adapter version and a hash of the evaluation's settings.
        utf8("evaluation_id", false),
        Field::new("cluster_id", DataType::Int64, false),
        utf8("adapter_version", false),
        utf8("dataset_version", false),
        utf8("base_model", false),
        // tool_call_match, json_field_match, rouge_l, or mixed (several kinds of answer).
        utf8("metric", false),
        Field::new("score", DataType::Float64, false),
        Field::new("ci_low", DataType::Float64, false),
        Field::new("ci_high", DataType::Float64, false),
        // The base model without the adapter, same calls, same metric.
        Field::new("base_score", DataType::Float64, false),
        Field::new("base_ci_low", DataType::Float64, false),
        Field::new("base_ci_high", DataType::Float64, false),
        // Share of calls where the answer means the same as the LLM's.
        Field::new("teacher_agreement", DataType::Float64, false),
        Field::new("base_teacher_agreement", DataType::Float64, false),
        Field::new("n", DataType::Int64, false),
        Field::new("tokens_generated", DataType::Int64, false),
        Field::new("eval_seconds", DataType::Float64, false),
        // The adapter's folder (adapter_config.json, adapter_model.safetensors).
        utf8("adapter_path", false),
        utf8("run_id", false),
        Field::new("created_at", timestamp_type(), false),
    ]))
}

/// `evaluation_examples/cluster=<id>/evaluation=<id>/examples.parquet`:
/// what the adapter and the base model answered on each eval call. The
/// prompts were anonymized, so the answers hold pseudonyms at most.
pub fn evaluation_examples_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("evaluation_id", false),
        Field::new("cluster_id", DataType::Int64, false),
        utf8("call_id", false),
        // tool_call, json or text: the kind of the LLM's answer.
        utf8("kind", false),
        Field::new("score", DataType::Float64, false),
        Field::new("agrees", DataType::Boolean, false),
        Field::new("base_score", DataType::Float64, false),
        Field::new("base_agrees", DataType::Boolean, false),
        utf8("answer", false),
        utf8("base_answer", false),
        Field::new("answer_tokens", DataType::Int64, false),
        Field::new("base_answer_tokens", DataType::Int64, false),
        // The base model with the nearest training calls in its prompt
        // (null when evaluate ran without few-shot).
        Field::new("few_shot_score", DataType::Float64, true),
        Field::new("few_shot_agrees", DataType::Boolean, true),
        utf8("few_shot_answer", true),
    ]))
}

//! The `candidates` table: every way evaluate tried to serve a cluster
//! without the LLM, scored on the same eval calls. `evaluate` writes one
//! row per candidate before its `evaluations` row; `publish` picks the
//! cheapest candidate that its gate and its licence list allow.
//!
//! `candidates/cluster=<id>/evaluation=<id>/candidates.parquet`.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::warehouse::{columns, Table, Warehouse};

/// How a candidate answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// The base model as it is, on the whole prompt.
    ZeroShot,
    /// The base model with the k nearest training calls in its prompt.
    FewShot,
    /// The base model with the cluster's LoRA adapter, on the pruned prompt.
    Lora,
}

impl CandidateKind {
    pub const ALL: [CandidateKind; 3] = [CandidateKind::ZeroShot, CandidateKind::FewShot, CandidateKind::Lora];

    pub fn name(self) -> &'static str {
        match self {
            CandidateKind::ZeroShot => "zero_shot",
            CandidateKind::FewShot => "few_shot",
            CandidateKind::Lora => "lora",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The `evaluation_examples` column with this candidate's per-call score.
    pub fn score_column(self) -> &'static str {
        match self {
            CandidateKind::ZeroShot => "base_score",
            CandidateKind::FewShot => "few_shot_score",
            CandidateKind::Lora => "score",
        }
    }
}

/// One candidate of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub evaluation_id: String,
    pub cluster_id: i64,
    pub kind: CandidateKind,
    /// The base model (PEFT's `base_model_name_or_path`).
    pub base_model: String,
    /// The base model's licence (its GGUF's `general.license`, or its
    /// model card's), `unknown` when it declares none.
    pub licence: String,
    pub metric: String,
    pub score: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: i64,
    /// Examples in the prompt (few-shot), else 0.
    pub shots: i64,
    /// Mean tokens the model reads per call (prompt) and writes (answer).
    pub prompt_tokens: f64,
    pub answer_tokens: f64,
    /// What serving it holds: the base weights, the adapter, and the KV
    /// cache of a mean call.
    pub memory_mib: f64,
    /// Base parameters × tokens per call: the serving compute, for ranking.
    pub cost: f64,
}

pub fn candidates_schema() -> SchemaRef {
    let f64 = |n: &str| Field::new(n, DataType::Float64, false);
    let i64 = |n: &str| Field::new(n, DataType::Int64, false);
    let utf8 = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        utf8("evaluation_id"),
        i64("cluster_id"),
        // zero_shot, few_shot or lora.
        utf8("candidate"),
        utf8("base_model"),
        utf8("licence"),
        utf8("metric"),
        f64("score"),
        f64("ci_low"),
        f64("ci_high"),
        i64("n"),
        i64("shots"),
        f64("prompt_tokens"),
        f64("answer_tokens"),
        f64("memory_mib"),
        f64("cost"),
    ]))
}

/// The folder of one evaluation's candidates below the warehouse root.
pub fn candidates_dir(cluster: i64, evaluation_id: &str) -> String {
    format!("{}/cluster={cluster}/evaluation={evaluation_id}", Table::Candidates.dir())
}

pub async fn write_candidates(wh: &Warehouse, candidates: &[Candidate]) -> Result<()> {
    let Some(first) = candidates.first() else { return Ok(()) };
    let s = |f: &dyn Fn(&Candidate) -> &str| Arc::new(StringArray::from_iter_values(candidates.iter().map(f))) as ArrayRef;
    let f = |f: &dyn Fn(&Candidate) -> f64| Arc::new(Float64Array::from_iter_values(candidates.iter().map(f))) as ArrayRef;
    let i = |f: &dyn Fn(&Candidate) -> i64| Arc::new(Int64Array::from_iter_values(candidates.iter().map(f))) as ArrayRef;
    let columns = vec![
        s(&|c| &c.evaluation_id),
        i(&|c| c.cluster_id),
        s(&|c| c.kind.name()),
        s(&|c| &c.base_model),
        s(&|c| &c.licence),
        s(&|c| &c.metric),
        f(&|c| c.score),
        f(&|c| c.ci_low),
        f(&|c| c.ci_high),
        i(&|c| c.n),
        i(&|c| c.shots),
        f(&|c| c.prompt_tokens),
        f(&|c| c.answer_tokens),
        f(&|c| c.memory_mib),
        f(&|c| c.cost),
    ];
    let batch = RecordBatch::try_new(candidates_schema(), columns).map_err(|e| Error::arrow("building candidates", e))?;
    let rel = format!("{}/candidates.parquet", candidates_dir(first.cluster_id, &first.evaluation_id));
    wh.write_parquet(&rel, candidates_schema(), &[batch]).await?;
    Ok(())
}

/// The candidates of one evaluation (none for evaluations written before
/// candidates were recorded).
pub async fn read_candidates(wh: &Warehouse, cluster: i64, evaluation_id: &str) -> Result<Vec<Candidate>> {
    let table = Table::Candidates.name();
    let mut out = Vec::new();
    for batch in wh.read_parquet_dir(&candidates_dir(cluster, evaluation_id)).await? {
        let s = |n: &str| columns::strings(&batch, n, table);
        let f = |n: &str| columns::f64s(&batch, n, table);
        let i = |n: &str| columns::i64s(&batch, n, table);
        let (kind, base, licence, metric) = (s("candidate")?, s("base_model")?, s("licence")?, s("metric")?);
        let (eval, cluster) = (s("evaluation_id")?, i("cluster_id")?);
        let (score, low, high, n, shots) = (f("score")?, f("ci_low")?, f("ci_high")?, i("n")?, i("shots")?);
        let (prompt, answer, memory, cost) = (f("prompt_tokens")?, f("answer_tokens")?, f("memory_mib")?, f("cost")?);
        for row in 0..batch.num_rows() {
            let kind = CandidateKind::parse(kind.value(row)).ok_or_else(|| Error::Contract {
                table: table.into(),
                message: format!("unknown candidate `{}`", kind.value(row)),
            })?;
            out.push(Candidate {
                evaluation_id: eval.value(row).to_string(),
                cluster_id: cluster.value(row),
                kind,
                base_model: base.value(row).to_string(),
                licence: licence.value(row).to_string(),
                metric: metric.value(row).to_string(),
                score: score.value(row),
                ci_low: low.value(row),
                ci_high: high.value(row),
                n: n.value(row),
                shots: shots.value(row),
                prompt_tokens: prompt.value(row),
                answer_tokens: answer.value(row),
                memory_mib: memory.value(row),
                cost: cost.value(row),
            });
        }
    }
    out.sort_by_key(|c| c.kind);
    Ok(out)
}

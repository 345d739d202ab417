//! The `embed` task: the task text of each anonymized call (see `text.rs`)
//! embedded with all-MiniLM-L6-v2 into the Lance table `call_embeddings`.
//! Incremental: a call whose task text was already embedded (same call id,
//! same text hash) is not embedded again; a call whose text changed (another
//! template, a re-anonymized date) is replaced.


use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Date32Array, RecordBatch, RecordBatchIterator, StringArray,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use tracing::info;

use crate::error::{Error, Result};
use crate::models::minilm::{self, Embedder};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::columns;
use crate::warehouse::embedding_settings::{EmbeddingSettings, EMBEDDING_SETTINGS};
use crate::warehouse::tables::date_filter;
use crate::warehouse::vectors::{self, vector_array, VectorTable};
use crate::models::task_text::{CallsColumns, Template};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbedConfig {
    /// A model folder below `models/` (or a path).
    #[serde(default = "default_model")]
    pub model: String,
    /// The task text template; fields: {system}, {first_user},
    /// {last_user}, {tools}, {agent}, {model}.
    #[serde(default = "default_template")]
    pub template: String,
    /// Tokens per text (longer texts are truncated).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: usize,
    /// Texts per forward pass.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// The dates embedded: the run's date and the `days - 1` before it.
    #[serde(default = "default_days")]
    pub days: u32,
    /// An ANN index on the vectors is built once the table has this many rows.
    #[serde(default = "default_index_min_rows")]
    pub index_min_rows: usize,
    /// `f32` (the default), `bf16` (faster on AVX-512 BF16, cosine ≥ 0.999
    /// to f32) or `int8` (fastest, on AVX-512 VNNI, cosine ≥ 0.99); the
    /// routing table records it so requests are embedded alike.
    #[serde(default)]
    pub precision: minilm::Precision,
}

fn default_model() -> String {
    minilm::MODEL_NAME.to_string()
}
fn default_template() -> String {
    crate::models::task_text::DEFAULT_TEMPLATE.to_string()
}
fn default_max_tokens() -> usize {
    minilm::DEFAULT_MAX_TOKENS
}
fn default_batch_size() -> usize {
    32
}
fn default_days() -> u32 {
    1
}
fn default_index_min_rows() -> usize {
    10_000
}

impl EmbedConfig {
    /// Checks what serde cannot: the template and the ranges.
    pub fn check(&self) -> std::result::Result<(), String> {
        Template::parse(&self.template)?;
        if self.days == 0 {
            return Err("`days` must be at least 1".into());
        }
        if self.batch_size == 0 || self.max_tokens < 2 {
            return Err("`batch_size` must be at least 1 and `max_tokens` at least 2".into());
        }
        Ok(())
    }
}

pub struct EmbedTask {
    config: EmbedConfig,
    template: Template,
}

impl EmbedTask {
    pub fn new(config: EmbedConfig) -> std::result::Result<Self, String> {
        config.check()?;
        let template = Template::parse(&config.template)?;
        Ok(Self { config, template })
    }
}

/// Calls embedded per write to the Lance table: progress survives a crash,
/// and each write is one Lance fragment of a useful size.
const WRITE_CHUNK: usize = 2048;

/// One call to embed.
struct Pending {
    call_id: String,
    date: i32,
    hash: String,
    text: String,
}


#[async_trait]
impl Task for EmbedTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let last = ctx.logical_date;
        let first = last - chrono::Duration::days(i64::from(self.config.days) - 1);
        let device = crate::models::device();
        let model_dir = crate::models::model_dir(&self.config.model);
        let options = minilm::Options { precision: self.config.precision, ..Default::default() };
        let embedder = Arc::new(Embedder::load_with(&model_dir, self.config.max_tokens, &device, options)?);

        // 1. The task texts of the calls of the window.
        let query = format!(
            "SELECT call_id, date, agent, model, messages, tools FROM calls WHERE {} ORDER BY call_id",
            date_filter(first, last)
        );
        let batches = crate::warehouse::session::query_calls(&ctx.warehouse, &query).await?;
        let mut calls = Vec::new();
        for batch in &batches {
            let columns = CallsColumns::new(batch)?;
            let ids = columns::strings(batch, "call_id", "calls")?;
            let dates = batch
                .column_by_name("date")
                .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
                .ok_or_else(|| Error::Contract { table: "calls".into(), message: "`date` is not a date".into() })?;
            for row in 0..batch.num_rows() {
                let text = self.template.render(&columns.parts(row));
                // Vectors of another precision are made again (f32 keeps the
                // plain text hash that older warehouses hold).
                let hash = match embedder.precision() {
                    minilm::Precision::F32 => crate::hashing::sha256_hex(&text),
                    other => crate::hashing::sha256_hex(&format!("{text}\n#precision={}", other.as_str())),
                };
                calls.push(Pending { call_id: ids.value(row).to_string(), date: dates.value(row), hash, text });
            }
        }
        let seen = calls.len();

        // 2. Leave out what is already embedded with the same text.
        let db = vectors::connect(&ctx.warehouse).await?;
        let table = vectors::open_or_create(&db, VectorTable::CallEmbeddings, embedder.dim()).await?;
        let mut embedded: HashMap<String, String> = HashMap::new();
        for batch in vectors::scan(&table, &["call_id", "text_hash"], Some(&date_filter(first, last))).await? {
            let (ids, hashes) = (columns::strings(&batch, "call_id", "call_embeddings")?, columns::strings(&batch, "text_hash", "call_embeddings")?);
            for i in 0..batch.num_rows() {
                embedded.insert(ids.value(i).to_string(), hashes.value(i).to_string());
            }
        }
        let mut changed = 0u64;
        calls.retain(|c| match embedded.get(&c.call_id) {
            Some(hash) if *hash == c.hash => false,
            Some(_) => {
                changed += 1;
                true
            }
            None => true,
        });
        let todo = calls.len();
        info!(task = %ctx.task_id, calls = seen, to_embed = todo, changed, "Embedding task texts.");

        // 3. Embed in chunks; each chunk is committed to Lance before the next.
        let bar = crate::progress::count_bar(ctx.progress, todo as u64, "embed");
        let started = std::time::Instant::now();
        let model_name = model_dir.file_name().map_or_else(|| self.config.model.clone(), |n| n.to_string_lossy().into());
        for chunk in calls.chunks(WRITE_CHUNK) {
            let texts: Vec<String> = chunk.iter().map(|c| c.text.clone()).collect();
            let worker = embedder.clone();
            let (batch_size, progress) = (self.config.batch_size, bar.clone());
            let vectors = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                worker.embed(&refs, batch_size, |n| progress.inc(n as u64))
            })
            .await
            .map_err(|e| Error::model("embedding worker", e))??;
            let batch = embeddings_batch(chunk, &vectors, &model_name, embedder.dim())?;
            let schema = batch.schema();
            let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
            let mut merge = table.merge_insert(&["call_id"]);
            merge.when_matched_update_all(None).when_not_matched_insert_all();
            merge.execute(Box::new(reader)).await.map_err(|e| Error::lance("writing call_embeddings", e))?;
            // Lance writes through its own store client: a named kill point.
            crate::crash::kill_point("embed:chunk-merged");
        }
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();

        // 4. The ANN index, once the table is large enough for one.
        let rows = table.count_rows(None).await.map_err(|e| Error::lance("counting call_embeddings", e))?;
        let index = ensure_vector_index(&table, rows, self.config.index_min_rows, todo > 0).await?;
        // 5. How the vectors were made, for whoever must embed a new request
        //    the same way (publish copies it into the routing table).
        let settings = EmbeddingSettings {
            model: model_name.clone(),
            hf_name: minilm::hf_name(&model_dir),
            template: self.config.template.clone(),
            max_tokens: embedder.max_tokens(),
            dim: embedder.dim(),
            precision: embedder.precision(),
        };
        let key = ctx.warehouse.root().key(EMBEDDING_SETTINGS)?;
        ctx.warehouse.root().put(&key, serde_json::to_vec_pretty(&settings).expect("JSON")).await?;
        info!(task = %ctx.task_id, embedded = todo, secs = format!("{secs:.1}"), rows, index, "Embedded.");
        Ok(TaskOutput {
            rows_in: seen as u64,
            rows_out: todo as u64,
            details: json!({
                "calls": seen,
                "embedded": todo,
                "re_embedded_changed_text": changed,
                "skipped_already_embedded": seen - todo,
                "texts_per_sec": if secs > 0.0 { (todo as f64 / secs).round() } else { 0.0 },
                "table_rows": rows,
                "vector_index": index,
                "model": model_name,
                "max_tokens": embedder.max_tokens(),
                "precision": embedder.precision(),
                "engine": if embedder.on_kernels() { "kernels" } else { "candle" },
            }),
        })
    }
}

fn embeddings_batch(chunk: &[Pending], vectors: &[Vec<f32>], model: &str, dim: usize) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(chunk.iter().map(|c| c.call_id.as_str()))),
        Arc::new(Date32Array::from_iter_values(chunk.iter().map(|c| c.date))),
        Arc::new(StringArray::from_iter_values(chunk.iter().map(|c| c.hash.as_str()))),
        Arc::new(StringArray::from_iter_values(chunk.iter().map(|c| c.text.as_str()))),
        Arc::new(StringArray::from_iter_values(chunk.iter().map(|_| model))),
        Arc::new(vector_array(vectors, dim)),
    ];
    RecordBatch::try_new(vectors::call_embeddings_schema(dim), columns)
        .map_err(|e| Error::arrow("building a call_embeddings batch", e))
}

/// Builds an IVF-PQ index (cosine) once the table has `min_rows` rows, and
/// folds new rows into an existing one. Returns the index state.
async fn ensure_vector_index(table: &lancedb::Table, rows: usize, min_rows: usize, grew: bool) -> Result<&'static str> {
    let indices = table.list_indices().await.map_err(|e| Error::lance("listing indices", e))?;
    let has_index = indices.iter().any(|i| i.columns.iter().any(|c| c == "vector"));
    if has_index {
        if grew {
            table
                .optimize(lancedb::table::OptimizeAction::Index(Default::default()))
                .await
                .map_err(|e| Error::lance("updating the vector index", e))?;
        }
        return Ok("present");
    }
    if rows < min_rows.max(256) {
        return Ok("not yet (too few rows)");
    }
    let builder = lancedb::index::vector::IvfPqIndexBuilder::default().distance_type(lancedb::DistanceType::Cosine);
    table
        .create_index(&["vector"], lancedb::index::Index::IvfPq(builder))
        .execute()
        .await
        .map_err(|e| Error::lance("building the vector index", e))?;
    Ok("built")
}

//! The warehouse's Lance tables (vectors and clusters), embedded through the
//! `lancedb` crate in the same root as the Parquet tables:
//! `<root>/call_embeddings.lance`, `<root>/clusters.lance`,
//! `<root>/cluster_assignments.lance`. They are registered in the SQL session
//! beside the Parquet tables, so analysts join them with `calls`.

use std::sync::Arc;

use arrow::array::{Array, FixedSizeListArray, RecordBatch};
use arrow::datatypes::Float32Type;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::context::SessionContext;
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase};
use lancedb::table::datafusion::BaseTableAdapter;

use super::Warehouse;
use crate::error::{Error, Result};

/// The Lance tables, with their contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorTable {
    /// One row per embedded call: its task text, the text's hash and the vector.
    CallEmbeddings,
    /// One row per cluster per cluster run: label, centroid, radius, statistics.
    Clusters,
    /// The latest cluster of each call (null when it is far from every cluster).
    ClusterAssignments,
}

impl VectorTable {
    pub const ALL: [VectorTable; 3] =
        [VectorTable::CallEmbeddings, VectorTable::Clusters, VectorTable::ClusterAssignments];

    pub fn name(self) -> &'static str {
        match self {
            VectorTable::CallEmbeddings => "call_embeddings",
            VectorTable::Clusters => "clusters",
            VectorTable::ClusterAssignments => "cluster_assignments",
        }
    }

    pub fn schema(self, dim: usize) -> SchemaRef {
        match self {
            VectorTable::CallEmbeddings => call_embeddings_schema(dim),
            VectorTable::Clusters => clusters_schema(dim),
            VectorTable::ClusterAssignments => cluster_assignments_schema(),
        }
    }
}

pub fn vector_type(dim: usize) -> DataType {
    DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), dim as i32)
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

pub fn call_embeddings_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("call_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        // sha256 (hex) of the task text: a changed template or call re-embeds.
        Field::new("text_hash", DataType::Utf8, false),
        // The task text that was embedded, built from the anonymized call.
        Field::new("text", DataType::Utf8, false),
        Field::new("model", DataType::Utf8, false),
        Field::new("vector", vector_type(dim), false),
    ]))
}

pub fn clusters_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("cluster_id", DataType::Int64, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("terms", utf8_list(), false),
        Field::new("examples", utf8_list(), false),
        Field::new("centroid", vector_type(dim), false),
        // Calls farther than this (cosine distance) from the centroid are not
        // in the cluster.
        Field::new("radius", DataType::Float32, false),
        Field::new("calls", DataType::Int64, false),
        Field::new("share", DataType::Float64, false),
        Field::new("prompt_tokens", DataType::Int64, false),
        Field::new("completion_tokens", DataType::Int64, false),
        Field::new("agents", utf8_list(), false),
        Field::new("models", utf8_list(), false),
        Field::new("method", DataType::Utf8, false),
        // A genuinely new task type tonight (no match among the previous clusters).
        Field::new("is_new", DataType::Boolean, false),
    ]))
}

pub fn cluster_assignments_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("call_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("run_id", DataType::Utf8, false),
        // Null: far from every cluster; the call stays on the LLM.
        Field::new("cluster_id", DataType::Int64, true),
        Field::new("distance", DataType::Float32, false),
    ]))
}

/// The LanceDB database at the warehouse root.
pub async fn connect(wh: &Warehouse) -> Result<lancedb::Connection> {
    let uri = wh.root().lance_uri();
    let mut builder = lancedb::connect(&uri);
    // lance builds its own S3 client: hand it the endpoint override too.
    for (var, option) in [("AWS_ENDPOINT_URL", "aws_endpoint"), ("AWS_ALLOW_HTTP", "allow_http")] {
        if let Ok(value) = std::env::var(var) {
            builder = builder.storage_option(option, value);
        }
    }
    builder.execute().await.map_err(|e| Error::lance(format!("opening {}", wh.root().display_url()), e))
}

/// The table if it exists.
pub async fn open(db: &lancedb::Connection, table: VectorTable) -> Result<Option<lancedb::Table>> {
    let names = db.table_names().execute().await.map_err(|e| Error::lance("listing tables", e))?;
    if !names.iter().any(|n| n == table.name()) {
        return Ok(None);
    }
    match db.open_table(table.name()).execute().await {
        Ok(t) => Ok(Some(t)),
        // Listed but not there yet: another task is creating it right now
        // (an SQL task beside the embed task that makes call_embeddings).
        Err(lancedb::Error::TableNotFound { .. }) => Ok(None),
        Err(e) => Err(Error::lance(format!("opening {}", table.name()), e)),
    }
}

/// Opens the table, creating it empty with its contract's schema if needed.
pub async fn open_or_create(db: &lancedb::Connection, table: VectorTable, dim: usize) -> Result<lancedb::Table> {
    if let Some(t) = open(db, table).await? {
        return Ok(t);
    }
    db.create_empty_table(table.name(), table.schema(dim))
        .execute()
        .await
        .map_err(|e| Error::lance(format!("creating {}", table.name()), e))
}

/// Every row of `table` matching `filter` (an SQL predicate), with `columns`.
pub async fn scan(table: &lancedb::Table, columns: &[&str], filter: Option<&str>) -> Result<Vec<RecordBatch>> {
    let mut query = table.query().select(lancedb::query::Select::columns(columns));
    if let Some(filter) = filter {
        query = query.only_if(filter);
    }
    let context = || format!("reading {}", table.name());
    query
        .execute()
        .await
        .map_err(|e| Error::lance(context(), e))?
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e| Error::lance(context(), e))
}

/// Registers every Lance table that exists in the SQL session.
pub async fn register_all(ctx: &SessionContext, wh: &Warehouse) -> Result<()> {
    let db = connect(wh).await?;
    for table in VectorTable::ALL {
        let Some(t) = open(&db, table).await? else { continue };
        let adapter = BaseTableAdapter::try_new(t.base_table().clone())
            .await
            .map_err(|e| Error::lance(format!("reading the schema of {}", table.name()), e))?;
        ctx.register_table(table.name(), Arc::new(adapter))
            .map_err(|e| Error::datafusion(format!("registering {}", table.name()), e))?;
    }
    Ok(())
}

/// A `FixedSizeList<Float32>` column of vectors of length `dim`.
pub fn vector_array(vectors: &[Vec<f32>], dim: usize) -> FixedSizeListArray {
    FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
        vectors.iter().map(|v| Some(v.iter().copied().map(Some))),
        dim as i32,
    )
}

/// Reads a `FixedSizeList<Float32>` column back into vectors.
pub fn vectors_of(batch: &RecordBatch, column: &str) -> Result<Vec<Vec<f32>>> {
    let list = batch
        .column_by_name(column)
        .and_then(|c| c.as_any().downcast_ref::<FixedSizeListArray>())
        .ok_or_else(|| Error::Contract { table: "vectors".into(), message: format!("`{column}` is not a vector column") })?;
    let values = list
        .values()
        .as_any()
        .downcast_ref::<arrow::array::Float32Array>()
        .ok_or_else(|| Error::Contract { table: "vectors".into(), message: format!("`{column}` is not float32") })?;
    let dim = list.value_length() as usize;
    Ok((0..list.len()).map(|i| values.values()[i * dim..(i + 1) * dim].to_vec()).collect())
}

//! What the `clusters` and `similar` commands print.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase};

use crate::error::{Error, Result};
use crate::models::minilm::{Embedder, DEFAULT_MAX_TOKENS};
use crate::warehouse::vectors::{self, VectorTable};
use crate::warehouse::Warehouse;

/// The clusters of one cluster run (default: the latest), largest first.
pub async fn cluster_table(wh: &Warehouse, run: Option<&str>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let ctx = crate::warehouse::session::warehouse_session(wh, None).await?;
    if ctx.table_exist("clusters").unwrap_or(false) {
        let run_filter = match run {
            Some(r) => format!("'{}'", r.replace('\'', "''")),
            None => "(SELECT run_id FROM clusters ORDER BY date DESC, run_id DESC LIMIT 1)".to_string(),
        };
        let sql = format!(
            "SELECT cluster_id AS id, label, calls, ROUND(share * 100, 1) AS share_pct, \
             ROUND(CAST(radius AS DOUBLE), 3) AS radius, prompt_tokens, completion_tokens, \
             array_to_string(agents, ', ') AS agents, array_to_string(models, ', ') AS models, \
             is_new AS new, run_id FROM clusters WHERE run_id = {run_filter} ORDER BY calls DESC, cluster_id"
        );
        return crate::warehouse::session::query(&ctx, &sql).await;
    }
    Err(Error::NotFound(format!(
        "no clusters in {}: run a DAG with a cluster task first",
        wh.root().display_url()
    )))
}

/// The `k` calls whose task text is nearest to `text` (cosine distance).
pub async fn similar_calls(wh: &Warehouse, model: &str, text: &str, k: usize) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let db = vectors::connect(wh).await?;
    let Some(table) = vectors::open(&db, VectorTable::CallEmbeddings).await? else {
        return Err(Error::NotFound(format!(
            "no call_embeddings in {}: run a DAG with an embed task first",
            wh.root().display_url()
        )));
    };
    let device = crate::models::device();
    let embedder = Embedder::load(&crate::models::model_dir(model), DEFAULT_MAX_TOKENS, &device)?;
    let query = text.to_string();
    let vector = tokio::task::spawn_blocking(move || embedder.embed(&[query.as_str()], 1, |_| {}))
        .await
        .map_err(|e| Error::model("embedding the query", e))??
        .remove(0);
    let batches: Vec<RecordBatch> = table
        .query()
        .nearest_to(vector)
        .map_err(|e| Error::lance("searching call_embeddings", e))?
        .distance_type(lancedb::DistanceType::Cosine)
        .select(lancedb::query::Select::columns(&["call_id", "date", "text", "_distance"]))
        .limit(k.max(1))
        .execute()
        .await
        .map_err(|e| Error::lance("searching call_embeddings", e))?
        .try_collect()
        .await
        .map_err(|e| Error::lance("searching call_embeddings", e))?;

    // One readable line per call: the text shortened, the distance first.
    let schema = Arc::new(Schema::new(vec![
        Field::new("distance", DataType::Float32, true),
        Field::new("call_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("text", DataType::Utf8, false),
    ]));
    let mut out = Vec::new();
    for batch in batches {
        let distance = batch.column_by_name("_distance").cloned();
        let (Some(distance), Some(ids), Some(dates), Some(texts)) = (
            distance,
            batch.column_by_name("call_id").cloned(),
            batch.column_by_name("date").cloned(),
            batch
                .column_by_name("text")
                .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned()),
        ) else {
            return Err(Error::Contract {
                table: "call_embeddings".into(),
                message: "unexpected search result".into(),
            });
        };
        let short: StringArray = (0..texts.len())
            .map(|i| {
                let t = texts.value(i).replace('\n', " / ");
                Some(if t.chars().count() > 120 {
                    format!("{}…", t.chars().take(119).collect::<String>())
                } else {
                    t
                })
            })
            .collect();
        let distance: ArrayRef = match distance.as_any().downcast_ref::<Float32Array>() {
            Some(_) => distance,
            None => arrow::compute::cast(&distance, &DataType::Float32).map_err(|e| Error::arrow("distances", e))?,
        };
        let columns: Vec<ArrayRef> = vec![distance, ids, dates, Arc::new(short)];
        out.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::arrow("search results", e))?);
    }
    Ok((schema, out))
}

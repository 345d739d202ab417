//! The `evaluations` table as its readers see it (evaluate's cache, publish),
//! and where an adapter's files live: what evaluate writes and publish reads.

use arrow::array::{Array, TimestampMicrosecondArray};
use serde::Serialize;

use super::columns;
use super::{Table, Warehouse};
use crate::error::{Error, Result};

/// The folder of an adapter below the warehouse root.
pub fn adapter_dir(cluster: i64, version: &str) -> String {
    format!("{}/cluster={cluster}/version={version}", Table::Adapters.dir())
}

/// A stored evaluation row (for cached evaluations and for publish).
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationRow {
    pub evaluation_id: String,
    pub cluster_id: i64,
    pub adapter_version: String,
    pub metric: String,
    pub score: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub base_score: f64,
    pub teacher_agreement: f64,
    pub n: i64,
    pub adapter_path: String,
    pub created_at: i64,
}

/// Every row of the `evaluations` files below `rel`.
pub async fn read_evaluations(wh: &Warehouse, rel: &str) -> Result<Vec<EvaluationRow>> {
    let table = Table::Evaluations.name();
    let mut rows = Vec::new();
    for batch in wh.read_parquet_dir(rel).await? {
        let created = batch
            .column_by_name("created_at")
            .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
            .ok_or_else(|| Error::Contract { table: table.into(), message: "column `created_at` missing".into() })?;
        for row in 0..batch.num_rows() {
            rows.push(EvaluationRow {
                evaluation_id: columns::strings(&batch, "evaluation_id", table)?.value(row).to_string(),
                cluster_id: columns::i64s(&batch, "cluster_id", table)?.value(row),
                adapter_version: columns::strings(&batch, "adapter_version", table)?.value(row).to_string(),
                metric: columns::strings(&batch, "metric", table)?.value(row).to_string(),
                score: columns::f64s(&batch, "score", table)?.value(row),
                ci_low: columns::f64s(&batch, "ci_low", table)?.value(row),
                ci_high: columns::f64s(&batch, "ci_high", table)?.value(row),
                base_score: columns::f64s(&batch, "base_score", table)?.value(row),
                teacher_agreement: columns::f64s(&batch, "teacher_agreement", table)?.value(row),
                n: columns::i64s(&batch, "n", table)?.value(row),
                adapter_path: columns::strings(&batch, "adapter_path", table)?.value(row).to_string(),
                created_at: created.value(row),
            });
        }
    }
    Ok(rows)
}

//! The `sql` task kind: materializes a query over the warehouse (see
//! `warehouse::session`) as a derived table, `derived/<table>/date=<ds>/`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use tracing::info;

use crate::error::{Error, Result};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::session::{query, warehouse_session, DERIVED_DIR};
use crate::warehouse::Table;

/// The `with` block of a `sql` task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlTaskConfig {
    /// The query, inline. Exactly one of `query` and `file`.
    #[serde(default)]
    pub query: Option<String>,
    /// A file holding the query.
    #[serde(default)]
    pub file: Option<String>,
    /// Name of the derived table written (`derived/<table>/date=<ds>/`).
    pub table: String,
}

pub struct SqlTask {
    config: SqlTaskConfig,
}

impl SqlTask {
    pub fn new(config: SqlTaskConfig) -> Self {
        Self { config }
    }
}

#[async_trait]
impl Task for SqlTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let c = &self.config;
        let valid_name = !c.table.is_empty() && c.table.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid_name || Table::ALL.iter().any(|t| t.name() == c.table) {
            return Err(Error::task_config(&ctx.task_id, format!("`table: {}` must be a new lower_snake_case name", c.table)));
        }
        let text = match (&c.query, &c.file) {
            (Some(q), None) => q.clone(),
            (None, Some(f)) => {
                let path = ctx.resolve_file(f)?;
                std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?
            }
            _ => return Err(Error::task_config(&ctx.task_id, "give exactly one of `query` and `file`")),
        };
        let views = ctx.base_dirs.iter().map(|d| d.join("sql/views")).find(|p| p.is_dir());
        let session = warehouse_session(&ctx.warehouse, views.as_deref()).await?;
        let (schema, batches) = query(&session, &text).await.map_err(|e| match e {
            Error::DataFusion { source, .. } => Error::DataFusion { context: format!("in task `{}`", ctx.task_id), source },
            other => other,
        })?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let dir = format!("{DERIVED_DIR}/{}/date={}", c.table, ctx.logical_date);
        let file = ctx.warehouse.write_parquet(&format!("{dir}/part-{}.parquet", ctx.run_id), schema, &batches).await?;
        ctx.warehouse.replace_partition(&dir, &[file]).await?;
        info!(task = %ctx.task_id, table = %c.table, rows, "Derived table written.");
        Ok(TaskOutput { rows_in: 0, rows_out: rows as u64, details: json!({"table": c.table, "rows": rows}) })
    }
}

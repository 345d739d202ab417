//! SQL over the warehouse: every table registered in one DataFusion session
//! (plus the views in `sql/views/` and the tables derived by `sql` tasks),
//! results printed as a table, CSV or JSON, or written to Parquet.
//! Also the `sql` task kind, which materializes a query as a derived table.

use std::path::Path as FsPath;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::execution::context::SessionContext;
use serde::Deserialize;
use serde_json::json;
use tracing::{info, warn};

use crate::anonymize::{register_parquet_dirs, session};
use crate::error::{Error, Result};
use crate::tasks::{Task, TaskContext, TaskOutput};
use crate::warehouse::{Table, Warehouse};

/// Folder of the tables written by `sql` tasks: `derived/<table>/date=.../`.
pub const DERIVED_DIR: &str = "derived";

/// A session with every warehouse table and the views of `views_dir`
/// (files of `CREATE VIEW` statements, applied in name order).
pub async fn warehouse_session(wh: &Warehouse, views_dir: Option<&FsPath>) -> Result<SessionContext> {
    let ctx = session(wh);
    for table in Table::ALL {
        register_parquet_dirs(&ctx, wh, table.name(), &[table.dir().to_string()], table.schema()).await?;
    }
    for name in derived_tables(wh).await? {
        let dir = format!("{DERIVED_DIR}/{name}");
        let url = wh.root().url_of(&wh.root().key(&dir)?, true);
        ctx.register_parquet(&name, &url, Default::default())
            .await
            .map_err(|e| Error::datafusion(format!("registering derived table `{name}`"), e))?;
    }
    crate::warehouse::vectors::register_all(&ctx, wh).await?;
    if let Some(dir) = views_dir {
        register_views(&ctx, dir).await?;
    }
    Ok(ctx)
}

async fn derived_tables(wh: &Warehouse) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for object in wh.root().list(DERIVED_DIR).await? {
        let rel = wh.root().relative(&object.location);
        if let Some(name) = rel.split('/').nth(1) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
}

async fn register_views(ctx: &SessionContext, dir: &FsPath) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        warn!(dir = %dir.display(), "No views folder; the shipped views are not registered.");
        return Ok(());
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
        ctx.sql(&text).await.map_err(|e| Error::datafusion(format!("in view file {}", file.display()), e))?;
    }
    Ok(())
}

/// Runs `sql` over the `calls` table alone (what the tasks after anonymize
/// read): cheaper than registering the whole warehouse.
pub async fn query_calls(wh: &Warehouse, sql: &str) -> Result<Vec<RecordBatch>> {
    let ctx = session(wh);
    register_parquet_dirs(&ctx, wh, "calls", &[Table::Calls.dir().to_string()], Table::Calls.schema()).await?;
    Ok(query(&ctx, sql).await?.1)
}

pub async fn query(ctx: &SessionContext, sql: &str) -> Result<(arrow::datatypes::SchemaRef, Vec<RecordBatch>)> {
    let df = ctx.sql(sql).await.map_err(|e| Error::datafusion("in query", e))?;
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.map_err(|e| Error::datafusion("running query", e))?;
    Ok((schema, batches))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// Renders query results as text.
pub fn render(schema: &arrow::datatypes::SchemaRef, batches: &[RecordBatch], format: OutputFormat) -> Result<String> {
    match format {
        OutputFormat::Table => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Ok(format!("(no rows; columns: {})\n", names.join(", ")));
            }
            let table = arrow::util::pretty::pretty_format_batches(batches)
                .map_err(|e| Error::arrow("formatting results", e))?;
            Ok(format!("{table}\n"))
        }
        OutputFormat::Csv => {
            let mut out = Vec::new();
            {
                let mut writer = arrow::csv::WriterBuilder::new().with_header(true).build(&mut out);
                if batches.is_empty() {
                    writer.write(&RecordBatch::new_empty(schema.clone())).map_err(|e| Error::arrow("writing CSV", e))?;
                }
                for batch in batches {
                    writer.write(batch).map_err(|e| Error::arrow("writing CSV", e))?;
                }
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        OutputFormat::Json => {
            let mut out = Vec::new();
            {
                let mut writer = arrow::json::LineDelimitedWriter::new(&mut out);
                for batch in batches {
                    writer.write(batch).map_err(|e| Error::arrow("writing JSON", e))?;
                }
                writer.finish().map_err(|e| Error::arrow("writing JSON", e))?;
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

/// Writes results to a local Parquet file, via a temporary name so a failed
/// write leaves nothing half-written.
pub fn write_parquet_file(path: &FsPath, schema: &arrow::datatypes::SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let tmp = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), None)
        .map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    for batch in batches {
        writer.write(batch).map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    }
    writer.close().map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("renaming to {}", path.display()), e))
}

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

//! The DataFusion session over the warehouse: every table registered (plus
//! the views in `sql/views/` and the tables derived by `sql` tasks), Parquet
//! folders as one table, and queries. Used by the stages, the report and the
//! CLI; the `sql` task kind that materializes a query is `crate::sql`.

use std::path::Path as FsPath;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::context::SessionContext;
use datafusion::prelude::SessionConfig;
use tracing::warn;

use super::{Table, Warehouse};
use crate::error::{Error, Result};

/// Folder of the tables written by `sql` tasks: `derived/<table>/date=.../`.
pub const DERIVED_DIR: &str = "derived";

/// A DataFusion session for SQL over staging and warehouse tables. Strings
/// stay `Utf8` so the output matches the table contracts.
pub fn session(wh: &Warehouse) -> SessionContext {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let config = SessionConfig::new()
        .with_target_partitions(threads)
        .set_bool("datafusion.execution.parquet.schema_force_view_types", false)
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false);
    let ctx = SessionContext::new_with_config(config);
    ctx.register_object_store(wh.root().store_url(), wh.root().store().clone());
    ctx.register_udf(super::pii_versions::detector_version_udf());
    ctx.register_udf(super::json_field::json_field_udf());
    ctx
}

/// Registers the Parquet files below several warehouse folders as one table.
pub async fn register_parquet_dirs(
    ctx: &SessionContext,
    wh: &Warehouse,
    name: &str,
    dirs: &[String],
    schema: SchemaRef,
) -> Result<()> {
    let mut urls = Vec::new();
    for dir in dirs {
        if wh.exists(dir).await? {
            let url = wh.root().url_of(&wh.root().key(dir)?, true);
            urls.push(ListingTableUrl::parse(&url).map_err(|e| Error::datafusion(format!("table `{name}`"), e))?);
        }
    }
    if urls.is_empty() {
        let empty = datafusion::datasource::MemTable::try_new(schema, vec![vec![]])
            .map_err(|e| Error::datafusion(format!("table `{name}`"), e))?;
        ctx.register_table(name, Arc::new(empty)).map_err(|e| Error::datafusion(format!("table `{name}`"), e))?;
        return Ok(());
    }
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls).with_listing_options(options).with_schema(schema);
    let table = ListingTable::try_new(config).map_err(|e| Error::datafusion(format!("table `{name}`"), e))?;
    ctx.register_table(name, Arc::new(table)).map_err(|e| Error::datafusion(format!("table `{name}`"), e))?;
    Ok(())
}

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
    super::vectors::register_all(&ctx, wh).await?;
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

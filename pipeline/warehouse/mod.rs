//! The warehouse: Parquet tables under one root (a local folder by default,
//! or an object-store URL), the raw staging area between ingest and
//! anonymize, and the run history. Layout and contracts: `warehouse/README.md`.

pub mod candidates;
pub mod columns;
pub mod embedding_settings;
pub mod evaluations;
pub mod faults;
pub mod history;
pub mod json_field;
pub mod pii_versions;
mod location;
pub mod results;
pub mod session;
pub mod tables;
pub mod vectors;

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::ObjectStore;
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::async_writer::ParquetObjectWriter;
use parquet::arrow::{AsyncArrowWriter, ParquetRecordBatchStreamBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::EnabledStatistics;
use parquet::file::properties::WriterProperties;

pub use location::Location;
pub use tables::Table;

use crate::error::{Error, Result};

/// Where the warehouse is when neither `--warehouse` nor `SLM_WAREHOUSE` says.
pub const DEFAULT_ROOT: &str = "warehouse";

/// Rows per Parquet row group: small enough that a writer's buffer stays in
/// the tens of megabytes whatever the size of the input.
const ROW_GROUP_ROWS: usize = 8192;
const ROW_GROUP_BYTES: usize = 64 << 20;

#[derive(Clone, Debug)]
pub struct Warehouse {
    root: Location,
    /// Applied to every store a task opens (log sources, registries) as it
    /// is to the root's: fault injection in tests.
    wrapper: Option<StoreWrapper>,
}

/// Wraps an object store (see `Warehouse::with_store_wrapper`).
#[derive(Clone)]
pub struct StoreWrapper(pub Arc<dyn Fn(Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> + Send + Sync>);

impl std::fmt::Debug for StoreWrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreWrapper")
    }
}

/// How a Parquet file is encoded: staging is short-lived and read once, so it
/// is written as fast as possible; tables are compressed.
#[derive(Clone, Copy, Debug)]
pub enum Encoding {
    Staging,
    Table,
}

impl Warehouse {
    pub fn open(spec: &str) -> Result<Self> {
        let warehouse = Self { root: Location::parse(spec)?, wrapper: None };
        // Crash tests (`SLM_KILL_AT`): every write of the run is a kill point.
        Ok(if crate::crash::is_armed() {
            warehouse.with_store_wrapper(StoreWrapper(Arc::new(crate::crash::wrap)))
        } else {
            warehouse
        })
    }


    /// The warehouse with every store it and its tasks open wrapped.
    pub fn with_store_wrapper(&self, wrapper: StoreWrapper) -> Self {
        let root = self.root.with_store((wrapper.0)(self.root.store().clone()));
        Self { root, wrapper: Some(wrapper) }
    }

    /// Opens a location a task names (a log source, a registry), through
    /// the same wrapper as the warehouse's own store.
    pub fn open_location(&self, spec: &str) -> Result<Location> {
        let loc = Location::parse(spec)?;
        Ok(match &self.wrapper {
            Some(w) => loc.with_store((w.0)(loc.store().clone())),
            None => loc,
        })
    }

    pub fn root(&self) -> &Location {
        &self.root
    }

    /// The same warehouse served by another store (fault injection in tests).
    pub fn with_store(&self, store: Arc<dyn ObjectStore>) -> Self {
        Self { root: self.root.with_store(store), wrapper: self.wrapper.clone() }
    }

    /// `<table>/date=YYYY-MM-DD`
    pub fn partition_dir(table: Table, date: NaiveDate) -> String {
        format!("{}/date={}", table.dir(), date.format("%Y-%m-%d"))
    }

    /// Raw, unredacted batches written by one ingest task of one run.
    pub fn staging_dir(run_id: &str, task_id: &str) -> String {
        format!("_staging/{run_id}/{task_id}")
    }

    pub fn staging_root() -> &'static str {
        "_staging"
    }

    pub fn writer_properties(encoding: Encoding) -> WriterProperties {
        let builder = WriterProperties::builder()
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES));
        match encoding {
            Encoding::Staging => builder
                .set_compression(Compression::LZ4_RAW)
                .set_dictionary_enabled(false)
                .set_statistics_enabled(EnabledStatistics::None),
            Encoding::Table => builder.set_compression(Compression::ZSTD(ZstdLevel::try_new(1).expect("valid level"))),
        }
        .build()
    }

    /// Opens a streaming Parquet writer for the file `rel` below the root;
    /// memory is bounded by one row group.
    pub fn parquet_writer(
        &self,
        rel: &str,
        schema: SchemaRef,
        encoding: Encoding,
    ) -> Result<(Path, AsyncArrowWriter<ParquetObjectWriter>)> {
        let key = self.root.key(rel)?;
        let sink = ParquetObjectWriter::new(self.root.store().clone(), key.clone());
        let writer = AsyncArrowWriter::try_new(sink, schema, Some(Self::writer_properties(encoding)))
            .map_err(|e| Error::parquet(format!("opening {}", self.root.url_of(&key, false)), e))?;
        Ok((key, writer))
    }

    /// Writes a small table file in one go.
    pub async fn write_parquet(&self, rel: &str, schema: SchemaRef, batches: &[RecordBatch]) -> Result<Path> {
        let (key, mut writer) = self.parquet_writer(rel, schema, Encoding::Table)?;
        let url = self.root.url_of(&key, false);
        for batch in batches {
            writer.write(batch).await.map_err(|e| Error::parquet(format!("writing {url}"), e))?;
        }
        writer.close().await.map_err(|e| Error::parquet(format!("closing {url}"), e))?;
        Ok(key)
    }

    /// Reads every Parquet file below `rel` (for small tables: manifests, history).
    pub async fn read_parquet_dir(&self, rel: &str) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        for object in self.root.list(rel).await? {
            if !object.location.as_ref().ends_with(".parquet") {
                continue;
            }
            batches.extend(self.read_parquet_file(&object.location).await?);
        }
        Ok(batches)
    }

    pub async fn read_parquet_file(&self, key: &Path) -> Result<Vec<RecordBatch>> {
        let url = self.root.url_of(key, false);
        let reader = ParquetObjectReader::new(self.root.store().clone(), key.clone());
        let stream = ParquetRecordBatchStreamBuilder::new(reader)
            .await
            .map_err(|e| Error::parquet(format!("opening {url}"), e))?
            .build()
            .map_err(|e| Error::parquet(format!("reading {url}"), e))?;
        stream.try_collect().await.map_err(|e| Error::parquet(format!("reading {url}"), e))
    }

    /// Makes `keep` the whole content of a partition folder: every other file
    /// in it is deleted. Called after the new files are complete, so a reader
    /// never sees a partition with fewer rows than before, and a re-run of a
    /// date replaces its rows instead of adding to them.
    pub async fn replace_partition(&self, partition_rel: &str, keep: &[Path]) -> Result<usize> {
        let mut deleted = 0;
        for object in self.root.list(partition_rel).await? {
            if !keep.contains(&object.location) {
                self.root.delete(&object.location).await?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// Does the folder hold at least one object?
    pub async fn exists(&self, rel: &str) -> Result<bool> {
        Ok(!self.root.list(rel).await?.is_empty())
    }
}

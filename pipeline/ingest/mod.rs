//! The `ingest` task: lists the log objects under a source prefix, streams
//! each one (decompressed, split into bounded lines), parses the OpenAI-chat
//! and OpenTelemetry GenAI formats, and writes raw staging batches for
//! anonymize. Bad lines and corrupt objects become quarantine rows (object,
//! line, reason; never the text). Objects already ingested for another date
//! (same key, size and etag or mtime) are not read again.
//!
//! Reads: log objects, `ingested_objects`. Writes: `_staging/<run>/<task>/`
//! (`calls/`, `quarantine/`, `objects/`), deleted when anonymize commits.

pub mod batch;
pub mod formats;
pub mod lines;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow::array::{Array, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectMeta, ObjectStoreExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tracing::{info, warn};

use self::batch::{CallBatchBuilder, ObjectRow, QuarantineRow};
use self::formats::{parse_line, QuarantineReason};
use self::lines::{Line, LineReader};
use crate::error::{is_store_error, StoreReadError};
use crate::error::{Error, Result};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::history::days_of;
use crate::warehouse::{tables, Encoding, Location, Table, Warehouse};

/// The `with` block of an ingest task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// Prefix of the log objects: a local folder, `file://` or `s3://` URL.
    /// `{{ ds }}` is the logical date. Objects named `*.jsonl`, `*.ndjson`,
    /// optionally `.gz` or `.zst`, are read; others are ignored.
    pub source: String,
    /// Input format: `auto` (default; each line is recognized), `openai_jsonl`
    /// or `otel_json`. A line of the other format is quarantined.
    #[serde(default)]
    pub format: InputFormat,
    /// Longest line accepted, in bytes; longer lines are quarantined. Default 1 MiB.
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
    /// Most bytes one object may decompress to; past it the object is
    /// quarantined (`corrupt_object`, a compression bomb), what was read
    /// before stays. Default 16 GiB.
    #[serde(default = "default_max_object_bytes")]
    pub max_object_bytes: u64,
    /// Rows per staged batch. Default 4096.
    #[serde(default = "default_batch_rows")]
    pub batch_rows: usize,
    /// Objects read at the same time. Default: the number of CPU cores.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Skip objects already ingested for another date. Default true.
    #[serde(default = "default_true")]
    pub incremental: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    #[default]
    Auto,
    OpenaiJsonl,
    OtelJson,
}

fn default_max_line_bytes() -> usize {
    1 << 20
}
fn default_max_object_bytes() -> u64 {
    16 << 30
}
fn default_batch_rows() -> usize {
    4096
}
fn default_true() -> bool {
    true
}

pub struct IngestTask {
    config: IngestConfig,
}

impl IngestTask {
    pub fn new(config: IngestConfig) -> Result<Self> {
        if config.max_line_bytes < 64 {
            return Err(Error::usage("ingest: max_line_bytes must be at least 64"));
        }
        if config.batch_rows == 0 {
            return Err(Error::usage("ingest: batch_rows must be positive"));
        }
        Ok(Self { config })
    }
}

pub use crate::warehouse::tables::{STAGED_CALLS, STAGED_OBJECTS, STAGED_QUARANTINE};

/// What reading one object produced.
#[derive(Default)]
struct ObjectOutcome {
    lines: u64,
    calls: u64,
    skipped_spans: u64,
    bytes: u64,
    quarantine: Vec<QuarantineRow>,
}


#[async_trait]
impl Task for IngestTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let source = ctx.warehouse.open_location(&self.config.source)?;
        let staging = Warehouse::staging_dir(&ctx.run_id, &ctx.task_id);
        // A previous attempt of this task may have left part of its staging.
        ctx.warehouse.root().delete_prefix(&staging).await?;

        let mut objects = source.list("").await?;
        if objects.is_empty() {
            // The source may name a single object rather than a prefix.
            if let Ok(meta) = source.store().head(source.prefix()).await {
                objects.push(meta);
            }
        }
        let mut ignored = 0u64;
        objects.retain(|o| {
            let keep = lines::compression_of(o.location.as_ref()).is_some();
            ignored += u64::from(!keep);
            keep
        });

        let date_days = days_of(ctx.logical_date);
        let seen = if self.config.incremental { already_ingested(&ctx.warehouse, date_days).await? } else { HashSet::new() };
        let mut skipped_objects = 0u64;
        let mut todo = Vec::new();
        for meta in objects {
            let url = source.url_of(&meta.location, false);
            let row_key = manifest_key(&crate::hashing::sha256_hex(&url), &meta);
            if seen.contains(&row_key) {
                skipped_objects += 1;
            } else {
                todo.push((url, meta));
            }
        }
        let total_bytes: u64 = todo.iter().map(|(_, m)| m.size).sum();
        info!(task = %ctx.task_id, objects = todo.len(), skipped_objects, ignored, bytes = total_bytes, "Ingesting.");

        let progress = crate::progress::bytes_bar(ctx.progress, total_bytes, "ingest");
        let read_bytes = Arc::new(AtomicU64::new(0));
        let concurrency = self
            .config
            .concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);

        let results: Vec<(usize, String, ObjectMeta, ObjectOutcome)> =
            futures::stream::iter(todo.into_iter().enumerate())
                .map(|(index, (url, meta))| {
                    let ctx = ctx.clone();
                    let source = source.clone();
                    let config = self.config.clone();
                    let staging = staging.clone();
                    let read_bytes = read_bytes.clone();
                    let progress = progress.clone();
                    async move {
                        let outcome = ingest_object(
                            &ctx, &source, &config, &meta, &url, &staging, index, date_days, &read_bytes, &progress,
                        )
                        .await?;
                        Ok::<_, Error>((index, url, meta, outcome))
                    }
                })
                .buffer_unordered(concurrency)
                .try_collect()
                .await?;
        progress.finish_and_clear();

        // Stage the quarantine rows and the manifest of the objects read.
        let mut quarantine = Vec::new();
        let mut manifest = Vec::new();
        let (mut lines, mut calls, mut skipped_spans, mut bytes) = (0u64, 0u64, 0u64, 0u64);
        let mut by_reason: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut sorted = results;
        sorted.sort_by_key(|r| r.0);
        for (_, url, meta, outcome) in sorted {
            lines += outcome.lines;
            calls += outcome.calls;
            skipped_spans += outcome.skipped_spans;
            bytes += outcome.bytes;
            for q in &outcome.quarantine {
                *by_reason.entry(q.reason).or_default() += 1;
            }
            manifest.push(ObjectRow {
                key_sha256: crate::hashing::sha256_hex(&url),
                url,
                size: meta.size,
                etag: meta.e_tag.clone(),
                last_modified_micros: meta.last_modified.timestamp_micros(),
                lines: outcome.lines,
                calls: outcome.calls,
                quarantined: outcome.quarantine.len() as u64,
            });
            quarantine.extend(outcome.quarantine);
        }
        let wh = &ctx.warehouse;
        let qbatch = batch::quarantine_batch(date_days, &ctx.run_id, &ctx.task_id, &quarantine)?;
        wh.write_parquet(&format!("{staging}/{STAGED_QUARANTINE}/part-0.parquet"), tables::quarantine_schema(), &[qbatch])
            .await?;
        let mbatch = batch::objects_batch(date_days, &ctx.run_id, &ctx.task_id, &manifest)?;
        wh.write_parquet(&format!("{staging}/{STAGED_OBJECTS}/part-0.parquet"), tables::ingested_objects_schema(), &[mbatch])
            .await?;

        let quarantined: u64 = by_reason.values().sum();
        if quarantined > 0 {
            warn!(task = %ctx.task_id, quarantined, reasons = ?by_reason, "Quarantined bad input.");
        }
        info!(task = %ctx.task_id, objects = manifest.len(), lines, calls, quarantined, "Ingest staged.");
        Ok(TaskOutput {
            rows_in: lines,
            rows_out: calls,
            details: json!({
                "objects_read": manifest.len(),
                "objects_skipped_already_ingested": skipped_objects,
                "objects_ignored_by_name": ignored,
                "bytes_uncompressed": bytes,
                "lines": lines,
                "calls": calls,
                "non_genai_spans_skipped": skipped_spans,
                "quarantined": quarantined,
                "quarantined_by_reason": by_reason,
            }),
        })
    }
}

/// How an object is recognized in the manifest: its key, size, and etag (or
/// modification time when the store gives no etag).
fn manifest_key(key_sha256: &str, meta: &ObjectMeta) -> String {
    let version = meta.e_tag.clone().unwrap_or_else(|| meta.last_modified.timestamp_micros().to_string());
    format!("{key_sha256}|{}|{version}", meta.size)
}

/// The objects ingested for dates other than `date_days`. Objects of the
/// same date are read again: re-running a date replaces its partition.
async fn already_ingested(wh: &Warehouse, date_days: i32) -> Result<HashSet<String>> {
    let mut seen = HashSet::new();
    for batch in wh.read_parquet_dir(Table::IngestedObjects.dir()).await? {
        let col = |name: &str| batch.column_by_name(name).cloned();
        let (Some(date), Some(sha), Some(size), Some(etag), Some(mtime)) =
            (col("date"), col("object_key_sha256"), col("size"), col("etag"), col("last_modified"))
        else {
            return Err(Error::Contract { table: "ingested_objects".into(), message: "missing columns".into() });
        };
        let date = date.as_any().downcast_ref::<arrow::array::Date32Array>();
        let sha = sha.as_any().downcast_ref::<StringArray>();
        let size = size.as_any().downcast_ref::<Int64Array>();
        let etag = etag.as_any().downcast_ref::<StringArray>();
        let mtime = mtime.as_any().downcast_ref::<TimestampMicrosecondArray>();
        let (Some(date), Some(sha), Some(size), Some(etag), Some(mtime)) = (date, sha, size, etag, mtime) else {
            return Err(Error::Contract { table: "ingested_objects".into(), message: "unexpected column types".into() });
        };
        for i in 0..batch.num_rows() {
            if date.value(i) == date_days {
                continue;
            }
            let version = if etag.is_null(i) { mtime.value(i).to_string() } else { etag.value(i).to_string() };
            seen.insert(format!("{}|{}|{version}", sha.value(i), size.value(i)));
        }
    }
    Ok(seen)
}

/// Streams one object into one staging file. The parsing runs on a blocking
/// thread (it is CPU work); batches go to the async Parquet writer through a
/// small channel, which bounds the memory in flight.
#[allow(clippy::too_many_arguments)]
async fn ingest_object(
    ctx: &TaskContext,
    source: &Location,
    config: &IngestConfig,
    meta: &ObjectMeta,
    url: &str,
    staging: &str,
    index: usize,
    date_days: i32,
    read_bytes: &Arc<AtomicU64>,
    progress: &indicatif::ProgressBar,
) -> Result<ObjectOutcome> {
    let compression = lines::compression_of(meta.location.as_ref()).expect("filtered by extension");
    let raw: Box<dyn std::io::Read + Send> = match source.local_file(&meta.location) {
        // A local file is read directly, in large blocks, on the parser's thread.
        Some(path) => {
            let file = std::fs::File::open(&path).map_err(|e| Error::io(format!("reading {url}"), e))?;
            Box::new(ProgressReader { inner: file, counter: read_bytes.clone(), bar: progress.clone() })
        }
        None => {
            let get = source
                .store()
                .get(&meta.location)
                .await
                .map_err(|e| Error::object_store(format!("reading {url}"), e))?;
            let counter = read_bytes.clone();
            let bar = progress.clone();
            // A body that ends early without an error would read as a
            // shorter, valid object: its length is checked at the end.
            let (expected, seen) = (meta.size, Arc::new(AtomicU64::new(0)));
            let seen_at_end = seen.clone();
            let byte_stream = get
                .into_stream()
                .map(move |chunk| {
                    chunk
                        .inspect(|b| {
                            seen.fetch_add(b.len() as u64, Ordering::Relaxed);
                            counter.fetch_add(b.len() as u64, Ordering::Relaxed);
                            bar.inc(b.len() as u64);
                        })
                        .map_err(|e| std::io::Error::other(StoreReadError(e.to_string())))
                })
                .chain(futures::stream::once(futures::future::lazy(move |_| {
                    match seen_at_end.load(Ordering::Relaxed) {
                        got if got == expected => Ok(bytes::Bytes::new()),
                        got => Err(std::io::Error::other(StoreReadError(format!("short read: {got} of {expected} bytes")))),
                    }
                })));
            Box::new(tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(byte_stream)))
        }
    };

    let (tx, mut rx) = mpsc::channel::<RecordBatch>(2);
    let config = config.clone();
    let url_owned = url.to_string();
    let parser = tokio::task::spawn_blocking(move || -> Result<ObjectOutcome> {
        parse_object(raw, compression, &config, &url_owned, date_days, &tx)
    });

    let rel = format!("{staging}/{STAGED_CALLS}/object-{index:06}.parquet");
    let (_, mut writer) = ctx.warehouse.parquet_writer(&rel, tables::calls_schema(), Encoding::Staging)?;
    let mut write_error = None;
    while let Some(batch) = rx.recv().await {
        if let Err(e) = writer.write(&batch).await {
            write_error = Some(Error::parquet(format!("writing staging for {url}"), e));
            break;
        }
    }
    drop(rx);
    let outcome = parser.await.map_err(|e| Error::Transient(format!("ingest worker for {url} stopped: {e}")))?;
    if let Some(e) = write_error {
        return Err(e);
    }
    writer.close().await.map_err(|e| Error::parquet(format!("closing staging for {url}"), e))?;
    outcome
}

/// An object that decompresses past `max_object_bytes`.
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("object larger than max_object_bytes")
    }
}

impl std::error::Error for TooLarge {}

/// The decompressed bytes of one object, cut off at a limit: a small
/// object that expands without end (a compression bomb) costs bounded time,
/// as the line limit bounds its memory.
struct Capped<R> {
    inner: R,
    read: u64,
    cap: u64,
}

impl<R: std::io::BufRead> std::io::Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = std::io::BufRead::fill_buf(self)?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for Capped<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let left = self.cap.saturating_sub(self.read);
        let buf = self.inner.fill_buf()?;
        if !buf.is_empty() && left == 0 {
            return Err(std::io::Error::other(TooLarge));
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        Ok(&buf[..n])
    }

    fn consume(&mut self, n: usize) {
        self.read += n as u64;
        self.inner.consume(n);
    }
}

/// Counts the bytes read from a local file for the progress bar.
struct ProgressReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
    bar: indicatif::ProgressBar,
}

impl<R: std::io::Read> std::io::Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        self.bar.inc(n as u64);
        Ok(n)
    }
}

fn parse_object(
    raw: impl std::io::Read,
    compression: lines::Compression,
    config: &IngestConfig,
    url: &str,
    date_days: i32,
    tx: &mpsc::Sender<RecordBatch>,
) -> Result<ObjectOutcome> {
    let mut out = ObjectOutcome::default();
    let quarantine = |out: &mut ObjectOutcome, line: Option<u64>, reason: QuarantineReason, detail: String, bytes: Option<u64>| {
        out.quarantine.push(QuarantineRow { source_object: url.to_string(), line, reason: reason.as_str(), detail, bytes });
    };
    let reader = match lines::decoder(raw, compression) {
        Ok(r) => r,
        Err(e) if is_store_error(&e) => return Err(Error::io(format!("reading {url}"), e)),
        Err(e) => {
            quarantine(&mut out, None, QuarantineReason::CorruptObject, format!("cannot decode the object: {}", e.kind()), None);
            return Ok(out);
        }
    };
    let mut reader = LineReader::new(Capped { inner: reader, read: 0, cap: config.max_object_bytes }, config.max_line_bytes);
    let mut builder = CallBatchBuilder::new(date_days);
    let mut buf = Vec::with_capacity(64 * 1024);
    let send = |builder: &mut CallBatchBuilder| -> Result<()> {
        let batch = builder.finish()?;
        tx.blocking_send(batch).map_err(|_| Error::Transient(format!("staging writer for {url} stopped")))
    };
    loop {
        let line_no = out.lines + 1;
        match reader.next_line(&mut buf) {
            Ok(Line::End) => break,
            Ok(Line::TooLong { bytes }) => {
                out.lines += 1;
                quarantine(
                    &mut out,
                    Some(line_no),
                    QuarantineReason::LineTooLong,
                    format!("line of {bytes} bytes is over the limit of {} bytes", config.max_line_bytes),
                    Some(bytes),
                );
            }
            Ok(Line::Complete) => {
                out.lines += 1;
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let text = match std::str::from_utf8(&buf) {
                    Ok(t) => t,
                    Err(e) => {
                        let detail = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
                        quarantine(&mut out, Some(line_no), QuarantineReason::InvalidUtf8, detail, Some(buf.len() as u64));
                        continue;
                    }
                };
                match parse_line(text) {
                    Ok(parsed) => {
                        out.skipped_spans += parsed.skipped_spans;
                        for (i, record) in parsed.records.iter().enumerate() {
                            if !format_allowed(config.format, record.format) {
                                quarantine(
                                    &mut out,
                                    Some(line_no),
                                    QuarantineReason::UnknownFormat,
                                    format!("a {} line in a source configured as {:?}", record.format.as_str(), config.format),
                                    Some(buf.len() as u64),
                                );
                                break;
                            }
                            let id = batch::call_id(record, url, line_no, i);
                            builder.push(record, &id, url, line_no);
                            out.calls += 1;
                        }
                        if builder.len() >= config.batch_rows {
                            send(&mut builder)?;
                        }
                    }
                    Err(e) => quarantine(&mut out, Some(line_no), e.reason, e.detail, Some(buf.len() as u64)),
                }
            }
            Err(e) if is_store_error(&e) => return Err(Error::io(format!("reading {url}"), e)),
            Err(e) if e.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) => {
                quarantine(
                    &mut out,
                    Some(line_no),
                    QuarantineReason::CorruptObject,
                    format!("decompressed past {} bytes (max_object_bytes) at line {line_no}: a compression bomb?", config.max_object_bytes),
                    None,
                );
                break;
            }
            Err(e) => {
                // The object is corrupt from here on; what was read stays.
                quarantine(
                    &mut out,
                    Some(line_no),
                    QuarantineReason::CorruptObject,
                    format!("the object cannot be decoded past line {}: {}", line_no - 1, e.kind()),
                    None,
                );
                break;
            }
        }
    }
    out.bytes = reader.bytes_read;
    if !builder.is_empty() {
        send(&mut builder)?;
    }
    Ok(out)
}

fn format_allowed(configured: InputFormat, found: formats::SourceFormat) -> bool {
    match configured {
        InputFormat::Auto => true,
        InputFormat::OpenaiJsonl => found == formats::SourceFormat::OpenAiChat,
        InputFormat::OtelJson => found == formats::SourceFormat::OtelGenAi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn context(warehouse: &std::path::Path) -> TaskContext {
        TaskContext {
            run_id: "r1".into(),
            dag: "d".into(),
            task_id: "ingest".into(),
            logical_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            warehouse: Warehouse::open(warehouse.to_str().unwrap()).unwrap(),
            upstream: vec![],
            base_dirs: vec![],
            progress: false,
            clock: std::sync::Arc::new(crate::clock::SystemClock),
        }
    }

    /// A local file is read directly; any other store through the
    /// `ObjectStore` stream. Both paths must stage the same rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn direct_and_streamed_reads_stage_the_same_calls() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..3000 {
            // Long enough lines that the object spans many 8 KiB store chunks.
            let user = format!("question {i} {}", "x".repeat(i % 700));
            let line = json!({"model": "m", "messages": [{"role": "user", "content": user}],
                              "response": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}});
            writeln!(gz, "{line}").unwrap();
        }
        writeln!(gz, "{{not json").unwrap();
        std::fs::write(logs.join("a.jsonl.gz"), gz.finish().unwrap()).unwrap();

        let direct = Location::parse(logs.to_str().unwrap()).unwrap();
        let streamed = direct.with_store(direct.store().clone());
        let meta = direct.list("").await.unwrap().remove(0);
        assert!(direct.local_file(&meta.location).is_some());
        assert!(streamed.local_file(&meta.location).is_none());

        let config: IngestConfig = serde_json::from_value(json!({"source": logs.to_str().unwrap()})).unwrap();
        let mut staged = Vec::new();
        for (n, source) in [direct, streamed].iter().enumerate() {
            let ctx = context(&dir.path().join(format!("wh{n}")));
            let staging = Warehouse::staging_dir(&ctx.run_id, &ctx.task_id);
            let bar = indicatif::ProgressBar::hidden();
            let read = Arc::new(AtomicU64::new(0));
            let url = source.url_of(&meta.location, false);
            let outcome =
                ingest_object(&ctx, source, &config, &meta, &url, &staging, 0, 0, &read, &bar).await.unwrap();
            assert_eq!((outcome.lines, outcome.calls, outcome.quarantine.len()), (3001, 3000, 1));
            assert_eq!(read.load(Ordering::Relaxed), meta.size);
            let batches = ctx.warehouse.read_parquet_dir(&format!("{staging}/{STAGED_CALLS}")).await.unwrap();
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            assert_eq!(rows, 3000);
            staged.push(batches);
        }
        let concat = |b: &[RecordBatch]| arrow::compute::concat_batches(&b[0].schema(), b).unwrap();
        assert_eq!(concat(&staged[0]), concat(&staged[1]));
    }
}

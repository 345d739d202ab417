//! The run cache: a task whose inputs and configuration are unchanged since
//! its last success is skipped, and says so; `--force` runs it anyway.
//!
//! A task's *fingerprint* digests its kind, its rendered `with` block, the
//! logical date, the content of every file its `with` block names (SQL,
//! labels), and a listing (key, size, etag) of everything it reads: the
//! warehouse tables of its kind (`io_of`), the log objects of an ingest
//! source, and, for anonymize, the fingerprint of the ingest it consumes.
//! After a success the runner stores the fingerprint with a digest of the
//! task's outputs under `_cache/<dag>/<task>/<date>.json`. A later run skips
//! the task when both still match: same inputs, and outputs nobody has
//! replaced or deleted since.
//!
//! Raw staging lives for one run only, so an ingest is skipped only when the
//! tasks that consume its staging are skipped too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::tasks::TaskKind;
use crate::warehouse::vectors::VectorTable;
use crate::warehouse::{Location, Table, Warehouse};

/// Which tasks run even when their cache says they need not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Force {
    #[default]
    Nothing,
    /// `--force`: every task.
    All,
    /// `--force <task>,...`
    Tasks(Vec<String>),
}

impl Force {
    /// From the CLI: `--force` alone (an empty list) forces every task.
    pub fn from_cli(tasks: Option<Vec<String>>) -> Self {
        match tasks {
            None => Force::Nothing,
            Some(t) if t.is_empty() => Force::All,
            Some(t) => Force::Tasks(t),
        }
    }

    pub fn covers(&self, task_id: &str) -> bool {
        match self {
            Force::Nothing => false,
            Force::All => true,
            Force::Tasks(t) => t.iter().any(|id| id == task_id),
        }
    }
}

/// A set of objects whose listing is part of a digest.
#[derive(Debug, Clone)]
pub struct Listing {
    pub location: Location,
    /// Folder below the location.
    pub rel: String,
    /// A subfolder left out (a partition the task itself writes).
    pub except: Option<String>,
}

/// What a task kind reads and writes, for the cache.
#[derive(Debug, Clone, Default)]
pub struct TaskIo {
    pub reads: Vec<Listing>,
    /// Upstream tasks whose *fingerprint* stands for what this task reads
    /// from them (raw staging, which lives for one run only).
    pub reads_upstream: Vec<String>,
    pub writes: Vec<Listing>,
}

/// The record of a task's last success for one date.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CacheRecord {
    pub fingerprint: String,
    /// Digest of the task's outputs right after it succeeded.
    pub outputs: String,
    pub run_id: String,
    pub finished_at: DateTime<Utc>,
    pub rows_in: u64,
    pub rows_out: u64,
}

fn table(warehouse: &Warehouse, dir: &str) -> Listing {
    Listing { location: warehouse.root().clone(), rel: dir.to_string(), except: None }
}

/// Words of a SQL query, for the tables it names.
fn names_word(query: &str, name: &str) -> bool {
    query
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(name))
}

/// The reads and writes of a task of `kind` with the rendered `with` block.
/// Conservative: a whole table is read where the task may read any of it.
pub fn io_of(
    kind: TaskKind,
    with: &Value,
    date: NaiveDate,
    needs: &[(String, TaskKind)],
    warehouse: &Warehouse,
) -> Result<TaskIo> {
    let partition = format!("date={}", date.format("%Y-%m-%d"));
    let parquet = |t: Table| table(warehouse, t.dir());
    let lance = |t: VectorTable| table(warehouse, t.name());
    let this_date = |t: Table| table(warehouse, &Warehouse::partition_dir(t, date));
    let mut io = TaskIo::default();
    match kind {
        TaskKind::Ingest => {
            let source = with["source"].as_str().unwrap_or_default();
            io.reads.push(Listing { location: warehouse.open_location(source)?, rel: String::new(), except: None });
            // Incremental ingest skips objects ingested for *other* dates;
            // this date's rows are written by the anonymize that follows.
            io.reads.push(Listing { except: Some(partition), ..parquet(Table::IngestedObjects) });
        }
        TaskKind::Anonymize => {
            io.reads_upstream =
                needs.iter().filter(|(_, k)| k.writes_raw_staging()).map(|(id, _)| id.clone()).collect();
            for t in [Table::Calls, Table::Quarantine, Table::IngestedObjects, Table::PiiFindings] {
                io.writes.push(this_date(t));
            }
        }
        TaskKind::Sql => {
            let name = with["table"].as_str().unwrap_or_default();
            let query = with["query"].as_str().unwrap_or_default();
            let mut reads: Vec<Listing> = Table::ALL
                .iter()
                .filter(|t| names_word(query, t.name()))
                .map(|t| parquet(*t))
                .chain(VectorTable::ALL.iter().filter(|t| names_word(query, t.name())).map(|t| lance(*t)))
                .collect();
            // A query from a file, or one that names no table (only views):
            // everything it could read.
            if query.is_empty() || reads.is_empty() {
                reads = Table::ALL
                    .iter()
                    .filter(|t| !matches!(t, Table::Runs | Table::TaskRuns))
                    .map(|t| parquet(*t))
                    .chain(VectorTable::ALL.iter().map(|t| lance(*t)))
                    .collect();
            }
            // The tables of other sql tasks, which a query may name.
            reads.push(Listing { except: Some(name.to_string()), ..table(warehouse, "derived") });
            io.reads = reads;
            io.writes.push(table(warehouse, &format!("derived/{name}/{partition}")));
        }
        TaskKind::Embed => {
            io.reads.push(parquet(Table::Calls));
            io.writes.push(lance(VectorTable::CallEmbeddings));
            io.writes.push(table(warehouse, crate::warehouse::embedding_settings::EMBEDDING_SETTINGS));
        }
        TaskKind::Cluster => {
            io.reads.push(parquet(Table::Calls));
            io.reads.push(lance(VectorTable::CallEmbeddings));
            io.writes.push(lance(VectorTable::Clusters));
            io.writes.push(lance(VectorTable::ClusterAssignments));
        }
        TaskKind::Distill => {
            io.reads.push(parquet(Table::Calls));
            io.reads.push(lance(VectorTable::CallEmbeddings));
            io.reads.push(lance(VectorTable::Clusters));
            io.reads.push(lance(VectorTable::ClusterAssignments));
            io.writes.push(parquet(Table::Datasets));
        }
        TaskKind::Finetune => {
            io.reads.push(parquet(Table::Datasets));
            io.writes.push(parquet(Table::Adapters));
        }
        TaskKind::Evaluate => {
            io.reads.push(parquet(Table::Datasets));
            io.reads.push(parquet(Table::Adapters));
            io.writes.push(parquet(Table::Evaluations));
            io.writes.push(parquet(Table::EvaluationExamples));
            io.writes.push(parquet(Table::Candidates));
        }
        TaskKind::Publish => {
            io.reads.push(parquet(Table::Calls));
            io.reads.push(parquet(Table::Adapters));
            io.reads.push(parquet(Table::Evaluations));
            io.reads.push(parquet(Table::EvaluationExamples));
            io.reads.push(parquet(Table::Candidates));
            io.reads.push(lance(VectorTable::Clusters));
            io.reads.push(lance(VectorTable::ClusterAssignments));
            io.reads.push(table(warehouse, crate::warehouse::embedding_settings::EMBEDDING_SETTINGS));
            let registry = match with["registry"].as_str() {
                Some(url) => warehouse.open_location(url)?,
                None => warehouse.root().child("registry")?,
            };
            io.writes.push(Listing { location: registry, rel: String::new(), except: None });
        }
    }
    Ok(io)
}

/// Digest of the objects of some listings: key, size and etag (or the
/// modification time where a store gives no etag).
pub async fn digest_listings(listings: &[Listing]) -> Result<String> {
    let mut h = Sha256::new();
    for l in listings {
        h.update(l.location.display_url().as_bytes());
        h.update(b"\0");
        h.update(l.rel.as_bytes());
        h.update(b"\n");
        let base = l.location.key(&l.rel)?;
        let except = match &l.except {
            Some(e) => Some(l.location.key(&format!("{}/{e}", l.rel))?),
            None => None,
        };
        let mut objects = l.location.list(&l.rel).await?;
        // A single object named by the listing (an ingest source that is one file).
        if objects.is_empty() {
            if let Ok(meta) = l.location.store().head(&base).await {
                objects.push(meta);
            }
        }
        for o in objects {
            if except.as_ref().is_some_and(|e| o.location.prefix_match(e).is_some()) {
                continue;
            }
            let stamp = o.e_tag.clone().unwrap_or_else(|| o.last_modified.timestamp_micros().to_string());
            h.update(format!("{}\t{}\t{stamp}\n", l.location.relative(&o.location), o.size).as_bytes());
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// The strings of a `with` block that name files (SQL, labels...), resolved.
pub fn named_files(with: &Value, resolve: &dyn Fn(&str) -> Option<PathBuf>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![with];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if s.len() < 4096 && !s.contains('\n') => {
                if let Some(p) = resolve(s) {
                    out.push(p);
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Everything a task's result depends on, digested.
pub struct FingerprintInputs<'a> {
    pub kind: TaskKind,
    pub with: &'a Value,
    pub date: NaiveDate,
    pub files: Vec<PathBuf>,
    pub io: &'a TaskIo,
    /// Fingerprints of the upstream tasks named in `io.reads_upstream`.
    pub upstream: &'a BTreeMap<String, String>,
}

/// The fingerprint, or `None` when an upstream fingerprint is unknown (the
/// task then runs and is not cached).
pub async fn fingerprint(inputs: FingerprintInputs<'_>) -> Result<Option<String>> {
    let mut h = Sha256::new();
    h.update(format!("slm-pipeline cache v1\n{}\n{}\n", inputs.kind.name(), inputs.date).as_bytes());
    h.update(inputs.with.to_string().as_bytes());
    h.update(b"\n");
    for path in &inputs.files {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
        h.update(format!("file {} {}\n", path.display(), hex::encode(Sha256::digest(&bytes))).as_bytes());
    }
    for id in &inputs.io.reads_upstream {
        match inputs.upstream.get(id) {
            Some(fp) => h.update(format!("upstream {id} {fp}\n").as_bytes()),
            None => return Ok(None),
        }
    }
    h.update(digest_listings(&inputs.io.reads).await?.as_bytes());
    Ok(Some(hex::encode(h.finalize())))
}

fn record_key(dag: &str, task_id: &str, date: NaiveDate) -> String {
    format!("_cache/{dag}/{task_id}/{}.json", date.format("%Y-%m-%d"))
}

pub async fn load(warehouse: &Warehouse, dag: &str, task_id: &str, date: NaiveDate) -> Result<Option<CacheRecord>> {
    let key = warehouse.root().key(&record_key(dag, task_id, date))?;
    if !warehouse.root().object_exists(&key).await? {
        return Ok(None);
    }
    let bytes = warehouse.root().get(&key).await?;
    // A record that cannot be read is no record: the task runs.
    Ok(serde_json::from_slice(&bytes).ok())
}

pub async fn store(warehouse: &Warehouse, dag: &str, task_id: &str, date: NaiveDate, record: &CacheRecord) -> Result<()> {
    let key = warehouse.root().key(&record_key(dag, task_id, date))?;
    let bytes = serde_json::to_vec_pretty(record).map_err(|e| Error::usage(format!("cache record: {e}")))?;
    warehouse.root().put(&key, bytes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_from_the_cli() {
        assert_eq!(Force::from_cli(None), Force::Nothing);
        assert!(Force::from_cli(Some(vec![])).covers("embed"));
        let some = Force::from_cli(Some(vec!["embed".into()]));
        assert!(some.covers("embed") && !some.covers("cluster"));
    }

    #[test]
    fn sql_reads_the_tables_its_query_names() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Warehouse::open(dir.path().to_str().unwrap()).unwrap();
        let with = serde_json::json!({"table": "usage", "query": "SELECT date, COUNT(*) FROM calls GROUP BY date"});
        let io = io_of(TaskKind::Sql, &with, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), &[], &wh).unwrap();
        let reads: Vec<&str> = io.reads.iter().map(|l| l.rel.as_str()).collect();
        assert!(reads.contains(&"calls"), "{reads:?}");
        assert!(!reads.contains(&"datasets"), "{reads:?}");
        assert_eq!(io.writes[0].rel, "derived/usage/date=2026-11-20");
    }

    #[tokio::test]
    async fn a_listing_digest_changes_with_its_objects_but_not_the_excepted_ones() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Warehouse::open(dir.path().to_str().unwrap()).unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("t/date=1/a.parquet", "one");
        let listing = [Listing { location: wh.root().clone(), rel: "t".into(), except: Some("date=2".into()) }];
        let before = digest_listings(&listing).await.unwrap();
        assert_eq!(before, digest_listings(&listing).await.unwrap());
        write("t/date=2/b.parquet", "excepted");
        assert_eq!(before, digest_listings(&listing).await.unwrap());
        write("t/date=1/a.parquet", "changed size");
        assert_ne!(before, digest_listings(&listing).await.unwrap());
    }
}

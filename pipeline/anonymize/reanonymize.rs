//! `slm-pipeline reanonymize`: the current PII detectors over `calls`
//! partitions already stored, for warehouses written by older detectors.
//!
//! Each date's partition is read, run through the anonymize SQL of the DAG
//! (with its key, detectors and JSON key rules: pseudonyms already there are
//! left as they are, what the older detectors missed is replaced), written
//! as new files, and then the old files are deleted. A `pii_findings` file
//! with the counts of what was newly found and the current detector version
//! goes beside the date's earlier ones: the partition's version is the
//! newest recorded, so datasets and adapters built before are stale from
//! then on (see `warehouse::pii_versions`).
//!
//! Nothing is lost or half-written: a manifest (`_reanonymize.json`) in the
//! partition lists the old files before anything is written and is marked
//! committed once the new files are complete. A run killed before the mark
//! leaves the old files (its partial new files are removed by the next run);
//! killed after it, the next run finishes deleting the old files.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use object_store::path::Path;
use serde::{Deserialize, Serialize};
use slm_pii::{EntityCounts, Redactor};

use super::{findings_batch, load_key, read_sql, udf, write_query, AnonymizeConfig};
use crate::warehouse::session::{register_parquet_dirs, session};
use crate::error::{Error, Result};
use crate::task::TaskContext;
use crate::warehouse::{tables, Table, Warehouse};

const MANIFEST: &str = "_reanonymize.json";

#[derive(Serialize, Deserialize)]
struct Manifest {
    /// The partition's files before this run.
    old: Vec<String>,
    /// Set once every new file is written: the old ones may go.
    committed: bool,
}

/// What happened to one date.
#[derive(Debug, Clone, Serialize)]
pub struct DateReport {
    pub date: NaiveDate,
    /// `None`: the date has no `calls` partition.
    pub calls: Option<u64>,
    /// Entities the current detectors found that the partition still held, by tag.
    pub newly_found: BTreeMap<String, u64>,
    pub detector_version: String,
}

/// Re-anonymizes the `calls` partitions of `from..=to` with the anonymize
/// task `ctx.task_id`'s configuration. `ctx.logical_date` is ignored.
pub async fn reanonymize(
    ctx: &TaskContext,
    config: &AnonymizeConfig,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DateReport>> {
    if from > to {
        return Err(Error::usage(format!("--from {from} is after --to {to}")));
    }
    let options = config.options(&ctx.task_id)?;
    let redactor = Arc::new(Redactor::with_options(load_key(config, &ctx.task_id)?, options));
    let (calls_sql, calls_file) = read_sql(ctx, &config.sql)?;
    let mut reports = Vec::new();
    let mut date = from;
    while date <= to {
        let report = one_date(ctx, config, &redactor, &calls_sql, &calls_file, date).await?;
        reports.push(report);
        date += chrono::Duration::days(1);
    }
    Ok(reports)
}

async fn one_date(
    ctx: &TaskContext,
    config: &AnonymizeConfig,
    redactor: &Arc<Redactor>,
    calls_sql: &str,
    calls_file: &str,
    date: NaiveDate,
) -> Result<DateReport> {
    let wh = &ctx.warehouse;
    let version = config.detector_version();
    let dir = Warehouse::partition_dir(Table::Calls, date);
    recover(wh, &dir).await?;
    let old: Vec<Path> =
        wh.root().list(&dir).await?.into_iter().map(|o| o.location).filter(|p| p.as_ref().ends_with(".parquet")).collect();
    if old.is_empty() {
        return Ok(DateReport { date, calls: None, newly_found: BTreeMap::new(), detector_version: version });
    }
    let manifest_key = wh.root().key(&format!("{dir}/{MANIFEST}"))?;
    let write_manifest = |committed: bool| {
        let m = Manifest { old: old.iter().map(|p| p.to_string()).collect(), committed };
        serde_json::to_vec(&m).expect("a manifest serialises")
    };
    wh.root().put(&manifest_key, write_manifest(false).into()).await?;

    let tally: udf::Tally = Arc::new(Mutex::new(BTreeMap::new()));
    let sql = session(wh);
    for f in udf::redaction_udfs(redactor.clone(), tally.clone()) {
        sql.register_udf(f);
    }
    // The stored partition plays the staged calls: same columns, same SQL.
    register_parquet_dirs(&sql, wh, "staged_calls", &[dir.clone()], tables::calls_schema()).await?;
    let tag = format!("{}-{}", ctx.run_id, ctx.task_id);
    let progress = crate::progress::rows_bar(ctx.progress, &format!("reanonymize {date}"));
    let (new_files, _, rows) = write_query(wh, &sql, calls_file, calls_sql, Table::Calls, &dir, &tag, &progress).await?;
    progress.finish_and_clear();

    // Commit: the manifest says the new files are complete, then the old go
    // (and the manifest with them).
    wh.root().put(&manifest_key, write_manifest(true).into()).await?;
    crate::crash::kill_point("reanonymize:committed");
    wh.replace_partition(&dir, &new_files).await?;

    // Only now the version: findings written before the commit could claim
    // the new version for old files. Beside the date's earlier findings.
    let by_field = tally.lock().expect("tally lock").clone();
    let findings = findings_batch(date, &ctx.run_id, &version, &by_field)?;
    let p_dir = Warehouse::partition_dir(Table::PiiFindings, date);
    wh.write_parquet(&format!("{p_dir}/part-{tag}.parquet"), Table::PiiFindings.schema(), &[findings]).await?;

    let mut total = EntityCounts::default();
    for c in by_field.values() {
        total.add(c);
    }
    let newly_found = slm_pii::Entity::ALL
        .iter()
        .filter(|e| total.get(**e) > 0)
        .map(|e| (e.tag().to_string(), total.get(*e)))
        .collect();
    Ok(DateReport { date, calls: Some(rows), newly_found, detector_version: version })
}

/// Finishes or undoes a run that was killed in this partition.
async fn recover(wh: &Warehouse, dir: &str) -> Result<()> {
    let key = wh.root().key(&format!("{dir}/{MANIFEST}"))?;
    if !wh.root().object_exists(&key).await? {
        return Ok(());
    }
    let bytes = wh.root().get(&key).await?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Contract { table: "calls".into(), message: format!("{dir}/{MANIFEST} is not a manifest: {e}") })?;
    for object in wh.root().list(dir).await? {
        let name = object.location.to_string();
        if !name.ends_with(".parquet") {
            continue;
        }
        let is_old = manifest.old.contains(&name);
        // Committed: the old files go. Not committed: the partial new files go.
        if is_old == manifest.committed {
            wh.root().delete(&object.location).await?;
        }
    }
    wh.root().delete(&key).await?;
    Ok(())
}

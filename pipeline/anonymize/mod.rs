//! The `anonymize` task: runs the SQL in `sql/anonymize/` with DataFusion
//! over the raw batches staged by the ingest tasks it needs, replacing PII
//! with keyed pseudonyms, and commits the date's partitions of `calls`,
//! `quarantine`, `ingested_objects` and `pii_findings`. Then the raw staging
//! is deleted: unredacted text never outlives this task.
//!
//! A re-run of a date replaces that date's partitions: the new files are
//! written first, then every older file of the partition is deleted.


pub mod reanonymize;
pub mod udf;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, SchemaRef};
use async_trait::async_trait;
use datafusion::execution::context::SessionContext;
use futures::StreamExt;
use object_store::path::Path;
use serde::Deserialize;
use serde_json::json;
use tracing::{info, warn};

use slm_pii::{Detectors, Entity, EntityCounts, KeyRules, Options, PiiKey, Redactor};
use crate::error::{Error, Result};
use crate::warehouse::tables::{STAGED_CALLS, STAGED_OBJECTS, STAGED_QUARANTINE};
use crate::task::{Task, TaskContext, TaskKind, TaskOutput};
use crate::warehouse::{tables, Encoding, Table, Warehouse};
use crate::warehouse::session::{register_parquet_dirs, session};

/// The fixed key of the demo DAG. Public, so pseudonyms made with it protect
/// nothing: never use it on real traffic.
const DEMO_KEY: &[u8] = b"slm-pipeline demo key: NOT SECRET, do not use on real traffic";

/// The `with` block of an anonymize task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeConfig {
    /// SQL turning `staged_calls` into `calls` rows. Default `sql/anonymize/redact.sql`.
    #[serde(default = "default_sql")]
    pub sql: String,
    /// SQL turning `staged_quarantine` into `quarantine` rows. Default `sql/anonymize/quarantine.sql`.
    #[serde(default = "default_quarantine_sql")]
    pub quarantine_sql: String,
    /// Environment variable holding the pseudonym key (at least 16 bytes). Default `SLM_PII_KEY`.
    #[serde(default = "default_key_env")]
    pub key_env: String,
    /// File holding the key, used when the variable is not set.
    #[serde(default)]
    pub key_file: Option<String>,
    /// Use the fixed, public demo key. Only for the demo corpus.
    #[serde(default)]
    pub demo_key: bool,
    /// Which detectors run beyond the patterns (all but `organisations` by default).
    #[serde(default)]
    pub detectors: DetectorsConfig,
    /// The name gazetteer. Default `gazetteers/names.tsv` below the models
    /// folder (`SLM_MODELS`, else `./models`), which set-up builds.
    #[serde(default)]
    pub gazetteer: Option<String>,
    /// The place gazetteer of the location detector. Default
    /// `gazetteers/places.tsv` below the models folder.
    #[serde(default)]
    pub places: Option<String>,
    /// Extra JSON keys whose values are PII, or default ones turned off:
    /// key -> entity tag (`PERSON`, `ADDRESS`, `DOB`, `ID`, `EMAIL`, `PHONE`,
    /// `AGE`, `SSN`, `CARD`, `IBAN`, `IPV4`) or `none`.
    #[serde(default)]
    pub json_keys: BTreeMap<String, String>,
}

/// The `detectors` block of an anonymize task: each one on or off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorsConfig {
    /// Person names (gazetteer + context), and handles that embed a name. Default on.
    #[serde(default = "yes")]
    pub names: bool,
    /// Street addresses and PO boxes. Default on.
    #[serde(default = "yes")]
    pub addresses: bool,
    /// Dates with a birth cue. Default on.
    #[serde(default = "yes")]
    pub dates_of_birth: bool,
    /// Ages of a person. Default on.
    #[serde(default = "yes")]
    pub ages: bool,
    /// Customer, booking, order, passport… identifiers by context. Default on.
    #[serde(default = "yes")]
    pub identifiers: bool,
    /// Organisation names by legal suffix. Default off.
    #[serde(default)]
    pub organisations: bool,
    /// Cities, countries and US states from the place gazetteer. Default off.
    #[serde(default)]
    pub locations: bool,
    /// Values under PII keys in JSON (`first_name`, `dob`, `user_id`…). Default on.
    #[serde(default = "yes")]
    pub json_keys: bool,
}

fn yes() -> bool {
    true
}

impl Default for DetectorsConfig {
    fn default() -> Self {
        let d = Detectors::DEFAULT;
        DetectorsConfig {
            names: d.names,
            addresses: d.addresses,
            dates_of_birth: d.dates_of_birth,
            ages: d.ages,
            identifiers: d.identifiers,
            organisations: d.organisations,
            locations: d.locations,
            json_keys: true,
        }
    }
}

impl DetectorsConfig {
    fn detectors(&self) -> Detectors {
        Detectors {
            names: self.names,
            addresses: self.addresses,
            dates_of_birth: self.dates_of_birth,
            ages: self.ages,
            identifiers: self.identifiers,
            organisations: self.organisations,
            locations: self.locations,
        }
    }
}

impl AnonymizeConfig {
    /// The redactor's options: detectors, gazetteer (loaded when names are
    /// on) and JSON key rules. Errors name the task and the bad key.
    pub fn options(&self, task_id: &str) -> Result<Options> {
        let c = &self.detectors;
        let detectors = c.detectors();
        let gazetteer = if c.names || c.json_keys {
            Some(crate::models::gazetteer(self.gazetteer.as_deref()).map_err(|e| Error::task_config(task_id, e.to_string()))?)
        } else {
            None
        };
        let mut keys = if c.json_keys { KeyRules::default() } else { KeyRules::none() };
        for (key, tag) in &self.json_keys {
            let entity = match tag.as_str() {
                "none" => None,
                t => Some(Entity::from_tag(t).ok_or_else(|| {
                    Error::task_config(
                        task_id,
                        format!("json_keys: `{key}: {t}`: unknown entity tag (use PERSON, ADDRESS, DOB, ID, EMAIL, PHONE, AGE, SSN, CARD, IBAN, IPV4 or none)"),
                    )
                })?),
            };
            keys.set(key, entity);
        }
        let places = if c.locations {
            Some(crate::models::places(self.places.as_deref()).map_err(|e| Error::task_config(task_id, e.to_string()))?)
        } else {
            None
        };
        Ok(Options { detectors, gazetteer, keys, places })
    }

    /// The version of the detectors a partition was written with: the
    /// library's version and the detectors switched on.
    pub fn detector_version(&self) -> String {
        let c = &self.detectors;
        format!("{}+{}{}", slm_pii::VERSION, c.detectors().code(), if c.json_keys { "k" } else { "" })
    }
}

fn default_sql() -> String {
    "sql/anonymize/redact.sql".into()
}
fn default_quarantine_sql() -> String {
    "sql/anonymize/quarantine.sql".into()
}
fn default_key_env() -> String {
    "SLM_PII_KEY".into()
}

pub struct AnonymizeTask {
    config: AnonymizeConfig,
}

impl AnonymizeTask {
    pub fn new(config: AnonymizeConfig) -> Self {
        Self { config }
    }
}

/// Loads the pseudonym key. Messages name where the key was looked for,
/// never its value.
pub fn load_key(config: &AnonymizeConfig, task_id: &str) -> Result<PiiKey> {
    if let Ok(value) = std::env::var(&config.key_env) {
        return PiiKey::new(value.into_bytes())
            .map_err(|e| Error::PiiKey(format!("task `{task_id}`: ${}: {e}", config.key_env)));
    }
    if let Some(file) = &config.key_file {
        let bytes = std::fs::read(file)
            .map_err(|e| Error::PiiKey(format!("task `{task_id}`: cannot read key file `{file}`: {e}")))?;
        let trimmed = String::from_utf8_lossy(&bytes).trim_end().as_bytes().to_vec();
        return PiiKey::new(trimmed).map_err(|e| Error::PiiKey(format!("task `{task_id}`: key file `{file}`: {e}")));
    }
    if config.demo_key {
        warn!(
            task = task_id,
            "USING THE PUBLIC DEMO PII KEY: pseudonyms protect nothing. Set ${} for real traffic.", config.key_env
        );
        eprintln!(
            "\n*** WARNING: task `{task_id}` uses the public demo PII key. Pseudonyms made with it can be reversed by \
             anyone. Never use `demo_key: true` on real traffic; set ${} or `key_file`. ***\n",
            config.key_env
        );
        return PiiKey::new(DEMO_KEY.to_vec()).map_err(Error::PiiKey);
    }
    Err(Error::PiiKey(format!(
        "task `{task_id}` needs a secret key for pseudonyms: set the environment variable ${} (at least 16 bytes, \
         e.g. `export {}=$(openssl rand -hex 32)`) or give `key_file` in the task's `with` block",
        config.key_env, config.key_env
    )))
}

/// Column names and types must match the contract (nullability may differ:
/// SQL often cannot prove a column non-null).
fn check_contract(table: Table, got: &SchemaRef, sql_file: &str) -> Result<()> {
    let want = table.schema();
    let describe = |s: &SchemaRef| -> Vec<(String, DataType)> {
        s.fields().iter().map(|f| (f.name().clone(), strip_nullability(f.data_type()))).collect()
    };
    let (w, g) = (describe(&want), describe(got));
    if w != g {
        let missing: Vec<String> = w.iter().filter(|f| !g.contains(f)).map(|(n, t)| format!("{n} {t}")).collect();
        let extra: Vec<String> = g.iter().filter(|f| !w.contains(f)).map(|(n, t)| format!("{n} {t}")).collect();
        return Err(Error::Contract {
            table: table.name().into(),
            message: format!(
                "the output of `{sql_file}` does not match the table contract (see warehouse/README.md); \
                 missing or different: [{}]; unexpected: [{}]",
                missing.join(", "),
                extra.join(", ")
            ),
        });
    }
    Ok(())
}

/// Types compared without the nullability of nested fields.
fn strip_nullability(t: &DataType) -> DataType {
    match t {
        DataType::List(f) => DataType::List(Arc::new(
            f.as_ref().clone().with_nullable(true).with_data_type(strip_nullability(f.data_type())),
        )),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true).with_data_type(strip_nullability(f.data_type())))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[async_trait]
impl Task for AnonymizeTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let ingests = ctx.upstream_of(TaskKind::Ingest);
        if ingests.is_empty() {
            return Err(Error::task_config(&ctx.task_id, "anonymize needs at least one ingest task (`needs: [...]`)"));
        }
        let options = self.config.options(&ctx.task_id)?;
        let redactor = Arc::new(Redactor::with_options(load_key(&self.config, &ctx.task_id)?, options));
        let calls_sql = read_sql(ctx, &self.config.sql)?;
        let quarantine_sql = read_sql(ctx, &self.config.quarantine_sql)?;
        let wh = &ctx.warehouse;
        let staging_dirs = |part: &str| -> Vec<String> {
            ingests.iter().map(|t| format!("{}/{part}", Warehouse::staging_dir(&ctx.run_id, t))).collect()
        };

        let tally: udf::Tally = Arc::new(Mutex::new(BTreeMap::new()));
        let sql = session(wh);
        for f in udf::redaction_udfs(redactor, tally.clone()) {
            sql.register_udf(f);
        }
        register_parquet_dirs(&sql, wh, "staged_calls", &staging_dirs(STAGED_CALLS), tables::calls_schema()).await?;
        register_parquet_dirs(&sql, wh, "staged_quarantine", &staging_dirs(STAGED_QUARANTINE), tables::quarantine_schema())
            .await?;
        register_parquet_dirs(&sql, wh, "staged_objects", &staging_dirs(STAGED_OBJECTS), tables::ingested_objects_schema())
            .await?;

        let date = ctx.logical_date;
        let tag = format!("{}-{}", ctx.run_id, ctx.task_id);
        let progress = crate::progress::rows_bar(ctx.progress, "anonymize");

        let calls_dir = Warehouse::partition_dir(Table::Calls, date);
        let q_dir = Warehouse::partition_dir(Table::Quarantine, date);
        let o_dir = Warehouse::partition_dir(Table::IngestedObjects, date);
        let p_dir = Warehouse::partition_dir(Table::PiiFindings, date);
        let written = async {
            // 1. calls: one file per DataFusion partition, written concurrently.
            let (calls_files, rows_in, rows_out) =
                write_query(wh, &sql, &calls_sql.1, &calls_sql.0, Table::Calls, &calls_dir, &tag, &progress).await?;
            progress.finish_and_clear();

            // 2. quarantine, 3. the object manifest: small, one file each.
            let (q_files, _, quarantined) =
                write_query(wh, &sql, &quarantine_sql.1, &quarantine_sql.0, Table::Quarantine, &q_dir, &tag, &progress)
                    .await?;
            let objects_sql = "SELECT date, run_id, task_id, pii_redact(source_object) AS source_object, object_key_sha256, \
                               size, etag, last_modified, lines, calls, quarantined FROM staged_objects";
            let (o_files, _, objects) =
                write_query(wh, &sql, "(built in)", objects_sql, Table::IngestedObjects, &o_dir, &tag, &progress).await?;

            // 4. PII findings, from the tally of the functions above.
            let by_field = tally.lock().expect("tally lock").clone();
            let findings = findings_batch(date, &ctx.run_id, &self.config.detector_version(), &by_field)?;
            let p_file = wh.write_parquet(&format!("{p_dir}/part-{tag}.parquet"), Table::PiiFindings.schema(), &[findings]).await?;
            Ok::<_, Error>((calls_files, rows_in, rows_out, q_files, quarantined, o_files, objects, p_file, by_field))
        }
        .await;
        // A failure before the commit (a full disk, say) takes this
        // attempt's new files away again: the partitions keep their old rows
        // only, never old and new side by side.
        let (calls_files, rows_in, rows_out, q_files, quarantined, o_files, objects, p_file, by_field) = match written {
            Ok(w) => w,
            Err(e) => {
                for dir in [&calls_dir, &q_dir, &o_dir, &p_dir] {
                    if let Err(cleanup) = remove_files_tagged(wh, dir, &tag).await {
                        warn!(task = %ctx.task_id, dir = %dir, error = %cleanup, "Could not remove this attempt's new files; the next run replaces them.");
                    }
                }
                return Err(e);
            }
        };

        // Commit: older files of the date's partitions go, then the raw staging.
        let mut replaced = 0;
        replaced += wh.replace_partition(&calls_dir, &calls_files).await?;
        replaced += wh.replace_partition(&q_dir, &q_files).await?;
        replaced += wh.replace_partition(&o_dir, &o_files).await?;
        replaced += wh.replace_partition(&p_dir, &[p_file]).await?;
        for ingest in &ingests {
            wh.root().delete_prefix(&Warehouse::staging_dir(&ctx.run_id, ingest)).await?;
        }

        let mut counts = EntityCounts::default();
        for c in by_field.values() {
            counts.add(c);
        }
        let by_entity: BTreeMap<&str, u64> =
            Entity::ALL.iter().map(|e| (e.tag(), counts.get(*e))).filter(|(_, n)| *n > 0).collect();
        // Counts per column and entity, never values.
        let per_field: BTreeMap<&str, BTreeMap<&str, u64>> = by_field
            .iter()
            .map(|(f, c)| (f.as_str(), Entity::ALL.iter().map(|e| (e.tag(), c.get(*e))).filter(|(_, n)| *n > 0).collect()))
            .collect();
        info!(task = %ctx.task_id, calls = rows_out, quarantined, pii = counts.total(), "Anonymized and committed.");
        Ok(TaskOutput {
            rows_in,
            rows_out,
            details: json!({
                "date": date.to_string(),
                "calls_files": calls_files.len(),
                "quarantined": quarantined,
                "objects": objects,
                "pii_replaced": counts.total(),
                "pii_by_entity": by_entity,
                "pii_by_field": per_field,
                "pii_detector_version": self.config.detector_version(),
                "older_files_replaced": replaced,
            }),
        })
    }
}

/// (file name for messages, SQL text)
fn read_sql(ctx: &TaskContext, file: &str) -> Result<(String, String)> {
    let path = ctx.resolve_file(file)?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    Ok((text, path.display().to_string()))
}

/// Runs one query and streams its result into Parquet files of `dir`.
/// Returns the files written, the input rows (for `calls`: staged rows) and
/// the rows written.
#[allow(clippy::too_many_arguments)]
async fn write_query(
    wh: &Warehouse,
    sql: &SessionContext,
    sql_file: &str,
    query: &str,
    table: Table,
    dir: &str,
    tag: &str,
    progress: &indicatif::ProgressBar,
) -> Result<(Vec<Path>, u64, u64)> {
    let df = sql.sql(query).await.map_err(|e| Error::datafusion(format!("in {sql_file}"), e))?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    check_contract(table, &schema, sql_file)?;
    let streams =
        df.execute_stream_partitioned().await.map_err(|e| Error::datafusion(format!("running {sql_file}"), e))?;
    // Each partition is its own tokio task, so the partitions (decoding,
    // redaction, encoding) run on different threads.
    let writers = streams.into_iter().enumerate().map(|(i, mut stream)| {
        let wh = wh.clone();
        let schema = schema.clone();
        let rel = format!("{dir}/part-{tag}-{i:03}.parquet");
        let sql_file = sql_file.to_string();
        let progress = progress.clone();
        tokio::spawn(async move {
            let mut writer = None;
            let mut rows = 0u64;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| Error::datafusion(format!("running {sql_file}"), e))?;
                if batch.num_rows() == 0 {
                    continue;
                }
                if writer.is_none() {
                    writer = Some(wh.parquet_writer(&rel, schema.clone(), Encoding::Table)?);
                }
                let (_, w) = writer.as_mut().expect("opened above");
                w.write(&batch).await.map_err(|e| Error::parquet(format!("writing {rel}"), e))?;
                rows += batch.num_rows() as u64;
                progress.inc(batch.num_rows() as u64);
            }
            match writer {
                Some((key, w)) => {
                    w.close().await.map_err(|e| Error::parquet(format!("closing {rel}"), e))?;
                    Ok::<_, Error>((Some(key), rows))
                }
                None => Ok((None, 0)),
            }
        })
    });
    let results = futures::future::try_join_all(writers)
        .await
        .map_err(|e| Error::Transient(format!("a writer of {sql_file} stopped: {e}")))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let rows: u64 = results.iter().map(|r| r.1).sum();
    let files: Vec<Path> = results.into_iter().filter_map(|r| r.0).collect();
    // The query is a projection of its input: rows in = rows out.
    Ok((files, rows, rows))
}

/// The `pii_findings` rows of one attempt: one per field and entity found,
/// and one with no field and a count of 0 for each entity not found at all,
/// so that every entity has a row. Each row carries the detector version,
/// which is how a `calls` partition records the version that wrote it.
pub(crate) fn findings_batch(
    date: chrono::NaiveDate,
    run_id: &str,
    detector_version: &str,
    by_field: &BTreeMap<String, EntityCounts>,
) -> Result<RecordBatch> {
    let days = crate::warehouse::history::days_of(date);
    let mut fields: Vec<Option<&str>> = Vec::new();
    let mut entities: Vec<&str> = Vec::new();
    let mut counts: Vec<i64> = Vec::new();
    for entity in Entity::ALL {
        let mut any = false;
        for (field, c) in by_field {
            let n = c.get(entity);
            if n > 0 {
                fields.push(Some(field.as_str()));
                entities.push(entity.tag());
                counts.push(n as i64);
                any = true;
            }
        }
        if !any {
            fields.push(None);
            entities.push(entity.tag());
            counts.push(0);
        }
    }
    let n = counts.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from(vec![days; n])),
        Arc::new(StringArray::from(vec![run_id; n])),
        Arc::new(StringArray::from(entities)),
        Arc::new(Int64Array::from(counts)),
        Arc::new(StringArray::from(fields)),
        Arc::new(StringArray::from(vec![detector_version; n])),
    ];
    RecordBatch::try_new(Table::PiiFindings.schema(), columns).map_err(|e| Error::arrow("building pii_findings", e))
}

/// Deletes the files of `dir` written by one attempt (their names carry its tag).
async fn remove_files_tagged(wh: &Warehouse, dir: &str, tag: &str) -> Result<()> {
    for object in wh.root().list(dir).await? {
        if object.location.filename().is_some_and(|f| f.contains(tag)) {
            wh.root().delete(&object.location).await?;
        }
    }
    Ok(())
}

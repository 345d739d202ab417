//! Run history: one `runs` row per pipeline run and one `task_runs` row per
//! task attempt, each stored as its own small Parquet file that is rewritten
//! as the run progresses (a put replaces an object atomically), so the
//! history is queryable by SQL while a run is still going.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Date32Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::tables::Table;
use super::Warehouse;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Success,
    Failed,
    /// A task not run because one it needs failed.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Success => "success",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "success" => Status::Success,
            "failed" => Status::Failed,
            "skipped" => Status::Skipped,
            _ => Status::Running,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub run_id: String,
    pub dag: String,
    pub logical_date: NaiveDate,
    pub status: Status,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub report: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskAttempt {
    pub run_id: String,
    pub task_id: String,
    pub kind: String,
    pub attempt: i32,
    pub status: Status,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub rows_in: Option<i64>,
    pub rows_out: Option<i64>,
    pub details: serde_json::Value,
}

/// The run history is written by the runner itself, outside any task's
/// retries: a storage hiccup there is retried here (4 tries in about a
/// second) rather than failing a run whose tasks all succeeded.
async fn retry_transient<T, F, Fut>(mut write: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut wait = std::time::Duration::from_millis(100);
    for _ in 0..3 {
        match write().await {
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, "Writing the run history failed; retrying.");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            other => return other,
        }
    }
    write().await
}

fn micros(t: &DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// A date as Arrow's `Date32`: days since 1970-01-01.
pub fn days_of(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

pub fn date_from_days(v: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(v as i64)
}

fn ts_array(values: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC"))
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

impl Warehouse {
    pub async fn write_run(&self, run: &RunRecord) -> Result<()> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![run.run_id.as_str()])),
            Arc::new(StringArray::from(vec![run.dag.as_str()])),
            Arc::new(Date32Array::from(vec![days_of(run.logical_date)])),
            Arc::new(StringArray::from(vec![run.status.as_str()])),
            ts_array(vec![Some(micros(&run.started_at))]),
            ts_array(vec![run.ended_at.as_ref().map(micros)]),
            Arc::new(StringArray::from(vec![run.error.clone()])),
            Arc::new(StringArray::from(vec![json_text(&run.report)])),
        ];
        let batch = RecordBatch::try_new(Table::Runs.schema(), columns)
            .map_err(|e| Error::arrow("building a runs row", e))?;
        let rel = format!("{}/{}.parquet", Table::Runs.dir(), run.run_id);
        retry_transient(|| self.write_parquet(&rel, Table::Runs.schema(), std::slice::from_ref(&batch))).await?;
        Ok(())
    }

    pub async fn write_attempt(&self, a: &TaskAttempt) -> Result<()> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![a.run_id.as_str()])),
            Arc::new(StringArray::from(vec![a.task_id.as_str()])),
            Arc::new(StringArray::from(vec![a.kind.as_str()])),
            Arc::new(Int32Array::from(vec![a.attempt])),
            Arc::new(StringArray::from(vec![a.status.as_str()])),
            ts_array(vec![Some(micros(&a.started_at))]),
            ts_array(vec![a.ended_at.as_ref().map(micros)]),
            Arc::new(StringArray::from(vec![a.error.clone()])),
            Arc::new(Int64Array::from(vec![a.rows_in])),
            Arc::new(Int64Array::from(vec![a.rows_out])),
            Arc::new(StringArray::from(vec![json_text(&a.details)])),
        ];
        let batch = RecordBatch::try_new(Table::TaskRuns.schema(), columns)
            .map_err(|e| Error::arrow("building a task_runs row", e))?;
        // `run_id=` makes the folder a partition, which DataFusion's listing
        // tables descend into (plain subfolders are ignored).
        let rel = format!("{}/run_id={}/{}-{:03}.parquet", Table::TaskRuns.dir(), a.run_id, a.task_id, a.attempt);
        retry_transient(|| self.write_parquet(&rel, Table::TaskRuns.schema(), std::slice::from_ref(&batch))).await?;
        Ok(())
    }

    /// Every run, newest first.
    pub async fn load_runs(&self) -> Result<Vec<RunRecord>> {
        let mut runs = Vec::new();
        for batch in self.read_parquet_dir(Table::Runs.dir()).await? {
            let c = Columns(&batch);
            for i in 0..batch.num_rows() {
                runs.push(RunRecord {
                    run_id: c.str(0, i).unwrap_or_default(),
                    dag: c.str(1, i).unwrap_or_default(),
                    logical_date: date_from_days(c.date(2, i)),
                    status: Status::parse(&c.str(3, i).unwrap_or_default()),
                    started_at: from_micros(c.ts(4, i).unwrap_or(0)),
                    ended_at: c.ts(5, i).map(from_micros),
                    error: c.str(6, i),
                    report: c.json(7, i),
                });
            }
        }
        runs.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.run_id.cmp(&a.run_id)));
        Ok(runs)
    }

    pub async fn load_run(&self, run_id: &str) -> Result<RunRecord> {
        self.load_runs()
            .await?
            .into_iter()
            .find(|r| r.run_id == run_id)
            .ok_or_else(|| Error::NotFound(format!("no run `{run_id}` in the warehouse history")))
    }

    /// Every attempt of one run, in order of task and attempt.
    pub async fn load_attempts(&self, run_id: &str) -> Result<Vec<TaskAttempt>> {
        if run_id.contains('/') || run_id.contains("..") {
            return Err(Error::usage(format!("bad run id `{run_id}`")));
        }
        let mut attempts = Vec::new();
        for batch in self.read_parquet_dir(&format!("{}/run_id={run_id}", Table::TaskRuns.dir())).await? {
            let c = Columns(&batch);
            for i in 0..batch.num_rows() {
                attempts.push(TaskAttempt {
                    run_id: c.str(0, i).unwrap_or_default(),
                    task_id: c.str(1, i).unwrap_or_default(),
                    kind: c.str(2, i).unwrap_or_default(),
                    attempt: c.i32(3, i),
                    status: Status::parse(&c.str(4, i).unwrap_or_default()),
                    started_at: from_micros(c.ts(5, i).unwrap_or(0)),
                    ended_at: c.ts(6, i).map(from_micros),
                    error: c.str(7, i),
                    rows_in: c.i64(8, i),
                    rows_out: c.i64(9, i),
                    details: c.json(10, i),
                });
            }
        }
        attempts.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.attempt.cmp(&b.attempt)));
        Ok(attempts)
    }
}

/// Typed access to the columns of a history batch.
struct Columns<'a>(&'a RecordBatch);

impl Columns<'_> {
    fn str(&self, col: usize, row: usize) -> Option<String> {
        let a = self.0.column(col).as_any().downcast_ref::<StringArray>()?;
        (!a.is_null(row)).then(|| a.value(row).to_string())
    }
    fn json(&self, col: usize, row: usize) -> serde_json::Value {
        self.str(col, row).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(serde_json::Value::Null)
    }
    fn ts(&self, col: usize, row: usize) -> Option<i64> {
        let a = self.0.column(col).as_any().downcast_ref::<TimestampMicrosecondArray>()?;
        (!a.is_null(row)).then(|| a.value(row))
    }
    fn date(&self, col: usize, row: usize) -> i32 {
        self.0.column(col).as_any().downcast_ref::<Date32Array>().map(|a| a.value(row)).unwrap_or(0)
    }
    fn i32(&self, col: usize, row: usize) -> i32 {
        self.0.column(col).as_any().downcast_ref::<Int32Array>().map(|a| a.value(row)).unwrap_or(0)
    }
    fn i64(&self, col: usize, row: usize) -> Option<i64> {
        let a = self.0.column(col).as_any().downcast_ref::<Int64Array>()?;
        (!a.is_null(row)).then(|| a.value(row))
    }
}

//! Executes a DAG for one logical date: tasks in dependency order, independent
//! tasks concurrently, transient failures retried with exponential backoff,
//! each attempt bounded by its timeout and recorded in the run history.
//! A failed run can be resumed: finished tasks are not run again, except a
//! task whose raw staging was deleted when the run failed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Value};
use tracing::{error, info, warn};

use super::cache::{self, CacheRecord, Force, TaskIo};
use crate::clock::Clock;
use super::lock::RunLock;
use super::spec::{Dag, TaskSpec};
use super::template::{self, Vars};
use crate::error::{Error, Result};
use crate::tasks::{TaskContext, TaskKind, TaskOutput};
use crate::warehouse::history::{RunRecord, Status, TaskAttempt};
use crate::warehouse::Warehouse;

/// What the cache says about a task about to run.
enum Lookup {
    /// Unchanged since this success: skip.
    Hit(CacheRecord),
    /// Run it, and record this fingerprint after it succeeds.
    Miss(String, TaskIo),
    /// Run it; it cannot be cached (an upstream fingerprint is unknown).
    Uncacheable,
}

/// The outcome of a run, for the CLI and tests.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run_id: String,
    pub status: Status,
    /// Final state of each task, in DAG order.
    pub tasks: Vec<(String, Status)>,
    /// Per-task outputs (rows, details) of tasks that succeeded in this invocation.
    pub outputs: BTreeMap<String, Value>,
    pub error: Option<String>,
    /// Ended early by a shutdown (`Runner::with_stop`), not by a failure.
    pub stopped: bool,
}

impl RunSummary {
    pub fn succeeded(&self) -> bool {
        self.status == Status::Success
    }
}

pub struct Runner {
    warehouse: Warehouse,
    clock: Arc<dyn Clock>,
    /// Tasks run at the same time, at most.
    max_parallel: usize,
    progress: bool,
    /// The run lock's lease (see `lock`).
    lease: Duration,
    /// Tasks run even when the cache says their inputs are unchanged.
    force: Force,
    /// Set on shutdown: the running tasks finish, no further task starts.
    stop: Arc<AtomicBool>,
}

/// Fingerprints of the tasks of one run so far, by task id (see `cache`).
type Fingerprints = Mutex<BTreeMap<String, String>>;

impl Runner {
    pub fn new(warehouse: Warehouse, clock: Arc<dyn Clock>) -> Self {
        Self { warehouse, clock, max_parallel: 4, progress: false, lease: super::lock::DEFAULT_LEASE, force: Force::Nothing, stop: Arc::default() }
    }

    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Takes the run lock of (dag, date), or says who holds it.
    async fn lock(&self, dag: &Dag, date: NaiveDate, run_id: &str) -> Result<RunLock> {
        RunLock::acquire(self.warehouse.root(), self.clock.clone(), &dag.name, date, run_id, self.lease).await
    }

    /// Releases it; one that cannot be deleted expires with its lease.
    async fn unlock(lock: RunLock, run_id: &str) {
        if let Err(e) = lock.release().await {
            warn!(run_id, error = %e, "Could not release the run lock; it expires with its lease.");
        }
    }

    /// Runs these tasks even when their inputs are unchanged since their last success.
    pub fn with_force(mut self, force: Force) -> Self {
        self.force = force;
        self
    }

    /// Shares a shutdown flag: once set, runs start no further task and end
    /// as stopped (`RunSummary::stopped`); a later run continues from the cache.
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = stop;
        self
    }

    pub fn with_max_parallel(mut self, n: usize) -> Self {
        self.max_parallel = n.max(1);
        self
    }

    /// A new run of `dag` for `logical_date`.
    pub async fn run(&self, dag: &Dag, logical_date: NaiveDate) -> Result<RunSummary> {
        let started = self.clock.now();
        let run_id = format!(
            "{}__{}__{}_{}",
            dag.name,
            logical_date.format("%Y-%m-%d"),
            started.format("%Y%m%dT%H%M%S"),
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        let run = RunRecord {
            run_id: run_id.clone(),
            dag: dag.name.clone(),
            logical_date,
            status: Status::Running,
            started_at: started,
            ended_at: None,
            error: None,
            report: Value::Null,
        };
        let lock = self.lock(dag, logical_date, &run_id).await?;
        let result = async {
            self.purge_orphan_staging(dag, &run_id).await?;
            self.warehouse.write_run(&run).await?;
            info!(run_id = %run_id, dag = %dag.name, date = %logical_date, "Run started.");
            self.execute(dag, run, BTreeMap::new(), BTreeMap::new(), &lock).await
        }
        .await;
        Self::unlock(lock, &run_id).await;
        result
    }

    /// Continues a failed run from its failed tasks.
    pub async fn resume(&self, dag: &Dag, run_id: &str) -> Result<RunSummary> {
        let run = self.warehouse.load_run(run_id).await?;
        let lock = self.lock(dag, run.logical_date, run_id).await?;
        let result = self.resume_locked(dag, run_id, run, &lock).await;
        Self::unlock(lock, run_id).await;
        result
    }

    async fn resume_locked(&self, dag: &Dag, run_id: &str, mut run: RunRecord, lock: &RunLock) -> Result<RunSummary> {
        if run.dag != dag.name {
            return Err(Error::usage(format!("run `{run_id}` is a run of DAG `{}`, not `{}`", run.dag, dag.name)));
        }
        if run.status == Status::Success {
            return Err(Error::usage(format!("run `{run_id}` succeeded; there is nothing to resume")));
        }
        let attempts = self.warehouse.load_attempts(run_id).await?;
        let mut next_attempt: BTreeMap<String, i32> = BTreeMap::new();
        let mut succeeded: BTreeSet<String> = BTreeSet::new();
        for a in &attempts {
            let n = next_attempt.entry(a.task_id.clone()).or_insert(1);
            *n = (*n).max(a.attempt + 1);
            if a.status == Status::Success {
                succeeded.insert(a.task_id.clone());
            }
        }
        // A finished task whose raw staging was purged with the failure must
        // run again if a task that needs it has not finished.
        let rerun: Vec<String> = dag
            .tasks
            .iter()
            .filter(|t| t.kind.writes_raw_staging() && succeeded.contains(&t.id))
            .filter(|t| dag.tasks.iter().any(|d| d.needs.contains(&t.id) && !succeeded.contains(&d.id)))
            .map(|t| t.id.clone())
            .collect();
        for id in &rerun {
            info!(run_id, task = %id, "Re-running: its raw staging was deleted when the run failed.");
            succeeded.remove(id);
        }
        let done: BTreeMap<String, Status> = succeeded.into_iter().map(|id| (id, Status::Success)).collect();
        run.status = Status::Running;
        run.ended_at = None;
        run.error = None;
        self.warehouse.write_run(&run).await?;
        info!(run_id, dag = %dag.name, finished = done.len(), "Resuming run.");
        self.execute(dag, run, done, next_attempt, lock).await
    }

    async fn execute(
        &self,
        dag: &Dag,
        mut run: RunRecord,
        mut state: BTreeMap<String, Status>,
        next_attempt: BTreeMap<String, i32>,
        lock: &RunLock,
    ) -> Result<RunSummary> {
        let vars = Vars::new(run.logical_date, &run.run_id, &dag.name);
        // Declared before the running futures, which borrow it.
        let fingerprints: Fingerprints = Mutex::new(BTreeMap::new());
        let mut outputs: BTreeMap<String, Value> = BTreeMap::new();
        let mut running = FuturesUnordered::new();
        let mut first_error: Option<String> = None;
        let mut stopped = false;

        loop {
            // Tasks whose needs failed are skipped.
            for task in &dag.tasks {
                if state.contains_key(&task.id) {
                    continue;
                }
                let blocked = task
                    .needs
                    .iter()
                    .any(|n| matches!(state.get(n), Some(Status::Failed) | Some(Status::Skipped)));
                if blocked {
                    warn!(run_id = %run.run_id, task = %task.id, "Skipped: a task it needs failed.");
                    state.insert(task.id.clone(), Status::Skipped);
                }
            }
            // Another run took the lock (this one was paused past its
            // lease): start nothing more.
            if lock.lost() && first_error.is_none() {
                first_error = Some("lost the run lock to another run of this DAG and date; no further task started".into());
            }
            let stopping = self.stop.load(Ordering::SeqCst);
            if stopping && first_error.is_none() && state.len() < dag.tasks.len() {
                stopped = true;
                first_error = Some("stopped by a shutdown; no further task started (a new run continues from the cache)".into());
            }
            // Start every ready task, up to the parallelism bound.
            for task in dag.tasks.iter().filter(|_| !lock.lost() && !stopping) {
                if running.len() >= self.max_parallel {
                    break;
                }
                if state.contains_key(&task.id) {
                    continue;
                }
                if task.needs.iter().all(|n| state.get(n) == Some(&Status::Success)) {
                    state.insert(task.id.clone(), Status::Running);
                    let first = next_attempt.get(&task.id).copied().unwrap_or(1);
                    running.push(self.run_task(dag, task, &run, &vars, first, &fingerprints));
                }
            }
            let Some((task_id, result)) = running.next().await else { break };
            match result {
                Ok(output) => {
                    outputs.insert(
                        task_id.clone(),
                        json!({"rows_in": output.rows_in, "rows_out": output.rows_out, "details": output.details}),
                    );
                    state.insert(task_id, Status::Success);
                }
                Err(e) => {
                    first_error.get_or_insert_with(|| format!("task `{task_id}`: {e}"));
                    state.insert(task_id, Status::Failed);
                }
            }
        }

        drop(running);
        let status = if dag.tasks.iter().all(|t| state.get(&t.id) == Some(&Status::Success)) {
            Status::Success
        } else {
            Status::Failed
        };
        // Raw text never outlives a run: on success anonymize has consumed it,
        // on failure it goes too (resume re-creates it).
        let purged = self.warehouse.root().delete_prefix(&format!("{}/{}", Warehouse::staging_root(), run.run_id)).await?;
        if purged > 0 && status == Status::Failed {
            warn!(run_id = %run.run_id, objects = purged, "Deleted the raw staging of the failed run.");
        }
        let mut report = match std::mem::take(&mut run.report) {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        for (id, out) in &outputs {
            report.insert(id.clone(), out.clone());
        }
        run.report = Value::Object(report);
        run.status = status;
        run.ended_at = Some(self.clock.now());
        run.error = first_error.clone();
        self.warehouse.write_run(&run).await?;
        match status {
            Status::Success => info!(run_id = %run.run_id, "Run succeeded."),
            _ => error!(run_id = %run.run_id, error = first_error.as_deref().unwrap_or(""), "Run failed."),
        }
        Ok(RunSummary {
            run_id: run.run_id.clone(),
            status,
            tasks: dag.tasks.iter().map(|t| (t.id.clone(), state.get(&t.id).copied().unwrap_or(Status::Skipped))).collect(),
            outputs,
            error: first_error,
            stopped,
        })
    }

    /// One task, with its retries. Every attempt is recorded.
    async fn run_task(
        &self,
        dag: &Dag,
        task: &TaskSpec,
        run: &RunRecord,
        vars: &Vars,
        first_attempt: i32,
        fingerprints: &Fingerprints,
    ) -> (String, Result<TaskOutput>) {
        let result = self.run_task_inner(dag, task, run, vars, first_attempt, fingerprints).await;
        (task.id.clone(), result)
    }

    async fn run_task_inner(
        &self,
        dag: &Dag,
        task: &TaskSpec,
        run: &RunRecord,
        vars: &Vars,
        first_attempt: i32,
        fingerprints: &Fingerprints,
    ) -> Result<TaskOutput> {
        let ctx = TaskContext {
            run_id: run.run_id.clone(),
            dag: dag.name.clone(),
            task_id: task.id.clone(),
            logical_date: run.logical_date,
            warehouse: self.warehouse.clone(),
            upstream: task
                .needs
                .iter()
                .filter_map(|n| dag.task(n).map(|t| (t.id.clone(), t.kind)))
                .collect::<Vec<(String, TaskKind)>>(),
            base_dirs: dag.base_dirs(),
            progress: self.progress,
            clock: self.clock.clone(),
        };
        // The cache: unchanged inputs and configuration since the last
        // success skip the task. A cache that cannot be read only costs a run.
        let mut cached_as: Option<(String, TaskIo)> = None;
        if let Ok(with) = template::render(&task.with, vars) {
            match self.cache_lookup(dag, task, &with, vars, run.logical_date, fingerprints).await {
                Ok(Lookup::Hit(record)) => return self.record_cached(task, run, first_attempt, record).await,
                Ok(Lookup::Miss(fingerprint, io)) => cached_as = Some((fingerprint, io)),
                Ok(Lookup::Uncacheable) => {}
                Err(e) => warn!(run_id = %run.run_id, task = %task.id, error = %e, "Could not check the task cache; running the task."),
            }
        }
        let mut attempt = first_attempt;
        let mut retry = 0;
        loop {
            let started_at = self.clock.now();
            let mut record = TaskAttempt {
                run_id: run.run_id.clone(),
                task_id: task.id.clone(),
                kind: task.kind.name().to_string(),
                attempt,
                status: Status::Running,
                started_at,
                ended_at: None,
                error: None,
                rows_in: None,
                rows_out: None,
                details: Value::Null,
            };
            self.warehouse.write_attempt(&record).await?;
            info!(run_id = %run.run_id, task = %task.id, attempt, "Task started.");

            let result = match template::render(&task.with, vars) {
                Err(e) => Err(Error::task_config(&task.id, e)),
                Ok(with) => match task.kind.build(&task.id, &with) {
                    Err(e) => Err(e),
                    Ok(runnable) => {
                        let limit = Duration::from_secs(task.policy.timeout_secs);
                        match tokio::time::timeout(limit, runnable.run(&ctx)).await {
                            Ok(result) => result,
                            Err(_) => Err(Error::Timeout { task: task.id.clone(), secs: task.policy.timeout_secs }),
                        }
                    }
                },
            };
            record.ended_at = Some(self.clock.now());
            match result {
                Ok(output) => {
                    crate::crash::kill_point(&format!("task:{}:done", task.id));
                    record.status = Status::Success;
                    record.rows_in = Some(output.rows_in as i64);
                    record.rows_out = Some(output.rows_out as i64);
                    record.details = output.details.clone();
                    self.warehouse.write_attempt(&record).await?;
                    info!(run_id = %run.run_id, task = %task.id, attempt, rows_in = output.rows_in, rows_out = output.rows_out, "Task succeeded.");
                    crate::crash::kill_point(&format!("task:{}:recorded", task.id));
                    if let Some((fingerprint, io)) = &cached_as {
                        if let Err(e) = self.remember(dag, task, run, fingerprint, io, &output).await {
                            warn!(run_id = %run.run_id, task = %task.id, error = %e, "Could not record the task in the cache; it runs again next time.");
                        }
                    }
                    return Ok(output);
                }
                Err(e) => {
                    let message = format!("{e}");
                    record.status = Status::Failed;
                    record.error = Some(message.clone());
                    self.warehouse.write_attempt(&record).await?;
                    if e.is_transient() && retry < task.policy.retries {
                        retry += 1;
                        let wait = task.policy.backoff(retry);
                        warn!(run_id = %run.run_id, task = %task.id, attempt, error = %message, wait_secs = wait.as_secs(), "Transient failure; retrying.");
                        self.clock.sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    error!(run_id = %run.run_id, task = %task.id, attempt, error = %message, "Task failed.");
                    return Err(e);
                }
            }
        }
    }

    /// The task's fingerprint and io; `None` when it cannot be cached.
    async fn fingerprint_of(
        &self,
        dag: &Dag,
        task: &TaskSpec,
        with: &Value,
        date: NaiveDate,
        upstream: &BTreeMap<String, String>,
    ) -> Result<Option<(String, TaskIo)>> {
        let needs: Vec<(String, TaskKind)> =
            task.needs.iter().filter_map(|n| dag.task(n).map(|t| (t.id.clone(), t.kind))).collect();
        let io = cache::io_of(task.kind, with, date, &needs, &self.warehouse)?;
        let base_dirs = dag.base_dirs();
        let resolve = |s: &str| -> Option<std::path::PathBuf> {
            let given = std::path::Path::new(s);
            if given.is_absolute() {
                return given.is_file().then(|| given.to_path_buf());
            }
            base_dirs.iter().map(|d| d.join(given)).find(|p| p.is_file())
        };
        let files = cache::named_files(with, &resolve);
        let inputs = cache::FingerprintInputs { kind: task.kind, with, date, files, io: &io, upstream };
        Ok(cache::fingerprint(inputs).await?.map(|fp| (fp, io)))
    }

    /// The task's cache record, if its fingerprint and outputs still match it.
    async fn still_valid(&self, dag: &Dag, task_id: &str, date: NaiveDate, fingerprint: &str, io: &TaskIo) -> Result<Option<CacheRecord>> {
        let Some(record) = cache::load(&self.warehouse, &dag.name, task_id, date).await? else { return Ok(None) };
        if record.fingerprint != fingerprint || cache::digest_listings(&io.writes).await? != record.outputs {
            return Ok(None);
        }
        Ok(Some(record))
    }

    async fn cache_lookup(
        &self,
        dag: &Dag,
        task: &TaskSpec,
        with: &Value,
        vars: &Vars,
        date: NaiveDate,
        fingerprints: &Fingerprints,
    ) -> Result<Lookup> {
        let mut upstream = fingerprints.lock().expect("fingerprints").clone();
        let Some((fingerprint, io)) = self.fingerprint_of(dag, task, with, date, &upstream).await? else {
            return Ok(Lookup::Uncacheable);
        };
        fingerprints.lock().expect("fingerprints").insert(task.id.clone(), fingerprint.clone());
        let miss = |fingerprint: String, io: TaskIo| Ok(Lookup::Miss(fingerprint, io));
        if self.force.covers(&task.id) {
            return miss(fingerprint, io);
        }
        let Some(record) = self.still_valid(dag, &task.id, date, &fingerprint, &io).await? else {
            return miss(fingerprint, io);
        };
        // Raw staging lives for one run: skip its writer only if every task
        // that consumes it is skipped too.
        if task.kind.writes_raw_staging() {
            upstream.insert(task.id.clone(), fingerprint.clone());
            for consumer in dag.tasks.iter().filter(|t| t.needs.contains(&task.id)) {
                if self.force.covers(&consumer.id) {
                    return miss(fingerprint, io);
                }
                let Ok(consumer_with) = template::render(&consumer.with, vars) else { return miss(fingerprint, io) };
                let Some((fp, consumer_io)) = self.fingerprint_of(dag, consumer, &consumer_with, date, &upstream).await?
                else {
                    return miss(fingerprint, io);
                };
                if self.still_valid(dag, &consumer.id, date, &fp, &consumer_io).await?.is_none() {
                    return miss(fingerprint, io);
                }
            }
        }
        Ok(Lookup::Hit(record))
    }

    /// A skipped task is recorded as a successful attempt that says so.
    async fn record_cached(&self, task: &TaskSpec, run: &RunRecord, attempt: i32, record: CacheRecord) -> Result<TaskOutput> {
        let now = self.clock.now();
        let why = format!(
            "skipped: inputs and configuration unchanged since run {} (--force runs it)",
            record.run_id
        );
        let details = json!({"cached_from_run": record.run_id, "summary": [why]});
        let attempt = TaskAttempt {
            run_id: run.run_id.clone(),
            task_id: task.id.clone(),
            kind: task.kind.name().to_string(),
            attempt,
            status: Status::Success,
            started_at: now,
            ended_at: Some(now),
            error: None,
            rows_in: Some(record.rows_in as i64),
            rows_out: Some(record.rows_out as i64),
            details: details.clone(),
        };
        self.warehouse.write_attempt(&attempt).await?;
        info!(run_id = %run.run_id, task = %task.id, cached_from = %record.run_id, "Task skipped: its inputs and configuration are unchanged since its last success (--force runs it).");
        Ok(TaskOutput { rows_in: record.rows_in, rows_out: record.rows_out, details })
    }

    /// After a success: the fingerprint and a digest of the outputs.
    async fn remember(&self, dag: &Dag, task: &TaskSpec, run: &RunRecord, fingerprint: &str, io: &TaskIo, output: &TaskOutput) -> Result<()> {
        let record = CacheRecord {
            fingerprint: fingerprint.to_string(),
            outputs: cache::digest_listings(&io.writes).await?,
            run_id: run.run_id.clone(),
            finished_at: self.clock.now(),
            rows_in: output.rows_in,
            rows_out: output.rows_out,
        };
        cache::store(&self.warehouse, &dag.name, &task.id, run.logical_date, &record).await
    }

    /// Raw staging left by runs of this DAG that were killed before they
    /// could clean up is deleted before a new run starts.
    async fn purge_orphan_staging(&self, dag: &Dag, current_run: &str) -> Result<()> {
        let prefix = format!("{}__", dag.name);
        let mut orphans = BTreeSet::new();
        for object in self.warehouse.root().list(Warehouse::staging_root()).await? {
            let rel = self.warehouse.root().relative(&object.location);
            if let Some(run_id) = rel.split('/').nth(1) {
                if run_id.starts_with(&prefix) && run_id != current_run {
                    orphans.insert(run_id.to_string());
                }
            }
        }
        for run_id in orphans {
            // A run of another date of this DAG may be going on right now
            // (a backfill beside the scheduler): its staging is not orphaned.
            let date = run_id[prefix.len()..].split("__").next().and_then(|d| d.parse::<NaiveDate>().ok());
            if let Some(date) = date {
                let holder = RunLock::holder(self.warehouse.root(), self.clock.as_ref(), &dag.name, date).await?;
                if holder.as_deref() == Some(run_id.as_str()) {
                    continue;
                }
            }
            let n = self.warehouse.root().delete_prefix(&format!("{}/{run_id}", Warehouse::staging_root())).await?;
            warn!(run_id = %run_id, objects = n, "Deleted raw staging left by an interrupted run.");
        }
        Ok(())
    }
}

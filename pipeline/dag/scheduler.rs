//! The scheduler daemon (`slm-pipeline schedule dags/`) and backfills.
//!
//! Each DAG with a `schedule` fires on its cron times (UTC). A fire at time
//! T runs the DAG for the logical date before T's date: the night of the
//! 21st processes the logs of the 20th, as `run` does by default.
//!
//! The last fire each DAG completed is kept in the warehouse
//! (`_scheduler/<dag>.json`), so a restarted scheduler knows what it
//! missed: with `catchup: true` every missed fire runs, oldest first;
//! otherwise only the latest. A DAG seen for the first time starts from
//! now. Runs of one DAG go one at a time, in order of their fires; runs of
//! different DAGs go side by side, at most `max_concurrent` at once.
//!
//! Shutdown (SIGTERM or Ctrl-C): no new run and no new task starts, the
//! running tasks finish (fine-tuning checkpoints as it goes), and runs cut
//! short are not marked done: the next start runs them again, and the cache
//! skips the tasks they had finished.
//!
//! Time comes from the injected `Clock`, so tests need no sleeping.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use tracing::{error, info, warn};

use crate::clock::Clock;
use super::runner::{RunSummary, Runner};
use super::spec::Dag;
use crate::error::{Error, Result};
use crate::warehouse::Warehouse;

/// Missed fires run after downtime, at most (older ones are left, with a warning).
const MAX_CATCHUP: usize = 1000;

/// One due run: a DAG, the cron time that fired it and its logical date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    pub dag: String,
    pub at: DateTime<Utc>,
    pub logical_date: NaiveDate,
}

/// The logical date a fire at `at` runs: the day before.
pub fn logical_date_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive() - chrono::Duration::days(1)
}

/// What happened to one fire.
#[derive(Debug, Clone)]
pub struct FireOutcome {
    pub fire: Fire,
    /// The run's summary; `None` when the run could not start (the error says why).
    pub summary: Option<RunSummary>,
    pub error: Option<String>,
}

/// Everything a scheduler session did, for the CLI and tests.
#[derive(Debug, Clone, Default)]
pub struct ScheduleReport {
    pub outcomes: Vec<FireOutcome>,
    /// The most runs that were going on at once.
    pub peak_concurrent: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SchedulerState {
    /// The last fire whose run ended (succeeded or failed), not cut short.
    last_fire: DateTime<Utc>,
}

fn state_key(dag: &str) -> String {
    format!("_scheduler/{dag}.json")
}

pub struct Scheduler {
    warehouse: Warehouse,
    clock: Arc<dyn Clock>,
    dags: Vec<Dag>,
    max_concurrent: usize,
    stop: Arc<AtomicBool>,
    /// Makes the runner of each fire (the shutdown flag is added to it).
    runner: Box<dyn Fn() -> Runner + Send + Sync>,
}

impl Scheduler {
    /// DAGs without a `schedule` are left out (they run by hand or backfill).
    pub fn new(warehouse: Warehouse, clock: Arc<dyn Clock>, dags: Vec<Dag>, max_concurrent: usize) -> Result<Self> {
        let mut seen = std::collections::BTreeSet::new();
        for dag in &dags {
            if !seen.insert(dag.name.clone()) {
                return Err(Error::usage(format!("two DAG files are named `{}`: {}", dag.name, dag.path.display())));
            }
        }
        let dags: Vec<Dag> = dags.into_iter().filter(|d| d.schedule.is_some()).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let (wh, c) = (warehouse.clone(), clock.clone());
        let runner = Box::new(move || Runner::new(wh.clone(), c.clone()));
        Ok(Self { warehouse, clock, dags, max_concurrent: max_concurrent.max(1), stop, runner })
    }

    /// Shares the shutdown flag: set when the shutdown future resolves.
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = stop;
        self
    }

    pub fn dags(&self) -> impl Iterator<Item = &Dag> {
        self.dags.iter()
    }

    async fn load_state(&self, dag: &str) -> Result<Option<SchedulerState>> {
        let key = self.warehouse.root().key(&state_key(dag))?;
        if !self.warehouse.root().object_exists(&key).await? {
            return Ok(None);
        }
        let bytes = self.warehouse.root().get(&key).await?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::usage(format!("scheduler state {}: {e}", state_key(dag))))
    }

    async fn save_state(&self, dag: &str, last_fire: DateTime<Utc>) -> Result<()> {
        let key = self.warehouse.root().key(&state_key(dag))?;
        let bytes = serde_json::to_vec_pretty(&SchedulerState { last_fire }).expect("JSON");
        self.warehouse.root().put(&key, bytes).await
    }

    /// The fires of `dag` after `after`, up to `now`: all of them with
    /// `catchup`, else the latest.
    fn due(&self, dag: &Dag, after: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Fire> {
        let Some(schedule) = &dag.schedule else { return Vec::new() };
        let times: Vec<DateTime<Utc>> = schedule.after(&after).take_while(|t| *t <= now).take(MAX_CATCHUP + 1).collect();
        let times: Vec<DateTime<Utc>> = if !dag.catchup {
            times.last().copied().into_iter().collect()
        } else if times.len() > MAX_CATCHUP {
            warn!(dag = %dag.name, "More than {MAX_CATCHUP} missed fires: only the oldest {MAX_CATCHUP} run now, the rest next.");
            times[..MAX_CATCHUP].to_vec()
        } else {
            times
        };
        times.into_iter().map(|at| Fire { dag: dag.name.clone(), at, logical_date: logical_date_of(at) }).collect()
    }

    /// Runs until `shutdown` resolves, or, when `until` is given, until the
    /// clock passes it and the fires up to it have run (tests).
    pub async fn run(&self, until: Option<DateTime<Utc>>, shutdown: impl Future<Output = ()>) -> Result<ScheduleReport> {
        let mut report = ScheduleReport::default();
        // The latest fire queued per DAG (fires after it are not queued yet).
        let mut queued_up_to: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        let start = self.clock.now();
        for dag in &self.dags {
            let from = match self.load_state(&dag.name).await? {
                Some(state) => state.last_fire,
                None => {
                    info!(dag = %dag.name, "First time this DAG is scheduled: it fires from now on.");
                    self.save_state(&dag.name, start).await?;
                    start
                }
            };
            queued_up_to.insert(dag.name.clone(), from);
        }
        info!(dags = self.dags.len(), max_concurrent = self.max_concurrent, "Scheduler started.");
        let mut queues: BTreeMap<String, VecDeque<Fire>> = BTreeMap::new();
        let mut busy: std::collections::BTreeSet<String> = Default::default();
        let mut running = FuturesUnordered::new();
        tokio::pin!(shutdown);
        let mut shutting_down = false;

        loop {
            let now = self.clock.now();
            let horizon = until.map_or(now, |u| now.min(u));
            if !shutting_down {
                for dag in &self.dags {
                    let after = queued_up_to[&dag.name];
                    let fires = self.due(dag, after, horizon);
                    if let Some(last) = fires.last() {
                        queued_up_to.insert(dag.name.clone(), last.at);
                        for f in &fires {
                            info!(dag = %f.dag, fire = %f.at, date = %f.logical_date, "Fire due.");
                        }
                        queues.entry(dag.name.clone()).or_default().extend(fires);
                    }
                }
                // Start what may start: one run per DAG, `max_concurrent` in all.
                for dag in &self.dags {
                    if running.len() >= self.max_concurrent || busy.contains(&dag.name) {
                        continue;
                    }
                    if let Some(fire) = queues.get_mut(&dag.name).and_then(|q| q.pop_front()) {
                        busy.insert(dag.name.clone());
                        running.push(self.fire(dag, fire));
                    }
                }
                report.peak_concurrent = report.peak_concurrent.max(running.len());
            }
            let queued = queues.values().any(|q| !q.is_empty());
            let past_until = until.is_some_and(|u| now >= u);
            if running.is_empty() && (shutting_down || (past_until && !queued)) {
                break;
            }
            // The next cron time of any DAG, within `until`.
            let next_fire = self
                .dags
                .iter()
                .filter_map(|d| d.schedule.as_ref()?.after(&queued_up_to[&d.name]).next())
                .min()
                .filter(|t| until.is_none_or(|u| *t <= u));
            let wake = match (next_fire, until) {
                (Some(t), _) => Some(t),
                (None, Some(u)) if now < u => Some(u),
                _ => None,
            };
            let sleep_for = wake.map(|t| (t - now).to_std().unwrap_or(Duration::ZERO));
            tokio::select! {
                Some(outcome) = running.next(), if !running.is_empty() => {
                    busy.remove(&outcome.fire.dag);
                    report.outcomes.push(outcome);
                }
                // No DAG to wait for and no `until`: wake hourly all the same.
                _ = self.clock.sleep(sleep_for.unwrap_or(Duration::from_secs(3600))),
                    if !shutting_down && (sleep_for.is_some() || until.is_none()) => {}
                _ = &mut shutdown, if !shutting_down => {
                    info!(running = running.len(), "Shutting down: running tasks finish, no new task or run starts.");
                    shutting_down = true;
                    self.stop.store(true, Ordering::SeqCst);
                }
            }
        }
        info!(runs = report.outcomes.len(), "Scheduler stopped.");
        Ok(report)
    }

    /// Runs one fire; records it as done unless a shutdown cut it short.
    async fn fire(&self, dag: &Dag, fire: Fire) -> FireOutcome {
        info!(dag = %dag.name, date = %fire.logical_date, fire = %fire.at, "Starting the run of a fire.");
        let result = (self.runner)().with_stop(self.stop.clone()).run(dag, fire.logical_date).await;
        let (summary, error, done) = match result {
            Ok(s) => {
                let done = !s.stopped;
                (Some(s), None, done)
            }
            // Another scheduler (or a `run`) has this date: it is theirs.
            Err(Error::Locked(message)) => {
                warn!(dag = %dag.name, date = %fire.logical_date, "{message}");
                (None, Some(message), true)
            }
            Err(e) => {
                error!(dag = %dag.name, date = %fire.logical_date, error = %e, "The run could not start.");
                (None, Some(e.to_string()), true)
            }
        };
        if done {
            if let Err(e) = self.save_state(&dag.name, fire.at).await {
                error!(dag = %dag.name, error = %e, "Could not record the fire; it runs again at the next start.");
            }
        }
        FireOutcome { fire, summary, error }
    }
}

/// `backfill <dag> --from <date> --to <date>`: each date in order, one at a
/// time; stops at the first failed date (later dates may build on it, as
/// clusters do on the night before). Re-running the same range skips the
/// tasks that already succeeded (the cache).
pub async fn backfill(
    runner: &Runner,
    dag: &Dag,
    from: NaiveDate,
    to: NaiveDate,
    mut on_run: impl FnMut(&RunSummary),
) -> Result<Vec<RunSummary>> {
    if from > to {
        return Err(Error::usage(format!("backfill: --from {from} is after --to {to}")));
    }
    let mut summaries = Vec::new();
    let mut date = from;
    while date <= to {
        let summary = runner.run(dag, date).await?;
        on_run(&summary);
        let ok = summary.succeeded();
        summaries.push(summary);
        if !ok {
            break;
        }
        date = date.succ_opt().ok_or_else(|| Error::usage("backfill: date out of range"))?;
    }
    Ok(summaries)
}

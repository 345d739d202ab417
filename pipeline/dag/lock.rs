//! One run at a time per DAG and logical date, across processes and
//! machines sharing a warehouse: a lease object under
//! `_locks/<dag>/<date>/<generation>.json`.
//!
//! Only create-if-absent puts decide who holds it, so it works on any
//! object store with conditional creates (local files, S3):
//! - the holder is the writer of the highest generation whose lease has
//!   not expired;
//! - to take a lock, create generation 0, or, when the highest generation's
//!   lease has expired (its process crashed), generation n + 1. Of two
//!   contenders, one create wins; the other sees a live lease and is refused;
//! - the holder renews its lease in the background (every third of it) and
//!   deletes its generations when the run ends. A holder that finds a higher
//!   generation has lost the lock (it was paused past its lease) and says so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::warehouse::Location;

/// How long a lease lasts without renewal: a crashed run's lock is
/// recovered this long after its last renewal.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Lease {
    run_id: String,
    host: String,
    pid: u32,
    /// When the holder's process started (clock ticks since boot, from
    /// `/proc/<pid>/stat`): a live process with the same pid but another
    /// start time is a reused pid, not the holder. Absent in older leases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started: Option<u64>,
    acquired_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// A held lock; release it with [`RunLock::release`].
pub struct RunLock {
    loc: Location,
    folder: String,
    generation: u64,
    lease: Lease,
    lost: Arc<AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
}

fn generation_key(folder: &str, generation: u64) -> String {
    format!("{folder}/{generation:010}.json")
}

/// The generations present, ascending, with their leases (unreadable: None).
async fn generations(loc: &Location, folder: &str) -> Result<Vec<(u64, Option<Lease>)>> {
    let mut out = Vec::new();
    for object in loc.list(folder).await? {
        let rel = loc.relative(&object.location);
        let Some(generation) = rel.rsplit('/').next().and_then(|f| f.strip_suffix(".json")).and_then(|g| g.parse::<u64>().ok())
        else {
            continue;
        };
        let bytes = loc.get(&object.location).await?;
        let lease = serde_json::from_slice::<Lease>(&bytes).ok();
        out.push((generation, lease));
    }
    out.sort_by_key(|(g, _)| *g);
    Ok(out)
}

impl RunLock {
    /// Takes the lock of `dag` on `date` for `run_id`, or says who holds it.
    pub async fn acquire(
        root: &Location,
        clock: Arc<dyn Clock>,
        dag: &str,
        date: NaiveDate,
        run_id: &str,
        lease_for: Duration,
    ) -> Result<Self> {
        let folder = format!("_locks/{dag}/{}", date.format("%Y-%m-%d"));
        let lease_span = chrono::Duration::from_std(lease_for).map_err(|e| Error::usage(format!("lease: {e}")))?;
        // A contender that loses a create race looks again: at most a few rounds.
        for _ in 0..5 {
            let now = clock.now();
            let present = generations(root, &folder).await?;
            let generation = match present.last() {
                None => 0,
                Some((_, Some(lease))) if lease.expires_at > now && !holder_is_dead(lease) => {
                    return Err(Error::Locked(format!(
                        "DAG `{dag}` for {date} is already being run: run {} (pid {} on {}) since {}, lease until {}. \
                         Wait for it to end; if that process died, its lock is recovered when the lease expires.",
                        lease.run_id,
                        lease.pid,
                        lease.host,
                        lease.acquired_at.format("%Y-%m-%d %H:%M:%S UTC"),
                        lease.expires_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    )));
                }
                Some((g, stale)) => {
                    match stale {
                        Some(l) if l.expires_at > now => {
                            warn!(dag, %date, run = %l.run_id, pid = l.pid, "Recovering the lock of a run whose process is gone.")
                        }
                        Some(l) => warn!(dag, %date, run = %l.run_id, expired = %l.expires_at, "Recovering the lock of a run whose lease expired."),
                        None => warn!(dag, %date, generation = g, "Recovering an unreadable run lock."),
                    }
                    g + 1
                }
            };
            let lease = Lease {
                run_id: run_id.to_string(),
                host: hostname(),
                pid: std::process::id(),
                started: process_start(std::process::id()).map(|p| p.1),
                acquired_at: now,
                expires_at: now + lease_span,
            };
            let key = root.key(&generation_key(&folder, generation))?;
            if root.put_new(&key, serde_json::to_vec_pretty(&lease).expect("JSON")).await? {
                info!(dag, %date, run_id, generation, "Run lock taken.");
                let mut lock = Self {
                    loc: root.clone(),
                    folder,
                    generation,
                    lease,
                    lost: Arc::new(AtomicBool::new(false)),
                    stop: None,
                    heartbeat: None,
                };
                lock.start_heartbeat(clock, lease_for, lease_span);
                return Ok(lock);
            }
        }
        Err(Error::Locked(format!("DAG `{dag}` for {date}: could not take the run lock (other runs keep taking it)")))
    }

    /// The run holding the lock of `dag` on `date` now, if any (a live lease).
    pub async fn holder(root: &Location, clock: &dyn Clock, dag: &str, date: NaiveDate) -> Result<Option<String>> {
        let folder = format!("_locks/{dag}/{}", date.format("%Y-%m-%d"));
        let now = clock.now();
        Ok(match generations(root, &folder).await?.pop() {
            Some((_, Some(lease))) if lease.expires_at > now && !holder_is_dead(&lease) => Some(lease.run_id),
            _ => None,
        })
    }

    /// Renews the lease every third of it, in real time.
    fn start_heartbeat(&mut self, clock: Arc<dyn Clock>, lease_for: Duration, span: chrono::Duration) {
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel();
        let (loc, folder, generation, lost) = (self.loc.clone(), self.folder.clone(), self.generation, self.lost.clone());
        let mut lease = self.lease.clone();
        self.stop = Some(stop_tx);
        self.heartbeat = Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval((lease_for / 3).max(Duration::from_millis(10)));
            tick.tick().await; // the first tick is immediate
            loop {
                tokio::select! {
                    _ = &mut stop_rx => return,
                    _ = tick.tick() => {}
                }
                let present = match generations(&loc, &folder).await {
                    Ok(p) => p,
                    Err(e) => {
                        warn!(error = %e, "Could not check the run lock; retrying at the next renewal.");
                        continue;
                    }
                };
                if present.iter().any(|(g, _)| *g > generation) {
                    error!(run_id = %lease.run_id, "Lost the run lock: another run took it after this one's lease expired.");
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                lease.expires_at = clock.now() + span;
                let key = match loc.key(&generation_key(&folder, generation)) {
                    Ok(k) => k,
                    Err(_) => return,
                };
                if let Err(e) = loc.put(&key, serde_json::to_vec_pretty(&lease).expect("JSON")).await {
                    warn!(error = %e, "Could not renew the run lock; retrying at the next renewal.");
                }
            }
        }));
    }

    /// Whether another run took the lock (this one was paused past its lease).
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops renewing and deletes this lock's generations (not a newer one's).
    pub async fn release(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(heartbeat) = self.heartbeat.take() {
            let _ = heartbeat.await;
        }
        if self.lost() {
            return Ok(());
        }
        for (generation, _) in generations(&self.loc, &self.folder).await? {
            if generation <= self.generation {
                self.loc.delete(&self.loc.key(&generation_key(&self.folder, generation))?).await?;
            }
        }
        Ok(())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Not released (a panic): stop renewing, so that the lease expires.
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
    }
}

/// The holder ran on this machine and its process no longer runs (a crash,
/// `kill -9`): its lock need not wait for the lease. A killed process stays
/// a zombie until its parent reaps it, which can be long after (a shell, a
/// supervisor): that counts as dead. So does a live process under the same
/// pid that started at another time (the pid was reused).
fn holder_is_dead(lease: &Lease) -> bool {
    if lease.host != hostname() || lease.pid == std::process::id() {
        return false;
    }
    if let Some((state, started)) = process_start(lease.pid) {
        return matches!(state, 'Z' | 'X') || lease.started.is_some_and(|s| s != started);
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(lease.pid) else { return false };
        // SAFETY: signal 0 only checks that the process exists.
        let gone = unsafe { libc::kill(pid, 0) } == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        gone
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// The state letter and start time (clock ticks since boot) of process `pid`,
/// from `/proc/<pid>/stat`; None where there is no such file (no process, or
/// no procfs: the caller falls back to a signal 0).
fn process_start(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    // starttime is field 22 of the line, the 20th after comm
    Some((state, fields.nth(18)?.parse().ok()?))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dag::TestClock;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    /// A local warehouse root and a clock that moves only when told.
    fn setup() -> (tempfile::TempDir, Location, Arc<TestClock>) {
        let dir = tempfile::tempdir().unwrap();
        let root = Location::parse(dir.path().to_str().unwrap()).unwrap();
        (dir, root, Arc::new(TestClock::new(Utc::now())))
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let folder = dir.join("_locks/nightly/2026-11-20");
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_second_run_is_refused_until_the_first_releases() {
        let (dir, root, clock) = setup();
        let lease = Duration::from_secs(60);
        let first = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-a", lease).await.unwrap();
        let err = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-b", lease).await.err().unwrap().to_string();
        assert!(err.contains("already being run") && err.contains("run-a") && err.contains("2026-11-20"), "{err}");
        // Another date, or another DAG, is not held.
        let other = RunLock::acquire(&root, clock.clone(), "nightly", date().succ_opt().unwrap(), "run-c", lease).await.unwrap();
        other.release().await.unwrap();
        first.release().await.unwrap();
        assert!(files(dir.path()).is_empty(), "released: {:?}", files(dir.path()));
        RunLock::acquire(&root, clock, "nightly", date(), "run-b", lease).await.unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn the_lock_of_a_crashed_run_is_recovered_after_its_lease() {
        let (dir, root, clock) = setup();
        let lease = Duration::from_secs(60);
        // A run that dies holding the lock: it never renews nor releases.
        let crashed = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-a", lease).await.unwrap();
        drop(crashed);
        clock.tick(Duration::from_secs(30));
        assert!(RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-b", lease).await.is_err(), "lease still live");
        clock.tick(Duration::from_secs(31));
        let recovered = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-b", lease).await.unwrap();
        assert_eq!(recovered.generation, 1);
        assert_eq!(files(dir.path()), ["0000000000.json", "0000000001.json"]);
        recovered.release().await.unwrap();
        assert!(files(dir.path()).is_empty());
        // An unreadable lock object is treated as expired, never as held forever.
        std::fs::create_dir_all(dir.path().join("_locks/nightly/2026-11-20")).unwrap();
        std::fs::write(dir.path().join("_locks/nightly/2026-11-20/0000000004.json"), b"{not json").unwrap();
        let lock = RunLock::acquire(&root, clock, "nightly", date(), "run-c", lease).await.unwrap();
        assert_eq!(lock.generation, 5);
        lock.release().await.unwrap();
    }

    #[tokio::test]
    async fn the_lock_of_a_dead_process_on_this_machine_is_recovered_at_once() {
        let (dir, root, clock) = setup();
        // A child that has exited: its pid no longer exists.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let lease = Lease { run_id: "killed".into(), host: hostname(), pid, started: None, acquired_at: clock.now(), expires_at: clock.now() + chrono::Duration::hours(1) };
        std::fs::create_dir_all(dir.path().join("_locks/nightly/2026-11-20")).unwrap();
        std::fs::write(dir.path().join("_locks/nightly/2026-11-20/0000000000.json"), serde_json::to_vec(&lease).unwrap()).unwrap();
        let lock = RunLock::acquire(&root, clock.clone(), "nightly", date(), "next", Duration::from_secs(60)).await.unwrap();
        assert_eq!(lock.generation, 1);
        lock.release().await.unwrap();
        // On another machine, the same pid proves nothing: the lease holds.
        let elsewhere = Lease { host: "another-host".into(), ..lease };
        std::fs::create_dir_all(dir.path().join("_locks/nightly/2026-11-20")).unwrap();
        std::fs::write(dir.path().join("_locks/nightly/2026-11-20/0000000000.json"), serde_json::to_vec(&elsewhere).unwrap()).unwrap();
        assert!(RunLock::acquire(&root, clock, "nightly", date(), "next", Duration::from_secs(60)).await.is_err());
    }

    /// Writes `lease` as generation 0 of the test DAG's lock.
    fn plant(dir: &std::path::Path, lease: &Lease) {
        std::fs::create_dir_all(dir.join("_locks/nightly/2026-11-20")).unwrap();
        std::fs::write(dir.join("_locks/nightly/2026-11-20/0000000000.json"), serde_json::to_vec(lease).unwrap()).unwrap();
    }

    #[tokio::test]
    async fn a_killed_holder_not_yet_reaped_or_a_reused_pid_frees_the_lock_at_once() {
        let (dir, root, clock) = setup();
        let hour = |c: &TestClock| c.now() + chrono::Duration::hours(1);
        // SIGKILLed and not reaped: a zombie, whose pid still answers signal 0.
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        let started = process_start(pid).unwrap().1;
        child.kill().unwrap();
        for _ in 0..200 {
            if process_start(pid).is_some_and(|p| p.0 == 'Z') {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(process_start(pid).map(|p| p.0), Some('Z'), "the killed child is a zombie until waited for");
        let killed = Lease { run_id: "killed".into(), host: hostname(), pid, started: Some(started), acquired_at: clock.now(), expires_at: hour(&clock) };
        plant(dir.path(), &killed);
        let lock = RunLock::acquire(&root, clock.clone(), "nightly", date(), "next", Duration::from_secs(60)).await.unwrap();
        assert_eq!(lock.generation, 1);
        lock.release().await.unwrap();
        child.wait().unwrap();
        // A live process under the recorded pid that started at another time is not the holder.
        let mut other = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let (pid, started) = (other.id(), process_start(other.id()).unwrap().1);
        plant(dir.path(), &Lease { pid, started: Some(started + 1), ..killed.clone() });
        RunLock::acquire(&root, clock.clone(), "nightly", date(), "next", Duration::from_secs(60)).await.unwrap().release().await.unwrap();
        // The same process, same start time: alive, the lease holds.
        plant(dir.path(), &Lease { pid, started: Some(started), ..killed.clone() });
        let err = RunLock::acquire(&root, clock.clone(), "nightly", date(), "next", Duration::from_secs(60)).await.err().unwrap();
        assert!(err.to_string().contains("already being run"), "{err}");
        other.kill().unwrap();
        other.wait().unwrap();
        // Our own lease records our start time.
        let ours = RunLock::acquire(&root, clock, "nightly", date().succ_opt().unwrap(), "ours", Duration::from_secs(60)).await.unwrap();
        assert_eq!(ours.lease.started, process_start(std::process::id()).map(|p| p.1));
        ours.release().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_holder_paused_past_its_lease_learns_it_lost_the_lock() {
        let (dir, root, clock) = setup();
        // Renewals every 200 ms of real time: the first comes after the takeover,
        // which happens at once in clock time.
        let paused = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-a", Duration::from_millis(600)).await.unwrap();
        clock.tick(Duration::from_secs(1));
        let taker = RunLock::acquire(&root, clock.clone(), "nightly", date(), "run-b", Duration::from_secs(60)).await.unwrap();
        for _ in 0..300 {
            if paused.lost() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(paused.lost() && !taker.lost());
        // Releasing the lost lock leaves the taker's alone.
        paused.release().await.unwrap();
        assert_eq!(files(dir.path()), ["0000000000.json", "0000000001.json"]);
        taker.release().await.unwrap();
        assert!(files(dir.path()).is_empty());
    }
}

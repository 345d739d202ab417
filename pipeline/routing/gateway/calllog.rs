//! The call log: every call the gateway answers becomes one line of the
//! ingest's OpenAI chat format (DESIGN.md, "Input: agent call logs"), with
//! the route metadata as extra top-level fields (ingest keeps those in its
//! metadata column), written as gzip JSON Lines objects under
//! `<log-to>/<YYYY-MM-DD>/<timestamp>-<instance>-<n>.jsonl.gz`.
//!
//! Nothing of this is on a request's path: the handler `try_send`s the
//! record into a bounded queue, and a full queue drops it (counted) rather
//! than wait. A writer task batches by size and time, anonymizes every
//! string with the `slm-pii` redactor under the anonymize task's key (so a
//! pseudonym here is the pseudonym there), and puts each object in one
//! atomic write (object_store's local store writes a temporary file and
//! renames it). A failed write is retried with backoff on the next ticks;
//! batches wait in memory up to a bound, past which the oldest are dropped
//! and counted. Shutdown closes the queue and writes what it holds.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use slm_pii::{EntityCounts, Redactor};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::warn;

use super::openai::{Answer, ApiError};
use crate::warehouse::Location;

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub location: Location,
    /// Records the queue holds before new ones are dropped.
    pub capacity: usize,
    /// An object is written once this many records wait...
    pub batch_records: usize,
    /// ...or this long after the last write.
    pub flush_every: Duration,
    /// Records kept in memory while the store refuses writes.
    pub max_pending: usize,
    /// Wait before the second attempt of a write (doubled after).
    pub retry_backoff: Duration,
}

impl LogConfig {
    pub fn new(location: Location) -> Self {
        Self {
            location,
            capacity: 10_000,
            batch_records: 1_000,
            flush_every: Duration::from_secs(10),
            max_pending: 100_000,
            retry_backoff: Duration::from_millis(200),
        }
    }
}

#[derive(Debug, Default)]
pub struct LogStats {
    pub queued: AtomicU64,
    pub dropped: AtomicU64,
    pub written_records: AtomicU64,
    pub written_objects: AtomicU64,
    pub write_failures: AtomicU64,
}

#[derive(Clone)]
pub struct CallLog {
    tx: mpsc::Sender<Value>,
    stats: Arc<LogStats>,
}

impl CallLog {
    /// The queue's sending side and the writer that drains it (started by `spawn`).
    pub fn new(config: LogConfig, redactor: Arc<Redactor>) -> (Self, LogWriter) {
        let (tx, rx) = mpsc::channel(config.capacity.max(1));
        let stats = Arc::new(LogStats::default());
        let instance = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        (Self { tx, stats: stats.clone() }, LogWriter { rx, config, redactor, stats, instance, seq: 0 })
    }

    /// Never waits: a full (or closed) queue drops the record.
    pub fn push(&self, record: Value) {
        match self.tx.try_send(record) {
            Ok(()) => self.stats.queued.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.stats.dropped.fetch_add(1, Ordering::Relaxed),
        };
    }

    pub fn stats(&self) -> &LogStats {
        &self.stats
    }
}

/// One encoded object waiting to be written.
struct Batch {
    key: String,
    bytes: Vec<u8>,
    records: usize,
}

pub struct LogWriter {
    rx: mpsc::Receiver<Value>,
    config: LogConfig,
    redactor: Arc<Redactor>,
    stats: Arc<LogStats>,
    /// Names objects apart when several gateways write to one place.
    instance: String,
    seq: u64,
}

pub struct WriterHandle {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl WriterHandle {
    /// Closes the queue, writes what it holds, and waits for the writer.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.join.await {
            warn!(error = %e, "The call log writer ended abnormally.");
        }
    }
}

impl LogWriter {
    pub fn spawn(self) -> WriterHandle {
        let (stop, stopped) = watch::channel(false);
        WriterHandle { stop, join: tokio::spawn(self.run(stopped)) }
    }

    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut buffer = Vec::new();
        let mut pending = VecDeque::new();
        let mut tick = tokio::time::interval(self.config.flush_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                record = self.rx.recv() => match record {
                    Some(r) => {
                        buffer.push(r);
                        if buffer.len() >= self.config.batch_records {
                            self.flush(&mut buffer, &mut pending, 1).await;
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => self.flush(&mut buffer, &mut pending, 1).await,
            }
        }
        // Stop taking records; what the queue holds is still written.
        self.rx.close();
        while let Some(r) = self.rx.recv().await {
            buffer.push(r);
            if buffer.len() >= self.config.batch_records {
                self.flush(&mut buffer, &mut pending, 1).await;
            }
        }
        self.flush(&mut buffer, &mut pending, 4).await;
        let lost: usize = pending.iter().map(|b| b.records).sum();
        if lost > 0 {
            self.stats.dropped.fetch_add(lost as u64, Ordering::Relaxed);
            warn!(records = lost, location = %self.config.location.display_url(), "Call log records lost at shutdown: the store refused them.");
        }
    }

    /// Encodes `buffer` as one object, then writes the waiting objects in
    /// order, `rounds` rounds of attempts with backoff; what fails waits.
    async fn flush(&mut self, buffer: &mut Vec<Value>, pending: &mut VecDeque<Batch>, rounds: u32) {
        if !buffer.is_empty() {
            let records = std::mem::take(buffer);
            self.seq += 1;
            let now = chrono::Utc::now();
            let key = format!("{}/{}-{}-{:06}.jsonl.gz", now.format("%Y-%m-%d"), now.format("%Y%m%dT%H%M%S%.3fZ"), self.instance, self.seq);
            let redactor = self.redactor.clone();
            let n = records.len();
            match tokio::task::spawn_blocking(move || encode(&redactor, &records)).await {
                Ok(bytes) => pending.push_back(Batch { key, bytes, records: n }),
                Err(e) => {
                    self.stats.dropped.fetch_add(n as u64, Ordering::Relaxed);
                    warn!(error = %e, records = n, "Encoding call log records failed; they are dropped.");
                }
            }
            let mut waiting: usize = pending.iter().map(|b| b.records).sum();
            while waiting > self.config.max_pending && pending.len() > 1 {
                let old = pending.pop_front().expect("non-empty");
                waiting -= old.records;
                self.stats.dropped.fetch_add(old.records as u64, Ordering::Relaxed);
            }
        }
        let mut wait = self.config.retry_backoff;
        for round in 0..rounds.max(1) {
            if round > 0 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            while let Some(batch) = pending.front() {
                match self.write(batch).await {
                    Ok(()) => {
                        self.stats.written_objects.fetch_add(1, Ordering::Relaxed);
                        self.stats.written_records.fetch_add(batch.records as u64, Ordering::Relaxed);
                        pending.pop_front();
                    }
                    Err(e) => {
                        self.stats.write_failures.fetch_add(1, Ordering::Relaxed);
                        warn!(object = %batch.key, location = %self.config.location.display_url(), error = %e,
                              "Writing the call log failed; the records wait for the next try.");
                        break;
                    }
                }
            }
            if pending.is_empty() {
                return;
            }
        }
    }

    async fn write(&self, batch: &Batch) -> crate::error::Result<()> {
        let key = self.config.location.key(&batch.key)?;
        self.config.location.put(&key, batch.bytes.clone()).await
    }
}

/// Anonymized JSON Lines, gzip-compressed.
fn encode(redactor: &Redactor, records: &[Value]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut counts = EntityCounts::default();
    for record in records {
        let line = serde_json::to_string(record).expect("a Value always serialises");
        let line = redactor.redact_json(&line, &mut counts).unwrap_or(line);
        gz.write_all(line.as_bytes()).and_then(|()| gz.write_all(b"\n")).expect("writing to memory");
    }
    gz.finish().expect("writing to memory")
}

/// What the SLM said (or failed to say) before the request went to the LLM.
#[derive(Debug, Clone)]
pub struct SlmAttempt {
    pub model: String,
    pub latency_ms: f64,
    pub completion: Option<Value>,
    pub error: Option<String>,
}

/// The LLM's answer to a call the SLM answered, asked off the client's
/// path, and how the SLM's answer scored against it.
#[derive(Debug, Clone)]
pub struct ShadowAttempt {
    pub latency_ms: f64,
    pub completion: Option<Value>,
    pub error: Option<String>,
    pub score: Option<f64>,
    pub agrees: Option<bool>,
}

/// What a shadow task keeps of its call until the LLM has answered.
#[derive(Debug, Clone)]
pub struct OwnedCall {
    pub request: Value,
    pub ts: chrono::DateTime<chrono::Utc>,
    pub latency_ms: f64,
    pub http_status: u16,
    pub reason: &'static str,
    pub router_reason: Option<String>,
    pub table_version: Option<String>,
}

/// One call, as the handler knows it at the end.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub request: &'a Value,
    pub ts: chrono::DateTime<chrono::Utc>,
    pub latency_ms: f64,
    pub http_status: u16,
    pub route: &'a str,
    pub reason: &'a str,
    pub router_reason: Option<&'a str>,
    pub cluster_id: Option<&'a str>,
    pub adapter: Option<&'a str>,
    pub table_version: Option<&'a str>,
    pub completion: Option<&'a Value>,
    pub error: Option<&'a ApiError>,
    pub slm: Option<&'a SlmAttempt>,
    pub shadow: Option<&'a ShadowAttempt>,
}

/// What the log keeps of a second opinion: its latency, answer and error.
fn attempt(latency_ms: f64, completion: Option<&Value>, error: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("latency_ms".into(), json!((latency_ms * 1000.0).round() / 1000.0));
    if let Some(c) = completion {
        out.insert("response".into(), Answer::of(c).to_log());
    }
    if let Some(e) = error {
        out.insert("error".into(), json!(e));
    }
    out
}

/// The ingest line for `call`.
pub fn record(call: &Call) -> Value {
    let mut o = Map::new();
    let req = call.request;
    o.insert("trace_id".into(), json!(uuid::Uuid::new_v4().simple().to_string()));
    o.insert("ts".into(), json!(call.ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)));
    for key in ["agent", "model", "messages", "tools", "tool_choice", "response_format"] {
        if let Some(v) = req.get(key).filter(|v| !v.is_null()) {
            o.insert(key.into(), v.clone());
        }
    }
    if let Some(c) = call.completion {
        o.insert("response".into(), Answer::of(c).to_log());
        if let Some(u) = c.get("usage").filter(|u| u.is_object()) {
            o.insert("usage".into(), u.clone());
        }
        if let Some(m) = c.get("model") {
            o.insert("answered_by".into(), m.clone());
        }
    }
    o.insert("latency_ms".into(), json!((call.latency_ms * 1000.0).round() / 1000.0));
    o.insert("status".into(), json!(if call.error.is_some() { "error" } else { "ok" }));
    if let Some(e) = call.error {
        o.insert("error".into(), json!({"message": e.message, "type": e.kind, "code": e.code}));
    }
    o.insert("http_status".into(), json!(call.http_status));
    o.insert("route".into(), json!(call.route));
    o.insert("reason".into(), json!(call.reason));
    let optional = [
        ("router_reason", call.router_reason),
        ("cluster_id", call.cluster_id),
        ("adapter", call.adapter),
        ("table_version", call.table_version),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            o.insert(k.into(), json!(v));
        }
    }
    if let Some(s) = call.slm {
        let mut slm = attempt(s.latency_ms, s.completion.as_ref(), s.error.as_deref());
        slm.insert("model".into(), json!(s.model));
        o.insert("slm_answer".into(), Value::Object(slm));
    }
    if let Some(s) = call.shadow {
        let mut llm = attempt(s.latency_ms, s.completion.as_ref(), s.error.as_deref());
        if let Some(m) = s.completion.as_ref().and_then(|c| c.get("model")) {
            llm.insert("model".into(), m.clone());
        }
        if let Some(score) = s.score {
            llm.insert("score".into(), json!(score));
        }
        if let Some(agrees) = s.agrees {
            llm.insert("agrees".into(), json!(agrees));
        }
        o.insert("llm_answer".into(), Value::Object(llm));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::gateway::tests::{read_log_lines, redactor};

    fn config(dir: &std::path::Path) -> LogConfig {
        let mut c = LogConfig::new(Location::parse(dir.to_str().unwrap()).unwrap());
        c.capacity = 8;
        c.batch_records = 3;
        c.flush_every = Duration::from_secs(3600);
        c.retry_backoff = Duration::from_millis(5);
        c
    }

    fn line(i: usize) -> Value {
        json!({"messages": [{"role": "user", "content": format!("call {i} from canary.person@example.org")}], "route": "llm"})
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_shutdown_writes_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let (log, writer) = CallLog::new(config(dir.path()), redactor());
        // The writer is not running yet: the queue fills at 8, the rest is dropped at once.
        for i in 0..11 {
            log.push(line(i));
        }
        assert_eq!((log.stats().queued.load(Ordering::Relaxed), log.stats().dropped.load(Ordering::Relaxed)), (8, 3));
        writer.spawn().shutdown().await;
        let lines = read_log_lines(dir.path());
        assert_eq!(lines.len(), 8, "every queued record is written at shutdown");
        assert_eq!(log.stats().written_records.load(Ordering::Relaxed), 8);
        // Batches of 3: 3 + 3 + 2.
        assert_eq!(log.stats().written_objects.load(Ordering::Relaxed), 3);
        for l in &lines {
            let text = l.to_string();
            assert!(!text.contains("canary.person") && text.contains("<EMAIL_"), "{text}");
        }
        // A closed queue drops without blocking.
        log.push(line(99));
        assert_eq!(log.stats().dropped.load(Ordering::Relaxed), 4);
    }

    #[tokio::test]
    async fn writes_that_fail_are_retried_and_records_wait_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the log folder should be: every put fails.
        let blocked = dir.path().join("logs");
        std::fs::write(&blocked, b"not a folder").unwrap();
        let mut c = config(&blocked);
        c.flush_every = Duration::from_millis(20);
        let (log, writer) = CallLog::new(c, redactor());
        let handle = writer.spawn();
        for i in 0..4 {
            log.push(line(i));
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(log.stats().write_failures.load(Ordering::Relaxed) >= 2, "retried on the ticks");
        assert_eq!(log.stats().written_records.load(Ordering::Relaxed), 0);
        // The store comes back: the waiting records are written, none lost.
        std::fs::remove_file(&blocked).unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(log.stats().written_records.load(Ordering::Relaxed), 4);
        handle.shutdown().await;
        assert_eq!(read_log_lines(&blocked).len(), 4);
        assert_eq!(log.stats().dropped.load(Ordering::Relaxed), 0);
    }
}

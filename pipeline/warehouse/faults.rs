//! A fault-injecting object store: wraps a real store and makes the first N
//! operations of a chosen kind fail: a transient error, a hang (a timeout),
//! a short read (the body breaks off half-way), or a permanent error
//! (permission denied, disk full). Tests use it to prove retries, resume and
//! clean failure.

use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// Which operations a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Put,
    Get,
    List,
    Delete,
}

/// Fail the first `count` operations of kind `op` whose key contains `key_contains`.
#[derive(Debug, Clone)]
pub struct Fault {
    pub op: Op,
    pub key_contains: String,
    pub count: u64,
    pub effect: Effect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A generic store error, worth a retry.
    Transient,
    /// Permission denied: not worth a retry.
    Permanent,
    /// The operation never answers (for timeouts).
    Hang,
    /// A read whose body breaks off half-way with a connection error.
    ShortRead,
    /// A read whose body ends half-way without an error (a faulty proxy).
    Truncate,
    /// A write that fails with "no space left on device": not worth a retry.
    DiskFull,
}

impl Fault {
    pub fn transient(op: Op, key_contains: &str, count: u64) -> Self {
        Self { op, key_contains: key_contains.into(), count, effect: Effect::Transient }
    }
    pub fn permanent(op: Op, key_contains: &str) -> Self {
        Self { op, key_contains: key_contains.into(), count: u64::MAX, effect: Effect::Permanent }
    }
    pub fn hang(op: Op, key_contains: &str) -> Self {
        Self { op, key_contains: key_contains.into(), count: u64::MAX, effect: Effect::Hang }
    }
    /// The first `count` matching operations hang; later ones go through.
    pub fn hang_first(op: Op, key_contains: &str, count: u64) -> Self {
        Self { op, key_contains: key_contains.into(), count, effect: Effect::Hang }
    }
    /// The first `count` matching reads break off half-way.
    pub fn short_read(key_contains: &str, count: u64) -> Self {
        Self { op: Op::Get, key_contains: key_contains.into(), count, effect: Effect::ShortRead }
    }
    /// The first `count` matching reads end half-way, silently.
    pub fn truncate(key_contains: &str, count: u64) -> Self {
        Self { op: Op::Get, key_contains: key_contains.into(), count, effect: Effect::Truncate }
    }
    pub fn disk_full(key_contains: &str) -> Self {
        Self { op: Op::Put, key_contains: key_contains.into(), count: u64::MAX, effect: Effect::DiskFull }
    }
}

pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    state: Arc<FaultState>,
}

struct FaultState {
    faults: Vec<(Fault, AtomicU64)>,
    injected: AtomicU64,
    pause: Option<Pause>,
}

/// Holds the first operation of kind `op` on a key containing
/// `key_contains`: signals `reached`, then waits until `release` is set.
/// Tests use it to act at a known point inside a task (a shutdown, say).
#[derive(Debug, Clone)]
pub struct Pause {
    pub op: Op,
    pub key_contains: String,
    pub reached: Arc<tokio::sync::Notify>,
    pub release: Arc<std::sync::atomic::AtomicBool>,
    used: Arc<std::sync::atomic::AtomicBool>,
}

impl Pause {
    pub fn new(op: Op, key_contains: &str, reached: Arc<tokio::sync::Notify>, release: Arc<std::sync::atomic::AtomicBool>) -> Self {
        Self { op, key_contains: key_contains.into(), reached, release, used: Arc::default() }
    }
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ObjectStore>, faults: Vec<Fault>) -> Self {
        let faults = faults.into_iter().map(|f| (f, AtomicU64::new(0))).collect();
        Self { inner, state: Arc::new(FaultState { faults, injected: AtomicU64::new(0), pause: None }) }
    }

    /// Adds a pause (see `Pause`); before the store is shared.
    pub fn with_pause(mut self, pause: Pause) -> Self {
        Arc::get_mut(&mut self.state).expect("a pause is added before the store is shared").pause = Some(pause);
        self
    }

    /// Another store behind the same faults and counters (a run's log
    /// source beside its warehouse).
    pub fn share(&self, inner: Arc<dyn ObjectStore>) -> Self {
        Self { inner, state: self.state.clone() }
    }

    /// A warehouse wrapper that puts these faults in front of every store
    /// the warehouse and its tasks open (`Warehouse::with_store_wrapper`).
    pub fn wrapper(self: &Arc<Self>) -> super::StoreWrapper {
        let faults = self.clone();
        super::StoreWrapper(Arc::new(move |inner| Arc::new(faults.share(inner)) as Arc<dyn ObjectStore>))
    }

    /// How many operations were made to fail so far.
    pub fn injected(&self) -> u64 {
        self.state.injected.load(Ordering::SeqCst)
    }

    fn check(&self, op: Op, key: &str) -> Result<()> {
        self.state.check(op, key)
    }

    /// Like `check`, but a hanging fault waits forever.
    async fn gate(&self, op: Op, key: &str) -> Result<()> {
        self.gate_reads(op, key).await.map(drop)
    }

    /// Like `gate`; `Some(effect)` when this read is to end half-way.
    async fn gate_reads(&self, op: Op, key: &str) -> Result<Option<Effect>> {
        if let Some(p) = &self.state.pause {
            if p.op == op && key.contains(&p.key_contains) && !p.used.swap(true, Ordering::SeqCst) {
                p.reached.notify_one();
                while !p.release.load(Ordering::SeqCst) {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
        }
        for (fault, used) in &self.state.faults {
            let matches = fault.op == op && key.contains(&fault.key_contains);
            if !matches || !matches!(fault.effect, Effect::Hang | Effect::ShortRead | Effect::Truncate) {
                continue;
            }
            if used.fetch_add(1, Ordering::SeqCst) < fault.count {
                self.state.injected.fetch_add(1, Ordering::SeqCst);
                if fault.effect != Effect::Hang {
                    return Ok(Some(fault.effect));
                }
                futures::future::pending::<()>().await;
            }
        }
        self.check(op, key).map(|()| None)
    }
}

impl FaultState {
    fn check(&self, op: Op, key: &str) -> Result<()> {
        for (fault, used) in &self.faults {
            if matches!(fault.effect, Effect::Hang | Effect::ShortRead | Effect::Truncate) || fault.op != op || !key.contains(&fault.key_contains) {
                continue;
            }
            if used.fetch_add(1, Ordering::SeqCst) < fault.count {
                self.injected.fetch_add(1, Ordering::SeqCst);
                let source = format!("injected fault on {op:?} {key}").into();
                return Err(match fault.effect {
                    Effect::Permanent => object_store::Error::PermissionDenied { path: key.to_string(), source },
                    // As the local store reports it: a generic error caused by ENOSPC.
                    Effect::DiskFull => object_store::Error::Generic {
                        store: "faulty",
                        source: Box::new(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device (injected)")),
                    },
                    _ => object_store::Error::Generic { store: "faulty", source },
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

impl fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({:?})", self.state.faults.iter().map(|(f, _)| f).collect::<Vec<_>>())
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.gate(Op::Put, location.as_ref()).await?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.gate(Op::Put, location.as_ref()).await?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let effect = self.gate_reads(Op::Get, location.as_ref()).await?;
        let result = self.inner.get_opts(location, options).await?;
        let Some(effect) = effect else { return Ok(result) };
        // Half the body, then the connection drops (or the body just ends).
        let (meta, range, attributes) = (result.meta.clone(), result.range.clone(), result.attributes.clone());
        let body = result.bytes().await?;
        let half = body.slice(..body.len() / 2);
        let mut parts = vec![Ok(half)];
        if effect == Effect::ShortRead {
            let source = "connection reset mid-body (injected)".into();
            parts.push(Err(object_store::Error::Generic { store: "faulty", source }));
        }
        let stream = futures::stream::iter(parts).boxed();
        Ok(GetResult { payload: object_store::GetResultPayload::Stream(stream), meta, range, attributes })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        if self.gate_reads(Op::Get, location.as_ref()).await?.is_some() {
            let source = "connection reset mid-body (injected)".into();
            return Err(object_store::Error::Generic { store: "faulty", source });
        }
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        // A path whose delete is to fail is turned into an error item; the
        // inner store passes error items through as failed deletes.
        let state = self.state.clone();
        let gated = locations
            .map(move |location| location.and_then(|path| state.check(Op::Delete, path.as_ref()).map(|()| path)))
            .boxed();
        self.inner.delete_stream(gated)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let key = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.check(Op::List, &key) {
            Ok(()) => self.inner.list(prefix),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    fn list_with_offset(&self, prefix: Option<&Path>, offset: &Path) -> BoxStream<'static, Result<ObjectMeta>> {
        let key = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.check(Op::List, &key) {
            Ok(()) => self.inner.list_with_offset(prefix, offset),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.check(Op::List, &prefix.map(|p| p.to_string()).unwrap_or_default())?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.check(Op::Put, to.as_ref())?;
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.check(Op::Put, to.as_ref())?;
        self.inner.rename_opts(from, to, options).await
    }
}

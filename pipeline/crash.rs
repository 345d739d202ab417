//! Crash testing: points where a test stops the process with SIGKILL, as a
//! power cut or the OOM killer would (no clean-up, no destructors, nothing
//! flushed). Unset (always, in production), a point costs one lookup of a
//! variable read once.
//!
//! `SLM_KILL_AT` lists comma-separated points:
//! - `publish:table`: a named point (`kill_point`), the first time it is hit;
//!   `ingest:object-staged#3`: the third time;
//! - `write:17`: right before the 17th write (put, multipart upload, delete,
//!   copy, rename) to any store the run opens, so every write of every
//!   task is a kill point without naming it.
//!
//! `SLM_CRASH_COUNT=1` prints, when the command ends, how many writes it
//! made and how often it passed each named point: the crash harness
//! (`tests/crash.rs`) enumerates its kill points from an uninterrupted run.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

struct Armed {
    points: Vec<String>,
    count: bool,
    writes: AtomicU64,
    hits: Mutex<BTreeMap<String, u64>>,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let points: Vec<String> = std::env::var("SLM_KILL_AT")
                .unwrap_or_default()
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            let count = std::env::var_os("SLM_CRASH_COUNT").is_some();
            (count || !points.is_empty()).then(|| Armed {
                points,
                count,
                writes: AtomicU64::new(0),
                hits: Mutex::new(BTreeMap::new()),
            })
        })
        .as_ref()
}

/// Whether crash testing is on for this process (stores are then wrapped).
pub fn is_armed() -> bool {
    armed().is_some()
}

fn die(what: &str) -> ! {
    eprintln!("SLM_KILL_AT: killed at {what}");
    // SAFETY: kill(2) on our own pid with a constant signal number.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    unreachable!("SIGKILL cannot be caught")
}

/// A named point: the process dies here when `SLM_KILL_AT` names it (the
/// first time) or `name#k` (the k-th time).
pub fn kill_point(name: &str) {
    let Some(a) = armed() else { return };
    let hit = {
        let mut hits = a.hits.lock().expect("crash hits");
        let n = hits.entry(name.to_string()).or_insert(0);
        *n += 1;
        *n
    };
    let nth = format!("{name}#{hit}");
    if a.points.iter().any(|p| (p == name && hit == 1) || *p == nth) {
        die(&nth);
    }
}

fn before_write(key: &str) {
    let Some(a) = armed() else { return };
    let n = a.writes.fetch_add(1, Ordering::SeqCst) + 1;
    let point = format!("write:{n}");
    if a.points.contains(&point) {
        die(&format!("{point} ({key})"));
    }
}

/// With `SLM_CRASH_COUNT`: one line on stderr, `SLM_CRASH_COUNT writes=N
/// points=name*hits,...`, for the harness.
pub fn report() {
    let Some(a) = armed().filter(|a| a.count) else { return };
    let hits = a.hits.lock().expect("crash hits");
    let points: Vec<String> = hits.iter().map(|(name, n)| format!("{name}*{n}")).collect();
    eprintln!("SLM_CRASH_COUNT writes={} points={}", a.writes.load(Ordering::SeqCst), points.join(","));
}

/// Wraps a store so that its writes are kill points.
pub fn wrap(inner: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
    Arc::new(CrashStore { inner })
}

struct CrashStore {
    inner: Arc<dyn ObjectStore>,
}

impl fmt::Display for CrashStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CrashStore({})", self.inner)
    }
}

impl fmt::Debug for CrashStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CrashStore({:?})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CrashStore {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        before_write(location.as_ref());
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        before_write(location.as_ref());
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        let counted = locations.map(|l| l.inspect(|path| before_write(path.as_ref()))).boxed();
        self.inner.delete_stream(counted)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(&self, prefix: Option<&Path>, offset: &Path) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        before_write(to.as_ref());
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        before_write(to.as_ref());
        self.inner.rename_opts(from, to, options).await
    }
}

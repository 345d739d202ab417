//! The allocator around tensor-heavy work.
//!
//! candle allocates a new buffer for every op's output. glibc serves large
//! buffers with mmap and unmaps them when they are freed, so each training
//! step faulted in and zeroed gigabytes of fresh pages: a third of the time
//! in a profile of fine-tuning, and 67 instead of 96 tokens/s
//! (`scripts/bench_finetune.sh`). While a `KeepFreedMemory` lives, freed
//! memory stays in the heap for the next step; when the last one is
//! dropped, glibc's defaults come back and the heap is trimmed, so a
//! long-lived process (the scheduler) does not keep the training peak.

use std::sync::atomic::{AtomicUsize, Ordering};

static HOLDERS: AtomicUsize = AtomicUsize::new(0);

pub struct KeepFreedMemory(());

impl KeepFreedMemory {
    pub fn new() -> Self {
        if HOLDERS.fetch_add(1, Ordering::SeqCst) == 0 {
            set(0, i32::MAX, 256 << 20);
        }
        Self(())
    }
}

impl Default for KeepFreedMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for KeepFreedMemory {
    fn drop(&mut self) {
        if HOLDERS.fetch_sub(1, Ordering::SeqCst) == 1 {
            // glibc's defaults (mallopt(3)).
            set(65_536, 128 * 1024, 128 * 1024);
            #[cfg(all(target_os = "linux", target_env = "gnu"))]
            // SAFETY: malloc_trim only returns free heap memory to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    }
}

/// Most mmap'd allocations, the free top of the heap kept, the padding
/// asked of the system at each heap growth.
#[allow(unused_variables)]
fn set(mmap_max: i32, trim_threshold: i32, top_pad: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; any value is valid.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, mmap_max);
        libc::mallopt(libc::M_TRIM_THRESHOLD, trim_threshold);
        libc::mallopt(libc::M_TOP_PAD, top_pad);
    }
}

/// The environment variable that turns the huge-page re-execution off
/// (`SLM_HUGE_PAGES=0`).
pub const HUGE_PAGES_ENV: &str = "SLM_HUGE_PAGES";
const TUNABLE: &str = "glibc.malloc.hugetlb=1";

/// Whether this process runs with glibc's huge-page tunable.
pub fn huge_pages() -> bool {
    std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains(TUNABLE))
}

/// Re-executes this binary once with glibc's `glibc.malloc.hugetlb=1`
/// tunable, which makes malloc ask for transparent huge pages (madvise) on
/// the heap it grows. Training touches gigabytes of activations per step:
/// with 4 KiB pages the TLB misses cost a fifth of the throughput
/// (`scripts/bench_finetune.sh`: 212 → 268 tokens/s for the whole graph,
/// 186 → 200 with checkpointing). glibc reads its tunables at start-up
/// only, hence the exec; the process keeps its id, arguments and
/// environment. Nothing happens where THP is off (`never`), off Linux/glibc,
/// when the tunable is already set, or with `SLM_HUGE_PAGES=0`; a failed
/// exec is only logged to stderr and the process goes on as it is.
pub fn reexec_with_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(HUGE_PAGES_ENV).is_some_and(|v| v == "0") {
            return;
        }
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if tunables.contains("glibc.malloc.hugetlb") {
            return;
        }
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
        if !(thp.contains("[madvise]") || thp.contains("[always]")) {
            return;
        }
        let tunables = if tunables.is_empty() { TUNABLE.to_string() } else { format!("{tunables}:{TUNABLE}") };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new("/proc/self/exe");
        if let Some(argv0) = args.next() {
            command.arg0(argv0);
        }
        // `exec` returns only on failure.
        let error = command.args(args).env("GLIBC_TUNABLES", tunables).exec();
        eprintln!("note: running without transparent huge pages (re-exec failed: {error})");
    }
}

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

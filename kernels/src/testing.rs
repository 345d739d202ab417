//! What the kernels' tests share.

use std::ops::Range;

/// A pool that runs the two halves of the range one after the other: the
/// kernels' splitting is exercised without threads.
pub fn serial(n: usize, f: &(dyn Fn(Range<usize>) + Sync)) {
    f(0..n / 2);
    f(n / 2..n);
}

/// `n` deterministic values in [-spread, spread], different per seed.
pub fn values(n: usize, seed: usize, spread: f32) -> Vec<f32> {
    (0..n).map(|i| ((((i * 7919 + seed * 104_729) % 2003) as f32 - 1001.0) / 1001.0) * spread).collect()
}

//! Hot loops of slm-pipeline in their own crate, so that they are built
//! optimised even in test builds (see `[profile.dev.package.slm-kernels]`),
//! where an unoptimised dot product would be 30x slower.
//!
//! `rows_times_transposed`: `y = x Wᵀ` for a few rows of x, the products of
//! decoding one token at a time. Memory-bound: each weight row is read once,
//! contiguously; the caller's thread pool splits the output columns.

pub mod bert;
pub mod bf16;
pub mod gemm;
pub mod int8;
pub mod ops;
mod split;
#[cfg(test)]
mod testing;

/// `y = x Wᵀ` for x (m, k) and W (n, k), both row-major: y (m, n).
/// `pool(n, f)` must call `f` on disjoint ranges covering `0..n` and return
/// when all calls have.
pub fn rows_times_transposed(
    x: &[f32],
    w: &[f32],
    m: usize,
    n: usize,
    k: usize,
    pool: impl Fn(usize, &(dyn Fn(std::ops::Range<usize>) + Sync)),
) -> Vec<f32> {
    assert!(x.len() == m * k && w.len() == n * k, "x is {m}x{k}, W is {n}x{k}");
    let mut y = vec![0f32; m * n];
    let out = SharedOut(y.as_mut_ptr());
    pool(n, &|cols: std::ops::Range<usize>| {
        let out = &out;
        for j in cols {
            let row = &w[j * k..(j + 1) * k];
            for i in 0..m {
                // SAFETY: each output column j belongs to one chunk only,
                // and i * n + j < m * n: no two threads write one element.
                unsafe { *out.0.add(i * n + j) = dot(&x[i * k..(i + 1) * k], row) };
            }
        }
    });
    y
}

struct SharedOut(*mut f32);
// SAFETY: written at disjoint indices only (see above), and the pool
// returns before the vector is used again.
unsafe impl Sync for SharedOut {}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the feature just checked.
            return unsafe { dot_avx512(a, b) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: as above.
            return unsafe { dot_avx2(a, b) };
        }
    }
    dot_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
    dot_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_portable(a, b)
}

/// 32 independent partial sums (fused multiply-adds), which the
/// compiler turns into vector registers for the enabled features.
#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 32;
    let mut acc = [0f32; LANES];
    let (a_body, a_tail) = a.split_at(a.len() / LANES * LANES);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(LANES).zip(b_body.chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    let mut sum = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum::<f32>();
    for l in acc {
        sum += l;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_the_naive_product() {
        let serial = |n: usize, f: &(dyn Fn(std::ops::Range<usize>) + Sync)| {
            f(0..n / 3);
            f(n / 3..n);
        };
        for (m, n, k) in [(1, 7, 5), (2, 40, 33), (4, 9, 100)] {
            let x: Vec<f32> = (0..m * k).map(|i| ((i * 7 % 13) as f32 - 6.0) / 3.0).collect();
            let w: Vec<f32> = (0..n * k).map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0).collect();
            let y = rows_times_transposed(&x, &w, m, n, k, serial);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 = (0..k).map(|l| x[i * k + l] * w[j * k + l]).sum();
                    assert!((y[i * n + j] - want).abs() < 1e-3, "{m}x{n}x{k} at ({i}, {j})");
                }
            }
        }
    }
}

//! `y = x Wᵀ` in bfloat16 with AVX-512 BF16 (`vdpbf16ps`: two products per
//! f32 lane per instruction, twice the multiply-adds of f32 FMA), summed in
//! f32. W is rounded to bf16 once, each row of x when it arrives. bf16 keeps
//! f32's exponent, so unlike int8 no value is clipped and no scale is
//! chosen: each factor is off by at most 2⁻⁹ of itself.

use std::ops::Range;

use crate::split::Split;

/// Rows of y per micro-kernel call (2 accumulators each).
const MR: usize = 14;
/// Columns of y per micro-kernel call: two vectors of 16 f32.
const NR: usize = 32;
/// Rows of x per thread work item.
const MC: usize = 4 * MR;

/// Whether [`pack`] and [`gemm`] run on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// W (n, k) in bf16, packed for the kernel: per panel of [`NR`] output
/// channels, for each pair of inputs, 2 values per channel.
pub struct Bf16B {
    n: usize,
    k: usize,
    /// k rounded up to even (the padding is zero).
    k2: usize,
    data: Vec<u16>,
}

impl Bf16B {
    /// The (out, in) shape of W.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.k)
    }
}

/// f32 to bf16, rounding to nearest even (no NaN in weights or activations
/// of a finite model).
#[inline(always)]
fn to_bf16(v: f32) -> u16 {
    let bits = v.to_bits();
    ((bits + 0x7fff + ((bits >> 16) & 1)) >> 16) as u16
}

/// Rounds W (n, k), row-major as PyTorch stores a linear layer, to bf16,
/// or None where the CPU lacks AVX-512 BF16.
pub fn pack(w: &[f32], n: usize, k: usize) -> Option<Bf16B> {
    if !available() {
        return None;
    }
    assert!(w.len() == n * k && n > 0 && k > 0, "W is {n}x{k} but holds {} values", w.len());
    let k2 = k.div_ceil(2) * 2;
    let mut data = vec![0u16; n.div_ceil(NR) * k2 * NR];
    for j in 0..n {
        let (panel, c) = (j / NR, j % NR);
        for (l, v) in w[j * k..][..k].iter().enumerate() {
            data[panel * k2 * NR + (l / 2) * NR * 2 + c * 2 + l % 2] = to_bf16(*v);
        }
    }
    Some(Bf16B { n, k, k2, data })
}

/// `x Wᵀ` for x (m, k) row-major: a row-major (m, n) vector. `pool(n, f)`
/// must call `f` on disjoint ranges covering `0..n` and return when all
/// calls have.
pub fn gemm(x: &[f32], m: usize, w: &Bf16B, pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Vec<f32> {
    let (n, k, k2) = (w.n, w.k, w.k2);
    assert!(x.len() == m * k, "x is {m}x{k} but holds {} values", x.len());
    let mut y = vec![0f32; m * n];
    if m == 0 {
        return y;
    }
    let split = Split::new(1, m, MC, n.div_ceil(NR));
    let out = Shared(y.as_mut_ptr());
    pool(split.items_per_product(), &|items: Range<usize>| {
        let out = &out;
        // The padding past k multiplies zero weights; it stays zero too.
        let mut rounded = vec![0u16; MC * k2];
        for item in items {
            let (_, block, panels) = split.item(item);
            let (i0, rows) = (block.start, block.len());
            for (r, row) in x[i0 * k..(i0 + rows) * k].chunks_exact(k).enumerate() {
                for (d, v) in rounded[r * k2..][..k].iter_mut().zip(row) {
                    *d = to_bf16(*v);
                }
            }
            for panel in panels.clone() {
                let b = &w.data[panel * k2 * NR..][..k2 * NR];
                let (j0, cols) = (panel * NR, NR.min(n - panel * NR));
                for sub in 0..rows.div_ceil(MR) {
                    let tile_rows = MR.min(rows - sub * MR);
                    // SAFETY: the CPU has AVX-512 BF16 (a Bf16B exists only
                    // then); rows i0 + sub·MR.. of y, in this part's panels,
                    // belong to this work item alone.
                    unsafe { kernel(k2 / 2, &rounded[sub * MR * k2..], k2, tile_rows, b, out.0.add((i0 + sub * MR) * n + j0), n, cols) };
                }
            }
        }
    });
    y
}

struct Shared(*mut f32);
// SAFETY: threads write disjoint rows only, and the pool returns before
// the buffer is read.
unsafe impl Sync for Shared {}

/// y[0..rows, 0..cols] = Σ over `pairs` pairs of a's rows times b's panel.
///
/// # Safety
/// The CPU has AVX-512F and BF16; `a` holds `rows` rows of `lda ≥ 2·pairs`
/// values; `y` points at a tile of (rows, cols) with row stride `ldy`,
/// written by this thread only.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel(pairs: usize, a: &[u16], lda: usize, rows: usize, b: &[u16], y: *mut f32, ldy: usize, cols: usize) {
    use std::arch::x86_64::*;
    debug_assert!(b.len() >= pairs * NR * 2 && a.len() >= (rows - 1) * lda + 2 * pairs);
    // Rows past `rows` read row 0 again; their sums are not stored.
    let row_at: [*const u16; MR] = std::array::from_fn(|r| a.as_ptr().add(if r < rows { r * lda } else { 0 }));
    let b = b.as_ptr();
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for g in 0..pairs {
        let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(g * NR * 2) as *const __m512i));
        let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(g * NR * 2 + 32) as *const __m512i));
        for r in 0..MR {
            let two: __m512bh = std::mem::transmute(_mm512_set1_epi32((row_at[r].add(g * 2) as *const i32).read_unaligned()));
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], two, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], two, b1);
        }
    }
    let mask = |from: usize| -> __mmask16 {
        let valid = cols.saturating_sub(from).min(16);
        if valid == 16 { 0xffff } else { ((1u32 << valid) - 1) as __mmask16 }
    };
    let (m0, m1) = (mask(0), mask(16));
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        _mm512_mask_storeu_ps(y.add(r * ldy), m0, acc_r[0]);
        if m1 != 0 {
            _mm512_mask_storeu_ps(y.add(r * ldy + 16), m1, acc_r[1]);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(_: usize, _: &[u16], _: usize, _: usize, _: &[u16], _: *mut f32, _: usize, _: usize) {
    unreachable!("bf16 gemm runs only where available() is true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{serial, values};

    #[test]
    fn the_bf16_product_is_within_its_rounding_error() {
        if !available() {
            eprintln!("no AVX-512 BF16 on this CPU: the bf16 path is not used");
            return;
        }
        // Fringes: m past MR and MC, n past NR, k odd.
        for (m, n, k) in [(1, 1, 1), (15, 33, 7), (60, 70, 384), (3, 16, 1537)] {
            let (x, w) = (values(m * k, 1, 1.5), values(n * k, 2, 1.5));
            let packed = pack(&w, n, k).unwrap();
            assert_eq!(packed.dims(), (n, k));
            let y = gemm(&x, m, &packed, serial);
            for i in 0..m {
                for j in 0..n {
                    let exact: f64 = (0..k).map(|l| f64::from(x[i * k + l]) * f64::from(w[j * k + l])).sum();
                    // Each factor off by 2⁻⁹ of itself at most, then f32 sums.
                    let bound: f64 = (0..k).map(|l| (f64::from(x[i * k + l]) * f64::from(w[j * k + l])).abs()).sum::<f64>() * (2.0 / 512.0 + 1e-6) + 1e-6;
                    let got = f64::from(y[i * n + j]);
                    assert!((got - exact).abs() <= bound, "{m}x{n}x{k} at ({i}, {j}): {got} vs {exact} (bound {bound})");
                }
            }
        }
        // Values with 8 significant bits come back exactly.
        let (m, n, k) = (5, 3, 9);
        let x: Vec<f32> = (0..m * k).map(|i| (i % 17) as f32 - 8.0).collect();
        let w: Vec<f32> = (0..n * k).map(|i| ((i % 7) as f32 - 3.0) * 0.25).collect();
        let y = gemm(&x, m, &pack(&w, n, k).unwrap(), serial);
        for i in 0..m {
            for j in 0..n {
                let exact: f32 = (0..k).map(|l| x[i * k + l] * w[j * k + l]).sum();
                assert_eq!(y[i * n + j], exact, "({i}, {j})");
            }
        }
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(to_bf16(f32::from_bits(0x3f80_8000)), 0x3f80, "a tie rounds to even");
        assert_eq!(to_bf16(f32::from_bits(0x3f81_8000)), 0x3f82, "a tie rounds to even");
    }
}

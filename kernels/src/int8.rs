//! `y = x Wᵀ` in int8 with AVX-512 VNNI, for inference's projections.
//!
//! Both sides are quantized in groups of [`GROUP`] inputs: W once, per
//! output channel and group (symmetric, [-127, 127]); each row of x when it
//! arrives, per group onto the 256 steps of u8 between the group's own
//! minimum and maximum (`x ≈ s·(q − z)`; `vpdpbusd` multiplies unsigned by
//! signed bytes, and a range is often lopsided, as GELU's output is).
//! Products are summed in i32 over a group; the zero point's share
//! `z·Σ_l W_jl` is taken off, and the group's sum is scaled back to f32 and
//! added to the output. Groups, rather than one scale per row and channel,
//! keep a few outlier inputs of MiniLM's layers from coarsening every
//! other step: the embedding's worst cosine to f32 on the reference texts
//! rises from 0.9935 to 0.9991, at about a quarter of the projections' speed.

use std::ops::Range;

use crate::split::Split;

/// Rows of y per micro-kernel call (2 accumulators each).
const MR: usize = 14;
/// Columns of y per micro-kernel call: two vectors of 16 i32.
const NR: usize = 32;
/// Rows of x per thread work item.
const MC: usize = 4 * MR;
/// Inputs per quantization group: 8 steps of `vpdpbusd`. On MiniLM's
/// reference texts groups of 64 reach a worst cosine to f32 of 0.9986 and
/// groups of 32 0.9991 (per row and channel: 0.9935).
pub const GROUP: usize = 32;

/// Whether [`quantize`] and [`gemm`] run on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// W (n, k) in int8, packed for the kernel: per panel of [`NR`] output
/// channels, for each group of 4 inputs, 4 bytes per channel.
pub struct QuantizedB {
    n: usize,
    k: usize,
    /// k rounded up to a multiple of 4 (the padding is zero).
    k4: usize,
    data: Vec<i8>,
    /// Per panel, group and channel of the panel: `[panel][group][NR]`.
    scales: Vec<f32>,
    /// `sw·Σ_l W_jl` over each group (the quantized weights' sum, scaled),
    /// laid out as `scales`: what a zero point of 1 adds to the product.
    shifts: Vec<f32>,
}

/// Groups of k inputs (the last one may be short).
fn groups(k: usize) -> usize {
    k.div_ceil(GROUP)
}

impl QuantizedB {
    /// The (out, in) shape of W.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.k)
    }
}

/// Quantizes W (n, k), row-major as PyTorch stores a linear layer, or None
/// where the CPU lacks VNNI.
pub fn quantize(w: &[f32], n: usize, k: usize) -> Option<QuantizedB> {
    if !available() {
        return None;
    }
    assert!(w.len() == n * k && n > 0 && k > 0, "W is {n}x{k} but holds {} values", w.len());
    let k4 = k.div_ceil(4) * 4;
    let (panels, groups) = (n.div_ceil(NR), groups(k));
    let mut data = vec![0i8; panels * k4 * NR];
    let (mut scales, mut shifts) = (vec![1f32; panels * groups * NR], vec![0f32; panels * groups * NR]);
    for j in 0..n {
        let (panel, c) = (j / NR, j % NR);
        for (g, part) in w[j * k..][..k].chunks(GROUP).enumerate() {
            let high = part.iter().fold(0f32, |a, v| a.max(v.abs()));
            let scale = if high > 0.0 { high / 127.0 } else { 1.0 };
            let at = (panel * groups + g) * NR + c;
            scales[at] = scale;
            let mut sum = 0i32;
            for (i, v) in part.iter().enumerate() {
                let q = (v / scale).round_ties_even().clamp(-127.0, 127.0) as i8;
                sum += i32::from(q);
                let l = g * GROUP + i;
                data[panel * k4 * NR + (l / 4) * NR * 4 + c * 4 + l % 4] = q;
            }
            shifts[at] = sum as f32 * scale;
        }
    }
    Some(QuantizedB { n, k, k4, data, scales, shifts })
}

/// `x Wᵀ` for x (m, k) row-major: a row-major (m, n) vector. `pool(n, f)`
/// must call `f` on disjoint ranges covering `0..n` and return when all
/// calls have.
pub fn gemm(x: &[f32], m: usize, w: &QuantizedB, pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Vec<f32> {
    let (n, k, k4) = (w.n, w.k, w.k4);
    assert!(x.len() == m * k, "x is {m}x{k} but holds {} values", x.len());
    let mut y = vec![0f32; m * n];
    if m == 0 {
        return y;
    }
    let split = Split::new(1, m, MC, n.div_ceil(NR));
    let groups = groups(k);
    let out = Shared(y.as_mut_ptr());
    pool(split.items_per_product(), &|items: Range<usize>| {
        let out = &out;
        // The padding past k multiplies zero weights: any value will do.
        let mut quantized = vec![0u8; MC * k4];
        // Per group, then row: one group's scales and offsets lie together.
        let (mut scales, mut offsets) = (vec![0f32; groups * MC], vec![0f32; groups * MC]);
        for item in items {
            let (_, block, panels) = split.item(item);
            let (i0, rows) = (block.start, block.len());
            quantize_rows(&x[i0 * k..(i0 + rows) * k], k, k4, &mut quantized, &mut scales, &mut offsets);
            for panel in panels.clone() {
                let (j0, cols) = (panel * NR, NR.min(n - panel * NR));
                for g in 0..groups {
                    let (l0, quads) = (g * GROUP / 4, (GROUP / 4).min(k4 / 4 - g * GROUP / 4));
                    let b = &w.data[panel * k4 * NR + l0 * NR * 4..][..quads * NR * 4];
                    let at = (panel * groups + g) * NR;
                    for sub in 0..rows.div_ceil(MR) {
                        let (r0, tile_rows) = (sub * MR, MR.min(rows - sub * MR));
                        // SAFETY: the CPU has VNNI (a QuantizedB exists only then);
                        // rows i0 + sub·MR.. of y, in this part's panels, belong to
                        // this work item alone.
                        unsafe {
                            kernel(
                                quads,
                                &quantized[r0 * k4 + l0 * 4..],
                                k4,
                                tile_rows,
                                b,
                                &scales[g * MC + r0..],
                                &offsets[g * MC + r0..],
                                &w.scales[at..at + cols],
                                &w.shifts[at..at + cols],
                                out.0.add((i0 + r0) * n + j0),
                                n,
                                g > 0,
                            )
                        };
                    }
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

/// Each group of each row of x (k wide) to u8, `q = round(x / s) + z` over
/// the group's range (0 included, so that zero is exact), in rows of k4;
/// the scale s and the offset s·z of group g of row r at `g·MC + r`.
fn quantize_rows(x: &[f32], k: usize, k4: usize, dst: &mut [u8], scales: &mut [f32], offsets: &mut [f32]) {
    for (r, row) in x.chunks_exact(k).enumerate() {
        for (g, part) in row.chunks(GROUP).enumerate() {
            let (low, high) = part.iter().fold((0f32, 0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let scale = if high > low { (high - low) / 255.0 } else { 1.0 };
            let zero = (-low / scale).round_ties_even().clamp(0.0, 255.0);
            scales[g * MC + r] = scale;
            offsets[g * MC + r] = zero * scale;
            let inv = 1.0 / scale;
            for (d, v) in dst[r * k4 + g * GROUP..][..part.len()].iter_mut().zip(part) {
                *d = (v * inv + zero).round_ties_even().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// One group's share of y[0..rows, 0..cols]: sx_r · sw_j · (Σ_l xq_rl·wq_jl
/// − z_r·Σ_l wq_jl) over the group's `quads` steps of 4 inputs, stored
/// (the first group) or added to what y holds. The zero point's share is
/// taken off in f32 as `(sx_r·z_r)·(sw_j·Σ_l wq_jl)` (`ox`, `tw`), which
/// spares an integer multiply per vector; a group's i32 sum (at most
/// 64·255·127) converts to f32 exactly.
///
/// # Safety
/// The CPU has AVX-512F and VNNI; `a` holds `rows` rows of `lda ≥ 4·quads`
/// bytes; `y` points at a tile of (rows, cols) with row stride `ldy`,
/// written by this thread only.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn kernel(quads: usize, a: &[u8], lda: usize, rows: usize, b: &[i8], sx: &[f32], ox: &[f32], sw: &[f32], tw: &[f32], y: *mut f32, ldy: usize, add: bool) {
    use std::arch::x86_64::*;
    debug_assert!(b.len() >= quads * NR * 4 && a.len() >= (rows - 1) * lda + 4 * quads);
    // Rows past `rows` read row 0 again; their sums are not stored.
    let row_at: [*const u8; MR] = std::array::from_fn(|r| a.as_ptr().add(if r < rows { r * lda } else { 0 }));
    let b = b.as_ptr();
    let mut acc = [[_mm512_setzero_si512(); 2]; MR];
    for g in 0..quads {
        let b0 = _mm512_loadu_si512(b.add(g * NR * 4) as *const __m512i);
        let b1 = _mm512_loadu_si512(b.add(g * NR * 4 + 64) as *const __m512i);
        for r in 0..MR {
            let four = _mm512_set1_epi32((row_at[r].add(g * 4) as *const i32).read_unaligned());
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], four, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], four, b1);
        }
    }
    let cols = sw.len();
    let mask = |from: usize| -> __mmask16 {
        let valid = cols.saturating_sub(from).min(16);
        if valid == 16 { 0xffff } else { ((1u32 << valid) - 1) as __mmask16 }
    };
    let (m0, m1) = (mask(0), mask(16));
    let scale0 = _mm512_maskz_loadu_ps(m0, sw.as_ptr());
    let scale1 = _mm512_maskz_loadu_ps(m1, sw.as_ptr().add(16.min(cols)));
    let shift0 = _mm512_maskz_loadu_ps(m0, tw.as_ptr());
    let shift1 = _mm512_maskz_loadu_ps(m1, tw.as_ptr().add(16.min(cols)));
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        let (row_scale, offset) = (_mm512_set1_ps(sx[r]), _mm512_set1_ps(ox[r]));
        let (mut v0, mut v1) = if add {
            (_mm512_maskz_loadu_ps(m0, y.add(r * ldy)), _mm512_maskz_loadu_ps(m1, y.add(r * ldy + 16)))
        } else {
            (_mm512_setzero_ps(), _mm512_setzero_ps())
        };
        v0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc_r[0]), _mm512_mul_ps(scale0, row_scale), _mm512_fnmadd_ps(offset, shift0, v0));
        v1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc_r[1]), _mm512_mul_ps(scale1, row_scale), _mm512_fnmadd_ps(offset, shift1, v1));
        _mm512_mask_storeu_ps(y.add(r * ldy), m0, v0);
        if m1 != 0 {
            _mm512_mask_storeu_ps(y.add(r * ldy + 16), m1, v1);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(_: usize, _: &[u8], _: usize, _: usize, _: &[i8], _: &[f32], _: &[f32], _: &[f32], _: &[f32], _: *mut f32, _: usize, _: bool) {
    unreachable!("int8 gemm runs only where available() is true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::serial;


    /// The values the tests were written with: steps of 1/700 up to ±1.43.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        crate::testing::values(n, seed, 1001.0 / 700.0)
    }

    #[test]
    fn the_int8_product_is_within_its_quantization_error() {
        if !available() {
            eprintln!("no AVX-512 VNNI on this CPU: the int8 path is not used");
            return;
        }
        // Fringes: m past MR and MC, n past NR, k not a multiple of 4 or of
        // a group; and an outlier input of 200 in the first group of every
        // row and channel, which must not coarsen the other groups.
        for (m, n, k, outlier) in [(1, 1, 1, false), (15, 33, 7, false), (60, 70, 384, false), (3, 16, 1537, false), (5, 40, 256, true)] {
            let (mut x, mut w) = (values(m * k, 1), values(n * k, 2));
            if outlier {
                x.iter_mut().step_by(k).for_each(|v| *v = 200.0);
                w.iter_mut().step_by(k).for_each(|v| *v = -200.0);
            }
            let q = quantize(&w, n, k).unwrap();
            assert_eq!(q.dims(), (n, k));
            let y = gemm(&x, m, &q, serial);
            let high = |v: &[f32]| v.iter().fold(0f32, |a, v| a.max(v.abs()));
            for i in 0..m {
                for j in 0..n {
                    let exact: f64 = (0..k).map(|l| f64::from(x[i * k + l]) * f64::from(w[j * k + l])).sum();
                    // Each factor is off by at most half a step of its group;
                    // the sum of a group's products is bounded (loosely) by this.
                    let bound: f64 = (0..k)
                        .step_by(GROUP)
                        .map(|g0| {
                            let len = GROUP.min(k - g0);
                            let (xh, wh) = (high(&x[i * k + g0..][..len]), high(&w[j * k + g0..][..len]));
                            len as f64 * f64::from(xh * wh) * (1.0 / 127.0 + 1.0 / (127.0 * 127.0 * 4.0))
                        })
                        .sum();
                    let got = f64::from(y[i * n + j]);
                    assert!((got - exact).abs() <= bound, "{m}x{n}x{k} at ({i}, {j}): {got} vs {exact} (bound {bound})");
                }
            }
        }
        // Exactly representable values come back exactly.
        let (m, n, k) = (5, 3, 8);
        let x: Vec<f32> = (0..m * k).map(|i| ((i % 255) as f32 - 127.0).clamp(-127.0, 127.0)).collect();
        let mut w: Vec<f32> = (0..n * k).map(|i| (i % 7) as f32 - 3.0).collect();
        for j in 0..n {
            w[j * k] = 127.0; // scale 1
        }
        // A row from -128 to 127 has a step of exactly 1.
        let xs: Vec<f32> = (0..m).flat_map(|i| { let mut r = x[i * k..][..k].to_vec(); r[0] = 127.0; r[1] = -128.0; r }).collect();
        let y = gemm(&xs, m, &quantize(&w, n, k).unwrap(), serial);
        for i in 0..m {
            for j in 0..n {
                let exact: f32 = (0..k).map(|l| xs[i * k + l] * w[j * k + l]).sum();
                assert_eq!(y[i * n + j], exact, "({i}, {j})");
            }
        }
    }
}

//! The element-wise and row-wise ops of a transformer's inference, each
//! fused with its neighbours (bias adds, residuals) into one pass over
//! memory: inference needs no gradients, so nothing stops the fusing that
//! the training path must avoid. `exp` and `erf` are polynomial
//! approximations written so that the compiler vectorizes them (`f32::exp`
//! is a scalar libm call, which would cost as much as the GEMMs around it).

use std::f32::consts::{FRAC_1_SQRT_2, LOG2_E};

/// Generates a public function that runs `$imp` compiled for AVX-512 where
/// the CPU has it, and as portable code elsewhere.
macro_rules! vectorized {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $imp:ident) => {
        $(#[$meta])*
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    $imp($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has the feature just checked.
                    return unsafe { wide($($arg),*) };
                }
            }
            $imp($($arg),*)
        }
    };
}

vectorized! {
    /// `x[r][j] = gelu(x[r][j] + bias[j])` for rows of `bias.len()`, with
    /// BERT's exact GELU, `x·Φ(x)`.
    pub fn bias_gelu(x: &mut [f32], bias: &[f32]) => bias_gelu_impl
}

vectorized! {
    /// `x[r][j] += bias[j]` for rows of `bias.len()`.
    pub fn add_bias(x: &mut [f32], bias: &[f32]) => add_bias_impl
}

vectorized! {
    /// The post-norm residual of BERT: for each row,
    /// `hidden = layer_norm(x + bias + hidden) · gamma + beta`.
    pub fn bias_residual_layer_norm(x: &[f32], bias: &[f32], hidden: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) => bias_residual_layer_norm_impl
}

vectorized! {
    /// `layer_norm(x) · gamma + beta` for each row of `gamma.len()`.
    pub fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) => layer_norm_impl
}

vectorized! {
    /// Softmax of `scale · row` over the first `valid` entries of each row
    /// of `cols` (the keys a query may see); the masked rest become 0.
    pub fn masked_softmax(x: &mut [f32], cols: usize, valid: usize, scale: f32) => masked_softmax_impl
}

vectorized! {
    /// `e^x`, relative error below 3e-7, for the ops above (exposed for tests).
    pub fn exp_all(x: &mut [f32]) => exp_all_impl
}

vectorized! {
    /// `erf(x)`, absolute error below 5e-7 (exposed for tests).
    pub fn erf_all(x: &mut [f32]) => erf_all_impl
}

/// The mean of `rows` (each `width` long), scaled to unit length (left as
/// is when its norm is below 1e-12): sentence-transformers' mean pooling
/// and normalisation.
pub fn mean_normalised(rows: &[f32], width: usize) -> Vec<f32> {
    let count = (rows.len() / width).max(1);
    let mut mean = vec![0f32; width];
    for row in rows.chunks_exact(width) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    let norm = mean.iter().map(|m| (m / count as f32).powi(2)).sum::<f32>().sqrt().max(1e-12);
    mean.iter_mut().for_each(|m| *m = *m / count as f32 / norm);
    mean
}

#[inline(always)]
fn bias_gelu_impl(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            let z = *v + b;
            *v = 0.5 * z * (1.0 + erf(z * FRAC_1_SQRT_2));
        }
    }
}

#[inline(always)]
fn add_bias_impl(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

#[inline(always)]
fn bias_residual_layer_norm_impl(x: &[f32], bias: &[f32], hidden: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    for (row, out) in x.chunks_exact(width).zip(hidden.chunks_exact_mut(width)) {
        for ((o, v), b) in out.iter_mut().zip(row).zip(bias) {
            *o += v + b;
        }
        normalise_row(out, gamma, beta, eps);
    }
}

#[inline(always)]
fn layer_norm_impl(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    for row in x.chunks_exact_mut(gamma.len()) {
        normalise_row(row, gamma, beta, eps);
    }
}

#[inline(always)]
fn normalise_row(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mean = sum(row) / n;
    let mut squares = [0f32; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (s, v) in squares.iter_mut().zip(chunk) {
            *s += (v - mean) * (v - mean);
        }
    }
    let tail: f32 = chunks.remainder().iter().map(|v| (v - mean) * (v - mean)).sum();
    let variance = (squares.iter().sum::<f32>() + tail) / n;
    let inv = 1.0 / (variance + eps).sqrt();
    for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
        *v = (*v - mean) * inv * g + b;
    }
}

#[inline(always)]
fn masked_softmax_impl(x: &mut [f32], cols: usize, valid: usize, scale: f32) {
    let valid = valid.min(cols);
    for row in x.chunks_exact_mut(cols) {
        let (live, masked) = row.split_at_mut(valid);
        masked.fill(0.0);
        if live.is_empty() {
            continue;
        }
        let mut highs = [f32::NEG_INFINITY; LANES];
        let mut chunks = live.chunks_exact(LANES);
        for chunk in &mut chunks {
            for (h, v) in highs.iter_mut().zip(chunk) {
                *h = h.max(*v);
            }
        }
        let high = chunks.remainder().iter().chain(&highs).fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        for v in live.iter_mut() {
            *v = exp((*v - high) * scale);
        }
        let inv = 1.0 / sum(live);
        live.iter_mut().for_each(|v| *v *= inv);
    }
}

#[inline(always)]
fn exp_all_impl(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = exp(*v));
}

#[inline(always)]
fn erf_all_impl(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = erf(*v));
}

/// Partial sums per lane, so that the sum vectorizes (floating-point
/// addition is not reassociated by the compiler on its own).
const LANES: usize = 16;

#[inline(always)]
fn sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, v) in acc.iter_mut().zip(chunk) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// `e^x` by `2^n · e^r` with `x = n·ln 2 + r`, `|r| ≤ ln 2 / 2`, and a
/// degree-6 Taylor polynomial for `e^r`. Inputs are clamped to where the
/// result is a normal float; nothing here branches.
#[inline(always)]
fn exp(x: f32) -> f32 {
    // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // ln 2 in two parts: n·LN2_HI is exact for the n that occur.
    const LN2_HI: f32 = 0.693_359_375;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.max(-87.0).min(88.0);
    let t = x.mul_add(LOG2_E, ROUND);
    let n = t - ROUND;
    let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, x));
    let p = r.mul_add(1.0 / 720.0, 1.0 / 120.0);
    let p = r.mul_add(p, 1.0 / 24.0);
    let p = r.mul_add(p, 1.0 / 6.0);
    let p = r.mul_add(p, 0.5);
    let p = r.mul_add(p, 1.0);
    let p = r.mul_add(p, 1.0);
    let power = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    p * f32::from_bits(((power + 127) as u32) << 23)
}

/// Abramowitz and Stegun's 7.1.26 (absolute error 1.5e-7 in exact
/// arithmetic), odd by construction; below 0.5 its `1 − …` cancels in f32,
/// so the Taylor series (to x¹³) takes over there.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152_1, 1.061_405_4];
    // 2/√π · (-1)^n / (n! (2n+1)), n = 0..=6.
    const T: [f32; 7] = [1.128_379_2, -0.376_126_4, 0.112_837_92, -0.026_866_17, 0.005_223_977, -0.000_854_832_7, 0.000_120_553_33];
    let a = x.abs();
    let t = 1.0 / a.mul_add(P, 1.0);
    let poly = t * t.mul_add(t.mul_add(t.mul_add(t.mul_add(A[4], A[3]), A[2]), A[1]), A[0]);
    let far = 1.0 - poly * exp(-a * a);
    let s = a * a;
    let near = a * s.mul_add(s.mul_add(s.mul_add(s.mul_add(s.mul_add(s.mul_add(T[6], T[5]), T[4]), T[3]), T[2]), T[1]), T[0]);
    (if a < 0.5 { near } else { far }).copysign(x)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// erf in f64: its Taylor series up to 3, the asymptotic series of
    /// erfc beyond (both good to ~1e-9 there).
    pub(crate) fn erf64(x: f64) -> f64 {
        let a = x.abs();
        if a > 3.0 {
            let inv = 1.0 / (2.0 * a * a);
            let series = 1.0 - inv + 3.0 * inv * inv - 15.0 * inv.powi(3) + 105.0 * inv.powi(4);
            return x.signum() * (1.0 - (-a * a).exp() / (a * std::f64::consts::PI.sqrt()) * series);
        }
        let (mut term, mut sum) = (x, x);
        for n in 1..100 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    fn grid(from: f32, to: f32, n: usize) -> Vec<f32> {
        (0..n).map(|i| from + (to - from) * i as f32 / (n - 1) as f32).collect()
    }

    #[test]
    fn exp_and_erf_are_within_their_bounds() {
        let xs = grid(-87.0, 88.0, 200_001);
        let mut e = xs.clone();
        exp_all(&mut e);
        for (x, got) in xs.iter().zip(&e) {
            let want = f64::from(*x).exp();
            assert!(((f64::from(*got) - want) / want).abs() < 3e-7, "exp({x}) = {got}, want {want}");
        }
        let xs = grid(-7.0, 7.0, 100_001);
        let mut e = xs.clone();
        erf_all(&mut e);
        for (x, got) in xs.iter().zip(&e) {
            let want = erf64(f64::from(*x));
            assert!((f64::from(*got) - want).abs() < 5e-7, "erf({x}) = {got}, want {want}");
        }
        // Far outside the range: clamped, never inf or NaN.
        let mut extremes = vec![-1e30, -200.0, 200.0, 0.0];
        exp_all(&mut extremes);
        assert!(extremes.iter().all(|v| v.is_finite()) && extremes[3] == 1.0, "{extremes:?}");
    }

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 - 1001.0) / 300.0).collect()
    }

    #[test]
    fn fused_ops_equal_their_compositions() {
        let (rows, width) = (7, 37);
        let x = values(rows * width, 1);
        let bias = values(width, 2);
        let (gamma, beta) = (values(width, 3), values(width, 4));

        let mut fused = x.clone();
        bias_gelu(&mut fused, &bias);
        for (i, got) in fused.iter().enumerate() {
            let z = f64::from(x[i]) + f64::from(bias[i % width]);
            let want = 0.5 * z * (1.0 + erf64(z / 2f64.sqrt()));
            assert!((f64::from(*got) - want).abs() < 1e-5 * (1.0 + want.abs()), "gelu at {i}: {got} vs {want}");
        }

        let residual = values(rows * width, 5);
        let mut hidden = residual.clone();
        bias_residual_layer_norm(&x, &bias, &mut hidden, &gamma, &beta, 1e-12);
        for r in 0..rows {
            let row: Vec<f64> = (0..width).map(|j| f64::from(x[r * width + j]) + f64::from(bias[j]) + f64::from(residual[r * width + j])).collect();
            let mean = row.iter().sum::<f64>() / width as f64;
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / width as f64;
            for j in 0..width {
                let want = (row[j] - mean) / (var + 1e-12).sqrt() * f64::from(gamma[j]) + f64::from(beta[j]);
                let got = f64::from(hidden[r * width + j]);
                assert!((got - want).abs() < 1e-5 * (1.0 + want.abs()), "layer norm ({r}, {j}): {got} vs {want}");
            }
        }

        // 3 of 37 keys masked; a scale as attention's 1/sqrt(d).
        let (valid, scale) = (34, 0.125);
        let mut probs = x.clone();
        masked_softmax(&mut probs, width, valid, scale);
        for r in 0..rows {
            let row = &x[r * width..][..valid];
            let high = row.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(f64::from(b)));
            let total: f64 = row.iter().map(|&v| ((f64::from(v) - high) * scale as f64).exp()).sum();
            for j in 0..width {
                let want = if j < valid { ((f64::from(x[r * width + j]) - high) * scale as f64).exp() / total } else { 0.0 };
                let got = f64::from(probs[r * width + j]);
                assert!((got - want).abs() < 1e-6, "softmax ({r}, {j}): {got} vs {want}");
            }
        }

        let mut plus = x.clone();
        add_bias(&mut plus, &bias);
        assert!(plus.iter().enumerate().all(|(i, v)| *v == x[i] + bias[i % width]));

        let pooled = mean_normalised(&x, width);
        let norm: f32 = pooled.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let mean0: f32 = (0..rows).map(|r| x[r * width]).sum::<f32>() / rows as f32;
        let mean1: f32 = (0..rows).map(|r| x[r * width + 1]).sum::<f32>() / rows as f32;
        assert!((pooled[0] / pooled[1] - mean0 / mean1).abs() < 1e-4);
    }
}

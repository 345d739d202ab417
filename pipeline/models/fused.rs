//! Fused CPU ops for training, each with its backward pass: the causal
//! softmax of the attention scores, SiLU, and RMSNorm with a frozen weight. Written as compositions of
//! candle ops (the fused `softmax_last_dim` drops gradients), each allocated
//! and swept a full-size tensor per step: the mask add, max, subtract, exp,
//! sum and divide of the softmax, and as many again in its backward pass.
//! Here each direction is one pass over rows, split over candle's threads.
//! On other devices (CUDA) the same compositions as before are used.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Shape, Tensor, D};

/// The float types the ops run in (f32 for training, f64 in gradient tests).
trait Real: Copy + Send + Sync + PartialOrd + 'static {
    const ZERO: Self;
    const ONE: Self;
    fn exp(self) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn add(self, o: Self) -> Self {
                self + o
            }
            fn sub(self, o: Self) -> Self {
                self - o
            }
            fn mul(self, o: Self) -> Self {
                self * o
            }
            fn div(self, o: Self) -> Self {
                self / o
            }
        }
    };
}
real!(f32);
real!(f64);

/// Runs `f(row_range, out_rows)` over `rows` rows of `width` outputs each,
/// split over candle's thread pool; each call writes only its own rows.
fn par_rows<T: Real>(rows: usize, width: usize, f: &(dyn Fn(std::ops::Range<usize>, &mut [T]) + Sync)) -> Vec<T> {
    let mut out = vec![T::ZERO; rows * width];
    let base = out.as_mut_ptr() as usize;
    candle_core::utils::barrier_pool().execute_chunked(rows, &|range: std::ops::Range<usize>| {
        // SAFETY: the chunks of 0..rows are disjoint, so are their output rows,
        // and `out` outlives the pool call.
        let slice = unsafe {
            std::slice::from_raw_parts_mut((base as *mut T).add(range.start * width), range.len() * width)
        };
        f(range, slice);
    });
    out
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout, what: &str) -> candle_core::Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((a, b)) => Ok(&data[a..b]),
        None => candle_core::bail!("{what}: the input must be contiguous"),
    }
}

/// Softmax over the last dimension of (..., t, t) scores, row i seeing
/// columns 0..=i only (the others are 0).
struct CausalSoftmax;

fn causal_softmax_rows<T: Real>(x: &[T], t: usize) -> Vec<T> {
    par_rows(x.len() / t, t, &|range, out| {
        for (r, row) in range.clone().zip(out.chunks_mut(t)) {
            let seen = r % t + 1;
            let xs = &x[r * t..r * t + seen];
            let max = xs.iter().copied().fold(xs[0], |m, v| if v > m { v } else { m });
            let mut sum = T::ZERO;
            for (o, &v) in row.iter_mut().zip(xs) {
                *o = v.sub(max).exp();
                sum = sum.add(*o);
            }
            for o in &mut row[..seen] {
                *o = o.div(sum);
            }
        }
    })
}

impl CustomOp1 for CausalSoftmax {
    fn name(&self) -> &'static str {
        "causal-softmax"
    }

    fn cpu_fwd(&self, x: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let t = layout.shape().dims().last().copied().unwrap_or(0);
        let y = match x {
            CpuStorage::F32(d) => CpuStorage::F32(causal_softmax_rows(contiguous(d, layout, self.name())?, t)),
            CpuStorage::F64(d) => CpuStorage::F64(causal_softmax_rows(contiguous(d, layout, self.name())?, t)),
            _ => candle_core::bail!("causal softmax: f32 or f64 only"),
        };
        Ok((y, layout.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        // dx = y ⊙ (dy − Σⱼ dyⱼ yⱼ), row by row.
        // Detached: only first-order gradients are taken (no op behind them).
        Ok(Some(y.detach().apply_op2(&dy.detach().contiguous()?, SoftmaxBackward)?.detach()))
    }
}

struct SoftmaxBackward;

fn softmax_backward_rows<T: Real>(y: &[T], dy: &[T], width: usize) -> Vec<T> {
    par_rows(y.len() / width, width, &|range, out| {
        for (r, row) in range.clone().zip(out.chunks_mut(width)) {
            let (ys, dys) = (&y[r * width..(r + 1) * width], &dy[r * width..(r + 1) * width]);
            let dot = ys.iter().zip(dys).fold(T::ZERO, |s, (&a, &b)| s.add(a.mul(b)));
            for ((o, &a), &b) in row.iter_mut().zip(ys).zip(dys) {
                *o = a.mul(b.sub(dot));
            }
        }
    })
}

impl CustomOp2 for SoftmaxBackward {
    fn name(&self) -> &'static str {
        "softmax-backward"
    }

    fn cpu_fwd(&self, y: &CpuStorage, ly: &Layout, dy: &CpuStorage, ldy: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let width = ly.shape().dims().last().copied().unwrap_or(0);
        let out = match (y, dy) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                CpuStorage::F32(softmax_backward_rows(contiguous(a, ly, self.name())?, contiguous(b, ldy, self.name())?, width))
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                CpuStorage::F64(softmax_backward_rows(contiguous(a, ly, self.name())?, contiguous(b, ldy, self.name())?, width))
            }
            _ => candle_core::bail!("softmax backward: f32 or f64 only"),
        };
        Ok((out, ly.shape().clone()))
    }
}

/// x·σ(x), elementwise.
struct Silu;

fn sigmoid<T: Real>(v: T) -> T {
    T::ONE.div(T::ONE.add(T::ZERO.sub(v).exp()))
}

const SILU_ROW: usize = 4096;

/// `f` over `xs` (and `ys`) in blocks of `SILU_ROW` split over the threads.
fn par_map<T: Real>(n: usize, f: &(dyn Fn(usize) -> T + Sync)) -> Vec<T> {
    let rows = n.div_ceil(SILU_ROW);
    let mut out = par_rows(rows, SILU_ROW, &|range, block| {
        for (i, o) in (range.start * SILU_ROW..(range.end * SILU_ROW).min(n)).zip(block.iter_mut()) {
            *o = f(i);
        }
    });
    out.truncate(n);
    out
}

impl CustomOp1 for Silu {
    fn name(&self) -> &'static str {
        "silu"
    }

    fn cpu_fwd(&self, x: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let y = match x {
            CpuStorage::F32(d) => {
                let d = contiguous(d, layout, self.name())?;
                CpuStorage::F32(par_map(d.len(), &|i| d[i].mul(sigmoid(d[i]))))
            }
            CpuStorage::F64(d) => {
                let d = contiguous(d, layout, self.name())?;
                CpuStorage::F64(par_map(d.len(), &|i| d[i].mul(sigmoid(d[i]))))
            }
            _ => candle_core::bail!("silu: f32 or f64 only"),
        };
        Ok((y, layout.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(x.detach().apply_op2(&dy.detach().contiguous()?, SiluBackward)?.detach()))
    }
}

/// dx = dy · σ(x) · (1 + x (1 − σ(x))).
struct SiluBackward;

fn silu_grad<T: Real>(x: T, dy: T) -> T {
    let s = sigmoid(x);
    dy.mul(s).mul(T::ONE.add(x.mul(T::ONE.sub(s))))
}

impl CustomOp2 for SiluBackward {
    fn name(&self) -> &'static str {
        "silu-backward"
    }

    fn cpu_fwd(&self, x: &CpuStorage, lx: &Layout, dy: &CpuStorage, ldy: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = match (x, dy) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                let (a, b) = (contiguous(a, lx, self.name())?, contiguous(b, ldy, self.name())?);
                CpuStorage::F32(par_map(a.len(), &|i| silu_grad(a[i], b[i])))
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                let (a, b) = (contiguous(a, lx, self.name())?, contiguous(b, ldy, self.name())?);
                CpuStorage::F64(par_map(a.len(), &|i| silu_grad(a[i], b[i])))
            }
            _ => candle_core::bail!("silu backward: f32 or f64 only"),
        };
        Ok((out, lx.shape().clone()))
    }
}

/// x / √(mean(x²) + eps) · w over the last dimension, w frozen (no gradient).
struct RmsNorm {
    weight: Tensor,
    eps: f64,
}

/// The weight as a plain vector of the input's type.
fn weight_as<T: candle_core::WithDType>(w: &Tensor) -> candle_core::Result<Vec<T>> {
    w.to_dtype(T::DTYPE)?.flatten_all()?.to_vec1::<T>()
}

trait FromF64: Real {
    fn from_f64(v: f64) -> Self;
    fn sqrt(self) -> Self;
}
impl FromF64 for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
}
impl FromF64 for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

/// 1/√(mean(x²) + eps) of one row.
fn inv_rms<T: FromF64>(xs: &[T], eps: f64) -> T {
    let ss = xs.iter().fold(T::ZERO, |s, &v| s.add(v.mul(v)));
    T::ONE.div(ss.div(T::from_f64(xs.len() as f64)).add(T::from_f64(eps)).sqrt())
}

fn rms_norm_rows<T: FromF64>(x: &[T], w: &[T], eps: f64) -> Vec<T> {
    let n = w.len();
    par_rows(x.len() / n, n, &|range, out| {
        for (r, row) in range.clone().zip(out.chunks_mut(n)) {
            let xs = &x[r * n..(r + 1) * n];
            let inv = inv_rms(xs, eps);
            for ((o, &v), &g) in row.iter_mut().zip(xs).zip(w) {
                *o = v.mul(inv).mul(g);
            }
        }
    })
}

impl CustomOp1 for RmsNorm {
    fn name(&self) -> &'static str {
        "rms-norm"
    }

    fn cpu_fwd(&self, x: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let y = match x {
            CpuStorage::F32(d) => CpuStorage::F32(rms_norm_rows(contiguous(d, layout, self.name())?, &weight_as::<f32>(&self.weight)?, self.eps)),
            CpuStorage::F64(d) => CpuStorage::F64(rms_norm_rows(contiguous(d, layout, self.name())?, &weight_as::<f64>(&self.weight)?, self.eps)),
            _ => candle_core::bail!("rms norm: f32 or f64 only"),
        };
        Ok((y, layout.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let back = RmsNormBackward { weight: self.weight.clone(), eps: self.eps };
        Ok(Some(x.detach().apply_op2(&dy.detach().contiguous()?, back)?.detach()))
    }
}

/// With g = dy·w and r = 1/rms(x): dx = r·g − x·r³·mean(g·x).
struct RmsNormBackward {
    weight: Tensor,
    eps: f64,
}

fn rms_norm_backward_rows<T: FromF64>(x: &[T], dy: &[T], w: &[T], eps: f64) -> Vec<T> {
    let n = w.len();
    par_rows(x.len() / n, n, &|range, out| {
        for (r, row) in range.clone().zip(out.chunks_mut(n)) {
            let (xs, dys) = (&x[r * n..(r + 1) * n], &dy[r * n..(r + 1) * n]);
            let inv = inv_rms(xs, eps);
            let gx = xs.iter().zip(dys).zip(w).fold(T::ZERO, |s, ((&a, &d), &g)| s.add(d.mul(g).mul(a)));
            let k = inv.mul(inv).mul(inv).mul(gx.div(T::from_f64(n as f64)));
            for (((o, &a), &d), &g) in row.iter_mut().zip(xs).zip(dys).zip(w) {
                *o = inv.mul(d.mul(g)).sub(a.mul(k));
            }
        }
    })
}

impl CustomOp2 for RmsNormBackward {
    fn name(&self) -> &'static str {
        "rms-norm-backward"
    }

    fn cpu_fwd(&self, x: &CpuStorage, lx: &Layout, dy: &CpuStorage, ldy: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = match (x, dy) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => CpuStorage::F32(rms_norm_backward_rows(
                contiguous(a, lx, self.name())?,
                contiguous(b, ldy, self.name())?,
                &weight_as::<f32>(&self.weight)?,
                self.eps,
            )),
            (CpuStorage::F64(a), CpuStorage::F64(b)) => CpuStorage::F64(rms_norm_backward_rows(
                contiguous(a, lx, self.name())?,
                contiguous(b, ldy, self.name())?,
                &weight_as::<f64>(&self.weight)?,
                self.eps,
            )),
            _ => candle_core::bail!("rms norm backward: f32 or f64 only"),
        };
        Ok((out, lx.shape().clone()))
    }
}

/// RMSNorm over the last dimension with the frozen weight `w`: the fused
/// op on the CPU, a composition elsewhere.
pub fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    if fusable(x) {
        return x.contiguous()?.apply_op1(RmsNorm { weight: w.detach(), eps });
    }
    let inv = (x.sqr()?.mean_keepdim(D::Minus1)? + eps)?.sqrt()?.recip()?;
    x.broadcast_mul(&inv)?.broadcast_mul(w)
}

fn fusable(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

/// Softmax of (..., t, t) attention scores under the causal mask `mask`
/// (0 on and below the diagonal): the fused op on the CPU, which applies
/// causality itself, or `mask` added then a softmax composition.
pub fn causal_softmax(scores: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let square = scores.rank() >= 2 && scores.dim(D::Minus1)? == scores.dim(D::Minus2)?;
    if fusable(scores) && square {
        return scores.contiguous()?.apply_op1(CausalSoftmax);
    }
    let x = scores.broadcast_add(mask)?;
    let max = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&max)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

/// x·σ(x): the fused op on the CPU, a composition elsewhere.
pub fn silu(x: &Tensor) -> candle_core::Result<Tensor> {
    if fusable(x) {
        return x.contiguous()?.apply_op1(Silu);
    }
    x * (x.neg()?.exp()? + 1.0)?.recip()?
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn diff(a: &Tensor, b: &Tensor) -> f64 {
        (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f64>().unwrap()
    }

    /// Values and input gradients equal the compositions' (the masked
    /// softmax, x·σ(x)), in f64.
    #[test]
    fn fused_ops_match_their_compositions_in_value_and_gradient() {
        let dev = Device::Cpu;
        let t = 5;
        let mask: Vec<f64> = (0..t * t).map(|i| if i % t > i / t { -1e9 } else { 0.0 }).collect();
        let mask = Tensor::from_vec(mask, (t, t), &dev).unwrap();
        let x = Var::from_tensor(&Tensor::randn(0f64, 2.0, (2, 3, t, t), &dev).unwrap()).unwrap();
        let weights = Tensor::randn(0f64, 1.0, (2, 3, t, t), &dev).unwrap();
        let ours = causal_softmax(x.as_tensor(), &mask).unwrap();
        let composed = {
            let m = x.as_tensor().broadcast_add(&mask).unwrap();
            let e = m.broadcast_sub(&m.max_keepdim(D::Minus1).unwrap().detach()).unwrap().exp().unwrap();
            e.broadcast_div(&e.sum_keepdim(D::Minus1).unwrap()).unwrap()
        };
        assert!(diff(&ours, &composed) < 1e-12);
        let g1 = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (&composed * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(diff(g1.get(x.as_tensor()).unwrap(), g2.get(x.as_tensor()).unwrap()) < 1e-12);

        let x = Var::from_tensor(&Tensor::randn(0f64, 3.0, (3, 7000), &dev).unwrap()).unwrap();
        let weights = Tensor::randn(0f64, 1.0, (3, 7000), &dev).unwrap();
        let ours = silu(x.as_tensor()).unwrap();
        let composed = (x.as_tensor() * (x.as_tensor().neg().unwrap().exp().unwrap() + 1.0).unwrap().recip().unwrap()).unwrap();
        assert!(diff(&ours, &composed) < 1e-12);
        let g1 = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (&composed * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(diff(g1.get(x.as_tensor()).unwrap(), g2.get(x.as_tensor()).unwrap()) < 1e-12);

        let x = Var::from_tensor(&Tensor::randn(0f64, 2.0, (2, 3, 8), &dev).unwrap()).unwrap();
        let w = Tensor::randn(1f64, 0.3, 8, &dev).unwrap();
        let weights = Tensor::randn(0f64, 1.0, (2, 3, 8), &dev).unwrap();
        let ours = rms_norm(x.as_tensor(), &w, 1e-5).unwrap();
        let composed = {
            let inv = (x.as_tensor().sqr().unwrap().mean_keepdim(D::Minus1).unwrap() + 1e-5).unwrap().sqrt().unwrap().recip().unwrap();
            x.as_tensor().broadcast_mul(&inv).unwrap().broadcast_mul(&w).unwrap()
        };
        assert!(diff(&ours, &composed) < 1e-12);
        let g1 = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (&composed * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(diff(g1.get(x.as_tensor()).unwrap(), g2.get(x.as_tensor()).unwrap()) < 1e-12);
    }
}

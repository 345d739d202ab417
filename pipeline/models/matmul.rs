//! Batched `A·B` with a backward pass, by slm-kernels' AVX-512 GEMM on the
//! CPU: attention's products (scores `q kᵀ` and `p v`, one per sequence and
//! head) and their gradients, which candle's matmul ran at a third of the
//! speed. The operands may be transposed views (`kᵀ`, and the transposes of
//! the backward pass): the kernel reads any row and column strides, so no
//! copy is made. Elsewhere (GPU, other dtypes, a CPU without AVX-512) this
//! is candle's matmul.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Shape, Tensor};
use slm_kernels::gemm::{self, View};

/// `a · b` for a (..., m, k) and b (..., k, n) with the same batch dims.
pub fn matmul(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let ours = a.device().is_cpu() && a.dtype() == DType::F32 && b.dtype() == DType::F32 && gemm::available();
    if !ours {
        return a.matmul(b);
    }
    let (a_dims, b_dims) = (a.dims(), b.dims());
    let n = a_dims.len();
    if n < 2 || b_dims.len() != n || a_dims[..n - 2] != b_dims[..n - 2] || a_dims[n - 1] != b_dims[n - 2] {
        return Err(candle_core::Error::Msg(format!("matmul of {a_dims:?} and {b_dims:?}")));
    }
    // Batch dims that do not collapse into one stride (rare) are copied
    // first; the copy is part of the graph.
    let flat = |t: &Tensor| if Batched::of(t.layout()).is_some() { Ok(t.clone()) } else { t.contiguous() };
    flat(a)?.apply_op2(&flat(b)?, BatchedMatmul)
}

/// The product and its backward pass: `∂a = g bᵀ`, `∂b = aᵀ g`.
struct BatchedMatmul;

/// A batch of equally shaped, equally strided matrices:
/// element (p, i, j) is at `offset + p·batch_stride + i·row_stride + j·col_stride`.
#[derive(Debug, Clone, Copy)]
struct Batched {
    batch: usize,
    batch_stride: usize,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
    offset: usize,
}

impl Batched {
    fn of(layout: &Layout) -> Option<Self> {
        let (dims, strides) = (layout.dims(), layout.stride());
        let n = dims.len();
        if n < 2 {
            return None;
        }
        // The batch dims (size-1 ones ignored) must nest: each stride the
        // next one times its size.
        let batch_dims: Vec<(usize, usize)> = dims[..n - 2].iter().copied().zip(strides[..n - 2].iter().copied()).filter(|(d, _)| *d > 1).collect();
        if batch_dims.windows(2).any(|w| w[0].1 != w[1].1 * w[1].0) {
            return None;
        }
        Some(Self {
            batch: batch_dims.iter().map(|(d, _)| d).product(),
            batch_stride: batch_dims.last().map_or(0, |(_, s)| *s),
            rows: dims[n - 2],
            cols: dims[n - 1],
            row_stride: strides[n - 2],
            col_stride: strides[n - 1],
            offset: layout.start_offset(),
        })
    }

    fn view<'a>(&self, data: &'a [f32], product: usize) -> View<'a> {
        View {
            data: &data[self.offset + product * self.batch_stride..],
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
        }
    }
}

impl CustomOp2 for BatchedMatmul {
    fn name(&self) -> &'static str {
        "avx512-matmul"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(xa), CpuStorage::F32(xb)) = (s1, s2) else {
            candle_core::bail!("avx512 matmul: f32 operands only");
        };
        let (Some(a), Some(b)) = (Batched::of(l1), Batched::of(l2)) else {
            candle_core::bail!("avx512 matmul: batch dims of {:?} or {:?} do not collapse", l1.stride(), l2.stride());
        };
        let mut dims = l1.dims().to_vec();
        *dims.last_mut().expect("two dims at least") = b.cols;
        let y = gemm::gemm_batched(a.batch, |p| a.view(xa, p), |p| b.view(xb, p), super::frozen::candle_threads)
            .ok_or_else(|| candle_core::Error::Msg("avx512 matmul on a CPU without AVX-512".into()))?;
        Ok((CpuStorage::F32(y), Shape::from(dims)))
    }

    fn bwd(&self, a: &Tensor, b: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let grad_a = matmul(grad, &b.t()?)?;
        let grad_b = matmul(&a.t()?, grad)?;
        Ok((Some(grad_a), Some(grad_b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn same_values_and_gradients_as_candle_for_attention_shapes() {
        if !gemm::available() {
            eprintln!("no AVX-512 on this CPU: candle's matmul is used");
            return;
        }
        let dev = Device::Cpu;
        // q (b, h, t, d) · kᵀ, then p (b, h, t, t) · v: transposed and plain operands.
        let q = Var::from_tensor(&Tensor::randn(0f32, 1.0, (2, 3, 17, 8), &dev).unwrap()).unwrap();
        let k = Var::from_tensor(&Tensor::randn(0f32, 1.0, (2, 3, 17, 8), &dev).unwrap()).unwrap();
        let v = Var::from_tensor(&Tensor::randn(0f32, 1.0, (2, 3, 17, 8), &dev).unwrap()).unwrap();
        let weights = Tensor::randn(0f32, 1.0, (2, 3, 17, 8), &dev).unwrap();
        let run = |mm: &dyn Fn(&Tensor, &Tensor) -> candle_core::Result<Tensor>| {
            let scores = mm(q.as_tensor(), &k.as_tensor().t().unwrap()).unwrap();
            let out = mm(&scores.tanh().unwrap(), v.as_tensor()).unwrap();
            let grads = (&out * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let g = |x: &Var| grads.get(x.as_tensor()).unwrap().clone();
            (out, g(&q), g(&k), g(&v))
        };
        let ours = run(&|a, b| matmul(a, b));
        let plain = run(&|a, b| a.matmul(b));
        let diff = |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff(&ours.0, &plain.0) < 1e-4, "values");
        assert!(diff(&ours.1, &plain.1) < 1e-4, "gradient of q");
        assert!(diff(&ours.2, &plain.2) < 1e-4, "gradient of k");
        assert!(diff(&ours.3, &plain.3) < 1e-4, "gradient of v");
    }

    #[test]
    fn batch_dims_that_do_not_collapse_are_copied_first() {
        if !gemm::available() {
            return;
        }
        // (h, b, t, d) transposed to (b, h, t, d): the batch strides do not nest.
        let x = Tensor::randn(0f32, 1.0, (3, 2, 5, 4), &Device::Cpu).unwrap().transpose(0, 1).unwrap();
        let y = Tensor::randn(0f32, 1.0, (2, 3, 4, 6), &Device::Cpu).unwrap();
        let diff = (matmul(&x, &y).unwrap() - x.contiguous().unwrap().matmul(&y).unwrap()).unwrap().abs().unwrap().max_all().unwrap();
        assert!(diff.to_scalar::<f32>().unwrap() < 1e-4);
    }
}

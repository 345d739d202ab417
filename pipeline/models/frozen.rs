//! `x Wᵀ` for a frozen weight W, as a custom op whose backward pass returns
//! the gradient of x only. candle's matmul backward always computes the
//! gradient of both operands, so with plain matmuls every frozen weight of
//! the base model would get a (never used) gradient: twice the backward
//! FLOPs and a weight-sized buffer per projection. The forward pass is
//! candle's own matmul kernel on the same storages, except for a few rows
//! on the CPU (decoding: one token at a time), which take a matrix-vector
//! path: each weight row is read once, contiguously, and dotted with the
//! input rows, split over candle's threads. Those products are
//! memory-bound, and candle's general kernel ran them about 3x slower.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CudaStorage, CustomOp1, Layout, Shape, Storage, Tensor};

struct FrozenLinear {
    /// (out, in)
    weight: Tensor,
}

impl FrozenLinear {
    fn dims(&self, layout: &Layout) -> candle_core::Result<(usize, usize, usize)> {
        let (m, k) = layout.shape().dims2()?;
        let (n, k2) = self.weight.dims2()?;
        if k != k2 {
            candle_core::bail!("frozen linear: input width {k}, weight width {k2}");
        }
        Ok((m, n, k))
    }
}

impl CustomOp1 for FrozenLinear {
    fn name(&self) -> &'static str {
        "frozen-linear"
    }

    fn cpu_fwd(&self, x: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (m, n, k) = self.dims(layout)?;
        if m <= MATVEC_MAX_ROWS {
            let (storage, w_layout) = self.weight.storage_and_layout();
            if let (CpuStorage::F32(xs), Some((x0, x1)), Storage::Cpu(CpuStorage::F32(ws)), Some((w0, w1))) =
                (x, layout.contiguous_offsets(), &*storage, w_layout.contiguous_offsets())
            {
                let y = slm_kernels::rows_times_transposed(&xs[x0..x1], &ws[w0..w1], m, n, k, candle_threads);
                return Ok((CpuStorage::F32(y), Shape::from((m, n))));
            }
        }
        if let Some(y) = avx512_product(x, layout, &self.weight, Side::Transposed)? {
            return Ok((CpuStorage::F32(y), Shape::from((m, n))));
        }
        let wt = self.weight.t()?;
        let (storage, w_layout) = wt.storage_and_layout();
        let Storage::Cpu(w) = &*storage else { candle_core::bail!("frozen linear: the weight is not on the CPU") };
        Ok((x.matmul(w, (1, m, n, k), layout, w_layout)?, Shape::from((m, n))))
    }

    fn cuda_fwd(&self, x: &CudaStorage, layout: &Layout) -> candle_core::Result<(CudaStorage, Shape)> {
        let (m, n, k) = self.dims(layout)?;
        let wt = self.weight.t()?;
        let (storage, w_layout) = wt.storage_and_layout();
        let Storage::Cuda(w) = &*storage else { candle_core::bail!("frozen linear: the weight is not on the GPU") };
        Ok((x.matmul(w, (1, m, n, k), layout, w_layout)?, Shape::from((m, n))))
    }

    fn bwd(&self, _x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&FrozenLinearInputGrad { weight: self.weight.clone() })?))
    }
}

/// `g W` for g (m, out) and a frozen W (out, in), outside any graph: the
/// input's gradient of [`linear`] for a gradient g computed by hand.
pub fn times_weight(g: &Tensor, weight: &Tensor) -> candle_core::Result<Tensor> {
    g.contiguous()?.apply_op1_no_bwd(&FrozenLinearInputGrad { weight: weight.contiguous()? })
}

/// `g W` for the gradient g (m, out) of `x Wᵀ`: the input's gradient (m, in).
struct FrozenLinearInputGrad {
    /// (out, in)
    weight: Tensor,
}

impl CustomOp1 for FrozenLinearInputGrad {
    fn name(&self) -> &'static str {
        "frozen-linear-input-grad"
    }

    fn cpu_fwd(&self, g: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (m, n) = layout.shape().dims2()?;
        let (n2, k) = self.weight.dims2()?;
        if n != n2 {
            candle_core::bail!("frozen linear backward: gradient width {n}, weight rows {n2}");
        }
        if let Some(y) = avx512_product(g, layout, &self.weight, Side::AsIs)? {
            return Ok((CpuStorage::F32(y), Shape::from((m, k))));
        }
        let (storage, w_layout) = self.weight.storage_and_layout();
        let Storage::Cpu(w) = &*storage else { candle_core::bail!("frozen linear: the weight is not on the CPU") };
        Ok((g.matmul(w, (1, m, k, n), layout, w_layout)?, Shape::from((m, k))))
    }

    fn cuda_fwd(&self, g: &CudaStorage, layout: &Layout) -> candle_core::Result<(CudaStorage, Shape)> {
        let (m, n) = layout.shape().dims2()?;
        let (_, k) = self.weight.dims2()?;
        let (storage, w_layout) = self.weight.storage_and_layout();
        let Storage::Cuda(w) = &*storage else { candle_core::bail!("frozen linear: the weight is not on the GPU") };
        Ok((g.matmul(w, (1, m, k, n), layout, w_layout)?, Shape::from((m, k))))
    }
}

/// Whether the weight (out, in) enters the product transposed (`x Wᵀ`) or as is (`g W`).
#[derive(Clone, Copy)]
enum Side {
    Transposed,
    AsIs,
}

/// The product of a contiguous f32 input with the weight by the AVX-512
/// kernel of `slm_kernels::gemm`, or None where it does not apply (another
/// dtype, a strided input, a CPU without AVX-512): candle's matmul then.
fn avx512_product(x: &CpuStorage, layout: &Layout, weight: &Tensor, side: Side) -> candle_core::Result<Option<Vec<f32>>> {
    let (m, width) = layout.shape().dims2()?;
    let (out, inp) = weight.dims2()?;
    let (storage, w_layout) = weight.storage_and_layout();
    let (CpuStorage::F32(xs), Some((x0, x1)), Storage::Cpu(CpuStorage::F32(ws)), Some((w0, w1))) =
        (x, layout.contiguous_offsets(), &*storage, w_layout.contiguous_offsets())
    else {
        return Ok(None);
    };
    let w = slm_kernels::gemm::View::row_major(&ws[w0..w1], out, inp);
    let b = match side {
        Side::Transposed => w.t(),
        Side::AsIs => w,
    };
    if b.rows != width {
        candle_core::bail!("frozen linear: input width {width}, weight {out}x{inp}");
    }
    Ok(slm_kernels::gemm::gemm(slm_kernels::gemm::View::row_major(&xs[x0..x1], m, width), b, candle_threads))
}

/// The thread pool of slm-kernels' loops: candle's own, so that our kernels
/// and candle's ops share one set of threads. Calls `f` on disjoint ranges
/// covering `0..n` and returns when all calls have.
pub(super) fn candle_threads(n: usize, f: &(dyn Fn(std::ops::Range<usize>) + Sync)) {
    candle_core::utils::barrier_pool().execute_chunked(n, f)
}

/// Inputs of at most this many rows take the matrix-vector path on the CPU.
const MATVEC_MAX_ROWS: usize = 4;

/// `x Wᵀ` for x of shape (..., in) and a frozen W (out, in).
pub fn linear(x: &Tensor, weight: &Tensor) -> candle_core::Result<Tensor> {
    let dims = x.dims().to_vec();
    let (rows, width) = (x.elem_count() / dims[dims.len() - 1], dims[dims.len() - 1]);
    let y = x.contiguous()?.reshape((rows, width))?.apply_op1(FrozenLinear { weight: weight.contiguous()? })?;
    let mut out = dims;
    *out.last_mut().expect("at least one dimension") = weight.dim(0)?;
    y.reshape(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn same_values_and_input_gradient_as_matmul_and_no_weight_gradient() {
        let x = Var::from_tensor(&Tensor::randn(0f64, 1.0, (2, 3, 5), &Device::Cpu).unwrap()).unwrap();
        let w = Tensor::randn(0f64, 1.0, (4, 5), &Device::Cpu).unwrap();
        let ours = linear(x.as_tensor(), &w).unwrap();
        let plain = x.as_tensor().broadcast_matmul(&w.t().unwrap()).unwrap();
        let diff = |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f64>().unwrap();
        assert!(diff(&ours, &plain) < 1e-12);
        let weights = Tensor::randn(0f64, 1.0, (2, 3, 4), &Device::Cpu).unwrap();
        let g_ours = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g_plain = (&plain * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(diff(g_ours.get(x.as_tensor()).unwrap(), g_plain.get(x.as_tensor()).unwrap()) < 1e-12);
        assert!(g_ours.get(&w).is_none(), "no gradient is computed for the frozen weight");
    }

    #[test]
    fn the_matrix_vector_path_equals_matmul() {
        // f32, 1 to 4 rows (the matrix-vector path), widths with a tail past 32 lanes.
        for (m, n, k) in [(1, 7, 5), (1, 96, 77), (3, 50, 64), (4, 33, 130), (5, 20, 40)] {
            let x = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap();
            let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
            let ours = linear(&x, &w).unwrap();
            let plain = x.matmul(&w.t().unwrap()).unwrap();
            let diff = (ours - plain).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(diff < 1e-4, "{m}x{n}x{k}: {diff}");
        }
    }

    #[test]
    fn the_avx512_path_equals_matmul_in_value_and_input_gradient() {
        // f32 with more rows than the matrix-vector path takes; fringes in
        // every dimension of the kernel's blocking.
        for (m, n, k) in [(5, 20, 40), (37, 33, 200), (130, 64, 577)] {
            let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap()).unwrap();
            let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
            let ours = linear(x.as_tensor(), &w).unwrap();
            let plain = x.as_tensor().matmul(&w.t().unwrap()).unwrap();
            let diff = |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(diff(&ours, &plain) < 1e-3, "{m}x{n}x{k} values");
            let weights = Tensor::randn(0f32, 1.0, (m, n), &Device::Cpu).unwrap();
            let g_ours = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let g_plain = (&plain * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            assert!(diff(g_ours.get(x.as_tensor()).unwrap(), g_plain.get(x.as_tensor()).unwrap()) < 1e-3, "{m}x{n}x{k} gradient");
        }
    }
}

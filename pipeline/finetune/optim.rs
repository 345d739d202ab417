//! AdamW (Loshchilov and Hutter, decoupled weight decay) with bias
//! correction, the learning-rate schedule (linear warm-up, then cosine decay)
//! and global gradient-norm clipping. Our own rather than candle-nn's so that
//! the moments can be checkpointed and restored exactly.

use candle_core::{Tensor, Var};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWParams {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    fn default() -> Self {
        Self { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
    }
}

pub struct AdamW {
    pub params: AdamWParams,
    /// Updates applied so far (the `t` of the bias correction).
    pub steps: u64,
    /// First and second moments, one per variable, in the variables' order.
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl AdamW {
    pub fn new(vars: &[Var], params: AdamWParams) -> candle_core::Result<Self> {
        let zeros = |v: &Var| v.as_tensor().zeros_like();
        Ok(Self {
            params,
            steps: 0,
            m: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            v: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
        })
    }

    /// One update of every variable with its gradient, at learning rate `lr`:
    /// θ ← θ(1 − lr·λ) − lr · m̂ / (√v̂ + ε).
    pub fn step(&mut self, vars: &[Var], grads: &[Tensor], lr: f64) -> candle_core::Result<()> {
        let p = self.params;
        self.steps += 1;
        let t = self.steps as i32;
        let (c1, c2) = (1.0 - p.beta1.powi(t), 1.0 - p.beta2.powi(t));
        for (i, (var, g)) in vars.iter().zip(grads).enumerate() {
            let m = ((&self.m[i] * p.beta1)? + (g * (1.0 - p.beta1))?)?;
            let v = ((&self.v[i] * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
            let update = ((&m / c1)? / ((&v / c2)?.sqrt()? + p.eps)?)?;
            let theta = var.as_tensor();
            let decayed = if p.weight_decay > 0.0 { (theta * (1.0 - lr * p.weight_decay))? } else { theta.clone() };
            var.set(&(decayed - (update * lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}

/// The learning rate of update `step` (0-based) of `total`: linear warm-up
/// over `warmup` updates to `peak`, then cosine decay to `peak · min_ratio`.
pub fn learning_rate(step: usize, total: usize, warmup: usize, peak: f64, min_ratio: f64) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = total.saturating_sub(warmup).max(1) as f64;
    let progress = ((step - warmup) as f64 / span).min(1.0);
    let floor = peak * min_ratio;
    floor + (peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// Scales the gradients so that their global L2 norm is at most `max_norm`;
/// returns the norm before clipping.
pub fn clip_global_norm(grads: &mut [Tensor], max_norm: f64) -> candle_core::Result<f64> {
    let mut total = 0.0f64;
    for g in grads.iter() {
        total += g.sqr()?.sum_all()?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
    }
    let norm = total.sqrt();
    if max_norm > 0.0 && norm > max_norm {
        let factor = max_norm / (norm + 1e-6);
        for g in grads.iter_mut() {
            *g = (&*g * factor)?;
        }
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn schedule_warms_up_then_decays_to_the_floor() {
        let lr = |s| learning_rate(s, 100, 10, 1e-3, 0.1);
        assert!((lr(0) - 1e-4).abs() < 1e-12);
        assert!((lr(9) - 1e-3).abs() < 1e-12);
        assert!((lr(10) - 1e-3).abs() < 1e-12, "decay starts at the peak");
        assert!((lr(55) - (1e-4 + 0.9e-3 * 0.5)).abs() < 1e-9, "half-way is the mean of peak and floor");
        assert!((lr(100) - 1e-4).abs() < 1e-12);
        assert!((1..100).all(|s| lr(s) <= lr(s.min(9)) + 1e-15));
        // No warm-up: the first update runs at the peak.
        assert!((learning_rate(0, 10, 0, 2e-4, 0.0) - 2e-4).abs() < 1e-15);
    }

    /// Against the update written out by hand (PyTorch's AdamW formula).
    #[test]
    fn adamw_matches_the_formula() {
        let var = Var::from_tensor(&Tensor::new(&[1.0f64, -2.0], &Device::Cpu).unwrap()).unwrap();
        let params = AdamWParams { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0.1 };
        let mut opt = AdamW::new(std::slice::from_ref(&var), params).unwrap();
        let grads = [[0.5f64, -1.0], [0.25, 2.0]];
        let (mut theta, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
        for (t, g) in grads.iter().enumerate() {
            let lr = 0.01;
            opt.step(std::slice::from_ref(&var), &[Tensor::new(g, &Device::Cpu).unwrap()], lr).unwrap();
            for i in 0..2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                let (mh, vh) = (m[i] / (1.0 - 0.9f64.powi(t as i32 + 1)), v[i] / (1.0 - 0.99f64.powi(t as i32 + 1)));
                theta[i] = theta[i] * (1.0 - lr * 0.1) - lr * mh / (vh.sqrt() + 1e-8);
            }
        }
        let got = var.as_tensor().to_vec1::<f64>().unwrap();
        for i in 0..2 {
            assert!((got[i] - theta[i]).abs() < 1e-12, "{got:?} vs {theta:?}");
        }
    }

    #[test]
    fn clipping_bounds_the_global_norm() {
        let mut grads = vec![Tensor::new(&[3.0f32], &Device::Cpu).unwrap(), Tensor::new(&[4.0f32], &Device::Cpu).unwrap()];
        let norm = clip_global_norm(&mut grads, 1.0).unwrap();
        assert!((norm - 5.0).abs() < 1e-6);
        let a = grads[0].to_vec1::<f32>().unwrap()[0];
        let b = grads[1].to_vec1::<f32>().unwrap()[0];
        assert!(((a * a + b * b).sqrt() - 1.0).abs() < 1e-4 && (a / b - 0.75).abs() < 1e-6);
    }
}

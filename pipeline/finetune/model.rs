//! A Llama forward pass built only from differentiable candle ops, with LoRA
//! adapters on the chosen projections: the training path. candle's fused ops
//! (`rms_norm`, `softmax_last_dim`, `rope`) do not propagate gradients, so
//! RMS norm, rotary embeddings (rotate-half, Hugging Face's layout), the
//! causal softmax and the loss are composed here from elementary ops; a test
//! checks every LoRA gradient against finite differences and the logits
//! against candle's own Llama.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var, D};

use crate::models::smollm::LlamaSpec;

/// The projections LoRA can adapt, with PEFT's module names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

impl Target {
    pub const ALL: [Target; 7] = [Target::Q, Target::K, Target::V, Target::O, Target::Gate, Target::Up, Target::Down];

    /// PEFT's `target_modules` name.
    pub fn module(self) -> &'static str {
        match self {
            Target::Q => "q_proj",
            Target::K => "k_proj",
            Target::V => "v_proj",
            Target::O => "o_proj",
            Target::Gate => "gate_proj",
            Target::Up => "up_proj",
            Target::Down => "down_proj",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim_end_matches("_proj");
        Self::ALL.into_iter().find(|t| t.module().trim_end_matches("_proj") == name)
    }

    /// The base weight's Hugging Face name in layer `layer`.
    pub fn weight_name(self, layer: usize) -> String {
        let block = if matches!(self, Target::Gate | Target::Up | Target::Down) { "mlp" } else { "self_attn" };
        format!("model.layers.{layer}.{block}.{}.weight", self.module())
    }
}

/// One LoRA pair on a projection: `W x + scale · B (A x)`.
pub struct LoraPair {
    /// (r, in)
    pub a: Var,
    /// (out, r)
    pub b: Var,
}

/// The frozen base weights and the trainable adapters.
pub struct LoraLlama {
    pub spec: LlamaSpec,
    base: HashMap<String, Tensor>,
    pub adapters: HashMap<(usize, Target), LoraPair>,
    pub rank: usize,
    pub scale: f64,
    cos: Tensor,
    sin: Tensor,
}

impl LoraLlama {
    /// Adapters as PEFT initialises them: A uniform in ±1/√in (Kaiming with
    /// a = √5), B zero, so training starts from the base model exactly.
    pub fn new(
        spec: LlamaSpec,
        base: HashMap<String, Tensor>,
        targets: &[Target],
        rank: usize,
        alpha: f64,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Self> {
        let mut adapters = HashMap::new();
        for layer in 0..spec.layers {
            for &target in targets {
                let name = target.weight_name(layer);
                let w = base.get(&name).ok_or_else(|| candle_core::Error::Msg(format!("base weight {name} missing")))?;
                let (out, inp) = w.dims2()?;
                let bound = 1.0 / (inp as f64).sqrt();
                let a = Var::from_tensor(&Tensor::rand(-bound, bound, (rank, inp), device)?.to_dtype(dtype)?)?;
                let b = Var::from_tensor(&Tensor::zeros((out, rank), dtype, device)?)?;
                adapters.insert((layer, target), LoraPair { a, b });
            }
        }
        let base = base.into_iter().map(|(k, v)| Ok((k, v.to_dtype(dtype)?))).collect::<candle_core::Result<_>>()?;
        let (cos, sin) = rope_tables(&spec, spec.context.min(4096), dtype, device)?;
        Ok(Self { spec, base, adapters, rank, scale: alpha / rank as f64, cos, sin })
    }

    /// The trainable variables, in a stable order (layer, target, A then B).
    pub fn trainable(&self) -> Vec<Var> {
        let mut keys: Vec<_> = self.adapters.keys().copied().collect();
        keys.sort();
        keys.iter().flat_map(|k| [self.adapters[k].a.clone(), self.adapters[k].b.clone()]).collect()
    }

    fn weight(&self, name: &str) -> candle_core::Result<&Tensor> {
        self.base.get(name).ok_or_else(|| candle_core::Error::Msg(format!("base weight {name} missing")))
    }

    /// `x W^T (+ scale · x A^T B^T)`, x of shape (b, t, in).
    fn project(&self, x: &Tensor, layer: usize, target: Target) -> candle_core::Result<Tensor> {
        let w = self.weight(&target.weight_name(layer))?;
        let y = x.broadcast_matmul(&w.t()?)?;
        match self.adapters.get(&(layer, target)) {
            Some(pair) => {
                let low = x.broadcast_matmul(&pair.a.as_tensor().t()?)?;
                let delta = low.broadcast_matmul(&pair.b.as_tensor().t()?)?;
                y + (delta * self.scale)?
            }
            None => Ok(y),
        }
    }

    /// Logits (b, t, vocab) for token ids (b, t).
    pub fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let s = &self.spec;
        let (hd, heads, kv) = (s.head_dim(), s.heads, s.kv_heads);
        let embed = self.weight("model.embed_tokens.weight")?;
        let mut x = embed.index_select(&ids.flatten_all()?, 0)?.reshape((b, t, s.hidden))?;
        let cos = self.cos.narrow(0, 0, t)?;
        let sin = self.sin.narrow(0, 0, t)?;
        let mask = causal_mask(t, x.dtype(), x.device())?;
        for layer in 0..s.layers {
            let ln = self.weight(&format!("model.layers.{layer}.input_layernorm.weight"))?;
            let h = rms_norm(&x, ln, s.rms_eps)?;
            let q = self.project(&h, layer, Target::Q)?.reshape((b, t, heads, hd))?.transpose(1, 2)?;
            let k = self.project(&h, layer, Target::K)?.reshape((b, t, kv, hd))?.transpose(1, 2)?;
            let v = self.project(&h, layer, Target::V)?.reshape((b, t, kv, hd))?.transpose(1, 2)?;
            let q = rope(&q.contiguous()?, &cos, &sin)?;
            let k = rope(&k.contiguous()?, &cos, &sin)?;
            let (k, v) = (repeat_kv(&k, heads / kv)?, repeat_kv(&v, heads / kv)?);
            let scores = (q.matmul(&k.t()?)? / (hd as f64).sqrt())?.broadcast_add(&mask)?;
            let attn = softmax_last(&scores)?.matmul(&v.contiguous()?)?;
            let attn = attn.transpose(1, 2)?.reshape((b, t, s.hidden))?;
            x = (x + self.project(&attn, layer, Target::O)?)?;

            let ln = self.weight(&format!("model.layers.{layer}.post_attention_layernorm.weight"))?;
            let h = rms_norm(&x, ln, s.rms_eps)?;
            let gate = self.project(&h, layer, Target::Gate)?;
            let up = self.project(&h, layer, Target::Up)?;
            let act = (&gate * sigmoid(&gate)?)?;
            x = (x + self.project(&(act * up)?, layer, Target::Down)?)?;
        }
        let x = rms_norm(&x, self.weight("model.norm.weight")?, s.rms_eps)?;
        let head = match self.base.get("lm_head.weight") {
            Some(w) => w,
            None => embed,
        };
        x.broadcast_matmul(&head.t()?)
    }

    /// Mean cross-entropy of next-token prediction over the positions where
    /// `mask` (b, t) is 1: the answer tokens only. `ids` and `mask` (b, t).
    pub fn loss(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let logits = self.forward(&ids.narrow(1, 0, t - 1)?)?;
        let targets = ids.narrow(1, 1, t - 1)?;
        let weights = mask.narrow(1, 1, t - 1)?.to_dtype(logits.dtype())?;
        let logp = log_softmax_last(&logits)?;
        let picked = logp.gather(&targets.unsqueeze(2)?.contiguous()?, 2)?.squeeze(2)?;
        let total = weights.sum_all()?;
        let nll = (picked * &weights)?.sum_all()?.neg()?;
        nll.broadcast_div(&total.clamp(1.0, f64::MAX)?)
    }
}

/// cos and sin of the rotary angles, (positions, head_dim), rotate-half layout.
fn rope_tables(spec: &LlamaSpec, positions: usize, dtype: DType, device: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let hd = spec.head_dim();
    let inv: Vec<f32> = (0..hd / 2).map(|i| 1.0 / spec.rope_theta.powf(2.0 * i as f32 / hd as f32)).collect();
    let inv = Tensor::new(inv.as_slice(), device)?;
    let pos = Tensor::arange(0u32, positions as u32, device)?.to_dtype(DType::F32)?;
    let freqs = pos.unsqueeze(1)?.broadcast_mul(&inv.unsqueeze(0)?)?;
    let freqs = Tensor::cat(&[&freqs, &freqs], 1)?;
    Ok((freqs.cos()?.to_dtype(dtype)?, freqs.sin()?.to_dtype(dtype)?))
}

/// x (b, h, t, d): x·cos + rotate_half(x)·sin.
fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> candle_core::Result<Tensor> {
    let d = x.dim(D::Minus1)?;
    let (x1, x2) = (x.narrow(D::Minus1, 0, d / 2)?, x.narrow(D::Minus1, d / 2, d / 2)?);
    let rotated = Tensor::cat(&[&x2.neg()?, &x1], D::Minus1)?;
    x.broadcast_mul(cos)? + rotated.broadcast_mul(sin)?
}

fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    let inv = (x.sqr()?.mean_keepdim(D::Minus1)? + eps)?.sqrt()?.recip()?;
    x.broadcast_mul(&inv)?.broadcast_mul(w)
}

fn sigmoid(x: &Tensor) -> candle_core::Result<Tensor> {
    (x.neg()?.exp()? + 1.0)?.recip()
}

fn softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
    let max = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&max)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

fn log_softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
    let max = x.max_keepdim(D::Minus1)?.detach();
    let shifted = x.broadcast_sub(&max)?;
    shifted.broadcast_sub(&shifted.exp()?.sum_keepdim(D::Minus1)?.log()?)
}

/// 0 on and below the diagonal, a large negative number above.
fn causal_mask(t: usize, dtype: DType, device: &Device) -> candle_core::Result<Tensor> {
    let m: Vec<f32> = (0..t * t).map(|i| if i % t > i / t { -1e9 } else { 0.0 }).collect();
    Tensor::from_vec(m, (t, t), device)?.to_dtype(dtype)
}

/// (b, kv, t, d) → (b, kv·n, t, d), each KV head serving n query heads.
fn repeat_kv(x: &Tensor, n: usize) -> candle_core::Result<Tensor> {
    if n == 1 {
        return Ok(x.clone());
    }
    let (b, kv, t, d) = x.dims4()?;
    x.unsqueeze(2)?.broadcast_as((b, kv, n, t, d))?.reshape((b, kv * n, t, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarBuilder;

    fn tiny_spec() -> LlamaSpec {
        LlamaSpec {
            hidden: 16,
            intermediate: 24,
            layers: 2,
            heads: 4,
            kv_heads: 2,
            rope_theta: 10_000.0,
            rms_eps: 1e-5,
            vocab: 32,
            context: 64,
            bos: 1,
            eos: 2,
        }
    }

    /// Random base weights under Hugging Face names, through candle's Llama
    /// loader (so the names are the ones it expects).
    fn tiny_weights(spec: &LlamaSpec, dtype: DType) -> HashMap<String, Tensor> {
        let varmap = candle_nn::VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, dtype, &Device::Cpu);
        candle_transformers::models::llama::Llama::load(vb, &spec.candle_config(true)).unwrap();
        let data = varmap.data().lock().unwrap();
        // RMS norm weights start at 1 in the loader: make them random too.
        data.iter()
            .map(|(k, v)| {
                let t = v.as_tensor().clone();
                let t = if k.contains("norm") { (t.rand_like(0.5, 1.5).unwrap()).to_dtype(dtype).unwrap() } else { t };
                (k.clone(), t)
            })
            .collect()
    }

    #[test]
    fn logits_match_candles_llama() {
        let spec = tiny_spec();
        let weights = tiny_weights(&spec, DType::F32);
        let ours = LoraLlama::new(spec.clone(), weights.clone(), &[], 2, 4.0, DType::F32, &Device::Cpu).unwrap();
        let config = spec.candle_config(true);
        let vb = VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu);
        let reference = candle_transformers::models::llama::Llama::load(vb, &config).unwrap();
        let ids = Tensor::new(&[[3u32, 7, 1, 30, 12, 5]], &Device::Cpu).unwrap();
        let mut cache = candle_transformers::models::llama::Cache::new(false, DType::F32, &config, &Device::Cpu).unwrap();
        // candle's Llama returns the last position's logits.
        let expected = reference.forward(&ids, 0, &mut cache).unwrap().squeeze(0).unwrap();
        let got = ours.forward(&ids).unwrap().squeeze(0).unwrap().get(5).unwrap();
        let diff = (expected - got).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-4, "max |difference| {diff}");
    }

    /// Every element of every LoRA A and B: the backward pass agrees with
    /// central finite differences of the loss (f64, tiny model).
    #[test]
    fn every_lora_gradient_matches_finite_differences() {
        let spec = tiny_spec();
        let weights = tiny_weights(&spec, DType::F64);
        let model =
            LoraLlama::new(spec, weights, &Target::ALL, 2, 4.0, DType::F64, &Device::Cpu).unwrap();
        // B starts at zero (A's gradient would be zero): make it random.
        for pair in model.adapters.values() {
            pair.b.set(&pair.b.as_tensor().rand_like(-0.5, 0.5).unwrap()).unwrap();
        }
        let ids = Tensor::new(&[[1u32, 9, 4, 17, 2, 8, 21], [1, 3, 3, 30, 11, 2, 6]], &Device::Cpu).unwrap();
        // Loss on the "answer" only: the last four tokens of each row.
        let mask = Tensor::new(&[[0u32, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1]], &Device::Cpu).unwrap();
        let loss = model.loss(&ids, &mask).unwrap();
        let grads = loss.backward().unwrap();
        let eps = 1e-6;
        let mut checked = 0;
        for var in model.trainable() {
            let analytic = grads.get(var.as_tensor()).expect("every LoRA tensor gets a gradient").flatten_all().unwrap().to_vec1::<f64>().unwrap();
            let original = var.as_tensor().flatten_all().unwrap().to_vec1::<f64>().unwrap();
            for i in 0..original.len() {
                let at = |delta: f64| {
                    let mut v = original.clone();
                    v[i] += delta;
                    var.set(&Tensor::from_vec(v, var.as_tensor().shape(), &Device::Cpu).unwrap()).unwrap();
                    model.loss(&ids, &mask).unwrap().to_scalar::<f64>().unwrap()
                };
                let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
                var.set(&Tensor::from_vec(original.clone(), var.as_tensor().shape(), &Device::Cpu).unwrap()).unwrap();
                let err = (numeric - analytic[i]).abs() / numeric.abs().max(analytic[i].abs()).max(1e-4);
                assert!(err < 1e-4, "element {i}: analytic {} numeric {numeric}", analytic[i]);
                checked += 1;
            }
        }
        // 2 layers × 7 targets × (A + B).
        assert_eq!(model.trainable().len(), 28);
        // Per layer: q 64, k 48, v 48, o 64, gate 80, up 80, down 80 elements.
        assert_eq!(checked, 2 * 464);
    }
}

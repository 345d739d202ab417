//! A Llama forward pass built only from differentiable candle ops, with LoRA
//! adapters on the chosen projections: the training path. candle's fused ops
//! (`rms_norm`, `softmax_last_dim`, `rope`) do not propagate gradients, so
//! RMS norm, rotary embeddings (rotate-half, Hugging Face's layout), the
//! causal softmax and the loss are composed here from elementary ops; a test
//! checks every LoRA gradient against finite differences and the logits
//! against candle's own Llama.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var, D};

use super::fused;
use super::matmul::matmul;
use crate::rng::SplitMix64;
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
    pub alpha: f64,
    pub scale: f64,
    cos: Tensor,
    sin: Tensor,
}

impl LoraLlama {
    /// Adapters as PEFT initialises them: A uniform in ±1/√in (Kaiming with
    /// a = √5), B zero, so training starts from the base model exactly. A is
    /// drawn from `seed` (candle's CPU generator cannot be seeded).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        spec: LlamaSpec,
        base: HashMap<String, Tensor>,
        targets: &[Target],
        rank: usize,
        alpha: f64,
        seed: u64,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Self> {
        let mut adapters = HashMap::new();
        let mut rng = SplitMix64::new(seed);
        for layer in 0..spec.layers {
            for &target in targets {
                let name = target.weight_name(layer);
                let w = base.get(&name).ok_or_else(|| candle_core::Error::Msg(format!("base weight {name} missing")))?;
                let (out, inp) = w.dims2()?;
                let bound = 1.0 / (inp as f64).sqrt();
                let init: Vec<f32> = (0..rank * inp).map(|_| ((rng.next_f64() * 2.0 - 1.0) * bound) as f32).collect();
                let a = Var::from_tensor(&Tensor::from_vec(init, (rank, inp), device)?.to_dtype(dtype)?)?;
                let b = Var::from_tensor(&Tensor::zeros((out, rank), dtype, device)?)?;
                adapters.insert((layer, target), LoraPair { a, b });
            }
        }
        let base = base.into_iter().map(|(k, v)| Ok((k, v.to_dtype(dtype)?))).collect::<candle_core::Result<_>>()?;
        let (cos, sin) = rope_tables(&spec, spec.context.min(4096), dtype, device)?;
        Ok(Self { spec, base, adapters, rank, alpha, scale: alpha / rank as f64, cos, sin })
    }

    /// The adapted modules, in order.
    pub fn targets(&self) -> Vec<Target> {
        let mut targets: Vec<Target> = self.adapters.keys().map(|k| k.1).collect();
        targets.sort();
        targets.dedup();
        targets
    }

    /// Sets the adapters from tensors in [`Self::trainable`]'s order.
    pub fn set_trainable(&self, tensors: &[Tensor]) -> candle_core::Result<()> {
        let vars = self.trainable();
        if vars.len() != tensors.len() {
            return Err(candle_core::Error::Msg(format!("{} adapter tensors for {} variables", tensors.len(), vars.len())));
        }
        vars.iter().zip(tensors).try_for_each(|(v, t)| v.set(t))
    }

    /// The adapters under stable names (`<layer>.<module>.lora_A|B`), for
    /// checkpoints and the PEFT export.
    pub fn adapter_tensors(&self) -> Vec<(usize, Target, Tensor, Tensor)> {
        self.trainable_keys()
            .iter()
            .map(|k| (k.0, k.1, self.adapters[k].a.as_tensor().clone(), self.adapters[k].b.as_tensor().clone()))
            .collect()
    }

    /// The trainable variables, in a stable order (layer, target, A then B).
    pub fn trainable(&self) -> Vec<Var> {
        self.trainable_keys()
            .iter().flat_map(|k| [self.adapters[k].a.clone(), self.adapters[k].b.clone()]).collect()
    }

    fn weight(&self, name: &str) -> candle_core::Result<&Tensor> {
        self.base.get(name).ok_or_else(|| candle_core::Error::Msg(format!("base weight {name} missing")))
    }

    /// `x W^T (+ scale · dropout(x) A^T B^T)`, x of shape (b, t, in).
    fn project(&self, x: &Tensor, layer: usize, target: Target, dropout: &mut Option<Dropout>) -> candle_core::Result<Tensor> {
        let w = self.weight(&target.weight_name(layer))?;
        let y = super::frozen::linear(x, w)?;
        match self.adapters.get(&(layer, target)) {
            Some(pair) => {
                let x = match dropout {
                    Some(d) => d.apply(x)?,
                    None => x.clone(),
                };
                let low = x.broadcast_matmul(&pair.a.as_tensor().t()?)?;
                let delta = low.broadcast_matmul(&pair.b.as_tensor().t()?)?;
                y + (delta * self.scale)?
            }
            None => Ok(y),
        }
    }

    /// Logits (b, t, vocab) for token ids (b, t), no dropout.
    pub fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let x = self.hidden(ids, &mut None, true)?;
        super::frozen::linear(&x, self.head()?)
    }

    fn head(&self) -> candle_core::Result<&Tensor> {
        match self.base.get("lm_head.weight") {
            Some(w) => Ok(w),
            None => self.weight("model.embed_tokens.weight"),
        }
    }

    /// The final normed hidden states (b, t, hidden); `dropout` on the
    /// adapters' inputs while training.
    /// `graph: false` detaches each layer's output: no gradient, and memory
    /// for one layer's activations only (evaluation).
    fn hidden(&self, ids: &Tensor, dropout: &mut Option<Dropout>, graph: bool) -> candle_core::Result<Tensor> {
        let mut x = self.embed(ids)?;
        let (cos, sin, mask) = self.position_tables(ids.dim(1)?, x.dtype())?;
        for layer in 0..self.spec.layers {
            x = self.layer(layer, &x, &cos, &sin, &mask, dropout)?;
            if !graph {
                x = x.detach();
            }
        }
        rms_norm(&x, self.weight("model.norm.weight")?, self.spec.rms_eps)
    }

    fn embed(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, t) = ids.dims2()?;
        self.weight("model.embed_tokens.weight")?.index_select(&ids.flatten_all()?, 0)?.reshape((b, t, self.spec.hidden))
    }

    /// cos, sin (t, head_dim) and the causal mask (t, t).
    fn position_tables(&self, t: usize, dtype: DType) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
        Ok((self.cos.narrow(0, 0, t)?, self.sin.narrow(0, 0, t)?, causal_mask(t, dtype, self.cos.device())?))
    }

    /// One decoder layer: attention and MLP, each with its residual.
    fn layer(
        &self,
        layer: usize,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        mask: &Tensor,
        dropout: &mut Option<Dropout>,
    ) -> candle_core::Result<Tensor> {
        let s = &self.spec;
        let (b, t, _) = x.dims3()?;
        let (hd, heads, kv) = (s.head_dim(), s.heads, s.kv_heads);
        let ln = self.weight(&format!("model.layers.{layer}.input_layernorm.weight"))?;
        let h = rms_norm(x, ln, s.rms_eps)?;
        let q = self.project(&h, layer, Target::Q, dropout)?.reshape((b, t, heads, hd))?.transpose(1, 2)?;
        let k = self.project(&h, layer, Target::K, dropout)?.reshape((b, t, kv, hd))?.transpose(1, 2)?;
        let v = self.project(&h, layer, Target::V, dropout)?.reshape((b, t, kv, hd))?.transpose(1, 2)?;
        // The 1/√d scale on q (b, h, t, d) rather than on the (b, h, t, t) scores.
        let q = (rope(&q.contiguous()?, cos, sin)? / (hd as f64).sqrt())?;
        let k = rope(&k.contiguous()?, cos, sin)?;
        let (k, v) = (repeat_kv(&k, heads / kv)?, repeat_kv(&v, heads / kv)?);
        let scores = matmul(&q, &k.t()?)?;
        let attn = matmul(&fused::causal_softmax(&scores, mask)?, &v)?;
        let attn = attn.transpose(1, 2)?.reshape((b, t, s.hidden))?;
        let x = (x + self.project(&attn, layer, Target::O, dropout)?)?;

        let ln = self.weight(&format!("model.layers.{layer}.post_attention_layernorm.weight"))?;
        let h = rms_norm(&x, ln, s.rms_eps)?;
        let gate = self.project(&h, layer, Target::Gate, dropout)?;
        let up = self.project(&h, layer, Target::Up, dropout)?;
        let act = fused::silu(&gate)?;
        x + self.project(&(act * up)?, layer, Target::Down, dropout)?
    }

    /// The loss's value and its gradient for every LoRA tensor (in
    /// [`Self::trainable`]'s order). The top `whole_layers` layers keep their
    /// graph from the forward pass; the layers below use activation
    /// checkpointing: the forward pass keeps only each one's input, and the
    /// backward pass recomputes one layer at a time (same dropout masks) and
    /// carries the gradient through it with the surrogate `Σ y ⊙ ∂L/∂y`.
    /// A checkpointed layer costs one more forward pass and keeps one
    /// layer's graph in memory instead of its own (attention is (b, h, t, t)
    /// per layer); `whole_layers` = all layers is one backward pass over the
    /// whole graph. The loss is `nll_sum · scale`.
    pub fn loss_and_grads(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        dropout: &mut Option<Dropout>,
        scale: f64,
        whole_layers: usize,
    ) -> candle_core::Result<(f64, usize, Vec<Tensor>)> {
        let t = ids.dim(1)?;
        let inputs = ids.narrow(1, 0, t - 1)?;
        let mut x = self.embed(&inputs)?;
        let (cos, sin, causal) = self.position_tables(t - 1, x.dtype())?;
        let first_whole = self.spec.layers - whole_layers.min(self.spec.layers);
        // Forward, checkpointed layers: each one's input (detached) and the
        // dropout state before it.
        let mut saved = Vec::with_capacity(first_whole);
        for layer in 0..first_whole {
            let rng = dropout.as_ref().map(|d| d.rng.clone());
            let y = self.layer(layer, &x, &cos, &sin, &causal, dropout)?.detach();
            saved.push((std::mem::replace(&mut x, y), rng));
        }
        // Forward, whole layers, then the head, in one graph from the
        // boundary (a variable only if a gradient must flow below it).
        let boundary = (first_whole > 0).then(|| Var::from_tensor(&x)).transpose()?;
        let mut h = boundary.as_ref().map_or_else(|| x.clone(), |v| v.as_tensor().clone());
        for layer in first_whole..self.spec.layers {
            h = self.layer(layer, &h, &cos, &sin, &causal, dropout)?;
        }
        let normed = rms_norm(&h, self.weight("model.norm.weight")?, self.spec.rms_eps)?;
        let (sum, count) = self.answer_nll(&normed, ids, mask, true)?;
        if count == 0 {
            return Ok((0.0, 0, self.zero_grads()?));
        }
        let loss = (sum * scale)?;
        let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        let store = loss.backward()?;
        let order = self.trainable_keys();
        let mut grads = vec![None; self.adapters.len() * 2];
        let mut collect = |store: &candle_core::backprop::GradStore, layers: std::ops::Range<usize>| {
            for (i, key) in order.iter().enumerate().filter(|(_, k)| layers.contains(&k.0)) {
                let pair = &self.adapters[key];
                grads[2 * i] = store.get(pair.a.as_tensor()).cloned();
                grads[2 * i + 1] = store.get(pair.b.as_tensor()).cloned();
            }
        };
        collect(&store, first_whole..self.spec.layers);
        // Backward through the checkpointed layers, from the top.
        if let Some(boundary) = boundary {
            let mut upstream = store.get(boundary.as_tensor()).cloned().ok_or_else(|| candle_core::Error::Msg("no gradient at the checkpointed layers".into()))?;
            drop(store);
            let restore_end = dropout.as_ref().map(|d| d.rng.clone());
            for layer in (0..first_whole).rev() {
                let (input, rng) = &saved[layer];
                if let (Some(d), Some(rng)) = (dropout.as_mut(), rng) {
                    d.rng = rng.clone();
                }
                let input = Var::from_tensor(input)?;
                let y = self.layer(layer, input.as_tensor(), &cos, &sin, &causal, dropout)?;
                let store = (y * &upstream)?.sum_all()?.backward()?;
                collect(&store, layer..layer + 1);
                if layer > 0 {
                    upstream = store.get(input.as_tensor()).cloned().ok_or_else(|| candle_core::Error::Msg(format!("no gradient into layer {layer}")))?;
                }
            }
            // The generator continues from where the forward pass left it.
            if let (Some(d), Some(rng)) = (dropout.as_mut(), restore_end) {
                d.rng = rng;
            }
        }
        let vars = self.trainable();
        let grads = grads
            .into_iter()
            .zip(&vars)
            .map(|(g, v)| g.map_or_else(|| v.as_tensor().zeros_like(), Ok))
            .collect::<candle_core::Result<_>>()?;
        Ok((value, count, grads))
    }

    /// How many of the top layers keep their whole graph within `budget`
    /// bytes of activations for a (b, t) batch (see [`Self::loss_and_grads`]).
    pub fn whole_layers_within(&self, b: usize, t: usize, budget: usize) -> usize {
        let per_layer = self.activation_bytes(b, t) / self.spec.layers;
        (budget / per_layer.max(1)).min(self.spec.layers)
    }

    /// About how many bytes of activations a whole-graph backward pass keeps
    /// for a (b, t) batch: per layer, some eighteen hidden-wide and twelve
    /// MLP-wide tensors per token, and two (heads, t, t) attention tensors
    /// (the scores and the probabilities). Fitted to one update's peak RSS
    /// on SmolLM2 (`examples/bench_memory.rs`, 10 against 30 whole layers):
    /// 127 MiB per layer at b = 4, t = 256 and 180 MiB at b = 1, t = 1,024
    /// (this formula: 130 and 185).
    pub fn activation_bytes(&self, b: usize, t: usize) -> usize {
        let s = &self.spec;
        let per_layer = b * t * (18 * s.hidden + 12 * s.intermediate) + 2 * b * s.heads * t * t;
        per_layer * s.layers * self.cos.dtype().size_in_bytes()
    }

    /// Bytes that stay resident whatever the batch: the frozen weights, and
    /// per adapter tensor the variable, its gradient, AdamW's two moments and
    /// the best snapshot.
    pub fn resident_bytes(&self) -> usize {
        let bytes = |t: &Tensor| t.elem_count() * t.dtype().size_in_bytes();
        let frozen: usize = self.base.values().map(bytes).sum();
        let adapters: usize = self.trainable().iter().map(|v| bytes(v.as_tensor())).sum();
        frozen + 5 * adapters
    }

    /// About how many bytes one update on a (b, t) batch holds at its peak
    /// with the top `whole` layers keeping their graph: their activations,
    /// the checkpointed layers' inputs and one of them recomputed, and the
    /// head at the `answers` answer positions, one chunk of logits at a time.
    pub fn step_bytes(&self, b: usize, t: usize, whole: usize, answers: usize) -> usize {
        let s = &self.spec;
        let size = self.cos.dtype().size_in_bytes();
        let per_layer = self.activation_bytes(b, t) / s.layers;
        let whole = whole.min(s.layers);
        let checkpointed = s.layers - whole;
        let inputs = checkpointed * b * t * s.hidden * size;
        let recompute = if checkpointed > 0 { per_layer } else { 0 };
        // The head, a chunk of logits at a time (see `answer_nll`): the logits, their exponentials and the
        // softmax of one chunk in f32; the answer rows, their gradient and its product with them.
        let head_rows = answers.min((HEAD_CHUNK_FLOATS / s.vocab).max(1));
        let head = 3 * head_rows * s.vocab * 4 + 3 * answers * s.hidden * size;
        // The backward pass of one layer's attention: the gradients of its
        // (heads, t, t) tensors beside what it frees (fitted: `bench_memory`
        // measures at most the estimate, 0.85-1.0 of it, over b x t of 4 x 256
        // and 1 x 1,024, 0, 10 and 30 whole layers, half and all answers).
        let attention_backward = 8 * b * s.heads * t * t * size;
        whole * per_layer + inputs + recompute + head + attention_backward
    }

    /// The most top layers that keep their whole graph with the update's
    /// peak within `room` bytes (0 when even full checkpointing is over).
    pub fn whole_layers_fitting(&self, b: usize, t: usize, answers: usize, room: usize) -> usize {
        (0..=self.spec.layers).rev().find(|&w| self.step_bytes(b, t, w, answers) <= room).unwrap_or(0)
    }

    /// Zero gradients for every trainable tensor (a batch without answer tokens).
    fn zero_grads(&self) -> candle_core::Result<Vec<Tensor>> {
        self.trainable().iter().map(|v| v.as_tensor().zeros_like()).collect()
    }

    fn trainable_keys(&self) -> Vec<(usize, Target)> {
        let mut keys: Vec<_> = self.adapters.keys().copied().collect();
        keys.sort();
        keys
    }

    /// Mean cross-entropy of next-token prediction over the positions where
    /// `mask` (b, t) is 1: the answer tokens only. `ids` and `mask` (b, t).
    pub fn loss(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (sum, count) = self.nll_sum(ids, mask, &mut None)?;
        sum / count.max(1) as f64
    }

    /// The summed negative log-likelihood of the answer tokens (where `mask`
    /// is 1) and their number. Logits are computed at those positions only:
    /// prompts (tool definitions...) are long and answers short, and the
    /// vocabulary projection is the widest matmul of the model.
    pub fn nll_sum(&self, ids: &Tensor, mask: &Tensor, dropout: &mut Option<Dropout>) -> candle_core::Result<(Tensor, usize)> {
        let t = ids.dim(1)?;
        let x = self.hidden(&ids.narrow(1, 0, t - 1)?, dropout, true)?;
        self.answer_nll(&x, ids, mask, true)
    }

    /// [`Self::nll_sum`] without dropout or gradient, one layer's
    /// activations in memory at a time: evaluation.
    pub fn eval_nll_sum(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<(f64, usize)> {
        let t = ids.dim(1)?;
        let x = self.hidden(&ids.narrow(1, 0, t - 1)?, &mut None, false)?;
        let (sum, count) = self.answer_nll(&x.detach(), ids, mask, false)?;
        Ok((sum.detach().to_dtype(DType::F64)?.to_scalar::<f64>()?, count))
    }

    /// The summed NLL of the answer tokens from the final hidden states `x`
    /// (b, t - 1, hidden) of `ids` (b, t), as an f32 scalar (f64 for an f64
    /// model, as the gradient checks use); with
    /// `with_grad` its gradient reaches `x`.
    ///
    /// The vocabulary projection is the widest tensor of an update (49,152
    /// floats per answer token with SmolLM2), and an autograd graph of
    /// logits, log-softmax and gather held about ten of them: 2 MiB per
    /// answer token (`examples/bench_memory.rs`). So the head runs outside
    /// the graph, [`HEAD_CHUNK_FLOATS`] logits at a time: each chunk's
    /// logits give its NLL and, at once, the NLL's gradient with respect to
    /// its rows of `x`, G = (softmax − onehot) · W. What is returned is the
    /// NLL plus `Σ x·G − Σ x·G` (zero, but its gradient with respect to `x`
    /// is G), so the backward pass costs one product.
    fn answer_nll(&self, x: &Tensor, ids: &Tensor, mask: &Tensor, with_grad: bool) -> candle_core::Result<(Tensor, usize)> {
        let (b, t) = ids.dims2()?;
        // Position p predicts token p + 1: keep the p whose next token is an answer token.
        let wanted = mask.narrow(1, 1, t - 1)?.flatten_all()?.to_dtype(DType::U32)?.to_vec1::<u32>()?;
        let rows: Vec<u32> = wanted.iter().enumerate().filter(|(_, m)| **m != 0).map(|(i, _)| i as u32).collect();
        let acc = if x.dtype() == DType::F64 { DType::F64 } else { DType::F32 };
        if rows.is_empty() {
            return Ok((Tensor::zeros((), acc, x.device())?, 0));
        }
        let n = rows.len();
        let rows = Tensor::new(rows.as_slice(), x.device())?;
        let x = x.reshape((b * (t - 1), self.spec.hidden))?.index_select(&rows, 0)?;
        let targets = ids.narrow(1, 1, t - 1)?.flatten_all()?.index_select(&rows, 0)?;
        let (w, held) = (self.head()?, x.detach());
        let chunk = (HEAD_CHUNK_FLOATS / self.spec.vocab).max(1);
        let (mut nll, mut grads) = (0f64, Vec::new());
        for start in (0..n).step_by(chunk) {
            let len = chunk.min(n - start);
            let target = targets.narrow(0, start, len)?.contiguous()?;
            let logits = super::frozen::linear(&held.narrow(0, start, len)?, w)?.to_dtype(acc)?;
            let max = logits.max_keepdim(D::Minus1)?;
            let lse = (logits.broadcast_sub(&max)?.exp()?.sum_keepdim(D::Minus1)?.log()? + max)?;
            let picked = logits.gather(&target.unsqueeze(1)?, 1)?;
            nll += (&lse - picked)?.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
            if with_grad {
                let softmax = logits.broadcast_sub(&lse)?.exp()?.to_dtype(w.dtype())?;
                drop(logits);
                grads.push((super::frozen::times_weight(&softmax, w)? - w.index_select(&target, 0)?)?);
            }
        }
        let value = Tensor::new(nll, x.device())?.to_dtype(acc)?;
        if !with_grad {
            return Ok((value, n));
        }
        let surrogate = (&x * Tensor::cat(&grads, 0)?.to_dtype(x.dtype())?)?.sum_all()?;
        let zero = (&surrogate - surrogate.detach())?.to_dtype(acc)?;
        Ok(((zero + value)?, n))
    }
}

/// Logits computed at once by [`LoraLlama::answer_nll`] (32 MiB in f32):
/// the memory of the head no longer grows with the answer tokens.
const HEAD_CHUNK_FLOATS: usize = 8 << 20;

/// Inverted dropout on the adapters' inputs, from a seeded generator so that
/// a run (and a resumed run) is reproducible.
#[derive(Clone)]
pub struct Dropout {
    pub p: f32,
    pub rng: SplitMix64,
}

impl Dropout {
    fn apply(&mut self, x: &Tensor) -> candle_core::Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 / (1.0 - self.p);
        let threshold = (f64::from(self.p) * u32::MAX as f64) as u32;
        let n = x.elem_count();
        let mut mask = Vec::with_capacity(n);
        while mask.len() < n {
            // Two 32-bit draws per 64 random bits.
            let bits = self.rng.next_u64();
            for draw in [bits as u32, (bits >> 32) as u32] {
                if mask.len() < n {
                    mask.push(if draw < threshold { 0.0f32 } else { keep });
                }
            }
        }
        let mask = Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?;
        x * mask
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
    fused::rms_norm(x, w, eps)
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
        let ours = LoraLlama::new(spec.clone(), weights.clone(), &[], 2, 4.0, 7, DType::F32, &Device::Cpu).unwrap();
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

    /// Activation checkpointing changes the memory, not the mathematics: the
    /// loss and every gradient equal the whole-graph backward pass, with
    /// dropout on (the recomputed layers replay the same masks).
    #[test]
    fn checkpointed_gradients_equal_the_whole_graph() {
        let spec = tiny_spec();
        let weights = tiny_weights(&spec, DType::F64);
        let model = LoraLlama::new(spec, weights, &Target::ALL, 2, 4.0, 7, DType::F64, &Device::Cpu).unwrap();
        for pair in model.adapters.values() {
            pair.b.set(&pair.b.as_tensor().rand_like(-0.5, 0.5).unwrap()).unwrap();
        }
        let ids = Tensor::new(&[[1u32, 9, 4, 17, 2, 8, 21], [1, 3, 3, 30, 11, 2, 6]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[0u32, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1]], &Device::Cpu).unwrap();
        let dropout = Dropout { p: 0.3, rng: SplitMix64::new(11) };

        let mut whole_dropout = Some(dropout.clone());
        let (sum, count) = model.nll_sum(&ids, &mask, &mut whole_dropout).unwrap();
        let loss = (sum / 7.0).unwrap();
        let store = loss.backward().unwrap();
        // Every split: all layers checkpointed, the top one whole, all whole.
        let mut value = 0.0;
        for whole_layers in [0, 1, model.spec.layers] {
            let mut ckpt_dropout = Some(dropout.clone());
            let (v, n, grads) = model.loss_and_grads(&ids, &mask, &mut ckpt_dropout, 1.0 / 7.0, whole_layers).unwrap();
            assert_eq!((n, count), (7, 7));
            assert!((v - loss.to_scalar::<f64>().unwrap()).abs() < 1e-12, "{whole_layers} whole layers");
            for (var, got) in model.trainable().iter().zip(&grads) {
                let want = store.get(var.as_tensor()).unwrap();
                let diff = (want - got).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f64>().unwrap();
                assert!(diff < 1e-12, "{whole_layers} whole layers: gradient differs by {diff}");
            }
            // Both paths leave the generator at the same place.
            assert_eq!(whole_dropout.as_ref().unwrap().rng.state(), ckpt_dropout.unwrap().rng.state());
            value = v;
        }
        // Dropout really changes the loss.
        let plain = model.loss(&ids, &mask).unwrap().to_scalar::<f64>().unwrap() * 7.0 / 7.0;
        assert!((plain - value).abs() > 1e-6);
    }

    /// Every element of every LoRA A and B: the backward pass agrees with
    /// central finite differences of the loss (f64, tiny model).
    #[test]
    fn every_lora_gradient_matches_finite_differences() {
        let spec = tiny_spec();
        let weights = tiny_weights(&spec, DType::F64);
        let model =
            LoraLlama::new(spec, weights, &Target::ALL, 2, 4.0, 7, DType::F64, &Device::Cpu).unwrap();
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

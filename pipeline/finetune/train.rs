//! The training loop: AdamW over the LoRA tensors with warm-up and cosine
//! decay, gradient accumulation, eval loss every `eval_every` updates with
//! early stopping, and checkpoints from which a killed run resumes exactly
//! where it was (same batches, same dropout masks, same result).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use candle_core::{Device, Tensor, Var};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use super::data::{self, Example};
use crate::models::lora_llama::{Dropout, LoraLlama, Target};
use super::optim::{clip_global_norm, learning_rate, AdamW, AdamWParams};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// The adapters' shape (the `finetune` task's `lora` block).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LoraParams {
    pub rank: usize,
    pub alpha: f64,
    pub dropout: f32,
    /// PEFT module names (`q_proj`...) or short names (`q`, `gate`...).
    pub target_modules: Vec<String>,
}

impl Default for LoraParams {
    fn default() -> Self {
        Self {
            rank: 8,
            alpha: 16.0,
            dropout: 0.05,
            target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"].map(String::from).to_vec(),
        }
    }
}

impl LoraParams {
    pub fn targets(&self) -> std::result::Result<Vec<Target>, String> {
        let mut targets = Vec::new();
        for name in &self.target_modules {
            let t = Target::parse(name).ok_or_else(|| {
                format!("unknown target module `{name}` (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")
            })?;
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        targets.sort();
        Ok(targets)
    }

    pub fn check(&self) -> std::result::Result<(), String> {
        if self.targets()?.is_empty() {
            return Err("`lora.target_modules` is empty".into());
        }
        if self.rank == 0 || self.alpha <= 0.0 || !(0.0..1.0).contains(&self.dropout) {
            return Err("`lora.rank` >= 1, `lora.alpha` > 0 and 0 <= `lora.dropout` < 1 are required".into());
        }
        Ok(())
    }
}

/// The optimisation (the `finetune` task's `training` block).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainParams {
    pub learning_rate: f64,
    /// The cosine decay ends at `learning_rate · min_lr_ratio`.
    pub min_lr_ratio: f64,
    pub warmup_steps: usize,
    /// Passes over the training pairs: the number of updates follows the
    /// data (a recipe's 3-5 epochs), not a fixed count.
    pub epochs: usize,
    /// At most this many optimizer updates (each over `grad_accum`
    /// batches), whatever `epochs` asks for.
    pub max_steps: Option<usize>,
    pub batch_size: usize,
    /// Padded tokens per batch at most: bounds memory whatever the lengths.
    pub max_batch_tokens: usize,
    pub grad_accum: usize,
    /// Pairs longer than this (prompt + answer) are left out and counted.
    pub max_seq_len: usize,
    pub weight_decay: f64,
    pub max_grad_norm: f64,
    pub eval_every: usize,
    /// Evaluations without a new best eval loss before training stops.
    pub patience: usize,
    pub checkpoint_every: usize,
    pub seed: u64,
    /// Activations kept for the backward pass, in MiB: as many of the top
    /// layers as fit keep their whole graph; the layers below recompute
    /// their forward pass (activation checkpointing: one more forward pass
    /// each, one layer's graph in memory).
    pub activation_budget_mib: usize,
    /// The whole process's resident memory while training, in MiB. Beside
    /// the model's weights and optimizer state and an allowance for the
    /// process ([`PROCESS_MIB`]), the rest bounds each update: the padded
    /// tokens per batch are lowered and more layers are checkpointed until
    /// an update's estimated peak fits (`models/lora_llama.rs`, `step_bytes`).
    pub memory_budget_mib: usize,
}

/// What the process holds besides training (the binary, the runtimes, the
/// tokenizer, the datasets), inside `memory_budget_mib`.
pub const PROCESS_MIB: usize = 512;

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            learning_rate: 2e-4,
            min_lr_ratio: 0.1,
            warmup_steps: 10,
            epochs: 3,
            max_steps: None,
            batch_size: 8,
            max_batch_tokens: 4096,
            grad_accum: 1,
            max_seq_len: 1024,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
            eval_every: 20,
            patience: 3,
            checkpoint_every: 20,
            seed: 42,
            activation_budget_mib: 6144,
            memory_budget_mib: 4096,
        }
    }
}

impl TrainParams {
    /// Optimizer updates for `batches` training batches: `epochs` passes,
    /// capped by `max_steps`.
    pub fn total_steps(&self, batches: usize) -> usize {
        let per_epoch = batches.div_ceil(self.grad_accum.max(1)).max(1);
        (per_epoch * self.epochs).min(self.max_steps.unwrap_or(usize::MAX)).max(1)
    }

    pub fn check(&self) -> std::result::Result<(), String> {
        if self.epochs == 0 || self.max_steps == Some(0) || self.batch_size == 0 || self.grad_accum == 0 || self.eval_every == 0 {
            return Err("`epochs`, `max_steps`, `batch_size`, `grad_accum` and `eval_every` must be at least 1".into());
        }
        if self.checkpoint_every == 0 || self.patience == 0 || self.max_seq_len < 8 {
            return Err("`checkpoint_every` >= 1, `patience` >= 1 and `max_seq_len` >= 8 are required".into());
        }
        if self.memory_budget_mib < PROCESS_MIB + 128 {
            return Err(format!("`memory_budget_mib` must be at least {} (the process alone takes about {PROCESS_MIB})", PROCESS_MIB + 128));
        }
        if self.max_batch_tokens < self.max_seq_len {
            return Err(format!(
                "`max_batch_tokens` ({}) must hold one sequence of `max_seq_len` ({})",
                self.max_batch_tokens, self.max_seq_len
            ));
        }
        if !(self.learning_rate > 0.0 && (0.0..=1.0).contains(&self.min_lr_ratio) && self.weight_decay >= 0.0) {
            return Err("`learning_rate` > 0, 0 <= `min_lr_ratio` <= 1 and `weight_decay` >= 0 are required".into());
        }
        Ok(())
    }
}

/// Where training stands: all a resumed run needs besides the tensors.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TrainState {
    /// Optimizer updates done.
    pub step: usize,
    pub epoch: usize,
    /// Batches of this epoch's order already used.
    pub cursor: usize,
    /// The batch-order generator at the start of this epoch, and now.
    pub epoch_rng: u64,
    pub order_rng: u64,
    pub dropout_rng: u64,
    /// Tokens (prompt + answer, no padding) trained on.
    pub tokens: u64,
    pub train_seconds: f64,
    /// (step, mean loss over the update's answer tokens).
    pub train_loss: Vec<(usize, f64)>,
    /// (step, eval loss); step 0 is the base model (B = 0).
    pub eval_loss: Vec<(usize, f64)>,
    pub best_step: usize,
    pub best_eval_loss: Option<f64>,
    pub evals_without_improvement: usize,
    pub stopped_early: bool,
    /// The cluster's share of the night's time budget ran out.
    #[serde(default)]
    pub stopped_for_time: bool,
    /// Identifies the data and parameters: a checkpoint of anything else is ignored.
    pub fingerprint: String,
}

/// What training returns: the state and the adapters of the best eval step.
pub struct Trained {
    pub state: TrainState,
    pub best: Vec<Tensor>,
    pub resumed_from: Option<usize>,
}

/// Writes checkpoints (the task puts them in the warehouse).
pub type SaveCheckpoint<'a> = dyn FnMut(Vec<u8>) -> Result<()> + 'a;

pub struct Trainer<'a> {
    pub model: &'a LoraLlama,
    pub params: &'a TrainParams,
    /// Dropout on the adapters' inputs.
    pub dropout: f32,
    pub train: &'a [Example],
    pub eval: &'a [Example],
    pub pad: u32,
    pub device: &'a Device,
    pub fingerprint: String,
    pub progress: ProgressBar,
    /// Training stops (keeping the best adapter so far) after the first
    /// update that ends past this.
    pub deadline: Option<Deadline>,
}

/// A point in time on an injected clock: the time budget is tested without
/// sleeping.
#[derive(Clone)]
pub struct Deadline {
    pub clock: Arc<dyn Clock>,
    pub at: DateTime<Utc>,
}

impl Deadline {
    pub fn passed(&self) -> bool {
        self.clock.now() >= self.at
    }
}

impl Trainer<'_> {
    /// Trains from scratch, or from `checkpoint` when it belongs to the same
    /// data and parameters.
    pub fn run(&self, checkpoint: Option<&[u8]>, save: &mut SaveCheckpoint<'_>) -> Result<Trained> {
        // Each step frees and allocates the same buffers again: keep them.
        let _memory = crate::memory::KeepFreedMemory::new();
        let p = self.params;
        let vars = self.model.trainable();
        let adam = AdamWParams { weight_decay: p.weight_decay, ..AdamWParams::default() };
        let mut opt = AdamW::new(&vars, adam).map_err(train_err)?;
        let mut state = TrainState {
            epoch_rng: p.seed ^ 0x0BAD_5EED,
            order_rng: p.seed ^ 0x0BAD_5EED,
            dropout_rng: p.seed ^ 0xD20F_0A7E,
            fingerprint: self.fingerprint.clone(),
            ..TrainState::default()
        };
        let mut best: Vec<Tensor> = snapshot(&vars)?;
        let mut resumed_from = None;
        if let Some(bytes) = checkpoint {
            match restore(bytes, &vars, &mut opt, self.device)? {
                Some((saved, saved_best)) if saved.fingerprint == self.fingerprint => {
                    resumed_from = Some(saved.step);
                    state = saved;
                    best = saved_best;
                }
                _ => tracing::info!("A checkpoint of other data or parameters was ignored."),
            }
        }

        // The memory budget: what an update may hold, and the padded tokens
        // per batch that keep it there. Computed from the model and the
        // settings only, so a resumed run cuts the same batches.
        let room = self.update_room();
        let max_tokens = self.batch_tokens_within(room);
        if max_tokens < p.max_batch_tokens {
            tracing::info!(max_tokens, budget_mib = p.memory_budget_mib, "Batches lowered to fit the memory budget.");
        }
        let batches = data::bucket(self.train, p.batch_size, max_tokens);
        let eval_batches = data::bucket(self.eval, p.batch_size, max_tokens);
        if batches.is_empty() {
            return Err(Error::model("fine-tuning", "no training example"));
        }
        let mut order_rng = SplitMix64::new(state.epoch_rng);
        let mut order = data::epoch_order(batches.len(), &mut order_rng);
        let mut dropout = (self.dropout > 0.0).then(|| Dropout { p: self.dropout, rng: SplitMix64::new(state.dropout_rng) });

        if state.eval_loss.is_empty() {
            // The base model's eval loss: adapters start with B = 0.
            let base = self.eval_loss(&eval_batches)?;
            state.eval_loss.push((0, base));
            state.best_eval_loss = Some(base);
        }
        let total = p.total_steps(batches.len());
        self.progress.set_length(total as u64);
        self.progress.set_position(state.step as u64);

        while state.step < total && !state.stopped_early && !state.stopped_for_time {
            let started = Instant::now();
            let lr = learning_rate(state.step, total, p.warmup_steps, p.learning_rate, p.min_lr_ratio);
            // The next `grad_accum` batches, crossing into a new epoch when needed.
            let mut window = Vec::with_capacity(p.grad_accum);
            for _ in 0..p.grad_accum {
                if state.cursor == order.len() {
                    state.epoch += 1;
                    state.cursor = 0;
                    state.epoch_rng = order_rng.state();
                    order = data::epoch_order(batches.len(), &mut order_rng);
                }
                window.push(data::make_batch(self.train, &batches[order[state.cursor]], self.pad, self.device)?);
                state.cursor += 1;
            }
            // The loss is the mean over every answer token of the window.
            let answer_tokens: usize = window.iter().map(|b| b.answer_tokens).sum();
            let mut grads: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().zeros_like()).collect::<candle_core::Result<_>>().map_err(train_err)?;
            let mut loss_sum = 0.0;
            for batch in &window {
                let scale = 1.0 / answer_tokens.max(1) as f64;
                let (b, t) = batch.ids.dims2().map_err(train_err)?;
                let whole_layers = self
                    .model
                    .whole_layers_within(b, t, p.activation_budget_mib << 20)
                    .min(self.model.whole_layers_fitting(b, t, batch.answer_tokens, room));
                let (loss, _, g) = self.model.loss_and_grads(&batch.ids, &batch.mask, &mut dropout, scale, whole_layers)
                .map_err(train_err)?;
                loss_sum += loss;
                for (acc, grad) in grads.iter_mut().zip(&g) {
                    *acc = (&*acc + grad).map_err(train_err)?;
                }
                state.tokens += batch.tokens as u64;
            }
            clip_global_norm(&mut grads, p.max_grad_norm).map_err(train_err)?;
            opt.step(&vars, &grads, lr).map_err(train_err)?;
            state.step += 1;
            state.train_seconds += started.elapsed().as_secs_f64();
            state.train_loss.push((state.step, loss_sum));
            if let Some(d) = &dropout {
                state.dropout_rng = d.rng.state();
            }
            state.order_rng = order_rng.state();
            let tokens_per_sec = state.tokens as f64 / state.train_seconds.max(1e-9);
            self.progress.set_position(state.step as u64);
            self.progress.set_message(format!("loss {loss_sum:.3}, {tokens_per_sec:.0} tok/s"));

            state.stopped_for_time = self.deadline.as_ref().is_some_and(Deadline::passed);
            let last = state.step == total || state.stopped_for_time;
            if state.step % p.eval_every == 0 || last {
                let eval = self.eval_loss(&eval_batches)?;
                state.eval_loss.push((state.step, eval));
                if state.best_eval_loss.is_none_or(|b| eval < b) {
                    state.best_eval_loss = Some(eval);
                    state.best_step = state.step;
                    state.evals_without_improvement = 0;
                    best = snapshot(&vars)?;
                } else {
                    state.evals_without_improvement += 1;
                    state.stopped_early = state.evals_without_improvement >= p.patience;
                }
                // Logged (not only drawn): visible in the logs of a nightly run too.
                self.progress.suspend(|| {
                    tracing::info!(
                        step = state.step,
                        train_loss = format!("{loss_sum:.4}"),
                        eval_loss = format!("{eval:.4}"),
                        tokens_per_sec = format!("{tokens_per_sec:.0}"),
                        "Training."
                    )
                });
            }
            if state.step % p.checkpoint_every == 0 || last || state.stopped_early {
                save(checkpoint_bytes(&state, &vars, &opt, &best)?)?;
            }
        }
        Ok(Trained { state, best, resumed_from })
    }

    /// Bytes an update may hold: the budget less the resident weights and
    /// optimizer state and the process's allowance, less a sixth for what
    /// the allocator cannot hand back between batches of other shapes.
    fn update_room(&self) -> usize {
        let budget = self.params.memory_budget_mib << 20;
        budget.saturating_sub(self.model.resident_bytes() + (PROCESS_MIB << 20)) / 6 * 5
    }

    /// The largest padded tokens per batch, at most `max_batch_tokens` and
    /// at least one sequence of `max_seq_len`, whose update fits `room`
    /// fully checkpointed with every token an answer token (the worst case).
    fn batch_tokens_within(&self, room: usize) -> usize {
        let p = self.params;
        let mut tokens = p.max_batch_tokens;
        loop {
            let t = tokens.min(p.max_seq_len);
            let fits = self.model.step_bytes(tokens / t, t, 0, tokens) <= room;
            if fits || tokens <= p.max_seq_len {
                return tokens.max(p.max_seq_len);
            }
            tokens = (tokens * 3 / 4).max(p.max_seq_len);
        }
    }

    /// Mean loss over every eval answer token, without dropout.
    fn eval_loss(&self, batches: &[Vec<usize>]) -> Result<f64> {
        let (mut sum, mut count) = (0.0, 0usize);
        for indices in batches {
            let batch = data::make_batch(self.eval, indices, self.pad, self.device)?;
            let (s, n) = self.model.eval_nll_sum(&batch.ids, &batch.mask).map_err(train_err)?;
            sum += s;
            count += n;
        }
        Ok(if count == 0 { f64::NAN } else { sum / count as f64 })
    }
}

fn train_err(e: candle_core::Error) -> Error {
    Error::model("fine-tuning", e)
}

/// Deep copies (a `Var` is updated in place, so a clone would alias it).
fn snapshot(vars: &[Var]) -> Result<Vec<Tensor>> {
    vars.iter().map(|v| v.as_tensor().copy().map_err(train_err)).collect()
}

/// A checkpoint: one safetensors file with the adapters, the best adapters,
/// AdamW's moments and the state as JSON metadata. One object, so it is
/// written whole or not at all.
fn checkpoint_bytes(state: &TrainState, vars: &[Var], opt: &AdamW, best: &[Tensor]) -> Result<Vec<u8>> {
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        tensors.push((format!("adapter.{i}"), var.as_tensor().clone()));
        tensors.push((format!("m.{i}"), opt.m[i].clone()));
        tensors.push((format!("v.{i}"), opt.v[i].clone()));
        tensors.push((format!("best.{i}"), best[i].clone()));
    }
    let metadata = HashMap::from([
        ("state".to_string(), serde_json::to_string(state).expect("state is JSON")),
        ("optimizer_steps".to_string(), opt.steps.to_string()),
    ]);
    safetensors::serialize(tensors.iter().map(|(k, t)| (k.as_str(), t)), Some(metadata))
        .map_err(|e| Error::model("writing a checkpoint", e))
}

/// Loads a checkpoint into the variables and the optimizer; `None` when it
/// does not fit them (another configuration).
fn restore(bytes: &[u8], vars: &[Var], opt: &mut AdamW, device: &Device) -> Result<Option<(TrainState, Vec<Tensor>)>> {
    let err = |e: String| Error::model("reading a checkpoint", e);
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| err(e.to_string()))?;
    let info = meta.metadata().clone().unwrap_or_default();
    let Some(state) = info.get("state").and_then(|s| serde_json::from_str::<TrainState>(s).ok()) else {
        return Ok(None);
    };
    let tensors = candle_core::safetensors::load_buffer(bytes, device).map_err(|e| err(e.to_string()))?;
    let get = |name: String, like: &Tensor| -> Option<Tensor> {
        tensors.get(&name).filter(|t| t.shape() == like.shape()).and_then(|t| t.to_dtype(like.dtype()).ok())
    };
    let mut best = Vec::with_capacity(vars.len());
    let mut loaded = Vec::with_capacity(vars.len());
    for (i, var) in vars.iter().enumerate() {
        let like = var.as_tensor();
        let (Some(a), Some(m), Some(v), Some(b)) =
            (get(format!("adapter.{i}"), like), get(format!("m.{i}"), like), get(format!("v.{i}"), like), get(format!("best.{i}"), like))
        else {
            return Ok(None);
        };
        loaded.push((a, m, v));
        best.push(b);
    }
    if tensors.len() != 4 * vars.len() {
        return Ok(None);
    }
    for (i, (a, m, v)) in loaded.into_iter().enumerate() {
        vars[i].set(&a).map_err(train_err)?;
        opt.m[i] = m;
        opt.v[i] = v;
    }
    opt.steps = info.get("optimizer_steps").and_then(|s| s.parse().ok()).unwrap_or(state.step as u64);
    Ok(Some((state, best)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::smollm::LlamaSpec;

    fn spec() -> LlamaSpec {
        LlamaSpec { hidden: 16, intermediate: 32, layers: 2, heads: 4, kv_heads: 2, rope_theta: 10_000.0, rms_eps: 1e-5, vocab: 40, context: 64, bos: 1, eos: 2 }
    }

    fn model() -> LoraLlama {
        let s = spec();
        let mut rng = SplitMix64::new(3);
        let mut random = |shape: (usize, usize)| {
            let v: Vec<f32> = (0..shape.0 * shape.1).map(|_| (rng.next_f64() - 0.5) as f32).collect();
            Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
        };
        let mut w = HashMap::new();
        w.insert("model.embed_tokens.weight".to_string(), random((s.vocab, s.hidden)));
        w.insert("model.norm.weight".to_string(), Tensor::ones(s.hidden, candle_core::DType::F32, &Device::Cpu).unwrap());
        for l in 0..s.layers {
            for n in ["input_layernorm", "post_attention_layernorm"] {
                w.insert(format!("model.layers.{l}.{n}.weight"), Tensor::ones(s.hidden, candle_core::DType::F32, &Device::Cpu).unwrap());
            }
            for (t, shape) in [(Target::Q, (16, 16)), (Target::K, (8, 16)), (Target::V, (8, 16)), (Target::O, (16, 16)),
                               (Target::Gate, (32, 16)), (Target::Up, (32, 16)), (Target::Down, (16, 32))] {
                w.insert(t.weight_name(l), random(shape));
            }
        }
        LoraLlama::new(s, w, &Target::ALL, 2, 4.0, 9, candle_core::DType::F32, &Device::Cpu).unwrap()
    }

    /// "Count on": each answer continues the prompt's sequence.
    fn examples(n: usize) -> Vec<Example> {
        (0..n).map(|i| {
            let start = 3 + (i % 20) as u32;
            Example { ids: (start..start + 8 + (i % 4) as u32).collect(), answer_from: 5 }
        }).collect()
    }

    fn params() -> TrainParams {
        TrainParams { max_steps: Some(12), batch_size: 4, grad_accum: 2, eval_every: 3, checkpoint_every: 3, warmup_steps: 2,
                      learning_rate: 2e-2, max_seq_len: 64, max_batch_tokens: 64, patience: 100, ..TrainParams::default() }
    }

    fn train(checkpoint: Option<&[u8]>, saved: &mut Vec<Vec<u8>>) -> (Trained, Vec<Vec<f32>>) {
        let model = model();
        let (train, eval) = (examples(40), examples(8));
        let p = params();
        let trainer = Trainer { model: &model, params: &p, dropout: 0.1, train: &train, eval: &eval, pad: 0,
                                device: &Device::Cpu, fingerprint: "test".into(), progress: ProgressBar::hidden(), deadline: None };
        let trained = trainer.run(checkpoint, &mut |bytes| { saved.push(bytes); Ok(()) }).unwrap();
        let finals = model.trainable().iter().map(|v| v.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap()).collect();
        (trained, finals)
    }

    #[test]
    fn training_learns_is_deterministic_and_resumes_exactly() {
        let mut saved = Vec::new();
        let (a, final_a) = train(None, &mut saved);
        assert_eq!(a.state.step, 12);
        assert_eq!(saved.len(), 4, "a checkpoint every 3 steps");
        assert_eq!(a.state.eval_loss.len(), 5, "the base model, then every 3 steps");
        let base = a.state.eval_loss[0].1;
        assert!(a.state.best_eval_loss.unwrap() < base * 0.7, "eval loss {base} -> {:?}", a.state.best_eval_loss);
        assert!(a.state.epoch >= 1, "12 updates of 2 batches cross epochs of 10 batches");

        // Same seed, same everything.
        let (b, final_b) = train(None, &mut Vec::new());
        assert_eq!(final_a, final_b);
        assert_eq!(a.state.train_loss, b.state.train_loss);

        // Killed after the second checkpoint (step 6): the resumed run ends
        // exactly where the uninterrupted one did.
        let (c, final_c) = train(Some(&saved[1]), &mut Vec::new());
        assert_eq!(c.resumed_from, Some(6));
        assert_eq!(final_a, final_c);
        assert_eq!(a.state.eval_loss, c.state.eval_loss);
        assert_eq!(a.best.len(), c.best.len());

        // Activation checkpointing (no budget) trains the same adapters, up
        // to float rounding: the order of a few sums differs.
        let model_ckpt = model();
        let (train_ex, eval_ex) = (examples(40), examples(8));
        let p = TrainParams { activation_budget_mib: 0, ..params() };
        let trainer = Trainer { model: &model_ckpt, params: &p, dropout: 0.1, train: &train_ex, eval: &eval_ex, pad: 0,
                                device: &Device::Cpu, fingerprint: "test".into(), progress: ProgressBar::hidden(), deadline: None };
        trainer.run(None, &mut |_| Ok(())).unwrap();
        for (var, want) in model_ckpt.trainable().iter().zip(&final_a) {
            let got = var.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(worst < 1e-4, "checkpointed training differs by {worst}");
        }

        // A checkpoint of other parameters is ignored, not half-applied.
        let model = model();
        let p = TrainParams { seed: 1, ..params() };
        let (train_ex, eval_ex) = (examples(40), examples(8));
        let trainer = Trainer { model: &model, params: &p, dropout: 0.1, train: &train_ex, eval: &eval_ex, pad: 0,
                                device: &Device::Cpu, fingerprint: "other".into(), progress: ProgressBar::hidden(), deadline: None };
        let d = trainer.run(Some(&saved[1]), &mut |_| Ok(())).unwrap();
        assert_eq!(d.resumed_from, None);
    }

    #[test]
    fn early_stopping_keeps_the_best_adapter() {
        let model = model();
        let (train, eval) = (examples(40), examples(8));
        // A learning rate far too high: the eval loss soon stops improving.
        let p = TrainParams { learning_rate: 3.0, warmup_steps: 0, max_steps: Some(60), epochs: 100, eval_every: 1, patience: 2, max_grad_norm: 0.0, ..params() };
        let trainer = Trainer { model: &model, params: &p, dropout: 0.0, train: &train, eval: &eval, pad: 0,
                                device: &Device::Cpu, fingerprint: "x".into(), progress: ProgressBar::hidden(), deadline: None };
        let t = trainer.run(None, &mut |_| Ok(())).unwrap();
        assert!(t.state.stopped_early && t.state.step < 60, "{:?}", t.state.eval_loss);
        let best = t.state.eval_loss.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!(t.state.best_eval_loss, Some(best));
        // The kept adapter is the best one: its eval loss is the best loss.
        model.set_trainable(&t.best).unwrap();
        let again = trainer.eval_loss(&data::bucket(&eval, 4, 64)).unwrap();
        assert!((again - best).abs() < 1e-5, "{again} vs {best}");
    }

    /// A clock that moves ten seconds each time it is read.
    struct SteppingClock(std::sync::Mutex<DateTime<Utc>>);

    #[async_trait::async_trait]
    impl Clock for SteppingClock {
        fn now(&self) -> DateTime<Utc> {
            let mut t = self.0.lock().unwrap();
            *t += chrono::Duration::seconds(10);
            *t
        }
        async fn sleep(&self, _: std::time::Duration) {
            panic!("training never sleeps")
        }
    }

    #[test]
    fn the_time_budget_stops_training_and_keeps_the_best_adapter() {
        let model = model();
        let (train, eval) = (examples(40), examples(8));
        let p = TrainParams { max_steps: None, epochs: 50, eval_every: 4, ..params() };
        let start = DateTime::parse_from_rfc3339("2026-12-07T03:00:00Z").unwrap().with_timezone(&Utc);
        let clock = Arc::new(SteppingClock(std::sync::Mutex::new(start)));
        // Read once per update: the fifth update ends at +50 s, past +45 s.
        let deadline = Deadline { clock, at: start + chrono::Duration::seconds(45) };
        let trainer = Trainer { model: &model, params: &p, dropout: 0.0, train: &train, eval: &eval, pad: 0, device: &Device::Cpu,
                                fingerprint: "t".into(), progress: ProgressBar::hidden(), deadline: Some(deadline) };
        let mut saved = 0;
        let t = trainer.run(None, &mut |_| { saved += 1; Ok(()) }).unwrap();
        assert_eq!(t.state.step, 5, "{:?}", t.state.train_loss);
        assert!(t.state.stopped_for_time && !t.state.stopped_early);
        assert!(p.total_steps(10) > 100, "the epochs alone would have gone on");
        // The stop evaluates and checkpoints, so the adapter kept is the best one seen.
        assert_eq!(t.state.eval_loss.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 4, 5]);
        assert_eq!(saved, 2, "after step 3 (checkpoint_every) and at the stop");
        let best = t.state.eval_loss.iter().map(|e| e.1).fold(f64::MAX, f64::min);
        assert_eq!(t.state.best_eval_loss, Some(best));
    }

    #[test]
    fn epochs_set_the_number_of_updates() {
        let p = TrainParams { epochs: 3, grad_accum: 2, max_steps: None, ..TrainParams::default() };
        assert_eq!(p.total_steps(10), 15);
        assert_eq!(p.total_steps(11), 18, "a last half window still counts");
        assert_eq!(TrainParams { max_steps: Some(7), ..p.clone() }.total_steps(10), 7);
        assert_eq!(TrainParams::default().epochs, 3);
    }
}

//! Training throughput of the finetune machinery on the real SmolLM2-135M:
//! `steps` updates of `batch` sequences of `len` tokens (the second half of
//! each is the answer, which carries the loss), LoRA rank 8 on q, k, v, o.
//! Prints tokens/s (median of the per-update figures) and peak RSS.
//! `scripts/bench_finetune.sh` runs it beside HF transformers + PEFT.
//!
//!     cargo run --example bench_finetune -- [len] [batch] [steps] [activation budget MiB] [memory budget MiB]
//!
//! An activation budget of 0 forces activation checkpointing (recompute each
//! layer). The memory budget (default: the task's, 4,096 MiB) bounds the
//! whole process; the peak RSS printed is the whole process's.

use candle_core::{DType, Device};
use indicatif::ProgressBar;
use slm_pipeline::finetune::data::Example;
use slm_pipeline::models::lora_llama::{LoraLlama, Target};
use slm_pipeline::finetune::train::{TrainParams, Trainer};
use slm_pipeline::models::{model_dir, smollm};
use slm_pipeline::rng::SplitMix64;

fn main() -> slm_pipeline::Result<()> {
    // As the binary does (transparent huge pages for the heap).
    slm_pipeline::memory::reexec_with_huge_pages();
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("numbers: len batch steps")).collect();
    let (len, batch, steps) = (args.first().copied().unwrap_or(256), args.get(1).copied().unwrap_or(4), args.get(2).copied().unwrap_or(5));
    let budget = args.get(3).copied().unwrap_or(TrainParams::default().activation_budget_mib);
    let memory_budget = args.get(4).copied().unwrap_or(TrainParams::default().memory_budget_mib);
    let device = Device::Cpu;
    // As the finetune task does across its training steps (see `memory`).
    let _memory = slm_pipeline::memory::KeepFreedMemory::new();
    let base = smollm::BaseModel::load(&model_dir(smollm::MODEL_NAME), &device)?;
    let mut rng = SplitMix64::new(1);
    let example = |rng: &mut SplitMix64| Example {
        ids: (0..len).map(|_| rng.below(base.spec.vocab) as u32).collect(),
        answer_from: len / 2,
    };
    let train: Vec<Example> = (0..batch * steps).map(|_| example(&mut rng)).collect();
    let eval = vec![example(&mut rng)];
    let targets = [Target::Q, Target::K, Target::V, Target::O];
    let model = LoraLlama::new(base.spec.clone(), base.weights.clone(), &targets, 8, 16.0, 42, DType::F32, &device)
        .map_err(|e| slm_pipeline::Error::model("bench", e))?;
    let mut per_step = Vec::new();
    for step in 0..steps {
        // One update per run over exactly its batch: per-update timings.
        let params = TrainParams {
            max_steps: Some(1),
            batch_size: batch,
            max_batch_tokens: batch * len,
            max_seq_len: len,
            eval_every: 1_000,
            checkpoint_every: 1_000,
            warmup_steps: 0,
            activation_budget_mib: budget,
            memory_budget_mib: memory_budget,
            ..TrainParams::default()
        };
        let slice = &train[step * batch..(step + 1) * batch];
        let trainer = Trainer {
            model: &model,
            params: &params,
            dropout: 0.05,
            train: slice,
            eval: &eval,
            pad: base.spec.eos,
            device: &device,
            fingerprint: String::new(),
            progress: ProgressBar::hidden(),
            deadline: None,
        };
        let trained = trainer.run(None, &mut |_| Ok(()))?;
        let tps = trained.state.tokens as f64 / trained.state.train_seconds;
        println!("update {step}: {} tokens in {:.2} s, {tps:.0} tokens/s", trained.state.tokens, trained.state.train_seconds);
        per_step.push(tps);
    }
    per_step.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = per_step[per_step.len() / 2];
    let rss = slm_pipeline::finetune::peak_rss_mib().unwrap_or(f64::NAN);
    let whole = model.whole_layers_within(batch, len, budget << 20);
    let mode = match whole {
        0 => "activation checkpointing".to_string(),
        w if w == base.spec.layers => "whole graph".to_string(),
        w => format!("{w} of {} layers whole", base.spec.layers),
    };
    println!("slm-pipeline (candle), {mode}: len {len}, batch {batch}, rank 8 on q,k,v,o: median {median:.0} tokens/s, peak RSS {rss:.0} MiB (memory budget {memory_budget} MiB)");
    Ok(())
}

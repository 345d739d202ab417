//! Where fine-tuning's memory goes, on the real SmolLM2-135M: for each
//! batch shape, number of layers that keep their whole graph and share of
//! answer tokens, the growth of the resident set over one update's peak
//! (measured: the kernel's high-water mark, reset before each update, with
//! the heap trimmed) beside the trainer's estimate (`LoraLlama::step_bytes`)
//! and their ratio. The estimate decides how many tokens a batch may hold and
//! how many layers recompute under `memory_budget_mib`, so a ratio above 1
//! means the budget is overrun by that factor on that part.
//!
//!     cargo run --example bench_memory [OPT flags] -- [b:t ...]
//!
//! Linux only (`/proc/self/clear_refs`, `/proc/self/status`).
use candle_core::{DType, Device, Tensor};
use slm_pipeline::models::lora_llama::{LoraLlama, Target};
use slm_pipeline::memory::KeepFreedMemory;
use slm_pipeline::models::{model_dir, smollm};
use slm_pipeline::rng::SplitMix64;

fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with(key)).expect("a status line");
    line.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()).expect("kB") / 1024.0
}

fn main() -> slm_pipeline::Result<()> {
    slm_pipeline::memory::reexec_with_huge_pages();
    let shapes: Vec<(usize, usize)> = {
        let given: Vec<(usize, usize)> = std::env::args()
            .skip(1)
            .map(|a| {
                let (b, t) = a.split_once(':').expect("b:t");
                (b.parse().expect("b"), t.parse().expect("t"))
            })
            .collect();
        if given.is_empty() { vec![(4, 256), (2, 512), (1, 1024), (4, 1024)] } else { given }
    };
    let device = Device::Cpu;
    let base = smollm::BaseModel::load(&model_dir(smollm::MODEL_NAME), &device)?;
    let layers = base.spec.layers;
    let targets = [Target::Q, Target::K, Target::V, Target::O];
    let model = LoraLlama::new(base.spec.clone(), base.weights.clone(), &targets, 8, 16.0, 42, DType::F32, &device)
        .map_err(|e| slm_pipeline::Error::model("bench", e))?;
    let err = |e: candle_core::Error| slm_pipeline::Error::model("bench", e);
    println!("resident after loading: {:.0} MiB (estimate of weights and optimizer state: {:.0} MiB)", status_mib("VmRSS:"), model.resident_bytes() as f64 / 1048576.0);
    println!("{:>3} {:>5} {:>6} {:>7} | {:>9} {:>9} {:>6}", "b", "t", "whole", "answers", "measured", "estimate", "ratio");
    let mut rng = SplitMix64::new(7);
    for &(b, t) in &shapes {
        for whole in [0, layers / 3, layers] {
            for answer_share in [0.5, 1.0] {
                let ids: Vec<u32> = (0..b * t).map(|_| rng.below(base.spec.vocab) as u32).collect();
                let from = ((1.0 - answer_share) * t as f64) as usize;
                let mask: Vec<u32> = (0..b * t).map(|k| u32::from(k % t >= from.max(1))).collect();
                let answers = mask.iter().filter(|&&m| m == 1).count();
                let ids = Tensor::from_vec(ids, (b, t), &device).map_err(err)?;
                let mask = Tensor::from_vec(mask, (b, t), &device).map_err(err)?;
                // A clean start: freed memory back to the system, the peak reset.
                drop(KeepFreedMemory::new());
                std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak needs Linux >= 4.0");
                let before = status_mib("VmRSS:");
                {
                    let _keep = KeepFreedMemory::new();
                    let (_loss, _, grads) = model.loss_and_grads(&ids, &mask, &mut None, 1.0 / answers as f64, whole).map_err(err)?;
                    drop(grads);
                }
                let measured = status_mib("VmHWM:") - before;
                let estimate = model.step_bytes(b, t, whole, answers) as f64 / 1048576.0;
                println!("{b:>3} {t:>5} {whole:>6} {answers:>7} | {measured:>7.0} M {estimate:>7.0} M {:>6.2}", measured / estimate);
            }
        }
    }
    Ok(())
}

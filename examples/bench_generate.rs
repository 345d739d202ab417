//! Generation throughput on CPU (issue 5): SmolLM2-135M with a LoRA adapter
//! merged in, greedy with a KV cache, a fixed number of new tokens.
//! `bash scripts/bench_generate.sh <adapter>` runs it beside transformers.
//! Arguments: <adapter-folder> [new-tokens] [runs].

use std::time::Instant;

use slm_pipeline::models::peft;
use slm_pipeline::models::smollm::{BaseModel, Generator};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let adapter = std::path::PathBuf::from(args.get(1).ok_or_else(|| anyhow::anyhow!("usage: bench_generate <adapter> [new] [runs]"))?);
    let new: usize = args.get(2).map_or(Ok(128), |a| a.parse())?;
    let runs: usize = args.get(3).map_or(Ok(3), |a| a.parse())?;
    let device = candle_core::Device::Cpu;
    let base = BaseModel::load(&slm_pipeline::models::model_dir("smollm2-135m-instruct"), &device)?;
    let merged = peft::merged_weights(
        &base,
        &std::fs::read(adapter.join(peft::CONFIG_FILE))?,
        &std::fs::read(adapter.join(peft::WEIGHTS_FILE))?,
        &adapter.display().to_string(),
    )?;
    let generator = Generator::new(&base, &merged, &device)?;
    let prompt = std::fs::read_to_string("scripts/bench_prompt.txt")?;
    let ids = base.tokenizer.encode(prompt, false).map_err(anyhow::Error::msg)?.get_ids().to_vec();
    let mut times = Vec::new();
    let mut generated = 0;
    for _ in 0..runs {
        let started = Instant::now();
        generated = generator.greedy_exact(&ids, new)?.len();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let t = times[times.len() / 2];
    println!(
        "prompt {} tokens, {generated} new tokens: median {t:.2} s = {:.1} tokens/s (prefill included)",
        ids.len(),
        generated as f64 / t
    );
    Ok(())
}

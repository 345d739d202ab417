//! Adapters in PEFT's format, which vLLM, LoRAX and PEFT load unchanged:
//! `adapter_config.json` and `adapter_model.safetensors` with tensors named
//! `base_model.model.model.layers.<n>.<block>.<module>.lora_A.weight` (r, in)
//! and `...lora_B.weight` (out, r).

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::lora_llama::{LoraLlama, Target};
use crate::error::{Error, Result};

pub const CONFIG_FILE: &str = "adapter_config.json";
pub const WEIGHTS_FILE: &str = "adapter_model.safetensors";

/// The fields of `adapter_config.json` the pipeline reads back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdapterConfig {
    pub peft_type: String,
    pub task_type: String,
    pub base_model_name_or_path: String,
    pub r: usize,
    pub lora_alpha: f64,
    pub lora_dropout: f32,
    pub target_modules: Vec<String>,
}

/// PEFT's name of a LoRA tensor (`which` is `A` or `B`).
pub fn tensor_name(layer: usize, target: Target, which: char) -> String {
    let base = target.weight_name(layer);
    let module = base.trim_end_matches(".weight");
    format!("base_model.model.{module}.lora_{which}.weight")
}

/// `adapter_config.json` as PEFT writes it for a LoRA on a causal LM.
pub fn config_json(model: &LoraLlama, base_model: &str, dropout: f32) -> serde_json::Value {
    let targets: Vec<&str> = model.targets().iter().map(|t| t.module()).collect();
    json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model,
        "r": model.rank,
        "lora_alpha": model.alpha,
        "lora_dropout": dropout,
        "target_modules": targets,
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "modules_to_save": null,
        "layers_to_transform": null,
        "layers_pattern": null,
        "rank_pattern": {},
        "alpha_pattern": {},
        "use_rslora": false,
        "use_dora": false,
        "revision": null,
    })
}

/// The two files of the adapter, as bytes: (config JSON, safetensors).
/// Tensors are written in f32 whatever the training dtype.
pub fn export(model: &LoraLlama, base_model: &str, dropout: f32) -> Result<(Vec<u8>, Vec<u8>)> {
    let err = |e: candle_core::Error| Error::model("exporting the adapter", e);
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (layer, target, a, b) in model.adapter_tensors() {
        tensors.push((tensor_name(layer, target, 'A'), a.to_dtype(DType::F32).map_err(err)?));
        tensors.push((tensor_name(layer, target, 'B'), b.to_dtype(DType::F32).map_err(err)?));
    }
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let weights = safetensors::serialize(tensors.iter().map(|(k, t)| (k.as_str(), t)), Some(metadata))
        .map_err(|e| Error::model("exporting the adapter", e))?;
    let config = serde_json::to_vec_pretty(&config_json(model, base_model, dropout)).expect("JSON");
    Ok((config, weights))
}

/// Reads an adapter written by PEFT (or by [`export`]) into `model`'s LoRA
/// pairs, checking that the configuration and every shape match.
pub fn load_into(model: &LoraLlama, config: &[u8], weights: &[u8], context: &str) -> Result<AdapterConfig> {
    let config: AdapterConfig =
        serde_json::from_slice(config).map_err(|e| Error::model(format!("{context}/{CONFIG_FILE}"), e))?;
    if config.peft_type != "LORA" {
        return Err(Error::model(context, format!("peft_type `{}` is not LORA", config.peft_type)));
    }
    let tensors = candle_core::safetensors::load_buffer(weights, &Device::Cpu)
        .map_err(|e| Error::model(format!("{context}/{WEIGHTS_FILE}"), e))?;
    for (layer, target, a, b) in model.adapter_tensors() {
        for (which, like) in [('A', &a), ('B', &b)] {
            let name = tensor_name(layer, target, which);
            let t = tensors.get(&name).ok_or_else(|| Error::model(context, format!("tensor `{name}` missing")))?;
            if t.shape() != like.shape() {
                return Err(Error::model(context, format!("tensor `{name}` has shape {:?}, expected {:?}", t.shape(), like.shape())));
            }
            let t = t.to_dtype(like.dtype()).and_then(|t| t.to_device(like.device())).map_err(|e| Error::model(context, e))?;
            let pair = &model.adapters[&(layer, target)];
            let var = if which == 'A' { &pair.a } else { &pair.b };
            var.set(&t).map_err(|e| Error::model(context, e))?;
        }
    }
    Ok(config)
}

/// The base weights with a PEFT adapter merged in: `W + (alpha / r) B A`
/// for every LoRA pair, which is what PEFT's `merge_and_unload` computes.
/// Generation then runs at the base model's speed. Checks that every pair
/// names a weight of the model with matching shapes.
pub fn merged_weights(
    base: &crate::models::smollm::BaseModel,
    config: &[u8],
    weights: &[u8],
    context: &str,
) -> Result<HashMap<String, Tensor>> {
    let config: AdapterConfig =
        serde_json::from_slice(config).map_err(|e| Error::model(format!("{context}/{CONFIG_FILE}"), e))?;
    if config.peft_type != "LORA" || config.r == 0 {
        return Err(Error::model(context, format!("not a LoRA adapter (peft_type `{}`, r {})", config.peft_type, config.r)));
    }
    let scale = config.lora_alpha / config.r as f64;
    let tensors = candle_core::safetensors::load_buffer(weights, &Device::Cpu)
        .map_err(|e| Error::model(format!("{context}/{WEIGHTS_FILE}"), e))?;
    let mut merged = base.weights.clone();
    let mut pairs = 0;
    for (name, a) in &tensors {
        let Some(module) = name.strip_prefix("base_model.model.").and_then(|n| n.strip_suffix(".lora_A.weight")) else {
            continue;
        };
        let b_name = format!("base_model.model.{module}.lora_B.weight");
        let b = tensors.get(&b_name).ok_or_else(|| Error::model(context, format!("tensor `{b_name}` missing")))?;
        let weight_name = format!("{module}.weight");
        let w = merged
            .get(&weight_name)
            .ok_or_else(|| Error::model(context, format!("`{name}` adapts `{weight_name}`, which the base model has not")))?;
        let err = |e: candle_core::Error| Error::model(format!("{context}: merging `{name}`"), e);
        let delta = b
            .to_dtype(DType::F32)
            .and_then(|b| b.to_device(w.device()))
            .and_then(|b| b.matmul(&a.to_dtype(DType::F32)?.to_device(w.device())?))
            .map_err(err)?;
        if delta.shape() != w.shape() {
            return Err(Error::model(context, format!("`{name}`: B·A is {:?}, the weight {:?}", delta.shape(), w.shape())));
        }
        let sum = (w.to_dtype(DType::F32).map_err(err)? + (delta * scale).map_err(err)?).map_err(err)?;
        merged.insert(weight_name, sum);
        pairs += 1;
    }
    if pairs == 0 {
        return Err(Error::model(context, "the adapter holds no LoRA pair"));
    }
    Ok(merged)
}

/// The logits of `model_dir`'s model with the adapter of `adapter_dir` (or
/// none) for each user message as a ChatML prompt, in f32, as a safetensors
/// file: `ids.<i>` (u32, tokens) and `logits.<i>` (tokens × vocabulary).
pub fn logits_file(model_dir: &std::path::Path, adapter_dir: Option<&std::path::Path>, prompts: &[String]) -> Result<Vec<u8>> {
    let device = Device::Cpu;
    let base = crate::models::smollm::BaseModel::load(model_dir, &device)?;
    let (targets, rank, alpha) = match adapter_dir {
        Some(dir) => {
            let path = dir.join(CONFIG_FILE);
            let text = std::fs::read(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let config: AdapterConfig = serde_json::from_slice(&text).map_err(|e| Error::model(path.display().to_string(), e))?;
            let targets = config
                .target_modules
                .iter()
                .map(|m| Target::parse(m).ok_or_else(|| Error::model(path.display().to_string(), format!("unknown module `{m}`"))))
                .collect::<Result<Vec<_>>>()?;
            (targets, config.r, config.lora_alpha)
        }
        None => (Vec::new(), 1, 1.0),
    };
    let model = LoraLlama::new(base.spec.clone(), base.weights.clone(), &targets, rank, alpha, 0, DType::F32, &device)
        .map_err(|e| Error::model("building the model", e))?;
    if let Some(dir) = adapter_dir {
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))
        };
        load_into(&model, &read(CONFIG_FILE)?, &read(WEIGHTS_FILE)?, &dir.display().to_string())?;
    }
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (i, prompt) in prompts.iter().enumerate() {
        let text = crate::models::smollm::chatml(&[("user", prompt.as_str())], true);
        let ids = base.tokenizer.encode(text, false).map_err(|e| Error::model("tokenizing", e))?.get_ids().to_vec();
        let err = |e: candle_core::Error| Error::model(format!("prompt {i}"), e);
        let input = Tensor::new(ids.as_slice(), &device).and_then(|t| t.unsqueeze(0)).map_err(err)?;
        let logits = model.forward(&input).and_then(|l| l.squeeze(0)).map_err(err)?;
        tensors.push((format!("ids.{i}"), Tensor::new(ids.as_slice(), &device).map_err(err)?));
        tensors.push((format!("logits.{i}"), logits));
    }
    safetensors::serialize(tensors.iter().map(|(k, t)| (k.as_str(), t)), None).map_err(|e| Error::model("writing logits", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_peft() {
        assert_eq!(tensor_name(3, Target::Q, 'A'), "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight");
        assert_eq!(tensor_name(0, Target::Down, 'B'), "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight");
    }
}

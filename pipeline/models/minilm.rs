//! Sentence embeddings with all-MiniLM-L6-v2 (a 6-layer BERT), as
//! sentence-transformers computes them: WordPiece tokens truncated to a token
//! limit, mean pooling over the attention mask, L2 normalisation.
//!
//! Two engines compute the same vectors. Where the CPU has AVX-512 the
//! encoder of `slm_kernels::bert` runs: the project's GEMM, fused ops and
//! no padding (texts of a batch laid end to end). Elsewhere (other CPUs, the
//! GPU, or when a test asks) candle's `BertModel` runs on padded batches.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use rand::{Rng, SeedableRng};
use candle_transformers::models::bert::{BertModel, Config, HiddenAct};
use slm_kernels::bert::{self, Dense, Dims, LayerWeights, Norm, Weights};
use tokenizers::{Encoding, PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::require_files;
use crate::error::{Error, Result};

/// The folder name of the model below `models/` (see `scripts/fetch_models.py`).
pub const MODEL_NAME: &str = "all-minilm-l6-v2";

/// The token limit of sentence-transformers' configuration for this model.
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// The Hugging Face name of an embedding model folder: sentence-transformers'
/// name for ours, else the folder's name.
pub fn hf_name(dir: &Path) -> String {
    match dir.file_name().map(|n| n.to_string_lossy().to_string()) {
        Some(n) if n == MODEL_NAME => "sentence-transformers/all-MiniLM-L6-v2".to_string(),
        Some(n) => n,
        None => dir.display().to_string(),
    }
}

pub use crate::warehouse::embedding_settings::Precision;

/// Which engine runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The kernels where the CPU has AVX-512 (and the model is on the CPU),
    /// candle elsewhere.
    #[default]
    Auto,
    /// candle's BertModel always (the reference, and the fallback).
    Candle,
}

/// How to load the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub precision: Precision,
    pub engine: Engine,
}

enum Model {
    Kernels(bert::Encoder),
    Candle(BertModel),
}

pub struct Embedder {
    model: Model,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    max_tokens: usize,
    precision: Precision,
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from
    /// `dir`; texts are truncated to `max_tokens` tokens (special tokens
    /// included, as sentence-transformers counts them). f32, on the fastest
    /// engine this machine has.
    pub fn load(dir: &Path, max_tokens: usize, device: &Device) -> Result<Self> {
        Self::load_with(dir, max_tokens, device, Options::default())
    }

    pub fn load_with(dir: &Path, max_tokens: usize, device: &Device, options: Options) -> Result<Self> {
        require_files(MODEL_NAME, dir, &["config.json", "tokenizer.json", "model.safetensors"])?;
        let context = |file: &str| dir.join(file).display().to_string();
        let config_text =
            std::fs::read_to_string(dir.join("config.json")).map_err(|e| Error::io(context("config.json"), e))?;
        let config: Config =
            serde_json::from_str(&config_text).map_err(|e| Error::model(context("config.json"), e))?;
        if max_tokens < 2 {
            return Err(Error::usage(format!("max_tokens must be at least 2 (got {max_tokens})")));
        }
        let max_tokens = max_tokens.min(config.max_position_embeddings);

        let mut tokenizer =
            Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| Error::model(context("tokenizer.json"), e))?;
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: max_tokens, ..Default::default() }))
            .map_err(|e| Error::model(context("tokenizer.json"), e))?;

        // Read into memory rather than memory-mapped: no `unsafe`, and 90 MB.
        let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), device)
            .map_err(|e| Error::model(context("model.safetensors"), e))?;
        let wanted = match options.precision {
            Precision::F32 => bert::Precision::F32,
            Precision::Bf16 => bert::Precision::Bf16,
            Precision::Int8 => bert::Precision::Int8,
        };
        let kernels_precision = if wanted != bert::Precision::F32 && !bert::available(wanted) {
            tracing::warn!("embed precision {} needs an AVX-512 extension this CPU lacks: embedding in f32", options.precision.as_str());
            bert::Precision::F32
        } else {
            wanted
        };
        let use_kernels = options.engine == Engine::Auto
            && device.is_cpu()
            && bert::available(kernels_precision)
            && matches!(config.hidden_act, HiddenAct::Gelu);
        let (model, precision) = if use_kernels {
            let (dims, weights) = kernel_weights(&config, &tensors).map_err(|e| Error::model(context("model.safetensors"), e))?;
            let encoder = bert::Encoder::new(dims, weights, kernels_precision, &super::frozen::candle_threads)
                .map_err(|e| Error::model(context("model.safetensors"), e))?;
            // The kernels take every text at its own length: no padding,
            // whatever the tokenizer file asks for.
            tokenizer.with_padding(None);
            let precision = match kernels_precision {
                bert::Precision::F32 => Precision::F32,
                bert::Precision::Bf16 => Precision::Bf16,
                bert::Precision::Int8 => Precision::Int8,
            };
            (Model::Kernels(encoder), precision)
        } else {
            if options.precision != Precision::F32 {
                tracing::warn!("embed precision {} runs only on the CPU kernels: embedding in f32 with candle", options.precision.as_str());
            }
            // candle's model takes padded batches; the kernels take none.
            let pad_token = tokenizer.id_to_token(config.pad_token_id as u32).unwrap_or_else(|| "[PAD]".to_string());
            tokenizer.with_padding(Some(PaddingParams {
                strategy: PaddingStrategy::BatchLongest,
                pad_id: config.pad_token_id as u32,
                pad_token,
                ..Default::default()
            }));
            let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
            let model = BertModel::load(vb, &config).map_err(|e| Error::model(context("model.safetensors"), e))?;
            (Model::Candle(model), Precision::F32)
        };
        Ok(Self { model, tokenizer, device: device.clone(), dim: config.hidden_size, max_tokens, precision })
    }

    /// The length of the vectors (384 for MiniLM).
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The precision the vectors are computed in (f32 where int8 was asked
    /// for but this machine cannot run it).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Whether the project's kernels (rather than candle) run the model.
    pub fn on_kernels(&self) -> bool {
        matches!(self.model, Model::Kernels(_))
    }

    /// Every token of the vocabulary by id, as text (`##` continuations
    /// without their prefix), for embedding each alone.
    pub fn vocabulary(&self) -> Vec<String> {
        let n = self.tokenizer.get_vocab_size(true) as u32;
        (0..n).map(|id| self.tokenizer.id_to_token(id).unwrap_or_default().trim_start_matches("##").to_string()).collect()
    }

    /// The token ids of `text` without the special tokens, at most
    /// `max_tokens` of them (the part that `embed` reads).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.tokenizer.encode(text, false).map_err(|e| Error::model(format!("{MODEL_NAME}, tokenizing"), e))?;
        Ok(encoding.get_ids().iter().take(self.max_tokens).copied().collect())
    }

    /// Embeds `texts` in micro-batches of `batch_size`; the result is in
    /// the input's order. The next batch is tokenized on another thread
    /// while this one runs through the model. `progress` is called with the
    /// number of texts done after each batch.
    pub fn embed(&self, texts: &[&str], batch_size: usize, mut progress: impl FnMut(usize)) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Texts of similar length together: less padding for candle, and
        // for the kernels batches of even cost. Characters approximate
        // tokens, for free.
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        let chunks: Vec<&[usize]> = order.chunks(batch_size.max(1)).collect();
        std::thread::scope(|scope| -> Result<()> {
            let (sender, receiver) = std::sync::mpsc::sync_channel(2);
            scope.spawn(move || {
                for chunk in &chunks {
                    let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
                    let encoded = self.tokenizer.encode_batch(batch, true).map_err(|e| Error::model(format!("{MODEL_NAME}, tokenizing a batch of {} texts", chunk.len()), e));
                    if sender.send((*chunk, encoded)).is_err() {
                        return;
                    }
                }
            });
            for (chunk, encoded) in receiver {
                for (&i, vector) in chunk.iter().zip(self.embed_encoded(&encoded?)?) {
                    out[i] = vector;
                }
                progress(chunk.len());
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// One tokenized batch through the model.
    fn embed_encoded(&self, encodings: &[Encoding]) -> Result<Vec<Vec<f32>>> {
        if encodings.is_empty() {
            return Ok(Vec::new());
        }
        let failed = |e: &dyn std::fmt::Display| Error::model(format!("{MODEL_NAME}, a batch of {} texts", encodings.len()), e);
        let model = match &self.model {
            Model::Kernels(encoder) => {
                let ids: Vec<&[u32]> = encodings.iter().map(Encoding::get_ids).collect();
                return encoder.embed(&ids, &super::frozen::candle_threads).map_err(|e| failed(&e));
            }
            Model::Candle(model) => model,
        };
        let len = encodings[0].get_ids().len();
        let (mut ids, mut mask) = (Vec::with_capacity(encodings.len() * len), Vec::with_capacity(encodings.len() * len));
        for encoding in encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (encodings.len(), len), &self.device)?;
            let mask = Tensor::from_vec(mask, (encodings.len(), len), &self.device)?;
            let hidden = model.forward(&ids, &ids.zeros_like()?, Some(&mask))?;
            // Mean over the real tokens only: padding is masked out.
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
            let mean = summed.broadcast_div(&counts)?;
            let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
            mean.broadcast_div(&norms)?.to_dtype(DType::F32)?.to_vec2::<f32>()
        };
        run().map_err(|e| failed(&e))
    }
}

/// The model's weights as the kernels' encoder takes them: plain f32
/// vectors by role, from the checkpoint's names (with or without a `bert.`
/// prefix).
fn kernel_weights(config: &Config, tensors: &HashMap<String, Tensor>) -> std::result::Result<(Dims, Weights), String> {
    let prefix = if tensors.contains_key("embeddings.word_embeddings.weight") { "" } else { "bert." };
    let get = |name: &str| -> std::result::Result<Vec<f32>, String> {
        let full = format!("{prefix}{name}");
        let t = tensors.get(&full).ok_or_else(|| format!("no tensor {full}"))?;
        t.to_dtype(DType::F32).and_then(|t| t.flatten_all()).and_then(|t| t.to_vec1::<f32>()).map_err(|e| format!("{full}: {e}"))
    };
    let dense = |name: String| -> std::result::Result<Dense, String> { Ok(Dense { weight: get(&format!("{name}.weight"))?, bias: get(&format!("{name}.bias"))? }) };
    let norm = |name: String| -> std::result::Result<Norm, String> { Ok(Norm { gamma: get(&format!("{name}.weight"))?, beta: get(&format!("{name}.bias"))? }) };
    let layers = (0..config.num_hidden_layers)
        .map(|l| {
            let at = |part: &str| format!("encoder.layer.{l}.{part}");
            Ok(LayerWeights {
                query: dense(at("attention.self.query"))?,
                key: dense(at("attention.self.key"))?,
                value: dense(at("attention.self.value"))?,
                attention_out: dense(at("attention.output.dense"))?,
                attention_norm: norm(at("attention.output.LayerNorm"))?,
                up: dense(at("intermediate.dense"))?,
                down: dense(at("output.dense"))?,
                output_norm: norm(at("output.LayerNorm"))?,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let weights = Weights {
        word: get("embeddings.word_embeddings.weight")?,
        position: get("embeddings.position_embeddings.weight")?,
        token_type: get("embeddings.token_type_embeddings.weight")?,
        embedding_norm: norm("embeddings.LayerNorm".into())?,
        layers,
    };
    let dims = Dims {
        vocab: config.vocab_size,
        positions: config.max_position_embeddings,
        hidden: config.hidden_size,
        heads: config.num_attention_heads,
        intermediate: config.intermediate_size,
        eps: config.layer_norm_eps as f32,
    };
    Ok((dims, weights))
}

/// Writes a tiny BERT with random weights and a 40-word WordPiece vocabulary,
/// written as the same three files as the real model: the mechanics are
/// tested without the download.
pub fn write_tiny_random_model(dir: &Path) -> Result<()> {
    // Seed 31 keeps the test suites' task texts furthest apart of the first 40.
    write_tiny_model_seeded(dir, 31)
}

fn write_tiny_model_seeded(dir: &Path, seed: u64) -> Result<()> {
    let words = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "invoice", "extract", "json", "total", "date", "write",
        "tests", "unit", "python", "function", "summarize", "ticket", "support", "click", "button", "screen",
        "the", "a", "of", "and", "to", "for", "from", "##s", "##ing", "review", "code", "bug", "plan", "product",
        "user", "story", "email", "reply", "hello",
    ];
    let vocab: serde_json::Map<String, serde_json::Value> =
        words.iter().enumerate().map(|(i, w)| (w.to_string(), serde_json::json!(i))).collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).map_err(|e| Error::model("writing a tiny model", e))?;
    let config = serde_json::json!({
        "vocab_size": words.len(), "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, "hidden_act": "gelu", "hidden_dropout_prob": 0.0,
        "max_position_embeddings": 64, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0, "model_type": "bert"
    });
    std::fs::write(dir.join("config.json"), config.to_string()).map_err(|e| Error::model("writing a tiny model", e))?;
    // BERT's names and shapes come from a VarMap; its values are redrawn
    // from a fixed seed, because candle's CPU generator cannot be seeded and
    // tests that place routes at these vectors must see the same model on
    // every run (an unlucky draw once put two route texts within 1e-3).
    let varmap = candle_nn::VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let config: Config = serde_json::from_value(config).map_err(|e| Error::model("writing a tiny model", e))?;
    BertModel::load(vb, &config).map_err(|e| Error::model("writing a tiny model", e))?;
    let mut drawn: Vec<(String, Tensor)> =
        varmap.data().lock().expect("varmap lock").iter().map(|(k, v)| (k.clone(), v.as_tensor().clone())).collect();
    drawn.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut tensors = HashMap::new();
    for (name, t) in drawn {
        let value = seeded_like(&name, &t, &mut rng).map_err(|e| Error::model("writing a tiny model", e))?;
        tensors.insert(name, value);
    }
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).map_err(|e| Error::model("writing a tiny model", e))?;
    Ok(())
}

/// A tensor of `t`'s shape drawn uniformly, at a spread fixed by its kind
/// and shape as candle initialises them (embeddings N(0, 1), weights
/// ~1/sqrt(fan-in)); constant tensors (layer-norm gains and biases, whose
/// values do not depend on a draw) stay as they are.
fn seeded_like(name: &str, t: &Tensor, rng: &mut rand::rngs::SmallRng) -> candle_core::Result<Tensor> {
    let values = t.flatten_all()?.to_vec1::<f32>()?;
    if values.iter().all(|v| *v == values[0]) {
        return Ok(t.clone());
    }
    let std = match t.dims() {
        [_, _] if name.contains("embeddings") => 1.0,
        [_, fan_in] => 1.0 / (*fan_in as f32).sqrt(),
        _ => 0.05,
    };
    let half_width = std * 3f32.sqrt();
    let redrawn: Vec<f32> = (0..values.len()).map(|_| rng.gen_range(-half_width..half_width)).collect();
    Tensor::from_vec(redrawn, t.shape(), t.device())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn vectors_are_unit_length_and_independent_of_batching() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_random_model(dir.path()).unwrap();
        let model = Embedder::load(dir.path(), 256, &Device::Cpu).unwrap();
        assert_eq!(model.dim(), 16);
        assert_eq!(model.max_tokens(), 64, "capped by the position embeddings");
        let texts = ["extract the invoice total", "", "write unit tests for the python function", "hello"];
        let together = model.embed(&texts, 8, |_| {}).unwrap();
        let mut done = 0;
        let one_by_one = model.embed(&texts, 1, |n| done += n).unwrap();
        assert_eq!(done, texts.len());
        for (a, b) in together.iter().zip(&one_by_one) {
            assert_eq!(a.len(), 16);
            assert!((cosine(a, a) - 1.0).abs() < 1e-5);
            // Padding must not change a text's vector.
            assert!(cosine(a, b) > 0.9999, "{}", cosine(a, b));
        }
        assert!(cosine(&together[0], &together[2]) < 0.9999);
    }

    #[test]
    fn texts_are_truncated_to_the_token_limit() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_random_model(dir.path()).unwrap();
        let model = Embedder::load(dir.path(), 8, &Device::Cpu).unwrap();
        let head = "extract the invoice total and date";
        let long = format!("{head} {}", "code review ".repeat(500));
        let longer = format!("{head} {}", "user story ".repeat(900));
        let v = model.embed(&[&long, &longer], 2, |_| {}).unwrap();
        // Only the first 6 words (plus [CLS] and [SEP]) are seen.
        assert!(cosine(&v[0], &v[1]) > 0.9999);
    }

    #[test]
    fn the_tiny_model_is_the_same_on_every_write_and_keeps_task_texts_apart() {
        let texts = ["extract the invoice total and date", "write unit tests for the python function",
                     "summarize the support ticket", "plan a product story for the user"];
        let vectors = |_| {
            let dir = tempfile::tempdir().unwrap();
            write_tiny_random_model(dir.path()).unwrap();
            Embedder::load(dir.path(), 64, &Device::Cpu).unwrap().embed(&texts, 4, |_| {}).unwrap()
        };
        let (a, b) = (vectors(0), vectors(1));
        assert_eq!(a, b);
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                let distance = 1.0 - cosine(&a[i], &a[j]);
                assert!(distance > 0.1, "{:?} and {:?} are {distance} apart", texts[i], texts[j]);
            }
        }
    }

    /// The kernels run where the CPU has AVX-512 and give candle's vectors;
    /// the switch forces candle (the path other CPUs and the GPU take).
    #[test]
    fn the_kernels_give_candles_vectors_and_the_switch_forces_candle() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_random_model(dir.path()).unwrap();
        let fast = Embedder::load(dir.path(), 64, &Device::Cpu).unwrap();
        assert_eq!(fast.on_kernels(), slm_kernels::gemm::available());
        let candle = Embedder::load_with(dir.path(), 64, &Device::Cpu, Options { engine: Engine::Candle, ..Default::default() }).unwrap();
        assert!(!candle.on_kernels());
        let long = "review the code of the user story and plan the product ".repeat(8);
        let texts = ["hello", "extract the invoice total and date", "", long.as_str(), "summarize the support ticket for the user"];
        let (a, b) = (fast.embed(&texts, 3, |_| {}).unwrap(), candle.embed(&texts, 3, |_| {}).unwrap());
        for ((x, y), text) in a.iter().zip(&b).zip(texts) {
            let c: f64 = x.iter().zip(y).map(|(p, q)| f64::from(*p) * f64::from(*q)).sum();
            assert!(c >= 0.999_999, "cosine {c} for {text:?}");
        }
        // int8 and bf16 asked for: the vectors stay close, or f32 where the
        // CPU lacks the extension.
        for (precision, here, bound) in [(Precision::Int8, slm_kernels::int8::available(), 0.95), (Precision::Bf16, slm_kernels::bf16::available(), 0.999)] {
            let model = Embedder::load_with(dir.path(), 64, &Device::Cpu, Options { precision, ..Default::default() }).unwrap();
            assert_eq!(model.precision() == precision, here && model.on_kernels());
            for (x, y) in model.embed(&texts, 2, |_| {}).unwrap().iter().zip(&a) {
                assert!(cosine(x, y) > bound, "{precision:?}: {}", cosine(x, y));
            }
        }
    }

    #[test]
    fn a_missing_model_names_the_setup_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = Embedder::load(dir.path(), 256, &Device::Cpu).err().unwrap().to_string();
        assert!(err.contains("scripts/setup.sh") && err.contains(MODEL_NAME) && err.contains("config.json"), "{err}");
    }
}

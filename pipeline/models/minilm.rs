//! Sentence embeddings with all-MiniLM-L6-v2 (a 6-layer BERT) in candle, as
//! sentence-transformers computes them: WordPiece tokens truncated to a token
//! limit, mean pooling over the attention mask, L2 normalisation.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use rand::{Rng, SeedableRng};
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

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

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    max_tokens: usize,
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from
    /// `dir`; texts are truncated to `max_tokens` tokens (special tokens
    /// included, as sentence-transformers counts them).
    pub fn load(dir: &Path, max_tokens: usize, device: &Device) -> Result<Self> {
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
        let pad_token = tokenizer.id_to_token(config.pad_token_id as u32).unwrap_or_else(|| "[PAD]".to_string());
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id: config.pad_token_id as u32,
            pad_token,
            ..Default::default()
        }));

        // Read into memory rather than memory-mapped: no `unsafe`, and 90 MB.
        let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), device)
            .map_err(|e| Error::model(context("model.safetensors"), e))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let model = BertModel::load(vb, &config).map_err(|e| Error::model(context("model.safetensors"), e))?;
        Ok(Self { model, tokenizer, device: device.clone(), dim: config.hidden_size, max_tokens })
    }

    /// The length of the vectors (384 for MiniLM).
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
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

    /// Embeds `texts` in micro-batches of `batch_size`, texts of similar
    /// length together (less padding); the result is in the input's order.
    /// `progress` is called with the number of texts done after each batch.
    pub fn embed(&self, texts: &[&str], batch_size: usize, mut progress: impl FnMut(usize)) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Sorting by characters approximates sorting by tokens, for free.
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(batch_size.max(1)) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = vector;
            }
            progress(chunk.len());
        }
        Ok(out)
    }

    /// One padded batch through the model.
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let failed = |e: &dyn std::fmt::Display| Error::model(format!("{MODEL_NAME}, a batch of {} texts", texts.len()), e);
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| failed(&e))?;
        let len = encodings[0].get_ids().len();
        let (mut ids, mut mask) = (Vec::with_capacity(texts.len() * len), Vec::with_capacity(texts.len() * len));
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (texts.len(), len), &self.device)?;
            let mask = Tensor::from_vec(mask, (texts.len(), len), &self.device)?;
            let hidden = self.model.forward(&ids, &ids.zeros_like()?, Some(&mask))?;
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

    #[test]
    fn a_missing_model_names_the_setup_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = Embedder::load(dir.path(), 256, &Device::Cpu).err().unwrap().to_string();
        assert!(err.contains("scripts/setup.sh") && err.contains(MODEL_NAME) && err.contains("config.json"), "{err}");
    }
}

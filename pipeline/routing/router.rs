//! The routing decision for one request, as the design defines it: embed
//! the request's task text the way the calls were embedded, find the
//! nearest route centroid, and send the request to that cluster's SLM only
//! if the route's target is `slm`, the distance is within its
//! `max_distance`, and no route with another target is about as near
//! (`ambiguity_margin`). Everything else goes to the fallback LLM.
//!
//! PII is replaced by pseudonyms before embedding (a per-process key), as
//! anonymize did for the calls the centroids come from: the text embedded
//! has the same shape, and nothing the router keeps or logs holds raw PII.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::table::{AdapterRef, RoutingTable};
use slm_pii::{EntityCounts, Options, PiiKey, Redactor};
use crate::models::task_text::{tool_names, CallParts, Template};
use crate::error::{Error, Result};
use crate::models::chat::ChatMessage;
use super::fast::FastRouter;
use crate::models::minilm::{self, Embedder};
use crate::models::static_embed::{StaticEncoder, TokenTable};

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// `slm` or `llm`.
    pub target: String,
    /// The LLM's name, or the SLM's base model.
    pub model: String,
    /// The nearest route (none when the table has no routes).
    pub cluster_id: Option<String>,
    pub label: Option<String>,
    pub distance: Option<f32>,
    pub max_distance: Option<f32>,
    pub adapter: Option<AdapterRef>,
    /// Why: `within` (to the SLM), `far`, `ambiguous`, `llm_route`, `no_routes`.
    pub reason: String,
    /// What decided: `minilm`, or `static` (the fast stage, `fast.rs`;
    /// `distance` is then in its space). Empty in decisions of before.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub encoder: String,
}

/// A request: a bare prompt, or a chat call in the OpenAI shape
/// (`messages`, optional `tools`, `model`, `agent`).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// What the task text is made of (the route is decided on it).
    pub parts: CallParts,
    /// The chat and the tool definitions, as the SLM reads them (`input.rs`).
    pub chat: Vec<ChatMessage>,
    pub tools: Option<String>,
}

impl Request {
    pub fn prompt(text: &str) -> Self {
        let parts = CallParts { first_user: text.to_string(), last_user: text.to_string(), ..Default::default() };
        let chat = vec![ChatMessage { role: "user".into(), content: text.to_string(), ..ChatMessage::default() }];
        Self { parts, chat, tools: None }
    }

    /// `{"prompt": "..."}` or a chat call (`{"messages": [...], "tools": [...]}`).
    pub fn from_json(value: &Value) -> std::result::Result<Self, String> {
        if let Some(prompt) = value.get("prompt").and_then(Value::as_str) {
            return Ok(Self::prompt(prompt));
        }
        let messages = value
            .get("messages")
            .and_then(Value::as_array)
            .ok_or("expected `prompt` (a string) or `messages` (an array of chat messages)")?;
        let text = |v: &Value| -> String {
            match v.get("content") {
                Some(Value::String(s)) => s.clone(),
                // Content parts: the text ones, in order.
                Some(Value::Array(parts)) => {
                    parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("\n")
                }
                _ => String::new(),
            }
        };
        let mut parts = CallParts::default();
        let mut system = Vec::new();
        let mut chat = Vec::with_capacity(messages.len());
        for m in messages {
            if let Some(role) = m.get("role").and_then(Value::as_str) {
                let text_of = |key: &str| m.get(key).filter(|v| !v.is_null()).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
                chat.push(ChatMessage {
                    role: role.to_string(),
                    content: text(m),
                    tool_calls: text_of("tool_calls"),
                    tool_call_id: text_of("tool_call_id"),
                });
            }
            match m.get("role").and_then(Value::as_str) {
                Some("system" | "developer") => system.push(text(m)),
                Some("user") => {
                    let t = text(m);
                    if parts.first_user.is_empty() {
                        parts.first_user = t.clone();
                    }
                    parts.last_user = t;
                }
                Some(_) => {}
                None => return Err("every message needs a `role`".into()),
            }
        }
        parts.system = system.join("\n");
        let mut tool_definitions = None;
        if let Some(tools) = value.get("tools").filter(|t| !t.is_null()) {
            parts.tools = tool_names(&tools.to_string()).join(", ");
            tool_definitions = Some(tools.to_string());
        }
        parts.model = value.get("model").and_then(Value::as_str).unwrap_or_default().to_string();
        parts.agent = value.get("agent").and_then(Value::as_str).unwrap_or_default().to_string();
        Ok(Self { parts, chat, tools: tool_definitions })
    }
}

pub struct Router {
    table: RoutingTable,
    template: Template,
    embedder: Embedder,
    redactor: Redactor,
    fast: Option<Fast>,
}

/// The fast stage as loaded: its fitted routes and weights, and the token
/// table (shared by every table version made with the same MiniLM).
pub struct Fast {
    pub router: FastRouter,
    pub tokens: Arc<TokenTable>,
    encoder: StaticEncoder,
}

impl Fast {
    pub fn new(router: FastRouter, tokens: Arc<TokenTable>) -> Self {
        let encoder = router.encoder();
        Self { router, tokens, encoder }
    }
}

impl Router {
    /// A router over `table`, embedding with the model in `embedding_dir`
    /// (which must make vectors of the table's dimension).
    pub fn new(table: RoutingTable, embedding_dir: &Path) -> Result<Self> {
        let template = Template::parse(&table.embedding.text)
            .map_err(|e| Error::usage(format!("routing table {}: embedding.text: {e}", table.version)))?;
        let device = candle_core::Device::Cpu;
        let options = minilm::Options { precision: table.embedding.precision, ..Default::default() };
        let embedder = Embedder::load_with(embedding_dir, table.embedding.max_tokens, &device, options)?;
        if embedder.dim() != table.embedding.dim {
            return Err(Error::usage(format!(
                "routing table {} wants {}-d embeddings, {} makes {}-d",
                table.version,
                table.embedding.dim,
                embedding_dir.display(),
                embedder.dim()
            )));
        }
        for route in &table.routes {
            if route.centroid.len() != table.embedding.dim {
                return Err(Error::usage(format!("route {}: centroid of {} values", route.cluster_id, route.centroid.len())));
            }
        }
        let mut key = vec![0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        // The detectors anonymize runs by default, so that the task text looks
        // like the anonymized calls the centroids were built from. Without the
        // gazetteer (a bare machine), names are found by context alone.
        let gazetteer = crate::models::gazetteer(None).ok();
        let redactor = Redactor::with_options(PiiKey::new(key).expect("32 bytes"), Options::full(gazetteer));
        Ok(Self { table, template, embedder, redactor, fast: None })
    }

    /// The same router with a fast first stage for the table's routes.
    pub fn with_fast(mut self, fast: Fast) -> Result<Self> {
        let dim = self.embedder.dim();
        if fast.tokens.dim != dim || fast.router.routes.iter().any(|r| r.centroid.len() != dim) {
            return Err(Error::usage(format!("routing table {}: the fast stage is not of {dim}-d MiniLM vectors", self.table.version)));
        }
        self.fast = Some(fast);
        Ok(self)
    }

    pub fn has_fast(&self) -> bool {
        self.fast.is_some()
    }

    /// The embedder, whose vocabulary the fast stage's token table covers.
    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    pub fn table(&self) -> &RoutingTable {
        &self.table
    }

    /// The task text to embed: the template over the request, PII replaced.
    pub fn task_text(&self, request: &Request) -> String {
        let text = self.template.render(&request.parts);
        self.redactor.redact(&text, &mut EntityCounts::default()).unwrap_or(text)
    }

    pub fn embed(&self, request: &Request) -> Result<Vec<f32>> {
        let text = self.task_text(request);
        Ok(self.embedder.embed(&[text.as_str()], 1, |_| {})?.remove(0))
    }

    /// The fast stage's decision where it is sure, else MiniLM's.
    pub fn decide(&self, request: &Request) -> Result<Decision> {
        let text = self.task_text(request);
        if let Some(fast) = &self.fast {
            let v = fast.encoder.vector(&fast.tokens, &self.embedder.token_ids(&text)?);
            if let Some(d) = fast.router.nearest(&v).and_then(|(cluster, distance)| route_decision(&self.table, cluster, distance)) {
                return Ok(d);
            }
        }
        let mut d = decide(&self.table, &self.embedder.embed(&[text.as_str()], 1, |_| {})?.remove(0));
        d.encoder = "minilm".into();
        Ok(d)
    }

    /// MiniLM's decision alone, as if there were no fast stage.
    pub fn decide_minilm(&self, request: &Request) -> Result<Decision> {
        let mut d = decide(&self.table, &self.embed(request)?);
        d.encoder = "minilm".into();
        Ok(d)
    }
}

/// The decision for a request the fast stage placed in route `cluster_id`:
/// its SLM when the route has one, else the fallback (`llm_route`).
fn route_decision(table: &RoutingTable, cluster_id: &str, distance: f32) -> Option<Decision> {
    let route = table.routes.iter().find(|r| r.cluster_id == cluster_id)?;
    let slm = route.is_slm();
    Some(Decision {
        target: if slm { "slm".into() } else { table.fallback.target.clone() },
        model: if slm { route.base_model.clone().unwrap_or_default() } else { table.fallback.model.clone() },
        cluster_id: Some(route.cluster_id.clone()),
        label: Some(route.label.clone()),
        distance: Some(distance),
        max_distance: Some(route.max_distance),
        adapter: if slm { route.adapter.clone() } else { None },
        reason: if slm { "within" } else { "llm_route" }.into(),
        encoder: "static".into(),
    })
}

/// The decision for an embedded request (unit-normalised vector).
pub fn decide(table: &RoutingTable, vector: &[f32]) -> Decision {
    let fallback = |reason: &str| Decision {
        target: table.fallback.target.clone(),
        model: table.fallback.model.clone(),
        cluster_id: None,
        label: None,
        distance: None,
        max_distance: None,
        adapter: None,
        reason: reason.to_string(),
        encoder: String::new(),
    };
    let mut distances: Vec<(f32, usize)> = table
        .routes
        .iter()
        .enumerate()
        .map(|(i, r)| (crate::vecmath::cosine_distance(vector, &r.centroid), i))
        .collect();
    distances.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(d1, i1)) = distances.first() else { return fallback("no_routes") };
    let nearest = &table.routes[i1];
    let mut decision = fallback("");
    decision.cluster_id = Some(nearest.cluster_id.clone());
    decision.label = Some(nearest.label.clone());
    decision.distance = Some(d1);
    decision.max_distance = Some(nearest.max_distance);
    if d1 > nearest.max_distance {
        decision.reason = "far".into();
        return decision;
    }
    if !nearest.is_slm() {
        decision.reason = "llm_route".into();
        return decision;
    }
    // A near second route that would send the request elsewhere: the
    // request sits between two task types, and only the LLM is safe for both.
    let ambiguous = distances.get(1).is_some_and(|&(d2, i2)| {
        let second = &table.routes[i2];
        d2 - d1 < table.ambiguity_margin && d2 <= second.max_distance && second.adapter != nearest.adapter
    });
    if ambiguous {
        decision.reason = "ambiguous".into();
        return decision;
    }
    decision.target = "slm".into();
    decision.model = nearest.base_model.clone().unwrap_or_default();
    decision.adapter = nearest.adapter.clone();
    decision.reason = "within".into();
    decision
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::table::*;
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    pub(crate) fn route(id: i64, centroid: &[f32], slm: bool) -> Route {
        Route {
            cluster_id: route_id(id),
            label: format!("task {id}"),
            centroid: unit(centroid),
            max_distance: 0.2,
            target: if slm { "slm" } else { "llm" }.into(),
            base_model: Some("HuggingFaceTB/SmolLM2-135M-Instruct".into()),
            adapter: slm.then(|| AdapterRef {
                path: format!("adapters/{}/0123456789ab", route_id(id)),
                sha256: format!("{id:064}"),
                files: Default::default(),
                version: "v".into(),
                pii_version: None,
            }),
            eval: None,
            traffic_share: 0.5,
            reason: String::new(),
            pruned_prefix: None,
            candidate: None,
        }
    }

    pub fn table(routes: Vec<Route>) -> RoutingTable {
        RoutingTable {
            schema_version: SCHEMA_VERSION,
            version: "v1".into(),
            dag_run_id: "run".into(),
            published_at: "2026-11-21T03:00:00Z".into(),
            embedding: EmbeddingSpec { model: "m".into(), dim: 3, text: "{last_user}".into(), max_tokens: 16, precision: Default::default() },
            fallback: Fallback { target: "llm".into(), model: "gpt-4o".into() },
            ambiguity_margin: 0.05,
            routes,
            summary: Summary { calls: 0, clusters: 0, slm_clusters: 0, slm_traffic_share: 0.0, cost: None },
            fast_route: None,
        }
    }

    #[test]
    fn near_far_and_ambiguous_requests() {
        let t = table(vec![route(1, &[1.0, 0.0, 0.0], true), route(2, &[0.0, 1.0, 0.0], true), route(3, &[0.0, 0.0, 1.0], false)]);
        // Near route 1: its SLM and adapter.
        let d = decide(&t, &unit(&[1.0, 0.1, 0.0]));
        assert_eq!((d.target.as_str(), d.cluster_id.as_deref(), d.reason.as_str()), ("slm", Some("c01"), "within"));
        assert_eq!(d.adapter.unwrap().path, "adapters/c01/0123456789ab");
        assert_eq!(d.model, "HuggingFaceTB/SmolLM2-135M-Instruct");
        // Nearest is route 1 but beyond its max_distance: the LLM.
        let d = decide(&t, &unit(&[1.0, 0.0, 1.2]));
        assert_eq!((d.target.as_str(), d.reason.as_str()), ("llm", "far"));
        assert_eq!(d.model, "gpt-4o");
        // Near route 3, whose target is the LLM.
        let d = decide(&t, &unit(&[0.0, 0.05, 1.0]));
        assert_eq!((d.target.as_str(), d.cluster_id.as_deref(), d.reason.as_str()), ("llm", Some("c03"), "llm_route"));
        // Half-way between 1 and 2, both within reach: ambiguous.
        let mut wide = t.clone();
        for r in &mut wide.routes {
            r.max_distance = 0.4;
        }
        let d = decide(&wide, &unit(&[1.0, 0.95, 0.0]));
        assert_eq!((d.target.as_str(), d.reason.as_str()), ("llm", "ambiguous"));
        // No margin: the nearest wins.
        wide.ambiguity_margin = 0.0;
        assert_eq!(decide(&wide, &unit(&[1.0, 0.95, 0.0])).target, "slm");
        // An empty table sends everything to the fallback.
        assert_eq!(decide(&table(vec![]), &unit(&[1.0, 0.0, 0.0])).reason, "no_routes");
    }

    #[test]
    fn requests_read_prompts_and_chat_calls() {
        let r = Request::from_json(&serde_json::json!({"prompt": "Summarise this"})).unwrap();
        assert_eq!(r.parts.last_user, "Summarise this");
        let call = serde_json::json!({
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "You extract invoices."},
                         {"role": "user", "content": [{"type": "text", "text": "Invoice F-1"}]}],
            "tools": [{"type": "function", "function": {"name": "save_invoice", "parameters": {}}}]
        });
        let r = Request::from_json(&call).unwrap();
        assert_eq!((r.parts.system.as_str(), r.parts.last_user.as_str(), r.parts.tools.as_str()), ("You extract invoices.", "Invoice F-1", "save_invoice"));
        assert!(Request::from_json(&serde_json::json!({"text": 1})).is_err());
        assert!(Request::from_json(&serde_json::json!({"messages": [{"content": "x"}]})).is_err());
    }
}

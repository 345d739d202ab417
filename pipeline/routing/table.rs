//! `routing_table.json` (schema version 1, see `../shared/DESIGN.md`) and
//! the `current.json` pointer: what publish writes and what the router and
//! the serving layer read. Fields beyond the design's are additions
//! (`embedding.max_tokens`, `ambiguity_margin`, `route.reason`...), never
//! changes, so a reader of the design's schema still reads these files.

use serde::{Deserialize, Serialize};

pub use crate::warehouse::embedding_settings::Precision;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingTable {
    pub schema_version: u32,
    pub version: String,
    pub dag_run_id: String,
    pub published_at: String,
    pub embedding: EmbeddingSpec,
    pub fallback: Fallback,
    /// A request whose two nearest routes are closer than this (cosine
    /// distance) and disagree on the target goes to the fallback.
    #[serde(default)]
    pub ambiguity_margin: f32,
    pub routes: Vec<Route>,
    pub summary: Summary,
    /// The static first stage of the decision (`routing/fast.rs`), where
    /// publish could fit one that agrees with MiniLM on the held-back calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_route: Option<FastRouteRef>,
}

/// Where the fast stage's files are in the registry, content-addressed and
/// checked by sha256 before use, and how it did on held-back calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastRouteRef {
    /// `fast/<sha256-12>/fast_router.json`: weights, mean, centroids, radii.
    pub router: FileRef,
    /// `fast/<sha256-12>/token_table.bin`: MiniLM's vocabulary embedded.
    pub token_table: FileRef,
    pub measured: crate::routing::fast::FastMeasure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    /// Below the registry root.
    pub path: String,
    pub sha256: String,
}

/// How to embed a request so that it lands where its cluster's calls did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingSpec {
    pub model: String,
    pub dim: usize,
    /// The task-text template (fields {system}, {first_user}, {last_user},
    /// {tools}, {agent}, {model}).
    pub text: String,
    /// Tokens embedded, at most (longer texts are truncated).
    pub max_tokens: usize,
    /// The arithmetic the calls were embedded in (tables written before
    /// precisions existed were f32).
    #[serde(default)]
    pub precision: Precision,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fallback {
    pub target: String,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// `c<id>`, the warehouse's cluster id with a `c` (stable across nights).
    pub cluster_id: String,
    pub label: String,
    pub centroid: Vec<f32>,
    /// Requests farther than this (cosine distance) from the centroid go to
    /// the fallback; calibrated on the eval calls.
    pub max_distance: f32,
    /// `slm` or `llm`.
    pub target: String,
    pub base_model: Option<String>,
    pub adapter: Option<AdapterRef>,
    pub eval: Option<EvalSummary>,
    /// The cluster's share of the calls it was built from.
    pub traffic_share: f64,
    /// Why this target (gate outcome), for people reading the table.
    #[serde(default)]
    pub reason: String,
    /// sha256 of the prompt prefix the adapter was trained without (its
    /// text is the adapter's `prefix.txt`): the serving side strips it from
    /// a prompt that starts with it before generating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned_prefix: Option<String>,
    /// How the SLM answers (absent in tables written before candidates
    /// were compared: a LoRA adapter). `adapter` is then the candidate's
    /// registry folder: the LoRA files, the few-shot examples
    /// (`shots.jsonl`), or only `candidate.json` for zero-shot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<RouteCandidate>,
}

/// The candidate that won a route, as publish chose it (`publish/choice.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteCandidate {
    pub kind: crate::warehouse::candidates::CandidateKind,
    /// The base model's licence (its GGUF's `general.license`).
    pub licence: String,
    /// Weights, adapter and the KV cache of a mean call.
    pub memory_mib: f64,
    /// Mean tokens read and written per call on the eval calls.
    pub tokens_per_call: f64,
    /// Training calls in the prompt (few-shot), else 0.
    #[serde(default)]
    pub shots: usize,
}

impl Route {
    pub fn is_slm(&self) -> bool {
        self.target == "slm" && self.adapter.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterRef {
    /// Below the registry root: `adapters/<cluster_id>/<sha256-12>`.
    pub path: String,
    /// sha256 of `adapter_model.safetensors` (hex).
    pub sha256: String,
    /// sha256 of every file in the folder, by name: check them all before use.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
    /// The pipeline's adapter version (dataset version and settings hash).
    #[serde(default)]
    pub version: String,
    /// The PII detector version of the data it was trained on (`2+nadgik`);
    /// absent in tables written before versions were recorded. A route whose
    /// adapter is of an older version is not published again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii_version: Option<String>,
}

impl AdapterRef {
    /// The name the adapter is served under: `<cluster>-<sha256-12>`,
    /// unique per content; the gateway asks an SLM engine for it as the
    /// `model`, and the registry's `lora_modules.json` names it so.
    pub fn served_name(&self) -> String {
        let mut parts = self.path.rsplit('/');
        match (parts.next(), parts.next()) {
            (Some(digest), Some(cluster)) => format!("{cluster}-{digest}"),
            _ => self.path.replace('/', "-"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSummary {
    pub metric: String,
    pub score: f64,
    pub base_score: f64,
    pub n: i64,
    pub threshold: f64,
    #[serde(default)]
    pub ci_low: f64,
    #[serde(default)]
    pub ci_high: f64,
    #[serde(default)]
    pub teacher_agreement: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub calls: u64,
    pub clusters: usize,
    pub slm_clusters: usize,
    /// Share of the calls that this table sends to an SLM: calls in an SLM
    /// cluster within its `max_distance`, over all calls of the window.
    pub slm_traffic_share: f64,
    #[serde(default)]
    pub cost: Option<CostSummary>,
}

/// Projected cost of the window's calls: all on their LLMs, and with this
/// table (SLM calls at the SLM price). Prices per million tokens, from the DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    pub currency: String,
    pub llm_only: f64,
    pub with_routing: f64,
    pub saving: f64,
    pub saving_share: f64,
    /// Calls whose model has no price in the DAG (left out of the figures).
    pub unpriced_calls: u64,
    /// Priced calls logged without usage, whose tokens the base model's
    /// tokenizer counted: when above 0 the figures are estimates.
    #[serde(default)]
    pub estimated_calls: u64,
}

/// `routing/current.json`: the live version. Written last by publish and by
/// rollback, in one atomic put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentPointer {
    pub schema_version: u32,
    pub version: String,
    /// Below the registry root.
    pub path: String,
    /// sha256 of the routing table file.
    pub sha256: String,
    pub updated_at: String,
    /// The version that was live before (none for the first).
    pub previous: Option<String>,
}

/// A cluster id as the routing table spells it.
pub fn route_id(cluster: i64) -> String {
    format!("c{cluster:02}")
}

/// The warehouse's cluster id back from a route id.
pub fn cluster_of(route_id: &str) -> Option<i64> {
    route_id.strip_prefix('c')?.parse().ok()
}

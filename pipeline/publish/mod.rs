//! The `publish` task: decides each cluster's route with a quality gate and
//! publishes the adapters and `routing_table.json` to the registry.
//!
//! 1. The clusters of the latest cluster run, the newest evaluation of each
//!    cluster, and the live table (`current.json`), if any;
//! 2. the candidate (`choice.rs`): of the ways evaluate tried (zero-shot,
//!    few-shot, LoRA), the cheapest that `licences_allowed` and the gate allow;
//!    the gate (`gate`): the SLM only with at least `min_eval` eval calls
//!    and a score at the metric's threshold, and never a new adapter that
//!    scores below the one already published for the cluster (that one
//!    stays);
//! 3. each SLM route's `max_distance` is calibrated on its eval calls
//!    (`calibrate`): the widest distance from the centroid within which the
//!    adapter's mean score still meets the threshold;
//! 4. the measured SLM traffic share (calls of the window that the table
//!    sends to an SLM) and the projected cost, from the calls' token counts
//!    and the DAG's prices;
//! 5. adapters (content-addressed), the table, then `current.json`, each
//!    one atomic put: a crash before the last leaves the previous version
//!    live. A table equal to the live one is not published again;
//! 6. the run's report (`report`).

pub mod choice;
mod fast;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::info;

use crate::warehouse::vectors::vectors_of;
use crate::error::{Error, Result};
use crate::warehouse::evaluations::{adapter_dir, read_evaluations, EvaluationRow};
use crate::models::peft;
use crate::models::fewshot::SHOTS_FILE;
use crate::models::prefix::PREFIX_FILE;
use crate::warehouse::candidates::{candidates_dir, read_candidates, Candidate, CandidateKind};
use crate::warehouse::pii_versions::is_stale;
use crate::routing::registry::Registry;
use crate::routing::table::*;
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::vectors::{self, VectorTable};
use crate::warehouse::{columns, Table, Warehouse};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Per million prompt tokens.
    pub input: f64,
    /// Per million completion tokens.
    pub output: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// The registry: a local folder, file:// or s3:// URL (default:
    /// `registry/` in the warehouse).
    #[serde(default)]
    pub registry: Option<String>,
    /// The score an adapter needs to take its cluster's traffic...
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// ...or, per metric (`tool_call_match`, `json_field_match`,
    /// `rouge_l`, `mixed`), this one.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    /// Eval calls an adapter needs, at least.
    #[serde(default = "default_min_eval")]
    pub min_eval: usize,
    /// A new adapter replaces the published one only if it scores at least
    /// the published score minus this.
    #[serde(default)]
    pub regression_tolerance: f64,
    /// See `routing_table.json`'s `ambiguity_margin`.
    #[serde(default = "default_ambiguity_margin")]
    pub ambiguity_margin: f32,
    /// The fallback LLM (default: the model of most calls in the window).
    #[serde(default)]
    pub fallback_model: Option<String>,
    /// LLM prices by model name, per million tokens.
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
    /// What a token costs on the SLM (serving cost; default 0).
    #[serde(default = "default_slm_price")]
    pub slm_price: Price,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The model whose tokenizer counts the tokens of calls logged without
    /// usage (the figures built on them are marked as estimated).
    #[serde(default = "default_tokenizer")]
    pub tokenizer: String,
    /// Licences a route's base model may have (`apache-2.0`, `gemma`...);
    /// a candidate under any other is never published. Default: any.
    #[serde(default)]
    pub licences_allowed: Option<Vec<String>>,
    /// Fit the fast routing stage (`routing/fast.rs`) with each new version.
    #[serde(default = "default_true")]
    pub fast_route: bool,
    /// The share of held-back calls whose static decision must equal
    /// MiniLM's for the fast stage to be published.
    #[serde(default = "default_fast_route_agreement")]
    pub fast_route_agreement: f64,
}

fn default_true() -> bool {
    true
}
fn default_fast_route_agreement() -> f64 {
    0.99
}

fn default_tokenizer() -> String {
    crate::models::smollm::MODEL_NAME.into()
}

fn default_threshold() -> f64 {
    0.8
}
fn default_min_eval() -> usize {
    20
}
fn default_ambiguity_margin() -> f32 {
    0.02
}
fn default_slm_price() -> Price {
    Price { input: 0.0, output: 0.0 }
}
fn default_currency() -> String {
    "USD".into()
}

impl PublishConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        if !unit(self.threshold) || !self.thresholds.values().all(|v| unit(*v)) {
            return Err("thresholds are scores between 0 and 1".into());
        }
        for metric in self.thresholds.keys() {
            if !["tool_call_match", "json_field_match", "rouge_l", "mixed"].contains(&metric.as_str()) {
                return Err(format!("unknown metric `{metric}` in `thresholds`"));
            }
        }
        if self.min_eval == 0 || !(0.0..1.0).contains(&self.ambiguity_margin) || self.regression_tolerance < 0.0 {
            return Err("`min_eval` must be at least 1, `ambiguity_margin` in [0, 1), `regression_tolerance` ≥ 0".into());
        }
        if !(self.fast_route_agreement > 0.0 && self.fast_route_agreement <= 1.0) {
            return Err("`fast_route_agreement` is a share in (0, 1]".into());
        }
        if self.licences_allowed.as_ref().is_some_and(|l| l.is_empty() || l.iter().any(|x| x.trim().is_empty())) {
            return Err("`licences_allowed` lists licences (`apache-2.0`, ...); leave it out to allow any".into());
        }
        let bad = |p: &Price| !(p.input >= 0.0 && p.output >= 0.0);
        if self.prices.values().any(bad) || bad(&self.slm_price) {
            return Err("prices cannot be negative".into());
        }
        Ok(())
    }

    pub fn threshold_of(&self, metric: &str) -> f64 {
        self.thresholds.get(metric).copied().unwrap_or(self.threshold)
    }
}

pub struct PublishTask {
    config: PublishConfig,
}

impl PublishTask {
    pub fn new(config: PublishConfig) -> std::result::Result<Self, String> {
        config.check()?;
        Ok(Self { config })
    }
}

/// What the gate decided for one cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum GateOutcome {
    /// The new adapter takes the traffic.
    New,
    /// The published adapter stays (the new one is worse, or there is none).
    KeepPublished(String),
    /// The LLM keeps the traffic.
    Llm(String),
}

/// An evaluation as the gate sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub score: f64,
    pub n: usize,
    pub threshold: f64,
}

/// The quality gate. `published` is the live route's evaluation when it
/// sends the cluster to an SLM.
pub fn gate(new: Option<Scores>, published: Option<Scores>, min_eval: usize, tolerance: f64) -> GateOutcome {
    let passes = |s: &Scores| s.n >= min_eval && s.score >= s.threshold;
    if let Some(old) = published.filter(passes) {
        match new {
            None => return GateOutcome::KeepPublished("no new evaluation; the published adapter stays".into()),
            Some(n) if n.score < old.score - tolerance => {
                return GateOutcome::KeepPublished(format!(
                    "regression: the new adapter scores {:.3} < the published {:.3}; the published adapter stays",
                    n.score, old.score
                ))
            }
            _ => {}
        }
    }
    match new {
        None => GateOutcome::Llm("no evaluated adapter".into()),
        Some(n) if n.n < min_eval => GateOutcome::Llm(format!("{} eval calls < min_eval {min_eval}", n.n)),
        Some(n) if n.score < n.threshold => {
            GateOutcome::Llm(format!("score {:.3} < threshold {:.3}", n.score, n.threshold))
        }
        Some(_) => GateOutcome::New,
    }
}

/// The route's `max_distance`: eval calls sorted by distance from the
/// centroid, the farthest one such that the calls up to it (at least
/// `min_eval` of them) still average `threshold`; never past `radius`.
/// None when no such prefix exists.
pub fn calibrate(mut calls: Vec<(f32, f64)>, threshold: f64, min_eval: usize, radius: f32) -> Option<f32> {
    calls.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut sum = 0.0;
    let mut best = None;
    for (i, (distance, score)) in calls.iter().enumerate() {
        sum += score;
        let k = i + 1;
        if k >= min_eval && sum / k as f64 >= threshold {
            best = Some(*distance);
        }
    }
    best.map(|d| d.min(radius))
}

/// A cluster of the latest cluster run.
struct ClusterInfo {
    id: i64,
    label: String,
    centroid: Vec<f32>,
    radius: f32,
    share: f64,
}

/// A call of the clustering window: its cluster, distance, model and tokens.
struct CallRow {
    cluster: Option<i64>,
    distance: f32,
    model: String,
    prompt_tokens: i64,
    completion_tokens: i64,
    /// The log had no usage: the counts are the tokenizer's.
    estimated: bool,
}

#[async_trait]
impl Task for PublishTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let cfg = &self.config;
        let wh = &ctx.warehouse;
        let registry = Registry::of_warehouse(wh, cfg.registry.as_deref())?;
        let settings = crate::warehouse::embedding_settings::read_settings(wh).await?;
        let (cluster_run, clusters) = latest_clusters(wh).await?;
        let calls = window_calls(wh, &cluster_run, &cfg.tokenizer).await?;
        let evaluations = newest_evaluations(wh).await?;
        // Adapters trained on data from older PII detectors may have learnt
        // names that today's detectors remove: they are never published.
        let pii_of_adapter = crate::warehouse::pii_versions::adapter_versions(wh).await?;
        let stale_note = |v: Option<&str>| {
            format!(
                "adapter trained on data of PII detectors {} (now {}): not published; the next run rebuilds its dataset",
                v.unwrap_or("of unknown version"),
                slm_pii::VERSION
            )
        };
        let live = registry.live().await?;
        let published: HashMap<String, Route> =
            live.as_ref().map(|(_, t)| t.routes.iter().map(|r| (r.cluster_id.clone(), r.clone())).collect()).unwrap_or_default();

        // Adapters the gateway's shadow checks took off their routes stay off.
        let demoted: HashMap<String, crate::routing::registry::Demotion> =
            registry.demotions().await?.into_iter().map(|d| (d.adapter.clone(), d)).collect();

        let mut routes = Vec::new();
        let mut uploaded = 0;
        for cluster in &clusters {
            let id = route_id(cluster.id);
            let new = evaluations.get(&cluster.id);
            let old = published.get(&id).filter(|r| r.is_slm());
            let scores = |metric: &str, score: f64, n: i64| Scores { score, n: n.max(0) as usize, threshold: cfg.threshold_of(metric) };
            let choice = match new {
                Some(e) => {
                    let candidates = candidates_of(wh, e).await?;
                    Some(choice::choose(&candidates, cfg.licences_allowed.as_deref(), &|m| cfg.threshold_of(m), cfg.min_eval))
                }
                None => None,
            };
            let winner = choice.as_ref().and_then(|c| c.candidate.clone());
            let outcome = gate(
                winner.as_ref().map(|w| scores(&w.metric, w.score, w.n)),
                old.and_then(|r| r.eval.as_ref()).map(|e| scores(&e.metric, e.score, e.n)),
                cfg.min_eval,
                cfg.regression_tolerance,
            );
            let pii_version = match &outcome {
                GateOutcome::New => new.and_then(|e| pii_of_adapter.get(&e.adapter_version).cloned().flatten()),
                GateOutcome::KeepPublished(_) => old.and_then(|r| r.adapter.as_ref()).and_then(|a| a.pii_version.clone()),
                GateOutcome::Llm(_) => None,
            };
            let outcome = match outcome {
                GateOutcome::New | GateOutcome::KeepPublished(_) if is_stale(pii_version.as_deref()) => {
                    GateOutcome::Llm(stale_note(pii_version.as_deref()))
                }
                // The published route's base is no longer under an allowed licence.
                GateOutcome::KeepPublished(_)
                    if !choice::licence_allowed(&published_licence(old), cfg.licences_allowed.as_deref()) =>
                {
                    GateOutcome::Llm(format!("the published route's licence `{}` is not in licences_allowed", published_licence(old)))
                }
                // The licences allow no candidate: the gate saw none, say why.
                GateOutcome::Llm(_) if new.is_some() && winner.is_none() => {
                    GateOutcome::Llm(choice.as_ref().map(|c| c.note.clone()).unwrap_or_default())
                }
                GateOutcome::Llm(reason) => match &choice {
                    Some(c) if winner.is_some() => GateOutcome::Llm(format!("{reason}; {}", c.note)),
                    _ => GateOutcome::Llm(reason),
                },
                outcome => outcome,
            };
            let mut route = Route {
                cluster_id: id.clone(),
                label: cluster.label.clone(),
                centroid: cluster.centroid.clone(),
                max_distance: cluster.radius,
                target: "llm".into(),
                base_model: None,
                adapter: None,
                eval: new.map(|e| eval_summary(e, winner.as_ref(), cfg.threshold_of(&e.metric))),
                traffic_share: cluster.share,
                reason: String::new(),
                pruned_prefix: None,
                candidate: None,
            };
            match outcome {
                GateOutcome::Llm(reason) => route.reason = reason,
                GateOutcome::KeepPublished(reason) => {
                    let old = old.expect("KeepPublished needs a published route");
                    route.target = "slm".into();
                    route.base_model = old.base_model.clone();
                    route.adapter = old.adapter.clone();
                    route.eval = old.eval.clone();
                    route.pruned_prefix = old.pruned_prefix.clone();
                    route.candidate = old.candidate.clone();
                    route.max_distance = old.max_distance;
                    route.reason = reason;
                }
                GateOutcome::New => {
                    let e = new.expect("New needs an evaluation");
                    let w = winner.as_ref().expect("New needs a candidate");
                    let threshold = cfg.threshold_of(&w.metric);
                    let examples = eval_distances(wh, e, w.kind, &cluster.centroid).await?;
                    match calibrate(examples, threshold, cfg.min_eval, cluster.radius) {
                        None => route.reason = format!("{}: no distance at which the eval calls meet the threshold", w.kind.name()),
                        Some(max_distance) => {
                            let (mut adapter, base_model, prefix) = match w.kind {
                                CandidateKind::Lora => upload_adapter(wh, &registry, e).await?,
                                _ => (upload_untrained(wh, &registry, e, w).await?, w.base_model.clone(), None),
                            };
                            route.pruned_prefix = prefix;
                            adapter.pii_version = pii_version.clone();
                            uploaded += 1;
                            route.target = "slm".into();
                            route.base_model = Some(base_model);
                            route.adapter = Some(adapter);
                            route.candidate = Some(route_candidate(w));
                            route.max_distance = max_distance;
                            route.reason = format!(
                                "score {:.3} ≥ threshold {threshold:.3} on {} eval calls; {}",
                                w.score,
                                w.n,
                                choice.as_ref().map(|c| c.note.as_str()).unwrap_or_default()
                            );
                        }
                    }
                }
            }
            if let Some(d) = route.adapter.as_ref().and_then(|a| demoted.get(&a.served_name())) {
                route.reason = format!(
                    "adapter {} demoted by the gateway on {}: online {} {:.3} < gate {:.3} over {} shadow calls",
                    d.adapter, d.at, d.metric, d.score, d.gate, d.calls
                );
                route.target = "llm".into();
                route.base_model = None;
                route.adapter = None;
                route.pruned_prefix = None;
                route.candidate = None;
            }
            routes.push(route);
        }
        crate::crash::kill_point("publish:adapters");

        let summary = summarize(&routes, &calls, cfg);
        let fallback_model = cfg.fallback_model.clone().unwrap_or_else(|| most_common_model(&calls));
        let now = chrono::Utc::now();
        let mut table = RoutingTable {
            schema_version: SCHEMA_VERSION,
            version: String::new(),
            dag_run_id: ctx.run_id.clone(),
            published_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            embedding: EmbeddingSpec { model: settings.hf_name, dim: settings.dim, text: settings.template, max_tokens: settings.max_tokens, precision: settings.precision },
            fallback: Fallback { target: "llm".into(), model: fallback_model },
            ambiguity_margin: cfg.ambiguity_margin,
            routes,
            summary,
            fast_route: None,
        };
        // The name digests the whole table, so two publishes in one second
        // with any difference (a margin, a run) get different versions.
        let digest = crate::hashing::sha256_hex(&serde_json::to_vec(&table).expect("JSON"));
        table.version = format!("{}-{}", now.format("%Y-%m-%dT%H%M%SZ"), &digest[..6]);

        // Unchanged since the live version: nothing to publish.
        // The live table went through JSON, whose float parsing may differ in
        // the last bit: compare against this table after the same trip.
        let as_read: RoutingTable = serde_json::from_slice(&serde_json::to_vec(&table).expect("JSON")).expect("own JSON");
        let unchanged = live.as_ref().is_some_and(|(_, t)| same_routing(t, &as_read));
        let previous = live.as_ref().map(|(_, t)| t.clone());
        if unchanged {
            let (pointer, live_table) = live.expect("unchanged implies live");
            table = live_table;
            info!(task = %ctx.task_id, version = %pointer.version, "Routing unchanged; the live version stays.");
        } else {
            if cfg.fast_route {
                table.fast_route =
                    fast::publish_fast_route(wh, &registry, &table, &settings.model, cfg.fast_route_agreement, ctx.progress).await?;
            }
            registry.write_table(&table).await?;
            registry.write_serving_files(&table).await?;
            crate::crash::kill_point("publish:table");
            registry.activate(&table.version).await?;
            crate::crash::kill_point("publish:current");
            info!(task = %ctx.task_id, version = %table.version, slm = table.summary.slm_clusters,
                  share = table.summary.slm_traffic_share, "Routing table published.");
        }

        let report = crate::report::write(wh, &ctx.run_id, &table, previous.as_ref().filter(|_| !unchanged), &registry).await?;
        let s = &table.summary;
        let mut lines = vec![format!(
            "{}: {} of {} clusters to the SLM, {:.1}% of calls (measured)",
            if unchanged { format!("version {} unchanged", table.version) } else { format!("published {}", table.version) },
            s.slm_clusters,
            s.clusters,
            s.slm_traffic_share * 100.0
        )];
        if let Some(c) = &s.cost {
            lines.push(format!(
                "projected cost {:.2} -> {:.2} {} ({:.1}% saved; {} calls without a price){}",
                c.llm_only,
                c.with_routing,
                c.currency,
                c.saving_share * 100.0,
                c.unpriced_calls,
                match c.estimated_calls {
                    0 => String::new(),
                    n => format!("; estimated: {n} calls logged without usage, counted with the {} tokenizer", cfg.tokenizer),
                }
            ));
        }
        if let Some(f) = &table.fast_route {
            let m = f.measured;
            lines.push(format!(
                "fast routing stage: {:.1}% of {} held-back calls decided without MiniLM, {:.2}% of those as MiniLM decides them ({:.2}% overall)",
                m.decided * 100.0,
                m.held_back,
                m.agreement * 100.0,
                m.cascade_agreement * 100.0
            ));
        }
        lines.push(format!("report: {}", report));
        Ok(TaskOutput {
            rows_in: s.calls,
            rows_out: table.routes.len() as u64,
            details: json!({
                "version": table.version,
                "unchanged": unchanged,
                "adapters_uploaded": uploaded,
                "registry": registry.location().display_url(),
                "summary": lines,
                "routes": table.routes.iter().map(|r| json!({"cluster": r.cluster_id, "target": r.target, "reason": r.reason})).collect::<Vec<_>>(),
            }),
        })
    }
}

/// The evaluation of the candidate the gate judged (the adapter's when
/// none was: an evaluation written before candidates were compared).
fn eval_summary(e: &EvaluationRow, winner: Option<&Candidate>, threshold: f64) -> EvalSummary {
    let mut summary = EvalSummary {
        metric: e.metric.clone(),
        score: e.score,
        base_score: e.base_score,
        n: e.n,
        threshold,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        teacher_agreement: e.teacher_agreement,
    };
    if let Some(w) = winner.filter(|w| w.kind != CandidateKind::Lora) {
        (summary.score, summary.ci_low, summary.ci_high, summary.n) = (w.score, w.ci_low, w.ci_high, w.n);
    }
    summary
}

/// The candidates evaluate scored for an evaluation; for one written before
/// candidates were compared, its adapter alone (of unknown licence).
async fn candidates_of(wh: &Warehouse, e: &EvaluationRow) -> Result<Vec<Candidate>> {
    let found = read_candidates(wh, e.cluster_id, &e.evaluation_id).await?;
    if !found.is_empty() {
        return Ok(found);
    }
    Ok(vec![Candidate {
        evaluation_id: e.evaluation_id.clone(),
        cluster_id: e.cluster_id,
        kind: CandidateKind::Lora,
        base_model: String::new(),
        licence: crate::models::smollm::UNKNOWN_LICENCE.into(),
        metric: e.metric.clone(),
        score: e.score,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        n: e.n,
        shots: 0,
        prompt_tokens: 0.0,
        answer_tokens: 0.0,
        memory_mib: 0.0,
        cost: 0.0,
    }])
}

/// The licence of a published route's base (unknown before candidates were recorded).
fn published_licence(route: Option<&Route>) -> String {
    route
        .and_then(|r| r.candidate.as_ref())
        .map_or_else(|| crate::models::smollm::UNKNOWN_LICENCE.to_string(), |c| c.licence.clone())
}

fn route_candidate(c: &Candidate) -> RouteCandidate {
    RouteCandidate {
        kind: c.kind,
        licence: c.licence.clone(),
        memory_mib: c.memory_mib,
        tokens_per_call: c.prompt_tokens + c.answer_tokens,
        shots: c.shots.max(0) as usize,
    }
}

/// The registry folder of a route that needs no adapter: `candidate.json`
/// (what it is), and the few-shot examples when it shows some.
async fn upload_untrained(wh: &Warehouse, registry: &Registry, e: &EvaluationRow, c: &Candidate) -> Result<AdapterRef> {
    const CANDIDATE_FILE: &str = "candidate.json";
    let about = json!({"kind": c.kind, "base_model": c.base_model, "licence": c.licence, "shots": c.shots,
                       "evaluation_id": c.evaluation_id, "score": c.score, "n": c.n});
    let mut files = vec![(CANDIDATE_FILE, serde_json::to_vec_pretty(&about).expect("JSON"))];
    let main = match c.kind {
        CandidateKind::FewShot => {
            let root = wh.root();
            let key = root.key(&format!("{}/{SHOTS_FILE}", candidates_dir(e.cluster_id, &e.evaluation_id)))?;
            files.push((SHOTS_FILE, root.get(&key).await?.to_vec()));
            SHOTS_FILE
        }
        _ => CANDIDATE_FILE,
    };
    registry.put_folder(e.cluster_id, &format!("{}-{}", e.adapter_version, c.kind.name()), &files, main).await
}

/// Two tables route the same way (everything but version, time and run).
fn same_routing(a: &RoutingTable, b: &RoutingTable) -> bool {
    a.embedding == b.embedding && a.fallback == b.fallback && a.ambiguity_margin == b.ambiguity_margin && a.routes == b.routes
}

async fn latest_clusters(wh: &Warehouse) -> Result<(String, Vec<ClusterInfo>)> {
    let ctx = crate::warehouse::session::warehouse_session(wh, None).await?;
    if !ctx.table_exist("clusters").unwrap_or(false) {
        return Err(Error::NotFound("no clusters table: run a cluster task first".into()));
    }
    let sql = "SELECT run_id, cluster_id, label, centroid, radius, share FROM clusters \
               WHERE run_id = (SELECT run_id FROM clusters ORDER BY date DESC, run_id DESC LIMIT 1) ORDER BY cluster_id";
    let (_, batches) = crate::warehouse::session::query(&ctx, sql).await?;
    let mut run = String::new();
    let mut out = Vec::new();
    for batch in &batches {
        let t = "clusters";
        let runs = columns::strings(batch, "run_id", t)?;
        let ids = columns::i64s(batch, "cluster_id", t)?;
        let labels = columns::strings(batch, "label", t)?;
        let centroids = vectors_of(batch, "centroid")?;
        let radius = batch
            .column_by_name("radius")
            .and_then(|c| c.as_any().downcast_ref::<arrow::array::Float32Array>())
            .ok_or_else(|| Error::Contract { table: t.into(), message: "`radius` is not float32".into() })?;
        let share = columns::f64s(batch, "share", t)?;
        for row in 0..batch.num_rows() {
            run = runs.value(row).to_string();
            out.push(ClusterInfo {
                id: ids.value(row),
                label: labels.value(row).to_string(),
                centroid: centroids[row].clone(),
                radius: radius.value(row),
                share: share.value(row),
            });
        }
    }
    if out.is_empty() {
        return Err(Error::NotFound("the clusters table is empty: run a cluster task first".into()));
    }
    Ok((run, out))
}

async fn window_calls(wh: &Warehouse, cluster_run: &str, tokenizer: &str) -> Result<Vec<CallRow>> {
    let ctx = crate::warehouse::session::warehouse_session(wh, None).await?;
    // The texts only of the calls whose log has no usage: they are counted.
    let missing = "(c.prompt_tokens IS NULL OR c.completion_tokens IS NULL)";
    let sql = format!(
        "SELECT a.cluster_id, a.distance, COALESCE(c.model, '') AS model, c.prompt_tokens, c.completion_tokens, \
         CASE WHEN {missing} THEN c.messages END AS messages, CASE WHEN {missing} THEN c.tools END AS tools, \
         CASE WHEN {missing} THEN c.response_content END AS response_content, \
         CASE WHEN {missing} THEN c.response_tool_calls END AS response_tool_calls \
         FROM cluster_assignments a JOIN calls c ON a.call_id = c.call_id WHERE a.run_id = '{}' \
         ORDER BY a.call_id",
        cluster_run.replace('\'', "''")
    );
    // In call order, so that sums (the cost) are the same on every run.
    let (_, batches) = crate::warehouse::session::query(&ctx, &sql).await?;
    let mut estimator: Option<crate::models::tokens::TokenEstimator> = None;
    let mut out = Vec::new();
    for batch in &batches {
        use arrow::array::Array;
        let t = "cluster_assignments";
        let cluster = columns::i64s(batch, "cluster_id", t)?;
        let distance = batch
            .column_by_name("distance")
            .and_then(|c| c.as_any().downcast_ref::<arrow::array::Float32Array>())
            .ok_or_else(|| Error::Contract { table: t.into(), message: "`distance` is not float32".into() })?;
        let model = columns::strings(batch, "model", t)?;
        let prompt = columns::i64s(batch, "prompt_tokens", t)?;
        let completion = columns::i64s(batch, "completion_tokens", t)?;
        let messages = batch
            .column_by_name("messages")
            .and_then(|c| c.as_any().downcast_ref::<arrow::array::ListArray>())
            .ok_or_else(|| Error::Contract { table: "calls".into(), message: "`messages` is not a list".into() })?;
        let (tools, content, tool_calls) = (
            columns::strings(batch, "tools", "calls")?,
            columns::strings(batch, "response_content", "calls")?,
            columns::strings(batch, "response_tool_calls", "calls")?,
        );
        fn text(a: &arrow::array::StringArray, row: usize) -> Option<&str> {
            (!a.is_null(row)).then(|| a.value(row))
        }
        for row in 0..batch.num_rows() {
            let estimated = prompt.is_null(row) || completion.is_null(row);
            let (mut prompt_tokens, mut completion_tokens) = (prompt.value(row), completion.value(row));
            if estimated {
                if estimator.is_none() {
                    estimator = Some(crate::models::tokens::TokenEstimator::load(tokenizer)?);
                }
                let e = estimator.as_ref().expect("loaded above");
                if prompt.is_null(row) {
                    prompt_tokens = match messages.is_null(row) {
                        true => 0,
                        false => {
                            let list = messages.value(row);
                            let structs = list.as_any().downcast_ref::<arrow::array::StructArray>().ok_or_else(|| {
                                Error::Contract { table: "calls".into(), message: "`messages` items are not structs".into() }
                            })?;
                            e.prompt_tokens(structs, text(tools, row)) as i64
                        }
                    };
                }
                if completion.is_null(row) {
                    completion_tokens = e.completion_tokens(text(content, row), text(tool_calls, row)) as i64;
                }
            }
            out.push(CallRow {
                cluster: (!cluster.is_null(row)).then(|| cluster.value(row)),
                distance: distance.value(row),
                model: model.value(row).to_string(),
                prompt_tokens,
                completion_tokens,
                estimated,
            });
        }
    }
    Ok(out)
}

/// The newest evaluation of each cluster.
async fn newest_evaluations(wh: &Warehouse) -> Result<BTreeMap<i64, EvaluationRow>> {
    let mut newest: BTreeMap<i64, EvaluationRow> = BTreeMap::new();
    for row in read_evaluations(wh, Table::Evaluations.dir()).await? {
        if newest.get(&row.cluster_id).is_none_or(|n| row.created_at > n.created_at) {
            newest.insert(row.cluster_id, row);
        }
    }
    Ok(newest)
}

/// (distance from `centroid`, the candidate's score) of each eval call of an evaluation.
async fn eval_distances(wh: &Warehouse, e: &EvaluationRow, kind: CandidateKind, centroid: &[f32]) -> Result<Vec<(f32, f64)>> {
    let rel = format!("{}/cluster={}/evaluation={}", Table::EvaluationExamples.dir(), e.cluster_id, e.evaluation_id);
    let mut scores: HashMap<String, f64> = HashMap::new();
    for batch in wh.read_parquet_dir(&rel).await? {
        let t = Table::EvaluationExamples.name();
        let ids = columns::strings(&batch, "call_id", t)?;
        let s = columns::f64s(&batch, kind.score_column(), t)?;
        for row in 0..batch.num_rows() {
            if !arrow::array::Array::is_null(s, row) {
                scores.insert(ids.value(row).to_string(), s.value(row));
            }
        }
    }
    if scores.is_empty() {
        return Ok(Vec::new());
    }
    let db = vectors::connect(wh).await?;
    let table = vectors::open(&db, VectorTable::CallEmbeddings)
        .await?
        .ok_or_else(|| Error::NotFound("no call_embeddings table".into()))?;
    let list: Vec<String> = scores.keys().map(|k| format!("'{}'", k.replace('\'', "''"))).collect();
    let filter = format!("call_id IN ({})", list.join(", "));
    let mut out = Vec::new();
    for batch in vectors::scan(&table, &["call_id", "vector"], Some(&filter)).await? {
        let ids = columns::strings(&batch, "call_id", "call_embeddings")?;
        for (row, v) in vectors_of(&batch, "vector")?.iter().enumerate() {
            if let Some(score) = scores.get(ids.value(row)) {
                out.push((crate::vecmath::cosine_distance(v, centroid), *score));
            }
        }
    }
    Ok(out)
}

/// Copies an adapter's files from the warehouse into the registry, with
/// the prompt prefix its dataset was pruned of (and that prefix's sha256).
async fn upload_adapter(wh: &Warehouse, registry: &Registry, e: &EvaluationRow) -> Result<(AdapterRef, String, Option<String>)> {
    let root = wh.root();
    let dir = adapter_dir(e.cluster_id, &e.adapter_version);
    let mut files = Vec::new();
    for name in [peft::CONFIG_FILE, peft::WEIGHTS_FILE, "metrics.json"] {
        files.push((name, root.get(&root.key(&format!("{dir}/{name}"))?).await?.to_vec()));
    }
    // The dataset it was trained on, as its metrics name it.
    let metrics: serde_json::Value = serde_json::from_slice(&files[2].1).unwrap_or_default();
    let dataset_version = metrics["dataset_version"].as_str().unwrap_or_default();
    let prefix_key = root.key(&format!("{}/cluster={}/version={dataset_version}/{PREFIX_FILE}", Table::Datasets.dir(), e.cluster_id))?;
    let mut prefix = None;
    if root.object_exists(&prefix_key).await? {
        let bytes = root.get(&prefix_key).await?.to_vec();
        prefix = Some(crate::hashing::sha256_hex(String::from_utf8_lossy(&bytes).as_bytes()));
        files.push((PREFIX_FILE, bytes));
    }
    let config: peft::AdapterConfig = serde_json::from_slice(&files[0].1)
        .map_err(|err| Error::model(format!("{dir}/{}", peft::CONFIG_FILE), err))?;
    let adapter = registry.put_adapter(e.cluster_id, &e.adapter_version, &files).await?;
    Ok((adapter, config.base_model_name_or_path, prefix))
}

fn most_common_model(calls: &[CallRow]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in calls.iter().filter(|c| !c.model.is_empty()) {
        *counts.entry(c.model.as_str()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(m, n)| (*n, std::cmp::Reverse(*m))).map_or_else(|| "llm".into(), |(m, _)| m.to_string())
}

/// Measured SLM share and projected cost over the window's calls.
fn summarize(routes: &[Route], calls: &[CallRow], cfg: &PublishConfig) -> Summary {
    let by_cluster: HashMap<i64, &Route> = routes.iter().filter_map(|r| cluster_of(&r.cluster_id).map(|c| (c, r))).collect();
    let to_slm = |c: &CallRow| c.cluster.and_then(|id| by_cluster.get(&id)).is_some_and(|r| r.is_slm() && c.distance <= r.max_distance);
    let slm_calls = calls.iter().filter(|c| to_slm(c)).count();
    let cost = (!cfg.prices.is_empty()).then(|| {
        let (mut llm_only, mut with_routing, mut unpriced, mut estimated) = (0.0, 0.0, 0u64, 0u64);
        for c in calls {
            let Some(p) = cfg.prices.get(&c.model) else {
                unpriced += 1;
                continue;
            };
            estimated += c.estimated as u64;
            let price = |p: &Price| (c.prompt_tokens as f64 * p.input + c.completion_tokens as f64 * p.output) / 1e6;
            llm_only += price(p);
            with_routing += if to_slm(c) { price(&cfg.slm_price) } else { price(p) };
        }
        CostSummary {
            currency: cfg.currency.clone(),
            llm_only,
            with_routing,
            saving: llm_only - with_routing,
            saving_share: if llm_only > 0.0 { (llm_only - with_routing) / llm_only } else { 0.0 },
            unpriced_calls: unpriced,
            estimated_calls: estimated,
        }
    });
    Summary {
        calls: calls.len() as u64,
        clusters: routes.len(),
        slm_clusters: routes.iter().filter(|r| r.is_slm()).count(),
        slm_traffic_share: if calls.is_empty() { 0.0 } else { slm_calls as f64 / calls.len() as f64 },
        cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(score: f64, n: usize) -> Scores {
        Scores { score, n, threshold: 0.8 }
    }

    #[test]
    fn the_gate_passes_fails_and_refuses_regressions() {
        assert_eq!(gate(Some(s(0.9, 30)), None, 20, 0.0), GateOutcome::New);
        assert!(matches!(gate(Some(s(0.7, 30)), None, 20, 0.0), GateOutcome::Llm(r) if r.contains("threshold")));
        assert!(matches!(gate(Some(s(0.95, 10)), None, 20, 0.0), GateOutcome::Llm(r) if r.contains("min_eval")));
        assert!(matches!(gate(None, None, 20, 0.0), GateOutcome::Llm(_)));
        // Better than the published adapter: the new one.
        assert_eq!(gate(Some(s(0.93, 30)), Some(s(0.9, 30)), 20, 0.0), GateOutcome::New);
        // Worse than the published one, even if above the threshold: the published one stays.
        assert!(matches!(gate(Some(s(0.85, 30)), Some(s(0.9, 30)), 20, 0.0), GateOutcome::KeepPublished(r) if r.contains("regression")));
        // ...unless within the tolerance.
        assert_eq!(gate(Some(s(0.88, 30)), Some(s(0.9, 30)), 20, 0.05), GateOutcome::New);
        // A new adapter below the threshold does not take a cluster that has a good one.
        assert!(matches!(gate(Some(s(0.5, 30)), Some(s(0.9, 30)), 20, 0.0), GateOutcome::KeepPublished(_)));
        // A published adapter that no longer passes (threshold raised) does not keep the cluster.
        let strict = Scores { score: 0.9, n: 30, threshold: 0.95 };
        assert!(matches!(gate(Some(Scores { threshold: 0.95, ..s(0.5, 30) }), Some(strict), 20, 0.0), GateOutcome::Llm(_)));
    }

    #[test]
    fn max_distance_is_where_the_adapter_stops_being_good_enough() {
        // Good near the centroid, bad far from it.
        let calls = vec![(0.05, 1.0), (0.10, 1.0), (0.15, 1.0), (0.20, 0.8), (0.30, 0.0), (0.40, 0.0), (0.50, 0.0)];
        // Means by prefix: 1, 1, 1, .95, .76, .63, .54 → the last ≥ 0.8 is at 0.20.
        assert_eq!(calibrate(calls.clone(), 0.8, 2, 1.0), Some(0.20));
        assert_eq!(calibrate(calls.clone(), 0.5, 2, 1.0), Some(0.50));
        assert_eq!(calibrate(calls.clone(), 0.5, 2, 0.35), Some(0.35), "never past the cluster's radius");
        assert_eq!(calibrate(calls.clone(), 0.8, 5, 1.0), None, "no prefix of 5 calls meets 0.8");
        assert_eq!(calibrate(vec![], 0.8, 1, 1.0), None);
    }

    #[test]
    fn share_and_cost_count_calls_within_reach_of_slm_routes() {
        let route = |id: i64, slm: bool| Route {
            cluster_id: route_id(id),
            label: String::new(),
            centroid: vec![],
            max_distance: 0.3,
            target: if slm { "slm" } else { "llm" }.into(),
            base_model: None,
            adapter: slm.then(|| AdapterRef { path: "adapters/c01/x".into(), sha256: "x".into(), files: Default::default(), version: String::new(), pii_version: None }),
            eval: None,
            traffic_share: 0.0,
            reason: String::new(),
            pruned_prefix: None,
            candidate: None,
        };
        let call = |cluster: Option<i64>, distance: f32, model: &str| CallRow {
            cluster,
            distance,
            model: model.into(),
            prompt_tokens: 1_000_000,
            completion_tokens: 100_000,
            estimated: cluster == Some(2),
        };
        let calls = vec![
            call(Some(1), 0.1, "gpt-4o"),
            call(Some(1), 0.5, "gpt-4o"), // beyond max_distance
            call(Some(2), 0.1, "gpt-4o"), // LLM route
            call(None, 0.9, "other"),     // no cluster, no price
        ];
        let mut cfg: PublishConfig = serde_json::from_value(json!({"prices": {"gpt-4o": {"input": 2.5, "output": 10.0}}})).unwrap();
        cfg.slm_price = Price { input: 0.1, output: 0.2 };
        let summary = summarize(&[route(1, true), route(2, false)], &calls, &cfg);
        assert_eq!((summary.calls, summary.slm_clusters), (4, 1));
        assert_eq!(summary.slm_traffic_share, 0.25);
        let cost = summary.cost.unwrap();
        // Each gpt-4o call costs 2.5 + 1.0 = 3.5; on the SLM 0.1 + 0.02 = 0.12.
        assert!((cost.llm_only - 10.5).abs() < 1e-9 && (cost.with_routing - 7.12).abs() < 1e-9, "{cost:?}");
        assert_eq!(cost.unpriced_calls, 1);
        assert_eq!(cost.estimated_calls, 1, "the call logged without usage is priced, and marked");
        assert_eq!(most_common_model(&calls), "gpt-4o");
    }
}

//! The `cluster` task: finds, without labels, the recurring task types in the
//! embedded calls of a window of days, and keeps their ids stable from night
//! to night.
//!
//! 1. k-means++ (k chosen by silhouette, or fixed) or HDBSCAN on the
//!    embeddings of the window (`kmeans.rs`, `hdbscan.rs`);
//! 2. a radius per cluster (a robust outlier rule on the members' distances):
//!    a call farther than that from every centroid stays unassigned, and will
//!    be routed to the LLM;
//! 3. tonight's clusters matched to the previous run's (`matching.rs`): only a
//!    genuinely new task type gets a new id;
//! 4. a label from the most distinctive terms (c-TF-IDF, `labels.rs`), a few
//!    representative anonymized examples, statistics from `calls`;
//! 5. the Lance tables `clusters` and `cluster_assignments`, and a picture.
//!
//! Optional scoring against ground-truth labels (the demo corpus has them):
//! the labels are read after clustering and only to print ARI and NMI.

pub mod hdbscan;
pub mod kmeans;
pub mod labels;
pub mod matching;
pub mod plot;
pub mod quality;
pub mod report;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float32Array, Float64Array, Int64Array, ListBuilder, RecordBatch,
    RecordBatchIterator, StringArray, StringBuilder,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use tracing::{info, warn};

use crate::warehouse::tables::date_filter;
use crate::warehouse::vectors::{vector_array, vectors_of};
use crate::error::{Error, Result};
use crate::task::{Task, TaskContext, TaskOutput};
use crate::warehouse::vectors::{self, VectorTable};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Kmeans,
    Hdbscan,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Kmeans => "kmeans",
            Method::Hdbscan => "hdbscan",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    #[serde(default)]
    pub method: Method,
    /// k-means: a fixed number of clusters; absent, k is chosen by silhouette
    /// between `k_min` and `k_max`.
    #[serde(default)]
    pub k: Option<usize>,
    #[serde(default = "default_k_min")]
    pub k_min: usize,
    #[serde(default = "default_k_max")]
    pub k_max: usize,
    /// HDBSCAN: the smallest group of calls that counts as a task type.
    #[serde(default = "default_min_cluster_size")]
    pub min_cluster_size: usize,
    #[serde(default = "default_min_samples")]
    pub min_samples: usize,
    /// HDBSCAN is O(n²): it runs on a sample of at most this many calls,
    /// and the rest are assigned to the nearest cluster found.
    #[serde(default = "default_hdbscan_max_points")]
    pub hdbscan_max_points: usize,
    /// The calls clustered: the run's date and the `days - 1` before it.
    #[serde(default = "default_days")]
    pub days: u32,
    /// A call is an outlier of its cluster beyond median + `outlier_mads`
    /// median absolute deviations of the members' distances.
    #[serde(default = "default_outlier_mads")]
    pub outlier_mads: f32,
    /// And, whatever the cluster, beyond this cosine distance.
    #[serde(default = "default_max_distance")]
    pub max_distance: f32,
    /// Tonight's cluster keeps a previous id if their centroids are closer
    /// than this cosine distance.
    #[serde(default = "default_match_distance")]
    pub match_distance: f32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Ground-truth labels to score the clustering (a CSV with `trace_id`,
    /// `span_id`, `label`, as the demo corpus writes); never an input.
    #[serde(default)]
    pub labels: Option<String>,
    /// Representative examples kept per cluster.
    #[serde(default = "default_examples")]
    pub examples: usize,
}

fn default_k_min() -> usize {
    2
}
fn default_k_max() -> usize {
    24
}
fn default_min_cluster_size() -> usize {
    10
}
fn default_min_samples() -> usize {
    5
}
fn default_hdbscan_max_points() -> usize {
    5_000
}
fn default_days() -> u32 {
    7
}
fn default_outlier_mads() -> f32 {
    4.0
}
fn default_max_distance() -> f32 {
    0.6
}
fn default_match_distance() -> f32 {
    0.3
}
fn default_seed() -> u64 {
    42
}
fn default_examples() -> usize {
    3
}

impl ClusterConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.k == Some(0) {
            return Err("`k` must be at least 1".into());
        }
        if self.k_min < 2 || self.k_max < self.k_min {
            return Err(format!("need 2 <= k_min <= k_max (got {}..{})", self.k_min, self.k_max));
        }
        if self.days == 0 || self.min_cluster_size < 2 || self.min_samples == 0 {
            return Err("`days` >= 1, `min_cluster_size` >= 2 and `min_samples` >= 1 are required".into());
        }
        for (name, v) in [
            ("max_distance", self.max_distance),
            ("match_distance", self.match_distance),
        ] {
            if !(0.0..=2.0).contains(&v) {
                return Err(format!("`{name}` is a cosine distance, between 0 and 2 (got {v})"));
            }
        }
        Ok(())
    }
}

pub struct ClusterTask {
    config: ClusterConfig,
}

impl ClusterTask {
    pub fn new(config: ClusterConfig) -> std::result::Result<Self, String> {
        config.check()?;
        Ok(Self { config })
    }
}

/// The calls of the window, with what the clustering needs.
struct Calls {
    ids: Vec<String>,
    dates: Vec<i32>,
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

/// A cluster found tonight, before it gets its id.
struct Found {
    centroid: Vec<f32>,
    members: Vec<usize>,
    radius: f32,
}

#[async_trait]
impl Task for ClusterTask {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput> {
        let cfg = &self.config;
        let last = ctx.logical_date;
        let first = last - chrono::Duration::days(i64::from(cfg.days) - 1);
        let db = vectors::connect(&ctx.warehouse).await?;
        let Some(embeddings) = vectors::open(&db, VectorTable::CallEmbeddings).await? else {
            return Err(Error::task_config(
                &ctx.task_id,
                "no call_embeddings table: run an embed task first",
            ));
        };
        let calls = load_calls(&embeddings, &date_filter(first, last)).await?;
        let n = calls.ids.len();
        if n < 3 {
            warn!(task = %ctx.task_id, calls = n, "Too few embedded calls to cluster.");
            return Ok(TaskOutput {
                details: json!({"calls": n, "clusters": 0, "summary": [format!("{n} embedded calls: too few to cluster")]}),
                ..Default::default()
            });
        }
        let dim = calls.vectors[0].len();

        // 1-2. Clusters and their radii.
        let (found, k_scores) = tokio::task::block_in_place(|| self.find_clusters(&calls.vectors));
        let mut assignment: Vec<Option<(usize, f32)>> = vec![None; n];
        for (c, cluster) in found.iter().enumerate() {
            for &m in &cluster.members {
                assignment[m] = Some((c, crate::vecmath::cosine_distance(&calls.vectors[m], &cluster.centroid)));
            }
        }

        // 3. Stable ids.
        let clusters_table = vectors::open_or_create(&db, VectorTable::Clusters, dim).await?;
        let (previous, next_id) = previous_clusters(&clusters_table, &ctx.run_id).await?;
        let centroids: Vec<Vec<f32>> = found.iter().map(|f| f.centroid.clone()).collect();
        let ids = matching::match_clusters(&previous, &centroids, cfg.match_distance, next_id);
        let previous_ids: BTreeSet<u32> = previous.iter().map(|p| p.0).collect();

        // 4. Labels, examples, statistics.
        let docs: Vec<Vec<&str>> = found
            .iter()
            .map(|f| f.members.iter().map(|&m| calls.texts[m].as_str()).collect())
            .collect();
        let terms = labels::ctfidf_labels(&docs, 8);
        let stats = call_stats(ctx, first, last).await?;
        let rows = ClusterRows::build(ctx, cfg, &calls, &found, &ids, &terms, &stats, &previous_ids);

        // 5. Write: tonight's clusters (a retry replaces its own rows), then
        // each call's assignment.
        clusters_table
            .delete(&format!("run_id = '{}'", ctx.run_id.replace('\'', "''")))
            .await
            .map_err(|e| Error::lance("replacing this run's clusters", e))?;
        let batch = rows.batch(dim)?;
        clusters_table
            .add(batch)
            .execute()
            .await
            .map_err(|e| Error::lance("writing clusters", e))?;
        crate::crash::kill_point("cluster:clusters-written");
        // An unassigned call keeps its distance to the nearest cluster, which it
        // is too far from.
        let nearest = kmeans::assign(&calls.vectors, &centroids);
        let assigned = assignments_batch(ctx, &calls, &assignment, &nearest, &ids)?;
        let assignments = vectors::open_or_create(&db, VectorTable::ClusterAssignments, dim).await?;
        let schema = assigned.schema();
        let mut merge = assignments.merge_insert(&["call_id"]);
        merge.when_matched_update_all(None).when_not_matched_insert_all();
        merge
            .execute(Box::new(RecordBatchIterator::new(vec![Ok(assigned)], schema)))
            .await
            .map_err(|e| Error::lance("writing cluster_assignments", e))?;
        crate::crash::kill_point("cluster:assigned");

        // The picture.
        let unassigned = assignment.iter().filter(|a| a.is_none()).count();
        let picture = write_picture(ctx, &calls, &assignment, &ids, &rows).await?;

        // Optional scoring against ground truth.
        let mut summary = vec![format!(
            "{} clusters ({}) over {n} calls; {} assigned, {unassigned} unassigned (stay on the LLM); {} new",
            found.len(),
            cfg.method.as_str(),
            n - unassigned,
            rows.is_new.iter().filter(|x| **x).count(),
        )];
        if let Some((k, s)) = k_scores.iter().find(|(k, _)| *k == found.len()) {
            summary.push(format!("k = {k} chosen by silhouette ({s:.3})"));
        }
        let mut scores = json!(null);
        if let Some(path) = &cfg.labels {
            match ctx.resolve_file(path).and_then(|file| score_against_labels(&file, &calls.ids, &assignment, &stats)) {
                Ok((ari, nmi, labelled)) => {
                    summary.push(format!(
                        "quality vs {} ({labelled} labelled calls): ARI {ari:.3}, NMI {nmi:.3}",
                        path
                    ));
                    scores = json!({"ari": ari, "nmi": nmi, "labelled_calls": labelled});
                }
                Err(e) => warn!(task = %ctx.task_id, error = %e, "Cannot score the clusters against the labels."),
            }
        }
        summary.push(format!("picture: {picture}"));
        for line in &summary {
            info!(task = %ctx.task_id, "{line}");
        }
        Ok(TaskOutput {
            rows_in: n as u64,
            rows_out: (n - unassigned) as u64,
            details: json!({
                "calls": n,
                "clusters": found.len(),
                "method": cfg.method.as_str(),
                "unassigned": unassigned,
                "k_silhouette": k_scores.iter().map(|(k, s)| json!([k, s])).collect::<Vec<_>>(),
                "cluster_ids": ids,
                "quality": scores,
                "picture": picture,
                "summary": summary,
            }),
        })
    }
}

impl ClusterTask {
    /// The clusters of `points` (unit vectors) and, for k-means with an
    /// automatic k, the silhouette of each k tried.
    fn find_clusters(&self, points: &[Vec<f32>]) -> (Vec<Found>, Vec<(usize, f64)>) {
        let cfg = &self.config;
        let (centroids, scores, core) = match cfg.method {
            Method::Kmeans => {
                let (k, scores) = match cfg.k {
                    Some(k) => (k, Vec::new()),
                    None => kmeans::choose_k(points, cfg.k_min, cfg.k_max, cfg.seed),
                };
                let fit = kmeans::kmeans(points, k, cfg.seed, 100);
                (fit.centroids, scores, None)
            }
            Method::Hdbscan => {
                let sample = sample_indices(points.len(), cfg.hdbscan_max_points, cfg.seed);
                let sampled: Vec<Vec<f32>> = sample.iter().map(|&i| points[i].clone()).collect();
                let params = hdbscan::HdbscanParams {
                    min_cluster_size: cfg.min_cluster_size,
                    min_samples: cfg.min_samples,
                };
                let labels = hdbscan::hdbscan(&sampled, &params);
                let k = labels.iter().flatten().max().map_or(0, |m| m + 1);
                let mut sums = vec![vec![0f32; points[0].len()]; k];
                for (label, p) in labels.iter().zip(&sampled) {
                    if let Some(c) = label {
                        sums[*c].iter_mut().zip(p).for_each(|(s, x)| *s += x);
                    }
                }
                // HDBSCAN's noise in the sample stays noise.
                let noise: BTreeSet<usize> = sample
                    .iter()
                    .zip(&labels)
                    .filter(|(_, l)| l.is_none())
                    .map(|(i, _)| *i)
                    .collect();
                (sums.into_iter().map(normalized).collect(), Vec::new(), Some(noise))
            }
        };
        let nearest = kmeans::assign(points, &centroids);
        let mut members = vec![Vec::new(); centroids.len()];
        for (i, (c, _)) in nearest.iter().enumerate() {
            if core.as_ref().is_some_and(|noise| noise.contains(&i)) {
                continue;
            }
            members[*c].push(i);
        }
        let mut found = Vec::new();
        for (centroid, members) in centroids.into_iter().zip(members) {
            if members.is_empty() {
                continue;
            }
            let distances: Vec<f32> = members.iter().map(|&m| nearest[m].1).collect();
            let radius = robust_radius(&distances, cfg.outlier_mads).min(cfg.max_distance);
            let kept: Vec<usize> = members.into_iter().filter(|&m| nearest[m].1 <= radius).collect();
            if !kept.is_empty() {
                found.push(Found {
                    centroid,
                    members: kept,
                    radius,
                });
            }
        }
        (found, scores)
    }
}

/// median + `mads` × (scaled) median absolute deviation; at least a small
/// floor so a cluster of identical texts still admits near-copies.
fn robust_radius(distances: &[f32], mads: f32) -> f32 {
    let median = |v: &mut Vec<f32>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let mut d = distances.to_vec();
    let m = median(&mut d);
    let mut dev: Vec<f32> = distances.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&mut dev) * 1.4826;
    (m + mads * mad).max(0.05)
}


fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// A deterministic sample of at most `max` of `0..n`, in order.
fn sample_indices(n: usize, max: usize, seed: u64) -> Vec<usize> {
    let mut sample = crate::rng::SplitMix64::new(seed).sample(n, max);
    sample.sort_unstable();
    sample
}

async fn load_calls(table: &lancedb::Table, filter: &str) -> Result<Calls> {
    let mut calls = Calls {
        ids: Vec::new(),
        dates: Vec::new(),
        texts: Vec::new(),
        vectors: Vec::new(),
    };
    let mut batches = vectors::scan(table, &["call_id", "date", "text", "vector"], Some(filter)).await?;
    // A stable order whatever the storage layout: the clustering is seeded.
    let mut rows = Vec::new();
    for batch in batches.drain(..) {
        let ids = batch
            .column_by_name("call_id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned());
        let dates = batch
            .column_by_name("date")
            .and_then(|c| c.as_any().downcast_ref::<Date32Array>().cloned());
        let texts = batch
            .column_by_name("text")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned());
        let (Some(ids), Some(dates), Some(texts)) = (ids, dates, texts) else {
            return Err(Error::Contract {
                table: "call_embeddings".into(),
                message: "unexpected columns".into(),
            });
        };
        for (i, v) in vectors_of(&batch, "vector")?.into_iter().enumerate() {
            rows.push((ids.value(i).to_string(), dates.value(i), texts.value(i).to_string(), v));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (id, date, text, v) in rows {
        calls.ids.push(id);
        calls.dates.push(date);
        calls.texts.push(text);
        calls.vectors.push(v);
    }
    Ok(calls)
}

/// The clusters of the latest earlier run (other than `run_id`) and the
/// next unused id.
async fn previous_clusters(table: &lancedb::Table, run_id: &str) -> Result<(Vec<(u32, Vec<f32>)>, u32)> {
    let batches = vectors::scan(table, &["run_id", "date", "cluster_id", "centroid"], None).await?;
    let mut latest: Option<(i32, String)> = None;
    let mut max_id: Option<i64> = None;
    let mut rows = Vec::new();
    for batch in &batches {
        let runs = batch
            .column_by_name("run_id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>());
        let dates = batch
            .column_by_name("date")
            .and_then(|c| c.as_any().downcast_ref::<Date32Array>());
        let ids = batch
            .column_by_name("cluster_id")
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>());
        let (Some(runs), Some(dates), Some(ids)) = (runs, dates, ids) else {
            return Err(Error::Contract {
                table: "clusters".into(),
                message: "unexpected columns".into(),
            });
        };
        let centroids = vectors_of(batch, "centroid")?;
        for i in 0..batch.num_rows() {
            max_id = max_id.max(Some(ids.value(i)));
            if runs.value(i) == run_id {
                continue;
            }
            let key = (dates.value(i), runs.value(i).to_string());
            if latest.as_ref().is_none_or(|l| key > *l) {
                latest = Some(key.clone());
            }
            rows.push((key, ids.value(i) as u32, centroids[i].clone()));
        }
    }
    let previous = rows
        .into_iter()
        .filter(|(key, ..)| Some(key) == latest.as_ref())
        .map(|(_, id, c)| (id, c))
        .collect();
    Ok((previous, max_id.map_or(0, |m| m as u32 + 1)))
}

#[derive(Default, Clone)]
struct CallStat {
    agent: Option<String>,
    model: Option<String>,
    prompt_tokens: i64,
    completion_tokens: i64,
    /// For scoring against ground-truth labels, which name calls by span.
    trace_id: Option<String>,
    span_id: Option<String>,
}

/// Agent, model, tokens and span of the window's calls, from `calls` (one read).
async fn call_stats(
    ctx: &TaskContext,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<HashMap<String, CallStat>> {
    let query = format!(
        "SELECT call_id, agent, model, COALESCE(prompt_tokens, 0) AS p, COALESCE(completion_tokens, 0) AS c, \
         trace_id, span_id FROM calls WHERE {}",
        date_filter(first, last)
    );
    let batches = crate::warehouse::session::query_calls(&ctx.warehouse, &query).await?;
    let mut stats = HashMap::new();
    for batch in &batches {
        let s = |i: usize| batch.column(i).as_any().downcast_ref::<StringArray>().cloned();
        let n = |i: usize| batch.column(i).as_any().downcast_ref::<Int64Array>().cloned();
        let (Some(ids), Some(agents), Some(models), Some(p), Some(c), Some(traces), Some(spans)) =
            (s(0), s(1), s(2), n(3), n(4), s(5), s(6))
        else {
            return Err(Error::Contract {
                table: "calls".into(),
                message: "unexpected column types".into(),
            });
        };
        for i in 0..batch.num_rows() {
            let text = |a: &StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            stats.insert(
                ids.value(i).to_string(),
                CallStat {
                    agent: text(&agents),
                    model: text(&models),
                    prompt_tokens: p.value(i),
                    completion_tokens: c.value(i),
                    trace_id: text(&traces),
                    span_id: text(&spans),
                },
            );
        }
    }
    Ok(stats)
}

/// The `clusters` rows of this run, column by column.
struct ClusterRows {
    run_id: String,
    date: i32,
    ids: Vec<i64>,
    labels: Vec<String>,
    terms: Vec<Vec<String>>,
    examples: Vec<Vec<String>>,
    centroids: Vec<Vec<f32>>,
    radius: Vec<f32>,
    calls: Vec<i64>,
    share: Vec<f64>,
    prompt_tokens: Vec<i64>,
    completion_tokens: Vec<i64>,
    agents: Vec<Vec<String>>,
    models: Vec<Vec<String>>,
    method: String,
    is_new: Vec<bool>,
}

impl ClusterRows {
    #[allow(clippy::too_many_arguments)]
    fn build(
        ctx: &TaskContext,
        cfg: &ClusterConfig,
        calls: &Calls,
        found: &[Found],
        ids: &[u32],
        terms: &[Vec<(String, f64)>],
        stats: &HashMap<String, CallStat>,
        previous_ids: &BTreeSet<u32>,
    ) -> Self {
        let total = calls.ids.len() as f64;
        let mut rows = ClusterRows {
            run_id: ctx.run_id.clone(),
            date: crate::warehouse::history::days_of(ctx.logical_date),
            ids: Vec::new(),
            labels: Vec::new(),
            terms: Vec::new(),
            examples: Vec::new(),
            centroids: Vec::new(),
            radius: Vec::new(),
            calls: Vec::new(),
            share: Vec::new(),
            prompt_tokens: Vec::new(),
            completion_tokens: Vec::new(),
            agents: Vec::new(),
            models: Vec::new(),
            method: cfg.method.as_str().to_string(),
            is_new: Vec::new(),
        };
        for (c, cluster) in found.iter().enumerate() {
            let id = ids[c];
            let mut label = labels::label_from_terms(&terms[c], 3);
            if label.is_empty() {
                label = format!("cluster {id}");
            }
            // The representative examples: the members nearest the centroid.
            let mut by_distance: Vec<(f32, usize)> = cluster
                .members
                .iter()
                .map(|&m| (crate::vecmath::cosine_distance(&calls.vectors[m], &cluster.centroid), m))
                .collect();
            by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut examples: Vec<String> = Vec::new();
            for (_, m) in by_distance {
                let text: String = calls.texts[m].chars().take(300).collect();
                if !examples.contains(&text) {
                    examples.push(text);
                }
                if examples.len() == cfg.examples {
                    break;
                }
            }
            let (mut agents, mut models) = (BTreeSet::new(), BTreeSet::new());
            let (mut p, mut comp) = (0i64, 0i64);
            for &m in &cluster.members {
                if let Some(s) = stats.get(&calls.ids[m]) {
                    agents.extend(s.agent.clone());
                    models.extend(s.model.clone());
                    p += s.prompt_tokens;
                    comp += s.completion_tokens;
                }
            }
            rows.ids.push(i64::from(id));
            rows.labels.push(label);
            rows.terms.push(terms[c].iter().map(|(t, _)| t.clone()).collect());
            rows.examples.push(examples);
            rows.centroids.push(cluster.centroid.clone());
            rows.radius.push(cluster.radius);
            rows.calls.push(cluster.members.len() as i64);
            rows.share.push(cluster.members.len() as f64 / total);
            rows.prompt_tokens.push(p);
            rows.completion_tokens.push(comp);
            rows.agents.push(agents.into_iter().collect());
            rows.models.push(models.into_iter().collect());
            rows.is_new.push(!previous_ids.contains(&id));
        }
        rows
    }

    fn batch(&self, dim: usize) -> Result<RecordBatch> {
        let n = self.ids.len();
        let lists = |values: &[Vec<String>]| -> ArrayRef {
            let mut b = ListBuilder::new(StringBuilder::new());
            for v in values {
                for s in v {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            Arc::new(b.finish())
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![self.run_id.as_str(); n])),
            Arc::new(Date32Array::from(vec![self.date; n])),
            Arc::new(Int64Array::from(self.ids.clone())),
            Arc::new(StringArray::from_iter_values(self.labels.iter())),
            lists(&self.terms),
            lists(&self.examples),
            Arc::new(vector_array(&self.centroids, dim)),
            Arc::new(Float32Array::from(self.radius.clone())),
            Arc::new(Int64Array::from(self.calls.clone())),
            Arc::new(Float64Array::from(self.share.clone())),
            Arc::new(Int64Array::from(self.prompt_tokens.clone())),
            Arc::new(Int64Array::from(self.completion_tokens.clone())),
            lists(&self.agents),
            lists(&self.models),
            Arc::new(StringArray::from(vec![self.method.as_str(); n])),
            Arc::new(BooleanArray::from(self.is_new.clone())),
        ];
        RecordBatch::try_new(vectors::clusters_schema(dim), columns)
            .map_err(|e| Error::arrow("building clusters rows", e))
    }
}

fn assignments_batch(
    ctx: &TaskContext,
    calls: &Calls,
    assignment: &[Option<(usize, f32)>],
    nearest: &[(usize, f32)],
    ids: &[u32],
) -> Result<RecordBatch> {
    let n = calls.ids.len();
    let cluster_id: Int64Array = assignment.iter().map(|a| a.map(|(c, _)| i64::from(ids[c]))).collect();
    let distance: Float32Array = assignment.iter().zip(nearest).map(|(a, near)| Some(a.map_or(near.1, |(_, d)| d))).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(calls.ids.iter())),
        Arc::new(Date32Array::from(calls.dates.clone())),
        Arc::new(StringArray::from(vec![ctx.run_id.as_str(); n])),
        Arc::new(cluster_id),
        Arc::new(distance),
    ];
    RecordBatch::try_new(vectors::cluster_assignments_schema(), columns)
        .map_err(|e| Error::arrow("building cluster_assignments rows", e))
}

/// Cluster sizes and a 2-D projection, as SVG under `reports/<run_id>/`.
async fn write_picture(
    ctx: &TaskContext,
    calls: &Calls,
    assignment: &[Option<(usize, f32)>],
    ids: &[u32],
    rows: &ClusterRows,
) -> Result<String> {
    let mut bars: Vec<plot::ClusterBar> = rows
        .ids
        .iter()
        .zip(&rows.labels)
        .zip(&rows.calls)
        .map(|((id, label), calls)| plot::ClusterBar {
            label: label.clone(),
            count: *calls as u64,
            id: Some(*id as u32),
        })
        .collect();
    bars.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    let unassigned = assignment.iter().filter(|a| a.is_none()).count();
    if unassigned > 0 {
        bars.push(plot::ClusterBar {
            label: "unassigned (LLM)".into(),
            count: unassigned as u64,
            id: None,
        });
    }
    let points = plot::pca_2d(&calls.vectors, 7);
    let point_cluster: Vec<Option<u32>> = assignment.iter().map(|a| a.map(|(c, _)| ids[c])).collect();
    let title = format!(
        "{} clusters of {} calls, run {}",
        rows.ids.len(),
        calls.ids.len(),
        ctx.run_id
    );
    let svg = plot::clusters_svg(&title, &bars, &points, &point_cluster);
    let rel = format!("reports/{}/{}-clusters.svg", ctx.run_id, ctx.task_id);
    let key = ctx.warehouse.root().key(&rel)?;
    ctx.warehouse.root().put(&key, svg.into_bytes()).await?;
    Ok(ctx.warehouse.root().url_of(&key, false))
}

/// ARI and NMI of the clustering against a labels CSV (`trace_id`,
/// `span_id`, `label`, ...), over the calls of the window that have a label.
/// Unassigned calls count as one more cluster.
fn score_against_labels(
    file: &std::path::Path,
    ids: &[String],
    assignment: &[Option<(usize, f32)>],
    stats: &HashMap<String, CallStat>,
) -> Result<(f64, f64, usize)> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(format!("reading labels {}", file.display()), e))?;
    let mut header = Vec::new();
    let mut by_span: HashMap<(String, String), String> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if n == 0 {
            header = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| cells.get(i))
                .map(|s| s.to_string())
        };
        if let (Some(t), Some(s), Some(l)) = (col("trace_id"), col("span_id"), col("label")) {
            by_span.insert((t, s), l);
        }
    }
    if header.is_empty()
        || !["trace_id", "span_id", "label"]
            .iter()
            .all(|c| header.iter().any(|h| h == c))
    {
        return Err(Error::usage(format!(
            "{}: expected a CSV header with trace_id, span_id, label",
            file.display()
        )));
    }
    let label_of_call: HashMap<&str, &String> = stats
        .iter()
        .filter_map(|(id, s)| {
            let key = (s.trace_id.clone()?, s.span_id.clone()?);
            by_span.get(&key).map(|label| (id.as_str(), label))
        })
        .collect();
    let mut label_ids: HashMap<String, usize> = HashMap::new();
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    let unassigned = assignment.len();
    for (i, id) in ids.iter().enumerate() {
        if let Some(l) = label_of_call.get(id.as_str()) {
            let next = label_ids.len();
            truth.push(*label_ids.entry((*l).clone()).or_insert(next));
            pred.push(assignment[i].map_or(unassigned, |(c, _)| c));
        }
    }
    if truth.is_empty() {
        return Err(Error::usage(format!(
            "{}: no label matches a call of the window",
            file.display()
        )));
    }
    Ok((
        quality::adjusted_rand_index(&truth, &pred),
        quality::normalized_mutual_info(&truth, &pred),
        truth.len(),
    ))
}

//! The first, cheap stage of the routing decision: a static token model
//! (`models/static_embed.rs`) decides the requests that sit clearly inside
//! one route, and MiniLM decides the rest, as before. A request is decided
//! statically only when its nearest static centroid leads the second by
//! `margin` and it lies within that route's static radius; the route's own
//! target then applies (its SLM, or `llm_route`).
//!
//! Publish fits it on the window's calls: half of them (by call id) give
//! the weights, the centroids and the radii; the other half, held back, are
//! decided both ways, and the smallest margin whose static decisions agree
//! with MiniLM's full decision (cluster and reason) on at least
//! `min_agreement` of them is kept. No margin reaching it, or too few calls
//! to tell: no fast stage, every request goes through MiniLM.

use serde::{Deserialize, Serialize};

use super::router::decide;
use super::table::RoutingTable;
use crate::models::static_embed::{StaticEncoder, TokenTable};

/// Held-back calls needed to measure the agreement at all.
pub const MIN_HELD_BACK: usize = 50;
/// The margins tried, smallest (most decided statically) first.
const MARGINS: [f32; 7] = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4];
/// A route's static radius: this quantile of its fitting calls' distances.
const QUANTILE: f64 = 0.9;

/// The fitted stage, as `routing/<version>` stores it (`fast_router.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastRouter {
    pub idf: Vec<f32>,
    pub mean: Vec<f32>,
    pub routes: Vec<FastRoute>,
    pub margin: f32,
    pub quantile: f64,
    pub measured: FastMeasure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastRoute {
    pub cluster_id: String,
    pub centroid: Vec<f32>,
    /// 0 for a route with too few fitting calls: never decided statically.
    pub radius: f32,
}

/// How the stage did on the held-back calls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FastMeasure {
    pub held_back: usize,
    /// Share of them decided statically.
    pub decided: f64,
    /// Of those, the share whose decision equals MiniLM's.
    pub agreement: f64,
    /// Static where decided, MiniLM elsewhere: the share equal to MiniLM alone.
    pub cascade_agreement: f64,
}

/// The stable key of a call id: even keys fit the stage, odd ones are held back.
pub fn split_key(call_id: &str) -> u64 {
    u64::from_str_radix(&crate::hashing::sha256_hex(call_id.as_bytes())[..16], 16).expect("hex")
}

/// A call of the window: a stable key (`split_key`) that splits fitting
/// from held-back calls, its task text's token ids, its MiniLM vector.
pub struct FitCall {
    pub key: u64,
    pub ids: Vec<u32>,
    pub vector: Vec<f32>,
}

/// MiniLM's decision as the static stage must reproduce it: the route when
/// the request is within one (to its SLM or its `llm_route`), else none.
fn reference(table: &RoutingTable, vector: &[f32]) -> Option<String> {
    let d = decide(table, vector);
    matches!(d.reason.as_str(), "within" | "llm_route").then(|| d.cluster_id).flatten()
}

fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
}

impl FastRouter {
    pub fn encoder(&self) -> StaticEncoder {
        StaticEncoder { idf: self.idf.clone(), mean: self.mean.clone() }
    }

    /// The route a static vector is clearly in, with its distance.
    pub fn nearest(&self, v: &[f32]) -> Option<(&str, f32)> {
        let (mut best, mut second) = ((f32::MAX, usize::MAX), f32::MAX);
        for (i, r) in self.routes.iter().enumerate() {
            let d = cosine_distance(v, &r.centroid);
            if d < best.0 {
                (second, best) = (best.0, (d, i));
            } else if d < second {
                second = d;
            }
        }
        let route = self.routes.get(best.1)?;
        (second - best.0 >= self.margin && best.0 <= route.radius).then(|| (route.cluster_id.as_str(), best.0))
    }

    /// Fits the stage on `calls` (see the module's doc); None when it would
    /// not agree with MiniLM often enough or there are too few calls.
    pub fn fit(table: &RoutingTable, calls: &[FitCall], tokens: &TokenTable, min_agreement: f64) -> Option<Self> {
        let fitting: Vec<&FitCall> = calls.iter().filter(|c| c.key % 2 == 0).collect();
        let held: Vec<&FitCall> = calls.iter().filter(|c| c.key % 2 == 1).collect();
        if held.len() < MIN_HELD_BACK || table.routes.len() < 2 {
            return None;
        }
        let ids: Vec<Vec<u32>> = fitting.iter().map(|c| c.ids.clone()).collect();
        let encoder = StaticEncoder::fit(tokens, &ids);
        let mut sums: Vec<(Vec<f32>, Vec<Vec<f32>>)> = vec![(vec![0.0; tokens.dim], Vec::new()); table.routes.len()];
        for c in &fitting {
            let Some(cluster) = reference(table, &c.vector) else { continue };
            let Some(i) = table.routes.iter().position(|r| r.cluster_id == cluster) else { continue };
            let v = encoder.vector(tokens, &c.ids);
            sums[i].0.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
            sums[i].1.push(v);
        }
        let routes: Vec<FastRoute> = table
            .routes
            .iter()
            .zip(sums)
            .map(|(r, (mut centroid, members))| {
                let n = centroid.iter().map(|x| x * x).sum::<f32>().sqrt();
                centroid.iter_mut().for_each(|x| *x /= n.max(1e-12));
                let mut d: Vec<f32> = members.iter().map(|v| cosine_distance(v, &centroid)).collect();
                d.sort_by(f32::total_cmp);
                // Too few calls to know where the route ends: never decided statically.
                let radius = if d.len() < 3 { 0.0 } else { d[((d.len() - 1) as f64 * QUANTILE).round() as usize] };
                FastRoute { cluster_id: r.cluster_id.clone(), centroid, radius }
            })
            .collect();
        let held: Vec<(Vec<f32>, Option<String>)> =
            held.iter().map(|c| (encoder.vector(tokens, &c.ids), reference(table, &c.vector))).collect();
        let mut router = Self { idf: encoder.idf, mean: encoder.mean, routes, margin: 0.0, quantile: QUANTILE, measured: FastMeasure {
            held_back: held.len(), decided: 0.0, agreement: 0.0, cascade_agreement: 0.0 } };
        for margin in MARGINS {
            router.margin = margin;
            let (mut decided, mut agree) = (0usize, 0usize);
            for (v, want) in &held {
                if let Some((cluster, _)) = router.nearest(v) {
                    decided += 1;
                    agree += usize::from(want.as_deref() == Some(cluster));
                }
            }
            let n = held.len() as f64;
            if decided > 0 && agree as f64 >= min_agreement * decided as f64 {
                router.measured = FastMeasure {
                    held_back: held.len(),
                    decided: decided as f64 / n,
                    agreement: agree as f64 / decided as f64,
                    cascade_agreement: (agree + held.len() - decided) as f64 / n,
                };
                return Some(router);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::router::tests::{route, table};

    /// Tokens 0-2 mark task 1, 3-5 task 2, 6-8 task 3; 9 is in every text.
    /// The token rows and the MiniLM vectors point the same way per task,
    /// with some calls mixed between tasks 1 and 2.
    fn world(n: usize) -> (TokenTable, Vec<FitCall>, RoutingTable) {
        let mut rows = vec![0.0f32; 10 * 3];
        for t in 0..9 {
            rows[t * 3 + t / 3] = 1.0;
        }
        rows[27..30].copy_from_slice(&[0.577, 0.577, 0.577]);
        let tokens = TokenTable::from_rows(3, rows);
        let t = table(vec![route(1, &[1.0, 0.0, 0.0], true), route(2, &[0.0, 1.0, 0.0], true), route(3, &[0.0, 0.0, 1.0], false)]);
        let mut calls = Vec::new();
        for i in 0..n {
            let task = i % 3;
            let mixed = i % 7 == 0 && task < 2;
            let (ids, vector) = if mixed {
                // Half-way between tasks 1 and 2: MiniLM calls it ambiguous or far.
                (vec![9, 0, 3], vec![0.7071, 0.7071, 0.0])
            } else {
                let mut v = vec![0.0; 3];
                v[task] = 1.0;
                (vec![9, (task * 3) as u32, (task * 3 + 1 + i % 2) as u32], v)
            };
            calls.push(FitCall { key: i as u64, ids, vector });
        }
        (tokens, calls, t)
    }

    #[test]
    fn clear_calls_are_decided_statically_and_boundary_calls_are_left_to_minilm() {
        let (tokens, calls, t) = world(400);
        let fast = FastRouter::fit(&t, &calls, &tokens, 0.99).expect("fits");
        assert_eq!(fast.measured.held_back, 200);
        assert!(fast.measured.agreement >= 0.99 && fast.measured.cascade_agreement >= 0.99, "{:?}", fast.measured);
        assert!(fast.measured.decided > 0.8 && fast.measured.decided < 1.0, "{:?}", fast.measured);
        let enc = fast.encoder();
        assert_eq!(fast.nearest(&enc.vector(&tokens, &[9, 6, 7])).map(|x| x.0), Some("c03"), "an LLM route too");
        assert_eq!(fast.nearest(&enc.vector(&tokens, &[9, 0, 3])), None, "between two routes");
        // Round trip as stored.
        let back: FastRouter = serde_json::from_str(&serde_json::to_string(&fast).unwrap()).unwrap();
        assert_eq!(back.nearest(&enc.vector(&tokens, &[9, 3, 4])).map(|x| x.0), Some("c02"));
    }

    #[test]
    fn no_stage_without_enough_calls_or_agreement() {
        let (tokens, calls, t) = world(60);
        assert!(FastRouter::fit(&t, &calls, &tokens, 0.99).is_none(), "30 held back");
        // Tokens that say nothing of the task: the static vectors cannot agree.
        let (tokens, mut calls, t) = world(400);
        calls.iter_mut().for_each(|c| c.ids = vec![9, (c.key % 9) as u32]);
        assert!(FastRouter::fit(&t, &calls, &tokens, 0.99).is_none());
    }
}

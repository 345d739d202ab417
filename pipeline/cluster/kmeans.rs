//! Spherical k-means over L2-normalised embeddings, and the silhouette score
//! used to choose k.
//!
//! Points are unit vectors of one dimension (the caller normalises them). The
//! distance is the cosine distance `1 - a·b`, and each centroid is the
//! normalised mean of its points, which is the point of the unit sphere that
//! minimises the summed cosine distance to them (Dhillon and Modha, "Concept
//! decompositions for large sparse text data using clustering", 2001).
//!
//! Everything is deterministic for a given seed: the only randomness comes
//! from [`SplitMix64`], and ties go to the lowest index.

use std::collections::HashMap;

use crate::rng::SplitMix64;
use crate::vecmath::cosine_distance;
use crate::vecmath::dot;

/// Independent k-means++ starts per [`kmeans`] call; the lowest inertia wins.
const RESTARTS: usize = 4;
/// [`choose_k`] fits on at most this many points.
const CHOOSE_K_FIT_SAMPLE: usize = 20_000;
/// [`choose_k`] scores the silhouette on at most this many points.
const CHOOSE_K_SCORE_SAMPLE: usize = 2_000;
/// Lloyd iterations per fit in [`choose_k`].
const CHOOSE_K_MAX_ITER: usize = 100;

/// The result of [`kmeans`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Unit-length centroids; fewer than asked when there are fewer distinct points.
    pub centroids: Vec<Vec<f32>>,
    /// Index into `centroids` of each point's cluster.
    pub assignments: Vec<usize>,
    /// Cosine distance of each point to its centroid.
    pub distances: Vec<f32>,
    /// Sum of `distances`.
    pub inertia: f64,
    /// Lloyd iterations run by the kept restart.
    pub iterations: usize,
}

/// Clusters `points` into at most `k` clusters.
///
/// Seeds with k-means++ (D² sampling), then runs Lloyd iterations until no
/// assignment changes or `max_iter` is reached, for [`RESTARTS`] seeds
/// derived from `seed`, and keeps the run with the lowest inertia.
///
/// `k` is clamped to `1..=` the number of distinct points. With no points the
/// result is empty (no centroids, no assignments, inertia 0).
pub fn kmeans(points: &[Vec<f32>], k: usize, seed: u64, max_iter: usize) -> KMeans {
    let refs: Vec<&[f32]> = points.iter().map(Vec::as_slice).collect();
    fit(&refs, k, seed, max_iter)
}

/// The nearest centroid of each point and its cosine distance; empty if there
/// are no centroids. Ties go to the lower centroid index.
pub fn assign(points: &[Vec<f32>], centroids: &[Vec<f32>]) -> Vec<(usize, f32)> {
    if centroids.is_empty() {
        return Vec::new();
    }
    points.iter().map(|p| nearest(p, centroids)).collect()
}

/// Mean silhouette coefficient under cosine distance, on a deterministic
/// random sample of at most `sample` points (all points if `sample >= n`).
///
/// a(i) and b(i) are measured against the other points of the sample only, so
/// the cost is O(sample² · dim) whatever n is. A point alone in its cluster
/// (within the sample) scores 0, as in Rousseeuw's definition. Returns 0 when
/// fewer than two clusters are present in the sample, where the score is
/// undefined. Only the first `min(points.len(), assignments.len())` points count.
pub fn silhouette(points: &[Vec<f32>], assignments: &[usize], sample: usize, seed: u64) -> f64 {
    let n = points.len().min(assignments.len());
    let picked = SplitMix64::new(seed).sample(n, sample);
    let labels: Vec<usize> = picked.iter().map(|&i| assignments[i]).collect();
    mean_silhouette(&labels, |a, b| cosine_distance(&points[picked[a]], &points[picked[b]]))
}

/// Runs k-means for every k of `k_min..=k_max` (clamped to `2..=n-1`) and
/// returns the k with the best silhouette, with the `(k, silhouette)` table.
///
/// Large inputs are subsampled: the fit uses a deterministic sample of at most
/// 20 000 points, the score at most 2 000 of them, the same for every k so the
/// scores compare. Ties go to the smaller k. The table stops at the first k
/// that exceeds the number of distinct points. When no k qualifies (fewer than
/// 3 points, or an empty range) the answer is `(min(n, 1), [])`.
pub fn choose_k(points: &[Vec<f32>], k_min: usize, k_max: usize, seed: u64) -> (usize, Vec<(usize, f64)>) {
    let n = points.len();
    let fallback = (n.min(1), Vec::new());
    if n < 3 {
        return fallback;
    }
    let (lo, hi) = (k_min.max(2), k_max.min(n - 1));
    if lo > hi {
        return fallback;
    }
    let mut rng = SplitMix64::new(seed);
    let fit_points: Vec<&[f32]> = rng
        .sample(n, CHOOSE_K_FIT_SAMPLE)
        .into_iter()
        .map(|i| points[i].as_slice())
        .collect();
    let scored = rng.sample(fit_points.len(), CHOOSE_K_SCORE_SAMPLE);
    // The score sample is shared by every k, so its distances are computed once
    // (at most 2 000² f32, 16 MB).
    let m = scored.len();
    let mut matrix = vec![0f32; m * m];
    for a in 0..m {
        for b in a + 1..m {
            let d = cosine_distance(fit_points[scored[a]], fit_points[scored[b]]);
            matrix[a * m + b] = d;
            matrix[b * m + a] = d;
        }
    }
    let fit_seed = rng.next_u64();
    let mut table = Vec::new();
    for k in lo..=hi {
        let model = fit(&fit_points, k, fit_seed, CHOOSE_K_MAX_ITER);
        if model.centroids.len() < k {
            break;
        }
        let labels: Vec<usize> = scored.iter().map(|&i| model.assignments[i]).collect();
        table.push((k, mean_silhouette(&labels, |a, b| matrix[a * m + b])));
    }
    let best = table
        .iter()
        .fold(None, |best: Option<(usize, f64)>, &(k, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((k, s)),
        });
    match best {
        Some((k, _)) => (k, table),
        None => fallback,
    }
}

/// [`kmeans`] over borrowed rows, so [`choose_k`] can fit a sample without copying it.
fn fit(points: &[&[f32]], k: usize, seed: u64, max_iter: usize) -> KMeans {
    let mut seeds = SplitMix64::new(seed);
    let mut best: Option<KMeans> = None;
    for _ in 0..RESTARTS {
        let run = lloyd(
            points,
            seed_plus_plus(points, k, &mut SplitMix64::new(seeds.next_u64())),
            max_iter,
        );
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    best.unwrap_or_else(|| lloyd(points, Vec::new(), 0))
}

/// k-means++ seeding (Arthur and Vassilvitskii, 2007): each new centroid is a
/// point drawn with probability proportional to its squared distance to the
/// nearest centroid so far.
///
/// The weight is `‖x − c‖²`, which is `2(1 − x·c)` on the unit sphere, so the
/// same distribution as the cosine distance, but exactly 0 for a duplicate of a
/// chosen point. When all weights are 0 every distinct point is a centroid, and
/// seeding stops: this is what clamps k to the number of distinct points.
fn seed_plus_plus(points: &[&[f32]], k: usize, rng: &mut SplitMix64) -> Vec<Vec<f32>> {
    if points.is_empty() {
        return Vec::new();
    }
    let first = points[rng.below(points.len())];
    let mut centroids = vec![first.to_vec()];
    let mut weights: Vec<f64> = points.iter().map(|p| squared_distance(p, first)).collect();
    while centroids.len() < k {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            break;
        }
        let target = rng.next_f64() * total;
        let mut acc = 0.0;
        // Rounding can leave `target` past the last cumulative sum: fall back
        // to the last point with a positive weight.
        let mut chosen = weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        for (i, &w) in weights.iter().enumerate() {
            acc += w;
            if w > 0.0 && acc > target {
                chosen = i;
                break;
            }
        }
        let c = points[chosen];
        for (w, p) in weights.iter_mut().zip(points) {
            *w = w.min(squared_distance(p, c));
        }
        centroids.push(c.to_vec());
    }
    centroids
}

/// Lloyd iterations from the given centroids.
fn lloyd(points: &[&[f32]], mut centroids: Vec<Vec<f32>>, max_iter: usize) -> KMeans {
    if centroids.is_empty() {
        return KMeans {
            centroids,
            assignments: Vec::new(),
            distances: Vec::new(),
            inertia: 0.0,
            iterations: 0,
        };
    }
    let (mut assignments, mut distances): (Vec<usize>, Vec<f32>) =
        points.iter().map(|p| nearest(p, &centroids)).unzip();
    let mut iterations = 0;
    while iterations < max_iter {
        iterations += 1;
        update(points, &mut centroids, &mut assignments, &mut distances);
        let mut changed = false;
        for (i, p) in points.iter().enumerate() {
            let (c, d) = nearest(p, &centroids);
            changed |= c != assignments[i];
            assignments[i] = c;
            distances[i] = d;
        }
        if !changed {
            break;
        }
    }
    let inertia = distances.iter().map(|&d| f64::from(d)).sum();
    KMeans {
        centroids,
        assignments,
        distances,
        inertia,
        iterations,
    }
}

/// Moves each centroid to the normalised mean of its points. An empty cluster
/// first takes the point farthest from its centroid, among clusters that keep
/// another member, so that no centroid is wasted.
fn update(points: &[&[f32]], centroids: &mut [Vec<f32>], assignments: &mut [usize], distances: &mut [f32]) {
    let mut counts = vec![0usize; centroids.len()];
    for &a in assignments.iter() {
        counts[a] += 1;
    }
    for c in 0..centroids.len() {
        if counts[c] > 0 {
            continue;
        }
        let farthest =
            (0..points.len())
                .filter(|&i| counts[assignments[i]] > 1)
                .fold(None, |best: Option<usize>, i| match best {
                    Some(b) if distances[b] >= distances[i] => best,
                    _ => Some(i),
                });
        if let Some(i) = farthest {
            counts[assignments[i]] -= 1;
            counts[c] = 1;
            assignments[i] = c;
            distances[i] = 0.0;
        }
    }
    let dim = centroids.first().map_or(0, Vec::len);
    let mut sums = vec![vec![0f64; dim]; centroids.len()];
    for (p, &a) in points.iter().zip(assignments.iter()) {
        for (s, &x) in sums[a].iter_mut().zip(p.iter()) {
            *s += f64::from(x);
        }
    }
    for (centroid, sum) in centroids.iter_mut().zip(sums) {
        let norm = sum.iter().map(|s| s * s).sum::<f64>().sqrt();
        // A zero mean (no members, or members cancelling out) has no
        // direction: keep the previous centroid.
        if norm > 0.0 {
            *centroid = sum.iter().map(|s| (s / norm) as f32).collect();
        }
    }
}

/// Mean silhouette of `labels`, with `dist(a, b)` the distance between the
/// a-th and b-th labelled points.
fn mean_silhouette(labels: &[usize], dist: impl Fn(usize, usize) -> f32) -> f64 {
    let mut dense: HashMap<usize, usize> = HashMap::new();
    let ids: Vec<usize> = labels
        .iter()
        .map(|&l| {
            let next = dense.len();
            *dense.entry(l).or_insert(next)
        })
        .collect();
    let clusters = dense.len();
    if clusters < 2 {
        return 0.0;
    }
    let mut sizes = vec![0usize; clusters];
    for &c in &ids {
        sizes[c] += 1;
    }
    let mut sums = vec![0f64; clusters];
    let mut total = 0.0;
    for i in 0..ids.len() {
        let own = ids[i];
        if sizes[own] < 2 {
            continue;
        }
        sums.fill(0.0);
        for j in 0..ids.len() {
            if j != i {
                sums[ids[j]] += f64::from(dist(i, j));
            }
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..clusters)
            .filter(|&c| c != own)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let scale = a.max(b);
        if scale > 0.0 {
            total += (b - a) / scale;
        }
    }
    total / ids.len() as f64
}

fn nearest<C: AsRef<[f32]>>(point: &[f32], centroids: &[C]) -> (usize, f32) {
    let mut best = (0, f32::NEG_INFINITY);
    for (c, centroid) in centroids.iter().enumerate() {
        let s = dot(point, centroid.as_ref());
        if s > best.1 {
            best = (c, s);
        }
    }
    (best.0, (1.0 - best.1).max(0.0))
}

fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| f64::from(x - y).powi(2)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(v: Vec<f32>) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    /// `k` Gaussian blobs of `per` points on the unit sphere in 16-d, with their true labels.
    fn blobs(k: usize, per: usize, spread: f64, seed: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = SplitMix64::new(seed);
        let centers: Vec<Vec<f32>> = (0..k)
            .map(|_| normalised((0..16).map(|_| rng.next_normal() as f32).collect()))
            .collect();
        let mut points = Vec::new();
        let mut labels = Vec::new();
        for i in 0..k * per {
            let c = &centers[i % k];
            points.push(normalised(
                c.iter().map(|&x| x + (spread * rng.next_normal()) as f32).collect(),
            ));
            labels.push(i % k);
        }
        (points, labels)
    }

    /// Whether two labellings are the same partition up to relabelling.
    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
        a.iter()
            .zip(b)
            .all(|(x, y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
    }

    #[test]
    fn recovers_three_blobs() {
        let (points, truth) = blobs(3, 60, 0.05, 11);
        let model = kmeans(&points, 3, 42, 100);
        assert_eq!(model.centroids.len(), 3);
        assert!(same_partition(&truth, &model.assignments));
        let again = assign(&points, &model.centroids);
        assert!(again.iter().zip(&model.assignments).all(|((c, _), a)| c == a));
        let norm: f32 = model.centroids[0].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!((model.inertia - model.distances.iter().map(|&d| f64::from(d)).sum::<f64>()).abs() < 1e-9);
    }

    #[test]
    fn choose_k_finds_three() {
        let (points, truth) = blobs(3, 60, 0.05, 5);
        let (k, table) = choose_k(&points, 2, 8, 9);
        assert_eq!(k, 3, "table: {table:?}");
        assert_eq!(
            table.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            (2..=8).collect::<Vec<_>>()
        );
        assert!(silhouette(&points, &truth, 1000, 1) > 0.8);
        // A sample smaller than the input gives a nearby score.
        assert!(silhouette(&points, &truth, 90, 1) > 0.8);
    }

    #[test]
    fn same_seed_same_result() {
        let (points, truth) = blobs(4, 40, 0.3, 8);
        assert_eq!(kmeans(&points, 4, 3, 50), kmeans(&points, 4, 3, 50));
        assert_eq!(choose_k(&points, 2, 6, 3), choose_k(&points, 2, 6, 3));
        assert_eq!(silhouette(&points, &truth, 50, 3), silhouette(&points, &truth, 50, 3));
    }

    #[test]
    fn k_is_clamped_to_distinct_points() {
        let (distinct, _) = blobs(3, 1, 0.0, 2);
        let points: Vec<Vec<f32>> = (0..12).map(|i| distinct[i % 3].clone()).collect();
        let model = kmeans(&points, 10, 1, 20);
        assert_eq!(model.centroids.len(), 3);
        assert!(same_partition(
            &model.assignments,
            &(0..12).map(|i| i % 3).collect::<Vec<_>>()
        ));
        assert!(model.inertia < 1e-5);
        // choose_k stops where k exceeds the distinct points.
        let (k, table) = choose_k(&points, 2, 8, 1);
        assert_eq!(k, 3);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn degenerate_inputs() {
        let empty: Vec<Vec<f32>> = Vec::new();
        let model = kmeans(&empty, 3, 0, 10);
        assert!(model.centroids.is_empty() && model.assignments.is_empty() && model.inertia == 0.0);
        assert!(assign(&empty, &[vec![1.0]]).is_empty());
        assert_eq!(silhouette(&empty, &[], 10, 0), 0.0);
        assert_eq!(choose_k(&empty, 2, 5, 0), (0, vec![]));

        let one = vec![vec![1.0, 0.0]];
        let model = kmeans(&one, 0, 0, 10);
        assert_eq!((model.centroids.len(), model.assignments.clone()), (1, vec![0]));
        assert_eq!(choose_k(&one, 2, 5, 0), (1, vec![]));
        assert!(assign(&one, &[]).is_empty());
        assert_eq!(assign(&one, &[vec![0.0, 1.0], vec![1.0, 0.0]]), vec![(1, 0.0)]);
        assert_eq!(silhouette(&one, &[0], 10, 0), 0.0);
        assert_eq!(kmeans(&one, 1, 0, 0).iterations, 0);
    }
}

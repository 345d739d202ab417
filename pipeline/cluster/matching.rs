//! Stable cluster ids across nights: tonight's centroids inherit the ids of
//! last night's nearest ones, so a topic keeps its id while it drifts.
//!
//! The pairing is an optimal one-to-one assignment (Hungarian algorithm,
//! Kuhn 1955 and Munkres 1957, in the O(n²m) potentials form), not a greedy
//! nearest-first one: greedy can take one close pair that forces two poor
//! ones, and then ids hop between topics from one night to the next.

/// The id of each of `current`'s centroids.
///
/// A current centroid takes the id of the previous centroid it is paired
/// with; pairs farther apart than `max_distance` (cosine distance) are never
/// made. Among the pairings, the one with the most pairs wins, then the one
/// with the least total distance. Unpaired current centroids get fresh ids
/// `next_id, next_id + 1, ...` in their order (wrapping at `u32::MAX`); the
/// ids of unpaired previous centroids are retired.
///
/// The caller keeps the previous ids distinct and `next_id` above every id
/// ever issued. Centroids need not be normalised; a zero or non-finite vector
/// never pairs.
pub fn match_clusters(previous: &[(u32, Vec<f32>)], current: &[Vec<f32>], max_distance: f32, next_id: u32) -> Vec<u32> {
    let limit = f64::from(max_distance);
    let allowed = |d: f64| d.is_finite() && d <= limit;
    let distances: Vec<Vec<f64>> = current
        .iter()
        .map(|c| previous.iter().map(|(_, p)| cosine_distance(c, p)).collect())
        .collect();
    // A pair over the limit costs more than any set of allowed pairs (each
    // costs at most 2), so the optimum first avoids such pairs, i.e. makes as
    // many allowed pairs as it can, and only then minimises the distance.
    let penalty = 2.0 * current.len().min(previous.len()) as f64 + 1.0;
    let cost: Vec<Vec<f64>> = distances
        .iter()
        .map(|row| row.iter().map(|&d| if allowed(d) { d } else { penalty }).collect())
        .collect();
    let mut fresh = next_id;
    assign_rows(&cost)
        .into_iter()
        .enumerate()
        .map(|(i, col)| match col {
            Some(j) if allowed(distances[i][j]) => previous[j].0,
            _ => {
                let id = fresh;
                fresh = fresh.wrapping_add(1);
                id
            }
        })
        .collect()
}

/// Minimum-cost one-to-one assignment for a rectangular matrix: the column of
/// each row, `None` for rows left over when there are more rows than columns.
fn assign_rows(cost: &[Vec<f64>]) -> Vec<Option<usize>> {
    let rows = cost.len();
    let cols = cost.first().map_or(0, Vec::len);
    if rows <= cols {
        return hungarian(rows, cols, |i, j| cost[i][j]).into_iter().map(Some).collect();
    }
    // More rows than columns: solve the transpose and invert it.
    let mut result = vec![None; rows];
    for (j, i) in hungarian(cols, rows, |j, i| cost[i][j]).into_iter().enumerate() {
        result[i] = Some(j);
    }
    result
}

/// The Hungarian algorithm with potentials for `rows <= cols`: returns the
/// column assigned to each row. Rows are added one at a time, each along a
/// shortest augmenting path (Dijkstra on reduced costs); `u` and `v` are the
/// dual potentials, `owner[j]` the row holding column j. Index 0 of `u`,
/// `owner` and `way` is a sentinel, so real rows and columns start at 1.
fn hungarian(rows: usize, cols: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    let mut u = vec![0f64; rows + 1];
    let mut v = vec![0f64; cols + 1];
    let mut owner = vec![0usize; cols + 1];
    let mut way = vec![0usize; cols + 1];
    for row in 1..=rows {
        owner[0] = row;
        let mut j0 = 0;
        let mut min_to = vec![f64::INFINITY; cols + 1];
        let mut used = vec![false; cols + 1];
        loop {
            used[j0] = true;
            let i0 = owner[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=cols {
                if used[j] {
                    continue;
                }
                let reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
                if reduced < min_to[j] {
                    min_to[j] = reduced;
                    way[j] = j0;
                }
                if j1 == 0 || min_to[j] < delta {
                    delta = min_to[j];
                    j1 = j;
                }
            }
            for j in 0..=cols {
                if used[j] {
                    u[owner[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_to[j] -= delta;
                }
            }
            j0 = j1;
            // j1 is 0 only if every column is used, impossible while rows <= cols.
            if j0 == 0 || owner[j0] == 0 {
                break;
            }
        }
        while j0 != 0 {
            let j1 = way[j0];
            owner[j0] = owner[j1];
            j0 = j1;
        }
    }
    let mut result = vec![0usize; rows];
    for j in 1..=cols {
        if owner[j] != 0 {
            result[owner[j] - 1] = j - 1;
        }
    }
    result
}

/// `1 − cos(a, b)` in [0, 2]; infinite (never paired) for a zero or non-finite vector.
fn cosine_distance(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let d = 1.0 - ab / (aa * bb).sqrt();
    if d.is_finite() {
        d.clamp(0.0, 2.0)
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use crate::rng::SplitMix64;
    use super::*;

    fn random_unit(rng: &mut SplitMix64, dim: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dim).map(|_| rng.next_normal() as f32).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    fn previous(seed: u64) -> Vec<(u32, Vec<f32>)> {
        let mut rng = SplitMix64::new(seed);
        [10, 20, 30, 40]
            .into_iter()
            .map(|id| (id, random_unit(&mut rng, 32)))
            .collect()
    }

    #[test]
    fn shuffled_centroids_keep_their_ids() {
        let prev = previous(1);
        let current: Vec<Vec<f32>> = [2, 0, 3, 1].iter().map(|&i| prev[i].1.clone()).collect();
        assert_eq!(match_clusters(&prev, &current, 0.2, 100), vec![30, 10, 40, 20]);
    }

    #[test]
    fn perturbed_centroids_keep_their_ids() {
        let prev = previous(2);
        let mut rng = SplitMix64::new(9);
        let current: Vec<Vec<f32>> = prev
            .iter()
            .rev()
            .map(|(_, c)| c.iter().map(|&x| x + 0.03 * rng.next_normal() as f32).collect())
            .collect();
        assert_eq!(match_clusters(&prev, &current, 0.2, 100), vec![40, 30, 20, 10]);
    }

    #[test]
    fn new_centroid_gets_a_fresh_id() {
        let prev = previous(3);
        let mut rng = SplitMix64::new(5);
        // Cluster 20 is gone, two new ones appear.
        let current = vec![
            random_unit(&mut rng, 32),
            prev[2].1.clone(),
            prev[0].1.clone(),
            random_unit(&mut rng, 32),
        ];
        assert_eq!(match_clusters(&prev, &current, 0.2, 100), vec![100, 30, 10, 101]);
        // Nothing is close enough: everything is new.
        assert_eq!(match_clusters(&prev, &current[..2], -1.0, 7), vec![7, 8]);
    }

    #[test]
    fn optimal_beats_greedy() {
        // Angles in degrees on the unit circle. Greedy takes the closest pair
        // (10° with 0°, 10° apart) and is left with -25° against 30° (55°
        // apart); the optimum pairs 10° with 30° and -25° with 0° (20° + 25°).
        let at = |deg: f64| vec![deg.to_radians().cos() as f32, deg.to_radians().sin() as f32];
        let prev = vec![(1, at(0.0)), (2, at(30.0))];
        assert_eq!(match_clusters(&prev, &[at(10.0), at(-25.0)], 0.5, 3), vec![2, 1]);
        // With a limit of 0.3 (about 45.6°) greedy would even drop a pair.
        assert_eq!(match_clusters(&prev, &[at(10.0), at(-25.0)], 0.3, 3), vec![2, 1]);
    }

    #[test]
    fn uneven_and_empty_sides() {
        let prev = previous(4);
        assert!(match_clusters(&prev, &[], 0.2, 1).is_empty());
        let current: Vec<Vec<f32>> = prev.iter().map(|(_, c)| c.clone()).collect();
        assert_eq!(match_clusters(&[], &current, 0.2, 1), vec![1, 2, 3, 4]);
        assert_eq!(match_clusters(&prev[..2], &current, 0.2, 50), vec![10, 20, 50, 51]);
        assert_eq!(match_clusters(&prev, &current[1..3], 0.2, 50), vec![20, 30]);
        assert_eq!(
            match_clusters(&prev, &[vec![0.0; 32], vec![f32::NAN; 32]], 2.0, 9),
            vec![9, 10]
        );
        assert_eq!(
            match_clusters(&[(5, vec![1.0, 0.0])], &[vec![0.0, 1.0]], 1.0, u32::MAX),
            vec![5]
        );
        assert_eq!(
            match_clusters(&[], &[vec![1.0], vec![1.0]], 1.0, u32::MAX),
            vec![u32::MAX, 0]
        );
    }

    /// Against brute force over all permutations on small random instances.
    #[test]
    fn hungarian_is_optimal() {
        let mut rng = SplitMix64::new(11);
        for _ in 0..200 {
            let (rows, cols) = (1 + rng.below(5), 1 + rng.below(5));
            let cost: Vec<Vec<f64>> = (0..rows).map(|_| (0..cols).map(|_| rng.next_f64()).collect()).collect();
            let total = |a: &[Option<usize>]| {
                a.iter()
                    .enumerate()
                    .filter_map(|(i, j)| j.map(|j| cost[i][j]))
                    .sum::<f64>()
            };
            let got = assign_rows(&cost);
            let mut cols_used: Vec<usize> = got.iter().flatten().copied().collect();
            assert_eq!(cols_used.len(), rows.min(cols));
            cols_used.sort_unstable();
            cols_used.dedup();
            assert_eq!(cols_used.len(), rows.min(cols));
            assert!((total(&got) - brute_force(&cost, 0, &mut vec![false; cols])).abs() < 1e-9);
        }
    }

    /// Least cost of pairing rows `row..` with unused columns, each row paired if columns remain.
    fn brute_force(cost: &[Vec<f64>], row: usize, used: &mut Vec<bool>) -> f64 {
        let free = used.iter().filter(|u| !**u).count();
        if row == cost.len() || free == 0 {
            return 0.0;
        }
        let mut best = f64::INFINITY;
        // A row may stay unpaired only when there are more rows left than columns.
        if cost.len() - row > free {
            best = brute_force(cost, row + 1, used);
        }
        for j in 0..used.len() {
            if !used[j] {
                used[j] = true;
                best = best.min(cost[row][j] + brute_force(cost, row + 1, used));
                used[j] = false;
            }
        }
        best
    }
}

//! External clustering quality: how well a predicted labelling agrees with a
//! reference one, both as one label per point. Label values are arbitrary
//! ids; only which points share a label matters.
//!
//! Both scores follow scikit-learn (`adjusted_rand_score`,
//! `normalized_mutual_info_score` with `average_method="arithmetic"`),
//! including its answers for degenerate labellings. If the slices differ in
//! length, only the common prefix is compared.

use std::collections::HashMap;

/// Adjusted Rand index (Hubert and Arabie, 1985): the Rand index corrected
/// for chance, 1 for identical partitions, about 0 for independent ones, and
/// negative when agreement is worse than chance.
///
/// Computed from the pair confusion matrix as scikit-learn does, so that the
/// degenerate cases agree: identical partitions (including both all-one-cluster
/// and empty input) give 1.0.
pub fn adjusted_rand_index(truth: &[usize], pred: &[usize]) -> f64 {
    let table = Contingency::new(truth, pred);
    let n = i128::from(table.n);
    let cells = sum_of_squares(table.cells.values());
    let rows = sum_of_squares(&table.rows);
    let cols = sum_of_squares(&table.cols);
    // Ordered pairs of distinct points: together in both, in pred only, in truth only, in neither.
    let both = cells - n;
    let pred_only = cols - cells;
    let truth_only = rows - cells;
    let neither = n * n - pred_only - truth_only - cells;
    if pred_only == 0 && truth_only == 0 {
        return 1.0;
    }
    let numerator = 2 * (both * neither - truth_only * pred_only);
    let denominator = (both + truth_only) * (truth_only + neither) + (both + pred_only) * (pred_only + neither);
    numerator as f64 / denominator as f64
}

/// Normalised mutual information, `MI / mean(H(truth), H(pred))`, in [0, 1].
///
/// As in scikit-learn: 1.0 when both labellings have a single cluster (or no
/// points), since neither splits the data; 0.0 when the mutual information is
/// 0 otherwise (for instance one labelling has a single cluster and the other
/// several).
pub fn normalized_mutual_info(truth: &[usize], pred: &[usize]) -> f64 {
    let table = Contingency::new(truth, pred);
    if table.rows.len() == table.cols.len() && table.rows.len() <= 1 {
        return 1.0;
    }
    let n = table.n as f64;
    let mut mi = 0.0;
    for (&(r, c), &count) in &table.cells {
        let count = count as f64;
        mi += count / n * (n * count / (table.rows[r] as f64 * table.cols[c] as f64)).ln();
    }
    // Rounding can leave a tiny negative sum for independent labellings.
    let mi = mi.max(0.0);
    if mi == 0.0 {
        return 0.0;
    }
    let entropy = |counts: &[u64]| -counts.iter().map(|&c| c as f64 / n * (c as f64 / n).ln()).sum::<f64>();
    mi / ((entropy(&table.rows) + entropy(&table.cols)) / 2.0)
}

/// Σ c², exact: i128 holds it for any count of points that fits in memory.
fn sum_of_squares<'a>(counts: impl IntoIterator<Item = &'a u64>) -> i128 {
    counts.into_iter().map(|&c| i128::from(c) * i128::from(c)).sum()
}

/// Sparse contingency table of two labellings over their common prefix.
struct Contingency {
    n: u64,
    /// Points per truth cluster, indexed by dense truth id.
    rows: Vec<u64>,
    /// Points per predicted cluster, indexed by dense predicted id.
    cols: Vec<u64>,
    /// Non-zero cells, keyed by (dense truth id, dense predicted id).
    cells: HashMap<(usize, usize), u64>,
}

impl Contingency {
    fn new(truth: &[usize], pred: &[usize]) -> Self {
        let (mut row_ids, mut col_ids) = (HashMap::new(), HashMap::new());
        let mut table = Self {
            n: 0,
            rows: Vec::new(),
            cols: Vec::new(),
            cells: HashMap::new(),
        };
        for (&t, &p) in truth.iter().zip(pred) {
            let r = dense(&mut row_ids, &mut table.rows, t);
            let c = dense(&mut col_ids, &mut table.cols, p);
            table.rows[r] += 1;
            table.cols[c] += 1;
            *table.cells.entry((r, c)).or_insert(0) += 1;
            table.n += 1;
        }
        table
    }
}

/// Dense id of `label`, adding a zero count for a label seen for the first time.
fn dense(ids: &mut HashMap<usize, usize>, counts: &mut Vec<u64>, label: usize) -> usize {
    *ids.entry(label).or_insert_with(|| {
        counts.push(0);
        counts.len() - 1
    })
}

#[cfg(test)]
mod tests {
    use crate::rng::SplitMix64;
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Expected values from scikit-learn 1.9.1 (Python 3.11):
    /// `adjusted_rand_score(t, p)` and `normalized_mutual_info_score(t, p)`.
    /// By hand for the first: ARI = 4/7 (scikit-learn's documented example);
    /// MI = ln 2, H(t) = ln 2, H(p) = 1.5 ln 2, so NMI = 1 / 1.25 = 0.8.
    #[test]
    fn matches_scikit_learn() {
        let cases: [(&[usize], &[usize], f64, f64); 6] = [
            (&[0, 0, 1, 1], &[0, 0, 1, 2], 0.5714285714285714, 0.7999999999999999),
            (&[0, 0, 1, 1], &[1, 1, 0, 0], 1.0, 1.0),
            (&[0, 0, 1, 2], &[0, 0, 1, 1], 0.5714285714285714, 0.7999999999999999),
            (&[0, 0, 0, 0], &[0, 1, 2, 3], 0.0, 0.0),
            (&[0, 0, 1, 1], &[0, 1, 0, 1], -0.5, 0.0),
            (
                &[0, 0, 0, 1, 1, 1, 2, 2],
                &[0, 0, 1, 1, 2, 2, 2, 2],
                0.18181818181818182,
                0.5300257549140327,
            ),
        ];
        for (t, p, ari, nmi) in cases {
            assert!(
                close(adjusted_rand_index(t, p), ari),
                "ARI {t:?} {p:?}: {}",
                adjusted_rand_index(t, p)
            );
            assert!(
                close(normalized_mutual_info(t, p), nmi),
                "NMI {t:?} {p:?}: {}",
                normalized_mutual_info(t, p)
            );
        }
    }

    #[test]
    fn identical_and_degenerate_labellings() {
        let labels = [3, 3, 7, 1, 1, 7, 9];
        assert_eq!(adjusted_rand_index(&labels, &labels), 1.0);
        assert!(close(normalized_mutual_info(&labels, &labels), 1.0));
        // Both all-one-cluster, and empty input: a perfect match, as in scikit-learn.
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[5, 5, 5]), 1.0);
        assert_eq!(normalized_mutual_info(&[0, 0, 0], &[5, 5, 5]), 1.0);
        assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
        assert_eq!(normalized_mutual_info(&[], &[]), 1.0);
        // All singletons on both sides: also identical partitions.
        assert_eq!(adjusted_rand_index(&[0, 1, 2], &[2, 0, 1]), 1.0);
        assert!(close(normalized_mutual_info(&[0, 1, 2], &[2, 0, 1]), 1.0));
    }

    #[test]
    fn random_labelling_scores_near_zero() {
        let mut rng = SplitMix64::new(17);
        let truth: Vec<usize> = (0..1000).map(|_| rng.below(5)).collect();
        let pred: Vec<usize> = (0..1000).map(|_| rng.below(5)).collect();
        let ari = adjusted_rand_index(&truth, &pred);
        assert!(ari.abs() < 0.05, "ARI {ari}");
        assert!(normalized_mutual_info(&truth, &pred) < 0.05);
    }
}

//! A night's training time, shared across clusters by expected value.
//!
//! A cluster is worth training in proportion to what moving it to an SLM
//! would save (its share of the traffic times the tokens of its calls) and
//! to how far it still is from the gate (the headroom). The clusters are
//! trained in that order; each gets the remaining time in proportion to its
//! value among the clusters still to train, so time a cluster does not use
//! (it converged, it stopped on a plateau) goes to the next ones.

use serde::Serialize;

/// The headroom of a cluster already at or above its target: more training
/// may still help, but it is worth little next to a cluster below the gate.
pub const MIN_HEADROOM: f64 = 0.02;

/// What the budget knows of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub cluster: i64,
    /// Share of the clustered calls (the latest cluster run).
    pub share: f64,
    /// Mean prompt + answer tokens of its pairs (the base model's tokenizer).
    pub tokens_per_call: f64,
    /// The newest evaluation's score, if the cluster has one.
    pub score: Option<f64>,
}

impl Candidate {
    /// Traffic share × token cost × headroom below `target`.
    pub fn value(&self, target: f64) -> f64 {
        let headroom = match self.score {
            Some(s) => (target - s).max(MIN_HEADROOM),
            None => target.max(MIN_HEADROOM),
        };
        self.share.max(0.0) * self.tokens_per_call.max(1.0) * headroom
    }
}

/// The candidates, most valuable first (ties: the smaller cluster id).
pub fn order(mut candidates: Vec<Candidate>, target: f64) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.value(target).total_cmp(&a.value(target)).then(a.cluster.cmp(&b.cluster)));
    candidates
}

/// The seconds the first of `values` gets out of `remaining`: its share of
/// the value still to train.
pub fn slice(remaining_secs: f64, values: &[f64]) -> f64 {
    let Some(first) = values.first() else { return 0.0 };
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    if remaining_secs <= 0.0 {
        return 0.0;
    }
    if total <= 0.0 {
        return remaining_secs / values.len() as f64;
    }
    remaining_secs * first.max(0.0) / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(cluster: i64, share: f64, tokens: f64, score: Option<f64>) -> Candidate {
        Candidate { cluster, share, tokens_per_call: tokens, score }
    }

    #[test]
    fn value_orders_by_share_tokens_and_headroom() {
        let target = 0.9;
        let ordered = order(
            vec![
                c(1, 0.10, 500.0, None),      // 0.1 * 500 * 0.9 = 45
                c(2, 0.40, 400.0, Some(0.95)), // at the gate: 0.4 * 400 * 0.02 = 3.2
                c(3, 0.30, 300.0, Some(0.6)),  // 0.3 * 300 * 0.3 = 27
                c(4, 0.20, 1000.0, Some(0.5)), // 0.2 * 1000 * 0.4 = 80
            ],
            target,
        );
        assert_eq!(ordered.iter().map(|c| c.cluster).collect::<Vec<_>>(), [4, 1, 3, 2]);
        assert!((ordered[0].value(target) - 80.0).abs() < 1e-9);
        // Long prompts count: the same share with more tokens is worth more.
        assert!(c(5, 0.1, 2000.0, None).value(target) > c(6, 0.1, 200.0, None).value(target));
    }

    #[test]
    fn slices_follow_value_and_pass_unused_time_on() {
        let values = [60.0, 30.0, 10.0];
        assert!((slice(100.0, &values) - 60.0).abs() < 1e-9);
        // The first cluster used only 20 of its 60 s: the rest share 80 s.
        assert!((slice(80.0, &values[1..]) - 60.0).abs() < 1e-9);
        assert!((slice(20.0, &values[2..]) - 20.0).abs() < 1e-9);
        assert_eq!(slice(0.0, &values), 0.0);
        assert_eq!(slice(-5.0, &values), 0.0);
        assert!((slice(30.0, &[0.0, 0.0, 0.0]) - 10.0).abs() < 1e-9, "no value known: equal shares");
        assert_eq!(slice(30.0, &[]), 0.0);
    }
}

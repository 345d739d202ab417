//! Which candidate serves a cluster (the recipe's step 4: task performance,
//! licence, memory). evaluate scored each candidate on the same eval calls;
//! here the licence list drops the ones a user may not run, the gate drops
//! the ones that do not imitate the LLM well enough, and of the rest the
//! cheapest to serve wins: fewest base parameters × tokens per call, then
//! least memory. A zero-shot or few-shot candidate that passes beats a LoRA
//! adapter only when it is cheaper, which a pruned prompt often prevents.

use crate::warehouse::candidates::Candidate;

/// The outcome for one cluster: the winner (or the best candidate the gate
/// saw, to say why it failed), and a sentence for the route's `reason`.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The candidate the gate judges: the cheapest passing one, else the
    /// best-scoring allowed one; None when the licences allow none.
    pub candidate: Option<Candidate>,
    pub note: String,
}

/// `licences_allowed` holds a candidate's licence (case-insensitive); no
/// list allows every licence.
pub fn licence_allowed(licence: &str, allowed: Option<&[String]>) -> bool {
    allowed.is_none_or(|list| list.iter().any(|l| l.eq_ignore_ascii_case(licence)))
}

/// Picks the candidate that takes the cluster: `threshold` gives the score
/// each metric needs, `min_eval` the eval calls.
pub fn choose(
    candidates: &[Candidate],
    allowed: Option<&[String]>,
    threshold: &dyn Fn(&str) -> f64,
    min_eval: usize,
) -> Choice {
    let (licensed, refused): (Vec<&Candidate>, Vec<&Candidate>) =
        candidates.iter().partition(|c| licence_allowed(&c.licence, allowed));
    if licensed.is_empty() {
        let note = match refused.first() {
            None => "no candidate was evaluated".to_string(),
            Some(c) => format!(
                "licence `{}` of {} is not in licences_allowed [{}]",
                c.licence,
                c.base_model,
                allowed.unwrap_or_default().join(", ")
            ),
        };
        return Choice { candidate: None, note };
    }
    let passes = |c: &&Candidate| c.n as usize >= min_eval && c.score >= threshold(&c.metric);
    let mut passing: Vec<&Candidate> = licensed.iter().copied().filter(passes).collect();
    passing.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.memory_mib.total_cmp(&b.memory_mib)).then(a.kind.cmp(&b.kind)));
    let scores = |list: &[&Candidate]| {
        list.iter().map(|c| format!("{} {:.3}", c.kind.name(), c.score)).collect::<Vec<_>>().join(", ")
    };
    match passing.first() {
        Some(winner) => Choice {
            candidate: Some((*winner).clone()),
            note: format!(
                "{}: cheapest of {} passing ({}), {:.0} tokens per call",
                winner.kind.name(),
                passing.len(),
                scores(&passing),
                winner.prompt_tokens + winner.answer_tokens
            ),
        },
        None => {
            let best = licensed.iter().max_by(|a, b| a.score.total_cmp(&b.score).then(b.kind.cmp(&a.kind))).expect("not empty");
            Choice { candidate: Some((*best).clone()), note: format!("none passes ({})", scores(&licensed)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warehouse::candidates::CandidateKind;

    fn c(kind: CandidateKind, score: f64, tokens: f64, licence: &str) -> Candidate {
        Candidate {
            evaluation_id: "e".into(),
            cluster_id: 3,
            kind,
            base_model: "base".into(),
            licence: licence.into(),
            metric: "tool_call_match".into(),
            score,
            ci_low: score - 0.05,
            ci_high: score + 0.05,
            n: 40,
            shots: if kind == CandidateKind::FewShot { 2 } else { 0 },
            prompt_tokens: tokens,
            answer_tokens: 20.0,
            memory_mib: 600.0,
            cost: 1e8 * (tokens + 20.0),
        }
    }

    fn gate(metric: &str) -> f64 {
        if metric == "tool_call_match" { 0.9 } else { 0.6 }
    }

    #[test]
    fn the_cheapest_passing_candidate_wins() {
        use CandidateKind::*;
        // All pass: zero-shot reads the whole prompt, LoRA the pruned one, few-shot three prompts.
        let all = [c(ZeroShot, 0.92, 900.0, "apache-2.0"), c(Lora, 0.97, 300.0, "apache-2.0"), c(FewShot, 0.95, 2700.0, "apache-2.0")];
        let choice = choose(&all, None, &gate, 30);
        assert_eq!(choice.candidate.unwrap().kind, Lora, "{}", choice.note);
        assert!(choice.note.contains("cheapest of 3 passing"), "{}", choice.note);
        // The adapter fails: zero-shot is the cheapest that passes.
        let all = [c(ZeroShot, 0.92, 900.0, "apache-2.0"), c(Lora, 0.5, 300.0, "apache-2.0"), c(FewShot, 0.95, 2700.0, "apache-2.0")];
        assert_eq!(choose(&all, None, &gate, 30).candidate.unwrap().kind, ZeroShot);
        // Too few eval calls: none passes, the best is what the gate sees.
        let few: Vec<Candidate> = all.iter().cloned().map(|mut x| { x.n = 10; x }).collect();
        let choice = choose(&few, None, &gate, 30);
        assert_eq!(choice.candidate.as_ref().unwrap().kind, FewShot);
        assert!(choice.note.starts_with("none passes"), "{}", choice.note);
        // The free-text gate is the metric's own.
        let mut text = c(ZeroShot, 0.7, 100.0, "mit");
        text.metric = "rouge_l".into();
        assert_eq!(choose(&[text], None, &gate, 30).candidate.unwrap().kind, ZeroShot);
    }

    #[test]
    fn the_licence_list_gates_the_candidates() {
        use CandidateKind::*;
        let allowed = vec!["Apache-2.0".to_string(), "mit".to_string()];
        // The cheaper candidate's base is under terms the user did not allow.
        let mut gemma = c(Lora, 0.99, 100.0, "gemma");
        gemma.base_model = "google/gemma-3-270m-it".into();
        let all = [gemma.clone(), c(Lora, 0.93, 300.0, "apache-2.0")];
        assert_eq!(choose(&all, None, &gate, 30).candidate.unwrap().licence, "gemma");
        let choice = choose(&all, Some(&allowed), &gate, 30);
        assert_eq!(choice.candidate.unwrap().licence, "apache-2.0", "{}", choice.note);
        // Nothing allowed: no candidate, and the note names the licence and the list.
        let choice = choose(&[gemma], Some(&allowed), &gate, 30);
        assert!(choice.candidate.is_none());
        assert!(choice.note.contains("`gemma`") && choice.note.contains("gemma-3-270m") && choice.note.contains("Apache-2.0, mit"), "{}", choice.note);
        assert!(!licence_allowed("unknown", Some(&allowed)) && licence_allowed("unknown", None));
    }
}

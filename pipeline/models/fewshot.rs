//! Few-shot prompting: the base model, untrained, with the k training calls
//! most like the request shown as earlier turns of the chat. It is one of
//! the candidates a cluster's route can pick (`evaluate` scores it, publish
//! stores its examples in the registry), and the serving side builds the
//! very same prompt from those examples.
//!
//! Likeness is lexical (cosine over word and word-pair counts of the turns
//! after the system prompt): it needs no model, so the router can rank the
//! examples of a route in microseconds, and a request that names the same
//! things as an example (tools, fields, entities) sits near it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The examples' file in a few-shot route's registry folder (JSON lines).
pub const SHOTS_FILE: &str = "shots.jsonl";

const TURN: &str = "<|im_start|>";
const GENERATION: &str = "<|im_start|>assistant\n";

/// One training call: its whole prompt (ChatML, assistant turn open, no
/// prefix pruned) and the LLM's answer (closed by the end-of-turn token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    pub prompt: String,
    pub answer: String,
}

/// A cluster's examples, ready to rank against a request.
pub struct ShotPool {
    shots: Vec<Shot>,
    bags: Vec<Bag>,
}

impl ShotPool {
    pub fn new(shots: Vec<Shot>) -> Self {
        let bags = shots.iter().map(|s| Bag::of(asked(&s.prompt))).collect();
        Self { shots, bags }
    }

    pub fn len(&self) -> usize {
        self.shots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shots.is_empty()
    }

    pub fn shots(&self) -> &[Shot] {
        &self.shots
    }

    /// The `k` examples most like `prompt`, nearest first (ties: pool order).
    pub fn nearest(&self, prompt: &str, k: usize) -> Vec<&Shot> {
        let query = Bag::of(asked(prompt));
        let mut ranked: Vec<(f32, usize)> = self.bags.iter().enumerate().map(|(i, b)| (query.cosine(b), i)).collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.into_iter().take(k).map(|(_, i)| &self.shots[i]).collect()
    }

    /// The few-shot prompt of `prompt` with its `k` nearest examples, the
    /// farthest dropped while `fits` refuses it (the model's context), and
    /// how many examples it holds. evaluate and the serving side both build
    /// it here, so the SLM reads in serving what it was scored on.
    pub fn prompt_for(&self, prompt: &str, k: usize, fits: &mut dyn FnMut(&str) -> bool) -> (String, usize) {
        let mut near = self.nearest(prompt, k);
        loop {
            let text = few_shot_prompt(prompt, &near);
            if near.is_empty() || fits(&text) {
                return (text, near.len());
            }
            near.pop();
        }
    }

    /// JSON lines, one example each: the registry's `shots.jsonl`.
    pub fn to_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for s in &self.shots {
            out.extend(serde_json::to_vec(s).expect("a shot is JSON"));
            out.push(b'\n');
        }
        out
    }

    /// Reads `shots.jsonl`; a bad line is an error naming it.
    pub fn from_jsonl(bytes: &[u8]) -> Result<Self, String> {
        let mut shots = Vec::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate().filter(|(_, l)| !l.is_empty()) {
            shots.push(serde_json::from_slice(line).map_err(|e| format!("{SHOTS_FILE} line {}: {e}", i + 1))?);
        }
        Ok(Self::new(shots))
    }
}

/// The prompt the base model reads: the request's system turn once, then
/// each example's other turns and its answer, then the request's turns with
/// the assistant's turn open. A prompt that is not ChatML gets the examples
/// as plain text before it.
pub fn few_shot_prompt(prompt: &str, shots: &[&Shot]) -> String {
    let (system, rest) = split_system(prompt);
    let mut out = String::with_capacity(prompt.len() * (shots.len() + 1));
    out.push_str(system);
    for shot in shots {
        let (_, turns) = split_system(&shot.prompt);
        out.push_str(turns);
        out.push_str(&shot.answer);
    }
    out.push_str(rest);
    out
}

/// The leading system turn (with its end-of-turn line) and the rest.
fn split_system(prompt: &str) -> (&str, &str) {
    let system = format!("{TURN}system\n");
    if !prompt.starts_with(&system) {
        return ("", prompt);
    }
    match prompt[system.len()..].find(TURN) {
        Some(i) => prompt.split_at(system.len() + i),
        None => ("", prompt),
    }
}

/// What a prompt asks: its turns after the system prompt, without the open
/// assistant turn.
fn asked(prompt: &str) -> &str {
    let (_, rest) = split_system(prompt);
    rest.strip_suffix(GENERATION).unwrap_or(rest)
}

/// Counts of lower-cased words and adjacent word pairs, hashed.
struct Bag {
    counts: HashMap<u64, f32>,
    norm: f32,
}

impl Bag {
    fn of(text: &str) -> Self {
        let words: Vec<String> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        let mut counts: HashMap<u64, f32> = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            *counts.entry(fnv(&[w.as_str()])).or_default() += 1.0;
            if let Some(next) = words.get(i + 1) {
                *counts.entry(fnv(&[w.as_str(), next.as_str()])).or_default() += 1.0;
            }
        }
        let norm = counts.values().map(|v| v * v).sum::<f32>().sqrt();
        Self { counts, norm }
    }

    fn cosine(&self, other: &Bag) -> f32 {
        if self.norm == 0.0 || other.norm == 0.0 {
            return 0.0;
        }
        let (small, large) = if self.counts.len() <= other.counts.len() { (self, other) } else { (other, self) };
        let dot: f32 = small.counts.iter().filter_map(|(k, v)| large.counts.get(k).map(|w| v * w)).sum();
        dot / (self.norm * other.norm)
    }
}

/// FNV-1a over the parts (a separator between them): stable across runs
/// and platforms, unlike the standard hasher.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h = (h ^ 0x1f).wrapping_mul(0x100_0000_01b3);
        }
        for b in part.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(system: &str, user: &str) -> String {
        format!("<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")
    }

    fn shot(user: &str, answer: &str) -> Shot {
        Shot { prompt: chat("Sie buchen Reisen.", user), answer: format!("{answer}<|im_end|>\n") }
    }

    #[test]
    fn the_nearest_examples_share_the_request_s_words() {
        let pool = ShotPool::new(vec![
            shot("Storniere Buchung QX-19 für Herrn Vogel", r#"{"tool_calls":[{"name":"cancel","arguments":{"id":"QX-19"}}]}"#),
            shot("Wie ist das Wetter in Lyon?", "Sonnig."),
            shot("Buche einen Flug nach Oslo am Montag", r#"{"tool_calls":[{"name":"book","arguments":{"to":"OSL"}}]}"#),
            shot("Buche einen Zug nach Bern am Freitag", r#"{"tool_calls":[{"name":"book","arguments":{"to":"BRN"}}]}"#),
        ]);
        let request = chat("Sie buchen Reisen.", "Buche einen Flug nach Rom am Montag");
        let near: Vec<&str> = pool.nearest(&request, 2).iter().map(|s| s.answer.as_str()).collect();
        assert!(near[0].contains("OSL") && near[1].contains("BRN"), "{near:?}");
        // The shared system prompt does not count: only what is asked.
        let other_system = chat("Completely different instructions about cancelling.", "Buche einen Flug nach Rom am Montag");
        assert_eq!(pool.nearest(&other_system, 1)[0].answer, near[0]);
        assert_eq!(pool.nearest(&request, 9).len(), 4);
        assert!(ShotPool::new(vec![]).nearest(&request, 2).is_empty());
    }

    #[test]
    fn the_prompt_keeps_one_system_turn_then_examples_then_the_request() {
        let a = shot("Buche Oslo", "A");
        let b = shot("Buche Bern", "B");
        let request = chat("Sie buchen Reisen.", "Buche Rom");
        let p = few_shot_prompt(&request, &[&a, &b]);
        assert_eq!(p.matches("<|im_start|>system\n").count(), 1, "{p}");
        assert!(p.starts_with("<|im_start|>system\nSie buchen Reisen.<|im_end|>\n<|im_start|>user\nBuche Oslo<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"), "{p}");
        assert!(p.ends_with("<|im_start|>user\nBuche Rom<|im_end|>\n<|im_start|>assistant\n"), "{p}");
        assert!(p.find("Buche Bern").unwrap() < p.find("Buche Rom").unwrap());
        // No examples: the request as it was.
        assert_eq!(few_shot_prompt(&request, &[]), request);
        // Not ChatML: the examples as text before it.
        let plain = Shot { prompt: "Q: 1+1\nA: ".into(), answer: "2\n".into() };
        assert_eq!(few_shot_prompt("Q: 2+2\nA: ", &[&plain]), "Q: 1+1\nA: 2\nQ: 2+2\nA: ");
    }

    #[test]
    fn examples_are_dropped_farthest_first_until_the_prompt_fits() {
        let pool = ShotPool::new(vec![shot("Buche Oslo Montag", "A"), shot("Wetter Lyon", "B"), shot("Buche Bern Montag", "C")]);
        let request = chat("Sie buchen Reisen.", "Buche Rom Montag");
        let (all, n) = pool.prompt_for(&request, 2, &mut |_| true);
        assert_eq!(n, 2);
        assert!(all.contains("Buche Oslo") && all.contains("Buche Bern") && !all.contains("Lyon"));
        let limit = all.len() - 1;
        let (one, n) = pool.prompt_for(&request, 2, &mut |t| t.len() <= limit);
        assert_eq!(n, 1);
        assert!(one.contains("Buche Oslo") && !one.contains("Buche Bern"), "the nearest stays: {one}");
        let (none, n) = pool.prompt_for(&request, 2, &mut |_| false);
        assert_eq!((none.as_str(), n), (request.as_str(), 0));
    }

    #[test]
    fn shots_round_trip_through_json_lines_and_bad_lines_are_named() {
        let pool = ShotPool::new(vec![shot("ä \"quoted\"\nline", "x"), shot("y", "z")]);
        let back = ShotPool::from_jsonl(&pool.to_jsonl()).unwrap();
        assert_eq!(back.shots(), pool.shots());
        let err = ShotPool::from_jsonl(b"{\"prompt\":\"a\",\"answer\":\"b\"}\nnot json\n").err().unwrap();
        assert!(err.contains("line 2"), "{err}");
    }
}

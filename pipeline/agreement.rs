//! Scoring a generated answer against the LLM's logged answer, by the kind
//! of answer the LLM gave:
//!
//! - **tool calls** (`{"tool_calls": [{"name", "arguments"}]}`, as distill
//!   renders them): the Berkeley Function Calling Leaderboard's AST check:
//!   the same calls (any order), each with the exact function name and
//!   arguments equal as parsed JSON. 1 or 0.
//! - **JSON**: 0 unless the answer is valid JSON; else the share of the
//!   reference's leaf fields (by path) whose values are equal.
//! - **free text**: ROUGE-L F1 over lower-cased word tokens.
//!
//! Each example also gets `agrees`: the answer means the same as the LLM's
//! (tool calls match; JSON equal as a whole; text equal up to white space).
//! A cluster's score is the mean over its eval examples, with a 95%
//! confidence interval: Wilson's for 0/1 scores, a seeded percentile
//! bootstrap otherwise.
//!
//! A leaf module: evaluate scores its held-out examples with it, the
//! gateway its shadow checks.

use serde_json::Value;

use crate::rng::SplitMix64;

/// The kind of answer the LLM logged, which picks the scoring function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnswerKind {
    ToolCall,
    Json,
    Text,
}

impl AnswerKind {
    /// The metric's name in the `evaluations` table and the routing table.
    pub fn metric(self) -> &'static str {
        match self {
            AnswerKind::ToolCall => "tool_call_match",
            AnswerKind::Json => "json_field_match",
            AnswerKind::Text => "rouge_l",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AnswerKind::ToolCall => "tool_call",
            AnswerKind::Json => "json",
            AnswerKind::Text => "text",
        }
    }
}

/// One scored answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub kind: AnswerKind,
    /// In `[0, 1]`.
    pub score: f64,
    /// Means the same as the reference.
    pub agrees: bool,
}

/// The answer without the end-of-turn token distill appends.
pub fn strip_end(answer: &str) -> &str {
    let a = answer.trim();
    a.strip_suffix("<|im_end|>").unwrap_or(a).trim()
}

/// The kind of a (reference) answer.
pub fn kind_of(reference: &str) -> AnswerKind {
    let reference = strip_end(reference);
    if tool_calls(reference).is_some() {
        AnswerKind::ToolCall
    } else if parse_json(reference).is_some() {
        AnswerKind::Json
    } else {
        AnswerKind::Text
    }
}

/// Scores `candidate` against `reference` (both as generated or logged:
/// the end-of-turn token is ignored).
pub fn score(reference: &str, candidate: &str) -> Scored {
    let (reference, candidate) = (strip_end(reference), strip_end(candidate));
    let kind = kind_of(reference);
    match kind {
        AnswerKind::ToolCall => {
            let expected = tool_calls(reference).unwrap_or_default();
            let ok = tool_calls(candidate).is_some_and(|got| calls_match(&expected, &got));
            Scored { kind, score: f64::from(u8::from(ok)), agrees: ok }
        }
        AnswerKind::Json => {
            let expected = parse_json(reference).unwrap_or(Value::Null);
            match parse_json(candidate) {
                None => Scored { kind, score: 0.0, agrees: false },
                Some(got) => Scored { kind, score: field_match(&expected, &got), agrees: values_equal(&expected, &got) },
            }
        }
        AnswerKind::Text => {
            let agrees = normalize_ws(reference) == normalize_ws(candidate);
            Scored { kind, score: rouge_l(reference, candidate), agrees }
        }
    }
}

/// JSON if the whole text is an object or an array (a bare number or
/// string is text). A fenced block (```json ... ```) is accepted: small
/// models like to add one.
fn parse_json(text: &str) -> Option<Value> {
    let text = text.trim();
    let text = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .and_then(|t| t.trim_end().strip_suffix("```"))
        .unwrap_or(text)
        .trim();
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Some(v),
        _ => None,
    }
}

/// A tool call: the function's name and its parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub name: String,
    pub arguments: Value,
}

/// The tool calls of an answer: the whole answer, or its last line (distill
/// writes text, a new line, then the calls, when the LLM gave both). Also
/// reads the OpenAI shape (`function.name`, `function.arguments` as a JSON
/// string) and a bare list of calls.
pub fn tool_calls(answer: &str) -> Option<Vec<ToolCall>> {
    let from = |v: Value| -> Option<Vec<ToolCall>> {
        let list = match v {
            Value::Object(mut o) => match o.remove("tool_calls") {
                Some(Value::Array(list)) => list,
                _ => return None,
            },
            Value::Array(list) => list,
            _ => return None,
        };
        let mut calls = Vec::with_capacity(list.len());
        for call in list {
            let call = call.get("function").cloned().unwrap_or(call);
            let name = call.get("name")?.as_str()?.to_string();
            let arguments = match call.get("arguments") {
                // OpenAI sends arguments as a JSON string.
                Some(Value::String(s)) => serde_json::from_str(s).ok()?,
                Some(v) => v.clone(),
                None => Value::Object(Default::default()),
            };
            calls.push(ToolCall { name, arguments });
        }
        (!calls.is_empty()).then_some(calls)
    };
    if let Some(calls) = parse_json(answer).and_then(from) {
        return Some(calls);
    }
    let last = answer.trim().lines().last()?;
    parse_json(last).and_then(from)
}

/// Same calls in any order (the leaderboard's "parallel" check): a perfect
/// matching between the two lists.
fn calls_match(expected: &[ToolCall], got: &[ToolCall]) -> bool {
    if expected.len() != got.len() {
        return false;
    }
    let mut used = vec![false; got.len()];
    expected.iter().all(|e| {
        let found = got
            .iter()
            .enumerate()
            .find(|(i, g)| !used[*i] && g.name == e.name && values_equal(&e.arguments, &g.arguments));
        found.map(|(i, _)| used[i] = true).is_some()
    })
}

/// JSON equality as a parser sees it: key order ignored, numbers equal by
/// value (`1` and `1.0`), strings equal up to surrounding white space.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Value::String(x), Value::String(y)) => x.trim() == y.trim(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| values_equal(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// The share of `expected`'s leaf fields (JSON pointer paths) that `got`
/// has with an equal value. An empty object or array is itself a leaf.
fn field_match(expected: &Value, got: &Value) -> f64 {
    let mut leaves = Vec::new();
    collect_leaves(expected, String::new(), &mut leaves);
    if leaves.is_empty() {
        return f64::from(u8::from(values_equal(expected, got)));
    }
    let equal = leaves.iter().filter(|(path, v)| got.pointer(path).is_some_and(|g| values_equal(v, g))).count();
    equal as f64 / leaves.len() as f64
}

fn collect_leaves<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, child) in o {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_leaves(child, format!("{path}/{key}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, child) in a.iter().enumerate() {
                collect_leaves(child, format!("{path}/{i}"), out);
            }
        }
        _ => out.push((path, v)),
    }
}

fn normalize_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-cased words and single punctuation marks.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// ROUGE-L F1 (Lin 2004, β = 1): the longest common subsequence of words
/// against both lengths. Two empty texts agree fully.
pub fn rouge_l(reference: &str, candidate: &str) -> f64 {
    let (r, c) = (words(reference), words(candidate));
    if r.is_empty() || c.is_empty() {
        return f64::from(u8::from(r.is_empty() && c.is_empty()));
    }
    // One row of the LCS table at a time.
    let mut prev = vec![0usize; c.len() + 1];
    let mut row = vec![0usize; c.len() + 1];
    for rw in &r {
        for (j, cw) in c.iter().enumerate() {
            row[j + 1] = if rw == cw { prev[j] + 1 } else { row[j].max(prev[j + 1]) };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    let lcs = prev[c.len()] as f64;
    if lcs == 0.0 {
        return 0.0;
    }
    let (precision, recall) = (lcs / c.len() as f64, lcs / r.len() as f64);
    2.0 * precision * recall / (precision + recall)
}

/// A mean score with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub n: usize,
}

/// The mean of `scores` (each in `[0, 1]`) and a 95% interval: Wilson's
/// score interval when every score is 0 or 1 (sound at small n and at 0% or
/// 100%), else a percentile bootstrap of 2000 resamples drawn from `seed`.
pub fn estimate(scores: &[f64], seed: u64) -> Estimate {
    let n = scores.len();
    if n == 0 {
        return Estimate { mean: f64::NAN, low: f64::NAN, high: f64::NAN, n };
    }
    let mean = scores.iter().sum::<f64>() / n as f64;
    if scores.iter().all(|&s| s == 0.0 || s == 1.0) {
        let (low, high) = wilson(mean, n);
        return Estimate { mean, low, high, n };
    }
    let mut rng = SplitMix64::new(seed);
    let mut means: Vec<f64> = (0..2000)
        .map(|_| (0..n).map(|_| scores[rng.below(n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    Estimate { mean, low: means[49], high: means[1949], n }
}

/// Wilson's 95% score interval for a proportion `p` of `n` trials.
pub fn wilson(p: f64, n: usize) -> (f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let n = n as f64;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: &str = r#"{"tool_calls":[{"name":"update_crm","arguments":{"account":"Bluefin Bank","stage":"won","amount":1200}}]}<|im_end|>"#;

    #[test]
    fn tool_calls_match_by_name_and_parsed_arguments() {
        assert_eq!(kind_of(CALL), AnswerKind::ToolCall);
        // Key order and number spelling do not matter.
        let same = r#"{"tool_calls":[{"name":"update_crm","arguments":{"amount":1200.0,"stage":"won","account":"Bluefin Bank"}}]}"#;
        assert_eq!(score(CALL, same), Scored { kind: AnswerKind::ToolCall, score: 1.0, agrees: true });
        // OpenAI's shape, arguments as a JSON string.
        let openai = r#"[{"type":"function","function":{"name":"update_crm","arguments":"{\"account\":\"Bluefin Bank\",\"stage\":\"won\",\"amount\":1200}"}}]"#;
        assert_eq!(score(CALL, openai).score, 1.0);
        // A different value, a different name, an extra call, prose: all fail.
        for wrong in [
            r#"{"tool_calls":[{"name":"update_crm","arguments":{"account":"Bluefin Bank","stage":"lost","amount":1200}}]}"#,
            r#"{"tool_calls":[{"name":"update_CRM","arguments":{"account":"Bluefin Bank","stage":"won","amount":1200}}]}"#,
            r#"{"tool_calls":[{"name":"update_crm","arguments":{"account":"Bluefin Bank","stage":"won"}}]}"#,
            "I would update the CRM for Bluefin Bank.",
        ] {
            assert_eq!(score(CALL, wrong).score, 0.0, "{wrong}");
        }
    }

    #[test]
    fn parallel_calls_match_in_any_order_but_not_twice() {
        let two = r#"{"tool_calls":[{"name":"a","arguments":{"x":1}},{"name":"b","arguments":{}}]}"#;
        let swapped = r#"{"tool_calls":[{"name":"b","arguments":{}},{"name":"a","arguments":{"x":1}}]}"#;
        let twice = r#"{"tool_calls":[{"name":"a","arguments":{"x":1}},{"name":"a","arguments":{"x":1}}]}"#;
        assert_eq!(score(two, swapped).score, 1.0);
        assert_eq!(score(two, twice).score, 0.0);
        // Text before the calls (distill's rendering of both) still reads as calls.
        let with_text = format!("Sure.\n{two}");
        assert_eq!(kind_of(&with_text), AnswerKind::ToolCall);
        assert_eq!(score(&with_text, swapped).score, 1.0);
    }

    #[test]
    fn json_scores_the_share_of_equal_fields() {
        let reference = r#"{"invoice": "F-1", "total": "10.00", "lines": [{"sku": "a"}, {"sku": "b"}]}"#;
        assert_eq!(kind_of(reference), AnswerKind::Json);
        let half = r#"{"invoice": "F-1", "total": "11.00", "lines": [{"sku": "a"}, {"sku": "c"}]}"#;
        let s = score(reference, half);
        assert_eq!((s.score, s.agrees), (0.5, false));
        let fenced = format!("```json\n{reference}\n```");
        assert_eq!(score(reference, &fenced), Scored { kind: AnswerKind::Json, score: 1.0, agrees: true });
        assert_eq!(score(reference, r#"{"invoice": "F-1", "#).score, 0.0, "invalid JSON scores 0");
        // An extra field keeps every reference field but is not the same answer.
        let extra = r#"{"invoice": "F-1", "total": "10.00", "lines": [{"sku": "a"}, {"sku": "b"}], "x": 1}"#;
        let s = score(reference, extra);
        assert_eq!((s.score, s.agrees), (1.0, false));
    }

    #[test]
    fn text_scores_rouge_l() {
        assert_eq!(kind_of("Summary: all good."), AnswerKind::Text);
        let s = score("The cat sat on the mat<|im_end|>", "the cat  sat on the mat");
        assert_eq!((s.score, s.agrees), (1.0, false), "case differs: same words, not the same text");
        assert!(score("a b", "a  b").agrees);
        // LCS "the cat the" = 3 of 6 reference and 4 candidate words: F1 = 2·(3/4)(3/6)/(3/4+3/6) = 0.6.
        assert!((rouge_l("the cat sat on the mat", "the cat was the") - 0.6).abs() < 1e-12);
        assert_eq!(rouge_l("alpha beta", "gamma"), 0.0);
        assert_eq!(rouge_l("", ""), 1.0);
        assert_eq!(rouge_l("x", ""), 0.0);
    }

    #[test]
    fn intervals_cover_the_mean_and_narrow_with_n() {
        // Wilson at 0/10: the upper end is not 0 (a normal interval would say it is).
        let e = estimate(&[0.0; 10], 1);
        assert!(e.mean == 0.0 && e.low.abs() < 1e-12, "{e:?}");
        assert!((e.high - 0.2775).abs() < 1e-3, "{e:?}");
        let (low, high) = wilson(0.9, 100);
        assert!((low - 0.8256).abs() < 1e-3 && (high - 0.9448).abs() < 1e-3, "{low} {high}");
        // Bootstrap for graded scores: deterministic under the seed, around the mean.
        let scores: Vec<f64> = (0..40).map(|i| (i % 5) as f64 / 4.0).collect();
        let a = estimate(&scores, 7);
        assert_eq!(a, estimate(&scores, 7));
        assert!(a.low < a.mean && a.mean < a.high && a.high - a.low < 0.35, "{a:?}");
        let many: Vec<f64> = (0..400).map(|i| (i % 5) as f64 / 4.0).collect();
        let b = estimate(&many, 7);
        assert!(b.high - b.low < (a.high - a.low) / 2.0, "{a:?} {b:?}");
        assert!(estimate(&[], 1).mean.is_nan());
    }
}

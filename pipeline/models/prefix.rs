//! Prompt pruning: the calls of one task type often repeat a system prompt
//! and tool definitions of thousands of tokens. The adapter learns the
//! task, so it need not read them: distill finds the prefix that most of a
//! cluster's prompts share and trains without it, and the serving side
//! strips the same prefix (named by its sha256 in the route) before
//! generating. A prompt that does not start with the prefix is left whole,
//! in training and in serving alike.

/// The pruned prefix's text, beside a dataset's parquet files and in the
/// published adapter's folder; the dataset rows it was cut from carry its
/// sha256 (`prefix_sha256`).
pub const PREFIX_FILE: &str = "prefix.txt";

const TURN: &str = "<|im_start|>";
const GENERATION: &str = "<|im_start|>assistant\n";

/// The longest prefix that at least `min_share` of `prompts` start with,
/// cut after a line break, never reaching into a prompt's last turn (what
/// is asked stays), and at least `min_chars` long; None otherwise.
pub fn shared_prefix(prompts: &[&str], min_share: f64, min_chars: usize) -> Option<String> {
    if prompts.len() < 2 {
        return None;
    }
    let need = ((prompts.len() as f64 * min_share).ceil() as usize).clamp(2, prompts.len());
    let mut sorted: Vec<&str> = prompts.to_vec();
    sorted.sort_unstable();
    // Prompts sharing a prefix are neighbours once sorted: the prefix of a
    // window of `need` is the common prefix of its first and last.
    let mut best: &str = "";
    for window in sorted.windows(need) {
        let (first, last) = (window[0], window[need - 1]);
        let mut len = common_prefix_len(first, last);
        if len <= best.len() {
            continue;
        }
        for p in window {
            len = len.min(last_turn_start(p));
        }
        if len > best.len() {
            best = &first[..len];
        }
    }
    let cut = best.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &best[..cut];
    (prefix.len() >= min_chars).then(|| prefix.to_string())
}

/// The prompt the SLM reads: without the prefix when it starts with it.
pub fn strip<'a>(prompt: &'a str, prefix: Option<&str>) -> &'a str {
    match prefix {
        Some(p) if !p.is_empty() => prompt.strip_prefix(p).unwrap_or(prompt),
        _ => prompt,
    }
}


/// Bytes two strings share at their start, on a character boundary.
fn common_prefix_len(a: &str, b: &str) -> usize {
    let mut len = 0;
    for ((i, ca), cb) in a.char_indices().zip(b.chars()) {
        if ca != cb {
            return i;
        }
        len = i + ca.len_utf8();
    }
    len
}

/// Where the prompt's last turn before the generation prompt starts.
fn last_turn_start(prompt: &str) -> usize {
    let body = prompt.strip_suffix(GENERATION).unwrap_or(prompt);
    body.rfind(TURN).unwrap_or(body.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::sha256_hex;
    use crate::models::chat::{render_prompt, ChatMessage};

    fn msg(role: &str, content: &str) -> ChatMessage {
        ChatMessage { role: role.into(), content: content.into(), ..ChatMessage::default() }
    }

    fn prompt(system: &str, tools: Option<&str>, user: &str) -> String {
        render_prompt(&[msg("system", system), msg("user", user)], tools)
    }

    const SYSTEM: &str = "Du bist der Buchungsassistent eines Reisebüros.\nAntworte kurz und auf Deutsch.\nFrage nie nach Kreditkartendaten.\nWenn ein Flug ausgebucht ist, biete den nächsten an.";
    const TOOLS: &str = r#"[{"type":"function","function":{"name":"search_flights","parameters":{"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},"date":{"type":"string"}}}}}]"#;

    #[test]
    fn the_shared_system_prompt_and_tools_are_found_and_the_question_stays() {
        let users = ["Flug von Berlin nach Rom am 3. Mai?", "Gibt es morgen etwas nach Wien?", "Zwei Plätze nach Lissabon, bitte.", "Hamburg–Oslo am Freitag"];
        let prompts: Vec<String> = users.iter().map(|u| prompt(SYSTEM, Some(TOOLS), u)).collect();
        let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
        let prefix = shared_prefix(&refs, 0.8, 100).expect("a long shared prefix");
        assert!(prefix.contains("search_flights") && prefix.ends_with('\n'), "{prefix}");
        for (p, u) in prompts.iter().zip(users) {
            let rest = strip(p, Some(&prefix));
            assert!(rest.len() < p.len() && rest.contains(u), "{rest}");
            assert!(rest.starts_with(TURN), "the user's turn is kept whole: {rest}");
            assert_eq!(format!("{prefix}{rest}"), *p);
        }
        assert_eq!(sha256_hex(&prefix), sha256_hex(&prefix.clone()));
        assert_eq!(sha256_hex("").len(), 64);
    }

    #[test]
    fn a_majority_prefix_leaves_the_other_prompts_whole() {
        let mut prompts: Vec<String> = (0..8).map(|i| prompt(SYSTEM, Some(TOOLS), &format!("Anfrage Nummer {i}"))).collect();
        // Tool definitions that changed for two calls: they share less.
        prompts.push(prompt(SYSTEM, Some(&TOOLS.replace("date", "day")), "Andere Werkzeuge"));
        prompts.push(prompt("Ein ganz anderer Systemprompt.", None, "Hallo"));
        let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
        let prefix = shared_prefix(&refs, 0.8, 100).unwrap();
        assert!(prefix.contains("search_flights"), "8 of 10 share the tools too");
        assert_eq!(strip(&prompts[9], Some(&prefix)), prompts[9], "no prefix: left whole");
        // Asked of all ten, only the system prompt is shared (up to the tools line).
        let all = shared_prefix(&refs[..9], 1.0, 50).unwrap();
        assert!(all.contains("Reisebüros") && !all.contains("search_flights"), "{all}");
    }

    #[test]
    fn short_or_missing_prefixes_prune_nothing() {
        let a = prompt("Be brief.", None, "One?");
        let b = prompt("Be brief.", None, "Two?");
        assert_eq!(shared_prefix(&[&a, &b], 0.8, 200), None, "too short to be worth it");
        assert_eq!(shared_prefix(&[&a], 0.8, 1), None);
        // Identical prompts: the last turn still stays.
        let p = shared_prefix(&[&a, &a, &a], 1.0, 1).unwrap();
        assert!(strip(&a, Some(&p)).contains("One?"));
        assert_eq!(strip(&a, None), a);
        assert_eq!(strip(&a, Some("")), a);
        // Multi-byte characters at the split point are never cut in two.
        assert_eq!(common_prefix_len("日本語の文", "日本人"), "日本".len());
    }
}

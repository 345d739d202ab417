//! Readable names for clusters of task texts, by class-based TF-IDF (c-TF-IDF,
//! as in BERTopic: Grootendorst 2022, `bertopic/vectorizers/_ctfidf.py`).
//!
//! In: per cluster, the anonymised task texts of its calls. Out: per cluster,
//! the words and word pairs that set it apart from the other clusters, with
//! scores, and a short label made of them such as `invoice · extract json`.
//!
//! Std only, so that it is tested without the rest of the crate.

use std::borrow::Cow;
use std::collections::HashMap;

/// Shorter words ("id", "ok", "is") carry little meaning on their own.
const MIN_WORD_CHARS: usize = 3;
/// Longer "words" are hashes, base64 or minified code, not vocabulary.
const MAX_WORD_CHARS: usize = 30;
/// Clusters with at least this many documents rank terms seen in fewer than
/// [`MIN_DOC_FREQ`] of their documents last, so that one odd document (a
/// pasted log, a stack trace) cannot name its cluster.
const DOC_FREQ_FROM_DOCS: usize = 5;
const MIN_DOC_FREQ: u64 = 2;
/// A term is distinctive of a cluster when the share of the cluster's
/// documents holding it is at least this many times its share of all
/// documents. The IDF of c-TF-IDF is mild (`ln(1 + A / f)`): with few
/// clusters, boilerplate found in every document outscores a cluster's own,
/// rarer words. Boilerplate has a lift of 1.
const MIN_LIFT: f64 = 1.25;
/// Bytes looked at for the `>` closing a pseudonym such as `<API_KEY_9f2c1a>`.
const MAX_PSEUDONYM_BYTES: usize = 48;

/// English stop words and prompt filler, sorted for binary search. Words of
/// fewer than [`MIN_WORD_CHARS`] characters are dropped anyway and not listed.
/// Prompt boilerplate that is not filler ("assistant", "json") is left to the
/// IDF factor: it may be what tells a cluster apart.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "about", "above", "across", "after", "again", "against", "all", "along", "already", "also", "although", "always",
    "among", "and", "another", "any", "anyone", "anything", "are", "aren", "around", "back", "based", "because", "been",
    "before", "being", "below", "between", "both", "but", "can", "cannot", "could", "couldn", "did", "didn", "does",
    "doesn", "doing", "don", "down", "during", "each", "either", "else", "ensure", "etc", "even", "ever", "every",
    "everything", "few", "following", "for", "from", "further", "get", "gets", "given", "got", "had", "has", "hasn",
    "have", "haven", "having", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "into",
    "isn", "its", "itself", "just", "kindly", "let", "lets", "like", "made", "make", "makes", "many", "may", "might",
    "more", "most", "much", "must", "myself", "need", "needs", "never", "nor", "not", "nothing", "now", "off", "often",
    "okay", "once", "one", "only", "onto", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over",
    "own", "per", "please", "provide", "provided", "rather", "really", "same", "shall", "she", "should", "shouldn",
    "since", "some", "someone", "something", "still", "such", "sure", "than", "thank", "thanks", "that", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though", "through", "thus",
    "too", "under", "until", "upon", "use", "used", "using", "very", "via", "want", "wants", "was", "wasn", "way",
    "well", "were", "weren", "what", "whatever", "when", "where", "whether", "which", "while", "who", "whom", "whose",
    "why", "will", "with", "within", "without", "won", "would", "wouldn", "yes", "yet", "you", "your", "yours",
    "yourself", "yourselves",
];

/// Characters that end a phrase. Pairs of words are only counted within a
/// phrase, so that the end of a system prompt and the start of the user
/// message ("… contact us. Summarize …") do not make a term.
const PHRASE_BREAKS: &[char] = &['.', ',', ';', ':', '!', '?', '|', '(', ')', '\n'];

/// The lowercase words of `text` worth a label: runs of letters, digits and
/// `_` of 3 to 30 characters that are neither stop words nor numbers.
///
/// Pseudonyms (`<EMAIL_9f2c1a>`) are removed first: their tag would make
/// every cluster with an e-mail address look alike, and their hash would
/// name a cluster after one person.
pub fn tokenize(text: &str) -> Vec<String> {
    phrases(text).into_iter().flatten().collect()
}

/// The words of [`tokenize`], grouped by phrase.
fn phrases(text: &str) -> Vec<Vec<String>> {
    let words = |phrase: &str| -> Vec<String> {
        phrase
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            // A pseudonym whose brackets were lost (escaped, cut) is one word.
            .filter(|w| !w.is_empty() && !is_pseudonym_body(w))
            .map(str::to_lowercase)
            .filter(|w| keep_word(w))
            .collect()
    };
    strip_pseudonyms(text)
        .split(PHRASE_BREAKS)
        .map(words)
        .filter(|p| !p.is_empty())
        .collect()
}

fn keep_word(word: &str) -> bool {
    (MIN_WORD_CHARS..=MAX_WORD_CHARS).contains(&word.chars().count())
        && !word.chars().all(|c| c.is_numeric() || c == '_')
        && STOP_WORDS.binary_search(&word).is_err()
}

/// `text` with every `<TAG_hex>` pseudonym replaced by a space.
fn strip_pseudonyms(text: &str) -> Cow<'_, str> {
    if !text.contains('<') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // `>` is ASCII, so its byte position is a char boundary.
        let close = after.bytes().take(MAX_PSEUDONYM_BYTES).position(|b| b == b'>');
        match close {
            Some(close) if is_pseudonym_body(&after[..close]) => {
                out.push(' ');
                rest = &after[close + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `TAG_hex` as the anonymize stage writes it: an uppercase tag (which may
/// itself hold `_`, as in `API_KEY`) and 4 to 16 lowercase hex digits.
fn is_pseudonym_body(s: &str) -> bool {
    let Some((tag, hex)) = s.rsplit_once('_') else {
        return false;
    };
    tag.starts_with(|c: char| c.is_ascii_uppercase())
        && tag
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && (4..=16).contains(&hex.len())
        && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// How often a term occurs in one cluster, and in how many of its documents.
#[derive(Default)]
struct TermCount {
    count: u64,
    docs: u64,
    /// Index of the last document counted in `docs`, plus one (0: none yet).
    last_doc: usize,
}

/// Terms and their counts in one cluster.
#[derive(Default)]
struct ClusterTerms {
    counts: HashMap<usize, TermCount>,
    total: u64,
}

impl ClusterTerms {
    /// Counts one occurrence of term `id` in document `doc`; documents come in order.
    fn add(&mut self, id: usize, doc: usize) {
        let tc = self.counts.entry(id).or_default();
        tc.count += 1;
        if tc.last_doc != doc + 1 {
            tc.last_doc = doc + 1;
            tc.docs += 1;
        }
        self.total += 1;
    }
}

/// Term ids, so that each distinct term is stored once.
#[derive(Default)]
struct Vocabulary {
    ids: HashMap<String, usize>,
    terms: Vec<String>,
}

impl Vocabulary {
    fn id(&mut self, term: &str) -> usize {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        self.ids.insert(term.to_owned(), self.terms.len());
        self.terms.push(term.to_owned());
        self.terms.len() - 1
    }
}

/// The `top_n` terms of each cluster by c-TF-IDF, best first.
///
/// Terms are the words of [`tokenize`] and pairs of adjacent words within a
/// phrase, joined by a space. The score of term t in cluster c is
/// `tf(t, c) / terms(c) * ln(1 + A / f(t))`: its share of the cluster's term
/// occurrences, times an IDF where `A` is the mean number of term occurrences
/// per cluster and `f(t)` the occurrences of t in all clusters.
///
/// Two kinds of term come after all others, whatever their score (so the
/// list is then not sorted by score alone): in a cluster of 5 or more
/// documents, terms found in only one of them, so that one odd document (a
/// pasted log) cannot name its cluster; and terms not over-represented in
/// the cluster's documents (see [`MIN_LIFT`]), such as shared boilerplate.
/// Equal scores are ordered alphabetically, so the result does not depend
/// on hashing.
pub fn ctfidf_labels(docs_by_cluster: &[Vec<&str>], top_n: usize) -> Vec<Vec<(String, f64)>> {
    let mut vocabulary = Vocabulary::default();
    let mut clusters: Vec<ClusterTerms> = Vec::with_capacity(docs_by_cluster.len());
    for docs in docs_by_cluster {
        let mut cluster = ClusterTerms::default();
        let mut pair = String::new();
        for (doc, text) in docs.iter().enumerate() {
            for phrase in phrases(text) {
                for (i, word) in phrase.iter().enumerate() {
                    cluster.add(vocabulary.id(word), doc);
                    if let Some(next) = phrase.get(i + 1) {
                        pair.clear();
                        pair.extend([word.as_str(), " ", next]);
                        cluster.add(vocabulary.id(&pair), doc);
                    }
                }
            }
        }
        clusters.push(cluster);
    }
    let terms = vocabulary.terms;
    let (mut corpus_count, mut corpus_docs) = (vec![0u64; terms.len()], vec![0u64; terms.len()]);
    for (&id, tc) in clusters.iter().flat_map(|c| &c.counts) {
        corpus_count[id] += tc.count;
        corpus_docs[id] += tc.docs;
    }
    let all_docs = docs_by_cluster.iter().map(Vec::len).sum::<usize>() as f64;
    let mean_terms = clusters.iter().map(|c| c.total).sum::<u64>() as f64 / clusters.len().max(1) as f64;

    let rank = |cluster: &ClusterTerms, docs: usize| -> Vec<(String, f64)> {
        let min_docs = if docs >= DOC_FREQ_FROM_DOCS { MIN_DOC_FREQ } else { 1 };
        let mut scored: Vec<(bool, f64, usize)> = Vec::with_capacity(cluster.counts.len());
        for (&id, tc) in &cluster.counts {
            let score = tc.count as f64 / cluster.total as f64 * (1.0 + mean_terms / corpus_count[id] as f64).ln();
            let lift = (tc.docs as f64 / docs as f64) / (corpus_docs[id] as f64 / all_docs);
            scored.push((tc.docs >= min_docs && lift >= MIN_LIFT, score, id));
        }
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then_with(|| terms[a.2].cmp(&terms[b.2]))
        });
        scored
            .into_iter()
            .take(top_n)
            .map(|(_, score, id)| (terms[id].clone(), score))
            .collect()
    };
    clusters
        .iter()
        .zip(docs_by_cluster)
        .map(|(cluster, docs)| rank(cluster, docs.len()))
        .collect()
}

/// A label of at most `max_terms` terms, best first, joined by ` · `; empty
/// when there are no terms.
///
/// A term whose words are all in the label already is skipped, so a word
/// does not come back inside a pair ("invoice · invoice total"). A pair
/// takes the place of the words of it already chosen ("unit · tests" becomes
/// "unit tests"): it says more in fewer terms. Once the label is full, a pair
/// still replaces two chosen words, or one that scores no higher than the
/// pair (it is seldom seen outside the pair).
pub fn label_from_terms(terms: &[(String, f64)], max_terms: usize) -> String {
    let mut chosen: Vec<(&str, f64)> = Vec::new();
    // A merge frees a slot for a better term skipped earlier: scan again.
    // Each pair merges at most once (its words are covered after), so this ends.
    'scan: loop {
        for (term, score) in terms {
            let words: Vec<&str> = term.split_whitespace().collect();
            let in_label = |w: &&str| chosen.iter().any(|(c, _)| c.split(' ').any(|cw| cw == *w));
            let new_words = words.iter().filter(|w| !in_label(w)).count();
            // Scores of the chosen single words this pair would replace.
            let pair = words.len() > 1;
            let absorbed: Vec<f64> = chosen
                .iter()
                .filter(|(c, _)| pair && words.contains(c))
                .map(|t| t.1)
                .collect();
            let take = if chosen.len() >= max_terms {
                absorbed.len() >= 2 || absorbed.len() == 1 && *score >= absorbed[0]
            } else {
                new_words > 0 || !absorbed.is_empty()
            };
            if take {
                let at = chosen
                    .iter()
                    .position(|(c, _)| words.contains(c))
                    .unwrap_or(chosen.len());
                chosen.retain(|(c, _)| !words.contains(c));
                chosen.insert(at.min(chosen.len()), (term, *score));
                if absorbed.len() >= 2 {
                    continue 'scan;
                }
            }
        }
        break;
    }
    chosen.iter().map(|(term, _)| *term).collect::<Vec<_>>().join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOILERPLATE: &str = "You are a helpful assistant working for the operations team. \
        Follow the instructions carefully and answer accurately. Contact <EMAIL_9f2c1a> or <PERSON_0a1b2c>.";

    /// One document per line of `lines`, each after the shared boilerplate.
    fn cluster(lines: &str) -> Vec<String> {
        lines.lines().map(|l| format!("{BOILERPLATE}\n{}", l.trim())).collect()
    }

    fn corpus() -> Vec<Vec<String>> {
        vec![
            cluster(
                "Extract the invoice number and total amount as JSON.
                Extract the vendor and invoice date from this invoice as JSON.
                Read the invoice and extract line items into JSON.
                Invoice attached: extract the due date and total as JSON.
                Parse this invoice PDF text and extract the tax amount.
                Extract invoice fields (number, vendor, total) as JSON.
                From the invoice below extract the currency and total.
                Extract billing address from the invoice as JSON.",
            ),
            cluster(
                "Write unit tests for the function parse_date using pytest.
                Write pytest unit tests covering edge cases of this function.
                Generate unit tests for the class below with pytest fixtures.
                Write unit tests for this function; mock the database.
                Add unit tests with pytest for the sorting function.
                Write unit tests that cover the error branches of this function.
                Create pytest unit tests for the HTTP client function.
                Write unit tests for the parser function using pytest.",
            ),
            cluster(
                "Summarize the meeting transcript in three bullet points.
                Summarize this article in a short paragraph.
                Write a summary of the meeting notes for the team.
                Summarize the customer call transcript briefly.
                Summarize the document below in five bullet points.
                Give a concise summary of this transcript.
                Summarize the quarterly report in plain language.
                Summarize the support ticket thread in two sentences.",
            ),
        ]
    }

    fn labels(corpus: &[Vec<String>], top_n: usize, max_terms: usize) -> Vec<String> {
        let docs: Vec<Vec<&str>> = corpus.iter().map(|c| c.iter().map(String::as_str).collect()).collect();
        ctfidf_labels(&docs, top_n)
            .iter()
            .map(|t| label_from_terms(t, max_terms))
            .collect()
    }

    #[test]
    fn stop_words_are_sorted_lowercase_and_long_enough() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS
            .iter()
            .all(|w| w.len() >= MIN_WORD_CHARS && w.chars().all(|c| c.is_ascii_lowercase())));
    }

    #[test]
    fn tokenize_keeps_content_words_only() {
        let got =
            tokenize("Please, given THE Café_au_lait x2y 12345 1_000 ab <EMAIL_9f2c1a> KEY=<API_KEY_00ff11> a<b>");
        assert_eq!(got, ["café_au_lait", "x2y", "key"]);
        assert_eq!(
            tokenize("see PHONE_a1b2c3 and <Not_a_pseudonym>"),
            ["see", "not_a_pseudonym"]
        );
        assert!(tokenize(&"z".repeat(31)).is_empty());
        assert!(tokenize("").is_empty());
    }

    #[test]
    fn clusters_are_named_by_their_own_words_not_the_boilerplate() {
        let got = labels(&corpus(), 10, 3);
        assert!(got[0].contains("invoice"), "{got:?}");
        assert!(got[1].contains("unit tests") || got[1].contains("pytest"), "{got:?}");
        assert!(got[2].contains("summarize") || got[2].contains("summary"), "{got:?}");
        for label in &got {
            for shared in "helpful assistant operations instructions carefully accurately".split(' ') {
                assert!(!label.contains(shared), "{label}");
            }
        }
    }

    #[test]
    fn pseudonyms_never_reach_terms() {
        let docs: Vec<Vec<String>> = corpus();
        let refs: Vec<Vec<&str>> = docs.iter().map(|c| c.iter().map(String::as_str).collect()).collect();
        for terms in ctfidf_labels(&refs, 1000) {
            assert!(!terms.is_empty());
            for (term, score) in terms {
                assert!(score.is_finite() && score > 0.0);
                for bad in ["email", "9f2c1a", "person", "0a1b2c"] {
                    assert!(!term.contains(bad), "{term}");
                }
            }
        }
    }

    #[test]
    fn one_odd_document_does_not_name_its_cluster() {
        let mut docs = corpus();
        docs[0][3].push_str(" zebra zebra zebra zebra zebra zebra zebra zebra zebra zebra");
        let got = labels(&docs, 5, 3);
        assert!(!got[0].contains("zebra") && got[0].contains("invoice"), "{got:?}");
    }

    #[test]
    fn results_are_deterministic_and_tie_broken_alphabetically() {
        assert_eq!(labels(&corpus(), 10, 4), labels(&corpus(), 10, 4));
        let terms = &ctfidf_labels(&[vec!["delta alpha", "alpha delta"]], 10)[0];
        let names: Vec<&str> = terms.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(names, ["alpha", "delta", "alpha delta", "delta alpha"]);
    }

    #[test]
    fn edge_cases_do_not_panic() {
        assert!(ctfidf_labels(&[], 5).is_empty());
        assert_eq!(ctfidf_labels(&[vec![], vec!["", "the"]], 5), vec![vec![], vec![]]);
        assert_eq!(ctfidf_labels(&[vec!["invoice total"]], 0), vec![vec![]]);
        assert_eq!(label_from_terms(&[], 3), "");
        assert_eq!(label_from_terms(&[("x".into(), 1.0)], 0), "");
    }

    #[test]
    fn label_merges_words_into_pairs() {
        // "term=score,term=score".
        let terms = |list: &str| -> Vec<(String, f64)> {
            let parse = |t: &str| t.split_once('=').map(|(t, s)| (t.to_owned(), s.parse().unwrap_or(0.0)));
            list.split(',').filter_map(parse).collect()
        };
        let invoice = terms("invoice=6,json=5,invoice total=4,total=3,extract=2");
        assert_eq!(label_from_terms(&invoice, 3), "invoice total · json · extract");
        assert_eq!(label_from_terms(&invoice, 1), "invoice");
        let tests = terms("tests=3,unit=3,bullet=2,unit tests=2,code=1,bullet points=2,points=2");
        assert_eq!(label_from_terms(&tests, 3), "unit tests · bullet points · code");
        assert_eq!(label_from_terms(&tests, 2), "unit tests · bullet points");
        assert_eq!(label_from_terms(&tests, 0), "");
    }
}

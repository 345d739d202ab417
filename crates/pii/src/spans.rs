//! Merging the detectors' findings and writing the pseudonyms.
//!
//! Every detector proposes byte ranges; the patterns win, then addresses,
//! dates of birth, identifiers, handles, names, ages and organisations, each
//! only where no earlier one already holds a byte. Pseudonyms already in the
//! text (`<PERSON_3fa1c2>`) are never touched, so redacting twice changes
//! nothing. A person's name is written one pseudonym per word, so that the
//! first name alone, elsewhere in the call, gets the same pseudonym.

use std::ops::ControlFlow;

use crate::{address, dates, digits, ids, keyed, mrz, names, orgs, phones, places, tables, Entity, EntityCounts, Redactor};

/// One finding: the byte range `start..end` of `entity`, which is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub entity: Entity,
}

impl Redactor {
    /// Every finding in `text`, left to right, without overlaps.
    pub(crate) fn find_spans(&self, text: &str) -> Vec<Finding> {
        // Digits of other scripts and full-width forms: read as ASCII, spans mapped back.
        if let Some((folded, map)) = digits::fold(text) {
            let mut spans = self.find_ascii_spans(&folded);
            for f in &mut spans {
                (f.start, f.end) = (map[f.start], map[f.end]);
            }
            return spans;
        }
        self.find_ascii_spans(text)
    }

    fn find_ascii_spans(&self, text: &str) -> Vec<Finding> {
        let mut spans: Vec<Finding> = Vec::new();
        let _ = self.scan(text, |h| {
            // `(764) 254-5093 ext. 947`: the extension goes with the number.
            let end = if h.entity == Entity::Phone { phones::extension_end(text, h.end) } else { h.end };
            spans.push(Finding { start: h.start, end, entity: h.entity });
            ControlFlow::Continue(())
        });
        let d = self.options.detectors;
        let gaz = self.options.gazetteer.as_deref().unwrap_or(&self.no_gazetteer);
        let mut taken = pseudonyms_in(text);
        taken.extend(spans.iter().map(|s| (s.start, s.end)));
        taken.sort_unstable();
        let mut buf: Vec<(usize, usize)> = Vec::new();
        let add = |buf: &mut Vec<(usize, usize)>, entity: Entity, spans: &mut Vec<Finding>, taken: &mut Vec<(usize, usize)>| {
            for &(start, mut end) in buf.iter() {
                if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                    continue;
                }
                if overlaps(taken, start, end) {
                    // `Postfach 19 79 55, 34964 Bad Kissingen. ring <phone>`: a
                    // span that runs into one already taken keeps its head.
                    let at = taken.partition_point(|&(_, e)| e <= start);
                    let cut = taken[at].0;
                    if cut <= start || entity != Entity::Address {
                        continue;
                    }
                    end = start + text[start..cut].trim_end_matches(|c: char| c.is_whitespace() || ",;:-(".contains(c)).len();
                    let kept = &text[start..end];
                    if kept.len() < 8 || !kept.bytes().any(|c| c.is_ascii_digit()) || overlaps(taken, start, end) {
                        continue;
                    }
                }
                let at = taken.partition_point(|&(s, _)| s < start);
                taken.insert(at, (start, end));
                spans.push(Finding { start, end, entity });
            }
            buf.clear();
        };
        // Passport and ID-card zones (ICAO 9303): their parts by position.
        for zone in mrz::find_zones(text) {
            if d.identifiers {
                buf.extend(&zone.ids);
                add(&mut buf, Entity::Identifier, &mut spans, &mut taken);
            }
            if d.dates_of_birth {
                buf.extend(zone.birth);
                add(&mut buf, Entity::DateOfBirth, &mut spans, &mut taken);
            }
            if d.names {
                buf.extend(zone.name);
                add(&mut buf, Entity::Person, &mut spans, &mut taken);
            }
        }
        // SSNs without dashes after an SSN cue.
        crate::validators::find_ssn_in_context(text, &mut buf);
        add(&mut buf, Entity::UsSsn, &mut spans, &mut taken);
        // National phone formats and numbers after a phone cue.
        phones::find_phones(text, &mut buf);
        add(&mut buf, Entity::Phone, &mut spans, &mut taken);
        // `phone: …`, `\"last_name\": \"…\"`: the key decides. Addresses after
        // the address detector, whose spans run past the first comma.
        let mut keyed_spans = Vec::new();
        let mut role_values = Vec::new();
        keyed::find_keyed(&self.options.keys, text, &mut keyed_spans, &mut role_values);
        tables::find_table_cells(&self.options.keys, text, &mut keyed_spans);
        if d.names {
            // `Customer: Lucia Chiappetta`, not `Customer: Hi, I need help`.
            keyed_spans.extend(
                role_values
                    .into_iter()
                    .filter(|&(s, e, strict)| {
                        // `\u00d6mriye`, `\\u6768`: judge the value as the JSON means it.
                        let decoded = crate::json::unescape_nested(&text[s..e]);
                        let v = decoded.as_ref();
                        self.looks_like_person(v, true)
                            || (!strict && !keyed::beside_product_keys(text, s, e) && !self.clearly_not_person(v))
                    })
                    .map(|(s, e, _)| (s, e, Entity::Person)),
            );
        }
        for entity in Entity::ALL.into_iter().filter(|&e| e != Entity::Address) {
            buf.extend(keyed_spans.iter().filter(|k| k.2 == entity).map(|k| (k.0, k.1)));
            add(&mut buf, entity, &mut spans, &mut taken);
        }
        if d.addresses {
            address::find_addresses(text, &mut buf);
            add(&mut buf, Entity::Address, &mut spans, &mut taken);
        }
        buf.extend(keyed_spans.iter().filter(|k| k.2 == Entity::Address).map(|k| (k.0, k.1)));
        add(&mut buf, Entity::Address, &mut spans, &mut taken);
        if d.dates_of_birth {
            dates::find_dates_of_birth(text, &mut buf);
            add(&mut buf, Entity::DateOfBirth, &mut spans, &mut taken);
        }
        if d.identifiers {
            ids::find_identifiers(text, &mut buf);
            add(&mut buf, Entity::Identifier, &mut spans, &mut taken);
        }
        if d.names {
            names::find_handles(gaz, text, &mut buf);
            add(&mut buf, Entity::Identifier, &mut spans, &mut taken);
            names::find_names(gaz, text, &mut buf);
            names::cjk::find_cjk_names(text, &mut buf);
            names::islands::find_script_islands(text, &mut buf);
            // `ناعم آل جعفر`: where two finders see parts of one name, take it whole.
            merge_overlaps(&mut buf);
            let people: Vec<(usize, usize)> = buf.clone();
            add(&mut buf, Entity::Person, &mut spans, &mut taken);
            if d.ages {
                // `Jae-won Cho (28)`: a number in brackets right after a name.
                buf.extend(people.iter().filter_map(|&(_, e)| age_in_brackets(text, e)));
                add(&mut buf, Entity::Age, &mut spans, &mut taken);
            }
        }
        if d.ages {
            dates::find_ages(text, &mut buf);
            add(&mut buf, Entity::Age, &mut spans, &mut taken);
        }
        if d.organisations {
            orgs::find_organisations(text, &mut buf);
            add(&mut buf, Entity::Organisation, &mut spans, &mut taken);
        }
        if let (true, Some(places)) = (d.locations, self.options.places.as_deref()) {
            places::find_locations(places, gaz, text, &mut buf);
            add(&mut buf, Entity::Location, &mut spans, &mut taken);
        }
        spans.sort_unstable_by_key(|s| s.start);
        spans
    }

    /// What [`Redactor::redact`] (or, for JSON text, [`Redactor::redact_json`])
    /// would replace, as byte ranges of `text`, left to right, without
    /// overlaps. For evaluation and reports: the values themselves are never
    /// needed to count findings.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut found = self.find_spans(text);
        let t = text.trim_start();
        if !self.options.keys.is_empty() && (t.starts_with('{') || t.starts_with('[')) {
            let by_key = self.key_value_spans(text);
            if !by_key.is_empty() {
                found.retain(|f| !by_key.iter().any(|k| k.start < f.end && f.start < k.end));
                found.extend(by_key);
                found.sort_unstable_by_key(|f| f.start);
            }
        }
        found
    }

    /// [`Redactor::redact`] with every detector: `None` when nothing was found.
    pub(crate) fn redact_spans(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        let spans = self.find_spans(text);
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 16 * spans.len());
        let mut copied = 0;
        for s in spans {
            out.push_str(&text[copied..s.start]);
            let raw = &text[s.start..s.end];
            if s.entity == Entity::Person {
                self.push_person(&mut out, raw);
            } else {
                self.push_pseudonym(&mut out, s.entity, raw);
            }
            copied = s.end;
            counts.bump(s.entity);
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// A name, one pseudonym per word: `Mia Li` -> `<PERSON_a> <PERSON_b>`;
    /// what lies between the words (spaces, an initial's dot) stays.
    pub(crate) fn push_person(&self, out: &mut String, raw: &str) {
        let mut rest = raw;
        while !rest.is_empty() {
            let word_start = rest.find(|c: char| c.is_alphanumeric()).unwrap_or(rest.len());
            out.push_str(&rest[..word_start]);
            rest = &rest[word_start..];
            let mut end = 0;
            let mut chars = rest.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                let inner = matches!(c, '\'' | '’' | '-')
                    && chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
                if c.is_alphanumeric() || inner || c == '\u{0301}' || c == '\u{0308}' {
                    end = i + c.len_utf8();
                } else {
                    break;
                }
            }
            if end == 0 {
                break;
            }
            self.push_pseudonym(out, Entity::Person, &rest[..end]);
            rest = &rest[end..];
        }
    }
}

/// `(28)` or ` (28)` at `end`: the digits' range, for ages 0-125.
fn age_in_brackets(text: &str, end: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = end;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    if b.get(i) != Some(&b'(') {
        return None;
    }
    let s = i + 1;
    let mut e = s;
    while e < b.len() && b[e].is_ascii_digit() && e - s < 3 {
        e += 1;
    }
    let age: u32 = text.get(s..e)?.parse().ok()?;
    (b.get(e) == Some(&b')') && age <= 125).then_some((s, e))
}

/// Whether `start..end` overlaps a range of the sorted, disjoint `taken`.
fn overlaps(taken: &[(usize, usize)], start: usize, end: usize) -> bool {
    let at = taken.partition_point(|&(_, e)| e <= start);
    taken.get(at).is_some_and(|&(s, _)| s < end)
}

/// The pseudonyms already in the text: `<TAG_hhhhhh>`.
pub(crate) fn pseudonyms_in(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        let s = i + off;
        match pseudonym_end(b, s) {
            Some(e) => {
                out.push((s, e));
                i = e;
            }
            None => i = s + 1,
        }
    }
    out
}

/// The end of `<` + upper-case tag + `_` + six lower-case hex digits + `>` at `s`.
fn pseudonym_end(b: &[u8], s: usize) -> Option<usize> {
    let mut j = s + 1;
    while j < b.len() && (b[j].is_ascii_uppercase() || b[j] == b'_') {
        j += 1;
    }
    if j == s + 1 || b[j - 1] != b'_' {
        return None;
    }
    let hex = &b[j..b.len().min(j + 6)];
    (hex.len() == 6
        && hex.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        && b.get(j + 6) == Some(&b'>'))
    .then_some(j + 7)
}


/// Sorts `spans` and replaces overlapping ones by their union.
fn merge_overlaps(spans: &mut Vec<(usize, usize)>) {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for &(s, e) in spans.iter() {
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *spans = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_existing_pseudonyms() {
        let t = "Hi <PERSON_3fa1c2> at <EMAIL_00ab12>, not <b> nor <X_12>";
        let p = pseudonyms_in(t);
        let got: Vec<&str> = p.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(got, ["<PERSON_3fa1c2>", "<EMAIL_00ab12>"]);
    }

    #[test]
    fn overlap_check() {
        let taken = [(2, 5), (10, 12)];
        assert!(overlaps(&taken, 4, 6));
        assert!(!overlaps(&taken, 5, 10));
        assert!(overlaps(&taken, 0, 20));
        assert!(!overlaps(&taken, 12, 13));
    }
}

/// Per-detector throughput on the labelled corpus:
/// `cargo test --release -p slm-pii -- --ignored --nocapture detector_speed`.
#[cfg(test)]
mod speed {
    use std::time::Instant;

    use crate::keys::KeyRules;
    use crate::{address, dates, ids, keyed, names};

    #[test]
    #[ignore]
    fn detector_speed() {
        let corpus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/pii/corpus.jsonl"))
            .expect("corpus");
        let texts: Vec<String> = corpus
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string())
            .collect();
        let gaz = crate::names::tests::gazetteer();
        let rules = KeyRules::default();
        let bytes: usize = texts.iter().map(String::len).sum::<usize>() * 20;
        let mut buf = Vec::new();
        let mut kbuf = Vec::new();
        let time = |name: &str, f: &mut dyn FnMut(&str)| {
            let t = Instant::now();
            for _ in 0..20 {
                for s in &texts {
                    f(s);
                }
            }
            println!("{name:<12} {:>8.1} MB/s", bytes as f64 / t.elapsed().as_secs_f64() / 1e6);
        };
        time("addresses", &mut |s| { buf.clear(); address::find_addresses(s, &mut buf) });
        time("dob", &mut |s| { buf.clear(); dates::find_dates_of_birth(s, &mut buf) });
        time("ages", &mut |s| { buf.clear(); dates::find_ages(s, &mut buf) });
        time("ids", &mut |s| { buf.clear(); ids::find_identifiers(s, &mut buf) });
        let mut rbuf = Vec::new();
        time("keyed", &mut |s| { kbuf.clear(); rbuf.clear(); keyed::find_keyed(&rules, s, &mut kbuf, &mut rbuf) });
        time("handles", &mut |s| { buf.clear(); names::find_handles(gaz, s, &mut buf) });
        time("names", &mut |s| { buf.clear(); names::find_names(gaz, s, &mut buf) });
        time("islands", &mut |s| { buf.clear(); names::islands::find_script_islands(s, &mut buf) });
        time("phones", &mut |s| { buf.clear(); crate::phones::find_phones(s, &mut buf) });
        time("ssn cues", &mut |s| { buf.clear(); crate::validators::find_ssn_in_context(s, &mut buf) });
    }
}

//! The redactor: the detectors, the merging of their spans, and the
//! pseudonyms written in their place.

use std::fmt;
use std::ops::ControlFlow;

use hmac::Mac;
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde_json::Value;

use crate::patterns::{build_regex, to_rust_syntax, Kind, PatDef, DFA_CACHE, PATS};
use crate::pseudonym::{normalize, HmacSha256};
use crate::scanner::Pat;
use crate::detectors::Options;
use crate::gazetteer::Gazetteer;
use crate::{Entity, EntityCounts, PiiKey};

/// Finds and pseudonymises PII. `Send + Sync`; build once, share via `Arc`.
pub struct Redactor {
    pub(crate) combined: Regex,
    /// The anchored sub-patterns as one set, to see which match at a position.
    pub(crate) set: RegexSet,
    /// Bytes any sub-pattern can start with.
    pub(crate) any_first: [bool; 256],
    pub(crate) pats: Vec<Pat>,
    /// Authorization header value: optional scheme, token.
    pub(crate) auth_value_re: Regex,
    pub(crate) mac: HmacSha256,
    pub(crate) options: Options,
    /// Used for names when no gazetteer was given (context cues only).
    pub(crate) no_gazetteer: Gazetteer,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("patterns", &self.pats.len())
            .field("detectors", &self.options.detectors)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// The pattern detectors only (e-mail, phone, card, IBAN, IP, SSN,
    /// secrets, URLs with credentials).
    pub fn new(key: PiiKey) -> Self {
        Redactor::with_options(key, Options::patterns_only())
    }

    /// With the detectors, gazetteer and JSON key rules of `options`.
    pub fn with_options(key: PiiKey, options: Options) -> Self {
        let mac = <HmacSha256 as Mac>::new_from_slice(&key.0).expect("HMAC takes any key length");
        drop(key);
        // The combined regex only proposes candidate positions; classification
        // re-applies the priority order. Patterns whose threads can run long go
        // last, so that a match found at a position ends the search there
        // (leftmost-first drops lower-priority threads of the same start).
        let mut order: Vec<&PatDef> = PATS.iter().collect();
        order.sort_by_key(|p| matches!(p.kind, Kind::Email | Kind::Assignment | Kind::Url));
        let combined_src = order
            .iter()
            .map(|p| {
                // Length bounds keep the anchored scans short, but as counters in
                // an unanchored DFA they multiply its states on dotted code
                // identifiers (`a.b_c.d`): the combined regex goes without.
                let unbounded = p
                    .src
                    .replace("{0,31}://", "*://")
                    .replace("{0,62}", "*")
                    .replace("{0,63}", "*");
                let src = to_rust_syntax(&unbounded, true);
                if p.kind == Kind::Ipv6Leading {
                    // Consume the character before `::`, so that the `::` of every
                    // path in code (`std::fmt`) is not a candidate.
                    format!("(?:(?:^|[^A-Za-z0-9_:]){src})")
                } else {
                    format!("(?:{src})")
                }
            })
            .collect::<Vec<_>>()
            .join("|");
        let combined = build_regex(&combined_src);
        let anchored: Vec<String> = PATS
            .iter()
            .map(|p| format!("^(?:{})", to_rust_syntax(p.src, false)))
            .collect();
        let set = RegexSetBuilder::new(&anchored)
            .size_limit(64 << 20)
            .dfa_size_limit(DFA_CACHE)
            .build()
            .expect("PII pattern set");
        let mut any_first = [false; 256];
        for p in PATS {
            for &b in p.first {
                any_first[b as usize] = true;
            }
        }
        let pats = PATS
            .iter()
            .zip(anchored)
            .map(|(p, src)| {
                let mut first = [false; 256];
                for &b in p.first {
                    first[b as usize] = true;
                }
                Pat {
                    entity: p.entity,
                    kind: p.kind,
                    first,
                    re: build_regex(&src),
                }
            })
            .collect();
        let auth_value_re = build_regex(
            r"^(?:(Bearer|bearer|BEARER|Basic|basic|BASIC|Token|token)[ \t]+)?([A-Za-z0-9._~+/-]{8,}=*)",
        );
        Redactor {
            combined,
            set,
            any_first,
            pats,
            auth_value_re,
            mac,
            options,
            no_gazetteer: Gazetteer::default(),
        }
    }

    /// Returns `None` when the text holds no PII (no allocation on that path),
    /// else the redacted text. Counts of entities found are added to `counts`.
    pub fn redact(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        self.guarded(text, counts, false, |r, c| r.redact_unguarded(text, c))
    }

    /// A detector that fails on a value (a bug: the fuzzer hunts them) must
    /// neither stop the night's run nor let the value through: the value is
    /// replaced whole by one `UNSCANNED` pseudonym, and counted.
    fn guarded(
        &self,
        text: &str,
        counts: &mut EntityCounts,
        json: bool,
        f: impl FnOnce(&Self, &mut EntityCounts) -> Option<String>,
    ) -> Option<String> {
        let mut local = EntityCounts::default();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self, &mut local))) {
            Ok(out) => {
                counts.add(&local);
                out
            }
            Err(_) => {
                counts.bump(Entity::Unscanned);
                let p = self.pseudonym(Entity::Unscanned, text);
                Some(if json { serde_json::Value::String(p).to_string() } else { p })
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn guarded_for_test(&self, text: &str, counts: &mut EntityCounts) -> String {
        self.guarded(text, counts, false, |_, _| panic!("a detector bug")).expect("replaced whole")
    }

    fn redact_unguarded(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        if self.options.detectors.any() {
            return self.redact_spans(text, counts);
        }
        // Digits of other scripts and full-width forms: scanned as ASCII, replaced in the original.
        let folded = crate::digits::fold(text);
        let scanned = folded.as_ref().map_or(text, |(f, _)| f.as_str());
        let mut hits: Vec<(usize, usize, Entity)> = Vec::new();
        let _ = self.scan(scanned, |hit| {
            if hits.last().is_some_and(|&(_, e, _)| hit.start < e) {
                return ControlFlow::Continue(()); // inside the extension just taken
            }
            // `(764) 254-5093 ext. 947`: the extension goes with the number.
            let end = if hit.entity == Entity::Phone { crate::phones::extension_end(scanned, hit.end) } else { hit.end };
            hits.push((hit.start, end, hit.entity));
            ControlFlow::Continue(())
        });
        if hits.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut copied = 0usize;
        for (start, end, entity) in hits {
            let (start, end) = folded.as_ref().map_or((start, end), |(_, map)| (map[start], map[end]));
            out.push_str(&text[copied..start]);
            self.push_pseudonym(&mut out, entity, &text[start..end]);
            copied = end;
            counts.bump(entity);
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// Same for a JSON document held as text: every string value and every
    /// object key is redacted (and the value of a secret-named key such as
    /// `"password"`), then the document is re-serialised compactly. Text that is
    /// not valid JSON falls back to [`redact`](Redactor::redact). `None` if
    /// nothing changed.
    pub fn redact_json(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        self.guarded(text, counts, true, |r, c| r.redact_json_unguarded(text, c))
    }

    fn redact_json_unguarded(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        if !self.json_may_hold_pii(text) {
            return None;
        }
        let mut value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => return self.redact(text, counts),
        };
        let mut local = EntityCounts::default();
        if !self.walk(&mut value, &mut local) {
            return None;
        }
        counts.add(&local);
        Some(serde_json::to_string(&value).expect("a Value always serialises"))
    }

    /// The pseudonym for one value:
    /// `<TAG_hhhhhh>` with the first 6 hex chars of HMAC-SHA256(key, `TAG:normalized`).
    pub fn pseudonym(&self, entity: Entity, value: &str) -> String {
        let mut s = String::with_capacity(entity.tag().len() + 9);
        self.push_pseudonym(&mut s, entity, value);
        s
    }

    // --- internals -----------------------------------------------------------

    pub(crate) fn push_pseudonym(&self, out: &mut String, entity: Entity, raw: &str) {
        const HEXC: &[u8; 16] = b"0123456789abcdef";
        let norm = normalize(entity, raw);
        let mut mac = self.mac.clone();
        mac.update(entity.tag().as_bytes());
        mac.update(b":");
        mac.update(norm.as_bytes());
        let digest = mac.finalize().into_bytes();
        out.push('<');
        out.push_str(entity.tag());
        out.push('_');
        for &b in &digest[..3] {
            out.push(HEXC[(b >> 4) as usize] as char);
            out.push(HEXC[(b & 15) as usize] as char);
        }
        out.push('>');
    }
}

//! PII inside JSON documents: every string value and key is scanned, and the
//! values of secret-named keys are redacted by their key.

use serde_json::Value;

use crate::validators::secret::*;
use crate::patterns::KEY_WORDS;
use crate::text::is_word;
use crate::validators::Strength;
use crate::keys::is_loose_person_key;
use crate::indirect;
use crate::spans::Finding;
use crate::{Entity, EntityCounts, Redactor};

impl Redactor {
    /// Whether a JSON key names a secret; returns the strength and key word.
    pub(crate) fn key_strength<'k>(&self, key: &'k str) -> Option<(Strength, &'k str)> {
        let b = key.as_bytes();
        let kw = KEY_WORDS.iter().find(|w| {
            b.len() >= w.len() && b[b.len() - w.len()..].eq_ignore_ascii_case(w.as_bytes())
        })?;
        let start = key.len() - kw.len();
        let kw = &key[start..];
        if kw.eq_ignore_ascii_case("authorization") {
            // The raw pattern needs a word boundary before "authorization".
            if start > 0 && is_word(b[start - 1]) {
                return None;
            }
            return Some((Strength::Auth, kw));
        }
        Some((keyword_strength(kw), kw))
    }

    /// For the value of a secret-named key: the byte range to replace and its entity.
    pub(crate) fn secret_value_span(
        &self,
        strength: Strength,
        kw: &str,
        value: &str,
        quoted: bool,
    ) -> Option<(usize, usize, Entity)> {
        if strength == Strength::Auth {
            let caps = self.auth_value_re.captures(value)?;
            let scheme = caps.get(1).map(|m| m.as_str());
            let tok = caps.get(2)?;
            return auth_token_ok(scheme, tok.as_str()).then_some((
                tok.start(),
                tok.end(),
                Entity::BearerToken,
            ));
        }
        secret_value_ok(strength, kw, value, quoted, false)
            .then(|| (0, value.len(), secret_entity(value)))
    }

    /// Applies the secret-named-key rule to `val`; true if it changed.
    pub(crate) fn redact_secret_value(
        &self,
        strength: Strength,
        kw: &str,
        val: &mut Value,
        counts: &mut EntityCounts,
    ) -> bool {
        let (text, quoted) = match val {
            Value::String(s) => (std::mem::take(s), true),
            Value::Number(n) => (n.to_string(), false),
            _ => return false,
        };
        match self.secret_value_span(strength, kw, &text, quoted) {
            Some((a, b, entity)) => {
                let mut out = String::with_capacity(text.len() + 16);
                out.push_str(&text[..a]);
                self.push_pseudonym(&mut out, entity, &text[a..b]);
                out.push_str(&text[b..]);
                counts.bump(entity);
                *val = Value::String(out);
                true
            }
            None => {
                if quoted {
                    *val = Value::String(text);
                }
                false
            }
        }
    }

    pub(crate) fn walk(&self, v: &mut Value, counts: &mut EntityCounts) -> bool {
        match v {
            Value::String(s) => match self.redact(s, counts) {
                Some(r) => {
                    *s = r;
                    true
                }
                None => false,
            },
            Value::Number(n) => {
                let t = n.to_string();
                match self.redact(&t, counts) {
                    Some(r) => {
                        *v = Value::String(r);
                        true
                    }
                    None => false,
                }
            }
            Value::Array(items) => {
                let mut changed = false;
                for x in items.iter_mut() {
                    changed |= self.walk(x, counts);
                }
                changed
            }
            Value::Object(map) => {
                // A `name` beside `email`, `dob` or `first_name` is a person's.
                let strict = !map.keys().any(|k| match self.options.keys.entity_of(k) {
                    Some(Entity::Person) => !is_loose_person_key(k),
                    Some(e) => matches!(e, Entity::Email | Entity::Phone | Entity::DateOfBirth | Entity::Address | Entity::UsSsn),
                    None => false,
                });
                // `{"field": "customer_id", "value": "C-7232"}`: the sibling names the value.
                let named = indirect::named_field(&self.options.keys, map);
                let old = std::mem::take(map);
                let mut changed = false;
                for (k, mut val) in old {
                    let by_key = self.options.keys.entity_of(&k).map(|e| (e, k.as_str()));
                    let by_field = named.as_ref().filter(|_| indirect::is_value_key(&k)).map(|(e, name)| (*e, name.as_str()));
                    let mut vch = match by_key.or(by_field) {
                        Some((entity, key)) => self.redact_by_key(entity, key, &mut val, strict, counts),
                        None => {
                            // `{"account": {"number": "967 402"}}`: the record's own id.
                            let mut ids = false;
                            if let Value::Object(record) = &mut val {
                                if !self.options.keys.is_empty() && indirect::names_record(&k) {
                                    for (ck, cv) in record.iter_mut() {
                                        if indirect::is_record_id(&self.options.keys, ck) {
                                            ids |= self.redact_by_key(Entity::Identifier, ck, cv, strict, counts);
                                        }
                                    }
                                }
                            }
                            self.walk(&mut val, counts) | ids
                        }
                    };
                    if !vch {
                        if let Some((strength, kw)) = self.key_strength(&k) {
                            vch = self.redact_secret_value(strength, kw, &mut val, counts);
                        }
                    }
                    changed |= vch;
                    let nk = match self.redact(&k, counts) {
                        Some(r) => {
                            changed = true;
                            r
                        }
                        None => k,
                    };
                    map.insert(nk, val);
                }
                changed
            }
            _ => false,
        }
    }

    /// A value under a PII key (`"first_name"`, `"dob"`, `"user_id"`): a string
    /// or number is redacted whole as the key's entity (a name word by word),
    /// an array item by item; an object is walked as usual (its keys may be
    /// PII keys too, and JSON Schemas of tools live there). True if changed.
    fn redact_by_key(&self, entity: Entity, key: &str, val: &mut Value, strict: bool, counts: &mut EntityCounts) -> bool {
        let text = match val {
            Value::String(s) => s.as_str(),
            Value::Number(n) => &n.to_string(),
            Value::Array(items) => {
                let mut changed = false;
                for x in items.iter_mut() {
                    changed |= self.redact_by_key(entity, key, x, strict, counts);
                }
                return changed;
            }
            _ => return self.walk(val, counts),
        };
        match self.key_value(entity, key, text, strict, counts) {
            Some(r) => {
                *val = Value::String(r);
                true
            }
            None => self.walk(val, counts),
        }
    }

    /// The redacted form of a value under a PII key, `None` to leave it to
    /// the free-text detectors.
    fn key_value(&self, entity: Entity, key: &str, text: &str, strict: bool, counts: &mut EntityCounts) -> Option<String> {
        if text.trim().is_empty() || only_pseudonyms(text) {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 16);
        match entity {
            Entity::Person => {
                // `name` alone also names tools, files and products.
                if is_loose_person_key(key) && !self.looks_like_person(text, strict) {
                    return None;
                }
                self.push_person(&mut out, text);
            }
            Entity::Email | Entity::Phone | Entity::CreditCard | Entity::UsSsn | Entity::Iban | Entity::Ipv4 | Entity::Ipv6 => {
                // The pattern's own pseudonym when it finds the value, so that the
                // value gets the same pseudonym here as in a message.
                if let Some(r) = self.redact(text, counts) {
                    return Some(r);
                }
                self.push_pseudonym(&mut out, entity, text);
            }
            _ => self.push_pseudonym(&mut out, entity, text),
        }
        counts.bump(entity);
        Some(out)
    }

    /// A value under a loose key (`name: …`) that cannot be a person's name:
    /// digits or code, a run of common words (`Running shoes`), a brand's
    /// inner capital (`ThinkPad`, `PostgreSQL`) or an acronym beside a word
    /// (`Dell XPS`, `USB-C cable`). Anything else may be a name no list knows.
    pub(crate) fn clearly_not_person(&self, text: &str) -> bool {
        let text = text.trim();
        if code_or_number(text) {
            return true;
        }
        let words = name_words(text);
        if words.is_empty() || words.len() > 5 {
            return true;
        }
        let gaz = self.options.gazetteer.as_deref().unwrap_or(&self.no_gazetteer);
        let common = |w: &str| gaz.get(w).is_some_and(|e| e.is_common_word() && e.margin() < 0.5);
        let caps = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !w.chars().any(char::is_lowercase);
        let inner_capital = |w: &str| {
            let lower_then_upper = w.chars().zip(w.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase());
            lower_then_upper && !(w.starts_with("Mc") || w.starts_with("Mac") || w.contains(['\'', '’', '-']))
        };
        (!gaz.is_empty() && words.iter().all(|w| common(w)))
            || words.iter().any(|w| inner_capital(w))
            || (words.iter().any(|w| caps(w)) && !words.iter().all(|w| caps(w)))
    }

    /// A value that reads as a person's name: a few words of letters, one of
    /// them a known name, none of them code. `strict` where nothing around
    /// says the object is about a person (a `name` beside `sku` and `qty` is
    /// a product): then the words must read as first name + surname, or as
    /// one clear name, or as an airline's `SURNAME/GIVEN MR`.
    pub(crate) fn looks_like_person(&self, text: &str, strict: bool) -> bool {
        let text = text.trim();
        if code_or_number(text) {
            return false;
        }
        if is_gds_name(text) {
            return true;
        }
        if text.contains('/') {
            return false;
        }
        let gaz = self.options.gazetteer.as_deref().unwrap_or(&self.no_gazetteer);
        let words = name_words(text);
        if words.is_empty() || words.len() > 6 {
            return false;
        }
        let entries: Vec<_> = words.iter().map(|w| gaz.get(w)).collect();
        let common = entries.iter().filter(|e| e.is_some_and(|e| e.is_common_word() && e.margin() < 0.0)).count();
        if !strict {
            let named = entries.iter().any(|e| e.is_some_and(|e| e.is_name() && e.margin() >= -0.5));
            if words.len() == 1 {
                return named || (gaz.is_empty() && words[0].chars().next().is_some_and(char::is_uppercase));
            }
            return (named || gaz.is_empty()) && common < words.len();
        }
        let uncased = |w: &str| w.chars().next().is_some_and(|c| !c.is_uppercase() && !c.is_lowercase());
        let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        if !words.iter().all(|w| capitalised(w) || uncased(w) || crate::context::PARTICLES.contains(w)) || common == words.len() {
            return false;
        }
        if words.len() == 1 {
            let w = words[0];
            // Han, Hangul, Arabic…: a short run is a name (`黄婷婷`).
            return (uncased(w) && (2..=4).contains(&w.chars().count()))
                || entries[0].is_some_and(|e| e.first_margin() >= 1.0 || e.margin() >= 1.5);
        }
        // A given name no list knows is fine beside a clear name (`Kiburi Rikke Hassani`).
        let known_other = entries[1..].iter().any(|e| e.is_some_and(|e| e.is_name() && e.margin() >= 0.5 && !e.is_common_word()));
        let first_ok = entries[0].map_or(uncased(words[0]) || known_other, |e| e.is_first() && e.first_margin() >= -0.5);
        let last = entries[words.len() - 1];
        let last_ok = last.map_or(true, |e| (e.is_last() && e.margin() >= -0.5) || (!e.is_name() && !e.is_common_word()));
        first_ok && last_ok
    }

    /// Cheap, conservative test before parsing: false only if parsing and
    /// walking `text` would certainly change nothing.
    pub(crate) fn json_may_hold_pii(&self, text: &str) -> bool {
        if !self.options.keys.is_empty() && self.has_pii_key(text) {
            return true;
        }
        // The raw scan sees every key, value, number and `"key": "value"` pair,
        // and treats `\n`, `\"`, `\\` and non-ASCII `\uXXXX` escapes like the
        // characters they stand for as far as boundaries are concerned.
        if self.has_pii(text) {
            return true;
        }
        if !text.contains('\\') {
            return false;
        }
        // Strings with other escapes (`\/`, `\t`, `\u0040`, …) are decoded and
        // scanned again, and escaped values of secret-named keys are checked.
        let b = text.as_bytes();
        let mut buf = String::new();
        let mut kbuf = String::new();
        let mut prev_key: Option<(usize, usize)> = None;
        let mut i = 0usize;
        while let Some(off) = text[i..].find('"') {
            let start = i + off + 1;
            let mut j = start;
            // The closing quote: the next one not escaped by an odd run of `\`.
            let end = loop {
                let Some(o) = text[j..].find('"') else {
                    return true; // unterminated string: let the parser decide
                };
                let q = j + o;
                let run = b[start..q]
                    .iter()
                    .rev()
                    .take_while(|&&c| c == b'\\')
                    .count();
                if run.is_multiple_of(2) {
                    break q;
                }
                j = q + 1;
            };
            let raw = &text[start..end];
            let escaped = raw.contains('\\');
            let mut k = end + 1;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            let is_key = k < b.len() && b[k] == b':';
            let mut decoded = false;
            if escaped && needs_decoded_scan(raw) {
                if !json_unescape(raw, &mut buf) {
                    return true;
                }
                decoded = true;
                if self.has_pii(&buf) {
                    return true;
                }
            }
            if is_key {
                prev_key = None;
                if escaped {
                    if !json_unescape(raw, &mut kbuf) {
                        return true;
                    }
                    if self.key_strength(&kbuf).is_some() {
                        return true;
                    }
                } else {
                    prev_key = Some((start, end));
                }
            } else if let Some((ks, ke)) = prev_key.take() {
                if escaped {
                    if let Some((strength, kw)) = self.key_strength(&text[ks..ke]) {
                        if !decoded && !json_unescape(raw, &mut buf) {
                            return true;
                        }
                        if self.secret_value_span(strength, kw, &buf, true).is_some() {
                            return true;
                        }
                    }
                }
            }
            i = end + 1;
        }
        false
    }
}

impl Redactor {
    /// The values of PII keys in raw JSON text, as the key-aware walk would
    /// redact them: string bodies and numbers under a PII key, and the strings
    /// of an array under one.
    pub(crate) fn key_value_spans(&self, text: &str) -> Vec<Finding> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some((start, end)) = next_string(b, i) {
            i = end + 1;
            let mut k = end + 1;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            if k >= b.len() || b[k] != b':' {
                continue;
            }
            let key = &text[start..end];
            let Some(entity) = self.options.keys.entity_of(key).or_else(|| {
                (!self.options.keys.is_empty()).then(|| indirect::entity_in_text(&self.options.keys, text, start, key)).flatten()
            }) else {
                continue;
            };
            k += 1;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            let mut values = Vec::new();
            match b.get(k) {
                Some(b'"') => {
                    if let Some(v) = next_string(b, k) {
                        values.push(v);
                    }
                }
                Some(b'[') => {
                    let mut j = k + 1;
                    while let Some(v) = next_string(b, j) {
                        if b[j..v.0].contains(&b']') || b[j..v.0].contains(&b'{') {
                            break;
                        }
                        values.push(v);
                        j = v.1 + 1;
                    }
                }
                Some(c) if c.is_ascii_digit() || *c == b'-' => {
                    let mut j = k + 1;
                    while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'E' | b'+' | b'-')) {
                        j += 1;
                    }
                    values.push((k, j));
                }
                _ => {}
            }
            for (vs, ve) in values {
                let v = &text[vs..ve];
                if v.trim().is_empty() || only_pseudonyms(v) {
                    continue;
                }
                if entity == Entity::Person && is_loose_person_key(key) && !self.looks_like_person(v, true) {
                    continue;
                }
                out.push(Finding { start: vs, end: ve, entity });
                i = i.max(ve + 1);
            }
        }
        out
    }

    /// Whether some object key of the JSON text is a PII key.
    fn has_pii_key(&self, text: &str) -> bool {
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(off) = b[i..].iter().position(|&c| c == b'"') {
            let start = i + off + 1;
            let mut j = start;
            let mut escaped = false;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    escaped = true;
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                return true; // unterminated: let the parser decide
            }
            let mut k = j + 1;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            let key = &text[start..j];
            if k < b.len()
                && b[k] == b':'
                && (escaped
                    || self.options.keys.entity_of(key).is_some()
                    || indirect::entity_in_text(&self.options.keys, text, start, key).is_some())
            {
                return true;
            }
            i = j + 1;
        }
        false
    }
}

/// The body of the next JSON string at or after `from`: (start, end) between
/// the quotes, escapes skipped.
fn next_string(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let open = from + b.get(from..)?.iter().position(|&c| c == b'"')?;
    let mut j = open + 1;
    while j < b.len() && b[j] != b'"' {
        if b[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    (j < b.len()).then_some((open + 1, j))
}

/// An airline's name field: `SURNAME/GIVEN`, optionally with a title
/// (`HUANG/JUN MRS`, `佐藤/舞 MR`).
fn is_gds_name(text: &str) -> bool {
    let mut parts = text.split('/');
    let (Some(surname), Some(given), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let no_lower = |s: &str| !s.is_empty() && s.chars().all(|c| (c.is_alphabetic() && !c.is_lowercase()) || c == ' ' || c == '-' || c == '\'');
    no_lower(surname) && no_lower(given) && !surname.contains(' ')
}

/// Whether the text holds nothing but pseudonyms and separators.
fn only_pseudonyms(text: &str) -> bool {
    let ranges = crate::spans::pseudonyms_in(text);
    if ranges.is_empty() {
        return false;
    }
    let mut rest = String::new();
    let mut at = 0;
    for (s, e) in ranges {
        rest.push_str(&text[at..s]);
        at = e;
    }
    rest.push_str(&text[at..]);
    !rest.chars().any(char::is_alphanumeric)
}

/// A JSON string body whose escapes could hide an entity from the raw scan:
/// `\/`, `\t`, `\r`, `\b`, `\f` or a `\u` escape of an ASCII character.
pub(crate) fn needs_decoded_scan(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(o) = raw[i..].find('\\') {
        let p = i + o;
        match b.get(p + 1) {
            Some(b'n' | b'"' | b'\\') => i = p + 2,
            Some(b'u') => {
                // \u0000–\u007f
                if b.get(p + 2) == Some(&b'0')
                    && b.get(p + 3) == Some(&b'0')
                    && matches!(b.get(p + 4), Some(b'0'..=b'7'))
                {
                    return true;
                }
                i = p + 2;
            }
            _ => return true,
        }
    }
    false
}

/// Too long, code-like or holding a digit to be anyone's name.
fn code_or_number(text: &str) -> bool {
    text.len() > 80 || text.contains(['_', '@', '(', '{', '<', '=', ':']) || text.bytes().any(|c| c.is_ascii_digit())
}

/// The words of a would-be name: runs of letters with `'`, `’` or `-` inside.
fn name_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’' || c == '-')).filter(|w| !w.is_empty()).collect()
}

/// A JSON string body as it reads, decoded once or, for JSON inside a JSON
/// string (`\\u6768`), twice; the raw text where an escape is malformed.
pub(crate) fn unescape_nested(raw: &str) -> std::borrow::Cow<'_, str> {
    let mut once = String::new();
    if !raw.contains('\\') || !json_unescape(raw, &mut once) {
        return raw.into();
    }
    let mut twice = String::new();
    if once.contains('\\') && json_unescape(&once, &mut twice) {
        return twice.into();
    }
    once.into()
}

/// Decodes a JSON string body into `out`; false if an escape is malformed.
pub(crate) fn json_unescape(raw: &str, out: &mut String) -> bool {
    out.clear();
    let b = raw.as_bytes();
    let mut last = 0usize;
    let mut i = 0usize;
    while let Some(o) = raw[i..].find('\\') {
        let p = i + o;
        out.push_str(&raw[last..p]);
        let Some(&c) = b.get(p + 1) else {
            return false;
        };
        let mut next = p + 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let Some(hi) = hex4(b, p + 2) else {
                    return false;
                };
                next = p + 6;
                let cp = if (0xD800..0xDC00).contains(&hi)
                    && b.get(p + 6) == Some(&b'\\')
                    && b.get(p + 7) == Some(&b'u')
                {
                    match hex4(b, p + 8) {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            next = p + 12;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        _ => 0xFFFD,
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            _ => return false,
        }
        i = next;
        last = next;
    }
    out.push_str(&raw[last..]);
    true
}

pub(crate) fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    let mut v = 0u32;
    for &c in s {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

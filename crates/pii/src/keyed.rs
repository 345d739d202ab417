//! Key-value pairs in free text: `phone: 0473 905 868`, `SSN - 146 56 2241`,
//! `- **Date of birth**: 14/05/1977`, `user_id=u_83jd92`, and JSON that sits
//! escaped inside a string (`{\"last_name\": \"O'Connor\"}`), which the JSON
//! walk sees as text. The key decides the entity ([`KeyRules`]), as in JSON.
//!
//! In: text. Out: (start, end, entity) of the values. A key is the one to four
//! words before `:`, `=`, ` - ` or a tab (quotes, `**` and `\` around it
//! allowed), normalised like a JSON key, with a trailing `no`, `number`, `nr`
//! or `#` also tried without (`Social Security No.` is `social_security`).
//! A value is a quoted string, or the rest of the clause; values of numeric
//! kinds (phone, SSN, card, date of birth, age, identifier) must hold a
//! digit, and type names (`string`, `int`, `null`) are never values.

use crate::keys::{is_loose_person_key, is_role_key, normalize_key, KeyRules};
use crate::Entity;

/// The longest value taken (bytes).
const MAX_VALUE: usize = 120;

#[rustfmt::skip]
const NOT_VALUES: &[&str] = &[
    "string", "str", "int", "integer", "number", "float", "double", "bool", "boolean", "object", "array",
    "text", "varchar", "char", "null", "none", "nil", "n/a", "na", "true", "false", "optional", "required",
    "unknown", "redacted", "tbd", "todo", "any", "date", "datetime", "uuid", "list", "dict", "map", "email",
    "phone", "name", "yes", "no", "-", "--", "...", "…",
];

/// Appends the values of PII keys written as `key: value` in `text` to
/// `out`, and to `roles` the values that are a person's only if they read
/// as a name: after a role label (`Customer: …`, strict: a speaker label is
/// followed by what the speaker said) and after a loose key (`name: …`,
/// which also names products and tools).
pub(crate) fn find_keyed(rules: &KeyRules, text: &str, out: &mut Vec<(usize, usize, Entity)>, roles: &mut Vec<(usize, usize, bool)>) {
    if rules.is_empty() {
        return;
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut resume = 0;
    while i < b.len() {
        let c = b[i];
        let sep_len = match c {
            b':' | b'=' | b'\t' => 1,
            b'-' if i > 0 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ') => 1,
            _ => 0,
        };
        if sep_len == 0 || i < resume || (c == b':' && b.get(i + 1) == Some(&b':')) || (c == b'=' && b.get(i + 1) == Some(&b'=')) {
            i += 1;
            continue;
        }
        if !tail_is_key(rules, b, i) {
            i += 1;
            continue;
        }
        if let Some((entity, key_start)) = key_before(rules, text, i) {
            if let Some((vs, ve)) = value_after(text, i + sep_len, entity) {
                if key_start < vs {
                    // `"name": "Kindle Paperwhite"`: `name` also names products.
                    let key = text[key_start..i].trim_end_matches([' ', '"', '\'', '\\', '*', '`']);
                    if entity == Entity::Person && is_loose_person_key(key) {
                        roles.push((vs, ve, false));
                    } else {
                        out.push((vs, ve, entity));
                    }
                    resume = ve;
                    i = ve;
                    continue;
                }
            }
        } else if c != b'=' && role_before(b, i) {
            if let Some((vs, ve)) = value_after(text, i + sep_len, Entity::Person) {
                roles.push((vs, ve, true));
                resume = ve;
                i = ve;
                continue;
            }
        }
        i += 1;
    }
}

/// A cheap first test: whether the last word (or camelCase part) before the
/// separator at `sep` can end a PII key.
fn tail_is_key(rules: &KeyRules, b: &[u8], sep: usize) -> bool {
    let mut e = sep;
    while e > 0 && matches!(b[e - 1], b' ' | b'"' | b'\'' | b'\\' | b'*' | b'`' | b'.' | b'#') {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && (b[s - 1].is_ascii_lowercase() || b[s - 1].is_ascii_digit()) && e - s < 24 {
        s -= 1;
    }
    if s > 0 && b[s - 1].is_ascii_uppercase() {
        s -= 1;
        // `SSN`, `DOB`, `IBAN`: a word in capitals.
        while s > 0 && b[s - 1].is_ascii_uppercase() && e - s < 24 {
            s -= 1;
        }
    }
    if s == e || e - s > 24 {
        // Not ASCII (`Geburtsdatum` is; `prénom` is not): let the full test decide.
        return e > 0 && b[e - 1] >= 0x80;
    }
    let mut buf = [0u8; 24];
    for (d, c) in buf.iter_mut().zip(&b[s..e]) {
        *d = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..e - s]).is_ok_and(|w| rules.is_tail(w))
}

/// Whether keys of a product (`sku`, `qty`, `price`, `model`…) are siblings
/// of the value at `s..e`, in the same JSON object (up to 300 bytes either
/// way): then its `name` is the product's.
pub(crate) fn beside_product_keys(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    let (mut a, mut depth) = (s, 0i32);
    while a > 0 && s - a < 300 {
        match b[a - 1] {
            b'}' | b']' => depth += 1,
            b'{' | b'[' if depth == 0 => break,
            b'{' | b'[' => depth -= 1,
            _ => {}
        }
        a -= 1;
    }
    let (mut z, mut depth) = (e, 0i32);
    while z < b.len() && z - e < 300 {
        match b[z] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => break,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        z += 1;
    }
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    while !text.is_char_boundary(z) {
        z += 1;
    }
    let near = text[a..z].to_ascii_lowercase();
    // Not `function` or `tool`: a tool call's arguments hold people's names,
    // and a function's own `name` (`get_weather`) fails the shape test anyway.
    // An escaped key (`\"sku`) holds its unescaped form.
    ["\"sku", "\"qty", "\"quantity", "\"price", "\"product", "\"item", "\"model", "\"version", "\"in_stock", "\"brand", "\"category"]
        .iter()
        .any(|k| near.contains(k))
}

/// Whether the one word before the separator at `sep` is a role
/// (`Customer`, `**Guest**`, `"assignee"`), at the start of a line or after
/// punctuation, so not the end of a sentence (`the customer: …`).
fn role_before(b: &[u8], sep: usize) -> bool {
    let mut e = sep;
    while e > 0 && matches!(b[e - 1], b' ' | b'"' | b'\'' | b'\\' | b'*' | b'`') {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && (b[s - 1].is_ascii_alphabetic() || b[s - 1] == b'_') && e - s < 24 {
        s -= 1;
    }
    if s == e || (s > 0 && b[s - 1].is_ascii_alphanumeric()) {
        return false;
    }
    let mut p = s;
    while p > 0 && matches!(b[p - 1], b' ' | b'"' | b'*' | b'-' | b'`' | b'\t') {
        p -= 1;
    }
    let line_start = p == 0 || matches!(b[p - 1], b'\n' | b'\r' | b'{' | b',' | b'|') || (p >= 2 && b[p - 2] == b'\\' && b[p - 1] == b'n');
    line_start && std::str::from_utf8(&b[s..e]).is_ok_and(|w| is_role_key(&normalize_key(w)))
}

/// The entity of the key that ends right before the separator at `sep`.
fn key_before(rules: &KeyRules, text: &str, sep: usize) -> Option<(Entity, usize)> {
    let b = text.as_bytes();
    let mut e = sep;
    // `"key": `, `\"key\": `, `**Key**: `, `key : `.
    while e > 0 && matches!(b[e - 1], b' ' | b'"' | b'\'' | b'\\' | b'*' | b'`') {
        e -= 1;
    }
    let mut s = e;
    let mut words = 0;
    while s > 0 && e - s < 48 {
        let p = s - 1;
        let ch = b[p];
        if ch.is_ascii_alphanumeric() || ch == b'_' || ch == b'#' || ch == b'.' || ch >= 0x80 {
            s -= 1;
        } else if ch == b' ' || ch == b'-' {
            if s < e && b[s] != b' ' {
                words += 1;
            }
            if words >= 4 || p == 0 || !(b[p - 1].is_ascii_alphabetic()) {
                break;
            }
            s -= 1;
        } else {
            break;
        }
    }
    while s < e && !text.is_char_boundary(s) {
        s += 1;
    }
    let raw = text[s..e].trim_matches(|c: char| c == ' ' || c == '-');
    if raw.is_empty() || raw.len() > 48 {
        return None;
    }
    // Longest key first: `date of birth` before `birth`.
    let parts: Vec<&str> = raw.split([' ', '-']).filter(|w| !w.is_empty()).collect();
    for n in (1..=parts.len().min(4)).rev() {
        let cand = parts[parts.len() - n..].join("_");
        let norm = normalize_key(cand.trim_end_matches(['.', '#']));
        if let Some(entity) = lookup_key(rules, &norm) {
            let start = e - raw.len() + raw.rfind(parts[parts.len() - n]).unwrap_or(0);
            return Some((entity, start));
        }
    }
    None
}

/// The entity of a key as written in text (`Social_Security_No`,
/// `Tel/Fax`), trying it without a trailing `no`, `number`, `id`….
pub(crate) fn lookup_key(rules: &KeyRules, key: &str) -> Option<Entity> {
    // `Customer: I want a refund`, `Agent: sure`: in text a role before a
    // colon is a speaker label, and what follows is what they said.
    if is_role_key(&normalize_key(key)) {
        return None;
    }
    if let Some(e) = rules.entity_of(key) {
        return Some(e);
    }
    let key = &normalize_key(key);
    for suffix in ["_no", "_number", "_nr", "_num", "_id"] {
        if let Some(stem) = key.strip_suffix(suffix) {
            if let Some(e) = rules.entity_of(stem) {
                return Some(e);
            }
        }
    }
    // `tel/fax`: the last part.
    key.rsplit('/').next().filter(|k| *k != key).and_then(|k| rules.entity_of(k))
}

/// The value after the separator that ends at `from`.
fn value_after(text: &str, from: usize, entity: Entity) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut s = from;
    while s < b.len() && matches!(b[s], b' ' | b'\t' | b'*') {
        s += 1;
    }
    // Quoted: `"…"`, `\"…\"` or `'…'`.
    let (quote, escaped) = match (b.get(s), b.get(s + 1)) {
        (Some(b'\\'), Some(b'"')) => (Some(b'"'), true),
        (Some(b'"'), _) => (Some(b'"'), false),
        (Some(b'\''), _) => (Some(b'\''), false),
        _ => (None, false),
    };
    let (vs, ve) = match quote {
        Some(q) => {
            let vs = s + if escaped { 2 } else { 1 };
            let mut j = vs;
            loop {
                if j >= b.len() || j - vs > MAX_VALUE {
                    return None;
                }
                if escaped && b[j] == b'\\' && b.get(j + 1) == Some(&q) {
                    // `\\\"` is an escaped quote inside the inner string.
                    if j > vs && b[j - 1] == b'\\' {
                        j += 2;
                        continue;
                    }
                    break (vs, j);
                }
                if !escaped && b[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if !escaped && b[j] == q {
                    break (vs, j);
                }
                j += 1;
            }
        }
        None => {
            if s >= b.len() || matches!(b[s], b'{' | b'[' | b'(' | b'<' | b'\n' | b'\r') {
                return None;
            }
            let mut j = s;
            while j < b.len() && j - s <= MAX_VALUE {
                let c = b[j];
                // `DOB: August 01, 1947`: the comma before a date's year is the date's.
                let year_next = entity == Entity::DateOfBirth
                    && b.get(j + 1) == Some(&b' ')
                    && b.get(j + 2..j + 6).is_some_and(|y| y.iter().all(u8::is_ascii_digit))
                    && !b.get(j + 6).is_some_and(u8::is_ascii_digit);
                if matches!(c, b'\n' | b'\r' | b';' | b'|' | b'}' | b']' | b'"' | b'<' | b'\t')
                    || (c == b',' && entity != Entity::Address && !year_next)
                {
                    break;
                }
                if c == b'\\' && matches!(b.get(j + 1), Some(b'n' | b'r' | b't' | b'"')) {
                    break;
                }
                // `Tel: 0242… Dl#: …` on one line: another key starts.
                if c == b' ' && b.get(j + 1) == Some(&b' ') {
                    break;
                }
                j += 1;
            }
            // `- account number: **5301 240 300**`: markdown's emphasis is no part of the value.
            while j > s && matches!(b[j - 1], b' ' | b'.' | b':' | b'*') {
                j -= 1;
            }
            (s, clause_end(text, s, j, entity))
        }
    };
    if !text.is_char_boundary(ve) {
        return None;
    }
    let v = text[vs..ve].trim();
    // A value holds a letter or a digit (`\\"` between a key and a pseudonym is none).
    if !v.chars().any(char::is_alphanumeric) || v.len() > MAX_VALUE || NOT_VALUES.iter().any(|n| v.eq_ignore_ascii_case(n)) {
        return None;
    }
    let numeric = matches!(
        entity,
        Entity::Phone | Entity::UsSsn | Entity::CreditCard | Entity::DateOfBirth | Entity::Age | Entity::Iban | Entity::Ipv4 | Entity::Ipv6
    );
    if numeric && !v.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    if entity == Entity::Identifier && !(v.bytes().any(|c| c.is_ascii_digit()) || is_code_like(v)) {
        return None;
    }
    if entity == Entity::Age && !(v.len() <= 12 && v.bytes().filter(u8::is_ascii_digit).count() <= 3) {
        return None;
    }
    if entity == Entity::Email && !v.contains('@') {
        return None;
    }
    if matches!(entity, Entity::Person | Entity::Address) && looks_like_code(v) {
        return None;
    }
    let lead = text[vs..ve].len() - text[vs..ve].trim_start().len();
    let trail = text[vs..ve].len() - text[vs..ve].trim_end().len();
    Some((vs + lead, ve - trail))
}

/// For unquoted values of numeric kinds, the clause ends at the first word
/// without a digit once a digit was seen (`ring 0473905868 please`).
fn clause_end(text: &str, s: usize, e: usize, entity: Entity) -> usize {
    let numeric = matches!(entity, Entity::Phone | Entity::UsSsn | Entity::CreditCard | Entity::Iban | Entity::Age | Entity::Identifier);
    if !numeric {
        return e;
    }
    let mut end = s;
    let mut seen_digit = false;
    // `account_id=4712 807 736 status=ok`: an identifier of digits goes on in groups of digits.
    let mut digit_groups = false;
    for (off, word) in split_keep(&text[s..e]) {
        let has_digit = word.bytes().any(|c| c.is_ascii_digit());
        let digits_only = word.bytes().all(|c| c.is_ascii_digit());
        if entity == Entity::Identifier && seen_digit {
            if !(digit_groups && digits_only && word.len() <= 8) {
                break;
            }
            end = s + off + word.len();
            continue;
        }
        let ext = matches!(word.to_ascii_lowercase().as_str(), "x" | "ext" | "ext." | "extension");
        if seen_digit && !has_digit && !ext && !word.starts_with('(') && !word.starts_with('+') {
            break;
        }
        if has_digit {
            seen_digit = true;
        }
        end = s + off + word.len();
        digit_groups = digits_only;
    }
    end
}

/// Words with their offsets.
fn split_keep(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split(' ').scan(0usize, |pos, w| {
        let at = *pos;
        *pos += w.len() + 1;
        Some((at, w))
    })
    .filter(|(_, w)| !w.is_empty())
}

/// `KQWZMT`, `BKG-0737-GE`: upper-case letters and digits, as identifiers are written.
fn is_code_like(v: &str) -> bool {
    (4..=24).contains(&v.len())
        && v.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
        && v.bytes().any(|c| c.is_ascii_uppercase())
}

/// Source code rather than a value: `get_name()`, `user.name`, `${NAME}`.
fn looks_like_code(v: &str) -> bool {
    v.contains(['(', ')', '{', '}', '$', ';', '<', '>', '[', ']'])
        || (v.contains('_') && !v.contains(' '))
        || (v.contains('.') && !v.contains(' ') && v.bytes().any(|c| c.is_ascii_lowercase()) && !v.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(text: &str) -> Vec<(&str, Entity)> {
        let mut out = Vec::new();
        find_keyed(&KeyRules::default(), text, &mut out, &mut Vec::new());
        out.into_iter().map(|(s, e, k)| (&text[s..e], k)).collect()
    }

    fn roles(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find_keyed(&KeyRules::default(), text, &mut Vec::new(), &mut out);
        out.into_iter().map(|(s, e, _)| &text[s..e]).collect()
    }

    #[test]
    fn identifiers_of_digits_go_on_in_groups() {
        assert_eq!(keyed("account_id=4712 807 736 status=ok"), [("4712 807 736", Entity::Identifier)]);
        assert_eq!(keyed("- account number: **5301 240 300**"), [("5301 240 300", Entity::Identifier)]);
        assert_eq!(keyed("order_id: ORD-2024 2 items"), [("ORD-2024", Entity::Identifier)], "a group after a code is no part of it");
        assert_eq!(keyed("claimNo: 80W1D4G31"), [("80W1D4G31", Entity::Identifier)], "a record noun and an id tail");
    }

    #[test]
    fn values_after_role_labels_go_apart() {
        assert_eq!(roles("Customer:\tLucia Chiappetta\nSSN: 1"), ["Lucia Chiappetta"]);
        assert_eq!(roles("- **Customer**: 김상호\n"), ["김상호"]);
        assert_eq!(roles("Agent: Sure, one moment"), ["Sure"]);
        assert!(roles("please tell the customer: refunds take 3 days").is_empty(), "mid-sentence");
        assert!(roles("user=admin").is_empty());
        // A loose key's value too: `name` also names products.
        assert_eq!(roles("name: Мечислав Баранов"), ["Мечислав Баранов"]);
    }

    #[test]
    fn values_of_pii_keys_in_text() {
        use Entity::*;
        for (text, value, entity) in [
            ("Mobile - +234806759", "+234806759", Phone),
            ("SSN - 146 56 2241\nMobile", "146 56 2241", UsSsn),
            ("Social Security No.: 367972388\nBorn", "367972388", UsSsn),
            ("- **Phone**: 07 4078 5594\n- **Age**: 11", "07 4078 5594", Phone),
            ("- **Phone**: 07 4078 5594\n- **Age**: 11", "11", Age),
            ("Tel:\t02428104654\nDl#:\t3106554", "02428104654", Phone),
            (r#"{\"last_name\": \"O'Connor\", \"ssn\": \"371-22\"}"#, "O'Connor", Person),
            (r#"\"ssn\": \"783113715\", \"dob\""#, "783113715", UsSsn),
            ("user_id=u_83jd92 action=login", "u_83jd92", Identifier),
            ("Date of birth: 14/05/1977", "14/05/1977", DateOfBirth),
            ("- phone: 080-9379-3285", "080-9379-3285", Phone),
            ("Card number - 6304 0462 4980 912029\nIBAN", "6304 0462 4980 912029", CreditCard),
            ("ring me, phone: 0473905868 please", "0473905868", Phone),
            ("address: 12 Elm Street, Springfield\nok", "12 Elm Street, Springfield", Address),
            ("passport_no: X12345678", "X12345678", Identifier),
            ("DOB: August 01, 1947, Ohio", "August 01, 1947", DateOfBirth),
        ] {
            assert!(keyed(text).contains(&(value, entity)), "{text}: {:?}", keyed(text));
        }
    }

    #[test]
    fn code_and_types_are_not_values() {
        for text in [
            "name: string",
            "phone: number",
            "let name = get_name();",
            "address: Optional[str]",
            "email = user.email",
            "if a == b: pass",
            "std::name::x",
            "user_id = request.user.id",
            "ssn: null",
            "passport: required",
            "age: unknown",
            r#"{\"last_name\": \\"<SSN_71f45c>\"}"#,
            // Speaker labels of a transcript: what follows is an utterance.
            "Customer: Hi, I want a refund\nAgent: Sure thing",
            "User: Grace asked me to call",
        ] {
            assert!(keyed(text).is_empty(), "{text}: {:?}", keyed(text));
        }
    }
}

//! PII keys that JSON names indirectly, where the key of a value says nothing
//! and its surroundings say what it is.
//!
//! * A field list: `{"field": "customer_id", "op": "eq", "value": "C-7232"}`,
//!   `{"name": "phone", "value": "+44 …"}` (CRM custom fields, search filters,
//!   form answers): the value is what its sibling names.
//! * A record's own id: `{"account": {"number": "967 402"}}`, `{"customer":
//!   {"id": "C-1"}}`: an identifier's tail under a record's noun.
//!
//! Both forms are read from a parsed object (the JSON walk) and from raw JSON
//! text (the spans that evaluation and reports count), with the same rules.

use serde_json::{Map, Value};

use crate::keys::{is_id_head, is_id_tail, normalize_key, KeyRules};
use crate::Entity;

/// Keys whose string names the field that a sibling holds the value of.
const FIELD_KEYS: &[&str] = &["field", "name", "key", "attribute", "property", "label", "type", "field_name", "fieldName"];
/// Keys that hold the value of the field a sibling names.
const VALUE_KEYS: &[&str] = &["value", "values", "val", "field_value", "fieldValue"];
/// How far the raw-text readers look for the object around a key (bytes).
const REACH: usize = 4096;

/// In a parsed object: the entity and name of the field that a field key
/// names, when the object also has a value key.
pub(crate) fn named_field(rules: &KeyRules, map: &Map<String, Value>) -> Option<(Entity, String)> {
    if !map.keys().any(|k| VALUE_KEYS.contains(&k.as_str())) {
        return None;
    }
    map.iter().filter(|(k, _)| FIELD_KEYS.contains(&k.as_str())).find_map(|(_, v)| {
        let name = v.as_str()?;
        Some((rules.entity_of(name)?, name.to_string()))
    })
}

/// Whether `key` holds the value of a named field.
pub(crate) fn is_value_key(key: &str) -> bool {
    VALUE_KEYS.contains(&key)
}

/// Whether an object under `key` holds its record's id under an id's tail.
pub(crate) fn names_record(key: &str) -> bool {
    is_id_head(&normalize_key(key))
}

/// Whether `key` inside a record's object is that record's id (`id`, `number`, `ref`).
pub(crate) fn is_record_id(rules: &KeyRules, key: &str) -> bool {
    is_id_tail(&normalize_key(key)) && rules.entity_of(key).is_none()
}

/// In raw JSON text, for the key whose body starts at `key_start`: the
/// entity its value is by its surroundings, if any.
pub(crate) fn entity_in_text(rules: &KeyRules, text: &str, key_start: usize, key: &str) -> Option<Entity> {
    let b = text.as_bytes();
    if is_value_key(key) {
        let open = enclosing_brace(b, key_start)?;
        return field_named_in(rules, text, open);
    }
    // No id tail is longer than "reference": the gate over every key of a
    // document allocates nothing for the others.
    if key.len() <= "reference".len() && is_record_id(rules, key) {
        let open = enclosing_brace(b, key_start)?;
        let (ks, ke) = key_before(b, open)?;
        return names_record(&text[ks..ke]).then_some(Entity::Identifier);
    }
    None
}

/// The `{` that opens the object holding the byte at `at`, looking back at
/// most [`REACH`] bytes. Braces inside strings are rare in keys' surroundings
/// and are not told apart.
fn enclosing_brace(b: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for k in (at.saturating_sub(REACH)..at).rev() {
        match b[k] {
            b'}' | b']' => depth += 1,
            b'[' => depth = depth.checked_sub(1)?,
            b'{' if depth == 0 => return Some(k),
            b'{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The body of the key before `: {` at `open`.
fn key_before(b: &[u8], open: usize) -> Option<(usize, usize)> {
    let mut k = open;
    let back = |k: &mut usize| {
        while *k > 0 && b[*k - 1].is_ascii_whitespace() {
            *k -= 1;
        }
    };
    back(&mut k);
    (k > 0 && b[k - 1] == b':').then_some(())?;
    k -= 1;
    back(&mut k);
    (k > 0 && b[k - 1] == b'"').then_some(())?;
    let end = k - 1;
    let start = b[..end].iter().rposition(|&c| c == b'"')? + 1;
    (end - start <= 64).then_some((start, end))
}

/// The entity that a field key among the members of the object opening at
/// `open` names.
fn field_named_in(rules: &KeyRules, text: &str, open: usize) -> Option<Entity> {
    let b = text.as_bytes();
    let end = (open + REACH).min(b.len());
    let (mut k, mut depth) = (open + 1, 0usize);
    let mut last_key: Option<(usize, usize)> = None;
    while k < end {
        match b[k] {
            b'"' => {
                let s = k + 1;
                let mut j = s;
                while j < end && b[j] != b'"' {
                    j += 1 + usize::from(b[j] == b'\\');
                }
                let e = j.min(end);
                let mut n = e + 1;
                while n < end && b[n].is_ascii_whitespace() {
                    n += 1;
                }
                if depth == 0 {
                    if b.get(n) == Some(&b':') {
                        last_key = Some((s, e));
                    } else if let Some((ks, ke)) = last_key.take() {
                        if FIELD_KEYS.contains(&&text[ks..ke]) {
                            if let Some(entity) = text.get(s..e).and_then(|name| rules.entity_of(name)) {
                                return Some(entity);
                            }
                        }
                    }
                }
                k = e + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                k += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
                k += 1;
            }
            _ => k += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(text: &str, key: &str) -> Option<Entity> {
        let at = text.find(&format!("\"{key}\"")).expect("key in text") + 1;
        entity_in_text(&KeyRules::default(), text, at, key)
    }

    #[test]
    fn a_sibling_field_names_the_value() {
        let filter = r#"{"filters": [{"field": "customer-id", "op": "eq", "value": "CL7232"}]}"#;
        assert_eq!(entity(filter, "value"), Some(Entity::Identifier));
        let custom = r#"{"properties": [{"name": "mobile_phone", "value": "+44 7700 900123"}]}"#;
        assert_eq!(entity(custom, "value"), Some(Entity::Phone));
        let after = r#"{"value": "Mia Li", "label": "first_name"}"#;
        assert_eq!(entity(after, "value"), Some(Entity::Person));
        assert_eq!(entity(r#"{"field": "status", "value": "open"}"#, "value"), None);
        assert_eq!(entity(r#"{"name": "limit", "value": 20}"#, "value"), None);
        let nested = r#"{"field": "status", "value": {"name": "x"}, "where": {"field": "email"}}"#;
        assert_eq!(entity(nested, "value"), None, "a field of a nested object names nothing here");
    }

    #[test]
    fn an_id_under_a_record_noun_is_an_identifier() {
        assert_eq!(entity(r#"{"account": {"number": "967 402", "tier": "gold"}}"#, "number"), Some(Entity::Identifier));
        assert_eq!(entity(r#"{"Customer" : { "id": 88123 }}"#, "id"), Some(Entity::Identifier));
        assert_eq!(entity(r#"{"build": {"number": "20240312"}}"#, "number"), None);
        assert_eq!(entity(r#"{"id": "root", "account": 3}"#, "id"), None, "no object above");
    }

    #[test]
    fn parsed_objects_follow_the_same_rules() {
        let rules = KeyRules::default();
        let v: Value = serde_json::from_str(r#"{"key": "passport_number", "value": "X1234567"}"#).unwrap();
        let named = named_field(&rules, v.as_object().unwrap());
        assert_eq!(named.map(|n| n.0), Some(Entity::Identifier));
        let v: Value = serde_json::from_str(r#"{"key": "passport_number", "note": "X1234567"}"#).unwrap();
        assert!(named_field(&rules, v.as_object().unwrap()).is_none(), "no value key");
        assert!(names_record("loyaltyAccount") && !names_record("build"));
        assert!(is_record_id(&rules, "number") && !is_record_id(&rules, "email"));
    }
}

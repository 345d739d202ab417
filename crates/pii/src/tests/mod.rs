//! Tests of the pattern detectors and the JSON walk, through the public API.

use crate::*;
use crate::pseudonym::HmacSha256;
use hmac::Mac;
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

fn r() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| Redactor::new(PiiKey::new(b"test-key-0123456789abcdef".to_vec()).unwrap()))
}

fn red(text: &str) -> String {
    let mut c = EntityCounts::default();
    r().redact(text, &mut c).unwrap_or_else(|| text.to_string())
}

fn counts(text: &str) -> EntityCounts {
    let mut c = EntityCounts::default();
    r().redact(text, &mut c);
    c
}

/// `value`, found in `text`, is replaced by its pseudonym of `entity`.
#[track_caller]
fn assert_redacted(text: &str, value: &str, entity: Entity) {
    let out = red(text);
    let ph = r().pseudonym(entity, value);
    assert!(!out.contains(value), "{value:?} survived in {out:?}");
    assert!(out.contains(&ph), "expected {ph} for {value:?} in {out:?}");
}

/// Nothing in `text` is redacted.
#[track_caller]
fn assert_clean(text: &str) {
    let mut c = EntityCounts::default();
    let out = r().redact(text, &mut c);
    assert!(out.is_none(), "unexpected redaction of {text:?}: {out:?}");
    assert_eq!(c.total(), 0);
}

// --- API -------------------------------------------------------------------

#[test]
fn entity_tags_and_order() {
    let tags: Vec<&str> = Entity::ALL.iter().map(|e| e.tag()).collect();
    assert_eq!(
        tags,
        [
            "URL", "JWT", "BEARER", "API_KEY", "EMAIL", "CARD", "IBAN", "SSN", "IPV6", "IPV4",
            "PHONE", "ADDRESS", "DOB", "ID", "PERSON", "AGE", "ORG", "LOCATION", "UNSCANNED"
        ]
    );
    for (i, e) in Entity::ALL.iter().enumerate() {
        assert_eq!(*e as usize, i);
        assert_eq!(Entity::from_tag(e.tag()), Some(*e));
    }
    assert!(Entity::UrlCredential < Entity::Phone);
    assert_eq!(Entity::from_tag("NOPE"), None);
}

#[test]
fn key_rules_and_debug() {
    assert!(PiiKey::new(vec![7; 15]).is_err());
    let k = PiiKey::new(b"super-secret-key-material".to_vec()).unwrap();
    let dbg = format!("{k:?}");
    assert!(!dbg.contains("super-secret"), "{dbg}");
    let red = Redactor::new(k);
    let dbg = format!("{red:?}");
    assert!(!dbg.contains("super-secret"), "{dbg}");
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Redactor>();
}

#[test]
fn pseudonym_format_and_determinism() {
    let p = r().pseudonym(Entity::Email, "alice@example.com");
    assert_eq!(p.len(), "<EMAIL_>".len() + 6);
    assert!(p.starts_with("<EMAIL_") && p.ends_with('>'));
    assert!(p[7..13]
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    // Matches the documented construction.
    let mut mac = HmacSha256::new_from_slice(b"test-key-0123456789abcdef").unwrap();
    mac.update(b"EMAIL:alice@example.com");
    let want = format!("<EMAIL_{}>", &hex::encode(mac.finalize().into_bytes())[..6]);
    assert_eq!(p, want);
    // Same value, same pseudonym; normalisation makes case/format irrelevant.
    assert_eq!(p, r().pseudonym(Entity::Email, "Alice@Example.COM"));
    assert_eq!(
        r().pseudonym(Entity::Phone, "+1 (415) 555-0132"),
        r().pseudonym(Entity::Phone, "+1-415-555-0132")
    );
    assert_eq!(
        r().pseudonym(Entity::Phone, "+1 (415) 555-0132"),
        r().pseudonym(Entity::Phone, "14155550132")
    );
    assert_ne!(
        r().pseudonym(Entity::Phone, "+1 (415) 555-0132"),
        r().pseudonym(Entity::Phone, "(415) 555-0132")
    );
    assert_eq!(
        r().pseudonym(Entity::CreditCard, "4111 1111 1111 1111"),
        r().pseudonym(Entity::CreditCard, "4111-1111-1111-1111")
    );
    assert_eq!(
        r().pseudonym(Entity::Iban, "de89 3704 0044 0532 0130 00"),
        r().pseudonym(Entity::Iban, "DE89370400440532013000")
    );
    // Other entities are taken as found.
    assert_ne!(
        r().pseudonym(Entity::Ipv6, "2001:DB8::1"),
        r().pseudonym(Entity::Ipv6, "2001:db8::1")
    );
    // Different values, different pseudonyms.
    assert_ne!(p, r().pseudonym(Entity::Email, "bob@example.com"));
    // Same value under a different entity differs too.
    assert_ne!(
        r().pseudonym(Entity::ApiKey, "x"),
        r().pseudonym(Entity::Jwt, "x")
    );
}

#[test]
fn different_values_get_different_pseudonyms() {
    let mut seen = std::collections::HashSet::new();
    for i in 0..2000 {
        seen.insert(r().pseudonym(Entity::Email, &format!("user{i}@example.com")));
    }
    // 24-bit tags: a handful of birthday collisions at most.
    assert!(seen.len() >= 1995, "{}", seen.len());
}

#[test]
fn different_keys_give_different_pseudonyms() {
    let a = Redactor::new(PiiKey::new(vec![1; 32]).unwrap());
    let b = Redactor::new(PiiKey::new(vec![2; 32]).unwrap());
    let mut differ = 0;
    for v in [
        "alice@example.com",
        "bob@example.com",
        "carol@example.org",
        "dave@x.io",
    ] {
        if a.pseudonym(Entity::Email, v) != b.pseudonym(Entity::Email, v) {
            differ += 1;
        }
    }
    assert_eq!(differ, 4);
    let text = "mail alice@example.com";
    let mut c = EntityCounts::default();
    assert_ne!(a.redact(text, &mut c), b.redact(text, &mut c));
}

#[test]
fn same_value_same_pseudonym_in_text() {
    let out = red("a@x.com wrote to b@y.org, then a@x.com again; A@X.COM too");
    let pa = r().pseudonym(Entity::Email, "a@x.com");
    let pb = r().pseudonym(Entity::Email, "b@y.org");
    assert_eq!(out.matches(&pa).count(), 3, "{out}");
    assert_eq!(out.matches(&pb).count(), 1, "{out}");
    assert_ne!(pa, pb);
}

#[test]
fn counts_accumulate() {
    let mut c = EntityCounts::default();
    r().redact("a@x.com b@x.com 415-555-0132", &mut c);
    r().redact("c@x.com", &mut c);
    assert_eq!(c.get(Entity::Email), 3);
    assert_eq!(c.get(Entity::Phone), 1);
    assert_eq!(c.total(), 4);
    let mut d = EntityCounts::default();
    d.add(&c);
    d.add(&c);
    assert_eq!(d.get(Entity::Email), 6);
    assert_eq!(d.total(), 8);
}

#[test]
fn no_pii_returns_none() {
    for t in [
        "",
        "Hello, world! The quick brown fox jumps over the lazy dog.",
        "fn main() { let x = vec![1, 2, 3]; println!(\"{:?}\", x); }",
        "{\"role\":\"user\",\"content\":\"Summarise this.\\nThanks\",\"max_tokens\":812}",
        "Ünïcödé tëxt — 日本語のテキスト — emoji 🎉 and more",
    ] {
        assert_clean(t);
    }
}

/// `redact_json` with throw-away counts.
fn rj(text: &str) -> Option<String> {
    let mut c = EntityCounts::default();
    r().redact_json(text, &mut c)
}

mod bench;
mod json;
mod secrets;
mod structured;
mod text;

//! Mixed text: adjacent entities, boundaries, Unicode, JSON escapes in raw text.

use super::*;

// --- mixed text, boundaries, Unicode, JSON escapes -----------------------------

const CANARIES: &[(&str, Entity)] = &[
    ("canary.one@example.com", Entity::Email),
    ("+44 20 7946 0958", Entity::Phone),
    ("415-555-0132", Entity::Phone),
    ("4111 1111 1111 1111", Entity::CreditCard),
    ("DE89370400440532013000", Entity::Iban),
    ("123-45-6789", Entity::UsSsn),
    ("203.0.113.42", Entity::Ipv4),
    ("2001:db8::42", Entity::Ipv6),
    ("AKIAIOSFODNN7EXAMPLE", Entity::ApiKey),
    ("sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1", Entity::ApiKey),
    ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", Entity::ApiKey),
    (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
        Entity::Jwt,
    ),
    ("postgres://u:pw@h:5432/d", Entity::UrlCredential),
];

#[test]
fn no_canary_survives_mixed_text() {
    let wrappers: &[(&str, &str)] = &[
        ("", ""),
        (" ", " "),
        ("\"", "\""),
        ("'", "'"),
        ("(", ")"),
        ("[", "]"),
        ("<", ">"),
        ("\n", "\n"),
        ("\\n", "\\n"),
        ("\\t", "\\t"),
        ("\\\"", "\\\""),
        (",", ";"),
        ("«", "»"),
        ("—", "…"),
        ("日本", "です"),
        ("é ", " ü"),
        ("\t", "\r\n"),
        ("=", "&"),
        ("`", "`"),
    ];
    let mut text = String::from("Début — ");
    for (i, (v, _)) in CANARIES.iter().enumerate() {
        for (a, b) in wrappers {
            text.push_str(a);
            text.push_str(v);
            text.push_str(b);
            if i % 2 == 0 {
                text.push_str(" café ");
            }
        }
    }
    let mut c = EntityCounts::default();
    let out = r().redact(&text, &mut c).expect("redacted");
    for (v, e) in CANARIES {
        assert!(!out.contains(v), "{v} survived:\n{out}");
        assert!(
            out.contains(&r().pseudonym(*e, v)),
            "no {e} pseudonym for {v}:\n{out}"
        );
    }
    assert!(
        c.total() >= (CANARIES.len() * wrappers.len()) as u64,
        "{c:?}"
    );
    assert!(out.contains("日本") && out.contains("café") && out.starts_with("Début — "));
}

#[test]
fn adjacent_entities() {
    let t = "a@x.com,b@y.com;415-555-0132|10.0.0.1\"sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1\"";
    let c = counts(t);
    assert_eq!(c.get(Entity::Email), 2);
    assert_eq!(c.get(Entity::Phone), 1);
    assert_eq!(c.get(Entity::Ipv4), 1);
    assert_eq!(c.get(Entity::ApiKey), 1);
}

#[test]
fn unicode_around_pii() {
    let t =
        "Грüße an jürgen.müller@example.de? Nein: an ana@example.es — 📞 +34 612 345 678 ✅";
    let out = red(t);
    assert!(
        !out.contains("ana@example.es") && !out.contains("612 345 678"),
        "{out}"
    );
    assert!(out.starts_with("Грüße") && out.ends_with("✅"), "{out}");
    // Non-ASCII local parts are out of scope; the ASCII tail still goes.
    assert!(!out.contains("ller@example.de"), "{out}");
}

#[test]
fn redacting_raw_json_text_keeps_it_valid() {
    let doc = serde_json::json!({
        "messages": [
            {"role": "user", "content": "Call me:\n415-555-0132\nor\tmail\tzoe@example.com\n\"quoted 10.1.2.3\""},
            {"role": "tool", "content": "{\"password\": \"pa55w0rd\", \"ip\": \"2001:db8::7\"}"},
            {"role": "assistant", "content": "caf\u{e9}\nAKIAIOSFODNN7EXAMPLE\r\n"}
        ]
    })
    .to_string();
    let out = red(&doc);
    for v in [
        "415-555-0132",
        "zoe@example.com",
        "10.1.2.3",
        "pa55w0rd",
        "2001:db8::7",
        "AKIAIOSFODNN7EXAMPLE",
    ] {
        assert!(!out.contains(v), "{v} survived: {out}");
    }
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    let c0 = v["messages"][0]["content"].as_str().unwrap();
    assert!(c0.starts_with("Call me:\n<PHONE_"), "{c0}");
}

#[test]
fn escapes_never_split() {
    // \u00e9 right before a word: the escape must survive intact.
    let t = r#"{"a":"caf\u00e9john@example.com x"}"#;
    let out = red(t);
    assert!(out.contains("\\u00e9<EMAIL_"), "{out}");
    serde_json::from_str::<Value>(&out).unwrap();
    let t = r#"{"a":"line\njohn@example.com\\nkate@example.com"}"#;
    let out = red(t);
    assert!(!out.contains("john@") && !out.contains("kate@"), "{out}");
    serde_json::from_str::<Value>(&out).unwrap();
}

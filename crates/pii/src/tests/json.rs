//! `redact_json`: the JSON walk, its fast path and its fallbacks.

use super::*;

// --- redact_json ---------------------------------------------------------------

#[test]
fn json_nested_keys_and_values() {
    let doc = r#"{
        "user": {"email": "alice@example.com", "phones": ["+1 (415) 555-0132", "none"]},
        "alice@example.com": {"note": "key is an email", "deep": [{"ip": "192.168.0.7"}]},
        "n": 3, "ok": true, "nil": null,
        "password": "hunter2",
        "apiToken": "tok_9f8e7d6c5b4a3210",
        "headers": {"Authorization": "Token 0a1b2c3d4e5f6a7b"},
        "url": "https:\/\/u:pw@db.example.com\/x"
    }"#;
    let mut c = EntityCounts::default();
    let out = r().redact_json(doc, &mut c).expect("changed");
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    assert!(!out.contains(' ') || !out.contains("\n"), "compact");
    for raw in [
        "alice@example.com",
        "555-0132",
        "192.168.0.7",
        "hunter2",
        "tok_9f8e7d6c5b4a3210",
        "0a1b2c3d4e5f6a7b",
        "u:pw@",
    ] {
        assert!(!out.contains(raw), "{raw} survived: {out}");
    }
    let pe = r().pseudonym(Entity::Email, "alice@example.com");
    assert_eq!(v["user"]["email"], Value::String(pe.clone()));
    assert!(v.get(&pe).is_some(), "key redacted: {out}");
    assert_eq!(
        v[&pe]["deep"][0]["ip"],
        Value::String(r().pseudonym(Entity::Ipv4, "192.168.0.7"))
    );
    assert_eq!(v["user"]["phones"][1], "none");
    assert_eq!(
        v["password"],
        Value::String(r().pseudonym(Entity::ApiKey, "hunter2"))
    );
    assert_eq!(
        v["headers"]["Authorization"],
        Value::String(format!(
            "Token {}",
            r().pseudonym(Entity::BearerToken, "0a1b2c3d4e5f6a7b")
        ))
    );
    assert_eq!(v["n"], 3);
    assert_eq!(v["ok"], true);
    // Key order is kept.
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "user");
    assert_eq!(keys[1], &pe);
    assert!(
        c.get(Entity::Email) >= 2
            && c.get(Entity::Phone) == 1
            && c.get(Entity::UrlCredential) == 1,
        "{c:?}"
    );
}

#[test]
fn json_without_pii_is_none() {
    assert_eq!(
        rj(r#"{"a":"b","c":[1,2,3],"d":{"e":null},"max_tokens":812}"#),
        None
    );
    assert_eq!(
        rj(r#"{"content":"line one\nline two\t\"quoted\" caf\u00e9 \/path"}"#),
        None
    );
    assert_eq!(rj(r#"{"token": "Hello", "logprob": -0.25}"#), None);
    assert_eq!(rj("[]"), None);
}

#[test]
fn json_escapes_that_hide_pii_are_decoded() {
    // '@' written as \u0040, '&' as \u0026 (Go's encoder), '/' as \/, tab separators.
    for (doc, raw) in [
        (r#"{"a":"mail bob\u0040example.com"}"#, "bob"),
        (
            r#"{"u":"https:\/\/x.io\/cb?a=1\u0026token=abc123"}"#,
            "abc123",
        ),
        (r#"{"a":"password:\thunter2"}"#, "hunter2"),
        (r#"{"password":"p\u00e4ss"}"#, "p\\u00e4ss"),
        (r#"{"pass\u0077ord":"hunter2"}"#, "hunter2"),
    ] {
        let out = rj(doc).unwrap_or_else(|| panic!("nothing found in {doc}"));
        assert!(!out.contains(raw), "{raw} survived in {out}");
        serde_json::from_str::<Value>(&out).unwrap();
    }
}

/// The fast path of `redact_json` (no parse when the raw text and the
/// escaped strings look clean) must agree with parsing every document.
#[test]
fn json_fast_path_agrees_with_full_walk() {
    let red = r();
    let slow = |t: &str| -> Option<String> {
        let mut v: Value = serde_json::from_str(t).ok()?;
        let mut c = EntityCounts::default();
        red.walk(&mut v, &mut c)
            .then(|| serde_json::to_string(&v).unwrap())
    };
    let mut seed = 7u64;
    let mut rnd = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % n as u64) as usize
    };
    let keys = [
        "content",
        "password",
        "token",
        "api_key",
        "Authorization",
        "pass\\u0077ord",
        "note",
        "x\\tkey",
        "email",
        "max_tokens",
    ];
    let vals = [
        "hello world",
        "Hello",
        "hunter2",
        "p\\u00e4ss word",
        "abc123def",
        "line\\nnext",
        "tab\\there",
        "caf\\u00e9",
        "bob\\u0040example.com",
        "mail\\nzoe@example.com",
        "call\\t415-555-0132",
        "https:\\/\\/u:pw@h.io\\/x",
        "Bearer abc123DEF456",
        "Token 0a1b2c3d4e5f",
        "\\u0031\\u0039\\u0032.168.1.1",
        "x\\/y",
        "\\\"quoted\\\"",
        "10.0.0.1",
        "4111 1111 1111 1111",
        "2026-11-20T10:00:00Z",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5q",
        "",
    ];
    let nums = [
        "812",
        "12345678",
        "4111111111111111",
        "1732098765432",
        "3.5",
        "null",
        "true",
    ];
    for _ in 0..3000 {
        let mut doc = String::from("{");
        for i in 0..1 + rnd(4) {
            if i > 0 {
                doc.push_str(if rnd(2) == 0 { "," } else { ",\n  " });
            }
            let k = keys[rnd(keys.len())];
            let v = match rnd(4) {
                0 => nums[rnd(nums.len())].to_string(),
                1 => format!("[\"{}\", {}]", vals[rnd(vals.len())], nums[rnd(nums.len())]),
                _ => format!("\"{}\"", vals[rnd(vals.len())]),
            };
            doc.push_str(&format!(
                "\"{k}{i}\"{}{v}",
                if rnd(2) == 0 { ":" } else { ": " }
            ));
            if rnd(3) == 0 {
                // The same key without the index suffix, so that key words end the key.
                doc.push_str(&format!(",\"{k}\":\"{}\"", vals[rnd(vals.len())]));
            }
        }
        doc.push('}');
        assert!(
            serde_json::from_str::<Value>(&doc).is_ok(),
            "bad test doc {doc}"
        );
        let mut c = EntityCounts::default();
        assert_eq!(
            red.redact_json(&doc, &mut c),
            slow(&doc),
            "fast path disagrees on {doc}"
        );
    }
}

#[test]
fn json_invalid_falls_back_to_text() {
    let t = "not json: alice@example.com {";
    assert_eq!(rj(t), Some(red(t)));
    assert_eq!(rj("not json at all"), None);
}

#[test]
fn json_top_level_string_and_numbers() {
    let out = rj(r#""mail zed@example.com""#).unwrap();
    assert_eq!(
        out,
        format!(
            "\"mail {}\"",
            r().pseudonym(Entity::Email, "zed@example.com")
        )
    );
    let out = rj(r#"{"password": 12345678}"#).unwrap();
    assert_eq!(
        out,
        format!(
            "{{\"password\":\"{}\"}}",
            r().pseudonym(Entity::ApiKey, "12345678")
        )
    );
}

#[test]
fn redaction_is_idempotent() {
    let t = "a@x.com 415-555-0132 password=hunter2 Bearer abc123DEF456ghi 10.0.0.1";
    let once = red(t);
    assert_clean(&once);
}

#[test]
fn patterns_are_exported_in_priority_order() {
    let p = patterns();
    // The entities up to PHONE have patterns; the rest come from other detectors.
    for e in Entity::ALL.into_iter().filter(|&e| e <= Entity::Phone) {
        assert!(p.iter().any(|(pe, _)| *pe == e), "{e} has no pattern");
    }
    for w in p.windows(2) {
        assert!(w[0].0 <= w[1].0, "not in priority order");
    }
    // RE2-compatible: no Rust-only syntax.
    for (_, src) in &p {
        assert!(
            !src.contains("(?-u") && !src.contains("(?<") && !src.contains("\\p{"),
            "{src}"
        );
        Regex::new(src).unwrap();
    }
}

/// Random strings over an alphabet rich in separators, escapes and entity
/// fragments: no panic, and raw JSON text stays valid JSON.
#[test]
fn random_input_never_panics() {
    const PIECES: &[&str] = &[
        "0",
        "1",
        "4",
        "9",
        "00",
        "+",
        "-",
        ".",
        ":",
        "::",
        "@",
        "/",
        "(",
        ")",
        " ",
        "\n",
        "\t",
        "\\",
        "\\n",
        "\\u00e9",
        "\\u0040",
        "\"",
        "'",
        "=",
        "&",
        "?",
        "a",
        "Z",
        "é",
        "日",
        "🎉",
        "sk-",
        "AKIA",
        "eyJ",
        "Bearer ",
        "Basic ",
        "password=",
        "token: ",
        "https://",
        "u:p@",
        "x@y.com",
        "DE89",
        "4111 1111 1111 1111",
        "415-555-0132",
        "10.0.0.1",
        "2001:db8::1",
        "-----BEGIN PRIVATE KEY-----",
        "Authorization: ",
        "_",
        "%",
        ",",
    ];
    let seed = std::cell::Cell::new(12345u64);
    let rnd = |n: usize| {
        let x = seed
            .get()
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed.set(x);
        ((x >> 33) % n as u64) as usize
    };
    let mut c = EntityCounts::default();
    for _ in 0..4000 {
        let mut t = String::new();
        for _ in 0..rnd(40) {
            t.push_str(PIECES[rnd(PIECES.len())]);
        }
        let out = r().redact(&t, &mut c);
        if let Some(o) = &out {
            r().redact(o, &mut c);
        }
        let _ = r().redact_json(&t, &mut c);
        // As the content of a JSON string: the redacted document still parses.
        let doc = serde_json::json!({ "k": t }).to_string();
        if let Some(o) = r().redact(&doc, &mut c) {
            assert!(
                serde_json::from_str::<Value>(&o).is_ok(),
                "broke JSON: {doc} -> {o}"
            );
        }
        let _ = r().redact_json(&doc, &mut c);
    }
}

#[test]
fn pathological_input_stays_linear() {
    let t0 = std::time::Instant::now();
    for unit in [
        "1.", "a-", "1111-", "1.1.1.1.", "sk-", "a.b@", "+1 ", "token=", "eyJa.", "\\n1",
        "DE89 ", "Bearer ", "a@b.", "::1:",
    ] {
        let mut text = unit.repeat(60_000 / unit.len());
        text.push_str(" then alice@example.com and 415-555-0132.");
        let out = red(&text);
        assert!(
            !out.contains("alice@example.com") && !out.contains("555-0132"),
            "{unit}: tail not redacted"
        );
    }
    // Generous: a quadratic search would take minutes here.
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn json_values_named_by_a_sibling_field_or_a_record_noun() {
    let doc = r#"{"filters": [{"field": "customer-id", "op": "eq", "value": "CL7232"},
        {"field": "status", "op": "eq", "value": "open"}],
        "properties": [{"name": "mobile_phone", "value": "07700 900123"}],
        "account": {"number": "967 402", "tier": "gold"}, "build": {"number": "20240312"}}"#;
    let red = Redactor::with_options(PiiKey::new(b"test-key-0123456789abcdef".to_vec()).unwrap(), Options::full(None));
    let r = || &red;
    let out = r().redact_json(doc, &mut EntityCounts::default()).expect("changed");
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    for raw in ["CL7232", "07700 900123", "967 402"] {
        assert!(!out.contains(raw), "{raw} survived: {out}");
    }
    assert_eq!(v["filters"][0]["value"], Value::String(r().pseudonym(Entity::Identifier, "CL7232")));
    assert_eq!(v["account"]["number"], Value::String(r().pseudonym(Entity::Identifier, "967 402")));
    assert_eq!(v["filters"][1]["value"], "open", "a field that names no PII keeps its value");
    assert_eq!(v["build"]["number"], "20240312", "a build is no person's record");
    // The spans that reports count agree with what the walk replaced.
    let found: Vec<&str> = r().find(doc).iter().map(|f| &doc[f.start..f.end]).collect();
    for raw in ["CL7232", "07700 900123", "967 402"] {
        assert!(found.contains(&raw), "{raw} not among {found:?}");
    }
}

//! API keys, tokens, private keys, credentialed URLs and secret-named assignments.

use super::*;

// --- secrets --------------------------------------------------------------

#[test]
fn api_keys() {
    for v in [
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAY34FZKBOKMUTVV7A",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxp-123456789012-abcdefghijkl",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "sk_live_51HabcdEFGhijKLMnop",
        "rk_live_51HabcdEFGhijKLMnop",
        "glpat-AbCdEfGhIjKlMnOpQrSt",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    ] {
        for t in [
            format!("key {v} here"),
            format!("\"{v}\""),
            format!("KEY={v}\n"),
        ] {
            assert_redacted(&t, v, Entity::ApiKey);
        }
    }
    for t in [
        "pip install scikit-learn sk-learn",
        "AKIA is the prefix of AWS key ids",
        "the task-abcdefghijklmnopqrstuvwxyz",
        "sk-this-is-a-long-hyphenated-word-list",
    ] {
        assert_eq!(counts(t).get(Entity::ApiKey), 0, "{t}");
    }
}

#[test]
fn private_key_block() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7b3j8nQ2cXkT\nq9xYzAbCdEfGh==\n-----END RSA PRIVATE KEY-----";
    let out = red(&format!("key:\n{pem}\nend"));
    assert!(!out.contains("MIIEow"), "{out}");
    assert!(out.ends_with("\nend"), "{out}");
    // Inside JSON text, with escaped newlines, the JSON stays valid.
    let doc = serde_json::json!({ "file": pem }).to_string();
    let out = red(&doc);
    assert!(!out.contains("MIIEow"), "{out}");
    serde_json::from_str::<Value>(&out).expect("still JSON");
}

#[test]
fn assignments_redact_value_only() {
    for (t, v) in [
        ("password=hunter2", "hunter2"),
        ("DB_PASSWORD=s3cr3t!x", "s3cr3t!x"),
        ("secret: Tr0ub4dor&3", "Tr0ub4dor"),
        ("api_key = 'abc123def456ghi'", "abc123def456ghi"),
        ("\"client_secret\": \"9f8e7d6c5b4a\"", "9f8e7d6c5b4a"),
        ("token=a1b2c3d4e5f6g7h8", "a1b2c3d4e5f6g7h8"),
        ("TOKEN=s3cr3t", "s3cr3t"),
        ("export GITHUB_TOKEN=supersecretvalue", "supersecretvalue"),
        ("token: abc123", "abc123"),
        ("\"refresh_token\":\"def456ghi\"", "def456ghi"),
        ("X-Api-Key: 0123456789abcdef", "0123456789abcdef"),
        (
            "passphrase: \"correct horse battery staple\"",
            "correct horse battery staple",
        ),
        ("{\\\"password\\\": \\\"pa55w0rd\\\"}", "pa55w0rd"),
        (
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ] {
        let out = red(t);
        assert!(!out.contains(v), "{v:?} survived in {out:?}");
        assert!(out.contains("<API_KEY_"), "{out}");
    }
    // The key name survives.
    let out = red("password=hunter2");
    assert!(out.starts_with("password=<API_KEY_"), "{out}");
    let out = red("\"password\": \"hunter2\"");
    assert_eq!(
        out,
        format!(
            "\"password\": \"{}\"",
            r().pseudonym(Entity::ApiKey, "hunter2")
        )
    );
}

#[test]
fn assignments_negative() {
    for t in [
        "password: str",
        "api_key: Optional[str] = None",
        "password=None",
        "\"password\": null",
        "token: 812",
        "\"token\": \"Hello\"",
        "{\"token\": \"world\", \"token\": \" the\", \"token\": \"2024\"}",
        "token: Bearer",
        "\"max_tokens\": 4096",
        "\"token_count\": 12",
        "password=<API_KEY_abc123>",
        "password = ${DB_PASSWORD}",
        "password=password",
        "api_key=self.api_key",
        "secret: ********",
        "credentials: include",
        "let token = client.acquire().unwrap();",
        "let paren_token = parenthesized!(content in input);",
        "let token = *input;",
        "let token = unsafe { input_ptr.read() };",
        "colon2_token: self.colon2_token.clone(),",
        "password = request.form['password']",
        "api_key = os.environ.get('OPENAI_API_KEY')",
        "secret = Default::default();",
        "const token = await getToken();",
        "let authorization = device.request_device_authorization().await.unwrap();",
        "curl -H \"Authorization: Bearer OAUTH2_TOKEN\" -H 'Authorization: Bearer YOUR_API_KEY'",
        "Some(Token::DoubleQuotedString) => macho::PtrauthKey::IB,",
        "fn hmac(secret: impl AsRef<[u8]>) {}",
        "pub const IFLA_INET6_TOKEN: _bindgen_ty_5 = 1; pub log_passwd: __u32, next_token: token_kind_2",
        "assert!(body.contains(\"refresh_token=\"));",
        "let token = WebIdentityProvider { x }; let mut secret = DEFAULT_SECRET_RAW;",
        "let dup_token = self.first_dup_tokens;",
        "\"password\": {\"type\": \"string\"}",
        "the password is long",
    ] {
        assert_clean(t);
    }
}

#[test]
fn jwt() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assert_redacted(&format!("jwt {jwt} end"), jwt, Entity::Jwt);
    assert_redacted(&format!("\"id_token\":\"{jwt}\""), jwt, Entity::Jwt);
    assert_clean("eyJ alone, eyJhbGci.only");
}

#[test]
fn bearer_and_basic() {
    let tok = "abc123DEF456ghi789JKL";
    let out = red(&format!("Authorization: Bearer {tok}"));
    assert_eq!(
        out,
        format!(
            "Authorization: Bearer {}",
            r().pseudonym(Entity::BearerToken, tok)
        )
    );
    let out = red(&format!("curl -H 'Authorization: bearer {tok}' x"));
    assert!(
        out.contains("bearer <BEARER_") && !out.contains(tok),
        "{out}"
    );
    let out = red(&format!(
        "{{\"headers\":{{\"Authorization\":\"Bearer {tok}\"}}}}"
    ));
    assert!(
        out.contains("\"Bearer <BEARER_") && !out.contains(tok),
        "{out}"
    );
    // Basic: dXNlcjpwYXNzd29yZA== is base64("user:password").
    let out = red("Authorization: Basic dXNlcjpwYXNzd29yZA==");
    assert!(out.starts_with("Authorization: Basic <BEARER_"), "{out}");
    assert!(!out.contains("dXNlcjpw"), "{out}");
    let out = red("header was Basic dXNlcjpwYXNzd29yZA== ok");
    assert!(!out.contains("dXNlcjpw"), "{out}");
    // A JWT as bearer token.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_-xyz";
    assert!(!red(&format!("Bearer {jwt}")).contains("eyJzdWIi"));
    for t in [
        "the Bearer authentication scheme",
        "bearer of bad news",
        "Bearer YOUR_TOKEN_HERE",
        "Bearer <token>",
        "Basic understanding of the basics",
        "Authorization: required",
    ] {
        assert_clean(t);
    }
}

#[test]
fn urls_with_credentials() {
    for v in [
        "postgres://admin:s3cret@db.internal:5432/app",
        "https://user:p%40ss@example.com/path?q=1",
        "https://api.example.com/v1/data?access_token=abc123xyz",
        "https://example.com/cb?state=xyz&code=4/0AX4XfWh",
        "https://bucket.s3.amazonaws.com/obj?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=deadbeef0123",
        "https://maps.googleapis.com/maps/api/js?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abc%2Bdef%3D",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ] {
        for t in [format!("see {v} now"), format!("\"url\":\"{v}\""), format!("<a href='{v}'>"), format!("({v})."), format!("`{v}`")] {
            assert_redacted(&t, v, Entity::UrlCredential);
        }
    }
    for t in [
        "https://example.com/path?q=rust&page=2",
        "ssh://git@github.com/org/repo.git",
        "http://localhost:8080/health",
        "https://github.com/search?q=x&type=code",
    ] {
        assert_clean(t);
    }
}

/// Random values in the formats of the product's demo corpus
/// (`pipeline/demo/pii.rs`), in the sentences and JSON fields it plants
/// them in: every one must go.
#[test]
fn demo_corpus_formats_are_caught() {
    let seed = std::cell::Cell::new(0x9E3779B97F4A7C15u64);
    let rnd = |n: u64| {
        let x = seed
            .get()
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed.set(x);
        (x >> 33) % n
    };
    let pick = |s: &[u8], n: usize| -> String {
        (0..n)
            .map(|_| s[rnd(s.len() as u64) as usize] as char)
            .collect()
    };
    let digits = |n: usize| pick(b"0123456789", n);
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let luhn_complete = |prefix: &str, len: usize| {
        let s = format!("{prefix}{}", digits(len - 1 - prefix.len()));
        (0..10)
            .map(|c| format!("{s}{c}"))
            .find(|c| luhn_valid(c))
            .unwrap()
    };
    let iban = || {
        let (cc, bban) = match rnd(5) {
            0 => ("DE", digits(18)),
            1 => ("GB", format!("{}{}", pick(&ALNUM[..26], 4), digits(14))),
            2 => (
                "FR",
                format!("{}{}{}", digits(10), pick(&ALNUM[..26], 1), digits(12)),
            ),
            3 => ("NL", format!("{}{}", pick(&ALNUM[..26], 4), digits(10))),
            _ => ("ES", digits(20)),
        };
        let probe = format!("{bban}{cc}00");
        let mut rem = 0u32;
        for c in probe.chars() {
            let v = c.to_digit(36).unwrap();
            rem = if v >= 10 {
                (rem * 100 + v) % 97
            } else {
                (rem * 10 + v) % 97
            };
        }
        let compact = format!("{cc}{:02}{bban}", 98 - rem);
        if rnd(2) == 0 {
            compact
        } else {
            compact
                .as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let mut values: Vec<(&str, String)> = Vec::new();
    for _ in 0..150 {
        let card = {
            let (num, groups): (String, &[usize]) = match rnd(4) {
                0 | 1 => (luhn_complete("4", 16), &[4, 4, 4, 4]),
                2 => (
                    luhn_complete(&format!("5{}", 1 + rnd(5)), 16),
                    &[4, 4, 4, 4],
                ),
                _ => (
                    luhn_complete(if rnd(2) == 0 { "34" } else { "37" }, 15),
                    &[4, 6, 5],
                ),
            };
            let sep = ["", " ", "-"][rnd(3) as usize];
            let mut i = 0;
            groups
                .iter()
                .map(|g| {
                    i += g;
                    &num[i - g..i]
                })
                .collect::<Vec<_>>()
                .join(sep)
        };
        let phone = match rnd(6) {
            0 => format!("+1 ({}) {}-{}", 201 + rnd(789), 200 + rnd(800), digits(4)),
            1 => format!("+1-{}-{}-{}", 201 + rnd(789), 200 + rnd(800), digits(4)),
            2 => format!("+44 20 {} {}", 7000 + rnd(2000), digits(4)),
            3 => format!(
                "+33 {} {} {} {} {}",
                1 + rnd(7),
                digits(2),
                digits(2),
                digits(2),
                digits(2)
            ),
            4 => format!("+49 30 {} {}", 100 + rnd(900), digits(5)),
            _ => format!("+81 3-{}-{}", 1000 + rnd(9000), digits(4)),
        };
        let ipv6 = {
            let prefix = [
                "2a02",
                "2001:4860",
                "2600:1f18",
                "2a00:1450",
                "2607:f8b0",
                "2c0f:fb50",
            ][rnd(6) as usize];
            let gs: Vec<String> = (0..8 - prefix.split(':').count())
                .map(|_| format!("{:x}", 1 + rnd(0xffff)))
                .collect();
            if rnd(2) == 0 {
                format!("{prefix}:{}", gs.join(":"))
            } else {
                format!("{prefix}:{}::{}", gs[0], gs[gs.len() - 1])
            }
        };
        let area = loop {
            let a = 1 + rnd(899);
            if a != 666 {
                break a;
            }
        };
        let jwt_payload = format!("eyJzdWIiOiJ1c3JfM{}", pick(B64URL, 60));
        values.extend([
            (
                "email",
                format!(
                    "{}.{}{}@{}",
                    ["ana", "li", "jo"][rnd(3) as usize],
                    ["smith", "ng"][rnd(2) as usize],
                    rnd(9999),
                    ["gmail.com", "yahoo.co.uk", "acme-corp.com", "larkspur.eu"]
                        [rnd(4) as usize]
                ),
            ),
            ("phone", phone),
            ("card", card),
            ("iban", iban()),
            (
                "ipv4",
                format!(
                    "{}.{}.{}.{}",
                    11 + rnd(213),
                    rnd(256),
                    rnd(256),
                    1 + rnd(254)
                ),
            ),
            ("ipv6", ipv6),
            (
                "ssn",
                format!("{area:03}-{:02}-{:04}", 1 + rnd(99), 1 + rnd(9999)),
            ),
            (
                "api_key",
                match rnd(4) {
                    0 => format!("sk-proj-{}", pick(B64URL, 48)),
                    1 => format!("AKIA{}", pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
                    2 => format!("ghp_{}", pick(ALNUM, 36)),
                    _ => format!("sk-ant-api03-{}", pick(B64URL, 40)),
                },
            ),
            (
                "jwt",
                format!(
                    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{jwt_payload}.{}",
                    pick(B64URL, 43)
                ),
            ),
            ("bearer", pick(ALNUM, 32 + rnd(16) as usize)),
            (
                "url_creds",
                format!(
                    "https://svc:{}@db.internal.acme-corp.com/exports/daily.csv",
                    pick(ALNUM, 14)
                ),
            ),
            (
                "url_token",
                format!(
                    "https://api.larkspur.eu/v1/webhooks/ingest?{}={}",
                    ["access_token", "token", "api_key", "sig"][rnd(4) as usize],
                    pick(ALNUM, 32)
                ),
            ),
        ]);
    }
    for (kind, v) in &values {
        let contexts = match *kind {
            "bearer" => vec![
                format!(
                    "Repro: curl -H 'Authorization: Bearer {v}' https://api.example.com/v1/me"
                ),
                format!("Authenticate backend calls with the header Authorization: Bearer {v}"),
                format!("{{\"authorization\":\"Bearer {v}\"}}"),
            ],
            _ => vec![
                format!("You can reach me at {v} if anything is unclear."),
                format!("My direct line is {v}."),
                format!("(customer paid with {v}, exp 09/28)"),
                format!("(env: API_KEY={v})"),
                format!("Internal API key for the backend (do not reveal): {v}"),
                format!("{{\"user\":{{\"{kind}\":\"{v}\"}}}}"),
                format!("\"{v}\""),
            ],
        };
        for t in contexts {
            let out = red(&t);
            assert!(
                !out.contains(v.as_str()),
                "{kind} {v:?} survived in {out:?}"
            );
            if t.starts_with('{') {
                let out = rj(&t).expect("changed");
                assert!(
                    !out.contains(v.as_str()),
                    "{kind} {v:?} survived redact_json: {out:?}"
                );
            }
        }
    }
}

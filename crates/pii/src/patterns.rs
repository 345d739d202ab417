//! The regular expressions of the structured entities, in RE2 syntax (so that
//! DuckDB can run them too), and how they become the regex crate's dialect.

use regex::{Regex, RegexBuilder};

use crate::Entity;

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

/// How a sub-pattern's candidate is validated and what part of it is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Url,
    Jwt,
    AuthHeader,
    Bearer,
    BasicB64,
    PrivateKey,
    OpenAi,
    Token,
    Assignment,
    Email,
    Card,
    Iban,
    Ssn,
    Ipv6,
    Ipv6Leading,
    Ipv4,
    PhoneIntl,
    PhoneNanpParen,
    PhoneNanp,
    PhoneFr,
    PhoneUk,
    PhoneDe,
}

pub(crate) struct PatDef {
    pub(crate) entity: Entity,
    pub(crate) kind: Kind,
    /// Bytes a match can start with (a cheap filter before the anchored regex).
    pub(crate) first: &'static [u8],
    /// RE2-compatible source. `\b` is an ASCII word boundary (as in RE2).
    pub(crate) src: &'static str,
}

pub(crate) const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub(crate) const DIGITS: &[u8] = b"0123456789";
pub(crate) const HEX: &[u8] = b"0123456789ABCDEFabcdef";
pub(crate) const WORD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
pub(crate) const WORD_DOT_DASH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";

/// Key words that make a JSON key secret-named when it ends with one (any case);
/// the same words as in the assignment pattern, plus `authorization`.
#[rustfmt::skip]
pub(crate) const KEY_WORDS: &[&str] = &[
    "password", "passwd", "passphrase", "secret", "token", "api_key", "api-key", "apikey",
    "access_key", "access-key", "accesskey", "private_key", "private-key", "privatekey",
    "auth_key", "auth-key", "authkey", "credentials", "credential", "authorization",
];

pub(crate) static PATS: &[PatDef] = &[
    // --- URLs with credentials or secrets in the query --------------------
    PatDef {
        entity: Entity::UrlCredential,
        kind: Kind::Url,
        first: LETTERS,
        src: r#"\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^ \t\r\n/?#@"'<>\\`]+:[^ \t\r\n/?#@"'<>\\`]+@[A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%-]+"#,
    },
    PatDef {
        entity: Entity::UrlCredential,
        kind: Kind::Url,
        first: LETTERS,
        src: r#"\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^ \t\r\n?#"'<>\\`]*\?(?:[^ \t\r\n#"'<>\\`]*[&;])?(?i:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|api-key|key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|code|password|passwd|pass|pwd|secret|client_secret|session|sessionid|session_id|jwt|auth)=[A-Za-z0-9._~:/?\[\]@!$()*+,;=%-]+[A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%-]*"#,
    },
    PatDef {
        entity: Entity::UrlCredential,
        kind: Kind::Url,
        first: b"h",
        src: r#"\bhttps?://(?:hooks\.slack\.com/(?:services|workflows)|discord(?:app)?\.com/api/webhooks)/[A-Za-z0-9/_-]{10,}"#,
    },
    // --- JWT ---------------------------------------------------------------
    PatDef {
        entity: Entity::Jwt,
        kind: Kind::Jwt,
        first: b"e",
        src: r#"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"#,
    },
    // --- Authorization header, Bearer / Basic tokens (token replaced) -----
    PatDef {
        entity: Entity::BearerToken,
        kind: Kind::AuthHeader,
        first: b"Aa",
        src: r#"\b(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:(Bearer|bearer|BEARER|Basic|basic|BASIC|Token|token)[ \t]+)?([A-Za-z0-9._~+/-]{8,}=*)"#,
    },
    PatDef {
        entity: Entity::BearerToken,
        kind: Kind::Bearer,
        first: b"Bb",
        src: r#"\b(?:Bearer|bearer|BEARER)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)"#,
    },
    PatDef {
        entity: Entity::BearerToken,
        kind: Kind::BasicB64,
        first: b"B",
        src: r#"\b(?:Basic|BASIC)[ \t]+([A-Za-z0-9+/]{8,}={0,2})"#,
    },
    // --- API keys and secrets ---------------------------------------------
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::PrivateKey,
        first: b"-",
        src: r#"-----BEGIN [A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/= \t\r\n\\]{16,}(?:-----END [A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----)?"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::OpenAi,
        first: b"s",
        src: r#"\bsk-[A-Za-z0-9_-]{16,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"A",
        src: r#"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}\b"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"g",
        src: r#"\bgh[pousr]_[A-Za-z0-9]{16,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"g",
        src: r#"\bgithub_pat_[A-Za-z0-9_]{16,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"g",
        src: r#"\bglpat-[A-Za-z0-9_-]{20,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"x",
        src: r#"\bxox[abeoprs]-[A-Za-z0-9-]{10,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"x",
        src: r#"\bxapp-[0-9]-[A-Za-z0-9-]{10,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"A",
        src: r#"\bAIza[0-9A-Za-z_-]{35}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"rs",
        src: r#"\b[rs]k_(?:live|test)_[A-Za-z0-9]{10,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"w",
        src: r#"\bwhsec_[A-Za-z0-9+/=]{20,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"h",
        src: r#"\bhf_[A-Za-z0-9]{30,}"#,
    },
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Token,
        first: b"n",
        src: r#"\bnpm_[A-Za-z0-9]{36}\b"#,
    },
    // `password = value`, `"api_key": "value"`, `SECRET: value` (value replaced).
    PatDef {
        entity: Entity::ApiKey,
        kind: Kind::Assignment,
        first: WORD_DOT_DASH,
        src: concat!(
            r#"\b(?i:(?:[a-z0-9_][a-z0-9_.-]{0,62})?("#,
            "password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?",
            r#"))\\?["']?[ \t]*(:=|=>|=|:)(?:[ \t\r\n]*\\?"([^"\\\r\n]+)|[ \t]*'([^'"\\\r\n]+)|[ \t]*([^ \t\r\n"'\\<>,;&(){}\[\]`]+))"#
        ),
    },
    // --- e-mail -------------------------------------------------------------
    PatDef {
        entity: Entity::Email,
        kind: Kind::Email,
        first: WORD,
        src: r#"\b[A-Za-z0-9_][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b"#,
    },
    // --- payment card (Luhn + issuer prefix validated) -----------------------
    PatDef {
        entity: Entity::CreditCard,
        kind: Kind::Card,
        first: DIGITS,
        // Grouped in fours with a last group of 1-7 (Visa 13 as 4-4-5, Maestro 12
        // as 4-4-4, 19-digit cards as 4-4-4-7 or 4-4-4-4-3), Amex/Diners 4-6-4/5,
        // or ungrouped.
        src: r#"\b(?:[0-9]{4}(?: [0-9]{4}){1,3}(?: [0-9]{1,7})?|[0-9]{4}(?:-[0-9]{4}){1,3}(?:-[0-9]{1,7})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}|[0-9]{13,19})\b"#,
    },
    // --- IBAN (country length + mod-97 validated) ---------------------------
    PatDef {
        entity: Entity::Iban,
        kind: Kind::Iban,
        first: LETTERS,
        // Either case: people type `de89 3704 …` too (the country and mod-97 decide).
        src: r#"\b(?i:[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b"#,
    },
    // --- US SSN --------------------------------------------------------------
    PatDef {
        entity: Entity::UsSsn,
        kind: Kind::Ssn,
        first: DIGITS,
        // 3-2-4 with one separator throughout: dashes (the SSA's form), spaces or dots.
        src: r#"\b(?:[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{3}\.[0-9]{2}\.[0-9]{4})\b"#,
    },
    // --- IPv6 (full, full with IPv4 tail, `::`-compressed); parsed to validate
    PatDef {
        entity: Entity::Ipv6,
        kind: Kind::Ipv6,
        first: HEX,
        src: r#"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}\b"#,
    },
    PatDef {
        entity: Entity::Ipv6,
        kind: Kind::Ipv6,
        first: HEX,
        src: r#"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){5}:[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b"#,
    },
    PatDef {
        entity: Entity::Ipv6,
        kind: Kind::Ipv6,
        first: HEX,
        src: r#"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"#,
    },
    // `::1`, `::ffff:192.0.2.1` (not after a word: `Vec::add` is a path).
    PatDef {
        entity: Entity::Ipv6,
        kind: Kind::Ipv6Leading,
        first: b":",
        src: r#"::(?:[0-9A-Fa-f]{1,4}:){0,5}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4})"#,
    },
    // --- IPv4 ------------------------------------------------------------------
    PatDef {
        entity: Entity::Ipv4,
        kind: Kind::Ipv4,
        first: DIGITS,
        src: r#"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b"#,
    },
    // --- phone numbers -------------------------------------------------------
    // International: +CC … or 00CC … (7–15 digits).
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneIntl,
        first: b"+(",
        // `(+34) 958 044033`, `+(370) 61234567`: the country code may stand in brackets.
        src: r#"(?:\(\+[1-9][0-9]{0,3}\)|\+\([1-9][0-9]{0,3}\)|\+[1-9][0-9]{0,3})(?:[ .-]?\(?[0-9]{1,6}\)?){1,7}"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneIntl,
        first: b"0",
        src: r#"\b00[1-9][0-9]{0,3}[ .-]\(?[0-9]{1,6}\)?(?:[ .-]?\(?[0-9]{1,6}\)?){1,6}"#,
    },
    // North American: (415) 555-0132, 1 (415) 555-0132, 415-555-0132, 415.555.0132.
    // No `\b` at the end: `415-555-0132x4587` carries an extension; the
    // validator checks what follows.
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneNanpParen,
        first: b"(1",
        src: r#"(?:\b1[ .-]?)?\([0-9]{3}\)[ .-]?[0-9]{3}[ .-][0-9]{4}"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneNanp,
        first: DIGITS,
        src: r#"\b(?:1[ .-])?[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4}"#,
    },
    // National formats with a trunk 0: French 01 23 45 67 89, UK 020 7946 0958,
    // German 030 1234567.
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneFr,
        first: b"0",
        src: r#"\b0[1-9](?:[ .-][0-9]{2}){4}\b"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneUk,
        first: b"0",
        src: r#"\b0[1-9][0-9]{1,3} [0-9]{3,4} [0-9]{3,4}\b"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneDe,
        first: b"0",
        src: r#"\b0[1-9][0-9]{1,4}[ /-][0-9]{5,8}\b"#,
    },
];

/// The patterns used, for the DuckDB comparison script: (entity, regex source in
/// RE2-compatible syntax), in priority order. An entity may have several. The
/// Rust side adds validation (Luhn, mod-97, …) that a plain regex cannot do.
pub fn patterns() -> Vec<(Entity, &'static str)> {
    PATS.iter().map(|p| (p.entity, p.src)).collect()
}

/// Turns an RE2 source into the regex crate's dialect: ASCII-only word boundaries
/// and case folding, so that the lazy DFA can run it. With `escape_prefix`, a
/// leading `\b` also accepts a JSON escape (`\n`, `\t`, `\u00e9`, …) right before
/// the entity, consumed as part of the match.
pub(crate) fn to_rust_syntax(src: &str, escape_prefix: bool) -> String {
    let mut out = String::with_capacity(src.len() + 32);
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, 'b')) => {
                    if escape_prefix && i == 0 {
                        out.push_str(r"(?:(?-u:\b)|\\[nrtbf]|\\u[0-9A-Fa-f]{4})");
                    } else {
                        out.push_str(r"(?-u:\b)");
                    }
                }
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else if c == '(' && src[i..].starts_with("(?i:") {
            out.push_str("(?i-u:");
            chars.next();
            chars.next();
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

/// Upper bound of each lazy DFA's cache (per regex, per thread using it). The
/// combined regex visits a few thousand states on real text; more did not
/// measure faster.
pub(crate) const DFA_CACHE: usize = 8 << 20;

pub(crate) fn build_regex(src: &str) -> Regex {
    RegexBuilder::new(src)
        .size_limit(64 << 20)
        .dfa_size_limit(DFA_CACHE)
        .build()
        .unwrap_or_else(|e| panic!("bad PII pattern {src}: {e}"))
}

impl Kind {
    /// Whether validation needs capture groups (else a plain `find` will do).
    pub(crate) fn has_groups(self) -> bool {
        matches!(
            self,
            Kind::AuthHeader | Kind::Bearer | Kind::BasicB64 | Kind::Assignment
        )
    }
}

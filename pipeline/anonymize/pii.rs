//! PII detection and consistent-pseudonym redaction (DESIGN.md, "Anonymization").
//!
//! [`Redactor::redact`] finds personal data and secrets in free text and replaces
//! each value with a keyed pseudonym such as `<EMAIL_9f2c1a>`: the first six hex
//! characters of HMAC-SHA256(key, `TAG:normalized value`). The same value always
//! gets the same pseudonym, different values almost surely different ones, and
//! nobody without the key can go back from a pseudonym to the value.
//! [`Redactor::redact_json`] does the same inside a JSON document.
//!
//! # How it works
//!
//! * Every entity has one or more patterns (see [`patterns`]), written in RE2
//!   syntax so that DuckDB can run them too. They use only ASCII classes and
//!   ASCII word boundaries, so that the regex crate's lazy DFA can run them.
//! * One combined regex of all the patterns proposes candidate positions in a
//!   single pass, without captures. (Its alternatives whose threads can run long,
//!   e-mail, URL and `key=value`, come last, and their length bounds are
//!   lifted: counters in an unanchored DFA multiply its states on code.)
//! * At a candidate, a [`RegexSet`] of the anchored patterns says in one pass
//!   which patterns match there; they are tried in priority order and each match
//!   is validated: Luhn plus issuer prefix and length for cards, mod-97 and the
//!   country's length for IBANs, area/group/serial rules for SSNs, parsing for
//!   IPv6, digit counts and "not glued to a longer number" for phones and IPv4,
//!   randomness checks for tokens and for values of `password=`-like
//!   assignments (which skip code such as `token = parse(x)`). A candidate that
//!   fails is left as it is and the search resumes after its first token, so an
//!   overlapping valid entity is still found.
//! * The output string is only allocated when something is replaced.
//! * The search is linear: on input built to make many candidates fail, it
//!   degrades to bounded windows once a work budget is spent (see `scan`).
//! * Text that is itself JSON-encoded is handled: a JSON escape (`\n`, `\t`,
//!   `\u00e9`) counts as a boundary before an entity, and a replacement never
//!   splits an escape, so redacting raw JSON text keeps it valid JSON.
//! * [`Redactor::redact_json`] parses the document, redacts every string value
//!   and object key, plus the values of secret-named keys (`"password": "…"`),
//!   and re-serialises it compactly. A fast path proves most documents clean
//!   without parsing: one scan of the raw text, then only the strings whose
//!   escapes could hide something (`\/`, `\t`, `\u0040`) are decoded and
//!   scanned again.

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv6Addr;
use std::ops::ControlFlow;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use regex::{Captures, Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Kinds of entity, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    UrlCredential,
    Jwt,
    BearerToken,
    ApiKey,
    Email,
    CreditCard,
    Iban,
    UsSsn,
    Ipv6,
    Ipv4,
    Phone,
}

impl Entity {
    pub const ALL: [Entity; 11] = [
        Entity::UrlCredential,
        Entity::Jwt,
        Entity::BearerToken,
        Entity::ApiKey,
        Entity::Email,
        Entity::CreditCard,
        Entity::Iban,
        Entity::UsSsn,
        Entity::Ipv6,
        Entity::Ipv4,
        Entity::Phone,
    ];

    /// Pseudonym tag, upper-case.
    pub fn tag(self) -> &'static str {
        match self {
            Entity::UrlCredential => "URL",
            Entity::Jwt => "JWT",
            Entity::BearerToken => "BEARER",
            Entity::ApiKey => "API_KEY",
            Entity::Email => "EMAIL",
            Entity::CreditCard => "CARD",
            Entity::Iban => "IBAN",
            Entity::UsSsn => "SSN",
            Entity::Ipv6 => "IPV6",
            Entity::Ipv4 => "IPV4",
            Entity::Phone => "PHONE",
        }
    }

    /// The entity whose [`tag`](Entity::tag) is `tag`.
    pub fn from_tag(tag: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.tag() == tag)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// Secret key for pseudonyms (HMAC-SHA256). Its `Debug` never shows the key.
pub struct PiiKey(Vec<u8>);

impl PiiKey {
    /// At least 16 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < 16 {
            return Err(format!(
                "PII key too short: {} bytes, need at least 16",
                bytes.len()
            ));
        }
        Ok(PiiKey(bytes))
    }
}

impl fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiKey(<redacted>)")
    }
}

impl Drop for PiiKey {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference into our own buffer.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// How many entities of each kind were found, indexed by `Entity as usize`.
#[derive(Default, Debug, Clone, PartialEq)]
pub struct EntityCounts(pub [u64; 11]);

impl EntityCounts {
    pub fn add(&mut self, other: &EntityCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += *b;
        }
    }
    pub fn get(&self, entity: Entity) -> u64 {
        self.0[entity as usize]
    }
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
    fn bump(&mut self, entity: Entity) {
        self.0[entity as usize] += 1;
    }
}

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

/// How a sub-pattern's candidate is validated and what part of it is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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

struct PatDef {
    entity: Entity,
    kind: Kind,
    /// Bytes a match can start with (a cheap filter before the anchored regex).
    first: &'static [u8],
    /// RE2-compatible source. `\b` is an ASCII word boundary (as in RE2).
    src: &'static str,
}

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789ABCDEFabcdef";
const WORD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
const WORD_DOT_DASH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";

/// Key words that make a JSON key secret-named when it ends with one (any case);
/// the same words as in the assignment pattern, plus `authorization`.
#[rustfmt::skip]
const KEY_WORDS: &[&str] = &[
    "password", "passwd", "passphrase", "secret", "token", "api_key", "api-key", "apikey",
    "access_key", "access-key", "accesskey", "private_key", "private-key", "privatekey",
    "auth_key", "auth-key", "authkey", "credentials", "credential", "authorization",
];

static PATS: &[PatDef] = &[
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
        src: r#"\b(?:[0-9]{4}(?: [0-9]{4}){2} [0-9]{1,4}(?: [0-9]{1,3})?|[0-9]{4}(?:-[0-9]{4}){2}-[0-9]{1,4}(?:-[0-9]{1,3})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}|[0-9]{13,19})\b"#,
    },
    // --- IBAN (country length + mod-97 validated) ---------------------------
    PatDef {
        entity: Entity::Iban,
        kind: Kind::Iban,
        first: UPPER,
        src: r#"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"#,
    },
    // --- US SSN --------------------------------------------------------------
    PatDef {
        entity: Entity::UsSsn,
        kind: Kind::Ssn,
        first: DIGITS,
        src: r#"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b"#,
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
        first: b"+",
        src: r#"\+[1-9][0-9]{0,3}(?:[ .-]?\(?[0-9]{1,6}\)?){1,7}"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneIntl,
        first: b"0",
        src: r#"\b00[1-9][0-9]{0,3}[ .-]\(?[0-9]{1,6}\)?(?:[ .-]?\(?[0-9]{1,6}\)?){1,6}"#,
    },
    // North American: (415) 555-0132, 1 (415) 555-0132, 415-555-0132, 415.555.0132.
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneNanpParen,
        first: b"(1",
        src: r#"(?:\b1[ .-]?)?\([0-9]{3}\)[ .-]?[0-9]{3}[ .-][0-9]{4}\b"#,
    },
    PatDef {
        entity: Entity::Phone,
        kind: Kind::PhoneNanp,
        first: DIGITS,
        src: r#"\b(?:1[ .-])?[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4}\b"#,
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
fn to_rust_syntax(src: &str, escape_prefix: bool) -> String {
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
const DFA_CACHE: usize = 8 << 20;

fn build_regex(src: &str) -> Regex {
    RegexBuilder::new(src)
        .size_limit(64 << 20)
        .dfa_size_limit(DFA_CACHE)
        .build()
        .unwrap_or_else(|e| panic!("bad PII pattern {src}: {e}"))
}

impl Kind {
    /// Whether validation needs capture groups (else a plain `find` will do).
    fn has_groups(self) -> bool {
        matches!(
            self,
            Kind::AuthHeader | Kind::Bearer | Kind::BasicB64 | Kind::Assignment
        )
    }
}

struct Pat {
    entity: Entity,
    kind: Kind,
    first: [bool; 256],
    re: Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// password, secret, api key…: any non-trivial value.
    Strong,
    /// token, credentials: the value must look random.
    Weak,
    /// Authorization header: an optional scheme word, then a token.
    Auth,
}

/// One entity found: `start..end` is replaced; the scan resumes at `resume`.
#[derive(Debug, Clone, Copy)]
struct Hit {
    entity: Entity,
    start: usize,
    end: usize,
    resume: usize,
}

/// Finds and pseudonymises PII. `Send + Sync`; build once, share via `Arc`.
pub struct Redactor {
    combined: Regex,
    /// The anchored sub-patterns as one set, to see which match at a position.
    set: RegexSet,
    /// Bytes any sub-pattern can start with.
    any_first: [bool; 256],
    pats: Vec<Pat>,
    /// Authorization header value: optional scheme, token.
    auth_value_re: Regex,
    mac: HmacSha256,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("patterns", &self.pats.len())
            .finish_non_exhaustive()
    }
}

impl Redactor {
    pub fn new(key: PiiKey) -> Self {
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
        }
    }

    /// Returns `None` when the text holds no PII (no allocation on that path),
    /// else the redacted text. Counts of entities found are added to `counts`.
    pub fn redact(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        let mut out: Option<String> = None;
        let mut copied = 0usize;
        let _ = self.scan(text, |hit| {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            o.push_str(&text[copied..hit.start]);
            self.push_pseudonym(o, hit.entity, &text[hit.start..hit.end]);
            copied = hit.end;
            counts.bump(hit.entity);
            ControlFlow::Continue(())
        });
        let mut o = out?;
        o.push_str(&text[copied..]);
        Some(o)
    }

    /// Same for a JSON document held as text: every string value and every
    /// object key is redacted (and the value of a secret-named key such as
    /// `"password"`), then the document is re-serialised compactly. Text that is
    /// not valid JSON falls back to [`redact`](Redactor::redact). `None` if
    /// nothing changed.
    pub fn redact_json(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
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

    fn push_pseudonym(&self, out: &mut String, entity: Entity, raw: &str) {
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

    /// Calls `f` for every entity, left to right, without overlaps.
    ///
    /// Work is linear for ordinary text. Input built to make many candidates fail
    /// validation (`1.1.1.1.1…`, `sk-sk-sk-…`) would make the search quadratic:
    /// once the work spent exceeds a budget proportional to the text, the search
    /// degrades to bounded windows ([`DEGRADED_WINDOW`]), bounded candidates
    /// ([`DEGRADED_CAP`]) and skips past rejected candidates
    /// ([`DEGRADED_SKIP`]): still linear, and it still finds entities shorter
    /// than [`DEGRADED_OVERLAP`] that do not start inside a rejected candidate.
    fn scan(&self, text: &str, mut f: impl FnMut(Hit) -> ControlFlow<()>) -> ControlFlow<()> {
        let n = text.len();
        let budget = 16 * n + 65_536;
        let max_failures = 256 + n / 64;
        let mut spent = 0usize;
        let mut failures = 0usize;
        let mut pos = 0usize;
        while pos < n {
            let degraded = spent > budget || failures > max_failures;
            let hay_end = if degraded {
                floor_char_boundary(text, (pos + DEGRADED_WINDOW).min(n))
            } else {
                n
            };
            let Some(m) = self.combined.find_at(&text[..hay_end], pos) else {
                if hay_end >= n {
                    break;
                }
                let next = floor_char_boundary(text, hay_end - DEGRADED_OVERLAP);
                pos = if next > pos {
                    next
                } else {
                    ceil_char_boundary(text, pos + 1)
                };
                continue;
            };
            spent += m.end() - pos;
            let s = m.start() + escape_len(text.as_bytes(), m.start());
            if s >= n {
                break;
            }
            let mut found = self.classify(text, s, degraded);
            if found.is_none() && !is_word(text.as_bytes()[s]) {
                // The leading-`::` IPv6 alternative consumed one character of context.
                let next = ceil_char_boundary(text, s + 1);
                if text[next..].starts_with("::") {
                    found = self.classify(text, next, degraded);
                }
            }
            match found {
                Some(hit) => {
                    debug_assert!(hit.resume > s);
                    pos = hit.resume;
                    f(hit)?;
                }
                None => {
                    failures += 1;
                    spent += m.end() - s + 64;
                    pos = skip_token(text, s);
                    if degraded {
                        // Do not rescan a long rejected candidate over and over.
                        pos = pos.max(ceil_char_boundary(text, m.end().min(s + DEGRADED_SKIP)));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn has_pii(&self, text: &str) -> bool {
        self.scan(text, |_| ControlFlow::Break(())).is_break()
    }

    /// Tries every sub-pattern anchored at `s`, in priority order.
    fn classify(&self, text: &str, s: usize, degraded: bool) -> Option<Hit> {
        let b0 = text.as_bytes()[s];
        if !self.any_first[b0 as usize] {
            return None;
        }
        let rest_end = if degraded {
            floor_char_boundary(text, (s + DEGRADED_CAP).min(text.len()))
        } else {
            text.len()
        };
        let rest = &text[s..rest_end];
        // One anchored multi-pattern pass says which patterns match here.
        let matched = self.set.matches(rest);
        for i in matched.iter() {
            let p = &self.pats[i];
            if !p.first[b0 as usize] {
                continue;
            }
            let hit = if p.kind.has_groups() {
                let caps = p.re.captures(rest)?;
                self.validate(p, text, s, s + caps.get(0)?.end(), Some(&caps))
            } else {
                let m = p.re.find(rest)?;
                self.validate(p, text, s, s + m.end(), None)
            };
            if let Some(hit) = hit.and_then(|h| finish_hit(text, h)) {
                return Some(hit);
            }
        }
        None
    }

    fn validate(
        &self,
        p: &Pat,
        text: &str,
        s: usize,
        e: usize,
        caps: Option<&Captures<'_>>,
    ) -> Option<Hit> {
        let group = |i: usize| caps?.get(i).map(|m| (s + m.start(), s + m.end()));
        let whole = |end: usize| {
            Some(Hit {
                entity: p.entity,
                start: s,
                end,
                resume: end,
            })
        };
        match p.kind {
            Kind::Url => {
                let end = trim_url_end(text, s, e);
                whole(end)
            }
            Kind::Jwt | Kind::Token | Kind::PrivateKey => whole(e),
            Kind::OpenAi => openai_body_ok(&text[s + 3..e]).then(|| whole(e))?,
            Kind::AuthHeader => {
                let scheme = group(1).map(|(a, b)| &text[a..b]);
                let (ts, te) = group(2)?;
                if scheme.is_none() && looks_like_code(text, ts, te) {
                    return None; // `authorization = request.headers.get(…)`
                }
                auth_token_ok(scheme, &text[ts..te]).then_some(Hit {
                    entity: Entity::BearerToken,
                    start: ts,
                    end: te,
                    resume: te,
                })
            }
            Kind::Bearer | Kind::BasicB64 => {
                let (ts, te) = group(1)?;
                let tok = &text[ts..te];
                let ok = if p.kind == Kind::Bearer {
                    is_secret_like(tok)
                } else {
                    basic_b64_ok(tok)
                };
                ok.then_some(Hit {
                    entity: Entity::BearerToken,
                    start: ts,
                    end: te,
                    resume: te,
                })
            }
            Kind::Assignment => {
                let (ks, ke) = group(1)?;
                let (ss, se) = group(2)?;
                let (quoted, (vs, ve)) = match (group(3), group(4), group(5)) {
                    (Some(v), _, _) | (None, Some(v), _) => (true, v),
                    (None, None, Some(v)) => (false, v),
                    _ => return None,
                };
                let kw = &text[ks..ke];
                let value = &text[vs..ve];
                let strength = keyword_strength(kw);
                let sep = &text[ss..se];
                let equals = sep != ":";
                // `Token::Word` and `a::token::b` are paths, not assignments.
                let path = sep == ":"
                    && (text.as_bytes().get(se) == Some(&b':') || text[..ks].ends_with("::"));
                if path
                    || !secret_value_ok(strength, kw, value, quoted, equals)
                    || (!quoted && looks_like_code(text, vs, ve))
                {
                    return None;
                }
                Some(Hit {
                    entity: secret_entity(value),
                    start: vs,
                    end: ve,
                    resume: ve,
                })
            }
            Kind::Email => email_ok(&text[s..e]).then(|| whole(e))?,
            Kind::Card => card_end(text, s, e).and_then(whole),
            Kind::Iban => iban_end(text, s, e).and_then(whole),
            Kind::Ssn => ssn_ok(text, s, e).then(|| whole(e))?,
            Kind::Ipv6 | Kind::Ipv6Leading => ipv6_end(text, s, e).and_then(whole),
            Kind::Ipv4 => standalone_number(text, s, e).then(|| whole(e))?,
            Kind::PhoneIntl
            | Kind::PhoneNanpParen
            | Kind::PhoneNanp
            | Kind::PhoneFr
            | Kind::PhoneUk
            | Kind::PhoneDe => phone_end(p.kind, text, s, e).and_then(whole),
        }
    }

    /// Whether a JSON key names a secret; returns the strength and key word.
    fn key_strength<'k>(&self, key: &'k str) -> Option<(Strength, &'k str)> {
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
    fn secret_value_span(
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
    fn redact_secret_value(
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

    fn walk(&self, v: &mut Value, counts: &mut EntityCounts) -> bool {
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
                let old = std::mem::take(map);
                let mut changed = false;
                for (k, mut val) in old {
                    let mut vch = self.walk(&mut val, counts);
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

    /// Cheap, conservative test before parsing: false only if parsing and
    /// walking `text` would certainly change nothing.
    fn json_may_hold_pii(&self, text: &str) -> bool {
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

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

fn normalize(entity: Entity, raw: &str) -> Cow<'_, str> {
    match entity {
        Entity::Email => Cow::Owned(raw.to_lowercase()),
        Entity::Phone | Entity::CreditCard | Entity::UsSsn => {
            Cow::Owned(raw.chars().filter(|c| c.is_ascii_digit()).collect())
        }
        Entity::Iban => Cow::Owned(
            raw.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        ),
        _ => Cow::Borrowed(raw),
    }
}

// ---------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------

/// In degraded mode: the search window, how far consecutive windows overlap,
/// and the longest candidate considered.
const DEGRADED_WINDOW: usize = 2048;
const DEGRADED_OVERLAP: usize = 512;
const DEGRADED_CAP: usize = 1024;
const DEGRADED_SKIP: usize = 128;

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Number of backslashes ending right before `pos`.
fn backslashes_before(b: &[u8], pos: usize) -> usize {
    b[pos.saturating_sub(1024)..pos]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count()
}

/// If `pos` starts a JSON escape that the combined regex consumed as a prefix,
/// its length (2 or 6), else 0.
fn escape_len(b: &[u8], pos: usize) -> usize {
    if b.get(pos) != Some(&b'\\') {
        return 0;
    }
    match b.get(pos + 1) {
        Some(b'u')
            if b.len() >= pos + 6 && b[pos + 2..pos + 6].iter().all(u8::is_ascii_hexdigit) =>
        {
            6
        }
        Some(b'n' | b'r' | b't' | b'b' | b'f') => 2,
        _ => 0,
    }
}

/// Whether `pos` lies inside a JSON escape sequence (after its backslash).
fn inside_escape(b: &[u8], pos: usize) -> bool {
    for back in 1..=5usize {
        if back > pos {
            break;
        }
        let q = pos - back;
        if b[q] == b'\\' && backslashes_before(b, q).is_multiple_of(2) {
            // `b[q]` opens an escape.
            if back == 1 {
                return true;
            }
            return b.get(q + 1) == Some(&b'u');
        }
    }
    false
}

/// Whether `pos` directly follows a complete JSON escape (`\n`, `\u00e9`, …),
/// which counts as a separator, not as a word character.
fn after_escape(b: &[u8], pos: usize) -> bool {
    (pos >= 2
        && b[pos - 2] == b'\\'
        && backslashes_before(b, pos - 2).is_multiple_of(2)
        && matches!(b[pos - 1], b'n' | b'r' | b't' | b'b' | b'f'))
        || (pos >= 6
            && b[pos - 6] == b'\\'
            && b[pos - 5] == b'u'
            && backslashes_before(b, pos - 6).is_multiple_of(2)
            && b[pos - 4..pos].iter().all(u8::is_ascii_hexdigit))
}

fn prev_is_word(b: &[u8], pos: usize) -> bool {
    pos > 0 && is_word(b[pos - 1]) && !after_escape(b, pos)
}

/// Final fix-ups shared by all hits: never start inside a JSON escape, never end
/// on a backslash (that would glue the pseudonym to the next character).
fn finish_hit(text: &str, mut h: Hit) -> Option<Hit> {
    let b = text.as_bytes();
    while h.end > h.start && b[h.end - 1] == b'\\' {
        h.end -= 1;
    }
    if h.end <= h.start || inside_escape(b, h.start) {
        return None;
    }
    debug_assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
    h.resume = h.resume.max(h.end);
    Some(h)
}

/// Where to resume after a rejected candidate at `s`: past its first token.
fn skip_token(text: &str, s: usize) -> usize {
    let b = text.as_bytes();
    if is_word(b[s]) {
        let mut i = s + 1;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        i
    } else {
        let mut i = s + 1;
        while i < b.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        i
    }
}

/// Not glued to a longer number: no word char or `.digit` / `-digit` on either side.
fn standalone_number(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    if prev_is_word(b, s) {
        return false;
    }
    if s >= 2 && matches!(b[s - 1], b'.' | b'-') && b[s - 2].is_ascii_digit() {
        return false;
    }
    if e < b.len() && is_word(b[e]) {
        return false;
    }
    if e + 1 < b.len() && matches!(b[e], b'.' | b'-') && b[e + 1].is_ascii_digit() {
        return false;
    }
    true
}

/// Luhn checksum over the digits of `digits`, ignoring spaces and dashes.
/// Any other character, or fewer than two digits, gives false.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    let mut n = 0usize;
    for c in digits.bytes().rev() {
        match c {
            b' ' | b'-' => continue,
            b'0'..=b'9' => {
                let mut d = (c - b'0') as u32;
                if n % 2 == 1 {
                    d *= 2;
                    if d > 9 {
                        d -= 9;
                    }
                }
                sum += d;
                n += 1;
            }
            _ => return false,
        }
    }
    n >= 2 && sum.is_multiple_of(10)
}

/// Issuer prefix and length of the card networks, for ungrouped digit runs
/// (otherwise too often timestamps, ids or integer constants): Visa 4 (13, 16,
/// 19 digits), Mastercard 51–55 / 2221–2720 (16), Maestro 50/56–59 (16–19),
/// Amex 34/37 (15), Diners 30/36/38/39 (14–19), JCB 35 (16–19),
/// Discover/UnionPay/Maestro 6 (16–19).
fn iin_plausible(d: &[u8]) -> bool {
    let n = d.len();
    let num = |k: usize| d[..k].iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32);
    match d[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'5' if (51..=55).contains(&num(2)) => n == 16,
        b'5' | b'6' => (16..=19).contains(&n),
        b'2' => (2221..=2720).contains(&num(4)) && n == 16,
        b'3' => match num(2) {
            34 | 37 => n == 15,
            35 => (16..=19).contains(&n),
            30 | 36 | 38 | 39 => (14..=19).contains(&n),
            _ => false,
        },
        _ => false,
    }
}

fn card_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let contiguous = b[s..e].iter().all(u8::is_ascii_digit);
    let mut end = e;
    loop {
        let nd = b[s..end].iter().filter(|c| c.is_ascii_digit()).count();
        if nd < 13 {
            return None;
        }
        if nd <= 19
            && luhn_valid(&text[s..end])
            && (!contiguous || iin_plausible(&b[s..end]))
            && standalone_number(text, s, end)
        {
            return Some(end);
        }
        if contiguous {
            return None;
        }
        // Drop the last group and try again (a card followed by more digits).
        let mut p = end;
        while p > s && b[p - 1].is_ascii_digit() {
            p -= 1;
        }
        while p > s && matches!(b[p - 1], b' ' | b'-') {
            p -= 1;
        }
        if p <= s {
            return None;
        }
        end = p;
    }
}

/// IBAN length by country (SWIFT registry, plus common partial-IBAN countries).
fn iban_len(cc: &[u8]) -> Option<usize> {
    #[rustfmt::skip]
    const T: &[(&[u8; 2], u8)] = &[
        (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AO", 25), (b"AT", 20), (b"AZ", 28),
        (b"BA", 20), (b"BE", 16), (b"BF", 28), (b"BG", 22), (b"BH", 22), (b"BI", 27),
        (b"BJ", 28), (b"BR", 29), (b"BY", 28), (b"CF", 27), (b"CG", 27), (b"CH", 21),
        (b"CI", 28), (b"CM", 27), (b"CR", 22), (b"CV", 25), (b"CY", 28), (b"CZ", 24),
        (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"DZ", 26), (b"EE", 20),
        (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27),
        (b"GA", 27), (b"GB", 22), (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GQ", 27),
        (b"GR", 27), (b"GT", 28), (b"GW", 25), (b"HN", 28), (b"HR", 21), (b"HU", 28),
        (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IR", 26), (b"IS", 26), (b"IT", 27),
        (b"JO", 30), (b"KM", 27), (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32),
        (b"LI", 21), (b"LT", 20), (b"LU", 20), (b"LV", 21), (b"LY", 25), (b"MA", 28),
        (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MG", 27), (b"MK", 19), (b"ML", 28),
        (b"MN", 20), (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"MZ", 25), (b"NE", 28),
        (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23), (b"PK", 24), (b"PL", 28),
        (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"RU", 33),
        (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24),
        (b"SM", 27), (b"SN", 28), (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TD", 27),
        (b"TG", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29), (b"VA", 22),
        (b"VG", 24), (b"XK", 20), (b"YE", 30),
    ];
    T.iter()
        .find(|(c, _)| &c[..] == cc)
        .map(|&(_, n)| n as usize)
}

fn iban_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let len = iban_len(&b[s..s + 2])?;
    let mut chars = [0u8; 34];
    let mut n = 0usize;
    let mut i = s;
    let mut last = s;
    while i < e && n < len {
        if b[i].is_ascii_alphanumeric() {
            chars[n] = b[i];
            n += 1;
            last = i + 1;
        }
        i += 1;
    }
    if n < len || (last < b.len() && is_word(b[last])) {
        return None;
    }
    let mut rem = 0u32;
    for &c in chars[4..n].iter().chain(chars[..4].iter()) {
        rem = match c {
            b'0'..=b'9' => (rem * 10 + (c - b'0') as u32) % 97,
            b'A'..=b'Z' => (rem * 100 + (c - b'A' + 10) as u32) % 97,
            _ => return None,
        };
    }
    (rem == 1).then_some(last)
}

fn ssn_ok(text: &str, s: usize, e: usize) -> bool {
    let d = &text.as_bytes()[s..e];
    let area = &d[0..3];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && &d[4..6] != b"00"
        && &d[7..11] != b"0000"
        && standalone_number(text, s, e)
}

fn ipv6_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut end = e;
    if Ipv6Addr::from_str(&text[s..end]).is_err() {
        // "2001:db8::1:" at the end of a clause.
        if end - s >= 3 && b[end - 1] == b':' && b[end - 2] != b':' {
            end -= 1;
            Ipv6Addr::from_str(&text[s..end]).ok()?;
        } else {
            return None;
        }
    }
    let cand = &text[s..end];
    let groups = cand.split(':').filter(|g| !g.is_empty()).count();
    let leading = cand.starts_with("::");
    if groups < if leading { 1 } else { 2 } || !cand.bytes().any(|c| c.is_ascii_digit()) {
        return None; // `db::`, `abc::def`, `f32::` are code
    }
    if s > 0 && (b[s - 1] == b':' || (leading && (prev_is_word(b, s) || b[s - 1] == b'.'))) {
        return None;
    }
    if end < b.len() && (is_word(b[end]) || b[end] == b':') {
        return None; // `a1::b2::c3`, `f32::consts`
    }
    if end + 1 < b.len() && b[end] == b'.' && is_word(b[end + 1]) {
        return None; // `bf16::E.to_bits()`
    }
    if cand.bytes().any(|c| c.is_ascii_lowercase()) && cand.bytes().any(|c| c.is_ascii_uppercase())
    {
        return None; // `f16::E`: addresses are written in one case
    }
    Some(end)
}

fn phone_end(kind: Kind, text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut end = e;
    loop {
        // "(+44 20 7946 0958)": the closing parenthesis is not part of the number.
        while end > s && b[end - 1] == b')' && count(&b[s..end], b'(') < count(&b[s..end], b')') {
            end -= 1;
        }
        let span = &b[s..end];
        let digits = span.iter().filter(|c| c.is_ascii_digit()).count();
        let significant = if span.starts_with(b"00") {
            digits - 2
        } else {
            digits
        };
        if kind == Kind::PhoneIntl && significant > 15 {
            // Trailing number glued on with a space: drop the last group.
            let mut p = end;
            while p > s && (b[p - 1].is_ascii_digit() || b[p - 1] == b')') {
                p -= 1;
            }
            while p > s && matches!(b[p - 1], b' ' | b'.' | b'-' | b'(') {
                p -= 1;
            }
            if p <= s || p == end {
                return None;
            }
            end = p;
            continue;
        }
        if !(7..=15).contains(&significant) || !span.last()?.is_ascii_digit() {
            return None;
        }
        let opens = span.iter().filter(|&&c| c == b'(').count();
        let closes = span.iter().filter(|&&c| c == b')').count();
        if opens != closes || opens > 1 {
            return None;
        }
        if opens == 1 {
            let o = span.iter().position(|&c| c == b'(')?;
            let c = span.iter().position(|&c| c == b')')?;
            if c < o {
                return None;
            }
        }
        let seps: Vec<u8> = span
            .iter()
            .copied()
            .filter(|c| matches!(c, b' ' | b'.' | b'-'))
            .collect();
        match kind {
            Kind::PhoneIntl => {
                if span[0] == b'+' && s > 0 && (prev_is_word(b, s) || b[s - 1] == b'+') {
                    return None;
                }
                // "+3.14159265" is a signed decimal, not a phone number.
                if seps == [b'.'] && opens == 0 {
                    return None;
                }
                // "+12345-03-04" is an ISO date with an expanded year.
                if seps == [b'-', b'-']
                    && span.len() >= 9
                    && span[span.len() - 3] == b'-'
                    && span[span.len() - 6] == b'-'
                {
                    return None;
                }
            }
            // Same separator between the 3-3-4 groups.
            Kind::PhoneNanp if end - s < 12 || b[end - 5] != b[end - 9] => return None,
            Kind::PhoneFr if seps.windows(2).any(|w| w[0] != w[1]) => return None,
            Kind::PhoneUk if !(10..=11).contains(&digits) => return None,
            Kind::PhoneDe if digits < 9 => return None,
            _ => {}
        }
        if !standalone_number(text, s, end) {
            return None;
        }
        return Some(end);
    }
}

const FILE_EXTS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic",
];

fn email_ok(span: &str) -> bool {
    let Some(at) = span.find('@') else {
        return false;
    };
    let local = &span[..at];
    let tld = span.rsplit('.').next().unwrap_or("");
    // `git@github.com:org/repo` is an SSH remote, not a person.
    if local == "git" {
        return false;
    }
    // `icon@2x.png` is an image asset.
    !FILE_EXTS.iter().any(|x| tld.eq_ignore_ascii_case(x))
}

/// Drops trailing punctuation that ends a sentence rather than the URL.
fn trim_url_end(text: &str, s: usize, e: usize) -> usize {
    let b = text.as_bytes();
    let mut end = e;
    while end > s {
        let c = b[end - 1];
        let drop = match c {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'&' => true,
            b')' => count(&b[s..end], b'(') < count(&b[s..end], b')'),
            b']' => count(&b[s..end], b'[') < count(&b[s..end], b']'),
            b'}' => count(&b[s..end], b'{') < count(&b[s..end], b'}'),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

fn count(b: &[u8], c: u8) -> usize {
    b.iter().filter(|&&x| x == c).count()
}

/// An unquoted value that is an expression in source code rather than a literal:
/// `token = parse_token(x)`, `password = *input`, `api_key = os.environ["K"]`,
/// `secret = Default::default()`, `let token = unsafe { … }`.
fn looks_like_code(text: &str, vs: usize, ve: usize) -> bool {
    let b = text.as_bytes();
    let v = &text[vs..ve];
    if v.starts_with(['*', '!', '_', ':'])
        || v.contains("::")
        || v.starts_with("self.")
        || v.starts_with("this.")
    {
        return true;
    }
    // A constant's name: `DEFAULT_SECRET_RAW`.
    if v.contains('_')
        && v.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
    {
        return true;
    }
    let mut i = ve;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let next = b.get(i).copied();
    if matches!(next, Some(b'(' | b'[' | b'!')) {
        return true;
    }
    // `Foo{` or `Foo {`: a struct literal.
    if next == Some(b'{') && (i == ve || v.starts_with(|c: char| c.is_ascii_uppercase())) {
        return true;
    }
    #[rustfmt::skip]
    const CODE_WORDS: &[&str] = &[
        "self", "this", "unsafe", "match", "await", "async", "move", "mut", "ref", "new", "let",
        "const", "var", "input", "value", "params", "args", "kwargs", "config", "settings",
        "default", "null", "nullptr", "undefined", "function", "lambda", "req", "request",
        "impl", "dyn", "fn", "pub", "static", "final", "private", "public", "readonly",
    ];
    CODE_WORDS.contains(&v)
}

/// `token_kind_2`, `_bindgen_ty_5`: lower-case words and numbers joined by `_`
/// (unlike `tok_9f8e7d6c5b4a3210`, whose parts mix letters and digits).
fn is_snake_case_name(v: &str) -> bool {
    v.contains('_')
        && v.split('_').all(|seg| {
            seg.bytes().all(|c| c.is_ascii_lowercase()) || seg.bytes().all(|c| c.is_ascii_digit())
        })
}

/// Looks like a random credential: long enough and not a plain word, nor an
/// environment variable name (`YOUR_API_KEY`, `OAUTH2_TOKEN`).
fn is_secret_like(tok: &str) -> bool {
    let n = tok.len();
    if n < 8 {
        return false;
    }
    if tok.contains('_')
        && tok
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
    {
        return false;
    }
    let digit = tok.bytes().any(|c| c.is_ascii_digit());
    let upper = tok.bytes().any(|c| c.is_ascii_uppercase());
    let lower = tok.bytes().any(|c| c.is_ascii_lowercase());
    (digit && (upper || lower || n >= 12)) || (n >= 16 && upper && lower) || n >= 32
}

/// The part after `sk-`: random (a digit, a long unbroken run, or long with few
/// hyphens), not a hyphenated phrase like `sk-learn-is-a-library`.
fn openai_body_ok(body: &str) -> bool {
    (body.len() >= 32 && body.bytes().filter(|&c| c == b'-').count() * 8 < body.len())
        || body.bytes().any(|c| c.is_ascii_digit())
        || body.split('-').any(|seg| seg.len() >= 16)
}

/// `Basic` credentials: base64 of printable `user:password`.
fn basic_b64_ok(tok: &str) -> bool {
    match base64_decode(tok) {
        Some(d) => {
            d.len() >= 3 && d.contains(&b':') && d.iter().all(|&c| (0x20..0x7f).contains(&c))
        }
        None => false,
    }
}

fn auth_token_ok(scheme: Option<&str>, tok: &str) -> bool {
    is_secret_like(tok)
        || (scheme.is_some_and(|s| s.eq_ignore_ascii_case("basic")) && basic_b64_ok(tok))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn keyword_strength(kw: &str) -> Strength {
    let l = kw.to_ascii_lowercase();
    if l == "token" || l.starts_with("credential") {
        Strength::Weak
    } else {
        Strength::Strong
    }
}

/// Words that are types, template slots or flags rather than secret values.
#[rustfmt::skip]
const NOT_SECRET: &[&str] = &[
    "null", "none", "nil", "true", "false", "undefined", "str", "string", "int", "integer",
    "bool", "boolean", "bytes", "any", "object", "optional", "option", "required", "secretstr",
    "text", "number", "n/a", "na", "empty", "redacted", "hidden", "masked", "yes", "no", "on",
    "off", "auto", "env", "bearer", "basic", "token", "include", "omit", "same-origin", "file",
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "char", "vec", "float", "double", "long", "short", "byte", "uint", "int32", "int64",
    "uint32", "uint64", "varchar", "blob", "uuid", "list", "dict", "map", "array", "secret",
    "password", "unknown", "todo", "example",
];

fn squash(s: &str) -> String {
    s.bytes()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.' | b' '))
        .map(|c| c.to_ascii_lowercase() as char)
        .collect()
}

/// Whether the value assigned to a secret-named key is worth redacting.
/// `equals`: assigned with `=` (`TOKEN=…`, `?token=…`), not `:` (`"token": …`),
/// which makes even a weak key word (token, credentials) a strong signal.
fn secret_value_ok(strength: Strength, kw: &str, value: &str, quoted: bool, equals: bool) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with("{{")
        || v.bytes()
            .all(|c| matches!(c, b'*' | b'x' | b'X' | b'.' | b'#'))
    {
        return false; // template slot, variable reference or mask
    }
    let lower = v.to_ascii_lowercase();
    if NOT_SECRET.contains(&lower.as_str()) || !v.bytes().any(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    // `password=password`, `api_key=self.api_key`, `token=args.token`
    let kw_sq = squash(kw);
    if !kw_sq.is_empty() && squash(v).ends_with(&kw_sq) {
        return false;
    }
    let has_ws = v.bytes().any(|c| c.is_ascii_whitespace());
    let strong = v.chars().count() >= 3 && (quoted || !has_ws);
    match strength {
        Strength::Strong => strong,
        Strength::Weak if equals => strong,
        // `"token": "Hello"` (a tokenizer's output) is not a secret; `abc123` is;
        // `next_token: token_kind_2` (a snake_case name) is code.
        Strength::Weak | Strength::Auth => {
            !has_ws
                && !is_snake_case_name(v)
                && (is_secret_like(v)
                    || (v.len() >= 6
                        && v.bytes().any(|c| c.is_ascii_digit())
                        && v.bytes().any(|c| c.is_ascii_alphabetic())))
        }
    }
}

fn secret_entity(value: &str) -> Entity {
    if value.starts_with("eyJ")
        && value.bytes().filter(|&c| c == b'.').count() == 2
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        Entity::Jwt
    } else {
        Entity::ApiKey
    }
}

/// A JSON string body whose escapes could hide an entity from the raw scan:
/// `\/`, `\t`, `\r`, `\b`, `\f` or a `\u` escape of an ASCII character.
fn needs_decoded_scan(raw: &str) -> bool {
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

/// Decodes a JSON string body into `out`; false if an escape is malformed.
fn json_unescape(raw: &str, out: &mut String) -> bool {
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

fn hex4(b: &[u8], at: usize) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;
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
                "PHONE"
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

    // --- e-mail ---------------------------------------------------------------

    #[test]
    fn email_positive() {
        for (t, v) in [
            ("contact alice@example.com now", "alice@example.com"),
            (
                "<john.doe+newsletter@mail.sub.example.co.uk>",
                "john.doe+newsletter@mail.sub.example.co.uk",
            ),
            ("\"Bob_O'Neil\" bob_99@corp-mail.io.", "bob_99@corp-mail.io"),
            ("(x.y-z@example.museum)", "x.y-z@example.museum"),
            (
                "mailto:Jane.Smith@Example.org?subject=hi",
                "Jane.Smith@Example.org",
            ),
        ] {
            assert_redacted(t, v, Entity::Email);
        }
        assert_eq!(counts("a@b.cd, e@f.gh").get(Entity::Email), 2);
    }

    #[test]
    fn email_negative() {
        for t in [
            "user@localhost",
            "git@github.com:org/repo.git",
            "icon@2x.png and logo@3x.jpg",
            "npm i lodash@4.17.21",
            "@decorator\ndef f(): pass",
            "a @ b . com",
            "x@y",
        ] {
            assert_clean(t);
        }
    }

    // --- phone ----------------------------------------------------------------

    #[test]
    fn phone_positive() {
        for v in [
            "+1 (415) 555-0132",
            "+44 20 7946 0958",
            "+33 1 23 45 67 89",
            "+49 30 1234567",
            "+91-98765-43210",
            "(415) 555-0132",
            "415-555-0132",
            "415.555.0132",
            "0044 20 7946 0958",
            "+14155550132",
            "1-800-555-0199",
            "+44 (0)20 7946 0958",
            "+81-3-1234-5678",
            "01 23 45 67 89",
            "020 7946 0958",
        ] {
            for t in [
                format!("call {v} today"),
                format!("tel:{v}"),
                format!("\"phone\":\"{v}\""),
                v.to_string(),
                format!("({v})"),
            ] {
                assert_redacted(&t, v, Entity::Phone);
                assert_eq!(counts(&t).get(Entity::Phone), 1, "{t}");
            }
        }
    }

    #[test]
    fn phone_negative() {
        for t in [
            "released 2026-11-20",
            "at 2026-11-20T10:00:00Z and 2026-11-20T10:00:00+02:00",
            "2026-11-20 10:00:00.123456",
            "version 1.2.3 and v10.4.1 and 10.0.19041.1",
            "used 812 tokens, total 1234567, then 31415926",
            "pi is 3.14159 and e is 2.718281828",
            "id 123e4567-e89b-12d3-a456-426614174000",
            "id 12345678-1234-1234-1234-123456789012",
            "sha 3f786850e387550fdab836ed7e6dc881de23001b",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "src/main.rs:123:45 and lib.rs:1024:7",
            "at 12:30:45 local",
            "coords 37.7749, -122.4194",
            "+3.14159265",
            "x+1234567",
            "+12",
            "1+2=3",
            "ports 8080-8090",
            "range 100-200",
            "415-555-01323",
            "1.415.555.0132.7",
        ] {
            let mut c = EntityCounts::default();
            let out = r().redact(t, &mut c);
            assert_eq!(c.get(Entity::Phone), 0, "phone in {t:?}: {out:?}");
            assert_clean(t);
        }
    }

    #[test]
    fn phone_glued_to_trailing_number_is_trimmed() {
        let out = red("call +44 20 7946 0958 2026 3333");
        assert!(!out.contains("7946"), "{out}");
    }

    // --- card -----------------------------------------------------------------

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(luhn_valid("4111-1111-1111-1111"));
        assert!(luhn_valid("79927398713"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid("4111a111111111111"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("0"));
    }

    #[test]
    fn card_positive() {
        for v in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111111111111111",
            "5555555555554444",
            "5105 1051 0510 5100",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "4012888888881881",
            "3530111333300000",
            "30569309025904",
            "4222222222222",
            "2223003122003222",
        ] {
            for t in [
                format!("card {v}."),
                format!("\"cc\":\"{v}\""),
                v.to_string(),
            ] {
                assert_redacted(&t, v, Entity::CreditCard);
            }
        }
        // A card number as a JSON number.
        assert_redacted(
            "{\"pan\":4111111111111111}",
            "4111111111111111",
            Entity::CreditCard,
        );
    }

    #[test]
    fn card_negative() {
        for t in [
            "card 4111 1111 1111 1112",
            "card 4111111111111112",
            "ts 1732098765432 and 1732098765432123456", // epoch ms / ns
            "snowflake 1181234567890123456",
            "int 12345678901234",
            "pub const BTRFS_MAGIC: u64 = 5575266562640200287;",
            "9999 9999 9999 9999",
        ] {
            let mut c = EntityCounts::default();
            let out = r().redact(t, &mut c);
            assert_eq!(c.get(Entity::CreditCard), 0, "card in {t:?}: {out:?}");
        }
        // Luhn-valid ungrouped numbers with no card issuer prefix are ids, not cards.
        assert!(luhn_valid("1732098765438"));
        assert_clean("ts 1732098765438");
    }

    #[test]
    fn card_followed_by_more_digits() {
        let out = red("pay with 4111 1111 1111 1111 123 now");
        assert!(!out.contains("4111"), "{out}");
    }

    // --- IBAN -----------------------------------------------------------------

    #[test]
    fn iban_positive() {
        for v in [
            "DE89 3704 0044 0532 0130 00",
            "DE89370400440532013000",
            "GB82 WEST 1234 5698 7654 32",
            "GB82WEST12345698765432",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NL91ABNA0417164300",
            "NO9386011117947",
            "CH9300762011623852957",
        ] {
            for t in [
                format!("IBAN: {v}."),
                format!("\"iban\":\"{v}\" EUR"),
                format!("{v} EUR"),
            ] {
                assert_redacted(&t, v, Entity::Iban);
                assert_eq!(counts(&t).get(Entity::Iban), 1, "{t}");
            }
        }
    }

    #[test]
    fn iban_negative() {
        for t in [
            "DE89 3704 0044 0532 0130 01",  // bad checksum
            "DE8937040044053201300012",     // wrong length for DE
            "QQ12ABCDEFGHIJKLMNOP",         // no such country
            "SHA AB12CDEF34567890ABCDEF12", // looks alike, fails
            "GB82 west 1234 5698 7654 32",
        ] {
            let mut c = EntityCounts::default();
            let out = r().redact(t, &mut c);
            assert_eq!(c.get(Entity::Iban), 0, "iban in {t:?}: {out:?}");
        }
    }

    // --- SSN -------------------------------------------------------------------

    #[test]
    fn ssn() {
        assert_redacted("SSN 123-45-6789.", "123-45-6789", Entity::UsSsn);
        assert_redacted("\"ssn\":\"078-05-1120\"", "078-05-1120", Entity::UsSsn);
        for t in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
            "1-123-45-6789-0",
            "2026-11-20",
        ] {
            assert_eq!(counts(t).get(Entity::UsSsn), 0, "{t}");
        }
    }

    // --- IP addresses -------------------------------------------------------------

    #[test]
    fn ipv4() {
        for v in [
            "192.168.1.10",
            "10.0.0.1",
            "8.8.8.8",
            "255.255.255.255",
            "172.16.254.3",
        ] {
            for t in [
                format!("host {v}:8080"),
                format!("[{v}]"),
                format!("ip={v}."),
                format!("{v}/24"),
            ] {
                assert_redacted(&t, v, Entity::Ipv4);
            }
        }
        for t in [
            "256.1.1.1",
            "1.2.3.4.5",
            "version 1.2.3",
            "10.0.19041.1",
            "v1.2.3.4",
            "999.999.999.999",
            "1.2.3.4.5.6",
        ] {
            assert_eq!(counts(t).get(Entity::Ipv4), 0, "{t}");
        }
    }

    #[test]
    fn ipv6() {
        for v in [
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "2001:db8::1",
            "fe80::1ff:fe23:4567:890a",
            "2001:db8:85a3::8a2e:370:7334",
            "2001:db8::",
            "64:ff9b::192.0.2.33",
            "0:0:0:0:0:ffff:192.0.2.1",
            "::1",
            "::ffff:192.0.2.1",
        ] {
            for t in [
                format!("addr {v} ok"),
                format!("[{v}]:443"),
                format!("\"{v}\""),
                format!("{v}/64"),
            ] {
                assert_redacted(&t, v, Entity::Ipv6);
                assert_eq!(counts(&t).get(Entity::Ipv6), 1, "{t}");
            }
        }
        for t in [
            "at 12:30:45",
            "::",
            "use std::collections::HashMap;",
            "db::connect(); abc::def; f32::consts::PI; Vec::<u8>::new()",
            "mac 00:1A:2B:3C:4D:5E",
            "a::b",
            "Vec::add(x); Foo::f32; x::1; impl ::abc; f16::E, bf16::E.to_bits()",
            "::: ::",
        ] {
            assert_clean(t);
        }
    }

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

    // --- redact_json ---------------------------------------------------------------

    fn rj(text: &str) -> Option<String> {
        let mut c = EntityCounts::default();
        r().redact_json(text, &mut c)
    }

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
        assert!(p.len() >= Entity::ALL.len());
        for e in Entity::ALL {
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

    // --- micro-benchmark --------------------------------------------------------------

    /// `cargo test --release pii -- --ignored --nocapture bench`
    #[test]
    #[ignore]
    fn bench_redact_throughput() {
        let red = r();
        for pii_every in [4096usize, 65536] {
            let docs = bench_corpus(50 << 20, pii_every);
            let total: usize = docs.iter().map(|d| d.len()).sum();
            println!(
                "corpus: {:.1} MB, {} docs, about one entity per {} bytes",
                total as f64 / 1e6,
                docs.len(),
                pii_every
            );
            for (name, json) in [
                ("redact", false),
                ("redact_json", true),
                ("redact", false),
                ("redact_json", true),
            ] {
                let mut c = EntityCounts::default();
                let cpu0 = cpu_ns();
                let t0 = std::time::Instant::now();
                let mut changed = 0usize;
                for d in &docs {
                    let out = if json {
                        red.redact_json(d, &mut c)
                    } else {
                        red.redact(d, &mut c)
                    };
                    changed += out.is_some() as usize;
                }
                let s = t0.elapsed().as_secs_f64();
                let cpu = (cpu_ns() - cpu0) as f64 / 1e9;
                println!(
                "{name}: {:.1} MB in {:.3} s wall = {:.0} MB/s; {:.3} s on-CPU = {:.0} MB/s ({} docs, {} changed, {} entities)",
                total as f64 / 1e6,
                s,
                total as f64 / 1e6 / s,
                cpu,
                total as f64 / 1e6 / cpu,
                docs.len(),
                changed,
                c.total()
            );
            }
            // Per-kind figures.
            let kinds = ["prose", "json", "code", "log"];
            for (k, name) in kinds.iter().enumerate() {
                let sub: Vec<&String> = docs.iter().skip(k).step_by(4).collect();
                let n: usize = sub.iter().map(|d| d.len()).sum();
                let mut c = EntityCounts::default();
                let cpu0 = cpu_ns();
                for d in &sub {
                    std::hint::black_box(red.redact(d, &mut c));
                }
                let s = (cpu_ns() - cpu0) as f64 / 1e9;
                let cpu0 = cpu_ns();
                for d in &sub {
                    std::hint::black_box(red.redact_json(d, &mut c));
                }
                let sj = (cpu_ns() - cpu0) as f64 / 1e9;
                println!(
                    "  {name}: redact {:.0} MB/s, redact_json {:.0} MB/s on-CPU",
                    n as f64 / 1e6 / s,
                    n as f64 / 1e6 / sj
                );
            }
        }
    }

    /// This thread's on-CPU time in ns (Linux), so that a busy machine does not
    /// distort the figure; falls back to wall time elsewhere.
    fn cpu_ns() -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| {
                static T0: OnceLock<std::time::Instant> = OnceLock::new();
                T0.get_or_init(std::time::Instant::now).elapsed().as_nanos() as u64
            })
    }

    /// Deterministic mixed corpus: prose, JSON lines of agent traffic, code and
    /// logs, round-robin, with sparse PII.
    fn bench_corpus(bytes: usize, pii_every: usize) -> Vec<String> {
        let seed = std::cell::Cell::new(0x2545F4914F6CDD1Du64);
        let rnd = |n: usize| {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            (x % n as u64) as usize
        };
        const WORDS: &[&str] = &[
            "the",
            "model",
            "returns",
            "a",
            "summary",
            "of",
            "document",
            "and",
            "then",
            "we",
            "use",
            "function",
            "to",
            "parse",
            "results",
            "into",
            "table",
            "with",
            "columns",
            "for",
            "each",
            "request",
            "response",
            "agent",
            "tool",
            "call",
            "error",
            "retry",
            "after",
            "seconds",
            "configuration",
            "deployment",
            "version",
            "update",
            "database",
            "query",
            "index",
            "cache",
            "Please",
            "Could",
            "you",
            "check",
            "why",
            "test",
            "fails",
            "on",
            "CI",
            "build",
            "step",
        ];
        const PII: &[&str] = &[
            "alice.smith@example.com",
            "+1 (415) 555-0132",
            "4111 1111 1111 1111",
            "192.168.10.23",
            "DE89 3704 0044 0532 0130 00",
            "123-45-6789",
            "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t",
            "Bearer abc123DEF456ghi789",
            "2001:db8::1",
            "password=hunter2x",
        ];
        let mut docs = Vec::new();
        let mut total = 0;
        let mut i = 0usize;
        while total < bytes {
            let mut d = String::new();
            let target = 800 + rnd(3000);
            match i % 4 {
                0 => {
                    while d.len() < target {
                        let n = 5 + rnd(15);
                        for j in 0..n {
                            if j > 0 {
                                d.push(' ');
                            }
                            d.push_str(WORDS[rnd(WORDS.len())]);
                        }
                        d.push_str(if rnd(5) == 0 {
                            ", 42 items in 3.5s.\n"
                        } else {
                            ". "
                        });
                    }
                }
                1 => {
                    d.push_str(r#"{"id":"chatcmpl-8f3a9c2e-4b1d-4e6f-9a7b-1c2d3e4f5a6b","created":1732098765432,"model":"gpt-4o-mini","messages":[{"role":"user","content":""#);
                    while d.len() < target {
                        d.push_str(WORDS[rnd(WORDS.len())]);
                        d.push_str(if rnd(8) == 0 { "\\n" } else { " " });
                    }
                    d.push_str(r#""}],"usage":{"prompt_tokens":812,"completion_tokens":96,"total_tokens":908},"latency_ms":1234.5,"ts":"2026-11-20T10:00:00Z"}"#);
                }
                2 => {
                    // Code with dotted paths and snake_case names (a worst case for
                    // the DFA: every `.`/`_` piece is a new word boundary).
                    let w = || WORDS[rnd(WORDS.len())].to_lowercase();
                    while d.len() < target {
                        let line = match rnd(6) {
                            0 => format!("    let {}_{} = self.{}.{}_{}({}, {});\n", w(), w(), w(), w(), w(), rnd(100), w()),
                            1 => format!("    if {}.{}.len() > {} {{ return Err(Error::{}(\"{}\".into())); }}\n", w(), w(), rnd(4096), w(), w()),
                            2 => format!("    // see {}/{}.rs:{}:{} and {}::{}::{}\n", w(), w(), rnd(999), rnd(99), w(), w(), w()),
                            3 => format!("from {}.{} import {}_{}  # v{}.{}.{}\n", w(), w(), w(), w(), rnd(9), rnd(20), rnd(30)),
                            4 => format!("    config.{}.{}_{} = {}.{}\n", w(), w(), w(), rnd(100), rnd(1000)),
                            _ => format!("fn {}_{}(&mut self, {}: &[u8]) -> Result<Vec<u32>> {{\n", w(), w(), w()),
                        };
                        d.push_str(&line);
                    }
                }
                _ => {
                    while d.len() < target {
                        d.push_str(&format!(
                            "2026-11-20T10:{:02}:{:02}.{:03}Z INFO worker-{} request_id=3f786850e387550f latency={}ms status=200 path=/api/v1/items/{}\n",
                            rnd(60), rnd(60), rnd(1000), rnd(16), rnd(900), rnd(100000)
                        ));
                    }
                }
            }
            // Sparse PII: about one entity per `pii_every` bytes.
            if rnd(pii_every) < d.len() {
                let at = d.len() / 2;
                let at = (0..=at)
                    .rev()
                    .find(|&k| d.is_char_boundary(k) && d.as_bytes().get(k) == Some(&b' '))
                    .unwrap_or(0);
                d.insert_str(at, &format!(" {} ", PII[rnd(PII.len())]));
            }
            total += d.len();
            docs.push(d);
            i += 1;
        }
        docs
    }
}

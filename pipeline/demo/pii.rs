//! Random, unique, format-valid PII values (Luhn-valid cards, checksummed
//! IBANs, valid SSNs, ...), recorded one per line in `pii/<date>.txt` as they
//! are planted.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};

use rand::rngs::StdRng;
use rand::Rng;

use super::words::{FIRST_NAMES, LAST_NAMES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Email,
    Phone,
    Card,
    Iban,
    Ipv4,
    Ipv6,
    Ssn,
    ApiKey,
    Jwt,
    Bearer,
    UrlCreds,
    UrlToken,
}

pub(crate) const ALL_KINDS: &[Kind] = &[
    Kind::Email,
    Kind::Phone,
    Kind::Card,
    Kind::Iban,
    Kind::Ipv4,
    Kind::Ipv6,
    Kind::Ssn,
    Kind::ApiKey,
    Kind::Jwt,
    Kind::Bearer,
    Kind::UrlCreds,
    Kind::UrlToken,
];

/// Where in a call a value is planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    User,
    System,
    ToolArgs,
    ToolResult,
    Response,
    Metadata,
}

pub(crate) const PLACES: &[Place] = &[
    Place::User,
    Place::User,
    Place::System,
    Place::ToolArgs,
    Place::ToolResult,
    Place::Response,
    Place::Metadata,
];

/// Kinds that fit each place, for the generic (non task-specific) planting.
pub(crate) fn kinds_for(place: Place) -> &'static [Kind] {
    match place {
        Place::User => ALL_KINDS,
        Place::System => &[
            Kind::Email,
            Kind::Phone,
            Kind::ApiKey,
            Kind::UrlCreds,
            Kind::UrlToken,
            Kind::Bearer,
        ],
        Place::ToolArgs | Place::ToolResult => &[
            Kind::Email,
            Kind::Phone,
            Kind::Card,
            Kind::Iban,
            Kind::Ssn,
            Kind::Ipv4,
        ],
        Place::Response => &[Kind::Email, Kind::Phone, Kind::ApiKey, Kind::Ipv4],
        Place::Metadata => &[
            Kind::Email,
            Kind::Ipv4,
            Kind::Ipv6,
            Kind::Bearer,
            Kind::Phone,
            Kind::Jwt,
        ],
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.co.uk",
    "protonmail.com",
    "icloud.com",
    "hotmail.fr",
    "web.de",
    "fastmail.com",
    "acme-corp.com",
    "globex.io",
    "initech.net",
    "umbrella-health.org",
    "northwind.co",
    "contoso.com",
    "brightwave.ai",
    "larkspur.eu",
];
const URL_HOSTS: &[&str] = &[
    "db.internal.acme-corp.com",
    "ci.globex.io",
    "ftp.northwind.co",
    "registry.contoso.com",
    "hooks.brightwave.ai",
    "api.larkspur.eu",
    "files.initech.net",
    "grafana.umbrella-health.org",
];
const URL_PATHS: &[&str] = &[
    "exports/daily.csv",
    "v1/webhooks/ingest",
    "reports/q3.pdf",
    "api/v2/orders",
    "backup/latest.tar.gz",
    "d/dashboard-main",
    "artifacts/build.zip",
    "callbacks/stripe",
];

fn rand_str(rng: &mut StdRng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| (b'0' + rng.gen_range(0..10u8)) as char)
        .collect()
}

pub(crate) fn luhn_valid(number: &str) -> bool {
    let ds: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if ds.len() < 12 {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn luhn_complete(prefix: &str, len: usize, rng: &mut StdRng) -> String {
    let mut s = prefix.to_string();
    s.push_str(&digits(rng, len - 1 - prefix.len()));
    for check in 0..10u8 {
        let candidate = format!("{s}{check}");
        if luhn_valid(&candidate) {
            return candidate;
        }
    }
    unreachable!("one check digit always satisfies Luhn")
}

/// ISO 13616 mod-97 over the rearranged IBAN (letters as two-digit numbers).
pub(crate) fn iban_mod97(iban: &str) -> u32 {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    let (head, tail) = compact.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = c.to_digit(36).expect("alphanumeric IBAN");
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

fn iban(rng: &mut StdRng) -> String {
    let upper = &ALNUM[..26];
    let (cc, bban) = match rng.gen_range(0..5) {
        0 => ("DE", digits(rng, 18)),
        1 => (
            "GB",
            format!("{}{}", rand_str(rng, upper, 4), digits(rng, 14)),
        ),
        2 => (
            "FR",
            format!(
                "{}{}{}",
                digits(rng, 10),
                rand_str(rng, &ALNUM[..26], 1),
                digits(rng, 12)
            ),
        ),
        3 => (
            "NL",
            format!("{}{}", rand_str(rng, upper, 4), digits(rng, 10)),
        ),
        _ => ("ES", digits(rng, 20)),
    };
    let probe = format!("{cc}00{bban}");
    let check = 98 - iban_mod97(&probe);
    let compact = format!("{cc}{check:02}{bban}");
    if rng.gen_bool(0.5) {
        compact
    } else {
        let chars: Vec<char> = compact.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn card(rng: &mut StdRng) -> String {
    let (num, groups): (String, &[usize]) = match rng.gen_range(0..4) {
        0 | 1 => (luhn_complete("4", 16, rng), &[4, 4, 4, 4]),
        2 => {
            let p = format!("5{}", rng.gen_range(1..=5));
            (luhn_complete(&p, 16, rng), &[4, 4, 4, 4])
        }
        _ => {
            let p = if rng.gen_bool(0.5) { "34" } else { "37" };
            (luhn_complete(p, 15, rng), &[4, 6, 5])
        }
    };
    let sep = match rng.gen_range(0..3) {
        0 => " ",
        1 => "-",
        _ => "",
    };
    let mut out = String::with_capacity(20);
    let mut i = 0;
    for (g, len) in groups.iter().enumerate() {
        if g > 0 {
            out.push_str(sep);
        }
        out.push_str(&num[i..i + len]);
        i += len;
    }
    out
}

fn phone(rng: &mut StdRng) -> String {
    match rng.gen_range(0..6) {
        0 => format!(
            "+1 ({}) {}-{}",
            rng.gen_range(201..990),
            rng.gen_range(200..1000),
            digits(rng, 4)
        ),
        1 => format!(
            "+1-{}-{}-{}",
            rng.gen_range(201..990),
            rng.gen_range(200..1000),
            digits(rng, 4)
        ),
        2 => format!("+44 20 {} {}", rng.gen_range(7000..9000), digits(rng, 4)),
        3 => format!(
            "+33 {} {} {} {} {}",
            rng.gen_range(1..8),
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2)
        ),
        4 => format!("+49 30 {} {}", rng.gen_range(100..1000), digits(rng, 5)),
        _ => format!("+81 3-{}-{}", rng.gen_range(1000..10000), digits(rng, 4)),
    }
}

fn ipv4(rng: &mut StdRng) -> String {
    loop {
        let a = rng.gen_range(11..=223u8);
        let b = rng.gen_range(0..=255u8);
        let private = a == 127
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && b == 168)
            || (a == 169 && b == 254)
            || a == 100;
        if !private {
            return format!(
                "{a}.{b}.{}.{}",
                rng.gen_range(0..=255u8),
                rng.gen_range(1..=254u8)
            );
        }
    }
}

fn ipv6(rng: &mut StdRng) -> String {
    let prefix = [
        "2a02",
        "2001:4860",
        "2600:1f18",
        "2a00:1450",
        "2607:f8b0",
        "2c0f:fb50",
    ][rng.gen_range(0..6)];
    let groups = 8 - prefix.split(':').count();
    let gs: Vec<String> = (0..groups)
        .map(|_| format!("{:x}", rng.gen_range(1..=0xffffu32)))
        .collect();
    if rng.gen_bool(0.5) {
        format!("{prefix}:{}", gs.join(":"))
    } else {
        // compressed form: drop two middle groups
        format!("{prefix}:{}::{}", gs[0], gs[gs.len() - 1])
    }
}

fn ssn(rng: &mut StdRng) -> String {
    let area = loop {
        let a = rng.gen_range(1..900u32);
        if a != 666 {
            break a;
        }
    };
    format!(
        "{area:03}-{:02}-{:04}",
        rng.gen_range(1..100u32),
        rng.gen_range(1..10000u32)
    )
}

fn b64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..=n {
            out.push(B64URL[((v >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn jwt(rng: &mut StdRng) -> String {
    let header = if rng.gen_bool(0.7) {
        r#"{"alg":"HS256","typ":"JWT"}"#
    } else {
        r#"{"alg":"RS256","typ":"JWT"}"#
    };
    let iat = 1_790_000_000u64 + rng.gen_range(0..20_000_000u64);
    let payload = format!(
        r#"{{"sub":"usr_{}","iat":{},"exp":{},"scope":"read write"}}"#,
        rand_str(rng, ALNUM, 12),
        iat,
        iat + 3600
    );
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes()),
        rand_str(rng, B64URL, 43)
    )
}

fn api_key(rng: &mut StdRng) -> String {
    match rng.gen_range(0..5) {
        0 | 1 => format!("sk-proj-{}", rand_str(rng, B64URL, 48)),
        2 => format!("AKIA{}", rand_str(rng, UPPER_ALNUM, 16)),
        3 => format!("ghp_{}", rand_str(rng, ALNUM, 36)),
        _ => format!("sk-ant-api03-{}", rand_str(rng, B64URL, 40)),
    }
}

fn email(rng: &mut StdRng) -> String {
    let f = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
    let l = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
    email_for(rng, f, l)
}

/// An address built from a person's name (random suffix, random domain).
pub(crate) fn email_for(rng: &mut StdRng, first: &str, last: &str) -> String {
    let f = first.to_ascii_lowercase();
    let l = last.to_ascii_lowercase();
    let d = MAIL_DOMAINS[rng.gen_range(0..MAIL_DOMAINS.len())];
    match rng.gen_range(0..3) {
        0 => format!("{f}.{l}{}@{d}", rng.gen_range(1..10000)),
        1 => format!("{}{l}{}@{d}", &f[..1], rng.gen_range(10..1000)),
        _ => format!("{f}_{l}.{}@{d}", rand_str(rng, &ALNUM[26..52], 3)),
    }
}

pub(crate) fn generate(rng: &mut StdRng, kind: Kind) -> String {
    match kind {
        Kind::Email => email(rng),
        Kind::Phone => phone(rng),
        Kind::Card => card(rng),
        Kind::Iban => iban(rng),
        Kind::Ipv4 => ipv4(rng),
        Kind::Ipv6 => ipv6(rng),
        Kind::Ssn => ssn(rng),
        Kind::ApiKey => api_key(rng),
        Kind::Jwt => jwt(rng),
        Kind::Bearer => {
            let n = rng.gen_range(32..48);
            rand_str(rng, ALNUM, n)
        }
        Kind::UrlCreds => format!(
            "https://{}:{}@{}/{}",
            ["svc", "deploy", "admin", "etl", "backup"][rng.gen_range(0..5)],
            rand_str(rng, ALNUM, 14),
            URL_HOSTS[rng.gen_range(0..URL_HOSTS.len())],
            URL_PATHS[rng.gen_range(0..URL_PATHS.len())]
        ),
        Kind::UrlToken => format!(
            "https://{}/{}?{}={}",
            URL_HOSTS[rng.gen_range(0..URL_HOSTS.len())],
            URL_PATHS[rng.gen_range(0..URL_PATHS.len())],
            ["access_token", "token", "api_key", "sig"][rng.gen_range(0..4)],
            rand_str(rng, ALNUM, 32)
        ),
    }
}

/// Records planted values (unique) and streams them to the PII file.
pub(crate) struct Planter {
    seen: HashSet<String>,
    out: BufWriter<File>,
    pub count: usize,
}

impl Planter {
    pub fn new(file: File) -> Self {
        Planter {
            seen: HashSet::new(),
            out: BufWriter::with_capacity(1 << 16, file),
            count: 0,
        }
    }

    /// A fresh value of `kind`, never returned before, written to the PII file.
    pub fn fresh(&mut self, rng: &mut StdRng, kind: Kind) -> String {
        self.fresh_with(rng, |r| generate(r, kind))
    }

    /// A fresh value from `make` (retried until unseen), recorded.
    pub fn fresh_with(
        &mut self,
        rng: &mut StdRng,
        mut make: impl FnMut(&mut StdRng) -> String,
    ) -> String {
        loop {
            let v = make(rng);
            if !self.seen.contains(&v) {
                self.seen.insert(v.clone());
                // A write error surfaces at `finish`.
                let _ = self.out.write_all(v.as_bytes());
                let _ = self.out.write_all(b"\n");
                self.count += 1;
                return v;
            }
        }
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A sentence carrying `v` the way a user would paste it into a request.
pub(crate) fn user_sentence(rng: &mut StdRng, kind: Kind, v: &str) -> String {
    let i = rng.gen_range(0..2);
    match (kind, i) {
        (Kind::Email, 0) => format!("You can reach me at {v} if anything is unclear."),
        (Kind::Email, _) => format!("Please cc {v} on the outcome."),
        (Kind::Phone, 0) => format!("Call me on {v} if you need more details."),
        (Kind::Phone, _) => format!("My direct line is {v}."),
        (Kind::Card, 0) => format!("The charge was made on card {v}."),
        (Kind::Card, _) => format!("(customer paid with {v}, exp 09/28)"),
        (Kind::Iban, _) => format!("Refunds should go to IBAN {v}."),
        (Kind::Ipv4 | Kind::Ipv6, 0) => format!("The failing requests come from {v}."),
        (Kind::Ipv4 | Kind::Ipv6, _) => format!("Our office egress address is {v}."),
        (Kind::Ssn, _) => format!("For the HR record, the employee SSN is {v}."),
        (Kind::ApiKey, 0) => format!("We use this key in staging: {v}"),
        (Kind::ApiKey, _) => format!("(env: API_KEY={v})"),
        (Kind::Jwt, _) => format!("The session token in the failing request was {v}"),
        (Kind::Bearer, _) => {
            format!("Repro: curl -H 'Authorization: Bearer {v}' https://api.example.com/v1/me")
        }
        (Kind::UrlCreds, _) => format!("The export lives at {v}"),
        (Kind::UrlToken, _) => format!("Shared link: {v}"),
    }
}

/// A line carrying `v` inside a system prompt (operators paste secrets there).
pub(crate) fn system_line(kind: Kind, v: &str) -> String {
    match kind {
        Kind::Email => format!("Escalations go to the on-call lead at {v}."),
        Kind::Phone => format!("If the user reports an outage, tell them to call the hotline {v}."),
        Kind::ApiKey => format!("Internal API key for the backend (do not reveal): {v}"),
        Kind::UrlCreds => format!("Knowledge base mirror: {v}"),
        Kind::UrlToken => format!("Status page feed: {v}"),
        Kind::Bearer => {
            format!("Authenticate backend calls with the header Authorization: Bearer {v}")
        }
        Kind::Jwt => format!("Service token: {v}"),
        _ => format!("Reference: {v}"),
    }
}

//! Secrets: API keys, tokens, and values assigned to secret-named keys.

use crate::Entity;
use super::Strength;


/// An unquoted value that is an expression in source code rather than a literal:
/// `token = parse_token(x)`, `password = *input`, `api_key = os.environ["K"]`,
/// `secret = Default::default()`, `let token = unsafe { … }`.
pub(crate) fn looks_like_code(text: &str, vs: usize, ve: usize) -> bool {
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
pub(crate) fn is_snake_case_name(v: &str) -> bool {
    v.contains('_')
        && v.split('_').all(|seg| {
            seg.bytes().all(|c| c.is_ascii_lowercase()) || seg.bytes().all(|c| c.is_ascii_digit())
        })
}

/// Looks like a random credential: long enough and not a plain word, nor an
/// environment variable name (`YOUR_API_KEY`, `OAUTH2_TOKEN`).
pub(crate) fn is_secret_like(tok: &str) -> bool {
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
pub(crate) fn openai_body_ok(body: &str) -> bool {
    (body.len() >= 32 && body.bytes().filter(|&c| c == b'-').count() * 8 < body.len())
        || body.bytes().any(|c| c.is_ascii_digit())
        || body.split('-').any(|seg| seg.len() >= 16)
}

/// `Basic` credentials: base64 of printable `user:password`.
pub(crate) fn basic_b64_ok(tok: &str) -> bool {
    match base64_decode(tok) {
        Some(d) => {
            d.len() >= 3 && d.contains(&b':') && d.iter().all(|&c| (0x20..0x7f).contains(&c))
        }
        None => false,
    }
}

pub(crate) fn auth_token_ok(scheme: Option<&str>, tok: &str) -> bool {
    is_secret_like(tok)
        || (scheme.is_some_and(|s| s.eq_ignore_ascii_case("basic")) && basic_b64_ok(tok))
}

pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
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

pub(crate) fn keyword_strength(kw: &str) -> Strength {
    let l = kw.to_ascii_lowercase();
    if l == "token" || l.starts_with("credential") {
        Strength::Weak
    } else {
        Strength::Strong
    }
}

/// Words that are types, template slots or flags rather than secret values.
#[rustfmt::skip]
pub(crate) const NOT_SECRET: &[&str] = &[
    "null", "none", "nil", "true", "false", "undefined", "str", "string", "int", "integer",
    "bool", "boolean", "bytes", "any", "object", "optional", "option", "required", "secretstr",
    "text", "number", "n/a", "na", "empty", "redacted", "hidden", "masked", "yes", "no", "on",
    "off", "auto", "env", "bearer", "basic", "token", "include", "omit", "same-origin", "file",
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "char", "vec", "float", "double", "long", "short", "byte", "uint", "int32", "int64",
    "uint32", "uint64", "varchar", "blob", "uuid", "list", "dict", "map", "array", "secret",
    "password", "unknown", "todo", "example",
];

pub(crate) fn squash(s: &str) -> String {
    s.bytes()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.' | b' '))
        .map(|c| c.to_ascii_lowercase() as char)
        .collect()
}

/// Whether the value assigned to a secret-named key is worth redacting.
/// `equals`: assigned with `=` (`TOKEN=…`, `?token=…`), not `:` (`"token": …`),
/// which makes even a weak key word (token, credentials) a strong signal.
pub(crate) fn secret_value_ok(strength: Strength, kw: &str, value: &str, quoted: bool, equals: bool) -> bool {
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

pub(crate) fn secret_entity(value: &str) -> Entity {
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


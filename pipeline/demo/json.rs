//! A tiny JSON emitter writing straight into a byte buffer: the generator's hot
//! path, so no `serde_json::Value` trees and no per-field allocations.

use std::io::Write as _;

/// Appends `s` JSON-escaped (without the surrounding quotes).
pub(crate) fn esc(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&b[start..i]);
                let _ = write!(out, "\\u{:04x}", c);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

/// Appends `"s"` with escaping.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    esc(out, s);
    out.push(b'"');
}

/// Appends `"k":` (keys are static and never need escaping).
pub(crate) fn key(out: &mut Vec<u8>, k: &str) {
    out.push(b'"');
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends `"k":"v",` style pair without the comma.
pub(crate) fn kv(out: &mut Vec<u8>, k: &str, v: &str) {
    key(out, k);
    string(out, v);
}

pub(crate) fn kn(out: &mut Vec<u8>, k: &str, n: u64) {
    key(out, k);
    let _ = write!(out, "{n}");
}

/// A JSON string literal of `s`, as an owned `String` (used to build the
/// JSON-encoded tool-call arguments and response documents).
pub(crate) fn quote(s: &str) -> String {
    let mut v = Vec::with_capacity(s.len() + 2);
    string(&mut v, s);
    // esc only ever writes ASCII escapes around valid UTF-8 input.
    String::from_utf8(v).expect("escaped JSON is UTF-8")
}

/// A JSON array of string literals: `["a","b"]`.
pub(crate) fn str_array<S: AsRef<str>>(items: &[S]) -> String {
    let mut v = Vec::with_capacity(16 * items.len() + 2);
    v.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            v.push(b',');
        }
        string(&mut v, s.as_ref());
    }
    v.push(b']');
    String::from_utf8(v).expect("escaped JSON is UTF-8")
}

/// Builds a flat JSON object from `(key, raw JSON value)` pairs.
pub(crate) fn object(fields: &[(&str, String)]) -> String {
    let mut v = Vec::with_capacity(64 * fields.len());
    v.push(b'{');
    for (i, (k, raw)) in fields.iter().enumerate() {
        if i > 0 {
            v.extend_from_slice(b", ");
        }
        key(&mut v, k);
        v.push(b' ');
        v.extend_from_slice(raw.as_bytes());
    }
    v.push(b'}');
    String::from_utf8(v).expect("JSON is UTF-8")
}

//! A tiny JSON emitter writing straight into a byte buffer: the generator's hot
//! path, so no `serde_json::Value` trees and no per-field allocations.

use std::io::Write as _;

/// A mask whose lowest set bit (if any) marks the first of the 8 bytes of `x`
/// (little-endian order) that is a control character, `"` or `\\`.
/// SWAR "has zero byte" tricks: bits above the first match may be spurious,
/// the lowest one never is.
#[inline]
fn escape_mask(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    below_space | has_zero(x ^ (ONES * b'"' as u64)) | has_zero(x ^ (ONES * b'\\' as u64))
}

/// Appends `s` JSON-escaped (without the surrounding quotes). The generator's
/// hottest function: it jumps from one byte needing an escape to the next
/// eight bytes at a time.
pub(crate) fn esc(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 8);
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if i + 8 <= b.len() {
            let m = escape_mask(u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes")));
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        let c = b[i];
        let rep: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&b[start..i]);
                let _ = write!(out, "\\u{:04x}", c);
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(rep);
        i += 1;
        start = i;
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

#[cfg(test)]
mod tests {
    #[test]
    fn esc_matches_serde_json() {
        let samples = [
            "plain ascii text that is long enough for several blocks",
            "quote \" and backslash \\ and\nnewline\ttab\r\u{1} \u{1f} end",
            "Crème brûlée — naïve 日本語 \"x\"",
            "",
            "\"",
            "1234567\"",
            "12345678\\9",
            "abcdefgh\"\"\\\\ijklmnop\nq\u{7}rstuvwxyz0123456789\"",
        ];
        for s in samples {
            let mut ours = Vec::new();
            super::string(&mut ours, s);
            assert_eq!(
                String::from_utf8(ours).expect("utf8"),
                serde_json::to_string(s).expect("json"),
                "{s:?}"
            );
        }
    }
}

//! IPv6 addresses (parsed) and their look-alikes in code.

use std::net::Ipv6Addr;
use std::str::FromStr;

use crate::text::{is_word, prev_is_word};

pub(crate) fn ipv6_end(text: &str, s: usize, e: usize) -> Option<usize> {
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

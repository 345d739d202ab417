//! Byte-level helpers shared by the detectors: char boundaries, word bytes,
//! JSON escapes, and "not glued to a longer number".

use crate::scanner::Hit;

// Validation helpers
// ---------------------------------------------------------------------------

/// In degraded mode: the search window, how far consecutive windows overlap,
/// and the longest candidate considered.
pub(crate) const DEGRADED_WINDOW: usize = 2048;
pub(crate) const DEGRADED_OVERLAP: usize = 512;
pub(crate) const DEGRADED_CAP: usize = 1024;
pub(crate) const DEGRADED_SKIP: usize = 128;

pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(crate) fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Number of backslashes ending right before `pos`.
pub(crate) fn backslashes_before(b: &[u8], pos: usize) -> usize {
    b[pos.saturating_sub(1024)..pos]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count()
}

/// If `pos` starts a JSON escape that the combined regex consumed as a prefix,
/// its length (2 or 6), else 0.
pub(crate) fn escape_len(b: &[u8], pos: usize) -> usize {
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
pub(crate) fn inside_escape(b: &[u8], pos: usize) -> bool {
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
pub(crate) fn after_escape(b: &[u8], pos: usize) -> bool {
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

pub(crate) fn prev_is_word(b: &[u8], pos: usize) -> bool {
    pos > 0 && is_word(b[pos - 1]) && !after_escape(b, pos)
}

/// Final fix-ups shared by all hits: never start inside a JSON escape, never end
/// on a backslash (that would glue the pseudonym to the next character).
pub(crate) fn finish_hit(text: &str, mut h: Hit) -> Option<Hit> {
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
pub(crate) fn skip_token(text: &str, s: usize) -> usize {
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
pub(crate) fn standalone_number(text: &str, s: usize, e: usize) -> bool {
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

pub(crate) fn count(b: &[u8], c: u8) -> usize {
    b.iter().filter(|&&x| x == c).count()
}

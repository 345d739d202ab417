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

/// Matches `pat` (lower case) at `i`: ASCII case-insensitively, other bytes
/// exactly. A space in `pat` stands for one of ` `, `_`, `-` or nothing, so one
/// entry covers prose ("date of birth"), keys ("date_of_birth") and camelCase.
pub(crate) fn match_flex(s: &[u8], i: usize, pat: &[u8]) -> Option<usize> {
    let mut j = i;
    for &p in pat {
        if p == b' ' {
            if matches!(s.get(j), Some(b' ' | b'_' | b'-')) {
                j += 1;
            }
        } else if j < s.len() && s[j].to_ascii_lowercase() == p {
            j += 1;
        } else {
            return None;
        }
    }
    Some(j)
}

/// `pat` at `k` as a whole word (or phrase).
pub(crate) fn word_at(s: &[u8], k: usize, pat: &str) -> Option<usize> {
    match_flex(s, k, pat.as_bytes()).filter(|&e| !word_char_at(s, e))
}

/// Whether `w` is one of the `|`-separated words of `list`.
pub(crate) fn in_list(w: &[u8], list: &str) -> bool {
    list.as_bytes()
        .split(|&b| b == b'|')
        .any(|p| p.eq_ignore_ascii_case(w))
}

/// Start of the line holding `k` (a JSON escape `\n` ends a line too), when
/// at most MAX_LINE bytes back.
pub(crate) fn line_start(s: &[u8], k: usize) -> Option<usize> {
    let brk = |j: usize| j == 0 || s[j - 1] == b'\n' || j > 1 && s[j - 2..j] == *b"\\n";
    (k.saturating_sub(MAX_LINE)..=k).rev().find(|&j| brk(j))
}

/// End of the line holding `k` (before `\r\n`, `\n` or a `\n` escape), when at
/// most MAX_LINE bytes on.
pub(crate) fn line_end(s: &[u8], k: usize) -> Option<usize> {
    let brk = |j: usize| j == s.len() || b"\r\n".contains(&s[j]) || s[j..].starts_with(b"\\n");
    (k..=(k + MAX_LINE).min(s.len())).find(|&j| brk(j))
}

/// The cell of a `|`, `,` or tab separated line that holds `start..end` and
/// nothing else: separator, column, separators per line, and the line's end.
/// Every cell of a header is a short label, so `int\torder\t: sort` is none.
pub(crate) fn header_cell(s: &[u8], start: usize, end: usize) -> Option<(u8, usize, usize, usize)> {
    // First the cheap test: only blanks between the cell and a separator or line break.
    let blank = |b: &u8| b" *\"".contains(b);
    let right = s[end..].iter().find(|b| !blank(b));
    let left = s[..start].iter().rposition(|b| !blank(b));
    let edge = |p: usize| b"|,\t\n".contains(&s[p]) || s[p] == b'n' && p > 0 && s[p - 1] == b'\\';
    if !right.is_none_or(|b| b"|,\t\r\n\\".contains(b)) || !left.is_none_or(edge) {
        return None;
    }
    let (ls, le) = (line_start(s, start)?, line_end(s, end)?);
    let (before, after) = (&s[ls..start], &s[end..le]);
    let label = |b: &u8| b.is_ascii_alphanumeric() || *b >= 0x80 || b" _-./#()*'\"\r".contains(b);
    let blanks = |r: &[u8]| r.iter().all(blank);
    // A markdown table row starts with `|`; "A|B|C" is a regular expression.
    let piped = before.iter().find(|&&b| b != b' ') == Some(&b'|');
    b"|,\t".iter().find_map(|&sep| {
        let lo = before.iter().rposition(|&b| b == sep).map_or(0, |p| p + 1);
        let hi = after.iter().position(|&b| b == sep).unwrap_or(after.len());
        let col = before.iter().filter(|&&b| b == sep).count();
        let seps = col + after.iter().filter(|&&b| b == sep).count();
        let labels = before.iter().chain(after).all(|b| *b == sep || label(b));
        let alone = blanks(&before[lo..]) && blanks(&after[..hi]);
        // A header names two columns or more ("CASE," in a list of keywords is none).
        let other = before[..lo]
            .iter()
            .chain(&after[hi..])
            .any(|b| *b != sep && !blank(b));
        (seps > 0 && (sep != b'|' || piped) && labels && alone && other)
            .then_some((sep, col, seps, le))
    })
}

/// Longest line read as a table header or row: bounds the work on text
/// without line breaks, such as minified JSON.
pub(crate) const MAX_LINE: usize = 1024;

/// Second bytes of U+00A0-U+00BF chars that separate words: no-break space,
/// guillemets, degree, ordinal signs, middle dot.
const C2_MARKS: &[u8] = b"\xa0\xab\xbb\xb0\xba\xaa\xb7";

/// Whether the char at `k` belongs to a word. No-break space, guillemets,
/// degree and ordinal signs and everything in U+2000-U+2BFF (curly quotes,
/// dashes, bullets) separate words like ASCII punctuation.
pub(crate) fn word_char_at(s: &[u8], k: usize) -> bool {
    match s.get(k) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(&0xc2) => !s.get(k + 1).is_some_and(|c| C2_MARKS.contains(c)),
        Some(&0xe2) => false,
        Some(_) => true,
    }
}

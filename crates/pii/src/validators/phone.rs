//! Phone numbers: digit counts, separators and grouping per numbering plan.

use crate::patterns::Kind;
use crate::text::{prev_is_word, standalone_number};
use crate::text::count;

pub(crate) fn phone_end(kind: Kind, text: &str, s: usize, e: usize) -> Option<usize> {
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
            // `0316 95170 243` (AT): a third group follows; the national-format
            // scanner takes the number whole.
            Kind::PhoneDe | Kind::PhoneUk
                if b.get(end) == Some(&b' ') && b.get(end + 1..end + 3).is_some_and(|g| g.iter().all(u8::is_ascii_digit)) =>
            {
                return None
            }
            _ => {}
        }
        // `+1-503-989-0163x50929`: a glued extension is part of the number
        // (the caller appends it), so the word check looks past it.
        if !standalone_number(text, s, crate::phones::extension_end(text, end)) {
            return None;
        }
        return Some(end);
    }
}

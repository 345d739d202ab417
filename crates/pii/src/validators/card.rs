//! Payment cards: Luhn, and the networks' issuer prefixes and lengths.

use crate::text::standalone_number;

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
pub(crate) fn iin_plausible(d: &[u8]) -> bool {
    let n = d.len();
    let num = |k: usize| d[..k].iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32);
    match d[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'5' if (51..=55).contains(&num(2)) => n == 16,
        // Maestro (50, 56-69) runs 12-19 digits; Discover and UnionPay 16-19.
        b'5' | b'6' => (12..=19).contains(&n),
        // Mastercard 2221-2720, Mir 2200-2204; JCB's 15-digit 2131.
        b'2' => match num(4) {
            2221..=2720 => n == 16,
            2200..=2204 => (16..=19).contains(&n),
            2131 => n == 15,
            _ => false,
        },
        b'1' => num(4) == 1800 && n == 15,
        b'3' => match num(2) {
            34 | 37 => n == 15,
            35 => (16..=19).contains(&n),
            30 | 36 | 38 | 39 => (14..=19).contains(&n),
            _ => false,
        },
        _ => false,
    }
}

pub(crate) fn card_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let contiguous = b[s..e].iter().all(u8::is_ascii_digit);
    if contiguous && e - s < 13 {
        return None;
    }
    let mut end = e;
    loop {
        let digits: Vec<u8> = b[s..end].iter().copied().filter(u8::is_ascii_digit).collect();
        let nd = digits.len();
        if nd < 12 {
            return None;
        }
        // Ungrouped runs, and groupings other than the classic 4-4-4-4, must
        // also start like a card of their length (else: ids, timestamps).
        let classic = nd == 16 && end - s == 19;
        if nd <= 19
            && luhn_valid(&text[s..end])
            && (classic || iin_plausible(&digits))
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

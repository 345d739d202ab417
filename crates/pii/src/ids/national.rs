//! National identifiers by shape and check digits (TC Kimlik, codice
//! fiscale, NINO, DNI/NIE, Chinese resident ID, CPF, Aadhaar, NIR, BSN, My
//! Number, PESEL, NHS, AHV, Thai ID, Korean RRN, HETU), with or without a
//! context word; where a bare number's check is weak, a context word on its
//! line is needed as well.

use super::*;

/// Context words that a bare number needs before it where its check alone is
/// weak (1 in 10 or 11 passes), lower case.
pub(super) const BSN: &str = "bsn|burgerservicenummer|sofinummer|sofi";
pub(super) const AADHAAR: &str = "aadhaar|aadhar|uidai|आधार";
pub(super) const NIR: &str = "nir|sécurité sociale|securite sociale|sécu|secu|insee|carte vitale";
pub(super) const MY_NUMBER: &str = "my number|my_number|mynumber|マイナンバー|個人番号";
pub(super) const PESEL: &str = "pesel";
pub(super) const CPF: &str = "cpf|cadastro de pessoas|cadastro de pessoa";
pub(super) const NHS: &str = "nhs|nhsno|nhsnumber";

/// How far back on its line a context word may be: "Burgerservicenummer (BSN): ".
pub(super) const LOOK_BACK: usize = 48;

/// A national identifier at `vs`, the start of a word of letters and digits
/// that ends at `we`: its end. Whether the word starts with a digit, its length
/// and the byte after it screen out nearly all words in a few instructions.
#[inline]
pub(super) fn national_at(s: &[u8], vs: usize, we: usize) -> Option<usize> {
    let next = s.get(we).copied().unwrap_or(0);
    let worth = match (s[vs].is_ascii_digit(), we - vs) {
        (true, 1) => matches!(next, b' ' | b'-'),
        (true, 13) => next == b' ',
        (true, 6) => matches!(next, b'-' | b'+'),
        (true, 2) => next == b'.',
        (true, 3) => matches!(next, b'.' | b' ' | b'-'),
        (true, 4 | 8) | (false, 1) => matches!(next, b' ' | b'-'),
        (false, 2) => next == b' ',
        (false, 8) => next == b'-',
        (true, 9..=12 | 15 | 18) | (false, 9 | 16) => true,
        _ => false,
    };
    worth.then(|| national_shape(s, vs, we, next)).flatten()
}

/// The shapes of `national_at` (see there), parsed and checked; checks run
/// before any search for a context word. Out of line, not to slow the scan.
#[inline(never)]
pub(super) fn national_shape(s: &[u8], vs: usize, we: usize, next: u8) -> Option<usize> {
    let at = |pat: &[u8]| shape_at(s, vs, pat);
    // Runs a check on the letters and digits of `vs..e` (at most 18).
    let ok = |e: usize, f: fn(&[u8]) -> bool| {
        let (mut buf, mut len) = ([0; 24], 0);
        for &b in &s[vs..e] {
            buf[len] = b;
            len += usize::from(ALNUM[b as usize]);
        }
        f(&buf[..len])
    };
    let ctx = |words: &str| context_before(s, vs, words);
    let bare = |f: fn(&[u8]) -> bool| s[vs..we].iter().all(u8::is_ascii_digit) && f(&s[vs..we]);
    let e = match (s[vs].is_ascii_digit(), we - vs, next) {
        // NIR as the carte Vitale prints it: the spacing is evidence enough.
        (true, 1, b' ') => at(b"9 99 99 ** 999 999 99").filter(|&e| ok(e, nir)),
        (true, 2, b'.') => at(b"99.999.999-A").filter(|&e| ok(e, dni)),
        (true, 3, b'.') => at(b"999.999.999-99")
            .filter(|&e| ok(e, cpf))
            .or_else(|| at(b"756.9999.9999.99").filter(|&e| ok(e, ean13))),
        // Thai national ID as the card prints it.
        (true, 1, b'-') => at(b"9-9999-99999-99-9").filter(|&e| ok(e, thai_id)),
        // Korean resident registration number; Finnish personal identity code
        // of the 1900s (`-`) and 1800s (`+`).
        (true, 6, _) => at(b"999999-9999999")
            .filter(|&e| ok(e, korean_rrn))
            .or_else(|| at(b"999999-999*").or_else(|| at(b"999999+999*")).filter(|&e| hetu(&s[vs..e]))),
        (true, 3, b' ' | b'-') => at(b"999~999~9999").filter(|&e| ok(e, nhs) && ctx(NHS)),
        // Aadhaar printed 4-4-4 with spaces needs no context, unless all three
        // groups read as years ("2019 2020 2021").
        (true, 4, b' ' | b'-') => at(b"9999~9999~9999").filter(|&e| {
            let years = (0..3).all(|g| matches!(&s[vs + 5 * g..vs + 5 * g + 2], b"19" | b"20"));
            ok(e, aadhaar) && (next == b' ' && !years || ctx(AADHAAR))
                || ok(e, my_number) && ctx(MY_NUMBER)
        }),
        (true, 8, b' ' | b'-') => at(b"99999999~A").filter(|&e| ok(e, dni)),
        (true, 9, _) if s[we - 1].is_ascii_uppercase() => at(b"99999999A").filter(|&e| ok(e, dni)),
        (true, 9, _) => (bare(bsn) && ctx(BSN)).then_some(we),
        (true, 10, _) => (bare(nhs) && ctx(NHS)).then_some(we),
        (true, 11, _) => {
            (bare(tc_kimlik) || bare(pesel) && ctx(PESEL) || bare(cpf) && ctx(CPF) || hetu(&s[vs..we])).then_some(we)
        }
        (true, 12, _) => {
            (bare(aadhaar) && ctx(AADHAAR) || bare(my_number) && ctx(MY_NUMBER)).then_some(we)
        }
        (true, 13, b' ') => at(b"9999999999999 99").filter(|&e| ok(e, nir) && ctx(NIR)),
        (true, 15, _) => at(b"99999**99999999").filter(|&e| ok(e, nir) && ctx(NIR)),
        (true, 18, _) => at(b"99999999999999999X").filter(|&e| ok(e, china_id)),
        (false, 9, _) => at(b"AA999999A")
            .filter(|&e| ok(e, nino))
            .or_else(|| at(b"A9999999A").filter(|&e| ok(e, nie))),
        (false, 2, b' ') => at(b"AA 99 99 99 A")
            .or_else(|| at(b"AA 999999 A"))
            .filter(|&e| ok(e, nino)),
        (false, 1, b' ' | b'-') => at(b"A~9999999~A").filter(|&e| ok(e, nie)),
        (false, 8, b'-') => at(b"A9999999-A").filter(|&e| ok(e, nie)),
        (false, 16, _) => codice_fiscale(&s[vs..we]).then_some(we),
        _ => None,
    }?;
    (free_before(s, vs) && free_after(s, e)).then_some(e)
}

/// Matches `pat` at `k`: `9` a digit, `A` a capital, `*` either, `X` a digit
/// or `X`/`x`, `~` a space or `-` (the same each time), any other byte itself.
pub(super) fn shape_at(s: &[u8], k: usize, pat: &[u8]) -> Option<usize> {
    let v = s.get(k..k + pat.len())?;
    let mut sep = 0;
    for (&c, &p) in v.iter().zip(pat) {
        let ok = match p {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'*' => c.is_ascii_digit() || c.is_ascii_uppercase(),
            b'X' => c.is_ascii_digit() || c | 0x20 == b'x',
            b'~' => matches!(c, b' ' | b'-') && (sep == 0 || c == sep),
            _ => c == p,
        };
        if !ok {
            return None;
        }
        if p == b'~' {
            sep = c;
        }
    }
    Some(k + pat.len())
}

/// Not inside a longer token: no decimal, sign, path, `_` name or group of
/// digits before ("3.14159265358", "+905321234567", "4111 1111 1111 1111").
pub(super) fn free_before(s: &[u8], vs: usize) -> bool {
    let at = |back: usize| vs.checked_sub(back).map_or(b' ', |k| s[k]);
    let (p, q) = (at(1), at(2));
    match p {
        // After a JSON escape such as `\n`.
        b'n' | b't' | b'r' => q == b'\\',
        b'_' | b'-' | b'+' | b'/' | b'\\' | b'@' | b'$' | b'%' | b'&' | b'~' | b'^' => false,
        b'.' | b',' | b' ' | b':' => !q.is_ascii_digit(),
        _ => !p.is_ascii_alphanumeric(),
    }
}

/// Nor followed by more of one: digits after a separator, `_`, `@`, `%`, a
/// word after `-`, or a currency ("12345678950 EUR").
pub(super) fn free_after(s: &[u8], e: usize) -> bool {
    let at = |k: usize| s.get(k).copied().unwrap_or(b' ');
    let ok = match at(e) {
        b'_' | b'@' | b'%' | b'+' => false,
        b'.' | b',' | b' ' | b':' | b'/' => !at(e + 1).is_ascii_digit(),
        b'-' => !at(e + 1).is_ascii_alphanumeric(),
        b => !b.is_ascii_alphanumeric(),
    };
    ok && !amount_after(&s[e..])
}

/// Whether one of the `|`-separated `words` stands as a whole word in the
/// LOOK_BACK bytes before `vs`, on the same line (a `\n` escape ends one
/// too), in any ASCII case.
pub(super) fn context_before(s: &[u8], vs: usize, words: &str) -> bool {
    let lo = vs
        .saturating_sub(LOOK_BACK)
        .max(line_start(s, vs).unwrap_or(0));
    // A word ends before a letter: "BSN-nummer", "nhs_number", not "secure".
    let word_at = |k: usize, w: &str| {
        let e = k + w.len();
        s.get(k..e)
            .is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
            && !s.get(e).is_some_and(u8::is_ascii_alphabetic)
    };
    (lo..vs)
        .filter(|&k| k == 0 || !ALNUM[s[k - 1] as usize] || s[..k].ends_with(b"\\n"))
        .any(|k| words.split('|').any(|w| word_at(k, w)))
}

/// The digit at `k`.
pub(super) fn dig(d: &[u8], k: usize) -> u32 {
    u32::from(d[k].wrapping_sub(b'0'))
}

/// The number that the digits of `d` write; a letter counts as 0.
pub(super) fn num(d: &[u8]) -> u64 {
    let digit = |b: u8| if b.is_ascii_digit() { b - b'0' } else { 0 };
    d.iter().fold(0, |a, &b| a * 10 + u64::from(digit(b)))
}

pub(super) fn valid_date(y: u64, m: u64, d: u64) -> bool {
    let feb = if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
        29
    } else {
        28
    };
    let days = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m) && (1..=days[m as usize - 1]).contains(&d)
}

/// Turkish T.C. Kimlik No: 11 digits, the first not 0; the 10th is 7 × (the
/// sum of places 1, 3, 5, 7, 9) − (that of 2, 4, 6, 8) mod 10, the 11th the
/// sum of the first ten mod 10.
pub(super) fn tc_kimlik(d: &[u8]) -> bool {
    let odd = dig(d, 0) + dig(d, 2) + dig(d, 4) + dig(d, 6) + dig(d, 8);
    let even = dig(d, 1) + dig(d, 3) + dig(d, 5) + dig(d, 7);
    d[0] != b'0'
        && (odd * 7 + 100 - even) % 10 == dig(d, 9)
        && (odd + even + dig(d, 9)) % 10 == dig(d, 10)
}

/// EAN-13 (the Swiss AHV number, 756…): weights 1 and 3 alternating, the
/// 13th digit brings the sum to a multiple of 10.
pub(super) fn ean13(d: &[u8]) -> bool {
    let sum: u32 = (0..12).map(|k| dig(d, k) * if k % 2 == 0 { 1 } else { 3 }).sum();
    d.len() == 13 && (10 - sum % 10) % 10 == dig(d, 12)
}

/// Thai national ID: 13 digits, weights 13..2, check (11 - sum mod 11) mod 10.
pub(super) fn thai_id(d: &[u8]) -> bool {
    let sum: u32 = (0..12).map(|k| (13 - k as u32) * dig(d, k)).sum();
    d.len() == 13 && d[0] != b'0' && (11 - sum % 11) % 10 == dig(d, 12)
}

/// Korean RRN: YYMMDD, a sex/century digit 1-8, weights 2..9,2..5, check
/// (11 - sum mod 11) mod 10.
pub(super) fn korean_rrn(d: &[u8]) -> bool {
    const W: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = (0..12).map(|k| W[k] * dig(d, k)).sum();
    let (month, day) = (dig(d, 2) * 10 + dig(d, 3), dig(d, 4) * 10 + dig(d, 5));
    d.len() == 13 && (1..=12).contains(&month) && (1..=31).contains(&day) && (1..=8).contains(&dig(d, 6))
        && (11 - sum % 11) % 10 == dig(d, 12)
}

/// Finnish henkilötunnus `DDMMYYCZZZQ`: a century sign (`+`, `-`, `A`-`F`,
/// `U`-`Y`), then the check character of DDMMYYZZZ mod 31.
pub(super) fn hetu(v: &[u8]) -> bool {
    const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    if v.len() != 11 || !v[..6].iter().chain(&v[7..10]).all(u8::is_ascii_digit) {
        return false;
    }
    let century = matches!(v[6], b'+' | b'-' | b'A'..=b'F' | b'U'..=b'Y');
    let (day, month) = (dig(v, 0) * 10 + dig(v, 1), dig(v, 2) * 10 + dig(v, 3));
    let n = v[..6].iter().chain(&v[7..10]).fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
    century && (1..=31).contains(&day) && (1..=12).contains(&month) && CHECK[(n % 31) as usize] == v[10]
}

/// Dutch BSN, the "elfproef": 9a + 8b + 7c + … + 2h − i is a multiple of 11.
pub(super) fn bsn(d: &[u8]) -> bool {
    let sum: u32 = (0..8).map(|k| (9 - k as u32) * dig(d, k)).sum();
    sum > 0 && (sum + 11 - dig(d, 8)) % 11 == 0
}

/// Aadhaar: 12 digits, the first 2-9, the last a Verhoeff check. Verhoeff
/// multiplies in the dihedral group D5 (0-4 rotations, 5-9 reflections) after
/// permuting the i-th digit from the right by P^(i mod 8).
pub(super) fn aadhaar(d: &[u8]) -> bool {
    const P: [u8; 10] = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
    let mul = |j: u8, k: u8| match (j < 5, k < 5) {
        (true, true) => (j + k) % 5,
        (true, false) => 5 + (j + k) % 5,
        (false, true) => 5 + (j + 5 - k) % 5,
        (false, false) => (j + 5 - k) % 5,
    };
    let c = d.iter().rev().enumerate().fold(0, |c, (i, &b)| {
        mul(c, (0..i % 8).fold(b - b'0', |x, _| P[x as usize]))
    });
    d[0] >= b'2' && c == 0
}

/// Japanese My Number: the 12th digit is 11 − (Σ Pn × Qn mod 11), or 0 when
/// that mod is 0 or 1; Pn is the n-th of the first 11 digits from the right,
/// Qn is n + 1 up to n = 6 and n − 5 above.
pub(super) fn my_number(d: &[u8]) -> bool {
    let q = |n: usize| if n <= 6 { n + 1 } else { n - 5 } as u32;
    let r = (1..=11).map(|n| dig(d, 11 - n) * q(n)).sum::<u32>() % 11;
    dig(d, 11) == if r <= 1 { 0 } else { 11 - r }
}

/// Polish PESEL: YYMMDD, the month +80 in the 1800s, +20 in the 2000s (+40,
/// +60 later); 4 digits; a check of weights 1-3-7-9.
pub(super) fn pesel(d: &[u8]) -> bool {
    let sum: u32 = (0..10).map(|k| [1, 3, 7, 9][k % 4] * dig(d, k)).sum();
    let mm = num(&d[2..4]);
    let century = [1900, 2000, 2100, 2200, 1800][(mm / 20).min(4) as usize];
    valid_date(century + num(&d[..2]), mm % 20, num(&d[4..6])) && (10 - sum % 10) % 10 == dig(d, 10)
}

/// Brazilian CPF: 9 digits and two mod-11 checks (weights 10..2, then 11..2);
/// one digit repeated ("111.111.111-11") passes them but is no CPF.
pub(super) fn cpf(d: &[u8]) -> bool {
    let check =
        |k: usize| (0..k).map(|i| dig(d, i) * (k + 1 - i) as u32).sum::<u32>() * 10 % 11 % 10;
    d.iter().any(|&b| b != d[0]) && check(9) == dig(d, 9) && check(10) == dig(d, 10)
}

/// UK NHS number: 10 digits, weights 10..2 on the first 9, check 11 − (sum
/// mod 11), 11 read as 0 and 10 never issued.
pub(super) fn nhs(d: &[u8]) -> bool {
    let sum: u32 = (0..9).map(|k| (10 - k as u32) * dig(d, k)).sum();
    let check = (11 - sum % 11) % 11;
    check != 10 && check == dig(d, 9) && d.iter().any(|&b| b != d[0])
}

/// French NIR: sex (1-4, 7, 8), YY, MM (01-12, 20-42 or 50-99 when unknown),
/// department (2A, 2B in Corsica), commune, order, and a key 97 − (the 13
/// digits mod 97), with 2A read as 19 and 2B as 18.
pub(super) fn nir(d: &[u8]) -> bool {
    // The shapes let letters only into the department.
    let corsica = match (d[5], d[6]) {
        (b'2', b'A') => 1_000_000,
        (b'2', b'B') => 2_000_000,
        (a, b) if a.is_ascii_digit() && b.is_ascii_digit() => 0,
        _ => return false,
    };
    b"123478".contains(&d[0])
        && matches!(num(&d[3..5]), 1..=12 | 20..=42 | 50..=99)
        && 97 - (num(&d[..13]) - corsica) % 97 == num(&d[13..15])
}

/// Chinese resident identity number: a province code, YYYYMMDD, a sequence,
/// and an ISO 7064 MOD 11-2 check, `X` for 10.
pub(super) fn china_id(d: &[u8]) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = (0..17).map(|k| W[k] * dig(d, k)).sum();
    let province = matches!(
        num(&d[..2]),
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83 | 91
    );
    let (y, m, day) = (num(&d[6..10]), num(&d[10..12]), num(&d[12..14]));
    province
        && (1900..=2099).contains(&y)
        && valid_date(y, m, day)
        && b"10X98765432"[(sum % 11) as usize] == d[17].to_ascii_uppercase()
}

/// UK National Insurance number: a prefix of two letters (no D, F, I, Q, U, V;
/// no O second; not BG, GB, KN, NK, NT, TN, ZZ), six digits, a suffix A-D.
pub(super) fn nino(d: &[u8]) -> bool {
    !b"DFIQUV".contains(&d[0])
        && !b"DFIOQUV".contains(&d[1])
        && !in_list(&d[..2], "BG|GB|KN|NK|NT|TN|ZZ")
        && (b'A'..=b'D').contains(&d[8])
}

/// The DNI letter of a number: its remainder mod 23 indexes this table.
pub(super) const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI: 8 digits and their letter.
pub(super) fn dni(d: &[u8]) -> bool {
    DNI_LETTERS[(num(&d[..8]) % 23) as usize] == d[8]
}

/// Spanish NIE: X, Y or Z (read as 0, 1, 2), 7 digits, the letter of the 8.
pub(super) fn nie(d: &[u8]) -> bool {
    let lead = b"XYZ".iter().position(|&b| b == d[0]);
    lead.is_some_and(|x| {
        DNI_LETTERS[((x as u64 * 10_000_000 + num(&d[1..8])) % 23) as usize] == d[8]
    })
}

/// Italian codice fiscale: 6 letters of the names, YY, a month letter, the day
/// (+40 for women), a place code, a check letter; digits may be replaced by
/// LMNPQRSTUV where two people would share a code (omocodia). In capitals, or
/// all lower case as some forms store it.
pub(super) fn codice_fiscale(v: &[u8]) -> bool {
    // Letters, digits (or their omocodia letters) and the month letter.
    const SHAPE: &[u8; 16] = b"AAAAAA99M99A999A";
    const OMOCODE: &[u8] = b"LMNPQRSTUV";
    // What a char counts in odd places, as a letter: A (or 0) counts 1 (B).
    const ODD: &[u8; 26] = b"BAFHJNPRTVCESULDGIMOQKWZYX";
    if v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase) {
        return false;
    }
    let c: [u8; 16] = std::array::from_fn(|k| v[k].to_ascii_uppercase());
    let fits = c.iter().zip(SHAPE).all(|(&b, &p)| match p {
        b'A' => b.is_ascii_uppercase(),
        b'9' => b.is_ascii_digit() || OMOCODE.contains(&b),
        _ => b"ABCDEHLMPRST".contains(&b),
    });
    if !fits {
        return false;
    }
    let value = |b: u8| {
        OMOCODE
            .iter()
            .position(|&o| o == b)
            .map_or(b.wrapping_sub(b'0'), |p| p as u8)
    };
    let day = value(c[9]) * 10 + value(c[10]);
    // Odd places (1st, 3rd, …) count by ODD, even ones their rank; a digit
    // counts as the letter of its rank (0 as A).
    let sum: u32 = (0..15)
        .map(|k| {
            let x = c[k] - if c[k].is_ascii_digit() { b'0' } else { b'A' };
            let odd = ODD[x as usize] - b'A';
            u32::from(if k % 2 == 0 { odd } else { x })
        })
        .sum();
    matches!(day, 1..=31 | 41..=71) && c[15] == b'A' + (sum % 26) as u8
}

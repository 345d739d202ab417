//! IBANs: the registry's length per country and the mod-97 check.

use crate::text::is_word;

/// IBAN length by country (SWIFT registry, plus common partial-IBAN countries).
pub(crate) fn iban_len(cc: &[u8]) -> Option<usize> {
    #[rustfmt::skip]
    const T: &[(&[u8; 2], u8)] = &[
        (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AO", 25), (b"AT", 20), (b"AZ", 28),
        (b"BA", 20), (b"BE", 16), (b"BF", 28), (b"BG", 22), (b"BH", 22), (b"BI", 27),
        (b"BJ", 28), (b"BR", 29), (b"BY", 28), (b"CF", 27), (b"CG", 27), (b"CH", 21),
        (b"CI", 28), (b"CM", 27), (b"CR", 22), (b"CV", 25), (b"CY", 28), (b"CZ", 24),
        (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"DZ", 26), (b"EE", 20),
        (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27),
        (b"GA", 27), (b"GB", 22), (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GQ", 27),
        (b"GR", 27), (b"GT", 28), (b"GW", 25), (b"HN", 28), (b"HR", 21), (b"HU", 28),
        (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IR", 26), (b"IS", 26), (b"IT", 27),
        (b"JO", 30), (b"KM", 27), (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32),
        (b"LI", 21), (b"LT", 20), (b"LU", 20), (b"LV", 21), (b"LY", 25), (b"MA", 28),
        (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MG", 27), (b"MK", 19), (b"ML", 28),
        (b"MN", 20), (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"MZ", 25), (b"NE", 28),
        (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23), (b"PK", 24), (b"PL", 28),
        (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"RU", 33),
        (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24),
        (b"SM", 27), (b"SN", 28), (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TD", 27),
        (b"TG", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29), (b"VA", 22),
        (b"VG", 24), (b"XK", 20), (b"YE", 30),
    ];
    T.iter()
        .find(|(c, _)| &c[..] == cc)
        .map(|&(_, n)| n as usize)
}

pub(crate) fn iban_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let len = iban_len(&[b[s].to_ascii_uppercase(), b[s + 1].to_ascii_uppercase()])?;
    let mut chars = [0u8; 34];
    let mut n = 0usize;
    let mut i = s;
    let mut last = s;
    while i < e && n < len {
        if b[i].is_ascii_alphanumeric() {
            chars[n] = b[i].to_ascii_uppercase();
            n += 1;
            last = i + 1;
        }
        i += 1;
    }
    if n < len || (last < b.len() && is_word(b[last])) {
        return None;
    }
    let mut rem = 0u32;
    for &c in chars[4..n].iter().chain(chars[..4].iter()) {
        rem = match c {
            b'0'..=b'9' => (rem * 10 + (c - b'0') as u32) % 97,
            b'A'..=b'Z' => (rem * 100 + (c - b'A' + 10) as u32) % 97,
            _ => return None,
        };
    }
    (rem == 1).then_some(last)
}

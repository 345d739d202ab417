//! Machine-readable zones of passports and identity cards (ICAO Doc 9303),
//! as OCR and KYC tools pass them on: two lines of 44 characters (TD3,
//! passports), two of 36 (TD2) or three of 30 (TD1, ID cards), of `A-Z`,
//! `0-9` and the filler `<`, on separate lines (a real or a JSON-escaped
//! line break).
//!
//! A zone counts only when its check digits hold (weights 7, 3, 1; letters
//! A=10 … Z=35, `<`=0) for the document number and the date of birth, so a
//! row of capitals is never taken for one. Out: the document number and the
//! optional personal number (identifiers), the date of birth `YYMMDD`, and
//! the holder's name field (`ERIKSSON<<ANNA<MARIA`, fillers inside kept so
//! the zone keeps its length when redacted).

/// What one zone holds, as byte ranges of the text.
#[derive(Debug, Default, PartialEq)]
pub struct Zone {
    pub ids: Vec<(usize, usize)>,
    pub birth: Option<(usize, usize)>,
    pub name: Option<(usize, usize)>,
}

/// Every zone in `text`, left to right.
pub fn find_zones(text: &str) -> Vec<Zone> {
    let b = text.as_bytes();
    // A line of a zone: a maximal run of MRZ characters, 30, 36 or 44 long,
    // holding at least one filler.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_mrz(b[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < b.len() && is_mrz(b[i]) {
            i += 1;
        }
        if matches!(i - s, 30 | 36 | 44) && b[s..i].contains(&b'<') {
            lines.push((s, i));
        }
    }
    let mut zones = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let (s, e) = lines[k];
        let next = lines.get(k + 1).filter(|&&(s2, e2)| e2 - s2 == e - s && joined(b, e, s2)).copied();
        let third = next.and_then(|(_, e2)| lines.get(k + 2).filter(|&&(s3, e3)| e3 - s3 == e - s && joined(b, e2, s3)).copied());
        let zone = match (e - s, next, third) {
            (44 | 36, Some((s2, _)), _) => two_lines(b, s, s2, e - s),
            (30, Some((s2, _)), Some((s3, _))) => td1(b, s, s2, s3),
            _ => None,
        };
        match zone {
            Some(z) => {
                zones.push(z);
                k += if e - s == 30 { 3 } else { 2 };
            }
            None => k += 1,
        }
    }
    zones
}

fn is_mrz(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'
}

/// Only a line break between two lines: `\n`, `\r\n`, or the two-byte
/// escape `\n` of JSON text, with spaces around.
fn joined(b: &[u8], e: usize, s2: usize) -> bool {
    let gap = &b[e..s2];
    let breaks = gap.iter().filter(|&&c| c == b'\n').count() + gap.windows(2).filter(|w| w == b"\\n").count();
    breaks == 1 && gap.iter().all(|&c| matches!(c, b'\n' | b'\r' | b' ' | b'\\' | b'n'))
}

/// ICAO 9303 check digit of `v`.
fn check(v: &[u8]) -> u8 {
    const W: [u32; 3] = [7, 3, 1];
    let sum: u32 = v
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            W[k % 3]
                * match c {
                    b'0'..=b'9' => u32::from(c - b'0'),
                    b'A'..=b'Z' => u32::from(c - b'A') + 10,
                    _ => 0,
                }
        })
        .sum();
    b'0' + (sum % 10) as u8
}

fn checked(b: &[u8], s: usize, len: usize) -> bool {
    b[s + len] == check(&b[s..s + len])
}

fn date(b: &[u8], s: usize) -> bool {
    let d = &b[s..s + 6];
    let two = |k: usize| u32::from(d[k] - b'0') * 10 + u32::from(d[k + 1] - b'0');
    d.iter().all(u8::is_ascii_digit) && (1..=12).contains(&two(2)) && (1..=31).contains(&two(4))
}

/// `s..s+len` without its trailing fillers, if anything is left.
fn trimmed(b: &[u8], s: usize, len: usize) -> Option<(usize, usize)> {
    let mut e = s + len;
    while e > s && b[e - 1] == b'<' {
        e -= 1;
    }
    (e > s).then_some((s, e))
}

/// TD3 (44) and TD2 (36): names on the first line after the document code
/// and issuing state; number, birth date and (TD3) personal number on the second.
fn two_lines(b: &[u8], l1: usize, l2: usize, len: usize) -> Option<Zone> {
    if !(checked(b, l2, 9) && date(b, l2 + 13) && checked(b, l2 + 13, 6)) {
        return None;
    }
    let mut zone = Zone { birth: Some((l2 + 13, l2 + 19)), name: trimmed(b, l1 + 5, len - 5), ..Zone::default() };
    zone.ids.extend(trimmed(b, l2, 9));
    if len == 44 && checked(b, l2 + 28, 14) {
        zone.ids.extend(trimmed(b, l2 + 28, 14));
    }
    Some(zone)
}

/// TD1 (3 x 30): number on the first line, birth date on the second, names on the third.
fn td1(b: &[u8], l1: usize, l2: usize, l3: usize) -> Option<Zone> {
    if !(checked(b, l1 + 5, 9) && date(b, l2) && checked(b, l2, 6)) {
        return None;
    }
    let mut zone = Zone { birth: Some((l2, l2 + 6)), name: trimmed(b, l3, 30), ..Zone::default() };
    zone.ids.extend(trimmed(b, l1 + 5, 9));
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<(Vec<&str>, Option<&str>, Option<&str>)> {
        find_zones(text)
            .into_iter()
            .map(|z| {
                let at = |(s, e): (usize, usize)| &text[s..e];
                (z.ids.into_iter().map(at).collect(), z.birth.map(at), z.name.map(at))
            })
            .collect()
    }

    /// The specimens of ICAO Doc 9303 (Utopia), and the same zones as OCR
    /// output in prose and JSON.
    #[test]
    fn specimen_zones() {
        let td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        assert_eq!(parts(td3), [(vec!["L898902C3", "ZE184226B"], Some("740812"), Some("ERIKSSON<<ANNA<MARIA"))]);
        let td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\r\n7408122F1204159UTO<<<<<<<<<<<6\r\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        assert_eq!(parts(td1), [(vec!["D23145890"], Some("740812"), Some("ERIKSSON<<ANNA<MARIA"))]);
        let td2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
        assert_eq!(parts(td2), [(vec!["D23145890"], Some("740812"), Some("ERIKSSON<<ANNA<MARIA"))]);
        let json = r#"{"ocr": "MRZ:\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"}"#;
        assert_eq!(parts(json).len(), 1);
    }

    #[test]
    fn no_zone_without_its_check_digits() {
        // One changed character in the document number or the birth date.
        assert!(parts("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C46UTO7408122F1204159ZE184226B<<<<<10").is_empty());
        assert!(parts("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408132F1204159ZE184226B<<<<<10").is_empty());
        // Lines of the right length that are no zone, and a lone second line.
        assert!(parts("ABCDEFGHIJKLMNOPQRSTUVWXYZ<<<<<<<<<<<<<<<<<<\nABCDEFGHIJKLMNOPQRSTUVWXYZ<<<<<<<<<<<<<<<<<<").is_empty());
        assert!(parts("L898902C36UTO7408122F1204159ZE184226B<<<<<10").is_empty());
        assert!(parts("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<< L898902C36UTO7408122F1204159ZE184226B<<<<<10").is_empty());
    }
}

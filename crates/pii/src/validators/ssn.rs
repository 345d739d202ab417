//! US social security numbers: area, group and serial rules.

use crate::text::standalone_number;

/// A 3-2-4 number as an SSN. With dashes (the SSA's own form, which little
/// else uses) any area but 000 counts: 666 and 9xx are not issued, yet ITINs
/// (9xx) are taxpayer numbers too, and test data and typos carry them. With
/// spaces or dots the shape is weaker, so the area must be one the SSA issues.
pub(crate) fn ssn_ok(text: &str, s: usize, e: usize) -> bool {
    let d = &text.as_bytes()[s..e];
    let area = &d[0..3];
    let dashed = d[3] == b'-';
    area != b"000"
        && (dashed || (area != b"666" && area[0] != b'9'))
        && &d[4..6] != b"00"
        && &d[7..11] != b"0000"
        && standalone_number(text, s, e)
        && !(d[3] != b'-' && in_longer_run(text.as_bytes(), s, e, d[3]))
}

/// `room 234 56 7890 9`, `1.234.56.7890`: the same separator goes on past the
/// 3-2-4, so it is a piece of a longer number or a table row.
fn in_longer_run(b: &[u8], s: usize, e: usize, sep: u8) -> bool {
    (s >= 2 && b[s - 1] == sep && b[s - 2].is_ascii_digit()) || (e + 1 < b.len() && b[e] == sep && b[e + 1].is_ascii_digit())
}

/// What a social-security cue is followed by.
#[derive(Clone, Copy, PartialEq)]
enum Cue {
    /// The US number: nine digits, plain or 3-2-4.
    Us,
    /// Another country's: 8-15 digits in groups, at most one letter
    /// (`65 170839 J 003`, `28/12345678/90`, `1 84 12 76 451 089 46`).
    National,
}

/// Cue words (lower case; a trailing `*` takes any ending: `Sozialversicherungsnummer`),
/// the first that matches wins, so a longer cue stands before its prefix.
#[rustfmt::skip]
const CUES: &[(&str, Cue)] = &[
    ("ssn", Cue::Us), ("itin", Cue::Us), ("social security", Cue::Us), ("social insurance", Cue::National),
    ("taxpayer", Cue::Us), ("social", Cue::Us), ("soc sec", Cue::Us), ("soc. sec", Cue::Us), ("s.s.n", Cue::Us),
    ("ss", Cue::Us), ("sozialversicherung*", Cue::National), ("sv-nummer", Cue::National),
    ("sv nummer", Cue::National), ("rentenversicherung*", Cue::National), ("seguridad social", Cue::National),
    ("nuss", Cue::National), ("sécurité sociale", Cue::National), ("securite sociale", Cue::National),
    ("insee", Cue::National), ("segurança social", Cue::National), ("niss", Cue::National), ("sin", Cue::National),
];

/// Words allowed between the cue and the number: `is`, `number`, `no.`, `listed as`.
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "is", "number", "no", "no.", "nr", "nr.", "num", "was", "it's", "its", "reads", "on", "file", "in", "the", "id",
    "card", "says", "of", "record", "records", "listed", "as", "given", "shows", "under", "my", "her", "his", "their",
    "your", "ist", "lautet", "es", "est", "de", "la", "meine", "mein", "mi", "mon", "ma", "nummer", "número", "numéro",
    "sec", "sec.", "security", "insurance",
];

/// Where a cue starts at `i` (at a word start), its end and kind.
fn cue_at(b: &[u8], i: usize) -> Option<(usize, Cue)> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] >= 0x80) {
        return None;
    }
    CUES.iter().find_map(|&(c, kind)| {
        let (c, stem) = c.strip_suffix('*').map_or((c, false), |c| (c, true));
        let w = b.get(i..i + c.len())?;
        let same = w.iter().zip(c.as_bytes()).all(|(x, y)| x.to_ascii_lowercase() == *y || (*y >= 0x80 && x == y));
        if !same {
            return None;
        }
        let mut e = i + c.len();
        if stem {
            while e < b.len() && (b[e].is_ascii_alphabetic() || b[e] == b'-') {
                e += 1;
            }
        } else if b.get(e).is_some_and(|x| x.is_ascii_alphanumeric()) {
            return None;
        }
        Some((e, kind))
    })
}

/// SSNs and other countries' social-security numbers after a cue: `SSN
/// 876662678`, `My SSN is 358 87 1266`, `social security number 694027760`,
/// `ITIN 912-70-1234`, `Sozialversicherungsnummer: 65 170839 J 003`, `NUSS
/// 281234567890`. Appends the numbers.
pub(crate) fn find_ssn_in_context(text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        // Cues start a word with one of these letters; skip the rest cheaply.
        if !matches!(b[i] | 0x20, b's' | b'i' | b't' | b'n' | b'r') || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let Some((cue_end, kind)) = cue_at(b, i) else {
            i += 1;
            continue;
        };
        let mut j = cue_end;
        // A few words between, on the same clause.
        let mut words = 0;
        loop {
            while j < b.len() && matches!(b[j], b' ' | b':' | b'#' | b'-' | b'=' | b'"' | b'\'' | b'\t' | b'(' | b')' | b'.' | b',') {
                j += 1;
            }
            if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] >= 0x80) && words < 4 {
                let w0 = j;
                while j < b.len() && (b[j].is_ascii_alphabetic() || b[j] >= 0x80 || b[j] == b'.' || b[j] == b'\'') {
                    j += 1;
                }
                let w = text[w0..j].to_lowercase();
                if !FILLERS.contains(&w.as_str()) {
                    break;
                }
                words += 1;
            } else {
                break;
            }
        }
        let found = match kind {
            Cue::Us => us_number(b, j),
            Cue::National => national_number(b, j).or_else(|| us_number(b, j)),
        };
        if let Some(k) = found {
            out.push((j, k));
            i = k;
            continue;
        }
        i = cue_end.max(i + 1);
    }
}

/// Nine digits at `s`, plain or as 3-2-4 with one separator throughout: the
/// end. After a cue the separator may be what a word processor or a form
/// writes: an en or em dash, a slash, or a dash with spaces (`123 - 45 - 6789`).
fn us_number(b: &[u8], s: usize) -> Option<usize> {
    let run = |k: usize, n: usize| b.get(k..k + n).is_some_and(|g| g.iter().all(u8::is_ascii_digit));
    let k = if run(s, 9) {
        s + 9
    } else {
        if !run(s, 3) {
            return None;
        }
        let sep_len = SEPARATORS.iter().map(|x| x.as_bytes()).find(|x| b[s + 3..].starts_with(x))?.len();
        let sep = &b[s + 3..s + 3 + sep_len];
        let g2 = s + 3 + sep_len;
        if !run(g2, 2) || !b[g2 + 2..].starts_with(sep) || !run(g2 + 2 + sep_len, 4) {
            return None;
        }
        g2 + 2 + sep_len + 4
    };
    if b.get(k).is_some_and(u8::is_ascii_digit) || (s > 0 && b[s - 1].is_ascii_digit()) {
        return None;
    }
    let d: Vec<u8> = b[s..k].iter().copied().filter(u8::is_ascii_digit).collect();
    // The cue says what the number is: an SSN the SSA would not issue
    // (area 000, 666, 9xx: test data, typos, ITINs) is still the
    // person's number as written. Only an all-zero group is a blank.
    (&d[..3] != b"000" && &d[3..5] != b"00" && &d[5..] != b"0000").then_some(k)
}

/// Between the groups of a 3-2-4 after a cue, longest first.
const SEPARATORS: &[&str] = &[" - ", " \u{2013} ", " \u{2014} ", "-", " ", ".", "/", "\u{2013}", "\u{2014}", "\u{2011}"];

/// 8-15 digits at `s` in groups joined by one of ` ./-`, with at most one
/// letter as a group of its own or glued to digits: the end.
fn national_number(b: &[u8], s: usize) -> Option<usize> {
    let (mut k, mut digits, mut letters, mut end) = (s, 0, 0, s);
    if !b.get(s).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while k < b.len() {
        let c = b[k];
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_ascii_uppercase() && letters == 0 && !b.get(k + 1).is_some_and(u8::is_ascii_alphabetic) {
            letters += 1;
        } else if matches!(c, b' ' | b'.' | b'/' | b'-') && b.get(k + 1).is_some_and(|x| x.is_ascii_digit() || x.is_ascii_uppercase()) {
            // one separator, then more of the number
        } else {
            break;
        }
        k += 1;
        if c.is_ascii_alphanumeric() {
            end = k;
        }
    }
    ((8..=15).contains(&digits) && !b.get(end).is_some_and(u8::is_ascii_alphanumeric)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        find_ssn_in_context(t, &mut v);
        v.into_iter().map(|(s, e)| &t[s..e]).collect()
    }

    #[test]
    fn ssn_after_a_cue() {
        assert_eq!(found("My SSN is 358 87 1266. Could"), ["358 87 1266"]);
        assert_eq!(found("SSN 876662678 for the W-9"), ["876662678"]);
        assert_eq!(found("social security number 694027760 I'm"), ["694027760"]);
        assert_eq!(found("Their ssn: 024977312."), ["024977312"]);
        assert_eq!(found("SSN 912345678"), ["912345678"], "not issued, still the number given");
        assert_eq!(found("ITIN 912-70-1234"), ["912-70-1234"]);
        assert_eq!(found("social security number 987-65-4321"), ["987-65-4321"]);
        assert!(found("SSN 000-00-0000").is_empty(), "a blank");
        assert_eq!(found("the SSN on file is 912-56-7890"), ["912-56-7890"]);
        assert_eq!(found("Social: 234567890"), ["234567890"]);
        assert_eq!(found("taxpayer 234 56 7890"), ["234 56 7890"]);
        assert!(found("social media 234567890 followers").is_empty());
        assert!(found("socialist 234567890").is_empty());
        assert_eq!(found("her ssn was listed as 123456789."), ["123456789"]);
        for t in ["Social Sec #: 123456789", "SS# 123456789", "ss no 123456789", "S.S.N.: 123456789", "soc. sec. 123-45-6789"] {
            assert_eq!(found(t).len(), 1, "{t}");
        }
        assert!(found("ss 12").is_empty());
        // Separators of word processors and forms, and a comma after the cue.
        for (t, want) in [("SSN 486\u{2013}81\u{2013}9517.", "486\u{2013}81\u{2013}9517"), ("ssn no 397 - 92 - 6995 (primary)", "397 - 92 - 6995"),
                          ("tax id (SSN) 887/35/7746", "887/35/7746"), ("the employee's SSN, 643645161, was", "643645161"),
                          ("Social Security Number: 741 - 49 - 1310", "741 - 49 - 1310")] {
            assert_eq!(found(t), [want], "{t}");
        }
        for t in ["SSN 123-45/6789", "SSN 123 - 45-6789", "SSN 12-345-6789", "SSN 1234-56-789", "ssn 123456789012"] {
            assert!(found(t).is_empty(), "mixed or misgrouped: {t}");
        }
        assert_eq!(found("Sozialversicherungsnummer: 65 170839 J 003"), ["65 170839 J 003"]);
        assert_eq!(found("meine SV-Nummer ist 65170839J003"), ["65170839J003"]);
        assert_eq!(found("Número de la Seguridad Social: 28/12345678/90"), ["28/12345678/90"]);
        assert_eq!(found("mi NUSS es 281234567890"), ["281234567890"]);
        assert_eq!(found("numéro de sécurité sociale 1 84 12 76 451 089 46"), ["1 84 12 76 451 089 46"]);
        assert_eq!(found("SIN 046 454 286"), ["046 454 286"]);
        assert_eq!(found("my social insurance number is 046-454-286"), ["046-454-286"]);
        assert!(found("sin 2020 and 2021").is_empty(), "years");
        assert!(found("NUSS pending, ask 12345678 later").is_empty(), "another clause");
        assert!(found("bitin 912701234").is_empty());
        assert!(found("SSN 1234567890").is_empty(), "ten digits");
        assert!(found("lessn 123456789").is_empty());
        assert!(found("the SSN field is required, 123456789 rows").is_empty());
    }
}

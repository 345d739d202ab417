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

/// SSNs written without dashes after an SSN cue: `SSN 876662678`, `My SSN is
/// 358 87 1266`, `social security number 694027760`, `ITIN 912-70-1234`.
/// Appends the numbers.
pub(crate) fn find_ssn_in_context(text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let lower = |i: usize| b[i].to_ascii_lowercase();
    let mut i = 0;
    while i + 3 <= b.len() {
        let cue_end = if lower(i) == b's' && lower(i + 1) == b's' && lower(i + 2) == b'n' {
            Some(i + 3)
        } else if i + 4 <= b.len() && b[i..i + 4].eq_ignore_ascii_case(b"itin") {
            Some(i + 4)
        } else if text.get(i..i + 15).is_some_and(|w| w.eq_ignore_ascii_case("social security")) {
            Some(i + 15)
        } else if let Some(w) = ["taxpayer", "social"].iter().find(|w| {
            b.get(i..i + w.len()).is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
                && !b.get(i + w.len()).is_some_and(u8::is_ascii_alphabetic)
        }) {
            Some(i + w.len())
        } else {
            None
        };
        let Some(mut j) = cue_end.filter(|_| i == 0 || !b[i - 1].is_ascii_alphanumeric()) else {
            i += 1;
            continue;
        };
        // A few words between: `is`, `number`, `no.`, `#`, `:`.
        let mut words = 0;
        loop {
            while j < b.len() && matches!(b[j], b' ' | b':' | b'#' | b'-' | b'=' | b'"' | b'\'' | b'\t') {
                j += 1;
            }
            if j < b.len() && b[j].is_ascii_alphabetic() && words < 4 {
                let w0 = j;
                while j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'.' || b[j] == b'\'') {
                    j += 1;
                }
                let w = text[w0..j].to_ascii_lowercase();
                let filler = matches!(
                    w.as_str(),
                    "is" | "number" | "no" | "no." | "nr" | "num" | "was" | "it's" | "its" | "reads" | "on" | "file"
                        | "in" | "the" | "id" | "card" | "says" | "of" | "record" | "records"
                );
                if !filler {
                    break;
                }
                words += 1;
            } else {
                break;
            }
        }
        // Nine digits, plain or as 3-2-4 with spaces or dots.
        let s = j;
        let mut k = j;
        let mut digits = 0;
        while k < b.len() && digits < 9 && (b[k].is_ascii_digit() || (digits > 0 && matches!(b[k], b' ' | b'.' | b'-'))) {
            digits += usize::from(b[k].is_ascii_digit());
            k += 1;
        }
        if digits == 9 && (k >= b.len() || !b[k].is_ascii_digit()) {
            let d: Vec<u8> = b[s..k].iter().copied().filter(u8::is_ascii_digit).collect();
            let grouped = k - s == 9 || (k - s == 11 && b[s + 3] == b[s + 6] && !b[s + 3].is_ascii_digit());
            // The cue says what the number is: an SSN the SSA would not issue
            // (area 000, 666, 9xx: test data, typos, ITINs) is still the
            // person's number as written. Only an all-zero group is a blank.
            if grouped && &d[..3] != b"000" && &d[3..5] != b"00" && &d[5..] != b"0000" {
                out.push((s, k));
                i = k;
                continue;
            }
        }
        i = cue_end.map_or(i + 1, |e| e.max(i + 1));
    }
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
        assert!(found("bitin 912701234").is_empty());
        assert!(found("SSN 1234567890").is_empty(), "ten digits");
        assert!(found("lessn 123456789").is_empty());
        assert!(found("the SSN field is required, 123456789 rows").is_empty());
    }
}

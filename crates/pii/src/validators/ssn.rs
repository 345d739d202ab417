//! US social security numbers: area, group and serial rules.

use crate::text::standalone_number;

pub(crate) fn ssn_ok(text: &str, s: usize, e: usize) -> bool {
    let d = &text.as_bytes()[s..e];
    let area = &d[0..3];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && &d[4..6] != b"00"
        && &d[7..11] != b"0000"
        && standalone_number(text, s, e)
}

/// SSNs written without dashes after an SSN cue: `SSN 876662678`, `My SSN is
/// 358 87 1266`, `social security number 694027760`. Appends the numbers.
pub(crate) fn find_ssn_in_context(text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let lower = |i: usize| b[i].to_ascii_lowercase();
    let mut i = 0;
    while i + 3 <= b.len() {
        let cue_end = if lower(i) == b's' && lower(i + 1) == b's' && lower(i + 2) == b'n' {
            Some(i + 3)
        } else if text.get(i..i + 15).is_some_and(|w| w.eq_ignore_ascii_case("social security")) {
            Some(i + 15)
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
            if j < b.len() && b[j].is_ascii_alphabetic() && words < 3 {
                let w0 = j;
                while j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'.' || b[j] == b'\'') {
                    j += 1;
                }
                let w = text[w0..j].to_ascii_lowercase();
                if !matches!(w.as_str(), "is" | "number" | "no" | "no." | "nr" | "num" | "was" | "it's" | "its" | "reads") {
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
            if grouped && &d[..3] != b"000" && &d[..3] != b"666" && d[0] != b'9' && &d[3..5] != b"00" && &d[5..] != b"0000" {
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
        assert!(found("SSN 912345678").is_empty(), "area 9xx is not issued");
        assert!(found("SSN 1234567890").is_empty(), "ten digits");
        assert!(found("lessn 123456789").is_empty());
        assert!(found("the SSN field is required, 123456789 rows").is_empty());
    }
}

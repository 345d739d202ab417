//! Organisation names by their legal form: one to five capitalised words
//! before a company suffix (`Acme Widgets Inc.`, `Müller Bau GmbH`,
//! `Tata Consultancy Services Ltd`). Off by default: a company name is rarely
//! personal data, and the suffix rule misses names written without one.

#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "Inc", "Inc.", "Incorporated", "Corp", "Corp.", "Corporation", "LLC", "L.L.C.", "LLP", "Ltd", "Ltd.",
    "Limited", "plc", "PLC", "GmbH", "AG", "KG", "OHG", "e.V.", "SE", "SA", "S.A.", "SAS", "SARL", "S.p.A.",
    "SpA", "Srl", "S.r.l.", "S.L.", "SL", "BV", "B.V.", "NV", "N.V.", "AB", "ASA", "Oy", "A/S", "ApS",
    "Pty", "K.K.", "KK", "Co.", "Company", "Group", "Holdings", "Foundation",
];

/// Appends (start, end) of organisation names, the suffix included.
pub(crate) fn find_organisations(text: &str, out: &mut Vec<(usize, usize)>) {
    let words: Vec<(usize, usize)> = word_ranges(text);
    let mut k = 0;
    while k < words.len() {
        let (s, e) = words[k];
        let w = &text[s..e];
        let is_suffix = SUFFIXES.contains(&w) || SUFFIXES.contains(&w.trim_end_matches(['.', ',']));
        if is_suffix && k > 0 {
            // Walk back over capitalised words joined by single spaces (or `&`).
            let mut first = k;
            while first > 0 && k - first < 5 {
                let (ps, pe) = words[first - 1];
                let gap = &text[pe..words[first].0];
                let pw = &text[ps..pe];
                let cap = pw.chars().next().is_some_and(char::is_uppercase) || pw == "&";
                let ends_clause = pw.ends_with([':', ';', '.', '!', '?']);
                if !cap || ends_clause || !(gap == " " || gap == ", ") || SUFFIXES.contains(&pw) {
                    break;
                }
                first -= 1;
                if gap == ", " {
                    break;
                }
            }
            if first < k {
                let end = e - text[s..e].len() + text[s..e].trim_end_matches(',').len();
                out.push((words[first].0, end));
            }
        }
        k += 1;
    }
}

/// Words: runs of non-space characters without leading or trailing quotes.
fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let sep = c.is_whitespace() || matches!(c, '"' | '(' | ')' | ';' | '\\');
        match (sep, start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        find_organisations(t, &mut v);
        v.into_iter().map(|(s, e)| &t[s..e]).collect()
    }

    #[test]
    fn finds_companies_by_suffix() {
        assert_eq!(orgs("I work at Acme Widgets Inc. since May"), ["Acme Widgets Inc."]);
        assert_eq!(orgs("Lieferant: Müller Bau GmbH, Berlin"), ["Müller Bau GmbH"]);
        assert_eq!(orgs("invoice from Tata Consultancy Services Ltd"), ["Tata Consultancy Services Ltd"]);
        assert_eq!(orgs("Johnson & Johnson Inc"), ["Johnson & Johnson Inc"]);
    }

    #[test]
    fn needs_capitalised_words_before_the_suffix() {
        assert!(orgs("the group said inc is short").is_empty());
        assert!(orgs("Ltd").is_empty());
        assert!(orgs("a new company").is_empty());
    }
}

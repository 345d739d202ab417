//! Tables whose header names PII columns: markdown (`| name | dob |`), CSV
//! and TSV, as tool results print them. A cell under a column whose header
//! is a PII key (`name`, `Date of birth`, `customer_id`, `phone`) is that
//! entity, whatever it holds; the header decides as a JSON key does.
//!
//! In: text. Out: (start, end, entity) of the cells, trimmed. A table is a
//! header line with at least two cells, one of them a PII key, followed by
//! rows with the same number of cells; a markdown separator row (`|---|`)
//! is skipped. Cells in quotes keep their commas.

use crate::keyed::lookup_key;
use crate::keys::KeyRules;
use crate::Entity;

/// Appends the cells of PII columns of every table in `text`.
pub(crate) fn find_table_cells(rules: &KeyRules, text: &str, out: &mut Vec<(usize, usize, Entity)>) {
    if rules.is_empty() || !text.bytes().any(|c| matches!(c, b'|' | b',' | b'\t')) {
        return;
    }
    let lines = lines_of(text);
    let mut k = 0;
    while k < lines.len() {
        let (ls, le) = lines[k];
        let Some(sep) = separator_of(&text[ls..le]) else {
            k += 1;
            continue;
        };
        let header = cells(text, ls, le, sep);
        // `Customer:\tLucia Chiappetta`: a label and its value, one per line,
        // is a form (the keyed detector's), not a table with a header.
        let form = header.iter().any(|&(s, e)| text[s..e].trim_end().ends_with(':'));
        if header.len() < 2 || form {
            k += 1;
            continue;
        }
        let columns: Vec<Option<Entity>> = header
            .iter()
            .map(|&(s, e)| {
                let h = text[s..e].trim_matches(|c: char| c == '*' || c == '`' || c == '"' || c.is_whitespace());
                column_entity(rules, h)
            })
            .collect();
        if columns.iter().all(Option::is_none) {
            k += 1;
            continue;
        }
        let mut r = k + 1;
        while r < lines.len() {
            let (rs, re) = lines[r];
            let row = &text[rs..re];
            if sep == b'|' && row.trim().trim_matches('|').chars().all(|c| matches!(c, '-' | ':' | '|' | ' ')) {
                r += 1;
                continue;
            }
            let cs = cells(text, rs, re, sep);
            if cs.len() != header.len() {
                break;
            }
            for (&(s, e), col) in cs.iter().zip(&columns) {
                if let Some(entity) = col {
                    let cell = &text[s..e];
                    let lead = cell.len() - cell.trim_start_matches([' ', '"', '\t']).len();
                    let trail = cell.len() - cell.trim_end_matches([' ', '"', '\t']).len();
                    let (s, e) = (s + lead, e - trail);
                    if s < e && !matches!(&text[s..e], "-" | "null" | "None" | "n/a" | "N/A" | "") {
                        out.push((s, e, *entity));
                    }
                }
            }
            r += 1;
        }
        k = r.max(k + 1);
    }
}

/// The entity of a column header: the key rules, then the first and last
/// words (`Name (full)`, `Date of birth`, `Customer ID`).
fn column_entity(rules: &KeyRules, header: &str) -> Option<Entity> {
    if header.is_empty() || header.len() > 40 {
        return None;
    }
    let clean: String = header
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '_' { c } else { ' ' })
        .collect();
    let words: Vec<&str> = clean.split_whitespace().collect();
    (1..=words.len().min(4)).rev().find_map(|n| {
        (0..=words.len() - n).find_map(|at| lookup_key(rules, &words[at..at + n].join("_")))
    })
}

/// The cell separator of a header line: `|`, tab or `,`.
fn separator_of(line: &str) -> Option<u8> {
    let t = line.trim();
    if t.starts_with('|') && t.matches('|').count() >= 3 {
        Some(b'|')
    } else if t.matches('\t').count() >= 1 && !t.contains(": ") {
        Some(b'\t')
    } else if t.matches(',').count() >= 1
        && t.len() < 300
        && t.split(',').all(|c| {
            let c = c.trim();
            !c.is_empty() && c.len() <= 40 && c.chars().all(|ch| ch.is_alphanumeric() || matches!(ch, ' ' | '_' | '-' | '(' | ')'))
        })
    {
        Some(b',')
    } else {
        None
    }
}

/// Cell ranges of one line (markdown's outer bars dropped; quotes respected).
fn cells(text: &str, ls: usize, le: usize, sep: u8) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let (mut s, mut e) = (ls, le);
    if sep == b'|' {
        while s < e && b[s] == b' ' {
            s += 1;
        }
        while e > s && b[e - 1] == b' ' {
            e -= 1;
        }
        if s < e && b[s] == b'|' {
            s += 1;
        }
        if e > s && b[e - 1] == b'|' {
            e -= 1;
        }
    }
    let mut out = Vec::new();
    let mut start = s;
    let mut quoted = false;
    for i in s..e {
        if b[i] == b'"' {
            quoted = !quoted;
        } else if b[i] == sep && !quoted {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, e));
    out
}

/// Line ranges; a JSON `\n` escape also ends a line (tables inside strings).
fn lines_of(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            out.push((start, i));
            start = i + 1;
        } else if b[i] == b'\\' && b.get(i + 1) == Some(&b'n') {
            out.push((start, i));
            start = i + 2;
            i += 1;
        }
        i += 1;
    }
    out.push((start, b.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells_of(text: &str) -> Vec<(&str, Entity)> {
        let mut out = Vec::new();
        find_table_cells(&KeyRules::default(), text, &mut out);
        out.into_iter().map(|(s, e, k)| (&text[s..e], k)).collect()
    }

    #[test]
    fn markdown_and_csv_tables() {
        use Entity::*;
        let md = "| name | city | dob |\n|---|---|---|\n| Traci Green | Fukuoka | August 16, 1959 |\n| May King | Osaka | 2/27/2004 |";
        assert_eq!(
            cells_of(md),
            [("Traci Green", Person), ("August 16, 1959", DateOfBirth), ("May King", Person), ("2/27/2004", DateOfBirth)]
        );
        let csv = "name,email,city,phone\nYutika Manan Vig,y@x.it,Nagoya,+39 0761722484\n";
        assert_eq!(cells_of(csv), [("Yutika Manan Vig", Person), ("y@x.it", Email), ("+39 0761722484", Phone)]);
        let tsv = "Customer ID\tStatus\nC-88123\tactive";
        assert_eq!(cells_of(tsv), [("C-88123", Identifier)]);
    }

    #[test]
    fn tables_without_pii_columns_and_prose() {
        assert!(cells_of("| tool | calls |\n|---|---|\n| search | 12 |").is_empty());
        assert!(cells_of("Hello, how are you, Mia?").is_empty());
        assert!(cells_of("a,b\n1,2").is_empty());
        // A form: each line a label and a value, not a header and rows.
        assert!(cells_of("Customer:\tLucia Chiappetta\nSSN:\t710-51-3386\nTel:\t0242").is_empty());
    }
}

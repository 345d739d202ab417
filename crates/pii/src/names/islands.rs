//! Names written in another script inside Latin-script text: `I spoke with
//! तुलसी बेगानी today`, `Passenger: Ռոբերտ Աբովյան`, `cc ზოია რუხაძე`.
//!
//! The gazetteer's lists are mostly romanised, and scripts such as
//! Devanagari, Georgian, Thai or Tamil have no capitals to mark a proper
//! noun. What marks one is the switch of script: in an English (or French,
//! German…) message an agent handles, a short run of words in another
//! script is nearly always a person's or a place's name copied from a
//! profile, a form or a passport, kept as its owner writes it.
//!
//! A run qualifies when it is one to three words of one non-Latin script
//! (not Han, Kana or Hangul, which `cjk.rs` handles), and the line around it
//! is mostly Latin words (at least three, and twice as many as the other
//! script's). A run followed by `:` or `=` is a label, and one in a line
//! that is mostly its own script is ordinary text in that language.

/// Scripts told apart (only the ones names are written in; Latin and CJK are
/// handled elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Other(u8),
    /// Digits, punctuation, symbols, CJK: neither side.
    Neutral,
}

fn script_of(c: char) -> Script {
    let u = c as u32;
    if c.is_ascii_alphabetic() || (0xC0..=0x24F).contains(&u) || (0x1E00..=0x1EFF).contains(&u) {
        return Script::Latin;
    }
    let other = match u {
        0x0370..=0x03FF | 0x1F00..=0x1FFF => 1, // Greek
        0x0400..=0x052F => 2,                   // Cyrillic
        0x0530..=0x058F => 3,                   // Armenian
        0x0590..=0x05FF => 4,                   // Hebrew
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => 5, // Arabic
        0x0900..=0x097F => 6,                   // Devanagari
        0x0980..=0x09FF => 7,                   // Bengali
        0x0A00..=0x0A7F => 8,                   // Gurmukhi
        0x0A80..=0x0AFF => 9,                   // Gujarati
        0x0B00..=0x0B7F => 10,                  // Oriya
        0x0B80..=0x0BFF => 11,                  // Tamil
        0x0C00..=0x0C7F => 12,                  // Telugu
        0x0C80..=0x0CFF => 13,                  // Kannada
        0x0D00..=0x0D7F => 14,                  // Malayalam
        0x0D80..=0x0DFF => 15,                  // Sinhala
        0x0E00..=0x0E7F => 16,                  // Thai
        0x0E80..=0x0EFF => 17,                  // Lao
        0x1000..=0x109F => 18,                  // Myanmar
        0x10A0..=0x10FF | 0x1C90..=0x1CBF => 19, // Georgian
        0x1200..=0x139F => 20,                  // Ethiopic
        0x1780..=0x17FF => 21,                  // Khmer
        _ => return Script::Neutral,
    };
    Script::Other(other)
}

/// Joiners and marks that belong to the word they sit in.
fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '\u{200C}' | '\u{200D}' | '\'' | '’' | '-') || (!c.is_ascii() && is_mark(c))
}

/// Combining marks of the Indic and South-East Asian scripts (vowel signs,
/// viramas), which `char::is_alphabetic` does not always count.
fn is_mark(c: char) -> bool {
    let u = c as u32;
    (0x0900..=0x0DFF).contains(&u) || (0x0E00..=0x0EFF).contains(&u) || (0x1000..=0x109F).contains(&u) || (0x0591..=0x05C7).contains(&u) || (0x064B..=0x065F).contains(&u)
}

struct Word {
    start: usize,
    end: usize,
    script: Script,
}

/// Appends the byte ranges of other-script runs that stand in Latin text.
pub(crate) fn find_script_islands(text: &str, out: &mut Vec<(usize, usize)>) {
    // Greek to Arabic lead bytes, and the three-byte Indic, Thai, Georgian… ranges.
    if !text.bytes().any(|b| (0xCD..=0xDB).contains(&b) || b == 0xE0 || b == 0xE1) {
        return;
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        // A JSON-escaped line break also ends a line.
        let mut off = line_start;
        for piece in line.split("\\n") {
            scan_line(text, off, piece, out);
            off += piece.len() + 2;
        }
        line_start += line.len();
    }
}

fn scan_line(text: &str, off: usize, line: &str, out: &mut Vec<(usize, usize)>) {
    let mut words: Vec<Word> = Vec::new();
    let mut cur: Option<(usize, Script)> = None;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        if i < line.len() && is_word_char(c) {
            let s = script_of(c);
            match cur {
                None => cur = Some((i, s)),
                Some((st, Script::Neutral)) if s != Script::Neutral => cur = Some((st, s)),
                _ => {}
            }
            continue;
        }
        if let Some((st, s)) = cur.take() {
            if s != Script::Neutral {
                words.push(Word { start: off + st, end: off + i, script: s });
            }
        }
    }
    let latin = words.iter().filter(|w| w.script == Script::Latin).count();
    if latin < 3 {
        return;
    }
    let b = text.as_bytes();
    let mut k = 0;
    while k < words.len() {
        let Script::Other(sc) = words[k].script else {
            k += 1;
            continue;
        };
        // Words of one script, one space apart.
        let mut j = k + 1;
        while j < words.len() && words[j].script == Script::Other(sc) && words[j].start == words[j - 1].end + 1 && b[words[j - 1].end] == b' ' {
            j += 1;
        }
        let in_script = words.iter().filter(|w| w.script == Script::Other(sc)).count();
        let (s, e) = (words[k].start, words[j - 1].end);
        // `Имя: …` at the start of a line is a label; `for নিশিতা: confirmed` is not.
        let key_position = k == 0 || text[..s].trim_end_matches([' ', '"', '\\', '*', '-']).ends_with(['{', ',', '|', '\n']);
        let label = key_position && text[e..].trim_start_matches([' ', '"', '\\', '*']).starts_with([':', '=']);
        if j - k <= 3 && latin > in_script && !label && text[s..e].chars().filter(|c| c.is_alphabetic()).count() >= 2 {
            out.push((s, e));
        }
        k = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn islands(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find_script_islands(text, &mut out);
        out.into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn names_in_other_scripts_inside_latin_text() {
        assert_eq!(islands("I spoke with तुलसी बेगानी this morning about the refund."), ["तुलसी बेगानी"]);
        assert_eq!(islands("Please add ზოია რუხაძე as a second driver."), ["ზოია რუხაძე"]);
        assert_eq!(islands("Passenger Ռոբերտ Աբովյան needs a visa letter"), ["Ռոբերտ Աբովյան"]);
        assert_eq!(islands("Merci, la réservation de Παλαιολόγος est confirmée."), ["Παλαιολόγος"]);
        assert_eq!(islands(r#"{"content":"Refund for ตรีนุช แหยมศิริ please, order 12"}"#), ["ตรีนุช แหยมศิริ"]);
        assert_eq!(islands("line one\\nThanks, நந்தா நந்தினி from the team here"), ["நந்தா நந்தினி"]);
        assert_eq!(islands("Κηρύκος Ξηρός reported the bug."), ["Κηρύκος Ξηρός"]);
        assert_eq!(islands("Booking reference for নিশিতা প্রামানিক: confirmed"), ["নিশিতা প্রামানিক"]);
    }

    #[test]
    fn text_in_its_own_script_and_labels_are_left() {
        assert!(islands("Иван Петров оплатил заказ вчера вечером").is_empty(), "a Russian sentence");
        assert!(islands("Здравствуйте, меня зовут Иван. My order is late").is_empty(), "too much Cyrillic");
        assert!(islands("Заказ номер пять, order is late").is_empty(), "as much Cyrillic as Latin");
        assert!(islands("Имя: value for the form field here").is_empty(), "a label");
        assert!(islands("Mia Li booked the room for two nights").is_empty());
        assert!(islands("Order 42 shipped to 王小明 today by courier").is_empty(), "CJK is cjk.rs's");
        assert!(islands("Nguyễn Văn Minh called about the booking").is_empty(), "Vietnamese is Latin");
    }
}

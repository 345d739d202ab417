//! Decimal digits of other scripts, and full-width forms, read as ASCII.
//!
//! People write numbers in their script's digits (`+৮৮০-১৩-৬৬৭`, `٠١٢٣٤٥٦٧٨٩`,
//! `۰۹۱۲…`) and Japanese and Chinese input methods write full-width forms
//! (`０９０－１２３４－５６７８`). The detectors read ASCII, so such a text is
//! read through an ASCII copy whose spans are mapped back to the original.

/// The first code point of each block of ten decimal digits (Unicode Nd)
/// outside ASCII that the scripts of agent traffic use.
const DIGIT_BLOCKS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50,
    0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10,
];

/// The ASCII byte that `c` reads as, if it is a digit of another script or
/// a full-width form.
fn ascii_of(c: char) -> Option<u8> {
    let u = c as u32;
    if (0xFF01..=0xFF5E).contains(&u) {
        return Some((u - 0xFF01 + 0x21) as u8);
    }
    if u == 0x3000 {
        return Some(b' ');
    }
    DIGIT_BLOCKS.iter().find(|&&b| (b..b + 10).contains(&u)).map(|&b| b'0' + (u - b) as u8)
}

/// An ASCII reading of `text` and, for each of its byte offsets (and its
/// end), the offset in `text`; `None` when nothing in `text` needs it.
pub(crate) fn fold(text: &str) -> Option<(String, Vec<usize>)> {
    if text.is_ascii() || !text.chars().any(|c| ascii_of(c).is_some()) {
        return None;
    }
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        match ascii_of(c) {
            Some(a) => {
                folded.push(a as char);
                map.push(at);
            }
            None => {
                folded.push(c);
                map.extend(std::iter::repeat(at).take(c.len_utf8()));
            }
        }
    }
    map.push(text.len());
    Some((folded, map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_digits_and_maps_offsets_back() {
        let text = "tel +৮৮০-১৩ and ０９０－１２ ok";
        let (folded, map) = fold(text).unwrap();
        assert_eq!(folded, "tel +880-13 and 090-12 ok");
        let at = folded.find("090-12").unwrap();
        assert_eq!(&text[map[at]..map[at + 6]], "０９０－１２");
        assert_eq!(map[folded.len()], text.len());
        assert!(fold("plain ascii 123").is_none() && fold("Zoë Łukasz 東京").is_none());
        assert_eq!(fold("٠١٢٣٤٥٦٧٨٩ ۰۹۱۲ ०१२ ๑๒๓").unwrap().0, "0123456789 0912 012 123");
    }
}

//! Street-address detection in free text: agent chat logs, tool-call arguments, tool results.
//!
//! In: any `&str` (prose, markdown, code, JSON; a literal `\n` escape counts as a line break, a `\uXXXX` letter as a
//! letter). Out: byte ranges `(start, end)` of whole addresses, left to right, non-overlapping, on char boundaries:
//! house number, street, street type, a following unit (`Apt. 377`, `Suite 200`, `#12`, `2nd Floor`) and the locality
//! after `, ` or a line break, or after a space when it carries a postcode (`Springfield, IL 62704`, `London NW1 6XE`,
//! `10115 Berlin`, `Sydney NSW 2000`, `FPO AP 12345`). In a JSON address object, the `postal_code` value and the
//! `city` value before it are ranges of their own.
//!
//! The scan jumps (8 bytes at a time) from one ASCII digit or ':' to the next and looks only at the words around it:
//! * around a number: number-first formats (US/CA/UK/AU/NZ/IE, FR, JP, IN, KR, UAE) read forward, number-last ones
//!   (DE/AT/CH, NL, Nordic, ES/CA/PT/IT, PL, TR, LatAm, PO boxes, APO/FPO/DPO) read back over at most one line, CJK
//!   and Hangul ones (`世纪大道100号`, `테헤란로 123`) both ways;
//! * after an address label (`Address:`, `Shipping address:`, `Adresse :`, `Dirección:`, `住所：`, `〒`; at a colon,
//!   or before a number for `ship to`, `I'm at`, `my address is`): the value, over up to five lines while they look
//!   like address material (a blank line, another `Label:`, an e-mail, code or prose ends it), in scripts other than
//!   Latin to the end of the line. Labels of other addresses (`IP address:`, `E-Mail-Adresse:`) are no labels.
//!
//! Text without digits or colons costs that scan only.
//!
//! Word lists and formats:
//! * street types: USPS Publication 28 Appendix C1 (suffix names, common and standard abbreviations, plurals), plus the
//!   UK/IE/AU thoroughfare types of Royal Mail PAF and AS 4590 (Close, Crescent, Parade, Wynd, Circuit, Quay, ...);
//! * units: USPS Pub. 28 Appendix C2 (APT, STE, UNIT, FL, RM, BLDG, LOT, PMB, TRLR, SPC), UK/AU Flat/Level/Studio,
//!   ES/IT Piso/Puerta/Piano/Appartamento;
//! * states and postcodes: USPS Pub. 28 Appendix B (states, territories, AA/AE/AP), Canada Post and Australia Post
//!   codes; ZIP/ZIP+4, A9A 9A9, Royal Mail outward/inward codes, Eircode, 4-5 digit continental codes (NL `1012 AB`,
//!   PT `1100-148`), JP `123-4567`, IN 6-digit PIN;
//! * continental thoroughfares from the national conventions: DE/AT/CH `-straße/-weg/-gasse/-platz`, NL `-straat/
//!   -gracht/-laan/-plein`, Nordic `-gatan/-vej`, FR `rue/avenue/impasse/quai`, ES/CA `calle/C//carrer/paseo`, PT
//!   `rua/praça`, IT `via/viale/piazza/corso`;
//! * PO boxes: P.O./GPO Box, Postfach, BP, Apartado (de Correos), Locked/Private Bag, Postbus, PMB, Caixa/Casella
//!   Postale, Casilla; military: PSC/CMR/Unit ... Box, USS/USNS/USNV/USCGC ships;
//! * national conventions beyond those: PL `ul./al./os./pl.` and `NN-NNN`; TR `Mah./Cad./Sok./Bulvarı No:N D:N` and
//!   `district/province`; KR romanised `-ro/-gil/-daero` and `-gu`; MX `Int./Col.` and `CDMX`; BR `- sala/apto`,
//!   `City - UF`, CEP `NNNNN-NNN`; NL additions `hs/bis/-A/-II`; floors `2.º Dto.`, `3º izq.`, `2e étage`, `3. OG`;
//!   IN `House/Door/Plot No.` and PIN after `-`; CA numbered avenues `17 Ave SW`; UK estates `The Paddocks`.


/// Appends the byte ranges (start, end) of street addresses found in `text`, left to right, non-overlapping.
pub fn find_addresses(text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let (mut i, mut floor) = (0usize, 0usize);
    while let Some(d) = next_event(b, i) {
        // "Address:", "Adresse de livraison :", `"home_address": `: a value may hold no ASCII digit (CJK, Arabic)
        if b[d] == b':' {
            match label_before(text, d, floor).then(|| label_value(text, d + 1, false)).flatten() {
                Some((s, e)) => { push(out, b, s, e); (floor, i) = (e, e); }
                None => i = d + 1,
            }
            continue;
        }
        // "ship to 84 The Paddocks", "I'm at\nFlat 3, …"
        let phrase = num_start_ok(b, d).then(|| phrase_before(text, d, floor)).flatten();
        if let Some((s, e)) = phrase.and_then(|v| label_value(text, v, true)) { push(out, b, s, e); (floor, i) = (e, e); continue; }
        let j = d + digits(b, d);
        if let Some(e) = json_postcode(text, d, floor, out) { (floor, i) = (e, e.max(j)); continue; }
        let cj = d > 1 && (b[d - 1] >= 0x80 || b[d - 1] == b' ' && b[d - 2] >= 0x80);
        let found = if cj { cjk(text, d, floor) } else { None };
        let found = found.or_else(|| lookback(text, d, floor)).or_else(|| no_mark(b, d, floor).and_then(|p| turkish(text, d, p, floor)));
        match found.or_else(|| number_first(text, d, floor)) {
            Some((s, e)) => { push(out, b, s, e); (floor, i) = (e, e.max(j)); }
            None => i = j,
        }
    }
}

/// Appends an address, joined to the one before when only ", " or a line break lies between ("Flat 3, Rose
/// Court" + "12 High St").
fn push(out: &mut Vec<(usize, usize)>, b: &[u8], s: usize, e: usize) {
    let last = out.last_mut().filter(|l| l.1 < s && s - l.1 <= 8);
    let joined = last.filter(|l| {
        let k = l.1 + (b[l.1] == b',') as usize;
        let brk = line_break(b, skip_sp(b, k));
        skip_sp(b, brk.unwrap_or(skip_sp(b, k))) == s && (k > l.1 || brk.is_some())
    });
    if let Some(l) = joined { l.1 = e } else { out.push((s, e)) }
}

/// Position of the next ASCII digit or ':' (0x30..=0x3A) at or after `i`: 8 bytes at a time, the high bit
/// masked off first so that the additions cannot carry into the next byte.
fn next_event(b: &[u8], mut i: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let x = w & !HI;
        let m = (x + LO * 0x50) & !(x + LO * 0x45) & !w & HI;
        if m != 0 { return Some(i + (m.trailing_zeros() / 8) as usize); }
        i += 8;
    }
    (i..b.len()).find(|&k| (b'0'..=b':').contains(&b[k]))
}

mod labels;
mod words;
use labels::*;
use words::*;

// ---------------------------------------------------------------- characters and words

/// A JSON `\uXXXX` escape at `i` (`\\u00e9` when escaped again), decoded, and its length.
fn esc(b: &[u8], i: usize) -> Option<(char, usize)> {
    let n = b[i.min(b.len())..].iter().take(3).take_while(|&&c| c == b'\\').count();
    let hex = b.get(i + n + 1..i + n + 5).filter(|_| n > 0 && b[i + n] == b'u')?;
    Some((char::from_u32(hex.iter().try_fold(0u32, |v, &c| Some(v * 16 + (c as char).to_digit(16)?))?)?, n + 5))
}
fn esc_at(b: &[u8], i: usize) -> Option<char> { esc(b, i).map(|x| x.0) }

/// Calls `f` on each char of `w` (escapes decoded) until it returns false.
fn each_char(w: &str, mut f: impl FnMut(char) -> bool) {
    let (b, mut i) = (w.as_bytes(), 0);
    while i < b.len() {
        let (c, n) = esc(b, i).unwrap_or_else(|| w[i..].chars().next().map(|c| (c, c.len_utf8())).unwrap());
        i += n;
        if !f(c) { return; }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Case { Lower, Cap, Upper, Other }

fn case_of(w: &str) -> Case {
    let (b, mut first, mut all_up) = (w.as_bytes(), None, true);
    if b.iter().all(|&c| c < 0x80 && c != b'\\') {
        (first, all_up) = (b.iter().find(|c| c.is_ascii_alphabetic()).map(|&c| c as char), !b.iter().any(u8::is_ascii_lowercase));
    } else { each_char(w, |c| { if c.is_alphabetic() { first.get_or_insert(c); all_up &= !c.is_lowercase(); } true }); }
    match first {
        Some(c) if c.is_uppercase() => if all_up { Case::Upper } else { Case::Cap },
        Some(c) if c.is_lowercase() => Case::Lower,
        _ => Case::Other,
    }
}

fn capish(c: Case) -> bool { c == Case::Cap || c == Case::Upper }

/// French/Italian elision before a capitalised name: "d'Alésia", "l'Église", "dell'Orso".
fn elided_cap(w: &str) -> bool {
    let k = w.bytes().take(5).position(|c| c == b'\'' || c == 0xE2);
    k.is_some_and(|k| w[k..].trim_start_matches(['\'', '’']).chars().next().is_some_and(char::is_uppercase))
}

fn is_word_start(t: &str, i: usize) -> bool {
    let b = t.as_bytes();
    if i >= b.len() || !t.is_char_boundary(i) { return false; }
    if b[i] < 0x80 { return b[i].is_ascii_alphabetic() || esc_at(b, i).is_some_and(char::is_alphabetic); }
    t[i..].chars().next().is_some_and(char::is_alphabetic)
}

/// End of the word starting at `i`: letters (escapes included), inner hyphens and apostrophes, and
/// the dots of one-letter abbreviations ("P.O", "v.le", "U.S.A").
fn read_word(t: &str, i: usize) -> usize {
    let (b, mut j, mut seg) = (t.as_bytes(), i, 0usize);
    while j < b.len() {
        let c = b[j];
        let ch = if c >= 0x80 { t[j..].chars().next().unwrap() } else { c as char };
        let escape = (c == b'\\').then(|| esc(b, j)).flatten().filter(|e| e.0.is_alphabetic());
        let step = if ch.is_alphabetic() { ch.len_utf8() } else if let Some((_, n)) = escape {
            n
        } else if (c == b'-' || c == b'\'' || ch == '’') && j > i && is_word_start(t, j + ch.len_utf8())
            || c == b'.' && seg == 1 && b.get(j + 1).is_some_and(u8::is_ascii_alphabetic)
        { seg = usize::MAX; ch.len_utf8() } else { break; };
        (seg, j) = (seg.wrapping_add(1), j + step);
    }
    j
}

/// Start of the word ending at `we`, read backwards with the rules of `read_word`; stops at a JSON
/// line-break escape ("\nHauptstraße" starts at "H").
fn word_back(t: &str, we: usize, floor: usize) -> usize {
    let (b, mut s, mut seg) = (t.as_bytes(), we, 0usize);
    // most words: ASCII letters after a space, with no escape, joiner or other letter before them
    let k = we - b[floor..we].iter().rev().take_while(|c| c.is_ascii_alphabetic()).count();
    if k == floor || !b"-'.\\".contains(&b[k - 1]) && b[k - 1] < 0x80 && !b[k.saturating_sub(6).max(floor)..we].contains(&b'\\') {
        return k;
    }
    while s > floor {
        let c = b[s - 1];
        let ch = if c >= 0x80 { t[..s].chars().next_back().unwrap() } else { c as char };
        if s >= floor + 6 && b[s - 6] == b'\\' && esc_at(b, s - 6).is_some_and(char::is_alphabetic) {
            s -= 6 + b[floor..s - 6].iter().rev().take(2).take_while(|&&c| c == b'\\').count();
        } else if ch.is_alphabetic() {
            if s >= 2 && b[s - 2] == b'\\' && matches!(c, b'n' | b't' | b'r') { break; }
            s -= ch.len_utf8();
        } else if seg > 0 && s >= floor + 1 + ch.len_utf8() && b[s - 1 - ch.len_utf8()].is_ascii_alphabetic()
            && (c == b'-' || c == b'\'' || ch == '’' || c == b'.' && (s < floor + 3 || !b[s - 3].is_ascii_alphabetic()))
        { (s, seg) = (s - ch.len_utf8(), 0); continue; } else { break; }
        seg += 1;
    }
    s
}

fn skip_sp(b: &[u8], p: usize) -> usize { p + b[p.min(b.len())..].iter().take(3).take_while(|&&c| c == b' ').count() }

/// End of a line break at `p`: "\n", "\r\n", or JSON-escaped once or more ("\\n", "\\\\r\\\\n").
fn line_break(b: &[u8], p: usize) -> Option<usize> {
    let q = p + b[p.min(b.len())..].iter().take_while(|&&c| c == b'\\').count();
    match (b.get(p)?, b.get(q)) {
        (b'\n', _) => Some(p + 1),
        (b'\r', _) if b.get(p + 1) == Some(&b'\n') => Some(p + 2),
        (b'\\', Some(b'n')) => Some(q + 1),
        (b'\\', Some(b'r')) => line_break(b, q + 1).or(Some(q + 1)),
        _ => None,
    }
}

/// Where the previous line ends, when a line break ends exactly at `s`.
fn break_before(b: &[u8], s: usize, floor: usize) -> Option<usize> {
    if s > floor && b[s - 1] == b'\n' { return Some(s - 1 - (s >= floor + 2 && b[s - 2] == b'\r') as usize); }
    if !(s >= floor + 2 && b[s - 1] == b'n' && b[s - 2] == b'\\') { return None; }
    let back = |k: usize| k - b[floor..k].iter().rev().take_while(|&&c| c == b'\\').count();
    let k = back(s - 1);
    Some(if k >= floor + 2 && b[k - 1] == b'r' && b[k - 2] == b'\\' { back(k - 1) } else { k })
}

/// Where an address part may end: punctuation, a quote, a (JSON-escaped) line break or the end.
fn hard_bound(b: &[u8], i: usize) -> bool { i >= b.len() || b",.;:)]}\"'\n\r\\!?|<\t(".contains(&b[i]) }

fn alnum_at(b: &[u8], i: usize) -> bool { i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] >= 0x80) }
fn digits(b: &[u8], i: usize) -> usize { b[i.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count() }

#[derive(Clone, Copy, Default)]
struct Tok { s: usize, e: usize, kind: u8, dot: bool, slash: bool }
const WORD: u8 = 0; const NUM: u8 = 1; const COMMA: u8 = 2;

/// "42nd", "5th", "1st".
fn ordinal_end(b: &[u8], p: usize) -> Option<usize> {
    let (n, e) = (digits(b, p), p + digits(b, p));
    if n == 0 || n > 3 || e + 2 > b.len() || alnum_at(b, e + 2) { return None; }
    matches!(&[b[e].to_ascii_lowercase(), b[e + 1].to_ascii_lowercase()], b"st" | b"nd" | b"rd" | b"th").then_some(e + 2)
}

/// A bare number naming a street, "17" in "3189 17 Ave SW" (Calgary, Edmonton): english() wants a street type next.
fn bare_num(b: &[u8], p: usize) -> Option<usize> {
    Some(p + digits(b, p)).filter(|&e| (1..=3).contains(&(e - p)) && b.get(e) == Some(&b' '))
}

/// Words after a house number, read on demand: separated by spaces, each may carry a trailing ".".
struct Fwd<'a> { t: &'a str, w: [Tok; 7], n: usize, p: Option<usize> }
impl Fwd<'_> {
    fn get(&mut self, i: usize) -> Option<Tok> {
        let b = self.t.as_bytes();
        while self.n <= i && self.n < self.w.len() {
            let p = self.p.take()?;
            let num = b.get(p)?.is_ascii_digit();
            let e = if num { ordinal_end(b, p).or_else(|| bare_num(b, p))? } else { Some(read_word(self.t, p)).filter(|&e| e > p)? };
            let dot = b.get(e) == Some(&b'.');
            (self.w[self.n], self.n) = (Tok { s: p, e, kind: if num { NUM } else { WORD }, dot, slash: false }, self.n + 1);
            // "St. Mary's" goes on, "fixes. Hope Street" is a new sentence
            let (q, abbr) = (e + dot as usize, !dot || self.t[p..e].chars().nth(3).is_none());
            self.p = (abbr && b.get(q) == Some(&b' ')).then(|| skip_sp(b, q)).filter(|&r| r < b.len());
        }
        (i < self.n).then(|| self.w[i])
    }
    fn s(&self, x: Tok) -> &str { &self.t[x.s..x.e] }
}

/// Tokens before a number, read backwards on demand (1 = the nearest): words, numbers, commas.
struct Back<'a> { t: &'a str, floor: usize, from: usize, w: [Tok; 8], n: usize }
impl<'a> Back<'a> {
    fn new(t: &'a str, floor: usize, from: usize) -> Self { Back { t, floor, from, w: [Tok::default(); 8], n: 0 } }
    fn get(&mut self, k: usize) -> Option<Tok> {
        let (b, fl) = (self.t.as_bytes(), self.floor);
        while self.n < k && self.n < self.w.len() {
            let mut e = if self.n == 0 { self.from } else { self.w[self.n - 1].s };
            while e > fl && b[e - 1] == b' ' { e -= 1; }
            let c = if e > fl { b[e - 1] } else { 0 };
            let tok = match c {
                b',' => Tok { s: e - 1, e, kind: COMMA, ..Tok::default() },
                b'0'..=b'9' => {
                    Tok { s: e - b[fl..e].iter().rev().take_while(|c| c.is_ascii_digit()).count(), e, kind: NUM, ..Tok::default() }
                }
                _ => {
                    let we = e - matches!(c, b'.' | b'/') as usize;
                    let s = word_back(self.t, we, fl);
                    if s == we { break; }
                    Tok { s, e: we, kind: WORD, dot: c == b'.', slash: c == b'/' }
                }
            };
            (self.w[self.n], self.n) = (tok, self.n + 1);
        }
        (k >= 1 && k <= self.n).then(|| self.w[k - 1])
    }
    fn word(&mut self, k: usize) -> Option<Tok> { self.get(k).filter(|x| x.kind == WORD) }
    fn low(&mut self, k: usize) -> Low { self.word(k).map_or(Low::EMPTY, |x| Low::new(&self.t[x.s..x.e])) }
    /// The word at `k` lowercased, borrowed when it already is (most prose), else lowered into `buf`.
    fn low_in<'b>(&mut self, k: usize, buf: &'b mut Low) -> &'b str where 'a: 'b {
        let Some(x) = self.word(k) else { return "" };
        let w = &self.t[x.s..x.e];
        if w.bytes().all(|c| c.is_ascii_lowercase() || c == b'.' || c == b'-' || c == b'\'') { return w; }
        *buf = Low::new(w);
        buf.s()
    }
}

// ---------------------------------------------------------------- numbers

/// A house number at `d`: "12", "0487", "12B", "12-14", "4/12", "2/3/4". Returns (end, digits of the first group).
fn house_num(b: &[u8], d: usize, max_digits: usize) -> Option<(usize, usize)> {
    let nd = digits(b, d);
    if nd == 0 || nd > max_digits { return None; }
    let (mut j, letter) = (d + nd, |j: usize| j < b.len() && b[j].is_ascii_alphabetic() && !alnum_at(b, j + 1));
    for g in 0..3 {
        if letter(j) { j += 1; break; }
        // "47hs", "47-bis", "12-A", "210-III", "3bis": Dutch and French additions
        let k = j + (b.get(j) == Some(&b'-')) as usize;
        let n = b[k.min(b.len())..].iter().take(5).take_while(|c| c.is_ascii_alphabetic()).count();
        let (w, roman) = (&b[k..k + n], k > j && n <= 3 && b[k..k + n].iter().all(|c| b"IVX".contains(c)));
        let listed = ["hs", "bis", "ter", "huis", "bg", "zw"].iter().any(|s| w.eq_ignore_ascii_case(s.as_bytes()));
        if g == 0 && n > 0 && !alnum_at(b, k + n) && (n == 1 && k > j || roman || listed) {
            j = k + n;
            break;
        }
        // "3-11-82" (Hyderabad, Chennai): more dashes after a short first group
        if !(j + 1 < b.len() && (b[j] == b'/' || b[j] == b'-' && (g == 0 || nd <= 2)) && (1..=5).contains(&digits(b, j + 1))) { break; }
        j += 1 + digits(b, j + 1);
    }
    let num_follows = j + 1 < b.len() && matches!(b[j], b'.' | b',' | b':' | b'/' | b'-') && b[j + 1].is_ascii_digit();
    (!alnum_at(b, j) && b.get(j) != Some(&b'%') && !num_follows).then_some((j, nd))
}

/// The byte before a number-first house number: a space, an opening bracket or quote, or a JSON escape.
fn num_start_ok(b: &[u8], d: usize) -> bool {
    if d == 0 { return true; }
    match b[d - 1] {
        b' ' | b'\t' | b'\n' | b'\r' | b'(' | b'[' | b'{' | b'"' | b'\'' | b'`' | b'>' | b'=' | b'|' | b'*' => true,
        b':' | b',' | b';' => !(d >= 2 && b[d - 2].is_ascii_digit()),
        b'n' | b't' | b'r' => d >= 2 && b[d - 2] == b'\\',
        0xA0 => d >= 2 && b[d - 2] == 0xC2,
        _ => false,
    }
}

/// Flags and start of the word before the number ("House No." counts as its unit word).
fn prev_word(t: &str, d: usize, floor: usize) -> (u32, usize) {
    let b = t.as_bytes();
    let mut p = d - b[floor..d].iter().rev().take_while(|&&c| c == b' ').count();
    if p == d { return (0, d); }
    p -= (p > floor && b[p - 1] == b'.') as usize;
    let s = word_back(t, p, floor);
    if s == p { return (0, d); }
    if t[s..p].eq_ignore_ascii_case("no") || t[s..p].eq_ignore_ascii_case("nr") {
        let (f2, s2) = prev_word(t, s, floor);
        if f2 & UNIT_PRE != 0 { return (f2, s2); }
    }
    (flags(&t[s..p]), s)
}

fn is_year(b: &[u8], d: usize) -> bool { digits(b, d) == 4 && matches!(&b[d..d + 2], b"18" | b"19" | b"20") }

/// A JSON key such as "street", "address_line1", "home_address" right before the value at `d`.
fn address_key_before(b: &[u8], d: usize) -> bool {
    let s = &b[d.saturating_sub(40)..d];
    let key = s.iter().rposition(|&c| c == b':').map_or(&s[..0], |k| &s[k.saturating_sub(24)..k]);
    ["street", "address", "line1", "line_1", "addr"].iter().any(|k| key.windows(k.len()).any(|x| x.eq_ignore_ascii_case(k.as_bytes())))
}

// ---------------------------------------------------------------- number-first: US/UK/AU/..., French, JP, IN
/// A street found after the number. weak: its type is a common noun ("Mill", "Points") and needs more evidence.
#[derive(Default)]
/// `cap_name`: the name and the type are all capitalised ("Price Glen", "Morris Vista"), as a street is written.
struct Street { end: usize, weak: bool, lower: bool, dotted: bool, plural: bool, needs_postcode: bool, cap_name: bool }

fn number_first(t: &str, d: usize, floor: usize) -> Option<(usize, usize)> {
    let b = t.as_bytes();
    if !num_start_ok(b, d) { return None; }
    if let Some(e) = japan(t, d) { return Some((unit_prefix(t, d, floor).unwrap_or(d), e)); }
    let (ne, nd) = house_num(b, d, 6)?;
    let (comma, brk) = (b.get(ne) == Some(&b','), line_break(b, ne));
    let sep = comma || brk.is_some();
    // "Flat 2, Mitchell Shores", "Flat 3\nHenry Land": a unit word, its number, then the street
    let (mut pf, ps) = if sep { prev_word(t, d, floor) } else { (0, d) };
    let unit_led = pf & UNIT_PRE != 0;
    let p0 = brk.unwrap_or(ne + comma as usize);
    let mut p = skip_sp(b, p0);
    if brk.is_none() && p == p0 || !(is_word_start(t, p) || ordinal_end(b, p).is_some() || bare_num(b, p).is_some()) { return None; }
    // "Flat 645, Green Meadows Apartments, 14th Cross, Indiranagar, Bengaluru - 560038": parts up to a PIN
    if let Some(e) = (sep && pf & NEG_PRE == 0).then(|| india(t, p, unit_led)).flatten() {
        return Some((if unit_led { ps } else { d }, e));
    }
    for w in ["bis ", "ter ", "quater ", "BIS ", "TER "].iter().filter(|_| !sep) {
        if b[p..].starts_with(w.as_bytes()) { p = skip_sp(b, p + w.len() - 1); }
    }
    let mut w = Fwd { t, w: [Tok::default(); 7], n: 0, p: Some(p) };
    let f0 = w.get(0).map(|x| flags(w.s(x)))?;
    let fr = if f0 & FR != 0 && !unit_led && brk.is_none() { french(&mut w, f0) } else { None };
    let (anglo, lead) = (fr.is_none(), if unit_led { ps } else { d });
    let st = fr.or_else(|| if !sep || unit_led { english(&mut w, f0, unit_led).or_else(|| named(&mut w)) } else { None });
    let Some(st) = st else {
        // "Flat 3, Rosewood House, 12 High St": a building name between the unit and the street
        let k = p + b[p..].iter().take(40).take_while(|&&c| c.is_ascii_alphabetic() || c == b' ' || c >= 0x80).count();
        let q = (unit_led && b.get(k..k + 2) == Some(b", ")).then_some(k + 2).filter(|&q| b.get(q).is_some_and(u8::is_ascii_digit))?;
        return number_first(t, q, q).filter(|x| x.0 == q).map(|x| (lead, x.1));
    };
    let year = is_year(b, d);
    if !sep { pf = prev_word(t, d, floor).0; }
    // "Copyright 2016 Iain Lane", "(c) 2012 Qualcomm Innovation Center"
    let before = &b[d.saturating_sub(16)..d];
    let copyright = year && ["opyright", "(c)", "(C)", "©"].iter().any(|m| before.windows(m.len()).any(|w| w == m.as_bytes()));
    if pf & NEG_PRE != 0 || year && pf & YEAR_PRE != 0 || copyright { return None; }
    let mut e = st.end;
    let mut evidence = nd >= 4 && !year && !st.plural || b[d] == b'0' || unit_led;
    if let Some(q) = dir_suffix(t, e).filter(|_| anglo) { e = q; evidence = true; }
    let (e, unit) = units(t, e);
    let json_value = d > 0 && b[d - 1] == b'"' && matches!(b.get(e), Some(b'"' | b'\\')) && address_key_before(b, d);
    let tail = parse_tail(t, e);
    if st.needs_postcode && !tail.is_some_and(|x| x.1) { return None; }
    // "253 Price Glen by Friday", "318 Kyle Station.": a capitalised weak type ends the phrase; not "2 Bay Bridge tickets"
    let named_end = st.cap_name && address_intro(t, d, floor) && (clause_end(t, e) || lower_word_next(t, e));
    if st.weak && !(evidence || unit || json_value || tail.is_some() || named_end) { return None; }
    if tail.is_none() && (!st.dotted && !follow_ok(t, e, st.lower, nd >= 3 || unit) || st.lower && nd < 2 && !unit) { return None; }
    // "Room 673, No. 5 Wensan Rd"; "Rose Cottage\n210 Queen's Drive"
    let d0 = no_mark(b, d, floor).filter(|&k| b[k] == b'N' && b[k + 2] != b':').unwrap_or(d);
    let s = if unit_led { lead } else { unit_prefix(t, d0, floor).unwrap_or(d0) };
    let s = house_name(t, s, floor).unwrap_or(s);
    // "1/12 Park Street, Near Hanuman Temple, Koramangala 5th Block, Pune - 411074": parts up to an Indian PIN
    let pin = (b.get(e) == Some(&b',') && !tail.is_some_and(|x| x.1)).then(|| india(t, skip_sp(b, e + 1), false)).flatten();
    Some((s, pin.or(tail.map(|x| x.0)).unwrap_or(e)))
}

/// Streets without a type word: "265 Teheran-ro", "45 Insadong-gil" (romanised Korean); "84 The Paddocks", "7 The
/// Old Orchard" (English named estates, only before a postcode).
fn named(w: &mut Fwd) -> Option<Street> {
    let x = w.get(0)?;
    if capish(case_of(w.s(x))) && w.s(x).contains('-') && street_suffix(Low::new(w.s(x)).s()) {
        return Some(Street { end: x.e, ..Street::default() });
    }
    let name = |w: &mut Fwd, k| w.get(k).filter(|y| y.kind == WORD && capish(case_of(w.s(*y))) && flags(w.s(*y)) & (STOP | CITY_STOP) == 0);
    let y = name(w, 1).filter(|_| w.s(x) == "The")?;
    let end = if w.get(3).is_none() { name(w, 2).unwrap_or(y).e } else { y.e };
    Some(Street { end, needs_postcode: true, ..Street::default() })
}

/// Name words then a street type: "Main St", "W 42nd St", "17 Ave", "Hopkins Squares", "St. Mary's Road".
fn english(w: &mut Fwd, f0: u32, relaxed: bool) -> Option<Street> {
    let b = w.t.as_bytes();
    let mut cases = [Case::Other; 7];
    let mut nf = f0;
    for k in 1..5 {
        let nw = w.get(k - 1)?;
        if nw.kind == WORD {
            let (ns, nc) = (w.s(nw), case_of(w.s(nw)));
            let single = ns.chars().nth(1).is_none();
            let stop = nf & STOP != 0 && !(relaxed && nc == Case::Cap);
            if stop || single && nf & DIR == 0 && !nw.dot || nc == Case::Lower && nf & T_LOWER != 0 { return None; }
            cases[k - 1] = nc;
        }
        let tw = w.get(k)?;
        let (ts, tf) = (w.s(tw), if tw.kind == WORD { flags(w.s(tw)) } else { 0 });
        if nw.kind == NUM && b[nw.e - 1].is_ascii_digit() && tf & (T_STRONG | T_ABBR) == 0 { return None; }
        nf = tf;
        if tf & (T_STRONG | T_WEAK | T_ABBR) == 0 { continue; }
        let (tc, abbr) = (case_of(ts), tf & T_ABBR != 0);
        let end_ok = tw.dot || tw.e >= b.len() || matches!(b[tw.e], b',' | b'\n' | b'\r' | b'\\' | b'"');
        if !(tc == Case::Lower && (!abbr || end_ok) || capish(tc) && cases[k - 1] != Case::Lower) { continue; }
        // "anderson ring", "cameron loop": common nouns in lowercase only count before a postcode
        let mut st = Street { end: tw.e + (tw.dot && abbr) as usize, weak: !abbr && tf & T_STRONG == 0, dotted: tw.dot && abbr,
            lower: tc == Case::Lower && cases[..k].iter().all(|&c| !capish(c)), plural: ts.ends_with('s'),
            needs_postcode: tc == Case::Lower && tf & T_LOWER == 0, cap_name: capish(tc) && cases[..k].iter().all(|&c| capish(c)) };
        // "Mill Park Road": a type word inside a longer name
        if let Some(x) = w.get(k + 1).filter(|x| x.kind == WORD && capish(tc) && capish(case_of(w.s(*x)))) {
            let (xf, xa) = (flags(w.s(x)), flags(w.s(x)) & T_ABBR != 0);
            if xf & (T_STRONG | T_ABBR) != 0 { (st.end, st.weak, st.dotted) = (x.e + (x.dot && xa) as usize, false, x.dot && xa); }
        }
        return Some(st);
    }
    None
}

/// French order: "rue de la Paix", "avenue Victor Hugo", "boulevard Saint-Michel".
fn french(w: &mut Fwd, f0: u32) -> Option<Street> {
    let distinct = f0 & FR_DIST != 0;
    let tcase = w.get(0).map(|x| case_of(w.s(x)))?;
    let (mut content, mut end, mut lower, mut first) = (0, 0, false, true);
    for i in 1..7 {
        let Some(x) = w.get(i).filter(|x| x.kind == WORD) else { break };
        let s = w.s(x);
        let (f, c) = (flags(s), case_of(s));
        if f & PART != 0 && c != Case::Cap { first = false; continue; }
        // Title-case "Route Planning Tips" is an English heading, not "Route de Lyon"
        if first && !distinct && tcase == Case::Cap { return None; }
        first = false;
        if capish(c) || elided_cap(s) { (content, end) = (content + 1, x.e); } else {
            if c == Case::Lower && distinct && content == 0 && f & STOP == 0 { (content, end, lower) = (1, x.e, true); }
            break;
        }
    }
    (content > 0).then_some(Street { end, weak: false, lower, dotted: false, plural: false, needs_postcode: false, cap_name: false })
}

/// "NW", "North" after the street type, when nothing but a unit or punctuation follows.
fn dir_suffix(t: &str, e: usize) -> Option<usize> {
    let b = t.as_bytes();
    if b.get(e) != Some(&b' ') || !is_word_start(t, e + 1) { return None; }
    let we = read_word(t, e + 1);
    let (s, r) = (&t[e + 1..we], we + (b.get(we) == Some(&b'.')) as usize);
    if flags(s) & DIR == 0 || !(case_of(s) == Case::Upper && s.len() <= 2 || case_of(s) == Case::Cap) { return None; }
    let q = skip_sp(b, r);
    (b.get(r) != Some(&b' ') || read_word(t, q) > q && flags(&t[q..read_word(t, q)]) & UNIT != 0).then_some(r)
}

/// Up to two units after the street: "Apt. 377", ", Suite 200", " #12", ", 2nd Floor", " Piano 4", " D:30".
fn units(t: &str, mut e: usize) -> (usize, bool) {
    let (b, mut found) = (t.as_bytes(), false);
    for _ in 0..2 {
        // after ", ", " ", " - " ("2844 - casa 2") or on the next line ("Lindenstraße 69\n3. OG links")
        let c = e + (b.get(e) == Some(&b',')) as usize;
        let brk = line_break(b, c);
        let q = if b[e.min(b.len())..].starts_with(b" - ") { e + 2 } else { brk.unwrap_or(c) };
        let q2 = skip_sp(b, q);
        if q2 == q && brk.is_none() || q2 >= b.len() { break; }
        let side = if b[q2] == b'#' { unit_id(b, skip_sp(b, q2 + 1)) } else { floor_side(t, q2) };
        let r = if side.is_some() { side } else if let Some(oe) = ordinal_end(b, q2) {
            let (ws, we) = (skip_sp(b, oe), read_word(t, skip_sp(b, oe)));
            (ws > oe && (t[ws..we].eq_ignore_ascii_case("floor") || t[ws..we].eq_ignore_ascii_case("fl"))).then_some(we)
        } else {
            let we = read_word(t, q2);
            let r = we + matches!(b.get(we), Some(b'.' | b':')) as usize;
            let r2 = skip_sp(b, r);
            let r2 = r2 + (b.get(r2) == Some(&b'#')) as usize;
            (we > q2 && (r2 > r || r > we) && flags(&t[q2..we]) & UNIT != 0).then(|| unit_id(b, r2)).flatten()
        };
        let Some(x) = r else { break };
        (e, found) = (x, true);
    }
    (e, found)
}

/// A floor and side: "5.º Esq." (PT), "6º izq." (ES), "3e étage, porte gauche" (FR), "3. OG links" (DE).
fn floor_side(t: &str, q: usize) -> Option<usize> {
    const SIDE: &str = "esq dto dta dt izq izda izqda dcha dcho der étage etage og eg dg links rechts mitte porte gauche droite andar";
    let (b, n) = (t.as_bytes(), digits(t.as_bytes(), q));
    let m = ["º", ".º", "ª", ".ª", "e", "."].iter().find(|m| (1..=2).contains(&n) && t[q + n..].starts_with(**m))?;
    let (mut e, mut ok) = (q + n + m.len(), m.len() > 1);
    loop {
        let ws = skip_sp(b, e + (ok && b.get(e) == Some(&b',')) as usize);
        let we = read_word(t, ws);
        if ws == e || we == ws || !SIDE.split(' ').any(|w| w == Low::new(&t[ws..we]).s()) { break; }
        (e, ok) = (we + (b.get(we) == Some(&b'.')) as usize, true);
    }
    ok.then_some(e)
}

/// "377", "4B", "12-3", "A".
fn unit_id(b: &[u8], q: usize) -> Option<usize> {
    let n = b[q.min(b.len())..].iter().take(8).enumerate()
        .take_while(|&(i, &c)| c.is_ascii_alphanumeric() || c == b'-' && i > 0 && b.get(q + i + 1).is_some_and(u8::is_ascii_alphanumeric))
        .count();
    let id = &b[q..q + n];
    let ok = id.iter().any(u8::is_ascii_digit) || n <= 2 && id.iter().all(u8::is_ascii_uppercase);
    (n > 0 && !alnum_at(b, q + n) && ok).then_some(q + n)
}

/// After a street without a locality: no lowercase prose continuing an all-lowercase match, and no
/// Title-case word glued to a short number ("5 Common Road Signs").
/// Whether what comes before the house number at `d` introduces a place: "to", "at", "is", "on", "from", a
/// label's colon or an opening quote ("ship it to 527 Morris Vista"; not "5 Key Points").
fn address_intro(t: &str, d: usize, floor: usize) -> bool {
    let b = t.as_bytes();
    let p = d - b[floor..d].iter().rev().take(3).take_while(|&&c| c == b' ').count();
    if p == floor { return false; }
    if matches!(b[p - 1], b':' | b'"' | b'\'') { return true; }
    let s = word_back(t, p, floor);
    ["to", "at", "is", "on", "from", "in"].iter().any(|w| t[s..p].eq_ignore_ascii_case(w)) || flags(&t[s..p]) & (LABEL | TO_VERB | AT_VERB | COPULA) != 0
}

/// Whether a word of time or courtesy follows at `e` ("moved to 5 John Mountain last month"); not a noun
/// that the capitalised words qualify ("5 Penn Station tickets").
fn lower_word_next(t: &str, e: usize) -> bool {
    let b = t.as_bytes();
    if b.get(e) != Some(&b' ') { return false; }
    let q = skip_sp(b, e);
    let s = &t[q..read_word(t, q)];
    ["last", "next", "since", "until", "till", "yesterday", "today", "tomorrow", "tonight", "this", "please", "instead", "now",
        "soon", "before", "after", "around", "during", "as", "asap"]
        .contains(&s)
}

/// Whether the clause ends at `e`: the text, punctuation, a quote, ` - `, or a lowercase linking word ("by", "near").
fn clause_end(t: &str, e: usize) -> bool {
    let b = t.as_bytes();
    match b.get(e) {
        None => true,
        Some(b',' | b'.' | b';' | b'\n' | b'\r' | b'"' | b')' | b'\\' | b'!' | b'?') => true,
        Some(b' ') => {
            let q = skip_sp(b, e);
            if b[q..].starts_with(b"- ") { return true; }
            let s = &t[q..read_word(t, q)];
            !s.is_empty() && case_of(s) == Case::Lower && flags(s) & (CONNECT | STOP) != 0
        }
        _ => false,
    }
}

fn follow_ok(t: &str, e: usize, lower: bool, strong_num: bool) -> bool {
    let (b, q) = (t.as_bytes(), skip_sp(t.as_bytes(), e));
    if b.get(e) != Some(&b' ') { return true; }
    if !is_word_start(t, q) { return !lower; }
    let s = &t[q..read_word(t, q)];
    let (f, c) = (flags(s), case_of(s));
    if c == Case::Lower { !lower || f & (CONNECT | UNIT) != 0 } else { strong_num || f & (UNIT | DIR) != 0 }
}

/// "Unit 4, " / "Flat 3, " / "Apt 4B " / "Apt. 488 " / "#1053, " before the house number.
fn unit_prefix(t: &str, d: usize, floor: usize) -> Option<usize> {
    let b = t.as_bytes();
    let back = |k: usize, f: fn(&u8) -> bool, max: usize| k - b[floor..k].iter().rev().take(max).take_while(|c| f(c)).count();
    let mut p = back(d, |&c| c == b' ', 3);
    if p > floor && b[p - 1] == b',' { p -= 1; } else if p == d { return None; }
    let ie = p;
    p = back(p, u8::is_ascii_alphanumeric, 6);
    let id = &b[p..ie];
    if !(id.iter().any(u8::is_ascii_digit) || id.len() == 1 && id[0].is_ascii_uppercase()) { return None; }
    p -= (p > floor && b[p - 1] == b'#') as usize;
    if b[p] == b'#' && (p == floor || !alnum_at(b, p - 1)) { return Some(p); }
    let q = back(p, |&c| c == b' ', 3);
    let q = q - (q < p && q > floor && b[q - 1] == b'.') as usize;
    let ws = word_back(t, q, floor);
    (q < p && ws < q && flags(&t[ws..q]) & UNIT_PRE != 0).then_some(ws)
}

/// Romanised Japanese: "4-20-8 Nishi-Shinjuku, Setagaya-ku, Osaka 060-1971" (chome-ban-go, area, ward, city).
fn japan(t: &str, d: usize) -> Option<usize> {
    let (b, mut j) = (t.as_bytes(), d);
    for g in 0..3 {
        let n = digits(b, j);
        if n == 0 || n > 4 || g < 2 && b.get(j + n) != Some(&b'-') { return None; }
        j += n + (g < 2) as usize;
    }
    for k in 0..3 {
        if b.get(j) != Some(&b' ') || !is_word_start(t, j + 1) || k == 2 { return None; }
        j = read_word(t, j + 1);
        if b.get(j..j + 2) == Some(b", ") || line_break(b, j).is_some() { break; }
    }
    let ws = line_break(b, j).unwrap_or(j + 2);
    let we = read_word(t, ws);
    if !["-ku", "-shi", "-cho", "-machi", "-gun"].iter().any(|s| Low::new(&t[ws..we]).s().ends_with(s)) { return None; }
    parse_tail(t, we).filter(|x| x.1).map(|x| x.0)
}

/// Indian style: "84, Sarkar Path, Thiruvananthapuram-140422", "Flat 655, Prestige Residency, 1st Cross,
/// Adyar, Chennai, Tamil Nadu 600020", "Plot 7, Sector 21, Gurugram - 122001": up to four words (or a number
/// after a word) per part, parts up to a 6-digit PIN. loose (after a unit): two capitalised parts need no PIN
/// ("Flat 1111, Al Reem Tower, Al Reem Island, Abu Dhabi", "Apt 26, The Maltings, Bride St").
fn india(t: &str, mut q: usize, loose: bool) -> Option<usize> {
    let b = t.as_bytes();
    for part in 0..8 {
        if loose && case_of(&t[q..read_word(t, q)]) == Case::Lower { return None; }
        for n in 0..4 {
            let we = read_word(t, q);
            q = match ordinal_end(b, q) {
                Some(e) => e,
                None if we > q && (flags(&t[q..we]) & STOP == 0 || case_of(&t[q..we]) == Case::Cap) => we,
                None if n > 0 && (1..=4).contains(&digits(b, q)) && !alnum_at(b, q + digits(b, q)) => q + digits(b, q),
                None => return None,
            };
            // "T. Nagar": an initial
            q += (we == q && we > 0 && b[we - 1].is_ascii_uppercase() && b.get(q..q + 2) == Some(b". ")) as usize;
            let more = b.get(q) == Some(&b' ') && (is_word_start(t, q + 1) || (1..=4).contains(&digits(b, q + 1)));
            if n == 3 || !more { break; }
            q += 1;
        }
        let pin = q + if b[q..].starts_with(b" - ") { 3 } else { matches!(b.get(q), Some(b' ' | b'-')) as usize };
        if pin > q && digits(b, pin) == 6 && !alnum_at(b, pin + 6) { return Some(pin + 6); }
        let next = line_break(b, q).or_else(|| (b.get(q..q + 2) == Some(b", ")).then_some(q + 2));
        match next.filter(|&x| is_word_start(t, x) || ordinal_end(b, x).is_some()) {
            Some(x) => q = x,
            None => return (loose && part > 0 && hard_bound(b, q)).then_some(q),
        }
    }
    None
}

const HOUSE: [&str; 10] = ["cottage", "house", "farm", "barn", "lodge", "hall", "villa", "manor", "mill", "grange"];

/// A house name on the line before the address, which starts at `s`: "Rose Cottage\n210 Queen's Drive".
fn house_name(t: &str, s: usize, floor: usize) -> Option<usize> {
    let b = t.as_bytes();
    let pe = break_before(b, s, floor)?;
    let (ws, mut k) = (word_back(t, pe, floor), word_back(t, pe, floor));
    // the capitalised words before "Cottage", from the start of the line
    while k > floor + 1 && b[k - 1] == b' ' && capish(case_of(&t[word_back(t, k - 1, floor)..k - 1])) { k = word_back(t, k - 1, floor); }
    let house = HOUSE.iter().any(|h| t[ws..pe].eq_ignore_ascii_case(h));
    (house && k < ws && (k == floor || break_before(b, k, floor).is_some() || b[k - 1] == b'"')).then_some(k)
}

// ---------------------------------------------------------------- number-last: DE/NL/ES/IT/PT, boxes

/// Formats where the number follows the street or box word, read backwards from the number.
fn lookback(t: &str, d: usize, floor: usize) -> Option<(usize, usize)> {
    let b = t.as_bytes();
    let mut p = d - b[floor..d].iter().rev().take(3).take_while(|&&c| c == b' ').count();
    p -= (p < d && p > floor && b[p - 1] == b',') as usize;
    // "Contrada Livio\n37": the number alone on the next line
    let broke = break_before(b, d, floor).filter(|_| p == d);
    p = broke.unwrap_or(p);
    if p == d || p <= floor || !(b[p - 1].is_ascii_alphabetic() || matches!(b[p - 1], b'.' | b'/') || b[p - 1] >= 0x80) {
        return None;
    }
    // (two lets: built in a tuple, the token buffer was copied on every call)
    let mut bk = Back::new(t, floor, p);
    let s_of = |x: Tok| &t[x.s..x.e];
    let k0c = (bk.get(1)?.kind == COMMA) as usize;
    let (mut comma, mut k0) = (k0c == 1 || broke.is_some(), 1 + k0c);
    let mut w1 = bk.word(k0)?;
    // "Calle de Alcalá, nº 42"
    if w1.e - w1.s <= 4 && (w1.dot || b[w1.e - 1] == 0xBA) && ["nº", "n", "no", "nr", "núm", "num", "n.º"].contains(&bk.low(k0).s()) {
        k0 += 1;
        if bk.get(k0).is_some_and(|x| x.kind == COMMA) { (k0, comma) = (k0 + 1, true); }
        w1 = bk.word(k0)?;
    }
    let mut l1buf = Low::EMPTY;
    let (l1, c1) = (bk.low_in(k0, &mut l1buf), case_of(s_of(w1)));
    let f1 = lookup(l1);
    if c1 == Case::Lower && f1 & STOP != 0 { return None; }
    // "Bağdat Caddesi 312", "Moda Cd. 12" (not "CD 3")
    if f1 & TR != 0 && (w1.dot || l1.chars().nth(3).is_some()) { return turkish(t, d, p, floor); }
    // PO boxes and military addresses
    if !comma {
        let keyword = matches!(l1, "box" | "bag" | "postal" | "postale" | "correos" | "aa" | "ae" | "ap");
        let l2 = if keyword { bk.low(k0 + 1) } else { Low::EMPTY };
        let at = |bk: &mut Back, k: usize, w: &str| if w.is_empty() || bk.low(k).s() == w { bk.word(k).map(|x| x.s) } else { None };
        // "PSC 1234, Box 5678", "Unit 1234 Box 5678", also with the PSC part on the line above
        let psc = |bk: &mut Back, j: usize| {
            let ok = bk.get(j).is_some_and(|x| x.kind == NUM) && matches!(bk.low(j + 1).s(), "psc" | "cmr" | "unit");
            if ok { bk.word(j + 1).map(|x| x.s) } else { None }
        };
        let start = match (l1, l2.s()) {
            ("box", "po" | "p.o" | "gpo") => at(&mut bk, k0 + 1, ""),
            ("box", "o") => at(&mut bk, k0 + 2, "p"),
            ("box", "office") => at(&mut bk, k0 + 2, "post"),
            ("box", _) if bk.get(k0 + 1).is_none() => break_before(b, w1.s, floor).and_then(|pe| psc(&mut Back::new(t, floor, pe), 1)),
            ("box", _) => { let j = k0 + 1 + bk.get(k0 + 1).is_some_and(|x| x.kind == COMMA) as usize; psc(&mut bk, j) }
            ("p.o.box" | "pobox" | "pob" | "postfach" | "apartado" | "postbus" | "casilla", _) => Some(w1.s),
            ("bp" | "b.p" | "pmb", _) if c1 == Case::Upper => Some(w1.s),
            ("bag", "locked" | "private") | ("postal", "caixa") | ("postale", "casella" | "boîte" | "boite") => at(&mut bk, k0 + 1, ""),
            ("correos", "de") => at(&mut bk, k0 + 2, "apartado"),
            ("aa" | "ae" | "ap", "fpo" | "apo" | "dpo") if c1 == Case::Upper => {
                if digits(b, d) != 5 || alnum_at(b, d + 5) { return None; }
                let s = bk.word(k0 + 1)?.s;
                return Some((mil_head(t, s, floor).unwrap_or(s), d + 5));
            }
            _ => None,
        };
        if let Some(s) = start {
            let mut e = d + digits(b, d);
            if e - d > 6 || alnum_at(b, e) || e + 1 < b.len() && b"/.,:".contains(&b[e]) && b[e + 1].is_ascii_digit() { return None; }
            // "Postfach 12 34"
            let group = |e: usize| (b.get(e) == Some(&b' ') && (2..=4).contains(&digits(b, e + 1))).then(|| e + 1 + digits(b, e + 1));
            while let Some(g) = group(e).filter(|&g| l1 == "postfach" && !alnum_at(b, g) && g - d < 16) { e = g; }
            return Some((s, parse_tail(t, e).map_or(e, |x| x.0)));
        }
    }

    // street name, then the number
    let (mut start, mut max_digits, mut check_follow, mut need_post) = (None, 5, false, false);
    if comma {
        // after "Mayor, " only the prefix forms below ("C/ Mayor, 5")
    } else if street_suffix(l1) || w1.dot && l1.len() >= 6 && l1.ends_with("str") {
        start = Some(w1.s);
    } else if ["ring", "hof", "pad"].iter().any(|s| l1.len() >= s.len() + 4 && l1.ends_with(s)) {
        // also English ("Engineering 101", "Keypad 3"): a street only before a postcode or as an address value
        (start, need_post) = (Some(w1.s), !address_key_before(b, w1.s));
    } else if f1 & DE_TYPE != 0 && capish(c1) && (l1 != "str" || w1.dot) {
        // "Berliner Str. 5"
        start = bk.word(k0 + 1).filter(|&x| capish(case_of(s_of(x))) && flags(s_of(x)) & STOP == 0).map(|x| x.s);
    } else if c1 == Case::Cap && f1 & DE_STOP == 0 {
        // "Am Markt 3", "An der Alster 5"
        let (w2, w3) = (bk.word(k0 + 1).map(s_of), bk.word(k0 + 2).map(s_of));
        let k = if matches!(w2, Some("Am" | "Im" | "Zum" | "Zur" | "Beim")) {
            k0 + 1
        } else if matches!(w2, Some("der" | "dem" | "den"))
            && matches!(w3, Some("An" | "Auf" | "In" | "Unter" | "Hinter" | "Vor" | "Bei" | "Über"))
        { k0 + 2 } else { 0 };
        if k > 0 { (start, max_digits, check_follow) = (bk.word(k).map(|x| x.s), 3, true); }
    }
    // "Calle Mayor", "Avenida de la Constitución", "Via Roma", "C/ Mayor,": name words back to a type word
    let (mut content, mut lowercase, mut named) = (0, false, None);
    for k in (k0..k0 + 7).filter(|_| start.is_none()) {
        let Some(x) = bk.word(k) else { break };
        let s = s_of(x);
        let (f, c) = if k == k0 { (f1, c1) } else { (flags(s), case_of(s)) };
        let dot_ok = f & PFX_DOT == 0 || x.dot || x.slash || s.contains('.');
        // "ul. Marszałkowska", "al. Jerozolimskie" (Polish types are lowercase), but "et al. Nature 5" is a citation
        let pl = c == Case::Lower && f & PFX_DOT != 0 && x.dot && !lowercase && bk.low(k + 1).s() != "et";
        if f & PFX != 0 && content > 0 && dot_ok && (f & PFX_DIST != 0 || capish(c) && !lowercase || pl) {
            (start, check_follow) = (Some(x.s), f & PFX_DIST == 0);
            break;
        }
        if f & PART != 0 && c != Case::Cap && k > k0 { continue; }
        if capish(c) && (f & STOP == 0 || c == Case::Upper) || elided_cap(s) {
            content += 1;
            // the name's first word, unless a word of it says the number is none ("Chapter 12")
            named = if f & NEG_PRE != 0 || content > 1 && named.is_none() { None } else { Some(x.s) };
        } else if c == Case::Lower && f & STOP == 0 && content == 0 { (content, lowercase) = (1, true); } else { break; }
    }
    // "Lange Voorhout 25hs, 5648ND EINDHOVEN": capitalised words without a street type, before a Dutch or
    // 5-digit postcode and its city
    if let Some(s) = named.filter(|_| start.is_none() && content <= 3 && !lowercase && !comma) {
        let e = house_num(b, d, 4)?.0;
        let q = skip_sp(b, e + (b.get(e) == Some(&b',')) as usize);
        let p = q + 4 + (b.get(q + 4) == Some(&b' ')) as usize;
        let nl = digits(b, q) == 4 && b.get(p..p + 2).is_some_and(|s| s.iter().all(u8::is_ascii_uppercase));
        return (q > e && (digits(b, q) == 5 || nl)).then(|| post_first(t, q)).flatten().map(|z| (s, z));
    }
    let s = start?;
    let (e, unit) = units(t, house_num(b, d, max_digits)?.0);
    // "Plaza Hotel 5 nights": a lowercase word right after the number is prose, not an address
    if check_follow && !unit && !follow_ok(t, e, true, true) { return None; }
    let tail = parse_tail(t, e);
    if need_post && !tail.is_some_and(|x| x.1) { return None; }
    Some((s, tail.map_or(e, |x| x.0)))
}

/// The ship line before "FPO AP 12345": "USNS Smith\n", "USCGC, ", "USNV Norman, ".
fn mil_head(t: &str, s: usize, floor: usize) -> Option<usize> {
    let b = t.as_bytes();
    let le = break_before(b, s, floor).or_else(|| (s >= floor + 2 && &b[s - 2..s] == b", ").then(|| s - 2))?;
    let mut ls = le - b[floor..le].iter().rev().take(40).take_while(|&&c| c.is_ascii_alphabetic() || b" '-".contains(&c)).count();
    ls += (ls > 0 && b[ls - 1] == b'\\' && ls < le && b[ls] == b'n') as usize;
    let line = t.get(ls..le)?;
    ["USCGC", "USNS", "USNV", "USS"].iter().find_map(|p| {
        let k = line.find(p).filter(|&k| k == 0 || line.as_bytes()[k - 1] == b' ')?;
        let rest = &line[k + p.len()..];
        let cap = |w: &str| w.starts_with(|c: char| c.is_ascii_uppercase());
        let names = rest.is_empty() || rest.starts_with(' ') && rest[1..].split(' ').all(cap);
        names.then_some(ls + k)
    })
}

/// The JSON key whose value opens with the quote at `q` (`"key": "`, escaped quotes too): (start of the
/// key's opening quote, the key).
fn json_key(t: &str, q: usize, floor: usize) -> Option<(usize, &str)> {
    let b = t.as_bytes();
    let back = |k: usize, set: &[u8]| k - b[floor..k].iter().rev().take_while(|c| set.contains(c)).count();
    let k = back(back(q, b"\\"), b" \t");
    let k = back(k.checked_sub(1).filter(|&k| k >= floor && b[k] == b':')?, b" \t");
    let ke = back(k.checked_sub(1).filter(|&k| k >= floor && b[k] == b'"')?, b"\\");
    let ks = ke - b[floor..ke].iter().rev().take_while(|c| c.is_ascii_alphabetic() || **c == b'_').count();
    (ks > floor && ks < ke && b[ks - 1] == b'"').then(|| (back(ks - 1, b"\\"), &t[ks..ke]))
}

/// A postcode value in a JSON address object (`"postal_code": "41266"`, `"zip": "W6 4AB"`), and the
/// `"city"` value right before it: the street detector cannot see those without a street next to them.
fn json_postcode(t: &str, d: usize, floor: usize, out: &mut Vec<(usize, usize)>) -> Option<usize> {
    let b = t.as_bytes();
    let v = d - b[floor..d].iter().rev().take_while(|c| c.is_ascii_alphabetic()).take(3).count();
    if v <= floor || b[v - 1] != b'"' { return None; }
    let e = v + b[v..].iter().take(11).take_while(|&&c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-').count();
    if e - v > 10 || !matches!(b.get(e), Some(b'"' | b'\\')) { return None; }
    let (ks, key) = json_key(t, v - 1, floor)?;
    let keys = ["postal_code", "postalcode", "postcode", "post_code", "zip", "zipcode", "zip_code", "plz"];
    if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) { return None; }
    // `"city": "X", ` before the postcode pair, across spaces and (escaped) line breaks
    let mut k = ks;
    while k > floor && b" \t\r\n".contains(&b[k - 1]) || k > floor + 1 && b[k - 1] == b'n' && b[k - 2] == b'\\' {
        k -= 1 + (b[k - 1] == b'n') as usize;
    }
    if k > floor && b[k - 1] == b',' {
        let ce = k - 1 - b[floor..k - 1].iter().rev().take_while(|c| b" \t\r\n\\".contains(c)).count();
        if ce > floor && b[ce - 1] == b'"' {
            let ce = ce - 1 - b[floor..ce - 1].iter().rev().take_while(|&&c| c == b'\\').count();
            let cs = b[floor..ce].iter().rposition(|&c| c == b'"').map_or(ce, |i| floor + i + 1);
            let city_key = |(_, k): (usize, &str)| ["city", "town", "locality"].iter().any(|c| c.eq_ignore_ascii_case(k));
            let city = cs < ce && ce - cs < 60 && json_key(t, cs - 1, floor).is_some_and(city_key);
            if city { out.push((cs, ce)); }
        }
    }
    out.push((v, e));
    Some(e)
}

// ---------------------------------------------------------------- locality

#[derive(Clone, Copy, PartialEq)]
enum Sep { Comma, Line, Space }

fn tail_sep(b: &[u8], p: usize) -> Option<(usize, Sep)> {
    let (q, k) = match (line_break(b, p), b.get(p)) {
        (Some(q), _) => (q, Sep::Line),
        (None, Some(b',')) => line_break(b, p + 1).map_or((p + 1, Sep::Comma), |q| (q, Sep::Line)),
        (None, Some(b' ')) => (p, Sep::Space),
        _ => return None,
    };
    // indented lines ("\n    80331 München") too
    let r = q + b[q.min(b.len())..].iter().take(if k == Sep::Line { 12 } else { 3 }).take_while(|&&c| c == b' ').count();
    (k != Sep::Space || r > q).then_some((r, k))
}

/// The locality after a street: (end, whether it carries a state or postcode). After a bare space only a
/// locality with a postcode counts ("12 Smith St Sydney NSW 2000").
fn parse_tail(t: &str, p: usize) -> Option<(usize, bool)> {
    let (q, sep) = tail_sep(t.as_bytes(), p)?;
    post_first(t, q).map(|e| (e, true)).or_else(|| locality(t, q, sep != Sep::Space, 0))
}

/// City words from `q`, particles allowed inside ("Frankfurt am Main"); fills (end, all capitalised so far).
fn city_words(t: &str, mut q: usize, ends: &mut [(usize, bool); 4]) -> usize {
    let (b, mut n, mut all_cap) = (t.as_bytes(), 0, true);
    while n < ends.len() && is_word_start(t, q) {
        let e = read_word(t, q);
        let (f, c) = (flags(&t[q..e]), case_of(&t[q..e]));
        if f & CITY_STOP != 0 || c == Case::Lower && f & STOP != 0 && !(f & PART != 0 && n > 0) { break; }
        if !(f & PART != 0 && c == Case::Lower && n > 0) { all_cap &= capish(c); (ends[n], n) = ((e, all_cap), n + 1); }
        // "Kadıköy/İstanbul" (district/province), "Col. Condesa" (a Mexican colonia), "St. Louis", "T. Nagar"
        let abbr = b.get(e..e + 2) == Some(b". ") && (e == q + 1 || ["col", "st", "mt", "ft", "fracc"].contains(&Low::new(&t[q..e]).s()));
        let slash = b.get(e) == Some(&b'/') && capish(case_of(&t[e + 1..read_word(t, e + 1)]));
        let k = e + if abbr { 2 } else { (b.get(e) == Some(&b' ') || slash) as usize };
        if k == e || !is_word_start(t, k) { break; }
        q = k;
    }
    n
}

fn locality(t: &str, q: usize, allow_weak: bool, depth: u8) -> Option<(usize, bool)> {
    let (b, mut ends) = (t.as_bytes(), [(0usize, false); 4]);
    let n = city_words(t, q, &mut ends);
    for k in (1..=n).rev() {
        let e = ends[k - 1].0;
        if let Some(x) = state_post(t, e, &t[q..e]) { return Some((x, true)); }
        // "Oxford, Oxfordshire OX1 4AA", "Brooklyn, New York, NY 11201", "Gangnam-gu, Seoul" (a district first)
        if let Some((q2, Sep::Comma | Sep::Line)) = tail_sep(b, e).filter(|_| depth == 0) {
            let district = k == n && ["-gu", "-ku", "-si", "-shi", "-gun"].iter().any(|s| Low::new(&t[q..e]).s().ends_with(s));
            if let Some(x) = locality(t, q2, allow_weak && district, 1) { return Some(x); }
        }
    }
    let e = ends[n.max(1) - 1];
    (allow_weak && n > 0 && e.1 && hard_bound(b, e.0)).then_some((e.0, false))
}

/// After the city: ", IL 62704", " NSW 2000", "\nNW1 6XE", ", NT, 8410", ", 38234", " 060-1971", "Dublin 2".
fn state_post(t: &str, e: usize, city: &str) -> Option<usize> {
    let b = t.as_bytes();
    // "Belo Horizonte - MG, 30130-208", "São Paulo/SP" (Brazilian states)
    let uf = e + if b[e..].starts_with(b" - ") { 3 } else { (b.get(e) == Some(&b'/')) as usize };
    if uf > e && b.get(uf..uf + 2).is_some_and(|s| s.iter().all(u8::is_ascii_uppercase)) && !alnum_at(b, uf + 2) {
        let z = skip_sp(b, uf + 2 + (b.get(uf + 2) == Some(&b',')) as usize);
        return Some(zip(b, z).filter(|_| z > uf + 2).unwrap_or(uf + 2));
    }
    let q = skip_sp(b, line_break(b, e).unwrap_or(e + (b.get(e) == Some(&b',')) as usize));
    if q == e { return None; }
    if let Some(z) = post_first(t, q).filter(|_| digits(b, q) >= 4) { return Some(z); }
    let we = read_word(t, q);
    if we > q && we - q <= 3 && flags(&t[q..we]) & STATE != 0 {
        let r = skip_sp(b, we + (b.get(we) == Some(&b',')) as usize);
        if let Some(z) = (r > we).then(|| zip(b, r)).flatten() { return Some(z); }
        if case_of(&t[q..we]) == Case::Upper && hard_bound(b, we) { return Some(we); }
    }
    if let Some(z) = uk_post(b, q).or_else(|| eircode(b, q)) { return Some(z); }
    let nd = digits(b, q);
    let jp = nd == 3 && b.get(q + 3) == Some(&b'-') && digits(b, q + 4) == 4 && !alnum_at(b, q + 8);
    let ok = (4..=6).contains(&nd) || (1..=2).contains(&nd) && city.eq_ignore_ascii_case("dublin");
    let z = q + if jp { 8 } else { nd };
    // "Dublin 8, D08 419Y"
    let z = if ok && nd <= 2 { eircode(b, skip_sp(b, z + (b.get(z) == Some(&b',')) as usize)).unwrap_or(z) } else { z };
    // "Alicante, 42095 y ..." but not "Springfield, 2000 people"
    (jp || ok && (hard_bound(b, z) || b.get(z) == Some(&b' ') && follow_ok(t, z, true, true))).then_some(z)
}

/// US ZIP / ZIP+4, Brazilian CEP 99999-999, Canadian A9A 9A9 (space optional), Australian 4-digit postcode.
fn zip(b: &[u8], r: usize) -> Option<usize> {
    match digits(b, r) {
        5 if b.get(r + 5) == Some(&b'-') && digits(b, r + 6) == 4 && !alnum_at(b, r + 10) => return Some(r + 10),
        5 if b.get(r + 5) == Some(&b'-') && digits(b, r + 6) == 3 && !alnum_at(b, r + 9) => return Some(r + 9),
        n @ (4 | 5) => return (!alnum_at(b, r + n)).then_some(r + n),
        _ => {}
    }
    let sp = (b.get(r + 3) == Some(&b' ')) as usize;
    let s = b.get(r..r + 6 + sp)?;
    let alt = |(i, c): (usize, &u8)| if i % 2 == 0 { c.is_ascii_alphabetic() } else { c.is_ascii_digit() };
    let ok = s.iter().filter(|&&c| c != b' ').enumerate().all(alt);
    (ok && !alnum_at(b, r + 6 + sp)).then_some(r + 6 + sp)
}

/// Royal Mail postcode: outward code (A9, A99, A9A, AA9, AA99, AA9A), space, inward code (9AA).
fn uk_post(b: &[u8], q: usize) -> Option<usize> {
    let alpha = |i: usize| i < b.len() && b[i].is_ascii_alphabetic();
    let j = q + alpha(q) as usize + (alpha(q) && alpha(q + 1)) as usize;
    if j == q || !b.get(j).is_some_and(u8::is_ascii_digit) { return None; }
    let j = j + 1 + b.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) as usize;
    if b.get(j) != Some(&b' ') || !b.get(j + 1).is_some_and(u8::is_ascii_digit) || !alpha(j + 2) || !alpha(j + 3) || alnum_at(b, j + 4) {
        return None;
    }
    let s = &b[q..j + 4];
    (s.iter().all(|c| !c.is_ascii_lowercase()) || s.iter().all(|c| !c.is_ascii_uppercase())).then_some(j + 4)
}

/// Irish Eircode: A99 XXXX.
fn eircode(b: &[u8], q: usize) -> Option<usize> {
    let s = b.get(q..q + 8)?;
    let ok = s[0].is_ascii_uppercase() && s[1].is_ascii_digit() && (s[2].is_ascii_digit() || s[2] == b'W') && s[3] == b' '
        && s[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    (ok && !alnum_at(b, q + 8)).then_some(q + 8)
}

/// Postcode, then city: "10115 Berlin", "D-10115 Berlin", "1012 AB Amsterdam", "5972LY, Zeddam",
/// "1100-148 Lisboa", "58054, Baccinello (GR)".
fn post_first(t: &str, q: usize) -> Option<usize> {
    let b = t.as_bytes();
    let up = b[q.min(b.len())..].iter().take_while(|c| c.is_ascii_uppercase()).count();
    let pre = (1..=2).contains(&up) && b.get(q + up) == Some(&b'-') && b.get(q + up + 1).is_some_and(u8::is_ascii_digit);
    let mut j = if pre { q + up + 1 } else { q };
    let nd = digits(b, j);
    j += nd;
    let dash3 = b.get(j) == Some(&b'-') && digits(b, j + 1) == 3;
    match nd {
        4 | 5 if !dash3 => {}
        4 | 2 if dash3 => j += 4,
        _ => return None,
    }
    let sp = (b.get(j) == Some(&b' ')) as usize;
    if nd == 4 && !dash3 && b.get(j + sp..j + sp + 2).is_some_and(|s| s.iter().all(u8::is_ascii_alphabetic)) && !alnum_at(b, j + sp + 2) {
        j += sp + 2;
    }
    let x = j + (b.get(j) == Some(&b',')) as usize;
    let c = skip_sp(b, line_break(b, j).unwrap_or(x));
    if alnum_at(b, j) || c == x && line_break(b, j).is_none() { return None; }
    let mut ends = [(0usize, false); 4];
    let n = city_words(t, c, &mut ends);
    // a lowercase "city" stands alone: "2000 people attended" is no locality
    let e = match (0..n).rev().find(|&k| ends[k].1) {
        Some(k) => ends[k].0,
        None if n > 0 && (nd == 5 || hard_bound(b, ends[0].0)) => ends[0].0,
        None => return None,
    };
    let prov = b.get(e..e + 5).is_some_and(|s| s.starts_with(b" (") && s[2..4].iter().all(u8::is_ascii_uppercase) && s[4] == b')');
    // "06700 Ciudad de México, CDMX": a state code after the city
    let e = e + 5 * prov as usize;
    let up = b[(e + 2).min(b.len())..].iter().take(5).take_while(|c| c.is_ascii_uppercase()).count();
    Some(if b[e..].starts_with(b", ") && (2..=4).contains(&up) && hard_bound(b, e + 2 + up) { e + 2 + up } else { e })
}

// ---------------------------------------------------------------- tests

#[cfg(test)]
mod tests;

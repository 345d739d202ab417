//! Dates of birth and ages of people, recognised by their context.
//!
//! In: any UTF-8 text, typically agent traffic, often JSON held as text. Out:
//! byte ranges `(start, end)` appended to the caller's vector, left to right,
//! non-overlapping, on char boundaries. Only std; nothing is allocated.
//!
//! [`find_dates_of_birth`]: a date alone is not personal (meetings, invoices,
//! logs), so it counts only after a birth cue (`CUES`: born, `b.`, DOB, date of
//! birth, birthday, né le, geboren, Geburtsdatum, fecha de nacimiento, nacido,
//! data di nascita, nato il, data de nascimento, geboortedatum, ...; any ASCII
//! case, and a space also matches `_`, `-` or nothing: `birth_date`,
//! `dateOfBirth`). The date starts within 40 bytes of the cue, on the same line
//! (real or `\n` escape) and in the same sentence (no `.!?` before a space, no
//! `;{}`), with no other number between and at most two `"` and two `'` (a
//! third is the next JSON key). After a label (DOB) any words but event words
//! (updated, joined) may stand between; after a verb (born, né) only function
//! words (on, in, le, am) and capitalised ones (places); after `b.` or `geb.`
//! (lower-case `b.`: "Plan B." is none) 3 bytes of punctuation. A label that
//! fills a header cell of a `|`, `,` or tab table ("| name | dob |") is the cue
//! of its column. Shapes: `1989-03-02`, `1989/03/02`, `19890302`, `03/02/1989`,
//! `3/2/89`, `02.03.1989` (day and month either way), `1989年3月2日`, `2 March
//! 1989`, `2-Mar-1989`, `2. März 1989`, `1er mars 1989`, `2nd of March, 1989`,
//! `2 de marzo de 1989`, `March 2, 1989`, `Mar. 2nd 1989`, with month names in
//! seven languages; years 1900-2099 and required. The span is the date alone
//! (a time after an ISO date is left out).
//!
//! [`find_ages`]: a number 0-125, not glued to a word, a decimal, a time, a
//! range or a percentage, and the span is the digits alone, so "34 years old"
//! still reads as an age. It counts
//! * before a unit: `years old`, `year-old`, `years of age`, `y/o`, `yo`, `Jahre
//!   alt`, `-jährige`, `jaar oud` (not after "more than", "at least", "20 to");
//!   or `ans`/`años`/`anos`/`anni` after a verb of having (a, tiene, tem, ha;
//!   not "il y a"), after `de`/`di`/`con` without a duration word before it
//!   ("plus de"), or after punctuation ("Marie, 34 ans"), but not before "de
//!   experiencia", "après", "fa";
//! * after a label: `age`, `aged`, `âge`, `edad`, `età`, `idade`, `leeftijd`,
//!   `Alter` (only with `:`, `=` or "von": ALTER is SQL), across `:`, `=`,
//!   quotes, markdown, `(years)`, or of/is/von/de; not inside an identifier
//!   (`max-age=60`, `user.age`), after a threshold or query word ("minimum age
//!   18", "WHERE age = 30"), in arithmetic ("age - 8"), or before another unit
//!   ("aged 12 months"), `+` or "and over";
//! * after a person and "is"/"am" that end the clause: "I am 34.", "I'm 34 and",
//!   "my son is 5.", "(she's 14)".
//!
//! Speed: both scan for digits eight bytes at a time; cues are looked for only
//! in the 80 bytes before a run of digits, units and labels only around runs of
//! at most 3 digits.

use crate::text::{header_cell, in_list, line_end, line_start, match_flex, word_at, word_char_at};

type Spans = Vec<(usize, usize)>;

/// Gap allowed between the end of a cue and the start of the date.
const GAP_MAX: usize = 40;

use Cue::{Abbrev, Label, Verb};

/// What may stand between a cue and the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// A label such as "DOB": any words except event words.
    Label,
    /// A verb such as "born": function words and capitalised words only.
    Verb,
    /// An abbreviation such as "b.": the date follows at once.
    Abbrev,
}

/// Birth cues, longer forms before their prefixes.
#[rustfmt::skip]
const CUES: &[(&str, Cue)] = &[
    ("birth date", Label), ("birth day", Label), ("bday", Label), ("b-day", Label), ("born", Verb),
    ("b.", Abbrev), ("date of birth", Label), ("date de naissance", Label),
    ("data di nascita", Label), ("data de nascimento", Label), ("day of birth", Label),
    ("d.o.b.", Label), ("d.o.b", Label), ("dob", Label), ("fecha de nacimiento", Label),
    ("fecha nacimiento", Label), ("geburtsdatum", Label), ("geburtstag", Label),
    ("geboortedatum", Label), ("geboren", Verb), ("geb. am", Verb), ("geb.", Abbrev),
    ("née le", Verb), ("né le", Verb), ("née", Verb), ("né", Verb), ("nacido", Verb),
    ("nacida", Verb), ("nato il", Verb), ("nata il", Verb), ("nato a", Verb), ("nata a", Verb),
    ("nascido", Verb), ("nascida", Verb), ("nací", Verb), ("naci", Verb), ("nasci", Verb),
];

/// Words allowed between a verb cue and the date (besides capitalised ones).
const VERB_GAP_WORDS: &str = "on|in|at|the|of|is|was|le|la|l|a|au|en|el|em|no|na|il|am|im|op|te|\
    de|del|du|di|da|do|dos|das|der|den";

/// Words that turn a label's date into some other event's date.
const EVENT_WORDS: &str = "updated|update|created|create|modified|changed|added|removed|deleted|\
    released|published|issued|expires|expiry|expired|valid|until|since|joined|registered|signed|\
    sent|received|due|visit|appointment|admitted|admission|discharged|scheduled|booked|verified|\
    checked|confirmed|last|next|today|now";

/// Month names and abbreviations in seven languages, lower case.
const MONTHS: &str = "january|jan|januar|jänner|jän|janvier|janv|enero|ene|gennaio|gen|janeiro|\
    januari|february|feb|februar|février|fevrier|févr|fevr|fév|febrero|febbraio|fevereiro|fev|\
    februari|march|mar|märz|maerz|marz|mrz|mars|marzo|março|marco|maart|mrt|april|apr|avril|avr|\
    abril|abr|aprile|may|mai|mayo|maggio|mag|maio|mei|june|jun|juni|juin|junio|giugno|giu|junho|\
    july|jul|juli|juillet|juil|julio|luglio|lug|julho|august|aug|août|aout|agosto|ago|augustus|\
    september|sep|sept|septembre|septiembre|setiembre|settembre|set|setembro|october|oct|oktober|\
    okt|octobre|octubre|ottobre|ott|outubro|out|november|nov|novembre|noviembre|novembro|\
    december|dec|dezember|dez|décembre|decembre|déc|diciembre|dic|dicembre|dezembro";

use Unit::{Plain, Romance};

/// Units that make the number before them an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Says age on its own ("years old").
    Plain,
    /// "ans", "años": age or duration, decided by the words around.
    Romance,
}

#[rustfmt::skip]
const UNITS: &[(&str, Unit)] = &[
    ("years old", Plain), ("year old", Plain), ("yrs old", Plain), ("yr old", Plain),
    ("years of age", Plain), ("year of age", Plain), ("y/o", Plain), ("y.o.", Plain),
    ("y.o", Plain), ("yo", Plain), ("jahre alt", Plain), ("jaar oud", Plain), ("jährig", Plain),
    ("jährige", Plain), ("jähriger", Plain), ("jährigen", Plain), ("jaehrig", Plain),
    ("ans", Romance), ("años", Romance), ("aÑos", Romance), ("anos", Romance), ("anni", Romance),
];

/// Words just before "34 ans" that say the person has that age.
const ROMANCE_HAVE: &str = "a|ai|as|avait|avais|aura|avoir|tiene|tengo|tienes|tenía|tenia|cumple|\
    cumplió|cumplio|cumplirá|tem|tenho|tinha|completa|completou|fez|ha|ho|hai|aveva|avevo|compie|\
    compiuto";

/// Prepositions before "34 ans" that say age unless a duration word precedes them.
const ROMANCE_PREP: &str = "de|di|con|com";

/// Words before the preposition that turn "de 34 ans" into a duration.
const ROMANCE_DURATION: &str = "plus|moins|près|pres|environ|más|mas|menos|cerca|mais|più|piu|\
    meno|circa|período|periodo|période|periode|durée|duree|durata|duración|duracion|lapso|plazo|\
    prazo|espace|intervalle|spazio|espacio|contrat|contrato|contratto|garantie|garantía|garantia|\
    garanzia|après|después|despues|depois|dopo|hace|desde|depuis|antes|avant|prima|experiencia|\
    expérience|experiência|esperienza|mandat|mandato|peine|pena|condena|prison|prisión|prisão|\
    bout|fin";

/// Words after "34 ans" that make it a duration or a point in the past.
const ROMANCE_AFTER: &str = "de experiencia|de experiência|d'expérience|d’expérience|\
    di esperienza|d'esperienza|de servicio|de service|di servizio|de serviço|de garantie|\
    de garantía|d'ancienneté|de antigüedad|plus tard|plus tôt|après|avant|auparavant|después|\
    despues|más tarde|mas tarde|atrás|atras|antes|depois|dopo|fa|prima|ago";

/// Subjects of "is" whose number is an age: "my son is 5", "the patient is 44".
const PERSONS: &str = "he|she|son|daughter|mother|father|mom|mum|dad|wife|husband|child|kid|\
    brother|sister|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|baby|boy|girl|\
    patient|client|applicant|passenger";

/// Labels before an age.
const AGE_CUES: &str = "age|aged|âge|Âge|âgé|âgée|edad|età|idade|leeftijd";

/// Words allowed between an age label and the number.
const AGE_MID: &str = "of|is|was|von|de|di";

/// Words before an age label that make the number a threshold or statistic.
const AGE_BEFORE_NEG: &str = "under|over|above|below|min|max|minimum|maximum|average|avg|mean|\
    median|legal|retirement|voting|drinking|consent|target|gestational|minimal|maximal|mental|\
    reading|bone|where|and|or|not|when|if|having|filter";

/// Words after the number that make it something other than a person's age.
const AGE_AFTER_NEG: &str = "months|month|mo|mos|weeks|week|wk|wks|days|day|d|hours|hour|hr|hrs|\
    h|minutes|minute|min|mins|m|seconds|second|sec|secs|s|ms|mois|semaines|semaine|jours|jour|\
    heures|heure|meses|mes|semanas|semana|días|dias|día|dia|horas|hora|monate|monaten|monat|\
    wochen|woche|tage|tagen|tag|stunden|stunde|maanden|maand|weken|dagen|dag|mesi|mese|settimane|\
    giorni|giorno|ore|kg|lbs|lb|cm|mm|gb|mb|kb|px|and over|or over|and up|and older|or older|\
    and above|or above|and under|or younger|and below|or more|or less|to|plus";

/// Appends (start, end) of dates of birth: a date with a birth cue before it
/// (within 40 bytes, same sentence and line) or a label like "DOB:".
pub fn find_dates_of_birth(text: &str, out: &mut Vec<(usize, usize)>) {
    let s = text.as_bytes();
    let n = s.len();
    // Every date has a digit and no digit stands between a cue and its date,
    // so cues are only looked for in the digit-free stretch before each run of
    // digits, at most WINDOW bytes back. Text without digits costs one scan.
    let mut scanned = 0;
    let mut i = 0;
    loop {
        let d = next_digit(s, i);
        if d >= n {
            break;
        }
        let from = scanned.max(d.saturating_sub(WINDOW));
        i = cue_and_date(s, from, d, out).unwrap_or_else(|| digits(s, d).1);
        scanned = i;
    }
}

/// How far before a digit a cue may start: the longest cue, the gap, and the
/// month name and spaces that can come before a date's first digit.
const WINDOW: usize = 24 + GAP_MAX + 16;

/// The first cue at a word start in `from..to` that has a date after it, or
/// heads a table column of dates: appends them and says where to go on.
fn cue_and_date(s: &[u8], from: usize, to: usize, out: &mut Spans) -> Option<usize> {
    let word_end = |i: usize| i + run(&s[i..to], u8::is_ascii_alphanumeric);
    let mid_word = from > 0 && s[from - 1].is_ascii_alphanumeric();
    let mut i = if mid_word { word_end(from) } else { from };
    while i < to {
        if !s[i].is_ascii_alphanumeric() {
            // A JSON escape such as `\n` separates words like real white space.
            let escape = s[i] == b'\\' && matches!(s.get(i + 1), Some(b'n' | b't' | b'r'));
            i += 1 + usize::from(escape);
            continue;
        }
        if let Some((cue_end, kind)) = cue_at(s, i) {
            if let Some((ds, de)) = date_after_cue(s, cue_end, kind) {
                out.push((weekday_before(s, ds, cue_end).unwrap_or(ds), de));
                return Some(de);
            }
            if let Some(end) = table_column(s, i, cue_end, kind, out) {
                return Some(end);
            }
        }
        i = word_end(i);
    }
    None
}

/// Appends (start, end) of ages of a person: "age 34", "aged 34", "34 years
/// old", "34-year-old", "34 y/o", "34 yo", "Age: 34", "Alter: 34", "34 ans",
/// "34 años". The span is the number alone.
pub fn find_ages(text: &str, out: &mut Vec<(usize, usize)>) {
    let s = text.as_bytes();
    let n = s.len();
    let mut i = 0;
    loop {
        i = next_digit(s, i);
        if i >= n {
            break;
        }
        let start = i;
        i = digits(s, i).1;
        if i - start <= 3
            && age_number_ok(s, start, i)
            && (unit_after(s, start, i) || label_before(s, start, i))
        {
            out.push((start, i));
        }
    }
}

// ---------------------------------------------------------------------------
// Byte helpers

/// Index of the first ASCII digit at or after `i` (or the length), eight bytes
/// at a time: most of the text has no digit and needs no closer look.
fn next_digit(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= s.len() {
        let x = u64::from_le_bytes(s[i..i + 8].try_into().unwrap()) ^ (ONES * b'0' as u64);
        // A byte below 10 after the xor was a digit; the lowest flag is exact.
        let t = x.wrapping_sub(ONES * 10) & !x & HIGH;
        if t != 0 {
            return i + (t.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && !s[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn utf8_len(b: u8) -> usize {
    1 + usize::from(b >= 0xc0) + usize::from(b >= 0xe0) + usize::from(b >= 0xf0)
}

fn letter_at(s: &[u8], k: usize) -> bool {
    word_char_at(s, k) && !s[k].is_ascii_digit()
}

/// End of the run of letters starting at `k`.
fn letters_end(s: &[u8], mut k: usize) -> usize {
    while letter_at(s, k) {
        k += utf8_len(s[k]);
    }
    k.min(s.len())
}

/// Start of the run of letters ending at `end`. The `n` of a `\n` escape is
/// not part of the word after it.
fn letters_back(s: &[u8], end: usize) -> usize {
    let mut k = end;
    while k > 0 {
        let c = (0..k).rev().find(|&c| s[c] & 0xc0 != 0x80).unwrap_or(0);
        let escape = k >= 2 && s[k - 2] == b'\\' && matches!(s[k - 1], b'n' | b't' | b'r');
        if escape || !letter_at(s, c) {
            return k;
        }
        k = c;
    }
    k
}

/// The word before `end`, across spaces: its start and its bytes.
fn prev_word(s: &[u8], end: usize) -> (usize, &[u8]) {
    let p = skip_spaces_back(s, end);
    let ws = letters_back(s, p);
    (ws, &s[ws..p])
}

/// Skips spaces, tabs and no-break spaces.
fn skip_spaces(s: &[u8], mut k: usize) -> usize {
    loop {
        match s.get(k) {
            Some(b' ' | b'\t') => k += 1,
            Some(0xc2) if s.get(k + 1) == Some(&0xa0) => k += 2,
            _ => return k,
        }
    }
}

fn skip_spaces_back(s: &[u8], mut k: usize) -> usize {
    loop {
        let nbsp = k > 1 && s[k - 2..k] == [0xc2, 0xa0];
        match k.checked_sub(1).map(|p| s[p]) {
            Some(b' ' | b'\t') => k -= 1,
            _ if nbsp => k -= 2,
            _ => return k,
        }
    }
}

fn any_word_at(s: &[u8], k: usize, list: &str) -> bool {
    list.split('|').any(|p| word_at(s, k, p).is_some())
}

/// Reads a run of digits at `k` (none past the end): its value (of the first 9)
/// and its end.
fn digits(s: &[u8], k: usize) -> (u32, usize) {
    let digits = s.get(k..).unwrap_or_default();
    let n = run(digits, u8::is_ascii_digit);
    let value = |v: u32, b: &u8| 10 * v + u32::from(b - b'0');
    (digits[..n.min(9)].iter().fold(0, value), k + n)
}

/// Length of the run of bytes at the start of `s` that satisfy `f`.
fn run(s: &[u8], f: impl Fn(&u8) -> bool) -> usize {
    s.iter().take_while(|b| f(b)).count()
}

// ---------------------------------------------------------------------------
// Dates of birth

fn cue_at(s: &[u8], i: usize) -> Option<(usize, Cue)> {
    let first = s[i] | 0x20;
    if !matches!(first, b'b' | b'd' | b'f' | b'g' | b'n') {
        return None;
    }
    for &(pat, kind) in CUES {
        // "B." ends many sentences ("Plan B."); only the lower-case "b." abbreviates born.
        if pat.as_bytes()[0] != first || pat == "b." && s[i] != b'b' {
            continue;
        }
        if let Some(e) = match_flex(s, i, pat.as_bytes()) {
            if pat.ends_with('.') || !word_char_at(s, e) {
                return Some((e, kind));
            }
        }
    }
    None
}

/// Dates in the column of a table whose header cell is a label cue ("| name |
/// dob |", "name,dob,phone"): the table goes on while rows have as many
/// separators as the header. Returns where it ends.
fn table_column(s: &[u8], start: usize, end: usize, kind: Cue, out: &mut Spans) -> Option<usize> {
    (kind == Label).then_some(())?;
    let (sep, col, seps, mut p) = header_cell(s, start, end)?;
    while p < s.len() {
        let next = p + if s[p] == b'\n' { 1 } else { 2 };
        let Some(row_end) = line_end(s, next) else {
            break;
        };
        let row = &s[next..row_end];
        if row.iter().filter(|&&b| b == sep).count() != seps {
            break;
        }
        p = next + row.len();
        let mut cells = row.split(|&b| b == sep);
        let cs = next + cells.by_ref().take(col).map(|c| c.len() + 1).sum::<usize>();
        let ce = cs + cells.next().map_or(0, <[u8]>::len);
        let (a, b) = (skip_spaces(s, cs), skip_spaces_back(s, ce));
        if a < b && parse_date(s, a).or_else(|| month_first(s, a)) == Some(b) {
            out.push((a, b));
        }
    }
    Some(p)
}

/// Looks for the date that a cue ending at `from` introduces.
fn date_after_cue(s: &[u8], from: usize, kind: Cue) -> Option<(usize, usize)> {
    let n = s.len();
    let limit = (from + if kind == Abbrev { 3 } else { GAP_MAX }).min(n);
    let mut quotes = [0u8; 2];
    let mut j = from;
    while j < limit {
        let b = s[j];
        let space_next = s.get(j + 1).is_none_or(u8::is_ascii_whitespace);
        if b.is_ascii_digit() {
            // The first number after the cue is the date or nothing.
            return parse_date(s, j).map(|e| (j, e));
        }
        if word_char_at(s, j) {
            if let Some(e) = month_first(s, j) {
                return Some((j, e));
            }
            let we = letters_end(s, j);
            let w = &s[j..we];
            let ok = match kind {
                Abbrev => false,
                Verb => !b.is_ascii_lowercase() || in_list(w, VERB_GAP_WORDS),
                Label => !in_list(w, EVENT_WORDS),
            };
            if !ok {
                return None;
            }
            j = we;
            continue;
        }
        match b {
            b'\n' | b'\r' | b';' | b'{' | b'}' => return None,
            b'\\' if matches!(s.get(j + 1), Some(b'n' | b'r')) => return None,
            // `\t` is a tab, not the word "t".
            b'\\' if s.get(j + 1) == Some(&b't') => j += 1,
            b'.' | b'!' | b'?' if space_next => return None,
            // A comparison, not a tag: `birth_date < '2020-01-01'`.
            b'<' | b'>' if space_next || s.get(j + 1) == Some(&b'=') => return None,
            b'"' | b'\'' => {
                let q = &mut quotes[usize::from(b == b'\'')];
                *q += 1;
                if *q > 2 {
                    return None;
                }
            }
            _ => {}
        }
        j += utf8_len(b);
    }
    None
}

/// `Friday, August 01, 1947`: where a weekday that heads the date at `ds` starts (not before `floor`).
fn weekday_before(s: &[u8], ds: usize, floor: usize) -> Option<usize> {
    const DAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|\
        montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|\
        lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo";
    let mut k = ds;
    while k > floor && s[k - 1] == b' ' {
        k -= 1;
    }
    if k > floor && s[k - 1] == b',' {
        k -= 1;
    }
    let ws = letters_back(s, k);
    (ws >= floor && ws < k && k < ds && any_word_at(s, ws, DAYS) && letters_end(s, ws) == k).then_some(ws)
}

/// A date starting with a digit at `j`, numeric or with a month name after the day.
fn parse_date(s: &[u8], j: usize) -> Option<usize> {
    let e = numeric_date(s, j).or_else(|| day_first(s, j))?;
    date_end_ok(s, e).then_some(e)
}

/// A date is not glued to more digits or letters, nor the start of a longer
/// dotted or dashed number; an ISO date may go on with a time.
fn date_end_ok(s: &[u8], e: usize) -> bool {
    let Some(&b) = s.get(e) else { return true };
    let digit_next = s.get(e + 1).is_some_and(u8::is_ascii_digit);
    if b.is_ascii_alphabetic() {
        return b == b'T' && digit_next;
    }
    !(b.is_ascii_digit() || matches!(b, b'.' | b'/' | b'-' | b':' | b',') && digit_next)
}

fn year4_ok(y: u32) -> bool {
    (1900..=2099).contains(&y)
}

/// Month and day in range; which months have 31 days matters little here.
fn valid_md(m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

fn numeric_date(s: &[u8], j: usize) -> Option<usize> {
    let (a, ae) = digits(s, j);
    let la = ae - j;
    if la == 8 {
        let (y, m, d) = (a / 10000, a / 100 % 100, a % 100);
        return (year4_ok(y) && valid_md(m, d)).then_some(ae);
    }
    if la == 4 && s[ae..].starts_with("年".as_bytes()) {
        // 1989年3月2日
        let (m, me) = digits(s, ae + 3);
        let (d, de) = digits(s, me + 3);
        let ok = s[me..].starts_with("月".as_bytes()) && s[de..].starts_with("日".as_bytes());
        return (ok && me > ae + 3 && de > me + 3 && year4_ok(a) && valid_md(m, d))
            .then_some(de + 3);
    }
    let sep = *s.get(ae)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let (b, be) = digits(s, ae + 1);
    if !(1..=2).contains(&(be - ae - 1)) || s.get(be) != Some(&sep) {
        return None;
    }
    let (c, ce) = digits(s, be + 1);
    let lc = ce - be - 1;
    let ok = match la {
        4 => (1..=2).contains(&lc) && year4_ok(a) && valid_md(b, c),
        1 | 2 => (lc == 2 || lc == 4 && year4_ok(c)) && (valid_md(a, b) || valid_md(b, a)),
        _ => false,
    };
    ok.then_some(ce)
}

/// Ordinal suffix after a day number: 2nd, 1er, 2º.
fn skip_ordinal(s: &[u8], k: usize) -> usize {
    if s.get(k) == Some(&0xc2) && matches!(s.get(k + 1), Some(0xba | 0xb0 | 0xaa)) {
        return k + 2;
    }
    let suffix = ["st", "nd", "rd", "th", "er"]
        .iter()
        .find_map(|suf| word_at(s, k, suf));
    suffix.unwrap_or(k)
}

/// Longest month name at `k`, as a whole word, with its abbreviation dot.
fn month_at(s: &[u8], k: usize) -> Option<usize> {
    let e = MONTHS.split('|').filter_map(|m| word_at(s, k, m)).max()?;
    Some(e + usize::from(s.get(e) == Some(&b'.')))
}

/// "2 March 1989", "2nd of March, 1989", "2. März 1989", "2 de marzo de 1989", "02-Mar-1989".
fn day_first(s: &[u8], j: usize) -> Option<usize> {
    let (d, de) = digits(s, j);
    if de - j > 2 || !(1..=31).contains(&d) {
        return None;
    }
    let o = skip_ordinal(s, de);
    let k = o + usize::from(s.get(o) == Some(&b'.'));
    let k = if s.get(k) == Some(&b'-') {
        k + 1
    } else {
        skip_filler(s, k, &["of", "de"])?
    };
    if k == o {
        return None;
    }
    year_after_month(s, month_at(s, k)?)
}

/// The year after a day-first month: ", 1989", " 1989", "-1989", " de 1989", " del 1989".
fn year_after_month(s: &[u8], me: usize) -> Option<usize> {
    let k = me + usize::from(s.get(me) == Some(&b','));
    let k = if s.get(k) == Some(&b'-') {
        k + 1
    } else {
        skip_filler(s, k, &["del", "de"])?
    };
    let (y, ye) = digits(s, k);
    (k > me && ye - k == 4 && year4_ok(y)).then_some(ye)
}

/// Spaces, then maybe one of `words` with spaces after it ("2 de marzo", "2nd of March").
fn skip_filler(s: &[u8], k: usize, words: &[&str]) -> Option<usize> {
    let k1 = skip_spaces(s, k);
    match words.iter().find_map(|w| word_at(s, k1, w)) {
        Some(e) if k1 > k => Some(skip_spaces(s, e)).filter(|&k2| k2 > e),
        _ => Some(k1),
    }
}

/// "March 2, 1989", "Mar. 2nd 1989", "Dec 25 1990".
fn month_first(s: &[u8], j: usize) -> Option<usize> {
    let me = month_at(s, j)?;
    let k = skip_spaces(s, me);
    if k == me {
        return None;
    }
    let (d, de) = digits(s, k);
    if de == k || de - k > 2 || !(1..=31).contains(&d) {
        return None;
    }
    let oe = skip_ordinal(s, de);
    let k2 = if s.get(oe) == Some(&b',') { oe + 1 } else { oe };
    let k3 = skip_spaces(s, k2);
    if k3 == oe {
        return None;
    }
    let (y, ye) = digits(s, k3);
    (ye - k3 == 4 && year4_ok(y) && date_end_ok(s, ye)).then_some(ye)
}

// ---------------------------------------------------------------------------
// Ages

/// The digits `start..end` form a plausible age standing on their own.
fn age_number_ok(s: &[u8], start: usize, end: usize) -> bool {
    if end - start > 1 && s[start] == b'0' || digits(s, start).0 > 125 {
        return false;
    }
    let glued = start > 0 && {
        let p = s[start - 1];
        let escape = start >= 2 && s[start - 2] == b'\\' && b"ntr".contains(&p);
        let non_space = p >= 0x80 && skip_spaces_back(s, start) == start;
        p.is_ascii_alphabetic() && !escape || b".,-_/#$+@&%^*~".contains(&p) || non_space
    };
    let c = s.get(end).copied().unwrap_or(b' ');
    let digit_next = s.get(end + 1).is_some_and(u8::is_ascii_digit);
    !(glued || b"%+$".contains(&c) || b".,:/-".contains(&c) && digit_next)
}

/// "34 years old", "34-year-old", "34yo", "34-jährige", "34 ans".
fn unit_after(s: &[u8], start: usize, end: usize) -> bool {
    let k = match s.get(end) {
        Some(b' ' | b'-') => end + 1,
        Some(0xc2) if s.get(end + 1) == Some(&0xa0) => end + 2,
        _ => end,
    };
    if !matches!(s.get(k).map(|b| b | 0x20), Some(b'y' | b'j' | b'a')) {
        return false;
    }
    for &(pat, unit) in UNITS {
        // A unit ends the word, unless it ends in a dot.
        let e = match match_flex(s, k, pat.as_bytes()) {
            Some(e) if pat.ends_with('.') || !word_char_at(s, e) => e,
            _ => continue,
        };
        if unit == Plain && range_or_bound_before(s, start) {
            return false;
        }
        return unit != Romance || romance_age(s, start, e);
    }
    false
}

/// "20 to 30 years old", "more than 10 years old", "at least 18 years old":
/// a bound or a range, not someone's age.
fn range_or_bound_before(s: &[u8], start: usize) -> bool {
    let (ws, w) = prev_word(s, start);
    if w.is_empty() || ws + w.len() == start {
        return false;
    }
    let q = skip_spaces_back(s, ws);
    in_list(w, "than|least|most|over|under")
        || in_list(w, "to|and|or|bis|et|y|e") && q > 0 && q < ws && s[q - 1].is_ascii_digit()
}

/// Whether "34 ans" (and años, anos, anni) is an age rather than a duration.
fn romance_age(s: &[u8], start: usize, unit_end: usize) -> bool {
    if any_word_at(s, skip_spaces(s, unit_end), ROMANCE_AFTER) {
        return false;
    }
    let (ws, w) = prev_word(s, start);
    if w.is_empty() {
        // Start of text, a list ("Marie, 34 ans"), a label ("âge : 34 ans") or `\n`.
        return true;
    }
    let before = prev_word(s, ws).1;
    if in_list(w, ROMANCE_HAVE) {
        // "il y a 34 ans" is "34 years ago".
        return !(in_list(w, "a") && in_list(before, "y"));
    }
    in_list(w, ROMANCE_PREP) && !in_list(before, ROMANCE_DURATION)
}

/// "age 34", "Age: 34", `"age": 34`, "at the age of 34", "Alter von 34".
fn label_before(s: &[u8], start: usize, end: usize) -> bool {
    if word_char_at(s, end) {
        return false;
    }
    if person_is_before(s, start, end) || turning_before(s, start, end) {
        return true;
    }
    // Separators of a label, markdown included: "Age: 34", "**Age (years)** - 34".
    let mut p = start;
    let (mut labelled, mut operator) = (false, false);
    while p > 0 && start - p < 12 {
        match s[p - 1] {
            b' ' | b'\t' | b'"' | b'\'' | b'\\' | b'|' => {}
            b'*' | b'-' => (labelled, operator) = (true, true),
            b':' | b'=' => labelled = true,
            // "(years)": `p` lands on the word, the `-= 1` below skips the `(`.
            b')' if unit_in_parens(s, p - 1) => p = letters_back(s, p - 1),
            0xa0 if p >= 2 && s[p - 2] == 0xc2 => p -= 1,
            _ => break,
        }
        p -= 1;
    }
    if p == start {
        return false;
    }
    let (mut ws, mut w) = prev_word(s, p);
    let via_von = in_list(w, "von");
    if in_list(w, AGE_MID) {
        if skip_spaces_back(s, ws) == ws {
            return false;
        }
        (ws, w) = prev_word(s, ws);
    }
    let cue = in_list(w, AGE_CUES) || (in_list(w, "alter") && (labelled || via_von));
    if !cue {
        return false;
    }
    if ws > 0 && (matches!(s[ws - 1], b'_' | b'-' | b'.' | b'/') || s[ws - 1].is_ascii_digit()) {
        return false;
    }
    // With `-` or `*` the label starts a line ("Age - 85", "- **Age**: 84"), or
    // this is arithmetic ("(age - 8)", "id / age * 8").
    let line_head =
        line_start(s, ws).is_some_and(|ls| s[ls..ws].iter().all(|b| b" \t*-#|>+".contains(b)));
    if operator && !line_head {
        return false;
    }
    // A threshold ("minimum age 18") or a query ("WHERE age = 30", "OR (age = 8)").
    let mut q = skip_spaces_back(s, ws);
    while q > 0 && s[q - 1] == b'(' {
        q = skip_spaces_back(s, q - 1);
    }
    let threshold = q < ws && in_list(prev_word(s, q).1, AGE_BEFORE_NEG);
    !threshold && !any_word_at(s, skip_spaces(s, end), AGE_AFTER_NEG)
}

/// "(years)", "(yrs)" ending at `e`.
fn unit_in_parens(s: &[u8], e: usize) -> bool {
    let ws = letters_back(s, e);
    ws > 0 && s[ws - 1] == b'(' && in_list(&s[ws..e], "years|yrs|y|ans")
}

/// "I am 34.", "I'm 34 and", "my son is 5.", "(she's 14)", "the patient is 44,":
/// a person as subject and nothing after the number but the end of the clause.
fn person_is_before(s: &[u8], start: usize, end: usize) -> bool {
    let (ws, verb) = prev_word(s, start);
    // "im 38 and tired": I'm, typed without its apostrophe ("im 38. Stock" is
    // German for the 38th floor, so not before a dot).
    if in_list(verb, "im") && ws + verb.len() < start && (ws == 0 || !letter_at(s, ws - 1)) {
        let k = skip_spaces(s, end);
        return s.get(k).is_none_or(|b| b",;!?)\n\r".contains(b)) || any_word_at(s, k, "and|now|today|but|years");
    }
    if !in_list(verb, "am|m|is|s|bin|ist") || ws + verb.len() == start || ws == 0 {
        return false;
    }
    let k = skip_spaces(s, end);
    let clause_end = s.get(k).is_none_or(|b| b".,;!?)\n\r\\\"".contains(b))
        || any_word_at(s, k, "and|now|today|but|years");
    if !clause_end {
        return false;
    }
    // "I'm", "she’s": the subject ends at the apostrophe.
    let curly = ws >= 3 && s[ws - 3..ws] == [0xe2, 0x80, 0x99];
    let quote = (s[ws - 1] == b'\'' || curly).then(|| ws - if curly { 3 } else { 1 });
    let subject = quote.map_or(prev_word(s, ws).1, |e| &s[letters_back(s, e)..e]);
    let am = in_list(verb, "am") || quote.is_some() && in_list(verb, "m");
    let is = in_list(verb, "is") || quote.is_some() && in_list(verb, "s");
    am && in_list(subject, "i")
        || is && in_list(subject, PERSONS)
        || in_list(verb, "bin") && in_list(subject, "ich")
        || in_list(verb, "ist") && in_list(subject, "er|sie")
}

/// "I'm turning 57 next week", "she turned 34.", "turns 60 in May": a birthday
/// verb, the number, then the clause's end or a word of time (not "turned 90
/// degrees").
fn turning_before(s: &[u8], start: usize, end: usize) -> bool {
    let (ws, verb) = prev_word(s, start);
    if !in_list(verb, "turning|turned|turns|turn") || ws + verb.len() == start {
        return false;
    }
    let k = skip_spaces(s, end);
    s.get(k).is_none_or(|b| b".,;!?)\n\r\"".contains(b))
        || any_word_at(s, k, "next|last|this|in|on|tomorrow|today|soon|and|years")
}

#[cfg(test)]
mod tests {
    use super::*;

    type Finder = fn(&str, &mut Vec<(usize, usize)>);

    /// Checks that each case yields exactly the spans marked with ⟦ ⟧ (none for
    /// a negative case), and reports all failures at once.
    fn check(f: Finder, cases: &[&str]) {
        let mut bad = Vec::new();
        for case in cases {
            let text = case.replace(['⟦', '⟧'], "");
            let want: Vec<_> = case
                .split('⟦')
                .skip(1)
                .map(|p| &p[..p.find('⟧').unwrap()])
                .collect();
            let mut got = Vec::new();
            f(&text, &mut got);
            // Slicing also checks that spans fall on char boundaries.
            assert!(
                got.windows(2).all(|w| w[0].1 <= w[1].0),
                "{text:?}: {got:?}"
            );
            let got: Vec<_> = got.iter().map(|&(a, b)| &text[a..b]).collect();
            if got != want {
                bad.push(format!("{text:?}: want {want:?}, got {got:?}"));
            }
        }
        assert!(bad.is_empty(), "failures:\n{}", bad.join("\n"));
    }

    #[rustfmt::skip]
    const DOB_POS: &[&str] = &[
        "He was born on ⟦1989-03-02⟧ in Leeds.", "DOB: ⟦03/02/1989⟧", "Date of birth: ⟦02.03.1989⟧",
        "DOB: ⟦Friday, August 01, 1947⟧", "born on ⟦Tue 2 March 1989⟧", "Geburtsdatum: ⟦Freitag, 1. August 1947⟧",
        "born ⟦2 March 1989⟧", "she was born on ⟦March 2, 1989⟧ in Boston",
        "Ada Smith (b. ⟦Mar 2nd 1989⟧)", "born on the ⟦2nd of March, 1989⟧",
        "geboren am ⟦2. März 1989⟧ in Köln", "Marie, née le ⟦2 mars 1989⟧ à Lyon",
        "né le ⟦1er mars 1989⟧", "nacido el ⟦2 de marzo de 1989⟧", "nata il ⟦2 marzo 1989⟧",
        "data de nascimento: ⟦02/03/1989⟧", "Geboortedatum: ⟦2 maart 1989⟧",
        r#"{"name": "A. Li", "dob": "⟦1989-03-02⟧"}"#, "birth_date=⟦1989-03-02⟧&x=1",
        r#"{"dateOfBirth":"⟦1989/03/02⟧"}"#, "{'date_of_birth': '⟦02-Mar-1989⟧'}",
        "fecha de nacimiento: ⟦2 de marzo de 1989⟧", "data di nascita: ⟦02/03/1989⟧",
        "date de naissance : ⟦2 février 1989⟧", "Birthday: ⟦Dec. 25, 1990⟧", "bday ⟦12/25/90⟧ !",
        "DOB ⟦19890302⟧", "born in Lyon on ⟦2 March 1989⟧",
        "was born in São Paulo on ⟦2 de março de 1989⟧", "Birthdate: ⟦1989-03-02⟧T00:00:00Z",
        "<dob>⟦1989-03-02⟧</dob>", "| DOB | ⟦1989-03-02⟧ |", r#"{\"dob\": \"⟦1989-03-02⟧\"}"#,
        "Max Muster, geb. ⟦02.03.1989⟧", "nascido em ⟦2 de março de 1989⟧",
        "patient_dob: ⟦1985-11-30⟧", "Date of Birth of the patient: ⟦11/30/1985⟧",
        "DOB: ⟦30 Nov 1985⟧", "born ⟦September 9th, 1979⟧ at noon", "Geburtstag: ⟦9. Sept. 1979⟧",
        "nato a Roma il ⟦2 marzo 1989⟧", "date of birth ⟦1975.08.15⟧", "\\nDOB: ⟦8/15/75⟧\\n",
        "geb. am ⟦15.08.1975⟧", "“DOB” ⟦15 agosto 1975⟧",
        "DOB: ⟦1989-03-02⟧, seen 2024-01-01; born ⟦2 March 1990⟧. Her son is 5 years old.",
        "| name | dob | city |\n|---|---|---|\n| Ann Lee | ⟦1989-03-02⟧ | Leeds |\n| Bo Li | ⟦2 Mar 1990⟧ | Oslo |",
        "name,dob,phone\\nAnn,⟦03/02/1989⟧,+44 1234\\nBo,⟦1990-04-05⟧,+33 5678",
        "DOB ⟦1975年10月2日⟧ verified", "Nací el ⟦15 de septiembre de 1954⟧.", "d.o.b ⟦3/2/89⟧",
    ];

    #[rustfmt::skip]
    const DOB_NEG: &[&str] = &[
        "the meeting on 2024-03-02", "released 2 March 2021", "born to run", "born in the 1990s",
        "invoice dated 03/02/2024", "DOB: unknown", r#"{"dob": null, "created_at": "2024-03-02"}"#,
        "born and raised in Berlin; moved on 2020-01-05",
        "Rust was born at Mozilla, released 2015-05-15", "DOB field updated on 2024-03-02",
        "born.\n2024-03-02", "born\\n2024-03-02", "the newborn arrived on 2024-03-02",
        "date of birth\n2024-03-02", "dob 2024-13-45", "born 1989", "DOB: 1.2.3.4",
        "Born. Then on 2024-03-02 we met", "birthdays 2024-03-02", "Plan B. 2024-03-02 kickoff",
        "NATO summit 2024-07-09", "DOB format is YYYY-MM-DD, e.g. today 2024-03-02",
        r#"{"birthday_party": true, "date": "2024-03-02"}"#, "WHERE birth_date < CAST ('2020-01-01' AS date)",
        "geb. Müller, seit 2020-01-01", "reborn 2024-03-02", "dob: 2024-03-02-7",
        "born in 1989, joined 2011-06-01", "| name | created |\n|---|---|\n| Ann | 2024-03-02 |",
        "name,dob\nAnn,2024-13-45",
    ];

    #[test]
    fn dates_of_birth() {
        assert!(DOB_POS.len() >= 40 && DOB_NEG.len() >= 25);
        check(find_dates_of_birth, DOB_POS);
        check(find_dates_of_birth, DOB_NEG);
    }

    #[rustfmt::skip]
    const AGE_POS: &[&str] = &[
        "She is age ⟦34⟧ now", "he is ⟦34⟧ years old", "a ⟦34⟧-year-old woman", "⟦34⟧ y/o male",
        "⟦34⟧ yo F, chest pain", "Age: ⟦34⟧", "Alter: ⟦34⟧", "elle a ⟦34⟧ ans", "tiene ⟦34⟧ años",
        r#"{"name":"x","age": ⟦34⟧}"#, r#"{"age":"⟦34⟧"}"#, "age=⟦34⟧&x=y", "AGE ⟦7⟧",
        "at the age of ⟦34⟧", "his age is ⟦34⟧", "Patient, ⟦67⟧ years old, presents",
        "our ⟦2⟧-year-old", "she is ⟦101⟧ years old", "⟦34⟧ years of age",
        "im Alter von ⟦34⟧ Jahren", "Er ist ⟦34⟧ Jahre alt", "eine ⟦34⟧-jährige Patientin",
        "hij is ⟦34⟧ jaar oud", "leeftijd: ⟦34⟧", "edad: ⟦34⟧", "Âge : ⟦34⟧ ans", "j'ai ⟦34⟧ ans",
        "Marie, ⟦34⟧ ans, vit à Lyon", "paciente de ⟦34⟧ años", "ha ⟦34⟧ anni", "ela tem ⟦34⟧ anos",
        "male, ⟦34⟧yo", "⟦34⟧ y.o. female", r#"{"bio":"x\nage: ⟦34⟧"}"#, r#"{\"age\": ⟦34⟧}"#,
        "aged ⟦125⟧", "TIENE ⟦34⟧ AÑOS", "(⟦34⟧ ans)", "an ⟦80⟧-year-old man",
        "age ⟦34⟧, lives in Berlin", "âgé de ⟦34⟧ ans", "a newborn, ⟦0⟧ years old",
        "un uomo di ⟦45⟧ anni", "Age: ⟦34⟧; her son is ⟦5⟧ years old, born 2019; aged ⟦80⟧.",
        "I am ⟦60⟧ and tired", "My son is ⟦52⟧.", "my mother (she's ⟦14⟧) needs",
        "The patient is ⟦44⟧.", "Age (years): ⟦17⟧", "- **Age (years)** - ⟦49⟧", "Age - ⟦85⟧",
        "| Age | ⟦34⟧ |", "I'm turning ⟦57⟧ next week", "she turned ⟦34⟧.", "im ⟦38⟧ and tired",
        "I'm ⟦34⟧ years and counting",
    ];

    #[rustfmt::skip]
    const AGE_NEG: &[&str] = &[
        "34 years ago", "34 years of experience", "for 3 years", "the age of the universe",
        "age of empires 2", "page 34 years", "max-age=60", "Cache-Control: max_age 60",
        "user.age = 34", "Age: 200", "WHERE age > 18", "age 18+", "ages 18-25",
        "cheese aged 12 months", "il y a 34 ans", "depuis 34 ans", "hace 34 años",
        "34 años de experiencia", "da 34 anni", "3.4 years old", "minimum age 18", "1934 years old",
        "alter 3 rows", "average age 34", "plus de 34 ans", "age 34.5", "age 12:30",
        "34 ans plus tard", "10 anni fa", "ho lavorato 5 anni", "age 05",
        "SELECT * FROM people WHERE age = 30", "25: 172,   # 20 to 30 years old",
        "the code is more than 10 years old", "you must be at least 18 years old",
        "(id < 5) OR (age = 8)", "(id - age) - 8", "id / age * 8", "I am 5 minutes away",
        "she is 5 feet tall", "the score is 5.", "I am 100% sure", "turned 90 degrees", "turn 3 pages",
        "im 38. Stock", "turning 5 widgets into 3",
    ];

    #[test]
    fn ages() {
        assert!(AGE_POS.len() >= 40 && AGE_NEG.len() >= 25);
        check(find_ages, AGE_POS);
        check(find_ages, AGE_NEG);
    }

    /// Mixed prose, JSON, code, SQL and logs without any date of birth or age.
    const CORPUS: &str = concat!(
        "The deployment finished and the dashboard shows the new build for every region. ",
        r#"{"id": 48213, "status": "ok", "created_at": "2024-03-02T10:11:12Z", "items": [1, 2]} "#,
        "fn main() { let order = vec![3, 1, 2]; for x in order.iter() { println!(\"{x}\"); } }\n",
        "SELECT id, name FROM users WHERE created > '2024-01-01' ORDER BY id LIMIT 50;\n",
        "2024-03-02 12:00:01 INFO worker-7 processed 1532 messages in 84 ms (p99 12 ms)\n",
        "Der Bericht wurde am Montag verschickt; die Daten kommen aus dem Lager in Bremen. ",
        "Le document décrit la procédure de gestion des données pour les équipes. ",
        r#"{"role": "assistant", "content": "Done. I updated 3 files; 214 tests passed."} "#,
    );

    #[test]
    #[ignore]
    fn speed() {
        let text = CORPUS.repeat((20 << 20) / CORPUS.len());
        let mb = text.len() as f64 / 1e6;
        let finders: [(&str, Finder); 2] = [("dates", find_dates_of_birth), ("ages", find_ages)];
        for (name, f) in finders {
            let mut out = Vec::new();
            let t = std::time::Instant::now();
            for _ in 0..5 {
                out.clear();
                f(std::hint::black_box(&text), &mut out);
            }
            let secs = t.elapsed().as_secs_f64() / 5.0;
            println!(
                "{name}: {:.0} MB/s on {mb:.1} MB ({} hits)",
                mb / secs,
                out.len()
            );
        }
    }
}

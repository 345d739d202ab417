//! Dates of birth and ages of people, recognised by their context.
//!
//! In: any UTF-8 text, typically agent traffic (messages, tool-call arguments,
//! tool results), often JSON held as text. Out: byte ranges `(start, end)`
//! appended to the caller's vector, left to right, non-overlapping, on char
//! boundaries. Only the standard library is used and nothing is allocated.
//!
//! # Dates of birth: [`find_dates_of_birth`]
//!
//! A date alone is not personal (meetings, invoices, releases, log
//! timestamps), so a date is reported only after a birth cue.
//! * Cues, ASCII-case-insensitive, at a word start: `born`, `b.` (lower case
//!   only: "Plan B." is not one), `DOB`, `D.O.B.`, `date of birth`, `day of
//!   birth`, `birth date`, `birthday`, `bday`, `né le`, `née`, `date de
//!   naissance`, `geboren`, `geb.`, `Geburtsdatum`, `Geburtstag`, `fecha de
//!   nacimiento`, `nacido/a`, `data di nascita`, `nato/a il`, `nato/a a`, `data
//!   de nascimento`, `nascido/a`, `geboortedatum`. A space in a cue also matches
//!   `_`, `-` or nothing, so keys such as `birth_date`, `dateOfBirth` and
//!   `patient_dob` are cues too.
//! * The date must start within 40 bytes after the cue, in the same line and
//!   sentence: no line break (real, or the JSON escape `\n`), no `.`/`!`/`?`
//!   before a space, no `;`, `{`, `}`, no digit that does not start the date,
//!   and at most two `"` and two `'` (a third one is the next JSON key). What
//!   may stand between depends on the cue: after a label (DOB, date of birth)
//!   any words but event words (`updated`, `created`, `joined`, ...); after a
//!   verb (born, né, nacido, geboren) only function words (`on`, `in`, `le`,
//!   `am`, `el`, `il`, ...) and capitalised words such as places; after `b.`
//!   and `geb.` no words at all, and at most 3 bytes.
//! * Shapes: `1989-03-02`, `1989/03/02`, `1989.03.02`, `19890302`,
//!   `03/02/1989`, `3/2/89`, `02.03.1989`, `2-3-1989` (day and month in either
//!   order, one of them at most 12), `2 March 1989`, `2-Mar-1989`, `2. März
//!   1989`, `1er mars 1989`, `2nd of March, 1989`, `2 de marzo de 1989`,
//!   `March 2, 1989`, `Mar. 2nd 1989`, with month names and abbreviations in
//!   English, German, French, Spanish, Italian, Portuguese and Dutch. Four-digit
//!   years are 1900-2099. A year is required: a day and month alone say little.
//!   A time may follow an ISO date (`1989-03-02T00:00:00Z`); it is left out.
//! * The span is the date alone; the cue stays readable.
//!
//! # Ages: [`find_ages`]
//!
//! A number 0-125, not glued to a word, a decimal, a time, a range or a
//! percentage, and either
//! * followed by an age unit: `years old`, `year-old`, `yrs old`, `years of
//!   age`, `y/o`, `y.o.`, `yo`, `Jahre alt`, `-jährig(e)`, `jaar oud` (not
//!   after a bound or range: "more than 10", "at least 18", "20 to 30"); or by
//!   `ans`, `años`, `anos`, `anni` when the words around say age and not
//!   duration: after a verb of having (`a`, `ai`, `tiene`, `tem`, `ha`, ...,
//!   but not "il y a"), after `de`/`di`/`con` unless a duration word comes
//!   before it ("plus de", "más de", "período de"), or after `(`, `,`, `:`;
//!   never before "de experiencia", "après", "atrás", "fa" and the like; or
//! * preceded by an age label: `age`, `aged`, `Age:`, `âge`, `Alter:` (German
//!   "Alter" needs `:`/`=` or "von", since ALTER is SQL), `edad`, `età`,
//!   `idade`, `leeftijd`, optionally with `of`/`is`/`was`/`von`/`de`/`di`
//!   between ("at the age of 34"). The label must not be part of an
//!   identifier (`max-age=60`, `user.age`, `max_age`), nor follow a threshold
//!   word ("minimum age 18", "average age 34") or a query keyword ("WHERE age
//!   = 30", "OR (age = 8)"), and the number must not be
//!   followed by another unit ("aged 12 months"), `+`, or "and over".
//!
//! The span is the digits alone ("34" in "34 years old"), so the words around
//! survive and the redacted text still reads as an age.
//!
//! # Speed
//!
//! Dates: one pass over word starts; only words whose first letter can start a
//! cue (b, d, f, g, n) are compared, and the date parser runs only in the
//! 40-byte window after a cue. Ages: one pass over digit runs; the unit and
//! label checks look at a few bytes around each run of at most 3 digits.

/// Gap allowed between the end of a cue and the start of the date.
const GAP_MAX: usize = 40;

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

/// Birth cues by first letter, longer forms before their prefixes.
#[rustfmt::skip]
const CUES_B: &[(&str, Cue)] = &[
    ("birth date", Cue::Label), ("birth day", Cue::Label), ("bday", Cue::Label), ("b-day", Cue::Label),
    ("born", Cue::Verb), ("b.", Cue::Abbrev),
];
#[rustfmt::skip]
const CUES_D: &[(&str, Cue)] = &[
    ("date of birth", Cue::Label), ("date de naissance", Cue::Label), ("data di nascita", Cue::Label),
    ("data de nascimento", Cue::Label), ("day of birth", Cue::Label), ("d.o.b.", Cue::Label),
    ("d.o.b", Cue::Label), ("dob", Cue::Label),
];
#[rustfmt::skip]
const CUES_F: &[(&str, Cue)] = &[("fecha de nacimiento", Cue::Label), ("fecha nacimiento", Cue::Label)];
#[rustfmt::skip]
const CUES_G: &[(&str, Cue)] = &[
    ("geburtsdatum", Cue::Label), ("geburtstag", Cue::Label), ("geboortedatum", Cue::Label),
    ("geboren", Cue::Verb), ("geb. am", Cue::Verb), ("geb.", Cue::Abbrev),
];
#[rustfmt::skip]
const CUES_N: &[(&str, Cue)] = &[
    ("née le", Cue::Verb), ("né le", Cue::Verb), ("née", Cue::Verb), ("né", Cue::Verb),
    ("nacido", Cue::Verb), ("nacida", Cue::Verb), ("nato il", Cue::Verb), ("nata il", Cue::Verb),
    ("nato a", Cue::Verb), ("nata a", Cue::Verb), ("nascido", Cue::Verb), ("nascida", Cue::Verb),
];

/// Words allowed between a verb cue and the date (besides capitalised ones).
#[rustfmt::skip]
const VERB_GAP_WORDS: &[&str] = &[
    "on", "in", "at", "the", "of", "is", "was", "le", "la", "l", "a", "au", "en", "el", "em", "no",
    "na", "il", "am", "im", "op", "te", "de", "del", "du", "di", "da", "do", "dos", "das", "der", "den",
];

/// Words that turn a label's date into some other event's date.
#[rustfmt::skip]
const EVENT_WORDS: &[&str] = &[
    "updated", "update", "created", "create", "modified", "changed", "added", "removed", "deleted",
    "released", "published", "issued", "expires", "expiry", "expired", "valid", "until", "since",
    "joined", "registered", "signed", "sent", "received", "due", "visit", "appointment", "admitted",
    "admission", "discharged", "scheduled", "booked", "verified", "checked", "confirmed", "last",
    "next", "today", "now",
];

/// Month names and abbreviations in seven languages, lower case.
#[rustfmt::skip]
const MONTHS: &[(&str, u8)] = &[
    ("january", 1), ("jan", 1), ("januar", 1), ("jänner", 1), ("jän", 1), ("janvier", 1), ("janv", 1),
    ("enero", 1), ("ene", 1), ("gennaio", 1), ("gen", 1), ("janeiro", 1), ("januari", 1),
    ("february", 2), ("feb", 2), ("februar", 2), ("février", 2), ("fevrier", 2), ("févr", 2),
    ("fevr", 2), ("fév", 2), ("febrero", 2), ("febbraio", 2), ("fevereiro", 2), ("fev", 2),
    ("februari", 2),
    ("march", 3), ("mar", 3), ("märz", 3), ("maerz", 3), ("marz", 3), ("mrz", 3), ("mars", 3),
    ("marzo", 3), ("março", 3), ("marco", 3), ("maart", 3), ("mrt", 3),
    ("april", 4), ("apr", 4), ("avril", 4), ("avr", 4), ("abril", 4), ("abr", 4), ("aprile", 4),
    ("may", 5), ("mai", 5), ("mayo", 5), ("maggio", 5), ("mag", 5), ("maio", 5), ("mei", 5),
    ("june", 6), ("jun", 6), ("juni", 6), ("juin", 6), ("junio", 6), ("giugno", 6), ("giu", 6),
    ("junho", 6),
    ("july", 7), ("jul", 7), ("juli", 7), ("juillet", 7), ("juil", 7), ("julio", 7), ("luglio", 7),
    ("lug", 7), ("julho", 7),
    ("august", 8), ("aug", 8), ("août", 8), ("aout", 8), ("agosto", 8), ("ago", 8), ("augustus", 8),
    ("september", 9), ("sep", 9), ("sept", 9), ("septembre", 9), ("septiembre", 9),
    ("setiembre", 9), ("settembre", 9), ("set", 9), ("setembro", 9),
    ("october", 10), ("oct", 10), ("oktober", 10), ("okt", 10), ("octobre", 10), ("octubre", 10),
    ("ottobre", 10), ("ott", 10), ("outubro", 10), ("out", 10),
    ("november", 11), ("nov", 11), ("novembre", 11), ("noviembre", 11), ("novembro", 11),
    ("december", 12), ("dec", 12), ("dezember", 12), ("dez", 12), ("décembre", 12),
    ("decembre", 12), ("déc", 12), ("diciembre", 12), ("dic", 12), ("dicembre", 12),
    ("dezembro", 12),
];

/// Units that make the number before them an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Says age on its own ("years old").
    Plain,
    /// A stem that takes endings ("jährig", "jährige", "jährigen").
    Stem,
    /// "ans", "años": age or duration, decided by the words around.
    Romance,
}

#[rustfmt::skip]
const UNITS: &[(&str, Unit)] = &[
    ("years old", Unit::Plain), ("year old", Unit::Plain), ("yrs old", Unit::Plain),
    ("yr old", Unit::Plain), ("years of age", Unit::Plain), ("year of age", Unit::Plain),
    ("y/o", Unit::Plain), ("y.o.", Unit::Plain), ("y.o", Unit::Plain), ("yo", Unit::Plain),
    ("jahre alt", Unit::Plain), ("jaar oud", Unit::Plain), ("jährig", Unit::Stem),
    ("jaehrig", Unit::Stem), ("ans", Unit::Romance), ("años", Unit::Romance),
    ("aÑos", Unit::Romance), ("anos", Unit::Romance), ("anni", Unit::Romance),
];

/// Words just before "34 ans" that say the person has that age.
#[rustfmt::skip]
const ROMANCE_HAVE: &[&str] = &[
    "a", "ai", "as", "avait", "avais", "aura", "avoir", "tiene", "tengo", "tienes", "tenía", "tenia",
    "cumple", "cumplió", "cumplio", "cumplirá", "tem", "tenho", "tinha", "completa", "completou",
    "fez", "ha", "ho", "hai", "aveva", "avevo", "compie", "compiuto",
];

/// Prepositions before "34 ans" that say age unless a duration word precedes them.
const ROMANCE_PREP: &[&str] = &["de", "di", "con", "com"];

/// Words before the preposition that turn "de 34 ans" into a duration.
#[rustfmt::skip]
const ROMANCE_DURATION: &[&str] = &[
    "plus", "moins", "près", "pres", "environ", "más", "mas", "menos", "cerca", "mais", "più", "piu",
    "meno", "circa", "período", "periodo", "période", "periode", "durée", "duree", "durata",
    "duración", "duracion", "lapso", "plazo", "prazo", "espace", "intervalle", "spazio", "espacio",
    "contrat", "contrato", "contratto", "garantie", "garantía", "garantia", "garanzia", "après",
    "después", "despues", "depois", "dopo", "hace", "desde", "depuis", "antes", "avant", "prima",
    "experiencia", "expérience", "experiência", "esperienza", "mandat", "mandato", "peine", "pena",
    "condena", "prison", "prisión", "prisão", "bout", "fin",
];

/// Words after "34 ans" that make it a duration or a point in the past.
#[rustfmt::skip]
const ROMANCE_AFTER: &[&str] = &[
    "de experiencia", "de experiência", "d'expérience", "d’expérience", "di esperienza",
    "d'esperienza", "de servicio", "de service", "di servizio", "de serviço", "de garantie",
    "de garantía", "d'ancienneté", "de antigüedad", "plus tard", "plus tôt", "après", "avant",
    "auparavant", "después", "despues", "más tarde", "mas tarde", "atrás", "atras", "antes",
    "depois", "dopo", "fa", "prima", "ago",
];

/// Labels before an age.
const AGE_CUES: &[&str] = &["age", "aged", "âge", "Âge", "âgé", "âgée", "edad", "età", "idade", "leeftijd"];

/// Words allowed between an age label and the number.
const AGE_MID: &[&str] = &["of", "is", "was", "von", "de", "di"];

/// Words before an age label that make the number a threshold or statistic.
#[rustfmt::skip]
const AGE_BEFORE_NEG: &[&str] = &[
    "under", "over", "above", "below", "min", "max", "minimum", "maximum", "average", "avg", "mean",
    "median", "legal", "retirement", "voting", "drinking", "consent", "target", "gestational",
    "minimal", "maximal", "mental", "reading", "bone", "where", "and", "or", "not", "when", "if",
    "having", "filter",
];

/// Words after the number that make it something other than a person's age.
#[rustfmt::skip]
const AGE_AFTER_NEG: &[&str] = &[
    "months", "month", "mo", "mos", "weeks", "week", "wk", "wks", "days", "day", "d", "hours", "hour",
    "hr", "hrs", "h", "minutes", "minute", "min", "mins", "m", "seconds", "second", "sec", "secs",
    "s", "ms", "mois", "semaines", "semaine", "jours", "jour", "heures", "heure", "meses", "mes",
    "semanas", "semana", "días", "dias", "día", "dia", "horas", "hora", "monate", "monaten", "monat",
    "wochen", "woche", "tage", "tagen", "tag", "stunden", "stunde", "maanden", "maand", "weken",
    "dagen", "dag", "mesi", "mese", "settimane", "giorni", "giorno", "ore", "kg", "lbs", "lb", "cm",
    "mm", "gb", "mb", "kb", "px", "and over", "or over", "and up", "and older", "or older",
    "and above", "or above", "and under", "or younger", "and below", "or more", "or less", "to",
    "plus",
];

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
        if let Some((ds, de)) = cue_and_date(s, from, d) {
            out.push((ds, de));
            i = de;
        } else {
            i = d;
            while i < n && s[i].is_ascii_digit() {
                i += 1;
            }
        }
        scanned = i;
    }
}

/// How far before a digit a cue may start: the longest cue, the gap, and the
/// month name and spaces that can come before a date's first digit.
const WINDOW: usize = 24 + GAP_MAX + 16;

/// The first cue at a word start in `from..to` that has a date after it.
fn cue_and_date(s: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
    let mut i = from;
    if i > 0 && s[i - 1].is_ascii_alphanumeric() {
        while i < to && s[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    while i < to {
        let b = s[i];
        if !b.is_ascii_alphanumeric() {
            // A JSON escape such as `\n` separates words like real white space.
            i += if b == b'\\' && matches!(s.get(i + 1), Some(b'n' | b't' | b'r')) { 2 } else { 1 };
            continue;
        }
        if let Some(found) = cue_at(s, i).and_then(|(cue_end, kind)| date_after_cue(s, cue_end, kind)) {
            return Some(found);
        }
        while i < to && s[i].is_ascii_alphanumeric() {
            i += 1;
        }
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
        while i < n && s[i].is_ascii_digit() {
            i += 1;
        }
        if i - start <= 3 && age_number_ok(s, start, i) && (unit_after(s, start, i) || label_before(s, start, i)) {
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
    match b {
        0..=0xbf => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Whether the char at `k` belongs to a word. No-break space, guillemets,
/// degree and ordinal signs and everything in U+2000-U+2BFF (curly quotes,
/// dashes, bullets) separate words like ASCII punctuation.
fn word_char_at(s: &[u8], k: usize) -> bool {
    match s.get(k) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(&0xc2) => !matches!(s.get(k + 1), Some(0xa0 | 0xab | 0xbb | 0xb0 | 0xba | 0xaa | 0xb7)),
        Some(&0xe2) => false,
        Some(_) => true,
    }
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
        let b = s[k - 1];
        if b.is_ascii_alphabetic() {
            if matches!(b, b'n' | b't' | b'r') && k >= 2 && s[k - 2] == b'\\' {
                break;
            }
            k -= 1;
            continue;
        }
        if b < 0x80 {
            break;
        }
        let mut c = k - 1;
        while c > 0 && s[c] & 0xc0 == 0x80 {
            c -= 1;
        }
        if !word_char_at(s, c) {
            break;
        }
        k = c;
    }
    k
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
        if k > 0 && matches!(s[k - 1], b' ' | b'\t') {
            k -= 1;
        } else if k > 1 && s[k - 1] == 0xa0 && s[k - 2] == 0xc2 {
            k -= 2;
        } else {
            return k;
        }
    }
}

/// Matches `pat` (lower case) at `i`: ASCII case-insensitively, other bytes
/// exactly. A space in `pat` stands for one of ` `, `_`, `-` or nothing, so one
/// entry covers prose ("date of birth"), keys ("date_of_birth") and camelCase.
fn match_flex(s: &[u8], i: usize, pat: &[u8]) -> Option<usize> {
    let mut j = i;
    for &p in pat {
        if p == b' ' {
            if matches!(s.get(j), Some(b' ' | b'_' | b'-')) {
                j += 1;
            }
        } else if j < s.len() && s[j].to_ascii_lowercase() == p {
            j += 1;
        } else {
            return None;
        }
    }
    Some(j)
}

/// `pat` at `k` as a whole word (or phrase).
fn word_at(s: &[u8], k: usize, pat: &str) -> Option<usize> {
    match_flex(s, k, pat.as_bytes()).filter(|&e| !word_char_at(s, e))
}

fn eq_ic(w: &[u8], pat: &str) -> bool {
    w.len() == pat.len() && w.iter().zip(pat.as_bytes()).all(|(a, b)| a.to_ascii_lowercase() == *b)
}

fn in_list(w: &[u8], list: &[&str]) -> bool {
    list.iter().any(|p| eq_ic(w, p))
}

fn any_word_at(s: &[u8], k: usize, list: &[&str]) -> bool {
    list.iter().any(|p| word_at(s, k, p).is_some())
}

/// Reads a run of digits: its value (of the first 9) and its end.
fn digits(s: &[u8], k: usize) -> (u32, usize) {
    let mut v = 0u32;
    let mut e = k;
    while e < s.len() && s[e].is_ascii_digit() {
        if e - k < 9 {
            v = v * 10 + u32::from(s[e] - b'0');
        }
        e += 1;
    }
    (v, e)
}

// ---------------------------------------------------------------------------
// Dates of birth

fn cue_at(s: &[u8], i: usize) -> Option<(usize, Cue)> {
    let list = match s[i] | 0x20 {
        b'b' => CUES_B,
        b'd' => CUES_D,
        b'f' => CUES_F,
        b'g' => CUES_G,
        b'n' => CUES_N,
        _ => return None,
    };
    for &(pat, kind) in list {
        // "B." ends many sentences ("Plan B."); only the lower-case "b." abbreviates born.
        if pat == "b." && s[i] != b'b' {
            continue;
        }
        if let Some(e) = match_flex(s, i, pat.as_bytes()) {
            if !pat.ends_with('.') && word_char_at(s, e) {
                continue;
            }
            return Some((e, kind));
        }
    }
    None
}

/// Looks for the date that a cue ending at `from` introduces.
fn date_after_cue(s: &[u8], from: usize, kind: Cue) -> Option<(usize, usize)> {
    let n = s.len();
    let limit = (from + if kind == Cue::Abbrev { 3 } else { GAP_MAX }).min(n);
    let mut quotes = [0u8; 2];
    let mut j = from;
    while j < limit {
        let b = s[j];
        if b.is_ascii_digit() {
            // The first number after the cue is the date or nothing.
            return parse_date(s, j).map(|e| (j, e));
        }
        if word_char_at(s, j) {
            if b.is_ascii_alphabetic() {
                if let Some(e) = month_first(s, j) {
                    return Some((j, e));
                }
            }
            let we = letters_end(s, j);
            let w = &s[j..we];
            let ok = match kind {
                Cue::Abbrev => false,
                Cue::Verb => !b.is_ascii_lowercase() || in_list(w, VERB_GAP_WORDS),
                Cue::Label => !in_list(w, EVENT_WORDS),
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
            b'.' | b'!' | b'?' if s.get(j + 1).is_none_or(|c| c.is_ascii_whitespace()) => return None,
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
    if matches!(s.get(k), Some(0xc2)) && matches!(s.get(k + 1), Some(0xba | 0xb0 | 0xaa)) {
        return k + 2;
    }
    for suf in ["st", "nd", "rd", "th", "er"] {
        if let Some(e) = word_at(s, k, suf) {
            return e;
        }
    }
    k
}

/// Longest month name at `k`, as a whole word, with its abbreviation dot.
fn month_at(s: &[u8], k: usize) -> Option<usize> {
    let first = s.get(k)?.to_ascii_lowercase();
    let mut best = None;
    for &(name, _) in MONTHS {
        if name.as_bytes()[0] != first {
            continue;
        }
        if let Some(e) = word_at(s, k, name) {
            if best.is_none_or(|b| e > b) {
                best = Some(e);
            }
        }
    }
    best.map(|e| if s.get(e) == Some(&b'.') { e + 1 } else { e })
}

/// "2 March 1989", "2nd of March, 1989", "2. März 1989", "2 de marzo de 1989", "02-Mar-1989".
fn day_first(s: &[u8], j: usize) -> Option<usize> {
    let (d, de) = digits(s, j);
    if de - j > 2 || !(1..=31).contains(&d) {
        return None;
    }
    let mut k = skip_ordinal(s, de);
    let mut sep = false;
    if s.get(k) == Some(&b'.') {
        k += 1;
        sep = true;
    }
    let k1 = skip_spaces(s, k);
    if k1 > k {
        k = k1;
        sep = true;
        if let Some(e) = word_at(s, k, "of").or_else(|| word_at(s, k, "de")) {
            k = skip_spaces(s, e);
            if k == e {
                return None;
            }
        }
    } else if s.get(k) == Some(&b'-') {
        k += 1;
        sep = true;
    }
    if !sep {
        return None;
    }
    let me = month_at(s, k)?;
    year_after_month(s, me)
}

/// The year after a day-first month: ", 1989", " 1989", "-1989", " de 1989", " del 1989".
fn year_after_month(s: &[u8], me: usize) -> Option<usize> {
    let mut k = me;
    if s.get(k) == Some(&b',') {
        k += 1;
    }
    if s.get(k) == Some(&b'-') {
        k += 1;
    } else {
        let k1 = skip_spaces(s, k);
        if k1 > k {
            k = k1;
            if let Some(e) = word_at(s, k, "del").or_else(|| word_at(s, k, "de")) {
                k = skip_spaces(s, e);
                if k == e {
                    return None;
                }
            }
        }
    }
    if k == me {
        return None;
    }
    let (y, ye) = digits(s, k);
    (ye - k == 4 && year4_ok(y)).then_some(ye)
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
    if end - start > 1 && s[start] == b'0' {
        return false;
    }
    if digits(s, start).0 > 125 {
        return false;
    }
    if start > 0 {
        let p = s[start - 1];
        let escape = matches!(p, b'n' | b't' | b'r') && start >= 2 && s[start - 2] == b'\\';
        if (p.is_ascii_alphabetic() && !escape)
            || matches!(p, b'.' | b',' | b'-' | b'_' | b'/' | b'#' | b'$' | b'+' | b'@' | b'&' | b'%' | b'^' | b'*' | b'~')
            || (p >= 0x80 && skip_spaces_back(s, start) == start)
        {
            return false;
        }
    }
    if let Some(&c) = s.get(end) {
        let digit_next = s.get(end + 1).is_some_and(u8::is_ascii_digit);
        if matches!(c, b'.' | b',' | b':' | b'/' | b'-') && digit_next || matches!(c, b'%' | b'+' | b'$') {
            return false;
        }
    }
    true
}

/// "34 years old", "34-year-old", "34yo", "34-jährige", "34 ans".
fn unit_after(s: &[u8], start: usize, end: usize) -> bool {
    let k = match s.get(end) {
        Some(b' ' | b'-') => end + 1,
        Some(0xc2) if s.get(end + 1) == Some(&0xa0) => end + 2,
        _ => end,
    };
    if !s.get(k).is_some_and(|&b| matches!(b | 0x20, b'y' | b'j' | b'a')) {
        return false;
    }
    for &(pat, unit) in UNITS {
        let Some(e) = match_flex(s, k, pat.as_bytes()) else { continue };
        let e = if unit == Unit::Stem { letters_end(s, e) } else { e };
        if !pat.ends_with('.') && word_char_at(s, e) {
            continue;
        }
        if unit == Unit::Plain && range_or_bound_before(s, start) {
            return false;
        }
        return unit != Unit::Romance || romance_age(s, start, e);
    }
    false
}

/// "20 to 30 years old", "more than 10 years old", "at least 18 years old":
/// a bound or a range, not someone's age.
fn range_or_bound_before(s: &[u8], start: usize) -> bool {
    let p = skip_spaces_back(s, start);
    let ws = letters_back(s, p);
    if ws == p || p == start {
        return false;
    }
    let w = &s[ws..p];
    if in_list(w, &["than", "least", "most", "over", "under"]) {
        return true;
    }
    let q = skip_spaces_back(s, ws);
    in_list(w, &["to", "and", "or", "bis", "et", "y", "e"]) && q > 0 && q < ws && s[q - 1].is_ascii_digit()
}

/// Whether "34 ans" (and años, anos, anni) is an age rather than a duration.
fn romance_age(s: &[u8], start: usize, unit_end: usize) -> bool {
    let k = skip_spaces(s, unit_end);
    if any_word_at(s, k, ROMANCE_AFTER) {
        return false;
    }
    let p = skip_spaces_back(s, start);
    if p == 0 || !letter_at_back(s, p) {
        // Start of text, a list ("Marie, 34 ans") or a label ("âge : 34 ans").
        return true;
    }
    let ws = letters_back(s, p);
    let w = &s[ws..p];
    if ws == p {
        // The `n` of a `\n` escape.
        return true;
    }
    if in_list(w, ROMANCE_HAVE) {
        // "il y a 34 ans" is "34 years ago".
        let q = skip_spaces_back(s, ws);
        return !(q < ws && eq_ic(&s[letters_back(s, q)..q], "y") && w.eq_ignore_ascii_case(b"a"));
    }
    if in_list(w, ROMANCE_PREP) {
        let q = skip_spaces_back(s, ws);
        return q == ws || !in_list(&s[letters_back(s, q)..q], ROMANCE_DURATION);
    }
    false
}

/// Whether the char ending at `p` is a letter.
fn letter_at_back(s: &[u8], p: usize) -> bool {
    let mut c = p - 1;
    while c > 0 && s[c] & 0xc0 == 0x80 {
        c -= 1;
    }
    letter_at(s, c)
}

/// "age 34", "Age: 34", `"age": 34`, "at the age of 34", "Alter von 34".
fn label_before(s: &[u8], start: usize, end: usize) -> bool {
    if word_char_at(s, end) {
        return false;
    }
    let mut p = start;
    let mut labelled = false;
    while p > 0 && start - p < 8 {
        match s[p - 1] {
            b' ' | b'\t' | b'"' | b'\'' | b'\\' => {}
            b':' | b'=' => labelled = true,
            0xa0 if p >= 2 && s[p - 2] == 0xc2 => p -= 1,
            _ => break,
        }
        p -= 1;
    }
    if p == start {
        return false;
    }
    let mut ws = letters_back(s, p);
    let mut w = &s[ws..p];
    let mut via_von = false;
    if in_list(w, AGE_MID) {
        via_von = eq_ic(w, "von");
        let q = skip_spaces_back(s, ws);
        if q == ws {
            return false;
        }
        ws = letters_back(s, q);
        w = &s[ws..q];
    }
    let cue = in_list(w, AGE_CUES) || (eq_ic(w, "alter") && (labelled || via_von));
    if !cue {
        return false;
    }
    if ws > 0 && (matches!(s[ws - 1], b'_' | b'-' | b'.' | b'/') || s[ws - 1].is_ascii_digit()) {
        return false;
    }
    // A threshold ("minimum age 18") or a query ("WHERE age = 30", "OR (age = 8)").
    let mut q = skip_spaces_back(s, ws);
    while q > 0 && s[q - 1] == b'(' {
        q = skip_spaces_back(s, q - 1);
    }
    !(q < ws && in_list(&s[letters_back(s, q)..q], AGE_BEFORE_NEG))
        && !any_word_at(s, skip_spaces(s, end), AGE_AFTER_NEG)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(f: fn(&str, &mut Vec<(usize, usize)>), text: &str) -> Vec<String> {
        let mut v = Vec::new();
        f(text, &mut v);
        v.iter().map(|&(a, b)| text[a..b].to_string()).collect()
    }

    /// Checks every case and reports all failures at once. A positive case
    /// marks the one expected span with ⟦ ⟧.
    fn check(f: fn(&str, &mut Vec<(usize, usize)>), pos: &[&str], neg: &[&str]) {
        let mut bad = Vec::new();
        for case in pos {
            let (before, rest) = case.split_once('⟦').unwrap();
            let (want, after) = rest.split_once('⟧').unwrap();
            let text = format!("{before}{want}{after}");
            let got = spans(f, &text);
            if got != [want] {
                bad.push(format!("{text:?}: want [{want:?}], got {got:?}"));
            }
        }
        for &text in neg {
            let got = spans(f, text);
            if !got.is_empty() {
                bad.push(format!("{text:?}: want nothing, got {got:?}"));
            }
        }
        assert!(bad.is_empty(), "{} failures:\n{}", bad.len(), bad.join("\n"));
    }

    #[rustfmt::skip]
    const DOB_POS: &[&str] = &[
        "He was born on ⟦1989-03-02⟧ in Leeds.", "DOB: ⟦03/02/1989⟧", "D.O.B. ⟦3/2/89⟧",
        "Date of birth: ⟦02.03.1989⟧", "birthdate ⟦2-3-1989⟧", "born ⟦2 March 1989⟧",
        "she was born on ⟦March 2, 1989⟧ in Boston", "Ada Smith (b. ⟦Mar 2nd 1989⟧)",
        "born on the ⟦2nd of March, 1989⟧", "geboren am ⟦2. März 1989⟧ in Köln",
        "Marie, née le ⟦2 mars 1989⟧ à Lyon", "né le ⟦1er mars 1989⟧", "nacido el ⟦2 de marzo de 1989⟧",
        "nata il ⟦2 marzo 1989⟧", "data de nascimento: ⟦02/03/1989⟧", "Geboortedatum: ⟦2 maart 1989⟧",
        r#"{"name": "A. Li", "dob": "⟦1989-03-02⟧"}"#, "birth_date=⟦1989-03-02⟧&x=1",
        r#"{"dateOfBirth":"⟦1989/03/02⟧"}"#, "{'date_of_birth': '⟦02-Mar-1989⟧'}", "Geburtsdatum: ⟦02.03.1989⟧",
        "fecha de nacimiento: ⟦2 de marzo de 1989⟧", "data di nascita: ⟦02/03/1989⟧",
        "date de naissance : ⟦2 février 1989⟧", "Birthday: ⟦Dec. 25, 1990⟧", "bday ⟦12/25/90⟧ !",
        "DOB ⟦19890302⟧", "born in Lyon on ⟦2 March 1989⟧", "was born in São Paulo on ⟦2 de março de 1989⟧",
        "BIRTH DATE: ⟦1989-03-02⟧", "Birthdate: ⟦1989-03-02⟧T00:00:00Z", "<dob>⟦1989-03-02⟧</dob>",
        "| DOB | ⟦1989-03-02⟧ |", r#"{\"dob\": \"⟦1989-03-02⟧\"}"#, "Max Muster, geb. ⟦02.03.1989⟧",
        "nascido em ⟦2 de março de 1989⟧", "patient_dob: ⟦1985-11-30⟧",
        "Date of Birth of the patient: ⟦11/30/1985⟧", "DOB: ⟦30 Nov 1985⟧", "born ⟦2 Jan. 2001⟧",
        "born ⟦September 9th, 1979⟧ at noon", "Geburtstag: ⟦9. Sept. 1979⟧", "nato a Roma il ⟦2 marzo 1989⟧",
        "geboren op ⟦2 mei 1989⟧", "nacida el ⟦15/08/1975⟧", "date of birth ⟦1975.08.15⟧",
        "\\nDOB: ⟦8/15/75⟧\\n", "d.o.b ⟦1975-8-15⟧", "geb. am ⟦15.08.1975⟧", "“DOB” ⟦15 agosto 1975⟧",
    ];

    #[rustfmt::skip]
    const DOB_NEG: &[&str] = &[
        "the meeting on 2024-03-02", "released 2 March 2021", "born to run", "born in the 1990s",
        "invoice dated 03/02/2024", "DOB: unknown", r#"{"dob": null, "created_at": "2024-03-02"}"#,
        "born and raised in Berlin; moved on 2020-01-05", "Rust was born at Mozilla, released 2015-05-15",
        "DOB field updated on 2024-03-02", "born.\n2024-03-02", "born\\n2024-03-02",
        "the newborn arrived on 2024-03-02", "date of birth\n2024-03-02", "dob 2024-13-45", "born 1989",
        "DOB: 1.2.3.4", "Born. Then on 2024-03-02 we met", "birthdays 2024-03-02", "Plan B. 2024-03-02 kickoff",
        "NATO summit 2024-07-09", "DOB format is YYYY-MM-DD, e.g. today 2024-03-02", "born 13/13/1989",
        r#"{"birthday_party": true, "date": "2024-03-02"}"#, "dob_verified_at: 2024-03-02",
        "geb. Müller, seit 2020-01-01", "the age of the universe", "reborn 2024-03-02", "dob: 2024-03-02-7",
        "born in 1989, joined 2011-06-01", "the 1990s",
    ];

    #[test]
    fn dates_of_birth() {
        assert!(DOB_POS.len() >= 40 && DOB_NEG.len() >= 25);
        check(find_dates_of_birth, DOB_POS, DOB_NEG);
    }

    #[test]
    fn several_dates_in_order() {
        let text = "DOB: 1989-03-02, meeting 2024-01-01; born 2 March 1990.";
        assert_eq!(spans(find_dates_of_birth, text), ["1989-03-02", "2 March 1990"]);
    }

    #[rustfmt::skip]
    const AGE_POS: &[&str] = &[
        "She is age ⟦34⟧ now", "aged ⟦34⟧", "he is ⟦34⟧ years old", "a ⟦34⟧-year-old woman", "⟦34⟧ y/o male",
        "⟦34⟧ yo F, chest pain", "Age: ⟦34⟧", "Alter: ⟦34⟧", "elle a ⟦34⟧ ans", "tiene ⟦34⟧ años",
        r#"{"name":"x","age": ⟦34⟧}"#, r#"{"age":"⟦34⟧"}"#, "age=⟦34⟧&x=y", "AGE ⟦7⟧", "at the age of ⟦34⟧",
        "his age is ⟦34⟧", "Patient, ⟦67⟧ years old, presents", "a ⟦5⟧ year old boy", "our ⟦2⟧-year-old",
        "she is ⟦101⟧ years old", "⟦34⟧ years of age", "im Alter von ⟦34⟧ Jahren", "Er ist ⟦34⟧ Jahre alt",
        "eine ⟦34⟧-jährige Patientin", "hij is ⟦34⟧ jaar oud", "leeftijd: ⟦34⟧", "edad: ⟦34⟧", "età: ⟦34⟧",
        "idade: ⟦34⟧", "Âge : ⟦34⟧ ans", "j'ai ⟦34⟧ ans", "Marie, ⟦34⟧ ans, vit à Lyon",
        "paciente de ⟦34⟧ años", "ha ⟦34⟧ anni", "ela tem ⟦34⟧ anos", "male, ⟦34⟧yo", "⟦34⟧ y.o. female",
        r#"{"bio":"x\nage: ⟦34⟧"}"#, r#"{\"age\": ⟦34⟧}"#, "aged ⟦125⟧", "TIENE ⟦34⟧ AÑOS", "⟦34⟧ Years Old",
        "(⟦34⟧ ans)", "an ⟦80⟧-year-old man", "age ⟦34⟧, lives in Berlin", "âgé de ⟦34⟧ ans", "Age:⟦34⟧",
        "⟦34⟧ yrs old", "a newborn, ⟦0⟧ years old", "un uomo di ⟦45⟧ anni",
    ];

    #[rustfmt::skip]
    const AGE_NEG: &[&str] = &[
        "34 years ago", "34 years of experience", "for 3 years", "the age of the universe", "age of empires 2",
        "page 34 years", "max-age=60", "Cache-Control: max_age 60", "user.age = 34", "Age: 200",
        "WHERE age > 18", "age 18+", "ages 18-25", "cheese aged 12 months", "il y a 34 ans", "depuis 34 ans",
        "hace 34 años", "34 años de experiencia", "da 34 anni", "the user 42 times", "order 66",
        "3.4 years old", "minimum age 18", "storage 34", "34 years", "1934 years old", "alter 3 rows",
        "average age 34", "plus de 34 ans", "age 34.5", "age 12:30", "Stage 3", "age 34%", "v1.34 years old",
        "34 ans plus tard", "10 anni fa", "ho lavorato 5 anni", "age 05", "SELECT * FROM people WHERE age = 30",
        "25: 172,   # 20 to 30 years old", "the code is more than 10 years old",
        "you must be at least 18 years old", "(id < 5) OR (age = 8)", "the 1990s",
    ];

    #[test]
    fn ages() {
        assert!(AGE_POS.len() >= 40 && AGE_NEG.len() >= 25);
        check(find_ages, AGE_POS, AGE_NEG);
    }

    #[test]
    fn several_ages_in_order() {
        let text = "Age: 34; her son is 5 years old, born 2019; aged 80.";
        assert_eq!(spans(find_ages, text), ["34", "5", "80"]);
    }

    /// Spans are ordered, disjoint, non-empty and on char boundaries, and
    /// nothing panics, on text stitched from tricky pieces.
    #[test]
    fn invariants_on_generated_text() {
        #[rustfmt::skip]
        const PIECES: &[&str] = &[
            "born ", "DOB", ": ", "1989", "-", "03", "/", ".", "2", " ", "March", "mars", "né", "née le", "\\n",
            "\\", "\"", "'", "age", "34", " years old", " ans", "a ", "il y a ", "é", "\u{a0}", "—", "°", "12",
            "b.", "geb.", "T", "(", "nato il ", "Âge", "AÑOS", "jährig", "y/o", "\n", "of ", "Alter", "von ", "to ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + seed % 12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            for f in [find_dates_of_birth as fn(&str, &mut Vec<(usize, usize)>), find_ages] {
                let mut v = Vec::new();
                f(&text, &mut v);
                let mut last = 0;
                for &(a, b) in &v {
                    assert!(last <= a && a < b && text.is_char_boundary(a) && text.is_char_boundary(b), "{text:?}");
                    assert!(!text[a..b].ends_with(['\\', '"', ' ']), "{text:?}");
                    last = b;
                }
            }
        }
    }

    /// Mixed prose, JSON, code, SQL and logs without any date of birth or age.
    fn corpus(size: usize) -> String {
        #[rustfmt::skip]
        const PARTS: &[&str] = &[
            "The deployment finished and the dashboard shows the new build for every region. ",
            r#"{"id": 48213, "status": "ok", "created_at": "2024-03-02T10:11:12Z", "items": [1, 2, 3]} "#,
            "fn main() { let order = vec![3, 1, 2]; for x in order.iter() { println!(\"{x}\"); } }\n",
            "SELECT id, name FROM users WHERE created > '2024-01-01' ORDER BY id LIMIT 50;\n",
            "2024-03-02 12:00:01 INFO worker-7 processed 1532 messages in 84 ms (p99 12 ms)\n",
            "Der Bericht wurde am Montag verschickt; die Daten kommen aus dem Lager in Bremen. ",
            "Le document décrit la procédure de gestion des données pour les équipes. ",
            r#"{"role": "assistant", "content": "Done. I updated 3 files and ran the tests: 214 passed."} "#,
        ];
        let mut s = String::with_capacity(size + 256);
        let mut k = 0usize;
        while s.len() < size {
            s.push_str(PARTS[k % PARTS.len()]);
            k = k.wrapping_mul(31).wrapping_add(7) % 1009;
        }
        s
    }

    #[test]
    #[ignore]
    fn speed() {
        let text = corpus(20 << 20);
        let mb = text.len() as f64 / 1e6;
        for (name, f) in [
            ("find_dates_of_birth", find_dates_of_birth as fn(&str, &mut Vec<(usize, usize)>)),
            ("find_ages", find_ages),
        ] {
            let mut out = Vec::new();
            let t = std::time::Instant::now();
            let reps = 5;
            for _ in 0..reps {
                out.clear();
                f(std::hint::black_box(&text), &mut out);
            }
            let secs = t.elapsed().as_secs_f64() / reps as f64;
            println!("{name}: {:.0} MB/s on {mb:.1} MB ({} hits)", mb / secs, out.len());
        }
    }
}

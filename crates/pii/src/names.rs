//! Person names in free text, from the gazetteer and the context.
//!
//! In: text (prose, or JSON held as text). Out: the byte ranges of full names
//! (`Mia Li`, `Jean-Luc van der Berg`, `J. R. Smith`); titles stay outside the
//! span, so `Mr <PERSON_…>` keeps its shape. The redactor then writes one
//! pseudonym per token of the span, so that `Mia` alone, `"first_name":
//! "Mia"` and `Mia Li` share the pseudonym of `Mia`.
//!
//! A run of capitalised words is a name when:
//! - a strong cue precedes it (a title, "my name is", "Dear", "passenger",
//!   `name:`, a sign-off on the line before): any capitalised words that are
//!   not all common words;
//! - a weak cue precedes it ("with", "by", a role): a word that is more a name
//!   than a word (see [`Entry::margin`]);
//! - without a cue: a first name followed by a last name (or by an unknown
//!   word that is not a common one), or a single word that is clearly a name
//!   (`Michelle`, not `Will`, `Rose` or `May`).
//!
//! Lower-case names (`my name is mia li`) count only after a strong cue.
//! Words glued to code (`user_name`, `os.Path`, `Mia2`) are never names here;
//! handles that embed a name (`mia_li_3668`) are found by [`find_handles`].
//! Once a word was found as a name, its other capitalised occurrences in the
//! same text are names too.

use std::collections::HashSet;

use crate::context::{cue_of, is_cue_tail, is_title, phrase_in, Cue, PARTICLES, SIGN_OFFS};
use crate::gazetteer::{token_hash, Entry, Gazetteer};

/// The most words in one name.
const MAX_RUN: usize = 5;
/// A lone capitalised word without a cue must be at least this much a name.
const LONE_MARGIN: f32 = 1.2;
/// After a weak cue.
const WEAK_MARGIN: f32 = 0.3;

/// Months and weekdays, which are also first names (`May`, `June`).
#[rustfmt::skip]
const CALENDAR: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "January",
    "February", "March", "April", "June", "July", "August", "September", "October", "November",
    "December", "Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun", "Monday",
    "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Juni", "Juli", "Mai", "Avril",
    "Juin", "Janvier", "Lundi", "Mardi", "Jeudi", "Vendredi", "Samedi", "Dimanche", "Montag", "Dienstag",
    "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag", "Lunes", "Martes", "Jueves", "Viernes",
    "Domingo", "Lunedì", "Martedì", "Giovedì", "Venerdì", "Sabato", "Domenica",
];

/// Field names written as acronyms: after a role's possessive they name a
/// field, not the person (`the customer's SSN`, `the patient's DOB`), though
/// some are names too (`Vin`, `Dob`).
#[rustfmt::skip]
const FIELD_ACRONYMS: &[&str] = &[
    "ID", "SSN", "DOB", "VIN", "MRN", "PIN", "NPI", "EIN", "TIN", "ITIN", "IBAN", "BIC", "SWIFT", "URL", "IP", "MAC",
    "IMEI", "ICCID", "SKU", "UPC", "EAN", "ISBN", "ETA", "ZIP", "PNR", "OTP", "CVV", "CVC", "API", "VAT", "GST", "NHS",
    "NIN", "NINO", "DL", "PO", "BSN", "CPF", "NIF", "NIE", "DNI", "PAN", "UID", "KYC", "AML", "PII", "PHI", "EHR", "ICD",
];

/// A lone word in a place's slot: after `in`, `from`, `near`… or before
/// `Central`, `Station`, `Airport`, `office`, `property`, `trip` (`Flights
/// from Lincoln`, `our office in Regina`, `the Florence property`).
fn place_context(text: &str, words: &[Word], i: usize) -> bool {
    const BEFORE: &[&str] = &["in", "from", "at", "near", "via", "into", "towards", "around", "across", "of", "visit", "visiting"];
    const AFTER: &[&str] = &["central", "station", "airport", "city", "office", "hotel", "street", "road", "avenue", "county", "province", "harbour", "harbor", "bay", "beach", "university", "hospital", "park", "mall", "centre", "center", "property", "trip", "branch", "campus", "store", "site", "area", "region", "district"];
    let before = i > 0 && words[i].joined && {
        let p = &text[words[i - 1].start..words[i - 1].end];
        BEFORE.iter().any(|w| p.eq_ignore_ascii_case(w))
    };
    let after = i + 1 < words.len() && words[i + 1].joined && {
        let n = &text[words[i + 1].start..words[i + 1].end];
        AFTER.iter().any(|w| n.eq_ignore_ascii_case(w))
    };
    before || after
}

/// Verbs after a capitalised run that say a person did something (a weak
/// cue: a clear name passes, a phrase of common words does not).
#[rustfmt::skip]
const PERSON_VERBS: &[&str] = &[
    "said", "says", "asked", "asks", "wants", "wanted", "wrote", "writes", "reported", "reports",
    "requested", "requests", "booked", "paid", "needs", "needed", "replied", "told", "mentioned",
    "confirmed", "complained", "emailed", "phoned", "rang", "cancelled", "canceled", "ordered",
    "signed", "approved", "rejected", "agreed", "explained", "noted", "thinks", "thought", "feels",
    "prefers", "insists", "claims", "lives", "works", "arrived", "left", "joined", "called",
    "messaged", "texted", "visited", "travels", "travelled", "traveled", "checked", "would", "will",
    "is", "was", "has", "had",
];

/// First words of place names, which otherwise read as first name + surname.
#[rustfmt::skip]
const PLACE_PREFIXES: &[&str] = &[
    "San", "Santa", "Santo", "São", "Saint", "St", "Sainte", "Los", "Las", "New", "Fort", "Port", "Mount",
    "Lake", "North", "South", "East", "West", "Rio", "Bad", "Cape", "Puerto", "Porto", "Monte", "Costa",
    "Villa", "Ciudad", "Palm", "Glen", "Upper", "Lower", "Great", "Little", "Grand", "Royal",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// `Mia`, `McDonald`, `O'Brien`, `Jean-Luc`.
    Cap,
    /// `J` (an initial; a following `.` is allowed).
    Initial,
    /// `MIA`.
    Upper,
    /// `mia`.
    Lower,
    /// A script without case (Han, Arabic, Hangul, Devanagari…).
    Uncased,
}

#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    /// End of the name part (a possessive `'s` is left out).
    end: usize,
    case: Case,
    /// Glued to code: `_`, digits, `.x`, `/`, `@`, `<`, `$`, `#` around it.
    code: bool,
    /// Only spaces (or an initial's `.`) between the previous word and this one.
    joined: bool,
    /// A line break (or a JSON `\n`) between the previous word and this one.
    newline_before: bool,
}

/// Finds person names; appends their byte ranges, left to right.
pub(crate) fn find_names(gaz: &Gazetteer, text: &str, out: &mut Vec<(usize, usize)>) {
    if !text.bytes().any(|b| b.is_ascii_alphabetic() || b >= 0x80) {
        return;
    }
    let words = tokenize(text);
    if words.is_empty() {
        return;
    }
    // Most words are lower case and no name can start there without a strong
    // cue right before: look those up only after a cue word or a looked-up one.
    let mut entries: Vec<Option<Entry>> = Vec::with_capacity(words.len());
    for (k, w) in words.iter().enumerate() {
        let word = &text[w.start..w.end];
        let wanted = w.case != Case::Lower
            || (k > 0 && words[k].joined && (entries[k - 1].is_some() || is_cue_tail(&text[words[k - 1].start..words[k - 1].end])));
        entries.push(if wanted { gaz.get(word) } else { None });
    }
    let mut found: Vec<(usize, usize)> = Vec::new(); // word index ranges
    let mut i = 0;
    while i < words.len() {
        match run_at(text, &words, &entries, i) {
            Some((a, b)) => {
                found.push((a, b));
                i = b;
            }
            // The rest of a rejected run (`San Diego`, `Park Hyatt`) is no name
            // either: its words were judged together.
            None if words[i].case == Case::Cap => {
                i = run_end(text, &words, i).max(i + 1);
            }
            None => i += 1,
        }
    }
    // Other capitalised occurrences of the words found.
    if !found.is_empty() {
        let known: HashSet<u64> = found
            .iter()
            .flat_map(|&(a, b)| a..b)
            .filter(|&k| words[k].case != Case::Initial && !is_particle(text, &words[k]))
            .map(|k| token_hash(&text[words[k].start..words[k].end]))
            .collect();
        let mut extra = Vec::new();
        let mut f = found.iter().peekable();
        for (k, w) in words.iter().enumerate() {
            while f.peek().is_some_and(|&&(_, b)| b <= k) {
                f.next();
            }
            let inside = f.peek().is_some_and(|&&(a, _)| a <= k);
            if inside || w.code || !matches!(w.case, Case::Cap | Case::Upper | Case::Uncased) {
                continue;
            }
            if known.contains(&token_hash(&text[w.start..w.end]))
                && entries[k].is_none_or(|e| !e.is_common_word() || e.margin() >= 0.0)
            {
                extra.push((k, k + 1));
            }
        }
        found.extend(extra);
        found.sort_unstable();
    }
    out.extend(found.into_iter().map(|(a, b)| (words[a].start, suffix_end(text, words[b - 1].end))));
}

/// Generational and academic suffixes written after a name: `Jr.`, `III`,
/// `, PhD`, `, S.E.I` (Indonesian degrees), `B.Eng.`. The end after them, or
/// `e`.
fn suffix_end(text: &str, e: usize) -> usize {
    const LISTED: &[&str] = &["Jr", "Sr", "II", "III", "IV", "PhD", "MD", "MBA", "Esq", "DDS", "RN", "CPA", "MSc", "BSc", "MA", "BA"];
    let b = text.as_bytes();
    let mut p = e;
    if b.get(p) == Some(&b',') {
        p += 1;
    }
    if b.get(p) != Some(&b' ') {
        return e;
    }
    p += 1;
    let s = p;
    while p < b.len() && (b[p].is_ascii_alphabetic() || b[p] == b'.') && p - s < 10 {
        p += 1;
    }
    let tok = &text[s..p];
    let core = tok.trim_end_matches('.');
    let dotted = core.contains('.') && core.split('.').all(|x| !x.is_empty() && x.len() <= 4 && x.as_bytes()[0].is_ascii_uppercase());
    let ends_word = !b.get(p).is_some_and(|c| c.is_ascii_alphanumeric());
    if !(ends_word && (LISTED.contains(&core) || dotted)) {
        return e;
    }
    // A dotted degree keeps its dots (`B.Eng.`); `Jr.` one, the abbreviation's.
    s + if dotted { tok.len() } else { core.len() + usize::from(tok.len() > core.len()) }
}

/// The name starting at word `i`, as a range of word indexes.
fn run_at(text: &str, words: &[Word], entries: &[Option<Entry>], i: usize) -> Option<(usize, usize)> {
    let w = &words[i];
    if w.code {
        return None;
    }
    match w.case {
        Case::Lower => {
            // `will whitaker`: a first name that is also a word, before a clear surname.
            let surname_next = i + 1 < words.len()
                && words[i + 1].joined
                && words[i + 1].case == Case::Lower
                && entries[i + 1].is_some_and(|e| e.is_last() && e.margin() >= 0.5 && !e.is_common_word());
            let plausible = |k: usize| entries[k].is_some_and(|e| e.is_name() && !e.is_common_word() && e.margin() >= 0.0);
            // The word right after the cue is no common word of any of the
            // languages either (`je suis né`, `sono nato`).
            if entries[i].is_some_and(|e| e.any_zipf10 >= 45) && !surname_next {
                return None;
            }
            // Most words: look at the context only for a plausible name.
            if !(plausible(i) || (surname_next && entries[i].is_some_and(|e| e.first_margin() >= -2.5))) {
                return None;
            }
            // `customer ssn=…`: a key being assigned, not a name.
            if text.as_bytes().get(w.end) == Some(&b'=') {
                return None;
            }
            if cue_before(text, words, i) < Cue::Strong {
                return None;
            }
            // `my name is mia li`: known names only, no common words.
            let mut j = i + 1;
            while j < words.len() && j - i < 3 && words[j].case == Case::Lower && words[j].joined && plausible(j) {
                j += 1;
            }
            Some((i, j))
        }
        Case::Cap | Case::Initial | Case::Upper | Case::Uncased => {
            let cue = cue_before(text, words, i);
            let end = run_end(text, words, i);
            let run = &entries[i..end];
            let upper = w.case == Case::Upper;
            // A run that starts with a title word: the cue is inside it.
            if is_title(&text[w.start..w.end]) && end > i + 1 {
                return run_at_cued(text, words, entries, i + 1, end, Cue::Title);
            }
            // `Dear Mia`, `Thanks Rose`: the run's first word is the cue.
            if end > i + 1 {
                let first = text[w.start..w.end].to_lowercase();
                let inner = cue_of(&[first.as_str()]);
                if inner >= Cue::Strong {
                    return run_at_cued(text, words, entries, i + 1, end, inner);
                }
            }
            // `the patient's DOB`: a field's acronym, whatever the cue.
            if upper && end == i + 1 && FIELD_ACRONYMS.contains(&&text[w.start..w.end]) {
                return None;
            }
            if upper && cue < Cue::Strong {
                // Headings and constants: two or more words that read as a
                // clear first name and then surnames (`JOHN SMITH`, `ANNA
                // MARIA KOWALSKA`), or all strong names (`KOWALSKI ANNA`).
                let strong = |e: &Option<Entry>| e.is_some_and(|e| e.margin() >= 1.0 && !e.is_common_word());
                let first = |e: &Option<Entry>| e.is_some_and(|e| e.first_margin() >= 0.5 && !e.is_common_word());
                let surname = |e: &Option<Entry>| e.is_some_and(|e| e.is_name() && e.margin() >= 0.0 && e.en_zipf10 < 50);
                let named = end - i >= 2 && (run.iter().all(strong) || (first(&run[0]) && run[1..].iter().all(surname)));
                return named.then_some((i, end));
            }
            // `Ruby here`, `Hoàng Tuan speaking`: the cue follows the name.
            let next = (end < words.len() && words[end].joined).then(|| &text[words[end].start..words[end].end]);
            let cue = if cue < Cue::Strong && next.is_some_and(|n| n.eq_ignore_ascii_case("here") || n.eq_ignore_ascii_case("speaking")) {
                Cue::Strong
            } else if cue < Cue::Weak && next.is_some_and(|n| PERSON_VERBS.contains(&n)) {
                // `Zalindra Mardhiyah reported the bug`: what people do.
                Cue::Weak
            } else {
                cue
            };
            run_at_cued(text, words, entries, i, end, cue)
        }
    }
}

fn run_at_cued(
    text: &str,
    words: &[Word],
    entries: &[Option<Entry>],
    i: usize,
    end: usize,
    cue: Cue,
) -> Option<(usize, usize)> {
    // `soy Prof. Qureshi`, `hier ist Fr. Jähn`: the title is no part of the name.
    if i < end && is_title(&text[words[i].start..words[i].end]) {
        return (end > i + 1).then(|| run_at_cued(text, words, entries, i + 1, end, Cue::Title)).flatten();
    }
    if i >= end {
        return None;
    }
    let margin = |k: usize| entries[k].map_or(-1.0, |e| e.margin());
    // An unknown capitalised word that is not a common one (`Xavi`, `Okonkwo`).
    let unknown = |k: usize| entries[k].is_none_or(|e| !e.is_name() && !e.is_common_word());
    let common = |k: usize| entries[k].is_some_and(|e| e.is_common_word() && e.margin() < 0.5);
    let initial = |k: usize| words[k].case == Case::Initial;
    // Trailing common words are not part of the name ("Mia Said", "Smith Street").
    let surname = |k: usize| words[k].case == Case::Cap && entries[k].is_some_and(|e| e.is_last() && e.margin() >= -1.0);
    // `Emeka O.`, `Ian T.,`: a dotted initial after a name is the surname's
    // initial, not the word `O` or the pronoun `I`.
    let dotted = |k: usize| initial(k) && text.as_bytes().get(words[k].end) == Some(&b'.');
    let run_end_untrimmed = end;
    let mut end = end;
    while end > i + 1 && common(end - 1) && !surname(end - 1) && !dotted(end - 1) {
        end -= 1;
    }
    let n = end - i;
    match cue {
        // `Mr Will Long`: after a title, any capitalised words.
        Cue::Title => Some((i, run_end_untrimmed)),
        Cue::Strong => {
            // Anything but a run of common words ("I'm Happy To Help"); a
            // dotted initial is no word (`soy F. K. Guy`).
            if (i..end).all(|k| common(k) && !dotted(k)) {
                return None;
            }
            // `Hi Sato, Sotaro`, `sono Pasolini, Etta`: a surname, a comma and
            // a clear first name are one name.
            let given_after_comma = end < words.len()
                && &text[words[end - 1].end..words[end].start] == ", "
                && words[end].case == words[i].case
                && entries[end].is_some_and(|e| e.first_margin() >= 0.0 && !e.is_common_word());
            Some((i, if given_after_comma { run_end(text, words, end) } else { end }))
        }
        Cue::Weak | Cue::None => {
            let lone = if cue == Cue::Weak { WEAK_MARGIN } else { LONE_MARGIN };
            if n == 1 {
                let word = &text[words[i].start..words[i].end];
                // A capitalised noun of another language (`Bitte`, `Freitag`, `Herren`).
                let foreign = entries[i].is_some_and(|e| e.any_zipf10 >= 45 && e.any_zipf10 >= e.en_zipf10 + 15);
                if words[i].case == Case::Initial || CALENDAR.contains(&word) || foreign || place_context(text, words, i) {
                    return None;
                }
                return (margin(i) >= lone).then_some((i, end));
            }
            if PLACE_PREFIXES.contains(&&text[words[i].start..words[i].end]) {
                return None; // `San Diego`, `New York`, `Fort Worth`
            }
            // `Will Smith`: a first name that is also a word, before a clear surname.
            let strong_last = entries[end - 1].is_some_and(|e| e.is_last() && e.margin() >= 1.5);
            // `Advay Kapoor`: a given name the lists lack, before a clear surname.
            let known_last = entries[end - 1].is_some_and(|e| e.is_last() && e.margin() >= 1.0 && !e.is_common_word());
            let first_ok = initial(i)
                || (unknown(i) && known_last && n == 2)
                || entries[i].is_some_and(|e| {
                    e.first_margin() >= -0.5 || (e.is_first() && (!e.is_common_word() || strong_last))
                });
            let last = end - 1;
            // `Anneli Kensy`, `Monica Ioniță`: after a clear first name, any name the
            // lists know (many surnames are listed only as given names somewhere).
            let first_clear = entries[i].is_some_and(|e| e.first_margin() >= 0.5 && !e.is_common_word());
            let last_ok = entries[last].is_some_and(|e| e.is_last() && e.margin() >= -0.5)
                || unknown(last)
                || (first_clear && n == 2 && words[last].case == Case::Cap && entries[last].is_some_and(|e| e.is_name() && !e.is_common_word()));
            // A word no list knows and no language uses much is most often a
            // rare surname (`Olivia Westerburg`): it weighs little either way.
            let weight = |k: usize| if unknown(k) && entries[k].is_none_or(|e| e.any_zipf10 < 30) { -0.5 } else { margin(k).max(-2.0) };
            let total: f32 = (i..end).filter(|&k| !initial(k)).map(weight).sum();
            if first_ok && last_ok && total >= 0.3 && !(i..end).all(|k| common(k) || initial(k)) {
                return Some((i, end));
            }
            // `with Nwabudike Kimachu`, `to Pleun van Grondelle`: after a cue,
            // capitalised words that no language uses much are a name the
            // lists lack (Swahili, Azeri, Latvian…), not a phrase.
            let rare = |k: usize| {
                is_particle(text, &words[k]) || entries[k].is_none_or(|e| e.any_zipf10 < 35 && !e.is_common_word())
            };
            if cue == Cue::Weak
                && (2..=4).contains(&n)
                && !is_particle(text, &words[i])
                && !is_particle(text, &words[end - 1])
                && (i..end).all(|k| rare(k) && words[k].case == Case::Cap)
            {
                return Some((i, end));
            }
            // The run may still hold a lone clear name ("Yesterday Michelle").
            if margin(i) < LONE_MARGIN && common(i) {
                return run_at_cued(text, words, entries, i + 1, end, Cue::None);
            }
            None
        }
    }
}

/// The end (exclusive) of the run of name-like words from `i`.
fn run_end(text: &str, words: &[Word], i: usize) -> usize {
    let first_case = words[i].case;
    let mut j = i + 1;
    while j < words.len() && j - i < MAX_RUN {
        let w = &words[j];
        // A title starts a run of its own (`Dear Ms Okonkwo`).
        if !w.joined || w.code || is_title(&text[w.start..w.end]) {
            break;
        }
        let fits = match w.case {
            Case::Cap | Case::Initial => first_case != Case::Upper && first_case != Case::Uncased,
            Case::Upper => first_case == Case::Upper,
            Case::Uncased => first_case == Case::Uncased,
            // A particle inside a name: `van der Berg`, `de la Cruz`.
            Case::Lower => {
                is_particle(text, w)
                    && words[j + 1..].iter().take(2).any(|n| n.joined && n.case == Case::Cap)
            }
        };
        if !fits {
            break;
        }
        j += 1;
    }
    // A run never ends on a particle.
    while j > i + 1 && words[j - 1].case == Case::Lower {
        j -= 1;
    }
    j
}

fn is_particle(text: &str, w: &Word) -> bool {
    PARTICLES.contains(&&text[w.start..w.end])
}

/// The cue before word `i`: up to three words on the same line, a `name:`
/// label, or a sign-off ending the previous line.
fn cue_before(text: &str, words: &[Word], i: usize) -> Cue {
    let w = &words[i];
    let b = text.as_bytes();
    // `name: Mia`, `"passenger": "Mia"`, `customer_name = Mia`.
    let mut p = w.start;
    while p > 0 && matches!(b[p - 1], b' ' | b'"' | b'\'' | b'\t') {
        p -= 1;
    }
    if p > 0 && matches!(b[p - 1], b':' | b'=') {
        let mut q = p - 1;
        while q > 0 && matches!(b[q - 1], b' ' | b'"' | b'\'') {
            q -= 1;
        }
        let mut s = q;
        while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_' || b[s - 1] == b'-') {
            s -= 1;
        }
        let key = text[s..q].to_ascii_lowercase();
        if crate::keys::is_person_key(&key) {
            // `{"sku": …, "name": "Kindle Paperwhite"}`: a product's name.
            if crate::keys::is_loose_person_key(&key) && crate::keyed::beside_product_keys(text, w.start, w.end) {
                return Cue::None;
            }
            return Cue::Title; // the label says it is a name, common words or not
        }
    }
    if speaker_label(text, w) {
        return Cue::Weak;
    }
    if w.newline_before {
        // A sign-off line ("Best regards,") right above the name.
        let mut k = i;
        let mut prev: Vec<String> = Vec::new();
        while k > 0 && prev.len() < 4 {
            k -= 1;
            prev.insert(0, text[words[k].start..words[k].end].to_lowercase());
            if words[k].newline_before || k == 0 {
                break;
            }
        }
        let refs: Vec<&str> = prev.iter().map(String::as_str).collect();
        if !refs.is_empty() && phrase_in(&refs, SIGN_OFFS) {
            return Cue::Strong;
        }
        return Cue::None;
    }
    // Every cue phrase ends with a cue word: without one right before, no cue.
    if i == 0 || !is_cue_tail(&text[words[i - 1].start..words[i - 1].end]) {
        return Cue::None;
    }
    let mut prev: Vec<String> = Vec::with_capacity(3);
    let mut k = i;
    let mut last_start = w.start;
    while k > 0 && prev.len() < 3 {
        let pw = &words[k - 1];
        // Only spaces, commas and colons between the cue and the name.
        let gap = &text[pw.end..last_start];
        if !gap.bytes().all(|c| matches!(c, b' ' | b',' | b':' | b'.' | b'\'' | b's' | b'\t')) || gap.len() > 4 {
            break;
        }
        // `Bonjour. Je…`: a dot ends the sentence unless it ends a title (`Dr.`).
        if gap.contains(". ") && !is_title(&text[pw.start..pw.end]) {
            break;
        }
        if words[k].newline_before {
            break;
        }
        prev.insert(0, text[pw.start..pw.end].to_lowercase());
        last_start = pw.start;
        k -= 1;
    }
    let refs: Vec<&str> = prev.iter().map(String::as_str).collect();
    cue_of(&refs)
}

/// A chat export's or transcript's speaker, first on its line and followed
/// by `:`: `Ruby: on my way`, `[12/03 09:14] Ruby Tan: ok`, `- Ruby: ok`.
/// A weak cue only: roles (`Caller:`, `Bot:`) are unknown words, and a
/// known name is wanted.
fn speaker_label(text: &str, w: &Word) -> bool {
    // Look a short way back and ahead only: a label is short, and texts
    // without line breaks must not cost a scan per word.
    let mut from = w.start.saturating_sub(40);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let head = &text[from..w.start];
    // Lines end at a real break or at a JSON `\n`.
    let brk = head.rfind(['\n', '\r']).map(|p| p + 1).max(head.rfind("\\n").map(|p| p + 2));
    let before = match brk {
        Some(p) => head[p..].trim(),
        None if from == 0 => head.trim(),
        None => return false,
    };
    // What may precede the name on its line: a time stamp, a bullet.
    let stamp = before.is_empty()
        || (before.starts_with('[') && before.ends_with(']'))
        || before.bytes().all(|c| c.is_ascii_digit() || b" /.:-,[]APMapm".contains(&c))
        || matches!(before, "-" | "*" | ">" | "•");
    if !stamp {
        return false;
    }
    let mut to = (w.start + 48).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let rest = &text[w.start..to];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len()).min(rest.find("\\n").unwrap_or(rest.len()))];
    // The label ends within a few words, at a `:` that ends the speaker.
    line.find(':').is_some_and(|c| {
        let label = &line[..c];
        label.split_whitespace().count() <= 3 && !label.contains(['(', '"', '=', '{', '/', '.', ','])
    })
}

/// Splits text into words: runs of letters with inner `'`, `’` or `-`.
fn tokenize(text: &str) -> Vec<Word> {
    let b = text.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let mut joined = false;
    let mut newline = true;
    let mut prev_end = 0usize;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            // A JSON escape is a separator, not letters (`\nMia`).
            let n = match b[i + 1] {
                b'n' | b'r' => {
                    newline = true;
                    2
                }
                b't' | b'b' | b'f' | b'"' | b'\\' | b'/' => 2,
                b'u' if i + 6 <= b.len() && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => 6,
                _ => 1,
            };
            joined = false;
            i += n;
            continue;
        }
        let ch = if c < 0x80 { c as char } else { text[i..].chars().next().expect("in bounds") };
        if !ch.is_alphabetic() {
            if c == b'\n' || c == b'\r' {
                newline = true;
            }
            // `J. R. Smith`: an initial's dot keeps the run joined.
            let keep = c == b' ' && (i == prev_end || joined && b[prev_end..i].iter().all(|&x| x == b' ' || x == b'.'))
                || (c == b'.' && i == prev_end && words.last().is_some_and(|w: &Word| w.case == Case::Initial));
            joined = keep && !words.is_empty();
            i += ch.len_utf8();
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        while j < b.len() {
            let c2 = if b[j] < 0x80 { b[j] as char } else { text[j..].chars().next().expect("in bounds") };
            if c2.is_alphabetic() || c2 == '\u{0301}' || c2 == '\u{0308}' {
                j += c2.len_utf8();
                end = j;
            } else if matches!(c2, '\'' | '’' | '-') {
                // Inner apostrophe or hyphen only when a letter follows.
                let k = j + c2.len_utf8();
                if text[k..].chars().next().is_some_and(char::is_alphabetic) {
                    j = k;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let mut name_end = end;
        for s in ["'s", "’s"] {
            if text[start..end].ends_with(s) && end - start > s.len() + 1 {
                name_end = end - s.len();
            }
        }
        let word = &text[start..name_end];
        let case = case_of(word);
        let before = if start > 0 { b[start - 1] } else { b' ' };
        let after = b.get(end).copied().unwrap_or(b' ');
        let after2 = b.get(end + 1).copied().unwrap_or(b' ');
        let code = matches!(before, b'_' | b'/' | b'@' | b'<' | b'$' | b'#' | b'0'..=b'9')
            || (before == b'.' && start >= 2 && b[start - 2].is_ascii_alphanumeric())
            || matches!(after, b'_' | b'(' | b'@' | b'0'..=b'9' | b'>')
            || (after == b'.' && after2.is_ascii_alphabetic())
            || (case == Case::Cap && has_inner_upper_then_lower(word) && !is_mac_name(word));
        words.push(Word {
            start,
            end: name_end,
            case,
            code,
            joined: joined && !newline,
            newline_before: newline,
        });
        newline = false;
        joined = false;
        prev_end = end;
        i = end;
    }
    words
}

fn case_of(word: &str) -> Case {
    let mut chars = word.chars();
    let first = chars.next().expect("non-empty word");
    if first.is_uppercase() {
        let (mut upper, mut lower) = (false, false);
        for c in chars {
            upper |= c.is_uppercase();
            lower |= c.is_lowercase();
        }
        match (upper, lower) {
            (_, true) => Case::Cap,
            (true, false) => Case::Upper,
            (false, false) => Case::Initial,
        }
    } else if first.is_lowercase() {
        Case::Lower
    } else {
        Case::Uncased
    }
}

/// `getName`-style camel case inside a long word (not `McDonald`, `O'Brien`, `DeShawn`).
fn has_inner_upper_then_lower(word: &str) -> bool {
    if word.len() <= 8 {
        return false;
    }
    let mut prev_lower = false;
    for (k, c) in word.chars().enumerate() {
        if k > 1 && prev_lower && c.is_uppercase() {
            return true;
        }
        prev_lower = c.is_lowercase();
    }
    false
}

fn is_mac_name(word: &str) -> bool {
    ["Mc", "Mac", "De", "Di", "La", "Le", "Van", "O'"].iter().any(|p| word.starts_with(p))
}

/// Endings that make a dotted token a file name, not a handle.
#[rustfmt::skip]
const FILE_EXTENSIONS: &[&str] = &[
    "py", "rs", "js", "ts", "go", "rb", "java", "kt", "c", "h", "cpp", "cs", "php", "sh", "sql", "json",
    "yaml", "yml", "toml", "md", "txt", "csv", "tsv", "html", "css", "xml", "pdf", "png", "jpg", "jpeg",
    "gif", "svg", "zip", "gz", "log", "ini", "cfg", "lock", "ipynb", "parquet", "docx", "xlsx",
];

/// Handles and user names that embed a name: `mia_li_3668`, `mia.li92`,
/// `j_smith`. A handle counts when its letter parts hold a clear first name
/// and, beside it, a last name or a run of at least two digits.
pub(crate) fn find_handles(gaz: &Gazetteer, text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphanumeric()) || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.' | b'-' | b'@'))) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'.' | b'-')) {
            j += 1;
        }
        let mut end = j;
        while end > start && matches!(b[end - 1], b'.' | b'-' | b'_') {
            end -= 1;
        }
        i = j.max(start + 1);
        let tok = &text[start..end];
        if tok.len() < 5 || tok.len() > 40 || b.get(j) == Some(&b'@') || b.get(j) == Some(&b'(') {
            continue;
        }
        // `mia_li`, `mia.li92`; a dot alone is a file or a host (`billing.py`).
        let digits = tok.bytes().filter(u8::is_ascii_digit).count();
        if !tok.contains('_') && digits == 0 {
            continue;
        }
        if tok.rsplit_once('.').is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext)) {
            continue;
        }
        // Letter parts and digit runs, in order; stop at the first letter part
        // that is no name (`user_data_2` is code, not a handle).
        let tb = tok.as_bytes();
        let (mut p, mut parts, mut letters) = (0, 0, 0);
        let (mut clear_first, mut digit_run, mut all_names) = (false, false, true);
        while p < tb.len() && all_names {
            let q0 = p;
            if tb[p].is_ascii_alphabetic() {
                while p < tb.len() && tb[p].is_ascii_alphabetic() {
                    p += 1;
                }
                match gaz.get(&tok[q0..p]) {
                    Some(e) if e.is_name() && e.margin() >= -0.5 => clear_first |= e.first_margin() >= 1.0,
                    _ => all_names = false,
                }
                letters += 1;
            } else if tb[p].is_ascii_digit() {
                while p < tb.len() && tb[p].is_ascii_digit() {
                    p += 1;
                }
                digit_run |= p - q0 >= 2;
            } else {
                p += 1;
                continue;
            }
            parts += 1;
        }
        if all_names && (2..=4).contains(&parts) && clear_first && (letters >= 2 || digit_run) && tok.bytes().any(|c| c.is_ascii_lowercase()) {
            out.push((start, end));
        }
    }
}

pub(crate) mod cjk;
pub(crate) mod islands;
#[cfg(test)]
pub(crate) mod tests;

//! Context cues for person names: the words before a name that say a name
//! follows (titles, introductions, greetings, sign-offs, roles, `name:`
//! labels), in English, French, German, Spanish, Italian, Portuguese and
//! Dutch. Compared in lower case, word by word.

use std::collections::HashMap;
use std::sync::OnceLock;

/// How strongly the context says that a name follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cue {
    None,
    /// "with", "by", "from", roles: a known name is likely, an unknown word is not.
    Weak,
    /// "my name is", greetings, sign-offs, "passenger", `name:`: whatever
    /// capitalised words follow are the name, unless they are all common words.
    Strong,
    /// A title (`Mr`, `Dr.`, `Frau`): the capitalised words after it are the name.
    Title,
}

/// Honorifics and titles (a trailing `.` is allowed).
#[rustfmt::skip]
pub(crate) const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lady", "lord", "madam",
    "madame", "mme", "mlle", "monsieur", "herr", "frau", "hr", "fr", "sr", "sra", "srta", "señor",
    "señora", "senor", "senora", "don", "doña", "dona", "sig", "sigra", "signor", "signora", "dott",
    "dottssa", "capt", "captain", "rev", "sgt", "officer", "judge", "uncle", "aunt", "mevrouw", "meneer",
    "dhr", "mevr", "sheikh", "mrs.", "shri", "smt",
];

/// Phrases after which a name follows (all words, lower case).
#[rustfmt::skip]
const STRONG: &[&str] = &[
    "my name is", "my name's", "name is", "i am", "i'm", "im", "this is", "call me", "called", "named",
    "dear", "hi", "hello", "hey", "greetings", "thanks", "thank you", "regards", "cheers", "sincerely",
    "best", "passenger", "customer", "client", "guest", "patient", "traveler", "traveller", "contact",
    "attn", "attention", "name", "full name", "first name", "last name", "surname", "given name",
    "signed", "cardholder", "holder", "recipient", "sender", "applicant", "candidate", "employee",
    "assignee", "reporter", "tenant", "landlord", "beneficiary", "insured", "policyholder", "member",
    "je m'appelle", "je suis", "ich heiße", "ich heisse", "ich bin", "me llamo", "mi nombre es", "soy",
    "mi chiamo", "meu nome é", "mijn naam is", "ik ben", "bonjour", "hallo", "hola", "ciao", "olá",
    "cher", "chère", "liebe", "lieber", "estimado", "estimada", "gentile", "caro", "cara", "nom",
    "nombre", "nome", "naam", "le passager", "la passagère", "der kunde", "die kundin", "el cliente",
    "la cliente", "il cliente", "o cliente", "hier ist", "hier spricht", "ici", "sono", "io sono", "sou",
    "eu sou", "visitor", "attendee", "caller", "requester", "requestor", "opened by", "submitted by",
    "created by", "raised by", "filed by", "logged by", "booked by", "assigned to", "assign to",
    "reassign to", "on behalf of",
];

/// Weaker cues: a name often follows, but so do other words.
#[rustfmt::skip]
const WEAK: &[&str] = &[
    "by", "with", "for", "from", "to", "cc", "and", "or", "user", "agent", "manager", "colleague",
    "friend", "wife", "husband", "son", "daughter", "mother", "father", "brother", "sister", "mom",
    "dad", "spoke with", "spoke to", "talked to", "according to", "ask", "asked", "told", "tell",
    "meet", "met", "owner", "author", "student", "teacher", "doctor", "nurse", "driver", "host",
    "buyer", "seller", "partner", "boss", "von", "avec", "mit", "con", "par", "por", "para", "de",
];

/// Sign-offs: a name on the next line is cued.
#[rustfmt::skip]
pub(crate) const SIGN_OFFS: &[&str] = &[
    "regards", "best regards", "kind regards", "warm regards", "best", "thanks", "thank you", "cheers",
    "sincerely", "yours sincerely", "yours truly", "best wishes", "all the best", "cordialement",
    "mit freundlichen grüßen", "viele grüße", "saludos", "atentamente", "cordiali saluti",
    "atenciosamente", "met vriendelijke groet", "groeten", "--", "sent by", "signed",
];

/// Every cue phrase, with its strength.
fn phrases() -> &'static HashMap<&'static str, Cue> {
    static P: OnceLock<HashMap<&'static str, Cue>> = OnceLock::new();
    P.get_or_init(|| {
        let mut m = HashMap::new();
        m.extend(WEAK.iter().map(|p| (*p, Cue::Weak)));
        m.extend(STRONG.iter().map(|p| (*p, Cue::Strong)));
        m.extend(TITLES.iter().map(|p| (*p, Cue::Title)));
        m
    })
}

/// The cue given by the words `prev` (the nearest last), lower-cased.
pub(crate) fn cue_of(prev: &[&str]) -> Cue {
    if let Some(last) = prev.last() {
        if TITLES.contains(&last.trim_end_matches('.')) {
            return Cue::Title;
        }
    }
    let map = phrases();
    let mut best = Cue::None;
    let mut phrase = String::new();
    for n in 1..=prev.len().min(3) {
        phrase.clear();
        for (k, w) in prev[prev.len() - n..].iter().enumerate() {
            if k > 0 {
                phrase.push(' ');
            }
            phrase.push_str(w);
        }
        match map.get(phrase.as_str()) {
            Some(Cue::Strong) => return Cue::Strong,
            Some(Cue::Weak) => best = Cue::Weak,
            _ => {}
        }
    }
    best
}

/// Whether a word can end a strong cue (`is` of "my name is", `me`, a title):
/// a cheap test before looking up the lower-case word after it.
pub(crate) fn is_cue_tail(word: &str) -> bool {
    static TAILS: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let tails = TAILS.get_or_init(|| {
        STRONG.iter().chain(WEAK).chain(TITLES).filter_map(|p| p.rsplit(' ').next()).map(|w| w.trim_end_matches('.')).collect()
    });
    let mut buf = [0u8; 16];
    if word.len() > buf.len() {
        return false;
    }
    if word.is_ascii() {
        for (d, c) in buf.iter_mut().zip(word.bytes()) {
            *d = c.to_ascii_lowercase();
        }
        return std::str::from_utf8(&buf[..word.len()]).is_ok_and(|w| tails.contains(w));
    }
    tails.contains(word.to_lowercase().as_str())
}

pub(crate) fn is_title(word: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let set = SET.get_or_init(|| TITLES.iter().map(|t| t.trim_end_matches('.')).collect());
    let word = word.trim_end_matches('.');
    let mut buf = [0u8; 16];
    if word.is_ascii() && word.len() <= buf.len() {
        for (d, c) in buf.iter_mut().zip(word.bytes()) {
            *d = c.to_ascii_lowercase();
        }
        return std::str::from_utf8(&buf[..word.len()]).is_ok_and(|w| set.contains(w));
    }
    word.len() <= 32 && set.contains(word.to_lowercase().as_str())
}

/// Whether the words spell one of `list`'s phrases.
pub(crate) fn phrase_in(words: &[&str], list: &[&str]) -> bool {
    list.iter().any(|p| {
        let mut it = p.split(' ');
        words.iter().all(|w| it.next() == Some(w)) && it.next().is_none()
    })
}

/// Lower-case particles inside names: `van der Berg`, `de la Cruz`, `bin Abdullah`.
#[rustfmt::skip]
pub(crate) const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "la", "le", "del", "della", "da", "di", "do", "dos", "das", "du", "von",
    "zu", "bin", "binti", "ibn", "al", "el", "ter", "ten", "y", "e", "mac",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues() {
        assert_eq!(cue_of(&["my", "name", "is"]), Cue::Strong);
        assert_eq!(cue_of(&["hello", "dr."]), Cue::Title);
        assert_eq!(cue_of(&["the", "passenger"]), Cue::Strong);
        assert_eq!(cue_of(&["ich", "heiße"]), Cue::Strong);
        assert_eq!(cue_of(&["spoke", "with"]), Cue::Weak);
        assert_eq!(cue_of(&["the", "weather"]), Cue::None);
        assert_eq!(cue_of(&[]), Cue::None);
        assert!(is_title("Mrs."));
        assert!(!is_title("Street"));
    }
}

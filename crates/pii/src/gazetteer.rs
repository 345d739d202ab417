//! The name gazetteer: how popular a token is as a first name and as a last
//! name (best rank over 105 countries, from the PyPI package `names-dataset`),
//! and how common it is as a word (Zipf frequency, from `wordfreq`).
//! `scripts/fetch_gazetteers.py` builds the file (`models/gazetteers/names.tsv`)
//! at set-up; see its header for the format, sources and licences.
//!
//! Tokens are keyed by a 64-bit hash of their lower-case form, so the table
//! holds no strings: about 1 M entries in ~25 MB, and a lookup allocates nothing.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// Ranks at or below this are in the file (see `MAX_RANK` in the script).
const MAX_RANK: f32 = 8000.0;

/// What the gazetteer knows of one token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Entry {
    /// Best rank as a first name over the countries; 0 when not a first name.
    pub first_rank: u32,
    /// Best rank as a last name; 0 when not a last name.
    pub last_rank: u32,
    /// Ten times the Zipf frequency as an English word (0: rare or absent).
    pub en_zipf10: u8,
    /// Ten times the highest Zipf frequency over the seven languages.
    pub any_zipf10: u8,
}

impl Entry {
    pub fn is_first(&self) -> bool {
        self.first_rank > 0
    }
    pub fn is_last(&self) -> bool {
        self.last_rank > 0
    }
    pub fn is_name(&self) -> bool {
        self.is_first() || self.is_last()
    }

    /// How much more a name than an English word the token is: the name's
    /// popularity (0 at the file's rarest rank, 3.9 for a country's top name)
    /// minus how common the word is above Zipf 3 (once per million words).
    /// `Mia` 1.8, `Smith` 2.0, `Rose` 1.0, `Paris` 0.0, `May` 0.4, `Will` -1.6,
    /// `Street` -1.3. Tokens that are no name get -9.
    pub fn margin(&self) -> f32 {
        let best = match (self.first_rank, self.last_rank) {
            (0, 0) => return -9.0,
            (0, r) | (r, 0) => r,
            (a, b) => a.min(b),
        };
        let popularity = (MAX_RANK / best as f32).log10().max(0.0);
        let wordness = (self.en_zipf10 as f32 / 10.0 - 3.0).max(0.0);
        popularity - wordness
    }

    /// The margin as a first name only (`Mia Li`: is `Mia` a plausible first?).
    pub fn first_margin(&self) -> f32 {
        if self.first_rank == 0 {
            return -9.0;
        }
        Entry { last_rank: 0, ..*self }.margin()
    }

    /// Common enough as an English word (once per 30,000 words) that
    /// capitalisation alone says little.
    pub fn is_common_word(&self) -> bool {
        self.en_zipf10 >= 45
    }
}

/// The loaded table. `Send + Sync`; load once and share it behind an `Arc`.
#[derive(Default)]
pub struct Gazetteer {
    table: HashMap<u64, Entry, BuildHasherDefault<Prehashed>>,
}

/// The keys are FNV hashes already: the table uses them as they are.
#[derive(Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gazetteer").field("tokens", &self.table.len()).finish()
    }
}

impl Gazetteer {
    /// Reads `names.tsv`. Errors name the file and line.
    pub fn load(path: &Path) -> Result<Gazetteer, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the name gazetteer {}: {e} (run `bash scripts/setup.sh`, which builds it)",
                path.display()
            )
        })?;
        Gazetteer::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the TSV text (`#` lines are comments).
    pub fn parse(text: &str) -> Result<Gazetteer, String> {
        let mut table = HashMap::with_capacity_and_hasher(text.len() / 16, Default::default());
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.split('\t');
            let (Some(token), Some(first), Some(last), Some(en), Some(any)) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                return Err(format!("line {}: expected 5 tab-separated fields", i + 1));
            };
            let num = |s: &str| s.parse::<u32>().map_err(|_| format!("line {}: `{s}` is not a number", i + 1));
            let entry = Entry {
                first_rank: num(first)?,
                last_rank: num(last)?,
                en_zipf10: num(en)?.min(255) as u8,
                any_zipf10: num(any)?.min(255) as u8,
            };
            table.insert(token_hash(token), entry);
        }
        Ok(Gazetteer { table })
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The entry of a token, compared in lower case.
    pub fn get(&self, token: &str) -> Option<Entry> {
        let direct = self.table.get(&token_hash(token)).copied();
        if direct.is_some_and(|e| e.is_name()) {
            return direct;
        }
        // `O'Brien`, `Ioniță`, `Héideáin`: the lists often hold a name without
        // its apostrophe or diacritics. The name's ranks come from there, how
        // common the word is from the word as written.
        let Some(folded) = folded_hash(token).and_then(|h| self.table.get(&h).copied()).filter(Entry::is_name) else {
            return direct;
        };
        Some(match direct {
            Some(d) => Entry { first_rank: folded.first_rank, last_rank: folded.last_rank, ..d },
            None => folded,
        })
    }
}

/// The hash of `token` lower-cased, without apostrophes and with Latin
/// diacritics folded (`O'Brien` as `obrien`, `Ioniță` as `ionita`); `None`
/// when that changes nothing.
fn folded_hash(token: &str) -> Option<u64> {
    if token.is_ascii() && !token.contains('\'') {
        return None;
    }
    let mut folded = String::with_capacity(token.len());
    let mut changed = false;
    for c in token.chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '’' => changed = true,
            c if c.is_ascii() => folded.push(c),
            c => match fold(c) {
                Some(f) => {
                    folded.push_str(f);
                    changed = true;
                }
                None => folded.push(c),
            },
        }
    }
    changed.then(|| token_hash(&folded))
}

/// A lower-case Latin letter with a diacritic, as its base letters.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ļ' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'ŕ' | 'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// FNV-1a over the lower-case UTF-8 of `token`, without allocating.
pub(crate) fn token_hash(token: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for c in token.chars() {
        if c.is_ascii() {
            eat(c.to_ascii_lowercase() as u8);
        } else {
            let mut buf = [0u8; 4];
            for l in c.to_lowercase() {
                for &b in l.encode_utf8(&mut buf).as_bytes() {
                    eat(b);
                }
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# header\nmia\t73\t15\t39\t60\nwill\t138\t321\t64\t64\nmüller\t257\t1\t30\t48\nstreet\t1308\t739\t53\t53\nupdate\t0\t0\t47\t47\n";

    #[test]
    fn parses_and_looks_up_in_lower_case() {
        let g = Gazetteer::parse(SAMPLE).unwrap();
        assert_eq!(g.len(), 5);
        assert_eq!(g.get("MIA").unwrap().first_rank, 73);
        assert_eq!(g.get("Müller").unwrap().last_rank, 1);
        assert_eq!(g.get("MÜLLER"), g.get("müller"));
        assert!(g.get("nobody").is_none());
    }

    /// A name listed without its apostrophe or diacritics is found as written;
    /// the word's own frequency stays.
    #[test]
    fn apostrophes_and_diacritics_fold_to_a_listed_name() {
        let g = Gazetteer::parse("# h\nobrien\t980\t7\t0\t0\no'brien\t0\t0\t38\t38\nionita\t2771\t1904\t0\t0\n").unwrap();
        let e = g.get("O'Brien").unwrap();
        assert_eq!((e.last_rank, e.en_zipf10), (7, 38));
        assert_eq!(g.get("Ioniță").unwrap().first_rank, 2771);
        assert_eq!(g.get("O’Brien").unwrap().last_rank, 7);
        assert!(g.get("Ionitz").is_none());
    }

    #[test]
    fn margins_rank_names_above_words() {
        let g = Gazetteer::parse(SAMPLE).unwrap();
        let m = |t: &str| g.get(t).unwrap().margin();
        assert!(m("mia") > 1.0, "{}", m("mia"));
        assert!(m("müller") > 1.0);
        assert!(m("will") < 0.0);
        assert!(m("street") < 0.0);
        assert_eq!(m("update"), -9.0);
        assert!(g.get("will").unwrap().is_common_word());
        assert!(!g.get("mia").unwrap().is_common_word());
    }

    #[test]
    fn bad_lines_name_their_number() {
        let e = Gazetteer::parse("a\t1\t2\t3\t4\nb\t1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = Gazetteer::parse("a\tx\t2\t3\t4\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("`x`"), "{e}");
    }
}

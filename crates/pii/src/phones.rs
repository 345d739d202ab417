//! Phone numbers that the regex patterns miss: national formats of many
//! numbering plans, and bare digit runs after a phone cue.
//!
//! In: any UTF-8 text (prose, JSON held as text, logs, code). Out: byte ranges
//! `(start, end)` appended to the caller's vector, left to right,
//! non-overlapping, on char boundaries (both ends are ASCII bytes). Only the
//! standard library is used and nothing is allocated. The regex patterns
//! (`+CC …`, `00CC …`, NANP, French, UK, German) run first; these spans are
//! only used where they found nothing.
//!
//! # What is a candidate
//!
//! A *chain*: digit groups joined by single separators from ` `, `-`, `.`,
//! `/`, optionally with the first group in parentheses followed by a space, a
//! hyphen or nothing (`(08) 8747 6301`, `(579)888-3058`). A space does not join
//! a group to one of 6+ digits before it, nor a 6+ digit group starting with
//! 0 (that is the next number). Numbers after `+` are left to the
//! international pattern. The span may grow by an extension
//! ([`extension_end`]).
//!
//! # Rules
//!
//! 1. Without a cue (9-13 digits, 2-5 groups of 2+ digits, first group 2-5
//!    digits, one separator throughout):
//!    * a first group with the trunk prefix 0 (E.164 national format of
//!      UK, DE, FR, NL, IT fixed, AU, JP, KR, CN fixed, IN fixed, BR);
//!    * otherwise a grouping that a national plan uses: NANP 3-3-4 (spaced:
//!      area and exchange 2-9); ES 3-3-3 and 3-2-2-2 starting 6-9 (mobile and
//!      fixed); IT mobile 3xx xxxxxxx; CN mobile 1[3-9]x-xxxx-xxxx; IN mobile
//!      5-5 starting 6-9; BR 2-4-4 (DDD, then 2-9) and mobile 2-5-4
//!      (9xxxx); MX 55/33/81 xxxx xxxx; AU 1300/1800 xxx xxx;
//!    * parentheses around a 2-5 digit area code (not a year).
//!    A two-group hyphen/dot/slash chain needs the trunk 0 (`06-58831837`),
//!    since `100000-200000` is a range.
//! 2. With a phone cue within the 32 bytes before, on the same line (a
//!    real or a JSON-escaped line break ends the window): any chain of 7-15
//!    digits, also one plain run (`6711414511`), with one separator, or
//!    `/`/`-` then spaces (`0171/123 45 67`), or spaces then a final `-`
//!    (`089 123456-78`). A cue at the end of the window may be glued with
//!    `.`/`/`/`-` (`Tel.0612345678`). A longer chain may be cut at a space
//!    (`call 01 23 45 67 89 24/7`). Cues, any case, at a word start: phone*,
//!    telephon*, telefon*, telefoon, téléphone, teléfono, tél, tel, tlf, tfno,
//!    mobil*, mobiel, móvil, movil, mob, cell, cellphone, cellular, celular,
//!    cellulare, cel, gsm, fax, call, dial, ring me/us, text me/us, sms,
//!    whatsapp*, reach me/us/them, be reached, reached at/on, callback*,
//!    contact number, number is, numéro, número, portable, handy*, rufnummer,
//!    hotline, landline, msisdn, rang, contact, reach, and 電話 电话 手机 手機 携帯 전화 휴대폰
//!    핸드폰 телефон тел. моб. A trunk 8 (RU/BY/KZ) opens an 11-digit number
//!    after a cue (`8 800 555-35-35`). Short cues (call, tel, fax, ...) do not count inside
//!    identifiers (`call_duration_ms`, `call(…)`); cell, cel and mob only
//!    with no letters up to the number (`cell A1 = …`); `text`/`ring` alone
//!    are too common in JSON and prose to count.
//! 3. Never: a word that names something else (order, invoice, ref, id,
//!    account, ticket, ISBN, IBAN, price, total, …) between the last cue and
//!    the number, or before it without a cue; a currency or amount word or
//!    sign next to it (`$`, `€`, `EUR`, `dollars`, `million`, `%`), or a
//!    unit (`ms`, `bytes`, `users`); dates with a 4-digit year (`2024-03-15`,
//!    `15.03.2024`, `20240315`), years (`1999 2000 2001`), IPv4, decimals,
//!    versions, thousands (`1.234.567`), ISBN `978-`/`979-`, SSN 3-2-4,
//!    all-zero or all-0-led groups; anything glued to letters, `_`, or to
//!    digits through `.`, `,`, `-`, `/`, `:` (times, IPs with ports, hashes,
//!    IBANs, UUIDs); more than 15 digits in one separator style (cards);
//!    `#`, `@` before. A spaced chain without a cue must be whole (a row of
//!    a table is not cut into a phone number) and not follow another number.
//!
//! Sources: ITU-T E.164 and E.123 (national notation, parentheses for the
//! optional trunk part), NANPA (NXX-NXX-XXXX), Ofcom UK numbering, BNetzA
//! (DE), ARCEP (FR), ACM (NL), CNMC (ES), AGCOM (IT), ACMA (AU), MIC (JP),
//! MIIT (CN), TRAI (IN), Anatel (BR), IFT (MX), MSIT (KR).
//!
//! # Speed
//!
//! The scan jumps between ASCII digits eight bytes at a time; a digit run is
//! only looked at further if its chain has 7+ digits, and the cue window only
//! if the chain could be a phone number with a cue (not a date, IP, ...).

/// Longest chain looked at; more groups are never one phone number.
const MAX_GROUPS: usize = 8;
/// Bytes before a number searched for a cue (the cue must lie wholly inside).
const CUE_WINDOW: usize = 32;

/// Appends (start, end) byte ranges of phone numbers that the pattern detectors miss: national formats of many numbering plans, and bare digit runs after a phone cue.
pub fn find_phones(text: &str, out: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(d) = next_digit(b, i) {
        match candidate(b, d) {
            Ok(span) => {
                out.push(span);
                i = span.1;
            }
            Err(next) => i = next,
        }
    }
}

/// If an extension follows a phone number ending at `end` (`x47459`, ` x 12`,
/// ` ext. 947`, ` ext 12`, `, ext: 4`, ` extension 3`, ` Durchwahl 12`,
/// ` poste 321`; not `#12`), the end after it; else `end`.
pub fn extension_end(text: &str, end: usize) -> usize {
    ext_end(text.as_bytes(), end)
}

fn ext_end(b: &[u8], end: usize) -> usize {
    let n = b.len();
    if end > n {
        return end;
    }
    let mut k = end;
    if k < n && b[k] == b',' {
        k += 1;
    }
    let sp = k;
    while k < n && k < sp + 3 && b[k] == b' ' {
        k += 1;
    }
    let mut j;
    if k < n && b[k] | 0x20 == b'x' {
        // `x` is only an extension right at the digits or after a space.
        if k != end && k == sp {
            return end;
        }
        j = k + 1;
        if j < n && b[j] == b' ' {
            j += 1;
        }
    } else {
        let Some(e) = ["extension", "extn", "ext", "durchwahl", "poste"]
            .iter()
            .find_map(|w| match_ci(b, k, w).filter(|&e| !b.get(e).is_some_and(|c| is_letter(*c))))
        else {
            return end;
        };
        j = e;
        for c in [b'.', b':', b' ', b' ', b'-'] {
            if j < n && b[j] == c {
                j += 1;
            }
        }
    }
    let ds = j;
    while j < n && b[j].is_ascii_digit() {
        j += 1;
    }
    if !(1..=6).contains(&(j - ds)) || !right_glue_ok(b, j) {
        return end;
    }
    j
}

/// First ASCII digit at or after `i`, eight bytes at a time: `x ^ 0x30…` turns
/// digits into bytes below 10, and the lowest byte flagged by the
/// "has less than" bit trick is exact.
fn next_digit(b: &[u8], mut i: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let x = u64::from_le_bytes(b[i..i + 8].try_into().unwrap()) ^ (LO * 0x30);
        let t = x.wrapping_sub(LO * 10) & !x & HI;
        if t != 0 {
            return Some(i + (t.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    (i..b.len()).find(|&k| b[k].is_ascii_digit())
}

/// Digit groups and their separators, from a digit-run start.
#[derive(Default)]
struct Chain {
    /// The `(` or the first digit.
    start: usize,
    paren: bool,
    /// Groups stored (at most `MAX_GROUPS`); `more` if the chain went on.
    n: usize,
    more: bool,
    gs: [usize; MAX_GROUPS],
    ge: [usize; MAX_GROUPS],
    /// `sep[j]`: the byte before group j (0: none; with `paren`, `sep[1]` is
    /// what follows the `)`).
    sep: [u8; MAX_GROUPS],
    end: usize,
    digits: usize,
}

impl Chain {
    fn parse(b: &[u8], d: usize) -> Chain {
        let n = b.len();
        let mut c = Chain::default();
        c.start = d;
        let (mut p, mut sep) = (d, 0u8);
        loop {
            let g = p;
            while p < n && b[p].is_ascii_digit() {
                p += 1;
            }
            if c.n < MAX_GROUPS {
                (c.gs[c.n], c.ge[c.n], c.sep[c.n]) = (g, p, sep);
                c.n += 1;
            } else {
                c.more = true;
            }
            c.digits += p - g;
            // "(08) 8747", "(579)888", "(11)-9123": an area code in parentheses.
            let closes = c.n == 1 && (2..=5).contains(&(p - d)) && b.get(p) == Some(&b')');
            if closes && d > 0 && b[d - 1] == b'(' {
                // `(32)/116-1092` (HU), `(07).5979.0100` (AU) too.
                let q = p + 1 + matches!(b.get(p + 1), Some(b' ' | b'-' | b'/' | b'.')) as usize;
                if b.get(q).is_some_and(u8::is_ascii_digit) {
                    (c.paren, c.start, sep, p) =
                        (true, d - 1, if q > p + 1 { b[p + 1] } else { 0 }, q);
                    continue;
                }
            }
            if slash_pair(b, p) && p - g >= 9 {
                break; // `0612345678/0698765432`: two numbers
            }
            if p + 1 < n && matches!(b[p], b' ' | b'-' | b'.' | b'/') && b[p + 1].is_ascii_digit() {
                if b[p] == b' ' {
                    // "0612345678 2 rooms", "1234 0612345678": two things.
                    let next = b[p + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if p - g >= 6 || (b[p + 1] == b'0' && next >= 6) {
                        break;
                    }
                }
                sep = b[p];
                p += 1;
                continue;
            }
            break;
        }
        c.end = p;
        c
    }

    fn len(&self, j: usize) -> usize {
        self.ge[j] - self.gs[j]
    }

    fn grp<'a>(&self, b: &'a [u8], j: usize) -> &'a [u8] {
        &b[self.gs[j]..self.ge[j]]
    }
}

/// Phone cues found before a number.
#[derive(Default)]
struct Cue {
    phone: bool,
    /// End of the last phone cue.
    end: usize,
    /// The last phone cue is `K::Tight`.
    tight: bool,
    /// A word naming something else came after the last phone cue (or with
    /// no phone cue at all).
    blocked: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum K {
    /// Any continuation: "phone" in "phones", "phone_number", "phoneNumber".
    Stem,
    /// A whole word (camelCase and `_` end a word).
    Word,
    /// A short verb or abbreviation, not inside an identifier or a call.
    Weak,
    /// A whole word that only counts if nothing blocked before it.
    Soft,
    /// Like `Weak`, and only with no letters up to the number ("cell A1 =
    /// 12345678" is a spreadsheet).
    Tight,
}

/// Longer cues first where one is a prefix of another.
#[rustfmt::skip]
const CUES: &[(&str, K)] = &[
    ("phone", K::Stem), ("telephon", K::Stem), ("telefoon", K::Word), ("telefon", K::Stem),
    ("téléphone", K::Stem), ("teléfono", K::Word), ("tél", K::Weak), ("tel", K::Weak), ("tlf", K::Weak),
    ("tfno", K::Weak), ("mobiel", K::Word), ("mobil", K::Stem), ("móvil", K::Word), ("movil", K::Word),
    ("mob", K::Tight), ("cellphone", K::Word), ("cellular", K::Word), ("cellulare", K::Word),
    ("cell", K::Tight), ("celular", K::Word), ("cel", K::Tight), ("gsm", K::Weak), ("fax", K::Weak),
    ("callback", K::Stem), ("call", K::Weak), ("dial", K::Weak), ("sms", K::Weak), ("whatsapp", K::Stem),
    ("ring me", K::Word), ("ring us", K::Word), ("text me", K::Word), ("text us", K::Word),
    ("reach me", K::Word), ("reach us", K::Word), ("reach them", K::Word), ("be reached", K::Word),
    ("reached at", K::Word), ("reached on", K::Word), ("contact number", K::Word), ("number is", K::Soft),
    ("numéro", K::Word), ("número", K::Word), ("portable", K::Word), ("handy", K::Stem),
    ("rufnummer", K::Word), ("hotline", K::Word), ("landline", K::Word), ("msisdn", K::Word),
    // `They rang from …`, `Contact 0771… for the booking`, `reach the office at …`.
    ("rang", K::Word), ("contact", K::Word), ("reach", K::Word),
];

/// Cues matched as they stand, without word boundaries: CJK text has no
/// spaces, and a Cyrillic stem takes its case endings (`телефона`, `телефону`).
#[rustfmt::skip]
const CJK_CUES: &[&str] = &["電話", "电话", "手机", "手機", "携帯", "전화", "휴대폰", "핸드폰", "телефон", "тел.", "моб."];

/// Words after which a number is something else; `*` marks stems.
#[rustfmt::skip]
const BLOCK: &[&str] = &[
    "order*", "invoice*", "bestell*", "rechnung*", "kunden*", "ticket*", "account*", "tracking*",
    "serial*", "booking*", "transaction*", "commande", "facture", "pedido", "factura", "fattura",
    "ordine", "ref", "reference", "id", "ids", "acct", "sku", "iban", "isbn", "ssn", "zip",
    "postcode", "pin", "po", "case", "policy", "item", "part", "model", "version", "build", "port",
    "pid", "uid", "total", "amount", "price", "cost", "balance", "sum", "budget", "revenue",
    "salary", "confirmation", "reservation", "vat", "passport", "licence", "license", "batch",
    "lot", "page", "pages", "issue", "commit", "row",
];

/// Currency signs (UTF-8) that make a number an amount.
#[rustfmt::skip]
const MONEY_SIGNS: &[&[u8]] = &[b"$", "€".as_bytes(), "£".as_bytes(), "¥".as_bytes(), "₹".as_bytes()];
/// Currency codes before a number.
#[rustfmt::skip]
const MONEY_BEFORE: &[&str] = &[
    "usd", "eur", "gbp", "chf", "jpy", "cny", "rmb", "inr", "brl", "mxn", "aud", "cad", "krw", "rs",
];
/// Words after a number that make it an amount or a count.
#[rustfmt::skip]
const AFTER_NEG: &[&str] = &[
    "usd", "eur", "gbp", "chf", "jpy", "cny", "rmb", "inr", "brl", "mxn", "aud", "cad", "krw",
    "dollars", "dollar", "euros", "euro", "pounds", "yen", "yuan", "rupees", "reais", "pesos", "won",
    "kr", "million", "millions", "billion", "billions", "mio", "mrd", "crore", "lakh", "bytes",
    "byte", "kb", "mb", "gb", "tb", "ms", "sec", "seconds", "tokens", "rows", "records", "items",
    "times", "users", "views", "downloads", "km", "kg", "lbs", "units", "pcs", "calls", "messages",
];

/// Judges the chain starting with the digit at `d`: its span, or where to go on.
fn candidate(b: &[u8], d: usize) -> Result<(usize, usize), usize> {
    let c = Chain::parse(b, d);
    let next = c.end;
    if c.digits < 7 || c.more {
        return Err(next);
    }
    let s = c.start;
    let (mut need_cue, mut glued_cue) = (false, false);
    if s > 0 {
        let l = b[s - 1];
        let l2 = if s > 1 { b[s - 2] } else { b' ' };
        if matches!(l, b'+' | b'#' | b'@' | b'$') {
            return Err(next);
        } else if l.is_ascii_alphanumeric() || l == b'_' {
            // Glued to a word, unless it is the `n` of a JSON `\n`.
            if !(l2 == b'\\' && matches!(l, b'n' | b'r' | b't')) {
                return Err(next);
            }
        } else if slash_pair(b, s - 1) {
            // The second of `0612345678/0698765432`: as the first was judged.
        } else if matches!(l, b'.' | b',' | b'-' | b'/' | b':' | b')') && l2.is_ascii_digit() {
            // Part of a number, a time, or the `(0)` of `+49 (0)30 …`.
            return Err(next);
        } else if matches!(l, b'.' | b'-' | b'/') && (l2.is_ascii_alphanumeric() || l2 == b'_') {
            glued_cue = true;
        } else if l == b' ' && l2.is_ascii_digit() {
            need_cue = true;
        }
    }
    if money_before(b, s) {
        return Err(next);
    }
    // What a cue allows is a superset: dates and IPs end here, before the cue look-up.
    if !(1..=c.n).any(|m| valid(b, &c, m, true)) {
        return Err(next);
    }
    let cue = cue_before(b, s);
    if cue.blocked || ((need_cue || glued_cue) && !cue.phone) || (glued_cue && cue.end + 1 != s) {
        return Err(next);
    }
    // `"size": 5125936994`: an unquoted value of some other key is a quantity,
    // and a plain run needs a cue there; quantities do not start with 0
    // (`T: 0612345678`, `numbers: 0612345678, …` are phone numbers).
    if c.n == 1 && !cue.phone && b[s] != b'0' && assigned(b, s) {
        return Err(next);
    }
    // Cards, IBAN digits, long ids: more than 15 digits in one style.
    let uniform = c.sep[1..c.n].windows(2).all(|w| w[0] == w[1]);
    if c.digits > 15 && (uniform || !cue.phone) {
        return Err(next);
    }
    for m in (1..=c.n).rev() {
        if m < c.n && !(cue.phone && c.sep[m] == b' ') {
            continue;
        }
        if valid(b, &c, m, cue.phone) {
            let e = ext_end(b, c.ge[m - 1]);
            if right_glue_ok(b, e) && !money_after(b, e) {
                return Ok((s, e));
            }
        }
    }
    Err(next)
}

/// `:` or `=` right before `s` (spaces allowed between).
fn assigned(b: &[u8], s: usize) -> bool {
    let mut k = s;
    while k > 0 && b[k - 1] == b' ' {
        k -= 1;
    }
    k > 0 && matches!(b[k - 1], b':' | b'=')
}

/// Whether the first `m` groups of `c` are a phone number.
fn valid(b: &[u8], c: &Chain, m: usize, cue: bool) -> bool {
    let d: usize = (0..m).map(|j| c.len(j)).sum();
    if !(if cue { 7..=15 } else { 9..=13 }).contains(&d) || (c.paren && m < 2) {
        return false;
    }
    if (0..m).all(|j| c.grp(b, j).iter().all(|&x| x == b'0')) {
        return false;
    }
    let first = c.grp(b, 0);
    let seps = &c.sep[(if c.paren { 2 } else { 1 }).min(m)..m];
    let uniform = seps.windows(2).all(|w| w[0] == w[1]);
    let sep = seps.first().copied().unwrap_or(0);
    if date_like(b, c, m) || (m == 1 && d == 8 && compact_date(first)) {
        return false;
    }
    if sep == b'.' && uniform && !c.paren {
        // A decimal, or an IPv4 address; after a cue, `6446.8379` (EE, 4.4) is no decimal: fractions are short.
        if m == 2 && !(first[0] == b'0' && first.len() >= 2) && !(cue && first.len() >= 3 && c.len(1) >= 3) {
            return false;
        }
        if m == 4 && (0..4).all(|j| c.len(j) <= 3 && num(c.grp(b, j)) <= 255) {
            return false;
        }
    }
    if !c.paren && m >= 4 && (first == b"978" || first == b"979") {
        return false;
    }
    // Separator styles one after the other, as national notations write
    // them: `08-167 127 42` (SE), `053 905-1678` (IL), `06-83/818 3322` (HU)
    // after a trunk 0; `98 8828-0309` (BR: area code, then the number).
    let changes = seps.windows(2).filter(|w| w[0] != w[1]).count();
    let mixed = !uniform && seps.iter().all(|x| matches!(x, b' ' | b'-' | b'/'));
    let lens: [usize; 5] = core::array::from_fn(|j| if j < m { c.len(j) } else { 0 });
    let national_mix = mixed
        && (0..m).all(|j| c.len(j) >= 2)
        && ((first[0] == b'0' && changes <= 2)
            || (m == 3 && matches!(lens[..3], [2, 4, 4] | [2, 5, 4]) && seps == [b' ', b'-']));
    if cue {
        let k = seps.len();
        let mixed_ok = uniform
            || (k >= 2 && matches!(seps[0], b'/' | b'-') && seps[1..].iter().all(|&x| x == b' '))
            || (k >= 2 && seps[..k - 1].iter().all(|&x| x == b' ') && seps[k - 1] == b'-')
            || national_mix
            // RU/BY/KZ trunk 8 (`8 800 555-35-35`, `8 912 345-67-89`).
            || (first == b"8" && d == 11 && seps.iter().all(|x| matches!(x, b' ' | b'-')) && changes <= 2);
        // Thousands: 1.234.567, 1 234 567; but after a cue, 8 digits spaced 2-3-3 are a Nordic number (DK/NO
        // write 8-digit numbers without a trunk prefix: `34 329 949`).
        let thousands = !c.paren
            && m >= 3
            && first.len() <= 2
            && first[0] != b'0'
            && (1..m).all(|j| c.len(j) == 3)
            && !(sep == b' ' && uniform && d == 8);
        return mixed_ok && !thousands;
    }
    // No cue: the shape alone must say "phone".
    if m == 1 {
        // One plain run: a national number with its trunk 0 (FR, UK, DE, AU, IN,
        // IT, JP, IL, TH: 9-11 digits), a NANP NXX-NXX-XXXX written without
        // separators, or a CN mobile 1[3-9]x xxxx xxxx. Epoch seconds start
        // with 1 and have 10 digits, so they are neither.
        let n = first.len();
        let nxx = |x: u8| (b'2'..=b'9').contains(&x);
        return (first[0] == b'0' && first[1] != b'0' && (9..=11).contains(&n))
            || (n == 10 && nxx(first[0]) && nxx(first[3]) && !first[1..3].iter().all(|&x| x == b'1'))
            || (n == 11 && first[0] == b'1' && (b'3'..=b'9').contains(&first[1]));
    }
    if !(uniform || national_mix)
        || !(2..=5).contains(&m)
        || !(2..=5).contains(&first.len())
        || (0..m).any(|j| c.len(j) < 2)
    {
        return false;
    }
    if is_year(first) || (0..m).filter(|&j| is_year(c.grp(b, j))).count() >= 2 {
        return false;
    }
    // Zero-padded counters (001 002 003) and round amounts (720 000 000).
    if (0..m).all(|j| b[c.gs[j]] == b'0') || (m >= 3 && (m - 2..m).all(|j| num(c.grp(b, j)) == 0)) {
        return false;
    }
    if c.paren {
        return true;
    }
    if first[0] == b'0' {
        return true;
    }
    let (f0, f1, g1) = (first[0], first[1], b[c.gs[1]]);
    let two_to_nine = |x: u8| (b'2'..=b'9').contains(&x);
    let six_to_nine = |x: u8| (b'6'..=b'9').contains(&x);
    match &lens[..m] {
        // NANP NXX-NXX-XXXX (spaced also IT mobile 3xx); hyphenated or dotted 3-3-4 is NANP style.
        [3, 3, 4] => sep != b' ' || (two_to_nine(f0) && two_to_nine(g1)) || f0 == b'3',
        // ES: 6/7 mobile, 8/9 fixed.
        [3, 3, 3] | [3, 2, 2, 2] => six_to_nine(f0),
        // IT mobile 3xx xxxxxxx.
        [3, 7] => f0 == b'3',
        // CN mobile 1[3-9]x xxxx xxxx.
        [3, 4, 4] => f0 == b'1' && (b'3'..=b'9').contains(&f1),
        // IN mobile 98765 43210.
        [5, 5] => six_to_nine(f0),
        // BR DDD + 8 digits (fixed lines start 2-5, 9 is mobile); MX
        // Mexico City, Guadalajara, Monterrey (55, 33, 81) + 8 digits.
        [2, 4, 4] => {
            (f0 != b'0' && f1 != b'0' && two_to_nine(g1))
                || (matches!(first, b"55" | b"33" | b"81") && g1 != b'0')
        }
        [2, 5, 4] => f0 != b'0' && f1 != b'0' && g1 == b'9',
        // AU 1300 / 1800 numbers.
        [4, 3, 3] => first == b"1300" || first == b"1800",
        _ => false,
    }
}

/// A 4-digit year with two 1-2 digit groups next to it: y-m-d or d-m-y.
fn date_like(b: &[u8], c: &Chain, m: usize) -> bool {
    let small = |j: usize| c.len(j) <= 2 && (1..=31).contains(&num(c.grp(b, j)));
    (0..m).any(|j| {
        is_year(c.grp(b, j))
            && ((j + 2 < m && small(j + 1) && small(j + 2))
                || (j >= 2 && small(j - 1) && small(j - 2)))
    })
}

/// `20240315` or `15032024`.
fn compact_date(g: &[u8]) -> bool {
    let md = |a: u32, b: u32| (1..=12).contains(&a) && (1..=31).contains(&b);
    (is_year(&g[..4]) && md(num(&g[4..6]), num(&g[6..])))
        || (is_year(&g[4..])
            && (md(num(&g[2..4]), num(&g[..2])) || md(num(&g[..2]), num(&g[2..4]))))
}

fn is_year(g: &[u8]) -> bool {
    g.len() == 4 && (1900..=2099).contains(&num(g))
}

fn num(g: &[u8]) -> u32 {
    g.iter().take(9).fold(0, |a, &x| a * 10 + (x - b'0') as u32)
}

fn is_letter(x: u8) -> bool {
    x.is_ascii_alphabetic() || x >= 0x80
}

/// Whether a word starts at `p`: after a non-letter, a JSON escape such as
/// `\n`, or as the capital of a camelCase part.
fn word_start(b: &[u8], p: usize) -> bool {
    if p == 0 || !is_letter(b[p - 1]) {
        return true;
    }
    (p >= 2 && b[p - 2] == b'\\' && matches!(b[p - 1], b'n' | b'r' | b't'))
        || (b[p].is_ascii_uppercase() && b[p - 1].is_ascii_lowercase())
}

/// Whether a word ends at `e` (camelCase and `_` end a word too).
fn word_end(b: &[u8], e: usize) -> bool {
    let Some(&x) = b.get(e) else { return true };
    let camel = x.is_ascii_uppercase() && b[e - 1].is_ascii_lowercase();
    camel || !(x.is_ascii_alphabetic() || x >= 0x80)
}

/// End of `pat` (lower case; a space also matches `_` or `-`) at `p`, any ASCII case.
fn match_ci(b: &[u8], p: usize, pat: &str) -> Option<usize> {
    let pat = pat.as_bytes();
    let t = b.get(p..p + pat.len())?;
    let same = |(&x, &y): (&u8, &u8)| {
        x.to_ascii_lowercase() == y || (y == b' ' && matches!(x, b'_' | b'-'))
    };
    t.iter().zip(pat).all(same).then_some(p + pat.len())
}

/// The phone cues and blocking words in the window before `s`.
fn cue_before(b: &[u8], s: usize) -> Cue {
    let lo = s.saturating_sub(CUE_WINDOW);
    let mut ws = lo;
    for k in (lo..s).rev() {
        if matches!(b[k], b'\n' | b'\r')
            || (matches!(b[k], b'n' | b'r') && k > 0 && b[k - 1] == b'\\')
        {
            ws = k + 1;
            break;
        }
    }
    let mut cue = Cue::default();
    let mut p = ws;
    while p < s {
        let x = b[p];
        // Lead bytes of Cyrillic (0xd0, 0xd1) and of CJK (three-byte forms).
        if x >= 0xd0 {
            if let Some(e) = CJK_CUES
                .iter()
                .find_map(|w| b[p..s].starts_with(w.as_bytes()).then_some(p + w.len()))
            {
                (cue.phone, cue.end, cue.tight, cue.blocked) = (true, e, false, false);
                p = e;
                continue;
            }
        }
        if !is_letter(x) || !word_start(b, p) {
            p += 1;
            continue;
        }
        let lower = x.to_ascii_lowercase();
        let hit = CUES
            .iter()
            .filter(|(w, _)| w.as_bytes()[0] == lower)
            .find_map(|&(w, k)| {
                let e = match_ci(b, p, w).filter(|&e| e <= s)?;
                let next = b.get(e).copied().unwrap_or(b' ');
                let ok = match k {
                    K::Stem => true,
                    K::Word | K::Soft => word_end(b, e),
                    K::Weak | K::Tight => {
                        word_end(b, e) && !matches!(next, b'_' | b'(' | b'=' | b'0'..=b'9')
                    }
                };
                ok.then_some((e, k))
            });
        if let Some((e, k)) = hit {
            if !(k == K::Soft && cue.blocked) {
                (cue.phone, cue.end, cue.tight, cue.blocked) = (true, e, k == K::Tight, false);
            }
            p = e;
            continue;
        }
        let mut blocks = BLOCK.iter().filter(|w| w.as_bytes()[0] == lower);
        cue.blocked |= blocks.any(|w| match w.strip_suffix('*') {
            Some(stem) => match_ci(b, p, stem).is_some(),
            None => match_ci(b, p, w).is_some_and(|e| word_end(b, e)),
        });
        while p < s && is_letter(b[p]) {
            p += 1;
        }
    }
    if cue.tight && b[cue.end..s].iter().any(|x| x.is_ascii_alphabetic()) {
        cue.phone = false;
    }
    cue
}

/// Whether the number may end at `e`: not glued to a word, `%`, `@`, or to
/// more digits through `.`, `,`, `-`, `/`, `:`.
fn right_glue_ok(b: &[u8], e: usize) -> bool {
    let Some(&r) = b.get(e) else { return true };
    if slash_pair(b, e) {
        return true;
    }
    if r.is_ascii_alphanumeric() || matches!(r, b'_' | b'%' | b'@' | b'+') {
        return false;
    }
    !(matches!(r, b'.' | b',' | b'-' | b'/' | b':')
        && b.get(e + 1).is_some_and(|x| x.is_ascii_digit()))
}

/// Whether the `/` at `p` joins two phone numbers written as plain runs of
/// 9-12 digits (`Tel/Fax: 0612345678/0698765432`), not a date or a fraction.
fn slash_pair(b: &[u8], p: usize) -> bool {
    if b.get(p) != Some(&b'/') {
        return false;
    }
    let before = b[..p].iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let after = b[p + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    (9..=12).contains(&before) && (9..=12).contains(&after)
}

/// A currency sign or code just before `s` (one space allowed).
fn money_before(b: &[u8], s: usize) -> bool {
    let k = if s > 0 && b[s - 1] == b' ' { s - 1 } else { s };
    if MONEY_SIGNS.iter().any(|m| b[..k].ends_with(m)) {
        return true;
    }
    let mut w = k;
    while w > 0 && b[w - 1].is_ascii_alphabetic() {
        w -= 1;
    }
    w < k
        && (w == 0 || !is_letter(b[w - 1]))
        && MONEY_BEFORE
            .iter()
            .any(|m| b[w..k].eq_ignore_ascii_case(m.as_bytes()))
}

/// A currency, amount or unit word or sign just after `e` (one space allowed).
fn money_after(b: &[u8], e: usize) -> bool {
    let k = if b.get(e) == Some(&b' ') { e + 1 } else { e };
    let rest = &b[k.min(b.len())..];
    if rest.first() == Some(&b'%') || MONEY_SIGNS.iter().any(|m| rest.starts_with(m)) {
        return true;
    }
    let w = rest.iter().take_while(|x| x.is_ascii_alphabetic()).count();
    w > 0
        && !rest.get(w).is_some_and(|&x| x >= 0x80)
        && AFTER_NEG
            .iter()
            .any(|m| rest[..w].eq_ignore_ascii_case(m.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<&str> {
        let mut v = Vec::new();
        find_phones(text, &mut v);
        v.iter().map(|&(a, b)| &text[a..b]).collect()
    }

    /// Checks every case and reports all failures at once.
    fn check(pos: &[(&str, &str)], neg: &[&str]) {
        let mut bad = Vec::new();
        for &(text, want) in pos {
            let got = spans(text);
            if got != [want] {
                bad.push(format!("{text:?}: want [{want:?}], got {got:?}"));
            }
        }
        for &text in neg {
            let got = spans(text);
            if !got.is_empty() {
                bad.push(format!("{text:?}: want nothing, got {got:?}"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} failures:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    /// Misses of the regex patterns measured on the labelled corpus.
    #[rustfmt::skip]
    const MEASURED: &[(&str, &str)] = &[
        ("He gave 192-9586-5083 as contact.", "192-9586-5083"), ("Office 080-9379-3285", "080-9379-3285"),
        ("03-8285-3050 (Tokyo)", "03-8285-3050"), ("Bel 06-58831837 na vijf uur", "06-58831837"),
        ("Bel mij: 06 53798420", "06 53798420"), ("Ring 07 4078 5594 after 5", "07 4078 5594"),
        ("Llámame al 977 922 774", "977 922 774"), ("Oficina: 736 000 332.", "736 000 332"),
        ("phone: 0473905868", "0473905868"), ("Call me at 6711414511", "6711414511"),
        ("tel 01134968425", "01134968425"), ("Telefon 08054625692", "08054625692"),
        ("contact number: 02428104654", "02428104654"), ("call 040-17989 tomorrow", "040-17989"),
        ("Call (764) 254-5093 ext. 947 today", "(764) 254-5093 ext. 947"),
        ("783-604-6281x47459", "783-604-6281x47459"), ("Contact: 664-460-2352x731.", "664-460-2352x731"),
        ("345-899-3560x4587", "345-899-3560x4587"), ("Dial 001-518-640-0854 from abroad", "001-518-640-0854"),
        ("(579)888-3058", "(579)888-3058"), ("Office (08) 8747 6301", "(08) 8747 6301"),
        ("0490 39 07 81", "0490 39 07 81"),
    ];

    #[rustfmt::skip]
    const POS: &[(&str, &str)] = &[
        // US / CA
        ("call 555-0132", "555-0132"), ("tel. 415 555 0132 x 12", "415 555 0132 x 12"),
        ("phone 415.555.0132 ext 7", "415.555.0132 ext 7"), ("cell (415)555-0132", "(415)555-0132"),
        ("Tel 4155550132", "4155550132"), ("604-555-0199 extension 3", "604-555-0199 extension 3"),
        ("phone: 555-0132, ext. 4", "555-0132, ext. 4"), ("Tel.0612345678", "0612345678"),
        // UK
        ("Tel: 020 7946 0958", "020 7946 0958"), ("mobile 07700 900123", "07700 900123"),
        ("07700-900-123", "07700-900-123"), ("0161 496 0000", "0161 496 0000"), ("Phone: 01632960001", "01632960001"),
        // DE
        ("Telefon: 030/12345678", "030/12345678"), ("Handy 0171 1234567", "0171 1234567"),
        ("Tel. 089 123456-78", "089 123456-78"), ("Rufnummer 0171/123 45 67", "0171/123 45 67"),
        ("030 1234567, Durchwahl 12", "030 1234567, Durchwahl 12"),
        // FR
        ("Tél. : 01 23 45 67 89 poste 12", "01 23 45 67 89 poste 12"), ("portable 06.12.34.56.78", "06.12.34.56.78"),
        ("numéro : 0612345678", "0612345678"), ("appelez le 01-23-45-67-89", "01-23-45-67-89"),
        // NL
        ("telefoon 020-1234567", "020-1234567"), ("06-12345678", "06-12345678"), ("mobiel: 0612345678", "0612345678"),
        // ES
        ("teléfono 91 123 45 67", "91 123 45 67"), ("móvil: 612 345 678", "612 345 678"),
        ("912 34 56 78", "912 34 56 78"), ("612-345-678", "612-345-678"),
        // IT
        ("cellulare 347 123 4567", "347 123 4567"), ("347 1234567", "347 1234567"),
        ("Tel. 06 6982 1234", "06 6982 1234"), ("02-12345678", "02-12345678"),
        // AU
        ("0412 345 678", "0412 345 678"), ("1300 975 707", "1300 975 707"),
        ("(02) 9876 5432", "(02) 9876 5432"), ("Mob 0412345678", "0412345678"),
        // JP
        ("03-1234-5678", "03-1234-5678"), ("090-1234-5678", "090-1234-5678"), ("0120-123-456", "0120-123-456"),
        ("電話番号：03-1234-5678", "03-1234-5678"), ("電話 0312345678", "0312345678"),
        // CN
        ("139 1234 5678", "139 1234 5678"), ("手机13912345678", "13912345678"),
        ("010-12345678", "010-12345678"), ("电话：021-6123-4567", "021-6123-4567"),
        // IN
        ("98765 43210", "98765 43210"), ("mobile 9876543210", "9876543210"), ("022-2345-6789", "022-2345-6789"),
        // BR
        ("(11) 91234-5678", "(11) 91234-5678"), ("11 3456 7890", "11 3456 7890"),
        ("celular 11 91234 5678", "11 91234 5678"), ("(021) 2345-6789", "(021) 2345-6789"),
        // MX
        ("55 1234 5678", "55 1234 5678"), ("teléfono 55-1234-5678", "55-1234-5678"), ("(55) 1234 5678", "(55) 1234 5678"),
        // KR
        ("010-1234-5678", "010-1234-5678"), ("02-312-3456", "02-312-3456"),
        ("전화 010 1234 5678", "010 1234 5678"), ("휴대폰 01012345678", "01012345678"),
        // JSON, escapes, cues
        (r#"{"phone_number":"6711414511"}"#, "6711414511"), (r#"{"mobilePhone": "0612345678"}"#, "0612345678"),
        (r#"{"text":"call me on 0612345678"}"#, "0612345678"), ("line1\\n06-58831837", "06-58831837"),
        ("WhatsApp +/ 0612345678", "0612345678"), ("my number is 5551234567", "5551234567"),
        ("call 01 23 45 67 89 24/7", "01 23 45 67 89"), ("You can be reached at 555 0132", "555 0132"),
        ("Fax: 030 1234567 (Büro)", "030 1234567"),
        // plain runs without a cue: trunk-0 national numbers, NANP NXX-NXX-XXXX
        ("0612345678", "0612345678"), ("call\n0612345678", "0612345678"), ("ring 07700900123 now", "07700900123"),
        ("Contact 0771072375 for the booking.", "0771072375"), ("They rang from 5125936994 twice.", "5125936994"),
        ("They rang from 92377387 twice.", "92377387"), ("reach the office at 08-167 127 42 or write", "08-167 127 42"),
        ("Contact 600638196 for the booking.", "600638196"),
        // two separator styles in national notation; brackets then `/` or `.`
        ("08-167 127 42", "08-167 127 42"), ("053 905-1678", "053 905-1678"), ("06-83/818 3322", "06-83/818 3322"),
        ("98 8828-0309", "98 8828-0309"), ("(32)/116-1092", "(32)/116-1092"), ("(07).5979.0100", "(07).5979.0100"),
        ("0316 95170 243", "0316 95170 243"), ("T: 0612345678", "0612345678"),
        ("tel. 8 800 555-35-35", "8 800 555-35-35"), ("телефон 8 912 345-67-89", "8 912 345-67-89"),
        // after a cue: 8-digit Nordic numbers spaced 2-3-3, EE numbers dotted 4.4
        ("my number is 34 329 949", "34 329 949"), ("Contact 7887.6732 for the booking.", "7887.6732"),
        ("036791695", "036791695"), ("手机 13812345678", "13812345678"), ("13812345678", "13812345678"), ("Tel 0612345678 x 12", "0612345678 x 12"),
    ];

    #[rustfmt::skip]
    const NEG: &[&str] = &[
        // dates and times
        "2024-03-15", "15.03.2024", "2024/03/15", "03/15/2024", "2024-03-15 10:30:00", "2024-03-15T10:30:00Z",
        "15.03.2024 14:30", "20240315", "call on 2024-03-15 at 10", "Tel: 15.03.2024", "phone 20240315",
        "2024-03-15-0001", "10:30:00", "call me at 10:30", "Tel: 2024-03-15",
        // versions, IPs, decimals, ISBN, ranges
        "1.2.3", "v10.15.7", "version 12.345.678.9012", "10.0.0.1", "192.168.100.200", "call 192.168.100.200",
        "192.168.1.1:8080", "3.14159265358", "12345.678901", "0.123456789", "ISBN 978-3-16-148410-0",
        "978-0-306-40615-7", "pages 100-200", "100000-200000",
        // amounts
        "500 000 000 dollars", "120 300 450", "720 300 450 EUR", "$ 612 345 678", "call 612 345 678 €",
        "Price 977 922 774", "34 329 949", "1 234 567", "phone 1 234 567", "rate 6446.8379", "tel 12.50",
        "1,234,567,890", "1.234.567,89 €", "phone 1.234.567", "EUR 977 922 774",
        "tel 0612345678 %",
        // ids, code, order numbers
        "id=1234567890", "user 48213 ordered 1234567890", "Order 192-9586-5083", "invoice 06-58831837",
        "order #0612345678", "#1234-5678-9012", "port 8080", "let x = 1234567890;", "sleep(1234567)",
        "0x1234567890", "call(1234567)", r#"{"call_duration_ms": 1234567}"#, r#"{"text":"took 12345678 ms"}"#,
        "commit 1234567890abcdef", "ts=1712345678", "1712345678.123", "SKU 0612345678",
        "550e8400-e29b-41d4-a716-446655440000", "Phone: n/a. Invoice 1234567890",
        "The order number is 0612345678", "1234-5678-9012",
        // years, tables, cards, IBANs, long runs, glue
        "1999 2000 2001", "1999-2000-2001", "in 2019 2020 2021 2022", "4111 1111 1111 1111",
        "call 4111 1111 1111 1111", "4111-1111-1111-1111", "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432", "12345678901234567890", "tel 1234567890123456", "abc0612345678",
        "0612345678abc", "A-06-58831837", "06-58831837.5", "123-45-6789", "1234567 977 922 774",
        "Q1 720 300 450 600", "001 002 003", "01 02 03 04 05 06 07 08 09", "x/0612345678",
        "12 345 678 901", "call\n612345678", "telescope 1234567",
        "cell A1 = 12345678", "Tel +49 (0)30 1234567", "Call me tomorrow morning please at 612345678",
        // plain runs that are not national numbers, or are quantities
        "1712345678", "2115551234", "5125936994 ms", r#"{"bytes": 5125936994}"#,
        "size=5125936994", "reach 10000000 users", "contact order 12345678", "12 3456-7890-12", "2024-03 15 16", "0.5 12-34", "00612345678", "06123456", "0612345678901", "1212345678", "12345678901",
    ];

    #[test]
    fn two_numbers_joined_by_a_slash() {
        assert_eq!(spans("Tel/Fax: 0612345678/0698765432"), ["0612345678", "0698765432"]);
        assert!(spans("ratio 123456789/987654321").is_empty(), "not national numbers");
        assert!(spans("2024/2025").is_empty());
    }

    #[test]
    fn measured_misses() {
        check(MEASURED, &[]);
    }

    #[test]
    fn positives() {
        check(POS, &[]);
    }

    #[test]
    fn negatives() {
        check(&[], NEG);
    }

    #[test]
    fn leaves_international_to_patterns() {
        let intl = ["+49 30 1234567", "+1 (415) 555-0132", "tel:+33612345678"];
        check(&[], &intl);
    }

    #[test]
    fn extensions() {
        #[rustfmt::skip]
        let cases = [
            ("555-0132x47459", 8, 14),
            ("555-0132 x 12", 8, 13),
            ("555-0132 ext. 947", 8, 17),
            ("555-0132 ext 12", 8, 15),
            ("555-0132, ext: 4", 8, 16),
            ("555-0132 extension 3", 8, 20),
            ("555-0132 Durchwahl -12", 8, 22),
            ("555-0132 poste 321", 8, 18),
            ("555-0132 #12", 8, 8),
            ("555-0132 extra 12", 8, 8),
            ("555-0132 x", 8, 8),
            ("555-0132 x1234567", 8, 8),
            ("555-0132 ext. 12abc", 8, 8),
            ("555-0132,x12", 8, 8),
            ("555-0132", 8, 8),
        ];
        for (text, end, want) in cases {
            assert_eq!(extension_end(text, end), want, "{text:?}");
        }
    }

    #[test]
    fn several_in_order() {
        let text =
            "Tel 0612345678, 0698765432 / Fax 030 1234567; Büro (08) 8747 6301 — 手机13912345678";
        let want = [
            "0612345678",
            "0698765432",
            "030 1234567",
            "(08) 8747 6301",
            "13912345678",
        ];
        assert_eq!(spans(text), want);
        let mut v = Vec::new();
        find_phones(text, &mut v);
        for w in v.windows(2) {
            assert!(w[0].1 <= w[1].0);
        }
        for &(a, b) in &v {
            assert!(text.is_char_boundary(a) && text.is_char_boundary(b) && a < b);
        }
    }

    #[test]
    fn digit_scan() {
        let text = "abcdefghijklmnopqrstuvwxyz/:;é€9";
        assert_eq!(next_digit(text.as_bytes(), 0), Some(text.len() - 1));
        assert_eq!(next_digit(b"0abc", 1), None);
        assert_eq!(next_digit(b"ab\xff\x39", 0), Some(3));
    }

    /// Mixed prose, JSON, code, SQL and logs without phone numbers.
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
            "Error: connection refused at 10.0.3.17:5432 after 3 retries; backing off 250ms\n",
            r#"{"ts": 1712345678, "duration_ms": 1234567, "version": "1.22.3", "sha": "9f2c1a7"} "#,
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
        let mut out = Vec::new();
        let reps = 5;
        let t = std::time::Instant::now();
        for _ in 0..reps {
            out.clear();
            find_phones(std::hint::black_box(&text), &mut out);
        }
        let secs = t.elapsed().as_secs_f64() / reps as f64;
        let (rate, hits) = (mb / secs, out.len());
        println!("find_phones: {rate:.0} MB/s on {mb:.1} MB ({hits} hits)");
        assert!(out.is_empty(), "{:?}", &out[..out.len().min(5)]);
    }
}

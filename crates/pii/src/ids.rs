//! Customer, user, booking, order, payment, passport and licence identifiers,
//! recognised by a context word before them.
//!
//! In: any UTF-8 text, typically agent traffic, often JSON held as text. Out:
//! byte ranges `(start, end)` of the identifier values, appended left to right,
//! non-overlapping; values are ASCII, so on char boundaries. Only std; nothing
//! is allocated. The span is the value alone: the context words stay readable.
//!
//! * Context (`contexts`), any ASCII case, at a word start: customer, client,
//!   user, account, member(ship), loyalty, frequent flyer, booking, reservation,
//!   confirmation, PNR, record locator, ticket, order, invoice, payment,
//!   transaction, passport, licence, national ID, ID card, tax ID, TIN, NIN,
//!   SIN, patient, MRN, policy, claim, employee, student, case, tracking, and
//!   German, French, Spanish, Italian, Portuguese forms (Kundennummer, commande,
//!   pedido, pasaporte, Führerschein). A space in a context also matches `_`,
//!   `-` or nothing (`frequent_flyer`). The word ends there or goes on with a
//!   marker (`customerId`, `Kundennummer`): "users", "user1" are none.
//! * Then up to four markers (id, no, nr, number, nummer, numéro, n°, ref,
//!   reference, code, locator, key, is, was) across spaces, quotes, `-`, `_`,
//!   `.`, `*`, `|`, `:`, `=`, `#`, `{` after `:`, and JSON escapes but a line
//!   break. `:`, `=`, `#` and the markers but is/was make the value *explicit*.
//! * The value is the next token of 3-30 `A-Za-z0-9-_./` (a UUID may have 36),
//!   trailing `.-_/` dropped, with a digit; after booking, reservation,
//!   confirmation also 5-8 capitals with at most two vowels (PNR "KQWZMT", not
//!   "PENDING"), after PNR and record locator in any case. Groups count as one
//!   value: "WJ 11142152", "NG 89 72 73 B", and when explicit "4132 3073 9849",
//!   "42-39-89 25024754". "TXN-22842-17", "user-95040": the context starts it.
//! * Rejected: plain numbers of fewer than 4 digits if explicit, 5 if not
//!   ("order 66", "order 2024"); decimals, versions, IPs, dates, durations,
//!   amounts before a currency ("15000 EUR"); type and format names ("u64",
//!   "UTF-8"); SPDX names and short values after licence ("Apache-2.0",
//!   "SGI-2"); values glued to `@` or `(`, code paths ("email.policy.x1"), `0x`
//!   literals, a word with a small number ("compat32"); CPU times ("user: 38579,
//!   system: 6986"); when not explicit, a lower-case word ("service-12"), one
//!   lower-case digit ("http2") or lower-case hex of 7 or more (a commit).
//! * Code: a context joined by `_`/`.` to a word that is no marker is code
//!   (`order_items`, `user.name`; `order_id` counts), as is one after `_`, `.`,
//!   `x:` or a hyphenated word that no marker follows (`PACKET_USER: u32`,
//!   "lower-case"; "e-ticket" is fine); `::` and a sentence end stop the search.
//! * "card" counts only as "card ending (in) 4242": the value is the 4 digits,
//!   as after any context ("account ending 1234").
//! * A context filling a header cell of a `|`, `,` or tab table ("| name |
//!   customer_id |", "name,passport_no") announces that column's cells below.
//!
//! Speed: one pass over word starts; a word is compared only when its first
//! three letters can start a context (one table lookup), and values are parsed
//! only in the 40 bytes after a context.

/// What a context accepts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A value with a digit.
    Plain,
    /// Also a PNR of capital letters only.
    Pnr,
    /// Also a PNR of letters only, in either case ("pnr bhxch").
    Locator,
    /// Not an SPDX licence name.
    License,
    /// Only "ending in NNNN".
    Card,
    /// Only with an explicit marker ("Steuer-ID", "Steuernummer").
    Marker,
}

use Kind::{Card, License, Locator, Marker, Plain, Pnr};

/// Context words, lower case, by first letter.
#[rustfmt::skip]
const fn contexts(first: u8) -> &'static [(&'static str, Kind)] {
    match first {
        b'a' => &[("aadhaar", Plain), ("account", Plain), ("acct", Plain), ("auftrags", Plain),
                  ("auftrag", Plain), ("ausweis", Plain)],
        b'b' => &[("badge", Plain), ("booking", Pnr), ("buchungs", Pnr), ("buchung", Pnr),
                  ("bestellung", Plain), ("bestell", Plain)],
        b'c' => &[("customer", Plain), ("cust", Plain), ("client", Plain), ("cliente", Plain),
                  ("confirmation", Pnr), ("commande", Plain), ("compte", Plain), ("cuenta", Plain),
                  ("claim", Plain), ("case", Plain), ("card", Card)],
        b'd' => &[("dni", Plain), ("document", Marker), ("dl", Marker)],
        b'e' => &[("employee", Plain)],
        b'f' => &[("ff", Marker), ("frequent flyer", Plain), ("frequent flier", Plain),
                  ("facture", Plain), ("factura", Plain), ("fattura", Plain),
                  ("führerschein", Plain)],
        b'i' => &[("identity card", Plain), ("id card", Plain), ("invoice", Plain)],
        b'k' => &[("kunden", Plain), ("kunde", Plain), ("konto", Plain)],
        b'l' => &[("loyalty", Plain), ("license", License), ("licence", License),
                  ("licencia", Plain)],
        b'm' => &[("membership", Plain), ("member", Plain), ("mitglieds", Plain),
                  ("mitglied", Plain), ("mitarbeiter", Plain), ("mrn", Plain), ("matrikel", Plain)],
        b'n' => &[("national id", Plain), ("national insurance", Plain), ("nino", Plain),
                  ("nin", Plain), ("nie", Plain), ("nif", Plain)],
        b'o' => &[("order", Plain), ("ordine", Plain)],
        b'p' => &[("passport", Plain), ("passeport", Plain), ("pasaporte", Plain),
                  ("passaporto", Plain), ("passaporte", Plain), ("patient", Plain),
                  ("payment", Plain), ("paiement", Plain), ("pago", Plain), ("pedido", Plain),
                  ("policy", Plain), ("polizza", Plain), ("poliza", Plain), ("póliza", Plain),
                  ("pnr", Locator), ("personalausweis", Plain), ("prenotazione", Pnr),
                  ("permis", Plain), ("po", Plain)],
        b'r' => &[("reservation", Pnr), ("réservation", Pnr), ("reservierung", Pnr),
                  ("reserva", Pnr), ("record locator", Locator), ("record", Marker),
                  ("rechnungs", Plain), ("rechnung", Plain), ("reisepass", Plain)],
        b's' => &[("student", Plain), ("sin", Plain), ("shipment", Plain), ("sendungs", Plain),
                  ("sendung", Plain), ("steuer", Marker), ("staff", Marker)],
        b't' => &[("ticket", Plain), ("tracking", Plain), ("transaction", Plain), ("txn", Plain),
                  ("tin", Plain), ("tax id", Plain), ("taxpayer id", Plain)],
        b'u' => &[("username", Plain), ("user", Plain)],
        b'v' => &[("vat", Marker)],
        b'z' => &[("zahlung", Plain)],
        _ => &[],
    }
}

/// Class of a byte for the prefix filter: a letter 0-25, 26 for a non-ASCII
/// byte, 27 for anything else.
const fn class(b: u8) -> usize {
    if b.is_ascii_alphabetic() {
        ((b | 0x20) - b'a') as usize
    } else if b >= 0x80 {
        26
    } else {
        27
    }
}

/// `PREFIX[f][c]` has bit `class(d)` set when some context can start with
/// the letters f, c, d: most words are dismissed by one lookup.
static PREFIX: [[u32; 28]; 26] = {
    let mut t = [[0u32; 28]; 26];
    let mut f = 0;
    while f < 26 {
        let list = contexts(b'a' + f as u8);
        let mut k = 0;
        while k < list.len() {
            let p = list[k].0.as_bytes();
            let c = class(p[1]);
            if p.len() == 2 {
                t[f][c] = u32::MAX;
            } else if p[2] == b' ' {
                // A flexible space: a separator or the next letter at once.
                t[f][c] |= 1 << 27 | 1 << class(p[3]);
            } else {
                t[f][c] |= 1 << class(p[2]);
            }
            k += 1;
        }
        f += 1;
    }
    t
};

/// How a marker word changes what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// "id", "number", "ref": the value is announced.
    Explicit,
    /// "is", "was": a value may follow, or a word.
    Weak,
    /// "ending", "ends": the last four digits follow.
    Ending,
}

use Mark::{Ending, Explicit, Weak};

#[rustfmt::skip]
const MARKERS: &[(&str, Mark)] = &[
    ("identifier", Explicit), ("id", Explicit), ("number", Explicit), ("nummer", Explicit),
    ("numero", Explicit), ("número", Explicit), ("numéro", Explicit), ("num", Explicit),
    ("nr", Explicit), ("no", Explicit), ("n°", Explicit), ("nº", Explicit), ("reference", Explicit),
    ("référence", Explicit), ("referencia", Explicit), ("riferimento", Explicit), ("ref", Explicit),
    ("code", Explicit), ("código", Explicit), ("codigo", Explicit), ("codice", Explicit),
    ("locator", Explicit), ("key", Explicit), ("is", Weak), ("was", Weak), ("ending", Ending),
    ("ends", Ending),
];

/// Capitalised words that follow "booking" or "reservation" without being a PNR.
const NOT_PNR: &str = "PENDING|CLOSED|FALSE|VALID|READY|HOTEL|FLIGHT|STATUS|NUMBER|CANCEL|TOTAL|\
    PRICE|EMAIL|CHECK|CHANGE|SYSTEM|SEARCH|SELECT|INSERT|STRING|RESULT|RETURN|SCRIPT|FIRST|GUEST|\
    LIMIT|GROUP|WHERE|STATE|PHONE|TRAIN|TRAVEL|REFUND|PAYMENT|CREDIT|DEBIT|SUBMIT|CONFIRM|\
    SUCCESS|ERROR|DRAFT|LOCKED|BLOCKED|UNPAID|STAGED|SYNCED|FLAGGED|SPLIT|SHIPPED|FILLED|MISSING|\
    EXISTS|LISTED|TICKET|RECORD|STRICT|HELLO|THANKS|PLEASE|AGENT|CLIENT|SENT|TABLE|FIELD|VALUE|\
    COUNT|SWITCH|MATCH|FETCH|BATCH|START|STOP|SHOW|LIST|WITH|FROM|INTO|CHARGE";

/// Currencies and units after a number that make it an amount.
const CURRENCIES: &str = "usd|eur|gbp|chf|jpy|cad|aud|inr|cny|sek|nok|dkk|pln|dollars|dollar|\
    euros|euro|pounds|€|$|£|¥|%";

/// Names of formats, algorithms and platforms with digits, lower case, without separators.
const TECH: &str = "utf8|utf16|utf32|sha1|sha224|sha256|sha384|sha512|sha3|md5|base32|base64|x86|\
    x64|x8664|arm64|amd64|aarch64|http2|http3|ipv4|ipv6|oauth2|tls12|tls13|win32|win64|es5|es6|\
    es2015|es2020|latin1|ucs2|crc32|crc64|p256|p384|ed25519|x25519|x509|secp256k1|aes128|aes256|\
    rsa2048|rsa4096|h264|h265|mp3|mp4|k8s|2fa|e164|iso8601|rfc3339|rfc2822|iso88591|cp1252|gpt4|\
    gpt4o|l10n|i18n|a11y|s3|ec2";

/// SPDX licence families, lower case: "license: Apache-2.0" is no licence number.
const SPDX: &str = "apache|gpl|bsd|mit|mpl|cc-by|cc0|epl|isc|zlib|artistic|cddl|eupl|ofl|bsl|\
    sspl|unlicense|wtfpl|osl|afl|python|psf|mulan|unicode|blueoak|upl|w3c|cecill|x11|lppl|zpl|iso";

/// Appends (start, end) of identifiers found by a context word before them, and by their shape.
pub fn find_identifiers(text: &str, out: &mut Vec<(usize, usize)>) {
    let s = text.as_bytes();
    let n = s.len();
    let mut i = 0;
    while i < n {
        let b = s[i];
        if !b.is_ascii_alphanumeric() {
            // A JSON escape such as `\n` separates words like real white space.
            let escape = b == b'\\' && matches!(s.get(i + 1), Some(b'n' | b't' | b'r'));
            i += 1 + usize::from(escape);
            continue;
        }
        let start = i;
        while i < n && s[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let f = b | 0x20;
        if !f.is_ascii_lowercase() || start + 2 >= n {
            continue;
        }
        if PREFIX[(f - b'a') as usize][class(s[start + 1])] & 1 << class(s[start + 2]) == 0 {
            continue;
        }
        // Inside an identifier ("sso_account_id", "PACKET_USER", "request.user")
        // or a hyphenated compound ("lower-case", "Patent-Policy-2004") the
        // context counts only when a marker follows it; "e-ticket" is no compound.
        let inner = start > 0 && matches!(s[start - 1], b'_' | b'.')
            || start > 1 && s[start - 1] == b':' && s[start - 2].is_ascii_alphanumeric()
            || start > 2
                && s[start - 1] == b'-'
                && s[start - 2].is_ascii_alphabetic()
                && s[start - 3].is_ascii_alphabetic();
        for &(pat, kind) in contexts(f) {
            if let Some(ce) = context_at(s, start, pat) {
                if let Some((vs, ve)) = value_after(s, start, ce, kind, inner) {
                    out.push((vs, ve));
                    i = ve;
                } else if let Some(end) = table_column(s, start, markers_end(s, ce), kind, out) {
                    i = end;
                }
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Matching helpers

type Span = (usize, usize);

/// Whether `w` is one of the `|`-separated words of `list`, in any ASCII case.
fn in_list(w: &[u8], list: &str) -> bool {
    list.as_bytes()
        .split(|&b| b == b'|')
        .any(|p| p.eq_ignore_ascii_case(w))
}

/// Length of the run of bytes from `k` that satisfy `f`.
fn run(s: &[u8], k: usize, f: impl Fn(&u8) -> bool) -> usize {
    s.get(k..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| f(b))
        .count()
}

/// Whether the char at `k` belongs to a word: an ASCII letter or digit, or a
/// non-ASCII char other than no-break space and common punctuation.
fn word_char_at(s: &[u8], k: usize) -> bool {
    match s.get(k) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(&0xc2) => !matches!(s.get(k + 1), Some(0xa0 | 0xab | 0xbb | 0xb0 | 0xba | 0xb7)),
        Some(&0xe2) => false,
        Some(_) => true,
    }
}

/// Matches `pat` (lower case) at `i`: ASCII case-insensitively, other bytes
/// exactly; a space in `pat` stands for one of ` `, `_`, `-` or nothing.
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

/// `pat` at `k` as a whole word.
fn word_at(s: &[u8], k: usize, pat: &str) -> Option<usize> {
    match_flex(s, k, pat.as_bytes()).filter(|&e| !word_char_at(s, e))
}

/// A marker at `k`; "n°" and "nº" may touch the value ("n°12345").
fn marker_at(s: &[u8], k: usize) -> Option<(usize, Mark)> {
    if !s.get(k).is_some_and(|b| b"inrclkwe".contains(&(b | 0x20))) {
        return None;
    }
    MARKERS.iter().find_map(|&(pat, m)| {
        let e = match_flex(s, k, pat.as_bytes())?;
        (pat.ends_with(['°', 'º']) || !word_char_at(s, e)).then_some((e, m))
    })
}

/// A context word at `i`, ending at a word end or glued to a marker.
fn context_at(s: &[u8], i: usize, pat: &str) -> Option<usize> {
    let e = match_flex(s, i, pat.as_bytes())?;
    if word_char_at(s, e) && (s[e].is_ascii_digit() || marker_at(s, e).is_none()) {
        return None;
    }
    Some(e)
}

// ---------------------------------------------------------------------------
// Values

/// The value that the context ending at `ce` introduces.
fn value_after(s: &[u8], start: usize, ce: usize, kind: Kind, inner: bool) -> Option<Span> {
    let n = s.len();
    // "TXN-22842-17", "user-95040": the context word starts the identifier.
    // Not a file or a link name ("case-075.parquet", "[policy-4816]").
    if !inner && s.get(ce) == Some(&b'-') && run(s, ce + 1, u8::is_ascii_digit) >= 3 {
        let e = ce + run(s, ce, |b| b.is_ascii_alphanumeric() || *b == b'-');
        let digits = s[ce..e].iter().filter(|b| b.is_ascii_digit()).count();
        let named = matches!(s.get(e), Some(b'.' | b']' | b'_' | b'/')) && word_char_at(s, e + 1);
        let ok = digits >= 5 && !named && !word_char_at(s, e);
        return (ok && valid_value(&s[start..e], kind, true, &s[e..])).then_some((start, e));
    }
    let limit = (ce + 40).min(n);
    let mut k = ce;
    let mut explicit = false;
    let mut ending = false;
    let mut markers = 0;
    let mut open = false;
    loop {
        // Separators; `_` or `.` alone join words of code ("order_items", "user.name").
        let sep_start = k;
        let mut code_join = true;
        while k < limit {
            match s[k] {
                // A sentence ends after the context word: "confirmed by the user. {"id": 4}";
                // after a marker it is an abbreviation: "Order No. 123".
                b'.' if markers == 0 && s.get(k + 1).is_some_and(u8::is_ascii_whitespace) => {
                    return None
                }
                b'_' | b'.' => k += 1,
                b' ' | b'\t' | b'"' | b'\'' | b'-' | b'|' | b'*' => {
                    code_join = false;
                    k += 1;
                }
                // `{` and `[` open a nested record, `"user": {\n "id": "u_83jd92"}`,
                // whose first key may be on the next line.
                b'{' | b'[' if explicit => {
                    (code_join, open) = (false, true);
                    k += 1;
                }
                b'\n' | b'\r' if open => k += 1,
                b'\\' if open && s.get(k + 1) == Some(&b'n') => k += 2,
                // A path of code ("client::Builder", "case Kind::A").
                b':' if s.get(k + 1) == Some(&b':') => return None,
                b':' | b'=' | b'#' => {
                    code_join = false;
                    explicit = true;
                    k += 1;
                }
                b'\\' => match s.get(k + 1) {
                    Some(b'"' | b'\'' | b't' | b'\\') => {
                        code_join = false;
                        k += 2;
                    }
                    _ => return None,
                },
                0xc2 if s.get(k + 1) == Some(&0xa0) => {
                    code_join = false;
                    k += 2;
                }
                _ => break,
            }
        }
        if k >= limit || !s[k].is_ascii_alphanumeric() {
            return None;
        }
        if markers < 4 {
            if let Some((me, m)) = marker_at(s, k) {
                markers += 1;
                match m {
                    Explicit => explicit = true,
                    Weak => {}
                    Ending => ending = true,
                }
                k = me;
                if ending {
                    let w = skip_spaces(s, k);
                    if let Some(e) = ["in", "with", "on"].iter().find_map(|p| word_at(s, w, p)) {
                        k = e;
                    }
                    return last_four(s, k);
                }
                continue;
            }
        }
        if k > sep_start && code_join || inner && markers == 0 {
            return None;
        }
        break;
    }
    if kind == Card || (kind == Marker && !explicit) {
        return None;
    }
    let vs = k;
    let raw_end = vs + run(s, vs, |b| b.is_ascii_alphanumeric() || b"-_./".contains(b)).min(41);
    // An e-mail, a call, a path of code, a time or a port ("S3Client::new",
    // "user=1000:1000"), or a name of code after `_` ("order: __m512i").
    let next = s.get(raw_end + 1).copied().unwrap_or(b' ');
    let colon = s.get(raw_end) == Some(&b':') && (next.is_ascii_digit() || next == b':');
    // Base64 goes on with `+` or `=`: "SharedKey account:G4jjBXA7LI/RnWKI+4Fs=".
    let base64 = matches!(s.get(raw_end), Some(b'+' | b'='));
    let underscored = vs > 1 && s[vs - 1] == b'_' && !s[vs - 2].is_ascii_alphanumeric();
    if matches!(s.get(raw_end), Some(b'@' | b'('))
        || colon
        || base64
        || underscored
        || word_char_at(s, raw_end)
    {
        return None;
    }
    let mut ve = raw_end;
    while ve > vs && matches!(s[ve - 1], b'.' | b'-' | b'_' | b'/') {
        ve -= 1;
    }
    if let Some(e) = spaced_value(s, vs, ve, explicit) {
        return Some((vs, e));
    }
    valid_value(&s[vs..ve], kind, explicit, &s[raw_end..]).then_some((vs, ve))
}

/// Identifiers written in groups: "WJ 11142152", "NG 89 72 73 B", and when
/// announced "4132 3073 9849", "548 845 944", "42-39-89 25024754".
fn spaced_value(s: &[u8], vs: usize, ve: usize, explicit: bool) -> Option<usize> {
    let v = &s[vs..ve];
    let (e, groups) = spaced_groups(s, ve);
    let digits = s[vs..e].iter().filter(|b| b.is_ascii_digit()).count();
    let prefix = v.len() <= 3 && v.iter().all(u8::is_ascii_uppercase);
    let numeric = (3..=4).contains(&v.len()) && v.iter().all(u8::is_ascii_digit);
    let same = numeric
        && s[ve..e]
            .split(|&b| b == b' ')
            .skip(1)
            .all(|g| g.len() == v.len());
    let sort_code = v.len() == 8 && (0..8).all(|k| (k % 3 == 2) == (v[k] == b'-'));
    let ok = prefix || explicit && (same && groups >= 2 || sort_code && groups == 1);
    (groups > 0 && ok && digits >= 5 && e - vs <= 30).then_some(e)
}

/// Groups of digits after single spaces, and maybe one last capital letter.
fn spaced_groups(s: &[u8], mut e: usize) -> (usize, usize) {
    let mut groups = 0;
    while groups < 5 && s.get(e) == Some(&b' ') {
        let g = run(s, e + 1, u8::is_ascii_alphanumeric);
        let group = &s[e + 1..e + 1 + g];
        let letter = g == 1 && group[0].is_ascii_uppercase();
        if !(letter || (1..=8).contains(&g) && group.iter().all(u8::is_ascii_digit))
            || word_char_at(s, e + 1 + g)
        {
            break;
        }
        e += 1 + g;
        groups += 1;
        if letter {
            break;
        }
    }
    (e, groups)
}

/// The end of the markers after a context: "customer_id", "Passport No".
fn markers_end(s: &[u8], ce: usize) -> usize {
    let mut k = ce;
    loop {
        let w = k + run(s, k, |b| b" _-.".contains(b));
        match marker_at(s, w) {
            Some((e, Explicit)) => k = e,
            _ => return k,
        }
    }
}

/// Longest line read as a table header or row: bounds the work on text
/// without line breaks, such as minified JSON.
const MAX_LINE: usize = 1024;

/// Start of the line holding `k` (a JSON escape `\n` ends a line too), when
/// at most MAX_LINE bytes back.
fn line_start(s: &[u8], k: usize) -> Option<usize> {
    let brk = |j: usize| j == 0 || s[j - 1] == b'\n' || j > 1 && s[j - 2..j] == *b"\\n";
    (k.saturating_sub(MAX_LINE)..=k).rev().find(|&j| brk(j))
}

/// End of the line holding `k` (before `\r\n`, `\n` or a `\n` escape), when at
/// most MAX_LINE bytes on.
fn line_end(s: &[u8], k: usize) -> Option<usize> {
    let brk = |j: usize| j == s.len() || b"\r\n".contains(&s[j]) || s[j..].starts_with(b"\\n");
    (k..=(k + MAX_LINE).min(s.len())).find(|&j| brk(j))
}

/// The cell of a `|`, `,` or tab separated header line that holds
/// `start..end` and nothing else: the separator, the column, how many
/// separators a row has, and the end of the line. Every cell of a header is a
/// short label, so code such as `int\torder\t: sort` is no header.
fn header_cell(s: &[u8], start: usize, end: usize) -> Option<(u8, usize, usize, usize)> {
    // First the cheap test: only blanks between the cell and a separator or line break.
    let blank = |b: &u8| b" *\"".contains(b);
    let right = s[end..].iter().find(|b| !blank(b));
    let left = s[..start].iter().rposition(|b| !blank(b));
    let edge = |p: usize| b"|,\t\n".contains(&s[p]) || s[p] == b'n' && p > 0 && s[p - 1] == b'\\';
    if !right.is_none_or(|b| b"|,\t\r\n\\".contains(b)) || !left.is_none_or(edge) {
        return None;
    }
    let (ls, le) = (line_start(s, start)?, line_end(s, end)?);
    let (before, after) = (&s[ls..start], &s[end..le]);
    let label = |b: &u8| b.is_ascii_alphanumeric() || *b >= 0x80 || b" _-./#()*'\"\r".contains(b);
    let blanks = |r: &[u8]| r.iter().all(blank);
    // A markdown table row starts with `|`; "A|B|C" is a regular expression.
    let piped = before.iter().find(|&&b| b != b' ') == Some(&b'|');
    b"|,\t".iter().find_map(|&sep| {
        let lo = before.iter().rposition(|&b| b == sep).map_or(0, |p| p + 1);
        let hi = after.iter().position(|&b| b == sep).unwrap_or(after.len());
        let col = before.iter().filter(|&&b| b == sep).count();
        let seps = col + after.iter().filter(|&&b| b == sep).count();
        let labels = before.iter().chain(after).all(|b| *b == sep || label(b));
        let alone = blanks(&before[lo..]) && blanks(&after[..hi]);
        // A header names two columns or more ("CASE," in a list of keywords is none).
        let other = before[..lo]
            .iter()
            .chain(&after[hi..])
            .any(|b| *b != sep && !blank(b));
        (seps > 0 && (sep != b'|' || piped) && labels && alone && other)
            .then_some((sep, col, seps, le))
    })
}

/// Values in the column of a table whose header cell is a context ("| name |
/// customer_id |", "name,passport_no"): each row's cell is explicit. Returns
/// where the table ends: at the first line with another number of separators.
fn table_column(
    s: &[u8],
    start: usize,
    end: usize,
    kind: Kind,
    out: &mut Vec<Span>,
) -> Option<usize> {
    (kind != Card).then_some(())?;
    let (sep, col, seps, mut p) = header_cell(s, start, end)?;
    while p < s.len() {
        let next = p + if s[p] == b'\n' { 1 } else { 2 };
        let Some(le) = line_end(s, next) else { break };
        let row = &s[next..le];
        if row.iter().filter(|&&b| b == sep).count() != seps {
            break;
        }
        p = le;
        let mut cells = row.split(|&b| b == sep);
        let cs = next + cells.by_ref().take(col).map(|c| c.len() + 1).sum::<usize>();
        let cell = cells.next().unwrap_or_default();
        let vs = cs + run(cell, 0, |&b| b == b' ');
        let v = s[vs..cs + cell.len()].trim_ascii_end();
        let ok = v
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(b));
        if ok && valid_value(v, kind, true, &s[vs + v.len()..]) {
            out.push((vs, vs + v.len()));
        }
    }
    Some(p)
}

fn skip_spaces(s: &[u8], mut k: usize) -> usize {
    while matches!(s.get(k), Some(b' ' | b'\t')) {
        k += 1;
    }
    k
}

/// "ending in 4242", "ending ****4242", "ending xxxx-4242", "ending •••• 4242".
fn last_four(s: &[u8], mut k: usize) -> Option<Span> {
    let limit = (k + 24).min(s.len());
    while k < limit {
        match s[k] {
            b' ' | b'\t' | b':' | b'*' | b'x' | b'X' | b'#' | b'-' | b'.' => k += 1,
            0xe2 if s.get(k + 1) == Some(&0x80) && s.get(k + 2) == Some(&0xa2) => k += 3,
            0xc2 if matches!(s.get(k + 1), Some(0xb7 | 0xa0)) => k += 2,
            _ => break,
        }
    }
    let e = k + run(s, k, u8::is_ascii_digit);
    (e - k == 4 && !word_char_at(s, e)).then_some((k, e))
}

fn valid_value(v: &[u8], kind: Kind, explicit: bool, after: &[u8]) -> bool {
    let len = v.len();
    if len > 30 {
        return is_uuid(v);
    }
    if len < 3 {
        return false;
    }
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let lower = v.iter().filter(|b| b.is_ascii_lowercase()).count();
    if digits == 0 {
        return matches!(kind, Pnr | Locator) && is_pnr(v, kind == Locator);
    }
    if is_dotted_number(v)
        || is_date(v)
        || is_duration(v)
        || is_tech_name(v)
        || cpu_times_after(after)
    {
        return false;
    }
    // Licence numbers are long; "License: SGI-2", "License: Latex2e" name licences.
    if kind == License && (digits < 4 || is_spdx(v)) {
        return false;
    }
    if letters == 0 {
        return digits >= if explicit { 4 } else { 5 } && !amount_after(after);
    }
    // A hex literal or a dotted path of code ("email.policy.compat32") is no identifier.
    let word = |w: &[u8]| w.len() >= 3 && w.iter().all(|b| b.is_ascii_lowercase() || *b == b'_');
    let path = v.split(|&b| b == b'.').any(word);
    if v.contains(&b'.') && path || v.len() > 2 && v[0] == b'0' && v[1] | 0x20 == b'x' {
        return false;
    }
    // Words joined by hyphens are a slug ("base64-of-your-key"), even when announced.
    let words = v
        .split(|&b| b == b'-')
        .filter(|w| w.len() >= 2 && w.iter().all(u8::is_ascii_lowercase));
    if words.count() >= 2 {
        return false;
    }
    // A word with a small number is code or a name ("compat32"), even when announced.
    let word = v.iter().take_while(|b| b.is_ascii_lowercase()).count();
    if word >= 4 && len - word <= 2 && v[word..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    // A type name of code ("T5LayerFF", "S3Client", "Int64Array"): capitalised,
    // alphanumeric, with a lower-case word.
    let word = |w: &[u8]| w[0].is_ascii_uppercase() && w[1..].iter().all(u8::is_ascii_lowercase);
    let typename = v[0].is_ascii_uppercase() && letters + digits == len && v.windows(5).any(word);
    if typename && digits <= 2 {
        return false;
    }
    if explicit {
        return len >= 4 || digits >= 2;
    }
    // Unannounced: no lower-case word ("service-12", "items_2023"), no commit
    // hash ("a51f429"), no constant of code ("ASN1_SUCCESS").
    let hex = v
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    let constant = v.contains(&b'_') && lower == 0 && digits < 3;
    (digits >= 2 || len >= 5 && lower == 0) && !has_lower_word(v) && !(hex && len >= 7) && !constant
}

/// Four lower-case letters in a row.
fn has_lower_word(v: &[u8]) -> bool {
    v.windows(4).any(|w| w.iter().all(u8::is_ascii_lowercase))
}

/// 5-8 capital letters (any letters after "PNR") with at most two vowels, not a
/// common word.
fn is_pnr(v: &[u8], any_case: bool) -> bool {
    let letters = [u8::is_ascii_uppercase, u8::is_ascii_alphabetic][usize::from(any_case)];
    let vowels = v.iter().filter(|b| b"AEIOUaeiou".contains(b)).count();
    // A lower-case word has vowels: "locator offset" is none.
    let most = if v.iter().any(u8::is_ascii_lowercase) {
        1
    } else {
        2
    };
    (5..=8).contains(&v.len()) && v.iter().all(letters) && vowels <= most && !in_list(v, NOT_PNR)
}

/// Decimals, versions and IP addresses: "12.50", "v2.3.1", "10.0.0.1", "1,5".
fn is_dotted_number(v: &[u8]) -> bool {
    let mut body = match v.first() {
        Some(b'v' | b'V') => &v[1..],
        _ => v,
    };
    // A unit after a decimal: "616.7k", "12.5MB".
    let letters = body
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if letters <= 3 {
        body = &body[..body.len() - letters];
    }
    body.iter().any(|b| matches!(b, b'.' | b','))
        && body
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b','))
}

/// Durations as `time` and loggers print them: "0m0.012s", "1h30m", "250ms".
fn is_duration(v: &[u8]) -> bool {
    v[0].is_ascii_digit()
        && v.last().is_some_and(u8::is_ascii_alphabetic)
        && v.iter().all(|b| {
            b.is_ascii_digit() || matches!(b, b'.' | b'h' | b'm' | b's' | b'n' | b'u' | b'd' | b'w')
        })
}

/// CPU times print as "user: 38579, system: 6986" or "user 12345 nice 0".
fn cpu_times_after(after: &[u8]) -> bool {
    let k = run(after, 0, |b| b",\"'".contains(b) || b.is_ascii_whitespace()).min(16);
    ["system", "sys", "nice", "idle"]
        .iter()
        .any(|w| word_at(after, k, w).is_some())
}

/// `2024-03-02`, `03/02/2024`, `2.3.24`: three groups of digits, one separator.
fn is_date(v: &[u8]) -> bool {
    let Some(&sep) = v.iter().find(|b| !b.is_ascii_digit()) else {
        return false;
    };
    if !matches!(sep, b'-' | b'/' | b'.') || v.iter().any(|&b| !b.is_ascii_digit() && b != sep) {
        return false;
    }
    let mut groups = [0usize; 4];
    let mut g = 0;
    for &b in v {
        if b == sep {
            g += 1;
            if g > 2 {
                return false;
            }
        } else {
            groups[g] += 1;
        }
    }
    g == 2 && matches!(groups, [4, 1..=2, 1..=2, _] | [1..=2, 1..=2, 2 | 4, _])
}

/// Type and format names with digits: "u64", "int32", "UTF-8", "SHA-256", "x86_64".
fn is_tech_name(v: &[u8]) -> bool {
    if v.len() > 12 {
        return false;
    }
    let mut buf = [0u8; 12];
    let mut n = 0;
    for &b in v.iter().filter(|b| b.is_ascii_alphanumeric()) {
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    let w = &buf[..n];
    let split = w.iter().position(u8::is_ascii_digit).unwrap_or(n);
    let (name, num) = w.split_at(split);
    let size = |x: &[u8]| matches!(x, b"8" | b"16" | b"32" | b"64" | b"128" | b"256" | b"size");
    let sized = size(num) && in_list(name, "u|i|f|int|uint|float|bfloat|bf|fp|bytes|fixed|crc");
    // A literal with a type suffix ("0u8", "1f32"), a CMake policy ("CMP0077").
    let digits = w.iter().take_while(|b| b.is_ascii_digit()).count();
    let suffix = w.get(digits).is_some_and(|b| b"uif".contains(b));
    let literal = digits > 0 && suffix && size(&w[digits + 1..]);
    let policy = name == b"cmp" && num.len() == 4;
    sized || literal || policy || in_list(w, TECH)
}

/// An SPDX family name, or a dotted version as every SPDX name has ("Foo-2.0");
/// licence numbers have none.
fn is_spdx(v: &[u8]) -> bool {
    let family = |p: &[u8]| v.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p));
    let version = |w: &[u8]| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit();
    SPDX.as_bytes().split(|&b| b == b'|').any(family) || v.windows(3).any(version)
}

fn is_uuid(v: &[u8]) -> bool {
    let dash = |k: usize| matches!(k, 8 | 13 | 18 | 23);
    v.len() == 36
        && (0..36).all(|k| {
            if dash(k) {
                v[k] == b'-'
            } else {
                v[k].is_ascii_hexdigit()
            }
        })
}

/// A currency or percent sign right after a number makes it an amount.
fn amount_after(after: &[u8]) -> bool {
    let rest = &after[skip_spaces(after, 0).min(2)..];
    // The next word, or the next char when it is a sign such as `€` or `%`.
    let len = match rest.first() {
        Some(b) if b.is_ascii_alphabetic() => run(rest, 0, u8::is_ascii_alphabetic),
        Some(_) => 1 + run(rest, 1, |c| c & 0xc0 == 0x80),
        None => 0,
    };
    skip_spaces(after, 0) <= 1 && in_list(&rest[..len], CURRENCIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        find_identifiers(text, &mut v);
        v.iter().map(|&(a, b)| text[a..b].to_string()).collect()
    }

    #[rustfmt::skip]
    const POS: &[&str] = &[
        "Your booking ⟦ZX12Q⟧ is confirmed", "booking ref: ⟦ZX12Q⟧", "customer ID ⟦884213⟧",
        "order #⟦A-10023⟧ shipped", "Order No. ⟦123-4567890-1234567⟧.",
        "passport number ⟦X12345678⟧", "passport: ⟦533380006⟧",
        "driver's license ⟦D1234-5678-9012⟧", "user id = ⟦u_83jd92⟧", "PNR ⟦ABC123⟧",
        "confirmation code is ⟦K7QW2M⟧", r#"{"booking_ref": "⟦ZX12Q⟧"}"#,
        "customer_id=⟦C-88123⟧&x=1", "PNR ⟦KQWZMT⟧", "booking ⟦KQWZMT⟧ for two",
        "record locator: ⟦XJ4PQR⟧", "Kundennummer: ⟦4711-0815⟧", "numéro de client ⟦8842137⟧",
        "número de pedido: ⟦PD-99812⟧", "Bestellnr. ⟦12345678⟧",
        "frequent flyer number ⟦BA12345678⟧", "loyalty ID: ⟦LY-99812⟧", "membership no. ⟦00981234⟧",
        "see ticket #⟦4521⟧", "invoice ⟦INV-2024-0042⟧", "payment ref ⟦PAY_88213⟧",
        "transaction id: ⟦9f8e7d6c5b⟧", "card ending in ⟦4242⟧", "Visa card ending ⟦1881⟧.",
        "card ending with ****⟦4242⟧", "TIN: ⟦12-3456789⟧", "tax ID ⟦DE123456789⟧",
        "national ID: ⟦AB123456C⟧", "ID card no. ⟦CA1234567⟧", "MRN ⟦00123456⟧",
        "patient id: ⟦P-0042⟧", "policy number ⟦POL-2023-88812⟧", "claim #⟦CLM88213⟧",
        "employee ID ⟦E10442⟧", "student ID ⟦s1234567⟧", "case #⟦00012345⟧",
        "tracking number ⟦1Z999AA10123456784⟧", r#"{"orderId":"⟦112-8812341-9912341⟧"}"#,
        r#"{"accountNumber": "⟦DE89370400440532013000⟧"}"#, "réservation n° ⟦88XK21⟧",
        "Führerschein Nr. ⟦B072RRE2I55⟧", "pasaporte: ⟦XDA123456⟧", "account ⟦12345678⟧",
        r#"{\"customer_id\": \"⟦C-88123⟧\"}"#, "user_id=⟦550e8400-e29b-41d4-a716-446655440000⟧",
        "purchase order ⟦PO-77812⟧", "license key: ⟦ABCD-1234-EFGH-5678⟧",
        "log: user=⟦4231⟧ logged in", "Steuer-ID: ⟦12345678901⟧", "account ending in ⟦9921⟧",
        "| Customer ID | ⟦884213⟧ |", "client n°⟦12345⟧", "sso_account_id = ⟦012345678901⟧",
        "STRIPE_CUSTOMER_ID=⟦cus_NffrFeUfNV2Hib⟧",
        "| name | customer_id |\n|---|---|\n| Ann | ⟦CUST-824983⟧ |\n| Bo | ⟦cus_yTYcK4xV6FtFfw⟧ |",
        "name,passport_no\\nAnn,⟦X12345678⟧\\nBo,⟦533380006⟧",
        r#"{"user": {\n  "id": "⟦usr_9xgphtf8qb⟧", "email": "x"}}"#,
        r#""ff_number": "⟦WJ 11142152⟧""#, "national ID ⟦NM 65 31 83 D⟧)", "pnr ⟦bhxch⟧.",
        "account number ⟦42-39-89 25024754⟧.", "ID card number ⟦4132 3073 9849⟧",
        "check charge ⟦TXN-22842-17⟧?", "my account ID ⟦user-95040⟧.", "- **Order #**: ⟦X9TUL⟧",
        "DL#: ⟦EMP-8319⟧", "cust id ⟦C-2025-614942⟧", "Customer # ⟦cus_d06VAqcjbzZrLv⟧?",
    ];

    #[rustfmt::skip]
    const NEG: &[&str] = &[
        "booking confirmed", "check the order status", "call customer service",
        "the user is logged in", "upload a passport photo", "SELECT * FROM t ORDER BY name",
        "ORDER BY id", "user_id = request.user.id", "execute order 66", "account for 3 cases",
        "the user 42 times", "the user 4242 times", "an order in 2024", "order 2024",
        "license: Apache-2.0", r#"license = "MIT OR Apache-2.0""#, "passport 0.7.0",
        "client v2.3.1", "client 192.168.1.20", "invoice 2024-03-02", "payment 12.50",
        "payment 15000 EUR", "BOOKING CONFIRMED", "booking PENDING", "User-Agent: Mozilla/5.0",
        r#"{"order_count": 12345}"#, "ticket 12:30", "customer b2b", "client http2",
        "user1 logged in", "GET /users/12345/orders/67890", "case 3:", "y = sin(45)",
        "an order of 10000 items", "user john123@example.com", "WHERE user_id = $1", "PO Box 1234",
        "card 4242", "card ending soon", "ID card holder",
        "INSERT INTO orders (order_id, user_id) VALUES (1, 2)", "order_items_2023",
        "client_secret=abc123xyz", "x = account.get(id)", "switch (x) { case 404: break; }",
        "customer_v2_table", "the order no longer exists", "license = \"GPL-3.0-or-later\"",
        "user.name2 = 'x'", "steuer 15000", "Ihre Buchungsnummer lautet",
        "pub const PACKET_USER: u32 = 6;", "struct S { ticket: u64, user_id: i64 }",
        "NL80211_RRF_NO_6GHZ_VLP_CLIENT = 4194304,",
        "let c = oauth2::Client::new(client::hyper_014::Builder);", "produce the wrong order #134",
        "convert to lower-case UTF-8 first", "license = \"Unicode-3.0\"", "license: BlueOak-1.0.0",
        "def __init__(self, policy=compat32):", "License: public-domain-md5", "License: SGI-2",
        "License: ISO-1986", "https://www.w3.org/Consortium/Patent-Policy-20040205/#def",
        "Thread #1: lock order \"0x7FF0006D0 before 0x7FF0006A0\"", "in this case a51f429",
        "EvC 414.79M, TIn 616.7k, TOut 0.5k", "real\t0m0.015s\nuser\t0m0.012s\nsys\t0m0.003s",
        "// { user: 38579, system: 6986 }", "user 0.25 system 0.01 elapsed 0:00.27",
        "x-amz-server-side-encryption-customer-key-md5",
        "pub const IORING_MEM_REGION_TYPE_USER: _bindgen_ty_4 = 1;",
        "docker run --user=1000:1000 app", "deploy user-service-12 now",
        "self.client = Client(api_key=k)", "pnr status",
        "SELECT user_id, name\nFROM t WHERE x IN (a, b)",
        "int\torder\t: sort\nint\tver11\t: document", r#"confirmed by the user. {"id": 48213}"#,
        "FF      = 0x0c  # ^L", "policy = email.policy.compat32", "'fe80::5054:ff:fe9'",
        "cpu: { user: 248450,\n nice: 0 }", "switch (r) { case ASN1_SUCCESS: break; }", "r'SIN|COS|TAN|'\n r'MIN|E|LN2|LN10'",
        "policy_identifier={0.policy_identifier}", "let client = S3Client::new(&config);",
        "ff: T5LayerFF,", "let mut order = [0u8; 64];", "if(POLICY CMP0077)", "Design Document: CRC-16",
        "reversed order: [n-1, n-2]", "fn f(order: __m512i)",
    ];

    /// Each case yields exactly the spans marked with ⟦ ⟧ (none for a negative
    /// case); all failures are reported at once.
    #[test]
    fn identifiers() {
        assert!(POS.len() >= 40 && NEG.len() >= 25);
        let mut bad = Vec::new();
        for case in POS.iter().chain(NEG) {
            let text = case.replace(['⟦', '⟧'], "");
            let want: Vec<_> = case
                .split('⟦')
                .skip(1)
                .map(|p| &p[..p.find('⟧').unwrap()])
                .collect();
            let got = spans(&text);
            if got != want {
                bad.push(format!("{text:?}: want {want:?}, got {got:?}"));
            }
        }
        assert!(bad.is_empty(), "failures:\n{}", bad.join("\n"));
    }

    #[test]
    fn several_in_order_and_char_boundaries() {
        let text = "Kunde «Müller», Kundennr. 884213 — booking ref ZX12Q; order #A-10023, card ending 4242.";
        assert_eq!(spans(text), ["884213", "ZX12Q", "A-10023", "4242"]);
        let mut v = Vec::new();
        find_identifiers(text, &mut v);
        for w in v.windows(2) {
            assert!(w[0].1 <= w[1].0);
        }
        assert!(v
            .iter()
            .all(|&(a, b)| text.is_char_boundary(a) && text.is_char_boundary(b)));
    }

    /// Spans are ordered, disjoint, non-empty and on char boundaries, and nothing
    /// panics, on text stitched from tricky pieces.
    #[test]
    fn invariants_on_generated_text() {
        #[rustfmt::skip]
        const PIECES: &[&str] = &[
            "order", "#", "ID", "_", "booking", "ZX12Q", "card ending ", "4242", "é", "\u{a0}", "—", "n°",
            "x", "0x", "ü", "12", "user", "=", "::", "(", "kunden", "nummer", "\\n", "\\", "\"", "'", " ",
            ".", "-", "|", ",", "\n", "{", "customer_id", "pnr ", "WJ", " 1234", "txn-123", "name,", "42-39-89",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..40_000 {
            let mut text = String::new();
            for _ in 0..1 + round % 14 {
                seed = seed.wrapping_mul(0x5851_f42d_4c95_7f2d).wrapping_add(1);
                text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            let mut v = Vec::new();
            find_identifiers(&text, &mut v);
            let ordered = v.windows(2).all(|w| w[0].1 <= w[1].0);
            let bounds = v
                .iter()
                .all(|&(a, b)| a < b && text.is_char_boundary(a) && text.is_char_boundary(b));
            assert!(ordered && bounds, "{text:?}: {v:?}");
        }
    }

    /// Mixed prose, JSON, code, SQL and logs, with context words but no identifiers.
    const CORPUS: &str = concat!(
        "The customer service team reviewed the order status; the booking was confirmed by the user. ",
        r#"{"id": 48213, "status": "ok", "created_at": "2024-03-02T10:11:12Z", "items": [1, 2]} "#,
        "fn main() { let order = vec![3, 1, 2]; for x in order.iter() { println!(\"{x}\"); } }\n",
        "SELECT id, name FROM users WHERE created > '2024-01-01' ORDER BY id LIMIT 50;\n",
        "2024-03-02 12:00:01 INFO worker-7 processed 1532 messages in 84 ms (p99 12 ms)\n",
        "Der Bericht wurde am Montag verschickt; die Daten kommen aus dem Lager in Bremen. ",
        "Le document décrit la procédure de gestion des données pour les équipes. ",
        "user_id = request.user.id; account.balance += payment.amount; ticket.close()\n",
        r#"{"role": "assistant", "content": "Done. I updated 3 files; 214 tests passed."} "#,
        "Error: connection refused at db.internal:5432 after 3 retries; backing off 250ms\n",
    );

    #[test]
    #[ignore]
    fn speed() {
        let text = CORPUS.repeat((20 << 20) / CORPUS.len());
        let mb = text.len() as f64 / 1e6;
        let mut out = Vec::new();
        let t = std::time::Instant::now();
        for _ in 0..5 {
            out.clear();
            find_identifiers(std::hint::black_box(&text), &mut out);
        }
        let secs = t.elapsed().as_secs_f64() / 5.0;
        println!(
            "find_identifiers: {:.0} MB/s on {mb:.1} MB ({} hits)",
            mb / secs,
            out.len()
        );
    }
}

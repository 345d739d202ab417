//! Customer, user, booking, order, passport, licence and national
//! identifiers, recognised by a context word before them or by their shape and
//! check digits.
//!
//! In: any UTF-8 text, typically agent traffic, often JSON held as text. Out:
//! byte ranges `(start, end)` of the identifier values, appended left to right,
//! non-overlapping; values are ASCII, so on char boundaries. Only std; nothing
//! is allocated. The span is the value alone: the context words stay readable.
//!
//! * Context (`contexts`), any ASCII case, at a word start: customer, client,
//!   user, account, member(ship), loyalty, frequent flyer, miles, booking,
//!   reservation, confirmation, PNR, record locator, ref, ticket, order,
//!   payment, transaction, passport, PP, licence, national ID, ID card, tax
//!   ID, TIN, NIN, SIN, patient, MRN, policy, claim, employee, student, case,
//!   tracking, and German, French, Spanish, Italian, Portuguese forms
//!   (Kundennummer, commande, pedido, pasaporte, Führerschein). A space in a
//!   context also matches `_`, `-` or nothing (`frequent_flyer`). The word ends
//!   there or goes on with a marker (`customerId`, `Kundennummer`): "users",
//!   "user1" are none.
//! * Then up to four markers (id, no, nr, number, nummer, numéro, n°, ref,
//!   reference, code, locator, key, is, was) across spaces, quotes, `-`, `_`,
//!   `.`, `*`, `|`, `:`, `=`, `#`, `{` after `:`, and JSON escapes but a line
//!   break. `:`, `=`, `#` and the markers but is/was make the value *explicit*.
//! * The value is the next token of 3-30 `A-Za-z0-9-_./` (a UUID may have 36),
//!   trailing `.-_/` dropped, with a digit; after booking, reservation,
//!   confirmation also 5-8 capitals with at most two vowels (PNR "KQWZMT", not
//!   "PENDING"), after PNR and record locator in any case. Groups count as one
//!   value: "WJ 11142152", "NG 89 72 73 B", and when explicit "4132 3073 9849",
//!   "42-39-89 25024754"; loyalty numbers also unannounced ("209 505 536").
//!   "TXN-22842-17", "user-95040": the context starts it.
//! * Plates: after "plate" or "Kennzeichen", a registration of 4-9 capitals and
//!   digits, one run or up to three groups ("785 ECC", "B-AB 1234", "7ABC123").
//! * Narrow contexts: a bare "ref" takes only a 6-character PNR ("K7QW2M"),
//!   "PP" only a passport number of 6-9 capitals and digits, "miles" only after
//!   a marker word ("miles number"). A ticket is an airline e-ticket (13 digits,
//!   "125-6144286680"): support tickets ("HR-2052") and invoices identify no
//!   person, so they count only right after a person word ("customer ticket").
//! * Rejected: plain numbers of fewer than 4 digits if explicit, 5 if not
//!   ("order 66", "order 2024"); decimals, versions, IPs, dates, durations,
//!   amounts before a currency ("15000 EUR"); type, format and model names
//!   ("u64", "UTF-8", "gpt-4o-2024-08-06"); SPDX names and short values after
//!   licence ("Apache-2.0", "SGI-2"); values glued to `@` or `(`, code paths
//!   ("email.policy.x1"), `0x` literals, a word with a small number
//!   ("compat32"); CPU times ("user: 38579, system: 6986"); when not explicit, a
//!   lower-case word ("service-12"), one lower-case digit ("http2") or
//!   lower-case hex of 7 or more (a commit).
//! * Code: a context joined by `_`/`.` to a word that is no marker is code
//!   (`order_items`, `user.name`; `order_id` counts), as is one after `_`, `.`,
//!   `x:` or a hyphenated word that no marker follows (`PACKET_USER: u32`,
//!   "lower-case"; "e-ticket" is fine); `::` and a sentence end stop the search.
//! * "ending (in) 1234" after a context gives the 4 digits ("account ending
//!   1234"); a card's last four digits identify no one, so "card" is no context.
//! * A context filling a header cell of a `|`, `,` or tab table ("| name |
//!   customer_id |", "name,passport_no") announces that column's cells below.
//! * National identifiers by shape and check digits (`national_at`), with or
//!   without a context word: TC Kimlik No, codice fiscale, UK NINO, DNI, NIE,
//!   Chinese resident ID, CPF as `123.456.789-09`, Aadhaar as `2345 6789 0124`,
//!   NIR as `1 84 12 76 451 089 46`. Where the check is weak for a bare number
//!   (BSN, Aadhaar, NIR, My Number, PESEL, CPF, NHS) a context word in the 48
//!   bytes before it on the same line is needed as well.
//!
//! Speed: one pass over word starts; a word is compared only when its first
//! three letters can start a context (one table lookup), values are parsed
//! only in the 40 bytes after a context, and a number or capitalised word is
//! parsed for a national shape only when its length and the next byte fit one.

use crate::text::{header_cell, in_list, line_end, line_start, match_flex, word_at, word_char_at};

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
    /// Only with an explicit marker ("Steuer-ID", "Steuernummer").
    Marker,
    /// Only a 6-character PNR: "ref" alone is common in code ("ref: refs/heads/main").
    Ref,
    /// Only a passport number: "PP" also means pages or pretty-print.
    Pp,
    /// Also unannounced groups of digits ("loyalty 209 505 536").
    Loyalty,
    /// Only after a marker word: "miles: 45000" is a distance or a balance.
    Miles,
    /// A support ticket ("HR-2052") names no one: only an airline e-ticket
    /// number, or anything right after a person word ("customer ticket").
    Ticket,
    /// An invoice names no one: only right after a person word.
    Invoice,
    /// A vehicle's registration: letters and digits in up to three short
    /// groups ("785 ECC", "B-AB 1234", "AB12 CDE").
    Plate,
    /// A context that is itself a number word ("客户编号", "номер заказа"):
    /// the value is announced.
    Numbered,
    /// A login or user name: also a word with digits, `_` or `.` in it
    /// ("darkstar50", "k.tanaka", "lucia_m"), which elsewhere reads as code.
    Handle,
}

use Kind::{Handle, Invoice, License, Locator, Loyalty, Marker, Miles, Numbered, Plain, Plate, Pnr, Pp, Ref, Ticket};

/// Context words, lower case, by first letter.
#[rustfmt::skip]
const fn contexts(first: u8) -> &'static [(&'static str, Kind)] {
    match first {
        b'a' => &[("aadhaar", Plain), ("account", Plain), ("acct", Plain), ("auftrags", Plain),
                  ("auftrag", Plain), ("ausweis", Plain), ("aadvantage", Loyalty), ("ahv", Plain), ("asiakas", Plain)],
        b'b' => &[("badge", Plain), ("booking", Pnr), ("boekings", Pnr), ("boeking", Pnr), ("buchungs", Pnr), ("buchung", Pnr),
                  ("bestellung", Plain), ("bestell", Plain), ("bestel", Plain), ("benefits", Marker),
                  ("benefit", Marker)],
        b'c' => &[("customer", Plain), ("cust", Plain), ("client", Plain), ("cliente", Plain),
                  ("confirmation", Pnr), ("commande", Plain), ("compte", Plain), ("cuenta", Plain),
                  ("claim", Plain), ("case", Plain), ("cnp", Plain), ("curp", Plain), ("cuit", Plain),
                  ("cuil", Plain), ("claimant", Plain), ("contrato", Plain), ("contrat", Plain),
                  ("contract", Marker), ("conto", Plain), ("charge", Marker), ("carnet de conducir", Plain)],
        b'd' => &[("dni", Plain), ("document", Marker), ("dl", Marker), ("de police", Plain), ("dossier", Plain)],
        b'e' => &[("employee", Plain), ("eticket", Ticket), ("etkt", Ticket), ("egn", Plain), ("emp", Marker), ("ein", Marker),
                  ("empleado", Plain), ("etudiant", Plain)],
        b'f' => &[("ff", Marker), ("fiscal", Plain), ("frequent flyer", Loyalty), ("frequent flier", Loyalty),
                  ("facture", Invoice), ("factura", Invoice), ("fattura", Invoice),
                  ("führerschein", Plain)],
        b'h' => &[("henkilötunnus", Plain), ("hetu", Plain), ("health card", Plain), ("health insurance", Plain),
                  ("hesap", Plain), ("hospital", Marker), ("historia clínica", Plain), ("historia clinica", Plain)],
        b'i' => &[("identity card", Plain), ("identity number", Plain), ("identification number", Plain),
                  ("id card", Plain), ("id number", Plain), ("invoice", Invoice), ("isikukood", Plain),
                  ("insurance", Marker)],
        b'k' => &[("kunden", Plain), ("kunde", Plain), ("konto", Plain), ("kennzeichen", Plate),
                  ("kund", Plain), ("klant", Plain), ("klienta", Plain), ("konta", Plain)],
        b'l' => &[("loyalty", Loyalty), ("license", License), ("licence", License),
                  ("licencia", Plain), ("localizador", Pnr), ("login", Handle)],
        b'm' => &[("membership", Plain), ("member", Plain), ("mitglieds", Plain),
                  ("mitglied", Plain), ("mitarbeiter", Plain), ("mrn", Plain), ("matrikel", Plain),
                  ("miles", Miles), ("mileage", Miles), ("medicare", Plain), ("medicaid", Plain),
                  ("matricula", Plain), ("matrícula", Plain), ("matricule", Plain), ("müşteri", Plain),
                  ("musteri", Plain)],
        b'n' => &[("national id", Plain), ("national insurance", Plain), ("nino", Plain),
                  ("nin", Plain), ("nie", Plain), ("nif", Plain), ("nric", Plain)],
        b'o' => &[("order", Plain), ("ordine", Plain), ("oib", Plain)],
        b'p' => &[("passport", Plain), ("passeport", Plain), ("pasaporte", Plain),
                  ("passaporto", Plain), ("passaporte", Plain), ("patient", Plain),
                  ("payment", Plain), ("paiement", Plain), ("pago", Plain), ("pedido", Plain),
                  ("policy", Plain), ("polizza", Plain), ("poliza", Plain), ("póliza", Plain),
                  ("pnr", Locator), ("personalausweis", Plain), ("prenotazione", Pnr),
                  ("permis de conduire", Plain), ("permis", Plain), ("po", Plain), ("pp", Pp), ("plate", Plate),
                  ("personal code", Plain), ("personal number", Plain), ("personal id", Plain),
                  ("personnummer", Plain), ("pan card", Plain), ("pan", Marker),
                  ("patienten", Plain), ("personal", Marker), ("player", Plain), ("polis", Plain)],
        b'r' => &[("reservation", Pnr), ("réservation", Pnr), ("reservierung", Pnr),
                  ("reserva", Pnr), ("record locator", Locator), ("record", Marker),
                  ("rechnungs", Invoice), ("rechnung", Invoice), ("reisepass", Plain),
                  ("ref", Ref), ("resident registration", Plain), ("rekening", Plain),
                  ("rewards", Marker), ("refund", Marker), ("rezervasyon", Pnr)],
        b's' => &[("student", Plain), ("sin", Plain), ("shipment", Plain), ("sendungs", Plain),
                  ("sendung", Plain), ("steuer", Marker), ("staff", Marker), ("skymiles", Loyalty),
                  ("schaden", Marker), ("siniestro", Plain), ("sinistre", Plain), ("sipariş", Plain),
                  ("siparis", Plain), ("socio", Plain), ("subscriber", Plain)],
        b't' => &[("ticket", Ticket), ("tkt", Ticket), ("tracking", Plain), ("transaction", Plain),
                  ("txn", Plain), ("tin", Plain), ("tax id", Plain), ("taxpayer id", Plain), ("tfn", Plain),
                  ("taxpayer", Plain), ("tenancy", Plain)],
        b'u' => &[("username", Handle), ("user handle", Handle), ("user", Plain)],
        b'v' => &[("vat", Marker), ("voter", Marker), ("versicherungs", Marker), ("vertrags", Marker),
                  ("vertrag", Marker)],
        b'z' => &[("zahlung", Plain)],
        _ => &[],
    }
}

/// ASCII letters and digits, by byte: one load per byte in the scanning loop,
/// which the compiler otherwise turns into range tests.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

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
    ("locator", Explicit), ("key", Explicit), ("plate", Explicit), ("numarası", Explicit),
    ("numarasi", Explicit), ("numer", Explicit), ("kodu", Explicit), ("nro", Explicit), ("handle", Explicit), ("is", Weak), ("was", Weak), ("ending", Ending),
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
        if !ALNUM[b as usize] {
            // A JSON escape such as `\n` separates words like real white space.
            let escape = b == b'\\' && matches!(s.get(i + 1), Some(b'n' | b't' | b'r'));
            i += 1 + usize::from(escape);
            continue;
        }
        let start = i;
        while i < n && ALNUM[s[i] as usize] {
            i += 1;
        }
        // A national identifier starts with a digit or a capital, or is a
        // codice fiscale of 16; `national_at` screens by length first.
        if b.is_ascii_digit() || b.is_ascii_uppercase() || i - start == 16 {
            if let Some(e) = national_at(s, start, i) {
                out.push((start, e));
                i = e;
                continue;
            }
        }
        if b.is_ascii_lowercase() && i - start <= 4 && s.get(i) == Some(&b'_') {
            if let Some(e) = object_id_at(s, start, i) {
                out.push((start, e));
                i = e;
                continue;
            }
        }
        let f = b | 0x20;
        if !f.is_ascii_lowercase() || start + 2 >= n {
            continue;
        }
        // A context word: only when its first three letters can start one.
        if PREFIX[(f - b'a') as usize][class(s[start + 1])] & 1 << class(s[start + 2]) == 0 {
            continue;
        }
        if let Some(end) = context_word(s, start, f, out) {
            i = i.max(end);
        }
    }
    scripts::find_script_contexts(text, out);
}

/// Prefixes of payment platforms' object ids: customers, charges, refunds,
/// payment intents and methods, subscriptions, accounts, invoices, sources.
const OBJECT_PREFIXES: &str = "cus|ch|re|pi|py|pm|sub|acct|in|txn|src|seti|si|ba|card|tok|cs|po|ii|iv";

/// A payment platform's object id at `start`, whose prefix word ends at `we`:
/// the prefix, `_`, and 14-64 random letters and digits ("cus_NffrFeUfNV2Hib",
/// "pi_3MtwBwLkdIwHu7ix28a3tqPa"). Random means the run changes between
/// capitals, small letters and digits in a third of its places, which names of
/// code ("re_UserProfileHandler") do not.
fn object_id_at(s: &[u8], start: usize, we: usize) -> Option<usize> {
    if start > 0 && (s[start - 1].is_ascii_alphanumeric() || s[start - 1] == b'_') || !in_list(&s[start..we], OBJECT_PREFIXES) {
        return None;
    }
    let vs = we + 1;
    let n = run(s, vs, u8::is_ascii_alphanumeric);
    let e = vs + n;
    if !(14..=64).contains(&n) || word_char_at(s, e) || s.get(e) == Some(&b'_') {
        return None;
    }
    let class = |b: &u8| (b.is_ascii_uppercase(), b.is_ascii_lowercase());
    let changes = s[vs..e].windows(2).filter(|w| class(&w[0]) != class(&w[1])).count();
    let capitals = s[vs..e].iter().filter(|b| b.is_ascii_uppercase()).count();
    (changes * 3 >= n && capitals >= 2).then_some(e)
}

/// The context word at `start`, if any, with its value or table column
/// appended to `out`: where the search goes on.
fn context_word(s: &[u8], start: usize, f: u8, out: &mut Vec<Span>) -> Option<usize> {
    let (ce, kind) = contexts(f)
        .iter()
        .find_map(|&(pat, kind)| Some((context_at(s, start, pat)?, kind)))?;
    // Inside an identifier ("sso_account_id", "PACKET_USER", "request.user")
    // or a hyphenated compound ("lower-case", "Patent-Policy-2004") the
    // context counts only when a marker follows it; "e-ticket" is no compound.
    let inner = start > 0 && matches!(s[start - 1], b'_' | b'.')
        || start > 1 && s[start - 1] == b':' && s[start - 2].is_ascii_alphanumeric()
        || start > 2
            && s[start - 1] == b'-'
            && s[start - 2].is_ascii_alphabetic()
            && s[start - 3].is_ascii_alphabetic();
    if let Some((vs, ve)) = value_after(s, start, ce, kind, inner) {
        out.push((vs, ve));
        return Some(ve);
    }
    table_column(s, start, markers_end(s, ce), kind, out).or(Some(start))
}

// ---------------------------------------------------------------------------
// Matching helpers

type Span = (usize, usize);

/// Length of the run of bytes from `k` that satisfy `f`.
fn run(s: &[u8], k: usize, f: impl Fn(&u8) -> bool) -> usize {
    s.get(k..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| f(b))
        .count()
}

/// A marker at `k`; "n°" and "nº" may touch the value ("n°12345").
fn marker_at(s: &[u8], k: usize) -> Option<(usize, Mark)> {
    if !s.get(k).is_some_and(|b| b"inrclkweh".contains(&(b | 0x20))) {
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
    // Contexts that take narrow values: no "ticket-12345", "ref ending 1234".
    let strict = matches!(kind, Ref | Pp | Ticket | Invoice);
    // "TXN-22842-17", "user-95040": the context word starts the identifier.
    // Not a file or a link name ("case-075.parquet", "[policy-4816]").
    if !inner && !strict && kind != Numbered && s.get(ce) == Some(&b'-') && run(s, ce + 1, u8::is_ascii_digit) >= 3 {
        let e = ce + run(s, ce, |b| b.is_ascii_alphanumeric() || *b == b'-');
        let digits = s[ce..e].iter().filter(|b| b.is_ascii_digit()).count();
        let named = matches!(s.get(e), Some(b'.' | b']' | b'_' | b'/')) && word_char_at(s, e + 1);
        let ok = digits >= 5 && !named && !word_char_at(s, e);
        return (ok && valid_value(&s[start..e], kind, true, &s[e..])).then_some((start, e));
    }
    let limit = (ce + 40).min(n);
    let mut k = ce;
    let mut explicit = kind == Numbered;
    // A marker word or `#`, as "miles" needs.
    let mut named = false;
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
                // after a marker, or before one, it is an abbreviation: "Order No. 123", "cust. no. 4".
                b'.' if markers == 0
                    && s.get(k + 1).is_some_and(u8::is_ascii_whitespace)
                    && marker_at(s, skip_spaces(s, k + 1)).is_none_or(|(_, m)| m != Explicit) =>
                {
                    return None
                }
                b'_' | b'.' => k += 1,
                b' ' | b'\t' | b'"' | b'\'' | b'-' | b'|' | b'*' => {
                    code_join = false;
                    k += 1;
                }
                // "my booking reference (MAF5DP)": after a space; "order(3)" is a call.
                b'(' if k > ce && s[k - 1] == b' ' => {
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
                    named |= s[k] == b'#';
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
                    Explicit => (explicit, named) = (true, true),
                    Weak => {}
                    Ending => ending = true,
                }
                k = me;
                if ending {
                    if strict {
                        return None;
                    }
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
    if kind == Marker && !explicit || kind == Miles && !named {
        return None;
    }
    let vs = k;
    // A ticket is an airline e-ticket, or like an invoice a person's record
    // only right after a person word.
    if matches!(kind, Ticket | Invoice) {
        if let Some(e) = eticket_at(s, vs).filter(|_| kind == Ticket) {
            return Some((vs, e));
        }
        if !person_before(s, start) {
            return None;
        }
    }
    if kind == Plate {
        return plate_at(s, vs).map(|e| (vs, e));
    }
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
    let loyalty = matches!(kind, Loyalty | Miles);
    if let Some(e) =
        spaced_value(s, vs, ve, explicit, loyalty).filter(|_| !matches!(kind, Ref | Pp))
    {
        return Some((vs, e));
    }
    valid_value(&s[vs..ve], kind, explicit, &s[raw_end..]).then_some((vs, ve))
}

/// A registration plate at `vs`: one run of up to 8 capitals and digits, or
/// up to three groups of up to 5 joined by one space or `-`; 4-9 of them in
/// all, with a letter and a digit.
fn plate_at(s: &[u8], vs: usize) -> Option<usize> {
    let (mut e, mut groups, mut chars) = (vs, 0, 0);
    let (mut digit, mut letter) = (false, false);
    loop {
        let g = run(s, e, |b| b.is_ascii_digit() || b.is_ascii_uppercase());
        // One group of up to 8 (`7ABC123`), or groups of up to 5 (`1I EU717`).
        let joined = matches!(s.get(e + g), Some(b' ' | b'-')) && s.get(e + g + 1).is_some_and(|b| b.is_ascii_alphanumeric());
        if g == 0 || g > if groups == 0 && !joined { 8 } else { 5 } || word_char_at(s, e + g) && !matches!(s.get(e + g), Some(b' ' | b'-')) {
            break;
        }
        digit |= s[e..e + g].iter().any(u8::is_ascii_digit);
        letter |= s[e..e + g].iter().any(u8::is_ascii_uppercase);
        (chars, groups) = (chars + g, groups + 1);
        let end = e + g;
        let next = end + 1;
        if groups == 3 || !matches!(s.get(end), Some(b' ' | b'-')) || !s.get(next).is_some_and(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
            e = end;
            break;
        }
        e = next;
    }
    while e > vs && matches!(s[e - 1], b' ' | b'-') {
        e -= 1;
    }
    ((4..=9).contains(&chars) && digit && letter && !word_char_at(s, e)).then_some(e)
}

/// Identifiers written in groups: "WJ 11142152", "NG 89 72 73 B", and when
/// announced "4132 3073 9849", "548 845 944", "42-39-89 25024754"; loyalty
/// numbers in groups of 2-5 digits even unannounced ("209 505 536").
fn spaced_value(s: &[u8], vs: usize, ve: usize, explicit: bool, loyalty: bool) -> Option<usize> {
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
    let short = |g: &[u8]| (2..=5).contains(&g.len()) && g.iter().all(u8::is_ascii_digit);
    let loose = loyalty && short(v) && s[ve..e].split(|&b| b == b' ').skip(1).all(short);
    // Announced numbers in groups of another size: a series then a number
    // (`51 79 820777`, RU passports), `584 412 233`.
    let mixed = numeric_groups(s, vs, e, 2..=6) && (6..=16).contains(&digits);
    let ok = prefix
        || explicit && (same && groups >= 2 || sort_code && groups == 1 || mixed && groups >= 1)
        || loose && digits >= 6;
    (groups > 0 && ok && digits >= 5 && e - vs <= 30).then_some(e)
}

/// `vs..e` is digits only, in groups whose sizes lie in `sizes`, joined by single spaces.
fn numeric_groups(s: &[u8], vs: usize, e: usize, sizes: std::ops::RangeInclusive<usize>) -> bool {
    s[vs..e].split(|&b| b == b' ').all(|g| sizes.contains(&g.len()) && g.iter().all(u8::is_ascii_digit))
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
    (kind != Invoice).then_some(())?;
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
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(b))
            && (kind != Ticket || eticket_at(s, vs) == Some(vs + v.len()));
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

/// Words for a person that make the ticket or invoice named right after them
/// the person's record ("customer ticket HR-2052", "the user's invoice").
const PERSON: &str = "customer|client|user|account|booking|order|passport|licence|license|\
    patient|member|policy|claim";

/// Whether a person word, maybe plural or possessive, comes right before the
/// word at `start`, across a space, `_` or `-`.
fn person_before(s: &[u8], start: usize) -> bool {
    let back = |end: usize, f: fn(&u8) -> bool| s[..end].iter().rev().take_while(|b| f(b)).count();
    let gap = back(start, |b| b" _-".contains(b));
    let mut k = start - gap;
    k -= if s[..k].ends_with(b"'s") {
        2
    } else {
        usize::from(s[..k].ends_with(b"'"))
    };
    let w = &s[k - back(k, u8::is_ascii_alphabetic)..k];
    let singular = w.strip_suffix(b"s").unwrap_or(w);
    (1..=2).contains(&gap) && (in_list(w, PERSON) || in_list(singular, PERSON))
}

/// An airline e-ticket number at `k`: 13 digits, a 3-digit airline code and a
/// 10-digit serial, the code maybe set off by `-` or a space ("125-6144286680").
fn eticket_at(s: &[u8], k: usize) -> Option<usize> {
    let split =
        matches!(s.get(k + 3), Some(b'-' | b' ')) && run(s, k + 4, u8::is_ascii_digit) == 10;
    let e = match run(s, k, u8::is_ascii_digit) {
        13 => k + 13,
        3 if split => k + 14,
        _ => return None,
    };
    (!word_char_at(s, e) && !matches!(s.get(e), Some(b'@' | b'_'))).then_some(e)
}

/// After a bare "ref": six capitals and digits, two letters or more ("K7QW2M"),
/// or six capitals that read as no word.
fn is_pnr6(v: &[u8]) -> bool {
    let letters = v.iter().filter(|b| b.is_ascii_uppercase()).count();
    v.len() == 6
        && letters + v.iter().filter(|b| b.is_ascii_digit()).count() == 6
        && letters >= 2
        && (letters < 6 || is_pnr(v, false))
}

/// After "PP": 6-9 capitals and digits, at most two letters ("823224197").
fn is_short_passport(v: &[u8]) -> bool {
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = v.iter().filter(|b| b.is_ascii_uppercase()).count();
    (6..=9).contains(&v.len()) && digits + letters == v.len() && letters <= 2
}

/// Families of language models, lower case: "claude-sonnet-4-20250514",
/// "gpt-4o-2024-08-06" and "llama-3.1-70b" carry numbers but name no one.
const MODELS: &str = "claude|gpt|chatgpt|llama|codellama|mistral|mixtral|codestral|ministral|\
    gemini|gemma|qwen|qwq|phi|deepseek|davinci|babbage|whisper|dall|falcon|grok|sonnet|opus|\
    haiku|titan|jamba|olmo|starcoder|granite|vicuna|palm|glm|chatglm|yi|nemotron|mpt|bloom|\
    pythia|dbrx|ernie|kimi|minimax|internlm|baichuan|tts|sora";

/// A model name: a family then `-` or a digit ("gpt-4o", "llama3"; in capitals
/// only GPT, as "PHI-12345" may be an identifier), OpenAI's "o1"/"o3-mini",
/// or a size such as "70b" alone or after a lower-case name ("mistral-8x7b").
fn is_model_name(v: &[u8]) -> bool {
    let fam = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let then = v.get(fam).is_some_and(|&b| b == b'-' || b.is_ascii_digit());
    let caps = v[..fam].iter().all(u8::is_ascii_uppercase);
    let family = fam > 0 && then && in_list(&v[..fam], if caps { "GPT|GLM|MPT" } else { MODELS });
    let o_series = v.len() >= 2
        && v[0] == b'o'
        && v[1].is_ascii_digit()
        && v.get(2).is_none_or(|&b| b == b'-');
    let size = |c: &[u8]| {
        let d = run(c, 0, |b| b.is_ascii_digit() || b"x.".contains(b));
        (1..=5).contains(&d) && c[0].is_ascii_digit() && c[d..] == *b"b"
    };
    let sized = fam > 0 && v[0].is_ascii_lowercase() && v.split(|&b| b == b'-').skip(1).any(size);
    family || o_series || sized || size(v)
}

fn valid_value(v: &[u8], kind: Kind, explicit: bool, after: &[u8]) -> bool {
    let len = v.len();
    if len > 30 {
        return is_uuid(v);
    }
    if len < 3 {
        return false;
    }
    match kind {
        Ref => return is_pnr6(v) && !is_tech_name(v),
        Pp => return is_short_passport(v),
        Handle if is_handle(v) => return true,
        _ => {}
    }
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let lower = v.iter().filter(|b| b.is_ascii_lowercase()).count();
    if digits == 0 {
        return matches!(kind, Pnr | Locator) && is_pnr(v, kind == Locator);
    }
    if is_model_name(v) {
        return false;
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

/// A user name: a letter, then 3-31 letters, digits, `_`, `.` or `-`, with a
/// digit or an inner `_` or `.` ("darkstar50", "k.tanaka", "lucia_m").
fn is_handle(v: &[u8]) -> bool {
    let inner = |b: u8| v[1..v.len() - 1].contains(&b);
    (4..=32).contains(&v.len())
        && v[0].is_ascii_alphabetic()
        && v.iter().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        && (v.iter().any(u8::is_ascii_digit) || inner(b'_') || inner(b'.'))
        && !is_tech_name(v)
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

mod national;
use national::national_at;
mod scripts;
#[cfg(test)]
mod tests;

//! PII detection and consistent-pseudonym redaction (DESIGN.md, "Anonymization").
//!
//! [`Redactor::redact`] finds personal data and secrets in free text and replaces
//! each value with a keyed pseudonym such as `<EMAIL_9f2c1a>`: the first six hex
//! characters of HMAC-SHA256(key, `TAG:normalized value`). The same value always
//! gets the same pseudonym, different values almost surely different ones, and
//! nobody without the key can go back from a pseudonym to the value.
//! [`Redactor::redact_json`] does the same inside a JSON document.
//!
//! [`Redactor::new`] runs the patterns only; [`Redactor::with_options`] adds
//! the detectors of [`Detectors`]: names (gazetteer + context, `names.rs`),
//! handles, addresses, dates of birth, ages, identifiers, organisations and
//! locations, plus key-aware JSON and `key: value` text ([`KeyRules`]).
//! Their findings are merged in `spans.rs` (patterns first), a person's name
//! gets one pseudonym per word so that its parts stay linked, and a value a
//! detector fails on is replaced whole. [`Redactor::find`] returns the
//! findings without redacting, for evaluation. [`VERSION`] is recorded with
//! the data so that data of older detectors can be found and rebuilt.
//!
//! # How the patterns work
//!
//! * Every entity has one or more patterns (see [`patterns`]), written in RE2
//!   syntax so that DuckDB can run them too. They use only ASCII classes and
//!   ASCII word boundaries, so that the regex crate's lazy DFA can run them.
//! * One combined regex of all the patterns proposes candidate positions in a
//!   single pass, without captures. (Its alternatives whose threads can run long,
//!   e-mail, URL and `key=value`, come last, and their length bounds are
//!   lifted: counters in an unanchored DFA multiply its states on code.)
//! * At a candidate, a [`RegexSet`] of the anchored patterns says in one pass
//!   which patterns match there; they are tried in priority order and each match
//!   is validated: Luhn plus issuer prefix and length for cards, mod-97 and the
//!   country's length for IBANs, area/group/serial rules for SSNs, parsing for
//!   IPv6, digit counts and "not glued to a longer number" for phones and IPv4,
//!   randomness checks for tokens and for values of `password=`-like
//!   assignments (which skip code such as `token = parse(x)`). A candidate that
//!   fails is left as it is and the search resumes after its first token, so an
//!   overlapping valid entity is still found.
//! * The output string is only allocated when something is replaced.
//! * The search is linear: on input built to make many candidates fail, it
//!   degrades to bounded windows once a work budget is spent (see `scan`).
//! * Text that is itself JSON-encoded is handled: a JSON escape (`\n`, `\t`,
//!   `\u00e9`) counts as a boundary before an entity, and a replacement never
//!   splits an escape, so redacting raw JSON text keeps it valid JSON.
//! * [`Redactor::redact_json`] parses the document, redacts every string value
//!   and object key, plus the values of secret-named keys (`"password": "…"`),
//!   and re-serialises it compactly. A fast path proves most documents clean
//!   without parsing: one scan of the raw text, then only the strings whose
//!   escapes could hide something (`\/`, `\t`, `\u0040`) are decoded and
//!   scanned again.

mod address;
mod context;
mod dates;
mod digits;
mod detectors;
mod entity;
mod gazetteer;
mod ids;
mod indirect;
mod json;
mod keyed;
mod keys;
mod mrz;
mod names;
mod orgs;
mod patterns;
mod phones;
mod places;
mod pseudonym;
mod redactor;
mod scanner;
mod spans;
mod tables;
mod text;
mod validators;

/// The version of the detectors. Bump it when what they find changes: a
/// warehouse partition records the version that wrote it, and data built from
/// an older one is stale (see `slm-pipeline reanonymize`).
pub const VERSION: u32 = 6;

pub use detectors::{Detectors, Options};
pub use entity::{Entity, EntityCounts};
pub use gazetteer::{Entry, Gazetteer};
pub use keys::KeyRules;
pub use places::Places;
pub use patterns::patterns;
pub use pseudonym::PiiKey;
pub use redactor::Redactor;
pub use spans::Finding;
pub use validators::card::luhn_valid;


#[cfg(test)]
mod tests;

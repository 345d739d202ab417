//! The secret key and the keyed pseudonyms: `<TAG_hhhhhh>`, the first six hex
//! characters of HMAC-SHA256(key, `TAG:normalized value`).

use std::borrow::Cow;
use std::fmt;

use hmac::Hmac;
use sha2::Sha256;

use crate::Entity;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Secret key for pseudonyms (HMAC-SHA256). Its `Debug` never shows the key.
pub struct PiiKey(pub(crate) Vec<u8>);

impl PiiKey {
    /// At least 16 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < 16 {
            return Err(format!(
                "PII key too short: {} bytes, need at least 16",
                bytes.len()
            ));
        }
        Ok(PiiKey(bytes))
    }
}

impl fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiKey(<redacted>)")
    }
}

impl Drop for PiiKey {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference into our own buffer.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// The form of a value that its pseudonym is keyed on: the same person,
/// number or identifier written differently gets the same pseudonym.
pub(crate) fn normalize(entity: Entity, raw: &str) -> Cow<'_, str> {
    match entity {
        Entity::Email => Cow::Owned(raw.to_lowercase()),
        Entity::Phone | Entity::CreditCard | Entity::UsSsn => {
            Cow::Owned(raw.chars().filter(|c| c.is_ascii_digit()).collect())
        }
        Entity::Iban => Cow::Owned(
            raw.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        ),
        Entity::Identifier => Cow::Owned(
            raw.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect(),
        ),
        Entity::Age => Cow::Owned(raw.chars().filter(|c| c.is_ascii_digit()).collect()),
        Entity::Person | Entity::Address | Entity::DateOfBirth | Entity::Organisation | Entity::Location => {
            // Lower case, punctuation and runs of spaces as one space.
            let mut out = String::with_capacity(raw.len());
            for w in raw.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')).filter(|w| !w.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.extend(w.chars().flat_map(char::to_lowercase));
            }
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(raw),
    }
}

//! Checks that a pattern's match is the entity it claims to be: one module per
//! family of entity.

pub(crate) mod card;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ip;
pub(crate) mod phone;
pub(crate) mod secret;
pub(crate) mod ssn;

pub(crate) use card::card_end;
pub(crate) use email::{email_ok, trim_url_end};
pub(crate) use iban::iban_end;
pub(crate) use ip::ipv6_end;
pub(crate) use phone::phone_end;
pub(crate) use secret::*;
pub(crate) use ssn::{find_ssn_in_context, ssn_ok};

/// How strongly a secret-named key (`password`, `token`, `Authorization`)
/// says that its value is a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strength {
    /// password, secret, api key…: any non-trivial value.
    Strong,
    /// token, credentials: the value must look random.
    Weak,
    /// Authorization header: an optional scheme word, then a token.
    Auth,
}

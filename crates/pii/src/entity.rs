//! The kinds of PII and the counts of what was found, per kind.

use std::fmt;

/// Kinds of entity, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    UrlCredential,
    Jwt,
    BearerToken,
    ApiKey,
    Email,
    CreditCard,
    Iban,
    UsSsn,
    Ipv6,
    Ipv4,
    Phone,
    // Found by gazetteers, context and JSON keys rather than by a pattern.
    Address,
    DateOfBirth,
    Identifier,
    Person,
    Age,
    Organisation,
    Location,
    /// A value a detector failed on, replaced whole (see `Redactor::redact`).
    Unscanned,
}

impl Entity {
    pub const ALL: [Entity; 19] = [
        Entity::UrlCredential,
        Entity::Jwt,
        Entity::BearerToken,
        Entity::ApiKey,
        Entity::Email,
        Entity::CreditCard,
        Entity::Iban,
        Entity::UsSsn,
        Entity::Ipv6,
        Entity::Ipv4,
        Entity::Phone,
        Entity::Address,
        Entity::DateOfBirth,
        Entity::Identifier,
        Entity::Person,
        Entity::Age,
        Entity::Organisation,
        Entity::Location,
        Entity::Unscanned,
    ];

    /// Pseudonym tag, upper-case.
    pub fn tag(self) -> &'static str {
        match self {
            Entity::UrlCredential => "URL",
            Entity::Jwt => "JWT",
            Entity::BearerToken => "BEARER",
            Entity::ApiKey => "API_KEY",
            Entity::Email => "EMAIL",
            Entity::CreditCard => "CARD",
            Entity::Iban => "IBAN",
            Entity::UsSsn => "SSN",
            Entity::Ipv6 => "IPV6",
            Entity::Ipv4 => "IPV4",
            Entity::Phone => "PHONE",
            Entity::Address => "ADDRESS",
            Entity::DateOfBirth => "DOB",
            Entity::Identifier => "ID",
            Entity::Person => "PERSON",
            Entity::Age => "AGE",
            Entity::Organisation => "ORG",
            Entity::Location => "LOCATION",
            Entity::Unscanned => "UNSCANNED",
        }
    }

    /// The entity whose [`tag`](Entity::tag) is `tag`.
    pub fn from_tag(tag: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.tag() == tag)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}


#[derive(Default, Debug, Clone, PartialEq)]
pub struct EntityCounts(pub [u64; Entity::ALL.len()]);

impl EntityCounts {
    pub fn add(&mut self, other: &EntityCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += *b;
        }
    }
    pub fn get(&self, entity: Entity) -> u64 {
        self.0[entity as usize]
    }
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
    pub(crate) fn bump(&mut self, entity: Entity) {
        self.0[entity as usize] += 1;
    }
}

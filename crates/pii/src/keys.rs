//! Key-aware JSON: a value under a key such as `first_name`, `passenger`,
//! `dob`, `phone` or `user_id` is PII by its key, whatever its shape.
//!
//! Keys are compared normalised: lower case, camelCase and `-` or spaces
//! turned into `_` (`firstName`, `First-Name` and `first_name` are one key).
//! The list is configurable ([`KeyRules::set`]); `password`-like keys keep
//! their own rule (see `json.rs`), which checks the value looks like a secret.

use std::collections::{HashMap, HashSet};

use crate::Entity;

#[rustfmt::skip]
const PERSON: &[&str] = &[
    "name", "first_name", "firstname", "given_name", "givenname", "forename", "middle_name", "last_name",
    "lastname", "surname", "family_name", "full_name", "fullname", "passenger", "passenger_name",
    "customer_name", "client_name", "contact_name", "contact_person", "traveler", "traveller",
    "traveler_name", "traveller_name", "guest", "guest_name", "patient_name", "holder_name",
    "cardholder", "cardholder_name", "card_holder", "account_holder", "account_name", "recipient_name",
    "sender_name", "beneficiary", "beneficiary_name", "person", "person_name", "employee_name",
    "user_full_name", "display_name", "maiden_name", "holder", "card_holder_name", "lead_passenger", "spouse_name", "emergency_contact", "nom",
    "prenom", "prénom", "vorname", "nachname", "nombre", "apellido", "apellidos", "cognome",
];
#[rustfmt::skip]
const EMAIL: &[&str] = &["email", "e_mail", "email_address", "mail", "contact_email", "user_email", "customer_email"];
#[rustfmt::skip]
const PHONE: &[&str] = &[
    "phone", "phone_number", "phonenumber", "mobile", "mobile_number", "mobile_phone", "cell", "cell_phone",
    "telephone", "tel", "fax", "contact_phone", "home_phone", "work_phone", "whatsapp", "msisdn",
];
#[rustfmt::skip]
const ADDRESS: &[&str] = &[
    "address", "street", "street_address", "street_name", "address_line", "address_line1",
    "address_line_1", "address_line2", "address_line_2", "address1", "address2", "line1", "line2",
    "home_address", "billing_address", "shipping_address", "mailing_address", "postal_address",
    "postcode", "post_code", "postal_code", "zip", "zip_code", "zipcode", "house_number", "adresse",
    "strasse", "straße", "direccion", "dirección", "indirizzo",
];
#[rustfmt::skip]
const DOB: &[&str] = &["dob", "birth_date", "birthdate", "date_of_birth", "birthday", "born", "birth_day", "geburtsdatum", "fecha_nacimiento"];
#[rustfmt::skip]
const ID: &[&str] = &[
    "passport", "passport_number", "passport_no", "passport_id", "user_id", "userid", "username",
    "user_name", "login", "handle", "customer_id", "customer_number", "client_id_number", "account_id",
    "account_number", "account_no", "member_id", "membership_number", "loyalty_number",
    "frequent_flyer_number", "booking_id", "booking_ref", "booking_reference", "booking_number",
    "reservation_id", "reservation_number", "confirmation_number", "confirmation_code", "pnr",
    "record_locator", "ticket_number", "order_id", "order_number", "payment_id", "transaction_id",
    "invoice_number", "driver_license", "drivers_license", "driver_licence", "driving_licence",
    "license_number", "licence_number", "national_id", "national_id_number", "id_number", "id_card",
    "tax_id", "tin", "vat_number", "nin", "sin", "patient_id", "mrn", "medical_record_number",
    "policy_number", "claim_number", "employee_id", "student_id", "tracking_number", "dl", "staff",
    "staff_id", "employee_number", "ff_number", "ticket", "ticket_no", "membership", "loyalty_id",
];
const SSN: &[&str] = &["ssn", "social_security_number", "social_security"];
const CARD: &[&str] = &["card_number", "cc_number", "credit_card", "credit_card_number", "pan", "card_no"];
const IBAN: &[&str] = &["iban", "iban_number", "bank_account"];
const IP: &[&str] = &["ip", "ip_address", "ipaddress", "client_ip", "remote_addr", "remote_ip"];
const AGE: &[&str] = &["age"];

/// Person keys that also name other things (`name` a tool, `first` and
/// `last` a page range): their value must read as a person's name.
const LOOSE_PERSON: &[&str] = &["name", "first", "last", "given", "family", "middle", "initials"];
/// Person keys beyond [`PERSON`] that the loose rule or their shape guards.
const MORE_PERSON: &[&str] = &["first", "last", "given", "family", "middle", "initials", "fname", "lname", "forenames"];

/// Keys that name a person's role (`"assignee": "Grace Ong"`): the value is
/// that person's name when it reads as one (`"owner": "platform-team"` is not).
#[rustfmt::skip]
const ROLE_PERSON: &[&str] = &[
    "assignee", "assigned_to", "owner", "requester", "requested_by", "reporter", "reported_by", "caller",
    "driver", "recipient", "sender", "visitor", "attendee", "participant", "customer", "client",
    "contact", "agent", "author", "approver", "approved_by", "reviewer", "reviewed_by", "manager",
    "created_by", "updated_by", "submitted_by", "signed_by", "employee", "applicant", "tenant",
    "landlord", "member", "user", "spouse", "doctor", "physician", "nurse", "supervisor", "candidate",
    "claimant", "guardian", "parent", "buyer", "seller", "payee", "payer", "patient", "addressee",
    "speaker", "organizer", "organiser", "invitee",
];

/// Words that say whose value a key holds (`customer_email`,
/// `billingPhone`, `guest_first_name`): stripped from the front of a key
/// that the list does not know, so that the rest decides.
#[rustfmt::skip]
const ROLES: &[&str] = &[
    "customer", "client", "user", "guest", "passenger", "pax", "patient", "contact", "billing", "shipping",
    "delivery", "home", "work", "office", "personal", "primary", "secondary", "alt", "alternate",
    "emergency", "owner", "holder", "account", "member", "beneficiary", "recipient", "sender", "traveler",
    "traveller", "employee", "applicant", "insured", "policyholder", "parent", "guardian", "spouse",
    "child", "student", "driver", "buyer", "seller", "tenant", "landlord", "caller", "requester",
    "reporter", "assignee", "main", "cardholder", "payer", "payee", "subscriber", "lead", "legal",
    "preferred", "mother", "father", "partner", "agent", "doctor", "physician", "nurse", "manager",
    "supervisor", "candidate", "visitor", "claimant", "debtor", "creditor", "borrower", "lender",
    "donor", "volunteer", "attendee", "participant", "sponsor", "referrer", "referee", "next_of_kin",
    "kin", "nok", "primary_contact", "my", "your", "his", "her", "their", "new", "old", "current",
    "previous", "verified", "registered", "residential", "permanent", "mailing", "contact_person",
];

/// Records of a person whose `_id`, `_number`, `_no` or `_ref` key holds an
/// identifier even when the list above does not name it (`claimNo`,
/// `tenancy_ref`, `PolicyID`, `subscriber-number`).
/// Not `tenant`, `subscription` or `lease`: in a coding agent's traffic those
/// are a cloud's tenants and subscriptions and DHCP or etcd leases.
#[rustfmt::skip]
const ID_HEADS: &[&str] = &[
    "customer", "client", "account", "acct", "member", "membership", "loyalty", "booking", "reservation", "order",
    "policy", "claim", "employee", "staff", "student", "patient", "tax", "taxpayer", "benefit", "benefits",
    "claimant", "tenancy", "player", "subscriber", "contract", "transaction",
    "payment", "charge", "refund", "passport", "license", "licence", "user", "guest", "passenger", "traveler",
    "traveller", "applicant", "beneficiary", "insured", "policyholder", "cardholder", "frequent_flyer", "mrn",
];
const ID_TAILS: &[&str] = &["id", "number", "no", "nr", "num", "ref", "reference"];

/// Which keys make their values PII, and as what.
#[derive(Debug, Clone)]
pub struct KeyRules {
    map: HashMap<String, Entity>,
    /// The last `_` part of every key, plus the suffixes `no`, `number`…: a
    /// cheap first test for keys written in free text.
    tails: HashSet<String>,
}

impl Default for KeyRules {
    fn default() -> Self {
        let mut map = HashMap::new();
        for (list, entity) in [
            (PERSON, Entity::Person),
            (EMAIL, Entity::Email),
            (PHONE, Entity::Phone),
            (ADDRESS, Entity::Address),
            (DOB, Entity::DateOfBirth),
            (ID, Entity::Identifier),
            (SSN, Entity::UsSsn),
            (CARD, Entity::CreditCard),
            (IBAN, Entity::Iban),
            (IP, Entity::Ipv4),
            (AGE, Entity::Age),
            (MORE_PERSON, Entity::Person),
            (ROLE_PERSON, Entity::Person),
        ] {
            for k in list {
                map.insert((*k).to_string(), entity);
            }
        }
        KeyRules::from_map(map)
    }
}

impl KeyRules {
    /// No key rules at all.
    pub fn none() -> Self {
        KeyRules::from_map(HashMap::new())
    }

    fn from_map(map: HashMap<String, Entity>) -> Self {
        let mut rules = KeyRules { map, tails: HashSet::new() };
        rules.rebuild_tails();
        rules
    }

    fn rebuild_tails(&mut self) {
        self.tails = self.map.keys().filter_map(|k| k.rsplit('_').next()).map(str::to_string).collect();
        if !self.map.is_empty() {
            self.tails.extend(ID_TAILS.iter().map(|t| t.to_string()));
        }
    }

    /// Whether `word` (lower case) can end a key: the last word or camelCase
    /// part of `Date of Birth`, `phoneNumber`, `Social Security No`.
    pub(crate) fn is_tail(&self, word: &str) -> bool {
        self.tails.contains(word)
    }

    /// Adds or changes a key (`Some`), or removes it (`None`).
    pub fn set(&mut self, key: &str, entity: Option<Entity>) {
        let k = normalize_key(key);
        match entity {
            Some(e) => self.map.insert(k, e),
            None => self.map.remove(&k),
        };
        self.rebuild_tails();
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The entity a key's value is, if any.
    pub fn entity_of(&self, key: &str) -> Option<Entity> {
        if self.map.is_empty() {
            return None;
        }
        if let Some(e) = self.map.get(key) {
            return Some(*e);
        }
        let k = normalize_key(key);
        // `customer_email`, `guest_first_name`: roles, then a known key.
        // A role left after stripping roles is no key (`user_agent`).
        let found = without_roles(&k)
            .enumerate()
            .find_map(|(n, rest)| if n > 0 && ROLE_PERSON.contains(&rest) { None } else { self.lookup(rest) });
        found.or_else(|| is_id_key(&k).then_some(Entity::Identifier))
    }

    /// A normalised key, or its singular: `phones`, `emails`, `addresses`
    /// hold lists of the same.
    fn lookup(&self, k: &str) -> Option<Entity> {
        self.map.get(k).copied().or_else(|| {
            let singular = k.strip_suffix("es").filter(|s| s.ends_with("ss")).or_else(|| k.strip_suffix('s'))?;
            self.map.get(singular).copied()
        })
    }
}

/// `claim_no`, `tenancy_ref`, `frequent_flyer_number`: a record's noun, then an identifier's tail.
fn is_id_key(k: &str) -> bool {
    let Some((head, tail)) = k.rsplit_once('_') else { return false };
    is_id_tail(tail) && is_id_head(head)
}

/// Whether a normalised key ends with a record's noun (`customer`, `loyalty_account`).
pub(crate) fn is_id_head(k: &str) -> bool {
    let noun = k.rsplit('_').next().unwrap_or(k);
    ID_HEADS.contains(&noun) || ID_HEADS.contains(&k)
}

/// Whether a normalised key is an identifier's tail (`id`, `number`, `no`, `ref`).
pub(crate) fn is_id_tail(k: &str) -> bool {
    ID_TAILS.contains(&k)
}

/// Whether a (normalised) key names a role (`assignee`, `customer`): a JSON
/// key whose value may be a name, but in text a speaker label.
pub(crate) fn is_role_key(key: &str) -> bool {
    ROLE_PERSON.contains(&key)
}

/// Whether a person key's value must also read as a name (`name`,
/// `first`, `last`), rather than being one by its key alone.
pub(crate) fn is_loose_person_key(key: &str) -> bool {
    let k = normalize_key(key);
    let loose = is_role_key(&k) || without_roles(&k).any(|rest| LOOSE_PERSON.contains(&rest));
    loose
}

/// A normalised key, then the key without its first role word, and so on:
/// `guest_contact_email`, `contact_email`, `email`.
fn without_roles(key: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(key), |rest| ROLES.iter().find_map(|r| rest.strip_prefix(r)?.strip_prefix('_')))
}

/// Whether a key (lower-cased, as written before `:` or `=` in text) names a person.
pub(crate) fn is_person_key(key: &str) -> bool {
    PERSON.contains(&key) || (key.ends_with("_name") && !key.ends_with("file_name") && !matches!(key, "tool_name" | "function_name" | "model_name" | "host_name" | "user_name" | "table_name" | "column_name" | "field_name" | "class_name" | "app_name" | "service_name" | "city_name" | "country_name" | "product_name" | "company_name" | "event_name" | "task_name" | "project_name" | "bucket_name" | "node_name" | "type_name" | "display_name"))
}

/// `firstName`, `First-Name`, `first name` -> `first_name`.
pub(crate) fn normalize_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else if c == '-' || c == ' ' || c == '.' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalised() {
        assert_eq!(normalize_key("firstName"), "first_name");
        assert_eq!(normalize_key("First-Name"), "first_name");
        assert_eq!(normalize_key("DOB"), "dob");
        assert_eq!(normalize_key("passportNo"), "passport_no");
        let r = KeyRules::default();
        assert_eq!(r.entity_of("firstName"), Some(Entity::Person));
        assert_eq!(r.entity_of("Date-Of-Birth"), Some(Entity::DateOfBirth));
        assert_eq!(r.entity_of("user_id"), Some(Entity::Identifier));
        assert_eq!(r.entity_of("function"), None);
        assert_eq!(r.entity_of("id"), None);
        assert_eq!(r.entity_of("phones"), Some(Entity::Phone));
        assert_eq!(r.entity_of("assignee"), Some(Entity::Person));
        assert!(is_loose_person_key("assignee") && is_loose_person_key("createdBy") && !is_loose_person_key("passenger"));
        assert_eq!(r.entity_of("emailAddresses"), Some(Entity::Email));
        assert_eq!(r.entity_of("addresses"), Some(Entity::Address));
    }

    #[test]
    fn roles_before_a_known_key() {
        let r = KeyRules::default();
        assert_eq!(r.entity_of("customerFirstName"), Some(Entity::Person));
        assert_eq!(r.entity_of("billing_phone"), Some(Entity::Phone));
        assert_eq!(r.entity_of("guest_email"), Some(Entity::Email));
        assert_eq!(r.entity_of("emergency_contact_phone"), Some(Entity::Phone));
        assert_eq!(r.entity_of("PatientDOB"), Some(Entity::DateOfBirth));
        assert_eq!(r.entity_of("holder_passport_no"), Some(Entity::Identifier));
        assert_eq!(r.entity_of("fname"), Some(Entity::Person));
        // Not a role: a machine's address, a file's name, a service's port.
        assert_eq!(r.entity_of("mac_address"), None);
        assert_eq!(r.entity_of("server_address"), None);
        assert_eq!(r.entity_of("file_name"), None);
        assert_eq!(r.entity_of("user_agent"), None);
        assert!(is_loose_person_key("first") && is_loose_person_key("Name") && !is_loose_person_key("first_name"));
    }

    #[test]
    fn rules_are_configurable() {
        let mut r = KeyRules::default();
        r.set("loyaltyTier", Some(Entity::Identifier));
        r.set("name", None);
        assert_eq!(r.entity_of("loyalty_tier"), Some(Entity::Identifier));
        assert_eq!(r.entity_of("name"), None);
        assert!(KeyRules::none().entity_of("name").is_none());
    }

    #[test]
    fn person_keys_in_text() {
        assert!(is_person_key("passenger_name"));
        assert!(is_person_key("first_name"));
        assert!(!is_person_key("file_name"));
        assert!(!is_person_key("tool_name"));
    }
}

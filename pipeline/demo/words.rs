//! Word lists shared by the task templates. None of these contains `"` or `\`
//! (the templates build JSON answers by string formatting) nor anything that
//! looks like PII (all PII comes from `pii.rs` and is recorded).

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aiko", "Liam", "Sofia", "Noah", "Fatima", "Lucas", "Chloe", "Mateo",
    "Priya", "Ethan", "Yuki", "Olivia", "Ahmed", "Emma", "Diego", "Hannah", "Kofi", "Isabel",
    "Wei", "Grace", "Omar", "Elena", "Ravi", "Zoe", "Tomasz", "Amara", "Jonas", "Leila", "Marco",
    "Nina", "Samuel", "Ingrid", "Kenji", "Clara",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Smith",
    "Tanaka",
    "Muller",
    "Rossi",
    "Okafor",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Silva",
    "Patel",
    "Johansson",
    "Kim",
    "Haddad",
    "Novak",
    "Fischer",
    "Lopez",
    "Chen",
    "Andersen",
    "Moreau",
    "Costa",
    "Ivanova",
    "Mensah",
    "Schmidt",
    "Yilmaz",
    "Brown",
    "Sato",
    "Romero",
    "Larsen",
    "Bianchi",
];

pub(crate) const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Northwind Traders",
    "Contoso",
    "Brightwave AI",
    "Larkspur Logistics",
    "Helios Energy",
    "Bluefin Bank",
    "Redwood Retail",
    "Quantum Freight",
    "Nimbus Cloud",
    "Orchid Pharma",
    "Summit Insurance",
    "Pioneer Foods",
    "Vertex Media",
    "Cobalt Robotics",
    "Maple Telecom",
    "Silverline Travel",
];

/// (city, country, IANA time zone, currency symbol, currency code)
pub(crate) const CITIES: &[(&str, &str, &str, &str, &str)] = &[
    ("Berlin", "Germany", "Europe/Berlin", "EUR ", "EUR"),
    ("Paris", "France", "Europe/Paris", "EUR ", "EUR"),
    ("London", "United Kingdom", "Europe/London", "GBP ", "GBP"),
    (
        "New York",
        "United States",
        "America/New_York",
        "USD ",
        "USD",
    ),
    (
        "San Francisco",
        "United States",
        "America/Los_Angeles",
        "USD ",
        "USD",
    ),
    ("Tokyo", "Japan", "Asia/Tokyo", "JPY ", "JPY"),
    ("Madrid", "Spain", "Europe/Madrid", "EUR ", "EUR"),
    (
        "Amsterdam",
        "Netherlands",
        "Europe/Amsterdam",
        "EUR ",
        "EUR",
    ),
    ("Toronto", "Canada", "America/Toronto", "CAD ", "CAD"),
    ("Singapore", "Singapore", "Asia/Singapore", "SGD ", "SGD"),
    ("Sydney", "Australia", "Australia/Sydney", "AUD ", "AUD"),
    ("Chicago", "United States", "America/Chicago", "USD ", "USD"),
    ("Lisbon", "Portugal", "Europe/Lisbon", "EUR ", "EUR"),
    ("Stockholm", "Sweden", "Europe/Stockholm", "SEK ", "SEK"),
];

pub(crate) const STREETS: &[&str] = &[
    "Market Street",
    "Hauptstrasse",
    "Rue de Rivoli",
    "King Street",
    "Elm Avenue",
    "Harbour Road",
    "Calle Mayor",
    "Keizersgracht",
    "Queen Street West",
    "Orchard Road",
    "George Street",
    "Lake Shore Drive",
];

pub(crate) const TEAMS: &[&str] = &[
    "platform",
    "payments",
    "mobile",
    "data",
    "identity",
    "billing",
    "search",
    "infrastructure",
    "growth",
    "support tooling",
];

pub(crate) const SERVICES: &[&str] = &[
    "checkout",
    "login page",
    "mobile app",
    "search API",
    "invoice export",
    "notification service",
    "admin dashboard",
    "password reset flow",
    "order history page",
    "reporting job",
    "SSO integration",
    "file upload",
    "webhook delivery",
    "billing portal",
];

/// (symptom sentence fragment, short title)
pub(crate) const SYMPTOMS: &[(&str, &str)] = &[
    ("returning 500 errors", "500 errors"),
    ("timing out after 30 seconds", "timeouts"),
    ("showing a blank page", "blank page"),
    ("rejecting valid credentials", "valid credentials rejected"),
    ("sending duplicate emails", "duplicate emails"),
    ("very slow since the last deploy", "slow since last deploy"),
    (
        "dropping requests under load",
        "requests dropped under load",
    ),
    (
        "displaying prices in the wrong currency",
        "wrong currency displayed",
    ),
    ("crashing on startup", "crash on startup"),
    ("failing with a CORS error", "CORS error"),
];

pub(crate) const SCOPES: &[&str] = &[
    "all customers in the EU",
    "about 10% of users",
    "enterprise accounts",
    "users on iOS 18",
    "customers paying by invoice",
    "everyone since 09:00 UTC",
    "new sign-ups",
    "the Berlin office",
];

pub(crate) const PRIORITIES: &[&str] = &["low", "medium", "high", "urgent"];

pub(crate) const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
pub(crate) const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// (item, unit price in cents)
pub(crate) const ITEMS: &[(&str, u32)] = &[
    ("Consulting hours", 12000),
    ("Cloud hosting (monthly)", 49900),
    ("Laptop stand", 3450),
    ("Wireless keyboard", 7990),
    ("Support plan - Gold", 25000),
    ("USB-C dock", 18900),
    ("Office chair", 32900),
    ("Software license (seat)", 2900),
    ("Printer toner", 6450),
    ("Training workshop", 150000),
    ("Data migration service", 89000),
    ("Monitor 27 inch", 27900),
    ("Shipping and handling", 1500),
    ("Annual maintenance", 99000),
];

pub(crate) const PRODUCT_ITEMS: &[&str] = &[
    "wireless headphones",
    "running shoes",
    "espresso machine",
    "standing desk",
    "4K monitor",
    "yoga mat",
    "backpack",
    "mechanical keyboard",
    "air purifier",
    "electric kettle",
    "smart watch",
    "desk lamp",
    "noise cancelling earbuds",
    "hiking boots",
    "blender",
];

pub(crate) fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(crate) fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Replaces `{KEY}` slots (upper-case names only, so code braces and
/// lower-case f-string fields pass through) with values from `vars`.
pub(crate) fn fill(tpl: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(tpl.len() + 64);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]);
        match name {
            Some(n)
                if !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()) =>
            {
                match vars.iter().find(|(k, _)| *k == n) {
                    Some((_, v)) => out.push_str(v),
                    None => panic!("template variable {{{n}}} not provided"),
                }
                rest = &after[n.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Cents as a plain decimal string: 123456 -> "1234.56".
pub(crate) fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

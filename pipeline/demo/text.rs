//! Text tasks: summarisation (tickets, e-mails, meeting notes; the answer
//! reuses the text's key sentences), field extraction (invoices, orders,
//! signatures; every value is copied from the text) and open-ended reasoning
//! (word problems computed exactly, trade-offs and plans by fixed rules).

use chrono::{Datelike, Duration, NaiveDate};

use super::json::{object, quote, str_array};
use super::pii::{Kind, Place};
use super::words::{
    cap, money, CITIES, COMPANIES, FIRST_NAMES, ITEMS, LAST_NAMES, MONTHS, SERVICES, STREETS,
    SYMPTOMS, TEAMS, WEEKDAYS,
};
use super::{Call, Gen, Msg, Task};

// ---------------------------------------------------------------- summaries

const SUM_SYSTEMS: &[(&str, &str)] = &[
    ("You are a support assistant. Summarize the following text in two or three sentences for the agent who takes over. Keep names, numbers and dates exactly as written.", ""),
    ("Summarize the text below. Start your answer with \"Summary:\" and use at most three sentences.", "Summary: "),
    ("You write TL;DRs for busy managers. Reply with a single short paragraph that keeps the key facts verbatim.", "TL;DR: "),
];

const FILLERS: &[&str] = &[
    "I hope you are doing well.",
    "Thanks for getting back to me so quickly last time.",
    "We have been happy customers for about three years.",
    "I am writing on behalf of the whole operations team.",
    "Sorry for the long message.",
    "Our IT department is also looking into it.",
    "Let me know if you need screenshots.",
    "The weather here has been awful, which does not help the mood.",
];
const TRIED: &[&str] = &[
    "We already cleared the cache and tried two different browsers",
    "Restarting the app did not change anything",
    "The same thing happens on the staging account",
    "Our admin re-issued the credentials but the problem persists",
];
const REQUESTS: &[&str] = &[
    "Please escalate this to your engineering team",
    "Could you give us an ETA for a fix",
    "We would like a credit for the affected days",
    "Please confirm whether this is a known incident",
    "Can someone call our admin today",
];
const ACTIVITIES: &[&str] = &[
    "processing refunds",
    "closing the monthly books",
    "onboarding new clients",
    "shipping orders",
    "answering customer chats",
];
const TOPICS: &[&str] = &[
    "Q3 roadmap",
    "checkout redesign",
    "data retention policy",
    "hiring plan",
    "vendor selection",
    "incident review",
    "pricing update",
];
const DECISIONS: &[&str] = &[
    "ship the new onboarding flow behind a feature flag",
    "move the launch to the first week of next month",
    "keep the current vendor for one more year",
    "hire two additional support engineers",
    "retire the legacy reporting job",
    "run a two-week pricing experiment in Canada",
];
const ACTIONS: &[&str] = &[
    "draft the announcement",
    "update the project plan",
    "collect quotes from three vendors",
    "write the migration runbook",
    "schedule user interviews",
    "prepare the budget estimate",
    "review the security checklist",
];
const POINTS: &[&str] = &[
    "Conversion dropped slightly after the last release.",
    "Support volume is up 12% month over month.",
    "The design team shared two mock-ups.",
    "Legal raised concerns about data residency.",
    "Engineering estimates three sprints for the full scope.",
    "Customer feedback on the beta was mostly positive.",
];

fn day_str(d: NaiveDate) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], d.day())
}

pub(crate) fn summarization(g: &mut Gen) -> Call {
    let si = g.range(0, SUM_SYSTEMS.len() as u64 - 1) as usize;
    let (system, prefix) = SUM_SYSTEMS[si];
    if g.chance(0.15) {
        // A follow-up turn: the previous document and its summary are history.
        let (t1, s1) = summary_doc(g, prefix);
        let (t2, s2) = summary_doc(g, prefix);
        let mut call = Call::text(Task::Summarization, system.to_string(), t1, s2);
        call.messages.push(Msg::assistant(s1));
        call.messages
            .push(Msg::user(format!("Thanks. Same for this one:\n\n{t2}")));
        return call;
    }
    let (text, summary) = summary_doc(g, prefix);
    Call::text(Task::Summarization, system.to_string(), text, summary)
}

fn summary_doc(g: &mut Gen, prefix: &str) -> (String, String) {
    let (first, last) = g.person();
    let company = g.pick(COMPANIES);
    let contact = if g.wants(Place::User) || g.wants(Place::Response) {
        let kind = g_kind(g);
        Some(if kind == Kind::Email {
            g.plant_email(first, last)
        } else {
            g.plant(kind)
        })
    } else {
        None
    };
    match g.range(0, 2) {
        0 => {
            let service = g.pick(SERVICES);
            let (symptom, _) = g.pick(SYMPTOMS);
            let since = g.date - Duration::days(g.range(1, 6) as i64);
            let issue = format!(
                "Since {}, our {service} has been {symptom}",
                WEEKDAYS[since.weekday().num_days_from_monday() as usize]
            );
            let impact = if g.chance(0.5) {
                format!(
                    "This blocks {} people on our {} team from {}",
                    g.range(3, 80),
                    g.pick(TEAMS),
                    g.pick(ACTIVITIES)
                )
            } else {
                format!("We estimate {} lost orders so far", g.range(10, 900))
            };
            let mut request = g.pick(REQUESTS).to_string();
            if let Some(c) = &contact {
                request.push_str(&format!(" (reach me at {c})"));
            }
            let f = g.sample(FILLERS, 2);
            let text = format!(
                "Ticket #{}\nFrom: {first} {last}\nCompany: {company}\nSubject: {} problem\n\nHi team,\n\n{} {issue}. {} {impact}. {}. {request}.\n\nThanks,\n{first}",
                g.range(10_000, 99_999),
                cap(service),
                f[0],
                f[1],
                g.pick(TRIED)
            );
            (text, format!("{prefix}{first} {last} ({company}) reports: {issue}. {impact}. Request: {request}."))
        }
        1 => {
            let deadline = g.date + Duration::days(g.range(3, 30) as i64);
            let amount = g.range(5, 400) * 1000;
            let cur = g.pick(&["EUR", "USD", "GBP", "CHF"]);
            let decision = format!(
                "{company} accepts the renewal at {cur} {} per year",
                money(amount * 100)
            );
            let due = format!("The signed contract is due on {}", day_str(deadline));
            let mut ask = g
                .pick(&[
                    "Please send the final PDF to our legal team",
                    "Please confirm the start date in writing",
                    "Please update the purchase order accordingly",
                ])
                .to_string();
            if let Some(c) = &contact {
                ask.push_str(&format!(", or call {c}"));
            }
            let f = g.sample(FILLERS, 2);
            let text = format!(
                "From: {first} {last}\nTo: Accounts team\nSubject: Re: renewal proposal\n\nHello,\n\n{} We reviewed your proposal with our finance lead. {decision}. {due}. {} {ask}.\n\nBest,\n{first} {last}\n{company}",
                f[0], f[1]
            );
            (
                text,
                format!("{prefix}{first} {last} writes that {decision}. {due}. Action: {ask}."),
            )
        }
        _ => {
            let topic = g.pick(TOPICS);
            let people: Vec<String> = (0..g.range(3, 5))
                .map(|_| g.pick(FIRST_NAMES).to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let decision = g.pick(DECISIONS);
            let k = g.range(1, 3) as usize;
            let acts = g.sample(ACTIONS, k);
            let mut items = Vec::new();
            for a in acts {
                let owner = people[g.range(0, people.len() as u64 - 1) as usize].clone();
                let by = g.pick(&WEEKDAYS[..5]);
                items.push((owner, a, by));
            }
            let pts = g.sample(POINTS, 3);
            let mut text = format!(
                "Meeting notes: {topic}\nDate: {}\nAttendees: {}\n\nDiscussion:\n- {}\n- {}\n- {}\n\nDecision:\n- We will {decision}.\n\nAction items:\n",
                day_str(g.date),
                people.join(", "),
                pts[0],
                pts[1],
                pts[2]
            );
            for (o, a, b) in &items {
                text.push_str(&format!("- {o} to {a} by {b}\n"));
            }
            if let Some(c) = &contact {
                text.push_str(&format!("\nDial-in for the follow-up: {c}\n"));
            }
            let acts_s = items
                .iter()
                .map(|(o, a, b)| format!("{o} will {a} by {b}"))
                .collect::<Vec<_>>()
                .join("; ");
            let mut summary = format!(
                "{prefix}The {topic} meeting decided to {decision}. Action items: {acts_s}."
            );
            if let Some(c) = &contact {
                summary.push_str(&format!(" Follow-up dial-in: {c}."));
            }
            (text, summary)
        }
    }
}

fn g_kind(g: &mut Gen) -> Kind {
    g.pick(&[Kind::Email, Kind::Phone, Kind::Phone])
}

// --------------------------------------------------------- field extraction

fn fmt_date(d: NaiveDate, style: u64) -> String {
    match style {
        0 => d.format("%Y-%m-%d").to_string(),
        1 => format!(
            "{} {}, {}",
            &MONTHS[d.month0() as usize][..3],
            d.day(),
            d.year()
        ),
        2 => d.format("%d/%m/%Y").to_string(),
        _ => format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year()),
    }
}

const EXTRACT_SYSTEMS: &[&str] = &[
    "Extract the requested fields from the document. Answer with a single JSON object and nothing else. Copy values exactly as they appear; use null for fields that are not present.",
    "You are a document-processing model for accounts payable. Return JSON only, with exactly the keys requested, values verbatim from the text, null when missing.",
    "Information extraction. Output: one JSON object. Do not normalise dates or amounts.",
];

fn invoice(g: &mut Gen) -> (String, String) {
    let vendor = g.pick(COMPANIES);
    let customer = loop {
        let c = g.pick(COMPANIES);
        if c != vendor {
            break c;
        }
    };
    let (city, _, _, sym, code) = g.pick(CITIES);
    let inv = format!(
        "{}-{}-{:05}",
        g.pick(&["INV", "F", "RE", "BILL"]),
        g.date.year(),
        g.range(1, 99_999)
    );
    let issued = g.date - Duration::days(g.range(0, 20) as i64);
    let due = issued + Duration::days(g.pick(&[14i64, 30, 45, 60]));
    let ds = g.range(0, 3);
    let (issued_s, due_s) = (fmt_date(issued, ds), fmt_date(due, ds));
    let n = g.range(1, 4) as usize;
    let mut lines = String::new();
    let mut subtotal = 0u64;
    for (item, price) in g.sample(ITEMS, n) {
        let q = g.range(1, 12);
        let amt = q * price as u64;
        subtotal += amt;
        lines.push_str(&format!(
            "{item:<28} {q:>3}   {:>10}   {:>10}\n",
            money(price as u64),
            money(amt)
        ));
    }
    let rate = g.pick(&[0u64, 7, 10, 19, 20, 21]);
    let tax = (subtotal * rate + 50) / 100;
    let total = money(subtotal + tax);
    let iban = if g.wants(Place::User) || g.wants(Place::Response) || g.chance(0.15) {
        Some(g.plant(Kind::Iban))
    } else {
        None
    };
    let email = if g.chance(0.2) {
        Some(g.plant(Kind::Email))
    } else {
        None
    };
    let layout = g.range(0, 1);
    let text = if layout == 0 {
        let mut t = format!(
            "INVOICE\n{vendor}\n{} {}, {city}\n\nInvoice no.: {inv}\nInvoice date: {issued_s}\nDue date: {due_s}\nBill to: {customer}\n\nDescription                  Qty   Unit price       Amount\n{lines}\nSubtotal: {}\nTax ({rate}%): {}\nTotal due: {}{total}\n",
            g.range(1, 300),
            g.pick(STREETS),
            money(subtotal),
            money(tax),
            sym
        );
        if let Some(i) = &iban {
            t.push_str(&format!(
                "\nPlease pay by bank transfer to IBAN {i}, quoting {inv}.\n"
            ));
        }
        if let Some(e) = &email {
            t.push_str(&format!("Billing questions: {e}\n"));
        }
        t
    } else {
        let mut t = format!(
            "Subject: Invoice {inv} from {vendor}\n\nDear {customer} accounts team,\n\nplease find attached our invoice {inv} dated {issued_s} for a total of {}{total} (incl. {rate}% tax). Payment is due by {due_s}.",
            sym
        );
        if let Some(i) = &iban {
            t.push_str(&format!(" Our bank details: IBAN {i}."));
        }
        t.push_str("\n\nKind regards,\n");
        t.push_str(&format!("{vendor} billing"));
        if let Some(e) = &email {
            t.push_str(&format!("\n{e}"));
        }
        t
    };
    let opt = |v: &Option<String>| v.as_ref().map_or("null".to_string(), |s| quote(s));
    let user = format!("Fields: invoice_number, vendor, invoice_date, due_date, total, currency, iban, billing_email\n\nDocument:\n{text}");
    let answer = object(&[
        ("invoice_number", quote(&inv)),
        ("vendor", quote(vendor)),
        ("invoice_date", quote(&issued_s)),
        ("due_date", quote(&due_s)),
        ("total", quote(&total)),
        ("currency", quote(code)),
        ("iban", opt(&iban)),
        ("billing_email", opt(&email)),
    ]);
    (user, answer)
}

fn order(g: &mut Gen) -> (String, String) {
    let (first, last) = g.person();
    let order_id = format!(
        "{}-{}",
        g.pick(&["ORD", "SO", "PO"]),
        g.range(100_000, 999_999)
    );
    let (city, country, _, sym, code) = g.pick(CITIES);
    let k = g.range(1, 3) as usize;
    let items: Vec<&str> = g.sample(super::words::PRODUCT_ITEMS, k);
    let mut total = 0;
    let mut rows = String::new();
    for it in &items {
        let p = g.range(15, 600) * 100 - 1;
        total += p;
        rows.push_str(&format!("  - {it}: {sym}{}\n", money(p)));
    }
    let phone = if g.wants(Place::User) || g.wants(Place::Response) {
        Some(g.plant(Kind::Phone))
    } else {
        None
    };
    let mut text = format!(
        "Thank you for your order, {first}!\n\nOrder number: {order_id}\nItems:\n{rows}Order total: {sym}{}\n\nShipping to:\n{first} {last}\n{} {}\n{city}, {country}\n",
        money(total),
        g.range(1, 200),
        g.pick(STREETS)
    );
    if let Some(p) = &phone {
        text.push_str(&format!("Delivery phone: {p}\n"));
    }
    text.push_str("\nWe will e-mail you when your parcel ships.");
    let user = format!("Extract order_id, customer_name, items, shipping_city, total, currency and delivery_phone as JSON.\n\n---\n{text}\n---");
    let answer = object(&[
        ("order_id", quote(&order_id)),
        ("customer_name", quote(&format!("{first} {last}"))),
        ("items", str_array(&items)),
        ("shipping_city", quote(city)),
        ("total", quote(&money(total))),
        ("currency", quote(code)),
        (
            "delivery_phone",
            phone.as_ref().map_or("null".to_string(), |p| quote(p)),
        ),
    ]);
    (user, answer)
}

const TITLES: &[&str] = &[
    "Head of Procurement",
    "Senior Account Manager",
    "CTO",
    "Operations Lead",
    "Finance Director",
    "Customer Success Manager",
];

fn signature(g: &mut Gen) -> (String, String) {
    let (first, last) = (g.pick(FIRST_NAMES), g.pick(LAST_NAMES));
    let title = g.pick(TITLES);
    let company = g.pick(COMPANIES);
    let email = g.plant_email(first, last);
    let phone = g.plant(Kind::Phone);
    let body = g.pick(&[
        "Thanks for the demo yesterday, the team liked it. Could you send over the pricing sheet?",
        "Following up on our call: we are ready to start the pilot next month.",
        "Attached is the signed NDA. Looking forward to working together.",
    ]);
    let text = if g.chance(0.5) {
        format!("Hi,\n\n{body}\n\nBest regards,\n{first} {last}\n{title} | {company}\nE: {email}\nT: {phone}")
    } else {
        format!("{body}\n\n--\n{first} {last}, {title}\n{company}\nPhone {phone} / Mail {email}")
    };
    let user = format!("Pull the sender's contact details (name, title, company, email, phone) out of this email as JSON:\n\n{text}");
    let answer = object(&[
        ("name", quote(&format!("{first} {last}"))),
        ("title", quote(title)),
        ("company", quote(company)),
        ("email", quote(&email)),
        ("phone", quote(&phone)),
    ]);
    (user, answer)
}

pub(crate) fn field_extraction(g: &mut Gen) -> Call {
    let system = g.pick(EXTRACT_SYSTEMS).to_string();
    let pii_wanted = g.wants(Place::User) || g.wants(Place::Response);
    let (user, answer) = match g.range(0, 9) {
        0..=4 => invoice(g),
        5..=7 => order(g),
        _ if pii_wanted || g.chance(0.5) => signature(g),
        _ => invoice(g),
    };
    Call::text(Task::FieldExtraction, system, user, answer)
}

// ---------------------------------------------------------------- reasoning

const REASON_SYSTEMS: &[&str] = &[
    "You are a careful analyst. Think step by step, show your reasoning briefly, and end with a clear final answer.",
    "You are a helpful assistant for planning and decision making. Structure your answer with short headings.",
    "Answer thoroughly but concisely. For calculations show each step; for decisions weigh the trade-offs before recommending.",
];

fn hhmm(minutes: u64) -> String {
    format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
}

fn math(g: &mut Gen) -> (String, String) {
    match g.range(0, 3) {
        0 => {
            let (c1, c2) = {
                let v = g.sample(CITIES, 2);
                (v[0].0, v[1].0)
            };
            let v1 = g.range(6, 16) * 10;
            let v2 = g.range(6, 16) * 10;
            let quarters = g.range(4, 16);
            let dist = (v1 + v2) * quarters / 4;
            let dep = g.range(6, 12) * 60;
            let meet = dep + quarters * 15;
            let q = format!(
                "Two trains leave {c1} and {c2} at {} and travel towards each other on the same line. The distance between the cities is {dist} km. The first train runs at {v1} km/h and the second at {v2} km/h. At what time do they meet, and how far from {c1}?",
                hhmm(dep)
            );
            let from1 = v1 * quarters / 4;
            let from1_s = if (v1 * quarters).is_multiple_of(4) {
                from1.to_string()
            } else {
                format!("{:.1}", (v1 * quarters) as f64 / 4.0)
            };
            let a = format!(
                "The trains close the gap at {v1} + {v2} = {} km/h.\nTime to meet: {dist} / {} = {} h = {} minutes.\nThey meet at {} + {} min = {}.\nDistance from {c1}: {v1} km/h x {} h = {from1_s} km.\n\nFinal answer: they meet at {}, {from1_s} km from {c1}.",
                v1 + v2,
                v1 + v2,
                quarters as f64 / 4.0,
                quarters * 15,
                hhmm(dep),
                quarters * 15,
                hhmm(meet),
                quarters as f64 / 4.0,
                hhmm(meet)
            );
            (q, a)
        }
        1 => {
            let price = g.range(20, 900);
            let disc = g.pick(&[10u64, 15, 20, 25, 30]);
            let tax = g.pick(&[5u64, 8, 10, 20]);
            let after_disc = price * (100 - disc); // cents
            let final_c = (after_disc * (100 + tax) + 50) / 100;
            let q = format!("A jacket costs ${price}. It is on sale for {disc}% off, and then {tax}% sales tax is added to the discounted price. What is the final price, and how much is saved compared with paying full price plus tax?");
            let full = price * (100 + tax);
            let a = format!(
                "Discounted price: ${price} x (1 - {disc}/100) = ${}.\nWith tax: ${} x (1 + {tax}/100) = ${}.\nFull price with tax: ${price} x {} = ${}.\nSavings: ${} - ${} = ${}.\n\nFinal answer: ${} (you save ${}).",
                money(after_disc),
                money(after_disc),
                money(final_c),
                money(100 + tax),
                money(full),
                money(full),
                money(final_c),
                money(full - final_c),
                money(final_c),
                money(full - final_c)
            );
            (q, a)
        }
        2 => {
            let a_h = g.range(2, 12);
            let b_h = loop {
                let b = g.range(2, 12);
                if b != a_h {
                    break b;
                }
            };
            let (f1, f2) = (g.pick(FIRST_NAMES), g.pick(LAST_NAMES));
            let num = a_h * b_h;
            let den = a_h + b_h;
            let minutes = (num * 60 + den / 2) / den;
            let q = format!("{f1} can migrate all the legacy reports alone in {a_h} hours; the {f2} team's script does the same job in {b_h} hours. If both work together without getting in each other's way, how long does the migration take?");
            let a = format!(
                "Rates: {f1} does 1/{a_h} of the job per hour, the script 1/{b_h}.\nCombined rate: 1/{a_h} + 1/{b_h} = {den}/{num} of the job per hour.\nTime: {num}/{den} h = {:.2} h, about {} h {} min.\n\nFinal answer: about {} h {} min.",
                num as f64 / den as f64,
                minutes / 60,
                minutes % 60,
                minutes / 60,
                minutes % 60
            );
            (q, a)
        }
        _ => {
            let p = g.range(10, 500) * 100;
            let r = g.range(2, 9);
            let years = g.range(2, 10);
            let mut bal = p as f64;
            let mut rows = String::new();
            for y in 1..=years {
                bal *= 1.0 + r as f64 / 100.0;
                rows.push_str(&format!("Year {y}: {:.2}\n", bal));
            }
            let q = format!("We put {p} EUR into a fund that returns {r}% per year, compounded annually, and withdraw nothing. What is the balance after {years} years, and how much of it is interest?");
            let a = format!(
                "Balance after n years: {p} x (1 + {r}/100)^n.\n{rows}\nFinal answer: {:.2} EUR after {years} years, of which {:.2} EUR is interest.",
                bal,
                bal - p as f64
            );
            (q, a)
        }
    }
}

/// (option A, option B, A pros, B pros, rule: prefer A when small team / low load)
const TRADEOFFS: &[(&str, &str, &str, &str)] = &[
    (
        "PostgreSQL",
        "DynamoDB",
        "relational queries, transactions, joins and ad-hoc SQL for analytics",
        "effortless horizontal scaling and single-digit millisecond reads at any volume",
    ),
    (
        "a modular monolith",
        "microservices",
        "one deployable, simple local development and refactoring across modules",
        "independent deployments and scaling per service for many autonomous teams",
    ),
    (
        "RabbitMQ",
        "Kafka",
        "flexible routing, per-message acknowledgement and simple operations",
        "durable replayable logs and very high throughput for event streaming",
    ),
    (
        "a managed PaaS (Heroku-style)",
        "Kubernetes",
        "no cluster to operate, fast deploys and small ops burden",
        "fine-grained control over scheduling, autoscaling and multi-service workloads",
    ),
    (
        "server-rendered HTML",
        "a React single-page app",
        "fast first paint, SEO and little client-side state",
        "rich interactivity and offline-capable clients",
    ),
];

fn tradeoff(g: &mut Gen) -> (String, String) {
    let (a, b, pa, pb) = g.pick(TRADEOFFS);
    let company = g.pick(COMPANIES);
    let team = g.range(2, 60);
    let rps = g.pick(&[50u64, 200, 800, 3_000, 20_000, 120_000]);
    let use_case = g.pick(&[
        "order management",
        "an internal analytics tool",
        "a customer-facing booking system",
        "IoT telemetry ingestion",
        "a B2B invoicing product",
    ]);
    let q = format!("At {company} we are building {use_case}. We expect about {rps} requests per second at peak and the team has {team} engineers. Should we go with {a} or {b}? Please weigh the trade-offs and give a recommendation.");
    let small = team <= 12;
    let low = rps <= 3_000;
    let pick_a = small || low;
    let (choice, other) = if pick_a { (a, b) } else { (b, a) };
    let why = match (small, low) {
        (true, true) => format!("with {team} engineers and {rps} requests per second you are well within what {a} handles, and its simplicity matters more than extreme scale"),
        (true, false) => format!("{rps} requests per second is demanding, but a team of {team} cannot afford the operational overhead of {b}; scale {a} vertically and with read replicas or caching first"),
        (false, true) => format!("{rps} requests per second does not need {b}, and even with {team} engineers the simpler option keeps delivery fast"),
        (false, false) => format!("at {rps} requests per second and with {team} engineers to own the extra complexity, the scaling model of {b} pays off"),
    };
    let ans = format!(
        "## Options\n**{a}**: strong at {pa}.\n**{b}**: strong at {pb}.\n\n## What matters here\n- Load: {rps} req/s at peak ({}).\n- Team: {team} engineers ({}).\n- Use case: {use_case}.\n\n## Recommendation\nGo with {choice}: {why}. Revisit {other} if the load or the team grows by an order of magnitude.",
        if low { "moderate" } else { "high" },
        if small { "small" } else { "large enough to run several services" }
    );
    (q, ans)
}

const SIGHTS: &[&str] = &[
    "the old town walking tour",
    "the main art museum",
    "a food market",
    "the botanical garden",
    "a river or harbour cruise",
    "the science museum",
    "a day trip to the coast",
    "the castle or cathedral",
    "a local cooking class",
    "the city viewpoint at sunset",
];

fn plan(g: &mut Gen) -> (String, String) {
    let (city, _, _, sym, _) = g.pick(CITIES);
    let days = g.range(2, 5) as usize;
    let budget = g.range(8, 60) * 100;
    let interests: Vec<&str> = g.sample(
        &[
            "food",
            "history",
            "art",
            "nature",
            "nightlife",
            "architecture",
        ],
        2,
    );
    let q = format!("Plan a {days}-day trip to {city} for two people with a total budget of {sym}{budget}. We like {} and {}. Give a day-by-day plan and a budget breakdown.", interests[0], interests[1]);
    let sights = g.sample(SIGHTS, days * 2);
    let mut a = format!(
        "## {days} days in {city} ({} and {})\n",
        interests[0], interests[1]
    );
    for d in 0..days {
        let evening = match interests[d % 2] {
            "food" => "dinner at a well-reviewed local restaurant",
            "history" => "a guided evening history walk",
            "art" => "a late opening at a gallery",
            "nature" => "a sunset walk in the largest park",
            "nightlife" => "bars in the liveliest district",
            _ => "a night photo walk past the landmark buildings",
        };
        a.push_str(&format!(
            "**Day {}**: morning: {}; afternoon: {}; evening: {evening}.\n",
            d + 1,
            sights[2 * d],
            sights[2 * d + 1]
        ));
    }
    let split = [
        ("Accommodation", 45u64),
        ("Food", 25),
        ("Activities", 20),
        ("Local transport", 10),
    ];
    a.push_str(&format!("\n## Budget ({sym}{budget} total)\n"));
    for (k, pct) in split {
        a.push_str(&format!("- {k} ({pct}%): {sym}{}\n", budget * pct / 100));
    }
    a.push_str(&format!(
        "\nThat is about {sym}{} per person per day.",
        budget / (2 * days as u64)
    ));
    (q, a)
}

pub(crate) fn open_reasoning(g: &mut Gen) -> Call {
    let system = g.pick(REASON_SYSTEMS).to_string();
    let (user, answer) = match g.range(0, 5) {
        0 | 1 => math(g),
        2 | 3 => tradeoff(g),
        _ => plan(g),
    };
    Call::text(Task::OpenReasoning, system, user, answer)
}

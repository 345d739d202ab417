//! Workflow-automation calls: the model answers with one JSON tool call whose
//! arguments are read off the user request (or off a previous tool result).

use chrono::{Datelike, Duration};

use super::json::{object, quote, str_array};
use super::pii::{Kind, Place};
use super::words::{
    cap, fill, COMPANIES, MONTHS, PRIORITIES, SCOPES, SERVICES, SYMPTOMS, TEAMS, WEEKDAYS,
};
use super::{Call, Gen, Msg, Task, ToolCall};

pub(crate) const TOOLS: &str = r#"[{"type":"function","function":{"name":"create_ticket","description":"Open a ticket in the issue tracker.","parameters":{"type":"object","properties":{"title":{"type":"string"},"description":{"type":"string"},"priority":{"type":"string","enum":["low","medium","high","urgent"]},"team":{"type":"string"}},"required":["title","priority","team"]}}},{"type":"function","function":{"name":"send_email","description":"Send an e-mail on behalf of the user.","parameters":{"type":"object","properties":{"to":{"type":"string","description":"recipient e-mail address"},"subject":{"type":"string"},"body":{"type":"string"}},"required":["to","subject","body"]}}},{"type":"function","function":{"name":"schedule_meeting","description":"Create a calendar event and invite attendees.","parameters":{"type":"object","properties":{"title":{"type":"string"},"attendees":{"type":"array","items":{"type":"string"}},"start":{"type":"string","description":"ISO 8601 local date-time"},"duration_minutes":{"type":"integer"},"timezone":{"type":"string"}},"required":["title","attendees","start","duration_minutes"]}}},{"type":"function","function":{"name":"update_crm","description":"Update a field of an account or contact in the CRM.","parameters":{"type":"object","properties":{"account":{"type":"string"},"contact":{"type":"string"},"field":{"type":"string"},"value":{"type":"string"}},"required":["account","field","value"]}}},{"type":"function","function":{"name":"lookup_customer","description":"Find a customer record by name or id.","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}}]"#;

const SYSTEMS: &[&str] = &[
    "You are an operations assistant for {COMPANY}. Today is {TODAY}. Use the provided tools to carry out the user's request. Call exactly one tool per turn and fill every argument from the request; never invent values.",
    "You are {COMPANY}'s workflow automation agent acting on behalf of {USER}. Current date: {TODAY}. Respond only with a tool call.",
    "Role: back-office automation bot ({COMPANY}).\nDate: {TODAY}\nRules:\n- pick the single best tool\n- copy names, dates and numbers exactly from the request\n- priorities are one of low, medium, high, urgent",
];

const STAGES: &[&str] = &[
    "qualified",
    "proposal sent",
    "negotiation",
    "closed won",
    "closed lost",
    "churn risk",
];
const NOTES: &[&str] = &[
    "they asked for a revised quote",
    "legal review is pending",
    "the champion left the company",
    "budget is approved for Q1",
    "they want a pilot with 20 seats",
    "procurement needs a security questionnaire",
];
const MEETINGS: &[&str] = &[
    "design review",
    "quarterly planning",
    "customer onboarding call",
    "incident postmortem",
    "1:1",
    "sprint retro",
    "vendor demo",
];
const PURPOSES: &[(&str, &str)] = &[
    (
        "confirm that the contract renewal is approved",
        "Contract renewal approved",
    ),
    ("ask for the signed NDA", "Signed NDA"),
    (
        "send the agenda for next week's workshop",
        "Workshop agenda",
    ),
    (
        "let them know the shipment is delayed by two days",
        "Shipment delayed",
    ),
    (
        "thank them for the feedback on the beta",
        "Thanks for your beta feedback",
    ),
    ("remind them that the invoice is overdue", "Invoice overdue"),
];

fn tc(g: &mut Gen, name: &'static str, args: String) -> ToolCall {
    ToolCall {
        id: g.call_id(),
        name,
        arguments: args,
    }
}

fn create_ticket(g: &mut Gen) -> (String, ToolCall) {
    let service = g.pick(SERVICES);
    let (symptom, title) = g.pick(SYMPTOMS);
    let scope = g.pick(SCOPES);
    let priority = g.pick(PRIORITIES);
    let team = g.pick(TEAMS);
    let mut detail = format!("The {service} is {symptom} for {scope}.");
    if let Some((_, ip)) = g.take(Place::ToolArgs) {
        detail.push_str(&format!(" Affected client: {ip}."));
    }
    let user = match g.range(0, 2) {
        0 => format!("{detail} Please open a {priority} priority ticket for the {team} team."),
        1 => format!("Can you file a ticket? {detail} Priority {priority}, route it to {team}."),
        _ => format!("New issue for {team}: {detail} Treat it as {priority}."),
    };
    let args = object(&[
        ("title", quote(&format!("{}: {title}", cap(service)))),
        ("description", quote(&detail)),
        ("priority", quote(priority)),
        ("team", quote(team)),
    ]);
    let tc = tc(g, "create_ticket", args);
    (user, tc)
}

fn send_email(g: &mut Gen, sender: &str) -> (String, ToolCall) {
    let (first, last) = g.person();
    // A recipient address is inherently PII.
    let to = g.plant_email(first, last);
    let (purpose, subject) = g.pick(PURPOSES);
    let user = match g.range(0, 2) {
        0 => format!("Email {first} {last} at {to} to {purpose}."),
        1 => format!("Please write to {to} ({first} {last}) and {purpose}. Keep it short."),
        _ => format!("Send {first} a quick note ({to}): {purpose}."),
    };
    let body = format!("Hi {first},\n\nI wanted to {purpose}. Let me know if you have any questions.\n\nBest regards,\n{sender}");
    let args = object(&[
        ("to", quote(&to)),
        ("subject", quote(subject)),
        ("body", quote(&body)),
    ]);
    (user, tc(g, "send_email", args))
}

fn schedule_meeting(g: &mut Gen, tz: &str) -> (String, ToolCall) {
    let title = g.pick(MEETINGS);
    let offset = g.range(1, 12) as i64;
    let day = g.date + Duration::days(offset);
    let hour = g.range(8, 17);
    let minute = g.pick(&[0u64, 0, 15, 30, 45]);
    let duration = g.pick(&[15u64, 30, 30, 45, 60, 90]);
    let n = g.range(1, 3) as usize;
    let mut attendees = Vec::new();
    for _ in 0..n {
        let (f, l) = g.person();
        if g.wants(Place::ToolArgs) {
            attendees.push(g.plant_email(f, l));
        } else {
            attendees.push(format!("{f} {l}"));
        }
    }
    let when = if offset == 1 && g.chance(0.5) {
        "tomorrow".to_string()
    } else {
        format!(
            "{}, {} {}",
            WEEKDAYS[day.weekday().num_days_from_monday() as usize],
            MONTHS[day.month0() as usize],
            day.day()
        )
    };
    let time = if hour < 12 {
        format!("{}:{:02} am", hour, minute)
    } else if hour == 12 {
        format!("12:{:02} pm", minute)
    } else {
        format!("{}:{:02} pm", hour - 12, minute)
    };
    let people =
        super::metagpt::join_and(&attendees.iter().map(String::as_str).collect::<Vec<_>>());
    let user = match g.range(0, 2) {
        0 => format!("Set up a {duration}-minute {title} with {people} {when} at {time}."),
        1 => format!("Book {duration} min for a {title} {when}, {time}, invite {people}."),
        _ => format!("Schedule a {title} with {people} on {when} at {time} ({duration} minutes)."),
    };
    let user = user.replace("on tomorrow", "tomorrow");
    let args = object(&[
        ("title", quote(&cap(title))),
        ("attendees", str_array(&attendees)),
        (
            "start",
            quote(&format!(
                "{}T{:02}:{:02}:00",
                day.format("%Y-%m-%d"),
                hour,
                minute
            )),
        ),
        ("duration_minutes", duration.to_string()),
        ("timezone", quote(tz)),
    ]);
    (user, tc(g, "schedule_meeting", args))
}

fn update_crm(g: &mut Gen) -> (String, ToolCall) {
    let account = g.pick(COMPANIES);
    if g.wants(Place::ToolArgs) || g.chance(0.15) {
        let (f, l) = g.person();
        let (field, kind) = g.pick(&[
            ("phone", Kind::Phone),
            ("email", Kind::Email),
            ("phone", Kind::Phone),
        ]);
        let v = if kind == Kind::Email {
            g.plant_email(f, l)
        } else {
            g.plant(kind)
        };
        let user = format!("Update the {field} of {f} {l} at {account} to {v}.");
        let args = object(&[
            ("account", quote(account)),
            ("contact", quote(&format!("{f} {l}"))),
            ("field", quote(field)),
            ("value", quote(&v)),
        ]);
        return (user, tc(g, "update_crm", args));
    }
    let stage = g.pick(STAGES);
    let note = g.pick(NOTES);
    let user = match g.range(0, 1) {
        0 => format!("Move the {account} deal to {stage} and note that {note}."),
        _ => format!("CRM: {account} is now {stage}; {note}."),
    };
    let args = object(&[
        ("account", quote(account)),
        ("field", quote("stage")),
        ("value", quote(stage)),
        ("note", quote(note)),
    ]);
    (user, tc(g, "update_crm", args))
}

/// Two-step flow: the model already looked the customer up; now it acts on
/// the tool result (the id comes from the result, not from the request).
fn after_lookup(g: &mut Gen) -> (Vec<Msg>, ToolCall) {
    let (f, l) = g.person();
    let account = g.pick(COMPANIES);
    let stage = g.pick(STAGES);
    let user =
        format!("Find the customer {f} {l} from {account} and mark their account as {stage}.");
    let lookup = tc(
        g,
        "lookup_customer",
        object(&[("query", quote(&format!("{f} {l}")))]),
    );
    let cid = format!("cus_{}", g.hex(7));
    let mut fields = vec![
        ("customer_id", quote(&cid)),
        ("name", quote(&format!("{f} {l}"))),
        ("account", quote(account)),
    ];
    if g.wants(Place::ToolResult) || g.chance(0.3) {
        let e = g.plant_email(f, l);
        fields.push(("email", quote(&e)));
    }
    if g.wants(Place::ToolResult) {
        let kind = g.pick(&[Kind::Phone, Kind::Card, Kind::Iban, Kind::Ssn]);
        let v = g.plant(kind);
        let key = match kind {
            Kind::Phone => "phone",
            Kind::Card => "card_on_file",
            Kind::Iban => "iban",
            _ => "tax_id",
        };
        fields.push((key, quote(&v)));
    }
    fields.push((
        "plan",
        quote(g.pick(&["starter", "business", "enterprise"])),
    ));
    let result = object(&fields);
    let id = lookup.id.clone();
    let answer = tc(
        g,
        "update_crm",
        object(&[
            ("customer_id", quote(&cid)),
            ("field", quote("stage")),
            ("value", quote(stage)),
        ]),
    );
    (
        vec![
            Msg::user(user),
            Msg::assistant_tools(vec![lookup]),
            Msg::tool(id, result),
        ],
        answer,
    )
}

pub(crate) fn tool_call(g: &mut Gen) -> Call {
    let company = g.pick(COMPANIES);
    let (uf, ul) = g.person();
    let sender = format!("{uf} {ul}");
    let today = g.date;
    let today_s = format!(
        "{} {}",
        WEEKDAYS[today.weekday().num_days_from_monday() as usize],
        today.format("%Y-%m-%d")
    );
    let tz = g.pick(super::words::CITIES).2;
    let system = fill(
        g.pick(SYSTEMS),
        &[("COMPANY", company), ("TODAY", &today_s), ("USER", &sender)],
    ) + &format!("\nUser time zone: {tz}.");
    let mut messages = vec![Msg::system(system)];
    let which = g.range(0, 9);
    let answer = if which == 9 || g.wants(Place::ToolResult) {
        let (turn, tc) = after_lookup(g);
        messages.extend(turn);
        tc
    } else {
        let (user, tc) = match which {
            0 | 1 => create_ticket(g),
            2 | 3 => send_email(g, &sender),
            4..=6 => schedule_meeting(g, tz),
            _ => update_crm(g),
        };
        messages.push(Msg::user(user));
        tc
    };
    Call {
        task: Task::WorkflowToolCall,
        messages,
        tools: Some(TOOLS),
        content: None,
        tool_calls: vec![answer],
        meta: Vec::new(),
    }
}

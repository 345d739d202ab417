//! MetaGPT-style software-company calls: product manager (PRD), architect
//! (system design / API design), engineer (code) and QA (pytest tests).
//! Prompts follow MetaGPT's action-node layout; answers are derived only
//! from what the prompt says (product, features, entities, function spec).

use super::json::{quote, str_array};
use super::words::{cap, fill, snake, COMPANIES};
use super::{meta_plain, Call, Gen, Task};

mod code;
mod products;
pub(crate) use code::{engineer_code, qa_tests};
use products::{Product, PRODUCTS};

const REQ_TEMPLATES: &[&str] = &[
    "Write {PRODUCT} where users can {F}.",
    "Create {PRODUCT} for {AUD}s. It must let them {F}.",
    "We need {PRODUCT} for {COMPANY}. Requirements: users can {F}.",
    "Design {PRODUCT} ({PLATFORM}). As a {AUD} I want to {F}.",
    "Build {PRODUCT}; the MVP should let a {AUD} {F}.",
];

const PM_SYSTEMS: &[&str] = &[
    "You are a Product Manager, named Alice, your goal is Efficiently create a successful product that meets market demands and user expectations, and the constraint is utilize the same language as the user requirements for seamless communication. ",
    "You are Alice, a professional product manager. Your goal is to design a concise, usable, efficient product. Constraint: use the same language as the user requirement.",
    "You are a senior product manager at {COMPANY}. You write precise PRDs as JSON for the engineering team. Prioritise ruthlessly and never invent requirements the user did not ask for.",
];

const PRD_FORMAT: &str = r#"## format example
[CONTENT]
{
    "Language": "en_us",
    "Programming Language": "Python",
    "Original Requirements": "Create a 2048 game",
    "Project Name": "game_2048",
    "Product Goals": ["Create an engaging user experience", "Improve accessibility, be responsive", "More beautiful UI"],
    "User Stories": ["As a player, I want to be able to choose difficulty levels", "As a player, I want to see my score after each game"],
    "Competitive Analysis": ["2048 Game A: Simple interface, lacks responsive features", "play2048.co: Beautiful and responsive UI with my best score shown"],
    "Requirement Analysis": "",
    "Requirement Pool": [["P0", "The main code ..."], ["P0", "The game algorithm ..."]],
    "UI Design draft": "Basic function description with a simple style and layout.",
    "Anything UNCLEAR": ""
}
[/CONTENT]

## nodes: "<node>: <type>  # <instruction>"
- Language: <class 'str'>  # Provide the language used in the project, typically matching the user's requirement language.
- Programming Language: <class 'str'>  # Python/JavaScript or other mainstream programming language.
- Original Requirements: <class 'str'>  # Place the original user's requirements here.
- Project Name: <class 'str'>  # According to the content of "Original Requirements," name the project using snake case style.
- Product Goals: typing.List[str]  # Provide up to three clear, orthogonal product goals.
- User Stories: typing.List[str]  # Provide up to 3 to 5 scenario-based user stories.
- Competitive Analysis: typing.List[str]  # Provide 5 to 7 competitive products.
- Requirement Analysis: <class 'str'>  # Provide a detailed analysis of the requirements.
- Requirement Pool: typing.List[typing.List[str]]  # List down the top-5 requirements with their priority (P0, P1, P2).
- UI Design draft: <class 'str'>  # Provide a simple description of UI elements, functions, style, and layout.
- Anything UNCLEAR: <class 'str'>  # Mention any aspects of the project that are unclear and try to clarify them.


## constraint
Language: Please use the same language as Human INPUT.
Format: output wrapped inside [CONTENT][/CONTENT] like format example, nothing else.

## action
Follow instructions of nodes, generate output and make sure it follows the format example.
"#;

const DESIGN_FORMAT: &str = r#"## format example
[CONTENT]
{
    "Implementation approach": "We will ...",
    "File list": ["main.py", "game.py"],
    "Data structures and interfaces": "\nclassDiagram\n    class Main {\n        -SearchEngine search_engine\n        +main() str\n    }\n    class SearchEngine {\n        -Index index\n        +search(query: str) str\n    }\n    Main --> SearchEngine\n",
    "Program call flow": "\nsequenceDiagram\n    participant M as Main\n    participant SE as SearchEngine\n    M->>SE: search(query)\n    SE-->>M: return summary\n",
    "Anything UNCLEAR": "Clarification needed on third-party API integration, ..."
}
[/CONTENT]

## nodes: "<node>: <type>  # <instruction>"
- Implementation approach: <class 'str'>  # Analyze the difficult points of the requirements, select the appropriate open-source framework.
- File list: typing.List[str]  # Only need relative paths. ALWAYS write a main.py or app.py here
- Data structures and interfaces: typing.Optional[str]  # Use mermaid classDiagram code syntax, including classes, method(__init__ etc.) and functions with type annotations, CLEARLY MARK the RELATIONSHIPS between classes, and comply with PEP8 standards. The data structures SHOULD BE VERY DETAILED and the API should be comprehensive with a complete design.
- Program call flow: typing.Optional[str]  # Use sequenceDiagram code syntax, COMPLETE and VERY DETAILED, using CLASSES AND API DEFINED ABOVE accurately, covering the CRUD AND INIT of each object, SYNTAX MUST BE CORRECT.
- Anything UNCLEAR: <class 'str'>  # Mention unclear project aspects, then try to clarify it.


## constraint
Language: Please use the same language as Human INPUT.
Format: output wrapped inside [CONTENT][/CONTENT] like format example, nothing else.

## action
Follow instructions of nodes, generate output and make sure it follows the format example.
"#;

const ARCH_SYSTEMS: &[&str] = &[
    "You are a Architect, named Bob, your goal is design a concise, usable, complete software system, and the constraint is make sure the architecture is simple enough and use  appropriate open source libraries. Use same language as user requirement. ",
    "You are Bob, a software architect. Design simple, complete systems with appropriate open-source libraries and clear interfaces.",
    "You are a principal engineer at {COMPANY}. Produce module layouts, data structures and API designs that a mid-level team can implement in two sprints.",
];

struct Prd {
    product: &'static Product,
    feats: Vec<(&'static str, &'static str, &'static str)>,
    req: String,
}

fn make_prd(g: &mut Gen) -> Prd {
    let product = &PRODUCTS[g.range(0, PRODUCTS.len() as u64 - 1) as usize];
    let k = g.range(3, 5) as usize;
    let feats = g.sample(product.features, k);
    let company = g.pick(COMPANIES);
    let ti = g.range(0, REQ_TEMPLATES.len() as u64 - 1) as usize;
    // Template 3 is in the first person ("As a ... I want to ..."), the others in the third.
    let phrases: Vec<String> = feats
        .iter()
        .map(|f| if ti == 3 { f.0.to_string() } else { third(f.0) })
        .collect();
    let flist = join_and(&phrases.iter().map(String::as_str).collect::<Vec<_>>());
    let req = fill(
        REQ_TEMPLATES[ti],
        &[
            ("PRODUCT", product.name),
            ("AUD", product.audience),
            ("F", &flist),
            ("COMPANY", company),
            ("PLATFORM", product.platform),
        ],
    );
    Prd {
        product,
        feats,
        req,
    }
}

/// "see my score" -> "see their score".
fn third(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, w) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(match w {
            "my" => "their",
            "I" => "they",
            "me" => "them",
            w => w,
        });
    }
    out
}

pub(crate) fn join_and(xs: &[&str]) -> String {
    match xs.len() {
        0 => String::new(),
        1 => xs[0].to_string(),
        n => format!("{} and {}", xs[..n - 1].join(", "), xs[n - 1]),
    }
}

fn prd_json(p: &Prd) -> String {
    let pr = p.product;
    let goals: Vec<String> = p
        .feats
        .iter()
        .take(3)
        .map(|f| format!("Let every {} {}", pr.audience, third(f.0)))
        .collect();
    let stories: Vec<String> = p
        .feats
        .iter()
        .map(|f| format!("As a {}, I want to {} so that {}", pr.audience, f.0, f.1))
        .collect();
    let pool: Vec<String> = p
        .feats
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "[\"{}\", {}]",
                ["P0", "P0", "P1", "P1", "P2"][i.min(4)],
                quote(&cap(f.0))
            )
        })
        .collect();
    format!(
        "{{\n    \"Language\": \"en_us\",\n    \"Programming Language\": \"Python\",\n    \"Original Requirements\": {},\n    \"Project Name\": \"{}\",\n    \"Product Goals\": {},\n    \"User Stories\": {},\n    \"Competitive Analysis\": {},\n    \"Requirement Analysis\": {},\n    \"Requirement Pool\": [{}],\n    \"UI Design draft\": {},\n    \"Anything UNCLEAR\": {}\n}}",
        quote(&p.req),
        pr.project,
        str_array(&goals),
        str_array(&stories),
        str_array(pr.competitors),
        quote(&format!(
            "The product is {} for the {} platform. The {} core requirements must all work offline-first and stay simple; the top priority is that users can {}.",
            pr.name,
            pr.platform,
            p.feats.len(),
            third(p.feats[0].0)
        )),
        pool.join(", "),
        quote(&format!(
            "A single main screen for {} with one clearly labelled control per core action ({}), a status area, and a clean, accessible style.",
            pr.name,
            p.feats.iter().map(|f| f.2.split('(').next().unwrap_or("")).collect::<Vec<_>>().join(", ")
        )),
        quote(if p.feats.len() > 3 { "The relative priority of the lower-ranked features should be confirmed with stakeholders." } else { "No unclear aspects; the scope is small." }),
    )
}

pub(crate) fn pm_prd(g: &mut Gen) -> Call {
    let prd = make_prd(g);
    let company = g.pick(COMPANIES);
    let system = fill(g.pick(PM_SYSTEMS), &[("COMPANY", company)]);
    let body = prd_json(&prd);
    let (user, answer) = if g.chance(0.75) {
        (
            format!(
                "\n## context\n\n### Project Name\n{}\n\n### Original Requirements\n{}\n\n### Search Information\n-\n\n\n-----\n\n{}",
                prd.product.project, prd.req, PRD_FORMAT
            ),
            format!("[CONTENT]\n{body}\n[/CONTENT]"),
        )
    } else {
        (
            format!(
                "Write the PRD for the following requirement. Answer with a single JSON object with the keys Language, Programming Language, Original Requirements, Project Name, Product Goals, User Stories, Competitive Analysis, Requirement Analysis, Requirement Pool, UI Design draft and Anything UNCLEAR.\n\nRequirement: {}",
                prd.req
            ),
            body,
        )
    };
    let mut call = Call::text(Task::PmPrd, system, user, answer);
    call.meta
        .push(meta_plain("role_profile", "\"ProductManager\"".into()));
    call
}

fn class_diagram(p: &Prd) -> String {
    let pr = p.product;
    let mut s = String::from("\nclassDiagram\n    class Main {\n");
    s.push_str(&format!(
        "        -{} app\n        +main() None\n    }}\n",
        pr.classes[0].0
    ));
    for (i, (name, members)) in pr.classes.iter().enumerate() {
        s.push_str(&format!("    class {name} {{\n"));
        for m in members.iter() {
            s.push_str(&format!("        {m}\n"));
        }
        if i == 0 {
            s.push_str("        +__init__() None\n");
            for f in &p.feats {
                s.push_str(&format!("        +{}\n", f.2));
            }
        }
        s.push_str("    }\n");
    }
    s.push_str(&format!("    Main --> {}\n", pr.classes[0].0));
    for (name, _) in &pr.classes[1..] {
        s.push_str(&format!("    {} --> {}\n", pr.classes[0].0, name));
    }
    s
}

fn call_flow(p: &Prd) -> String {
    let pr = p.product;
    let main = pr.classes[0].0;
    let mut s =
        format!("\nsequenceDiagram\n    participant M as Main\n    participant A as {main}\n");
    for (name, _) in &pr.classes[1..] {
        s.push_str(&format!("    participant {name}\n"));
    }
    s.push_str("    M->>A: __init__()\n");
    for (i, f) in p.feats.iter().enumerate() {
        let method = f.2.split(')').next().unwrap_or("").to_string() + ")";
        let helper = pr.classes[1 + i % (pr.classes.len() - 1)].0;
        s.push_str(&format!("    M->>A: {method}\n    A->>{helper}: delegate\n    {helper}-->>A: result\n    A-->>M: done\n"));
    }
    s
}

fn design_json(p: &Prd) -> String {
    let pr = p.product;
    let mut files = vec!["main.py".to_string()];
    files.extend(pr.classes.iter().map(|(c, _)| format!("{}.py", snake(c))));
    format!(
        "{{\n    \"Implementation approach\": {},\n    \"File list\": {},\n    \"Data structures and interfaces\": {},\n    \"Program call flow\": {},\n    \"Anything UNCLEAR\": {}\n}}",
        quote(&format!(
            "We will implement {} in Python with {}. {} owns the application state and exposes one method per requirement ({}); {} are small collaborators kept in their own modules so each can be unit tested. No other third-party dependencies are needed for the MVP.",
            pr.name,
            pr.framework,
            pr.classes[0].0,
            p.feats.len(),
            pr.classes[1..].iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        )),
        str_array(&files),
        quote(&class_diagram(p)),
        quote(&call_flow(p)),
        quote("Persistence format and deployment target are not specified; we assume local storage and a single process."),
    )
}

/// Entities for API-design prompts: (name, fields as (name, python type)).
const ENTITIES: &[(&str, &[(&str, &str)])] = &[
    (
        "Order",
        &[
            ("customer_id", "str"),
            ("items", "list[LineItem]"),
            ("total_cents", "int"),
            ("status", "OrderStatus"),
            ("created_at", "datetime"),
        ],
    ),
    (
        "Customer",
        &[
            ("name", "str"),
            ("segment", "str"),
            ("country", "str"),
            ("created_at", "datetime"),
        ],
    ),
    (
        "Invoice",
        &[
            ("order_id", "str"),
            ("amount_cents", "int"),
            ("currency", "str"),
            ("due_date", "date"),
            ("paid", "bool"),
        ],
    ),
    (
        "Shipment",
        &[
            ("order_id", "str"),
            ("carrier", "str"),
            ("tracking_number", "str"),
            ("shipped_at", "datetime"),
        ],
    ),
    (
        "Product",
        &[
            ("sku", "str"),
            ("title", "str"),
            ("price_cents", "int"),
            ("stock", "int"),
        ],
    ),
    (
        "Ticket",
        &[
            ("subject", "str"),
            ("priority", "Priority"),
            ("assignee_id", "str | None"),
            ("status", "TicketStatus"),
        ],
    ),
    (
        "Subscription",
        &[
            ("customer_id", "str"),
            ("plan", "str"),
            ("renews_on", "date"),
            ("cancelled", "bool"),
        ],
    ),
    (
        "Appointment",
        &[
            ("patient_id", "str"),
            ("doctor_id", "str"),
            ("starts_at", "datetime"),
            ("duration_min", "int"),
        ],
    ),
    (
        "Employee",
        &[
            ("name", "str"),
            ("department", "str"),
            ("manager_id", "str | None"),
            ("hired_on", "date"),
        ],
    ),
    (
        "Review",
        &[
            ("product_id", "str"),
            ("rating", "int"),
            ("body", "str"),
            ("verified", "bool"),
        ],
    ),
    (
        "Payment",
        &[
            ("invoice_id", "str"),
            ("method", "str"),
            ("amount_cents", "int"),
            ("captured_at", "datetime"),
        ],
    ),
    (
        "Warehouse",
        &[("code", "str"), ("city", "str"), ("capacity", "int")],
    ),
];

const DOMAINS: &[&str] = &[
    "e-commerce",
    "healthcare scheduling",
    "subscription billing",
    "customer support",
    "HR",
    "logistics",
];

fn api_design(g: &mut Gen) -> (String, String) {
    let k = g.range(2, 3) as usize;
    let ents = g.sample(ENTITIES, k);
    let company = g.pick(COMPANIES);
    let domain = g.pick(DOMAINS);
    let pkg = format!(
        "{}_{}",
        snake(company),
        snake(domain).split('_').next().unwrap_or("api")
    );
    let mut spec = String::new();
    for (name, fields) in &ents {
        spec.push_str(&format!(
            "- {name}: {}\n",
            fields.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
        ));
    }
    let user = match g.range(0, 2) {
        0 => format!("Design the REST API and module layout for the {domain} backend of {company}. Resources:\n{spec}\nGive the package layout, the data classes and the endpoint table."),
        1 => format!("We are starting a new {domain} service at {company} (package `{pkg}`). Propose the module layout, data structures and HTTP API for these entities:\n{spec}Keep it CRUD-style and versioned under /v1."),
        _ => format!("Architecture task: {company} needs an API for {domain}.\nEntities and fields:\n{spec}\nOutput: 1) module layout 2) Python dataclasses 3) endpoints."),
    };
    let mut ans = format!("## Module layout\n```\n{pkg}/\n    __init__.py\n    main.py            # FastAPI app, router registration\n    models.py          # dataclasses below\n    storage.py         # repository interfaces\n    api/\n");
    for (name, _) in &ents {
        ans.push_str(&format!("        {}.py\n", plural(&snake(name))));
    }
    ans.push_str("```\n\n## Data structures\n```python\nfrom dataclasses import dataclass\nfrom datetime import date, datetime\n\n");
    for (name, fields) in &ents {
        ans.push_str(&format!("\n@dataclass\nclass {name}:\n    id: str\n"));
        for (f, t) in fields.iter() {
            ans.push_str(&format!("    {f}: {t}\n"));
        }
    }
    ans.push_str("```\n\n## Endpoints\n| Method | Path | Description |\n| --- | --- | --- |\n");
    for (name, _) in &ents {
        let p = plural(&snake(name)).replace('_', "-");
        let lower = name.to_lowercase();
        ans.push_str(&format!(
            "| GET | /v1/{p} | List {lower}s (paginated: limit, cursor) |\n| POST | /v1/{p} | Create a {lower} |\n| GET | /v1/{p}/{{id}} | Fetch one {lower} |\n| PATCH | /v1/{p}/{{id}} | Update fields of a {lower} |\n| DELETE | /v1/{p}/{{id}} | Delete a {lower} |\n"
        ));
    }
    ans.push_str(
        "\nAll endpoints return JSON, use 404 for unknown ids and 422 for validation errors.",
    );
    (user, ans)
}

fn plural(s: &str) -> String {
    if s.ends_with('y') && !s.ends_with("ey") {
        format!("{}ies", &s[..s.len() - 1])
    } else if s.ends_with('s') || s.ends_with("ch") {
        format!("{s}es")
    } else {
        format!("{s}s")
    }
}

pub(crate) fn architect_design(g: &mut Gen) -> Call {
    let company = g.pick(COMPANIES);
    let system = fill(g.pick(ARCH_SYSTEMS), &[("COMPANY", company)]);
    let (user, answer) = if g.chance(0.6) {
        let prd = make_prd(g);
        (
            format!(
                "\n## context\n\n### Legacy Content\n\n\n### New Requirements\n{}\n\n-----\n\n{}",
                prd_json(&prd),
                DESIGN_FORMAT
            ),
            format!("[CONTENT]\n{}\n[/CONTENT]", design_json(&prd)),
        )
    } else {
        api_design(g)
    };
    let mut call = Call::text(Task::ArchitectDesign, system, user, answer);
    call.meta
        .push(meta_plain("role_profile", "\"Architect\"".into()));
    call
}

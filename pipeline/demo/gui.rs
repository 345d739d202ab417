//! GUI-automation calls: Open-Operator-style browser steps (goal + element
//! list/accessibility tree -> one JSON action) and Cradle-style desktop and
//! game steps (screen description -> one JSON action). The action is a
//! deterministic function of the goal, the history and the screen.

use super::json::{object, quote};
use super::pii::{Kind, Place};
use super::words::{cap, CITIES, FIRST_NAMES, LAST_NAMES, PRODUCT_ITEMS, STREETS};
use super::{meta_plain, Call, Gen, Task};

const OPERATOR_SYSTEMS: &[&str] = &[
    "You are a browser automation agent. At each step you get the user's goal, the current URL, your previous actions and the interactive elements of the page. Reply with exactly one JSON action and nothing else.\nAvailable actions:\n{\"action\": \"click\", \"element_id\": <int>}\n{\"action\": \"type\", \"element_id\": <int>, \"text\": <string>}\n{\"action\": \"select\", \"element_id\": <int>, \"value\": <string>}\n{\"action\": \"scroll\", \"direction\": \"down\"}\n{\"action\": \"done\"}\nIf the element you need is not listed, scroll down. When the goal is achieved, answer done.",
    "You are Open Operator, an AI agent that controls a web browser to complete tasks for the user. You observe the page as a list of interactive elements with numeric ids. Think about which single action brings you closest to the goal, then output it as JSON with the keys action, element_id and (for typing) text or (for dropdowns) value. Output only the JSON.",
    "# Web agent\nYou operate a Chromium browser through element ids.\n- Use `type` for text fields, `click` for links and buttons, `select` for dropdowns.\n- Fill forms top to bottom, one field per step.\n- Output a single JSON object, no prose.",
];

/// (host, page path, site kind)
const SITES: &[(&str, &str)] = &[
    ("shop.northwind.co", "/"),
    ("www.redwood-retail.com", "/catalog"),
    ("store.acme-corp.com", "/home"),
    ("market.pioneer-foods.com", "/"),
    ("outlet.vertex-media.net", "/deals"),
];

const NAV: &[&str] = &[
    "Home",
    "Orders",
    "Account",
    "Help",
    "Deals",
    "Wishlist",
    "Gift cards",
    "Customer service",
    "Notifications",
    "Settings",
    "Returns",
    "Track package",
];
const SORTS: &[&str] = &[
    "Price: low to high",
    "Price: high to low",
    "Newest arrivals",
    "Avg. customer review",
    "Featured",
];
const FILLER: &[(&str, &str)] = &[
    ("image", "Site logo"),
    ("button", "Menu"),
    ("link", "Privacy notice"),
    ("link", "Cookie preferences"),
    ("button", "Accept cookies"),
    ("checkbox", "Free delivery only"),
    ("checkbox", "In stock"),
    ("link", "Sell on our store"),
    ("button", "Language: English"),
    ("link", "Careers"),
    ("button", "Chat with us"),
    ("link", "Next page"),
];

struct El {
    id: u64,
    role: &'static str,
    label: String,
}

fn render(g: &mut Gen, els: &[El], tree_style: u64) -> String {
    let mut s = String::with_capacity(els.len() * 40);
    for e in els {
        match tree_style {
            0 => {
                let tag = match e.role {
                    "link" => "a",
                    "textbox" => "input",
                    "combobox" => "select",
                    "checkbox" => "input type=checkbox",
                    "image" => "img",
                    "status" => "div role=status",
                    _ => "button",
                };
                let close = tag.split(' ').next().unwrap_or(tag);
                s.push_str(&format!("[{}]<{tag}>{}</{close}>\n", e.id, e.label));
            }
            _ => {
                s.push_str(&format!("[{}] {} '{}'", e.id, e.role, e.label));
                if e.role == "textbox" && g.chance(0.2) {
                    s.push_str(" required: False");
                }
                s.push('\n');
            }
        }
    }
    s
}

fn ids(g: &mut Gen, n: usize, style: u64) -> Vec<u64> {
    let hi = if style == 0 { 300 } else { 9000 };
    let mut out: Vec<u64> = rand::seq::index::sample(&mut g.rng, hi as usize, n)
        .into_iter()
        .map(|i| i as u64 + 1)
        .collect();
    if style == 0 {
        out.sort_unstable();
    }
    out
}

fn action(kind: &str, id: Option<u64>, extra: Option<(&str, &str)>) -> String {
    let mut f = vec![("action", quote(kind))];
    if let Some(id) = id {
        f.push(("element_id", id.to_string()));
    }
    if let Some((k, v)) = extra {
        f.push((k, quote(v)));
    }
    object(&f)
}

pub(crate) fn operator(g: &mut Gen) -> Call {
    let system = g.pick(OPERATOR_SYSTEMS).to_string();
    let (host, path) = g.pick(SITES);
    let style = g.range(0, 1);
    let product = g.pick(PRODUCT_ITEMS);
    // Page content: filler + nav + search + products.
    let mut labels: Vec<(&'static str, String)> = Vec::new();
    for (r, l) in g.sample(FILLER, 4) {
        labels.push((r, l.to_string()));
    }
    for l in g.sample(NAV, 5) {
        labels.push(("link", l.to_string()));
    }
    labels.push(("textbox", "Search products".into()));
    labels.push(("button", "Search".into()));
    let shown = g.sample(PRODUCT_ITEMS, 4);
    for p in &shown {
        labels.push(("link", cap(p)));
        labels.push(("button", format!("Add to cart: {p}")));
    }
    let mut history: Vec<String> = Vec::new();
    let mut url = format!("https://{host}{path}");
    let want_pii = g.wants(Place::User) || g.wants(Place::Response);
    let goal_kind = if want_pii { 4 } else { g.range(0, 4) };
    let goal: String;
    // Decide the goal; the answer is computed after ids are assigned.
    enum Target {
        TypeInto(String, String),
        Click(String),
        Select(String, String),
        Scroll,
        Done,
    }
    let target: Target;
    match goal_kind {
        0 => {
            let q = g.pick(PRODUCT_ITEMS);
            goal = g
                .pick(&[
                    "Search for {Q} on this site",
                    "Find {Q}",
                    "Look up {Q} and show me the results",
                ])
                .replace("{Q}", q);
            if g.chance(0.4) {
                history.push(format!("type [{{Search products}}] \"{q}\""));
                target = Target::Click("Search".into());
            } else {
                target = Target::TypeInto("Search products".into(), q.to_string());
            }
        }
        1 => {
            let present: Vec<String> = labels
                .iter()
                .filter(|(r, _)| *r == "link")
                .map(|(_, l)| l.clone())
                .filter(|l| NAV.contains(&l.as_str()))
                .collect();
            let missing: Vec<&str> = NAV
                .iter()
                .copied()
                .filter(|n| !present.iter().any(|p| p == n))
                .collect();
            if g.chance(0.15) && !missing.is_empty() {
                let sec = g.pick(&missing);
                goal = format!("Open the {sec} page");
                target = Target::Scroll;
            } else {
                let sec = present[g.range(0, present.len() as u64 - 1) as usize].clone();
                goal = g
                    .pick(&["Open the {S} page", "Go to {S}", "Navigate to my {S}"])
                    .replace("{S}", &sec);
                target = Target::Click(sec);
            }
        }
        2 => {
            let opt = g.pick(SORTS);
            goal = format!("Show {product}s sorted by {}", opt.to_lowercase());
            url = format!("https://{host}/s?k={}", product.replace(' ', "+"));
            let sort_label = format!("Sort by ({})", SORTS.join(", "));
            labels.push(("combobox", sort_label.clone()));
            history.push(format!("type [{{Search products}}] \"{product}\""));
            history.push("click [{Search}]".to_string());
            target = Target::Select(sort_label, opt.to_string());
        }
        3 => {
            let p = shown[g.range(0, shown.len() as u64 - 1) as usize];
            goal = format!("Add the {p} to my cart");
            if g.chance(0.3) {
                labels.push(("status", format!("Added to cart: {p}")));
                history.push(format!("click [{{Add to cart: {p}}}]"));
                target = Target::Done;
            } else {
                target = Target::Click(format!("Add to cart: {p}"));
            }
        }
        _ => {
            // Checkout form, filled top to bottom; PII when planned.
            let name = format!("{} {}", g.pick(FIRST_NAMES), g.pick(LAST_NAMES));
            let (city, _, _, _, _) = g.pick(CITIES);
            let street = format!("{} {}", g.range(1, 240), g.pick(STREETS));
            let zip = format!("{:05}", g.range(1000, 99999));
            let mut fields: Vec<(&str, String)> = vec![
                ("Full name", name),
                ("Street address", street),
                ("City", city.to_string()),
                ("ZIP code", zip),
            ];
            if want_pii {
                let kind = g.pick(&[Kind::Email, Kind::Phone, Kind::Email]);
                let v = g.plant(kind);
                fields.push((
                    if kind == Kind::Email {
                        "Email"
                    } else {
                        "Phone"
                    },
                    v,
                ));
            }
            url = format!("https://{host}/checkout/shipping");
            for (l, _) in &fields {
                labels.push(("textbox", l.to_string()));
            }
            labels.push(("button", "Continue to payment".into()));
            let done = g.range(0, fields.len() as u64) as usize;
            goal = format!(
                "Check out and ship to {}",
                fields
                    .iter()
                    .map(|(l, v)| format!("{}: {v}", l.to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for (l, v) in &fields[..done] {
                history.push(format!("type [{{{l}}}] \"{v}\""));
            }
            target = if done == fields.len() {
                Target::Click("Continue to payment".into())
            } else {
                Target::TypeInto(fields[done].0.to_string(), fields[done].1.clone())
            };
        }
    }
    // Shuffle and assign ids.
    let n = labels.len();
    let order = rand::seq::index::sample(&mut g.rng, n, n).into_vec();
    let id_list = ids(g, n, style);
    let els: Vec<El> = order
        .iter()
        .zip(id_list)
        .map(|(&i, id)| El {
            id,
            role: labels[i].0,
            label: labels[i].1.clone(),
        })
        .collect();
    let id_of = |label: &str| {
        els.iter()
            .find(|e| e.label == label)
            .map(|e| e.id)
            .expect("target element present")
    };
    let history: Vec<String> = history
        .iter()
        .map(|h| {
            // replace {Label} references by the element ids
            let (open, close) = (h.find('{'), h.find('}'));
            match (open, close) {
                (Some(o), Some(c)) => format!("{}{}{}", &h[..o], id_of(&h[o + 1..c]), &h[c + 1..]),
                _ => h.clone(),
            }
        })
        .collect();
    let answer = match &target {
        Target::TypeInto(l, text) => action("type", Some(id_of(l)), Some(("text", text))),
        Target::Click(l) => action("click", Some(id_of(l)), None),
        Target::Select(l, v) => action("select", Some(id_of(l)), Some(("value", v))),
        Target::Scroll => object(&[("action", quote("scroll")), ("direction", quote("down"))]),
        Target::Done => action("done", None, None),
    };
    let tree = render(g, &els, style);
    let hist = if history.is_empty() {
        "None".to_string()
    } else {
        history
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{}. {h}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let more = if matches!(target, Target::Scroll) {
        format!("... {} more elements below the fold\n", g.range(8, 40))
    } else {
        String::new()
    };
    let user = if style == 0 {
        format!("Goal: {goal}\nCurrent URL: {url}\nPrevious actions:\n{hist}\n\nInteractive elements:\n{tree}{more}")
    } else {
        format!("OBJECTIVE: {goal}\nURL: {url}\nPREVIOUS ACTIONS:\n{hist}\nOBSERVATION (accessibility tree):\nRootWebArea '{}'\n{tree}{more}", cap(host.split('.').nth(1).unwrap_or(host)))
    };
    let mut call = Call::text(Task::GuiAutomation, system, user, answer);
    call.meta
        .push(meta_plain("session_id", quote(&format!("op_{}", g.hex(6)))));
    call.meta
        .push(meta_plain("step", (history.len() + 1).to_string()));
    call
}

const CRADLE_SYSTEMS: &[&str] = &[
    "You are a helpful assistant that controls a Windows computer to complete the user's task, like a human: you see a description of the screenshot with detected UI elements and you choose the next action. Prefer keyboard shortcuts for standard commands. Respond with one JSON action: {\"action\": \"click\", \"element_id\": <int>} | {\"action\": \"hotkey\", \"keys\": [...]} | {\"action\": \"type\", \"element_id\": <int>, \"text\": <string>}.",
    "You are Cradle, a general computer control agent. Given the task, the current screen and the history of skills you executed, output the next skill as a JSON object.",
];

const GAME_SYSTEMS: &[&str] = &[
    "You are a helpful AI assistant playing Red Dead Redemption 2 on PC as the character Arthur Morgan. You receive a description of the current screenshot and the current task. Available skills: turn(degrees) (negative is left), move_forward(duration) in seconds, interact(). Choose the next skill: turn toward the target when it is more than 15 degrees off the crosshair, interact when it is within 3 meters, otherwise move forward for ceil(distance / 5) seconds. Output JSON: {\"action\": <skill>, ...}.",
    "You are an agent playing Stardew Valley. Each step you read the screen description and output one JSON action using the skills turn(degrees), move_forward(duration) and interact(). Rule of thumb: face the target first (|angle| > 15), walk ceil(distance / 5) seconds, interact when within 3 tiles.",
];

/// (app, [(goal, element label or "hotkey:keys")])
const APPS: &[(&str, &[(&str, &str)])] = &[
    (
        "Google Chrome",
        &[
            ("open a new tab", "hotkey:ctrl+t"),
            ("close the current tab", "hotkey:ctrl+w"),
            ("reload the page", "hotkey:f5"),
            ("open the Downloads page", "Downloads"),
            ("open the bookmarks bar folder Work", "Work"),
            ("open browser settings", "Settings"),
        ],
    ),
    (
        "Microsoft Outlook",
        &[
            ("start a new email", "New mail"),
            ("reply to the selected message", "Reply"),
            ("open the Calendar", "Calendar"),
            ("search mail", "hotkey:ctrl+e"),
            ("archive the selected message", "Archive"),
            ("save the draft", "hotkey:ctrl+s"),
        ],
    ),
    (
        "Feishu",
        &[
            ("open the Messenger tab", "Messenger"),
            ("open Docs", "Docs"),
            ("create a new group chat", "Create group"),
            ("search contacts", "hotkey:ctrl+k"),
            ("open the Calendar", "Calendar"),
        ],
    ),
    (
        "CapCut",
        &[
            ("import media", "Import"),
            ("split the clip at the playhead", "Split"),
            ("undo the last edit", "hotkey:ctrl+z"),
            ("export the video", "Export"),
            ("add text to the timeline", "Text"),
        ],
    ),
    (
        "File Explorer",
        &[
            ("create a new folder", "hotkey:ctrl+shift+n"),
            ("open the Documents folder", "Documents"),
            ("copy the selected file", "hotkey:ctrl+c"),
            ("rename the selected file", "hotkey:f2"),
            ("open This PC", "This PC"),
        ],
    ),
    (
        "Meitu",
        &[
            ("open Beauty retouch", "Beauty"),
            ("crop the photo", "Crop"),
            ("save the photo", "hotkey:ctrl+s"),
            ("apply the filter Natural", "Natural"),
        ],
    ),
];
const APP_FILLER: &[&str] = &[
    "Minimize",
    "Maximize",
    "Close",
    "Back",
    "Forward",
    "Help",
    "Share",
    "Profile",
    "Notifications",
    "View",
    "Edit",
    "File",
    "Tools",
    "More options",
];

const LANDMARKS: &[&str] = &[
    "the horse",
    "the general store door",
    "the campfire",
    "the wagon",
    "the mailbox",
    "the chicken coop",
    "the shipping bin",
    "the saloon entrance",
    "the stranger with a question mark",
    "the fishing spot",
];
const SCENERY: &[&str] = &[
    "It is early morning and fog covers the valley.",
    "Several townspeople walk along the dirt road.",
    "A wooden fence runs along the left side of the screen.",
    "The minimap in the bottom left shows a yellow marker.",
    "Rain is falling and the ground is muddy.",
    "The health and stamina cores are full.",
];

pub(crate) fn cradle(g: &mut Gen) -> Call {
    if g.chance(0.45) {
        return cradle_game(g);
    }
    let system = g.pick(CRADLE_SYSTEMS).to_string();
    let (app, goals) = APPS[g.range(0, APPS.len() as u64 - 1) as usize];
    let (goal, how) = goals[g.range(0, goals.len() as u64 - 1) as usize];
    let mut labels: Vec<&str> = g.sample(APP_FILLER, 6);
    for (_, h) in goals {
        if !h.starts_with("hotkey:") {
            labels.push(h);
        }
    }
    let n = labels.len();
    let order = rand::seq::index::sample(&mut g.rng, n, n).into_vec();
    let mut screen = String::new();
    let mut target_id = 0;
    for (i, &k) in order.iter().enumerate() {
        let kind = if labels[k].len() > 9 {
            "button"
        } else {
            g.pick(&["button", "tab", "icon"])
        };
        let (x, y) = (g.range(10, 1900), g.range(10, 1060));
        screen.push_str(&format!(
            "{}. {kind} \"{}\" at ({x}, {y})\n",
            i + 1,
            labels[k]
        ));
        if labels[k] == how {
            target_id = i + 1;
        }
    }
    let mut task = format!("In {app}, {goal}.");
    let mut compose = None;
    if g.wants(Place::User) || g.wants(Place::Response) {
        let v = g.plant(Kind::Email);
        task = format!("In Microsoft Outlook, write to {v} about the meeting notes.");
        compose = Some(v);
    }
    let (user, answer) = match compose {
        Some(v) => {
            let to_id = g.range(1, 30);
            (
                format!("Task: {task}\nCurrent app: Microsoft Outlook (new message window)\nLast skill: click New mail\nScreen description: an empty message form.\nDetected UI elements:\n{to_id}. textbox \"To\" at (412, 188)\n{}. textbox \"Subject\" at (412, 232)\n{}. button \"Send\" at (120, 180)\n", to_id + 1, to_id + 2),
                action("type", Some(to_id), Some(("text", &v))),
            )
        }
        None => {
            let answer = match how.strip_prefix("hotkey:") {
                Some(keys) => object(&[
                    ("action", quote("hotkey")),
                    (
                        "keys",
                        super::json::str_array(&keys.split('+').collect::<Vec<_>>()),
                    ),
                ]),
                None => action("click", Some(target_id as u64), None),
            };
            (
                format!("Task: {task}\nCurrent app: {app} (maximized, 1920x1080)\nScreen description: the main window of {app} is in focus; no dialog is open.\nDetected UI elements:\n{screen}\nWhat is the next action?"),
                answer,
            )
        }
    };
    let mut call = Call::text(Task::GuiAutomation, system, user, answer);
    call.meta.push(meta_plain("env", quote(app)));
    call
}

fn cradle_game(g: &mut Gen) -> Call {
    let game = g.range(0, GAME_SYSTEMS.len() as u64 - 1) as usize;
    let system = GAME_SYSTEMS[game].to_string();
    let target = g.pick(LANDMARKS);
    let dist = g.range(1, 60);
    let angle = g.range(0, 120) as i64;
    let left = g.chance(0.5);
    let scenery: Vec<&str> = g.sample(SCENERY, 2);
    let task = g
        .pick(&[
            "Go to {T} and interact with it",
            "Reach {T}",
            "Walk over to {T} and use it",
        ])
        .replace("{T}", target);
    let side = if angle == 0 {
        "straight ahead".to_string()
    } else if left {
        format!("{angle} degrees to the left")
    } else {
        format!("{angle} degrees to the right")
    };
    let user = format!(
        "Current task: {task}\nScreenshot description: {} {} is about {dist} m away, {side} of the crosshair. {}\nLast action: {}\nWhat is the next action?",
        scenery[0],
        cap(target),
        scenery[1],
        g.pick(&["move_forward(duration=2)", "turn(degrees=30)", "none", "interact()"])
    );
    let answer = if angle > 15 {
        object(&[
            ("action", quote("turn")),
            ("degrees", (if left { -angle } else { angle }).to_string()),
        ])
    } else if dist <= 3 {
        object(&[("action", quote("interact"))])
    } else {
        object(&[
            ("action", quote("move_forward")),
            ("duration", dist.div_ceil(5).to_string()),
        ])
    };
    let mut call = Call::text(Task::GuiAutomation, system, user, answer);
    call.meta
        .push(meta_plain("env", quote(["rdr2", "stardew_valley"][game])));
    call
}

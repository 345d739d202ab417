//! The generated call (messages, tools, answer, metadata), its envelope, and
//! `Gen`: the seeded rng plus the PII planter shared by the task templates.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::Rng;

use super::json;
use super::pii::{self, Kind, Place, Planter};
use super::words;
use super::{Task, PII_PLAN_RATE};

/// A tool call (OpenAI shape): `arguments` is a JSON document as a string.
pub(crate) struct ToolCall {
    pub id: String,
    pub name: &'static str,
    pub arguments: String,
}

pub(crate) struct Msg {
    pub role: &'static str,
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub tool_call_id: Option<String>,
}

impl Msg {
    pub(crate) fn system(s: String) -> Msg {
        Msg {
            role: "system",
            content: Some(s),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub(crate) fn user(s: String) -> Msg {
        Msg {
            role: "user",
            content: Some(s),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub(crate) fn assistant(s: String) -> Msg {
        Msg {
            role: "assistant",
            content: Some(s),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub(crate) fn assistant_tools(calls: Vec<ToolCall>) -> Msg {
        Msg {
            role: "assistant",
            content: None,
            tool_calls: calls,
            tool_call_id: None,
        }
    }
    pub(crate) fn tool(id: String, content: String) -> Msg {
        Msg {
            role: "tool",
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: Some(id),
        }
    }
}

/// An extra top-level field (unknown to the schema, kept as metadata), and
/// its OTel attribute equivalent (`otel_key` empty: none).
pub(crate) struct Meta {
    pub key: &'static str,
    pub json: String,
    pub otel_key: &'static str,
    pub otel: String,
}

/// One generated LLM call, before ids and envelope.
pub(crate) struct Call {
    pub task: Task,
    pub messages: Vec<Msg>,
    /// Serialised `tools` array.
    pub tools: Option<&'static str>,
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub meta: Vec<Meta>,
}

impl Call {
    pub(crate) fn text(task: Task, system: String, user: String, answer: String) -> Call {
        Call {
            task,
            messages: vec![Msg::system(system), Msg::user(user)],
            tools: None,
            content: Some(answer),
            tool_calls: Vec::new(),
            meta: Vec::new(),
        }
    }
}

/// Per-call fields around the messages.
pub(crate) struct Envelope {
    pub trace_id: String,
    pub span_id: String,
    pub date_iso: String,
    pub ms_of_day: u64,
    pub agent: &'static str,
    pub model: &'static str,
    pub error: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub latency_ms: u64,
    pub temperature: f64,
    pub response_id: String,
}

/// Generation state shared by the task templates: the seeded rng, the date,
/// and the PII planter with this call's planting plan.
pub(crate) struct Gen {
    pub rng: StdRng,
    pub date: NaiveDate,
    pub(super) planter: Planter,
    pub(super) plan: Option<(Place, Kind)>,
    pub(super) consumed: bool,
    /// Values planted in the current call.
    pub planted: Vec<String>,
}

impl Gen {
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.gen_range(0..xs.len())]
    }
    pub(crate) fn range(&mut self, lo: u64, hi_incl: u64) -> u64 {
        self.rng.gen_range(lo..=hi_incl)
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }
    /// `k` distinct elements of `xs` in random order.
    pub(crate) fn sample<T: Copy>(&mut self, xs: &[T], k: usize) -> Vec<T> {
        rand::seq::index::sample(&mut self.rng, xs.len(), k.min(xs.len()))
            .into_iter()
            .map(|i| xs[i])
            .collect()
    }
    pub(crate) fn person(&mut self) -> (&'static str, &'static str) {
        (self.pick(words::FIRST_NAMES), self.pick(words::LAST_NAMES))
    }
    /// Random lowercase hex; ids with a long all-digit run (which a card or
    /// phone detector could mistake for PII) are drawn again.
    pub(crate) fn hex(&mut self, bytes: usize) -> String {
        let mut b = vec![0u8; bytes];
        loop {
            self.rng.fill(&mut b[..]);
            let s = hex::encode(&b);
            let mut run = 0;
            let longest = s
                .bytes()
                .map(|c| {
                    if c.is_ascii_digit() {
                        run += 1;
                        run
                    } else {
                        run = 0;
                        0
                    }
                })
                .max()
                .unwrap_or(0);
            if longest < 10 {
                return s;
            }
        }
    }
    /// An OpenAI-style tool call id (`call_` + 24 alphanumerics).
    pub(crate) fn call_id(&mut self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut s = String::with_capacity(29);
        s.push_str("call_");
        for _ in 0..24 {
            s.push(A[self.rng.gen_range(0..A.len())] as char);
        }
        s
    }
    /// Whether this call's plan wants a PII value at `place` (not yet planted).
    pub(crate) fn wants(&self, place: Place) -> bool {
        matches!(self.plan, Some((p, _)) if p == place) && !self.consumed
    }
    /// A value of the planned kind, if the plan is for `place` (consumes it).
    pub(crate) fn take(&mut self, place: Place) -> Option<(Kind, String)> {
        if self.wants(place) {
            let kind = self.plan.expect("wants implies a plan").1;
            Some((kind, self.plant(kind)))
        } else {
            None
        }
    }
    /// A fresh PII value of `kind`, recorded; satisfies any pending plan.
    pub(crate) fn plant(&mut self, kind: Kind) -> String {
        self.consumed = true;
        let v = self.planter.fresh(&mut self.rng, kind);
        self.planted.push(v.clone());
        v
    }
    /// A fresh e-mail address for the named person, recorded.
    pub(crate) fn plant_email(&mut self, first: &str, last: &str) -> String {
        self.consumed = true;
        let v = self
            .planter
            .fresh_with(&mut self.rng, |r| pii::email_for(r, first, last));
        self.planted.push(v.clone());
        v
    }
    pub(super) fn begin_call(&mut self, allow_pii: bool) {
        self.planted.clear();
        self.consumed = false;
        self.plan = None;
        if allow_pii && self.rng.gen_bool(PII_PLAN_RATE) {
            let place = self.pick(pii::PLACES);
            let kind = self.pick(pii::kinds_for(place));
            self.plan = Some((place, kind));
        }
    }
    /// Plants an unconsumed plan at a generic spot of the finished call.
    pub(super) fn finish_call(&mut self, call: &mut Call) {
        let Some((place, kind)) = self.plan else {
            return;
        };
        if self.consumed {
            return;
        }
        let v = self.plant(kind);
        match place {
            Place::System => {
                if let Some(Msg {
                    role: "system",
                    content: Some(c),
                    ..
                }) = call.messages.first_mut()
                {
                    c.push_str("\n\n");
                    c.push_str(&pii::system_line(kind, &v));
                    return;
                }
                call.meta.push(meta_for(kind, v));
            }
            Place::ToolArgs if call.tools.is_none() => call.meta.push(meta_for(kind, v)),
            Place::User | Place::ToolArgs => {
                let sentence = pii::user_sentence(&mut self.rng, kind, &v);
                match call.messages.iter_mut().rev().find(|m| m.role == "user") {
                    Some(Msg {
                        content: Some(c), ..
                    }) => {
                        c.push_str("\n\n");
                        c.push_str(&sentence);
                    }
                    _ => call.meta.push(meta_for(kind, v)),
                }
            }
            Place::ToolResult | Place::Response | Place::Metadata => {
                call.meta.push(meta_for(kind, v))
            }
        }
    }
}

/// A metadata field carrying `v` (where real SDK wrappers log user context).
fn meta_for(kind: Kind, v: String) -> Meta {
    let (key, inner, otel_key) = match kind {
        Kind::Email => ("user", "email", "user.email"),
        Kind::Phone => ("user", "phone", "user.phone"),
        Kind::Ipv4 | Kind::Ipv6 => ("client_ip", "", "client.address"),
        Kind::Bearer => (
            "request_headers",
            "authorization",
            "http.request.header.authorization",
        ),
        Kind::Jwt => ("session", "token", "session.token"),
        Kind::ApiKey => (
            "request_headers",
            "x-api-key",
            "http.request.header.x-api-key",
        ),
        Kind::Card => ("billing", "card_number", "billing.card_number"),
        Kind::Iban => ("billing", "iban", "billing.iban"),
        Kind::Ssn => ("customer", "ssn", "customer.ssn"),
        Kind::UrlCreds | Kind::UrlToken => ("callback_url", "", "callback.url"),
    };
    let shown = if kind == Kind::Bearer {
        format!("Bearer {v}")
    } else {
        v
    };
    let json = if inner.is_empty() {
        json::quote(&shown)
    } else {
        format!("{{\"{inner}\":{}}}", json::quote(&shown))
    };
    Meta {
        key,
        json,
        otel_key,
        otel: shown,
    }
}

pub(crate) fn meta_plain(key: &'static str, json: String) -> Meta {
    Meta {
        key,
        json,
        otel_key: "",
        otel: String::new(),
    }
}

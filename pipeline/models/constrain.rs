//! Constrained decoding: in a cluster whose answers are tool calls, the SLM
//! may only write a `{"tool_calls": [...]}` object that names a tool the
//! request declares, with that tool's argument names and value types; in a
//! JSON cluster, only valid JSON. A pushdown automaton over characters
//! ([`JsonMachine`]) says which text may come next; at each step the most
//! likely token whose text it accepts is taken ([`choose`]), and the
//! end-of-turn token only once the value is complete.

use serde_json::Value;
use tokenizers::Tokenizer;

/// What a JSON value must be (from a tool's JSON schema).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Any,
    Null,
    Bool,
    Integer,
    Number,
    /// A string, one of these when given (`enum`).
    String(Option<Vec<String>>),
    Array(Box<Shape>),
    /// Only these keys (each at most once), the `required` ones all present.
    Object { props: Vec<(String, Shape)>, required: Vec<String> },
    /// A type union: the alternative is chosen by the value's first character.
    OneOf(Vec<Shape>),
    /// `{"name": <declared tool>, "arguments": <its parameters>}`.
    ToolCall(Vec<Tool>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub arguments: Shape,
}

impl Shape {
    /// A JSON answer: an object or an array (what `json_field_match`
    /// scores), never a bare number or string, which a model steered away
    /// from prose would otherwise fall back on.
    pub fn json_document() -> Shape {
        Shape::OneOf(vec![Shape::Object { props: Vec::new(), required: Vec::new() }, Shape::Array(Box::new(Shape::Any))])
    }

    /// A JSON schema as a shape; what it does not constrain is `Any`.
    pub fn from_schema(schema: &Value) -> Shape {
        if let Some(Value::Array(values)) = schema.get("enum") {
            let strings: Option<Vec<String>> = values.iter().map(|v| v.as_str().map(String::from)).collect();
            return strings.filter(|s| !s.is_empty()).map_or(Shape::Any, |s| Shape::String(Some(s)));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alternatives)) = schema.get(key).filter(|a| a.as_array().is_some_and(|a| !a.is_empty())) {
                return Shape::OneOf(alternatives.iter().map(Shape::from_schema).collect());
            }
        }
        match schema.get("type") {
            Some(Value::String(t)) => Self::of_type(t, schema),
            Some(Value::Array(types)) if !types.is_empty() => {
                Shape::OneOf(types.iter().filter_map(Value::as_str).map(|t| Self::of_type(t, schema)).collect())
            }
            _ if schema.get("properties").is_some() => Self::of_type("object", schema),
            _ => Shape::Any,
        }
    }

    fn of_type(t: &str, schema: &Value) -> Shape {
        match t {
            "null" => Shape::Null,
            "boolean" => Shape::Bool,
            "integer" => Shape::Integer,
            "number" => Shape::Number,
            "string" => Shape::String(None),
            "array" => Shape::Array(Box::new(schema.get("items").map_or(Shape::Any, Shape::from_schema))),
            "object" => match schema.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty()) {
                // An object whose keys are not declared: any object.
                None => Shape::Object { props: Vec::new(), required: Vec::new() },
                Some(props) => Shape::Object {
                    props: props.iter().map(|(k, v)| (k.clone(), Shape::from_schema(v))).collect(),
                    required: schema
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).filter(|k| props.contains_key(*k)).map(String::from).collect())
                        .unwrap_or_default(),
                },
            },
            _ => Shape::Any,
        }
    }

    /// `{"tool_calls": [...]}` over the tools of an OpenAI (or Anthropic)
    /// `tools` array; None when it declares no tool.
    pub fn tool_calls(tools: &Value) -> Option<Shape> {
        let tools: Vec<Tool> = tools
            .as_array()?
            .iter()
            .filter_map(|t| {
                let f = t.get("function").unwrap_or(t);
                let name = f.get("name")?.as_str()?.to_string();
                let params = f.get("parameters").or_else(|| f.get("input_schema"));
                let arguments = params.map_or(Shape::Object { props: Vec::new(), required: Vec::new() }, Shape::from_schema);
                Some(Tool { name, arguments })
            })
            .collect();
        if tools.is_empty() {
            return None;
        }
        Some(Shape::Object {
            props: vec![("tool_calls".into(), Shape::Array(Box::new(Shape::ToolCall(tools))))],
            required: vec!["tool_calls".into()],
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ObjState {
    KeyOrEnd,
    Key,
    Colon,
    CommaOrEnd,
}

#[derive(Debug, Clone, PartialEq)]
enum StrRole {
    Value(Option<Vec<String>>),
    Key(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Frame {
    Value(Shape),
    Object { shape: Shape, state: ObjState, seen: Vec<String>, key: String, tool: Option<usize> },
    Array { item: Shape, started: bool },
    Str { buf: String, escape: Option<u8>, role: StrRole },
    Num { buf: String, integer: bool },
    Lit { word: &'static str, pos: usize },
}

/// What a finished value tells its parent.
enum Done {
    Key(String),
    Str(String),
    Other,
}

/// Which characters may come next, for one value of one shape.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMachine {
    stack: Vec<Frame>,
    done: bool,
}

impl JsonMachine {
    pub fn new(shape: Shape) -> Self {
        Self { stack: vec![Frame::Value(shape)], done: false }
    }

    /// The value is complete: only the end of the answer may follow.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The answer may end here (a complete value, or a top-level number).
    pub fn can_end(&self) -> bool {
        self.done || matches!(self.stack.as_slice(), [Frame::Num { buf, integer }] if number_state(buf, *integer) == Some(true))
    }

    /// Takes `c` if the text so far plus `c` can still become a valid value.
    pub fn feed(&mut self, c: char) -> bool {
        loop {
            let Some(top) = self.stack.last_mut() else { return false };
            match top {
                Frame::Value(shape) => {
                    if is_ws(c) {
                        return true;
                    }
                    let Some(frame) = start(shape, c) else { return false };
                    *top = frame;
                    // A literal or number begins with this very character.
                    match self.stack.last_mut() {
                        Some(Frame::Lit { pos, .. }) => {
                            *pos = 1;
                            if self.lit_finished() {
                                self.finish(Done::Other);
                            }
                        }
                        Some(Frame::Num { buf, .. }) => buf.push(c),
                        _ => {}
                    }
                    return true;
                }
                Frame::Lit { word, pos } => {
                    if word.as_bytes().get(*pos) != Some(&(c as u8)) || !c.is_ascii() {
                        return false;
                    }
                    *pos += 1;
                    if self.lit_finished() {
                        self.finish(Done::Other);
                    }
                    return true;
                }
                Frame::Num { buf, integer } => {
                    let mut next = buf.clone();
                    next.push(c);
                    if number_state(&next, *integer).is_some() {
                        *buf = next;
                        return true;
                    }
                    // The number ends here; `c` belongs to the parent.
                    if number_state(buf, *integer) != Some(true) {
                        return false;
                    }
                    self.finish(Done::Other);
                    if self.done {
                        return false;
                    }
                }
                Frame::Str { buf, escape, role } => {
                    let Some(closed) = feed_string(c, buf, escape, role) else { return false };
                    if closed {
                        let text = std::mem::take(buf);
                        let done = if matches!(role, StrRole::Key(_)) { Done::Key(text) } else { Done::Str(text) };
                        self.finish(done);
                    }
                    return true;
                }
                Frame::Array { item, started } => {
                    if is_ws(c) {
                        return true;
                    }
                    match (c, *started) {
                        // A tool-call answer calls at least one tool.
                        (']', started) if started || !matches!(item, Shape::ToolCall(_)) => {
                            self.finish(Done::Other);
                            return true;
                        }
                        (',', true) => {
                            let item = item.clone();
                            self.stack.push(Frame::Value(item));
                            return true;
                        }
                        (_, false) => {
                            *started = true;
                            let item = item.clone();
                            self.stack.push(Frame::Value(item));
                            // Re-read `c` as the first item's first character.
                        }
                        _ => return false,
                    }
                }
                Frame::Object { shape, state, seen, key, tool } => {
                    if is_ws(c) {
                        return true;
                    }
                    let keys = free_keys(shape, seen, *tool);
                    match (*state, c) {
                        (ObjState::KeyOrEnd | ObjState::Key, '"') if !keys.is_empty() || open_object(shape) => {
                            let role = StrRole::Key(if open_object(shape) { Vec::new() } else { keys });
                            self.stack.push(Frame::Str { buf: String::new(), escape: None, role });
                            return true;
                        }
                        (ObjState::KeyOrEnd | ObjState::CommaOrEnd, '}') => {
                            if !required_present(shape, seen) {
                                return false;
                            }
                            self.finish(Done::Other);
                            return true;
                        }
                        (ObjState::CommaOrEnd, ',') if !keys.is_empty() || open_object(shape) => {
                            *state = ObjState::Key;
                            return true;
                        }
                        (ObjState::Colon, ':') => {
                            *state = ObjState::CommaOrEnd;
                            let value = value_shape(shape, key, *tool);
                            self.stack.push(Frame::Value(value));
                            return true;
                        }
                        _ => return false,
                    }
                }
            }
        }
    }

    fn lit_finished(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Lit { word, pos }) if *pos == word.len())
    }

    /// Pops the finished value and tells its parent.
    fn finish(&mut self, done: Done) {
        self.stack.pop();
        match self.stack.last_mut() {
            None => self.done = true,
            Some(Frame::Object { shape, state, seen, key, tool }) => match done {
                Done::Key(k) => {
                    seen.push(k.clone());
                    *key = k;
                    *state = ObjState::Colon;
                }
                Done::Str(value) => {
                    if let (Shape::ToolCall(tools), "name") = (&*shape, key.as_str()) {
                        *tool = tools.iter().position(|t| t.name == value);
                    }
                }
                Done::Other => {}
            },
            Some(_) => {}
        }
    }
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The frame a value of `shape` starting with `c` begins.
fn start(shape: &Shape, c: char) -> Option<Frame> {
    let any = |c: char| -> Option<Frame> {
        Some(match c {
            '"' => Frame::Str { buf: String::new(), escape: None, role: StrRole::Value(None) },
            '{' => Frame::Object { shape: Shape::Object { props: Vec::new(), required: Vec::new() }, state: ObjState::KeyOrEnd, seen: Vec::new(), key: String::new(), tool: None },
            '[' => Frame::Array { item: Shape::Any, started: false },
            '-' | '0'..='9' => Frame::Num { buf: String::new(), integer: false },
            't' => Frame::Lit { word: "true", pos: 0 },
            'f' => Frame::Lit { word: "false", pos: 0 },
            'n' => Frame::Lit { word: "null", pos: 0 },
            _ => return None,
        })
    };
    match shape {
        Shape::Any => any(c),
        Shape::Null => (c == 'n').then_some(Frame::Lit { word: "null", pos: 0 }),
        Shape::Bool => any(c).filter(|f| matches!(f, Frame::Lit { word: "true" | "false", .. })),
        Shape::Integer | Shape::Number => matches!(c, '-' | '0'..='9').then(|| Frame::Num { buf: String::new(), integer: *shape == Shape::Integer }),
        Shape::String(allowed) => (c == '"').then(|| Frame::Str { buf: String::new(), escape: None, role: StrRole::Value(allowed.clone()) }),
        Shape::Array(item) => (c == '[').then(|| Frame::Array { item: (**item).clone(), started: false }),
        Shape::Object { .. } | Shape::ToolCall(_) => {
            (c == '{').then(|| Frame::Object { shape: shape.clone(), state: ObjState::KeyOrEnd, seen: Vec::new(), key: String::new(), tool: None })
        }
        Shape::OneOf(alternatives) => alternatives.iter().find_map(|a| start(a, c)),
    }
}

/// Keys still allowed in an object (none listed: see `open_object`).
fn free_keys(shape: &Shape, seen: &[String], tool: Option<usize>) -> Vec<String> {
    let all: Vec<String> = match shape {
        Shape::Object { props, .. } => props.iter().map(|(k, _)| k.clone()).collect(),
        // The name first: the arguments' shape follows from it.
        Shape::ToolCall(_) if tool.is_none() => vec!["name".into()],
        Shape::ToolCall(_) => vec!["name".into(), "arguments".into()],
        _ => Vec::new(),
    };
    all.into_iter().filter(|k| !seen.contains(k)).collect()
}

fn open_object(shape: &Shape) -> bool {
    matches!(shape, Shape::Object { props, .. } if props.is_empty())
}

fn required_present(shape: &Shape, seen: &[String]) -> bool {
    match shape {
        Shape::Object { required, .. } => required.iter().all(|k| seen.contains(k)),
        Shape::ToolCall(_) => ["name", "arguments"].iter().all(|k| seen.iter().any(|s| s == k)),
        _ => true,
    }
}

fn value_shape(shape: &Shape, key: &str, tool: Option<usize>) -> Shape {
    match shape {
        Shape::Object { props, .. } => props.iter().find(|(k, _)| k == key).map_or(Shape::Any, |(_, s)| s.clone()),
        Shape::ToolCall(tools) => match key {
            "name" => Shape::String(Some(tools.iter().map(|t| t.name.clone()).collect())),
            _ => tool.map_or(Shape::Any, |i| tools[i].arguments.clone()),
        },
        _ => Shape::Any,
    }
}

/// One character of a string: `Some(true)` when it closes the string,
/// `Some(false)` when taken, None when refused.
fn feed_string(c: char, buf: &mut String, escape: &mut Option<u8>, role: &StrRole) -> Option<bool> {
    let allowed: Option<&Vec<String>> = match role {
        StrRole::Value(a) => a.as_ref(),
        StrRole::Key(keys) if keys.is_empty() => None,
        StrRole::Key(keys) => Some(keys),
    };
    let mut next = buf.clone();
    match *escape {
        // After a backslash: one escape letter; \uXXXX counts its digits.
        Some(0) => {
            let decoded = match c {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' if allowed.is_none() => {
                    *escape = Some(4);
                    return Some(false);
                }
                _ => return None,
            };
            next.push(decoded);
            *escape = None;
        }
        Some(n) => {
            if !c.is_ascii_hexdigit() {
                return None;
            }
            *escape = if n > 1 { Some(n - 1) } else { None };
            return Some(false);
        }
        None => match c {
            '\\' => {
                // Only towards a value that has an escaped character next:
                // a backslash must never lead where nothing can follow.
                if let Some(list) = allowed {
                    let escapable = |a: &String| {
                        a.strip_prefix(buf.as_str()).and_then(|rest| rest.chars().next()).is_some_and(|n| matches!(n, '"' | '\\' | '/') || (n as u32) < 0x20)
                    };
                    if !list.iter().any(escapable) {
                        return None;
                    }
                }
                *escape = Some(0);
                return Some(false);
            }
            '"' => {
                return match allowed {
                    Some(list) if !list.iter().any(|a| *a == *buf) => None,
                    _ => Some(true),
                };
            }
            c if (c as u32) < 0x20 => return None,
            c => next.push(c),
        },
    }
    if let Some(list) = allowed {
        if !list.iter().any(|a| a.starts_with(next.as_str())) {
            return None;
        }
    }
    *buf = next;
    Some(false)
}

/// Characters of a number at most: a model that prefers digits must not
/// write one forever (`1.1111…`), and a double holds 17 significant digits.
const MAX_NUMBER_CHARS: usize = 24;

/// A JSON number prefix: None if no number starts so, Some(complete).
fn number_state(s: &str, integer: bool) -> Option<bool> {
    if s.len() > MAX_NUMBER_CHARS {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        None => return Some(false),
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return None,
    }
    if i == b.len() {
        return Some(true);
    }
    if integer {
        return None;
    }
    if b[i] == b'.' {
        i += 1;
        let digits = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == b.len() {
            return Some(i > digits);
        }
        if i == digits {
            return None;
        }
    }
    if matches!(b[i], b'e' | b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        // At most two exponent digits: the number stays a finite double.
        return (i == b.len() && i - digits <= 2).then_some(i > digits);
    }
    None
}

/// Each token's text (None for special tokens, which constrained answers
/// never contain), decoded once per model.
pub struct Vocabulary {
    texts: Vec<Option<String>>,
    eos: u32,
}

impl Vocabulary {
    pub fn new(tokenizer: &Tokenizer, eos: u32) -> Self {
        let size = tokenizer.get_vocab_size(true);
        let special: std::collections::HashSet<u32> =
            tokenizer.get_added_tokens_decoder().iter().filter(|(_, t)| t.special).map(|(id, _)| *id).collect();
        let texts = (0..size as u32)
            .map(|id| if special.contains(&id) { None } else { tokenizer.decode(&[id], false).ok().filter(|t| !t.is_empty()) })
            .collect();
        Self { texts, eos }
    }
}

/// The most likely token that keeps the answer valid, feeding it to
/// `machine`; the end-of-turn token once the value is complete; None when
/// no token fits (the answer stops).
pub fn choose(logits: &[f32], machine: &mut JsonMachine, vocab: &Vocabulary) -> Option<u32> {
    if machine.is_done() {
        return Some(vocab.eos);
    }
    let accepts = |id: u32, m: &JsonMachine| -> Option<JsonMachine> {
        if id == vocab.eos {
            return m.can_end().then(|| m.clone());
        }
        let text = vocab.texts.get(id as usize)?.as_deref()?;
        let mut next = m.clone();
        text.chars().all(|c| next.feed(c)).then_some(next)
    };
    // The best token is usually valid: try it before sorting the vocabulary.
    if logits.is_empty() {
        return None;
    }
    let best = super::smollm::argmax(logits);
    if let Some(next) = accepts(best, machine) {
        *machine = next;
        return Some(best);
    }
    let mut order: Vec<u32> = (0..logits.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]));
    for id in order.into_iter().skip(1) {
        if let Some(next) = accepts(id, machine) {
            *machine = next;
            return Some(id);
        }
    }
    None
}

/// The constraint of an answer, from the request's tools (the `Tools:` line
/// the chat template writes into the system turn): tool calls when the
/// cluster's answers are tool calls, any JSON when they are JSON.
pub fn tools_in_prompt(prompt: &str) -> Option<Value> {
    let line = prompt.lines().find_map(|l| l.strip_prefix("Tools: "))?;
    // The tools close the system turn: the end-of-turn token follows the JSON.
    let line = line.find("<|im_end|>").map_or(line, |end| &line[..end]);
    serde_json::from_str(line).ok()
}

#[cfg(test)]
mod tests;

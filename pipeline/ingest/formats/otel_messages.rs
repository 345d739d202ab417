//! OTLP/JSON values and the three ways GenAI spans carry messages: "parts"
//! attributes (`gen_ai.input.messages` & co.), message events (older
//! semantic conventions) and OpenLLMetry's indexed attributes.

use super::*;

// ---------------------------------------------------------------------------
// OTLP/JSON: AnyValue and attribute lists
// ---------------------------------------------------------------------------

/// An OTLP `AnyValue` (`{"stringValue": ..}`, `{"intValue": ..}`, ...) to
/// plain JSON. Plain JSON scalars and unknown objects (non-standard
/// exporters) are kept as they are. Recursion follows the line's nesting,
/// which serde_json bounded at 128.
pub(super) fn any_value(v: Value, path: &Path) -> Result<Value, ParseError> {
    let o = match v {
        Value::Object(o) => o,
        other => return Ok(other),
    };
    if o.is_empty() {
        return Ok(Value::Null);
    }
    if o.len() != 1 {
        return Ok(Value::Object(o));
    }
    let (k, inner) = o.into_iter().next().expect("one entry");
    match k.as_str() {
        "stringValue" | "string_value" => match inner {
            v @ (Value::String(_) | Value::Null) => Ok(v),
            other => Err(wrong_type(&path.key("stringValue"), "string", &other)),
        },
        "intValue" | "int_value" => Ok(int_value(&inner, &path.key("intValue"))?
            .map_or(Value::Null, |i| Value::Number(i.into()))),
        "doubleValue" | "double_value" => match inner {
            Value::Number(n) => Ok(Value::Number(n)),
            Value::Null => Ok(Value::Null),
            Value::String(s) => match s.parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                // "NaN", "Infinity", "-Infinity" of the protobuf JSON mapping.
                None if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                    Ok(Value::String(s))
                }
                None => Err(wrong_value(
                    &path.key("doubleValue"),
                    "number",
                    "non-numeric string",
                )),
            },
            other => Err(wrong_type(&path.key("doubleValue"), "number", &other)),
        },
        "boolValue" | "bool_value" => match inner {
            v @ (Value::Bool(_) | Value::Null) => Ok(v),
            other => Err(wrong_type(&path.key("boolValue"), "boolean", &other)),
        },
        "arrayValue" | "array_value" => {
            let ap = path.key("arrayValue");
            let values = match inner {
                Value::Object(mut a) => a.remove("values").unwrap_or(Value::Null),
                Value::Null => Value::Null,
                other => return Err(wrong_type(&ap, "object", &other)),
            };
            let vp = ap.key("values");
            match values {
                Value::Null => Ok(Value::Array(Vec::new())),
                Value::Array(a) => {
                    let mut out = Vec::with_capacity(a.len());
                    for (i, x) in a.into_iter().enumerate() {
                        out.push(any_value(x, &vp.idx(i))?);
                    }
                    Ok(Value::Array(out))
                }
                other => Err(wrong_type(&vp, "array", &other)),
            }
        }
        "kvlistValue" | "kvlist_value" => {
            let kp = path.key("kvlistValue");
            let values = match inner {
                Value::Object(mut a) => a.remove("values").unwrap_or(Value::Null),
                Value::Null => Value::Null,
                other => return Err(wrong_type(&kp, "object", &other)),
            };
            let kvs = kv_list(values, &kp.key("values"))?;
            let mut m = Map::new();
            for (k, v) in kvs {
                m.insert(k, v);
            }
            Ok(Value::Object(m))
        }
        "bytesValue" | "bytes_value" => Ok(inner),
        _ => {
            let mut m = Map::new();
            m.insert(k, inner);
            Ok(Value::Object(m))
        }
    }
}

/// An OTLP `KeyValue` list (`[{"key":..,"value":{AnyValue}}]`).
pub(super) fn kv_list(v: Value, path: &Path) -> Result<Vec<(String, Value)>, ParseError> {
    let a = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        other => return Err(wrong_type(path, "array", &other)),
    };
    let mut out = Vec::with_capacity(a.len());
    for (i, kv) in a.into_iter().enumerate() {
        let p = path.idx(i);
        let mut o = match kv {
            Value::Object(o) => o,
            other => return Err(wrong_type(&p, "object", &other)),
        };
        let key = match o.remove("key") {
            Some(Value::String(s)) => s,
            None | Some(Value::Null) => return Err(missing(&p.key("key"))),
            Some(other) => return Err(wrong_type(&p.key("key"), "string", &other)),
        };
        let value = match o.remove("value") {
            None => Value::Null,
            Some(v) => any_value(v, &p.key("value"))?,
        };
        out.push((key, value));
    }
    Ok(out)
}

pub(super) fn has_genai_attribute(attrs: Option<&Value>) -> bool {
    match attrs {
        Some(Value::Array(a)) => a.iter().any(|kv| {
            kv.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("gen_ai."))
        }),
        _ => false,
    }
}

pub(super) fn remove_any(o: &mut Map<String, Value>, keys: &[&'static str]) -> (&'static str, Option<Value>) {
    for k in keys {
        if let Some(v) = o.remove(*k) {
            return (k, Some(v));
        }
    }
    (keys[0], None)
}

// ---------------------------------------------------------------------------
// OTLP/JSON: GenAI "parts" messages (gen_ai.input.messages & co.)
// ---------------------------------------------------------------------------

#[derive(Default)]
pub(super) struct Parts {
    pub(super) text: Option<String>,
    pub(super) tool_calls: Vec<Value>,
    /// (tool call id, response text) of `tool_call_response` parts.
    pub(super) responses: Vec<(Option<String>, Option<String>)>,
}

pub(super) fn push_text(text: &mut Option<String>, t: &str) {
    match text {
        None => *text = Some(t.to_string()),
        Some(s) => {
            s.push('\n');
            s.push_str(t);
        }
    }
}

pub(super) fn push_owned_text(text: &mut Option<String>, t: String) {
    match text {
        None => *text = Some(t),
        Some(s) => {
            s.push('\n');
            s.push_str(&t);
        }
    }
}

/// Parts of the GenAI semconv message format: `text`, `tool_call`,
/// `tool_call_response`, media (`blob`/`uri`/`file` with a `modality`) as
/// markers, and anything else as a `[type]` marker.
pub(super) fn convert_parts(parts: Value, path: &Path) -> Result<Parts, ParseError> {
    let mut out = Parts::default();
    let a = match parts {
        Value::Null => return Ok(out),
        Value::Array(a) => a,
        Value::String(s) => {
            out.text = Some(s);
            return Ok(out);
        }
        other => return Err(wrong_type(path, "array", &other)),
    };
    for (i, p) in a.into_iter().enumerate() {
        let pp = path.idx(i);
        let mut o = match p {
            Value::Object(o) => o,
            Value::String(s) => {
                push_owned_text(&mut out.text, s);
                continue;
            }
            Value::Null => continue,
            other => return Err(wrong_type(&pp, "object", &other)),
        };
        let ty = match o.remove("type") {
            Some(Value::String(t)) => t,
            None | Some(Value::Null) => String::new(),
            Some(other) => return Err(wrong_type(&pp.key("type"), "string", &other)),
        };
        match ty.as_str() {
            "text" | "" => {
                let t = match o.remove("content").or_else(|| o.remove("text")) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(other) => return Err(wrong_type(&pp.key("content"), "string", &other)),
                };
                match t {
                    Some(t) => push_owned_text(&mut out.text, t),
                    None if ty.is_empty() => push_text(&mut out.text, "[part]"),
                    None => {}
                }
            }
            "tool_call" | "function_call" | "tool_use" => {
                let id = match o.remove("id") {
                    None => None,
                    Some(v) => opt_id(v, &pp.key("id"))?,
                };
                let name = match o.remove("name") {
                    None | Some(Value::Null) => Value::Null,
                    Some(Value::String(s)) => Value::String(s),
                    Some(other) => return Err(wrong_type(&pp.key("name"), "string", &other)),
                };
                let args = o.remove("arguments").or_else(|| o.remove("input"));
                out.tool_calls
                    .push(tool_call_value(id, None, name, arguments_text(args)));
            }
            "tool_call_response" | "function_call_output" | "tool_result" => {
                let id = match o.remove("id").or_else(|| o.remove("tool_use_id")) {
                    None => None,
                    Some(v) => opt_id(v, &pp.key("id"))?,
                };
                let resp = match o
                    .remove("response")
                    .or_else(|| o.remove("result"))
                    .or_else(|| o.remove("content"))
                {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(other) => Some(to_json_text(&other)),
                };
                out.responses.push((id, resp));
            }
            "blob" | "uri" | "file" => {
                let m = match o.get("modality").and_then(Value::as_str) {
                    Some("image") => "[image]",
                    Some("audio") => "[audio]",
                    Some("video") => "[video]",
                    _ => "[file]",
                };
                push_text(&mut out.text, m);
            }
            t => match media_marker(t) {
                Some(m) => push_text(&mut out.text, m),
                None => push_text(&mut out.text, &marker_for(t)),
            },
        }
    }
    Ok(out)
}

/// One GenAI-format input message; a `tool_call_response` part becomes an
/// OpenAI `tool` message of its own.
pub(super) fn parts_message(m: Value, path: &Path, out: &mut Vec<Message>) -> Result<(), ParseError> {
    let mut o = match m {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let role = match o.remove("role") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(missing(&path.key("role"))),
        Some(other) => return Err(wrong_type(&path.key("role"), "string", &other)),
    };
    let name = match o.remove("name") {
        None => None,
        Some(v) => opt_string(v, &path.key("name"))?,
    };
    let parts = match o.remove("parts") {
        Some(p) => convert_parts(p, &path.key("parts"))?,
        None => Parts {
            text: content_text(
                o.remove("content").unwrap_or(Value::Null),
                &path.key("content"),
            )?,
            ..Parts::default()
        },
    };
    let tool_calls = if parts.tool_calls.is_empty() {
        None
    } else {
        Some(to_json_text(&Value::Array(parts.tool_calls)))
    };
    if parts.responses.is_empty() {
        out.push(Message {
            role,
            content: parts.text,
            name,
            tool_call_id: None,
            tool_calls,
        });
        return Ok(());
    }
    if parts.text.is_some() || tool_calls.is_some() {
        out.push(Message {
            role,
            content: parts.text,
            name: name.clone(),
            tool_call_id: None,
            tool_calls,
        });
    }
    for (id, content) in parts.responses {
        out.push(Message {
            role: "tool".to_string(),
            content,
            name: None,
            tool_call_id: id,
            tool_calls: None,
        });
    }
    Ok(())
}

pub(super) fn parts_messages(v: Value, path: &Path, out: &mut Vec<Message>) -> Result<(), ParseError> {
    match embedded_json(v, path)? {
        Value::Null => Ok(()),
        Value::Array(a) => {
            for (i, m) in a.into_iter().enumerate() {
                parts_message(m, &path.idx(i), out)?;
            }
            Ok(())
        }
        other => Err(wrong_type(path, "array of messages", &other)),
    }
}

pub(super) fn system_instructions(v: Value, path: &Path) -> Result<Option<Message>, ParseError> {
    let v = match v {
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                embedded_json(Value::String(s), path)?
            } else {
                // Plain text rather than the JSON parts array.
                return Ok(Some(Message {
                    role: "system".to_string(),
                    content: Some(s),
                    ..Message::default()
                }));
            }
        }
        other => other,
    };
    let parts = match v {
        Value::Null => return Ok(None),
        Value::Object(o) => convert_parts(Value::Array(vec![Value::Object(o)]), path)?,
        other => convert_parts(other, path)?,
    };
    Ok(Some(Message {
        role: "system".to_string(),
        content: parts.text,
        ..Message::default()
    }))
}

/// `gen_ai.output.messages`: the first message is the response, its
/// `finish_reason` goes to `response.finish_reason`; further ones go to
/// `response.extra_choices`.
pub(super) fn apply_output_messages(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let a = match embedded_json(v, path)? {
        Value::Null => return Ok(()),
        Value::Array(a) => a,
        other => return Err(wrong_type(path, "array of messages", &other)),
    };
    let mut extra = Vec::new();
    for (i, m) in a.into_iter().enumerate() {
        if i > 0 {
            extra.push(m);
            continue;
        }
        let mp = path.idx(0);
        let mut o = match m {
            Value::Object(o) => o,
            other => return Err(wrong_type(&mp, "object", &other)),
        };
        let parts = match o.remove("parts") {
            Some(p) => convert_parts(p, &mp.key("parts"))?,
            None => Parts {
                text: content_text(
                    o.remove("content").unwrap_or(Value::Null),
                    &mp.key("content"),
                )?,
                ..Parts::default()
            },
        };
        rec.response_content = parts.text;
        if !parts.tool_calls.is_empty() {
            rec.response_tool_calls = Some(to_json_text(&Value::Array(parts.tool_calls)));
        }
        for (k, v) in o {
            if v.is_null() || (k == "role" && v.as_str() == Some("assistant")) {
                continue;
            }
            meta.insert(format!("response.{k}"), v);
        }
    }
    if !extra.is_empty() {
        meta.insert("response.extra_choices".to_string(), Value::Array(extra));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// OTLP/JSON: message events (older GenAI semconv)
// ---------------------------------------------------------------------------

pub(super) fn absorb_body(b: Value, p: &Path, fields: &mut Map<String, Value>) -> Result<(), ParseError> {
    let b = match b {
        Value::String(s) if s.trim_start().starts_with('{') => embedded_json(Value::String(s), p)?,
        other => other,
    };
    match b {
        Value::Object(o) => {
            for (k, v) in o {
                fields.insert(k, v);
            }
        }
        Value::Null => {}
        other => {
            fields.insert("content".to_string(), other);
        }
    }
    Ok(())
}

/// The fields of a GenAI event: its body (an event-level `body`, an attribute
/// `body`, or the JSON string attribute `gen_ai.event.content`) overlaid with
/// its plain attributes (`content`, `tool_calls`, `id`, `role`, ...).
pub(super) fn event_fields(
    attrs: Vec<(String, Value)>,
    body: Option<Value>,
    path: &Path,
) -> Result<Map<String, Value>, ParseError> {
    let mut fields = Map::new();
    if let Some(b) = body {
        absorb_body(b, &path.key("body"), &mut fields)?;
    }
    let ap = path.key("attributes");
    for (k, v) in attrs {
        match k.as_str() {
            "body" => absorb_body(v, &ap.attr("body"), &mut fields)?,
            "gen_ai.event.content" => {
                absorb_body(v, &ap.attr("gen_ai.event.content"), &mut fields)?
            }
            "content" | "tool_calls" | "id" | "role" | "name" | "tool_call_id" | "message"
            | "finish_reason" | "index" => {
                fields.insert(k, v);
            }
            // Other event attributes (e.g. a repeated gen_ai.system) are
            // span-level facts; they are dropped.
            _ => {}
        }
    }
    Ok(fields)
}

pub(super) fn message_from_fields(
    mut f: Map<String, Value>,
    default_role: &str,
    path: &Path,
) -> Result<Message, ParseError> {
    let role = match f.remove("role") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => default_role.to_string(),
        Some(other) => return Err(wrong_type(&path.key("role"), "string", &other)),
    };
    let content = content_text(
        f.remove("content").unwrap_or(Value::Null),
        &path.key("content"),
    )?;
    let tool_calls = tool_calls_text(
        f.remove("tool_calls").unwrap_or(Value::Null),
        &path.key("tool_calls"),
    )?;
    let name = opt_string(f.remove("name").unwrap_or(Value::Null), &path.key("name"))?;
    let tool_call_id = match f.remove("tool_call_id") {
        Some(v) if !v.is_null() => opt_id(v, &path.key("tool_call_id"))?,
        _ => {
            if role == "tool" {
                opt_id(f.remove("id").unwrap_or(Value::Null), &path.key("id"))?
            } else {
                None
            }
        }
    };
    Ok(Message {
        role,
        content,
        name,
        tool_call_id,
        tool_calls,
    })
}

pub(super) struct Choice {
    pub(super) index: i64,
    pub(super) message: Message,
    pub(super) finish_reason: Option<Value>,
}

pub(super) fn choice_from_fields(mut f: Map<String, Value>, path: &Path) -> Result<Choice, ParseError> {
    let index = int_value(f.get("index").unwrap_or(&Value::Null), &path.key("index"))?.unwrap_or(0);
    let finish_reason = f.remove("finish_reason").filter(|v| !v.is_null());
    let message = match f.remove("message") {
        Some(Value::Object(m)) => message_from_fields(m, "assistant", &path.key("message"))?,
        Some(Value::String(s)) if s.trim_start().starts_with('{') => {
            match embedded_json(Value::String(s), &path.key("message"))? {
                Value::Object(m) => message_from_fields(m, "assistant", &path.key("message"))?,
                other => return Err(wrong_type(&path.key("message"), "object", &other)),
            }
        }
        Some(Value::Null) | None => message_from_fields(f, "assistant", path)?,
        Some(other) => return Err(wrong_type(&path.key("message"), "object", &other)),
    };
    Ok(Choice {
        index,
        message,
        finish_reason,
    })
}

// ---------------------------------------------------------------------------
// OTLP/JSON: indexed attributes of OpenLLMetry (gen_ai.prompt.N.role, ...)
// ---------------------------------------------------------------------------

#[derive(Default)]
pub(super) struct IndexedMsg {
    pub(super) fields: Map<String, Value>,
    pub(super) tool_calls: BTreeMap<usize, Map<String, Value>>,
}

#[derive(Default)]
pub(super) struct Indexed {
    pub(super) prompts: BTreeMap<usize, IndexedMsg>,
    pub(super) completions: BTreeMap<usize, IndexedMsg>,
    pub(super) functions: BTreeMap<usize, Map<String, Value>>,
}

pub(super) fn split_index(s: &str) -> Option<(usize, &str)> {
    let (n, rest) = s.split_once('.')?;
    Some((n.parse().ok()?, rest))
}

impl Indexed {
    /// Takes an indexed attribute; gives it back when it is not one.
    pub(super) fn take(&mut self, key: &str, v: Value) -> Option<Value> {
        let (map, rest) = if let Some(r) = key.strip_prefix("gen_ai.prompt.") {
            (&mut self.prompts, r)
        } else if let Some(r) = key.strip_prefix("gen_ai.completion.") {
            (&mut self.completions, r)
        } else if let Some(r) = key.strip_prefix("llm.request.functions.") {
            let Some((i, field)) = split_index(r) else {
                return Some(v);
            };
            if !matches!(field, "name" | "description" | "parameters") {
                return Some(v);
            }
            self.functions
                .entry(i)
                .or_default()
                .insert(field.to_string(), v);
            return None;
        } else {
            return Some(v);
        };
        let Some((i, field)) = split_index(rest) else {
            return Some(v);
        };
        match field {
            "role" | "content" | "name" | "tool_call_id" | "finish_reason" => {
                map.entry(i)
                    .or_default()
                    .fields
                    .insert(field.to_string(), v);
                None
            }
            _ => {
                let (j, f) = if let Some(r) = field.strip_prefix("tool_calls.") {
                    match split_index(r) {
                        Some(x) => x,
                        None => return Some(v),
                    }
                } else if let Some(f) = field.strip_prefix("function_call.") {
                    (0, f)
                } else {
                    return Some(v);
                };
                if !matches!(f, "id" | "name" | "arguments") {
                    return Some(v);
                }
                map.entry(i)
                    .or_default()
                    .tool_calls
                    .entry(j)
                    .or_default()
                    .insert(f.to_string(), v);
                None
            }
        }
    }
}

pub(super) fn indexed_message(m: IndexedMsg, default_role: &str, path: &Path) -> Result<Message, ParseError> {
    let mut f = m.fields;
    f.remove("finish_reason");
    if !m.tool_calls.is_empty() {
        let calls: Vec<Value> = m.tool_calls.into_values().map(Value::Object).collect();
        f.insert("tool_calls".to_string(), Value::Array(calls));
    }
    message_from_fields(f, default_role, path)
}

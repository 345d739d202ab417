//! The OpenAI chat format: one JSON object per call.

use super::*;

// ---------------------------------------------------------------------------
// OpenAI chat format
// ---------------------------------------------------------------------------

/// One OpenAI-shape message. Unknown non-null fields go to `meta` under
/// `{prefix}[{index}].{field}`.
pub(super) fn parse_message(
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
    index: usize,
) -> Result<Message, ParseError> {
    let o = match v {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let mut m = Message::default();
    let mut role = None;
    let mut function_call = None;
    for (k, v) in o {
        match k.as_str() {
            "role" => role = opt_string(v, &path.key("role"))?,
            "content" => m.content = content_text(v, &path.key("content"))?,
            "name" => m.name = opt_string(v, &path.key("name"))?,
            "tool_call_id" => m.tool_call_id = opt_id(v, &path.key("tool_call_id"))?,
            "tool_calls" => m.tool_calls = tool_calls_text(v, &path.key("tool_calls"))?,
            "function_call" => function_call = Some(v),
            _ => {
                if !v.is_null() {
                    meta.insert(format!("{prefix}[{index}].{k}"), v);
                }
            }
        }
    }
    match role {
        Some(r) => m.role = r,
        None => return Err(missing(&path.key("role"))),
    }
    if let Some(fc) = function_call {
        if m.tool_calls.is_none() {
            m.tool_calls = function_call_text(fc, &path.key("function_call"))?;
        } else if !fc.is_null() {
            meta.insert(format!("{prefix}[{index}].function_call"), fc);
        }
    }
    Ok(m)
}

pub(super) fn parse_messages(
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
) -> Result<Vec<Message>, ParseError> {
    match v {
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, m) in a.into_iter().enumerate() {
                out.push(parse_message(m, &path.idx(i), meta, prefix, i)?);
            }
            Ok(out)
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

pub(super) fn merge_model(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    meta_key: &str,
) -> Result<(), ParseError> {
    if let Some(s) = opt_string(v, path)? {
        match &rec.model {
            None => rec.model = Some(s),
            Some(m) if *m == s => {}
            Some(_) => {
                meta.insert(meta_key.to_string(), Value::String(s));
            }
        }
    }
    Ok(())
}

pub(super) fn set_tokens(
    slot: &mut Option<i64>,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    meta_key: String,
) -> Result<(), ParseError> {
    let n = int_value(&v, path)?;
    if slot.is_none() {
        *slot = n;
    } else if n.is_some() && *slot != n {
        meta.insert(meta_key, v);
    }
    Ok(())
}

/// `usage`: `prompt_tokens`/`completion_tokens` or `input_tokens`/
/// `output_tokens`; values already set win; other fields to `{prefix}.{k}`.
pub(super) fn apply_usage(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
) -> Result<(), ParseError> {
    let o = match v {
        Value::Null => return Ok(()),
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    for (k, v) in o {
        match k.as_str() {
            "prompt_tokens" | "input_tokens" => {
                let key: &'static str = if k == "prompt_tokens" {
                    "prompt_tokens"
                } else {
                    "input_tokens"
                };
                set_tokens(
                    &mut rec.prompt_tokens,
                    v,
                    &path.key(key),
                    meta,
                    format!("{prefix}.{k}"),
                )?;
            }
            "completion_tokens" | "output_tokens" => {
                let key: &'static str = if k == "completion_tokens" {
                    "completion_tokens"
                } else {
                    "output_tokens"
                };
                set_tokens(
                    &mut rec.completion_tokens,
                    v,
                    &path.key(key),
                    meta,
                    format!("{prefix}.{k}"),
                )?;
            }
            _ => {
                if !v.is_null() {
                    meta.insert(format!("{prefix}.{k}"), v);
                }
            }
        }
    }
    Ok(())
}

/// The fields of an assistant message (a simple `response`, or a
/// chat-completion choice's `message`). Unknown fields go to `response.{k}`.
pub(super) fn apply_response_message(
    rec: &mut CallRecord,
    o: Map<String, Value>,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let mut function_call = None;
    for (k, v) in o {
        match k.as_str() {
            "content" => rec.response_content = content_text(v, &path.key("content"))?,
            "tool_calls" => rec.response_tool_calls = tool_calls_text(v, &path.key("tool_calls"))?,
            "function_call" => function_call = Some(v),
            "role" => {
                if !(v.is_null() || v.as_str() == Some("assistant")) {
                    meta.insert("response.role".to_string(), v);
                }
            }
            "model" => merge_model(rec, v, &path.key("model"), meta, "response.model")?,
            "usage" => apply_usage(rec, v, &path.key("usage"), meta, "response.usage")?,
            _ => {
                if !v.is_null() {
                    meta.insert(format!("response.{k}"), v);
                }
            }
        }
    }
    if let Some(fc) = function_call {
        if rec.response_tool_calls.is_none() {
            rec.response_tool_calls = function_call_text(fc, &path.key("function_call"))?;
        } else if !fc.is_null() {
            meta.insert("response.function_call".to_string(), fc);
        }
    }
    Ok(())
}

/// A chat-completion object: `choices[0].message` is the response; further
/// choices go to `response.extra_choices`.
pub(super) fn apply_completion(
    rec: &mut CallRecord,
    o: Map<String, Value>,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let mut extra = Vec::new();
    for (k, v) in o {
        match k.as_str() {
            "choices" => {
                let cp = path.key("choices");
                let choices = match v {
                    Value::Array(a) => a,
                    Value::Null => Vec::new(),
                    other => return Err(wrong_type(&cp, "array", &other)),
                };
                for (i, c) in choices.into_iter().enumerate() {
                    if i > 0 {
                        extra.push(c);
                        continue;
                    }
                    let c0 = cp.idx(0);
                    let c = match c {
                        Value::Object(c) => c,
                        other => return Err(wrong_type(&c0, "object", &other)),
                    };
                    for (k, v) in c {
                        match k.as_str() {
                            "message" | "delta" => match v {
                                Value::Object(m) => {
                                    apply_response_message(rec, m, &c0.key("message"), meta)?
                                }
                                Value::Null => {}
                                other => {
                                    return Err(wrong_type(&c0.key("message"), "object", &other))
                                }
                            },
                            // Legacy completions API.
                            "text" => {
                                if rec.response_content.is_none() {
                                    rec.response_content = content_text(v, &c0.key("text"))?;
                                }
                            }
                            "index" => {}
                            _ => {
                                if !v.is_null() {
                                    meta.insert(format!("response.{k}"), v);
                                }
                            }
                        }
                    }
                }
            }
            "model" => merge_model(rec, v, &path.key("model"), meta, "response.model")?,
            "usage" => apply_usage(rec, v, &path.key("usage"), meta, "response.usage")?,
            _ => {
                if !v.is_null() {
                    meta.insert(format!("response.{k}"), v);
                }
            }
        }
    }
    if !extra.is_empty() {
        meta.insert("response.extra_choices".to_string(), Value::Array(extra));
    }
    Ok(())
}

pub(super) fn apply_response(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) => {
            rec.response_content = Some(s);
            Ok(())
        }
        Value::Object(o) => {
            if o.contains_key("choices") {
                apply_completion(rec, o, path, meta)
            } else {
                apply_response_message(rec, o, path, meta)
            }
        }
        other => Err(wrong_type(path, "object or string", &other)),
    }
}

/// Some loggers write `messages` or `tools` as JSON text: a string that
/// starts with `[` is parsed; any other value is returned as it is.
pub(super) fn stringified_array(v: Value, path: &Path) -> Result<Value, ParseError> {
    match v {
        Value::String(s) if s.trim_start().starts_with('[') => {
            embedded_json(Value::String(s), path)
        }
        other => Ok(other),
    }
}

pub(super) fn parse_openai(obj: Map<String, Value>) -> Result<CallRecord, ParseError> {
    let root = Path::Root;
    let mut rec = CallRecord::empty(SourceFormat::OpenAiChat);
    let mut meta = Map::new();
    let mut messages = None;
    let mut ts = None;
    let mut timestamp = None;
    let mut tools = None;
    let mut functions = None;
    let mut response = None;
    let mut choices = None;
    let mut usage = None;
    let mut status = None;
    let mut error = None;
    for (k, v) in obj {
        match k.as_str() {
            "messages" => messages = Some(v),
            "trace_id" => rec.trace_id = opt_id(v, &root.key("trace_id"))?,
            "span_id" => rec.span_id = opt_id(v, &root.key("span_id"))?,
            "ts" => ts = Some(v),
            "timestamp" => timestamp = Some(v),
            "agent" => rec.agent = opt_string(v, &root.key("agent"))?,
            "model" => rec.model = opt_string(v, &root.key("model"))?,
            "tools" => tools = Some(v),
            "functions" => functions = Some(v),
            "response" => response = Some(v),
            "choices" => choices = Some(v),
            "usage" => usage = Some(v),
            "latency_ms" => rec.latency_ms = float_value(&v, &root.key("latency_ms"))?,
            "status" => status = Some(v),
            "error" => error = Some(v),
            _ => {
                meta.insert(k, v);
            }
        }
    }

    let mp = root.key("messages");
    rec.messages = match messages {
        None | Some(Value::Null) => return Err(missing(&mp)),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(ParseError::new(
                QuarantineReason::MissingField,
                "messages: expected non-empty array, found empty array",
            ))
        }
        Some(v) => parse_messages(stringified_array(v, &mp)?, &mp, &mut meta, "messages")?,
    };

    // `ts` wins over its alias `timestamp`; a second one is kept as metadata.
    match (ts, timestamp) {
        (Some(t), other) if !t.is_null() => {
            rec.ts_micros = parse_ts(&t, &root.key("ts"))?;
            if let Some(o) = other {
                if !o.is_null() {
                    meta.insert("timestamp".to_string(), o);
                }
            }
        }
        (_, Some(t)) => rec.ts_micros = parse_ts(&t, &root.key("timestamp"))?,
        _ => {}
    }

    let mut defs = Vec::new();
    if let Some(t) = tools {
        let tp = root.key("tools");
        normalize_tools(stringified_array(t, &tp)?, &tp, &mut defs)?;
    }
    if let Some(f) = functions {
        normalize_tools(f, &root.key("functions"), &mut defs)?;
    }
    if !defs.is_empty() {
        rec.tools = Some(to_json_text(&Value::Array(defs)));
    }

    if let Some(u) = usage {
        apply_usage(&mut rec, u, &root.key("usage"), &mut meta, "usage")?;
    }
    if let Some(r) = response {
        apply_response(&mut rec, r, &root.key("response"), &mut meta)?;
        if let Some(c) = choices {
            if !c.is_null() {
                meta.insert("choices".to_string(), c);
            }
        }
    } else if let Some(c) = choices {
        // A chat-completion response flattened into the line: `choices` at
        // the top level.
        let mut o = Map::new();
        o.insert("choices".to_string(), c);
        apply_completion(&mut rec, o, &root, &mut meta)?;
    }

    rec.error = match error {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(mut o)) => match o.remove("message") {
            Some(Value::String(msg)) => {
                for (k, v) in o {
                    if !v.is_null() {
                        meta.insert(format!("error.{k}"), v);
                    }
                }
                Some(msg)
            }
            Some(m) => {
                o.insert("message".to_string(), m);
                Some(to_json_text(&Value::Object(o)))
            }
            None => Some(to_json_text(&Value::Object(o))),
        },
        Some(other) => Some(to_json_text(&other)),
    };
    rec.status = match status {
        None | Some(Value::Null) => if rec.error.is_some() { "error" } else { "ok" }.to_string(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(wrong_type(&root.key("status"), "string", &other)),
    };

    if !meta.is_empty() {
        rec.metadata = Some(to_json_text(&Value::Object(meta)));
    }
    Ok(rec)
}

//! Content, tool calls and tool definitions, shared by both formats.

use super::*;

// ---------------------------------------------------------------------------
// Content, tool calls and tool definitions (shared by both formats)
// ---------------------------------------------------------------------------

/// A marker for a non-text part named by the input, such as `[thinking]`;
/// names that do not look like a type name become `[part]`.
pub(super) fn marker_for(ty: &str) -> Cow<'static, str> {
    let ok = !ty.is_empty()
        && ty.len() <= 32
        && ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Cow::Owned(format!("[{ty}]"))
    } else {
        Cow::Borrowed("[part]")
    }
}

pub(super) fn media_marker(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "image" | "image_url" | "input_image" => "[image]",
        "audio" | "input_audio" => "[audio]",
        "video" | "video_url" | "input_video" => "[video]",
        "file" | "input_file" | "document" => "[file]",
        _ => return None,
    })
}

/// A message's `content`: a string, null, or an array of parts (OpenAI and
/// Anthropic style) whose texts are joined with "\n"; media parts become
/// markers such as `[image]`, never their bytes.
pub(super) fn content_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Array(parts) => join_parts(parts, path),
        Value::Object(o) => {
            if o.contains_key("type") || o.contains_key("text") {
                Ok(part_text(Value::Object(o), path)?.map(Cow::into_owned))
            } else {
                // Not a content part: keep its JSON text.
                Ok(Some(to_json_text(&Value::Object(o))))
            }
        }
        other => Err(wrong_type(path, "string, array of parts or null", &other)),
    }
}

pub(super) fn join_parts(parts: Vec<Value>, path: &Path) -> Result<Option<String>, ParseError> {
    let mut out: Option<String> = None;
    for (i, p) in parts.into_iter().enumerate() {
        let pi = path.idx(i);
        if let Some(t) = part_text(p, &pi)? {
            match &mut out {
                None => out = Some(t.into_owned()),
                Some(o) => {
                    o.push('\n');
                    o.push_str(&t);
                }
            }
        }
    }
    Ok(out)
}

pub(super) fn part_text(p: Value, path: &Path) -> Result<Option<Cow<'static, str>>, ParseError> {
    let mut o = match p {
        Value::Null => return Ok(None),
        Value::String(s) => return Ok(Some(Cow::Owned(s))),
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object or string", &other)),
    };
    enum Kind {
        Text,
        Refusal,
        Media(&'static str),
        Other(Cow<'static, str>),
        Untyped,
    }
    let kind = match o.get("type") {
        None | Some(Value::Null) => Kind::Untyped,
        Some(Value::String(t)) => match t.as_str() {
            "text" | "input_text" | "output_text" => Kind::Text,
            "refusal" => Kind::Refusal,
            t => match media_marker(t) {
                Some(m) => Kind::Media(m),
                None => Kind::Other(marker_for(t)),
            },
        },
        Some(other) => return Err(wrong_type(&path.key("type"), "string", other)),
    };
    let text_of =
        |o: &mut Map<String, Value>, key: &'static str| -> Result<Option<String>, ParseError> {
            match o.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                // Assistants API: {"type":"text","text":{"value":"...","annotations":[]}}
                Some(Value::Object(mut t)) => match t.remove("value") {
                    Some(Value::String(s)) => Ok(Some(s)),
                    Some(other) => Err(wrong_type(&path.key(key).key("value"), "string", &other)),
                    None => Err(missing(&path.key(key).key("value"))),
                },
                Some(other) => Err(wrong_type(&path.key(key), "string", &other)),
            }
        };
    Ok(match kind {
        Kind::Text => text_of(&mut o, "text")?.map(Cow::Owned),
        Kind::Refusal => text_of(&mut o, "refusal")?.map(Cow::Owned),
        Kind::Media(m) => Some(Cow::Borrowed(m)),
        Kind::Other(marker) => match o.get("text") {
            Some(Value::String(_)) => text_of(&mut o, "text")?.map(Cow::Owned),
            _ => Some(marker),
        },
        Kind::Untyped => match o.get("text") {
            Some(Value::String(_)) => text_of(&mut o, "text")?.map(Cow::Owned),
            _ => Some(Cow::Borrowed("[part]")),
        },
    })
}

/// Tool-call arguments as JSON text: strings are kept, structured values are
/// serialized, missing arguments are `{}`.
pub(super) fn arguments_text(v: Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "{}".to_string(),
        Some(Value::String(s)) => s,
        Some(other) => to_json_text(&other),
    }
}

pub(super) fn tool_call_value(
    id: Option<String>,
    ty: Option<String>,
    name: Value,
    arguments: String,
) -> Value {
    let mut f = Map::new();
    f.insert("name".to_string(), name);
    f.insert("arguments".to_string(), Value::String(arguments));
    let mut c = Map::new();
    if let Some(id) = id {
        c.insert("id".to_string(), Value::String(id));
    }
    c.insert(
        "type".to_string(),
        Value::String(ty.unwrap_or_else(|| "function".to_string())),
    );
    c.insert("function".to_string(), Value::Object(f));
    Value::Object(c)
}

/// One tool call to OpenAI shape. Accepts the OpenAI shape (arguments as text
/// or as an object), the flat `{id,name,arguments}` shape and Anthropic's
/// `{id,name,input}`. Other fields of the call (such as a streaming `index`)
/// are dropped.
pub(super) fn normalize_tool_call(c: Value, path: &Path) -> Result<Value, ParseError> {
    let mut o = match c {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let id = match o.remove("id") {
        None => None,
        Some(v) => opt_id(v, &path.key("id"))?,
    };
    let ty = match o.remove("type") {
        Some(Value::String(t)) if t == "function" || t == "custom" => Some(t),
        _ => None,
    };
    let func = match o.remove("function") {
        Some(Value::Object(f)) => Some((f, "function")),
        Some(Value::Null) | None => match o.remove("custom") {
            Some(Value::Object(f)) => Some((f, "custom")),
            _ => None,
        },
        Some(other) => return Err(wrong_type(&path.key("function"), "object", &other)),
    };
    let (name, args, in_object) = match func {
        Some((mut f, key)) => {
            let args = f.remove("arguments").or_else(|| f.remove("input"));
            (f.remove("name"), args, Some(key))
        }
        None => {
            let args = o
                .remove("arguments")
                .or_else(|| o.remove("input"))
                .or_else(|| o.remove("args"));
            (o.remove("name"), args, None)
        }
    };
    let name = match name {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => Value::String(s),
        Some(other) => {
            return Err(match in_object {
                Some(key) => wrong_type(&path.key(key).key("name"), "string", &other),
                None => wrong_type(&path.key("name"), "string", &other),
            })
        }
    };
    Ok(tool_call_value(id, ty, name, arguments_text(args)))
}

/// A `tool_calls` array to OpenAI shape; `None` when null or empty.
pub(super) fn normalize_tool_calls(v: Value, path: &Path) -> Result<Option<Vec<Value>>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Array(a) => {
            if a.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, c) in a.into_iter().enumerate() {
                out.push(normalize_tool_call(c, &path.idx(i))?);
            }
            Ok(Some(out))
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

pub(super) fn tool_calls_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    Ok(normalize_tool_calls(v, path)?.map(|a| to_json_text(&Value::Array(a))))
}

/// Legacy `function_call: {name, arguments}` to a one-element OpenAI
/// `tool_calls` array text.
pub(super) fn function_call_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Object(_) => {
            let c = normalize_tool_call(v, path)?;
            Ok(Some(to_json_text(&Value::Array(vec![c]))))
        }
        other => Err(wrong_type(path, "object", &other)),
    }
}

/// One tool definition to OpenAI shape. `{"type":"function","function":{..}}`
/// is kept; a flat function definition (legacy `functions`, the GenAI
/// semconv's `gen_ai.tool.definitions`, Anthropic's `input_schema`) is
/// wrapped; anything else (built-in tools) is kept as it is.
pub(super) fn normalize_tool_def(t: Value, path: &Path) -> Result<Value, ParseError> {
    let mut o = match t {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let type_is_function = match o.get("type") {
        None | Some(Value::Null) => true,
        Some(Value::String(t)) => t == "function",
        Some(_) => false,
    };
    let flat_function = type_is_function
        && !o.contains_key("function")
        && matches!(o.get("name"), Some(Value::String(_)));
    if !flat_function {
        return Ok(Value::Object(o));
    }
    o.remove("type");
    let mut f = Map::new();
    if let Some(n) = o.remove("name") {
        f.insert("name".to_string(), n);
    }
    if let Some(d) = o.remove("description") {
        f.insert("description".to_string(), d);
    }
    let params = o
        .remove("parameters")
        .or_else(|| o.remove("input_schema"))
        .or_else(|| o.remove("parameters_json_schema"));
    if let Some(p) = params {
        f.insert("parameters".to_string(), p);
    }
    for (k, v) in o {
        f.insert(k, v);
    }
    let mut w = Map::new();
    w.insert("type".to_string(), Value::String("function".to_string()));
    w.insert("function".to_string(), Value::Object(f));
    Ok(Value::Object(w))
}

pub(super) fn normalize_tools(v: Value, path: &Path, out: &mut Vec<Value>) -> Result<(), ParseError> {
    match v {
        Value::Null => Ok(()),
        Value::Array(a) => {
            out.reserve(a.len());
            for (i, t) in a.into_iter().enumerate() {
                out.push(normalize_tool_def(t, &path.idx(i))?);
            }
            Ok(())
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

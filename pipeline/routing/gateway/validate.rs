//! Checks an SLM's answer against what the request declared, before the
//! client sees it: an answer that fails goes to the LLM (`invalid_output`).
//!
//! - every tool call names a tool of the request's `tools`, and honours
//!   `tool_choice` (`none`, `required`, a named function);
//! - its arguments are JSON and fit the tool's `parameters` schema;
//! - with `response_format` `json_object` or `json_schema`, the content is
//!   JSON (an object, or fitting the schema).
//!
//! The schema check is the part of JSON Schema that tool definitions use:
//! `type` (one or a list), `properties`, `required`, `items`, `enum`,
//! `additionalProperties: false`. Messages name JSON paths and types only,
//! never values: they go to logs and metrics, and values may be PII.

use serde_json::{Map, Value};

/// `Err(why)` when the answer must not reach the client.
pub fn check_answer(request: &Value, completion: &Value) -> Result<(), String> {
    let choices = completion.get("choices").and_then(Value::as_array).ok_or("answer has no `choices`")?;
    let first = choices.first().ok_or("answer has no choice")?;
    let message = first.get("message").ok_or("choice 0 has no `message`")?;
    let tools = declared_tools(request);
    let calls = message.get("tool_calls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    match request.get("tool_choice") {
        Some(Value::String(s)) if s == "none" && !calls.is_empty() => return Err("tool call despite `tool_choice: none`".into()),
        Some(Value::String(s)) if s == "required" && calls.is_empty() => return Err("no tool call despite `tool_choice: required`".into()),
        Some(choice @ Value::Object(_)) => {
            if let Some(name) = choice.pointer("/function/name").and_then(Value::as_str) {
                if calls.is_empty() || calls.iter().any(|c| c.pointer("/function/name").and_then(Value::as_str) != Some(name)) {
                    return Err(format!("`tool_choice` asks for `{name}`, the answer calls something else"));
                }
            }
        }
        _ => {}
    }
    for (i, call) in calls.iter().enumerate() {
        let name = call.pointer("/function/name").and_then(Value::as_str).ok_or(format!("tool call {i} has no function name"))?;
        let Some(schema) = tools.get(name) else {
            return Err(format!("tool call {i} names `{}`, which the request did not declare", printable(name)));
        };
        let arguments = match call.pointer("/function/arguments") {
            Some(Value::String(s)) => serde_json::from_str::<Value>(s)
                .map_err(|e| format!("tool call {i} (`{name}`): arguments are not JSON (line {}, column {})", e.line(), e.column()))?,
            Some(v @ Value::Object(_)) => v.clone(),
            _ => return Err(format!("tool call {i} (`{name}`): no arguments")),
        };
        check_schema(&arguments, schema, "$").map_err(|e| format!("tool call {i} (`{name}`) arguments: {e}"))?;
    }
    let format = request.pointer("/response_format/type").and_then(Value::as_str);
    if matches!(format, Some("json_object" | "json_schema")) && calls.is_empty() {
        let content = message.get("content").and_then(Value::as_str).ok_or("JSON answer expected, content is empty")?;
        let value: Value = serde_json::from_str(content.trim())
            .map_err(|e| format!("content is not JSON (line {}, column {})", e.line(), e.column()))?;
        if format == Some("json_object") && !value.is_object() {
            return Err(format!("`json_object` expected, content is {}", type_name(&value)));
        }
        if let Some(schema) = request.pointer("/response_format/json_schema/schema") {
            check_schema(&value, schema, "$").map_err(|e| format!("content: {e}"))?;
        }
    }
    Ok(())
}

/// Tool names declared by the request, with their parameter schemas.
fn declared_tools(request: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for tool in request.get("tools").and_then(Value::as_array).into_iter().flatten() {
        let function = tool.get("function").unwrap_or(tool);
        if let Some(name) = function.get("name").and_then(Value::as_str) {
            out.insert(name.to_string(), function.get("parameters").cloned().unwrap_or(Value::Bool(true)));
        }
    }
    // The legacy `functions` field declares tools too.
    for f in request.get("functions").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = f.get("name").and_then(Value::as_str) {
            out.insert(name.to_string(), f.get("parameters").cloned().unwrap_or(Value::Bool(true)));
        }
    }
    out
}

/// A model-made name, cut short and stripped to identifier characters
/// before it goes into a message.
fn printable(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).take(64).collect()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(v: &Value, ty: &str) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        // 3.0 is an integer to JSON Schema.
        "integer" => v.as_i64().is_some() || v.as_u64().is_some() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        // Types this check does not know pass.
        _ => true,
    }
}

/// Checks `value` against the common subset of JSON Schema.
pub fn check_schema(value: &Value, schema: &Value, path: &str) -> Result<(), String> {
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{path}: not allowed")),
        Value::Object(o) => o,
        _ => return Ok(()),
    };
    match schema.get("type") {
        Some(Value::String(t)) if !has_type(value, t) => {
            return Err(format!("{path}: expected {t}, found {}", type_name(value)));
        }
        Some(Value::Array(types)) if !types.iter().filter_map(Value::as_str).any(|t| has_type(value, t)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            return Err(format!("{path}: expected {}, found {}", names.join(" or "), type_name(value)));
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if !allowed.contains(value) {
            return Err(format!("{path}: not one of the {} allowed values", allowed.len()));
        }
    }
    if let Value::Object(object) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(key) {
                return Err(format!("{path}: required key `{key}` missing"));
            }
        }
        for (key, v) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => check_schema(v, sub, &format!("{path}.{key}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{path}: key `{}` not declared", printable(key)));
                }
                None => {
                    if let Some(extra @ Value::Object(_)) = schema.get("additionalProperties") {
                        check_schema(v, extra, &format!("{path}.{}", printable(key)))?;
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check_schema(item, item_schema, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Value {
        json!({"messages": [], "tools": [{"type": "function", "function": {"name": "save_invoice", "parameters": {
            "type": "object", "required": ["number", "total"],
            "properties": {"number": {"type": "string"}, "total": {"type": "number"}, "paid": {"type": "boolean"},
                           "lines": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "integer"}}}}}}}}]})
    }

    fn answer(name: &str, arguments: &str) -> Value {
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}]}}]})
    }

    #[test]
    fn tool_calls_must_name_declared_tools_with_fitting_arguments() {
        let r = request();
        assert_eq!(check_answer(&r, &answer("save_invoice", r#"{"number": "F-1", "total": 12.5, "lines": [{"qty": 2}]}"#)), Ok(()));
        let e = check_answer(&r, &answer("delete_everything", "{}")).unwrap_err();
        assert!(e.contains("did not declare") && e.contains("delete_everything"), "{e}");
        assert!(check_answer(&r, &answer("save_invoice", "{\"number\": ")).unwrap_err().contains("not JSON"));
        let e = check_answer(&r, &answer("save_invoice", r#"{"number": "F-1"}"#)).unwrap_err();
        assert!(e.contains("`total` missing"), "{e}");
        let e = check_answer(&r, &answer("save_invoice", r#"{"number": 7, "total": 1}"#)).unwrap_err();
        assert!(e.contains("$.number: expected string, found integer"), "{e}");
        let e = check_answer(&r, &answer("save_invoice", r#"{"number": "x", "total": 1, "lines": [{"qty": 1.5}]}"#)).unwrap_err();
        assert!(e.contains("$.lines[0].qty: expected integer"), "{e}");
        // Values never appear in the message.
        let e = check_answer(&r, &answer("save_invoice", r#"{"number": "canary.person@example.org", "total": "x"}"#)).unwrap_err();
        assert!(!e.contains("canary"), "{e}");
    }

    #[test]
    fn tool_choice_and_json_formats_are_honoured() {
        let mut r = request();
        r["tool_choice"] = json!("none");
        assert!(check_answer(&r, &answer("save_invoice", r#"{"number": "1", "total": 1}"#)).is_err());
        r["tool_choice"] = json!("required");
        let text = |s: &str| json!({"choices": [{"message": {"role": "assistant", "content": s}}]});
        assert!(check_answer(&r, &text("hello")).is_err());
        let mut r = json!({"messages": [], "response_format": {"type": "json_object"}});
        assert_eq!(check_answer(&r, &text(" {\"a\": 1} ")), Ok(()));
        assert!(check_answer(&r, &text("Sure! {\"a\": 1}")).is_err());
        assert!(check_answer(&r, &text("[1]")).is_err());
        r["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "x", "schema": {
            "type": "object", "required": ["total"], "additionalProperties": false, "properties": {"total": {"type": "number"}}}}});
        assert_eq!(check_answer(&r, &text("{\"total\": 3}")), Ok(()));
        assert!(check_answer(&r, &text("{\"total\": 3, \"other\": 1}")).unwrap_err().contains("not declared"));
        // Plain text requests accept plain text.
        assert_eq!(check_answer(&json!({"messages": []}), &text("hello")), Ok(()));
        assert!(check_answer(&json!({}), &json!({"choices": []})).is_err());
    }
}

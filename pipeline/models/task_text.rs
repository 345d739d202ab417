//! The "task text" of a call: what the call asks for, without the answer.
//! Built from a template over the anonymized call; it is what gets embedded
//! and clustered, so two calls of the same task type should read alike.

use arrow::array::{Array, ListArray, StringArray, StructArray};

use crate::error::{Error, Result};

/// The parts of a call a template can name.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CallParts {
    pub system: String,
    pub first_user: String,
    pub last_user: String,
    /// Names of the tools offered to the model, comma-separated.
    pub tools: String,
    pub agent: String,
    pub model: String,
}

pub const FIELDS: [&str; 6] = ["system", "first_user", "last_user", "tools", "agent", "model"];

/// The default: system prompt, last user message, tool names.
pub const DEFAULT_TEMPLATE: &str = "{system}\n{last_user}\ntools: {tools}";

/// A parsed template. A line whose fields all render empty is left out,
/// so `tools: {tools}` disappears for a call without tools.
#[derive(Debug, Clone)]
pub struct Template {
    lines: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Field(usize),
}

impl Template {
    pub fn parse(template: &str) -> std::result::Result<Self, String> {
        let mut lines = Vec::new();
        for line in template.split('\n') {
            let mut pieces = Vec::new();
            let mut rest = line;
            while let Some(start) = rest.find('{') {
                let Some(len) = rest[start..].find('}') else {
                    return Err(format!("unclosed `{{` in the template line `{line}`"));
                };
                let name = &rest[start + 1..start + len];
                let Some(index) = FIELDS.iter().position(|p| *p == name) else {
                    return Err(format!("unknown template field `{{{name}}}`: use one of {}", FIELDS.join(", ")));
                };
                if start > 0 {
                    pieces.push(Piece::Text(rest[..start].to_string()));
                }
                pieces.push(Piece::Field(index));
                rest = &rest[start + len + 1..];
            }
            if !rest.is_empty() {
                pieces.push(Piece::Text(rest.to_string()));
            }
            lines.push(pieces);
        }
        if !lines.iter().flatten().any(|p| matches!(p, Piece::Field(_))) {
            return Err("the template names no field: every call would get the same text".into());
        }
        Ok(Self { lines })
    }

    pub fn render(&self, call: &CallParts) -> String {
        let fields = [&call.system, &call.first_user, &call.last_user, &call.tools, &call.agent, &call.model];
        let mut out = Vec::new();
        for line in &self.lines {
            let has_fields = line.iter().any(|p| matches!(p, Piece::Field(_)));
            let any_value = line.iter().any(|p| matches!(p, Piece::Field(i) if !fields[*i].trim().is_empty()));
            if has_fields && !any_value {
                continue;
            }
            let mut text = String::new();
            for piece in line {
                match piece {
                    Piece::Text(t) => text.push_str(t),
                    Piece::Field(i) => text.push_str(fields[*i].trim()),
                }
            }
            out.push(text);
        }
        out.join("\n").trim().to_string()
    }
}

/// The parts of row `row` of a `calls` batch (columns `messages`, `tools`,
/// `agent`, `model` as in the table contract).
pub struct CallsColumns<'a> {
    messages: &'a ListArray,
    tools: &'a StringArray,
    agent: &'a StringArray,
    model: &'a StringArray,
}

impl<'a> CallsColumns<'a> {
    pub fn new(batch: &'a arrow::array::RecordBatch) -> Result<Self> {
        let missing = |c: &str| Error::Contract { table: "calls".into(), message: format!("column `{c}` missing or of the wrong type") };
        let col = |c: &str| batch.column_by_name(c).ok_or_else(|| missing(c));
        Ok(Self {
            messages: col("messages")?.as_any().downcast_ref().ok_or_else(|| missing("messages"))?,
            tools: col("tools")?.as_any().downcast_ref().ok_or_else(|| missing("tools"))?,
            agent: col("agent")?.as_any().downcast_ref().ok_or_else(|| missing("agent"))?,
            model: col("model")?.as_any().downcast_ref().ok_or_else(|| missing("model"))?,
        })
    }

    pub fn parts(&self, row: usize) -> CallParts {
        let text = |a: &StringArray, i: usize| if a.is_null(i) { String::new() } else { a.value(i).to_string() };
        let mut parts = CallParts { agent: text(self.agent, row), model: text(self.model, row), ..Default::default() };
        if !self.tools.is_null(row) {
            parts.tools = tool_names(self.tools.value(row)).join(", ");
        }
        if self.messages.is_null(row) {
            return parts;
        }
        let messages = self.messages.value(row);
        let Some(messages) = messages.as_any().downcast_ref::<StructArray>() else { return parts };
        let (Some(roles), Some(contents)) = (
            messages.column_by_name("role").and_then(|c| c.as_any().downcast_ref::<StringArray>()),
            messages.column_by_name("content").and_then(|c| c.as_any().downcast_ref::<StringArray>()),
        ) else {
            return parts;
        };
        let mut system = Vec::new();
        for i in 0..messages.len() {
            if roles.is_null(i) || contents.is_null(i) {
                continue;
            }
            let content = contents.value(i);
            match roles.value(i) {
                "system" | "developer" => system.push(content),
                "user" => {
                    if parts.first_user.is_empty() {
                        parts.first_user = content.to_string();
                    }
                    parts.last_user = content.to_string();
                }
                _ => {}
            }
        }
        parts.system = system.join("\n");
        parts
    }
}

/// Tool names from a JSON array of tool definitions, in the OpenAI shape
/// (`{"type": "function", "function": {"name": ...}}`) or flat (`{"name": ...}`).
pub fn tool_names(tools_json: &str) -> Vec<String> {
    let Ok(serde_json::Value::Array(tools)) = serde_json::from_str::<serde_json::Value>(tools_json) else {
        return Vec::new();
    };
    tools
        .iter()
        .filter_map(|t| t.pointer("/function/name").or_else(|| t.get("name")))
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_without_values_are_left_out() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let call = CallParts { system: "You extract invoices.".into(), last_user: "Invoice 7".into(), ..Default::default() };
        assert_eq!(t.render(&call), "You extract invoices.\nInvoice 7");
        let with_tools = CallParts { tools: "lookup, pay".into(), ..call };
        assert_eq!(t.render(&with_tools), "You extract invoices.\nInvoice 7\ntools: lookup, pay");
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        assert!(Template::parse("{system} {nope}").unwrap_err().contains("unknown template field `{nope}`"));
        assert!(Template::parse("{system").unwrap_err().contains("unclosed"));
        assert!(Template::parse("constant").unwrap_err().contains("no field"));
    }

    #[test]
    fn tool_names_in_both_shapes() {
        let openai = r#"[{"type":"function","function":{"name":"get_weather","parameters":{}}},{"name":"search"}]"#;
        assert_eq!(tool_names(openai), ["get_weather", "search"]);
        assert!(tool_names("not json").is_empty());
    }
}

//! The base model's view of a chat call: the prompt in ChatML (tool
//! definitions in the system turn, tool calls as JSON) and the answer to
//! learn. distill renders its datasets with it and the serving side its
//! SLM inputs, so both see the very same text.

use serde_json::{json, Value};

use super::smollm;

/// One message of a logged chat: role, text, and tool calls (JSON) if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
    pub tool_calls: Option<String>,
    pub tool_call_id: Option<String>,
}

/// Tool calls in the OpenAI shape → `{"tool_calls": [{"name", "arguments"}]}`
/// with the arguments as parsed JSON: what the small model learns to emit.
pub fn tool_calls_json(openai: &str) -> Option<String> {
    let Value::Array(calls) = serde_json::from_str::<Value>(openai).ok()? else { return None };
    let calls: Vec<Value> = calls
        .iter()
        .filter_map(|c| {
            let f = c.get("function").unwrap_or(c);
            let name = f.get("name")?.as_str()?;
            let arguments = match f.get("arguments") {
                Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
                Some(v) => v.clone(),
                None => json!({}),
            };
            Some(json!({"name": name, "arguments": arguments}))
        })
        .collect();
    (!calls.is_empty()).then(|| json!({"tool_calls": calls}).to_string())
}

/// The chat up to the assistant's turn in ChatML. The tool definitions go
/// into the system turn; earlier assistant tool calls are rendered as JSON.
pub fn render_prompt_from(chat: &[(String, String, Option<String>)], tools: Option<&str>) -> String {
    let messages: Vec<ChatMessage> =
        chat.iter()
            .map(|(r, c, t)| ChatMessage { role: r.clone(), content: c.clone(), tool_calls: t.clone(), tool_call_id: None })
            .collect();
    render_prompt(&messages, tools)
}

pub fn render_prompt(chat: &[ChatMessage], tools: Option<&str>) -> String {
    let tools = tools.and_then(|t| serde_json::from_str::<Value>(t).ok()).filter(|t| t.as_array().is_some_and(|a| !a.is_empty()));
    let tool_text = tools.map(|t| {
        format!(
            "You can call these tools. To call them, answer with JSON: {{\"tool_calls\": [{{\"name\": ..., \"arguments\": {{...}}}}]}}.\nTools: {t}"
        )
    });
    let mut turns: Vec<(String, String)> = Vec::new();
    let mut system_done = false;
    for (i, m) in chat.iter().enumerate() {
        let mut content = m.content.clone();
        if let Some(calls) = m.tool_calls.as_deref().and_then(tool_calls_json) {
            content = if content.trim().is_empty() { calls } else { format!("{content}\n{calls}") };
        }
        if i == 0 && matches!(m.role.as_str(), "system" | "developer") {
            if let Some(t) = &tool_text {
                content = format!("{content}\n\n{t}");
            }
            turns.push(("system".into(), content));
            system_done = true;
            continue;
        }
        turns.push((m.role.clone(), content));
    }
    if !system_done {
        if let Some(t) = tool_text {
            turns.insert(0, ("system".into(), t));
        }
    }
    let refs: Vec<(&str, &str)> = turns.iter().map(|(r, c)| (r.as_str(), c.as_str())).collect();
    smollm::chatml(&refs, true)
}

/// The answer to learn: the text, or the tool calls as JSON (both if both),
/// closed by the end-of-turn token. None when there is nothing to learn.
pub fn render_answer(content: Option<&str>, tool_calls: Option<&str>) -> Option<String> {
    let text = content.map(str::trim).filter(|t| !t.is_empty());
    let calls = tool_calls.and_then(tool_calls_json);
    let body = match (text, calls) {
        (Some(t), Some(c)) => format!("{t}\n{c}"),
        (Some(t), None) => t.to_string(),
        (None, Some(c)) => c,
        (None, None) => return None,
    };
    Some(format!("{body}<|im_end|>\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_become_json_with_parsed_arguments() {
        let openai = r#"[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"id\": 7}"}}]"#;
        assert_eq!(tool_calls_json(openai).unwrap(), r#"{"tool_calls":[{"name":"lookup","arguments":{"id":7}}]}"#);
        assert!(tool_calls_json("[]").is_none() && tool_calls_json("nope").is_none());
        assert_eq!(render_answer(Some("  "), None), None);
        assert_eq!(render_answer(Some("Paris"), None).unwrap(), "Paris<|im_end|>\n");
        assert!(render_answer(None, Some(openai)).unwrap().starts_with(r#"{"tool_calls":[{"name":"lookup""#));
    }

    #[test]
    fn tools_go_into_the_system_turn() {
        let tools = r#"[{"type":"function","function":{"name":"send_email","parameters":{}}}]"#;
        let chat = vec![("system".to_string(), "You route tickets.".to_string(), None), ("user".to_string(), "Help".to_string(), None)];
        let prompt = render_prompt_from(&chat, Some(tools));
        assert!(prompt.starts_with("<|im_start|>system\nYou route tickets.\n\nYou can call these tools."), "{prompt}");
        assert!(prompt.contains("send_email") && prompt.ends_with("<|im_start|>user\nHelp<|im_end|>\n<|im_start|>assistant\n"));
        // No system message: the tools make one.
        let prompt = render_prompt_from(&chat[1..], Some(tools));
        assert!(prompt.starts_with("<|im_start|>system\nYou can call these tools."), "{prompt}");
        // No tools, no system message: the template's default system prompt.
        assert!(render_prompt_from(&chat[1..], None).contains("SmolLM"));
    }

}

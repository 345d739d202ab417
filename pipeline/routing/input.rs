//! What a route's SLM reads for a request: the chat in the base model's
//! ChatML, rendered by the very function distill rendered the training
//! prompts with, without the prefix the adapter was trained without
//! (`models/prefix.rs`) when the prompt starts with it.

use super::registry::Registry;
use super::table::Route;
use super::router::Request;
use crate::error::{Error, Result};
use crate::models::chat::render_prompt;
use crate::models::prefix::{self, PREFIX_FILE};

/// The SLM's input for `request` on a route pruned of `prefix_text`.
pub fn slm_input(request: &Request, prefix_text: Option<&str>) -> String {
    let prompt = render_prompt(&request.chat, request.tools.as_deref());
    prefix::strip(&prompt, prefix_text).to_string()
}

/// The prefix text of a route, from its adapter's folder in the registry
/// (every file is checked against its sha256 on the way), and checked
/// against the route's `pruned_prefix`. None when the route was not pruned.
pub async fn route_prefix(registry: &Registry, route: &Route) -> Result<Option<String>> {
    let (Some(want), Some(adapter)) = (route.pruned_prefix.as_deref(), route.adapter.as_ref()) else {
        return Ok(None);
    };
    let files = registry.fetch_adapter(adapter).await?;
    let bytes = files.get(PREFIX_FILE).ok_or_else(|| {
        Error::NotFound(format!("route {}: adapter {} has no {PREFIX_FILE} but the route is pruned", route.cluster_id, adapter.path))
    })?;
    let text = String::from_utf8(bytes.clone())
        .map_err(|_| Error::Contract { table: adapter.path.clone(), message: format!("{PREFIX_FILE} is not UTF-8") })?;
    if prefix::sha256_hex(&text) != want {
        return Err(Error::Contract {
            table: adapter.path.clone(),
            message: format!("{PREFIX_FILE} does not match the route's pruned_prefix {want}"),
        });
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::chat::ChatMessage;
    use crate::models::prefix::shared_prefix;
    use serde_json::json;

    const SYSTEM: &str = "You are the returns desk of an online shop. Accept returns within 30 days of delivery. \
        Refunds go to the original payment method. Never promise a refund before the item is received. \
        Escalate damaged items to a human agent with the order id.";

    fn request(user: &str, system: &str) -> serde_json::Value {
        json!({
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "tools": [{"type": "function", "function": {"name": "create_return", "parameters": {"type": "object",
                       "properties": {"order_id": {"type": "string"}, "reason": {"type": "string", "enum": ["damaged", "wrong_size", "other"]}}}}}]
        })
    }

    /// The training prompt (as distill renders a logged call) and the
    /// serving input of the same call are the same text, pruned or not.
    #[test]
    fn serving_reads_what_training_read() {
        let users = ["Order 8812 arrived broken.", "Can I send back the shoes from order 1201?", "Wrong size, order 77.", "Return please, order 5."];
        let logged: Vec<String> = users
            .iter()
            .map(|u| {
                let chat = [
                    ChatMessage { role: "system".into(), content: SYSTEM.into(), ..ChatMessage::default() },
                    ChatMessage { role: "user".into(), content: (*u).into(), ..ChatMessage::default() },
                ];
                render_prompt(&chat, Some(&request(u, SYSTEM)["tools"].to_string()))
            })
            .collect();
        let refs: Vec<&str> = logged.iter().map(String::as_str).collect();
        let prefix = shared_prefix(&refs, 0.8, 200).expect("system prompt and tools are shared");
        for (u, training) in users.iter().zip(&logged) {
            let r = Request::from_json(&request(u, SYSTEM)).unwrap();
            let served = slm_input(&r, Some(&prefix));
            assert_eq!(served, prefix::strip(training, Some(&prefix)));
            assert!(served.len() < training.len() / 2 && served.contains(u), "{served}");
            assert_eq!(slm_input(&r, None), *training, "unpruned: the whole prompt");
        }
        // A call of the cluster without the prefix (another system prompt) is read whole.
        let other = Request::from_json(&request("Order 9 is damaged.", "Returns desk. Be brief.")).unwrap();
        assert_eq!(slm_input(&other, Some(&prefix)), slm_input(&other, None));
        // Earlier tool calls and tool results render as in training too.
        let turn = json!({"messages": [
            {"role": "user", "content": "Return order 8812"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "t1", "type": "function",
              "function": {"name": "create_return", "arguments": "{\"order_id\": \"8812\"}"}}]},
            {"role": "tool", "tool_call_id": "t1", "content": "{\"return_id\": \"R-1\"}"}]});
        let r = Request::from_json(&turn).unwrap();
        let chat = [
            ChatMessage { role: "user".into(), content: "Return order 8812".into(), ..ChatMessage::default() },
            ChatMessage {
                role: "assistant".into(),
                content: String::new(),
                tool_calls: Some(turn["messages"][1]["tool_calls"].to_string()),
                tool_call_id: None,
            },
            ChatMessage { role: "tool".into(), content: "{\"return_id\": \"R-1\"}".into(), tool_calls: None, tool_call_id: Some("t1".into()) },
        ];
        assert_eq!(slm_input(&r, None), render_prompt(&chat, None));
        assert!(slm_input(&r, None).contains(r#"{"tool_calls":[{"name":"create_return","arguments":{"order_id":"8812"}}]}"#));
    }
}

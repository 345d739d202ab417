//! What a route's SLM reads for a request: the chat in the base model's
//! ChatML, rendered by the very function distill rendered the training
//! prompts with, without the prefix the adapter was trained without
//! (`models/prefix.rs`) when the prompt starts with it.

use super::registry::Registry;
use super::table::Route;
use super::router::Request;
use crate::error::{Error, Result};
use crate::hashing::sha256_hex;
use crate::models::chat::render_prompt;
use crate::models::fewshot::{ShotPool, SHOTS_FILE};
use crate::warehouse::candidates::CandidateKind;
use crate::models::prefix::{self, PREFIX_FILE};

/// The SLM's input for `request` on a route pruned of `prefix_text`.
pub fn slm_input(request: &Request, prefix_text: Option<&str>) -> String {
    let prompt = render_prompt(&request.chat, request.tools.as_deref());
    prefix::strip(&prompt, prefix_text).to_string()
}

/// What a route's candidate reads for `request`: the pruned prompt for a
/// LoRA adapter, the whole prompt zero-shot, and the whole prompt with the
/// nearest of the route's examples (`route_shots`) few-shot, as many as
/// `fits` the model's context. evaluate scored each candidate on this text.
pub fn candidate_input(
    request: &Request,
    route: &Route,
    prefix_text: Option<&str>,
    shots: Option<&ShotPool>,
    fits: &mut dyn FnMut(&str) -> bool,
) -> String {
    let prompt = render_prompt(&request.chat, request.tools.as_deref());
    match route.candidate.as_ref() {
        Some(c) if c.kind == CandidateKind::ZeroShot => prompt,
        Some(c) if c.kind == CandidateKind::FewShot => match shots {
            Some(pool) => pool.prompt_for(&prompt, c.shots, fits).0,
            None => prompt,
        },
        _ => prefix::strip(&prompt, prefix_text).to_string(),
    }
}

/// A few-shot route's examples, from its registry folder (checked by sha256).
pub async fn route_shots(registry: &Registry, route: &Route) -> Result<Option<ShotPool>> {
    let few_shot = route.candidate.as_ref().is_some_and(|c| c.kind == CandidateKind::FewShot);
    let (true, Some(folder)) = (few_shot, route.adapter.as_ref()) else { return Ok(None) };
    let files = registry.fetch_adapter(folder).await?;
    let bytes = files.get(SHOTS_FILE).ok_or_else(|| {
        Error::NotFound(format!("route {}: folder {} has no {SHOTS_FILE} but the route is few-shot", route.cluster_id, folder.path))
    })?;
    let pool = ShotPool::from_jsonl(bytes).map_err(|message| Error::Contract { table: folder.path.clone(), message })?;
    Ok(Some(pool))
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
    if sha256_hex(&text) != want {
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

    /// Each candidate reads what evaluate scored it on: zero-shot the whole
    /// prompt, few-shot the whole prompt after its nearest examples, LoRA
    /// the pruned prompt.
    #[test]
    fn each_candidate_reads_the_prompt_it_was_scored_on() {
        use crate::models::fewshot::{few_shot_prompt, Shot};
        use crate::routing::table::RouteCandidate;
        let tools = request("x", SYSTEM)["tools"].to_string();
        let render = |u: &str| {
            let chat = [
                ChatMessage { role: "system".into(), content: SYSTEM.into(), ..ChatMessage::default() },
                ChatMessage { role: "user".into(), content: u.into(), ..ChatMessage::default() },
            ];
            render_prompt(&chat, Some(&tools))
        };
        let shots = vec![
            Shot { prompt: render("Order 8812 arrived broken."), answer: "{\"tool_calls\":[]}<|im_end|>\n".into() },
            Shot { prompt: render("What are your opening hours?"), answer: "9 to 5.<|im_end|>\n".into() },
        ];
        let pool = ShotPool::new(shots.clone());
        let r = Request::from_json(&request("Order 77 arrived broken, the box was crushed.", SYSTEM)).unwrap();
        let whole = render("Order 77 arrived broken, the box was crushed.");
        let prefix = whole[..whole.find("<|im_start|>user").unwrap()].to_string();
        let mut route = crate::routing::router::tests::route(1, &[1.0, 0.0], true);
        let kind = |k: CandidateKind, shots: usize| Some(RouteCandidate { kind: k, licence: "apache-2.0".into(), memory_mib: 1.0, tokens_per_call: 1.0, shots });
        let mut all = |_: &str| true;
        // LoRA (and tables from before candidates): the pruned prompt.
        assert_eq!(candidate_input(&r, &route, Some(&prefix), None, &mut all), slm_input(&r, Some(&prefix)));
        route.candidate = kind(CandidateKind::Lora, 0);
        assert_eq!(candidate_input(&r, &route, Some(&prefix), None, &mut all), whole[prefix.len()..]);
        route.candidate = kind(CandidateKind::ZeroShot, 0);
        assert_eq!(candidate_input(&r, &route, Some(&prefix), None, &mut all), whole);
        route.candidate = kind(CandidateKind::FewShot, 1);
        let served = candidate_input(&r, &route, Some(&prefix), Some(&pool), &mut all);
        assert_eq!(served, few_shot_prompt(&whole, &[&shots[0]]), "the nearest example, before the request");
        assert_eq!(served.matches(SYSTEM).count(), 1);
    }
}

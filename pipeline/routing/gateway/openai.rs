//! OpenAI's Chat Completions wire shapes, as far as the gateway produces
//! them: the error body, the model list, and a completion replayed as
//! server-sent `chat.completion.chunk` events.
//!
//! The gateway needs a whole answer before it can validate an SLM's output,
//! so a streamed response is the complete answer cut into the chunks the
//! `openai` client reassembles (role, content, one chunk per tool call, the
//! finish reason, optionally usage).

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

/// An error as OpenAI returns it: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// OpenAI's `type`: `invalid_request_error`, `api_error`, ...
    pub kind: String,
    pub param: Option<String>,
    pub code: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), kind: kind.to_string(), param: None, code: None }
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    pub fn with_param(mut self, param: &str) -> Self {
        self.param = Some(param.to_string());
        self
    }

    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_string());
        self
    }

    /// An upstream's own error body, kept as the upstream wrote it when it
    /// has OpenAI's shape (the client sees what the provider said).
    pub fn from_upstream(status: StatusCode, body: &Value, fallback: String) -> Self {
        let Some(error) = body.get("error").filter(|e| e.is_object()) else {
            return Self::new(status, "api_error", fallback);
        };
        let text = |k: &str| error.get(k).and_then(Value::as_str).map(str::to_string);
        Self {
            status,
            message: text("message").unwrap_or(fallback),
            kind: text("type").unwrap_or_else(|| "api_error".into()),
            param: text("param"),
            code: error.get("code").and_then(|c| c.as_str().map(str::to_string).or_else(|| c.as_i64().map(|n| n.to_string()))),
        }
    }

    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}})
    }
}

pub fn json_response(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(value).expect("JSON"))))
        .expect("valid response")
}

/// `GET /v1/models`: one entry per model name the gateway answers as.
pub fn model_list(names: &[String], created: i64) -> Value {
    let data: Vec<Value> =
        names.iter().map(|n| json!({"id": n, "object": "model", "created": created, "owned_by": "slm-pipeline"})).collect();
    json!({"object": "list", "data": data})
}

/// What the call log keeps of an answer: the first choice's message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub content: Option<String>,
    pub tool_calls: Option<Value>,
    pub finish_reason: Option<String>,
}

impl Answer {
    pub fn of(completion: &Value) -> Self {
        let choice = completion.pointer("/choices/0");
        let message = choice.and_then(|c| c.get("message"));
        Self {
            content: message.and_then(|m| m.get("content")).and_then(Value::as_str).map(str::to_string),
            tool_calls: message.and_then(|m| m.get("tool_calls")).filter(|t| t.as_array().is_some_and(|a| !a.is_empty())).cloned(),
            finish_reason: choice.and_then(|c| c.get("finish_reason")).and_then(Value::as_str).map(str::to_string),
        }
    }

    /// The ingest format's `response` object.
    pub fn to_log(&self) -> Value {
        let mut o = serde_json::Map::new();
        o.insert("content".into(), self.content.clone().map_or(Value::Null, Value::String));
        if let Some(calls) = &self.tool_calls {
            o.insert("tool_calls".into(), calls.clone());
        }
        if let Some(reason) = &self.finish_reason {
            o.insert("finish_reason".into(), json!(reason));
        }
        Value::Object(o)
    }
}

/// The chunks of a streamed answer: per choice its role and content, then
/// one chunk per tool call, then its finish reason; usage last when the
/// request asked for it (`stream_options.include_usage`), as OpenAI does.
pub fn stream_chunks(completion: &Value, include_usage: bool) -> Vec<Value> {
    let id = completion.get("id").cloned().unwrap_or_else(|| json!(format!("chatcmpl-{}", uuid::Uuid::new_v4().simple())));
    let created = completion.get("created").cloned().unwrap_or_else(|| json!(chrono::Utc::now().timestamp()));
    let model = completion.get("model").cloned().unwrap_or(Value::Null);
    let chunk = |choices: Value| json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices});
    let mut out = Vec::new();
    let choices = completion.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
    for (i, choice) in choices.iter().enumerate() {
        let index = choice.get("index").cloned().unwrap_or(json!(i));
        let message = choice.get("message").cloned().unwrap_or(json!({}));
        let content = message.get("content").cloned().unwrap_or(Value::Null);
        let role = message.get("role").cloned().unwrap_or(json!("assistant"));
        out.push(chunk(json!([{"index": index, "delta": {"role": role, "content": content}, "logprobs": null, "finish_reason": null}])));
        for (k, call) in message.get("tool_calls").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let mut call = call.clone();
            if let Some(o) = call.as_object_mut() {
                o.insert("index".into(), json!(k));
            }
            out.push(chunk(json!([{"index": index, "delta": {"tool_calls": [call]}, "logprobs": null, "finish_reason": null}])));
        }
        let finish = choice.get("finish_reason").cloned().unwrap_or(json!("stop"));
        out.push(chunk(json!([{"index": index, "delta": {}, "logprobs": null, "finish_reason": finish}])));
    }
    if include_usage {
        let mut last = chunk(json!([]));
        last["usage"] = completion.get("usage").cloned().unwrap_or(Value::Null);
        out.push(last);
    }
    out
}

/// The SSE body: `data: {chunk}\n\n` per chunk, then `data: [DONE]\n\n`.
pub fn sse_body(chunks: &[Value]) -> Bytes {
    let mut body = Vec::new();
    for c in chunks {
        body.extend_from_slice(b"data: ");
        body.extend_from_slice(&serde_json::to_vec(c).expect("JSON"));
        body.extend_from_slice(b"\n\n");
    }
    body.extend_from_slice(b"data: [DONE]\n\n");
    Bytes::from(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_errors_keep_their_openai_fields() {
        let body = json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}});
        let e = ApiError::from_upstream(StatusCode::TOO_MANY_REQUESTS, &body, "fallback".into());
        assert_eq!((e.message.as_str(), e.kind.as_str(), e.code.as_deref()), ("Rate limit reached", "requests", Some("rate_limit_exceeded")));
        let e = ApiError::from_upstream(StatusCode::BAD_GATEWAY, &json!("<html>"), "upstream llm answered 502".into());
        assert_eq!(e.body(), json!({"error": {"message": "upstream llm answered 502", "type": "api_error", "param": null, "code": null}}));
    }

    #[test]
    fn a_completion_replays_as_chunks_that_reassemble_to_it() {
        let completion = json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 7, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}});
        let chunks = stream_chunks(&completion, true);
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk" && c["id"] == "chatcmpl-1"));
        assert_eq!(chunks[1]["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
        assert_eq!(chunks[1]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
        assert_eq!(chunks[2]["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(chunks[3]["usage"]["total_tokens"], 5);
        let body = String::from_utf8(sse_body(&chunks).to_vec()).unwrap();
        assert!(body.ends_with("data: [DONE]\n\n") && body.matches("data: ").count() == 5, "{body}");
        assert_eq!(Answer::of(&completion).finish_reason.as_deref(), Some("tool_calls"));
    }
}

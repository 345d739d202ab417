//! The optional teacher of the distill task: an OpenAI-compatible chat
//! endpoint that answers again the prompts whose logged answer failed. Only
//! anonymized prompts are sent. Requests are rate-limited; throttling,
//! server errors and timeouts are retried with backoff. The API key comes
//! from an environment variable and never appears in messages.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherConfig {
    /// The API base, e.g. `https://api.openai.com/v1` (`/chat/completions` is appended).
    pub url: String,
    pub model: String,
    /// The environment variable holding the API key (sent as a bearer token).
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default = "default_rate")]
    pub requests_per_sec: f64,
    #[serde(default = "default_retries")]
    pub retries: u32,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// At most this many prompts per run are sent.
    #[serde(default = "default_max_requests")]
    pub max_requests: usize,
}

fn default_rate() -> f64 {
    2.0
}
fn default_retries() -> u32 {
    3
}
fn default_timeout() -> u64 {
    60
}
fn default_max_requests() -> usize {
    500
}

pub struct Teacher {
    config: TeacherConfig,
    client: reqwest::Client,
    api_key: Option<String>,
    next_slot: Instant,
    /// Backoff before the first retry (doubled each time); short in tests.
    pub backoff: Duration,
}

/// The teacher's answer: text and/or tool calls (OpenAI JSON).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TeacherAnswer {
    pub content: Option<String>,
    pub tool_calls: Option<String>,
}

impl Teacher {
    pub fn new(config: TeacherConfig, task: &str) -> Result<Self> {
        if !(config.requests_per_sec > 0.0) {
            return Err(Error::task_config(task, "teacher.requests_per_sec must be above 0"));
        }
        let api_key = match &config.api_key_env {
            Some(var) => Some(std::env::var(var).map_err(|_| {
                Error::task_config(task, format!("teacher.api_key_env names ${var}, which is not set"))
            })?),
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| Error::task_config(task, format!("teacher HTTP client: {e}")))?;
        Ok(Self { config, client, api_key, next_slot: Instant::now(), backoff: Duration::from_millis(500) })
    }

    pub fn max_requests(&self) -> usize {
        self.config.max_requests
    }

    /// Asks the teacher for the assistant's turn after `messages` (OpenAI
    /// shape), with `tools` offered if any.
    pub async fn answer(&mut self, messages: &[Value], tools: Option<&Value>) -> Result<TeacherAnswer> {
        let url = format!("{}/chat/completions", self.config.url.trim_end_matches('/'));
        let mut body = json!({"model": self.config.model, "messages": messages, "temperature": 0});
        if let Some(t) = tools.filter(|t| t.as_array().is_some_and(|a| !a.is_empty())) {
            body["tools"] = t.clone();
        }
        let mut backoff = self.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The rate limit: one request start per slot.
            let now = Instant::now();
            if self.next_slot > now {
                tokio::time::sleep_until(self.next_slot).await;
            }
            self.next_slot = Instant::now() + Duration::from_secs_f64(1.0 / self.config.requests_per_sec);
            let mut request = self.client.post(&url).json(&body);
            if let Some(key) = &self.api_key {
                request = request.bearer_auth(key);
            }
            let retryable = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    let value: Value = response
                        .json()
                        .await
                        .map_err(|e| Error::Transient(format!("teacher {url}: unreadable answer: {}", e.without_url())))?;
                    return parse_completion(&value).ok_or_else(|| {
                        Error::Transient(format!("teacher {url}: the answer has no choices[0].message"))
                    });
                }
                Ok(response) => {
                    let status = response.status();
                    let retry = status.as_u16() == 429 || status.is_server_error();
                    if !retry || attempt > self.config.retries {
                        return Err(Error::Transient(format!("teacher {url}: HTTP {status} after {attempt} attempts")));
                    }
                    retry
                }
                Err(e) => {
                    if attempt > self.config.retries {
                        return Err(Error::Transient(format!("teacher {url}: {}", e.without_url())));
                    }
                    true
                }
            };
            debug_assert!(retryable);
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}

fn parse_completion(value: &Value) -> Option<TeacherAnswer> {
    let message = value.pointer("/choices/0/message")?;
    let content = message.get("content").and_then(Value::as_str).map(str::to_string).filter(|c| !c.trim().is_empty());
    let tool_calls = message
        .get("tool_calls")
        .filter(|t| t.as_array().is_some_and(|a| !a.is_empty()))
        .map(Value::to_string);
    Some(TeacherAnswer { content, tool_calls })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_are_parsed_in_both_shapes() {
        let text = json!({"choices": [{"message": {"role": "assistant", "content": "Paris"}}]});
        assert_eq!(parse_completion(&text).unwrap().content.as_deref(), Some("Paris"));
        let tool = json!({"choices": [{"message": {"content": null, "tool_calls": [{"id": "1", "type": "function",
                          "function": {"name": "f", "arguments": "{}"}}]}}]});
        let parsed = parse_completion(&tool).unwrap();
        assert!(parsed.content.is_none() && parsed.tool_calls.unwrap().contains("\"f\""));
        assert!(parse_completion(&json!({"error": "x"})).is_none());
    }

    #[test]
    fn a_missing_key_names_the_variable_not_a_value() {
        let config: TeacherConfig = serde_json::from_value(
            json!({"url": "http://127.0.0.1:9", "model": "m", "api_key_env": "SLM_TEST_TEACHER_KEY_UNSET"}),
        )
        .unwrap();
        let err = Teacher::new(config, "distill").err().unwrap().to_string();
        assert!(err.contains("$SLM_TEST_TEACHER_KEY_UNSET"), "{err}");
    }
}

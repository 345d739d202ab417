//! The HTTP client to an OpenAI-compatible endpoint (the LLM, or an
//! external SLM engine such as vLLM): bounded retries with backoff on 429,
//! 5xx and connection errors, and a circuit breaker.
//!
//! The breaker exists so that a dead upstream costs the client one fast 503
//! instead of a timeout per request, and so that the upstream gets room to
//! recover: after `threshold` consecutive failed attempts it opens for
//! `cooldown`; then requests pass again (half-open), one success closes it
//! and one more failure opens it again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::Value;

use super::openai::ApiError;

#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// `llm` or `slm`, for messages and metrics.
    pub name: &'static str,
    /// The base URL as OpenAI's clients take it (`https://api.openai.com/v1`).
    pub base_url: String,
    pub api_key: Option<String>,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first retry's wait; doubled for each further one.
    pub backoff: Duration,
    /// One attempt's limit.
    pub timeout: Duration,
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
}

impl UpstreamConfig {
    pub fn new(name: &'static str, base_url: &str) -> Self {
        Self {
            name,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: None,
            retries: 2,
            backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(300),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpstreamError {
    /// The breaker is open; nothing was sent.
    Open { retry_after: Duration },
    /// The upstream answered with an error status (its body, if JSON).
    Status { status: u16, body: Value },
    /// No answer: connection refused or reset, DNS...
    Connect(String),
    Timeout,
    /// A 2xx whose body is not a chat completion.
    BadResponse(String),
}

impl UpstreamError {
    fn retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Connect(_) => true,
            Self::Open { .. } | Self::Timeout | Self::BadResponse(_) => false,
        }
    }

    /// Failures that say the upstream is unwell (a 400 says the request is).
    fn counts_against_breaker(&self) -> bool {
        self.retryable() || matches!(self, Self::Timeout | Self::BadResponse(_))
    }

    /// The metrics label.
    pub fn kind(&self) -> String {
        match self {
            Self::Open { .. } => "breaker_open".into(),
            Self::Status { status, .. } => status.to_string(),
            Self::Connect(_) => "connect".into(),
            Self::Timeout => "timeout".into(),
            Self::BadResponse(_) => "bad_response".into(),
        }
    }

    /// What the client gets: the upstream's status and error when it gave
    /// one, 502 when it could not be reached, 504 on a timeout, 503 while
    /// the breaker is open.
    pub fn to_api(&self, upstream: &Upstream) -> ApiError {
        let who = format!("upstream {} at {}", upstream.config.name, upstream.config.base_url);
        match self {
            Self::Open { retry_after } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "api_error",
                format!("{who} keeps failing: circuit breaker open, retry in {} s", retry_after.as_secs().max(1)),
            )
            .with_code("upstream_circuit_open"),
            Self::Status { status, body } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
                ApiError::from_upstream(status, body, format!("{who} answered {status}"))
            }
            Self::Connect(e) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "api_error", format!("{who} unreachable: {e}")).with_code("upstream_unreachable")
            }
            Self::Timeout => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "api_error", format!("{who} timed out"))
                .with_code("upstream_timeout"),
            Self::BadResponse(e) => ApiError::new(StatusCode::BAD_GATEWAY, "api_error", format!("{who}: {e}")),
        }
    }
}

/// Breaker state, as `/metrics` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}

#[derive(Debug)]
struct Breaker {
    threshold: u32,
    cooldown: Duration,
    /// Consecutive failures, and until when the breaker is open.
    inner: Mutex<(u32, Option<Instant>)>,
}

impl Breaker {
    /// `Err(wait)` while open.
    fn allow(&self) -> Result<(), Duration> {
        match self.inner.lock().expect("breaker lock").1 {
            Some(until) if Instant::now() < until => Err(until - Instant::now()),
            _ => Ok(()),
        }
    }

    fn success(&self) {
        *self.inner.lock().expect("breaker lock") = (0, None);
    }

    fn failure(&self) {
        let mut inner = self.inner.lock().expect("breaker lock");
        inner.0 = inner.0.saturating_add(1);
        if inner.0 >= self.threshold {
            inner.1 = Some(Instant::now() + self.cooldown);
        }
    }

    fn state(&self) -> BreakerState {
        match self.inner.lock().expect("breaker lock").1 {
            None => BreakerState::Closed,
            Some(until) if Instant::now() < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }
}

pub struct Upstream {
    pub config: UpstreamConfig,
    client: reqwest::Client,
    breaker: Breaker,
    attempts: AtomicU64,
    errors: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Upstream {
    pub fn new(config: UpstreamConfig) -> crate::error::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| crate::error::Error::usage(format!("upstream {} at {}: {e}", config.name, config.base_url)))?;
        let breaker = Breaker { threshold: config.breaker_threshold.max(1), cooldown: config.breaker_cooldown, inner: Mutex::new((0, None)) };
        Ok(Self { config, client, breaker, attempts: AtomicU64::new(0), errors: Mutex::new(Default::default()) })
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Attempts sent, and failures by kind, for `/metrics`.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> Vec<(String, u64)> {
        self.errors.lock().expect("errors lock").iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    fn count(&self, e: &UpstreamError) {
        *self.errors.lock().expect("errors lock").entry(e.kind()).or_default() += 1;
    }

    /// `POST {base}/chat/completions` with `body`, retried as configured.
    pub async fn chat(&self, body: &Value) -> Result<Value, UpstreamError> {
        let mut attempt = 0;
        loop {
            if let Err(retry_after) = self.breaker.allow() {
                let e = UpstreamError::Open { retry_after };
                self.count(&e);
                return Err(e);
            }
            let result = self.once(body).await;
            match result {
                Ok(v) => {
                    self.breaker.success();
                    return Ok(v);
                }
                Err(e) => {
                    self.count(&e);
                    if e.counts_against_breaker() {
                        self.breaker.failure();
                    }
                    if !e.retryable() || attempt >= self.config.retries {
                        return Err(e);
                    }
                    tokio::time::sleep(self.config.backoff * 2u32.saturating_pow(attempt)).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn once(&self, body: &Value) -> Result<Value, UpstreamError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let mut request = self.client.post(format!("{}/chat/completions", self.config.base_url)).json(body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| if e.is_timeout() { UpstreamError::Timeout } else { UpstreamError::Connect(error_chain(&e)) })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| if e.is_timeout() { UpstreamError::Timeout } else { UpstreamError::Connect(error_chain(&e)) })?;
        if !status.is_success() {
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Err(UpstreamError::Status { status: status.as_u16(), body });
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| UpstreamError::BadResponse(format!("body is not JSON ({e})")))?;
        if !value.get("choices").is_some_and(Value::is_array) {
            return Err(UpstreamError::BadResponse("answer has no `choices` array".into()));
        }
        Ok(value)
    }
}

/// reqwest's top-level message hides the cause ("error sending request").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::gateway::tests::MockUpstream;
    use serde_json::json;

    fn config(url: &str) -> UpstreamConfig {
        let mut c = UpstreamConfig::new("llm", url);
        c.backoff = Duration::from_millis(5);
        c
    }

    #[tokio::test]
    async fn server_errors_are_retried_twice_then_surfaced() {
        let mock = MockUpstream::start(|_| (500, json!({"error": {"message": "boom", "type": "server_error"}}))).await;
        let upstream = Upstream::new(config(&mock.url)).unwrap();
        let err = upstream.chat(&json!({"messages": []})).await.unwrap_err();
        assert_eq!(mock.calls(), 3, "one attempt and two retries");
        let api = err.to_api(&upstream);
        assert_eq!((api.status, api.message.as_str(), api.kind.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, "boom", "server_error"));
        // A client error is not retried and does not count against the breaker.
        let mock = MockUpstream::start(|_| (400, json!({"error": {"message": "bad", "type": "invalid_request_error"}}))).await;
        let upstream = Upstream::new(config(&mock.url)).unwrap();
        for _ in 0..10 {
            assert!(matches!(upstream.chat(&json!({})).await, Err(UpstreamError::Status { status: 400, .. })));
        }
        assert_eq!((mock.calls(), upstream.breaker_state()), (10, BreakerState::Closed));
    }

    #[tokio::test]
    async fn the_breaker_opens_after_consecutive_failures_and_recovers() {
        let mock = MockUpstream::start(|n| if n < 4 { (503, json!({})) } else { (200, json!({"choices": []})) }).await;
        let mut c = config(&mock.url);
        c.retries = 0;
        c.breaker_threshold = 3;
        c.breaker_cooldown = Duration::from_millis(300);
        let upstream = Upstream::new(c).unwrap();
        for _ in 0..3 {
            assert!(matches!(upstream.chat(&json!({})).await, Err(UpstreamError::Status { status: 503, .. })));
        }
        assert_eq!(upstream.breaker_state(), BreakerState::Open);
        // Open: answered without calling the upstream.
        let err = upstream.chat(&json!({})).await.unwrap_err();
        assert!(matches!(err, UpstreamError::Open { .. }));
        assert_eq!(err.to_api(&upstream).status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(mock.calls(), 3);
        // After the cool-down one attempt passes; it fails, so the breaker reopens at once.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(upstream.breaker_state(), BreakerState::HalfOpen);
        assert!(upstream.chat(&json!({})).await.is_err());
        assert_eq!((mock.calls(), upstream.breaker_state()), (4, BreakerState::Open));
        // A success after the next cool-down closes it.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(upstream.chat(&json!({})).await.is_ok());
        assert_eq!((mock.calls(), upstream.breaker_state()), (5, BreakerState::Closed));
    }

    #[tokio::test]
    async fn an_unreachable_upstream_is_a_502_naming_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        drop(listener);
        let upstream = Upstream::new(config(&url)).unwrap();
        let api = upstream.chat(&json!({})).await.unwrap_err().to_api(&upstream);
        assert_eq!(api.status, StatusCode::BAD_GATEWAY);
        assert!(api.message.contains(&url) && api.message.contains("upstream llm"), "{}", api.message);
        assert_eq!(upstream.errors(), vec![("connect".to_string(), 3)]);
    }
}

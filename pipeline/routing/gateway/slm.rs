//! Who answers a request routed to an SLM. `SlmBackend` is the seam: the
//! external engine (`--slm-upstream`, an OpenAI-compatible server such as
//! vLLM with `--enable-lora`) here, the in-process candle generator with
//! an LRU of adapters in `local`; routing, validation, fallback and logging
//! around them are the same.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::upstream::{Upstream, UpstreamError};
use crate::routing::table::{AdapterRef, Route};

/// The route a request was sent to, as a backend needs it.
#[derive(Debug, Clone)]
pub struct SlmRoute {
    pub cluster_id: String,
    pub adapter: AdapterRef,
    /// The name the adapter is served under (the `model` of the request).
    pub model: String,
    /// How long the SLM may take before the request goes to the LLM.
    pub deadline: Duration,
    /// The live table's route (candidate kind, pruned prefix, base model).
    pub route: Option<Route>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SlmError {
    Failed(String),
    Timeout,
}

#[async_trait]
pub trait SlmBackend: Send + Sync {
    /// A chat completion for `request` (the client's body, `stream` off)
    /// from the route's adapter. Deadlines are the caller's business.
    async fn complete(&self, route: &SlmRoute, request: &Value) -> Result<Value, SlmError>;

    /// For `/metrics`: the upstream behind the backend, if it is one.
    fn upstream(&self) -> Option<&Upstream> {
        None
    }
}

/// An OpenAI-compatible engine that serves each adapter as a model name.
pub struct ExternalSlm {
    upstream: Upstream,
}

impl ExternalSlm {
    pub fn new(upstream: Upstream) -> Self {
        Self { upstream }
    }
}

#[async_trait]
impl SlmBackend for ExternalSlm {
    async fn complete(&self, route: &SlmRoute, request: &Value) -> Result<Value, SlmError> {
        let mut body = request.clone();
        body["model"] = Value::String(route.model.clone());
        self.upstream.chat(&body).await.map_err(|e| match e {
            UpstreamError::Timeout => SlmError::Timeout,
            other => SlmError::Failed(other.to_api(&self.upstream).message),
        })
    }

    fn upstream(&self) -> Option<&Upstream> {
        Some(&self.upstream)
    }
}

/// The backend's answer within the route's deadline.
pub async fn complete_within(backend: &dyn SlmBackend, route: &SlmRoute, request: &Value) -> Result<Value, SlmError> {
    match tokio::time::timeout(route.deadline, backend.complete(route, request)).await {
        Ok(result) => result,
        Err(_) => Err(SlmError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_are_served_under_cluster_and_digest() {
        let adapter = AdapterRef {
            path: "adapters/c07/3f2a9c1b0d4e".into(),
            sha256: "x".into(),
            files: Default::default(),
            version: "v".into(),
            pii_version: None,
        };
        assert_eq!(adapter.served_name(), "c07-3f2a9c1b0d4e");
    }
}

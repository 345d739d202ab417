//! `slm-pipeline gateway`: an OpenAI-compatible endpoint that routes each
//! chat call by the live routing table, has the route's SLM answer it when
//! the table allows, falls back to the LLM upstream otherwise (or when the
//! SLM fails, is late, or answers something the request did not allow), and
//! logs every call, anonymized, in the ingest's input format so that the
//! next night trains on what happened.
//!
//! - `openai`: wire shapes (errors, model list, streamed chunks);
//! - `upstream`: the HTTP client with retries and a circuit breaker;
//! - `slm`: the `SlmBackend` seam and the external engine behind it;
//! - `local`: the in-process candle SLM with an LRU of adapters;
//! - `validate`: the checks an SLM answer must pass;
//! - `shadow`: shadow checks of SLM answers and the demotion of routes;
//! - `calllog`: the bounded queue and its writer;
//! - `server`, `metrics`: the HTTP side;
//! - `mock`, `loadgen`: a mock upstream and a load generator for tests and
//!   `scripts/bench_gateway.sh`.

pub mod calllog;
pub mod loadgen;
pub mod local;
pub mod metrics;
pub mod mock;
pub mod openai;
pub mod server;
pub mod shadow;
pub mod slm;
pub mod upstream;
pub mod validate;

#[cfg(test)]
pub(crate) mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use slm_pii::{Options, PiiKey, Redactor};
use tokio::net::TcpListener;
use tracing::warn;

use crate::error::{Error, Result};
use crate::routing::registry::Registry;
use crate::warehouse::Location;

/// What `slm-pipeline gateway` is given.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// The registry (local folder or URL).
    pub table: String,
    /// The LLM's OpenAI-compatible base URL (`https://api.openai.com/v1`).
    pub upstream: String,
    /// The environment variable holding the LLM's API key.
    pub upstream_key_env: Option<String>,
    pub listen: SocketAddr,
    /// Where the call log goes (a local folder or an object-store URL).
    pub log_to: Option<String>,
    /// The environment variable holding the PII key of the call log.
    pub log_key_env: String,
    pub slm_upstream: Option<String>,
    /// The in-process SLM's base model (a folder below models/, or a path);
    /// None: no in-process SLM.
    pub slm_model: Option<String>,
    /// Adapters the in-process SLM keeps merged in memory.
    pub slm_adapters: usize,
    pub slm_max_tokens: usize,
    pub slm_constrained: bool,
    pub slm_timeout: Duration,
    pub embedding_dir: PathBuf,
    pub poll: Duration,
    pub shadow: shadow::ShadowConfig,
}

/// The call log's redactor: anonymize's detectors under the key in
/// `key_env` (the anonymize task's variable by default, so pseudonyms
/// match the warehouse's), else a random key for this process.
pub fn log_redactor(key_env: &str) -> Result<Redactor> {
    let key = match std::env::var(key_env) {
        Ok(value) => PiiKey::new(value.into_bytes()).map_err(|e| Error::PiiKey(format!("gateway call log: ${key_env}: {e}")))?,
        Err(_) => {
            warn!(
                "${key_env} is not set: the call log's pseudonyms use a random key of this process and will not match the warehouse's."
            );
            let mut key = vec![0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
            PiiKey::new(key).expect("32 bytes")
        }
    };
    // Without the gazetteer (a bare machine) names are found by context alone.
    let gazetteer = crate::models::gazetteer(None).ok();
    Ok(Redactor::with_options(key, Options::full(gazetteer)))
}

/// Builds the gateway from `options`, binds and serves until Ctrl-C or
/// SIGTERM, then flushes the call log.
pub async fn run(options: GatewayOptions) -> Result<()> {
    let registry = Registry::open(&options.table)?;
    let mut llm = upstream::UpstreamConfig::new("llm", &options.upstream);
    if let Some(name) = &options.upstream_key_env {
        llm.api_key = Some(std::env::var(name).map_err(|_| Error::usage(format!("--upstream-key-env {name}: the variable is not set")))?);
    }
    let slm = match &options.slm_upstream {
        Some(url) => {
            let mut config = upstream::UpstreamConfig::new("slm", url);
            // The LLM is the SLM's retry: a failed SLM call falls back at once.
            config.retries = 0;
            config.timeout = options.slm_timeout + Duration::from_secs(1);
            Some(Arc::new(slm::ExternalSlm::new(upstream::Upstream::new(config)?)) as Arc<dyn slm::SlmBackend>)
        }
        None => match &options.slm_model {
            Some(name) => {
                let dir = crate::models::model_dir(name);
                let device = crate::models::device();
                let d = device.clone();
                let base = tokio::task::spawn_blocking(move || crate::models::smollm::BaseModel::load(&dir, &d))
                    .await
                    .map_err(|e| Error::model("loading the SLM base model", e))??;
                let local = local::LocalSlm::new(
                    Arc::new(base),
                    registry.clone(),
                    options.slm_adapters,
                    options.slm_max_tokens,
                    options.slm_constrained,
                    device,
                )?;
                Some(Arc::new(local) as Arc<dyn slm::SlmBackend>)
            }
            None => None,
        },
    };
    let (log, writer) = match &options.log_to {
        Some(spec) => {
            let location = Location::parse(spec)?;
            let redactor = Arc::new(log_redactor(&options.log_key_env)?);
            let (log, writer) = calllog::CallLog::new(calllog::LogConfig::new(location), redactor);
            (Some(log), Some(writer.spawn()))
        }
        None => (None, None),
    };
    let gw = Arc::new(server::Gateway {
        live: crate::routing::live::LiveTable::new(registry, options.embedding_dir.clone()),
        llm: upstream::Upstream::new(llm)?,
        slm,
        slm_timeout: options.slm_timeout,
        log,
        counters: Default::default(),
        shadows: shadow::Shadows::new(options.shadow, rand::random()),
    });
    match gw.live.registry().demotions().await {
        Ok(d) => gw.shadows.restore(d),
        Err(e) => warn!(error = %e, "Reading the registry's demotions failed; shadow checks start afresh."),
    }
    let listener = TcpListener::bind(options.listen).await.map_err(|e| Error::io(format!("binding {}", options.listen), e))?;
    let addr = listener.local_addr().map_err(|e| Error::io("local address", e))?;
    // The handler before the banner: SIGTERM right after it must not kill the process.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| crate::error::Error::io("installing the SIGTERM handler", e))?;
    eprintln!(
        "gateway on http://{addr}/v1 (LLM upstream {}, SLM {}, call log {}): POST /v1/chat/completions, GET /v1/models, /healthz, /metrics",
        options.upstream,
        options.slm_upstream.clone().or_else(|| options.slm_model.as_ref().map(|m| format!("in-process {m}"))).unwrap_or_else(|| "none".into()),
        options.log_to.as_deref().unwrap_or("off"),
    );
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        eprintln!("gateway: stopping, flushing the call log");
    };
    server::serve(listener, gw, writer, options.poll, shutdown).await
}

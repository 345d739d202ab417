//! `slm-pipeline serve`: the routing decision over HTTP.
//!
//! - `POST /v1/route` with `{"prompt": "..."}` or a chat call (`messages`,
//!   `tools`) → the decision as JSON, with the table version that made it;
//! - `GET /healthz` → 200 once a table is loaded, else 503;
//! - `GET /metrics` → Prometheus text: requests by target and reason,
//!   errors, decision latency histogram, table reloads.
//!
//! The service follows the registry's `current.json`: a poller reloads the
//! table when the pointer changes. Before a table goes live every SLM
//! route's adapter is downloaded and checked against its sha256; a route
//! whose adapter fails is sent to the fallback LLM (and counted), never to
//! an adapter that is not the one published.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request as HttpRequest, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tracing::warn;

use super::live::LiveTable;
use super::registry::Registry;
use super::router::Request;
use crate::error::{Error, Result};

/// Request bodies larger than this are refused (413).
const MAX_BODY: usize = 1 << 20;
/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// What the service holds: the live router and its counters.
pub struct ServiceState {
    live: LiveTable,
    counts: Mutex<BTreeMap<(String, String), u64>>,
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_us: AtomicU64,
    errors: AtomicU64,
}

impl ServiceState {
    pub fn new(registry: Registry, embedding_dir: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            live: LiveTable::new(registry, embedding_dir),
            counts: Mutex::new(BTreeMap::new()),
            latency: Default::default(),
            latency_sum_us: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// The loaded table's version.
    pub fn version(&self) -> Option<String> {
        self.live.version()
    }

    /// Loads the live table if `current.json` moved. Returns whether it did.
    pub async fn reload(&self) -> Result<bool> {
        self.live.reload().await
    }

    fn record(&self, target: &str, reason: &str, elapsed: Duration) {
        *self.counts.lock().expect("lock").entry((target.to_string(), reason.to_string())).or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// Prometheus text exposition.
    pub fn metrics(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP slm_route_requests_total Routing decisions by target and reason.\n# TYPE slm_route_requests_total counter\n");
        for ((target, reason), n) in self.counts.lock().expect("lock").iter() {
            out.push_str(&format!("slm_route_requests_total{{target=\"{target}\",reason=\"{reason}\"}} {n}\n"));
        }
        out.push_str("# HELP slm_route_errors_total Requests answered with an error.\n# TYPE slm_route_errors_total counter\n");
        out.push_str(&format!("slm_route_errors_total {}\n", self.errors.load(Ordering::Relaxed)));
        out.push_str("# HELP slm_route_latency_seconds Decision latency (embedding included).\n# TYPE slm_route_latency_seconds histogram\n");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.latency[i].load(Ordering::Relaxed);
            out.push_str(&format!("slm_route_latency_seconds_bucket{{le=\"{bound}\"}} {cumulative}\n"));
        }
        cumulative += self.latency[BUCKETS.len()].load(Ordering::Relaxed);
        out.push_str(&format!("slm_route_latency_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n"));
        out.push_str(&format!("slm_route_latency_seconds_sum {}\n", self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6));
        out.push_str(&format!("slm_route_latency_seconds_count {cumulative}\n"));
        out.push_str("# HELP slm_route_table_reloads_total Routing tables loaded.\n# TYPE slm_route_table_reloads_total counter\n");
        out.push_str(&format!("slm_route_table_reloads_total {}\n", self.live.reloads.load(Ordering::Relaxed)));
        out.push_str("# HELP slm_route_rejected_adapters_total Adapters that failed sha256 verification.\n# TYPE slm_route_rejected_adapters_total counter\n");
        out.push_str(&format!("slm_route_rejected_adapters_total {}\n", self.live.rejected_adapters.load(Ordering::Relaxed)));
        out
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(value).expect("JSON"))))
        .expect("valid response")
}

async fn handle(req: HttpRequest<Incoming>, state: Arc<ServiceState>) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let error = |status: StatusCode, message: String| {
        state.errors.fetch_add(1, Ordering::Relaxed);
        json_response(status, &json!({"error": message}))
    };
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => match state.version() {
            Some(v) => json_response(StatusCode::OK, &json!({"status": "ok", "version": v})),
            None => json_response(StatusCode::SERVICE_UNAVAILABLE, &json!({"status": "no routing table published yet"})),
        },
        (&Method::GET, "/metrics") => Response::builder()
            .header("content-type", "text/plain; version=0.0.4")
            .body(Full::new(Bytes::from(state.metrics())))
            .expect("valid response"),
        (&Method::POST, "/v1/route") => {
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return Ok(error(StatusCode::PAYLOAD_TOO_LARGE, format!("body over {MAX_BODY} bytes or unreadable"))),
            };
            let request = match serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string()).and_then(|v| Request::from_json(&v)) {
                Ok(r) => r,
                // The parser's message names a position, never the body (which may hold PII).
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, format!("bad request body: {e}"))),
            };
            let Some((version, router)) = state.live.current() else {
                return Ok(error(StatusCode::SERVICE_UNAVAILABLE, "no routing table published yet".into()));
            };
            let started = Instant::now();
            match tokio::task::spawn_blocking(move || router.decide(&request)).await {
                Ok(Ok(decision)) => {
                    state.record(&decision.target, &decision.reason, started.elapsed());
                    let mut body = serde_json::to_value(&decision).expect("JSON");
                    body["table_version"] = json!(version);
                    json_response(StatusCode::OK, &body)
                }
                Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
        (_, "/v1/route" | "/healthz" | "/metrics") => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed".into()),
        _ => error(StatusCode::NOT_FOUND, "not found: use POST /v1/route, GET /healthz or GET /metrics".into()),
    })
}

/// Serves on `listener` until `shutdown` resolves; polls the registry every
/// `poll` for a new live version.
pub async fn serve(
    listener: TcpListener,
    state: Arc<ServiceState>,
    poll: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    if let Err(e) = state.reload().await {
        warn!(error = %e, "No routing table loaded yet; will retry.");
    }
    let poller = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(poll).await;
                if let Err(e) = state.reload().await {
                    warn!(error = %e, "Reloading the routing table failed; the loaded one stays live.");
                }
            }
        })
    };
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted.map_err(|e| Error::io("accepting a connection", e))?,
            () = &mut shutdown => break,
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await {
                tracing::debug!(error = %e, "Connection closed with an error.");
            }
        });
    }
    poller.abort();
    Ok(())
}

/// Binds `addr` and serves until Ctrl-C or SIGTERM.
pub async fn run(addr: SocketAddr, registry: Registry, embedding_dir: PathBuf, poll: Duration) -> Result<()> {
    let listener = TcpListener::bind(addr).await.map_err(|e| Error::io(format!("binding {addr}"), e))?;
    let state = ServiceState::new(registry, embedding_dir);
    // The handler before the banner: SIGTERM right after it must not kill the process.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| Error::io("installing the SIGTERM handler", e))?;
    eprintln!("serving on http://{}: POST /v1/route, GET /healthz, GET /metrics", listener.local_addr().map_err(|e| Error::io("local address", e))?);
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    serve(listener, state, poll, shutdown).await
}

//! The HTTP side: `POST /v1/chat/completions`, `GET /v1/models`,
//! `GET /healthz`, `GET /metrics`, and the decision of who answers.
//!
//! A chat call is routed by the live table. A request within an SLM route
//! goes to the SLM under the route's deadline and its answer is validated;
//! anything else (far, ambiguous, no route, an SLM error, timeout or invalid
//! answer) goes to the LLM, so the client never gets an error the LLM could
//! have answered. Every response names who answered: `model`, and the
//! headers `x-slm-route` and `x-slm-reason`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request as HttpRequest, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tracing::{debug, warn};

use super::calllog::{self, CallLog, ShadowAttempt, SlmAttempt, WriterHandle};
use super::shadow::{RouteOnline, Shadows};
use super::metrics::{self, Counters};
use super::openai::{self, json_response, ApiError};
use super::slm::{complete_within, SlmBackend, SlmError, SlmRoute};
use crate::routing::table::AdapterRef;
use super::upstream::Upstream;
use super::validate;
use crate::error::{Error, Result};
use crate::routing::live::LiveTable;
use crate::routing::router::{Decision, Request};

/// Chat bodies carry whole conversations; larger ones are refused (413).
const MAX_BODY: usize = 32 << 20;
/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(30);

pub struct Gateway {
    pub live: LiveTable,
    pub llm: Upstream,
    pub slm: Option<Arc<dyn SlmBackend>>,
    pub slm_timeout: Duration,
    pub log: Option<CallLog>,
    pub counters: Counters,
    pub shadows: Shadows,
}

/// The gateway's reason for a router decision. `llm_route` (the nearest
/// cluster's gate kept it on the LLM) and `no_routes` have no SLM route
/// for the request, like a table not yet published.
fn reason_of(decision: &Decision) -> &'static str {
    match decision.reason.as_str() {
        "within" => "within",
        "far" => "far",
        "ambiguous" => "ambiguous",
        _ => "no_route",
    }
}

/// Who answered, and what the log needs of it.
struct Outcome {
    route: &'static str,
    reason: &'static str,
    decision: Option<Decision>,
    router_reason: Option<String>,
    table_version: Option<String>,
    slm: Option<SlmAttempt>,
}

fn with_headers(mut response: Response<Full<Bytes>>, outcome: &Outcome) -> Response<Full<Bytes>> {
    let headers = response.headers_mut();
    headers.insert("x-slm-route", outcome.route.parse().expect("ASCII"));
    headers.insert("x-slm-reason", outcome.reason.parse().expect("ASCII"));
    if let Some(cluster) = outcome.decision.as_ref().and_then(|d| d.cluster_id.as_deref()).and_then(|c| c.parse().ok()) {
        headers.insert("x-slm-cluster", cluster);
    }
    response
}

impl Gateway {
    /// The table's decision; `None` while no table is live or when the
    /// router fails (the request then goes to the LLM).
    async fn decide(&self, request: Request) -> (Option<Decision>, Option<String>, Option<String>) {
        let Some((version, router)) = self.live.current() else { return (None, None, Some("no_table".into())) };
        match tokio::task::spawn_blocking(move || router.decide(&request)).await {
            Ok(Ok(d)) => {
                let why = d.reason.clone();
                (Some(d), Some(version), Some(why))
            }
            Ok(Err(e)) => {
                warn!(error = %e, version = %version, "Routing failed; the request goes to the LLM.");
                (None, Some(version), Some("router_error".into()))
            }
            Err(e) => {
                warn!(error = %e, "Routing panicked; the request goes to the LLM.");
                (None, Some(version), Some("router_error".into()))
            }
        }
    }

    /// Tries the route's SLM: `Ok` with an answer fit for the client, or
    /// the reason it goes to the LLM and what the SLM did.
    async fn try_slm(&self, decision: &Decision, request: &Value, body: &Value) -> std::result::Result<Value, (&'static str, SlmAttempt)> {
        let started = Instant::now();
        let adapter = decision.adapter.clone();
        let model = adapter.as_ref().map(AdapterRef::served_name).unwrap_or_default();
        let attempt = |completion: Option<Value>, error: Option<String>| SlmAttempt {
            model: model.clone(),
            latency_ms: started.elapsed().as_secs_f64() * 1e3,
            completion,
            error,
        };
        let (Some(backend), Some(adapter)) = (self.slm.as_ref(), adapter) else {
            return Err(("slm_error", attempt(None, Some("no SLM backend configured (--slm-upstream)".into()))));
        };
        let cluster_id = decision.cluster_id.clone().unwrap_or_default();
        let table_route = self.live.current().and_then(|(_, router)| router.table().routes.iter().find(|r| r.cluster_id == cluster_id).cloned());
        let route = SlmRoute { cluster_id, adapter, model: model.clone(), deadline: self.slm_timeout, route: table_route };
        match complete_within(backend.as_ref(), &route, body).await {
            Ok(mut completion) => match validate::check_answer(request, &completion) {
                Ok(()) => {
                    completion["model"] = json!(model);
                    Ok(completion)
                }
                Err(why) => {
                    debug!(route = %route.cluster_id, why = %why, "SLM answer failed validation.");
                    Err(("invalid_output", attempt(Some(completion), Some(why))))
                }
            },
            Err(SlmError::Timeout) => {
                Err(("slm_timeout", attempt(None, Some(format!("no answer within {} ms", self.slm_timeout.as_millis())))))
            }
            Err(SlmError::Failed(e)) => Err(("slm_error", attempt(None, Some(e)))),
        }
    }

    async fn chat(self: Arc<Self>, body: Bytes) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let ts = chrono::Utc::now();
        let request: Value = match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            // serde's message names a line and column, never the body (which may hold PII).
            Ok(_) => return self.refuse(ApiError::invalid_request("the body must be a JSON object")),
            Err(e) => return self.refuse(ApiError::invalid_request(format!("the body is not JSON: {e}"))),
        };
        if !request.get("messages").is_some_and(Value::is_array) {
            return self.refuse(ApiError::invalid_request("`messages` (an array of chat messages) is required").with_param("messages"));
        }
        let routed = match Request::from_json(&request) {
            Ok(r) => r,
            Err(e) => return self.refuse(ApiError::invalid_request(e).with_param("messages")),
        };
        let stream = request.get("stream") == Some(&Value::Bool(true));
        let include_usage = request.pointer("/stream_options/include_usage") == Some(&Value::Bool(true));
        // Upstreams answer whole: an SLM answer is validated before the
        // client sees a byte, and the stream is replayed from the answer.
        let mut upstream_body = request.clone();
        let o = upstream_body.as_object_mut().expect("object");
        o.insert("stream".into(), Value::Bool(false));
        o.remove("stream_options");
        o.remove("agent");

        let (decision, table_version, router_reason) = self.decide(routed).await;
        let mut outcome = Outcome {
            route: "llm",
            reason: decision.as_ref().map_or("no_route", reason_of),
            decision,
            router_reason,
            table_version,
            slm: None,
        };
        let mut answer = None;
        // The decision, adapter and SLM answer of a call sampled for a shadow check.
        let mut shadow = None;
        if let Some(d) = outcome.decision.as_ref().filter(|d| d.target == "slm") {
            if d.adapter.as_ref().is_some_and(|a| self.shadows.is_demoted(&a.served_name())) {
                outcome.reason = "demoted";
            } else {
                match self.try_slm(d, &request, &upstream_body).await {
                    Ok(completion) => {
                        outcome.route = "slm";
                        if let Some(adapter) = d.adapter.as_ref().filter(|_| self.shadows.sample()) {
                            outcome.reason = "shadow";
                            shadow = Some((d.clone(), adapter.served_name(), completion.clone()));
                        }
                        answer = Some(completion);
                    }
                    Err((reason, attempt)) => {
                        outcome.reason = reason;
                        outcome.slm = Some(attempt);
                    }
                }
            }
        }
        let result = match answer {
            Some(a) => Ok(a),
            None => {
                self.name_fallback_model(&mut upstream_body);
                self.llm.chat(&upstream_body).await.map_err(|e| e.to_api(&self.llm))
            }
        };
        let response = match &result {
            Ok(completion) if stream => Response::builder()
                .header("content-type", "text/event-stream")
                .header("cache-control", "no-cache")
                .body(Full::new(openai::sse_body(&openai::stream_chunks(completion, include_usage))))
                .expect("valid response"),
            Ok(completion) => json_response(StatusCode::OK, completion),
            Err(e) => json_response(e.status, &e.body()),
        };
        let status = response.status().as_u16();
        self.counters.record(outcome.route, outcome.reason, status);
        let decision = outcome.decision.as_ref();
        let adapter = decision.and_then(|d| d.adapter.as_ref()).map(AdapterRef::served_name);
        if let Some((d, adapter, slm_answer)) = shadow {
            // Off the client's path: the LLM's answer, scored, then logged with both answers.
            let gw = self.clone();
            let call = calllog::OwnedCall {
                request,
                ts,
                latency_ms: started.elapsed().as_secs_f64() * 1e3,
                http_status: status,
                reason: outcome.reason,
                router_reason: outcome.router_reason.clone(),
                table_version: outcome.table_version.clone(),
            };
            tokio::spawn(async move { gw.shadow(d, adapter, call, upstream_body, slm_answer).await });
        } else if let Some(log) = &self.log {
            log.push(calllog::record(&calllog::Call {
                request: &request,
                ts,
                latency_ms: started.elapsed().as_secs_f64() * 1e3,
                http_status: status,
                route: outcome.route,
                reason: outcome.reason,
                router_reason: outcome.router_reason.as_deref(),
                cluster_id: decision.and_then(|d| d.cluster_id.as_deref()),
                adapter: adapter.as_deref(),
                table_version: outcome.table_version.as_deref(),
                completion: result.as_ref().ok(),
                error: result.as_ref().err(),
                slm: outcome.slm.as_ref(),
                shadow: None,
            }));
        }
        with_headers(response, &outcome)
    }

    /// The shadow check of an SLM answer: asks the LLM, scores the two
    /// answers, demotes the route when its online score falls below its
    /// gate (recorded in the registry), and logs the call with both answers.
    async fn shadow(self: Arc<Self>, decision: Decision, adapter: String, call: calllog::OwnedCall, mut body: Value, slm_answer: Value) {
        let started = Instant::now();
        self.name_fallback_model(&mut body);
        let llm = self.llm.chat(&body).await;
        let mut attempt = ShadowAttempt { latency_ms: started.elapsed().as_secs_f64() * 1e3, completion: None, error: None, score: None, agrees: None };
        match llm {
            Ok(llm_answer) => {
                let cluster = decision.cluster_id.clone().unwrap_or_default();
                let (metric, gate) = self
                    .live
                    .current()
                    .and_then(|(_, router)| {
                        let route = router.table().routes.iter().find(|r| r.cluster_id == cluster)?;
                        route.eval.as_ref().map(|e| (e.metric.clone(), e.threshold))
                    })
                    .unwrap_or_else(|| ("agreement".into(), 0.0));
                let version = call.table_version.clone().unwrap_or_default();
                let route = RouteOnline { cluster_id: &cluster, adapter: &adapter, table_version: &version, metric: &metric, gate };
                let (result, demotion) = self.shadows.record(route, &llm_answer, &slm_answer);
                attempt.score = Some(result.scored.score);
                attempt.agrees = Some(result.scored.agrees);
                attempt.completion = Some(llm_answer);
                if let Some(d) = demotion {
                    warn!(route = %d.cluster_id, adapter = %d.adapter, score = d.score, gate = d.gate, calls = d.calls,
                          "Shadow checks fell below the route's gate: the route goes to the LLM.");
                    if let Err(e) = self.live.registry().write_demotion(&d).await {
                        warn!(error = %e, adapter = %d.adapter, "Recording the demotion in the registry failed; it holds in this process.");
                    }
                }
            }
            Err(e) => attempt.error = Some(e.to_api(&self.llm).message),
        }
        self.counters.record_shadow(attempt.agrees);
        if let Some(log) = &self.log {
            log.push(calllog::record(&calllog::Call {
                request: &call.request,
                ts: call.ts,
                latency_ms: call.latency_ms,
                http_status: call.http_status,
                route: "slm",
                reason: call.reason,
                router_reason: call.router_reason.as_deref(),
                cluster_id: decision.cluster_id.as_deref(),
                adapter: Some(&adapter),
                table_version: call.table_version.as_deref(),
                completion: Some(&slm_answer),
                error: None,
                slm: None,
                shadow: Some(&attempt),
            }));
        }
    }

    /// A request for the LLM that names no model gets the table's fallback model.
    fn name_fallback_model(&self, body: &mut Value) {
        if body.get("model").and_then(Value::as_str).is_none_or(str::is_empty) {
            if let Some((_, router)) = self.live.current() {
                body["model"] = json!(router.table().fallback.model);
            }
        }
    }

    /// A request refused before routing (bad body): no upstream is asked.
    fn refuse(&self, error: ApiError) -> Response<Full<Bytes>> {
        self.counters.record("none", "bad_request", error.status.as_u16());
        json_response(error.status, &error.body())
    }

    fn models(&self) -> Value {
        let mut names = Vec::new();
        if let Some((_, router)) = self.live.current() {
            let table = router.table();
            names.push(table.fallback.model.clone());
            names.extend(table.routes.iter().filter(|r| r.is_slm()).filter_map(|r| r.adapter.as_ref()).map(AdapterRef::served_name));
        }
        names.dedup();
        openai::model_list(&names, chrono::Utc::now().timestamp())
    }
}

async fn handle(req: HttpRequest<Incoming>, gw: Arc<Gateway>) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let not_allowed = || json_response(StatusCode::METHOD_NOT_ALLOWED, &ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "invalid_request_error", "method not allowed").body());
    Ok(match (req.method(), req.uri().path()) {
        (&Method::POST, "/v1/chat/completions" | "/chat/completions") => {
            match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => gw.clone().chat(b.to_bytes()).await,
                Err(_) => gw.refuse(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", format!("body over {MAX_BODY} bytes or unreadable"))),
            }
        }
        (&Method::GET, "/v1/models" | "/models") => json_response(StatusCode::OK, &gw.models()),
        (&Method::GET, "/healthz") => json_response(
            StatusCode::OK,
            &json!({"status": "ok", "table_version": gw.live.version(), "llm_breaker": gw.llm.breaker_state() as u8}),
        ),
        (&Method::GET, "/metrics") => Response::builder()
            .header("content-type", "text/plain; version=0.0.4")
            .body(Full::new(Bytes::from(metrics::render(&gw))))
            .expect("valid response"),
        (_, "/v1/chat/completions" | "/v1/models" | "/healthz" | "/metrics") => not_allowed(),
        (_, path) => json_response(
            StatusCode::NOT_FOUND,
            &ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", format!("no route {}: use POST /v1/chat/completions, GET /v1/models, /healthz or /metrics", path.chars().take(100).collect::<String>())).body(),
        ),
    })
}

/// Serves on `listener` until `shutdown` resolves; polls the registry every
/// `poll`. Shutdown stops accepting, lets requests in flight finish (up to
/// `DRAIN`), then flushes the call log through `writer`.
pub async fn serve(
    listener: TcpListener,
    gw: Arc<Gateway>,
    writer: Option<WriterHandle>,
    poll: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    if let Err(e) = gw.live.reload().await {
        warn!(error = %e, "No routing table loaded yet; every request goes to the LLM until one is.");
    }
    let poller = {
        let gw = gw.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(poll).await;
                if let Err(e) = gw.live.reload().await {
                    warn!(error = %e, "Reloading the routing table failed; the loaded one stays live.");
                }
            }
        })
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    let accepted: Result<()> = loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => break Err(Error::io("accepting a connection", e)),
            },
            () = &mut shutdown => break Ok(()),
        };
        while connections.try_join_next().is_some() {}
        let gw = gw.clone();
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, gw.clone()));
            let io = hyper_util::rt::TokioIo::new(stream);
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                debug!(error = %e, "Connection closed with an error.");
            }
        });
    };
    drop(listener);
    poller.abort();
    let _ = stop.send(true);
    if tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await.is_err() {
        warn!(connections = connections.len(), "Requests still in flight after the drain period; closing them.");
        connections.abort_all();
    }
    if let Some(writer) = writer {
        writer.shutdown().await;
    }
    accepted
}

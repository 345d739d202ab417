//! The gateway end to end, in one process: a mock LLM and a mock SLM engine
//! (OpenAI-compatible HTTP servers), a registry with a published table over
//! a tiny random MiniLM, the gateway on a loopback port, and its call log
//! in a temporary folder. Plus the helpers the modules' own tests share.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use slm_pii::{Options, PiiKey, Redactor};
use tokio::net::TcpListener;

use super::calllog::{CallLog, LogConfig};
pub(crate) use super::mock::{completion, MockUpstream};
use super::server::{serve, Gateway};
use super::shadow::{ShadowConfig, Shadows};
use super::slm::ExternalSlm;
use super::upstream::{Upstream, UpstreamConfig};
use crate::routing::live::LiveTable;
use crate::routing::registry::Registry;
use crate::routing::router::{Request, Router};
use crate::routing::table::*;
use crate::warehouse::Location;

/// The call log's redactor in tests: every detector, a fixed key, the
/// gazetteer when set-up has fetched it (names are found by context without).
pub(crate) fn redactor() -> Arc<Redactor> {
    let key = PiiKey::new(b"gateway-test-key-0123456789abcdef".to_vec()).unwrap();
    Arc::new(Redactor::with_options(key, Options::full(crate::models::gazetteer(None).ok())))
}

/// Every line of every `.jsonl.gz` object below `dir`.
pub(crate) fn read_log_lines(dir: &Path) -> Vec<Value> {
    log_bytes(dir).lines().map(|l| serde_json::from_str(l).expect("a log line is JSON")).collect()
}

/// The decompressed text of every log object below `dir`, in name order.
pub(crate) fn log_bytes(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".jsonl.gz") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = String::new();
    for f in files {
        flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap()).read_to_string(&mut out).unwrap();
    }
    out
}

fn tool_call(name: &str, arguments: &Value) -> Value {
    json!([{"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments.to_string()}}])
}

/// The route texts: words of the tiny model's vocabulary, so that each
/// embeds apart from the others.
const SLM_TASK: &str = "extract the invoice total and date";
const LLM_TASK: &str = "write unit tests for the python function";
const TWIN_TASK: &str = "summarize the support ticket";
const OTHER: &str = "plan a product story for the user";

/// What the mock SLM does with the next calls.
#[derive(Clone, Copy, PartialEq, Debug)]
enum SlmMode {
    Good,
    ServerError,
    Slow,
    UndeclaredTool,
    BadArguments,
}

struct Fixture {
    _dir: tempfile::TempDir,
    log_dir: PathBuf,
    url: String,
    llm: MockUpstream,
    slm: MockUpstream,
    mode: Arc<Mutex<SlmMode>>,
    adapter_model: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<crate::error::Result<()>>>,
    gw: Arc<Gateway>,
    client: reqwest::Client,
}

fn tools() -> Value {
    json!([{"type": "function", "function": {"name": "save_invoice", "parameters": {
        "type": "object", "properties": {"total": {"type": "number"}, "date": {"type": "string"}},
        "required": ["total"], "additionalProperties": false}}}])
}

/// A published table over a tiny MiniLM: `SLM_TASK` is an SLM route,
/// `LLM_TASK` a route the gate kept on the LLM, `TWIN_TASK` two SLM routes
/// with different adapters at one centroid (ambiguous).
async fn publish(dir: &Path) -> (Registry, PathBuf, String) {
    let model = dir.join("minilm");
    std::fs::create_dir_all(&model).unwrap();
    crate::models::minilm::write_tiny_random_model(&model).unwrap();
    let registry = Registry::open(dir.join("registry").to_str().unwrap()).unwrap();
    let adapter = |n: u8| vec![n; 64];
    let a1 = registry.put_adapter(1, "v1", &[(crate::models::peft::WEIGHTS_FILE, adapter(1))]).await.unwrap();
    let a3 = registry.put_adapter(3, "v1", &[(crate::models::peft::WEIGHTS_FILE, adapter(3))]).await.unwrap();
    let a4 = registry.put_adapter(4, "v1", &[(crate::models::peft::WEIGHTS_FILE, adapter(4))]).await.unwrap();
    let mut table = crate::routing::router::tests::table(vec![]);
    table.embedding = EmbeddingSpec { model: "minilm".into(), dim: 16, text: "{last_user}".into(), max_tokens: 64, precision: Default::default() };
    let dir2 = model.clone();
    let probe = table.clone();
    let centroids = tokio::task::spawn_blocking(move || {
        let router = Router::new(probe, &dir2).unwrap();
        [SLM_TASK, LLM_TASK, TWIN_TASK].map(|t| router.embed(&Request::prompt(t)).unwrap())
    })
    .await
    .unwrap();
    let route = |id: i64, centroid: &Vec<f32>, adapter: Option<AdapterRef>| {
        let mut r = crate::routing::router::tests::route(id, centroid, adapter.is_some());
        r.adapter = adapter;
        r.max_distance = 1e-3;
        r.eval = Some(EvalSummary {
            metric: "tool_call_match".into(),
            score: 0.95,
            base_score: 0.2,
            n: 40,
            threshold: 0.9,
            ci_low: 0.85,
            ci_high: 0.99,
            teacher_agreement: 0.95,
        });
        r
    };
    table.routes = vec![
        route(1, &centroids[0], Some(a1.clone())),
        route(2, &centroids[1], None),
        route(3, &centroids[2], Some(a3)),
        route(4, &centroids[2], Some(a4)),
    ];
    table.ambiguity_margin = 0.01;
    registry.write_table(&table).await.unwrap();
    registry.activate(&table.version).await.unwrap();
    (registry, model, a1.served_name())
}

impl Fixture {
    async fn start() -> Self {
        Self::with_shadows(ShadowConfig::default()).await
    }

    async fn with_shadows(shadow: ShadowConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (registry, model, adapter_model) = publish(dir.path()).await;
        let llm = MockUpstream::start(|_| (200, completion("gpt-4o-mock", Some("The LLM's answer."), None))).await;
        let mode = Arc::new(Mutex::new(SlmMode::Good));
        let m = mode.clone();
        let slm = MockUpstream::with(move |_, body| {
            let model = body["model"].as_str().unwrap_or_default().to_string();
            let ok = |c| (200, c, Duration::ZERO);
            match *m.lock().unwrap() {
                SlmMode::Good => ok(completion(&model, None, Some(tool_call("save_invoice", &json!({"total": 41.5, "date": "2026-12-01"}))))),
                SlmMode::ServerError => (500, json!({"error": {"message": "engine crashed", "type": "server_error"}}), Duration::ZERO),
                SlmMode::Slow => (200, completion(&model, Some("late"), None), Duration::from_millis(800)),
                SlmMode::UndeclaredTool => ok(completion(&model, None, Some(tool_call("delete_everything", &json!({}))))),
                SlmMode::BadArguments => ok(completion(&model, None, Some(tool_call("save_invoice", &json!({"total": "lots"}))))),
            }
        })
        .await;
        let log_dir = dir.path().join("calls");
        let mut log_config = LogConfig::new(Location::parse(log_dir.to_str().unwrap()).unwrap());
        log_config.flush_every = Duration::from_millis(50);
        let (log, writer) = CallLog::new(log_config, redactor());
        let mut llm_config = UpstreamConfig::new("llm", &llm.url);
        llm_config.backoff = Duration::from_millis(5);
        let mut slm_config = UpstreamConfig::new("slm", &slm.url);
        slm_config.retries = 0;
        let gw = Arc::new(Gateway {
            live: LiveTable::new(registry, model),
            llm: Upstream::new(llm_config).unwrap(),
            slm: Some(Arc::new(ExternalSlm::new(Upstream::new(slm_config).unwrap()))),
            slm_timeout: Duration::from_millis(300),
            log: Some(log),
            counters: Default::default(),
            shadows: Shadows::new(shadow, 11),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, gw.clone(), Some(writer.spawn()), Duration::from_millis(50), async {
            let _ = stopped.await;
        }));
        let fixture = Self {
            _dir: dir,
            log_dir,
            url,
            llm,
            slm,
            mode,
            adapter_model,
            stop: Some(stop),
            server: Some(server),
            gw,
            client: reqwest::Client::new(),
        };
        for _ in 0..200 {
            if fixture.gw.live.version().is_some() {
                return fixture;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the gateway never loaded the table");
    }

    fn set(&self, mode: SlmMode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Posts a chat call; returns status, `x-slm-route`, `x-slm-reason` and the body text.
    async fn chat(&self, body: &Value) -> (u16, String, String, String) {
        let response = self.client.post(format!("{}/chat/completions", self.url)).json(body).send().await.unwrap();
        let header = |k: &str| response.headers().get(k).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let (route, reason) = (header("x-slm-route"), header("x-slm-reason"));
        (response.status().as_u16(), route, reason, response.text().await.unwrap())
    }

    async fn ask(&self, text: &str) -> (String, String, Value) {
        let (status, route, reason, body) = self.chat(&call(text)).await;
        assert_eq!(status, 200, "{body}");
        (route, reason, serde_json::from_str(&body).unwrap())
    }

    /// SIGTERM's path: stop accepting, drain, flush the log.
    async fn shutdown(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.take().unwrap().await.unwrap().unwrap();
    }
}

fn call(text: &str) -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "system", "content": "You are a bookkeeping agent."},
                                           {"role": "user", "content": text}],
           "tools": tools(), "tool_choice": "auto"})
}

#[tokio::test]
async fn the_slm_answers_within_its_route_and_the_llm_everything_else() {
    let mut f = Fixture::start().await;
    // Within the SLM route: the engine is asked for the route's adapter by name.
    let (route, reason, body) = f.ask(SLM_TASK).await;
    assert_eq!((route.as_str(), reason.as_str()), ("slm", "within"));
    assert_eq!(body["model"], json!(f.adapter_model));
    assert_eq!(body["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "save_invoice");
    let sent = &f.slm.bodies()[0];
    assert_eq!((sent["model"].as_str(), sent["stream"].as_bool()), (Some(f.adapter_model.as_str()), Some(false)));
    assert_eq!(f.llm.calls(), 0);

    // Each reason the LLM answers for, with the LLM's own answer and model.
    let expect_llm = |(route, reason, body): (String, String, Value), why: &str| {
        assert_eq!((route.as_str(), reason.as_str()), ("llm", why), "{body}");
        assert_eq!(body["model"], "gpt-4o-mock");
        assert_eq!(body["choices"][0]["message"]["content"], "The LLM's answer.");
    };
    expect_llm(f.ask(OTHER).await, "far");
    expect_llm(f.ask(TWIN_TASK).await, "ambiguous");
    expect_llm(f.ask(LLM_TASK).await, "no_route");
    f.set(SlmMode::ServerError);
    expect_llm(f.ask(SLM_TASK).await, "slm_error");
    f.set(SlmMode::Slow);
    expect_llm(f.ask(SLM_TASK).await, "slm_timeout");
    f.set(SlmMode::UndeclaredTool);
    expect_llm(f.ask(SLM_TASK).await, "invalid_output");
    f.set(SlmMode::BadArguments);
    expect_llm(f.ask(SLM_TASK).await, "invalid_output");
    assert_eq!(f.llm.calls(), 7);
    // The LLM gets the client's request as sent, its model included.
    assert!(f.llm.bodies().iter().all(|b| b["model"] == "gpt-4o" && b["tools"] == tools()));
    assert_eq!(f.gw.counters.count("llm", "invalid_output"), 2);
    assert_eq!(f.gw.counters.count("slm", "within"), 1);

    // Every call is in the log, with who answered and why, and for a
    // fallback what the SLM said or failed to say.
    f.shutdown().await;
    let lines = read_log_lines(&f.log_dir);
    assert_eq!(lines.len(), 8);
    let reasons: Vec<&str> = lines.iter().map(|l| l["reason"].as_str().unwrap()).collect();
    for why in ["within", "far", "ambiguous", "no_route", "slm_error", "slm_timeout", "invalid_output"] {
        assert!(reasons.contains(&why), "{why} missing from {reasons:?}");
    }
    let within = lines.iter().find(|l| l["reason"] == "within").unwrap();
    assert_eq!((within["route"].as_str(), within["cluster_id"].as_str()), (Some("slm"), Some("c01")));
    assert_eq!(within["adapter"], json!(f.adapter_model));
    assert_eq!(within["response"]["tool_calls"][0]["function"]["name"], "save_invoice");
    let invalid = lines.iter().find(|l| l["reason"] == "invalid_output").unwrap();
    assert_eq!(invalid["response"]["content"], "The LLM's answer.");
    assert!(invalid["slm_answer"]["response"]["tool_calls"].is_array() && invalid["slm_answer"]["error"].is_string(), "{invalid}");
}

#[tokio::test]
async fn upstream_failures_reach_the_client_as_openai_errors_and_streams_replay_the_answer() {
    let mut f = Fixture::start().await;
    // A streamed SLM answer: SSE chunks that reassemble to the tool call.
    let mut body = call(SLM_TASK);
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let response = f.client.post(format!("{}/chat/completions", f.url)).json(&body).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-slm-route"], "slm");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    let chunks: Vec<Value> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let arguments: String = chunks
        .iter()
        .filter_map(|c| c.pointer("/choices/0/delta/tool_calls/0/function/arguments").and_then(Value::as_str))
        .collect();
    assert_eq!(serde_json::from_str::<Value>(&arguments).unwrap(), json!({"total": 41.5, "date": "2026-12-01"}));
    assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 17);

    // Bad requests are refused before any upstream is asked.
    let (status, _, _, text) = f.chat(&json!({"model": "gpt-4o"})).await;
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"]["param"], "messages");
    let response = f.client.post(format!("{}/chat/completions", f.url)).body("{not json").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);

    // The models the gateway answers as, and its health.
    let models: Value = f.client.get(format!("{}/models", f.url)).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"gpt-4o") && ids.contains(&f.adapter_model.as_str()), "{ids:?}");
    let root = f.url.trim_end_matches("/v1");
    let health: Value = f.client.get(format!("{root}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["table_version"], "v1");
    let metrics = f.client.get(format!("{root}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("slm_gateway_requests_total{route=\"slm\",reason=\"within\",status=\"2xx\"} 1"), "{metrics}");
    f.shutdown().await;

    // An LLM that fails: retried, then its error as OpenAI writes it; a
    // dead LLM opens the breaker, and the client gets 503 at once.
    let mut f = Fixture::start().await;
    let failing = MockUpstream::start(|_| (500, json!({"error": {"message": "overloaded", "type": "server_error", "code": null}}))).await;
    let mut config = UpstreamConfig::new("llm", &failing.url);
    config.backoff = Duration::from_millis(5);
    config.breaker_threshold = 3;
    config.breaker_cooldown = Duration::from_secs(60);
    let gw = Gateway {
        live: LiveTable::new(Registry::open(f._dir.path().join("registry").to_str().unwrap()).unwrap(), f._dir.path().join("minilm")),
        llm: Upstream::new(config).unwrap(),
        slm: None,
        slm_timeout: Duration::from_millis(300),
        log: None,
        counters: Default::default(),
        shadows: Shadows::new(ShadowConfig::default(), 1),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, Arc::new(gw), None, Duration::from_secs(60), async {
        let _ = stopped.await;
    }));
    let post = |b: Value| f.client.post(format!("{url}/chat/completions")).json(&b).send();
    let first = post(call(OTHER)).await.unwrap();
    assert_eq!(first.status().as_u16(), 500);
    let error: Value = first.json().await.unwrap();
    assert_eq!((error["error"]["message"].as_str(), error["error"]["type"].as_str()), (Some("overloaded"), Some("server_error")));
    assert_eq!(failing.calls(), 3, "one attempt, two retries");
    let second = post(call(OTHER)).await.unwrap();
    assert_eq!(second.status().as_u16(), 503);
    let error: Value = second.json().await.unwrap();
    assert_eq!(error["error"]["code"], "upstream_circuit_open");
    assert_eq!(failing.calls(), 3, "an open breaker asks nobody");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    f.shutdown().await;
}

#[tokio::test]
async fn no_canary_pii_reaches_any_log_byte() {
    let mut f = Fixture::start().await;
    let canaries = ["Zofia Wiśniewska", "zofia.canary@example.org", "+48 601 234 567", "4111 1111 1111 1111"];
    let mut body = call("My name is Zofia Wiśniewska, e-mail zofia.canary@example.org, phone +48 601 234 567.");
    body["messages"].as_array_mut().unwrap().push(json!({"role": "assistant", "content": null, "tool_calls":
        tool_call("save_invoice", &json!({"customer": "Zofia Wiśniewska", "card": "4111 1111 1111 1111", "total": 3}))}));
    body["messages"].as_array_mut().unwrap().push(json!({"role": "tool", "tool_call_id": "call_1",
        "content": json!({"email": "zofia.canary@example.org", "status": "saved"}).to_string()}));
    let (status, route, _, _) = f.chat(&body).await;
    assert_eq!((status, route.as_str()), (200, "llm"));
    f.set(SlmMode::UndeclaredTool);
    let (status, _, reason, _) = f.chat(&call("extract the invoice total and date for zofia.canary@example.org")).await;
    assert_eq!(status, 200);
    assert!(["invalid_output", "far"].contains(&reason.as_str()), "{reason}");
    f.shutdown().await;
    let text = log_bytes(&f.log_dir);
    assert_eq!(text.lines().count(), 2);
    for canary in canaries {
        assert!(!text.contains(canary), "{canary} reached the call log");
    }
    for part in ["Zofia", "Wiśniewska", "zofia.canary"] {
        assert!(!text.contains(part), "{part} reached the call log");
    }
    assert!(text.contains("<EMAIL_") && text.contains("<PERSON_"), "{text}");
}

#[tokio::test]
async fn shadow_checks_demote_a_route_that_disagrees_with_the_llm_and_the_registry_keeps_it() {
    let mut f = Fixture::with_shadows(ShadowConfig { share: 1.0, min_calls: 3 }).await;
    // The SLM calls a tool, the LLM answers in prose: every shadow disagrees.
    for _ in 0..3 {
        let (route, reason, body) = f.ask(SLM_TASK).await;
        assert_eq!((route.as_str(), reason.as_str()), ("slm", "shadow"), "{body}");
    }
    // The shadows run off the client's path: wait for the third.
    for _ in 0..200 {
        if f.gw.shadows.is_demoted(&f.adapter_model) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(f.llm.calls(), 3, "each SLM answer was shadowed once");
    let (route, reason, _) = f.ask(SLM_TASK).await;
    assert_eq!((route.as_str(), reason.as_str()), ("llm", "demoted"));
    assert_eq!(f.slm.calls(), 3, "a demoted route's SLM is not asked");
    let demotions = f.gw.live.registry().demotions().await.unwrap();
    assert_eq!(demotions.len(), 1);
    let d = &demotions[0];
    assert_eq!((d.cluster_id.as_str(), d.adapter.as_str(), d.calls, d.gate), ("c01", f.adapter_model.as_str(), 3, 0.9));
    assert!(d.score < 0.9 && d.agreement == 0.0, "{d:?}");
    let root = f.url.trim_end_matches("/v1");
    let metrics = f.client.get(format!("{root}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("slm_gateway_shadow_checks_total{outcome=\"disagreed\"} 3"), "{metrics}");
    assert!(metrics.contains("slm_gateway_demoted_routes 1"), "{metrics}");
    f.shutdown().await;
    // Both answers are in the log of each shadowed call.
    let lines = read_log_lines(&f.log_dir);
    let shadows: Vec<&Value> = lines.iter().filter(|l| l["reason"] == "shadow").collect();
    assert_eq!(shadows.len(), 3);
    for l in shadows {
        assert_eq!(l["response"]["tool_calls"][0]["function"]["name"], "save_invoice");
        assert_eq!(l["llm_answer"]["response"]["content"], "The LLM's answer.");
        assert_eq!(l["llm_answer"]["agrees"], false);
    }
    // A gateway started later restores the demotion from the registry.
    let restored = Shadows::new(ShadowConfig::default(), 3);
    restored.restore(f.gw.live.registry().demotions().await.unwrap());
    assert!(restored.is_demoted(&f.adapter_model));
}

//! A mock OpenAI-compatible server: the tests' LLM and SLM engine, and the
//! upstream of `scripts/bench_gateway.sh` (`slm-pipeline mock-llm`), so that
//! the gateway's own overhead can be measured apart from any model.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub type Handler = dyn Fn(usize, &Value) -> (u16, Value, Duration) + Send + Sync;

/// An OpenAI-compatible server whose answers come from a closure of the
/// call number (from 0) and the request body.
pub struct MockUpstream {
    /// The base URL, `http://127.0.0.1:<port>/v1`.
    pub url: String,
    calls: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockUpstream {
    pub async fn start(answer: impl Fn(usize) -> (u16, Value) + Send + Sync + 'static) -> Self {
        Self::with(move |n, _| {
            let (status, body) = answer(n);
            (status, body, Duration::ZERO)
        })
        .await
    }

    /// `answer` also sees the body and says how long to wait before answering.
    pub async fn with(answer: impl Fn(usize, &Value) -> (u16, Value, Duration) + Send + Sync + 'static) -> Self {
        let answer: Arc<Handler> = Arc::new(answer);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding a loopback port");
        Self::on(listener, answer)
    }

    /// Serves on `listener`.
    pub fn on(listener: TcpListener, answer: Arc<Handler>) -> Self {
        let url = format!("http://{}/v1", listener.local_addr().expect("a bound address"));
        let calls = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (c, b) = (calls.clone(), bodies.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (answer, calls, bodies) = (answer.clone(), c.clone(), b.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (answer, calls, bodies) = (answer.clone(), calls.clone(), bodies.clone());
                        async move {
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                            let n = calls.fetch_add(1, Ordering::SeqCst);
                            let (status, out, wait) = answer(n, &body);
                            {
                                let mut kept = bodies.lock().expect("bodies");
                                // The benchmark sends millions: keep the first few for tests.
                                if kept.len() < 1000 {
                                    kept.push(body);
                                }
                            }
                            tokio::time::sleep(wait).await;
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(out.to_string())))
                                    .expect("a valid response"),
                            )
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        });
        Self { url, calls, bodies, task }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().expect("bodies").clone()
    }
}

/// A chat completion as OpenAI writes it.
pub fn completion(model: &str, content: Option<&str>, tool_calls: Option<Value>) -> Value {
    let finish = if tool_calls.is_some() { "tool_calls" } else { "stop" };
    let mut message = json!({"role": "assistant", "content": content});
    if let Some(calls) = tool_calls {
        message["tool_calls"] = calls;
    }
    json!({"id": "chatcmpl-mock", "object": "chat.completion", "created": 1_765_000_000, "model": model,
           "choices": [{"index": 0, "message": message, "finish_reason": finish}],
           "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}})
}


/// `slm-pipeline mock-llm`: answers every chat completion at once (after
/// `delay`) with a short text, or a call of the request's first tool when
/// `tool_choice` is `required`, naming the request's model.
pub async fn serve_forever(listen: std::net::SocketAddr, delay: Duration) -> crate::error::Result<()> {
    let listener = TcpListener::bind(listen).await.map_err(|e| crate::error::Error::io(format!("binding {listen}"), e))?;
    let mock = MockUpstream::on(
        listener,
        Arc::new(move |_, body: &Value| {
            let model = body.get("model").and_then(Value::as_str).unwrap_or("mock-llm");
            let tool = body.pointer("/tools/0/function/name").and_then(Value::as_str);
            let answer = match (tool, body.get("tool_choice").and_then(Value::as_str)) {
                (Some(name), Some("required")) => completion(model, None, Some(json!([{"id": "call_mock", "type": "function",
                    "function": {"name": name, "arguments": "{}"}}]))),
                _ => completion(model, Some("A mock answer."), None),
            };
            (200, answer, delay)
        }),
    );
    eprintln!("mock LLM on {} (answers after {} ms)", mock.url, delay.as_millis());
    tokio::signal::ctrl_c().await.map_err(|e| crate::error::Error::io("waiting for Ctrl-C", e))?;
    Ok(())
}

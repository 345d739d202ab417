//! Calls as OpenTelemetry GenAI spans in OTLP/JSON: one
//! `ExportTraceServiceRequest` per line, `gen_ai.*` attributes, messages as
//! JSON-string attributes in the "parts" format.

use std::io::Write as _;

use super::json::{esc, kv, string};
use super::{Call, Envelope, Msg, ToolCall};

fn attr_str(out: &mut Vec<u8>, k: &str, v: &str) {
    out.extend_from_slice(b"{\"key\":\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\",\"value\":{\"stringValue\":");
    string(out, v);
    out.extend_from_slice(b"}},");
}

fn attr_int(out: &mut Vec<u8>, k: &str, v: u64) {
    let _ = write!(
        out,
        "{{\"key\":\"{k}\",\"value\":{{\"intValue\":\"{v}\"}}}},"
    );
}

/// Appends `{"type":"tool_call",...}` parts.
fn tool_call_parts(out: &mut Vec<u8>, calls: &[ToolCall]) {
    for (i, tc) in calls.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"type\":\"tool_call\",");
        kv(out, "id", &tc.id);
        out.push(b',');
        kv(out, "name", tc.name);
        out.extend_from_slice(b",\"arguments\":");
        out.extend_from_slice(tc.arguments.as_bytes());
        out.push(b'}');
    }
}

fn text_part(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"{\"type\":\"text\",\"content\":");
    string(out, text);
    out.push(b'}');
}

fn input_messages(out: &mut Vec<u8>, msgs: &[Msg]) {
    out.push(b'[');
    for (i, m) in msgs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        kv(out, "role", m.role);
        out.extend_from_slice(b",\"parts\":[");
        if let Some(id) = &m.tool_call_id {
            out.extend_from_slice(b"{\"type\":\"tool_call_response\",");
            kv(out, "id", id);
            out.extend_from_slice(b",\"response\":");
            string(out, m.content.as_deref().unwrap_or(""));
            out.push(b'}');
        } else if !m.tool_calls.is_empty() {
            tool_call_parts(out, &m.tool_calls);
        } else {
            text_part(out, m.content.as_deref().unwrap_or(""));
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

fn output_messages(out: &mut Vec<u8>, call: &Call) {
    out.extend_from_slice(b"[{\"role\":\"assistant\",\"parts\":[");
    if call.tool_calls.is_empty() {
        text_part(out, call.content.as_deref().unwrap_or(""));
        out.extend_from_slice(b"],\"finish_reason\":\"stop\"}]");
    } else {
        tool_call_parts(out, &call.tool_calls);
        out.extend_from_slice(b"],\"finish_reason\":\"tool_call\"}]");
    }
}

/// Appends one gen_ai client span (no trailing comma).
pub(crate) fn write_span(
    out: &mut Vec<u8>,
    call: &Call,
    env: &Envelope,
    start_ns: u64,
    scratch: &mut Vec<u8>,
) {
    let end_ns = start_ns + env.latency_ms * 1_000_000;
    out.push(b'{');
    kv(out, "traceId", &env.trace_id);
    out.push(b',');
    kv(out, "spanId", &env.span_id);
    out.push(b',');
    let _ = write!(out, "\"name\":\"chat {}\",\"kind\":3,", env.model);
    let _ = write!(
        out,
        "\"startTimeUnixNano\":\"{start_ns}\",\"endTimeUnixNano\":\"{end_ns}\",\"attributes\":["
    );
    attr_str(out, "gen_ai.operation.name", "chat");
    attr_str(
        out,
        "gen_ai.provider.name",
        if env.model.starts_with("claude") {
            "anthropic"
        } else {
            "openai"
        },
    );
    attr_str(out, "gen_ai.request.model", env.model);
    attr_str(out, "gen_ai.agent.name", env.agent);
    let _ = write!(
        out,
        "{{\"key\":\"gen_ai.request.temperature\",\"value\":{{\"doubleValue\":{}}}}},",
        env.temperature
    );
    scratch.clear();
    input_messages(scratch, &call.messages);
    attr_str_raw(out, "gen_ai.input.messages", scratch);
    if let Some(t) = call.tools {
        attr_str(out, "gen_ai.tool.definitions", t);
    }
    for m in &call.meta {
        if !m.otel_key.is_empty() {
            attr_str(out, m.otel_key, &m.otel);
        }
    }
    match &env.error {
        None => {
            attr_str(out, "gen_ai.response.model", env.model);
            attr_str(out, "gen_ai.response.id", &env.response_id);
            let reason = if call.tool_calls.is_empty() {
                "stop"
            } else {
                "tool_calls"
            };
            let _ = write!(
                out,
                "{{\"key\":\"gen_ai.response.finish_reasons\",\"value\":{{\"arrayValue\":{{\"values\":[{{\"stringValue\":\"{reason}\"}}]}}}}}},"
            );
            attr_int(out, "gen_ai.usage.input_tokens", env.prompt_tokens);
            attr_int(out, "gen_ai.usage.output_tokens", env.completion_tokens);
            scratch.clear();
            output_messages(scratch, call);
            attr_str_raw(out, "gen_ai.output.messages", scratch);
            out.pop(); // trailing comma
            out.extend_from_slice(b"],\"status\":{\"code\":1}}");
        }
        Some(e) => {
            let ty = e.split(':').next().unwrap_or("error");
            attr_str(out, "error.type", ty);
            out.pop();
            out.extend_from_slice(b"],\"status\":{\"code\":2,\"message\":");
            string(out, e);
            out.extend_from_slice(b"}}");
        }
    }
}

/// A string attribute whose value is the (already serialised) JSON in `raw`.
fn attr_str_raw(out: &mut Vec<u8>, k: &str, raw: &[u8]) {
    out.extend_from_slice(b"{\"key\":\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\",\"value\":{\"stringValue\":\"");
    // raw is UTF-8 produced by the emitter
    esc(
        out,
        std::str::from_utf8(raw).expect("emitter output is UTF-8"),
    );
    out.extend_from_slice(b"\"}},");
}

/// A plain HTTP client span (not an LLM call), e.g. the agent calling a tool backend.
pub(crate) struct HttpSpan<'a> {
    pub trace_id: &'a str,
    pub span_id: &'a str,
    pub start_ns: u64,
    pub dur_ms: u64,
    pub method: &'a str,
    pub url: &'a str,
    pub status: u64,
}

pub(crate) fn write_http_span(out: &mut Vec<u8>, s: &HttpSpan<'_>) {
    let HttpSpan {
        trace_id,
        span_id,
        start_ns,
        dur_ms,
        method,
        url,
        status,
    } = *s;
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    out.push(b'{');
    kv(out, "traceId", trace_id);
    out.push(b',');
    kv(out, "spanId", span_id);
    let _ = write!(
        out,
        ",\"name\":\"{method}\",\"kind\":3,\"startTimeUnixNano\":\"{start_ns}\",\"endTimeUnixNano\":\"{}\",\"attributes\":[",
        start_ns + dur_ms * 1_000_000
    );
    attr_str(out, "http.request.method", method);
    attr_str(out, "url.full", url);
    attr_str(out, "server.address", host);
    attr_int(out, "http.response.status_code", status);
    out.pop();
    let code = if status >= 500 { 2 } else { 0 };
    let _ = write!(out, "],\"status\":{{\"code\":{code}}}}}");
}

/// Wraps serialised spans into one ExportTraceServiceRequest line.
pub(crate) fn write_request(
    out: &mut Vec<u8>,
    service: &str,
    gen_ai_spans: &[u8],
    http_spans: &[u8],
) {
    out.extend_from_slice(b"{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    attr_str(out, "service.name", service);
    attr_str(out, "service.version", "1.4.2");
    attr_str(out, "deployment.environment.name", "production");
    attr_str(out, "telemetry.sdk.language", "python");
    out.pop();
    out.extend_from_slice(b"]},\"scopeSpans\":[{\"scope\":{\"name\":\"opentelemetry.instrumentation.openai_v2\",\"version\":\"2.1b0\"},\"spans\":[");
    out.extend_from_slice(gen_ai_spans);
    out.extend_from_slice(b"]}");
    if !http_spans.is_empty() {
        out.extend_from_slice(b",{\"scope\":{\"name\":\"opentelemetry.instrumentation.httpx\",\"version\":\"0.52b0\"},\"spans\":[");
        out.extend_from_slice(http_spans);
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}]}\n");
}

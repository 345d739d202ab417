//! Tests of the line parsers: shared helpers here, one file per format.

use super::*;
use serde_json::json;

fn one(line: &str) -> CallRecord {
    let p = parse_line(line).unwrap_or_else(|e| panic!("parse failed: {e}"));
    assert_eq!(p.records.len(), 1, "expected one record");
    p.records.into_iter().next().unwrap()
}

fn one_v(v: Value) -> CallRecord {
    one(&v.to_string())
}

fn err(line: &str) -> ParseError {
    match parse_line(line) {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e,
    }
}

fn err_v(v: Value) -> ParseError {
    err(&v.to_string())
}

fn meta(rec: &CallRecord) -> Map<String, Value> {
    match rec.metadata.as_deref() {
        None => Map::new(),
        Some(m) => match serde_json::from_str(m).unwrap() {
            Value::Object(o) => o,
            _ => panic!("metadata is not an object"),
        },
    }
}

fn js(s: &Option<String>) -> Value {
    serde_json::from_str(s.as_deref().expect("some JSON text")).unwrap()
}

fn micros(rfc: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .unwrap()
        .timestamp_micros()
}

fn base() -> Value {
    json!({"messages": [{"role": "user", "content": "hi"}]})
}

fn with(mut v: Value, k: &str, x: Value) -> Value {
    v.as_object_mut().unwrap().insert(k.to_string(), x);
    v
}

// ----- OTLP helpers ---------------------------------------------------------

fn attr_s(k: &str, v: &str) -> Value {
    json!({"key": k, "value": {"stringValue": v}})
}

fn attr_i(k: &str, v: i64) -> Value {
    json!({"key": k, "value": {"intValue": v.to_string()}})
}

fn span(attrs: Vec<Value>, events: Vec<Value>) -> Value {
    json!({
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "parentSpanId": "eee19b7ec3c1b173",
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": "1779271200000000000",
        "endTimeUnixNano": "1779271200930500000",
        "attributes": attrs,
        "events": events,
        "status": {}
    })
}

fn otlp(spans: Vec<Value>) -> Value {
    json!({"resourceSpans": [{
        "resource": {"attributes": [attr_s("service.name", "travel-agent"), attr_s("deployment.environment", "prod")]},
        "scopeSpans": [{
            "scope": {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.1b0"},
            "spans": spans
        }]
    }]})
}

fn otlp_line(attrs: Vec<Value>, events: Vec<Value>) -> String {
    otlp(vec![span(attrs, events)]).to_string()
}

const START_MICROS: i64 = 1_779_271_200_000_000;

mod openai;
mod otel;
mod throughput;

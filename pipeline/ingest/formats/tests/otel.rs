//! OTLP/JSON GenAI spans: attribute-based and event-based messages.

use super::*;
use serde_json::json;

// ----- OTLP: newer attribute-based messages --------------------------------

#[test]
fn otel_new_semconv_attributes() {
    let input = json!([
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy, 57°F"}]},
        {"role": "user", "parts": [{"type": "text", "content": "and this?"}, {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgo"}]}
    ]);
    let output = json!([
        {"role": "assistant", "parts": [
            {"type": "text", "content": "It is rainy."},
            {"type": "tool_call", "id": "call_2", "name": "get_time", "arguments": "{\"tz\":\"CET\"}"}
        ], "finish_reason": "stop"}
    ]);
    let system = json!([{"type": "text", "content": "You are a travel agent."}]);
    let tools = json!([{"type": "function", "name": "get_weather", "description": "d", "parameters": {"type": "object"}}]);
    let attrs = vec![
        attr_s("gen_ai.operation.name", "chat"),
        attr_s("gen_ai.provider.name", "openai"),
        attr_s("gen_ai.request.model", "gpt-4o"),
        attr_s("gen_ai.response.model", "gpt-4o-2024-08-06"),
        attr_i("gen_ai.usage.input_tokens", 812),
        json!({"key": "gen_ai.usage.output_tokens", "value": {"intValue": 64}}),
        attr_s("gen_ai.agent.name", "planner"),
        attr_s("gen_ai.system_instructions", &system.to_string()),
        attr_s("gen_ai.input.messages", &input.to_string()),
        attr_s("gen_ai.output.messages", &output.to_string()),
        attr_s("gen_ai.tool.definitions", &tools.to_string()),
        json!({"key": "gen_ai.request.temperature", "value": {"doubleValue": 0.2}}),
        attr_s("server.address", "api.openai.com"),
        json!({"key": "gen_ai.response.finish_reasons", "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}}),
    ];
    let r = one(&otlp_line(attrs, vec![]));
    assert_eq!(r.format, SourceFormat::OtelGenAi);
    assert_eq!(
        r.trace_id.as_deref(),
        Some("5b8efff798038103d269b633813fc60c")
    );
    assert_eq!(r.span_id.as_deref(), Some("eee19b7ec3c1b174"));
    assert_eq!(r.ts_micros, Some(START_MICROS));
    assert_eq!(r.latency_ms, Some(930.5));
    assert_eq!(r.model.as_deref(), Some("gpt-4o"));
    assert_eq!(r.agent.as_deref(), Some("planner"));
    assert_eq!(
        (r.prompt_tokens, r.completion_tokens),
        (Some(812), Some(64))
    );
    assert_eq!(r.status, "ok");
    assert_eq!(r.error, None);
    assert_eq!(
        r.messages,
        vec![
            Message { role: "system".into(), content: Some("You are a travel agent.".into()), ..Default::default() },
            Message { role: "user".into(), content: Some("Weather in Paris?".into()), ..Default::default() },
            Message {
                role: "assistant".into(),
                tool_calls: Some(r#"[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]"#.into()),
                ..Default::default()
            },
            Message {
                role: "tool".into(),
                content: Some("rainy, 57°F".into()),
                tool_call_id: Some("call_1".into()),
                ..Default::default()
            },
            Message { role: "user".into(), content: Some("and this?\n[image]".into()), ..Default::default() },
        ]
    );
    assert_eq!(r.response_content.as_deref(), Some("It is rainy."));
    assert_eq!(
        js(&r.response_tool_calls),
        json!([{"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}}])
    );
    assert_eq!(
        js(&r.tools),
        json!([{"type": "function", "function": {"name": "get_weather", "description": "d", "parameters": {"type": "object"}}}])
    );
    let m = meta(&r);
    assert_eq!(m["gen_ai.operation.name"], json!("chat"));
    assert_eq!(m["gen_ai.provider.name"], json!("openai"));
    assert_eq!(m["gen_ai.response.model"], json!("gpt-4o-2024-08-06"));
    assert_eq!(m["gen_ai.request.temperature"], json!(0.2));
    assert_eq!(m["server.address"], json!("api.openai.com"));
    assert_eq!(m["gen_ai.response.finish_reasons"], json!(["stop"]));
    assert_eq!(m["response.finish_reason"], json!("stop"));
    assert_eq!(m["resource.service.name"], json!("travel-agent"));
    assert_eq!(m["resource.deployment.environment"], json!("prod"));
    assert_eq!(
        m["scope.name"],
        json!("opentelemetry.instrumentation.openai_v2")
    );
    assert_eq!(m["scope.version"], json!("2.1b0"));
    assert_eq!(m["span.name"], json!("chat gpt-4o"));
    assert_eq!(m["span.kind"], json!(3));
    assert_eq!(m["span.parent_span_id"], json!("eee19b7ec3c1b173"));
    for consumed in [
        "gen_ai.request.model",
        "gen_ai.usage.input_tokens",
        "gen_ai.input.messages",
        "gen_ai.agent.name",
    ] {
        assert!(!m.contains_key(consumed), "{consumed}");
    }
    assert!(!format!("{r:?}").contains("iVBORw0KGgo"));
}

#[test]
fn otel_structured_attribute_values_and_plain_system_instructions() {
    // Newer OTLP allows complex attribute values instead of JSON strings.
    let input = json!({"arrayValue": {"values": [{"kvlistValue": {"values": [
        {"key": "role", "value": {"stringValue": "user"}},
        {"key": "parts", "value": {"arrayValue": {"values": [{"kvlistValue": {"values": [
            {"key": "type", "value": {"stringValue": "text"}},
            {"key": "content", "value": {"stringValue": "hello"}}
        ]}}]}}}
    ]}}]}});
    let attrs = vec![
        attr_s("gen_ai.request.model", "m"),
        attr_s("gen_ai.system_instructions", "Be brief."),
        json!({"key": "gen_ai.input.messages", "value": input}),
    ];
    let r = one(&otlp_line(attrs, vec![]));
    assert_eq!(
        r.messages[0],
        Message {
            role: "system".into(),
            content: Some("Be brief.".into()),
            ..Default::default()
        }
    );
    assert_eq!(
        r.messages[1],
        Message {
            role: "user".into(),
            content: Some("hello".into()),
            ..Default::default()
        }
    );
}

// ----- OTLP: older event-based messages ------------------------------------

#[test]
fn otel_old_semconv_events() {
    let tool_calls = json!({"arrayValue": {"values": [{"kvlistValue": {"values": [
        {"key": "id", "value": {"stringValue": "call_9"}},
        {"key": "type", "value": {"stringValue": "function"}},
        {"key": "function", "value": {"kvlistValue": {"values": [
            {"key": "name", "value": {"stringValue": "lookup"}},
            {"key": "arguments", "value": {"stringValue": "{\"q\":1}"}}
        ]}}}
    ]}}]}});
    let events = vec![
        json!({"name": "gen_ai.system.message", "timeUnixNano": "1", "attributes": [attr_s("gen_ai.system", "openai"), attr_s("content", "sys")]}),
        json!({"name": "gen_ai.user.message", "attributes": [attr_s("content", "question")]}),
        json!({"name": "gen_ai.assistant.message", "attributes": [{"key": "tool_calls", "value": tool_calls}]}),
        json!({"name": "gen_ai.tool.message", "attributes": [attr_s("content", "result"), attr_s("id", "call_9")]}),
        json!({"name": "gen_ai.choice", "attributes": [
            attr_i("index", 1), attr_s("finish_reason", "length"),
            {"key": "message", "value": {"kvlistValue": {"values": [{"key": "content", "value": {"stringValue": "second"}}]}}}
        ]}),
        json!({"name": "gen_ai.choice", "attributes": [
            attr_i("index", 0), attr_s("finish_reason", "stop"),
            {"key": "message", "value": {"kvlistValue": {"values": [
                {"key": "role", "value": {"stringValue": "assistant"}},
                {"key": "content", "value": {"stringValue": "answer"}}
            ]}}}
        ]}),
        json!({"name": "custom.checkpoint", "timeUnixNano": "5", "attributes": [attr_s("step", "3")]}),
    ];
    let attrs = vec![
        attr_s("gen_ai.system", "openai"),
        attr_s("gen_ai.operation.name", "chat"),
        attr_s("gen_ai.request.model", "gpt-4o-mini"),
        attr_i("gen_ai.usage.prompt_tokens", 20),
        attr_i("gen_ai.usage.completion_tokens", 5),
    ];
    let r = one(&otlp_line(attrs, events));
    assert_eq!(
        r.agent.as_deref(),
        Some("travel-agent"),
        "service.name fallback"
    );
    assert_eq!((r.prompt_tokens, r.completion_tokens), (Some(20), Some(5)));
    assert_eq!(r.messages.len(), 4);
    assert_eq!(
        r.messages[0],
        Message {
            role: "system".into(),
            content: Some("sys".into()),
            ..Default::default()
        }
    );
    assert_eq!(r.messages[1].role, "user");
    assert_eq!(r.messages[1].content.as_deref(), Some("question"));
    assert_eq!(r.messages[2].role, "assistant");
    assert_eq!(
        js(&r.messages[2].tool_calls),
        json!([{"id": "call_9", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":1}"}}])
    );
    assert_eq!(
        r.messages[3],
        Message {
            role: "tool".into(),
            content: Some("result".into()),
            tool_call_id: Some("call_9".into()),
            ..Default::default()
        }
    );
    assert_eq!(r.response_content.as_deref(), Some("answer"));
    let m = meta(&r);
    assert_eq!(m["gen_ai.provider.name"], json!("openai"));
    assert!(!m.contains_key("gen_ai.system"));
    assert!(!m.contains_key("resource.service.name"), "used as agent");
    assert_eq!(m["response.finish_reason"], json!("stop"));
    assert_eq!(
        m["response.extra_choices"][0]["message"]["content"],
        json!("second")
    );
    assert_eq!(
        m["span.events"],
        json!([{"name": "custom.checkpoint", "time_unix_nano": "5", "attributes": {"step": "3"}}])
    );
}

#[test]
fn otel_event_bodies() {
    let events = vec![
        // Event-level body (log-record style).
        json!({"name": "gen_ai.user.message", "body": {"kvlistValue": {"values": [{"key": "content", "value": {"stringValue": "from body"}}]}}}),
        // Attribute `gen_ai.event.content` holding the body as JSON text.
        json!({"name": "gen_ai.assistant.message", "attributes": [attr_s("gen_ai.event.content", "{\"content\":\"from event content\",\"tool_calls\":[{\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}")]}),
        // A plain string body.
        json!({"name": "gen_ai.user.message", "body": {"stringValue": "plain body"}}),
        json!({"name": "gen_ai.choice", "body": {"kvlistValue": {"values": [
            {"key": "finish_reason", "value": {"stringValue": "stop"}},
            {"key": "message", "value": {"kvlistValue": {"values": [{"key": "content", "value": {"stringValue": "done"}}]}}}
        ]}}}),
    ];
    let r = one(&otlp_line(
        vec![attr_s("gen_ai.request.model", "m")],
        events,
    ));
    assert_eq!(r.messages[0].content.as_deref(), Some("from body"));
    assert_eq!(r.messages[1].content.as_deref(), Some("from event content"));
    assert_eq!(
        js(&r.messages[1].tool_calls),
        json!([{"id": "x", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}])
    );
    assert_eq!(r.messages[2].content.as_deref(), Some("plain body"));
    assert_eq!(r.response_content.as_deref(), Some("done"));
}

#[test]
fn otel_semconv_1_26_prompt_events_and_openllmetry_attributes() {
    let events = vec![
        json!({"name": "gen_ai.content.prompt", "attributes": [attr_s("gen_ai.prompt", r#"[{"role":"system","content":"s"},{"role":"user","content":"u"}]"#)]}),
        json!({"name": "gen_ai.content.completion", "attributes": [attr_s("gen_ai.completion", r#"[{"role":"assistant","content":"c"}]"#)]}),
    ];
    let r = one(&otlp_line(
        vec![attr_s("gen_ai.request.model", "m")],
        events,
    ));
    assert_eq!(r.messages.len(), 2);
    assert_eq!(r.messages[1].content.as_deref(), Some("u"));
    assert_eq!(r.response_content.as_deref(), Some("c"));

    let attrs = vec![
        attr_s("gen_ai.system", "OpenAI"),
        attr_s("gen_ai.request.model", "gpt-4"),
        attr_s("gen_ai.prompt.0.role", "system"),
        attr_s("gen_ai.prompt.0.content", "sys"),
        attr_s("gen_ai.prompt.1.role", "user"),
        attr_s("gen_ai.prompt.1.content", "hi"),
        attr_s("gen_ai.prompt.10.role", "user"),
        attr_s("gen_ai.prompt.10.content", "tenth"),
        attr_s("gen_ai.prompt.2.role", "assistant"),
        attr_s("gen_ai.prompt.2.tool_calls.0.id", "t0"),
        attr_s("gen_ai.prompt.2.tool_calls.0.name", "f"),
        attr_s("gen_ai.prompt.2.tool_calls.0.arguments", "{}"),
        attr_s("gen_ai.completion.0.role", "assistant"),
        attr_s("gen_ai.completion.0.content", "yo"),
        attr_s("gen_ai.completion.0.finish_reason", "stop"),
        attr_s("gen_ai.completion.0.tool_calls.0.name", "g"),
        attr_s("gen_ai.completion.0.tool_calls.0.arguments", "{\"x\":1}"),
        attr_s("llm.request.functions.0.name", "g"),
        attr_s(
            "llm.request.functions.0.parameters",
            "{\"type\":\"object\"}",
        ),
        attr_s("llm.usage.total_tokens", "3"),
    ];
    let r = one(&otlp_line(attrs, vec![]));
    let roles: Vec<&str> = r.messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, vec!["system", "user", "assistant", "user"]);
    assert_eq!(r.messages[3].content.as_deref(), Some("tenth"));
    assert_eq!(
        js(&r.messages[2].tool_calls),
        json!([{"id": "t0", "type": "function", "function": {"name": "f", "arguments": "{}"}}])
    );
    assert_eq!(r.response_content.as_deref(), Some("yo"));
    assert_eq!(
        js(&r.response_tool_calls),
        json!([{"type": "function", "function": {"name": "g", "arguments": "{\"x\":1}"}}])
    );
    assert_eq!(
        js(&r.tools),
        json!([{"type": "function", "function": {"name": "g", "parameters": {"type": "object"}}}])
    );
    let m = meta(&r);
    assert_eq!(m["response.finish_reason"], json!("stop"));
    assert_eq!(m["llm.usage.total_tokens"], json!("3"));
    assert_eq!(m["gen_ai.provider.name"], json!("OpenAI"));
}

#[test]
fn otel_many_spans_and_skips() {
    let genai = |id: &str| {
        let mut s = span(
            vec![
                attr_s("gen_ai.request.model", "m"),
                attr_s("gen_ai.operation.name", "chat"),
            ],
            vec![],
        );
        s["spanId"] = json!(id);
        s
    };
    let http = json!({"traceId": "t", "spanId": "h", "name": "GET /", "attributes": [attr_s("http.method", "GET")]});
    let no_attrs = json!({"traceId": "t", "spanId": "n", "name": "bare"});
    let tool = span(
        vec![
            attr_s("gen_ai.operation.name", "execute_tool"),
            attr_s("gen_ai.tool.name", "search"),
        ],
        vec![],
    );
    let agent = span(
        vec![
            attr_s("gen_ai.operation.name", "invoke_agent"),
            attr_s("gen_ai.agent.name", "a"),
        ],
        vec![],
    );
    // Non-call spans are skipped without looking at their other fields.
    let weird_non_call =
        json!({"spanId": 5, "attributes": [{"key": "x", "value": {"intValue": "nan"}}]});
    let line = json!({"resourceSpans": [
        {"resource": {"attributes": [attr_s("service.name", "svc-a")]},
         "scopeSpans": [{"scope": {"name": "s1"}, "spans": [genai("a"), http, tool]},
                        {"spans": [no_attrs, genai("b")]}]},
        {"scopeSpans": [{"spans": [agent, genai("c"), weird_non_call]}]},
        {"scopeSpans": []},
        {}
    ]})
    .to_string();
    let p = parse_line(&line).unwrap();
    let ids: Vec<&str> = p
        .records
        .iter()
        .map(|r| r.span_id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, vec!["a", "b", "c"]);
    assert_eq!(p.skipped_spans, 5);
    assert_eq!(p.records[0].agent.as_deref(), Some("svc-a"));
    assert_eq!(p.records[2].agent, None);
    assert!(
        p.records.iter().all(|r| r.messages.is_empty()),
        "content capture off: no messages"
    );

    let p = parse_line(r#"{"resourceSpans":[]}"#).unwrap();
    assert_eq!((p.records.len(), p.skipped_spans), (0, 0));
    let p = parse_line(r#"{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"t","span_id":"s","start_time_unix_nano":1000,"attributes":[{"key":"gen_ai.request.model","value":{"string_value":"m"}}]}]}]}]}"#).unwrap();
    assert_eq!(p.records[0].model.as_deref(), Some("m"));
    assert_eq!(p.records[0].ts_micros, Some(1));
    assert_eq!(p.records[0].span_id.as_deref(), Some("s"));
}

#[test]
fn otel_status_and_errors() {
    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["status"] = json!({"code": 2, "message": "upstream 500"});
    let r = one(&otlp(vec![s]).to_string());
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("error", Some("upstream 500"))
    );

    let mut s = span(
        vec![
            attr_s("gen_ai.request.model", "m"),
            attr_s("error.type", "timeout"),
        ],
        vec![],
    );
    s["status"] = json!({"code": "STATUS_CODE_ERROR"});
    let r = one(&otlp(vec![s]).to_string());
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("error", Some("timeout"))
    );
    assert!(!meta(&r).contains_key("error.type"));

    let ev = json!({"name": "exception", "attributes": [attr_s("exception.type", "RateLimitError"), attr_s("exception.message", "slow down")]});
    let mut s = span(
        vec![
            attr_s("gen_ai.request.model", "m"),
            attr_s("error.type", "RateLimitError"),
        ],
        vec![ev],
    );
    s["status"] = json!({"code": 2, "message": ""});
    let r = one(&otlp(vec![s]).to_string());
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("error", Some("slow down"))
    );
    let m = meta(&r);
    assert_eq!(m["error.type"], json!("RateLimitError"));
    assert_eq!(m["span.events"][0]["name"], json!("exception"));

    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["status"] = json!({"code": 1});
    assert_eq!(one(&otlp(vec![s]).to_string()).status, "ok");
    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["status"] = json!({"code": "STATUS_CODE_OK"});
    assert_eq!(one(&otlp(vec![s]).to_string()).status, "ok");
}

#[test]
fn otel_times() {
    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["startTimeUnixNano"] = json!(1_779_271_200_000_000_000u64);
    s["endTimeUnixNano"] = json!(1_779_271_200_001_000_000u64);
    let r = one(&otlp(vec![s]).to_string());
    assert_eq!((r.ts_micros, r.latency_ms), (Some(START_MICROS), Some(1.0)));

    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["startTimeUnixNano"] = json!("0");
    s["endTimeUnixNano"] = json!("5");
    let r = one(&otlp(vec![s]).to_string());
    assert_eq!((r.ts_micros, r.latency_ms), (None, None));

    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["endTimeUnixNano"] = json!("1");
    assert_eq!(
        one(&otlp(vec![s]).to_string()).latency_ms,
        None,
        "end before start"
    );

    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["startTimeUnixNano"] = json!("soon");
    let e = err(&otlp(vec![s]).to_string());
    assert_eq!(e.reason, QuarantineReason::WrongType);
    assert_eq!(
        e.detail,
        "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected unsigned integer, found non-numeric string"
    );
}

#[test]
fn otel_any_values_in_metadata() {
    let attrs = vec![
        attr_s("gen_ai.request.model", "m"),
        json!({"key": "b", "value": {"boolValue": true}}),
        json!({"key": "d", "value": {"doubleValue": "NaN"}}),
        json!({"key": "d2", "value": {"doubleValue": "1.5"}}),
        json!({"key": "i", "value": {"intValue": "-7"}}),
        json!({"key": "arr", "value": {"arrayValue": {"values": [{"intValue": 1}, {"stringValue": "x"}, {}]}}}),
        json!({"key": "kv", "value": {"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": false}}]}}}),
        json!({"key": "bytes", "value": {"bytesValue": "AAEC"}}),
        json!({"key": "empty", "value": {}}),
        json!({"key": "novalue"}),
        json!({"key": "raw", "value": 3}),
    ];
    let r = one(&otlp_line(attrs, vec![]));
    let m = meta(&r);
    assert_eq!(m["b"], json!(true));
    assert_eq!(m["d"], json!("NaN"));
    assert_eq!(m["d2"], json!(1.5));
    assert_eq!(m["i"], json!(-7));
    assert_eq!(m["arr"], json!([1, "x", null]));
    assert_eq!(m["kv"], json!({"a": false}));
    assert_eq!(m["bytes"], json!("AAEC"));
    assert_eq!(m["empty"], Value::Null);
    assert_eq!(m["novalue"], Value::Null);
    assert_eq!(m["raw"], json!(3));
}

#[test]
fn otel_structural_errors() {
    let e = err(r#"{"resourceSpans": {"a": 1}}"#);
    assert_eq!(e.detail, "resourceSpans: expected array, found object");
    let e = err(r#"{"resourceSpans": [{"scopeSpans": [{"spans": [1]}]}]}"#);
    assert_eq!(
        e.detail,
        "resourceSpans[0].scopeSpans[0].spans[0]: expected object, found number"
    );
    let e = err(
        r#"{"resourceSpans": [{"resource": {"attributes": [{"value": {"stringValue": "x"}}]}}]}"#,
    );
    assert_eq!(e.reason, QuarantineReason::MissingField);
    assert_eq!(
        e.detail,
        "missing required field `resourceSpans[0].resource.attributes[0].key`"
    );

    let bad_json = otlp_line(
        vec![attr_s("gen_ai.input.messages", "[{\"role\": \"user\", ")],
        vec![],
    );
    let e = err(&bad_json);
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert!(
        e.detail.starts_with(
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[gen_ai.input.messages]: embedded JSON unexpected end of input at column"
        ),
        "{}",
        e.detail
    );
    let e = err(&otlp_line(
        vec![attr_s("gen_ai.input.messages", "[{\"parts\": []}]")],
        vec![],
    ));
    assert_eq!(e.reason, QuarantineReason::MissingField);
    assert_eq!(
        e.detail,
        "missing required field `resourceSpans[0].scopeSpans[0].spans[0].attributes[gen_ai.input.messages][0].role`"
    );
    let e = err(&otlp_line(
        vec![json!({"key": "gen_ai.usage.input_tokens", "value": {"doubleValue": 1.5}})],
        vec![],
    ));
    assert_eq!(e.reason, QuarantineReason::WrongType);
    assert_eq!(
        e.detail,
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[gen_ai.usage.input_tokens]: expected integer, found non-integer or out-of-range number"
    );
    let mut s = span(vec![attr_s("gen_ai.request.model", "m")], vec![]);
    s["events"] = json!({"x": 1});
    let e = err(&otlp(vec![s]).to_string());
    assert_eq!(
        e.detail,
        "resourceSpans[0].scopeSpans[0].spans[0].events: expected array, found object"
    );
}

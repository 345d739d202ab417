//! The OpenAI chat format: names, the documented shape, timestamps, content,
//! tools, responses, usage, metadata and structural errors.

use super::*;
use serde_json::json;

// ----- names -------------------------------------------------------

#[test]
fn enum_names() {
    assert_eq!(SourceFormat::OpenAiChat.as_str(), "openai_chat");
    assert_eq!(SourceFormat::OtelGenAi.as_str(), "otel_genai");
    let all = [
        (QuarantineReason::MalformedJson, "malformed_json"),
        (QuarantineReason::WrongType, "wrong_type"),
        (QuarantineReason::MissingField, "missing_field"),
        (QuarantineReason::InvalidUtf8, "invalid_utf8"),
        (QuarantineReason::LineTooLong, "line_too_long"),
        (QuarantineReason::CorruptObject, "corrupt_object"),
        (QuarantineReason::UnknownFormat, "unknown_format"),
        (QuarantineReason::TooDeep, "too_deep"),
    ];
    for (r, s) in all {
        assert_eq!(r.as_str(), s);
        assert_eq!(r.to_string(), s);
    }
    let e = ParseError::new(
        QuarantineReason::WrongType,
        "x: expected string, found number",
    );
    assert_eq!(
        e.to_string(),
        "wrong_type: x: expected string, found number"
    );
}

// ----- OpenAI chat: the documented shape ---------------------------

const EXAMPLE: &str = r#"{"trace_id": "t1", "span_id": "s1", "ts": "2026-11-20T10:00:00Z", "agent": "metagpt",
 "model": "gpt-4o", "messages": [{"role": "system", "content": "You are a planner."}, {"role": "user", "content": "Plan a trip."}],
 "tools": [{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}],
 "response": {"content": "Sure.", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{\"q\":\"paris\"}"}}]},
 "usage": {"prompt_tokens": 812, "completion_tokens": 64}, "latency_ms": 930, "status": "ok"}"#;

#[test]
fn openai_documented_example() {
    let line = EXAMPLE.replace('\n', "");
    let r = one(&line);
    assert_eq!(r.format, SourceFormat::OpenAiChat);
    assert_eq!(r.trace_id.as_deref(), Some("t1"));
    assert_eq!(r.span_id.as_deref(), Some("s1"));
    assert_eq!(r.ts_micros, Some(micros("2026-11-20T10:00:00Z")));
    assert_eq!(r.agent.as_deref(), Some("metagpt"));
    assert_eq!(r.model.as_deref(), Some("gpt-4o"));
    assert_eq!(r.messages.len(), 2);
    assert_eq!(
        r.messages[0],
        Message {
            role: "system".into(),
            content: Some("You are a planner.".into()),
            ..Default::default()
        }
    );
    assert_eq!(r.messages[1].role, "user");
    assert_eq!(
        js(&r.tools),
        json!([{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}])
    );
    assert_eq!(r.response_content.as_deref(), Some("Sure."));
    assert_eq!(
        js(&r.response_tool_calls),
        json!([{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{\"q\":\"paris\"}"}}])
    );
    assert_eq!(r.prompt_tokens, Some(812));
    assert_eq!(r.completion_tokens, Some(64));
    assert_eq!(r.latency_ms, Some(930.0));
    assert_eq!(r.status, "ok");
    assert_eq!(r.error, None);
    assert_eq!(r.metadata, None);
}

#[test]
fn openai_minimal_line_defaults() {
    let r = one(r#"{"messages":[{"role":"user","content":"hi"}]}"#);
    assert_eq!(r.messages.len(), 1);
    assert_eq!(r.status, "ok");
    assert_eq!(r.trace_id, None);
    assert_eq!(r.ts_micros, None);
    assert_eq!(r.model, None);
    assert_eq!(r.tools, None);
    assert_eq!(r.response_content, None);
    assert_eq!(r.response_tool_calls, None);
    assert_eq!(r.prompt_tokens, None);
    assert_eq!(r.latency_ms, None);
    assert_eq!(r.metadata, None);
}

#[test]
fn escapes_and_unicode_survive() {
    let content = "line1\nline2\t\"quoted\" \\ é 日本 🎉 \u{2028}";
    let r = one_v(json!({"messages": [{"role": "user", "content": content}]}));
    assert_eq!(r.messages[0].content.as_deref(), Some(content));
}

#[test]
fn bom_crlf_and_blank_lines() {
    let r = one("\u{feff}{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}\r");
    assert_eq!(r.messages[0].content.as_deref(), Some("a"));
    for blank in ["", "   ", "\r", "\t \r", "\u{feff}"] {
        let p = parse_line(blank).unwrap();
        assert!(p.records.is_empty());
        assert_eq!(p.skipped_spans, 0);
    }
}

// ----- timestamps ---------------------------------------------------

#[test]
fn ts_variants() {
    let t = micros("2026-11-20T10:00:00Z");
    let cases: Vec<(Value, i64)> = vec![
        (json!("2026-11-20T10:00:00Z"), t),
        (json!("2026-11-20T11:00:00+01:00"), t),
        (json!("2026-11-20T10:00:00.123456Z"), t + 123_456),
        (json!("2026-11-20 10:00:00Z"), t),
        (json!("2026-11-20t10:00:00z"), t),
        (json!("2026-11-20T10:00:00"), t),
        (json!("2026-11-20 10:00:00.5"), t + 500_000),
        (json!("2026-11-20T10:00:00+0000"), t),
        (json!(t / 1_000_000), t),
        (json!(t / 1_000), t),
        (json!(t), t),
        (json!(t * 1_000), t),
        (json!((t as f64) / 1e6 + 0.25), t + 250_000),
        (json!((t / 1_000) as f64 + 0.5), t + 500),
        (json!(format!("{}", t / 1_000_000)), t),
        (json!(format!("{}", t / 1_000)), t),
        (json!(format!("{}", t * 1_000)), t),
        (json!(0), 0),
    ];
    for (v, want) in cases {
        let r = one_v(with(base(), "ts", v.clone()));
        assert_eq!(r.ts_micros, Some(want), "ts {v}");
    }
}

#[test]
fn ts_alias_and_precedence() {
    let t = micros("2026-11-20T10:00:00Z");
    let r = one_v(with(base(), "timestamp", json!("2026-11-20T10:00:00Z")));
    assert_eq!(r.ts_micros, Some(t));
    assert_eq!(r.metadata, None);

    let v = with(
        with(base(), "ts", json!(t / 1000)),
        "timestamp",
        json!("2020-01-01T00:00:00Z"),
    );
    let r = one_v(v);
    assert_eq!(r.ts_micros, Some(t));
    assert_eq!(meta(&r)["timestamp"], json!("2020-01-01T00:00:00Z"));

    let v = with(
        with(base(), "ts", Value::Null),
        "timestamp",
        json!(t / 1000),
    );
    assert_eq!(one_v(v).ts_micros, Some(t));

    assert_eq!(one_v(with(base(), "ts", json!(""))).ts_micros, None);
}

#[test]
fn ts_invalid() {
    for v in [
        json!("yesterday"),
        json!("2026-13-45T99:00:00Z"),
        json!(true),
        json!({"s": 1}),
        json!([1]),
    ] {
        let e = err_v(with(base(), "ts", v.clone()));
        assert_eq!(e.reason, QuarantineReason::WrongType, "{v}");
        assert!(
            e.detail
                .starts_with("ts: expected RFC 3339 timestamp or epoch number"),
            "{}",
            e.detail
        );
    }
    let e = err_v(with(base(), "timestamp", json!("nope")));
    assert!(e.detail.starts_with("timestamp: "), "{}", e.detail);
}

// ----- content ------------------------------------------------------

#[test]
fn content_forms() {
    let v = json!({"messages": [
        {"role": "system", "content": null},
        {"role": "user"},
        {"role": "user", "content": [
            {"type": "text", "text": "look at this"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg"}},
            {"type": "text", "text": "and this"},
            {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}},
            {"type": "file", "file": {"file_data": "JVBERi0xLjQK"}},
            "plain string part",
            {"type": "refusal", "refusal": "no"},
            {"type": "input_text", "text": "responses api"},
            {"type": "text", "text": {"value": "assistants api", "annotations": []}},
            {"type": "thinking", "thinking": "secret chain"},
            {"type": "weird type!", "x": 1},
            null
        ]},
        {"role": "user", "content": []},
        {"role": "user", "content": {"type": "text", "text": "single part"}},
        {"role": "user", "content": [{"type": "image", "source": {"data": "AAAA"}}]}
    ]});
    let r = one_v(v);
    assert_eq!(r.messages[0].content, None);
    assert_eq!(r.messages[1].content, None);
    assert_eq!(
        r.messages[2].content.as_deref(),
        Some(
            "look at this\n[image]\nand this\n[audio]\n[file]\nplain string part\nno\nresponses api\nassistants api\n[thinking]\n[part]"
        )
    );
    assert_eq!(r.messages[3].content, None);
    assert_eq!(r.messages[4].content.as_deref(), Some("single part"));
    assert_eq!(r.messages[5].content.as_deref(), Some("[image]"));
    let all = format!("{r:?}");
    for bytes in ["iVBORw0KGgo", "UklGRiQ", "JVBERi0", "AAAA", "secret chain"] {
        assert!(!all.contains(bytes), "{bytes} leaked into the record");
    }
}

#[test]
fn content_wrong_types() {
    let e = err_v(json!({"messages": [{"role": "user", "content": 5}]}));
    assert_eq!(e.reason, QuarantineReason::WrongType);
    assert_eq!(
        e.detail,
        "messages[0].content: expected string, array of parts or null, found number"
    );
    let e = err_v(
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": 3}]}]}),
    );
    assert_eq!(
        e.detail,
        "messages[0].content[0].text: expected string, found number"
    );
    let e = err_v(json!({"messages": [{"role": "user", "content": [true]}]}));
    assert_eq!(
        e.detail,
        "messages[0].content[0]: expected object or string, found boolean"
    );
    let e = err_v(json!({"messages": [{"role": "user", "content": [{"type": 1}]}]}));
    assert_eq!(
        e.detail,
        "messages[0].content[0].type: expected string, found number"
    );
}

// ----- history with tools --------------------------------------------

#[test]
fn history_with_tool_calls_and_tool_results() {
    let v = json!({"messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": {"tz": "CET"}}},
            {"id": "call_3", "function": {"name": "noargs"}, "index": 2}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "sunny"},
        {"role": "function", "name": "legacy", "content": "42"},
        {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
        {"role": "assistant", "tool_calls": []}
    ]});
    let r = one_v(v);
    assert_eq!(
        js(&r.messages[1].tool_calls),
        json!([
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}},
            {"id": "call_3", "type": "function", "function": {"name": "noargs", "arguments": "{}"}}
        ])
    );
    assert_eq!(r.messages[1].content, None);
    assert_eq!(
        r.messages[2],
        Message {
            role: "tool".into(),
            content: Some("sunny".into()),
            name: Some("get_weather".into()),
            tool_call_id: Some("call_1".into()),
            tool_calls: None
        }
    );
    assert_eq!(r.messages[3].name.as_deref(), Some("legacy"));
    assert_eq!(
        js(&r.messages[4].tool_calls),
        json!([{"type": "function", "function": {"name": "f", "arguments": "{}"}}])
    );
    assert_eq!(r.messages[5].tool_calls, None);
    assert_eq!(r.metadata, None);
}

#[test]
fn tool_call_shapes() {
    let v = json!({"messages": [{"role": "assistant", "tool_calls": [
        {"id": "a", "name": "flat", "arguments": {"x": 1}},
        {"id": "b", "type": "tool_use", "name": "anthropic", "input": {"y": 2}},
        {"id": 7, "type": "function", "function": {"name": "n", "arguments": null}}
    ]}]});
    let r = one_v(v);
    assert_eq!(
        js(&r.messages[0].tool_calls),
        json!([
            {"id": "a", "type": "function", "function": {"name": "flat", "arguments": "{\"x\":1}"}},
            {"id": "b", "type": "function", "function": {"name": "anthropic", "arguments": "{\"y\":2}"}},
            {"id": "7", "type": "function", "function": {"name": "n", "arguments": "{}"}}
        ])
    );
    let e = err_v(
        json!({"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": 1}}]}]}),
    );
    assert_eq!(
        e.detail,
        "messages[0].tool_calls[0].function.name: expected string, found number"
    );
    let e = err_v(json!({"messages": [{"role": "assistant", "tool_calls": {"id": "x"}}]}));
    assert_eq!(
        e.detail,
        "messages[0].tool_calls: expected array, found object"
    );
    let e = err_v(json!({"messages": [{"role": "assistant", "tool_calls": ["x"]}]}));
    assert_eq!(
        e.detail,
        "messages[0].tool_calls[0]: expected object, found string"
    );
}

#[test]
fn tools_normalised() {
    let v = json!({
        "messages": [{"role": "user", "content": "x"}],
        "tools": [
            {"type": "function", "function": {"name": "a", "parameters": {}}},
            {"name": "b", "description": "flat", "parameters": {"type": "object"}},
            {"name": "c", "input_schema": {"type": "object"}},
            {"type": "web_search_20250305", "name": "web_search"}
        ],
        "functions": [{"name": "d", "parameters": {}}]
    });
    let r = one_v(v);
    assert_eq!(
        js(&r.tools),
        json!([
            {"type": "function", "function": {"name": "a", "parameters": {}}},
            {"type": "function", "function": {"name": "b", "description": "flat", "parameters": {"type": "object"}}},
            {"type": "function", "function": {"name": "c", "parameters": {"type": "object"}}},
            {"type": "web_search_20250305", "name": "web_search"},
            {"type": "function", "function": {"name": "d", "parameters": {}}}
        ])
    );
    assert_eq!(one_v(with(base(), "tools", json!([]))).tools, None);
    assert_eq!(one_v(with(base(), "tools", Value::Null)).tools, None);
    let e = err_v(with(base(), "tools", json!({"a": 1})));
    assert_eq!(e.detail, "tools: expected array, found object");
    let e = err_v(with(base(), "tools", json!([1])));
    assert_eq!(e.detail, "tools[0]: expected object, found number");
}

// ----- response -------------------------------------------------------

#[test]
fn response_as_chat_completion_object() {
    let v = json!({
        "messages": [{"role": "user", "content": "hi"}],
        "response": {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1732096800,
            "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_1",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "hello", "refusal": null,
                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                 "finish_reason": "tool_calls", "logprobs": null},
                {"index": 1, "message": {"role": "assistant", "content": "alt"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
                      "prompt_tokens_details": {"cached_tokens": 0}}
        }
    });
    let r = one_v(v);
    assert_eq!(r.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(r.response_content.as_deref(), Some("hello"));
    assert_eq!(
        js(&r.response_tool_calls),
        json!([{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}])
    );
    assert_eq!(r.prompt_tokens, Some(10));
    assert_eq!(r.completion_tokens, Some(2));
    let m = meta(&r);
    assert_eq!(m["response.id"], json!("chatcmpl-1"));
    assert_eq!(m["response.object"], json!("chat.completion"));
    assert_eq!(m["response.created"], json!(1732096800));
    assert_eq!(m["response.system_fingerprint"], json!("fp_1"));
    assert_eq!(m["response.finish_reason"], json!("tool_calls"));
    assert_eq!(m["response.usage.total_tokens"], json!(12));
    assert_eq!(
        m["response.usage.prompt_tokens_details"],
        json!({"cached_tokens": 0})
    );
    assert_eq!(
        m["response.extra_choices"][0]["message"]["content"],
        json!("alt")
    );
    assert!(!m.contains_key("response.refusal"));
    assert!(!m.contains_key("response.logprobs"));
    assert!(!m.contains_key("response.model"));
}

#[test]
fn response_model_and_usage_precedence() {
    let v = json!({
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "usage": {"input_tokens": 5, "output_tokens": 6},
        "response": {"model": "gpt-4o-2024-08-06", "choices": [], "usage": {"prompt_tokens": 99, "completion_tokens": 6}}
    });
    let r = one_v(v);
    assert_eq!(r.model.as_deref(), Some("gpt-4o"));
    assert_eq!(r.prompt_tokens, Some(5));
    assert_eq!(r.completion_tokens, Some(6));
    let m = meta(&r);
    assert_eq!(m["response.model"], json!("gpt-4o-2024-08-06"));
    assert_eq!(m["response.usage.prompt_tokens"], json!(99));
    assert!(!m.contains_key("response.usage.completion_tokens"));
    assert_eq!(r.response_content, None);
}

#[test]
fn response_simple_variants() {
    let r = one_v(with(base(), "response", json!("just text")));
    assert_eq!(r.response_content.as_deref(), Some("just text"));

    let r = one_v(with(
        base(),
        "response",
        json!({"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "finish_reason": "stop", "refusal": null}),
    ));
    assert_eq!(r.response_content.as_deref(), Some("a\nb"));
    assert_eq!(meta(&r)["response.finish_reason"], json!("stop"));

    let r = one_v(with(
        base(),
        "response",
        json!({"function_call": {"name": "f", "arguments": "{\"a\":1}"}}),
    ));
    assert_eq!(
        js(&r.response_tool_calls),
        json!([{"type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}])
    );

    let r = one_v(with(
        base(),
        "response",
        json!({"choices": [{"text": "legacy completion", "index": 0}]}),
    ));
    assert_eq!(r.response_content.as_deref(), Some("legacy completion"));

    let r = one_v(with(base(), "response", Value::Null));
    assert_eq!(r.response_content, None);

    // A flattened completion: `choices` at the top level.
    let r = one_v(with(
        base(),
        "choices",
        json!([{"message": {"content": "flat"}, "finish_reason": "stop"}]),
    ));
    assert_eq!(r.response_content.as_deref(), Some("flat"));
    assert_eq!(meta(&r)["response.finish_reason"], json!("stop"));

    let e = err_v(with(base(), "response", json!([1])));
    assert_eq!(e.detail, "response: expected object or string, found array");
    let e = err_v(with(
        base(),
        "response",
        json!({"choices": [{"message": {"content": 1}}]}),
    ));
    assert_eq!(e.detail, "response.choices[0].message.content: expected string, array of parts or null, found number");
    let e = err_v(with(base(), "response", json!({"choices": "x"})));
    assert_eq!(e.detail, "response.choices: expected array, found string");
}

// ----- usage, latency, status, error ------------------------------------

#[test]
fn usage_variants() {
    let r = one_v(with(
        base(),
        "usage",
        json!({"input_tokens": 812, "output_tokens": 64, "cache_read_input_tokens": 5}),
    ));
    assert_eq!(
        (r.prompt_tokens, r.completion_tokens),
        (Some(812), Some(64))
    );
    assert_eq!(meta(&r)["usage.cache_read_input_tokens"], json!(5));

    let r = one_v(with(
        base(),
        "usage",
        json!({"prompt_tokens": 812.0, "completion_tokens": "64", "total_tokens": 876}),
    ));
    assert_eq!(
        (r.prompt_tokens, r.completion_tokens),
        (Some(812), Some(64))
    );
    assert_eq!(meta(&r)["usage.total_tokens"], json!(876));

    let r = one_v(with(base(), "usage", json!({"prompt_tokens": null})));
    assert_eq!(r.prompt_tokens, None);

    let e = err_v(with(base(), "usage", json!({"prompt_tokens": 1.5})));
    assert_eq!(
        e.detail,
        "usage.prompt_tokens: expected integer, found non-integer or out-of-range number"
    );
    let e = err_v(with(base(), "usage", json!({"output_tokens": "many"})));
    assert_eq!(
        e.detail,
        "usage.output_tokens: expected integer, found non-numeric string"
    );
    let e = err_v(with(base(), "usage", json!([1, 2])));
    assert_eq!(e.detail, "usage: expected object, found array");
}

#[test]
fn latency_variants() {
    assert_eq!(
        one_v(with(base(), "latency_ms", json!(12.5))).latency_ms,
        Some(12.5)
    );
    assert_eq!(
        one_v(with(base(), "latency_ms", json!("930"))).latency_ms,
        Some(930.0)
    );
    assert_eq!(
        one_v(with(base(), "latency_ms", Value::Null)).latency_ms,
        None
    );
    let e = err_v(with(base(), "latency_ms", json!({"ms": 1})));
    assert_eq!(e.detail, "latency_ms: expected number, found object");
}

#[test]
fn status_and_error() {
    assert_eq!(one_v(base()).status, "ok");

    let r = one_v(with(base(), "error", json!("rate limited")));
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("error", Some("rate limited"))
    );

    let r = one_v(with(
        base(),
        "error",
        json!({"message": "context too long", "type": "invalid_request_error", "code": 400, "param": null}),
    ));
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("error", Some("context too long"))
    );
    let m = meta(&r);
    assert_eq!(m["error.type"], json!("invalid_request_error"));
    assert_eq!(m["error.code"], json!(400));
    assert!(!m.contains_key("error.param"));

    let r = one_v(with(base(), "error", json!({"code": 500})));
    assert_eq!(r.error.as_deref(), Some("{\"code\":500}"));
    assert_eq!(r.status, "error");

    let r = one_v(with(base(), "error", Value::Null));
    assert_eq!((r.status.as_str(), r.error.as_deref()), ("ok", None));

    let r = one_v(with(
        with(base(), "status", json!("timeout")),
        "error",
        json!("deadline"),
    ));
    assert_eq!(
        (r.status.as_str(), r.error.as_deref()),
        ("timeout", Some("deadline"))
    );

    let r = one_v(with(base(), "status", json!(429)));
    assert_eq!(r.status, "429");

    let e = err_v(with(base(), "status", json!(["ok"])));
    assert_eq!(e.detail, "status: expected string, found array");
}

// ----- metadata ---------------------------------------------------------

#[test]
fn unknown_fields_go_to_metadata_in_order() {
    let v = json!({
        "zeta": 1, "messages": [{"role": "user", "content": "x", "audio": null, "annotations": [1], "refusal": "r"}],
        "alpha": {"nested": [1, 2]}, "session": null,
        "response": {"content": "y", "service_tier": "default", "annotations": null}
    });
    let r = one_v(v);
    assert_eq!(
        r.metadata.as_deref(),
        Some(
            r#"{"zeta":1,"alpha":{"nested":[1,2]},"session":null,"messages[0].annotations":[1],"messages[0].refusal":"r","response.service_tier":"default"}"#
        )
    );
}

#[test]
fn ids_accept_numbers() {
    let r = one_v(with(
        with(base(), "trace_id", json!(123)),
        "span_id",
        json!(""),
    ));
    assert_eq!(r.trace_id.as_deref(), Some("123"));
    assert_eq!(r.span_id, None);
    let e = err_v(with(base(), "trace_id", json!({"a": 1})));
    assert_eq!(e.detail, "trace_id: expected string, found object");
    let e = err_v(with(base(), "model", json!(4)));
    assert_eq!(e.detail, "model: expected string, found number");
    let e = err_v(with(base(), "agent", json!(true)));
    assert_eq!(e.detail, "agent: expected string, found boolean");
}

// ----- structural errors -------------------------------------------------

#[test]
fn stringified_messages_and_tools() {
    let v = json!({
        "messages": "[{\"role\":\"user\",\"content\":\"hi\"}]",
        "tools": "[{\"name\":\"f\",\"parameters\":{}}]"
    });
    let r = one_v(v);
    assert_eq!(r.messages[0].content.as_deref(), Some("hi"));
    assert_eq!(
        js(&r.tools),
        json!([{"type": "function", "function": {"name": "f", "parameters": {}}}])
    );
    let e = err_v(json!({"messages": "[{\"role\":"}));
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert!(
        e.detail
            .starts_with("messages: embedded JSON unexpected end of input"),
        "{}",
        e.detail
    );
}

#[test]
fn messages_required() {
    let e = err(r#"{"model":"gpt-4o","response":{"content":"x"}}"#);
    assert_eq!(e.reason, QuarantineReason::MissingField);
    assert_eq!(e.detail, "missing required field `messages`");
    let e = err(r#"{"messages":null,"model":"x"}"#);
    assert_eq!(e.reason, QuarantineReason::MissingField);
    let e = err(r#"{"messages":[]}"#);
    assert_eq!(e.reason, QuarantineReason::MissingField);
    assert_eq!(
        e.detail,
        "messages: expected non-empty array, found empty array"
    );
    let e = err(r#"{"messages":"hello"}"#);
    assert_eq!(e.reason, QuarantineReason::WrongType);
    assert_eq!(e.detail, "messages: expected array, found string");
    let e = err(
        r#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":7,"content":"c"}]}"#,
    );
    assert_eq!(e.reason, QuarantineReason::WrongType);
    assert_eq!(e.detail, "messages[2].role: expected string, found number");
    let e = err(r#"{"messages":[{"content":"c"}]}"#);
    assert_eq!(e.reason, QuarantineReason::MissingField);
    assert_eq!(e.detail, "missing required field `messages[0].role`");
    let e = err(r#"{"messages":["hi"]}"#);
    assert_eq!(e.detail, "messages[0]: expected object, found string");
}

#[test]
fn non_objects_are_wrong_type() {
    for (line, found) in [
        ("[1,2]", "array"),
        ("\"text\"", "string"),
        ("42", "number"),
        ("null", "null"),
        ("true", "boolean"),
    ] {
        let e = err(line);
        assert_eq!(e.reason, QuarantineReason::WrongType, "{line}");
        assert_eq!(e.detail, format!("line: expected object, found {found}"));
    }
}

#[test]
fn malformed_json() {
    let e = err(r#"{"messages": [{"role": "user", "content": "hi"}"#);
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert!(
        e.detail.starts_with("unexpected end of input at column"),
        "{}",
        e.detail
    );
    let e = err(r#"{"messages": [{"role": "user" "content": "hi"}]}"#);
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert_eq!(e.detail, "syntax error at column 31: expected `,` or `}`");
    let e = err(r#"{"a": 1} {"b": 2}"#);
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert!(e.detail.ends_with("trailing characters"), "{}", e.detail);
    let e = err("{\"messages\": \"a\tb\"}");
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    let e = err("{'messages': []}");
    assert_eq!(e.reason, QuarantineReason::MalformedJson);
    assert_eq!(e.detail, "syntax error at column 2: key must be a string");
}

#[test]
fn unknown_format() {
    let e = err(r#"{"hello": "world"}"#);
    assert_eq!(e.reason, QuarantineReason::UnknownFormat);
    let e = err(r#"{}"#);
    assert_eq!(e.reason, QuarantineReason::UnknownFormat);
    let e = err(r#"{"resourceLogs": []}"#);
    assert_eq!(e.reason, QuarantineReason::UnknownFormat);
    assert!(e.detail.contains("resourceSpans"));
}

fn nested(depth: usize, open: &str, close: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()));
    for _ in 0..depth {
        s.push_str(open);
    }
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Run on a small stack so that an unbounded recursion would show.
    let h = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let arrays = nested(10_000, "[", "]");
            let e = err(&arrays);
            assert_eq!(e.reason, QuarantineReason::TooDeep);
            assert!(
                e.detail.starts_with("nesting deeper than 128 levels"),
                "{}",
                e.detail
            );

            let objects = nested(10_000, "{\"a\":", "}");
            assert_eq!(err(&objects).reason, QuarantineReason::TooDeep);

            // Deep inside a valid-looking call.
            let line = format!(
                r#"{{"messages":[{{"role":"user","content":{}}}]}}"#,
                nested(5_000, "[", "]")
            );
            assert_eq!(err(&line).reason, QuarantineReason::TooDeep);

            // Unclosed: still TooDeep (the limit is hit first).
            let open = "[".repeat(100_000);
            assert_eq!(err(&open).reason, QuarantineReason::TooDeep);

            // Deep JSON inside an OTLP string attribute.
            let inner = nested(5_000, "[", "]");
            let line = otlp_line(vec![attr_s("gen_ai.input.messages", &inner)], vec![]);
            let e = err(&line);
            assert_eq!(e.reason, QuarantineReason::TooDeep);
            assert!(
                e.detail.contains(
                    "attributes[gen_ai.input.messages]: embedded JSON nesting deeper"
                ),
                "{}",
                e.detail
            );

            // Deep OTLP AnyValue nesting (kvlist in kvlist ...).
            let mut any = json!({"stringValue": "x"});
            for _ in 0..40 {
                any = json!({"kvlistValue": {"values": [{"key": "k", "value": any}]}});
            }
            let line = otlp_line(
                vec![
                    attr_s("gen_ai.request.model", "m"),
                    json!({"key": "deep", "value": any}),
                ],
                vec![],
            );
            let e = err(&line);
            assert_eq!(e.reason, QuarantineReason::TooDeep);

            // Just under the limit parses.
            let ok = format!(
                r#"{{"messages":[{{"role":"user","content":"x"}}],"x":{}}}"#,
                nested(120, "[", "]")
            );
            assert!(parse_line(&ok).is_ok());
        })
        .unwrap();
    h.join().unwrap();
}

/// A value that must never appear in an error detail.
const CANARY: &str = "CANARY-jane.doe@example.com-4111111111111111";

#[test]
fn error_details_never_quote_the_input() {
    let c = CANARY;
    let cj = json!(c);
    let mut lines: Vec<String> = vec![
        // Malformed JSON of many kinds, with the canary around the fault.
        format!(r#"{{"messages": [{{"role": "user", "content": "{c}" "x"}}]}}"#),
        format!(r#"{{"messages": [{{"role": "user", "content": "{c}"#),
        format!(r#"{{"messages": "{c}\q"}}"#),
        format!("{{\"messages\": \"{c}\u{1}\"}}"),
        format!(r#"{{"{c}": 1}} {c}"#),
        format!(r#"{{"a": {c}}}"#),
        format!(r#"{{"a": 1e999999, "b": "{c}"}}"#),
        format!(r#"{{"a": "\ud800{c}"}}"#),
        format!(r#"{{{c}: 1}}"#),
        format!(r#"["{c}",]"#),
        format!("{c}"),
        format!("\"{c}\""),
        format!("{}\"{c}\"", "[".repeat(500)),
        format!(
            r#"{{"messages": [{{"role": "user", "content": "{c}"}}], "x": {}"#,
            "{\"a\":".repeat(300)
        ),
    ];
    let values: Vec<Value> = vec![
        json!({"messages": [{"role": c, "content": c}], "model": {"name": c}}),
        json!({"messages": [{"role": 1, "content": c}]}),
        json!({"messages": [{"role": "user", "content": {"x": c}}], "ts": c}),
        json!({"messages": [{"role": "user", "content": c}], "timestamp": c}),
        json!({"messages": [{"role": "user", "content": 7}], "agent": c}),
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": 5, "x": c}]}]}),
        json!({"messages": [{"role": "user", "content": c}], "usage": {"prompt_tokens": c}}),
        json!({"messages": [{"role": "user", "content": c}], "usage": {"completion_tokens": 1.5, "x": c}}),
        json!({"messages": [{"role": "user", "content": c}], "latency_ms": c}),
        json!({"messages": [{"role": "user", "content": c}], "latency_ms": [c]}),
        json!({"messages": [{"role": "user", "content": c}], "status": {"s": c}}),
        json!({"messages": [{"role": "user", "content": c}], "response": [c]}),
        json!({"messages": [{"role": "user", "content": c}], "response": {"choices": [{"message": {"tool_calls": [{"function": {"name": [c]}}]}}]}}),
        json!({"messages": [{"role": "user", "tool_calls": [c]}]}),
        json!({"messages": [{"role": "user", "content": c}], "tools": c}),
        json!({"messages": c}),
        json!({"messages": [c]}),
        json!({"messages": [], "model": c}),
        json!({"model": c}),
        json!({c: c}),
        json!({"resourceLogs": c, c: c}),
        json!({"resourceSpans": c}),
        json!({"resourceSpans": [{"scopeSpans": [{"spans": [c]}]}]}),
        json!({"resourceSpans": [{"resource": {"attributes": [{"value": {"stringValue": c}}]}}]}),
        json!({"resourceSpans": [{"resource": {"attributes": [{"key": c, "value": {"intValue": c}}]}}]}),
        json!({"resourceSpans": [{"resource": {"attributes": [{"key": c, "value": {"doubleValue": c}}]}}]}),
        json!({"resourceSpans": [{"resource": {"attributes": [{"key": c, "value": {"boolValue": c}}]}}]}),
    ];
    lines.extend(values.iter().map(Value::to_string));
    // OTLP spans with bad embedded JSON / wrong types carrying the canary.
    let span_attrs: Vec<Vec<Value>> = vec![
        vec![attr_s(
            "gen_ai.output.messages",
            &format!("{}\"{c}\"", "[".repeat(300)),
        )],
        vec![attr_s("gen_ai.input.messages", &format!("[{{\"role\":\"user\",\"parts\":[{{\"type\":\"text\",\"content\":\"{c}\"}}]"))],
        vec![attr_s("gen_ai.input.messages", &format!("[{{\"role\":7,\"parts\":\"{c}\"}}]"))],
        vec![attr_s("gen_ai.input.messages", &format!("{{\"x\":\"{c}\"}}"))],
        vec![attr_s("gen_ai.output.messages", &format!("[{{\"role\":\"assistant\",\"parts\":[{{\"type\":\"text\",\"content\":{cj}}}],}}]"))],
        vec![attr_s("gen_ai.tool.definitions", &format!("[\"{c}\"]"))],
        vec![attr_s("gen_ai.system_instructions", &format!("[{{\"type\":\"text\",\"content\":\"{c}\"}}"))],
        vec![attr_s("gen_ai.request.model", "m"), json!({"key": "gen_ai.usage.input_tokens", "value": {"stringValue": c}})],
        vec![attr_s("gen_ai.request.model", "m"), json!({"key": "gen_ai.usage.input_tokens", "value": {"intValue": c}})],
        vec![json!({"key": "gen_ai.request.model", "value": {"intValue": 3}}), attr_s("x", c)],
    ];
    for attrs in span_attrs {
        lines.push(otlp_line(attrs, vec![]));
    }
    lines.push(otlp_line(
        vec![attr_s("gen_ai.request.model", "m")],
        vec![json!({"name": "gen_ai.user.message", "attributes": [{"key": "content", "value": {"intValue": c}}]})],
    ));
    lines.push(otlp_line(
        vec![attr_s("gen_ai.request.model", "m")],
        vec![json!({"name": "gen_ai.choice", "attributes": [attr_s("message", &format!("{{\"content\": \"{c}\""))]})],
    ));
    lines.push(otlp_line(
        vec![attr_s("gen_ai.request.model", "m")],
        vec![json!({"name": "gen_ai.content.prompt", "attributes": [attr_s("gen_ai.prompt", &format!("[{{\"content\": \"{c}\"}}]"))]})],
    ));
    let mut n = 0;
    let mut reasons = std::collections::BTreeSet::new();
    for line in &lines {
        let e = match parse_line(line) {
            Ok(p) => panic!("expected an error for {line}, got {p:?}"),
            Err(e) => e,
        };
        n += 1;
        reasons.insert(e.reason);
        for shown in [e.detail.clone(), e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains("CANARY"), "canary leaked: {shown}");
            assert!(!shown.contains("jane"), "canary leaked: {shown}");
            assert!(!shown.contains("4111"), "canary leaked: {shown}");
        }
    }
    assert!(n >= 45, "{n} bad lines checked");
    use QuarantineReason::*;
    let want = [
        MalformedJson,
        WrongType,
        MissingField,
        UnknownFormat,
        TooDeep,
    ];
    assert_eq!(
        reasons,
        want.into_iter().collect(),
        "every reason parse_line gives is covered"
    );
}

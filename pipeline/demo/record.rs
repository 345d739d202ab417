//! One call in the OpenAI-style JSON Lines input format.

use std::io::Write as _;

use super::json::{esc, key, kn, kv, string};
use super::{Call, Envelope, Msg, ToolCall};

/// `HH:MM:SS.mmm` of a millisecond-of-day, appended to `out`.
pub(crate) fn push_time(out: &mut Vec<u8>, ms_of_day: u64) {
    let s = ms_of_day / 1000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms_of_day % 1000
    );
}

pub(crate) fn write_tool_calls(out: &mut Vec<u8>, calls: &[ToolCall]) {
    out.push(b'[');
    for (i, tc) in calls.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        kv(out, "id", &tc.id);
        out.push(b',');
        kv(out, "type", "function");
        out.extend_from_slice(b",\"function\":{");
        kv(out, "name", tc.name);
        out.push(b',');
        kv(out, "arguments", &tc.arguments);
        out.extend_from_slice(b"}}");
    }
    out.push(b']');
}

fn write_msg(out: &mut Vec<u8>, m: &Msg) {
    out.push(b'{');
    kv(out, "role", m.role);
    out.push(b',');
    key(out, "content");
    match &m.content {
        Some(c) => string(out, c),
        None => out.extend_from_slice(b"null"),
    }
    if !m.tool_calls.is_empty() {
        out.push(b',');
        key(out, "tool_calls");
        write_tool_calls(out, &m.tool_calls);
    }
    if let Some(id) = &m.tool_call_id {
        out.push(b',');
        kv(out, "tool_call_id", id);
    }
    out.push(b'}');
}

/// Serialises `call` as one line (with the trailing `\n`).
pub(crate) fn write_line(out: &mut Vec<u8>, call: &Call, env: &Envelope) {
    out.push(b'{');
    kv(out, "trace_id", &env.trace_id);
    out.push(b',');
    kv(out, "span_id", &env.span_id);
    out.extend_from_slice(b",\"ts\":\"");
    out.extend_from_slice(env.date_iso.as_bytes());
    out.push(b'T');
    push_time(out, env.ms_of_day);
    out.extend_from_slice(b"Z\",");
    kv(out, "agent", env.agent);
    out.push(b',');
    kv(out, "model", env.model);
    out.extend_from_slice(b",\"messages\":[");
    for (i, m) in call.messages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_msg(out, m);
    }
    out.push(b']');
    if let Some(t) = call.tools {
        out.extend_from_slice(b",\"tools\":");
        out.extend_from_slice(t.as_bytes());
    }
    match &env.error {
        None => {
            out.extend_from_slice(b",\"response\":{");
            key(out, "content");
            match &call.content {
                Some(c) => string(out, c),
                None => out.extend_from_slice(b"null"),
            }
            if !call.tool_calls.is_empty() {
                out.push(b',');
                key(out, "tool_calls");
                write_tool_calls(out, &call.tool_calls);
            }
            out.push(b',');
            kv(
                out,
                "finish_reason",
                if call.tool_calls.is_empty() {
                    "stop"
                } else {
                    "tool_calls"
                },
            );
            out.extend_from_slice(b"},\"usage\":{");
            kn(out, "prompt_tokens", env.prompt_tokens);
            out.push(b',');
            kn(out, "completion_tokens", env.completion_tokens);
            out.push(b',');
            kn(
                out,
                "total_tokens",
                env.prompt_tokens + env.completion_tokens,
            );
            out.extend_from_slice(b"},");
            kn(out, "latency_ms", env.latency_ms);
            out.push(b',');
            kv(out, "status", "ok");
        }
        Some(e) => {
            out.push(b',');
            kn(out, "latency_ms", env.latency_ms);
            out.push(b',');
            kv(out, "status", "error");
            out.push(b',');
            key(out, "error");
            out.push(b'"');
            esc(out, e);
            out.push(b'"');
        }
    }
    for m in &call.meta {
        out.push(b',');
        key(out, m.key);
        out.extend_from_slice(m.json.as_bytes());
    }
    out.extend_from_slice(b"}\n");
}

//! Malformed lines planted with `faults: true` (truncated JSON, wrong types,
//! missing `messages`, invalid UTF-8, a JSON array, an over-long line and a
//! truncated OTLP request). Several carry PII: quarantine must not leak it.

use super::pii::{Kind, Place};
use super::{envelope, json, make_call, otel, record, Agent, Gen, Msg, Task};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fault {
    TruncatedJson,
    MessagesNumber,
    MissingMessages,
    InvalidUtf8,
    JsonArray,
    OverLong,
    TruncatedOtlp,
}

/// The planted malformed lines and the stream each goes to.
pub(super) const FAULTS: &[(Fault, Agent)] = &[
    (Fault::TruncatedJson, Agent::MetaGpt),
    (Fault::MessagesNumber, Agent::Workflow),
    (Fault::MissingMessages, Agent::Operator),
    (Fault::InvalidUtf8, Agent::Cradle),
    (Fault::JsonArray, Agent::MetaGpt),
    (Fault::OverLong, Agent::Workflow),
    (Fault::TruncatedOtlp, Agent::Otel),
    (Fault::InvalidUtf8, Agent::Workflow),
    (Fault::TruncatedJson, Agent::Operator),
];

/// Writes one malformed line (with `\n`) for `fault` into `line`.
pub(super) fn fault_line(
    g: &mut Gen,
    fault: Fault,
    agent: Agent,
    date_iso: &str,
    day_ns: u64,
    line: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    let task = match agent {
        Agent::MetaGpt => Task::EngineerCode,
        Agent::Operator | Agent::Cradle => Task::GuiAutomation,
        _ => Task::Summarization,
    };
    let ms = g.range(0, 86_399_999);
    // A PII value in the user message: quarantine must not leak it.
    let with_pii = matches!(
        fault,
        Fault::TruncatedJson | Fault::InvalidUtf8 | Fault::TruncatedOtlp
    );
    g.begin_call(false);
    if with_pii {
        g.plan = Some((
            Place::User,
            if fault == Fault::InvalidUtf8 {
                Kind::Phone
            } else {
                Kind::Email
            },
        ));
    }
    let mut call = make_call(g, task, agent);
    if fault == Fault::OverLong {
        let mut log = String::with_capacity(2_300_000);
        let mut k = 0u64;
        while log.len() < 2_200_000 {
            k += 1;
            log.push_str(&format!(
                "{date_iso}T{:02}:{:02}:{:02}Z INFO worker-{} handled GET /api/v1/items/{} in {}ms\n",
                (k / 3600) % 24,
                (k / 60) % 60,
                k % 60,
                k % 16,
                k * 7919 % 100_000,
                k % 97
            ));
        }
        if let Some(Msg {
            content: Some(c), ..
        }) = call.messages.iter_mut().rev().find(|m| m.role == "user")
        {
            c.push_str("\n\nFull log:\n");
            c.push_str(&log);
        }
    }
    let trace_id = g.hex(16);
    let env = envelope(g, &call, agent, trace_id, date_iso, ms);
    match fault {
        Fault::TruncatedJson | Fault::InvalidUtf8 => {
            record::write_line(line, &call, &env);
            let at = after_planted(&g.planted, line);
            if fault == Fault::TruncatedJson {
                let mut cut = (at + 40).min(line.len() - 10);
                while line[cut] & 0xC0 == 0x80 {
                    cut -= 1; // keep the truncated line valid UTF-8
                }
                line.truncate(cut);
                line.push(b'\n');
            } else {
                // Latin-1 bytes and a lone continuation byte inside the string.
                let bad: &[u8] = &[b' ', 0xE9, b't', 0xE9, b' ', 0xFF, 0xFE, 0x80];
                line.splice(at..at, bad.iter().copied());
            }
        }
        Fault::MessagesNumber => {
            line.extend_from_slice(b"{");
            json::kv(line, "trace_id", &env.trace_id);
            line.push(b',');
            json::kv(line, "span_id", &env.span_id);
            line.extend_from_slice(format!(",\"ts\":\"{date_iso}T").as_bytes());
            record::push_time(line, ms);
            line.extend_from_slice(b"Z\",");
            json::kv(line, "agent", env.agent);
            line.extend_from_slice(
                format!(
                    ",\"model\":\"{}\",\"messages\":{},",
                    env.model,
                    call.messages.len()
                )
                .as_bytes(),
            );
            line.extend_from_slice(b"\"response\":{\"content\":\"Done.\"},\"status\":\"ok\"}\n");
        }
        Fault::MissingMessages => {
            // A legacy completion-style record: `prompt` instead of `messages`.
            let prompt = call
                .messages
                .iter()
                .filter_map(|m| m.content.as_deref())
                .collect::<Vec<_>>()
                .join("\n\n");
            call.messages.clear();
            scratch.clear();
            record::write_line(scratch, &call, &env);
            let s = String::from_utf8(scratch.clone()).expect("UTF-8");
            line.extend_from_slice(
                s.replacen(
                    "\"messages\":[],",
                    &format!("\"prompt\":{},", json::quote(&prompt)),
                    1,
                )
                .as_bytes(),
            );
        }
        Fault::JsonArray => {
            line.push(b'[');
            record::write_line(line, &call, &env);
            line.pop();
            line.extend_from_slice(b"]\n");
        }
        Fault::OverLong => record::write_line(line, &call, &env),
        Fault::TruncatedOtlp => {
            scratch.clear();
            let start = day_ns + ms * 1_000_000;
            let mut spans = Vec::new();
            let mut tmp = Vec::new();
            otel::write_span(&mut spans, &call, &env, start, &mut tmp);
            otel::write_request(scratch, "support-copilot", &spans, &[]);
            let at = after_planted(&g.planted, scratch);
            let mut cut = (at + 30).min(scratch.len() - 10);
            while scratch[cut] & 0xC0 == 0x80 {
                cut -= 1;
            }
            line.extend_from_slice(&scratch[..cut]);
            line.push(b'\n');
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The offset just past the last-ending first occurrence of the planted values.
fn after_planted(planted: &[String], line: &[u8]) -> usize {
    planted
        .iter()
        .map(|v| find(line, v.as_bytes()).expect("planted value in line") + v.len())
        .max()
        .expect("the fault call carries PII")
}

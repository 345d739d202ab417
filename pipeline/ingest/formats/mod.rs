//! Parsers for one line of an agent call log.
//!
//! [`parse_line`] turns one line (already known to be valid UTF-8) into zero or
//! more [`CallRecord`]s. Two formats are auto-detected per line:
//!
//! * **OpenAI chat** (`SourceFormat::OpenAiChat`): one JSON object per call with
//!   a `messages` array (see DESIGN.md, "Input: agent call logs"), including
//!   the variants real logs have (content as parts, chat-completion objects as
//!   `response`, `input_tokens`/`output_tokens`, epoch timestamps, ...).
//! * **OpenTelemetry GenAI spans as OTLP/JSON** (`SourceFormat::OtelGenAi`): an
//!   `ExportTraceServiceRequest` (`{"resourceSpans": [...]}`); every span with a
//!   `gen_ai.*` attribute that is a model call becomes one record. Both
//!   generations of the semantic conventions are read (message events and
//!   `gen_ai.input.messages`/`gen_ai.output.messages` attributes), as are the
//!   indexed `gen_ai.prompt.N.*` attributes of OpenLLMetry.
//!
//! Mapping decisions (both formats):
//!
//! * Tool calls are normalised to the OpenAI shape
//!   `{"id","type":"function","function":{"name","arguments":"<json text>"}}`
//!   (structured arguments are serialized, missing ones are `{}`, `id` is
//!   left out when the log has none); tool definitions to
//!   `{"type":"function","function":{..}}` (flat and Anthropic-style
//!   definitions are wrapped, built-in tools kept as they are).
//! * Content parts are joined with "\n"; media parts become `[image]`,
//!   `[audio]`, `[video]`, `[file]`, other non-text parts `[<type>]`.
//! * `metadata` keys: unknown top-level fields under their own name; unknown
//!   fields of messages as `messages[i].<k>`, of the response as
//!   `response.<k>` (e.g. `response.system_fingerprint`,
//!   `response.finish_reason`), of usage as `usage.<k>` /
//!   `response.usage.<k>`, of an error object as `error.<k>`; a response
//!   model that differs from the request model as `response.model`; choices
//!   after the first as `response.extra_choices`. Null-valued unknown fields
//!   below the top level are dropped.
//! * OTLP: span attributes not mapped keep their key; resource attributes are
//!   `resource.<k>`, scope fields `scope.name`, `scope.version`,
//!   `scope.<k>`; span fields `span.name`, `span.kind`,
//!   `span.parent_span_id`, ...; events that are not GenAI messages
//!   `span.events`; `gen_ai.system` is stored as `gen_ai.provider.name`.
//!   Spans of `gen_ai.operation.name` `execute_tool`, `create_agent` and
//!   `invoke_agent` are not model calls and are skipped (counted). A model
//!   span with no captured content gives a record with no messages.
//!
//! Errors never quote the input: a [`ParseError`]'s `detail` holds only a JSON
//! path made of field names known to this module and array indices, plus JSON
//! *types* and column numbers, because the line may hold PII.
//!
//! Nesting depth is bounded by serde_json's recursion limit (128) for the line
//! and for every JSON string embedded in it, so every recursive walk here is
//! bounded too: a deeply nested line is a `TooDeep` error, not a stack overflow.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Number, Value};

mod content;
mod openai;
mod otel;
mod otel_messages;
mod values;

use content::*;
use openai::*;
use otel::*;
use otel_messages::*;
use values::*;

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// Which input format a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    OpenAiChat,
    OtelGenAi,
}

impl SourceFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceFormat::OpenAiChat => "openai_chat",
            SourceFormat::OtelGenAi => "otel_genai",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of the prompt (conversation history), in OpenAI chat shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    pub role: String,
    pub content: Option<String>,
    pub name: Option<String>,
    pub tool_call_id: Option<String>,
    /// JSON array text, OpenAI shape:
    /// `[{"id","type":"function","function":{"name","arguments":"<json text>"}}]`.
    pub tool_calls: Option<String>,
}

/// One LLM call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    /// UTC microseconds since the Unix epoch.
    pub ts_micros: Option<i64>,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub messages: Vec<Message>,
    /// JSON array text of tool definitions in OpenAI shape
    /// (`[{"type":"function","function":{"name","description","parameters"}}]`).
    pub tools: Option<String>,
    pub response_content: Option<String>,
    /// JSON array text, OpenAI shape:
    /// `[{"id","type":"function","function":{"name","arguments":"<json text>"}}]`.
    pub response_tool_calls: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub latency_ms: Option<f64>,
    /// `"ok"`, `"error"`, or the log's own status string.
    pub status: String,
    pub error: Option<String>,
    /// JSON object text of the fields not understood; `None` if there are none.
    pub metadata: Option<String>,
    pub format: SourceFormat,
}

impl CallRecord {
    fn empty(format: SourceFormat) -> Self {
        CallRecord {
            trace_id: None,
            span_id: None,
            ts_micros: None,
            agent: None,
            model: None,
            messages: Vec::new(),
            tools: None,
            response_content: None,
            response_tool_calls: None,
            prompt_tokens: None,
            completion_tokens: None,
            latency_ms: None,
            status: String::new(),
            error: None,
            metadata: None,
            format,
        }
    }
}

/// Why a line went to quarantine.
///
/// `InvalidUtf8`, `LineTooLong` and `CorruptObject` are decided by the reader
/// before a line reaches [`parse_line`]; they live here so that every
/// quarantine reason has one spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QuarantineReason {
    MalformedJson,
    WrongType,
    MissingField,
    InvalidUtf8,
    LineTooLong,
    CorruptObject,
    UnknownFormat,
    TooDeep,
}

impl QuarantineReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            QuarantineReason::MalformedJson => "malformed_json",
            QuarantineReason::WrongType => "wrong_type",
            QuarantineReason::MissingField => "missing_field",
            QuarantineReason::InvalidUtf8 => "invalid_utf8",
            QuarantineReason::LineTooLong => "line_too_long",
            QuarantineReason::CorruptObject => "corrupt_object",
            QuarantineReason::UnknownFormat => "unknown_format",
            QuarantineReason::TooDeep => "too_deep",
        }
    }
}

impl fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line that cannot be turned into records. `detail` never contains text
/// from the line's values: only a JSON path, JSON types and positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub reason: QuarantineReason,
    pub detail: String,
}

impl ParseError {
    pub fn new(reason: QuarantineReason, detail: impl Into<String>) -> Self {
        ParseError {
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.as_str(), self.detail)
    }
}

impl std::error::Error for ParseError {}

/// The records of one line. `skipped_spans` counts OTLP spans that are not
/// model calls (no `gen_ai.*` attribute, or a GenAI tool/agent span).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedLine {
    pub records: Vec<CallRecord>,
    pub skipped_spans: u64,
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/// Parses one log line into call records.
///
/// One `serde_json::Value` parse per line; strings are moved out of it into
/// the record, never copied again. (A typed, borrowing fast path measured
/// about a third faster on the parse alone, which did not pay for a second
/// implementation of every rule; `bench_parse_line` prints the bare Value
/// parse next to this function for comparison.)
///
/// A line of only whitespace gives `Ok` with no records. A leading UTF-8 BOM
/// and a trailing `\r` are ignored.
pub fn parse_line(line: &str) -> Result<ParsedLine, ParseError> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if line.trim_start().is_empty() {
        return Ok(ParsedLine::default());
    }
    let value: Value = serde_json::from_str(line).map_err(|e| json_error(&e, None))?;
    let obj = match value {
        Value::Object(o) => o,
        other => {
            return Err(ParseError::new(
                QuarantineReason::WrongType,
                format!("line: expected object, found {}", jtype(&other)),
            ))
        }
    };
    if obj.contains_key("resourceSpans") || obj.contains_key("resource_spans") {
        return parse_otel(obj);
    }
    if obj.contains_key("messages") || OPENAI_HINT_KEYS.iter().any(|k| obj.contains_key(*k)) {
        let rec = parse_openai(obj)?;
        return Ok(ParsedLine {
            records: vec![rec],
            skipped_spans: 0,
        });
    }
    if OTLP_OTHER_SIGNALS.iter().any(|k| obj.contains_key(*k)) {
        return Err(ParseError::new(
            QuarantineReason::UnknownFormat,
            "OTLP/JSON logs or metrics export: only traces (`resourceSpans`) are read",
        ));
    }
    Err(ParseError::new(
        QuarantineReason::UnknownFormat,
        "object has neither `messages` (OpenAI chat call) nor `resourceSpans` (OTLP/JSON traces)",
    ))
}

/// Top-level keys that mark a line as an (incomplete) OpenAI chat call, so a
/// line without `messages` is reported as a missing field, not as unknown.
const OPENAI_HINT_KEYS: &[&str] = &[
    "trace_id",
    "span_id",
    "ts",
    "timestamp",
    "agent",
    "model",
    "tools",
    "response",
    "usage",
    "latency_ms",
    "choices",
];

const OTLP_OTHER_SIGNALS: &[&str] = &[
    "resourceLogs",
    "resource_logs",
    "resourceMetrics",
    "resource_metrics",
];

#[cfg(test)]
mod tests;

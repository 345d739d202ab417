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

// ---------------------------------------------------------------------------
// Errors and JSON paths (never quoting input text)
// ---------------------------------------------------------------------------

/// One step of a JSON path. Keys are always names known to this module, never
/// keys read from the input.
#[derive(Clone, Copy)]
enum Seg {
    Key(&'static str),
    Idx(usize),
    /// An OTLP attribute recognised by name: rendered `[name]`.
    Attr(&'static str),
}

/// A JSON path as a linked list on the stack: free to build, rendered only
/// when an error is reported.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Node(&'a Path<'a>, Seg),
}

impl<'a> Path<'a> {
    fn key(&'a self, k: &'static str) -> Path<'a> {
        Path::Node(self, Seg::Key(k))
    }
    fn idx(&'a self, i: usize) -> Path<'a> {
        Path::Node(self, Seg::Idx(i))
    }
    fn attr(&'a self, k: &'static str) -> Path<'a> {
        Path::Node(self, Seg::Attr(k))
    }
    fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = self;
        while let Path::Node(parent, seg) = cur {
            segs.push(*seg);
            cur = parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Idx(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                Seg::Attr(k) => {
                    out.push('[');
                    out.push_str(k);
                    out.push(']');
                }
            }
        }
        if out.is_empty() {
            out.push_str("line");
        }
        out
    }
}

fn jtype(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(path: &Path, expected: &str, found: &Value) -> ParseError {
    ParseError::new(
        QuarantineReason::WrongType,
        format!(
            "{}: expected {}, found {}",
            path.render(),
            expected,
            jtype(found)
        ),
    )
}

fn wrong_value(path: &Path, expected: &str, found: &str) -> ParseError {
    ParseError::new(
        QuarantineReason::WrongType,
        format!("{}: expected {}, found {}", path.render(), expected, found),
    )
}

fn missing(path: &Path) -> ParseError {
    ParseError::new(
        QuarantineReason::MissingField,
        format!("missing required field `{}`", path.render()),
    )
}

/// serde_json's syntax messages, matched against its Display text so that the
/// detail is always one of these fixed strings (never a quoted value).
const SYNTAX_MESSAGES: &[&str] = &[
    "EOF while parsing a list",
    "EOF while parsing an object",
    "EOF while parsing a string",
    "EOF while parsing a value",
    "expected `:`",
    "expected `,` or `]`",
    "expected `,` or `}`",
    "expected ident",
    "expected value",
    "expected `\"`",
    "invalid escape",
    "invalid number",
    "number out of range",
    "invalid unicode code point",
    "control character (\\u0000-\\u001F) found while parsing a string",
    "key must be a string",
    "lone leading surrogate in hex escape",
    "trailing comma",
    "trailing characters",
    "unexpected end of hex escape",
];

/// Maps a serde_json error of a whole-line (or embedded) parse to a
/// ParseError. Only the error's category, position and one of the fixed
/// syntax messages are used: its Display text can quote input values.
fn json_error(e: &serde_json::Error, embedded_at: Option<&Path>) -> ParseError {
    let text = e.to_string();
    let prefix = match embedded_at {
        Some(p) => format!("{}: embedded JSON ", p.render()),
        None => String::new(),
    };
    if text.starts_with("recursion limit exceeded") {
        return ParseError::new(
            QuarantineReason::TooDeep,
            format!(
                "{prefix}nesting deeper than 128 levels at column {}",
                e.column()
            ),
        );
    }
    let what = SYNTAX_MESSAGES
        .iter()
        .find(|m| text.starts_with(**m))
        .copied();
    let kind = match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Io => "read error",
    };
    let detail = match what {
        Some(w) => format!("{prefix}{kind} at column {}: {w}", e.column()),
        None => format!("{prefix}{kind} at column {}", e.column()),
    };
    ParseError::new(QuarantineReason::MalformedJson, detail)
}

/// Parses a JSON document held in a string value (OTLP attributes carry
/// messages that way); a non-string value is returned as it is.
fn embedded_json(v: Value, path: &Path) -> Result<Value, ParseError> {
    match v {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| json_error(&e, Some(path))),
        other => Ok(other),
    }
}

// ---------------------------------------------------------------------------
// Scalar helpers
// ---------------------------------------------------------------------------

fn opt_string(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(wrong_type(path, "string", &other)),
    }
}

/// Identifiers: strings, or integers written as numbers.
fn opt_id(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(if s.is_empty() { None } else { Some(s) }),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        other => Err(wrong_type(path, "string", &other)),
    }
}

fn number_to_i64(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.is_u64() {
        return None; // above i64::MAX
    }
    let f = n.as_f64()?;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 {
        Some(f as i64)
    } else {
        None
    }
}

/// Integers: numbers with no fractional part, or decimal strings.
fn int_value(v: &Value, path: &Path) -> Result<Option<i64>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match number_to_i64(n) {
            Some(i) => Ok(Some(i)),
            None => Err(wrong_value(
                path,
                "integer",
                "non-integer or out-of-range number",
            )),
        },
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => Ok(Some(i)),
            Err(_) => Err(wrong_value(path, "integer", "non-numeric string")),
        },
        other => Err(wrong_type(path, "integer", other)),
    }
}

fn float_value(v: &Value, path: &Path) -> Result<Option<f64>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(wrong_value(path, "number", "non-numeric string")),
        },
        other => Err(wrong_type(path, "number", other)),
    }
}

/// Unsigned 64-bit integers such as OTLP nanosecond times (strings or numbers).
fn u64_value(v: &Value, path: &Path) -> Result<Option<u64>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Ok(Some(u)),
            None => Err(wrong_value(
                path,
                "unsigned integer",
                "negative or non-integer number",
            )),
        },
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => match s.parse::<u64>() {
            Ok(u) => Ok(Some(u)),
            Err(_) => Err(wrong_value(path, "unsigned integer", "non-numeric string")),
        },
        other => Err(wrong_type(path, "unsigned integer", other)),
    }
}

fn to_json_text(v: &Value) -> String {
    // Serializing a Value cannot fail (its keys are strings).
    serde_json::to_string(v).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

/// Epoch number to microseconds, deciding the unit by magnitude: below 1e11
/// seconds (up to year 5138), below 1e14 milliseconds, below 1e17
/// microseconds, else nanoseconds.
fn epoch_int_to_micros(i: i64) -> Option<i64> {
    let a = i.unsigned_abs();
    if a < 100_000_000_000 {
        i.checked_mul(1_000_000)
    } else if a < 100_000_000_000_000 {
        i.checked_mul(1_000)
    } else if a < 100_000_000_000_000_000 {
        Some(i)
    } else {
        Some(i / 1_000)
    }
}

fn epoch_float_to_micros(f: f64) -> Option<i64> {
    if !f.is_finite() {
        return None;
    }
    let a = f.abs();
    let micros = if a < 1e11 {
        f * 1e6
    } else if a < 1e14 {
        f * 1e3
    } else if a < 1e17 {
        f
    } else {
        f / 1e3
    };
    let r = micros.round();
    if r.abs() < 9.0e18 {
        Some(r as i64)
    } else {
        None
    }
}

const TS_EXPECTED: &str = "RFC 3339 timestamp or epoch number";

fn parse_ts(v: &Value, path: &Path) -> Result<Option<i64>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let micros = match n.as_i64() {
                Some(i) => epoch_int_to_micros(i),
                None => n.as_f64().and_then(epoch_float_to_micros),
            };
            match micros {
                Some(m) => Ok(Some(m)),
                None => Err(wrong_value(path, TS_EXPECTED, "number out of range")),
            }
        }
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            if let Some(m) = parse_ts_str(s) {
                return Ok(Some(m));
            }
            Err(wrong_value(
                path,
                TS_EXPECTED,
                "string in an unrecognised format",
            ))
        }
        other => Err(wrong_type(path, TS_EXPECTED, other)),
    }
}

fn parse_ts_str(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        // Epoch number written as a string.
        if let Ok(i) = s.parse::<i64>() {
            return epoch_int_to_micros(i);
        }
        if let Ok(f) = s.parse::<f64>() {
            return epoch_float_to_micros(f);
        }
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_micros());
    }
    // ISO 8601 without an offset: taken as UTC.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    // RFC 3339 with an offset lacking the colon ("+0000").
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_micros());
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Content, tool calls and tool definitions (shared by both formats)
// ---------------------------------------------------------------------------

/// A marker for a non-text part named by the input, such as `[thinking]`;
/// names that do not look like a type name become `[part]`.
fn marker_for(ty: &str) -> Cow<'static, str> {
    let ok = !ty.is_empty()
        && ty.len() <= 32
        && ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Cow::Owned(format!("[{ty}]"))
    } else {
        Cow::Borrowed("[part]")
    }
}

fn media_marker(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "image" | "image_url" | "input_image" => "[image]",
        "audio" | "input_audio" => "[audio]",
        "video" | "video_url" | "input_video" => "[video]",
        "file" | "input_file" | "document" => "[file]",
        _ => return None,
    })
}

/// A message's `content`: a string, null, or an array of parts (OpenAI and
/// Anthropic style) whose texts are joined with "\n"; media parts become
/// markers such as `[image]`, never their bytes.
fn content_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Array(parts) => join_parts(parts, path),
        Value::Object(o) => {
            if o.contains_key("type") || o.contains_key("text") {
                Ok(part_text(Value::Object(o), path)?.map(Cow::into_owned))
            } else {
                // Not a content part: keep its JSON text.
                Ok(Some(to_json_text(&Value::Object(o))))
            }
        }
        other => Err(wrong_type(path, "string, array of parts or null", &other)),
    }
}

fn join_parts(parts: Vec<Value>, path: &Path) -> Result<Option<String>, ParseError> {
    let mut out: Option<String> = None;
    for (i, p) in parts.into_iter().enumerate() {
        let pi = path.idx(i);
        if let Some(t) = part_text(p, &pi)? {
            match &mut out {
                None => out = Some(t.into_owned()),
                Some(o) => {
                    o.push('\n');
                    o.push_str(&t);
                }
            }
        }
    }
    Ok(out)
}

fn part_text(p: Value, path: &Path) -> Result<Option<Cow<'static, str>>, ParseError> {
    let mut o = match p {
        Value::Null => return Ok(None),
        Value::String(s) => return Ok(Some(Cow::Owned(s))),
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object or string", &other)),
    };
    enum Kind {
        Text,
        Refusal,
        Media(&'static str),
        Other(Cow<'static, str>),
        Untyped,
    }
    let kind = match o.get("type") {
        None | Some(Value::Null) => Kind::Untyped,
        Some(Value::String(t)) => match t.as_str() {
            "text" | "input_text" | "output_text" => Kind::Text,
            "refusal" => Kind::Refusal,
            t => match media_marker(t) {
                Some(m) => Kind::Media(m),
                None => Kind::Other(marker_for(t)),
            },
        },
        Some(other) => return Err(wrong_type(&path.key("type"), "string", other)),
    };
    let text_of =
        |o: &mut Map<String, Value>, key: &'static str| -> Result<Option<String>, ParseError> {
            match o.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                // Assistants API: {"type":"text","text":{"value":"...","annotations":[]}}
                Some(Value::Object(mut t)) => match t.remove("value") {
                    Some(Value::String(s)) => Ok(Some(s)),
                    Some(other) => Err(wrong_type(&path.key(key).key("value"), "string", &other)),
                    None => Err(missing(&path.key(key).key("value"))),
                },
                Some(other) => Err(wrong_type(&path.key(key), "string", &other)),
            }
        };
    Ok(match kind {
        Kind::Text => text_of(&mut o, "text")?.map(Cow::Owned),
        Kind::Refusal => text_of(&mut o, "refusal")?.map(Cow::Owned),
        Kind::Media(m) => Some(Cow::Borrowed(m)),
        Kind::Other(marker) => match o.get("text") {
            Some(Value::String(_)) => text_of(&mut o, "text")?.map(Cow::Owned),
            _ => Some(marker),
        },
        Kind::Untyped => match o.get("text") {
            Some(Value::String(_)) => text_of(&mut o, "text")?.map(Cow::Owned),
            _ => Some(Cow::Borrowed("[part]")),
        },
    })
}

/// Tool-call arguments as JSON text: strings are kept, structured values are
/// serialized, missing arguments are `{}`.
fn arguments_text(v: Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "{}".to_string(),
        Some(Value::String(s)) => s,
        Some(other) => to_json_text(&other),
    }
}

fn tool_call_value(
    id: Option<String>,
    ty: Option<String>,
    name: Value,
    arguments: String,
) -> Value {
    let mut f = Map::new();
    f.insert("name".to_string(), name);
    f.insert("arguments".to_string(), Value::String(arguments));
    let mut c = Map::new();
    if let Some(id) = id {
        c.insert("id".to_string(), Value::String(id));
    }
    c.insert(
        "type".to_string(),
        Value::String(ty.unwrap_or_else(|| "function".to_string())),
    );
    c.insert("function".to_string(), Value::Object(f));
    Value::Object(c)
}

/// One tool call to OpenAI shape. Accepts the OpenAI shape (arguments as text
/// or as an object), the flat `{id,name,arguments}` shape and Anthropic's
/// `{id,name,input}`. Other fields of the call (such as a streaming `index`)
/// are dropped.
fn normalize_tool_call(c: Value, path: &Path) -> Result<Value, ParseError> {
    let mut o = match c {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let id = match o.remove("id") {
        None => None,
        Some(v) => opt_id(v, &path.key("id"))?,
    };
    let ty = match o.remove("type") {
        Some(Value::String(t)) if t == "function" || t == "custom" => Some(t),
        _ => None,
    };
    let func = match o.remove("function") {
        Some(Value::Object(f)) => Some((f, "function")),
        Some(Value::Null) | None => match o.remove("custom") {
            Some(Value::Object(f)) => Some((f, "custom")),
            _ => None,
        },
        Some(other) => return Err(wrong_type(&path.key("function"), "object", &other)),
    };
    let (name, args, in_object) = match func {
        Some((mut f, key)) => {
            let args = f.remove("arguments").or_else(|| f.remove("input"));
            (f.remove("name"), args, Some(key))
        }
        None => {
            let args = o
                .remove("arguments")
                .or_else(|| o.remove("input"))
                .or_else(|| o.remove("args"));
            (o.remove("name"), args, None)
        }
    };
    let name = match name {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => Value::String(s),
        Some(other) => {
            return Err(match in_object {
                Some(key) => wrong_type(&path.key(key).key("name"), "string", &other),
                None => wrong_type(&path.key("name"), "string", &other),
            })
        }
    };
    Ok(tool_call_value(id, ty, name, arguments_text(args)))
}

/// A `tool_calls` array to OpenAI shape; `None` when null or empty.
fn normalize_tool_calls(v: Value, path: &Path) -> Result<Option<Vec<Value>>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Array(a) => {
            if a.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, c) in a.into_iter().enumerate() {
                out.push(normalize_tool_call(c, &path.idx(i))?);
            }
            Ok(Some(out))
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

fn tool_calls_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    Ok(normalize_tool_calls(v, path)?.map(|a| to_json_text(&Value::Array(a))))
}

/// Legacy `function_call: {name, arguments}` to a one-element OpenAI
/// `tool_calls` array text.
fn function_call_text(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::Object(_) => {
            let c = normalize_tool_call(v, path)?;
            Ok(Some(to_json_text(&Value::Array(vec![c]))))
        }
        other => Err(wrong_type(path, "object", &other)),
    }
}

/// One tool definition to OpenAI shape. `{"type":"function","function":{..}}`
/// is kept; a flat function definition (legacy `functions`, the GenAI
/// semconv's `gen_ai.tool.definitions`, Anthropic's `input_schema`) is
/// wrapped; anything else (built-in tools) is kept as it is.
fn normalize_tool_def(t: Value, path: &Path) -> Result<Value, ParseError> {
    let mut o = match t {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let type_is_function = match o.get("type") {
        None | Some(Value::Null) => true,
        Some(Value::String(t)) => t == "function",
        Some(_) => false,
    };
    let flat_function = type_is_function
        && !o.contains_key("function")
        && matches!(o.get("name"), Some(Value::String(_)));
    if !flat_function {
        return Ok(Value::Object(o));
    }
    o.remove("type");
    let mut f = Map::new();
    if let Some(n) = o.remove("name") {
        f.insert("name".to_string(), n);
    }
    if let Some(d) = o.remove("description") {
        f.insert("description".to_string(), d);
    }
    let params = o
        .remove("parameters")
        .or_else(|| o.remove("input_schema"))
        .or_else(|| o.remove("parameters_json_schema"));
    if let Some(p) = params {
        f.insert("parameters".to_string(), p);
    }
    for (k, v) in o {
        f.insert(k, v);
    }
    let mut w = Map::new();
    w.insert("type".to_string(), Value::String("function".to_string()));
    w.insert("function".to_string(), Value::Object(f));
    Ok(Value::Object(w))
}

fn normalize_tools(v: Value, path: &Path, out: &mut Vec<Value>) -> Result<(), ParseError> {
    match v {
        Value::Null => Ok(()),
        Value::Array(a) => {
            out.reserve(a.len());
            for (i, t) in a.into_iter().enumerate() {
                out.push(normalize_tool_def(t, &path.idx(i))?);
            }
            Ok(())
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

// ---------------------------------------------------------------------------
// OpenAI chat format
// ---------------------------------------------------------------------------

/// One OpenAI-shape message. Unknown non-null fields go to `meta` under
/// `{prefix}[{index}].{field}`.
fn parse_message(
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
    index: usize,
) -> Result<Message, ParseError> {
    let o = match v {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let mut m = Message::default();
    let mut role = None;
    let mut function_call = None;
    for (k, v) in o {
        match k.as_str() {
            "role" => role = opt_string(v, &path.key("role"))?,
            "content" => m.content = content_text(v, &path.key("content"))?,
            "name" => m.name = opt_string(v, &path.key("name"))?,
            "tool_call_id" => m.tool_call_id = opt_id(v, &path.key("tool_call_id"))?,
            "tool_calls" => m.tool_calls = tool_calls_text(v, &path.key("tool_calls"))?,
            "function_call" => function_call = Some(v),
            _ => {
                if !v.is_null() {
                    meta.insert(format!("{prefix}[{index}].{k}"), v);
                }
            }
        }
    }
    match role {
        Some(r) => m.role = r,
        None => return Err(missing(&path.key("role"))),
    }
    if let Some(fc) = function_call {
        if m.tool_calls.is_none() {
            m.tool_calls = function_call_text(fc, &path.key("function_call"))?;
        } else if !fc.is_null() {
            meta.insert(format!("{prefix}[{index}].function_call"), fc);
        }
    }
    Ok(m)
}

fn parse_messages(
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
) -> Result<Vec<Message>, ParseError> {
    match v {
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, m) in a.into_iter().enumerate() {
                out.push(parse_message(m, &path.idx(i), meta, prefix, i)?);
            }
            Ok(out)
        }
        other => Err(wrong_type(path, "array", &other)),
    }
}

fn merge_model(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    meta_key: &str,
) -> Result<(), ParseError> {
    if let Some(s) = opt_string(v, path)? {
        match &rec.model {
            None => rec.model = Some(s),
            Some(m) if *m == s => {}
            Some(_) => {
                meta.insert(meta_key.to_string(), Value::String(s));
            }
        }
    }
    Ok(())
}

fn set_tokens(
    slot: &mut Option<i64>,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    meta_key: String,
) -> Result<(), ParseError> {
    let n = int_value(&v, path)?;
    if slot.is_none() {
        *slot = n;
    } else if n.is_some() && *slot != n {
        meta.insert(meta_key, v);
    }
    Ok(())
}

/// `usage`: `prompt_tokens`/`completion_tokens` or `input_tokens`/
/// `output_tokens`; values already set win; other fields to `{prefix}.{k}`.
fn apply_usage(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
    prefix: &str,
) -> Result<(), ParseError> {
    let o = match v {
        Value::Null => return Ok(()),
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    for (k, v) in o {
        match k.as_str() {
            "prompt_tokens" | "input_tokens" => {
                let key: &'static str = if k == "prompt_tokens" {
                    "prompt_tokens"
                } else {
                    "input_tokens"
                };
                set_tokens(
                    &mut rec.prompt_tokens,
                    v,
                    &path.key(key),
                    meta,
                    format!("{prefix}.{k}"),
                )?;
            }
            "completion_tokens" | "output_tokens" => {
                let key: &'static str = if k == "completion_tokens" {
                    "completion_tokens"
                } else {
                    "output_tokens"
                };
                set_tokens(
                    &mut rec.completion_tokens,
                    v,
                    &path.key(key),
                    meta,
                    format!("{prefix}.{k}"),
                )?;
            }
            _ => {
                if !v.is_null() {
                    meta.insert(format!("{prefix}.{k}"), v);
                }
            }
        }
    }
    Ok(())
}

/// The fields of an assistant message (a simple `response`, or a
/// chat-completion choice's `message`). Unknown fields go to `response.{k}`.
fn apply_response_message(
    rec: &mut CallRecord,
    o: Map<String, Value>,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let mut function_call = None;
    for (k, v) in o {
        match k.as_str() {
            "content" => rec.response_content = content_text(v, &path.key("content"))?,
            "tool_calls" => rec.response_tool_calls = tool_calls_text(v, &path.key("tool_calls"))?,
            "function_call" => function_call = Some(v),
            "role" => {
                if !(v.is_null() || v.as_str() == Some("assistant")) {
                    meta.insert("response.role".to_string(), v);
                }
            }
            "model" => merge_model(rec, v, &path.key("model"), meta, "response.model")?,
            "usage" => apply_usage(rec, v, &path.key("usage"), meta, "response.usage")?,
            _ => {
                if !v.is_null() {
                    meta.insert(format!("response.{k}"), v);
                }
            }
        }
    }
    if let Some(fc) = function_call {
        if rec.response_tool_calls.is_none() {
            rec.response_tool_calls = function_call_text(fc, &path.key("function_call"))?;
        } else if !fc.is_null() {
            meta.insert("response.function_call".to_string(), fc);
        }
    }
    Ok(())
}

/// A chat-completion object: `choices[0].message` is the response; further
/// choices go to `response.extra_choices`.
fn apply_completion(
    rec: &mut CallRecord,
    o: Map<String, Value>,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let mut extra = Vec::new();
    for (k, v) in o {
        match k.as_str() {
            "choices" => {
                let cp = path.key("choices");
                let choices = match v {
                    Value::Array(a) => a,
                    Value::Null => Vec::new(),
                    other => return Err(wrong_type(&cp, "array", &other)),
                };
                for (i, c) in choices.into_iter().enumerate() {
                    if i > 0 {
                        extra.push(c);
                        continue;
                    }
                    let c0 = cp.idx(0);
                    let c = match c {
                        Value::Object(c) => c,
                        other => return Err(wrong_type(&c0, "object", &other)),
                    };
                    for (k, v) in c {
                        match k.as_str() {
                            "message" | "delta" => match v {
                                Value::Object(m) => {
                                    apply_response_message(rec, m, &c0.key("message"), meta)?
                                }
                                Value::Null => {}
                                other => {
                                    return Err(wrong_type(&c0.key("message"), "object", &other))
                                }
                            },
                            // Legacy completions API.
                            "text" => {
                                if rec.response_content.is_none() {
                                    rec.response_content = content_text(v, &c0.key("text"))?;
                                }
                            }
                            "index" => {}
                            _ => {
                                if !v.is_null() {
                                    meta.insert(format!("response.{k}"), v);
                                }
                            }
                        }
                    }
                }
            }
            "model" => merge_model(rec, v, &path.key("model"), meta, "response.model")?,
            "usage" => apply_usage(rec, v, &path.key("usage"), meta, "response.usage")?,
            _ => {
                if !v.is_null() {
                    meta.insert(format!("response.{k}"), v);
                }
            }
        }
    }
    if !extra.is_empty() {
        meta.insert("response.extra_choices".to_string(), Value::Array(extra));
    }
    Ok(())
}

fn apply_response(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) => {
            rec.response_content = Some(s);
            Ok(())
        }
        Value::Object(o) => {
            if o.contains_key("choices") {
                apply_completion(rec, o, path, meta)
            } else {
                apply_response_message(rec, o, path, meta)
            }
        }
        other => Err(wrong_type(path, "object or string", &other)),
    }
}

/// Some loggers write `messages` or `tools` as JSON text: a string that
/// starts with `[` is parsed; any other value is returned as it is.
fn stringified_array(v: Value, path: &Path) -> Result<Value, ParseError> {
    match v {
        Value::String(s) if s.trim_start().starts_with('[') => {
            embedded_json(Value::String(s), path)
        }
        other => Ok(other),
    }
}

fn parse_openai(obj: Map<String, Value>) -> Result<CallRecord, ParseError> {
    let root = Path::Root;
    let mut rec = CallRecord::empty(SourceFormat::OpenAiChat);
    let mut meta = Map::new();
    let mut messages = None;
    let mut ts = None;
    let mut timestamp = None;
    let mut tools = None;
    let mut functions = None;
    let mut response = None;
    let mut choices = None;
    let mut usage = None;
    let mut status = None;
    let mut error = None;
    for (k, v) in obj {
        match k.as_str() {
            "messages" => messages = Some(v),
            "trace_id" => rec.trace_id = opt_id(v, &root.key("trace_id"))?,
            "span_id" => rec.span_id = opt_id(v, &root.key("span_id"))?,
            "ts" => ts = Some(v),
            "timestamp" => timestamp = Some(v),
            "agent" => rec.agent = opt_string(v, &root.key("agent"))?,
            "model" => rec.model = opt_string(v, &root.key("model"))?,
            "tools" => tools = Some(v),
            "functions" => functions = Some(v),
            "response" => response = Some(v),
            "choices" => choices = Some(v),
            "usage" => usage = Some(v),
            "latency_ms" => rec.latency_ms = float_value(&v, &root.key("latency_ms"))?,
            "status" => status = Some(v),
            "error" => error = Some(v),
            _ => {
                meta.insert(k, v);
            }
        }
    }

    let mp = root.key("messages");
    rec.messages = match messages {
        None | Some(Value::Null) => return Err(missing(&mp)),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(ParseError::new(
                QuarantineReason::MissingField,
                "messages: expected non-empty array, found empty array",
            ))
        }
        Some(v) => parse_messages(stringified_array(v, &mp)?, &mp, &mut meta, "messages")?,
    };

    // `ts` wins over its alias `timestamp`; a second one is kept as metadata.
    match (ts, timestamp) {
        (Some(t), other) if !t.is_null() => {
            rec.ts_micros = parse_ts(&t, &root.key("ts"))?;
            if let Some(o) = other {
                if !o.is_null() {
                    meta.insert("timestamp".to_string(), o);
                }
            }
        }
        (_, Some(t)) => rec.ts_micros = parse_ts(&t, &root.key("timestamp"))?,
        _ => {}
    }

    let mut defs = Vec::new();
    if let Some(t) = tools {
        let tp = root.key("tools");
        normalize_tools(stringified_array(t, &tp)?, &tp, &mut defs)?;
    }
    if let Some(f) = functions {
        normalize_tools(f, &root.key("functions"), &mut defs)?;
    }
    if !defs.is_empty() {
        rec.tools = Some(to_json_text(&Value::Array(defs)));
    }

    if let Some(u) = usage {
        apply_usage(&mut rec, u, &root.key("usage"), &mut meta, "usage")?;
    }
    if let Some(r) = response {
        apply_response(&mut rec, r, &root.key("response"), &mut meta)?;
        if let Some(c) = choices {
            if !c.is_null() {
                meta.insert("choices".to_string(), c);
            }
        }
    } else if let Some(c) = choices {
        // A chat-completion response flattened into the line: `choices` at
        // the top level.
        let mut o = Map::new();
        o.insert("choices".to_string(), c);
        apply_completion(&mut rec, o, &root, &mut meta)?;
    }

    rec.error = match error {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(mut o)) => match o.remove("message") {
            Some(Value::String(msg)) => {
                for (k, v) in o {
                    if !v.is_null() {
                        meta.insert(format!("error.{k}"), v);
                    }
                }
                Some(msg)
            }
            Some(m) => {
                o.insert("message".to_string(), m);
                Some(to_json_text(&Value::Object(o)))
            }
            None => Some(to_json_text(&Value::Object(o))),
        },
        Some(other) => Some(to_json_text(&other)),
    };
    rec.status = match status {
        None | Some(Value::Null) => if rec.error.is_some() { "error" } else { "ok" }.to_string(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(wrong_type(&root.key("status"), "string", &other)),
    };

    if !meta.is_empty() {
        rec.metadata = Some(to_json_text(&Value::Object(meta)));
    }
    Ok(rec)
}

// ---------------------------------------------------------------------------
// OTLP/JSON: AnyValue and attribute lists
// ---------------------------------------------------------------------------

/// An OTLP `AnyValue` (`{"stringValue": ..}`, `{"intValue": ..}`, ...) to
/// plain JSON. Plain JSON scalars and unknown objects (non-standard
/// exporters) are kept as they are. Recursion follows the line's nesting,
/// which serde_json bounded at 128.
fn any_value(v: Value, path: &Path) -> Result<Value, ParseError> {
    let o = match v {
        Value::Object(o) => o,
        other => return Ok(other),
    };
    if o.is_empty() {
        return Ok(Value::Null);
    }
    if o.len() != 1 {
        return Ok(Value::Object(o));
    }
    let (k, inner) = o.into_iter().next().expect("one entry");
    match k.as_str() {
        "stringValue" | "string_value" => match inner {
            v @ (Value::String(_) | Value::Null) => Ok(v),
            other => Err(wrong_type(&path.key("stringValue"), "string", &other)),
        },
        "intValue" | "int_value" => Ok(int_value(&inner, &path.key("intValue"))?
            .map_or(Value::Null, |i| Value::Number(i.into()))),
        "doubleValue" | "double_value" => match inner {
            Value::Number(n) => Ok(Value::Number(n)),
            Value::Null => Ok(Value::Null),
            Value::String(s) => match s.parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                // "NaN", "Infinity", "-Infinity" of the protobuf JSON mapping.
                None if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                    Ok(Value::String(s))
                }
                None => Err(wrong_value(
                    &path.key("doubleValue"),
                    "number",
                    "non-numeric string",
                )),
            },
            other => Err(wrong_type(&path.key("doubleValue"), "number", &other)),
        },
        "boolValue" | "bool_value" => match inner {
            v @ (Value::Bool(_) | Value::Null) => Ok(v),
            other => Err(wrong_type(&path.key("boolValue"), "boolean", &other)),
        },
        "arrayValue" | "array_value" => {
            let ap = path.key("arrayValue");
            let values = match inner {
                Value::Object(mut a) => a.remove("values").unwrap_or(Value::Null),
                Value::Null => Value::Null,
                other => return Err(wrong_type(&ap, "object", &other)),
            };
            let vp = ap.key("values");
            match values {
                Value::Null => Ok(Value::Array(Vec::new())),
                Value::Array(a) => {
                    let mut out = Vec::with_capacity(a.len());
                    for (i, x) in a.into_iter().enumerate() {
                        out.push(any_value(x, &vp.idx(i))?);
                    }
                    Ok(Value::Array(out))
                }
                other => Err(wrong_type(&vp, "array", &other)),
            }
        }
        "kvlistValue" | "kvlist_value" => {
            let kp = path.key("kvlistValue");
            let values = match inner {
                Value::Object(mut a) => a.remove("values").unwrap_or(Value::Null),
                Value::Null => Value::Null,
                other => return Err(wrong_type(&kp, "object", &other)),
            };
            let kvs = kv_list(values, &kp.key("values"))?;
            let mut m = Map::new();
            for (k, v) in kvs {
                m.insert(k, v);
            }
            Ok(Value::Object(m))
        }
        "bytesValue" | "bytes_value" => Ok(inner),
        _ => {
            let mut m = Map::new();
            m.insert(k, inner);
            Ok(Value::Object(m))
        }
    }
}

/// An OTLP `KeyValue` list (`[{"key":..,"value":{AnyValue}}]`).
fn kv_list(v: Value, path: &Path) -> Result<Vec<(String, Value)>, ParseError> {
    let a = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        other => return Err(wrong_type(path, "array", &other)),
    };
    let mut out = Vec::with_capacity(a.len());
    for (i, kv) in a.into_iter().enumerate() {
        let p = path.idx(i);
        let mut o = match kv {
            Value::Object(o) => o,
            other => return Err(wrong_type(&p, "object", &other)),
        };
        let key = match o.remove("key") {
            Some(Value::String(s)) => s,
            None | Some(Value::Null) => return Err(missing(&p.key("key"))),
            Some(other) => return Err(wrong_type(&p.key("key"), "string", &other)),
        };
        let value = match o.remove("value") {
            None => Value::Null,
            Some(v) => any_value(v, &p.key("value"))?,
        };
        out.push((key, value));
    }
    Ok(out)
}

fn has_genai_attribute(attrs: Option<&Value>) -> bool {
    match attrs {
        Some(Value::Array(a)) => a.iter().any(|kv| {
            kv.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("gen_ai."))
        }),
        _ => false,
    }
}

fn remove_any(o: &mut Map<String, Value>, keys: &[&'static str]) -> (&'static str, Option<Value>) {
    for k in keys {
        if let Some(v) = o.remove(*k) {
            return (k, Some(v));
        }
    }
    (keys[0], None)
}

// ---------------------------------------------------------------------------
// OTLP/JSON: GenAI "parts" messages (gen_ai.input.messages & co.)
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Parts {
    text: Option<String>,
    tool_calls: Vec<Value>,
    /// (tool call id, response text) of `tool_call_response` parts.
    responses: Vec<(Option<String>, Option<String>)>,
}

fn push_text(text: &mut Option<String>, t: &str) {
    match text {
        None => *text = Some(t.to_string()),
        Some(s) => {
            s.push('\n');
            s.push_str(t);
        }
    }
}

fn push_owned_text(text: &mut Option<String>, t: String) {
    match text {
        None => *text = Some(t),
        Some(s) => {
            s.push('\n');
            s.push_str(&t);
        }
    }
}

/// Parts of the GenAI semconv message format: `text`, `tool_call`,
/// `tool_call_response`, media (`blob`/`uri`/`file` with a `modality`) as
/// markers, and anything else as a `[type]` marker.
fn convert_parts(parts: Value, path: &Path) -> Result<Parts, ParseError> {
    let mut out = Parts::default();
    let a = match parts {
        Value::Null => return Ok(out),
        Value::Array(a) => a,
        Value::String(s) => {
            out.text = Some(s);
            return Ok(out);
        }
        other => return Err(wrong_type(path, "array", &other)),
    };
    for (i, p) in a.into_iter().enumerate() {
        let pp = path.idx(i);
        let mut o = match p {
            Value::Object(o) => o,
            Value::String(s) => {
                push_owned_text(&mut out.text, s);
                continue;
            }
            Value::Null => continue,
            other => return Err(wrong_type(&pp, "object", &other)),
        };
        let ty = match o.remove("type") {
            Some(Value::String(t)) => t,
            None | Some(Value::Null) => String::new(),
            Some(other) => return Err(wrong_type(&pp.key("type"), "string", &other)),
        };
        match ty.as_str() {
            "text" | "" => {
                let t = match o.remove("content").or_else(|| o.remove("text")) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(other) => return Err(wrong_type(&pp.key("content"), "string", &other)),
                };
                match t {
                    Some(t) => push_owned_text(&mut out.text, t),
                    None if ty.is_empty() => push_text(&mut out.text, "[part]"),
                    None => {}
                }
            }
            "tool_call" | "function_call" | "tool_use" => {
                let id = match o.remove("id") {
                    None => None,
                    Some(v) => opt_id(v, &pp.key("id"))?,
                };
                let name = match o.remove("name") {
                    None | Some(Value::Null) => Value::Null,
                    Some(Value::String(s)) => Value::String(s),
                    Some(other) => return Err(wrong_type(&pp.key("name"), "string", &other)),
                };
                let args = o.remove("arguments").or_else(|| o.remove("input"));
                out.tool_calls
                    .push(tool_call_value(id, None, name, arguments_text(args)));
            }
            "tool_call_response" | "function_call_output" | "tool_result" => {
                let id = match o.remove("id").or_else(|| o.remove("tool_use_id")) {
                    None => None,
                    Some(v) => opt_id(v, &pp.key("id"))?,
                };
                let resp = match o
                    .remove("response")
                    .or_else(|| o.remove("result"))
                    .or_else(|| o.remove("content"))
                {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(other) => Some(to_json_text(&other)),
                };
                out.responses.push((id, resp));
            }
            "blob" | "uri" | "file" => {
                let m = match o.get("modality").and_then(Value::as_str) {
                    Some("image") => "[image]",
                    Some("audio") => "[audio]",
                    Some("video") => "[video]",
                    _ => "[file]",
                };
                push_text(&mut out.text, m);
            }
            t => match media_marker(t) {
                Some(m) => push_text(&mut out.text, m),
                None => push_text(&mut out.text, &marker_for(t)),
            },
        }
    }
    Ok(out)
}

/// One GenAI-format input message; a `tool_call_response` part becomes an
/// OpenAI `tool` message of its own.
fn parts_message(m: Value, path: &Path, out: &mut Vec<Message>) -> Result<(), ParseError> {
    let mut o = match m {
        Value::Object(o) => o,
        other => return Err(wrong_type(path, "object", &other)),
    };
    let role = match o.remove("role") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(missing(&path.key("role"))),
        Some(other) => return Err(wrong_type(&path.key("role"), "string", &other)),
    };
    let name = match o.remove("name") {
        None => None,
        Some(v) => opt_string(v, &path.key("name"))?,
    };
    let parts = match o.remove("parts") {
        Some(p) => convert_parts(p, &path.key("parts"))?,
        None => Parts {
            text: content_text(
                o.remove("content").unwrap_or(Value::Null),
                &path.key("content"),
            )?,
            ..Parts::default()
        },
    };
    let tool_calls = if parts.tool_calls.is_empty() {
        None
    } else {
        Some(to_json_text(&Value::Array(parts.tool_calls)))
    };
    if parts.responses.is_empty() {
        out.push(Message {
            role,
            content: parts.text,
            name,
            tool_call_id: None,
            tool_calls,
        });
        return Ok(());
    }
    if parts.text.is_some() || tool_calls.is_some() {
        out.push(Message {
            role,
            content: parts.text,
            name: name.clone(),
            tool_call_id: None,
            tool_calls,
        });
    }
    for (id, content) in parts.responses {
        out.push(Message {
            role: "tool".to_string(),
            content,
            name: None,
            tool_call_id: id,
            tool_calls: None,
        });
    }
    Ok(())
}

fn parts_messages(v: Value, path: &Path, out: &mut Vec<Message>) -> Result<(), ParseError> {
    match embedded_json(v, path)? {
        Value::Null => Ok(()),
        Value::Array(a) => {
            for (i, m) in a.into_iter().enumerate() {
                parts_message(m, &path.idx(i), out)?;
            }
            Ok(())
        }
        other => Err(wrong_type(path, "array of messages", &other)),
    }
}

fn system_instructions(v: Value, path: &Path) -> Result<Option<Message>, ParseError> {
    let v = match v {
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                embedded_json(Value::String(s), path)?
            } else {
                // Plain text rather than the JSON parts array.
                return Ok(Some(Message {
                    role: "system".to_string(),
                    content: Some(s),
                    ..Message::default()
                }));
            }
        }
        other => other,
    };
    let parts = match v {
        Value::Null => return Ok(None),
        Value::Object(o) => convert_parts(Value::Array(vec![Value::Object(o)]), path)?,
        other => convert_parts(other, path)?,
    };
    Ok(Some(Message {
        role: "system".to_string(),
        content: parts.text,
        ..Message::default()
    }))
}

/// `gen_ai.output.messages`: the first message is the response, its
/// `finish_reason` goes to `response.finish_reason`; further ones go to
/// `response.extra_choices`.
fn apply_output_messages(
    rec: &mut CallRecord,
    v: Value,
    path: &Path,
    meta: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let a = match embedded_json(v, path)? {
        Value::Null => return Ok(()),
        Value::Array(a) => a,
        other => return Err(wrong_type(path, "array of messages", &other)),
    };
    let mut extra = Vec::new();
    for (i, m) in a.into_iter().enumerate() {
        if i > 0 {
            extra.push(m);
            continue;
        }
        let mp = path.idx(0);
        let mut o = match m {
            Value::Object(o) => o,
            other => return Err(wrong_type(&mp, "object", &other)),
        };
        let parts = match o.remove("parts") {
            Some(p) => convert_parts(p, &mp.key("parts"))?,
            None => Parts {
                text: content_text(
                    o.remove("content").unwrap_or(Value::Null),
                    &mp.key("content"),
                )?,
                ..Parts::default()
            },
        };
        rec.response_content = parts.text;
        if !parts.tool_calls.is_empty() {
            rec.response_tool_calls = Some(to_json_text(&Value::Array(parts.tool_calls)));
        }
        for (k, v) in o {
            if v.is_null() || (k == "role" && v.as_str() == Some("assistant")) {
                continue;
            }
            meta.insert(format!("response.{k}"), v);
        }
    }
    if !extra.is_empty() {
        meta.insert("response.extra_choices".to_string(), Value::Array(extra));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// OTLP/JSON: message events (older GenAI semconv)
// ---------------------------------------------------------------------------

fn absorb_body(b: Value, p: &Path, fields: &mut Map<String, Value>) -> Result<(), ParseError> {
    let b = match b {
        Value::String(s) if s.trim_start().starts_with('{') => embedded_json(Value::String(s), p)?,
        other => other,
    };
    match b {
        Value::Object(o) => {
            for (k, v) in o {
                fields.insert(k, v);
            }
        }
        Value::Null => {}
        other => {
            fields.insert("content".to_string(), other);
        }
    }
    Ok(())
}

/// The fields of a GenAI event: its body (an event-level `body`, an attribute
/// `body`, or the JSON string attribute `gen_ai.event.content`) overlaid with
/// its plain attributes (`content`, `tool_calls`, `id`, `role`, ...).
fn event_fields(
    attrs: Vec<(String, Value)>,
    body: Option<Value>,
    path: &Path,
) -> Result<Map<String, Value>, ParseError> {
    let mut fields = Map::new();
    if let Some(b) = body {
        absorb_body(b, &path.key("body"), &mut fields)?;
    }
    let ap = path.key("attributes");
    for (k, v) in attrs {
        match k.as_str() {
            "body" => absorb_body(v, &ap.attr("body"), &mut fields)?,
            "gen_ai.event.content" => {
                absorb_body(v, &ap.attr("gen_ai.event.content"), &mut fields)?
            }
            "content" | "tool_calls" | "id" | "role" | "name" | "tool_call_id" | "message"
            | "finish_reason" | "index" => {
                fields.insert(k, v);
            }
            // Other event attributes (e.g. a repeated gen_ai.system) are
            // span-level facts; they are dropped.
            _ => {}
        }
    }
    Ok(fields)
}

fn message_from_fields(
    mut f: Map<String, Value>,
    default_role: &str,
    path: &Path,
) -> Result<Message, ParseError> {
    let role = match f.remove("role") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => default_role.to_string(),
        Some(other) => return Err(wrong_type(&path.key("role"), "string", &other)),
    };
    let content = content_text(
        f.remove("content").unwrap_or(Value::Null),
        &path.key("content"),
    )?;
    let tool_calls = tool_calls_text(
        f.remove("tool_calls").unwrap_or(Value::Null),
        &path.key("tool_calls"),
    )?;
    let name = opt_string(f.remove("name").unwrap_or(Value::Null), &path.key("name"))?;
    let tool_call_id = match f.remove("tool_call_id") {
        Some(v) if !v.is_null() => opt_id(v, &path.key("tool_call_id"))?,
        _ => {
            if role == "tool" {
                opt_id(f.remove("id").unwrap_or(Value::Null), &path.key("id"))?
            } else {
                None
            }
        }
    };
    Ok(Message {
        role,
        content,
        name,
        tool_call_id,
        tool_calls,
    })
}

struct Choice {
    index: i64,
    message: Message,
    finish_reason: Option<Value>,
}

fn choice_from_fields(mut f: Map<String, Value>, path: &Path) -> Result<Choice, ParseError> {
    let index = int_value(f.get("index").unwrap_or(&Value::Null), &path.key("index"))?.unwrap_or(0);
    let finish_reason = f.remove("finish_reason").filter(|v| !v.is_null());
    let message = match f.remove("message") {
        Some(Value::Object(m)) => message_from_fields(m, "assistant", &path.key("message"))?,
        Some(Value::String(s)) if s.trim_start().starts_with('{') => {
            match embedded_json(Value::String(s), &path.key("message"))? {
                Value::Object(m) => message_from_fields(m, "assistant", &path.key("message"))?,
                other => return Err(wrong_type(&path.key("message"), "object", &other)),
            }
        }
        Some(Value::Null) | None => message_from_fields(f, "assistant", path)?,
        Some(other) => return Err(wrong_type(&path.key("message"), "object", &other)),
    };
    Ok(Choice {
        index,
        message,
        finish_reason,
    })
}

// ---------------------------------------------------------------------------
// OTLP/JSON: indexed attributes of OpenLLMetry (gen_ai.prompt.N.role, ...)
// ---------------------------------------------------------------------------

#[derive(Default)]
struct IndexedMsg {
    fields: Map<String, Value>,
    tool_calls: BTreeMap<usize, Map<String, Value>>,
}

#[derive(Default)]
struct Indexed {
    prompts: BTreeMap<usize, IndexedMsg>,
    completions: BTreeMap<usize, IndexedMsg>,
    functions: BTreeMap<usize, Map<String, Value>>,
}

fn split_index(s: &str) -> Option<(usize, &str)> {
    let (n, rest) = s.split_once('.')?;
    Some((n.parse().ok()?, rest))
}

impl Indexed {
    /// Takes an indexed attribute; gives it back when it is not one.
    fn take(&mut self, key: &str, v: Value) -> Option<Value> {
        let (map, rest) = if let Some(r) = key.strip_prefix("gen_ai.prompt.") {
            (&mut self.prompts, r)
        } else if let Some(r) = key.strip_prefix("gen_ai.completion.") {
            (&mut self.completions, r)
        } else if let Some(r) = key.strip_prefix("llm.request.functions.") {
            let Some((i, field)) = split_index(r) else {
                return Some(v);
            };
            if !matches!(field, "name" | "description" | "parameters") {
                return Some(v);
            }
            self.functions
                .entry(i)
                .or_default()
                .insert(field.to_string(), v);
            return None;
        } else {
            return Some(v);
        };
        let Some((i, field)) = split_index(rest) else {
            return Some(v);
        };
        match field {
            "role" | "content" | "name" | "tool_call_id" | "finish_reason" => {
                map.entry(i)
                    .or_default()
                    .fields
                    .insert(field.to_string(), v);
                None
            }
            _ => {
                let (j, f) = if let Some(r) = field.strip_prefix("tool_calls.") {
                    match split_index(r) {
                        Some(x) => x,
                        None => return Some(v),
                    }
                } else if let Some(f) = field.strip_prefix("function_call.") {
                    (0, f)
                } else {
                    return Some(v);
                };
                if !matches!(f, "id" | "name" | "arguments") {
                    return Some(v);
                }
                map.entry(i)
                    .or_default()
                    .tool_calls
                    .entry(j)
                    .or_default()
                    .insert(f.to_string(), v);
                None
            }
        }
    }
}

fn indexed_message(m: IndexedMsg, default_role: &str, path: &Path) -> Result<Message, ParseError> {
    let mut f = m.fields;
    f.remove("finish_reason");
    if !m.tool_calls.is_empty() {
        let calls: Vec<Value> = m.tool_calls.into_values().map(Value::Object).collect();
        f.insert("tool_calls".to_string(), Value::Array(calls));
    }
    message_from_fields(f, default_role, path)
}

// ---------------------------------------------------------------------------
// OTLP/JSON: spans
// ---------------------------------------------------------------------------

struct Scope {
    name: Option<Value>,
    version: Option<Value>,
    attrs: Vec<(String, Value)>,
}

/// GenAI spans that are not model calls: a tool run, an agent creation, an
/// agent invocation (which wraps model-call spans of its own).
const NON_CALL_OPERATIONS: &[&str] = &["execute_tool", "create_agent", "invoke_agent"];

fn parse_otel(mut obj: Map<String, Value>) -> Result<ParsedLine, ParseError> {
    let root = Path::Root;
    let (rkey, rs) = remove_any(&mut obj, &["resourceSpans", "resource_spans"]);
    let rp = root.key(rkey);
    let rs = match rs {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => return Err(wrong_type(&rp, "array", &other)),
    };
    let mut out = ParsedLine::default();
    for (ri, r) in rs.into_iter().enumerate() {
        let rpi = rp.idx(ri);
        let mut r = match r {
            Value::Object(r) => r,
            other => return Err(wrong_type(&rpi, "object", &other)),
        };
        let resource_attrs = match r.remove("resource") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(mut res)) => kv_list(
                res.remove("attributes").unwrap_or(Value::Null),
                &rpi.key("resource").key("attributes"),
            )?,
            Some(other) => return Err(wrong_type(&rpi.key("resource"), "object", &other)),
        };
        let (skey, scope_spans) = remove_any(
            &mut r,
            &[
                "scopeSpans",
                "scope_spans",
                "instrumentationLibrarySpans",
                "instrumentation_library_spans",
            ],
        );
        let sp = rpi.key(skey);
        let scope_spans = match scope_spans {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(other) => return Err(wrong_type(&sp, "array", &other)),
        };
        for (si, ss) in scope_spans.into_iter().enumerate() {
            let spi = sp.idx(si);
            let mut ss = match ss {
                Value::Object(o) => o,
                other => return Err(wrong_type(&spi, "object", &other)),
            };
            let (sckey, scope) = remove_any(
                &mut ss,
                &["scope", "instrumentationLibrary", "instrumentation_library"],
            );
            let scope = match scope {
                None | Some(Value::Null) => Scope {
                    name: None,
                    version: None,
                    attrs: Vec::new(),
                },
                Some(Value::Object(mut s)) => Scope {
                    name: s
                        .remove("name")
                        .filter(|v| !v.is_null() && v.as_str() != Some("")),
                    version: s
                        .remove("version")
                        .filter(|v| !v.is_null() && v.as_str() != Some("")),
                    attrs: kv_list(
                        s.remove("attributes").unwrap_or(Value::Null),
                        &spi.key(sckey).key("attributes"),
                    )?,
                },
                Some(other) => return Err(wrong_type(&spi.key(sckey), "object", &other)),
            };
            let spans_p = spi.key("spans");
            let spans = match ss.remove("spans") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a,
                Some(other) => return Err(wrong_type(&spans_p, "array", &other)),
            };
            for (pi, span) in spans.into_iter().enumerate() {
                match parse_span(span, &resource_attrs, &scope, &spans_p.idx(pi))? {
                    Some(rec) => out.records.push(rec),
                    None => out.skipped_spans += 1,
                }
            }
        }
    }
    Ok(out)
}

fn status_is_error(code: &Value) -> bool {
    match code {
        Value::Number(n) => n.as_i64() == Some(2),
        Value::String(s) => matches!(
            s.as_str(),
            "STATUS_CODE_ERROR" | "ERROR" | "Error" | "error" | "2"
        ),
        _ => false,
    }
}

fn parse_span(
    span: Value,
    resource_attrs: &[(String, Value)],
    scope: &Scope,
    path: &Path,
) -> Result<Option<CallRecord>, ParseError> {
    let mut s = match span {
        Value::Object(s) => s,
        other => return Err(wrong_type(path, "object", &other)),
    };
    if !has_genai_attribute(s.get("attributes")) {
        return Ok(None);
    }
    let ap = path.key("attributes");
    let attrs = kv_list(s.remove("attributes").unwrap_or(Value::Null), &ap)?;
    let is_non_call = attrs.iter().any(|(k, v)| {
        k == "gen_ai.operation.name"
            && v.as_str()
                .is_some_and(|op| NON_CALL_OPERATIONS.contains(&op))
    });
    if is_non_call {
        return Ok(None);
    }

    let mut rec = CallRecord::empty(SourceFormat::OtelGenAi);
    let mut meta = Map::new();

    // Span fields.
    let mut start = None;
    let mut end = None;
    let mut status = None;
    let mut events = None;
    for (k, v) in s {
        match k.as_str() {
            "traceId" | "trace_id" => rec.trace_id = opt_id(v, &path.key("traceId"))?,
            "spanId" | "span_id" => rec.span_id = opt_id(v, &path.key("spanId"))?,
            "parentSpanId" | "parent_span_id" => {
                if let Some(p) = opt_id(v, &path.key("parentSpanId"))? {
                    meta.insert("span.parent_span_id".to_string(), Value::String(p));
                }
            }
            "name" => {
                if !v.is_null() {
                    meta.insert("span.name".to_string(), v);
                }
            }
            "kind" => {
                if !v.is_null() {
                    meta.insert("span.kind".to_string(), v);
                }
            }
            "startTimeUnixNano" | "start_time_unix_nano" => {
                start = u64_value(&v, &path.key("startTimeUnixNano"))?
            }
            "endTimeUnixNano" | "end_time_unix_nano" => {
                end = u64_value(&v, &path.key("endTimeUnixNano"))?
            }
            "status" => status = Some(v),
            "events" => events = Some(v),
            _ => {
                let trivial = match &v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Number(n) => n.as_u64() == Some(0),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                };
                if !trivial {
                    meta.insert(format!("span.{k}"), v);
                }
            }
        }
    }
    rec.ts_micros = start.filter(|&n| n > 0).map(|n| (n / 1_000) as i64);
    if let (Some(st), Some(en)) = (start, end) {
        if st > 0 && en >= st {
            rec.latency_ms = Some((en - st) as f64 / 1e6);
        }
    }

    // Attributes.
    let mut response_model = None;
    let (mut input_tokens, mut prompt_tokens) = (None, None);
    let (mut output_tokens, mut completion_tokens) = (None, None);
    let mut provider = None;
    let mut system = None;
    let mut sys_instr = None;
    let mut input_msgs = None;
    let mut output_msgs = None;
    let mut tool_defs = None;
    let mut prompt_json = None;
    let mut completion_json = None;
    let mut error_type = None;
    let mut indexed = Indexed::default();
    for (k, v) in attrs {
        match k.as_str() {
            "gen_ai.request.model" => rec.model = opt_string(v, &ap.attr("gen_ai.request.model"))?,
            "gen_ai.response.model" => {
                response_model = opt_string(v, &ap.attr("gen_ai.response.model"))?
            }
            "gen_ai.usage.input_tokens" => {
                input_tokens = int_value(&v, &ap.attr("gen_ai.usage.input_tokens"))?
            }
            "gen_ai.usage.prompt_tokens" => {
                prompt_tokens = int_value(&v, &ap.attr("gen_ai.usage.prompt_tokens"))?
            }
            "gen_ai.usage.output_tokens" => {
                output_tokens = int_value(&v, &ap.attr("gen_ai.usage.output_tokens"))?
            }
            "gen_ai.usage.completion_tokens" => {
                completion_tokens = int_value(&v, &ap.attr("gen_ai.usage.completion_tokens"))?
            }
            "gen_ai.agent.name" => rec.agent = opt_string(v, &ap.attr("gen_ai.agent.name"))?,
            "gen_ai.provider.name" => provider = Some(v).filter(|v| !v.is_null()),
            "gen_ai.system" => system = Some(v).filter(|v| !v.is_null()),
            "gen_ai.system_instructions" => sys_instr = Some(v),
            "gen_ai.input.messages" => input_msgs = Some(v),
            "gen_ai.output.messages" => output_msgs = Some(v),
            "gen_ai.tool.definitions" => tool_defs = Some(v),
            "gen_ai.prompt" => prompt_json = Some(v),
            "gen_ai.completion" => completion_json = Some(v),
            "error.type" => error_type = Some(v).filter(|v| !v.is_null()),
            _ => {
                if let Some(v) = indexed.take(&k, v) {
                    meta.insert(k, v);
                }
            }
        }
    }
    if let Some(rm) = response_model {
        match &rec.model {
            None => rec.model = Some(rm),
            Some(m) if *m == rm => {}
            Some(_) => {
                meta.insert("gen_ai.response.model".to_string(), Value::String(rm));
            }
        }
    }
    rec.prompt_tokens = input_tokens.or(prompt_tokens);
    rec.completion_tokens = output_tokens.or(completion_tokens);
    match (provider, system) {
        (Some(p), s) => {
            if let Some(s) = s.filter(|s| *s != p) {
                meta.insert("gen_ai.system".to_string(), s);
            }
            meta.insert("gen_ai.provider.name".to_string(), p);
        }
        (None, Some(s)) => {
            meta.insert("gen_ai.provider.name".to_string(), s);
        }
        (None, None) => {}
    }

    // Events.
    let mut ev_messages = Vec::new();
    let mut choices = Vec::new();
    let mut other_events = Vec::new();
    let mut exception_message = None;
    let ep = path.key("events");
    match events {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (ei, e) in a.into_iter().enumerate() {
                let epi = ep.idx(ei);
                let mut e = match e {
                    Value::Object(e) => e,
                    other => return Err(wrong_type(&epi, "object", &other)),
                };
                let name = match e.remove("name") {
                    Some(Value::String(n)) => n,
                    None | Some(Value::Null) => String::new(),
                    Some(other) => return Err(wrong_type(&epi.key("name"), "string", &other)),
                };
                let eattrs = kv_list(
                    e.remove("attributes").unwrap_or(Value::Null),
                    &epi.key("attributes"),
                )?;
                let body = match e.remove("body") {
                    None | Some(Value::Null) => None,
                    Some(b) => Some(any_value(b, &epi.key("body"))?),
                };
                let default_role = match name.as_str() {
                    "gen_ai.system.message" => Some("system"),
                    "gen_ai.user.message" => Some("user"),
                    "gen_ai.assistant.message" => Some("assistant"),
                    "gen_ai.tool.message" => Some("tool"),
                    _ => None,
                };
                if let Some(role) = default_role {
                    let f = event_fields(eattrs, body, &epi)?;
                    ev_messages.push(message_from_fields(f, role, &epi)?);
                    continue;
                }
                match name.as_str() {
                    "gen_ai.choice" => {
                        let f = event_fields(eattrs, body, &epi)?;
                        choices.push(choice_from_fields(f, &epi)?);
                    }
                    // Semconv 1.26: the prompt / completion as one JSON
                    // attribute of an event.
                    "gen_ai.content.prompt" => {
                        for (k, v) in eattrs {
                            if k == "gen_ai.prompt" {
                                let eap = epi.key("attributes");
                                let p = eap.attr("gen_ai.prompt");
                                let v = embedded_json(v, &p)?;
                                ev_messages.extend(parse_messages(
                                    v,
                                    &p,
                                    &mut meta,
                                    "gen_ai.prompt",
                                )?);
                            }
                        }
                    }
                    "gen_ai.content.completion" => {
                        for (k, v) in eattrs {
                            if k == "gen_ai.completion" {
                                let eap = epi.key("attributes");
                                let p = eap.attr("gen_ai.completion");
                                completion_json = Some(embedded_json(v, &p)?);
                            }
                        }
                    }
                    _ => {
                        if name == "exception" {
                            for (k, v) in &eattrs {
                                if k == "exception.message" {
                                    if let Value::String(m) = v {
                                        exception_message = Some(m.clone());
                                    }
                                }
                            }
                        }
                        let mut ev = Map::new();
                        ev.insert("name".to_string(), Value::String(name));
                        if let Some(t) = e
                            .remove("timeUnixNano")
                            .or_else(|| e.remove("time_unix_nano"))
                        {
                            ev.insert("time_unix_nano".to_string(), t);
                        }
                        if !eattrs.is_empty() {
                            let mut am = Map::new();
                            for (k, v) in eattrs {
                                am.insert(k, v);
                            }
                            ev.insert("attributes".to_string(), Value::Object(am));
                        }
                        if let Some(b) = body {
                            ev.insert("body".to_string(), b);
                        }
                        other_events.push(Value::Object(ev));
                    }
                }
            }
        }
        Some(other) => return Err(wrong_type(&ep, "array", &other)),
    }

    // Messages: newer attributes, else events, else the older attributes.
    if sys_instr.is_some() || input_msgs.is_some() {
        if let Some(v) = sys_instr {
            if let Some(m) = system_instructions(v, &ap.attr("gen_ai.system_instructions"))? {
                rec.messages.push(m);
            }
        }
        if let Some(v) = input_msgs {
            parts_messages(v, &ap.attr("gen_ai.input.messages"), &mut rec.messages)?;
        }
    } else if !ev_messages.is_empty() {
        rec.messages = ev_messages;
    } else if let Some(v) = prompt_json {
        let p = ap.attr("gen_ai.prompt");
        let v = embedded_json(v, &p)?;
        rec.messages = parse_messages(v, &p, &mut meta, "gen_ai.prompt")?;
    } else if !indexed.prompts.is_empty() {
        let p = ap.attr("gen_ai.prompt");
        for (i, m) in std::mem::take(&mut indexed.prompts) {
            let pi = p.idx(i);
            rec.messages.push(indexed_message(m, "user", &pi)?);
        }
    }

    // Response: newer attribute, else choice events, else older forms.
    let mut finish_reason = None;
    if let Some(v) = output_msgs {
        apply_output_messages(&mut rec, v, &ap.attr("gen_ai.output.messages"), &mut meta)?;
    } else if !choices.is_empty() {
        choices.sort_by_key(|c| c.index);
        let mut it = choices.into_iter();
        if let Some(first) = it.next() {
            rec.response_content = first.message.content;
            rec.response_tool_calls = first.message.tool_calls;
            finish_reason = first.finish_reason;
        }
        let extra: Vec<Value> = it.map(choice_value).collect();
        if !extra.is_empty() {
            meta.insert("response.extra_choices".to_string(), Value::Array(extra));
        }
    } else if let Some(v) = completion_json {
        let p = ap.attr("gen_ai.completion");
        match embedded_json(v, &p)? {
            Value::Array(a) => {
                let mut extra = Vec::new();
                for (i, c) in a.into_iter().enumerate() {
                    if i > 0 {
                        extra.push(c);
                        continue;
                    }
                    match c {
                        Value::Object(o) => {
                            let ch = choice_from_fields(o, &p.idx(0))?;
                            rec.response_content = ch.message.content;
                            rec.response_tool_calls = ch.message.tool_calls;
                            finish_reason = ch.finish_reason;
                        }
                        Value::String(s) => rec.response_content = Some(s),
                        other => return Err(wrong_type(&p.idx(0), "object", &other)),
                    }
                }
                if !extra.is_empty() {
                    meta.insert("response.extra_choices".to_string(), Value::Array(extra));
                }
            }
            Value::Object(o) => {
                let ch = choice_from_fields(o, &p)?;
                rec.response_content = ch.message.content;
                rec.response_tool_calls = ch.message.tool_calls;
                finish_reason = ch.finish_reason;
            }
            Value::String(s) => rec.response_content = Some(s),
            Value::Null => {}
            other => return Err(wrong_type(&p, "array or object", &other)),
        }
    } else if !indexed.completions.is_empty() {
        let p = ap.attr("gen_ai.completion");
        let mut extra = Vec::new();
        for (n, (i, mut m)) in std::mem::take(&mut indexed.completions)
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                let mut o = std::mem::take(&mut m.fields);
                if !m.tool_calls.is_empty() {
                    let calls: Vec<Value> = m.tool_calls.into_values().map(Value::Object).collect();
                    o.insert("tool_calls".to_string(), Value::Array(calls));
                }
                extra.push(Value::Object(o));
                continue;
            }
            finish_reason = m.fields.remove("finish_reason").filter(|v| !v.is_null());
            let msg = indexed_message(m, "assistant", &p.idx(i))?;
            rec.response_content = msg.content;
            rec.response_tool_calls = msg.tool_calls;
        }
        if !extra.is_empty() {
            meta.insert("response.extra_choices".to_string(), Value::Array(extra));
        }
    }
    if let Some(fr) = finish_reason {
        meta.insert("response.finish_reason".to_string(), fr);
    }

    // Tools.
    let mut defs = Vec::new();
    if let Some(v) = tool_defs {
        let p = ap.attr("gen_ai.tool.definitions");
        let v = embedded_json(v, &p)?;
        normalize_tools(v, &p, &mut defs)?;
    } else if !indexed.functions.is_empty() {
        for (_, mut f) in std::mem::take(&mut indexed.functions) {
            // The parameters schema is a JSON string; keep it as text if it is not JSON.
            if let Some(Value::String(s)) = f.get("parameters") {
                if let Ok(p) = serde_json::from_str::<Value>(s) {
                    f.insert("parameters".to_string(), p);
                }
            }
            let mut w = Map::new();
            w.insert("type".to_string(), Value::String("function".to_string()));
            w.insert("function".to_string(), Value::Object(f));
            defs.push(Value::Object(w));
        }
    }
    if !defs.is_empty() {
        rec.tools = Some(to_json_text(&Value::Array(defs)));
    }

    // Status.
    let mut status_message = None;
    let mut is_error = false;
    match status {
        None | Some(Value::Null) => {}
        Some(Value::Object(mut st)) => {
            if let Some(code) = st.remove("code") {
                is_error = status_is_error(&code);
            }
            status_message = match st.remove("message") {
                None => None,
                Some(v) => {
                    opt_string(v, &path.key("status").key("message"))?.filter(|m| !m.is_empty())
                }
            };
        }
        Some(other) => return Err(wrong_type(&path.key("status"), "object", &other)),
    }
    if is_error || error_type.is_some() {
        rec.status = "error".to_string();
        rec.error = status_message.or(exception_message);
        if rec.error.is_none() {
            rec.error = match error_type.take() {
                Some(Value::String(s)) => Some(s),
                Some(other) => Some(to_json_text(&other)),
                None => None,
            };
        }
    } else {
        rec.status = "ok".to_string();
    }
    if let Some(et) = error_type {
        meta.insert("error.type".to_string(), et);
    }

    // Agent: gen_ai.agent.name, else the resource's service.name.
    let mut used_service_name = false;
    if rec.agent.is_none() {
        for (k, v) in resource_attrs {
            if k == "service.name" {
                if let Value::String(sn) = v {
                    rec.agent = Some(sn.clone());
                    used_service_name = true;
                }
            }
        }
    }
    for (k, v) in resource_attrs {
        if used_service_name && k == "service.name" {
            continue;
        }
        meta.insert(format!("resource.{k}"), v.clone());
    }
    if let Some(n) = &scope.name {
        meta.insert("scope.name".to_string(), n.clone());
    }
    if let Some(v) = &scope.version {
        meta.insert("scope.version".to_string(), v.clone());
    }
    for (k, v) in &scope.attrs {
        meta.insert(format!("scope.{k}"), v.clone());
    }
    if !other_events.is_empty() {
        meta.insert("span.events".to_string(), Value::Array(other_events));
    }
    if !meta.is_empty() {
        rec.metadata = Some(to_json_text(&Value::Object(meta)));
    }
    Ok(Some(rec))
}

fn choice_value(c: Choice) -> Value {
    let mut o = Map::new();
    o.insert("index".to_string(), Value::Number(c.index.into()));
    if let Some(fr) = c.finish_reason {
        o.insert("finish_reason".to_string(), fr);
    }
    let mut m = Map::new();
    m.insert("role".to_string(), Value::String(c.message.role));
    if let Some(t) = c.message.content {
        m.insert("content".to_string(), Value::String(t));
    }
    if let Some(t) = c.message.tool_calls {
        m.insert(
            "tool_calls".to_string(),
            serde_json::from_str(&t).unwrap_or(Value::String(t)),
        );
    }
    o.insert("message".to_string(), Value::Object(m));
    Value::Object(o)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
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

    // ----- throughput -------------------------------------------------------

    /// A small deterministic generator of realistic lines.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn words(&mut self, n: usize) -> String {
            const W: &[&str] = &[
                "the",
                "agent",
                "must",
                "plan",
                "a",
                "trip",
                "to",
                "Paris",
                "and",
                "book",
                "flights",
                "hotel",
                "for",
                "customer",
                "john.doe@example.com",
                "phone",
                "+1-555-0100",
                "budget",
                "€1,200",
                "résumé",
                "step",
                "1.",
                "2.",
                "\"quoted\"",
                "file.py",
                "def",
                "main():",
                "return",
                "None",
                "日本",
            ];
            let mut s = String::new();
            for i in 0..n {
                if i > 0 {
                    s.push(if self.next().is_multiple_of(13) {
                        '\n'
                    } else {
                        ' '
                    });
                }
                s.push_str(W[(self.next() % W.len() as u64) as usize]);
            }
            s
        }
    }

    fn realistic_openai_line(rng: &mut Rng, i: usize) -> String {
        let n = 250 + (rng.next() % 200) as usize;
        let sys = rng.words(n);
        let n = 40 + (rng.next() % 120) as usize;
        let user = rng.words(n);
        let mut messages = vec![
            json!({"role": "system", "content": sys}),
            json!({"role": "user", "content": user}),
        ];
        if i.is_multiple_of(2) {
            messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": format!("call_{i}"), "type": "function", "function": {"name": "search_flights", "arguments": "{\"from\":\"SFO\",\"to\":\"CDG\",\"date\":\"2026-12-01\"}"}}]}));
            messages.push(json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": rng.words(80)}));
        }
        if i.is_multiple_of(5) {
            messages.push(json!({"role": "user", "content": [{"type": "text", "text": rng.words(20)}, {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]}));
        }
        let response = if i.is_multiple_of(3) {
            json!({"id": "chatcmpl-abc", "object": "chat.completion", "created": 1732096800, "model": "gpt-4o-2024-08-06",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": rng.words(60), "refusal": null}, "finish_reason": "stop", "logprobs": null}],
                   "usage": {"prompt_tokens": 812, "completion_tokens": 64, "total_tokens": 876}, "system_fingerprint": "fp_1"})
        } else {
            json!({"content": rng.words(50), "tool_calls": [{"id": "call_x", "type": "function", "function": {"name": "book_hotel", "arguments": "{\"city\":\"Paris\",\"nights\":3}"}}]})
        };
        json!({
            "trace_id": format!("{:032x}", rng.next()), "span_id": format!("{:016x}", rng.next()),
            "ts": if i.is_multiple_of(4) { json!(1_779_271_200_123u64 + i as u64) } else { json!("2026-11-20T10:00:00.123Z") },
            "agent": "metagpt", "model": "gpt-4o", "messages": messages,
            "tools": [
                {"type": "function", "function": {"name": "search_flights", "description": "Search flights", "parameters": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "date": {"type": "string", "format": "date"}}, "required": ["from", "to"]}}},
                {"type": "function", "function": {"name": "book_hotel", "description": "Book a hotel", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}}}}}
            ],
            "response": response,
            "usage": {"prompt_tokens": 812, "completion_tokens": 64},
            "latency_ms": 930, "status": "ok", "env": "prod"
        })
        .to_string()
    }

    fn realistic_otel_line(rng: &mut Rng) -> String {
        let input = json!([
            {"role": "user", "parts": [{"type": "text", "content": rng.words(150)}]},
            {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "search", "arguments": {"q": "paris"}}]},
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": rng.words(60)}]}
        ]);
        let output = json!([{"role": "assistant", "parts": [{"type": "text", "content": rng.words(60)}], "finish_reason": "stop"}]);
        let chat = span(
            vec![
                attr_s("gen_ai.operation.name", "chat"),
                attr_s("gen_ai.provider.name", "openai"),
                attr_s("gen_ai.request.model", "gpt-4o"),
                attr_i("gen_ai.usage.input_tokens", 812),
                attr_i("gen_ai.usage.output_tokens", 64),
                attr_s(
                    "gen_ai.system_instructions",
                    &json!([{"type": "text", "content": rng.words(200)}]).to_string(),
                ),
                attr_s("gen_ai.input.messages", &input.to_string()),
                attr_s("gen_ai.output.messages", &output.to_string()),
                attr_s("server.address", "api.openai.com"),
            ],
            vec![],
        );
        let http = json!({"traceId": "t", "spanId": "h", "name": "POST", "attributes": [attr_s("http.request.method", "POST")]});
        otlp(vec![chat, http]).to_string()
    }

    /// `cargo test --release -- --ignored --nocapture bench_parse_line`
    #[test]
    #[ignore]
    fn bench_parse_line() {
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let mut openai = Vec::new();
        let mut otel = Vec::new();
        let (mut n_openai, mut n_otel) = (0usize, 0usize);
        let mut i = 0;
        while n_openai < 45_000_000 {
            let l = realistic_openai_line(&mut rng, i);
            n_openai += l.len() + 1;
            openai.push(l);
            i += 1;
        }
        while n_otel < 5_000_000 {
            let l = realistic_otel_line(&mut rng);
            n_otel += l.len() + 1;
            otel.push(l);
        }
        for (name, lines, bytes) in [
            ("openai_chat", &openai, n_openai),
            ("otel_genai", &otel, n_otel),
        ] {
            // Warm up, then best of 3.
            let mut best = f64::MAX;
            let mut records = 0;
            for _ in 0..3 {
                let t = std::time::Instant::now();
                records = 0;
                for l in lines.iter() {
                    records += parse_line(l).unwrap().records.len();
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "{name}: {} lines, {:.1} MB, avg {} B/line, {records} records: {:.0} MB/s, {:.0} lines/s (one core, best of 3)",
                lines.len(),
                bytes as f64 / 1e6,
                bytes / lines.len(),
                bytes as f64 / 1e6 / best,
                lines.len() as f64 / best
            );
            // Reference points: serde_json alone, into a Value and skimming.
            let t = std::time::Instant::now();
            for l in lines.iter() {
                let v: Value = serde_json::from_str(l).unwrap();
                std::hint::black_box(&v);
            }
            let value_s = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            for l in lines.iter() {
                let v: serde::de::IgnoredAny = serde_json::from_str(l).unwrap();
                std::hint::black_box(&v);
            }
            let skim_s = t.elapsed().as_secs_f64();
            println!(
                "{name}: reference: serde_json::Value alone {:.0} MB/s, IgnoredAny skim {:.0} MB/s",
                bytes as f64 / 1e6 / value_s,
                bytes as f64 / 1e6 / skim_s
            );
        }
    }
}

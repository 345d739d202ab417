//! JSON paths and the errors built from them (never quoting input text),
//! scalar values and timestamps.

use super::*;

// ---------------------------------------------------------------------------
// Errors and JSON paths (never quoting input text)
// ---------------------------------------------------------------------------

/// One step of a JSON path. Keys are always names known to this module, never
/// keys read from the input.
#[derive(Clone, Copy)]
pub(super) enum Seg {
    Key(&'static str),
    Idx(usize),
    /// An OTLP attribute recognised by name: rendered `[name]`.
    Attr(&'static str),
}

/// A JSON path as a linked list on the stack: free to build, rendered only
/// when an error is reported.
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    Root,
    Node(&'a Path<'a>, Seg),
}

impl<'a> Path<'a> {
    pub(super) fn key(&'a self, k: &'static str) -> Path<'a> {
        Path::Node(self, Seg::Key(k))
    }
    pub(super) fn idx(&'a self, i: usize) -> Path<'a> {
        Path::Node(self, Seg::Idx(i))
    }
    pub(super) fn attr(&'a self, k: &'static str) -> Path<'a> {
        Path::Node(self, Seg::Attr(k))
    }
    pub(super) fn render(&self) -> String {
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

pub(super) fn jtype(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) fn wrong_type(path: &Path, expected: &str, found: &Value) -> ParseError {
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

pub(super) fn wrong_value(path: &Path, expected: &str, found: &str) -> ParseError {
    ParseError::new(
        QuarantineReason::WrongType,
        format!("{}: expected {}, found {}", path.render(), expected, found),
    )
}

pub(super) fn missing(path: &Path) -> ParseError {
    ParseError::new(
        QuarantineReason::MissingField,
        format!("missing required field `{}`", path.render()),
    )
}

/// serde_json's syntax messages, matched against its Display text so that the
/// detail is always one of these fixed strings (never a quoted value).
pub(super) const SYNTAX_MESSAGES: &[&str] = &[
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
pub(super) fn json_error(e: &serde_json::Error, embedded_at: Option<&Path>) -> ParseError {
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
pub(super) fn embedded_json(v: Value, path: &Path) -> Result<Value, ParseError> {
    match v {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| json_error(&e, Some(path))),
        other => Ok(other),
    }
}

// ---------------------------------------------------------------------------
// Scalar helpers
// ---------------------------------------------------------------------------

pub(super) fn opt_string(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(wrong_type(path, "string", &other)),
    }
}

/// Identifiers: strings, or integers written as numbers.
pub(super) fn opt_id(v: Value, path: &Path) -> Result<Option<String>, ParseError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(if s.is_empty() { None } else { Some(s) }),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        other => Err(wrong_type(path, "string", &other)),
    }
}

pub(super) fn number_to_i64(n: &Number) -> Option<i64> {
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
pub(super) fn int_value(v: &Value, path: &Path) -> Result<Option<i64>, ParseError> {
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

pub(super) fn float_value(v: &Value, path: &Path) -> Result<Option<f64>, ParseError> {
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
pub(super) fn u64_value(v: &Value, path: &Path) -> Result<Option<u64>, ParseError> {
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

pub(super) fn to_json_text(v: &Value) -> String {
    // Serializing a Value cannot fail (its keys are strings).
    serde_json::to_string(v).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

/// Epoch number to microseconds, deciding the unit by magnitude: below 1e11
/// seconds (up to year 5138), below 1e14 milliseconds, below 1e17
/// microseconds, else nanoseconds.
pub(super) fn epoch_int_to_micros(i: i64) -> Option<i64> {
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

pub(super) fn epoch_float_to_micros(f: f64) -> Option<i64> {
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

pub(super) const TS_EXPECTED: &str = "RFC 3339 timestamp or epoch number";

pub(super) fn parse_ts(v: &Value, path: &Path) -> Result<Option<i64>, ParseError> {
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

pub(super) fn parse_ts_str(s: &str) -> Option<i64> {
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

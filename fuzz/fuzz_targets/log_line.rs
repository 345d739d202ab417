//! One log line (`pipeline/ingest/formats/`, `parse_line`): any UTF-8 text
//! must give records or a `ParseError`, never a panic, and the JSON-text
//! fields of a record must be the JSON they claim to be.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use slm_fuzz::ingest::formats::parse_line;

/// A field documented as "JSON array text" / "JSON object text".
fn assert_json(field: &str, text: &Option<String>, array: bool) {
    if let Some(text) = text {
        let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{field} is not JSON ({e}): {text}"));
        let ok = if array { value.is_array() } else { value.is_object() };
        assert!(ok, "{field} is not a JSON {}: {text}", if array { "array" } else { "object" });
    }
}

fuzz_target!(|data: &[u8]| {
    // The reader quarantines invalid UTF-8 before a line reaches the parser.
    let Ok(line) = std::str::from_utf8(data) else { return };
    match parse_line(line) {
        Ok(parsed) => {
            for record in &parsed.records {
                assert_json("tools", &record.tools, true);
                assert_json("response_tool_calls", &record.response_tool_calls, true);
                assert_json("metadata", &record.metadata, false);
                for message in &record.messages {
                    assert_json("messages[].tool_calls", &message.tool_calls, true);
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

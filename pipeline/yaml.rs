//! The one place that touches YAML. `serde_yaml` is unmaintained but works;
//! keeping it behind this module makes it a one-file swap.

/// Parses YAML text into a JSON value (DAG files are plain data: mappings,
/// sequences, strings, numbers, booleans). The error names the line and column.
pub fn to_json_value(text: &str) -> Result<serde_json::Value, String> {
    serde_yaml::from_str::<serde_json::Value>(text).map_err(|e| match e.location() {
        Some(loc) => format!("line {}, column {}: {}", loc.line(), loc.column(), strip_location(&e.to_string())),
        None => e.to_string(),
    })
}

/// serde_yaml appends " at line L column C" to its messages; we put the
/// location first instead.
fn strip_location(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    #[test]
    fn syntax_errors_name_the_line() {
        let err = super::to_json_value("name: x\ntasks: [\n  - a: b\n").unwrap_err();
        assert!(err.starts_with("line "), "{err}");
        let value = super::to_json_value("name: x\nn: 3\n").unwrap();
        assert_eq!(value["n"], 3);
    }
}

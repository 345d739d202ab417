//! `json_field(text, key)`: one top-level field of a JSON object held as
//! text, as text (a string unquoted, anything else as its JSON), NULL when
//! the text is not an object or lacks the key. The `metadata` column keeps
//! the fields a log format does not map (the gateway's `route`, `reason`,
//! `cluster_id`...), and views read them with this.

use std::sync::Arc;

use arrow::array::{Array, AsArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use serde_json::Value;

pub fn json_field_udf() -> ScalarUDF {
    ScalarUDF::from(JsonField { signature: Signature::any(2, Volatility::Immutable) })
}

/// The field `key` of the JSON object `text`, as text.
pub fn json_field(text: &str, key: &str) -> Option<String> {
    let Ok(Value::Object(mut o)) = serde_json::from_str::<Value>(text) else { return None };
    match o.remove(key)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonField {
    signature: Signature,
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null)
}

impl ScalarUDFImpl for JsonField {
    fn name(&self) -> &str {
        "json_field"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        if !is_text(&arg_types[0]) || !is_text(&arg_types[1]) {
            return exec_err!("json_field(text, key) expects two strings, got {} and {}", arg_types[0], arg_types[1]);
        }
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let key = match &args.args[1] {
            ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Utf8)? {
                ScalarValue::Utf8(Some(k)) => k,
                _ => return exec_err!("json_field: the key must not be NULL"),
            },
            ColumnarValue::Array(_) => return exec_err!("json_field: the key must be a constant"),
        };
        let array = args.args[0].to_array(args.number_rows)?;
        let array = arrow::compute::cast(&array, &DataType::Utf8)?;
        let out: StringArray = array.as_string::<i32>().iter().map(|v| v.and_then(|t| json_field(t, &key))).collect();
        debug_assert_eq!(out.len(), args.number_rows);
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_an_object_as_text() {
        let meta = r#"{"route": "slm", "http_status": 200, "slm_answer": {"error": "late"}, "gone": null}"#;
        assert_eq!(json_field(meta, "route").as_deref(), Some("slm"));
        assert_eq!(json_field(meta, "http_status").as_deref(), Some("200"));
        assert_eq!(json_field(meta, "slm_answer").as_deref(), Some(r#"{"error":"late"}"#));
        assert_eq!(json_field(meta, "gone"), None);
        assert_eq!(json_field(meta, "missing"), None);
        assert_eq!(json_field("[1, 2]", "route"), None);
        assert_eq!(json_field("not json", "route"), None);
    }
}

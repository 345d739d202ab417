//! DataFusion functions for the anonymization SQL, where SQL alone is weak:
//!
//! - `pii_redact(x)`: replaces PII in every string inside `x` — a string, or
//!   a list or struct of them at any depth (the `messages` column) — with
//!   keyed consistent pseudonyms; other values pass through unchanged.
//! - `pii_redact_json(text)`: the same for JSON held as text (tool
//!   definitions, tool-call arguments, metadata): keys and string values are
//!   redacted and the JSON stays valid.
//! - `luhn_valid(text)`: whether the digits of `text` pass the Luhn check.
//! - `pii_detector_version()`: the library version of the PII detectors.
//!
//! The counts of entities replaced are added to a shared tally, per field,
//! that the anonymize task writes to `pii_findings`.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, LargeStringArray, OffsetSizeTrait, StringArray,
    StringViewArray, StructArray,
};
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};

use slm_pii::{luhn_valid, EntityCounts, Redactor};

/// Shared tally of the entities replaced during one anonymize attempt, per
/// field (the column the function was called on: `messages`, `tools`…).
pub type Tally = Arc<Mutex<BTreeMap<String, EntityCounts>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    /// Any value; strings inside are plain text.
    Text,
    /// A string column holding JSON.
    Json,
}

#[derive(Debug)]
struct RedactUdf {
    name: &'static str,
    mode: Mode,
    redactor: Arc<Redactor>,
    tally: Tally,
    signature: Signature,
}

impl PartialEq for RedactUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.redactor, &other.redactor)
    }
}
impl Eq for RedactUdf {}
impl Hash for RedactUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.mode.hash(state);
    }
}

/// The UDFs that need the key, bound to one redactor and tally.
pub fn redaction_udfs(redactor: Arc<Redactor>, tally: Tally) -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(RedactUdf {
            name: "pii_redact",
            mode: Mode::Text,
            redactor: redactor.clone(),
            tally: tally.clone(),
            signature: Signature::any(1, Volatility::Immutable),
        }),
        ScalarUDF::from(RedactUdf {
            name: "pii_redact_json",
            mode: Mode::Json,
            redactor,
            tally,
            signature: Signature::any(1, Volatility::Immutable),
        }),
        ScalarUDF::from(LuhnUdf { signature: Signature::any(1, Volatility::Immutable) }),
    ]
}

impl ScalarUDFImpl for RedactUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        let t = &arg_types[0];
        if self.mode == Mode::Json && !is_string(t) && *t != DataType::Null {
            return exec_err!("pii_redact_json expects a string column of JSON text, got {t}");
        }
        Ok(t.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let mut counts = EntityCounts::default();
        let out = match &args.args[0] {
            ColumnarValue::Array(array) => ColumnarValue::Array(self.redact_array(array, &mut counts)?),
            ColumnarValue::Scalar(scalar) => {
                let array = scalar.to_array()?;
                let redacted = self.redact_array(&array, &mut counts)?;
                ColumnarValue::Scalar(ScalarValue::try_from_array(&redacted, 0)?)
            }
        };
        if counts.total() > 0 {
            let field = args.arg_fields.first().map_or("", |f| f.name().as_str());
            self.tally.lock().expect("tally lock").entry(field.to_string()).or_default().add(&counts);
        }
        Ok(out)
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

impl RedactUdf {
    fn redact_str(&self, text: &str, counts: &mut EntityCounts) -> Option<String> {
        match self.mode {
            Mode::Text => self.redactor.redact(text, counts),
            Mode::Json => self.redactor.redact_json(text, counts),
        }
    }

    /// Rebuilds `array` with every string redacted; arrays without PII are
    /// returned as they are (no copy).
    fn redact_array(&self, array: &ArrayRef, counts: &mut EntityCounts) -> DfResult<ArrayRef> {
        Ok(match array.data_type() {
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                match self.redact_strings(a.iter(), counts) {
                    None => array.clone(),
                    Some(values) => Arc::new(StringArray::from(values)),
                }
            }
            DataType::LargeUtf8 => {
                let a = array.as_string::<i64>();
                match self.redact_strings(a.iter(), counts) {
                    None => array.clone(),
                    Some(values) => Arc::new(LargeStringArray::from(values)),
                }
            }
            DataType::Utf8View => {
                let a = array.as_string_view();
                match self.redact_strings(a.iter(), counts) {
                    None => array.clone(),
                    Some(values) => Arc::new(StringViewArray::from(values)),
                }
            }
            DataType::List(_) => self.redact_list(array.as_list::<i32>(), counts)?,
            DataType::LargeList(_) => self.redact_list(array.as_list::<i64>(), counts)?,
            DataType::Struct(_) => {
                let s = array.as_struct();
                let children =
                    s.columns().iter().map(|c| self.redact_array(c, counts)).collect::<DfResult<Vec<_>>>()?;
                Arc::new(StructArray::try_new(s.fields().clone(), children, s.nulls().cloned())?)
            }
            // Numbers, dates, booleans hold no free text.
            _ => array.clone(),
        })
    }

    fn redact_list<O: OffsetSizeTrait>(
        &self,
        list: &GenericListArray<O>,
        counts: &mut EntityCounts,
    ) -> DfResult<ArrayRef> {
        let values = self.redact_array(list.values(), counts)?;
        let field = match list.data_type() {
            DataType::List(f) | DataType::LargeList(f) => f.clone(),
            other => return exec_err!("unexpected list type {other}"),
        };
        Ok(Arc::new(GenericListArray::<O>::try_new(field, list.offsets().clone(), values, list.nulls().cloned())?))
    }

    /// `None` when no value changed.
    fn redact_strings<'a>(
        &self,
        values: impl Iterator<Item = Option<&'a str>>,
        counts: &mut EntityCounts,
    ) -> Option<Vec<Option<String>>> {
        let values: Vec<Option<&str>> = values.collect();
        let mut changed: Vec<(usize, String)> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(text) = v {
                if let Some(redacted) = self.redact_str(text, counts) {
                    changed.push((i, redacted));
                }
            }
        }
        if changed.is_empty() {
            return None;
        }
        let mut out: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_string)).collect();
        for (i, redacted) in changed {
            out[i] = Some(redacted);
        }
        Some(out)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LuhnUdf {
    signature: Signature,
}

impl ScalarUDFImpl for LuhnUdf {
    fn name(&self) -> &str {
        "luhn_valid"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        if !is_string(&arg_types[0]) && arg_types[0] != DataType::Null {
            return exec_err!("luhn_valid expects a string, got {}", arg_types[0]);
        }
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let array = arrow::compute::cast(&array, &DataType::Utf8)?;
        let strings = array.as_string::<i32>();
        let out: BooleanArray = strings.iter().map(|v| v.map(luhn_valid)).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

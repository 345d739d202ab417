//! Which version of the PII detectors wrote the data, and whether it is
//! stale. A `calls` partition records its version in the `pii_findings` rows
//! written with it (`detector_version`, `2+nadgik`: the library's version,
//! then the detectors switched on); datasets and adapters carry the oldest
//! version of the partitions they were built from. Data from an older
//! library version, or of unknown version, may hold names that today's
//! detectors remove: it is stale, is rebuilt by the next run, and an adapter
//! built from it is never published.

use std::collections::BTreeMap;

use arrow::array::{Array, Date32Array};
use arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};

use crate::error::Result;
use crate::warehouse::{columns, Table, Warehouse};

/// The library version of a detector version string (`2+nadgik` -> 2).
pub fn library_version(detector_version: &str) -> Option<u32> {
    detector_version.split('+').next()?.parse().ok()
}

/// Stale: written by an older library version than this binary's, or of unknown version.
pub fn is_stale(detector_version: Option<&str>) -> bool {
    detector_version.and_then(library_version).is_none_or(|v| v < slm_pii::VERSION)
}

/// The detector version of each date's `calls` partition (`None`: written
/// before versions were recorded), from `pii_findings`.
pub async fn partition_versions(wh: &Warehouse) -> Result<BTreeMap<i32, Option<String>>> {
    let table = Table::PiiFindings.name();
    let mut by_date: BTreeMap<i32, Option<String>> = BTreeMap::new();
    for batch in wh.read_parquet_dir(Table::PiiFindings.dir()).await? {
        let dates = batch
            .column_by_name("date")
            .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
            .ok_or_else(|| crate::error::Error::Contract { table: table.into(), message: "column `date` missing or not a date".into() })?;
        let versions = columns::optional_strings(&batch, "detector_version", table)?;
        for row in 0..batch.num_rows() {
            let v = versions.filter(|v| !v.is_null(row)).map(|v| v.value(row).to_string());
            let slot = by_date.entry(dates.value(row)).or_insert(None);
            // The newest version recorded for the date wins (a reanonymize
            // adds its rows beside the first anonymize's).
            if newer(v.as_deref(), slot.as_deref()) {
                *slot = v;
            }
        }
    }
    Ok(by_date)
}

/// The oldest version among the `calls` partitions: what a dataset built
/// from all of them carries. `None` when one of them has no version.
pub async fn calls_version(wh: &Warehouse) -> Result<Option<String>> {
    let versions = partition_versions(wh).await?;
    let mut oldest: Option<String> = None;
    for v in versions.into_values() {
        let Some(v) = v else { return Ok(None) };
        if oldest.as_deref().is_none_or(|o| newer(Some(o), Some(&v))) {
            oldest = Some(v);
        }
    }
    Ok(oldest)
}

/// The PII version of every adapter, by adapter version (`None`: unknown).
pub async fn adapter_versions(wh: &Warehouse) -> Result<BTreeMap<String, Option<String>>> {
    let table = Table::Adapters.name();
    let mut out = BTreeMap::new();
    for batch in wh.read_parquet_dir(Table::Adapters.dir()).await? {
        let version = columns::strings(&batch, "version", table)?;
        let pii = columns::optional_strings(&batch, "pii_version", table)?;
        for row in 0..batch.num_rows() {
            let v = pii.filter(|p| !p.is_null(row)).map(|p| p.value(row).to_string());
            out.insert(version.value(row).to_string(), v);
        }
    }
    Ok(out)
}

/// What the PII detectors found in one run, for the report: (field, entity,
/// count) for every count above 0, and the detector versions the run used.
/// Counts only, never values.
pub async fn findings_of_run(wh: &Warehouse, run_id: &str) -> Result<(Vec<(String, String, i64)>, Vec<String>)> {
    let table = Table::PiiFindings.name();
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut versions: Vec<String> = Vec::new();
    for batch in wh.read_parquet_dir(Table::PiiFindings.dir()).await? {
        let runs = columns::strings(&batch, "run_id", table)?;
        let entity = columns::strings(&batch, "entity", table)?;
        let count = columns::i64s(&batch, "count", table)?;
        let field = columns::optional_strings(&batch, "field", table)?;
        let version = columns::optional_strings(&batch, "detector_version", table)?;
        for row in 0..batch.num_rows() {
            if runs.value(row) != run_id {
                continue;
            }
            if let Some(v) = version.filter(|v| !v.is_null(row)).map(|v| v.value(row).to_string()) {
                if !versions.contains(&v) {
                    versions.push(v);
                }
            }
            if count.value(row) > 0 {
                let f = field.filter(|f| !f.is_null(row)).map_or_else(|| "(all)".to_string(), |f| f.value(row).to_string());
                *counts.entry((f, entity.value(row).to_string())).or_default() += count.value(row);
            }
        }
    }
    Ok((counts.into_iter().map(|((f, e), n)| (f, e, n)).collect(), versions))
}

fn newer(a: Option<&str>, b: Option<&str>) -> bool {
    match (a.and_then(library_version), b.and_then(library_version)) {
        (Some(x), Some(y)) => x > y || (x == y && a > b),
        (Some(_), None) => true,
        _ => false,
    }
}

/// `pii_detector_version()`: the library version of this binary's PII
/// detectors, for views that mark data of older versions as stale.
pub fn detector_version_udf() -> ScalarUDF {
    ScalarUDF::from(VersionUdf { signature: Signature::nullary(Volatility::Immutable) })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct VersionUdf {
    signature: Signature,
}

impl ScalarUDFImpl for VersionUdf {
    fn name(&self) -> &str {
        "pii_detector_version"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(i64::from(slm_pii::VERSION)))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_library_version() {
        assert_eq!(library_version("2+nadgik"), Some(2));
        assert_eq!(library_version("10+n"), Some(10));
        assert!(is_stale(None));
        assert!(is_stale(Some("1+")));
        assert!(!is_stale(Some(&format!("{}+nadgik", slm_pii::VERSION))));
        assert!(newer(Some("10+n"), Some("2+nadgik")));
        assert!(newer(Some("2+n"), None));
        assert!(!newer(None, Some("2+n")));
    }
}

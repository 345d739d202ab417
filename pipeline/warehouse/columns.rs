//! Typed access to the columns of a batch read from a table, with an error
//! naming the table and column when the contract is broken.

use arrow::array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};

use crate::error::{Error, Result};

fn column<'a, A: Array + 'static>(batch: &'a RecordBatch, name: &str, table: &str, kind: &str) -> Result<&'a A> {
    batch.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<A>()).ok_or_else(|| Error::Contract {
        table: table.to_string(),
        message: format!("column `{name}` missing or not {kind}"),
    })
}

pub fn strings<'a>(batch: &'a RecordBatch, name: &str, table: &str) -> Result<&'a StringArray> {
    column(batch, name, table, "a string")
}

pub fn i64s<'a>(batch: &'a RecordBatch, name: &str, table: &str) -> Result<&'a Int64Array> {
    column(batch, name, table, "an int64")
}

pub fn f64s<'a>(batch: &'a RecordBatch, name: &str, table: &str) -> Result<&'a Float64Array> {
    column(batch, name, table, "a float64")
}

/// A string column added to a table's contract later: `None` in files
/// written before it existed; an error only when present with another type.
pub fn optional_strings<'a>(batch: &'a RecordBatch, name: &str, table: &str) -> Result<Option<&'a StringArray>> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(_) => strings(batch, name, table).map(Some),
    }
}

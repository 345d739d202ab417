//! Query results as text (a table, CSV or JSON Lines) or as a local
//! Parquet file, for `slm-pipeline sql` and the report.

use std::path::Path as FsPath;

use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// Renders query results as text.
pub fn render(schema: &arrow::datatypes::SchemaRef, batches: &[RecordBatch], format: OutputFormat) -> Result<String> {
    match format {
        OutputFormat::Table => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Ok(format!("(no rows; columns: {})\n", names.join(", ")));
            }
            let table = arrow::util::pretty::pretty_format_batches(batches)
                .map_err(|e| Error::arrow("formatting results", e))?;
            Ok(format!("{table}\n"))
        }
        OutputFormat::Csv => {
            let mut out = Vec::new();
            {
                let mut writer = arrow::csv::WriterBuilder::new().with_header(true).build(&mut out);
                if batches.is_empty() {
                    writer.write(&RecordBatch::new_empty(schema.clone())).map_err(|e| Error::arrow("writing CSV", e))?;
                }
                for batch in batches {
                    writer.write(batch).map_err(|e| Error::arrow("writing CSV", e))?;
                }
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        OutputFormat::Json => {
            let mut out = Vec::new();
            {
                let mut writer = arrow::json::LineDelimitedWriter::new(&mut out);
                for batch in batches {
                    writer.write(batch).map_err(|e| Error::arrow("writing JSON", e))?;
                }
                writer.finish().map_err(|e| Error::arrow("writing JSON", e))?;
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

/// Writes results to a local Parquet file, via a temporary name so a failed
/// write leaves nothing half-written.
pub fn write_parquet_file(path: &FsPath, schema: &arrow::datatypes::SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let tmp = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), None)
        .map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    for batch in batches {
        writer.write(batch).map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    }
    writer.close().map_err(|e| Error::parquet(format!("writing {}", path.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("renaming to {}", path.display()), e))
}

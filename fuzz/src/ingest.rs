//! `pipeline/ingest/`: the log line parsers and the bounded line reader.

#[path = "../../pipeline/ingest/formats/mod.rs"]
pub mod formats;
#[path = "../../pipeline/ingest/lines.rs"]
pub mod lines;

//! Parsed calls → Arrow record batches in the `calls` schema (raw text: these
//! batches only ever go to staging), and the small quarantine and object
//! manifest batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder, StructBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field};
use sha2::{Digest, Sha256};

use super::formats::CallRecord;
use crate::error::{Error, Result};
use crate::warehouse::tables::{self, message_fields};

/// A stable id for a call: from its trace and span ids when it has both,
/// else from where it was read. 16 bytes of SHA-256, hex.
pub fn call_id(record: &CallRecord, object_url: &str, line: u64, index_in_line: usize) -> String {
    let mut h = Sha256::new();
    match (&record.trace_id, &record.span_id) {
        (Some(t), Some(s)) if !t.is_empty() && !s.is_empty() => {
            h.update(b"span\0");
            h.update(t.as_bytes());
            h.update(b"\0");
            h.update(s.as_bytes());
        }
        _ => {
            h.update(b"line\0");
            h.update(object_url.as_bytes());
            h.update(format!("\0{line}\0{index_in_line}").as_bytes());
        }
    }
    hex::encode(&h.finalize()[..16])
}

/// Accumulates calls into a batch of the `calls` schema.
pub struct CallBatchBuilder {
    date_days: i32,
    rows: usize,
    call_id: StringBuilder,
    date: Date32Builder,
    ts: TimestampMicrosecondBuilder,
    trace_id: StringBuilder,
    span_id: StringBuilder,
    agent: StringBuilder,
    model: StringBuilder,
    messages: ListBuilder<StructBuilder>,
    tools: StringBuilder,
    response_content: StringBuilder,
    response_tool_calls: StringBuilder,
    prompt_tokens: Int64Builder,
    completion_tokens: Int64Builder,
    latency_ms: Float64Builder,
    status: StringBuilder,
    error: StringBuilder,
    metadata: StringBuilder,
    source_format: StringBuilder,
    source_object: StringBuilder,
    source_line: Int64Builder,
}

impl CallBatchBuilder {
    pub fn new(date_days: i32) -> Self {
        let item = Field::new("item", DataType::Struct(message_fields()), true);
        Self {
            date_days,
            rows: 0,
            call_id: StringBuilder::new(),
            date: Date32Builder::new(),
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            trace_id: StringBuilder::new(),
            span_id: StringBuilder::new(),
            agent: StringBuilder::new(),
            model: StringBuilder::new(),
            messages: ListBuilder::new(StructBuilder::from_fields(message_fields(), 0)).with_field(Arc::new(item)),
            tools: StringBuilder::new(),
            response_content: StringBuilder::new(),
            response_tool_calls: StringBuilder::new(),
            prompt_tokens: Int64Builder::new(),
            completion_tokens: Int64Builder::new(),
            latency_ms: Float64Builder::new(),
            status: StringBuilder::new(),
            error: StringBuilder::new(),
            metadata: StringBuilder::new(),
            source_format: StringBuilder::new(),
            source_object: StringBuilder::new(),
            source_line: Int64Builder::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn push(&mut self, record: &CallRecord, call_id: &str, object_url: &str, line: u64) {
        self.rows += 1;
        self.call_id.append_value(call_id);
        self.date.append_value(self.date_days);
        self.ts.append_option(record.ts_micros);
        self.trace_id.append_option(record.trace_id.as_deref());
        self.span_id.append_option(record.span_id.as_deref());
        self.agent.append_option(record.agent.as_deref());
        self.model.append_option(record.model.as_deref());
        let items = self.messages.values();
        for m in &record.messages {
            field(items, 0).append_value(&m.role);
            field(items, 1).append_option(m.content.as_deref());
            field(items, 2).append_option(m.name.as_deref());
            field(items, 3).append_option(m.tool_call_id.as_deref());
            field(items, 4).append_option(m.tool_calls.as_deref());
            items.append(true);
        }
        self.messages.append(true);
        self.tools.append_option(record.tools.as_deref());
        self.response_content.append_option(record.response_content.as_deref());
        self.response_tool_calls.append_option(record.response_tool_calls.as_deref());
        self.prompt_tokens.append_option(record.prompt_tokens);
        self.completion_tokens.append_option(record.completion_tokens);
        self.latency_ms.append_option(record.latency_ms);
        self.status.append_value(&record.status);
        self.error.append_option(record.error.as_deref());
        self.metadata.append_option(record.metadata.as_deref());
        self.source_format.append_value(record.format.as_str());
        self.source_object.append_value(object_url);
        self.source_line.append_value(line as i64);
    }

    /// Takes the rows so far as a batch; the builder starts empty again.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.call_id.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.ts.finish()),
            Arc::new(self.trace_id.finish()),
            Arc::new(self.span_id.finish()),
            Arc::new(self.agent.finish()),
            Arc::new(self.model.finish()),
            Arc::new(self.messages.finish()),
            Arc::new(self.tools.finish()),
            Arc::new(self.response_content.finish()),
            Arc::new(self.response_tool_calls.finish()),
            Arc::new(self.prompt_tokens.finish()),
            Arc::new(self.completion_tokens.finish()),
            Arc::new(self.latency_ms.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.metadata.finish()),
            Arc::new(self.source_format.finish()),
            Arc::new(self.source_object.finish()),
            Arc::new(self.source_line.finish()),
        ];
        RecordBatch::try_new(tables::calls_schema(), columns).map_err(|e| Error::arrow("building a calls batch", e))
    }
}

fn field(s: &mut StructBuilder, i: usize) -> &mut StringBuilder {
    s.field_builder::<StringBuilder>(i).expect("message fields are strings")
}

/// One quarantined line or object (never its text).
#[derive(Debug, Clone)]
pub struct QuarantineRow {
    pub source_object: String,
    pub line: Option<u64>,
    pub reason: &'static str,
    pub detail: String,
    pub bytes: Option<u64>,
}

pub fn quarantine_batch(date_days: i32, run_id: &str, task_id: &str, rows: &[QuarantineRow]) -> Result<RecordBatch> {
    let n = rows.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow::array::Date32Array::from(vec![date_days; n])),
        Arc::new(arrow::array::StringArray::from(vec![run_id; n])),
        Arc::new(arrow::array::StringArray::from(vec![task_id; n])),
        Arc::new(arrow::array::StringArray::from_iter_values(rows.iter().map(|r| r.source_object.as_str()))),
        Arc::new(arrow::array::Int64Array::from_iter(rows.iter().map(|r| r.line.map(|l| l as i64)))),
        Arc::new(arrow::array::StringArray::from_iter_values(rows.iter().map(|r| r.reason))),
        Arc::new(arrow::array::StringArray::from_iter_values(rows.iter().map(|r| r.detail.as_str()))),
        Arc::new(arrow::array::Int64Array::from_iter(rows.iter().map(|r| r.bytes.map(|b| b as i64)))),
    ];
    RecordBatch::try_new(tables::quarantine_schema(), columns).map_err(|e| Error::arrow("building quarantine rows", e))
}

/// One object read by ingest, for the `ingested_objects` manifest.
#[derive(Debug, Clone)]
pub struct ObjectRow {
    pub url: String,
    pub key_sha256: String,
    pub size: u64,
    pub etag: Option<String>,
    pub last_modified_micros: i64,
    pub lines: u64,
    pub calls: u64,
    pub quarantined: u64,
}

pub fn objects_batch(date_days: i32, run_id: &str, task_id: &str, rows: &[ObjectRow]) -> Result<RecordBatch> {
    let n = rows.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow::array::Date32Array::from(vec![date_days; n])),
        Arc::new(arrow::array::StringArray::from(vec![run_id; n])),
        Arc::new(arrow::array::StringArray::from(vec![task_id; n])),
        Arc::new(arrow::array::StringArray::from_iter_values(rows.iter().map(|r| r.url.as_str()))),
        Arc::new(arrow::array::StringArray::from_iter_values(rows.iter().map(|r| r.key_sha256.as_str()))),
        Arc::new(arrow::array::Int64Array::from_iter_values(rows.iter().map(|r| r.size as i64))),
        Arc::new(arrow::array::StringArray::from_iter(rows.iter().map(|r| r.etag.as_deref()))),
        Arc::new(
            arrow::array::TimestampMicrosecondArray::from_iter_values(rows.iter().map(|r| r.last_modified_micros))
                .with_timezone("UTC"),
        ),
        Arc::new(arrow::array::Int64Array::from_iter_values(rows.iter().map(|r| r.lines as i64))),
        Arc::new(arrow::array::Int64Array::from_iter_values(rows.iter().map(|r| r.calls as i64))),
        Arc::new(arrow::array::Int64Array::from_iter_values(rows.iter().map(|r| r.quarantined as i64))),
    ];
    RecordBatch::try_new(tables::ingested_objects_schema(), columns)
        .map_err(|e| Error::arrow("building ingested_objects rows", e))
}


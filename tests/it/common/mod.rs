//! Shared fixtures: a small corpus of agent calls with canary PII planted in
//! every place text lives, temporary warehouses, and DAG helpers.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{json, Value};
#[allow(unused_imports)] // Not every test file forces tasks.
pub use slm_pipeline::dag::Force;
use slm_pipeline::dag::{Dag, Runner, TestClock};
use slm_pipeline::warehouse::Warehouse;

pub const DATE: &str = "2026-11-20";

pub fn date() -> NaiveDate {
    NaiveDate::parse_from_str(DATE, "%Y-%m-%d").unwrap()
}

/// One canary per entity type: (tag, raw value). Values are unique strings
/// that appear nowhere else in the corpus.
pub fn canaries() -> Vec<(&'static str, &'static str)> {
    vec![
        ("EMAIL", "canary.zq7@example-mail.org"),
        ("PHONE", "+44 20 7946 0958"),
        ("CARD", "4539 1488 0343 6467"),
        ("IBAN", "GB82 WEST 1234 5698 7654 32"),
        ("IPV4", "203.0.113.77"),
        ("IPV6", "2001:db8:85a3::8a2e:370:7334"),
        ("SSN", "219-09-9999"),
        ("API_KEY", "sk-proj-Zq7canaryT0kenAbcdefGhijklmn0123456789"),
        ("API_KEY", "AKIAZQ7CANARY0123456"),
        ("API_KEY", "ghp_Zq7canaryGithubToken0123456789abcdefgh"),
        ("JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6cTdjYW5hcnkifQ.c2lnbmF0dXJlWnE3Y2FuYXJ5"),
        ("BEARER", "Bearer zq7CanaryBearerTokenValue0123456789"),
        ("URL", "https://zq7user:zq7pass@internal.example.com/path"),
        ("URL", "https://api.example.com/v1/data?access_token=zq7canaryquerytoken"),
    ]
}

/// The secret part of a canary that must never reappear (for a bearer
/// header, the token, since the word `Bearer` stays).
pub fn secret_part(value: &str) -> &str {
    value.strip_prefix("Bearer ").unwrap_or(value)
}

/// An OpenAI-chat call line with canaries in every place text lives.
pub fn call_with_pii(i: usize, canary: &str) -> Value {
    json!({
        "trace_id": format!("trace{i:04}"), "span_id": format!("span{i:04}"),
        "ts": "2026-11-20T10:00:00Z", "agent": "metagpt", "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": format!("You are a helpful assistant. Escalate to {canary}.")},
            {"role": "user", "content": format!("Please contact {canary} about the invoice #{i}.")},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": json!({"who": canary}).to_string()}}]},
            {"role": "tool", "tool_call_id": "c1", "content": format!("found: {canary}")}
        ],
        "tools": [{"type": "function", "function": {"name": "send_email", "description": format!("default recipient {canary}"), "parameters": {"type": "object", "properties": {"to": {"type": "string", "default": canary}}}}}],
        "response": {"content": format!("I have written to {canary}."), "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "send_email", "arguments": json!({"to": canary, "body": "hi"}).to_string()}}]},
        "usage": {"prompt_tokens": 100 + i, "completion_tokens": 20}, "latency_ms": 900 + i, "status": "ok",
        "user": {"contact": canary}, "client_note": format!("note {canary}")
    })
}

pub fn plain_call(i: usize) -> Value {
    json!({
        "trace_id": format!("plain{i:04}"), "span_id": format!("s{i:04}"),
        "ts": "2026-11-20T11:00:00Z", "agent": "operator", "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": format!("Summarize the meeting notes number {i}.")}],
        "response": {"content": "A short summary."},
        "usage": {"prompt_tokens": 50, "completion_tokens": 10}, "latency_ms": 300 + i, "status": "ok"
    })
}

pub fn write_lines(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    for line in lines {
        writeln!(f, "{line}").unwrap();
    }
}

pub fn write_gz(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = std::fs::File::create(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    for line in lines {
        writeln!(enc, "{line}").unwrap();
    }
    enc.finish().unwrap();
}

pub fn write_zst(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = std::fs::File::create(path).unwrap();
    let mut enc = zstd::stream::write::Encoder::new(f, 3).unwrap();
    for line in lines {
        writeln!(enc, "{line}").unwrap();
    }
    enc.finish().unwrap();
}

/// A temporary project: logs folder, warehouse, and the repository's SQL.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }
    pub fn logs(&self) -> PathBuf {
        self.dir.path().join("logs")
    }
    pub fn warehouse_path(&self) -> PathBuf {
        self.dir.path().join("warehouse")
    }
    pub fn warehouse(&self) -> Warehouse {
        Warehouse::open(self.warehouse_path().to_str().unwrap()).unwrap()
    }
    /// Writes a DAG file into `<project>/dags/` (so `sql/...` resolves to the
    /// repository's files through the working directory of `cargo test`).
    pub fn dag(&self, yaml: &str) -> Dag {
        let path = self.dir.path().join("dags").join("test.yaml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, yaml).unwrap();
        Dag::load(&path).unwrap()
    }
    /// ingest -> anonymize over `<project>/logs/<date>/`, keyed by `key_env`.
    pub fn standard_dag(&self, key_env: &str) -> Dag {
        self.dag(&standard_yaml(&self.logs(), key_env))
    }
}

pub fn standard_yaml(logs: &Path, key_env: &str) -> String {
    format!(
        "name: test\ndefaults: {{retries: 2, retry_backoff_secs: 7, timeout_secs: 600}}\ntasks:\n  - id: ingest\n    kind: ingest\n    with: {{source: '{}/{{{{ ds }}}}/', max_line_bytes: 65536, concurrency: 2}}\n  - id: anonymize\n    kind: anonymize\n    needs: [ingest]\n    with: {{key_env: {key_env}}}\n",
        logs.display()
    )
}

pub fn set_key(var: &str) {
    std::env::set_var(var, "test-key-0123456789abcdef-not-for-production");
}

pub fn runner(wh: Warehouse) -> (Runner, Arc<TestClock>) {
    let clock = Arc::new(TestClock::new(chrono::Utc::now()));
    (Runner::new(wh, clock.clone()), clock)
}

/// All files under a folder, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every byte of every file under `dir`, plus the decoded text of every
/// Parquet file (compressed pages would hide a plain-text leak from a raw
/// byte scan).
pub fn warehouse_text(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for path in files_under(dir) {
        let bytes = std::fs::read(&path).unwrap();
        if path.extension().is_some_and(|e| e == "parquet") {
            let file = std::fs::File::open(&path).unwrap();
            let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            let mut decoded = Vec::new();
            {
                let mut writer = arrow::json::LineDelimitedWriter::new(&mut decoded);
                for batch in reader {
                    writer.write(&batch.unwrap()).unwrap();
                }
                writer.finish().unwrap();
            }
            out.push((path.with_extension("parquet.decoded"), decoded));
        }
        out.push((path, bytes));
    }
    out
}

pub async fn count(wh: &Warehouse, sql: &str) -> i64 {
    let ctx = slm_pipeline::warehouse::session::warehouse_session(wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, sql).await.unwrap();
    let col = batches[0].column(0);
    arrow::compute::cast(col, &arrow::datatypes::DataType::Int64)
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0)
}

/// A query's result as text (the query must order its rows).
pub async fn table_text(wh: &Warehouse, sql: &str) -> String {
    let ctx = slm_pipeline::warehouse::session::warehouse_session(wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, sql).await.unwrap();
    arrow::util::pretty::pretty_format_batches(&batches).unwrap().to_string()
}

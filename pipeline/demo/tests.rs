//! Tests of the demo corpus generator: determinism, format, labels, PII,
//! faults, compression, rotation, answer consistency and speed.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use serde_json::Value;

use super::*;

const MIB: usize = 1 << 20;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date")
}

fn cfg(dir: &Path, calls: usize, seed: u64, faults: bool) -> DemoConfig {
    DemoConfig {
        out_dir: dir.to_path_buf(),
        calls,
        date: date(),
        seed,
        faults,
    }
}

/// The decoded bytes of an object, and whether it decoded to the end.
fn decode(path: &Path) -> (Vec<u8>, bool) {
    let raw = fs::read(path).expect("object readable");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("file name");
    if name.ends_with(".gz") {
        let mut d = MultiGzDecoder::new(&raw[..]);
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 14];
        loop {
            match d.read(&mut buf) {
                Ok(0) => return (out, true),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => return (out, false),
            }
        }
    } else if name.ends_with(".zst") {
        match zstd::decode_all(&raw[..]) {
            Ok(v) => (v, true),
            Err(_) => (Vec::new(), false),
        }
    } else {
        (raw, true)
    }
}

struct Label {
    trace: String,
    span: String,
    label: String,
    corrupt: bool,
}

fn read_labels(path: &Path) -> Vec<Label> {
    let text = fs::read_to_string(path).expect("labels readable");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("trace_id,span_id,label,in_corrupt_object")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 4, "label row {l}");
            Label {
                trace: f[0].into(),
                span: f[1].into(),
                label: f[2].into(),
                corrupt: f[3] == "true",
            }
        })
        .collect()
}

/// One LLM call as read back from either format.
#[derive(Debug)]
struct Parsed {
    trace: String,
    span: String,
    agent: String,
    status: String,
    otel: bool,
    /// (role, text) — tool calls rendered as `name(args)`.
    messages: Vec<(String, String)>,
    tool_names: Vec<String>,
    content: Option<String>,
    tool_calls: Vec<(String, Value)>,
    prompt_tokens: u64,
    completion_tokens: u64,
}

impl Parsed {
    fn prompt(&self) -> String {
        self.messages
            .iter()
            .map(|m| m.1.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
    fn user(&self) -> String {
        self.messages
            .iter()
            .filter(|m| m.0 != "system")
            .map(|m| m.1.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses an OpenAI-style line; `None` when it is malformed (as the ingest
/// must see it: unparsable, not an object, no `messages` array, > 2 MiB).
fn parse_openai(line: &[u8]) -> Option<Parsed> {
    if line.len() > 2 * MIB {
        return None;
    }
    let v: Value = serde_json::from_slice(line).ok()?;
    let o = v.as_object()?;
    let msgs = o.get("messages")?.as_array()?;
    let s = |k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("field {k} in {}", &String::from_utf8_lossy(line)[..200]))
            .to_string()
    };
    let (trace, span, ts, status) = (s("trace_id"), s("span_id"), s("ts"), s("status"));
    assert!(
        is_hex(&trace, 32) && is_hex(&span, 16),
        "ids {trace} {span}"
    );
    assert!(
        ts.starts_with("2026-11-20T") && ts.ends_with('Z') && ts.len() == 24,
        "ts {ts}"
    );
    assert!(!s("model").is_empty());
    let mut messages = Vec::new();
    for m in msgs {
        let role = m["role"].as_str().expect("role").to_string();
        assert!(
            ["system", "user", "assistant", "tool"].contains(&role.as_str()),
            "role {role}"
        );
        let text = match m["content"].as_str() {
            Some(t) => t.to_string(),
            None => m["tool_calls"]
                .as_array()
                .expect("content or tool_calls")
                .iter()
                .map(|t| {
                    format!(
                        "{}({})",
                        t["function"]["name"],
                        t["function"]["arguments"].as_str().unwrap_or("")
                    )
                })
                .collect(),
        };
        messages.push((role, text));
    }
    assert_eq!(messages.first().map(|m| m.0.as_str()), Some("system"));
    assert!(messages.iter().any(|m| m.0 == "user"));
    let tool_names = o
        .get("tools")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |ts| {
            ts.iter()
                .map(|t| {
                    t["function"]["name"]
                        .as_str()
                        .expect("tool name")
                        .to_string()
                })
                .collect()
        });
    assert!(o["latency_ms"].as_u64().expect("latency") > 0);
    let mut p = Parsed {
        trace,
        span,
        agent: s("agent"),
        status: status.clone(),
        otel: false,
        messages,
        tool_names,
        content: None,
        tool_calls: Vec::new(),
        prompt_tokens: 0,
        completion_tokens: 0,
    };
    if status == "ok" {
        let r = &o["response"];
        p.content = r["content"].as_str().map(str::to_string);
        if let Some(tcs) = r.get("tool_calls").and_then(Value::as_array) {
            for t in tcs {
                let args: Value = serde_json::from_str(
                    t["function"]["arguments"]
                        .as_str()
                        .expect("arguments string"),
                )
                .expect("arguments are JSON");
                p.tool_calls.push((
                    t["function"]["name"].as_str().expect("name").to_string(),
                    args,
                ));
            }
        }
        assert!(
            p.content.is_some() == p.tool_calls.is_empty(),
            "content xor tool_calls"
        );
        p.prompt_tokens = o["usage"]["prompt_tokens"].as_u64().expect("prompt_tokens");
        p.completion_tokens = o["usage"]["completion_tokens"]
            .as_u64()
            .expect("completion_tokens");
    } else {
        assert_eq!(status, "error");
        assert!(!s("error").is_empty());
        assert!(o.get("response").is_none());
    }
    Some(p)
}

fn attrs(span: &Value) -> HashMap<String, Value> {
    span["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["key"].as_str().expect("key").to_string(),
                a["value"].clone(),
            )
        })
        .collect()
}

/// Parses one OTLP/JSON line into its gen_ai calls (and counts other spans).
fn parse_otel(line: &[u8], http_spans: &mut usize) -> Option<Vec<Parsed>> {
    let v: Value = serde_json::from_slice(line).ok()?;
    let day0 = day_epoch_ns(date());
    let mut out = Vec::new();
    for rs in v["resourceSpans"].as_array()? {
        for ss in rs["scopeSpans"].as_array().expect("scopeSpans") {
            for sp in ss["spans"].as_array().expect("spans") {
                let (trace, span) = (
                    sp["traceId"].as_str().expect("traceId"),
                    sp["spanId"].as_str().expect("spanId"),
                );
                assert!(is_hex(trace, 32) && is_hex(span, 16));
                let start: u64 = sp["startTimeUnixNano"]
                    .as_str()
                    .expect("start is a string")
                    .parse()
                    .expect("number");
                let end: u64 = sp["endTimeUnixNano"]
                    .as_str()
                    .expect("end is a string")
                    .parse()
                    .expect("number");
                assert!(start < end && start >= day0 && start < day0 + 86_400_000_000_000);
                let a = attrs(sp);
                let Some(model) = a.get("gen_ai.request.model") else {
                    assert!(a.contains_key("http.request.method"));
                    *http_spans += 1;
                    continue;
                };
                assert!(model["stringValue"].as_str().is_some_and(|m| !m.is_empty()));
                let sv = |k: &str| {
                    a.get(k)
                        .and_then(|v| v["stringValue"].as_str())
                        .map(str::to_string)
                };
                let agent = sv("gen_ai.agent.name").expect("gen_ai.agent.name");
                let input: Value =
                    serde_json::from_str(&sv("gen_ai.input.messages").expect("input messages"))
                        .expect("input messages JSON");
                let mut messages = Vec::new();
                for m in input.as_array().expect("array") {
                    let parts = m["parts"].as_array().expect("parts");
                    let text: String = parts
                        .iter()
                        .map(|p| match p["type"].as_str().expect("part type") {
                            "text" => p["content"].as_str().expect("text content").to_string(),
                            "tool_call" => format!("{}({})", p["name"], p["arguments"]),
                            "tool_call_response" => {
                                p["response"].as_str().expect("response").to_string()
                            }
                            t => panic!("part type {t}"),
                        })
                        .collect();
                    messages.push((m["role"].as_str().expect("role").to_string(), text));
                }
                let tool_names = sv("gen_ai.tool.definitions").map_or(Vec::new(), |t| {
                    serde_json::from_str::<Value>(&t)
                        .expect("tools JSON")
                        .as_array()
                        .expect("tools array")
                        .iter()
                        .map(|t| t["function"]["name"].as_str().expect("name").to_string())
                        .collect()
                });
                let code = sp["status"]["code"].as_u64().expect("status code");
                let mut p = Parsed {
                    trace: trace.into(),
                    span: span.into(),
                    agent,
                    status: if code == 2 {
                        "error".into()
                    } else {
                        "ok".into()
                    },
                    otel: true,
                    messages,
                    tool_names,
                    content: None,
                    tool_calls: Vec::new(),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                };
                if code != 2 {
                    let int = |k: &str| {
                        a[k]["intValue"]
                            .as_str()
                            .expect("intValue string")
                            .parse::<u64>()
                            .expect("int")
                    };
                    p.prompt_tokens = int("gen_ai.usage.input_tokens");
                    p.completion_tokens = int("gen_ai.usage.output_tokens");
                    let output: Value = serde_json::from_str(
                        &sv("gen_ai.output.messages").expect("output messages"),
                    )
                    .expect("output JSON");
                    for part in output[0]["parts"].as_array().expect("parts") {
                        match part["type"].as_str() {
                            Some("text") => {
                                p.content =
                                    Some(part["content"].as_str().expect("content").to_string())
                            }
                            Some("tool_call") => p.tool_calls.push((
                                part["name"].as_str().expect("name").to_string(),
                                part["arguments"].clone(),
                            )),
                            t => panic!("output part {t:?}"),
                        }
                    }
                } else {
                    assert!(
                        a.contains_key("error.type") && !a.contains_key("gen_ai.output.messages")
                    );
                }
                out.push(p);
            }
        }
    }
    Some(out)
}

struct Corpus {
    _dir: tempfile::TempDir,
    summary: DemoSummary,
    labels: Vec<Label>,
    calls: Vec<Parsed>,
    /// Concatenated decoded bytes of the intact objects.
    raw: Vec<u8>,
    malformed: Vec<Vec<u8>>,
    http_spans: usize,
    corrupt: Option<(Vec<u8>, bool)>,
}

fn corpus(calls: usize, seed: u64, faults: bool) -> Corpus {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(&cfg(dir.path(), calls, seed, faults)).expect("generate");
    let labels = read_labels(&summary.labels_path);
    let mut c = Corpus {
        _dir: dir,
        summary,
        labels,
        calls: Vec::new(),
        raw: Vec::new(),
        malformed: Vec::new(),
        http_spans: 0,
        corrupt: None,
    };
    for path in c.summary.objects.clone() {
        let (bytes, complete) = decode(&path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        if name.starts_with("corrupt-") {
            c.corrupt = Some((bytes, complete));
            continue;
        }
        assert!(complete, "{name} decodes to the end");
        assert!(bytes.ends_with(b"\n"), "{name} ends with a newline");
        for line in bytes[..bytes.len() - 1].split(|&b| b == b'\n') {
            let parsed = if name.starts_with("otel-") {
                parse_otel(line, &mut c.http_spans)
            } else {
                parse_openai(line).map(|p| vec![p])
            };
            match parsed {
                Some(ps) => c.calls.extend(ps),
                None => c.malformed.push(line.to_vec()),
            }
        }
        c.raw.extend_from_slice(&bytes);
    }
    c
}

#[test]
fn same_seed_gives_identical_bytes_and_other_seed_differs() {
    let snapshot = |seed: u64| {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generate(&cfg(dir.path(), 1500, seed, true)).expect("generate");
        let mut files: Vec<(String, Vec<u8>)> = s
            .objects
            .iter()
            .chain([&s.labels_path, &s.pii_path])
            .map(|p| {
                (
                    p.strip_prefix(dir.path())
                        .expect("under out_dir")
                        .display()
                        .to_string(),
                    fs::read(p).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    };
    let a = snapshot(42);
    let b = snapshot(42);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert!(
            x.1 == y.1,
            "{} differs between runs with the same seed",
            x.0
        );
    }
    let c = snapshot(43);
    let labels = |f: &[(String, Vec<u8>)]| {
        f.iter()
            .find(|x| x.0.starts_with("labels"))
            .expect("labels")
            .1
            .clone()
    };
    assert_ne!(labels(&a), labels(&c));
}

#[test]
fn every_line_parses_with_required_fields_and_labels_match() {
    let c = corpus(3000, 7, true);
    let s = &c.summary;
    assert_eq!(s.calls, 3000);
    assert_eq!(c.labels.len(), 3000);
    let day = s
        .labels_path
        .parent()
        .and_then(Path::parent)
        .expect("out_dir")
        .join("2026-11-20");
    for o in &s.objects {
        assert_eq!(o.parent(), Some(day.as_path()));
    }
    // Every call read back has exactly one label row, with the right task.
    let by_id: HashMap<(&str, &str), &Label> = c
        .labels
        .iter()
        .map(|l| ((l.trace.as_str(), l.span.as_str()), l))
        .collect();
    assert_eq!(by_id.len(), 3000, "(trace_id, span_id) pairs are unique");
    let intact: Vec<&Label> = c.labels.iter().filter(|l| !l.corrupt).collect();
    assert_eq!(
        c.calls.len(),
        intact.len(),
        "one readable call per intact label"
    );
    let mut seen = HashSet::new();
    for p in &c.calls {
        let l = by_id
            .get(&(p.trace.as_str(), p.span.as_str()))
            .unwrap_or_else(|| panic!("no label for {} {}", p.trace, p.span));
        assert!(!l.corrupt);
        assert!(
            seen.insert((p.trace.clone(), p.span.clone())),
            "call read twice"
        );
    }
    // All task types, in plausible proportions.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &c.labels {
        assert!(
            TASK_LABELS.contains(&l.label.as_str()),
            "unknown label {}",
            l.label
        );
        *counts.entry(l.label.as_str()).or_default() += 1;
    }
    for t in TASK_LABELS {
        assert!(
            counts.get(t).copied().unwrap_or(0) >= 60,
            "label {t} has {:?} calls",
            counts.get(t)
        );
    }
    // ~2% errors, ~15% OTel, and plausible token counts.
    let errors = c.calls.iter().filter(|p| p.status == "error").count();
    assert!((15..=150).contains(&errors), "errors {errors}");
    let otel = c.calls.iter().filter(|p| p.otel).count();
    assert!((250..=750).contains(&otel), "otel calls {otel}");
    assert!(c.http_spans > 0, "some non-gen_ai spans");
    for p in c
        .calls
        .iter()
        .filter(|p| p.status == "ok" && p.tool_names.is_empty())
    {
        let chars = p.prompt().len() as f64;
        let ratio = p.prompt_tokens as f64 / chars;
        assert!(
            (0.15..0.45).contains(&ratio),
            "prompt tokens {} for {chars} chars",
            p.prompt_tokens
        );
        assert!(p.completion_tokens > 0);
    }
    let agents: HashSet<&str> = c.calls.iter().map(|p| p.agent.as_str()).collect();
    for a in ["metagpt", "open-operator", "cradle", "workflow-automation"] {
        assert!(agents.contains(a), "agent {a} present");
    }
}

#[test]
fn faults_are_planted_and_counted() {
    let c = corpus(3000, 11, true);
    assert_eq!(c.summary.malformed_lines, FAULTS.len());
    assert_eq!(
        c.malformed.len(),
        c.summary.malformed_lines,
        "malformed lines read back"
    );
    assert!(
        c.malformed.iter().any(|l| l.len() > 2 * MIB),
        "an over-long line"
    );
    assert!(
        c.malformed.iter().any(|l| std::str::from_utf8(l).is_err()),
        "a line with invalid UTF-8"
    );
    assert!(
        c.malformed
            .iter()
            .any(|l| l.first() == Some(&b'[') && serde_json::from_slice::<Value>(l).is_ok()),
        "a JSON array line"
    );
    assert!(
        c.malformed
            .iter()
            .any(|l| serde_json::from_slice::<Value>(l).is_ok_and(|v| v["messages"].is_number())),
        "messages is a number"
    );
    assert!(
        c.malformed.iter().any(
            |l| serde_json::from_slice::<Value>(l).is_ok_and(|v| v.is_object()
                && v.get("messages").is_none()
                && v.get("resourceSpans").is_none())
        ),
        "messages missing"
    );
    let truncated = c
        .malformed
        .iter()
        .filter(|l| std::str::from_utf8(l).is_ok() && serde_json::from_slice::<Value>(l).is_err())
        .count();
    assert_eq!(
        truncated, 3,
        "truncated JSON lines (two calls, one OTLP request)"
    );
    // Malformed lines are spread over several objects.
    let objects_with_faults = c.summary.objects.iter().filter(|p| {
        let (b, _) = decode(p);
        b.split(|&x| x == b'\n')
            .any(|l| c.malformed.iter().any(|m| m.as_slice() == l))
    });
    assert!(objects_with_faults.count() >= 4);

    // Exactly one corrupt object: gzip truncated mid-stream after valid lines.
    assert_eq!(c.summary.corrupt_objects, 1);
    let (bytes, complete) = c.corrupt.as_ref().expect("corrupt object listed");
    assert!(!complete, "corrupt object must fail to decode fully");
    let corrupt_labels: HashSet<(String, String)> = c
        .labels
        .iter()
        .filter(|l| l.corrupt)
        .map(|l| (l.trace.clone(), l.span.clone()))
        .collect();
    assert!(!corrupt_labels.is_empty());
    let mut full_lines = 0;
    let readable = &bytes[..bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)];
    for line in readable.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let p = parse_openai(line).expect("lines before the cut are valid");
        assert!(
            corrupt_labels.contains(&(p.trace, p.span)),
            "corrupt-object calls are flagged in labels"
        );
        full_lines += 1;
    }
    assert!(
        full_lines >= 1 && full_lines < corrupt_labels.len(),
        "some but not all lines readable: {full_lines} of {}",
        corrupt_labels.len()
    );

    // Without faults: nothing malformed, nothing corrupt, every label intact.
    let clean = corpus(800, 11, false);
    assert_eq!(
        (clean.summary.malformed_lines, clean.summary.corrupt_objects),
        (0, 0)
    );
    assert!(clean.malformed.is_empty() && clean.corrupt.is_none());
    assert!(clean.labels.iter().all(|l| !l.corrupt));
    assert_eq!(clean.calls.len(), 800);
}

#[test]
fn compressed_objects_decode_and_sizes_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = generate(&cfg(dir.path(), 2000, 3, true)).expect("generate");
    let names: Vec<String> = s
        .objects
        .iter()
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_string()
        })
        .collect();
    for want in [
        "metagpt-000.jsonl",
        "operator-000.jsonl.gz",
        "cradle-000.jsonl.zst",
        "workflow-000.jsonl",
        "otel-000.jsonl",
        "corrupt-000.jsonl.gz",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let mut total = 0u64;
    for p in &s.objects {
        let (b, complete) = decode(p);
        let corrupt = p.to_string_lossy().contains("corrupt-");
        assert_eq!(complete, !corrupt, "{}", p.display());
        if p.extension().is_some_and(|e| e == "gz" || e == "zst") && !corrupt {
            assert!(
                fs::metadata(p).expect("meta").len() < b.len() as u64 / 2,
                "{} is compressed",
                p.display()
            );
        }
        total += b.len() as u64;
    }
    // The corrupt object's full content counts, only part of it is readable.
    assert!(total < s.uncompressed_bytes && total > s.uncompressed_bytes * 9 / 10);
}

#[test]
fn objects_rotate_by_size_and_big_corpora_stay_mostly_plain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits {
        object_bytes: 256 << 10,
        big_corpus_calls: 1000,
        big_compressed_bytes: 64 << 10,
    };
    let s = generate_with(&cfg(dir.path(), 2500, 5, false), limits).expect("generate");
    let names: Vec<String> = s
        .objects
        .iter()
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_string()
        })
        .collect();
    for prefix in ["metagpt", "workflow", "otel", "operator", "cradle"] {
        assert!(
            names.iter().filter(|n| n.starts_with(prefix)).count() >= 2,
            "{prefix} rotated: {names:?}"
        );
    }
    assert!(names.contains(&"metagpt-001.jsonl".to_string()));
    // Big corpus: the first operator/cradle object compressed, the rest plain.
    assert_eq!(names.iter().filter(|n| n.ends_with(".gz")).count(), 1);
    assert_eq!(names.iter().filter(|n| n.ends_with(".zst")).count(), 1);
    assert!(
        names.contains(&"operator-000.jsonl.gz".to_string())
            && names.contains(&"operator-001.jsonl".to_string())
    );
    for p in &s.objects {
        let (b, complete) = decode(p);
        assert!(complete);
        let cap = if p.extension().is_some_and(|e| e == "jsonl") {
            limits.object_bytes
        } else {
            limits.big_compressed_bytes
        };
        assert!(
            b.len() as u64 <= cap + (64 << 10),
            "{} is {} bytes",
            p.display(),
            b.len()
        );
    }
    let labels = read_labels(&s.labels_path);
    assert_eq!(labels.len(), 2500);
}

/// Positions of all occurrences of `pat`.
fn positions<'a>(hay: &'a [u8], pat: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    (0..hay.len().saturating_sub(pat.len() - 1))
        .filter(move |&i| hay[i] == pat[0] && &hay[i..i + pat.len()] == pat)
}

#[test]
fn planted_pii_is_unique_present_and_the_only_pii() {
    let c = corpus(3000, 21, true);
    let text = fs::read_to_string(&c.summary.pii_path).expect("pii list");
    let values: Vec<&str> = text.lines().collect();
    assert_eq!(values.len(), c.summary.planted_pii);
    assert!(
        values.iter().collect::<HashSet<_>>().len() == values.len(),
        "values are unique"
    );
    assert!(values.iter().all(|v| v.len() >= 8));

    // Find every occurrence with one pass keyed on the first 8 bytes.
    let mut by_prefix: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, v) in values.iter().enumerate() {
        by_prefix.entry(&v.as_bytes()[..8]).or_default().push(i);
    }
    let raw = &c.raw;
    let mut found = vec![0usize; values.len()];
    let mut covered = vec![false; raw.len()];
    for i in 0..raw.len().saturating_sub(7) {
        if let Some(cands) = by_prefix.get(&raw[i..i + 8]) {
            for &k in cands {
                let v = values[k].as_bytes();
                if raw[i..].starts_with(v) {
                    found[k] += 1;
                    covered[i..i + v.len()].iter_mut().for_each(|b| *b = true);
                }
            }
        }
    }
    let missing: Vec<&str> = values
        .iter()
        .zip(&found)
        .filter(|(_, n)| **n == 0)
        .map(|(v, _)| *v)
        .collect();
    assert!(
        missing.is_empty(),
        "planted values not in the logs: {missing:?}"
    );

    // Kinds are all represented.
    let has = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    assert!(
        has(&|v| v.contains('@') && !v.starts_with("https://")),
        "e-mail"
    );
    assert!(
        has(&|v| v.starts_with("+44 "))
            && has(&|v| v.starts_with("+1 ("))
            && has(&|v| v.starts_with("+33 ")),
        "phones"
    );
    assert!(
        has(&|v| pii::luhn_valid(v)
            && v.chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')),
        "cards"
    );
    assert!(
        has(&|v| v.len() >= 15
            && v.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
            && pii::iban_mod97(v) == 1),
        "IBANs"
    );
    assert!(
        has(&|v| v.split('.').count() == 4 && v.split('.').all(|p| p.parse::<u8>().is_ok())),
        "IPv4"
    );
    assert!(
        has(&|v| v.contains(':') && !v.contains("//") && !v.contains(' ')),
        "IPv6"
    );
    assert!(
        has(&|v| v.len() == 11 && v.as_bytes()[3] == b'-' && v.as_bytes()[6] == b'-'),
        "SSN"
    );
    assert!(
        has(&|v| v.starts_with("sk-proj-"))
            && has(&|v| v.starts_with("AKIA") && v.len() == 20)
            && has(&|v| v.starts_with("ghp_") && v.len() == 40),
        "keys"
    );
    assert!(
        has(&|v| v.starts_with("eyJ") && v.split('.').count() == 3),
        "JWT"
    );
    assert!(
        has(&|v| v.starts_with("https://") && v.contains('@'))
            && has(&|v| v.contains("?access_token=") || v.contains("?token=")),
        "URLs"
    );
    for v in &values {
        if pii::luhn_valid(v)
            && v.len() <= 19
            && v.chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        {
            continue;
        }
        let iban_like = ["DE", "GB", "FR", "NL", "ES"]
            .iter()
            .any(|cc| v.starts_with(cc))
            && v.as_bytes()[2..4].iter().all(u8::is_ascii_digit)
            && v.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
        if iban_like {
            assert_eq!(pii::iban_mod97(v), 1, "IBAN checksum {v}");
        }
    }

    // ~30% of calls carry PII (OpenAI-format lines, one call per line).
    let (mut lines, mut with_pii, mut start) = (0, 0, 0);
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' {
            let line = &raw[start..i];
            if line.starts_with(b"{\"trace_id\"") {
                lines += 1;
                if covered[start..i].iter().any(|&x| x) {
                    with_pii += 1;
                }
            }
            start = i + 1;
        }
    }
    let share = with_pii as f64 / lines as f64;
    println!("share of OpenAI-format calls with PII: {share:.3}");
    assert!(
        (0.2..0.45).contains(&share),
        "share of calls with PII {share:.3}"
    );

    // Nothing PII-shaped appears outside the planted values.
    let mut unplanted = Vec::new();
    let mut check = |pos: usize, what: &str| {
        if !covered[pos] {
            let from = pos.saturating_sub(30);
            unplanted.push(format!(
                "{what}: {}",
                String::from_utf8_lossy(&raw[from..(pos + 40).min(raw.len())])
            ));
        }
    };
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    for i in positions(raw, b"@") {
        // (`\n@decorator` in escaped JSON is not an address)
        if i > 1
            && (raw[i - 1].is_ascii_alphanumeric() || raw[i - 1] == b'.')
            && raw[i - 2] != b'\\'
            && raw[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'.')
                .any(|b| *b == b'.')
        {
            check(i, "e-mail");
        }
    }
    for pat in ["+1 (", "+1-", "+44 ", "+33 ", "+49 ", "+81 "] {
        for i in positions(raw, pat.as_bytes()) {
            check(i, "phone");
        }
    }
    for pat in [
        "sk-proj-",
        "sk-ant-",
        "ghp_",
        "AKIA",
        "eyJ",
        "2a02:",
        "2001:4860:",
        "2600:1f18:",
        "2a00:1450:",
        "2607:f8b0:",
        "2c0f:fb50:",
    ] {
        for i in positions(raw, pat.as_bytes()) {
            if i == 0 || !word(raw[i - 1]) {
                check(i, pat);
            }
        }
    }
    for pat in [
        "Bearer ",
        "IBAN ",
        "access_token=",
        "?token=",
        "api_key=",
        "sig=",
    ] {
        for i in positions(raw, pat.as_bytes()) {
            let j = i + pat.len();
            if j < raw.len() && raw[j].is_ascii_alphanumeric() {
                check(j, pat);
            }
        }
    }
    // Digit patterns: SSN (3-2-4), dotted quads, 15-16 digit runs, 4x4 groups.
    let digits_at = |i: usize| raw[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = 0;
    while i < raw.len() {
        if !raw[i].is_ascii_digit()
            || (i > 0 && (raw[i - 1].is_ascii_digit() || raw[i - 1] == b'.' || raw[i - 1] == b'-'))
        {
            i += 1;
            continue;
        }
        let n = digits_at(i);
        let after = |k: usize| raw.get(k).copied().unwrap_or(b' ');
        if n == 3
            && after(i + 3) == b'-'
            && digits_at(i + 4) == 2
            && after(i + 6) == b'-'
            && digits_at(i + 7) == 4
            && !after(i + 11).is_ascii_digit()
            && after(i + 11) != b'-'
        {
            check(i, "ssn");
        }
        if (1..=3).contains(&n) {
            let mut k = i + n;
            let mut parts = 1;
            while parts < 4 && after(k) == b'.' && (1..=3).contains(&digits_at(k + 1)) {
                k += 1 + digits_at(k + 1);
                parts += 1;
            }
            if parts == 4
                && !after(k).is_ascii_digit()
                && !(after(k) == b'.' && after(k + 1).is_ascii_digit())
            {
                check(i, "ipv4");
            }
        }
        if (n == 15 || n == 16)
            && (i == 0 || !raw[i - 1].is_ascii_alphanumeric())
            && !after(i + n).is_ascii_alphanumeric()
        {
            check(i, "card digits");
        }
        if n == 4 {
            let sep = after(i + 4);
            if (sep == b' ' || sep == b'-')
                && digits_at(i + 5) == 4
                && after(i + 9) == sep
                && digits_at(i + 10) == 4
                && after(i + 14) == sep
                && digits_at(i + 15) == 4
            {
                check(i, "card groups");
            }
        }
        i += n.max(1);
    }
    assert!(
        unplanted.is_empty(),
        "PII-like text not in the planted list: {:#?}",
        &unplanted[..unplanted.len().min(10)]
    );
}

fn words(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn answers_follow_from_prompts() {
    let c = corpus(3000, 99, false);
    let label: HashMap<(&str, &str), &str> = c
        .labels
        .iter()
        .map(|l| ((l.trace.as_str(), l.span.as_str()), l.label.as_str()))
        .collect();
    let mut checked: HashMap<&str, usize> = HashMap::new();
    for p in c.calls.iter().filter(|p| p.status == "ok") {
        let task = label[&(p.trace.as_str(), p.span.as_str())];
        let user = p.user();
        let content = p.content.clone().unwrap_or_default();
        match task {
            "gui_automation" => {
                let a: Value = serde_json::from_str(&content).expect("action JSON");
                let action = a["action"].as_str().expect("action");
                assert!(
                    [
                        "click",
                        "type",
                        "select",
                        "scroll",
                        "done",
                        "hotkey",
                        "turn",
                        "move_forward",
                        "interact"
                    ]
                    .contains(&action),
                    "{action}"
                );
                if let Some(id) = a["element_id"].as_u64() {
                    assert!(
                        user.contains(&format!("[{id}]")) || user.contains(&format!("\n{id}. ")),
                        "element {id} on screen"
                    );
                }
                for k in ["text", "value"] {
                    if let Some(t) = a[k].as_str() {
                        assert!(
                            user.contains(t),
                            "typed/selected text {t:?} comes from the goal"
                        );
                    }
                }
                if action == "turn" {
                    let d = a["degrees"].as_i64().expect("degrees");
                    assert!(user.contains(&format!(
                        "{} degrees to the {}",
                        d.abs(),
                        if d < 0 { "left" } else { "right" }
                    )));
                }
            }
            "workflow_tool_call" => {
                assert_eq!(p.tool_calls.len(), 1);
                let (name, args) = &p.tool_calls[0];
                assert!(p.tool_names.contains(name), "{name} is an offered tool");
                let args = args.as_object().expect("arguments object");
                let in_prompt = |k: &str| {
                    args.get(k)
                        .and_then(Value::as_str)
                        .is_none_or(|v| user.contains(v))
                };
                match name.as_str() {
                    "send_email" => assert!(in_prompt("to")),
                    "create_ticket" => assert!(
                        in_prompt("priority") && in_prompt("team") && in_prompt("description")
                    ),
                    "schedule_meeting" => {
                        for a in args["attendees"].as_array().expect("attendees") {
                            assert!(user.contains(a.as_str().expect("attendee")));
                        }
                        assert!(user.contains(&args["duration_minutes"].to_string()));
                    }
                    "update_crm" => assert!(
                        in_prompt("customer_id") && in_prompt("account") && in_prompt("value")
                    ),
                    other => panic!("unexpected tool {other}"),
                }
            }
            "field_extraction" => {
                let a: Value = serde_json::from_str(&content).expect("extraction JSON");
                for (k, v) in a.as_object().expect("object") {
                    let vals: Vec<&str> = match v {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(xs) => xs
                            .iter()
                            .map(|x| x.as_str().expect("string item"))
                            .collect(),
                        Value::Null => vec![],
                        other => panic!("{k}: {other}"),
                    };
                    for s in vals {
                        assert!(user.contains(s), "{k} = {s:?} is in the document");
                    }
                }
            }
            "engineer_code" | "qa_tests" => {
                let code = content
                    .split("```python\n")
                    .nth(1)
                    .expect("fenced python")
                    .split("```")
                    .next()
                    .expect("fence end");
                if task == "engineer_code" {
                    let def = code
                        .lines()
                        .find_map(|l| l.strip_prefix("def ").or_else(|| l.strip_prefix("class ")))
                        .expect("a definition");
                    let name: String = def
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    assert!(user.contains(&name), "{name} is named in the prompt");
                } else {
                    assert!(code.contains("\ndef test_"));
                    let imports_target =
                        code.lines()
                            .filter_map(|l| l.strip_prefix("from "))
                            .any(|l| {
                                let (module, names) =
                                    l.split_once(" import ").expect("from-import");
                                let first = names.split(", ").next().expect("a name");
                                user.contains(&format!("{module}.py"))
                                    && (user.contains(&format!("def {first}("))
                                        || user.contains(&format!("class {first}:")))
                            });
                    assert!(
                        imports_target,
                        "tests import the function under test:\n{code}"
                    );
                }
            }
            "pm_prd" | "architect_design" => {
                let body = content
                    .trim_start_matches("[CONTENT]\n")
                    .trim_end_matches("\n[/CONTENT]");
                if body.starts_with('{') {
                    let v: Value = serde_json::from_str(body).expect("PRD/design JSON");
                    if let Some(req) = v["Original Requirements"].as_str() {
                        assert!(user.contains(req));
                    }
                    if let Some(files) = v["File list"].as_array() {
                        assert!(files.iter().any(|f| f == "main.py"));
                    }
                } else {
                    assert!(content.contains("## Endpoints"));
                }
            }
            "summarization" => {
                let (w, u) = (words(&content), words(&user));
                let shared = w.iter().filter(|x| u.contains(*x)).count();
                assert!(
                    shared as f64 >= 0.8 * w.len() as f64,
                    "summary reuses the text: {content}"
                );
            }
            "open_reasoning" => assert!(content.len() > 80),
            t => panic!("label {t}"),
        }
        *checked.entry(task).or_default() += 1;
    }
    assert_eq!(checked.len(), TASK_LABELS.len());
}

#[test]
#[ignore = "a benchmark (20,000 calls): cargo test --release -p slm-pipeline --lib generation_speed -- --ignored --nocapture"]
fn generation_speed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = std::time::Instant::now();
    let s = generate(&cfg(dir.path(), 20_000, 1, false)).expect("generate");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "generated {} calls, {:.1} MB in {:.2}s: {:.1} MB/s ({} objects, {} PII values)",
        s.calls,
        s.uncompressed_bytes as f64 / 1e6,
        secs,
        s.uncompressed_bytes as f64 / 1e6 / secs,
        s.objects.len(),
        s.planted_pii
    );
    assert_eq!(s.calls, 20_000);
    assert!(
        s.uncompressed_bytes > 20_000 * 1000,
        "calls are realistically sized"
    );
}

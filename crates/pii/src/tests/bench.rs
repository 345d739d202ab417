//! Micro-benchmarks, ignored by default.

use super::*;

// --- micro-benchmark --------------------------------------------------------------

/// `cargo test --release pii -- --ignored --nocapture bench`
#[test]
#[ignore]
fn bench_redact_throughput() {
    let red = r();
    for pii_every in [4096usize, 65536] {
        let docs = bench_corpus(50 << 20, pii_every);
        let total: usize = docs.iter().map(|d| d.len()).sum();
        println!(
            "corpus: {:.1} MB, {} docs, about one entity per {} bytes",
            total as f64 / 1e6,
            docs.len(),
            pii_every
        );
        for (name, json) in [
            ("redact", false),
            ("redact_json", true),
            ("redact", false),
            ("redact_json", true),
        ] {
            let mut c = EntityCounts::default();
            let cpu0 = cpu_ns();
            let t0 = std::time::Instant::now();
            let mut changed = 0usize;
            for d in &docs {
                let out = if json {
                    red.redact_json(d, &mut c)
                } else {
                    red.redact(d, &mut c)
                };
                changed += out.is_some() as usize;
            }
            let s = t0.elapsed().as_secs_f64();
            let cpu = (cpu_ns() - cpu0) as f64 / 1e9;
            println!(
            "{name}: {:.1} MB in {:.3} s wall = {:.0} MB/s; {:.3} s on-CPU = {:.0} MB/s ({} docs, {} changed, {} entities)",
            total as f64 / 1e6,
            s,
            total as f64 / 1e6 / s,
            cpu,
            total as f64 / 1e6 / cpu,
            docs.len(),
            changed,
            c.total()
        );
        }
        // Per-kind figures.
        let kinds = ["prose", "json", "code", "log"];
        for (k, name) in kinds.iter().enumerate() {
            let sub: Vec<&String> = docs.iter().skip(k).step_by(4).collect();
            let n: usize = sub.iter().map(|d| d.len()).sum();
            let mut c = EntityCounts::default();
            let cpu0 = cpu_ns();
            for d in &sub {
                std::hint::black_box(red.redact(d, &mut c));
            }
            let s = (cpu_ns() - cpu0) as f64 / 1e9;
            let cpu0 = cpu_ns();
            for d in &sub {
                std::hint::black_box(red.redact_json(d, &mut c));
            }
            let sj = (cpu_ns() - cpu0) as f64 / 1e9;
            println!(
                "  {name}: redact {:.0} MB/s, redact_json {:.0} MB/s on-CPU",
                n as f64 / 1e6 / s,
                n as f64 / 1e6 / sj
            );
        }
    }
}

/// This thread's on-CPU time in ns (Linux), so that a busy machine does not
/// distort the figure; falls back to wall time elsewhere.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| {
            static T0: OnceLock<std::time::Instant> = OnceLock::new();
            T0.get_or_init(std::time::Instant::now).elapsed().as_nanos() as u64
        })
}

/// Deterministic mixed corpus: prose, JSON lines of agent traffic, code and
/// logs, round-robin, with sparse PII.
fn bench_corpus(bytes: usize, pii_every: usize) -> Vec<String> {
    let seed = std::cell::Cell::new(0x2545F4914F6CDD1Du64);
    let rnd = |n: usize| {
        let mut x = seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        seed.set(x);
        (x % n as u64) as usize
    };
    const WORDS: &[&str] = &[
        "the",
        "model",
        "returns",
        "a",
        "summary",
        "of",
        "document",
        "and",
        "then",
        "we",
        "use",
        "function",
        "to",
        "parse",
        "results",
        "into",
        "table",
        "with",
        "columns",
        "for",
        "each",
        "request",
        "response",
        "agent",
        "tool",
        "call",
        "error",
        "retry",
        "after",
        "seconds",
        "configuration",
        "deployment",
        "version",
        "update",
        "database",
        "query",
        "index",
        "cache",
        "Please",
        "Could",
        "you",
        "check",
        "why",
        "test",
        "fails",
        "on",
        "CI",
        "build",
        "step",
    ];
    const PII: &[&str] = &[
        "alice.smith@example.com",
        "+1 (415) 555-0132",
        "4111 1111 1111 1111",
        "192.168.10.23",
        "DE89 3704 0044 0532 0130 00",
        "123-45-6789",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t",
        "Bearer abc123DEF456ghi789",
        "2001:db8::1",
        "password=hunter2x",
    ];
    let mut docs = Vec::new();
    let mut total = 0;
    let mut i = 0usize;
    while total < bytes {
        let mut d = String::new();
        let target = 800 + rnd(3000);
        match i % 4 {
            0 => {
                while d.len() < target {
                    let n = 5 + rnd(15);
                    for j in 0..n {
                        if j > 0 {
                            d.push(' ');
                        }
                        d.push_str(WORDS[rnd(WORDS.len())]);
                    }
                    d.push_str(if rnd(5) == 0 {
                        ", 42 items in 3.5s.\n"
                    } else {
                        ". "
                    });
                }
            }
            1 => {
                d.push_str(r#"{"id":"chatcmpl-8f3a9c2e-4b1d-4e6f-9a7b-1c2d3e4f5a6b","created":1732098765432,"model":"gpt-4o-mini","messages":[{"role":"user","content":""#);
                while d.len() < target {
                    d.push_str(WORDS[rnd(WORDS.len())]);
                    d.push_str(if rnd(8) == 0 { "\\n" } else { " " });
                }
                d.push_str(r#""}],"usage":{"prompt_tokens":812,"completion_tokens":96,"total_tokens":908},"latency_ms":1234.5,"ts":"2026-11-20T10:00:00Z"}"#);
            }
            2 => {
                // Code with dotted paths and snake_case names (a worst case for
                // the DFA: every `.`/`_` piece is a new word boundary).
                let w = || WORDS[rnd(WORDS.len())].to_lowercase();
                while d.len() < target {
                    let line = match rnd(6) {
                        0 => format!("    let {}_{} = self.{}.{}_{}({}, {});\n", w(), w(), w(), w(), w(), rnd(100), w()),
                        1 => format!("    if {}.{}.len() > {} {{ return Err(Error::{}(\"{}\".into())); }}\n", w(), w(), rnd(4096), w(), w()),
                        2 => format!("    // see {}/{}.rs:{}:{} and {}::{}::{}\n", w(), w(), rnd(999), rnd(99), w(), w(), w()),
                        3 => format!("from {}.{} import {}_{}  # v{}.{}.{}\n", w(), w(), w(), w(), rnd(9), rnd(20), rnd(30)),
                        4 => format!("    config.{}.{}_{} = {}.{}\n", w(), w(), w(), rnd(100), rnd(1000)),
                        _ => format!("fn {}_{}(&mut self, {}: &[u8]) -> Result<Vec<u32>> {{\n", w(), w(), w()),
                    };
                    d.push_str(&line);
                }
            }
            _ => {
                while d.len() < target {
                    d.push_str(&format!(
                        "2026-11-20T10:{:02}:{:02}.{:03}Z INFO worker-{} request_id=3f786850e387550f latency={}ms status=200 path=/api/v1/items/{}\n",
                        rnd(60), rnd(60), rnd(1000), rnd(16), rnd(900), rnd(100000)
                    ));
                }
            }
        }
        // Sparse PII: about one entity per `pii_every` bytes.
        if rnd(pii_every) < d.len() {
            let at = d.len() / 2;
            let at = (0..=at)
                .rev()
                .find(|&k| d.is_char_boundary(k) && d.as_bytes().get(k) == Some(&b' '))
                .unwrap_or(0);
            d.insert_str(at, &format!(" {} ", PII[rnd(PII.len())]));
        }
        total += d.len();
        docs.push(d);
        i += 1;
    }
    docs
}

#[test]
fn a_value_a_detector_fails_on_is_replaced_whole() {
    // No detector panics on purpose; the guard is tested through its own path.
    let mut c = EntityCounts::default();
    let out = r().guarded_for_test("Mia Li, 12 Elm Street", &mut c);
    assert!(out.starts_with("<UNSCANNED_") && !out.contains("Mia"), "{out}");
    assert_eq!(c.get(Entity::Unscanned), 1);
}

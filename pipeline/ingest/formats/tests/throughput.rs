//! Parser throughput on realistic generated lines (ignored benchmarks).

use super::*;
use serde_json::json;

// ----- throughput -------------------------------------------------------

/// A small deterministic generator of realistic lines.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn words(&mut self, n: usize) -> String {
        const W: &[&str] = &[
            "the",
            "agent",
            "must",
            "plan",
            "a",
            "trip",
            "to",
            "Paris",
            "and",
            "book",
            "flights",
            "hotel",
            "for",
            "customer",
            "john.doe@example.com",
            "phone",
            "+1-555-0100",
            "budget",
            "€1,200",
            "résumé",
            "step",
            "1.",
            "2.",
            "\"quoted\"",
            "file.py",
            "def",
            "main():",
            "return",
            "None",
            "日本",
        ];
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(if self.next().is_multiple_of(13) {
                    '\n'
                } else {
                    ' '
                });
            }
            s.push_str(W[(self.next() % W.len() as u64) as usize]);
        }
        s
    }
}

fn realistic_openai_line(rng: &mut Rng, i: usize) -> String {
    let n = 250 + (rng.next() % 200) as usize;
    let sys = rng.words(n);
    let n = 40 + (rng.next() % 120) as usize;
    let user = rng.words(n);
    let mut messages = vec![
        json!({"role": "system", "content": sys}),
        json!({"role": "user", "content": user}),
    ];
    if i.is_multiple_of(2) {
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": format!("call_{i}"), "type": "function", "function": {"name": "search_flights", "arguments": "{\"from\":\"SFO\",\"to\":\"CDG\",\"date\":\"2026-12-01\"}"}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": rng.words(80)}));
    }
    if i.is_multiple_of(5) {
        messages.push(json!({"role": "user", "content": [{"type": "text", "text": rng.words(20)}, {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]}));
    }
    let response = if i.is_multiple_of(3) {
        json!({"id": "chatcmpl-abc", "object": "chat.completion", "created": 1732096800, "model": "gpt-4o-2024-08-06",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": rng.words(60), "refusal": null}, "finish_reason": "stop", "logprobs": null}],
               "usage": {"prompt_tokens": 812, "completion_tokens": 64, "total_tokens": 876}, "system_fingerprint": "fp_1"})
    } else {
        json!({"content": rng.words(50), "tool_calls": [{"id": "call_x", "type": "function", "function": {"name": "book_hotel", "arguments": "{\"city\":\"Paris\",\"nights\":3}"}}]})
    };
    json!({
        "trace_id": format!("{:032x}", rng.next()), "span_id": format!("{:016x}", rng.next()),
        "ts": if i.is_multiple_of(4) { json!(1_779_271_200_123u64 + i as u64) } else { json!("2026-11-20T10:00:00.123Z") },
        "agent": "metagpt", "model": "gpt-4o", "messages": messages,
        "tools": [
            {"type": "function", "function": {"name": "search_flights", "description": "Search flights", "parameters": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "date": {"type": "string", "format": "date"}}, "required": ["from", "to"]}}},
            {"type": "function", "function": {"name": "book_hotel", "description": "Book a hotel", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}}}}}
        ],
        "response": response,
        "usage": {"prompt_tokens": 812, "completion_tokens": 64},
        "latency_ms": 930, "status": "ok", "env": "prod"
    })
    .to_string()
}

fn realistic_otel_line(rng: &mut Rng) -> String {
    let input = json!([
        {"role": "user", "parts": [{"type": "text", "content": rng.words(150)}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "search", "arguments": {"q": "paris"}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": rng.words(60)}]}
    ]);
    let output = json!([{"role": "assistant", "parts": [{"type": "text", "content": rng.words(60)}], "finish_reason": "stop"}]);
    let chat = span(
        vec![
            attr_s("gen_ai.operation.name", "chat"),
            attr_s("gen_ai.provider.name", "openai"),
            attr_s("gen_ai.request.model", "gpt-4o"),
            attr_i("gen_ai.usage.input_tokens", 812),
            attr_i("gen_ai.usage.output_tokens", 64),
            attr_s(
                "gen_ai.system_instructions",
                &json!([{"type": "text", "content": rng.words(200)}]).to_string(),
            ),
            attr_s("gen_ai.input.messages", &input.to_string()),
            attr_s("gen_ai.output.messages", &output.to_string()),
            attr_s("server.address", "api.openai.com"),
        ],
        vec![],
    );
    let http = json!({"traceId": "t", "spanId": "h", "name": "POST", "attributes": [attr_s("http.request.method", "POST")]});
    otlp(vec![chat, http]).to_string()
}

/// `cargo test --release -- --ignored --nocapture bench_parse_line`
#[test]
#[ignore]
fn bench_parse_line() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut openai = Vec::new();
    let mut otel = Vec::new();
    let (mut n_openai, mut n_otel) = (0usize, 0usize);
    let mut i = 0;
    while n_openai < 45_000_000 {
        let l = realistic_openai_line(&mut rng, i);
        n_openai += l.len() + 1;
        openai.push(l);
        i += 1;
    }
    while n_otel < 5_000_000 {
        let l = realistic_otel_line(&mut rng);
        n_otel += l.len() + 1;
        otel.push(l);
    }
    for (name, lines, bytes) in [
        ("openai_chat", &openai, n_openai),
        ("otel_genai", &otel, n_otel),
    ] {
        // Warm up, then best of 3.
        let mut best = f64::MAX;
        let mut records = 0;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            records = 0;
            for l in lines.iter() {
                records += parse_line(l).unwrap().records.len();
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {} lines, {:.1} MB, avg {} B/line, {records} records: {:.0} MB/s, {:.0} lines/s (one core, best of 3)",
            lines.len(),
            bytes as f64 / 1e6,
            bytes / lines.len(),
            bytes as f64 / 1e6 / best,
            lines.len() as f64 / best
        );
        // Reference points: serde_json alone, into a Value and skimming.
        let t = std::time::Instant::now();
        for l in lines.iter() {
            let v: Value = serde_json::from_str(l).unwrap();
            std::hint::black_box(&v);
        }
        let value_s = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        for l in lines.iter() {
            let v: serde::de::IgnoredAny = serde_json::from_str(l).unwrap();
            std::hint::black_box(&v);
        }
        let skim_s = t.elapsed().as_secs_f64();
        println!(
            "{name}: reference: serde_json::Value alone {:.0} MB/s, IgnoredAny skim {:.0} MB/s",
            bytes as f64 / 1e6 / value_s,
            bytes as f64 / 1e6 / skim_s
        );
    }
}

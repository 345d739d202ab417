//! Issue 19: our MiniLM embedding against sentence-transformers on the same
//! texts. `scripts/bench_embed.sh` runs it; alone:
//!
//!   bench_embed texts <dir> [demo calls] [long texts]   writes demo.jsonl and long.jsonl
//!   bench_embed run <texts.jsonl> <engine>   engine: f32 | bf16 | int8 | candle
//!
//! `texts` renders the embed task's default template over a generated demo
//! corpus (`demo.jsonl`) and over agent calls of our own with system
//! prompts of thousands of tokens, in several languages and tool shapes
//! (`long.jsonl`). `run` embeds one file three times after a warm-up and
//! prints one JSON line: texts/s, tokens/s and GFLOP/s of the median pass,
//! and the process's peak RSS (each engine runs in its own process).

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use slm_pipeline::demo::{generate, DemoConfig};
use slm_pipeline::ingest::formats::parse_line;
use slm_pipeline::models::minilm::{Embedder, Engine, Options, Precision};
use slm_pipeline::models::task_text::{tool_names, CallParts, Template, DEFAULT_TEMPLATE};

const BATCH: usize = 32;
const MAX_TOKENS: usize = 256;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("texts") => {
            let dir = Path::new(args.get(2).map_or("/tmp/bench_embed", String::as_str));
            let calls: usize = args.get(3).map_or(Ok(1000), |a| a.parse())?;
            let long_texts: usize = args.get(4).map_or(Ok(300), |a| a.parse())?;
            std::fs::create_dir_all(dir)?;
            let demo = demo_texts(calls)?;
            write_texts(&dir.join("demo.jsonl"), &demo)?;
            let long = long_prompt_texts(long_texts, 7);
            write_texts(&dir.join("long.jsonl"), &long)?;
            eprintln!("{} demo texts, {} long-prompt texts in {}", demo.len(), long.len(), dir.display());
            Ok(())
        }
        Some("run") => {
            let file = args.get(2).ok_or_else(|| anyhow::anyhow!("usage: bench_embed run <texts.jsonl> <f32|bf16|int8|candle>"))?;
            run(Path::new(file), args.get(3).map_or("f32", String::as_str))
        }
        _ => anyhow::bail!("usage: bench_embed texts <dir> [calls] | bench_embed run <texts.jsonl> <f32|bf16|int8|candle>"),
    }
}

fn run(file: &Path, engine: &str) -> anyhow::Result<()> {
    let texts: Vec<String> = std::io::BufReader::new(std::fs::File::open(file)?)
        .lines()
        .map(|l| Ok(serde_json::from_str::<serde_json::Value>(&l?)?["text"].as_str().unwrap_or_default().to_string()))
        .collect::<anyhow::Result<_>>()?;
    let options = match engine {
        "f32" => Options::default(),
        "int8" => Options { precision: Precision::Int8, ..Default::default() },
        "bf16" => Options { precision: Precision::Bf16, ..Default::default() },
        "candle" => Options { engine: Engine::Candle, ..Default::default() },
        other => anyhow::bail!("unknown engine {other}: f32, bf16, int8 or candle"),
    };
    let model = Embedder::load_with(&slm_pipeline::models::model_dir("all-minilm-l6-v2"), MAX_TOKENS, &candle_core::Device::Cpu, options)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    // Tokens as the model sees them: special tokens in, truncated.
    let lengths: Vec<usize> = refs.iter().map(|t| model.token_ids(t).map(|ids| (ids.len() + 2).min(MAX_TOKENS))).collect::<Result<_, _>>()?;
    let tokens: usize = lengths.iter().sum();
    let (h, i, layers) = (384.0, 1536.0, 6.0);
    let flops: f64 = lengths.iter().map(|&l| layers * (2.0 * l as f64 * (4.0 * h * h + 2.0 * h * i) + 4.0 * (l * l) as f64 * h)).sum();
    model.embed(&refs[..refs.len().min(2 * BATCH)], BATCH, |_| {})?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        std::hint::black_box(model.embed(&refs, BATCH, |_| {})?);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let secs = times[1];
    let name = match (engine, model.precision(), model.on_kernels()) {
        ("candle", ..) => "ours, candle path (before)".to_string(),
        (_, p, true) => format!("ours, kernels {}", p.as_str()),
        (_, _, false) => "ours, candle fallback".to_string(),
    };
    println!(
        "{}",
        serde_json::json!({
            "engine": name, "texts": texts.len(), "tokens": tokens, "secs": secs,
            "texts_per_s": texts.len() as f64 / secs, "tokens_per_s": tokens as f64 / secs,
            "gflops": flops / secs / 1e9, "peak_rss_mib": peak_rss_mib(),
        })
    );
    Ok(())
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()).map_or(f64::NAN, |kb| kb / 1024.0)
}

fn write_texts(path: &Path, texts: &[String]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for text in texts {
        writeln!(out, "{}", serde_json::json!({ "text": text }))?;
    }
    Ok(out.flush()?)
}

/// The embed task's default task text of each call of a generated demo day.
fn demo_texts(calls: usize) -> anyhow::Result<Vec<String>> {
    let dir = tempfile::tempdir()?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let summary = generate(&DemoConfig { out_dir: dir.path().to_path_buf(), calls, date, seed: 11, faults: false })?;
    let template = Template::parse(DEFAULT_TEMPLATE).map_err(anyhow::Error::msg)?;
    let mut texts = Vec::new();
    for object in &summary.objects {
        let raw = std::fs::read(object)?;
        let name = object.to_string_lossy();
        let mut data = String::new();
        if name.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(&raw[..]).read_to_string(&mut data)?;
        } else if name.ends_with(".zst") {
            data = String::from_utf8(zstd::decode_all(&raw[..])?)?;
        } else {
            data = String::from_utf8(raw)?;
        }
        for line in data.lines() {
            let Ok(parsed) = parse_line(line) else { continue };
            for call in parsed.records {
                let content = |role: &str, last: bool| {
                    let mut of_role = call.messages.iter().filter(|m| m.role == role);
                    let m = if last { of_role.next_back() } else { of_role.next() };
                    m.and_then(|m| m.content.clone()).unwrap_or_default()
                };
                let parts = CallParts {
                    system: content("system", false),
                    first_user: content("user", false),
                    last_user: content("user", true),
                    tools: call.tools.as_deref().map(|t| tool_names(t).join(", ")).unwrap_or_default(),
                    agent: call.agent.clone().unwrap_or_default(),
                    model: call.model.clone().unwrap_or_default(),
                };
                texts.push(template.render(&parts));
            }
        }
    }
    Ok(texts)
}

/// Agent calls whose system prompts run to thousands of tokens (policies,
/// tool manuals, examples), in English, German, Spanish and French, with
/// tool lists of varying shape: most are truncated at the token limit, as
/// real agent traffic is.
fn long_prompt_texts(n: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let roles = [
        "You are the billing assistant of a telecom operator. Follow the policy below in every answer.",
        "Du bist der Support-Agent eines Online-Shops. Halte dich an die folgenden Regeln.",
        "Eres un asistente de reservas de viajes. Sigue estas instrucciones al pie de la letra.",
        "Tu es un agent de triage d'incidents pour une équipe d'exploitation. Respecte la procédure.",
        "You are a coding agent working in a monorepo. Use the tools to read, edit and test files.",
    ];
    let clauses = [
        "Never reveal internal account notes to the customer, and quote the relevant policy section when refusing.",
        "If the request concerns a refund above the threshold, escalate to a human with a one-line summary.",
        "Antworte immer auf Deutsch und fasse die Lösung am Ende in einem Satz zusammen.",
        "Cuando falten datos, pregunta solo por el dato que falta y no repitas la pregunta.",
        "Si l'incident touche la production, ouvre un ticket de priorité haute avant toute autre action.",
        "Tool results may be stale; re-read a file before editing it and run the tests after every change.",
        "Format amounts with two decimals and the ISO currency code; dates as YYYY-MM-DD.",
        "Example: user asks for the status of order 4411; you call get_order and answer with the carrier and ETA.",
    ];
    let tool_sets = [
        vec!["get_invoice", "issue_refund", "escalate"],
        vec!["search_products", "get_order", "create_return_label", "send_email"],
        vec!["search_flights", "hold_booking", "confirm_booking"],
        vec!["query_metrics", "open_ticket", "page_oncall", "post_status"],
        vec!["read_file", "write_file", "run_tests", "grep", "list_dir", "git_diff"],
    ];
    let asks = [
        "My last invoice shows a roaming charge I never used, can you check it?",
        "Wo ist meine Bestellung? Sie sollte gestern ankommen.",
        "Necesito cambiar mi vuelo a Lisboa al martes por la mañana.",
        "Le service de paiement renvoie des erreurs 502 depuis 10 minutes.",
        "The test test_parse_dates fails after the refactor, please fix it.",
    ];
    (0..n)
        .map(|_| {
            let kind = rng.gen_range(0..roles.len());
            let words = rng.gen_range(300..3000);
            let mut system = String::from(roles[kind]);
            let mut count = 0;
            while count < words {
                let clause = clauses[rng.gen_range(0..clauses.len())];
                count += clause.split_whitespace().count();
                system.push(' ');
                system.push_str(clause);
            }
            let tools = &tool_sets[kind];
            let offered: Vec<&str> = tools.iter().copied().filter(|_| rng.gen_bool(0.8)).collect();
            format!("{system}\n{}\ntools: {}", asks[kind], offered.join(", "))
        })
        .collect()
}

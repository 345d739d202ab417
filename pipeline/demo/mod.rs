//! Synthetic corpus of agent LLM calls in the product's input format
//! (DESIGN.md, "Input: agent call logs"): MetaGPT, Open-Operator, Cradle and
//! workflow-automation agents as OpenAI-style JSON Lines (plain, gzip, zstd),
//! plus ~15% of calls as OpenTelemetry GenAI spans in OTLP/JSON.
//!
//! Every call belongs to one ground-truth task type (`TASK_LABELS`), written to
//! `labels/<date>.csv` and never into the logs. About 30% of calls carry PII at
//! varied places; every planted value is random, unique and listed in
//! `pii/<date>.txt`. With `faults`, a handful of malformed lines and one
//! truncated gzip object are planted for the ingest/quarantine paths.
//!
//! Generation is streaming (a `BufWriter` per object, nothing held per
//! corpus except the set of planted PII values) and deterministic per seed.

mod call;
mod faults;
mod gui;
mod json;
mod metagpt;
mod objects;
mod otel;
mod pii;
mod record;
mod text;
mod words;
mod workflow;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use flate2::write::GzEncoder;
use flate2::Compression;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub(crate) use call::{meta_plain, Call, Envelope, Gen, Msg, ToolCall};
use faults::{fault_line, FAULTS};
use objects::{Comp, Writer};
use pii::{Kind, Planter};

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Root folder: objects go to `<out_dir>/<date>/`, labels to `labels/`, PII list to `pii/`.
    pub out_dir: PathBuf,
    /// Number of LLM calls (each gets one label row).
    pub calls: usize,
    /// The day the calls happen on (also the object prefix).
    pub date: NaiveDate,
    pub seed: u64,
    /// Plant malformed lines and one corrupt (truncated) gzip object.
    pub faults: bool,
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// Labelled calls written (equals `DemoConfig::calls`).
    pub calls: usize,
    /// Every log object written, the corrupt one included, in creation order.
    pub objects: Vec<PathBuf>,
    /// Malformed lines planted in intact objects.
    pub malformed_lines: usize,
    /// Objects that cannot be decoded to the end (0 or 1).
    pub corrupt_objects: usize,
    /// `labels/<date>.csv`: `trace_id,span_id,label,in_corrupt_object`.
    pub labels_path: PathBuf,
    /// `pii/<date>.txt`: one planted raw PII value per line.
    pub pii_path: PathBuf,
    /// Number of distinct PII values planted (lines of `pii_path`).
    pub planted_pii: usize,
    /// Bytes of JSON Lines written, before compression (corrupt object included).
    pub uncompressed_bytes: u64,
}

/// The ground-truth task types, in label order.
pub const TASK_LABELS: &[&str] = &[
    "pm_prd",
    "architect_design",
    "engineer_code",
    "qa_tests",
    "workflow_tool_call",
    "gui_automation",
    "summarization",
    "field_extraction",
    "open_reasoning",
];

/// New object after this many uncompressed bytes.
const OBJECT_BYTES: u64 = 50 << 20;
/// Above this many calls, only the first operator/cradle object is compressed
/// (and capped at `BIG_COMPRESSED_BYTES`), so that generation stays fast.
const BIG_CORPUS_CALLS: usize = 100_000;
const BIG_COMPRESSED_BYTES: u64 = 16 << 20;
const OTEL_SHARE: f64 = 0.15;
const ERROR_RATE: f64 = 0.02;
/// Share of calls that get a PII value at a randomly chosen place (tasks add
/// their own natural ones, e.g. e-mail recipients), for ~30% overall.
const PII_PLAN_RATE: f64 = 0.25;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Task {
    PmPrd,
    ArchitectDesign,
    EngineerCode,
    QaTests,
    WorkflowToolCall,
    GuiAutomation,
    Summarization,
    FieldExtraction,
    OpenReasoning,
}

const TASKS: &[(Task, u32)] = &[
    (Task::PmPrd, 7),
    (Task::ArchitectDesign, 7),
    (Task::EngineerCode, 14),
    (Task::QaTests, 8),
    (Task::WorkflowToolCall, 18),
    (Task::GuiAutomation, 20),
    (Task::Summarization, 10),
    (Task::FieldExtraction, 10),
    (Task::OpenReasoning, 6),
];

impl Task {
    pub(crate) fn label(self) -> &'static str {
        TASK_LABELS[self as usize]
    }
}

/// The log streams (one object series each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agent {
    MetaGpt,
    Operator,
    Cradle,
    Workflow,
    Otel,
}

const AGENTS: [Agent; 5] = [
    Agent::MetaGpt,
    Agent::Operator,
    Agent::Cradle,
    Agent::Workflow,
    Agent::Otel,
];

impl Agent {
    fn prefix(self) -> &'static str {
        match self {
            Agent::MetaGpt => "metagpt",
            Agent::Operator => "operator",
            Agent::Cradle => "cradle",
            Agent::Workflow => "workflow",
            Agent::Otel => "otel",
        }
    }
    fn comp(self) -> Comp {
        match self {
            Agent::Operator => Comp::Gz,
            Agent::Cradle => Comp::Zst,
            _ => Comp::Plain,
        }
    }
}

/// Pending OTel spans of one service, written as one request line.
struct OtelGroup {
    service: &'static str,
    trace_id: String,
    target: usize,
    n: usize,
    spans: Vec<u8>,
    last_end_ns: u64,
}

/// Size knobs (constants in production, small in tests).
#[derive(Clone, Copy, Debug)]
struct Limits {
    object_bytes: u64,
    big_corpus_calls: usize,
    big_compressed_bytes: u64,
}

const LIMITS: Limits = Limits {
    object_bytes: OBJECT_BYTES,
    big_corpus_calls: BIG_CORPUS_CALLS,
    big_compressed_bytes: BIG_COMPRESSED_BYTES,
};

/// Generates the corpus described by `cfg`.
pub fn generate(cfg: &DemoConfig) -> io::Result<DemoSummary> {
    generate_with(cfg, LIMITS)
}

fn agent_name(agent: Agent, task: Task) -> &'static str {
    match agent {
        Agent::MetaGpt => "metagpt",
        Agent::Operator => "open-operator",
        Agent::Cradle => "cradle",
        Agent::Workflow => "workflow-automation",
        Agent::Otel => match task {
            Task::PmPrd | Task::ArchitectDesign | Task::EngineerCode | Task::QaTests => {
                "dev-assistant"
            }
            Task::GuiAutomation => "browser-agent",
            Task::OpenReasoning => "research-assistant",
            _ => "support-copilot",
        },
    }
}

fn model_for(g: &mut Gen, agent: Agent, task: Task) -> &'static str {
    match (agent, task) {
        (_, Task::OpenReasoning) => {
            g.pick(&["o3-mini", "gpt-4o", "claude-3-5-sonnet-20241022", "gpt-4.1"])
        }
        (Agent::MetaGpt, _) => g.pick(&[
            "gpt-4o",
            "gpt-4o",
            "gpt-4-turbo",
            "claude-3-5-sonnet-20241022",
        ]),
        (Agent::Operator, _) => g.pick(&["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022"]),
        (Agent::Cradle, _) => g.pick(&["gpt-4o", "gpt-4o-2024-08-06"]),
        (Agent::Workflow, _) => g.pick(&[
            "gpt-4o-mini",
            "gpt-4o-mini",
            "gpt-4o",
            "claude-3-5-haiku-20241022",
        ]),
        (Agent::Otel, _) => g.pick(&[
            "gpt-4o",
            "gpt-4o-mini",
            "claude-3-5-sonnet-20241022",
            "gpt-4.1-mini",
        ]),
    }
}

fn error_message(g: &mut Gen, model: &str) -> String {
    match g.range(0, 4) {
        0 => format!(
            "rate_limit_exceeded: Rate limit reached for {model} on tokens per min (TPM): Limit 30000, Used {}, Requested {}. Please try again in {}ms.",
            g.range(25_000, 29_900),
            g.range(800, 5000),
            g.range(200, 9000)
        ),
        1 => format!(
            "context_length_exceeded: This model's maximum context length is 128000 tokens. However, your messages resulted in {} tokens.",
            g.range(128_001, 190_000)
        ),
        2 => format!("timeout: Request timed out after {} ms", g.pick(&[30_000u64, 60_000, 120_000])),
        3 => "server_error: The server had an error while processing your request. Sorry about that!".to_string(),
        _ => "overloaded_error: Overloaded".to_string(),
    }
}

/// Generates one call of `task` for `agent`.
fn make_call(g: &mut Gen, task: Task, agent: Agent) -> Call {
    let mut call = match task {
        Task::PmPrd => metagpt::pm_prd(g),
        Task::ArchitectDesign => metagpt::architect_design(g),
        Task::EngineerCode => metagpt::engineer_code(g),
        Task::QaTests => metagpt::qa_tests(g),
        Task::WorkflowToolCall => workflow::tool_call(g),
        Task::GuiAutomation => {
            if agent == Agent::Cradle {
                gui::cradle(g)
            } else {
                gui::operator(g)
            }
        }
        Task::Summarization => text::summarization(g),
        Task::FieldExtraction => text::field_extraction(g),
        Task::OpenReasoning => text::open_reasoning(g),
    };
    g.finish_call(&mut call);
    call
}

fn envelope(
    g: &mut Gen,
    call: &Call,
    agent: Agent,
    trace_id: String,
    date_iso: &str,
    ms_of_day: u64,
) -> Envelope {
    let model = model_for(g, agent, call.task);
    let mut prompt_chars = call.tools.map_or(0, str::len);
    for m in &call.messages {
        prompt_chars += m.content.as_ref().map_or(0, String::len) + 12;
        prompt_chars += m
            .tool_calls
            .iter()
            .map(|t| t.arguments.len() + t.name.len() + 16)
            .sum::<usize>();
    }
    let completion_chars = call.content.as_ref().map_or(0, String::len)
        + call
            .tool_calls
            .iter()
            .map(|t| t.arguments.len() + t.name.len() + 16)
            .sum::<usize>();
    let prompt_tokens = (prompt_chars as u64 / 4) + g.range(3, 12);
    let completion_tokens = (completion_chars as u64 / 4).max(1) + g.range(1, 6);
    let per_token = if model.contains("mini") || model.contains("haiku") {
        8
    } else {
        18
    };
    let mut latency_ms = 250 + prompt_tokens / 40 + completion_tokens * per_token + g.range(0, 400);
    let error = if g.chance(ERROR_RATE) {
        Some(error_message(g, model))
    } else {
        None
    };
    if error.is_some() {
        latency_ms = g.range(80, 60_000);
    }
    Envelope {
        trace_id,
        span_id: g.hex(8),
        date_iso: date_iso.to_string(),
        ms_of_day,
        agent: agent_name(agent, call.task),
        model,
        error,
        prompt_tokens,
        completion_tokens,
        latency_ms,
        temperature: g.pick(&[0.0, 0.2, 0.7, 1.0]),
        response_id: format!("chatcmpl-{}", g.hex(12)),
    }
}

/// The stream a task's calls are logged to (before the OTel draw).
fn agent_for(g: &mut Gen, task: Task) -> Agent {
    match task {
        Task::PmPrd | Task::ArchitectDesign | Task::EngineerCode | Task::QaTests => Agent::MetaGpt,
        Task::GuiAutomation => {
            if g.chance(0.6) {
                Agent::Operator
            } else {
                Agent::Cradle
            }
        }
        _ => Agent::Workflow,
    }
}

fn pick_task(g: &mut Gen) -> Task {
    let total: u32 = TASKS.iter().map(|t| t.1).sum();
    let mut x = g.rng.gen_range(0..total);
    for &(t, w) in TASKS {
        if x < w {
            return t;
        }
        x -= w;
    }
    unreachable!("weights cover the range")
}

fn day_epoch_ns(date: NaiveDate) -> u64 {
    let secs = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp();
    (secs.max(0) as u64) * 1_000_000_000
}

fn flush_otel(
    g: &mut Gen,
    w: &mut Writer,
    group: &mut Option<OtelGroup>,
    line: &mut Vec<u8>,
) -> io::Result<()> {
    let Some(grp) = group.take() else {
        return Ok(());
    };
    let mut http = Vec::new();
    if g.chance(0.3) {
        let url = if g.chance(0.25) {
            g.plant(Kind::UrlToken)
        } else {
            let path = g.pick(&[
                "v1/tickets",
                "v2/orders/search",
                "api/crm/contacts",
                "v1/inventory",
                "graphql",
            ]);
            let host = g.pick(&[
                "api.internal.example.com",
                "crm.example.net",
                "tickets.example.org",
            ]);
            format!("https://{host}/{path}")
        };
        let span_id = g.hex(8);
        let status = g.pick(&[200u64, 200, 200, 201, 404, 502]);
        let dur = g.range(5, 900);
        let span = otel::HttpSpan {
            trace_id: &grp.trace_id,
            span_id: &span_id,
            start_ns: grp.last_end_ns + 1_000_000,
            dur_ms: dur,
            method: g.pick(&["POST", "GET"]),
            url: &url,
            status,
        };
        otel::write_http_span(&mut http, &span);
    }
    line.clear();
    otel::write_request(line, grp.service, &grp.spans, &http);
    w.write(Agent::Otel, line)
}

/// Appends a label row.
fn label_row(
    labels: &mut impl Write,
    env: &Envelope,
    task: Task,
    in_corrupt: bool,
) -> io::Result<()> {
    writeln!(
        labels,
        "{},{},{},{}",
        env.trace_id,
        env.span_id,
        task.label(),
        in_corrupt
    )
}

fn generate_with(cfg: &DemoConfig, limits: Limits) -> io::Result<DemoSummary> {
    let date_iso = cfg.date.format("%Y-%m-%d").to_string();
    let day_dir = cfg.out_dir.join(&date_iso);
    let labels_dir = cfg.out_dir.join("labels");
    let pii_dir = cfg.out_dir.join("pii");
    for d in [&day_dir, &labels_dir, &pii_dir] {
        fs::create_dir_all(d)?;
    }
    let labels_path = labels_dir.join(format!("{date_iso}.csv"));
    let pii_path = pii_dir.join(format!("{date_iso}.txt"));
    let mut labels = BufWriter::with_capacity(1 << 16, File::create(&labels_path)?);
    writeln!(labels, "trace_id,span_id,label,in_corrupt_object")?;

    let mut g = Gen {
        rng: StdRng::seed_from_u64(cfg.seed),
        date: cfg.date,
        planter: Planter::new(File::create(&pii_path)?),
        plan: None,
        consumed: false,
        planted: Vec::new(),
    };
    let big = cfg.calls > limits.big_corpus_calls;
    let mut w = Writer::new(day_dir.clone(), big, limits);
    let n = cfg.calls;
    let n_corrupt = if cfg.faults && n > 0 {
        (n / 5).clamp(1, 40)
    } else {
        0
    };
    let n_intact = n - n_corrupt;
    let fault_at: Vec<usize> = (0..FAULTS.len())
        .map(|k| (k + 1) * n_intact / (FAULTS.len() + 1))
        .collect();
    let mut next_fault = 0;
    let mut malformed = 0;
    let day_ns = day_epoch_ns(cfg.date);
    let mut line = Vec::with_capacity(1 << 16);
    let mut scratch = Vec::with_capacity(1 << 16);
    let mut corrupt_buf: Vec<u8> = Vec::new();
    let mut otel_group: Option<OtelGroup> = None;

    for i in 0..n {
        while cfg.faults && next_fault < FAULTS.len() && fault_at[next_fault] <= i && i < n_intact {
            let (fault, agent) = FAULTS[next_fault];
            if agent == Agent::Otel {
                flush_otel(&mut g, &mut w, &mut otel_group, &mut line)?;
            }
            line.clear();
            fault_line(
                &mut g,
                fault,
                agent,
                &date_iso,
                day_ns,
                &mut line,
                &mut scratch,
            );
            w.write(agent, &line)?;
            malformed += 1;
            next_fault += 1;
        }
        let in_corrupt = i >= n_intact;
        let ms_of_day = (i as u64 * 86_400_000) / n as u64 + g.range(0, 86_400_000 / n as u64);
        let ms_of_day = ms_of_day.min(86_399_999);
        // The first calls cover every stream, so each object kind exists.
        let (task, agent) = if in_corrupt {
            (Task::GuiAutomation, Agent::Operator)
        } else if let Some(&agent) = AGENTS.get(i) {
            let task = match agent {
                Agent::MetaGpt => g.pick(&[
                    Task::PmPrd,
                    Task::ArchitectDesign,
                    Task::EngineerCode,
                    Task::QaTests,
                ]),
                Agent::Operator | Agent::Cradle => Task::GuiAutomation,
                _ => g.pick(&[
                    Task::WorkflowToolCall,
                    Task::Summarization,
                    Task::FieldExtraction,
                    Task::OpenReasoning,
                ]),
            };
            (task, agent)
        } else {
            let task = pick_task(&mut g);
            let agent = if g.chance(OTEL_SHARE) {
                Agent::Otel
            } else {
                agent_for(&mut g, task)
            };
            (task, agent)
        };
        let gen_agent = if agent == Agent::Otel && task == Task::GuiAutomation {
            Agent::Operator
        } else {
            agent
        };
        g.begin_call(!in_corrupt);
        let call = make_call(&mut g, task, gen_agent);

        if agent == Agent::Otel {
            let service = agent_name(Agent::Otel, task);
            let joins =
                matches!(&otel_group, Some(grp) if grp.service == service && grp.n < grp.target);
            if !joins {
                flush_otel(&mut g, &mut w, &mut otel_group, &mut line)?;
                let target = g.range(1, 3) as usize;
                otel_group = Some(OtelGroup {
                    service,
                    trace_id: g.hex(16),
                    target,
                    n: 0,
                    spans: Vec::new(),
                    last_end_ns: 0,
                });
            }
            let grp = otel_group.as_mut().expect("group exists");
            let env = envelope(
                &mut g,
                &call,
                agent,
                grp.trace_id.clone(),
                &date_iso,
                ms_of_day,
            );
            let start_ns = day_ns + ms_of_day * 1_000_000 + g.range(0, 999_999);
            if grp.n > 0 {
                grp.spans.push(b',');
            }
            otel::write_span(&mut grp.spans, &call, &env, start_ns, &mut scratch);
            grp.n += 1;
            grp.last_end_ns = start_ns + env.latency_ms * 1_000_000;
            label_row(&mut labels, &env, task, false)?;
            if grp.n >= grp.target {
                flush_otel(&mut g, &mut w, &mut otel_group, &mut line)?;
            }
            continue;
        }

        let reuse = g.chance(0.35);
        let trace_id = match (&w.stream(agent).last_trace, reuse) {
            (Some(t), true) => t.clone(),
            _ => g.hex(16),
        };
        w.stream(agent).last_trace = Some(trace_id.clone());
        let env = envelope(&mut g, &call, agent, trace_id, &date_iso, ms_of_day);
        line.clear();
        record::write_line(&mut line, &call, &env);
        label_row(&mut labels, &env, task, in_corrupt)?;
        if in_corrupt {
            corrupt_buf.extend_from_slice(&line);
            w.bytes += line.len() as u64;
        } else {
            w.write(agent, &line)?;
        }
    }
    flush_otel(&mut g, &mut w, &mut otel_group, &mut line)?;
    for s in &mut w.streams {
        s.finish()?;
    }
    let mut corrupt_objects = 0;
    if cfg.faults && !corrupt_buf.is_empty() {
        let path = day_dir.join("corrupt-000.jsonl.gz");
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&corrupt_buf)?;
        let full = enc.finish()?;
        // Cut mid-stream: the decoder yields the first lines, then fails.
        let cut = (full.len() * 11 / 20).max(20).min(full.len() - 1);
        fs::write(&path, &full[..cut])?;
        w.objects.push(path);
        corrupt_objects = 1;
    }
    labels.flush()?;
    let planted_pii = g.planter.count;
    g.planter.finish()?;
    Ok(DemoSummary {
        calls: n,
        objects: w.objects,
        malformed_lines: malformed,
        corrupt_objects,
        labels_path,
        pii_path,
        planted_pii,
        uncompressed_bytes: w.bytes,
    })
}

#[cfg(test)]
mod tests;

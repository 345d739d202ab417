//! The `slm-pipeline` command line. Doc comments are the help text.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::dag::scheduler::backfill;
use crate::dag::{Dag, Force, RunSummary, Runner, Scheduler, SystemClock};
use crate::error::{Error, Result};
use crate::warehouse::results::OutputFormat;
use crate::warehouse::history::Status;
use crate::warehouse::Warehouse;

#[derive(Parser, Debug)]
#[command(name = "slm-pipeline", version, about = "Turns the logged LLM traffic of AI agents into small, specialised language models.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct WarehouseArg {
    /// Warehouse root: a local folder, file:// or s3:// URL.
    #[arg(long, env = "SLM_WAREHOUSE", default_value = crate::warehouse::DEFAULT_ROOT, global = true)]
    pub warehouse: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check DAG files and report every problem at once (exit code 2 if any is invalid).
    Validate {
        /// DAG files (YAML).
        #[arg(required = true)]
        dags: Vec<PathBuf>,
    },
    /// Run a DAG for one logical date, or resume a failed run.
    Run {
        /// The DAG file (YAML).
        dag: PathBuf,
        /// Logical date (YYYY-MM-DD), `{{ ds }}` in the DAG. Default: yesterday (UTC).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Continue this failed run from its failed tasks.
        #[arg(long, conflicts_with = "date")]
        resume: Option<String>,
        /// Tasks run at the same time, at most.
        #[arg(long, default_value_t = 4)]
        max_parallel: usize,
        /// Run tasks even when their inputs and configuration are unchanged
        /// since their last success: every task, or the ones listed
        /// (`--force embed,cluster`).
        #[arg(long, num_args = 0..=1, value_delimiter = ',', value_name = "TASKS")]
        force: Option<Vec<String>>,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// The scheduler daemon: fires every DAG of a folder on its cron schedule
    /// (UTC), catches up missed fires of `catchup: true` DAGs, and on SIGTERM
    /// lets running tasks finish and exits.
    Schedule {
        /// A folder of DAG files (`*.yaml`, `*.yml`), or DAG files.
        #[arg(required = true)]
        dags: Vec<PathBuf>,
        /// Runs going on at once, at most (one per DAG at a time).
        #[arg(long, default_value_t = 2)]
        max_concurrent: usize,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Run a DAG for each logical date of a range, in order; stops at the
    /// first failed date. Tasks unchanged since their last success are skipped.
    Backfill {
        /// The DAG file (YAML).
        dag: PathBuf,
        /// First logical date (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last logical date, included.
        #[arg(long)]
        to: NaiveDate,
        /// Tasks run at the same time, at most.
        #[arg(long, default_value_t = 4)]
        max_parallel: usize,
        /// As for `run`: every task, or the ones listed.
        #[arg(long, num_args = 0..=1, value_delimiter = ',', value_name = "TASKS")]
        force: Option<Vec<String>>,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Run the current PII detectors over stored `calls` partitions (already
    /// pseudonymized), replacing each date's partition. Datasets and adapters
    /// built from older detectors become stale: the next run rebuilds them,
    /// and publish never routes to a stale adapter.
    Reanonymize {
        /// The DAG whose anonymize task gives the key, the SQL and the detectors.
        dag: PathBuf,
        /// First date (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last date, included.
        #[arg(long)]
        to: NaiveDate,
        /// The anonymize task to take the settings from, when the DAG has several.
        #[arg(long)]
        task: Option<String>,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// List recent runs and their tasks.
    Runs {
        /// How many runs to show.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Query the warehouse with SQL (every table and the views of sql/views/).
    Sql {
        /// The query. Or use --file.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        query: Option<String>,
        /// A file holding the query.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Write the result to this Parquet file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Folder of view definitions (CREATE VIEW files).
        #[arg(long, default_value = "sql/views")]
        views: PathBuf,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Print the task clusters of the latest cluster run (or of --run).
    Clusters {
        /// A cluster run id (default: the latest).
        #[arg(long)]
        run: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Find the calls whose task text is nearest to a text (LanceDB vector search).
    Similar {
        /// The text to search for.
        text: String,
        /// How many calls.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// The embedding model (a folder below models/, or a path).
        #[arg(long, default_value = crate::models::minilm::MODEL_NAME)]
        model: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Write a synthetic corpus of agent calls (with ground-truth labels and planted PII).
    DemoData {
        /// Output folder; logs go to <out>/<date>/, labels to <out>/labels/.
        #[arg(long)]
        out: PathBuf,
        /// Number of calls.
        #[arg(long, default_value_t = 2000)]
        calls: usize,
        /// Logical date of the calls.
        #[arg(long, default_value = "2026-11-20")]
        date: NaiveDate,
        /// Random seed (same seed, same corpus).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Leave out the malformed lines and the corrupt object.
        #[arg(long)]
        no_faults: bool,
    },
    /// Print the PII patterns as JSON (used by the DuckDB comparison benchmark).
    PiiPatterns,
    /// Write the base model's logits, with a PEFT adapter applied, for each
    /// prompt (ChatML, tokenized here) to a safetensors file: `ids.<i>` and
    /// `logits.<i>` (tokens × vocabulary). `scripts/verify_peft.py` compares
    /// them with transformers + PEFT.
    Logits {
        /// An adapter folder (adapter_config.json, adapter_model.safetensors); none: the base model.
        #[arg(long)]
        adapter: Option<PathBuf>,
        /// The base model (a folder below models/, or a path).
        #[arg(long, default_value = crate::models::smollm::MODEL_NAME)]
        model: String,
        /// User messages, each rendered as a ChatML prompt with the generation turn open.
        #[arg(long = "prompt", required = true)]
        prompts: Vec<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Route one request: print the decision (cluster, distance, target,
    /// adapter) as JSON. The request is a prompt, or a JSON chat call on stdin.
    Route {
        /// A registry (folder or URL; its live version) or a routing_table.json file.
        #[arg(long, env = "SLM_ROUTING_TABLE")]
        table: String,
        /// The prompt; without it, a JSON request is read from stdin
        /// (`{"prompt": ...}` or `{"messages": [...], "tools": [...]}`).
        prompt: Option<String>,
        /// The embedding model named by the table (a folder below models/, or a path).
        #[arg(long, default_value = crate::models::minilm::MODEL_NAME)]
        embedding_model: String,
    },
    /// Serve routing decisions over HTTP: POST /v1/route, GET /healthz,
    /// GET /metrics. Follows the registry's current.json.
    Serve {
        /// The registry (local folder or URL).
        #[arg(long, env = "SLM_REGISTRY")]
        table: String,
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
        /// Seconds between checks of current.json.
        #[arg(long, default_value_t = 10)]
        poll_secs: u64,
        #[arg(long, default_value = crate::models::minilm::MODEL_NAME)]
        embedding_model: String,
    },
    /// An OpenAI-compatible endpoint: POST /v1/chat/completions (tools,
    /// tool_choice, stream), GET /v1/models, /healthz, /metrics. Routes each
    /// call by the live table, has the route's SLM answer it, falls back to
    /// the LLM upstream, and logs every call (anonymized) for the next night.
    Gateway {
        /// The registry (local folder or URL); follows its current.json.
        #[arg(long, env = "SLM_REGISTRY")]
        table: String,
        /// The LLM's OpenAI-compatible base URL (`https://api.openai.com/v1`).
        #[arg(long)]
        upstream: String,
        /// The environment variable that holds the LLM's API key.
        #[arg(long)]
        upstream_key_env: Option<String>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where every call is logged, as gzip JSON Lines under <date>/
        /// (a folder or an object-store URL); off without it.
        #[arg(long)]
        log_to: Option<String>,
        /// The environment variable with the PII key of the call log (the
        /// anonymize task's, so that pseudonyms match the warehouse's).
        #[arg(long, default_value = "SLM_PII_KEY")]
        log_key_env: String,
        /// An OpenAI-compatible engine serving the adapters by name (vLLM
        /// with --enable-lora and the registry's lora_modules.json).
        #[arg(long)]
        slm_upstream: Option<String>,
        /// Without --slm-upstream: the in-process SLM's base model (a folder
        /// below models/, or a path).
        #[arg(long, default_value = crate::models::smollm::MODEL_NAME)]
        slm_model: String,
        /// No SLM at all: every call goes to the LLM (and is logged).
        #[arg(long, conflicts_with = "slm_upstream")]
        no_slm: bool,
        /// Adapters the in-process SLM keeps merged in memory (each about the base's size).
        #[arg(long, default_value_t = 2)]
        slm_adapters: usize,
        /// The in-process SLM's longest answer, in tokens.
        #[arg(long, default_value_t = 256)]
        slm_max_tokens: usize,
        /// Decode freely: no constraint to the request's tools or JSON format.
        #[arg(long)]
        no_constrain: bool,
        /// Milliseconds the SLM may take before the call goes to the LLM.
        #[arg(long, default_value_t = 10_000)]
        slm_timeout_ms: u64,
        /// The share of SLM-answered calls also sent to the LLM and scored.
        #[arg(long, default_value_t = 0.05)]
        shadow_share: f64,
        /// Shadow checks a route needs before it can be demoted.
        #[arg(long, default_value_t = 50)]
        shadow_min_calls: u64,
        /// Seconds between checks of current.json.
        #[arg(long, default_value_t = 10)]
        poll_secs: u64,
        #[arg(long, default_value = crate::models::minilm::MODEL_NAME)]
        embedding_model: String,
    },
    /// A mock OpenAI-compatible LLM for benchmarks and demos: answers every
    /// chat completion with a short text after --delay-ms.
    #[command(hide = true)]
    MockLlm {
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
    /// A closed-loop load generator: --clients clients POST one JSON body
    /// for --seconds; prints requests/s and latency percentiles as JSON.
    #[command(hide = true)]
    Loadgen {
        #[arg(long)]
        url: String,
        /// The JSON body (a file).
        #[arg(long)]
        body: PathBuf,
        #[arg(long, default_value_t = 1)]
        clients: usize,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 20)]
        warmup: usize,
        /// An environment variable with a bearer token to send.
        #[arg(long)]
        bearer_env: Option<String>,
    },
    /// Published routing tables: list, show, rollback.
    Registry {
        #[command(subcommand)]
        action: RegistryAction,
        /// The registry (default: registry/ in the warehouse).
        #[arg(long, env = "SLM_REGISTRY", global = true)]
        registry: Option<String>,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
    /// Print a run's report (Markdown), or with --html the path of its
    /// self-contained HTML page (--open opens it).
    Report {
        run_id: String,
        #[arg(long)]
        html: bool,
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegistryAction {
    /// Every published version, newest first; `*` marks the live one.
    List,
    /// One version's routes (default: the live one).
    Show { version: Option<String> },
    /// Make an earlier version live again (its adapters are checked first).
    Rollback { version: String },
}

/// Exit codes: 0 ok, 1 a task failed, 2 bad usage or invalid DAG.
pub fn exit_code(e: &Error) -> i32 {
    match e {
        Error::InvalidDag { .. } | Error::Usage(_) => 2,
        Error::Locked(_) => 3,
        _ => 1,
    }
}

pub async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Validate { dags } => {
            let mut invalid = 0;
            for path in &dags {
                match Dag::load(path) {
                    Ok(dag) => println!("{}: ok ({} tasks)", path.display(), dag.tasks.len()),
                    Err(e) => {
                        invalid += 1;
                        eprintln!("{e}");
                    }
                }
            }
            Ok(if invalid > 0 { 2 } else { 0 })
        }
        Command::Run { dag, date, resume, max_parallel, force, warehouse } => {
            let dag = Dag::load(&dag)?;
            let force = force_of(&dag, force)?;
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let runner = Runner::new(wh, Arc::new(SystemClock))
                .with_progress(std::io::stderr().is_terminal())
                .with_max_parallel(max_parallel)
                .with_force(force);
            let summary = match resume {
                Some(run_id) => runner.resume(&dag, &run_id).await?,
                None => {
                    let date = date.unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::Duration::days(1));
                    runner.run(&dag, date).await?
                }
            };
            print_summary(&summary);
            if let Some(e) = &summary.error {
                eprintln!("error: {e}");
                eprintln!("resume with: slm-pipeline run {} --resume {}", dag.path.display(), summary.run_id);
            }
            Ok(if summary.status == Status::Success { 0 } else { 1 })
        }
        Command::Schedule { dags, max_concurrent, warehouse } => {
            let dags = load_dag_files(&dags)?;
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let scheduler = Scheduler::new(wh, Arc::new(SystemClock), dags, max_concurrent)?;
            for dag in scheduler.dags() {
                println!("scheduled: {} `{}` catchup {}", dag.name, dag.schedule_text.as_deref().unwrap_or(""), dag.catchup);
            }
            let report = scheduler.run(None, shutdown_signal()).await?;
            let failed = report.outcomes.iter().filter(|o| !o.summary.as_ref().is_some_and(|s| s.succeeded() || s.stopped)).count();
            println!("scheduler stopped: {} runs, {failed} failed or not started", report.outcomes.len());
            Ok(0)
        }
        Command::Backfill { dag, from, to, max_parallel, force, warehouse } => {
            let dag = Dag::load(&dag)?;
            let force = force_of(&dag, force)?;
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let runner = Runner::new(wh, Arc::new(SystemClock))
                .with_progress(std::io::stderr().is_terminal())
                .with_max_parallel(max_parallel)
                .with_force(force)
                .with_stop(stop.clone());
            // SIGTERM: the running tasks finish, no further date starts.
            let signal = shutdown_signal();
            let watcher = tokio::spawn(async move {
                signal.await;
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            let summaries = backfill(&runner, &dag, from, to, print_summary).await;
            watcher.abort();
            let summaries = summaries?;
            let last = summaries.last().expect("at least one date");
            if !last.succeeded() {
                let date = to.min(from + chrono::Duration::days(summaries.len() as i64 - 1));
                eprintln!("error: {}", last.error.as_deref().unwrap_or("the run failed"));
                eprintln!("backfill stopped at {date}; continue with: slm-pipeline backfill {} --from {date} --to {to}", dag.path.display());
                return Ok(1);
            }
            println!("backfill {from}..{to}: {} dates, all succeeded", summaries.len());
            Ok(0)
        }
        Command::Reanonymize { dag, from, to, task, warehouse } => {
            reanonymize(&dag, from, to, task.as_deref(), &warehouse.warehouse).await
        }
        Command::Runs { limit, warehouse } => {
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let runs = wh.load_runs().await?;
            if runs.is_empty() {
                println!("no runs in {}", warehouse.warehouse);
            }
            for run in runs.iter().take(limit) {
                let took = run.ended_at.map(|e| format!("{:.1}s", (e - run.started_at).num_milliseconds() as f64 / 1000.0));
                println!(
                    "{}  {}  {}  {}  {}",
                    run.run_id,
                    run.dag,
                    run.logical_date,
                    run.status.as_str(),
                    took.unwrap_or_else(|| "-".into())
                );
                for a in wh.load_attempts(&run.run_id).await? {
                    let rows = match (a.rows_in, a.rows_out) {
                        (Some(i), Some(o)) => format!("rows {i} -> {o}"),
                        _ => String::new(),
                    };
                    println!(
                        "    {:<20} attempt {}  {:<8} {rows} {}",
                        a.task_id,
                        a.attempt,
                        a.status.as_str(),
                        a.error.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(0)
        }
        Command::Sql { query, file, format, output, views, warehouse } => {
            let text = match (query, file) {
                (Some(q), _) => q,
                (None, Some(f)) => {
                    std::fs::read_to_string(&f).map_err(|e| Error::usage(format!("cannot read {}: {e}", f.display())))?
                }
                (None, None) => return Err(Error::usage("give a query or --file")),
            };
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let ctx = crate::warehouse::session::warehouse_session(&wh, Some(&views)).await?;
            let (schema, batches) = crate::warehouse::session::query(&ctx, &text).await?;
            match output {
                Some(path) => {
                    crate::warehouse::results::write_parquet_file(&path, &schema, &batches)?;
                    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                    eprintln!("wrote {rows} rows to {}", path.display());
                }
                None => print!("{}", crate::warehouse::results::render(&schema, &batches, format)?),
            }
            Ok(0)
        }
        Command::DemoData { out, calls, date, seed, no_faults } => {
            let summary = tokio::task::spawn_blocking(move || {
                crate::demo::generate(&crate::demo::DemoConfig { out_dir: out, calls, date, seed, faults: !no_faults })
            })
            .await
            .map_err(|e| Error::usage(format!("demo generator stopped: {e}")))?
            .map_err(|e| Error::io("writing the demo corpus", e))?;
            println!(
                "wrote {} calls in {} objects ({:.1} MB uncompressed), {} malformed lines, {} corrupt object(s), {} planted PII values",
                summary.calls,
                summary.objects.len(),
                summary.uncompressed_bytes as f64 / 1e6,
                summary.malformed_lines,
                summary.corrupt_objects,
                summary.planted_pii
            );
            println!("labels: {}", summary.labels_path.display());
            Ok(0)
        }
        Command::Clusters { run, format, warehouse } => {
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let (schema, batches) = crate::cluster::report::cluster_table(&wh, run.as_deref()).await?;
            print!("{}", crate::warehouse::results::render(&schema, &batches, format)?);
            Ok(0)
        }
        Command::Similar { text, k, model, format, warehouse } => {
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let (schema, batches) = crate::cluster::report::similar_calls(&wh, &model, &text, k).await?;
            print!("{}", crate::warehouse::results::render(&schema, &batches, format)?);
            Ok(0)
        }
        Command::Logits { adapter, model, prompts, out } => {
            let bytes = crate::models::peft::logits_file(&crate::models::model_dir(&model), adapter.as_deref(), &prompts)?;
            std::fs::write(&out, bytes).map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
            println!("{} prompts' logits written to {}", prompts.len(), out.display());
            Ok(0)
        }
        Command::Route { table, prompt, embedding_model } => {
            let table = crate::routing::load_table(&table).await?;
            let request = match prompt {
                Some(p) => crate::routing::router::Request::prompt(&p),
                None => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .map_err(|e| Error::io("reading the request from stdin", e))?;
                    let value: serde_json::Value =
                        serde_json::from_str(&text).map_err(|e| Error::usage(format!("stdin is not JSON: {e}")))?;
                    crate::routing::router::Request::from_json(&value).map_err(Error::usage)?
                }
            };
            let dir = crate::models::model_dir(&embedding_model);
            let version = table.version.clone();
            let decision = tokio::task::spawn_blocking(move || {
                crate::routing::router::Router::new(table, &dir)?.decide(&request)
            })
            .await
            .map_err(|e| Error::model("routing", e))??;
            let mut out = serde_json::to_value(&decision).expect("JSON");
            out["table_version"] = serde_json::json!(version);
            println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
            Ok(0)
        }
        Command::Serve { table, listen, poll_secs, embedding_model } => {
            let registry = crate::routing::registry::Registry::open(&table)?;
            let dir = crate::models::model_dir(&embedding_model);
            crate::routing::serve::run(listen, registry, dir, std::time::Duration::from_secs(poll_secs.max(1))).await?;
            Ok(0)
        }
        Command::Gateway {
            table,
            upstream,
            upstream_key_env,
            listen,
            log_to,
            log_key_env,
            slm_upstream,
            slm_model,
            no_slm,
            slm_adapters,
            slm_max_tokens,
            no_constrain,
            slm_timeout_ms,
            shadow_share,
            shadow_min_calls,
            poll_secs,
            embedding_model,
        } => {
            if !(0.0..=1.0).contains(&shadow_share) {
                return Err(Error::usage(format!("--shadow-share {shadow_share}: a share between 0 and 1")));
            }
            crate::routing::gateway::run(crate::routing::gateway::GatewayOptions {
                table,
                upstream,
                upstream_key_env,
                listen,
                log_to,
                log_key_env,
                slm_model: (!no_slm && slm_upstream.is_none()).then_some(slm_model),
                slm_upstream,
                slm_adapters,
                slm_max_tokens,
                slm_constrained: !no_constrain,
                slm_timeout: std::time::Duration::from_millis(slm_timeout_ms.max(1)),
                embedding_dir: crate::models::model_dir(&embedding_model),
                poll: std::time::Duration::from_secs(poll_secs.max(1)),
                shadow: crate::routing::gateway::shadow::ShadowConfig { share: shadow_share, min_calls: shadow_min_calls.max(1) },
            })
            .await?;
            Ok(0)
        }
        Command::MockLlm { listen, delay_ms } => {
            crate::routing::gateway::mock::serve_forever(listen, std::time::Duration::from_millis(delay_ms)).await?;
            Ok(0)
        }
        Command::Loadgen { url, body, clients, seconds, warmup, bearer_env } => {
            let text = std::fs::read_to_string(&body).map_err(|e| Error::io(format!("reading {}", body.display()), e))?;
            let body: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::usage(format!("{}: not JSON: {e}", body.display())))?;
            let bearer = match bearer_env {
                Some(name) => Some(std::env::var(&name).map_err(|_| Error::usage(format!("--bearer-env {name}: the variable is not set")))?),
                None => None,
            };
            let report = crate::routing::gateway::loadgen::run(crate::routing::gateway::loadgen::LoadOptions {
                url,
                body,
                clients,
                duration: std::time::Duration::from_secs_f64(seconds.max(0.1)),
                warmup,
                bearer,
            })
            .await?;
            println!("{report}");
            Ok(0)
        }
        Command::Registry { action, registry, warehouse } => {
            let registry = match registry {
                Some(spec) => crate::routing::registry::Registry::open(&spec)?,
                None => crate::routing::registry::Registry::new(Warehouse::open(&warehouse.warehouse)?.root().child("registry")?),
            };
            match action {
                RegistryAction::List => {
                    let versions = registry.versions().await?;
                    if versions.is_empty() {
                        println!("nothing published in {}", registry.location().display_url());
                    }
                    for v in versions {
                        println!(
                            "{} {}  {}  {} routes, {} to the SLM, {:.1}% of calls  run {}",
                            if v.live { "*" } else { " " },
                            v.version,
                            v.published_at,
                            v.routes,
                            v.slm_clusters,
                            v.slm_traffic_share * 100.0,
                            v.dag_run_id
                        );
                    }
                }
                RegistryAction::Show { version } => {
                    let table = match version {
                        Some(v) => registry.table(&v).await?,
                        None => registry.live().await?.map(|(_, t)| t).ok_or_else(|| Error::NotFound("nothing published yet".into()))?,
                    };
                    println!("version {}  published {}  run {}", table.version, table.published_at, table.dag_run_id);
                    println!("{:<6} {:<8} {:<10} {:>8} {:>9} {:>7}  {:<40} reason", "route", "target", "candidate", "score", "max_dist", "traffic", "label");
                    for r in &table.routes {
                        println!(
                            "{:<6} {:<8} {:<10} {:>8} {:>9.3} {:>6.1}%  {:<40} {}",
                            r.cluster_id,
                            r.target,
                            r.candidate.as_ref().filter(|_| r.is_slm()).map_or("-", |c| c.kind.name()),
                            r.eval.as_ref().map_or("-".into(), |e| format!("{:.3}", e.score)),
                            r.max_distance,
                            r.traffic_share * 100.0,
                            r.label.chars().take(40).collect::<String>(),
                            r.reason
                        );
                    }
                    let s = &table.summary;
                    println!("summary: {} calls, {} of {} clusters to the SLM, SLM traffic share {:.1}%", s.calls, s.slm_clusters, s.clusters, s.slm_traffic_share * 100.0);
                    if let Some(c) = &s.cost {
                        println!("projected cost: {:.2} -> {:.2} {} ({:.1}% saved)", c.llm_only, c.with_routing, c.currency, c.saving_share * 100.0);
                    }
                }
                RegistryAction::Rollback { version } => {
                    let pointer = registry.rollback(&version).await?;
                    println!("live version: {} (was {})", pointer.version, pointer.previous.as_deref().unwrap_or("-"));
                }
            }
            Ok(0)
        }
        Command::Report { run_id, html, open, warehouse } => {
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let (md, html_path) = crate::report::read(&wh, &run_id).await?;
            if open {
                let status = std::process::Command::new("xdg-open").arg(&html_path).status();
                if !status.is_ok_and(|s| s.success()) {
                    eprintln!("could not open a browser; the report is at {html_path}");
                }
            } else if html {
                println!("{html_path}");
            } else {
                print!("{md}");
            }
            Ok(0)
        }
        Command::PiiPatterns => {
            let patterns: Vec<serde_json::Value> = slm_pii::patterns()
                .into_iter()
                .map(|(e, re)| serde_json::json!({"entity": e.tag(), "regex": re}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&patterns).expect("JSON"));
            Ok(0)
        }
    }
}

/// `--force` as given, with its task ids checked against the DAG.
fn force_of(dag: &Dag, tasks: Option<Vec<String>>) -> Result<Force> {
    let force = Force::from_cli(tasks);
    if let Force::Tasks(ids) = &force {
        if let Some(unknown) = ids.iter().find(|id| dag.task(id).is_none()) {
            return Err(Error::usage(format!("--force: DAG `{}` has no task `{unknown}`", dag.name)));
        }
    }
    Ok(force)
}

/// The DAG files given, a folder standing for its `*.yaml` and `*.yml` files.
fn load_dag_files(paths: &[PathBuf]) -> Result<Vec<Dag>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| Error::io(path.display().to_string(), e))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(Error::usage("no DAG files (*.yaml, *.yml) found"));
    }
    files.iter().map(|f| Dag::load(f)).collect()
}

/// `reanonymize`: date by date, each under the DAG's run lock for that date
/// (a run of the same DAG and date is refused meanwhile, and the other way round).
async fn reanonymize(path: &std::path::Path, from: NaiveDate, to: NaiveDate, task: Option<&str>, warehouse: &str) -> Result<i32> {
    use crate::anonymize::AnonymizeConfig;
    use crate::tasks::{TaskContext, TaskKind};
    if from > to {
        return Err(Error::usage(format!("--from {from} is after --to {to}")));
    }
    let dag = Dag::load(path)?;
    let anonymizers: Vec<_> = dag.tasks.iter().filter(|t| t.kind == TaskKind::Anonymize).collect();
    let spec = match (task, anonymizers.as_slice()) {
        (Some(id), _) => anonymizers
            .iter()
            .find(|t| t.id == id)
            .copied()
            .ok_or_else(|| Error::usage(format!("{}: no anonymize task `{id}`", path.display())))?,
        (None, [one]) => *one,
        (None, []) => return Err(Error::usage(format!("{}: the DAG has no anonymize task", path.display()))),
        (None, _) => return Err(Error::usage(format!("{}: several anonymize tasks; pick one with --task", path.display()))),
    };
    let wh = Warehouse::open(warehouse)?;
    let run_id = format!("reanonymize-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut date = from;
    while date <= to {
        let vars = crate::dag::template::Vars::new(date, &run_id, &dag.name);
        let with = crate::dag::template::render(&spec.with, &vars).map_err(|e| Error::task_config(&spec.id, e))?;
        let with = if with.is_null() { serde_json::json!({}) } else { with };
        let config: AnonymizeConfig =
            serde_json::from_value(with).map_err(|e| Error::task_config(&spec.id, e.to_string()))?;
        let ctx = TaskContext {
            run_id: run_id.clone(),
            dag: dag.name.clone(),
            task_id: spec.id.clone(),
            logical_date: date,
            warehouse: wh.clone(),
            upstream: Vec::new(),
            base_dirs: dag.base_dirs(),
            progress: std::io::stderr().is_terminal(),
            clock: Arc::new(SystemClock),
        };
        let lease = std::time::Duration::from_secs(3600);
        let lock = crate::dag::lock::RunLock::acquire(wh.root(), Arc::new(SystemClock), &dag.name, date, &run_id, lease).await?;
        let result = crate::anonymize::reanonymize::reanonymize(&ctx, &config, date, date).await;
        lock.release().await?;
        for r in result? {
            match r.calls {
                None => println!("{}  no calls partition", r.date),
                Some(n) => {
                    let found: Vec<String> = r.newly_found.iter().map(|(t, n)| format!("{t} {n}")).collect();
                    let found = if found.is_empty() { "nothing".to_string() } else { found.join(", ") };
                    println!("{}  {n} calls re-anonymized with detectors {}; newly found: {found}", r.date, r.detector_version);
                }
            }
        }
        date += chrono::Duration::days(1);
    }
    println!(
        "done: datasets and adapters built before are stale (views `stale_datasets`, `stale_adapters`); the next run rebuilds them"
    );
    Ok(0)
}

/// Resolves on SIGTERM or Ctrl-C. The SIGTERM handler is installed here,
/// when called, not when the future is first polled: a service manager may
/// stop the daemon as soon as it says it started, and until a handler is
/// installed SIGTERM kills the process (exit by signal, not 0).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        match term {
            Some(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// A run's outcome: each task's status, rows and the lines it reports.
fn print_summary(summary: &RunSummary) {
    println!("run {}: {}", summary.run_id, summary.status.as_str());
    for (task, status) in &summary.tasks {
        let detail = summary
            .outputs
            .get(task)
            .map(|o| format!("  rows in {} out {}", o["rows_in"], o["rows_out"]))
            .unwrap_or_default();
        println!("  {task:<20} {:<8}{detail}", status.as_str());
        // Tasks may report a few lines worth reading at the end of a run.
        if let Some(lines) = summary.outputs.get(task).and_then(|o| o["details"]["summary"].as_array()) {
            for line in lines.iter().filter_map(|l| l.as_str()) {
                println!("  {:<20} {line}", "");
            }
        }
        if let Some(q) = summary.outputs.get(task).and_then(|o| o["details"].get("quarantined_by_reason")) {
            if q.as_object().is_some_and(|m| !m.is_empty()) {
                println!("  {:<20} quarantined: {q}", "");
            }
        }
    }
}

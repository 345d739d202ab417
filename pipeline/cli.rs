//! The `slm-pipeline` command line. Doc comments are the help text.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::dag::{Dag, Runner, SystemClock};
use crate::error::{Error, Result};
use crate::sql::OutputFormat;
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
}

/// Exit codes: 0 ok, 1 a task failed, 2 bad usage or invalid DAG.
pub fn exit_code(e: &Error) -> i32 {
    match e {
        Error::InvalidDag { .. } | Error::Usage(_) => 2,
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
        Command::Run { dag, date, resume, max_parallel, warehouse } => {
            let dag = Dag::load(&dag)?;
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let runner = Runner::new(wh, Arc::new(SystemClock))
                .with_progress(std::io::stderr().is_terminal())
                .with_max_parallel(max_parallel);
            let summary = match resume {
                Some(run_id) => runner.resume(&dag, &run_id).await?,
                None => {
                    let date = date.unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::Duration::days(1));
                    runner.run(&dag, date).await?
                }
            };
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
            if let Some(e) = &summary.error {
                eprintln!("error: {e}");
                eprintln!("resume with: slm-pipeline run {} --resume {}", dag.path.display(), summary.run_id);
            }
            Ok(if summary.status == Status::Success { 0 } else { 1 })
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
            let ctx = crate::sql::warehouse_session(&wh, Some(&views)).await?;
            let (schema, batches) = crate::sql::query(&ctx, &text).await?;
            match output {
                Some(path) => {
                    crate::sql::write_parquet_file(&path, &schema, &batches)?;
                    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                    eprintln!("wrote {rows} rows to {}", path.display());
                }
                None => print!("{}", crate::sql::render(&schema, &batches, format)?),
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
            print!("{}", crate::sql::render(&schema, &batches, format)?);
            Ok(0)
        }
        Command::Similar { text, k, model, format, warehouse } => {
            let wh = Warehouse::open(&warehouse.warehouse)?;
            let (schema, batches) = crate::cluster::report::similar_calls(&wh, &model, &text, k).await?;
            print!("{}", crate::sql::render(&schema, &batches, format)?);
            Ok(0)
        }
        Command::Logits { adapter, model, prompts, out } => {
            let bytes = crate::finetune::peft::logits_file(&crate::models::model_dir(&model), adapter.as_deref(), &prompts)?;
            std::fs::write(&out, bytes).map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
            println!("{} prompts' logits written to {}", prompts.len(), out.display());
            Ok(0)
        }
        Command::PiiPatterns => {
            let patterns: Vec<serde_json::Value> = crate::anonymize::pii::patterns()
                .into_iter()
                .map(|(e, re)| serde_json::json!({"entity": e.tag(), "regex": re}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&patterns).expect("JSON"));
            Ok(0)
        }
    }
}

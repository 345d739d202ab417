//! Task discovery: embed (MiniLM in candle) and cluster into LanceDB.
//! The mechanics run on a tiny random BERT; fidelity and cluster quality on
//! the real all-MiniLM-L6-v2 that `scripts/setup.sh` installs in `models/`.



use std::path::PathBuf;

use crate::common::*;
use serde_json::{json, Value};
use slm_pipeline::models::minilm::{write_tiny_random_model, Embedder};

fn real_model() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models").join("all-minilm-l6-v2")
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
}

/// Every reference text of sentence-transformers gets the same vector.
#[test]
fn minilm_matches_sentence_transformers() {
    let reference = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/embeddings.jsonl");
    let text = std::fs::read_to_string(&reference).expect("tests/fixtures/minilm/embeddings.jsonl");
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.len() >= 30);
    let model = Embedder::load(&real_model(), 256, &candle_core::Device::Cpu).unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let ours = model.embed(&texts, 8, |_| {}).unwrap();
    let mut worst = 1.0f64;
    for (row, v) in rows.iter().zip(&ours) {
        let expected: Vec<f32> = row["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        assert_eq!(expected.len(), 384);
        let c = cosine(v, &expected);
        assert!(c >= 0.999, "cosine {c} for {:?}", row["text"]);
        worst = worst.min(c);
    }
    eprintln!("worst cosine over {} texts: {worst:.8}", rows.len());

    // The kernels' f32 equals candle's path; int8 stays within its bound.
    use slm_pipeline::models::minilm::{Engine, Options, Precision};
    let load = |options| Embedder::load_with(&real_model(), 256, &candle_core::Device::Cpu, options).unwrap();
    let candle = load(Options { engine: Engine::Candle, ..Default::default() }).embed(&texts, 8, |_| {}).unwrap();
    let worst_of = |vectors: &[Vec<f32>]| vectors.iter().zip(&candle).map(|(a, b)| cosine(a, b)).fold(1.0f64, f64::min);
    let f32_worst = worst_of(&ours);
    assert!(f32_worst >= 0.999_999, "kernels against candle: worst cosine {f32_worst}");
    let int8 = load(Options { precision: Precision::Int8, ..Default::default() });
    let int8_worst = worst_of(&int8.embed(&texts, 8, |_| {}).unwrap());
    let bf16 = load(Options { precision: Precision::Bf16, ..Default::default() });
    let bf16_worst = worst_of(&bf16.embed(&texts, 8, |_| {}).unwrap());
    eprintln!("worst cosine to candle's f32: kernels f32 {f32_worst:.8}, {:?} {bf16_worst:.6}, {:?} {int8_worst:.6}", bf16.precision(), int8.precision());
    assert!(bf16_worst >= 0.999, "bf16 against f32: worst cosine {bf16_worst}");
    assert!(int8_worst >= 0.999, "int8 against f32: worst cosine {int8_worst}");
}

/// Task types with varied wording, so that a clustering has something to find.
const TASKS: [&str; 5] = ["invoice", "unit_tests", "ticket_summary", "gui_click", "sql_query"];

fn task_call(kind: &str, i: usize, day: &str) -> Value {
    let pick = |list: &[&'static str]| list[(i * 7 + i / 3) % list.len()];
    let (system, user, tools): (&str, String, Value) = match kind {
        "invoice" => (
            "You extract fields from invoices and answer with JSON only.",
            format!(
                "Extract the invoice number, the issue date and the total amount from this invoice: Invoice {} from {} dated {} total {} EUR.",
                1000 + i, pick(&["Acme GmbH", "Globex", "Initech", "Umbrella"]), pick(&["3 March", "12 July", "1 May"]), 50 + i * 3
            ),
            json!([]),
        ),
        "unit_tests" => (
            "You are a QA engineer who writes thorough pytest unit tests.",
            format!(
                "Write pytest unit tests for the Python function {}(data) in the module {}.py, covering edge cases.",
                pick(&["parse_date", "merge_users", "compute_tax", "slugify", "load_config"]), pick(&["utils", "billing", "users", "core"])
            ),
            json!([]),
        ),
        "ticket_summary" => (
            "You summarize customer support tickets for the on-call team.",
            format!(
                "Summarize this support ticket in two sentences: the customer says that {} since {}.",
                pick(&["the app crashes on login", "payments fail at checkout", "exports are empty", "the dashboard is slow"]),
                pick(&["the last update", "Monday", "yesterday evening"])
            ),
            json!([]),
        ),
        "gui_click" => (
            "You operate a desktop GUI by choosing the next action.",
            format!(
                "The screen shows the {} window with the buttons {} and {}. Which button do you click to {}?",
                pick(&["Settings", "File Explorer", "Mail", "Browser"]), pick(&["OK", "Save", "Next"]), pick(&["Cancel", "Back", "Close"]),
                pick(&["save the file", "go back", "confirm the dialog"])
            ),
            json!([{"type": "function", "function": {"name": "click", "parameters": {}}}, {"type": "function", "function": {"name": "type_text", "parameters": {}}}]),
        ),
        _ => (
            "You translate questions into SQL for a PostgreSQL database.",
            format!(
                "Write a SQL query that returns the {} of {} per {} from the table {}.",
                pick(&["sum", "average", "count"]), pick(&["orders", "revenue", "sessions"]), pick(&["month", "country", "customer"]),
                pick(&["sales", "events", "orders"])
            ),
            json!([]),
        ),
    };
    json!({
        "trace_id": format!("{kind}-{day}-{i:04}"), "span_id": format!("s{i:04}"),
        "ts": format!("{day}T10:00:00Z"), "agent": format!("agent-{}", i % 3), "model": "gpt-4o",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "tools": tools,
        "response": {"content": "done"},
        "usage": {"prompt_tokens": 100 + i, "completion_tokens": 20}, "latency_ms": 500, "status": "ok"
    })
}

/// Writes `per_task` calls of each kind for `day`, and their labels.
fn write_tasks(p: &Project, day: &str, kinds: &[&str], per_task: usize) -> PathBuf {
    let mut lines = Vec::new();
    let mut labels = String::from("trace_id,span_id,label\n");
    for kind in kinds {
        for i in 0..per_task {
            let call = task_call(kind, i, day);
            labels.push_str(&format!("{},{},{kind}\n", call["trace_id"].as_str().unwrap(), call["span_id"].as_str().unwrap()));
            lines.push(call.to_string());
        }
    }
    write_lines(&p.logs().join(day).join("calls.jsonl"), &lines);
    let path = p.logs().join("labels").join(format!("{day}.csv"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, labels).unwrap();
    path
}

fn discovery_yaml(p: &Project, key_env: &str, model: &std::path::Path, cluster: &str) -> String {
    format!(
        "{}  - id: embed\n    kind: embed\n    needs: [anonymize]\n    with: {{model: '{}'}}\n  - id: cluster\n    kind: cluster\n    needs: [embed]\n    with: {cluster}\n",
        standard_yaml(&p.logs(), key_env),
        model.display()
    )
}

/// Runs every task, even one the run cache would skip: these tests check
/// the tasks' own incremental work (embeddings, datasets, the index).
async fn run_day(p: &Project, dag: &slm_pipeline::dag::Dag, day: &str) -> slm_pipeline::dag::RunSummary {
    let (runner, _) = runner(p.warehouse());
    let runner = runner.with_force(Force::All);
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let summary = runner.run(dag, date).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedding_is_incremental_and_holds_no_raw_pii() {
    let p = Project::new();
    let model = p.dir.path().join("tiny-bert");
    std::fs::create_dir_all(&model).unwrap();
    write_tiny_random_model(&model).unwrap();
    let mut lines: Vec<String> = canaries().iter().enumerate().map(|(i, (_, c))| call_with_pii(i, c).to_string()).collect();
    lines.extend((0..10).map(|i| plain_call(i).to_string()));
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &lines);
    set_key("SLM_TEST_KEY_EMBED");
    let dag = p.dag(&discovery_yaml(&p, "SLM_TEST_KEY_EMBED", &model, "{k: 2}"));
    let n = lines.len() as u64;

    let first = run_day(&p, &dag, DATE).await;
    assert_eq!(first.outputs["embed"]["details"]["embedded"], n);
    let again = run_day(&p, &dag, DATE).await;
    assert_eq!(again.outputs["embed"]["details"]["embedded"], 0, "nothing new to embed");
    assert_eq!(again.outputs["embed"]["details"]["skipped_already_embedded"], n);
    let wh = p.warehouse();
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM call_embeddings").await, n as i64);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM cluster_assignments").await, n as i64);
    // The embedded texts come from the anonymized calls: no canary anywhere.
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT text FROM call_embeddings").await.unwrap();
    let mut texts = String::new();
    for b in &batches {
        let col = b.column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
        texts.extend(col.iter().flatten().map(|t| format!("{t}\n")));
    }
    assert!(texts.contains("<EMAIL_"), "pseudonyms are embedded instead: {texts}");
    for (path, bytes) in warehouse_text(&p.warehouse_path()) {
        for (_, canary) in canaries() {
            let secret = secret_part(canary).as_bytes();
            assert!(!bytes.windows(secret.len()).any(|w| w == secret), "{canary} in {}", path.display());
        }
    }
    for (_, canary) in canaries() {
        assert!(!texts.contains(secret_part(canary)));
    }

    // A new date: only its calls are embedded.
    write_lines(&p.logs().join("2026-11-21").join("b.jsonl"), &(100..104).map(|i| plain_call(i).to_string()).collect::<Vec<_>>());
    let next = run_day(&p, &dag, "2026-11-21").await;
    assert_eq!(next.outputs["embed"]["details"]["embedded"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_recover_known_task_types_and_are_queryable() {
    let p = Project::new();
    let labels = write_tasks(&p, DATE, &TASKS, 24);
    set_key("SLM_TEST_KEY_CLUSTER");
    let cluster = format!("{{days: 1, k_min: 2, k_max: 8, labels: '{}'}}", labels.display());
    let dag = p.dag(&discovery_yaml(&p, "SLM_TEST_KEY_CLUSTER", &real_model(), &cluster));
    let summary = run_day(&p, &dag, DATE).await;
    let details = &summary.outputs["cluster"]["details"];
    // Five task types; a type with sub-structure may be split in two, which
    // the silhouette may prefer. A merge would show in the scores.
    let k = details["clusters"].as_i64().unwrap();
    assert!((5..=7).contains(&k), "{details}");
    let ari = details["quality"]["ari"].as_f64().unwrap();
    let nmi = details["quality"]["nmi"].as_f64().unwrap();
    assert!(ari > 0.8 && nmi > 0.85, "ARI {ari}, NMI {nmi}");

    let wh = p.warehouse();
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM clusters").await, k);
    // Lance tables join with the Parquet tables.
    let per_agent = count(
        &wh,
        "SELECT COUNT(*) FROM (SELECT a.cluster_id, c.agent, COUNT(*) AS n FROM cluster_assignments a \
         JOIN calls c ON a.call_id = c.call_id WHERE a.cluster_id IS NOT NULL GROUP BY a.cluster_id, c.agent)",
    )
    .await;
    assert!(per_agent >= k * 3 - 2, "{per_agent}");
    // Each label names its task type's words.
    let (_, batches) = slm_pipeline::cluster::report::cluster_table(&wh, None).await.unwrap();
    let labels: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let col = b.column_by_name("label").unwrap().as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
            col.iter().flatten().map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    assert!(labels.iter().any(|l| l.contains("invoice")), "{labels:?}");
    assert!(labels.iter().any(|l| l.contains("sql") || l.contains("query")), "{labels:?}");
    // Vector search finds the invoice calls.
    let model = real_model();
    let (_, hits) =
        slm_pipeline::cluster::report::similar_calls(&wh, model.to_str().unwrap(), "pull the total out of an invoice", 5)
            .await
            .unwrap();
    let texts: Vec<String> = hits
        .iter()
        .flat_map(|b| {
            let col = b.column_by_name("text").unwrap().as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
            col.iter().flatten().map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(texts.len(), 5);
    assert!(texts.iter().all(|t| t.contains("invoice")), "{texts:?}");
    // The picture was written.
    let picture = details["picture"].as_str().unwrap().trim_start_matches("file://").to_string();
    let svg = std::fs::read_to_string(&picture).unwrap();
    assert!(svg.starts_with("<svg") && svg.matches("<circle").count() >= 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_ids_stay_stable_and_only_a_new_task_type_gets_a_new_id() {
    let p = Project::new();
    let day1 = "2026-11-20";
    let day2 = "2026-11-21";
    write_tasks(&p, day1, &TASKS[..3], 20);
    // Night two: the same three task types (other calls) and a new one.
    write_tasks(&p, day2, &[TASKS[0], TASKS[1], TASKS[2], TASKS[4]], 20);
    set_key("SLM_TEST_KEY_STABLE");
    let dag = p.dag(&discovery_yaml(&p, "SLM_TEST_KEY_STABLE", &real_model(), "{days: 1, k_min: 2, k_max: 6}"));
    run_day(&p, &dag, day1).await;
    run_day(&p, &dag, day2).await;

    // The clusters of each task type, each night, through the trace ids.
    let wh = p.warehouse();
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(
        &ctx,
        "SELECT DISTINCT split_part(c.trace_id, '-2026', 1) AS kind, CAST(c.date AS VARCHAR) AS day, a.cluster_id \
         FROM calls c JOIN cluster_assignments a ON a.call_id = c.call_id WHERE a.cluster_id IS NOT NULL",
    )
    .await
    .unwrap();
    type Ids = std::collections::BTreeSet<i64>;
    let mut ids: std::collections::BTreeMap<(String, String), Ids> = Default::default();
    let mut kinds_of_cluster: std::collections::BTreeMap<(String, i64), Vec<String>> = Default::default();
    for b in &batches {
        let s = |i: usize| b.column(i).as_any().downcast_ref::<arrow::array::StringArray>().unwrap().clone();
        let (kind, day) = (s(0), s(1));
        let id = b.column(2).as_any().downcast_ref::<arrow::array::Int64Array>().unwrap().clone();
        for r in 0..b.num_rows() {
            let key = (kind.value(r).to_string(), day.value(r).to_string());
            ids.entry(key).or_default().insert(id.value(r));
            kinds_of_cluster.entry((day.value(r).to_string(), id.value(r))).or_default().push(kind.value(r).to_string());
        }
    }
    // No cluster mixes task types.
    assert!(kinds_of_cluster.values().all(|k| k.len() == 1), "{kinds_of_cluster:?}");
    // The known task types keep their ids...
    let day1_ids: Ids = ids.iter().filter(|((_, d), _)| d == day1).flat_map(|(_, v)| v.clone()).collect();
    for kind in &TASKS[..3] {
        assert_eq!(ids[&(kind.to_string(), day1.to_string())], ids[&(kind.to_string(), day2.to_string())], "{kind}: {ids:?}");
    }
    // ...and only the new one gets new ids, flagged as new.
    let new_ids = &ids[&(TASKS[4].to_string(), day2.to_string())];
    let next = *day1_ids.iter().max().unwrap() + 1;
    assert!(new_ids.iter().all(|id| *id >= next), "{ids:?}");
    let flagged = count(&wh, &format!("SELECT COUNT(*) FROM clusters WHERE is_new AND date = DATE '{day2}'")).await;
    assert_eq!(flagged, new_ids.len() as i64);
    let new_id = *new_ids.iter().next().unwrap();
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM clusters WHERE is_new AND cluster_id = {new_id}")).await, 1);
}

/// On the demo corpus, with its ground-truth labels (never an input), the
/// clusters reach a level that random (ARI ≈ 0) or degenerate (one cluster:
/// ARI = NMI = 0) clusterings cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_corpus_clusters_agree_with_the_ground_truth() {
    let p = Project::new();
    let summary = slm_pipeline::demo::generate(&slm_pipeline::demo::DemoConfig {
        out_dir: p.logs(),
        calls: 360,
        date: date(),
        seed: 11,
        faults: false,
    })
    .unwrap();
    set_key("SLM_TEST_KEY_DEMO_QUALITY");
    let cluster = format!("{{days: 1, k_min: 4, k_max: 14, labels: '{}'}}", summary.labels_path.display());
    let yaml = discovery_yaml(&p, "SLM_TEST_KEY_DEMO_QUALITY", &real_model(), &cluster)
        .replace("with: {model: '", "with: {max_tokens: 128, model: '");
    let dag = p.dag(&yaml);
    let run = run_day(&p, &dag, DATE).await;
    let quality = &run.outputs["cluster"]["details"]["quality"];
    let (ari, nmi) = (quality["ari"].as_f64().unwrap(), quality["nmi"].as_f64().unwrap());
    eprintln!("demo corpus, 360 calls: ARI {ari:.3}, NMI {nmi:.3}");
    assert!(ari > 0.3 && nmi > 0.5, "ARI {ari}, NMI {nmi}");
    assert_eq!(quality["labelled_calls"], run.outputs["cluster"]["rows_in"]);
}

/// HDBSCAN finds dense task types and leaves scattered calls unassigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hdbscan_leaves_outliers_unassigned() {
    let p = Project::new();
    let labels = write_tasks(&p, DATE, &TASKS[..3], 20);
    // Three one-off calls unlike any task type.
    let odd = ["Translate this haiku about autumn leaves into French.", "What is the boiling point of tungsten?", "Compose a limerick about a cat who codes."];
    let mut lines: Vec<String> = std::fs::read_to_string(p.logs().join(DATE).join("calls.jsonl")).unwrap().lines().map(str::to_string).collect();
    for (i, text) in odd.iter().enumerate() {
        lines.push(json!({"trace_id": format!("odd-{i}"), "span_id": "s", "model": "gpt-4o", "messages": [{"role": "user", "content": text}], "response": {"content": "ok"}}).to_string());
    }
    write_lines(&p.logs().join(DATE).join("calls.jsonl"), &lines);
    set_key("SLM_TEST_KEY_HDBSCAN");
    let cluster = format!("{{method: hdbscan, min_cluster_size: 5, min_samples: 3, days: 1, labels: '{}'}}", labels.display());
    let dag = p.dag(&discovery_yaml(&p, "SLM_TEST_KEY_HDBSCAN", &real_model(), &cluster));
    let run = run_day(&p, &dag, DATE).await;
    let details = &run.outputs["cluster"]["details"];
    assert_eq!(details["method"], "hdbscan");
    assert!(details["clusters"].as_i64().unwrap() >= 3, "{details}");
    let wh = p.warehouse();
    let odd_unassigned = count(
        &wh,
        "SELECT COUNT(*) FROM cluster_assignments a JOIN calls c ON a.call_id = c.call_id \
         WHERE c.trace_id LIKE 'odd-%' AND a.cluster_id IS NULL",
    )
    .await;
    assert_eq!(odd_unassigned, 3, "{details}");
    // HDBSCAN may split a task type along its sub-structure (the wording
    // variants); it must not merge them.
    let (ari, nmi) = (details["quality"]["ari"].as_f64().unwrap(), details["quality"]["nmi"].as_f64().unwrap());
    assert!(ari > 0.6 && nmi > 0.75, "{details}");
}

/// Once `call_embeddings` is large enough, an ANN index is built and the
/// search goes through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ann_index_is_built_once_the_table_is_large_enough() {
    let p = Project::new();
    let model = p.dir.path().join("tiny-bert");
    std::fs::create_dir_all(&model).unwrap();
    write_tiny_random_model(&model).unwrap();
    let words = ["invoice", "total", "tests", "python", "ticket", "click", "button", "code", "review", "email"];
    let lines: Vec<String> = (0..300)
        .map(|i| {
            let text = format!("{} {} {} {}", words[i % 10], words[(i / 10) % 10], words[(i / 100) % 10], words[(i * 7) % 10]);
            json!({"trace_id": format!("t{i}"), "span_id": "s", "model": "m", "messages": [{"role": "user", "content": text}], "response": {"content": "ok"}}).to_string()
        })
        .collect();
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &lines);
    set_key("SLM_TEST_KEY_INDEX");
    let yaml = discovery_yaml(&p, "SLM_TEST_KEY_INDEX", &model, "{k: 3, days: 1}")
        .replace("with: {model: '", "with: {index_min_rows: 256, model: '");
    let run = run_day(&p, &p.dag(&yaml), DATE).await;
    assert_eq!(run.outputs["embed"]["details"]["vector_index"], "built");
    let again = run_day(&p, &p.dag(&yaml), DATE).await;
    assert_eq!(again.outputs["embed"]["details"]["vector_index"], "present");
    let (_, hits) = slm_pipeline::cluster::report::similar_calls(&p.warehouse(), model.to_str().unwrap(), "invoice total", 7)
        .await
        .unwrap();
    assert_eq!(hits.iter().map(|b| b.num_rows()).sum::<usize>(), 7);
}

/// `per_task` calls of each kind, each with its own request and answer (no
/// duplicates among them).
fn distinct_task_lines(kinds: &[&str], per_task: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in kinds {
        for i in 0..per_task {
            let mut call = task_call(kind, i, DATE);
            let user = format!("{} (request {i} of batch {kind})", call["messages"][1]["content"].as_str().unwrap());
            call["messages"][1]["content"] = json!(user);
            call["response"] = json!({"content": format!("Answer {i} for {kind}.")});
            lines.push(call.to_string());
        }
    }
    lines
}

/// Call `i` of `distinct_task_lines` with another request number (so the
/// same task type, a different call).
fn variant_of(lines: &[String], i: usize, request: usize) -> Value {
    let mut call: Value = serde_json::from_str(&lines[i]).unwrap();
    let user = call["messages"][1]["content"].as_str().unwrap().replace(&format!("(request {i} "), &format!("(request {request} "));
    call["messages"][1]["content"] = json!(user);
    call["trace_id"] = json!(format!("invoice-{DATE}-{request}"));
    call
}

/// distill: per-cluster datasets of well-answered calls, duplicates and
/// over-long pairs out, a deterministic train/eval split, small clusters
/// skipped and reported, versions stable for unchanged data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distill_writes_versioned_datasets_per_cluster() {
    let p = Project::new();
    // Three task types, each call with its own request and answer.
    let mut lines = distinct_task_lines(&TASKS[..3], 30);
    // Failed calls and empty answers are no training pairs; an exact copy of a
    // call (another trace) is a duplicate; a huge prompt is over the limit.
    let mut failed = task_call("invoice", 900, DATE);
    failed["status"] = json!("error");
    let mut empty = task_call("invoice", 901, DATE);
    empty["response"] = json!({"content": "  "});
    let mut copy: Value = serde_json::from_str(&lines[0]).unwrap();
    copy["trace_id"] = json!("invoice-copy");
    // Like the other invoice calls (same cluster), but with a long answer.
    let mut huge = variant_of(&lines, 3, 903);
    huge["response"] = json!({"content": "Line item: consulting services. ".repeat(200)});
    // A tool-calling answer.
    let mut tool = variant_of(&lines, 2, 902);
    tool["response"] = json!({"content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "click", "arguments": "{\"button\": \"OK\"}"}}]});
    for call in [failed, empty, copy, huge, tool] {
        lines.push(call.to_string());
    }
    write_lines(&p.logs().join(DATE).join("calls.jsonl"), &lines);
    set_key("SLM_TEST_KEY_DISTILL");
    let yaml = format!(
        "{}  - id: distill\n    kind: distill\n    needs: [cluster]\n    with: {{days: 1, min_pairs: MIN, max_tokens: 512, near_duplicate_distance: 0.0005}}\n",
        discovery_yaml(&p, "SLM_TEST_KEY_DISTILL", &real_model(), "{days: 1, k: 3}")
    );
    let dag = p.dag(&yaml.replace("MIN", "20"));
    let run = run_day(&p, &dag, DATE).await;
    let details = &run.outputs["distill"]["details"];
    eprintln!("{details:#}");
    assert_eq!(details["datasets"], 3, "{details}");
    let reports = details["clusters"].as_object().unwrap();
    let sum = |key: &str| reports.values().map(|r| r[key].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("exact_duplicates"), 1, "{details}");
    assert_eq!(sum("too_long"), 1, "{details}");
    let wh = p.warehouse();
    let rows = count(&wh, "SELECT COUNT(*) FROM datasets").await;
    assert_eq!(rows, sum("train") + sum("eval"));
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM datasets d JOIN calls c ON d.call_id = c.call_id WHERE c.status <> 'ok'").await, 0);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM datasets WHERE answer NOT LIKE '%<|im_end|>\n'").await, 0);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM datasets WHERE prompt_tokens + answer_tokens > 512").await, 0);
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let (_, b) = slm_pipeline::warehouse::session::query(&ctx, "SELECT answer FROM datasets WHERE answer LIKE '%tool_calls%'").await.unwrap();
    let answers: Vec<String> = b
        .iter()
        .flat_map(|b| b.column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap().iter().flatten().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert_eq!(answers, [r#"{"tool_calls":[{"name":"click","arguments":{"button":"OK"}}]}<|im_end|>"#.to_string() + "\n"]);
    // Every written dataset has at least 10% eval.
    let low_eval = count(
        &wh,
        "SELECT COUNT(*) FROM (SELECT cluster_id, SUM(CASE WHEN split = 'eval' THEN 1 ELSE 0 END) AS e, COUNT(*) AS n \
         FROM datasets GROUP BY cluster_id) WHERE e * 10 < n",
    )
    .await;
    assert_eq!(low_eval, 0);

    // A rerun on unchanged data: the same versions and the same split.
    let again = run_day(&p, &dag, DATE).await;
    let versions = |d: &Value| {
        d["clusters"].as_object().unwrap().values().filter_map(|r| r["version"].as_str().map(str::to_string)).collect::<Vec<_>>()
    };
    assert_eq!(versions(details), versions(&again.outputs["distill"]["details"]));
    assert_eq!(count(&wh, "SELECT COUNT(DISTINCT version) FROM datasets").await, versions(details).len() as i64);

    // Clusters under min_pairs get no dataset, and the report says why.
    let strict = run_day(&p, &p.dag(&yaml.replace("MIN", "1000")), DATE).await;
    let d = &strict.outputs["distill"]["details"];
    assert_eq!((d["datasets"].as_i64(), d["skipped_clusters"].as_i64()), (Some(0), Some(3)), "{d}");
    assert!(d["clusters"]["0"]["skipped"].as_str().unwrap().contains("min_pairs = 1000"), "{d}");
}

/// A local OpenAI-compatible endpoint: the first request gets a 503 (to be
/// retried), the others an answer. It records what it received.
async fn teacher_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // Headers, then Content-Length bytes of body.
            let request = loop {
                let read = socket.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break text;
                    }
                }
                if read == 0 {
                    break String::from_utf8_lossy(&buf).to_string();
                }
            };
            log.lock().unwrap().push(request);
            n += 1;
            let (status, body) = if n == 1 {
                ("503 Service Unavailable", "{}".to_string())
            } else {
                ("200 OK", json!({"choices": [{"message": {"role": "assistant", "content": format!("Teacher answer {n}.")}}]}).to_string())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
        }
    });
    (port, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distill_asks_the_teacher_for_failed_answers_with_anonymized_prompts() {
    let p = Project::new();
    let mut lines = distinct_task_lines(&TASKS[..3], 20);
    // Three invoice calls whose logged answer failed, with PII in the prompt.
    let (_, email) = canaries()[0];
    for i in 0..3 {
        let mut call = variant_of(&lines, i, 800 + i);
        let user = call["messages"][1]["content"].as_str().unwrap().to_string();
        call["messages"][1]["content"] = json!(format!("{user} Send it to {email}."));
        call["trace_id"] = json!(format!("invoice-{DATE}-failed{i}"));
        call["status"] = json!("error");
        call["response"] = json!({"content": null});
        lines.push(call.to_string());
    }
    write_lines(&p.logs().join(DATE).join("calls.jsonl"), &lines);
    let (port, seen) = teacher_server().await;
    set_key("SLM_TEST_KEY_TEACHER");
    std::env::set_var("SLM_TEST_TEACHER_API_KEY", "teacher-secret-123");
    let yaml = format!(
        "{}  - id: distill\n    kind: distill\n    needs: [cluster]\n    with: {{days: 1, min_pairs: 5, near_duplicate_distance: 0.0005, \
         teacher: {{url: 'http://127.0.0.1:{port}/v1', model: teacher-model, api_key_env: SLM_TEST_TEACHER_API_KEY, requests_per_sec: 50, retries: 2}}}}\n",
        discovery_yaml(&p, "SLM_TEST_KEY_TEACHER", &real_model(), "{days: 1, k: 3}")
    );
    let run = run_day(&p, &p.dag(&yaml), DATE).await;
    let details = &run.outputs["distill"]["details"];
    // The failed calls in a cluster go to the teacher (an outlier stays on the LLM).
    let wh = p.warehouse();
    let in_cluster = count(
        &wh,
        "SELECT COUNT(*) FROM calls c JOIN cluster_assignments a ON a.call_id = c.call_id \
         WHERE c.status = 'error' AND a.cluster_id IS NOT NULL",
    )
    .await;
    assert!(in_cluster >= 1, "{details}");
    assert_eq!(details["teacher"], json!({"asked": in_cluster, "answered": in_cluster, "failed": 0}), "{details}");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM datasets WHERE source = 'teacher' AND answer LIKE 'Teacher answer %'").await, in_cluster);

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len() as i64, in_cluster + 1, "one 503 retried, then the answers");
    for r in &requests {
        assert!(r.starts_with("POST /v1/chat/completions"), "{r}");
        assert!(r.to_ascii_lowercase().contains("authorization: bearer teacher-secret-123"), "{r}");
        assert!(!r.contains(email), "raw PII sent to the teacher: {r}");
        assert!(r.contains("<EMAIL_") && r.contains("\"model\":\"teacher-model\""), "{r}");
    }
    // The key never lands in the run history.
    for (path, bytes) in warehouse_text(&p.warehouse_path()) {
        assert!(!bytes.windows(18).any(|w| w == b"teacher-secret-123"), "{}", path.display());
    }
}

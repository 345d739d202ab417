//! evaluate → publish → route, end to end on the demo corpus: the real
//! MiniLM for embeddings, a tiny random Llama (SmolLM2's tokenizer) as the
//! small LM so that training and generation take seconds. The gate is set
//! to pass anything (the tiny model's answers are noise); the gate's
//! decisions themselves are unit-tested in `publish`.



use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::*;
use slm_pipeline::hashing::sha256_hex;
use slm_pipeline::routing::live::LiveTable;
use slm_pipeline::routing::registry::Registry;
use slm_pipeline::routing::router::{decide, Request, Router};
use slm_pipeline::routing::serve::{serve, ServiceState};
use slm_pipeline::models::fewshot::ShotPool;
use slm_pipeline::routing::table::RoutingTable;
use slm_pipeline::warehouse::candidates::CandidateKind;
use slm_pipeline::warehouse::Warehouse;

const KEY_ENV: &str = "SLM_TEST_KEY_PUBLISH";

struct Fixture {
    /// Kept alive for the whole test binary.
    _dir: tempfile::TempDir,
    root: PathBuf,
    planted_pii: Vec<String>,
}

fn tiny_model(dir: &Path) -> PathBuf {
    let tokenizer = slm_pipeline::models::smollm::load_tokenizer(&slm_pipeline::models::model_dir("smollm2-135m-instruct"))
        .expect("bash scripts/setup.sh fetches SmolLM2");
    let path = dir.join("tiny-llama");
    slm_pipeline::models::smollm::write_tiny_llama(&path, tokenizer, 32, 2, 5).unwrap();
    path
}

fn publish_yaml(extra: &str) -> String {
    format!(
        "  - id: publish\n    kind: publish\n    with: {{threshold: 0.0, min_eval: 1, ambiguity_margin: 0.01, prices: {{gpt-4o: {{input: 2.5, output: 10.0}}, gpt-4o-mini: {{input: 0.15, output: 0.6}}}}, slm_price: {{input: 0.02, output: 0.04}}{extra}}}\n"
    )
}

/// The whole DAG once per test binary; tests copy the result.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        std::thread::spawn(|| {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_path_buf();
            let summary = slm_pipeline::demo::generate(&slm_pipeline::demo::DemoConfig {
                out_dir: root.join("logs"),
                calls: 500,
                date: date(),
                seed: 11,
                faults: false,
            })
            .unwrap();
            let planted_pii = std::fs::read_to_string(&summary.pii_path).unwrap().lines().filter(|l| !l.is_empty()).map(String::from).collect();
            let model = tiny_model(&root);
            set_key(KEY_ENV);
            let yaml = format!(
                "{}  - id: embed\n    kind: embed\n    needs: [anonymize]\n    with: {{max_tokens: 64}}\n  - id: cluster\n    kind: cluster\n    needs: [embed]\n    with: {{method: kmeans, k_min: 4, k_max: 8}}\n  - id: distill\n    kind: distill\n    needs: [cluster]\n    with: {{model: '{m}', min_pairs: 5, max_tokens: 1024, prune_min_share: 0.4, prune_min_chars: 64}}\n  - id: finetune\n    kind: finetune\n    needs: [distill]\n    with: {{model: '{m}', max_adapters: 2, max_eval_pairs: 4, lora: {{rank: 2, alpha: 4, target_modules: [q, v]}}, training: {{max_steps: 2, batch_size: 2, eval_every: 2, warmup_steps: 1, max_seq_len: 1024}}}}\n  - id: evaluate\n    kind: evaluate\n    needs: [finetune]\n    with: {{model: '{m}', max_eval_pairs: 5, max_new_tokens: 6}}\n{}",
                standard_yaml(&root.join("logs"), KEY_ENV).replace("max_line_bytes: 65536", "max_line_bytes: 1048576"),
                publish_yaml("").replace("    with:", "    needs: [evaluate]\n    with:"),
                m = model.display()
            );
            let dags = root.join("dags");
            std::fs::create_dir_all(&dags).unwrap();
            std::fs::write(dags.join("full.yaml"), yaml).unwrap();
            let dag = slm_pipeline::dag::Dag::load(&dags.join("full.yaml")).unwrap();
            let wh = Warehouse::open(root.join("warehouse").to_str().unwrap()).unwrap();
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let (runner, _) = runner(wh);
            let run = runtime.block_on(runner.run(&dag, date())).unwrap();
            assert!(run.succeeded(), "{run:#?}");
            eprintln!("evaluate: {:#}\npublish: {:#}", run.outputs["evaluate"]["details"], run.outputs["publish"]["details"]);
            Fixture { _dir: dir, root, planted_pii }
        })
        .join()
        .unwrap()
    })
}

/// A private copy of the fixture's warehouse.
fn copy_warehouse(to: &Path) -> PathBuf {
    let from = fixture().root.join("warehouse");
    for file in files_under(&from) {
        let target = to.join("warehouse").join(file.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    to.join("warehouse")
}

fn registry_of(warehouse: &Path) -> Registry {
    Registry::open(warehouse.join("registry").to_str().unwrap()).unwrap()
}

/// The file a route's registry folder is addressed by: the adapter's
/// weights, or the few-shot examples, or a zero-shot route's candidate.json.
fn main_file(folder: &slm_pipeline::routing::table::AdapterRef) -> String {
    folder.files.iter().find(|(_, sum)| **sum == folder.sha256).map(|(name, _)| name.clone()).unwrap()
}

async fn live(registry: &Registry) -> RoutingTable {
    registry.live().await.unwrap().expect("a live version").1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_evaluates_publishes_and_reports() {
    let f = fixture();
    let wh = Warehouse::open(f.root.join("warehouse").to_str().unwrap()).unwrap();
    // The evaluations table: one row per adapter, scores in range, intervals around them.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM evaluations").await, 2);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM evaluations WHERE score BETWEEN 0 AND 1 AND ci_low <= score AND score <= ci_high \
                    AND base_score BETWEEN 0 AND 1 AND n BETWEEN 1 AND 5 AND tokens_generated > 0 \
                    AND metric IN ('tool_call_match', 'json_field_match', 'rouge_l', 'mixed')").await,
        2
    );
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM evaluation_examples").await, count(&wh, "SELECT SUM(n) FROM evaluations").await);

    // The registry: a live table whose SLM routes' adapters verify.
    let registry = registry_of(&f.root.join("warehouse"));
    let (pointer, table) = registry.live().await.unwrap().unwrap();
    assert_eq!(pointer.version, table.version);
    assert_eq!(table.embedding.model, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!((table.embedding.dim, table.embedding.max_tokens), (384, 64));
    let slm: Vec<_> = table.routes.iter().filter(|r| r.is_slm()).collect();
    assert_eq!(slm.len(), 2, "{:#?}", table.routes);
    assert_eq!(table.summary.slm_clusters, 2);
    assert_eq!(table.routes.len(), table.summary.clusters);
    for route in &slm {
        let adapter = route.adapter.as_ref().unwrap();
        assert!(adapter.path.ends_with(&adapter.sha256[..12]), "content-addressed: {}", adapter.path);
        let files = registry.fetch_adapter(adapter).await.unwrap();
        // The route's folder holds what its candidate needs, addressed by its main file.
        let candidate = route.candidate.as_ref().expect("publish records the candidate");
        let main = match candidate.kind {
            CandidateKind::Lora => {
                assert!(files.contains_key("adapter_config.json") && files.contains_key("metrics.json"));
                "adapter_model.safetensors"
            }
            CandidateKind::FewShot => {
                let pool = ShotPool::from_jsonl(&files["shots.jsonl"]).unwrap();
                assert!(pool.len() >= candidate.shots && candidate.shots >= 1);
                "shots.jsonl"
            }
            CandidateKind::ZeroShot => "candidate.json",
        };
        assert_eq!(sha256_hex(&files[main]), adapter.sha256);
        assert_eq!(candidate.licence, "apache-2.0");
        assert!(candidate.memory_mib > 0.0 && candidate.tokens_per_call > 0.0, "{candidate:?}");
        assert!(route.max_distance > 0.0 && route.eval.as_ref().unwrap().n >= 1);
        assert_eq!(route.base_model.as_deref(), Some("tiny-random-llama"));
    }
    // Every evaluation scored three candidates on the same calls; each SLM
    // route took the cheapest (the gate passes all here).
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM candidates").await, 6);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM candidates c JOIN evaluations e ON c.evaluation_id = e.evaluation_id \
                    WHERE c.n = e.n AND c.licence = 'apache-2.0' AND c.cost > 0 AND c.memory_mib > 0").await,
        6
    );
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM evaluation_examples WHERE few_shot_score IS NULL OR few_shot_answer IS NULL").await, 0);
    for route in &slm {
        let cluster = slm_pipeline::routing::table::cluster_of(&route.cluster_id).unwrap();
        let cheapest = count(&wh, &format!(
            "SELECT CASE candidate WHEN 'zero_shot' THEN 0 WHEN 'few_shot' THEN 1 ELSE 2 END FROM candidates \
             WHERE cluster_id = {cluster} ORDER BY cost, memory_mib, candidate = 'lora', candidate = 'few_shot' LIMIT 1")).await;
        let kind = [CandidateKind::ZeroShot, CandidateKind::FewShot, CandidateKind::Lora][cheapest as usize];
        assert_eq!(route.candidate.as_ref().unwrap().kind, kind, "{}", route.reason);
    }
    // Measured share: at most the SLM clusters' share, and some traffic moves.
    let cluster_share: f64 = slm.iter().map(|r| r.traffic_share).sum();
    let share = table.summary.slm_traffic_share;
    assert!(share > 0.0 && share <= cluster_share + 1e-9, "{share} vs {cluster_share}");
    let cost = table.summary.cost.as_ref().unwrap();
    assert!(cost.saving > 0.0 && cost.with_routing < cost.llm_only && cost.unpriced_calls > 0, "{cost:?}");

    // The report: Markdown and self-contained HTML with its pictures.
    let run_dir = files_under(&f.root.join("warehouse/reports")).into_iter().find(|p| p.ends_with("report.md")).unwrap();
    let md = std::fs::read_to_string(&run_dir).unwrap();
    assert!(md.contains("SLM traffic share") && md.contains("first published version") && md.contains(&table.version), "{md}");
    // The training of the run: minutes, tokens, gain, why it stopped, peak RSS.
    assert!(md.contains("## Training") && md.contains("peak RSS (MiB)") && md.matches("| epochs |").count() + md.matches("| plateau |").count() == 2, "{md}");
    let html = std::fs::read_to_string(run_dir.with_file_name("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 3, "scores, cluster map and loss curves inline");
    assert!(!html.contains("<script") && !html.contains("src=\"http"), "self-contained, no script");

    // No planted PII anywhere: tables, datasets, adapters, evaluations, registry, report.
    let files = warehouse_text(&f.root.join("warehouse"));
    for value in &f.planted_pii {
        for (path, bytes) in &files {
            assert!(!bytes.windows(value.len()).any(|w| w == value.as_bytes()), "planted `{value}` found in {}", path.display());
        }
    }
}

/// Adapters carry the PII detector version of their data; one of an older
/// (or unknown) version may have learnt names that today's detectors remove,
/// so publish never routes to it, and the views list it as stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapters_of_older_pii_detectors_are_never_published() {
    let f = fixture();
    let wh = Warehouse::open(f.root.join("warehouse").to_str().unwrap()).unwrap();
    let current = format!("{}+%", slm_pii::VERSION);
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM adapters WHERE pii_version LIKE '{current}'")).await, 2);
    assert_eq!(count(&wh, &format!("SELECT COUNT(DISTINCT version) FROM datasets WHERE pii_version LIKE '{current}'")).await,
               count(&wh, "SELECT COUNT(DISTINCT version) FROM datasets").await);
    let table = live(&registry_of(&f.root.join("warehouse"))).await;
    assert!(table.routes.iter().filter(|r| r.is_slm()).all(|r| r.adapter.as_ref().unwrap().pii_version.as_deref().is_some_and(|v| v.starts_with(&current[..current.len() - 1]))));

    // The same warehouse as an older one would be: adapters without a version, no registry yet.
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    std::fs::remove_dir_all(warehouse.join("registry")).unwrap();
    for path in files_under(&warehouse.join("adapters")).into_iter().filter(|p| p.ends_with("adapter.parquet")) {
        let file = std::fs::File::open(&path).unwrap();
        let batches: Vec<arrow::array::RecordBatch> = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
        let schema = batches[0].schema();
        let at = schema.index_of("pii_version").unwrap();
        let mut writer = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None).unwrap();
        for b in batches {
            let mut columns = b.columns().to_vec();
            columns[at] = std::sync::Arc::new(arrow::array::StringArray::from(vec![None::<&str>; b.num_rows()]));
            writer.write(&arrow::array::RecordBatch::try_new(schema.clone(), columns).unwrap()).unwrap();
        }
        writer.close().unwrap();
    }
    let old = Warehouse::open(warehouse.to_str().unwrap()).unwrap();
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&old, Some(Path::new("sql/views"))).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT COUNT(*) FROM stale_adapters").await.unwrap();
    let stale = batches[0].column(0).as_any().downcast_ref::<arrow::array::Int64Array>().unwrap().value(0);
    assert_eq!(stale, 2);

    let dag = dir.path().join("publish.yaml");
    std::fs::write(&dag, format!("name: republish\ntasks:\n{}", publish_yaml(""))).unwrap();
    let dag = slm_pipeline::dag::Dag::load(&dag).unwrap();
    let (runner, _) = runner(old);
    let run = runner.run(&dag, date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let table = live(&registry_of(&warehouse)).await;
    assert!(table.routes.iter().all(|r| !r.is_slm()), "{:#?}", table.routes);
    let refused: Vec<_> = table.routes.iter().filter(|r| r.reason.contains("PII detectors")).collect();
    assert_eq!(refused.len(), 2, "{:#?}", table.routes);
    let md = std::fs::read_to_string(warehouse.join("reports").join(&run.run_id).join("report.md")).unwrap();
    assert!(md.contains("## PII") && md.contains("2 stale adapter(s)"), "{md}");
}

/// A route the gateway demoted (its shadow checks fell below the gate) stays
/// on the LLM at the next publish while its adapter is the same; every
/// published version carries vLLM's serving files for its LoRA routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_keeps_demoted_adapters_off_and_writes_vllm_serving_files() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let registry = registry_of(&warehouse);
    let before = live(&registry).await;
    let slm: Vec<_> = before.routes.iter().filter(|r| r.is_slm()).collect();
    assert!(!slm.is_empty(), "the fixture publishes SLM routes");
    let victim = slm[0].adapter.as_ref().unwrap().served_name();
    registry
        .write_demotion(&slm_pipeline::routing::registry::Demotion {
            cluster_id: slm[0].cluster_id.clone(),
            adapter: victim.clone(),
            table_version: before.version.clone(),
            metric: "tool_call_match".into(),
            score: 0.41,
            gate: 0.8,
            agreement: 0.4,
            calls: 120,
            at: "2026-12-07T12:00:00Z".into(),
        })
        .await
        .unwrap();
    let dag = dir.path().join("publish.yaml");
    std::fs::write(&dag, format!("name: republish\ntasks:\n{}", publish_yaml(""))).unwrap();
    let (runner, _) = runner(Warehouse::open(warehouse.to_str().unwrap()).unwrap());
    let run = runner.run(&slm_pipeline::dag::Dag::load(&dag).unwrap(), date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let after = live(&registry).await;
    assert_ne!(after.version, before.version);
    let route = after.routes.iter().find(|r| r.cluster_id == slm[0].cluster_id).unwrap();
    assert!(!route.is_slm() && route.reason.contains("demoted by the gateway") && route.reason.contains("0.410 < gate 0.800"), "{route:#?}");
    assert_eq!(after.routes.iter().filter(|r| r.is_slm()).count(), slm.len() - 1, "other routes keep their SLM");
    // vLLM's files beside the new version: one module per LoRA route, by served name.
    let version_dir = warehouse.join("registry").join("routing").join(&after.version);
    let modules: serde_json::Value = serde_json::from_slice(&std::fs::read(version_dir.join("lora_modules.json")).unwrap()).unwrap();
    let lora: Vec<_> = after.routes.iter().filter(|r| r.is_slm() && r.adapter.as_ref().unwrap().files.contains_key("adapter_config.json")).collect();
    assert_eq!(modules.as_array().unwrap().len(), lora.len());
    for r in lora {
        let name = r.adapter.as_ref().unwrap().served_name();
        assert!(version_dir.join("vllm").join(&name).join("adapter_config.json").is_file(), "{name}");
    }
}

/// `licences_allowed` gates the candidates: a list without the base's
/// licence sends every cluster to the LLM and says why; one with it (in any
/// case) publishes as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_candidates_under_allowed_licences_are_published() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let before = live(&registry_of(&warehouse)).await;
    let republish = |list: &str| {
        let dag = dir.path().join("publish.yaml");
        std::fs::write(&dag, format!("name: republish\ntasks:\n{}", publish_yaml(&format!(", licences_allowed: [{list}]")))).unwrap();
        slm_pipeline::dag::Dag::load(&dag).unwrap()
    };
    let (runner, _) = runner(Warehouse::open(warehouse.to_str().unwrap()).unwrap());
    let run = runner.run(&republish("mit, gemma"), date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let table = live(&registry_of(&warehouse)).await;
    assert!(table.routes.iter().all(|r| !r.is_slm()), "{:#?}", table.routes);
    let refused: Vec<_> = table.routes.iter().filter(|r| r.reason.contains("licence") && r.reason.contains("apache-2.0")).collect();
    assert_eq!(refused.len(), 2, "{:#?}", table.routes.iter().map(|r| &r.reason).collect::<Vec<_>>());

    let run = runner.run(&republish("MIT, Apache-2.0"), date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let table = live(&registry_of(&warehouse)).await;
    let slm = |t: &RoutingTable| t.routes.iter().filter(|r| r.is_slm()).map(|r| (r.cluster_id.clone(), r.candidate.clone())).collect::<Vec<_>>();
    assert_eq!(slm(&table), slm(&before));
}

/// The binary is killed (abort, as `kill -9`) between the steps of a
/// publish: the live version never changes until the pointer is written,
/// and a rerun publishes. Rollback makes the old version live again.
#[test]
fn a_crash_mid_publish_leaves_the_previous_version_live() {
    let bin = env!("CARGO_BIN_EXE_slm-pipeline");
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let registry = registry_of(&warehouse);
    let before = runtime.block_on(live(&registry));
    let current = warehouse.join("registry/routing/current.json");
    let pointer_bytes = std::fs::read(&current).unwrap();

    // Another margin: another table to publish.
    let dag = dir.path().join("publish.yaml");
    std::fs::write(&dag, format!("name: republish\ntasks:\n{}", publish_yaml(", ambiguity_margin: 0.05").replace("ambiguity_margin: 0.01, ", ""))).unwrap();
    let cli = |args: &[&str], kill: Option<&str>| {
        let mut cmd = Command::new(bin);
        cmd.args(args).arg("--warehouse").arg(&warehouse);
        cmd.env("SLM_MODELS", slm_pipeline::models::models_root().canonicalize().unwrap());
        if let Some(point) = kill {
            cmd.env("SLM_KILL_AT", point);
        }
        cmd.output().unwrap()
    };
    for point in ["publish:adapters", "publish:table"] {
        let out = cli(&["run", dag.to_str().unwrap(), "--date", "2026-11-20"], Some(point));
        assert!(!out.status.success(), "killed at {point}");
        assert_eq!(std::fs::read(&current).unwrap(), pointer_bytes, "current.json untouched after a kill at {point}");
        assert_eq!(runtime.block_on(live(&registry)).version, before.version);
    }
    // The kill after the table left an unpublished version: listed, not live.
    let list = String::from_utf8(cli(&["registry", "list"], None).stdout).unwrap();
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.lines().any(|l| l.starts_with('*') && l.contains(&before.version)), "{list}");

    let out = cli(&["run", dag.to_str().unwrap(), "--date", "2026-11-20"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = runtime.block_on(live(&registry));
    assert_ne!(after.version, before.version);
    assert_eq!(after.ambiguity_margin, 0.05);
    let pointer = runtime.block_on(registry.current()).unwrap().unwrap();
    assert_eq!(pointer.previous.as_deref(), Some(before.version.as_str()));
    // The same configuration again publishes nothing new.
    let again = cli(&["run", dag.to_str().unwrap(), "--date", "2026-11-20", "--force", "publish"], None);
    assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged") && !String::from_utf8_lossy(&again.stdout).contains("skipped: inputs"), "{}", String::from_utf8_lossy(&again.stdout));
    assert_eq!(runtime.block_on(live(&registry)).version, after.version);

    // Rollback, then `registry show` and `route` read the old version.
    let out = cli(&["registry", "rollback", &before.version], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(runtime.block_on(live(&registry)).version, before.version);
    let show = String::from_utf8(cli(&["registry", "show"], None).stdout).unwrap();
    assert!(show.contains(&before.version) && show.contains("slm"), "{show}");
    let out = Command::new(bin)
        .args(["route", "--table", warehouse.join("registry").to_str().unwrap(), "Write a haiku about the sea"])
        .env("SLM_MODELS", slm_pipeline::models::models_root().canonicalize().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decision["table_version"], before.version.as_str());
    assert!(decision["target"] == "llm" || decision["target"] == "slm");
    assert!(decision["reason"].is_string() && decision["distance"].is_number(), "{decision}");

    // A tampered adapter is refused: rollback checks every sha256 first.
    let adapter = before.routes.iter().find(|r| r.is_slm()).unwrap().adapter.clone().unwrap();
    let weights = warehouse.join("registry").join(&adapter.path).join(main_file(&adapter));
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    let out = cli(&["registry", "rollback", &after.version], None);
    let err = String::from_utf8_lossy(&out.stderr);
    if after.routes.iter().any(|r| r.adapter.as_ref().is_some_and(|a| a.sha256 == adapter.sha256)) {
        assert!(!out.status.success() && err.contains("sha256"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_near_far_and_ambiguous_requests() {
    let f = fixture();
    let wh = Warehouse::open(f.root.join("warehouse").to_str().unwrap()).unwrap();
    let table = live(&registry_of(&f.root.join("warehouse"))).await;
    let slm = table.routes.iter().find(|r| r.is_slm()).unwrap().clone();
    let cluster = slm_pipeline::routing::table::cluster_of(&slm.cluster_id).unwrap();

    // Near: the stored task text of that cluster's eval call nearest its
    // centroid, routed as a prompt, lands on that cluster's SLM.
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let sql = format!(
        "SELECT e.text FROM call_embeddings e JOIN evaluation_examples x ON e.call_id = x.call_id \
         JOIN cluster_assignments a ON a.call_id = e.call_id WHERE x.cluster_id = {cluster} ORDER BY a.distance, e.call_id LIMIT 1"
    );
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, &sql).await.unwrap();
    let text = slm_pipeline::warehouse::columns::strings(&batches[0], "text", "call_embeddings").unwrap().value(0).to_string();
    let router = Router::new(table.clone(), &slm_pipeline::models::model_dir("all-minilm-l6-v2")).unwrap();
    let near = router.decide(&Request::prompt(&text)).unwrap();
    assert_eq!((near.target.as_str(), near.cluster_id.as_deref(), near.reason.as_str()), ("slm", Some(slm.cluster_id.as_str()), "within"), "{near:?}");
    assert_eq!(near.adapter.as_ref(), slm.adapter.as_ref());

    // Far: nothing like the corpus.
    let far = router.decide(&Request::prompt("Derive the lattice QCD beta function at two loops in Klingon verse.")).unwrap();
    assert_eq!(far.target, "llm", "{far:?}");

    // Ambiguous: half-way between two SLM centroids, with both in reach.
    let mut wide = table.clone();
    for r in &mut wide.routes {
        r.max_distance = 2.0;
    }
    wide.ambiguity_margin = 0.05;
    let two: Vec<_> = wide.routes.iter().filter(|r| r.is_slm()).take(2).collect();
    let mid: Vec<f32> = two[0].centroid.iter().zip(&two[1].centroid).map(|(a, b)| a + b).collect();
    let norm = mid.iter().map(|x| x * x).sum::<f32>().sqrt();
    let mid: Vec<f32> = mid.iter().map(|x| x / norm).collect();
    assert_eq!(decide(&wide, &mid).reason, "ambiguous");
    wide.ambiguity_margin = 0.0;
    assert_eq!(decide(&wide, &mid).target, "slm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_stage_decides_most_calls_as_minilm_does_and_its_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let registry = registry_of(&warehouse);
    let table = live(&registry).await;
    let fast = table.fast_route.clone().expect("a fast stage fitted on 500 demo calls");
    let m = fast.measured;
    assert!(m.held_back >= 50 && m.decided > 0.3 && m.agreement >= 0.99 && m.cascade_agreement >= 0.99, "{m:?}");
    let model = slm_pipeline::models::model_dir("all-minilm-l6-v2");
    let live_table = LiveTable::new(registry.clone(), model.clone());
    assert!(live_table.reload().await.unwrap());
    let (_, router) = live_table.current().unwrap();
    assert!(router.has_fast());

    // The calls themselves: the cascade's decision is MiniLM's, bar the share the fit allows.
    let wh = Warehouse::open(warehouse.to_str().unwrap()).unwrap();
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT text FROM call_embeddings ORDER BY call_id LIMIT 200").await.unwrap();
    let (mut fast_decided, mut differ) = (0, Vec::new());
    for b in &batches {
        let texts = slm_pipeline::warehouse::columns::strings(b, "text", "call_embeddings").unwrap();
        for i in 0..b.num_rows() {
            let request = Request::prompt(texts.value(i));
            let (cascade, minilm) = (router.decide(&request).unwrap(), router.decide_minilm(&request).unwrap());
            fast_decided += usize::from(cascade.encoder == "static");
            let key = |d: &slm_pipeline::routing::router::Decision| (d.target.clone(), d.cluster_id.clone(), d.reason.clone());
            if key(&cascade) != key(&minilm) {
                differ.push((cascade, minilm));
            }
        }
    }
    assert!(fast_decided >= 60, "{fast_decided} of 200 decided by the fast stage");
    assert!(differ.len() <= 4, "{} of 200 differ: {:?}", differ.len(), differ.first());

    // A tampered stage file is refused: MiniLM decides everything, nothing fails.
    std::fs::write(warehouse.join("registry").join(&fast.router.path), b"{}").unwrap();
    let tampered = LiveTable::new(registry, model);
    assert!(tampered.reload().await.unwrap());
    assert!(!tampered.current().unwrap().1.has_fast());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_service_routes_under_load_and_follows_current() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let registry = registry_of(&warehouse);
    let first = live(&registry).await;
    let state = ServiceState::new(registry.clone(), slm_pipeline::models::model_dir("all-minilm-l6-v2"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), std::time::Duration::from_millis(100), async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{addr}{path}");
    // Health once the table is loaded.
    let mut healthy = false;
    for _ in 0..100 {
        if client.get(url("/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy);

    // A short bounded load: 8 clients, 25 requests each.
    let prompts = ["Extract the invoice number and total as JSON", "Summarise this meeting in two lines", "Write a haiku about the sea"];
    let mut clients = Vec::new();
    for c in 0..8 {
        let (client, url) = (client.clone(), url("/v1/route"));
        clients.push(tokio::spawn(async move {
            let mut ok = 0;
            for i in 0..25 {
                let body = serde_json::json!({"prompt": prompts[(c + i) % prompts.len()]});
                let response = client.post(&url).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 200);
                let decision: serde_json::Value = response.json().await.unwrap();
                assert!(decision["target"] == "llm" || decision["target"] == "slm", "{decision}");
                ok += 1;
            }
            ok
        }));
    }
    let mut total = 0;
    for c in clients {
        total += c.await.unwrap();
    }
    assert_eq!(total, 200);
    // A chat call body works too; bad bodies and paths are refused with a reason.
    let call = serde_json::json!({"messages": [{"role": "user", "content": "Summarise this meeting"}]});
    assert_eq!(client.post(url("/v1/route")).json(&call).send().await.unwrap().status(), 200);
    let bad = client.post(url("/v1/route")).body("{not json").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("bad request body"));
    assert_eq!(client.get(url("/nope")).send().await.unwrap().status(), 404);
    let metrics = client.get(url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("slm_route_latency_seconds_count 201"), "{metrics}");
    assert!(metrics.contains("slm_route_errors_total 2"), "{metrics}");

    // A new version goes live: the service follows current.json. Its
    // adapter was tampered with after publishing: the route goes to the LLM.
    let mut second = first.clone();
    second.version = format!("{}-b", first.version);
    second.ambiguity_margin = 0.07;
    let tampered = second.routes.iter().find(|r| r.is_slm()).unwrap().adapter.clone().unwrap();
    let sha = registry.write_table(&second).await.unwrap();
    let weights = warehouse.join("registry").join(&tampered.path).join(main_file(&tampered));
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    // `activate` would refuse it now: point at it by hand, as a registry
    // tampered with after publishing would.
    let pointer = slm_pipeline::routing::table::CurrentPointer {
        schema_version: 1,
        version: second.version.clone(),
        path: format!("routing/{}/routing_table.json", second.version),
        sha256: sha,
        updated_at: "2026-11-21T04:00:00Z".into(),
        previous: Some(first.version.clone()),
    };
    std::fs::write(warehouse.join("registry/routing/current.json"), serde_json::to_vec(&pointer).unwrap()).unwrap();
    let mut followed = false;
    for _ in 0..100 {
        let health: serde_json::Value = client.get(url("/healthz")).send().await.unwrap().json().await.unwrap();
        if health["version"] == second.version.as_str() {
            followed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(followed, "the service did not load the new version");
    let metrics = client.get(url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("slm_route_table_reloads_total 2"), "{metrics}");
    // Every route sharing the tampered adapter was rejected.
    let shared = second.routes.iter().filter(|r| r.adapter.as_ref().is_some_and(|a| a.sha256 == tampered.sha256)).count();
    assert!(metrics.contains(&format!("slm_route_rejected_adapters_total {shared}")), "{metrics}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Calls logged without usage: the base model's tokenizer counts their
/// tokens, the cost is not zero, and the table and the report say that the
/// figures are estimated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_usage_are_counted_with_the_tokenizer_and_marked_estimated() {
    use arrow::array::{new_null_array, RecordBatch};
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let before_table = live(&registry_of(&warehouse)).await;
    let before = before_table.summary.cost.clone().unwrap();
    assert!(before.estimated_calls * 20 < before_table.summary.calls, "the demo logs usage for most calls: {before:?}");
    // The same calls, with their usage dropped from the logs.
    for file in files_under(&warehouse.join("calls")).into_iter().filter(|f| f.extension().is_some_and(|e| e == "parquet")) {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader
            .map(|b| {
                let b = b.unwrap();
                let columns = b
                    .schema()
                    .fields()
                    .iter()
                    .zip(b.columns())
                    .map(|(f, c)| match f.name().as_str() {
                        "prompt_tokens" | "completion_tokens" => new_null_array(f.data_type(), b.num_rows()),
                        _ => c.clone(),
                    })
                    .collect();
                RecordBatch::try_new(b.schema(), columns).unwrap()
            })
            .collect();
        let mut writer = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&file).unwrap(), batches[0].schema(), None).unwrap();
        for b in &batches {
            writer.write(b).unwrap();
        }
        writer.close().unwrap();
    }
    let dag = dir.path().join("publish.yaml");
    std::fs::write(&dag, format!("name: republish\ntasks:\n{}", publish_yaml(", ambiguity_margin: 0.03").replace("ambiguity_margin: 0.01, ", ""))).unwrap();
    let (runner, _) = runner(Warehouse::open(warehouse.to_str().unwrap()).unwrap());
    let run = runner.run(&slm_pipeline::dag::Dag::load(&dag).unwrap(), date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let table = live(&registry_of(&warehouse)).await;
    let cost = table.summary.cost.as_ref().unwrap();
    assert_eq!(cost.estimated_calls + cost.unpriced_calls, table.summary.calls, "{cost:?}");
    // Counted, not zero: of the order of the logged counts.
    let ratio = cost.llm_only / before.llm_only;
    assert!((0.3..3.0).contains(&ratio), "estimated {} vs logged {}", cost.llm_only, before.llm_only);
    let md = std::fs::read_to_string(warehouse.join("reports").join(&run.run_id).join("report.md")).unwrap();
    assert!(md.contains("Projected cost (estimated)") && md.contains("logged without usage"), "{md}");
}

/// Prompt pruning end to end: the datasets of clusters whose calls share a
/// long system prompt and tools are pruned of it, the published route names
/// the prefix (its text in the registry, checked by sha256), and serving a
/// logged call yields the very prompt the adapter was trained and evaluated
/// on, on the same route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruned_routes_serve_the_prompt_the_adapter_was_trained_on() {
    use arrow::array::{Array, Int64Array, ListArray, StringArray, StructArray};
    use slm_pipeline::routing::input::{route_prefix, slm_input};
    let dir = tempfile::tempdir().unwrap();
    let warehouse = copy_warehouse(dir.path());
    let wh = Warehouse::open(warehouse.to_str().unwrap()).unwrap();
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT DISTINCT cluster_id FROM datasets WHERE prefix_sha256 IS NOT NULL ORDER BY cluster_id")
        .await
        .unwrap();
    let pruned: Vec<i64> = batches.iter().flat_map(|b| b.column(0).as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec()).collect();
    assert!(!pruned.is_empty(), "the demo's task types repeat their system prompts");
    // Train, evaluate and publish the pruned clusters.
    let model = fixture().root.join("tiny-llama");
    let list = format!("{pruned:?}");
    let yaml = format!(
        "name: pruned\ntasks:\n  - id: finetune\n    kind: finetune\n    with: {{model: '{m}', clusters: {list}, max_eval_pairs: 4, lora: {{rank: 2, alpha: 4, target_modules: [q, v]}}, training: {{max_steps: 2, batch_size: 2, eval_every: 2, warmup_steps: 1, max_seq_len: 1024}}}}\n  - id: evaluate\n    kind: evaluate\n    needs: [finetune]\n    with: {{model: '{m}', clusters: {list}, max_eval_pairs: 5, max_new_tokens: 6}}\n{}",
        publish_yaml("").replace("    with:", "    needs: [evaluate]\n    with:"),
        m = model.display()
    );
    let dag = dir.path().join("pruned.yaml");
    std::fs::write(&dag, yaml).unwrap();
    let (runner, _) = runner(wh.clone());
    let run = runner.run(&slm_pipeline::dag::Dag::load(&dag).unwrap(), date()).await.unwrap();
    assert!(run.succeeded(), "{run:#?}");
    let registry = registry_of(&warehouse);
    let table = live(&registry).await;
    let routes: Vec<_> = table.routes.iter().filter(|r| r.is_slm() && r.pruned_prefix.is_some()).collect();
    assert!(!routes.is_empty(), "{:?}", table.routes.iter().map(|r| (&r.cluster_id, r.is_slm(), &r.pruned_prefix)).collect::<Vec<_>>());
    let router = Router::new(table.clone(), &slm_pipeline::models::model_dir("all-minilm-l6-v2")).unwrap();
    for route in routes {
        let prefix = route_prefix(&registry, route).await.unwrap().expect("a pruned route has its prefix");
        let cluster = slm_pipeline::routing::table::cluster_of(&route.cluster_id).unwrap();
        let sql = format!(
            "SELECT d.prompt, d.prefix_sha256, c.messages, c.tools FROM datasets d JOIN calls c ON c.call_id = d.call_id \
             WHERE d.cluster_id = {cluster} ORDER BY d.prefix_sha256 IS NULL, d.call_id LIMIT 6"
        );
        let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, &sql).await.unwrap();
        let (mut checked, mut pruned_rows) = (0, 0);
        for b in &batches {
            let prompts = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            let shas = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
            let messages = b.column(2).as_any().downcast_ref::<ListArray>().unwrap();
            let tools = b.column(3).as_any().downcast_ref::<StringArray>().unwrap();
            for row in 0..b.num_rows() {
                // The call as a client sends it: the OpenAI shape.
                let list = messages.value(row);
                let m = list.as_any().downcast_ref::<StructArray>().unwrap();
                let col = |n: &str| m.column_by_name(n).unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
                let (roles, contents, calls, ids) = (col("role"), col("content"), col("tool_calls"), col("tool_call_id"));
                let chat: Vec<serde_json::Value> = (0..m.len())
                    .map(|i| {
                        let mut v = serde_json::json!({"role": roles.value(i), "content": (!contents.is_null(i)).then(|| contents.value(i))});
                        if !calls.is_null(i) {
                            v["tool_calls"] = serde_json::from_str(calls.value(i)).unwrap();
                        }
                        if !ids.is_null(i) {
                            v["tool_call_id"] = serde_json::json!(ids.value(i));
                        }
                        v
                    })
                    .collect();
                let mut json = serde_json::json!({"messages": chat});
                if !tools.is_null(row) {
                    json["tools"] = serde_json::from_str(tools.value(row)).unwrap();
                }
                let request = Request::from_json(&json).unwrap();
                assert_eq!(slm_input(&request, Some(&prefix)), prompts.value(row), "the SLM reads what it was trained on");
                if shas.is_null(row) {
                    assert_eq!(slm_input(&request, Some(&prefix)), slm_input(&request, None), "an unpruned call is read whole");
                } else {
                    assert_eq!(Some(shas.value(row)), route.pruned_prefix.as_deref());
                    pruned_rows += 1;
                    assert!(slm_input(&request, None).starts_with(&prefix));
                }
                // Pruning happens after the decision: the call's own route.
                let decision = router.decide(&request).unwrap();
                assert_eq!(decision.cluster_id.as_deref(), Some(route.cluster_id.as_str()), "{decision:?}");
                checked += 1;
            }
        }
        assert!(checked > 0 && pruned_rows > 0, "{checked} calls, {pruned_rows} pruned");
    }
}

//! The binary's commands: validate exit codes, sql output formats, runs.



use std::process::Command;

use crate::common::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_slm-pipeline"))
}

#[test]
fn validate_reports_all_problems_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\nschedule: 'every night'\ntasks:\n  - {id: a, kind: ingest, with: {source: x, colour: red}}\n  - {id: b, kind: nope, needs: [a]}\n  - {id: c, kind: anonymize, needs: [d]}\n  - {id: d, kind: anonymize, needs: [c]}\n",
    )
    .unwrap();
    let out = bin().args(["validate", bad.to_str().unwrap(), "dags/demo.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in ["invalid cron", "colour", "unknown task kind `nope`", "cycle: "] {
        assert!(err.contains(needle), "missing {needle}:\n{err}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dags/demo.yaml: ok"), "{stdout}");

    let ok = bin().args(["validate", "dags/demo.yaml", "dags/nightly.yaml", "dags/nightly-gpu.yaml"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
}

/// The production DAGs run every stage, gate tool calls and JSON at 0.9,
/// and bound training by a night's time budget.
#[test]
fn the_production_dags_run_every_stage_behind_production_gates() {
    for path in ["dags/nightly.yaml", "dags/nightly-gpu.yaml"] {
        let dag = slm_pipeline::dag::Dag::load(std::path::Path::new(path)).unwrap();
        let kinds: Vec<&str> = dag.tasks.iter().map(|t| t.kind.name()).collect();
        for kind in ["ingest", "anonymize", "embed", "cluster", "distill", "finetune", "evaluate", "publish"] {
            assert!(kinds.contains(&kind), "{path} lacks a {kind} task: {kinds:?}");
        }
        let with = |kind: &str| dag.tasks.iter().find(|t| t.kind.name() == kind).unwrap().with.clone();
        let publish = with("publish");
        for metric in ["tool_call_match", "json_field_match"] {
            assert!(publish["thresholds"][metric].as_f64().unwrap() >= 0.9, "{path}: {metric} gate {}", publish["thresholds"]);
        }
        assert!(publish["thresholds"]["rouge_l"].as_f64().is_some(), "{path}: the free-text gate is explicit");
        assert!(publish["min_eval"].as_u64().unwrap() >= 30, "{path}");
        // evaluate gives up on a cluster at the very gates publish applies.
        assert_eq!(with("evaluate")["give_up_below"], publish["thresholds"], "{path}");
        // Only candidates under licences the DAG names are published.
        let licences: Vec<&str> = publish["licences_allowed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(licences.contains(&"apache-2.0"), "{path}: SmolLM2's licence is allowed: {licences:?}");
        let finetune = with("finetune");
        let budget = finetune["time_budget_mins"].as_f64().unwrap();
        let timeout = dag.tasks.iter().find(|t| t.kind.name() == "finetune").unwrap().policy.timeout_secs as f64;
        assert!(budget > 0.0 && budget * 60.0 < timeout, "{path}: the budget ends before the timeout kills the task");
        assert!(finetune["training"]["max_steps"].is_null(), "{path}: trained on epochs, not a step count");
    }
}

#[test]
fn run_then_query_with_sql_in_every_format() {
    let p = Project::new();
    let day = p.logs().join(DATE);
    let lines: Vec<String> = (0..12).map(|i| plain_call(i).to_string()).chain(["{broken".to_string()]).collect();
    write_lines(&day.join("a.jsonl"), &lines);
    let dag_path = p.dir.path().join("dags/test.yaml");
    std::fs::create_dir_all(dag_path.parent().unwrap()).unwrap();
    std::fs::write(&dag_path, standard_yaml(&p.logs(), "SLM_TEST_KEY_CLI")).unwrap();
    let wh = p.warehouse_path();
    let wh = wh.to_str().unwrap();

    let run = bin()
        .args(["run", dag_path.to_str().unwrap(), "--date", DATE, "--warehouse", wh])
        .env("SLM_TEST_KEY_CLI", "cli-test-key-0123456789abcdef")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("success") && stdout.contains("malformed_json"), "{stdout}");

    let csv = bin()
        .args(["sql", "SELECT agent, COUNT(*) AS n FROM calls GROUP BY agent", "--format", "csv", "--warehouse", wh])
        .output()
        .unwrap();
    assert_eq!(csv.status.code(), Some(0), "{}", String::from_utf8_lossy(&csv.stderr));
    assert_eq!(String::from_utf8_lossy(&csv.stdout), "agent,n\noperator,12\n");

    let json = bin()
        .args(["sql", "SELECT reason, records FROM quarantine_by_reason", "--format", "json"])
        .env("SLM_WAREHOUSE", wh)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(0), "{}", String::from_utf8_lossy(&json.stderr));
    assert_eq!(String::from_utf8_lossy(&json.stdout).trim(), r#"{"reason":"malformed_json","records":1}"#);

    let table = bin().args(["sql", "SELECT * FROM calls_per_agent_model_day", "--warehouse", wh]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("| operator") && text.contains("gpt-4o-mini") && text.contains("| 12 "), "{text}");

    let query_file = p.dir.path().join("q.sql");
    std::fs::write(&query_file, "SELECT p50_ms FROM latency_percentiles").unwrap();
    let out_file = p.dir.path().join("out.parquet");
    let parquet = bin()
        .args(["sql", "--file", query_file.to_str().unwrap(), "--output", out_file.to_str().unwrap(), "--warehouse", wh])
        .output()
        .unwrap();
    assert_eq!(parquet.status.code(), Some(0), "{}", String::from_utf8_lossy(&parquet.stderr));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out_file).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 1);

    let attempts = bin()
        .args(["sql", "SELECT task_id, status FROM task_runs ORDER BY task_id", "--format", "csv", "--warehouse", wh])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&attempts.stdout), "task_id,status\nanonymize,success\ningest,success\n");

    let runs = bin().args(["runs", "--warehouse", wh]).output().unwrap();
    let text = String::from_utf8_lossy(&runs.stdout);
    assert!(text.contains("test__2026-11-20") && text.contains("anonymize") && text.contains("success"), "{text}");

    let bad = bin().args(["sql", "SELECT nope FROM calls", "--warehouse", wh]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
}

#[test]
fn a_run_killed_and_not_yet_reaped_does_not_hold_the_lock() {
    let p = Project::new();
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &(0..6).map(|i| plain_call(i).to_string()).collect::<Vec<_>>());
    let dag_path = p.dir.path().join("dags/test.yaml");
    std::fs::create_dir_all(dag_path.parent().unwrap()).unwrap();
    std::fs::write(&dag_path, standard_yaml(&p.logs(), "SLM_TEST_KEY_CLI")).unwrap();
    let run = |wh: &std::path::Path| {
        let mut c = bin();
        c.args(["run", dag_path.to_str().unwrap(), "--date", DATE, "--warehouse", wh.to_str().unwrap()])
            .env("SLM_TEST_KEY_CLI", "cli-test-key-0123456789abcdef");
        c
    };
    // A kill point after the lock is taken.
    let point = "task:ingest:done";
    // SIGKILLed there, and not reaped: a zombie until its parent waits.
    let wh = p.warehouse_path();
    let mut killed = run(&wh).env("SLM_KILL_AT", point).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let stat = format!("/proc/{}/stat", killed.id());
    let zombie = || std::fs::read_to_string(&stat).is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !zombie() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(zombie(), "the run was not killed at {point}");
    let locks = files_under(&wh.join("_locks"));
    assert!(locks.iter().any(|f| f.extension().is_some_and(|e| e == "json")), "the killed run left its lease behind: {locks:?}");
    let again = run(&wh).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "refused while the killed run is a zombie: {}", String::from_utf8_lossy(&again.stderr));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(killed.wait().unwrap().signal(), Some(9));
}

#[test]
fn a_missing_key_is_a_clear_error() {
    let p = Project::new();
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &[plain_call(1).to_string()]);
    let dag_path = p.dir.path().join("dags/test.yaml");
    std::fs::create_dir_all(dag_path.parent().unwrap()).unwrap();
    std::fs::write(&dag_path, standard_yaml(&p.logs(), "SLM_TEST_KEY_NEVER_SET")).unwrap();
    let run = bin()
        .args(["run", dag_path.to_str().unwrap(), "--date", DATE, "--warehouse", p.warehouse_path().to_str().unwrap()])
        .env_remove("SLM_TEST_KEY_NEVER_SET")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("SLM_TEST_KEY_NEVER_SET") && err.contains("--resume"), "{err}");
}

#[test]
fn embed_and_cluster_blocks_are_validated_and_missing_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\ntasks:\n  - {id: e, kind: embed, with: {template: '{system} {nope}'}}\n  - {id: c, kind: cluster, needs: [e], with: {k_min: 1, colour: red}}\n",
    )
    .unwrap();
    let out = bin().args(["validate", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in ["unknown template field `{nope}`", "colour"] {
        assert!(err.contains(needle), "missing {needle}:\n{err}");
    }

    // No clusters yet, no model: clear errors, not panics.
    let wh = dir.path().join("warehouse");
    let out = bin().args(["clusters", "--warehouse", wh.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no clusters"), "{out:?}");
    let out = bin()
        .args(["similar", "invoice", "--warehouse", wh.to_str().unwrap()])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no call_embeddings"), "{out:?}");
}

#[test]
fn the_scheduler_daemon_exits_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let p = Project::new();
    let dags = p.dir.path().join("dags");
    std::fs::create_dir_all(&dags).unwrap();
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_CLI").replace("name: test\n", "name: test\nschedule: '0 3 * * *'\n");
    std::fs::write(dags.join("test.yaml"), yaml).unwrap();
    let mut child = bin()
        .args(["schedule", dags.to_str().unwrap(), "--warehouse", p.warehouse_path().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is up, then ask it to stop as a service manager would.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("Scheduler started") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "the scheduler ended before starting");
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("scheduled: test `0 3 * * *`") && stdout.contains("scheduler stopped: 0 runs"), "{stdout}");
    // Its first start recorded where this DAG's schedule begins.
    assert!(p.warehouse_path().join("_scheduler/test.json").is_file());
}

/// Every secret the pipeline handles, planted as canaries: none may be
/// printed, logged (at debug), written to the warehouse (history, cache,
/// locks, scheduler state, Parquet values) or put in an error message.
#[test]
fn secrets_never_reach_logs_history_or_error_messages() {
    const PII_KEY: &str = "pii-key-canary-7f1c9e2d4b6a8c0e";
    const SHORT_KEY: &str = "short-canary";
    const AWS_ID: &str = "AKIACANARY7F1C9E2D4B";
    const AWS_SECRET: &str = "aws-secret-canary-Zq8W3x1L5v7N9b";
    let secrets = [PII_KEY, SHORT_KEY, AWS_ID, AWS_SECRET];
    let p = Project::new();
    let lines: Vec<String> = (0..8).map(|i| plain_call(i).to_string()).chain(["{broken".to_string()]).collect();
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &lines);
    let dags = p.dir.path().join("dags");
    std::fs::create_dir_all(&dags).unwrap();
    let dag = dags.join("secret.yaml");
    std::fs::write(&dag, standard_yaml(&p.logs(), "SLM_TEST_KEY_SECRET")).unwrap();
    let short = dags.join("short.yaml");
    std::fs::write(&short, standard_yaml(&p.logs(), "SLM_TEST_KEY_SHORT").replace("name: test", "name: short")).unwrap();
    let wh = p.warehouse_path();
    let wh = wh.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = bin()
            .args(args)
            .env("SLM_TEST_KEY_SECRET", PII_KEY)
            .env("SLM_TEST_KEY_SHORT", SHORT_KEY)
            .env("AWS_ACCESS_KEY_ID", AWS_ID)
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ALLOW_HTTP", "true")
            .env("SLM_LOG", "debug")
            .output()
            .unwrap();
        (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    };
    let mut transcript = Vec::new();
    let (code, text) = run(&["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", wh]);
    assert_eq!(code, Some(0), "{text}");
    transcript.push(text);
    transcript.push(run(&["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", wh]).1);
    transcript.push(run(&["runs", "--warehouse", wh]).1);
    transcript.push(run(&["sql", "SELECT * FROM task_runs", "--format", "json", "--warehouse", wh]).1);
    // Failures: a key too short, a store that cannot be reached with the
    // credentials set, a query error.
    let (code, text) = run(&["run", short.to_str().unwrap(), "--date", DATE, "--warehouse", wh]);
    assert_eq!(code, Some(1));
    assert!(text.contains("SLM_TEST_KEY_SHORT") && text.contains("too short"), "{text}");
    transcript.push(text);
    let (code, text) = run(&["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", "s3://no-such-bucket/wh"]);
    assert_ne!(code, Some(0));
    transcript.push(text);
    transcript.push(run(&["sql", "SELECT secret FROM calls", "--warehouse", wh]).1);
    for text in &transcript {
        for secret in secrets {
            assert!(!text.contains(secret), "secret `{secret}` printed:\n{text}");
        }
    }
    for (path, bytes) in warehouse_text(&p.warehouse_path()) {
        for secret in secrets {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "secret `{secret}` in {}", path.display());
        }
    }
}

/// A DAG's values are data: shell syntax in them is never executed.
#[test]
fn nothing_in_a_dag_file_runs_a_shell_command() {
    let p = Project::new();
    let marker = p.dir.path().join("pwned");
    let m = marker.display();
    write_lines(&p.logs().join(DATE).join("a.jsonl"), &[plain_call(1).to_string()]);
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_CLI").replace("name: test\n", "name: test\ndescription: \"$(touch {M}) `touch {M}`\"\n").replace("{M}", &m.to_string())
        + &format!("  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {{table: usage, query: \"SELECT '$(touch {m})' AS a, '`touch {m}`' AS b FROM calls\"}}\n");
    let dag = p.dir.path().join("shell.yaml");
    std::fs::write(&dag, yaml).unwrap();
    let out = bin()
        .args(["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", p.warehouse_path().to_str().unwrap()])
        .env("SLM_TEST_KEY_CLI", "cli-test-key-0123456789abcdef")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!marker.exists(), "a shell command ran");
}

/// One gzip member of `n` copies of `byte`: members concatenate into one
/// stream, so a few kilobytes stand for gigabytes.
fn gz_member(byte: u8, n: usize) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![byte; n]).unwrap();
    enc.finish().unwrap()
}

/// A 512 MiB line, JSON nested 100,000 deep, and a 1 GiB compression bomb
/// (32 KiB on disk; the limit here is 768 MiB)
/// are each quarantined with their reason, and the run's peak memory stays
/// far below what buffering any of them would take.
#[test]
fn hostile_objects_are_quarantined_within_bounded_memory() {
    let p = Project::new();
    let day = p.logs().join(DATE);
    std::fs::create_dir_all(&day).unwrap();
    let member = gz_member(b'a', 32 << 20);
    let mut giant = Vec::new();
    for _ in 0..16 {
        giant.extend_from_slice(&member);
    }
    giant.extend_from_slice(&gz_member(b'\n', 1));
    let good = plain_call(1).to_string();
    std::fs::write(day.join("giant.jsonl.gz"), &giant).unwrap();
    let deep = format!("{}{}\n{good}\n", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(day.join("deep.jsonl"), deep).unwrap();
    let zeros = gz_member(0, 32 << 20);
    let mut bomb = Vec::new();
    for _ in 0..32 {
        bomb.extend_from_slice(&zeros);
    }
    std::fs::write(day.join("bomb.jsonl.gz"), &bomb).unwrap();
    write_lines(&day.join("fine.jsonl"), &[plain_call(2).to_string()]);

    let dag = p.dir.path().join("hostile.yaml");
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_CLI").replace("max_line_bytes: 65536", "max_line_bytes: 1048576, max_object_bytes: 805306368");
    std::fs::write(&dag, yaml).unwrap();
    let wh = p.warehouse_path();
    let child = bin()
        .args(["run", dag.to_str().unwrap(), "--date", DATE, "--warehouse", wh.to_str().unwrap()])
        .env("SLM_TEST_KEY_CLI", "cli-test-key-0123456789abcdef")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The child's own peak resident memory, from wait4 (not the whole test process's children).
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status}");
    let peak_mib = usage.ru_maxrss / 1024;
    eprintln!("hostile objects: peak RSS {peak_mib} MiB");
    assert!(peak_mib < 400, "peak RSS {peak_mib} MiB: something was buffered");

    let sql = |q: &str| {
        let out = bin().args(["sql", q, "--format", "csv", "--warehouse", wh.to_str().unwrap()]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let reasons = sql("SELECT regexp_replace(source_object, '.*/', '') AS object, reason FROM quarantine ORDER BY object, reason");
    assert!(reasons.contains("giant.jsonl.gz,line_too_long"), "{reasons}");
    assert!(reasons.contains("deep.jsonl,too_deep") || reasons.contains("deep.jsonl,malformed_json"), "{reasons}");
    assert!(reasons.contains("bomb.jsonl.gz,corrupt_object"), "{reasons}");
    let detail = sql("SELECT detail FROM quarantine WHERE source_object LIKE '%bomb.jsonl.gz'");
    assert!(detail.contains("max_object_bytes"), "{detail}");
    // The good calls around them are all in.
    assert_eq!(sql("SELECT COUNT(*) AS n FROM calls"), "n\n2\n");
}

#[test]
fn the_binary_runs_with_huge_pages_unless_told_not_to() {
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    let heap_line = |huge: Option<&str>| {
        let mut cmd = bin();
        cmd.args(["pii-patterns"]).env("SLM_LOG", "debug").env_remove("GLIBC_TUNABLES");
        if let Some(v) = huge {
            cmd.env("SLM_HUGE_PAGES", v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        stderr.lines().find(|l| l.contains("heap")).map(str::to_string).unwrap_or_else(|| panic!("no heap line in {stderr}"))
    };
    let expected = thp.contains("[madvise]") || thp.contains("[always]");
    assert!(heap_line(None).contains(&format!("huge_pages={expected}")), "THP setting: {thp}");
    assert!(heap_line(Some("0")).contains("huge_pages=false"));
}

/// The gateway as a service: up on a loopback port in front of a mock LLM,
/// it answers, and on SIGTERM it drains and writes every call still in its
/// log queue (the writer's batch and timer are far away) before exiting 0,
/// with no canary PII in any byte of the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_flushes_its_call_log_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("registry")).unwrap();
    let up = |child: &mut std::process::Child, marker: &str| -> String {
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains(marker) {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "ended before `{marker}`");
        }
        // Keep draining stderr so that the child never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
        url.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string()
    };
    let mut mock = bin().args(["mock-llm", "--listen", "127.0.0.1:0"]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mock_url = up(&mut mock, "mock LLM on");
    let log = dir.path().join("log");
    let mut gateway = bin()
        .args(["gateway", "--table", dir.path().join("registry").to_str().unwrap(), "--upstream", &mock_url])
        .args(["--listen", "127.0.0.1:0", "--no-slm", "--log-to", log.to_str().unwrap()])
        .env("SLM_PII_KEY", "test-key-0123456789abcdef-not-for-production")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let url = up(&mut gateway, "gateway on");
    let client = reqwest::Client::new();
    for i in 0..25 {
        let body = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": format!("Refund order {i} to canary.refund@example.org please")}]});
        let r = client.post(format!("{url}/chat/completions")).json(&body).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.headers()["x-slm-route"].to_str().unwrap()), (200, "llm"));
    }
    let status = Command::new("kill").args(["-TERM", &gateway.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(gateway.wait().unwrap().code(), Some(0));
    mock.kill().unwrap();
    let mut text = String::new();
    for f in files_under(&log) {
        flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap()).read_to_string(&mut text).unwrap();
    }
    assert_eq!(text.lines().count(), 25, "every call written at SIGTERM");
    assert!(!text.contains("canary.refund") && text.contains("<EMAIL_"), "{text}");
    assert!(text.lines().all(|l| l.contains(r#""reason":"no_route""#)), "{text}");
}

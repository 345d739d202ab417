//! End-to-end tests of ingest -> anonymize through the DAG runner, on small
//! corpora written by the tests: PII canaries, quarantine, re-runs,
//! incremental ingest, retries and resume.



use std::sync::Arc;
use std::time::Duration;

use arrow::array::Array;
use crate::common::*;
use serde_json::json;
use slm_pipeline::warehouse::faults::{Fault, FaultyStore, Op};
use slm_pipeline::dag::{Clock, Runner, TestClock};
use slm_pipeline::warehouse::history::Status;

fn canary_corpus(p: &Project) {
    let day = p.logs().join(DATE);
    let mut lines = Vec::new();
    for (i, (_, value)) in canaries().iter().enumerate() {
        lines.push(call_with_pii(i, value).to_string());
    }
    // The e-mail canary again in another call: it must get the same pseudonym.
    lines.push(call_with_pii(100, canaries()[0].1).to_string());
    for i in 0..20 {
        lines.push(plain_call(i).to_string());
    }
    let (a, b) = lines.split_at(lines.len() / 2);
    write_lines(&day.join("agent-a.jsonl"), a);
    write_gz(&day.join("agent-b.jsonl.gz"), b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_pii_never_reaches_the_warehouse() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_CANARY");
    let dag = p.standard_dag("SLM_TEST_KEY_CANARY");
    let (runner, _) = runner(p.warehouse());
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");

    let expected_calls = canaries().len() as i64 + 21;
    assert_eq!(count(&p.warehouse(), "SELECT COUNT(*) FROM calls").await, expected_calls);

    // No canary in any byte of any file, nor in the decoded Parquet text.
    let files = warehouse_text(&p.warehouse_path());
    assert!(files.len() > 5, "the warehouse has files");
    for (tag, value) in canaries() {
        let secret = secret_part(value);
        for (path, bytes) in &files {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{tag} canary `{secret}` found in {}",
                path.display()
            );
        }
    }
    // No raw staging left.
    assert!(!p.warehouse_path().join("_staging").exists() || files_under(&p.warehouse_path().join("_staging")).is_empty());

    // Every entity type was found, and the same value got the same pseudonym.
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&p.warehouse(), None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(
        &ctx,
        "SELECT trace_id, response_content FROM calls WHERE trace_id IN ('trace0000', 'trace0100') ORDER BY trace_id",
    )
    .await
    .unwrap();
    let col = batches[0].column(1).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
    assert_eq!(col.len(), 2);
    let pseudonym = |s: &str| s.split_whitespace().find(|w| w.starts_with("<EMAIL_")).map(|w| w.trim_end_matches('.').to_string());
    let (a, b) = (pseudonym(col.value(0)), pseudonym(col.value(1)));
    assert!(a.is_some(), "{}", col.value(0));
    assert_eq!(a, b);
    for tag in ["EMAIL", "PHONE", "CARD", "IBAN", "IPV4", "IPV6", "SSN", "API_KEY", "JWT", "BEARER", "URL"] {
        let n = count(&p.warehouse(), &format!("SELECT SUM(count) FROM pii_findings WHERE entity = '{tag}'")).await;
        assert!(n > 0, "no {tag} found");
    }
    // Tool-call arguments and metadata stay valid JSON after redaction.
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT response_tool_calls, metadata, tools FROM calls WHERE trace_id = 'trace0000'")
        .await
        .unwrap();
    for c in 0..3 {
        let v = batches[0].column(c).as_any().downcast_ref::<arrow::array::StringArray>().unwrap().value(0);
        let parsed: serde_json::Value = serde_json::from_str(v).unwrap_or_else(|e| panic!("column {c} is not JSON ({e}): {v}"));
        assert!(parsed.to_string().contains("<EMAIL_"), "{v}");
    }
}

/// Names, addresses, dates of birth and identifiers planted the way agent
/// traffic carries them: in prose of several languages, in tool-call
/// arguments under PII keys, and in JSON escaped inside a tool result.
fn people_corpus(p: &Project) {
    let people = [
        ("Zofia", "Wiśniewska", "ul. Długa 14, 00-238 Warszawa", "1991-07-14", "QK7ZP2"),
        ("Oluwaseun", "Adeyemi", "44 Marlowe Crescent, Leeds LS6 2QX", "03/11/1985", "ZX12QW"),
        ("Hiroko", "Tanabe", "Lindenstraße 27, 10969 Berlin", "12.02.1979", "MQ83KD"),
        ("Mateo", "Quispe", "742 Evergreen Terrace Apt. 5, Springfield, IL 62704", "August 3, 1968", "PNR7T4"),
    ];
    let mut lines = Vec::new();
    for (i, (first, last, address, dob, booking)) in people.iter().enumerate() {
        let user = match i % 3 {
            0 => format!("Hi, my name is {first} {last}, booking {booking}. I was born on {dob} and I live at {address}."),
            1 => format!("Bonjour, je m'appelle {first} {last}. Réservation {booking}, né le {dob}. Adresse : {address}"),
            _ => format!("Hallo, ich bin {first} {last} (Buchung {booking}), geboren am {dob}, wohnhaft {address}."),
        };
        let args = json!({"passenger": {"first_name": first, "last_name": last, "dob": dob}, "booking_ref": booking, "address": address});
        let tool_result = json!({"customer": {"name": format!("{first} {last}"), "address": address}}).to_string();
        lines.push(
            json!({
                "trace_id": format!("people{i:02}"), "span_id": format!("sp{i:02}"),
                "ts": "2026-11-20T10:00:00Z", "agent": "travel", "model": "gpt-4o",
                "messages": [
                    {"role": "system", "content": "You are a travel agent."},
                    {"role": "user", "content": user},
                    {"role": "tool", "tool_call_id": "t1", "content": tool_result}
                ],
                "response": {"content": format!("Thanks {first}, I will update booking {booking}."),
                             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "update_booking", "arguments": args.to_string()}}]},
                "usage": {"prompt_tokens": 90, "completion_tokens": 30}, "status": "ok"
            })
            .to_string(),
        );
    }
    write_lines(&p.logs().join(DATE).join("travel.jsonl"), &lines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_addresses_birth_dates_and_bookings_never_reach_the_warehouse() {
    let p = Project::new();
    people_corpus(&p);
    set_key("SLM_TEST_KEY_PEOPLE");
    let dag = p.standard_dag("SLM_TEST_KEY_PEOPLE");
    let (runner, _) = runner(p.warehouse());
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");

    let canaries = [
        "Wiśniewska", "Zofia", "Adeyemi", "Oluwaseun", "Tanabe", "Hiroko", "Quispe", "Mateo", "Długa 14", "Marlowe Crescent",
        "Lindenstraße 27", "Evergreen Terrace", "1991-07-14", "03/11/1985", "12.02.1979", "August 3, 1968", "QK7ZP2",
        "ZX12QW", "MQ83KD", "PNR7T4",
    ];
    let files = warehouse_text(&p.warehouse_path());
    for canary in canaries {
        for (path, bytes) in &files {
            assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "`{canary}` found in {}", path.display());
        }
    }

    // The first name in the message and under `first_name` in the tool call,
    // and the booking in the answer and under `booking_ref`, share pseudonyms.
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&p.warehouse(), None).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(
        &ctx,
        "SELECT response_content, response_tool_calls FROM calls ORDER BY trace_id",
    )
    .await
    .unwrap();
    let content = batches[0].column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
    let calls = batches[0].column(1).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
    assert_eq!(content.len(), 4);
    for row in 0..content.len() {
        let answer = content.value(row);
        let first = answer.split_whitespace().find(|w| w.starts_with("<PERSON_")).map(|w| w.trim_end_matches(',')).unwrap_or_else(|| panic!("{answer}"));
        let booking = answer.split_whitespace().find(|w| w.starts_with("<ID_")).map(|w| w.trim_end_matches('.')).unwrap_or_else(|| panic!("{answer}"));
        let tool_calls: serde_json::Value = serde_json::from_str(calls.value(row)).unwrap();
        let args: serde_json::Value = serde_json::from_str(tool_calls[0]["function"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args["passenger"]["first_name"], first, "{args}");
        assert_eq!(args["booking_ref"], booking, "{args}");
        assert!(args["passenger"]["dob"].as_str().unwrap().starts_with("<DOB_"), "{args}");
        assert!(args["address"].as_str().unwrap().starts_with("<ADDRESS_"), "{args}");
    }
    for tag in ["PERSON", "ADDRESS", "DOB", "ID"] {
        let n = count(&p.warehouse(), &format!("SELECT SUM(count) FROM pii_findings WHERE entity = '{tag}'")).await;
        assert!(n > 0, "no {tag} found");
    }
}

/// A warehouse written with the pattern detectors only holds the names;
/// `reanonymize` runs today's detectors over the stored partition, replaces
/// it (same calls, same e-mail pseudonyms) and records the new version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reanonymize_removes_what_older_detectors_left() {
    let p = Project::new();
    people_corpus(&p);
    set_key("SLM_TEST_KEY_REANON");
    let patterns_only = "    with: {key_env: SLM_TEST_KEY_REANON, detectors: {names: false, addresses: false, dates_of_birth: false, ages: false, identifiers: false, json_keys: false}}\n";
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_REANON").replace("    with: {key_env: SLM_TEST_KEY_REANON}\n", patterns_only);
    assert!(yaml.contains("names: false"));
    let old_dag = p.dag(&yaml);
    let (runner, _) = runner(p.warehouse());
    assert!(runner.run(&old_dag, date()).await.unwrap().succeeded());
    let holds = |needle: &str| warehouse_text(&p.warehouse_path()).iter().any(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes()));
    assert!(holds("Wiśniewska"), "the patterns alone leave names");
    let calls_before = count(&p.warehouse(), "SELECT COUNT(*) FROM calls").await;
    let versions = slm_pipeline::warehouse::pii_versions::partition_versions(&p.warehouse()).await.unwrap();
    assert!(slm_pipeline::warehouse::pii_versions::is_stale(None));
    let old_version = versions.values().next().cloned().flatten().unwrap();
    assert!(old_version.ends_with('+'), "no detector but the patterns: {old_version}");

    // Today's detectors, with the same key, over the stored partition.
    let new_dag = p.standard_dag("SLM_TEST_KEY_REANON");
    let spec = new_dag.tasks.iter().find(|t| t.id == "anonymize").unwrap();
    let config: slm_pipeline::anonymize::AnonymizeConfig = serde_json::from_value(spec.with.clone()).unwrap();
    let ctx = slm_pipeline::tasks::TaskContext {
        run_id: "reanonymize-test".into(),
        dag: new_dag.name.clone(),
        task_id: spec.id.clone(),
        logical_date: date(),
        warehouse: p.warehouse(),
        upstream: Vec::new(),
        base_dirs: new_dag.base_dirs(),
        progress: false,
        clock: std::sync::Arc::new(slm_pipeline::clock::SystemClock),
    };
    let day_after = date() + chrono::Duration::days(1);
    let reports = slm_pipeline::anonymize::reanonymize::reanonymize(&ctx, &config, date(), day_after).await.unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].calls, Some(calls_before as u64));
    assert!(reports[0].newly_found.get("PERSON").is_some_and(|n| *n > 0), "{:?}", reports[0]);
    assert_eq!(reports[1].calls, None, "no partition on the day after");

    for canary in ["Wiśniewska", "Adeyemi", "Tanabe", "Quispe", "Lindenstraße 27", "QK7ZP2", "1991-07-14"] {
        assert!(!holds(canary), "`{canary}` survived reanonymize");
    }
    assert_eq!(count(&p.warehouse(), "SELECT COUNT(*) FROM calls").await, calls_before);
    assert!(!p.warehouse_path().join("calls/date=2026-11-20/_reanonymize.json").exists(), "the manifest goes with the old files");
    let versions = slm_pipeline::warehouse::pii_versions::partition_versions(&p.warehouse()).await.unwrap();
    let now = versions.values().next().cloned().flatten().unwrap();
    assert!(!slm_pipeline::warehouse::pii_versions::is_stale(Some(&now)) && now.contains('n'), "{now}");

    // A second pass finds nothing new and changes no call.
    let reports = slm_pipeline::anonymize::reanonymize::reanonymize(&ctx, &config, date(), date()).await.unwrap();
    assert!(reports[0].newly_found.is_empty(), "{:?}", reports[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_input_is_quarantined_with_its_reason() {
    let p = Project::new();
    let day = p.logs().join(DATE);
    let good = plain_call(1).to_string();
    let lines = vec![
        good.clone(),                                                   // 1
        r#"{"messages": [{"role": "user", "content": "x"}"#.to_string(), // 2 malformed
        json!({"messages": 42}).to_string(),                            // 3 wrong type
        json!({"model": "gpt-4o", "agent": "a"}).to_string(),           // 4 missing messages
        "[1, 2, 3]".to_string(),                                        // 5 not an object
        format!("{{\"messages\": [{{\"role\": \"user\", \"content\": \"{}\"}}]}}", "y".repeat(70_000)), // 6 too long
        json!({"hello": "world"}).to_string(),                          // 7 unknown format
        plain_call(2).to_string(),                                      // 8
    ];
    write_lines(&day.join("mixed.jsonl"), &lines);
    // Invalid UTF-8 on line 2.
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe bad\"}]}\n");
    std::fs::write(day.join("utf8.jsonl"), bytes).unwrap();
    // A gzip object cut in half.
    let many: Vec<String> = (0..400).map(|i| plain_call(1000 + i).to_string()).collect();
    write_gz(&day.join("corrupt.jsonl.gz"), &many);
    let gz = std::fs::read(day.join("corrupt.jsonl.gz")).unwrap();
    std::fs::write(day.join("corrupt.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    // A zstd object that is not zstd at all.
    std::fs::write(day.join("garbage.jsonl.zst"), b"this is not zstd").unwrap();

    set_key("SLM_TEST_KEY_QUARANTINE");
    let dag = p.standard_dag("SLM_TEST_KEY_QUARANTINE");
    let (runner, _) = runner(p.warehouse());
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "bad input must not stop the run: {summary:?}");

    let wh = p.warehouse();
    let reason_at = |object: &str, line: Option<i64>| {
        let line = line.map_or("line IS NULL".to_string(), |l| format!("line = {l}"));
        format!("SELECT reason FROM quarantine WHERE source_object LIKE '%{object}' AND {line}")
    };
    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, None).await.unwrap();
    let reason = |sql: String| {
        let ctx = ctx.clone();
        async move {
            let (_, b) = slm_pipeline::warehouse::session::query(&ctx, &sql).await.unwrap();
            assert_eq!(b.iter().map(|b| b.num_rows()).sum::<usize>(), 1, "{sql}");
            b[0].column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap().value(0).to_string()
        }
    };
    assert_eq!(reason(reason_at("mixed.jsonl", Some(2))).await, "malformed_json");
    assert_eq!(reason(reason_at("mixed.jsonl", Some(3))).await, "wrong_type");
    assert_eq!(reason(reason_at("mixed.jsonl", Some(4))).await, "missing_field");
    assert_eq!(reason(reason_at("mixed.jsonl", Some(5))).await, "wrong_type");
    assert_eq!(reason(reason_at("mixed.jsonl", Some(6))).await, "line_too_long");
    assert_eq!(reason(reason_at("mixed.jsonl", Some(7))).await, "unknown_format");
    assert_eq!(reason(reason_at("utf8.jsonl", Some(2))).await, "invalid_utf8");
    assert_eq!(reason("SELECT reason FROM quarantine WHERE source_object LIKE '%corrupt.jsonl.gz'".into()).await, "corrupt_object");
    assert_eq!(reason("SELECT reason FROM quarantine WHERE source_object LIKE '%garbage.jsonl.zst'".into()).await, "corrupt_object");

    // Good lines around the bad ones are kept; the corrupt object's first lines too.
    let calls = count(&wh, "SELECT COUNT(*) FROM calls").await;
    let from_corrupt = count(&wh, "SELECT COUNT(*) FROM calls WHERE source_object LIKE '%corrupt.jsonl.gz'").await;
    assert!(from_corrupt > 10 && from_corrupt < 400, "{from_corrupt}");
    assert_eq!(calls, 3 + from_corrupt);
    // The run report counts them.
    let details = &summary.outputs["ingest"]["details"];
    assert_eq!(details["quarantined"], 9, "{details}");
    // The quarantine never holds the line's text.
    for (path, bytes) in warehouse_text(&p.warehouse_path()) {
        assert!(!bytes.windows(7).any(|w| w == b"yyyyyyy"), "{}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerunning_a_date_replaces_its_partition() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_RERUN");
    let dag = p.standard_dag("SLM_TEST_KEY_RERUN");
    let wh = p.warehouse();
    let (runner, _) = runner(wh.clone());
    let runner = runner.with_force(Force::All);
    assert!(runner.run(&dag, date()).await.unwrap().succeeded());
    let first = count(&wh, "SELECT COUNT(*) FROM calls").await;
    let first_ids = count(&wh, "SELECT COUNT(DISTINCT call_id) FROM calls").await;
    assert!(runner.run(&dag, date()).await.unwrap().succeeded());
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls").await, first);
    assert_eq!(count(&wh, "SELECT COUNT(DISTINCT call_id) FROM calls").await, first_ids);
    assert_eq!(first, first_ids);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM ingested_objects").await, 2);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM runs WHERE status = 'success'").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_is_incremental_across_dates() {
    let p = Project::new();
    let src = p.logs().join("all");
    write_lines(&src.join("one.jsonl"), &(0..5).map(|i| plain_call(i).to_string()).collect::<Vec<_>>());
    set_key("SLM_TEST_KEY_INCR");
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_INCR").replace("{{ ds }}", "all");
    let dag = p.dag(&yaml);
    let wh = p.warehouse();
    let (runner, _) = runner(wh.clone());
    let day1 = date();
    let day2 = day1.succ_opt().unwrap();
    assert!(runner.run(&dag, day1).await.unwrap().succeeded());
    // A later date sees the same object: it is not read again.
    write_lines(&src.join("two.jsonl"), &(10..13).map(|i| plain_call(i).to_string()).collect::<Vec<_>>());
    let s2 = runner.run(&dag, day2).await.unwrap();
    assert!(s2.succeeded());
    assert_eq!(s2.outputs["ingest"]["details"]["objects_skipped_already_ingested"], 1);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls WHERE date = DATE '2026-11-20'").await, 5);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls WHERE date = DATE '2026-11-21'").await, 3);
    // An object that changed is read again.
    write_lines(&src.join("one.jsonl"), &(0..6).map(|i| plain_call(i).to_string()).collect::<Vec<_>>());
    let day3 = day2.succ_opt().unwrap();
    let s3 = runner.run(&dag, day3).await.unwrap();
    assert_eq!(s3.outputs["ingest"]["details"]["objects_read"], 1, "{:?}", s3.outputs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_storage_failures_are_retried_with_backoff() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_RETRY");
    let dag = p.standard_dag("SLM_TEST_KEY_RETRY");
    let wh = p.warehouse();
    let faulty = Arc::new(FaultyStore::new(
        wh.root().store().clone(),
        // One write per attempt (the calls partitions are written concurrently,
        // so a fault on them could hit one attempt twice).
        vec![Fault::transient(Op::Put, "pii_findings/date=", 2)],
    ));
    let (runner, clock) = runner(wh.with_store(faulty.clone()));
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    assert_eq!(faulty.injected(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7), Duration::from_secs(14)]);
    let attempts = wh.load_attempts(&summary.run_id).await.unwrap();
    let anonymize: Vec<_> = attempts.iter().filter(|a| a.task_id == "anonymize").collect();
    assert_eq!(anonymize.len(), 3);
    assert_eq!(anonymize.iter().map(|a| a.status).collect::<Vec<_>>(), [Status::Failed, Status::Failed, Status::Success]);
    assert!(anonymize[0].error.as_deref().unwrap().contains("injected fault"));
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls").await, canaries().len() as i64 + 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_failures_are_not_retried_and_leave_no_raw_text() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_PERM");
    let dag = p.standard_dag("SLM_TEST_KEY_PERM");
    let wh = p.warehouse();
    let faulty = Arc::new(FaultyStore::new(
        wh.root().store().clone(),
        vec![Fault::permanent(Op::Put, "calls/date=")],
    ));
    let (runner, clock) = runner(wh.with_store(faulty.clone()));
    let summary = runner.run(&dag, date()).await.unwrap();
    assert_eq!(summary.status, Status::Failed);
    assert!(clock.sleeps().is_empty(), "a permanent error is not retried");
    assert!(summary.error.as_deref().unwrap().contains("anonymize"));
    // The raw staging of the failed run is gone.
    assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());
    for (tag, value) in canaries() {
        for (path, bytes) in warehouse_text(&p.warehouse_path()) {
            let secret = secret_part(value);
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{tag} in {}", path.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_resumes_from_the_failed_task() {
    let p = Project::new();
    canary_corpus(&p);
    // The key is missing: anonymize fails for good, ingest succeeded.
    std::env::remove_var("SLM_TEST_KEY_RESUME");
    let yaml = format!(
        "{}  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {{table: usage, query: 'SELECT agent, COUNT(*) AS calls FROM calls GROUP BY agent'}}\n  - id: report\n    kind: sql\n    needs: [usage]\n    with: {{table: usage_report, query: 'SELECT * FROM no_such_table'}}\n",
        standard_yaml(&p.logs(), "SLM_TEST_KEY_RESUME")
    );
    let dag = p.dag(&yaml);
    let wh = p.warehouse();
    let (runner, _) = runner(wh.clone());
    let failed = runner.run(&dag, date()).await.unwrap();
    assert_eq!(failed.status, Status::Failed);
    let states: Vec<_> = failed.tasks.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    assert_eq!(
        states,
        [("ingest", Status::Success), ("anonymize", Status::Failed), ("usage", Status::Skipped), ("report", Status::Skipped)]
    );
    assert!(failed.error.as_deref().unwrap().contains("SLM_TEST_KEY_RESUME"));

    // Fix the key and resume: ingest re-runs (its raw staging was purged),
    // anonymize and usage run, report still fails.
    set_key("SLM_TEST_KEY_RESUME");
    let second = runner.resume(&dag, &failed.run_id).await.unwrap();
    assert_eq!(second.run_id, failed.run_id);
    assert_eq!(second.status, Status::Failed);
    assert!(second.outputs.contains_key("ingest") && second.outputs.contains_key("usage"));

    // Fix the last task and resume again: only it runs.
    let fixed = yaml.replace("SELECT * FROM no_such_table", "SELECT SUM(calls) AS calls FROM usage");
    let dag = p.dag(&fixed);
    let third = runner.resume(&dag, &failed.run_id).await.unwrap();
    assert!(third.succeeded(), "{third:?}");
    assert_eq!(third.outputs.keys().collect::<Vec<_>>(), ["report"]);
    let attempts = wh.load_attempts(&failed.run_id).await.unwrap();
    let of = |t: &str| attempts.iter().filter(|a| a.task_id == t).map(|a| a.attempt).collect::<Vec<_>>();
    assert_eq!(of("ingest"), [1, 2]);
    assert_eq!(of("anonymize"), [1, 2]);
    assert_eq!(of("usage"), [1]);
    assert_eq!(of("report"), [1, 2]);
    assert_eq!(count(&wh, "SELECT calls FROM usage_report").await, canaries().len() as i64 + 21);
    assert_eq!(wh.load_run(&failed.run_id).await.unwrap().status, Status::Success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_over_its_timeout_fails() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_TIMEOUT");
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_TIMEOUT")
        .replace("retries: 2, retry_backoff_secs: 7, timeout_secs: 600", "retries: 0, retry_backoff_secs: 1, timeout_secs: 1");
    let dag = p.dag(&yaml);
    // Reading the staged calls never answers.
    let wh = p.warehouse();
    let faulty = Arc::new(FaultyStore::new(wh.root().store().clone(), vec![Fault::hang(Op::Get, "_staging")]));
    let (runner, _) = runner(wh.with_store(faulty));
    let summary = tokio::time::timeout(Duration::from_secs(60), runner.run(&dag, date())).await.expect("the run ends");
    let summary = summary.unwrap();
    assert_eq!(summary.status, Status::Failed);
    assert!(summary.error.as_deref().unwrap().contains("timed out after 1 s"), "{summary:?}");
    assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_corpus_leaves_none_of_its_planted_pii() {
    let p = Project::new();
    let summary = slm_pipeline::demo::generate(&slm_pipeline::demo::DemoConfig {
        out_dir: p.logs(),
        calls: 600,
        date: date(),
        seed: 7,
        faults: true,
    })
    .unwrap();
    assert!(summary.planted_pii > 100);
    set_key("SLM_TEST_KEY_DEMO");
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_DEMO").replace("max_line_bytes: 65536", "max_line_bytes: 1048576");
    let dag = p.dag(&yaml);
    let (runner, _) = runner(p.warehouse());
    let run = runner.run(&dag, date()).await.unwrap();
    assert!(run.succeeded(), "{run:?}");
    let ingest = &run.outputs["ingest"]["details"];
    assert_eq!(ingest["quarantined"].as_u64().unwrap(), summary.malformed_lines as u64 + 1, "{ingest}");

    let planted: Vec<String> =
        std::fs::read_to_string(&summary.pii_path).unwrap().lines().filter(|l| !l.is_empty()).map(String::from).collect();
    assert_eq!(planted.len(), summary.planted_pii);
    let files = warehouse_text(&p.warehouse_path());
    for value in &planted {
        for (path, bytes) in &files {
            assert!(!bytes.windows(value.len()).any(|w| w == value.as_bytes()), "planted `{value}` found in {}", path.display());
        }
    }
}

/// Two runs of one DAG and date: the second is refused with who holds it;
/// after the first ends, the lock is gone and a new run goes ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_of_the_same_dag_and_date_is_refused() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_LOCK");
    let dag = p.dag(&standard_yaml(&p.logs(), "SLM_TEST_KEY_LOCK"));
    let wh = p.warehouse();
    let (runner, clock) = runner(wh.clone());
    let held = slm_pipeline::dag::lock::RunLock::acquire(
        wh.root(),
        clock.clone(),
        &dag.name,
        date(),
        "another-scheduler-run",
        Duration::from_secs(300),
    )
    .await
    .unwrap();
    let err = runner.run(&dag, date()).await.err().expect("refused").to_string();
    assert!(err.contains("already being run") && err.contains("another-scheduler-run"), "{err}");
    assert!(wh.load_runs().await.unwrap().is_empty(), "a refused run leaves no run record");
    held.release().await.unwrap();
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    assert!(files_under(&p.warehouse_path().join("_locks")).is_empty(), "the lock is released");
}

/// The standard DAG and a derived table: a task of each cacheable shape.
fn cached_dag(p: &Project, key_env: &str) -> slm_pipeline::dag::Dag {
    let yaml = standard_yaml(&p.logs(), key_env)
        + "  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {table: usage, query: \"SELECT date, COUNT(*) AS calls FROM calls GROUP BY date\"}\n";
    p.dag(&yaml)
}

fn cached(summary: &slm_pipeline::dag::RunSummary) -> Vec<String> {
    summary
        .tasks
        .iter()
        .filter(|(t, _)| summary.outputs[t]["details"]["cached_from_run"].is_string())
        .map(|(t, _)| t.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_tasks_are_skipped_and_force_runs_them() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_CACHE");
    let dag = cached_dag(&p, "SLM_TEST_KEY_CACHE");
    let wh = p.warehouse();
    let (runner, _) = runner(wh.clone());
    let first = runner.run(&dag, date()).await.unwrap();
    assert!(first.succeeded() && cached(&first).is_empty(), "{first:?}");
    let calls = count(&wh, "SELECT COUNT(*) FROM calls").await;

    // Nothing changed: every task is skipped and says where its result is from.
    let second = runner.run(&dag, date()).await.unwrap();
    assert!(second.succeeded());
    assert_eq!(cached(&second), ["ingest", "anonymize", "usage"]);
    assert_eq!(second.outputs["anonymize"]["details"]["cached_from_run"], first.run_id.as_str());
    assert_eq!(second.outputs["anonymize"]["rows_out"], first.outputs["anonymize"]["rows_out"]);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls").await, calls);
    let attempts = wh.load_attempts(&second.run_id).await.unwrap();
    assert!(attempts.iter().all(|a| a.status == Status::Success && a.details["summary"][0].as_str().unwrap().contains("--force")));
    // No raw staging was written by the skipped ingest.
    assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());

    // Another date is another cache entry.
    let next = date().succ_opt().unwrap();
    std::fs::create_dir_all(p.logs().join(next.to_string())).unwrap();
    assert!(cached(&runner.run(&dag, next).await.unwrap()).is_empty());

    // A new log object: ingest and everything after it run again.
    write_lines(&p.logs().join(DATE).join("agent-c.jsonl"), &[plain_call(500).to_string()]);
    let third = runner.run(&dag, date()).await.unwrap();
    assert!(third.succeeded() && cached(&third).is_empty(), "{third:?}");
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM calls WHERE date = DATE '{DATE}'")).await, calls + 1);

    // Another configuration of the last task: only it runs.
    let changed = p.dag(&(standard_yaml(&p.logs(), "SLM_TEST_KEY_CACHE")
        + "  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {table: usage, query: \"SELECT date, COUNT(*) AS n FROM calls GROUP BY date\"}\n"));
    assert_eq!(cached(&runner.run(&changed, date()).await.unwrap()), ["ingest", "anonymize"]);

    // An output deleted behind the pipeline's back: its task runs again.
    std::fs::remove_dir_all(p.warehouse_path().join("derived/usage")).unwrap();
    assert_eq!(cached(&runner.run(&changed, date()).await.unwrap()), ["ingest", "anonymize"]);

    // Forcing the consumer of raw staging runs its ingest too; forcing all runs all.
    let runner = runner.with_force(Force::Tasks(vec!["anonymize".into()]));
    let forced = runner.run(&changed, date()).await.unwrap();
    assert!(forced.succeeded());
    assert!(!cached(&forced).contains(&"ingest".to_string()), "{forced:?}");
    let (runner, _) = crate::common::runner(wh.clone());
    let all = runner.with_force(Force::All).run(&changed, date()).await.unwrap();
    assert!(all.succeeded() && cached(&all).is_empty());
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM calls WHERE date = DATE '{DATE}'")).await, calls + 1);
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// Plain calls in the log folder of each date.
fn logs_for_dates(p: &Project, dates: &[&str], per_date: usize) {
    for (d, day) in dates.iter().enumerate() {
        let lines: Vec<String> = (0..per_date).map(|i| plain_call(d * 1000 + i).to_string()).collect();
        write_lines(&p.logs().join(day).join("calls.jsonl"), &lines);
    }
}

fn write_scheduler_state(p: &Project, dag: &str, last_fire: &str) {
    let path = p.warehouse_path().join(format!("_scheduler/{dag}.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, json!({"last_fire": last_fire}).to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_catches_up_missed_fires_in_order_within_its_bound() {
    use slm_pipeline::dag::Scheduler;
    let p = Project::new();
    logs_for_dates(&p, &["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"], 3);
    set_key("SLM_TEST_KEY_SCHED");
    let nightly_yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_SCHED").replace("name: test\n", "name: nightly\nschedule: '0 3 * * *'\ncatchup: true\n");
    let nightly = p.dag(&nightly_yaml);
    let report_yaml = "name: usage\nschedule: '30 4 * * *'\ncatchup: false\ntasks:\n  - id: usage\n    kind: sql\n    with: {table: usage, query: \"SELECT date, COUNT(*) AS calls FROM calls WHERE date = DATE '{{ ds }}' GROUP BY date\"}\n";
    let usage = p.dag(report_yaml);
    let manual = p.dag(&standard_yaml(&p.logs(), "SLM_TEST_KEY_SCHED"));
    let wh = p.warehouse();
    // Down since the fire of the 18th (logical date 17th); back on the 21st at noon.
    write_scheduler_state(&p, "nightly", "2026-11-18T03:00:00Z");
    write_scheduler_state(&p, "usage", "2026-11-18T04:30:00Z");
    let clock = Arc::new(TestClock::new(at("2026-11-21T12:00:00Z")));
    let scheduler = Scheduler::new(wh.clone(), clock.clone(), vec![nightly, usage, manual], 1).unwrap();
    assert_eq!(scheduler.dags().count(), 2, "a DAG without a schedule is not scheduled");
    let report = scheduler.run(Some(at("2026-11-22T12:00:00Z")), std::future::pending()).await.unwrap();

    let fired = |dag: &str| -> Vec<String> {
        report.outcomes.iter().filter(|o| o.fire.dag == dag).map(|o| o.fire.logical_date.to_string()).collect()
    };
    // catchup: every missed night, oldest first, then the next night's fire.
    assert_eq!(fired("nightly"), ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"]);
    // no catchup: only the latest missed fire, then the next one.
    assert_eq!(fired("usage"), ["2026-11-20", "2026-11-21"]);
    assert!(report.outcomes.iter().all(|o| o.summary.as_ref().is_some_and(|s| s.succeeded())), "{:?}", report.outcomes);
    assert_eq!(report.peak_concurrent, 1);
    for day in ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"] {
        assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM calls WHERE date = DATE '{day}'")).await, 3, "{day}");
    }
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.warehouse_path().join("_scheduler/nightly.json")).unwrap()).unwrap();
    assert_eq!(state["last_fire"], "2026-11-22T03:00:00Z");

    // Restarted at once: nothing is due, nothing runs again.
    let (nightly, usage) = (p.dag(&nightly_yaml), p.dag(report_yaml));
    let again = Scheduler::new(wh.clone(), clock.clone(), vec![nightly, usage], 2).unwrap();
    let report = again.run(Some(clock.now()), std::future::pending()).await.unwrap();
    assert!(report.outcomes.is_empty(), "{:?}", report.outcomes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_shutdown_the_running_task_finishes_and_the_next_start_completes_the_date() {
    use slm_pipeline::dag::Scheduler;
    use slm_pipeline::warehouse::faults::Pause;
    let p = Project::new();
    logs_for_dates(&p, &[DATE], 20);
    set_key("SLM_TEST_KEY_STOP");
    let yaml = standard_yaml(&p.logs(), "SLM_TEST_KEY_STOP").replace("name: test\n", "name: test\nschedule: '0 3 * * *'\n");
    let wh = p.warehouse();
    write_scheduler_state(&p, "test", "2026-11-20T03:00:00Z");
    let clock = Arc::new(TestClock::new(at("2026-11-21T04:00:00Z")));
    // The ingest's first raw staging write waits until the shutdown is under way.
    let reached = Arc::new(tokio::sync::Notify::new());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let paused = FaultyStore::new(wh.root().store().clone(), vec![])
        .with_pause(Pause::new(Op::Put, "_staging/", reached.clone(), stop.clone()));
    let scheduler = Scheduler::new(wh.with_store(Arc::new(paused)), clock.clone(), vec![p.dag(&yaml)], 2).unwrap().with_stop(stop);
    let shutdown = async move { reached.notified().await };
    // Only the fire due now (the test clock would leap to later fires while it waits).
    let report = scheduler.run(Some(clock.now()), shutdown).await.unwrap();

    assert_eq!(report.outcomes.len(), 1);
    let summary = report.outcomes[0].summary.clone().unwrap();
    assert!(summary.stopped, "{summary:?}");
    assert_eq!(summary.tasks, vec![("ingest".to_string(), Status::Success), ("anonymize".to_string(), Status::Skipped)]);
    assert!(summary.error.unwrap().contains("shutdown"));
    // The run is recorded as cut short, no raw text is left, the fire is not done.
    let attempts = wh.load_attempts(&summary.run_id).await.unwrap();
    assert_eq!(attempts.iter().map(|a| (a.task_id.as_str(), a.status)).collect::<Vec<_>>(), [("ingest", Status::Success)]);
    assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());
    let state = std::fs::read_to_string(p.warehouse_path().join("_scheduler/test.json")).unwrap();
    assert!(state.contains("2026-11-20T03:00:00Z"), "{state}");

    // The next start runs the date again, to the end.
    let scheduler = Scheduler::new(wh.clone(), clock.clone(), vec![p.dag(&yaml)], 2).unwrap();
    let report = scheduler.run(Some(clock.now()), std::future::pending()).await.unwrap();
    assert_eq!(report.outcomes.len(), 1);
    let summary = report.outcomes[0].summary.clone().unwrap();
    assert!(summary.succeeded());
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls").await, 20, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_runs_its_dates_in_order_and_stops_at_a_failure() {
    use slm_pipeline::dag::scheduler::backfill;
    let p = Project::new();
    logs_for_dates(&p, &["2026-11-17", "2026-11-18", "2026-11-19"], 2);
    set_key("SLM_TEST_KEY_BACKFILL");
    let dag = p.standard_dag("SLM_TEST_KEY_BACKFILL");
    let wh = p.warehouse();
    let (runner, _) = runner(wh.clone());
    let from = "2026-11-17".parse().unwrap();
    let mut seen = Vec::new();
    let runs = backfill(&runner, &dag, from, "2026-11-19".parse().unwrap(), |s| seen.push(s.run_id.clone())).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r.succeeded()));
    assert!(seen[0].contains("2026-11-17") && seen[2].contains("2026-11-19"), "{seen:?}");
    assert_eq!(count(&wh, "SELECT COUNT(DISTINCT date) FROM calls").await, 3);
    // A date that fails ends the backfill there.
    let broken = p.dag(&standard_yaml(&p.logs(), "SLM_TEST_KEY_UNSET"));
    let runs = backfill(&runner, &broken, from, "2026-11-19".parse().unwrap(), |_| {}).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert!(!runs[0].succeeded());
    assert!(backfill(&runner, &dag, "2026-11-19".parse().unwrap(), from, |_| {}).await.is_err());
}

/// The standard DAG with a derived table, 5 retries and a short timeout;
/// log objects read one at a time, so each fault fails its own attempt.
fn flaky_dag(p: &Project, key_env: &str) -> slm_pipeline::dag::Dag {
    let yaml = standard_yaml(&p.logs(), key_env)
        .replace("retries: 2, retry_backoff_secs: 7, timeout_secs: 600", "retries: 5, retry_backoff_secs: 7, timeout_secs: 5")
        .replace("concurrency: 2", "concurrency: 1")
        + "  - id: usage\n    kind: sql\n    needs: [anonymize]\n    with: {table: usage, query: \"SELECT agent, COUNT(*) AS calls FROM calls GROUP BY agent\"}\n";
    p.dag(&yaml)
}

/// Every row a run leaves, as text, for comparing two warehouses.
async fn final_tables(wh: &slm_pipeline::warehouse::Warehouse) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT * FROM calls ORDER BY call_id",
        "SELECT reason, line, detail FROM quarantine ORDER BY source_object, line",
        "SELECT source_object, size, lines, calls FROM ingested_objects ORDER BY source_object",
        "SELECT * FROM usage ORDER BY agent",
    ] {
        out += &table_text(wh, sql).await;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_storage_is_survived_with_identical_results() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_FLAKY");
    let dag = flaky_dag(&p, "SLM_TEST_KEY_FLAKY");
    // The reference: the same logs into a warehouse without faults.
    let clean = slm_pipeline::warehouse::Warehouse::open(p.dir.path().join("clean").to_str().unwrap()).unwrap();
    assert!(runner(clean.clone()).0.run(&dag, date()).await.unwrap().succeeded());

    let faults = vec![
        // The log source: a failed listing, a body that breaks off, a read that hangs.
        Fault::transient(Op::List, "/logs/", 1),
        Fault::short_read("agent-a.jsonl", 1),
        Fault::hang_first(Op::Get, "agent-b.jsonl", 1),
        Fault::truncate("agent-b.jsonl", 1),
        // Raw staging: a failed write, a read that breaks off.
        Fault::transient(Op::Put, "_staging/", 1),
        Fault::short_read("_staging/", 1),
        // The tables, the derived table, the run history.
        Fault::transient(Op::Put, "calls/date=", 1),
        Fault::short_read("calls/date=", 1),
        Fault::transient(Op::Put, "derived/", 1),
        Fault::transient(Op::Put, "_history/", 2),
        Fault::transient(Op::Get, "_cache/", 1),
    ];
    let n_faults = faults.len() as u64 + 1;
    let wh = p.warehouse();
    let faulty = Arc::new(FaultyStore::new(wh.root().store().clone(), faults));
    let flaky = wh.with_store_wrapper(faulty.wrapper());
    let summary = runner(flaky).0.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    assert_eq!(faulty.injected(), n_faults, "every fault was injected");
    let attempts = wh.load_attempts(&summary.run_id).await.unwrap();
    let failed: Vec<String> = attempts.iter().filter(|a| a.status == Status::Failed).map(|a| a.error.clone().unwrap()).collect();
    assert!(failed.iter().any(|e| e.contains("timed out")), "{failed:?}");
    assert!(failed.iter().any(|e| e.contains("connection reset")), "{failed:?}");
    assert!(failed.iter().any(|e| e.contains("short read")), "{failed:?}");
    // Identical results, nothing left in staging.
    assert_eq!(final_tables(&wh).await, final_tables(&clean).await);
    assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());
    let (rows, reference) = (count(&wh, "SELECT COUNT(DISTINCT call_id) FROM calls").await, count(&clean, "SELECT COUNT(*) FROM calls").await);
    // For scripts/reliability.sh.
    println!(
        "RELIABILITY faults {{\"transient_faults_injected\": {}, \"failed_attempts_retried\": {}, \"rows_lost\": {}}}",
        faulty.injected(),
        failed.len(),
        reference - rows
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_task_clearly_and_keeps_the_tables_consistent() {
    let p = Project::new();
    canary_corpus(&p);
    set_key("SLM_TEST_KEY_FULL");
    let dag = flaky_dag(&p, "SLM_TEST_KEY_FULL");
    let wh = p.warehouse();
    let (runner, clock) = runner(wh.clone());
    assert!(runner.run(&dag, date()).await.unwrap().succeeded());
    let before = final_tables(&wh).await;

    // New logs for the date, then the disk fills up while the calls are rewritten.
    write_lines(&p.logs().join(DATE).join("agent-c.jsonl"), &[plain_call(900).to_string()]);
    for fault in [Fault::disk_full("calls/date="), Fault::permanent(Op::Put, "calls/date=")] {
        let faulty = Arc::new(FaultyStore::new(wh.root().store().clone(), vec![fault]));
        let full = wh.with_store_wrapper(faulty.wrapper());
        let sleeps = clock.sleeps().len();
        let (runner, clock) = (Runner::new(full, clock.clone()), clock.clone());
        let summary = runner.run(&dag, date()).await.unwrap();
        assert_eq!(summary.status, Status::Failed);
        let error = summary.error.unwrap();
        assert!(error.contains("anonymize") && error.contains("calls/date=2026-11-20"), "{error}");
        assert!(error.contains("No space left on device") || error.contains("injected fault"), "{error}");
        assert_eq!(clock.sleeps().len(), sleeps, "not retried: {error}");
        // The tables are as the last success left them: no new file beside the old ones.
        assert_eq!(final_tables(&wh).await, before);
        assert!(files_under(&p.warehouse_path().join("_staging")).is_empty());
    }
    println!("RELIABILITY permanent {{\"permanent_faults\": 2, \"failed_cleanly\": 2}}");
    // Space again: the next run takes the new log in.
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    assert_ne!(final_tables(&wh).await, before);
}

/// The gateway's call log, as its writer puts it in the store (anonymized,
/// gzip JSON Lines under `<date>/`), is ordinary input for the next night:
/// ingest reads it, the route metadata lands in `metadata`, the gateway
/// view reads it per route, and distill's pair query takes the LLM's
/// answers (fallbacks and shadows) but never an answer the SLM gave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateways_call_log_is_the_next_nights_input() {
    use slm_pipeline::routing::gateway::calllog::{record, Call, CallLog, LogConfig, ShadowAttempt, SlmAttempt};
    let p = Project::new();
    let written = p.dir.path().join("gateway-log");
    let key = slm_pii::PiiKey::new(b"test-key-0123456789abcdef-not-for-production".to_vec()).unwrap();
    let redactor = Arc::new(slm_pii::Redactor::with_options(key, slm_pii::Options::full(slm_pipeline::models::gazetteer(None).ok())));
    let (log, writer) = CallLog::new(LogConfig::new(slm_pipeline::warehouse::Location::parse(written.to_str().unwrap()).unwrap()), redactor);
    let writer = writer.spawn();
    let answer = |content: &str| json!({"model": "gpt-4o-2024", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]});
    let request = |i: usize| json!({"model": "gpt-4o", "agent": "billing", "messages": [
        {"role": "user", "content": format!("Reset the password for account A-{i:04}, I'm Dorota Kwiatkowska (dorota.k{i}@example.net)")}]});
    let ts = chrono::Utc::now();
    // (route, reason, the answer the client got, the SLM's failed try, the shadow's LLM answer)
    let calls = [
        ("slm", "within", "SLM says done", false, None),
        ("slm", "shadow", "SLM says done", false, Some("LLM says done, and e-mailed dorota.k1@example.net")),
        ("llm", "invalid_output", "LLM after the SLM failed", true, None),
        ("llm", "far", "LLM for a far call", false, None),
        ("llm", "far", "LLM for another far call", false, None),
    ];
    for (i, (route, reason, content, failed, shadow)) in calls.iter().enumerate() {
        let req = request(i);
        let completion = answer(content);
        let slm = failed.then(|| SlmAttempt { model: "c01-0123456789ab".into(), latency_ms: 20.0, completion: Some(answer("garbage")), error: Some("tool call 0 names `x`".into()) });
        let shadow = shadow.map(|c| ShadowAttempt { latency_ms: 400.0, completion: Some(answer(c)), error: None, score: Some(0.4), agrees: Some(false) });
        log.push(record(&Call {
            request: &req,
            ts,
            latency_ms: 12.5,
            http_status: 200,
            route,
            reason,
            router_reason: Some(if *reason == "far" { "far" } else { "within" }),
            cluster_id: (*reason != "far").then_some("c01"),
            adapter: (*route == "slm" || *failed).then_some("c01-0123456789ab"),
            table_version: Some("20261120T030000Z"),
            completion: Some(&completion),
            error: None,
            slm: slm.as_ref(),
            shadow: shadow.as_ref(),
        }));
    }
    writer.shutdown().await;
    assert_eq!(log.stats().written_records.load(std::sync::atomic::Ordering::Relaxed), 5);
    // The writer names its folder by today's date; the test's DAG reads DATE.
    let day = std::fs::read_dir(&written).unwrap().next().unwrap().unwrap().path();
    std::fs::create_dir_all(p.logs()).unwrap();
    std::fs::rename(&day, p.logs().join(DATE)).unwrap();
    for f in files_under(&p.logs()) {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap()), &mut text).unwrap();
        assert!(!text.contains("Kwiatkowska") && !text.contains("dorota.k"), "PII in the call log: {text}");
    }

    set_key("SLM_TEST_KEY_GATEWAY");
    let (runner, _) = runner(p.warehouse());
    let summary = runner.run(&p.standard_dag("SLM_TEST_KEY_GATEWAY"), date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    let wh = p.warehouse();
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls WHERE agent = 'billing'").await, 5);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls WHERE json_field(metadata, 'route') = 'slm'").await, 2);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls WHERE json_field(metadata, 'adapter') = 'c01-0123456789ab'").await, 3);

    let ctx = slm_pipeline::warehouse::session::warehouse_session(&wh, Some(std::path::Path::new("sql/views"))).await.unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, "SELECT cluster_id, calls, slm_share, fallback_rate, invalid_outputs, shadows, shadow_agreement, out_of_radius_rate FROM gateway_routes_per_day ORDER BY cluster_id").await.unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches).unwrap().to_string();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ") && !l.contains("cluster_id")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    // Route c01: 3 calls, 2 by the SLM, 1 invalid output, 1 shadow that disagreed.
    let c01: Vec<&str> = rows[1].split('|').map(str::trim).collect();
    assert_eq!(&c01[1..9], ["c01", "3", "0.6666666666666666", "0.3333333333333333", "1", "1", "0.0", "0.0"], "{text}");
    // The far calls have no route: all out of radius.
    let far: Vec<&str> = rows[0].split('|').map(str::trim).collect();
    assert_eq!((far[1], far[2], far[8]), ("-", "2", "1.0"), "{text}");

    // The report's gateway section: one line for the day, flagged as drift
    // (2 of 5 calls out of radius is over the 20% threshold).
    let lines = slm_pipeline::report::gateway_lines(&wh).await.unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("{DATE}: 5 calls, SLM 40.0%, 1 fallbacks after an SLM failure, 1 shadows agreeing 0.0%, out of radius 40.0% — drift")), "{lines:?}");

    // distill's pairs: everything but the SLM's own answer; the shadow's pair
    // carries the LLM's answer (anonymized, as the warehouse has it).
    ctx.sql("CREATE VIEW calls_in_window AS SELECT * FROM calls").await.unwrap();
    ctx.sql("CREATE VIEW cluster_assignments AS SELECT call_id, CAST(0 AS BIGINT) AS cluster_id FROM calls").await.unwrap();
    let pairs = std::fs::read_to_string("sql/distill/pairs.sql").unwrap();
    let (_, batches) = slm_pipeline::warehouse::session::query(&ctx, &format!("SELECT response_content FROM ({pairs}) ORDER BY response_content")).await.unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches).unwrap().to_string();
    assert_eq!(text.matches("| LLM").count(), 4, "{text}");
    assert!(!text.contains("SLM says") && text.contains("LLM says done, and e-mailed <EMAIL_"), "{text}");
}

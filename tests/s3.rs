//! The whole discovery pipeline against an S3-compatible store: logs read
//! from `s3://`, the Parquet warehouse and the Lance tables on `s3://`.
//! The store is moto's S3 server (`pip install "moto[server]"`, installed by
//! `scripts/setup.sh`), started on a free loopback port. This file is its
//! own test process because the AWS settings are process-wide variables.

#[path = "it/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use slm_pipeline::models::minilm::write_tiny_random_model;
use slm_pipeline::warehouse::Warehouse;

/// moto's S3 server, stopped when dropped.
struct S3Server {
    child: Child,
    port: u16,
    _cwd: tempfile::TempDir,
}

impl S3Server {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // A clean working directory: a stray `*.py` must not shadow a module.
        let cwd = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-p", &port.to_string()])
            .current_dir(cwd.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with moto (scripts/setup.sh installs it)");
        let server = Self { child, port, _cwd: cwd };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto's S3 server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// A bucket, with a bare HTTP request (object_store cannot create buckets).
    fn create_bucket(&self, name: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(s, "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.port)
            .unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_runs_on_an_s3_compatible_store() {
    let server = S3Server::start();
    server.create_bucket("agent-logs");
    for (var, value) in [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
    ] {
        std::env::set_var(var, value);
    }
    std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", server.port));

    // Logs with canary PII, uploaded through our own S3 client.
    let mut lines: Vec<String> = canaries().iter().enumerate().map(|(i, (_, c))| call_with_pii(i, c).to_string()).collect();
    lines.extend((0..20).map(|i| plain_call(i).to_string()));
    let logs = Warehouse::open("s3://agent-logs/logs").unwrap();
    let key = logs.root().key(&format!("{DATE}/calls.jsonl")).unwrap();
    logs.root().put(&key, format!("{}\n", lines.join("\n")).into_bytes()).await.unwrap();

    let p = Project::new();
    let model = p.dir.path().join("tiny-bert");
    std::fs::create_dir_all(&model).unwrap();
    write_tiny_random_model(&model).unwrap();
    set_key("SLM_TEST_KEY_S3");
    let yaml = format!(
        "name: s3\ntasks:\n  - {{id: ingest, kind: ingest, with: {{source: 's3://agent-logs/logs/{{{{ ds }}}}/'}}}}\n  \
         - {{id: anonymize, kind: anonymize, needs: [ingest], with: {{key_env: SLM_TEST_KEY_S3}}}}\n  \
         - {{id: embed, kind: embed, needs: [anonymize], with: {{model: '{}'}}}}\n  \
         - {{id: cluster, kind: cluster, needs: [embed], with: {{k: 2, days: 1}}}}\n",
        model.display()
    );
    let dag = p.dag(&yaml);
    let wh = Warehouse::open("s3://agent-logs/wh").unwrap();
    let (runner, _) = runner(wh.clone());
    let summary = runner.run(&dag, date()).await.unwrap();
    assert!(summary.succeeded(), "{summary:?}");
    let n = lines.len() as i64;
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM calls").await, n);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM call_embeddings").await, n);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM cluster_assignments a JOIN calls c ON a.call_id = c.call_id").await,
        n
    );
    // A rerun skips every task (the cache lists S3 objects by etag)...
    let cached = runner.run(&dag, date()).await.unwrap();
    for (task, _) in &cached.tasks {
        assert!(cached.outputs[task]["details"]["cached_from_run"].is_string(), "{task}: {cached:?}");
    }
    // ...and a forced embed embeds nothing again.
    let runner = runner.with_force(Force::Tasks(vec!["embed".into()]));
    let again = runner.run(&dag, date()).await.unwrap();
    assert_eq!(again.outputs["embed"]["details"]["embedded"], 0, "{again:?}");

    // No canary in any object under the warehouse (Parquet pages decoded too).
    let dir = p.dir.path().join("mirror");
    for object in wh.root().list("").await.unwrap() {
        let rel = wh.root().relative(&object.location);
        let bytes = wh.root().get(&object.location).await.unwrap();
        let path = dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &bytes).unwrap();
    }
    let files = warehouse_text(&dir);
    assert!(files.iter().any(|(p, _)| p.to_string_lossy().contains("call_embeddings.lance")), "Lance files on S3");
    for (path, bytes) in files {
        for (_, canary) in canaries() {
            let secret = secret_part(canary).as_bytes();
            assert!(!bytes.windows(secret.len()).any(|w| w == secret), "{canary} in {}", path.display());
        }
    }
}

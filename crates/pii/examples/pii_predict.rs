//! Runs the detectors over a labelled corpus and prints what they find, for
//! `scripts/bench_pii_quality.sh` (which scores it beside Presidio).
//!
//! In: a JSON Lines corpus (`{"id", "text", ...}` per line, see
//! `tests/fixtures/pii/README.md`). Out, on stdout: `{"id", "spans": [{"start",
//! "end", "type"}]}` per line, UTF-8 byte offsets; on stderr: texts/s and MB/s.
//!
//! Usage: pii_predict CORPUS [--patterns-only] [--gazetteer PATH]

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use slm_pii::{Entity, Gazetteer, Options, PiiKey, Redactor};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let corpus = args.first().filter(|a| !a.starts_with("--")).unwrap_or_else(|| {
        eprintln!("usage: pii_predict CORPUS [--patterns-only] [--gazetteer PATH]");
        std::process::exit(2)
    });
    let patterns_only = args.iter().any(|a| a == "--patterns-only");
    let gaz_path = args
        .iter()
        .position(|a| a == "--gazetteer")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/gazetteers/names.tsv"));
    let key = PiiKey::new(b"pii_predict: evaluation key, not secret".to_vec()).expect("long enough");
    let options = if patterns_only {
        Options::patterns_only()
    } else {
        let g = Gazetteer::load(&gaz_path).unwrap_or_else(|e| {
            eprintln!("pii_predict: {e}");
            std::process::exit(1)
        });
        Options::full(Some(Arc::new(g)))
    };
    let redactor = Redactor::with_options(key, options);
    let file = std::fs::File::open(corpus).unwrap_or_else(|e| {
        eprintln!("pii_predict: cannot open {corpus}: {e}");
        std::process::exit(1)
    });
    let mut records = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.unwrap_or_else(|e| panic!("{corpus}:{}: {e}", n + 1));
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{corpus}:{}: {e}", n + 1));
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let text = v["text"].as_str().unwrap_or_default().to_string();
        records.push((id, text));
    }
    let started = Instant::now();
    let found: Vec<_> = records.iter().map(|(_, t)| redactor.find(t)).collect();
    let secs = started.elapsed().as_secs_f64();
    let bytes: usize = records.iter().map(|(_, t)| t.len()).sum();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for ((id, _), spans) in records.iter().zip(found) {
        let spans: Vec<Value> = spans
            .iter()
            .map(|f| json!({"start": f.start, "end": f.end, "type": corpus_type(f.entity)}))
            .collect();
        writeln!(out, "{}", json!({"id": id, "spans": spans})).expect("stdout");
    }
    eprintln!(
        "slm-pii{}: {} texts in {:.3} s: {:.0} texts/s, {:.2} MB/s",
        if patterns_only { " (patterns only)" } else { "" },
        records.len(),
        secs,
        records.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

/// The corpus's type names.
fn corpus_type(e: Entity) -> &'static str {
    match e {
        Entity::Person => "PERSON",
        Entity::Address => "ADDRESS",
        Entity::DateOfBirth => "DOB",
        Entity::Age => "AGE",
        Entity::Identifier => "ID",
        Entity::Email => "EMAIL",
        Entity::Phone => "PHONE",
        Entity::CreditCard => "CARD",
        Entity::Iban => "IBAN",
        Entity::Ipv4 | Entity::Ipv6 => "IP",
        Entity::UsSsn => "SSN",
        Entity::Organisation => "ORG",
        Entity::Location => "LOCATION",
        Entity::Unscanned => "UNSCANNED",
        Entity::UrlCredential | Entity::Jwt | Entity::BearerToken | Entity::ApiKey => "SECRET",
    }
}

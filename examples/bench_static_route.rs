//! Issue 17, item 7, a first measurement: can a static token table
//! distilled from MiniLM make the routing decision for most calls, and leave
//! to MiniLM only those near a boundary, with the decisions agreeing with
//! MiniLM's on at least 99% of held-back calls?
//!
//! - The table: every WordPiece token of MiniLM's vocabulary embedded alone
//!   by MiniLM (mean pooled), as model2vec does; a text's static vector is
//!   the normalised mean of its tokens' rows (no transformer at all).
//! - Static centroids per route from the calls of one half (by call id);
//!   the other half is held back.
//! - The cascade accepts the static decision for a held-back call only when
//!   its nearest static centroid is ahead of the second by a margin `tau`
//!   and the call is within that route's static radius (the `q` quantile of
//!   its training calls' distances); every other call goes to MiniLM, whose
//!   decision is the reference. Decisions are compared as if every route
//!   went to an SLM (cluster, or far / ambiguous), the strictest reading.
//!
//! Needs the demo's warehouse and registry (`bash scripts/demo.sh`).
//! Usage: cargo run --release --example bench_static_route [warehouse] [registry]

use std::collections::HashMap;
use std::time::Instant;

use slm_pipeline::cluster::kmeans::cosine_distance;
use slm_pipeline::models::minilm::Embedder;
use slm_pipeline::routing::registry::Registry;
use slm_pipeline::routing::router::decide;
use slm_pipeline::routing::table::{AdapterRef, RoutingTable};
use slm_pipeline::warehouse::vectors::{self, VectorTable};
use slm_pipeline::warehouse::Warehouse;

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
}

/// The reference decision, as if every route went to an SLM.
fn key(table: &RoutingTable, vector: &[f32]) -> String {
    let d = decide(table, vector);
    match d.reason.as_str() {
        "within" => d.cluster_id.unwrap_or_default(),
        other => other.to_string(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let wh = Warehouse::open(args.get(1).map_or("warehouse", String::as_str))?;
    let registry = Registry::open(args.get(2).map_or("warehouse/registry", String::as_str))?;
    let (_, mut table) = registry.live().await?.ok_or_else(|| anyhow::anyhow!("nothing published: run scripts/demo.sh"))?;
    for (i, r) in table.routes.iter_mut().enumerate() {
        r.target = "slm".into();
        r.adapter = Some(AdapterRef {
            path: format!("adapters/{}/{i:012}", r.cluster_id),
            sha256: format!("{i:064}"),
            files: Default::default(),
            version: String::new(),
            pii_version: None,
        });
    }
    let db = vectors::connect(&wh).await?;
    let embeddings = vectors::open(&db, VectorTable::CallEmbeddings).await?.ok_or_else(|| anyhow::anyhow!("no call_embeddings"))?;
    let (mut ids, mut texts, mut vecs) = (Vec::new(), Vec::new(), Vec::new());
    for b in vectors::scan(&embeddings, &["call_id", "text", "vector"], None).await? {
        let id = b.column_by_name("call_id").unwrap().as_any().downcast_ref::<arrow::array::StringArray>().unwrap().clone();
        let text = b.column_by_name("text").unwrap().as_any().downcast_ref::<arrow::array::StringArray>().unwrap().clone();
        for (row, v) in slm_pipeline::embed::vectors_of(&b, "vector")?.into_iter().enumerate() {
            ids.push(id.value(row).to_string());
            texts.push(text.value(row).to_string());
            vecs.push(v);
        }
    }
    let reference: Vec<String> = vecs.iter().map(|v| key(&table, v)).collect();

    // The static table.
    let dir = slm_pipeline::models::model_dir("all-minilm-l6-v2");
    let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let vocab = tokenizer.get_vocab_size(true);
    let started = Instant::now();
    let words: Vec<String> =
        (0..vocab as u32).map(|id| tokenizer.id_to_token(id).unwrap_or_default().trim_start_matches("##").to_string()).collect();
    let embedder = Embedder::load(&dir, 16, &candle_core::Device::Cpu)?;
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let rows = embedder.embed(&refs, 512, |_| {})?;
    println!("static table: {vocab} tokens x {} in {:.1} s", rows[0].len(), started.elapsed().as_secs_f64());
    let max_tokens = table.embedding.max_tokens;
    // Halves by call id: the first gives the weights, centroids and radii.
    let train: Vec<bool> = ids.iter().map(|id| id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 2 == 0).collect();
    // Inverse document frequency of each token over the training texts: the
    // tokens every call shares (the template, `the`) say nothing of its task.
    let token_ids: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| tokenizer.encode(t.as_str(), false).expect("tokenizes").get_ids().iter().take(max_tokens).copied().collect())
        .collect();
    let mut df = vec![0u32; vocab];
    let n_train = train.iter().filter(|t| **t).count() as f32;
    for (ids, _) in token_ids.iter().zip(&train).filter(|(_, t)| **t) {
        let mut seen: Vec<u32> = ids.clone();
        seen.sort_unstable();
        seen.dedup();
        seen.iter().for_each(|&id| df[id as usize] += 1);
    }
    let idf: Vec<f32> = df.iter().map(|&d| (n_train / (1.0 + d as f32)).ln().max(0.0)).collect();
    let raw = |ids: &[u32]| -> Vec<f32> {
        let mut v = vec![0f32; rows[0].len()];
        for &id in ids {
            let w = idf[id as usize];
            v.iter_mut().zip(&rows[id as usize]).for_each(|(a, b)| *a += w * b);
        }
        normalise(&mut v);
        v
    };
    // The common direction of all static vectors, removed (they are anisotropic).
    let mut mean = vec![0f32; rows[0].len()];
    for (ids, _) in token_ids.iter().zip(&train).filter(|(_, t)| **t) {
        mean.iter_mut().zip(raw(ids)).for_each(|(a, b)| *a += b / n_train);
    }
    let stat = |ids: &[u32]| -> Vec<f32> {
        let mut v = raw(ids);
        v.iter_mut().zip(&mean).for_each(|(a, m)| *a -= m);
        normalise(&mut v);
        v
    };
    let t = Instant::now();
    let statics: Vec<Vec<f32>> = texts
        .iter()
        .map(|t| stat(tokenizer.encode(t.as_str(), false).expect("tokenizes").get_ids().iter().take(max_tokens).copied().collect::<Vec<_>>().as_slice()))
        .collect();
    let per_call_us = t.elapsed().as_secs_f64() * 1e6 / texts.len() as f64;
    let t = Instant::now();
    let sample: Vec<&str> = texts.iter().take(40).map(String::as_str).collect();
    for s in &sample {
        embedder.embed(&[s], 1, |_| {})?;
    }
    let minilm_ms = t.elapsed().as_secs_f64() * 1e3 / sample.len() as f64;

    let mut sums: HashMap<String, (Vec<f32>, usize)> = HashMap::new();
    for i in (0..ids.len()).filter(|&i| train[i] && reference[i].starts_with('c')) {
        let e = sums.entry(reference[i].clone()).or_insert_with(|| (vec![0.0; statics[i].len()], 0));
        e.0.iter_mut().zip(&statics[i]).for_each(|(a, b)| *a += b);
        e.1 += 1;
    }
    let centroids: Vec<(String, Vec<f32>)> = sums
        .into_iter()
        .map(|(k, (mut v, _))| {
            normalise(&mut v);
            (k, v)
        })
        .collect();
    let mut own: HashMap<&str, Vec<f32>> = HashMap::new();
    for i in (0..ids.len()).filter(|&i| train[i]) {
        if let Some((k, c)) = centroids.iter().find(|(k, _)| *k == reference[i]) {
            own.entry(k.as_str()).or_default().push(cosine_distance(&statics[i], c));
        }
    }
    let held: Vec<usize> = (0..ids.len()).filter(|&i| !train[i]).collect();
    println!(
        "{} calls with embeddings, {} held back; {} static centroids; static vector {:.0} us per call, MiniLM {:.1} ms per call (one at a time)",
        ids.len(),
        held.len(),
        centroids.len(),
        per_call_us,
        minilm_ms
    );
    println!("| q (radius) | tau (margin) | decided statically | agreement there | cascade agreement | mean cost per call |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for q in [0.8, 0.9, 1.0] {
        let radius: HashMap<&str, f32> = own
            .iter()
            .map(|(k, d)| {
                let mut d = d.clone();
                d.sort_by(f32::total_cmp);
                (*k, d[((d.len() - 1) as f64 * q).round() as usize])
            })
            .collect();
        for tau in [0.0f32, 0.02, 0.05, 0.1, 0.15, 0.2] {
            let (mut accepted, mut agree) = (0, 0);
            for &i in &held {
                let mut d: Vec<(f32, &str)> = centroids.iter().map(|(k, c)| (cosine_distance(&statics[i], c), k.as_str())).collect();
                d.sort_by(|a, b| a.0.total_cmp(&b.0));
                let ok = d.len() > 1 && d[1].0 - d[0].0 >= tau && radius.get(d[0].1).is_some_and(|r| d[0].0 <= *r);
                if ok {
                    accepted += 1;
                    agree += usize::from(reference[i] == d[0].1);
                }
            }
            let n = held.len() as f64;
            let share = accepted as f64 / n;
            let cascade = (agree as f64 + (held.len() - accepted) as f64) / n;
            let cost = share * per_call_us / 1e3 + (1.0 - share) * minilm_ms;
            println!(
                "| {q} | {tau} | {:.1}% | {:.1}% | {:.2}% | {cost:.1} ms |",
                share * 100.0,
                if accepted > 0 { agree as f64 / accepted as f64 * 100.0 } else { f64::NAN },
                cascade * 100.0
            );
        }
    }
    Ok(())
}

//! Publish's part of the fast routing stage (`routing/fast.rs`): fit it on
//! the embedded calls against the table about to be published, and put its
//! files in the registry. The token table is built once per MiniLM (about
//! 45 s on 2 cores) and kept beside the model and in the warehouse under
//! the digest of the model's weights, so later nights reuse it.

use arrow::array::{Array, StringArray};
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::hashing::sha256_hex;
use crate::models::minilm::Embedder;
use crate::models::static_embed::TokenTable;
use crate::routing::fast::{split_key, FastRouter, FitCall, MIN_HELD_BACK};
use crate::routing::registry::Registry;
use crate::routing::table::{FastRouteRef, RoutingTable};
use crate::warehouse::vectors::{self, vectors_of, VectorTable};
use crate::warehouse::Warehouse;

/// Calls the stage is fitted and measured on, at most (a stable sample by call id).
const MAX_CALLS: usize = 20_000;

/// Fits the stage for `table` and uploads it; None (and why, logged) when
/// it would not agree with MiniLM on `min_agreement` of the held-back calls.
pub async fn publish_fast_route(
    wh: &Warehouse,
    registry: &Registry,
    table: &RoutingTable,
    model: &str,
    min_agreement: f64,
    progress: bool,
) -> Result<Option<FastRouteRef>> {
    let calls = embedded_calls(wh).await?;
    // Known before any model work: too few calls to measure the stage.
    let held_back = calls.iter().filter(|c| c.0 % 2 == 1).count();
    if held_back < MIN_HELD_BACK || table.routes.len() < 2 {
        info!(held_back, routes = table.routes.len(), "No fast routing stage: too few calls or routes to fit and measure one.");
        return Ok(None);
    }
    let dir = crate::models::model_dir(model);
    let weights = std::fs::read(dir.join("model.safetensors")).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    let digest = sha256_hex(&weights)[..16].to_string();
    // Two caches: beside the model (every warehouse on this machine), and in the warehouse (other machines).
    let local = dir.join(format!("token_table-{digest}.bin"));
    let root = wh.root();
    let cache_key = root.key(&format!("_cache/token_tables/{digest}.bin"))?;
    let cached = match std::fs::read(&local) {
        Ok(bytes) => Some(bytes),
        Err(_) if root.object_exists(&cache_key).await? => Some(root.get(&cache_key).await?.to_vec()),
        Err(_) => None,
    };
    let (table2, max_tokens) = (table.clone(), table.embedding.max_tokens);
    let fitted = tokio::task::spawn_blocking(move || -> Result<(Option<FastRouter>, Vec<u8>, bool)> {
        let embedder = Embedder::load(&dir, max_tokens, &candle_core::Device::Cpu)?;
        // The cached bytes go on to the registry as they are; a table built here is serialised once.
        let (tokens, bytes, built) = match cached.map(|b| (TokenTable::from_bytes(&b, "cache"), b)) {
            Some((Ok(t), b)) => (t, b, false),
            _ => {
                let bar = crate::progress::count_bar(progress, embedder.vocabulary().len() as u64, "token table");
                let t = TokenTable::build(&embedder, |n| bar.inc(n as u64))?;
                bar.finish_and_clear();
                let b = t.to_bytes();
                (t, b, true)
            }
        };
        let calls = calls
            .into_iter()
            .map(|(key, text, vector)| Ok(FitCall { key, ids: embedder.token_ids(&text)?, vector }))
            .collect::<Result<Vec<_>>>()?;
        Ok((FastRouter::fit(&table2, &calls, &tokens, min_agreement), bytes, built))
    })
    .await
    .map_err(|e| Error::model("fitting the fast routing stage", e))??;
    let (router, bytes, built) = fitted;
    if built {
        let tmp = local.with_extension(format!("tmp{}", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &local)) {
            let _ = std::fs::remove_file(&tmp);
            warn!(path = %local.display(), error = %e, "Could not keep the token table beside the model; the warehouse keeps it.");
        }
        root.put(&cache_key, bytes.clone()).await?;
    }
    let Some(router) = router else {
        info!(min_agreement, "No fast routing stage: too few calls, or none agrees with MiniLM often enough.");
        return Ok(None);
    };
    let m = router.measured;
    info!(held_back = m.held_back, decided = m.decided, agreement = m.agreement, cascade = m.cascade_agreement, margin = router.margin,
          "Fast routing stage fitted.");
    let router_file = registry.put_file("fast", "fast_router.json", serde_json::to_vec(&router).expect("JSON")).await?;
    let token_file = registry.put_file("fast", "token_table.bin", bytes).await?;
    Ok(Some(FastRouteRef { router: router_file, token_table: token_file, measured: m }))
}

/// The embedded calls: a stable key from the call id, task text, MiniLM vector.
async fn embedded_calls(wh: &Warehouse) -> Result<Vec<(u64, String, Vec<f32>)>> {
    let db = vectors::connect(wh).await?;
    let Some(table) = vectors::open(&db, VectorTable::CallEmbeddings).await? else { return Ok(Vec::new()) };
    let mut rows: Vec<(u64, String, Vec<f32>)> = Vec::new();
    for batch in vectors::scan(&table, &["call_id", "text", "vector"], None).await? {
        let column = |name: &str| {
            batch.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>()).cloned().ok_or_else(|| Error::Contract {
                table: "call_embeddings".into(),
                message: format!("`{name}` is not a string column"),
            })
        };
        let (ids, texts) = (column("call_id")?, column("text")?);
        for (row, vector) in vectors_of(&batch, "vector")?.into_iter().enumerate() {
            if ids.is_null(row) || texts.is_null(row) {
                continue;
            }
            rows.push((split_key(ids.value(row)), texts.value(row).to_string(), vector));
        }
    }
    // The same sample on every run, whatever order the scan returned.
    rows.sort_by_key(|r| r.0);
    rows.truncate(MAX_CALLS);
    Ok(rows)
}

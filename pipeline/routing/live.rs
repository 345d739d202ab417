//! The live routing table that `serve` and `gateway` follow: a poller
//! reloads when the registry's `current.json` moves, and before a table
//! goes live every SLM route's adapter is fetched and checked against its
//! sha256; a route whose adapter fails goes to the LLM (and is counted),
//! never to an adapter that is not the one published.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::routing::registry::Registry;
use crate::models::static_embed::TokenTable;
use crate::routing::fast::FastRouter;
use crate::routing::router::{Fast, Router};
use crate::routing::table::{FastRouteRef, RoutingTable};

pub struct LiveTable {
    registry: Registry,
    embedding_dir: PathBuf,
    live: RwLock<Option<(String, Arc<Router>)>>,
    /// The fast stage's token table by sha256: versions made with the same
    /// MiniLM share it, so a reload does not fetch it again.
    tokens: Mutex<Option<(String, Arc<TokenTable>)>>,
    pub reloads: AtomicU64,
    pub rejected_adapters: AtomicU64,
}

impl LiveTable {
    pub fn new(registry: Registry, embedding_dir: PathBuf) -> Self {
        Self { registry, embedding_dir, live: RwLock::new(None), tokens: Mutex::new(None), reloads: AtomicU64::new(0), rejected_adapters: AtomicU64::new(0) }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn current(&self) -> Option<(String, Arc<Router>)> {
        self.live.read().expect("live table lock").clone()
    }

    pub fn version(&self) -> Option<String> {
        self.live.read().expect("live table lock").as_ref().map(|(v, _)| v.clone())
    }

    /// Loads the live table if `current.json` moved. Returns whether it did.
    pub async fn reload(&self) -> Result<bool> {
        let Some(pointer) = self.registry.current().await? else { return Ok(false) };
        if self.version().as_deref() == Some(pointer.version.as_str()) {
            return Ok(false);
        }
        let Some((pointer, mut table)) = self.registry.live().await? else { return Ok(false) };
        self.verify_adapters(&mut table).await;
        let fast = match table.fast_route.clone() {
            Some(f) => match self.fetch_fast(&f).await {
                Ok(fast) => Some(fast),
                Err(e) => {
                    warn!(version = %pointer.version, error = %e, "The fast routing stage failed to load: MiniLM decides every request.");
                    None
                }
            },
            None => None,
        };
        let dir = self.embedding_dir.clone();
        let router = tokio::task::spawn_blocking(move || {
            let router = Router::new(table, &dir)?;
            match fast {
                Some(fast) => router.with_fast(fast),
                None => Ok(router),
            }
        })
        .await
        .map_err(|e| Error::model("loading the router", e))??;
        info!(version = %pointer.version, routes = router.table().routes.len(), fast = router.has_fast(), "Routing table loaded.");
        // Counted before the swap: whoever sees the new version sees its count.
        self.reloads.fetch_add(1, Ordering::Relaxed);
        *self.live.write().expect("live table lock") = Some((pointer.version, Arc::new(router)));
        Ok(true)
    }

    /// The fast stage's files, each checked against its sha256.
    async fn fetch_fast(&self, f: &FastRouteRef) -> Result<Fast> {
        let router: FastRouter = serde_json::from_slice(&self.registry.fetch_file(&f.router).await?)
            .map_err(|e| Error::Contract { table: f.router.path.clone(), message: e.to_string() })?;
        let cached = self.tokens.lock().expect("token table lock").clone().filter(|(sha, _)| *sha == f.token_table.sha256);
        let tokens = match cached {
            Some((_, t)) => t,
            None => {
                let bytes = self.registry.fetch_file(&f.token_table).await?;
                let t = Arc::new(TokenTable::from_bytes(&bytes, &f.token_table.path)?);
                *self.tokens.lock().expect("token table lock") = Some((f.token_table.sha256.clone(), t.clone()));
                t
            }
        };
        Ok(Fast::new(router, tokens))
    }

    async fn verify_adapters(&self, table: &mut RoutingTable) {
        for route in table.routes.iter_mut().filter(|r| r.is_slm()) {
            let adapter = route.adapter.clone().expect("is_slm");
            if let Err(e) = self.registry.fetch_adapter(&adapter).await {
                warn!(route = %route.cluster_id, error = %e, "Adapter failed verification: the route goes to the LLM.");
                route.target = "llm".into();
                route.adapter = None;
                route.reason = format!("adapter failed verification: {e}");
                self.rejected_adapters.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

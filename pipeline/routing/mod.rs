//! What the serving layer reads and how it decides: the routing table's
//! schema (`table`), the registry of adapters and table versions
//! (`registry`), the per-request decision (`router`) and its HTTP service
//! (`serve`), its static first stage (`fast`), and what a route's SLM reads for a request (`input`).

pub mod fast;
pub mod gateway;
pub mod input;
pub mod live;
pub mod registry;
pub mod router;
pub mod serve;
pub mod table;

use std::path::Path;

use crate::error::{Error, Result};
use table::RoutingTable;

/// Reads a routing table from a `routing_table.json` file or from a
/// registry (local folder or URL) through its `current.json`.
pub async fn load_table(spec: &str) -> Result<RoutingTable> {
    let path = Path::new(spec);
    if path.is_file() {
        let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading {spec}"), e))?;
        return serde_json::from_slice(&bytes).map_err(|e| Error::Contract { table: spec.to_string(), message: e.to_string() });
    }
    let registry = registry::Registry::open(spec)?;
    match registry.live().await? {
        Some((_, table)) => Ok(table),
        None => Err(Error::NotFound(format!("{spec}: no routing/current.json (nothing published yet)"))),
    }
}

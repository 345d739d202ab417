//! slm-pipeline: turns the logged LLM traffic of AI agents into small,
//! specialised language models. See `README.md` and `../shared/DESIGN.md`.
//!
//! Module map (the floors, bottom up, are checked by `layers.rs`): `dag` (the
//! engine), `tasks` (the registry of task kinds), `task` (the contract the
//! stages implement), one
//! module per task kind (`ingest`, `anonymize`, `sql`, `embed`, `cluster`,
//! `distill`, `finetune`, `evaluate`, `publish`), `routing` (the routing table, registry,
//! router and its HTTP service), `report` (the run report), `models` (MiniLM and the small LM in candle), `rng`
//! (the seeded generator behind every reproducible draw), `warehouse` (storage, Parquet and Lance table
//! contracts), `demo` (synthetic corpus), `cli` (the binary's commands).

pub mod agreement;
pub mod clock;
pub mod anonymize;
pub mod cli;
pub mod cluster;
pub mod crash;
pub mod dag;
pub mod demo;
pub mod distill;
pub mod embed;
pub mod error;
pub mod evaluate;
pub mod finetune;
pub mod hashing;
pub mod ingest;
pub mod memory;
pub mod models;
pub mod progress;
pub mod publish;
pub mod report;
pub mod rng;
pub mod routing;
pub mod sql;
pub mod task;
pub mod tasks;
pub mod vecmath;
pub mod warehouse;
pub mod xml;
mod yaml;

#[cfg(test)]
mod layers;

pub use error::{Error, Result};

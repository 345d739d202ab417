//! slm-pipeline: turns the logged LLM traffic of AI agents into small,
//! specialised language models. See `README.md` and `../shared/DESIGN.md`.
//!
//! Module map: `dag` (the engine), `tasks` (the registry of task kinds), one
//! module per task kind (`ingest`, `anonymize`, `sql`), `warehouse` (storage
//! and table contracts), `demo` (synthetic corpus), `cli` (the binary's commands).

pub mod anonymize;
pub mod cli;
pub mod dag;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod progress;
pub mod sql;
pub mod tasks;
pub mod warehouse;
mod yaml;

pub use error::{Error, Result};

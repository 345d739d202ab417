//! The parsers of `slm-pipeline` that read hostile input, compiled from their
//! own source files (see Cargo.toml for why this crate does not depend on
//! `slm-pipeline`). The module tree mirrors the main crate's, so that the
//! `crate::` and `super::` paths in those files resolve here too; `error` and
//! `tasks` are small shims standing in for the main crate's modules.

pub mod dag;
pub mod error;
pub mod ingest;
pub mod tasks;

#[path = "../../pipeline/yaml.rs"]
pub mod yaml;

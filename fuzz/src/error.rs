//! Shim for `pipeline/error.rs`: only the variant `dag/spec.rs` uses.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum Error {
    /// A DAG file could not be read or is invalid; every problem is listed.
    InvalidDag { path: PathBuf, problems: Vec<String> },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::InvalidDag { path, problems } => write!(f, "invalid DAG {}: {}", path.display(), problems.join("; ")),
        }
    }
}

impl std::error::Error for Error {}

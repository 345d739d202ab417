//! The contract between the DAG engine and the stages: what a task gets
//! while it runs (`TaskContext`), what it reports (`TaskOutput`), the `Task`
//! trait, and the closed enum of task kinds (`kind.rs`, so the compiler finds
//! a kind that is missing somewhere). The registry that builds each kind's
//! task is `tasks`, above the stages.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::warehouse::Warehouse;

mod kind;
pub use kind::TaskKind;

/// What a task reports back to the runner for the run history.
#[derive(Debug, Clone, Default)]
pub struct TaskOutput {
    pub rows_in: u64,
    pub rows_out: u64,
    /// Task-specific figures (quarantine counts by reason, objects skipped...).
    pub details: Value,
}

/// Everything a task may use while it runs.
#[derive(Clone)]
pub struct TaskContext {
    pub run_id: String,
    pub dag: String,
    pub task_id: String,
    pub logical_date: NaiveDate,
    pub warehouse: Warehouse,
    /// The tasks this one needs, with their kinds.
    pub upstream: Vec<(String, TaskKind)>,
    /// Folders that relative file paths in `with` blocks are looked up in.
    pub base_dirs: Vec<PathBuf>,
    /// Draw progress bars (a terminal is attached).
    pub progress: bool,
    /// The runner's clock: time budgets are tested without sleeping.
    pub clock: Arc<dyn crate::clock::Clock>,
}

impl TaskContext {
    /// Finds a file named in a `with` block: as given, then below each base folder.
    pub fn resolve_file(&self, path: &str) -> Result<PathBuf> {
        let given = Path::new(path);
        if given.is_absolute() {
            return if given.is_file() {
                Ok(given.to_path_buf())
            } else {
                Err(Error::task_config(&self.task_id, format!("file `{path}` not found")))
            };
        }
        let tried: Vec<PathBuf> = self.base_dirs.iter().map(|d| d.join(given)).collect();
        tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
            let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            Error::task_config(&self.task_id, format!("file `{path}` not found (looked in: {})", list.join(", ")))
        })
    }

    /// The upstream tasks of one kind.
    pub fn upstream_of(&self, kind: TaskKind) -> Vec<&str> {
        self.upstream.iter().filter(|(_, k)| *k == kind).map(|(id, _)| id.as_str()).collect()
    }
}

#[async_trait]
pub trait Task: Send + Sync {
    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput>;
}

//! The task kinds, registered in one closed enum so the compiler finds a
//! kind that is missing somewhere. A kind has a serde config (its `with`
//! block, `deny_unknown_fields`) and a runtime `Task` built from it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::warehouse::Warehouse;

mod kind;
pub use kind::TaskKind;

impl TaskKind {
    /// Checks a `with` block as written (before templates are rendered).
    pub fn check_config(self, with: &Value) -> std::result::Result<(), String> {
        match self {
            TaskKind::Ingest => parse_config::<crate::ingest::IngestConfig>(with).map(drop),
            TaskKind::Anonymize => parse_config::<crate::anonymize::AnonymizeConfig>(with).map(drop),
            TaskKind::Sql => parse_config::<crate::sql::SqlTaskConfig>(with).map(drop),
            // Templates (`{{ ds }}`) are not rendered yet: only serde's checks here.
            TaskKind::Embed => parse_config::<crate::embed::EmbedConfig>(with).and_then(|c| c.check()),
            TaskKind::Cluster => parse_config::<crate::cluster::ClusterConfig>(with).and_then(|c| c.check()),
            TaskKind::Distill => parse_config::<crate::distill::DistillConfig>(with).and_then(|c| c.check()),
            TaskKind::Finetune => parse_config::<crate::finetune::FinetuneConfig>(with).and_then(|c| c.check()),
            TaskKind::Evaluate => parse_config::<crate::evaluate::EvaluateConfig>(with).and_then(|c| c.check()),
            TaskKind::Publish => parse_config::<crate::publish::PublishConfig>(with).and_then(|c| c.check()),
        }
    }

    /// Builds the runtime task from a rendered `with` block.
    pub fn build(self, task_id: &str, with: &Value) -> Result<Arc<dyn Task>> {
        let config = |e: String| Error::task_config(task_id, e);
        Ok(match self {
            TaskKind::Ingest => Arc::new(crate::ingest::IngestTask::new(parse_config(with).map_err(config)?)?),
            TaskKind::Anonymize => Arc::new(crate::anonymize::AnonymizeTask::new(parse_config(with).map_err(config)?)),
            TaskKind::Sql => Arc::new(crate::sql::SqlTask::new(parse_config(with).map_err(config)?)),
            TaskKind::Embed => {
                Arc::new(crate::embed::EmbedTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
            TaskKind::Cluster => {
                Arc::new(crate::cluster::ClusterTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
            TaskKind::Distill => {
                Arc::new(crate::distill::DistillTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
            TaskKind::Finetune => {
                Arc::new(crate::finetune::FinetuneTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
            TaskKind::Evaluate => {
                Arc::new(crate::evaluate::EvaluateTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
            TaskKind::Publish => {
                Arc::new(crate::publish::PublishTask::new(parse_config(with).map_err(config)?).map_err(config)?)
            }
        })
    }
}

fn parse_config<T: DeserializeOwned>(with: &Value) -> std::result::Result<T, String> {
    let with = if with.is_null() { Value::Object(Default::default()) } else { with.clone() };
    serde_json::from_value(with).map_err(|e| e.to_string())
}

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
    pub clock: Arc<dyn crate::dag::clock::Clock>,
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

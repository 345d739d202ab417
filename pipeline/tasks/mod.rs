//! The registry: every task kind's config and runtime task, in one place
//! that imports the stages (the stages themselves import only the contract
//! in `task`). A kind has a serde config (its `with` block,
//! `deny_unknown_fields`) and a runtime `Task` built from it.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
pub use crate::task::{Task, TaskContext, TaskKind, TaskOutput};

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

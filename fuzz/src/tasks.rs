//! Shim for `pipeline/tasks.rs`: the task kinds by name. The real
//! `check_config` deserializes each kind's config struct, which lives in the
//! heavy modules; here every `with` block is accepted, so the fuzzer reaches
//! the rest of `Dag::parse` (ids, needs, policies, cron, cycles).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    Ingest,
    Anonymize,
    Sql,
    Embed,
    Cluster,
    Distill,
    Finetune,
    Evaluate,
    Publish,
}

impl TaskKind {
    pub const ALL: [TaskKind; 9] = [
        TaskKind::Ingest,
        TaskKind::Anonymize,
        TaskKind::Sql,
        TaskKind::Embed,
        TaskKind::Cluster,
        TaskKind::Distill,
        TaskKind::Finetune,
        TaskKind::Evaluate,
        TaskKind::Publish,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Ingest => "ingest",
            TaskKind::Anonymize => "anonymize",
            TaskKind::Sql => "sql",
            TaskKind::Embed => "embed",
            TaskKind::Cluster => "cluster",
            TaskKind::Distill => "distill",
            TaskKind::Finetune => "finetune",
            TaskKind::Evaluate => "evaluate",
            TaskKind::Publish => "publish",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn check_config(self, _with: &Value) -> std::result::Result<(), String> {
        Ok(())
    }
}

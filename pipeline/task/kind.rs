//! The task kinds by name: no dependency beyond `std`, so the fuzz crate
//! (`fuzz/src/tasks.rs`) compiles this file as it is. What each kind runs
//! is in `tasks/mod.rs`.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// Log objects → raw staging batches and quarantine records.
    Ingest,
    /// Staging → `calls` (PII replaced by pseudonyms) and `quarantine`.
    Anonymize,
    /// A SQL query over the warehouse, materialized as a derived table.
    Sql,
    /// `calls` → task-text vectors in the Lance table `call_embeddings`.
    Embed,
    /// `call_embeddings` → the Lance tables `clusters` and `cluster_assignments`.
    Cluster,
    /// `calls` + `cluster_assignments` → per-cluster fine-tuning datasets.
    Distill,
    /// `datasets` → one LoRA adapter per cluster (PEFT format) and `adapters`.
    Finetune,
    /// Adapters + eval splits → `evaluations` (adapter and base model against the LLM).
    Evaluate,
    /// `evaluations` + adapters → the registry: adapters and `routing_table.json`.
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

    /// Whether the kind leaves raw, unredacted staging batches for a later
    /// task. The runner deletes them when the run fails, and re-runs such a
    /// task on resume if a task that needs it has not finished.
    pub fn writes_raw_staging(self) -> bool {
        matches!(self, TaskKind::Ingest)
    }
}

//! DAG files: YAML in, a validated `Dag` out. Validation looks at the whole
//! file and reports every problem at once (unknown keys and kinds, bad `with`
//! blocks, unknown `needs`, cycles named by their chain, invalid cron).
//!
//! ```yaml
//! name: nightly
//! schedule: "0 3 * * *"           # cron: 5 fields (minute first) or 6-7 with seconds
//! catchup: false
//! defaults: {retries: 2, retry_backoff_secs: 30, timeout_secs: 3600}
//! tasks:
//!   - id: ingest
//!     kind: ingest
//!     with: {source: "s3://agent-logs/{{ ds }}/"}
//!   - id: anonymize
//!     kind: anonymize
//!     needs: [ingest]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};

use super::template;
use crate::error::{Error, Result};
use crate::tasks::TaskKind;

const TOP_KEYS: [&str; 6] = ["name", "description", "schedule", "catchup", "defaults", "tasks"];
const POLICY_KEYS: [&str; 3] = ["retries", "retry_backoff_secs", "timeout_secs"];
const TASK_KEYS: [&str; 7] = ["id", "kind", "needs", "with", "retries", "retry_backoff_secs", "timeout_secs"];

/// Retries and timeout of a task; DAG `defaults`, overridable per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retries after the first attempt, for transient errors only. Default 2.
    pub retries: u32,
    /// Wait before the first retry; doubles at each further one. Default 30 s.
    pub retry_backoff_secs: u64,
    /// Longest one attempt may take. Default 3600 s.
    pub timeout_secs: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self { retries: 2, retry_backoff_secs: 30, timeout_secs: 3600 }
    }
}

impl Policy {
    pub fn backoff(&self, retry: u32) -> Duration {
        Duration::from_secs(self.retry_backoff_secs.saturating_mul(1u64 << retry.saturating_sub(1).min(16)))
    }
}

#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub id: String,
    pub kind: TaskKind,
    pub needs: Vec<String>,
    /// The `with` block as written (templates not yet rendered).
    pub with: Value,
    pub policy: Policy,
}

#[derive(Debug, Clone)]
pub struct Dag {
    pub name: String,
    pub path: PathBuf,
    pub description: Option<String>,
    pub schedule: Option<cron::Schedule>,
    pub schedule_text: Option<String>,
    pub catchup: bool,
    /// In dependency order: every task comes after the tasks it needs.
    pub tasks: Vec<TaskSpec>,
}

impl Dag {
    pub fn load(path: &Path) -> Result<Dag> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidDag {
            path: path.to_path_buf(),
            problems: vec![format!("cannot read the file: {e}")],
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Dag> {
        let invalid = |problems| Error::InvalidDag { path: path.to_path_buf(), problems };
        let value = crate::yaml::to_json_value(text).map_err(|e| invalid(vec![e]))?;
        let mut problems = Vec::new();
        let dag = build(value, path, &mut problems);
        match dag {
            Some(dag) if problems.is_empty() => Ok(dag),
            _ => Err(invalid(problems)),
        }
    }

    pub fn task(&self, id: &str) -> Option<&TaskSpec> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The folder that relative paths in `with` blocks (SQL files) are
    /// resolved against after the working directory: the project root when
    /// the DAG lives in `dags/`.
    pub fn base_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from(".")];
        if let Some(parent) = self.path.parent() {
            if let Some(grand) = parent.parent() {
                dirs.push(grand.to_path_buf());
            }
            dirs.push(parent.to_path_buf());
        }
        dirs
    }
}

fn unknown_keys(map: &Map<String, Value>, known: &[&str], at: &str, problems: &mut Vec<String>) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            problems.push(format!("{at}: unknown key `{key}` (expected one of: {})", known.join(", ")));
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Parses a cron expression. Five fields (minute hour day month weekday) as
/// in crontab get a leading `0` seconds field for the `cron` crate.
pub fn parse_cron(text: &str) -> std::result::Result<cron::Schedule, String> {
    let fields = text.split_whitespace().count();
    let full = if fields == 5 { format!("0 {text}") } else { text.to_string() };
    cron::Schedule::from_str(&full).map_err(|e| format!("invalid cron expression `{text}`: {e}"))
}

fn policy(map: &Map<String, Value>, base: Policy, at: &str, problems: &mut Vec<String>) -> Policy {
    let mut p = base;
    for key in POLICY_KEYS {
        let Some(v) = map.get(key) else { continue };
        match v.as_u64() {
            Some(n) => match key {
                "retries" if n <= 100 => p.retries = n as u32,
                "retry_backoff_secs" => p.retry_backoff_secs = n,
                "timeout_secs" if n > 0 => p.timeout_secs = n,
                _ => problems.push(format!("{at}.{key}: {n} is out of range")),
            },
            None => problems.push(format!("{at}.{key}: expected a non-negative integer")),
        }
    }
    p
}

fn build(value: Value, path: &Path, problems: &mut Vec<String>) -> Option<Dag> {
    let Value::Object(top) = value else {
        problems.push("the file must be a mapping with `name` and `tasks`".into());
        return None;
    };
    unknown_keys(&top, &TOP_KEYS, "top level", problems);

    let name = match top.get("name") {
        Some(Value::String(n)) if valid_id(n) => n.clone(),
        Some(Value::String(n)) => {
            problems.push(format!("name `{n}`: use lower-case letters, digits, `_` and `-`"));
            n.clone()
        }
        Some(_) => {
            problems.push("name: expected a string".into());
            String::new()
        }
        None => {
            problems.push("missing `name`".into());
            String::new()
        }
    };
    let description = top.get("description").and_then(Value::as_str).map(str::to_string);

    let (schedule, schedule_text) = match top.get("schedule") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(s)) => match parse_cron(s) {
            Ok(schedule) => (Some(schedule), Some(s.clone())),
            Err(e) => {
                problems.push(format!("schedule: {e}"));
                (None, None)
            }
        },
        Some(_) => {
            problems.push("schedule: expected a cron expression string".into());
            (None, None)
        }
    };
    let catchup = match top.get("catchup") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            problems.push("catchup: expected true or false".into());
            false
        }
    };

    let defaults = match top.get("defaults") {
        None => Policy::default(),
        Some(Value::Object(map)) => {
            unknown_keys(map, &POLICY_KEYS, "defaults", problems);
            policy(map, Policy::default(), "defaults", problems)
        }
        Some(_) => {
            problems.push("defaults: expected a mapping".into());
            Policy::default()
        }
    };

    let raw_tasks = match top.get("tasks") {
        Some(Value::Array(tasks)) if !tasks.is_empty() => tasks.clone(),
        Some(Value::Array(_)) => {
            problems.push("tasks: the DAG has no tasks".into());
            Vec::new()
        }
        Some(_) => {
            problems.push("tasks: expected a list of tasks".into());
            Vec::new()
        }
        None => {
            problems.push("missing `tasks`".into());
            Vec::new()
        }
    };

    let mut tasks = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in raw_tasks.iter().enumerate() {
        let Value::Object(map) = raw else {
            problems.push(format!("tasks[{i}]: expected a mapping"));
            continue;
        };
        let id = match map.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                problems.push(format!("tasks[{i}]: missing `id`"));
                format!("#{i}")
            }
        };
        let at = format!("task `{id}`");
        unknown_keys(map, &TASK_KEYS, &at, problems);
        if !id.starts_with('#') && !valid_id(&id) {
            problems.push(format!("{at}: use lower-case letters, digits, `_` and `-` in ids"));
        }
        if !seen.insert(id.clone()) {
            problems.push(format!("{at}: duplicate task id"));
        }
        let with = map.get("with").cloned().unwrap_or(Value::Object(Map::new()));
        template::check(&with, &format!("{at}.with"), problems);
        let kind = match map.get("kind").and_then(Value::as_str) {
            None => {
                problems.push(format!("{at}: missing `kind`"));
                None
            }
            Some(k) => match TaskKind::parse(k) {
                Some(kind) => {
                    if let Err(e) = kind.check_config(&with) {
                        problems.push(format!("{at}.with: {e}"));
                    }
                    Some(kind)
                }
                None => {
                    let known: Vec<&str> = TaskKind::ALL.iter().map(|k| k.name()).collect();
                    problems.push(format!("{at}: unknown task kind `{k}` (known: {})", known.join(", ")));
                    None
                }
            },
        };
        let needs = match map.get("needs") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|n| match n.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        problems.push(format!("{at}.needs: expected task ids (strings)"));
                        None
                    }
                })
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(_) => {
                problems.push(format!("{at}.needs: expected a list of task ids"));
                Vec::new()
            }
        };
        let policy = policy(map, defaults, &at, problems);
        if let Some(kind) = kind {
            tasks.push(TaskSpec { id, kind, needs, with, policy });
        }
    }

    // References and cycles.
    let ids: BTreeSet<&str> = raw_tasks
        .iter()
        .filter_map(|t| t.get("id").and_then(Value::as_str))
        .collect();
    for task in &tasks {
        for need in &task.needs {
            if need == &task.id {
                problems.push(format!("task `{}` needs itself", task.id));
            } else if !ids.contains(need.as_str()) {
                problems.push(format!("task `{}` needs unknown task `{need}`", task.id));
            }
        }
    }
    let order = match topological_order(&tasks) {
        Ok(order) => order,
        Err(chain) => {
            problems.push(format!("cycle: {}", chain.join(" -> ")));
            return None;
        }
    };
    let mut by_id: BTreeMap<String, TaskSpec> = tasks.into_iter().map(|t| (t.id.clone(), t)).collect();
    let tasks = order.into_iter().filter_map(|id| by_id.remove(&id)).collect();
    Some(Dag { name, path: path.to_path_buf(), description, schedule, schedule_text, catchup, tasks })
}

/// Kahn's algorithm in file order; on a cycle, the chain of one cycle
/// (`a -> b -> a`) found by walking `needs` from a task left over.
fn topological_order(tasks: &[TaskSpec]) -> std::result::Result<Vec<String>, Vec<String>> {
    let known: BTreeSet<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    loop {
        let ready: Vec<&TaskSpec> = tasks
            .iter()
            .filter(|t| !done.contains(t.id.as_str()))
            .filter(|t| t.needs.iter().all(|n| done.contains(n.as_str()) || !known.contains(n.as_str()) || n == &t.id))
            .collect();
        if ready.is_empty() {
            break;
        }
        for t in ready {
            done.insert(&t.id);
            order.push(t.id.clone());
        }
    }
    // Done by id, not by count: a duplicate id (reported by `build`) is done
    // with its twin, and `order` holds it once.
    if tasks.iter().all(|t| done.contains(t.id.as_str())) {
        return Ok(order);
    }
    // Walk from any unfinished task along unfinished needs until a task repeats.
    let left: BTreeMap<&str, &TaskSpec> =
        tasks.iter().filter(|t| !done.contains(t.id.as_str())).map(|t| (t.id.as_str(), t)).collect();
    let mut chain: Vec<&str> = vec![left.keys().next().expect("a task is left")];
    loop {
        let current = left[chain.last().expect("non-empty")];
        let next = current
            .needs
            .iter()
            .map(String::as_str)
            .find(|n| left.contains_key(n) && *n != current.id)
            .expect("a task left over needs another task left over");
        if let Some(start) = chain.iter().position(|c| *c == next) {
            // Print the cycle in the direction work flows: needed task first.
            let mut cycle: Vec<String> = chain[start..].iter().rev().map(|s| s.to_string()).collect();
            cycle.push(cycle[0].clone());
            return Err(cycle);
        }
        chain.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        match Dag::parse(yaml, Path::new("test.yaml")) {
            Ok(_) => Vec::new(),
            Err(Error::InvalidDag { problems, .. }) => problems,
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn a_valid_dag_is_ordered_by_dependencies() {
        let dag = Dag::parse(
            "name: t\nschedule: '0 3 * * *'\ntasks:\n  - {id: b, kind: anonymize, needs: [a]}\n  - {id: a, kind: ingest, with: {source: 'logs/{{ ds }}/'}}\n",
            Path::new("t.yaml"),
        )
        .unwrap();
        let ids: Vec<&str> = dag.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(dag.schedule.is_some());
        assert_eq!(dag.tasks[0].policy, Policy::default());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let p = problems(
            "name: t\nschedul: x\nschedule: 'not cron'\ndefaults: {retries: -1, colour: red}\ntasks:\n  - {id: a, kind: ingest, with: {source: x, sauce: y}}\n  - {id: b, kind: teleport}\n  - {id: c, kind: anonymize, needs: [zz], extra: 1}\n  - {id: a, kind: anonymize, with: {sql: '{{ tomorrow }}'}}\n",
        );
        let all = p.join("\n");
        for expected in ["`schedul`", "invalid cron", "`colour`", "retries", "sauce", "teleport", "unknown task `zz`", "`extra`", "duplicate", "tomorrow"] {
            assert!(all.contains(expected), "missing {expected} in:\n{all}");
        }
    }

    #[test]
    fn cycles_are_named_by_their_chain() {
        let p = problems(
            "name: t\ntasks:\n  - {id: a, kind: anonymize, needs: [c]}\n  - {id: b, kind: anonymize, needs: [a]}\n  - {id: c, kind: anonymize, needs: [b]}\n  - {id: d, kind: ingest, with: {source: x}}\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("cycle: "), "{p:?}");
        for id in ["a", "b", "c"] {
            assert!(p[0].contains(id));
        }
        assert!(!p[0].contains('d'), "{p:?}");
        let chain: Vec<&str> = p[0]["cycle: ".len()..].split(" -> ").collect();
        assert_eq!(chain.len(), 4);
        assert_eq!(chain.first(), chain.last());
    }

    #[test]
    fn a_duplicate_id_ready_in_a_later_round_is_a_problem_not_a_panic() {
        // Found by `fuzz/fuzz_targets/dag.rs`: the second `a` is done (by id)
        // in the first round, the first `a` is left over, and the cycle walk
        // found no task left and panicked.
        let p = problems("name: t\ntasks:\n  - {id: a, kind: anonymize, needs: [b]}\n  - {id: b, kind: anonymize}\n  - {id: a, kind: anonymize}\n");
        assert_eq!(p, ["task `a`: duplicate task id"], "{p:?}");
    }

    #[test]
    fn cron_accepts_five_and_six_fields() {
        assert!(parse_cron("0 3 * * *").is_ok());
        assert!(parse_cron("0 0 3 * * *").is_ok());
        assert!(parse_cron("61 3 * * *").is_err());
    }

    #[test]
    fn backoff_doubles() {
        let p = Policy { retries: 3, retry_backoff_secs: 5, timeout_secs: 10 };
        assert_eq!(p.backoff(1), Duration::from_secs(5));
        assert_eq!(p.backoff(3), Duration::from_secs(20));
    }
}

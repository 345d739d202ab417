//! DAG files (`pipeline/yaml.rs`, `pipeline/dag/spec.rs`,
//! `pipeline/dag/template.rs`): any UTF-8 text must give a `Dag` or a list of
//! problems, never a panic; a valid `Dag` is in dependency order and its
//! `with` blocks render.
#![no_main]

use std::collections::BTreeSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use slm_fuzz::dag::{template, Dag};
use slm_fuzz::error::Error;
use slm_fuzz::yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let vars = template::Vars::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), "fuzz-run", "fuzz");

    // The YAML layer and the templates on any value it gives.
    if let Ok(value) = yaml::to_json_value(text) {
        let mut problems = Vec::new();
        template::check(&value, "with", &mut problems);
        let rendered = template::render(&value, &vars);
        if problems.is_empty() {
            // `${NAME}` may be unset here; `{{ var }}` must render.
            if let Err(e) = &rendered {
                assert!(e.starts_with("environment variable"), "checked value failed to render: {e}");
            }
        }
    }

    // The whole DAG parser.
    match Dag::parse(text, Path::new("fuzz.yaml")) {
        Ok(dag) => {
            let mut done = BTreeSet::new();
            for task in &dag.tasks {
                for need in &task.needs {
                    assert!(done.contains(need.as_str()), "task `{}` comes before `{need}`", task.id);
                }
                done.insert(task.id.as_str());
                let _ = template::render(&task.with, &vars);
                let _ = task.policy.backoff(task.policy.retries);
            }
            if let Some(schedule) = &dag.schedule {
                let _ = schedule.upcoming(chrono::Utc).take(3).count();
            }
        }
        Err(Error::InvalidDag { problems, .. }) => assert!(!problems.is_empty(), "an invalid DAG with no problem"),
    }
});

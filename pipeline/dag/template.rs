//! Substitution in `with` values: `{{ ds }}` (the logical date), `{{ ds_nodash }}`,
//! `{{ run_id }}`, `{{ dag }}`, and `${ENV_VAR}` from the environment.
//! Nothing is evaluated: a value is text with holes, never a command.

use std::collections::BTreeMap;

use serde_json::Value;

pub const VARIABLES: [&str; 4] = ["ds", "ds_nodash", "run_id", "dag"];

/// The template variables of one run.
#[derive(Debug, Clone, Default)]
pub struct Vars(pub BTreeMap<&'static str, String>);

impl Vars {
    pub fn new(ds: chrono::NaiveDate, run_id: &str, dag: &str) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("ds", ds.format("%Y-%m-%d").to_string());
        vars.insert("ds_nodash", ds.format("%Y%m%d").to_string());
        vars.insert("run_id", run_id.to_string());
        vars.insert("dag", dag.to_string());
        Self(vars)
    }
}

/// A piece of a templated string.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
    Env(&'a str),
}

fn pieces(s: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let next_var = rest.find("{{");
        let next_env = rest.find("${");
        let (at, is_var) = match (next_var, next_env) {
            (None, None) => {
                out.push(Piece::Text(rest));
                break;
            }
            (Some(v), Some(e)) if e < v => (e, false),
            (Some(v), _) => (v, true),
            (None, Some(e)) => (e, false),
        };
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        let (close, open_len, close_len) = if is_var { ("}}", 2, 2) } else { ("}", 2, 1) };
        let body_start = at + open_len;
        let end = rest[body_start..].find(close).ok_or_else(|| format!("unclosed `{}` in `{s}`", &rest[at..body_start]))?;
        let name = rest[body_start..body_start + end].trim();
        if name.is_empty() {
            return Err(format!("empty `{{{{ }}}}` or `${{}}` in `{s}`"));
        }
        out.push(if is_var { Piece::Var(name) } else { Piece::Env(name) });
        rest = &rest[body_start + end + close_len..];
    }
    Ok(out)
}

/// Problems found without rendering: unknown variables, bad syntax.
pub fn check(value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::String(s) => match pieces(s) {
            Err(e) => problems.push(format!("{path}: {e}")),
            Ok(pieces) => {
                for piece in pieces {
                    match piece {
                        Piece::Var(name) if !VARIABLES.contains(&name) => problems.push(format!(
                            "{path}: unknown template variable `{{{{ {name} }}}}` (known: {})",
                            VARIABLES.join(", ")
                        )),
                        Piece::Env(name) if !valid_env_name(name) => {
                            problems.push(format!("{path}: `${{{name}}}` is not an environment variable name"))
                        }
                        _ => {}
                    }
                }
            }
        },
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check(item, &format!("{path}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                check(item, &format!("{path}.{key}"), problems);
            }
        }
        _ => {}
    }
}

fn valid_env_name(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Renders every string in `value`. A missing environment variable is an
/// error naming it (its value, when set, is never part of a message).
pub fn render(value: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => {
            let mut out = String::with_capacity(s.len());
            for piece in pieces(s)? {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Var(name) => out.push_str(
                        vars.0.get(name).ok_or_else(|| format!("unknown template variable `{{{{ {name} }}}}`"))?,
                    ),
                    Piece::Env(name) => out.push_str(
                        &std::env::var(name).map_err(|_| format!("environment variable `{name}` is not set"))?,
                    ),
                }
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| render(v, vars)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| Ok((k.clone(), render(v, vars)?))).collect::<Result<_, String>>()?)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_dates_and_environment() {
        std::env::set_var("SLM_TEMPLATE_TEST_BUCKET", "logs");
        let vars = Vars::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), "r1", "demo");
        let value = json!({"source": "s3://${SLM_TEMPLATE_TEST_BUCKET}/{{ ds }}/x-{{ds_nodash}}", "n": 3});
        let out = render(&value, &vars).unwrap();
        assert_eq!(out, json!({"source": "s3://logs/2026-11-20/x-20261120", "n": 3}));
    }

    #[test]
    fn reports_unknown_and_missing() {
        let mut problems = Vec::new();
        check(&json!({"a": "{{ tomorrow }}", "b": ["{{ ds"], "c": "${1BAD}"}), "with", &mut problems);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("tomorrow"));
        let vars = Vars::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), "r1", "demo");
        let err = render(&json!("${SLM_SURELY_NOT_SET_VARIABLE}"), &vars).unwrap_err();
        assert!(err.contains("SLM_SURELY_NOT_SET_VARIABLE"));
    }
}

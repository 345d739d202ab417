//! The house's floors (issue 18), checked over the source: every top-level
//! module sits on one layer and names only modules of its own layer or the
//! layers below it, and a stage never names another stage. A new `crate::`
//! path that breaks a floor fails the test command with the file and line.

use std::path::Path;

/// Bottom to top. Within a layer modules may use each other, except stages.
const LAYERS: &[(&str, &[&str])] = &[
    ("leaves", &["error", "rng", "crash", "progress", "hashing", "vecmath", "xml", "yaml", "memory", "agreement", "clock"]),
    ("warehouse", &["warehouse"]),
    ("models", &["models"]),
    ("libraries", &["task", "routing", "report", "demo"]),
    ("stages", &["ingest", "anonymize", "sql", "embed", "cluster", "distill", "finetune", "evaluate", "publish"]),
    ("registry", &["tasks"]),
    ("engine", &["dag"]),
    ("cli", &["cli", "main", "lib", "layers"]),
];
const STAGES: usize = 4;

/// Items the crate root re-exports (`crate::Error`), with the module they come from.
const ROOT_ITEMS: &[(&str, &str)] = &[("Error", "error"), ("Result", "error")];

fn layer_of(module: &str) -> Option<usize> {
    let module = ROOT_ITEMS.iter().find(|(item, _)| *item == module).map_or(module, |(_, from)| from);
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The top-level modules that `code` names through `crate::` paths, with
/// their line numbers; comments are left out (they may name anything).
fn named_modules(code: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // `crate::{error::Error, warehouse::Table}`: the first word of each item.
                let mut depth = 0;
                let mut item_start = true;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if item_start && !c.is_whitespace() => {
                            out.push((n + 1, ident(&group[i..])));
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                out.push((n + 1, ident(after)));
            }
            rest = after;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn layers_import_only_downward_and_stages_never_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut broken = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&root).expect("below the root");
        let first = rel.components().next().expect("a path").as_os_str().to_string_lossy().to_string();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = layer_of(&module) else {
            broken.push(format!("{}: module `{module}` is on no layer (add it to LAYERS in pipeline/layers.rs)", rel.display()));
            continue;
        };
        let code = std::fs::read_to_string(file).expect("readable source");
        for (line, named) in named_modules(&code) {
            if named == module || named.is_empty() {
                continue;
            }
            let Some(other) = layer_of(&named) else {
                broken.push(format!("{}:{line}: names `{named}`, a module on no layer", rel.display()));
                continue;
            };
            if other > own || (own == STAGES && other == STAGES) {
                broken.push(format!(
                    "{}:{line}: `{module}` ({}) names `{named}` ({})",
                    rel.display(),
                    LAYERS[own].0,
                    LAYERS[other].0
                ));
            }
        }
    }
    assert!(broken.is_empty(), "imports that break the layers:\n{}", broken.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_nested_paths_but_not_comments() {
    let code = "use crate::{error::{Error, Result}, warehouse::Table};\n// crate::publish in prose\nlet x = crate::routing::table::RoutingTable::default(); crate::rng::seed();";
    let names: Vec<String> = named_modules(code).into_iter().map(|(_, m)| m).collect();
    assert_eq!(names, ["error", "warehouse", "routing", "rng"]);
}

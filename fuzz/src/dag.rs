//! `pipeline/dag/`: the DAG file parser and its templates.

#[path = "../../pipeline/dag/spec.rs"]
pub mod spec;
#[path = "../../pipeline/dag/template.rs"]
pub mod template;

pub use spec::Dag;

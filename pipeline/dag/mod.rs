//! The DAG engine: YAML specs (`spec`), template substitution (`template`),
//! injected time (`clock`) and execution with retries, timeouts, run history
//! and resume (`runner`).

pub mod cache;
pub mod lock;
pub mod runner;
pub mod scheduler;
pub mod spec;
pub mod template;

pub use cache::Force;
pub use crate::clock::{Clock, SystemClock, TestClock};
pub use runner::{RunSummary, Runner};
pub use scheduler::Scheduler;
pub use spec::{Dag, Policy, TaskSpec};

//! The integration tests in one test binary, so that DataFusion, Lance and
//! candle are linked once (issue 18). `crash.rs` and `s3.rs` stay binaries of
//! their own: they set process-wide variables (crash points, AWS settings).
//! Run one file's tests with a filter: `cargo test --test it pipeline::`.

mod common;

mod cli;
mod discovery;
mod finetune;
mod pipeline;
mod publish;
mod smollm;

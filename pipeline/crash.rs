//! Crash testing: named points where a test can stop the process as
//! `kill -9` would (no clean-up, no destructors, nothing flushed).
//! `SLM_KILL_AT=publish:table` aborts at that point; several names may be
//! given, comma-separated. Unset (always, in production), a point costs one
//! environment lookup.

pub fn kill_point(name: &str) {
    let Ok(points) = std::env::var("SLM_KILL_AT") else { return };
    if points.split(',').any(|p| p.trim() == name) {
        eprintln!("SLM_KILL_AT={points}: aborting at `{name}`");
        std::process::abort();
    }
}

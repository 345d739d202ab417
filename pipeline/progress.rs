//! Progress bars for long work, drawn only when a terminal is attached
//! (hidden bars cost nothing, so tasks update them unconditionally).

use indicatif::{ProgressBar, ProgressStyle};

pub fn bytes_bar(enabled: bool, total: u64, label: &str) -> ProgressBar {
    sized_bar(enabled, total, label, "{bytes}/{total_bytes} {bytes_per_sec}")
}

pub fn rows_bar(enabled: bool, label: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} {spinner} {human_pos} rows {per_sec}").expect("valid template"),
    );
    bar.set_prefix(label.to_string());
    bar
}

/// A bar over a known number of items (calls to embed, ...).
pub fn count_bar(enabled: bool, total: u64, label: &str) -> ProgressBar {
    sized_bar(enabled, total, label, "{human_pos}/{human_len} {per_sec}")
}

/// Training steps, with the caller's message (loss, tokens/s).
pub fn steps_bar(enabled: bool, total: u64, label: &str) -> ProgressBar {
    sized_bar(enabled, total, label, "step {pos}/{len} {msg}")
}

/// A bar of known length; `counts` is the template of its figures.
fn sized_bar(enabled: bool, total: u64, label: &str, counts: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!("{{prefix:>10}} [{{bar:30}}] {counts} eta {{eta}}"))
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}

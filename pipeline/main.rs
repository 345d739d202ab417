//! Thin entry point: parse arguments, run, map the error to an exit code.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Our own progress at `info`; lance reports every read and commit at
/// `info`, which drowns it: its crates log warnings only unless `SLM_LOG` says otherwise.
const DEFAULT_LOG: &str = "info,lance=warn,lancedb=warn,lance_core=warn,lance_io=warn,lance_index=warn,\
                           lance_file=warn,lance_table=warn,lance_encoding=warn,lance_datafusion=warn";

/// A panic inside the PII detectors is caught (the value is replaced whole),
/// but the default hook would first print its message, and a string-slicing
/// panic quotes the text it was slicing: raw PII on stderr. Those panics are
/// reported by location only.
fn withhold_pii_panic_messages() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        match info.location() {
            Some(at) if at.file().contains("crates/pii") || at.file().contains("slm-pii") => {
                eprintln!("a PII detector panicked at {at} (message withheld: it may quote the text; the value was replaced whole)");
            }
            _ => default(info),
        }
    }));
}

fn main() {
    // Before anything else: glibc reads its tunables at start-up only.
    slm_pipeline::memory::reexec_with_huge_pages();
    withhold_pii_panic_messages();
    let cli = slm_pipeline::cli::Cli::parse();
    slm_pipeline::models::match_candle_threads_to_cpus();
    // A command whose output is piped into `head` ends quietly when the pipe
    // closes, as Unix tools do; Rust ignores SIGPIPE, so `println!` would panic.
    // The HTTP service keeps ignoring it (a client that hangs up is routine).
    if !matches!(cli.command, slm_pipeline::cli::Command::Serve { .. } | slm_pipeline::cli::Command::Gateway { .. }) {
        // SAFETY: at start-up, before any thread exists; SIG_DFL is a valid handler.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("SLM_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    tracing::debug!(huge_pages = slm_pipeline::memory::huge_pages(), "heap");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(slm_pipeline::cli::run(cli));
    slm_pipeline::crash::report();
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            // Every variant's message already carries its cause.
            eprintln!("error: {e}");
            slm_pipeline::cli::exit_code(&e)
        }
    };
    std::process::exit(code);
}

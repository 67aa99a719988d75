//! Logging for the daemons: the console at `log_level`, the log file at
//! `log_level_logfile` (Salt's two settings), with Salt's level names.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Salt's level names to tracing's.
fn level(name: &str) -> LevelFilter {
    match name.to_ascii_lowercase().as_str() {
        "quiet" => LevelFilter::OFF,
        "critical" | "error" => LevelFilter::ERROR,
        "warning" | "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "profile" | "debug" => LevelFilter::DEBUG,
        "trace" | "garbage" | "all" => LevelFilter::TRACE,
        _ => LevelFilter::WARN,
    }
}

pub fn init(console_level: &str, file_level: &str, log_file: Option<&Path>) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let console = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .with_filter(level(console_level));
    let file = log_file.and_then(|path| {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(
            fmt::layer()
                .with_writer(Mutex::new(file))
                .with_ansi(false)
                .with_filter(level(file_level)),
        )
    });
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(file)
        .try_init();
}

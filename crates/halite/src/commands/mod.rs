//! One module per command.

pub mod call;
pub mod daemon;
pub mod job;
pub mod key;
pub mod run;
pub mod swarm;

/// A tokio runtime for a CLI command (small: the CLI waits on one socket).
pub fn cli_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

//! `halite`: one binary for the master, the minion and the CLI.
//!
//! `halite TARGET FUNCTION [ARGS...]` runs an ad-hoc job (Salt's `salt`);
//! the other forms are subcommands: `master`, `minion`, `key`, `run`,
//! `call`, `swarm`. This crate is the only one that prints to the terminal
//! or decides the exit status (see `docs/cli.md` for the codes).

mod cli;
mod client;
mod commands;
mod logging;
mod printer;
mod salt_args;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Modules defined above the exec crate: the state engine and its
    // renderer-backed SLS source.
    halite_exec::register_external(&[&halite_state::exec_module::MODULE]);
    halite_state::exec_module::set_source_factory(halite_pillar::state_source);
    let argv: Vec<String> = std::env::args().collect();
    match cli::dispatch(argv) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`halite ... | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ERROR: {}", error_chain(&err));
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose
/// text the message already contains (many error types embed their source
/// in their own message), so nothing is printed twice.
fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

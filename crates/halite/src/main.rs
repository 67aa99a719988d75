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
            eprintln!("ERROR: {err:#}");
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}

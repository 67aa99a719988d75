//! `halite run FUNCTION [ARGS...]`: a runner on the master (salt-run).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use halite_proto::CliRequest;

use crate::cli::{EXIT_OK, OutputFlags};
use crate::client::MasterClient;
use crate::printer::Printer;

#[derive(Args, Debug)]
pub struct RunArgs {
    #[arg(
        short = 'c',
        long = "config-dir",
        default_value = "/etc/halite",
        env = "HALITE_CONFIG_DIR"
    )]
    pub config_dir: PathBuf,
    #[command(flatten)]
    pub output: OutputFlags,
    /// Runner function, e.g. jobs.lookup_jid.
    pub function: String,
    /// Arguments: positional values and key=value keyword arguments (use `--` before values starting with `-`).
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    super::cli_runtime()?.block_on(async {
        let mut printer = Printer::new(&args.output)?;
        let (mut client, _) = MasterClient::connect(&args.config_dir).await?;
        let (arg, kwarg) = crate::salt_args::parse(&args.args);
        let data = client
            .request(&CliRequest::Runner {
                fun: args.function.clone(),
                arg,
                kwarg,
            })
            .await?;
        printer.data(&data)?;
        Ok(ExitCode::from(EXIT_OK))
    })
}

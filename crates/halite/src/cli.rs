//! Command-line definitions (clap) and dispatch.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::commands;

/// Every targeted minion returned with retcode 0.
pub const EXIT_OK: u8 = 0;
/// A minion returned a non-zero retcode or did not return (Salt's code).
pub const EXIT_MINION_FAILED: u8 = 1;
/// Bad usage, no minion matched, or the master could not be reached.
pub const EXIT_USAGE: u8 = 2;

const SUBCOMMANDS: &[&str] = &[
    "master",
    "minion",
    "key",
    "run",
    "call",
    "swarm",
    "help",
    "--help",
    "-h",
    "--version",
    "-V",
];

/// Output flags shared by every command that prints data.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputFlags {
    /// Outputter: nested (default), json, yaml, txt, raw, quiet.
    #[arg(long = "out", visible_alias = "output", value_name = "OUTPUTTER")]
    pub out: Option<String>,
    /// Write the output to this file instead of stdout.
    #[arg(long = "out-file", value_name = "FILE")]
    pub out_file: Option<PathBuf>,
    /// Append to --out-file instead of replacing it.
    #[arg(long = "out-file-append")]
    pub out_file_append: bool,
    /// Indentation for json/yaml; negative means one line.
    #[arg(long = "out-indent", allow_negative_numbers = true)]
    pub out_indent: Option<i64>,
    /// Print all returns at once as one document, after the job ends.
    #[arg(long = "static")]
    pub static_: bool,
    /// Never use colours.
    #[arg(long = "no-color", alias = "no-colour")]
    pub no_color: bool,
    /// Use colours even when not writing to a terminal.
    #[arg(long = "force-color", alias = "force-colour")]
    pub force_color: bool,
    /// State output: full, terse, mixed, changes (and *_id forms); overrides `state_output`.
    #[arg(long = "state-output", alias = "state_output")]
    pub state_output: Option<String>,
    /// Show states that succeeded without changes (True/False); overrides `state_verbose`.
    #[arg(long = "state-verbose", alias = "state_verbose")]
    pub state_verbose: Option<bool>,
}

/// `halite [OPTIONS] TARGET FUNCTION [ARGS...]`: run a job on minions.
#[derive(Parser, Debug)]
#[command(
    name = "halite",
    version,
    about = "Run a function on the minions matching TARGET (like Salt's `salt`)",
    after_help = "Other commands: halite master | minion | key | run | call | swarm (see `halite help`)"
)]
pub struct JobCli {
    /// Directory holding the `master` config file.
    #[arg(
        short = 'c',
        long = "config-dir",
        default_value = "/etc/halite",
        env = "HALITE_CONFIG_DIR"
    )]
    pub config_dir: PathBuf,
    /// Seconds to wait for a silent minion before asking whether it still runs the job.
    #[arg(short = 't', long)]
    pub timeout: Option<f64>,
    /// TARGET is a regular expression on minion ids.
    #[arg(short = 'E', long = "pcre", group = "tgt")]
    pub pcre: bool,
    /// TARGET is a comma-separated list of minion ids.
    #[arg(short = 'L', long = "list", group = "tgt")]
    pub list: bool,
    /// TARGET is a grain match `key:value` (glob on the value).
    #[arg(short = 'G', long = "grain", group = "tgt")]
    pub grain: bool,
    /// TARGET is a grain match with a regular expression on the value.
    #[arg(short = 'P', long = "grain-pcre", group = "tgt")]
    pub grain_pcre: bool,
    /// TARGET is an IP address or CIDR subnet.
    #[arg(short = 'S', long = "ipcidr", group = "tgt")]
    pub ipcidr: bool,
    /// TARGET is a nodegroup from the master config.
    #[arg(short = 'N', long = "nodegroup", group = "tgt")]
    pub nodegroup: bool,
    /// TARGET is a compound expression (G@ E@ L@ ... with and/or/not).
    #[arg(short = 'C', long = "compound", group = "tgt")]
    pub compound: bool,
    /// Publish and print the job id without waiting for returns.
    #[arg(long = "async")]
    pub is_async: bool,
    #[command(flatten)]
    pub output: OutputFlags,
    pub target: String,
    pub function: String,
    /// Arguments: positional values and key=value keyword arguments (use `--` before values starting with `-`).
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
}

impl JobCli {
    pub fn tgt_type(&self) -> &'static str {
        match () {
            _ if self.pcre => "pcre",
            _ if self.list => "list",
            _ if self.grain => "grain",
            _ if self.grain_pcre => "grain_pcre",
            _ if self.ipcidr => "ipcidr",
            _ if self.nodegroup => "nodegroup",
            _ if self.compound => "compound",
            _ => "glob",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "halite",
    version,
    about = "Data-center automation in the line of SaltStack"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DaemonArgs {
    /// Directory holding the config file.
    #[arg(
        short = 'c',
        long = "config-dir",
        default_value = "/etc/halite",
        env = "HALITE_CONFIG_DIR"
    )]
    pub config_dir: PathBuf,
    /// Run in the background.
    #[arg(short = 'd', long = "daemon")]
    pub daemon: bool,
    /// Console log level (overrides log_level): quiet, error, warning, info, debug, trace.
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the master daemon.
    Master(DaemonArgs),
    /// Run the minion daemon.
    Minion(DaemonArgs),
    /// Manage minion keys (like salt-key).
    Key(commands::key::KeyArgs),
    /// Run a runner function on the master (like salt-run).
    Run(commands::run::RunArgs),
    /// Run a function on this machine (like salt-call).
    Call(commands::call::CallArgs),
    /// Simulate N minions in one process, for benchmarks and scale tests.
    Swarm(commands::swarm::SwarmArgs),
}

pub fn dispatch(argv: Vec<String>) -> anyhow::Result<ExitCode> {
    let is_subcommand = argv
        .get(1)
        .is_some_and(|a| SUBCOMMANDS.contains(&a.as_str()));
    if !is_subcommand && argv.len() > 1 {
        return match parse::<JobCli>(&argv) {
            Ok(job) => commands::job::run(job),
            Err(code) => Ok(code),
        };
    }
    let cli = match parse::<Cli>(&argv) {
        Ok(cli) => cli,
        Err(code) => return Ok(code),
    };
    match cli.command {
        Command::Master(args) => commands::daemon::master(args),
        Command::Minion(args) => commands::daemon::minion(args),
        Command::Key(args) => commands::key::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Call(args) => commands::call::run(args),
        Command::Swarm(args) => commands::swarm::run(args),
    }
}

/// Parses the command line; on failure prints clap's message (usage errors
/// on stderr, `--help`/`--version` on stdout) and gives the exit code.
fn parse<T: Parser>(argv: &[String]) -> Result<T, ExitCode> {
    T::try_parse_from(argv).map_err(|err| {
        let _ = err.print();
        ExitCode::from(if err.use_stderr() {
            EXIT_USAGE
        } else {
            EXIT_OK
        })
    })
}

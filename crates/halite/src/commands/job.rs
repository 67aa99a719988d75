//! `halite TARGET FUNCTION [ARGS...]`: publish a job through the local
//! master and print the returns as they arrive.

use std::process::ExitCode;

use anyhow::Result;
use halite_output::Progress;
use halite_proto::{CliReply, CliRequest};
use serde_json::{Map, Value};

use crate::cli::{EXIT_MINION_FAILED, EXIT_OK, EXIT_USAGE, JobCli};
use crate::client::MasterClient;
use crate::printer::Printer;

pub fn run(job: JobCli) -> Result<ExitCode> {
    super::cli_runtime()?.block_on(run_async(job))
}

async fn run_async(job: JobCli) -> Result<ExitCode> {
    let (mut client, cfg) = MasterClient::connect(&job.config_dir).await?;
    let mut printer = Printer::new(&job.output)?.with_config(&cfg.opts);
    let (arg, kwarg) = crate::salt_args::parse(&job.args);
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "root".into());
    client
        .send(&CliRequest::Publish {
            tgt: job.target.clone(),
            tgt_type: job.tgt_type().to_owned(),
            fun: job.function.clone(),
            arg,
            kwarg,
            timeout: job.timeout.unwrap_or(cfg.timeout),
            is_async: job.is_async,
            user,
        })
        .await?;
    let (jid, expected, not_connected) = match client.recv().await? {
        CliReply::Published {
            jid,
            expected,
            not_connected,
        } => (jid, expected, not_connected),
        CliReply::Error { message } => {
            eprintln!("ERROR: {message}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        other => anyhow::bail!("unexpected reply from the master: {other:?}"),
    };
    if expected.is_empty() && not_connected.is_empty() {
        eprintln!("No minions matched the target. No command was sent, no jid was assigned.");
        eprintln!("ERROR: No return received");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if job.is_async {
        println!("Executed command with job ID: {jid}");
        return Ok(ExitCode::from(EXIT_OK));
    }
    let total = (expected.len() + not_connected.len()) as u64;
    printer.progress = Some(Progress::new(Some(total)));
    let mut static_returns = Map::new();
    let mut any_failed = false;
    loop {
        match client.recv().await? {
            CliReply::Return(ret) => {
                if let Some(p) = &printer.progress {
                    p.minion_returned();
                }
                any_failed |= ret.retcode != 0;
                if printer.is_static() {
                    static_returns.insert(ret.id.to_string(), ret.ret);
                } else {
                    printer.minion(ret.id.as_str(), &ret.ret, ret.retcode, ret.out.as_deref())?;
                }
            }
            CliReply::Done { missing } => {
                if let Some(mut p) = printer.progress.take() {
                    p.finish();
                }
                for m in &missing {
                    any_failed = true;
                    let text = Value::String(m.reason.salt_message().to_owned());
                    if printer.is_static() {
                        static_returns.insert(m.id.to_string(), text);
                    } else {
                        printer.minion(m.id.as_str(), &text, 1, Some("no_return"))?;
                    }
                }
                break;
            }
            CliReply::Error { message } => anyhow::bail!(message),
            other => anyhow::bail!("unexpected reply from the master: {other:?}"),
        }
    }
    if printer.is_static() {
        printer.all(&static_returns, &job.function)?;
    }
    if any_failed {
        eprintln!("ERROR: Minions returned with non-zero exit code");
        return Ok(ExitCode::from(EXIT_MINION_FAILED));
    }
    Ok(ExitCode::from(EXIT_OK))
}

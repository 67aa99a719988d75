//! `halite call --local FUNCTION [ARGS...]`: run a function on this machine
//! without a master (salt-call --local), printed under the id `local`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;
use halite_config::MinionConfig;
use serde_json::Value;

use crate::cli::{EXIT_MINION_FAILED, EXIT_OK, OutputFlags};
use crate::printer::Printer;

#[derive(Args, Debug)]
pub struct CallArgs {
    /// Directory holding the `minion` config file (read for grains and options).
    #[arg(
        short = 'c',
        long = "config-dir",
        default_value = "/etc/halite",
        env = "HALITE_CONFIG_DIR"
    )]
    pub config_dir: PathBuf,
    /// Run without a master (the only mode so far).
    #[arg(long)]
    pub local: bool,
    /// Serve salt:// from this directory (file_roots: {base: [DIR]}).
    #[arg(long = "file-root", value_name = "DIR")]
    pub file_root: Option<PathBuf>,
    /// Read pillar from this directory (pillar_roots: {base: [DIR]}).
    #[arg(long = "pillar-root", value_name = "DIR")]
    pub pillar_root: Option<PathBuf>,
    /// Exit with the function's retcode instead of 1 on failure.
    #[arg(long = "retcode-passthrough")]
    pub retcode_passthrough: bool,
    #[command(flatten)]
    pub output: OutputFlags,
    pub function: String,
    /// Arguments: positional values and key=value keyword arguments (use `--` before values starting with `-`).
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
}

pub fn run(args: CallArgs) -> Result<ExitCode> {
    if !args.local {
        bail!(
            "`halite call` without --local (asking the master for pillar and files) is not available yet; use `halite call --local`"
        );
    }
    let mut cfg = MinionConfig::load(&args.config_dir)?;
    for (key, dir) in [
        ("file_roots", &args.file_root),
        ("pillar_roots", &args.pillar_root),
    ] {
        if let Some(dir) = dir {
            let dir = std::path::absolute(dir)?;
            cfg.opts.insert(
                key.into(),
                serde_json::json!({"base": [dir.display().to_string()]}),
            );
        }
    }
    let id = super::daemon::minion_id(&cfg)
        .map(|id| id.to_string())
        .unwrap_or_else(|_| "local".into());
    let grains = (super::daemon::grains_source(id, cfg.config_dir.clone(), cfg.grains.clone()))();
    let mut ctx = halite_exec::Ctx::new(
        Arc::new(Value::Object(cfg.opts.clone())),
        Arc::new(grains),
        cfg.config_dir.clone(),
    );
    let roots = halite_fileserver::Roots::from_opts(&cfg.opts)?;
    let local: Arc<dyn halite_fileserver::FileClient> =
        Arc::new(halite_fileserver::LocalClient::new(roots));
    ctx.files = Some(Arc::new(halite_exec::Files::new(
        cfg.common.cachedir.clone(),
        local,
    )));
    ctx.pillar = Arc::new(local_pillar(&ctx, &cfg)?);
    let (positional, kwargs) = crate::salt_args::parse(&args.args);
    let outcome = halite_exec::run_job(
        &ctx,
        &args.function,
        halite_exec::Args::new(positional, kwargs),
    );
    let mut printer = Printer::new(&args.output)?.with_config(&cfg.opts);
    printer.minion(
        "local",
        &outcome.ret,
        outcome.retcode,
        halite_exec::outputter_for(&args.function),
    )?;
    Ok(match outcome.retcode {
        0 => ExitCode::from(EXIT_OK),
        code if args.retcode_passthrough => {
            ExitCode::from(u8::try_from(code).unwrap_or(EXIT_MINION_FAILED))
        }
        _ => ExitCode::from(EXIT_MINION_FAILED),
    })
}

/// The pillar of this machine, compiled from the local `pillar_roots`
/// (Salt's default `/srv/pillar`), as `salt-call --local` does.
fn local_pillar(ctx: &halite_exec::Ctx, cfg: &MinionConfig) -> Result<Value> {
    let roots = halite_fileserver::Roots::from_config(&halite_config::pillar_roots(&cfg.opts))?;
    let files: Arc<dyn halite_fileserver::FileClient> =
        Arc::new(halite_fileserver::LocalClient::new(roots));
    let mut source = halite_pillar::RenderedSource::for_ctx(ctx, files, "pillar_roots");
    let id = ctx
        .grains
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("local")
        .to_owned();
    let nodegroups = cfg
        .opts
        .get("nodegroups")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let request = halite_pillar::PillarRequest {
        minion_id: &id,
        grains: &ctx.grains,
        pillarenv: cfg.opts.get("pillarenv").and_then(Value::as_str),
        pillar_override: None,
        nodegroups: &nodegroups,
    };
    Ok(halite_pillar::compile_pillar(&mut source, &request))
}

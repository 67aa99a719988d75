//! `halite master` and `halite minion`: load the config, set up logging,
//! optionally detach, and serve until SIGINT/SIGTERM.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use halite_config::{MasterConfig, MinionConfig};
use halite_minion::{MasterTrust, MinionSettings, Outbox};
use halite_proto::MinionId;
use serde_json::{Map, Value};

use crate::cli::{DaemonArgs, EXIT_OK};
use crate::logging;

pub fn master(args: DaemonArgs) -> Result<ExitCode> {
    let cfg = MasterConfig::load(&args.config_dir)?;
    init_logging(
        &args,
        &cfg.common.log_level,
        &cfg.opts,
        &cfg.common.log_file,
    );
    if args.daemon {
        daemonize()?;
    }
    runtime()?.block_on(async {
        let master = halite_master::Master::bind(cfg).await?;
        tracing::info!(addr = %master.local_addr()?, fingerprint = %master.fingerprint(), "master ready");
        master.run(shutdown_signal()).await;
        Ok(ExitCode::from(EXIT_OK))
    })
}

pub fn minion(args: DaemonArgs) -> Result<ExitCode> {
    let cfg = MinionConfig::load(&args.config_dir)?;
    init_logging(
        &args,
        &cfg.common.log_level,
        &cfg.opts,
        &cfg.common.log_file,
    );
    let id = minion_id(&cfg)?;
    let identity = halite_pki::Identity::load_or_generate(&cfg.common.pki_dir, "minion")?;
    let trust = match &cfg.master_finger {
        Some(fp) => MasterTrust::Fingerprint(fp.clone()),
        None => MasterTrust::RememberIn(cfg.common.pki_dir.join("minion_master.pub")),
    };
    let outbox = Outbox::disk(cfg.common.cachedir.join("outbox")).with_context(|| {
        format!(
            "cannot create the outbox in {}",
            cfg.common.cachedir.display()
        )
    })?;
    let grains_source = grains_source(id.to_string(), cfg.config_dir.clone(), cfg.grains.clone());
    let settings = MinionSettings {
        id,
        master_host: cfg.master.clone(),
        master_port: cfg.master_port,
        identity: Arc::new(identity),
        trust,
        opts: Arc::new(Value::Object(cfg.opts.clone())),
        config_dir: cfg.config_dir.clone(),
        grains_source,
        outbox,
        acceptance_wait: secs(cfg.acceptance_wait_time),
        acceptance_wait_max: secs(cfg.acceptance_wait_time_max),
        rejected_retry: cfg.rejected_retry,
        recon_default: Duration::from_millis(cfg.recon_default),
        recon_max: Duration::from_millis(cfg.recon_max),
        recon_randomize: cfg.recon_randomize,
        max_jobs: cfg.process_count_max,
        master_alive: secs(cfg.master_alive_interval),
        file_cache_dir: Some(cfg.common.cachedir.clone()),
    };
    if args.daemon {
        daemonize()?;
    }
    runtime()?.block_on(async {
        tokio::select! {
            res = halite_minion::run(settings) => res.map(|_| ExitCode::from(EXIT_OK)).map_err(Into::into),
            _ = shutdown_signal() => Ok(ExitCode::from(EXIT_OK)),
        }
    })
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn init_logging(args: &DaemonArgs, log_level: &str, opts: &Map<String, Value>, log_file: &Path) {
    let console = args
        .log_level
        .clone()
        .unwrap_or_else(|| log_level.to_owned());
    let file_level = opts
        .get("log_level_logfile")
        .and_then(Value::as_str)
        .unwrap_or(log_level)
        .to_owned();
    logging::init(&console, &file_level, Some(log_file));
}

/// The minion id: `id` from the config, else the cached `minion_id` file,
/// else the host's fully qualified name (then cached), as Salt does.
pub fn minion_id(cfg: &MinionConfig) -> Result<MinionId> {
    if let Some(id) = &cfg.id {
        return MinionId::new(id.clone())
            .with_context(|| format!("invalid id in {}", cfg.config_dir.join("minion").display()));
    }
    let cache = cfg.config_dir.join("minion_id");
    if let Ok(cached) = std::fs::read_to_string(&cache)
        && let Ok(id) = MinionId::new(cached.trim().to_owned())
    {
        return Ok(id);
    }
    let grains = halite_grains::collect("");
    let fqdn = grains
        .get("fqdn")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("localhost");
    let id = MinionId::new(fqdn.to_owned())
        .context("the host name is not a usable minion id; set `id` in the minion config")?;
    let _ = std::fs::write(&cache, id.as_str());
    Ok(id)
}

/// Core grains, then the `grains` file in the config dir, then `grains:`
/// from the config (Salt's precedence).
pub fn grains_source(
    id: String,
    config_dir: std::path::PathBuf,
    config_grains: Map<String, Value>,
) -> Box<dyn Fn() -> Value + Send + Sync> {
    Box::new(move || {
        let mut grains = halite_grains::collect(&id);
        let file = config_dir.join("grains");
        if let Ok(text) = std::fs::read_to_string(&file) {
            match halite_yaml::from_str_named(&text, &file.display().to_string()) {
                Ok(Value::Object(from_file)) => {
                    halite_grains::merge_static(&mut grains, &from_file)
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "ignoring the grains file"),
            }
        }
        halite_grains::merge_static(&mut grains, &config_grains);
        Value::Object(grains)
    })
}

pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Classic double-step detach: fork, new session, stdio to /dev/null.
fn daemonize() -> Result<()> {
    // SAFETY: called before any thread or runtime exists, so fork is safe;
    // the parent exits immediately without running destructors.
    unsafe {
        match libc::fork() {
            -1 => anyhow::bail!("fork failed: {}", std::io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        if libc::setsid() == -1 {
            anyhow::bail!("setsid failed: {}", std::io::Error::last_os_error());
        }
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 0);
            libc::dup2(devnull, 1);
            libc::dup2(devnull, 2);
        }
    }
    Ok(())
}

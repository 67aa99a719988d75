//! `halite swarm N`: N simulated minions in one process, each with its own
//! key and TLS connection, answering real jobs with the real execution
//! modules. For benchmarks and scale tests (the master should run with
//! `auto_accept: True`, or the keys accepted with `halite key -A`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use halite_minion::{MasterTrust, MinionSettings, Outbox};
use halite_proto::MinionId;
use serde_json::{Map, Value};

use crate::cli::EXIT_OK;

#[derive(Args, Debug)]
pub struct SwarmArgs {
    /// How many minions.
    pub count: usize,
    /// Master host.
    #[arg(long, default_value = "127.0.0.1")]
    pub master: String,
    #[arg(long = "master-port", default_value_t = 4506)]
    pub master_port: u16,
    /// Minion ids are PREFIX-0 .. PREFIX-(N-1).
    #[arg(long, default_value = "swarm")]
    pub prefix: String,
    /// Seconds between retries while keys wait for acceptance.
    #[arg(long = "acceptance-wait", default_value_t = 1.0)]
    pub acceptance_wait: f64,
    /// Worker threads for the swarm's runtime.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

pub fn run(args: SwarmArgs) -> Result<ExitCode> {
    crate::logging::init("warning", "warning", None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Grains are collected once and shared; each minion differs by id.
        let base = halite_grains::collect("");
        let mut handles = Vec::with_capacity(args.count);
        for n in 0..args.count {
            let id = MinionId::new(format!("{}-{n}", args.prefix))?;
            let mut grains: Map<String, Value> = base.clone();
            grains.insert("id".into(), Value::String(id.to_string()));
            let grains = Value::Object(grains);
            let settings = MinionSettings {
                id,
                master_host: args.master.clone(),
                master_port: args.master_port,
                identity: Arc::new(halite_pki::Identity::generate()?),
                trust: MasterTrust::Any,
                opts: Arc::new(Value::Object(Map::new())),
                config_dir: std::env::temp_dir(),
                grains_source: Box::new(move || grains.clone()),
                outbox: Outbox::memory(),
                acceptance_wait: Duration::from_secs_f64(args.acceptance_wait),
                acceptance_wait_max: Duration::from_secs_f64(args.acceptance_wait),
                rejected_retry: true,
                recon_default: Duration::from_millis(500),
                recon_max: Duration::from_secs(10),
                recon_randomize: true,
                max_jobs: 4,
                master_alive: Duration::from_secs(100),
                file_cache_dir: None,
            };
            handles.push(tokio::spawn(halite_minion::run(settings)));
            // Pace the connects a little so a large swarm does not SYN-flood
            // the master's accept queue.
            if n % 200 == 199 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        eprintln!("swarm: {} minions started", args.count);
        super::daemon::shutdown_signal().await;
        Ok(ExitCode::from(EXIT_OK))
    })
}

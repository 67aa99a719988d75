//! The master daemon.
//!
//! Layout:
//! - [`minion_conn`]: TLS listener, the pre-authentication gate, one task
//!   per minion connection.
//! - [`cli_server`]: the Unix socket the CLI talks to.
//! - [`publish`]: target resolution, publishing and following a job.
//! - [`jobcache`]: the embedded SQLite job cache.
//! - [`requests`]: answers to minions' requests (files, pillar).
//! - [`runners`]: `halite run` functions.
//! - [`state`]: the shared registry.
//!
//! `Master::bind` binds everything first and `Master::run` serves until the
//! shutdown future resolves, so tests and the CLI control both steps.

mod cli_server;
pub mod jobcache;
mod minion_conn;
mod publish;
mod requests;
mod runners;
mod state;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use halite_config::MasterConfig;
use halite_pki::{Identity, KeyStore};
use tokio::net::{TcpListener, UnixListener};
use tokio_rustls::TlsAcceptor;

use crate::jobcache::JobCache;
use crate::state::Shared;

#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    #[error(transparent)]
    Pki(#[from] halite_pki::Error),
    #[error(transparent)]
    JobCache(#[from] jobcache::JobCacheError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot create the CLI socket in {path}: {source}")]
    Socket {
        path: String,
        source: std::io::Error,
    },
    #[error("file_roots: {0}")]
    FileRoots(#[from] halite_fileserver::FileServerError),
    #[error("tls setup: {0}")]
    Tls(#[from] rustls_error::Error),
}

mod rustls_error {
    pub use tokio_rustls::rustls::Error;
}

/// A bound, not yet serving master.
pub struct Master {
    shared: Arc<Shared>,
    listener: TcpListener,
    cli: UnixListener,
    acceptor: TlsAcceptor,
    fingerprint: String,
}

impl Master {
    /// Loads or makes the master key, opens the key store and job cache,
    /// and binds the minion port and the CLI socket.
    pub async fn bind(cfg: MasterConfig) -> Result<Master, MasterError> {
        let identity = Identity::load_or_generate(&cfg.common.pki_dir, "master")?;
        let keys = KeyStore::open(&cfg.common.pki_dir, cfg.max_pending_keys)?;
        let cache = JobCache::open(&cfg.common.cachedir)?;
        let roots = halite_fileserver::Roots::from_opts(&cfg.opts)?;
        let pillar_roots =
            halite_fileserver::Roots::from_config(&halite_config::pillar_roots(&cfg.opts))?;
        let server_config = halite_pki::tls::server_config(&identity)?;
        let addr = format!("{}:{}", cfg.interface, cfg.ret_port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| MasterError::Listen { addr, source })?;
        let cli = cli_server::bind(&cfg.common.sock_dir).map_err(|source| MasterError::Socket {
            path: cfg.common.sock_dir.display().to_string(),
            source,
        })?;
        let remembered: HashMap<String, state::PackedGrains> = {
            let cache = cache.clone();
            tokio::task::spawn_blocking(move || cache.load_grains())
                .await
                .map_err(|e| MasterError::Listen {
                    addr: String::new(),
                    source: std::io::Error::other(e),
                })??
                .into_iter()
                .collect()
        };
        let shared = Arc::new(Shared::new(cfg, keys, cache, roots, pillar_roots));
        shared.sync_with_keys(&remembered);
        Ok(Master {
            shared,
            listener,
            cli,
            acceptor: TlsAcceptor::from(server_config),
            fingerprint: identity.fingerprint(),
        })
    }

    /// The address minions connect to (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Serves until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Master {
            shared,
            listener,
            cli,
            acceptor,
            ..
        } = self;
        let minions = tokio::spawn(minion_conn::serve(listener, acceptor, shared.clone()));
        let clis = tokio::spawn(cli_server::serve(cli, shared.clone()));
        let pruner = tokio::spawn(prune_loop(shared.clone()));
        shutdown.await;
        minions.abort();
        clis.abort();
        pruner.abort();
    }
}

/// Drops jobs older than `keep_jobs` hours, hourly (Salt's maintenance).
async fn prune_loop(shared: Arc<Shared>) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(err) = shared.cache.prune(shared.cfg.keep_jobs).await {
            tracing::error!(error = %err, "job cache pruning failed");
        }
    }
}

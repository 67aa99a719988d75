//! The minion daemon.
//!
//! One long-lived TLS connection to the master. The loop: connect (with
//! exponential back-off and jitter), prove our key, wait while the key is
//! pending, then send grains and every unacknowledged result, and serve jobs
//! until the connection drops. Jobs outlive connections: a job that finishes
//! while the master is away is kept in the outbox and delivered after the
//! next connect.
//!
//! The same code runs a real minion and each simulated minion of
//! `halite swarm` (in-memory outbox, shared runtime).

mod jobs;
pub mod link;
pub mod outbox;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use halite_exec::{Args, Ctx};
use halite_pki::Identity;
use halite_pki::tls::MasterPin;
use halite_proto::{
    JobReturn, KeyVerdict, MAX_FRAME_LEN, MasterMsg, MinionId, MinionMsg, PROTOCOL_VERSION, Publish,
};
use halite_transport::{FramedConn, TransportError, framed, recv_timeout, send};
use rand::Rng;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub use jobs::JobTable;
pub use link::{LinkError, MasterLink, RemoteFileClient};
pub use outbox::Outbox;

#[derive(Debug, thiserror::Error)]
pub enum MinionError {
    #[error(
        "the master rejected this minion's key; the minion exits (set rejected_retry to keep trying)"
    )]
    Rejected,
    #[error("the master refused the connection: {0}")]
    BadVersion(String),
    #[error(transparent)]
    Pki(#[from] halite_pki::Error),
    #[error("{0}")]
    Setup(String),
}

/// How trust in the master is established (see `MasterPin`).
#[derive(Clone, Debug)]
pub enum MasterTrust {
    Fingerprint(String),
    /// Remember the master's key in this file on first connect, and insist
    /// on it afterwards (Salt's `minion_master.pub`).
    RememberIn(PathBuf),
    /// Trust any master key; only for the simulated swarm.
    Any,
}

/// Everything a minion needs to run.
pub struct MinionSettings {
    pub id: MinionId,
    pub master_host: String,
    pub master_port: u16,
    pub identity: Arc<Identity>,
    pub trust: MasterTrust,
    pub opts: Arc<Value>,
    pub config_dir: PathBuf,
    pub grains_source: Box<dyn Fn() -> Value + Send + Sync>,
    pub outbox: Outbox,
    pub acceptance_wait: Duration,
    pub acceptance_wait_max: Duration,
    pub rejected_retry: bool,
    pub recon_default: Duration,
    pub recon_max: Duration,
    pub recon_randomize: bool,
    pub max_jobs: usize,
    /// How long the master may stay silent before the connection is
    /// considered dead (Salt's `master_alive_interval`).
    pub master_alive: Duration,
    /// Where `salt://` files fetched from the master are cached (Salt's
    /// `<cachedir>`, files go under `files/`); `None` disables `salt://`.
    pub file_cache_dir: Option<PathBuf>,
}

/// How one connection attempt ended.
enum Session {
    Pending,
    Rejected,
    /// Was connected and accepted; the connection then dropped.
    Dropped(String),
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a job waits for the master to answer a file request.
const FILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the minion until a fatal error (a rejected key).
pub async fn run(settings: MinionSettings) -> Result<(), MinionError> {
    let (to_master_tx, mut to_master_rx) = mpsc::channel::<MinionMsg>(1024);
    let table = Arc::new(JobTable::new(
        settings.id.to_string(),
        settings.grains_source,
        to_master_tx.clone(),
    ));
    let link = Arc::new(MasterLink::new(to_master_tx.clone()));
    let files = settings.file_cache_dir.map(|dir| {
        let remote: Arc<dyn halite_fileserver::FileClient> =
            Arc::new(RemoteFileClient::new(link.clone(), FILE_TIMEOUT));
        Arc::new(halite_exec::Files::new(dir, remote))
    });
    let settings = Arc::new(Shared {
        id: settings.id,
        master_host: settings.master_host,
        master_port: settings.master_port,
        identity: settings.identity,
        trust: settings.trust,
        opts: settings.opts,
        config_dir: settings.config_dir,
        outbox: settings.outbox,
        table,
        link,
        files,
        pillar: std::sync::Mutex::new(Arc::new(Value::Object(Default::default()))),
        to_master: to_master_tx,
        job_slots: Arc::new(Semaphore::new(settings.max_jobs.max(1))),
        acceptance_wait: settings.acceptance_wait,
        acceptance_wait_max: settings.acceptance_wait_max,
        rejected_retry: settings.rejected_retry,
        recon_default: settings.recon_default,
        recon_max: settings.recon_max,
        recon_randomize: settings.recon_randomize,
        master_alive: settings.master_alive,
    });
    let mut failures: u32 = 0;
    let mut acceptance_wait = settings.acceptance_wait;
    loop {
        let outcome = session(&settings, &mut to_master_rx).await;
        settings.link.disconnected();
        match outcome {
            Ok(Session::Pending) => {
                tracing::info!(wait = ?acceptance_wait, "key not accepted yet; waiting");
                tokio::time::sleep(acceptance_wait).await;
                if settings.acceptance_wait_max > acceptance_wait {
                    acceptance_wait = (acceptance_wait + settings.acceptance_wait)
                        .min(settings.acceptance_wait_max);
                }
                failures = 0;
                continue;
            }
            Ok(Session::Rejected) if !settings.rejected_retry => return Err(MinionError::Rejected),
            Ok(Session::Rejected) => {
                tracing::error!("key rejected by the master; retrying (rejected_retry)");
                failures += 1;
            }
            Ok(Session::Dropped(reason)) => {
                tracing::warn!(%reason, "connection to master lost");
                // A session that got as far as acceptance resets the back-off.
                failures = 0;
                acceptance_wait = settings.acceptance_wait;
            }
            Err(SessionError::Fatal(err)) => return Err(err),
            Err(SessionError::Transport(err)) => {
                tracing::warn!(error = %err, master = %settings.master_host, "cannot reach master");
                failures += 1;
            }
        }
        tokio::time::sleep(backoff(&settings, failures)).await;
    }
}

/// The wait before the next connection attempt. Right after a connection
/// drops (`failures == 0`) it is `recon_default` plus a random share of
/// `recon_max` (Salt's `recon_randomize`), so a fleet spreads its
/// reconnects over seconds instead of storming a restarted master; each
/// further failure doubles the wait up to `recon_max`, with jitter.
fn backoff(s: &Shared, failures: u32) -> Duration {
    let base = s.recon_default.as_millis() as u64;
    let max = s.recon_max.as_millis().max(1) as u64;
    let millis = if failures == 0 {
        let spread = if s.recon_randomize {
            rand::rng().random_range(0..=max)
        } else {
            0
        };
        base + spread
    } else {
        let exp = base.saturating_mul(1u64 << failures.min(16)).min(max);
        if s.recon_randomize && exp > 1 {
            rand::rng().random_range(exp / 2..=exp)
        } else {
            exp
        }
    };
    Duration::from_millis(millis)
}

struct Shared {
    id: MinionId,
    master_host: String,
    master_port: u16,
    identity: Arc<Identity>,
    trust: MasterTrust,
    opts: Arc<Value>,
    config_dir: PathBuf,
    outbox: Outbox,
    table: Arc<JobTable>,
    to_master: mpsc::Sender<MinionMsg>,
    link: Arc<MasterLink>,
    files: Option<Arc<halite_exec::Files>>,
    /// The pillar last fetched from the master, for jobs that do not fetch
    /// their own.
    pillar: std::sync::Mutex<Arc<Value>>,
    job_slots: Arc<Semaphore>,
    acceptance_wait: Duration,
    acceptance_wait_max: Duration,
    rejected_retry: bool,
    recon_default: Duration,
    recon_max: Duration,
    recon_randomize: bool,
    master_alive: Duration,
}

enum SessionError {
    Transport(TransportError),
    Fatal(MinionError),
}

impl From<TransportError> for SessionError {
    fn from(e: TransportError) -> Self {
        SessionError::Transport(e)
    }
}

async fn connect(s: &Shared) -> Result<FramedConn<TlsStream<TcpStream>>, SessionError> {
    let pin = match &s.trust {
        MasterTrust::Fingerprint(fp) => MasterPin::Fingerprint(fp.clone()),
        MasterTrust::RememberIn(path) => match std::fs::read_to_string(path)
            .ok()
            .and_then(|p| halite_pki::spki_from_pem(&p))
        {
            Some(spki) => MasterPin::Key(spki),
            None => MasterPin::TrustOnFirstUse,
        },
        MasterTrust::Any => MasterPin::TrustOnFirstUse,
    };
    let tofu = matches!(pin, MasterPin::TrustOnFirstUse);
    let config = halite_pki::tls::client_config(&s.identity, pin)
        .map_err(|e| SessionError::Fatal(MinionError::Setup(e.to_string())))?;
    let addr = format!("{}:{}", s.master_host, s.master_port);
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addr))
        .await
        .map_err(|_| TransportError::Timeout)?
        .map_err(TransportError::Io)?;
    let _ = tcp.set_nodelay(true);
    let tls = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TlsConnector::from(config).connect(halite_pki::tls::server_name(), tcp),
    )
    .await
    .map_err(|_| TransportError::Timeout)?
    .map_err(TransportError::Io)?;
    if tofu && let MasterTrust::RememberIn(path) = &s.trust {
        let spki = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(halite_pki::tls::spki_of_cert);
        if let Some(spki) = spki {
            if let Err(err) = std::fs::write(path, halite_pki::spki_to_pem(&spki)) {
                tracing::warn!(path = %path.display(), error = %err, "cannot remember the master's key");
            } else {
                tracing::info!(fingerprint = %halite_pki::fingerprint(&spki), "remembered the master's key");
            }
        }
    }
    Ok(framed(tls, MAX_FRAME_LEN))
}

async fn session(
    s: &Arc<Shared>,
    to_master_rx: &mut mpsc::Receiver<MinionMsg>,
) -> Result<Session, SessionError> {
    let mut conn = connect(s).await?;
    send(
        &mut conn,
        &MinionMsg::Hello {
            version: PROTOCOL_VERSION,
            id: s.id.clone(),
        },
    )
    .await?;
    match recv_timeout::<_, MasterMsg>(&mut conn, CONNECT_TIMEOUT).await? {
        MasterMsg::Verdict {
            status: KeyVerdict::Accepted,
            ..
        } => {}
        MasterMsg::Verdict {
            status: KeyVerdict::Pending,
            ..
        } => return Ok(Session::Pending),
        MasterMsg::Verdict {
            status: KeyVerdict::BadVersion,
            reason,
        } => {
            return Err(SessionError::Fatal(MinionError::BadVersion(reason)));
        }
        MasterMsg::Verdict { .. } => return Ok(Session::Rejected),
        _ => return Err(TransportError::Closed.into()),
    }
    tracing::info!(master = %s.master_host, "connected and authenticated");
    // Anything queued while disconnected is either a stale grains update
    // (fresh grains go out now) or a result that the outbox also holds.
    while to_master_rx.try_recv().is_ok() {}
    send(
        &mut conn,
        &MinionMsg::Grains {
            grains: (*s.table.current_grains()).clone(),
        },
    )
    .await?;
    for ret in s.outbox.pending() {
        send(&mut conn, &MinionMsg::Return(ret)).await?;
    }
    loop {
        // A live master is never silent for long: it pings an idle minion
        // and acknowledges every return. Silence means a half-open
        // connection (the master's host vanished); reconnect.
        let alive = tokio::time::timeout(
            s.master_alive,
            halite_transport::recv::<_, MasterMsg>(&mut conn),
        );
        tokio::select! {
            msg = alive => match msg.unwrap_or(Err(TransportError::Timeout)) {
                Ok(MasterMsg::Publish(publish)) => start_job(s, publish),
                Ok(MasterMsg::ReturnAck { jid }) => s.outbox.ack(&jid),
                Ok(MasterMsg::Ping) => send(&mut conn, &MinionMsg::Pong).await?,
                Ok(MasterMsg::Response { req_id, res }) => s.link.deliver(req_id, res),
                Ok(MasterMsg::Verdict { .. }) => {}
                Err(err) => return Ok(Session::Dropped(err.to_string())),
            },
            Some(out) = to_master_rx.recv() => {
                if let Err(err) = send(&mut conn, &out).await {
                    return Ok(Session::Dropped(err.to_string()));
                }
            }
        }
    }
}

/// Jobs that read pillar get it fresh from the master, as a Salt minion
/// refreshes pillar for state runs.
fn needs_fresh_pillar(fun: &str) -> bool {
    fun.starts_with("state.") || fun.starts_with("pillar.") || fun == "saltutil.refresh_pillar"
}

impl Shared {
    /// This minion's pillar, compiled by the master (blocking; call from a
    /// job thread). On failure the last known pillar is used, with the
    /// error in `_errors` so a state run shows it.
    fn fetch_pillar(&self, kwargs: &serde_json::Map<String, Value>) -> Arc<Value> {
        let req = halite_proto::MinionRequest::Pillar {
            saltenv: kwargs
                .get("pillarenv")
                .and_then(Value::as_str)
                .map(str::to_owned),
            pillar_override: kwargs.get("pillar").filter(|p| p.is_object()).cloned(),
        };
        let answer = self.link.request(req, FILE_TIMEOUT);
        let mut cached = self.pillar.lock().unwrap_or_else(|e| e.into_inner());
        match answer {
            Ok(halite_proto::MasterResponse::Pillar { pillar }) => {
                *cached = Arc::new(pillar);
                cached.clone()
            }
            other => {
                tracing::warn!(answer = ?other, "could not fetch pillar from the master; using the last known pillar");
                let mut stale = (**cached).clone();
                if let Value::Object(map) = &mut stale {
                    let message = format!("could not fetch pillar from the master: {other:?}");
                    map.insert("_errors".into(), Value::Array(vec![Value::String(message)]));
                }
                Arc::new(stale)
            }
        }
    }
}

fn start_job(s: &Arc<Shared>, publish: Publish) {
    let s = s.clone();
    tokio::spawn(async move {
        // saltutil functions answer about other jobs; they must not queue
        // behind them.
        let _slot = if publish.fun.starts_with("saltutil.") {
            None
        } else {
            s.job_slots.clone().acquire_owned().await.ok()
        };
        let (cancel, guard) = s.table.start(&publish);
        let job_s = s.clone();
        let job = publish.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut kwargs = job.kwarg.clone();
            kwargs.insert("__pub_jid".into(), Value::String(job.jid.to_string()));
            kwargs.insert("__pub_fun".into(), Value::String(job.fun.clone()));
            kwargs.insert("__pub_user".into(), Value::String(job.user.clone()));
            kwargs.insert("__pub_tgt".into(), Value::String(job.tgt.clone()));
            kwargs.insert("__pub_tgt_type".into(), Value::String(job.tgt_type.clone()));
            let mut ctx = Ctx::new(
                job_s.opts.clone(),
                job_s.table.current_grains(),
                job_s.config_dir.clone(),
            )
            .with_cancel_flag(cancel);
            ctx.jid = Some(job.jid.to_string());
            ctx.runtime = Some(job_s.table.clone());
            ctx.files = job_s.files.clone();
            if needs_fresh_pillar(&job.fun) {
                ctx.pillar = job_s.fetch_pillar(&job.kwarg);
            } else {
                ctx.pillar = job_s
                    .pillar
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
            }
            halite_exec::run_job(&ctx, &job.fun, Args::new(job.arg.clone(), kwargs))
        })
        .await;
        drop(guard);
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => halite_exec::Outcome {
                ret: Value::String(format!("The minion function caused an exception: {err}")),
                retcode: 1,
                success: false,
            },
        };
        let out = halite_exec::outputter_for(&publish.fun).map(str::to_owned);
        let ret = JobReturn {
            jid: publish.jid,
            id: s.id.clone(),
            fun: publish.fun,
            fun_args: publish.arg,
            ret: outcome.ret,
            retcode: outcome.retcode,
            success: outcome.success,
            out,
        };
        if let Err(err) = s.outbox.put(&ret) {
            tracing::error!(jid = %ret.jid, error = %err, "cannot write the result to the outbox; sending it unsaved");
        }
        // When the channel is full or nobody is connected the outbox still
        // holds the result and it goes out on the next connect.
        let _ = s.to_master.try_send(MinionMsg::Return(ret));
    });
}

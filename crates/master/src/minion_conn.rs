//! Minion connections: the TLS listener, the pre-authentication gate and the
//! per-minion task.
//!
//! Architecture invariant: until the key store says the presented key is
//! accepted for the claimed id, a peer can send exactly one small `Hello`
//! frame; nothing it says is acted on. Handshakes in flight are capped by a
//! semaphore and each step has a deadline, so garbage, slow or half-open
//! peers cost the master nothing lasting.

use std::sync::Arc;
use std::time::Duration;

use halite_proto::{
    KeyVerdict, MAX_FRAME_LEN, MAX_PREAUTH_FRAME_LEN, MasterMsg, MinionId, MinionMsg,
    PROTOCOL_VERSION,
};
use halite_transport::{FramedConn, TransportError, framed, recv_timeout, send, set_max_frame_len};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::state::{ConnHandle, PackedGrains, Shared, lock, read, write};

/// Most TLS handshakes in progress at once.
const MAX_HANDSHAKES: usize = 512;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages queued for one minion before publishing to it counts as failed.
const MAILBOX: usize = 256;

pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let connections = Arc::new(Semaphore::new(shared.cfg.max_minions));
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(err) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(error = %err, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(conn_permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection limit (max_minions) reached; dropping connection");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        let handshakes = handshakes.clone();
        tokio::spawn(async move {
            let _conn_permit = conn_permit;
            let Ok(permit) = handshakes.acquire_owned().await else {
                return;
            };
            let authed = match tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                authenticate(tcp, &acceptor, &shared),
            )
            .await
            {
                Ok(Ok(Some(authed))) => authed,
                Ok(Ok(None)) => return,
                Ok(Err(err)) => {
                    tracing::debug!(%peer, error = %err, "connection refused before authentication");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "handshake timed out");
                    return;
                }
            };
            drop(permit);
            run_authenticated(authed, shared).await;
        });
    }
}

/// A connection whose key is accepted for `id`.
pub(crate) struct Authenticated {
    id: MinionId,
    conn: FramedConn<TlsStream<TcpStream>>,
}

async fn authenticate(
    tcp: TcpStream,
    acceptor: &TlsAcceptor,
    shared: &Arc<Shared>,
) -> Result<Option<Authenticated>, TransportError> {
    let tls = acceptor.accept(tcp).await?;
    let spki = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|certs| certs.first())
        .and_then(halite_pki::tls::spki_of_cert);
    let Some(spki) = spki else { return Ok(None) };
    let mut conn = framed(tls, MAX_PREAUTH_FRAME_LEN);
    let (version, id) = match recv_timeout::<_, MinionMsg>(&mut conn, HANDSHAKE_TIMEOUT).await? {
        MinionMsg::Hello { version, id } => (version, id),
        _ => return Ok(None),
    };
    if version != PROTOCOL_VERSION {
        let reason =
            format!("this master speaks protocol version {PROTOCOL_VERSION}, the minion {version}");
        send(
            &mut conn,
            &MasterMsg::Verdict {
                status: KeyVerdict::BadVersion,
                reason,
            },
        )
        .await?;
        return Ok(None);
    }
    let public_pem = halite_pki::spki_to_pem(&spki);
    let verdict = {
        let shared = shared.clone();
        let id = id.clone();
        tokio::task::spawn_blocking(move || {
            shared.keys.check(&id, &public_pem, shared.cfg.auto_accept)
        })
        .await
        .map_err(|e| TransportError::Io(std::io::Error::other(e)))?
    };
    let (status, reason) = match verdict {
        Ok(status) => (status, String::new()),
        Err(err) => {
            tracing::warn!(minion_id = %id, error = %err, "key check failed");
            (KeyVerdict::Pending, err.to_string())
        }
    };
    match status {
        KeyVerdict::Accepted => {}
        KeyVerdict::Pending => {
            tracing::info!(minion_id = %id, fingerprint = %halite_pki::fingerprint(&spki), "minion key is pending acceptance")
        }
        other => tracing::warn!(minion_id = %id, verdict = ?other, "minion key refused"),
    }
    send(&mut conn, &MasterMsg::Verdict { status, reason }).await?;
    if status != KeyVerdict::Accepted {
        return Ok(None);
    }
    set_max_frame_len(&mut conn, MAX_FRAME_LEN);
    Ok(Some(Authenticated { id, conn }))
}

async fn run_authenticated(authed: Authenticated, shared: Arc<Shared>) {
    let Authenticated { id, mut conn } = authed;
    let (tx, mut rx) = mpsc::channel::<bytes::Bytes>(MAILBOX);
    let conn_id = shared.next_conn_id();
    if !read(&shared.minions).contains_key(&id) {
        // The key was just accepted by auto_accept: give it an entry.
        shared.add_minion(&id);
    }
    if let Some(entry) = write(&shared.minions).get_mut(&id) {
        // A second connection with the same key replaces the first.
        entry.conn = Some(ConnHandle { conn_id, tx });
    }
    tracing::info!(minion_id = %id, "minion connected");
    let ping_every = Duration::from_secs_f64(shared.cfg.ping_interval.max(0.1));
    let mut ping = tokio::time::interval(ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut silent_ticks = 0u32;
    let reason = loop {
        tokio::select! {
            frame = halite_transport::recv::<_, MinionMsg>(&mut conn) => {
                silent_ticks = 0;
                match frame {
                    Ok(msg) => {
                        if let Err(err) = handle(&shared, &id, msg, &mut conn).await {
                            break err.to_string();
                        }
                    }
                    Err(err) => break err.to_string(),
                }
            }
            out = rx.recv() => match out {
                Some(frame) => {
                    if let Err(err) = halite_transport::send_frame(&mut conn, frame).await {
                        break err.to_string();
                    }
                }
                None => break "replaced or key removed".to_owned(),
            },
            _ = ping.tick() => {
                silent_ticks += 1;
                if silent_ticks > 3 {
                    break "no answer to keep-alive pings".to_owned();
                }
                if silent_ticks > 1
                    && let Err(err) = send(&mut conn, &MasterMsg::Ping).await {
                        break err.to_string();
                    }
            }
        }
    };
    {
        let mut minions = write(&shared.minions);
        if let Some(entry) = minions.get_mut(&id)
            && entry.conn.as_ref().is_some_and(|c| c.conn_id == conn_id)
        {
            entry.conn = None;
        }
    }
    tracing::info!(minion_id = %id, %reason, "minion disconnected");
}

async fn handle(
    shared: &Arc<Shared>,
    id: &MinionId,
    msg: MinionMsg,
    conn: &mut FramedConn<TlsStream<TcpStream>>,
) -> Result<(), TransportError> {
    match msg {
        MinionMsg::Hello { .. } | MinionMsg::Pong => {}
        MinionMsg::Request { req_id, req } => {
            // Answered off the connection task, so a large file does not
            // hold up returns; the answer goes out through the mailbox.
            let shared = shared.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let res = crate::requests::answer(&shared, &id, req).await;
                let Ok(frame) =
                    halite_transport::encode_frame(&MasterMsg::Response { req_id, res })
                else {
                    return;
                };
                let handle = read(&shared.minions).get(&id).and_then(|m| m.conn.clone());
                if let Some(h) = handle {
                    let _ = h.tx.send(frame).await;
                }
            });
        }
        MinionMsg::Grains { grains } => {
            if !grains.is_object() {
                return Ok(());
            }
            if let Err(err) = shared.cache.store_grains(id.as_str(), &grains).await {
                tracing::error!(minion_id = %id, error = %err, "cannot store grains");
            }
            let packed = PackedGrains::pack(&grains);
            if let Some(entry) = write(&shared.minions).get_mut(id) {
                entry.grains = packed;
            }
        }
        MinionMsg::Return(mut ret) => {
            // The connection is authenticated as `id`; a minion cannot
            // return on behalf of another.
            ret.id = id.clone();
            let store = lock(&shared.waiters)
                .get(&ret.jid)
                .map_or(ret.fun != "saltutil.find_job", |w| w.store);
            if store && let Err(err) = shared.cache.store_return(ret.clone()).await {
                // No ack: the minion keeps the return and sends it again.
                tracing::error!(minion_id = %id, jid = %ret.jid, error = %err, "cannot store return");
                return Ok(());
            }
            send(
                conn,
                &MasterMsg::ReturnAck {
                    jid: ret.jid.clone(),
                },
            )
            .await?;
            let waiter = lock(&shared.waiters).get(&ret.jid).map(|w| w.tx.clone());
            if let Some(tx) = waiter {
                let _ = tx.try_send(ret);
            }
        }
    }
    Ok(())
}

/// Queues an encoded frame for a connected minion without waiting; false
/// when the minion is not connected or its mailbox is full.
pub(crate) fn try_send(shared: &Shared, id: &MinionId, frame: bytes::Bytes) -> bool {
    let handle = read(&shared.minions).get(id).and_then(|m| m.conn.clone());
    match handle {
        Some(h) => h.tx.try_send(frame).is_ok(),
        None => false,
    }
}

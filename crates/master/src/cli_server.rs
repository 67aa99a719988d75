//! The CLI's door into the master: a Unix socket in `sock_dir`.
//!
//! Only the master's own user (or root) may use it: the directory is 0700,
//! the socket 0600, and every connection's peer credentials are checked
//! before a byte of it is read. No network port accepts commands.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use halite_pki::KeyState;
use halite_proto::{CliReply, CliRequest, KeyAction, MAX_FRAME_LEN};
use halite_transport::{FramedConn, feed, flush, framed, recv, send};
use serde_json::{Map, Value, json};
use tokio::net::{UnixListener, UnixStream};

use crate::publish::{Follow, FollowEvent, JobRequest, publish};
use crate::runners;
use crate::state::Shared;

/// Binds the socket with safe permissions (replacing a stale one).
pub(crate) fn bind(sock_dir: &Path) -> std::io::Result<UnixListener> {
    std::fs::create_dir_all(sock_dir)?;
    std::fs::set_permissions(sock_dir, std::fs::Permissions::from_mode(0o700))?;
    let path = sock_dir.join("master.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

pub(crate) async fn serve(listener: UnixListener, shared: Arc<Shared>) {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let my_uid = unsafe { libc::geteuid() };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let allowed = stream
            .peer_cred()
            .map(|c| c.uid() == 0 || c.uid() == my_uid)
            .unwrap_or(false);
        if !allowed {
            tracing::warn!("refused a CLI connection from another user");
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut conn = framed(stream, MAX_FRAME_LEN);
            // One connection may carry several requests (`key -a` lists,
            // then changes); it ends when the CLI closes it.
            while let Ok(req) = recv::<_, CliRequest>(&mut conn).await {
                if let Err(message) = handle(&shared, req, &mut conn).await
                    && send(&mut conn, &CliReply::Error { message }).await.is_err()
                {
                    break;
                }
            }
        });
    }
}

type Conn = FramedConn<UnixStream>;

async fn handle(shared: &Arc<Shared>, req: CliRequest, conn: &mut Conn) -> Result<(), String> {
    match req {
        CliRequest::Publish {
            tgt,
            tgt_type,
            fun,
            arg,
            kwarg,
            timeout,
            is_async,
            user,
        } => {
            let job = publish(
                shared,
                JobRequest {
                    tgt,
                    tgt_type,
                    fun,
                    arg,
                    kwarg,
                    user,
                },
                true,
            )
            .await?;
            let published = CliReply::Published {
                jid: job.jid.clone(),
                expected: job.expected.clone(),
                not_connected: job.not_connected.clone(),
            };
            send(conn, &published).await.map_err(|e| e.to_string())?;
            if is_async {
                // Returns still land in the job cache; nobody waits for them here.
                crate::state::lock(&shared.waiters).remove(&job.jid);
                return Ok(());
            }
            let timeout = if timeout > 0.0 {
                timeout
            } else {
                shared.cfg.timeout
            };
            let mut follow = Follow::new(shared, job, Duration::from_secs_f64(timeout));
            let reply = |event| match event {
                FollowEvent::Return(ret) => CliReply::Return(ret),
                FollowEvent::Done(missing) => CliReply::Done { missing },
            };
            // A closed CLI ends the follow; results still reach the cache.
            while let Some(event) = follow.next().await {
                // Returns that arrived together go out in one write.
                feed(conn, &reply(event)).await.map_err(|e| e.to_string())?;
                while let Some(event) = follow.next_ready() {
                    feed(conn, &reply(event)).await.map_err(|e| e.to_string())?;
                }
                flush(conn).await.map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        CliRequest::Key(action) => {
            let shared2 = shared.clone();
            let data = tokio::task::spawn_blocking(move || key_action(&shared2, action))
                .await
                .map_err(|e| e.to_string())??;
            send(conn, &CliReply::Data { data })
                .await
                .map_err(|e| e.to_string())
        }
        CliRequest::Runner { fun, arg, kwarg } => {
            let data = runners::run(shared, &fun, arg, kwarg).await?;
            send(conn, &CliReply::Data { data })
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// Pending keys, plus the other states whose flag is set (salt-key's
/// `--include-rejected` and friends).
fn sources(also: &[(bool, KeyState)]) -> Vec<KeyState> {
    std::iter::once(KeyState::Pending)
        .chain(also.iter().filter(|(on, _)| *on).map(|(_, state)| *state))
        .collect()
}

fn key_action(shared: &Arc<Shared>, action: KeyAction) -> Result<Value, String> {
    let keys = &shared.keys;
    let err = |e: halite_pki::Error| e.to_string();
    let changed = |ids: Vec<String>| json!(ids);
    let data = match action {
        KeyAction::List => key_list(shared),
        KeyAction::Accept {
            pattern,
            include_rejected,
            include_denied,
        } => {
            let from = sources(&[
                (include_rejected, KeyState::Rejected),
                (include_denied, KeyState::Denied),
            ]);
            changed(
                keys.transition(&pattern, &from, KeyState::Accepted)
                    .map_err(err)?,
            )
        }
        KeyAction::Reject {
            pattern,
            include_accepted,
            include_denied,
        } => {
            let from = sources(&[
                (include_accepted, KeyState::Accepted),
                (include_denied, KeyState::Denied),
            ]);
            changed(
                keys.transition(&pattern, &from, KeyState::Rejected)
                    .map_err(err)?,
            )
        }
        KeyAction::Delete { pattern } => changed(keys.delete(&pattern).map_err(err)?),
        KeyAction::Finger { pattern } => {
            let mut out = Map::new();
            for (state, entries) in keys.fingerprints(&pattern) {
                let map: Map<String, Value> = entries
                    .into_iter()
                    .map(|(id, fp)| (id, Value::String(fp)))
                    .collect();
                out.insert(state.dir_name().to_owned(), Value::Object(map));
            }
            Value::Object(out)
        }
    };
    let remembered = shared
        .cache
        .load_grains()
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    shared.sync_with_keys(&remembered);
    Ok(data)
}

/// `salt-key -L --out json` shape.
pub(crate) fn key_list(shared: &Shared) -> Value {
    let mut out = Map::new();
    for (state, ids) in shared.keys.list() {
        out.insert(state.dir_name().to_owned(), json!(ids));
    }
    Value::Object(out)
}

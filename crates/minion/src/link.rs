//! Requests from running jobs to the master (files, pillar). Jobs run on
//! blocking threads, so the call blocks on an answer with a deadline; the
//! connection task routes each `Response` to its waiting request by id.
//! When the connection drops, every waiting request fails at once rather
//! than hanging until its deadline.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc as std_mpsc};
use std::time::Duration;

use halite_proto::{MasterResponse, MinionMsg, MinionRequest};
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("not connected to the master")]
    NotConnected,
    #[error("the master did not answer within {0:?}")]
    Timeout(Duration),
}

pub struct MasterLink {
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, std_mpsc::SyncSender<MasterResponse>>>,
    to_master: mpsc::Sender<MinionMsg>,
}

impl MasterLink {
    pub(crate) fn new(to_master: mpsc::Sender<MinionMsg>) -> MasterLink {
        MasterLink {
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            to_master,
        }
    }

    fn pending(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<u64, std_mpsc::SyncSender<MasterResponse>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `req` and waits for the answer. Call from a blocking thread
    /// (a job), never from async code.
    pub fn request(
        &self,
        req: MinionRequest,
        timeout: Duration,
    ) -> Result<MasterResponse, LinkError> {
        let req_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = std_mpsc::sync_channel(1);
        self.pending().insert(req_id, tx);
        if self
            .to_master
            .blocking_send(MinionMsg::Request { req_id, req })
            .is_err()
        {
            self.pending().remove(&req_id);
            return Err(LinkError::NotConnected);
        }
        let answer = rx.recv_timeout(timeout);
        self.pending().remove(&req_id);
        match answer {
            Ok(res) => Ok(res),
            Err(std_mpsc::RecvTimeoutError::Timeout) => Err(LinkError::Timeout(timeout)),
            Err(std_mpsc::RecvTimeoutError::Disconnected) => Err(LinkError::NotConnected),
        }
    }

    /// Routes an answer to its request (unknown ids are late answers to
    /// requests that gave up; they are dropped).
    pub(crate) fn deliver(&self, req_id: u64, res: MasterResponse) {
        if let Some(tx) = self.pending().remove(&req_id) {
            let _ = tx.try_send(res);
        }
    }

    /// The connection dropped: fail every waiting request now.
    pub(crate) fn disconnected(&self) {
        self.pending().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_reach_their_request_and_a_drop_fails_the_rest() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        let link = std::sync::Arc::new(MasterLink::new(tx));
        let asker = {
            let link = link.clone();
            std::thread::spawn(move || {
                link.request(
                    MinionRequest::FileList {
                        saltenv: "base".into(),
                    },
                    Duration::from_secs(30),
                )
            })
        };
        let req_id = rt.block_on(async {
            match rx.recv().await.unwrap() {
                MinionMsg::Request { req_id, req } => {
                    assert_eq!(
                        req,
                        MinionRequest::FileList {
                            saltenv: "base".into()
                        }
                    );
                    req_id
                }
                other => panic!("unexpected {other:?}"),
            }
        });
        link.deliver(
            req_id,
            MasterResponse::List {
                items: vec!["top.sls".into()],
            },
        );
        assert_eq!(
            asker.join().unwrap(),
            Ok(MasterResponse::List {
                items: vec!["top.sls".into()]
            })
        );

        let asker = {
            let link = link.clone();
            std::thread::spawn(move || {
                link.request(
                    MinionRequest::FileList {
                        saltenv: "base".into(),
                    },
                    Duration::from_secs(30),
                )
            })
        };
        rt.block_on(async { rx.recv().await.unwrap() });
        link.disconnected();
        assert_eq!(asker.join().unwrap(), Err(LinkError::NotConnected));
    }
}

//! Requests from running jobs to the master (files, pillar). Jobs run on
//! blocking threads, so the call blocks on an answer with a deadline; the
//! connection task routes each `Response` to its waiting request by id.
//! When the connection drops, every waiting request fails at once rather
//! than hanging until its deadline.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc as std_mpsc};
use std::time::Duration;

use halite_fileserver::{FileClient, FileServerError};
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

/// `salt://` files fetched from the master over the link; wrap it in
/// `halite_fileserver::CachingClient` so unchanged files are not fetched
/// again.
pub struct RemoteFileClient {
    link: std::sync::Arc<MasterLink>,
    timeout: Duration,
}

impl RemoteFileClient {
    pub fn new(link: std::sync::Arc<MasterLink>, timeout: Duration) -> RemoteFileClient {
        RemoteFileClient { link, timeout }
    }

    fn ask(&self, req: MinionRequest) -> Result<MasterResponse, FileServerError> {
        match self.link.request(req, self.timeout) {
            Ok(MasterResponse::Error { message }) => Err(FileServerError::Remote(message)),
            Ok(res) => Ok(res),
            Err(err) => Err(FileServerError::Remote(err.to_string())),
        }
    }

    fn list(&self, req: MinionRequest) -> Result<Vec<String>, FileServerError> {
        match self.ask(req)? {
            MasterResponse::List { items } => Ok(items),
            other => Err(unexpected(&other)),
        }
    }
}

fn unexpected(res: &MasterResponse) -> FileServerError {
    FileServerError::Remote(format!("unexpected answer from the master: {res:?}"))
}

impl FileClient for RemoteFileClient {
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        match self.ask(MinionRequest::FileHash {
            saltenv: saltenv.into(),
            path: path.into(),
        })? {
            MasterResponse::Hash { sha256 } => Ok(sha256),
            other => Err(unexpected(&other)),
        }
    }

    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        match self.ask(MinionRequest::GetFile {
            saltenv: saltenv.into(),
            path: path.into(),
        })? {
            MasterResponse::File { data } => Ok(Some(data)),
            MasterResponse::NotFound => Ok(None),
            other => Err(unexpected(&other)),
        }
    }

    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.list(MinionRequest::FileList {
            saltenv: saltenv.into(),
        })
    }

    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.list(MinionRequest::DirList {
            saltenv: saltenv.into(),
        })
    }

    fn list_states(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.list(MinionRequest::ListStates {
            saltenv: saltenv.into(),
        })
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

//! Answers to what a minion asks while running a job: `salt://` files from
//! the file roots and its own pillar. The asking minion is authenticated by
//! its connection; it is never told anything about another minion, and the
//! file server only ever opens a `RootedPath` (see `halite_fileserver`).

use std::sync::Arc;

use halite_fileserver::FileServerError;
use halite_proto::{MasterResponse, MinionId, MinionRequest};

use crate::state::Shared;

pub(crate) async fn answer(
    shared: &Arc<Shared>,
    id: &MinionId,
    req: MinionRequest,
) -> MasterResponse {
    let shared = shared.clone();
    let id = id.clone();
    // File system work runs off the async threads.
    tokio::task::spawn_blocking(move || answer_blocking(&shared, &id, req))
        .await
        .unwrap_or_else(|e| MasterResponse::Error {
            message: e.to_string(),
        })
}

fn answer_blocking(shared: &Shared, id: &MinionId, req: MinionRequest) -> MasterResponse {
    let files = |res: Result<MasterResponse, FileServerError>| {
        res.unwrap_or_else(|err| {
            tracing::warn!(minion_id = %id, error = %err, "file server request refused");
            MasterResponse::Error {
                message: err.to_string(),
            }
        })
    };
    let roots = &shared.roots;
    match req {
        MinionRequest::FileHash { saltenv, path } => files(roots.find_file(&saltenv, &path).map(
            |info| MasterResponse::Hash {
                sha256: info.map(|i| i.sha256),
            },
        )),
        MinionRequest::GetFile { saltenv, path } => files((|| {
            let Some(rooted) = roots.resolve(&saltenv, &path)? else {
                return Ok(MasterResponse::NotFound);
            };
            Ok(MasterResponse::File {
                data: roots.read(&rooted)?,
            })
        })()),
        MinionRequest::FileList { saltenv } => files(
            roots
                .file_list(&saltenv)
                .map(|items| MasterResponse::List { items }),
        ),
        MinionRequest::DirList { saltenv } => files(
            roots
                .dir_list(&saltenv)
                .map(|items| MasterResponse::List { items }),
        ),
        MinionRequest::ListStates { saltenv } => files(
            roots
                .list_states(&saltenv)
                .map(|items| MasterResponse::List { items }),
        ),
        MinionRequest::Pillar { .. } => MasterResponse::Error {
            message: "pillar is not available yet".into(),
        },
    }
}

//! Answers to what a minion asks while running a job: `salt://` files from
//! the file roots and its own pillar. The asking minion is authenticated by
//! its connection; it is never told anything about another minion.

use std::sync::Arc;

use halite_proto::{MasterResponse, MinionId, MinionRequest};

use crate::state::Shared;

pub(crate) async fn answer(
    shared: &Arc<Shared>,
    id: &MinionId,
    req: MinionRequest,
) -> MasterResponse {
    let _ = (shared, id);
    match req {
        MinionRequest::FileHash { .. }
        | MinionRequest::GetFile { .. }
        | MinionRequest::FileList { .. }
        | MinionRequest::ListStates { .. } => MasterResponse::Error {
            message: "the file server is not available yet".into(),
        },
        MinionRequest::Pillar { .. } => MasterResponse::Error {
            message: "pillar is not available yet".into(),
        },
    }
}

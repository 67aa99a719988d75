//! Answers to what a minion asks while running a job: `salt://` files from
//! the file roots and its own pillar. The asking minion is authenticated by
//! its connection; it is never told anything about another minion, and the
//! file server only ever opens a `RootedPath` (see `halite_fileserver`).

use std::sync::Arc;

use halite_fileserver::FileServerError;
use halite_proto::{MasterResponse, MinionId, MinionRequest};

use serde_json::Value;

use crate::state::{Shared, read};

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
        MinionRequest::Pillar {
            saltenv,
            pillar_override,
        } => MasterResponse::Pillar {
            pillar: pillar_for(shared, id, saltenv.as_deref(), pillar_override.as_ref()),
        },
    }
}

/// Compiles `id`'s pillar from the master's `pillar_roots`, with the grains
/// that minion sent. Only ever called for the minion that asked.
fn pillar_for(
    shared: &Shared,
    id: &MinionId,
    pillarenv: Option<&str>,
    pillar_override: Option<&Value>,
) -> Value {
    let grains = read(&shared.minions)
        .get(id)
        .map(|m| m.grains.clone())
        .unwrap_or_default()
        .unpack();
    let opts = Arc::new(Value::Object(shared.cfg.opts.clone()));
    // Template calls (`salt[...]`) run with the master's options and the
    // minion's grains, as Salt renders pillar on the master.
    let ctx = halite_exec::Ctx::new(
        opts,
        Arc::new(grains.clone()),
        shared.cfg.config_dir.clone(),
    );
    let mut source =
        halite_pillar::RenderedSource::for_ctx(&ctx, shared.pillar_files.clone(), "pillar_roots");
    let pillarenv = pillarenv.or_else(|| shared.cfg.opts.get("pillarenv").and_then(Value::as_str));
    halite_pillar::compile_pillar(
        &mut source,
        &halite_pillar::PillarRequest {
            minion_id: id.as_str(),
            grains: &grains,
            pillarenv,
            pillar_override,
            nodegroups: &shared.cfg.nodegroups,
        },
    )
}

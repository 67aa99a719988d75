//! `jobs`: look into the job cache.

use std::sync::Arc;

use halite_proto::Jid;
use serde_json::{Map, Value};

use super::{Runner, arg};
use crate::state::Shared;

pub(crate) const LIST_JOBS: Runner = Runner {
    name: "jobs.list_jobs",
    doc: "List the jobs in the job cache (those younger than keep_jobs hours), keyed by jid.\n\nCLI Example:\n\n    halite run jobs.list_jobs",
    call: list_jobs,
};

pub(crate) const LOOKUP_JID: Runner = Runner {
    name: "jobs.lookup_jid",
    doc: "Return the stored results of a job, keyed by minion id. With missing=True, minions that were targeted and have not returned are listed too.\n\nCLI Example:\n\n    halite run jobs.lookup_jid 20261124140000123456",
    call: lookup_jid,
};

fn list_jobs(
    shared: &Arc<Shared>,
    _args: &[Value],
    _kwargs: &Map<String, Value>,
) -> Result<Value, String> {
    shared
        .cache
        .list_jobs()
        .map(Value::Object)
        .map_err(|e| e.to_string())
}

fn lookup_jid(
    shared: &Arc<Shared>,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Value, String> {
    let jid = match arg(args, kwargs, 0, "jid") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("jobs.lookup_jid needs a jid".into()),
    };
    let jid = Jid::parse(&jid).ok_or_else(|| format!("{jid:?} is not a job id (20 digits)"))?;
    let missing = arg(args, kwargs, 1, "missing")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut out = Map::new();
    for ret in shared.cache.returns(&jid).map_err(|e| e.to_string())? {
        out.insert(ret.id.to_string(), ret.ret);
    }
    if missing && let Some(job) = shared.cache.job(&jid).map_err(|e| e.to_string())? {
        for id in job.minions {
            out.entry(id)
                .or_insert_with(|| Value::String("Minion did not return".into()));
        }
    }
    Ok(Value::Object(out))
}

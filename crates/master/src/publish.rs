//! Publishing a job: resolve the target against the registry, record the
//! job, send it to the matching connected minions, and follow it until every
//! expected minion has returned or has been given up on.
//!
//! Timeout rule (Salt's): after `timeout` seconds of silence the master asks
//! the outstanding connected minions `saltutil.find_job`; those still
//! running the job earn another `timeout`, the others are reported
//! `No response`. Minions without a connection are reported `Not connected`;
//! their results still land in the job cache when they come back.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use halite_proto::{Jid, JobReturn, MasterMsg, MinionId, Missing, MissingReason, Publish};
use halite_target::{Matcher, MinionData, TargetType};
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::jobcache::JobRecord;
use crate::minion_conn::try_send;
use crate::state::{MinionEntry, PackedGrains, Shared, Waiter, lock, read};

/// What the CLI asked for.
pub(crate) struct JobRequest {
    pub tgt: String,
    pub tgt_type: String,
    pub fun: String,
    pub arg: Vec<Value>,
    pub kwarg: Map<String, Value>,
    pub user: String,
}

/// A job that has been sent out.
pub(crate) struct Published {
    pub jid: Jid,
    pub expected: Vec<MinionId>,
    pub not_connected: Vec<MinionId>,
    pub returns: mpsc::Receiver<JobReturn>,
}

struct Candidate<'a> {
    id: &'a MinionId,
    grains: &'a Value,
}

impl MinionData for Candidate<'_> {
    fn id(&self) -> &str {
        self.id.as_str()
    }
    fn grains(&self) -> &Value {
        self.grains
    }
}

/// The accepted minions matching a target, split into connected and not.
pub(crate) fn resolve(
    shared: &Shared,
    tgt: &str,
    tgt_type: &str,
) -> Result<(Vec<MinionId>, Vec<MinionId>), String> {
    let tgt_type: TargetType = tgt_type.parse().map_err(|e| format!("{e}"))?;
    let matcher =
        Matcher::compile(tgt, tgt_type, &shared.cfg.nodegroups).map_err(|e| e.to_string())?;
    // Snapshot the candidates under the lock (cheap clones), then match
    // without it: unpacking grains must not stall connection updates.
    let candidates: Vec<(MinionId, PackedGrains, bool)> = {
        let minions = read(&shared.minions);
        let snapshot = |id: &MinionId, entry: &MinionEntry| {
            (id.clone(), entry.grains.clone(), entry.conn.is_some())
        };
        match matcher.candidate_ids() {
            // Exact names (a list, a glob without wildcards) are looked up
            // instead of scanning every minion.
            Some(ids) => ids
                .iter()
                .filter_map(|id| MinionId::new(id.clone()).ok())
                .filter_map(|id| minions.get(&id).map(|entry| snapshot(&id, entry)))
                .collect(),
            None => minions
                .iter()
                .map(|(id, entry)| snapshot(id, entry))
                .collect(),
        }
    };
    let needs_grains = matcher.uses_grains();
    let mut connected = Vec::new();
    let mut not_connected = Vec::new();
    for (id, grains, is_connected) in candidates {
        let grains = if needs_grains {
            grains.unpack()
        } else {
            Value::Null
        };
        if matcher.matches(&Candidate {
            id: &id,
            grains: &grains,
        }) {
            if is_connected {
                connected.push(id);
            } else {
                not_connected.push(id);
            }
        }
    }
    connected.sort();
    connected.dedup();
    not_connected.sort();
    not_connected.dedup();
    Ok((connected, not_connected))
}

/// Publishes a job. The waiter is registered before anything is sent, so no
/// return can slip past.
pub(crate) async fn publish(
    shared: &Arc<Shared>,
    req: JobRequest,
    store: bool,
) -> Result<Published, String> {
    let (targets, not_connected) = resolve(shared, &req.tgt, &req.tgt_type)?;
    let jid = shared.next_jid();
    let (tx, returns) = mpsc::channel(targets.len() + not_connected.len() + 16);
    lock(&shared.waiters).insert(jid.clone(), Waiter { tx, store });
    if store {
        let mut minions: Vec<String> = targets
            .iter()
            .chain(&not_connected)
            .map(|m| m.to_string())
            .collect();
        minions.sort();
        let record = JobRecord {
            jid: jid.clone(),
            fun: req.fun.clone(),
            arg: req.arg.clone(),
            tgt: req.tgt.clone(),
            tgt_type: req.tgt_type.clone(),
            user: req.user.clone(),
            minions,
        };
        if let Err(err) = shared.cache.store_job(record).await {
            lock(&shared.waiters).remove(&jid);
            return Err(err.to_string());
        }
    }
    let publish = Publish {
        jid: jid.clone(),
        fun: req.fun,
        arg: req.arg,
        kwarg: req.kwarg,
        tgt: req.tgt,
        tgt_type: req.tgt_type,
        user: req.user,
    };
    let frame =
        halite_transport::encode_frame(&MasterMsg::Publish(publish)).map_err(|e| e.to_string())?;
    let mut expected = Vec::with_capacity(targets.len());
    let mut not_connected = not_connected;
    for id in targets {
        if try_send(shared, &id, frame.clone()) {
            expected.push(id);
        } else {
            not_connected.push(id);
        }
    }
    Ok(Published {
        jid,
        expected,
        not_connected,
        returns,
    })
}

/// Drops the waiter of a job when its follower goes away.
pub(crate) struct WaiterGuard<'a> {
    pub shared: &'a Shared,
    pub jid: Jid,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.waiters).remove(&self.jid);
    }
}

/// What following a job yields.
pub(crate) enum FollowEvent {
    Return(JobReturn),
    /// The job is over for the follower: these minions never returned.
    Done(Vec<Missing>),
}

/// Follows a published job: yields each expected return as it arrives,
/// then the minions that never returned, with the reason.
pub(crate) struct Follow<'a> {
    shared: &'a Arc<Shared>,
    job: Published,
    timeout: Duration,
    deadline: Instant,
    outstanding: HashSet<MinionId>,
    finished: bool,
    _guard: WaiterGuard<'a>,
}

impl<'a> Follow<'a> {
    pub fn new(shared: &'a Arc<Shared>, job: Published, timeout: Duration) -> Follow<'a> {
        let outstanding = job.expected.iter().cloned().collect();
        Follow {
            shared,
            _guard: WaiterGuard {
                shared,
                jid: job.jid.clone(),
            },
            job,
            timeout,
            deadline: Instant::now() + timeout,
            outstanding,
            finished: false,
        }
    }

    /// A return that has already arrived, without waiting (to batch
    /// writes to the CLI). `None` when none is ready or the job is over.
    pub fn next_ready(&mut self) -> Option<FollowEvent> {
        while !self.finished && !self.outstanding.is_empty() {
            let ret = self.job.returns.try_recv().ok()?;
            if self.outstanding.remove(&ret.id) {
                return Some(FollowEvent::Return(ret));
            }
        }
        None
    }

    pub async fn next(&mut self) -> Option<FollowEvent> {
        if self.finished {
            return None;
        }
        while !self.outstanding.is_empty() {
            tokio::select! {
                ret = self.job.returns.recv() => {
                    let Some(ret) = ret else { break };
                    if self.outstanding.remove(&ret.id) {
                        return Some(FollowEvent::Return(ret));
                    }
                }
                _ = tokio::time::sleep_until(self.deadline) => {
                    let still_running = find_job(self.shared, &self.job, &self.outstanding).await;
                    if still_running.is_empty() {
                        // Returns that raced with the probe still count.
                        if let Ok(ret) = self.job.returns.try_recv()
                            && self.outstanding.remove(&ret.id) {
                                return Some(FollowEvent::Return(ret));
                            }
                        break;
                    }
                    self.deadline = Instant::now() + self.timeout;
                }
            }
        }
        self.finished = true;
        let mut missing: Vec<Missing> = self
            .job
            .not_connected
            .iter()
            .map(|id| Missing {
                id: id.clone(),
                reason: MissingReason::NotConnected,
            })
            .collect();
        let mut rest: Vec<MinionId> = self.outstanding.drain().collect();
        rest.sort();
        for id in rest {
            let reason = if self.shared.is_connected(&id) {
                MissingReason::NoResponse
            } else {
                MissingReason::NotConnected
            };
            missing.push(Missing { id, reason });
        }
        Some(FollowEvent::Done(missing))
    }
}

/// Asks the connected outstanding minions whether they still run the job;
/// returns those that do. Real returns that arrive meanwhile stay queued.
async fn find_job(
    shared: &Arc<Shared>,
    job: &Published,
    outstanding: &HashSet<MinionId>,
) -> HashSet<MinionId> {
    let connected: Vec<MinionId> = outstanding
        .iter()
        .filter(|id| shared.is_connected(id))
        .cloned()
        .collect();
    if connected.is_empty() {
        return HashSet::new();
    }
    let probe_jid = shared.next_jid();
    let (tx, mut rx) = mpsc::channel(connected.len() + 16);
    lock(&shared.waiters).insert(probe_jid.clone(), Waiter { tx, store: false });
    let _guard = WaiterGuard {
        shared,
        jid: probe_jid.clone(),
    };
    let probe = Publish {
        jid: probe_jid,
        fun: "saltutil.find_job".into(),
        arg: vec![Value::String(job.jid.to_string())],
        kwarg: Map::new(),
        tgt: String::new(),
        tgt_type: "list".into(),
        user: String::new(),
    };
    let Ok(frame) = halite_transport::encode_frame(&MasterMsg::Publish(probe)) else {
        return HashSet::new();
    };
    let mut asked: HashSet<MinionId> = HashSet::new();
    for id in connected {
        if try_send(shared, &id, frame.clone()) {
            asked.insert(id);
        }
    }
    let mut running = HashSet::new();
    let gather = Duration::from_secs_f64(shared.cfg.gather_job_timeout.max(0.1));
    let deadline = Instant::now() + gather;
    while !asked.is_empty() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ret)) => {
                asked.remove(&ret.id);
                if ret.ret.as_object().is_some_and(|m| !m.is_empty()) {
                    running.insert(ret.id);
                }
            }
            _ => break,
        }
    }
    running
}

//! Running jobs: each job runs on a blocking thread (commands in their own
//! process groups, see `cmd`), registered here so `saltutil.running`,
//! `saltutil.find_job` and `saltutil.kill_job` can see and stop it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use halite_exec::{ExecError, Runtime};
use halite_proto::{Jid, MinionMsg, Publish};
use serde_json::{Value, json};
use tokio::sync::mpsc;

struct RunningJob {
    publish: Publish,
    cancel: Arc<AtomicBool>,
}

/// The minion's job table, shared with the modules through [`Runtime`].
pub struct JobTable {
    minion_id: String,
    jobs: Mutex<HashMap<Jid, RunningJob>>,
    /// Re-collects grains; used by `saltutil.refresh_grains`.
    pub(crate) grains_source: Box<dyn Fn() -> Value + Send + Sync>,
    pub(crate) grains: Mutex<Arc<Value>>,
    pub(crate) to_master: mpsc::Sender<MinionMsg>,
}

impl JobTable {
    pub(crate) fn new(
        minion_id: String,
        grains_source: Box<dyn Fn() -> Value + Send + Sync>,
        to_master: mpsc::Sender<MinionMsg>,
    ) -> JobTable {
        let grains = Arc::new(grains_source());
        JobTable {
            minion_id,
            jobs: Mutex::new(HashMap::new()),
            grains_source,
            grains: Mutex::new(grains),
            to_master,
        }
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<Jid, RunningJob>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn current_grains(&self) -> Arc<Value> {
        self.grains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Registers a job; the returned guard unregisters it when dropped.
    pub(crate) fn start(self: &Arc<Self>, publish: &Publish) -> (Arc<AtomicBool>, JobGuard) {
        let cancel = Arc::new(AtomicBool::new(false));
        self.jobs().insert(
            publish.jid.clone(),
            RunningJob {
                publish: publish.clone(),
                cancel: cancel.clone(),
            },
        );
        (
            cancel,
            JobGuard {
                table: self.clone(),
                jid: publish.jid.clone(),
            },
        )
    }

    fn entry(&self, job: &RunningJob) -> Value {
        json!({
            "jid": job.publish.jid,
            "fun": job.publish.fun,
            "arg": job.publish.arg,
            "tgt": job.publish.tgt,
            "tgt_type": job.publish.tgt_type,
            "user": job.publish.user,
            "pid": std::process::id(),
            "id": self.minion_id,
        })
    }
}

pub(crate) struct JobGuard {
    table: Arc<JobTable>,
    jid: Jid,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.table.jobs().remove(&self.jid);
    }
}

impl Runtime for JobTable {
    fn running(&self) -> Vec<Value> {
        let jobs = self.jobs();
        let mut entries: Vec<(&Jid, Value)> = jobs
            .iter()
            .map(|(jid, job)| (jid, self.entry(job)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.into_iter().map(|(_, v)| v).collect()
    }

    fn kill_job(&self, jid: &str) -> Result<Value, ExecError> {
        let jobs = self.jobs();
        let job = Jid::parse(jid)
            .and_then(|j| jobs.get(&j))
            .ok_or_else(|| ExecError::failed(format!("job {jid} is not running")))?;
        job.cancel.store(true, Ordering::Relaxed);
        Ok(Value::String(format!(
            "Signal 9 sent to job {jid} at pid {}",
            std::process::id()
        )))
    }

    fn refresh_grains(&self) -> Result<(), ExecError> {
        let fresh = Arc::new((self.grains_source)());
        *self.grains.lock().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        // Best effort: when disconnected, grains are sent on reconnect anyway.
        let _ = self.to_master.try_send(MinionMsg::Grains {
            grains: (*fresh).clone(),
        });
        Ok(())
    }
}

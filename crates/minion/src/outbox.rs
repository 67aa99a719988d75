//! The outbox: every job result is written here before it is sent, and
//! removed only when the master acknowledges that it stored it. A minion that
//! is disconnected, killed or restarted delivers its results later; none is
//! lost.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use halite_proto::{Jid, JobReturn};

/// Disk-backed for real minions; in memory for the simulated swarm.
pub enum Outbox {
    Disk(PathBuf),
    Memory(Mutex<BTreeMap<Jid, JobReturn>>),
}

impl Outbox {
    pub fn disk(dir: PathBuf) -> std::io::Result<Outbox> {
        fs::create_dir_all(&dir)?;
        Ok(Outbox::Disk(dir))
    }

    pub fn memory() -> Outbox {
        Outbox::Memory(Mutex::new(BTreeMap::new()))
    }

    /// Stores `ret` durably (written and synced) before it is sent.
    pub fn put(&self, ret: &JobReturn) -> std::io::Result<()> {
        match self {
            Outbox::Disk(dir) => {
                let bytes = halite_proto::encode(ret).map_err(std::io::Error::other)?;
                let tmp = dir.join(format!(".{}.tmp", ret.jid));
                let mut file = fs::File::create(&tmp)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                fs::rename(&tmp, dir.join(format!("{}.ret", ret.jid)))
            }
            Outbox::Memory(map) => {
                map.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(ret.jid.clone(), ret.clone());
                Ok(())
            }
        }
    }

    /// The master has the result: forget it.
    pub fn ack(&self, jid: &Jid) {
        match self {
            Outbox::Disk(dir) => {
                let _ = fs::remove_file(dir.join(format!("{jid}.ret")));
            }
            Outbox::Memory(map) => {
                map.lock().unwrap_or_else(|e| e.into_inner()).remove(jid);
            }
        }
    }

    /// Everything not yet acknowledged, oldest first. Unreadable files are
    /// skipped with a warning rather than blocking the rest.
    pub fn pending(&self) -> Vec<JobReturn> {
        match self {
            Outbox::Disk(dir) => {
                let mut names: Vec<PathBuf> = fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "ret"))
                    .collect();
                names.sort();
                names
                    .into_iter()
                    .filter_map(|path| {
                        let decoded = fs::read(&path).ok().and_then(|b| halite_proto::decode::<JobReturn>(&b).ok());
                        if decoded.is_none() {
                            tracing::warn!(path = %path.display(), "unreadable outbox entry skipped");
                        }
                        decoded
                    })
                    .collect()
            }
            Outbox::Memory(map) => map
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_proto::MinionId;
    use serde_json::json;

    #[test]
    fn results_survive_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let ret = JobReturn {
            jid: Jid::parse("20261124140000000001").unwrap(),
            id: MinionId::new("m1").unwrap(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: json!(true),
            retcode: 0,
            success: true,
            out: None,
        };
        Outbox::disk(dir.path().into()).unwrap().put(&ret).unwrap();
        let reopened = Outbox::disk(dir.path().into()).unwrap();
        assert_eq!(reopened.pending(), vec![ret.clone()]);
        reopened.ack(&ret.jid);
        assert!(reopened.pending().is_empty());
    }
}

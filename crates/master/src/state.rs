//! The master's shared state: the minion registry (one entry per accepted
//! key, O(1) per minion), the return waiters, the key store and the job cache.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use halite_config::MasterConfig;
use halite_pki::{KeyState, KeyStore};
use halite_proto::{Jid, JobReturn, MasterMsg, MinionId};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::jobcache::JobCache;

/// A live connection's mailbox. Dropping the sender closes the connection.
#[derive(Clone)]
pub(crate) struct ConnHandle {
    pub conn_id: u64,
    pub tx: mpsc::Sender<MasterMsg>,
}

pub(crate) struct MinionEntry {
    pub grains: Arc<Value>,
    pub conn: Option<ConnHandle>,
}

/// Where returns of a job in progress are forwarded.
pub(crate) struct Waiter {
    pub tx: mpsc::Sender<JobReturn>,
    /// False for the master's own `saltutil.find_job` probes, which are not
    /// kept in the job cache.
    pub store: bool,
}

pub(crate) struct Shared {
    pub cfg: MasterConfig,
    pub keys: KeyStore,
    pub cache: JobCache,
    pub minions: RwLock<HashMap<MinionId, MinionEntry>>,
    pub waiters: Mutex<HashMap<Jid, Waiter>>,
    last_jid: Mutex<Jid>,
    conn_seq: AtomicU64,
}

/// Lock poisoning only follows a panic elsewhere; the data is still sound
/// for our use, so keep serving rather than cascade the panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(cfg: MasterConfig, keys: KeyStore, cache: JobCache) -> Shared {
        Shared {
            cfg,
            keys,
            cache,
            minions: RwLock::new(HashMap::new()),
            waiters: Mutex::new(HashMap::new()),
            last_jid: Mutex::new(Jid::from_time(std::time::UNIX_EPOCH)),
            conn_seq: AtomicU64::new(1),
        }
    }

    /// A new unique jid.
    pub fn next_jid(&self) -> Jid {
        let mut last = lock(&self.last_jid);
        let jid = Jid::successor_of(&last, Jid::from_time(SystemTime::now()));
        *last = jid.clone();
        jid
    }

    pub fn next_conn_id(&self) -> u64 {
        self.conn_seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Brings the registry in line with the accepted keys: new keys get an
    /// entry (with remembered grains), removed keys lose theirs and their
    /// connection is closed.
    pub fn sync_with_keys(&self, remembered_grains: &HashMap<String, Value>) {
        let accepted: HashSet<MinionId> = self
            .keys
            .ids(KeyState::Accepted)
            .into_iter()
            .filter_map(|id| MinionId::new(id).ok())
            .collect();
        let mut minions = write(&self.minions);
        minions.retain(|id, _| accepted.contains(id));
        for id in accepted {
            minions.entry(id.clone()).or_insert_with(|| MinionEntry {
                grains: Arc::new(remembered_grains.get(id.as_str()).cloned().unwrap_or(Value::Object(Default::default()))),
                conn: None,
            });
        }
    }

    /// Adds a registry entry for a newly accepted key.
    pub fn add_minion(&self, id: &MinionId) {
        write(&self.minions)
            .entry(id.clone())
            .or_insert_with(|| MinionEntry { grains: Arc::new(Value::Object(Default::default())), conn: None });
    }

    pub fn is_connected(&self, id: &MinionId) -> bool {
        read(&self.minions).get(id).is_some_and(|m| m.conn.is_some())
    }
}

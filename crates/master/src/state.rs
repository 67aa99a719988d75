//! The master's shared state: the minion registry (one entry per accepted
//! key, O(1) per minion), the return waiters, the key store and the job cache.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use halite_config::MasterConfig;
use halite_pki::{KeyState, KeyStore};
use halite_proto::{Jid, JobReturn, MinionId};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::jobcache::JobCache;

/// A live connection's mailbox of encoded frames (see
/// `halite_transport::encode_frame`). Dropping the sender closes the
/// connection.
#[derive(Clone)]
pub(crate) struct ConnHandle {
    pub conn_id: u64,
    pub tx: mpsc::Sender<bytes::Bytes>,
}

pub(crate) struct MinionEntry {
    pub grains: PackedGrains,
    pub conn: Option<ConnHandle>,
}

/// A minion's grains, kept as MessagePack bytes. A parsed `Value` of a
/// typical grains set costs ~50 KiB of heap against ~3-7 KiB packed, which
/// decides whether 10,000 minions fit in a few hundred MiB. Only targets
/// that read grains unpack them (see `publish::resolve`).
#[derive(Clone, Default)]
pub(crate) struct PackedGrains(Option<Arc<[u8]>>);

impl PackedGrains {
    pub fn pack(grains: &Value) -> PackedGrains {
        PackedGrains(halite_proto::encode(grains).ok().map(Into::into))
    }

    /// The grains, or `Null` when none are known (no grain target matches).
    pub fn unpack(&self) -> Value {
        self.0
            .as_ref()
            .and_then(|b| halite_proto::decode(b).ok())
            .unwrap_or(Value::Null)
    }
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
    /// `salt://` roots served to minions.
    pub roots: halite_fileserver::Roots,
    /// The pillar roots, read only by the master to compile pillar.
    pub pillar_files: Arc<dyn halite_fileserver::FileClient>,
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
    pub fn new(
        cfg: MasterConfig,
        keys: KeyStore,
        cache: JobCache,
        roots: halite_fileserver::Roots,
        pillar_roots: halite_fileserver::Roots,
    ) -> Shared {
        Shared {
            cfg,
            roots,
            pillar_files: Arc::new(halite_fileserver::LocalClient::new(pillar_roots)),
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
    pub fn sync_with_keys(&self, remembered_grains: &HashMap<String, PackedGrains>) {
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
                grains: remembered_grains
                    .get(id.as_str())
                    .cloned()
                    .unwrap_or_default(),
                conn: None,
            });
        }
    }

    /// Adds a registry entry for a newly accepted key.
    pub fn add_minion(&self, id: &MinionId) {
        write(&self.minions)
            .entry(id.clone())
            .or_insert_with(|| MinionEntry {
                grains: PackedGrains::default(),
                conn: None,
            });
    }

    pub fn is_connected(&self, id: &MinionId) -> bool {
        read(&self.minions)
            .get(id)
            .is_some_and(|m| m.conn.is_some())
    }
}

//! Remembered SHA-256 sums of served files, so that a master answering
//! `hash_file` for thousands of minions reads each file once per change
//! instead of once per request (Salt keeps `hash:mtime` files for the same
//! reason).
//!
//! An entry is keyed by `(dev, ino)` and trusted only while size, mtime and
//! ctime are unchanged. ctime cannot be set from user space, so any write
//! changes it; but its clock ticks coarsely, so a file written twice within
//! one tick could keep its stamp. As git does for its index ("racy git"),
//! a sum is remembered only once the file's ctime is older than
//! [`RACY_WINDOW`].

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::roots::sha256_reader;

/// How old a file's last change must be before its sum is remembered.
pub(crate) const RACY_WINDOW: Duration = Duration::from_secs(2);

/// Most remembered sums; past it the cache starts over (simple and bounded).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

#[derive(Debug)]
pub(crate) struct HashCache {
    entries: Mutex<HashMap<(u64, u64), (Stamp, String)>>,
    racy_window: Duration,
    hits: AtomicU64,
}

impl Default for HashCache {
    fn default() -> Self {
        HashCache::with_racy_window(RACY_WINDOW)
    }
}

impl HashCache {
    pub(crate) fn with_racy_window(racy_window: Duration) -> HashCache {
        HashCache {
            entries: Mutex::default(),
            racy_window,
            hits: AtomicU64::new(0),
        }
    }

    /// The SHA-256 of the open `file`, whose metadata is `meta`.
    pub(crate) fn sha256(&self, file: &mut File, meta: &Metadata) -> std::io::Result<String> {
        let key = (meta.dev(), meta.ino());
        let stamp = Stamp::of(meta);
        if let Some((known, sum)) = self.lock().get(&key)
            && *known == stamp
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(sum.clone());
        }
        let sum = sha256_reader(file)?;
        if self.settled(stamp) {
            let mut entries = self.lock();
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (stamp, sum.clone()));
        }
        Ok(sum)
    }

    #[cfg(test)]
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Whether the file last changed long enough ago for its stamp to be
    /// trusted.
    fn settled(&self, stamp: Stamp) -> bool {
        let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            return false;
        };
        let (secs, nanos) = stamp.ctime;
        let Ok(secs) = u64::try_from(secs) else {
            return false;
        };
        let changed = Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
        now.checked_sub(changed)
            .is_some_and(|age| age >= self.racy_window)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(u64, u64), (Stamp, String)>> {
        // A panic while holding the lock leaves only a map of sums behind;
        // it is still consistent, so poisoning is ignored.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Seek;

    fn sum(cache: &HashCache, path: &std::path::Path) -> String {
        let mut file = File::open(path).unwrap();
        let meta = file.metadata().unwrap();
        let sum = cache.sha256(&mut file, &meta).unwrap();
        file.rewind().unwrap();
        sum
    }

    #[test]
    fn a_settled_file_is_hashed_once_and_a_change_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "hello\n").unwrap();
        let cache = HashCache::with_racy_window(Duration::ZERO);
        let first = sum(&cache, &path);
        assert_eq!(
            first,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(sum(&cache, &path), first);
        assert_eq!(cache.hits(), 1);
        std::fs::write(&path, "changed\n").unwrap();
        assert_ne!(sum(&cache, &path), first);
    }

    #[test]
    fn a_freshly_changed_file_is_not_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "hello\n").unwrap();
        let cache = HashCache::with_racy_window(Duration::from_secs(3600));
        sum(&cache, &path);
        sum(&cache, &path);
        assert_eq!(cache.hits(), 0);
    }
}

//! The master's minion key store, laid out as Salt's `pki_dir`:
//! `minions/` (accepted), `minions_pre/` (pending), `minions_rejected/` and
//! `minions_denied/`, one PEM public key per file named by minion id.
//!
//! Decisions follow Salt's: an unknown key waits as pending unless
//! `auto_accept`; a rejected id gets nothing; a known id presenting a
//! different key is denied (the new key is kept in `minions_denied/` for the
//! operator to inspect), so a stolen id cannot replace an accepted key.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use halite_proto::{KeyVerdict, MinionId};

use crate::{Error, fingerprint, io_err, spki_from_pem};

/// One of Salt's four key states, named as its directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyState {
    Accepted,
    Pending,
    Rejected,
    Denied,
}

impl KeyState {
    pub const ALL: [KeyState; 4] = [
        KeyState::Accepted,
        KeyState::Denied,
        KeyState::Pending,
        KeyState::Rejected,
    ];

    /// Salt's directory and JSON key for the state.
    pub fn dir_name(self) -> &'static str {
        match self {
            KeyState::Accepted => "minions",
            KeyState::Pending => "minions_pre",
            KeyState::Rejected => "minions_rejected",
            KeyState::Denied => "minions_denied",
        }
    }

    /// Salt's heading in `salt-key -L`.
    pub fn heading(self) -> &'static str {
        match self {
            KeyState::Accepted => "Accepted Keys:",
            KeyState::Pending => "Unaccepted Keys:",
            KeyState::Rejected => "Rejected Keys:",
            KeyState::Denied => "Denied Keys:",
        }
    }
}

/// Ids per key state, each list sorted.
pub type KeyList = BTreeMap<KeyState, Vec<String>>;

pub struct KeyStore {
    root: PathBuf,
    max_pending: usize,
}

impl KeyStore {
    /// Opens (and creates, mode 0700) the key directories under `pki_dir`.
    /// `max_pending` bounds how many unknown keys may wait, so a flood of
    /// made-up ids cannot fill the disk.
    pub fn open(pki_dir: &Path, max_pending: usize) -> Result<KeyStore, Error> {
        for state in KeyState::ALL {
            let dir = pki_dir.join(state.dir_name());
            fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io_err(&dir))?;
        }
        Ok(KeyStore {
            root: pki_dir.to_owned(),
            max_pending,
        })
    }

    fn path(&self, state: KeyState, id: &str) -> PathBuf {
        self.root.join(state.dir_name()).join(id)
    }

    fn read(&self, state: KeyState, id: &MinionId) -> Option<String> {
        fs::read_to_string(self.path(state, id.as_str())).ok()
    }

    fn write(&self, state: KeyState, id: &MinionId, public_pem: &str) -> Result<(), Error> {
        let path = self.path(state, id.as_str());
        fs::write(&path, public_pem).map_err(io_err(&path))
    }

    /// Decides what a connecting minion gets, recording its key as pending
    /// (or accepted, with `auto_accept`) when it is new.
    pub fn check(
        &self,
        id: &MinionId,
        public_pem: &str,
        auto_accept: bool,
    ) -> Result<KeyVerdict, Error> {
        let same = |stored: &str| {
            spki_from_pem(stored).is_some() && spki_from_pem(stored) == spki_from_pem(public_pem)
        };
        if self.read(KeyState::Rejected, id).is_some() {
            return Ok(KeyVerdict::Rejected);
        }
        if let Some(stored) = self.read(KeyState::Accepted, id) {
            if same(&stored) {
                return Ok(KeyVerdict::Accepted);
            }
            self.write(KeyState::Denied, id, public_pem)?;
            return Ok(KeyVerdict::Denied);
        }
        if let Some(stored) = self.read(KeyState::Pending, id) {
            if !same(&stored) {
                self.write(KeyState::Denied, id, public_pem)?;
                return Ok(KeyVerdict::Denied);
            }
            if !auto_accept {
                return Ok(KeyVerdict::Pending);
            }
            self.move_key(KeyState::Pending, KeyState::Accepted, id.as_str())?;
            return Ok(KeyVerdict::Accepted);
        }
        if auto_accept {
            self.write(KeyState::Accepted, id, public_pem)?;
            return Ok(KeyVerdict::Accepted);
        }
        let pending = self.ids(KeyState::Pending).len();
        if pending >= self.max_pending {
            return Err(Error::TooManyPending(pending));
        }
        self.write(KeyState::Pending, id, public_pem)?;
        Ok(KeyVerdict::Pending)
    }

    /// The accepted public key of `id`, if any.
    pub fn accepted_key(&self, id: &MinionId) -> Option<String> {
        self.read(KeyState::Accepted, id)
    }

    /// Ids in one state, sorted.
    pub fn ids(&self, state: KeyState) -> Vec<String> {
        let mut ids: Vec<String> = fs::read_dir(self.root.join(state.dir_name()))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| MinionId::new(name.clone()).is_ok())
            .collect();
        ids.sort();
        ids
    }

    pub fn list(&self) -> KeyList {
        KeyState::ALL.iter().map(|s| (*s, self.ids(*s))).collect()
    }

    /// Moves keys matching `pattern` from any of `from` into `to`; returns
    /// the ids moved. Used for accept (`-a`/`-A`) and reject (`-r`/`-R`).
    pub fn transition(
        &self,
        pattern: &str,
        from: &[KeyState],
        to: KeyState,
    ) -> Result<Vec<String>, Error> {
        let glob = compile_glob(pattern);
        let mut moved = Vec::new();
        for state in from {
            for id in self.ids(*state) {
                if glob.is_match(&id) {
                    // Accepting a denied key replaces the accepted one: the
                    // operator decided the new key is the right one.
                    self.move_key(*state, to, &id)?;
                    moved.push(id);
                }
            }
        }
        moved.sort();
        moved.dedup();
        Ok(moved)
    }

    /// Deletes keys matching `pattern` in every state; returns the ids.
    pub fn delete(&self, pattern: &str) -> Result<Vec<String>, Error> {
        let glob = compile_glob(pattern);
        let mut deleted = Vec::new();
        for state in KeyState::ALL {
            for id in self.ids(state) {
                if glob.is_match(&id) {
                    let path = self.path(state, &id);
                    fs::remove_file(&path).map_err(io_err(&path))?;
                    deleted.push(id);
                }
            }
        }
        deleted.sort();
        deleted.dedup();
        Ok(deleted)
    }

    /// Fingerprints of keys matching `pattern`, per state.
    pub fn fingerprints(&self, pattern: &str) -> BTreeMap<KeyState, Vec<(String, String)>> {
        let glob = compile_glob(pattern);
        let mut out = BTreeMap::new();
        for state in KeyState::ALL {
            let entries: Vec<(String, String)> = self
                .ids(state)
                .into_iter()
                .filter(|id| glob.is_match(id))
                .filter_map(|id| {
                    let pem = fs::read_to_string(self.path(state, &id)).ok()?;
                    Some((id, fingerprint(&spki_from_pem(&pem)?)))
                })
                .collect();
            out.insert(state, entries);
        }
        out
    }

    fn move_key(&self, from: KeyState, to: KeyState, id: &str) -> Result<(), Error> {
        let src = self.path(from, id);
        let dst = self.path(to, id);
        fs::rename(&src, &dst).map_err(io_err(&src))
    }
}

/// Salt's key patterns are shell globs; an invalid glob matches literally.
pub fn compile_glob(pattern: &str) -> GlobMatcher {
    GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .or_else(|_| GlobBuilder::new(&globset::escape(pattern)).build())
        .map(|g| g.compile_matcher())
        .unwrap_or_else(|_| {
            globset::Glob::new("")
                .expect("empty glob is valid")
                .compile_matcher()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;

    fn id(s: &str) -> MinionId {
        MinionId::new(s).unwrap()
    }

    #[test]
    fn salt_key_flow() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path(), 100).unwrap();
        let web = Identity::generate().unwrap().public_pem();
        let thief = Identity::generate().unwrap().public_pem();

        assert_eq!(
            store.check(&id("web1"), &web, false).unwrap(),
            KeyVerdict::Pending
        );
        assert_eq!(
            store.check(&id("web1"), &web, false).unwrap(),
            KeyVerdict::Pending
        );
        assert_eq!(store.ids(KeyState::Pending), vec!["web1"]);

        assert_eq!(
            store
                .transition("web*", &[KeyState::Pending], KeyState::Accepted)
                .unwrap(),
            vec!["web1"]
        );
        assert_eq!(
            store.check(&id("web1"), &web, false).unwrap(),
            KeyVerdict::Accepted
        );
        // Another key claiming an accepted id is denied, and the accepted key stays.
        assert_eq!(
            store.check(&id("web1"), &thief, true).unwrap(),
            KeyVerdict::Denied
        );
        assert_eq!(store.accepted_key(&id("web1")).unwrap(), web);
        assert_eq!(store.ids(KeyState::Denied), vec!["web1"]);

        store
            .transition("web1", &[KeyState::Accepted], KeyState::Rejected)
            .unwrap();
        assert_eq!(
            store.check(&id("web1"), &web, true).unwrap(),
            KeyVerdict::Rejected
        );

        assert_eq!(
            store.check(&id("db1"), &thief, true).unwrap(),
            KeyVerdict::Accepted
        );
        assert_eq!(store.delete("*").unwrap(), vec!["db1", "web1"]);
        assert!(store.list().values().all(|v| v.is_empty()));
    }

    #[test]
    fn pending_keys_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path(), 2).unwrap();
        let key = Identity::generate().unwrap().public_pem();
        store.check(&id("a"), &key, false).unwrap();
        store.check(&id("b"), &key, false).unwrap();
        assert!(matches!(
            store.check(&id("c"), &key, false),
            Err(Error::TooManyPending(2))
        ));
    }
}

//! The minion-side view of a file server: the [`FileClient`] trait, and
//! [`LocalClient`], which answers it straight from local roots (`halite
//! call --local --file-root DIR`, and the master itself).

use std::sync::Arc;

use crate::FileServerError;
use crate::roots::Roots;

/// What a minion can ask a file server (Salt's `fileclient.Client`). The
/// answers are data only: a client never tells the caller *where* to write
/// anything, so a hostile server cannot choose a destination (the cache
/// derives it from the requested path).
pub trait FileClient: Send + Sync {
    /// SHA-256 of `path` in `saltenv`, lowercase hex; `None` if not served.
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError>;

    /// The contents of `path` in `saltenv`; `None` if not served.
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError>;

    /// Every file `saltenv` serves, relative and sorted.
    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError>;

    /// Every directory `saltenv` serves, relative and sorted.
    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError>;

    /// The SLS names `saltenv` serves, sorted (Salt's `list_states`).
    fn list_states(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(states_from_files(&self.file_list(saltenv)?))
    }
}

impl<T: FileClient + ?Sized> FileClient for Arc<T> {
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        (**self).hash_file(saltenv, path)
    }
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        (**self).get_file(saltenv, path)
    }
    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        (**self).file_list(saltenv)
    }
    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        (**self).dir_list(saltenv)
    }
    fn list_states(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        (**self).list_states(saltenv)
    }
}

/// A [`FileClient`] over local roots, with no cache in between.
#[derive(Debug, Clone)]
pub struct LocalClient(Roots);

impl LocalClient {
    pub fn new(roots: Roots) -> LocalClient {
        LocalClient(roots)
    }

    pub fn roots(&self) -> &Roots {
        &self.0
    }
}

impl FileClient for LocalClient {
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        Ok(self.0.find_file(saltenv, path)?.map(|info| info.sha256))
    }

    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        match self.0.resolve(saltenv, path)? {
            Some(rooted) => Ok(Some(self.0.read(&rooted)?)),
            None => Ok(None),
        }
    }

    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.0.file_list(saltenv)
    }

    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.0.dir_list(saltenv)
    }
}

/// SLS names from a file list, as `fileclient.Client.list_states`: `a/b.sls`
/// is `a.b`, `a/b/init.sls` is `a.b` too, a top-level `init.sls` is `init`.
pub fn states_from_files(files: &[String]) -> Vec<String> {
    let mut states: Vec<String> = files
        .iter()
        .filter_map(|path| {
            if let Some(dir) = path.strip_suffix("/init.sls") {
                Some(dir.replace('/', "."))
            } else {
                path.strip_suffix(".sls").map(|stem| stem.replace('/', "."))
            }
        })
        .collect();
    states.sort();
    states.dedup();
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_follow_salt() {
        let files: Vec<String> = [
            "top.sls",
            "init.sls",
            "a/init.sls",
            "a/b.sls",
            "a/b/init.sls",
            "a.b.sls",
            "c/d/e.sls",
            "f.txt",
            "g/sls",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            states_from_files(&files),
            ["a", "a.b", "c.d.e", "init", "top"]
        );
    }
}

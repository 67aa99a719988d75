//! The minion's file cache (Salt's `cache_file` / `get_file` into
//! `<cachedir>/files/<saltenv>/<path>`): a file is fetched only when the
//! server's hash differs from the cached copy's.
//!
//! Defence in depth against a hostile or compromised master: the cache
//! location is derived only from the *requested* path and saltenv, both
//! checked by the same rules as the server's (`relpath`), never from
//! anything the server answers; names the server lists are checked before
//! they are requested; hashes must look like SHA-256. Within the cache, a
//! symlink where a directory should be is refused rather than followed.
//! That last check is not race-free, and need not be: the cache directory is
//! private to the minion (created `0700`), so only its owner could race it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::FileServerError;
use nix::fcntl::OFlag;

use crate::client::FileClient;
use crate::hashcache::HashCache;
use crate::relpath::{normalize_path, validate_saltenv};
use crate::roots::sha256_reader;
use crate::url::{create_salt_url, parse_salt_url};

/// Salt re-downloads a file whose contents do not match the announced hash
/// up to three times (`RemoteClient.get_file`).
const FETCH_TRIES: usize = 3;

/// Cached files are opened without following a final symlink, and without
/// blocking on a FIFO someone put there.
const NOFOLLOW_NONBLOCK: i32 = OFlag::O_NOFOLLOW.union(OFlag::O_NONBLOCK).bits();

/// A state file brought into the cache by [`CachingClient::get_state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedState {
    /// The `salt://` URL it came from.
    pub source: String,
    /// Where it is cached.
    pub dest: PathBuf,
}

/// A [`FileClient`] with a local, hash-checked cache in front of `remote`.
#[derive(Debug)]
pub struct CachingClient<R: FileClient> {
    cachedir: PathBuf,
    remote: R,
    /// Sums of cached copies, so an unchanged cache is not re-read on
    /// every `cache_file`.
    hashes: HashCache,
}

impl<R: FileClient> CachingClient<R> {
    /// `cachedir` is the minion's `cachedir`; files go under `files/`.
    pub fn new(cachedir: impl Into<PathBuf>, remote: R) -> CachingClient<R> {
        CachingClient {
            cachedir: cachedir.into(),
            remote,
            hashes: HashCache::default(),
        }
    }

    pub fn remote(&self) -> &R {
        &self.remote
    }

    /// Where `url` would be cached; a `?saltenv=` in the URL overrides
    /// `saltenv` (Salt's `cache_dest`).
    pub fn cache_dest(&self, url: &str, saltenv: &str) -> Result<PathBuf, FileServerError> {
        let (path, saltenv) = self.target(url, saltenv)?;
        self.dest_for(&saltenv, &path)
    }

    /// The cached copy of `url`, if there is one (Salt's `is_cached`).
    pub fn is_cached(&self, url: &str, saltenv: &str) -> Result<Option<PathBuf>, FileServerError> {
        let (path, saltenv) = self.target(url, saltenv)?;
        let dest = self.dest_for(&saltenv, &path)?;
        Ok(self.open_cached(&saltenv, &path)?.map(|_| dest))
    }

    /// Brings `url` into the cache and returns where it is, fetching it only
    /// if the cached copy's hash differs from the server's. `None` when the
    /// server does not serve it.
    pub fn cache_file(&self, url: &str, saltenv: &str) -> Result<Option<PathBuf>, FileServerError> {
        let (path, saltenv) = self.target(url, saltenv)?;
        self.cache_path(&saltenv, &path)
    }

    /// Caches every file under the directory `url` (Salt's `cache_dir`).
    pub fn cache_dir(&self, url: &str, saltenv: &str) -> Result<Vec<PathBuf>, FileServerError> {
        let (dir, saltenv) = self.target(url, saltenv)?;
        let prefix = format!("{dir}/");
        self.cache_listed(&saltenv, |file| file.starts_with(&prefix))
    }

    /// Caches every file of `saltenv` (Salt's `cache_master`).
    pub fn cache_master(&self, saltenv: &str) -> Result<Vec<PathBuf>, FileServerError> {
        validate_saltenv(saltenv)?;
        self.cache_listed(saltenv, |_| true)
    }

    /// Caches the SLS file for `sls` (`a.b` is `a/b.sls`, else
    /// `a/b/init.sls`), as Salt's `get_state`.
    pub fn get_state(
        &self,
        sls: &str,
        saltenv: &str,
    ) -> Result<Option<CachedState>, FileServerError> {
        let base = sls.replace('.', "/");
        for candidate in [format!("{base}.sls"), format!("{base}/init.sls")] {
            let source = create_salt_url(&candidate, None);
            if let Some(dest) = self.cache_file(&source, saltenv)? {
                return Ok(Some(CachedState { source, dest }));
            }
        }
        Ok(None)
    }

    fn target(&self, url: &str, saltenv: &str) -> Result<(String, String), FileServerError> {
        let (path, url_env) = parse_salt_url(url)?;
        let saltenv = url_env.unwrap_or_else(|| saltenv.to_owned());
        validate_saltenv(&saltenv)?;
        Ok((path, saltenv))
    }

    fn env_dir(&self, saltenv: &str) -> PathBuf {
        self.cachedir.join("files").join(saltenv)
    }

    /// `<cachedir>/files/<saltenv>/<path>`; both parts are already checked,
    /// and the prefix is asserted once more so no future change to the
    /// checks can make the cache write elsewhere.
    fn dest_for(&self, saltenv: &str, path: &str) -> Result<PathBuf, FileServerError> {
        validate_saltenv(saltenv)?;
        let path = normalize_path(path)?;
        let env_dir = self.env_dir(saltenv);
        let dest = env_dir.join(&path);
        if !dest.starts_with(&env_dir) || dest == env_dir {
            return Err(FileServerError::HostileRemote(format!(
                "cache path {path:?} leaves {}",
                env_dir.display()
            )));
        }
        Ok(dest)
    }

    fn cache_listed(
        &self,
        saltenv: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<PathBuf>, FileServerError> {
        let files = self.remote.file_list(saltenv)?;
        // Check every name before caching any, so a hostile list caches
        // nothing rather than a part.
        for file in &files {
            if normalize_path(file).ok().as_deref() != Some(file.as_str()) {
                return Err(FileServerError::HostileRemote(format!(
                    "file list holds the unsafe path {file:?}"
                )));
            }
        }
        let mut cached = Vec::new();
        for file in files.iter().filter(|file| wanted(file)) {
            if let Some(dest) = self.cache_path(saltenv, file)? {
                cached.push(dest);
            }
        }
        Ok(cached)
    }

    fn cache_path(&self, saltenv: &str, path: &str) -> Result<Option<PathBuf>, FileServerError> {
        let dest = self.dest_for(saltenv, path)?;
        for _ in 0..FETCH_TRIES {
            let Some(remote_hash) = self.remote_hash(saltenv, path)? else {
                return Ok(None);
            };
            if let Some(mut cached) = self.open_cached(saltenv, path)? {
                let local_hash = cached
                    .metadata()
                    .and_then(|meta| self.hashes.sha256(&mut cached, &meta))
                    .map_err(|err| FileServerError::io("cannot read", &dest, err))?;
                if local_hash == remote_hash {
                    return Ok(Some(dest));
                }
            }
            let Some(data) = self.remote.get_file(saltenv, path)? else {
                return Ok(None);
            };
            // The file may have changed between the two requests; then the
            // hash is asked again, as Salt re-checks a bad download.
            if sha256_reader(&mut data.as_slice()).ok().as_deref() != Some(remote_hash.as_str()) {
                tracing::debug!(
                    saltenv,
                    path,
                    "fetched contents do not match the announced hash; retrying"
                );
                continue;
            }
            self.write_cached(saltenv, path, &data)?;
            return Ok(Some(dest));
        }
        Err(FileServerError::Remote(format!(
            "contents of salt://{path}?saltenv={saltenv} kept changing while being fetched"
        )))
    }

    fn remote_hash(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        let Some(hash) = self.remote.hash_file(saltenv, path)? else {
            return Ok(None);
        };
        if hash.len() != 64
            || !hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(FileServerError::HostileRemote(format!(
                "{hash:?} is not a SHA-256 hex digest"
            )));
        }
        Ok(Some(hash))
    }

    /// The directories from `<cachedir>/files` down to the parent of
    /// `path`'s cached copy, outermost first: the ones that must be real
    /// directories, not symlinks. `path` is already normalised.
    fn dirs_below_cachedir(&self, saltenv: &str, path: &str) -> Vec<PathBuf> {
        let mut dir = self.cachedir.clone();
        let parents = path.rsplit_once('/').map_or("", |(parents, _)| parents);
        ["files", saltenv]
            .into_iter()
            .chain(parents.split('/').filter(|part| !part.is_empty()))
            .map(|part| {
                dir.push(part);
                dir.clone()
            })
            .collect()
    }

    /// Opens the cached copy without following any symlink in the cache.
    fn open_cached(&self, saltenv: &str, path: &str) -> Result<Option<File>, FileServerError> {
        let dest = self.dest_for(saltenv, path)?;
        for dir in self.dirs_below_cachedir(saltenv, path) {
            match std::fs::symlink_metadata(&dir) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) | Err(_) => return Ok(None),
            }
        }
        match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(NOFOLLOW_NONBLOCK)
            .open(&dest)
        {
            Ok(file) if file.metadata().is_ok_and(|meta| meta.is_file()) => Ok(Some(file)),
            Ok(_) => Ok(None),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            // ELOOP: a symlink where the file should be; refetching replaces it.
            Err(err) if err.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => Ok(None),
            Err(err) => Err(FileServerError::io("cannot open", dest, err)),
        }
    }

    /// Writes `data` to the cache atomically (temporary file, then rename),
    /// creating directories `0700` and refusing symlinked ones.
    fn write_cached(&self, saltenv: &str, path: &str, data: &[u8]) -> Result<(), FileServerError> {
        let dest = self.dest_for(saltenv, path)?;
        make_private_dir(&self.cachedir)?;
        for dir in self.dirs_below_cachedir(saltenv, path) {
            ensure_real_dir(&dir)?;
        }
        let dir = dest.parent().unwrap_or(&self.cachedir);
        match std::fs::symlink_metadata(&dest) {
            // A directory cached earlier under the same name: Salt removes
            // it. `remove_dir_all` does not follow symlinks inside it.
            Ok(meta) if meta.is_dir() => {
                std::fs::remove_dir_all(&dest)
                    .map_err(|err| FileServerError::io("cannot remove", &dest, err))?;
            }
            _ => {}
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".halite-cache-")
            .tempfile_in(dir)
            .map_err(|err| FileServerError::io("cannot create a file in", dir, err))?;
        tmp.write_all(data)
            .and_then(|()| tmp.as_file().sync_data())
            .map_err(|err| FileServerError::io("cannot write", tmp.path().to_path_buf(), err))?;
        // rename(2) replaces a symlink at `dest` itself, never its target.
        tmp.persist(&dest)
            .map_err(|err| FileServerError::io("cannot write", &dest, err.error))?;
        Ok(())
    }
}

impl<R: FileClient> FileClient for CachingClient<R> {
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        self.remote_hash(saltenv, path)
    }

    /// Serves from the cache, refreshing it first if the server changed.
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        validate_saltenv(saltenv)?;
        let path = normalize_path(path)?;
        let Some(dest) = self.cache_path(saltenv, &path)? else {
            return Ok(None);
        };
        let Some(mut file) = self.open_cached(saltenv, &path)? else {
            return Ok(None);
        };
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .map_err(|err| FileServerError::io("cannot read", dest, err))?;
        Ok(Some(data))
    }

    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.remote.file_list(saltenv)
    }

    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.remote.dir_list(saltenv)
    }

    fn list_states(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.remote.list_states(saltenv)
    }
}

fn make_private_dir(dir: &Path) -> Result<(), FileServerError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| FileServerError::io("cannot create", dir, err))
}

/// Makes `dir` a real directory: creates it, replaces a regular file in the
/// way (as Salt's `_cache_loc` does), and refuses a symlink.
fn ensure_real_dir(dir: &Path) -> Result<(), FileServerError> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(FileServerError::CacheTampered {
                path: dir.to_path_buf(),
                what: "symlink",
            });
        }
        Ok(meta) if meta.is_file() => {
            std::fs::remove_file(dir)
                .map_err(|err| FileServerError::io("cannot remove", dir, err))?;
        }
        Ok(_) => {
            return Err(FileServerError::CacheTampered {
                path: dir.to_path_buf(),
                what: "special file",
            });
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(FileServerError::io("cannot stat", dir, err)),
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        // Another thread made it meanwhile; check what it made.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            match std::fs::symlink_metadata(dir) {
                Ok(meta) if meta.is_dir() => Ok(()),
                _ => Err(FileServerError::CacheTampered {
                    path: dir.to_path_buf(),
                    what: "non-directory",
                }),
            }
        }
        Err(err) => Err(FileServerError::io("cannot create", dir, err)),
    }
}

//! The master side: `file_roots` per saltenv, resolving a requested path to
//! the first root that has it, and listing what an environment serves
//! (Salt's `salt/fileserver/roots.py`).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::FileServerError;
use crate::confine::{SymlinkPolicy, open_in_root};
use crate::hashcache::HashCache;
use crate::ignore::IgnoreRules;
use crate::relpath::{normalize_path, validate_saltenv};
use crate::walk::{Listing, walk_root};

/// Salt's default `file_roots` (`salt.syspaths`): `BASE_FILE_ROOTS_DIR` and
/// `SPM_FORMULA_PATH`.
pub const DEFAULT_FILE_ROOTS: [&str; 2] = ["/srv/salt", "/srv/spm/salt"];

/// The saltenv whose roots serve any environment not configured by name; a
/// literal `__env__` in its root paths is replaced by the requested saltenv.
pub const ENV_WILDCARD: &str = "__env__";

/// A path inside a root, proven (at the time it was resolved) not to escape
/// it. Made only by [`Roots::resolve`]; reading it re-applies the same
/// confinement, so a tree changed since cannot turn it into an escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootedPath {
    root: PathBuf,
    rel: String,
    symlinks: SymlinkPolicy,
}

impl RootedPath {
    /// The root that holds the file.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The normalised path relative to the root, `/`-separated (Salt's
    /// `rel`, what the minion caches it as).
    pub fn rel(&self) -> &str {
        &self.rel
    }

    /// `root/rel`, for messages and logs. Not for opening: use
    /// [`Roots::read`], which keeps the confinement.
    pub fn display_path(&self) -> PathBuf {
        self.root.join(&self.rel)
    }

    fn open(&self) -> Result<Option<File>, FileServerError> {
        open_in_root(&self.root, &self.rel, self.symlinks)
    }
}

/// What `find_file` knows of a served file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub rooted: RootedPath,
    pub size: u64,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// SHA-256 of the contents, lowercase hex (Salt's default `hash_type`).
    pub sha256: String,
}

/// Options beside the roots themselves.
#[derive(Debug, Clone, Default)]
pub struct RootsOptions {
    /// Whether symlinks leaving a root are followed. Halite's default is
    /// [`SymlinkPolicy::WithinRoot`]; Salt's is to follow them.
    pub symlinks: SymlinkPolicy,
    /// `fileserver_ignoresymlinks`: leave every symlink out of listings.
    pub ignore_symlinks: bool,
    /// `file_ignore_regex` and `file_ignore_glob`.
    pub ignore: IgnoreRules,
}

/// The `roots` file server backend: directories per saltenv, first root wins.
#[derive(Debug, Clone)]
pub struct Roots {
    envs: IndexMap<String, Vec<PathBuf>>,
    options: RootsOptions,
    /// Shared by clones, so every handle on the same roots benefits.
    hashes: Arc<HashCache>,
}

impl Roots {
    /// Roots from explicit parts. Saltenv names are validated (except
    /// [`ENV_WILDCARD`], which is valid anyway).
    pub fn new(
        envs: IndexMap<String, Vec<PathBuf>>,
        options: RootsOptions,
    ) -> Result<Roots, FileServerError> {
        for saltenv in envs.keys() {
            validate_saltenv(saltenv)?;
        }
        Ok(Roots {
            envs,
            options,
            hashes: Arc::default(),
        })
    }

    /// Roots from a `file_roots` value in Salt's shape
    /// (`{base: [/srv/salt, /srv/formulas], dev: [...]}`), with default
    /// options. An empty map means "not configured": `{base: [/srv/salt,
    /// /srv/spm/salt]}`. A saltenv whose value is not a list has no roots
    /// (Salt's `_normalize_roots`); a root that is not a string is an error.
    pub fn from_config(file_roots: &Map<String, Value>) -> Result<Roots, FileServerError> {
        Roots::new(parse_file_roots(file_roots)?, RootsOptions::default())
    }

    /// Roots and options from a whole master (or masterless minion) config:
    /// `file_roots`, `file_ignore_regex`, `file_ignore_glob` (a list or one
    /// string each), `fileserver_followsymlinks` and
    /// `fileserver_ignoresymlinks`. `fileserver_followsymlinks` defaults to
    /// false here, unlike Salt, where it defaults to true.
    pub fn from_opts(opts: &Map<String, Value>) -> Result<Roots, FileServerError> {
        let file_roots = match opts.get("file_roots") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(FileServerError::BadFileRoots(format!(
                    "expected a mapping, got {other}"
                )));
            }
        };
        let follow = bool_opt(opts, "fileserver_followsymlinks")?;
        let options = RootsOptions {
            symlinks: if follow {
                SymlinkPolicy::FollowAnywhere
            } else {
                SymlinkPolicy::WithinRoot
            },
            ignore_symlinks: bool_opt(opts, "fileserver_ignoresymlinks")?,
            ignore: IgnoreRules::new(
                &string_list_opt(opts, "file_ignore_regex")?,
                &string_list_opt(opts, "file_ignore_glob")?,
            )?,
        };
        Roots::new(parse_file_roots(&file_roots)?, options)
    }

    /// The configured saltenvs, sorted (Salt's `envs()`).
    pub fn envs(&self) -> Vec<String> {
        let mut envs: Vec<String> = self.envs.keys().cloned().collect();
        envs.sort();
        envs
    }

    pub fn options(&self) -> &RootsOptions {
        &self.options
    }

    /// The roots that serve `saltenv`, in precedence order; `__env__` roots
    /// stand in for an unconfigured saltenv.
    pub fn roots_for(&self, saltenv: &str) -> Result<Vec<PathBuf>, FileServerError> {
        validate_saltenv(saltenv)?;
        if let Some(roots) = self.envs.get(saltenv) {
            return Ok(roots.clone());
        }
        let Some(wildcard) = self.envs.get(ENV_WILDCARD) else {
            return Ok(Vec::new());
        };
        // Safe because the saltenv is one harmless path component.
        Ok(wildcard
            .iter()
            .map(|root| PathBuf::from(root.to_string_lossy().replace(ENV_WILDCARD, saltenv)))
            .collect())
    }

    /// The first root of `saltenv` that serves `path`, or `None`. Refuses
    /// (with an error) paths that could never be inside a root; a file that
    /// exists but escapes through a symlink, or is ignored, is `None`.
    pub fn resolve(
        &self,
        saltenv: &str,
        path: &str,
    ) -> Result<Option<RootedPath>, FileServerError> {
        Ok(self.locate(saltenv, path)?.map(|(rooted, _)| rooted))
    }

    /// Like [`Roots::resolve`], with the size, mode and hash of the file
    /// (read from the one open descriptor, so they describe one file). Sums
    /// are remembered per file until it changes (`hashcache`).
    pub fn find_file(
        &self,
        saltenv: &str,
        path: &str,
    ) -> Result<Option<FileInfo>, FileServerError> {
        let Some((rooted, mut file)) = self.locate(saltenv, path)? else {
            return Ok(None);
        };
        let io_err = |action, err| FileServerError::io(action, rooted.display_path(), err);
        let meta = file.metadata().map_err(|err| io_err("cannot stat", err))?;
        let sha256 = self
            .hashes
            .sha256(&mut file, &meta)
            .map_err(|err| io_err("cannot read", err))?;
        Ok(Some(FileInfo {
            size: meta.len(),
            mode: meta.permissions().mode() & 0o7777,
            sha256,
            rooted,
        }))
    }

    /// Opens a resolved file, for serving it in chunks; the open is confined
    /// to the root again, as for [`Roots::read`]. An error if the file is
    /// gone (or now escapes) since it was resolved.
    pub fn open(&self, rooted: &RootedPath) -> Result<File, FileServerError> {
        rooted.open()?.ok_or_else(|| {
            let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
            FileServerError::io("cannot open", rooted.display_path(), gone)
        })
    }

    /// The contents of a resolved file.
    pub fn read(&self, rooted: &RootedPath) -> Result<Vec<u8>, FileServerError> {
        let mut data = Vec::new();
        self.open(rooted)?
            .read_to_end(&mut data)
            .map_err(|err| FileServerError::io("cannot read", rooted.display_path(), err))?;
        Ok(data)
    }

    /// Every file `saltenv` serves, over all its roots, sorted.
    pub fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(self.listing(saltenv)?.files.into_iter().collect())
    }

    /// Every directory `saltenv` serves, sorted.
    pub fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(self.listing(saltenv)?.dirs.into_iter().collect())
    }

    /// The empty directories (Salt's `file_list_emptydirs`), sorted.
    pub fn file_list_emptydirs(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(self.listing(saltenv)?.empty_dirs.into_iter().collect())
    }

    /// The SLS names `saltenv` serves (`a/b.sls` and `a/b/init.sls` are
    /// both `a.b`), sorted.
    pub fn list_states(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(crate::client::states_from_files(&self.file_list(saltenv)?))
    }

    fn listing(&self, saltenv: &str) -> Result<Listing, FileServerError> {
        let mut listing = Listing::default();
        for root in self.roots_for(saltenv)? {
            walk_root(&root, &self.options, &mut listing);
        }
        Ok(listing)
    }

    fn locate(
        &self,
        saltenv: &str,
        path: &str,
    ) -> Result<Option<(RootedPath, File)>, FileServerError> {
        let rel = normalize_path(path)?;
        for root in self.roots_for(saltenv)? {
            if self
                .options
                .ignore
                .is_ignored(&root.to_string_lossy(), &rel)
            {
                continue;
            }
            let rooted = RootedPath {
                root,
                rel: rel.clone(),
                symlinks: self.options.symlinks,
            };
            if let Some(file) = rooted.open()? {
                return Ok(Some((rooted, file)));
            }
        }
        Ok(None)
    }
}

/// SHA-256 of everything `reader` yields, lowercase hex.
pub fn sha256_reader(reader: &mut impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn parse_file_roots(
    file_roots: &Map<String, Value>,
) -> Result<IndexMap<String, Vec<PathBuf>>, FileServerError> {
    if file_roots.is_empty() {
        let defaults = DEFAULT_FILE_ROOTS.iter().map(PathBuf::from).collect();
        return Ok(IndexMap::from([("base".to_owned(), defaults)]));
    }
    let mut envs = IndexMap::new();
    for (saltenv, dirs) in file_roots {
        let roots = match dirs {
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(dir) if !dir.is_empty() => Ok(absolute(dir)),
                    other => Err(FileServerError::BadFileRoots(format!(
                        "saltenv {saltenv:?}: a root must be a directory path, got {other}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => Vec::new(),
        };
        envs.insert(saltenv.clone(), roots);
    }
    Ok(envs)
}

/// Salt joins a relative root to the working directory (`clean_path`).
fn absolute(dir: &str) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir))
}

fn bool_opt(opts: &Map<String, Value>, option: &'static str) -> Result<bool, FileServerError> {
    match opts.get(option) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(other) => Err(FileServerError::BadOption {
            option,
            reason: format!("expected true or false, got {other}"),
        }),
    }
}

fn string_list_opt(
    opts: &Map<String, Value>,
    option: &'static str,
) -> Result<Vec<String>, FileServerError> {
    let bad = |got: &Value| FileServerError::BadOption {
        option,
        reason: format!("expected a list of strings, got {got}"),
    };
    match opts.get(option) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(|| bad(item)))
            .collect(),
        Some(other) => Err(bad(other)),
    }
}

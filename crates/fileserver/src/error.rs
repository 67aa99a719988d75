//! The one error type of the file server, for the master side, the minion
//! cache and the path checks alike, so callers match on one enum.

use std::path::PathBuf;

/// Why a file server request failed. A file that simply does not exist is
/// not an error (`Ok(None)`); these are refusals and I/O failures.
#[derive(Debug, thiserror::Error)]
pub enum FileServerError {
    #[error("empty path")]
    EmptyPath,
    #[error("path {0:?} contains a NUL byte")]
    NulByte(String),
    #[error("path {0:?} is absolute; salt:// paths are relative to a file root")]
    AbsolutePath(String),
    #[error("path {0:?} contains a '..' component")]
    ParentDir(String),
    #[error("path {0:?} contains a backslash")]
    Backslash(String),
    #[error("path {0:?} starts with a drive prefix")]
    DrivePrefix(String),
    #[error("path {0:?} is longer than {max} bytes", max = crate::relpath::MAX_PATH_LEN)]
    PathTooLong(String),
    #[error("invalid saltenv {0:?}: {1}")]
    BadSaltenv(String, &'static str),
    /// Salt's own text (`salt.fileclient.Client._check_proto`).
    #[error("Unsupported path: {0}")]
    UnsupportedUrl(String),
    #[error("invalid file_roots: {0}")]
    BadFileRoots(String),
    #[error("invalid {option} pattern {pattern:?}: {reason}")]
    BadIgnorePattern {
        option: &'static str,
        pattern: String,
        reason: String,
    },
    #[error("invalid option {option}: {reason}")]
    BadOption {
        option: &'static str,
        reason: String,
    },
    /// The remote file server answered something a well-behaved master never
    /// sends (a listed path that escapes, a malformed hash).
    #[error("refused answer from the file server: {0}")]
    HostileRemote(String),
    /// The minion's cache directory holds something we did not put there (a
    /// symlink in place of a directory).
    #[error("unexpected {what} at {path} in the file cache")]
    CacheTampered { path: PathBuf, what: &'static str },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file client transport failure (set by clients that talk to a master).
    #[error("file client: {0}")]
    Remote(String),
}

impl FileServerError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        FileServerError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

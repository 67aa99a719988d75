//! Salt's `salt://` file server without the network: the `roots` backend
//! that serves files from `file_roots` per saltenv, the [`FileClient`] trait
//! a minion asks, [`LocalClient`] for `call --local`, and [`CachingClient`],
//! the minion's hash-checked cache.
//!
//! Layout:
//! - [`relpath`]: the checks every requested path and saltenv pass first.
//! - [`url`]: `salt://path?saltenv=env` parsing.
//! - `confine`: opening a file so that it cannot be outside its root.
//! - [`ignore`]: `file_ignore_regex` / `file_ignore_glob`.
//! - [`roots`]: [`Roots`], [`RootedPath`], [`FileInfo`]; `walk` lists them,
//!   `hashcache` remembers their SHA-256 sums until they change.
//! - [`client`] and [`cache`]: the minion side.
//!
//! Architecture invariant: a served file is opened only through a
//! [`RootedPath`], which only [`Roots::resolve`] makes, and every open of
//! it is confined to its root by the kernel (`openat2(RESOLVE_BENEATH)`).
//!
//! Where halite is stricter than Salt (all on purpose):
//! - any `..` component is refused (Salt refuses `../` at its front door but
//!   normalises a trailing `a/..`), as are backslashes and `C:` prefixes;
//! - symlinks that leave their root are not followed unless
//!   `fileserver_followsymlinks: true` (Salt's default is to follow them);
//! - ignore patterns are tested against both the relative and the full
//!   path, for listing and serving alike (Salt uses one each);
//! - only regular files are listed and served (no FIFOs or devices);
//! - a saltenv must be one path component (no `/`): it names a directory in
//!   the minion's cache.

pub mod cache;
pub mod client;
mod confine;
mod error;
mod hashcache;
pub mod ignore;
pub mod relpath;
pub mod roots;
pub mod url;
mod walk;

pub use cache::{CachedState, CachingClient};
pub use client::{FileClient, LocalClient, states_from_files};
pub use confine::SymlinkPolicy;
pub use error::FileServerError;
pub use ignore::IgnoreRules;
pub use relpath::{normalize_path, validate_saltenv};
pub use roots::{
    DEFAULT_FILE_ROOTS, ENV_WILDCARD, FileInfo, RootedPath, Roots, RootsOptions, sha256_reader,
};
pub use url::{create_salt_url, parse_salt_url};

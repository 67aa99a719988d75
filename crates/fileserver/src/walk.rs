//! Listing a root: the files and directories `file_list` / `dir_list`
//! report, under the same symlink and ignore rules as serving, so a listed
//! name is one that can be fetched.
//!
//! Names only are produced here; serving always goes through the confined
//! open in `confine`, so a tree that changes after listing cannot turn a
//! listed name into an escape.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::confine::{SymlinkPolicy, canonical_within};
use crate::roots::RootsOptions;

/// Directory nesting deeper than this is not descended (symlinked
/// directories can make a tree arbitrarily deep without a loop).
const MAX_DEPTH: usize = 64;

/// What a walk of one or more roots found; names are relative, `/`-separated.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub files: BTreeSet<String>,
    pub dirs: BTreeSet<String>,
    pub empty_dirs: BTreeSet<String>,
}

/// Adds what `root` holds to `out`. A missing or unreadable root adds
/// nothing, as in Salt's `os.walk`.
pub(crate) fn walk_root(root: &Path, options: &RootsOptions, out: &mut Listing) {
    let Ok(meta) = std::fs::metadata(root) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let root_text = root.to_string_lossy();
    let mut walker = Walker {
        root,
        root_text: &root_text,
        options,
        out,
        ancestors: vec![(meta.dev(), meta.ino())],
    };
    walker.visit(root, "");
}

struct Walker<'a> {
    root: &'a Path,
    root_text: &'a str,
    options: &'a RootsOptions,
    out: &'a mut Listing,
    /// `(dev, ino)` of the directories being visited, to stop symlink loops.
    ancestors: Vec<(u64, u64)>,
}

impl Walker<'_> {
    fn visit(&mut self, dir: &Path, prefix: &str) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                tracing::debug!(dir = %dir.display(), %err, "cannot list directory");
                return;
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            // Names that are not UTF-8, or hold a backslash, can never be
            // requested through a salt:// path, so they are not listed.
            let Some(name) = name.to_str().filter(|name| !name.contains('\\')) else {
                continue;
            };
            let rel = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_symlink() {
                if self.options.ignore_symlinks {
                    continue;
                }
                if self.options.symlinks == SymlinkPolicy::WithinRoot
                    && canonical_within(self.root, &rel).is_none()
                {
                    continue;
                }
            }
            // Follows a symlink; a dangling one fails and is skipped.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let ignored = self.options.ignore.is_ignored(self.root_text, &rel);
            if meta.is_dir() {
                if !ignored {
                    self.out.dirs.insert(rel.clone());
                }
                let id = (meta.dev(), meta.ino());
                if self.ancestors.contains(&id) || self.ancestors.len() > MAX_DEPTH {
                    continue;
                }
                if !ignored && is_empty_dir(&path) {
                    self.out.empty_dirs.insert(rel.clone());
                }
                // Ignored directories are still descended, as Salt does:
                // patterns are tested on each file, not on its parents.
                self.ancestors.push(id);
                self.visit(&path, &rel);
                self.ancestors.pop();
            } else if meta.is_file() && !ignored {
                // Devices, FIFOs and sockets are not served, so not listed.
                self.out.files.insert(rel);
            }
        }
    }
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

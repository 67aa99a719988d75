//! Opening a file inside a root so that nothing (`..`, symlinks, a race with
//! someone renaming directories) can make it open a file outside the root.
//!
//! How, under the default [`SymlinkPolicy::WithinRoot`]:
//! 1. The root directory is opened once (`O_PATH`), and the file is opened
//!    relative to it with `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`.
//!    The kernel resolves every component, symlinks included, and fails with
//!    `EXDEV` if resolution would leave the root. Check and open are one
//!    system call, so there is no time-of-check/time-of-use window.
//! 2. `RESOLVE_BENEATH` also refuses every *absolute* symlink, even one that
//!    points back inside the root (`/srv/salt/a -> /srv/salt/b`). On
//!    `EXDEV` we therefore canonicalise the path, and if the real target is
//!    inside the canonical root we open that symlink-free relative path with
//!    `openat2(RESOLVE_BENEATH)` again: if the tree changed in between, the
//!    kernel still refuses to leave the root.
//! 3. On kernels without `openat2` (before 5.6, `ENOSYS`) we canonicalise,
//!    check the prefix, open the canonical path with `O_NOFOLLOW`, and then
//!    check where the opened descriptor really is (`/proc/self/fd/N`): a
//!    swap between check and open is caught after the fact, before a byte
//!    is read.
//!
//! Every open uses `O_NONBLOCK | O_NOCTTY` and the result must be a regular
//! file (checked with `fstat` on the descriptor), so a FIFO or device node
//! in a root can neither hang the server nor be served.
//!
//! [`SymlinkPolicy::FollowAnywhere`] is Salt's behaviour
//! (`fileserver_followsymlinks: True`): `..` is still refused by the path
//! rules, but symlinks are followed wherever they point.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, open, openat2};
use nix::sys::stat::Mode;

use crate::FileServerError;

/// What to do with a symlink inside a root whose target is outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SymlinkPolicy {
    /// Follow symlinks only while they stay inside the root (halite's
    /// default, `fileserver_followsymlinks: False`).
    #[default]
    WithinRoot,
    /// Follow symlinks wherever they point (Salt's default,
    /// `fileserver_followsymlinks: True`).
    FollowAnywhere,
}

/// How a confined open is carried out; tests force the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    Openat2,
    CanonicalCheck,
}

/// Opens the regular file `rel` (already normalised: relative, no `..`)
/// inside `root`. `Ok(None)` when it does not exist, is not a regular file,
/// or lies outside the root.
pub(crate) fn open_in_root(
    root: &Path,
    rel: &str,
    policy: SymlinkPolicy,
) -> Result<Option<File>, FileServerError> {
    let strategy = if NO_OPENAT2.load(Ordering::Relaxed) {
        Strategy::CanonicalCheck
    } else {
        Strategy::Openat2
    };
    open_with(root, rel, policy, strategy)
}

/// Set once the kernel has answered `ENOSYS` to `openat2`, so later opens go
/// straight to the fallback.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

pub(crate) fn open_with(
    root: &Path,
    rel: &str,
    policy: SymlinkPolicy,
    strategy: Strategy,
) -> Result<Option<File>, FileServerError> {
    let file = match (policy, strategy) {
        (SymlinkPolicy::FollowAnywhere, _) => open_following(&root.join(rel))?,
        (SymlinkPolicy::WithinRoot, Strategy::Openat2) => open_beneath(root, rel)?,
        (SymlinkPolicy::WithinRoot, Strategy::CanonicalCheck) => open_checked(root, rel)?,
    };
    match file {
        Some(file) => regular_only(file, root, rel),
        None => Ok(None),
    }
}

const READ_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_CLOEXEC)
    .union(OFlag::O_NOCTTY)
    .union(OFlag::O_NONBLOCK);

/// `openat2` retries on `EAGAIN`, which the kernel returns when a concurrent
/// rename made it unsure a `..` stayed inside; a few tries are plenty.
const EAGAIN_RETRIES: usize = 8;

fn open_beneath(root: &Path, rel: &str) -> Result<Option<File>, FileServerError> {
    let Some(root_fd) = open_root(root)? else {
        return Ok(None);
    };
    match openat2_beneath(&root_fd, rel) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(errno) if is_absent(errno) => Ok(None),
        Err(Errno::EXDEV) => {
            // An absolute symlink, or one that climbs out: find out which.
            let Some(inside) = canonical_within_logged(root, rel) else {
                return Ok(None);
            };
            if inside.as_os_str().is_empty() {
                return Ok(None); // the root itself: a directory
            }
            match openat2_beneath(&root_fd, &inside) {
                Ok(fd) => Ok(Some(File::from(fd))),
                // EXDEV again: the tree changed under us to point outside.
                Err(errno) if is_absent(errno) || errno == Errno::EXDEV => Ok(None),
                Err(errno) => Err(FileServerError::io(
                    "cannot open",
                    root.join(rel),
                    errno.into(),
                )),
            }
        }
        Err(Errno::ENOSYS) => {
            NO_OPENAT2.store(true, Ordering::Relaxed);
            open_checked(root, rel)
        }
        Err(errno) => Err(FileServerError::io(
            "cannot open",
            root.join(rel),
            errno.into(),
        )),
    }
}

fn openat2_beneath(root_fd: &OwnedFd, rel: impl AsRef<Path>) -> Result<OwnedFd, Errno> {
    let how = OpenHow::new()
        .flags(READ_FLAGS)
        .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let mut tries = 0;
    loop {
        match openat2(root_fd, rel.as_ref(), how) {
            Err(Errno::EAGAIN) if tries < EAGAIN_RETRIES => tries += 1,
            other => return other,
        }
    }
}

fn open_root(root: &Path) -> Result<Option<OwnedFd>, FileServerError> {
    match open(
        root,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => Ok(Some(fd)),
        // A configured root that does not exist serves nothing, as in Salt.
        Err(Errno::ENOENT | Errno::ENOTDIR) => Ok(None),
        Err(errno) => Err(FileServerError::io(
            "cannot open file root",
            root,
            errno.into(),
        )),
    }
}

/// The part of `root/rel`'s real path below the real root, or `None` when it
/// does not exist (dangling link, loop) or lies outside the root.
pub(crate) fn canonical_within(root: &Path, rel: impl AsRef<Path>) -> Option<PathBuf> {
    let real_root = root.canonicalize().ok()?;
    let target = root.join(rel.as_ref()).canonicalize().ok()?;
    target.strip_prefix(&real_root).ok().map(Path::to_path_buf)
}

fn canonical_within_logged(root: &Path, rel: &str) -> Option<PathBuf> {
    let inside = canonical_within(root, rel);
    if inside.is_none() && root.join(rel).canonicalize().is_ok() {
        tracing::warn!(
            root = %root.display(),
            path = rel,
            "refusing to serve a path that resolves outside its file root"
        );
    }
    inside
}

/// The fallback for kernels without `openat2`: check, open without following
/// a final symlink, then verify where the descriptor really points.
fn open_checked(root: &Path, rel: &str) -> Result<Option<File>, FileServerError> {
    let Some(inside) = canonical_within_logged(root, rel) else {
        return Ok(None);
    };
    let Ok(real_root) = root.canonicalize() else {
        return Ok(None);
    };
    let real_path = real_root.join(&inside);
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_NOCTTY).bits())
        .open(&real_path)
    {
        Ok(file) => file,
        Err(err) if is_not_found(&err) => return Ok(None),
        Err(err) => return Err(FileServerError::io("cannot open", real_path, err)),
    };
    let fd_link = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    match std::fs::read_link(&fd_link) {
        Ok(opened) if opened.starts_with(&real_root) => Ok(Some(file)),
        Ok(opened) => {
            tracing::warn!(root = %root.display(), path = rel, opened = %opened.display(),
                "file root changed while opening; refusing");
            Ok(None)
        }
        // Without /proc the prefix check above is all we have.
        Err(_) => Ok(Some(file)),
    }
}

fn open_following(path: &Path) -> Result<Option<File>, FileServerError> {
    match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOCTTY).bits())
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(err) if is_not_found(&err) => Ok(None),
        Err(err) => Err(FileServerError::io("cannot open", path, err)),
    }
}

/// Errors that mean "no file to serve here", as Salt's `os.path.isfile`
/// answers false for a missing file, a symlink loop or a too-long name.
fn is_absent(errno: Errno) -> bool {
    matches!(
        errno,
        Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP | Errno::ENAMETOOLONG
    )
}

fn is_not_found(err: &std::io::Error) -> bool {
    err.raw_os_error()
        .is_some_and(|code| is_absent(Errno::from_raw(code)))
}

/// Salt serves regular files only (`os.path.isfile`); the check is on the
/// open descriptor, so it describes the very file that will be read.
fn regular_only(file: File, root: &Path, rel: &str) -> Result<Option<File>, FileServerError> {
    let meta = file
        .metadata()
        .map_err(|err| FileServerError::io("cannot stat", root.join(rel), err))?;
    Ok(meta.is_file().then_some(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::symlink;

    struct Zoo {
        _dir: tempfile::TempDir,
        root: PathBuf,
    }

    /// A root with every kind of symlink, next to a secret outside it.
    fn zoo() -> Zoo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("sub/file.txt"), "inside").unwrap();
        std::fs::write(outside.join("secret"), "secret").unwrap();
        symlink("sub/file.txt", root.join("rel_in")).unwrap();
        symlink(root.join("sub/file.txt"), root.join("abs_in")).unwrap();
        symlink("../outside/secret", root.join("rel_out")).unwrap();
        symlink(outside.join("secret"), root.join("abs_out")).unwrap();
        symlink("../outside", root.join("dir_out")).unwrap();
        symlink(root.join("sub"), root.join("dir_in_abs")).unwrap();
        symlink("loop_b", root.join("loop_a")).unwrap();
        symlink("loop_a", root.join("loop_b")).unwrap();
        symlink("missing", root.join("dangling")).unwrap();
        symlink("/proc/self/root/etc/hostname", root.join("magic")).unwrap();
        Zoo { _dir: dir, root }
    }

    fn content(
        root: &Path,
        rel: &str,
        policy: SymlinkPolicy,
        strategy: Strategy,
    ) -> Option<String> {
        let mut file = open_with(root, rel, policy, strategy).unwrap()?;
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        Some(text)
    }

    #[test]
    fn symlinks_inside_the_root_are_followed_and_outside_refused() {
        let zoo = zoo();
        for strategy in [Strategy::Openat2, Strategy::CanonicalCheck] {
            let get = |rel| content(&zoo.root, rel, SymlinkPolicy::WithinRoot, strategy);
            assert_eq!(
                get("sub/file.txt").as_deref(),
                Some("inside"),
                "{strategy:?}"
            );
            assert_eq!(get("rel_in").as_deref(), Some("inside"), "{strategy:?}");
            assert_eq!(get("abs_in").as_deref(), Some("inside"), "{strategy:?}");
            assert_eq!(
                get("dir_in_abs/file.txt").as_deref(),
                Some("inside"),
                "{strategy:?}"
            );
            for escaping in [
                "rel_out",
                "abs_out",
                "dir_out/secret",
                "loop_a",
                "dangling",
                "magic",
                "sub",
                "nope",
            ] {
                assert_eq!(get(escaping), None, "{strategy:?} {escaping}");
            }
        }
    }

    #[test]
    fn follow_anywhere_is_salts_behaviour() {
        let zoo = zoo();
        let get = |rel| {
            content(
                &zoo.root,
                rel,
                SymlinkPolicy::FollowAnywhere,
                Strategy::Openat2,
            )
        };
        assert_eq!(get("rel_out").as_deref(), Some("secret"));
        assert_eq!(get("abs_out").as_deref(), Some("secret"));
        assert_eq!(get("dir_out/secret").as_deref(), Some("secret"));
        assert_eq!(get("loop_a"), None);
        assert_eq!(get("dangling"), None);
    }

    #[test]
    fn fifos_are_not_served_and_do_not_block() {
        let dir = tempfile::tempdir().unwrap();
        nix::unistd::mkfifo(&dir.path().join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        for strategy in [Strategy::Openat2, Strategy::CanonicalCheck] {
            assert!(
                open_with(dir.path(), "fifo", SymlinkPolicy::WithinRoot, strategy)
                    .unwrap()
                    .is_none()
            );
        }
        assert!(
            open_with(
                dir.path(),
                "fifo",
                SymlinkPolicy::FollowAnywhere,
                Strategy::Openat2
            )
            .unwrap()
            .is_none()
        );
    }

    #[test]
    fn a_missing_root_serves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        assert!(
            open_in_root(&gone, "x", SymlinkPolicy::WithinRoot)
                .unwrap()
                .is_none()
        );
    }
}

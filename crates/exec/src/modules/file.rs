//! `file`: files and directories on the minion (Salt's `file` module, the
//! subset states need: existence, read/write, ownership, modes, stats,
//! hashes, copies).
//!
//! The operations are plain `pub fn`s with typed arguments, for the `file`
//! state to reuse; the registry entries wrap them with Salt's argument
//! handling and return texts.
//!
//! Modes follow Salt: YAML 1.1 turns `mode: 0644` into the int 644, so a
//! mode is read as octal digits whether it arrives as `644`, `"0644"` or
//! `"644"`, and is returned as a four-digit string such as `"0644"`.

use std::ffi::CString;
use std::fmt;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use md5::Digest;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::lenient::{self, python_str, python_str_repr};
use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "file",
    doc: "Manage files and directories: existence, contents, ownership, modes, stats, hashes and copies.",
    available: always,
    functions: &[
        Function {
            name: "append",
            params: &["path", "*args", "**kwargs"],
            doc: "\
Append lines to the end of an existing file, first adding a newline if
the file does not end with one. Pass text containing `=` as args=...

CLI Example:

    halite '*' file.append /etc/motd 'With all thine offerings thou shalt offer salt.' 'Second line'
    halite '*' file.append /etc/motd args='cheese=spam'
    halite '*' file.append /etc/motd args=\"['cheese=spam', 'spam=cheese']\"
",
            call: append_fn,
        },
        Function {
            name: "chown",
            params: &["path", "user", "group"],
            doc: "\
Set the owner and group of a file (names or ids; an empty value keeps the
current one). Returns None on success, else a text naming what is wrong.

CLI Example:

    halite '*' file.chown /etc/passwd root root
",
            call: chown_fn,
        },
        Function {
            name: "copy",
            params: &["src", "dst", "recurse", "remove_existing"],
            doc: "\
Copy a file or directory to `dst`, keeping the owner, group and mode of
`src`. Directories need recurse=True; existing files in `dst` are then
overwritten and others kept (like cp -r), or all removed first with
remove_existing=True.

CLI Example:

    halite '*' file.copy /path/to/src /path/to/dst
    halite '*' file.copy /path/to/src_dir /path/to/dst_dir recurse=True
",
            call: copy_fn,
        },
        Function {
            name: "directory_exists",
            params: &["path"],
            doc: "\
Return True if the path is a directory.

CLI Example:

    halite '*' file.directory_exists /etc
",
            call: |_, args| {
                let a: PathArgs = args.bind()?;
                Ok(json!(directory_exists(&expand_user(&a.path))))
            },
        },
        Function {
            name: "file_exists",
            params: &["path"],
            doc: "\
Return True if the path is a regular file.

CLI Example:

    halite '*' file.file_exists /etc/passwd
",
            call: |_, args| {
                let a: PathArgs = args.bind()?;
                Ok(json!(file_exists(&expand_user(&a.path))))
            },
        },
        Function {
            name: "get_gid",
            params: &["path", "follow_symlinks"],
            doc: "\
Return the id of the group that owns a file.

CLI Example:

    halite '*' file.get_gid /etc/passwd
",
            call: |_, args| stat_field(args, "gid"),
        },
        Function {
            name: "get_group",
            params: &["path", "follow_symlinks"],
            doc: "\
Return the name of the group that owns a file (its id when it has no name).

CLI Example:

    halite '*' file.get_group /etc/passwd
",
            call: |_, args| stat_field(args, "group"),
        },
        Function {
            name: "get_hash",
            params: &["path", "form", "chunk_size"],
            doc: "\
Return the hex digest of a file. `form` is md5, sha1, sha224, sha256
(the default), sha384 or sha512.

CLI Example:

    halite '*' file.get_hash /etc/shadow
    halite '*' file.get_hash /etc/shadow form=md5
",
            call: get_hash_fn,
        },
        Function {
            name: "get_mode",
            params: &["path", "follow_symlinks"],
            doc: "\
Return the mode of a file as a four-digit octal string (`0644`).

CLI Example:

    halite '*' file.get_mode /etc/passwd
",
            call: |_, args| stat_field(args, "mode"),
        },
        Function {
            name: "get_uid",
            params: &["path", "follow_symlinks"],
            doc: "\
Return the id of the user that owns a file.

CLI Example:

    halite '*' file.get_uid /etc/passwd
",
            call: |_, args| stat_field(args, "uid"),
        },
        Function {
            name: "get_user",
            params: &["path", "follow_symlinks"],
            doc: "\
Return the name of the user that owns a file (its id when it has no name).

CLI Example:

    halite '*' file.get_user /etc/passwd
",
            call: |_, args| stat_field(args, "user"),
        },
        Function {
            name: "makedirs",
            params: &["path", "user", "group", "mode"],
            doc: "\
Create the parent directories of `path` (end it with `/` to create `path`
itself), each with the given user, group and mode. Returns None when it
created them, or a text when the parent already exists.

CLI Example:

    halite '*' file.makedirs /opt/code/
",
            call: makedirs_fn,
        },
        Function {
            name: "mkdir",
            params: &["dir_path", "user", "group", "mode"],
            doc: "\
Ensure a directory exists, creating it and its parents with the given
user, group and mode. Returns True.

CLI Example:

    halite '*' file.mkdir /opt/jetty/context
    halite '*' file.mkdir /srv/app user=www-data group=www-data mode=750
",
            call: mkdir_fn,
        },
        Function {
            name: "read",
            params: &["path", "binary"],
            doc: "\
Return the contents of a file as text (it must be UTF-8). With
binary=True, return Python's bytes literal of the contents (`b'...'`).

CLI Example:

    halite '*' file.read /path/to/file
",
            call: read_fn,
        },
        Function {
            name: "remove",
            params: &["path", "**kwargs"],
            doc: "\
Remove a file, link or directory (recursively). Returns True if something
was removed, False if nothing was there. The path must be absolute.

CLI Example:

    halite '*' file.remove /tmp/foo
",
            call: remove_fn,
        },
        Function {
            name: "rename",
            params: &["src", "dst"],
            doc: "\
Rename a file or directory. Returns True.

CLI Example:

    halite '*' file.rename /path/to/src /path/to/dst
",
            call: rename_fn,
        },
        Function {
            name: "set_mode",
            params: &["path", "mode"],
            doc: "\
Set the mode of a file (octal digits: 644, 0644, 4755) and return the new
mode.

CLI Example:

    halite '*' file.set_mode /etc/passwd 0644
",
            call: set_mode_fn,
        },
        Function {
            name: "stats",
            params: &["path", "hash_type", "follow_symlinks"],
            doc: "\
Return a dict of a file's stats: inode, uid, gid, group, user, atime,
mtime, ctime, size, mode, type (file, dir, link, char, block, pipe,
socket), target, and `sum` when hash_type is given.

CLI Example:

    halite '*' file.stats /etc/passwd
    halite '*' file.stats /etc/passwd hash_type=sha256
",
            call: stats_fn,
        },
        Function {
            name: "touch",
            params: &["name", "atime", "mtime"],
            doc: "\
Create a file if it does not exist, and set its access and modification
times (Unix epoch seconds; default now). Returns True.

CLI Example:

    halite '*' file.touch /var/log/emptyfile
    halite '*' file.touch /var/log/emptyfile atime=0 mtime=1700000000
",
            call: touch_fn,
        },
        Function {
            name: "write",
            params: &["path", "*args", "**kwargs"],
            doc: "\
Write lines to a file, replacing its contents. Pass text containing `=`
as args=...

CLI Example:

    halite '*' file.write /etc/motd 'With all thine offerings thou shalt offer salt.'
    halite '*' file.write /etc/motd args=\"['cheese=spam', 'spam=cheese']\"
",
            call: write_fn,
        },
    ],
};

/// A file mode: permission bits plus setuid, setgid and sticky.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mode(pub u32);

impl Mode {
    /// Reads a mode the way Salt does: the text (or the YAML int) as octal
    /// digits, leading `0`, `0o` or `o` ignored.
    pub fn parse(v: &Value) -> Result<Mode, ExecError> {
        let text = python_str(v);
        Mode::from_text(&text)
            .ok_or_else(|| ExecError::Invocation(format!("invalid mode: '{text}'")))
    }

    /// `None` unless `text` is octal digits for at most `07777`.
    pub fn from_text(text: &str) -> Option<Mode> {
        let digits = text
            .trim()
            .trim_matches(['"', '\''])
            .trim_start_matches(['0', 'o', 'O']);
        if digits.is_empty() {
            return Some(Mode(0));
        }
        u32::from_str_radix(digits, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
            .map(Mode)
    }
}

/// Salt's `normalize_mode`: at least four digits, leading zero (`0644`).
impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

/// A user or group, as Salt accepts it: an id (YAML int) or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Id(u32),
    Name(String),
}

impl Owner {
    /// `None` for null and the empty string, which mean "leave as is".
    pub fn from_value(v: &Value) -> Option<Owner> {
        match v {
            Value::Null => None,
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Owner::Id),
            other => Some(python_str(other))
                .filter(|s| !s.is_empty())
                .map(Owner::Name),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Id(id) => write!(f, "{id}"),
            Owner::Name(name) => f.write_str(name),
        }
    }
}

/// A hash algorithm `file.get_hash` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashType {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashType {
    /// Python's hashlib names; others give Salt's "Invalid hash type".
    pub fn parse(form: &str) -> Result<HashType, ExecError> {
        Ok(match form {
            "md5" => HashType::Md5,
            "sha1" => HashType::Sha1,
            "sha224" => HashType::Sha224,
            "sha256" => HashType::Sha256,
            "sha384" => HashType::Sha384,
            "sha512" => HashType::Sha512,
            _ => return Err(ExecError::Invocation(format!("Invalid hash type: {form}"))),
        })
    }
}

/// What `file.stats` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub inode: u64,
    pub uid: u32,
    pub gid: u32,
    /// `None` when the gid has no name (Salt then shows the gid).
    pub group: Option<String>,
    pub user: Option<String>,
    pub atime: f64,
    pub mtime: f64,
    pub ctime: f64,
    pub size: u64,
    pub mode: Mode,
    pub sum: Option<String>,
    pub kind: FileKind,
    /// The resolved path (or the absolute path when not following links).
    pub target: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Char,
    Block,
    Link,
    Pipe,
    Socket,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Dir => "dir",
            FileKind::Char => "char",
            FileKind::Block => "block",
            FileKind::Link => "link",
            FileKind::Pipe => "pipe",
            FileKind::Socket => "socket",
        }
    }

    fn of(mode: u32) -> FileKind {
        match mode & libc::S_IFMT {
            libc::S_IFDIR => FileKind::Dir,
            libc::S_IFCHR => FileKind::Char,
            libc::S_IFBLK => FileKind::Block,
            libc::S_IFLNK => FileKind::Link,
            libc::S_IFIFO => FileKind::Pipe,
            libc::S_IFSOCK => FileKind::Socket,
            _ => FileKind::File,
        }
    }
}

impl Stats {
    /// Salt's dict, keys in Salt's order.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("inode".into(), json!(self.inode));
        map.insert("uid".into(), json!(self.uid));
        map.insert("gid".into(), json!(self.gid));
        map.insert(
            "group".into(),
            self.group.as_ref().map_or(json!(self.gid), |g| json!(g)),
        );
        map.insert(
            "user".into(),
            self.user.as_ref().map_or(json!(self.uid), |u| json!(u)),
        );
        map.insert("atime".into(), json!(self.atime));
        map.insert("mtime".into(), json!(self.mtime));
        map.insert("ctime".into(), json!(self.ctime));
        map.insert("size".into(), json!(self.size));
        map.insert("mode".into(), json!(self.mode.to_string()));
        if let Some(sum) = &self.sum {
            map.insert("sum".into(), json!(sum));
        }
        map.insert("type".into(), json!(self.kind.as_str()));
        map.insert("target".into(), json!(self.target.to_string_lossy()));
        Value::Object(map)
    }
}

// ---------------------------------------------------------------------------
// Typed operations.

/// Python's `os.path.expanduser`: `~` is `$HOME` (or the passwd home),
/// `~name` that user's home; anything else, or an unknown user, unchanged.
pub fn expand_user(path: &str) -> PathBuf {
    let Some(rest) = path.strip_prefix('~') else {
        return PathBuf::from(path);
    };
    let (name, tail) = rest
        .find('/')
        .map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    let home = if name.is_empty() {
        std::env::var("HOME").ok().or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.dir.to_string_lossy().into_owned())
        })
    } else {
        nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(|u| u.dir.to_string_lossy().into_owned())
    };
    match home {
        Some(home) => {
            let joined = format!("{}{tail}", home.trim_end_matches('/'));
            PathBuf::from(if joined.is_empty() {
                "/".to_owned()
            } else {
                joined
            })
        }
        None => PathBuf::from(path),
    }
}

pub fn file_exists(path: &Path) -> bool {
    path.is_file()
}

pub fn directory_exists(path: &Path) -> bool {
    path.is_dir()
}

/// The contents of a file as text; invalid UTF-8 is an error, as in Salt.
pub fn read_text(path: &Path) -> Result<String, ExecError> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|e| ExecError::failed(utf8_error_text(e.as_bytes(), &e.utf8_error())))
}

pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ExecError> {
    fs::read(path).map_err(|e| os_error(&e, path))
}

/// Replaces the contents of `path` with `lines`, each ending in a newline.
pub fn write_lines(path: &Path, lines: &[String]) -> Result<(), ExecError> {
    let mut contents = String::new();
    for line in lines {
        contents.push_str(line);
        contents.push('\n');
    }
    fs::write(path, contents).map_err(|e| os_error(&e, path))
}

/// Appends `lines` to an existing file, first ending its last line.
pub fn append_lines(path: &Path, lines: &[String]) -> Result<(), ExecError> {
    let fail = |e: io::Error| os_error(&e, path);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(fail)?;
    let len = file.seek(SeekFrom::End(0)).map_err(fail)?;
    let mut contents = Vec::new();
    if len > 0 {
        file.seek(SeekFrom::End(-1)).map_err(fail)?;
        let mut last = [0u8; 1];
        file.read_exact(&mut last).map_err(fail)?;
        if last[0] != b'\n' {
            contents.push(b'\n');
        }
    }
    for line in lines {
        contents.extend_from_slice(line.as_bytes());
        contents.push(b'\n');
    }
    file.seek(SeekFrom::End(0)).map_err(fail)?;
    file.write_all(&contents).map_err(fail)
}

/// Creates the file if missing and sets its times (seconds since the
/// epoch; `None` is now). Returns whether the file exists afterwards.
pub fn touch(path: &Path, atime: Option<f64>, mtime: Option<f64>) -> Result<bool, ExecError> {
    let strerror = |e: io::Error| ExecError::failed(strerror(&e));
    if !path.exists() {
        fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(strerror)?;
    }
    let times = [timespec(atime), timespec(mtime)];
    let c_path = c_path(path)?;
    // SAFETY: utimensat(2) reads a NUL-terminated path and two timespecs
    // that live on our stack for the duration of the call.
    if unsafe { libc::utimensat(libc::AT_FDCWD, c_path.as_ptr(), times.as_ptr(), 0) } != 0 {
        return Err(strerror(io::Error::last_os_error()));
    }
    Ok(path.exists())
}

/// Removes a file, link or directory tree. `Ok(false)` when nothing is
/// there. The path must be absolute.
pub fn remove(path: &Path) -> Result<bool, ExecError> {
    if !path.is_absolute() {
        return Err(ExecError::Invocation(format!(
            "File path must be absolute: {}",
            path.display()
        )));
    }
    let fail = |e: io::Error| {
        ExecError::failed(format!(
            "Could not remove '{}': {}",
            path.display(),
            os_error_text(&e, path)
        ))
    };
    let is_link = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if is_link || (path.exists() && !path.is_dir()) {
        fs::remove_file(path).map_err(fail)?;
        Ok(true)
    } else if path.is_dir() {
        fs::remove_dir_all(path).map_err(fail)?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Ensures `path` is a directory, creating it and missing parents, each
/// chowned and chmodded as given. Unknown users or groups are refused
/// before anything is created (Salt would create the directories and
/// silently skip the chown).
pub fn mkdir(
    path: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<Mode>,
) -> Result<(), ExecError> {
    let uid = user.map(resolve_user).transpose()?;
    let gid = group.map(resolve_group).transpose()?;
    let path = normpath(path);
    if path.is_dir() {
        return Ok(());
    }
    create_dirs(&path, uid, gid, mode)
}

fn create_dirs(
    path: &Path,
    uid: Option<u32>,
    gid: Option<u32>,
    mode: Option<Mode>,
) -> Result<(), ExecError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        create_dirs(parent, uid, gid, mode)?;
    }
    match fs::create_dir(path) {
        Ok(()) => {}
        // Someone else created it meanwhile: fine, as in Salt.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => return Ok(()),
        Err(e) => return Err(os_error(&e, path)),
    }
    apply_perms(path, uid, gid, mode)
}

/// Chowns (when asked) then chmods, as Salt's `check_perms`: chown clears
/// setuid/setgid bits, so the mode comes last.
fn apply_perms(
    path: &Path,
    uid: Option<u32>,
    gid: Option<u32>,
    mode: Option<Mode>,
) -> Result<(), ExecError> {
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(path, uid, gid).map_err(|e| os_error(&e, path))?;
    }
    if let Some(mode) = mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode.0))
            .map_err(|e| os_error(&e, path))?;
    }
    Ok(())
}

/// Salt's `file.makedirs`: creates the directories above `path` (all of
/// `path` when it ends in `/`). `Ok(Some(text))` says why nothing was done.
pub fn makedirs(
    path: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<Mode>,
) -> Result<Option<String>, ExecError> {
    let text = path.to_string_lossy();
    // Python's dirname: everything before the last slash.
    let dirname = text.rfind('/').map_or("", |i| &text[..i]);
    let dirname = if dirname.is_empty() && text.starts_with('/') {
        "/"
    } else {
        dirname
    };
    let dirname = normpath(Path::new(dirname));
    if dirname.is_dir() {
        return Ok(Some(format!(
            "Directory '{}' already exists",
            dirname.display()
        )));
    }
    if dirname.exists() {
        return Ok(Some(format!(
            "The path '{}' already exists and is not a directory",
            dirname.display()
        )));
    }
    if !dirname.is_absolute() {
        return Err(ExecError::Invocation(format!(
            "Recursive creation for path '{}' would result in an infinite loop. Please use an absolute path.",
            dirname.display()
        )));
    }
    mkdir(&dirname, user, group, mode)?;
    Ok(None)
}

/// Copies `src` to `dst` and gives `dst` the owner, group and mode of `src`.
pub fn copy(src: &Path, dst: &Path, recurse: bool, remove_existing: bool) -> Result<(), ExecError> {
    if !src.is_absolute() {
        return Err(ExecError::Invocation("File path must be absolute.".into()));
    }
    if !src.exists() {
        return Err(ExecError::failed(format!(
            "No such file or directory '{}'",
            src.display()
        )));
    }
    let meta = fs::metadata(src).map_err(|e| os_error(&e, src))?;
    let failed = || {
        ExecError::failed(format!(
            "Could not copy '{}' to '{}'",
            src.display(),
            dst.display()
        ))
    };
    if dst.is_dir() || src.is_dir() {
        if !recurse {
            return Err(ExecError::Invocation(
                "Cannot copy overwriting a directory without recurse flag set to true!".into(),
            ));
        }
        if !src.is_dir() {
            // Salt would silently copy nothing here.
            return Err(failed());
        }
        if remove_existing {
            if dst.exists() {
                fs::remove_dir_all(dst).map_err(|_| failed())?;
            }
            copy_tree(src, dst, true).map_err(|_| failed())?;
        } else {
            copy_tree(src, dst, false).map_err(|_| failed())?;
        }
    } else {
        copy_contents(src, dst).map_err(|_| failed())?;
    }
    apply_perms(
        dst,
        Some(meta.uid()),
        Some(meta.gid()),
        Some(Mode(meta.mode() & 0o7777)),
    )
}

/// Copies a directory tree. `fresh` is Python's `copytree` (dst must not
/// exist; modes and times copied); otherwise `recursive_copy`, which merges
/// into an existing `dst` and copies contents only.
fn copy_tree(src: &Path, dst: &Path, fresh: bool) -> io::Result<()> {
    if fresh {
        fs::create_dir(dst)?;
    } else if !dst.is_dir() {
        fs::create_dir_all(dst)?;
    }
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let is_dir = from.is_dir();
        let is_dir_link = is_dir && entry.file_type()?.is_symlink();
        if is_dir {
            // `os.walk` (recursive_copy) does not descend into linked
            // directories; copytree copies what they point to.
            if fresh || !is_dir_link {
                copy_tree(&from, &to, fresh)?;
            }
        } else {
            copy_contents(&from, &to)?;
            if fresh {
                copy_stat(&from, &to)?;
            }
        }
    }
    if fresh {
        copy_stat(src, dst)?;
    }
    Ok(())
}

/// Python's `shutil.copyfile`: contents only, following links; an existing
/// `dst` is truncated and keeps its inode and mode.
fn copy_contents(src: &Path, dst: &Path) -> io::Result<()> {
    let mut from = fs::File::open(src)?;
    let mut to = fs::File::create(dst)?;
    io::copy(&mut from, &mut to)?;
    Ok(())
}

/// Python's `shutil.copystat` (mode and times).
fn copy_stat(src: &Path, dst: &Path) -> io::Result<()> {
    let meta = fs::metadata(src)?;
    fs::set_permissions(dst, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    let times = fs::FileTimes::new()
        .set_accessed(meta.accessed()?)
        .set_modified(meta.modified()?);
    fs::File::open(dst)?.set_times(times)
}

pub fn rename(src: &Path, dst: &Path) -> Result<(), ExecError> {
    if !src.is_absolute() {
        return Err(ExecError::Invocation("File path must be absolute.".into()));
    }
    fs::rename(src, dst).map_err(|_| {
        ExecError::failed(format!(
            "Could not rename '{}' to '{}'",
            src.display(),
            dst.display()
        ))
    })
}

/// Salt's `file.stats`. A broken symlink is reported as a link even when
/// following links; a missing path is Salt's "Path not found".
pub fn stats(
    path: &Path,
    hash: Option<HashType>,
    follow_symlinks: bool,
) -> Result<Stats, ExecError> {
    let followed = if follow_symlinks {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    let meta = match followed {
        Ok(meta) => meta,
        Err(_) => fs::symlink_metadata(path)
            .map_err(|_| ExecError::failed(format!("Path not found: {}", path.display())))?,
    };
    let sum = hash.map(|h| get_hash(path, h)).transpose()?;
    let target = if follow_symlinks {
        realpath(path)
    } else {
        abspath(path)
    };
    Ok(Stats {
        inode: meta.ino(),
        uid: meta.uid(),
        gid: meta.gid(),
        group: gid_to_group(meta.gid()),
        user: uid_to_user(meta.uid()),
        atime: python_time(meta.atime(), meta.atime_nsec()),
        mtime: python_time(meta.mtime(), meta.mtime_nsec()),
        ctime: python_time(meta.ctime(), meta.ctime_nsec()),
        size: meta.size(),
        mode: Mode(meta.mode() & 0o7777),
        sum,
        kind: FileKind::of(meta.mode()),
        target,
    })
}

/// The hex digest of a file, read in chunks.
pub fn get_hash(path: &Path, form: HashType) -> Result<String, ExecError> {
    get_hash_chunked(path, form, 65536)
}

fn get_hash_chunked(path: &Path, form: HashType, chunk_size: usize) -> Result<String, ExecError> {
    fn digest<D: Digest>(mut file: fs::File, chunk_size: usize) -> io::Result<String> {
        let mut hasher = D::new();
        let mut buf = vec![0u8; chunk_size];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(hex::encode(hasher.finalize()));
            }
            hasher.update(&buf[..n]);
        }
    }
    let file = fs::File::open(path).map_err(|e| os_error(&e, path))?;
    let chunk_size = chunk_size.clamp(1, 16 * 1024 * 1024);
    match form {
        HashType::Md5 => digest::<md5::Md5>(file, chunk_size),
        HashType::Sha1 => digest::<sha1::Sha1>(file, chunk_size),
        HashType::Sha224 => digest::<sha2::Sha224>(file, chunk_size),
        HashType::Sha256 => digest::<sha2::Sha256>(file, chunk_size),
        HashType::Sha384 => digest::<sha2::Sha384>(file, chunk_size),
        HashType::Sha512 => digest::<sha2::Sha512>(file, chunk_size),
    }
    .map_err(|e| os_error(&e, path))
}

/// Sets the mode and returns the mode the file now has.
pub fn set_mode(path: &Path, mode: Mode) -> Result<Mode, ExecError> {
    if !path.exists() {
        return Err(ExecError::failed(format!(
            "{}: File not found",
            path.display()
        )));
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode.0))
        .map_err(|e| os_error(&e, path))?;
    Ok(stats(path, None, true)?.mode)
}

/// Changes owner and/or group (`None` leaves it). A broken symlink is
/// changed itself, as Salt does.
pub fn chown(path: &Path, user: Option<&Owner>, group: Option<&Owner>) -> Result<(), ExecError> {
    let uid = user.map(resolve_user).transpose()?;
    let gid = group.map(resolve_group).transpose()?;
    let result = if path.exists() {
        std::os::unix::fs::chown(path, uid, gid)
    } else if path.symlink_metadata().is_ok() {
        std::os::unix::fs::lchown(path, uid, gid)
    } else {
        return Err(ExecError::failed("File not found"));
    };
    result.map_err(|e| os_error(&e, path))
}

pub fn user_to_uid(name: &str) -> Option<u32> {
    nix::unistd::User::from_name(name)
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw())
}

pub fn uid_to_user(uid: u32) -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
}

pub fn group_to_gid(name: &str) -> Option<u32> {
    nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw())
}

pub fn gid_to_group(gid: u32) -> Option<String> {
    nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
        .ok()
        .flatten()
        .map(|g| g.name)
}

fn resolve_user(owner: &Owner) -> Result<u32, ExecError> {
    match owner {
        Owner::Id(id) => Ok(*id),
        Owner::Name(name) => user_to_uid(name)
            .ok_or_else(|| ExecError::failed(format!("User {name} does not exist"))),
    }
}

fn resolve_group(owner: &Owner) -> Result<u32, ExecError> {
    match owner {
        Owner::Id(id) => Ok(*id),
        Owner::Name(name) => group_to_gid(name)
            .ok_or_else(|| ExecError::failed(format!("Group {name} does not exist"))),
    }
}

/// Python's `str(OSError)`: `[Errno 2] No such file or directory: '/x'`.
pub fn os_error_text(err: &io::Error, path: &Path) -> String {
    match err.raw_os_error() {
        Some(code) => format!(
            "[Errno {code}] {}: {}",
            nix::errno::Errno::from_raw(code).desc(),
            python_str_repr(&path.to_string_lossy())
        ),
        None => err.to_string(),
    }
}

fn os_error(err: &io::Error, path: &Path) -> ExecError {
    ExecError::failed(os_error_text(err, path))
}

/// Python's `OSError.strerror`: the text without errno or path.
fn strerror(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None => err.to_string(),
    }
}

/// Python's UnicodeDecodeError text for `bytes.decode("utf-8")`.
fn utf8_error_text(bytes: &[u8], err: &std::str::Utf8Error) -> String {
    let at = err.valid_up_to();
    let byte = bytes.get(at).copied().unwrap_or(0);
    let reason = match err.error_len() {
        None => "unexpected end of data",
        Some(_) if (0x80..0xc2).contains(&byte) || byte >= 0xf5 => "invalid start byte",
        Some(_) => "invalid continuation byte",
    };
    format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {at}: {reason}")
}

/// Python's `bytes.__repr__`, which is what Salt's JSON output shows for
/// `file.read binary=True`.
fn python_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(char::from(quote));
    out
}

/// Python's `st_atime`: seconds plus nanoseconds as one float, computed
/// the way CPython does so the values match to the last digit.
fn python_time(secs: i64, nsecs: i64) -> f64 {
    secs as f64 + nsecs as f64 * 1e-9
}

fn timespec(seconds: Option<f64>) -> libc::timespec {
    match seconds {
        // Python rounds a float time towards minus infinity.
        Some(s) => {
            let whole = s.floor();
            let nanos = ((s - whole) * 1e9).floor().clamp(0.0, 999_999_999.0);
            libc::timespec {
                tv_sec: whole as libc::time_t,
                tv_nsec: nanos as _,
            }
        }
        None => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
    }
}

fn c_path(path: &Path) -> Result<CString, ExecError> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| ExecError::Invocation(format!("path holds a NUL byte: {}", path.display())))
}

/// Python's `os.path.normpath`: lexical, no symlinks resolved.
pub fn normpath(path: &Path) -> PathBuf {
    let absolute = path.is_absolute();
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..".as_ref());
                }
            }
            Component::Normal(name) => parts.push(name),
        }
    }
    let mut out = PathBuf::from(if absolute { "/" } else { "" });
    for part in parts {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Python's `os.path.abspath`.
fn abspath(path: &Path) -> PathBuf {
    if path.is_absolute() {
        normpath(path)
    } else {
        normpath(
            &std::env::current_dir()
                .unwrap_or_else(|_| PathBuf::from("/"))
                .join(path),
        )
    }
}

/// Python's `os.path.realpath` (non-strict): symlinks resolved as far as
/// they exist, the rest appended as is; a link loop stops resolution.
fn realpath(path: &Path) -> PathBuf {
    fn resolve(path: &Path, depth: usize) -> PathBuf {
        let mut resolved = PathBuf::from("/");
        for component in abspath(path).components() {
            let Component::Normal(name) = component else {
                continue;
            };
            let candidate = resolved.join(name);
            match fs::read_link(&candidate) {
                Ok(target) if depth < 40 => {
                    resolved = resolve(&resolved.join(target), depth + 1);
                }
                _ => resolved = candidate,
            }
        }
        resolved
    }
    resolve(path, 0)
}

// ---------------------------------------------------------------------------
// Registry wrappers: Salt's argument handling and return texts.

#[derive(Deserialize)]
struct PathArgs {
    #[serde(deserialize_with = "lenient::string")]
    path: String,
}

#[derive(Deserialize)]
struct StatFieldArgs {
    #[serde(deserialize_with = "lenient::string")]
    path: String,
    #[serde(default = "yes", deserialize_with = "lenient::bool")]
    follow_symlinks: bool,
}

fn yes() -> bool {
    true
}

fn stat_field(args: &Args, field: &str) -> Result<Value, ExecError> {
    let a: StatFieldArgs = args.bind()?;
    let stats = stats(&expand_user(&a.path), None, a.follow_symlinks)?.to_value();
    Ok(stats.get(field).cloned().unwrap_or(Value::Null))
}

fn stats_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct StatsArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        #[serde(default, deserialize_with = "lenient::opt_string")]
        hash_type: Option<String>,
        #[serde(default = "yes", deserialize_with = "lenient::bool")]
        follow_symlinks: bool,
    }
    let a: StatsArgs = args.bind()?;
    let hash = a
        .hash_type
        .as_deref()
        .filter(|h| !h.is_empty())
        .map(HashType::parse)
        .transpose()?;
    Ok(stats(&expand_user(&a.path), hash, a.follow_symlinks)?.to_value())
}

fn get_hash_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct HashArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        #[serde(default, deserialize_with = "lenient::opt_string")]
        form: Option<String>,
        #[serde(default)]
        chunk_size: Option<u64>,
    }
    let a: HashArgs = args.bind()?;
    let form = HashType::parse(a.form.as_deref().unwrap_or("sha256"))?;
    let chunk_size = a
        .chunk_size
        .map_or(65536, |c| usize::try_from(c).unwrap_or(usize::MAX));
    Ok(json!(get_hash_chunked(
        &expand_user(&a.path),
        form,
        chunk_size
    )?))
}

fn read_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct ReadArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        #[serde(default, deserialize_with = "lenient::bool")]
        binary: bool,
    }
    let a: ReadArgs = args.bind()?;
    // Salt's file.read does not expand `~`.
    let path = Path::new(&a.path);
    if a.binary {
        Ok(json!(python_bytes_repr(&read_bytes(path)?)))
    } else {
        Ok(json!(read_text(path)?))
    }
}

/// The lines of `file.write`/`file.append`: the `args` keyword (a list or
/// one value) or else the extra positional arguments, each as `str()`.
fn lines_arg(args: &Args) -> Vec<String> {
    match args.kwargs.get("args") {
        Some(Value::Array(items)) => items.iter().map(python_str).collect(),
        Some(one) => vec![python_str(one)],
        None => args.varargs().iter().map(python_str).collect(),
    }
}

fn write_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    let path = expand_user(&a.path);
    let lines = lines_arg(args);
    write_lines(&path, &lines)?;
    Ok(json!(format!(
        "Wrote {} lines to \"{}\"",
        lines.len(),
        path.display()
    )))
}

fn append_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    let path = expand_user(&a.path);
    let lines = lines_arg(args);
    append_lines(&path, &lines)?;
    Ok(json!(format!(
        "Wrote {} lines to \"{}\"",
        lines.len(),
        path.display()
    )))
}

fn touch_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct TouchArgs {
        #[serde(deserialize_with = "lenient::string")]
        name: String,
        #[serde(default)]
        atime: Option<Value>,
        #[serde(default)]
        mtime: Option<Value>,
    }
    let a: TouchArgs = args.bind()?;
    let time = |v: &Option<Value>| -> Result<Option<f64>, ExecError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            // Salt turns digit strings into ints; anything else fails.
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse::<f64>()
                .map(Some)
                .map_err(|_| ExecError::Invocation("atime and mtime must be integers".into())),
            Some(_) => Err(ExecError::Invocation(
                "atime and mtime must be integers".into(),
            )),
        }
    };
    let (atime, mtime) = (time(&a.atime)?, time(&a.mtime)?);
    Ok(json!(touch(&expand_user(&a.name), atime, mtime)?))
}

fn remove_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    Ok(json!(remove(&expand_user(&a.path))?))
}

#[derive(Deserialize)]
struct PermArgs {
    #[serde(default)]
    user: Option<Value>,
    #[serde(default)]
    group: Option<Value>,
    #[serde(default)]
    mode: Option<Value>,
}

/// Owner, group and mode as the typed functions take them.
struct Perms {
    user: Option<Owner>,
    group: Option<Owner>,
    mode: Option<Mode>,
}

impl PermArgs {
    fn parse(&self) -> Result<Perms, ExecError> {
        let mode = self
            .mode
            .as_ref()
            .filter(|m| !m.is_null())
            .map(Mode::parse)
            .transpose()?;
        Ok(Perms {
            user: self.user.as_ref().and_then(Owner::from_value),
            group: self.group.as_ref().and_then(Owner::from_value),
            mode,
        })
    }
}

fn mkdir_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct MkdirArgs {
        #[serde(deserialize_with = "lenient::string")]
        dir_path: String,
        #[serde(flatten)]
        perms: PermArgs,
    }
    let a: MkdirArgs = args.bind()?;
    let Perms { user, group, mode } = a.perms.parse()?;
    mkdir(
        &expand_user(&a.dir_path),
        user.as_ref(),
        group.as_ref(),
        mode,
    )?;
    Ok(json!(true))
}

fn makedirs_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct MakedirsArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        #[serde(flatten)]
        perms: PermArgs,
    }
    let a: MakedirsArgs = args.bind()?;
    let Perms { user, group, mode } = a.perms.parse()?;
    Ok(json!(makedirs(
        &expand_user(&a.path),
        user.as_ref(),
        group.as_ref(),
        mode
    )?))
}

fn copy_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct CopyArgs {
        #[serde(deserialize_with = "lenient::string")]
        src: String,
        #[serde(deserialize_with = "lenient::string")]
        dst: String,
        #[serde(default, deserialize_with = "lenient::bool")]
        recurse: bool,
        #[serde(default, deserialize_with = "lenient::bool")]
        remove_existing: bool,
    }
    let a: CopyArgs = args.bind()?;
    copy(
        &expand_user(&a.src),
        &expand_user(&a.dst),
        a.recurse,
        a.remove_existing,
    )?;
    Ok(json!(true))
}

fn rename_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct RenameArgs {
        #[serde(deserialize_with = "lenient::string")]
        src: String,
        #[serde(deserialize_with = "lenient::string")]
        dst: String,
    }
    let a: RenameArgs = args.bind()?;
    rename(&expand_user(&a.src), &expand_user(&a.dst))?;
    Ok(json!(true))
}

fn set_mode_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SetModeArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        mode: Value,
    }
    let a: SetModeArgs = args.bind()?;
    let path = expand_user(&a.path);
    let text = python_str(&a.mode);
    let digits = text.trim_start_matches(['0', 'O', 'o']);
    let digits = if digits.is_empty() { "0" } else { digits };
    if !path.exists() {
        return Err(ExecError::failed(format!(
            "{}: File not found",
            path.display()
        )));
    }
    // Salt returns this text instead of failing.
    let invalid = || json!(format!("Invalid Mode {digits}"));
    let Some(mode) = Mode::from_text(digits) else {
        return Ok(invalid());
    };
    match set_mode(&path, mode) {
        Ok(now) => Ok(json!(now.to_string())),
        Err(_) => Ok(invalid()),
    }
}

/// Salt's `file.chown`: problems come back as text, not as errors, and a
/// null user means the minion's own user.
fn chown_fn(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct ChownArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        user: Value,
        group: Value,
    }
    let a: ChownArgs = args.bind()?;
    let path = expand_user(&a.path);
    let mut err = String::new();
    let uid = match &a.user {
        Value::Null => Some(nix::unistd::getuid().as_raw()),
        user => match Owner::from_value(user) {
            None => None,
            Some(owner) => resolve_user(&owner).ok().or_else(|| {
                err.push_str("User does not exist\n");
                None
            }),
        },
    };
    let gid = match Owner::from_value(&a.group) {
        None => None,
        Some(owner) => resolve_group(&owner).ok().or_else(|| {
            err.push_str("Group does not exist\n");
            None
        }),
    };
    if !path.exists() {
        // A broken symlink is still chowned.
        if std::os::unix::fs::lchown(&path, uid, gid).is_ok() && err.is_empty() {
            return Ok(Value::Null);
        }
        err.push_str("File not found");
    }
    if !err.is_empty() {
        return Ok(json!(err));
    }
    std::os::unix::fs::chown(&path, uid, gid).map_err(|e| os_error(&e, &path))?;
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    use serde_json::{Map, Value, json};

    use super::*;
    use crate::{Args, Ctx, Outcome, run_job};

    fn call(fun: &str, positional: Vec<Value>, kwargs: Value) -> Outcome {
        let kwargs: Map<String, Value> = serde_json::from_value(kwargs).unwrap();
        run_job(&Ctx::bare(), fun, Args::new(positional, kwargs))
    }

    fn ok(fun: &str, positional: Vec<Value>, kwargs: Value) -> Value {
        let out = call(fun, positional, kwargs);
        assert!(out.success, "{fun}: {}", out.ret);
        out.ret
    }

    fn mode_of(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn modes_read_as_octal_digits_and_print_like_salt() {
        assert_eq!(Mode::parse(&json!(644)).unwrap(), Mode(0o644));
        assert_eq!(Mode::parse(&json!("0644")).unwrap(), Mode(0o644));
        assert_eq!(Mode::parse(&json!("0o755")).unwrap(), Mode(0o755));
        assert_eq!(Mode::parse(&json!(4755)).unwrap().to_string(), "4755");
        assert_eq!(Mode(0o600).to_string(), "0600");
        assert_eq!(Mode(0).to_string(), "0000");
        assert!(Mode::parse(&json!(999)).is_err());
        assert!(Mode::parse(&json!("u+x")).is_err());
    }

    #[test]
    fn exists_read_write_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let p = json!(path);
        assert_eq!(
            ok("file.file_exists", vec![p.clone()], json!({})),
            json!(false)
        );
        assert_eq!(
            ok(
                "file.write",
                vec![p.clone(), json!("one"), json!(2), json!(true)],
                json!({})
            ),
            json!(format!("Wrote 3 lines to \"{}\"", path.display()))
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\n2\nTrue\n");
        assert_eq!(
            ok("file.write", vec![p.clone()], json!({"args": "a=b"})),
            json!(format!("Wrote 1 lines to \"{}\"", path.display()))
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=b\n");
        fs::write(&path, "no-newline").unwrap();
        assert_eq!(
            ok(
                "file.append",
                vec![p.clone()],
                json!({"args": ["l1", "l2"]})
            ),
            json!(format!("Wrote 2 lines to \"{}\"", path.display()))
        );
        assert_eq!(
            ok("file.read", vec![p.clone()], json!({})),
            json!("no-newline\nl1\nl2\n")
        );
        assert_eq!(
            ok("file.file_exists", vec![p.clone()], json!({})),
            json!(true)
        );
        assert_eq!(
            ok("file.directory_exists", vec![p.clone()], json!({})),
            json!(false)
        );
        assert_eq!(
            ok("file.directory_exists", vec![json!(dir.path())], json!({})),
            json!(true)
        );
        fs::write(&path, b"a\r\nb'\xff").unwrap();
        assert_eq!(
            ok("file.read", vec![p.clone()], json!({"binary": true})),
            json!("b\"a\\r\\nb'\\xff\"")
        );
        assert_eq!(
            call("file.read", vec![p.clone()], json!({})).ret,
            json!("ERROR: 'utf-8' codec can't decode byte 0xff in position 5: invalid start byte")
        );
        let missing = dir.path().join("missing");
        assert_eq!(
            call("file.read", vec![json!(missing)], json!({})).ret,
            json!(format!(
                "ERROR: [Errno 2] No such file or directory: '{}'",
                missing.display()
            ))
        );
        assert_eq!(
            call("file.append", vec![json!(missing), json!("x")], json!({})).ret,
            json!(format!(
                "ERROR: [Errno 2] No such file or directory: '{}'",
                missing.display()
            ))
        );
    }

    #[test]
    fn touch_sets_times_and_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        assert_eq!(
            ok(
                "file.touch",
                vec![json!(path)],
                json!({"atime": 100, "mtime": "200"})
            ),
            json!(true)
        );
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.atime(), meta.mtime()), (100, 200));
        ok("file.touch", vec![json!(path)], json!({"atime": 1.5}));
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.atime(), meta.atime_nsec()), (1, 500_000_000));
        assert!(meta.mtime() > 200);
        assert_eq!(
            call("file.touch", vec![json!(path)], json!({"atime": "abc"})).ret,
            json!("ERROR executing 'file.touch': atime and mtime must be integers")
        );
        assert_eq!(
            call(
                "file.touch",
                vec![json!(dir.path().join("no/dir/t"))],
                json!({})
            )
            .ret,
            json!("ERROR: No such file or directory")
        );
    }

    #[test]
    fn remove_rename_and_copy() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "hello\n").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o600)).unwrap();
        let c = dir.path().join("c");
        assert_eq!(
            ok("file.copy", vec![json!(a), json!(c)], json!({})),
            json!(true)
        );
        assert_eq!(
            (fs::read_to_string(&c).unwrap(), mode_of(&c)),
            ("hello\n".to_owned(), 0o600)
        );
        assert_eq!(
            ok(
                "file.rename",
                vec![json!(c), json!(dir.path().join("c2"))],
                json!({})
            ),
            json!(true)
        );
        assert!(!c.exists() && dir.path().join("c2").exists());
        assert_eq!(
            call(
                "file.rename",
                vec![json!(c), json!(dir.path().join("c3"))],
                json!({})
            )
            .ret,
            json!(format!(
                "ERROR: Could not rename '{}' to '{}'",
                c.display(),
                dir.path().join("c3").display()
            ))
        );
        assert_eq!(
            call("file.rename", vec![json!("rel"), json!("x")], json!({})).ret,
            json!("ERROR executing 'file.rename': File path must be absolute.")
        );

        // Directories need recurse; merge keeps files, remove_existing does not.
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("sub/f"), "f").unwrap();
        fs::set_permissions(&src, fs::Permissions::from_mode(0o700)).unwrap();
        let dst = dir.path().join("dst");
        assert_eq!(
            call("file.copy", vec![json!(src), json!(dst)], json!({})).ret,
            json!(
                "ERROR executing 'file.copy': Cannot copy overwriting a directory without recurse flag set to true!"
            )
        );
        ok(
            "file.copy",
            vec![json!(src), json!(dst)],
            json!({"recurse": true}),
        );
        assert_eq!(
            (
                fs::read_to_string(dst.join("sub/f")).unwrap(),
                mode_of(&dst)
            ),
            ("f".to_owned(), 0o700)
        );
        fs::write(dst.join("extra"), "x").unwrap();
        ok(
            "file.copy",
            vec![json!(src), json!(dst)],
            json!({"recurse": true}),
        );
        assert!(dst.join("extra").exists());
        ok(
            "file.copy",
            vec![json!(src), json!(dst)],
            json!({"recurse": true, "remove_existing": true}),
        );
        assert!(!dst.join("extra").exists() && dst.join("sub/f").exists());
        let missing = dir.path().join("zz");
        assert_eq!(
            call("file.copy", vec![json!(missing), json!(dst)], json!({})).ret,
            json!(format!(
                "ERROR: No such file or directory '{}'",
                missing.display()
            ))
        );
        assert_eq!(
            call(
                "file.copy",
                vec![json!(a), json!("/nonexistent/x")],
                json!({})
            )
            .ret,
            json!(format!(
                "ERROR: Could not copy '{}' to '/nonexistent/x'",
                a.display()
            ))
        );

        assert_eq!(ok("file.remove", vec![json!(dst)], json!({})), json!(true));
        assert_eq!(ok("file.remove", vec![json!(a)], json!({})), json!(true));
        assert_eq!(ok("file.remove", vec![json!(a)], json!({})), json!(false));
        assert_eq!(
            call("file.remove", vec![json!("relative")], json!({})).ret,
            json!("ERROR executing 'file.remove': File path must be absolute: relative")
        );
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert_eq!(ok("file.remove", vec![json!(link)], json!({})), json!(true));
        assert!(link.symlink_metadata().is_err());
    }

    #[test]
    fn mkdir_and_makedirs_apply_perms_to_every_new_level() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("d1/d2");
        assert_eq!(
            ok("file.mkdir", vec![json!(deep)], json!({"mode": 700})),
            json!(true)
        );
        assert_eq!(
            (mode_of(&dir.path().join("d1")), mode_of(&deep)),
            (0o700, 0o700)
        );
        assert_eq!(
            ok("file.mkdir", vec![json!(deep)], json!({"mode": "0755"})),
            json!(true)
        );
        assert_eq!(mode_of(&deep), 0o700, "an existing directory is left alone");
        let file = dir.path().join("f");
        fs::write(&file, "").unwrap();
        assert_eq!(
            call("file.mkdir", vec![json!(file)], json!({})).ret,
            json!(format!(
                "ERROR: [Errno 17] File exists: '{}'",
                file.display()
            ))
        );
        let nouser = dir.path().join("nouser");
        assert_eq!(
            call(
                "file.mkdir",
                vec![json!(nouser)],
                json!({"user": "no-such-user-x"})
            )
            .ret,
            json!("ERROR: User no-such-user-x does not exist")
        );
        assert!(!nouser.exists());

        let target = dir.path().join("m1/m2/file");
        assert_eq!(
            ok(
                "file.makedirs",
                vec![json!(target)],
                json!({"mode": "0750"})
            ),
            Value::Null
        );
        assert_eq!(mode_of(&dir.path().join("m1/m2")), 0o750);
        assert!(!target.exists());
        assert_eq!(
            ok("file.makedirs", vec![json!(target)], json!({})),
            json!(format!(
                "Directory '{}' already exists",
                dir.path().join("m1/m2").display()
            ))
        );
        if is_root() {
            let owned = dir.path().join("owned");
            ok(
                "file.mkdir",
                vec![json!(owned)],
                json!({"user": "nobody", "group": 0, "mode": 750}),
            );
            let meta = fs::metadata(&owned).unwrap();
            assert_eq!(
                (Some(meta.uid()), meta.gid(), mode_of(&owned)),
                (user_to_uid("nobody"), 0, 0o750)
            );
        }
    }

    #[test]
    fn stats_and_getters_have_salts_shape() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "hello\n").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        let stats = ok("file.stats", vec![json!(a)], json!({"hash_type": "md5"}));
        let keys: Vec<&String> = stats.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "inode", "uid", "gid", "group", "user", "atime", "mtime", "ctime", "size", "mode",
                "sum", "type", "target"
            ]
        );
        let meta = fs::metadata(&a).unwrap();
        assert_eq!(stats["inode"], json!(meta.ino()));
        assert_eq!(stats["size"], json!(6));
        assert_eq!(stats["mode"], json!("0640"));
        assert_eq!(stats["sum"], json!("b1946ac92492d2347c6235b4d2611184"));
        assert_eq!(stats["type"], json!("file"));
        assert_eq!(stats["target"], json!(a.canonicalize().unwrap()));
        assert_eq!(
            stats["mtime"],
            json!(meta.mtime() as f64 + meta.mtime_nsec() as f64 * 1e-9)
        );
        assert_eq!(stats["user"], json!(uid_to_user(meta.uid()).unwrap()));

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        let followed = ok("file.stats", vec![json!(link)], json!({}));
        assert_eq!(
            (followed["type"].clone(), followed["target"].clone()),
            (json!("file"), json!(a.canonicalize().unwrap()))
        );
        let unfollowed = ok(
            "file.stats",
            vec![json!(link)],
            json!({"follow_symlinks": false}),
        );
        assert_eq!(
            (
                unfollowed["type"].clone(),
                unfollowed["mode"].clone(),
                unfollowed["target"].clone()
            ),
            (json!("link"), json!("0777"), json!(link))
        );
        let broken = dir.path().join("broken");
        std::os::unix::fs::symlink(dir.path().join("nope"), &broken).unwrap();
        let stats = ok("file.stats", vec![json!(broken)], json!({}));
        assert_eq!(
            (stats["type"].clone(), stats["target"].clone()),
            (
                json!("link"),
                json!(dir.path().canonicalize().unwrap().join("nope"))
            )
        );
        assert_eq!(
            ok("file.stats", vec![json!(dir.path())], json!({}))["type"],
            json!("dir")
        );
        let missing = dir.path().join("nope");
        assert_eq!(
            call("file.stats", vec![json!(missing)], json!({})).ret,
            json!(format!("ERROR: Path not found: {}", missing.display()))
        );
        assert_eq!(
            call("file.get_mode", vec![json!(missing)], json!({})).ret,
            json!(format!("ERROR: Path not found: {}", missing.display()))
        );

        assert_eq!(
            ok("file.get_mode", vec![json!(a)], json!({})),
            json!("0640")
        );
        assert_eq!(
            ok("file.get_uid", vec![json!(a)], json!({})),
            json!(meta.uid())
        );
        assert_eq!(
            ok("file.get_gid", vec![json!(a)], json!({})),
            json!(meta.gid())
        );
        assert_eq!(
            ok("file.get_group", vec![json!(a)], json!({})),
            json!(gid_to_group(meta.gid()).unwrap())
        );
        assert_eq!(
            ok(
                "file.get_mode",
                vec![json!(link)],
                json!({"follow_symlinks": false})
            ),
            json!("0777")
        );
    }

    #[test]
    fn get_hash_forms() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "hello\n").unwrap();
        let hash = |form: Option<&str>| {
            let kwargs = form.map_or(json!({}), |f| json!({"form": f}));
            ok("file.get_hash", vec![json!(a)], kwargs)
        };
        // Digests of "hello\n" as printed by Salt 3007 and coreutils.
        assert_eq!(
            hash(None),
            json!("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        );
        assert_eq!(hash(Some("md5")), json!("b1946ac92492d2347c6235b4d2611184"));
        assert_eq!(
            hash(Some("sha1")),
            json!("f572d396fae9206628714fb2ce00f72e94f2258f")
        );
        assert_eq!(hash(Some("sha512")).as_str().unwrap().len(), 128);
        assert_eq!(
            call("file.get_hash", vec![json!(a)], json!({"form": "foo"})).ret,
            json!("ERROR executing 'file.get_hash': Invalid hash type: foo")
        );
        // Small chunks give the same digest.
        assert_eq!(
            ok("file.get_hash", vec![json!(a)], json!({"chunk_size": 2})),
            hash(None)
        );
        assert_eq!(
            call("file.get_hash", vec![json!(dir.path())], json!({})).ret,
            json!(format!(
                "ERROR: [Errno 21] Is a directory: '{}'",
                dir.path().display()
            ))
        );
    }

    #[test]
    fn set_mode_and_chown_return_salts_texts() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "").unwrap();
        assert_eq!(
            ok("file.set_mode", vec![json!(a), json!(644)], json!({})),
            json!("0644")
        );
        assert_eq!(
            ok("file.set_mode", vec![json!(a), json!("0640")], json!({})),
            json!("0640")
        );
        assert_eq!(
            ok("file.set_mode", vec![json!(a), json!(0)], json!({})),
            json!("0000")
        );
        assert_eq!(
            ok("file.set_mode", vec![json!(a), json!(999)], json!({})),
            json!("Invalid Mode 999")
        );
        assert_eq!(mode_of(&a), 0);
        let missing = dir.path().join("zz");
        assert_eq!(
            call("file.set_mode", vec![json!(missing), json!(644)], json!({})).ret,
            json!(format!("ERROR: {}: File not found", missing.display()))
        );

        let me = nix::unistd::getuid().as_raw();
        let my_group = nix::unistd::getgid().as_raw();
        assert_eq!(
            ok(
                "file.chown",
                vec![json!(a), json!(me), json!(my_group)],
                json!({})
            ),
            Value::Null
        );
        assert_eq!(
            ok(
                "file.chown",
                vec![json!(a), json!("no-such-user-x"), json!("no-such-group-x")],
                json!({})
            ),
            json!("User does not exist\nGroup does not exist\n")
        );
        assert_eq!(
            ok(
                "file.chown",
                vec![json!(missing), json!(""), json!("")],
                json!({})
            ),
            json!("File not found")
        );
        if is_root() {
            assert_eq!(
                ok(
                    "file.chown",
                    vec![json!(a), json!("nobody"), json!(0)],
                    json!({})
                ),
                Value::Null
            );
            assert_eq!(
                ok("file.get_user", vec![json!(a)], json!({})),
                json!("nobody")
            );
            // An empty user keeps the owner.
            assert_eq!(
                ok(
                    "file.chown",
                    vec![json!(a), json!(""), json!("root")],
                    json!({})
                ),
                Value::Null
            );
            assert_eq!(
                ok("file.get_user", vec![json!(a)], json!({})),
                json!("nobody")
            );
        }
    }

    #[test]
    fn paths_expand_and_normalise_like_python() {
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                expand_user("~/x"),
                Path::new(&format!("{}/x", home.trim_end_matches('/')))
            );
        }
        assert_eq!(
            expand_user("~no-such-user-x/y"),
            Path::new("~no-such-user-x/y")
        );
        assert_eq!(expand_user("/a/~b"), Path::new("/a/~b"));
        assert_eq!(normpath(Path::new("/a//b/./c/../d/")), Path::new("/a/b/d"));
        assert_eq!(normpath(Path::new("/../a")), Path::new("/a"));
        assert_eq!(normpath(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normpath(Path::new("")), Path::new("."));
    }
}

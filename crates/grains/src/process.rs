//! Grains about the running process and its environment: `pid`, `uid`,
//! `gid`, `username`, `groupname` (Salt's `minion_process` grains), `cwd`,
//! `path`, `systempath`, `shell`, `init` and `locale_info`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

pub(crate) fn insert_grains(grains: &mut Map<String, Value>) {
    let uid = nix::unistd::geteuid();
    let gid = nix::unistd::getegid();
    grains.insert("pid".into(), std::process::id().into());
    grains.insert("uid".into(), uid.as_raw().into());
    grains.insert("gid".into(), gid.as_raw().into());
    // Salt: pwd.getpwuid(euid).pw_name, and the name of that user's primary
    // group ("" when the group has no entry).
    if let Ok(Some(user)) = nix::unistd::User::from_uid(uid) {
        let group = nix::unistd::Group::from_gid(user.gid)
            .ok()
            .flatten()
            .map(|g| g.name)
            .unwrap_or_default();
        grains.insert("username".into(), user.name.into());
        grains.insert("groupname".into(), group.into());
    }
    if let Ok(cwd) = std::env::current_dir() {
        grains.insert("cwd".into(), cwd.to_string_lossy().into_owned().into());
    }
    let path = std::env::var("PATH").unwrap_or_default().trim().to_owned();
    grains.insert(
        "systempath".into(),
        path.split(':').collect::<Vec<_>>().into(),
    );
    grains.insert("path".into(), path.into());
    grains.insert(
        "shell".into(),
        std::env::var("SHELL")
            .unwrap_or_else(|_| "/bin/sh".into())
            .into(),
    );
    grains.insert("init".into(), init_system().into());
    grains.insert("locale_info".into(), locale_info());
}

/// Salt's `_linux_init_system`.
pub fn init_system() -> String {
    if Path::new("/run/systemd/system").exists() {
        return "systemd".into();
    }
    let Ok(raw) = std::fs::read("/proc/1/cmdline") else {
        return "unknown".into();
    };
    let cmdline_text = String::from_utf8_lossy(&raw).replace('\0', " ");
    let cmdline: Vec<&str> = cmdline_text.split_whitespace().collect();
    let Some(first) = cmdline.first() else {
        return "unknown".into();
    };
    let in_cmdline =
        |name: &str| which(name).is_some_and(|p| cmdline.contains(&p.to_string_lossy().as_ref()));
    match which(first) {
        Some(init_bin) if init_bin.to_string_lossy().ends_with("bin/init") => {
            // The init binary names itself somewhere in its contents.
            std::fs::read(&init_bin)
                .ok()
                .and_then(|bytes| {
                    let lower = bytes.to_ascii_lowercase();
                    ["upstart", "sysvinit", "systemd"]
                        .into_iter()
                        .find(|name| lower.windows(name.len()).any(|w| w == name.as_bytes()))
                })
                .unwrap_or("unknown")
                .into()
        }
        _ if in_cmdline("supervisord") => "supervisord".into(),
        _ if in_cmdline("dumb-init") => "dumb-init".into(),
        _ if in_cmdline("tini") => "tini".into(),
        _ if cmdline == ["runit"] => "runit".into(),
        _ if cmdline.contains(&"/sbin/my_init") => "runit".into(),
        _ => "unknown".into(),
    }
}

/// Python's `shutil.which`: a name with a slash is checked as is, else
/// searched in `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| executable(p))
}

/// Salt's `locale_info`: Python's `locale.getlocale()` and the local time
/// zone abbreviation.
fn locale_info() -> Value {
    let (language, encoding) = python_getlocale();
    json!({
        "defaultlanguage": language,
        "defaultencoding": encoding,
        // Salt's __salt_system_encoding__ is sys.getdefaultencoding(), which
        // is always utf-8 on Python 3.
        "detectedencoding": "utf-8",
        "timezone": timezone_abbreviation().unwrap_or_else(|| "unknown".into()),
    })
}

/// What Python's `locale.getlocale()` returns: Python sets `LC_CTYPE` from
/// the environment at start-up, coerces a C/POSIX (or unavailable) locale to
/// `C.UTF-8`, and `getlocale` reports `C.UTF-8` as `('en_US', 'UTF-8')`.
fn python_getlocale() -> (Option<String>, Option<String>) {
    let coerced = (Some("en_US".to_owned()), Some("UTF-8".to_owned()));
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if name.is_empty()
        || name == "C"
        || name == "POSIX"
        || name.starts_with("C.")
        || !locale_available(&name)
    {
        return coerced;
    }
    let without_modifier = name.split('@').next().unwrap_or(&name);
    match without_modifier.split_once('.') {
        Some((lang, enc)) => (Some(lang.to_owned()), Some(normalize_encoding(enc))),
        // Python's alias table gives most bare locales ISO8859-1.
        None => (
            Some(without_modifier.to_owned()),
            Some("ISO8859-1".to_owned()),
        ),
    }
}

/// Python's spelling of common encodings in `getlocale()`.
fn normalize_encoding(enc: &str) -> String {
    match enc.to_lowercase().replace(['-', '_'], "").as_str() {
        "utf8" => "UTF-8".into(),
        "iso88591" => "ISO8859-1".into(),
        "iso885915" => "ISO8859-15".into(),
        "eucjp" => "eucJP".into(),
        "euckr" => "eucKR".into(),
        "gb2312" => "gb2312".into(),
        "koi8r" => "KOI8-R".into(),
        _ => enc.to_owned(),
    }
}

/// Whether the C library can load locale `name` (the thread-safe
/// `newlocale`, not `setlocale`, so no process-wide state changes).
fn locale_available(name: &str) -> bool {
    let Ok(c_name) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: c_name is a valid C string; a null base asks for a new object.
    let loc =
        unsafe { libc::newlocale(libc::LC_CTYPE_MASK, c_name.as_ptr(), std::ptr::null_mut()) };
    if loc.is_null() {
        return false;
    }
    // SAFETY: loc is a locale object we just created and own.
    unsafe { libc::freelocale(loc) };
    true
}

/// The local time zone's abbreviation now ("UTC", "CET", "PDT"), as
/// `datetime.now(dateutil.tz.tzlocal()).tzname()` gives it.
fn timezone_abbreviation() -> Option<String> {
    // SAFETY: time(NULL) has no preconditions.
    let now = unsafe { libc::time(std::ptr::null_mut()) };
    // SAFETY: tm is plain old data; all-zero is a valid value to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r is the thread-safe variant; both pointers are valid.
    let res = unsafe { libc::localtime_r(&now, &mut tm) };
    if res.is_null() || tm.tm_zone.is_null() {
        return None;
    }
    // SAFETY: tm_zone points at a NUL-terminated static string in libc.
    let zone = unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) };
    Some(zone.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_grains_match_the_process() {
        let mut grains = Map::new();
        insert_grains(&mut grains);
        assert_eq!(grains["pid"], json!(std::process::id()));
        assert_eq!(grains["uid"], json!(nix::unistd::geteuid().as_raw()));
        let expected_user = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        assert_eq!(
            grains["username"],
            json!(String::from_utf8_lossy(&expected_user.stdout).trim())
        );
        let expected_group = std::process::Command::new("id")
            .arg("-gn")
            .output()
            .unwrap();
        assert_eq!(
            grains["groupname"],
            json!(String::from_utf8_lossy(&expected_group.stdout).trim())
        );
        assert_eq!(
            grains["systempath"].as_array().map(Vec::len),
            Some(std::env::var("PATH").unwrap().split(':').count())
        );
        assert!(
            grains["locale_info"]["timezone"]
                .as_str()
                .is_some_and(|tz| !tz.is_empty())
        );
    }

    #[test]
    fn which_finds_sh() {
        assert!(which("sh").is_some());
        assert!(which("/bin/sh").is_some());
        assert!(which("no-such-program-halite").is_none());
    }

    #[test]
    fn encodings_are_spelled_like_python() {
        assert_eq!(normalize_encoding("utf8"), "UTF-8");
        assert_eq!(normalize_encoding("ISO-8859-15"), "ISO8859-15");
    }
}

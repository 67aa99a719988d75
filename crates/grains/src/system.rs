//! Kernel and system identity grains: `kernel`, `kernelrelease`,
//! `kernelversion`, `nodename`, `cpuarch`, `osarch`, `machine_id`,
//! `kernelparams`, `ps`, `server_id`, `selinux`, `systemd`,
//! `fibre_channel_host`, `transactional`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::process::which;

/// `platform.uname()`'s first five fields.
pub(crate) fn insert_uname_grains(grains: &mut Map<String, Value>) -> String {
    let Ok(uts) = nix::sys::utsname::uname() else {
        return String::new();
    };
    let s = |v: &std::ffi::OsStr| Value::String(v.to_string_lossy().into_owned());
    grains.insert("kernel".into(), s(uts.sysname()));
    grains.insert("nodename".into(), s(uts.nodename()));
    grains.insert("kernelrelease".into(), s(uts.release()));
    grains.insert("kernelversion".into(), s(uts.version()));
    let machine = uts.machine().to_string_lossy().into_owned();
    grains.insert("cpuarch".into(), machine.clone().into());
    machine
}

/// Salt's `_osarch`: Debian names the architecture as dpkg does
/// (`dpkg --print-architecture`, mapped here from the machine name instead
/// of spawning dpkg); RPM-based systems use the machine name.
pub fn osarch(os_family: &str, cpuarch: &str) -> String {
    if os_family != "Debian" {
        return cpuarch.to_owned();
    }
    match cpuarch {
        "x86_64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "i386" | "i486" | "i586" | "i686" => "i386",
        "armv7l" | "armv6l" | "armv8l" => "armhf",
        "armv5tel" | "armv5tejl" => "armel",
        "ppc64le" => "ppc64el",
        "loongarch64" => "loong64",
        "mips64" => "mips64el",
        other => other,
    }
    .to_owned()
}

/// `/etc/machine-id`, else `/var/lib/dbus/machine-id`.
pub(crate) fn machine_id() -> Option<String> {
    ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .find(|p| Path::new(p).exists())
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned())
}

/// Salt's `kernelparams`: the command line split like a POSIX shell, each
/// word split on `=` into `[name, value]` (value `null` unless exactly one
/// `=`). An unbalanced quote makes Salt's shlex fail: no grain then.
pub fn kernelparams(cmdline: &str) -> Option<Value> {
    let words = shlex_split(cmdline)?;
    let params: Vec<Value> = words
        .iter()
        .map(|w| {
            let parts: Vec<&str> = w.split('=').collect();
            let value = (parts.len() == 2).then(|| parts[1].trim_matches('"').to_owned());
            json!([parts[0], value])
        })
        .collect();
    Some(Value::Array(params))
}

/// Python's `shlex.split` (POSIX mode, no comments).
fn shlex_split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            let next = chars.next()?;
                            if !matches!(next, '"' | '\\' | '$' | '`') {
                                word.push('\\');
                            }
                            word.push(next);
                        }
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// Salt's `_ps`: the command `status.procs` and friends run.
pub fn ps_command(os: &str, os_family: &str, virtual_grain: &str) -> &'static str {
    match (os, os_family) {
        ("FreeBSD" | "NetBSD" | "OpenBSD" | "MacOS", _) => "ps auxwww",
        (_, "Solaris") => "/usr/ucb/ps auxwww",
        ("Windows", _) => "tasklist.exe",
        _ if virtual_grain == "openvzhn" => {
            "ps -fH -p $(grep -l \"^envID:[[:space:]]*0\\$\" /proc/[0-9]*/status | sed -e \"s=/proc/\\([0-9]*\\)/.*=\\1=\")  | awk '{ $7=\"\"; print }'"
        }
        (_, "AIX") => "/usr/bin/ps auxww",
        (_, "NILinuxRT") => "ps -o user,pid,ppid,tty,time,comm",
        _ => "ps -efHww",
    }
}

/// Salt's `server_id`: the SHA-256 of the minion id, modulo 2^31.
pub fn server_id(minion_id: &str) -> u32 {
    let digest = Sha256::digest(minion_id.as_bytes());
    let tail = [digest[28], digest[29], digest[30], digest[31]];
    u32::from_be_bytes(tail) & 0x7fff_ffff
}

/// `systemctl --version`, started early so it runs while the other grains
/// are collected. Salt adds the grain only when both `systemctl` and
/// `localectl` are installed.
pub(crate) struct PendingSystemd(Option<Child>);

impl PendingSystemd {
    pub(crate) fn start() -> PendingSystemd {
        if which("systemctl").is_none() || which("localectl").is_none() {
            return PendingSystemd(None);
        }
        let child = Command::new("systemctl")
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        PendingSystemd(child)
    }

    /// The `systemd` grain, giving up (and killing the child) at `deadline`.
    pub(crate) fn finish(self, deadline: Instant) -> Option<Value> {
        let mut child = self.0?;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
            }
        }
        let output = child.wait_with_output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        Some(systemd_grain(output.status.success(), &text))
    }
}

/// Salt's `_systemd` from `systemctl --version` output.
pub fn systemd_grain(success: bool, output: &str) -> Value {
    let mut version = "UNDEFINED".to_owned();
    let mut features = String::new();
    let mut lines = output.lines();
    if success
        && let (Some(first), Some(second)) = (lines.next(), lines.next())
        && first.starts_with("systemd ")
    {
        version = first.split_whitespace().nth(1).unwrap_or("").to_owned();
        features = second.to_owned();
    }
    json!({"version": version, "features": features})
}

/// Salt's `selinux` grain, read from selinuxfs instead of running
/// `selinuxenabled`/`getenforce` (added only where those are installed).
pub(crate) fn selinux() -> Option<Value> {
    which("selinuxenabled")?;
    let enforce = std::fs::read_to_string("/sys/fs/selinux/enforce").ok();
    let mut grain = json!({"enabled": enforce.is_some()});
    if which("getenforce").is_some() {
        let mode = match enforce.as_deref().map(str::trim) {
            Some("1") => "Enforcing",
            Some(_) => "Permissive",
            None => "Disabled",
        };
        grain["enforced"] = mode.into();
    }
    Some(grain)
}

pub(crate) fn insert_misc_grains(minion_id: &str, grains: &mut Map<String, Value>) {
    if let Some(id) = machine_id() {
        grains.insert("machine_id".into(), id.into());
    }
    if let Some(params) = std::fs::read_to_string("/proc/cmdline")
        .ok()
        .as_deref()
        .and_then(kernelparams)
    {
        grains.insert("kernelparams".into(), params);
    }
    grains.insert("server_id".into(), server_id(minion_id).into());
    grains.insert(
        "fibre_channel_host".into(),
        Path::new("/sys/class/fc_host").is_dir().into(),
    );
    grains.insert(
        "transactional".into(),
        which("transactional-update").is_some().into(),
    );
    if let Some(selinux) = selinux() {
        grains.insert("selinux".into(), selinux);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_id_matches_salt() {
        // Values printed by Salt's get_server_id() for these ids.
        assert_eq!(server_id("vm"), 2067164805);
    }

    #[test]
    fn kernelparams_like_salt() {
        let params =
            kernelparams("BOOT_IMAGE=/vmlinuz root=UUID=abc ro quiet opt=\"a b\" -- x=1=2\n")
                .unwrap();
        assert_eq!(
            params,
            json!([
                ["BOOT_IMAGE", "/vmlinuz"],
                ["root", null],
                ["ro", null],
                ["quiet", null],
                ["opt", "a b"],
                ["--", null],
                ["x", null]
            ])
        );
        assert_eq!(kernelparams("bad=\"unclosed"), None);
    }

    #[test]
    fn osarch_is_dpkgs_name_on_debian() {
        assert_eq!(osarch("Debian", "x86_64"), "amd64");
        assert_eq!(osarch("Debian", "aarch64"), "arm64");
        assert_eq!(osarch("RedHat", "x86_64"), "x86_64");
        if which("dpkg").is_some() {
            let out = Command::new("dpkg")
                .arg("--print-architecture")
                .output()
                .unwrap();
            let uts = nix::sys::utsname::uname().unwrap();
            assert_eq!(
                osarch("Debian", &uts.machine().to_string_lossy()),
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
    }

    #[test]
    fn systemd_version_parsing() {
        let g = systemd_grain(true, "systemd 252 (252.30-1~deb12u2)\n+PAM +AUDIT\n");
        assert_eq!(g, json!({"version": "252", "features": "+PAM +AUDIT"}));
        assert_eq!(
            systemd_grain(false, ""),
            json!({"version": "UNDEFINED", "features": ""})
        );
    }

    #[test]
    fn machine_id_is_32_hex_when_present() {
        if let Some(id) = machine_id() {
            assert!(
                id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
                "{id}"
            );
        }
    }
}

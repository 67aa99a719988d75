//! `disk`: file system usage, computed from the mount table and
//! `statvfs(2)` the way `df -P` computes it (Salt's `disk.usage` runs
//! `df -P` and parses its text). No process is spawned.

use std::os::unix::fs::MetadataExt;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "disk",
    doc: "Report file system usage of the minion's mounts.",
    available: always,
    functions: &[Function {
        name: "usage",
        params: &["args"],
        doc: "\
Return usage of the mounted file systems, keyed by mount point:
`filesystem`, `1K-blocks`, `used`, `available` and `capacity`, as
`df -P` reports them (pseudo file systems and file systems without
blocks are left out, and a device mounted twice is listed once).

`args` takes df's flags: `a` lists every mount, `l` only local file
systems; `k`, `P` and `v` change nothing.

CLI Example:

    halite '*' disk.usage
    halite '*' disk.usage args=a
",
        call: usage,
    }],
};

/// One line of `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq)]
struct MountEntry {
    /// `major:minor` as the kernel reports it.
    dev: u64,
    root: String,
    mount_point: String,
    fs_type: String,
    source: String,
}

/// Parses mountinfo text; malformed lines are skipped.
fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            let (major, minor) = fields.get(2)?.split_once(':')?;
            let dev = nix::sys::stat::makedev(major.parse().ok()?, minor.parse().ok()?);
            Some(MountEntry {
                dev,
                root: unescape_octal(fields.get(3)?),
                mount_point: unescape_octal(fields.get(4)?),
                fs_type: unescape_octal(fields.get(sep + 1)?),
                source: unescape_octal(fields.get(sep + 2)?),
            })
        })
        .collect()
}

/// The kernel writes space, tab, newline and backslash as `\040` etc.
fn unescape_octal(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(oct) = bytes.get(i + 1..i + 4)
            && oct.iter().all(|b| (b'0'..=b'7').contains(b))
        {
            out.push((oct[0] - b'0') * 64 + (oct[1] - b'0') * 8 + (oct[2] - b'0'));
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// gnulib's `ME_DUMMY`: pseudo file systems df hides unless `-a`.
fn is_dummy(fs_type: &str) -> bool {
    matches!(
        fs_type,
        "autofs"
            | "proc"
            | "subfs"
            | "debugfs"
            | "devpts"
            | "fusectl"
            | "fuse.portal"
            | "mqueue"
            | "rpc_pipefs"
            | "sysfs"
            | "devfs"
            | "kernfs"
            | "ignore"
            | "none"
    )
}

/// gnulib's `ME_REMOTE`.
fn is_remote(source: &str, fs_type: &str) -> bool {
    source.contains(':')
        || (source.starts_with("//") && matches!(fs_type, "smbfs" | "smb3" | "cifs"))
        || matches!(
            fs_type,
            "acfs" | "afs" | "coda" | "auristorfs" | "fhgfs" | "gpfs" | "ibrix" | "ocfs2" | "vxfs"
        )
        || source == "-hosts"
}

/// coreutils' `filter_mount_list`: one entry per device (as `stat` of the
/// mount point sees it), preferring a real device path, the mount nearest
/// the root, or an entry mounted over an earlier one.
fn dedup_by_device(entries: Vec<(MountEntry, u64)>) -> Vec<MountEntry> {
    let mut kept: Vec<(MountEntry, u64)> = Vec::new();
    for (me, dev) in entries {
        let Some(seen) = kept.iter_mut().find(|(_, d)| *d == dev) else {
            kept.push((me, dev));
            continue;
        };
        let old = &seen.0;
        let both_remote_elsewhere = is_remote(&me.source, &me.fs_type)
            && is_remote(&old.source, &old.fs_type)
            && me.source != old.source;
        if both_remote_elsewhere {
            kept.push((me, dev));
            continue;
        }
        let target_nearer_root = old.mount_point.len() > me.mount_point.len();
        let source_below_root = old.root.len() < me.root.len();
        let replace = (me.source.contains('/') && !old.source.contains('/'))
            || (target_nearer_root && !source_below_root)
            || (me.source != old.source && me.mount_point == old.mount_point);
        if replace {
            seen.0 = me;
        }
    }
    kept.into_iter().map(|(me, _)| me).collect()
}

/// df's numbers for one file system, in 1 KiB blocks rounded up.
#[derive(Debug, Clone, PartialEq)]
struct Usage {
    total: i128,
    used: i128,
    available: i128,
}

impl Usage {
    fn from_statvfs(frsize: u64, blocks: u64, bfree: u64, bavail: u64) -> Usage {
        let to_k = |n: i128| {
            let bytes = n * i128::from(frsize);
            // Ceiling, as df's human_readable with its default options.
            if bytes >= 0 {
                (bytes + 1023) / 1024
            } else {
                -((-bytes + 1023) / 1024)
            }
        };
        // A file system may report f_bavail "negative" (top bit set).
        let avail = if (bavail as i64) < 0 {
            i128::from(bavail as i64)
        } else {
            i128::from(bavail)
        };
        Usage {
            total: to_k(i128::from(blocks)),
            used: to_k(i128::from(blocks) - i128::from(bfree)),
            available: to_k(avail),
        }
    }

    /// df's `Capacity`: used / (used + available), rounded up.
    fn capacity(&self) -> String {
        let denom = self.used + self.available;
        if denom <= 0 {
            return "-".into();
        }
        if self.used >= 0 {
            let u100 = self.used * 100;
            return format!("{}%", u100 / denom + i128::from(u100 % denom != 0));
        }
        format!("{}%", (self.used as f64 * 100.0 / denom as f64).ceil())
    }
}

fn usage(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct UsageArgs {
        #[serde(default)]
        args: Option<Value>,
    }
    let a: UsageArgs = args.bind()?;
    let flags: Vec<String> = match a.args {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.chars().map(String::from).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
        Some(other) => other.to_string().chars().map(String::from).collect(),
    };
    let (mut all, mut local) = (false, false);
    for flag in &flags {
        match flag.as_str() {
            "a" => all = true,
            "l" => local = true,
            "k" | "P" | "v" => {}
            "B" | "h" | "H" | "i" | "t" | "T" | "x" => {
                return Err(ExecError::failed(format!(
                    "the df flag '{flag}' is not supported by disk.usage"
                )));
            }
            _ => return Err(ExecError::failed("Invalid flag passed to disk.usage")),
        }
    }
    let text = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| ExecError::failed(format!("cannot read the mount table: {e}")))?;
    Ok(usage_of(parse_mountinfo(&text), all, local))
}

fn usage_of(mounts: Vec<MountEntry>, all: bool, local: bool) -> Value {
    let candidates: Vec<(MountEntry, u64)> = mounts
        .into_iter()
        .filter(|m| all || !is_dummy(&m.fs_type))
        .filter(|m| !local || !is_remote(&m.source, &m.fs_type))
        .map(|m| {
            // An over-mounted directory reports the device on top.
            let dev = std::fs::metadata(&m.mount_point)
                .map(|md| md.dev())
                .unwrap_or(m.dev);
            (m, dev)
        })
        .collect();
    let mounts = if all {
        candidates.into_iter().map(|(m, _)| m).collect()
    } else {
        dedup_by_device(candidates)
    };
    let mut out = Map::new();
    for m in mounts {
        // Unreachable mount points are skipped, as df does (with a warning).
        let Ok(st) = nix::sys::statvfs::statvfs(m.mount_point.as_str()) else {
            continue;
        };
        let frsize = if st.fragment_size() > 0 {
            st.fragment_size()
        } else {
            st.block_size()
        };
        if st.blocks() == 0 && !all {
            continue;
        }
        #[allow(clippy::useless_conversion)] // the field types differ by target
        let usage = Usage::from_statvfs(
            u64::from(frsize),
            u64::from(st.blocks()),
            u64::from(st.blocks_free()),
            u64::from(st.blocks_available()),
        );
        out.insert(
            m.mount_point.clone(),
            json!({
                "filesystem": m.source,
                "1K-blocks": usage.total.to_string(),
                "used": usage.used.to_string(),
                "available": usage.available.to_string(),
                "capacity": usage.capacity(),
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use serde_json::{Map, Value, json};

    use super::*;
    use crate::{Args, Ctx, run_job};

    fn run(kwargs: Value) -> crate::Outcome {
        let kwargs: Map<String, Value> = serde_json::from_value(kwargs).unwrap();
        run_job(&Ctx::bare(), "disk.usage", Args::new(vec![], kwargs))
    }

    /// Salt's parser applied to `df -P` output.
    fn df_p() -> Map<String, Value> {
        let out = Command::new("df").arg("-P").output().expect("df");
        let mut ret = Map::new();
        for line in String::from_utf8_lossy(&out.stdout).lines().skip(1) {
            let mut comps: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            while comps.len() >= 2 && !comps[1].chars().all(|c| c.is_ascii_digit()) {
                let second = comps.remove(1);
                comps[0] = format!("{} {second}", comps[0]);
            }
            if comps.len() >= 6 {
                ret.insert(
                    comps[5].clone(),
                    json!({"filesystem": comps[0], "1K-blocks": comps[1], "used": comps[2], "available": comps[3], "capacity": comps[4]}),
                );
            }
        }
        ret
    }

    #[test]
    fn agrees_with_df_p() {
        let out = run(json!({}));
        assert!(out.success, "{}", out.ret);
        let ours = out.ret.as_object().unwrap().clone();
        let df = df_p();
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            df.keys().collect::<Vec<_>>(),
            "same mounts in the same order"
        );
        for (mount, theirs) in &df {
            let mine = &ours[mount];
            assert_eq!(mine["filesystem"], theirs["filesystem"], "{mount}");
            assert_eq!(mine["1K-blocks"], theirs["1K-blocks"], "{mount}");
            // Others write to these file systems while we read them.
            let num = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
            let slack = num(&theirs["1K-blocks"]) / 100 + 1024;
            assert!(
                (num(&mine["used"]) - num(&theirs["used"])).abs() <= slack,
                "{mount}"
            );
            assert!(
                (num(&mine["available"]) - num(&theirs["available"])).abs() <= slack,
                "{mount}"
            );
        }
        let salt_call = std::env::var("HALITE_SALT_CALL")
            .unwrap_or_else(|_| "/work/saltvenv/bin/salt-call".into());
        if Path::new(&salt_call).exists() {
            let out = Command::new(salt_call)
                .args([
                    "--local",
                    "disk.usage",
                    "--out",
                    "json",
                    "--log-level",
                    "quiet",
                ])
                .output()
                .unwrap();
            let salt: Value = serde_json::from_slice(&out.stdout).unwrap();
            let salt = salt["local"].as_object().unwrap();
            assert_eq!(
                ours.keys().collect::<Vec<_>>(),
                salt.keys().collect::<Vec<_>>()
            );
            for (mount, theirs) in salt {
                assert_eq!(ours[mount]["filesystem"], theirs["filesystem"]);
                assert_eq!(ours[mount]["1K-blocks"], theirs["1K-blocks"]);
            }
        } else {
            println!("NOTE: no salt-call; compared with df -P only");
        }
    }

    #[test]
    fn all_flag_lists_pseudo_file_systems() {
        let all = run(json!({"args": "a"})).ret;
        assert!(all.get("/proc").is_some(), "{all}");
        assert!(run(json!({})).ret.get("/proc").is_none());
        let bad = run(json!({"args": "z"}));
        assert_eq!(bad.ret, json!("ERROR: Invalid flag passed to disk.usage"));
        assert!(!run(json!({"args": ["h"]})).success);
    }

    #[test]
    fn mountinfo_parsing_and_escapes() {
        let text = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n\
                    40 27 0:50 / /mnt/my\\040disk rw shared:1 - fuse.sshfs user@host:/x rw\n\
                    garbage\n";
        let m = parse_mountinfo(text);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].dev, nix::sys::stat::makedev(254, 0));
        assert_eq!(
            (
                m[1].mount_point.as_str(),
                m[1].fs_type.as_str(),
                m[1].source.as_str()
            ),
            ("/mnt/my disk", "fuse.sshfs", "user@host:/x")
        );
        assert!(is_remote(&m[1].source, &m[1].fs_type));
    }

    #[test]
    fn dedup_prefers_real_devices_and_shallow_mounts() {
        let me = |source: &str, root: &str, mp: &str| MountEntry {
            dev: 1,
            root: root.into(),
            mount_point: mp.into(),
            fs_type: "ext4".into(),
            source: source.into(),
        };
        // A bind mount of a subdirectory keeps the original.
        let kept = dedup_by_device(vec![
            (me("/dev/sda1", "/", "/"), 7),
            (me("/dev/sda1", "/srv", "/etc/hosts"), 7),
        ]);
        assert_eq!(kept, vec![me("/dev/sda1", "/", "/")]);
        // A later mount nearer the root wins.
        let kept = dedup_by_device(vec![
            (me("/dev/sdb", "/", "/a/b"), 3),
            (me("/dev/sdb", "/", "/a"), 3),
        ]);
        assert_eq!(kept[0].mount_point, "/a");
        // tmpfs over tmpfs on the same directory: the first entry stays.
        let kept = dedup_by_device(vec![
            (me("tmpfs", "/", "/dev/shm"), 9),
            (me("tmpfs", "/", "/dev/shm"), 9),
        ]);
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn usage_numbers_like_df() {
        let u = Usage::from_statvfs(4096, 66_053_021, 62_997_210, 20_765_661);
        assert_eq!(
            (u.total, u.used, u.available),
            (264_212_084, 12_223_244, 83_062_644)
        );
        assert_eq!(u.capacity(), "13%");
        let tiny = Usage::from_statvfs(512, 3, 1, 1);
        assert_eq!((tiny.total, tiny.used, tiny.available), (2, 1, 1));
        assert_eq!(Usage::from_statvfs(4096, 0, 0, 0).capacity(), "-");
        assert_eq!(
            Usage::from_statvfs(4096, 6_170_604, 6_170_603, 6_170_603).capacity(),
            "1%"
        );
    }
}

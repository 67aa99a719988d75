//! `status`: the host's vital signs (uptime, load, memory, CPUs) read from
//! `/proc`, in the shapes Salt's `status` module returns on Linux.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "status",
    doc: "Report the minion's uptime, load averages, memory and CPU information.",
    available: always,
    functions: &[
        Function {
            name: "cpuinfo",
            params: &[],
            doc: "\
Return `/proc/cpuinfo` as a map of field to value. Fields repeat per CPU;
the last CPU's value is kept. `flags` is a list.

CLI Example:

    halite '*' status.cpuinfo
",
            call: cpuinfo,
        },
        Function {
            name: "loadavg",
            params: &[],
            doc: "\
Return the load averages: `1-min`, `5-min` and `15-min`.

CLI Example:

    halite '*' status.loadavg
",
            call: loadavg,
        },
        Function {
            name: "meminfo",
            params: &[],
            doc: "\
Return `/proc/meminfo` as a map of field to `{value, unit}` (both strings;
`unit` is absent for counts such as `HugePages_Total`).

CLI Example:

    halite '*' status.meminfo
",
            call: meminfo,
        },
        Function {
            name: "uptime",
            params: &[],
            doc: "\
Return the uptime: `seconds`, `days`, `time` (hours:minutes within the
last day), `since_iso` and `since_t` (the boot time, UTC) and `users`
(logged-in users as `who -s` counts them, at least 1 as in Salt).

CLI Example:

    halite '*' status.uptime
",
            call: uptime,
        },
    ],
};

#[derive(Deserialize)]
struct NoArgs {}

fn read_proc(path: &str) -> Result<String, ExecError> {
    std::fs::read_to_string(path).map_err(|e| ExecError::failed(format!("cannot read {path}: {e}")))
}

fn uptime(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let text = std::fs::read_to_string("/proc/uptime")
        .map_err(|_| ExecError::failed("File /proc/uptime was not found."))?;
    let seconds = text
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| ExecError::failed(format!("unexpected /proc/uptime contents: {text:?}")))?
        .trunc() as i64;
    Ok(uptime_value(now, seconds, logged_in_users()))
}

/// Salt's arithmetic: boot time and now as microsecond datetimes (Python's
/// `utcfromtimestamp`), their difference split into days and h:m.
fn uptime_value(now: f64, seconds: i64, users: u64) -> Value {
    let boot = now - seconds as f64;
    let now_us = (now * 1e6).round_ties_even() as i64;
    let boot_us = (boot * 1e6).round_ties_even() as i64;
    let delta_us = now_us - boot_us;
    const DAY_US: i64 = 86_400_000_000;
    let days = delta_us.div_euclid(DAY_US);
    let day_secs = delta_us.rem_euclid(DAY_US) / 1_000_000;
    json!({
        "seconds": seconds,
        "since_iso": iso_utc(boot_us),
        "since_t": boot.trunc() as i64,
        "days": days,
        "time": format!("{}:{}", day_secs / 3600, day_secs % 3600 / 60),
        "users": users,
    })
}

/// `datetime.isoformat()` of a naive UTC time given in microseconds since
/// the epoch: `2026-11-24T13:56:25.015629`, the fraction only when non-zero.
fn iso_utc(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    if frac == 0 {
        base
    } else {
        format!("{base}.{frac:06}")
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Logged-in users as `who -s` lists them: live `USER_PROCESS` records in
/// utmp. Salt counts the lines of that output with `split(os.linesep)`,
/// which gives 1 for an empty output, so the count is at least 1.
fn logged_in_users() -> u64 {
    let count = std::fs::read("/var/run/utmp")
        .map(|data| count_user_processes(&data))
        .unwrap_or(0);
    count.max(1)
}

/// glibc's `struct utmp` on Linux: 384 bytes, `ut_type` (i16) at 0,
/// `ut_pid` (i32) at 4, `ut_user` (32 bytes) at 44.
fn count_user_processes(data: &[u8]) -> u64 {
    const RECORD: usize = 384;
    const USER_PROCESS: i16 = 7;
    data.chunks_exact(RECORD)
        .filter(|rec| {
            let kind = i16::from_ne_bytes([rec[0], rec[1]]);
            let pid = i32::from_ne_bytes([rec[4], rec[5], rec[6], rec[7]]);
            let has_user = rec[44] != 0;
            // coreutils' who drops records whose process is gone.
            let alive = pid <= 0
                || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                    != Err(nix::errno::Errno::ESRCH);
            kind == USER_PROCESS && has_user && alive
        })
        .count() as u64
}

fn loadavg(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    // Python's os.getloadavg() (glibc's getloadavg) reads sysinfo(2), whose
    // fixed-point loads give values like 0.43896484375.
    let info = nix::sys::sysinfo::sysinfo().map_err(|e| {
        ExecError::failed(format!(
            "status.loadavag is not available on your platform: {e}"
        ))
    })?;
    let (one, five, fifteen) = info.load_average();
    Ok(json!({"1-min": one, "5-min": five, "15-min": fifteen}))
}

fn meminfo(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    Ok(parse_meminfo(&read_proc("/proc/meminfo")?))
}

fn parse_meminfo(text: &str) -> Value {
    let mut out = Map::new();
    for line in text.lines() {
        let comps: Vec<&str> = line.split_whitespace().collect();
        let (Some(name), Some(value)) = (comps.first(), comps.get(1)) else {
            continue;
        };
        let mut entry = Map::new();
        entry.insert("value".into(), (*value).into());
        if let Some(unit) = comps.get(2) {
            entry.insert("unit".into(), (*unit).into());
        }
        out.insert(name.replace(':', ""), Value::Object(entry));
    }
    Value::Object(out)
}

fn cpuinfo(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    Ok(parse_cpuinfo(&read_proc("/proc/cpuinfo")?))
}

/// Salt's Linux `cpuinfo`: `key: value` per line, the text between the
/// first and second colon as the value, `flags` split into a list.
fn parse_cpuinfo(text: &str) -> Value {
    let mut out = Map::new();
    for line in text.lines() {
        let mut comps = line.split(':');
        let (Some(key), Some(value)) = (comps.next(), comps.next()) else {
            continue;
        };
        let key = key.trim();
        let value: Value = if key == "flags" {
            value.split_whitespace().collect::<Vec<_>>().into()
        } else {
            value.trim().into()
        };
        out.insert(key.to_owned(), value);
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

    fn run(fun: &str) -> Value {
        let out = run_job(&Ctx::bare(), fun, Args::new(vec![], Map::new()));
        assert!(out.success, "{fun}: {}", out.ret);
        out.ret
    }

    /// The same function run by Salt, when a Salt install is around.
    fn salt_call(fun: &str) -> Option<Value> {
        let salt_call = std::env::var("HALITE_SALT_CALL")
            .unwrap_or_else(|_| "/work/saltvenv/bin/salt-call".into());
        if !Path::new(&salt_call).exists() {
            println!("NOTE: no salt-call; skipping the comparison with Salt for {fun}");
            return None;
        }
        let out = Command::new(salt_call)
            .args(["--local", fun, "--out", "json", "--log-level", "quiet"])
            .output()
            .expect("run salt-call");
        let v: Value = serde_json::from_slice(&out.stdout).expect("salt-call prints json");
        Some(v["local"].clone())
    }

    #[test]
    fn uptime_shape_and_arithmetic() {
        let v = uptime_value(1_795_528_985.5, 400, 1);
        assert_eq!(
            v,
            json!({"seconds": 400, "since_iso": "2026-11-24T13:56:25.500000", "since_t": 1_795_528_585_i64, "days": 0, "time": "0:6", "users": 1})
        );
        let v = uptime_value(1_000_000_000.0, 3 * 86_400 + 7_380, 2);
        assert_eq!(
            (v["days"].clone(), v["time"].clone()),
            (json!(3), json!("2:3"))
        );
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00");
        assert_eq!(iso_utc(951_782_400_000_000), "2000-02-29T00:00:00");
    }

    #[test]
    fn uptime_agrees_with_proc_and_salt() {
        let ours = run("status.uptime");
        let proc_secs: f64 = std::fs::read_to_string("/proc/uptime")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let seconds = ours["seconds"].as_i64().unwrap();
        assert!((seconds as f64 - proc_secs).abs() < 5.0);
        assert_eq!(ours["days"], json!(seconds / 86_400));
        assert!(ours["users"].as_u64().unwrap() >= 1);
        if let Some(salt) = salt_call("status.uptime") {
            let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            let (mut a, mut b) = (keys(&ours), keys(&salt));
            a.sort();
            b.sort();
            assert_eq!(a, b);
            // Both derive the boot time from /proc/uptime a moment apart.
            assert!(
                (salt["since_t"].as_i64().unwrap() - ours["since_t"].as_i64().unwrap()).abs() <= 2
            );
            assert_eq!(salt["users"], ours["users"]);
        }
    }

    #[test]
    fn utmp_records_are_counted() {
        let mut data = vec![0u8; 384 * 3];
        for (i, (kind, pid, user)) in [
            (7i16, std::process::id() as i32, b'r'),
            (8, 1, b'x'),
            (7, 0, 0),
        ]
        .iter()
        .enumerate()
        {
            let rec = &mut data[i * 384..(i + 1) * 384];
            rec[0..2].copy_from_slice(&kind.to_ne_bytes());
            rec[4..8].copy_from_slice(&pid.to_ne_bytes());
            rec[44] = *user;
        }
        assert_eq!(count_user_processes(&data), 1);
        assert_eq!(count_user_processes(&data[..100]), 0);
    }

    #[test]
    fn loadavg_matches_proc_loadavg() {
        let ours = run("status.loadavg");
        let proc: Vec<f64> = std::fs::read_to_string("/proc/loadavg")
            .unwrap()
            .split_whitespace()
            .take(3)
            .map(|s| s.parse().unwrap())
            .collect();
        for (key, expected) in ["1-min", "5-min", "15-min"].iter().zip(proc) {
            // /proc/loadavg rounds to two decimals; allow drift between reads.
            assert!(
                (ours[key].as_f64().unwrap() - expected).abs() < 0.5,
                "{key}"
            );
        }
        if let Some(salt) = salt_call("status.loadavg") {
            assert_eq!(salt.as_object().unwrap().len(), 3);
            assert!(salt["1-min"].is_f64());
        }
    }

    #[test]
    fn meminfo_matches_proc_and_salt() {
        let ours = run("status.meminfo");
        assert_eq!(ours["MemTotal"]["unit"], json!("kB"));
        let text = std::fs::read_to_string("/proc/meminfo").unwrap();
        assert_eq!(
            ours.as_object().unwrap().len(),
            text.lines().filter(|l| !l.is_empty()).count()
        );
        let parsed = parse_meminfo("HugePages_Total:       0\nMemTotal:       24682416 kB\n");
        assert_eq!(
            parsed,
            json!({"HugePages_Total": {"value": "0"}, "MemTotal": {"value": "24682416", "unit": "kB"}})
        );
        if let Some(salt) = salt_call("status.meminfo") {
            assert_eq!(salt["MemTotal"], ours["MemTotal"]);
            let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(&salt), keys(&ours));
        }
    }

    #[test]
    fn cpuinfo_matches_salt() {
        let ours = run("status.cpuinfo");
        assert!(ours["processor"].is_string());
        let parsed = parse_cpuinfo(
            "processor\t: 0\nflags\t\t: fpu vme\naddress sizes\t: 48 bits\npower management:\n\nprocessor\t: 1\n",
        );
        assert_eq!(
            parsed,
            json!({"processor": "1", "flags": ["fpu", "vme"], "address sizes": "48 bits", "power management": ""})
        );
        if let Some(salt) = salt_call("status.cpuinfo") {
            // cpu MHz moves between reads; everything else is fixed.
            let strip = |v: &Value| {
                let mut m = v.as_object().unwrap().clone();
                m.remove("cpu MHz");
                m
            };
            assert_eq!(strip(&salt), strip(&ours));
        }
    }
}

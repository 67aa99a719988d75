//! Collects the grains of the machine running the tests: every required
//! grain must be there with the right type and agree with `/proc`; when a
//! Salt install is available (`/work/saltvenv`, or `HALITE_SALT_CALL`
//! naming a `salt-call`), the stable grains must equal what
//! `salt-call --local grains.items` reports.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Map, Value};

/// Grains every minion reports, with the JSON type they must have.
const REQUIRED: &[(&str, &str)] = &[
    ("id", "string"),
    ("os", "string"),
    ("os_family", "string"),
    ("osrelease", "string"),
    ("osfullname", "string"),
    ("oscodename", "string"),
    ("osarch", "string"),
    ("kernel", "string"),
    ("kernelrelease", "string"),
    ("kernelversion", "string"),
    ("cpuarch", "string"),
    ("cpu_model", "string"),
    ("cpu_flags", "array"),
    ("num_cpus", "integer"),
    ("mem_total", "integer"),
    ("swap_total", "integer"),
    ("host", "string"),
    ("nodename", "string"),
    ("localhost", "string"),
    ("fqdn", "string"),
    ("domain", "string"),
    ("ipv4", "array"),
    ("ipv6", "array"),
    ("ip_interfaces", "object"),
    ("ip4_interfaces", "object"),
    ("ip6_interfaces", "object"),
    ("hwaddr_interfaces", "object"),
    ("fqdn_ip4", "array"),
    ("fqdn_ip6", "array"),
    ("virtual", "string"),
    ("init", "string"),
    ("path", "string"),
    ("systempath", "array"),
    ("shell", "string"),
    ("pid", "integer"),
    ("gid", "integer"),
    ("uid", "integer"),
    ("username", "string"),
    ("groupname", "string"),
    ("locale_info", "object"),
    ("lsb_distrib_id", "string"),
    ("num_gpus", "integer"),
    ("gpus", "array"),
    ("cwd", "string"),
    ("saltversion", "string"),
    ("ps", "string"),
    ("server_id", "integer"),
];

/// Grains whose value does not depend on the process reading them, so
/// Salt's and ours must be equal.
const STABLE: &[&str] = &[
    "os",
    "os_family",
    "osrelease",
    "osrelease_info",
    "osmajorrelease",
    "osfinger",
    "osfullname",
    "oscodename",
    "osarch",
    "lsb_distrib_id",
    "lsb_distrib_release",
    "lsb_distrib_codename",
    "lsb_distrib_description",
    "kernel",
    "kernelrelease",
    "kernelversion",
    "kernelparams",
    "cpuarch",
    "cpu_model",
    "cpu_flags",
    "num_cpus",
    "mem_total",
    "swap_total",
    "host",
    "nodename",
    "localhost",
    "fqdn",
    "domain",
    "ipv4",
    "ipv6",
    "ip_interfaces",
    "ip4_interfaces",
    "ip6_interfaces",
    "hwaddr_interfaces",
    "fqdn_ip6",
    "machine_id",
    "virtual",
    "virtual_subtype",
    "init",
    "ps",
    "path",
    "systempath",
    "shell",
    "uid",
    "gid",
    "username",
    "groupname",
    "locale_info",
    "server_id",
    "dns",
    "ip_gw",
    "ip4_gw",
    "ip6_gw",
    "disks",
    "ssds",
    "efi",
    "efi-secure-boot",
    "transactional",
    "fibre_channel_host",
    "systemd",
    "selinux",
    "biosversion",
    "biosvendor",
    "boardname",
    "productname",
    "manufacturer",
    "biosreleasedate",
    "uuid",
    "serialnumber",
];

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn salt_call() -> Option<PathBuf> {
    let path = std::env::var_os("HALITE_SALT_CALL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/saltvenv/bin/salt-call"));
    path.exists().then_some(path)
}

#[test]
fn collects_required_grains_quickly_and_like_salt() {
    let hostname = halite_grains::hostname::hostname();
    let started = Instant::now();
    let grains = halite_grains::collect(&hostname);
    println!("collect() took {:?}", started.elapsed());

    for (key, ty) in REQUIRED {
        let value = grains
            .get(*key)
            .unwrap_or_else(|| panic!("grain {key} missing"));
        assert_eq!(type_of(value), *ty, "grain {key} = {value}");
    }
    assert_eq!(grains["id"], Value::String(hostname.clone()));
    assert!(grains["num_cpus"].as_u64().unwrap() > 0);
    assert_eq!(grains["kernel"], "Linux");
    assert_eq!(grains["nodename"], Value::String(hostname.clone()));
    assert_eq!(grains["pid"], std::process::id());

    // /proc agrees.
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let mem_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(grains["mem_total"], mem_kb / 1024);
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(grains["kernelrelease"], release.trim());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    assert_eq!(
        grains["num_cpus"],
        cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
    );
    // Every interface with an address appears in ip_interfaces, and every
    // IPv4 address of ip4_interfaces is in ipv4.
    let ipv4: Vec<&Value> = grains["ipv4"].as_array().unwrap().iter().collect();
    for addrs in grains["ip4_interfaces"].as_object().unwrap().values() {
        for a in addrs.as_array().unwrap() {
            assert!(ipv4.contains(&a), "{a} not in ipv4");
        }
    }
    assert!(
        ipv4.iter().any(|a| a.as_str() == Some("127.0.0.1")),
        "loopback is included: {ipv4:?}"
    );

    let Some(salt_call) = salt_call() else {
        println!(
            "NOTE: no salt-call found (set HALITE_SALT_CALL); skipping the comparison with Salt"
        );
        return;
    };
    let out = std::process::Command::new(&salt_call)
        .args([
            "--local",
            "grains.items",
            "--out",
            "json",
            "--log-level",
            "quiet",
        ])
        .arg(format!("--id={hostname}"))
        .output()
        .expect("run salt-call");
    assert!(
        out.status.success(),
        "salt-call failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("salt-call prints json");
    let salt: &Map<String, Value> = parsed["local"].as_object().expect("local");

    let compared = STABLE.iter().filter(|k| salt.contains_key(**k)).count();
    println!("comparing {compared} grains with {}", salt_call.display());
    assert!(
        compared >= 40,
        "salt-call reported too few of the stable grains: {compared}"
    );
    let mut mismatches = Vec::new();
    for key in STABLE {
        let (ours, theirs) = (grains.get(*key), salt.get(*key));
        if ours != theirs {
            mismatches.push(format!("{key}: ours {ours:?} salt {theirs:?}"));
        }
    }
    // Salt's fqdn_ip4 is a Python set: compare as sets.
    let as_set = |v: Option<&Value>| {
        let mut items: Vec<String> = v
            .and_then(Value::as_array)
            .map(|a| a.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        items.sort();
        items
    };
    if as_set(grains.get("fqdn_ip4")) != as_set(salt.get("fqdn_ip4")) {
        mismatches.push(format!(
            "fqdn_ip4: ours {:?} salt {:?}",
            grains.get("fqdn_ip4"),
            salt.get("fqdn_ip4")
        ));
    }
    assert!(
        mismatches.is_empty(),
        "grains differ from Salt's:\n{}",
        mismatches.join("\n")
    );
}

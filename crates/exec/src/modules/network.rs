//! `network`: the minion's interfaces and addresses in Salt's shapes, read
//! over rtnetlink (shared with the grains) instead of parsing `ip addr`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use halite_grains::net::{self, Interface};
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Args, Ctx, ExecError, Function, Module, always};

const IP_ADDRS_DOC: &str = "\
Return the IPv4 addresses of the minion, sorted, without 127.0.0.1 unless
`include_loopback=True`. `interface` limits them to interfaces matching a
name, a glob or a list (`eth*`, `eth0,eth1`). `cidr` keeps the addresses
inside that network; otherwise `type=public` or `type=private` keeps only
those.

CLI Example:

    halite '*' network.ip_addrs
    halite '*' network.ip_addrs interface=eth0 cidr=10.0.0.0/8
";

const IP_ADDRS6_DOC: &str = "\
Return the IPv6 addresses of the minion, sorted, without ::1 unless
`include_loopback=True`. `interface` limits them to interfaces matching a
name, a glob or a list; `cidr` keeps the addresses inside that network.

CLI Example:

    halite '*' network.ip_addrs6
    halite '*' network.ip_addrs6 cidr=2000::/3
";

const HW_ADDR_DOC: &str = "\
Return the hardware (MAC) address of the interface `iface`.

CLI Example:

    halite '*' network.hw_addr eth0
";

pub static MODULE: Module = Module {
    name: "network",
    doc: "Report the minion's network interfaces, addresses and host name.",
    available: always,
    functions: &[
        Function {
            name: "get_hostname",
            params: &[],
            doc: "\
Return the host name (`gethostname`).

CLI Example:

    halite '*' network.get_hostname
",
            call: get_hostname,
        },
        Function {
            name: "hw_addr",
            params: &["iface"],
            doc: HW_ADDR_DOC,
            call: hw_addr,
        },
        Function {
            name: "hwaddr",
            params: &["iface"],
            doc: HW_ADDR_DOC,
            call: hw_addr,
        },
        Function {
            name: "interfaces",
            params: &[],
            doc: "\
Return every network interface: whether it is `up`, its `hwaddr`, its
IPv4 addresses under `inet` (`address`, `netmask`, `broadcast`,
`label`), further addresses of the same subnets under `secondary`, and
its IPv6 addresses under `inet6` (`address`, `prefixlen`, `scope`).

CLI Example:

    halite '*' network.interfaces
",
            call: interfaces,
        },
        Function {
            name: "ip_addrs",
            params: &["interface", "include_loopback", "cidr", "type"],
            doc: IP_ADDRS_DOC,
            call: ip_addrs,
        },
        Function {
            name: "ip_addrs6",
            params: &["interface", "include_loopback", "cidr"],
            doc: IP_ADDRS6_DOC,
            call: ip_addrs6,
        },
        Function {
            name: "ipaddrs",
            params: &["interface", "include_loopback", "cidr", "type"],
            doc: IP_ADDRS_DOC,
            call: ip_addrs,
        },
        Function {
            name: "ipaddrs6",
            params: &["interface", "include_loopback", "cidr"],
            doc: IP_ADDRS6_DOC,
            call: ip_addrs6,
        },
    ],
};

#[derive(Deserialize)]
struct NoArgs {}

fn list_interfaces() -> Result<Vec<Interface>, ExecError> {
    net::interfaces().map_err(|e| ExecError::failed(format!("cannot list network interfaces: {e}")))
}

fn get_hostname(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    Ok(halite_grains::hostname::hostname().into())
}

fn interfaces(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    Ok(net::interfaces_value(&list_interfaces()?))
}

fn hw_addr(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct HwAddrArgs {
        iface: Value,
    }
    let a: HwAddrArgs = args.bind()?;
    let iface = match &a.iface {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let ifaces = list_interfaces()?;
    match ifaces.iter().find(|i| i.name == iface) {
        Some(i) => Ok(i.hwaddr.clone().unwrap_or_default().into()),
        // Salt returns this message as the result, not as an error.
        None => {
            let names: Vec<&str> = ifaces.iter().map(|i| i.name.as_str()).collect();
            Ok(format!(
                "Interface \"{iface}\" not in available interfaces: \"{}\"",
                names.join("\", \"")
            )
            .into())
        }
    }
}

#[derive(Deserialize)]
struct IpAddrsArgs {
    #[serde(default)]
    interface: Option<Value>,
    #[serde(default)]
    include_loopback: Option<Value>,
    #[serde(default)]
    cidr: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<Value>,
}

fn ip_addrs(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: IpAddrsArgs = args.bind()?;
    let addrs = filtered_addrs(&list_interfaces()?, &a, false);
    let addrs: Vec<IpAddr> = match (&a.cidr, a.kind.as_ref().and_then(Value::as_str)) {
        (Some(c), _) if truthy(c) => addrs,
        (_, Some("public")) => addrs.into_iter().filter(|ip| !is_private(ip)).collect(),
        (_, Some("private")) => addrs.into_iter().filter(is_private).collect(),
        _ => addrs,
    };
    Ok(strings(addrs))
}

fn ip_addrs6(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: IpAddrsArgs = args.bind()?;
    Ok(strings(filtered_addrs(&list_interfaces()?, &a, true)))
}

fn strings(addrs: Vec<IpAddr>) -> Value {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .into()
}

/// Salt's `_ip_addrs` plus the `cidr` filter of `network.ip_addrs`.
fn filtered_addrs(ifaces: &[Interface], a: &IpAddrsArgs, v6: bool) -> Vec<IpAddr> {
    let patterns = a
        .interface
        .as_ref()
        .filter(|v| !v.is_null())
        .map(split_input);
    let chosen: Vec<&Interface> = ifaces
        .iter()
        .filter(|i| {
            patterns
                .as_ref()
                .is_none_or(|pats| pats.iter().any(|p| fnmatch(&i.name, p)))
        })
        .collect();
    let include_loopback = a.include_loopback.as_ref().is_some_and(truthy);
    let addrs = net::sorted_addrs(&chosen, v6, include_loopback);
    match a.cidr.as_ref().filter(|c| truthy(c)) {
        Some(cidr) => {
            let text = match cidr {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // An invalid network matches nothing (Salt logs "Invalid CIDR").
            match parse_network(&text) {
                Some(net) => addrs.into_iter().filter(|ip| net.contains(ip)).collect(),
                None => Vec::new(),
            }
        }
        None => addrs,
    }
}

/// Salt's `split_input`: a list as is, else the text split on commas.
fn split_input(v: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items.iter().map(text).collect(),
        other => text(other)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect(),
    }
}

/// Python truthiness, except that the strings false/no/off/0 are false (a
/// flag that skipped the CLI's YAML parsing keeps its meaning).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "no" | "off" | "0"
        ),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `fnmatch.fnmatch` on POSIX: `*`, `?`, `[seq]`, `[!seq]`.
fn fnmatch(name: &str, pattern: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let pat: Vec<char> = pattern.chars().collect();
    fn go(n: &[char], p: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&n[i..], &p[1..])),
            Some('?') => !n.is_empty() && go(&n[1..], &p[1..]),
            Some('[') => match class_end(p) {
                Some(end) => {
                    !n.is_empty() && class_matches(&p[1..end], n[0]) && go(&n[1..], &p[end + 1..])
                }
                // An unclosed bracket is a literal '['.
                None => n.first() == Some(&'[') && go(&n[1..], &p[1..]),
            },
            Some(c) => n.first() == Some(c) && go(&n[1..], &p[1..]),
        }
    }
    go(&name, &pat)
}

/// Index of the `]` closing the class that starts at `p[0] == '['`; a `]`
/// right after `[` or `[!` is part of the class.
fn class_end(p: &[char]) -> Option<usize> {
    let mut i = 1;
    if p.get(i) == Some(&'!') {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    (i..p.len()).find(|&j| p[j] == ']')
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negate, class) = match class.split_first() {
        Some(('!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut found = false;
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            found |= class[i] <= c && c <= class[i + 2];
            i += 3;
        } else {
            found |= class[i] == c;
            i += 1;
        }
    }
    found != negate
}

/// An IP network as Python's `ipaddress.ip_network(text)` (strict) reads
/// it: `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, or a bare address.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Network {
    V4(u32, u32),
    V6(u128, u128),
}

impl Network {
    fn contains(&self, ip: &IpAddr) -> bool {
        match (self, ip) {
            (Network::V4(net, mask), IpAddr::V4(a)) => u32::from(*a) & mask == *net,
            (Network::V6(net, mask), IpAddr::V6(a)) => u128::from(*a) & mask == *net,
            _ => false,
        }
    }
}

fn parse_network(text: &str) -> Option<Network> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    if let Ok(v4) = addr.parse::<Ipv4Addr>() {
        let mask: u32 = match prefix {
            None => u32::MAX,
            Some(p) => match p.parse::<u32>() {
                Ok(bits) if bits <= 32 => u32::MAX.checked_shl(32 - bits).unwrap_or(0),
                Ok(_) => return None,
                Err(_) => {
                    let m = u32::from(p.parse::<Ipv4Addr>().ok()?);
                    // A netmask must be contiguous ones.
                    if m.leading_ones() + m.trailing_zeros() != 32 {
                        return None;
                    }
                    m
                }
            },
        };
        let net = u32::from(v4);
        // strict=True: host bits must be zero.
        return (net & !mask == 0).then_some(Network::V4(net, mask));
    }
    let v6 = addr.parse::<Ipv6Addr>().ok()?;
    let mask: u128 = match prefix {
        None => u128::MAX,
        Some(p) => match p.parse::<u32>().ok()? {
            bits if bits <= 128 => u128::MAX.checked_shl(128 - bits).unwrap_or(0),
            _ => return None,
        },
    };
    let net = u128::from(v6);
    (net & !mask == 0).then_some(Network::V6(net, mask))
}

/// Python 3.11's `ipaddress.IPv4Address.is_private` (the networks Salt's
/// reference Python considers private).
fn is_private(ip: &IpAddr) -> bool {
    const PRIVATE: &[(u32, u8)] = &[
        (0x0000_0000, 8),  // 0.0.0.0/8
        (0x0a00_0000, 8),  // 10.0.0.0/8
        (0x7f00_0000, 8),  // 127.0.0.0/8
        (0xa9fe_0000, 16), // 169.254.0.0/16
        (0xac10_0000, 12), // 172.16.0.0/12
        (0xc000_0000, 29), // 192.0.0.0/29
        (0xc000_00aa, 31), // 192.0.0.170/31
        (0xc000_0200, 24), // 192.0.2.0/24
        (0xc0a8_0000, 16), // 192.168.0.0/16
        (0xc612_0000, 15), // 198.18.0.0/15
        (0xc633_6400, 24), // 198.51.100.0/24
        (0xcb00_7100, 24), // 203.0.113.0/24
        (0xf000_0000, 4),  // 240.0.0.0/4
        (0xffff_ffff, 32), // 255.255.255.255/32
    ];
    match ip {
        IpAddr::V4(v4) => {
            let a = u32::from(*v4);
            PRIVATE
                .iter()
                .any(|(net, bits)| a & (u32::MAX << (32 - u32::from(*bits))) == *net)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // ::1, ::, fc00::/7, fe80::/10, 2001:db8::/32, 2001::/23, 100::/64.
            v6.is_loopback()
                || v6.is_unspecified()
                || s[0] & 0xfe00 == 0xfc00
                || s[0] & 0xffc0 == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x2001 && s[1] < 0x0200)
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use serde_json::{Map, Value, json};

    use super::*;
    use crate::{Args, Ctx, run_job};

    fn run(fun: &str, positional: Vec<Value>, kwargs: Value) -> crate::Outcome {
        let kwargs: Map<String, Value> = serde_json::from_value(kwargs).unwrap();
        run_job(&Ctx::bare(), fun, Args::new(positional, kwargs))
    }

    fn salt_call(args: &[&str]) -> Option<Value> {
        let salt_call = std::env::var("HALITE_SALT_CALL")
            .unwrap_or_else(|_| "/work/saltvenv/bin/salt-call".into());
        if !Path::new(&salt_call).exists() {
            println!("NOTE: no salt-call; skipping the comparison with Salt for {args:?}");
            return None;
        }
        let out = Command::new(salt_call)
            .arg("--local")
            .args(args)
            .args(["--out", "json", "--log-level", "quiet"])
            .output()
            .expect("run salt-call");
        let v: Value = serde_json::from_slice(&out.stdout).expect("salt-call prints json");
        Some(v["local"].clone())
    }

    #[test]
    fn interfaces_match_proc_and_salt() {
        let out = run("network.interfaces", vec![], json!({}));
        assert!(out.success, "{}", out.ret);
        let ours = out.ret.as_object().unwrap().clone();
        let proc_dev = std::fs::read_to_string("/proc/net/dev").unwrap();
        let names: Vec<&str> = proc_dev
            .lines()
            .skip(2)
            .map(|l| l.split(':').next().unwrap().trim())
            .collect();
        for name in &names {
            assert!(ours.contains_key(*name), "{name}");
            let operstate =
                std::fs::read_to_string(format!("/sys/class/net/{name}/flags")).unwrap();
            let flags = u32::from_str_radix(operstate.trim().trim_start_matches("0x"), 16).unwrap();
            assert_eq!(ours[*name]["up"], json!(flags & 1 == 1), "{name} up flag");
        }
        assert_eq!(
            ours["lo"]["inet"][0],
            json!({"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": null, "label": "lo"})
        );
        if let Some(salt) = salt_call(&["network.interfaces"]) {
            assert_eq!(Value::Object(ours), salt);
        }
    }

    #[test]
    fn ip_addrs_filters_like_salt() {
        let all = run(
            "network.ip_addrs",
            vec![],
            json!({"include_loopback": true}),
        )
        .ret;
        assert!(all.as_array().unwrap().contains(&json!("127.0.0.1")));
        let no_lo = run("network.ip_addrs", vec![], json!({})).ret;
        assert!(!no_lo.as_array().unwrap().contains(&json!("127.0.0.1")));
        let lo_only = run(
            "network.ip_addrs",
            vec![json!("l*")],
            json!({"include_loopback": true}),
        )
        .ret;
        assert_eq!(lo_only, json!(["127.0.0.1"]));
        let cidr = run(
            "network.ip_addrs",
            vec![],
            json!({"include_loopback": true, "cidr": "127.0.0.0/8"}),
        )
        .ret;
        assert_eq!(cidr, json!(["127.0.0.1"]));
        // Host bits set: Python's strict ip_network refuses it; nothing matches.
        let bad = run(
            "network.ip_addrs",
            vec![],
            json!({"include_loopback": true, "cidr": "127.0.0.1/8"}),
        )
        .ret;
        assert_eq!(bad, json!([]));
        let private = run(
            "network.ip_addrs",
            vec![],
            json!({"include_loopback": true, "type": "private"}),
        )
        .ret;
        let public = run(
            "network.ip_addrs",
            vec![],
            json!({"include_loopback": true, "type": "public"}),
        )
        .ret;
        assert_eq!(
            private.as_array().unwrap().len() + public.as_array().unwrap().len(),
            all.as_array().unwrap().len()
        );
        let v6 = run(
            "network.ip_addrs6",
            vec![],
            json!({"include_loopback": true}),
        )
        .ret;
        let if_inet6 = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
        let mut expected: Vec<Ipv6Addr> = if_inet6
            .lines()
            .map(|l| {
                Ipv6Addr::from(
                    u128::from_str_radix(l.split_whitespace().next().unwrap(), 16).unwrap(),
                )
            })
            .collect();
        expected.sort();
        expected.dedup();
        assert_eq!(
            v6,
            json!(expected.iter().map(ToString::to_string).collect::<Vec<_>>())
        );
        assert_eq!(
            run(
                "network.ipaddrs6",
                vec![],
                json!({"include_loopback": true})
            )
            .ret,
            v6
        );
        if let Some(salt) = salt_call(&["network.ip_addrs"]) {
            assert_eq!(no_lo, salt);
        }
        if let Some(salt) = salt_call(&["network.ip_addrs6"]) {
            assert_eq!(run("network.ip_addrs6", vec![], json!({})).ret, salt);
        }
    }

    #[test]
    fn hw_addr_and_hostname() {
        let lo = run("network.hw_addr", vec![json!("lo")], json!({})).ret;
        assert_eq!(lo, json!("00:00:00:00:00:00"));
        let missing = run("network.hwaddr", vec![json!("nope0")], json!({})).ret;
        assert!(
            missing
                .as_str()
                .unwrap()
                .starts_with("Interface \"nope0\" not in available interfaces: \""),
            "{missing}"
        );
        let host = run("network.get_hostname", vec![], json!({})).ret;
        let uname = Command::new("uname").arg("-n").output().unwrap();
        assert_eq!(host, json!(String::from_utf8_lossy(&uname.stdout).trim()));
        for (name, addr) in std::fs::read_dir("/sys/class/net")
            .unwrap()
            .flatten()
            .map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                let a = std::fs::read_to_string(e.path().join("address")).unwrap_or_default();
                (n, a.trim().to_owned())
            })
        {
            // Tunnels show an IP where sysfs shows hex; compare MACs only.
            if addr.len() == 17 {
                assert_eq!(
                    run("network.hw_addr", vec![json!(name)], json!({})).ret,
                    json!(addr),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn helpers() {
        assert!(fnmatch("eth0", "eth*") && fnmatch("eth0", "eth?") && fnmatch("eth1", "eth[0-3]"));
        assert!(
            !fnmatch("eth5", "eth[!0-9]") && fnmatch("ethx", "eth[!0-9]") && !fnmatch("lo", "eth*")
        );
        assert!(fnmatch("a[b", "a[b"));
        assert_eq!(
            split_input(&json!("eth0, eth1")),
            vec!["eth0".to_owned(), "eth1".to_owned()]
        );
        assert_eq!(
            parse_network("10.0.0.0/255.0.0.0"),
            parse_network("10.0.0.0/8")
        );
        assert_eq!(parse_network("10.0.0.1/8"), None);
        assert!(
            parse_network("2000::/3")
                .unwrap()
                .contains(&"2001:db8::1".parse().unwrap())
        );
        assert!(
            is_private(&"10.1.2.3".parse().unwrap()) && !is_private(&"8.8.8.8".parse().unwrap())
        );
        assert!(
            is_private(&"192.0.2.2".parse().unwrap())
                && !is_private(&"100.64.0.1".parse().unwrap())
        );
    }
}

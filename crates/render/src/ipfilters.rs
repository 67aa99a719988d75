//! Salt's IP filters (`salt/utils/network.py`): `is_ip`, `is_ipv4`,
//! `is_ipv6`, `ipaddr`, `ipv4`, `ipv6`, with the `options` Salt knows
//! (`private`, `public`/`global`, `loopback`, `multicast`, `link-local`,
//! `reserved`, `site-local`, `unspecified`), judged by Python 3.11's
//! `ipaddress` tables.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use crate::mutable::MutList;
use crate::pyrepr::py_str;

pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_filter(
        "is_ip",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(is_version(&v, None, o.as_deref()))
        },
    );
    env.add_filter(
        "is_ipv4",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(is_version(&v, Some(4), o.as_deref()))
        },
    );
    env.add_filter(
        "is_ipv6",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(is_version(&v, Some(6), o.as_deref()))
        },
    );
    env.add_filter(
        "ipv4",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(filter(&v, &[4], o.as_deref()))
        },
    );
    env.add_filter(
        "ipv6",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(filter(&v, &[6], o.as_deref()))
        },
    );
    env.add_filter(
        "ipaddr",
        |v: Value, options: Option<String>, kwargs: Kwargs| -> Result<_, Error> {
            let o = options_arg(options, &kwargs)?;
            Ok(ipaddr(&v, o.as_deref()))
        },
    );
}

/// The `options` argument, positional or by keyword.
fn options_arg(options: Option<String>, kwargs: &Kwargs) -> Result<Option<String>, Error> {
    let options = kwargs.get::<Option<String>>("options")?.or(options);
    kwargs.assert_all_used()?;
    Ok(options)
}

/// An address, or an interface (`10.0.0.5/24`) as Python's `ip_interface`
/// reads it; the text is what Python's `str()` gives.
struct Parsed {
    addr: IpAddr,
    text: String,
}

fn parse(text: &str) -> Option<Parsed> {
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(Parsed {
            addr,
            text: addr.to_string(),
        });
    }
    let (addr, prefix) = text.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= max)?;
    Some(Parsed {
        addr,
        text: format!("{addr}/{prefix}"),
    })
}

fn in_v4(addr: Ipv4Addr, nets: &[(u32, u32)]) -> bool {
    let a = u32::from(addr);
    nets.iter().any(|(net, len)| {
        let mask = if *len == 0 { 0 } else { u32::MAX << (32 - len) };
        a & mask == *net & mask
    })
}

fn in_v6(addr: Ipv6Addr, nets: &[(u128, u32)]) -> bool {
    let a = u128::from(addr);
    nets.iter().any(|(net, len)| {
        let mask = if *len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        a & mask == *net & mask
    })
}

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from_be_bytes([a, b, c, d])
}

/// Python 3.11's `IPv4Address.is_private` table.
const V4_PRIVATE: &[(u32, u32)] = &[
    (v4(0, 0, 0, 0), 8),
    (v4(10, 0, 0, 0), 8),
    (v4(127, 0, 0, 0), 8),
    (v4(169, 254, 0, 0), 16),
    (v4(172, 16, 0, 0), 12),
    (v4(192, 0, 0, 0), 29),
    (v4(192, 0, 0, 170), 31),
    (v4(192, 0, 2, 0), 24),
    (v4(192, 168, 0, 0), 16),
    (v4(198, 18, 0, 0), 15),
    (v4(198, 51, 100, 0), 24),
    (v4(203, 0, 113, 0), 24),
    (v4(240, 0, 0, 0), 4),
    (v4(255, 255, 255, 255), 32),
];

/// Python 3.11's `IPv6Address.is_private` table.
const V6_PRIVATE: &[(u128, u32)] = &[
    (1, 128),
    (0, 128),
    (0xffff_0000_0000, 96),
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64),
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23),
    (0x2001_0002_0000_0000_0000_0000_0000_0000, 48),
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32),
    (0x2001_0010_0000_0000_0000_0000_0000_0000, 28),
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10),
];

fn has_option(ip: IpAddr, option: &str) -> Option<bool> {
    Some(match (option, ip) {
        ("private", IpAddr::V4(a)) => in_v4(a, V4_PRIVATE),
        ("private", IpAddr::V6(a)) => in_v6(a, V6_PRIVATE),
        ("global" | "public", ip) => !has_option(ip, "private")?,
        ("multicast", ip) => ip.is_multicast(),
        ("loopback" | "lo", ip) => ip.is_loopback(),
        ("unspecified", ip) => ip.is_unspecified(),
        ("link-local" | "linklocal" | "ll" | "link_local", IpAddr::V4(a)) => a.is_link_local(),
        ("link-local" | "linklocal" | "ll" | "link_local", IpAddr::V6(a)) => {
            in_v6(a, &[(0xfe80 << 112, 10)])
        }
        ("reserved", IpAddr::V4(a)) => in_v4(a, &[(v4(240, 0, 0, 0), 4)]),
        ("reserved", IpAddr::V6(a)) => in_v6(
            a,
            &[
                (0, 8),
                (0x0200 << 112, 7),
                (0x0400 << 112, 6),
                (0x0800 << 112, 5),
                (0x1000 << 112, 4),
                (0x4000 << 112, 3),
                (0x6000 << 112, 3),
                (0x8000 << 112, 3),
                (0xa000 << 112, 3),
                (0xc000 << 112, 3),
                (0xe000 << 112, 4),
                (0xf000 << 112, 5),
                (0xf800 << 112, 6),
                (0xfe00 << 112, 9),
            ],
        ),
        ("site-local" | "sl" | "site_local", IpAddr::V6(a)) => in_v6(a, &[(0xfec0 << 112, 10)]),
        ("site-local" | "sl" | "site_local", IpAddr::V4(_)) => false,
        _ => return None,
    })
}

/// Salt's `_is_ipv`: the address's text if it has the version and every
/// requested option.
fn check(text: &str, version: u8, options: Option<&str>) -> Option<String> {
    let parsed = parse(text)?;
    let matches_version = matches!(
        (version, parsed.addr),
        (4, IpAddr::V4(_)) | (6, IpAddr::V6(_))
    );
    if !matches_version {
        return None;
    }
    for option in options
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        // Unknown options are ignored, as in Salt.
        if has_option(parsed.addr, option) == Some(false) {
            return None;
        }
    }
    Some(parsed.text)
}

fn is_version(value: &Value, version: Option<u8>, options: Option<&str>) -> bool {
    let text = py_str(value);
    match version {
        Some(v) => check(&text, v, options).is_some(),
        None => check(&text, 4, options).is_some() || check(&text, 6, options).is_some(),
    }
}

/// `ipv4`/`ipv6`: a string gives its text or None; a list keeps its
/// matching items.
fn filter(value: &Value, versions: &[u8], options: Option<&str>) -> Value {
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => {
            let mut out = Vec::new();
            for &version in versions {
                for item in value.try_iter().into_iter().flatten() {
                    if let Some(text) = check(&py_str(&item), version, options) {
                        out.push(Value::from(text));
                    }
                }
            }
            Value::from_object(MutList::new(out))
        }
        _ => versions
            .iter()
            .find_map(|&v| check(&py_str(value), v, options))
            .map(Value::from)
            .unwrap_or(Value::from(())),
    }
}

/// `ipaddr`: IPv4 matches, then IPv6 matches.
fn ipaddr(value: &Value, options: Option<&str>) -> Value {
    filter(value, &[4, 6], options)
}

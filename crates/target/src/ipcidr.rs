//! `-S` / `S@`: a single IP address or a CIDR network, matched against the
//! minion's `ipv4` or `ipv6` grain, with Python `ipaddress` parsing rules
//! (no leading zeros in IPv4 octets; a network must not have host bits set;
//! an IPv4 prefix may be given as a netmask or hostmask).
//!
//! As in Salt, a single address matches when its canonical text is one of
//! the grain's strings, while a network matches when any grain address is
//! inside it.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IpTarget {
    /// Canonical text as Python's `str(ip_address(...))` writes it.
    Addr { v6: bool, text: String },
    /// An IPv4 network is held in the low 32 bits.
    Net { v6: bool, bits: u128, prefix: u8 },
}

impl IpTarget {
    /// Parses like `ip_address(s)`, falling back to `ip_network(s)` (strict).
    pub(crate) fn parse(s: &str) -> Result<IpTarget, String> {
        if let Some(v4) = parse_v4(s) {
            return Ok(IpTarget::Addr {
                v6: false,
                text: v4.to_string(),
            });
        }
        if let Some((v6, scope)) = parse_v6_with_scope(s) {
            let mut text = py_ipv6_str(v6);
            if let Some(scope) = scope {
                text.push('%');
                text.push_str(scope);
            }
            return Ok(IpTarget::Addr { v6: true, text });
        }
        let not_ip = || format!("{s:?} is not an IP address or CIDR network");
        let (addr, mask) = match s.split_once('/') {
            Some((_, mask)) if mask.contains('/') => return Err(not_ip()),
            Some((addr, mask)) => (addr, Some(mask)),
            None => (s, None),
        };
        let (v6, bits, max) = if let Some(v4) = parse_v4(addr) {
            (false, u32::from(v4) as u128, 32)
        } else if let Some(v6) = addr
            .parse::<Ipv6Addr>()
            .ok()
            .filter(|_| !addr.contains('%'))
        {
            (true, u128::from(v6), 128)
        } else {
            return Err(not_ip());
        };
        let prefix = match mask {
            None => max,
            Some(m) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) => {
                match m.parse::<u8>() {
                    Ok(p) if p <= max => p,
                    _ => return Err(not_ip()),
                }
            }
            Some(m) if !v6 => prefix_from_mask(m).ok_or_else(not_ip)?,
            Some(_) => return Err(not_ip()),
        };
        if bits & !mask_bits(v6, prefix) != 0 {
            return Err(format!("{s:?} has host bits set"));
        }
        Ok(IpTarget::Net { v6, bits, prefix })
    }

    /// Whether the minion's `ipv4`/`ipv6` grain matches.
    pub(crate) fn matches(&self, grains: &Value) -> bool {
        let v6 = match self {
            IpTarget::Addr { v6, .. } | IpTarget::Net { v6, .. } => *v6,
        };
        let Some(addrs) = grains.get(if v6 { "ipv6" } else { "ipv4" }) else {
            return false;
        };
        match self {
            // Python's `str(tgt) in grains[proto]`.
            IpTarget::Addr { text, .. } => match addrs {
                Value::Array(items) => items.iter().any(|item| item.as_str() == Some(text)),
                Value::String(s) => s.contains(text.as_str()),
                Value::Object(map) => map.contains_key(text.as_str()),
                _ => false,
            },
            IpTarget::Net { bits, prefix, .. } => {
                let mask = mask_bits(v6, *prefix);
                let inside = |item: &Value| {
                    item.as_str()
                        .and_then(|s| parse_addr_bits(s, v6))
                        .is_some_and(|a| a & mask == *bits)
                };
                match addrs {
                    Value::Array(items) => items.iter().any(inside),
                    single => inside(single),
                }
            }
        }
    }
}

fn mask_bits(v6: bool, prefix: u8) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let all: u128 = if v6 { u128::MAX } else { u32::MAX as u128 };
    if prefix == 0 {
        0
    } else {
        all & (all << (width - prefix as u32))
    }
}

/// An address of the given family as bits; addresses of the other family
/// (and anything unparsable, which would make Salt raise) are `None`.
fn parse_addr_bits(s: &str, v6: bool) -> Option<u128> {
    if v6 {
        parse_v6_with_scope(s).map(|(a, _)| u128::from(a))
    } else {
        parse_v4(s).map(|a| u32::from(a) as u128)
    }
}

/// Python's IPv4 rules: four decimal octets of 1 to 3 ASCII digits, no
/// leading zero, each at most 255.
fn parse_v4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// An IPv6 address with an optional non-empty `%scope`.
fn parse_v6_with_scope(s: &str) -> Option<(Ipv6Addr, Option<&str>)> {
    let (addr, scope) = match s.split_once('%') {
        Some((_, scope)) if scope.is_empty() || scope.contains('%') => return None,
        Some((addr, scope)) => (addr, Some(scope)),
        None => (s, None),
    };
    Some((addr.parse().ok()?, scope))
}

/// Python's `str()` of an IPv6 address: lowercase hex, the longest run
/// (the first, on a tie) of two or more zero groups compressed to `::`, and
/// no dotted-quad tail even for IPv4-mapped addresses.
fn py_ipv6_str(addr: Ipv6Addr) -> String {
    let segments = addr.segments();
    let (mut best_start, mut best_len) = (0, 0);
    let mut i = 0;
    while i < 8 {
        if segments[i] == 0 {
            let start = i;
            while i < 8 && segments[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best_start, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let hex = |groups: &[u16]| {
        groups
            .iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len > 1 {
        format!(
            "{}::{}",
            hex(&segments[..best_start]),
            hex(&segments[best_start + best_len..])
        )
    } else {
        hex(&segments)
    }
}

/// An IPv4 netmask (`255.0.0.0`) or hostmask (`0.255.255.255`) as a prefix
/// length, netmask first, as Python tries them.
fn prefix_from_mask(mask: &str) -> Option<u8> {
    let bits = u32::from(parse_v4(mask)?);
    let prefix_of = |m: u32| -> Option<u8> {
        let ones = m.leading_ones();
        (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
    };
    prefix_of(bits).or_else(|| prefix_of(!bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_like_python_ipaddress() {
        assert_eq!(
            IpTarget::parse("10.0.0.1"),
            Ok(IpTarget::Addr {
                v6: false,
                text: "10.0.0.1".into()
            })
        );
        assert_eq!(
            IpTarget::parse("2001:DB8:0:0:1:0:0:1"),
            Ok(IpTarget::Addr {
                v6: true,
                text: "2001:db8::1:0:0:1".into()
            })
        );
        assert_eq!(
            IpTarget::parse("::ffff:1.2.3.4"),
            Ok(IpTarget::Addr {
                v6: true,
                text: "::ffff:102:304".into()
            })
        );
        assert_eq!(
            IpTarget::parse("fe80::1%eth0"),
            Ok(IpTarget::Addr {
                v6: true,
                text: "fe80::1%eth0".into()
            })
        );
        assert_eq!(
            IpTarget::parse("10.0.0.0/255.0.0.0"),
            Ok(IpTarget::Net {
                v6: false,
                bits: 0x0a00_0000,
                prefix: 8
            })
        );
        assert_eq!(
            IpTarget::parse("10.0.0.0/0.255.255.255"),
            IpTarget::parse("10.0.0.0/8")
        );
        assert_eq!(
            IpTarget::parse("10.0.0.0/08"),
            IpTarget::parse("10.0.0.0/8")
        );
        assert_eq!(
            IpTarget::parse("0.0.0.0/0"),
            Ok(IpTarget::Net {
                v6: false,
                bits: 0,
                prefix: 0
            })
        );
        for bad in [
            "01.2.3.4",
            "1.2.3",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            " 10.0.0.0/8",
            "10.0.0.0/255.0.255.0",
            "x",
            "fe80::%",
        ] {
            assert!(IpTarget::parse(bad).is_err(), "{bad} parsed");
        }
        assert_eq!(
            IpTarget::parse("10.0.0.1/8"),
            Err("\"10.0.0.1/8\" has host bits set".into())
        );
    }

    #[test]
    fn address_matches_grain_text_and_network_matches_membership() {
        let grains = json!({"ipv4": ["127.0.0.1", "10.1.2.3"], "ipv6": ["::1", "2001:db8::5"]});
        assert!(IpTarget::parse("10.1.2.3").unwrap().matches(&grains));
        assert!(!IpTarget::parse("10.1.2.4").unwrap().matches(&grains));
        assert!(IpTarget::parse("10.0.0.0/8").unwrap().matches(&grains));
        assert!(!IpTarget::parse("192.168.0.0/16").unwrap().matches(&grains));
        assert!(IpTarget::parse("2001:db8::/32").unwrap().matches(&grains));
        assert!(IpTarget::parse("2001:DB8:0::5").unwrap().matches(&grains));
        assert!(IpTarget::parse("0.0.0.0/0").unwrap().matches(&grains));
        assert!(
            !IpTarget::parse("0.0.0.0/0")
                .unwrap()
                .matches(&json!({"ipv6": ["::1"]}))
        );
        assert!(
            IpTarget::parse("::/0")
                .unwrap()
                .matches(&json!({"ipv6": "::1"}))
        );
    }
}

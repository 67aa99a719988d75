//! Network configuration grains: default gateways (`ip_gw`, `ip4_gw`,
//! `ip6_gw`, from the kernel's route tables rather than `ip route show`)
//! and the resolver configuration (`dns`, Salt's
//! `salt.utils.dns.parse_resolv`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value, json};

/// A default route: its gateway, or `None` for a device route
/// (`default dev tun0`), which Salt reports as `true`.
type DefaultRoute = Option<IpAddr>;

/// The first IPv4 default route in `/proc/net/route` text.
pub fn ipv4_default_route(route_table: &str) -> Option<DefaultRoute> {
    const RTF_UP: u32 = 0x1;
    const RTF_GATEWAY: u32 = 0x2;
    route_table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let hex = |i: usize| cols.get(i).and_then(|c| u32::from_str_radix(c, 16).ok());
        let (dest, gateway, flags, mask) = (hex(1)?, hex(2)?, hex(3)?, hex(7)?);
        if dest != 0 || mask != 0 || flags & RTF_UP == 0 {
            return None;
        }
        // The kernel prints the network-order address as a native u32.
        let gw = Ipv4Addr::from(gateway.to_ne_bytes());
        Some((flags & RTF_GATEWAY != 0).then_some(IpAddr::V4(gw)))
    })
}

/// The first IPv6 default route in `/proc/net/ipv6_route` text, skipping
/// the kernel's unreachable placeholder.
pub fn ipv6_default_route(route_table: &str) -> Option<DefaultRoute> {
    const RTF_GATEWAY: u32 = 0x2;
    const RTF_REJECT: u32 = 0x200;
    route_table.lines().find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 10 || cols[0] != "0".repeat(32) || cols[1] != "00" {
            return None;
        }
        let flags = u32::from_str_radix(cols[8], 16).ok()?;
        if flags & RTF_REJECT != 0 {
            return None;
        }
        let gw = u128::from_str_radix(cols[4], 16).ok()?;
        Some((flags & RTF_GATEWAY != 0).then_some(IpAddr::V6(Ipv6Addr::from(gw))))
    })
}

/// Salt's `default_gateway` grains.
pub fn insert_gateway_grains(grains: &mut Map<String, Value>) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let as_grain = |route: Option<DefaultRoute>| match route {
        None => Value::Bool(false),
        Some(None) => Value::Bool(true),
        Some(Some(ip)) => Value::String(ip.to_string()),
    };
    let v4 = ipv4_default_route(&read("/proc/net/route"));
    let v6 = ipv6_default_route(&read("/proc/net/ipv6_route"));
    grains.insert("ip_gw".into(), (v4.is_some() || v6.is_some()).into());
    grains.insert("ip4_gw".into(), as_grain(v4));
    grains.insert("ip6_gw".into(), as_grain(v6));
}

/// Salt's `parse_resolv`: the `dns` grain.
pub fn parse_resolv(text: &str) -> Value {
    let mut nameservers: Vec<String> = Vec::new();
    let mut ip4: Vec<String> = Vec::new();
    let mut ip6: Vec<String> = Vec::new();
    let mut search: Vec<String> = Vec::new();
    let mut sortlist: Vec<String> = Vec::new();
    let mut domain = String::new();
    let mut options: Vec<String> = Vec::new();
    let push_unique = |list: &mut Vec<String>, v: String| {
        if !list.contains(&v) {
            list.push(v);
        }
    };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(directive) = words.next() else {
            continue;
        };
        // Everything from a word starting with # or ; is a comment.
        let args: Vec<&str> = words.take_while(|w| !w.starts_with(['#', ';'])).collect();
        let Some(first) = args.first() else { continue };
        match directive.to_lowercase().as_str() {
            "nameserver" => {
                // Python's ipaddress accepts an IPv6 zone ("fe80::1%eth0").
                let (addr, zone) = match first.split_once('%') {
                    Some((a, z)) => (a, Some(z)),
                    None => (*first, None),
                };
                match addr.parse::<IpAddr>() {
                    Ok(IpAddr::V4(v4)) if zone.is_none() => {
                        push_unique(&mut nameservers, v4.to_string());
                        push_unique(&mut ip4, v4.to_string());
                    }
                    Ok(IpAddr::V6(v6)) => {
                        let text = match zone {
                            Some(z) => format!("{v6}%{z}"),
                            None => v6.to_string(),
                        };
                        push_unique(&mut nameservers, text.clone());
                        push_unique(&mut ip6, text);
                    }
                    _ => {}
                }
            }
            "domain" => domain = (*first).to_owned(),
            "search" => search = args.iter().map(|s| (*s).to_owned()).collect(),
            "sortlist" => {
                for raw in &args {
                    if let Some(net) = sortlist_entry(raw) {
                        push_unique(&mut sortlist, net);
                    }
                }
            }
            "options" => push_unique(&mut options, (*first).to_owned()),
            _ => {}
        }
    }
    json!({
        "nameservers": nameservers,
        "ip4_nameservers": ip4,
        "ip6_nameservers": ip6,
        "sortlist": sortlist,
        "domain": domain,
        "search": search,
        "options": options,
    })
}

/// An IPv4 sortlist entry as `network/netmask`; a bare address gets its
/// class's natural mask. Entries Python's `ip_network` rejects (host bits
/// set) are dropped.
fn sortlist_entry(raw: &str) -> Option<String> {
    let (addr, mask) = match raw.split_once('/') {
        Some((a, m)) => {
            let addr: Ipv4Addr = a.parse().ok()?;
            let mask = match m.parse::<u8>() {
                Ok(bits) if bits <= 32 => crate::net::prefix_to_netmask(bits),
                _ => m.parse::<Ipv4Addr>().ok()?,
            };
            (addr, mask)
        }
        None => {
            let addr: Ipv4Addr = raw.parse().ok()?;
            let natural = match addr.octets()[0] {
                0..=127 => 8,
                128..=191 => 16,
                _ => 24,
            };
            (addr, crate::net::prefix_to_netmask(natural))
        }
    };
    let network = u32::from(addr) & u32::from(mask);
    if raw.contains('/') && network != u32::from(addr) {
        return None;
    }
    Some(format!("{}/{}", Ipv4Addr::from(network), mask))
}

/// Salt prefers systemd-resolved's upstream list when it exists.
pub fn insert_dns_grain(grains: &mut Map<String, Value>) {
    let text = std::fs::read_to_string("/run/systemd/resolve/resolv.conf")
        .or_else(|_| std::fs::read_to_string("/etc/resolv.conf"));
    if let Ok(text) = text {
        grains.insert("dns".into(), parse_resolv(&text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The fixture is a dump from a little-endian host.
    #[cfg(target_endian = "little")]
    #[test]
    fn ipv4_default_route_from_proc() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                     eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";
        assert_eq!(
            ipv4_default_route(table),
            Some(Some("192.0.2.1".parse().unwrap()))
        );
        let dev_only = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\n";
        assert_eq!(ipv4_default_route(dev_only), Some(None));
        assert_eq!(ipv4_default_route("header only\n"), None);
    }

    #[test]
    fn ipv6_default_route_skips_reject() {
        let zero = "0".repeat(32);
        let table = format!(
            "{zero} 00 {zero} 00 {zero} ffffffff 00000001 00000000 00200200       lo\n\
             {zero} 00 {zero} 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
        );
        assert_eq!(
            ipv6_default_route(&table),
            Some(Some("fd00::1".parse().unwrap()))
        );
    }

    #[test]
    fn resolv_conf_like_salt() {
        let dns = parse_resolv(
            "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver bogus\n\
             search a.example b.example # trailing\noptions ndots:2\nsortlist 130.155.160.0/255.255.240.0 130.155.0.0 10.1.1.1/8\n",
        );
        assert_eq!(dns["nameservers"], json!(["10.0.0.2", "fe80::1%eth0"]));
        assert_eq!(dns["ip4_nameservers"], json!(["10.0.0.2"]));
        assert_eq!(dns["ip6_nameservers"], json!(["fe80::1%eth0"]));
        assert_eq!(dns["search"], json!(["a.example", "b.example"]));
        assert_eq!(dns["options"], json!(["ndots:2"]));
        assert_eq!(
            dns["sortlist"],
            json!(["130.155.160.0/255.255.240.0", "130.155.0.0/255.255.0.0"])
        );
        assert_eq!(dns["domain"], json!(""));
    }

    #[test]
    fn this_hosts_gateway_agrees_with_ip_route() {
        let mut grains = Map::new();
        insert_gateway_grains(&mut grains);
        let Ok(out) = std::process::Command::new("ip")
            .args(["-4", "route", "show"])
            .output()
        else {
            println!("no ip command; gateway grains: {:?}", grains.get("ip4_gw"));
            assert!(grains.contains_key("ip_gw"));
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let expected = match text.lines().find(|l| l.starts_with("default")) {
            None => json!(false),
            Some(l) => {
                let cols: Vec<&str> = l.split_whitespace().collect();
                if cols.get(1) == Some(&"via") {
                    json!(cols[2])
                } else {
                    json!(true)
                }
            }
        };
        assert_eq!(grains["ip4_gw"], expected);
    }
}

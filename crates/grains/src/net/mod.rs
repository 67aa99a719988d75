//! Network interfaces in Salt's terms: the model `network.interfaces`
//! returns and the `ip*_interfaces`, `hwaddr_interfaces`, `ipv4` and `ipv6`
//! grains built from it.
//!
//! Salt builds this by parsing `ip link show` + `ip addr show`
//! (`salt.utils.network._interfaces_ip`); we read the same data from
//! rtnetlink and reproduce what that parser makes of `ip`'s text:
//! IPv4 netmasks as dotted quads, IPv6 prefix lengths as strings,
//! secondary IPv4 addresses under `secondary`, an absent `broadcast` as
//! `null`.

mod netlink;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value, json};

/// Why the interfaces could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("netlink {op} failed: {errno}")]
    Netlink {
        op: &'static str,
        errno: nix::errno::Errno,
    },
    #[error("malformed netlink reply: {0}")]
    Malformed(&'static str),
}

/// One network interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    /// `IFF_UP`: administratively up (`UP` in `ip link`'s flags).
    pub up: bool,
    /// As `ip` prints it: colon hex, or an IP for IP-in-IP tunnels.
    pub hwaddr: Option<String>,
    /// The lower device of a VLAN, veth, macvlan ... (`eth0@if12`).
    pub parent: Option<String>,
    /// Primary IPv4 addresses.
    pub inet: Vec<Inet>,
    pub inet6: Vec<Inet6>,
    /// Secondary IPv4 addresses (same subnet as a primary one).
    pub secondary: Vec<Inet>,
}

/// An IPv4 address of an interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Inet {
    pub address: Ipv4Addr,
    pub prefixlen: u8,
    /// What Salt reports: the prefix as a mask, or 255.255.255.255 for a
    /// point-to-point address (`ip` prints those without a prefix).
    pub netmask: Ipv4Addr,
    pub broadcast: Option<Ipv4Addr>,
    pub label: String,
}

/// An IPv6 address of an interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Inet6 {
    pub address: Ipv6Addr,
    pub prefixlen: u8,
    /// `global`, `link`, `host`, `site` ... as `ip` names the scope.
    pub scope: String,
}

/// Lists the host's interfaces in `ip link` order (by index).
pub fn interfaces() -> Result<Vec<Interface>, NetError> {
    let (links, addrs) = netlink::dump()?;
    Ok(build(&links, &addrs))
}

fn build(links: &[netlink::RawLink], addrs: &[netlink::RawAddr]) -> Vec<Interface> {
    let mut out: Vec<Interface> = links
        .iter()
        .map(|link| Interface {
            name: link.name.clone(),
            index: link.index,
            up: link.flags & libc::IFF_UP as u32 != 0,
            hwaddr: link
                .address
                .as_deref()
                .and_then(|a| format_hwaddr(link.hw_type, a)),
            parent: link
                .link
                .map(|lower| parent_name(lower, link.link_in_other_netns, links)),
            inet: Vec::new(),
            inet6: Vec::new(),
            secondary: Vec::new(),
        })
        .collect();
    out.sort_by_key(|i| i.index);
    for addr in addrs {
        let Some(iface) = out.iter_mut().find(|i| i.index == addr.index) else {
            continue;
        };
        match i32::from(addr.family) {
            libc::AF_INET => {
                let Some(inet) = to_inet(addr, &iface.name) else {
                    continue;
                };
                if addr.flags & libc::IFA_F_SECONDARY != 0 {
                    iface.secondary.push(inet);
                } else {
                    iface.inet.push(inet);
                }
            }
            libc::AF_INET6 => {
                // For IPv6 the "secondary" bit means "temporary"; `ip` prints
                // it as such and Salt lists the address normally.
                let Some(bytes) = addr.local.as_deref().or(addr.address.as_deref()) else {
                    continue;
                };
                let Ok(octets) = <[u8; 16]>::try_from(bytes) else {
                    continue;
                };
                iface.inet6.push(Inet6 {
                    address: Ipv6Addr::from(octets),
                    prefixlen: addr.prefixlen,
                    scope: scope_name(addr.scope),
                });
            }
            _ => {}
        }
    }
    out
}

fn to_inet(addr: &netlink::RawAddr, ifname: &str) -> Option<Inet> {
    let v4 = |b: &[u8]| <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from);
    let local = addr.local.as_deref().and_then(v4);
    let peer = addr.address.as_deref().and_then(v4);
    let address = local.or(peer)?;
    let point_to_point = local.is_some() && peer.is_some() && local != peer;
    let netmask = if point_to_point {
        Ipv4Addr::BROADCAST
    } else {
        prefix_to_netmask(addr.prefixlen)
    };
    Some(Inet {
        address,
        prefixlen: addr.prefixlen,
        netmask,
        broadcast: addr.broadcast.as_deref().and_then(v4),
        label: addr.label.clone().unwrap_or_else(|| ifname.to_owned()),
    })
}

/// How `ip` names the lower device after the `@`.
fn parent_name(lower: u32, other_netns: bool, links: &[netlink::RawLink]) -> String {
    if lower == 0 {
        return "NONE".to_owned();
    }
    if !other_netns && let Some(link) = links.iter().find(|l| l.index == lower) {
        return link.name.clone();
    }
    format!("if{lower}")
}

/// iproute2's `ll_addr_n2a`: tunnels carry an IP as their link address.
fn format_hwaddr(hw_type: u16, addr: &[u8]) -> Option<String> {
    if addr.is_empty() {
        return None;
    }
    const TUNNELS4: [u16; 3] = [libc::ARPHRD_TUNNEL, libc::ARPHRD_SIT, libc::ARPHRD_IPGRE];
    // ARPHRD_IP6GRE (823) is missing from the libc crate.
    const TUNNELS6: [u16; 2] = [libc::ARPHRD_TUNNEL6, 823];
    if let Ok(v4) = <[u8; 4]>::try_from(addr)
        && TUNNELS4.contains(&hw_type)
    {
        return Some(Ipv4Addr::from(v4).to_string());
    }
    if let Ok(v6) = <[u8; 16]>::try_from(addr)
        && TUNNELS6.contains(&hw_type)
    {
        return Some(Ipv6Addr::from(v6).to_string());
    }
    Some(
        addr.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// iproute2's names for `rt_scope_t`.
fn scope_name(scope: u8) -> String {
    match scope {
        0 => "global".to_owned(),
        200 => "site".to_owned(),
        253 => "link".to_owned(),
        254 => "host".to_owned(),
        255 => "nowhere".to_owned(),
        other => other.to_string(),
    }
}

/// `/24` -> `255.255.255.0`.
pub fn prefix_to_netmask(prefixlen: u8) -> Ipv4Addr {
    let bits = u32::from(prefixlen.min(32));
    Ipv4Addr::from(if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    })
}

impl Interface {
    /// Salt's `network.interfaces` entry for this interface.
    pub fn to_salt_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("up".into(), self.up.into());
        if let Some(parent) = &self.parent {
            m.insert("parent".into(), parent.clone().into());
        }
        if let Some(hw) = &self.hwaddr {
            m.insert("hwaddr".into(), hw.clone().into());
        }
        let inet = |a: &Inet| {
            json!({
                "address": a.address.to_string(),
                "netmask": a.netmask.to_string(),
                "broadcast": a.broadcast.map(|b| b.to_string()),
                "label": a.label,
            })
        };
        if !self.inet.is_empty() {
            m.insert("inet".into(), self.inet.iter().map(inet).collect());
        }
        if !self.secondary.is_empty() {
            let secondary = self
                .secondary
                .iter()
                .map(|a| {
                    json!({
                        "type": "inet",
                        "address": a.address.to_string(),
                        "netmask": a.netmask.to_string(),
                        "broadcast": a.broadcast.map(|b| b.to_string()),
                        "label": a.label,
                    })
                })
                .collect();
            m.insert("secondary".into(), secondary);
        }
        if !self.inet6.is_empty() {
            let inet6 = self
                .inet6
                .iter()
                .map(|a| json!({"address": a.address.to_string(), "prefixlen": a.prefixlen.to_string(), "scope": a.scope}))
                .collect();
            m.insert("inet6".into(), inet6);
        }
        Value::Object(m)
    }

    /// IPv4 addresses, primary then secondary (Salt's `_get_ips(proto="inet")`).
    pub fn ipv4(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.inet.iter().chain(&self.secondary).map(|a| a.address)
    }

    pub fn ipv6(&self) -> impl Iterator<Item = Ipv6Addr> + '_ {
        self.inet6.iter().map(|a| a.address)
    }
}

/// Salt's `network.interfaces` return: interface name to entry.
pub fn interfaces_value(ifaces: &[Interface]) -> Value {
    Value::Object(
        ifaces
            .iter()
            .map(|i| (i.name.clone(), i.to_salt_value()))
            .collect(),
    )
}

/// Salt's `salt.utils.network.ip_addrs`/`ip_addrs6`: unique addresses of
/// the given interfaces, sorted numerically, loopback only when asked.
pub fn sorted_addrs(ifaces: &[&Interface], v6: bool, include_loopback: bool) -> Vec<IpAddr> {
    let mut addrs: Vec<IpAddr> = if v6 {
        ifaces
            .iter()
            .flat_map(|i| i.ipv6())
            .map(IpAddr::V6)
            .collect()
    } else {
        ifaces
            .iter()
            .flat_map(|i| i.ipv4())
            .map(IpAddr::V4)
            .collect()
    };
    addrs.retain(|a| include_loopback || !a.is_loopback());
    addrs.sort();
    addrs.dedup();
    addrs
}

/// The grains `ip_interfaces`, `ip4_interfaces`, `ip6_interfaces`,
/// `hwaddr_interfaces`, `ipv4` and `ipv6`.
pub fn insert_grains(ifaces: &[Interface], grains: &mut Map<String, Value>) {
    let per_iface = |f: &dyn Fn(&Interface) -> Vec<String>| -> Value {
        Value::Object(
            ifaces
                .iter()
                .map(|i| (i.name.clone(), f(i).into()))
                .collect(),
        )
    };
    let strings = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>();
    grains.insert(
        "hwaddr_interfaces".into(),
        Value::Object(
            ifaces
                .iter()
                .filter_map(|i| {
                    i.hwaddr
                        .clone()
                        .map(|hw| (i.name.clone(), Value::String(hw)))
                })
                .collect(),
        ),
    );
    grains.insert(
        "ip4_interfaces".into(),
        per_iface(&|i| strings(&mut i.ipv4().map(|a| a.to_string()))),
    );
    grains.insert(
        "ip6_interfaces".into(),
        per_iface(&|i| strings(&mut i.ipv6().map(|a| a.to_string()))),
    );
    grains.insert(
        "ip_interfaces".into(),
        per_iface(&|i| {
            // Salt's order: primary IPv4, IPv6, then secondary addresses.
            let primary = i.inet.iter().map(|a| a.address.to_string());
            let v6 = i.ipv6().map(|a| a.to_string());
            let secondary = i.secondary.iter().map(|a| a.address.to_string());
            primary.chain(v6).chain(secondary).collect()
        }),
    );
    let all: Vec<&Interface> = ifaces.iter().collect();
    let to_strings =
        |addrs: Vec<IpAddr>| Value::from(addrs.iter().map(ToString::to_string).collect::<Vec<_>>());
    grains.insert("ipv4".into(), to_strings(sorted_addrs(&all, false, true)));
    grains.insert("ipv6".into(), to_strings(sorted_addrs(&all, true, true)));
}

#[cfg(test)]
mod tests {
    use super::netlink::{RawAddr, RawLink};
    use super::*;

    fn link(index: u32, name: &str, up: bool, mac: Option<[u8; 6]>) -> RawLink {
        RawLink {
            index,
            name: name.into(),
            flags: if up { libc::IFF_UP as u32 } else { 0 },
            hw_type: libc::ARPHRD_ETHER,
            address: mac.map(|m| m.to_vec()),
            link: None,
            link_in_other_netns: false,
        }
    }

    fn v4(
        index: u32,
        ip: [u8; 4],
        prefix: u8,
        brd: Option<[u8; 4]>,
        flags: u32,
        label: &str,
    ) -> RawAddr {
        RawAddr {
            family: libc::AF_INET as u8,
            prefixlen: prefix,
            flags,
            scope: 0,
            index,
            address: Some(ip.to_vec()),
            local: Some(ip.to_vec()),
            broadcast: brd.map(|b| b.to_vec()),
            label: Some(label.into()),
        }
    }

    fn v6(index: u32, ip: Ipv6Addr, prefix: u8, scope: u8) -> RawAddr {
        RawAddr {
            family: libc::AF_INET6 as u8,
            prefixlen: prefix,
            flags: 0,
            scope,
            index,
            address: Some(ip.octets().to_vec()),
            local: None,
            broadcast: None,
            label: None,
        }
    }

    #[test]
    fn builds_salts_shapes() {
        let mut veth = link(5, "veth0", true, Some([2, 0, 0, 0, 0, 9]));
        veth.link = Some(12);
        veth.link_in_other_netns = true;
        let links = vec![
            link(2, "eth0", true, Some([2, 0xfc, 0, 0, 0, 1])),
            link(1, "lo", true, Some([0; 6])),
            veth,
        ];
        let addrs = vec![
            v4(1, [127, 0, 0, 1], 8, None, 0, "lo"),
            v4(2, [192, 0, 2, 2], 24, Some([192, 0, 2, 255]), 0, "eth0"),
            v4(
                2,
                [192, 0, 2, 3],
                24,
                Some([192, 0, 2, 255]),
                libc::IFA_F_SECONDARY,
                "eth0:1",
            ),
            v6(1, Ipv6Addr::LOCALHOST, 128, 254),
            v6(2, "fe80::1".parse().unwrap(), 64, 253),
            v6(2, "2001:db8::1".parse().unwrap(), 64, 0),
        ];
        let ifaces = build(&links, &addrs);
        assert_eq!(
            ifaces.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["lo", "eth0", "veth0"]
        );
        let value = interfaces_value(&ifaces);
        assert_eq!(
            value["eth0"],
            json!({
                "up": true,
                "hwaddr": "02:fc:00:00:00:01",
                "inet": [{"address": "192.0.2.2", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0"}],
                "secondary": [{"type": "inet", "address": "192.0.2.3", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0:1"}],
                "inet6": [
                    {"address": "fe80::1", "prefixlen": "64", "scope": "link"},
                    {"address": "2001:db8::1", "prefixlen": "64", "scope": "global"}
                ]
            })
        );
        assert_eq!(value["lo"]["inet"][0]["broadcast"], Value::Null);
        assert_eq!(
            value["veth0"],
            json!({"up": true, "parent": "if12", "hwaddr": "02:00:00:00:00:09"})
        );

        let mut grains = Map::new();
        insert_grains(&ifaces, &mut grains);
        assert_eq!(
            grains["ipv4"],
            json!(["127.0.0.1", "192.0.2.2", "192.0.2.3"])
        );
        assert_eq!(grains["ipv6"], json!(["::1", "2001:db8::1", "fe80::1"]));
        assert_eq!(
            grains["ip_interfaces"]["eth0"],
            json!(["192.0.2.2", "fe80::1", "2001:db8::1", "192.0.2.3"])
        );
        assert_eq!(
            grains["ip4_interfaces"]["eth0"],
            json!(["192.0.2.2", "192.0.2.3"])
        );
        assert_eq!(grains["ip4_interfaces"]["veth0"], json!([]));
        assert_eq!(
            grains["hwaddr_interfaces"]["lo"],
            json!("00:00:00:00:00:00")
        );
    }

    #[test]
    fn point_to_point_addresses_get_a_host_mask() {
        let mut addr = v4(1, [10, 0, 0, 1], 24, None, 0, "tun0");
        addr.address = Some(vec![10, 0, 0, 2]);
        let inet = to_inet(&addr, "tun0").unwrap();
        assert_eq!(
            (inet.address, inet.netmask),
            (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::BROADCAST)
        );
    }

    #[test]
    fn hwaddr_formats() {
        assert_eq!(
            format_hwaddr(libc::ARPHRD_SIT, &[0, 0, 0, 0]).as_deref(),
            Some("0.0.0.0")
        );
        assert_eq!(format_hwaddr(libc::ARPHRD_NONE, &[]), None);
        assert_eq!(prefix_to_netmask(0), Ipv4Addr::UNSPECIFIED);
        assert_eq!(prefix_to_netmask(20), Ipv4Addr::new(255, 255, 240, 0));
    }

    #[test]
    fn this_host_matches_proc() {
        let ifaces = interfaces().expect("interfaces");
        // Every interface the kernel lists in /proc/net/dev is reported.
        let proc_dev = std::fs::read_to_string("/proc/net/dev").expect("/proc/net/dev");
        for line in proc_dev.lines().skip(2) {
            let name = line.split(':').next().unwrap_or("").trim();
            assert!(ifaces.iter().any(|i| i.name == name), "{name} missing");
        }
        // Every IPv6 address in /proc/net/if_inet6 is reported on its interface.
        if let Ok(inet6) = std::fs::read_to_string("/proc/net/if_inet6") {
            for line in inet6.lines() {
                let cols: Vec<&str> = line.split_whitespace().collect();
                let hex = cols[0];
                let octets: Vec<u8> = (0..16)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                    .collect();
                let addr = Ipv6Addr::from(<[u8; 16]>::try_from(octets).unwrap());
                let iface = ifaces
                    .iter()
                    .find(|i| i.name == cols[5])
                    .expect("interface of address");
                let entry = iface
                    .inet6
                    .iter()
                    .find(|a| a.address == addr)
                    .expect("address listed");
                assert_eq!(entry.prefixlen, u8::from_str_radix(cols[2], 16).unwrap());
            }
        }
    }
}

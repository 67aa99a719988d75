//! A minimal rtnetlink client: dumps links (`RTM_GETLINK`) and addresses
//! (`RTM_GETADDR`), the same kernel answers `ip link show` and `ip addr show`
//! print, which is what Salt parses. Reading them directly saves two
//! process spawns and gives the flags (`secondary`), scope and label without
//! text parsing.
//!
//! Every length read from the kernel is bounds-checked; a malformed message
//! is an error, never a panic.

use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, bind, recv, send,
    socket,
};

use super::NetError;

const NLMSG_HDRLEN: usize = 16;
const IFINFOMSG_LEN: usize = 16;
const IFADDRMSG_LEN: usize = 8;
const RTATTR_HDRLEN: usize = 4;
/// Large enough for one dump datagram (the kernel sends at most ~32 KiB).
const RECV_BUF_LEN: usize = 64 * 1024;

/// One link as the kernel reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawLink {
    pub index: u32,
    pub name: String,
    /// `IFF_*` flags.
    pub flags: u32,
    /// `ARPHRD_*` hardware type.
    pub hw_type: u16,
    pub address: Option<Vec<u8>>,
    /// `IFLA_LINK`: the lower device's index, when it differs from ours.
    pub link: Option<u32>,
    /// The lower device lives in another network namespace.
    pub link_in_other_netns: bool,
}

/// One address as the kernel reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawAddr {
    pub family: u8,
    pub prefixlen: u8,
    /// `IFA_F_*` flags (the 32-bit `IFA_FLAGS` attribute when present).
    pub flags: u32,
    pub scope: u8,
    pub index: u32,
    pub address: Option<Vec<u8>>,
    pub local: Option<Vec<u8>>,
    pub broadcast: Option<Vec<u8>>,
    pub label: Option<String>,
}

/// Dumps all links and all addresses over one netlink socket.
pub(crate) fn dump() -> Result<(Vec<RawLink>, Vec<RawAddr>), NetError> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )
    .map_err(|e| NetError::Netlink {
        op: "socket",
        errno: e,
    })?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0)).map_err(|e| NetError::Netlink {
        op: "bind",
        errno: e,
    })?;

    let mut links = Vec::new();
    request(
        &fd,
        libc::RTM_GETLINK,
        1,
        IFINFOMSG_LEN,
        |msg_type, payload| {
            if msg_type == libc::RTM_NEWLINK {
                links.push(parse_link(payload)?);
            }
            Ok(())
        },
    )?;
    let mut addrs = Vec::new();
    request(
        &fd,
        libc::RTM_GETADDR,
        2,
        IFADDRMSG_LEN,
        |msg_type, payload| {
            if msg_type == libc::RTM_NEWADDR {
                addrs.push(parse_addr(payload)?);
            }
            Ok(())
        },
    )?;
    Ok((links, addrs))
}

/// Sends one dump request (family `AF_UNSPEC`, a zeroed header of
/// `header_len` bytes) and feeds each answer to `on_message` until
/// `NLMSG_DONE`.
fn request(
    fd: &OwnedFd,
    msg_type: u16,
    seq: u32,
    header_len: usize,
    mut on_message: impl FnMut(u16, &[u8]) -> Result<(), NetError>,
) -> Result<(), NetError> {
    let total = NLMSG_HDRLEN + header_len;
    let mut req = Vec::with_capacity(total);
    req.extend_from_slice(&(total as u32).to_ne_bytes());
    req.extend_from_slice(&msg_type.to_ne_bytes());
    req.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16).to_ne_bytes());
    req.extend_from_slice(&seq.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.resize(total, 0);
    send(fd.as_raw_fd(), &req, MsgFlags::empty()).map_err(|e| NetError::Netlink {
        op: "send",
        errno: e,
    })?;

    let mut buf = vec![0u8; RECV_BUF_LEN];
    loop {
        let n = match recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => {
                return Err(NetError::Netlink {
                    op: "recv",
                    errno: e,
                });
            }
        };
        if n == 0 {
            return Err(NetError::Malformed("netlink socket closed during a dump"));
        }
        let mut data = &buf[..n];
        while data.len() >= NLMSG_HDRLEN {
            let len = read_u32(data, 0)? as usize;
            let kind = read_u16(data, 4)?;
            let msg_seq = read_u32(data, 8)?;
            if len < NLMSG_HDRLEN || len > data.len() {
                return Err(NetError::Malformed("netlink message length out of range"));
            }
            let payload = &data[NLMSG_HDRLEN..len];
            if msg_seq == seq {
                match kind {
                    k if k == libc::NLMSG_DONE as u16 => return Ok(()),
                    k if k == libc::NLMSG_ERROR as u16 => {
                        let code = read_u32(payload, 0)? as i32;
                        if code != 0 {
                            return Err(NetError::Netlink {
                                op: "dump",
                                errno: Errno::from_raw(-code),
                            });
                        }
                    }
                    k => on_message(k, payload)?,
                }
            }
            data = data.get(align(len)..).unwrap_or(&[]);
        }
    }
}

fn parse_link(payload: &[u8]) -> Result<RawLink, NetError> {
    let hw_type = read_u16(payload, 2)?;
    let index = read_u32(payload, 4)?;
    let flags = read_u32(payload, 8)?;
    let mut link = RawLink {
        index,
        name: String::new(),
        flags,
        hw_type,
        address: None,
        link: None,
        link_in_other_netns: false,
    };
    for (kind, value) in attributes(payload.get(IFINFOMSG_LEN..).unwrap_or(&[]))? {
        match kind {
            libc::IFLA_IFNAME => link.name = c_string(value),
            libc::IFLA_ADDRESS => link.address = Some(value.to_vec()),
            libc::IFLA_LINK => link.link = Some(read_u32(value, 0)?),
            libc::IFLA_LINK_NETNSID => link.link_in_other_netns = true,
            _ => {}
        }
    }
    Ok(link)
}

fn parse_addr(payload: &[u8]) -> Result<RawAddr, NetError> {
    let header = payload
        .get(..IFADDRMSG_LEN)
        .ok_or(NetError::Malformed("short address message"))?;
    let mut addr = RawAddr {
        family: header[0],
        prefixlen: header[1],
        flags: u32::from(header[2]),
        scope: header[3],
        index: read_u32(header, 4)?,
        address: None,
        local: None,
        broadcast: None,
        label: None,
    };
    for (kind, value) in attributes(&payload[IFADDRMSG_LEN..])? {
        match kind {
            libc::IFA_ADDRESS => addr.address = Some(value.to_vec()),
            libc::IFA_LOCAL => addr.local = Some(value.to_vec()),
            libc::IFA_BROADCAST => addr.broadcast = Some(value.to_vec()),
            libc::IFA_LABEL => addr.label = Some(c_string(value)),
            libc::IFA_FLAGS => addr.flags = read_u32(value, 0)?,
            _ => {}
        }
    }
    Ok(addr)
}

/// Splits a run of `rtattr`s into `(type, value)` pairs.
fn attributes(mut data: &[u8]) -> Result<Vec<(u16, &[u8])>, NetError> {
    let mut out = Vec::new();
    while data.len() >= RTATTR_HDRLEN {
        let len = usize::from(read_u16(data, 0)?);
        // The top bits of the type are the nested/byte-order flags.
        let kind = read_u16(data, 2)? & 0x3fff;
        if len < RTATTR_HDRLEN || len > data.len() {
            return Err(NetError::Malformed("netlink attribute length out of range"));
        }
        out.push((kind, &data[RTATTR_HDRLEN..len]));
        data = data.get(align(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

fn align(len: usize) -> usize {
    (len + 3) & !3
}

fn read_u16(data: &[u8], at: usize) -> Result<u16, NetError> {
    data.get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_ne_bytes)
        .ok_or(NetError::Malformed("netlink message too short"))
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, NetError> {
    data.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_ne_bytes)
        .ok_or(NetError::Malformed("netlink message too short"))
}

/// A NUL-terminated attribute as a string.
fn c_string(value: &[u8]) -> String {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8_lossy(&value[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&((RTATTR_HDRLEN + value.len()) as u16).to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(value);
        out.resize(align(out.len()), 0);
        out
    }

    #[test]
    fn parses_an_address_message() {
        let mut msg = vec![libc::AF_INET as u8, 24, 0x01, 0];
        msg.extend_from_slice(&4u32.to_ne_bytes());
        msg.extend(attr(libc::IFA_ADDRESS, &[192, 0, 2, 9]));
        msg.extend(attr(libc::IFA_LOCAL, &[192, 0, 2, 9]));
        msg.extend(attr(libc::IFA_LABEL, b"eth0:1\0"));
        let addr = parse_addr(&msg).unwrap();
        assert_eq!((addr.prefixlen, addr.flags, addr.index), (24, 1, 4));
        assert_eq!(addr.label.as_deref(), Some("eth0:1"));
        assert_eq!(addr.local.as_deref(), Some(&[192, 0, 2, 9][..]));
    }

    #[test]
    fn truncated_messages_are_errors_not_panics() {
        assert!(parse_addr(&[2, 24]).is_err());
        let mut msg = vec![2, 24, 0, 0, 1, 0, 0, 0];
        // Attribute claims 40 bytes but only 8 follow.
        msg.extend_from_slice(&40u16.to_ne_bytes());
        msg.extend_from_slice(&1u16.to_ne_bytes());
        msg.extend_from_slice(&[1, 2, 3, 4]);
        assert!(parse_addr(&msg).is_err());
        assert!(parse_link(&[0; 3]).is_err());
    }

    #[test]
    fn dumps_this_hosts_loopback() {
        let (links, addrs) = dump().expect("netlink dump");
        let lo = links
            .iter()
            .find(|l| l.name == "lo")
            .expect("lo is always there");
        assert_eq!(lo.hw_type, libc::ARPHRD_LOOPBACK);
        assert!(
            addrs
                .iter()
                .any(|a| a.index == lo.index && a.family == libc::AF_INET as u8)
        );
    }
}

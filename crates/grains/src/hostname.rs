//! Host names: `localhost`, `fqdn`, `host`, `domain`, and the addresses the
//! FQDN resolves to (`fqdn_ip4`, `fqdn_ip6`).
//!
//! Salt resolves synchronously and can hang for the resolver's full timeout
//! on a host whose name is not in DNS. Here all lookups run on a helper
//! thread and the caller waits at most a fixed budget; whatever has not
//! answered by then is reported as unresolved (the FQDN falls back to the
//! host name, the address lists stay empty). A late thread finishes on its
//! own and its answer is dropped.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `gethostname()`, as Python's `socket.gethostname()`.
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The result of resolving the host name.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The canonical name from `getaddrinfo(AI_CANONNAME)`, else the host name.
    pub fqdn: String,
    pub ip4: Vec<Ipv4Addr>,
    pub ip6: Vec<Ipv6Addr>,
}

/// One finished lookup.
enum Answer {
    Fqdn(Option<String>),
    Ip4(Vec<Ipv4Addr>),
    Ip6(Vec<Ipv6Addr>),
}

/// Resolves `hostname` to its FQDN (Salt's `get_fqhostname`), then the FQDN
/// to its IPv4 and IPv6 addresses (Salt's `ip_fqdn`, which only looks up a
/// family the host has addresses in: `want_ip4`, `want_ip6`), giving up
/// after `budget`.
pub fn resolve(hostname: &str, want_ip4: bool, want_ip6: bool, budget: Duration) -> Resolved {
    PendingResolve::start(hostname, want_ip4, want_ip6).wait(Instant::now() + budget)
}

/// Lookups running on a helper thread; [`PendingResolve::wait`] collects
/// what has answered by a deadline.
pub struct PendingResolve {
    hostname: String,
    expected: usize,
    answers: Option<mpsc::Receiver<Answer>>,
}

impl PendingResolve {
    /// Starts the lookups described in [`resolve`].
    pub fn start(hostname: &str, want_ip4: bool, want_ip6: bool) -> PendingResolve {
        let (tx, rx) = mpsc::channel();
        let name = hostname.to_owned();
        let spawned = std::thread::Builder::new()
            .name("grains-resolve".into())
            .spawn(move || {
                let canonical = lookup(&name, libc::AF_UNSPEC, libc::AI_CANONNAME)
                    .ok()
                    .and_then(|(canon, _)| canon);
                let fqdn = canonical.clone().unwrap_or_else(|| name.clone());
                // The receiver is gone after a timeout; nothing to do then.
                let _ = tx.send(Answer::Fqdn(canonical));
                if want_ip4 {
                    let addrs = lookup(&fqdn, libc::AF_INET, 0)
                        .map(|(_, a)| a)
                        .unwrap_or_default();
                    let _ = tx.send(Answer::Ip4(addrs.into_iter().filter_map(as_v4).collect()));
                }
                if want_ip6 {
                    let addrs = lookup(&fqdn, libc::AF_INET6, 0)
                        .map(|(_, a)| a)
                        .unwrap_or_default();
                    let _ = tx.send(Answer::Ip6(addrs.into_iter().filter_map(as_v6).collect()));
                }
            });
        PendingResolve {
            hostname: hostname.to_owned(),
            expected: 1 + usize::from(want_ip4) + usize::from(want_ip6),
            answers: spawned.ok().map(|_| rx),
        }
    }

    /// What has been resolved by `deadline`; the rest counts as unresolved.
    pub fn wait(self, deadline: Instant) -> Resolved {
        let mut resolved = Resolved {
            fqdn: self.hostname,
            ip4: Vec::new(),
            ip6: Vec::new(),
        };
        let Some(rx) = self.answers else {
            return resolved;
        };
        for _ in 0..self.expected {
            let Ok(answer) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                break;
            };
            match answer {
                Answer::Fqdn(Some(fqdn)) => resolved.fqdn = fqdn,
                Answer::Fqdn(None) => {}
                Answer::Ip4(a) => resolved.ip4 = a,
                Answer::Ip6(a) => resolved.ip6 = a,
            }
        }
        resolved
    }
}

fn as_v4(a: IpAddr) -> Option<Ipv4Addr> {
    match a {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(_) => None,
    }
}

fn as_v6(a: IpAddr) -> Option<Ipv6Addr> {
    match a {
        IpAddr::V6(v) => Some(v),
        IpAddr::V4(_) => None,
    }
}

/// Owns a `getaddrinfo` result list and frees it.
struct AddrInfoList(*mut libc::addrinfo);

impl Drop for AddrInfoList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from a successful getaddrinfo call and
            // is freed exactly once, here.
            unsafe { libc::freeaddrinfo(self.0) }
        }
    }
}

/// `getaddrinfo(host, NULL, {family, SOCK_STREAM, flags})`: the canonical
/// name (with `AI_CANONNAME`) and the unique addresses in resolver order.
/// `std::net::ToSocketAddrs` cannot ask for one family or the canonical
/// name, hence the direct call.
fn lookup(
    host: &str,
    family: libc::c_int,
    flags: libc::c_int,
) -> Result<(Option<String>, Vec<IpAddr>), i32> {
    let c_host = CString::new(host).map_err(|_| libc::EAI_NONAME)?;
    // SAFETY: addrinfo is a plain C struct for which all-zero is the
    // documented "no hints" value; we then set the fields we want.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = flags;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: c_host is a valid NUL-terminated string, hints is initialised,
    // res is a valid out-pointer; the result is owned by AddrInfoList.
    let rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, &mut res) };
    let list = AddrInfoList(res);
    if rc != 0 {
        return Err(rc);
    }
    let mut canonical = None;
    let mut addrs: Vec<IpAddr> = Vec::new();
    let mut node = list.0;
    while !node.is_null() {
        // SAFETY: node is either the list head or an ai_next pointer of a
        // live list owned by `list`; getaddrinfo guarantees each is valid.
        let info = unsafe { &*node };
        if canonical.is_none() && !info.ai_canonname.is_null() {
            // SAFETY: ai_canonname is a NUL-terminated string owned by the list.
            let name = unsafe { CStr::from_ptr(info.ai_canonname) }
                .to_string_lossy()
                .into_owned();
            if !name.is_empty() {
                canonical = Some(name);
            }
        }
        if let Some(addr) = sockaddr_ip(info)
            && !addrs.contains(&addr)
        {
            addrs.push(addr);
        }
        node = info.ai_next;
    }
    Ok((canonical, addrs))
}

fn sockaddr_ip(info: &libc::addrinfo) -> Option<IpAddr> {
    if info.ai_addr.is_null() {
        return None;
    }
    let len = info.ai_addrlen as usize;
    match info.ai_family {
        libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says sockaddr_in and the length covers it.
            let sin = unsafe { &*(info.ai_addr as *const libc::sockaddr_in) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family says sockaddr_in6 and the length covers it.
            let sin6 = unsafe { &*(info.ai_addr as *const libc::sockaddr_in6) };
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// Splits the FQDN into Salt's `host` and `domain` (`str.partition(".")`).
pub fn host_and_domain(fqdn: &str) -> (String, String) {
    match fqdn.split_once('.') {
        Some((host, domain)) => (host.to_owned(), domain.to_owned()),
        None => (fqdn.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_resolves_to_loopback() {
        let (_, addrs) = lookup("localhost", libc::AF_INET, 0).expect("localhost resolves");
        assert!(
            addrs.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "{addrs:?}"
        );
    }

    #[test]
    fn unresolvable_names_fall_back_within_budget() {
        // The .invalid TLD never resolves (RFC 2606).
        let r = resolve("no-such-host.invalid", true, true, Duration::from_secs(3));
        assert_eq!(r.fqdn, "no-such-host.invalid");
        assert!(r.ip4.is_empty() && r.ip6.is_empty());
    }

    #[test]
    fn zero_budget_reports_unresolved() {
        let r = resolve("localhost", true, false, Duration::ZERO);
        assert_eq!(r.fqdn, "localhost");
    }

    #[test]
    fn host_and_domain_split_on_first_dot() {
        assert_eq!(
            host_and_domain("web1.example.com"),
            ("web1".into(), "example.com".into())
        );
        assert_eq!(host_and_domain("vm"), ("vm".into(), String::new()));
    }

    #[test]
    fn hostname_matches_uname() {
        let uts = nix::sys::utsname::uname().expect("uname");
        assert_eq!(hostname(), uts.nodename().to_string_lossy());
    }
}

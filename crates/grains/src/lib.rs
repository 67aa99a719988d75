//! Core grains: what a minion knows about its host, under Salt's names and
//! with Salt's values (`salt/grains/core.py` and friends, Salt 3007), read
//! directly from `/proc`, `/sys`, `/etc` and a few system calls instead of
//! spawning `ip`, `dpkg`, `lspci` or `systemd-detect-virt`.
//!
//! Layout:
//! - [`collect`]: every core grain as a JSON map; [`merge_static`] layers the
//!   grains file and the config's `grains:` on top (Salt's precedence).
//! - [`os_release`] (+ the tables in `os_tables`): `os`, `os_family`,
//!   `osrelease` ... from os-release and lsb-release, pure and fixture-tested.
//! - [`net`]: interfaces over rtnetlink, shared with the `network` execution
//!   module; [`hostname`]: FQDN resolution with a time budget.
//! - `cpu_mem`, `hw`, `virt`, `process`, `system`, `netconf`: the rest.
//!
//! Nothing here fails as a whole: a source that cannot be read leaves its
//! grains out, as Salt does.

mod cpu_mem;
pub mod hostname;
mod hw;
pub mod net;
mod netconf;
pub mod os_release;
mod os_tables;
mod process;
mod system;
mod virt;

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

pub use cpu_mem::{CpuData, parse_cpuinfo, parse_meminfo};
pub use process::which;
pub use virt::{VirtInputs, detect as detect_virtual};

/// Knobs for [`collect_with`].
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// The longest collection waits for name resolution (FQDN and its
    /// addresses) and `systemctl --version`. Lookups still running then are
    /// reported as unresolved.
    pub lookup_budget: Duration,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            lookup_budget: Duration::from_secs(1),
        }
    }
}

/// Every core grain for a minion named `minion_id`.
pub fn collect(minion_id: &str) -> Map<String, Value> {
    collect_with(minion_id, &CollectOptions::default())
}

/// [`collect`] with explicit options.
pub fn collect_with(minion_id: &str, options: &CollectOptions) -> Map<String, Value> {
    let started = Instant::now();
    let deadline = started + options.lookup_budget;
    // The slow parts (a process, name lookups) start first and run while
    // the files are read.
    let systemd = system::PendingSystemd::start();
    let interfaces = net::interfaces().unwrap_or_default();
    let localhost = hostname::hostname();
    let has_v4 = interfaces.iter().any(|i| i.ipv4().next().is_some());
    let has_v6 = interfaces.iter().any(|i| i.ipv6().next().is_some());
    let resolving = hostname::PendingResolve::start(&localhost, has_v4, has_v6);

    let mut g = Map::new();
    g.insert("id".into(), minion_id.into());
    let cpuarch = system::insert_uname_grains(&mut g);
    process::insert_grains(&mut g);

    let distro = os_release::distribution(&os_release::DistroFiles::host());
    distro.insert_into(&mut g);
    g.insert(
        "osarch".into(),
        system::osarch(&distro.os_family, &cpuarch).into(),
    );

    cpu_mem::insert_grains(&mut g);
    hw::insert_grains(&mut g);
    virt::insert_grains(&mut g);
    let virtual_grain = g
        .get("virtual")
        .and_then(Value::as_str)
        .unwrap_or("physical")
        .to_owned();
    g.insert(
        "ps".into(),
        system::ps_command(&distro.os, &distro.os_family, &virtual_grain).into(),
    );
    system::insert_misc_grains(minion_id, &mut g);

    net::insert_grains(&interfaces, &mut g);
    netconf::insert_gateway_grains(&mut g);
    netconf::insert_dns_grain(&mut g);

    g.insert("saltversion".into(), env!("CARGO_PKG_VERSION").into());
    g.insert(
        "saltversioninfo".into(),
        version_info(env!("CARGO_PKG_VERSION")),
    );

    let resolved = resolving.wait(deadline);
    let (host, domain) = hostname::host_and_domain(&resolved.fqdn);
    g.insert("localhost".into(), localhost.into());
    g.insert("fqdn".into(), resolved.fqdn.into());
    g.insert("host".into(), host.into());
    g.insert("domain".into(), domain.into());
    let strings = |v: Vec<String>| Value::from(v);
    g.insert(
        "fqdn_ip4".into(),
        strings(resolved.ip4.iter().map(ToString::to_string).collect()),
    );
    g.insert(
        "fqdn_ip6".into(),
        strings(resolved.ip6.iter().map(ToString::to_string).collect()),
    );
    if let Some(systemd) = systemd.finish(deadline) {
        g.insert("systemd".into(), systemd);
    }
    g
}

/// `"1.2.3"` -> `[1, 2, 3]`, like Salt's `saltversioninfo`.
fn version_info(version: &str) -> Value {
    version
        .split(['.', '-'])
        .filter_map(|p| p.parse::<u64>().ok())
        .collect::<Vec<_>>()
        .into()
}

/// Layers static grains over `core`, top-level key by key, as Salt does:
/// core grains, then the `grains` file next to the config, then the
/// config's own `grains:` (call this once per layer, in that order). A
/// static grain replaces a core grain of the same name entirely (Salt's
/// default; `grains_deep_merge` is not supported).
pub fn merge_static(core: &mut Map<String, Value>, static_grains: &Map<String, Value>) {
    for (key, value) in static_grains {
        core.insert(key.clone(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_static_replaces_whole_keys_in_order() {
        let mut grains = Map::new();
        grains.insert("os".into(), json!("Debian"));
        grains.insert("roles".into(), json!({"a": 1, "b": 2}));
        let file: Map<String, Value> =
            serde_json::from_value(json!({"roles": {"c": 3}, "rack": "r1"})).unwrap();
        let config: Map<String, Value> = serde_json::from_value(json!({"rack": "r2"})).unwrap();
        merge_static(&mut grains, &file);
        merge_static(&mut grains, &config);
        assert_eq!(
            Value::Object(grains),
            json!({"os": "Debian", "roles": {"c": 3}, "rack": "r2"})
        );
    }

    #[test]
    fn version_info_splits_numbers() {
        assert_eq!(version_info("3007.16"), json!([3007, 16]));
        assert_eq!(version_info("0.1.0"), json!([0, 1, 0]));
    }
}

//! CPU and memory grains from `/proc/cpuinfo` and `/proc/meminfo`
//! (Salt's `_linux_cpudata` and `_linux_memdata`).

use serde_json::{Map, Value};

/// `num_cpus`, `cpu_model`, `cpu_flags` from cpuinfo text.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuData {
    pub num_cpus: u64,
    pub cpu_model: String,
    pub cpu_flags: Vec<String>,
}

/// Parses cpuinfo as Salt does: each `processor` line counts one CPU; the
/// last `vendor_id`/`model name`/`cpu`/`Processor` seen names the model
/// (`model name` follows `vendor_id`, so it wins on x86).
pub fn parse_cpuinfo(text: &str) -> CpuData {
    let mut num_cpus = 0u64;
    let mut cpu_model = None;
    let mut cpu_flags = None;
    for line in text.lines() {
        let mut comps = line.split(':');
        let (Some(key), Some(val)) = (comps.next(), comps.next()) else {
            continue;
        };
        let (key, val) = (key.trim(), val.trim());
        match key {
            "processor" => num_cpus += 1,
            // s390x: "# processors    : 2"
            "# processors" => num_cpus = val.parse().unwrap_or(num_cpus),
            "vendor_id" | "model name" | "cpu" => cpu_model = Some(val.to_owned()),
            "flags" | "Features" => {
                cpu_flags = Some(val.split_whitespace().map(str::to_owned).collect())
            }
            // Old ARM: "Processor : ARMv6-compatible processor rev 7 (v6l)"
            "Processor" => {
                cpu_model = Some(val.split('-').next().unwrap_or("").to_owned());
                num_cpus = 1;
            }
            _ => {}
        }
    }
    CpuData {
        num_cpus,
        cpu_model: cpu_model.unwrap_or_else(|| "Unknown".to_owned()),
        cpu_flags: cpu_flags.unwrap_or_default(),
    }
}

/// `mem_total` and `swap_total` in MiB (kB / 1024, floored).
pub fn parse_meminfo(text: &str) -> (u64, u64) {
    let mut mem = 0;
    let mut swap = 0;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kb: u64 = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match key.trim() {
            "MemTotal" => mem = kb / 1024,
            "SwapTotal" => swap = kb / 1024,
            _ => {}
        }
    }
    (mem, swap)
}

pub(crate) fn insert_grains(grains: &mut Map<String, Value>) {
    let cpu = parse_cpuinfo(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default());
    grains.insert("num_cpus".into(), cpu.num_cpus.into());
    grains.insert("cpu_model".into(), cpu.cpu_model.into());
    grains.insert("cpu_flags".into(), cpu.cpu_flags.into());
    let (mem, swap) = parse_meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default());
    grains.insert("mem_total".into(), mem.into());
    grains.insert("swap_total".into(), swap.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_cpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\nflags\t\t: fpu vme sse\n\n\
                    processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\nflags\t\t: fpu vme sse\n";
        let cpu = parse_cpuinfo(text);
        assert_eq!(
            cpu,
            CpuData {
                num_cpus: 2,
                cpu_model: "Intel(R) Xeon(R) CPU".into(),
                cpu_flags: vec!["fpu".into(), "vme".into(), "sse".into()]
            }
        );
    }

    #[test]
    fn arm_and_empty_cpuinfo() {
        let cpu = parse_cpuinfo(
            "Processor\t: ARMv6-compatible processor rev 7 (v6l)\nFeatures\t: swp half\n",
        );
        assert_eq!(
            (cpu.num_cpus, cpu.cpu_model.as_str(), cpu.cpu_flags.len()),
            (1, "ARMv6", 2)
        );
        let cpu = parse_cpuinfo("");
        assert_eq!((cpu.num_cpus, cpu.cpu_model.as_str()), (0, "Unknown"));
    }

    #[test]
    fn meminfo_in_mib() {
        assert_eq!(
            parse_meminfo("MemTotal:       24682416 kB\nSwapTotal:       2097148 kB\n"),
            (24103, 2047)
        );
    }

    #[test]
    fn this_host_agrees_with_sysconf() {
        let cpu = parse_cpuinfo(&std::fs::read_to_string("/proc/cpuinfo").unwrap());
        let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
        // "0-1" or "0,2-3": count the CPUs in the ranges.
        let count: u64 = online
            .trim()
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| match r.split_once('-') {
                Some((a, b)) => b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1,
                None => 1,
            })
            .sum();
        if count > 0 {
            assert_eq!(cpu.num_cpus, count);
        }
        let info = nix::sys::sysinfo::sysinfo().unwrap();
        let (mem, _) = parse_meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap());
        assert_eq!(mem, info.ram_total() / 1024 / 1024);
    }
}

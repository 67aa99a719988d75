//! Hardware grains: firmware identity from `/sys/class/dmi/id` (Salt's
//! `_hw_data`), GPUs (`num_gpus`, `gpus`), block devices (`disks`, `ssds`)
//! and UEFI (`efi`, `efi-secure-boot`).

use std::path::Path;

use serde_json::{Map, Value, json};

/// Salt's grain name to the sysfs DMI file it reads.
const DMI_GRAINS: &[(&str, &str)] = &[
    ("biosversion", "bios_version"),
    ("biosvendor", "bios_vendor"),
    ("boardname", "board_name"),
    ("productname", "product_name"),
    ("manufacturer", "sys_vendor"),
    ("biosreleasedate", "bios_date"),
    ("uuid", "product_uuid"),
    ("serialnumber", "product_serial"),
];

/// Adds the DMI grains found in `dir`; files that are missing or unreadable
/// (serial and UUID are root-only) are skipped, as in Salt.
pub fn insert_dmi_grains(dir: &Path, grains: &mut Map<String, Value>) {
    for (grain, file) in DMI_GRAINS {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            continue;
        };
        let mut value = String::from_utf8_lossy(&bytes).trim().to_owned();
        if *grain == "uuid" {
            value = value.to_lowercase();
        }
        grains.insert((*grain).into(), value.into());
    }
}

/// One GPU as Salt reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Gpu {
    /// One of Salt's known vendors, or `unknown`.
    pub vendor: String,
    pub model: String,
}

/// PCI classes `lspci` names "VGA compatible controller", "3D controller",
/// "Display controller" and "Processing accelerators": the ones Salt counts.
const GPU_CLASSES: [u32; 4] = [0x0300, 0x0302, 0x0380, 0x1200];

/// Salt's `known_vendors`, matched against the words of the vendor name.
/// "cirrus logic" can never match a single word; kept for fidelity.
const KNOWN_VENDORS: [&str; 8] = [
    "nvidia",
    "amd",
    "ati",
    "intel",
    "cirrus logic",
    "vmware",
    "matrox",
    "aspeed",
];

/// Vendor names for when no `pci.ids` database is installed.
const VENDOR_IDS: &[(u16, &str)] = &[
    (0x10de, "NVIDIA Corporation"),
    (0x1002, "Advanced Micro Devices, Inc. [AMD/ATI]"),
    (0x1022, "Advanced Micro Devices, Inc. [AMD]"),
    (0x8086, "Intel Corporation"),
    (0x15ad, "VMware"),
    (0x102b, "Matrox Electronics Systems Ltd."),
    (0x1a03, "ASPEED Technology, Inc."),
];

/// Lists GPUs from `/sys/bus/pci/devices`, naming them from `pci.ids`
/// like `lspci -vmm` does.
pub fn gpus(pci_devices: &Path, pci_ids: impl FnOnce() -> Option<String>) -> Vec<Gpu> {
    let mut pci_ids = Some(pci_ids);
    let mut db: Option<String> = None;
    let Ok(entries) = std::fs::read_dir(pci_devices) else {
        return Vec::new();
    };
    let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    let hex = |p: &Path, f: &str| {
        std::fs::read_to_string(p.join(f))
            .ok()
            .and_then(|s| u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok())
    };
    let mut out = Vec::new();
    for dir in dirs {
        let (Some(class), Some(vendor), Some(device)) =
            (hex(&dir, "class"), hex(&dir, "vendor"), hex(&dir, "device"))
        else {
            continue;
        };
        if !GPU_CLASSES.contains(&(class >> 8)) {
            continue;
        }
        let (vendor, device) = (vendor as u16, device as u16);
        if let Some(load) = pci_ids.take() {
            db = load();
        }
        let names = db.as_deref().and_then(|db| pci_names(db, vendor, device));
        let vendor_name = names
            .as_ref()
            .map(|(v, _)| v.clone())
            .or_else(|| {
                VENDOR_IDS
                    .iter()
                    .find(|(id, _)| *id == vendor)
                    .map(|(_, n)| (*n).to_owned())
            })
            .unwrap_or_default();
        let model = names
            .and_then(|(_, d)| d)
            .unwrap_or_else(|| format!("Device {device:04x}"));
        out.push(Gpu {
            vendor: classify_vendor(&vendor_name),
            model,
        });
    }
    out
}

fn classify_vendor(name: &str) -> String {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    KNOWN_VENDORS
        .iter()
        .find(|v| words.contains(v))
        .map_or("unknown", |v| v)
        .to_owned()
}

/// Looks up vendor and device names in `pci.ids` text.
fn pci_names(db: &str, vendor: u16, device: u16) -> Option<(String, Option<String>)> {
    let vendor_hex = format!("{vendor:04x}");
    let device_hex = format!("{device:04x}");
    let mut lines = db.lines();
    let vendor_name = lines.by_ref().find_map(|l| {
        l.strip_prefix(&vendor_hex)?
            .strip_prefix("  ")
            .map(str::to_owned)
    })?;
    let device_name = lines
        .take_while(|l| l.starts_with('\t') || l.starts_with('#') || l.is_empty())
        .find_map(|l| {
            l.strip_prefix('\t')?
                .strip_prefix(&device_hex)?
                .strip_prefix("  ")
                .map(str::to_owned)
        });
    Some((vendor_name, device_name))
}

/// `(disks, ssds)`: non-virtual block devices by `queue/rotational`, in
/// directory order like Salt's glob.
pub fn disks(sys_block: &Path) -> (Vec<String>, Vec<String>) {
    let mut disks = Vec::new();
    let mut ssds = Vec::new();
    let Ok(entries) = std::fs::read_dir(sys_block) else {
        return (disks, ssds);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let virtual_dev =
            std::fs::read_link(&path).is_ok_and(|t| t.starts_with("../devices/virtual/"));
        if virtual_dev {
            continue;
        }
        let Ok(flag) = std::fs::read_to_string(path.join("queue/rotational")) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        match flag.chars().next() {
            Some('0') => ssds.push(name),
            Some('1') => disks.push(name),
            _ => {}
        }
    }
    (disks, ssds)
}

/// `(efi, efi-secure-boot)`.
pub fn uefi() -> (bool, bool) {
    let Some(dir) = ["/sys/firmware/efi/efivars", "/sys/firmware/efi/vars"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        return (false, false);
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (true, false);
    };
    let files: Vec<_> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("SecureBoot-"))
        .map(|e| {
            if dir.ends_with("efivars") {
                e.path()
            } else {
                e.path().join("data")
            }
        })
        .collect();
    let secure = match files.as_slice() {
        [only] => std::fs::read(only).is_ok_and(|b| b.last() == Some(&1)),
        _ => false,
    };
    (true, secure)
}

pub(crate) fn insert_grains(grains: &mut Map<String, Value>) {
    insert_dmi_grains(Path::new("/sys/class/dmi/id"), grains);
    let pci_ids = || {
        [
            "/usr/share/misc/pci.ids",
            "/usr/share/hwdata/pci.ids",
            "/usr/share/pci.ids",
        ]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
    };
    let gpus = gpus(Path::new("/sys/bus/pci/devices"), pci_ids);
    grains.insert("num_gpus".into(), gpus.len().into());
    grains.insert(
        "gpus".into(),
        gpus.iter()
            .map(|g| json!({"vendor": g.vendor, "model": g.model}))
            .collect(),
    );
    let (disks, ssds) = disks(Path::new("/sys/block"));
    grains.insert("disks".into(), disks.into());
    grains.insert("ssds".into(), ssds.into());
    let (efi, secure) = uefi();
    grains.insert("efi".into(), efi.into());
    grains.insert("efi-secure-boot".into(), secure.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, content: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    #[test]
    fn dmi_grains_are_trimmed_and_uuid_lowercased() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "sys_vendor", "QEMU\n");
        write(tmp.path(), "product_uuid", "4C4C4544-0042\n");
        let mut grains = Map::new();
        insert_dmi_grains(tmp.path(), &mut grains);
        assert_eq!(grains.get("manufacturer"), Some(&json!("QEMU")));
        assert_eq!(grains.get("uuid"), Some(&json!("4c4c4544-0042")));
        assert!(!grains.contains_key("serialnumber"));
    }

    #[test]
    fn gpus_from_sysfs_and_pci_ids() {
        let tmp = tempfile::tempdir().unwrap();
        for (slot, class, vendor, device) in [
            ("0000:00:02.0", "0x030000", "0x8086", "0x3e92"),
            ("0000:01:00.0", "0x030200", "0x10de", "0x1eb8"),
            ("0000:00:1f.0", "0x060100", "0x8086", "0xa30e"),
            ("0000:02:00.0", "0x030000", "0x1af4", "0x1050"),
        ] {
            write(tmp.path(), &format!("{slot}/class"), class);
            write(tmp.path(), &format!("{slot}/vendor"), vendor);
            write(tmp.path(), &format!("{slot}/device"), device);
        }
        let db = "# comment\n10de  NVIDIA Corporation\n\t1eb8  TU104GL [Tesla T4]\n1af4  Red Hat, Inc.\n\t1050  Virtio 1.0 GPU\n";
        let found = gpus(tmp.path(), || Some(db.to_owned()));
        assert_eq!(
            found,
            vec![
                Gpu {
                    vendor: "intel".into(),
                    model: "Device 3e92".into()
                },
                Gpu {
                    vendor: "nvidia".into(),
                    model: "TU104GL [Tesla T4]".into()
                },
                Gpu {
                    vendor: "unknown".into(),
                    model: "Virtio 1.0 GPU".into()
                },
            ]
        );
        assert_eq!(
            classify_vendor("Advanced Micro Devices, Inc. [AMD/ATI]"),
            "amd"
        );
        assert_eq!(classify_vendor("Cirrus Logic"), "unknown");
        // No GPU: the database is not read at all.
        let empty = tempfile::tempdir().unwrap();
        assert!(gpus(empty.path(), || panic!("pci.ids read without a GPU")).is_empty());
    }

    #[test]
    fn disks_split_by_rotational_flag() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "sda/queue/rotational", "1\n");
        write(tmp.path(), "nvme0n1/queue/rotational", "0\n");
        write(tmp.path(), "odd/queue/rotational", "x\n");
        std::os::unix::fs::symlink("../devices/virtual/block/loop0", tmp.path().join("loop0"))
            .unwrap();
        let (disks, ssds) = disks(tmp.path());
        assert_eq!(
            (disks, ssds),
            (vec!["sda".to_owned()], vec!["nvme0n1".to_owned()])
        );
    }

    #[test]
    fn this_hosts_disks_exist_in_sys_block() {
        let (disks, ssds) = disks(Path::new("/sys/block"));
        for d in disks.iter().chain(&ssds) {
            assert!(Path::new("/sys/block").join(d).exists());
        }
    }
}

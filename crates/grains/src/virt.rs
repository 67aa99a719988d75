//! The `virtual` and `virtual_subtype` grains (Salt's `_virtual`, Linux
//! part).
//!
//! Salt first runs `systemd-detect-virt` and maps its answer; we do what
//! that tool does in-process (its container files, CPUID hypervisor
//! signature and DMI vendor tables, in systemd's order), which costs no
//! process spawn and also works where systemd is not installed. Salt's own
//! Linux checks then run in Salt's order: chroot, OpenVZ, Xen, QEMU CPU,
//! DMI product name, `/proc/1/cgroup`, `/proc/1/environ`, and the EC2
//! refinement. Salt's `virt-what`/`dmidecode`/`lspci` fallbacks are not
//! run; the sysfs DMI files carry the same vendor strings.

use std::path::Path;

use serde_json::{Map, Value};

/// DMI identification strings from `/sys/class/dmi/id`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dmi {
    pub product_name: Option<String>,
    pub sys_vendor: Option<String>,
    pub board_vendor: Option<String>,
    pub bios_vendor: Option<String>,
    pub product_version: Option<String>,
}

impl Dmi {
    pub fn read(dir: &Path) -> Dmi {
        let read = |f: &str| {
            std::fs::read(dir.join(f))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        };
        Dmi {
            product_name: read("product_name"),
            sys_vendor: read("sys_vendor"),
            board_vendor: read("board_vendor"),
            bios_vendor: read("bios_vendor"),
            product_version: read("product_version"),
        }
    }
}

/// Everything the detection looks at, so tests can feed a fake host.
#[derive(Debug, Clone, Default)]
pub struct VirtInputs {
    /// systemd's name for the container manager, if any (`docker`, `lxc` ...).
    pub container: Option<String>,
    /// The hypervisor signature from CPUID leaf 0x40000000, when the
    /// hypervisor bit is set.
    pub cpuid_hypervisor: Option<String>,
    pub dmi: Dmi,
    pub cpuinfo: String,
    pub proc1_cgroup: String,
    pub proc1_environ: String,
    /// `/` differs from PID 1's root.
    pub chroot: bool,
    /// Salt's OpenVZ and Xen checks, reduced to their outcome.
    pub openvz: Option<&'static str>,
    pub xen_subtype: Option<&'static str>,
}

impl VirtInputs {
    /// Reads this host.
    pub fn host() -> VirtInputs {
        let read = |p: &str| {
            std::fs::read(p)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        let dmi = Dmi::read(Path::new("/sys/class/dmi/id"));
        VirtInputs {
            container: detect_container(),
            cpuid_hypervisor: cpuid_hypervisor(),
            cpuinfo: read("/proc/cpuinfo"),
            proc1_cgroup: read("/proc/1/cgroup"),
            proc1_environ: read("/proc/1/environ"),
            chroot: in_chroot(),
            openvz: openvz(),
            xen_subtype: xen_subtype(&dmi),
            dmi,
        }
    }
}

/// `(virtual, virtual_subtype)`.
pub fn detect(inputs: &VirtInputs) -> (String, Option<String>) {
    let mut virt = "physical".to_owned();
    let mut subtype: Option<String> = None;

    if let Some(name) = systemd_detect_virt(inputs) {
        // Salt's mapping of systemd-detect-virt's output.
        match name.as_str() {
            "qemu" | "kvm" | "oracle" | "xen" | "bochs" | "chroot" | "uml" | "systemd-nspawn" => {
                virt = name.clone()
            }
            n if n.contains("vmware") => virt = "VMware".into(),
            n if n.contains("microsoft") => virt = "VirtualPC".into(),
            n if n.contains("lxc") => (virt, subtype) = ("container".into(), Some("LXC".into())),
            n if n.contains("podman") => {
                (virt, subtype) = ("container".into(), Some("Podman".into()))
            }
            n if n.contains("docker") => {
                (virt, subtype) = ("container".into(), Some("Docker".into()))
            }
            n if n.contains("amazon") => {
                (virt, subtype) = ("Nitro".into(), Some("Amazon EC2".into()))
            }
            _ => {}
        }
    }

    if inputs.chroot {
        subtype = Some("chroot".into());
    }
    if let Some(vz) = inputs.openvz {
        virt = vz.into();
    }
    if let Some(xen) = inputs.xen_subtype {
        subtype = Some(xen.into());
        if xen.to_lowercase().contains("dom") {
            virt = "xen".into();
        }
    }
    if inputs.cpuinfo.contains("QEMU Virtual CPU") {
        virt = "kvm".into();
    }
    if let Some(product) = &inputs.dmi.product_name {
        if product.contains("VirtualBox") {
            virt = "VirtualBox".into();
        } else if product.contains("RHEV Hypervisor") {
            (virt, subtype) = ("kvm".into(), Some("rhev".into()));
        } else if product.contains("oVirt Node") {
            (virt, subtype) = ("kvm".into(), Some("ovirt".into()));
        } else if product.contains("Google") {
            virt = "gce".into();
        } else if product.contains("BHYVE") {
            virt = "bhyve".into();
        }
    }
    // Containers are checked after hypervisors so a container in a VM says so.
    let cgroup = &inputs.proc1_cgroup;
    if cgroup.contains(":/lxc/") {
        (virt, subtype) = ("container".into(), Some("LXC".into()));
    } else if cgroup.contains(":/kubepods/") {
        subtype = Some("kubernetes".into());
    } else if cgroup.contains(":/libpod_parent/") {
        subtype = Some("libpod".into());
    } else if [":/system.slice/docker", ":/docker/", ":/docker-ce/"]
        .iter()
        .any(|p| cgroup.contains(p))
    {
        (virt, subtype) = ("container".into(), Some("Docker".into()));
    }
    if subtype.as_deref() != Some("LXC") && inputs.proc1_environ.contains("container=lxc") {
        (virt, subtype) = ("container".into(), Some("LXC".into()));
    }
    if subtype.is_some() && virt == "physical" {
        virt = "virtual".into();
    }
    // EC2: Salt reads `dmidecode -t system` (Manufacturer, Product Name,
    // Version): the sysfs sys_vendor, product_name and product_version.
    if matches!(virt.as_str(), "qemu" | "kvm" | "xen" | "amazon") {
        if inputs.dmi.sys_vendor.as_deref() == Some("Amazon EC2") {
            if virt != "xen" {
                virt = "Nitro".into();
            }
            subtype = Some(match &inputs.dmi.product_name {
                Some(p) => format!("Amazon EC2 ({p})"),
                None => "Amazon EC2".into(),
            });
        } else if inputs
            .dmi
            .product_version
            .as_deref()
            .is_some_and(|v| v.contains(".amazon"))
        {
            subtype = Some("Amazon EC2".into());
        }
    }
    (virt, subtype)
}

/// What `systemd-detect-virt` would print, `None` for "none".
fn systemd_detect_virt(inputs: &VirtInputs) -> Option<String> {
    if let Some(c) = &inputs.container {
        return Some(c.clone());
    }
    let dmi = dmi_vendor(&inputs.dmi);
    if let Some(d) = dmi.filter(|d| matches!(*d, "oracle" | "xen" | "amazon" | "parallels")) {
        return Some(d.to_owned());
    }
    if inputs.cpuinfo.contains("vendor_id\t: User Mode Linux") {
        return Some("uml".into());
    }
    if let Some(sig) = &inputs.cpuid_hypervisor {
        let name = match sig.as_str() {
            "XenVMMXenVMM" => "xen",
            "KVMKVMKVM" | "Linux KVM Hv" => "kvm",
            "TCGTCGTCGTCG" => "qemu",
            "VMwareVMware" => "vmware",
            "Microsoft Hv" => "microsoft",
            "bhyve bhyve " => "bhyve",
            "QNXQVMBSQG" => "qnx",
            "ACRNACRNACRN" => "acrn",
            "SRESRESRESRE" => "sre",
            "Apple VZ" => "apple",
            _ => "vm-other",
        };
        return Some(name.into());
    }
    dmi.map(str::to_owned)
}

/// systemd's DMI vendor table: the first DMI field starting with a known
/// vendor string names the hypervisor.
fn dmi_vendor(dmi: &Dmi) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("KVM", "kvm"),
        ("OpenStack", "kvm"),
        ("KubeVirt", "kvm"),
        ("Amazon EC2", "amazon"),
        ("QEMU", "qemu"),
        ("VMware", "vmware"),
        ("VMW", "vmware"),
        ("innotek GmbH", "oracle"),
        ("VirtualBox", "oracle"),
        ("Oracle Corporation", "oracle"),
        ("Xen", "xen"),
        ("Bochs", "bochs"),
        ("Parallels", "parallels"),
        ("BHYVE", "bhyve"),
        ("Hyper-V", "microsoft"),
        ("Apple Virtualization", "apple"),
        ("Google Compute Engine", "google"),
    ];
    [
        &dmi.product_name,
        &dmi.sys_vendor,
        &dmi.board_vendor,
        &dmi.bios_vendor,
    ]
    .into_iter()
    .flatten()
    .find_map(|field| {
        TABLE
            .iter()
            .find(|(prefix, _)| field.starts_with(prefix))
            .map(|(_, name)| *name)
    })
}

/// systemd's `detect_container()`: explicit markers first, then the files
/// Docker and Podman leave behind.
fn detect_container() -> Option<String> {
    let exists = |p: &str| Path::new(p).exists();
    if exists("/proc/vz") && !exists("/proc/bc") {
        return Some("openvz".into());
    }
    if let Ok(osrelease) = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        && (osrelease.contains("Microsoft") || osrelease.contains("WSL"))
    {
        return Some("wsl".into());
    }
    for marker in ["/run/host/container-manager", "/run/systemd/container"] {
        if let Ok(name) = std::fs::read_to_string(marker) {
            let name = name.trim();
            if !name.is_empty() {
                return Some(name.to_owned());
            }
        }
    }
    if let Ok(environ) = std::fs::read("/proc/1/environ") {
        for var in environ.split(|&b| b == 0) {
            if let Some(name) = var.strip_prefix(b"container=").filter(|n| !n.is_empty()) {
                return Some(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    if exists("/run/.containerenv") {
        return Some("podman".into());
    }
    if exists("/.dockerenv") {
        return Some("docker".into());
    }
    None
}

/// The 12-byte hypervisor signature, when CPUID says there is a hypervisor.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn cpuid_hypervisor() -> Option<String> {
    #[cfg(target_arch = "x86")]
    use std::arch::x86::__cpuid;
    #[cfg(target_arch = "x86_64")]
    use std::arch::x86_64::__cpuid;
    // Leaf 1, ECX bit 31: "running under a hypervisor".
    if __cpuid(1).ecx & (1 << 31) == 0 {
        return None;
    }
    let leaf = __cpuid(0x4000_0000);
    let bytes: Vec<u8> = [leaf.ebx, leaf.ecx, leaf.edx]
        .iter()
        .flat_map(|r| r.to_le_bytes())
        .collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn cpuid_hypervisor() -> Option<String> {
    None
}

/// Salt compares `stat("/")` with `stat("/proc/1/root/.")`; unreadable
/// (not root) means "not known to be a chroot".
fn in_chroot() -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata("/"), std::fs::metadata("/proc/1/root/.")) {
        (Ok(own), Ok(init)) => (own.dev(), own.ino()) != (init.dev(), init.ino()),
        _ => false,
    }
}

fn openvz() -> Option<&'static str> {
    let mut found = None;
    if Path::new("/proc/vz").is_dir() {
        if Path::new("/proc/vz/version").is_file() {
            found = Some("openvzhn");
        } else if Path::new("/proc/vz/veinfo").is_file() {
            found = Some("openvzve");
        }
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            if let Some(id) = line
                .strip_prefix("envID:")
                .map(str::trim)
                .and_then(|v| v.parse::<u64>().ok())
            {
                found = Some(if id != 0 { "openvzve" } else { "openvzhn" });
            }
        }
    }
    found
}

fn xen_subtype(dmi: &Dmi) -> Option<&'static str> {
    let is_dir = |p: &str| Path::new(p).is_dir();
    if !(is_dir("/proc/sys/xen") || is_dir("/sys/bus/xen") || is_dir("/proc/xen")) {
        return None;
    }
    if Path::new("/proc/xen/xsd_kva").is_file() {
        return Some("Xen Dom0");
    }
    if dmi.product_name.as_deref() == Some("HVM domU") {
        return Some("Xen HVM DomU");
    }
    if let Ok(caps) = std::fs::read_to_string("/proc/xen/capabilities") {
        return Some(if caps.contains("control_d") {
            "Xen Dom0"
        } else {
            "Xen PV DomU"
        });
    }
    if is_dir("/sys/bus/xen/drivers/xenconsole") {
        return Some("Xen PV DomU");
    }
    None
}

pub(crate) fn insert_grains(grains: &mut Map<String, Value>) {
    let (virt, subtype) = detect(&VirtInputs::host());
    grains.insert("virtual".into(), virt.into());
    if let Some(s) = subtype {
        grains.insert("virtual_subtype".into(), s.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_with(f: impl FnOnce(&mut VirtInputs)) -> (String, Option<String>) {
        let mut inputs = VirtInputs::default();
        f(&mut inputs);
        detect(&inputs)
    }

    #[test]
    fn bare_metal_is_physical() {
        assert_eq!(detect_with(|_| {}), ("physical".into(), None));
    }

    #[test]
    fn containers() {
        assert_eq!(
            detect_with(|i| i.container = Some("docker".into())),
            ("container".into(), Some("Docker".into()))
        );
        assert_eq!(
            detect_with(|i| i.container = Some("lxc-libvirt".into())),
            ("container".into(), Some("LXC".into()))
        );
        assert_eq!(
            detect_with(|i| i.container = Some("podman".into())),
            ("container".into(), Some("Podman".into()))
        );
        assert_eq!(
            detect_with(|i| i.container = Some("systemd-nspawn".into())),
            ("systemd-nspawn".into(), None)
        );
        // cgroup v1 Docker without any systemd marker.
        assert_eq!(
            detect_with(|i| i.proc1_cgroup = "12:pids:/docker/0123abcd\n".into()),
            ("container".into(), Some("Docker".into()))
        );
        assert_eq!(
            detect_with(|i| i.proc1_cgroup = "1:name=systemd:/kubepods/burstable/pod1\n".into()),
            ("virtual".into(), Some("kubernetes".into()))
        );
    }

    #[test]
    fn hypervisors() {
        assert_eq!(
            detect_with(|i| i.cpuid_hypervisor = Some("KVMKVMKVM".into())),
            ("kvm".into(), None)
        );
        assert_eq!(
            detect_with(|i| i.cpuid_hypervisor = Some("VMwareVMware".into())),
            ("VMware".into(), None)
        );
        assert_eq!(
            detect_with(|i| i.cpuid_hypervisor = Some("Microsoft Hv".into())),
            ("VirtualPC".into(), None)
        );
        // VirtualBox's DMI wins over its KVM paravirt CPUID, as in systemd.
        assert_eq!(
            detect_with(|i| {
                i.cpuid_hypervisor = Some("KVMKVMKVM".into());
                i.dmi.product_name = Some("VirtualBox".into());
            }),
            ("VirtualBox".into(), None)
        );
        // KVM guest with QEMU DMI strings: CPUID says kvm.
        assert_eq!(
            detect_with(|i| {
                i.cpuid_hypervisor = Some("KVMKVMKVM".into());
                i.dmi.sys_vendor = Some("QEMU".into());
            }),
            ("kvm".into(), None)
        );
        assert_eq!(
            detect_with(|i| {
                i.cpuid_hypervisor = Some("KVMKVMKVM".into());
                i.dmi.sys_vendor = Some("Amazon EC2".into());
                i.dmi.product_name = Some("m5.large".into());
            }),
            ("Nitro".into(), Some("Amazon EC2".into()))
        );
        // Xen-era EC2: the system version names Amazon.
        assert_eq!(
            detect_with(|i| {
                i.cpuid_hypervisor = Some("XenVMMXenVMM".into());
                i.dmi.sys_vendor = Some("Xen".into());
                i.dmi.product_version = Some("4.11.amazon".into());
            }),
            ("xen".into(), Some("Amazon EC2".into()))
        );
        assert_eq!(
            detect_with(|i| i.dmi.product_name = Some("Google Compute Engine".into())).0,
            "gce"
        );
    }

    #[test]
    fn chroot_marks_subtype_and_virtual() {
        assert_eq!(
            detect_with(|i| i.chroot = true),
            ("virtual".into(), Some("chroot".into()))
        );
    }

    #[test]
    fn this_host_agrees_with_systemd_detect_virt() {
        let (virt, subtype) = detect(&VirtInputs::host());
        let Ok(out) = std::process::Command::new("systemd-detect-virt").output() else {
            println!("systemd-detect-virt not installed; only checking the answer is set: {virt}");
            assert!(!virt.is_empty());
            return;
        };
        let said = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        match said.as_str() {
            "docker" => assert_eq!(
                (virt.as_str(), subtype.as_deref()),
                ("container", Some("Docker"))
            ),
            "podman" => assert_eq!(
                (virt.as_str(), subtype.as_deref()),
                ("container", Some("Podman"))
            ),
            "lxc" => assert_eq!(
                (virt.as_str(), subtype.as_deref()),
                ("container", Some("LXC"))
            ),
            // Salt refines some of these (EC2 -> Nitro, GCE -> gce), but
            // never back to physical.
            "kvm" | "qemu" | "xen" | "oracle" | "vmware" | "microsoft" | "amazon" | "bochs" => {
                assert_ne!(virt, "physical", "systemd-detect-virt said {said}")
            }
            _ => {
                println!("systemd-detect-virt said {said}; Salt maps it to nothing, we say {virt}")
            }
        }
    }
}

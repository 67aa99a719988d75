//! Naming the distribution: `os`, `os_family`, `osfullname`, `osrelease`,
//! `oscodename`, the `lsb_distrib_*` grains and the derived `osrelease_info`,
//! `osmajorrelease` and `osfinger`, from `/etc/os-release`,
//! `/etc/lsb-release` and `/etc/debian_version`.
//!
//! This follows the path Salt 3007 takes on every install that lacks the
//! `lsb_release` Python module (its onedir packages and virtualenvs):
//! `_linux_distribution_data` falls through to
//! `_legacy_linux_distribution_data`, which prefers `/etc/lsb-release`, then
//! fills the `lsb_distrib_*` grains from os-release, and falls back to the
//! `distro` package only for a missing version or codename. The pieces of
//! `distro` used there are ported in [`distro_version`] and
//! [`distro_codename`]. Everything here is pure: the files are read by
//! [`DistroFiles::read`] and tests pass fixture text.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::os_tables::{ID_AND_NAME_TO_OS_NAME_MAP, OS_FAMILY_MAP, OS_NAME_MAP, lookup};

/// The contents of the files that name the distribution.
#[derive(Debug, Clone, Default)]
pub struct DistroFiles {
    pub os_release: Option<String>,
    pub lsb_release: Option<String>,
    pub debian_version: Option<String>,
}

impl DistroFiles {
    /// Reads the files from `etc` (normally `/etc`), with os-release falling
    /// back to `usr_lib/os-release` as the os-release spec says.
    pub fn read(etc: &Path, usr_lib: &Path) -> DistroFiles {
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        DistroFiles {
            os_release: read(&etc.join("os-release")).or_else(|| read(&usr_lib.join("os-release"))),
            lsb_release: read(&etc.join("lsb-release")),
            debian_version: read(&etc.join("debian_version")),
        }
    }

    /// The files of this host.
    pub fn host() -> DistroFiles {
        DistroFiles::read(Path::new("/etc"), Path::new("/usr/lib"))
    }
}

/// Parsed os-release: `KEY=value` pairs, with the defaults the spec (and
/// Python's `platform.freedesktop_os_release`) gives `NAME`, `ID` and
/// `PRETTY_NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct OsRelease {
    fields: HashMap<String, String>,
}

impl OsRelease {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    fn field(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }
}

/// Parses os-release text the way Python's `platform._parse_os_release`
/// does: `NAME=value`, the value optionally wrapped in matching quotes, with
/// `\\`, `\$`, `\"`, `\'` and `` \` `` unescaped. Other lines are ignored.
pub fn parse_os_release(text: &str) -> OsRelease {
    let mut fields: HashMap<String, String> =
        [("NAME", "Linux"), ("ID", "linux"), ("PRETTY_NAME", "Linux")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    for line in text.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        fields.insert(name.to_owned(), unescape_shell(unquote(rest)));
    }
    OsRelease { fields }
}

/// Strips one pair of matching quotes, as the regex
/// `(?P<quote>["']?)(?P<value>.*)(?P=quote)$` does.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

fn unescape_shell(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && matches!(next, '\\' | '$' | '"' | '\'' | '`')
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// The `lsb_distrib_*` grains in the order they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lsb {
    entries: Vec<(String, String)>,
}

impl Lsb {
    /// `key` is the grain suffix: `id`, `release`, `codename`, `description`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let grain = format!("lsb_distrib_{key}");
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| *k == grain)
            .map(|(_, v)| v.as_str())
    }

    fn set(&mut self, key: &str, value: String) {
        let grain = format!("lsb_distrib_{key}");
        match self.entries.iter_mut().find(|(k, _)| *k == grain) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((grain, value)),
        }
    }

    fn remove(&mut self, key: &str) {
        let grain = format!("lsb_distrib_{key}");
        self.entries.retain(|(k, _)| *k != grain);
    }

    /// `(grain name, value)` pairs.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

/// Parses `/etc/lsb-release` like Salt's `_LSB_REGEX`:
/// `DISTRIB_(ID|RELEASE|CODENAME|DESCRIPTION)=` then an optional quote and a
/// run of word characters, whitespace, `.` and `-` (anything else ends the
/// value, so `Debian GNU/Linux` is cut at the slash).
pub fn parse_lsb_release(text: &str) -> Lsb {
    let mut lsb = Lsb::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("DISTRIB_") else {
            continue;
        };
        let Some((key, value)) = rest.split_once('=') else {
            continue;
        };
        if !matches!(key, "ID" | "RELEASE" | "CODENAME" | "DESCRIPTION") {
            continue;
        }
        let value = value.strip_prefix(['\'', '"']).unwrap_or(value);
        let end = value
            .char_indices()
            .find(|&(_, c)| {
                !(c.is_alphanumeric() || c == '_' || c.is_whitespace() || c == '.' || c == '-')
            })
            .map_or(value.len(), |(i, _)| i);
        if end == 0 {
            continue;
        }
        lsb.set(
            &key.to_ascii_lowercase(),
            value[..end].trim_end().to_owned(),
        );
    }
    lsb
}

/// The distribution grains Salt derives from the files.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub os: String,
    pub os_family: String,
    pub osfullname: String,
    /// May be empty (Arch has no version); the release grains below are then
    /// absent, as in Salt.
    pub osrelease: String,
    pub oscodename: String,
    pub lsb: Lsb,
}

impl Distribution {
    /// Salt's `osrelease_info`, `osmajorrelease` and `osfinger`; `None` when
    /// `osrelease` is empty.
    pub fn release_data(&self) -> Option<ReleaseData> {
        (!self.osrelease.is_empty())
            .then(|| osrelease_data(&self.os, &self.osfullname, &self.osrelease))
    }

    /// Adds these grains to `grains`, under Salt's names.
    pub fn insert_into(&self, grains: &mut Map<String, Value>) {
        grains.insert("os".into(), self.os.clone().into());
        grains.insert("os_family".into(), self.os_family.clone().into());
        grains.insert("oscodename".into(), self.oscodename.clone().into());
        grains.insert("osfullname".into(), self.osfullname.clone().into());
        for (k, v) in self.lsb.entries() {
            grains.insert(k.clone(), v.clone().into());
        }
        grains.insert("osrelease".into(), self.osrelease.clone().into());
        if let Some(data) = self.release_data() {
            grains.insert("osrelease_info".into(), Value::Array(data.osrelease_info));
            if let Some(major) = data.osmajorrelease {
                grains.insert("osmajorrelease".into(), major.into());
            }
            grains.insert("osfinger".into(), data.osfinger.into());
        }
    }
}

/// Names the distribution from its files, as Salt's
/// `_legacy_linux_distribution_data` does.
pub fn distribution(files: &DistroFiles) -> Distribution {
    let mut lsb = files
        .lsb_release
        .as_deref()
        .map(parse_lsb_release)
        .unwrap_or_default();
    let os_release = files.os_release.as_deref().map(parse_os_release);

    let mut os = None;
    let mut osfullname = None;
    if let Some(rel) = &os_release {
        os = Some(derive_os_grain(rel.field("NAME"), Some(rel.field("ID"))));
        osfullname = Some(rel.field("NAME").trim().to_owned());
    }

    if lsb
        .get("description")
        .is_some_and(|d| d.to_lowercase().starts_with("antergos"))
    {
        // Antergos sets DISTRIB_ID=Arch, which would make the os grain Arch.
        osfullname = Some("Antergos Linux".to_owned());
    } else if lsb.get("id").is_none()
        && let Some(rel) = &os_release
    {
        lsb.set("id", rel.field("NAME").trim().to_owned());
        if let Some(v) = rel.get("VERSION_ID") {
            lsb.set("release", v.to_owned());
        }
        if let Some(v) = rel.get("VERSION_CODENAME") {
            lsb.set("codename", v.to_owned());
        } else if let Some(v) = rel.get("PRETTY_NAME") {
            lsb.set("codename", v.to_owned());
        }
        if let Some(cpe) = rel.get("CPE_NAME") {
            let cpe = parse_cpe_name(cpe);
            let vendor = cpe.vendor.as_deref().unwrap_or("");
            if matches!(vendor.to_lowercase().as_str(), "suse" | "opensuse") {
                os = Some("SUSE".to_owned());
                if rel.get("NAME") == Some("openSUSE Leap") {
                    osfullname = Some("Leap".to_owned());
                } else if rel.get("VERSION") == Some("Tumbleweed") {
                    osfullname = Some("Tumbleweed".to_owned());
                }
                // openSUSE's CPE carries the full version; SLES keeps VERSION_ID.
                if let Some(version) = cpe
                    .version
                    .filter(|v| !v.is_empty() && vendor == "opensuse")
                {
                    lsb.set("release", version);
                }
            }
        }
        if rel.field("ID").trim() == "mendel"
            && let Some(release) = rel.field("PRETTY_NAME").split_whitespace().nth(2)
        {
            lsb.set("release", release.to_owned());
        }
    }

    let osfullname = osfullname.unwrap_or_else(|| {
        let id = lsb.get("id").unwrap_or("");
        if id.to_lowercase().starts_with("nilrt") {
            "nilrt".to_owned()
        } else {
            id.trim().to_owned()
        }
    });

    // CentOS 7 and 8 os-release lacks the minor version; Salt drops it so the
    // distro fallback (which reads /etc/centos-release) supplies it.
    if lsb
        .get("codename")
        .is_some_and(|c| c.contains("CentOS Linux 7") || c.contains("CentOS Linux 8"))
    {
        lsb.remove("release");
    }
    let osrelease = match lsb.get("release") {
        Some(release) => release.trim().to_owned(),
        None => distro_version(os_release.as_ref(), &lsb, files.debian_version.as_deref())
            .trim()
            .to_owned(),
    };

    let os_so_far = os.clone().unwrap_or_default();
    if let Some(codename) = lsb.get("codename").filter(|c| !c.is_empty())
        && ["Rocky", "AlmaLinux", "AstraLinuxSE"]
            .iter()
            .any(|name| os_so_far.contains(name))
        && let Some((_, after)) = codename.split_once('(')
    {
        // "Rocky Linux 9.4 (Blue Onyx)" -> "Blue Onyx"
        let inner = after.split_once(')').map_or(after, |(inner, _)| inner);
        let codename = if os_so_far == "AstraLinuxSE" {
            inner.split_whitespace().next().unwrap_or("").to_lowercase()
        } else {
            inner.to_owned()
        };
        lsb.set("codename", codename);
    }

    let fallback_codename = || distro_codename(os_release.as_ref(), &lsb);
    let mut oscodename = lsb.get("codename").unwrap_or("").trim().to_owned();
    if oscodename.is_empty() {
        oscodename = fallback_codename();
    }
    if oscodename.contains("Red Hat") {
        oscodename = fallback_codename();
    }
    let os = os.unwrap_or_else(|| derive_os_grain(&osfullname, None));
    let os_family = lookup(OS_FAMILY_MAP, &os).unwrap_or(&os).to_owned();
    Distribution {
        os,
        os_family,
        osfullname,
        osrelease,
        oscodename,
        lsb,
    }
}

/// Salt's `_derive_os_grain`: the short `os` name from the full one.
pub fn derive_os_grain(osfullname: &str, os_id: Option<&str>) -> String {
    if let Some(id) = os_id
        && let Some(((_, _), os)) = ID_AND_NAME_TO_OS_NAME_MAP
            .iter()
            .find(|((i, n), _)| *i == id && *n == osfullname)
    {
        return (*os).to_owned();
    }
    let distroname = strip_linux_word(osfullname);
    let distroname = distroname.trim();
    let shortname: String = distroname
        .replace(' ', "")
        .to_lowercase()
        .chars()
        .take(10)
        .collect();
    lookup(OS_NAME_MAP, &shortname)
        .unwrap_or(distroname)
        .to_owned()
}

/// Removes every `\W(?:gnu/)?linux` (case-insensitive), as Salt's
/// `_REPLACE_LINUX_RE` does: "Debian GNU/Linux" -> "Debian".
fn strip_linux_word(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    let matches_at = |at: usize, word: &str| {
        let w: Vec<char> = word.chars().collect();
        lower.get(at..at + w.len()) == Some(&w[..])
    };
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        let non_word = !(chars[i].is_alphanumeric() || chars[i] == '_');
        if non_word {
            if matches_at(i + 1, "gnu/linux") {
                i += 1 + "gnu/linux".len();
                continue;
            }
            if matches_at(i + 1, "linux") {
                i += 1 + "linux".len();
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[derive(Debug, Default)]
struct Cpe {
    vendor: Option<String>,
    version: Option<String>,
}

/// Salt's `_parse_cpe_name`, reduced to the fields it uses.
fn parse_cpe_name(cpe: &str) -> Cpe {
    let parts: Vec<&str> = cpe.split(':').collect();
    let unstar = |s: &str| (s != "*").then(|| s.to_owned());
    if parts.len() > 4 && parts[0] == "cpe" {
        if parts[1].starts_with('/') {
            return Cpe {
                vendor: Some(parts[2].to_owned()),
                version: Some(parts[4].to_owned()),
            };
        }
        if parts[1] == "2.3" && (parts.len() == 6 || (parts.len() > 7 && parts.len() <= 13)) {
            return Cpe {
                vendor: unstar(parts[3]),
                version: unstar(parts[5]),
            };
        }
    }
    Cpe::default()
}

/// `distro.version(best=True)` over the sources we have: the candidate with
/// the most dots wins, a later one on a tie losing to the earlier.
fn distro_version(
    os_release: Option<&OsRelease>,
    lsb: &Lsb,
    debian_version: Option<&str>,
) -> String {
    let mut candidates: Vec<String> = Vec::new();
    if let Some(rel) = os_release {
        candidates.push(rel.field("VERSION_ID").to_owned());
    }
    candidates.push(lsb.get("release").unwrap_or("").to_owned());
    if let Some(rel) = os_release {
        candidates.push(version_from_release_line(rel.field("PRETTY_NAME")).unwrap_or_default());
    }
    candidates
        .push(version_from_release_line(lsb.get("description").unwrap_or("")).unwrap_or_default());
    let debian_like = os_release.is_some_and(|rel| {
        rel.field("ID").to_lowercase() == "debian"
            || rel
                .field("ID_LIKE")
                .split_whitespace()
                .any(|l| l == "debian")
    });
    if debian_like && let Some(v) = debian_version {
        candidates.push(v.lines().next().unwrap_or("").trim_end().to_owned());
    }
    let mut best = String::new();
    for v in candidates {
        if best.is_empty() || v.matches('.').count() > best.matches('.').count() {
            best = v;
        }
    }
    best
}

/// The version `distro` finds at the end of a "Name 1.2 (Codename)" line:
/// the last word, from its first digit, ignoring a trailing "(...)" and
/// " LTS".
fn version_from_release_line(line: &str) -> Option<String> {
    let line = line.trim();
    let with_codename_removed = match (line.find('('), line.rfind(')')) {
        (Some(open), Some(close)) if open < close && !line[close + 1..].contains('(') => {
            Some(&line[..open])
        }
        _ => None,
    };
    with_codename_removed
        .into_iter()
        .chain([line])
        .find_map(|head| {
            let head = head.trim_end();
            let head = head.strip_suffix(" LTS").unwrap_or(head).trim_end();
            let start = head
                .char_indices()
                .rev()
                .take_while(|&(_, c)| {
                    c.is_ascii_digit() || c.is_ascii_lowercase() || matches!(c, '.' | '+' | '-')
                })
                .last()
                .map(|(i, _)| i)?;
            let token = &head[start..];
            let digit = token.find(|c: char| c.is_ascii_digit())?;
            // distro's pattern needs a name before the version.
            (start + digit > 0).then(|| token[digit..].to_owned())
        })
}

/// `distro.codename()`: os-release's codename (possibly deliberately
/// empty), else the lsb one.
fn distro_codename(os_release: Option<&OsRelease>, lsb: &Lsb) -> String {
    if let Some(rel) = os_release {
        if let Some(c) = rel.get("VERSION_CODENAME") {
            return c.to_owned();
        }
        if let Some(c) = rel.get("UBUNTU_CODENAME") {
            return c.to_owned();
        }
        if let Some(c) = rel.get("VERSION").and_then(codename_from_version) {
            return c;
        }
    }
    lsb.get("codename").unwrap_or("").to_owned()
}

/// `distro`'s `(\(\D+\))|,\s*(\D+)` search on os-release `VERSION`:
/// "9.4 (Plow)" -> "Plow", "20.04.6 LTS, Focal Fossa" -> "Focal Fossa".
fn codename_from_version(version: &str) -> Option<String> {
    let bytes = version.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let rest = &version[i + 1..];
        let run_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let found = match b {
            b'(' => rest[..run_end]
                .rfind(')')
                .filter(|&close| close > 0)
                .map(|close| &version[i..i + 2 + close]),
            b',' => (run_end > 0).then(|| &rest[..run_end]),
            _ => None,
        };
        if let Some(found) = found {
            let trimmed = found
                .trim_matches(|c| c == '(' || c == ')')
                .trim_matches(',')
                .trim();
            return Some(trimmed.to_owned());
        }
    }
    None
}

/// Salt's `_osrelease_data` result.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseData {
    /// `osrelease` split on dots, all-digit parts as integers.
    pub osrelease_info: Vec<Value>,
    /// Absent when the first part is not a number (Debian sid: "trixie/sid").
    pub osmajorrelease: Option<i64>,
    pub osfinger: String,
}

/// Salt's `_osrelease_data(os, osfullname, osrelease)`.
pub fn osrelease_data(os: &str, osfullname: &str, osrelease: &str) -> ReleaseData {
    let osrelease_info: Vec<Value> = osrelease
        .split('.')
        .map(|part| match part.parse::<u64>() {
            Ok(n) if part.bytes().all(|b| b.is_ascii_digit()) => Value::from(n),
            _ => Value::from(part),
        })
        .collect();
    let first = osrelease_info.first().cloned().unwrap_or(Value::Null);
    let osmajorrelease = match &first {
        Value::Number(n) => n.as_i64(),
        // Python's int() also accepts surrounding whitespace and a sign.
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let os_name = if matches!(
        os,
        "Debian" | "FreeBSD" | "OpenBSD" | "NetBSD" | "Mac" | "Raspbian"
    ) {
        os
    } else {
        osfullname
    };
    let version = if matches!(os, "Ubuntu" | "Pop") {
        osrelease.to_owned()
    } else {
        match first {
            Value::String(s) => s,
            other => other.to_string(),
        }
    };
    ReleaseData {
        osrelease_info,
        osmajorrelease,
        osfinger: format!("{os_name}-{version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Distribution {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/os-release")
            .join(name);
        // A directory that does not exist: fixtures always carry os-release.
        distribution(&DistroFiles::read(&dir, &dir.join("no-usr-lib")))
    }

    /// `(os, os_family, osfullname, osrelease, oscodename, osfinger,
    /// osmajorrelease)` as printed by `tests/fixtures/salt_os_grains.py`
    /// running Salt 3007.16's own code on the fixture.
    type Expected<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<i64>,
    );

    fn check(name: &str, expected: Expected) {
        let d = fixture(name);
        let release = d.release_data();
        let got = (
            d.os.as_str(),
            d.os_family.as_str(),
            d.osfullname.as_str(),
            d.osrelease.as_str(),
            d.oscodename.as_str(),
            release.as_ref().map(|r| r.osfinger.as_str()),
            release.as_ref().and_then(|r| r.osmajorrelease),
        );
        assert_eq!(got, expected, "fixture {name}");
    }

    /// Every fixture against what Salt's own code printed for it
    /// (`tests/fixtures/salt_os_grains.json`), key by key, including keys
    /// Salt leaves out.
    #[test]
    fn all_fixtures_match_salt_output() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let text =
            std::fs::read_to_string(root.join("salt_os_grains.json")).expect("expectations file");
        let expected: Map<String, Value> =
            serde_json::from_str(&text).expect("expectations are json");
        let mut fixtures: Vec<String> = std::fs::read_dir(root.join("os-release"))
            .expect("fixture dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        fixtures.sort();
        assert_eq!(
            fixtures,
            expected.keys().cloned().collect::<Vec<_>>(),
            "regenerate salt_os_grains.json"
        );
        for name in fixtures {
            let mut ours = Map::new();
            fixture(&name).insert_into(&mut ours);
            let theirs = expected[&name].as_object().expect("object per fixture");
            for (key, value) in theirs {
                assert_eq!(ours.get(key), Some(value), "{name}: grain {key}");
            }
            for key in ours.keys() {
                assert!(theirs.contains_key(key), "{name}: Salt has no grain {key}");
            }
        }
    }

    #[test]
    fn debian_12() {
        check(
            "debian-12",
            (
                "Debian",
                "Debian",
                "Debian GNU/Linux",
                "12",
                "bookworm",
                Some("Debian-12"),
                Some(12),
            ),
        );
        let d = fixture("debian-12");
        assert_eq!(d.lsb.get("id"), Some("Debian GNU/Linux"));
        assert_eq!(d.lsb.get("release"), Some("12"));
        assert_eq!(d.lsb.get("codename"), Some("bookworm"));
        assert_eq!(d.lsb.get("description"), None);
    }

    #[test]
    fn ubuntu_24_04_prefers_lsb_release() {
        check(
            "ubuntu-24.04",
            (
                "Ubuntu",
                "Debian",
                "Ubuntu",
                "24.04",
                "noble",
                Some("Ubuntu-24.04"),
                Some(24),
            ),
        );
        let d = fixture("ubuntu-24.04");
        assert_eq!(d.lsb.get("description"), Some("Ubuntu 24.04.1 LTS"));
        // "04" becomes the integer 4, as Python's int() does.
        assert_eq!(
            d.release_data().map(|r| r.osrelease_info),
            Some(vec![json!(24), json!(4)])
        );
    }

    #[test]
    fn rocky_9_codename_from_pretty_name() {
        check(
            "rocky-9",
            (
                "Rocky",
                "RedHat",
                "Rocky Linux",
                "9.4",
                "Blue Onyx",
                Some("Rocky Linux-9"),
                Some(9),
            ),
        );
    }

    #[test]
    fn alpine_codename_is_pretty_name() {
        check(
            "alpine-3.19",
            (
                "Alpine",
                "Alpine",
                "Alpine Linux",
                "3.19.1",
                "Alpine Linux v3.19",
                Some("Alpine Linux-3"),
                Some(3),
            ),
        );
    }

    #[test]
    fn arch_has_no_release() {
        check(
            "arch",
            ("Arch", "Arch", "Arch Linux", "", "Arch Linux", None, None),
        );
        let mut grains = Map::new();
        fixture("arch").insert_into(&mut grains);
        assert_eq!(grains.get("osrelease"), Some(&json!("")));
        assert!(!grains.contains_key("osfinger") && !grains.contains_key("osmajorrelease"));
    }

    #[test]
    fn other_distributions_match_salt() {
        check(
            "almalinux-9",
            (
                "AlmaLinux",
                "RedHat",
                "AlmaLinux",
                "9.4",
                "Seafoam Ocelot",
                Some("AlmaLinux-9"),
                Some(9),
            ),
        );
        check(
            "amazon-2023",
            (
                "Amazon",
                "RedHat",
                "Amazon Linux",
                "2023",
                "Amazon Linux 2023.5.20240805",
                Some("Amazon Linux-2023"),
                Some(2023),
            ),
        );
        check(
            "centos-stream-9",
            (
                "CentOS Stream",
                "RedHat",
                "CentOS Stream",
                "9",
                "CentOS Stream 9",
                Some("CentOS Stream-9"),
                Some(9),
            ),
        );
        check(
            "fedora-40",
            (
                "Fedora",
                "RedHat",
                "Fedora Linux",
                "40",
                "",
                Some("Fedora Linux-40"),
                Some(40),
            ),
        );
        check(
            "gentoo",
            (
                "Gentoo",
                "Gentoo",
                "Gentoo",
                "2.15",
                "Gentoo Linux",
                Some("Gentoo-2"),
                Some(2),
            ),
        );
        check(
            "mint-21",
            (
                "Mint",
                "Debian",
                "Linux Mint",
                "21.3",
                "virginia",
                Some("Linux Mint-21"),
                Some(21),
            ),
        );
        check(
            "opensuse-leap-15.5",
            (
                "SUSE",
                "Suse",
                "Leap",
                "15.5",
                "openSUSE Leap 15.5",
                Some("Leap-15"),
                Some(15),
            ),
        );
        check(
            "raspbian-11",
            (
                "Raspbian",
                "Debian",
                "Raspbian GNU/Linux",
                "11",
                "bullseye",
                Some("Raspbian-11"),
                Some(11),
            ),
        );
        check(
            "sles-15-sp5",
            (
                "SUSE",
                "Suse",
                "SLES",
                "15.5",
                "SUSE Linux Enterprise Server 15 SP5",
                Some("SLES-15"),
                Some(15),
            ),
        );
    }

    #[test]
    fn debian_sid_release_comes_from_debian_version() {
        check(
            "debian-sid",
            (
                "Debian",
                "Debian",
                "Debian GNU/Linux",
                "trixie/sid",
                "trixie",
                Some("Debian-trixie/sid"),
                None,
            ),
        );
        assert_eq!(
            fixture("debian-sid")
                .release_data()
                .map(|r| r.osrelease_info),
            Some(vec![json!("trixie/sid")])
        );
    }

    #[test]
    fn os_release_quoting_and_escapes() {
        let rel = parse_os_release(
            "NAME=\"A \\\"quoted\\\" \\$name\"\nID='x'\nBAD LINE\n lead=1\nHALF=\"open\nEMPTY=\n",
        );
        assert_eq!(rel.get("NAME"), Some("A \"quoted\" $name"));
        assert_eq!(rel.get("ID"), Some("x"));
        assert_eq!(rel.get("HALF"), Some("\"open"));
        assert_eq!(rel.get("EMPTY"), Some(""));
        assert_eq!(rel.get("lead"), None);
        assert_eq!(rel.get("PRETTY_NAME"), Some("Linux"));
    }

    #[test]
    fn lsb_values_stop_at_unexpected_characters() {
        let lsb = parse_lsb_release(
            "DISTRIB_ID=\"Debian GNU/Linux\"\nDISTRIB_RELEASE='10.10'\nDISTRIB_CODENAME=\nOTHER=1\n",
        );
        assert_eq!(lsb.get("id"), Some("Debian GNU"));
        assert_eq!(lsb.get("release"), Some("10.10"));
        assert_eq!(lsb.get("codename"), None);
    }

    #[test]
    fn derive_os_grain_uses_salt_tables() {
        assert_eq!(
            derive_os_grain("Debian GNU/Linux", Some("debian")),
            "Debian"
        );
        assert_eq!(
            derive_os_grain("Red Hat Enterprise Linux", Some("rhel")),
            "RedHat"
        );
        assert_eq!(derive_os_grain("Linux Mint", Some("linuxmint")), "Mint");
        assert_eq!(derive_os_grain("Pop!_OS", Some("pop")), "Pop");
        assert_eq!(derive_os_grain("Arch Linux ARM", None), "Arch ARM");
        assert_eq!(derive_os_grain("Something New", None), "Something New");
    }

    #[test]
    fn red_hat_codename_comes_from_version() {
        let files = DistroFiles {
            os_release: Some(
                "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.4 (Plow)\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n"
                    .into(),
            ),
            ..DistroFiles::default()
        };
        let d = distribution(&files);
        assert_eq!(
            (d.os.as_str(), d.os_family.as_str(), d.oscodename.as_str()),
            ("RedHat", "RedHat", "Plow")
        );
        assert_eq!(
            d.release_data().map(|r| r.osfinger),
            Some("Red Hat Enterprise Linux-9".to_owned())
        );
    }

    #[test]
    fn version_and_codename_helpers() {
        assert_eq!(
            version_from_release_line("Alpine Linux v3.19").as_deref(),
            Some("3.19")
        );
        assert_eq!(
            version_from_release_line("Rocky Linux 9.4 (Blue Onyx)").as_deref(),
            Some("9.4")
        );
        assert_eq!(
            version_from_release_line("Ubuntu 22.04.3 LTS").as_deref(),
            Some("22.04.3")
        );
        assert_eq!(
            version_from_release_line("Debian GNU/Linux trixie/sid"),
            None
        );
        assert_eq!(version_from_release_line("Arch Linux"), None);
        assert_eq!(codename_from_version("9.4 (Plow)").as_deref(), Some("Plow"));
        assert_eq!(
            codename_from_version("20.04.6 LTS, Focal Fossa").as_deref(),
            Some("Focal Fossa")
        );
        assert_eq!(
            codename_from_version("40 (Server Edition)").as_deref(),
            Some("Server Edition")
        );
        assert_eq!(codename_from_version("2023"), None);
    }

    #[test]
    fn osrelease_data_like_salt() {
        let d = osrelease_data("Ubuntu", "Ubuntu", "22.04");
        assert_eq!(
            (d.osfinger.as_str(), d.osmajorrelease),
            ("Ubuntu-22.04", Some(22))
        );
        let d = osrelease_data("CentOS Stream", "CentOS Stream", "9");
        assert_eq!(d.osfinger, "CentOS Stream-9");
        let d = osrelease_data("Foo", "Foo OS", "1.x.3");
        assert_eq!(d.osrelease_info, vec![json!(1), json!("x"), json!(3)]);
    }
}

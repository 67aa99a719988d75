//! Configuration of the master and the minion.
//!
//! Files are Salt's: `<config_dir>/master` or `<config_dir>/minion`, plus
//! every `*.conf` in `master.d/` / `minion.d/` (in name order, later keys
//! win), YAML read with Salt's YAML rules. Keys are Salt's names; keys we do
//! not know are kept in [`Config::opts`] (Salt's `__opts__`) so execution
//! modules and templates can read them, as in Salt.
//!
//! `root_dir` works as in Salt: it is prepended to every configured path
//! that is absolute and not already under it, so a whole daemon can live in
//! one directory (the tests and the demo use this).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Yaml(#[from] halite_yaml::Error),
    #[error("{path}: the configuration must be a mapping of keys to values")]
    NotAMapping { path: PathBuf },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Which daemon a configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Master,
    Minion,
}

impl Role {
    pub fn file_name(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Minion => "minion",
        }
    }
}

/// Reads the merged raw options for `role` from `config_dir`. A missing main
/// file is not an error (all defaults), as with Salt.
pub fn read_opts(config_dir: &Path, role: Role) -> Result<Map<String, Value>, ConfigError> {
    let mut opts = Map::new();
    let main = config_dir.join(role.file_name());
    let mut files = vec![main];
    let include_dir = config_dir.join(format!("{}.d", role.file_name()));
    if let Ok(entries) = fs::read_dir(&include_dir) {
        let mut extra: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        extra.sort();
        files.extend(extra);
    }
    for path in files {
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        match halite_yaml::from_str_named(&text, &path.display().to_string())? {
            Value::Null => {}
            Value::Object(map) => opts.extend(map),
            _ => return Err(ConfigError::NotAMapping { path }),
        }
    }
    Ok(opts)
}

/// The `pillar_roots` of an options map, or Salt's default
/// `{base: [/srv/pillar]}` (the master's pillar, or a masterless minion's).
pub fn pillar_roots(opts: &Map<String, Value>) -> Map<String, Value> {
    match opts.get("pillar_roots") {
        Some(Value::Object(roots)) if !roots.is_empty() => roots.clone(),
        _ => {
            let mut roots = Map::new();
            roots.insert(
                "base".into(),
                Value::Array(vec![Value::String("/srv/pillar".into())]),
            );
            roots
        }
    }
}

/// Options shared by both daemons.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Common {
    pub root_dir: PathBuf,
    pub pki_dir: PathBuf,
    pub cachedir: PathBuf,
    pub sock_dir: PathBuf,
    pub log_file: PathBuf,
    pub log_level: String,
}

/// The master's options.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MasterConfig {
    #[serde(flatten)]
    pub common: Common,
    /// Address to listen on for minions.
    pub interface: String,
    /// Port minions connect to (Salt's `ret_port`; `master_port` is accepted
    /// as a synonym because there is one port only).
    pub ret_port: u16,
    pub auto_accept: bool,
    /// Hours to keep job results in the job cache.
    pub keep_jobs: f64,
    pub nodegroups: Map<String, Value>,
    /// Default `-t` for the CLI.
    pub timeout: f64,
    /// Seconds to wait for `saltutil.find_job` answers (Salt's name).
    pub gather_job_timeout: f64,
    /// Most unaccepted keys kept at once.
    pub max_pending_keys: usize,
    /// Most minion connections at once.
    pub max_minions: usize,
    /// Seconds between keep-alive pings to each minion; a minion silent for
    /// three intervals is dropped (half-open connection detection).
    pub ping_interval: f64,
    #[serde(skip)]
    pub opts: Map<String, Value>,
    #[serde(skip)]
    pub config_dir: PathBuf,
}

/// The minion's options.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MinionConfig {
    #[serde(flatten)]
    pub common: Common,
    /// Master host name or address.
    pub master: String,
    pub master_port: u16,
    /// Minion id; defaults to the host's fully qualified name.
    pub id: Option<String>,
    /// Fingerprint of the master's key; when set, no other key is trusted.
    pub master_finger: Option<String>,
    /// Static grains.
    pub grains: Map<String, Value>,
    /// Seconds between retries while the key waits for acceptance.
    pub acceptance_wait_time: f64,
    /// Upper bound for the growing acceptance wait (0: do not grow).
    pub acceptance_wait_time_max: f64,
    /// Keep retrying when the key is rejected, instead of exiting.
    pub rejected_retry: bool,
    /// Reconnect back-off, in milliseconds: first delay and upper bound.
    pub recon_default: u64,
    pub recon_max: u64,
    pub recon_randomize: bool,
    /// Most jobs running at once; more wait their turn.
    pub process_count_max: usize,
    /// Seconds the master may be silent before the minion reconnects. The
    /// master pings idle minions every `ping_interval` (30 s), so this
    /// must stay well above that.
    pub master_alive_interval: f64,
    #[serde(skip)]
    pub opts: Map<String, Value>,
    #[serde(skip)]
    pub config_dir: PathBuf,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            root_dir: PathBuf::from("/"),
            pki_dir: PathBuf::new(),
            cachedir: PathBuf::new(),
            sock_dir: PathBuf::new(),
            log_file: PathBuf::new(),
            log_level: "warning".into(),
        }
    }
}

impl Default for MasterConfig {
    fn default() -> Self {
        MasterConfig {
            common: Common::default(),
            interface: "0.0.0.0".into(),
            ret_port: 4506,
            auto_accept: false,
            keep_jobs: 24.0,
            nodegroups: Map::new(),
            timeout: 5.0,
            gather_job_timeout: 10.0,
            max_pending_keys: 10_000,
            max_minions: 100_000,
            ping_interval: 30.0,
            opts: Map::new(),
            config_dir: PathBuf::new(),
        }
    }
}

impl Default for MinionConfig {
    fn default() -> Self {
        MinionConfig {
            common: Common::default(),
            master: "salt".into(),
            master_port: 4506,
            id: None,
            master_finger: None,
            grains: Map::new(),
            acceptance_wait_time: 10.0,
            acceptance_wait_time_max: 0.0,
            rejected_retry: false,
            recon_default: 1000,
            recon_max: 10_000,
            recon_randomize: true,
            process_count_max: 64,
            master_alive_interval: 100.0,
            opts: Map::new(),
            config_dir: PathBuf::new(),
        }
    }
}

impl MasterConfig {
    pub fn load(config_dir: &Path) -> Result<MasterConfig, ConfigError> {
        let mut opts = read_opts(config_dir, Role::Master)?;
        if let Some(port) = opts.get("master_port").cloned() {
            opts.entry("ret_port").or_insert(port);
        }
        let mut cfg: MasterConfig = from_opts(&opts, config_dir, Role::Master)?;
        cfg.common.resolve_paths(Role::Master);
        cfg.config_dir = config_dir.to_owned();
        cfg.opts = cfg.common.fill_opts(opts, config_dir);
        Ok(cfg)
    }
}

impl MinionConfig {
    pub fn load(config_dir: &Path) -> Result<MinionConfig, ConfigError> {
        let opts = read_opts(config_dir, Role::Minion)?;
        let mut cfg: MinionConfig = from_opts(&opts, config_dir, Role::Minion)?;
        cfg.common.resolve_paths(Role::Minion);
        cfg.config_dir = config_dir.to_owned();
        cfg.opts = cfg.common.fill_opts(opts, config_dir);
        Ok(cfg)
    }
}

fn from_opts<T: serde::de::DeserializeOwned>(
    opts: &Map<String, Value>,
    config_dir: &Path,
    role: Role,
) -> Result<T, ConfigError> {
    // serde_path_to_error names the offending key, which serde_json alone
    // does not.
    serde_path_to_error::deserialize(Value::Object(opts.clone())).map_err(|e| {
        ConfigError::Invalid {
            path: config_dir.join(role.file_name()),
            message: format!("{}: {}", e.path(), e.inner()),
        }
    })
}

impl Common {
    /// Fills Salt's default paths and applies `root_dir`.
    fn resolve_paths(&mut self, role: Role) {
        let name = role.file_name();
        let defaults = [
            (&mut self.pki_dir, format!("/etc/halite/pki/{name}")),
            (&mut self.cachedir, format!("/var/cache/halite/{name}")),
            (&mut self.sock_dir, format!("/var/run/halite/{name}")),
            (&mut self.log_file, format!("/var/log/halite/{name}")),
        ];
        for (path, default) in defaults {
            if path.as_os_str().is_empty() {
                *path = PathBuf::from(default);
            }
            *path = prepend_root_dir(&self.root_dir, path);
        }
    }

    /// The options map served to modules as `opts`, with the resolved paths.
    fn fill_opts(&self, mut opts: Map<String, Value>, config_dir: &Path) -> Map<String, Value> {
        let path = |p: &Path| Value::String(p.display().to_string());
        opts.insert("root_dir".into(), path(&self.root_dir));
        opts.insert("pki_dir".into(), path(&self.pki_dir));
        opts.insert("cachedir".into(), path(&self.cachedir));
        opts.insert("sock_dir".into(), path(&self.sock_dir));
        opts.insert("log_file".into(), path(&self.log_file));
        opts.insert("config_dir".into(), path(config_dir));
        opts
    }
}

fn prepend_root_dir(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new("/") || !path.is_absolute() || path.starts_with(root) {
        return path.to_owned();
    }
    root.join(path.strip_prefix("/").unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_keys_defaults_root_dir_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::write(
            dir.path().join("master"),
            format!("root_dir: {}\nauto_accept: yes\nmaster_port: 4999\nkeep_jobs: 2\ncustom_key: 0644\n", root.display()),
        )
        .unwrap();
        fs::create_dir(dir.path().join("master.d")).unwrap();
        fs::write(
            dir.path().join("master.d/10-ng.conf"),
            "nodegroups:\n  web: 'web*'\n",
        )
        .unwrap();
        let cfg = MasterConfig::load(dir.path()).unwrap();
        assert!(cfg.auto_accept);
        assert_eq!(cfg.ret_port, 4999);
        assert_eq!(cfg.keep_jobs, 2.0);
        assert_eq!(cfg.common.pki_dir, root.join("etc/halite/pki/master"));
        assert_eq!(cfg.nodegroups["web"], Value::String("web*".into()));
        assert_eq!(cfg.opts["custom_key"], Value::from(644));
    }

    #[test]
    fn missing_file_means_defaults_and_bad_values_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = MinionConfig::load(dir.path()).unwrap();
        assert_eq!(cfg.master, "salt");
        assert_eq!(cfg.common.pki_dir, PathBuf::from("/etc/halite/pki/minion"));
        fs::write(dir.path().join("minion"), "master_port: not-a-port\n").unwrap();
        let err = MinionConfig::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("minion") && err.contains("master_port"),
            "{err}"
        );
        fs::write(dir.path().join("minion"), "master: [unclosed\n").unwrap();
        assert!(MinionConfig::load(dir.path()).is_err());
    }
}

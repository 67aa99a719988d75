//! Test support: real `halite` processes (master, minions, CLI) in a temp
//! dir, on 127.0.0.1 ports. Every process is killed when its handle drops.
//! Waiting is by polling a condition with a generous bound, never by a
//! fixed sleep, and no test asserts on elapsed time.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn halite_bin() -> &'static str {
    env!("CARGO_BIN_EXE_halite")
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `cond` every 50 ms until it holds; panics with `what` after 30 s.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for: {what}");
}

pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    fn spawn(args: &[&str], log: PathBuf) -> Proc {
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(halite_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        Proc { child, log }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct TestMaster {
    pub dir: PathBuf,
    pub config_dir: PathBuf,
    pub port: u16,
    pub proc: Option<Proc>,
    starts: u32,
}

/// The CLI's result.
pub struct CliOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Parses the one-document-per-minion JSON stream printed without --static.
    pub fn json_stream(&self) -> serde_json::Map<String, Value> {
        let mut all = serde_json::Map::new();
        for doc in serde_json::Deserializer::from_str(&self.stdout).into_iter::<Value>() {
            let doc = doc.unwrap_or_else(|e| panic!("bad JSON stream ({e}): {}", self.stdout));
            if let Value::Object(map) = doc {
                all.extend(map);
            }
        }
        all
    }
}

fn output(out: Output) -> CliOutput {
    CliOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl TestMaster {
    /// Starts a master in `<sandbox>/master` with `extra` YAML appended to
    /// its config.
    pub fn start(sandbox: &Path, extra: &str) -> TestMaster {
        let dir = sandbox.join("master");
        let config_dir = dir.join("etc");
        std::fs::create_dir_all(&config_dir).unwrap();
        let port = free_port();
        std::fs::write(
            config_dir.join("master"),
            format!(
                "root_dir: {root}\ninterface: 127.0.0.1\nret_port: {port}\nlog_level: info\ngather_job_timeout: 2\nping_interval: 5\n{extra}\n",
                root = dir.join("root").display()
            ),
        )
        .unwrap();
        let mut master = TestMaster {
            dir,
            config_dir,
            port,
            proc: None,
            starts: 0,
        };
        master.restart();
        master
    }

    /// (Re)starts the master process on the same dirs and port.
    pub fn restart(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        self.starts += 1;
        let log = self.dir.join(format!("master-{}.log", self.starts));
        let proc = Proc::spawn(&["master", "-c", self.config_dir.to_str().unwrap()], log);
        self.proc = Some(proc);
        let sock = self.sock_path();
        let port = self.port;
        wait_for("master socket and port", || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    pub fn sock_path(&self) -> PathBuf {
        self.dir.join("root/var/run/halite/master/master.sock")
    }

    pub fn pki_dir(&self) -> PathBuf {
        self.dir.join("root/etc/halite/pki/master")
    }

    /// Runs `halite -c <config> ARGS...` (the ad-hoc form, or a subcommand
    /// when `args[0]` is one; `-c` goes after the subcommand name).
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        let mut cmd = Command::new(halite_bin());
        let subcommands = ["key", "run", "call"];
        match args.first() {
            Some(first) if subcommands.contains(first) => {
                cmd.arg(first)
                    .arg("-c")
                    .arg(&self.config_dir)
                    .args(&args[1..]);
            }
            _ => {
                cmd.arg("-c").arg(&self.config_dir).args(args);
            }
        }
        output(cmd.stdin(Stdio::null()).output().unwrap())
    }

    pub fn accept(&self, id: &str) {
        let out = self.cli(&["key", "-y", "-a", id]);
        assert_eq!(out.code, 0, "accept failed: {}{}", out.stdout, out.stderr);
    }

    pub fn keys(&self) -> Value {
        self.cli(&["key", "-L", "--out", "json"]).json()
    }

    pub fn wait_pending(&self, id: &str) {
        wait_for(&format!("{id} pending"), || {
            self.keys()["minions_pre"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == id))
        });
    }

    pub fn up(&self) -> Vec<String> {
        let out = self.cli(&["run", "manage.up", "--out", "json"]);
        serde_json::from_str(&out.stdout).unwrap_or_default()
    }

    pub fn wait_up(&self, ids: &[&str]) {
        wait_for(&format!("minions up: {ids:?}"), || {
            let up = self.up();
            ids.iter().all(|id| up.iter().any(|u| u == id))
        });
    }

    pub fn log_text(&self) -> String {
        self.proc.as_ref().map(|p| p.log_text()).unwrap_or_default()
    }
}

pub struct TestMinion {
    pub id: String,
    pub dir: PathBuf,
    pub config_dir: PathBuf,
    pub proc: Option<Proc>,
}

impl TestMinion {
    /// Starts a minion `id` of `master` with `extra` YAML in its config.
    pub fn start(sandbox: &Path, master: &TestMaster, id: &str, extra: &str) -> TestMinion {
        let dir = sandbox.join(format!("minion-{id}"));
        let config_dir = dir.join("etc");
        std::fs::create_dir_all(&config_dir).unwrap();
        // `extra` may override a base key (duplicate keys are a YAML error).
        let base = format!(
            "root_dir: {root}\nmaster: 127.0.0.1\nmaster_port: {port}\nid: {id}\nlog_level: info\nacceptance_wait_time: 0.2\nrecon_default: 100\nrecon_max: 500\n",
            root = dir.join("root").display(),
            port = master.port
        );
        let overridden = |line: &str| {
            let key = line.split(':').next().unwrap_or_default();
            extra.lines().any(|l| l.starts_with(&format!("{key}:")))
        };
        let base: String = base
            .lines()
            .filter(|l| !overridden(l))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(config_dir.join("minion"), format!("{base}{extra}\n")).unwrap();
        let mut minion = TestMinion {
            id: id.to_owned(),
            dir,
            config_dir,
            proc: None,
        };
        minion.restart();
        minion
    }

    pub fn restart(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        let log = self.dir.join("minion.log");
        self.proc = Some(Proc::spawn(
            &["minion", "-c", self.config_dir.to_str().unwrap()],
            log,
        ));
    }

    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    pub fn log_text(&self) -> String {
        self.proc.as_ref().map(|p| p.log_text()).unwrap_or_else(|| {
            std::fs::read_to_string(self.dir.join("minion.log")).unwrap_or_default()
        })
    }
}

/// A master and accepted, connected minions.
pub struct Fleet {
    pub sandbox: tempfile::TempDir,
    pub master: TestMaster,
    pub minions: Vec<TestMinion>,
}

impl Fleet {
    /// `minions` are (id, extra minion config) pairs.
    pub fn start(master_extra: &str, minions: &[(&str, &str)]) -> Fleet {
        Fleet::start_in(tempfile::tempdir().unwrap(), master_extra, minions)
    }

    /// As [`Fleet::start`], in a sandbox the caller prepared.
    pub fn start_in(
        sandbox: tempfile::TempDir,
        master_extra: &str,
        minions: &[(&str, &str)],
    ) -> Fleet {
        let master = TestMaster::start(sandbox.path(), master_extra);
        let minions: Vec<TestMinion> = minions
            .iter()
            .map(|(id, extra)| TestMinion::start(sandbox.path(), &master, id, extra))
            .collect();
        for m in &minions {
            master.wait_pending(&m.id);
        }
        let out = master.cli(&["key", "-y", "-A"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let ids: Vec<&str> = minions.iter().map(|m| m.id.as_str()).collect();
        master.wait_up(&ids);
        Fleet {
            sandbox,
            master,
            minions,
        }
    }

    pub fn minion(&mut self, id: &str) -> &mut TestMinion {
        self.minions.iter_mut().find(|m| m.id == id).unwrap()
    }
}

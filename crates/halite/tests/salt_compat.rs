//! Differential tests against real Salt: the same SLS trees applied with
//! `salt-call --local` and with `halite call --local`, comparing the JSON
//! (everything but timings and pids) for `state.show_top`,
//! `state.show_lowstate`, `state.apply test=True` and `state.apply`.
//!
//! Salt comes from PyPI: `.ci/run` installs it into a virtualenv and sets
//! `HALITE_SALT_CALL`. In CI a missing Salt is a failure; elsewhere the
//! test says it was skipped.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::halite_bin;

/// The trees: the state engine's hand-written corpus, plus a formula that
/// exercises the whole pipeline (map.jinja, import_yaml, pillar merge,
/// loops, requisites).
fn cases() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = vec![
        (
            "formula".to_owned(),
            manifest.join("tests/compat/formula/salt"),
            Some(manifest.join("tests/compat/formula/pillar")),
        ),
        // File states on paths under each run's own cachedir.
        (
            "files".to_owned(),
            manifest.join("tests/compat/files/salt"),
            None,
        ),
    ];
    let corpus = manifest.join("../state/tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Cases with their own minion options or saltenv layout are covered
        // by the state crate's goldens; random trees would make CI slow.
        .filter(|n| !n.starts_with("random") && !n.starts_with("tree_"))
        .filter(|n| !corpus.join(n).join("minion.yaml").exists())
        .collect();
    names.sort();
    for name in names {
        let root = corpus.join(&name);
        cases.push((name, root, None));
    }
    cases
}

const COMMANDS: &[&[&str]] = &[
    &["state.show_top"],
    &["state.show_lowstate"],
    &["state.apply", "test=True"],
    &["state.apply"],
];

fn scratch_config(dir: &Path, root: &Path, pillar: Option<&Path>) -> PathBuf {
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let pillar_line = match pillar {
        Some(p) => format!("pillar_roots:\n  base:\n    - {}\n", p.display()),
        None => format!(
            "pillar_roots:\n  base:\n    - {}\n",
            dir.join("no-pillar").display()
        ),
    };
    std::fs::write(
        conf.join("minion"),
        format!(
            "file_client: local\nid: test-minion\nroot_dir: {d}\ncachedir: {d}/cache\npki_dir: {d}/pki\nsock_dir: {d}/sock\nlog_file: {d}/log\nlog_level_logfile: warning\nfile_roots:\n  base:\n    - {root}\n{pillar_line}grains:\n  roles: [web]\n",
            d = dir.display(),
            root = root.display()
        ),
    )
    .unwrap();
    conf
}

/// Drops what differs between any two runs, sorts the failed requisites
/// Salt lists in set order, and reduces an exception
/// comment to its message: Salt carries a Python traceback there, halite
/// the error text (a documented difference).
fn normalize(v: &mut Value) {
    const EXCEPTION: &str = "An exception occurred in this state: ";
    const REQ_FAILED: &str = "One or more requisite failed: ";
    match v {
        // Salt joins a Python set here, so its order changes between runs.
        Value::String(s) if s.starts_with(REQ_FAILED) => {
            let mut items: Vec<&str> = s[REQ_FAILED.len()..].split(", ").collect();
            items.sort_unstable();
            *s = format!("{REQ_FAILED}{}", items.join(", "));
        }
        Value::String(s) if s.starts_with(EXCEPTION) => {
            let last_line = s.trim_end().lines().last().unwrap_or_default();
            let message = last_line
                .rsplit_once("Error: ")
                .map_or(last_line, |(_, m)| m);
            let message = message
                .strip_prefix(EXCEPTION)
                .unwrap_or(message)
                .to_owned();
            *s = format!("{EXCEPTION}{message}");
        }
        Value::Object(map) => {
            map.shift_remove("start_time");
            map.shift_remove("duration");
            map.shift_remove("pid");
            for value in map.values_mut() {
                normalize(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// Runs a call; paths under the run's scratch dir read `@SCRATCH@`, so two
/// runs in different temp dirs compare equal.
fn run(cmd: &mut Command, scratch: &Path) -> (i32, Value) {
    let out = cmd.output().unwrap();
    let stdout =
        String::from_utf8_lossy(&out.stdout).replace(&scratch.display().to_string(), "@SCRATCH@");
    // Not JSON (a usage error, a crash) is compared as text.
    let mut value: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| Value::String(stdout.trim().to_owned()));
    normalize(&mut value);
    (out.status.code().unwrap_or(-1), value)
}

#[test]
fn same_json_as_salt_call() {
    let Some(salt_call) = std::env::var_os("HALITE_SALT_CALL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set HALITE_SALT_CALL (see .ci/run)"
        );
        eprintln!(
            "skipped: set HALITE_SALT_CALL to a salt-call (Salt 3007.16) to compare against Salt"
        );
        return;
    };
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (name, root, pillar) in cases() {
        for command in COMMANDS {
            let salt_dir = tempfile::tempdir().unwrap();
            let salt_conf = scratch_config(salt_dir.path(), &root, pillar.as_deref());
            let (salt_code, salt) = run(
                Command::new(&salt_call)
                    .arg("--local")
                    .arg("--config-dir")
                    .arg(&salt_conf)
                    .args(["--out", "json"])
                    .args(*command),
                salt_dir.path(),
            );
            let ours_dir = tempfile::tempdir().unwrap();
            let ours_conf = scratch_config(ours_dir.path(), &root, pillar.as_deref());
            let (ours_code, ours) = run(
                Command::new(halite_bin())
                    .args(["call", "--local", "-c"])
                    .arg(&ours_conf)
                    .args(["--out", "json"])
                    .args(*command),
                ours_dir.path(),
            );
            // Where Salt itself crashes (a Python TypeError, printed as usage
            // text instead of JSON) there is no Salt answer to compare with.
            if salt.is_string() {
                eprintln!("{name} {command:?}: salt-call crashed; not compared");
                continue;
            }
            compared += 1;
            if salt != ours || (salt_code == 0) != (ours_code == 0) {
                mismatches.push(format!(
                    "{name} {command:?}: exit {salt_code} vs {ours_code}\n  salt:   {salt}\n  halite: {ours}"
                ));
            }
        }
    }
    assert!(compared > 0);
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

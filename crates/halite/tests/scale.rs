//! A few hundred simulated minions (`halite swarm`) against one master:
//! every one is accepted, answers, and is counted exactly once.

mod support;

use std::process::{Command, Stdio};

use support::*;

#[test]
fn swarm_of_300_minions_all_answer() {
    let sandbox = tempfile::tempdir().unwrap();
    let master = TestMaster::start(sandbox.path(), "auto_accept: True\n");
    let log = std::fs::File::create(sandbox.path().join("swarm.log")).unwrap();
    let mut swarm = Command::new(halite_bin())
        .args([
            "swarm",
            "300",
            "--master-port",
            &master.port.to_string(),
            "--prefix",
            "sim",
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_for("300 swarm minions up", || master.up().len() == 300);
    let out = master.cli(&[
        "sim-*",
        "test.ping",
        "--out",
        "json",
        "--out-indent",
        "-1",
        "-t",
        "20",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let returns = out.json_stream();
    assert_eq!(returns.len(), 300);
    assert!(returns.values().all(|v| v == &serde_json::json!(true)));
    // Grain targeting over the same fleet resolves on the master.
    let out = master.cli(&[
        "-C",
        "G@kernel:Linux and E@sim-1\\d$",
        "test.ping",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json().as_object().unwrap().len(), 10, "{}", out.stdout);
    let _ = swarm.kill();
    let _ = swarm.wait();
}

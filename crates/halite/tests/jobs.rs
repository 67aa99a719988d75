//! Jobs across failures: command timeouts, a minion killed mid-job, a
//! master restarted mid-job, async jobs and the job cache, kill_job.

mod support;

use serde_json::{Value, json};
use support::*;

#[test]
fn cmd_timeout_kills_the_process_group() {
    let fleet = Fleet::start("", &[("web1", "")]);
    let marker = fleet.sandbox.path().join("survivor");
    // A grandchild that would write a file after the timeout if it survived.
    let cmd = format!("sh -c 'sleep 3 && touch {}' & sleep 30", marker.display());
    let out = fleet.master.cli(&[
        "web1",
        "cmd.run_all",
        &cmd,
        "timeout=1",
        "--out",
        "json",
        "--static",
        "-t",
        "20",
    ]);
    let ret = &out.json()["web1"];
    assert_ne!(ret["retcode"], json!(0), "{ret}");
    assert_eq!(out.code, 1);
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert!(
        !marker.exists(),
        "a process of the timed-out command survived"
    );
}

#[test]
fn minion_killed_mid_job_is_reported_not_returned() {
    let mut fleet = Fleet::start("", &[("web1", ""), ("web2", "")]);
    let master_cfg = fleet.master.config_dir.clone();
    let handle = std::thread::spawn(move || {
        std::process::Command::new(halite_bin())
            .args([
                "-c",
                master_cfg.to_str().unwrap(),
                "*",
                "test.sleep",
                "3",
                "--out",
                "json",
                "--static",
                "-t",
                "2",
            ])
            .output()
            .unwrap()
    });
    // Give the job time to reach both minions, then kill one.
    wait_for("job running on web2", || {
        let out = fleet
            .master
            .cli(&["web2", "saltutil.running", "--out", "json", "--static"]);
        out.code == 0 && out.json()["web2"].as_array().is_some_and(|a| !a.is_empty())
    });
    fleet.minion("web2").kill();
    let out = handle.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(doc["web1"], json!(true));
    assert_eq!(doc["web2"], json!("Minion did not return. [Not connected]"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn master_restart_mid_job_delivers_the_result_to_the_job_cache() {
    let mut fleet = Fleet::start("", &[("web1", "")]);
    let out = fleet.master.cli(&["web1", "test.sleep", "2", "--async"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let jid = out.stdout.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(jid.len(), 20, "{}", out.stdout);
    // `--async` returns once the job is queued on the master; make sure the
    // minion has it before the master goes away.
    wait_for("job running on web1", || {
        let out = fleet
            .master
            .cli(&["web1", "saltutil.running", "--out", "json", "--static"]);
        out.code == 0
            && out.json()["web1"]
                .as_array()
                .is_some_and(|a| a.iter().any(|j| j["jid"] == json!(jid)))
    });
    fleet.master.stop();
    // The job finishes while the master is down; the minion keeps the
    // result in its outbox and delivers it after reconnecting.
    std::thread::sleep(std::time::Duration::from_secs(3));
    fleet.master.restart();
    fleet.master.wait_up(&["web1"]);
    wait_for("result in the job cache", || {
        let out = fleet
            .master
            .cli(&["run", "jobs.lookup_jid", &jid, "--out", "json"]);
        out.code == 0 && out.json() == json!({"web1": true})
    });
    let jobs = fleet
        .master
        .cli(&["run", "jobs.list_jobs", "--out", "json"])
        .json();
    assert_eq!(jobs[&jid]["Function"], json!("test.sleep"));
    assert_eq!(jobs[&jid]["Arguments"], json!([2]));
    assert_eq!(jobs[&jid]["Target"], json!("web1"));
    // And the minion serves new jobs.
    let out = fleet
        .master
        .cli(&["web1", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.json(), json!({"web1": true}));
}

#[test]
fn kill_job_stops_a_running_job() {
    let fleet = Fleet::start("", &[("web1", "")]);
    let out = fleet
        .master
        .cli(&["web1", "cmd.run", "sleep 60", "--async"]);
    let jid = out.stdout.trim().rsplit(' ').next().unwrap().to_owned();
    wait_for("job visible in saltutil.running", || {
        let out = fleet
            .master
            .cli(&["web1", "saltutil.running", "--out", "json", "--static"]);
        out.json()["web1"]
            .as_array()
            .is_some_and(|a| a.iter().any(|j| j["jid"] == json!(jid)))
    });
    let out = fleet.master.cli(&[
        "web1",
        "saltutil.kill_job",
        &jid,
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    wait_for("killed job gone", || {
        let out = fleet
            .master
            .cli(&["web1", "saltutil.running", "--out", "json", "--static"]);
        out.json()["web1"] == json!([])
    });
}

#[test]
fn slow_minion_is_kept_waiting_for_through_find_job() {
    // The job outlasts -t: the master asks saltutil.find_job, learns the job
    // is still running, and keeps waiting instead of giving up.
    let fleet = Fleet::start("", &[("web1", "")]);
    let out = fleet.master.cli(&[
        "web1",
        "test.sleep",
        "3",
        "-t",
        "1",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json(), json!({"web1": true}), "{}", out.stderr);
    assert_eq!(out.code, 0);
}

//! The key flow end to end: pending → accepted → rejected/deleted, denied
//! duplicates, and that nothing is published to a key that is not accepted.

mod support;

use support::*;

#[test]
fn pending_key_gets_nothing_until_accepted() {
    let sandbox = tempfile::tempdir().unwrap();
    let master = TestMaster::start(sandbox.path(), "");
    let _minion = TestMinion::start(sandbox.path(), &master, "web1", "");
    master.wait_pending("web1");

    // Not accepted: the target matches nothing and no job is sent.
    let out = master.cli(&["web1", "test.ping"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("No minions matched the target"),
        "{}",
        out.stderr
    );
    assert!(master.up().is_empty());

    master.accept("web1");
    master.wait_up(&["web1"]);
    let out = master.cli(&["web1", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), serde_json::json!({"web1": true}));

    let human = master.cli(&["key", "-L"]);
    assert_eq!(
        human.stdout,
        "Accepted Keys:\nweb1\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n"
    );
}

#[test]
fn rejected_key_gets_no_publish_and_minion_exits() {
    let sandbox = tempfile::tempdir().unwrap();
    let master = TestMaster::start(sandbox.path(), "");
    let mut minion = TestMinion::start(sandbox.path(), &master, "bad1", "");
    master.wait_pending("bad1");
    let out = master.cli(&["key", "-y", "-r", "bad1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Key for minion bad1 rejected."),
        "{}",
        out.stdout
    );
    let proc = minion.proc.as_mut().unwrap();
    wait_for("rejected minion exits", || !proc.is_running());
    assert!(
        minion.log_text().contains("rejected"),
        "{}",
        minion.log_text()
    );
    let out = master.cli(&["*", "test.ping"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        master.keys()["minions_rejected"],
        serde_json::json!(["bad1"])
    );
}

#[test]
fn a_second_key_for_an_accepted_id_is_denied() {
    let mut fleet = Fleet::start("", &[("web1", "")]);
    // A different machine (new key pair) claiming the same id.
    let impostor = TestMinion::start(
        fleet.sandbox.path(),
        &fleet.master,
        "web1-impostor",
        "id: web1\n",
    );
    wait_for("impostor denied", || {
        fleet.master.keys()["minions_denied"] == serde_json::json!(["web1"])
    });
    // The real minion keeps working.
    let out = fleet
        .master
        .cli(&["web1", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.json(), serde_json::json!({"web1": true}));
    drop(impostor);
    // Deleting the key drops the connection; the minion comes back pending.
    let out = fleet.master.cli(&["key", "-y", "-d", "web1"]);
    assert!(
        out.stdout.contains("Key for minion web1 deleted."),
        "{}",
        out.stdout
    );
    fleet.master.wait_pending("web1");
    assert!(fleet.master.up().is_empty());
    let _ = fleet.minion("web1");
}

#[test]
fn fingerprints_match_on_both_sides_and_master_finger_pins() {
    let sandbox = tempfile::tempdir().unwrap();
    let master = TestMaster::start(sandbox.path(), "");
    // A minion pinned to a wrong fingerprint never talks to this master.
    let wrong = "00:".repeat(31) + "00";
    let pinned = TestMinion::start(
        sandbox.path(),
        &master,
        "pinned",
        &format!("master_finger: '{wrong}'\n"),
    );
    let minion = TestMinion::start(sandbox.path(), &master, "web1", "");
    master.wait_pending("web1");
    let fingers = master.cli(&["key", "-F", "--out", "json"]).json();
    let minion_pub =
        std::fs::read_to_string(minion.dir.join("root/etc/halite/pki/minion/minion.pub")).unwrap();
    let generated = std::process::Command::new(halite_bin())
        .args(["key", "--gen-keys", "x", "--gen-keys-dir"])
        .arg(sandbox.path())
        .output()
        .unwrap();
    assert!(generated.status.success());
    assert!(sandbox.path().join("x.pem").exists() && sandbox.path().join("x.pub").exists());
    let fp = fingers["minions_pre"]["web1"].as_str().unwrap().to_owned();
    assert_eq!(fp.len(), 95);
    assert!(!minion_pub.is_empty());
    // The minion remembered the master's key, and it is the master's.
    let remembered = minion
        .dir
        .join("root/etc/halite/pki/minion/minion_master.pub");
    wait_for("minion_master.pub", || remembered.exists());
    assert_eq!(
        std::fs::read_to_string(remembered).unwrap(),
        std::fs::read_to_string(master.pki_dir().join("master.pub")).unwrap()
    );
    assert!(fingers["local"]["master.pub"].is_string());
    // The pinned minion never got as far as presenting its key.
    assert!(fingers["minions_pre"].get("pinned").is_none());
    wait_for("pinned minion reports the mismatch", || {
        pinned.log_text().contains("does not match")
    });
}

//! `salt://` over the bus: the master serves its file roots to accepted
//! minions only, confined to the roots, and minions cache by hash.

mod support;

use serde_json::json;
use support::*;

fn fleet_with_roots() -> (Fleet, std::path::PathBuf) {
    let sandbox = tempfile::tempdir().unwrap();
    let roots = sandbox.path().join("srv");
    std::fs::create_dir_all(roots.join("web")).unwrap();
    std::fs::write(roots.join("web/motd"), "welcome\n").unwrap();
    std::fs::write(roots.join("web/init.sls"), "motd: {}\n").unwrap();
    std::fs::write(sandbox.path().join("secret"), "top secret\n").unwrap();
    std::os::unix::fs::symlink(sandbox.path().join("secret"), roots.join("web/leak")).unwrap();
    let fleet = Fleet::start_in(
        sandbox,
        &format!("file_roots:\n  base:\n    - {}\n", roots.display()),
        &[("web1", "")],
    );
    (fleet, roots)
}

fn one(fleet: &Fleet, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["web1"];
    full.extend_from_slice(args);
    full.extend(["--out", "json", "--static"]);
    let out = fleet.master.cli(&full);
    out.json()["web1"].clone()
}

#[test]
fn minions_fetch_from_the_roots_and_nothing_else() {
    let (fleet, roots) = fleet_with_roots();
    assert_eq!(
        one(&fleet, &["cp.get_file_str", "salt://web/motd"]),
        json!("welcome\n")
    );
    assert_eq!(
        one(&fleet, &["cp.list_master"]),
        json!(["web/init.sls", "web/motd"])
    );
    assert_eq!(one(&fleet, &["cp.list_states"]), json!(["web"]));
    assert_eq!(
        one(&fleet, &["cp.hash_file", "salt://web/motd"])["hash_type"],
        json!("sha256")
    );

    // Updated on the master: the minion's cached copy is refreshed.
    std::fs::write(roots.join("web/motd"), "changed\n").unwrap();
    assert_eq!(
        one(&fleet, &["cp.get_file_str", "salt://web/motd"]),
        json!("changed\n")
    );

    // Nothing outside the roots, whatever the path says.
    for bad in [
        "salt://../secret",
        "salt://web/../../secret",
        "salt:///etc/passwd",
        "salt://web/leak",
    ] {
        let ret = one(&fleet, &["cp.get_file_str", bad]);
        assert!(
            ret == json!(false) || ret.as_str().is_some_and(|s| s.starts_with("ERROR")),
            "{bad}: {ret}"
        );
        assert_ne!(ret, json!("top secret\n"));
    }
}

#[test]
fn call_local_uses_the_file_root() {
    let sandbox = tempfile::tempdir().unwrap();
    let roots = sandbox.path().join("srv");
    std::fs::create_dir_all(&roots).unwrap();
    std::fs::write(roots.join("motd"), "local\n").unwrap();
    std::fs::write(
        sandbox.path().join("minion"),
        format!(
            "root_dir: {}\nid: box1\n",
            sandbox.path().join("root").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(halite_bin())
        .args(["call", "--local", "-c"])
        .arg(sandbox.path())
        .arg("--file-root")
        .arg(&roots)
        .args(["cp.get_file_str", "salt://motd", "--out", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, json!({"local": "local\n"}));
}

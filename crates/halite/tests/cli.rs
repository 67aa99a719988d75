//! The CLI's output formats, exit codes, argument parsing and `call --local`.

mod support;

use serde_json::json;
use support::*;

#[test]
fn output_formats_and_exit_codes() {
    let fleet = Fleet::start("", &[("web1", ""), ("web2", "")]);
    let m = &fleet.master;

    let out = m.cli(&["web1", "test.ping"]);
    assert_eq!(out.stdout, "web1:\n    True\n");
    assert_eq!(out.code, 0);

    let out = m.cli(&["*", "test.ping", "--out", "json"]);
    let stream = out.json_stream();
    assert_eq!(stream.get("web1"), Some(&json!(true)));
    assert_eq!(stream.get("web2"), Some(&json!(true)));

    let out = m.cli(&[
        "web1", "test.arg", "1", "two", "[a, b]", "k=v", "n=5", "--out", "json", "--static",
    ]);
    assert_eq!(out.json()["web1"]["args"], json!([1, "two", ["a", "b"]]));
    assert_eq!(out.json()["web1"]["kwargs"]["k"], json!("v"));
    assert_eq!(out.json()["web1"]["kwargs"]["n"], json!(5));

    let out = m.cli(&[
        "web1",
        "test.echo",
        "hello world",
        "--out",
        "yaml",
        "--static",
    ]);
    assert_eq!(out.stdout, "web1: hello world\n");

    let out = m.cli(&["web1", "test.echo", "hi", "--out", "txt"]);
    assert_eq!(out.stdout, "web1: hi\n");

    let out = m.cli(&["web1", "test.ping", "--out", "raw"]);
    assert_eq!(out.stdout, "{'web1': True}\n");

    let out = m.cli(&["web1", "cmd.run", "printf 'a\\nb'"]);
    assert_eq!(out.stdout, "web1:\n    a\n    b\n");

    // A failing command: the return is printed and the exit status says so.
    let out = m.cli(&["web1", "cmd.run", "exit 3"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("ERROR: Minions returned with non-zero exit code"),
        "{}",
        out.stderr
    );

    let out = m.cli(&["web1", "no.such_function"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("'no.such_function' is not available."),
        "{}",
        out.stdout
    );

    let file = fleet.sandbox.path().join("out.json");
    let out = m.cli(&[
        "web1",
        "test.ping",
        "--out",
        "json",
        "--static",
        "--out-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.stdout, "");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written, json!({"web1": true}));

    let out = m.cli(&["nomatch", "test.ping"]);
    assert_eq!(out.code, 2);
}

#[test]
fn usage_errors_and_unreachable_master_exit_2() {
    let sandbox = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(halite_bin())
        .args(["-c", sandbox.path().to_str().unwrap(), "*", "test.ping"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach the master"), "{stderr}");
    let out = std::process::Command::new(halite_bin())
        .args(["-G"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn call_local_runs_without_a_master() {
    let sandbox = tempfile::tempdir().unwrap();
    let cfg = sandbox.path();
    std::fs::write(
        cfg.join("minion"),
        format!(
            "root_dir: {}\nid: box1\ngrains:\n  role: builder\n",
            cfg.join("root").display()
        ),
    )
    .unwrap();
    let call = |args: &[&str]| {
        let out = std::process::Command::new(halite_bin())
            .args(["call", "--local", "-c", cfg.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(
        call(&["test.ping"]),
        (Some(0), "local:\n    True\n".to_owned())
    );
    let (code, out) = call(&["grains.item", "role", "id", "--out", "json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({"local": {"role": "builder", "id": "box1"}}));
    let (code, _) = call(&["cmd.run", "exit 4"]);
    assert_eq!(code, Some(1));
}

//! States from the master: SLS files and Jinja templates served from the
//! master's file roots, pillar compiled on the master per minion, applied
//! on the minions with Salt's return shape.

mod support;

use serde_json::json;
use support::*;

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn state_apply_from_the_master_with_pillar_per_minion() {
    let sandbox = tempfile::tempdir().unwrap();
    let srv = sandbox.path().join("srv");
    let pil = sandbox.path().join("pillar");
    let out_dir = sandbox.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    write(&srv, "top.sls", "base:\n  '*':\n    - motd\n");
    write(
        &srv,
        "motd/init.sls",
        &format!(
            "{{% set who = salt['pillar.get']('owner', 'nobody') %}}\nmotd:\n  cmd.run:\n    - name: echo {{{{ who }}}} > {out}/{{{{ grains['id'] }}}}\n    - creates: {out}/{{{{ grains['id'] }}}}\n",
            out = out_dir.display()
        ),
    );
    write(
        &pil,
        "top.sls",
        "base:\n  'web1':\n    - web\n  'db1':\n    - db\n",
    );
    write(&pil, "web.sls", "owner: alice\n");
    write(&pil, "db.sls", "owner: bob\nsecret: only-db\n");
    let fleet = Fleet::start_in(
        sandbox,
        &format!(
            "file_roots:\n  base:\n    - {}\npillar_roots:\n  base:\n    - {}\n",
            srv.display(),
            pil.display()
        ),
        &[("web1", ""), ("db1", "")],
    );
    let m = &fleet.master;

    // Each minion sees only its own pillar.
    let out = m.cli(&["*", "pillar.items", "--out", "json", "--static"]);
    assert_eq!(out.json()["web1"], json!({"owner": "alice"}));
    assert_eq!(
        out.json()["db1"],
        json!({"owner": "bob", "secret": "only-db"})
    );

    // test=True predicts and changes nothing.
    let out = m.cli(&["*", "state.apply", "test=True", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let web = &out.json()["web1"];
    let (key, ret) = web.as_object().unwrap().iter().next().unwrap();
    assert!(key.starts_with("cmd_|-motd_|-echo alice"), "{key}");
    assert_eq!(ret["result"], json!(null));
    assert!(std::fs::read_dir(&out_dir).unwrap().next().is_none());

    // A real run, then an idempotent second run.
    let out = m.cli(&["*", "state.apply", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("web1")).unwrap(),
        "alice\n"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("db1")).unwrap(),
        "bob\n"
    );
    let out = m.cli(&["web1", "state.apply", "--out", "json", "--static"]);
    let ret = out.json()["web1"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(ret["result"], json!(true));
    assert_eq!(ret["changes"], json!({}));
    assert!(ret["comment"].as_str().unwrap().contains("exists"), "{ret}");
}

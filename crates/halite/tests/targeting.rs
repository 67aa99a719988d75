//! Every target type, resolved by the master against real minions' grains,
//! and malformed expressions reported with their position.

mod support;

use serde_json::Value;
use support::*;

fn fleet() -> Fleet {
    Fleet::start(
        "nodegroups:\n  webs: 'web*'\n  debs: 'G@os_family:Debian and not db1'\n  listed: [db1, web2]\n",
        &[
            (
                "web1",
                "grains:\n  roles: [web, cache]\n  env: prod\n  deep:\n    rack: r1\n",
            ),
            (
                "web2",
                "grains:\n  roles: [web]\n  env: dev\n  deep:\n    rack: r2\n",
            ),
            (
                "db1",
                "grains:\n  roles: [db]\n  env: prod\n  deep:\n    rack: r1\n",
            ),
        ],
    )
}

fn targeted(fleet: &Fleet, flag: Option<&str>, tgt: &str) -> Vec<String> {
    let mut args: Vec<&str> = Vec::new();
    if let Some(flag) = flag {
        args.push(flag);
    }
    args.extend([tgt, "test.ping", "--out", "json", "--static"]);
    let out = fleet.master.cli(&args);
    if out.code == 2 && out.stderr.contains("No minions matched") {
        return vec![];
    }
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    let Value::Object(map) = out.json() else {
        panic!("{}", out.stdout)
    };
    let mut ids: Vec<String> = map.keys().cloned().collect();
    ids.sort();
    ids
}

#[test]
fn every_target_type() {
    let fleet = fleet();
    let cases: &[(Option<&str>, &str, &[&str])] = &[
        (None, "*", &["db1", "web1", "web2"]),
        (None, "web*", &["web1", "web2"]),
        (None, "web[!2]", &["web1"]),
        (None, "nomatch*", &[]),
        (Some("-E"), "web\\d", &["web1", "web2"]),
        (Some("-E"), "eb", &[]), // re.match anchors at the start
        (Some("-L"), "web1,db1,ghost", &["db1", "web1"]),
        (Some("-G"), "env:prod", &["db1", "web1"]),
        (Some("-G"), "roles:web", &["web1", "web2"]),
        (Some("-G"), "deep:rack:r1", &["db1", "web1"]),
        (Some("-G"), "roles:ca*", &["web1"]),
        (Some("-P"), "env:^d.v$", &["web2"]),
        (Some("-S"), "127.0.0.0/8", &["db1", "web1", "web2"]),
        (Some("-S"), "10.254.0.0/16", &[]),
        (Some("-N"), "webs", &["web1", "web2"]),
        (Some("-N"), "listed", &["db1", "web2"]),
        (Some("-C"), "G@env:prod and web*", &["web1"]),
        (Some("-C"), "G@env:prod or E@web2", &["db1", "web1", "web2"]),
        (Some("-C"), "not web1", &["db1", "web2"]),
        (
            Some("-C"),
            "( L@web1,web2 or G@roles:db ) and not G@env:dev",
            &["db1", "web1"],
        ),
        (Some("-C"), "N@debs", &["web1", "web2"]),
        (Some("-C"), "S@127.0.0.1 and P@roles:^ca", &["web1"]),
    ];
    for (flag, tgt, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(targeted(&fleet, *flag, tgt), expected, "{flag:?} {tgt}");
    }
}

#[test]
fn malformed_expressions_point_at_the_problem() {
    let fleet = fleet();
    let out = fleet
        .master
        .cli(&["-C", "G@env:prod and ( web*", "test.ping"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("G@env:prod and ( web*"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains('^'), "{}", out.stderr);
    let out = fleet.master.cli(&["-E", "web(", "test.ping"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.to_lowercase().contains("regular expression") || out.stderr.contains("regex"),
        "{}",
        out.stderr
    );
    let out = fleet.master.cli(&["-N", "nosuchgroup", "test.ping"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nosuchgroup"), "{}", out.stderr);
}

//! Malformed SLS data must produce errors, never a panic, at every stage:
//! rendering, compiling, running.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use halite_exec::Ctx;
use halite_state::{DirSource, HighStateBuilder, RunSettings, call_high};

/// Shapes that are wrong in every place a value can be wrong.
const BAD_DOCUMENTS: &[&str] = &[
    "a: 1",
    "a: [1, 2]",
    "a: {test: 5}",
    "a: {test: [nop, {require: 5}]}",
    "a: {test: [nop, {require: [5, [1], {x: [1]}]}]}",
    "a: {test: [nop, {require_in: [5, {}, {test: [1]}]}]}",
    "a: {test: [nop, {watch_in: {test: b}}]}\nb: {test: [nop]}",
    "a: {test: [nop, {names: [1, {x: 5}, {y: [1, {z: 2}]}, [3]]}]}",
    "a: {test: [nop, {order: [1]}]}",
    "a: {test: [nop, {prereq: [{test: a}]}]}",
    "a: {test: [nop, {use: [{test: a}, 7]}]}",
    "a: {test: [nop, {listen: [{test: zz}, 3]}]}\nb: {test: [nop, {listen_in: [x, {test: a}]}]}",
    "a: {test: [nop, {retry: {attempts: x, interval: [1]}}]}",
    "a: {test: [nop, {onlyif: [{nofun: 1}, 5]}]}",
    "a: {test: [nop, {name: {x: 1}}]}",
    "extend: 5\nexclude: 5\ninclude: 5",
    "extend: {a: 5, b: {test: [1]}}\na: {test: [nop]}",
    "exclude: [5, {sls: [1]}, {id: x, sls: y}]\na: {test: [nop]}",
    "include: [5, {base: 5}, {nope: x}, ...., '']",
    "a: {test.nop.extra: [], test: [x y]}",
];

#[test]
fn malformed_sls_never_panics() {
    let ctx = Ctx::new(Arc::new(json!({})), Arc::new(json!({})), ".".into());
    for (i, doc) in BAD_DOCUMENTS.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.sls"), doc).unwrap();
        let source = DirSource::single(dir.path());
        let mut builder = HighStateBuilder::new(&source);
        let (mut high, _errors) =
            builder.render_highstate(&vec![("base".into(), vec!["bad".into()])]);
        let settings = RunSettings {
            test: true,
            ..RunSettings::default()
        };
        // Either errors or a result map; both are fine, a panic is not.
        match call_high(&ctx, &mut high, settings, &builder.processed_sls) {
            Ok(ret) => assert!(ret.values().all(Value::is_object), "case {i}: {ret:?}"),
            Err(errors) => assert!(!errors.is_empty(), "case {i}"),
        }
    }
}

#[test]
fn requisite_cycles_end_with_salts_verdict() {
    let ctx = Ctx::new(Arc::new(json!({})), Arc::new(json!({})), ".".into());
    let dir = tempfile::tempdir().unwrap();
    // A cycle through watch_in (which verify_high does not check).
    std::fs::write(
        dir.path().join("cycle.sls"),
        "a: {test: [nop, {watch_in: [{test: b}]}]}\nb: {test: [nop, {watch_in: [{test: a}]}]}\n",
    )
    .unwrap();
    let source = DirSource::single(dir.path());
    let mut builder = HighStateBuilder::new(&source);
    let (mut high, errors) = builder.render_highstate(&vec![("base".into(), vec!["cycle".into()])]);
    assert!(errors.is_empty());
    let ret: Map<String, Value> = call_high(
        &ctx,
        &mut high,
        RunSettings::default(),
        &builder.processed_sls,
    )
    .unwrap();
    let comments: Vec<&str> = ret.values().filter_map(|r| r["comment"].as_str()).collect();
    assert!(
        comments.contains(&"Recursive requisite found"),
        "{comments:?}"
    );
}

#[test]
fn very_long_requisite_chains_stop_without_overflowing_the_stack() {
    let ctx = Ctx::new(Arc::new(json!({})), Arc::new(json!({})), ".".into());
    let dir = tempfile::tempdir().unwrap();
    // s0 requires s1 requires s2 ...: running s0 first recurses through
    // the whole chain, deeper than the engine allows.
    let n = 1200;
    let mut sls = String::new();
    for i in 0..n {
        sls += &format!("s{i}:\n  test.nop:\n");
        if i + 1 < n {
            sls += &format!("    - require:\n      - s{}\n", i + 1);
        } else {
            sls += "    - comment: end\n";
        }
    }
    std::fs::write(dir.path().join("chain.sls"), sls).unwrap();
    let source = DirSource::single(dir.path());
    let mut builder = HighStateBuilder::new(&source);
    let (mut high, errors) = builder.render_highstate(&vec![("base".into(), vec!["chain".into()])]);
    assert!(errors.is_empty());
    let ret = call_high(
        &ctx,
        &mut high,
        RunSettings::default(),
        &builder.processed_sls,
    )
    .unwrap();
    assert_eq!(ret.len(), n);
    let last = &ret[&format!("test_|-s{}_|-s{}_|-nop", n - 1, n - 1)];
    assert_eq!(last["result"], json!(true));
    let cut = ret
        .values()
        .filter(|r| r["comment"] == json!("Recursive requisite found"))
        .count();
    assert!(cut >= 1, "the chain was not cut");
}

//! Hostile input returns an error instead of exhausting the stack or the
//! memory, and input just inside the limits still works.

use halite_yaml::{DumpOptions, ErrorKind, Value, from_str, to_string};

fn too_deep(src: &str) -> usize {
    match from_str(src) {
        Err(err) => match err.kind() {
            ErrorKind::TooDeep { max } => *max,
            other => panic!("expected a depth error, got {other}"),
        },
        Ok(_) => panic!("deep input loaded"),
    }
}

#[test]
fn deep_flow_nesting_is_refused() {
    assert_eq!(too_deep(&"[".repeat(100_000)), 255);
    assert_eq!(too_deep(&"{".repeat(100_000)), 255);
    assert_eq!(
        too_deep(&format!(
            "a: {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        )),
        255
    );
}

#[test]
fn deep_block_nesting_is_refused() {
    assert_eq!(too_deep(&format!("{}x\n", "- ".repeat(100_000))), 128);
    let mapping: String = (0..3000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    assert_eq!(too_deep(&mapping), 128);
}

#[test]
fn deep_nesting_through_aliases_is_refused() {
    // Each anchor wraps the previous one: 600 levels of value from 600
    // short lines, none of them nested in the text.
    let mut src = String::from("a0: &a0 [x]\n");
    for i in 1..600 {
        src.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    assert_eq!(too_deep(&src), 128);
}

#[test]
fn nesting_inside_the_limit_loads_and_dumps() {
    // Runs on the test thread's 2 MiB stack, in a debug build.
    let block = format!("{}x\n", "- ".repeat(128));
    let mapping: String = (0..127).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let flow = format!("{}{}", "[".repeat(128), "]".repeat(128));
    for src in [block, mapping, flow] {
        let value = from_str(&src).expect("128 levels are allowed");
        for opts in [DumpOptions::salt_outputter(), DumpOptions::salt()] {
            let text = to_string(&value, &opts);
            assert_eq!(from_str(&text).expect("reload"), value);
        }
    }
}

#[test]
fn a_long_chain_of_merges_is_flattened_once_per_link() {
    let mut src = String::from("a0: &a0 {k0: x}\n");
    for i in 1..200 {
        src.push_str(&format!(
            "a{i}: &a{i} {{<<: *a{p}, k{i}: {{z: 1}}}}\n",
            p = i - 1
        ));
    }
    let value = from_str(&src).expect("Salt loads this too");
    assert_eq!(value["a199"].as_object().map(|m| m.len()), Some(200));
}

#[test]
fn billion_laughs_is_refused() {
    let mut src = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        src.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let err = from_str(&src).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::TooManyAliasedNodes { max: 1_000_000 }
    );
}

#[test]
fn merge_bomb_is_refused() {
    // Every level merges the previous one twice: 2^40 pairs if expanded.
    let mut src = String::from("m0: &m0 {k: v}\n");
    for i in 1..40 {
        src.push_str(&format!("m{i}: &m{i} {{<<: [*m{p}, *m{p}]}}\n", p = i - 1));
    }
    let err = from_str(&src).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::TooManyAliasedNodes { .. } | ErrorKind::ConflictingId(_)
        ),
        "{err}"
    );
}

#[test]
fn recursive_alias_is_refused() {
    let err = from_str("a: &a [1, *a]\n").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RecursiveAlias("a".to_owned()));
    let err = from_str("a: &a {b: *a}\n").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RecursiveAlias("a".to_owned()));
}

#[test]
fn reasonable_aliasing_is_fine() {
    // 1000 states reusing one anchored block of defaults.
    let mut src = String::from("defaults: &d {user: root, group: root, mode: 0644}\n");
    for i in 0..1000 {
        src.push_str(&format!(
            "file{i}:\n  <<: *d\n  name: /etc/f{i}\n  copy: *d\n"
        ));
    }
    let value = from_str(&src).expect("loads");
    assert_eq!(value["file999"]["mode"], Value::from(644));
    assert_eq!(value["file999"]["copy"]["user"], Value::from("root"));
}

#[test]
fn large_flat_documents_are_not_capped() {
    let src: String = (0..100_000)
        .map(|i| format!("key{i}: value {i}\n"))
        .collect();
    let value = from_str(&src).expect("loads");
    assert_eq!(value.as_object().map(|m| m.len()), Some(100_000));
}

#[test]
fn garbage_never_panics() {
    // Truncations of a document full of features, at every character.
    let src = "a: &a {x: [1, 'two', \"th\\u00e9ree\"], <<: {y: !!int 0644}}\nb: *a\nc: |\n  text\n? [k]\n: v\n";
    for end in src.char_indices().map(|(i, _)| i) {
        let _ = from_str(&src[..end]);
    }
    for bytes in [
        "\u{0}",
        "\u{feff}\u{feff}",
        "&",
        "*",
        "!",
        "!<",
        "%",
        "@",
        "`",
        "? ? ?",
        ": : :",
        "- - -",
    ] {
        let _ = from_str(bytes);
    }
}

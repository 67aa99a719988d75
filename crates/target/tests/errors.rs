//! Malformed targets: each must fail with a message and the byte position
//! of the offending word, where Salt would silently match nothing.

use halite_target::{Matcher, TargetError, TargetType};
use serde_json::{Map, Value, json};

fn nodegroups() -> Map<String, Value> {
    let fleet: Value = serde_json::from_str(include_str!("fixtures/fleet.json")).unwrap();
    fleet["nodegroups"].as_object().unwrap().clone()
}

fn error(tgt_type: TargetType, expr: &str) -> TargetError {
    match Matcher::compile(expr, tgt_type, &nodegroups()) {
        Ok(matcher) => panic!("{tgt_type} {expr:?} compiled: {matcher:?}"),
        Err(err) => err,
    }
}

/// `(type, expression, position, message)`; the error's text is the
/// expression itself unless the case says otherwise.
const CASES: &[(TargetType, &str, usize, &str)] = {
    use TargetType::*;
    &[
        (Compound, "", 0, "empty target expression"),
        (Compound, " \t ", 0, "empty target expression"),
        (Glob, "", 0, "empty target expression"),
        (Grain, "", 0, "empty target expression"),
        (
            Compound,
            "G@os:Debian and ( web*",
            16,
            "unbalanced parenthesis",
        ),
        (Compound, "( ( web* )", 0, "unbalanced parenthesis"),
        (
            Compound,
            "web* )",
            5,
            "unbalanced parenthesis: no '(' to close",
        ),
        (
            Compound,
            "( web* ) )",
            9,
            "unbalanced parenthesis: no '(' to close",
        ),
        (Compound, ")", 0, "unbalanced parenthesis: no '(' to close"),
        (Compound, "(", 0, "unbalanced parenthesis"),
        (Compound, "( )", 2, "empty parentheses"),
        (
            Compound,
            "( and web* )",
            2,
            "expected a target after '(', found 'and'",
        ),
        (Compound, "and web*", 0, "'and' needs a target before it"),
        (Compound, "or", 0, "'or' needs a target before it"),
        (
            Compound,
            "web* and",
            5,
            "dangling 'and': expected a target after it",
        ),
        (
            Compound,
            "web* or",
            5,
            "dangling 'or': expected a target after it",
        ),
        (
            Compound,
            "web* and or db*",
            9,
            "'or' needs a target before it",
        ),
        (
            Compound,
            "not",
            0,
            "dangling 'not': expected a target after it",
        ),
        (
            Compound,
            "web* and not",
            9,
            "dangling 'not': expected a target after it",
        ),
        (
            Compound,
            "web* not",
            5,
            "dangling 'not': expected a target after it",
        ),
        (
            Compound,
            "not not web*",
            4,
            "expected a target or '(' after 'not', found 'not'",
        ),
        (
            Compound,
            "not ) web*",
            4,
            "expected a target or '(' after 'not', found ')'",
        ),
        (
            Compound,
            "web* db*",
            5,
            "expected 'and' or 'or' between two targets",
        ),
        (
            Compound,
            "web* ( db* )",
            5,
            "expected 'and' or 'or' between two targets",
        ),
        (Compound, "X@foo", 0, "unknown target type 'X@'"),
        (Compound, "web* or X@foo", 8, "unknown target type 'X@'"),
        (
            Compound,
            "R@%cluster",
            0,
            "range targeting (R@) is not supported",
        ),
        (Compound, "web* and G@", 11, "'G@' needs a pattern after it"),
        (Compound, "G%@", 3, "'G%@' needs a pattern after it"),
        (
            Compound,
            "G@os",
            2,
            "grain target needs ':' between the key and the value",
        ),
        (
            Compound,
            "web* and G@os",
            11,
            "grain target needs ':' between the key and the value",
        ),
        (
            Compound,
            "G%@os:Debian",
            3,
            "grain target needs '%' between the key and the value",
        ),
        (
            Compound,
            "I@role",
            2,
            "pillar target needs ':' between the key and the value",
        ),
        (
            Grain,
            "os",
            0,
            "grain target needs ':' between the key and the value",
        ),
        (
            PillarExact,
            "role",
            0,
            "pillar target needs ':' between the key and the value",
        ),
        (
            Compound,
            "web* and E@web(",
            14,
            "invalid regex: unclosed group",
        ),
        (
            Pcre,
            "web(?=1)",
            3,
            "invalid regex: look-around, including look-ahead and look-behind, is not supported",
        ),
        (
            Pcre,
            r"(web)\1",
            5,
            "invalid regex: backreferences are not supported",
        ),
        (Compound, "P@os:(deb", 5, "invalid regex: unclosed group"),
        (
            GrainPcre,
            "roles:(?!web)",
            6,
            "invalid regex: look-around, including look-ahead and look-behind, is not supported",
        ),
        (
            Compound,
            "S@10.0.0.1/8",
            2,
            "\"10.0.0.1/8\" has host bits set",
        ),
        (
            Compound,
            "web* or S@10.0.0.300",
            10,
            "\"10.0.0.300\" is not an IP address or CIDR network",
        ),
        (
            Ipcidr,
            "10.0.0.0/33",
            0,
            "\"10.0.0.0/33\" is not an IP address or CIDR network",
        ),
        (
            Ipcidr,
            "db1",
            0,
            "\"db1\" is not an IP address or CIDR network",
        ),
        (Compound, "N@nope", 0, "unknown nodegroup 'nope'"),
        (Compound, "web* or N@nope", 8, "unknown nodegroup 'nope'"),
        (Nodegroup, "nope", 0, "unknown nodegroup 'nope'"),
        (
            Nodegroup,
            "bad_type",
            0,
            "nodegroup 'bad_type' must be a string or a list",
        ),
        (
            Compound,
            "(web* or db* )",
            0,
            "'(' must be separated from the target by a space",
        ),
        (
            Compound,
            "( web* or db*)",
            13,
            "')' must be separated from the target by a space",
        ),
        (
            Compound,
            "( G@os:Debian)",
            13,
            "')' must be separated from the target by a space",
        ),
    ]
};

#[test]
fn every_malformed_expression_points_at_its_mistake() {
    let mut failures = Vec::new();
    for &(tgt_type, expr, pos, message) in CASES {
        let err = error(tgt_type, expr);
        if (err.expr.as_str(), err.pos, err.message.as_str()) != (expr, pos, message) {
            failures.push(format!(
                "{tgt_type} {expr:?}\n   got  {:?} at {} in {:?}\n   want {message:?} at {pos}",
                err.message, err.pos, err.expr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn display_draws_a_caret_under_the_mistake() {
    let err = error(TargetType::Compound, "G@os:Debian and ( web*");
    assert_eq!(
        err.to_string(),
        "invalid target expression: unbalanced parenthesis\n  G@os:Debian and ( web*\n                  ^"
    );
    let err = error(TargetType::Compound, "web* and E@web(");
    assert_eq!(
        err.to_string(),
        "invalid target expression: invalid regex: unclosed group\n  web* and E@web(\n                ^"
    );
}

#[test]
fn mistakes_inside_a_nodegroup_point_into_its_definition() {
    let err = error(TargetType::Compound, "web* or N@bad_regex_group");
    assert_eq!(err.expr, "G@os:Debian and E@web(");
    assert_eq!(err.pos, 21);
    assert_eq!(
        err.message,
        "in nodegroup 'bad_regex_group': invalid regex: unclosed group"
    );

    let err = error(TargetType::Nodegroup, "dangling");
    assert_eq!((err.expr.as_str(), err.pos), ("web* and", 5));
    assert_eq!(
        err.message,
        "in nodegroup 'dangling': dangling 'and': expected a target after it"
    );
}

#[test]
fn nodegroup_cycles_name_the_whole_loop() {
    let err = error(TargetType::Compound, "N@loop_a");
    assert_eq!((err.expr.as_str(), err.pos), ("N@loop_a", 0));
    assert_eq!(
        err.message,
        "in nodegroup 'loop_b': nodegroup cycle: loop_a -> loop_b -> loop_a"
    );

    let err = error(TargetType::Nodegroup, "self_loop");
    assert_eq!(
        err.message,
        "in nodegroup 'self_loop': nodegroup cycle: self_loop -> self_loop"
    );
}

#[test]
fn a_nodegroup_used_twice_without_a_cycle_is_fine() {
    let groups = nodegroups();
    assert!(
        Matcher::compile(
            "N@dbs or ( N@dbs and N@debian )",
            TargetType::Compound,
            &groups
        )
        .is_ok()
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}web*{}", "( ".repeat(100), " )".repeat(100));
    let err = error(TargetType::Compound, &deep);
    assert_eq!(
        (err.pos, err.message.as_str()),
        (128, "parentheses nested too deeply")
    );
    let ok = format!("{}web*{}", "( ".repeat(60), " )".repeat(60));
    assert!(Matcher::compile(&ok, TargetType::Compound, &Map::new()).is_ok());

    // A chain of 100 nodegroups, each using the next.
    let mut chain = Map::new();
    for i in 0..100 {
        chain.insert(format!("g{i}"), json!(format!("N@g{}", i + 1)));
    }
    chain.insert("g100".into(), json!("web*"));
    let err = Matcher::compile("g0", TargetType::Nodegroup, &chain).unwrap_err();
    assert!(
        err.message.ends_with("nodegroups nested too deeply"),
        "{}",
        err.message
    );
}

#[test]
fn list_targets_given_as_data_must_hold_strings() {
    let err =
        Matcher::compile_value(&json!(["web1", 2]), TargetType::List, &Map::new()).unwrap_err();
    assert_eq!(err.message, "target list items must be strings, found 2");
    let err = Matcher::compile_value(&json!({"a": 1}), TargetType::Glob, &Map::new()).unwrap_err();
    assert_eq!(err.message, "a glob target must be a string");
}

#[test]
fn unknown_target_types_are_refused_by_name() {
    let err = "range".parse::<TargetType>().unwrap_err();
    assert!(
        err.to_string().starts_with("unknown target type \"range\""),
        "{err}"
    );
}

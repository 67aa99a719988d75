//! Errors: the right kind, on the right line, with Salt's words where
//! Salt has words for it. Lines in comments are what Salt 3007 reports.

use halite_yaml::{ErrorKind, from_str, from_str_named};

fn error(src: &str) -> halite_yaml::Error {
    match from_str(src) {
        Ok(value) => panic!("loaded {value} from {src:?}"),
        Err(err) => err,
    }
}

#[test]
fn duplicate_key_names_the_key_and_its_line() {
    let src = "nginx:\n  pkg.installed: []\napache:\n  pkg.installed: []\nnginx:\n  service.running: []\n";
    let err = from_str_named(src, "salt://web/init.sls").unwrap_err();
    // Salt: found conflicting ID 'nginx', line 5, column 1.
    assert_eq!(err.kind(), &ErrorKind::ConflictingId("nginx".to_owned()));
    assert_eq!((err.line(), err.column()), (5, 1));
    assert_eq!(err.name(), Some("salt://web/init.sls"));
    assert_eq!(
        err.to_string(),
        "salt://web/init.sls: line 5, column 1: found conflicting ID 'nginx'"
    );
}

#[test]
fn nested_duplicate_key() {
    let err =
        error("state:\n  file.managed:\n    - name: /etc/x\n  file.managed:\n    - name: /etc/y\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::ConflictingId("file.managed".to_owned())
    );
    assert_eq!((err.line(), err.column()), (4, 3));
}

#[test]
fn keys_equal_in_python_conflict() {
    // Salt: found conflicting ID 'True' (True == 1 in Python).
    let err = error("{1: a, yes: b}");
    assert_eq!(err.kind(), &ErrorKind::ConflictingId("True".to_owned()));
    let err = error("a:\n  0644: x\n  644: y\n");
    assert_eq!(err.kind(), &ErrorKind::ConflictingId("644".to_owned()));
    assert_eq!(err.line(), 3);
}

#[test]
fn keys_equal_only_as_strings_collide() {
    // Salt keeps both (an int and a str); a JSON map cannot.
    let err = error("1: int\n'1': str\n");
    assert_eq!(err.kind(), &ErrorKind::KeyCollision("1".to_owned()));
    assert_eq!(err.line(), 2);
}

#[test]
fn tab_indentation() {
    let err = error("a:\n\t- b\n");
    assert!(matches!(err.kind(), ErrorKind::Tab(_)), "{err}");
    // Salt: line 2.
    assert_eq!(err.line(), 2);
    assert!(
        err.to_string()
            .contains("found character that cannot start any token"),
        "{err}"
    );
}

#[test]
fn control_characters_are_refused_anywhere() {
    let err = error("a: 1\nb: \"x\u{1}\"\n");
    assert_eq!(err.kind(), &ErrorKind::ControlCharacter(1));
    assert_eq!((err.line(), err.column()), (2, 6));
    // Salt: unacceptable character #x007f: control characters are not allowed
    assert_eq!(
        error("b: x\u{7f}").kind().to_string(),
        "unacceptable character #x007f: control characters are not allowed"
    );
    assert!(from_str("a: \"\u{85}\u{a0}\u{fffd}\u{1F600}\"").is_ok());
}

#[test]
fn tab_after_colon_is_a_separator_as_in_libyaml() {
    let value = from_str("a:\tb\nc:\t\t-1\n").expect("libyaml accepts tabs after ':'");
    assert_eq!(value, serde_json::json!({"a": "b", "c": -1}));
}

#[test]
fn unclosed_quote() {
    for src in ["a: \"x\n", "a: 'x\n", "a: \"x\nb: c\n"] {
        let err = error(src);
        assert!(matches!(err.kind(), ErrorKind::Syntax(_)), "{src:?}: {err}");
        assert_eq!(err.line(), 1, "{src:?}: {err}");
        assert!(err.to_string().contains("quoted scalar"), "{err}");
    }
}

#[test]
fn unclosed_flow_sequence() {
    let err = error("a: [1, 2\n");
    assert!(
        matches!(err.kind(), ErrorKind::Syntax(m) if m.contains("flow sequence")),
        "{err}"
    );
    assert_eq!(err.line(), 2);
}

#[test]
fn undefined_alias() {
    let err = error("a: 1\nb: *missing\n");
    assert_eq!(err.kind(), &ErrorKind::UndefinedAlias("missing".to_owned()));
    assert_eq!((err.line(), err.column()), (2, 4));
}

#[test]
fn duplicate_anchor() {
    let err = error("a: &x 1\nb: &x 2\nc: *x\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::DuplicateAnchor {
            name: "x".to_owned(),
            first_line: 1
        }
    );
    assert_eq!(err.line(), 2);
}

#[test]
fn anchor_names_are_alphanumeric() {
    let err = error("a: &a.b 1\n");
    assert_eq!(err.kind(), &ErrorKind::BadAnchorName);
}

#[test]
fn unknown_tags() {
    let err = error("ok: 1\nbad: !!python/object:os.system ls\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::UnknownTag("tag:yaml.org,2002:python/object:os.system".to_owned())
    );
    assert_eq!(err.line(), 2);
    assert_eq!(
        err.kind().to_string(),
        "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"
    );
    let err = error("secret: !vault abc\n");
    assert_eq!(err.kind(), &ErrorKind::UnknownTag("!vault".to_owned()));
}

#[test]
fn unsupported_tags() {
    let err = error("s: !!set {a, b}\n");
    assert_eq!(err.kind(), &ErrorKind::UnsupportedTag("!!set".to_owned()));
}

#[test]
fn invalid_tagged_values() {
    let err = error("x: !!int twelve\n");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidValue { value, .. } if value == "twelve"),
        "{err}"
    );
    assert!(matches!(
        error("x: !!bool maybe\n").kind(),
        ErrorKind::InvalidValue { .. }
    ));
    assert!(matches!(
        error("x: !!float abc\n").kind(),
        ErrorKind::InvalidValue { .. }
    ));
    assert_eq!(
        error("x: !!binary /w==\n").kind(),
        &ErrorKind::BinaryNotText
    );
    let err = error("x: !!str {a: 1}\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::WrongNodeKind {
            expected: "scalar",
            found: "mapping"
        }
    );
}

#[test]
fn merge_errors_use_salts_words() {
    let err = error("base: &b hello\nc:\n  <<: *b\n");
    assert_eq!(
        err.kind().to_string(),
        "expected a mapping or list of mappings for merging, but found scalar"
    );
    let err = error("base: &b {x: 1}\nc:\n  <<: [*b, 5]\n");
    assert_eq!(
        err.kind().to_string(),
        "expected a mapping for merging, but found scalar"
    );
    assert_eq!(err.line(), 3);
    // Two merged maps sharing a key: Salt's merge makes that a conflict.
    let err = error("a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: [*a, *b]\n");
    assert_eq!(err.kind(), &ErrorKind::ConflictingId("x".to_owned()));
    assert_eq!(err.line(), 1);
}

#[test]
fn merge_and_value_keys_as_values() {
    let err = error("a: =\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::UnknownTag("tag:yaml.org,2002:value".to_owned())
    );
    let err = error("- <<\n");
    assert_eq!(
        err.kind(),
        &ErrorKind::UnknownTag("tag:yaml.org,2002:merge".to_owned())
    );
}

#[test]
fn collection_keys_are_unacceptable() {
    let err = error("? [a, b]\n: value\n");
    assert_eq!(err.kind(), &ErrorKind::UnacceptableKey);
    // A Jinja expression left unrendered is a flow mapping used as a key.
    let err = error("a: {{ b }}\n");
    assert_eq!(err.kind(), &ErrorKind::UnacceptableKey);
}

#[test]
fn more_than_one_document() {
    let err = error("a: 1\n---\nb: 2\n");
    assert_eq!(err.kind(), &ErrorKind::MultipleDocuments);
    assert_eq!(err.line(), 2);
}

#[test]
fn error_without_name_has_no_prefix() {
    let err = error("a: *nope\n");
    assert_eq!(
        err.to_string(),
        "line 1, column 4: found undefined alias 'nope'"
    );
}

//! What the master relies on besides `matches`: candidate ids for lookups
//! instead of scans, whether grains or pillar are needed, targets given as
//! data, and Salt's type names.

use halite_target::{Matcher, MinionData, TargetType};
use serde_json::{Map, Value, json};

struct Minion {
    id: &'static str,
    grains: Value,
}

impl MinionData for Minion {
    fn id(&self) -> &str {
        self.id
    }
    fn grains(&self) -> &Value {
        &self.grains
    }
}

fn compile(expr: &str, tgt_type: TargetType) -> Matcher {
    let nodegroups = json!({"dbs": ["db1", "db2"], "web": "web*"});
    Matcher::compile(expr, tgt_type, nodegroups.as_object().unwrap()).unwrap()
}

fn candidates(expr: &str, tgt_type: TargetType) -> Option<Vec<String>> {
    compile(expr, tgt_type)
        .candidate_ids()
        .map(<[String]>::to_vec)
}

fn some(ids: &[&str]) -> Option<Vec<String>> {
    Some(ids.iter().map(|id| id.to_string()).collect())
}

#[test]
fn candidate_ids_bound_what_can_match() {
    use TargetType::*;
    assert_eq!(candidates("web1,db1,web1", List), some(&["db1", "web1"]));
    assert_eq!(candidates("web1", Glob), some(&["web1"]));
    assert_eq!(candidates("web*", Glob), None);
    assert_eq!(candidates("web[1]", Glob), None);
    assert_eq!(candidates("web1", Pcre), None);
    assert_eq!(candidates("os:Debian", Grain), None);
    assert_eq!(
        candidates("web1 or L@db1,db2", Compound),
        some(&["db1", "db2", "web1"])
    );
    assert_eq!(candidates("web1 or G@os:Debian", Compound), None);
    assert_eq!(
        candidates("G@os:Debian and L@db1,db2", Compound),
        some(&["db1", "db2"])
    );
    assert_eq!(
        candidates("L@a,b,c and not b", Compound),
        some(&["a", "b", "c"])
    );
    assert_eq!(candidates("not web1", Compound), None);
    assert_eq!(candidates("dbs", Nodegroup), some(&["db1", "db2"]));
    assert_eq!(candidates("web", Nodegroup), None);
}

#[test]
fn candidate_ids_never_exclude_a_match() {
    let minion = Minion {
        id: "db2",
        grains: json!({"os": "Debian"}),
    };
    for expr in [
        "G@os:Debian and L@db1,db2",
        "db2 or L@x",
        "L@db1,db2 and not db1",
    ] {
        let matcher = compile(expr, TargetType::Compound);
        assert!(matcher.matches(&minion), "{expr}");
        assert!(
            matcher
                .candidate_ids()
                .unwrap()
                .iter()
                .any(|id| id == "db2"),
            "{expr}"
        );
    }
}

#[test]
fn data_needs_are_reported() {
    use TargetType::*;
    let needs = |expr, t| {
        let m = compile(expr, t);
        (m.uses_grains(), m.uses_pillar())
    };
    assert_eq!(needs("web*", Glob), (false, false));
    assert_eq!(needs("os:Debian", Grain), (true, false));
    assert_eq!(needs("10.0.0.0/8", Ipcidr), (true, false));
    assert_eq!(needs("role:web", Pillar), (false, true));
    assert_eq!(
        needs("web* and not ( E@db or S@10.0.0.1 )", Compound),
        (true, false)
    );
    assert_eq!(needs("web* or J@role:w", Compound), (false, true));
    assert_eq!(needs("dbs", Nodegroup), (false, false));
}

#[test]
fn targets_given_as_data() {
    let groups = Map::new();
    let minion = Minion {
        id: "web 1",
        grains: json!({"os": "Debian"}),
    };

    // A list of ids keeps ids whole; a list of compound words is a compound.
    let list = Matcher::compile_value(&json!(["web 1", "db1"]), TargetType::List, &groups).unwrap();
    assert!(list.matches(&minion));
    let words = json!(["G@os:Debian", "and", "not", "db*"]);
    let compound = Matcher::compile_value(&words, TargetType::Compound, &groups).unwrap();
    assert!(compound.matches(&minion));
    let string = Matcher::compile_value(&json!("web*"), TargetType::Glob, &groups).unwrap();
    assert!(string.matches(&minion));
}

#[test]
fn grain_paths_can_use_another_delimiter() {
    let groups = Map::new();
    let minion = Minion {
        id: "w",
        grains: json!({"dc": {"name": "ams:1"}}),
    };
    let matcher =
        Matcher::compile_with_delimiter("dc|name|ams:1", TargetType::Grain, &groups, '|').unwrap();
    assert!(matcher.matches(&minion));
    // Compound terms ignore it, as in Salt, unless they name their own.
    let compound = Matcher::compile_with_delimiter(
        "G|@dc|name|ams:1 and G@dc:name:ams:1",
        TargetType::Compound,
        &groups,
        '%',
    )
    .unwrap();
    assert!(compound.matches(&minion));
}

#[test]
fn minions_without_grains_or_pillar_match_no_data_target() {
    let minion = Minion {
        id: "new",
        grains: Value::Null,
    };
    for (expr, tgt_type) in [
        ("os:*", TargetType::Grain),
        ("*:*", TargetType::Grain),
        ("0.0.0.0/0", TargetType::Ipcidr),
        ("role:*", TargetType::Pillar),
    ] {
        assert!(!compile(expr, tgt_type).matches(&minion), "{expr}");
    }
    assert!(compile("not G@os:*", TargetType::Compound).matches(&minion));
}

#[test]
fn type_names_round_trip() {
    use TargetType::*;
    for t in [
        Glob,
        Pcre,
        List,
        Grain,
        GrainPcre,
        Pillar,
        PillarPcre,
        PillarExact,
        Ipcidr,
        Nodegroup,
        Compound,
    ] {
        assert_eq!(t.as_str().parse::<TargetType>(), Ok(t));
        assert_eq!(t.to_string(), t.as_str());
    }
}

//! The targeting table: every case in `fixtures/cases.json` over the fleet
//! in `fixtures/fleet.json` must select exactly its listed minions, and must
//! agree with what real Salt selected for it (`salt_cases.json`, written by
//! `gen_salt_cases.py`), except where a case documents why it does not.

use std::collections::BTreeSet;

use halite_target::{Matcher, MinionData, TargetType};
use serde_json::{Map, Value};

const FLEET: &str = include_str!("fixtures/fleet.json");
const CASES: &str = include_str!("fixtures/cases.json");
const SALT: &str = include_str!("salt_cases.json");

struct Minion {
    id: String,
    grains: Value,
    pillar: Option<Value>,
}

impl MinionData for Minion {
    fn id(&self) -> &str {
        &self.id
    }
    fn grains(&self) -> &Value {
        &self.grains
    }
    fn pillar(&self) -> Option<&Value> {
        self.pillar.as_ref()
    }
}

fn fleet() -> (Vec<Minion>, Map<String, Value>) {
    let fleet: Value = serde_json::from_str(FLEET).unwrap();
    let minions = fleet["minions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, data)| Minion {
            id: id.clone(),
            grains: data.get("grains").cloned().unwrap_or(Value::Null),
            pillar: data.get("pillar").cloned(),
        })
        .collect();
    (minions, fleet["nodegroups"].as_object().unwrap().clone())
}

fn ids(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

fn delimiter(case: &Value) -> char {
    case.get("delimiter")
        .and_then(Value::as_str)
        .and_then(|d| d.chars().next())
        .unwrap_or(':')
}

fn select(case: &Value, minions: &[Minion], nodegroups: &Map<String, Value>) -> BTreeSet<String> {
    let tgt_type: TargetType = case["type"].as_str().unwrap().parse().unwrap();
    let expr = case["expr"].as_str().unwrap();
    let matcher = Matcher::compile_with_delimiter(expr, tgt_type, nodegroups, delimiter(case))
        .unwrap_or_else(|err| panic!("{tgt_type} {expr:?} does not compile:\n{err}"));
    minions
        .iter()
        .filter(|m| matcher.matches(*m))
        .map(|m| m.id.clone())
        .collect()
}

#[test]
fn every_case_selects_its_listed_minions() {
    let (minions, nodegroups) = fleet();
    let cases: Vec<Value> = serde_json::from_str(CASES).unwrap();
    assert!(cases.len() > 100, "the table lost its cases");
    let mut failures = Vec::new();
    for case in &cases {
        let got = select(case, &minions, &nodegroups);
        let want = ids(&case["ids"]);
        if got != want {
            failures.push(format!(
                "{} {:?}\n   got  {got:?}\n   want {want:?}",
                case["type"], case["expr"]
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
fn every_case_agrees_with_real_salt_or_says_why_not() {
    let (minions, nodegroups) = fleet();
    let cases: Vec<Value> = serde_json::from_str(CASES).unwrap();
    let salt: Vec<Value> = serde_json::from_str(SALT).unwrap();
    assert_eq!(
        cases.len(),
        salt.len(),
        "salt_cases.json is stale: run gen_salt_cases.py"
    );
    let mut failures = Vec::new();
    for (case, salt) in cases.iter().zip(&salt) {
        assert_eq!(
            (&case["type"], &case["expr"]),
            (&salt["type"], &salt["expr"]),
            "salt_cases.json is stale: run gen_salt_cases.py"
        );
        let got = select(case, &minions, &nodegroups);
        let master = ids(&salt["master"]);
        let label = format!("{} {:?}", case["type"], case["expr"]);
        match case.get("salt").and_then(Value::as_str) {
            None if got != master => {
                failures.push(format!("{label}\n   halite {got:?}\n   salt   {master:?}"));
            }
            Some("minion") => {
                let minion = ids(&salt["minion"]);
                if got != minion {
                    failures.push(format!(
                        "{label}\n   halite      {got:?}\n   salt minion {minion:?}"
                    ));
                }
                if minion == master {
                    failures.push(format!(
                        "{label}: Salt's master and minion agree now, drop \"salt\""
                    ));
                }
            }
            Some("differs") if got == master => {
                failures.push(format!(
                    "{label}: documented as differing from Salt, but agrees"
                ));
            }
            None | Some("differs") => {}
            Some(other) => failures.push(format!("{label}: unknown \"salt\" value {other:?}")),
        }
        if case.get("salt").is_some() && case.get("why").and_then(Value::as_str).is_none() {
            failures.push(format!("{label}: a divergence from Salt needs a \"why\""));
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
fn matchers_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Matcher>();
}

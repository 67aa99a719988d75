//! Hostile input never panics: deterministic pseudo-random expressions,
//! built from the pieces that stress each parser, are compiled as every
//! target type and, when they compile, matched against the whole fleet. An
//! error must always point at a char boundary inside its text.

use halite_target::{Matcher, MinionData, TargetType};
use serde_json::{Map, Value};

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

/// xorshift64*: small, deterministic, good enough to shuffle tokens.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "and",
    "or",
    "not",
    "(",
    ")",
    "G@",
    "P@",
    "I@",
    "J@",
    "E@",
    "L@",
    "S@",
    "N@",
    "R@",
    "X@",
    "G%@",
    "GG@",
    "G@@",
    "web*",
    "*",
    "?",
    "[",
    "]",
    "[!",
    "-",
    "z-a",
    "!",
    "\\",
    "\\Z",
    "(?",
    "(?=",
    "|",
    ",",
    ":",
    "*:",
    "%",
    "/",
    "10.0.0.0/8",
    "10.0.0.1",
    "::",
    "::1/128",
    "255.0.0.0",
    "os",
    "roles",
    "disks",
    "-1",
    "0",
    "99999999999999999999999",
    "debian",
    "webdeb",
    "loop_a",
    "dangling",
    "nested3",
    "bad_type",
    "empty",
    "é",
    "İ",
    "ß",
    "\u{0}",
    "\t",
    "\n",
    " ",
    " ",
    " ",
    "{",
    "}",
    "$",
    "^",
    ".",
    "+",
    "{2}",
    "{,",
    "\\d",
    "\\p{",
    "[[:alpha:]]",
    "(?P<a>",
    "(?i)",
    "\u{1c}",
    "\u{a0}",
];

const TYPES: [TargetType; 11] = [
    TargetType::Glob,
    TargetType::Pcre,
    TargetType::List,
    TargetType::Grain,
    TargetType::GrainPcre,
    TargetType::Pillar,
    TargetType::PillarPcre,
    TargetType::PillarExact,
    TargetType::Ipcidr,
    TargetType::Nodegroup,
    TargetType::Compound,
];

fn fleet() -> (Vec<Minion>, Map<String, Value>) {
    let fleet: Value = serde_json::from_str(include_str!("fixtures/fleet.json")).unwrap();
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

fn garbage(rng: &mut Rng) -> String {
    let mut expr = String::new();
    for _ in 0..rng.below(12) {
        if rng.below(8) == 0 {
            // A raw char, including ones no piece has.
            expr.push(char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'));
        } else {
            expr.push_str(PIECES[rng.below(PIECES.len())]);
        }
        if rng.below(2) == 0 {
            expr.push(' ');
        }
    }
    expr
}

#[test]
fn random_garbage_never_panics() {
    let (minions, nodegroups) = fleet();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut compiled, mut refused) = (0, 0);
    for _ in 0..3000 {
        let expr = garbage(&mut rng);
        for tgt_type in TYPES {
            match Matcher::compile(&expr, tgt_type, &nodegroups) {
                Ok(matcher) => {
                    compiled += 1;
                    for minion in &minions {
                        matcher.matches(minion);
                    }
                    let _ = matcher.candidate_ids();
                }
                Err(err) => {
                    refused += 1;
                    assert!(err.pos <= err.expr.len(), "{tgt_type} {expr:?}: {err:?}");
                    assert!(
                        err.expr.is_char_boundary(err.pos),
                        "{tgt_type} {expr:?}: {err:?}"
                    );
                    assert!(err.to_string().contains('^'));
                }
            }
        }
    }
    // Both paths must have been exercised for the test to mean anything.
    assert!(
        compiled > 1000 && refused > 1000,
        "compiled {compiled}, refused {refused}"
    );
}

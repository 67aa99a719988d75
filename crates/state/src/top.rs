//! Top files: which SLS each saltenv applies to this minion (Salt's
//! `get_top`, `top_matches` and `confirm_top`), with targets matched by
//! `halite_target` (compound by default, `- match: grain` and friends).

use serde_json::{Map, Value};

use halite_target::{Matcher, MinionData, TargetType};

use crate::highstate::Matches;
use crate::pystr;
use crate::source::SlsSource;

/// The minion as the top file sees it.
pub struct TopMinion<'a> {
    pub id: &'a str,
    pub grains: &'a Value,
    pub pillar: &'a Value,
}

impl MinionData for TopMinion<'_> {
    fn id(&self) -> &str {
        self.id
    }
    fn grains(&self) -> &Value {
        self.grains
    }
    fn pillar(&self) -> Option<&Value> {
        Some(self.pillar)
    }
}

/// Salt's `get_top` with the default `merge` strategy: every saltenv's
/// top file, `base` first; the first top file to define a saltenv's
/// target keeps it. Returns the merged top and render errors.
pub fn get_top(
    source: &dyn SlsSource,
    only_env: Option<&str>,
) -> (Map<String, Value>, Vec<String>) {
    let mut merged: Map<String, Value> = Map::new();
    let mut errors = Vec::new();
    let envs: Vec<String> = match only_env {
        Some(env) => vec![env.to_owned()],
        None => source.saltenvs(),
    };
    for env in envs {
        let top = match source.top(&env) {
            Ok(Some(Value::Object(top))) => top,
            Ok(Some(Value::Null)) | Ok(None) => continue,
            Ok(Some(_)) => {
                errors.push(format!("Top file of saltenv '{env}' is not a dictionary"));
                continue;
            }
            Err(err) => {
                errors.push(err.to_string());
                continue;
            }
        };
        for (saltenv, targets) in top {
            if saltenv == "include" {
                continue;
            }
            let Value::Object(targets) = targets else {
                errors.push(format!(
                    "Top file data for saltenv '{saltenv}' is not a dictionary"
                ));
                continue;
            };
            let slot = merged
                .entry(saltenv)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(slot) = slot {
                for (tgt, data) in targets {
                    slot.entry(tgt).or_insert(data);
                }
            }
        }
    }
    (merged, errors)
}

/// Salt's `top_matches`: per saltenv, the SLS names whose target matches
/// the minion, in top file order. Duplicates stay, as in Salt (rendering
/// skips them); `{saltenv: sls}` items add to another existing saltenv.
pub fn top_matches(
    top: &Map<String, Value>,
    minion: &TopMinion,
    nodegroups: &Map<String, Value>,
    avail: &[String],
) -> Matches {
    fn slot<'m>(matches: &'m mut Matches, env: &str) -> &'m mut Vec<String> {
        let pos = match matches.iter().position(|(e, _)| e == env) {
            Some(pos) => pos,
            None => {
                matches.push((env.to_owned(), Vec::new()));
                matches.len() - 1
            }
        };
        &mut matches[pos].1
    }
    let mut matches: Matches = Vec::new();
    for (saltenv, body) in top {
        let Value::Object(body) = body else { continue };
        for (tgt, data) in body {
            let items: Vec<Value> = match data {
                Value::Array(items) => items.clone(),
                Value::String(s) => vec![Value::String(s.clone())],
                _ => continue,
            };
            // Salt's confirm_top: the last `match:` item wins, compound
            // otherwise.
            let match_type = items
                .iter()
                .filter_map(|i| i.get("match").map(pystr))
                .next_back()
                .unwrap_or_else(|| "compound".to_owned());
            let Ok(tgt_type) = match_type.parse::<TargetType>() else {
                continue;
            };
            let Ok(matcher) = Matcher::compile(tgt, tgt_type, nodegroups) else {
                continue;
            };
            if !matcher.matches(minion) {
                continue;
            }
            slot(&mut matches, saltenv);
            for item in items {
                match item {
                    Value::String(sls) => slot(&mut matches, saltenv).push(sls),
                    Value::Object(map) => {
                        let Some((env_key, sls)) = map.into_iter().next_back() else {
                            continue;
                        };
                        if avail.contains(&env_key) {
                            slot(&mut matches, &env_key).push(pystr(&sls));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    matches
}

/// The matches as Salt's `state.show_top` prints them.
pub fn matches_to_value(matches: &Matches) -> Value {
    Value::Object(
        matches
            .iter()
            .map(|(env, sls)| {
                (
                    env.clone(),
                    Value::Array(sls.iter().cloned().map(Value::String).collect()),
                )
            })
            .collect(),
    )
}

/// Salt's `verify_tops`: structural errors in the merged top data.
pub fn verify_tops(top: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    for (saltenv, matches) in top {
        if saltenv == "include" {
            continue;
        }
        if saltenv.is_empty() {
            errors.push("Empty saltenv statement in top file".to_owned());
        }
        let Value::Object(matches) = matches else {
            errors.push(format!(
                "The top file matches for saltenv {saltenv} are not formatted as a dict"
            ));
            continue;
        };
        for (tgt, slsmods) in matches {
            let Value::Array(slsmods) = slsmods else {
                errors.push(format!(
                    "Malformed topfile: state declarations for matcher {} in saltenv {} are not formed as a list (got {})",
                    crate::pyrepr(&Value::String(tgt.clone())),
                    crate::pyrepr(&Value::String(saltenv.clone())),
                    crate::python_type(slsmods)
                ));
                continue;
            };
            for slsmod in slsmods {
                match slsmod {
                    Value::Object(m) => {
                        for val in m.values().filter(|v| !crate::truthy(v)) {
                            errors.push(format!(
                                "Improperly formatted top file matcher in saltenv {}: {} file",
                                pystr(slsmod),
                                pystr(val)
                            ));
                        }
                    }
                    Value::String(s) if s.is_empty() => {
                        errors.push(format!("Environment {saltenv} contains an empty sls index"));
                    }
                    _ => {}
                }
            }
        }
    }
    errors
}

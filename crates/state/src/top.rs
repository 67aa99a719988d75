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

/// Salt's `get_top` with the default `merge` strategy: the top file of
/// every saltenv (`base` first), or only `only_env`'s. `base`'s top file
/// is authoritative for every saltenv it names; another saltenv's top file
/// only counts for its own section, and only when no earlier top file
/// defined it. `include:` in a top file pulls in the named SLS files as
/// more top data. Returns the merged top and render errors.
pub fn get_top(
    source: &dyn SlsSource,
    only_env: Option<&str>,
) -> (Map<String, Value>, Vec<String>) {
    let mut errors = Vec::new();
    let envs: Vec<String> = match only_env {
        Some(env) => vec![env.to_owned()],
        None => source.saltenvs(),
    };
    let mut tops: Vec<(String, Vec<Map<String, Value>>)> = Vec::new();
    for env in envs {
        let mut env_tops = Vec::new();
        match source.top(&env) {
            Ok(Some(Value::Object(top))) => env_tops.push(top),
            Ok(Some(Value::Null)) | Ok(None) => {}
            Ok(Some(_)) => errors.push("Top data was not formed as a dict".to_owned()),
            Err(err) => errors.push(err.to_string()),
        }
        // Salt's top file `include`: more top data from SLS files.
        let mut includes = Vec::new();
        for top in env_tops.iter_mut() {
            if let Some(Value::Array(inc)) = top.shift_remove("include") {
                includes.extend(inc.iter().map(pystr));
            }
        }
        let mut done: Vec<String> = Vec::new();
        for pattern in includes {
            for sls in source
                .list_sls(&env)
                .into_iter()
                .filter(|s| crate::fnmatch::fnmatch(s, &pattern))
            {
                if done.contains(&sls) {
                    continue;
                }
                match source.render(&env, &sls) {
                    Ok(Some(rendered)) => {
                        if let Value::Object(top) = rendered.data {
                            env_tops.push(top);
                        }
                    }
                    Ok(None) => {}
                    Err(err) => errors.push(err.to_string()),
                }
                done.push(sls);
            }
        }
        tops.push((env, env_tops));
    }
    let mut merged: Map<String, Value> = Map::new();
    let merge_section = |merged: &mut Map<String, Value>, saltenv: &str, targets: &Value| {
        let slot = merged
            .entry(saltenv.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        match (slot, targets) {
            (Value::Object(slot), Value::Object(targets)) => {
                for (tgt, data) in targets {
                    slot.insert(tgt.clone(), data.clone());
                }
            }
            (slot, other) => *slot = other.clone(),
        }
    };
    // The base top files first: they are authoritative.
    for (_, env_tops) in tops.iter().filter(|(env, _)| env == "base") {
        for top in env_tops {
            for (saltenv, targets) in top {
                if saltenv != "include" {
                    merge_section(&mut merged, saltenv, targets);
                }
            }
        }
    }
    for (env, env_tops) in tops.iter().filter(|(env, _)| env != "base") {
        for top in env_tops {
            for (saltenv, targets) in top {
                if saltenv == "include" || saltenv != env || merged.contains_key(saltenv) {
                    continue;
                }
                merge_section(&mut merged, saltenv, targets);
            }
        }
    }
    (merged, errors)
}

/// Salt's `top_matches`: per saltenv, the SLS names whose target matches
/// the minion, in top file order. Duplicates stay, as in Salt (rendering
/// skips them); `{saltenv: sls}` items add to another existing saltenv.
pub fn top_matches_in(
    top: &Map<String, Value>,
    minion: &TopMinion,
    nodegroups: &Map<String, Value>,
    avail: &[String],
    only_env: Option<&str>,
) -> Matches {
    match only_env {
        Some(env) => {
            let filtered: Map<String, Value> = top
                .iter()
                .filter(|(k, _)| *k == env)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            top_matches(&filtered, minion, nodegroups, avail)
        }
        None => top_matches(top, minion, nodegroups, avail),
    }
}

/// See [`top_matches_in`]; all saltenvs.
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

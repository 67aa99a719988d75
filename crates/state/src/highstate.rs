//! From SLS names to high data: rendering through an [`SlsSource`],
//! `include` (relative, per-saltenv, globbed), `extend` and `exclude`
//! declarations, short forms (`pkg.installed` keys and `id: pkg.installed`
//! strings), `__sls__`/`__env__` and Salt's automatic `order` (Salt's
//! `BaseHighState.render_state` and friends, 3007).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::fnmatch::fnmatch;
use crate::source::SlsSource;

/// High data: ID → `{state: [args], __sls__, __env__}` plus the
/// `__extend__` / `__exclude__` lists until they are applied.
pub type HighData = Map<String, Value>;

/// Which SLS to render per saltenv (Salt's `matches`), in order.
pub type Matches = Vec<(String, Vec<String>)>;

/// Renders SLS files into one high data structure, the way Salt's
/// `HighState` does, collecting errors instead of stopping at the first.
pub struct HighStateBuilder<'a> {
    source: &'a dyn SlsSource,
    avail: BTreeMap<String, Vec<String>>,
    /// Salt's `iorder`: the next automatic `order`, starting at 10000.
    iorder: i64,
    /// Salt's `state_auto_order` (default true).
    pub auto_order: bool,
    /// Every SLS rendered, even empty ones: an `sls` requisite on an empty
    /// file is met (Salt issue 30971).
    pub processed_sls: BTreeSet<String>,
}

impl<'a> HighStateBuilder<'a> {
    pub fn new(source: &'a dyn SlsSource) -> HighStateBuilder<'a> {
        let avail = source.saltenvs().into_iter().map(|env| {
            let list = source.list_sls(&env);
            (env, list)
        });
        HighStateBuilder {
            source,
            avail: avail.collect(),
            iorder: 10000,
            auto_order: true,
            processed_sls: BTreeSet::new(),
        }
    }

    /// Salt's `render_highstate`: renders every matched SLS and merges
    /// them; returns the high data and the errors.
    pub fn render_highstate(&mut self, matches: &Matches) -> (HighData, Vec<String>) {
        let mut highstate = HighData::new();
        let mut all_errors = Vec::new();
        let mut mods: BTreeSet<String> = BTreeSet::new();
        for (saltenv, states) in matches {
            for sls_match in states {
                let mut statefiles = Vec::new();
                if let Some(avail) = self.avail.get(saltenv) {
                    statefiles = avail
                        .iter()
                        .filter(|s| fnmatch(s, sls_match))
                        .cloned()
                        .collect();
                } else {
                    all_errors.push(format!(
                        "No matching salt environment for environment '{saltenv}' found"
                    ));
                }
                if statefiles.is_empty() {
                    statefiles = vec![sls_match.clone()];
                }
                for sls in statefiles {
                    if mods.contains(&format!("{saltenv}:{sls}")) {
                        continue;
                    }
                    let (state, mut errors) = self.render_state(&sls, saltenv, &mut mods, matches);
                    if !state.is_empty() {
                        merge_included_states(&mut highstate, state, &mut errors);
                    }
                    let this_sls = format!("SLS {sls_match} in saltenv");
                    for error in errors.iter_mut() {
                        if error.contains("is not available") && error.contains(&this_sls) {
                            *error = format!(
                                "No matching sls found for '{sls_match}' in env '{saltenv}'"
                            );
                        }
                    }
                    all_errors.extend(errors);
                }
            }
        }
        clean_duplicate_extends(&mut highstate);
        (highstate, all_errors)
    }

    /// Salt's `render_state`: one file and, recursively, its includes.
    fn render_state(
        &mut self,
        sls: &str,
        saltenv: &str,
        mods: &mut BTreeSet<String>,
        matches: &Matches,
    ) -> (HighData, Vec<String>) {
        let mut errors = Vec::new();
        let rendered = match self.source.render(saltenv, sls) {
            Ok(Some(rendered)) => rendered,
            Ok(None) => {
                errors.push(format!(
                    "Specified SLS {sls} in saltenv {saltenv} is not available on the salt master or through a configured fileserver"
                ));
                return (HighData::new(), errors);
            }
            Err(err) => {
                errors.push(err.to_string());
                mods.insert(format!("{saltenv}:{sls}"));
                self.processed_sls.insert(sls.to_owned());
                return (HighData::new(), errors);
            }
        };
        mods.insert(format!("{saltenv}:{sls}"));
        self.processed_sls.insert(sls.to_owned());
        let mut state = match rendered.data {
            // An empty file renders to nothing, which is not an error.
            Value::Null => return (HighData::new(), errors),
            Value::Object(map) if map.is_empty() => return (HighData::new(), errors),
            Value::Object(map) => map,
            _ => {
                errors.push(format!("SLS {sls} does not render to a dictionary"));
                return (HighData::new(), errors);
            }
        };
        let mut include = Vec::new();
        if let Some(inc) = state.get("include") {
            match inc {
                Value::Array(items) => {
                    include = items.clone();
                    state.shift_remove("include");
                }
                _ => errors.push(format!(
                    "Include Declaration in SLS {sls} is not formed as a list"
                )),
            }
        }
        handle_extend(&mut state, sls, saltenv, &mut errors);
        handle_exclude(&mut state, sls, &mut errors);
        handle_state_decls(&mut state, sls, saltenv, &mut errors);

        for inc in include {
            let (env_key, mut inc_sls) = match inc {
                Value::Object(map) => match map.into_iter().next_back() {
                    Some((env, Value::String(name))) => (env, name),
                    Some((env, other)) => (env, crate::pystr(&other)),
                    None => continue,
                },
                Value::String(name) => (saltenv.to_owned(), name),
                other => (saltenv.to_owned(), crate::pystr(&other)),
            };
            if env_key != "_xenv"
                && !self.avail.contains_key(&env_key)
                && !self.avail.contains_key("__env__")
            {
                errors.push(format!(
                    "Nonexistent saltenv '{env_key}' found in include of '{inc_sls}' within SLS '{saltenv}:{sls}'"
                ));
                continue;
            }
            if inc_sls.starts_with('.') {
                let levels = inc_sls.chars().take_while(|c| *c == '.').count();
                let rest = inc_sls[levels..].to_owned();
                let mut p_comps: Vec<&str> = sls.split('.').collect();
                if rendered.is_package {
                    p_comps.push("init");
                }
                if levels > p_comps.len() {
                    errors.push(format!(
                        "Attempted relative include of '{inc_sls}' within SLS '{saltenv}:{sls}' goes beyond top level package "
                    ));
                    continue;
                }
                let mut parts: Vec<String> = p_comps[..p_comps.len() - levels]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                parts.push(rest);
                inc_sls = parts.join(".");
            }
            let empty = Vec::new();
            let resolved_envs: Vec<String> = if env_key != "_xenv" {
                let avail = self.avail.get(&env_key).unwrap_or(&empty);
                if matches.iter().any(|(env, _)| *env == env_key)
                    || avail.iter().any(|s| fnmatch(s, &inc_sls))
                {
                    vec![env_key.clone()]
                } else {
                    Vec::new()
                }
            } else {
                matches
                    .iter()
                    .filter(|(env, _)| {
                        self.avail
                            .get(env)
                            .unwrap_or(&empty)
                            .iter()
                            .any(|s| fnmatch(s, &inc_sls))
                    })
                    .map(|(env, _)| env.clone())
                    .collect()
            };
            if resolved_envs.len() == 1 || resolved_envs.iter().any(|e| e == saltenv) {
                let mut sls_targets: Vec<String> = self
                    .avail
                    .get(saltenv)
                    .unwrap_or(&empty)
                    .iter()
                    .filter(|s| fnmatch(s, &inc_sls))
                    .cloned()
                    .collect();
                if sls_targets.is_empty() {
                    sls_targets.push(inc_sls.clone());
                }
                for sls_target in sls_targets {
                    let r_env = if resolved_envs.len() == 1 {
                        resolved_envs[0].clone()
                    } else {
                        saltenv.to_owned()
                    };
                    if mods.contains(&format!("{r_env}:{sls_target}")) {
                        continue;
                    }
                    let (mut nstate, err) = self.render_state(&sls_target, &r_env, mods, matches);
                    if !nstate.is_empty() {
                        for (id, body) in nstate.iter_mut() {
                            if id.starts_with("__") {
                                continue;
                            }
                            if let Value::Object(body) = body {
                                let from = body
                                    .entry("__sls_included_from__")
                                    .or_insert_with(|| Value::Array(Vec::new()));
                                if let Value::Array(from) = from {
                                    from.push(Value::String(sls.to_owned()));
                                }
                            }
                        }
                        merge_included_states(&mut state, nstate, &mut errors);
                    }
                    errors.extend(err);
                }
            } else if resolved_envs.is_empty() {
                let envs = if env_key == "_xenv" {
                    matches
                        .iter()
                        .map(|(e, _)| e.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    env_key.clone()
                };
                errors.push(format!(
                    "Unknown include: Specified SLS {env_key}: {inc_sls} is not available on the salt master in saltenv(s): {envs} "
                ));
            } else {
                errors.push(format!(
                    "Ambiguous include: Specified SLS {env_key}: {inc_sls} is available on the salt master in multiple available saltenvs: {}",
                    resolved_envs.join(", ")
                ));
            }
        }
        if self.auto_order {
            self.handle_iorder(&mut state);
        }
        (state, errors)
    }

    /// Salt's `_handle_iorder`: every state declaration without an `order`
    /// gets the next number, so definition order is run order.
    fn handle_iorder(&mut self, state: &mut HighData) {
        for body in state.values_mut() {
            let Value::Object(body) = body else { continue };
            for (s_dec, args) in body.iter_mut() {
                if s_dec.starts_with('_') {
                    continue;
                }
                let Value::Array(args) = args else { continue };
                let found = args.iter().any(|arg| {
                    arg.as_object()
                        .and_then(|m| m.keys().next())
                        .is_some_and(|k| k == "order")
                });
                if !found {
                    let mut order = Map::new();
                    order.insert("order".into(), Value::from(self.iorder));
                    args.push(Value::Object(order));
                    self.iorder += 1;
                }
            }
        }
    }
}

/// Salt's `_handle_state_decls`: pads short forms and adds `__sls__` and
/// `__env__` to each ID.
fn handle_state_decls(state: &mut HighData, sls: &str, saltenv: &str, errors: &mut Vec<String>) {
    for (name, body) in state.iter_mut() {
        if name == "__extend__" || name == "__exclude__" {
            continue;
        }
        let map = match body {
            Value::Object(map) => map,
            Value::String(short) if short.contains('.') => {
                let mut comps = short.split('.');
                let module = comps.next().unwrap_or_default().to_owned();
                let fun = comps.next().unwrap_or_default().to_owned();
                let mut padded = Map::new();
                padded.insert("__sls__".into(), Value::String(sls.to_owned()));
                padded.insert("__env__".into(), Value::String(saltenv.to_owned()));
                padded.insert(module, Value::Array(vec![Value::String(fun)]));
                *body = Value::Object(padded);
                continue;
            }
            _ => {
                errors.push(format!("ID {name} in SLS {sls} is not a dictionary"));
                continue;
            }
        };
        let mut skeys: BTreeSet<String> = BTreeSet::new();
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            if key.starts_with('_') || !map.get(&key).is_some_and(Value::is_array) {
                continue;
            }
            if key.contains('.') {
                let mut comps = key.split('.');
                let module = comps.next().unwrap_or_default().to_owned();
                let fun = comps.next().unwrap_or_default().to_owned();
                if skeys.contains(&module) {
                    errors.push(format!(
                        "ID '{name}' in SLS '{sls}' contains multiple state declarations of the same type"
                    ));
                    continue;
                }
                let Some(Value::Array(mut args)) = map.shift_remove(&key) else {
                    continue;
                };
                args.push(Value::String(fun));
                map.insert(module.clone(), Value::Array(args));
                skeys.insert(module);
                continue;
            }
            skeys.insert(key);
        }
        map.entry("__sls__")
            .or_insert_with(|| Value::String(sls.to_owned()));
        map.entry("__env__")
            .or_insert_with(|| Value::String(saltenv.to_owned()));
    }
}

/// Salt's `_handle_extend`: moves `extend:` into the `__extend__` list.
fn handle_extend(state: &mut HighData, sls: &str, saltenv: &str, errors: &mut Vec<String>) {
    let Some(ext) = state.shift_remove("extend") else {
        return;
    };
    let Value::Object(mut ext) = ext else {
        errors.push(format!(
            "Extension value in SLS '{sls}' is not a dictionary"
        ));
        return;
    };
    for (name, body) in ext.iter_mut() {
        let Value::Object(body) = body else {
            errors.push(format!(
                "Extension name '{name}' in SLS '{sls}' is not a dictionary"
            ));
            continue;
        };
        body.entry("__sls__")
            .or_insert_with(|| Value::String(sls.to_owned()));
        body.entry("__env__")
            .or_insert_with(|| Value::String(saltenv.to_owned()));
        let keys: Vec<String> = body.keys().cloned().collect();
        for key in keys {
            if key.starts_with('_')
                || !body.get(&key).is_some_and(Value::is_array)
                || !key.contains('.')
            {
                continue;
            }
            let mut comps = key.split('.');
            let module = comps.next().unwrap_or_default().to_owned();
            let fun = comps.next().unwrap_or_default().to_owned();
            if let Some(Value::Array(mut args)) = body.shift_remove(&key) {
                args.push(Value::String(fun));
                body.insert(module, Value::Array(args));
            }
        }
    }
    push_list(state, "__extend__", vec![Value::Object(ext)]);
}

/// Salt's `_handle_exclude`: moves `exclude:` into the `__exclude__` list.
fn handle_exclude(state: &mut HighData, sls: &str, errors: &mut Vec<String>) {
    let Some(exc) = state.shift_remove("exclude") else {
        return;
    };
    match exc {
        Value::Array(items) => push_list(state, "__exclude__", items),
        _ => errors.push(format!(
            "Exclude Declaration in SLS {sls} is not formed as a list"
        )),
    }
}

fn push_list(state: &mut HighData, key: &str, items: Vec<Value>) {
    let slot = state.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = slot {
        list.extend(items);
    }
}

/// Salt's `merge_included_states`: IDs must be globally unique.
pub fn merge_included_states(
    highstate: &mut HighData,
    mut state: HighData,
    errors: &mut Vec<String>,
) {
    if let Some(Value::Array(ext)) = state.shift_remove("__extend__") {
        push_list(highstate, "__extend__", ext);
    }
    if let Some(Value::Array(exc)) = state.shift_remove("__exclude__") {
        push_list(highstate, "__exclude__", exc);
    }
    for (id, body) in state {
        if let Some(existing) = highstate.get(&id)
            && *existing != body
        {
            let field = |v: &Value, k: &str| v.get(k).map_or("None".to_owned(), crate::pystr);
            errors.push(format!(
                    "Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is '{id}' and is found in SLS '{}:{}' and SLS '{}:{}'",
                    field(existing, "__env__"),
                    field(existing, "__sls__"),
                    field(&body, "__env__"),
                    field(&body, "__sls__"),
                ));
        }
        highstate.insert(id, body);
    }
}

fn clean_duplicate_extends(highstate: &mut HighData) {
    let Some(Value::Array(exts)) = highstate.get_mut("__extend__") else {
        return;
    };
    let mut seen: Vec<(String, Value)> = Vec::new();
    for ext in exts.iter() {
        if let Value::Object(map) = ext {
            for (k, v) in map {
                let item = (k.clone(), v.clone());
                if !seen.contains(&item) {
                    seen.push(item);
                }
            }
        }
    }
    *exts = seen
        .into_iter()
        .map(|(k, v)| {
            let mut m = Map::new();
            m.insert(k, v);
            Value::Object(m)
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DirSource;
    use serde_json::json;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn render(dir: &tempfile::TempDir, sls: &str) -> (HighData, Vec<String>) {
        let source = DirSource::single(dir.path());
        let mut builder = HighStateBuilder::new(&source);
        builder.render_highstate(&vec![("base".to_owned(), vec![sls.to_owned()])])
    }

    #[test]
    fn relative_includes_resolve_from_packages_and_files() {
        let dir = tree(&[
            ("app/init.sls", "include:\n  - .conf\nsvc: test.nop\n"),
            (
                "app/conf.sls",
                "include:\n  - ..common\nconf:\n  test.nop: []\n",
            ),
            ("common.sls", "common:\n  test:\n    - nop\n"),
        ]);
        let (high, errors) = render(&dir, "app");
        assert!(errors.is_empty(), "{errors:?}");
        // Included files come first in order; the includer's IDs keep
        // their place in the map.
        assert_eq!(high["common"]["test"], json!(["nop", {"order": 10000}]));
        assert_eq!(high["conf"]["test"], json!(["nop", {"order": 10001}]));
        assert_eq!(high["svc"]["test"], json!(["nop", {"order": 10002}]));
        assert_eq!(high["conf"]["__sls_included_from__"], json!(["app"]));
        assert_eq!(high["common"]["__sls__"], json!("common"));
    }

    #[test]
    fn include_errors_are_salts() {
        let dir = tree(&[(
            "top_level.sls",
            "include:\n  - ..up\n  - missing\nx: test.nop\n",
        )]);
        let (_, errors) = render(&dir, "top_level");
        assert_eq!(
            errors,
            vec![
                "Attempted relative include of '..up' within SLS 'base:top_level' goes beyond top level package ",
                "Specified SLS missing in saltenv base is not available on the salt master or through a configured fileserver",
            ]
        );
        let (_, errors) = render(&dir, "nothere");
        assert_eq!(
            errors,
            vec!["No matching sls found for 'nothere' in env 'base'"]
        );
    }

    #[test]
    fn conflicting_ids_are_reported_not_merged_silently() {
        let dir = tree(&[
            ("a.sls", "include: [b]\nsame: test.nop\n"),
            ("b.sls", "same:\n  test.succeed_with_changes: []\n"),
        ]);
        let (_, errors) = render(&dir, "a");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("Detected conflicting IDs, SLS IDs need to be globally unique."),
            "{errors:?}"
        );
        assert!(errors[0].contains("'same'"));
    }

    #[test]
    fn non_map_sls_is_an_error_not_a_panic() {
        let dir = tree(&[("list.sls", "- a\n- b\n"), ("empty.sls", "")]);
        assert_eq!(
            render(&dir, "list").1,
            vec!["SLS list does not render to a dictionary"]
        );
        let (high, errors) = render(&dir, "empty");
        assert!(high.is_empty() && errors.is_empty());
    }
}

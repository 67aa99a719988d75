//! High data → low chunks: Salt's `reconcile_extend`, `verify_high`,
//! `requisite_in`, `apply_exclude`, `compile_high_data` and `order_chunks`
//! (salt/state.py, 3007), ported step by step so that the chunks, their
//! order and every error text are Salt's, quirks included (a list of
//! `require_in` targets repeats earlier targets, as Salt's does).

use serde_json::{Map, Value};

use crate::fnmatch::fnmatch;
use crate::highstate::HighData;
use crate::pystr;

/// One low chunk: `state`, `name`, `__sls__`, `__env__`, `__id__`, the
/// arguments, `order` and `fun`, in Salt's key order.
pub type LowChunk = Map<String, Value>;

/// Requisites a state can declare (Salt's `STATE_REQUISITE_KEYWORDS`).
pub const REQUISITE_KEYWORDS: &[&str] = &[
    "listen",
    "onchanges",
    "onchanges_any",
    "onfail",
    "onfail_all",
    "onfail_any",
    "onfail_stop",
    "prereq",
    "prerequired",
    "require",
    "require_any",
    "watch",
    "watch_any",
];

/// The `_in` forms (Salt's `STATE_REQUISITE_IN_KEYWORDS`).
pub const REQUISITE_IN_KEYWORDS: &[&str] = &[
    "listen_in",
    "onchanges_in",
    "onfail_in",
    "prereq_in",
    "require_in",
    "watch_in",
];

/// Arguments the engine consumes and never passes to a state function
/// (Salt's `STATE_RUNTIME_KEYWORDS`).
pub const RUNTIME_KEYWORDS: &[&str] = &[
    "__env__",
    "__id__",
    "__orchestration_jid__",
    "__prereq__",
    "__prerequired__",
    "__pub_arg",
    "__pub_fun",
    "__pub_jid",
    "__pub_pid",
    "__pub_ret",
    "__pub_tgt",
    "__pub_tgt_type",
    "__pub_user",
    "__sls__",
    "__sls_included_from__",
    "__umask__",
    "check_cmd",
    "cmd_opts_exclude",
    "creates",
    "failhard",
    "fire_event",
    "fun",
    "onlyif",
    "order",
    "parallel",
    "prereq",
    "prereq_in",
    "prerequired",
    "reload_grains",
    "reload_modules",
    "reload_pillar",
    "retry",
    "runas",
    "runas_password",
    "saltenv",
    "state",
    "umask",
    "unless",
    "use",
    "use_in",
];

/// Whether `key` is one the engine keeps from state functions (Salt's
/// `STATE_INTERNAL_KEYWORDS`).
pub fn is_internal_keyword(key: &str) -> bool {
    REQUISITE_KEYWORDS.contains(&key)
        || REQUISITE_IN_KEYWORDS.contains(&key)
        || RUNTIME_KEYWORDS.contains(&key)
}

fn first_key(v: &Value) -> Option<&str> {
    v.as_object()
        .and_then(|m| m.keys().next())
        .map(String::as_str)
}

fn single(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), value);
    Value::Object(m)
}

fn sls_of(body: &Value) -> String {
    body.get("__sls__").map_or("None".to_owned(), pystr)
}

/// Salt's `find_name`: the IDs (with their state) that `name` refers to.
fn find_name(name: &str, state: &str, high: &HighData, strict: bool) -> Vec<(String, String)> {
    let mut ext_id = Vec::new();
    let check2 = !strict || high.get(name).and_then(|b| b.get(state)).is_some();
    if high.contains_key(name) && check2 {
        ext_id.push((name.to_owned(), state.to_owned()));
    } else if state == "sls" {
        for (nid, item) in high {
            if item.get("__sls__").and_then(Value::as_str) == Some(name)
                && let Some(first) = item.as_object().and_then(|m| m.keys().next())
            {
                ext_id.push((nid.clone(), first.clone()));
            }
        }
    } else {
        for (nid, body) in high {
            let Some(Value::Array(args)) = body.get(state) else {
                continue;
            };
            for arg in args {
                let Some(map) = arg.as_object() else { continue };
                if map.len() != 1 {
                    continue;
                }
                if map.values().next().and_then(Value::as_str) == Some(name) {
                    ext_id.push((nid.clone(), state.to_owned()));
                }
            }
        }
    }
    ext_id
}

/// Salt's `find_sls_ids`: every `(id, state)` declared in SLS `sls`.
fn find_sls_ids(sls: &str, high: &HighData) -> Vec<(String, String)> {
    let mut ret = Vec::new();
    for (nid, item) in high {
        let Some(map) = item.as_object() else {
            continue;
        };
        if map.get("__sls__").and_then(Value::as_str) == Some(sls) {
            for st in map.keys() {
                if !st.starts_with("__") {
                    ret.push((nid.clone(), st.clone()));
                }
            }
        }
    }
    ret
}

/// Salt's `state_args`: names of the arguments given to `id.state`.
fn state_args(id: &str, state: &str, high: &HighData) -> Vec<String> {
    let Some(Value::Array(args)) = high.get(id).and_then(|b| b.get(state)) else {
        return Vec::new();
    };
    args.iter()
        .filter_map(Value::as_object)
        .filter(|m| m.len() == 1)
        .filter_map(|m| m.keys().next().cloned())
        .collect()
}

/// Salt's `reconcile_extend`: applies `__extend__` to the high data.
pub fn reconcile_extend(high: &mut HighData, strict: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(ext) = high.shift_remove("__extend__") else {
        return errors;
    };
    let Value::Array(ext) = ext else {
        return errors;
    };
    let sls_excludes: Vec<String> = match high.get("__exclude__") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|e| match e {
                Value::String(s) => Some(s.clone()),
                Value::Object(m) => m.get("sls").filter(|v| crate::truthy(v)).map(pystr),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for ext_chunk in ext {
        let Value::Object(ext_chunk) = ext_chunk else {
            continue;
        };
        for (name, body) in ext_chunk {
            let Value::Object(body) = body else { continue };
            let Some(state_type) = body.keys().find(|k| !k.starts_with("__")).cloned() else {
                continue;
            };
            let mut name = name;
            if high.get(&name).and_then(|b| b.get(&state_type)).is_none() {
                let ids = find_name(&name, &state_type, high, strict);
                if ids.len() != 1 {
                    let env = body.get("__env__").map_or("base".to_owned(), pystr);
                    let sls = body.get("__sls__").map_or("base".to_owned(), pystr);
                    errors.push(format!(
                        "Cannot extend ID '{name}' in '{env}:{sls}'. It is not part of the high state.\nThis is likely due to a missing include statement or an incorrectly typed ID.\nEnsure that a state with an ID of '{name}' is available\nin environment '{env}' and to SLS '{sls}'"
                    ));
                    continue;
                }
                name = ids[0].0.clone();
            }
            if body
                .get("__sls__")
                .is_some_and(|s| sls_excludes.iter().any(|e| Value::String(e.clone()) == *s))
            {
                continue;
            }
            let Some(Value::Object(target)) = high.get_mut(&name) else {
                continue;
            };
            for (state, run) in body {
                if state.starts_with("__") {
                    continue;
                }
                let Some(existing) = target.get_mut(&state) else {
                    target.insert(state, run);
                    continue;
                };
                let (Value::Array(existing), Value::Array(run)) = (existing, run) else {
                    continue;
                };
                for arg in run {
                    let mut update = false;
                    for slot in existing.iter_mut() {
                        if arg.is_string() && slot.is_string() {
                            *slot = arg.clone();
                            update = true;
                            continue;
                        }
                        if let (Some(argfirst), Some(valfirst)) = (first_key(&arg), first_key(slot))
                        {
                            let (argfirst, valfirst) = (argfirst.to_owned(), valfirst.to_owned());
                            if argfirst == valfirst {
                                if REQUISITE_KEYWORDS.contains(&argfirst.as_str()) {
                                    let add = arg.get(&argfirst).cloned();
                                    if let (Some(Value::Array(list)), Some(Value::Array(add))) =
                                        (slot.get_mut(&argfirst), add)
                                    {
                                        list.extend(add);
                                    }
                                } else {
                                    *slot = arg.clone();
                                }
                                update = true;
                            }
                            if argfirst == "name" && valfirst == "names" {
                                *slot = arg.clone();
                            }
                        }
                    }
                    if !update {
                        existing.push(arg);
                    }
                }
            }
        }
    }
    errors
}

/// Salt's `verify_high`: structural checks, with Salt's texts.
pub fn verify_high(high: &HighData) -> Vec<String> {
    let mut errors = Vec::new();
    // name -> {"state": state, target: requisite type}, for recursion checks.
    let mut reqs: Map<String, Value> = Map::new();
    for (name, body) in high {
        if name.starts_with("__") {
            continue;
        }
        let Value::Object(body_map) = body else {
            errors.push(format!(
                "The type {name} in {} is not formatted as a dictionary",
                pystr(body)
            ));
            continue;
        };
        let sls = sls_of(body);
        for (state, run) in body_map {
            if state.starts_with("__") {
                continue;
            }
            if run.is_null() {
                errors.push(format!(
                    "ID '{name}' in SLS '{sls}' contains a short declaration ({state}) with a trailing colon. When not passing any arguments to a state, the colon must be omitted."
                ));
                continue;
            }
            let Value::Array(args) = run else {
                errors.push(format!(
                    "State '{name}' in SLS '{sls}' is not formed as a list"
                ));
                continue;
            };
            let mut fun = usize::from(state.contains('.'));
            for arg in args {
                match arg {
                    Value::String(f) => {
                        fun += 1;
                        if f.trim().contains(' ') {
                            errors.push(format!(
                                "The function \"{f}\" in state \"{name}\" in SLS \"{sls}\" has whitespace, a function with whitespace is not supported, perhaps this is an argument that is missing a \":\""
                            ));
                        }
                    }
                    Value::Object(arg_map) => {
                        let Some(argfirst) = arg_map.keys().next() else {
                            continue;
                        };
                        let argval = &arg_map[argfirst];
                        if argfirst == "names" && !argval.is_array() {
                            errors.push(format!(
                                "The 'names' argument in state '{name}' in SLS '{sls}' needs to be formed as a list"
                            ));
                        }
                        if ["require", "watch", "prereq", "onchanges"].contains(&argfirst.as_str())
                        {
                            match argval {
                                Value::Array(req_list) => {
                                    let mut entry = Map::new();
                                    entry.insert("state".into(), Value::String(state.clone()));
                                    reqs.insert(name.clone(), Value::Object(entry));
                                    for req in req_list {
                                        let req = match req {
                                            Value::String(s) => single("id", Value::String(s.clone())),
                                            other => other.clone(),
                                        };
                                        let Some(req_map) = req.as_object().filter(|m| !m.is_empty()) else {
                                            errors.push(format!(
                                                "Requisite declaration {} in SLS {sls} is not formed as a single key dictionary",
                                                pystr(&req)
                                            ));
                                            continue;
                                        };
                                        let (req_key, req_val) = req_map.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
                                        if let Some(dot) = req_key.find('.') {
                                            errors.push(format!(
                                                "Invalid requisite type '{req_key}' in state '{name}', in SLS '{sls}'. Requisite types must not contain dots, did you mean '{}'?",
                                                &req_key[..dot]
                                            ));
                                        }
                                        if matches!(req_val, Value::Array(_) | Value::Object(_)) {
                                            errors.push(format!(
                                                "Illegal requisite \"{}\", please check your syntax.\n",
                                                pystr(&req_val)
                                            ));
                                            continue;
                                        }
                                        let req_val = pystr(&req_val);
                                        if let Some(Value::Object(mine)) = reqs.get_mut(name) {
                                            mine.insert(req_val.clone(), Value::String(req_key.clone()));
                                        }
                                        let recursive = reqs.get(&req_val).is_some_and(|theirs| {
                                            theirs.get(name).and_then(Value::as_str) == Some(state.as_str())
                                                && theirs.get("state") == reqs.get(name).and_then(|m| m.get(&req_val))
                                        });
                                        if recursive {
                                            errors.push(format!(
                                                "A recursive requisite was found, SLS \"{sls}\" ID \"{name}\" ID \"{req_val}\""
                                            ));
                                        }
                                    }
                                }
                                _ => errors.push(format!(
                                    "The {argfirst} statement in state '{name}' in SLS '{sls}' needs to be formed as a list"
                                )),
                            }
                            if arg_map.len() != 1 {
                                errors.push(format!(
                                    "Multiple dictionaries defined in argument of state '{name}' in SLS '{sls}'"
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            if fun == 0 {
                if state == "require" || state == "watch" {
                    continue;
                }
                errors.push(format!(
                    "No function declared in state '{name}' in SLS '{sls}'"
                ));
            } else if fun > 1 {
                let mut funs: Vec<String> = Vec::new();
                if let Some((_, f)) = state.split_once('.') {
                    funs.push(f.to_owned());
                }
                funs.extend(args.iter().filter_map(Value::as_str).map(str::to_owned));
                errors.push(format!(
                    "Too many functions declared in state '{name}' in SLS '{sls}'. Please choose one of the following: {}",
                    funs.join(", ")
                ));
            }
        }
    }
    errors
}

/// One pending addition to an ID, built by [`requisite_in`].
type Extend = Map<String, Value>;

/// `extend[id]`, created empty when missing (`None` only if some entry
/// was not a map, which this module never builds).
fn extend_entry<'e>(extend: &'e mut Extend, id: &str) -> Option<&'e mut Map<String, Value>> {
    let slot = extend
        .entry(id.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// `entry[state]` as a list, created empty when missing.
fn extend_list<'e>(entry: &'e mut Map<String, Value>, state: &str) -> Option<&'e mut Vec<Value>> {
    let slot = entry
        .entry(state.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
}

/// Adds `{rkey: [{state: id}]}` to `extend[name][_state]`, or appends to
/// an existing `rkey` entry, as Salt does for `require_in` and friends.
fn add_req_in(
    extend: &mut Extend,
    name: &str,
    target_state: &str,
    rkey: &str,
    state: &str,
    id: &str,
    body: &Value,
) {
    let Some(entry) = extend_entry(extend, name) else {
        return;
    };
    extend_list(entry, target_state);
    entry.insert(
        "__env__".into(),
        body.get("__env__").cloned().unwrap_or(Value::Null),
    );
    entry.insert(
        "__sls__".into(),
        body.get("__sls__").cloned().unwrap_or(Value::Null),
    );
    let Some(list) = extend_list(entry, target_state) else {
        return;
    };
    let mut found = false;
    for item in list.iter_mut() {
        if first_key(item) == Some(rkey) {
            if let Some(Value::Array(reqs)) = item.get_mut(rkey) {
                reqs.push(single(state, Value::String(id.to_owned())));
            }
            found = true;
        }
    }
    if !found {
        list.push(single(
            rkey,
            Value::Array(vec![single(state, Value::String(id.to_owned()))]),
        ));
    }
}

/// Salt's `requisite_in`: turns `require_in`, `watch_in`, `onfail_in`,
/// `onchanges_in`, `prereq(_in)` and `use(_in)` into additions to the
/// targets, then applies them with [`reconcile_extend`] (strict).
pub fn requisite_in(high: &mut HighData, disabled: &[String]) -> Vec<String> {
    const REQ_IN: &[&str] = &[
        "onchanges_in",
        "onfail_in",
        "prereq",
        "prereq_in",
        "require_in",
        "use",
        "use_in",
        "watch_in",
    ];
    const REQ_IN_ALL_EXTRA: &[&str] = &["onchanges", "onfail", "onfail_stop", "require", "watch"];
    let ignored = |arg: &str, own: &[String]| {
        REQ_IN.contains(&arg)
            || REQ_IN_ALL_EXTRA.contains(&arg)
            || own.iter().any(|a| a == arg)
            || arg == "name"
            || arg == "names"
    };
    let mut extend: Extend = Map::new();
    let mut errors = Vec::new();
    let high_ro: &HighData = high;
    for (id, body) in high_ro.iter() {
        let Some(body_map) = body.as_object() else {
            continue;
        };
        for (state, run) in body_map {
            if state.starts_with("__") {
                continue;
            }
            let Value::Array(run) = run else { continue };
            for arg in run {
                let Some(arg_map) = arg.as_object() else {
                    continue;
                };
                let Some((key, items)) = arg_map.iter().next() else {
                    continue;
                };
                if !REQ_IN.contains(&key.as_str()) {
                    continue;
                }
                if disabled.iter().any(|d| d == key) {
                    tracing::warn!("The {key} requisite has been disabled, Ignoring.");
                    continue;
                }
                let rkey = key.split('_').next().unwrap_or(key);
                match items {
                    Value::Object(single_req) => {
                        for (target_state, name) in single_req {
                            let name = pystr(name);
                            let mut target_state = target_state.clone();
                            if let Some(dot) = target_state.find('.') {
                                errors.push(format!(
                                    "Invalid requisite in {rkey}: {target_state} for {name}, in SLS '{}'. Requisites must not contain dots, did you mean '{}'?",
                                    sls_of(body),
                                    &target_state[..dot]
                                ));
                                target_state.truncate(dot);
                            }
                            add_req_in(&mut extend, &name, &target_state, rkey, state, id, body);
                        }
                    }
                    Value::Array(list) => {
                        // Salt keeps `hinges` across the list, so later
                        // items re-add earlier targets; kept for identical
                        // low data.
                        let mut hinges: Vec<(String, String)> = Vec::new();
                        for ind in list {
                            let ind = match ind {
                                Value::Object(m) => m.clone(),
                                other => {
                                    let wanted = pystr(other);
                                    if let Some(Value::Object(target)) = high_ro.get(&wanted) {
                                        match target.keys().find(|k| !k.starts_with("__")) {
                                            Some(first) => {
                                                single(first, Value::String(wanted.clone()))
                                                    .as_object()
                                                    .cloned()
                                                    .unwrap_or_default()
                                            }
                                            None => continue,
                                        }
                                    } else {
                                        let mut found = None;
                                        for (other_id, other_body) in high_ro {
                                            let Some(other_body) = other_body.as_object() else {
                                                continue;
                                            };
                                            for (st8, args) in other_body {
                                                if st8.starts_with("__") {
                                                    continue;
                                                }
                                                let Value::Array(args) = args else { continue };
                                                for j in args {
                                                    if j.get("name")
                                                        .is_some_and(|n| pystr(n) == wanted)
                                                    {
                                                        found =
                                                            Some((st8.clone(), other_id.clone()));
                                                    }
                                                }
                                            }
                                        }
                                        match found {
                                            Some((st8, other_id)) => {
                                                single(&st8, Value::String(other_id))
                                                    .as_object()
                                                    .cloned()
                                                    .unwrap_or_default()
                                            }
                                            None => continue,
                                        }
                                    }
                                }
                            };
                            let Some((pstate, pname)) = ind.iter().next() else {
                                continue;
                            };
                            let mut pstate = pstate.clone();
                            let pname = pystr(pname);
                            if pstate == "sls" {
                                hinges = find_sls_ids(&pname, high_ro);
                            } else {
                                hinges.push((pname.clone(), pstate.clone()));
                            }
                            if let Some(dot) = pstate.find('.') {
                                errors.push(format!(
                                    "Invalid requisite in {rkey}: {pstate} for {pname}, in SLS '{}'. Requisites must not contain dots, did you mean '{}'?",
                                    sls_of(body),
                                    &pstate[..dot]
                                ));
                                pstate.truncate(dot);
                            }
                            for (name, target_state) in hinges.clone() {
                                if key == "prereq_in"
                                    && let Some(list) = extend_entry(&mut extend, id)
                                        .and_then(|entry| extend_list(entry, state))
                                {
                                    list.push(single(
                                        "prerequired",
                                        Value::Array(vec![single(
                                            &target_state,
                                            Value::String(name.clone()),
                                        )]),
                                    ));
                                }
                                if key == "prereq" {
                                    for (ext_id, req_state) in
                                        find_name(&name, &target_state, high_ro, true)
                                    {
                                        if let Some(list) = extend_entry(&mut extend, &ext_id)
                                            .and_then(|entry| extend_list(entry, &req_state))
                                        {
                                            list.push(single(
                                                "prerequired",
                                                Value::Array(vec![single(
                                                    state,
                                                    Value::String(id.clone()),
                                                )]),
                                            ));
                                        }
                                    }
                                    continue;
                                }
                                if key == "use_in" {
                                    for (ext_id, req_state) in
                                        find_name(&name, &target_state, high_ro, true)
                                    {
                                        let ext_args = state_args(&ext_id, &target_state, high_ro);
                                        let mine: Vec<Value> = run
                                            .iter()
                                            .filter(|a| a.as_object().is_some_and(|m| m.len() == 1))
                                            .filter(|a| {
                                                first_key(a).is_some_and(|k| !ignored(k, &ext_args))
                                            })
                                            .cloned()
                                            .collect();
                                        if let Some(list) = extend_entry(&mut extend, &ext_id)
                                            .and_then(|entry| extend_list(entry, &req_state))
                                        {
                                            list.extend(mine);
                                        }
                                    }
                                    continue;
                                }
                                if key == "use" {
                                    for (ext_id, req_state) in
                                        find_name(&name, &target_state, high_ro, true)
                                    {
                                        let loc_args = state_args(id, state, high_ro);
                                        let theirs: Vec<Value> = match high_ro
                                            .get(&ext_id)
                                            .and_then(|b| b.get(&req_state))
                                        {
                                            Some(Value::Array(args)) => args
                                                .iter()
                                                .filter(|a| {
                                                    a.as_object().is_some_and(|m| m.len() == 1)
                                                })
                                                .filter(|a| {
                                                    first_key(a)
                                                        .is_some_and(|k| !ignored(k, &loc_args))
                                                })
                                                .cloned()
                                                .collect(),
                                            _ => Vec::new(),
                                        };
                                        if let Some(list) = extend_entry(&mut extend, id)
                                            .and_then(|entry| extend_list(entry, state))
                                        {
                                            list.extend(theirs);
                                        }
                                    }
                                    continue;
                                }
                                add_req_in(
                                    &mut extend,
                                    &name,
                                    &target_state,
                                    rkey,
                                    state,
                                    id,
                                    body,
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let ext: Vec<Value> = extend.into_iter().map(|(k, v)| single(&k, v)).collect();
    high.insert("__extend__".into(), Value::Array(ext));
    errors.extend(reconcile_extend(high, true));
    errors
}

/// Salt's `apply_exclude`: drops excluded SLS (globs) and IDs.
pub fn apply_exclude(high: &mut HighData) {
    let Some(Value::Array(exclude)) = high.shift_remove("__exclude__") else {
        return;
    };
    let mut ex_sls = Vec::new();
    let mut ex_id = Vec::new();
    for exc in exclude {
        match exc {
            Value::String(s) => ex_sls.push(s),
            Value::Object(m) if m.len() == 1 => {
                if let Some(v) = m.get("sls") {
                    ex_sls.push(pystr(v));
                } else if let Some(v) = m.get("id") {
                    ex_id.push(pystr(v));
                }
            }
            _ => {}
        }
    }
    for (name, body) in high.iter() {
        if name.starts_with("__") {
            continue;
        }
        let Some(sls) = body
            .get("__sls__")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        if ex_sls.iter().any(|ex| fnmatch(sls, ex)) {
            ex_id.push(name.clone());
        }
    }
    for id in ex_id {
        high.shift_remove(&id);
    }
}

/// Salt's `compile_high_data`: one chunk per ID, state and name, ordered.
pub fn compile_high_data(high: &HighData) -> Vec<LowChunk> {
    let mut chunks = Vec::new();
    for (name, body) in high {
        if name.starts_with("__") {
            continue;
        }
        let Some(body) = body.as_object() else {
            continue;
        };
        for (state, run) in body {
            if state.starts_with("__") {
                continue;
            }
            let mut funcs: Vec<String> = Vec::new();
            let mut names: Vec<Value> = Vec::new();
            let mut chunk = LowChunk::new();
            chunk.insert("state".into(), Value::String(state.clone()));
            chunk.insert("name".into(), Value::String(name.clone()));
            for key in ["__sls__", "__env__", "__sls_included_from__"] {
                if let Some(v) = body.get(key) {
                    chunk.insert(key.into(), v.clone());
                }
            }
            chunk.insert("__id__".into(), Value::String(name.clone()));
            let Value::Array(run) = run else { continue };
            for arg in run {
                match arg {
                    Value::String(f) if !funcs.contains(f) => {
                        funcs.push(f.clone());
                    }
                    Value::Object(arg) => {
                        for (key, val) in arg {
                            if key == "names" {
                                if let Value::Array(list) = val {
                                    for n in list {
                                        if !names.contains(n) {
                                            names.push(n.clone());
                                        }
                                    }
                                }
                            } else if key == "state" {
                                continue;
                            } else if key == "name" && !val.is_string() {
                                chunk.insert(key.clone(), Value::String(name.clone()));
                            } else {
                                chunk.insert(key.clone(), val.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !names.is_empty() {
                for (i, entry) in names.iter().enumerate() {
                    let mut live = chunk.clone();
                    match entry {
                        Value::Object(m) => {
                            if let Some((low_name, extra)) = m.iter().next() {
                                live.insert("name".into(), Value::String(low_name.clone()));
                                if let Value::Array(extra) = extra {
                                    for item in extra {
                                        if let Value::Object(item) = item {
                                            for (k, v) in item {
                                                live.insert(k.clone(), v.clone());
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        other => {
                            live.insert("name".into(), other.clone());
                        }
                    }
                    live.insert("name_order".into(), Value::from(i as i64 + 1));
                    for fun in &funcs {
                        let mut c = live.clone();
                        c.insert("fun".into(), Value::String(fun.clone()));
                        chunks.push(c);
                    }
                }
            } else {
                for fun in &funcs {
                    let mut c = chunk.clone();
                    c.insert("fun".into(), Value::String(fun.clone()));
                    chunks.push(c);
                }
            }
        }
    }
    order_chunks(&mut chunks);
    chunks
}

/// Salt's `order_chunks`: numbers, `first`, `last` and negative orders
/// become one sortable number; ties sort on state + name + fun.
pub fn order_chunks(chunks: &mut [LowChunk]) {
    let mut cap: i64 = 1;
    for chunk in chunks.iter() {
        if let Some(Value::Number(n)) = chunk.get("order")
            && let Some(order) = n.as_i64()
            && order > cap - 1
            && order > 0
        {
            cap = order + 100;
        }
    }
    for chunk in chunks.iter_mut() {
        let mut order = match chunk.get("order") {
            None => {
                chunk.insert("order".into(), Value::from(cap));
                continue;
            }
            Some(Value::Number(n)) => n.clone(),
            Some(Value::String(s)) if s == "last" => (cap + 1_000_000).into(),
            Some(Value::String(s)) if s == "first" => 0.into(),
            Some(_) => cap.into(),
        };
        if let Some(name_order) = chunk.shift_remove("name_order") {
            let add = name_order.as_f64().unwrap_or(0.0) / 10000.0;
            order =
                serde_json::Number::from_f64(order.as_f64().unwrap_or(0.0) + add).unwrap_or(order);
        }
        if order.as_f64().unwrap_or(0.0) < 0.0 {
            order = match order.as_i64() {
                Some(i) => (cap + 1_000_000 + i).into(),
                None => serde_json::Number::from_f64(
                    (cap + 1_000_000) as f64 + order.as_f64().unwrap_or(0.0),
                )
                .unwrap_or(order),
            };
        }
        chunk.insert("order".into(), Value::Number(order));
    }
    let key = |c: &LowChunk| {
        let text = |k: &str| c.get(k).map(pystr).unwrap_or_default();
        format!("{}{}{}", text("state"), text("name"), text("fun"))
    };
    chunks.sort_by(|a, b| {
        let oa = a.get("order").and_then(Value::as_f64).unwrap_or(0.0);
        let ob = b.get("order").and_then(Value::as_f64).unwrap_or(0.0);
        oa.total_cmp(&ob).then_with(|| key(a).cmp(&key(b)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn high(v: Value) -> HighData {
        match v {
            Value::Object(m) => m,
            _ => panic!("test data must be a map"),
        }
    }

    #[test]
    fn order_first_last_negative_and_names() {
        let h = high(json!({
            "a": {"__sls__": "s", "__env__": "base", "test": ["nop", {"order": "last"}]},
            "b": {"__sls__": "s", "__env__": "base", "test": ["nop", {"order": -1}]},
            "c": {"__sls__": "s", "__env__": "base", "test": ["nop", {"order": 5}, {"names": ["x", "y"]}]},
            "d": {"__sls__": "s", "__env__": "base", "test": ["nop", {"order": "first"}]},
            "e": {"__sls__": "s", "__env__": "base", "test": ["nop"]},
        }));
        let chunks = compile_high_data(&h);
        let order: Vec<(String, Value)> = chunks
            .iter()
            .map(|c| (pystr(&c["name"]), c["order"].clone()))
            .collect();
        // cap = 5 + 100; no order -> cap; last -> cap + 1e6; -1 -> cap + 1e6 - 1.
        assert_eq!(
            order,
            vec![
                ("d".into(), json!(0)),
                ("x".into(), json!(5.0001)),
                ("y".into(), json!(5.0002)),
                ("e".into(), json!(105)),
                ("b".into(), json!(1000104)),
                ("a".into(), json!(1000105)),
            ]
        );
        assert!(chunks.iter().all(|c| !c.contains_key("name_order")));
    }

    #[test]
    fn require_in_list_repeats_earlier_targets_like_salt() {
        let mut h = high(json!({
            "src": {"__sls__": "s", "__env__": "base", "test": ["nop", {"require_in": [{"test": "t1"}, {"test": "t2"}]}]},
            "t1": {"__sls__": "s", "__env__": "base", "test": ["nop"]},
            "t2": {"__sls__": "s", "__env__": "base", "test": ["nop"]},
        }));
        assert!(requisite_in(&mut h, &[]).is_empty());
        assert_eq!(
            h["t1"]["test"][1],
            json!({"require": [{"test": "src"}, {"test": "src"}]})
        );
        assert_eq!(h["t2"]["test"][1], json!({"require": [{"test": "src"}]}));
    }

    #[test]
    fn verify_high_uses_salts_texts() {
        let h = high(json!({
            "x": {"__sls__": "s", "test.nop": null},
            "y": {"__sls__": "s", "test": [{"name": "n"}]},
            "z": {"__sls__": "s", "test": ["nop", {"require": "a"}]},
        }));
        assert_eq!(
            verify_high(&h),
            vec![
                "ID 'x' in SLS 's' contains a short declaration (test.nop) with a trailing colon. When not passing any arguments to a state, the colon must be omitted.",
                "No function declared in state 'y' in SLS 's'",
                "The require statement in state 'z' in SLS 's' needs to be formed as a list",
            ]
        );
    }

    #[test]
    fn exclude_by_sls_glob_and_id() {
        let mut h = high(json!({
            "a": {"__sls__": "lib.one", "test": ["nop"]},
            "b": {"__sls__": "lib.two", "test": ["nop"]},
            "c": {"__sls__": "app", "test": ["nop"]},
            "d": {"__sls__": "app", "test": ["nop"]},
            "__exclude__": [{"sls": "lib.*"}, {"id": "d"}],
        }));
        apply_exclude(&mut h);
        assert_eq!(h.keys().collect::<Vec<_>>(), vec!["c"]);
    }
}

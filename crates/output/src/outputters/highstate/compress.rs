//! Salt's `state_compress_ids` (`_compress_ids` in `highstate.py`): the
//! states of a minion that share state module, ID, SLS and result (one ID
//! with several `names:`) are shown as one, keyed
//! `<module>_|-<id> (N)_|-state_compressed_<sls>_<id>_<result>_|-<function>`,
//! with the lowest `__run_num__`, the earliest start, the summed duration,
//! and the changes keyed by name under `compressed changes`.
//!
//! Salt merges into the first state of each group in place, and when any
//! minion's data surprises it (not a dict, a missing `__id__`, a string
//! duration...) it gives up and prints the original data, with the merges
//! already done. Both are reproduced.

use serde_json::{Map, Value};

use super::truthy;
use crate::python;

/// For each minion, the states to show: (shown name, original name whose
/// data is shown).
pub(super) type Plan = Vec<(String, Vec<(String, String)>)>;

/// Merges every minion's groups in place and returns what to show, or
/// `None` when Salt would give up (leaving the merges done so far).
pub(super) fn plan(hosts: &mut Map<String, Value>) -> Option<Plan> {
    let mut plans = Vec::with_capacity(hosts.len());
    for (host, hostdata) in hosts.iter_mut() {
        let Value::Object(states) = hostdata else {
            return None;
        };
        plans.push((host.clone(), compress_host(states)?));
    }
    Some(plans)
}

/// The compressed document the outputter prints.
pub(super) fn compressed(hosts: &Map<String, Value>, plan: &Plan) -> Map<String, Value> {
    let mut out = Map::new();
    for (host, shown) in plan {
        let Some(Value::Object(states)) = hosts.get(host) else {
            continue;
        };
        let mut host_states = Map::new();
        for (name, original) in shown {
            if let Some(info) = states.get(original) {
                host_states.insert(name.clone(), info.clone());
            }
        }
        out.insert(host.clone(), Value::Object(host_states));
    }
    out
}

/// Copies what printing changed in the compressed document back into the
/// original, where Salt's shared dicts would have seen it (its fallback to
/// `nested` prints the original).
pub(super) fn write_back(
    hosts: &mut Map<String, Value>,
    compressed: &Map<String, Value>,
    plan: &Plan,
) {
    for (host, shown) in plan {
        let (Some(Value::Object(states)), Some(Value::Object(printed))) =
            (hosts.get_mut(host), compressed.get(host))
        else {
            continue;
        };
        for (name, original) in shown {
            if let (Some(slot), Some(info)) = (states.get_mut(original), printed.get(name)) {
                *slot = info.clone();
            }
        }
    }
}

/// The group a state belongs to: Salt's `"_".join(map(str, [module, id,
/// sls, result]))`.
fn group(tname: &str, info: &Value) -> Option<String> {
    let fields = info.as_object()?;
    let shown = |key: &str| fields.get(key).map(python::str_of);
    Some(format!(
        "{}_{}_{}_{}",
        tname.split("_|-").next().unwrap_or_default(),
        shown("__id__")?,
        shown("__sls__")?,
        shown("result")?
    ))
}

/// Merges one minion's groups in place and returns the states to show:
/// (shown name, original name whose data is shown). `None` when Salt's
/// compression would raise.
fn compress_host(states: &mut Map<String, Value>) -> Option<Vec<(String, String)>> {
    let mut sizes: Vec<(String, usize)> = Vec::new();
    for (tname, info) in states.iter() {
        let key = group(tname, info)?;
        match sizes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => sizes.push((key, 1)),
        }
    }
    let tnames: Vec<String> = states.keys().cloned().collect();
    let mut plan: Vec<(String, String)> = Vec::new();
    for tname in tnames {
        let info = states.get(&tname)?.clone();
        let key = group(&tname, &info)?;
        let size = sizes.iter().find(|(k, _)| *k == key).map_or(1, |(_, n)| *n);
        if size == 1 {
            plan.push((tname.clone(), tname));
            continue;
        }
        let fields = info.as_object()?;
        let shown = |key: &str| fields.get(key).map(python::str_of).unwrap_or_default();
        let mut comps: Vec<String> = tname.split("_|-").map(str::to_owned).collect();
        if comps.len() < 3 {
            return None;
        }
        comps[2] = format!(
            "state_compressed_{}_{}_{}",
            shown("__sls__"),
            shown("__id__"),
            shown("result")
        );
        comps[1] = format!("{} ({size})", shown("__id__"));
        let name = comps.join("_|-");
        match plan.iter().find(|(shown, _)| *shown == name) {
            None => plan.push((name, tname)),
            Some((_, first)) => {
                let Some(Value::Object(first)) = states.get_mut(first) else {
                    return None;
                };
                merge(first, fields)?;
            }
        }
    }
    Some(plan)
}

/// Folds `info` into the first state of its group, step by step as Salt
/// does (a failing step leaves the earlier ones done).
fn merge(first: &mut Map<String, Value>, info: &Map<String, Value>) -> Option<()> {
    let run_num = lesser(info.get("__run_num__")?, first.get("__run_num__")?)?;
    first.insert("__run_num__".to_owned(), run_num);
    let duration = summed(info.get("duration")?, first.get("duration")?)?;
    first.insert("duration".to_owned(), duration);
    let start = match (info.get("start_time")?, first.get("start_time")?) {
        (Value::String(a), Value::String(b)) => Value::String(a.min(b).clone()),
        _ => return None,
    };
    first.insert("start_time".to_owned(), start);

    let name = |m: &Map<String, Value>| m.get("name").map(python::str_of).unwrap_or_default();
    let info_changes = info.get("changes").cloned().unwrap_or(Value::Null);
    let first_changes = first.get("changes").cloned().unwrap_or(Value::Null);
    if !truthy(&info_changes) {
        return Some(());
    }
    let mut by_name = Map::new();
    if truthy(&first_changes) {
        // Salt calls `.get` on the first changes and `.update` on what it
        // finds: anything but dicts raises.
        match first_changes.as_object()?.get("compressed changes") {
            Some(Value::Object(already)) if !already.is_empty() => by_name = already.clone(),
            Some(other) if truthy(other) => return None,
            _ => {
                by_name.insert(name(first), first_changes);
            }
        }
    }
    by_name.insert(name(info), info_changes);
    let mut changes = Map::new();
    changes.insert("compressed changes".to_owned(), Value::Object(by_name));
    first.insert("changes".to_owned(), Value::Object(changes));
    Some(())
}

/// Python's `min(a, b)` for numbers (the first on a tie).
fn lesser(a: &Value, b: &Value) -> Option<Value> {
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    Some(if y < x { b.clone() } else { a.clone() })
}

/// Python's `round(sum([a, b]), 3)`: integers stay integers.
fn summed(a: &Value, b: &Value) -> Option<Value> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(Value::from(x.checked_add(y)?));
    }
    let total = a.as_f64()? + b.as_f64()?;
    let rounded: f64 = format!("{total:.3}").parse().ok()?;
    Some(Value::from(rounded))
}

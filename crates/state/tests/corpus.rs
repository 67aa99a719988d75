//! Differential tests against real Salt: every case under `corpus/` is a
//! file root with a top.sls; `gen_golden.py` recorded what Salt 3007's
//! `salt-call --local` returns for `state.show_top`, `state.show_lowstate`,
//! `state.apply` and `state.apply test=True`. Here halite's `state`
//! module runs the same tree and must return the same data and retcode,
//! except timings, pids and Python tracebacks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use halite_exec::{Args, Ctx};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Calls `fun` the way `salt-call fun word...` would: `key=value` words are
/// keyword arguments, others positional, every value parsed as YAML.
fn call(root: &Path, fun: &str, words: &[String]) -> (Value, i32) {
    let mut opts =
        json!({"id": "test-minion", "file_roots": {"base": [root.display().to_string()]}});
    let mut grains = json!({});
    if let Ok(text) = std::fs::read_to_string(root.join("minion.yaml")) {
        let text = text.replace("@ROOT@", &root.display().to_string());
        let extra = halite_yaml::from_str(&text).unwrap();
        if let Some(g) = extra.get("grains") {
            grains = g.clone();
        }
        for (k, v) in extra.as_object().unwrap() {
            opts[k] = v.clone();
        }
    }
    let ctx = Ctx::new(Arc::new(opts), Arc::new(grains), root.to_path_buf());
    let function = halite_state::MODULE
        .functions
        .iter()
        .find(|f| format!("state.{}", f.name) == fun)
        .unwrap_or_else(|| panic!("no function {fun}"));
    let mut positional = Vec::new();
    let mut kwargs = Map::new();
    for word in words {
        match word.split_once('=') {
            Some((k, v)) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                kwargs.insert(k.to_owned(), yaml_arg(v));
            }
            _ => positional.push(yaml_arg(word)),
        }
    }
    let ret = (function.call)(&ctx, &Args::new(positional, kwargs))
        .unwrap_or_else(|e| Value::String(e.to_string()));
    let mut retcode = ctx.retcode();
    // salt-call's own rule, for every function (the job runner's business,
    // not the state module's): retcode 0 and a dict whose `result` or
    // `success` is falsy exits 1.
    if retcode == 0
        && let Value::Object(map) = &ret
        && ["result", "success"].iter().any(|k| {
            map.get(*k)
                .is_some_and(|v| !halite_exec::api::lenient::truthy(v))
        })
    {
        retcode = 1;
    }
    (ret, retcode)
}

/// Salt's CLI parses each argument as YAML, keeping text that is not.
fn yaml_arg(text: &str) -> Value {
    match halite_yaml::from_str(text) {
        Ok(Value::Null) if !text.is_empty() && text != "null" && text != "~" => {
            Value::String(text.to_owned())
        }
        Ok(v) => v,
        Err(_) => Value::String(text.to_owned()),
    }
}

/// Drops what legitimately differs between runs and implementations.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.shift_remove("start_time");
            map.shift_remove("duration");
            if let Some(Value::Object(changes)) = map.get_mut("changes") {
                changes.shift_remove("pid");
            }
            if let Some(Value::String(comment)) = map.get_mut("comment") {
                // Salt puts a Python traceback in the comment; keep only
                // the exception's message.
                // Salt joins a Python set here, whose order varies per run.
                const FAILED: &str = "One or more requisite failed: ";
                if let Some(rest) = comment.strip_prefix(FAILED) {
                    let mut items: Vec<&str> = rest.split(", ").collect();
                    items.sort_unstable();
                    *comment = format!("{FAILED}{}", items.join(", "));
                }
                const PREFIX: &str = "An exception occurred in this state: ";
                if let Some(rest) = comment.strip_prefix(PREFIX)
                    && rest.starts_with("Traceback")
                {
                    let last = rest.trim_end().lines().last().unwrap_or_default();
                    let message = last.split_once(": ").map_or(last, |(_, m)| m);
                    *comment = format!("{PREFIX}{message}");
                }
            }
            for value in map.values_mut() {
                normalise(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// Describes where `got` differs from `want`, key by key.
fn diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => diff(&format!("{path}.{k}"), wv, gv, out),
                    None => out.push(format!("{path}.{k}: missing, want {wv}")),
                }
            }
            for k in g.keys().filter(|k| !w.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected {}", g[k]));
            }
            // Key order matters too (Salt's JSON keeps dict order): the
            // order of states in a return and of fields in each result.
            let (wk, gk): (Vec<_>, Vec<_>) = (w.keys().collect(), g.keys().collect());
            let is_result = path.ends_with("return") || w.contains_key("__run_num__");
            if wk != gk && is_result && w.len() == g.len() && w.keys().all(|k| g.contains_key(k)) {
                out.push(format!(
                    "{path}: key order differs:\n want {wk:?}\n  got {gk:?}"
                ));
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                diff(&format!("{path}[{i}]"), wv, gv, out);
            }
        }
        _ if want != got => out.push(format!("{path}: want {want}\n      got {got}")),
        _ => {}
    }
}

const COMMANDS: &[(&str, &[&str])] = &[
    ("show_top", &["state.show_top"]),
    ("show_lowstate", &["state.show_lowstate"]),
    ("apply", &["state.apply"]),
    ("apply_test", &["state.apply", "test=True"]),
];

fn commands(root: &Path) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = COMMANDS
        .iter()
        .map(|(name, words)| {
            (
                name.to_string(),
                words.iter().map(|w| w.to_string()).collect(),
            )
        })
        .collect();
    if let Ok(text) = std::fs::read_to_string(root.join("commands.json")) {
        let extra: Map<String, Value> = serde_json::from_str(&text).unwrap();
        for (name, words) in extra {
            let words = words
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_owned())
                .collect();
            out.push((name, words));
        }
    }
    out
}

fn check_case(case: &str) -> Vec<String> {
    let root = corpus_dir().join(case);
    let mut problems = Vec::new();
    for (golden, words) in commands(&root) {
        let path = root.join("golden").join(format!("{golden}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut want: Value = serde_json::from_str(&text).unwrap();
        let (ret, retcode) = call(&root, &words[0], &words[1..]);
        if want["return"].get("unparsed_stdout").is_some() {
            // Salt crashed on this input (a Python traceback, e.g. a
            // string `listen_in` item): there is nothing to compare, but
            // we must still have answered without panicking.
            assert!(!ret.is_null(), "{case}/{golden}: no answer");
            continue;
        }
        let mut got = json!({"retcode": retcode, "return": ret});
        normalise(&mut want);
        normalise(&mut got);
        let mut out = Vec::new();
        diff(&format!("{case}/{golden}"), &want, &got, &mut out);
        problems.extend(out);
    }
    problems
}

fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("golden").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn corpus_matches_salt() {
    let only = std::env::var("CORPUS_CASE").ok();
    let mut problems = Vec::new();
    let mut checked = 0;
    for case in cases() {
        if only.as_deref().is_some_and(|o| o != case) {
            continue;
        }
        checked += 1;
        problems.extend(check_case(&case));
    }
    assert!(checked > 0, "no corpus cases found");
    assert!(
        problems.is_empty(),
        "{} differences from Salt:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

//! The global arguments every state accepts and the engine evaluates:
//! `onlyif`, `unless`, `creates` before the state, `check_cmd` after it,
//! and `retry` (Salt's `_run_check*` and `verify_retry_data`, same texts).

use serde_json::{Map, Value, json};

use halite_exec::Ctx;

use crate::compile::LowChunk;
use crate::runner::exec_call;
use crate::{pyrepr, pystr, truthy};

/// The `cmd.retcode` options Salt copies from the chunk to the checks.
const CMD_OPTS: &[&str] = &[
    "cwd",
    "root",
    "runas",
    "env",
    "prepend_path",
    "umask",
    "timeout",
    "success_retcodes",
];

fn cmd_opts(ctx: &Ctx, low: &LowChunk) -> Map<String, Value> {
    let exclude: Vec<String> = match low.get("cmd_opts_exclude") {
        Some(Value::Array(items)) => items.iter().map(pystr).collect(),
        Some(other) => vec![pystr(other)],
        None => Vec::new(),
    };
    let mut opts = Map::new();
    for key in CMD_OPTS {
        // `root` (chroot) is not supported by the cmd module; leave it out
        // rather than fail every check.
        if *key == "root" || exclude.iter().any(|e| e == key) {
            continue;
        }
        if let Some(v) = low.get(*key).filter(|v| !v.is_null()) {
            opts.insert((*key).into(), v.clone());
        }
    }
    if let Some(shell) = low
        .get("shell")
        .filter(|_| !exclude.iter().any(|e| e == "shell"))
    {
        opts.insert("shell".into(), shell.clone());
    } else if let Some(shell) = ctx.grains.get("shell") {
        opts.insert("shell".into(), shell.clone());
    }
    opts
}

/// `cmd.retcode` of `command` with the check options; `Err` when the
/// command could not run at all.
fn retcode(ctx: &Ctx, command: &str, opts: &Map<String, Value>) -> Result<i64, String> {
    let mut kwargs = opts.clone();
    kwargs.insert("ignore_retcode".into(), Value::Bool(true));
    kwargs.insert("python_shell".into(), Value::Bool(true));
    let out = exec_call(
        ctx,
        "cmd.retcode",
        vec![Value::String(command.to_owned())],
        kwargs,
    )?;
    Ok(out.as_i64().unwrap_or(1))
}

/// Runs a `{fun: ..., args: [...], kw: ...}` check through the exec modules.
fn run_function(ctx: &Ctx, entry: &Map<String, Value>) -> Result<Value, String> {
    let mut entry = entry.clone();
    let fun = entry
        .shift_remove("fun")
        .map(|f| pystr(&f))
        .unwrap_or_default();
    let args = match entry.shift_remove("args") {
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let get_return = entry.shift_remove("get_return");
    let mut result = exec_call(ctx, &fun, args, entry)?;
    if let Some(path) = get_return {
        for part in pystr(&path).split(':') {
            result = match &result {
                Value::Object(m) => m.get(part).cloned().unwrap_or(Value::Null),
                Value::Array(a) => part
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| a.get(i).cloned())
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
        }
    }
    Ok(result)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Salt's `_run_check`: `result: True` means "do not run the state"; the
/// map is merged into the state's return.
pub fn run_check(ctx: &Ctx, low: &LowChunk) -> Map<String, Value> {
    let mut ret = Map::new();
    ret.insert("result".into(), Value::Bool(false));
    // Salt's dict starts as {result, comment: []}; the comment is filled
    // in below and keeps this place.
    ret.insert("comment".into(), Value::Array(Vec::new()));
    let mut comments: Vec<Value> = Vec::new();
    for key in ["__sls__", "__id__", "name"] {
        ret.insert(key.into(), low.get(key).cloned().unwrap_or(Value::Null));
    }
    let opts = cmd_opts(ctx, low);
    let mut skip_watch: Option<bool> = None;
    if let Some(onlyif) = low.get("onlyif") {
        let (result, comment, skip) = check_onlyif(ctx, onlyif, &opts);
        ret.insert("result".into(), Value::Bool(result));
        comments.push(Value::String(comment));
        if skip.is_some() {
            skip_watch = skip;
        }
    }
    if let Some(unless) = low.get("unless") {
        let (result, comment, skip) = check_unless(ctx, unless, &opts);
        let prev = ret.get("result").is_some_and(truthy);
        ret.insert("result".into(), Value::Bool(result || prev));
        comments.push(Value::String(comment));
        if let Some(skip) = skip {
            skip_watch = Some(skip || skip_watch.unwrap_or(false));
        }
    }
    if let Some(creates) = low.get("creates") {
        let (result, comment) = check_creates(creates);
        let prev = ret.get("result").is_some_and(truthy);
        ret.insert("result".into(), Value::Bool(result || prev));
        comments.push(Value::String(comment));
        if result {
            skip_watch = Some(true);
        }
    }
    ret.insert("comment".into(), Value::Array(comments));
    if let Some(skip) = skip_watch {
        ret.insert("skip_watch".into(), Value::Bool(skip));
    }
    ret
}

/// (result, comment, skip_watch) of Salt's `_run_check_onlyif`.
fn check_onlyif(
    ctx: &Ctx,
    onlyif: &Value,
    opts: &Map<String, Value>,
) -> (bool, String, Option<bool>) {
    let mut state: Option<(bool, String, Option<bool>)> = None;
    let skip = || (true, "onlyif condition is false".to_owned(), Some(true));
    for entry in as_list(onlyif) {
        match &entry {
            Value::Object(m) => {
                if !m.contains_key("fun") {
                    let comment = format!("no `fun` argument in onlyif: {}", pyrepr(&entry));
                    return (state.is_some_and(|s| s.0), comment, None);
                }
                match run_function(ctx, m) {
                    Ok(result) if truthy(&result) => {
                        state = Some((false, "onlyif condition is true".into(), None))
                    }
                    _ => return skip(),
                }
            }
            Value::String(command) => {
                let code = retcode(ctx, command, opts).unwrap_or(100);
                if code != 0 {
                    return skip();
                }
                state = Some((false, "onlyif condition is true".into(), None));
            }
            _ => {
                return (
                    false,
                    "onlyif execution failed, bad type passed".into(),
                    None,
                );
            }
        }
    }
    // Salt leaves the comment out when no check ran; an empty list is
    // the only way to get there.
    state.unwrap_or((false, String::new(), None))
}

/// (result, comment, skip_watch) of Salt's `_run_check_unless`.
fn check_unless(
    ctx: &Ctx,
    unless: &Value,
    opts: &Map<String, Value>,
) -> (bool, String, Option<bool>) {
    let mut state: (bool, String, Option<bool>) = (false, String::new(), None);
    for entry in as_list(unless) {
        match &entry {
            Value::Object(m) => {
                if !m.contains_key("fun") {
                    return (
                        state.0,
                        format!("no `fun` argument in unless: {}", pyrepr(&entry)),
                        state.2,
                    );
                }
                match run_function(ctx, m) {
                    Ok(result) if truthy(&result) => {
                        state = (true, "unless condition is true".into(), Some(true))
                    }
                    // A failing function means "the condition is false".
                    _ => return (false, "unless condition is false".into(), state.2),
                }
            }
            Value::String(command) => {
                // A command that cannot run counts as success: skip the state.
                let code = retcode(ctx, command, opts).unwrap_or(0);
                if code == 0 {
                    state = (true, "unless condition is true".into(), Some(true));
                } else {
                    return (false, "unless condition is false".into(), None);
                }
            }
            _ => {
                state = (
                    false,
                    "unless condition is false, bad type passed".into(),
                    state.2,
                )
            }
        }
    }
    state
}

/// (result, comment) of Salt's `_run_check_creates`.
fn check_creates(creates: &Value) -> (bool, String) {
    let exists = |p: &Value| std::path::Path::new(&pystr(p)).exists();
    match creates {
        Value::String(path) if exists(creates) => (true, format!("{path} exists")),
        Value::Array(paths) if paths.iter().all(exists) => {
            (true, "All files in creates exist".into())
        }
        _ => (false, "Creates files not found".into()),
    }
}

/// Salt's `_run_check_cmd`: `check_cmd` decides the state's result.
pub fn run_check_cmd(ctx: &Ctx, low: &LowChunk) -> Map<String, Value> {
    let mut ret = Map::new();
    ret.insert("result".into(), Value::Bool(false));
    for key in ["__sls__", "__id__", "name"] {
        ret.insert(key.into(), low.get(key).cloned().unwrap_or(Value::Null));
    }
    let mut opts = Map::new();
    if let Some(shell) = ctx.grains.get("shell") {
        opts.insert("shell".into(), shell.clone());
    }
    for entry in as_list(low.get("check_cmd").unwrap_or(&Value::Null)) {
        let code = retcode(ctx, &pystr(&entry), &opts).unwrap_or(1);
        if code == 0 && ret.get("result") == Some(&Value::Bool(false)) {
            ret.insert(
                "comment".into(),
                json!("check_cmd determined the state succeeded"),
            );
            ret.insert("result".into(), Value::Bool(true));
        } else if code != 0 {
            ret.insert(
                "comment".into(),
                json!("check_cmd determined the state failed"),
            );
            ret.insert("result".into(), Value::Bool(false));
            return ret;
        }
    }
    ret
}

/// A validated `retry` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub until: bool,
    pub attempts: i64,
    pub interval: i64,
    pub splay: i64,
}

impl Retry {
    pub fn to_value(self) -> Value {
        json!({"until": self.until, "attempts": self.attempts, "interval": self.interval, "splay": self.splay})
    }
}

const RETRY_DEFAULTS: Retry = Retry {
    until: true,
    attempts: 2,
    interval: 30,
    splay: 0,
};

/// Salt's `verify_retry_data`: bad values fall back to the defaults.
pub fn verify_retry_data(data: &Value) -> Retry {
    match data {
        Value::Object(m) => Retry {
            until: m
                .get("until")
                .and_then(Value::as_bool)
                .unwrap_or(RETRY_DEFAULTS.until),
            attempts: m
                .get("attempts")
                .and_then(Value::as_i64)
                .unwrap_or(RETRY_DEFAULTS.attempts),
            interval: m
                .get("interval")
                .and_then(Value::as_i64)
                .unwrap_or(RETRY_DEFAULTS.interval),
            splay: m
                .get("splay")
                .and_then(Value::as_i64)
                .unwrap_or(RETRY_DEFAULTS.splay),
        },
        Value::Bool(false) => Retry {
            attempts: 0,
            ..RETRY_DEFAULTS
        },
        _ => RETRY_DEFAULTS,
    }
}

//! `cmd` states: run shell commands (Salt's `salt/states/cmd.py`,
//! `cmd.run`, `cmd.wait` and their `mod_watch`). `unless`, `onlyif` and
//! `creates` are handled by the engine for every state.

use serde::Deserialize;
use serde_json::{Map, Value};

use halite_exec::api::lenient;
use halite_exec::modules::cmd::{CmdLine, RunOptions, run_command};

use crate::api::{Behaviour, StateArgs, StateCtx, StateFunction, StateModule, StateReturn};
use crate::error::StateError;

pub static MODULE: StateModule = StateModule {
    name: "cmd",
    doc: "Run commands as states. A command always reports changes when it runs; guard it with unless, onlyif or creates.",
    functions: &[
        StateFunction {
            name: "run",
            required: &["name"],
            doc: "Run `name` through the shell. The result is True when the command exits 0; `changes` holds pid, retcode, stdout and stderr. Accepts cwd, env, shell, runas, timeout, stateful and the cmd.run_all options.\n\nSLS Example:\n\n    say hi:\n      cmd.run:\n        - name: echo hi\n        - cwd: /tmp\n        - creates: /tmp/done",
            behaviour: Behaviour::Imperative {
                predict: predict_run,
                run,
            },
        },
        StateFunction {
            name: "wait",
            required: &["name"],
            doc: "Run `name` only when a watched state changed (a cmd.run that waits for `watch`).\n\nSLS Example:\n\n    reload:\n      cmd.wait:\n        - name: systemctl reload nginx\n        - watch:\n          - file: /etc/nginx/nginx.conf",
            behaviour: Behaviour::Imperative {
                predict: noop_wait,
                run: noop_wait,
            },
        },
    ],
    mod_watch: Some(&MOD_WATCH),
};

static MOD_WATCH: StateFunction = StateFunction {
    name: "mod_watch",
    required: &["name"],
    doc: "Runs the command of a cmd.run or cmd.wait whose watched state changed.\n\nSLS Example:\n\n    restart:\n      cmd.run:\n        - name: touch /tmp/restarted\n        - watch:\n          - test: changer",
    behaviour: Behaviour::Imperative {
        predict: mod_watch_predict,
        run: mod_watch_run,
    },
};

#[derive(Deserialize)]
struct RunArgs {
    #[serde(deserialize_with = "lenient::string")]
    name: String,
    #[serde(default)]
    stateful: Value,
    #[serde(default)]
    env: Value,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    cwd: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

fn bind(args: &StateArgs) -> Result<RunArgs, StateError> {
    args.bind("cmd.run")
}

/// The `stateful: [{test_name: ...}]` form names a command for test mode.
fn test_name(stateful: &Value) -> Option<String> {
    match stateful {
        Value::Array(items) => items
            .first()
            .and_then(|f| f.get("test_name"))
            .map(crate::pystr),
        _ => None,
    }
}

fn is_stateful(stateful: &Value) -> bool {
    match stateful {
        Value::Array(_) => true,
        other => *other == Value::Bool(true),
    }
}

fn invalid_env(a: &RunArgs) -> Option<StateReturn> {
    (!matches!(a.env, Value::Null | Value::Array(_) | Value::Object(_))).then(|| {
        StateReturn::new(
            Value::String(a.name.clone()),
            Some(false),
            "Invalidly-formatted 'env' parameter. See documentation.",
        )
    })
}

fn predict_run(ctx: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let a = bind(args)?;
    if let Some(ret) = invalid_env(&a) {
        return Ok(ret);
    }
    if let Some(name) = test_name(&a.stateful) {
        // Salt runs the test command for real and reports its verdict.
        let ret = execute(ctx, &a, &name)?;
        return Ok(if ret.result == Some(true) && !ret.changes.is_empty() {
            StateReturn {
                result: None,
                ..ret
            }
        } else {
            ret
        });
    }
    let mut ret = StateReturn::new(
        Value::String(a.name.clone()),
        None,
        format!("Command \"{}\" would have been executed", a.name),
    );
    ret.changes
        .insert("cmd".into(), Value::String(a.name.clone()));
    Ok(if is_stateful(&a.stateful) {
        reinterpreted_state(ret)
    } else {
        ret
    })
}

fn run(ctx: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let a = bind(args)?;
    if let Some(ret) = invalid_env(&a) {
        return Ok(ret);
    }
    let name = a.name.clone();
    execute(ctx, &a, &name)
}

fn execute(ctx: &StateCtx, a: &RunArgs, command: &str) -> Result<StateReturn, StateError> {
    let mut ret = StateReturn::new(Value::String(a.name.clone()), Some(false), "");
    if let Some(cwd) = a.cwd.as_deref().filter(|c| !c.is_empty())
        && !std::path::Path::new(cwd).is_dir()
    {
        ret.comment = format!("Desired working directory \"{cwd}\" is not available");
        return Ok(ret);
    }
    let mut opts_map = a.rest.clone();
    opts_map.retain(|k, _| !k.starts_with("__") && k != "sfun");
    opts_map.insert(
        "cwd".into(),
        a.cwd.clone().map_or(Value::Null, Value::String),
    );
    opts_map.insert("env".into(), a.env.clone());
    opts_map.insert("python_shell".into(), Value::Bool(true));
    let mut options: RunOptions = serde_json::from_value(Value::Object(opts_map))
        .map_err(|e| StateError::Invocation(format!("Passed invalid arguments to cmd.run: {e}")))?;
    options.python_shell = Some(true);
    let result = run_command(
        ctx.exec,
        &CmdLine::Line(command.to_owned()),
        &options,
        false,
    );
    match result {
        Ok(out) => {
            let Value::Object(changes) = out.to_value() else {
                return Ok(ret);
            };
            ret.result = Some(out.retcode == Some(0));
            ret.changes = changes;
            ret.comment = format!("Command \"{}\" run", a.name);
        }
        Err(err) => {
            ret.comment = err.to_string();
            return Ok(ret);
        }
    }
    if is_stateful(&a.stateful) {
        ret = reinterpreted_state(ret);
    }
    Ok(ret)
}

/// Salt's `_reinterpreted_state`: a stateful command reports its own
/// `changed=yes comment=...` (last line of key=value pairs, or JSON).
fn reinterpreted_state(mut state: StateReturn) -> StateReturn {
    let ret = std::mem::take(&mut state.changes);
    state.comment = String::new();
    let out = ret.get("stdout").map(crate::pystr).unwrap_or_default();
    if out.is_empty() {
        if let Some(err) = ret
            .get("stderr")
            .map(crate::pystr)
            .filter(|e| !e.is_empty())
        {
            state.comment = err;
        }
        return state;
    }
    let fail = |mut state: StateReturn, msg: &str| {
        state.result = Some(false);
        state.comment = msg.to_owned();
        state
    };
    let mut idx = None;
    let (mut data, is_json) = match serde_json::from_str::<Value>(&out) {
        Ok(Value::Object(map)) => (map, true),
        Ok(_) => {
            return fail(
                state,
                "script JSON output must be a JSON object (e.g., {})!",
            );
        }
        Err(_) => {
            let trimmed = out.trim_end();
            let last = match trimmed.rfind('\n') {
                Some(i) => {
                    idx = Some(i);
                    &trimmed[i + 1..]
                }
                None => &out[..],
            };
            let mut data = Map::new();
            let Some(items) = shlex_split(last) else {
                let mut state = fail(
                    state,
                    "Failed parsing script output! Stdout must be JSON or a line of name=value pairs.",
                );
                state.changes.extend(ret);
                return state;
            };
            for item in items {
                match item.split_once('=') {
                    Some((k, v)) if !v.contains('=') => {
                        data.insert(k.to_owned(), Value::String(v.to_owned()));
                    }
                    _ => {
                        let mut state = fail(
                            state,
                            "Failed parsing script output! Stdout must be JSON or a line of name=value pairs.",
                        );
                        state.changes.extend(ret);
                        return state;
                    }
                }
            }
            (data, false)
        }
    };
    let changed = data.get("changed").is_some_and(|v| {
        matches!(
            crate::pystr(v).to_lowercase().as_str(),
            "true" | "yes" | "1"
        ) || *v == Value::Bool(true)
    });
    if let Some(comment) = data.shift_remove("comment") {
        state.comment = crate::pystr(&comment);
    }
    if changed {
        for (k, v) in &ret {
            data.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let stdout = if is_json {
            String::new()
        } else {
            let full = data.get("stdout").map(crate::pystr).unwrap_or_default();
            match idx {
                Some(i) => full.get(..i).unwrap_or_default().to_owned(),
                // Python's `[:-1]` for idx -1: all but the last character.
                None => {
                    let mut s = full;
                    s.pop();
                    s
                }
            }
        };
        data.insert("stdout".into(), Value::String(stdout));
        state.changes = data;
    }
    state
}

fn noop_wait(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    // Salt's cmd.wait does nothing by itself; its mod_watch runs the command.
    Ok(StateReturn::new(args.name.clone(), Some(true), ""))
}

fn sfun(args: &StateArgs) -> String {
    args.get("sfun").map(crate::pystr).unwrap_or_default()
}

fn not_watchable(args: &StateArgs) -> StateReturn {
    StateReturn::new(
        args.name.clone(),
        Some(false),
        format!(
            "cmd.{} does not work with the watch requisite, please use cmd.wait or cmd.wait_script",
            sfun(args)
        ),
    )
}

fn mod_watch_predict(ctx: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    match sfun(args).as_str() {
        "wait" | "run" | "watch" => predict_run(ctx, args),
        _ => Ok(not_watchable(args)),
    }
}

fn mod_watch_run(ctx: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    match sfun(args).as_str() {
        "wait" | "run" | "watch" => run(ctx, args),
        _ => Ok(not_watchable(args)),
    }
}

/// Python's `shlex.split` (POSIX mode): words split on whitespace, with
/// single quotes, double quotes and backslash escapes. `None` for an
/// unclosed quote, which Python reports as an error.
fn shlex_split(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => word.push(other),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            esc @ ('"' | '\\' | '$' | '`') => word.push(esc),
                            '\n' => {}
                            other => {
                                word.push('\\');
                                word.push(other);
                            }
                        },
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(other) => word.push(other),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_split_like_python() {
        assert_eq!(
            shlex_split("changed=yes comment='stateful said so' x=\"a b\\\"c\"").unwrap(),
            vec!["changed=yes", "comment=stateful said so", "x=a b\"c"]
        );
        assert_eq!(shlex_split("a\\ b  c").unwrap(), vec!["a b", "c"]);
        assert!(shlex_split("bad 'quote").is_none());
    }

    #[test]
    fn stateful_output_becomes_the_result() {
        let mut ret = StateReturn::new(Value::String("x".into()), Some(true), "Command \"x\" run");
        ret.changes.insert(
            "stdout".into(),
            Value::String("noise\nchanged=yes comment='done it'".into()),
        );
        ret.changes.insert("retcode".into(), Value::from(0));
        let out = reinterpreted_state(ret);
        assert_eq!(out.comment, "done it");
        assert_eq!(
            out.changes.get("changed"),
            Some(&Value::String("yes".into()))
        );
        assert_eq!(
            out.changes.get("stdout"),
            Some(&Value::String("noise".into()))
        );
        assert_eq!(out.changes.get("retcode"), Some(&Value::from(0)));
    }
}

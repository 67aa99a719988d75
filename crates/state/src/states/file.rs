//! `file` states (Salt's `salt/states/file.py`), beginning with the ones
//! that only look at or remove paths: `absent`, `exists`, `missing`. The
//! rest of Salt's `file` states (managed, directory, symlink ...) come next;
//! they reuse the typed operations of the `file` execution module.

use std::path::Path;

use serde_json::Value;

use crate::api::{Behaviour, StateArgs, StateCtx, StateFunction, StateModule, StateReturn};
use crate::error::StateError;

pub static MODULE: StateModule = StateModule {
    name: "file",
    doc: "Manage files and directories.",
    functions: &[
        StateFunction {
            name: "absent",
            required: &["name"],
            doc: "Make sure the file or directory `name` does not exist (a directory is removed with its contents).\n\nSLS Example:\n\n    /etc/old.conf:\n      file.absent",
            behaviour: Behaviour::Imperative {
                predict: absent_test,
                run: absent_run,
            },
        },
        StateFunction {
            name: "exists",
            required: &["name"],
            doc: "Succeed when `name` exists, fail otherwise; nothing is created.\n\nSLS Example:\n\n    /etc/hosts:\n      file.exists",
            behaviour: Behaviour::Imperative {
                predict: exists,
                run: exists,
            },
        },
        StateFunction {
            name: "missing",
            required: &["name"],
            doc: "Succeed when `name` does not exist, fail otherwise; nothing is removed.\n\nSLS Example:\n\n    /etc/nologin:\n      file.missing",
            behaviour: Behaviour::Imperative {
                predict: missing,
                run: missing,
            },
        },
        StateFunction {
            name: "touch",
            required: &["name"],
            doc: "Create `name` empty if it does not exist, or update its access and modification times (`atime`, `mtime`: seconds since the epoch; now when not given). `makedirs` creates the parent directories.\n\nSLS Example:\n\n    /var/log/app.log:\n      file.touch:\n        - makedirs: True",
            behaviour: Behaviour::Imperative {
                predict: touch_test,
                run: touch_run,
            },
        },
    ],
    mod_watch: None,
};

fn name_of(args: &StateArgs) -> String {
    match &args.name {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Salt's `_error`: result False with the message, no changes.
fn error(args: &StateArgs, message: String) -> Result<StateReturn, StateError> {
    Ok(StateReturn::new(args.name.clone(), Some(false), message))
}

enum Existing {
    FileOrLink,
    Directory,
    Nothing,
}

/// The checks Salt makes before removing anything.
fn absent_target(args: &StateArgs) -> Result<Result<(String, Existing), String>, StateError> {
    let name = name_of(args);
    if name.is_empty() {
        return Ok(Err("Must provide name to file.absent".into()));
    }
    let path = Path::new(&name);
    if !path.is_absolute() {
        return Ok(Err(format!(
            "Specified file {name} is not an absolute path"
        )));
    }
    if name == "/" {
        return Ok(Err("Refusing to make \"/\" absent".into()));
    }
    let existing = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Existing::Directory,
        Ok(_) => Existing::FileOrLink,
        Err(_) => Existing::Nothing,
    };
    Ok(Ok((name, existing)))
}

fn removed(args: &StateArgs, name: &str, result: Option<bool>, comment: String) -> StateReturn {
    let mut ret = StateReturn::new(args.name.clone(), result, comment);
    ret.changes
        .insert("removed".into(), Value::String(name.to_owned()));
    ret
}

fn absent_test(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let (name, existing) = match absent_target(args)? {
        Ok(target) => target,
        Err(message) => return error(args, message),
    };
    Ok(match existing {
        Existing::FileOrLink => {
            removed(args, &name, None, format!("File {name} is set for removal"))
        }
        Existing::Directory => removed(
            args,
            &name,
            None,
            format!("Directory {name} is set for removal"),
        ),
        Existing::Nothing => StateReturn::new(
            args.name.clone(),
            Some(true),
            format!("File {name} is not present"),
        ),
    })
}

fn absent_run(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let (name, existing) = match absent_target(args)? {
        Ok(target) => target,
        Err(message) => return error(args, message),
    };
    Ok(match existing {
        Existing::FileOrLink => match std::fs::remove_file(&name) {
            Ok(()) => removed(args, &name, Some(true), format!("Removed file {name}")),
            Err(err) => return error(args, err.to_string()),
        },
        Existing::Directory => match std::fs::remove_dir_all(&name) {
            Ok(()) => removed(args, &name, Some(true), format!("Removed directory {name}")),
            Err(_) => return error(args, format!("Failed to remove directory {name}")),
        },
        Existing::Nothing => StateReturn::new(
            args.name.clone(),
            Some(true),
            format!("File {name} is not present"),
        ),
    })
}

fn exists(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let name = name_of(args);
    if name.is_empty() {
        return error(args, "Must provide name to file.exists".into());
    }
    if !Path::new(&name).exists() {
        return error(args, format!("Specified path {name} does not exist"));
    }
    Ok(StateReturn::new(
        args.name.clone(),
        Some(true),
        format!("Path {name} exists"),
    ))
}

fn missing(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let name = name_of(args);
    if name.is_empty() {
        return error(args, "Must provide name to file.missing".into());
    }
    if Path::new(&name).exists() {
        return error(args, format!("Specified path {name} exists"));
    }
    Ok(StateReturn::new(
        args.name.clone(),
        Some(true),
        format!("Path {name} is missing"),
    ))
}

struct TouchArgs {
    atime: Option<Value>,
    mtime: Option<Value>,
    makedirs: Option<Value>,
}

impl TouchArgs {
    fn of(args: &StateArgs) -> TouchArgs {
        let get = |k: &str| args.get(k).filter(|v| !v.is_null()).cloned();
        TouchArgs {
            atime: get("atime"),
            mtime: get("mtime"),
            makedirs: get("makedirs"),
        }
    }
}

/// Python's `str()` of a number or string, as Salt compares times.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn as_seconds(v: &Option<Value>) -> Option<f64> {
    v.as_ref().and_then(|v| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// Salt's `_check_touch`, what `test=True` reports.
fn touch_test(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let name = name_of(args);
    if name.is_empty() {
        return error(args, "Must provide name to file.touch".into());
    }
    if !Path::new(&name).is_absolute() {
        return error(
            args,
            format!("Specified file {name} is not an absolute path"),
        );
    }
    let a = TouchArgs::of(args);
    let path = Path::new(&name);
    let mut ret = StateReturn::new(args.name.clone(), None, String::new());
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        ret.comment = format!("File {name} is set to be created");
        ret.changes.insert("new".into(), Value::String(name));
        return Ok(ret);
    };
    use std::os::unix::fs::MetadataExt;
    let differs = |wanted: &Option<Value>, actual: i64| {
        wanted
            .as_ref()
            .is_some_and(|w| py_str(w) != actual.to_string())
    };
    if differs(&a.atime, meta.atime()) || differs(&a.mtime, meta.mtime()) {
        ret.comment = format!("Times set to be updated on file {name}");
        ret.changes.insert("touched".into(), Value::String(name));
    } else {
        ret.result = Some(true);
        ret.comment = format!("File {name} exists and has the correct times");
    }
    Ok(ret)
}

fn touch_run(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let name = name_of(args);
    if name.is_empty() {
        return error(args, "Must provide name to file.touch".into());
    }
    let path = Path::new(&name);
    if !path.is_absolute() {
        return error(
            args,
            format!("Specified file {name} is not an absolute path"),
        );
    }
    let a = TouchArgs::of(args);
    let makedirs = a
        .makedirs
        .as_ref()
        .is_some_and(|v| matches!(v, Value::Bool(true)) || py_str(v).eq_ignore_ascii_case("true"));
    if makedirs && let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if !path.parent().is_some_and(Path::is_dir) {
        return error(args, format!("Directory not present to touch file {name}"));
    }
    let extant = path.exists();
    if let Err(err) =
        halite_exec::modules::file::touch(path, as_seconds(&a.atime), as_seconds(&a.mtime))
    {
        return error(args, err.to_string());
    }
    let mut ret = StateReturn::new(args.name.clone(), Some(true), String::new());
    if extant {
        let kind = if path.is_dir() { "directory" } else { "file" };
        ret.comment = format!("Updated times on {kind} {name}");
        ret.changes.insert("touched".into(), Value::String(name));
    } else {
        ret.comment = format!("Created empty file {name}");
        ret.changes.insert("new".into(), Value::String(name));
    }
    Ok(ret)
}

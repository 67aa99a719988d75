//! `grains`: read the minion's grains and manage the static ones kept in the
//! `grains` file next to the minion config (Salt's `/etc/salt/grains`).
//!
//! Reads see every grain (core, then the grains file, then the config's
//! `grains:`). Writes go to the grains file as YAML, written the way Salt
//! writes it (block style, sorted keys), and then ask the running minion,
//! if any, to collect its grains again. A grain set in the minion config
//! still wins over the file, as in Salt.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{Args, Ctx, ExecError, Function, Module, always};

/// Salt's `DEFAULT_TARGET_DELIM`.
const DELIM: &str = ":";

pub static MODULE: Module = Module {
    name: "grains",
    doc: "Read the minion's grains and manage the static grains stored in the grains file.",
    available: always,
    functions: &[
        Function {
            name: "append",
            params: &["key", "val", "convert", "delimiter"],
            doc: "\
Append `val` to the list grain `key` in the grains file, creating the list
if the grain does not exist. A list `val` is appended item by item. With
`convert=True` a grain that is not a list becomes one first; otherwise that
is refused. `key` may name a nested list (`a:b`, see `delimiter`).

CLI Example:

    halite '*' grains.append roles web
    halite '*' grains.append apps:ports 8080
",
            call: append,
        },
        Function {
            name: "delkey",
            params: &["key", "force"],
            doc: "\
Remove the grain `key` from the grains file altogether (`delval` with
`destructive=True`). A dict or list grain needs `force=True`.

CLI Example:

    halite '*' grains.delkey key
",
            call: delkey,
        },
        Function {
            name: "delval",
            params: &["key", "destructive", "force"],
            doc: "\
Set the grain `key` to null in the grains file; with `destructive=True`
remove the key too. A dict or list grain needs `force=True`.

CLI Example:

    halite '*' grains.delval key
",
            call: delval,
        },
        Function {
            name: "equals",
            params: &["key", "value"],
            doc: "\
Return True when the grain `key` (nested with `:`) equals `value`, both
compared as text.

CLI Example:

    halite '*' grains.equals fqdn web1.example.com
    halite '*' grains.equals systemd:version 252
",
            call: equals,
        },
        Function {
            name: "fetch",
            params: &["key", "default", "delimiter", "ordered"],
            doc: "\
Alias of `grains.get`.

CLI Example:

    halite '*' grains.fetch pkg:apache
",
            call: get,
        },
        Function {
            name: "get",
            params: &["key", "default", "delimiter", "ordered"],
            doc: "\
Return the grain `key`, or `default` (an empty string unless given) when
it does not exist. `key` walks nested data with `:`: `pkg:apache` is
`grains['pkg']['apache']`; a number indexes a list (`ipv4:0`, `-1` is the
last item) and a name in a list looks inside the dicts it holds. Use
`delimiter` when a key itself contains `:`.

CLI Example:

    halite '*' grains.get pkg:apache
    halite '*' grains.get abc::def|ghi delimiter='|'
",
            call: get,
        },
        Function {
            name: "has_value",
            params: &["key"],
            doc: "\
Return True when the grain `key` (nested with `:`) exists, even if its
value is null or empty.

CLI Example:

    halite '*' grains.has_value pkg:apache
",
            call: has_value,
        },
        Function {
            name: "item",
            params: &["*args", "**kwargs"],
            doc: "\
Return the named grains as a map; a missing one maps to `default` (an
empty string unless given). Names walk nested data with `:` (see
`grains.get`). `sanitize=True` masks host names and serial numbers.

CLI Example:

    halite '*' grains.item os
    halite '*' grains.item os osrelease oscodename
    halite '*' grains.item host sanitize=True
",
            call: item,
        },
        Function {
            name: "items",
            params: &["sanitize"],
            doc: "\
Return all of the minion's grains. `sanitize=True` masks host names and
serial numbers.

CLI Example:

    halite '*' grains.items
    halite '*' grains.items sanitize=True
",
            call: items,
        },
        Function {
            name: "ls",
            params: &[],
            doc: "\
Return the names of all grains, sorted.

CLI Example:

    halite '*' grains.ls
",
            call: ls,
        },
        Function {
            name: "remove",
            params: &["key", "val", "delimiter"],
            doc: "\
Remove `val` from the list grain `key` in the grains file. `key` may name
a nested list (`a:b`, see `delimiter`).

CLI Example:

    halite '*' grains.remove roles web
",
            call: remove,
        },
        Function {
            name: "set",
            params: &["key", "val", "force", "destructive", "delimiter"],
            doc: "\
Set the grain `key` to `val` in the grains file, where `key` may be nested
(`apps:myApp:port`). Conservative: an existing dict or list, or a dict or
list replacing a plain value, needs `force=True`. With `val` null and
`destructive=True` the key is removed. Returns `{comment, changes, result}`.

CLI Example:

    halite '*' grains.set 'apps:myApp:port' 2209
    halite '*' grains.set 'apps:myApp' '{port: 2209}' force=True
",
            call: set,
        },
        Function {
            name: "setval",
            params: &["key", "val", "destructive", "refresh_pillar"],
            doc: "\
Set the grain `key` to `val` in the grains file and return `{key: val}`.
With `val` null and `destructive=True` the key is removed from the file.
The running minion then collects its grains again.

CLI Example:

    halite '*' grains.setval key val
    halite '*' grains.setval key \"{'sub-key': 'val', 'sub-key2': 'val2'}\"
",
            call: setval,
        },
        Function {
            name: "setvals",
            params: &["grains", "destructive", "refresh_pillar"],
            doc: "\
Set several grains at once from the dict `grains` and return it. Null
values with `destructive=True` remove their keys from the grains file.

CLI Example:

    halite '*' grains.setvals \"{'key1': 'val1', 'key2': 'val2'}\"
",
            call: setvals,
        },
    ],
};

/// `key` arrives as whatever the CLI's YAML made of it (`grains.get 1`).
fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_str(other),
    }
}

/// Python's `str()` of a value, for Salt's messages.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Salt's `is_true`: numbers above zero, the string "true" in any case, or
/// Python truthiness.
fn is_true(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_f64().is_some_and(|f| f > 0.0),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(f) => f > 0.0,
            Err(_) => s.eq_ignore_ascii_case("true"),
        },
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `int()` of a string: optional sign, digits with single
/// underscores between them, surrounding whitespace.
fn python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

/// Salt's `salt.utils.data.traverse_dict_and_list`: `None` where Salt
/// returns the default.
pub(crate) fn traverse<'a>(data: &'a Value, key: &str, delimiter: &str) -> Option<&'a Value> {
    let mut ptr = data;
    for part in key.split(delimiter) {
        ptr = match ptr {
            Value::Array(items) => match python_int(part) {
                // A name in a list looks inside the dicts the list holds.
                None => items
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(|m| m.get(part))?,
                Some(idx) => {
                    let len = items.len() as i64;
                    let i = if idx < 0 { len + idx } else { idx };
                    if i < 0 {
                        return None;
                    }
                    items.get(i as usize)?
                }
            },
            Value::Object(map) => map.get(part)?,
            _ => return None,
        };
    }
    Some(ptr)
}

fn check_delimiter(delimiter: &str) -> Result<(), ExecError> {
    if delimiter.is_empty() {
        return Err(ExecError::Invocation("empty separator".into()));
    }
    Ok(())
}

fn default_delim() -> String {
    DELIM.to_owned()
}

fn default_empty() -> Value {
    Value::String(String::new())
}

fn get(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    get_in(&ctx.grains, args)
}

/// `grains.get` over any data: `pillar.get` has the same arguments.
pub(crate) fn get_in(data: &Value, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct GetArgs {
        key: Value,
        #[serde(default = "default_empty")]
        default: Value,
        #[serde(default = "default_delim")]
        delimiter: String,
        // Salt's OrderedDict switch; JSON maps always keep their order.
        #[serde(default)]
        #[allow(dead_code)]
        ordered: Option<Value>,
    }
    let a: GetArgs = args.bind()?;
    check_delimiter(&a.delimiter)?;
    Ok(traverse(data, &key_text(&a.key), &a.delimiter)
        .cloned()
        .unwrap_or(a.default))
}

fn has_value(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct HasValueArgs {
        key: Value,
    }
    let a: HasValueArgs = args.bind()?;
    Ok(traverse(&ctx.grains, &key_text(&a.key), DELIM)
        .is_some()
        .into())
}

fn equals(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct EqualsArgs {
        key: Value,
        value: Value,
    }
    let a: EqualsArgs = args.bind()?;
    let current = traverse(&ctx.grains, &key_text(&a.key), DELIM)
        .cloned()
        .unwrap_or_else(default_empty);
    Ok((py_str(&a.value) == py_str(&current)).into())
}

/// Salt's `_SANITIZERS`: what `sanitize=True` masks.
fn sanitize(out: &mut Map<String, Value>) {
    for (key, value) in out.iter_mut() {
        let masked = match key.as_str() {
            "serialnumber" => {
                // The last quarter of the serial becomes X's.
                let text = py_str(value);
                let chars: Vec<char> = text.chars().collect();
                let keep = chars.len() * 3 / 4;
                let mut s: String = chars[..keep].iter().collect();
                s.push_str(&"X".repeat(chars.len() - keep));
                s
            }
            "domain" => "DOMAINNAME".into(),
            "fqdn" | "id" => "MINION.DOMAINNAME".into(),
            "host" | "localhost" | "nodename" => "MINION".into(),
            _ => continue,
        };
        *value = Value::String(masked);
    }
}

fn items(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct ItemsArgs {
        #[serde(default)]
        sanitize: Option<Value>,
    }
    let a: ItemsArgs = args.bind()?;
    let mut out = ctx.grains.as_object().cloned().unwrap_or_default();
    if a.sanitize.as_ref().is_some_and(is_true) {
        sanitize(&mut out);
    }
    Ok(Value::Object(out))
}

fn item(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    item_in(&ctx.grains, args)
}

/// `grains.item` over any data: `pillar.item` has the same arguments.
pub(crate) fn item_in(data: &Value, args: &Args) -> Result<Value, ExecError> {
    let kwargs = args.extra_kwargs();
    let default = kwargs.get("default").cloned().unwrap_or_else(default_empty);
    let delimiter = kwargs
        .get("delimiter")
        .map(key_text)
        .unwrap_or_else(default_delim);
    check_delimiter(&delimiter)?;
    let mut out = Map::new();
    for arg in args.varargs() {
        let key = key_text(arg);
        let value = traverse(data, &key, &delimiter)
            .cloned()
            .unwrap_or_else(|| default.clone());
        out.insert(key, value);
    }
    if kwargs.get("sanitize").is_some_and(is_true) {
        sanitize(&mut out);
    }
    Ok(Value::Object(out))
}

fn ls(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct NoArgs {}
    args.bind::<NoArgs>()?;
    let mut names: Vec<&String> = ctx
        .grains
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    names.sort();
    Ok(names.into_iter().cloned().collect::<Vec<_>>().into())
}

/// The grains file Salt keeps next to the minion config.
fn grains_file(ctx: &Ctx) -> PathBuf {
    ctx.config_dir.join("grains")
}

/// What `setvals` did: the grains as set, or Salt's message when the
/// existing file cannot be parsed (returned as the function's value, as
/// Salt does).
enum Written {
    Set(Map<String, Value>),
    Unreadable(String),
}

/// Salt's `setvals`: merges `new` into the grains file and refreshes the
/// running minion's grains.
fn write_grains(
    ctx: &Ctx,
    new: Map<String, Value>,
    destructive: bool,
) -> Result<Written, ExecError> {
    let path = grains_file(ctx);
    let mut stored = Map::new();
    match std::fs::read_to_string(&path) {
        Ok(text) => match halite_yaml::from_str(&text) {
            Ok(Value::Object(map)) => stored = map,
            Ok(_) => {}
            Err(e) => {
                return Ok(Written::Unreadable(format!(
                    "Unable to read existing grains file: {e}"
                )));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(ExecError::failed(format!(
                "cannot read grains file {}: {e}",
                path.display()
            )));
        }
    }
    for (key, val) in &new {
        if val.is_null() && destructive {
            stored.remove(key);
        } else {
            stored.insert(key.clone(), val.clone());
        }
    }
    let text = halite_yaml::to_string(
        &Value::Object(stored),
        &halite_yaml::DumpOptions::salt_outputter(),
    );
    // Salt only logs a failed write and still reports success; a caller
    // should know the grain was not stored.
    std::fs::write(&path, text).map_err(|e| {
        ExecError::failed(format!(
            "Unable to write to grains file at {}: {e}",
            path.display()
        ))
    })?;
    if let Some(runtime) = &ctx.runtime {
        runtime.refresh_grains()?;
    }
    Ok(Written::Set(new))
}

fn written_value(w: Written) -> Value {
    match w {
        Written::Set(map) => Value::Object(map),
        Written::Unreadable(message) => Value::String(message),
    }
}

/// Salt compares `destructive is True`: only a real boolean counts.
fn destructive_flag(v: &Option<Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

fn setvals(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SetvalsArgs {
        grains: Value,
        #[serde(default)]
        destructive: Option<Value>,
        #[serde(default)]
        #[allow(dead_code)]
        refresh_pillar: Option<Value>,
    }
    let a: SetvalsArgs = args.bind()?;
    let Value::Object(new) = a.grains else {
        return Err(ExecError::Invocation(
            "setvals grains must be a dictionary.".into(),
        ));
    };
    Ok(written_value(write_grains(
        ctx,
        new,
        destructive_flag(&a.destructive),
    )?))
}

fn setval(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SetvalArgs {
        key: Value,
        val: Value,
        #[serde(default)]
        destructive: Option<Value>,
        #[serde(default)]
        #[allow(dead_code)]
        refresh_pillar: Option<Value>,
    }
    let a: SetvalArgs = args.bind()?;
    let mut new = Map::new();
    new.insert(key_text(&a.key), a.val);
    Ok(written_value(write_grains(
        ctx,
        new,
        destructive_flag(&a.destructive),
    )?))
}

/// `setval(key, value)` for the list helpers.
fn setval_one(ctx: &Ctx, key: String, value: Value) -> Result<Value, ExecError> {
    let mut new = Map::new();
    new.insert(key, value);
    Ok(written_value(write_grains(ctx, new, false)?))
}

/// Walks `key` up one level at a time, putting `value` into each parent
/// dict, as `append` and `remove` do; returns the top key and its value.
fn rebuild_parents(
    ctx: &Ctx,
    mut key: String,
    mut value: Value,
    delimiter: &str,
    default: Value,
) -> (String, Value) {
    while let Some((parent, rest)) = key
        .rsplit_once(delimiter)
        .map(|(p, r)| (p.to_owned(), r.to_owned()))
    {
        let mut grain = traverse(&ctx.grains, &parent, delimiter)
            .cloned()
            .unwrap_or_else(|| default.clone());
        if let Value::Object(map) = &mut grain {
            map.insert(rest, value);
        }
        value = grain;
        key = parent;
    }
    (key, value)
}

fn append(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct AppendArgs {
        key: Value,
        val: Value,
        #[serde(default)]
        convert: Option<Value>,
        #[serde(default = "default_delim")]
        delimiter: String,
    }
    let a: AppendArgs = args.bind()?;
    check_delimiter(&a.delimiter)?;
    let key = key_text(&a.key);
    let mut grain = traverse(&ctx.grains, &key, &a.delimiter)
        .cloned()
        .unwrap_or_else(|| json!([]));
    if a.convert.as_ref().is_some_and(python_truthy) && !grain.is_array() {
        grain = if grain.is_null() {
            json!([])
        } else {
            json!([grain])
        };
    }
    let Value::Array(list) = &mut grain else {
        return Ok(format!("The key {key} is not a valid list").into());
    };
    if list.contains(&a.val) {
        return Ok(format!("The val {} was already in the list {key}", py_str(&a.val)).into());
    }
    match a.val {
        Value::Array(items) => list.extend(items),
        other => list.push(other),
    }
    let (top, value) = rebuild_parents(ctx, key, grain, &a.delimiter, json!({}));
    setval_one(ctx, top, value)
}

fn remove(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct RemoveArgs {
        key: Value,
        val: Value,
        #[serde(default = "default_delim")]
        delimiter: String,
    }
    let a: RemoveArgs = args.bind()?;
    check_delimiter(&a.delimiter)?;
    let key = key_text(&a.key);
    let mut grain = traverse(&ctx.grains, &key, &a.delimiter)
        .cloned()
        .unwrap_or_else(|| json!([]));
    let Value::Array(list) = &mut grain else {
        return Ok(format!("The key {key} is not a valid list").into());
    };
    let Some(pos) = list.iter().position(|v| *v == a.val) else {
        return Ok(format!("The val {} was not in the list {key}", py_str(&a.val)).into());
    };
    list.remove(pos);
    let (top, value) = rebuild_parents(ctx, key, grain, &a.delimiter, Value::Null);
    setval_one(ctx, top, value)
}

/// Python truthiness, except that the strings false/no/off/0 are false
/// (a flag that skipped the CLI's YAML parsing keeps its meaning).
fn python_truthy(v: &Value) -> bool {
    match v {
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "no" | "off" | "0"
        ),
        other => is_true(other),
    }
}

fn is_complex(v: &Value) -> bool {
    v.is_object() || v.is_array()
}

/// Salt's `grains.set`.
fn set_grain(
    ctx: &Ctx,
    key: &str,
    val: Value,
    force: bool,
    destructive: bool,
    delimiter: &str,
) -> Result<Value, ExecError> {
    check_delimiter(delimiter)?;
    let failed = |comment: String| Ok(json!({"comment": comment, "changes": {}, "result": false}));
    let existing = traverse(&ctx.grains, key, delimiter);
    if let Some(existing) = existing
        && *existing == val
        && (!val.is_null() || !destructive)
    {
        return Ok(json!({"comment": "Grain is already set", "changes": {}, "result": true}));
    }
    // A grain that exists with a null value may be replaced by anything.
    if !force && let Some(existing) = existing.filter(|e| !e.is_null()) {
        if is_complex(existing) {
            return failed(format!(
                "The key '{key}' exists but is a dict or a list. Use 'force=True' to overwrite."
            ));
        }
        if is_complex(&val) {
            return failed(format!(
                "The key '{key}' exists and the given value is a dict or a list. Use 'force=True' to overwrite."
            ));
        }
    }
    let mut value = val;
    let mut key = key.to_owned();
    while let Some((parent, rest)) = key
        .rsplit_once(delimiter)
        .map(|(p, r)| (p.to_owned(), r.to_owned()))
    {
        let mut current = traverse(&ctx.grains, &parent, delimiter)
            .cloned()
            .unwrap_or_else(|| json!({}));
        match &mut current {
            Value::Object(map) => {
                if value.is_null() && destructive {
                    map.shift_remove(&rest);
                } else {
                    map.insert(rest, value);
                }
            }
            Value::Array(items) => {
                let mut updated = false;
                for item in items.iter_mut() {
                    if *item == Value::String(rest.clone()) {
                        *item = json!({ rest.clone(): value.clone() });
                        updated = true;
                    } else if let Value::Object(m) = item
                        && m.contains_key(&rest)
                    {
                        m.insert(rest.clone(), value.clone());
                        updated = true;
                    }
                }
                if !updated {
                    items.push(json!({ rest: value }));
                }
            }
            other if *other == Value::String(rest.clone()) || force => {
                *other = json!({ rest: value })
            }
            other => {
                return failed(format!(
                    "The key '{parent}' value is '{}', which is different from the provided key '{rest}'. Use 'force=True' to overwrite.",
                    py_str(other)
                ));
            }
        }
        value = current;
        key = parent;
    }
    let mut new = Map::new();
    new.insert(key, value);
    match write_grains(ctx, new, destructive)? {
        Written::Set(changes) => Ok(json!({"comment": "", "changes": changes, "result": true})),
        Written::Unreadable(message) => failed(message),
    }
}

fn set(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SetArgs {
        key: Value,
        #[serde(default = "default_empty")]
        val: Value,
        #[serde(default)]
        force: Option<Value>,
        #[serde(default)]
        destructive: Option<Value>,
        #[serde(default = "default_delim")]
        delimiter: String,
    }
    let a: SetArgs = args.bind()?;
    let force = a.force.as_ref().is_some_and(python_truthy);
    set_grain(
        ctx,
        &key_text(&a.key),
        a.val,
        force,
        destructive_flag(&a.destructive),
        &a.delimiter,
    )
}

fn delval(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct DelvalArgs {
        key: Value,
        #[serde(default)]
        destructive: Option<Value>,
        #[serde(default)]
        force: Option<Value>,
    }
    let a: DelvalArgs = args.bind()?;
    let force = a.force.as_ref().is_some_and(python_truthy);
    set_grain(
        ctx,
        &key_text(&a.key),
        Value::Null,
        force,
        destructive_flag(&a.destructive),
        DELIM,
    )
}

fn delkey(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct DelkeyArgs {
        key: Value,
        #[serde(default)]
        force: Option<Value>,
    }
    let a: DelkeyArgs = args.bind()?;
    let force = a.force.as_ref().is_some_and(python_truthy);
    set_grain(ctx, &key_text(&a.key), Value::Null, force, true, DELIM)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Map, Value, json};

    use crate::api::Runtime;
    use crate::{Args, Ctx, ExecError, Outcome, run_job};

    fn ctx(grains: Value, dir: &Path) -> Ctx {
        Ctx::new(Arc::new(json!({})), Arc::new(grains), dir.to_path_buf())
    }

    fn run(ctx: &Ctx, fun: &str, positional: Vec<Value>, kwargs: Value) -> Outcome {
        let kwargs: Map<String, Value> = serde_json::from_value(kwargs).unwrap();
        run_job(ctx, fun, Args::new(positional, kwargs))
    }

    fn sample() -> Value {
        json!({
            "os": "Debian",
            "ipv4": ["127.0.0.1", "192.0.2.2"],
            "nested": {"a": {"b": "c"}, "lst": ["x", {"k": "v"}]},
            "roles": ["web"],
            "file_grain": 1,
            "host": "web1",
            "serialnumber": "ABCDEFGH",
        })
    }

    #[test]
    fn get_walks_dicts_and_lists_like_salt() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ctx(sample(), tmp.path());
        let get = |key: &str| run(&c, "grains.get", vec![json!(key)], json!({})).ret;
        assert_eq!(get("os"), json!("Debian"));
        assert_eq!(get("nested:a:b"), json!("c"));
        assert_eq!(get("nested:lst:1:k"), json!("v"));
        assert_eq!(get("nested:lst:k"), json!("v"));
        assert_eq!(get("nested:lst:-1"), json!({"k": "v"}));
        assert_eq!(get("ipv4:0"), json!("127.0.0.1"));
        assert_eq!(get("ipv4:9"), json!(""));
        assert_eq!(get("os:x"), json!(""));
        assert_eq!(get("nonexistent"), json!(""));
        let out = run(
            &c,
            "grains.get",
            vec![json!("nested|a")],
            json!({"delimiter": "|"}),
        );
        assert_eq!(out.ret, json!({"b": "c"}));
        let out = run(
            &c,
            "grains.get",
            vec![json!("missing"), json!({"d": 1})],
            json!({}),
        );
        assert_eq!(out.ret, json!({"d": 1}));
        assert_eq!(
            run(&c, "grains.fetch", vec![json!("os")], json!({})).ret,
            json!("Debian")
        );
    }

    #[test]
    fn item_items_ls_has_value_equals() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ctx(sample(), tmp.path());
        let out = run(
            &c,
            "grains.item",
            vec![json!("roles"), json!("nonexist")],
            json!({"default": "zz"}),
        );
        assert_eq!(out.ret, json!({"roles": ["web"], "nonexist": "zz"}));
        let out = run(
            &c,
            "grains.item",
            vec![json!("host"), json!("serialnumber")],
            json!({"sanitize": true}),
        );
        assert_eq!(
            out.ret,
            json!({"host": "MINION", "serialnumber": "ABCDEFXX"})
        );
        assert_eq!(run(&c, "grains.items", vec![], json!({})).ret, sample());
        let ls = run(&c, "grains.ls", vec![], json!({})).ret;
        assert_eq!(
            ls,
            json!([
                "file_grain",
                "host",
                "ipv4",
                "nested",
                "os",
                "roles",
                "serialnumber"
            ])
        );
        assert_eq!(
            run(
                &c,
                "grains.has_value",
                vec![json!("nested:lst:9")],
                json!({})
            )
            .ret,
            json!(false)
        );
        assert_eq!(
            run(
                &c,
                "grains.has_value",
                vec![json!("nested:lst:0")],
                json!({})
            )
            .ret,
            json!(true)
        );
        assert_eq!(
            run(
                &c,
                "grains.equals",
                vec![json!("file_grain"), json!("1")],
                json!({})
            )
            .ret,
            json!(true)
        );
        assert_eq!(
            run(
                &c,
                "grains.equals",
                vec![json!("os"), json!("RedHat")],
                json!({})
            )
            .ret,
            json!(false)
        );
    }

    #[test]
    fn setval_writes_the_grains_file_as_salt_does() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("grains"), "zeta: 1\nalpha: 2\n").unwrap();
        let c = ctx(json!({}), tmp.path());
        let out = run(
            &c,
            "grains.setval",
            vec![json!("mid"), json!({"b": 1, "a": [1, 2]})],
            json!({}),
        );
        assert_eq!(out.ret, json!({"mid": {"b": 1, "a": [1, 2]}}));
        // Byte for byte what Salt 3007 wrote for the same calls.
        let text = std::fs::read_to_string(tmp.path().join("grains")).unwrap();
        assert_eq!(
            text,
            "alpha: 2\nmid:\n  a:\n  - 1\n  - 2\n  b: 1\nzeta: 1\n"
        );
        let out = run(
            &c,
            "grains.setvals",
            vec![json!({"unicodé": "é", "n": null, "x": "yes"})],
            json!({}),
        );
        assert!(out.success);
        let out = run(
            &c,
            "grains.setval",
            vec![json!("alpha"), Value::Null],
            json!({"destructive": true}),
        );
        assert_eq!(out.ret, json!({"alpha": null}));
        let text = std::fs::read_to_string(tmp.path().join("grains")).unwrap();
        assert_eq!(
            text,
            "mid:\n  a:\n  - 1\n  - 2\n  b: 1\nn: null\nunicodé: é\nx: 'yes'\nzeta: 1\n"
        );
    }

    #[test]
    fn setvals_refuses_a_non_dict_and_reports_a_broken_file() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ctx(json!({}), tmp.path());
        let out = run(&c, "grains.setvals", vec![json!([1, 2])], json!({}));
        assert_eq!(
            out.ret,
            json!("ERROR executing 'grains.setvals': setvals grains must be a dictionary.")
        );
        std::fs::write(tmp.path().join("grains"), "a: [unclosed\n").unwrap();
        let out = run(&c, "grains.setval", vec![json!("k"), json!(1)], json!({}));
        assert!(
            out.ret
                .as_str()
                .unwrap()
                .starts_with("Unable to read existing grains file: "),
            "{}",
            out.ret
        );
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("grains")).unwrap(),
            "a: [unclosed\n"
        );
        let missing = ctx(json!({}), &tmp.path().join("no-such-dir"));
        let out = run(
            &missing,
            "grains.setval",
            vec![json!("k"), json!(1)],
            json!({}),
        );
        assert!(!out.success);
    }

    #[test]
    fn append_remove_and_set_match_salt() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ctx(sample(), tmp.path());
        let out = run(
            &c,
            "grains.append",
            vec![json!("newlist"), json!("a")],
            json!({}),
        );
        assert_eq!(out.ret, json!({"newlist": ["a"]}));
        let out = run(
            &c,
            "grains.append",
            vec![json!("roles"), json!("web")],
            json!({}),
        );
        assert_eq!(out.ret, json!("The val web was already in the list roles"));
        let out = run(
            &c,
            "grains.append",
            vec![json!("file_grain"), json!("x")],
            json!({}),
        );
        assert_eq!(out.ret, json!("The key file_grain is not a valid list"));
        let out = run(
            &c,
            "grains.append",
            vec![json!("file_grain"), json!("x")],
            json!({"convert": true}),
        );
        assert_eq!(out.ret, json!({"file_grain": [1, "x"]}));
        let out = run(
            &c,
            "grains.remove",
            vec![json!("roles"), json!("web")],
            json!({}),
        );
        assert_eq!(out.ret, json!({"roles": []}));
        let out = run(
            &c,
            "grains.remove",
            vec![json!("roles"), json!("zz")],
            json!({}),
        );
        assert_eq!(out.ret, json!("The val zz was not in the list roles"));

        let out = run(
            &c,
            "grains.set",
            vec![json!("nested:a:z"), json!(5)],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!({"comment": "", "changes": {"nested": {"a": {"b": "c", "z": 5}, "lst": ["x", {"k": "v"}]}}, "result": true})
        );
        let out = run(
            &c,
            "grains.set",
            vec![json!("nested:a"), json!(5)],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!({"comment": "The key 'nested:a' exists but is a dict or a list. Use 'force=True' to overwrite.", "changes": {}, "result": false})
        );
        let out = run(
            &c,
            "grains.set",
            vec![json!("nested:a"), json!(5)],
            json!({"force": true}),
        );
        assert_eq!(
            out.ret["changes"],
            json!({"nested": {"a": 5, "lst": ["x", {"k": "v"}]}})
        );
        let out = run(
            &c,
            "grains.set",
            vec![json!("os"), json!("Debian")],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!({"comment": "Grain is already set", "changes": {}, "result": true})
        );
        let out = run(&c, "grains.set", vec![json!("os:sub"), json!(1)], json!({}));
        assert_eq!(
            out.ret["comment"],
            json!(
                "The key 'os' value is 'Debian', which is different from the provided key 'sub'. Use 'force=True' to overwrite."
            )
        );
        let out = run(&c, "grains.delval", vec![json!("host")], json!({}));
        assert_eq!(
            out.ret,
            json!({"comment": "", "changes": {"host": null}, "result": true})
        );
        let out = run(&c, "grains.delkey", vec![json!("roles")], json!({}));
        assert_eq!(out.ret["result"], json!(false));
        let out = run(
            &c,
            "grains.delkey",
            vec![json!("roles")],
            json!({"force": true}),
        );
        assert_eq!(
            out.ret,
            json!({"comment": "", "changes": {"roles": null}, "result": true})
        );
        let stored =
            halite_yaml::from_str(&std::fs::read_to_string(tmp.path().join("grains")).unwrap())
                .unwrap();
        assert!(
            stored.get("roles").is_none(),
            "delkey removed the key: {stored}"
        );
        assert_eq!(stored["host"], Value::Null);
    }

    struct CountingRuntime(AtomicUsize);

    impl Runtime for CountingRuntime {
        fn running(&self) -> Vec<Value> {
            Vec::new()
        }
        fn kill_job(&self, _jid: &str) -> Result<Value, ExecError> {
            Ok(Value::Null)
        }
        fn refresh_grains(&self) -> Result<(), ExecError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn writes_refresh_a_running_minion() {
        let tmp = tempfile::tempdir().unwrap();
        let runtime = Arc::new(CountingRuntime(AtomicUsize::new(0)));
        let mut c = ctx(json!({}), tmp.path());
        c.runtime = Some(runtime.clone());
        assert!(run(&c, "grains.setval", vec![json!("k"), json!("v")], json!({})).success);
        assert_eq!(runtime.0.load(Ordering::SeqCst), 1);
    }
}

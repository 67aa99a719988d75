//! Salt's smaller utility filters (`salt/utils/{data,stringutils,path,
//! jinja}.py`): `avg`, `exactly_n_true`, `exactly_one_true`,
//! `substring_in_list`, `sorted_ignorecase`, `to_num`/`str_to_num`,
//! `is_hex`, `contains_whitespace`, `compare_lists`, `uuid`,
//! `to_snake_case`, `to_camelcase`, `path_join`, `skip`.

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};
use sha1::Digest;

use crate::mutable::{MutList, MutMap};
use crate::pyrepr::py_str;

pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_filter("avg", avg);
    env.add_filter(
        "exactly_n_true",
        |v: Value, amount: Option<usize>, kwargs: Kwargs| -> Result<bool, Error> {
            let amount = kwargs
                .get::<Option<usize>>("amount")?
                .or(amount)
                .unwrap_or(1);
            kwargs.assert_all_used()?;
            exactly_n(&v, amount)
        },
    );
    env.add_filter("exactly_one_true", |v: Value| exactly_n(&v, 1));
    env.add_filter(
        "substring_in_list",
        |s: String, list: Value| -> Result<bool, Error> {
            Ok(list.try_iter()?.any(|item| py_str(&item).contains(&s)))
        },
    );
    env.add_filter("sorted_ignorecase", |v: Value| -> Result<Value, Error> {
        let mut items: Vec<Value> = v.try_iter()?.collect();
        // Python's sort is stable, as is Rust's.
        items.sort_by_key(|item| py_str(item).to_lowercase());
        Ok(Value::from_object(MutList::new(items)))
    });
    env.add_filter("to_num", to_num);
    env.add_filter("str_to_num", to_num);
    env.add_filter("is_hex", |v: Value| {
        let text = py_str(&v);
        let text = text.trim();
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        !digits.is_empty()
            && digits
                .replace('_', "")
                .chars()
                .all(|c| c.is_ascii_hexdigit())
    });
    env.add_filter("contains_whitespace", |v: Value| {
        py_str(&v).chars().any(char::is_whitespace)
    });
    env.add_filter("compare_lists", compare_lists);
    env.add_filter("uuid", |v: Value| uuid5(&py_str(&v)));
    env.add_filter("to_snake_case", |v: Value| to_snake_case(&py_str(&v)));
    env.add_filter(
        "to_camelcase",
        |v: Value, upper: Option<bool>, kwargs: Kwargs| -> Result<String, Error> {
            let upper = kwargs
                .get::<Option<bool>>("uppercamel")?
                .or(upper)
                .unwrap_or(false);
            kwargs.assert_all_used()?;
            Ok(to_camelcase(&py_str(&v), upper))
        },
    );
    env.add_filter("path_join", path_join);
    env.add_filter("skip", |_v: Value| "");
}

fn op_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Salt's `avg`: the mean of a list as a float, or the number itself.
fn avg(value: Value) -> Result<Value, Error> {
    if value.kind() == ValueKind::Number {
        return Ok(Value::from(f64::try_from(value)?));
    }
    let items: Vec<f64> = value
        .try_iter()?
        .map(f64::try_from)
        .collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err(op_error("division by zero"));
    }
    Ok(Value::from(items.iter().sum::<f64>() / items.len() as f64))
}

/// Salt's `exactly_n`: `amount` truthy items, no more.
fn exactly_n(value: &Value, amount: usize) -> Result<bool, Error> {
    Ok(value.try_iter()?.filter(Value::is_true).count() == amount)
}

/// Salt's `to_num`: an int, else a float, else the text unchanged.
fn to_num(value: Value) -> Value {
    let Some(text) = value.as_str() else {
        return value;
    };
    let trimmed = text.trim().replace('_', "");
    if let Ok(i) = trimmed.parse::<i64>() {
        return Value::from(i);
    }
    match trimmed.parse::<f64>() {
        Ok(f) if !trimmed.is_empty() => Value::from(f),
        _ => value,
    }
}

/// Salt's `compare_lists(old, new)`: `{'new': [...], 'old': [...]}` of the
/// items only in one of them.
fn compare_lists(old: Value, new: Value) -> Result<Value, Error> {
    let old: Vec<Value> = old.try_iter()?.collect();
    let new: Vec<Value> = new.try_iter()?.collect();
    let map = Value::from_object(MutMap::default());
    let added: Vec<Value> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
    let removed: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
    if let Some(m) = map.downcast_object_ref::<MutMap>() {
        if !added.is_empty() {
            m.insert(Value::from("new"), Value::from_object(MutList::new(added)));
        }
        if !removed.is_empty() {
            m.insert(
                Value::from("old"),
                Value::from_object(MutList::new(removed)),
            );
        }
    }
    Ok(map)
}

/// Salt's `uuid` filter: `uuid.uuid5(GLOBAL_UUID, text)`.
fn uuid5(text: &str) -> String {
    // salt.utils.jinja.GLOBAL_UUID
    const NAMESPACE: [u8; 16] = [
        0x91, 0x63, 0x3e, 0xbf, 0x1c, 0x86, 0x5e, 0x33, 0x93, 0x5a, 0x28, 0x06, 0x1f, 0x4b, 0x48,
        0x0e,
    ];
    let mut hasher = sha1::Sha1::new();
    hasher.update(NAMESPACE);
    hasher.update(text.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Salt's `camel_to_snake_case`.
fn to_snake_case(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let Some(first) = chars.first() else {
        return String::new();
    };
    let mut out: String = first.to_lowercase().collect();
    for i in 1..chars.len() {
        let letter = chars[i];
        if letter.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || (i != chars.len() - 1 && chars[i + 1].is_lowercase()))
        {
            out.push('_');
        }
        out.extend(letter.to_lowercase());
    }
    out
}

/// Python's `str.capitalize`.
fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Salt's `snake_to_camel_case`.
fn to_camelcase(input: &str, upper: bool) -> String {
    let mut words = input.split('_');
    let first = words.next().unwrap_or("");
    let mut out = if upper {
        capitalize(first)
    } else {
        first.to_owned()
    };
    for word in words {
        out.push_str(&capitalize(word));
    }
    out
}

/// Python's `posixpath.normpath`.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let leading = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if leading > 0 => {}
            other => parts.push(other),
        }
    }
    let joined = format!("{}{}", "/".repeat(leading), parts.join("/"));
    if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Salt's `path_join`: later absolute parts are joined, not restarted.
fn path_join(first: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let _: Option<bool> = kwargs.get("use_posixpath")?;
    kwargs.assert_all_used()?;
    let root = normpath(&py_str(&first));
    if rest.is_empty() {
        return Ok(root);
    }
    let mut joined = root;
    for part in rest.iter() {
        let part = normpath(&py_str(part));
        let part = part.trim_start_matches('/');
        if !joined.ends_with('/') {
            joined.push('/');
        }
        joined.push_str(part);
    }
    Ok(normpath(&joined))
}

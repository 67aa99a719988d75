//! Salt's Jinja filters and tests (`salt/utils/jinja.py`,
//! `salt/utils/templates.py`'s `JinjaFilter` registry), on template values.

use base64::Engine;
use minijinja::value::{Kwargs, Tuple, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use sha2::Digest;

use crate::mutable::{MutList, SortKeys, from_json, mutable, to_json, to_json_sorted};
use crate::pyrepr::{py_repr, py_str};

fn op_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Registers Salt's filters and tests on `env`.
pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_filter("yaml", yaml);
    env.add_filter("json", json);
    env.add_filter("tojson", tojson);
    env.add_filter("yaml_encode", yaml_encode);
    env.add_filter("yaml_dquote", yaml_dquote);
    env.add_filter("yaml_squote", yaml_squote);
    env.add_filter("load_yaml", load_yaml);
    env.add_filter("load_json", load_json);
    env.add_filter("load_text", load_text);
    env.add_filter("python", |v: Value| py_repr(&v));
    env.add_filter("unique", unique);
    env.add_filter("regex_match", regex_match);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_escape", |s: String| regex::escape(&s));
    env.add_filter("to_bool", |v: Value| to_bool(&v));
    env.add_filter("traverse", traverse);
    env.add_filter("sequence", |v: Value| {
        if v.kind() == ValueKind::Seq {
            v
        } else {
            Value::from_object(MutList::new(vec![v]))
        }
    });
    env.add_filter("flatten", flatten);
    env.add_filter("union", |a: Value, b: Value| set_op(a, b, SetOp::Union));
    env.add_filter("intersect", |a: Value, b: Value| {
        set_op(a, b, SetOp::Intersect)
    });
    env.add_filter("difference", |a: Value, b: Value| {
        set_op(a, b, SetOp::Difference)
    });
    env.add_filter("symmetric_difference", |a: Value, b: Value| {
        set_op(a, b, SetOp::Symmetric)
    });
    env.add_filter("md5", |s: Value| {
        hex::encode(md5::Md5::digest(py_str(&s).as_bytes()))
    });
    env.add_filter("sha1", |s: Value| {
        hex::encode(sha1::Sha1::digest(py_str(&s).as_bytes()))
    });
    env.add_filter("sha256", |s: Value| {
        hex::encode(sha2::Sha256::digest(py_str(&s).as_bytes()))
    });
    env.add_filter("sha512", |s: Value| {
        hex::encode(sha2::Sha512::digest(py_str(&s).as_bytes()))
    });
    env.add_filter("base64_encode", |s: Value| {
        base64::engine::general_purpose::STANDARD.encode(py_str(&s).as_bytes())
    });
    env.add_filter("base64_decode", base64_decode);
    env.add_filter("quote", |s: Value| shell_quote(&py_str(&s)));
    env.add_filter("is_list", |v: Value| v.kind() == ValueKind::Seq);
    env.add_filter("is_iter", |v: Value| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
        )
    });
    env.add_filter("dict_to_sls_yaml_params", dict_to_sls_yaml_params);
    env.add_filter("__pymod", crate::pyformat::pymod);
    env.add_filter("dictsort", dictsort);
    env.add_filter("string", |v: Value| {
        if v.kind() == ValueKind::String {
            v
        } else {
            Value::from(py_str(&v))
        }
    });
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("round", round);
    env.add_filter("truncate", truncate);
    env.add_filter("wordcount", |s: Value| {
        py_str(&s)
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .count()
    });
    env.add_filter("center", |s: Value, width: Option<usize>| {
        center(&py_str(&s), width.unwrap_or(80))
    });
    env.add_filter("random", random);
    env.add_filter("urlencode", urlencode);
    crate::ipfilters::register(env);
    crate::saltfilters::register(env);

    env.add_test("list", |v: Value| v.kind() == ValueKind::Seq);
    env.add_test("match", |s: Value, pat: String| {
        regex_at(&py_str(&s), &pat, true).map(|m| m.is_some())
    });
    env.add_test("equalto", |a: Value, b: Value| a == b);
}

fn yaml(value: Value, flow_style: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let flow_style = kwargs.get::<Option<Value>>("flow_style")?.or(flow_style);
    kwargs.assert_all_used()?;
    let mut opts = halite_yaml::DumpOptions::salt();
    opts.sort_keys = false;
    opts.default_flow_style = match flow_style {
        None => Some(true),
        Some(v) if v.is_none() => None,
        Some(v) => Some(v.is_true()),
    };
    let data = to_json_sorted(&value, SortKeys::PlainDicts);
    let text = halite_yaml::to_string(&data, &opts);
    let mut text = text.trim().to_owned();
    if text.ends_with("\n...") {
        text.truncate(text.len() - 4);
    }
    Ok(Value::from_safe_string(text))
}

/// Python's `json.dumps` with `ensure_ascii=True`: `", "` and `": "`
/// separators, or Python's indented layout.
pub(crate) fn py_json(
    value: &serde_json::Value,
    indent: Option<usize>,
    ensure_ascii: bool,
) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent, 0, ensure_ascii);
    out
}

fn write_json(
    out: &mut String,
    value: &serde_json::Value,
    indent: Option<usize>,
    level: usize,
    ascii: bool,
) {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    };
    let item_sep = if indent.is_some() { "," } else { ", " };
    match value {
        serde_json::Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7e) => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => out.push_str(&crate::pyrepr::py_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                write_json(out, item, indent, level + 1, ascii);
            }
            newline(out, level);
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                write_json(
                    out,
                    &serde_json::Value::String(k.clone()),
                    indent,
                    level + 1,
                    ascii,
                );
                out.push_str(": ");
                write_json(out, v, indent, level + 1, ascii);
            }
            newline(out, level);
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Salt's `json`: `salt.utils.json.dumps(sort_keys=True)`, which leaves
/// non-ASCII as is.
fn json(
    value: Value,
    sort_keys: Option<bool>,
    indent: Option<usize>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let sort_keys = kwargs
        .get::<Option<bool>>("sort_keys")?
        .or(sort_keys)
        .unwrap_or(true);
    let indent = kwargs.get::<Option<usize>>("indent")?.or(indent);
    kwargs.assert_all_used()?;
    let sort = if sort_keys {
        SortKeys::All
    } else {
        SortKeys::Never
    };
    Ok(Value::from_safe_string(
        py_json(&to_json_sorted(&value, sort), indent, false)
            .trim()
            .to_owned(),
    ))
}

/// Salt's `tojson`: `ensure_ascii` and Jinja's HTML-safe escapes, key order kept.
fn tojson(value: Value, indent: Option<usize>, kwargs: Kwargs) -> Result<Value, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.or(indent);
    kwargs.assert_all_used()?;
    let text = py_json(&to_json(&value), indent, true)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027");
    Ok(Value::from_safe_string(text))
}

fn yaml_encode(value: Value) -> Result<Value, Error> {
    halite_yaml::yaml_encode(&to_json(&value))
        .map(Value::from_safe_string)
        .map_err(|e| op_error(e.0))
}

fn yaml_dquote(value: Value) -> Value {
    Value::from_safe_string(halite_yaml::yaml_dquote(&py_str(&value)))
}

fn yaml_squote(value: Value) -> Value {
    Value::from_safe_string(format!("'{}'", py_str(&value).replace('\'', "''")))
}

pub(crate) fn load_yaml(value: Value) -> Result<Value, Error> {
    let text = py_str(&value);
    let data =
        halite_yaml::from_str(&text).map_err(|e| op_error(format!("Error parsing YAML: {e}")))?;
    Ok(from_json(&data))
}

pub(crate) fn load_json(value: Value) -> Result<Value, Error> {
    let data: serde_json::Value = serde_json::from_str(&py_str(&value))
        .map_err(|e| op_error(format!("Could not load json: {e}")))?;
    Ok(from_json(&data))
}

fn load_text(value: Value) -> Value {
    Value::from(py_str(&value))
}

fn unique(value: Value) -> Result<Value, Error> {
    let mut out: Vec<Value> = Vec::new();
    for item in value.try_iter()? {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(Value::from_object(MutList::new(out)))
}

fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<regex::Regex, Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| op_error(format!("invalid regular expression: {e}")))
}

fn regex_at(text: &str, pattern: &str, anchored: bool) -> Result<Option<Value>, Error> {
    let pattern = if anchored {
        format!("^(?:{pattern})")
    } else {
        pattern.to_owned()
    };
    let re = compile(&pattern, false, false)?;
    Ok(re.captures(text).map(|caps| groups(&caps)))
}

/// Python's `match.groups()`: a tuple of the groups (None for unmatched).
fn groups(caps: &regex::Captures<'_>) -> Value {
    if caps.len() == 1 {
        // No groups in the pattern: Salt returns the whole match.
        return Value::from(Tuple::from(vec![Value::from(&caps[0])]));
    }
    Value::from(Tuple::from(
        caps.iter()
            .skip(1)
            .map(|g| {
                g.map(|m| Value::from(m.as_str()))
                    .unwrap_or(Value::from(()))
            })
            .collect::<Vec<_>>(),
    ))
}

fn regex_flags(kwargs: &Kwargs) -> Result<(bool, bool), Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    Ok((ignorecase.unwrap_or(false), multiline.unwrap_or(false)))
}

fn regex_match(txt: Value, rgx: String, kwargs: Kwargs) -> Result<Value, Error> {
    let (i, m) = regex_flags(&kwargs)?;
    let re = compile(&format!("^(?:{rgx})"), i, m)?;
    Ok(re
        .captures(&py_str(&txt))
        .map(|c| groups(&c))
        .unwrap_or(Value::from(())))
}

fn regex_search(txt: Value, rgx: String, kwargs: Kwargs) -> Result<Value, Error> {
    let (i, m) = regex_flags(&kwargs)?;
    let re = compile(&rgx, i, m)?;
    Ok(re
        .captures(&py_str(&txt))
        .map(|c| groups(&c))
        .unwrap_or(Value::from(())))
}

fn regex_replace(txt: Value, rgx: String, val: String, kwargs: Kwargs) -> Result<String, Error> {
    let (i, m) = regex_flags(&kwargs)?;
    let re = compile(&rgx, i, m)?;
    // Python's `\1` back-references become the regex crate's `${1}`.
    let replacement = regex::Regex::new(r"\\(\d+)")
        .map_err(|e| op_error(e.to_string()))?
        .replace_all(&val, "$${$1}")
        .into_owned();
    Ok(re
        .replace_all(&py_str(&txt), replacement.as_str())
        .into_owned())
}

/// Salt's `to_bool`.
pub(crate) fn to_bool(value: &Value) -> bool {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => false,
        ValueKind::Bool => value.is_true(),
        ValueKind::Number => f64::try_from(value.clone())
            .map(|f| f > 0.0)
            .unwrap_or(false),
        ValueKind::String => matches!(
            value.as_str().unwrap_or_default().to_lowercase().as_str(),
            "true" | "yes" | "1" | "on"
        ),
        _ => value.len().is_some_and(|n| n > 0),
    }
}

fn traverse(
    data: Value,
    key: String,
    default: Option<Value>,
    delimiter: Option<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let default = kwargs.get::<Option<Value>>("default")?.or(default);
    let delimiter = kwargs.get::<Option<String>>("delimiter")?.or(delimiter);
    kwargs.assert_all_used()?;
    Ok(
        crate::salt_object::traverse(&data, &key, delimiter.as_deref().unwrap_or(":"))
            .unwrap_or_else(|| default.unwrap_or(Value::from(()))),
    )
}

fn flatten(value: Value, levels: Option<i64>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels: Option<i64> = match kwargs.get::<Option<i64>>("levels")? {
        Some(l) => Some(l),
        None => levels,
    };
    let preserve_nulls: Option<bool> = kwargs.get("preserve_nulls")?;
    kwargs.assert_all_used()?;
    fn walk(
        v: &Value,
        levels: Option<i64>,
        keep_nulls: bool,
        out: &mut Vec<Value>,
    ) -> Result<(), Error> {
        for item in v.try_iter()? {
            if item.kind() == ValueKind::Seq && levels != Some(0) {
                walk(&item, levels.map(|l| l - 1), keep_nulls, out)?;
            } else if !item.is_none() || keep_nulls {
                out.push(item);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(&value, levels, preserve_nulls.unwrap_or(false), &mut out)?;
    Ok(Value::from_object(MutList::new(out)))
}

enum SetOp {
    Union,
    Intersect,
    Difference,
    Symmetric,
}

/// Salt's list set operations: the result keeps the first list's order,
/// without duplicates (`salt.utils.data` / `jinja` `union` etc.).
fn set_op(a: Value, b: Value, op: SetOp) -> Result<Value, Error> {
    let a: Vec<Value> = a.try_iter()?.collect();
    let b: Vec<Value> = b.try_iter()?.collect();
    let mut out: Vec<Value> = Vec::new();
    let mut push = |v: &Value| {
        if !out.contains(v) {
            out.push(v.clone());
        }
    };
    match op {
        SetOp::Union => a.iter().chain(b.iter()).for_each(&mut push),
        SetOp::Intersect => a.iter().filter(|v| b.contains(v)).for_each(&mut push),
        SetOp::Difference => a.iter().filter(|v| !b.contains(v)).for_each(&mut push),
        SetOp::Symmetric => a
            .iter()
            .filter(|v| !b.contains(v))
            .chain(b.iter().filter(|v| !a.contains(v)))
            .for_each(&mut push),
    }
    Ok(Value::from_object(MutList::new(out)))
}

fn base64_decode(value: Value) -> Result<String, Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(py_str(&value).trim())
        .map_err(|e| op_error(format!("Incorrect padding: {e}")))?;
    String::from_utf8(bytes).map_err(|e| op_error(e.to_string()))
}

/// Python's `shlex.quote`.
pub(crate) fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn dict_to_sls_yaml_params(value: Value, flow_style: Option<bool>) -> Result<Value, Error> {
    let items: Vec<Value> = value
        .try_iter()?
        .map(|k| {
            let v = value.get_item(&k).unwrap_or_default();
            mutable(Value::from_iter([(k, v)]))
        })
        .collect();
    yaml(
        Value::from_object(MutList::new(items)),
        Some(Value::from(flow_style.unwrap_or(false))),
        Kwargs::from_iter(std::iter::empty::<(&str, Value)>()),
    )
}

/// Python's `fnmatch.fnmatchcase(name, pattern)`.
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => match chars[i + 1..].iter().position(|&c| c == ']') {
                Some(end) if end > 0 || chars.get(i + 1) == Some(&']') => {
                    let class: String = chars[i + 1..i + 1 + end].iter().collect();
                    let class = class
                        .strip_prefix('!')
                        .map(|c| format!("^{c}"))
                        .unwrap_or(class);
                    re.push('[');
                    re.push_str(&class.replace('\\', "\\\\"));
                    re.push(']');
                    i += end + 1;
                }
                _ => re.push_str("\\["),
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    regex::RegexBuilder::new(&re)
        .dot_matches_new_line(true)
        .build()
        .is_ok_and(|r| r.is_match(name))
}

/// `__import_yaml(path)` and friends, from the pre-pass: read through the
/// loader, render the file as a template first (Salt does), then parse.
pub(crate) fn import_file(state: &State<'_, '_>, path: &str, kind: &str) -> Result<Value, Error> {
    let name = match state.name() {
        parent if path.starts_with("./") || path.starts_with("../") => {
            crate::loader::join(path, parent)
        }
        _ => path.to_owned(),
    };
    // Salt turns these tags into an import without context: the file sees
    // the globals and its own `tpldir`.
    let text = state
        .get_template(&name)?
        .render(minijinja::context! { __salt_own_tpl => true })?;
    match kind {
        "yaml" => load_yaml(Value::from(text)),
        "json" => load_json(Value::from(text)),
        _ => Ok(Value::from(text)),
    }
}

/// Jinja2's `dictsort(case_sensitive=False, by='key', reverse=False)`:
/// `(key, value)` tuples.
fn dictsort(
    value: Value,
    case_sensitive: Option<bool>,
    by: Option<String>,
    reverse: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let case_sensitive: Option<bool> = kwargs
        .get::<Option<bool>>("case_sensitive")?
        .or(case_sensitive);
    let by: Option<String> = kwargs.get::<Option<String>>("by")?.or(by);
    let reverse: Option<bool> = kwargs.get::<Option<bool>>("reverse")?.or(reverse);
    kwargs.assert_all_used()?;
    let by_value = match by.as_deref() {
        None | Some("key") => false,
        Some("value") => true,
        Some(_) => return Err(op_error("You can only sort by either \"key\" or \"value\"")),
    };
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        pairs.push((key, item));
    }
    let fold = |v: &Value| match (case_sensitive.unwrap_or(false), v.as_str()) {
        (false, Some(s)) => Value::from(s.to_lowercase()),
        _ => v.clone(),
    };
    pairs.sort_by(|a, b| {
        let (x, y) = if by_value { (&a.1, &b.1) } else { (&a.0, &b.0) };
        fold(x).cmp(&fold(y))
    });
    if reverse.unwrap_or(false) {
        pairs.reverse();
    }
    Ok(Value::from(
        pairs
            .into_iter()
            .map(|(k, v)| Value::from(Tuple::from(vec![k, v])))
            .collect::<Vec<_>>(),
    ))
}

/// Jinja2's `int(default=0, base=10)`: never fails.
fn to_int(value: Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let default: Value = match kwargs.get::<Option<Value>>("default")? {
        Some(d) => d,
        None => default.unwrap_or(Value::from(0)),
    };
    let base: u32 = kwargs.get::<Option<u32>>("base")?.unwrap_or(10);
    kwargs.assert_all_used()?;
    Ok(match value.kind() {
        ValueKind::Number => match f64::try_from(value.clone()) {
            _ if value.is_integer() => value,
            Ok(f) => Value::from(f.trunc() as i64),
            Err(_) => default,
        },
        ValueKind::Bool => Value::from(i64::from(value.is_true())),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default().trim().replace('_', "");
            let digits = match base {
                16 => text.trim_start_matches("0x").trim_start_matches("0X"),
                8 => text.trim_start_matches("0o").trim_start_matches("0O"),
                2 => text.trim_start_matches("0b").trim_start_matches("0B"),
                _ => text.as_str(),
            };
            match i64::from_str_radix(digits, base) {
                Ok(n) => Value::from(n),
                Err(_) => text
                    .parse::<f64>()
                    .map(|f| Value::from(f.trunc() as i64))
                    .unwrap_or(default),
            }
        }
        _ => default,
    })
}

/// Jinja2's `float(default=0.0)`: never fails.
fn to_float(value: Value, default: Option<Value>) -> Value {
    let default = default.unwrap_or(Value::from(0.0));
    match value.kind() {
        ValueKind::Number | ValueKind::Bool => {
            f64::try_from(value).map(Value::from).unwrap_or(default)
        }
        ValueKind::String => value
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(default),
        _ => default,
    }
}

/// Jinja2's `round(precision=0, method='common')`: always a float;
/// `common` is Python's `round` (halves to even).
fn round(value: Value, precision: Option<i32>, kwargs: Kwargs) -> Result<Value, Error> {
    let precision = match kwargs.get::<Option<i32>>("precision")? {
        Some(p) => p,
        None => precision.unwrap_or(0),
    };
    let method: String = kwargs
        .get::<Option<String>>("method")?
        .unwrap_or_else(|| "common".to_owned());
    kwargs.assert_all_used()?;
    let x = f64::try_from(value)?;
    let scale = 10f64.powi(precision);
    let scaled = x * scale;
    let rounded = match method.as_str() {
        "common" => {
            // Python rounds the decimal value, halves to even.
            let text = format!("{x:.*}", precision.max(0) as usize);
            let candidate: f64 = text.parse().unwrap_or(scaled.round() / scale);
            let floor = scaled.floor();
            if (scaled - floor - 0.5).abs() < f64::EPSILON * scaled.abs().max(1.0) {
                (if floor % 2.0 == 0.0 {
                    floor
                } else {
                    floor + 1.0
                }) / scale
            } else {
                candidate
            }
        }
        "ceil" => scaled.ceil() / scale,
        "floor" => scaled.floor() / scale,
        _ => return Err(op_error("method must be common, ceil or floor")),
    };
    // Python keeps the sign of a zero (`round(-0.4)` is `-0.0`).
    Ok(Value::from(if rounded == 0.0 {
        rounded.copysign(x)
    } else {
        rounded
    }))
}

/// Python's `urllib.parse.quote(text, safe)`.
fn url_quote(text: &str, safe: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"_.-~".contains(&byte)
            || safe.as_bytes().contains(&byte)
        {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Jinja2's `urlencode`: a string quoted with `/` kept; a mapping or a
/// list of pairs as a query string (`+` for spaces).
fn urlencode(value: Value) -> Result<String, Error> {
    let for_qs = |v: &Value| url_quote(&py_str(v), "").replace("%20", "+");
    match value.kind() {
        ValueKind::Map => {
            let mut parts = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                parts.push(format!("{}={}", for_qs(&key), for_qs(&item)));
            }
            Ok(parts.join("&"))
        }
        ValueKind::Seq => {
            let mut parts = Vec::new();
            for pair in value.try_iter()? {
                let k = pair.get_item(&Value::from(0))?;
                let v = pair.get_item(&Value::from(1))?;
                parts.push(format!("{}={}", for_qs(&k), for_qs(&v)));
            }
            Ok(parts.join("&"))
        }
        _ => Ok(url_quote(&py_str(&value), "/")),
    }
}

/// Jinja2's `truncate(length=255, killwords=False, end='...', leeway=5)`.
fn truncate(
    s: Value,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    leeway: Option<usize>,
) -> String {
    let s = py_str(&s);
    let length = length.unwrap_or(255);
    let end = end.unwrap_or_else(|| "...".to_owned());
    let leeway = leeway.unwrap_or(5);
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= length + leeway {
        return s;
    }
    let keep = length.saturating_sub(end.chars().count());
    let head: String = chars[..keep].iter().collect();
    if killwords.unwrap_or(false) {
        return head + &end;
    }
    let head = head
        .rsplit_once(' ')
        .map(|(h, _)| h.to_owned())
        .unwrap_or(head);
    head + &end
}

/// Python's `str.center`.
pub(crate) fn center(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if width <= len {
        return s.to_owned();
    }
    let pad = width - len;
    let left = pad / 2 + (pad & width & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(pad - left))
}

/// Jinja2's `random`: a random item.
fn random(value: Value) -> Result<Value, Error> {
    let items: Vec<Value> = value.try_iter()?.collect();
    if items.is_empty() {
        return Ok(Value::UNDEFINED);
    }
    // No cryptographic need: a template picks e.g. a mirror.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Ok(items[nanos as usize % items.len()].clone())
}

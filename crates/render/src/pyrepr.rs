//! Python's `str()` and `repr()` of template values, since Salt templates
//! print Python objects: `{{ [1, 'a', True, None] }}` is
//! `[1, 'a', True, None]` and `{{ 1e20 }}` is `1e+20`.

use minijinja::value::{Value, ValueKind};

/// Python's `str(value)`.
pub fn py_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::Undefined => String::new(),
        _ => py_repr(value),
    }
}

/// Python's `repr(value)`.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value, &mut Vec::new());
    out
}

/// `open` holds the containers being written, so that one holding itself
/// prints as Python's `[...]` / `{...}` instead of looping.
fn write_repr(out: &mut String, value: &Value, open: &mut Vec<usize>) {
    if open.len() > 128 {
        out.push_str("...");
        return;
    }
    let id = crate::mutable::container_id(value);
    if let Some(id) = id {
        if open.contains(&id) {
            out.push_str(if value.kind() == ValueKind::Map {
                "{...}"
            } else {
                "[...]"
            });
            return;
        }
        open.push(id);
    }
    write_value(out, value, open);
    if id.is_some() {
        open.pop();
    }
}

fn write_value(out: &mut String, value: &Value, open: &mut Vec<usize>) {
    match value.kind() {
        ValueKind::Undefined => {}
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number => {
            if value.is_integer() {
                out.push_str(&value.to_string());
            } else if let Ok(f) = f64::try_from(value.clone()) {
                out.push_str(&py_float(f));
            } else {
                out.push_str(&value.to_string());
            }
        }
        ValueKind::String => out.push_str(&py_str_repr(value.as_str().unwrap_or_default())),
        ValueKind::Bytes => {
            out.push('b');
            out.push_str(&py_str_repr(&String::from_utf8_lossy(
                value.as_bytes().unwrap_or_default(),
            )));
        }
        ValueKind::Seq
            if value
                .downcast_object_ref::<minijinja::value::Tuple>()
                .is_some() =>
        {
            let items: Vec<Value> = value.try_iter().map(|it| it.collect()).unwrap_or_default();
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item, open);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            if let Ok(items) = value.try_iter() {
                for (i, item) in items.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, &item, open);
                }
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(keys) = value.try_iter() {
                for (i, key) in keys.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, &key, open);
                    out.push_str(": ");
                    write_repr(out, &value.get_item(&key).unwrap_or_default(), open);
                }
            }
            out.push('}');
        }
        _ => out.push_str(&value.to_string()),
    }
}

/// Python's repr of a `str`: single quotes unless the text holds a single
/// quote and no double quote.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(float)`: the shortest text that reads back, with an
/// exponent below 1e-4 and from 1e16 on.
pub fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..16).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let plain = format!("{f}");
    if plain.contains('.') {
        plain
    } else {
        format!("{plain}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(py_float(1e20), "1e+20");
        assert_eq!(py_float(1.5e-7), "1.5e-07");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(2.0), "2.0");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(123456789.25), "123456789.25");
    }

    #[test]
    fn strings_repr_like_python() {
        assert_eq!(py_str_repr("a"), "'a'");
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_str_repr("x\ny"), "'x\\ny'");
    }

    #[test]
    fn containers_repr_like_python() {
        let v = crate::mutable::from_json(&serde_json::json!({"a": [1, "b", true, null, 1.0]}));
        assert_eq!(py_str(&v), "{'a': [1, 'b', True, None, 1.0]}");
    }
}

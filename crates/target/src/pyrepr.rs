//! Python's `str()` of a JSON value. Salt matches grain and pillar values by
//! running `fnmatch` / `re.match` on `str(value).lower()`, so `true` is seen
//! as `True`, `null` as `None`, `1e16` as `1e+16` and a nested list as
//! `['a', 'b']`; matching the same text needs the same rendering.

use std::borrow::Cow;
use std::fmt::Write;

use serde_json::Value;

/// `str(value)`, borrowing when the value is already a string.
pub(crate) fn py_str(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        other => {
            let mut out = String::new();
            write_repr(&mut out, other);
            Cow::Owned(out)
        }
    }
}

/// Python's `str.lower()`, borrowing when nothing changes.
pub(crate) fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_uppercase() || !c.is_ascii()) {
        let lowered = s.to_lowercase();
        if lowered != *s {
            return Cow::Owned(lowered);
        }
    }
    s
}

/// `repr(value)`: what `str()` of a container shows for its items.
fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else if let Some(f) = n.as_f64() {
                out.push_str(&py_float_repr(f));
            }
        }
        Value::String(s) => write_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, key);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Python's string repr: single quotes unless the text has a `'` and no
/// `"`, backslash escapes for the quote, `\` and unprintable chars.
fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
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
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
}

/// An approximation of `str.isprintable` without Unicode tables: control
/// chars, the non-space separators and the format chars that grains could
/// plausibly contain are unprintable.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || (0x7f..=0xa0).contains(&u)
        || u == 0xad
        || (0x2000..=0x200f).contains(&u)
        || (0x2028..=0x202f).contains(&u)
        || (0x205f..=0x206f).contains(&u)
        || u == 0x3000
        || u == 0xfeff
        || (0xe000..=0xf8ff).contains(&u))
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional
/// for exponents in `-4..16` (always with a `.0`), else `1e+16` style.
pub(crate) fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::from(sign);
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_render_as_python_str() {
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(4)), "4");
        assert_eq!(py_str(&json!(-4)), "-4");
        assert_eq!(py_str(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(py_str(&json!("Debian")), "Debian");
        assert_eq!(lower(py_str(&json!("Debian"))), "debian");
        assert_eq!(lower(py_str(&json!(false))), "false");
    }

    #[test]
    fn floats_render_as_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-0.0, "-0.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.25e-7, "1.25e-07"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (7982.5, "7982.5"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn containers_render_as_python_repr() {
        let v = json!({"a": [1, "x", true, null, 2.5], "it's": {"q": "say \"hi\""}});
        assert_eq!(
            py_str(&v),
            r#"{'a': [1, 'x', True, None, 2.5], "it's": {'q': 'say "hi"'}}"#
        );
        assert_eq!(
            py_str(&json!(["a\\b\n", "both'\""])),
            r#"['a\\b\n', 'both\'"']"#
        );
    }
}

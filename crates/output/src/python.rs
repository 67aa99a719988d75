//! How Python 3 prints data: `repr()`/`str()` of the JSON-shaped values a
//! minion returns, and `str.splitlines()`.
//!
//! Several of Salt's outputters are thin wrappers around these builtins
//! (`raw` is `str(data)`, `txt` uses `str(value)` and `splitlines`, `nested`
//! splits strings with `splitlines` and prints numbers with `repr`), so
//! matching Salt byte for byte means matching CPython's rules exactly.

use serde_json::{Map, Number, Value};

use crate::nonprintable::NONPRINTABLE;

/// Python's `str(value)`: strings bare, everything else as `repr`.
pub fn str_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr(value)` for the Python object a JSON value decodes to
/// (`dict` keeps insertion order, as Python 3.7+ does).
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value, false);
    out
}

/// `repr` with every dict's keys sorted, as `pprint` writes it.
pub(crate) fn repr_sorted_dicts(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value, true);
    out
}

fn write_repr(out: &mut String, value: &Value, sort_dicts: bool) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => write_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item, sort_dicts);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let items = if sort_dicts {
                sorted_items(map)
            } else {
                map.iter().collect()
            };
            out.push('{');
            for (i, (key, item)) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, key);
                out.push_str(": ");
                write_repr(out, item, sort_dicts);
            }
            out.push('}');
        }
    }
}

/// `repr(int)` or `repr(float)`.
pub fn number_repr(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        // serde_json only holds finite floats, so `as_f64` cannot fail here;
        // the fallback keeps the function total anyway.
        float_repr(n.as_f64().unwrap_or(0.0))
    }
}

/// `repr(float)`: the shortest digits that round-trip (Rust's `{:e}` finds
/// the same digits as CPython's `'r'` mode), laid out the way CPython does:
/// positional when the decimal exponent is in `-4..16`, otherwise scientific
/// with a signed, at least two-digit exponent (`1e+16`, `1e-05`).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // CPython's `decpt`: the value is 0.<digits> * 10**decpt.
    let decpt = exponent + 1;
    if (-3..=16).contains(&decpt) {
        let body = if decpt <= 0 {
            format!("0.{}{}", "0".repeat(decpt.unsigned_abs() as usize), digits)
        } else if decpt as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(decpt as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

/// `repr(str)`: single quotes unless the text has a single quote and no
/// double quote; backslash escapes for the quote, `\\`, `\t`, `\n`, `\r`,
/// and `\xNN`/`\uNNNN`/`\UNNNNNNNN` for characters Python deems not
/// printable (`str.isprintable`).
pub fn str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(&mut out, s);
    out
}

fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            _ if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if is_printable(c) => out.push(c),
            _ => {
                let code = u32::from(c);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable()` for one character: false for control,
/// format, surrogate, private-use, unassigned and separator characters
/// except the ASCII space. The table is generated from CPython by
/// `tests/gen_golden.py`.
pub fn is_printable(c: char) -> bool {
    let code = u32::from(c);
    if code < 0x7f {
        return code >= 0x20;
    }
    NONPRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < code {
                std::cmp::Ordering::Less
            } else if lo > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Python's `str.splitlines()`: splits on every Unicode line boundary
/// (`\n`, `\r`, `\r\n`, `\v`, `\f`, `\x1c`-`\x1e`, `\x85`, U+2028, U+2029),
/// drops the terminators, and yields no trailing empty line; `""` gives no
/// lines at all.
pub fn splitlines(s: &str) -> Vec<&str> {
    split_lines(s, false)
}

/// Python's `str.splitlines(keepends=True)`.
pub fn splitlines_keepends(s: &str) -> Vec<&str> {
    split_lines(s, true)
}

fn split_lines(s: &str, keepends: bool) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_line_boundary(c) {
            let mut end = i + c.len_utf8();
            if c == '\r' && matches!(chars.peek(), Some((_, '\n'))) {
                chars.next();
                end += 1;
            }
            lines.push(if keepends {
                &s[start..end]
            } else {
                &s[start..i]
            });
            start = end;
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

/// Python's `str.isspace()` for one character: Unicode `White_Space` plus
/// the information separators `\x1c`-`\x1f`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.rstrip()`.
pub fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// The entries of a dict in Python's `sorted()` order: by code point, which
/// is the byte order of UTF-8 and therefore `str`'s `Ord`.
pub(crate) fn sorted_items(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut items: Vec<_> = map.iter().collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    items
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn floats_print_like_cpython_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e-300, "1e-300"),
            (-2.5e-7, "-2.5e-07"),
            (std::f64::consts::PI, "3.141592653589793"),
            (1e100, "1e+100"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "repr({x:e})");
        }
    }

    #[test]
    fn strings_pick_quotes_and_escapes_like_python() {
        assert_eq!(str_repr("plain"), "'plain'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("it's \"both\""), "'it\\'s \"both\"'");
        assert_eq!(str_repr("a\\b\tc\nd\re"), "'a\\\\b\\tc\\nd\\re'");
        assert_eq!(str_repr("\x00\x1b\x7f"), "'\\x00\\x1b\\x7f'");
        assert_eq!(str_repr("é ü ✓ 日本"), "'é ü ✓ 日本'");
        assert_eq!(
            str_repr("\u{a0}\u{ad}\u{200b}\u{2028}"),
            "'\\xa0\\xad\\u200b\\u2028'"
        );
        assert_eq!(str_repr("\u{e000}\u{10ffff}"), "'\\ue000\\U0010ffff'");
        assert_eq!(str_repr("😀"), "'😀'");
    }

    #[test]
    fn containers_repr_like_python() {
        let v = json!({"web1": true, "b": [1, 2.0, null, "x"], "e": {}, "l": []});
        assert_eq!(
            repr(&v),
            "{'web1': True, 'b': [1, 2.0, None, 'x'], 'e': {}, 'l': []}"
        );
        assert_eq!(str_of(&json!("text")), "text");
        assert_eq!(
            str_of(&json!(18446744073709551615u64)),
            "18446744073709551615"
        );
    }

    #[test]
    fn rstrip_strips_what_python_calls_space() {
        assert_eq!(
            rstrip("a \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\u{85}\u{a0}\u{3000}"),
            "a"
        );
        assert_eq!(rstrip("a\u{200b}"), "a\u{200b}");
        assert_eq!(rstrip(" "), "");
    }

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(splitlines(""), Vec::<&str>::new());
        assert_eq!(splitlines("a"), vec!["a"]);
        assert_eq!(splitlines("a\n"), vec!["a"]);
        assert_eq!(splitlines("a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(
            splitlines("a\r\nb\rc\x0bd\x0ce\u{2028}f"),
            vec!["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(splitlines("\n"), vec![""]);
        assert_eq!(splitlines("x\r"), vec!["x"]);
        assert_eq!(
            splitlines_keepends("a\r\nb\n\nc"),
            vec!["a\r\n", "b\n", "\n", "c"]
        );
    }
}

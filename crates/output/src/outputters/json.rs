//! `json` (`salt/output/json_out.py`): Python's `json.dumps` with
//! `ensure_ascii=False`, indented by 4 unless `output_indent` says
//! otherwise. Written by hand rather than with `serde_json`'s formatter
//! because Python's layout differs: floats are `repr(float)` (`1e+16`,
//! `1e-05`), the compact form separates with `", "`/`": "`, and
//! `indent=0` still breaks lines.

use serde_json::Value;

use crate::python;
use crate::{OutputIndent, OutputOptions, Outputter};

pub struct Json;

impl Outputter for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, data: &Value, opts: &OutputOptions, _retcode: i32) -> String {
        let (indent, sort_keys) = match opts.indent {
            OutputIndent::Unset => (Some(4), false),
            OutputIndent::Null => (None, false),
            OutputIndent::Pretty => (Some(4), true),
            OutputIndent::Spaces(n) => (usize::try_from(n).ok(), false),
        };
        dumps(data, indent, sort_keys)
    }
}

/// Python's `json.dumps(value, ensure_ascii=False, indent=indent,
/// sort_keys=sort_keys)`.
pub(crate) fn dumps(value: &Value, indent: Option<usize>, sort_keys: bool) -> String {
    let mut writer = Writer {
        out: String::new(),
        indent,
        sort_keys,
    };
    writer.value(value, 0);
    writer.out
}

struct Writer {
    out: String,
    indent: Option<usize>,
    sort_keys: bool,
}

impl Writer {
    fn value(&mut self, value: &Value, depth: usize) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Number(n) => self.out.push_str(&python::number_repr(n)),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                if items.is_empty() {
                    self.out.push_str("[]");
                    return;
                }
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.separator(i, depth + 1);
                    self.value(item, depth + 1);
                }
                self.newline(depth);
                self.out.push(']');
            }
            Value::Object(map) => {
                if map.is_empty() {
                    self.out.push_str("{}");
                    return;
                }
                let items: Vec<_> = if self.sort_keys {
                    python::sorted_items(map)
                } else {
                    map.iter().collect()
                };
                self.out.push('{');
                for (i, (key, item)) in items.into_iter().enumerate() {
                    self.separator(i, depth + 1);
                    self.string(key);
                    self.out.push_str(": ");
                    self.value(item, depth + 1);
                }
                self.newline(depth);
                self.out.push('}');
            }
        }
    }

    /// Before item `index` of a container: `,` between items, then a line
    /// break when indenting, or a space when not.
    fn separator(&mut self, index: usize, depth: usize) {
        if index > 0 {
            self.out.push(',');
            if self.indent.is_none() {
                self.out.push(' ');
            }
        }
        self.newline(depth);
    }

    fn newline(&mut self, depth: usize) {
        if let Some(width) = self.indent {
            self.out.push('\n');
            self.out.extend(std::iter::repeat_n(' ', width * depth));
        }
    }

    /// Python's `py_encode_basestring`: only `"`, `\` and C0 controls are
    /// escaped; everything else, non-ASCII included, is written as is.
    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\x08' => self.out.push_str("\\b"),
                '\x0c' => self.out.push_str("\\f"),
                c if c < ' ' => self.out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn layouts_match_python_json_dumps() {
        let v = json!({"b": [1, {}], "a": 1e16});
        assert_eq!(
            dumps(&v, Some(4), false),
            "{\n    \"b\": [\n        1,\n        {}\n    ],\n    \"a\": 1e+16\n}"
        );
        assert_eq!(dumps(&v, None, false), "{\"b\": [1, {}], \"a\": 1e+16}");
        assert_eq!(
            dumps(&v, Some(0), true),
            "{\n\"a\": 1e+16,\n\"b\": [\n1,\n{}\n]\n}"
        );
    }

    #[test]
    fn strings_escape_controls_but_not_unicode() {
        assert_eq!(
            dumps(&json!("é\"\\\n\x01\x7f/"), None, false),
            "\"é\\\"\\\\\\n\\u0001\x7f/\""
        );
    }
}

//! `nested`, Salt's default outputter (`salt/output/nested.py`): dicts as
//! `key:` lines with the value indented by 4 under them (sorted keys, and a
//! `----------` line opening every dict below the top level), lists as
//! `- item` lines with `|_` opening a nested container, strings as one line
//! per `splitlines()` line, and scalars as Python's `repr`.

use serde_json::Value;

use crate::color::Palette;
use crate::python;
use crate::{OutputOptions, Outputter};

pub struct Nested;

impl Outputter for Nested {
    fn name(&self) -> &'static str {
        "nested"
    }

    fn render(&self, data: &Value, opts: &OutputOptions, retcode: i32) -> String {
        let display = Display {
            palette: Palette::new(opts.color),
            failed: retcode != 0,
        };
        let mut lines = Vec::new();
        display.value(data, opts.nested_indent, "", &mut lines);
        lines.join("\n")
    }
}

struct Display {
    palette: Palette,
    /// A non-zero retcode paints the structure (keys, `----------`, `|_`)
    /// red instead of cyan/green.
    failed: bool,
}

impl Display {
    /// Salt's `ustring`: indent, colour, prefix, text, reset, suffix; the
    /// colour goes after the indent, so uncoloured output is the same text.
    fn line(&self, indent: usize, color: &str, prefix: &str, msg: &str, suffix: &str) -> String {
        let endc = self.palette.endc;
        format!("{:indent$}{color}{prefix}{msg}{endc}{suffix}", "")
    }

    fn structure_color(&self, normal: &'static str) -> &'static str {
        if self.failed {
            self.palette.red
        } else {
            normal
        }
    }

    fn value(&self, value: &Value, indent: usize, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Null | Value::Bool(_) | Value::Number(_) => {
                out.push(self.line(
                    indent,
                    self.palette.light_yellow,
                    prefix,
                    &python::repr(value),
                    "",
                ));
            }
            Value::String(text) => {
                // Continuation lines are indented under the first one's
                // prefix (`- `), and ESC becomes `?` (Salt's
                // `strip_colors`, on by default) so returned text cannot
                // drive the terminal.
                let continuation = " ".repeat(prefix.chars().count());
                for (i, line) in python::splitlines(text).into_iter().enumerate() {
                    let line_prefix = if i == 0 {
                        prefix
                    } else {
                        continuation.as_str()
                    };
                    let line = line.replace('\x1b', "?");
                    out.push(self.line(indent, self.palette.green, line_prefix, &line, ""));
                }
            }
            Value::Array(items) => {
                let color = self.structure_color(self.palette.green);
                for item in items {
                    match item {
                        Value::Array(_) | Value::Object(_) => {
                            out.push(self.line(indent, color, "", "|_", ""));
                            let inner_prefix = if item.is_object() { "" } else { "- " };
                            self.value(item, indent + 2, inner_prefix, out);
                        }
                        _ => self.value(item, indent, "- ", out),
                    }
                }
            }
            Value::Object(map) => {
                // The top level has no separator line: it is where minion
                // ids sit (`web1:`).
                if indent > 0 {
                    out.push(self.line(
                        indent,
                        self.structure_color(self.palette.cyan),
                        "",
                        "----------",
                        "",
                    ));
                }
                let color = self.structure_color(self.palette.cyan);
                for (key, item) in python::sorted_items(map) {
                    out.push(self.line(indent, color, prefix, key, ":"));
                    self.value(item, indent + 4, "", out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plain(data: &Value) -> String {
        Nested.render(data, &OutputOptions::default(), 0)
    }

    #[test]
    fn minion_header_then_indented_value() {
        assert_eq!(plain(&json!({"web1": true})), "web1:\n    True");
    }

    #[test]
    fn dicts_below_the_top_are_opened_by_a_separator_and_sorted() {
        let text = plain(&json!({"web1": {"b": 1, "a": [1, {"x": null}]}}));
        assert_eq!(
            text,
            "web1:\n    ----------\n    a:\n        - 1\n        |_\n          ----------\n          x:\n              None\n    b:\n        1"
        );
    }

    #[test]
    fn retcode_paints_keys_red_and_colour_off_has_no_escapes() {
        let opts = OutputOptions {
            color: true,
            ..OutputOptions::default()
        };
        let red = Nested.render(&json!({"web1": "x"}), &opts, 1);
        assert!(red.starts_with("\x1b[0;31mweb1\x1b[0;0m:"), "{red:?}");
        assert!(!plain(&json!({"web1": {"a": [true]}})).contains('\x1b'));
    }
}

//! Python's `pprint.pformat(value)` (width 80, indent 1, dicts sorted),
//! which `txt` uses for a document that is neither a dict nor a string.
//!
//! The algorithm is CPython's `PrettyPrinter._format`: print the `repr` if
//! it fits in what is left of the line, otherwise break the container one
//! item per line (and long strings into adjacent literals at word
//! boundaries). Widths count code points, as Python's `len` does.

use serde_json::Value;

use crate::python;

const WIDTH: usize = 80;

/// `pprint.pformat(value)`.
pub(crate) fn pformat(value: &Value) -> String {
    let mut out = String::new();
    format(&mut out, value, 0, 0, 0);
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn format(out: &mut String, value: &Value, indent: usize, allowance: usize, level: usize) {
    let rep = python::repr_sorted_dicts(value);
    let fits = chars(&rep) as isize <= WIDTH as isize - indent as isize - allowance as isize;
    if fits {
        out.push_str(&rep);
        return;
    }
    match value {
        Value::Object(map) => {
            out.push('{');
            let items = python::sorted_items(map);
            let indent = indent + 1;
            let last = items.len().saturating_sub(1);
            for (i, (key, item)) in items.into_iter().enumerate() {
                let key_rep = python::str_repr(key);
                out.push_str(&key_rep);
                out.push_str(": ");
                let item_allowance = if i == last { allowance + 1 } else { 1 };
                format(
                    out,
                    item,
                    indent + chars(&key_rep) + 2,
                    item_allowance,
                    level + 1,
                );
                if i != last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            let indent = indent + 1;
            let last = items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
                let item_allowance = if i == last { allowance + 1 } else { 1 };
                format(out, item, indent, item_allowance, level + 1);
            }
            out.push(']');
        }
        Value::String(text) => format_str(out, text, indent, allowance, level + 1),
        _ => out.push_str(&rep),
    }
}

/// CPython's `_pprint_str`: one literal per line of the text, and lines
/// still too long cut after runs of whitespace; at the top level the
/// literals are wrapped in parentheses.
fn format_str(out: &mut String, text: &str, mut indent: usize, mut allowance: usize, level: usize) {
    let lines = python::splitlines_keepends(text);
    if level == 1 {
        indent += 1;
        allowance += 1;
    }
    let max_width = WIDTH as isize - indent as isize;
    let mut chunks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let last_line = i + 1 == lines.len();
        let rep = python::str_repr(line);
        let line_width = if last_line {
            max_width - allowance as isize
        } else {
            max_width
        };
        if chars(&rep) as isize <= line_width {
            chunks.push(rep);
            continue;
        }
        let parts = words(line);
        let mut current = String::new();
        for (j, part) in parts.iter().enumerate() {
            let part_width = if last_line && j + 1 == parts.len() {
                max_width - allowance as isize
            } else {
                max_width
            };
            let candidate = format!("{current}{part}");
            if chars(&python::str_repr(&candidate)) as isize > part_width {
                if !current.is_empty() {
                    chunks.push(python::str_repr(&current));
                }
                current = (*part).to_owned();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            chunks.push(python::str_repr(&current));
        }
    }
    if chunks.len() == 1 {
        out.push_str(&chunks[0]);
        return;
    }
    if level == 1 {
        out.push('(');
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(chunk);
    }
    if level == 1 {
        out.push(')');
    }
}

/// `re.findall(r'\S*\s*', line)` without the final empty match: each word
/// with the whitespace that follows it.
fn words(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let word_end = rest.find(python::is_space).unwrap_or(rest.len());
        let space_end = rest[word_end..]
            .find(|c: char| !python::is_space(c))
            .map_or(rest.len(), |n| word_end + n);
        parts.push(&rest[..space_end]);
        rest = &rest[space_end..];
    }
    parts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn short_values_are_their_sorted_repr() {
        assert_eq!(
            pformat(&json!([{"b": 1, "a": None::<()>}, "x"])),
            "[{'a': None, 'b': 1}, 'x']"
        );
    }

    #[test]
    fn long_lists_break_one_item_per_line() {
        let long = json!(["a".repeat(40), "b".repeat(40)]);
        assert_eq!(
            pformat(&long),
            format!("['{}',\n '{}']", "a".repeat(40), "b".repeat(40))
        );
    }

    #[test]
    fn words_keep_their_trailing_space() {
        assert_eq!(words("  ab  cd e"), vec!["  ", "ab  ", "cd ", "e"]);
    }
}

//! Python's `str.format` for a custom `state_tabular` format string, which
//! Salt applies to each terse line as
//! `fmt.format(tcolor, name, module, function, result, endc, ret)`.
//!
//! Supported: literal `{{`/`}}`, fields by position or automatic
//! numbering, `[key]` lookups into the state's return (`{6[duration]}`)
//! or a character of a string argument (`{1[0]}`), `!s`/`!r`, and the
//! `[[fill]align][0][width][.precision]` spec that strings and integers
//! share. Anything else (attributes, nested fields, number types such as
//! `.2f`) is refused, which the outputter treats as Salt's exception.

use serde_json::Value;

use crate::python;

/// One argument of the `format` call.
pub(super) enum Arg<'a> {
    Text(&'a str),
    Data(&'a Value),
}

/// Why a format string cannot be applied (Python would raise).
#[derive(Debug)]
pub(super) struct Unsupported;

pub(super) fn format(template: &str, args: &[Arg<'_>]) -> Result<String, Unsupported> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    let mut auto_index = 0;
    let mut numbering: Option<bool> = None;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(Unsupported),
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => return Err(Unsupported),
                        Some(other) => field.push(other),
                    }
                }
                let automatic = field
                    .chars()
                    .next()
                    .is_none_or(|first| matches!(first, '!' | ':' | '['));
                if *numbering.get_or_insert(automatic) != automatic {
                    return Err(Unsupported);
                }
                let text = if automatic {
                    auto_index += 1;
                    replacement(&format!("{}{field}", auto_index - 1), args)?
                } else {
                    replacement(&field, args)?
                };
                out.push_str(&text);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// One `{field!conv:spec}` with the braces removed.
fn replacement(field: &str, args: &[Arg<'_>]) -> Result<String, Unsupported> {
    let (name, spec) = match field.split_once(':') {
        Some((name, spec)) => (name, spec),
        None => (field, ""),
    };
    let (name, conversion) = match name.split_once('!') {
        Some((name, conv)) => (name, Some(conv)),
        None => (name, None),
    };
    let digits_end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    let index: usize = name[..digits_end].parse().map_err(|_| Unsupported)?;
    let mut value = match args.get(index).ok_or(Unsupported)? {
        Arg::Text(s) => Value::String((*s).to_owned()),
        Arg::Data(v) => (*v).clone(),
    };
    let mut rest = &name[digits_end..];
    while let Some(after) = rest.strip_prefix('[') {
        let (key, tail) = after.split_once(']').ok_or(Unsupported)?;
        value = lookup(&value, key)?;
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(Unsupported);
    }
    let (text, numeric) = match conversion {
        None => match &value {
            Value::String(s) => (s.clone(), false),
            Value::Number(n) if n.is_f64() && !spec.is_empty() => return Err(Unsupported),
            Value::Number(_) => (python::str_of(&value), true),
            // `format(True, ">5")` formats the int behind the bool.
            Value::Bool(b) if !spec.is_empty() => (u8::from(*b).to_string(), true),
            other if spec.is_empty() => (python::str_of(other), false),
            _ => return Err(Unsupported),
        },
        Some("s") => (python::str_of(&value), false),
        Some("r") => (python::repr(&value), false),
        Some(_) => return Err(Unsupported),
    };
    apply_spec(&text, spec, numeric)
}

/// `value[key]`: a key of a dict, or an index into a string (Python turns
/// an all-digit key into an int).
fn lookup(value: &Value, key: &str) -> Result<Value, Unsupported> {
    let as_index = key.parse::<usize>().ok();
    match (value, as_index) {
        (Value::Object(map), None) => map.get(key).cloned().ok_or(Unsupported),
        (Value::String(s), Some(i)) => s
            .chars()
            .nth(i)
            .map(|c| Value::String(c.to_string()))
            .ok_or(Unsupported),
        (Value::Array(items), Some(i)) => items.get(i).cloned().ok_or(Unsupported),
        _ => Err(Unsupported),
    }
}

/// `[[fill]align][0][width][.precision][s|d]` for text (left-aligned by
/// default) or an integer (right-aligned by default).
fn apply_spec(text: &str, spec: &str, numeric: bool) -> Result<String, Unsupported> {
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut fill = ' ';
    let mut align = None;
    let is_align = |c: char| matches!(c, '<' | '>' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if chars.first().copied().is_some_and(is_align) {
        align = Some(chars[0]);
        i = 1;
    }
    if chars.get(i) == Some(&'0') && align.is_none() {
        if !numeric {
            return Err(Unsupported);
        }
        fill = '0';
        align = Some('=');
        i += 1;
    }
    let width_start = i;
    while chars.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    let width: usize = if i > width_start {
        chars[width_start..i]
            .iter()
            .collect::<String>()
            .parse()
            .map_err(|_| Unsupported)?
    } else {
        0
    };
    let mut text: String = text.to_owned();
    if chars.get(i) == Some(&'.') {
        if numeric {
            return Err(Unsupported);
        }
        i += 1;
        let start = i;
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        let precision: usize = chars[start..i]
            .iter()
            .collect::<String>()
            .parse()
            .map_err(|_| Unsupported)?;
        text = text.chars().take(precision).collect();
    }
    match (chars.get(i), numeric) {
        (None, _) | (Some('s'), false) | (Some('d'), true) if i + 1 >= chars.len() => {}
        _ => return Err(Unsupported),
    }
    let len = text.chars().count();
    if len >= width {
        return Ok(text);
    }
    let pad = width - len;
    let fill_of = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    Ok(match align {
        '<' => format!("{text}{}", fill_of(pad)),
        '^' => format!("{}{text}{}", fill_of(pad / 2), fill_of(pad - pad / 2)),
        '=' => match text.strip_prefix('-') {
            Some(digits) => format!("-{}{digits}", fill_of(pad)),
            None => format!("{}{text}", fill_of(pad)),
        },
        _ => format!("{}{text}", fill_of(pad)),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn positions_lookups_and_specs_format_like_python() {
        let ret = json!({"duration": 12.5, "__run_num__": 3, "result": true});
        let args = [
            Arg::Text("<c>"),
            Arg::Text("nginx"),
            Arg::Text("pkg"),
            Arg::Text("installed"),
            Arg::Text("Clean"),
            Arg::Text("</c>"),
            Arg::Data(&ret),
        ];
        let text = format(
            "{0}{2:>5}.{3:<10}|{4:^9}|{1[0]}|{6[__run_num__]:4}|{6[duration]!s:>6}|{6[result]:3}|{{x}}{5}",
            &args,
        );
        assert_eq!(
            text.ok().as_deref(),
            Some("<c>  pkg.installed |  Clean  |n|   3|  12.5|  1|{x}</c>")
        );
        assert!(format("{} {}", &args).is_ok());
        assert!(format("{0} {}", &args).is_err());
        assert!(format("{6[missing]}", &args).is_err());
        assert!(format("{6[duration]:.2f}", &args).is_err());
    }
}

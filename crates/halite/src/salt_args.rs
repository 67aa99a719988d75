//! Salt's command-line argument rules: `key=value` words become keyword
//! arguments, and every value is read as YAML only when that gives a
//! non-string of the kind the text clearly spells (Salt's `yamlify_arg`),
//! so `cmd.run 'echo a: b'` stays a string while `test.arg 1 '[a, b]'`
//! passes an int and a list.

use serde_json::{Map, Value};

/// Splits CLI words into positional and keyword arguments.
pub fn parse(words: &[String]) -> (Vec<Value>, Map<String, Value>) {
    let mut positional = Vec::new();
    let mut kwargs = Map::new();
    for word in words {
        match split_kwarg(word) {
            Some((key, value)) => {
                kwargs.insert(key.to_owned(), yamlify(value));
            }
            None => positional.push(yamlify(word)),
        }
    }
    (positional, kwargs)
}

/// `name=value` where name is an identifier (Salt's `KWARG_REGEX`,
/// `^([^\d\W][\w.-]*)=(?!=)(.*)$`).
fn split_kwarg(word: &str) -> Option<(&str, &str)> {
    let (key, value) = word.split_once('=')?;
    if value.starts_with('=') {
        return None;
    }
    let mut chars = key.chars();
    let first = chars.next()?;
    if !(first.is_alphabetic() || first == '_') {
        return None;
    }
    if !chars.all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
        return None;
    }
    Some((key, value))
}

/// Salt's `salt.utils.args.yamlify_arg`.
pub fn yamlify(arg: &str) -> Value {
    let original = || Value::String(arg.to_owned());
    if arg.trim().is_empty() {
        return original();
    }
    if arg.contains('_') && arg.trim().chars().all(|c| c.is_ascii_digit() || c == '_') {
        return original();
    }
    if arg == "None" {
        return Value::Null;
    }
    let Ok(parsed) = halite_yaml::from_str(arg) else {
        return original();
    };
    if arg.contains('#') {
        // '#' starts a YAML comment: keep the text unless it clearly is data.
        return match parsed {
            Value::String(_) | Value::Null => original(),
            other => other,
        };
    }
    match parsed {
        Value::Object(_) if !arg.starts_with('{') => original(),
        Value::Array(_) if !arg.starts_with('[') => original(),
        Value::String(ref s) if s.is_empty() && (arg == "|" || arg == "!") => original(),
        Value::Null if arg == "!" || arg.trim().starts_with('#') => original(),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn salt_cli_argument_rules() {
        let words: Vec<String> = [
            "1",
            "two",
            "3.5",
            "yes",
            "[a, b]",
            "{x: 1}",
            "a: b",
            "echo hi # c",
            "txt=hello",
            "n=5",
            "x==y",
            "1_000",
            "None",
            "0644",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (pos, kw) = parse(&words);
        assert_eq!(
            Value::Array(pos),
            json!([1, "two", 3.5, true, ["a", "b"], {"x": 1}, "a: b", "echo hi # c", "x==y", "1_000", null, 644])
        );
        assert_eq!(Value::Object(kw), json!({"txt": "hello", "n": 5}));
    }
}

//! Salt's `yaml_dquote` and `yaml_encode` Jinja filters
//! (`salt/utils/yamlencoding.py`), for putting one value into a YAML
//! template.

use serde_json::Value;

use crate::emit::escape;
use crate::pyfloat;

/// `yaml_encode` was given a list or a mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("yaml_encode() only works with YAML scalar data; failed for <class '{0}'>")]
pub struct NotAScalar(pub &'static str);

/// `yaml_dquote`: the text as a double-quoted YAML scalar, quotes included.
///
/// Salt calls the pure-Python PyYAML emitter's `write_double_quoted` with an
/// unlimited width and `allow_unicode` off, so nothing is folded and every
/// character outside printable ASCII is escaped (`é` → `\xE9`).
pub fn yaml_dquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        // PyYAML's test with allow_unicode off: printable ASCII except the
        // two characters that need a backslash.
        if (' '..='~').contains(&c) && c != '"' && c != '\\' {
            out.push(c);
        } else {
            out.push_str(&escape(c));
        }
    }
    out.push('"');
    out
}

/// `yaml_encode`: a scalar as PyYAML's `SafeRepresenter` writes it, strings
/// through [`yaml_dquote`]; `true`, `null`, `1.0e+20`, `"text"`.
pub fn yaml_encode(value: &Value) -> Result<String, NotAScalar> {
    Ok(match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => pyfloat::yaml_repr(f),
            _ => n.to_string(),
        },
        Value::String(s) => yaml_dquote(s),
        Value::Array(_) => return Err(NotAScalar("list")),
        Value::Object(_) => return Err(NotAScalar("dict")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dquote_escapes_everything_outside_printable_ascii() {
        assert_eq!(yaml_dquote("é😀\t\"\\ x"), r#""\xE9\U0001F600\t\"\\ x""#);
        assert_eq!(yaml_dquote("a\nb"), r#""a\nb""#);
        assert_eq!(yaml_dquote(""), r#""""#);
    }

    #[test]
    fn encode_scalars() {
        assert_eq!(yaml_encode(&json!(1.0)).as_deref(), Ok("1.0"));
        assert_eq!(yaml_encode(&json!(1e20)).as_deref(), Ok("1.0e+20"));
        assert_eq!(yaml_encode(&json!(null)).as_deref(), Ok("null"));
        assert_eq!(yaml_encode(&json!(true)).as_deref(), Ok("true"));
        assert_eq!(yaml_encode(&json!("a")).as_deref(), Ok("\"a\""));
        assert_eq!(yaml_encode(&json!(7)).as_deref(), Ok("7"));
        let err = yaml_encode(&json!({"a": 1})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "yaml_encode() only works with YAML scalar data; failed for <class 'dict'>"
        );
    }
}

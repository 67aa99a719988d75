//! Scalar construction: text plus resolved tag → a typed scalar, following
//! PyYAML's `SafeConstructor.construct_yaml_*` and Salt's leading-zero rule.

use serde_json::Value;

use crate::error::ErrorKind;
use crate::pyfloat;

/// A constructed scalar, typed as Python would type it. Kept apart from
/// `Value` because mapping keys need Python's equality (`1 == 1.0 == True`)
/// and the types a JSON value cannot tell apart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i128),
    /// An integer too large for `i128`, as written in the source.
    BigInt(String),
    Float(f64),
    Str(String),
}

impl Scalar {
    /// Into the JSON value: integers outside the `i64`/`u64` range become
    /// their source text, and `inf`/`nan` become the strings `"inf"`,
    /// `"-inf"` and `"nan"` (what Python's `str()` prints), since JSON
    /// numbers cannot hold them.
    pub(crate) fn into_value(self, source: &str) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => {
                if let Ok(small) = i64::try_from(i) {
                    Value::from(small)
                } else if let Ok(big) = u64::try_from(i) {
                    Value::from(big)
                } else {
                    Value::String(source.to_owned())
                }
            }
            Scalar::BigInt(text) => Value::String(text),
            Scalar::Float(f) => match serde_json::Number::from_f64(f) {
                Some(n) => Value::Number(n),
                None => Value::String(pyfloat::repr(f)),
            },
            Scalar::Str(s) => Value::String(s),
        }
    }

    /// The string a key becomes in a JSON map: what Python's `json.dumps`
    /// writes for a non-string key, so our maps match Salt's JSON output.
    pub(crate) fn json_key(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::BigInt(text) | Scalar::Str(text) => text.clone(),
            Scalar::Float(f) if f.is_nan() => "NaN".to_owned(),
            Scalar::Float(f) if f.is_infinite() => {
                if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
            }
            Scalar::Float(f) => pyfloat::repr(*f),
        }
    }

    /// Python's `str()` of the key, as Salt's "found conflicting ID" shows it.
    pub(crate) fn python_str(&self) -> String {
        match self {
            Scalar::Null => "None".to_owned(),
            Scalar::Bool(true) => "True".to_owned(),
            Scalar::Bool(false) => "False".to_owned(),
            Scalar::Float(f) => pyfloat::repr(*f),
            other => other.json_key(),
        }
    }

    /// Identity under Python's `==` and `hash`, for duplicate-key checks:
    /// `True`, `1` and `1.0` are the same key, `"1"` is another. `None` for
    /// NaN, which is never equal to anything.
    pub(crate) fn python_identity(&self) -> Option<KeyIdentity> {
        Some(match self {
            Scalar::Null => KeyIdentity::Null,
            Scalar::Bool(b) => KeyIdentity::Number(i128::from(*b)),
            Scalar::Int(i) => KeyIdentity::Number(*i),
            Scalar::BigInt(text) => KeyIdentity::BigNumber(text.clone()),
            Scalar::Float(f) if f.is_nan() => return None,
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 1e38 => {
                KeyIdentity::Number(*f as i128)
            }
            Scalar::Float(f) => KeyIdentity::Float(f.to_bits()),
            Scalar::Str(s) => KeyIdentity::Str(s.clone()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyIdentity {
    Null,
    Number(i128),
    BigNumber(String),
    Float(u64),
    Str(String),
}

/// `construct_yaml_int` after Salt's `construct_scalar`: Salt strips the
/// leading zeros of anything but `0b`/`0x`, so `0644` is 644, not octal
/// 420. A sign hides the zero from that check, so `-0644` is octal (-420),
/// as in Salt.
pub(crate) fn construct_int(text: &str) -> Result<Scalar, ErrorKind> {
    let invalid = || ErrorKind::InvalidValue {
        tag: "tag:yaml.org,2002:int".to_owned(),
        value: text.to_owned(),
    };
    let value = salt_strip_zeros(text);
    let cleaned: String = value.trim().chars().filter(|c| *c != '_').collect();
    let (negative, digits) = split_sign(&cleaned);
    if digits.is_empty() {
        return Err(invalid());
    }
    let magnitude = if digits == "0" {
        Some(0)
    } else if let Some(binary) = digits.strip_prefix("0b") {
        parse_radix(binary, 2).ok_or_else(invalid)?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        parse_radix(hex, 16).ok_or_else(invalid)?
    } else if digits.starts_with('0') {
        parse_radix(digits, 8).ok_or_else(invalid)?
    } else if digits.contains(':') {
        sexagesimal_int(digits).ok_or_else(invalid)?
    } else {
        parse_radix(digits, 10).ok_or_else(invalid)?
    };
    Ok(match magnitude {
        Some(m) => Scalar::Int(if negative { -m } else { m }),
        None => Scalar::BigInt(text.to_owned()),
    })
}

/// Salt's `construct_scalar` for int-tagged nodes: leading zeros go,
/// except in `0b`/`0x` numbers, and all zeros become `0`. Salt writes the
/// result back into the node, which later merges compare by text.
pub(crate) fn salt_strip_zeros(text: &str) -> &str {
    if text == "0" || !text.starts_with('0') || text.starts_with("0b") || text.starts_with("0x") {
        return text;
    }
    match text.trim_start_matches('0') {
        "" => "0",
        rest => rest,
    }
}

/// `construct_yaml_float`: underscores dropped, case ignored, `.inf`/`.nan`,
/// base-60 (`1:20.5`), else Python's `float()`.
pub(crate) fn construct_float(text: &str) -> Result<Scalar, ErrorKind> {
    let invalid = || ErrorKind::InvalidValue {
        tag: "tag:yaml.org,2002:float".to_owned(),
        value: text.to_owned(),
    };
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    let (negative, body) = split_sign(&cleaned);
    let sign = if negative { -1.0 } else { 1.0 };
    let magnitude = if body == ".inf" {
        f64::INFINITY
    } else if body == ".nan" {
        return Ok(Scalar::Float(f64::NAN));
    } else if body.contains(':') {
        let mut total = 0.0;
        for part in body.split(':') {
            total = total * 60.0 + part.parse::<f64>().map_err(|_| invalid())?;
        }
        total
    } else {
        body.parse::<f64>().map_err(|_| invalid())?
    };
    Ok(Scalar::Float(sign * magnitude))
}

/// `construct_yaml_bool`: `bool_values[value.lower()]`.
pub(crate) fn construct_bool(text: &str) -> Result<Scalar, ErrorKind> {
    match text.to_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(Scalar::Bool(true)),
        "no" | "false" | "off" => Ok(Scalar::Bool(false)),
        _ => Err(ErrorKind::InvalidValue {
            tag: "tag:yaml.org,2002:bool".to_owned(),
            value: text.to_owned(),
        }),
    }
}

/// `construct_yaml_binary` (Python's lenient `base64.decodebytes`:
/// characters outside the alphabet are skipped, padding is required). The
/// bytes must be UTF-8 text, since a JSON value has no byte strings.
pub(crate) fn construct_binary(text: &str) -> Result<Scalar, ErrorKind> {
    let invalid = || ErrorKind::InvalidValue {
        tag: "tag:yaml.org,2002:binary".to_owned(),
        value: text.to_owned(),
    };
    let mut sextets = Vec::with_capacity(text.len());
    let mut padding = 0;
    for c in text.chars() {
        let sextet = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            '=' => {
                padding += 1;
                continue;
            }
            _ => continue,
        };
        if padding > 0 {
            // Data after padding: Python stops at the padding; so do we.
            break;
        }
        sextets.push(sextet);
    }
    let needed_padding = (4 - sextets.len() % 4) % 4;
    if sextets.len() % 4 == 1 || padding < needed_padding {
        return Err(invalid());
    }
    let mut bytes = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let mut group = 0u32;
        for (i, sextet) in chunk.iter().enumerate() {
            group |= sextet << (18 - 6 * i);
        }
        let produced = chunk.len() * 6 / 8;
        for i in 0..produced {
            bytes.push((group >> (16 - 8 * i)) as u8);
        }
    }
    String::from_utf8(bytes)
        .map(Scalar::Str)
        .map_err(|_| ErrorKind::BinaryNotText)
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// `Ok(None)` when the number is valid but does not fit an `i128`.
fn parse_radix(digits: &str, radix: u32) -> Option<Option<i128>> {
    if digits.is_empty() {
        return None;
    }
    let mut total: Option<i128> = Some(0);
    for c in digits.chars() {
        let digit = c.to_digit(radix)?;
        total = total
            .and_then(|t| t.checked_mul(i128::from(radix)))
            .and_then(|t| t.checked_add(i128::from(digit)));
    }
    Some(total)
}

fn sexagesimal_int(digits: &str) -> Option<Option<i128>> {
    let mut total: Option<i128> = Some(0);
    for part in digits.split(':') {
        let value = parse_radix(part, 10)?;
        total = match (total, value) {
            (Some(t), Some(v)) => t.checked_mul(60).and_then(|t| t.checked_add(v)),
            _ => None,
        };
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_strips_leading_zeros() {
        assert_eq!(construct_int("0644"), Ok(Scalar::Int(644)));
        assert_eq!(construct_int("00"), Ok(Scalar::Int(0)));
        assert_eq!(construct_int("0_644"), Ok(Scalar::Int(644)));
        assert_eq!(construct_int("-0644"), Ok(Scalar::Int(-420)));
        assert_eq!(construct_int("+0644"), Ok(Scalar::Int(420)));
        assert_eq!(construct_int("0x_1F"), Ok(Scalar::Int(31)));
        assert_eq!(construct_int("0b101"), Ok(Scalar::Int(5)));
        assert_eq!(construct_int("190:20:30"), Ok(Scalar::Int(685230)));
        assert_eq!(construct_int("1__0"), Ok(Scalar::Int(10)));
        assert!(construct_int("foo").is_err());
        assert!(construct_int("0o10").is_err());
    }

    #[test]
    fn big_ints_keep_their_text() {
        let big = "99999999999999999999999999999999999999999";
        assert_eq!(construct_int(big), Ok(Scalar::BigInt(big.to_owned())));
        assert_eq!(
            construct_int("99999999999999999999999")
                .map(|s| s.into_value("99999999999999999999999")),
            Ok(Value::String("99999999999999999999999".to_owned()))
        );
    }

    #[test]
    fn floats() {
        assert_eq!(construct_float("1_000.5_0"), Ok(Scalar::Float(1000.5)));
        assert_eq!(construct_float("1:20.5"), Ok(Scalar::Float(80.5)));
        assert_eq!(
            construct_float("-.INF"),
            Ok(Scalar::Float(f64::NEG_INFINITY))
        );
        assert_eq!(construct_float("1e3"), Ok(Scalar::Float(1000.0)));
        assert_eq!(
            construct_float("-.inf").map(|s| s.into_value("")),
            Ok(Value::from("-inf"))
        );
    }

    #[test]
    fn binary_is_lenient_base64() {
        assert_eq!(
            construct_binary("aGVs\nbG8="),
            Ok(Scalar::Str("hello".to_owned()))
        );
        assert!(construct_binary("aGVsbG8").is_err());
        assert_eq!(construct_binary("/w=="), Err(ErrorKind::BinaryNotText));
    }

    #[test]
    fn key_identity_is_python_equality() {
        let one = Scalar::Int(1).python_identity();
        assert_eq!(Scalar::Bool(true).python_identity(), one);
        assert_eq!(Scalar::Float(1.0).python_identity(), one);
        assert_ne!(Scalar::Str("1".to_owned()).python_identity(), one);
        assert_eq!(Scalar::Float(f64::NAN).python_identity(), None);
    }
}

//! Python's `%` (`'%s-%d' % (a, b)`, `n % 2`), which formulas use and
//! minijinja lacks for strings; the pre-pass turns `L % R` into
//! `(L)|__pymod(R)`.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use crate::pyrepr::{py_float, py_repr, py_str};

fn fmt_error(message: &str) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.to_owned())
}

/// Python's `fmt % args`.
pub(crate) fn pyformat_filter(fmt: String, args: Value) -> Result<String, Error> {
    let positional: Vec<Value> = match args.kind() {
        // A tuple or list on the right supplies the arguments; a mapping
        // serves `%(name)s`.
        ValueKind::Seq
            if args
                .as_object()
                .is_none_or(|o| o.downcast_ref::<crate::mutable::MutList>().is_none()) =>
        {
            args.try_iter()?.collect()
        }
        _ => vec![args.clone()],
    };
    let mut next = positional.iter();
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key: Option<String> = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut name = String::new();
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
                name.push(c);
            }
            key = Some(name);
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "-+ 0#".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let conv = chars.next().ok_or_else(|| fmt_error("incomplete format"))?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let value = match &key {
            Some(k) => args
                .get_item(&Value::from(k.as_str()))
                .ok()
                .filter(|v| !v.is_undefined())
                .ok_or_else(|| fmt_error(&format!("KeyError: '{k}'")))?,
            None => next
                .next()
                .cloned()
                .ok_or_else(|| fmt_error("not enough arguments for format string"))?,
        };
        let text = match conv {
            's' => {
                let s = py_str(&value);
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'r' | 'a' => py_repr(&value),
            'd' | 'i' | 'u' => {
                let n = f64::try_from(value.clone()).map_err(|_| {
                    fmt_error(&format!(
                        "%{conv} format: a real number is required, not {}",
                        value.kind()
                    ))
                })?;
                let s = format!("{}", n.trunc() as i64);
                if flags.contains('+') && n >= 0.0 {
                    format!("+{s}")
                } else {
                    s
                }
            }
            'f' | 'F' => {
                let n =
                    f64::try_from(value.clone()).map_err(|_| fmt_error("must be real number"))?;
                format!("{n:.*}", precision.unwrap_or(6))
            }
            'g' => py_float(
                f64::try_from(value.clone()).map_err(|_| fmt_error("must be real number"))?,
            ),
            'x' => format!("{:x}", i64::try_from(value.clone())?),
            'X' => format!("{:X}", i64::try_from(value.clone())?),
            'o' => format!("{:o}", i64::try_from(value.clone())?),
            other => {
                return Err(fmt_error(&format!(
                    "unsupported format character '{other}'"
                )));
            }
        };
        let width: usize = width.parse().unwrap_or(0);
        let pad = width.saturating_sub(text.chars().count());
        if flags.contains('-') {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else if flags.contains('0') && conv != 's' {
            let (sign, digits) = text
                .strip_prefix('-')
                .map(|d| ("-", d))
                .unwrap_or(("", &text));
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    if key_less_left(&positional, next.len()) {
        return Err(fmt_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// The `__pymod` filter: Python's `%`: string formatting when the left
/// side is a string, else the modulo whose sign follows the divisor.
pub(crate) fn pymod(left: Value, right: Value) -> Result<Value, Error> {
    if let Some(fmt) = left.as_str() {
        return pyformat_filter(fmt.to_owned(), right).map(Value::from);
    }
    if left.is_integer() && right.is_integer() {
        let (a, b) = (i64::try_from(left)?, i64::try_from(right)?);
        if b == 0 {
            return Err(fmt_error("integer division or modulo by zero"));
        }
        return Ok(Value::from(
            a.rem_euclid(b) + if b < 0 && a.rem_euclid(b) != 0 { b } else { 0 },
        ));
    }
    let (a, b) = (f64::try_from(left)?, f64::try_from(right)?);
    if b == 0.0 {
        return Err(fmt_error("float modulo"));
    }
    let mut r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        r += b;
    }
    Ok(Value::from(r))
}

fn key_less_left(positional: &[Value], left: usize) -> bool {
    // A single mapping argument may go unused (`'%s' % {}` is fine in Python).
    left > 0 && !(positional.len() == 1 && positional[0].kind() == ValueKind::Map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python() {
        let args = Value::from(vec![Value::from("a"), Value::from(5)]);
        assert_eq!(pyformat_filter("%s-%03d".into(), args).unwrap(), "a-005");
        assert_eq!(
            pyformat_filter("%.2f%%".into(), Value::from(1.5)).unwrap(),
            "1.50%"
        );
        assert_eq!(
            pyformat_filter("[%-4s]".into(), Value::from("x")).unwrap(),
            "[x   ]"
        );
        assert!(pyformat_filter("%s %s".into(), Value::from(vec![Value::from(1)])).is_err());
    }
}

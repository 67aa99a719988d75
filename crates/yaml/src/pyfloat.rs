//! Python's `repr(float)`, which both PyYAML's float representer and the
//! conversion of float mapping keys to strings are built on.
//!
//! Python prints the shortest digits that round-trip (as Rust's `{:e}`
//! does), in fixed notation when the decimal exponent is in `-4..16` and in
//! scientific notation with a signed, at least two-digit exponent otherwise
//! (`1e+16`, `1.5e-05`).

/// `repr(x)` as Python 3 prints it.
pub(crate) fn repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let body = if (-4..16).contains(&exponent) {
        fixed(&digits, exponent)
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

/// PyYAML's `SafeRepresenter.represent_float`: `repr` lowercased, with
/// `.0` added to a bare exponent form so that it resolves as a float again
/// (`1e+16` → `1.0e+16`), and `.inf`/`.nan` spelled the YAML way.
pub(crate) fn yaml_repr(x: f64) -> String {
    if x.is_nan() {
        return ".nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let value = repr(x);
    if !value.contains('.') && value.contains('e') {
        value.replacen('e', ".0e", 1)
    } else {
        value
    }
}

/// `digits` is d.ddd × 10^exponent without the dot.
fn fixed(digits: &str, exponent: i32) -> String {
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("0.{zeros}{digits}");
    }
    let int_len = exponent as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{digits}{zeros}.0")
    } else {
        let (int_part, fraction) = digits.split_at(int_len);
        format!("{int_part}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-4, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
            (1000.5, "1000.5"),
            (f64::INFINITY, "inf"),
        ];
        for (x, want) in cases {
            assert_eq!(repr(x), want, "{x:?}");
        }
    }

    #[test]
    fn yaml_repr_keeps_a_dot() {
        assert_eq!(yaml_repr(1e16), "1.0e+16");
        assert_eq!(yaml_repr(1e-5), "1.0e-05");
        assert_eq!(yaml_repr(2.5e20), "2.5e+20");
        assert_eq!(yaml_repr(f64::NEG_INFINITY), "-.inf");
        assert_eq!(yaml_repr(f64::NAN), ".nan");
    }
}

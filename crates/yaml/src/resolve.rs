//! YAML 1.1 implicit resolution of plain scalars, as PyYAML's `Resolver`
//! does it (`yaml/resolver.py`, PyYAML 6.0).
//!
//! PyYAML picks the candidate rules by the scalar's first character (the
//! empty string has its own list), tries them in the order they were
//! registered and takes the first whose regex matches. The table below keeps
//! that order and those first-character lists. The patterns are PyYAML's,
//! with the `re.X` whitespace removed and Python's `$` (which also matches
//! before a final newline) spelled `\n?\z`.
//!
//! The loader uses this for untagged plain scalars; the emitter uses it to
//! decide whether a string can be written plain or must be quoted so that it
//! reads back as a string (`'yes'`, `'0644'`, `''`).

use std::sync::LazyLock;

use regex::Regex;

/// The tag a plain scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Implicit {
    Bool,
    Float,
    Int,
    /// `<<`, the merge key.
    Merge,
    Null,
    /// Salt keeps timestamps as strings, but the tag still matters: the
    /// emitter must quote `'2001-12-14'` so it does not read back as a date.
    Timestamp,
    /// `=`, the YAML 1.1 "value" key, which SafeLoader cannot construct.
    Value,
    Str,
}

struct Rule {
    tag: Implicit,
    /// Characters a matching scalar can start with.
    first_chars: &'static str,
    /// Whether the rule applies to the empty scalar (only null does).
    matches_empty: bool,
    pattern: &'static str,
}

/// In PyYAML's registration order, which decides ties such as `1:20.5`
/// (float before int).
const RULES: [Rule; 7] = [
    // ^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$
    Rule {
        tag: Implicit::Bool,
        first_chars: "yYnNtTfFoO",
        matches_empty: false,
        pattern: r"\A(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?\z",
    },
    // ^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    //   |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    //   |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    //   |[-+]?\.(?:inf|Inf|INF)
    //   |\.(?:nan|NaN|NAN))$
    // A float needs a dot, and an exponent needs a sign: `1e3` is a string.
    Rule {
        tag: Implicit::Float,
        first_chars: "-+0123456789.",
        matches_empty: false,
        pattern: r"\A(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?\z",
    },
    // ^(?:[-+]?0b[0-1_]+
    //   |[-+]?0[0-7_]+
    //   |[-+]?(?:0|[1-9][0-9_]*)
    //   |[-+]?0x[0-9a-fA-F_]+
    //   |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$
    // `08` and `0o644` match nothing here and stay strings.
    Rule {
        tag: Implicit::Int,
        first_chars: "-+0123456789",
        matches_empty: false,
        pattern: r"\A(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?\z",
    },
    // ^(?:<<)$
    Rule {
        tag: Implicit::Merge,
        first_chars: "<",
        matches_empty: false,
        pattern: r"\A(?:<<)\n?\z",
    },
    // ^(?: ~ |null|Null|NULL | )$   (re.X: the empty alternative matches "")
    Rule {
        tag: Implicit::Null,
        first_chars: "~nN",
        matches_empty: true,
        pattern: r"\A(?:~|null|Null|NULL|)\n?\z",
    },
    // ^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    //   |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    //    (?:[Tt]|[ \t]+)[0-9][0-9]?
    //    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    //    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$
    Rule {
        tag: Implicit::Timestamp,
        first_chars: "0123456789",
        matches_empty: false,
        pattern: r"\A(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?\z",
    },
    // ^(?:=)$
    Rule {
        tag: Implicit::Value,
        first_chars: "=",
        matches_empty: false,
        pattern: r"\A(?:=)\n?\z",
    },
];

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    RULES
        .iter()
        // The patterns are constants checked by the tests below, so a
        // failure here is a programming error, not bad input.
        .map(|rule| Regex::new(rule.pattern).expect("resolver pattern is valid"))
        .collect()
});

/// The tag PyYAML gives an untagged plain scalar with this text.
pub(crate) fn resolve_plain(value: &str) -> Implicit {
    let first = value.chars().next();
    for (rule, regex) in RULES.iter().zip(COMPILED.iter()) {
        let applies = match first {
            None => rule.matches_empty,
            Some(c) => rule.first_chars.contains(c),
        };
        if applies && regex.is_match(value) {
            return rule.tag;
        }
    }
    Implicit::Str
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_the_three_casings_of_six_words() {
        for word in [
            "yes", "Yes", "YES", "no", "NO", "on", "On", "OFF", "true", "False",
        ] {
            assert_eq!(resolve_plain(word), Implicit::Bool, "{word}");
        }
        for word in ["y", "n", "yEs", "oN", "Y"] {
            assert_eq!(resolve_plain(word), Implicit::Str, "{word}");
        }
    }

    #[test]
    fn numbers_follow_yaml_1_1() {
        assert_eq!(resolve_plain("0644"), Implicit::Int);
        assert_eq!(resolve_plain("08"), Implicit::Str);
        assert_eq!(resolve_plain("0o644"), Implicit::Str);
        assert_eq!(resolve_plain("1_000"), Implicit::Int);
        assert_eq!(resolve_plain("190:20:30"), Implicit::Int);
        assert_eq!(resolve_plain("1:20.5"), Implicit::Float);
        assert_eq!(resolve_plain("1e3"), Implicit::Str);
        assert_eq!(resolve_plain("1.0e+3"), Implicit::Float);
        assert_eq!(resolve_plain("1.0e3"), Implicit::Str);
        assert_eq!(resolve_plain(".5"), Implicit::Float);
        assert_eq!(resolve_plain("-.inf"), Implicit::Float);
        assert_eq!(resolve_plain("-.nan"), Implicit::Str);
    }

    #[test]
    fn other_tags() {
        assert_eq!(resolve_plain(""), Implicit::Null);
        assert_eq!(resolve_plain("~"), Implicit::Null);
        assert_eq!(resolve_plain("nULL"), Implicit::Str);
        assert_eq!(resolve_plain("<<"), Implicit::Merge);
        assert_eq!(resolve_plain("="), Implicit::Value);
        assert_eq!(resolve_plain("2001-12-14"), Implicit::Timestamp);
        assert_eq!(
            resolve_plain("2001-12-14 21:59:43.10 -5"),
            Implicit::Timestamp
        );
        // Python's `$` also matches before a final newline.
        assert_eq!(resolve_plain("1\n"), Implicit::Int);
    }
}

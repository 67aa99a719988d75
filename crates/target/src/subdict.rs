//! Salt's `salt.utils.data.subdict_match`: the grain and pillar matcher
//! behind `-G`, `-P`, `-I`, `-J` and `G@`/`P@`/`I@`/`J@`.
//!
//! `os:Debian` looks up the key path before the last delimiter and matches
//! the rest as a glob (or regex), then tries shorter key paths with longer
//! values (`foo:bar:baz` tries `foo:bar` = `baz`, then `foo` = `bar:baz`).
//! Lists match when any member does, a dict matches when the value names one
//! of its keys, `*:` searches one level of every key, and the comparison is on
//! `str(value).lower()` against the lowercased pattern, so it is
//! case-insensitive and `True`/`None` are spelled the Python way. Nested dict
//! matches always split on `:`, whatever the top-level delimiter is.
//!
//! Every pattern Salt compares against is a suffix of the expression, so
//! the suffixes that can be reached are compiled once, up front.

use serde_json::Value;

use crate::glob::Glob;
use crate::pcre::{Pcre, RegexError};
use crate::pyrepr::{lower, py_str};

/// How the value part is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueMatch {
    Glob,
    Regex,
    /// `pillar_exact`: plain (case-insensitive) equality.
    Exact,
}

#[derive(Debug, Clone)]
pub(crate) enum SubdictError {
    /// The expression has no delimiter, so it has no value part.
    NoDelimiter,
    /// No reachable suffix is a valid regex; `offset` is into the expression.
    BadRegex(RegexError),
    /// A glob too large for the regex engine.
    GlobTooBig(String),
}

#[derive(Debug, Clone)]
enum Compiled {
    Glob(Glob),
    /// `None` for a suffix that is not a valid regex: Salt logs it and
    /// treats it as no match, and so does this.
    Regex(Option<Pcre>),
    Exact(Box<str>),
}

impl Compiled {
    fn is_match(&self, lowered: &str) -> bool {
        match self {
            Compiled::Glob(glob) => glob.is_match(lowered),
            Compiled::Regex(re) => re.as_ref().is_some_and(|re| re.is_match(lowered)),
            Compiled::Exact(s) => lowered == &**s,
        }
    }
}

/// A compiled `key:subkey:value` expression.
#[derive(Debug, Clone)]
pub(crate) struct SubdictPattern {
    expr: Box<str>,
    delimiter: char,
    /// The compiled lowercase form of every reachable suffix, by its byte
    /// offset into `expr`, sorted.
    suffixes: Vec<(usize, Compiled)>,
}

impl SubdictPattern {
    pub(crate) fn new(
        expr: &str,
        delimiter: char,
        mode: ValueMatch,
    ) -> Result<SubdictPattern, SubdictError> {
        if !expr.contains(delimiter) {
            return Err(SubdictError::NoDelimiter);
        }
        let mut offsets: Vec<usize> = std::iter::once(0)
            .chain(expr.match_indices(delimiter).map(|(i, d)| i + d.len()))
            .chain(expr.match_indices(':').map(|(i, _)| i + 1))
            .collect();
        offsets.sort_unstable();
        offsets.dedup();

        let mut suffixes = Vec::with_capacity(offsets.len());
        let mut last_regex_error = None;
        let mut any_valid_regex = false;
        for offset in offsets {
            let suffix = &expr[offset..];
            let lowered = suffix.to_lowercase();
            let compiled = match mode {
                ValueMatch::Glob => Compiled::Glob(
                    Glob::new(&lowered).map_err(|e| SubdictError::GlobTooBig(e.to_string()))?,
                ),
                ValueMatch::Exact => Compiled::Exact(lowered.into()),
                ValueMatch::Regex => match Pcre::new(&lowered) {
                    Ok(re) => {
                        any_valid_regex |= offset > 0;
                        Compiled::Regex(Some(re))
                    }
                    Err(err) => {
                        // Offsets into the lowercased text are only valid
                        // in the original when lowercasing kept the length.
                        let inner = if lowered.len() == suffix.len() {
                            err.offset
                        } else {
                            0
                        };
                        last_regex_error = Some(RegexError {
                            offset: offset + inner,
                            message: err.message,
                        });
                        Compiled::Regex(None)
                    }
                },
            };
            suffixes.push((offset, compiled));
        }
        if mode == ValueMatch::Regex
            && !any_valid_regex
            && let Some(err) = last_regex_error
        {
            return Err(SubdictError::BadRegex(err));
        }
        Ok(SubdictPattern {
            expr: expr.into(),
            delimiter,
            suffixes,
        })
    }

    /// Whether the expression matches `data` (a minion's grains or pillar).
    pub(crate) fn matches(&self, data: &Value) -> bool {
        self.subdict_match(data, 0, self.delimiter)
    }

    /// `subdict_match(data, expr[start..], delimiter)`.
    fn subdict_match(&self, data: &Value, start: usize, delimiter: char) -> bool {
        let expr = &self.expr[start..];
        // From the last delimiter to the first: the deepest key path first.
        for (cut, _) in expr.rmatch_indices(delimiter) {
            let key = &expr[..cut];
            let (found, pattern) = if key == "*" {
                (Some(data), start)
            } else {
                (
                    traverse(data, key, delimiter),
                    start + cut + delimiter.len_utf8(),
                )
            };
            let Some(found) = found else { continue };
            match found {
                // Salt compares against its "not found" default, `{}`, so an
                // empty dict is skipped like a missing key.
                Value::Object(map) if map.is_empty() => continue,
                Value::Object(_) => {
                    if self.dict_match(found, pattern) {
                        return true;
                    }
                }
                Value::Array(members) => {
                    for member in members {
                        if member.is_object() && self.dict_match(member, pattern) {
                            return true;
                        }
                        if self.value_match(member, pattern) {
                            return true;
                        }
                    }
                }
                scalar => {
                    if self.value_match(scalar, pattern) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// `_dict_match(target, expr[start..])`.
    fn dict_match(&self, target: &Value, start: usize) -> bool {
        let Value::Object(map) = target else {
            return false;
        };
        let wildcard = self.expr[start..].starts_with("*:");
        let start = if wildcard { start + 2 } else { start };
        let pattern = &self.expr[start..];
        if pattern == "*" || map.contains_key(pattern) {
            return true;
        }
        if map.keys().any(|key| self.str_match(key, start)) {
            return true;
        }
        if self.subdict_match(target, start, ':') {
            return true;
        }
        if wildcard {
            for value in map.values() {
                let hit = match value {
                    Value::Object(_) => self.dict_match(value, start),
                    Value::Array(items) => items.iter().any(|item| self.value_match(item, start)),
                    scalar => self.value_match(scalar, start),
                };
                if hit {
                    return true;
                }
            }
        }
        false
    }

    fn value_match(&self, value: &Value, start: usize) -> bool {
        self.str_match(&py_str(value), start)
    }

    /// `_match(target, expr[start..])`: both sides lowercased.
    fn str_match(&self, target: &str, start: usize) -> bool {
        let Ok(idx) = self
            .suffixes
            .binary_search_by_key(&start, |(offset, _)| *offset)
        else {
            return false;
        };
        self.suffixes[idx].1.is_match(&lower(target.into()))
    }
}

/// `traverse_dict_and_list(data, key, {}, delimiter)`; `None` is the
/// default. In a list a numeric segment is a (Python, so possibly negative)
/// index, and any other segment looks into the list's dicts.
fn traverse<'a>(data: &'a Value, key: &str, delimiter: char) -> Option<&'a Value> {
    let mut ptr = data;
    for segment in key.split(delimiter) {
        ptr = match ptr {
            Value::Array(items) => match py_int(segment) {
                None => items
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(|m| m.get(segment))?,
                Some(index) => {
                    let len = items.len() as i128;
                    let index = if index < 0 { index + len } else { index };
                    if !(0..len).contains(&index) {
                        return None;
                    }
                    &items[index as usize]
                }
            },
            // Salt retries a missing key YAML-loaded, which only finds
            // non-string keys; JSON objects have none.
            Value::Object(map) => map.get(segment)?,
            // Strings, numbers, bools, None: Python raises TypeError.
            _ => return None,
        };
    }
    Some(ptr)
}

/// Python's `int(s)` for a string: surrounding whitespace, an optional
/// sign, and digits with single underscores between them. Values beyond
/// `i128` saturate (they are out of range for any list anyway).
fn py_int(s: &str) -> Option<i128> {
    let s = s.trim();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        value = value.saturating_mul(10).saturating_add(d as i128);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn glob(expr: &str, data: &Value) -> bool {
        SubdictPattern::new(expr, ':', ValueMatch::Glob)
            .unwrap()
            .matches(data)
    }

    #[test]
    fn py_int_follows_python() {
        assert_eq!(py_int("3"), Some(3));
        assert_eq!(py_int(" -1 "), Some(-1));
        assert_eq!(py_int("+2"), Some(2));
        assert_eq!(py_int("1_0"), Some(10));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("_1"), None);
        assert_eq!(py_int("eth0"), None);
        assert_eq!(py_int(""), None);
    }

    #[test]
    fn traverse_indexes_lists_and_searches_their_dicts() {
        let data = json!({"disks": [{"name": "sda"}, {"name": "sdb", "size": 2}], "l": [1, 2, 3]});
        assert_eq!(traverse(&data, "l:-1", ':'), Some(&json!(3)));
        assert_eq!(traverse(&data, "l:3", ':'), None);
        assert_eq!(traverse(&data, "disks:size", ':'), Some(&json!(2)));
        assert_eq!(traverse(&data, "disks:name", ':'), Some(&json!("sda")));
        assert_eq!(traverse(&data, "l:0:x", ':'), None);
    }

    #[test]
    fn value_part_is_a_case_insensitive_glob() {
        let g = json!({"os": "Debian", "roles": ["web", "DB"], "n": 4, "ok": true});
        assert!(glob("os:debian", &g));
        assert!(glob("os:DEB*", &g));
        assert!(glob("roles:db", &g));
        assert!(glob("n:4", &g));
        assert!(glob("ok:True", &g));
        assert!(!glob("os:Ubuntu", &g));
        assert!(!glob("missing:*", &g));
    }

    #[test]
    fn deeper_keys_first_then_values_with_delimiters() {
        let g = json!({"a": {"b": "c"}, "u": "x:y"});
        assert!(glob("a:b:c", &g));
        assert!(glob("a:b", &g), "names a key of the dict");
        assert!(glob("u:x:y", &g), "value containing the delimiter");
    }

    #[test]
    fn star_key_searches_one_level_down() {
        assert!(glob("*:c", &json!({"q": "C"})));
        assert!(glob("*:c", &json!({"q": {"c": 1}})), "a key one level down");
        assert!(glob("*:c", &json!({"q": ["x", "c"]})));
        assert!(
            !glob("*:c", &json!({"q": {"b": "c"}})),
            "values two levels down are not searched"
        );
    }

    #[test]
    fn regex_suffixes_that_do_not_compile_only_fail_when_all_do() {
        assert!(SubdictPattern::new("foo:a(b:c)", ':', ValueMatch::Regex).is_ok());
        match SubdictPattern::new("foo:bar:(x", ':', ValueMatch::Regex) {
            Err(SubdictError::BadRegex(err)) => assert_eq!(err.offset, 8),
            other => panic!("unexpected {other:?}"),
        }
    }
}

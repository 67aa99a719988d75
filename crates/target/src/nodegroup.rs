//! Nodegroups (`-N`, `N@`): names for compound expressions, from the
//! master's `nodegroups:` config. A definition is a compound string or a
//! list of compound words, and may use other nodegroups.
//!
//! Salt's `nodegroup_comp` has one more rule, kept here: a definition with
//! no operator, no `*` and no `X@` prefix is not a compound at all but a list
//! of minion ids (`L@a,b`), or, when a word contains one of `([{\?}])`, a
//! single regex made of the words joined by commas (`E@web[12],db1`).

use serde_json::Value;

use crate::pyrepr::py_str;
use crate::source::Source;

/// A nodegroup definition as words, or `None` when it is neither a string
/// nor a list.
pub(crate) fn definition(name: &str, value: &Value) -> Option<Source> {
    match value {
        Value::String(text) => Some(Source::from_text(text, Some(name))),
        Value::Array(items) => {
            let words: Vec<String> = items.iter().map(|item| py_str(item).into_owned()).collect();
            Some(Source::from_items(&words, Some(name)))
        }
        _ => None,
    }
}

/// What Salt's `_nodegroup_regex` turns a definition into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shortcut {
    /// `L@`: the comma-joined words.
    List(String),
    /// `E@`: the comma-joined words as one regex.
    Pcre(String),
}

pub(crate) fn shortcut(def: &Source) -> Option<Shortcut> {
    let words: Vec<&str> = (0..def.words.len()).map(|i| def.word(i)).collect();
    let operator = |w: &&str| matches!(*w, "and" | "or" | "not" | "(" | ")");
    let typed = |w: &&str| {
        let mut chars = w.chars();
        chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.next() == Some('@')
    };
    if words.iter().any(operator) || words.iter().any(|w| w.contains('*') || typed(w)) {
        return None;
    }
    let joined = words.join(",");
    if words
        .iter()
        .any(|w| w.contains(['(', '[', '{', '\\', '?', '}', ']', ')']))
    {
        Some(Shortcut::Pcre(joined))
    } else {
        Some(Shortcut::List(joined))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shortcut_of(value: Value) -> Option<Shortcut> {
        shortcut(&definition("g", &value).unwrap())
    }

    #[test]
    fn plain_names_become_a_list() {
        assert_eq!(
            shortcut_of(json!("web1 web2")),
            Some(Shortcut::List("web1,web2".into()))
        );
        assert_eq!(
            shortcut_of(json!(["web1", "web2"])),
            Some(Shortcut::List("web1,web2".into()))
        );
        assert_eq!(shortcut_of(json!("")), Some(Shortcut::List(String::new())));
    }

    #[test]
    fn regex_characters_make_a_regex() {
        assert_eq!(
            shortcut_of(json!("web[12] db1")),
            Some(Shortcut::Pcre("web[12],db1".into()))
        );
        assert_eq!(
            shortcut_of(json!("web?")),
            Some(Shortcut::Pcre("web?".into()))
        );
    }

    #[test]
    fn compound_definitions_stay_compound() {
        assert_eq!(shortcut_of(json!("web*")), None);
        assert_eq!(shortcut_of(json!("G@os:Debian")), None);
        assert_eq!(shortcut_of(json!("web1 or web2")), None);
        assert_eq!(shortcut_of(json!(["N@other"])), None);
        assert_eq!(
            shortcut_of(json!(["X@x"])),
            None,
            "any uppercase prefix counts"
        );
    }

    #[test]
    fn non_string_items_are_python_str() {
        assert_eq!(
            shortcut_of(json!([1, true])),
            Some(Shortcut::List("1,True".into()))
        );
        assert!(definition("g", &json!(42)).is_none());
    }
}

//! The registry: every outputter, sorted by name, and the rules Salt uses
//! to pick one. Adding an outputter is one file in
//! `outputters/` and one line here; the test below keeps the list sorted
//! and the names right.

use crate::Outputter;
use crate::outputters::{
    highstate::Highstate, json::Json, nested::Nested, no_return::NoReturn, quiet::Quiet, raw::Raw,
    txt::Txt, yaml::Yaml,
};

pub static OUTPUTTERS: &[&dyn Outputter] = &[
    &Highstate, &Json, &Nested, &NoReturn, &Quiet, &Raw, &Txt, &Yaml,
];

/// The outputter called `name` exactly (no aliases; see [`select`]).
pub fn by_name(name: &str) -> Option<&'static dyn Outputter> {
    OUTPUTTERS
        .binary_search_by(|o| o.name().cmp(name))
        .ok()
        .map(|i| OUTPUTTERS[i])
}

/// The outputter to use, and the name asked for when it did not exist.
#[derive(Clone)]
pub struct Selection {
    pub outputter: &'static dyn Outputter,
    /// Set when the requested name is unknown and `nested` stands in.
    pub unknown: Option<String>,
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selection")
            .field("outputter", &self.outputter.name())
            .field("unknown", &self.unknown)
            .finish()
    }
}

impl Selection {
    /// Salt's log line for an unknown outputter (it stays silent for
    /// `grains`, an outputter old minions still ask for).
    pub fn warning(&self) -> Option<String> {
        self.unknown
            .as_deref()
            .filter(|name| *name != "grains")
            .map(|name| format!("Invalid outputter {name} specified, fall back to nested"))
    }
}

/// Picks the outputter for one streamed return, as Salt's `get_printout`
/// does: `--out` (`cli_out`) wins over the outputter the return asks for
/// (`suggested`, its `out` field, e.g. `no_return`), except that
/// `--out highstate` only applies to returns that ask for it; `text` means
/// `txt`; nothing at all means `nested`.
pub fn select(cli_out: Option<&str>, suggested: Option<&str>) -> Selection {
    let name = match cli_out {
        Some(out) if out != "highstate" => out,
        _ => suggested.unwrap_or(""),
    };
    resolve(name)
}

/// Picks the outputter for `salt --static`, which prints every return in
/// one document and ignores the returns' own `out`: `--out` if given
/// (`highstate` included), else `highstate` for `state.*` functions, else
/// `nested`.
pub fn select_static(cli_out: Option<&str>, fun: &str) -> Selection {
    let name = match cli_out {
        Some(out) if !out.is_empty() => out,
        _ if fun.split('.').next() == Some("state") => "highstate",
        _ => "",
    };
    resolve(name)
}

fn resolve(name: &str) -> Selection {
    let name = match name {
        "text" => "txt",
        "" => "nested",
        other => other,
    };
    match by_name(name) {
        Some(outputter) => Selection {
            outputter,
            unknown: None,
        },
        None => Selection {
            outputter: &Nested,
            unknown: Some(name.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_found_by_name() {
        for pair in OUTPUTTERS.windows(2) {
            assert!(
                pair[0].name() < pair[1].name(),
                "not sorted/unique: {} {}",
                pair[0].name(),
                pair[1].name()
            );
        }
        for out in OUTPUTTERS {
            assert_eq!(by_name(out.name()).map(|o| o.name()), Some(out.name()));
        }
        assert!(
            by_name("text").is_none(),
            "aliases belong to select(), not by_name()"
        );
    }

    #[test]
    fn cli_out_beats_what_the_return_asks_for_except_highstate() {
        assert_eq!(
            select(Some("json"), Some("no_return")).outputter.name(),
            "json"
        );
        assert_eq!(
            select(None, Some("no_return")).outputter.name(),
            "no_return"
        );
        assert_eq!(select(None, None).outputter.name(), "nested");
        assert_eq!(
            select(Some("highstate"), Some("txt")).outputter.name(),
            "txt"
        );
        assert_eq!(select(Some("text"), None).outputter.name(), "txt");
    }

    #[test]
    fn unknown_names_fall_back_to_nested_with_salts_warning() {
        let chosen = select(Some("bogus"), None);
        assert_eq!(chosen.outputter.name(), "nested");
        assert_eq!(
            chosen.warning().as_deref(),
            Some("Invalid outputter bogus specified, fall back to nested")
        );
        assert_eq!(select(None, Some("grains")).warning(), None);
        assert_eq!(
            select(None, Some("grains")).unknown.as_deref(),
            Some("grains")
        );
    }

    #[test]
    fn static_mode_ignores_the_returns_and_prefers_highstate_for_states() {
        assert_eq!(select_static(None, "test.ping").outputter.name(), "nested");
        assert_eq!(
            select_static(Some("yaml"), "state.apply").outputter.name(),
            "yaml"
        );
        let chosen = select_static(None, "state.apply");
        assert_eq!(chosen.outputter.name(), "highstate");
        assert!(chosen.unknown.is_none());
        assert_eq!(
            select(None, Some("highstate")).outputter.name(),
            "highstate"
        );
    }
}

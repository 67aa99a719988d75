//! The registry: every state module, sorted by name. Adding a state module
//! is one file in `states/` and one line here.

use crate::api::{StateFunction, StateModule};
use crate::states;

pub static STATE_MODULES: &[&StateModule] = &[&states::cmd::MODULE, &states::test::MODULE];

pub fn find_state_module(name: &str) -> Option<&'static StateModule> {
    STATE_MODULES.iter().copied().find(|m| m.name == name)
}

/// Looks up `module.function` (including `mod_watch`).
pub fn find_state_function(full: &str) -> Option<(&'static StateModule, &'static StateFunction)> {
    let (module, function) = full.split_once('.')?;
    let module = find_state_module(module)?;
    Some((module, module.function(function)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_documented() {
        for pair in STATE_MODULES.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "not sorted: {} {}",
                pair[0].name,
                pair[1].name
            );
        }
        for m in STATE_MODULES {
            assert!(!m.doc.trim().is_empty());
            for pair in m.functions.windows(2) {
                assert!(
                    pair[0].name < pair[1].name,
                    "{}: {} {}",
                    m.name,
                    pair[0].name,
                    pair[1].name
                );
            }
            for f in m.functions.iter().chain(m.mod_watch) {
                assert!(
                    f.doc.contains("SLS Example:"),
                    "{}.{} has no SLS Example",
                    m.name,
                    f.name
                );
            }
        }
        assert!(find_state_function("test.nop").is_some());
        assert!(find_state_function("test.mod_watch").is_some());
        assert!(find_state_function("test.nope").is_none());
    }
}

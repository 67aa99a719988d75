//! The registry: every execution module, sorted by name. Adding a module is
//! one file in `modules/` and one line here; the conformance test in this
//! file keeps the list sorted, unique and documented.

use std::sync::OnceLock;

use crate::api::{Function, Module};
use crate::modules;

pub static MODULES: &[&Module] = &[
    &modules::cmd::MODULE,
    &modules::cp::MODULE,
    &modules::disk::MODULE,
    &modules::file::MODULE,
    &modules::grains::MODULE,
    &modules::network::MODULE,
    &modules::pillar::MODULE,
    &modules::saltutil::MODULE,
    &modules::status::MODULE,
    &modules::sys::MODULE,
    &modules::test::MODULE,
];

/// Modules whose code lives in a crate above this one: `state` drives the
/// state engine, which itself calls execution modules, so it cannot live
/// here. The binary registers them once at start-up, before any job runs.
static EXTERNAL: OnceLock<Vec<&'static Module>> = OnceLock::new();

/// Registers the modules defined above this crate; only the first call
/// counts (returns false for later ones).
pub fn register_external(modules: &[&'static Module]) -> bool {
    let mut sorted = modules.to_vec();
    sorted.sort_by_key(|m| m.name);
    EXTERNAL.set(sorted).is_ok()
}

/// Every module: the built-in ones, then the registered external ones.
pub fn all_modules() -> impl Iterator<Item = &'static Module> {
    MODULES
        .iter()
        .copied()
        .chain(EXTERNAL.get().into_iter().flatten().copied())
}

pub fn find_module(name: &str) -> Option<&'static Module> {
    all_modules().find(|m| m.name == name)
}

/// Looks up `module.function`.
pub fn find_function(fun: &str) -> Option<(&'static Module, &'static Function)> {
    let (module, function) = fun.split_once('.')?;
    let module = find_module(module)?;
    let function = module.functions.iter().find(|f| f.name == function)?;
    Some((module, function))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_documented() {
        for pair in MODULES.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "modules not sorted/unique: {} {}",
                pair[0].name,
                pair[1].name
            );
        }
        for m in MODULES {
            assert!(!m.doc.trim().is_empty(), "module {} has no doc", m.name);
            for pair in m.functions.windows(2) {
                assert!(
                    pair[0].name < pair[1].name,
                    "{}: functions not sorted/unique: {} {}",
                    m.name,
                    pair[0].name,
                    pair[1].name
                );
            }
            for f in m.functions {
                assert!(
                    f.doc.contains("CLI Example:"),
                    "{}.{} has no CLI Example",
                    m.name,
                    f.name
                );
            }
        }
    }
}

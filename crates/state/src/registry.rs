//! The registry: every state module, sorted by name. Adding a state module
//! is one file in `states/` and one line here.

use crate::api::{StateFunction, StateModule};
use crate::states;

pub static STATE_MODULES: &[&StateModule] = &[
    &states::cmd::MODULE,
    &states::file::MODULE,
    &states::test::MODULE,
];

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
        assert!(find_state_function("cmd.mod_watch").is_some());
        assert!(find_state_function("test.mod_watch").is_some());
        assert!(find_state_function("test.nope").is_none());
    }

    /// STYLE.md §2.2: `check` is a read-only prediction. Every check of
    /// every state, given paths inside a sandbox, leaves the sandbox as it
    /// was.
    #[test]
    fn checks_leave_a_sandbox_untouched() {
        use crate::api::{Behaviour, StateArgs, StateCtx};
        use serde_json::{Map, Value, json};

        fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
            let mut out = Vec::new();
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let meta = entry.metadata().unwrap();
                out.push((entry.path(), meta.len()));
                if meta.is_dir() {
                    out.extend(snapshot(&entry.path()));
                }
            }
            out.sort();
            out
        }

        let sandbox = tempfile::tempdir().unwrap();
        std::fs::write(sandbox.path().join("existing"), "data").unwrap();
        let before = snapshot(sandbox.path());
        let exec = halite_exec::Ctx::bare();
        let low = Map::new();
        let running = Map::new();
        let ctx = StateCtx {
            exec: &exec,
            low: &low,
            running: &running,
            saltenv: "base".into(),
        };
        let target = sandbox.path().join("target");
        let mut kwargs = Map::new();
        kwargs.insert("text".into(), json!("hello"));
        kwargs.insert(
            "source".into(),
            json!(sandbox.path().join("existing").display().to_string()),
        );
        let args = StateArgs {
            name: Value::String(target.display().to_string()),
            kwargs,
        };
        let mut checked = 0;
        for module in STATE_MODULES {
            for function in module.functions {
                if let Behaviour::CheckApply { check, .. } = &function.behaviour {
                    // An error is an acceptable answer; a change is not.
                    let _ = check(&ctx, &args);
                    checked += 1;
                    assert_eq!(
                        snapshot(sandbox.path()),
                        before,
                        "{}.{} changed the sandbox",
                        module.name,
                        function.name
                    );
                }
            }
        }
        assert!(checked > 0);
    }
}

//! Runners: functions that run on the master itself (`halite run ...`),
//! listed in one registry like execution modules.

mod jobs;
mod manage;

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::state::Shared;

/// A runner's implementation: positional and keyword arguments in, data out.
pub(crate) type RunnerFn = fn(&Arc<Shared>, &[Value], &Map<String, Value>) -> Result<Value, String>;

/// One runner function.
pub(crate) struct Runner {
    /// `module.function`, as users type it.
    pub name: &'static str,
    pub doc: &'static str,
    pub call: RunnerFn,
}

/// Every runner, sorted by name.
pub(crate) static RUNNERS: &[Runner] = &[
    DOC_RUNNER,
    jobs::LIST_JOBS,
    jobs::LOOKUP_JID,
    manage::DOWN,
    manage::STATUS,
    manage::UP,
];

const DOC_RUNNER: Runner = Runner {
    name: "doc.runner",
    doc: "Return the documentation of every runner function, keyed by name.\n\nCLI Example:\n\n    halite run doc.runner",
    call: |_, _, _| {
        Ok(Value::Object(
            RUNNERS
                .iter()
                .map(|r| (r.name.to_owned(), Value::String(r.doc.to_owned())))
                .collect(),
        ))
    },
};

/// Runs a runner off the async threads (runners read the job cache).
pub(crate) async fn run(
    shared: &Arc<Shared>,
    fun: &str,
    arg: Vec<Value>,
    kwarg: Map<String, Value>,
) -> Result<Value, String> {
    let runner = RUNNERS
        .iter()
        .find(|r| r.name == fun)
        .ok_or_else(|| format!("'{fun}' is not available."))?;
    let shared = shared.clone();
    let call = runner.call;
    tokio::task::spawn_blocking(move || call(&shared, &arg, &kwarg))
        .await
        .map_err(|e| e.to_string())?
}

/// The `n`th positional argument or the keyword `name`.
pub(crate) fn arg<'a>(
    args: &'a [Value],
    kwargs: &'a Map<String, Value>,
    n: usize,
    name: &str,
) -> Option<&'a Value> {
    kwargs.get(name).or_else(|| args.get(n))
}

#[cfg(test)]
mod tests {
    use super::RUNNERS;

    #[test]
    fn registry_sorted_unique_documented() {
        for pair in RUNNERS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(RUNNERS.iter().all(|r| r.doc.contains("CLI Example:")));
    }
}

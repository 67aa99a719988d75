//! Salt's state system after rendering: SLS data → high data → low chunks
//! → a run with requisites → Salt's state return.
//!
//! Layout:
//! - [`source`]: the [`SlsSource`] seam (rendered SLS and top data) and
//!   [`DirSource`] for plain YAML trees.
//! - [`highstate`]: includes, extend/exclude declarations, short forms,
//!   automatic order (Salt's `BaseHighState`).
//! - [`compile`]: `reconcile_extend`, `verify_high`, `requisite_in`,
//!   `apply_exclude`, `compile_high_data`, `order_chunks`.
//! - [`runner`]: `call_chunks` / `call_chunk` / `check_requisite` / `call`
//!   / `call_listen`; [`checks`]: `unless`, `onlyif`, `creates`,
//!   `check_cmd`, `retry`.
//! - [`api`] + [`registry`] + `states/`: the state modules.
//! - [`top`]: top files; [`exec_module`]: the `state` execution module.
//!
//! High data and chunks are `serde_json` maps with key order kept, like
//! Salt's dicts: the algorithms are Salt 3007's (salt/state.py; 3007.16
//! still runs the pre-`utils/requisite.py` engine), step by step, so that
//! order, texts and shapes match `salt-call --out json`.
//!
//! # Checked against Salt
//!
//! `tests/gen_golden.py` runs `salt-call --local` (Salt 3007.16) on every
//! tree under `tests/corpus/` (`state.show_top`, `state.show_lowstate`,
//! `state.apply`, `state.apply test=True`, plus per-case commands such as
//! `state.sls`, `state.show_sls`, `state.show_highstate`, `state.single`,
//! `state.top`) and stores the JSON and retcode; `tests/corpus.rs`
//! compares everything but `start_time`, `duration`, pids and Python
//! tracebacks, key order included. The corpus covers requisites and their
//! `_in`/`_any`/`_all` forms, failure propagation, onchanges/onfail,
//! watch + `mod_watch`, prereq (with `cmd.run`), listen, use/use_in,
//! include (relative, cross-saltenv), extend, exclude (declared and as an
//! argument), names (with per-name arguments), order (numbers, floats,
//! `first`, `last`, negative, `state_auto_order: False`), failhard (state
//! and option), retry, check_cmd, unless/onlyif (commands and functions),
//! creates, stateful `cmd.run`, parallel, disabled_requisites,
//! onfail_stop, top files (grain/list/compound matches, several saltenvs,
//! Salt's `merge` strategy) and the compile errors (conflicting IDs,
//! missing include or requisite, recursive requisites, bad structure).
//! `tests/gen_random_cases.py` and `tests/gen_random_trees.py` add 48
//! random requisite graphs and 20 random multi-file trees (includes,
//! extend, exclude, names, `sls` requisites, guarded `cmd.run`); where
//! Salt itself crashes on one (a Python traceback), only "no panic" is
//! checked.
//!
//! Beyond Salt: requisite recursion is bounded (1000 levels, on a run
//! thread with a large stack) where Python dies with `RecursionError`,
//! and requisites naming a state are found through an index instead of a
//! scan of every chunk.
//!
//! Salt behaviour worth knowing, reproduced here:
//! - A list of `require_in` (and other `_in`) targets adds the requisite
//!   again to earlier targets of the same list, so lowstate shows it twice.
//! - "One or more requisite failed: ..." joins a Python set: Salt's order
//!   varies per run; ours is the requisites' declaration order.
//! - `prereq`: the watched state runs in test mode first; if it predicts
//!   no change, the state holding the `prereq` reports "No changes
//!   detected". If that state then fails, the watched state does not run:
//!   it reports its test-mode result (`result: None` and the test comment,
//!   even outside test mode) with the changes removed.
//! - `unless`/`onlyif`/`creates` results keep their comment and add
//!   `skip_watch`; the state's function is not called at all.
//! - `show_lowstate` returns compile errors with retcode 0; `state.apply`
//!   returns them with retcode 1; a failed state gives retcode 2 unless an
//!   `onfail_stop: False` handler succeeded.
//!
//! # Known differences
//!
//! - `parallel: True` states run in sequence (same results and return
//!   shape, including `__parallel__`); retry inside a parallel state uses
//!   the sequential retry wording.
//! - Exceptions in a state function carry the error text, not a Python
//!   traceback.
//! - Not implemented: `mod_aggregate`, `mod_init`, `mod_beacon`,
//!   `state_runs_disabled` (state.disable), pause/kill of a running state,
//!   state events, `sub_state_run`, slots (`__slot__:`), `reload_*`
//!   (accepted, nothing to reload), top file merging strategies other than
//!   `merge`, `env_order`, `state_top_saltenv`, master tops, `_xenv`
//!   includes beyond the rules in `highstate`.

pub mod api;
pub mod checks;
pub mod compile;
pub mod error;
pub mod exec_module;
pub mod fnmatch;
pub mod highstate;
pub mod registry;
pub mod runner;
pub mod source;
pub mod states;
pub mod top;

pub use api::{
    Applied, Behaviour, Failure, Plan, StateArgs, StateCtx, StateFunction, StateModule, StateReturn,
};
pub use compile::LowChunk;
pub use error::StateError;
pub use exec_module::{MODULE, set_source_factory};
pub use highstate::{HighData, HighStateBuilder, Matches};
pub use registry::{STATE_MODULES, find_state_function, find_state_module};
pub use runner::{RunSettings, Runner, gen_tag};
pub use source::{DirSource, RenderedSls, SlsSource};

use serde_json::{Map, Value};

use halite_exec::Ctx;

pub(crate) use halite_exec::api::lenient::truthy;

/// Python's `str()` of a value.
pub(crate) fn pystr(v: &Value) -> String {
    halite_exec::api::lenient::python_str(v)
}

/// Python's `repr()` of a value.
pub(crate) fn pyrepr(v: &Value) -> String {
    halite_exec::api::lenient::python_repr(v)
}

/// Python's type name of a value, for Salt's messages.
pub(crate) fn python_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

pub(crate) fn python_str_of_result(v: Option<&Value>) -> String {
    v.map_or_else(|| "None".to_owned(), pystr)
}

/// Renders `mods` in `saltenv` into high data (Salt's `state.show_sls`
/// before requisites): the data, or Salt's error list.
pub fn render_sls<'a>(
    source: &'a dyn SlsSource,
    saltenv: &str,
    mods: &[String],
) -> Result<(HighData, HighStateBuilder<'a>), Vec<String>> {
    let mut builder = HighStateBuilder::new(source);
    let (high, errors) = builder.render_highstate(&vec![(saltenv.to_owned(), mods.to_vec())]);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((high, builder))
}

/// Everything between high data and chunks (Salt's `compile_low_chunks`
/// after rendering): extend, verify, requisite_in, exclude, compile.
pub fn compile_low(
    high: &mut HighData,
    disabled_requisites: &[String],
) -> Result<Vec<LowChunk>, Vec<String>> {
    let mut errors = compile::reconcile_extend(high, false);
    errors.extend(compile::verify_high(high));
    if !errors.is_empty() {
        return Err(errors);
    }
    errors.extend(compile::requisite_in(high, disabled_requisites));
    compile::apply_exclude(high);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(compile::compile_high_data(high))
}

/// Salt's `compile_low_chunks`: like [`compile_low`] but every stage runs
/// and `errors` (from rendering) are reported with the compiler's.
pub fn compile_low_collecting(
    mut high: HighData,
    disabled_requisites: &[String],
    mut errors: Vec<String>,
) -> Result<Vec<LowChunk>, Vec<String>> {
    errors.extend(compile::reconcile_extend(&mut high, false));
    errors.extend(compile::verify_high(&high));
    errors.extend(compile::requisite_in(&mut high, disabled_requisites));
    compile::apply_exclude(&mut high);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(compile::compile_high_data(&high))
}

/// Salt's `call_high`: compiles and runs high data; the state return
/// (tag → result), or Salt's error list.
pub fn call_high(
    ctx: &Ctx,
    high: &mut HighData,
    settings: RunSettings,
    processed_sls: &std::collections::BTreeSet<String>,
) -> Result<Map<String, Value>, Vec<String>> {
    let disabled = settings.disabled_requisites.clone();
    let chunks = compile_low(high, &disabled)?;
    let mut runner = Runner::new(ctx, settings, chunks);
    runner.processed_sls = processed_sls.clone();
    Ok(runner.run())
}

/// Salt's `salt.utils.state.check_result`: whether a state return (or
/// any dict Salt sets a retcode from) counts as a success. Every value
/// must be a dict (`__extend__` a list) without `result: False`, nested
/// dicts without `result` are checked in turn, and an empty return fails.
/// With `highstate` (the compiled high data), a failure that an
/// `onfail_stop: False` handler took care of does not count.
pub fn check_result(running: &Map<String, Value>, highstate: Option<&HighData>) -> bool {
    check_result_inner(running, false, running, highstate)
}

fn check_result_inner(
    map: &Map<String, Value>,
    recurse: bool,
    running: &Map<String, Value>,
    highstate: Option<&HighData>,
) -> bool {
    if map.is_empty() {
        return false;
    }
    for (state_id, state_result) in map {
        let mut ok = true;
        let expected_list = state_id == "__extend__";
        let right_type = if expected_list {
            state_result.is_array()
        } else {
            state_result.is_object()
        };
        if !recurse && !right_type {
            ok = false;
        }
        if ok && let Value::Object(result_map) = state_result {
            match result_map.get("result") {
                Some(Value::Bool(false)) => ok = false,
                None => ok = check_result_inner(result_map, true, running, highstate),
                _ => {}
            }
        }
        if !ok {
            ok = check_onfail_requisites(state_id, state_result, running, highstate) == Some(true);
        }
        if !ok {
            return false;
        }
    }
    true
}

/// Salt's `split_low_tag` (state, id); `None` for a plain ID.
fn split_tag(tag: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = tag.split("_|-").collect();
    (parts.len() == 4).then(|| (parts[0].to_owned(), parts[1].to_owned()))
}

/// Salt's `check_onfail_requisites`: `Some(true)` when every
/// `onfail_stop: False` handler of the failed state succeeded.
fn check_onfail_requisites(
    state_id: &str,
    state_result: &Value,
    running: &Map<String, Value>,
    highstate: Option<&HighData>,
) -> Option<bool> {
    let highstate = highstate?;
    if state_id.is_empty() || !truthy(state_result) {
        return None;
    }
    let (state, id) = match split_tag(state_id) {
        Some((state, id)) => (Some(state), id),
        None => (None, state_id.to_owned()),
    };
    // Salt's search_onfail_requisites.
    let mut onfails: Vec<(String, String)> = Vec::new();
    for (fstate, fchunks) in highstate {
        if *fstate == id {
            continue;
        }
        let Value::Object(fchunks) = fchunks else {
            continue;
        };
        for (module, fchunk) in fchunks {
            if module.starts_with("__") {
                continue;
            }
            let Value::Array(fchunk) = fchunk else {
                continue;
            };
            let handled = fchunk
                .iter()
                .filter_map(Value::as_object)
                .find_map(|fdata| {
                    let stop = fdata
                        .get("onfail_stop")
                        .cloned()
                        .unwrap_or(Value::Bool(true));
                    (stop == Value::Bool(false)).then_some(())
                })
                .is_some();
            if !handled {
                continue;
            }
            for fdata in fchunk.iter().filter_map(Value::as_object) {
                let Some(Value::Array(reqs)) = fdata.get("onfail") else {
                    continue;
                };
                for freqs in reqs.iter().filter_map(Value::as_object) {
                    for (fmod, fid) in freqs {
                        let fid = pystr(fid);
                        if fid == id && state.as_ref().is_none_or(|s| s == fmod) {
                            onfails.push((fstate.clone(), module.clone()));
                        }
                    }
                }
            }
        }
    }
    if onfails.is_empty() {
        return None;
    }
    let mut nret = None;
    for (fstate, module) in onfails {
        for (rtag, rstate) in running {
            let (st_state, st_id) = match split_tag(rtag) {
                Some(split) => split,
                None => (
                    module.clone(),
                    rstate.get("__id__").map_or_else(|| rtag.clone(), pystr),
                ),
            };
            if module == st_state
                && fstate == st_id
                && let Some(Value::Bool(b)) = rstate.get("result")
            {
                nret = Some(*b);
                if !b {
                    break;
                }
            }
        }
        if nret.is_none() {
            nret = Some(false);
        }
    }
    nret
}

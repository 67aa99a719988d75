//! The `state` execution module (`state.apply`, `state.sls`,
//! `state.highstate`, `state.show_*`, `state.single`, `state.top`), defined
//! here because it drives this crate; the loader lists it with the other
//! exec modules.
//!
//! Where SLS files come from is set once per process with
//! [`set_source_factory`] (the renderer plugs in there); without it, plain
//! YAML files under the `file_roots` option are read.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use halite_exec::api::always;
use halite_exec::{Args, Ctx, ExecError, Function, Module};

use crate::highstate::{HighData, HighStateBuilder, Matches};
use crate::runner::{RunSettings, Runner, gen_tag};
use crate::source::{DirSource, SlsSource};
use crate::top::{TopMinion, get_top, matches_to_value, top_matches, top_matches_in, verify_tops};
use crate::{call_high, check_result, compile, pystr, truthy};

/// Builds the SLS source for a call: the renderer with the call's grains
/// and pillar. The second argument holds the call's keyword arguments
/// (`pillar=` overrides, `pillarenv`, `saltenv` ...).
pub type SourceFactory = fn(&Ctx, &Map<String, Value>) -> Box<dyn SlsSource>;

static SOURCE_FACTORY: OnceLock<SourceFactory> = OnceLock::new();

/// Sets where `state.*` functions get SLS data from; the first call wins.
pub fn set_source_factory(factory: SourceFactory) -> bool {
    SOURCE_FACTORY.set(factory).is_ok()
}

fn source(ctx: &Ctx, kwargs: &Map<String, Value>) -> Box<dyn SlsSource> {
    match SOURCE_FACTORY.get() {
        Some(factory) => factory(ctx, kwargs),
        None => Box::new(DirSource::from_file_roots(ctx.opt("file_roots"))),
    }
}

/// Salt's exit codes for state runs.
const EX_STATE_COMPILER_ERROR: i32 = 1;
const EX_STATE_FAILURE: i32 = 2;

pub static MODULE: Module = Module {
    name: "state",
    doc: "Run and inspect states: SLS files, the highstate from top.sls, single state functions.",
    available: always,
    functions: &[
        Function {
            name: "apply",
            params: &["mods", "**kwargs"],
            doc: "Apply the SLS files in `mods` (comma-separated or a list), or the highstate from top.sls when none are given. `test=True` predicts without changing anything; `saltenv`, `exclude` as for state.sls.\n\nCLI Example:\n\n    halite '*' state.apply\n    halite '*' state.apply nginx,users test=True",
            call: apply,
        },
        Function {
            name: "high",
            params: &["data", "test", "queue", "**kwargs"],
            doc: "Run high data given as an argument (a map of IDs to state declarations), without SLS files.\n\nCLI Example:\n\n    halite '*' state.high '{\"vim\": {\"pkg\": [\"installed\"]}}'",
            call: high,
        },
        Function {
            name: "highstate",
            params: &["test", "queue", "**kwargs"],
            doc: "Apply every SLS that top.sls assigns to this minion.\n\nCLI Example:\n\n    halite '*' state.highstate test=True",
            call: highstate,
        },
        Function {
            name: "id_exists",
            params: &["ids", "mods", "test", "queue", "**kwargs"],
            doc: "Return whether every ID in `ids` (comma-separated or a list) is defined in the SLS files `mods`.\n\nCLI Example:\n\n    halite '*' state.id_exists create_myfile,update_template nginx",
            call: id_exists,
        },
        Function {
            name: "low",
            params: &["data", "queue", "**kwargs"],
            doc: "Run one low chunk given as an argument (`state`, `fun`, `name` and the state's arguments), without requisites.\n\nCLI Example:\n\n    halite '*' state.low '{\"state\": \"test\", \"fun\": \"nop\", \"name\": \"x\"}'",
            call: low,
        },
        Function {
            name: "show_highstate",
            params: &["queue", "**kwargs"],
            doc: "Return the high data of the highstate, without running it.\n\nCLI Example:\n\n    halite '*' state.show_highstate",
            call: show_highstate,
        },
        Function {
            name: "show_low_sls",
            params: &["mods", "test", "queue", "**kwargs"],
            doc: "Return the low chunks of the SLS files in `mods` (before extend and requisites are applied), without running them.\n\nCLI Example:\n\n    halite '*' state.show_low_sls nginx",
            call: show_low_sls,
        },
        Function {
            name: "show_lowstate",
            params: &["queue", "**kwargs"],
            doc: "Return the low chunks of the highstate in run order, without running them.\n\nCLI Example:\n\n    halite '*' state.show_lowstate",
            call: show_lowstate,
        },
        Function {
            name: "show_sls",
            params: &["mods", "test", "queue", "**kwargs"],
            doc: "Return the high data of the SLS files in `mods`, without running them.\n\nCLI Example:\n\n    halite '*' state.show_sls nginx",
            call: show_sls,
        },
        Function {
            name: "show_top",
            params: &["queue", "**kwargs"],
            doc: "Return the SLS files top.sls assigns to this minion, per saltenv.\n\nCLI Example:\n\n    halite '*' state.show_top",
            call: show_top,
        },
        Function {
            name: "single",
            params: &["fun", "name", "test", "queue", "**kwargs"],
            doc: "Run one state function with the given arguments, without an SLS file.\n\nCLI Example:\n\n    halite '*' state.single cmd.run 'echo hi' cwd=/tmp",
            call: single,
        },
        Function {
            name: "sls",
            params: &[
                "mods",
                "test",
                "exclude",
                "queue",
                "sync_mods",
                "state_events",
                "**kwargs",
            ],
            doc: "Apply the SLS files in `mods`. `exclude` drops SLS or IDs (`exclude=bar` or `exclude=\"[{'id': 'x'}]\"`), `saltenv` picks the environment, `test=True` predicts.\n\nCLI Example:\n\n    halite '*' state.sls nginx,users saltenv=base",
            call: sls,
        },
        Function {
            name: "sls_exists",
            params: &["mods", "test", "queue", "**kwargs"],
            doc: "Return whether the SLS files in `mods` exist and compile.\n\nCLI Example:\n\n    halite '*' state.sls_exists nginx",
            call: sls_exists,
        },
        Function {
            name: "sls_id",
            params: &["id_", "mods", "test", "queue", "state_events", "**kwargs"],
            doc: "Run only the states with ID `id_` from the SLS files `mods`, with their requisites.\n\nCLI Example:\n\n    halite '*' state.sls_id my_state my_module test=True",
            call: sls_id,
        },
        Function {
            name: "test",
            params: &["*args", "**kwargs"],
            doc: "state.apply with test=True: predict what would change, change nothing.\n\nCLI Example:\n\n    halite '*' state.test nginx",
            call: test_fn,
        },
        Function {
            name: "top",
            params: &["topfn", "test", "queue", "**kwargs"],
            doc: "Apply the highstate from the given top file instead of top.sls (a file name in the saltenv's roots).\n\nCLI Example:\n\n    halite '*' state.top reverse_top.sls",
            call: top,
        },
    ],
};

/// The arguments every `state.*` function looks at, bound by name or by
/// position (`params` is the function's parameter list). Bound here rather
/// than through `Args::bind` so that unknown keywords (`pillar`,
/// `queue`, `concurrent` ...) are accepted as Salt's `**kwargs` are.
#[derive(Default)]
struct CommonArgs {
    /// All keyword arguments, for the source factory.
    kwargs: Map<String, Value>,
    mods: Option<Value>,
    test: Option<Value>,
    exclude: Option<Value>,
    saltenv: Option<String>,
}

/// A named argument, from the keywords or else from its position.
fn arg(args: &Args, params: &[&str], name: &str) -> Option<Value> {
    if let Some(v) = args.kwargs.get(name) {
        return Some(v.clone());
    }
    let pos = params.iter().position(|p| *p == name)?;
    args.positional.get(pos).cloned()
}

/// The arguments, with `saltenv` falling back to the `saltenv` option.
fn common(ctx: &Ctx, args: &Args, params: &[&str]) -> CommonArgs {
    CommonArgs {
        kwargs: args.kwargs.clone(),
        mods: arg(args, params, "mods"),
        test: arg(args, params, "test"),
        exclude: arg(args, params, "exclude"),
        saltenv: arg(args, params, "saltenv")
            .or_else(|| ctx.opt("saltenv").cloned())
            .filter(|v| !v.is_null())
            .map(|v| pystr(&v)),
    }
}

const SLS_PARAMS: &[&str] = &["mods", "test", "exclude", "queue"];
const HIGHSTATE_PARAMS: &[&str] = &["test", "queue"];
const SHOW_PARAMS: &[&str] = &["queue"];
const SHOW_SLS_PARAMS: &[&str] = &["mods", "test", "queue"];

/// Salt's `split_input`: a comma-separated string or a list.
fn split_input(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(pystr).collect(),
        Value::Null => Vec::new(),
        other => pystr(other)
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn settings(ctx: &Ctx, test: Option<&Value>) -> RunSettings {
    let test = match test {
        Some(v) if !v.is_null() => truthy(v),
        _ => ctx.opt("test").is_some_and(truthy),
    };
    let disabled_requisites = match ctx.opt("disabled_requisites") {
        Some(Value::Array(items)) => items.iter().map(pystr).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    RunSettings {
        test,
        failhard: ctx.opt("failhard").is_some_and(truthy),
        disabled_requisites,
    }
}

/// A high data builder with the minion's `state_auto_order` option.
fn builder_for<'a>(ctx: &Ctx, source: &'a dyn SlsSource) -> HighStateBuilder<'a> {
    let mut builder = HighStateBuilder::new(source);
    builder.auto_order = ctx.opt("state_auto_order").is_none_or(truthy);
    builder
}

fn errors_value(ctx: &Ctx, errors: Vec<String>) -> Value {
    ctx.set_retcode(EX_STATE_COMPILER_ERROR);
    Value::Array(errors.into_iter().map(Value::String).collect())
}

fn finish(ctx: &Ctx, ret: Map<String, Value>, high: Option<&HighData>) -> Value {
    ctx.set_retcode(if check_result(&ret, high) {
        0
    } else {
        EX_STATE_FAILURE
    });
    Value::Object(ret)
}

/// An `exclude` argument as Salt takes it (`split_input`): a list (the
/// CLI parses `exclude="[{'id': x}]"` as YAML) or a comma-separated string.
fn exclude_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => split_input(other).into_iter().map(Value::String).collect(),
    }
}

fn add_exclude(high: &mut Map<String, Value>, exclude: Option<&Value>) {
    let Some(exclude) = exclude.filter(|e| truthy(e)) else {
        return;
    };
    let slot = high
        .entry("__exclude__")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = slot {
        list.extend(exclude_list(exclude));
    }
}

fn saltenv_of(ctx: &Ctx, given: Option<String>) -> String {
    given
        .or_else(|| ctx.opt("saltenv").filter(|v| !v.is_null()).map(pystr))
        .unwrap_or_else(|| "base".to_owned())
}

fn run_matches(ctx: &Ctx, source: &dyn SlsSource, matches: &Matches, a: &CommonArgs) -> Value {
    let mut builder = builder_for(ctx, source);
    let (mut high, errors) = builder.render_highstate(matches);
    if !errors.is_empty() {
        return errors_value(ctx, errors);
    }
    add_exclude(&mut high, a.exclude.as_ref());
    match call_high(
        ctx,
        &mut high,
        settings(ctx, a.test.as_ref()),
        &builder.processed_sls,
    ) {
        Ok(ret) => finish(ctx, ret, Some(&high)),
        Err(errors) => errors_value(ctx, errors),
    }
}

fn sls(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, SLS_PARAMS);
    let mods = split_input(a.mods.as_ref().unwrap_or(&Value::Null));
    let saltenv = saltenv_of(ctx, a.saltenv.clone());
    let source = source(ctx, &a.kwargs);
    Ok(run_matches(
        ctx,
        source.as_ref(),
        &vec![(saltenv, mods)],
        &a,
    ))
}

fn apply(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    if arg(args, &["mods"], "mods").is_some_and(|m| truthy(&m)) {
        let mut args = args.clone();
        // `apply`'s only positional is `mods`; `sls` takes the same first.
        args.positional.truncate(1);
        return sls(ctx, &args);
    }
    let mut args = args.clone();
    args.positional.clear();
    highstate(ctx, &args)
}

/// The top file's matches for this minion, and Salt's `verify_tops`
/// errors (which callers report after rendering, as Salt does).
fn minion_matches_checked(
    ctx: &Ctx,
    source: &dyn SlsSource,
    only_env: Option<&str>,
) -> Result<(Matches, Vec<String>), Vec<String>> {
    let (top, errors) = get_top(source, only_env);
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = ctx.opt("id").map(pystr).unwrap_or_default();
    let minion = TopMinion {
        id: &id,
        grains: &ctx.grains,
        pillar: &ctx.pillar,
    };
    let nodegroups = ctx
        .opt("nodegroups")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let matches = top_matches_in(&top, &minion, &nodegroups, &source.saltenvs(), only_env);
    Ok((matches, verify_tops(&top)))
}

fn minion_matches(
    ctx: &Ctx,
    source: &dyn SlsSource,
    only_env: Option<&str>,
) -> Result<Matches, Vec<String>> {
    minion_matches_checked(ctx, source, only_env).map(|(matches, _)| matches)
}

fn no_states(ctx: &Ctx, comment: &str) -> Value {
    ctx.set_retcode(EX_STATE_FAILURE);
    let mut ret = Map::new();
    ret.insert("result".into(), Value::Bool(false));
    ret.insert("comment".into(), Value::String(comment.to_owned()));
    ret.insert("name".into(), Value::String("No States".into()));
    ret.insert("changes".into(), Value::Object(Map::new()));
    ret.insert("__run_num__".into(), Value::from(0));
    let mut out = Map::new();
    out.insert("no_|-states_|-states_|-None".into(), Value::Object(ret));
    Value::Object(out)
}

fn highstate(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, HIGHSTATE_PARAMS);
    let source = source(ctx, &a.kwargs);
    let (matches, top_errors) =
        match minion_matches_checked(ctx, source.as_ref(), a.saltenv.as_deref()) {
            Ok(m) => m,
            Err(errors) => return Ok(errors_value(ctx, errors)),
        };
    if matches.is_empty() {
        return Ok(no_states(
            ctx,
            "No Top file or master_tops data matches found. Please see master log for details.",
        ));
    }
    if !top_errors.is_empty() {
        // Salt renders anyway and reports the top file's errors first.
        let mut builder = builder_for(ctx, source.as_ref());
        let (_, errors) = builder.render_highstate(&matches);
        return Ok(errors_value(
            ctx,
            top_errors.into_iter().chain(errors).collect(),
        ));
    }
    Ok(run_matches(ctx, source.as_ref(), &matches, &a))
}

struct TopArgs {
    topfn: String,
    common: CommonArgs,
}

struct SingleArgs {
    name: Value,
    test: Option<Value>,
    rest: Map<String, Value>,
}

fn top(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const TOP_PARAMS: &[&str] = &["topfn", "test", "queue"];
    let Some(topfn) = arg(args, TOP_PARAMS, "topfn").map(|t| pystr(&t)) else {
        return Err(ExecError::InvalidArgs {
            fun: "state.top".into(),
            message: "missing required argument 'topfn'".into(),
        });
    };
    let a = TopArgs {
        topfn,
        common: common(ctx, args, TOP_PARAMS),
    };
    let source = source(ctx, &a.common.kwargs);
    // The named top file replaces top.sls: read it through the source as
    // an SLS of the same name (without `.sls`).
    let saltenv = saltenv_of(ctx, a.common.saltenv.clone());
    let name = a.topfn.trim_end_matches(".sls").replace('/', ".");
    let top_data = match source.render(&saltenv, &name) {
        Ok(Some(r)) => r.data,
        Ok(None) => {
            return Ok(no_states(
                ctx,
                "No Top file or master_tops data matches found. Please see master log for details.",
            ));
        }
        Err(err) => return Ok(errors_value(ctx, vec![err.to_string()])),
    };
    let Value::Object(top_map) = top_data else {
        return Ok(errors_value(
            ctx,
            vec![format!("Top file {} is not a dictionary", a.topfn)],
        ));
    };
    let id = ctx.opt("id").map(pystr).unwrap_or_default();
    let minion = TopMinion {
        id: &id,
        grains: &ctx.grains,
        pillar: &ctx.pillar,
    };
    let nodegroups = ctx
        .opt("nodegroups")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let matches = top_matches(&top_map, &minion, &nodegroups, &source.saltenvs());
    if matches.is_empty() {
        return Ok(no_states(
            ctx,
            "No Top file or master_tops data matches found. Please see master log for details.",
        ));
    }
    Ok(run_matches(ctx, source.as_ref(), &matches, &a.common))
}

fn show_top(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, SHOW_PARAMS);
    let source = source(ctx, &a.kwargs);
    match minion_matches_checked(ctx, source.as_ref(), a.saltenv.as_deref()) {
        Ok((_, top_errors)) if !top_errors.is_empty() => Ok(errors_value(ctx, top_errors)),
        Ok((m, _)) => Ok(matches_to_value(&m)),
        Err(errors) => Ok(errors_value(ctx, errors)),
    }
}

/// High data and the SLS files it came from.
type HighAndSls = (Map<String, Value>, BTreeSet<String>);

fn highstate_high(ctx: &Ctx, a: &CommonArgs) -> Result<HighAndSls, Vec<String>> {
    let source = source(ctx, &a.kwargs);
    let (matches, top_errors) = minion_matches_checked(ctx, source.as_ref(), a.saltenv.as_deref())?;
    let mut builder = builder_for(ctx, source.as_ref());
    let (high, errors) = builder.render_highstate(&matches);
    let errors: Vec<String> = top_errors.into_iter().chain(errors).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((high, builder.processed_sls))
}

fn show_highstate(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, SHOW_PARAMS);
    match highstate_high(ctx, &a) {
        Ok((high, _)) => {
            // Salt sets the retcode from check_result on the high data.
            if !check_result(&high, None) {
                ctx.set_retcode(EX_STATE_FAILURE);
            }
            Ok(Value::Object(high))
        }
        Err(errors) => Ok(errors_value(ctx, errors)),
    }
}

fn show_lowstate(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, SHOW_PARAMS);
    let disabled = settings(ctx, None).disabled_requisites;
    let source = source(ctx, &a.kwargs);
    // Salt's compile_low_chunks keeps going after render errors and
    // reports them together with the compiler's.
    let result = minion_matches(ctx, source.as_ref(), a.saltenv.as_deref()).and_then(|matches| {
        let mut builder = builder_for(ctx, source.as_ref());
        let (high, errors) = builder.render_highstate(&matches);
        crate::compile_low_collecting(high, &disabled, errors)
    });
    match result {
        Ok(chunks) => Ok(Value::Array(
            chunks.into_iter().map(Value::Object).collect(),
        )),
        // Salt's show_lowstate returns the errors with retcode 0.
        Err(errors) => Ok(Value::Array(
            errors.into_iter().map(Value::String).collect(),
        )),
    }
}

fn show_sls(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a = common(ctx, args, SHOW_SLS_PARAMS);
    let mods = split_input(a.mods.as_ref().unwrap_or(&Value::Null));
    let saltenv = saltenv_of(ctx, a.saltenv.clone());
    let source = source(ctx, &a.kwargs);
    let mut builder = builder_for(ctx, source.as_ref());
    let (high, mut errors) = builder.render_highstate(&vec![(saltenv, mods)]);
    errors.extend(compile::verify_high(&high));
    if !errors.is_empty() {
        return Ok(errors_value(ctx, errors));
    }
    Ok(Value::Object(high))
}

fn single(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const SINGLE_PARAMS: &[&str] = &["fun", "name", "test", "queue"];
    let missing = |what: &str| ExecError::InvalidArgs {
        fun: "state.single".into(),
        message: format!("missing required argument '{what}'"),
    };
    let fun_name = arg(args, SINGLE_PARAMS, "fun")
        .map(|f| pystr(&f))
        .ok_or_else(|| missing("fun"))?;
    let name = arg(args, SINGLE_PARAMS, "name").ok_or_else(|| missing("name"))?;
    let test = arg(args, SINGLE_PARAMS, "test");
    let rest: Map<String, Value> = args
        .kwargs
        .iter()
        .filter(|(k, _)| !SINGLE_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let a = SingleArgs { name, test, rest };
    let Some((state, fun)) = fun_name.split_once('.') else {
        ctx.set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(Value::String("Invalid function passed".into()));
    };
    let mut low: Map<String, Value> = a
        .rest
        .into_iter()
        .filter(|(k, _)| !k.starts_with("__pub_") && k != "queue")
        .collect();
    low.insert("state".into(), Value::String(state.to_owned()));
    low.insert("fun".into(), Value::String(fun.to_owned()));
    low.insert("__id__".into(), a.name.clone());
    low.insert("name".into(), a.name);
    let mut runner = Runner::new(ctx, settings(ctx, a.test.as_ref()), Vec::new());
    let errors = runner.verify_data(&mut low);
    if !errors.is_empty() {
        return Ok(errors_value(ctx, errors));
    }
    let tag = gen_tag(&low);
    let ret = runner.call(&mut low);
    let mut out = Map::new();
    out.insert(tag, ret);
    Ok(finish(ctx, out, None))
}

/// Renders `mods` and runs Salt's `verify_high` on the result (the first
/// steps of `show_sls`, `show_low_sls` and `sls_id`).
fn render_verified(
    ctx: &Ctx,
    args: &Args,
    params: &[&str],
) -> Result<(HighData, BTreeSet<String>), Vec<String>> {
    let a = common(ctx, args, params);
    let mods = split_input(a.mods.as_ref().unwrap_or(&Value::Null));
    let saltenv = saltenv_of(ctx, a.saltenv.clone());
    let source = source(ctx, &a.kwargs);
    let mut builder = builder_for(ctx, source.as_ref());
    let (high, mut errors) = builder.render_highstate(&vec![(saltenv, mods)]);
    errors.extend(compile::verify_high(&high));
    if errors.is_empty() {
        Ok((high, builder.processed_sls))
    } else {
        Err(errors)
    }
}

fn show_low_sls(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    match render_verified(ctx, args, SHOW_SLS_PARAMS) {
        Ok((high, _)) => Ok(Value::Array(
            compile::compile_high_data(&high)
                .into_iter()
                .map(Value::Object)
                .collect(),
        )),
        Err(errors) => Ok(errors_value(ctx, errors)),
    }
}

fn sls_exists(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    // Salt calls show_sls and checks for a dict; its retcode stays set.
    Ok(Value::Bool(show_sls(ctx, args)?.is_object()))
}

fn id_exists(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const PARAMS: &[&str] = &["ids", "mods", "test", "queue"];
    let ids = split_input(&arg(args, PARAMS, "ids").unwrap_or(Value::Null));
    let mut inner = args.clone();
    inner.positional = inner.positional.into_iter().skip(1).collect();
    let chunks = show_low_sls(ctx, &inner)?;
    let defined: BTreeSet<String> = match &chunks {
        Value::Array(items) => items
            .iter()
            .filter_map(|c| c.get("__id__"))
            .map(pystr)
            .collect(),
        _ => BTreeSet::new(),
    };
    Ok(Value::Bool(ids.iter().all(|id| defined.contains(id))))
}

fn sls_id(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const PARAMS: &[&str] = &["id_", "mods", "test", "queue"];
    let id = arg(args, PARAMS, "id_")
        .map(|v| pystr(&v))
        .unwrap_or_default();
    let a = common(ctx, args, PARAMS);
    let (mut high, processed_sls) = match render_verified(ctx, args, PARAMS) {
        Ok(rendered) => rendered,
        Err(errors) => return Ok(errors_value(ctx, errors)),
    };
    let settings = settings(ctx, a.test.as_ref());
    // Salt applies requisite_in but not extend or exclude here.
    let errors = compile::requisite_in(&mut high, &settings.disabled_requisites);
    if !errors.is_empty() {
        return Ok(errors_value(ctx, errors));
    }
    let chunks = compile::compile_high_data(&high);
    let mut runner = Runner::new(ctx, settings, chunks);
    runner.processed_sls = processed_sls;
    let ret = runner.run_id(&id);
    if ret.is_empty() {
        let mods = a.mods.as_ref().map(pystr).unwrap_or_default();
        let saltenv = saltenv_of(ctx, a.saltenv.clone());
        return Err(ExecError::Invocation(format!(
            "No matches for ID '{id}' found in SLS '{mods}' within saltenv '{saltenv}'"
        )));
    }
    Ok(finish(ctx, ret, Some(&high)))
}

fn test_fn(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let mut args = args.clone();
    args.kwargs.insert("test".into(), Value::Bool(true));
    apply(ctx, &args)
}

fn data_arg(args: &Args, params: &[&str], fun: &str) -> Result<Map<String, Value>, ExecError> {
    match arg(args, params, "data") {
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(ExecError::Invocation(format!(
            "{fun}: data must be a dictionary"
        ))),
        None => Err(ExecError::InvalidArgs {
            fun: fun.into(),
            message: "missing required argument 'data'".into(),
        }),
    }
}

fn high(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const PARAMS: &[&str] = &["data", "test", "queue"];
    let mut data = data_arg(args, PARAMS, "state.high")?;
    let a = common(ctx, args, PARAMS);
    // Salt's state.high hands the data to call_high as given: no short
    // forms are expanded and no `__sls__` is added.
    match call_high(
        ctx,
        &mut data,
        settings(ctx, a.test.as_ref()),
        &BTreeSet::new(),
    ) {
        Ok(ret) => {
            let original = data_arg(args, PARAMS, "state.high")?;
            Ok(finish(ctx, ret, Some(&original)))
        }
        Err(errors) => Ok(errors_value(ctx, errors)),
    }
}

fn low(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    const PARAMS: &[&str] = &["data", "queue"];
    let mut chunk = data_arg(args, PARAMS, "state.low")?;
    let mut runner = Runner::new(ctx, settings(ctx, None), Vec::new());
    let errors = runner.verify_data(&mut chunk);
    if !errors.is_empty() {
        return Ok(errors_value(ctx, errors));
    }
    let ret = runner.call(&mut chunk);
    // Salt sets EX_STATE_FAILURE when check_result *passes* on the single
    // return, which never happens (its values are not dicts): the retcode
    // stays 0 whatever the result.
    if let Value::Object(map) = &ret
        && check_result(map, None)
    {
        ctx.set_retcode(EX_STATE_FAILURE);
    }
    Ok(ret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn ctx_for(root: &std::path::Path) -> Ctx {
        let opts = json!({"id": "m1", "file_roots": {"base": [root.display().to_string()]}});
        Ctx::new(Arc::new(opts), Arc::new(json!({})), root.to_path_buf())
    }

    fn call(
        ctx: &Ctx,
        name: &str,
        positional: Vec<Value>,
        kwargs: Value,
    ) -> Result<Value, ExecError> {
        let function = MODULE
            .functions
            .iter()
            .find(|f| f.name == name)
            .expect("function exists");
        let kwargs = kwargs.as_object().cloned().unwrap_or_default();
        (function.call)(ctx, &Args::new(positional, kwargs))
    }

    #[test]
    fn functions_are_sorted_and_documented() {
        for pair in MODULE.functions.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(
            MODULE
                .functions
                .iter()
                .all(|f| f.doc.contains("CLI Example:"))
        );
    }

    #[test]
    fn sls_id_without_match_is_salts_invocation_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.sls"), "x:\n  test.nop: []\n").unwrap();
        let ctx = ctx_for(dir.path());
        let err = call(&ctx, "sls_id", vec![json!("nope"), json!("a")], json!({})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "No matches for ID 'nope' found in SLS 'a' within saltenv 'base'"
        );
        let ok = call(&ctx, "sls_id", vec![json!("x"), json!("a")], json!({})).unwrap();
        assert_eq!(ok["test_|-x_|-x_|-nop"]["result"], json!(true));
    }

    #[test]
    fn apply_runs_mods_and_sets_retcodes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("good.sls"),
            "x:\n  test.succeed_with_changes: []\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad.sls"),
            "y:\n  test.fail_without_changes: []\n",
        )
        .unwrap();
        let ctx = ctx_for(dir.path());
        let ret = call(&ctx, "apply", vec![json!("good")], json!({"test": true})).unwrap();
        assert_eq!(
            ret["test_|-x_|-x_|-succeed_with_changes"]["result"],
            Value::Null
        );
        assert_eq!(ctx.retcode(), 0);
        let ctx = ctx_for(dir.path());
        call(&ctx, "sls", vec![json!("good,bad")], json!({})).unwrap();
        assert_eq!(ctx.retcode(), EX_STATE_FAILURE);
        let ctx = ctx_for(dir.path());
        let ret = call(&ctx, "sls", vec![json!("missing")], json!({})).unwrap();
        assert_eq!(
            ret,
            json!(["No matching sls found for 'missing' in env 'base'"])
        );
        assert_eq!(ctx.retcode(), EX_STATE_COMPILER_ERROR);
        // Without a top file nothing matches: Salt's "No States" return.
        let ctx = ctx_for(dir.path());
        let ret = call(&ctx, "apply", vec![], json!({})).unwrap();
        assert_eq!(ret["no_|-states_|-states_|-None"]["result"], json!(false));
    }
}

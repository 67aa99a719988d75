//! Execution modules: Salt's `__salt__` functions (`test.ping`, `cmd.run`,
//! `file.read` ...), the API every module implements, and the one registry
//! that lists them.
//!
//! Layout:
//! - [`api`]: `Module`, `Function`, `Ctx`, `Args`, `ExecError`: the contract.
//! - [`registry`]: the sorted list of modules; adding a module is one file in
//!   `modules/` and one line there.
//! - [`run_job`]: calls a function by its Salt name and turns the outcome into
//!   Salt's return triple (`return`, `retcode`, `success`).
//!
//! Architecture invariant: modules do not know which role runs them (minion
//! job, `call --local`, a state, the Jinja `salt` object) nor that a network
//! exists. Everything role-specific reaches them through [`Ctx`].

pub mod api;
pub mod modules;
pub mod registry;

pub use api::{Args, Availability, Ctx, ExecError, Files, Function, Module, Runtime};
pub use registry::{MODULES, all_modules, find_function, find_module, register_external};

use serde_json::Value;

/// What a job produced, in Salt's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ret: Value,
    pub retcode: i32,
    pub success: bool,
}

/// Calls `fun` (`module.function`) with `args`; errors come back as `Err`.
/// For use by code that wants the typed error (states, Jinja).
pub fn call(ctx: &Ctx, fun: &str, args: Args) -> Result<Value, ExecError> {
    let (module, function) =
        find_function(fun).ok_or_else(|| ExecError::NotAvailable(fun.to_owned()))?;
    if let Availability::Unavailable(why) = (module.available)() {
        return Err(ExecError::ModuleUnavailable {
            fun: fun.to_owned(),
            reason: why,
        });
    }
    let args = args.for_function(fun, function.params);
    (function.call)(ctx, &args)
}

/// The outputter a function's return asks for (Salt's `__outputter__`):
/// state runs print with `highstate`; everything else with the default.
pub fn outputter_for(fun: &str) -> Option<&'static str> {
    const HIGHSTATE: &[&str] = &[
        "state.apply",
        "state.highstate",
        "state.single",
        "state.sls",
        "state.sls_id",
        "state.template",
        "state.template_str",
        "state.top",
    ];
    HIGHSTATE.contains(&fun).then_some("highstate")
}

/// Runs `fun` as a job and maps the result the way a Salt minion does: an
/// error becomes a string return with retcode 1 (254 for a missing
/// function), and a function may set a non-zero retcode itself (`cmd.run`
/// of a failing command) through [`Ctx::set_retcode`].
pub fn run_job(ctx: &Ctx, fun: &str, args: Args) -> Outcome {
    match call(ctx, fun, args) {
        Ok(ret) => {
            let retcode = effective_retcode(&ret, ctx.retcode());
            Outcome {
                ret,
                retcode,
                success: retcode == 0,
            }
        }
        Err(err) => Outcome {
            ret: Value::String(err.salt_return(fun)),
            retcode: err.retcode(),
            success: false,
        },
    }
}

/// Salt's minion rule: with no retcode set, a dict return whose `result` or
/// `success` is falsy (Python truth) still fails the job with retcode 1.
fn effective_retcode(ret: &Value, retcode: i32) -> i32 {
    let falsy_flag = ret.as_object().is_some_and(|m| {
        ["result", "success"]
            .iter()
            .any(|k| m.get(*k).is_some_and(|v| !py_truthy(v)))
    });
    if retcode == 0 && falsy_flag {
        1
    } else {
        retcode
    }
}

/// Python's truth value of a JSON-like value.
fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::effective_retcode;

    #[test]
    fn a_dict_with_a_falsy_result_or_success_fails_the_job() {
        assert_eq!(effective_retcode(&json!({"result": false}), 0), 1);
        assert_eq!(
            effective_retcode(&json!({"result": null, "comment": "x"}), 0),
            1
        );
        assert_eq!(effective_retcode(&json!({"success": ""}), 0), 1);
        assert_eq!(effective_retcode(&json!({"result": true}), 0), 0);
        assert_eq!(effective_retcode(&json!({"other": false}), 0), 0);
        assert_eq!(effective_retcode(&json!([false]), 0), 0);
        // A retcode the function set wins.
        assert_eq!(effective_retcode(&json!({"result": false}), 2), 2);
    }
}

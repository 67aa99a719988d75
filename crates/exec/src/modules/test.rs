//! `test`: functions for checking that minions answer and that arguments
//! arrive as sent.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "test",
    doc: "Functions to check that minions respond and that arguments arrive as sent.",
    available: always,
    functions: &[
        Function {
            name: "arg",
            params: &["*args", "**kwargs"],
            doc: "Return the positional and keyword arguments the function was called with.\n\nCLI Example:\n\n    halite '*' test.arg 1 \"two\" 3.1 txt=hello wow='{a: 1, b: [2]}'",
            call: arg,
        },
        Function {
            name: "echo",
            params: &["text"],
            doc: "Return the string passed to it.\n\nCLI Example:\n\n    halite '*' test.echo 'foo bar baz'",
            call: echo,
        },
        Function {
            name: "false",
            params: &[],
            doc: "Always return False.\n\nCLI Example:\n\n    halite '*' test.false",
            call: |_, args| {
                args.bind::<NoArgs>()?;
                Ok(Value::Bool(false))
            },
        },
        Function {
            name: "ping",
            params: &[],
            doc: "Return True: the minion is up and answering jobs. This does not ping the network.\n\nCLI Example:\n\n    halite '*' test.ping",
            call: |_, args| {
                args.bind::<NoArgs>()?;
                Ok(Value::Bool(true))
            },
        },
        Function {
            name: "sleep",
            params: &["length"],
            doc: "Sleep for `length` seconds, then return True. A killed job stops sleeping at once.\n\nCLI Example:\n\n    halite '*' test.sleep 20",
            call: sleep,
        },
        Function {
            name: "true",
            params: &[],
            doc: "Always return True.\n\nCLI Example:\n\n    halite '*' test.true",
            call: |_, args| {
                args.bind::<NoArgs>()?;
                Ok(Value::Bool(true))
            },
        },
        Function {
            name: "version",
            params: &[],
            doc: "Return the version of halite running on the minion.\n\nCLI Example:\n\n    halite '*' test.version",
            call: |_, args| {
                args.bind::<NoArgs>()?;
                Ok(Value::String(env!("CARGO_PKG_VERSION").to_owned()))
            },
        },
    ],
};

#[derive(Deserialize)]
struct NoArgs {}

fn arg(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    // Salt includes the `__pub_*` keys in what test.arg echoes back.
    Ok(json!({ "args": args.positional, "kwargs": args.kwargs }))
}

fn echo(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct EchoArgs {
        text: Value,
    }
    let a: EchoArgs = args.bind()?;
    Ok(Value::String(crate::api::display_value(&a.text)))
}

fn sleep(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SleepArgs {
        length: Value,
    }
    let a: SleepArgs = args.bind()?;
    let secs = match &a.length {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| {
            ExecError::Invocation(format!("length must be a number of seconds, not {s:?}"))
        })?,
        other => {
            return Err(ExecError::Invocation(format!(
                "length must be a number of seconds, not {other}"
            )));
        }
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(ExecError::Invocation(
            "length must be a non-negative number of seconds".into(),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < deadline {
        if ctx.is_cancelled() {
            return Err(ExecError::Killed);
        }
        std::thread::sleep(
            deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50)),
        );
    }
    Ok(Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use crate::{Args, Ctx, Outcome, run_job};
    use serde_json::{Value, json};

    fn run(fun: &str, positional: Vec<Value>, kwargs: Value) -> Outcome {
        let kwargs: Map<String, Value> = serde_json::from_value(kwargs).unwrap();
        run_job(&Ctx::bare(), fun, Args::new(positional, kwargs))
    }

    #[test]
    fn ping_echo_arg() {
        assert_eq!(run("test.ping", vec![], json!({})).ret, json!(true));
        assert_eq!(
            run("test.echo", vec![json!("hi there")], json!({})).ret,
            json!("hi there")
        );
        assert_eq!(run("test.echo", vec![json!(3)], json!({})).ret, json!("3"));
        let out = run(
            "test.arg",
            vec![json!(1), json!("two")],
            json!({"txt": "hello"}),
        );
        assert_eq!(
            out.ret,
            json!({"args": [1, "two"], "kwargs": {"txt": "hello"}})
        );
    }

    #[test]
    fn bad_arguments_are_salt_errors_not_panics() {
        let out = run("test.ping", vec![json!(1)], json!({}));
        assert!(!out.success);
        assert_eq!(out.retcode, 1);
        assert_eq!(
            out.ret,
            json!(
                "Passed invalid arguments to test.ping: ping() takes 0 positional arguments but 1 were given"
            )
        );
        let out = run("test.echo", vec![], json!({}));
        assert_eq!(
            out.ret,
            json!("Passed invalid arguments to test.echo: missing required argument 'text'")
        );
        let out = run("test.ping", vec![], json!({"bogus": 1}));
        assert_eq!(
            out.ret,
            json!(
                "ERROR executing 'test.ping': The following keyword arguments are not valid: bogus=1"
            )
        );
        let out = run("test.nope", vec![], json!({}));
        assert_eq!(
            (out.ret, out.retcode),
            (json!("'test.nope' is not available."), 254)
        );
        let out = run("test.sleep", vec![json!("soon")], json!({}));
        assert!(!out.success);
    }

    #[test]
    fn pub_keys_are_ignored() {
        assert_eq!(
            run("test.ping", vec![], json!({"__pub_jid": "1"})).ret,
            json!(true)
        );
    }

    #[test]
    fn sleep_stops_when_killed() {
        let ctx = Ctx::bare();
        ctx.cancel_flag()
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let out = run_job(&ctx, "test.sleep", Args::new(vec![json!(30)], Map::new()));
        assert_eq!(out.ret, json!("job was killed"));
    }
}

//! `saltutil`: the minion's view of its own jobs (running, find, kill,
//! signal) and grain refresh. Everything goes through [`Ctx::runtime`];
//! under `call --local` there is no runtime, so no jobs run besides this
//! one and a grain refresh has nobody to tell.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::lenient::{self, python_str};
use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "saltutil",
    doc: "Manage the minion's jobs (list, find, kill, signal) and refresh its grains.",
    available: always,
    functions: &[
        Function {
            name: "find_job",
            params: &["jid"],
            doc: "\
Return the data of the job `jid` if it is still running on the minion, or
an empty dict once it has finished.

CLI Example:

    halite '*' saltutil.find_job 20240503150049487736
",
            call: find_job,
        },
        Function {
            name: "is_running",
            params: &["fun"],
            doc: "\
Return the running jobs whose function matches `fun` (a glob).

CLI Example:

    halite '*' saltutil.is_running state.highstate
    halite '*' saltutil.is_running 'cmd.*'
",
            call: is_running,
        },
        Function {
            name: "kill_job",
            params: &["jid"],
            doc: "\
Kill the job `jid` (SIGKILL), including every command it started. Returns
a message, or an empty string when no such job runs.

CLI Example:

    halite '*' saltutil.kill_job 20240503150049487736
",
            call: kill_job,
        },
        Function {
            name: "refresh_grains",
            params: &["**kwargs"],
            doc: "\
Collect the minion's grains again and send them to the master. Returns
True. Accepts refresh_pillar and clean_pillar_cache for compatibility.

CLI Example:

    halite '*' saltutil.refresh_grains
",
            call: refresh_grains,
        },
        Function {
            name: "refresh_pillar",
            params: &["**kwargs"],
            doc: "\
Refresh this minion's pillar from the master. Returns True. Jobs that read
pillar (state.*, pillar.*) already fetch it fresh; this call fetches it now
and keeps it for the other jobs.

CLI Example:

    halite '*' saltutil.refresh_pillar
",
            // The minion fetches pillar before running this job (see
            // `needs_fresh_pillar` in the minion); nothing is left to do.
            call: |_, _| Ok(Value::Bool(true)),
        },
        Function {
            name: "running",
            params: &[],
            doc: "\
Return the data of every job running on the minion: `jid`, `fun`, `pid`,
`arg`, `tgt`, `tgt_type`, `user` ...

CLI Example:

    halite '*' saltutil.running
",
            call: running,
        },
        Function {
            name: "signal_job",
            params: &["jid", "sig"],
            doc: "\
Send the signal number `sig` to the job `jid`.

CLI Example:

    halite '*' saltutil.signal_job 20240503150049487736 15
",
            call: signal_job,
        },
        Function {
            name: "term_job",
            params: &["jid"],
            doc: "\
Send SIGTERM (15) to the job `jid`.

CLI Example:

    halite '*' saltutil.term_job 20240503150049487736
",
            call: term_job,
        },
    ],
};

#[derive(Deserialize)]
struct JidArgs {
    /// A jid typed on the CLI is all digits, so YAML may make it an int.
    #[serde(deserialize_with = "lenient::string")]
    jid: String,
}

#[derive(Deserialize)]
struct NoArgs {}

/// Jobs running on this minion, without the job asking (as Salt skips
/// the calling process's own proc file).
fn running_jobs(ctx: &Ctx) -> Vec<Value> {
    let mut jobs = ctx
        .runtime
        .as_ref()
        .map(|r| r.running())
        .unwrap_or_default();
    if let Some(own) = &ctx.jid {
        jobs.retain(|job| job.get("jid").and_then(Value::as_str) != Some(own.as_str()));
    }
    jobs
}

fn running(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    args.bind::<NoArgs>()?;
    Ok(Value::Array(running_jobs(ctx)))
}

fn find_job(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let JidArgs { jid } = args.bind()?;
    let found = running_jobs(ctx)
        .into_iter()
        .find(|job| job.get("jid").map(python_str).as_deref() == Some(jid.as_str()));
    Ok(found.unwrap_or_else(|| Value::Object(Map::new())))
}

fn is_running(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct FunArgs {
        #[serde(deserialize_with = "lenient::string")]
        fun: String,
    }
    let FunArgs { fun } = args.bind()?;
    let matching: Vec<Value> = running_jobs(ctx)
        .into_iter()
        .filter(|job| {
            super::sys::fnmatch(job.get("fun").and_then(Value::as_str).unwrap_or(""), &fun)
        })
        .collect();
    Ok(Value::Array(matching))
}

fn kill_job(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let JidArgs { jid } = args.bind()?;
    match &ctx.runtime {
        Some(runtime) => runtime.kill_job(&jid),
        // Salt answers "" when no running job has that jid.
        None => Ok(json!("")),
    }
}

fn signal_job(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct SignalArgs {
        #[serde(deserialize_with = "lenient::string")]
        jid: String,
        sig: Value,
    }
    let SignalArgs { jid, sig } = args.bind()?;
    let signal = match &sig {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .and_then(|n| i32::try_from(n).ok())
    .filter(|n| (1..=64).contains(n))
    .ok_or_else(|| {
        ExecError::Invocation(format!(
            "sig must be a signal number, not {}",
            python_str(&sig)
        ))
    })?;
    send_signal(ctx, &jid, signal)
}

fn term_job(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let JidArgs { jid } = args.bind()?;
    send_signal(ctx, &jid, libc::SIGTERM)
}

fn send_signal(ctx: &Ctx, jid: &str, signal: i32) -> Result<Value, ExecError> {
    match &ctx.runtime {
        Some(runtime) => runtime.signal_job(jid, signal),
        None => Ok(json!("")),
    }
}

fn refresh_grains(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let invalid: Vec<String> = args
        .extra_kwargs()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "refresh_pillar" | "clean_pillar_cache"))
        .map(|(k, v)| format!("{k}={}", python_str(v)))
        .collect();
    if !invalid.is_empty() {
        return Err(ExecError::Invocation(format!(
            "The following keyword arguments are not valid: {}",
            invalid.join(", ")
        )));
    }
    if !args.varargs().is_empty() {
        return Err(ExecError::InvalidArgs {
            fun: args.fun().to_owned(),
            message: format!(
                "refresh_grains() takes 0 positional arguments but {} were given",
                args.varargs().len()
            ),
        });
    }
    if let Some(runtime) = &ctx.runtime {
        runtime.refresh_grains()?;
    }
    Ok(Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use serde_json::{Map, Value, json};

    use crate::{Args, Ctx, ExecError, Outcome, Runtime, run_job};

    /// A minion's job table in miniature: jobs are registered with their
    /// cancel flag, and killing one sets the flag, as the minion does.
    #[derive(Default)]
    struct JobTable {
        jobs: Mutex<Vec<(Value, Arc<AtomicBool>)>>,
        grain_refreshes: AtomicUsize,
    }

    impl JobTable {
        fn add(&self, jid: &str, fun: &str, cancel: Arc<AtomicBool>) {
            let entry = json!({
                "arg": [30], "fun": fun, "jid": jid, "pid": std::process::id(), "ret": "",
                "tgt": "minion1", "tgt_type": "glob", "user": "root",
            });
            self.jobs.lock().unwrap().push((entry, cancel));
        }
    }

    impl Runtime for JobTable {
        fn running(&self) -> Vec<Value> {
            self.jobs
                .lock()
                .unwrap()
                .iter()
                .map(|(entry, _)| entry.clone())
                .collect()
        }

        fn kill_job(&self, jid: &str) -> Result<Value, ExecError> {
            let jobs = self.jobs.lock().unwrap();
            match jobs.iter().find(|(entry, _)| entry["jid"] == jid) {
                Some((entry, cancel)) => {
                    cancel.store(true, Ordering::Relaxed);
                    Ok(json!(format!(
                        "Signal 9 sent to job {jid} at pid {}",
                        entry["pid"]
                    )))
                }
                None => Ok(json!("")),
            }
        }

        fn refresh_grains(&self) -> Result<(), ExecError> {
            self.grain_refreshes.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    }

    fn ctx_with(table: &Arc<JobTable>) -> Ctx {
        let mut ctx = Ctx::bare();
        ctx.runtime = Some(table.clone());
        ctx
    }

    fn call(ctx: &Ctx, fun: &str, positional: Vec<Value>, kwargs: Value) -> Outcome {
        run_job(
            ctx,
            fun,
            Args::new(
                positional,
                serde_json::from_value::<Map<String, Value>>(kwargs).unwrap(),
            ),
        )
    }

    #[test]
    fn without_a_runtime_nothing_runs() {
        let ctx = Ctx::bare();
        assert_eq!(
            call(&ctx, "saltutil.running", vec![], json!({})).ret,
            json!([])
        );
        assert_eq!(
            call(
                &ctx,
                "saltutil.find_job",
                vec![json!("20240101000000000000")],
                json!({})
            )
            .ret,
            json!({})
        );
        assert_eq!(
            call(
                &ctx,
                "saltutil.kill_job",
                vec![json!("20240101000000000000")],
                json!({})
            )
            .ret,
            json!("")
        );
        assert_eq!(
            call(&ctx, "saltutil.refresh_grains", vec![], json!({})).ret,
            json!(true)
        );
    }

    #[test]
    fn running_find_and_is_running() {
        let table = Arc::new(JobTable::default());
        table.add(
            "20240101000000000001",
            "test.sleep",
            Arc::new(AtomicBool::new(false)),
        );
        table.add(
            "2024010100000002",
            "cmd.run",
            Arc::new(AtomicBool::new(false)),
        );
        let ctx = ctx_with(&table);
        let running = call(&ctx, "saltutil.running", vec![], json!({})).ret;
        assert_eq!(running.as_array().unwrap().len(), 2);
        assert_eq!(running[0]["tgt_type"], json!("glob"));
        // A jid typed on the CLI arrives as an int after YAML parsing.
        let found = call(
            &ctx,
            "saltutil.find_job",
            vec![json!(2024010100000002u64)],
            json!({}),
        )
        .ret;
        assert_eq!(
            (found["fun"].clone(), found["jid"].clone()),
            (json!("cmd.run"), json!("2024010100000002"))
        );
        assert_eq!(
            call(&ctx, "saltutil.find_job", vec![json!("1")], json!({})).ret,
            json!({})
        );
        let matching = call(
            &ctx,
            "saltutil.is_running",
            vec![json!("test.*")],
            json!({}),
        )
        .ret;
        assert_eq!(matching.as_array().unwrap().len(), 1);
        assert_eq!(matching[0]["fun"], json!("test.sleep"));
    }

    #[test]
    fn kill_job_stops_a_running_command() {
        let table = Arc::new(JobTable::default());
        let job_ctx = Arc::new(ctx_with(&table));
        table.add("20240101000000000003", "cmd.run", job_ctx.cancel_flag());
        let job = {
            let job_ctx = job_ctx.clone();
            std::thread::spawn(move || {
                run_job(
                    &job_ctx,
                    "cmd.run",
                    Args::new(vec![json!("sleep 30")], Map::new()),
                )
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        let killer = ctx_with(&table);
        let reply = call(
            &killer,
            "saltutil.kill_job",
            vec![json!("20240101000000000003")],
            json!({}),
        );
        assert!(
            reply
                .ret
                .as_str()
                .unwrap()
                .starts_with("Signal 9 sent to job 20240101000000000003 at pid "),
            "{}",
            reply.ret
        );
        let outcome = job.join().unwrap();
        assert_eq!(
            (outcome.ret, outcome.success),
            (json!("job was killed"), false)
        );
        assert_eq!(
            call(&killer, "saltutil.kill_job", vec![json!("999")], json!({})).ret,
            json!("")
        );
    }

    #[test]
    fn signal_job_uses_the_runtime() {
        let table = Arc::new(JobTable::default());
        let flag = Arc::new(AtomicBool::new(false));
        table.add("20240101000000000004", "test.sleep", flag.clone());
        let ctx = ctx_with(&table);
        // The default signal_job only knows SIGKILL.
        let out = call(
            &ctx,
            "saltutil.signal_job",
            vec![json!("20240101000000000004"), json!(15)],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR: this minion cannot send signal 15 to a job")
        );
        assert!(!flag.load(Ordering::Relaxed));
        let out = call(
            &ctx,
            "saltutil.signal_job",
            vec![json!("20240101000000000004"), json!("9")],
            json!({}),
        );
        assert!(out.success && flag.load(Ordering::Relaxed), "{}", out.ret);
        let out = call(
            &ctx,
            "saltutil.signal_job",
            vec![json!("20240101000000000004"), json!("TERM")],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR executing 'saltutil.signal_job': sig must be a signal number, not TERM")
        );
    }

    #[test]
    fn refresh_grains_asks_the_runtime_and_checks_kwargs() {
        let table = Arc::new(JobTable::default());
        let ctx = ctx_with(&table);
        let out = call(
            &ctx,
            "saltutil.refresh_grains",
            vec![],
            json!({"refresh_pillar": false, "__pub_jid": "1"}),
        );
        assert_eq!(out.ret, json!(true));
        assert_eq!(table.grain_refreshes.load(Ordering::Relaxed), 1);
        let out = call(&ctx, "saltutil.refresh_grains", vec![], json!({"bogus": 1}));
        assert_eq!(
            out.ret,
            json!(
                "ERROR executing 'saltutil.refresh_grains': The following keyword arguments are not valid: bogus=1"
            )
        );
        assert_eq!(table.grain_refreshes.load(Ordering::Relaxed), 1);
    }
}

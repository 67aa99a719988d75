//! `cmd`: run commands and scripts on the minion (Salt's `cmdmod`).
//!
//! The Salt surface lives here: argument names and order, defaults
//! (`python_shell` is true only for jobs), the environment Salt builds, and
//! Salt's return shapes and texts. The process machinery (sessions, group
//! kill, concurrent pipes, user switch) is in [`process`].

pub mod process;
pub mod shlex;

use std::collections::BTreeMap;
use std::ffi::{CString, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::lenient::{self, python_repr, python_str, python_str_repr};
use crate::api::{Args, Ctx, ExecError, Function, Module, always};
use process::{Credentials, Outcome, Spec};

pub static MODULE: Module = Module {
    name: "cmd",
    doc: "Run commands and scripts on the minion. Each command runs in its own session; a timeout or a killed job kills every process it started.",
    available: always,
    functions: &[
        Function {
            name: "exec_code",
            params: EXEC_CODE_PARAMS,
            doc: EXEC_CODE_DOC,
            call: exec_code,
        },
        Function {
            name: "exec_code_all",
            params: EXEC_CODE_PARAMS,
            doc: EXEC_CODE_ALL_DOC,
            call: exec_code_all,
        },
        Function {
            name: "retcode",
            params: RETCODE_PARAMS,
            doc: RETCODE_DOC,
            call: retcode,
        },
        Function {
            name: "run",
            params: RUN_PARAMS,
            doc: RUN_DOC,
            call: run,
        },
        Function {
            name: "run_all",
            params: RUN_ALL_PARAMS,
            doc: RUN_ALL_DOC,
            call: run_all,
        },
        Function {
            name: "script",
            params: SCRIPT_PARAMS,
            doc: SCRIPT_DOC,
            call: script,
        },
        Function {
            name: "shell",
            params: SHELL_PARAMS,
            doc: SHELL_DOC,
            call: shell,
        },
    ],
};

// Salt's parameter lists, in Salt's order, so that positional arguments bind
// to the same names. Every function also takes the other options of
// `cmd.run_all` as keywords, as Salt's do through `**kwargs`.
const RUN_PARAMS: &[&str] = &[
    "cmd",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "clean_env",
    "template",
    "rstrip",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "ignore_retcode",
    "saltenv",
    "use_vt",
    "redirect_stderr",
    "bg",
    "password",
    "encoded_cmd",
    "raise_err",
    "prepend_path",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
    "**kwargs",
];
const RUN_ALL_PARAMS: &[&str] = &[
    "cmd",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "clean_env",
    "template",
    "rstrip",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "ignore_retcode",
    "saltenv",
    "use_vt",
    "redirect_stderr",
    "password",
    "encoded_cmd",
    "prepend_path",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
    "**kwargs",
];
const RETCODE_PARAMS: &[&str] = &[
    "cmd",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "clean_env",
    "template",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "timeout",
    "reset_system_locale",
    "ignore_retcode",
    "saltenv",
    "use_vt",
    "password",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
    "**kwargs",
];
const SHELL_PARAMS: &[&str] = &[
    "cmd",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "env",
    "clean_env",
    "template",
    "rstrip",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "ignore_retcode",
    "saltenv",
    "use_vt",
    "bg",
    "password",
    "prepend_path",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
    "**kwargs",
];
const SCRIPT_PARAMS: &[&str] = &[
    "source",
    "args",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "template",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "saltenv",
    "use_vt",
    "bg",
    "password",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
    "**kwargs",
];
const EXEC_CODE_PARAMS: &[&str] = &["lang", "code", "cwd", "args", "**kwargs"];

/// The options every function takes, spliced into each doc.
macro_rules! options_doc {
    () => {
        "\
Options (all functions):
    cwd: directory to run in; default the home directory of `runas` (or of
        the minion's user), else `/`.
    stdin: text written to the command's standard input (`\\n` becomes a
        newline unless stdin_raw_newlines=True).
    runas: user to run as (the minion must run as root); sets HOME, USER
        and LOGNAME. group: primary group to run with.
    shell: shell used when python_shell is true (default: $SHELL or /bin/sh).
    python_shell: run through the shell (pipes, globs, variables). Default
        True when called as a job from the CLI, False when called from
        another module or a state; when False the command is split with
        Python's shlex rules and executed directly.
    env: extra environment, a dict or a list of one-key dicts.
    clean_env: start from an empty environment instead of the minion's.
    prepend_path: directory put in front of PATH.
    reset_system_locale: set the LC_* variables to C (default True).
    umask: umask of the command, in octal (`077`).
    timeout: seconds after which the command and every process it started
        are killed.
    rstrip: strip trailing whitespace from the output (default True).
    hide_output: return empty output (the command still runs).
    ignore_retcode: do not fail the job when the command fails.
    success_retcodes: return codes counted as success (list or `2,3`).
    success_stdout / success_stderr: texts that, found in the output, count
        as success.
    output_loglevel: level at which the command is logged; `quiet` logs
        nothing.
    bg: start the command in the background and return at once.
"
    };
}

const RUN_DOC: &str = concat!(
    "\
Execute the passed command and return its output as a string, stderr
merged into stdout (redirect_stderr=False keeps only stdout). The job's
return code is the command's.

raise_err: fail the function itself when the command fails.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.run 'ls -l | grep foo' cwd=/tmp
    halite '*' cmd.run 'grep f' stdin='one\\ntwo\\nthree'
    halite '*' cmd.run cmd='sed -e s/=/:/g'
"
);

const RUN_ALL_DOC: &str = concat!(
    "\
Execute the passed command and return a dict with `pid`, `retcode`,
`stdout` and `stderr`.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.run_all 'ls -l | awk \"/foo/{print \\$2}\"'
    halite '*' cmd.run_all 'make' cwd=/src timeout=600
"
);

const RETCODE_DOC: &str = concat!(
    "\
Execute the passed command and return its return code.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.retcode 'test -f /etc/motd'
"
);

const SHELL_DOC: &str = concat!(
    "\
Execute the passed command through the shell and return its output as a
string; like cmd.run with python_shell=True.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.shell 'echo $HOME; ls /tmp | wc -l'
"
);

const SCRIPT_DOC: &str = concat!(
    "\
Copy a script to a temporary file and run it, returning a dict with `pid`,
`retcode`, `stdout` and `stderr`. The source is a local path or a
`file://` URL (`salt://` is not supported yet). The script needs a
shebang line unless it runs through the shell.

args: arguments for the script, a string split with shell rules or a list.
When the script cannot be fetched the return carries `cache_error: True`.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.script /srv/scripts/runme.sh
    halite '*' cmd.script file:///srv/scripts/runme.sh 'arg1 arg2 \"arg 3\"'
"
);

const EXEC_CODE_DOC: &str = concat!(
    "\
Write `code` to a temporary file, run it with the interpreter `lang`
(python3, perl, ruby ...) and return its stdout. `args` are passed to the
program after the file name. Takes the options of cmd.run_all.

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.exec_code python3 'print(\"cheese\")'
    halite '*' cmd.exec_code python3 'import sys; print(sys.argv[1:])' args='[a, b]'
"
);

const EXEC_CODE_ALL_DOC: &str = concat!(
    "\
Like cmd.exec_code, but return the dict of cmd.run_all (`pid`, `retcode`,
`stdout`, `stderr`).

",
    options_doc!(),
    "
CLI Example:

    halite '*' cmd.exec_code_all python3 'print(\"cheese\")'
"
);

/// A command as given: a line (split or handed to the shell) or an argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdLine {
    Line(String),
    Argv(Vec<String>),
}

impl CmdLine {
    /// Salt accepts a string, a list, or any scalar (`cmd.run 3`).
    pub fn from_value(v: &Value) -> CmdLine {
        match v {
            Value::Array(items) => CmdLine::Argv(items.iter().map(python_str).collect()),
            other => CmdLine::Line(python_str(other)),
        }
    }
}

/// The options shared by `cmd.run`, `cmd.run_all`, `cmd.retcode`,
/// `cmd.shell`, `cmd.script` and `cmd.exec_code` (Salt's `_run`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunOptions {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cwd: Option<String>,
    pub stdin: Option<Value>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub runas: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub group: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub shell: Option<String>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub python_shell: Option<bool>,
    pub env: Option<Value>,
    #[serde(deserialize_with = "lenient::bool")]
    pub clean_env: bool,
    pub template: Option<Value>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub rstrip: Option<bool>,
    pub umask: Option<Value>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub output_encoding: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub output_loglevel: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub hide_output: bool,
    pub timeout: Option<Value>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub reset_system_locale: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub ignore_retcode: bool,
    #[serde(deserialize_with = "lenient::bool")]
    pub use_vt: bool,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub redirect_stderr: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub bg: bool,
    #[serde(deserialize_with = "lenient::bool")]
    pub raise_err: bool,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub prepend_path: Option<String>,
    pub success_retcodes: Option<Value>,
    pub success_stdout: Option<Value>,
    pub success_stderr: Option<Value>,
    /// Old spelling of `output_loglevel=quiet`.
    #[serde(deserialize_with = "lenient::bool")]
    pub quiet: bool,
    #[serde(deserialize_with = "lenient::bool")]
    pub stdin_raw_newlines: bool,
    /// Called as a job (Salt's `__pub_jid` keyword is present): commands
    /// are checked against `cmd_blacklist_glob`/`cmd_whitelist_glob`.
    #[serde(skip)]
    pub is_job: bool,
    // Accepted for compatibility and ignored, as Salt ignores them on
    // Linux: `password` and `encoded_cmd` are Windows-only, `saltenv` only
    // matters for templates, `log_callback` cannot come from the CLI.
}

/// Salt's `_run` return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReturn {
    /// `None` only for a script that could not be fetched (Salt's pid 0).
    pub pid: Option<u32>,
    /// `None` for a background command, whose end nobody waits for.
    pub retcode: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl RunReturn {
    /// The dict Salt returns, keys in Salt's order (a timed-out command
    /// lists them in a different order, as Salt does).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        let pid = self.pid.map_or(json!(0), |p| json!(p));
        if self.timed_out {
            map.insert("stdout".into(), json!(self.stdout));
            map.insert("stderr".into(), json!(self.stderr));
            map.insert("retcode".into(), json!(self.retcode));
            map.insert("pid".into(), pid);
        } else {
            map.insert("pid".into(), pid);
            map.insert("retcode".into(), json!(self.retcode));
            map.insert("stdout".into(), json!(self.stdout));
            map.insert("stderr".into(), json!(self.stderr));
        }
        Value::Object(map)
    }
}

#[derive(Deserialize)]
struct CmdArgs {
    cmd: Value,
    #[serde(flatten)]
    options: RunOptions,
}

fn cmd_args(args: &Args) -> Result<(CmdLine, RunOptions), ExecError> {
    let CmdArgs { cmd, mut options } = args.bind()?;
    options.is_job = args.kwargs.contains_key("__pub_jid");
    Ok((CmdLine::from_value(&cmd), options))
}

/// Salt's `_python_shell_default`: an explicit value wins; otherwise true
/// for a job published from the CLI (it carries `__pub_jid`) or when the
/// minion sets `cmd_safe: False`, and false for calls from other modules.
fn python_shell_default(ctx: &Ctx, options: &RunOptions) -> bool {
    options
        .python_shell
        .unwrap_or_else(|| options.is_job || ctx.opt("cmd_safe") == Some(&Value::Bool(false)))
}

fn run(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let (cmd, mut options) = cmd_args(args)?;
    options.python_shell = Some(python_shell_default(ctx, &options));
    let redirect_stderr = options.redirect_stderr.unwrap_or(true);
    let ret = run_command(ctx, &cmd, &options, redirect_stderr)?;
    finish_run(&options, ret)
}

fn shell(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let (cmd, mut options) = cmd_args(args)?;
    // cmd.shell always uses the shell unless told otherwise explicitly.
    options.python_shell = Some(options.python_shell.unwrap_or(true));
    let redirect_stderr = options.redirect_stderr.unwrap_or(true);
    let ret = run_command(ctx, &cmd, &options, redirect_stderr)?;
    finish_run(&options, ret)
}

/// `cmd.run`'s tail: `raise_err`, `hide_output`, and the output string.
fn finish_run(options: &RunOptions, ret: RunReturn) -> Result<Value, ExecError> {
    let failed = !options.ignore_retcode && ret.retcode.is_some_and(|c| c != 0);
    // As in Salt, raise_err is only honoured when the command is logged.
    if failed && options.raise_err && log_level(options).is_some() {
        return Err(ExecError::failed(if options.hide_output {
            String::new()
        } else {
            ret.stdout
        }));
    }
    Ok(Value::String(if options.hide_output {
        String::new()
    } else {
        ret.stdout
    }))
}

fn run_all(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let (cmd, mut options) = cmd_args(args)?;
    options.python_shell = Some(python_shell_default(ctx, &options));
    let redirect_stderr = options.redirect_stderr.unwrap_or(false);
    let mut ret = run_command(ctx, &cmd, &options, redirect_stderr)?;
    if options.hide_output {
        ret.stdout.clear();
        ret.stderr.clear();
    }
    Ok(ret.to_value())
}

fn retcode(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let (cmd, mut options) = cmd_args(args)?;
    options.python_shell = Some(python_shell_default(ctx, &options));
    let ret = run_command(ctx, &cmd, &options, true)?;
    Ok(json!(ret.retcode))
}

/// Runs `cmd` as Salt's `_run` does and sets the job's retcode (unless
/// `ignore_retcode`). `options.python_shell` must already be resolved;
/// `None` means false. Errors are Salt's texts.
pub fn run_command(
    ctx: &Ctx,
    cmd: &CmdLine,
    options: &RunOptions,
    redirect_stderr: bool,
) -> Result<RunReturn, ExecError> {
    let python_shell = options.python_shell.unwrap_or(false);
    let ignore_retcode = options.ignore_retcode || options.bg;
    let loglevel = log_level(options);
    if options.template.as_ref().is_some_and(|t| !t.is_null()) {
        return Err(ExecError::Invocation(
            "template rendering of commands is not supported yet".into(),
        ));
    }
    if options.use_vt {
        return Err(ExecError::Invocation(
            "use_vt is not supported: commands always run with pipes".into(),
        ));
    }
    let runas = options.runas.as_deref().filter(|r| !r.is_empty());
    let group = options.group.as_deref().filter(|g| !g.is_empty());
    let cwd = match options.cwd.as_deref().filter(|c| !c.is_empty()) {
        Some(cwd) => cwd.to_owned(),
        None => default_cwd(runas),
    };
    let shell = options
        .shell
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(default_shell);
    if !is_executable_file(Path::new(&shell)) {
        return Err(ExecError::failed(format!(
            "The shell {shell} is not available"
        )));
    }
    if options.is_job && !command_permitted(ctx, cmd) {
        return Err(ExecError::failed(format!(
            "The shell command \"{}\" is not permitted",
            command_text(cmd)
        )));
    }

    let mut env = parse_env(options.env.as_ref());
    let user = match runas {
        Some(name) => Some(lookup_user(name)?),
        None => None,
    };
    let group_id = match group {
        Some(name) => Some(lookup_group(name)?),
        None => None,
    };
    if let Some(user) = &user {
        // Like Salt: the user's login variables, with USER and HOME forced.
        env.entry("LOGNAME".into())
            .or_insert_with(|| user.name.clone());
        env.insert("USER".into(), user.name.clone());
        env.insert("HOME".into(), user.dir.to_string_lossy().into_owned());
    }
    let credentials = credentials(user.as_ref(), group_id)?;
    if options.reset_system_locale.unwrap_or(true) {
        for key in LOCALE_VARS {
            env.entry((*key).to_owned())
                .or_insert_with(|| "C".to_owned());
        }
    }
    let mut run_env: BTreeMap<OsString, OsString> = if options.clean_env {
        BTreeMap::new()
    } else {
        std::env::vars_os().collect()
    };
    let keeps_notify_socket = env.contains_key("NOTIFY_SOCKET");
    run_env.extend(
        env.into_iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    if let Some(prefix) = &options.prepend_path {
        let path = run_env
            .get(&OsString::from("PATH"))
            .cloned()
            .unwrap_or_default();
        let mut joined = OsString::from(prefix);
        joined.push(":");
        joined.push(path);
        run_env.insert("PATH".into(), joined);
    }
    if !keeps_notify_socket {
        // A command must not talk to systemd on the minion's behalf.
        run_env.remove(&OsString::from("NOTIFY_SOCKET"));
    }

    let umask = options.umask.as_ref().map(parse_umask).transpose()?;
    if !cwd.starts_with('/') || !Path::new(&cwd).is_dir() {
        return Err(ExecError::failed(format!(
            "Specified cwd '{cwd}' either not absolute or does not exist"
        )));
    }
    let argv = argv(cmd, python_shell, &shell)?;
    let success_retcodes = parse_success_retcodes(options.success_retcodes.as_ref())?;
    let success_stdout = split_input(options.success_stdout.as_ref());
    let success_stderr = split_input(options.success_stderr.as_ref());
    let timeout = parse_timeout(options.timeout.as_ref())?;
    let stdin = options.stdin.as_ref().filter(|s| !s.is_null()).map(|s| {
        let text = python_str(s);
        // Salt turns a `\n` typed on the CLI into a newline.
        if options.stdin_raw_newlines {
            text
        } else {
            text.replace("\\n", "\n")
        }
        .into_bytes()
    });
    let encoding = OutputEncoding::parse(options.output_encoding.as_deref())?;

    if loglevel.is_some() {
        tracing::info!(
            cmd = %log_cmd(cmd),
            cwd = %cwd,
            runas = runas.unwrap_or(""),
            background = options.bg,
            "executing command"
        );
    }
    let spec = Spec {
        argv: argv.iter().map(OsString::from).collect(),
        cwd: PathBuf::from(&cwd),
        env: run_env.into_iter().collect(),
        stdin,
        merge_stderr: redirect_stderr,
        credentials,
        umask,
        timeout: timeout.as_ref().map(|t| t.duration),
    };
    let spawn_error = |err: std::io::Error| {
        ExecError::failed(format!(
            "Unable to run command '{}' with the context '{}', reason: {}",
            if loglevel.is_some() {
                popen_text(cmd, python_shell, &argv)
            } else {
                "REDACTED".to_owned()
            },
            popen_context(
                &cwd,
                python_shell,
                &shell,
                redirect_stderr,
                timeout.as_ref(),
                options
            ),
            os_error_text(&err, &argv[0]),
        ))
    };

    if options.bg {
        let pid = process::spawn_detached(&spec).map_err(spawn_error)?;
        ctx.set_retcode(0);
        return Ok(RunReturn {
            pid: Some(pid),
            retcode: None,
            stdout: String::new(),
            stderr: String::new(),
            timed_out: false,
        });
    }
    let finished = match process::run(&spec, &ctx.cancel_flag()).map_err(spawn_error)? {
        Outcome::Finished(finished) => finished,
        Outcome::Cancelled { pid } => {
            tracing::info!(pid, cmd = %log_cmd(cmd), "command killed with its job");
            return Err(ExecError::Killed);
        }
        Outcome::TimedOut { pid } => {
            let timeout = timeout.map(|t| t.text).unwrap_or_default();
            if loglevel.is_some() {
                tracing::error!(pid, cmd = %log_cmd(cmd), timeout = %timeout, "command timed out; killed its process group");
            }
            // Salt leaves the job's retcode at 0 here; a command that was
            // killed did not succeed, so the job fails.
            ctx.set_retcode(if ignore_retcode { 0 } else { 1 });
            return Ok(RunReturn {
                pid: Some(pid),
                retcode: Some(1),
                stdout: format!(
                    "{} : Timed out after {timeout} seconds",
                    popen_text(cmd, python_shell, &argv)
                ),
                stderr: String::new(),
                timed_out: true,
            });
        }
    };

    let rstrip = options.rstrip.unwrap_or(true);
    let mut stdout = encoding.decode(&finished.stdout);
    let mut stderr = encoding.decode(&finished.stderr);
    if rstrip {
        stdout.truncate(stdout.trim_end_matches(is_python_space).len());
        stderr.truncate(stderr.trim_end_matches(is_python_space).len());
    }
    let mut retcode = finished.returncode;
    if success_retcodes.contains(&retcode)
        || success_stdout.iter().any(|s| stdout.contains(s.as_str()))
        || success_stderr.iter().any(|s| stderr.contains(s.as_str()))
    {
        retcode = 0;
    }
    ctx.set_retcode(if ignore_retcode { 0 } else { retcode });
    if loglevel.is_some() && !ignore_retcode && retcode != 0 {
        tracing::error!(pid = finished.pid, cmd = %log_cmd(cmd), retcode, "Command '{}' failed with return code: {retcode}", log_cmd(cmd));
    }
    Ok(RunReturn {
        pid: Some(finished.pid),
        retcode: Some(retcode),
        stdout,
        stderr,
        timed_out: false,
    })
}

#[derive(Deserialize)]
struct ScriptArgs {
    source: Value,
    args: Option<Value>,
    #[serde(flatten)]
    options: RunOptions,
}

fn script(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let ScriptArgs {
        source,
        args: script_args,
        mut options,
    } = args.bind()?;
    options.is_job = args.kwargs.contains_key("__pub_jid");
    let source = python_str(&source);
    if options.template.as_ref().is_some_and(|t| !t.is_null()) {
        return Err(ExecError::Invocation(
            "template rendering of scripts is not supported yet".into(),
        ));
    }
    let local = match source.split_once("://") {
        None => PathBuf::from(&source),
        Some(("file", path)) => PathBuf::from(path),
        Some((scheme, _)) => {
            return Err(ExecError::failed(format!(
                "cmd.script cannot fetch '{source}': {scheme}:// sources are not supported yet, use a local path or file://"
            )));
        }
    };
    let cache_error = || {
        // Salt leaves the job's retcode at 0 here although the script never
        // ran; the return says retcode 1, and so does the job.
        ctx.set_retcode(1);
        json!({"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true})
    };
    let contents = match std::fs::read(&local) {
        Ok(contents) => contents,
        Err(err) => {
            tracing::error!(source = %source, error = %err, "cmd.script: unable to read the script");
            return Ok(cache_error());
        }
    };
    let runas_uid = match options.runas.as_deref().filter(|r| !r.is_empty()) {
        Some(name) => Some(lookup_user(name)?.uid.as_raw()),
        None => None,
    };
    // Salt copies the script next to `cwd` (or into the temp dir) under a
    // recognisable name, keeping the extension for interpreters that care.
    let suffix = local
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let dir = options
        .cwd
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let temp = match write_temp_file(&dir, &suffix, &contents, 0o500, runas_uid) {
        Ok(temp) => temp,
        Err(err) => {
            tracing::error!(source = %source, dir = %dir.display(), error = %err, "cmd.script: unable to copy the script");
            return Ok(cache_error());
        }
    };
    let script_args: Vec<String> = match script_args.as_ref().filter(|a| lenient::truthy(a)) {
        Some(Value::Array(items)) => items.iter().map(python_str).collect(),
        Some(other) => {
            shlex::split(&python_str(other)).map_err(|e| ExecError::Invocation(e.to_string()))?
        }
        None => Vec::new(),
    };
    // Arguments only make sense without a shell in between.
    options.python_shell = Some(if script_args.is_empty() {
        python_shell_default(ctx, &options)
    } else {
        false
    });
    let mut argv = vec![temp.to_string_lossy().into_owned()];
    argv.extend(script_args);
    let result = run_command(
        ctx,
        &CmdLine::Argv(argv),
        &options,
        options.redirect_stderr.unwrap_or(false),
    );
    if options.bg {
        // The background script still needs its file; it is left behind in
        // the temp dir, as Salt leaves it to its wrapper.
        let _ = temp.keep();
    }
    match result {
        Ok(mut ret) => {
            if options.hide_output {
                ret.stdout.clear();
                ret.stderr.clear();
            }
            Ok(ret.to_value())
        }
        Err(ExecError::Killed) => Err(ExecError::Killed),
        Err(err) => {
            // Salt logs the failure and returns an empty dict.
            tracing::error!(source = %source, error = %err, "cmd.script: unable to run script");
            ctx.set_retcode(1);
            Ok(json!({}))
        }
    }
}

#[derive(Deserialize)]
struct ExecCodeArgs {
    lang: Value,
    code: Value,
    args: Option<Value>,
    #[serde(flatten)]
    options: RunOptions,
}

fn exec_code(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let ret = exec_code_run(ctx, args)?;
    Ok(Value::String(ret.stdout))
}

fn exec_code_all(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    Ok(exec_code_run(ctx, args)?.to_value())
}

fn exec_code_run(ctx: &Ctx, args: &Args) -> Result<RunReturn, ExecError> {
    let ExecCodeArgs {
        lang,
        code,
        args: code_args,
        mut options,
    } = args.bind()?;
    options.is_job = args.kwargs.contains_key("__pub_jid");
    options.python_shell = Some(false);
    let runas_uid = match options.runas.as_deref().filter(|r| !r.is_empty()) {
        Some(name) => Some(lookup_user(name)?.uid.as_raw()),
        None => None,
    };
    let temp = write_temp_file(
        &std::env::temp_dir(),
        "",
        python_str(&code).as_bytes(),
        0o600,
        runas_uid,
    )
    .map_err(|e| ExecError::failed(format!("cannot write the code to a temporary file: {e}")))?;
    let mut argv = vec![python_str(&lang), temp.to_string_lossy().into_owned()];
    match code_args {
        Some(Value::Array(items)) => argv.extend(items.iter().map(python_str)),
        Some(Value::Null) | None => {}
        // A string is one argument, not split (as in Salt).
        Some(other) => argv.push(python_str(&other)),
    }
    let redirect_stderr = options.redirect_stderr.unwrap_or(false);
    let mut ret = run_command(ctx, &CmdLine::Argv(argv), &options, redirect_stderr)?;
    if options.hide_output {
        ret.stdout.clear();
        ret.stderr.clear();
    }
    Ok(ret)
}

/// Writes `contents` to a new `__salt.tmp.*` file in `dir` with `mode`,
/// owned by `owner` when given. The file is removed when the returned path
/// is dropped.
fn write_temp_file(
    dir: &Path,
    suffix: &str,
    contents: &[u8],
    mode: u32,
    owner: Option<libc::uid_t>,
) -> std::io::Result<tempfile::TempPath> {
    let mut temp = tempfile::Builder::new()
        .prefix("__salt.tmp.")
        .suffix(suffix)
        .rand_bytes(8)
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    // Close the file now: Linux refuses to execute a file that is still
    // open for writing (ETXTBSY).
    let path = temp.into_temp_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    if let Some(uid) = owner {
        std::os::unix::fs::chown(&path, Some(uid), None)?;
    }
    Ok(path)
}

/// The variables Salt sets to `C` unless the caller set them, because
/// states parse English output.
const LOCALE_VARS: &[&str] = &[
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
    "LANGUAGE",
];

/// Salt's `_parse_env`: a dict, or a list of one-key dicts (a bare string
/// in the list is a variable with an empty value). Anything else is no
/// environment. `None` values become empty strings, other values `str()`.
fn parse_env(env: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match env {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                out.insert(k.clone(), env_value(v));
            }
        }
        Some(Value::Array(items)) => {
            let valid = items.iter().all(|item| match item {
                Value::Object(map) => map.len() == 1,
                Value::String(_) | Value::Number(_) => true,
                _ => false,
            });
            if !valid {
                tracing::error!(
                    "Invalid input for repack_dictlist: key/value pairs must contain only one element"
                );
                return out;
            }
            for item in items {
                match item {
                    Value::Object(map) => {
                        for (k, v) in map {
                            out.insert(k.clone(), env_value(v));
                        }
                    }
                    other => {
                        out.insert(python_str(other), String::new());
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn env_value(v: &Value) -> String {
    if v.is_null() {
        String::new()
    } else {
        python_str(v)
    }
}

struct Timeout {
    duration: Duration,
    /// Python's `str()` of the value, for Salt's timeout message.
    text: String,
}

/// A number of seconds; 0 or none means no timeout (Python's truthiness).
fn parse_timeout(v: Option<&Value>) -> Result<Option<Timeout>, ExecError> {
    let (seconds, text) = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => (
            n.as_f64().unwrap_or(0.0),
            python_repr(&Value::Number(n.clone())),
        ),
        Some(Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(seconds) if seconds.is_finite() => (seconds, s.trim().to_owned()),
            _ => {
                return Err(ExecError::Invocation(format!(
                    "Error: timeout {s} must be a number"
                )));
            }
        },
        Some(other) => {
            return Err(ExecError::Invocation(format!(
                "Error: timeout {} must be a number",
                python_str(other)
            )));
        }
    };
    if seconds == 0.0 {
        return Ok(None);
    }
    Ok(Some(Timeout {
        duration: Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO),
        text,
    }))
}

/// Salt's umask rules: octal digits (`077`, `"0077"`, or YAML's int 77);
/// zero is refused.
fn parse_umask(v: &Value) -> Result<libc::mode_t, ExecError> {
    let text = python_str(v);
    let digits = text.trim_start_matches('0');
    if digits.is_empty() {
        return Err(ExecError::failed("Zero umask is not allowed."));
    }
    libc::mode_t::from_str_radix(digits, 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| ExecError::failed(format!("Invalid umask: '{text}'")))
}

/// Salt's `split_input`: a list, or a comma-separated string.
fn split_input(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(python_str).collect(),
        Some(other) => python_str(other)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect(),
    }
}

fn parse_success_retcodes(v: Option<&Value>) -> Result<Vec<i32>, ExecError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(vec![0]);
    };
    let invalid = || ExecError::Invocation("success_retcodes must be a list of integers".into());
    let items: Vec<Value> = match v {
        Value::Array(items) => items.clone(),
        other => python_str(other)
            .split(',')
            .map(|s| Value::String(s.trim().to_owned()))
            .collect(),
    };
    items
        .iter()
        .map(|item| match item {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        })
        .map(|n| n.and_then(|n| i32::try_from(n).ok()).ok_or_else(invalid))
        .collect()
}

/// Salt's `cmd_blacklist_glob` / `cmd_whitelist_glob` minion options.
fn command_permitted(ctx: &Ctx, cmd: &CmdLine) -> bool {
    let text = command_text(cmd);
    let globs = |key: &str| -> Vec<String> {
        match ctx.opt(key).or_else(|| ctx.pillar.get(key)) {
            Some(Value::Array(items)) => items.iter().map(python_str).collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let blacklisted = globs("cmd_blacklist_glob")
        .iter()
        .any(|g| super::sys::fnmatch(&text, g));
    let whitelist = globs("cmd_whitelist_glob");
    let whitelisted =
        whitelist.is_empty() || whitelist.iter().any(|g| super::sys::fnmatch(&text, g));
    !blacklisted && whitelisted
}

/// The command as one string (an argv joined with spaces, as Salt does).
fn command_text(cmd: &CmdLine) -> String {
    match cmd {
        CmdLine::Line(line) => line.clone(),
        CmdLine::Argv(argv) => argv.join(" "),
    }
}

/// Salt's `_log_cmd`: the program name only, since arguments may hold secrets.
fn log_cmd(cmd: &CmdLine) -> String {
    match cmd {
        CmdLine::Line(line) => line.split_whitespace().next().unwrap_or("").to_owned(),
        CmdLine::Argv(argv) => argv
            .first()
            .map(|a| a.trim().to_owned())
            .unwrap_or_default(),
    }
}

/// The argv to execute: through the shell (`shell -c line`, extra list
/// items becoming `$0 $1 ...` as with Python's Popen), or split by shlex.
fn argv(cmd: &CmdLine, python_shell: bool, shell: &str) -> Result<Vec<String>, ExecError> {
    let argv = match (cmd, python_shell) {
        (CmdLine::Line(line), true) => vec![shell.to_owned(), "-c".to_owned(), line.clone()],
        (CmdLine::Argv(items), true) => [shell.to_owned(), "-c".to_owned()]
            .into_iter()
            .chain(items.iter().cloned())
            .collect(),
        (CmdLine::Line(line), false) => {
            shlex::split(line).map_err(|e| ExecError::Invocation(e.to_string()))?
        }
        (CmdLine::Argv(items), false) => items.clone(),
    };
    if argv.is_empty() || argv.iter().any(|a| a.contains('\0')) {
        return Err(ExecError::Invocation(format!(
            "cannot run the command {}: it is empty or holds a NUL byte",
            python_repr(&json!(argv))
        )));
    }
    Ok(argv)
}

/// What Salt's messages show as the command: the line when it went to the
/// shell, else Python's repr of the argument list handed to Popen.
fn popen_text(cmd: &CmdLine, python_shell: bool, argv: &[String]) -> String {
    match (cmd, python_shell) {
        (CmdLine::Line(line), true) => line.clone(),
        (CmdLine::Argv(items), _) => python_repr(&json!(items)),
        (CmdLine::Line(_), false) => python_repr(&json!(argv)),
    }
}

/// Python's repr of the Popen keyword arguments Salt puts in its "Unable to
/// run command" message (without `env` and `stdin`, which may hold secrets).
fn popen_context(
    cwd: &str,
    python_shell: bool,
    shell: &str,
    redirect_stderr: bool,
    timeout: Option<&Timeout>,
    options: &RunOptions,
) -> String {
    let py_bool = |b: bool| if b { "True" } else { "False" };
    let mut parts = vec![
        format!("'cwd': {}", python_str_repr(cwd)),
        format!("'shell': {}", py_bool(python_shell)),
        "'stdout': -1".to_owned(),
        format!("'stderr': {}", if redirect_stderr { -2 } else { -1 }),
        "'with_communicate': True".to_owned(),
        format!(
            "'timeout': {}",
            timeout.map_or("None".to_owned(), |t| t.text.clone())
        ),
        format!("'bg': {}", py_bool(options.bg)),
    ];
    if options.stdin_raw_newlines {
        parts.push("'stdin_raw_newlines': True".to_owned());
    }
    if python_shell {
        parts.push(format!("'executable': {}", python_str_repr(shell)));
    }
    parts.push("'close_fds': True".to_owned());
    format!("{{{}}}", parts.join(", "))
}

/// Python's `str(OSError)`: `[Errno 2] No such file or directory: 'prog'`.
fn os_error_text(err: &std::io::Error, filename: &str) -> String {
    match err.raw_os_error() {
        Some(code) => format!(
            "[Errno {code}] {}: {}",
            nix::errno::Errno::from_raw(code).desc(),
            python_str_repr(filename)
        ),
        None => err.to_string(),
    }
}

/// `None` when the command must not be logged (`output_loglevel=quiet`).
fn log_level(options: &RunOptions) -> Option<&str> {
    if options.quiet {
        return None;
    }
    match options.output_loglevel.as_deref() {
        Some(level) if level.eq_ignore_ascii_case("quiet") => None,
        Some(level) => Some(level),
        None => Some("debug"),
    }
}

/// Python's `str.isspace`, which `rstrip()` uses.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

enum OutputEncoding {
    Utf8,
    Latin1,
}

impl OutputEncoding {
    fn parse(name: Option<&str>) -> Result<OutputEncoding, ExecError> {
        let Some(name) = name else {
            return Ok(OutputEncoding::Utf8);
        };
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" | "ascii" | "us-ascii" => Ok(OutputEncoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(OutputEncoding::Latin1),
            _ => Err(ExecError::Invocation(format!(
                "output_encoding '{name}' is not supported; use utf-8 or latin-1"
            ))),
        }
    }

    /// Undecodable bytes become U+FFFD, as Salt's `errors="replace"` retry.
    fn decode(&self, bytes: &[u8]) -> String {
        match self {
            OutputEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            OutputEncoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }
}

fn default_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned())
}

/// Salt's default cwd: the home of `runas` (or of the minion's user), or
/// `/` when that is not a readable directory.
fn default_cwd(runas: Option<&str>) -> String {
    let home = match runas {
        Some(name) => nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(|u| u.dir.to_string_lossy().into_owned()),
        None => std::env::var("HOME")
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::getuid())
                    .ok()
                    .flatten()
                    .map(|u| u.dir.to_string_lossy().into_owned())
            }),
    };
    match home {
        Some(home) if Path::new(&home).is_dir() && is_accessible(Path::new(&home), libc::R_OK) => {
            home
        }
        _ => "/".to_owned(),
    }
}

fn is_executable_file(path: &Path) -> bool {
    path.is_file() && is_accessible(path, libc::X_OK)
}

fn is_accessible(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) reads a NUL-terminated path we own.
    unsafe { libc::access(c_path.as_ptr(), mode) == 0 }
}

fn lookup_user(name: &str) -> Result<nix::unistd::User, ExecError> {
    nix::unistd::User::from_name(name)
        .ok()
        .flatten()
        .ok_or_else(|| ExecError::failed(format!("User '{name}' is not available")))
}

fn lookup_group(name: &str) -> Result<nix::unistd::Gid, ExecError> {
    nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| g.gid)
        .ok_or_else(|| ExecError::failed(format!("Group '{name}' is not available")))
}

/// The ids the child switches to, or `None` when nothing changes. Only
/// root may switch; anyone else gets a clear error instead of a failed exec.
fn credentials(
    user: Option<&nix::unistd::User>,
    group: Option<nix::unistd::Gid>,
) -> Result<Option<Credentials>, ExecError> {
    let euid = nix::unistd::geteuid();
    let egid = nix::unistd::getegid();
    let target_uid = user.map_or(euid, |u| u.uid);
    let target_gid = group.or(user.map(|u| u.gid)).unwrap_or(egid);
    if target_uid == euid && target_gid == egid {
        return Ok(None);
    }
    if !euid.is_root() {
        let who = user.map_or_else(
            || format!("group {target_gid}"),
            |u| format!("user '{}'", u.name),
        );
        return Err(ExecError::failed(format!(
            "cannot run as {who}: switching users needs root, and the minion runs as uid {euid}"
        )));
    }
    let name = match user {
        Some(u) => u.name.clone(),
        None => nix::unistd::User::from_uid(euid)
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| "root".to_owned()),
    };
    let groups = CString::new(name)
        .ok()
        .and_then(|name| nix::unistd::getgrouplist(&name, target_gid).ok())
        .map(|gids| gids.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_else(|| vec![target_gid.as_raw()]);
    Ok(Some(Credentials {
        uid: target_uid.as_raw(),
        gid: target_gid.as_raw(),
        groups,
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use serde_json::{Map, Value, json};

    use crate::{Args, Ctx, Outcome, run_job};

    fn kwargs(v: Value) -> Map<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    fn call(fun: &str, positional: Vec<Value>, kw: Value) -> Outcome {
        run_job(&Ctx::bare(), fun, Args::new(positional, kwargs(kw)))
    }

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn run_merges_stderr_strips_and_sets_the_job_retcode() {
        let out = call(
            "cmd.run",
            vec![json!("echo hi; echo err >&2; exit 3")],
            json!({"python_shell": true}),
        );
        assert_eq!(
            (out.ret, out.retcode, out.success),
            (json!("hi\nerr"), 3, false)
        );
        let out = call(
            "cmd.run",
            vec![json!("printf 'a  \\n\\n'")],
            json!({"python_shell": true, "rstrip": false}),
        );
        assert_eq!(out.ret, json!("a  \n\n"));
    }

    #[test]
    fn run_all_has_salts_shape_and_key_order() {
        let out = call(
            "cmd.run_all",
            vec![json!("echo hi; echo err >&2; exit 3")],
            json!({"python_shell": true}),
        );
        let ret = out.ret.as_object().unwrap();
        assert_eq!(
            ret.keys().collect::<Vec<_>>(),
            ["pid", "retcode", "stdout", "stderr"]
        );
        assert_eq!(
            (&ret["retcode"], &ret["stdout"], &ret["stderr"]),
            (&json!(3), &json!("hi"), &json!("err"))
        );
        assert!(ret["pid"].as_u64().unwrap() > 0);
        assert_eq!(out.retcode, 3);
        let out = call(
            "cmd.run_all",
            vec![json!("kill -9 $$")],
            json!({"python_shell": true}),
        );
        assert_eq!(out.ret["retcode"], json!(-9));
    }

    #[test]
    fn retcode_returns_the_code() {
        let out = call(
            "cmd.retcode",
            vec![json!("exit 7")],
            json!({"python_shell": true}),
        );
        assert_eq!((out.ret, out.retcode), (json!(7), 7));
        let out = call(
            "cmd.retcode",
            vec![json!("exit 7")],
            json!({"python_shell": true, "ignore_retcode": true}),
        );
        assert_eq!((out.ret, out.retcode), (json!(7), 0));
    }

    #[test]
    fn python_shell_defaults_to_true_only_for_jobs() {
        // From another module (no __pub_jid): no shell, so $HOME is literal.
        let out = call("cmd.run", vec![json!("echo $HOME")], json!({}));
        assert_eq!(out.ret, json!("$HOME"));
        let out = call(
            "cmd.run",
            vec![json!("echo $HOME")],
            json!({"__pub_jid": "20240101000000000000", "env": {"HOME": "/tmp"}}),
        );
        assert_eq!(out.ret, json!("/tmp"));
        let out = call(
            "cmd.run",
            vec![json!("echo $HOME")],
            json!({"python_shell": false, "__pub_jid": "1"}),
        );
        assert_eq!(out.ret, json!("$HOME"));
        // cmd.shell always uses the shell.
        let out = call("cmd.shell", vec![json!("echo $((1 + 2))")], json!({}));
        assert_eq!(out.ret, json!("3"));
        // Without a shell the line is split with shlex rules.
        let out = call(
            "cmd.run",
            vec![json!("printf '%s|' 'a b' \"c\\\"d\"")],
            json!({}),
        );
        assert_eq!(out.ret, json!("a b|c\"d|"));
        // A list runs as argv.
        let out = call(
            "cmd.run",
            vec![json!(["printf", "%s-", "x y", "z"])],
            json!({}),
        );
        assert_eq!(out.ret, json!("x y-z-"));
    }

    #[test]
    fn timeout_gives_salts_text_and_fails_the_job() {
        let out = call(
            "cmd.run_all",
            vec![json!("sleep 30")],
            json!({"timeout": 1, "python_shell": true}),
        );
        let ret = out.ret.as_object().unwrap();
        assert_eq!(
            ret.keys().collect::<Vec<_>>(),
            ["stdout", "stderr", "retcode", "pid"]
        );
        assert_eq!(
            (&ret["stdout"], &ret["stderr"], &ret["retcode"]),
            (
                &json!("sleep 30 : Timed out after 1 seconds"),
                &json!(""),
                &json!(1)
            )
        );
        assert_eq!(out.retcode, 1);
        let out = call("cmd.run", vec![json!("sleep 30")], json!({"timeout": 0.5}));
        assert_eq!(
            out.ret,
            json!("['sleep', '30'] : Timed out after 0.5 seconds")
        );
        let out = call("cmd.run", vec![json!("sleep 1")], json!({"timeout": "abc"}));
        assert_eq!(
            out.ret,
            json!("ERROR executing 'cmd.run': Error: timeout abc must be a number")
        );
    }

    #[test]
    fn timeout_leaves_no_grandchild_behind() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let line = format!(
            "sh -c 'sleep 30 & echo $! > {}; sleep 30'",
            pid_file.display()
        );
        let out = call(
            "cmd.run",
            vec![json!(line)],
            json!({"timeout": 1, "python_shell": true}),
        );
        assert!(
            out.ret
                .as_str()
                .unwrap()
                .ends_with(": Timed out after 1 seconds"),
            "{}",
            out.ret
        );
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let dead = |pid: i32| match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        };
        assert!(
            (0..250).any(|_| dead(pid) || {
                std::thread::sleep(Duration::from_millis(20));
                false
            }),
            "grandchild {pid} still running"
        );
    }

    #[test]
    fn a_killed_job_stops_its_command() {
        let ctx = Arc::new(Ctx::bare());
        let flag = ctx.cancel_flag();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(true, Ordering::Relaxed);
        });
        let out = run_job(
            &ctx,
            "cmd.run",
            Args::new(vec![json!("sleep 30")], Map::new()),
        );
        killer.join().unwrap();
        assert_eq!((out.ret, out.success), (json!("job was killed"), false));
    }

    #[test]
    fn env_cwd_stdin_umask_and_locale() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().canonicalize().unwrap();
        let out = call(
            "cmd.run",
            vec![json!("echo \"$A $B $C\"; pwd; cat; umask; echo $LC_CTYPE")],
            json!({"python_shell": true, "env": [{"A": 1}, {"B": "x"}, {"C": null}], "cwd": cwd, "stdin": "one\\ntwo", "umask": 77}),
        );
        assert_eq!(
            out.ret,
            json!(format!("1 x \n{}\none\ntwo0077\nC", cwd.display()))
        );
        let out = call(
            "cmd.run",
            vec![json!("cat")],
            json!({"stdin": "a\\nb", "stdin_raw_newlines": true}),
        );
        assert_eq!(out.ret, json!("a\\nb"));
        let out = call(
            "cmd.run",
            vec![json!("env")],
            json!({"clean_env": true, "reset_system_locale": false}),
        );
        assert_eq!(out.ret, json!(""));
        let out = call(
            "cmd.run",
            vec![json!("echo $PATH")],
            json!({"python_shell": true, "prepend_path": "/opt/x", "env": {"PATH": "/bin"}}),
        );
        assert_eq!(out.ret, json!("/opt/x:/bin"));
    }

    #[test]
    fn salts_errors_for_bad_arguments() {
        let out = call(
            "cmd.run",
            vec![json!("pwd")],
            json!({"cwd": "/nonexistent/dir"}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR: Specified cwd '/nonexistent/dir' either not absolute or does not exist")
        );
        let out = call("cmd.run", vec![json!("pwd")], json!({"cwd": "relative"}));
        assert_eq!(
            out.ret,
            json!("ERROR: Specified cwd 'relative' either not absolute or does not exist")
        );
        let out = call(
            "cmd.run",
            vec![json!("id")],
            json!({"runas": "no-such-user-here"}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR: User 'no-such-user-here' is not available")
        );
        let out = call("cmd.run", vec![json!("umask")], json!({"umask": 0}));
        assert_eq!(out.ret, json!("ERROR: Zero umask is not allowed."));
        let out = call("cmd.run", vec![json!("umask")], json!({"umask": "abc"}));
        assert_eq!(out.ret, json!("ERROR: Invalid umask: 'abc'"));
        let out = call(
            "cmd.run",
            vec![json!("echo")],
            json!({"shell": "/nonexistent/sh"}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR: The shell /nonexistent/sh is not available")
        );
        let out = call("cmd.run", vec![json!("echo 'open")], json!({}));
        assert_eq!(
            out.ret,
            json!("ERROR executing 'cmd.run': No closing quotation")
        );
        let out = call(
            "cmd.run_all",
            vec![json!("no-such-command-here arg")],
            // A PATH entry we may not search would make it EACCES.
            json!({"cwd": "/", "env": {"PATH": "/usr/bin:/bin"}}),
        );
        assert_eq!(
            out.ret,
            json!(
                "ERROR: Unable to run command '['no-such-command-here', 'arg']' with the context '{'cwd': '/', 'shell': False, 'stdout': -1, 'stderr': -1, 'with_communicate': True, 'timeout': None, 'bg': False, 'close_fds': True}', reason: [Errno 2] No such file or directory: 'no-such-command-here'"
            )
        );
        let out = call(
            "cmd.run",
            vec![json!("exit 3")],
            json!({"python_shell": true, "success_retcodes": "2,3"}),
        );
        assert_eq!((out.ret, out.retcode), (json!(""), 0));
        let out = call(
            "cmd.run",
            vec![json!("exit 3")],
            json!({"success_retcodes": "x"}),
        );
        assert_eq!(
            out.ret,
            json!("ERROR executing 'cmd.run': success_retcodes must be a list of integers")
        );
    }

    #[test]
    fn success_output_hide_output_and_raise_err() {
        let out = call(
            "cmd.run_all",
            vec![json!("echo done; exit 4")],
            json!({"python_shell": true, "success_stdout": ["done"]}),
        );
        assert_eq!((out.ret["retcode"].clone(), out.retcode), (json!(0), 0));
        let out = call(
            "cmd.run_all",
            vec![json!("echo hi")],
            json!({"hide_output": true}),
        );
        assert_eq!(
            (out.ret["stdout"].clone(), out.ret["stderr"].clone()),
            (json!(""), json!(""))
        );
        let out = call(
            "cmd.run",
            vec![json!("echo bad; exit 2")],
            json!({"python_shell": true, "raise_err": true}),
        );
        assert_eq!((out.ret, out.retcode), (json!("ERROR: bad"), 1));
        let out = call(
            "cmd.run",
            vec![json!("echo out; echo err >&2")],
            json!({"python_shell": true, "redirect_stderr": false}),
        );
        assert_eq!(out.ret, json!("out"));
    }

    #[test]
    fn blacklisted_commands_are_refused_for_jobs() {
        let opts = json!({"cmd_blacklist_glob": ["rm *"]});
        let ctx = Ctx::new(Arc::new(opts), Arc::new(json!({})), ".".into());
        let args = Args::new(
            vec![json!("rm -rf /nonexistent-x")],
            kwargs(json!({"__pub_jid": "1"})),
        );
        let out = run_job(&ctx, "cmd.run", args);
        assert_eq!(
            out.ret,
            json!("ERROR: The shell command \"rm -rf /nonexistent-x\" is not permitted")
        );
    }

    #[test]
    fn runas_switches_user_and_sets_its_variables() {
        if !is_root() {
            // Switching users needs root; as anyone else it must fail clearly.
            let out = call("cmd.run", vec![json!("id -u")], json!({"runas": "root"}));
            assert!(
                out.ret
                    .as_str()
                    .unwrap()
                    .contains("switching users needs root"),
                "{}",
                out.ret
            );
            return;
        }
        let nobody = nix::unistd::User::from_name("nobody")
            .unwrap()
            .expect("user nobody exists");
        let out = call(
            "cmd.run",
            vec![json!("id -u; id -g; echo $USER $LOGNAME $HOME")],
            json!({"runas": "nobody", "python_shell": true, "cwd": "/"}),
        );
        let expected = format!(
            "{}\n{}\nnobody nobody {}",
            nobody.uid,
            nobody.gid,
            nobody.dir.display()
        );
        assert_eq!(out.ret, json!(expected));
        // Supplementary groups are the user's, not root's.
        let out = call(
            "cmd.run",
            vec![json!("id -G")],
            json!({"runas": "nobody", "cwd": "/"}),
        );
        assert!(
            !out.ret.as_str().unwrap().split(' ').any(|g| g == "0"),
            "{}",
            out.ret
        );
    }

    #[test]
    fn script_runs_a_local_file_with_args() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("s.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"args: $@\"; case \"$0\" in */__salt.tmp.*.sh) echo renamed;; esac; echo err >&2; exit 4\n").unwrap();
        let out = call(
            "cmd.script",
            vec![json!(script), json!("a \"b c\"")],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!({"pid": out.ret["pid"], "retcode": 4, "stdout": "args: a b c\nrenamed", "stderr": "err"})
        );
        assert_eq!(out.retcode, 4);
        let url = format!("file://{}", script.display());
        let out = call(
            "cmd.script",
            vec![json!(url)],
            json!({"args": ["x", 1], "cwd": dir.path()}),
        );
        assert_eq!(out.ret["stdout"], json!("args: x 1\nrenamed"));
        // The temporary copy is gone afterwards.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("s.sh")]);
        let out = call(
            "cmd.script",
            vec![json!(dir.path().join("missing.sh"))],
            json!({}),
        );
        assert_eq!(
            out.ret,
            json!({"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true})
        );
        let out = call("cmd.script", vec![json!("salt://scripts/x.sh")], json!({}));
        assert!(
            out.ret
                .as_str()
                .unwrap()
                .contains("salt:// sources are not supported yet"),
            "{}",
            out.ret
        );
    }

    #[test]
    fn exec_code_runs_an_interpreter() {
        let out = call(
            "cmd.exec_code",
            vec![
                json!("sh"),
                json!("echo \"$0 $1 $2\" | grep -c __salt.tmp; echo $1-$2"),
            ],
            json!({"args": ["a", "b"]}),
        );
        assert_eq!(out.ret, json!("1\na-b"));
        let out = call(
            "cmd.exec_code_all",
            vec![json!("sh"), json!("exit 5")],
            json!({}),
        );
        assert_eq!((out.ret["retcode"].clone(), out.retcode), (json!(5), 5));
    }

    #[test]
    fn large_output_through_cmd_run_all() {
        let out = call(
            "cmd.run_all",
            vec![json!(
                "head -c 1500000 /dev/zero | tr '\\0' e >&2; head -c 1200000 /dev/zero | tr '\\0' o"
            )],
            json!({"python_shell": true}),
        );
        assert_eq!(out.ret["stderr"].as_str().unwrap().len(), 1_500_000);
        assert_eq!(out.ret["stdout"].as_str().unwrap().len(), 1_200_000);
    }

    #[test]
    fn background_run_returns_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("bg-done");
        let out = call(
            "cmd.run_all",
            vec![json!(format!("sleep 0.2; touch {}", marker.display()))],
            json!({"bg": true, "python_shell": true}),
        );
        assert_eq!(out.ret["retcode"], Value::Null);
        assert_eq!((out.ret["stdout"].clone(), out.retcode), (json!(""), 0));
        assert!((0..250).any(|_| marker.exists() || {
            std::thread::sleep(Duration::from_millis(20));
            false
        }));
    }
}

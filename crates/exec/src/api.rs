//! The contract between the loader and a module.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One execution module, as listed in the registry.
pub struct Module {
    /// Salt's name (`cmd`, `test`, `file` ...).
    pub name: &'static str,
    /// User docs for the module as a whole.
    pub doc: &'static str,
    /// Salt's `__virtual__`: whether the module can run on this host.
    pub available: fn() -> Availability,
    /// The module's functions, sorted by name.
    pub functions: &'static [Function],
}

/// One function of a module.
pub struct Function {
    /// Salt's name, without the module (`run`, `ping`, `list` for `list_`).
    pub name: &'static str,
    /// Salt's parameter names in order. `*args` and `**kwargs` mark that the
    /// function takes extra positional / keyword arguments. Used to bind
    /// positional arguments to names and by `sys.argspec`.
    pub params: &'static [&'static str],
    /// User docs, ending in a `CLI Example:` (served by `sys.doc`).
    pub doc: &'static str,
    pub call: fn(&Ctx, &Args) -> Result<Value, ExecError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// The reason users see, like Salt's `(False, "reason")`.
    Unavailable(String),
}

/// Always available: the `available` of modules that run anywhere.
pub fn always() -> Availability {
    Availability::Available
}

/// Errors a function returns. Their text is Salt's, since users grep for it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecError {
    #[error("'{0}' is not available.")]
    NotAvailable(String),
    #[error("'{fun}' is not available: {reason}")]
    ModuleUnavailable { fun: String, reason: String },
    #[error("Passed invalid arguments to {fun}: {message}")]
    InvalidArgs { fun: String, message: String },
    /// Salt's `SaltInvocationError`: the arguments make no sense together.
    #[error("{0}")]
    Invocation(String),
    /// Salt's `CommandExecutionError`: the function ran and failed.
    #[error("{0}")]
    CommandExecution(String),
    #[error("job was killed")]
    Killed,
}

impl ExecError {
    /// Shorthand for the common failure.
    pub fn failed(message: impl Into<String>) -> ExecError {
        ExecError::CommandExecution(message.into())
    }

    /// The string a Salt minion returns in place of the result.
    pub fn salt_return(&self, fun: &str) -> String {
        match self {
            ExecError::CommandExecution(m) => format!("ERROR: {m}"),
            ExecError::Invocation(m) => format!("ERROR executing '{fun}': {m}"),
            other => other.to_string(),
        }
    }

    /// Salt's retcode for the error: 254 when the function does not exist
    /// (EX_AVAILABLE), 1 (EX_GENERIC) otherwise.
    pub fn retcode(&self) -> i32 {
        match self {
            ExecError::NotAvailable(_) | ExecError::ModuleUnavailable { .. } => 254,
            _ => 1,
        }
    }
}

/// Positional and keyword arguments as Salt passes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    pub positional: Vec<Value>,
    pub kwargs: Map<String, Value>,
    fun: String,
    params: &'static [&'static str],
}

impl Args {
    pub fn new(positional: Vec<Value>, kwargs: Map<String, Value>) -> Args {
        Args {
            positional,
            kwargs,
            fun: String::new(),
            params: &[],
        }
    }

    /// Attaches the called function's name and parameter list (done by the
    /// dispatcher before the call).
    pub(crate) fn for_function(mut self, fun: &str, params: &'static [&'static str]) -> Args {
        self.fun = fun.to_owned();
        self.params = params;
        self
    }

    /// The name of the function being called.
    pub fn fun(&self) -> &str {
        &self.fun
    }

    /// Binds positional and keyword arguments to the function's parameter
    /// names and deserialises them into `T`, the function's argument struct.
    /// Keys starting with `__` (Salt's `__pub_*`) are dropped; an unknown
    /// keyword or too many positional arguments are errors unless the
    /// function declares `**kwargs` / `*args`.
    pub fn bind<T: DeserializeOwned>(&self) -> Result<T, ExecError> {
        let named: Vec<&str> = self
            .params
            .iter()
            .copied()
            .filter(|p| !p.starts_with('*'))
            .collect();
        let takes_varargs = self.params.contains(&"*args");
        let takes_kwargs = self.params.contains(&"**kwargs");
        if self.positional.len() > named.len() && !takes_varargs {
            return Err(self.invalid(format!(
                "{}() takes {} positional argument{} but {} were given",
                self.fun.rsplit('.').next().unwrap_or(&self.fun),
                named.len(),
                if named.len() == 1 { "" } else { "s" },
                self.positional.len()
            )));
        }
        let mut obj = Map::new();
        for (name, value) in named.iter().zip(self.positional.iter()) {
            obj.insert((*name).to_owned(), value.clone());
        }
        let mut unknown = Vec::new();
        for (key, value) in &self.kwargs {
            if key.starts_with("__") {
                continue;
            }
            if !named.contains(&key.as_str()) && !takes_kwargs {
                unknown.push(format!("{key}={}", crate::api::display_value(value)));
                continue;
            }
            if obj.contains_key(key) {
                return Err(self.invalid(format!("got multiple values for argument '{key}'")));
            }
            obj.insert(key.clone(), value.clone());
        }
        if !unknown.is_empty() {
            return Err(ExecError::Invocation(format!(
                "The following keyword arguments are not valid: {}",
                unknown.join(", ")
            )));
        }
        serde_json::from_value(Value::Object(obj))
            .map_err(|e| self.invalid(clean_serde_message(&e.to_string())))
    }

    /// Positional arguments beyond the named parameters (`*args`).
    pub fn varargs(&self) -> &[Value] {
        let named = self.params.iter().filter(|p| !p.starts_with('*')).count();
        self.positional.get(named..).unwrap_or(&[])
    }

    /// Keyword arguments that are not named parameters (`**kwargs`), without
    /// Salt's `__pub_*` keys.
    pub fn extra_kwargs(&self) -> Map<String, Value> {
        self.kwargs
            .iter()
            .filter(|(k, _)| !k.starts_with("__") && !self.params.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn invalid(&self, message: String) -> ExecError {
        ExecError::InvalidArgs {
            fun: self.fun.clone(),
            message,
        }
    }
}

fn clean_serde_message(msg: &str) -> String {
    // serde says "missing field `cmd`"; Salt users know "argument".
    msg.replace("missing field", "missing required argument")
        .replace('`', "'")
}

/// A value as Python's `str()` would show it in a message.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a running minion offers to the modules that manage it
/// (`saltutil.*`, `grains.setval`). Absent under `call --local`.
pub trait Runtime: Send + Sync {
    /// Salt's `saltutil.running` entries: one map per running job.
    fn running(&self) -> Vec<Value>;
    /// Signals the job; returns a message for the user.
    fn kill_job(&self, jid: &str) -> Result<Value, ExecError>;
    /// Re-collects grains and sends them to the master.
    fn refresh_grains(&self) -> Result<(), ExecError>;
    /// Sends `signal` to the job (`saltutil.signal_job`, `saltutil.term_job`);
    /// returns a message for the user. A runtime that can only kill jobs
    /// keeps this default, which handles SIGKILL through [`Runtime::kill_job`].
    fn signal_job(&self, jid: &str, signal: i32) -> Result<Value, ExecError> {
        if signal == libc::SIGKILL {
            return self.kill_job(jid);
        }
        Err(ExecError::failed(format!(
            "this minion cannot send signal {signal} to a job"
        )))
    }
}

/// The file client modules see: a hash-checked local cache in front of
/// whatever serves `salt://` (the master, or local roots).
pub type Files = halite_fileserver::CachingClient<Arc<dyn halite_fileserver::FileClient>>;

/// Everything a function may know about where it runs: Salt's `__opts__`,
/// `__grains__`, `__pillar__` and `__context__`, plus cancellation.
pub struct Ctx {
    /// The configuration of the running role, as a map (Salt's `__opts__`).
    pub opts: Arc<Value>,
    pub grains: Arc<Value>,
    pub pillar: Arc<Value>,
    /// The job's id, when running as a job.
    pub jid: Option<String>,
    /// Directory holding config files such as `grains` (Salt's conf dir).
    pub config_dir: PathBuf,
    pub runtime: Option<Arc<dyn Runtime>>,
    /// `salt://` files: from the master (cached) on a minion, from the
    /// local roots under `call --local`. `None` where no file server is set.
    pub files: Option<Arc<Files>>,
    cancelled: Arc<AtomicBool>,
    retcode: AtomicI32,
}

impl Ctx {
    pub fn new(opts: Arc<Value>, grains: Arc<Value>, config_dir: PathBuf) -> Ctx {
        Ctx {
            opts,
            grains,
            pillar: Arc::new(Value::Object(Map::new())),
            jid: None,
            config_dir,
            runtime: None,
            files: None,
            cancelled: Arc::new(AtomicBool::new(false)),
            retcode: AtomicI32::new(0),
        }
    }

    /// A context for tests and `call --local` with empty opts and grains.
    pub fn bare() -> Ctx {
        Ctx::new(
            Arc::new(Value::Object(Map::new())),
            Arc::new(Value::Object(Map::new())),
            PathBuf::from("."),
        )
    }

    /// A flag that another thread sets to kill this job (`saltutil.kill_job`).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    pub fn with_cancel_flag(mut self, flag: Arc<AtomicBool>) -> Ctx {
        self.cancelled = flag;
        self
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Sets the job's retcode (Salt's `__context__["retcode"]`).
    pub fn set_retcode(&self, code: i32) {
        self.retcode.store(code, Ordering::Relaxed);
    }

    pub fn retcode(&self) -> i32 {
        self.retcode.load(Ordering::Relaxed)
    }

    /// An option from `opts`, if set.
    pub fn opt(&self, key: &str) -> Option<&Value> {
        self.opts.get(key)
    }
}

/// Salt's arguments are loosely typed: the CLI parses every argument as YAML,
/// so `cwd=/tmp` arrives as a string but `mode=644` as an int and
/// `text=yes` as a bool. Helpers for `#[serde(deserialize_with = ...)]` and
/// for turning values into the text Python's `str()` gives.
pub mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Python's `str()` of a value: `True`, `None`, `1.5`, `['a', 1]`.
    pub fn python_str(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => python_repr(other),
        }
    }

    /// Python's `repr()` of a value: strings quoted the way Python quotes them.
    pub fn python_repr(v: &Value) -> String {
        match v {
            Value::Null => "None".to_owned(),
            Value::Bool(true) => "True".to_owned(),
            Value::Bool(false) => "False".to_owned(),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i.to_string(),
                (_, Some(u), _) => u.to_string(),
                (_, _, Some(f)) => python_float(f),
                _ => n.to_string(),
            },
            Value::String(s) => python_str_repr(s),
            Value::Array(items) => format!(
                "[{}]",
                items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
            ),
            Value::Object(map) => format!(
                "{{{}}}",
                map.iter()
                    .map(|(k, v)| format!("{}: {}", python_str_repr(k), python_repr(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Python's `repr()` of a `str`: single quotes unless the text holds a
    /// single quote and no double quote; control characters escaped.
    pub fn python_str_repr(s: &str) -> String {
        let quote = if s.contains('\'') && !s.contains('"') {
            '"'
        } else {
            '\''
        };
        let mut out = String::with_capacity(s.len() + 2);
        out.push(quote);
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push(quote);
        out
    }

    /// Python's `repr()` of a float: the shortest text that round-trips,
    /// always with a `.0` or an exponent (`1.0`, `0.5`, `1e+16`, `1e-05`).
    pub fn python_float(f: f64) -> String {
        if f.is_nan() {
            return "nan".to_owned();
        }
        if f.is_infinite() {
            return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
        }
        let sci = format!("{f:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if (-4..16).contains(&exp) {
            let fixed = format!("{f}");
            if fixed.contains('.') {
                fixed
            } else {
                format!("{fixed}.0")
            }
        } else {
            format!(
                "{mantissa}e{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.abs()
            )
        }
    }

    /// Truthiness as Salt users mean it: Python's rules, except that the
    /// strings `false`, `no`, `off` and `0` (any case) are false, since a
    /// value that skipped YAML parsing should not flip meaning.
    pub fn truthy(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
            Value::String(s) => !matches!(
                s.trim().to_ascii_lowercase().as_str(),
                "" | "false" | "no" | "off" | "0"
            ),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
        }
    }

    /// A string argument that may arrive as a number or bool (`name=644`).
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::Array(_) | Value::Object(_) => Err(serde::de::Error::custom(
                "expected a string, not a list or dict",
            )),
            other => Ok(python_str(&other)),
        }
    }

    /// Like [`string`], with `None`/null as `None`.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Array(_) | Value::Object(_) => Err(serde::de::Error::custom(
                "expected a string, not a list or dict",
            )),
            other => Ok(Some(python_str(&other))),
        }
    }

    /// A flag that may arrive as a bool, a number or a string (see [`truthy`]).
    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(truthy(&Value::deserialize(d)?))
    }

    /// Like [`bool`], with null as `None` (for Salt's tri-state `python_shell`).
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            other => Some(truthy(&other)),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn python_text_matches_python() {
            assert_eq!(
                python_str(&json!(["a", 1, true, null, 1.5])),
                "['a', 1, True, None, 1.5]"
            );
            assert_eq!(python_repr(&json!("it's")), "\"it's\"");
            assert_eq!(python_repr(&json!("a'b\"c\n")), "'a\\'b\"c\\n'");
            assert_eq!(python_repr(&json!({"k": "v"})), "{'k': 'v'}");
            assert_eq!(python_float(1.0), "1.0");
            assert_eq!(python_float(0.1), "0.1");
            assert_eq!(python_float(1e16), "1e+16");
            assert_eq!(python_float(1.5e-7), "1.5e-07");
            assert_eq!(python_float(123456.5), "123456.5");
        }

        #[test]
        fn truthy_follows_python_but_reads_false_strings() {
            assert!(truthy(&json!("yes")) && truthy(&json!(1)) && truthy(&json!([0])));
            assert!(
                !truthy(&json!("False"))
                    && !truthy(&json!(0))
                    && !truthy(&json!(null))
                    && !truthy(&json!(""))
            );
        }
    }
}

//! The contract between the loader and a module.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

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
        Args { positional, kwargs, fun: String::new(), params: &[] }
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
        let named: Vec<&str> = self.params.iter().copied().filter(|p| !p.starts_with('*')).collect();
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
        serde_json::from_value(Value::Object(obj)).map_err(|e| self.invalid(clean_serde_message(&e.to_string())))
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
        ExecError::InvalidArgs { fun: self.fun.clone(), message }
    }
}

fn clean_serde_message(msg: &str) -> String {
    // serde says "missing field `cmd`"; Salt users know "argument".
    msg.replace("missing field", "missing required argument").replace('`', "'")
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
}

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
            cancelled: Arc::new(AtomicBool::new(false)),
            retcode: AtomicI32::new(0),
        }
    }

    /// A context for tests and `call --local` with empty opts and grains.
    pub fn bare() -> Ctx {
        Ctx::new(Arc::new(Value::Object(Map::new())), Arc::new(Value::Object(Map::new())), PathBuf::from("."))
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

//! The contract between the engine and a state module.
//!
//! A state function is one of two kinds ([`Behaviour`]):
//! - **check + apply** (STYLE.md §2.2): `check` predicts the changes
//!   without touching anything, `apply` makes them. The engine builds
//!   Salt's return: an empty plan is `result: True`, `test=True` is
//!   `result: None` with the plan's changes, otherwise it applies. Such a
//!   state never learns whether it runs in test mode, so it cannot lie.
//! - **imperative**, for states that have nothing to check (`cmd.run`):
//!   `predict` answers for `test=True` and `run` does the work; the engine
//!   picks one, so `run` never runs in test mode.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use halite_exec::Ctx;

use crate::compile::LowChunk;
use crate::error::StateError;

/// One state module (`test`, `cmd`, `file` ...), as listed in the registry.
pub struct StateModule {
    /// Salt's name.
    pub name: &'static str,
    pub doc: &'static str,
    /// The functions, sorted by name.
    pub functions: &'static [StateFunction],
    /// Salt's `mod_watch`: what a `watch` or `listen` triggers.
    pub mod_watch: Option<&'static StateFunction>,
}

impl StateModule {
    pub fn function(&self, name: &str) -> Option<&'static StateFunction> {
        if name == "mod_watch" {
            return self.mod_watch;
        }
        self.functions.iter().find(|f| f.name == name)
    }
}

/// One state function.
pub struct StateFunction {
    pub name: &'static str,
    /// Parameters without a default; a chunk missing one fails with Salt's
    /// `Missing parameter {p} for state {mod.fun}`.
    pub required: &'static [&'static str],
    /// User docs, ending in an `SLS Example:`.
    pub doc: &'static str,
    pub behaviour: Behaviour,
}

/// A state function's work, see the module docs.
pub enum Behaviour {
    CheckApply {
        check: CheckFn,
        apply: ApplyFn,
    },
    Imperative {
        predict: ImperativeFn,
        run: ImperativeFn,
    },
}

pub type CheckFn = fn(&StateCtx, &StateArgs) -> Result<Plan, StateError>;
pub type ApplyFn = fn(&StateCtx, &StateArgs, Plan) -> Result<Applied, Failure>;
pub type ImperativeFn = fn(&StateCtx, &StateArgs) -> Result<StateReturn, StateError>;

/// What `check` predicts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Salt's `changes` that applying would make; empty: nothing to do.
    pub changes: Map<String, Value>,
    /// The comment for "nothing to do" or, with changes, for `test=True`.
    pub comment: String,
}

/// What `apply` did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub changes: Map<String, Value>,
    pub comment: String,
}

/// `apply` failed, maybe after making some changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Failure {
    pub changes: Map<String, Value>,
    pub comment: String,
}

/// A state function's return, Salt's `{name, changes, result, comment}`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateReturn {
    pub name: Value,
    pub changes: Map<String, Value>,
    /// `None` is Salt's "would change" in test mode.
    pub result: Option<bool>,
    pub comment: String,
    /// Salt's optional `warnings` list.
    pub warnings: Option<Vec<Value>>,
    /// The key order of the Salt function's return dict, which Salt's JSON
    /// output keeps.
    pub key_order: KeyOrder,
}

/// Orders in which Salt's state functions build their return dicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyOrder {
    /// `{name, changes, result, comment}`: most state functions.
    #[default]
    NameChangesResultComment,
    /// `{name, result, comment, changes}`: `test.mod_watch` and others.
    NameResultCommentChanges,
    /// `{result, name, changes, comment}`: the engine's own failures.
    ResultNameChangesComment,
}

impl StateReturn {
    pub fn new(name: Value, result: Option<bool>, comment: impl Into<String>) -> StateReturn {
        StateReturn {
            name,
            changes: Map::new(),
            result,
            comment: comment.into(),
            warnings: None,
            key_order: KeyOrder::default(),
        }
    }

    /// The map Salt's state functions return, in their key order.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        let name = || self.name.clone();
        let changes = || Value::Object(self.changes.clone());
        let result = || self.result.map_or(Value::Null, Value::Bool);
        let comment = || Value::String(self.comment.clone());
        let fields: [(&str, Value); 4] = match self.key_order {
            KeyOrder::NameChangesResultComment => [
                ("name", name()),
                ("changes", changes()),
                ("result", result()),
                ("comment", comment()),
            ],
            KeyOrder::NameResultCommentChanges => [
                ("name", name()),
                ("result", result()),
                ("comment", comment()),
                ("changes", changes()),
            ],
            KeyOrder::ResultNameChangesComment => [
                ("result", result()),
                ("name", name()),
                ("changes", changes()),
                ("comment", comment()),
            ],
        };
        for (k, v) in fields {
            map.insert(k.into(), v);
        }
        if let Some(w) = &self.warnings {
            map.insert("warnings".into(), Value::Array(w.clone()));
        }
        map
    }
}

/// Everything a state function may know about where it runs.
pub struct StateCtx<'a> {
    /// The execution context: opts, grains, pillar, cancellation.
    pub exec: &'a Ctx,
    /// The low chunk being run (Salt's `__low__`), including `__reqs__`
    /// for `mod_watch`.
    pub low: &'a LowChunk,
    /// Results so far (Salt's `__running__`), keyed by state tag.
    pub running: &'a Map<String, Value>,
    /// The saltenv (Salt's `__env__`).
    pub saltenv: String,
}

/// A state function's arguments: the chunk without the engine's keywords.
#[derive(Debug, Clone, PartialEq)]
pub struct StateArgs {
    pub name: Value,
    pub kwargs: Map<String, Value>,
}

impl StateArgs {
    /// Deserialises the arguments (with `name`) into the function's struct.
    pub fn bind<T: DeserializeOwned>(&self, full: &str) -> Result<T, StateError> {
        let mut obj = self.kwargs.clone();
        obj.insert("name".into(), self.name.clone());
        serde_json::from_value(Value::Object(obj))
            .map_err(|e| StateError::Invocation(format!("Passed invalid arguments to {full}: {e}")))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.kwargs.get(key)
    }
}

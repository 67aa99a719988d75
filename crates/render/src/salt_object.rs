//! The `salt` object of the Jinja context: `salt['pillar.get'](...)` and
//! `salt.pillar.get(...)`.
//!
//! Functions that need only the render context (`pillar.get`,
//! `grains.get`, `config.get`, `grains.filter_by`, `pillar.filter_by`,
//! `defaults.merge`, `defaults.deepcopy`, `slsutil.merge`) run here, on the
//! template's own (mutable) values, because several of them mutate their
//! arguments in place as Salt's do (`defaults.merge`, `filter_by`'s
//! `merge`). Everything else goes to the [`FunctionCaller`](crate::FunctionCaller) as JSON.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Tuple, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

use crate::FunctionCaller;
use crate::mutable::{MutList, MutMap, from_json, mutable, to_json};

/// What the `salt` object needs: the context's values and the caller.
#[derive(Debug)]
pub(crate) struct SaltObject {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) grains: Value,
    pub(crate) pillar: Value,
    pub(crate) opts: Value,
    pub(crate) caller: Arc<dyn FunctionCaller>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

/// The functions this module runs itself.
const BUILTIN: &[&str] = &[
    "config.get",
    "defaults.deepcopy",
    "defaults.merge",
    "grains.filter_by",
    "grains.get",
    "pillar.filter_by",
    "pillar.get",
    "slsutil.merge",
];

#[derive(Debug)]
struct SaltModule {
    shared: Arc<Shared>,
    module: String,
}

#[derive(Debug)]
struct SaltFunction {
    shared: Arc<Shared>,
    fun: String,
}

impl Object for SaltObject {
    /// A map, so that `'pkg.version' in salt` asks whether the function
    /// exists; it cannot be listed.
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<salt.utils.templates.AliasedLoader object>")
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        // An unknown function is an undefined attribute, as in Salt
        // (`'...AliasedLoader object' has no attribute 'x.y'`).
        if name.contains('.') && !BUILTIN.contains(&name) && !self.shared.caller.has(name) {
            return None;
        }
        Some(if name.contains('.') {
            Value::from_object(SaltFunction {
                shared: self.shared.clone(),
                fun: name.to_owned(),
            })
        } else {
            Value::from_object(SaltModule {
                shared: self.shared.clone(),
                module: name.to_owned(),
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }
}

impl Object for SaltModule {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        Some(Value::from_object(SaltFunction {
            shared: self.shared.clone(),
            fun: format!("{}.{name}", self.module),
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        call(&self.shared, &format!("{}.{method}", self.module), args)
    }
}

impl Object for SaltFunction {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        call(&self.shared, &self.fun, args)
    }
}

/// A function's arguments, bound to its parameter names.
struct Bound {
    names: Vec<String>,
    values: Vec<Option<Value>>,
}

impl Bound {
    fn bind(fun: &str, params: &[&str], args: &[Value]) -> Result<Bound, Error> {
        let (pos, kwargs) = match args.split_last() {
            Some((last, rest)) if last.is_kwargs() => (rest, Some(last)),
            _ => (args, None),
        };
        if pos.len() > params.len() {
            return Err(Error::new(
                ErrorKind::TooManyArguments,
                format!("{fun}() takes at most {} arguments", params.len()),
            ));
        }
        let mut values: Vec<Option<Value>> = params.iter().map(|_| None).collect();
        for (slot, value) in values.iter_mut().zip(pos) {
            *slot = Some(value.clone());
        }
        if let Some(kw) = kwargs {
            for key in kw.try_iter()? {
                let name = key.as_str().unwrap_or_default();
                // Salt's functions take **kwargs and ignore unknown names.
                if let Some(i) = params.iter().position(|p| *p == name) {
                    values[i] = Some(kw.get_item(&key)?);
                }
            }
        }
        Ok(Bound {
            names: params.iter().map(|p| (*p).to_owned()).collect(),
            values,
        })
    }

    /// Python's error for a missing required argument.
    fn require(self, fun: &str, required: usize) -> Result<Bound, Error> {
        let missing: Vec<&str> = (0..required)
            .filter(|&i| self.get(i).is_none())
            .map(|i| self.names[i].as_str())
            .collect();
        if missing.is_empty() {
            return Ok(self);
        }
        let short = fun.rsplit('.').next().unwrap_or(fun);
        let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        Err(invocation(format!(
            "{short}() missing {} required positional argument{}: {}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            names.join(" and ")
        )))
    }

    fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i).and_then(Option::as_ref)
    }

    fn str_or(&self, i: usize, default: &str) -> String {
        self.get(i)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| default.to_owned())
    }
}

fn invocation(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

fn call(shared: &Arc<Shared>, fun: &str, args: &[Value]) -> Result<Value, Error> {
    match fun {
        "pillar.get" => {
            let b = Bound::bind(
                fun,
                &["key", "default", "merge", "merge_nested_lists", "delimiter"],
                args,
            )?
            .require(fun, 1)?;
            let key = b.str_or(0, "");
            let delimiter = b.str_or(4, ":");
            let default = b.get(1).cloned().unwrap_or_else(|| Value::from(""));
            if b.get(2).is_some_and(Value::is_true) && default.kind() == ValueKind::Map {
                let found = traverse(&shared.pillar, &key, &delimiter);
                if let Some(found) = found.filter(|f| f.kind() == ValueKind::Map) {
                    let merged = deepcopy(&default);
                    let merge_lists = b.get(3).is_some_and(Value::is_true);
                    return update(&merged, &found, merge_lists);
                }
            }
            Ok(traverse(&shared.pillar, &key, &delimiter).unwrap_or(default))
        }
        "grains.get" => {
            let b = Bound::bind(fun, &["key", "default", "delimiter", "ordered"], args)?
                .require(fun, 1)?;
            let default = b.get(1).cloned().unwrap_or_else(|| Value::from(""));
            Ok(traverse(&shared.grains, &b.str_or(0, ""), &b.str_or(2, ":")).unwrap_or(default))
        }
        "config.get" => {
            let b = Bound::bind(
                fun,
                &[
                    "key",
                    "default",
                    "delimiter",
                    "merge",
                    "omit_opts",
                    "omit_pillar",
                    "omit_master",
                    "omit_grains",
                ],
                args,
            )?
            .require(fun, 1)?;
            let key = b.str_or(0, "");
            let delimiter = b.str_or(2, ":");
            let default = b.get(1).cloned().unwrap_or_else(|| Value::from(""));
            let found = traverse(&shared.opts, &key, &delimiter)
                .or_else(|| traverse(&shared.grains, &key, &delimiter))
                .or_else(|| traverse(&shared.pillar, &key, &delimiter))
                .or_else(|| {
                    traverse(
                        &shared.pillar,
                        &format!("master{delimiter}{key}"),
                        &delimiter,
                    )
                });
            Ok(found.unwrap_or(default))
        }
        "grains.filter_by" | "pillar.filter_by" => {
            let lookup_name = if fun == "grains.filter_by" {
                "grain"
            } else {
                "pillar"
            };
            let b = Bound::bind(
                fun,
                &["lookup_dict", lookup_name, "merge", "default", "base"],
                args,
            )?
            .require(fun, 1)?;
            let lookup_dict = b.get(0).cloned().ok_or_else(|| {
                invocation("filter_by() missing 1 required positional argument: 'lookup_dict'")
            })?;
            let traverse_in = if fun == "grains.filter_by" {
                &shared.grains
            } else {
                &shared.pillar
            };
            let lookup = b.str_or(
                1,
                if fun == "grains.filter_by" {
                    "os_family"
                } else {
                    ""
                },
            );
            filter_by(
                &lookup_dict,
                &lookup,
                traverse_in,
                b.get(2).filter(|v| !v.is_none() && !v.is_undefined()),
                &b.str_or(3, "default"),
                b.get(4).and_then(Value::as_str),
            )
        }
        "defaults.merge" => {
            let b = Bound::bind(
                fun,
                &["dest", "src", "merge_lists", "in_place", "convert_none"],
                args,
            )?
            .require(fun, 2)?;
            let (Some(dest), Some(src)) = (b.get(0), b.get(1)) else {
                return Err(invocation(
                    "merge() missing required arguments: 'dest' and 'src'",
                ));
            };
            let merge_lists = b.get(2).is_some_and(Value::is_true);
            let in_place = b.get(3).is_none_or(Value::is_true);
            let dest = if in_place {
                dest.clone()
            } else {
                deepcopy(dest)
            };
            update(&dest, src, merge_lists)
        }
        "defaults.deepcopy" => {
            let b = Bound::bind(fun, &["source"], args)?.require(fun, 1)?;
            Ok(deepcopy(b.get(0).unwrap_or(&Value::from(()))))
        }
        "slsutil.merge" => {
            let b = Bound::bind(
                fun,
                &["obj_a", "obj_b", "strategy", "renderer", "merge_lists"],
                args,
            )?
            .require(fun, 2)?;
            let (Some(a), Some(bv)) = (b.get(0), b.get(1)) else {
                return Err(invocation(
                    "merge() missing required arguments: 'obj_a' and 'obj_b'",
                ));
            };
            let strategy = b.str_or(2, "smart");
            let merge_lists = b.get(4).is_some_and(Value::is_true);
            match strategy.as_str() {
                "smart" | "recurse" | "aggregate" => update(&deepcopy(a), bv, merge_lists),
                "overwrite" => {
                    let copied = deepcopy(a);
                    for key in bv.try_iter()? {
                        set_item(&copied, key.clone(), bv.get_item(&key)?)?;
                    }
                    Ok(copied)
                }
                "none" => Ok(a.clone()),
                other => Err(invocation(format!("Unknown merging strategy '{other}'"))),
            }
        }
        _ => call_external(shared, fun, args),
    }
}

/// Hands the call to the [`FunctionCaller`]: arguments and result as JSON.
fn call_external(shared: &Arc<Shared>, fun: &str, args: &[Value]) -> Result<Value, Error> {
    let mut positional = Vec::new();
    let mut kwargs = serde_json::Map::new();
    for arg in args {
        if arg.is_kwargs() {
            for key in arg.try_iter()? {
                kwargs.insert(key.to_string(), to_json(&arg.get_item(&key)?));
            }
        } else {
            positional.push(to_json(arg));
        }
    }
    match shared.caller.call(fun, positional, kwargs) {
        Ok(ret) => Ok(from_json(&ret)),
        Err(message) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{}{message}", crate::jinja::FUNCTION_ERROR_MARK),
        )),
    }
}

/// Salt's `traverse_dict_and_list`: `a:b:0` through maps and lists.
pub(crate) fn traverse(data: &Value, key: &str, delimiter: &str) -> Option<Value> {
    let mut current = data.clone();
    for part in key.split(delimiter) {
        current = match current.kind() {
            ValueKind::Map => current
                .get_item(&Value::from(part))
                .ok()
                .filter(|v| !v.is_undefined())?,
            ValueKind::Seq => {
                let idx: i64 = part.parse().ok()?;
                current
                    .get_item(&Value::from(idx))
                    .ok()
                    .filter(|v| !v.is_undefined())?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// Python's `copy.deepcopy` of template data.
pub(crate) fn deepcopy(value: &Value) -> Value {
    deepcopy_in(value, &mut Vec::new())
}

/// `open` holds the containers being copied: a container inside itself is
/// shared instead of copied forever (Python's deepcopy memo would
/// reproduce the cycle; this keeps it bounded).
fn deepcopy_in(value: &Value, open: &mut Vec<usize>) -> Value {
    let id = crate::mutable::container_id(value);
    if let Some(id) = id {
        if open.contains(&id) || open.len() > 128 {
            return value.clone();
        }
        open.push(id);
    }
    let copied = deepcopy_value(value, open);
    if id.is_some() {
        open.pop();
    }
    copied
}

fn deepcopy_value(value: &Value, open: &mut Vec<usize>) -> Value {
    // Foreign objects (the `salt` object, macros, kwargs) are not data:
    // Python's deepcopy would not look into them either.
    let is_data = value.as_object().is_none_or(|o| {
        o.downcast_ref::<MutMap>().is_some()
            || o.downcast_ref::<MutList>().is_some()
            || o.downcast_ref::<Tuple>().is_some()
            || o.downcast_ref::<Vec<Value>>().is_some()
            || o.downcast_ref::<indexmap::IndexMap<Value, Value>>()
                .is_some()
    });
    if !is_data {
        return value.clone();
    }
    match value.kind() {
        ValueKind::Seq => {
            let items: Vec<Value> = value
                .try_iter()
                .map(|it| it.map(|v| deepcopy_in(&v, open)).collect())
                .unwrap_or_default();
            if value.downcast_object_ref::<Tuple>().is_some() {
                Value::from(Tuple::from(items))
            } else {
                Value::from_object(MutList::new(items))
            }
        }
        ValueKind::Map => {
            let ordered = value.downcast_object_ref::<MutMap>().is_some_and(|m| m.1);
            let mut map = indexmap::IndexMap::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = deepcopy_in(&value.get_item(&key).unwrap_or_default(), open);
                    map.insert(key, item);
                }
            }
            Value::from_object(if ordered {
                MutMap::ordered(map)
            } else {
                MutMap::new(map)
            })
        }
        _ => value.clone(),
    }
}

fn set_item(map: &Value, key: Value, item: Value) -> Result<(), Error> {
    match map.downcast_object_ref::<MutMap>() {
        Some(m) => {
            m.insert(key, item);
            Ok(())
        }
        None => Err(invocation("'dict' object is immutable here")),
    }
}

/// Salt's `dictupdate.update(dest, upd, recursive_update=True, merge_lists)`:
/// merges `upd` into `dest` in place and returns `dest`.
pub(crate) fn update(dest: &Value, upd: &Value, merge_lists: bool) -> Result<Value, Error> {
    update_depth(dest, upd, merge_lists, 0)
}

fn update_depth(
    dest: &Value,
    upd: &Value,
    merge_lists: bool,
    depth: usize,
) -> Result<Value, Error> {
    if depth > 128 {
        // Only cyclic data nests this deep; Python would recurse until its
        // own limit.
        return Err(invocation("maximum recursion depth exceeded"));
    }
    if dest.kind() != ValueKind::Map || upd.kind() != ValueKind::Map {
        return Err(invocation(
            "Cannot update using non-dict types in dictupdate.update()",
        ));
    }
    let dest = if dest.downcast_object_ref::<MutMap>().is_some() {
        dest.clone()
    } else {
        mutable(dest.clone())
    };
    for key in upd.try_iter()? {
        let val = upd.get_item(&key)?;
        let dest_sub = dest.get_item(&key).ok().filter(|v| !v.is_undefined());
        match dest_sub {
            Some(sub) if sub.kind() == ValueKind::Map && val.kind() == ValueKind::Map => {
                let merged = update_depth(&sub, &val, merge_lists, depth + 1)?;
                set_item(&dest, key, merged)?;
            }
            Some(sub)
                if merge_lists && sub.kind() == ValueKind::Seq && val.kind() == ValueKind::Seq =>
            {
                let mut merged: Vec<Value> = sub.try_iter()?.map(|v| deepcopy(&v)).collect();
                for item in val.try_iter()? {
                    if !merged.contains(&item) {
                        merged.push(item);
                    }
                }
                set_item(&dest, key, Value::from_object(MutList::new(merged)))?;
            }
            _ => set_item(&dest, key, val)?,
        }
    }
    Ok(dest)
}

/// Salt's `salt.utils.data.filter_by`.
fn filter_by(
    lookup_dict: &Value,
    lookup: &str,
    data: &Value,
    merge: Option<&Value>,
    default: &str,
    base: Option<&str>,
) -> Result<Value, Error> {
    let val = traverse(data, lookup, ":").unwrap_or_else(|| Value::from_object(MutList::default()));
    let candidates: Vec<Value> = if val.kind() == ValueKind::Seq {
        val.try_iter()?.collect()
    } else {
        vec![val]
    };
    let mut ret: Option<Value> = None;
    'outer: for each in &candidates {
        let each = crate::pyrepr::py_str(each);
        for key in lookup_dict.try_iter()? {
            let test_key = crate::pyrepr::py_str(&key);
            if each == test_key || crate::filters::fnmatch(&test_key, &each) {
                let item = lookup_dict.get_item(&key)?;
                if !item.is_none() {
                    ret = Some(item);
                    break 'outer;
                }
                break;
            }
        }
    }
    if ret.is_none() {
        ret = lookup_dict
            .get_item(&Value::from(default))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_none());
    }
    if let Some(base_values) = base.and_then(|base| {
        lookup_dict
            .get_item(&Value::from(base))
            .ok()
            .filter(|v| !v.is_undefined())
    }) {
        ret = Some(match ret {
            None => base_values,
            Some(r) if base_values.kind() == ValueKind::Map => {
                if r.kind() != ValueKind::Map {
                    return Err(invocation(
                        "filter_by default and look-up values must both be dictionaries.",
                    ));
                }
                update(&deepcopy(&base_values), &r, false)?
            }
            Some(r) => r,
        });
    }
    if let Some(merge) = merge {
        if merge.kind() != ValueKind::Map {
            return Err(invocation("filter_by merge argument must be a dictionary."));
        }
        ret = Some(match ret {
            None => merge.clone(),
            Some(r) => update(&r, &deepcopy(merge), false)?,
        });
    }
    Ok(ret.unwrap_or(Value::from(())))
}

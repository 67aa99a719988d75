//! Python's mutable `list` and `dict` for templates.
//!
//! minijinja's own sequences and maps are immutable, but Salt formulas
//! mutate data all the time (`{% do config.update(...) %}`,
//! `{% do pkgs.append(x) %}`). The pre-pass wraps every list and dict
//! literal and every `{% set %}` value in `__mut(...)`, and every value the
//! renderer injects (pillar, grains, function results, `import_yaml`) is
//! built with [`from_json`]; both give these interior-mutable objects,
//! shared by reference like Python's, so a change made through one name is
//! seen through all others.

use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Tuple, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

/// A Python `list`.
#[derive(Debug, Default)]
pub struct MutList(Mutex<Vec<Value>>);

/// A Python `dict` (insertion ordered, like Python 3.7+). `ordered` marks
/// Salt's `OrderedDict` (what the YAML renderer builds), which its YAML
/// dumper writes in order where it sorts the keys of a plain `dict`.
#[derive(Debug, Default)]
pub struct MutMap(Mutex<IndexMap<Value, Value>>, pub bool);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another render panicked mid-update; the
    // data is still a valid list/dict.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MutList {
    pub fn new(items: Vec<Value>) -> MutList {
        MutList(Mutex::new(items))
    }
    pub fn snapshot(&self) -> Vec<Value> {
        lock(&self.0).clone()
    }
}

impl MutMap {
    pub fn new(items: IndexMap<Value, Value>) -> MutMap {
        MutMap(Mutex::new(items), false)
    }
    pub fn ordered(items: IndexMap<Value, Value>) -> MutMap {
        MutMap(Mutex::new(items), true)
    }
    pub fn insert(&self, key: Value, value: Value) {
        lock(&self.0).insert(key, value);
    }
}

/// The identity of a mutable container (its address), for cycle checks.
pub fn container_id(value: &Value) -> Option<usize> {
    if let Some(list) = value.downcast_object_ref::<MutList>() {
        return Some(list as *const MutList as usize);
    }
    value
        .downcast_object_ref::<MutMap>()
        .map(|map| map as *const MutMap as usize)
}

/// Makes `value` mutable, deeply: builtin sequences and maps are copied into
/// [`MutList`]/[`MutMap`]; objects that already are mutable are kept as they
/// are, so identity (and sharing) is preserved.
pub fn mutable(value: Value) -> Value {
    if value.downcast_object_ref::<MutList>().is_some()
        || value.downcast_object_ref::<MutMap>().is_some()
    {
        return value;
    }
    match value.kind() {
        ValueKind::Seq if value.as_object().is_none() || is_plain_seq(&value) => {
            let items = value
                .try_iter()
                .map(|it| it.map(mutable).collect())
                .unwrap_or_default();
            Value::from_object(MutList::new(items))
        }
        ValueKind::Map if value.as_object().is_none() || is_plain_seq(&value) => {
            let mut map = IndexMap::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = value.get_item(&key).unwrap_or_default();
                    map.insert(key, mutable(item));
                }
            }
            Value::from_object(MutMap::new(map))
        }
        _ => value,
    }
}

/// Builtin containers (minijinja's own Vec/map objects) are converted;
/// foreign objects (the `salt` object, macros, namespaces, kwargs) are not.
fn is_plain_seq(value: &Value) -> bool {
    let Some(obj) = value.as_object() else {
        return true;
    };
    if value.is_kwargs() {
        return false;
    }
    // Tuples stay tuples: immutable in Python too.
    obj.downcast_ref::<Vec<Value>>().is_some()
        || obj.downcast_ref::<IndexMap<Value, Value>>().is_some()
        || obj
            .downcast_ref::<std::collections::BTreeMap<Value, Value>>()
            .is_some()
}

/// serde_json → template value, mutable containers (plain dicts).
pub fn from_json(value: &serde_json::Value) -> Value {
    from_json_as(value, false)
}

/// serde_json → template value; `ordered` makes the maps `OrderedDict`s.
pub fn from_json_as(value: &serde_json::Value, ordered: bool) -> Value {
    match value {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => Value::from_object(MutList::new(
            items.iter().map(|v| from_json_as(v, ordered)).collect(),
        )),
        serde_json::Value::Object(map) => Value::from_object(MutMap(
            Mutex::new(
                map.iter()
                    .map(|(k, v)| (Value::from(k.as_str()), from_json_as(v, ordered)))
                    .collect(),
            ),
            ordered,
        )),
    }
}

/// Template value → serde_json, the way Salt's data would be dumped to
/// JSON: keys become strings (`1` → `"1"`, `True` → `"true"`, `None` →
/// `"null"`), undefined becomes `null`.
pub fn to_json(value: &Value) -> serde_json::Value {
    to_json_depth(value, 0, SortKeys::Never)
}

/// Which maps get their keys sorted on the way to JSON (what Python's
/// dumpers would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKeys {
    Never,
    /// Plain dicts, not `OrderedDict`s: Salt's YAML dumper.
    PlainDicts,
    /// Every map: `json.dumps(sort_keys=True)`.
    All,
}

/// [`to_json`] with keys sorted as `sort` says.
pub fn to_json_sorted(value: &Value, sort: SortKeys) -> serde_json::Value {
    to_json_depth(value, 0, sort)
}

fn to_json_depth(value: &Value, depth: usize, sort: SortKeys) -> serde_json::Value {
    to_json_in(value, &mut Vec::new(), depth, sort)
}

/// `open` holds the containers being converted: a container inside itself
/// (possible with shared mutable objects) becomes Python's `"[...]"` text
/// instead of looping.
fn to_json_in(
    value: &Value,
    open: &mut Vec<usize>,
    depth: usize,
    sort: SortKeys,
) -> serde_json::Value {
    let id = container_id(value);
    if let Some(id) = id {
        if open.contains(&id) || open.len() > 128 {
            return serde_json::Value::String(
                if value.kind() == ValueKind::Map {
                    "{...}"
                } else {
                    "[...]"
                }
                .to_owned(),
            );
        }
        open.push(id);
    }
    let out = to_json_value(value, open, depth, sort);
    if id.is_some() {
        open.pop();
    }
    out
}

fn to_json_value(
    value: &Value,
    open: &mut Vec<usize>,
    depth: usize,
    sort: SortKeys,
) -> serde_json::Value {
    if depth > 256 {
        return serde_json::Value::Null;
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(value.is_true()),
        ValueKind::Number => {
            if let Ok(i) = i64::try_from(value.clone()) {
                serde_json::Value::from(i)
            } else if let Ok(u) = u64::try_from(value.clone()) {
                serde_json::Value::from(u)
            } else if let Ok(f) = f64::try_from(value.clone()) {
                serde_json::Number::from_f64(f)
                    .map(serde_json::Value::Number)
                    .unwrap_or_else(|| serde_json::Value::String(crate::pyrepr::py_float(f)))
            } else {
                serde_json::Value::String(value.to_string())
            }
        }
        ValueKind::String => {
            serde_json::Value::String(value.as_str().unwrap_or_default().to_owned())
        }
        ValueKind::Bytes => serde_json::Value::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned(),
        ),
        ValueKind::Seq | ValueKind::Iterable => serde_json::Value::Array(
            value
                .try_iter()
                .map(|it| it.map(|v| to_json_in(&v, open, depth + 1, sort)).collect())
                .unwrap_or_default(),
        ),
        ValueKind::Map => {
            let mut pairs = Vec::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = value.get_item(&key).unwrap_or_default();
                    pairs.push((json_key(&key), to_json_in(&item, open, depth + 1, sort)));
                }
            }
            let ordered = value.downcast_object_ref::<MutMap>().is_some_and(|m| m.1);
            if sort == SortKeys::All || (sort == SortKeys::PlainDicts && !ordered) {
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
            }
            serde_json::Value::Object(pairs.into_iter().collect())
        }
        _ => serde_json::Value::String(value.to_string()),
    }
}

/// A dict key as Python's `json.dumps` writes it.
fn json_key(key: &Value) -> String {
    match key.kind() {
        ValueKind::String => key.as_str().unwrap_or_default().to_owned(),
        ValueKind::None | ValueKind::Undefined => "null".to_owned(),
        ValueKind::Bool => if key.is_true() { "true" } else { "false" }.to_owned(),
        _ => crate::pyrepr::py_str(key),
    }
}

fn seq_index(len: usize, key: &Value) -> Option<usize> {
    let idx = i64::try_from(key.clone()).ok()?;
    let idx = if idx < 0 { len as i64 + idx } else { idx };
    (0..len as i64).contains(&idx).then_some(idx as usize)
}

fn index_error(msg: &str) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.to_owned())
}

/// Splits `args` into positional arguments and keyword arguments.
fn split_kwargs(args: &[Value]) -> (&[Value], Option<&Value>) {
    match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => (rest, Some(last)),
        _ => (args, None),
    }
}

fn arity(method: &str, args: &[Value], min: usize, max: usize) -> Result<(), Error> {
    if args.len() < min || args.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{method}() takes {} arguments ({} given)",
                if min == max {
                    min.to_string()
                } else {
                    format!("{min} to {max}")
                },
                args.len()
            ),
        ));
    }
    Ok(())
}

impl Object for MutList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::pyrepr::py_repr(&Value::from_dyn_object(
            self.clone(),
        )))
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = lock(&self.0);
        seq_index(items.len(), key).map(|i| items[i].clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.snapshot())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (args, _kwargs) = split_kwargs(args);
        match method {
            "append" => {
                arity(method, args, 1, 1)?;
                lock(&self.0).push(args[0].clone());
                Ok(Value::from(()))
            }
            "extend" => {
                arity(method, args, 1, 1)?;
                let new: Vec<Value> = args[0].try_iter()?.collect();
                lock(&self.0).extend(new);
                Ok(Value::from(()))
            }
            "insert" => {
                arity(method, args, 2, 2)?;
                let mut items = lock(&self.0);
                let len = items.len() as i64;
                let idx = i64::try_from(args[0].clone())?;
                let idx = if idx < 0 {
                    (len + idx).max(0)
                } else {
                    idx.min(len)
                };
                items.insert(idx as usize, args[1].clone());
                Ok(Value::from(()))
            }
            "pop" => {
                arity(method, args, 0, 1)?;
                let mut items = lock(&self.0);
                if items.is_empty() {
                    return Err(index_error("pop from empty list"));
                }
                let idx = match args.first() {
                    Some(i) => seq_index(items.len(), i)
                        .ok_or_else(|| index_error("pop index out of range"))?,
                    None => items.len() - 1,
                };
                Ok(items.remove(idx))
            }
            "remove" => {
                arity(method, args, 1, 1)?;
                let mut items = lock(&self.0);
                let pos = items
                    .iter()
                    .position(|v| v == &args[0])
                    .ok_or_else(|| index_error("list.remove(x): x not in list"))?;
                items.remove(pos);
                Ok(Value::from(()))
            }
            "index" => {
                arity(method, args, 1, 1)?;
                let items = lock(&self.0);
                let pos = items.iter().position(|v| v == &args[0]).ok_or_else(|| {
                    index_error(&format!(
                        "{} is not in list",
                        crate::pyrepr::py_repr(&args[0])
                    ))
                })?;
                Ok(Value::from(pos))
            }
            "count" => {
                arity(method, args, 1, 1)?;
                Ok(Value::from(
                    lock(&self.0).iter().filter(|v| *v == &args[0]).count(),
                ))
            }
            "reverse" => {
                lock(&self.0).reverse();
                Ok(Value::from(()))
            }
            "sort" => {
                lock(&self.0).sort();
                Ok(Value::from(()))
            }
            "clear" => {
                lock(&self.0).clear();
                Ok(Value::from(()))
            }
            "copy" => Ok(Value::from_object(MutList::new(self.snapshot()))),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

impl Object for MutMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::pyrepr::py_repr(&Value::from_dyn_object(
            self.clone(),
        )))
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        lock(&self.0).get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (pos, kwargs) = split_kwargs(args);
        match method {
            "update" => {
                arity(method, pos, 0, 1)?;
                let mut new = Vec::new();
                if let Some(other) = pos.first() {
                    new.extend(pairs_of(other)?);
                }
                if let Some(kw) = kwargs {
                    new.extend(pairs_of(kw)?);
                }
                let mut items = lock(&self.0);
                for (k, v) in new {
                    items.insert(k, v);
                }
                Ok(Value::from(()))
            }
            "setdefault" => {
                arity(method, pos, 1, 2)?;
                let default = pos.get(1).cloned().unwrap_or(Value::from(()));
                let mut items = lock(&self.0);
                Ok(items.entry(pos[0].clone()).or_insert(default).clone())
            }
            "pop" => {
                arity(method, pos, 1, 2)?;
                let mut items = lock(&self.0);
                match items.shift_remove(&pos[0]) {
                    Some(v) => Ok(v),
                    None => pos.get(1).cloned().ok_or_else(|| {
                        index_error(&format!("KeyError: {}", crate::pyrepr::py_repr(&pos[0])))
                    }),
                }
            }
            "popitem" => {
                let mut items = lock(&self.0);
                let (k, v) = items
                    .pop()
                    .ok_or_else(|| index_error("popitem(): dictionary is empty"))?;
                Ok(Value::from(Tuple::from(vec![k, v])))
            }
            "get" => {
                arity(method, pos, 1, 2)?;
                let items = lock(&self.0);
                Ok(items
                    .get(&pos[0])
                    .cloned()
                    .unwrap_or_else(|| pos.get(1).cloned().unwrap_or(Value::from(()))))
            }
            "keys" => Ok(Value::from(
                lock(&self.0).keys().cloned().collect::<Vec<_>>(),
            )),
            "values" => Ok(Value::from(
                lock(&self.0).values().cloned().collect::<Vec<_>>(),
            )),
            "items" => Ok(Value::from(
                lock(&self.0)
                    .iter()
                    .map(|(k, v)| Value::from(Tuple::from(vec![k.clone(), v.clone()])))
                    .collect::<Vec<_>>(),
            )),
            "clear" => {
                lock(&self.0).clear();
                Ok(Value::from(()))
            }
            "copy" => Ok(Value::from_object(MutMap(
                Mutex::new(lock(&self.0).clone()),
                self.1,
            ))),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// The `(key, value)` pairs of a mapping, or of a list of pairs (what
/// `dict.update` accepts).
fn pairs_of(value: &Value) -> Result<Vec<(Value, Value)>, Error> {
    if value.kind() == ValueKind::Map {
        let mut out = Vec::new();
        for key in value.try_iter()? {
            if value.is_kwargs() && key.as_str().is_some_and(|k| k.starts_with("__")) {
                continue;
            }
            let item = value.get_item(&key)?;
            out.push((key, item));
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for pair in value.try_iter()? {
        let mut it = pair.try_iter()?;
        match (it.next(), it.next(), it.next()) {
            (Some(k), Some(v), None) => out.push((k, v)),
            _ => {
                return Err(index_error(
                    "dictionary update sequence element has wrong length",
                ));
            }
        }
    }
    Ok(out)
}

//! Salt's Jinja environment on minijinja: the loader, the context, the
//! `salt` object, filters, Python methods and printing, and the mapping of
//! minijinja's errors to Salt's messages.

use std::sync::Arc;

use minijinja::value::{Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

use crate::error::{RenderError, RenderErrorKind};
use crate::mutable::{MutMap, mutable};
use crate::salt_object::{SaltObject, Shared};
use crate::{TemplateSource, loader, prepass};

/// Prefix of a minijinja error message that came from a failed `salt[...]`
/// call, so it is reported as Salt's "Problem running salt function".
pub(crate) const FUNCTION_ERROR_MARK: &str = "\u{1}salt-function\u{1}";

/// Builds the environment for one render: templates load from `source`
/// in `saltenv`, and `globals` (grains, pillar, sls, ...) are visible to the
/// template and to everything it imports, as Salt puts its context into
/// `jinja_env.globals`.
/// Jinja2 environment options Salt lets users set (`jinja_env`,
/// `jinja_sls_env`, `jinja_trim_blocks`, a `#jinja2:` header).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct JinjaOptions {
    pub(crate) allow_undefined: bool,
    pub(crate) trim_blocks: bool,
    pub(crate) lstrip_blocks: bool,
}

impl JinjaOptions {
    /// Applies the recognised keys of one options map.
    pub(crate) fn apply(&mut self, map: &serde_json::Value) {
        let flag = |key: &str| map.get(key).and_then(serde_json::Value::as_bool);
        if let Some(v) = flag("trim_blocks") {
            self.trim_blocks = v;
        }
        if let Some(v) = flag("lstrip_blocks") {
            self.lstrip_blocks = v;
        }
    }
}

pub(crate) fn environment(
    source: Arc<dyn TemplateSource>,
    saltenv: &str,
    options: JinjaOptions,
    shared: Arc<Shared>,
    globals: Vec<(String, Value)>,
) -> Environment<'static> {
    let mut env = Environment::new();
    let allow_undefined = options.allow_undefined;
    if (options.trim_blocks || options.lstrip_blocks)
        && let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(options.trim_blocks)
            .lstrip_blocks(options.lstrip_blocks)
            .build()
    {
        env.set_syntax(syntax);
    }
    // Like Jinja2, every template loses one final newline; Salt appends it
    // again to the top-level output only (see `Renderer::render_template`).
    env.set_undefined_behavior(if allow_undefined {
        UndefinedBehavior::Lenient
    } else {
        UndefinedBehavior::Strict
    });
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let saltenv_owned = saltenv.to_owned();
    env.set_loader(move |name| {
        let Some(path) = loader::normalize(name) else {
            return Ok(None);
        };
        match source.read(&saltenv_owned, &path) {
            Ok(Some(text)) => prepass::rewrite_loaded(&text, &path)
                .map(Some)
                .map_err(|e| {
                    Error::new(
                        ErrorKind::SyntaxError,
                        format!("{} (in {path}, line {})", e.message, e.line),
                    )
                }),
            Ok(None) => Ok(None),
            Err(e) => Err(Error::new(ErrorKind::TemplateNotFound, e.to_string())),
        }
    });
    env.set_path_join_callback(|name, parent| loader::join(name, parent).into());
    env.set_formatter(|out, _state, value| {
        let text = crate::pyrepr::py_str(value);
        out.write_str(&text).map_err(Error::from)
    });
    env.set_unknown_method_callback(methods);
    crate::filters::register(&mut env);
    env.add_function("__mut", mutable);
    env.add_function("__import_yaml", |state: &State, path: String| {
        crate::filters::import_file(state, &path, "yaml")
    });
    env.add_function("__import_json", |state: &State, path: String| {
        crate::filters::import_file(state, &path, "json")
    });
    env.add_function("__import_text", |state: &State, path: String| {
        crate::filters::import_file(state, &path, "text")
    });
    env.add_function("__load_yaml", crate::filters::load_yaml);
    env.add_function("__load_json", crate::filters::load_json);
    env.add_function("__load_text", |v: Value| {
        Value::from(crate::pyrepr::py_str(&v))
    });
    env.add_function("raise", |message: String| -> Result<Value, Error> {
        Err(Error::new(ErrorKind::InvalidOperation, message))
    });
    env.add_function("odict", |args: Rest<Value>| -> Result<Value, Error> {
        let map = Value::from_object(MutMap::ordered(Default::default()));
        for arg in args.iter() {
            if let (Some(m), true) = (
                map.downcast_object_ref::<MutMap>(),
                matches!(arg.kind(), ValueKind::Map),
            ) {
                for key in arg.try_iter()? {
                    m.insert(key.clone(), arg.get_item(&key)?);
                }
            }
        }
        Ok(map)
    });
    // Jinja2's cycler takes the items as arguments, contrib's as one list.
    env.add_function("cycler", |items: Rest<Value>| {
        minijinja_contrib::globals::cycler(items.to_vec())
    });
    env.add_function("joiner", minijinja_contrib::globals::joiner);
    env.add_function("__varargs_macro", |inner: Value, names: Vec<String>| {
        Value::from_object(VarargsMacro { inner, names })
    });
    env.add_global("salt", Value::from_object(SaltObject { shared }));
    for (name, value) in globals {
        env.add_global(name, value);
    }
    env
}

/// A macro using Jinja2's implicit `varargs`/`kwargs`: binds the call's
/// arguments like Jinja2 (named parameters first, extra positionals into
/// `varargs`, unknown keywords into `kwargs`) and calls the real macro,
/// which takes those two as parameters (see the pre-pass).
#[derive(Debug)]
struct VarargsMacro {
    inner: Value,
    names: Vec<String>,
}

impl minijinja::value::Object for VarargsMacro {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (positional, kwargs) = match args.split_last() {
            Some((last, rest)) if last.is_kwargs() => (rest, Some(last)),
            _ => (args, None),
        };
        let bound = positional.len().min(self.names.len());
        let mut call_args: Vec<Value> = positional[..bound].to_vec();
        let extra = Value::from(minijinja::value::Tuple::from(positional[bound..].to_vec()));
        let unknown = Value::from_object(MutMap::default());
        let mut named: Vec<(String, Value)> = Vec::new();
        if let Some(kwargs) = kwargs {
            for key in kwargs.try_iter()? {
                let name = key.as_str().unwrap_or_default().to_owned();
                let value = kwargs.get_item(&key)?;
                if self.names.contains(&name) || name == "caller" {
                    named.push((name, value));
                } else if let Some(map) = unknown.downcast_object_ref::<MutMap>() {
                    map.insert(key, value);
                }
            }
        }
        named.push(("varargs".to_owned(), extra));
        named.push(("kwargs".to_owned(), unknown));
        call_args.push(Value::from(minijinja::value::Kwargs::from_iter(named)));
        self.inner.call(state, &call_args)
    }
}

/// Python methods minijinja and pycompat lack, then pycompat's.
fn methods(state: &mut State, value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        let arg_str = |i: usize| args.get(i).and_then(|a| a.as_str()).map(str::to_owned);
        match method {
            "zfill" => {
                let width = args
                    .first()
                    .and_then(|w| usize::try_from(w.clone()).ok())
                    .unwrap_or(0);
                let pad = width.saturating_sub(s.chars().count());
                let (sign, rest) = match s.chars().next() {
                    Some(c @ ('-' | '+')) => (c.to_string(), &s[1..]),
                    _ => (String::new(), s),
                };
                return Ok(Value::from(format!("{sign}{}{rest}", "0".repeat(pad))));
            }
            "ljust" | "rjust" | "center" => {
                let width = args
                    .first()
                    .and_then(|w| usize::try_from(w.clone()).ok())
                    .unwrap_or(0);
                let fill = arg_str(1).and_then(|f| f.chars().next()).unwrap_or(' ');
                let pad = width.saturating_sub(s.chars().count());
                let fill_n = |n: usize| fill.to_string().repeat(n);
                return Ok(Value::from(match method {
                    "ljust" => format!("{s}{}", fill_n(pad)),
                    "rjust" => format!("{}{s}", fill_n(pad)),
                    _ => {
                        let left = pad / 2 + (pad & width & 1);
                        format!("{}{s}{}", fill_n(left), fill_n(pad - left))
                    }
                }));
            }
            "rsplit" => {
                let sep = arg_str(0);
                let max = args
                    .get(1)
                    .and_then(|m| i64::try_from(m.clone()).ok())
                    .unwrap_or(-1);
                let mut parts: Vec<String> = match &sep {
                    Some(sep) if max >= 0 => s
                        .rsplitn(max as usize + 1, sep.as_str())
                        .map(str::to_owned)
                        .collect(),
                    Some(sep) => s.rsplit(sep.as_str()).map(str::to_owned).collect(),
                    None => s.split_whitespace().rev().map(str::to_owned).collect(),
                };
                parts.reverse();
                return Ok(mutable(Value::from(parts)));
            }
            "partition" | "rpartition" => {
                let sep = arg_str(0).unwrap_or_default();
                let found = if method == "partition" {
                    s.find(&sep)
                } else {
                    s.rfind(&sep)
                };
                let parts = match found {
                    Some(i) => vec![
                        s[..i].to_owned(),
                        sep.clone(),
                        s[i + sep.len()..].to_owned(),
                    ],
                    None if method == "partition" => {
                        vec![s.to_owned(), String::new(), String::new()]
                    }
                    None => vec![String::new(), String::new(), s.to_owned()],
                };
                return Ok(Value::from(minijinja::value::Tuple::from(
                    parts.into_iter().map(Value::from).collect::<Vec<_>>(),
                )));
            }
            "index" => {
                let sub = arg_str(0).unwrap_or_default();
                return s
                    .find(&sub)
                    .map(|i| Value::from(s[..i].chars().count()))
                    .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "substring not found"));
            }
            "swapcase" => {
                return Ok(Value::from(
                    s.chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_lowercase().to_string()
                            } else {
                                c.to_uppercase().to_string()
                            }
                        })
                        .collect::<String>(),
                ));
            }
            "split" => {
                // pycompat returns an immutable list; formulas append to it.
                let rv = minijinja_contrib::pycompat::unknown_method_callback(
                    state, value, method, args,
                )?;
                return Ok(mutable(Value::from(rv.try_iter()?.collect::<Vec<_>>())));
            }
            _ => {}
        }
    }
    if value.kind() == ValueKind::Seq && method == "index" {
        let needle = args.first().cloned().unwrap_or_default();
        return value
            .try_iter()?
            .position(|v| v == needle)
            .map(Value::from)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("{} is not in list", crate::pyrepr::py_repr(&needle)),
                )
            });
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// Maps a minijinja error to Salt's kinds and texts. `main` is the name of
/// the template being rendered; an error elsewhere is in an import.
///
/// `env`, when given, evaluates the parent of an undefined attribute so the
/// message can name its type as Python would (`'collections.OrderedDict
/// object' has no attribute 'x'`); only globals are visible to it, so a
/// parent that is a template variable is taken for a dict.
pub(crate) fn convert_error(err: &Error, main: &str, env: Option<&Environment<'_>>) -> RenderError {
    // The innermost minijinja error names the template and line where it
    // happened (an include or import wraps the error of the inner template).
    let mut inner = err;
    while let Some(next) = std::error::Error::source(inner).and_then(|s| s.downcast_ref::<Error>())
    {
        inner = next;
    }
    let detail = inner.detail().unwrap_or_default();
    let (kind, message) = if let Some(msg) = detail.strip_prefix(FUNCTION_ERROR_MARK) {
        (RenderErrorKind::Function, msg.to_owned())
    } else {
        match inner.kind() {
            ErrorKind::UndefinedError => {
                (RenderErrorKind::Undefined, undefined_message(detail, env))
            }
            ErrorKind::SyntaxError
            | ErrorKind::UnknownFilter
            | ErrorKind::UnknownTest
            | ErrorKind::UnknownBlock => (
                RenderErrorKind::JinjaSyntax,
                if detail.is_empty() {
                    inner.kind().to_string()
                } else {
                    detail.to_owned()
                },
            ),
            // Jinja2's TemplateNotFound says only the name.
            ErrorKind::TemplateNotFound => (
                RenderErrorKind::Jinja,
                detail
                    .split(['"', '\''])
                    .nth(1)
                    .unwrap_or(detail)
                    .to_owned(),
            ),
            // Calling an undefined value: Jinja2 fails earlier, on the lookup.
            _ if detail.contains("` is undefined") => {
                let expr = detail
                    .split_once('`')
                    .map(|(_, rest)| rest)
                    .unwrap_or(detail);
                (
                    RenderErrorKind::Undefined,
                    undefined_message(format!("`{expr}").trim_end_matches(')'), env),
                )
            }
            _ => (
                RenderErrorKind::Jinja,
                if detail.is_empty() {
                    inner.kind().to_string()
                } else {
                    detail.to_owned()
                },
            ),
        }
    };
    let file = inner.name().unwrap_or(main).to_owned();
    let mut out = RenderError::new(kind, &file, message).at(inner.line());
    out.imported = file != main;
    out
}

/// Jinja2's wording for an undefined value, from minijinja's
/// "`grains.nope` is undefined": `'dict object' has no attribute 'nope'`,
/// `list object has no element 5`, or `'x' is undefined` for a name.
fn undefined_message(detail: &str, env: Option<&Environment<'_>>) -> String {
    let detail = detail.split(" (from ").next().unwrap_or(detail);
    let Some(expr) = detail
        .strip_prefix('`')
        .and_then(|d| d.strip_suffix("` is undefined"))
    else {
        return if detail.is_empty() {
            "is undefined".to_owned()
        } else {
            detail.to_owned()
        };
    };
    let Some((parent, key, subscript)) = split_lookup(expr) else {
        return format!("'{expr}' is undefined");
    };
    let key = key.trim_matches(|c| c == '\'' || c == '"');
    let parent_value = env
        .and_then(|env| env.compile_expression(parent).ok())
        .and_then(|e| e.eval(()).ok())
        .filter(|v| !v.is_undefined());
    let type_name = match &parent_value {
        Some(v) if v.downcast_object_ref::<SaltObject>().is_some() => {
            "salt.utils.templates.AliasedLoader"
        }
        Some(v) if v.downcast_object_ref::<MutMap>().is_some_and(|m| m.1) => {
            "collections.OrderedDict"
        }
        Some(v) if v.kind() == ValueKind::Seq => {
            if subscript && key.parse::<i64>().is_ok() {
                return format!("list object has no element {key}");
            }
            "list"
        }
        Some(v) if v.kind() == ValueKind::String => "str",
        _ if parent.starts_with("salt[") || parent == "salt" => {
            "salt.utils.templates.AliasedLoader"
        }
        // minijinja abbreviates complex parents as `(...)`; an integer
        // subscript is most likely into a list.
        None if subscript && key.parse::<i64>().is_ok() => {
            return format!("list object has no element {key}");
        }
        _ => "dict",
    };
    format!("'{type_name} object' has no attribute '{key}'")
}

/// Splits `a.b[c].d` into its parent (`a.b[c]`), the last key (`d`) and
/// whether that key was a subscript.
fn split_lookup(expr: &str) -> Option<(&str, &str, bool)> {
    if let Some(inner) = expr.strip_suffix(']') {
        let mut depth = 0i32;
        for (i, c) in inner.char_indices().rev() {
            match c {
                ']' => depth += 1,
                '[' if depth == 0 => return Some((&inner[..i], &inner[i + 1..], true)),
                '[' => depth -= 1,
                _ => {}
            }
        }
        return None;
    }
    let (parent, key) = expr.rsplit_once('.')?;
    (!parent.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then_some((parent, key, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_messages_use_jinja2_words() {
        assert_eq!(
            undefined_message("`(...)[5]` is undefined", None),
            "list object has no element 5"
        );
        assert_eq!(
            undefined_message("`nope` is undefined", None),
            "'nope' is undefined"
        );
        assert_eq!(
            undefined_message("`grains.x` is undefined", None),
            "'dict object' has no attribute 'x'"
        );
        assert_eq!(
            undefined_message("`a['k']` is undefined", None),
            "'dict object' has no attribute 'k'"
        );
    }
}

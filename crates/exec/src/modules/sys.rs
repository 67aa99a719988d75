//! `sys`: what the minion can run: modules, functions, their docs and
//! argument specs (Salt's `sysmod`). Only modules available on this host
//! are listed, as only those are loaded in Salt's `__salt__`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::lenient::{self, python_str};
use crate::api::{Args, Availability, Ctx, ExecError, Function, Module, always};
use crate::registry::all_modules;

pub static MODULE: Module = Module {
    name: "sys",
    doc: "Inspect the execution modules the minion offers: their names, functions, docs and arguments.",
    available: always,
    functions: &[
        Function {
            name: "argspec",
            params: &["module"],
            doc: "\
Return the argument specification of functions: for each `mod.fun`, its
`args` (in order), `defaults`, and whether it takes `varargs` (*args) and
`kwargs` (**kwargs). Default values are not recorded, so `defaults` is
null. With no argument, every function.

Module names can be specified as globs.

CLI Example:

    halite '*' sys.argspec cmd.run
    halite '*' sys.argspec sys
    halite '*' sys.argspec 'cmd.*'
",
            call: argspec,
        },
        Function {
            name: "doc",
            params: &["*args"],
            doc: "\
Return the docs of all functions, or of the named modules or functions,
as a map of `mod.fun` to its doc. Names can be globs.

CLI Example:

    halite '*' sys.doc
    halite '*' sys.doc cmd
    halite '*' sys.doc cmd.run file.read
    halite '*' sys.doc 'sys.list_*'
",
            call: doc,
        },
        Function {
            name: "list_functions",
            params: &["*args", "**kwargs"],
            doc: "\
List the functions of all modules, or of the named modules, sorted. A
name with a dot or a `*` is matched as a glob against `mod.fun`.

CLI Example:

    halite '*' sys.list_functions
    halite '*' sys.list_functions sys cmd
    halite '*' sys.list_functions 'sys.list_*'
",
            call: list_functions,
        },
        Function {
            name: "list_modules",
            params: &["*args"],
            doc: "\
List the modules loaded on the minion, sorted. Module names can be globs.

CLI Example:

    halite '*' sys.list_modules
    halite '*' sys.list_modules 's*'
",
            call: list_modules,
        },
    ],
};

/// Every function of every available module, as `("mod.fun", function)`,
/// sorted by name (the registry is sorted).
fn loaded_functions() -> impl Iterator<Item = (String, &'static Function)> {
    let mut modules: Vec<&'static crate::api::Module> = all_modules().collect();
    modules.sort_by_key(|m| m.name);
    modules
        .into_iter()
        .filter(|m| (m.available)() == Availability::Available)
        .flat_map(|m| {
            m.functions
                .iter()
                .map(move |f| (format!("{}.{}", m.name, f.name), f))
        })
}

fn string_args(args: &Args) -> Vec<String> {
    args.varargs().iter().map(python_str).collect()
}

fn doc(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let names = string_args(args);
    let mut docs = Map::new();
    for (name, function) in loaded_functions() {
        let wanted = names.is_empty()
            || names.iter().any(|pattern| {
                if pattern.contains('*') {
                    fnmatch(&name, pattern)
                } else {
                    // "sys" and "sys." select sys's functions, not sysctl's.
                    let module = if pattern.ends_with('.') {
                        pattern.clone()
                    } else {
                        format!("{pattern}.")
                    };
                    !pattern.is_empty() && (name == *pattern || name.starts_with(&module))
                }
            });
        if wanted {
            docs.insert(name, Value::String(function.doc.to_owned()));
        }
    }
    Ok(Value::Object(docs))
}

fn list_functions(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let names = string_args(args);
    let matched: Vec<String> = loaded_functions()
        .map(|(name, _)| name)
        .filter(|name| {
            names.is_empty()
                || names.iter().any(|pattern| {
                    if pattern.contains('*') || pattern.contains('.') {
                        fnmatch(name, pattern)
                    } else {
                        name.starts_with(&format!("{pattern}."))
                    }
                })
        })
        .collect();
    Ok(json!(matched))
}

fn list_modules(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let names = string_args(args);
    let mut modules: Vec<&str> = Vec::new();
    for (name, _) in loaded_functions() {
        let module = name.split('.').next().unwrap_or_default();
        let wanted = names.is_empty()
            || names.iter().any(|pattern| {
                if pattern.contains('*') {
                    fnmatch(&name, pattern)
                } else {
                    pattern == module
                }
            });
        if wanted {
            // The registry's static name, so the list can hold `&str`.
            if let Some(m) = all_modules().find(|m| m.name == module)
                && !modules.contains(&m.name)
            {
                modules.push(m.name);
            }
        }
    }
    modules.sort_unstable();
    Ok(json!(modules))
}

fn argspec(_: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct ArgspecArgs {
        #[serde(default, deserialize_with = "lenient::string")]
        module: String,
    }
    let ArgspecArgs { module } = args.bind()?;
    let mut specs = Map::new();
    for (name, function) in loaded_functions() {
        // Salt returns {} when no module is given, although its docs promise
        // every function; we keep the promise.
        let wanted = module.is_empty()
            || if module.contains('*') || module.contains('.') {
                fnmatch(&name, &module)
            } else {
                name.starts_with(&format!("{module}."))
            };
        if wanted {
            specs.insert(name, function_argspec(function));
        }
    }
    Ok(Value::Object(specs))
}

/// Salt's argspec entry; absent parts are null, not empty or false.
fn function_argspec(function: &Function) -> Value {
    let named: Vec<&str> = function
        .params
        .iter()
        .copied()
        .filter(|p| !p.starts_with('*'))
        .collect();
    let flag = |p: &str| {
        if function.params.contains(&p) {
            json!(true)
        } else {
            Value::Null
        }
    };
    json!({
        "args": if named.is_empty() { Value::Null } else { json!(named) },
        "defaults": Value::Null,
        "varargs": flag("*args"),
        "kwargs": flag("**kwargs"),
    })
}

/// Python's `fnmatch.fnmatch` on POSIX: `*` matches anything (dots and
/// slashes too), `?` one character, `[seq]`/`[!seq]` a set; the whole name
/// must match.
pub fn fnmatch(name: &str, pattern: &str) -> bool {
    let tokens = parse_glob(pattern);
    let name: Vec<char> = name.chars().collect();
    // Classic wildcard matching with one backtracking point: the last `*`.
    let (mut n, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(token) if token.matches(name[n]) => {
                n += 1;
                t += 1;
            }
            _ => match star {
                Some((star_t, star_n)) => {
                    t = star_t + 1;
                    n = star_n + 1;
                    star = Some((star_t, star_n + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|token| matches!(token, Token::Star))
}

enum Token {
    Literal(char),
    Any,
    Star,
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::Any => true,
            Token::Star => false,
            Token::Set { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

fn parse_glob(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                if !matches!(tokens.last(), Some(Token::Star)) {
                    tokens.push(Token::Star);
                }
            }
            '?' => tokens.push(Token::Any),
            '[' => {
                // Find the closing bracket; a `]` right after `[` or `[!`
                // belongs to the set. Without one, `[` is literal.
                let mut j = i;
                if chars.get(j) == Some(&'!') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    tokens.push(Token::Literal('['));
                    continue;
                }
                let mut set = &chars[i..j];
                let negated = set.first() == Some(&'!');
                if negated {
                    set = &set[1..];
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        if set[k] <= set[k + 2] {
                            ranges.push((set[k], set[k + 2]));
                        }
                        k += 3;
                    } else {
                        ranges.push((set[k], set[k]));
                        k += 1;
                    }
                }
                tokens.push(Token::Set { negated, ranges });
                i = j + 1;
            }
            other => tokens.push(Token::Literal(other)),
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::fnmatch;
    use crate::registry::MODULES;
    use crate::{Args, Availability, Ctx, run_job};

    fn call(fun: &str, positional: Vec<Value>) -> Value {
        let out = run_job(&Ctx::bare(), fun, Args::new(positional, Map::new()));
        assert!(out.success, "{fun} failed: {}", out.ret);
        out.ret
    }

    #[test]
    fn fnmatch_follows_python() {
        assert!(fnmatch("sys.list_modules", "sys.list_*"));
        assert!(fnmatch("cmd.run", "c*"));
        assert!(fnmatch("cmd.run", "*"));
        assert!(fnmatch("a.b/c", "a*c"));
        assert!(fnmatch("test.ping", "test.p?ng"));
        assert!(fnmatch("test.ping", "test.p[a-j]ng"));
        assert!(!fnmatch("test.ping", "test.p[!i]ng"));
        assert!(fnmatch("]]", "[]]]") && !fnmatch("x]", "[]]]"));
        assert!(fnmatch("a-", "[a-]-") && !fnmatch("-", "[!a-]"));
        assert!(fnmatch("[ab", "[ab"));
        assert!(!fnmatch("test.ping", "test.p"));
        assert!(!fnmatch("cmd.run_all", "cmd.run"));
        assert!(fnmatch("aaa", "*a*a*a"));
        assert!(!fnmatch("aa", "*a*a*a"));
    }

    #[test]
    fn doc_covers_every_registered_function() {
        let docs = call("sys.doc", vec![]);
        let docs = docs.as_object().unwrap();
        for module in MODULES
            .iter()
            .filter(|m| (m.available)() == Availability::Available)
        {
            for function in module.functions {
                let name = format!("{}.{}", module.name, function.name);
                let doc = docs
                    .get(&name)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("sys.doc lacks {name}"));
                assert!(doc.contains("CLI Example:"), "{name}");
            }
        }
        assert_eq!(
            docs.len(),
            MODULES
                .iter()
                .filter(|m| (m.available)() == Availability::Available)
                .map(|m| m.functions.len())
                .sum::<usize>()
        );
    }

    #[test]
    fn doc_selects_modules_functions_and_globs() {
        let docs = call("sys.doc", vec![json!("test.ping")]);
        assert_eq!(
            docs.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["test.ping"]
        );
        let docs = call("sys.doc", vec![json!("sys")]);
        assert_eq!(
            docs.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "sys.argspec",
                "sys.doc",
                "sys.list_functions",
                "sys.list_modules"
            ]
        );
        let docs = call("sys.doc", vec![json!("sys.list_*"), json!("test.ping")]);
        assert_eq!(
            docs.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["sys.list_functions", "sys.list_modules", "test.ping"]
        );
        assert_eq!(call("sys.doc", vec![json!("nonexistent")]), json!({}));
    }

    #[test]
    fn list_functions_and_modules() {
        assert_eq!(
            call("sys.list_functions", vec![json!("sys")]),
            json!([
                "sys.argspec",
                "sys.doc",
                "sys.list_functions",
                "sys.list_modules"
            ])
        );
        assert_eq!(
            call("sys.list_functions", vec![json!("sys.list_*")]),
            json!(["sys.list_functions", "sys.list_modules"])
        );
        // A name with a dot and no glob must match exactly.
        assert_eq!(call("sys.list_functions", vec![json!("test.p")]), json!([]));
        assert_eq!(call("sys.list_functions", vec![json!("te")]), json!([]));
        let all = call("sys.list_functions", vec![]);
        let all: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            all.windows(2).all(|w| w[0] < w[1])
                && all.contains(&"cmd.run")
                && all.contains(&"test.ping")
        );
        let modules = call("sys.list_modules", vec![]);
        let modules: Vec<&str> = modules
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            modules.windows(2).all(|w| w[0] < w[1])
                && modules.contains(&"sys")
                && modules.contains(&"file")
        );
        assert_eq!(call("sys.list_modules", vec![json!("sy*")]), json!(["sys"]));
        assert_eq!(
            call("sys.list_modules", vec![json!("test")]),
            json!(["test"])
        );
    }

    #[test]
    fn argspec_has_salts_shape() {
        assert_eq!(
            call("sys.argspec", vec![json!("test.echo")]),
            json!({"test.echo": {"args": ["text"], "defaults": null, "varargs": null, "kwargs": null}})
        );
        assert_eq!(
            call("sys.argspec", vec![json!("test.arg")]),
            json!({"test.arg": {"args": null, "defaults": null, "varargs": true, "kwargs": true}})
        );
        let spec = call("sys.argspec", vec![json!("cmd.run")]);
        assert_eq!(spec["cmd.run"]["args"][0], json!("cmd"));
        assert_eq!(spec["cmd.run"]["kwargs"], json!(true));
        let spec = call("sys.argspec", vec![json!("sys")]);
        assert_eq!(spec.as_object().unwrap().len(), 4);
        let all = call("sys.argspec", vec![]);
        assert!(all.get("test.ping").is_some() && all.get("cmd.run_all").is_some());
    }
}

//! `pillar`: this minion's pillar. On a minion the pillar is compiled by
//! the master for this minion only and fetched for each job that needs it;
//! under `call --local` it is compiled from the local `pillar_roots`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::grains::{get_in, item_in};
use crate::api::{Args, Ctx, ExecError, Function, Module, always};

pub static MODULE: Module = Module {
    name: "pillar",
    doc: "Read this minion's pillar data.",
    available: always,
    functions: &[
        Function {
            name: "get",
            params: &[
                "key",
                "default",
                "merge",
                "merge_nested_lists",
                "delimiter",
                "pillarenv",
                "saltenv",
            ],
            doc: "Return the pillar value at `key` (`:` walks nested data, e.g. `users:admin`), or `default` (an empty string unless given).\n\nCLI Example:\n\n    halite '*' pillar.get users:admin default=root",
            call: |ctx, args| get_in(&ctx.pillar, args),
        },
        Function {
            name: "item",
            params: &["*args", "**kwargs"],
            doc: "Return the named pillar keys as a map; a missing one maps to `default` (an empty string unless given).\n\nCLI Example:\n\n    halite '*' pillar.item users packages",
            call: |ctx, args| item_in(&ctx.pillar, args),
        },
        Function {
            name: "items",
            params: &["*args", "**kwargs"],
            doc: "Return the whole pillar.\n\nCLI Example:\n\n    halite '*' pillar.items",
            call: |ctx, _| Ok((*ctx.pillar).clone()),
        },
        Function {
            name: "keys",
            params: &["key", "delimiter"],
            doc: "Return the keys of the pillar dict at `key`.\n\nCLI Example:\n\n    halite '*' pillar.keys users",
            call: keys,
        },
        Function {
            name: "ls",
            params: &["*args", "**kwargs"],
            doc: "Return the top-level pillar keys.\n\nCLI Example:\n\n    halite '*' pillar.ls",
            call: |ctx, _| Ok(top_keys(&ctx.pillar)),
        },
        Function {
            name: "raw",
            params: &["key"],
            doc: "Return the pillar, or the value of one top-level `key`.\n\nCLI Example:\n\n    halite '*' pillar.raw users",
            call: raw,
        },
    ],
};

fn top_keys(data: &Value) -> Value {
    Value::Array(
        data.as_object()
            .map(|m| m.keys().cloned().map(Value::String).collect())
            .unwrap_or_default(),
    )
}

fn keys(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct KeysArgs {
        key: Value,
        #[serde(default)]
        delimiter: Option<String>,
    }
    let a: KeysArgs = args.bind()?;
    let key = crate::api::display_value(&a.key);
    let delimiter = a.delimiter.unwrap_or_else(|| ":".into());
    match super::grains::traverse(&ctx.pillar, &key, &delimiter) {
        Some(Value::Object(map)) => Ok(top_keys(&Value::Object(map.clone()))),
        Some(_) => Err(ExecError::failed(format!(
            "Pillar item '{key}' is not a dictionary"
        ))),
        None => Err(ExecError::failed(format!("Pillar key not found: {key}"))),
    }
}

fn raw(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct RawArgs {
        #[serde(default)]
        key: Option<String>,
    }
    let a: RawArgs = args.bind()?;
    Ok(match a.key {
        Some(key) => ctx
            .pillar
            .get(&key)
            .cloned()
            .unwrap_or(Value::Object(Map::new())),
        None => (*ctx.pillar).clone(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Map, json};

    use crate::{Args, Ctx, run_job};

    #[test]
    fn reads_the_calls_pillar() {
        let mut ctx = Ctx::bare();
        ctx.pillar =
            Arc::new(json!({"users": {"admin": "alice", "guest": "bob"}, "pkgs": ["vim"]}));
        let call = |fun: &str, args: Vec<serde_json::Value>| {
            run_job(&ctx, fun, Args::new(args, Map::new())).ret
        };
        assert_eq!(
            call("pillar.get", vec![json!("users:admin")]),
            json!("alice")
        );
        assert_eq!(
            call("pillar.get", vec![json!("users:nobody"), json!("x")]),
            json!("x")
        );
        assert_eq!(
            call("pillar.item", vec![json!("pkgs")]),
            json!({"pkgs": ["vim"]})
        );
        assert_eq!(
            call("pillar.keys", vec![json!("users")]),
            json!(["admin", "guest"])
        );
        assert_eq!(call("pillar.ls", vec![]), json!(["users", "pkgs"]));
        assert_eq!(call("pillar.raw", vec![json!("pkgs")]), json!(["vim"]));
    }
}

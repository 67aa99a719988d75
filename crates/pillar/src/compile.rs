//! Salt's pillar compilation (`salt/pillar/__init__.py`, `compile_pillar`)
//! for one minion: render the pillar top files, match them against the
//! minion, render every assigned SLS (its `include`s first, its own data
//! last and authoritative), and merge the results in order. Errors do not
//! stop compilation; they are collected under `_errors`, as in Salt.

use halite_state::source::SlsSource;
use halite_state::top::{TopMinion, get_top, top_matches};
use serde_json::{Map, Value};

use crate::source::RenderedSource;

/// Who the pillar is for.
pub struct PillarRequest<'a> {
    pub minion_id: &'a str,
    pub grains: &'a Value,
    /// Only this pillar environment (Salt's `pillarenv`), or all of them.
    pub pillarenv: Option<&'a str>,
    /// `pillar=` from the command line: merged last, so it wins.
    pub pillar_override: Option<&'a Value>,
    pub nodegroups: &'a Map<String, Value>,
}

/// Compiles the pillar of one minion from `source` (a [`RenderedSource`]
/// over the pillar roots).
pub fn compile_pillar(source: &mut RenderedSource, req: &PillarRequest) -> Value {
    let mut errors: Vec<String> = Vec::new();
    let override_data = req
        .pillar_override
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    source.set_pillar(override_data.clone());
    let (top, top_errors) = get_top(source, req.pillarenv);
    errors.extend(top_errors);
    let avail: Vec<String> = source.saltenvs();
    let empty = Value::Object(Map::new());
    let minion = TopMinion {
        id: req.minion_id,
        grains: req.grains,
        pillar: &empty,
    };
    let matches = top_matches(&top, &minion, req.nodegroups, &avail);

    let mut pillar = override_data.clone();
    for (saltenv, sls_names) in &matches {
        for sls in sls_names {
            let mut seen = Vec::new();
            match render_pstate(source, saltenv, sls, &mut seen, &mut errors) {
                Some(Value::Object(data)) => {
                    pillar = merge(pillar, Value::Object(data));
                    // Later pillar SLS files see what earlier ones defined.
                    source.set_pillar(pillar.clone());
                }
                Some(Value::Null) | None => {}
                Some(_) => errors.push(format!("The rendered pillar sls file, '{sls}' state did not return the expected data format. This is a sign of a malformed pillar sls file. Returned errors: ")),
            }
        }
    }
    if let Some(over) = req.pillar_override {
        pillar = merge(pillar, over.clone());
    }
    if !errors.is_empty()
        && let Value::Object(map) = &mut pillar
    {
        map.insert(
            "_errors".into(),
            Value::Array(errors.into_iter().map(Value::String).collect()),
        );
    }
    pillar
}

/// Renders one pillar SLS with its includes merged under it.
fn render_pstate(
    source: &RenderedSource,
    saltenv: &str,
    sls: &str,
    seen: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> Option<Value> {
    if seen.iter().any(|s| s == sls) {
        return None;
    }
    seen.push(sls.to_owned());
    let mut state = match source.render(saltenv, sls) {
        Ok(Some(rendered)) => rendered.data,
        Ok(None) => {
            errors.push(format!("Specified SLS '{sls}' in environment '{saltenv}' is not available on the salt master"));
            return None;
        }
        Err(err) => {
            errors.push(err.to_string());
            return None;
        }
    };
    let includes = match &mut state {
        Value::Object(map) => match map.shift_remove("include") {
            Some(Value::Array(items)) => items,
            Some(_) => {
                errors.push(format!(
                    "Include Declaration in SLS '{sls}' is not formed as a list"
                ));
                Vec::new()
            }
            None => Vec::new(),
        },
        _ => return Some(state),
    };
    let mut merged: Option<Value> = None;
    for item in includes {
        // `- name` or `- name: {key: "a:b", defaults: {...}}`.
        let (mut name, key) = match item {
            Value::String(name) => (name, None),
            Value::Object(map) => match map.into_iter().next() {
                Some((name, opts)) => (
                    name,
                    opts.get("key").and_then(Value::as_str).map(str::to_owned),
                ),
                None => continue,
            },
            other => (other.to_string(), None),
        };
        if let Some(rel) = name.strip_prefix('.') {
            let mut parts: Vec<&str> = sls.split('.').collect();
            parts.pop();
            parts.push(rel);
            name = parts.join(".");
        }
        let Some(mut nstate) = render_pstate(source, saltenv, &name, seen, errors) else {
            continue;
        };
        if let Some(key) = key {
            for fragment in key.split(':').rev() {
                let mut wrapper = Map::new();
                wrapper.insert(fragment.to_owned(), nstate);
                nstate = Value::Object(wrapper);
            }
        }
        merged = Some(match merged {
            None => nstate,
            Some(acc) => merge(acc, nstate),
        });
    }
    Some(match merged {
        // The including file's own data is merged last: it is authoritative.
        Some(acc) => merge(acc, state),
        None => state,
    })
}

/// Salt's default pillar merge (`smart` strategy with the YAML renderer,
/// i.e. `recurse`, lists replaced): maps merge key by key, recursively;
/// anything else in `upd` replaces what `dest` had.
pub fn merge(dest: Value, upd: Value) -> Value {
    match (dest, upd) {
        (Value::Object(mut dest), Value::Object(upd)) => {
            for (key, value) in upd {
                let merged = match dest.shift_remove(&key) {
                    Some(old) => merge(old, value),
                    None => value,
                };
                dest.insert(key, merged);
            }
            Value::Object(dest)
        }
        (_, upd) => upd,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn source_for(dir: &std::path::Path) -> RenderedSource {
        let mut roots = Map::new();
        roots.insert("base".into(), json!([dir.display().to_string()]));
        let roots = halite_fileserver::Roots::from_config(&roots).unwrap();
        let files: Arc<dyn halite_fileserver::FileClient> =
            Arc::new(halite_fileserver::LocalClient::new(roots));
        RenderedSource::new(
            files,
            Arc::new(halite_render::NoFunctions),
            vec!["base".into()],
            json!({"os": "Debian", "id": "web1"}),
            json!({}),
            json!({}),
        )
    }

    #[test]
    fn top_matching_includes_and_merge_order() {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, s: &str| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, s).unwrap();
        };
        write(
            "top.sls",
            "base:\n  '*':\n    - common\n  'os:Debian':\n    - match: grain\n    - debian\n  'db*':\n    - secret\n",
        );
        write(
            "common.sls",
            "include:\n  - .defaults\nusers:\n  admin: alice\npkgs: [vim]\n",
        );
        write(
            "defaults.sls",
            "users:\n  admin: root\n  guest: bob\nlevel: 1\n",
        );
        write(
            "debian.sls",
            "pkgs: [apt]\nos_name: {{ grains['os'] }}\nseen_admin: {{ pillar['users']['admin'] }}\n",
        );
        write("secret.sls", "password: hunter2\n");
        let mut source = source_for(dir.path());
        let nodegroups = Map::new();
        let grains = json!({"os": "Debian", "id": "web1"});
        let over = json!({"level": 9});
        let pillar = compile_pillar(
            &mut source,
            &PillarRequest {
                minion_id: "web1",
                grains: &grains,
                pillarenv: None,
                pillar_override: Some(&over),
                nodegroups: &nodegroups,
            },
        );
        assert_eq!(
            pillar,
            json!({
                "level": 9,
                "users": {"admin": "alice", "guest": "bob"},
                "pkgs": ["apt"],
                "os_name": "Debian",
                "seen_admin": "alice"
            })
        );
        // Another minion's pillar never contains what only db* may see.
        assert!(pillar.get("password").is_none());
    }

    #[test]
    fn errors_are_collected_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("top.sls"),
            "base:\n  '*':\n    - missing\n    - broken\n    - ok\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.sls"), "a: [1\n").unwrap();
        std::fs::write(dir.path().join("ok.sls"), "fine: true\n").unwrap();
        let mut source = source_for(dir.path());
        let nodegroups = Map::new();
        let grains = json!({});
        let pillar = compile_pillar(
            &mut source,
            &PillarRequest {
                minion_id: "web1",
                grains: &grains,
                pillarenv: None,
                pillar_override: None,
                nodegroups: &nodegroups,
            },
        );
        assert_eq!(pillar["fine"], json!(true));
        let errors = pillar["_errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].as_str().unwrap().contains("missing"));
        assert!(errors[1].as_str().unwrap().contains("broken"));
    }
}

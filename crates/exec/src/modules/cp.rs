//! `cp`: files from the file server (`salt://`) onto this machine. On a
//! minion the files come from the master, on `call --local` from the local
//! file roots; either way they pass through the minion's hash-checked cache
//! and can never be written outside it (see `halite_fileserver`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Args, Ctx, ExecError, Files, Function, Module, always, lenient};

pub static MODULE: Module = Module {
    name: "cp",
    doc: "Copy files from the file server (salt:// URLs) to this machine.",
    available: always,
    functions: &[
        Function {
            name: "cache_file",
            params: &["path", "saltenv"],
            doc: "Cache a salt:// file on this machine and return the cached path; False when the file server has no such file. A path that is not a salt:// URL is returned unchanged.\n\nCLI Example:\n\n    halite '*' cp.cache_file salt://nginx/nginx.conf",
            call: cache_file,
        },
        Function {
            name: "get_file",
            params: &["path", "dest", "saltenv", "makedirs"],
            doc: "Copy a salt:// file to `dest` and return `dest`; an empty string when the file server has no such file.\n\nCLI Example:\n\n    halite '*' cp.get_file salt://motd /etc/motd makedirs=True",
            call: get_file,
        },
        Function {
            name: "get_file_str",
            params: &["path", "saltenv"],
            doc: "Return the contents of a salt:// file as a string; False when it does not exist.\n\nCLI Example:\n\n    halite '*' cp.get_file_str salt://motd",
            call: get_file_str,
        },
        Function {
            name: "hash_file",
            params: &["path", "saltenv"],
            doc: "Return the sha256 of a salt:// file as {'hash_type': 'sha256', 'hsum': ...}; {} when it does not exist.\n\nCLI Example:\n\n    halite '*' cp.hash_file salt://motd",
            call: hash_file,
        },
        Function {
            name: "is_cached",
            params: &["path", "saltenv"],
            doc: "Return the cached path of a salt:// file, or an empty string when it is not cached.\n\nCLI Example:\n\n    halite '*' cp.is_cached salt://motd",
            call: is_cached,
        },
        Function {
            name: "list_master",
            params: &["saltenv", "prefix"],
            doc: "List the files the file server serves in `saltenv`, optionally only those under `prefix`.\n\nCLI Example:\n\n    halite '*' cp.list_master saltenv=base prefix=nginx/",
            call: list_master,
        },
        Function {
            name: "list_master_dirs",
            params: &["saltenv", "prefix"],
            doc: "List the directories the file server serves in `saltenv`.\n\nCLI Example:\n\n    halite '*' cp.list_master_dirs",
            call: list_master_dirs,
        },
        Function {
            name: "list_states",
            params: &["saltenv"],
            doc: "List the SLS names available in `saltenv`.\n\nCLI Example:\n\n    halite '*' cp.list_states",
            call: list_states,
        },
    ],
};

#[derive(Deserialize)]
struct PathArgs {
    #[serde(deserialize_with = "lenient::string")]
    path: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    saltenv: Option<String>,
}

#[derive(Deserialize)]
struct EnvArgs {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    saltenv: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    prefix: Option<String>,
}

fn files(ctx: &Ctx) -> Result<&Files, ExecError> {
    ctx.files
        .as_deref()
        .ok_or_else(|| ExecError::failed("no file server is configured for this call"))
}

fn saltenv(ctx: &Ctx, given: Option<String>) -> String {
    given
        .or_else(|| {
            ctx.opt("saltenv")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "base".to_owned())
}

fn fs_err(err: halite_fileserver::FileServerError) -> ExecError {
    ExecError::failed(err.to_string())
}

fn path_string(path: &Path) -> Value {
    Value::String(path.display().to_string())
}

fn cache_file(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    if !a.path.starts_with("salt://") {
        return Ok(Value::String(a.path));
    }
    let env = saltenv(ctx, a.saltenv);
    Ok(files(ctx)?
        .cache_file(&a.path, &env)
        .map_err(fs_err)?
        .map_or(Value::Bool(false), |p| path_string(&p)))
}

fn get_file(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    #[derive(Deserialize)]
    struct GetArgs {
        #[serde(deserialize_with = "lenient::string")]
        path: String,
        #[serde(deserialize_with = "lenient::string")]
        dest: String,
        #[serde(default, deserialize_with = "lenient::opt_string")]
        saltenv: Option<String>,
        #[serde(default, deserialize_with = "lenient::bool")]
        makedirs: bool,
    }
    let a: GetArgs = args.bind()?;
    let env = saltenv(ctx, a.saltenv);
    let Some(cached) = files(ctx)?.cache_file(&a.path, &env).map_err(fs_err)? else {
        return Ok(Value::String(String::new()));
    };
    let mut dest = PathBuf::from(&a.dest);
    // A directory destination keeps the source's file name, as in Salt.
    if dest.is_dir()
        && let Some(name) = cached.file_name()
    {
        dest = dest.join(name);
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        if !a.makedirs {
            return Err(ExecError::failed(format!(
                "Parent directory {} does not exist; use makedirs=True",
                parent.display()
            )));
        }
        std::fs::create_dir_all(parent)
            .map_err(|e| ExecError::failed(format!("{}: {e}", parent.display())))?;
    }
    std::fs::copy(&cached, &dest)
        .map_err(|e| ExecError::failed(format!("{}: {e}", dest.display())))?;
    Ok(path_string(&dest))
}

fn get_file_str(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    let env = saltenv(ctx, a.saltenv);
    let Some(cached) = files(ctx)?.cache_file(&a.path, &env).map_err(fs_err)? else {
        return Ok(Value::Bool(false));
    };
    let bytes = std::fs::read(&cached)
        .map_err(|e| ExecError::failed(format!("{}: {e}", cached.display())))?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn hash_file(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    use halite_fileserver::FileClient;
    let a: PathArgs = args.bind()?;
    let (path, url_env) = halite_fileserver::parse_salt_url(&a.path).map_err(fs_err)?;
    let env = url_env.unwrap_or_else(|| saltenv(ctx, a.saltenv));
    Ok(
        match files(ctx)?
            .remote()
            .hash_file(&env, &path)
            .map_err(fs_err)?
        {
            Some(hsum) => json!({"hash_type": "sha256", "hsum": hsum}),
            None => json!({}),
        },
    )
}

fn is_cached(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    let a: PathArgs = args.bind()?;
    let env = saltenv(ctx, a.saltenv);
    Ok(files(ctx)?
        .is_cached(&a.path, &env)
        .map_err(fs_err)?
        .map_or(Value::String(String::new()), |p| path_string(&p)))
}

fn listing(ctx: &Ctx, args: &Args, dirs: bool) -> Result<Value, ExecError> {
    use halite_fileserver::FileClient;
    let a: EnvArgs = args.bind()?;
    let env = saltenv(ctx, a.saltenv);
    let remote = files(ctx)?.remote();
    let items = if dirs {
        remote.dir_list(&env)
    } else {
        remote.file_list(&env)
    }
    .map_err(fs_err)?;
    let prefix = a.prefix.unwrap_or_default();
    Ok(json!(
        items
            .into_iter()
            .filter(|p| p.starts_with(&prefix))
            .collect::<Vec<_>>()
    ))
}

fn list_master(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    listing(ctx, args, false)
}

fn list_master_dirs(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    listing(ctx, args, true)
}

fn list_states(ctx: &Ctx, args: &Args) -> Result<Value, ExecError> {
    use halite_fileserver::FileClient;
    #[derive(Deserialize)]
    struct A {
        #[serde(default, deserialize_with = "lenient::opt_string")]
        saltenv: Option<String>,
    }
    let a: A = args.bind()?;
    let env = saltenv(ctx, a.saltenv);
    Ok(json!(
        files(ctx)?.remote().list_states(&env).map_err(fs_err)?
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Map, Value, json};

    use crate::{Args, Ctx, Files, run_job};

    fn ctx_with_roots(root: &std::path::Path, cache: &std::path::Path) -> Ctx {
        let mut roots = Map::new();
        roots.insert("base".into(), json!([root.display().to_string()]));
        let roots = halite_fileserver::Roots::from_config(&roots).unwrap();
        let local: Arc<dyn halite_fileserver::FileClient> =
            Arc::new(halite_fileserver::LocalClient::new(roots));
        let mut ctx = Ctx::bare();
        ctx.files = Some(Arc::new(Files::new(cache, local)));
        ctx
    }

    fn call(ctx: &Ctx, fun: &str, args: Vec<Value>) -> Value {
        let out = run_job(ctx, fun, Args::new(args, Map::new()));
        assert!(
            out.success || out.retcode == 0 || fun.contains("nope"),
            "{fun}: {:?}",
            out.ret
        );
        out.ret
    }

    #[test]
    fn files_come_from_the_roots_through_the_cache() {
        let root = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("web")).unwrap();
        std::fs::write(root.path().join("web/motd"), "hello\n").unwrap();
        std::fs::write(root.path().join("web/init.sls"), "x: 1\n").unwrap();
        let ctx = ctx_with_roots(root.path(), cache.path());

        assert_eq!(
            call(&ctx, "cp.get_file_str", vec![json!("salt://web/motd")]),
            json!("hello\n")
        );
        let cached = call(&ctx, "cp.cache_file", vec![json!("salt://web/motd")]);
        assert!(
            cached
                .as_str()
                .unwrap()
                .starts_with(cache.path().to_str().unwrap())
        );
        assert_eq!(
            call(&ctx, "cp.is_cached", vec![json!("salt://web/motd")]),
            cached
        );
        let dest = out.path().join("sub/motd");
        assert_eq!(
            call(
                &ctx,
                "cp.get_file",
                vec![
                    json!("salt://web/motd"),
                    json!(dest.display().to_string()),
                    json!(null),
                    json!(true)
                ]
            ),
            json!(dest.display().to_string())
        );
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello\n");
        assert_eq!(
            call(&ctx, "cp.hash_file", vec![json!("salt://web/motd")])["hash_type"],
            json!("sha256")
        );
        assert_eq!(
            call(&ctx, "cp.list_master", vec![]),
            json!(["web/init.sls", "web/motd"])
        );
        assert_eq!(call(&ctx, "cp.list_states", vec![]), json!(["web"]));
        assert_eq!(
            call(&ctx, "cp.cache_file", vec![json!("salt://web/absent")]),
            json!(false)
        );
        assert_eq!(
            call(&ctx, "cp.hash_file", vec![json!("salt://web/absent")]),
            json!({})
        );
    }

    #[test]
    fn escaping_paths_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let ctx = ctx_with_roots(root.path(), cache.path());
        for bad in [
            "salt://../../etc/passwd",
            "salt:///etc/passwd",
            "salt://a/../../x",
        ] {
            let out = run_job(
                &ctx,
                "cp.get_file_str",
                Args::new(vec![json!(bad)], Map::new()),
            );
            assert!(!out.success, "{bad} was served: {:?}", out.ret);
        }
    }
}

//! Salt's SLS renderer pipeline: an SLS file (or a `file.managed`
//! template) goes through its shebang pipe (`#!jinja|yaml` by default) and
//! comes out as the data Salt would render.
//!
//! - [`Renderer::render_sls`]: shebang → Jinja → YAML/JSON, errors in
//!   Salt's words (`Rendering SLS 'base:nginx' failed: Jinja variable ...;
//!   line 3` and the marked context lines).
//! - [`Renderer::render_jinja`]: one text template with Salt's context.
//!
//! The Jinja side is minijinja, configured the way Salt configures Jinja2
//! (strict undefined, `do`, loop controls, Salt's final-newline rule) and made
//! closer to it by:
//! - `prepass`: Salt's tags (`import_yaml`, `load_yaml` ...), mutable
//!   literals, Python's `%`;
//! - `mutable`: Python `list`/`dict` with `append`, `update`, `setdefault`;
//! - `salt_object`: `salt['pillar.get']`, `salt.grains.filter_by` ... with
//!   the context-only functions built in, others through [`FunctionCaller`];
//! - `filters`: Salt's filters and tests; `pyrepr`/`pyformat`: Python's
//!   `str()`, `repr()` and `%`.
//!
//! # Checked against Salt
//!
//! `tests/gen_golden.py` renders `tests/corpus` with Salt 3007
//! (`salt.template.compile_template`, as the state system does) and stores
//! the data or error; `tests/golden.rs` renders the same files and
//! compares: whole SLS files and formulas (`map.jinja` with `filter_by` and
//! pillar merge, `import_yaml` defaults, macros, `call` blocks, loops,
//! `do` mutations, relative imports, `#!jinja|json`, `#!yaml`, error
//! cases) and ~230 one-line templates (filters, tests, Python methods, `%` formatting,
//! printing of Python values, newline handling).
//!
//! Salt behaviour worth knowing, reproduced here:
//! - Jinja2 drops one final newline of every template; Salt appends it to
//!   the top-level output only (an included file loses its own).
//! - `salt[...]` functions see their own copy of pillar and grains:
//!   mutating `pillar` does not change what `salt['pillar.get']` returns.
//! - Pillar maps are `OrderedDict`s, so `|yaml` keeps their order while it
//!   sorts the keys of dict literals, grains and `import_yaml` data; `|json`
//!   sorts everything and keeps non-ASCII; `|tojson` keeps order and
//!   escapes to ASCII.
//! - `cmd.run` in templates is plain `cmd.run` in 3007 (no shell alias),
//!   and the old `env` alias of `saltenv` is gone from the context.
//! - A template imported without context (and `import_yaml` files) sees
//!   its own `tpldir`; one imported `with context`, or included, sees the
//!   importer's.
//! - Macros get Jinja2's implicit `varargs`/`kwargs` when their body
//!   names them (the pre-pass wraps them); a macro that does not name them
//!   refuses extra arguments, as in Jinja2.
//! - An unknown function is an undefined attribute
//!   (`'salt.utils.templates.AliasedLoader object' has no attribute 'x.y'`).
//!
//! # Known differences
//!
//! - `L % R` is Python's (formatting or modulo) where the pre-pass can
//!   isolate `L`; after `*`, `/`, `//` or a unary minus (`2 * x % 3`,
//!   `-x % 3`) it stays minijinja's arithmetic `%`, which is Python's for
//!   numbers but cannot format strings.
//! - Jinja syntax errors carry minijinja's wording (same kind, same line).
//!   Undefined values use Jinja2's words; the parent's type
//!   (`'collections.OrderedDict object'` for pillar, `'dict object'`,
//!   `list object has no element 5`) is found by evaluating the parent,
//!   which works for globals (`pillar.x.y`); a parent that is a template
//!   variable is reported as a `'dict object'`.
//! - Salt's absolute-path quirk is not reproduced: Salt's loader reads
//!   `{% include '/etc/hostname' %}` from the local file system; here
//!   absolute names and names climbing above the root are not found.
//! - `tplpath` is the root-relative path, not the minion's cache path.
//!   Inside a template imported without context `tpldir`/`tplfile`/`tpldot`
//!   are the imported file's (as in Salt); Salt's loader also leaves its
//!   last import's values in the globals for later imports, which is not
//!   reproduced.
//! - Filters and globals not implemented: the network family beyond
//!   `ipaddr`/`ipv4`/`ipv6`/`is_ip*` (`network_hosts`, `ipwrap` ...),
//!   `strftime`, `json_query`, `date_format`, `to_entries`, `hmac`,
//!   `random_*`, `human_to_bytes`, `compare_dicts`, `method_call`,
//!   `check_whitelist_blacklist`,
//!   `http_query`, `file_hashsum`, `show_full_context`, `mysql_to_dict`.
//! - `!!set`, binary and other non-JSON values cannot be represented (see
//!   `halite-yaml`).
//! - Renderers: `jinja`, `yaml`, `json` (and `yaml_jinja`/`json_jinja`);
//!   `py`, `mako`, `gpg`, `yamlex`, `stateconf` ... are refused.

mod error;
mod filters;
mod ipfilters;
mod jinja;
pub mod loader;
mod mutable;
mod prepass;
mod pyformat;
mod pyrepr;
mod salt_object;
mod saltfilters;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use error::{RenderError, RenderErrorKind, context_block};

/// Where templates come from (`salt://` via the file server on a minion, a
/// local directory for `call --local`).
pub trait TemplateSource: Send + Sync {
    /// Reads `path` (relative to the saltenv root, e.g. `nginx/map.jinja`),
    /// or `None` if there is no such file.
    fn read(&self, saltenv: &str, path: &str) -> Result<Option<String>, RenderError>;
}

/// How templates call execution modules that this crate does not
/// implement itself (`salt['cmd.run'](...)`).
pub trait FunctionCaller: Send + Sync {
    /// Calls `fun` (`module.function`); the error is the message Salt would
    /// put after "Problem running salt function in Jinja template: ".
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String>;

    /// Whether `fun` exists; `salt['x.y']` of a missing function is an
    /// undefined value, as in Salt.
    fn has(&self, fun: &str) -> bool;
}

/// A [`TemplateSource`] reading `<root>/<saltenv>/...`, or `<root>/...`
/// for every saltenv when `per_saltenv` is false (`file_roots` with one
/// directory).
#[derive(Debug, Clone)]
pub struct DirSource {
    pub root: PathBuf,
    pub per_saltenv: bool,
}

impl DirSource {
    /// One directory serving every saltenv.
    pub fn new(root: impl Into<PathBuf>) -> DirSource {
        DirSource {
            root: root.into(),
            per_saltenv: false,
        }
    }
}

impl TemplateSource for DirSource {
    fn read(&self, saltenv: &str, path: &str) -> Result<Option<String>, RenderError> {
        let Some(rel) = loader::normalize(path) else {
            return Ok(None);
        };
        let mut full = self.root.clone();
        if self.per_saltenv {
            full.push(saltenv);
        }
        full.push(&rel);
        match std::fs::read_to_string(&full) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RenderError::new(
                RenderErrorKind::Source,
                path,
                format!("cannot read {}: {e}", full.display()),
            )),
        }
    }
}

/// A [`FunctionCaller`] with no functions: every call fails with Salt's
/// "not available" message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFunctions;

impl FunctionCaller for NoFunctions {
    fn call(
        &self,
        fun: &str,
        _args: Vec<Value>,
        _kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        Err(format!("'{fun}' is not available."))
    }

    fn has(&self, _fun: &str) -> bool {
        false
    }
}

/// What a template sees besides `salt`.
#[derive(Debug, Clone, Default)]
pub struct RenderContext {
    pub grains: Value,
    pub pillar: Value,
    /// The minion's options (`opts` in templates; `allow_undefined` read
    /// from here).
    pub opts: Value,
    pub saltenv: String,
    /// The dotted SLS name (`nginx.server`); empty for a plain template.
    pub sls: String,
    /// Extra variables (`file.managed`'s `context`/`defaults`); they win
    /// over the derived `tpldir`, `slspath` ... as in Salt.
    pub extra: Map<String, Value>,
}

/// Renders SLS files and templates.
pub struct Renderer {
    source: Arc<dyn TemplateSource>,
    caller: Arc<dyn FunctionCaller>,
}

/// One step of a shebang pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Jinja,
    Yaml,
    Json,
}

/// Salt's `OLD_STYLE_RENDERERS`, for the ones we can run.
fn old_style(pipe: &str) -> Option<&'static str> {
    match pipe {
        "yaml_jinja" => Some("jinja|yaml"),
        "json_jinja" => Some("jinja|json"),
        _ => None,
    }
}

/// The renderer pipe of `text`: its `#!` line (not `#!/`), or the default.
fn pipe_of(text: &str, file: &str) -> Result<Vec<Step>, RenderError> {
    let first = text.lines().next().unwrap_or("");
    let pipe = match first.strip_prefix("#!") {
        Some(rest) if !rest.starts_with('/') => rest.trim(),
        _ => "jinja|yaml",
    };
    let pipe = old_style(pipe).unwrap_or(pipe);
    pipe.split('|')
        .map(|part| {
            let name = part.trim().split(' ').next().unwrap_or("");
            match name {
                "jinja" => Ok(Step::Jinja),
                "yaml" => Ok(Step::Yaml),
                "json" => Ok(Step::Json),
                other => Err(RenderError::new(
                    RenderErrorKind::UnknownRenderer,
                    file,
                    format!("The renderer \"{other}\" is not available"),
                )),
            }
        })
        .collect()
}

/// Salt's `generate_sls_context` for template `path` of SLS `sls`.
fn sls_context(path: &str, sls: &str) -> Vec<(&'static str, String)> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let slspath = if sls.is_empty() {
        String::new()
    } else {
        dir.to_owned()
    };
    vec![
        ("tplpath", path.to_owned()),
        ("tplfile", path.to_owned()),
        (
            "tpldir",
            if dir.is_empty() {
                ".".to_owned()
            } else {
                dir.to_owned()
            },
        ),
        ("tpldot", dir.replace('/', ".")),
        ("slspath", slspath.clone()),
        ("slsdotpath", slspath.replace('/', ".")),
        ("slscolonpath", slspath.replace('/', ":")),
        ("sls_path", slspath.replace('/', "_")),
    ]
}

impl Renderer {
    pub fn new(source: Arc<dyn TemplateSource>, caller: Arc<dyn FunctionCaller>) -> Renderer {
        Renderer { source, caller }
    }

    /// The file of SLS `sls` (`nginx.server`) in `saltenv`, Salt's way:
    /// `nginx/server.sls`, else `nginx/server/init.sls`; `None` if neither
    /// exists.
    pub fn find_sls(&self, saltenv: &str, sls: &str) -> Result<Option<String>, RenderError> {
        let base = sls.replace('.', "/");
        for candidate in [format!("{base}.sls"), format!("{base}/init.sls")] {
            if self.source.read(saltenv, &candidate)?.is_some() {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    /// Renders the SLS file at `path` (relative to the saltenv root, e.g.
    /// `nginx/init.sls`) through its shebang pipe into data, key order
    /// kept. An empty file is `{}`, as in Salt.
    pub fn render_sls(&self, path: &str, ctx: &RenderContext) -> Result<Value, RenderError> {
        let for_sls = |e: RenderError| e.for_sls(&ctx.saltenv, &ctx.sls);
        let text = self.source.read(&ctx.saltenv, path).map_err(for_sls)?.ok_or_else(|| {
            RenderError::new(
                RenderErrorKind::Source,
                path,
                format!("Specified SLS {} in saltenv {} is not available on the salt master or through a configured fileserver", ctx.sls, ctx.saltenv),
            )
        })?;
        if text.trim().is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        let steps = pipe_of(&text, path).map_err(for_sls)?;
        let mut current = Current::Text(text.clone());
        for step in steps {
            current = match (step, current) {
                (Step::Jinja, Current::Text(t)) => {
                    Current::Text(self.render_template(path, &t, ctx).map_err(for_sls)?)
                }
                (Step::Yaml, Current::Text(t)) => {
                    Current::Data(load_yaml_step(&t, path).map_err(for_sls)?)
                }
                (Step::Json, Current::Text(t)) => {
                    Current::Data(load_json_step(&t, path).map_err(for_sls)?)
                }
                (_, Current::Data(_)) => {
                    return Err(for_sls(RenderError::new(
                        RenderErrorKind::UnknownRenderer,
                        path,
                        "a renderer after a data renderer needs text",
                    )));
                }
            };
        }
        Ok(match current {
            Current::Data(d) => d,
            // A pipe of only text renderers (`#!jinja`) gives text; Salt
            // would then fail to compile it as states.
            Current::Text(t) => Value::String(t),
        })
    }

    /// Renders `text` (a `file.managed` template named `name`) with Salt's
    /// Jinja context.
    pub fn render_jinja(
        &self,
        name: &str,
        text: &str,
        ctx: &RenderContext,
    ) -> Result<String, RenderError> {
        self.render_template(name, text, ctx)
    }

    fn render_template(
        &self,
        name: &str,
        text: &str,
        ctx: &RenderContext,
    ) -> Result<String, RenderError> {
        let options = jinja_options(&ctx.opts, !ctx.sls.is_empty(), text);
        // Salt deletes the header line before rendering.
        let stripped = strip_jinja_header(text);
        let text = stripped.as_deref().unwrap_or(text);
        let rewritten = prepass::rewrite(text).map_err(|e| {
            RenderError::new(RenderErrorKind::JinjaSyntax, name, e.message)
                .at(Some(e.line))
                .with_context(text)
        })?;
        let grains = mutable::from_json(&ctx.grains);
        // Pillar data comes from the YAML renderer: `OrderedDict`s.
        let pillar = mutable::from_json_as(&ctx.pillar, true);
        let opts = mutable::from_json(&ctx.opts);
        // Salt's functions see their own copies (the loader's `__pillar__`,
        // `__grains__`): mutating `pillar` in a template does not change
        // what `salt['pillar.get']` returns, and the other way round.
        let shared = Arc::new(salt_object::Shared {
            grains: mutable::from_json(&ctx.grains),
            pillar: mutable::from_json_as(&ctx.pillar, true),
            opts: mutable::from_json(&ctx.opts),
            caller: self.caller.clone(),
        });
        let mut globals: Vec<(String, minijinja::Value)> = vec![
            ("grains".into(), grains),
            ("pillar".into(), pillar),
            ("opts".into(), opts),
            (
                "saltenv".into(),
                minijinja::Value::from(ctx.saltenv.as_str()),
            ),
        ];
        if !ctx.sls.is_empty() {
            globals.push(("sls".into(), minijinja::Value::from(ctx.sls.as_str())));
            for (key, value) in sls_context(name, &ctx.sls) {
                if !ctx.extra.contains_key(key) {
                    globals.push((key.into(), minijinja::Value::from(value)));
                }
            }
        }
        for (key, value) in &ctx.extra {
            globals.push((key.clone(), mutable::from_json(value)));
        }
        let mut env =
            jinja::environment(self.source.clone(), &ctx.saltenv, options, shared, globals);
        let convert_with = |err: minijinja::Error, env: Option<&minijinja::Environment<'_>>| {
            let converted = jinja::convert_error(&err, name, env);
            if converted.imported {
                let inner_source = loader::normalize(&converted.file)
                    .and_then(|p| self.source.read(&ctx.saltenv, &p).ok().flatten())
                    .unwrap_or_default();
                converted.with_context(&inner_source)
            } else {
                converted.with_context(text)
            }
        };
        env.add_template_owned(name.to_owned(), rewritten)
            .map_err(|e| convert_with(e, None))?;
        let template = env
            .get_template(name)
            .map_err(|e| convert_with(e, Some(&env)))?;
        let mut out = template
            .render(())
            .map_err(|e| convert_with(e, Some(&env)))?;
        // Salt's workaround for Jinja2 dropping the final newline.
        if text.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}

/// Salt's Jinja options for this render: `allow_undefined`, the legacy
/// `jinja_trim_blocks`/`jinja_lstrip_blocks`, `jinja_sls_env` (SLS) or
/// `jinja_env` (other templates), then the template's `#jinja2:` header.
fn jinja_options(opts: &Value, is_sls: bool, text: &str) -> jinja::JinjaOptions {
    let flag = |key: &str| opts.get(key).and_then(Value::as_bool).unwrap_or(false);
    let mut options = jinja::JinjaOptions {
        allow_undefined: flag("allow_undefined"),
        trim_blocks: flag("jinja_trim_blocks"),
        lstrip_blocks: flag("jinja_lstrip_blocks"),
    };
    if let Some(env) = opts.get(if is_sls { "jinja_sls_env" } else { "jinja_env" }) {
        options.apply(env);
    }
    if let Some((_, header)) = jinja_header(text) {
        options.apply(&header);
    }
    options
}

/// The `#jinja2: {...}` line (first line, or second after a shebang): its
/// index and its JSON object. A malformed header is ignored, as in Salt.
fn jinja_header(text: &str) -> Option<(usize, Value)> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    let (idx, line) = if first.starts_with("#!") && !first.starts_with("#!/") {
        (1, lines.next()?)
    } else {
        (0, first)
    };
    let payload = line.strip_prefix("#jinja2:")?;
    let data: Value = serde_json::from_str(payload.trim()).ok()?;
    data.is_object().then_some((idx, data))
}

/// The text without its `#jinja2:` header line, when it has one.
fn strip_jinja_header(text: &str) -> Option<String> {
    let (idx, _) = jinja_header(text)?;
    Some(
        text.split_inclusive('\n')
            .enumerate()
            .filter(|(i, _)| *i != idx)
            .map(|(_, l)| l)
            .collect(),
    )
}

enum Current {
    Text(String),
    Data(Value),
}

/// Salt's YAML renderer: the loader's data, `{}` for an empty document.
fn load_yaml_step(text: &str, file: &str) -> Result<Value, RenderError> {
    match halite_yaml::from_str(text) {
        Ok(Value::Null) => Ok(Value::Object(Map::new())),
        Ok(data) => Ok(data),
        Err(e) => Err(
            RenderError::new(RenderErrorKind::Yaml, file, e.kind().to_string())
                .at(Some(e.line()))
                .with_context(text),
        ),
    }
}

/// Salt's JSON renderer: drops a shebang line; empty is `{}`.
fn load_json_step(text: &str, file: &str) -> Result<Value, RenderError> {
    let body = if text.starts_with("#!") {
        text.split_once('\n').map(|(_, rest)| rest).unwrap_or("")
    } else {
        text
    };
    if body.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(body).map_err(|e| {
        RenderError::new(RenderErrorKind::Json, file, e.to_string())
            .at(Some(e.line()))
            .with_context(body)
    })
}

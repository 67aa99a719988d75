//! The renderer plugged into the state engine's `SlsSource` seam.

use std::sync::Arc;

use halite_exec::{Args, Ctx};
use halite_fileserver::FileClient;
use halite_render::{
    FunctionCaller, RenderContext, RenderError, RenderErrorKind, Renderer, TemplateSource,
};
use halite_state::error::StateError;
use halite_state::source::{RenderedSls, SlsSource};
use serde_json::{Map, Value};

/// Templates read from a `salt://` file client.
pub struct FilesTemplates(pub Arc<dyn FileClient>);

impl TemplateSource for FilesTemplates {
    fn read(&self, saltenv: &str, path: &str) -> Result<Option<String>, RenderError> {
        match self.0.get_file(saltenv, path) {
            Ok(Some(bytes)) => String::from_utf8(bytes).map(Some).map_err(|_| {
                RenderError::new(RenderErrorKind::Source, path, "the file is not UTF-8 text")
            }),
            Ok(None) => Ok(None),
            // A path the file server refuses (`..`, absolute) is simply not
            // there for a template, as with Salt's loader.
            Err(halite_fileserver::FileServerError::Remote(message)) => {
                Err(RenderError::new(RenderErrorKind::Source, path, message))
            }
            Err(_) => Ok(None),
        }
    }
}

/// Template calls to execution modules (`salt['cmd.run'](...)`), run with
/// the caller's options, grains, pillar and files.
pub struct ExecCaller {
    opts: Arc<Value>,
    grains: Arc<Value>,
    pillar: Arc<Value>,
    files: Option<Arc<halite_exec::Files>>,
    config_dir: std::path::PathBuf,
}

impl ExecCaller {
    pub fn from_ctx(ctx: &Ctx) -> ExecCaller {
        ExecCaller {
            opts: ctx.opts.clone(),
            grains: ctx.grains.clone(),
            pillar: ctx.pillar.clone(),
            files: ctx.files.clone(),
            config_dir: ctx.config_dir.clone(),
        }
    }
}

impl FunctionCaller for ExecCaller {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        let mut ctx = Ctx::new(
            self.opts.clone(),
            self.grains.clone(),
            self.config_dir.clone(),
        );
        ctx.pillar = self.pillar.clone();
        ctx.files = self.files.clone();
        halite_exec::call(&ctx, fun, Args::new(args, kwargs)).map_err(|e| e.salt_return(fun))
    }

    fn has(&self, fun: &str) -> bool {
        halite_exec::find_function(fun).is_some()
    }
}

/// SLS files and top files from a file client, rendered with one set of
/// grains, pillar and options.
pub struct RenderedSource {
    renderer: Renderer,
    files: Arc<dyn FileClient>,
    saltenvs: Vec<String>,
    grains: Value,
    pillar: Value,
    opts: Value,
}

impl RenderedSource {
    /// `saltenvs` are the environments to look in (`base` first).
    pub fn new(
        files: Arc<dyn FileClient>,
        caller: Arc<dyn FunctionCaller>,
        saltenvs: Vec<String>,
        grains: Value,
        pillar: Value,
        opts: Value,
    ) -> RenderedSource {
        let renderer = Renderer::new(Arc::new(FilesTemplates(files.clone())), caller);
        RenderedSource {
            renderer,
            files,
            saltenvs,
            grains,
            pillar,
            opts,
        }
    }

    /// A source for a call: files, grains, pillar and options from `ctx`;
    /// the saltenvs are the keys of `roots_key` (`file_roots` or
    /// `pillar_roots`) in the options, `base` when there are none.
    pub fn for_ctx(ctx: &Ctx, files: Arc<dyn FileClient>, roots_key: &str) -> RenderedSource {
        RenderedSource::new(
            files,
            Arc::new(ExecCaller::from_ctx(ctx)),
            saltenvs_of(ctx.opts.get(roots_key)),
            (*ctx.grains).clone(),
            (*ctx.pillar).clone(),
            (*ctx.opts).clone(),
        )
    }

    pub fn set_pillar(&mut self, pillar: Value) {
        self.pillar = pillar;
    }

    fn context(&self, saltenv: &str, sls: &str) -> RenderContext {
        RenderContext {
            grains: self.grains.clone(),
            pillar: self.pillar.clone(),
            opts: self.opts.clone(),
            saltenv: saltenv.to_owned(),
            sls: sls.to_owned(),
            extra: Map::new(),
        }
    }
}

/// The environments named by a `*_roots` option, `base` first.
pub fn saltenvs_of(roots: Option<&Value>) -> Vec<String> {
    let mut envs: Vec<String> = roots
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    envs.sort_by_key(|e| (e != "base", e.clone()));
    if envs.is_empty() {
        envs.push("base".to_owned());
    }
    envs
}

fn render_error(err: RenderError) -> StateError {
    StateError::RenderText(err.to_string())
}

impl SlsSource for RenderedSource {
    fn saltenvs(&self) -> Vec<String> {
        self.saltenvs.clone()
    }

    fn list_sls(&self, saltenv: &str) -> Vec<String> {
        self.files.list_states(saltenv).unwrap_or_default()
    }

    fn render(&self, saltenv: &str, sls: &str) -> Result<Option<RenderedSls>, StateError> {
        let Some(path) = self.renderer.find_sls(saltenv, sls).map_err(render_error)? else {
            return Ok(None);
        };
        let data = self
            .renderer
            .render_sls(&path, &self.context(saltenv, sls))
            .map_err(render_error)?;
        Ok(Some(RenderedSls {
            data,
            is_package: path.ends_with("/init.sls"),
        }))
    }

    fn top(&self, saltenv: &str) -> Result<Option<Value>, StateError> {
        if self
            .files
            .hash_file(saltenv, "top.sls")
            .ok()
            .flatten()
            .is_none()
        {
            return Ok(None);
        }
        self.renderer
            .render_sls("top.sls", &self.context(saltenv, ""))
            .map(Some)
            .map_err(|e| StateError::Top(e.to_string()))
    }
}

//! SLS trees read through the renderer, for states and for pillar.
//!
//! - [`RenderedSource`]: the state engine's [`SlsSource`] over any
//!   `salt://` file client (the master's files through the minion cache, or
//!   local roots), rendering each file with Jinja/YAML and the caller's
//!   grains, pillar and options.
//! - [`compile_pillar`]: Salt's pillar compilation for one minion: the
//!   pillar top files, matched against the minion, each assigned SLS
//!   rendered and merged in order.
//!
//! Both the master (pillar for a minion that asks) and `call --local` use
//! this crate; the minion uses [`RenderedSource`] for `state.*`.

mod compile;
mod source;

pub use compile::{PillarRequest, compile_pillar, merge};
pub use source::{ExecCaller, FilesTemplates, RenderedSource};

use std::sync::Arc;

use halite_exec::Ctx;
use halite_state::source::SlsSource;

/// The state engine's source for a call: SLS files from the call's file
/// client (the master's files on a minion, local roots for `call --local`),
/// rendered with the call's grains and pillar, with a `pillar=` keyword
/// argument merged over the pillar (Salt's pillar override). Registered
/// with `halite_state::exec_module::set_source_factory` at start-up.
pub fn state_source(
    ctx: &Ctx,
    kwargs: &serde_json::Map<String, serde_json::Value>,
) -> Box<dyn SlsSource> {
    let files: Arc<dyn halite_fileserver::FileClient> = match &ctx.files {
        Some(files) => files.clone(),
        None => {
            let opts = ctx.opts.as_object().cloned().unwrap_or_default();
            match halite_fileserver::Roots::from_opts(&opts) {
                Ok(roots) => Arc::new(halite_fileserver::LocalClient::new(roots)),
                Err(err) => {
                    tracing::error!(error = %err, "invalid file_roots; no SLS files are available");
                    // Salt's default roots are constants, not input.
                    let default = halite_fileserver::Roots::from_config(&Default::default())
                        .expect("the default file_roots are valid");
                    Arc::new(halite_fileserver::LocalClient::new(default))
                }
            }
        }
    };
    let mut source = RenderedSource::for_ctx(ctx, files, "file_roots");
    if let Some(over) = kwargs.get("pillar").filter(|p| p.is_object()) {
        source.set_pillar(merge((*ctx.pillar).clone(), over.clone()));
    }
    Box::new(source)
}

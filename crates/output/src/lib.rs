//! Salt's outputters, byte for byte: how the CLI prints minion returns
//! (`nested`, `highstate`, `json`, `yaml`, `txt`, `raw`, `quiet`,
//! `no_return`), and the live "N/M minions returned" progress line.
//!
//! Layout:
//! - [`Outputter`]: the contract; one file per outputter in `outputters/`.
//! - [`registry`]: the sorted list of outputters, [`by_name`] and
//!   [`select`]/[`select_static`], which pick an outputter the way Salt's
//!   `salt.output.get_printout` does (`--out` beats the outputter a return
//!   asks for, `text` means `txt`, unknown names fall back to `nested`).
//! - [`format`]/[`display`]/[`render_minion`]/[`render_static`]: what
//!   Salt's `out_format` returns and what the CLI writes to stdout, streamed
//!   per minion or all at once with `--static`.
//! - [`HighstateOptions`]: the `state_*` settings of the `highstate`
//!   outputter (state runs), part of [`OutputOptions`].
//! - [`python`]: CPython's `repr`/`str`/`splitlines`, which several
//!   outputters are defined in terms of.
//! - [`progress`]: the progress line on stderr.
//!
//! Everything here returns strings; only the `halite` binary writes them
//! to the terminal (the progress bar draws itself on stderr through
//! `indicatif`, and [`Progress::suspend`] lets the binary print around it).
//!
//! Compatibility is checked against golden files produced by Salt 3007's
//! own outputters (`tests/gen_golden.py`).

mod color;
mod nonprintable;
mod outputters;
mod pprint;
pub mod progress;
pub mod python;
pub mod registry;
mod textwrap;

use serde_json::{Map, Value};

pub use outputters::highstate::{HighstateOptions, StateOutput, StateOutputMode, Tabular};
pub use progress::Progress;
pub use registry::{OUTPUTTERS, Selection, by_name, select, select_static};

/// The settings that change how an outputter renders, from the CLI flags
/// and the master/minion config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputOptions {
    /// Emit ANSI colours (`nested`, `no_return`). Salt turns them on when
    /// stdout is a terminal, `--force-color` forces them and `--no-color`
    /// removes them; that decision belongs to the caller.
    pub color: bool,
    /// `--out-indent` / the `output_indent` setting (`json`, `yaml`).
    pub indent: OutputIndent,
    /// The `nested_indent` setting: spaces before every `nested` line.
    pub nested_indent: usize,
    /// The `state_*` settings read by the `highstate` outputter.
    pub highstate: HighstateOptions,
}

/// Whether to colour output, decided the way Salt's `get_printout` does:
/// `--force-color` wins, then `--no-color`, then a `color:` setting in the
/// config file, and without one, colour exactly when stdout is a terminal.
pub fn use_color(
    configured: Option<bool>,
    force_color: bool,
    no_color: bool,
    stdout_is_terminal: bool,
) -> bool {
    if force_color {
        true
    } else if no_color {
        false
    } else {
        configured.unwrap_or(stdout_is_terminal)
    }
}

/// The `output_indent` setting, which Salt reads with different meanings
/// per outputter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputIndent {
    /// Not set: `json` indents by 4, `yaml` uses its block style.
    #[default]
    Unset,
    /// `--out-indent N` or `output_indent: N`. Negative means one line:
    /// compact `json`, flow-style `yaml`.
    Spaces(i64),
    /// `output_indent: null` in the config: compact `json`.
    Null,
    /// `output_indent: pretty`: `json` indented by 4 with sorted keys.
    Pretty,
}

/// One way of printing data. Implementations are unit structs listed in
/// [`OUTPUTTERS`].
pub trait Outputter: Sync {
    /// The name `--out` selects it by.
    fn name(&self) -> &'static str;

    /// The text Salt's `<name>.output(data)` returns, before the CLI strips
    /// trailing whitespace. `retcode` is the minion's return code (0 for a
    /// `--static` document); `nested` prints keys in red when it is not 0.
    fn render(&self, data: &Value, opts: &OutputOptions, retcode: i32) -> String;
}

/// What Salt's `salt.output.out_format` returns: the outputter's text with
/// trailing whitespace removed (Python's `str.rstrip`).
pub fn format(out: &dyn Outputter, data: &Value, opts: &OutputOptions, retcode: i32) -> String {
    let mut text = out.render(data, opts, retcode);
    let kept = python::rstrip(&text).len();
    text.truncate(kept);
    text
}

/// What Salt's `display_output` writes to stdout: [`format`] and a newline,
/// or nothing at all when the text is empty (`quiet`, an empty `txt`).
pub fn display(out: &dyn Outputter, data: &Value, opts: &OutputOptions, retcode: i32) -> String {
    let mut text = format(out, data, opts, retcode);
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// What the `salt` CLI prints for one return as it arrives (without
/// `--static`): the outputter applied to `{minion_id: ret}`.
pub fn render_minion(
    out: &dyn Outputter,
    minion_id: &str,
    ret: &Value,
    retcode: i32,
    opts: &OutputOptions,
) -> String {
    let mut one = Map::with_capacity(1);
    one.insert(minion_id.to_owned(), ret.clone());
    display(out, &Value::Object(one), opts, retcode)
}

/// What `salt --static` prints once every return is in: one document
/// `{minion_id: ret, ...}` in arrival order (outputters that sort, sort),
/// rendered with retcode 0, so `nested` never paints keys red here.
pub fn render_static(
    out: &dyn Outputter,
    returns: &Map<String, Value>,
    opts: &OutputOptions,
) -> String {
    display(out, &Value::Object(returns.clone()), opts, 0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn colour_flags_override_config_which_overrides_the_terminal() {
        assert!(use_color(Some(false), true, true, false));
        assert!(!use_color(Some(true), false, true, true));
        assert!(!use_color(Some(false), false, false, true));
        assert!(use_color(None, false, false, true));
        assert!(!use_color(None, false, false, false));
    }

    #[test]
    fn printed_text_is_rstripped_and_newline_terminated_or_empty() {
        let opts = OutputOptions::default();
        let txt = by_name("txt").map(|o| render_minion(o, "web1", &json!("out  \n"), 0, &opts));
        assert_eq!(txt.as_deref(), Some("web1: out\n"));
        let quiet = by_name("quiet").map(|o| render_minion(o, "web1", &json!(true), 0, &opts));
        assert_eq!(quiet.as_deref(), Some(""));
    }
}

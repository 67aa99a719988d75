//! Where output goes (stdout or `--out-file`) and how it looks (outputter,
//! colour), decided once per command.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use halite_output::{OutputIndent, OutputOptions, Outputter, Progress};
use serde_json::{Map, Value};

use crate::cli::OutputFlags;

pub struct Printer {
    flags: OutputFlags,
    opts: OutputOptions,
    sink: Box<dyn Write>,
    pub progress: Option<Progress>,
}

impl Printer {
    pub fn new(flags: &OutputFlags) -> Result<Printer> {
        let to_terminal = flags.out_file.is_none() && std::io::stdout().is_terminal();
        let color = halite_output::use_color(
            None,
            flags.force_color,
            flags.no_color,
            to_terminal && std::env::var_os("NO_COLOR").is_none(),
        );
        let sink: Box<dyn Write> = match &flags.out_file {
            Some(path) => Box::new(
                OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(flags.out_file_append)
                    .truncate(!flags.out_file_append)
                    .open(path)
                    .with_context(|| format!("cannot open --out-file {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        let opts = OutputOptions {
            color,
            indent: flags
                .out_indent
                .map(OutputIndent::Spaces)
                .unwrap_or_default(),
            nested_indent: 0,
            ..OutputOptions::default()
        };
        Ok(Printer {
            flags: flags.clone(),
            opts,
            sink,
            progress: None,
        })
    }

    pub fn is_static(&self) -> bool {
        self.flags.static_
    }

    fn outputter(&self, suggested: Option<&str>) -> &'static dyn Outputter {
        let selection = halite_output::select(self.flags.out.as_deref(), suggested);
        if let Some(warning) = selection.warning() {
            eprintln!("[WARNING ] {warning}");
        }
        selection.outputter
    }

    fn write(&mut self, text: &str) -> Result<()> {
        let sink = &mut self.sink;
        let mut write = || -> std::io::Result<()> {
            sink.write_all(text.as_bytes())?;
            sink.flush()
        };
        match &self.progress {
            Some(progress) => progress.suspend(write)?,
            None => write()?,
        }
        Ok(())
    }

    /// One minion's return as it arrives.
    pub fn minion(
        &mut self,
        id: &str,
        ret: &Value,
        retcode: i32,
        suggested: Option<&str>,
    ) -> Result<()> {
        let out = self.outputter(suggested);
        let text = halite_output::render_minion(out, id, ret, retcode, &self.opts);
        self.write(&text)
    }

    /// All returns at once (`--static`).
    pub fn all(&mut self, returns: &Map<String, Value>, fun: &str) -> Result<()> {
        let selection = halite_output::select_static(self.flags.out.as_deref(), fun);
        let text = halite_output::render_static(selection.outputter, returns, &self.opts);
        self.write(&text)
    }

    /// Plain data (runner results, key lists as data).
    pub fn data(&mut self, data: &Value) -> Result<()> {
        let out = self.outputter(None);
        let text = halite_output::display(out, data, &self.opts, 0);
        self.write(&text)
    }

    /// Applies the `state_*` options of a config (then the command-line
    /// flags, which win) to the highstate outputter.
    pub fn with_config(mut self, config: &serde_json::Map<String, Value>) -> Printer {
        let mut highstate = halite_output::HighstateOptions::from_config(config);
        if let Some(mode) = &self.flags.state_output {
            highstate.state_output = halite_output::StateOutput::parse(mode);
        }
        if let Some(verbose) = self.flags.state_verbose {
            highstate.verbose = verbose;
        }
        self.opts.highstate = highstate;
        self
    }

    /// Whether the user asked for a specific outputter.
    pub fn has_out(&self) -> bool {
        self.flags.out.is_some()
    }
}

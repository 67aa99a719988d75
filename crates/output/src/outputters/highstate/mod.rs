//! `highstate`, the outputter of state runs (`salt/output/highstate.py`):
//! per minion, one block per state in `__run_num__` order (full, or one
//! terse line, per `state_output`), then the `Summary for <minion>` block.
//! Non-state returns get Salt's special forms: a list is a compile error
//! (`Data failed to compile:`), a string or an integer is printed as is.
//!
//! Salt's outputter mutates the data while printing (a shown state's
//! duration becomes `"12.3 ms"`, a non-string comment becomes a string)
//! and, when it trips over a malformed state (a missing `changes` or
//! `comment`, say), Salt's `try_printout` falls back to `nested` on that
//! half-mutated data. Both are reproduced: rendering works on a copy,
//! and [`Fallback`] is the Python exception that sends it to `nested`.
//!
//! `compress` is `state_compress_ids`; `pyformat` applies a custom
//! `state_tabular` format string.

use serde_json::{Map, Value};

use crate::color::Palette;
use crate::outputters::nested::Nested;
use crate::{OutputOptions, Outputter, pprint, python, textwrap};

mod compress;
mod pyformat;

pub struct Highstate;

/// How much of each state `state_output` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StateOutputMode {
    /// Every state in full (`full`, and anything Salt does not recognise).
    #[default]
    Full,
    /// One line per state.
    Terse,
    /// One line per state, full blocks for failures.
    Mixed,
    /// One line per state without changes or failure, full blocks else.
    Changes,
    /// `state_output_exclude`/`state_output_terse` decide per result.
    Filter,
}

/// The `state_output` setting, parsed the way Salt tests it: a prefix
/// picks the mode (`terse`, `terse_id`, `TERSE`...) and an `_id` suffix
/// shows the state ID where the name would be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateOutput {
    pub mode: StateOutputMode,
    pub by_id: bool,
}

impl StateOutput {
    pub fn parse(setting: &str) -> StateOutput {
        let setting = setting.to_lowercase();
        let mode = if setting.starts_with("filter") {
            StateOutputMode::Filter
        } else if setting.starts_with("terse") {
            StateOutputMode::Terse
        } else if setting.starts_with("mixed") {
            StateOutputMode::Mixed
        } else if setting.starts_with("changes") {
            StateOutputMode::Changes
        } else {
            StateOutputMode::Full
        };
        StateOutput {
            mode,
            by_id: setting.ends_with("_id"),
        }
    }
}

/// The `state_tabular` setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Tabular {
    /// Not set or false: `Name: ... - Function: ... - Result: ...`.
    #[default]
    Off,
    /// `True`: aligned columns.
    Aligned,
    /// A string: a Python format string applied as
    /// `fmt.format(tcolor, name, module, function, result, endc, ret)`
    /// (see `pyformat` for what is supported).
    Custom(String),
}

/// The `state_*` settings of the master/minion config that shape the
/// `highstate` outputter; defaults are Salt's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighstateOptions {
    /// `state_output` (default `full`).
    pub state_output: StateOutput,
    /// `state_verbose` (default true); false hides successful states
    /// without changes (they still count in the summary).
    pub verbose: bool,
    /// `state_tabular`: how terse lines are laid out.
    pub tabular: Tabular,
    /// `state_output_diff`: like `verbose: false`.
    pub output_diff: bool,
    /// `state_output_profile` (default true): `Started`/`Duration` lines
    /// and `Total run time`.
    pub output_profile: bool,
    /// `state_output_pct`: `Success %`/`Failure %` in the summary.
    pub output_pct: bool,
    /// `state_compress_ids`: one block per ID and result for states that
    /// share an ID (`names:`).
    pub compress_ids: bool,
    /// With `state_output: filter`, the results (`"True"`, `"False"`,
    /// `"None"`) not to print: `exclude=` on the command line, else
    /// `state_output_exclude`.
    pub exclude: Vec<String>,
    /// With `state_output: filter`, the results to print tersely: `terse=`
    /// on the command line, else `state_output_terse`.
    pub terse: Vec<String>,
}

impl Default for HighstateOptions {
    fn default() -> Self {
        HighstateOptions {
            state_output: StateOutput::default(),
            verbose: true,
            tabular: Tabular::Off,
            output_diff: false,
            output_profile: true,
            output_pct: false,
            compress_ids: false,
            exclude: Vec::new(),
            terse: Vec::new(),
        }
    }
}

impl HighstateOptions {
    /// The settings from a master/minion config (`state_output`,
    /// `state_verbose`, `state_tabular`, `state_output_diff`,
    /// `state_output_profile`, `state_output_pct`, `state_compress_ids`,
    /// `state_output_exclude`, `state_output_terse`), read with Python's
    /// truthiness; a missing setting takes Salt's default. The command
    /// line's `exclude=`/`terse=` (for `filter`) are the caller's to apply.
    pub fn from_config(config: &Map<String, Value>) -> HighstateOptions {
        let defaults = HighstateOptions::default();
        let flag = |key: &str, default: bool| config.get(key).map_or(default, truthy);
        let results = |key: &str| match config.get(key) {
            Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        HighstateOptions {
            state_output: config
                .get("state_output")
                .and_then(Value::as_str)
                .map_or(defaults.state_output, StateOutput::parse),
            verbose: flag("state_verbose", defaults.verbose),
            tabular: match config.get("state_tabular") {
                Some(Value::Bool(true)) => Tabular::Aligned,
                Some(Value::String(template)) => Tabular::Custom(template.clone()),
                _ => Tabular::Off,
            },
            output_diff: flag("state_output_diff", defaults.output_diff),
            output_profile: flag("state_output_profile", defaults.output_profile),
            output_pct: flag("state_output_pct", defaults.output_pct),
            compress_ids: flag("state_compress_ids", defaults.compress_ids),
            exclude: results("state_output_exclude"),
            terse: results("state_output_terse"),
        }
    }
}

/// A Python exception (`KeyError`, `AttributeError`, `TypeError`, or an
/// `IndexError` on a malformed state key, which crashes Salt's CLI) that
/// makes Salt print the data with `nested` instead.
#[derive(Debug)]
struct Fallback;

type Step<T> = Result<T, Fallback>;

impl Outputter for Highstate {
    fn name(&self) -> &'static str {
        "highstate"
    }

    fn render(&self, data: &Value, opts: &OutputOptions, retcode: i32) -> String {
        let mut mutated = data.clone();
        let printer = Printer {
            opts,
            hs: &opts.highstate,
            c: Palette::new(opts.color),
        };
        match printer.output(&mut mutated, 1) {
            Ok(text) => text,
            Err(Fallback) => Nested.render(&mutated, opts, retcode),
        }
    }
}

const STATES: [&str; 3] = ["state.orch", "state.orchestrate", "state.sls"];
const MISSING_RUN_NUM: &str = "The State execution failed to record the order in which all states were executed. The state return missing data is:";
/// Where state details start: the width of `     Comment: `.
const DETAIL_INDENT: usize = 14;

struct Printer<'a> {
    opts: &'a OutputOptions,
    hs: &'a HighstateOptions,
    c: Palette,
}

/// Python's truth value of a JSON-shaped object.
pub(super) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Python's `isinstance(value, int)` (bools are ints).
fn is_int(value: &Value) -> bool {
    value.is_boolean() || value.is_i64() || value.is_u64()
}

/// Python's `str.strip()`.
fn strip(s: &str) -> &str {
    s.trim_matches(python::is_space)
}

/// Salt's `strip_esc_sequence`: ESC becomes `?` so returned text cannot
/// drive the terminal.
fn strip_esc(s: &str) -> String {
    s.replace('\x1b', "?")
}

/// `"\n".join(value)`, which Python also accepts for a string (one
/// character per line) and refuses for anything holding non-strings.
fn join_lines(value: &Value) -> Step<String> {
    match value {
        Value::String(s) => Ok(s.chars().map(String::from).collect::<Vec<_>>().join("\n")),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or(Fallback))
            .collect::<Step<Vec<_>>>()
            .map(|lines| lines.join("\n")),
        _ => Err(Fallback),
    }
}

/// Python's `float(duration)`, then `float(duration.partition(" ms")[0])`;
/// `None` when both fail (Salt logs it and leaves the duration out).
fn duration_ms(value: &Value) -> Step<Option<f64>> {
    match value {
        Value::Number(n) => Ok(n.as_f64()),
        Value::Bool(b) => Ok(Some(f64::from(u8::from(*b)))),
        Value::String(s) => {
            let parse = |t: &str| strip(t).parse::<f64>().ok();
            Ok(parse(s).or_else(|| parse(s.split(" ms").next().unwrap_or_default())))
        }
        _ => Err(Fallback),
    }
}

/// Python's `re.sub("^", prefix, text, flags=re.MULTILINE)`: every line,
/// including an empty one after a final newline, gets the prefix.
fn prefix_lines(text: &str, prefix: &str) -> String {
    text.split('\n')
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A key of Salt's result counter, a dict keyed by `ret["result"]` (where
/// Python's `1 == True` and `0 == False` share a key).
#[derive(Debug, Clone, PartialEq)]
enum Counted {
    Succeeded,
    Failed,
    NotRun,
    Warnings,
    Other(String),
}

impl Counted {
    fn of_result(result: &Value) -> Counted {
        match result {
            Value::Bool(true) => Counted::Succeeded,
            Value::Bool(false) => Counted::Failed,
            Value::Null => Counted::NotRun,
            Value::Number(n) if n.as_f64() == Some(1.0) => Counted::Succeeded,
            Value::Number(n) if n.as_f64() == Some(0.0) => Counted::Failed,
            other => Counted::Other(python::repr(other)),
        }
    }
}

#[derive(Default)]
struct Counts(Vec<(Counted, u64)>);

impl Counts {
    fn add(&mut self, key: Counted, n: u64) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => *count += n,
            None => self.0.push((key, n)),
        }
    }

    fn get(&self, key: &Counted) -> u64 {
        self.0.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
    }

    fn sum(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    fn widest(&self) -> usize {
        self.0
            .iter()
            .map(|(_, n)| n.to_string().len())
            .max()
            .unwrap_or(0)
    }
}

impl Printer<'_> {
    /// Salt's `output()`: unwraps job envelopes, then one block per host.
    fn output(&self, root: &mut Value, indent_level: usize) -> Step<String> {
        let mut data = root;
        if data.get("return").is_some() && data.is_object() {
            data = &mut data["return"];
        }
        if data.get("data").is_some() && data.is_object() {
            data = &mut data["data"];
        }
        // A `jobs.lookup_jid` envelope: `{jid: {"jid":..., "fun":...,
        // "return": {"data": ...}}}`.
        if let Some(map) = data.as_object()
            && map.len() == 1
            && let Some((key, Value::Object(inner))) = map.iter().next()
            && inner.contains_key("jid")
            && inner.contains_key("fun")
        {
            let key = key.clone();
            match inner.get("return") {
                None => {}
                Some(Value::Object(ret)) if ret.contains_key("data") => {
                    data = &mut data[key.as_str()]["return"]["data"];
                }
                Some(Value::Object(_)) => {}
                Some(_) => return Err(Fallback),
            }
        }
        match data {
            Value::String(s) => Ok(s.clone()),
            Value::Null => Ok("None".to_owned()),
            // An int is returned as is, and the caller's `.rstrip()` fails.
            value if is_int(value) => Err(Fallback),
            Value::Object(map) => self.hosts(map, indent_level),
            _ => Err(Fallback),
        }
    }

    fn hosts(&self, map: &mut Map<String, Value>, indent_level: usize) -> Step<String> {
        let masters = map.keys().filter(|k| k.ends_with("_master")).count();
        if masters == 1 && map.contains_key("retcode") {
            // Orchestration data carries its retcode beside the master.
            map.shift_remove("retcode");
        }
        if self.hs.compress_ids
            && let Some(plan) = compress::plan(map)
        {
            let mut compressed = compress::compressed(map, &plan);
            let printed = self.host_blocks(&mut compressed, indent_level);
            if printed.is_err() {
                compress::write_back(map, &compressed, &plan);
            }
            return printed;
        }
        self.host_blocks(map, indent_level)
    }

    fn host_blocks(&self, map: &mut Map<String, Value>, indent_level: usize) -> Step<String> {
        let hosts: Vec<String> = map.keys().cloned().collect();
        let mut blocks = Vec::with_capacity(hosts.len());
        for host in hosts {
            if let Some(hostdata) = map.get_mut(&host) {
                blocks.push(self.host(&host, hostdata, indent_level)?.0);
            }
        }
        Ok(blocks.join("\n"))
    }

    /// Salt's `_format_host`: the text for one minion and whether anything
    /// changed.
    fn host(&self, host: &str, data: &mut Value, indent_level: usize) -> Step<(String, bool)> {
        let c = &self.c;
        let endc = c.endc;
        let mut hcolor = c.green;
        let mut lines: Vec<String> = Vec::new();
        let mut nchanges: u64 = 0;
        match data {
            Value::String(text) => {
                // A string comes from `saltmod.function`: always a change.
                nchanges = 1;
                for line in python::splitlines(text) {
                    lines.push(format!("{hcolor}    {line}{endc}"));
                }
                hcolor = c.cyan;
            }
            value if is_int(value) => {
                nchanges = 1;
                lines.push(format!("{hcolor}    {}{endc}", python::str_of(value)));
                hcolor = c.cyan;
            }
            Value::Array(errors) => {
                hcolor = c.light_red;
                lines.push(format!("    {hcolor}Data failed to compile:{endc}"));
                for err in errors.iter() {
                    let err = match err {
                        Value::String(s) => strip_esc(s),
                        other => python::str_of(other),
                    };
                    lines.push(format!("{hcolor}----------\n    {err}{endc}"));
                }
            }
            Value::Object(states) => {
                let (state_lines, changed, color) = self.states(host, states, indent_level)?;
                lines = state_lines;
                nchanges = changed;
                if let Some(color) = color {
                    hcolor = color;
                }
            }
            _ => {}
        }
        lines.insert(0, format!("{hcolor}{}:{endc}", strip_esc(host)));
        Ok((lines.join("\n"), nchanges > 0))
    }

    /// The states of one minion and its summary; also the number of
    /// changes and the colour the minion's name takes, if not green.
    fn states(
        &self,
        host: &str,
        states: &mut Map<String, Value>,
        indent_level: usize,
    ) -> Step<(Vec<String>, u64, Option<&'static str>)> {
        let c = &self.c;
        let endc = c.endc;
        let mut hcolor = None;
        let mut lines: Vec<String> = Vec::new();
        for (tname, info) in states.iter() {
            if let Value::Object(fields) = info
                && tname != "changes"
                && !fields.is_empty()
                && !fields.contains_key("__run_num__")
            {
                lines.insert(0, pprint::pformat(info));
                lines.insert(0, MISSING_RUN_NUM.to_owned());
            }
        }
        let mut order: Vec<(String, f64)> = Vec::new();
        for (tname, info) in states.iter() {
            if info.get("result").is_some() && info.is_object() {
                let run_num = match info.get("__run_num__") {
                    None => 0.0,
                    Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
                    Some(Value::Bool(b)) => f64::from(u8::from(*b)),
                    // Python cannot order these against numbers.
                    Some(_) => f64::NAN,
                };
                order.push((tname.clone(), run_num));
            }
        }
        if order.len() > 1 && order.iter().any(|(_, n)| n.is_nan()) {
            return Err(Fallback);
        }
        order.sort_by(|a, b| a.1.total_cmp(&b.1));

        let mut counts = Counts::default();
        let mut nchanges: u64 = 0;
        let mut run_durations: Vec<f64> = Vec::new();
        let mut parallel_durations: Vec<f64> = Vec::new();
        for (tname, _) in &order {
            let Some(Value::Object(ret)) = states.get_mut(tname) else {
                continue;
            };
            let result = ret.get("result").cloned().unwrap_or(Value::Null);
            let compressed_count = if self.hs.compress_ids && tname.contains("_|-state_compressed_")
            {
                compressed_count(tname)
            } else {
                1
            };
            counts.add(Counted::of_result(&result), compressed_count);
            let duration = ret.get("duration").cloned().unwrap_or(Value::from(0));
            if let Some(ms) = duration_ms(&duration)? {
                if ret.contains_key("__parallel__") {
                    parallel_durations.push(ms);
                } else {
                    run_durations.push(ms);
                }
            }

            let runs_states = ret
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| STATES.contains(&name));
            let changes = ret.get_mut("changes").ok_or(Fallback)?;
            let (changed, ctext) = if runs_states {
                let nested = self.output(changes, indent_level + 1)?;
                let prefix = " ".repeat(DETAIL_INDENT * indent_level);
                nchanges += 1;
                (true, prefix_lines(&format!("\n{nested}"), &prefix))
            } else {
                let (changed, ctext) = self.changes(changes)?;
                if changed && compressed_count > 1 {
                    // Salt calls `.get` here: changes that are not a
                    // dict raise.
                    let by_name = match changes
                        .as_object()
                        .ok_or(Fallback)?
                        .get("compressed changes")
                    {
                        Some(Value::Object(by_name)) => by_name.len(),
                        Some(Value::Array(items)) => items.len(),
                        Some(Value::String(s)) => s.chars().count(),
                        Some(Value::Null | Value::Bool(_) | Value::Number(_)) => {
                            return Err(Fallback);
                        }
                        None => 0,
                    };
                    nchanges += if by_name > 0 { by_name as u64 } else { 1 };
                } else if changed {
                    nchanges += 1;
                }
                (changed, ctext)
            };

            let succeeded = truthy(&result);
            if (self.hs.output_diff || !self.hs.verbose) && succeeded && !changed {
                continue;
            }
            let mut tcolor = if changed { c.cyan } else { c.green };
            if result == Value::Bool(false) {
                hcolor = Some(c.red);
                tcolor = c.red;
            }
            if result.is_null() {
                hcolor = Some(c.light_yellow);
                tcolor = c.light_yellow;
            }

            let mut comps: Vec<&str> = tname.split("_|-").collect();
            if self.hs.state_output.by_id {
                let id = *comps.get(1).ok_or(Fallback)?;
                *comps.get_mut(2).ok_or(Fallback)? = id;
            }
            let terse = match self.hs.state_output.mode {
                StateOutputMode::Filter => {
                    let shown = python::str_of(&result);
                    if self.hs.terse.contains(&shown) {
                        true
                    } else if self.hs.exclude.contains(&shown) {
                        continue;
                    } else {
                        false
                    }
                }
                StateOutputMode::Terse => true,
                StateOutputMode::Mixed => result != Value::Bool(false),
                StateOutputMode::Changes => succeeded && !changed,
                StateOutputMode::Full => false,
            };
            if terse {
                lines.push(self.terse(tcolor, &comps, ret)?);
                continue;
            }
            let full = self.full(tcolor, &comps, &result, ret, &ctext)?;
            lines.extend(full);
            if let Some(warnings) = ret.get("warnings") {
                counts.add(Counted::Warnings, 1);
                let text = join_lines(warnings)?;
                let indent = " ".repeat(DETAIL_INDENT);
                let filled = textwrap::fill(&text, 80, &indent, &indent);
                lines.push(format!(
                    "   {} Warnings: {}{endc}",
                    c.light_red,
                    filled.trim_start_matches(python::is_space)
                ));
            }
        }
        lines.extend(self.summary(host, &counts, nchanges, &run_durations, &parallel_durations));
        Ok((lines, nchanges, hcolor))
    }

    /// One state in full: ID, function, name, result, comment, timing and
    /// changes.
    fn full(
        &self,
        tcolor: &str,
        comps: &[&str],
        result: &Value,
        ret: &mut Map<String, Value>,
        ctext: &str,
    ) -> Step<Vec<String>> {
        let endc = self.c.endc;
        let part = |i: usize| comps.get(i).copied().ok_or(Fallback);
        let (function, id, name, fun) = (part(0)?, part(1)?, part(2)?, part(3)?);
        let profiled = self.hs.output_profile && ret.contains_key("start_time");

        let raw_comment = ret.get("comment").ok_or(Fallback)?;
        if !raw_comment.is_string() {
            let as_text = python::str_of(raw_comment);
            ret.insert("comment".to_owned(), Value::String(as_text));
        }
        let mut comment = match ret.get("comment") {
            Some(Value::String(s)) => {
                strip(s).replace('\n', &format!("\n{}", " ".repeat(DETAIL_INDENT)))
            }
            _ => String::new(),
        };
        match ret.get("data") {
            Some(Value::Array(items)) => {
                for item in items {
                    comment = format!("{comment} {}", python::str_of(item));
                }
            }
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    comment = format!("{comment}\n\t\t{key}: {}", python::str_of(value));
                }
            }
            Some(other) => comment = format!("{comment} {}", python::str_of(other)),
            None => {}
        }
        for detail in ["start_time", "duration"] {
            ret.entry(detail).or_insert_with(|| Value::from(""));
        }
        if ret.get("duration") != Some(&Value::from("")) {
            let shown = ret.get("duration").map(python::str_of).unwrap_or_default();
            ret.insert("duration".to_owned(), Value::String(format!("{shown} ms")));
        }

        let mut lines = vec![
            format!("{tcolor}----------{endc}"),
            format!("    {tcolor}      ID: {id}{endc}"),
            format!("    {tcolor}Function: {function}.{fun}{endc}"),
        ];
        if id != name {
            lines.push(format!("    {tcolor}    Name: {name}{endc}"));
        }
        lines.push(format!(
            "    {tcolor}  Result: {}{endc}",
            python::str_of(result)
        ));
        lines.push(format!("    {tcolor} Comment: {comment}{endc}"));
        if profiled {
            let field = |key: &str| ret.get(key).map(python::str_of).unwrap_or_default();
            lines.push(format!(
                "    {tcolor} Started: {}{endc}",
                field("start_time")
            ));
            lines.push(format!("    {tcolor}Duration: {}{endc}", field("duration")));
        }
        lines.push(format!("{tcolor}     Changes:   {ctext}{endc}"));
        Ok(lines)
    }

    /// Salt's `_format_terse`: one line for a state.
    fn terse(&self, tcolor: &str, comps: &[&str], ret: &Map<String, Value>) -> Step<String> {
        let c = &self.c;
        let endc = c.endc;
        let result = ret.get("result").unwrap_or(&Value::Null);
        let outcome = if *result == Value::Bool(false) {
            "Failed"
        } else if result.is_null() {
            "Differs"
        } else if ret.get("changes").is_some_and(truthy) {
            "Changed"
        } else {
            "Clean"
        };
        let name = comps.get(2).copied().ok_or(Fallback)?;
        let function = comps.first().copied().unwrap_or_default();
        let fun = comps.last().copied().unwrap_or_default();
        let warnings = match ret.get("warnings") {
            Some(warnings) => Some(join_lines(warnings)?),
            None => None,
        };
        let profiled = self.hs.output_profile && ret.contains_key("start_time");
        let field = |key: &str| ret.get(key).map(python::str_of).ok_or(Fallback);
        if let Tabular::Custom(template) = &self.hs.tabular {
            let data = Value::Object(ret.clone());
            let args = [
                pyformat::Arg::Text(tcolor),
                pyformat::Arg::Text(name),
                pyformat::Arg::Text(function),
                pyformat::Arg::Text(fun),
                pyformat::Arg::Text(outcome),
                pyformat::Arg::Text(endc),
                pyformat::Arg::Data(&data),
            ];
            return pyformat::format(template, &args).map_err(|_| Fallback);
        }
        let mut line = String::new();
        if self.hs.tabular == Tabular::Aligned {
            if let Some(w) = warnings {
                line.push_str(&format!("{}Warnings:\n{w}{endc}\n", c.light_red));
            }
            line.push_str(tcolor);
            if profiled {
                line.push_str(&format!(
                    "{} [{:>7} ms] ",
                    field("start_time")?,
                    field("duration")?
                ));
            }
            line.push_str(&format!(
                "{function:>10}.{fun:<10} {outcome:7}   Name: {name}{endc}"
            ));
        } else {
            if let Some(w) = warnings {
                line.push_str(&format!("{}Warnings:\n{w}{endc}", c.light_red));
            }
            line.push_str(&format!(
                " {tcolor} Name: {name} - Function: {function}.{fun} - Result: {outcome}"
            ));
            if profiled {
                line.push_str(&format!(
                    " - Started: {} - Duration: {} ms",
                    field("start_time")?,
                    field("duration")?
                ));
            }
            line.push_str(endc);
        }
        Ok(line)
    }

    /// Salt's `_format_changes`: whether a state changed anything and the
    /// text after `Changes:`.
    fn changes(&self, changes: &mut Value) -> Step<(bool, String)> {
        if !truthy(changes) {
            return Ok((false, String::new()));
        }
        let Value::Object(map) = changes else {
            let shown = python::str_of(changes);
            return Ok((true, format!("Invalid Changes data: {shown}")));
        };
        let nested_highstate = map.get("out").and_then(Value::as_str) == Some("highstate")
            && map.get("ret").is_some_and(|r| !r.is_null());
        if !nested_highstate {
            let opts = OutputOptions {
                nested_indent: DETAIL_INDENT,
                ..self.opts.clone()
            };
            let text = Nested.render(changes, &opts, 0);
            return Ok((true, format!("\n{}", python::rstrip(&text))));
        }
        // A `salt.state` run from an orchestration: its minions' state
        // runs, printed by this outputter and indented under `Changes:`.
        let Some(Value::Object(ret)) = map.get_mut("ret") else {
            return Err(Fallback);
        };
        let mut ctext = String::new();
        let mut changed = false;
        let hosts: Vec<String> = ret.keys().cloned().collect();
        for host in hosts {
            if let Some(hostdata) = ret.get_mut(&host) {
                let (text, host_changed) = self.host(&host, hostdata, 1)?;
                let indent = " ".repeat(DETAIL_INDENT);
                let indented: Vec<String> = python::splitlines(&text)
                    .into_iter()
                    .map(|line| format!("{indent}{line}"))
                    .collect();
                ctext.push('\n');
                ctext.push_str(&indented.join("\n"));
                changed = changed || host_changed;
            }
        }
        Ok((changed, ctext))
    }

    /// The `Summary for <minion>` block.
    fn summary(
        &self,
        host: &str,
        counts: &Counts,
        nchanges: u64,
        run_durations: &[f64],
        parallel_durations: &[f64],
    ) -> Vec<String> {
        let c = &self.c;
        let endc = c.endc;
        // The longest label is "Succeeded"; +2 for ": ".
        let width = "Succeeded".len() + counts.widest() + 2;
        let rule = "-".repeat(width);
        let count_line = |label: &str, count: &str| {
            let pad = width.saturating_sub(label.chars().count() + 2);
            format!("{label}: {count:>pad$}")
        };
        let mut lines = vec![format!("{}\nSummary for {host}\n{rule}{endc}", c.cyan)];

        let not_run = counts.get(&Counted::NotRun);
        let mut stats = Vec::new();
        if not_run > 0 {
            stats.push(format!("{}unchanged={not_run}{endc}", c.light_yellow));
        }
        if nchanges > 0 {
            stats.push(format!("{}changed={nchanges}{endc}", c.green));
        }
        let stats = if stats.is_empty() {
            String::new()
        } else {
            format!(" ({})", stats.join(", "))
        };
        let succeeded = counts.get(&Counted::Succeeded) + not_run;
        lines.push(format!(
            "{}{}{endc}{stats}",
            c.green,
            count_line("Succeeded", &succeeded.to_string())
        ));
        let failed = counts.get(&Counted::Failed);
        let failed_color = if failed > 0 { c.red } else { c.cyan };
        lines.push(format!(
            "{failed_color}{}{endc}",
            count_line("Failed", &failed.to_string())
        ));

        let warnings = counts.get(&Counted::Warnings);
        let total = counts.sum() - warnings;
        if self.hs.output_pct && total > 0 {
            let pct = |n: u64| python::float_repr(round2(n as f64 / total as f64 * 100.0));
            lines.push(format!(
                "{}{}{endc}",
                c.green,
                count_line("Success %", &pct(succeeded))
            ));
            lines.push(format!(
                "{failed_color}{}{endc}",
                count_line("Failure %", &pct(failed))
            ));
        }
        if warnings > 0 {
            lines.push(format!(
                "{}{}{endc}",
                c.light_red,
                count_line("Warnings", &warnings.to_string())
            ));
        }
        let total_pad = width.saturating_sub(7);
        lines.push(format!(
            "{}{rule}\nTotal states run: {total:>total_pad$}{endc}",
            c.cyan
        ));
        if self.hs.output_profile {
            // Parallel states overlap: only the longest one adds time.
            let mut sum: f64 = run_durations.iter().fold(0.0, |total, ms| total + ms);
            if let Some(longest) = parallel_durations.iter().copied().reduce(f64::max) {
                sum += longest;
            }
            let mut unit = "ms";
            if sum > 999.0 {
                sum /= 1000.0;
                unit = "s";
            }
            let shown = format!("{sum:.3}");
            let pad = width.saturating_sub(5);
            lines.push(format!(
                "{}Total run time: {shown:>pad$} {unit}{endc}",
                c.cyan
            ));
        }
        lines
    }
}

/// Python's `round(x, 2)`: the nearest float to the correctly rounded
/// two-decimal value.
fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// The `(N)` a compressed state's ID ends with.
fn compressed_count(tname: &str) -> u64 {
    let id = tname.split("_|-").nth(1).unwrap_or_default();
    id.strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('('))
        .and_then(|(_, n)| n.parse().ok())
        .filter(|_| id.ends_with(')'))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plain(data: &Value) -> String {
        Highstate.render(data, &OutputOptions::default(), 0)
    }

    #[test]
    fn state_output_is_matched_by_prefix_and_id_suffix() {
        let parsed = StateOutput::parse("Terse_ID");
        assert_eq!(parsed.mode, StateOutputMode::Terse);
        assert!(parsed.by_id);
        assert_eq!(StateOutput::parse("bogus").mode, StateOutputMode::Full);
    }

    #[test]
    fn config_settings_override_salts_defaults() {
        let defaults = HighstateOptions::from_config(&Map::new());
        assert_eq!(defaults, HighstateOptions::default());
        assert!(defaults.verbose && defaults.output_profile);
        let config = json!({
            "state_output": "mixed_id",
            "state_verbose": false,
            "state_tabular": "{0}{1}{5}",
            "state_output_profile": 0,
            "state_output_exclude": "True,None",
        });
        let read = HighstateOptions::from_config(config.as_object().unwrap_or(&Map::new()));
        assert_eq!(read.state_output.mode, StateOutputMode::Mixed);
        assert!(read.state_output.by_id && !read.verbose && !read.output_profile);
        assert_eq!(read.tabular, Tabular::Custom("{0}{1}{5}".to_owned()));
        assert_eq!(read.exclude, ["True", "None"]);
    }

    #[test]
    fn quiet_success_hides_clean_states_but_counts_them() {
        let data = json!({"web1": {
            "test_|-a_|-a_|-nop": {"result": true, "comment": "ok", "changes": {}, "__run_num__": 0, "duration": 1.0},
            "test_|-b_|-b_|-fail": {"result": false, "comment": "bad", "changes": {}, "__run_num__": 1, "duration": 2.0},
        }});
        let opts = OutputOptions {
            highstate: HighstateOptions {
                verbose: false,
                ..HighstateOptions::default()
            },
            ..OutputOptions::default()
        };
        let text = Highstate.render(&data, &opts, 0);
        assert!(!text.contains("ID: a") && text.contains("ID: b"), "{text}");
        assert!(text.contains("Succeeded: 1\nFailed:    1"), "{text}");
        assert!(text.ends_with("Total run time:   3.000 ms"), "{text}");
    }

    #[test]
    fn compile_errors_are_listed_under_the_minion() {
        let text = plain(&json!({"web1": ["Rendering SLS 'base:x' failed"]}));
        assert_eq!(
            text,
            "web1:\n    Data failed to compile:\n----------\n    Rendering SLS 'base:x' failed"
        );
    }

    #[test]
    fn a_state_without_changes_key_falls_back_to_nested() {
        let data = json!({"web1": {"a_|-b_|-c_|-d": {"result": true, "__run_num__": 0}}});
        assert!(plain(&data).starts_with("web1:\n    ----------\n    a_|-b_|-c_|-d:"));
    }
}

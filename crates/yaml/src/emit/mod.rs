//! `Value` → YAML text, byte for byte what Salt's `yaml.safe_dump` writes.
//!
//! Salt dumps with PyYAML's `CSafeDumper`: PyYAML's Python representer
//! (which decides flow or block style per collection and which strings
//! would read back as another type) driving libyaml's C emitter (which
//! decides quoting, indentation and line folding). So this module follows
//! libyaml's `emitter.c` (0.2.5/0.2.6) rather than PyYAML's pure-Python
//! emitter, whose output differs in places (line breaks inside quoted
//! strings, where long double-quoted strings fold).
//!
//! libyaml drives its emitter from a queue of events with a small
//! look-ahead; here the whole value is known, so the same decisions are
//! made by walking the value recursively. Only what `safe_dump` of JSON
//! data can reach is implemented: no anchors (a `Value` has no shared
//! objects), no tags beyond the `!` that libyaml would add to a non-string
//! scalar that cannot be written plain, no block scalars (`|`, `>`), which
//! the representer never asks for.

mod scalar;

pub(crate) use scalar::escape;

use serde_json::{Map, Value};

use crate::pyfloat;
use crate::resolve::{Implicit, resolve_plain};

/// The keyword arguments of `yaml.safe_dump` that Salt uses.
///
/// [`DumpOptions::default`] is PyYAML's own `safe_dump` default;
/// [`DumpOptions::salt`] is `salt.utils.yaml.safe_dump`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpOptions {
    /// `Some(true)`: every collection in flow style (`{a: [1, 2]}`).
    /// `Some(false)`: block style, except empty collections (`[]`, `{}`).
    /// `None`: flow style for collections that hold only scalars, block
    /// style for the rest.
    pub default_flow_style: Option<bool>,
    /// Spaces per level; libyaml accepts 2 to 9 and uses 2 otherwise.
    pub indent: usize,
    /// Sort mapping keys. PyYAML sorts plain dicts; Salt's dumper keeps the
    /// order of `OrderedDict`s (rendered SLS and pillar data), so pass
    /// `false` for data that came from there.
    pub sort_keys: bool,
    /// Preferred line width: flow collections and quoted strings fold past
    /// it. Values up to `2 * indent` mean 80, as in libyaml; `usize::MAX`
    /// means never fold.
    pub width: usize,
    /// Write non-ASCII text as is; otherwise such strings are double-quoted
    /// with `\x`/`\u` escapes.
    pub allow_unicode: bool,
    /// Start the document with `---`.
    pub explicit_start: bool,
}

impl Default for DumpOptions {
    /// PyYAML's `yaml.safe_dump(data)`: block style, sorted keys, ASCII.
    fn default() -> DumpOptions {
        DumpOptions {
            default_flow_style: Some(false),
            indent: 2,
            sort_keys: true,
            width: 80,
            allow_unicode: false,
            explicit_start: false,
        }
    }
}

impl DumpOptions {
    /// `salt.utils.yaml.safe_dump(data)`: `allow_unicode=True` and
    /// `default_flow_style=None`. The Jinja `yaml` filter is this with
    /// `default_flow_style: Some(flow_style)` (`True` unless the template
    /// says otherwise), its result then `strip()`ped.
    pub fn salt() -> DumpOptions {
        DumpOptions {
            default_flow_style: None,
            allow_unicode: true,
            ..DumpOptions::default()
        }
    }

    /// Salt's `--out yaml` outputter without `output_indent`:
    /// `safe_dump(data, default_flow_style=False)`.
    pub fn salt_outputter() -> DumpOptions {
        DumpOptions {
            default_flow_style: Some(false),
            ..DumpOptions::salt()
        }
    }
}

/// Dumps one value as one YAML document, as `yaml.safe_dump(value, **opts)`
/// with Salt's dumper does. The text always ends in a newline.
pub fn to_string(value: &Value, opts: &DumpOptions) -> String {
    let mut emitter = Emitter::new(opts);
    if opts.explicit_start {
        emitter.write_indent();
        emitter.write_indicator("---", true, false, false);
    }
    emitter.node(value, false, false);
    // The implicit document end: finish the last line.
    emitter.write_indent();
    emitter.out
}

/// libyaml's emitter state, minus what JSON data never needs.
struct Emitter<'o> {
    opts: &'o DumpOptions,
    out: String,
    best_indent: usize,
    best_width: usize,
    /// Current indentation; `None` before the root collection (libyaml's -1).
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
    column: usize,
    /// The last character written was whitespace (or nothing yet).
    whitespace: bool,
    /// Only indentation has been written on this line so far.
    indention: bool,
    /// The node being written is a mapping key or value.
    mapping_context: bool,
    /// The node being written is a key written without `?`.
    simple_key_context: bool,
}

impl<'o> Emitter<'o> {
    fn new(opts: &'o DumpOptions) -> Emitter<'o> {
        let best_indent = if (2..10).contains(&opts.indent) {
            opts.indent
        } else {
            2
        };
        let best_width = if opts.width <= best_indent * 2 {
            80
        } else {
            opts.width
        };
        Emitter {
            opts,
            out: String::new(),
            best_indent,
            best_width,
            indent: None,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn node(&mut self, value: &Value, mapping_context: bool, simple_key: bool) {
        self.mapping_context = mapping_context;
        self.simple_key_context = simple_key;
        match value {
            Value::Null => self.scalar("null", true, false),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, true, false),
            Value::Number(n) => {
                let text = match n.as_f64() {
                    Some(f) if n.is_f64() => pyfloat::yaml_repr(f),
                    _ => n.to_string(),
                };
                self.scalar(&text, true, false);
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => self.sequence(items),
            Value::Object(map) => self.mapping(map),
        }
    }

    /// A string may be written plain only if it would not read back as
    /// another type; quoted, it is always a string.
    fn string(&mut self, text: &str) {
        let plain_implicit = resolve_plain(text) == Implicit::Str;
        self.scalar(text, plain_implicit, true);
    }

    fn sequence(&mut self, items: &[Value]) {
        let flow = self.flow_level > 0 || self.flow_style(items.iter()) || items.is_empty();
        if flow {
            self.write_indicator("[", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.write_indicator(",", false, false, false);
                }
                if self.column > self.best_width {
                    self.write_indent();
                }
                self.node(item, false, false);
            }
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator("]", false, false, false);
        } else {
            // As a mapping value, the dashes line up with the key
            // (`a:\n- 1`): libyaml's indentless sequence.
            let indentless = self.mapping_context && !self.indention;
            self.increase_indent(false, indentless);
            for item in items {
                self.write_indent();
                self.write_indicator("-", true, false, true);
                self.node(item, false, false);
            }
            self.pop_indent();
        }
    }

    fn mapping(&mut self, map: &Map<String, Value>) {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        if self.opts.sort_keys {
            entries.sort_by(|a, b| a.0.cmp(b.0));
        }
        let flow = self.flow_level > 0 || self.flow_style(map.values()) || map.is_empty();
        if flow {
            self.write_indicator("{", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    self.write_indicator(",", false, false, false);
                }
                if self.column > self.best_width {
                    self.write_indent();
                }
                if self.is_simple_key(key) {
                    self.node_key(key, true);
                    self.write_indicator(":", false, false, false);
                } else {
                    self.write_indicator("?", true, false, false);
                    self.node_key(key, false);
                    if self.column > self.best_width {
                        self.write_indent();
                    }
                    self.write_indicator(":", true, false, false);
                }
                self.node(value, true, false);
            }
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator("}", false, false, false);
        } else {
            self.increase_indent(false, false);
            for (key, value) in entries {
                self.write_indent();
                if self.is_simple_key(key) {
                    self.node_key(key, true);
                    self.write_indicator(":", false, false, false);
                } else {
                    self.write_indicator("?", true, false, true);
                    self.node_key(key, false);
                    self.write_indent();
                    self.write_indicator(":", true, false, true);
                }
                self.node(value, true, false);
            }
            self.pop_indent();
        }
    }

    fn node_key(&mut self, key: &str, simple: bool) {
        self.mapping_context = true;
        self.simple_key_context = simple;
        self.string(key);
    }

    /// The representer's choice: the option if set, else flow style when
    /// every item is a scalar.
    fn flow_style<'v>(&self, mut items: impl Iterator<Item = &'v Value>) -> bool {
        match self.opts.default_flow_style {
            Some(flow) => flow,
            None => items.all(|v| !matches!(v, Value::Array(_) | Value::Object(_))),
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None => Some(if flow { self.best_indent } else { 0 }),
            Some(indent) if !indentless => Some(indent + self.best_indent),
            same => same,
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(None);
    }

    // Low-level writers, as libyaml's; `column` counts characters.

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Writes a line-break character from the content: `\n` as the
    /// emitter's line break, others (`\u2028` ...) as they are.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }
}

//! YAML the way Salt reads and writes it.
//!
//! Salt loads SLS files, pillar and config with `SaltYamlSafeLoader`
//! (`salt/utils/yamlloader.py`): PyYAML's libyaml-backed `CSafeLoader`, so
//! YAML 1.1 typing (`on` is true, `1e3` is a string), plus Salt's own rules.
//! It writes YAML (`--out yaml`, the Jinja `yaml` filter) with PyYAML's
//! `CSafeDumper`. No Rust crate does either: the maintained ones resolve
//! scalars as YAML 1.2, and serde-saphyr, the closest, reads `0644` as a
//! float and `190:20:30` as a string. So this crate takes only the parser
//! from **saphyr-parser**, whose events keep what typing needs (scalar
//! style, tags, anchors, positions), and does the rest itself:
//!
//! - `compose`: events → node graph (anchors, aliases, depth cap, and the
//!   few places where libyaml's YAML 1.1 syntax differs from saphyr's 1.2);
//! - `resolve`: PyYAML's implicit resolvers, a table of its regexes;
//! - `construct`: nodes → [`serde_json::Value`], with Salt's constructor;
//! - `emit`: `Value` → text, following libyaml's emitter;
//! - `encode`: Salt's `yaml_dquote` / `yaml_encode`.
//!
//! Everything is checked against goldens produced by Salt 3007 itself
//! (`tests/gen_golden.py`: PyYAML 6.0 on libyaml 0.2.6): a corpus of
//! documents, curated and random values dumped with nine option sets, and
//! every dump read back.
//!
//! # Loading: Salt's behaviour, reproduced
//!
//! - One document: `a\n---\nb` is an error, as in `yaml.load`. No document
//!   (empty text, only comments, a bare `---`) is `null`; Salt's renderer
//!   turns that into `{}`, which is up to the caller.
//! - Mapping order is kept. A repeated key is Salt's error `found
//!   conflicting ID 'key'` at the repeated key, with Python's equality:
//!   `1`, `1.0` and `true` are the same key, and so are `0644` and `644`.
//! - `<<` merge keys, with a mapping or a list of mappings. Salt's version,
//!   not PyYAML's: merged pairs come first, merged pairs whose key *text*
//!   equals one of the mapping's own keys are dropped, and two merged maps
//!   sharing a key are a conflicting ID. Salt writes zero-stripped ints
//!   back into the node, so whether `0644` still matches depends on
//!   whether that key was built already; that too is reproduced.
//! - Errors come in PyYAML's order: it fills nested collections
//!   breadth-first, so a duplicate key at the top is reported before a bad
//!   value deeper down.
//! - Only plain scalars are typed; quoted ones are strings. A scalar tagged
//!   with the non-specific `!` is typed as if plain even when quoted
//!   (libyaml marks it plain-implicit): `! "123"` is 123, `! ''` is null,
//!   but a bare `!` with no text is `""`.
//! - Booleans: `yes/no/true/false/on/off` in lower, Capitalised and UPPER
//!   case only; `y`, `n`, `yEs` are strings.
//! - Null: `~`, `null`, `Null`, `NULL` and the empty scalar.
//! - Ints: `1_000`, `0x1F`, `0b101`, base 60 `190:20:30` (685230). Salt
//!   strips leading zeros, so `0644` is **644** and `00` is 0; but `-0644`
//!   and `+0644` escape that check and are octal (-420, 420). `08`, `0o644`
//!   are strings.
//! - Floats need a dot and a signed exponent: `1.0e+3` and `.5` are floats,
//!   `1e3` and `1.0e3` strings; `1:20.5` is base 60 (80.5); `.inf`,
//!   `-.Inf`, `.NaN` (but `-.nan` is a string).
//! - Timestamps (`2001-12-14`) stay strings, explicitly tagged or not.
//! - `=` as a key is the string `"="`; as a value it is PyYAML's error
//!   (`could not determine a constructor for the tag
//!   'tag:yaml.org,2002:value'`), and so is `<<` as a value.
//! - Tags: `!!str`, `!!int` (with the same zero stripping), `!!float`,
//!   `!!bool`, `!!null` (any text is null), `!!binary`, `!!timestamp`,
//!   `!!map`, `!!seq`, `!!python/unicode`. Any other tag (`!!python/object`,
//!   `!foo`, `%TAG` prefixes) is `could not determine a constructor for
//!   the tag '...'`.
//! - A sequence or mapping as a key is `found unacceptable key` (an
//!   unrendered `{{ var }}` is one).
//! - libyaml's syntax where saphyr differs: a tab after `:` separates
//!   (`key:\tvalue`); a block scalar ending the text without a final line
//!   break gets no phantom `\n`; an anchor name defined twice or using
//!   characters outside `[0-9A-Za-z_-]` is an error; control characters
//!   anywhere in the text are an error (`unacceptable character #x0001:
//!   control characters are not allowed`).
//!
//! # Loading: what a JSON value cannot hold
//!
//! - Keys are strings. Non-string keys become what Python's `json.dumps`
//!   prints for them, so our maps equal Salt's JSON output: `1: a` →
//!   `"1"`, `true:` → `"true"`, `~:` → `"null"`, `1.5:` → `"1.5"`. Two
//!   keys that differ in Python but not as strings (`1` and `"1"`) are an
//!   error here, [`ErrorKind::KeyCollision`], where Salt accepts them.
//! - `.inf`, `-.inf`, `.nan` become the strings `"inf"`, `"-inf"`, `"nan"`
//!   (Python's `str()` of them).
//! - Integers beyond the `i64`/`u64` range become their source text, a
//!   string.
//! - `!!binary` must decode to UTF-8 text (Salt would have bytes).
//! - `!!set`, `!!omap`, `!!pairs` are refused. An alias inside the node it
//!   names (a cyclic object in Python) is refused, even where Salt would
//!   not mind (a mapping merging itself).
//! - Aliases are copies: Python shares the object, so dumping it again in
//!   Salt writes `&id001` anchors, which our dumper never does.
//!
//! # Loading: limits
//!
//! Nesting deeper than 128 levels (of the loaded value, so aliases count)
//! is an error, as in serde_json; saphyr itself stops flow collections at
//! 255. A document whose aliases and merges expand to more than 1,000,000
//! nodes (billion laughs) is an error; the node graph itself shares
//! aliased nodes and stays as small as the text. Building is iterative and
//! only the final assembly and the dumper recurse, once per level, so 128
//! levels fit in a 2 MiB thread stack even in a debug build. The dumper
//! trusts its input's depth: give it values from this loader or serde_json
//! (which also stops at 128).
//!
//! # Known gaps (saphyr parses YAML 1.2, libyaml YAML 1.1)
//!
//! - NEL, U+2028 and U+2029 are line breaks in YAML 1.1; saphyr keeps them
//!   as text.
//! - Syntax errors carry saphyr's wording and sometimes another position
//!   than libyaml's (an unclosed quote is reported where it opens, libyaml
//!   reports the end of the text). Errors of Salt's constructor (conflicting
//!   ID, merge, tags) use Salt's wording and position.
//! - saphyr accepts some tabs libyaml refuses: after `- ` (`-\tx`), on a
//!   line of only whitespace inside a block collection, before a top-level
//!   key.
//!
//! # Dumping
//!
//! [`to_string`] writes what `yaml.safe_dump(data, **opts)` writes with
//! Salt's `SafeOrderedDumper` (see [`DumpOptions`] for the presets): flow
//! or block style per collection, quotes wherever the text would read back
//! as another type (`'yes'`, `'0644'`, `'1.0'`, `''`, `'null'`,
//! `'2001-12-14'`, `'='`) or be misparsed (`'a: b'`, `'- a'`, `'#x'`,
//! leading or trailing spaces), double quotes with escapes for control
//! characters, for non-ASCII without `allow_unicode` and always for
//! characters beyond the BMP (`"\U0001F600"`: libyaml's printable test),
//! multi-line strings single-quoted with a blank line per newline, folding
//! of quoted and plain strings and flow collections past the width,
//! indentless block sequences under a key (`a:\n- 1`), keys over 128 bytes
//! or with line breaks written with `? `, floats as Python prints them
//! (`1.0e+20`, `1.0e-05`), no `...` document end marker.
//! [`yaml_dquote`] and [`yaml_encode`] are Salt's filters of those names.

mod compose;
mod construct;
mod emit;
mod encode;
mod error;
mod pyfloat;
mod resolve;
mod scalar;

pub use emit::{DumpOptions, to_string};
pub use encode::{NotAScalar, yaml_dquote, yaml_encode};
pub use error::{Error, ErrorKind};
pub use serde_json::Value;

/// Loads one YAML document with Salt's semantics; an empty document is
/// `Value::Null`.
pub fn from_str(src: &str) -> Result<Value, Error> {
    match compose::compose(src)? {
        None => Ok(Value::Null),
        Some(root) => construct::construct(root),
    }
}

/// [`from_str`], with `name` (a file path or `salt://` url) in errors.
pub fn from_str_named(src: &str, name: &str) -> Result<Value, Error> {
    from_str(src).map_err(|err| err.with_name(name))
}

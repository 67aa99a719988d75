//! The loader's error: where in which file, and what went wrong.
//!
//! Texts that PyYAML or Salt produce (`found conflicting ID 'x'`, `could
//! not determine a constructor for the tag '...'`) are copied exactly, since
//! users grep for them; the rest are ours, lowercase without a final period.

use std::fmt;

/// A YAML document could not be loaded.
///
/// `Display` gives `"{name}: line {line}, column {column}: {kind}"`, or
/// without the `name: ` prefix when the source has no name. Lines and
/// columns are 1-based, as in PyYAML's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    name: Option<String>,
    line: usize,
    column: usize,
    kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(mark: Mark, kind: ErrorKind) -> Error {
        Error {
            name: None,
            line: mark.line,
            column: mark.column,
            kind,
        }
    }

    pub(crate) fn with_name(mut self, name: &str) -> Error {
        self.name = Some(name.to_owned());
        self
    }

    /// The file path or `salt://` url given to [`crate::from_str_named`].
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// 1-based line of the offending token or node.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the offending token or node.
    pub fn column(&self) -> usize {
        self.column
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "{name}: ")?;
        }
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.kind
        )
    }
}

impl std::error::Error for Error {}

/// What went wrong; the position lives in [`Error`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not well-formed YAML (message from the parser).
    #[error("{0}")]
    Syntax(String),
    /// A character YAML allows nowhere in a document, libyaml's reader
    /// error.
    #[error("unacceptable character #x{0:04x}: control characters are not allowed")]
    ControlCharacter(u32),
    /// A tab where YAML allows only spaces, with saphyr's detail. Starts
    /// with libyaml's wording, which is what Salt shows (its nicer "Illegal
    /// tab character" only replaces the pure-Python scanner's text).
    #[error("found character that cannot start any token ({0})")]
    Tab(String),
    /// Salt's duplicate-key error (`SaltYamlSafeLoader.construct_mapping`).
    #[error("found conflicting ID '{0}'")]
    ConflictingId(String),
    /// Two keys that Python would keep apart (`1` and `"1"`) become the same
    /// string key in a JSON map.
    #[error("key '{0}' appears twice once keys are converted to strings")]
    KeyCollision(String),
    #[error("found duplicate anchor '{name}'; first occurrence on line {first_line}")]
    DuplicateAnchor { name: String, first_line: usize },
    /// libyaml accepts only `[0-9A-Za-z_-]` in anchor names.
    #[error("while scanning an anchor: did not find expected alphabetic or numeric character")]
    BadAnchorName,
    #[error("found undefined alias '{0}'")]
    UndefinedAlias(String),
    /// An alias inside the node it refers to; Python builds a cyclic object,
    /// a JSON value cannot hold one.
    #[error("alias '{0}' refers to a node that contains it")]
    RecursiveAlias(String),
    #[error("could not determine a constructor for the tag '{0}'")]
    UnknownTag(String),
    /// A tag PyYAML knows but a JSON value cannot represent (`!!set`, `!!omap`).
    #[error("tag '{0}' is not supported")]
    UnsupportedTag(String),
    /// A tag applied to the wrong kind of node (`!!str {a: 1}`).
    #[error("expected a {expected} node, but found {found}")]
    WrongNodeKind {
        expected: &'static str,
        found: &'static str,
    },
    /// An explicitly tagged scalar that does not parse (`!!int foo`).
    #[error("invalid value for tag '{tag}': '{value}'")]
    InvalidValue { tag: String, value: String },
    /// `!!binary` data that is not UTF-8 text once decoded.
    #[error("!!binary data is not UTF-8 text")]
    BinaryNotText,
    /// A sequence or mapping used as a mapping key (unhashable in Python).
    #[error("found unacceptable key")]
    UnacceptableKey,
    #[error("expected a mapping or list of mappings for merging, but found {0}")]
    MergeNotMapping(&'static str),
    #[error("expected a mapping for merging, but found {0}")]
    MergeItemNotMapping(&'static str),
    /// Salt loads exactly one document (`yaml.load` → `get_single_data`).
    #[error("expected a single document in the stream, but found another document")]
    MultipleDocuments,
    #[error("nesting deeper than {max} levels")]
    TooDeep { max: usize },
    /// The billion-laughs guard: aliases may not expand into more nodes.
    #[error("aliases and merges expand to more than {max} nodes")]
    TooManyAliasedNodes { max: usize },
}

/// A 1-based position in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub line: usize,
    pub column: usize,
}

impl Mark {
    /// saphyr markers have 1-based lines and 0-based columns.
    pub(crate) fn from_saphyr(marker: &saphyr_parser::Marker) -> Mark {
        Mark {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

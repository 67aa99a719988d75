//! Node graph → `Value`: PyYAML's `SafeConstructor` with Salt's
//! `SaltYamlSafeLoader` overrides (`salt/utils/yamlloader.py`).
//!
//! Salt's differences from PyYAML reproduced here:
//! - a repeated key is an error, `found conflicting ID '<key>'`, reported at
//!   the repeated key, with Python's key equality (`1`, `1.0` and `true`
//!   are the same key);
//! - `<<` merges put the merged pairs *before* the mapping's own pairs and
//!   drop those whose key text equals an own key's text; pairs merged from
//!   several maps that share a key are then a conflicting ID, not "first
//!   wins" as in PyYAML;
//! - ints lose their leading zeros (see [`crate::scalar::construct_int`]);
//! - timestamps stay strings, `!!python/unicode` is a plain string.
//!
//! Expansion through aliases and merges is counted: past
//! [`MAX_ALIASED_NODES`] nodes the load fails instead of building a
//! billion-laughs value in memory.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::compose::{MAX_DEPTH, Node, NodeKind, NodeRef, resolved};
use crate::error::{Error, ErrorKind};
use crate::resolve::{Implicit, resolve_plain};
use crate::scalar::{self, KeyIdentity, Scalar};

/// Most nodes that aliases and merges may produce in one document.
pub(crate) const MAX_ALIASED_NODES: usize = 1_000_000;

const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Builds the value of a composed document.
pub(crate) fn construct(root: &NodeRef) -> Result<Value, Error> {
    let mut constructor = Constructor {
        aliased_nodes: 0,
        flattened: HashMap::new(),
    };
    constructor.value(root, 0, false)
}

struct Constructor<'n> {
    aliased_nodes: usize,
    /// The flattened pairs of every mapping that has merges, so that a
    /// chain of anchors each merging the previous one is flattened once
    /// per link, not once per use.
    flattened: HashMap<*const Node, Rc<Vec<Pair<'n>>>>,
}

/// One key/value pair of a mapping after merges are flattened in.
#[derive(Clone, Copy)]
struct Pair<'n> {
    key: &'n NodeRef,
    value: &'n NodeRef,
    /// Came from a `<<` merge, so it counts towards the expansion cap.
    merged: bool,
}

/// What a tag asks for, once `!` and untagged scalars are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wanted {
    Scalar(Implicit),
    Binary,
    Sequence,
    Mapping,
    Unsupported(String),
    Unknown(String),
}

impl<'n> Constructor<'n> {
    fn value(&mut self, node: &'n NodeRef, depth: usize, aliased: bool) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::new(node.mark, ErrorKind::TooDeep { max: MAX_DEPTH }));
        }
        if aliased {
            self.count(node, 1)?;
        }
        match &node.kind {
            NodeKind::Alias { target, .. } => self.value(target, depth, true),
            NodeKind::Scalar { value, .. } => Ok(self.scalar(node, false)?.into_value(value)),
            NodeKind::Sequence(items) => {
                self.expect_kind(node, Wanted::Sequence)?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.value(item, depth + 1, aliased)?);
                }
                Ok(Value::Array(values))
            }
            NodeKind::Mapping(_) => {
                self.expect_kind(node, Wanted::Mapping)?;
                self.mapping(node, depth, aliased)
            }
        }
    }

    fn count(&mut self, node: &Node, n: usize) -> Result<(), Error> {
        self.aliased_nodes += n;
        if self.aliased_nodes > MAX_ALIASED_NODES {
            return Err(Error::new(
                node.mark,
                ErrorKind::TooManyAliasedNodes {
                    max: MAX_ALIASED_NODES,
                },
            ));
        }
        Ok(())
    }

    /// Checks the tag of a sequence or mapping node.
    fn expect_kind(&self, node: &Node, expected: Wanted) -> Result<(), Error> {
        let wanted = wanted(node);
        if wanted == expected {
            return Ok(());
        }
        let kind = match wanted {
            // PyYAML has no constructor at all for these two tags.
            Wanted::Scalar(Implicit::Merge) => {
                ErrorKind::UnknownTag(format!("{YAML_TAG_PREFIX}merge"))
            }
            Wanted::Scalar(Implicit::Value) => {
                ErrorKind::UnknownTag(format!("{YAML_TAG_PREFIX}value"))
            }
            Wanted::Scalar(_) | Wanted::Binary => ErrorKind::WrongNodeKind {
                expected: "scalar",
                found: node.kind_name(),
            },
            Wanted::Sequence => ErrorKind::WrongNodeKind {
                expected: "sequence",
                found: node.kind_name(),
            },
            Wanted::Mapping => ErrorKind::WrongNodeKind {
                expected: "mapping",
                found: node.kind_name(),
            },
            Wanted::Unsupported(tag) => ErrorKind::UnsupportedTag(tag),
            Wanted::Unknown(tag) => ErrorKind::UnknownTag(tag),
        };
        Err(Error::new(node.mark, kind))
    }

    /// A scalar node (through aliases). `as_key` applies Salt's
    /// `flatten_mapping` rule that a `=` key is a plain string.
    fn scalar(&self, node: &'n NodeRef, as_key: bool) -> Result<Scalar, Error> {
        let node = resolved(node);
        let NodeKind::Scalar { value, .. } = &node.kind else {
            let expected = match wanted(node) {
                Wanted::Sequence => "sequence",
                Wanted::Mapping => "mapping",
                _ => "scalar",
            };
            return Err(Error::new(
                node.mark,
                ErrorKind::WrongNodeKind {
                    expected,
                    found: node.kind_name(),
                },
            ));
        };
        let at = |kind| Error::new(node.mark, kind);
        match wanted(node) {
            Wanted::Scalar(Implicit::Value) if as_key => Ok(Scalar::Str(value.clone())),
            Wanted::Scalar(Implicit::Str | Implicit::Timestamp) => Ok(Scalar::Str(value.clone())),
            Wanted::Scalar(Implicit::Null) => Ok(Scalar::Null),
            Wanted::Scalar(Implicit::Bool) => scalar::construct_bool(value).map_err(at),
            Wanted::Scalar(Implicit::Int) => scalar::construct_int(value).map_err(at),
            Wanted::Scalar(Implicit::Float) => scalar::construct_float(value).map_err(at),
            Wanted::Scalar(Implicit::Merge) => {
                Err(at(ErrorKind::UnknownTag(format!("{YAML_TAG_PREFIX}merge"))))
            }
            Wanted::Scalar(Implicit::Value) => {
                Err(at(ErrorKind::UnknownTag(format!("{YAML_TAG_PREFIX}value"))))
            }
            Wanted::Binary => scalar::construct_binary(value).map_err(at),
            Wanted::Sequence => Err(at(ErrorKind::WrongNodeKind {
                expected: "sequence",
                found: "scalar",
            })),
            Wanted::Mapping => Err(at(ErrorKind::WrongNodeKind {
                expected: "mapping",
                found: "scalar",
            })),
            Wanted::Unsupported(tag) => Err(at(ErrorKind::UnsupportedTag(tag))),
            Wanted::Unknown(tag) => Err(at(ErrorKind::UnknownTag(tag))),
        }
    }

    fn mapping(&mut self, node: &'n NodeRef, depth: usize, aliased: bool) -> Result<Value, Error> {
        let pairs = self.flatten(node, depth)?;
        let mut map = Map::with_capacity(pairs.len());
        let mut seen: HashMap<KeyIdentity, ()> = HashMap::with_capacity(pairs.len());
        for &pair in pairs.iter() {
            let key_node = resolved(pair.key);
            if !matches!(key_node.kind, NodeKind::Scalar { .. }) {
                return Err(Error::new(key_node.mark, ErrorKind::UnacceptableKey));
            }
            let aliased = aliased || pair.merged;
            if aliased {
                self.count(key_node, 1)?;
            }
            let key = self.scalar(pair.key, true)?;
            let value = self.value(pair.value, depth + 1, aliased)?;
            if let Some(identity) = key.python_identity()
                && seen.insert(identity, ()).is_some()
            {
                return Err(Error::new(
                    key_node.mark,
                    ErrorKind::ConflictingId(key.python_str()),
                ));
            }
            let json_key = key.json_key();
            if map.contains_key(&json_key) {
                return Err(Error::new(key_node.mark, ErrorKind::KeyCollision(json_key)));
            }
            map.insert(json_key, value);
        }
        Ok(Value::Object(map))
    }

    /// Salt's `flatten_mapping`: the pairs of a mapping with its `<<`
    /// merges resolved, merged pairs first.
    fn flatten(&mut self, node: &'n NodeRef, depth: usize) -> Result<Rc<Vec<Pair<'n>>>, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::new(node.mark, ErrorKind::TooDeep { max: MAX_DEPTH }));
        }
        let node = resolved(node);
        if let Some(done) = self.flattened.get(&Rc::as_ptr(node)) {
            return Ok(Rc::clone(done));
        }
        let NodeKind::Mapping(pairs) = &node.kind else {
            return Err(Error::new(
                node.mark,
                ErrorKind::WrongNodeKind {
                    expected: "mapping",
                    found: node.kind_name(),
                },
            ));
        };
        let mut own = Vec::with_capacity(pairs.len());
        let mut merged = Vec::new();
        for (key, value) in pairs {
            let merged_before = merged.len();
            if !is_merge_key(resolved(key)) {
                own.push(Pair {
                    key,
                    value,
                    merged: false,
                });
                continue;
            }
            let source = resolved(value);
            match &source.kind {
                NodeKind::Mapping(_) => {
                    merged.extend(self.flatten(source, depth + 1)?.iter().copied())
                }
                NodeKind::Sequence(items) => {
                    let mut per_source = Vec::with_capacity(items.len());
                    for item in items {
                        let item = resolved(item);
                        if !matches!(item.kind, NodeKind::Mapping(_)) {
                            let kind = ErrorKind::MergeItemNotMapping(item.kind_name());
                            return Err(Error::new(item.mark, kind));
                        }
                        per_source.push(self.flatten(item, depth + 1)?);
                    }
                    // Salt reverses the list, then concatenates.
                    for pairs in per_source.into_iter().rev() {
                        merged.extend(pairs.iter().copied());
                    }
                }
                _ => {
                    return Err(Error::new(
                        source.mark,
                        ErrorKind::MergeNotMapping(source.kind_name()),
                    ));
                }
            }
            self.count(node, merged.len() - merged_before)?;
        }
        if merged.is_empty() {
            return Ok(Rc::new(own));
        }
        // Salt compares the keys' raw node values, not constructed keys.
        let mut result: Vec<Pair<'n>> = merged
            .into_iter()
            .filter(|m| !own.iter().any(|o| same_key_text(m.key, o.key)))
            .map(|m| Pair { merged: true, ..m })
            .collect();
        result.extend(own);
        let result = Rc::new(result);
        self.flattened.insert(Rc::as_ptr(node), Rc::clone(&result));
        Ok(result)
    }
}

/// The tag a node asks for: its explicit tag, or for untagged nodes (and
/// the non-specific `!`) the implicit one. libyaml marks a `!`-tagged
/// scalar as plain-implicit whatever its style, so `! "123"` is an int.
fn wanted(node: &Node) -> Wanted {
    let tag = node.tag.as_deref();
    match (&node.kind, tag) {
        (NodeKind::Alias { target, .. }, _) => wanted(target),
        (NodeKind::Scalar { value, plain }, None) => Wanted::Scalar(if *plain {
            resolve_plain(value)
        } else {
            Implicit::Str
        }),
        // An empty node (no text at all) tagged `!` is not implicit in
        // libyaml, so it is the empty string rather than null.
        (NodeKind::Scalar { value, plain: true }, Some("!")) if value.is_empty() => {
            Wanted::Scalar(Implicit::Str)
        }
        (NodeKind::Scalar { value, .. }, Some("!")) => Wanted::Scalar(resolve_plain(value)),
        (NodeKind::Sequence(_), None | Some("!")) => Wanted::Sequence,
        (NodeKind::Mapping(_), None | Some("!")) => Wanted::Mapping,
        (_, Some(tag)) => explicit(tag),
    }
}

fn explicit(tag: &str) -> Wanted {
    let Some(suffix) = tag.strip_prefix(YAML_TAG_PREFIX) else {
        return Wanted::Unknown(tag.to_owned());
    };
    match suffix {
        "str" | "python/unicode" => Wanted::Scalar(Implicit::Str),
        "int" => Wanted::Scalar(Implicit::Int),
        "float" => Wanted::Scalar(Implicit::Float),
        "bool" => Wanted::Scalar(Implicit::Bool),
        "null" => Wanted::Scalar(Implicit::Null),
        "timestamp" => Wanted::Scalar(Implicit::Timestamp),
        "merge" => Wanted::Scalar(Implicit::Merge),
        "value" => Wanted::Scalar(Implicit::Value),
        "binary" => Wanted::Binary,
        "seq" => Wanted::Sequence,
        "map" => Wanted::Mapping,
        "set" | "omap" | "pairs" => Wanted::Unsupported(format!("!!{suffix}")),
        _ => Wanted::Unknown(tag.to_owned()),
    }
}

fn is_merge_key(key: &Node) -> bool {
    matches!(key.kind, NodeKind::Scalar { .. }) && wanted(key) == Wanted::Scalar(Implicit::Merge)
}

/// Python's `key_node.value == other.value` on two key nodes: scalars by
/// text, collections by identity.
fn same_key_text(a: &NodeRef, b: &NodeRef) -> bool {
    let (a, b) = (resolved(a), resolved(b));
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar { value: x, .. }, NodeKind::Scalar { value: y, .. }) => x == y,
        _ => Rc::ptr_eq(a, b),
    }
}

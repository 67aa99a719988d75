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
//! - ints lose their leading zeros (see [`crate::scalar::construct_int`]),
//!   and Salt writes the stripped text back into the node, so a key `0644`
//!   already built no longer matches the text `0644` in a later merge;
//! - timestamps stay strings, `!!python/unicode` is a plain string.
//!
//! PyYAML fills collections breadth-first (see [`Constructor`]), and so
//! does this constructor, so that a document with several errors reports
//! the same one first.
//!
//! Expansion through aliases and merges is counted: past
//! [`MAX_ALIASED_NODES`] nodes the load fails instead of building a
//! billion-laughs value in memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::compose::{MAX_DEPTH, Node, NodeKind, NodeRef, resolved};
use crate::error::{Error, ErrorKind, Mark};
use crate::resolve::{Implicit, resolve_plain};
use crate::scalar::{self, KeyIdentity, Scalar};

/// Most nodes that aliases and merges may produce in one document.
pub(crate) const MAX_ALIASED_NODES: usize = 1_000_000;

const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Builds the value of a composed document. Takes the graph by value so
/// that it is freed before the value is assembled.
pub(crate) fn construct(root: NodeRef) -> Result<Value, Error> {
    let (slots, root_slot, aliased_nodes) = build(&root)?;
    drop(root);
    let mut assembler = Assembler {
        slots,
        shared: HashMap::new(),
        aliased_nodes,
    };
    Ok(assembler.assemble(root_slot, 0)?.value)
}

/// Runs the constructor over the graph: the slots, the root's slot, and
/// the expansion counted so far (by merges).
fn build(root: &NodeRef) -> Result<(Vec<Slot>, usize, usize), Error> {
    let mut constructor = Constructor {
        slots: Vec::new(),
        pending: VecDeque::new(),
        built: HashMap::new(),
        flattened: HashMap::new(),
        stripped: HashMap::new(),
        aliased_nodes: 0,
    };
    let root_slot = constructor.object(root)?;
    while let Some((slot, node)) = constructor.pending.pop_front() {
        constructor.fill(slot, node)?;
    }
    Ok((constructor.slots, root_slot, constructor.aliased_nodes))
}

/// PyYAML builds a collection in two steps: an empty list or dict when its
/// parent reaches it, filled later, after everything queued before it. So
/// errors come out in that breadth-first order: a duplicate key at the top
/// of a file is reported before a bad tag deeper down. This constructor
/// keeps that order, building into numbered slots first and assembling the
/// `Value` at the end.
struct Constructor<'n> {
    slots: Vec<Slot>,
    /// Collections waiting to be filled, in PyYAML's order.
    pending: VecDeque<(usize, &'n NodeRef)>,
    /// The slot of each collection node already built: an aliased node is
    /// built once, as PyYAML's `constructed_objects` does.
    built: HashMap<*const Node, usize>,
    /// The flattened pairs of every mapping that has merges, so that a
    /// chain of anchors each merging the previous one is flattened once
    /// per link, not once per use.
    flattened: HashMap<*const Node, Rc<Vec<Pair<'n>>>>,
    /// Int nodes already built whose text lost leading zeros: Salt writes
    /// the stripped text back into the node, and merges compare keys by
    /// that text, so `0644` and a built `0644` key differ.
    stripped: HashMap<*const Node, String>,
    aliased_nodes: usize,
}

struct Slot {
    mark: Mark,
    content: Content,
    /// How many places use it: more than one through aliases and merges.
    uses: usize,
}

enum Content {
    Scalar(Value),
    Sequence(Vec<usize>),
    Mapping(Vec<(String, usize)>),
}

/// One key/value pair of a mapping after merges are flattened in.
#[derive(Clone, Copy)]
struct Pair<'n> {
    key: &'n NodeRef,
    value: &'n NodeRef,
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
    /// PyYAML's `construct_object` (not deep): scalars are built now,
    /// collections get an empty slot and are queued.
    fn object(&mut self, node: &'n NodeRef) -> Result<usize, Error> {
        let node = resolved(node);
        if let Some(&slot) = self.built.get(&Rc::as_ptr(node)) {
            self.slots[slot].uses += 1;
            return Ok(slot);
        }
        let content = match &node.kind {
            NodeKind::Scalar { value, .. } => {
                let scalar = self.scalar(node, false)?;
                return Ok(self.push(node, Content::Scalar(scalar.into_value(value))));
            }
            NodeKind::Sequence(_) => {
                self.expect_kind(node, Wanted::Sequence)?;
                Content::Sequence(Vec::new())
            }
            NodeKind::Mapping(_) => {
                self.expect_kind(node, Wanted::Mapping)?;
                Content::Mapping(Vec::new())
            }
            // `resolved` never returns an alias.
            NodeKind::Alias { target } => return self.object(target),
        };
        let slot = self.push(node, content);
        self.built.insert(Rc::as_ptr(node), slot);
        self.pending.push_back((slot, node));
        Ok(slot)
    }

    fn push(&mut self, node: &Node, content: Content) -> usize {
        self.slots.push(Slot {
            mark: node.mark,
            content,
            uses: 1,
        });
        self.slots.len() - 1
    }

    /// Fills a queued collection: PyYAML's `construct_sequence`, and Salt's
    /// `construct_mapping` with its duplicate-key check.
    fn fill(&mut self, slot: usize, node: &'n NodeRef) -> Result<(), Error> {
        match &node.kind {
            NodeKind::Sequence(items) => {
                let mut children = Vec::with_capacity(items.len());
                for item in items {
                    children.push(self.object(item)?);
                }
                self.slots[slot].content = Content::Sequence(children);
            }
            NodeKind::Mapping(_) => {
                let pairs = self.flatten(node, 0)?;
                let mut entries = Vec::with_capacity(pairs.len());
                let mut seen: HashSet<KeyIdentity> = HashSet::with_capacity(pairs.len());
                let mut json_keys: HashSet<String> = HashSet::with_capacity(pairs.len());
                for pair in pairs.iter() {
                    let key_node = resolved(pair.key);
                    if !matches!(key_node.kind, NodeKind::Scalar { .. }) {
                        // Python builds the list or dict, then cannot hash it.
                        self.object(key_node)?;
                        return Err(Error::new(key_node.mark, ErrorKind::UnacceptableKey));
                    }
                    let key = self.scalar(key_node, true)?;
                    let value = self.object(pair.value)?;
                    if let Some(identity) = key.python_identity()
                        && !seen.insert(identity)
                    {
                        let kind = ErrorKind::ConflictingId(key.python_str());
                        return Err(Error::new(key_node.mark, kind));
                    }
                    let json_key = key.json_key();
                    if !json_keys.insert(json_key.clone()) {
                        return Err(Error::new(key_node.mark, ErrorKind::KeyCollision(json_key)));
                    }
                    entries.push((json_key, value));
                }
                self.slots[slot].content = Content::Mapping(entries);
            }
            NodeKind::Scalar { .. } | NodeKind::Alias { .. } => {}
        }
        Ok(())
    }

    fn count(&mut self, mark: Mark, n: usize) -> Result<(), Error> {
        self.aliased_nodes += n;
        if self.aliased_nodes > MAX_ALIASED_NODES {
            let kind = ErrorKind::TooManyAliasedNodes {
                max: MAX_ALIASED_NODES,
            };
            return Err(Error::new(mark, kind));
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
    fn scalar(&mut self, node: &NodeRef, as_key: bool) -> Result<Scalar, Error> {
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
            Wanted::Scalar(Implicit::Int) => {
                let stripped = scalar::salt_strip_zeros(value);
                if stripped != value {
                    self.stripped.insert(Rc::as_ptr(node), stripped.to_owned());
                }
                scalar::construct_int(value).map_err(at)
            }
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

    /// A scalar key's text as Salt's merge sees it (`node.value`, after
    /// any zero stripping); `None` for collection keys.
    fn key_text<'s>(&'s self, key: &'s NodeRef) -> Option<&'s str> {
        let node = resolved(key);
        match &node.kind {
            NodeKind::Scalar { value, .. } => Some(
                self.stripped
                    .get(&Rc::as_ptr(node))
                    .map_or(value.as_str(), String::as_str),
            ),
            _ => None,
        }
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
                own.push(Pair { key, value });
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
            self.count(node.mark, merged.len() - merged_before)?;
        }
        if merged.is_empty() {
            return Ok(Rc::new(own));
        }
        // Salt compares the keys' raw node values, not constructed keys:
        // scalars by text, collections by identity.
        let mut own_texts = HashSet::new();
        let mut own_nodes = HashSet::new();
        for pair in &own {
            match self.key_text(pair.key) {
                Some(text) => own_texts.insert(text),
                None => own_nodes.insert(Rc::as_ptr(resolved(pair.key))),
            };
        }
        let mut result: Vec<Pair<'n>> = merged
            .into_iter()
            .filter(|m| match self.key_text(m.key) {
                Some(text) => !own_texts.contains(text),
                None => !own_nodes.contains(&Rc::as_ptr(resolved(m.key))),
            })
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

/// Turns the slots into the value, moving each slot's content into place.
/// A slot used in several places is assembled once and copied for the
/// other uses; every copied node counts towards [`MAX_ALIASED_NODES`].
struct Assembler {
    slots: Vec<Slot>,
    shared: HashMap<usize, Assembled>,
    aliased_nodes: usize,
}

#[derive(Clone)]
struct Assembled {
    value: Value,
    /// Nodes in `value`.
    nodes: usize,
    /// Levels below `value`'s own.
    height: usize,
}

impl Assembler {
    fn assemble(&mut self, slot: usize, depth: usize) -> Result<Assembled, Error> {
        let mark = self.slots[slot].mark;
        let too_deep = || Error::new(mark, ErrorKind::TooDeep { max: MAX_DEPTH });
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        if let Some(done) = self.shared.get(&slot) {
            if depth + done.height > MAX_DEPTH {
                return Err(too_deep());
            }
            let copy = done.clone();
            self.aliased_nodes += copy.nodes;
            if self.aliased_nodes > MAX_ALIASED_NODES {
                return Err(Error::new(
                    mark,
                    ErrorKind::TooManyAliasedNodes {
                        max: MAX_ALIASED_NODES,
                    },
                ));
            }
            return Ok(copy);
        }
        let content =
            std::mem::replace(&mut self.slots[slot].content, Content::Sequence(Vec::new()));
        let (mut nodes, mut height) = (1, 0);
        let value = match content {
            Content::Scalar(value) => value,
            Content::Sequence(children) => {
                let mut values = Vec::with_capacity(children.len());
                for child in children {
                    let done = self.assemble(child, depth + 1)?;
                    nodes += done.nodes;
                    height = height.max(done.height + 1);
                    values.push(done.value);
                }
                Value::Array(values)
            }
            Content::Mapping(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (key, child) in entries {
                    let done = self.assemble(child, depth + 1)?;
                    nodes += done.nodes;
                    height = height.max(done.height + 1);
                    map.insert(key, done.value);
                }
                Value::Object(map)
            }
        };
        let done = Assembled {
            value,
            nodes,
            height,
        };
        if self.slots[slot].uses > 1 {
            self.shared.insert(slot, done.clone());
        }
        Ok(done)
    }
}

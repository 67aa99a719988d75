//! Events from saphyr-parser → a node graph, the job of PyYAML's composer.
//!
//! Nodes keep what the constructor needs and a JSON value loses: whether a
//! scalar was plain (only plain scalars are resolved implicitly), its tag,
//! and its position. Aliases share the anchored node through `Rc`, so the
//! graph stays as small as the text however often an anchor is used; the
//! expansion happens (and is capped) in the constructor.
//!
//! The composer is a loop over an explicit stack, not recursion, and it
//! stops at [`MAX_DEPTH`] levels, so `[[[[...` cannot exhaust the stack.
//! Like libyaml (and unlike YAML 1.2), it refuses an anchor name used twice
//! and names outside `[0-9A-Za-z_-]`; saphyr reports anchors only by number,
//! so the names are read back from the source text at the node's position.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

use crate::error::{Error, ErrorKind, Mark};

/// Deepest nesting of sequences and mappings accepted, also enforced on the
/// constructed value (aliases can nest deeper than the text).
pub(crate) const MAX_DEPTH: usize = 128;

/// Deepest nesting of flow collections (`[[[`) saphyr parses.
const MAX_FLOW_DEPTH: usize = 255;

pub(crate) type NodeRef = Rc<Node>;

#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// The full tag (`tag:yaml.org,2002:str`, `!foo`, `!` for the
    /// non-specific tag), if the text gave one.
    pub tag: Option<String>,
    /// Where the node starts (at its anchor or tag, if any), as PyYAML's
    /// `start_mark`.
    pub mark: Mark,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    Scalar {
        value: String,
        plain: bool,
    },
    Sequence(Vec<NodeRef>),
    Mapping(Vec<(NodeRef, NodeRef)>),
    /// A use of an anchor; `target` is the anchored node itself.
    Alias {
        target: NodeRef,
    },
}

/// The node an alias stands for; the node itself otherwise.
pub(crate) fn resolved(node: &NodeRef) -> &NodeRef {
    match &node.kind {
        NodeKind::Alias { target } => target,
        _ => node,
    }
}

impl Node {
    /// PyYAML's `node.id`, used in its error messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } => "scalar",
            NodeKind::Sequence(_) => "sequence",
            NodeKind::Mapping(_) => "mapping",
            NodeKind::Alias { target, .. } => target.kind_name(),
        }
    }
}

/// Parses `src` and composes its single document; `None` for a stream
/// without a document (empty text, only comments).
pub(crate) fn compose(src: &str) -> Result<Option<NodeRef>, Error> {
    check_characters(src)?;
    let mut text = Cow::Borrowed(src);
    let mut fixes = 0;
    loop {
        let outcome = Composer::new(&text).run();
        match outcome {
            Ok(root) => return Ok(root),
            Err(Failure::Error(err)) => return Err(err),
            Err(Failure::Retry { fixed, .. }) if fixes < MAX_TAB_FIXES => {
                text = Cow::Owned(fixed);
                fixes += 1;
            }
            Err(Failure::Retry { error, .. }) => return Err(error),
        }
    }
}

/// libyaml's reader refuses the whole text if it holds a character YAML
/// does not allow anywhere (C0 controls but tab and line breaks, DEL, C1
/// controls but NEL, surrogates, U+FFFE, U+FFFF); saphyr lets them through.
fn check_characters(src: &str) -> Result<(), Error> {
    let (mut line, mut column) = (1, 1);
    for c in src.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}')
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}';
        if !allowed {
            return Err(Error::new(
                Mark { line, column },
                ErrorKind::ControlCharacter(c as u32),
            ));
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Ok(())
}

/// libyaml takes a tab after a `:` as a separator (`key:\tvalue`); saphyr
/// refuses it before a letter, digit or `-`. Each such tab is replaced by a
/// space (same column, so positions stay right) and the text parsed again,
/// at most this many times.
const MAX_TAB_FIXES: usize = 64;

enum Failure {
    Error(Error),
    /// Parse `fixed` instead: a tab that libyaml accepts became a space.
    /// `error` is saphyr's complaint, reported if there are too many.
    Retry {
        fixed: String,
        error: Error,
    },
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Error(err)
    }
}

/// A sequence or mapping whose end has not been seen yet.
struct Open {
    kind: OpenKind,
    anchor: Option<usize>,
    tag: Option<String>,
    mark: Mark,
}

enum OpenKind {
    Sequence(Vec<NodeRef>),
    Mapping {
        pairs: Vec<(NodeRef, NodeRef)>,
        key: Option<NodeRef>,
    },
}

struct Composer<'s> {
    src: &'s str,
    parser: Parser<'s, saphyr_parser::StrInput<'s>>,
    stack: Vec<Open>,
    /// Finished anchored nodes by saphyr's anchor id.
    anchors: HashMap<usize, NodeRef>,
    /// Anchor names by saphyr's anchor id, and where each name was first
    /// defined (for libyaml's duplicate-anchor error).
    anchor_names: HashMap<usize, String>,
    first_definition: HashMap<String, Mark>,
    cursor: CharCursor<'s>,
    root: Option<NodeRef>,
    documents: usize,
    /// Length of the text in characters, counted when first needed.
    total_chars: Option<usize>,
}

impl<'s> Composer<'s> {
    fn new(src: &'s str) -> Composer<'s> {
        Composer {
            src,
            parser: Parser::new_from_str(src),
            stack: Vec::new(),
            anchors: HashMap::new(),
            anchor_names: HashMap::new(),
            first_definition: HashMap::new(),
            cursor: CharCursor::new(src),
            root: None,
            documents: 0,
            total_chars: None,
        }
    }

    fn run(mut self) -> Result<Option<NodeRef>, Failure> {
        while let Some(next) = self.parser.next_event() {
            let (event, span) = match next {
                Ok(event) => event,
                Err(err) => {
                    let error = self.scan_error(&err);
                    return Err(match self.untab_after_colon(&err) {
                        Some(fixed) => Failure::Retry { fixed, error },
                        None => Failure::Error(error),
                    });
                }
            };
            match event {
                Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    if self.documents == 1 {
                        return Err(Error::new(mark(&span), ErrorKind::MultipleDocuments).into());
                    }
                    self.documents += 1;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let anchor = self.define_anchor(anchor, &span)?;
                    let mut value = value.into_owned();
                    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                        self.drop_phantom_break(&mut value, &span);
                    }
                    let node = Node {
                        kind: NodeKind::Scalar {
                            value,
                            plain: style == ScalarStyle::Plain,
                        },
                        tag: tag.map(|t| full_tag(&t)),
                        mark: mark(&span),
                    };
                    self.finish(Rc::new(node), anchor);
                }
                Event::Alias(id) => {
                    let Some(target) = self.anchors.get(&id).cloned() else {
                        // saphyr knows the anchor, so it is still open: the
                        // alias sits inside the node it names.
                        let name = self.anchor_names.get(&id).cloned().unwrap_or_default();
                        let kind = ErrorKind::RecursiveAlias(name);
                        return Err(Error::new(mark(&span), kind).into());
                    };
                    let node = Node {
                        kind: NodeKind::Alias { target },
                        tag: None,
                        mark: mark(&span),
                    };
                    self.finish(Rc::new(node), None);
                }
                Event::SequenceStart(anchor, tag) => {
                    let kind = OpenKind::Sequence(Vec::new());
                    self.open(kind, anchor, tag.map(|t| full_tag(&t)), &span)?;
                }
                Event::MappingStart(anchor, tag) => {
                    let kind = OpenKind::Mapping {
                        pairs: Vec::new(),
                        key: None,
                    };
                    self.open(kind, anchor, tag.map(|t| full_tag(&t)), &span)?;
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(),
            }
        }
        Ok(self.root)
    }

    fn open(
        &mut self,
        kind: OpenKind,
        anchor: usize,
        tag: Option<String>,
        span: &Span,
    ) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::new(
                mark(span),
                ErrorKind::TooDeep { max: MAX_DEPTH },
            ));
        }
        let anchor = self.define_anchor(anchor, span)?;
        self.stack.push(Open {
            kind,
            anchor,
            tag,
            mark: mark(span),
        });
        Ok(())
    }

    fn close(&mut self) {
        let Some(open) = self.stack.pop() else { return };
        let kind = match open.kind {
            OpenKind::Sequence(items) => NodeKind::Sequence(items),
            // A key without a value cannot happen: saphyr emits an empty
            // scalar for a missing value.
            OpenKind::Mapping { pairs, .. } => NodeKind::Mapping(pairs),
        };
        let node = Node {
            kind,
            tag: open.tag,
            mark: open.mark,
        };
        self.finish(Rc::new(node), open.anchor);
    }

    /// Attaches a complete node to its parent (or makes it the root) and
    /// makes it available to later aliases.
    fn finish(&mut self, node: NodeRef, anchor: Option<usize>) {
        if let Some(id) = anchor {
            self.anchors.insert(id, Rc::clone(&node));
        }
        match self.stack.last_mut().map(|open| &mut open.kind) {
            None => self.root = Some(node),
            Some(OpenKind::Sequence(items)) => items.push(node),
            Some(OpenKind::Mapping { pairs, key }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }

    /// Records the name of a newly defined anchor; `None` when the node has
    /// no anchor (saphyr's id 0).
    fn define_anchor(&mut self, id: usize, span: &Span) -> Result<Option<usize>, Error> {
        if id == 0 {
            return Ok(None);
        }
        let at = mark(span);
        let text = self.cursor.text_at(span.start.index());
        let name = anchor_name(text).map_err(|kind| Error::new(at, kind))?;
        if let Some(first) = self.first_definition.get(&name) {
            let kind = ErrorKind::DuplicateAnchor {
                name,
                first_line: first.line,
            };
            return Err(Error::new(at, kind));
        }
        self.first_definition.insert(name.clone(), at);
        self.anchor_names.insert(id, name);
        Ok(Some(id))
    }

    /// A block scalar that runs to the end of a text without a final line
    /// break: saphyr counts the end of the text as one more line break,
    /// libyaml does not. Only the last line decides: with content on it,
    /// clip and keep chomping both got one `\n` too many; if it is blank,
    /// clip has already dropped it, and keep (the only way to end in two
    /// breaks) has one too many.
    fn drop_phantom_break(&mut self, value: &mut String, span: &Span) {
        if self.src.ends_with(['\n', '\r']) {
            return;
        }
        let total = *self
            .total_chars
            .get_or_insert_with(|| self.src.chars().count());
        if span.end.index() < total {
            return;
        }
        let last_line = self.src.rsplit(['\n', '\r']).next().unwrap_or_default();
        let last_line_blank = last_line.chars().all(|c| c == ' ' || c == '\t');
        if (!last_line_blank && value.ends_with('\n')) || value.ends_with("\n\n") {
            value.pop();
        }
    }

    /// The text with the tabs before the position of saphyr's "':' must be
    /// followed by a valid YAML whitespace" error turned into spaces, if
    /// the error is that one.
    fn untab_after_colon(&self, err: &ScanError) -> Option<String> {
        if err.info() != "':' must be followed by a valid YAML whitespace" {
            return None;
        }
        let after = CharCursor::new(self.src).text_at(err.marker().index());
        let offset = self.src.len() - after.len();
        let before = &self.src[..offset];
        let separator = before.trim_end_matches([' ', '\t']);
        if !separator.ends_with(':') || !before[separator.len()..].contains('\t') {
            return None;
        }
        let spaces = before[separator.len()..].replace('\t', " ");
        Some(format!("{separator}{spaces}{after}"))
    }

    fn scan_error(&self, err: &ScanError) -> Error {
        let at = Mark::from_saphyr(err.marker());
        let info = err.info();
        let kind = if info.contains("unknown anchor") {
            let text = CharCursor::new(self.src).text_at(err.marker().index());
            let name: String = text
                .trim_start_matches('*')
                .chars()
                .take_while(|c| !is_name_end(*c))
                .collect();
            ErrorKind::UndefinedAlias(name)
        } else if info == "recursion limit exceeded" {
            // saphyr counts flow levels in a `u8`.
            ErrorKind::TooDeep {
                max: MAX_FLOW_DEPTH,
            }
        } else if info
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == "tab" || word == "tabs")
        {
            ErrorKind::Tab(info.to_owned())
        } else {
            ErrorKind::Syntax(info.to_owned())
        };
        Error::new(at, kind)
    }
}

fn mark(span: &Span) -> Mark {
    Mark::from_saphyr(&span.start)
}

/// The tag as PyYAML spells it: `!!str` is `tag:yaml.org,2002:str`, a local
/// `!foo` stays `!foo`, and the non-specific `!` stays `!`.
fn full_tag(tag: &Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Reads the anchor name at the start of a node's text: an optional tag,
/// blanks, then `&name`. libyaml allows only `[0-9A-Za-z_-]` and wants the
/// name followed by a blank, the end, or one of ``?:,]}%@` ``.
fn anchor_name(text: &str) -> Result<String, ErrorKind> {
    let mut rest = text;
    if rest.starts_with('!') {
        rest = rest.trim_start_matches(|c: char| !c.is_whitespace());
    }
    rest = rest.trim_start();
    let Some(after) = rest.strip_prefix('&') else {
        // Not found where expected: give the anchor a name no text can
        // spell rather than guessing.
        return Ok(format!("#{}", text.len()));
    };
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let next = after[name.len()..].chars().next();
    let ends_well = match next {
        None => true,
        Some(c) => c.is_whitespace() || "?:,]}%@`".contains(c),
    };
    if name.is_empty() || !ends_well {
        return Err(ErrorKind::BadAnchorName);
    }
    Ok(name)
}

fn is_name_end(c: char) -> bool {
    c.is_whitespace() || ",[]{}".contains(c)
}

/// Maps saphyr's character indexes to byte offsets. Node positions arrive
/// in increasing order, so the cursor only moves forward and the whole
/// document is walked once.
struct CharCursor<'s> {
    src: &'s str,
    char_index: usize,
    byte_index: usize,
}

impl<'s> CharCursor<'s> {
    fn new(src: &'s str) -> CharCursor<'s> {
        CharCursor {
            src,
            char_index: 0,
            byte_index: 0,
        }
    }

    /// The source text from character `index` on (empty past the end).
    fn text_at(&mut self, index: usize) -> &'s str {
        if index < self.char_index {
            self.char_index = 0;
            self.byte_index = 0;
        }
        let mut chars = self.src[self.byte_index..].chars();
        while self.char_index < index {
            match chars.next() {
                Some(c) => {
                    self.byte_index += c.len_utf8();
                    self.char_index += 1;
                }
                None => break,
            }
        }
        &self.src[self.byte_index..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_names_follow_libyaml() {
        assert_eq!(anchor_name("&base\n  a: 1"), Ok("base".to_owned()));
        assert_eq!(anchor_name("!!map &m-1 {a: 1}"), Ok("m-1".to_owned()));
        assert_eq!(anchor_name("&a,"), Ok("a".to_owned()));
        assert_eq!(anchor_name("&a.b 1"), Err(ErrorKind::BadAnchorName));
    }

    #[test]
    fn cursor_counts_characters_not_bytes() {
        let mut cursor = CharCursor::new("é: &x 1");
        assert_eq!(cursor.text_at(3), "&x 1");
        assert_eq!(cursor.text_at(1), ": &x 1");
        assert_eq!(cursor.text_at(99), "");
    }
}

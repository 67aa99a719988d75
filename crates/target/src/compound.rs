//! Compound targets (`-C`): whitespace-separated words combined with `and`,
//! `or`, `not` and parentheses, with Python's precedence (Salt evaluates the
//! words as a Python expression): `not` binds tightest, then `and`, then
//! `or`. Like Salt, a `not` directly after a target implies `and`
//! (`web* not db*`), and `not not x` is invalid.
//!
//! Where Salt would silently match nothing (two targets in a row, a dangling
//! operator, unbalanced parentheses), this reports an error at the word.
//! Parentheses must be words of their own, as in Salt; `(web*` is reported
//! rather than taken as a glob starting with `(`.
//!
//! One deliberate difference: a nodegroup (`N@g`) is always a single
//! operand, as if in parentheses. Salt splices the words of a definition
//! that uses no other nodegroup in bare, so with `g: 'a or b'`, `N@g and c`
//! means `a or (b and c)` there, and `not N@g` with `g: 'not x'` is invalid.

use serde_json::{Map, Value};

use crate::TargetError;
use crate::expr::{Expr, Term};
use crate::nodegroup;
use crate::source::Source;
use crate::term::{TermKind, compile_term, list_ids};

/// Parentheses and nodegroups nest at most this deep, so that hostile input
/// cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Compilation state shared by an expression and the nodegroups it uses.
pub(crate) struct Compiler<'a> {
    nodegroups: &'a Map<String, Value>,
    /// Nodegroups being expanded, outermost first, to detect cycles.
    expanding: Vec<String>,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(nodegroups: &'a Map<String, Value>) -> Self {
        Compiler {
            nodegroups,
            expanding: Vec::new(),
        }
    }

    /// Compiles a whole compound expression.
    pub(crate) fn compound(&mut self, src: &Source) -> Result<Expr, TargetError> {
        self.parse(src, 0)
    }

    /// Compiles `src` nested `depth` levels deep (in parentheses or
    /// nodegroups).
    fn parse(&mut self, src: &Source, depth: usize) -> Result<Expr, TargetError> {
        if src.words.is_empty() {
            return Err(src.error(0, "empty target expression"));
        }
        let mut parser = Parser { src, next: 0 };
        let expr = parser.or(self, depth)?;
        if let Some(idx) = parser.peek() {
            // `or` stops only at the end or at a `)` it did not open.
            return Err(src.error(
                src.words[idx].start,
                "unbalanced parenthesis: no '(' to close",
            ));
        }
        Ok(expr)
    }

    /// Expands nodegroup `name`, referenced at byte `at` of `src`, `depth`
    /// levels deep.
    pub(crate) fn nodegroup(
        &mut self,
        name: &str,
        src: &Source,
        at: usize,
        depth: usize,
    ) -> Result<Expr, TargetError> {
        let Some(definition) = self.nodegroups.get(name) else {
            return Err(src.error(at, format!("unknown nodegroup '{name}'")));
        };
        if let Some(first) = self.expanding.iter().position(|n| n == name) {
            let mut path = self.expanding[first..].to_vec();
            path.push(name.to_owned());
            return Err(src.error(at, format!("nodegroup cycle: {}", path.join(" -> "))));
        }
        if depth >= MAX_DEPTH {
            return Err(src.error(at, "nodegroups nested too deeply"));
        }
        let Some(def) = nodegroup::definition(name, definition) else {
            return Err(src.error(at, format!("nodegroup '{name}' must be a string or a list")));
        };
        if let Some(shortcut) = nodegroup::shortcut(&def) {
            return match shortcut {
                nodegroup::Shortcut::List(ids) => Ok(Expr::Term(Term::List(list_ids(&ids)))),
                nodegroup::Shortcut::Pcre(regex) => {
                    let regex_src = Source::from_text(&regex, Some(name));
                    Ok(Expr::Term(compile_term(
                        TermKind::Pcre,
                        &regex,
                        ':',
                        &regex_src,
                        0,
                    )?))
                }
            };
        }
        self.expanding.push(name.to_owned());
        let expr = self.parse(&def, depth + 1);
        self.expanding.pop();
        expr
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    And,
    Or,
    Not,
    Open,
    Close,
    Target,
}

fn kind(word: &str) -> WordKind {
    match word {
        "and" => WordKind::And,
        "or" => WordKind::Or,
        "not" => WordKind::Not,
        "(" => WordKind::Open,
        ")" => WordKind::Close,
        _ => WordKind::Target,
    }
}

/// A recursive-descent parser over one source's words.
struct Parser<'s> {
    src: &'s Source,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<usize> {
        (self.next < self.src.words.len()).then_some(self.next)
    }

    fn peek_kind(&self) -> Option<WordKind> {
        self.peek().map(|idx| kind(self.src.word(idx)))
    }

    fn bump(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    fn error_at(&self, idx: usize, message: impl Into<String>) -> TargetError {
        self.src.error(self.src.words[idx].start, message)
    }

    fn error_at_end(&self, message: impl Into<String>) -> TargetError {
        self.src.error(self.src.text.len(), message)
    }

    fn or(&mut self, c: &mut Compiler, depth: usize) -> Result<Expr, TargetError> {
        let mut items = vec![self.and(c, depth)?];
        while self.peek_kind() == Some(WordKind::Or) {
            let op = self.bump();
            if self.peek().is_none() {
                return Err(self.error_at(op, "dangling 'or': expected a target after it"));
            }
            items.push(self.and(c, depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, c: &mut Compiler, depth: usize) -> Result<Expr, TargetError> {
        let mut items = vec![self.unary(c, depth)?];
        loop {
            match self.peek_kind() {
                Some(WordKind::And) => {
                    let op = self.bump();
                    if self.peek().is_none() {
                        return Err(self.error_at(op, "dangling 'and': expected a target after it"));
                    }
                    items.push(self.unary(c, depth)?);
                }
                // Salt inserts the `and` in `web* not db*`.
                Some(WordKind::Not) => items.push(self.unary(c, depth)?),
                Some(WordKind::Target | WordKind::Open) => {
                    let idx = self.next;
                    return Err(self.error_at(idx, "expected 'and' or 'or' between two targets"));
                }
                Some(WordKind::Or | WordKind::Close) | None => break,
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, c: &mut Compiler, depth: usize) -> Result<Expr, TargetError> {
        if self.peek_kind() != Some(WordKind::Not) {
            return self.atom(c, depth);
        }
        let op = self.bump();
        match self.peek() {
            None => Err(self.error_at(op, "dangling 'not': expected a target after it")),
            Some(idx) if matches!(kind(self.src.word(idx)), WordKind::Target | WordKind::Open) => {
                Ok(Expr::Not(Box::new(self.atom(c, depth)?)))
            }
            Some(idx) => Err(self.error_at(
                idx,
                format!(
                    "expected a target or '(' after 'not', found '{}'",
                    self.src.word(idx)
                ),
            )),
        }
    }

    fn atom(&mut self, c: &mut Compiler, depth: usize) -> Result<Expr, TargetError> {
        let Some(idx) = self.peek() else {
            return Err(self.error_at_end("expected a target"));
        };
        let word = self.src.word(idx);
        match kind(word) {
            WordKind::Open => {
                let open = self.bump();
                if depth >= MAX_DEPTH {
                    return Err(self.error_at(open, "parentheses nested too deeply"));
                }
                match self.peek_kind() {
                    None => return Err(self.error_at(open, "unbalanced parenthesis")),
                    Some(WordKind::Close) => {
                        let close = self.next;
                        return Err(self.error_at(close, "empty parentheses"));
                    }
                    Some(WordKind::And | WordKind::Or) => {
                        let idx = self.next;
                        let message = format!(
                            "expected a target after '(', found '{}'",
                            self.src.word(idx)
                        );
                        return Err(self.error_at(idx, message));
                    }
                    _ => {}
                }
                let inner = self.or(c, depth + 1)?;
                if self.peek_kind() != Some(WordKind::Close) {
                    return Err(self.error_at(open, "unbalanced parenthesis"));
                }
                self.bump();
                Ok(inner)
            }
            WordKind::Close => Err(self.error_at(idx, "unbalanced parenthesis: no '(' to close")),
            WordKind::And | WordKind::Or => {
                Err(self.error_at(idx, format!("'{word}' needs a target before it")))
            }
            // `unary` consumes `not` before calling here.
            WordKind::Not => Err(self.error_at(idx, "expected a target or '(' after 'not'")),
            WordKind::Target => {
                self.bump();
                self.target(c, idx, depth)
            }
        }
    }

    /// One target word: a bare glob or a `X@pattern` with an engine prefix.
    fn target(&mut self, c: &mut Compiler, idx: usize, depth: usize) -> Result<Expr, TargetError> {
        let word = self.src.word(idx);
        let start = self.src.words[idx].start;
        let (engine, delimiter, pattern_at) = match split_prefix(word) {
            Prefix::Bare => {
                if word.starts_with('(') {
                    return Err(self
                        .src
                        .error(start, "'(' must be separated from the target by a space"));
                }
                if word.ends_with(')') {
                    let close = start + word.len() - 1;
                    return Err(self
                        .src
                        .error(close, "')' must be separated from the target by a space"));
                }
                return Ok(Expr::Term(compile_term(
                    TermKind::Glob,
                    word,
                    ':',
                    self.src,
                    start,
                )?));
            }
            Prefix::Unknown(engine) => {
                return Err(self
                    .src
                    .error(start, format!("unknown target type '{engine}@'")));
            }
            Prefix::Empty(prefix) => {
                return Err(self.src.error(
                    start + word.len(),
                    format!("'{prefix}' needs a pattern after it"),
                ));
            }
            Prefix::Engine {
                engine,
                delimiter,
                pattern_at,
            } => (engine, delimiter, pattern_at),
        };
        let pattern = &word[pattern_at..];
        let pos = start + pattern_at;
        // A regex may legitimately end in `)`; other patterns hardly ever do.
        if !matches!(engine, 'E' | 'P' | 'J') && pattern.ends_with(')') && !pattern.contains('(') {
            let close = start + word.len() - 1;
            return Err(self
                .src
                .error(close, "')' must be separated from the target by a space"));
        }
        let kind = match engine {
            'G' => TermKind::Grain,
            'P' => TermKind::GrainPcre,
            'I' => TermKind::Pillar,
            'J' => TermKind::PillarPcre,
            'L' => TermKind::List,
            'S' => TermKind::Ipcidr,
            'E' => TermKind::Pcre,
            'N' => return c.nodegroup(pattern, self.src, start, depth),
            _ => {
                return Err(self
                    .src
                    .error(start, "range targeting (R@) is not supported"));
            }
        };
        Ok(Expr::Term(compile_term(
            kind,
            pattern,
            delimiter.unwrap_or(':'),
            self.src,
            pos,
        )?))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Prefix {
    /// No engine prefix: a glob.
    Bare,
    /// `engine[delimiter]@pattern`; `pattern_at` is a byte offset in the word.
    Engine {
        engine: char,
        delimiter: Option<char>,
        pattern_at: usize,
    },
    /// `X@...` with an uppercase letter Salt has no engine for.
    Unknown(char),
    /// A known prefix with nothing after it.
    Empty(String),
}

/// Salt's `TARGET_REX`: an engine letter, for `G`/`P`/`I`/`J` optionally
/// followed by a one-char delimiter, then `@` and a non-empty pattern.
fn split_prefix(word: &str) -> Prefix {
    let mut chars = word.char_indices();
    let Some((_, engine)) = chars.next() else {
        return Prefix::Bare;
    };
    let second = chars.next();
    let third = chars.next();
    if "GPIJLNSER".contains(engine) {
        if "GPIJ".contains(engine)
            && let (Some((_, delimiter)), Some((at, '@'))) = (second, third)
        {
            if at + 1 < word.len() {
                return Prefix::Engine {
                    engine,
                    delimiter: Some(delimiter),
                    pattern_at: at + 1,
                };
            }
            if delimiter != '@' {
                return Prefix::Empty(word.to_owned());
            }
        }
        if let Some((_, '@')) = second {
            return if word.len() > 2 {
                Prefix::Engine {
                    engine,
                    delimiter: None,
                    pattern_at: 2,
                }
            } else {
                Prefix::Empty(word.to_owned())
            };
        }
        return Prefix::Bare;
    }
    match second {
        Some((_, '@')) if engine.is_ascii_uppercase() => Prefix::Unknown(engine),
        _ => Prefix::Bare,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_salts_target_rex() {
        let engine = |engine, delimiter, pattern_at| Prefix::Engine {
            engine,
            delimiter,
            pattern_at,
        };
        assert_eq!(split_prefix("G@os:Debian"), engine('G', None, 2));
        assert_eq!(split_prefix("G%@os%Debian"), engine('G', Some('%'), 3));
        assert_eq!(split_prefix("G@@x"), engine('G', Some('@'), 3));
        assert_eq!(split_prefix("G@@"), engine('G', None, 2));
        assert_eq!(split_prefix("E@web\\d"), engine('E', None, 2));
        assert_eq!(
            split_prefix("E%@x"),
            Prefix::Bare,
            "only G/P/I/J take a delimiter"
        );
        assert_eq!(split_prefix("G@"), Prefix::Empty("G@".into()));
        assert_eq!(split_prefix("G:@"), Prefix::Empty("G:@".into()));
        assert_eq!(split_prefix("X@foo"), Prefix::Unknown('X'));
        assert_eq!(split_prefix("x@foo"), Prefix::Bare);
        assert_eq!(split_prefix("web*"), Prefix::Bare);
        assert_eq!(split_prefix("G"), Prefix::Bare);
    }
}

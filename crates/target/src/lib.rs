//! Salt targeting: which minions a job is for.
//!
//! A target is an expression plus its type (Salt's `tgt` and `tgt_type`):
//! a glob on the minion id (`web*`), a regex (`-E`), a list (`-L`), a grain
//! or pillar match (`-G`, `-P`, `-I`, `-J`), an IP/CIDR match (`-S`), a
//! nodegroup (`-N`) or a compound of all of these (`-C`). [`Matcher::compile`]
//! parses and compiles it once (globs and regexes included) and
//! [`Matcher::matches`] then tests minions cheaply; the master runs it over
//! every minion it knows.
//!
//! Semantics follow Salt 3007's matchers (`salt/matchers/*.py`,
//! `salt.utils.minions.CkMinions`, `salt.utils.data.subdict_match`),
//! including the surprising parts: grain values match case-insensitively
//! against `str(value)`, so `G@virtual:true` matches a JSON `true`; `-E` is
//! anchored at the start only; `-L a, b` names ` b`. Where Salt silently
//! matches nothing for a malformed expression, this returns a
//! [`TargetError`] pointing at the offending byte.
//!
//! Layout:
//! - `compound`: the `and`/`or`/`not` parser and `X@` prefixes;
//!   `nodegroup`: nodegroup definitions; `source`: words and positions.
//! - `term`: compiles one term; `glob` (fnmatch), `pcre` (`re.match`),
//!   `subdict` (grain/pillar paths), `ipcidr` are the term matchers;
//!   `pyrepr` renders values as Python's `str()`.
//! - `expr`: the compiled tree and its evaluation.
//!
//! Architecture invariant: no I/O and no async; malformed input is an
//! error, never a panic.

mod compound;
mod error;
mod expr;
mod glob;
mod ipcidr;
mod nodegroup;
mod pcre;
mod pyrepr;
mod source;
mod subdict;
mod term;

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

pub use error::{TargetError, UnknownTargetType};

use compound::Compiler;
use expr::{Expr, Term};
use source::Source;
use term::{TermKind, compile_term};

/// Salt's `tgt_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetType {
    /// fnmatch on the minion id (the default).
    Glob,
    /// `-E`: `re.match` on the minion id.
    Pcre,
    /// `-L`: comma-separated minion ids.
    List,
    /// `-G`: `key:subkey:glob` on grains.
    Grain,
    /// `-P`: `key:subkey:regex` on grains.
    GrainPcre,
    /// `-I`: `key:subkey:glob` on pillar.
    Pillar,
    /// `-J`: `key:subkey:regex` on pillar.
    PillarPcre,
    /// `key:subkey:value` on pillar, compared for equality.
    PillarExact,
    /// `-S`: an IP address or CIDR network against the `ipv4`/`ipv6` grains.
    Ipcidr,
    /// `-N`: a nodegroup name.
    Nodegroup,
    /// `-C`: a compound expression.
    Compound,
}

impl TargetType {
    /// Salt's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Glob => "glob",
            TargetType::Pcre => "pcre",
            TargetType::List => "list",
            TargetType::Grain => "grain",
            TargetType::GrainPcre => "grain_pcre",
            TargetType::Pillar => "pillar",
            TargetType::PillarPcre => "pillar_pcre",
            TargetType::PillarExact => "pillar_exact",
            TargetType::Ipcidr => "ipcidr",
            TargetType::Nodegroup => "nodegroup",
            TargetType::Compound => "compound",
        }
    }
}

impl FromStr for TargetType {
    type Err = UnknownTargetType;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name {
            "glob" => TargetType::Glob,
            "pcre" => TargetType::Pcre,
            "list" => TargetType::List,
            "grain" => TargetType::Grain,
            "grain_pcre" => TargetType::GrainPcre,
            "pillar" => TargetType::Pillar,
            "pillar_pcre" => TargetType::PillarPcre,
            "pillar_exact" => TargetType::PillarExact,
            "ipcidr" => TargetType::Ipcidr,
            "nodegroup" => TargetType::Nodegroup,
            "compound" => TargetType::Compound,
            other => return Err(UnknownTargetType(other.to_owned())),
        })
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a matcher needs to know about one minion.
pub trait MinionData {
    fn id(&self) -> &str;
    /// The minion's grains; `Value::Null` when none are known, which no grain
    /// or IP target matches.
    fn grains(&self) -> &Value;
    /// The minion's pillar, when the master has it; `None` matches no pillar
    /// target.
    fn pillar(&self) -> Option<&Value> {
        None
    }
}

/// A compiled target expression.
#[derive(Debug, Clone)]
pub struct Matcher {
    expr: Expr,
    candidates: Option<Vec<String>>,
    uses_grains: bool,
    uses_pillar: bool,
}

impl Matcher {
    /// Compiles `expr` as a target of type `tgt_type`, resolving nodegroups
    /// from `nodegroups` (the master's `nodegroups:` config). Grain and
    /// pillar paths are split on `:`.
    pub fn compile(
        expr: &str,
        tgt_type: TargetType,
        nodegroups: &Map<String, Value>,
    ) -> Result<Matcher, TargetError> {
        Self::compile_with_delimiter(expr, tgt_type, nodegroups, ':')
    }

    /// As [`Matcher::compile`], splitting `-G`/`-P`/`-I`/`-J` paths on
    /// `delimiter` (Salt's `--delimiter`). Compound terms keep `:` unless
    /// they name their own (`G%@os%Debian`), as in Salt.
    pub fn compile_with_delimiter(
        expr: &str,
        tgt_type: TargetType,
        nodegroups: &Map<String, Value>,
        delimiter: char,
    ) -> Result<Matcher, TargetError> {
        if expr.is_empty() {
            return Err(TargetError::new(expr, 0, "empty target expression"));
        }
        let src = Source::from_text(expr, None);
        let term = |kind: TermKind| -> Result<Expr, TargetError> {
            Ok(Expr::Term(compile_term(kind, expr, delimiter, &src, 0)?))
        };
        let compiled = match tgt_type {
            TargetType::Glob => term(TermKind::Glob)?,
            TargetType::Pcre => term(TermKind::Pcre)?,
            TargetType::List => term(TermKind::List)?,
            TargetType::Grain => term(TermKind::Grain)?,
            TargetType::GrainPcre => term(TermKind::GrainPcre)?,
            TargetType::Pillar => term(TermKind::Pillar)?,
            TargetType::PillarPcre => term(TermKind::PillarPcre)?,
            TargetType::PillarExact => term(TermKind::PillarExact)?,
            TargetType::Ipcidr => term(TermKind::Ipcidr)?,
            TargetType::Nodegroup => Compiler::new(nodegroups).nodegroup(expr, &src, 0, 0)?,
            TargetType::Compound => Compiler::new(nodegroups).compound(&src)?,
        };
        Ok(Matcher::from_expr(compiled))
    }

    /// Compiles a target given as data, as Salt's API accepts it: a string,
    /// or for `list` and `compound` a list (of ids, or of compound words).
    pub fn compile_value(
        tgt: &Value,
        tgt_type: TargetType,
        nodegroups: &Map<String, Value>,
    ) -> Result<Matcher, TargetError> {
        let items = match tgt {
            Value::String(expr) => return Self::compile(expr, tgt_type, nodegroups),
            Value::Array(items) if matches!(tgt_type, TargetType::List | TargetType::Compound) => {
                items
            }
            other => {
                let shown = other.to_string();
                let message = format!("a {tgt_type} target must be a string");
                return Err(TargetError::new(&shown, 0, message));
            }
        };
        let mut words = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) => words.push(s.clone()),
                other => {
                    let shown = tgt.to_string();
                    let message = format!("target list items must be strings, found {other}");
                    return Err(TargetError::new(&shown, 0, message));
                }
            }
        }
        let src = Source::from_items(&words, None);
        let compiled = match tgt_type {
            TargetType::List => Expr::Term(Term::List(words.into_iter().map(Into::into).collect())),
            _ => Compiler::new(nodegroups).compound(&src)?,
        };
        Ok(Matcher::from_expr(compiled))
    }

    fn from_expr(expr: Expr) -> Matcher {
        let candidates = expr
            .candidates()
            .map(|ids| ids.into_iter().map(str::to_owned).collect());
        let uses_grains = expr.any_term(&Term::reads_grains);
        let uses_pillar = expr.any_term(&Term::reads_pillar);
        Matcher {
            expr,
            candidates,
            uses_grains,
            uses_pillar,
        }
    }

    /// Whether `minion` is targeted.
    pub fn matches(&self, minion: &(impl MinionData + ?Sized)) -> bool {
        self.expr.matches(minion)
    }

    /// When the expression can only match minions it names (a list, a glob
    /// without wildcards, or those combined with `or`, or with `and` on
    /// anything), those ids, sorted: the master can look them up instead of
    /// scanning every minion, and must still call [`Matcher::matches`] on the
    /// ones it knows. For a plain `-L` target each known listed id matches,
    /// and the unknown ones are the ids Salt reports as missing.
    pub fn candidate_ids(&self) -> Option<&[String]> {
        self.candidates.as_deref()
    }

    /// Whether matching reads grains (grain, grain_pcre, ipcidr terms).
    pub fn uses_grains(&self) -> bool {
        self.uses_grains
    }

    /// Whether matching reads pillar.
    pub fn uses_pillar(&self) -> bool {
        self.uses_pillar
    }
}

//! The compiled form of a target: a boolean tree over terms, each term
//! already compiled (globs, regexes, key paths, networks), so matching a
//! minion does no parsing and no allocation beyond lowercasing values.

use std::collections::{BTreeSet, HashSet};

use crate::MinionData;
use crate::glob::Glob;
use crate::ipcidr::IpTarget;
use crate::pcre::Pcre;
use crate::subdict::SubdictPattern;

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Term(Term),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// One matcher on one piece of minion data.
#[derive(Debug, Clone)]
pub(crate) enum Term {
    /// fnmatch on the id.
    Glob(Glob),
    /// `re.match` on the id.
    Pcre(Pcre),
    /// The id is one of these.
    List(HashSet<Box<str>>),
    Grain(SubdictPattern),
    Pillar(SubdictPattern),
    Ipcidr(IpTarget),
}

impl Expr {
    pub(crate) fn matches(&self, minion: &(impl MinionData + ?Sized)) -> bool {
        match self {
            Expr::Term(term) => term.matches(minion),
            Expr::Not(inner) => !inner.matches(minion),
            Expr::And(items) => items.iter().all(|e| e.matches(minion)),
            Expr::Or(items) => items.iter().any(|e| e.matches(minion)),
        }
    }

    /// A set of ids outside of which nothing can match, when one is known
    /// without looking at minion data.
    pub(crate) fn candidates(&self) -> Option<BTreeSet<&str>> {
        match self {
            Expr::Term(Term::List(ids)) => Some(ids.iter().map(|id| &**id).collect()),
            Expr::Term(Term::Glob(glob)) => glob.literal().map(|id| BTreeSet::from([id])),
            Expr::Term(_) | Expr::Not(_) => None,
            // Any bounded operand bounds the conjunction; take the smallest.
            Expr::And(items) => items
                .iter()
                .filter_map(Expr::candidates)
                .min_by_key(BTreeSet::len),
            Expr::Or(items) => {
                let mut all = BTreeSet::new();
                for item in items {
                    all.extend(item.candidates()?);
                }
                Some(all)
            }
        }
    }

    /// Whether any term reads data selected by `pick`.
    pub(crate) fn any_term(&self, pick: &impl Fn(&Term) -> bool) -> bool {
        match self {
            Expr::Term(term) => pick(term),
            Expr::Not(inner) => inner.any_term(pick),
            Expr::And(items) | Expr::Or(items) => items.iter().any(|e| e.any_term(pick)),
        }
    }
}

impl Term {
    fn matches(&self, minion: &(impl MinionData + ?Sized)) -> bool {
        match self {
            Term::Glob(glob) => glob.is_match(minion.id()),
            Term::Pcre(re) => re.is_match(minion.id()),
            Term::List(ids) => ids.contains(minion.id()),
            Term::Grain(pattern) => pattern.matches(minion.grains()),
            // Salt skips minions whose pillar it has not cached.
            Term::Pillar(pattern) => minion.pillar().is_some_and(|p| pattern.matches(p)),
            Term::Ipcidr(ip) => ip.matches(minion.grains()),
        }
    }

    pub(crate) fn reads_grains(&self) -> bool {
        matches!(self, Term::Grain(_) | Term::Ipcidr(_))
    }

    pub(crate) fn reads_pillar(&self) -> bool {
        matches!(self, Term::Pillar(_))
    }
}

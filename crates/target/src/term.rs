//! Compiling one term (`web*`, `E@web\d`, `G@os:Debian` ...) and reporting
//! its mistakes at the right byte.

use std::collections::HashSet;

use crate::TargetError;
use crate::expr::Term;
use crate::glob::Glob;
use crate::ipcidr::IpTarget;
use crate::pcre::Pcre;
use crate::source::Source;
use crate::subdict::{SubdictError, SubdictPattern, ValueMatch};

/// What a term matches and how, one per simple target type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    Glob,
    Pcre,
    List,
    Grain,
    GrainPcre,
    Pillar,
    PillarPcre,
    PillarExact,
    Ipcidr,
}

/// Compiles `pattern`, which sits at byte `pos` of `src.text`.
pub(crate) fn compile_term(
    kind: TermKind,
    pattern: &str,
    delimiter: char,
    src: &Source,
    pos: usize,
) -> Result<Term, TargetError> {
    let subdict = |what: &str, mode: ValueMatch| -> Result<SubdictPattern, TargetError> {
        SubdictPattern::new(pattern, delimiter, mode).map_err(|err| match err {
            SubdictError::NoDelimiter => src.error(
                pos,
                format!("{what} target needs '{delimiter}' between the key and the value"),
            ),
            SubdictError::BadRegex(e) => {
                src.error(pos + e.offset, format!("invalid regex: {}", e.message))
            }
            SubdictError::GlobTooBig(e) => src.error(pos, format!("glob too complex: {e}")),
        })
    };
    Ok(match kind {
        TermKind::Glob => Term::Glob(
            Glob::new(pattern).map_err(|e| src.error(pos, format!("glob too complex: {e}")))?,
        ),
        TermKind::Pcre => Term::Pcre(
            Pcre::new(pattern)
                .map_err(|e| src.error(pos + e.offset, format!("invalid regex: {}", e.message)))?,
        ),
        TermKind::List => Term::List(list_ids(pattern)),
        TermKind::Grain => Term::Grain(subdict("grain", ValueMatch::Glob)?),
        TermKind::GrainPcre => Term::Grain(subdict("grain", ValueMatch::Regex)?),
        TermKind::Pillar => Term::Pillar(subdict("pillar", ValueMatch::Glob)?),
        TermKind::PillarPcre => Term::Pillar(subdict("pillar", ValueMatch::Regex)?),
        TermKind::PillarExact => Term::Pillar(subdict("pillar", ValueMatch::Exact)?),
        TermKind::Ipcidr => {
            Term::Ipcidr(IpTarget::parse(pattern).map_err(|message| src.error(pos, message))?)
        }
    })
}

/// Salt splits a list target on commas and drops empty names; it does not
/// trim spaces, so `a, b` names `a` and ` b`.
pub(crate) fn list_ids(pattern: &str) -> HashSet<Box<str>> {
    pattern
        .split(',')
        .filter(|id| !id.is_empty())
        .map(Into::into)
        .collect()
}

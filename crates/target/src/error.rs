//! The one error of this crate: a malformed target expression, with the byte
//! position of the offending word so that the CLI can draw a caret under it.

use std::fmt;

/// A target expression that cannot be compiled.
///
/// `expr` is the text `pos` points into. That is the user's expression,
/// except for mistakes inside a nodegroup definition, where it is the
/// definition (and `message` names the nodegroup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    pub expr: String,
    /// Byte offset into `expr`, on a char boundary, at most `expr.len()`.
    pub pos: usize,
    pub message: String,
}

impl TargetError {
    pub(crate) fn new(expr: &str, pos: usize, message: impl Into<String>) -> Self {
        let mut pos = pos.min(expr.len());
        while !expr.is_char_boundary(pos) {
            pos -= 1;
        }
        TargetError {
            expr: expr.to_owned(),
            pos,
            message: message.into(),
        }
    }
}

/// Renders as the message, the expression and a caret under `pos`:
///
/// ```text
/// invalid target expression: unbalanced parenthesis
///   G@os:Debian and ( web*
///                   ^
/// ```
impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Control characters (tabs, newlines) would break the caret's
        // alignment or the single line, so they are shown as spaces; one char
        // stays one column either way.
        let shown: String = self
            .expr
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column = self
            .expr
            .get(..self.pos)
            .map_or(0, |before| before.chars().count());
        write!(
            f,
            "invalid target expression: {}\n  {}\n  {}^",
            self.message,
            shown,
            " ".repeat(column)
        )
    }
}

impl std::error::Error for TargetError {}

/// A `tgt_type` name that Salt does not have (or halite does not support).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown target type {0:?} (expected one of: glob, pcre, list, grain, grain_pcre, pillar, \
     pillar_pcre, pillar_exact, ipcidr, nodegroup, compound)"
)]
pub struct UnknownTargetType(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_position() {
        let err = TargetError::new("G@os:Debian and ( web*", 16, "unbalanced parenthesis");
        assert_eq!(
            err.to_string(),
            "invalid target expression: unbalanced parenthesis\n  G@os:Debian and ( web*\n                  ^"
        );
    }

    #[test]
    fn caret_counts_chars_not_bytes_and_hides_control_chars() {
        let err = TargetError::new("é\tx", 3, "bad");
        assert_eq!(
            err.to_string(),
            "invalid target expression: bad\n  é x\n    ^"
        );
    }

    #[test]
    fn position_is_clamped_to_a_char_boundary() {
        let err = TargetError::new("é", 1, "bad");
        assert_eq!(err.pos, 0);
        let err = TargetError::new("ab", 99, "bad");
        assert_eq!(err.pos, 2);
    }
}

//! Python `re.match` semantics on top of the `regex` crate: the pattern is
//! anchored at the start only, and a syntax error reports the byte offset
//! inside the pattern. Python-only syntax (look-around, back-references) is
//! refused with the regex crate's own explanation rather than silently
//! meaning something else.

use regex::Regex;

/// A regex that failed to compile; `offset` is a byte offset into the
/// pattern as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegexError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// A compiled pattern that matches like Python's `re.match(pattern, s)`.
#[derive(Debug, Clone)]
pub(crate) struct Pcre(Regex);

impl Pcre {
    pub(crate) fn new(pattern: &str) -> Result<Pcre, RegexError> {
        let translated = translate_python_escapes(pattern);
        // Validate the pattern on its own first: wrapped in `(?:...)`, a stray
        // `)` could close the wrapper and turn an error into a valid regex.
        if let Err(err) = regex_syntax::Parser::new().parse(&translated) {
            let (offset, message) = match &err {
                regex_syntax::Error::Parse(e) => (e.span().start.offset, e.kind().to_string()),
                regex_syntax::Error::Translate(e) => (e.span().start.offset, e.kind().to_string()),
                other => (0, other.to_string()),
            };
            return Err(RegexError { offset, message });
        }
        match Regex::new(&format!("^(?:{translated})")) {
            Ok(re) => Ok(Pcre(re)),
            // Only the size limits are left to fail here.
            Err(err) => Err(RegexError {
                offset: 0,
                message: err.to_string(),
            }),
        }
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

/// Python spells "end of string" `\Z`; the regex crate spells it `\z` (and
/// has no `\Z`). Same length, so error offsets stay valid.
fn translate_python_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some('Z') => out.push('z'),
                Some(next) => out.push(next),
                None => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_at_start_only() {
        let re = Pcre::new(r"web\d").unwrap();
        assert!(re.is_match("web1"));
        assert!(re.is_match("web12.example.com"));
        assert!(!re.is_match("xweb1"));
    }

    #[test]
    fn alternation_stays_inside_the_anchor() {
        let re = Pcre::new("a|b").unwrap();
        assert!(re.is_match("bz"));
        assert!(!re.is_match("zb"));
    }

    #[test]
    fn python_end_anchor() {
        let re = Pcre::new(r"web\d\Z").unwrap();
        assert!(re.is_match("web1"));
        assert!(!re.is_match("web12"));
        // An escaped backslash followed by Z is a literal Z.
        assert!(Pcre::new(r"a\\Z").unwrap().is_match(r"a\Z"));
    }

    #[test]
    fn errors_carry_an_offset() {
        let err = Pcre::new("web(1").unwrap_err();
        assert_eq!(err.offset, 3);
        assert!(err.message.contains("unclosed group"), "{}", err.message);
        let err = Pcre::new("a)(b").unwrap_err();
        assert_eq!(err.offset, 1);
        let err = Pcre::new("web(?=1)").unwrap_err();
        assert!(err.message.contains("look-around"), "{}", err.message);
    }
}

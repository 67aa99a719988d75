//! The text being compiled, split into words the way Salt splits it
//! (`str.split()`), with each word's byte range kept for error carets.

use std::ops::Range;

use crate::TargetError;

/// A compound expression (the user's, or a nodegroup's definition).
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// What errors show; for a list this is the items joined by spaces.
    pub(crate) text: String,
    pub(crate) words: Vec<Range<usize>>,
    /// Set while compiling a nodegroup's definition, to say so in errors.
    pub(crate) nodegroup: Option<String>,
}

impl Source {
    /// Splits on whitespace, as Python's `str.split()` does.
    pub(crate) fn from_text(text: &str, nodegroup: Option<&str>) -> Source {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (is_py_space(c), start) {
                (true, Some(s)) => {
                    words.push(s..i);
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push(s..text.len());
        }
        Source {
            text: text.to_owned(),
            words,
            nodegroup: nodegroup.map(str::to_owned),
        }
    }

    /// Each item is one word, even if it contains spaces: Salt does not
    /// split the items of a list target.
    pub(crate) fn from_items(items: &[String], nodegroup: Option<&str>) -> Source {
        let mut text = String::new();
        let mut words = Vec::with_capacity(items.len());
        for item in items {
            if !text.is_empty() {
                text.push(' ');
            }
            words.push(text.len()..text.len() + item.len());
            text.push_str(item);
        }
        Source {
            text,
            words,
            nodegroup: nodegroup.map(str::to_owned),
        }
    }

    pub(crate) fn word(&self, idx: usize) -> &str {
        &self.text[self.words[idx].clone()]
    }

    pub(crate) fn error(&self, pos: usize, message: impl Into<String>) -> TargetError {
        let message = message.into();
        match &self.nodegroup {
            Some(name) => {
                TargetError::new(&self.text, pos, format!("in nodegroup '{name}': {message}"))
            }
            None => TargetError::new(&self.text, pos, message),
        }
    }
}

/// Python's `str.isspace`: Unicode whitespace plus the ASCII information
/// separators U+001C..U+001F.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_byte_ranges() {
        let src = Source::from_text("  G@os:Debian\tand ( é* ) ", None);
        let words: Vec<&str> = (0..src.words.len()).map(|i| src.word(i)).collect();
        assert_eq!(words, ["G@os:Debian", "and", "(", "é*", ")"]);
        assert_eq!(src.words[3], 20..23);
    }

    #[test]
    fn list_items_stay_whole() {
        let items = ["G@os:Debian or x".to_owned(), "and".to_owned()];
        let src = Source::from_items(&items, Some("g"));
        assert_eq!(src.text, "G@os:Debian or x and");
        assert_eq!(src.word(0), "G@os:Debian or x");
        assert_eq!(src.words[1], 17..20);
        assert_eq!(src.error(17, "bad").message, "in nodegroup 'g': bad");
    }
}

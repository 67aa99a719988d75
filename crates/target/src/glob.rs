//! Python's `fnmatch`, which Salt uses for minion-id globs and for grain and
//! pillar values: `*` matches anything including `.` and `/`, `?` one char,
//! `[seq]` / `[!seq]` a class, and nothing else is special (no `{a,b}`, no
//! backslash escapes, an unclosed `[` is a literal). globset differs on each
//! of those points, so this follows CPython 3.11's `fnmatch.translate`
//! instead, and compiles the common shapes (`web*`, `*.example.com`, exact
//! ids) to plain string comparisons.

use regex::Regex;

/// One compiled glob. Matching is case-sensitive, on whole strings.
#[derive(Debug, Clone)]
pub(crate) enum Glob {
    /// No wildcard: an exact name.
    Exact(Box<str>),
    /// `*`.
    Any,
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<str>),
    /// The rest, as an anchored regex.
    Regex(Regex),
    /// A pattern that can never match (`[z-a]`: an empty character range).
    Never,
}

impl Glob {
    /// Compiles `pattern`. Fails only when the pattern is too large for the
    /// regex engine's size limit.
    pub(crate) fn new(pattern: &str) -> Result<Glob, regex::Error> {
        let Some(tokens) = tokenize(pattern) else {
            return Ok(Glob::Never);
        };
        let literal_run = |tokens: &[Token]| -> Option<String> {
            tokens
                .iter()
                .map(|t| match t {
                    Token::Literal(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let star = |t: Option<&Token>| matches!(t, Some(Token::Star));
        let n = tokens.len();
        if let Some(s) = literal_run(&tokens) {
            return Ok(Glob::Exact(s.into()));
        }
        if n == 1 && star(tokens.first()) {
            return Ok(Glob::Any);
        }
        if n >= 2
            && star(tokens.first())
            && !star(tokens.last())
            && let Some(s) = literal_run(&tokens[1..])
        {
            return Ok(Glob::Suffix(s.into()));
        }
        if n >= 2
            && !star(tokens.first())
            && star(tokens.last())
            && let Some(s) = literal_run(&tokens[..n - 1])
        {
            return Ok(Glob::Prefix(s.into()));
        }
        if n >= 3
            && star(tokens.first())
            && star(tokens.last())
            && let Some(s) = literal_run(&tokens[1..n - 1])
        {
            return Ok(Glob::Contains(s.into()));
        }
        Ok(Glob::Regex(Regex::new(&to_regex(&tokens))?))
    }

    pub(crate) fn is_match(&self, name: &str) -> bool {
        match self {
            Glob::Exact(s) => name == &**s,
            Glob::Any => true,
            Glob::Prefix(s) => name.starts_with(&**s),
            Glob::Suffix(s) => name.ends_with(&**s),
            Glob::Contains(s) => name.contains(&**s),
            Glob::Regex(re) => re.is_match(name),
            Glob::Never => false,
        }
    }

    /// The one name this glob matches, when it has no wildcard.
    pub(crate) fn literal(&self) -> Option<&str> {
        match self {
            Glob::Exact(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: any one char.
    AnyChar,
    /// One or more consecutive `*`.
    Star,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

/// Splits a pattern into tokens the way `fnmatch.translate` does. `None`
/// means the pattern can never match.
fn tokenize(pattern: &str) -> Option<Vec<Token>> {
    let pat: Vec<char> = pattern.chars().collect();
    let n = pat.len();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '?' => tokens.push(Token::AnyChar),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    tokens.push(Token::Literal('['));
                    continue;
                }
                let class = class_elements(&pat, i, j)?;
                i = j + 1;
                tokens.push(class_token(&class)?);
            }
            _ => tokens.push(Token::Literal(c)),
        }
    }
    Some(tokens)
}

/// An element of a bracket expression after `translate`'s rewriting: a
/// char, or a `-` that forms a range between its neighbours.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ClassElem {
    Char(char),
    RangeDash,
}

/// `pat[start..end]` is the text between `[` and `]`. Mirrors translate's
/// chunking: hyphens that cannot form a range are literal, and a reversed
/// range (`z-a`) is dropped. `None` when translate itself would raise.
fn class_elements(pat: &[char], start: usize, end: usize) -> Option<Vec<ClassElem>> {
    let stuff = &pat[start..end];
    if !stuff.contains(&'-') {
        return Some(stuff.iter().map(|&c| ClassElem::Char(c)).collect());
    }
    let mut chunks: Vec<Vec<char>> = Vec::new();
    let mut i = start;
    let mut k = if pat[start] == '!' {
        start + 2
    } else {
        start + 1
    };
    while let Some(found) = (k..end).find(|&p| pat[p] == '-') {
        chunks.push(pat[i..found].to_vec());
        i = found + 1;
        k = found + 3;
    }
    let last = pat[i..end].to_vec();
    if last.is_empty() {
        chunks.last_mut()?.push('-');
    } else {
        chunks.push(last);
    }
    for k in (1..chunks.len()).rev() {
        let prev_last = *chunks[k - 1].last()?;
        let next_first = *chunks[k].first()?;
        if prev_last > next_first {
            let mut merged = chunks[k - 1][..chunks[k - 1].len() - 1].to_vec();
            merged.extend_from_slice(&chunks[k][1..]);
            chunks[k - 1] = merged;
            chunks.remove(k);
        }
    }
    let mut elems = Vec::new();
    for (idx, chunk) in chunks.iter().enumerate() {
        if idx > 0 {
            elems.push(ClassElem::RangeDash);
        }
        elems.extend(chunk.iter().map(|&c| ClassElem::Char(c)));
    }
    Some(elems)
}

/// Turns class elements into a token, as `re` would parse translate's
/// output. `None` when the class can never match.
fn class_token(elems: &[ClassElem]) -> Option<Token> {
    if elems.is_empty() {
        return None;
    }
    if elems == [ClassElem::Char('!')] {
        return Some(Token::AnyChar);
    }
    let (negated, body) = match elems.first() {
        Some(ClassElem::Char('!')) => (true, &elems[1..]),
        _ => (false, elems),
    };
    let as_char = |e: ClassElem| match e {
        ClassElem::Char(c) => c,
        ClassElem::RangeDash => '-',
    };
    let mut items = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let lo = as_char(body[i]);
        if body.get(i + 1) == Some(&ClassElem::RangeDash) && i + 2 < body.len() {
            let hi = as_char(body[i + 2]);
            if hi < lo {
                // `re` rejects a reversed range; fnmatch would raise.
                return None;
            }
            items.push((lo, hi));
            i += 3;
        } else {
            items.push((lo, lo));
            i += 1;
        }
    }
    Some(Token::Class { negated, items })
}

fn to_regex(tokens: &[Token]) -> String {
    let mut re = String::from(r"(?s)\A(?:");
    for token in tokens {
        match token {
            Token::Literal(c) => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            Token::AnyChar => re.push('.'),
            Token::Star => re.push_str(".*"),
            Token::Class { negated, items } => {
                re.push('[');
                if *negated {
                    re.push('^');
                }
                for &(lo, hi) in items {
                    re.push_str(&format!(r"\x{{{:X}}}", lo as u32));
                    if hi != lo {
                        re.push_str(&format!(r"-\x{{{:X}}}", hi as u32));
                    }
                }
                re.push(']');
            }
        }
    }
    re.push_str(r")\z");
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        Glob::new(pattern).unwrap().is_match(name)
    }

    #[test]
    fn star_crosses_dots_and_slashes() {
        assert!(m("web*", "web1.example.com"));
        assert!(m("*.com", "a/b.com"));
        assert!(m("*", ""));
        assert!(m("w*b*1", "web1"));
        assert!(!m("w*b*1", "web2"));
    }

    #[test]
    fn question_mark_and_classes() {
        assert!(m("web?", "web1"));
        assert!(!m("web?", "web10"));
        assert!(m("web[12]", "web2"));
        assert!(!m("web[!12]", "web2"));
        assert!(m("web[!12]", "web3"));
        assert!(m("db[0-9]", "db7"));
        assert!(m("x[]]", "x]"));
        assert!(m("x[!]]", "xa"));
        assert!(m("x[a-]", "x-"));
        assert!(m("x[-a]", "x-"));
        assert!(m("x[!-a]", "xb"));
        assert!(!m("x[!-a]", "x-"));
    }

    #[test]
    fn python_quirks() {
        // No escapes, no braces, unclosed bracket is literal, case matters.
        assert!(m(r"a\b", r"a\b"));
        assert!(m("{a,b}", "{a,b}"));
        assert!(!m("{a,b}", "a"));
        assert!(m("web[1", "web[1"));
        assert!(!m("Web1", "web1"));
        // A reversed range is dropped; alone it can never match...
        assert!(!m("x[z-a]", "xz"));
        // ...and negated it matches any char.
        assert!(m("x[!z-a]", "xq"));
        // Range endpoints merge when a later range is reversed.
        assert!(m("[a-cz-b]", "b"));
    }

    #[test]
    fn simple_shapes_avoid_the_regex_engine() {
        assert!(matches!(Glob::new("web1").unwrap(), Glob::Exact(_)));
        assert!(matches!(Glob::new("web*").unwrap(), Glob::Prefix(_)));
        assert!(matches!(Glob::new("**.com").unwrap(), Glob::Suffix(_)));
        assert!(matches!(Glob::new("*eb*").unwrap(), Glob::Contains(_)));
        assert!(matches!(Glob::new("***").unwrap(), Glob::Any));
        assert!(matches!(Glob::new("w?b").unwrap(), Glob::Regex(_)));
        assert_eq!(Glob::new("web1").unwrap().literal(), Some("web1"));
    }
}

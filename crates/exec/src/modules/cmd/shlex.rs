//! Python's `shlex.split(s)` (POSIX mode, no comments), which Salt uses to
//! turn a `cmd.run` string into argv when `python_shell` is false. Written
//! out rather than taken from a shell-words crate because users rely on
//! Python's exact rules, e.g. inside double quotes a backslash only escapes
//! `"` and `\`.

/// Why a command line could not be split; the texts are Python's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("No closing quotation")]
    NoClosingQuotation,
    #[error("No escaped character")]
    NoEscapedCharacter,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Whitespace,
    Word,
    Quoted(char),
    /// After a backslash; remembers where it appeared.
    Escape(Escaped),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escaped {
    InWord,
    InDoubleQuotes,
}

/// Splits `line` into words the way `shlex.split(line)` does.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // `''` is a word even though it adds no characters.
    let mut in_word = false;
    let mut state = State::Whitespace;
    for c in line.chars() {
        state = match state {
            State::Whitespace | State::Word if is_whitespace(c) => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                State::Whitespace
            }
            State::Whitespace | State::Word => {
                in_word = true;
                match c {
                    '\\' => State::Escape(Escaped::InWord),
                    '\'' | '"' => State::Quoted(c),
                    _ => {
                        word.push(c);
                        State::Word
                    }
                }
            }
            State::Quoted(quote) if c == quote => State::Word,
            State::Quoted('"') if c == '\\' => State::Escape(Escaped::InDoubleQuotes),
            State::Quoted(quote) => {
                word.push(c);
                State::Quoted(quote)
            }
            State::Escape(Escaped::InWord) => {
                word.push(c);
                State::Word
            }
            State::Escape(Escaped::InDoubleQuotes) => {
                // Inside double quotes a backslash escapes only `"` and `\`;
                // before anything else it is kept.
                if c != '"' && c != '\\' {
                    word.push('\\');
                }
                word.push(c);
                State::Quoted('"')
            }
        };
    }
    match state {
        State::Quoted(_) => return Err(SplitError::NoClosingQuotation),
        State::Escape(_) => return Err(SplitError::NoEscapedCharacter),
        State::Whitespace | State::Word => {}
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    // Expected values are what Python 3.11's shlex.split returns.
    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(words("echo  hello\tworld\n"), ["echo", "hello", "world"]);
        assert_eq!(words(r#"a "b c" 'd e'"#), ["a", "b c", "d e"]);
        assert_eq!(words(r#"echo '' "" x"#), ["echo", "", "", "x"]);
        assert_eq!(words(r#"a\ b c\\d"#), ["a b", r"c\d"]);
        assert_eq!(words(r#""a\"b" "c\d" "e\\f""#), [r#"a"b"#, r"c\d", r"e\f"]);
        assert_eq!(words(r#"'a\b' x'y'"z""#), [r"a\b", "xyz"]);
        assert_eq!(
            words("echo $HOME # not a comment"),
            ["echo", "$HOME", "#", "not", "a", "comment"]
        );
        assert_eq!(words("   "), Vec::<String>::new());
    }

    #[test]
    fn unbalanced_input_gives_pythons_errors() {
        assert_eq!(split("echo 'abc"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("echo \"abc\\\""), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("echo abc\\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(
            SplitError::NoClosingQuotation.to_string(),
            "No closing quotation"
        );
    }
}

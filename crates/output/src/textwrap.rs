//! Python's `textwrap.TextWrapper(width, initial_indent, subsequent_indent)
//! .fill(text)` with its other settings at their defaults, which the
//! `highstate` outputter uses for a state's warnings.
//!
//! Tabs expand to 8-column stops, every ASCII whitespace character becomes
//! a space, and words are packed greedily; whitespace at the start of a
//! continuation line and at the end of every line is dropped, and a word
//! longer than a line is cut, after a hyphen when it can be. Words split
//! after the hyphens of hyphenated words (`break_on_hyphens`).

/// What `TextWrapper(width=width, initial_indent=initial,
/// subsequent_indent=subsequent).fill(text)` returns.
pub(crate) fn fill(text: &str, width: usize, initial: &str, subsequent: &str) -> String {
    wrap(text, width, initial, subsequent).join("\n")
}

/// Python's `string.whitespace`, the set `TextWrapper` works with.
fn is_ascii_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ')
}

fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = 0;
    for c in text.chars() {
        match c {
            '\t' => {
                let pad = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', pad));
                column += pad;
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's `[^\d\W]`: a word character that is not a digit.
fn is_letter(c: char) -> bool {
    c == '_' || (c.is_alphanumeric() && !c.is_numeric())
}

fn is_word_punct(c: char) -> bool {
    is_word(c) || matches!(c, '!' | '"' | '\'' | '&' | '.' | ',' | '?')
}

/// At `at`: two or more hyphens, then a word character (an em-dash).
fn dashes_then_word(text: &[char], at: usize) -> Option<usize> {
    let run = text[at..].iter().take_while(|&&c| c == '-').count();
    (run >= 2 && text.get(at + run).is_some_and(|&c| is_word(c))).then_some(run)
}

/// `TextWrapper.wordsep_re.split`: whitespace runs, em-dashes between
/// words, and words, which end at whitespace, before an em-dash, or after
/// the hyphen of a hyphenated word (`well-known` is `well-`, `known`).
fn chunks(text: &str) -> Vec<String> {
    let text: Vec<char> = text.chars().collect();
    let letter_at = |i: usize| text.get(i).is_some_and(|&c| is_letter(c));
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let end = if text[pos] == ' ' {
            pos + text[pos..].iter().take_while(|&&c| c == ' ').count()
        } else if let Some(run) = pos
            .checked_sub(1)
            .filter(|&before| is_word_punct(text[before]))
            .and_then(|_| dashes_then_word(&text, pos))
        {
            pos + run
        } else {
            let mut end = pos + 1;
            loop {
                if end >= text.len() || text[end] == ' ' {
                    break end;
                }
                let hyphenated = text[end] == '-'
                    && ((end >= 2 && letter_at(end - 2) && letter_at(end - 1))
                        || (end >= 3
                            && letter_at(end - 3)
                            && text[end - 2] == '-'
                            && letter_at(end - 1)))
                    && letter_at(end + 1)
                    && (letter_at(end + 2)
                        || (text.get(end + 2) == Some(&'-') && letter_at(end + 3)));
                if hyphenated {
                    break end + 1;
                }
                if is_word_punct(text[end - 1]) && dashes_then_word(&text, end).is_some() {
                    break end;
                }
                end += 1;
            }
        };
        out.push(text[pos..end].iter().collect());
        pos = end;
    }
    out
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// `chunk.strip() == ""`.
fn is_blank(s: &str) -> bool {
    s.chars().all(crate::python::is_space)
}

fn wrap(text: &str, width: usize, initial: &str, subsequent: &str) -> Vec<String> {
    let text: String = expand_tabs(text)
        .chars()
        .map(|c| if is_ascii_space(c) { ' ' } else { c })
        .collect();
    let mut pending = chunks(&text);
    pending.reverse();
    let mut lines = Vec::new();
    while !pending.is_empty() {
        let indent = if lines.is_empty() {
            initial
        } else {
            subsequent
        };
        let room = width.saturating_sub(len(indent));
        if !lines.is_empty() && pending.last().is_some_and(|c| is_blank(c)) {
            pending.pop();
        }
        let mut line: Vec<String> = Vec::new();
        let mut used = 0;
        while let Some(chunk) = pending.last() {
            let chunk_len = len(chunk);
            if used + chunk_len > room {
                break;
            }
            used += chunk_len;
            line.extend(pending.pop());
        }
        if pending.last().is_some_and(|c| len(c) > room) {
            // A word too long for any line is cut to fill this one.
            let space_left = if room < 1 { 1 } else { room - used };
            if let Some(chunk) = pending.pop() {
                let chars: Vec<char> = chunk.chars().collect();
                // Prefer cutting after the last hyphen that fits, unless
                // only hyphens precede it.
                let mut end = space_left.min(chars.len());
                if chars.len() > space_left
                    && let Some(hyphen) = chars[..end].iter().rposition(|&c| c == '-')
                    && hyphen > 0
                    && chars[..hyphen].iter().any(|&c| c != '-')
                {
                    end = hyphen + 1;
                }
                let head: String = chars[..end].iter().collect();
                let tail: String = chars[end..].iter().collect();
                line.push(head);
                pending.push(tail);
            }
        }
        if line.last().is_some_and(|c| is_blank(c)) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{}", line.concat()));
        }
        // A cut that left nothing behind must not loop forever.
        if pending.last().is_some_and(|c| c.is_empty()) {
            pending.pop();
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_words_greedily_under_the_indents() {
        let text = "one two three four five six";
        assert_eq!(
            fill(text, 14, "  ", "    "),
            "  one two\n    three four\n    five six"
        );
    }

    #[test]
    fn newlines_become_spaces_and_long_words_are_cut() {
        assert_eq!(fill("a\nb", 80, "", ""), "a b");
        assert_eq!(fill("abcdefghij", 4, "", ""), "abcd\nefgh\nij");
    }

    #[test]
    fn hyphenated_words_break_after_their_hyphens() {
        assert_eq!(
            chunks("goof-ball -- x--y"),
            ["goof-", "ball", " ", "--", " ", "x", "--", "y"]
        );
        assert_eq!(
            fill("see the salt-minion", 15, "", ""),
            "see the salt-\nminion"
        );
    }
}

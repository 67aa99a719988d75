//! Python's `textwrap.TextWrapper(width, initial_indent, subsequent_indent)
//! .fill(text)` with its other settings at their defaults, which the
//! `highstate` outputter uses for a state's warnings.
//!
//! Tabs expand to 8-column stops, every ASCII whitespace character becomes
//! a space, and words are packed greedily; whitespace at the start of a
//! continuation line and at the end of every line is dropped, and a word
//! longer than a line is cut. One simplification: CPython also breaks
//! after the hyphens inside a word (`break_on_hyphens`), which only
//! matters when a hyphenated word meets the end of a line.

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

/// Splits into alternating runs of spaces and of everything else.
fn chunks(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_space = None;
    for c in text.chars() {
        let space = c == ' ';
        match out.last_mut() {
            Some(chunk) if last_space == Some(space) => chunk.push(c),
            _ => out.push(c.to_string()),
        }
        last_space = Some(space);
    }
    out
}

fn len(s: &str) -> usize {
    s.chars().count()
}

fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c == ' ')
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
        let indent = if lines.is_empty() { initial } else { subsequent };
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
                let head: String = chunk.chars().take(space_left).collect();
                let tail: String = chunk.chars().skip(space_left).collect();
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
}

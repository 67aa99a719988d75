//! Scalars: libyaml's analysis of a string, its choice between plain,
//! single- and double-quoted style, and the three writers with their line
//! folding at the preferred width.

use super::Emitter;

/// What libyaml's `yaml_emitter_analyze_scalar` finds out about a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Analysis {
    pub empty: bool,
    pub multiline: bool,
    pub flow_plain_allowed: bool,
    pub block_plain_allowed: bool,
    pub single_quoted_allowed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

impl Emitter<'_> {
    /// Writes a scalar. `plain_implicit`: written plain it reads back with
    /// its own type; `quoted_implicit`: written quoted it does (true only
    /// for strings).
    pub(super) fn scalar(&mut self, text: &str, plain_implicit: bool, quoted_implicit: bool) {
        let analysis = analyze(text, self.opts.allow_unicode);
        let style = self.select_style(&analysis, plain_implicit);
        if !quoted_implicit && style != Style::Plain {
            // A number that cannot be plain needs its type spelled out;
            // libyaml writes the non-specific tag. Unreachable for JSON
            // numbers, kept so the rule is whole.
            if !self.whitespace {
                self.put(' ');
            }
            self.put('!');
            self.whitespace = false;
            self.indention = false;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(text, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(text, allow_breaks),
        }
        self.pop_indent();
    }

    /// libyaml writes a key without `?` when it fits on one line in at
    /// most 128 bytes.
    pub(super) fn is_simple_key(&self, key: &str) -> bool {
        !analyze(key, self.opts.allow_unicode).multiline && key.len() <= 128
    }

    fn select_style(&self, analysis: &Analysis, plain_implicit: bool) -> Style {
        let in_flow = self.flow_level > 0;
        let mut style = Style::Plain;
        if self.simple_key_context && analysis.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            let plain_allowed = if in_flow {
                analysis.flow_plain_allowed
            } else {
                analysis.block_plain_allowed
            };
            if !plain_allowed
                || (analysis.empty && (in_flow || self.simple_key_context))
                || !plain_implicit
            {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace && (!text.is_empty() || self.flow_level > 0) {
            self.put(' ');
        }
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i != 0
                    && i != last
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                // A line break is written as an empty line: folding turns
                // the pair back into one newline when read.
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if needs_escape(c, self.opts.allow_unicode) {
                for e in escape(c).chars() {
                    self.put(e);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i != 0 && i != last {
                    // Fold here; a space that follows must be escaped or
                    // the reader would take it as indentation.
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// libyaml's scalar analysis (`yaml_emitter_analyze_scalar`): indicators
/// that would be misread, leading and trailing blanks, line breaks, and
/// characters that must be escaped.
pub(super) fn analyze(text: &str, unicode: bool) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let last = chars.len() - 1;
    let mut block_indicators = false;
    let mut flow_indicators = false;
    if text.starts_with("---") || text.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let (mut line_breaks, mut special_characters) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_blank_or_end(chars.get(1).copied());

    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_indicators = true;
                block_indicators = true;
            }
            if c == '?' || c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_indicators = true;
            }
            if c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }

        if !is_printable(c) || (!c.is_ascii() && !unicode) {
            special_characters = true;
        }
        if is_break(c) {
            line_breaks = true;
        }

        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }

        preceded_by_whitespace = is_blank_or_end(Some(c));
        followed_by_whitespace = is_blank_or_end(chars.get(i + 2).copied());
    }

    let mut analysis = Analysis {
        empty: false,
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break || line_breaks {
        analysis.flow_plain_allowed = false;
        analysis.block_plain_allowed = false;
    }
    if break_space || space_break || special_characters {
        analysis.flow_plain_allowed = false;
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
    }
    if flow_indicators {
        analysis.flow_plain_allowed = false;
    }
    if block_indicators {
        analysis.block_plain_allowed = false;
    }
    analysis
}

/// libyaml's `IS_PRINTABLE`, which works on UTF-8 lead bytes: it leaves
/// out U+0080–U+009F (NEL too), the BOM, U+FFFE/U+FFFF and everything
/// beyond the BMP, so emoji are always escaped.
fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFF).contains(&c) && c != 0xFEFF && c != 0xFFFE && c != 0xFFFF)
}

/// YAML 1.1 line breaks, as libyaml counts them.
pub(crate) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `IS_BLANKZ`: blank, line break, NUL, or the end of the text.
fn is_blank_or_end(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

/// Whether libyaml escapes `c` inside a double-quoted scalar.
fn needs_escape(c: char, unicode: bool) -> bool {
    !is_printable(c)
        || (!unicode && !c.is_ascii())
        || c == '\u{FEFF}'
        || is_break(c)
        || c == '"'
        || c == '\\'
}

/// The escape sequence for `c`, backslash included; libyaml and PyYAML
/// share this table.
pub(crate) fn escape(c: char) -> String {
    let named = match c {
        '\0' => '0',
        '\u{07}' => 'a',
        '\u{08}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{0B}' => 'v',
        '\u{0C}' => 'f',
        '\r' => 'r',
        '\u{1B}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{A0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let code = c as u32;
            return if code <= 0xFF {
                format!("\\x{code:02X}")
            } else if code <= 0xFFFF {
                format!("\\u{code:04X}")
            } else {
                format!("\\U{code:08X}")
            };
        }
    };
    format!("\\{named}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_forbid_plain() {
        assert!(!analyze("a: b", true).block_plain_allowed);
        assert!(analyze("a:b", true).block_plain_allowed);
        assert!(!analyze("a:b", true).flow_plain_allowed);
        assert!(!analyze("- a", true).block_plain_allowed);
        assert!(analyze("-a", true).block_plain_allowed);
        assert!(!analyze("a #b", true).block_plain_allowed);
        assert!(analyze("a#b", true).block_plain_allowed);
        assert!(!analyze("---", true).block_plain_allowed);
        assert!(!analyze(" a", true).block_plain_allowed);
    }

    #[test]
    fn special_characters_need_double_quotes() {
        assert!(!analyze("a\tb", true).single_quoted_allowed);
        assert!(!analyze("é", false).single_quoted_allowed);
        assert!(analyze("é", true).block_plain_allowed);
        assert!(!analyze("😀", true).single_quoted_allowed);
        assert!(analyze("a\nb", true).multiline);
        assert!(analyze("a\nb", true).single_quoted_allowed);
    }

    #[test]
    fn escapes() {
        assert_eq!(escape('é'), "\\xE9");
        assert_eq!(escape('\u{85}'), "\\N");
        assert_eq!(escape('😀'), "\\U0001F600");
        assert_eq!(escape('\u{FEFF}'), "\\uFEFF");
    }
}

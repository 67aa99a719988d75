//! The renderer's error: which SLS, which file and line, what went wrong.

/// Which step of the pipeline failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// A variable or attribute is undefined (Salt: `Jinja variable ...`).
    Undefined,
    /// The template does not parse or a tag is misused (Salt: `Jinja syntax error: ...`).
    JinjaSyntax,
    /// Any other failure while rendering the template (Salt: `Jinja error: ...`).
    Jinja,
    /// A `salt[...]` function failed (Salt: `Problem running salt function in Jinja template: ...`).
    Function,
    /// The YAML step.
    Yaml,
    /// The JSON step.
    Json,
    /// The shebang names a renderer we do not have.
    UnknownRenderer,
    /// The template source could not be read, or the file does not exist.
    Source,
}

/// Rendering failed.
///
/// `Display` follows Salt: `Rendering SLS 'base:nginx' failed: Jinja
/// variable 'dict object' has no attribute 'x'; line 3` followed by the
/// lines around the error (when the SLS is known), or just the message
/// for a plain template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.salt_text())]
pub struct RenderError {
    pub kind: RenderErrorKind,
    /// The message without location (Salt's text where we know it).
    pub message: String,
    /// The file the error is in (an imported `map.jinja` when it failed there).
    pub file: String,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// Salt's context block (`---\n...    <======================\n---`).
    pub context: Option<String>,
    /// `saltenv:sls` when rendering an SLS.
    pub sls: Option<String>,
    /// The error is in a template the rendered file imported or included.
    pub imported: bool,
}

impl RenderError {
    pub fn new(kind: RenderErrorKind, file: &str, message: impl Into<String>) -> RenderError {
        RenderError {
            kind,
            message: message.into(),
            file: file.to_owned(),
            line: None,
            context: None,
            sls: None,
            imported: false,
        }
    }

    pub(crate) fn at(mut self, line: Option<usize>) -> RenderError {
        self.line = line;
        self
    }

    pub(crate) fn for_sls(mut self, saltenv: &str, sls: &str) -> RenderError {
        self.sls = Some(format!("{saltenv}:{sls}"));
        self
    }

    /// Adds Salt's context block around `line` of `source`.
    pub(crate) fn with_context(mut self, source: &str) -> RenderError {
        if let Some(line) = self.line {
            self.context = Some(context_block(source, line));
        }
        self
    }

    /// The message with Salt's prefix for its kind.
    pub fn salt_message(&self) -> String {
        let prefix = match self.kind {
            RenderErrorKind::Undefined => "Jinja variable ",
            RenderErrorKind::JinjaSyntax => "Jinja syntax error: ",
            RenderErrorKind::Jinja => "Jinja error: ",
            RenderErrorKind::Function => "Problem running salt function in Jinja template: ",
            _ => "",
        };
        format!("{prefix}{}", self.message)
    }
}

impl RenderError {
    /// Salt's full text; see the type's docs.
    fn salt_text(&self) -> String {
        let mut out = String::new();
        if let Some(sls) = &self.sls {
            out.push_str(&format!("Rendering SLS '{sls}' failed: "));
        }
        out.push_str(&self.salt_message());
        match (self.line, self.imported) {
            // Salt names the imported file and its line instead of a line
            // of the SLS.
            (Some(line), true) => out.push_str(&format!("\n{}({line}):", self.file)),
            (Some(line), false) => out.push_str(&format!("; line {line}\n")),
            (None, _) => {}
        }
        if let Some(context) = &self.context {
            out.push('\n');
            out.push_str(context);
        }
        out
    }
}

/// Salt's `get_context`: five lines either side of `line`, the line marked.
pub fn context_block(source: &str, line: usize) -> String {
    const MARKER: &str = "    <======================";
    let lines: Vec<&str> = source.lines().collect();
    if line == 0 || line > lines.len() {
        return source.to_owned();
    }
    let start = line.saturating_sub(6);
    let end = (line + 5).min(lines.len());
    let mut buf: Vec<String> = Vec::new();
    if start > 0 {
        buf.push("[...]".to_owned());
    }
    for (i, text) in lines[start..end].iter().enumerate() {
        let mut text = (*text).to_owned();
        if start + i + 1 == line {
            text.push_str(MARKER);
        }
        buf.push(text);
    }
    if end < lines.len() {
        buf.push("[...]".to_owned());
    }
    format!("---\n{}\n---", buf.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_marks_the_line_like_salt() {
        let src = "a\nb\nc\n";
        assert_eq!(
            context_block(src, 2),
            "---\na\nb    <======================\nc\n---"
        );
        let long: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let block = context_block(&long, 10);
        assert!(block.starts_with("---\n[...]\nl5\n"));
        assert!(block.ends_with("l15\n[...]\n---"));
    }
}

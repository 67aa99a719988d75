//! The source rewrite that runs before minijinja parses a template.
//!
//! minijinja has no extension API, so what Salt adds to Jinja2 is
//! rewritten into plain Jinja on the same line (line numbers in errors stay
//! right):
//!
//! - Salt's tags: `{% import_yaml EXPR as x %}` (and `import_json`,
//!   `import_text`) become `{% set x = __import_yaml(EXPR) %}`;
//!   `{% load_yaml as x %}…{% endload %}` (and `load_json`, `load_text`)
//!   become a block `set` followed by `{% set x = __load_yaml(x) %}`;
//!   `{% profile %}` blocks are dropped (they only log timings).
//! - Python's mutable containers: every list and dict literal becomes
//!   `__mut([...])` / `__mut({...})` and every `{% set x = EXPR %}` value
//!   `__mut(EXPR)`, so `append`/`update` work (see [`crate::mutable`]).
//! - A macro whose body uses Jinja2's implicit `varargs`/`kwargs` is
//!   defined as `__varargs_NAME(params..., varargs, kwargs)` and `NAME` is
//!   set to a wrapper that sorts extra arguments into those two.
//! - `L % R` becomes `(L)|__pymod(R)`: Python's string formatting when `L`
//!   is a string, Python's modulo otherwise (minijinja's `%` is only
//!   arithmetic).

/// The template cannot be rewritten: an unclosed tag or an unbalanced Salt
/// block. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PrepassError {
    pub line: usize,
    pub message: String,
}

fn line_of(src: &str, pos: usize) -> usize {
    src[..pos].bytes().filter(|b| *b == b'\n').count() + 1
}

/// [`rewrite`] for a template loaded by an `import` or `include` named
/// `name`: when it is imported without context it sees its own `tpldir`,
/// `tplfile` and `tpldot`, as Salt's loader sets them (an import with
/// context or an include sees the importer's).
pub fn rewrite_loaded(src: &str, name: &str) -> Result<String, PrepassError> {
    let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let quote = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
    // All on the first line: line numbers stay those of the file.
    let header = format!(
        "{{% if {OWN_TPL} is defined and {OWN_TPL} %}}{{% set tpldir = '{}' %}}{{% set tplfile = '{}' %}}{{% set tpldot = '{}' %}}{{% endif %}}",
        quote(if dir.is_empty() { "." } else { dir }),
        quote(name),
        quote(&dir.replace('/', ".")),
    );
    Ok(header + &rewrite(src)?)
}

/// The variable an importing template sets to tell the imported one
/// whether it was imported without context.
pub(crate) const OWN_TPL: &str = "__salt_own_tpl";

/// Rewrites `src` (see the module docs).
pub fn rewrite(src: &str) -> Result<String, PrepassError> {
    let mut out = String::with_capacity(src.len() + src.len() / 8);
    let mut load_stack: Vec<(String, String)> = Vec::new();
    // One entry per open macro: its name when it is wrapped for varargs.
    let mut macro_stack: Vec<Option<(String, Vec<String>)>> = Vec::new();
    let mut pos = 0;
    while let Some(rel) = src[pos..].find('{') {
        let start = pos + rel;
        let next = src.as_bytes().get(start + 1).copied();
        match next {
            Some(b'#') => {
                let end = src[start + 2..]
                    .find("#}")
                    .map(|e| start + 2 + e + 2)
                    .ok_or_else(|| PrepassError {
                        line: line_of(src, start),
                        message: "Missing end of comment tag".to_owned(),
                    })?;
                out.push_str(&src[pos..end]);
                pos = end;
            }
            Some(b'{') => {
                out.push_str(&src[pos..start]);
                let end = find_tag_end(src, start + 2, b'}').ok_or_else(|| PrepassError {
                    line: line_of(src, start),
                    message: "unexpected end of template, expected 'end of print statement'"
                        .to_owned(),
                })?;
                out.push_str("{{");
                out.push_str(&rewrite_expr(&src[start + 2..end]));
                out.push_str("}}");
                pos = end + 2;
            }
            Some(b'%') => {
                out.push_str(&src[pos..start]);
                let end = find_tag_end(src, start + 2, b'%').ok_or_else(|| PrepassError {
                    line: line_of(src, start),
                    message: "unexpected end of template, expected 'end of statement block'"
                        .to_owned(),
                })?;
                let inner = &src[start + 2..end];
                pos = end + 2;
                let (lead, body, trail) = split_ws_markers(inner);
                let keyword = body
                    .trim_start()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                let rest = body.trim_start()[keyword.len()..].to_owned();
                match keyword {
                    "raw" => {
                        let close = find_endraw(src, pos).ok_or_else(|| PrepassError {
                            line: line_of(src, start),
                            message: "unexpected end of template, expected 'endraw'".to_owned(),
                        })?;
                        out.push_str(&src[start..close]);
                        pos = close;
                    }
                    "import_yaml" | "import_json" | "import_text" => {
                        let (expr, name) = split_as(&rest).ok_or_else(|| PrepassError {
                            line: line_of(src, start),
                            message: format!(
                                "expected token 'as', got end of statement block ({keyword})"
                            ),
                        })?;
                        out.push_str(&format!(
                            "{{%{lead} set {name} = __{keyword}({}) {trail}%}}",
                            rewrite_expr(expr)
                        ));
                    }
                    "load_yaml" | "load_json" | "load_text" => {
                        let name = rest
                            .trim()
                            .strip_prefix("as")
                            .map(str::trim)
                            .filter(|n| is_name(n))
                            .ok_or_else(|| PrepassError {
                                line: line_of(src, start),
                                message: format!(
                                    "expected token 'as', got end of statement block ({keyword})"
                                ),
                            })?;
                        load_stack.push((name.to_owned(), keyword.to_owned()));
                        out.push_str(&format!("{{%{lead} set {name} {trail}%}}"));
                    }
                    "endload" => {
                        let (name, keyword) = load_stack.pop().ok_or_else(|| PrepassError {
                            line: line_of(src, start),
                            message: "Encountered unknown tag 'endload'.".to_owned(),
                        })?;
                        out.push_str(&format!(
                            "{{%{lead} endset %}}{{% set {name} = __{keyword}({name}) {trail}%}}"
                        ));
                    }
                    "import" | "from" | "include" => {
                        let own = keyword != "include" && !with_context(body);
                        out.push_str(&format!("{{%{lead} set {OWN_TPL} = {own} %}}{{%"));
                        out.push_str(&rewrite_expr(body));
                        out.push_str(trail);
                        out.push_str("%}");
                    }
                    "macro" => {
                        let wrapped = macro_signature(&rest)
                            .filter(|_| macro_body(src, pos).is_some_and(uses_varargs));
                        match wrapped {
                            Some((name, params)) => {
                                out.push_str(&format!(
                                    "{{%{lead} macro __varargs_{name}({}varargs=none, kwargs=none) {trail}%}}",
                                    params.iter().map(|p| format!("{}, ", rewrite_expr(p))).collect::<String>()
                                ));
                                let names = params
                                    .iter()
                                    .map(|p| p.split('=').next().unwrap_or("").trim().to_owned())
                                    .collect();
                                macro_stack.push(Some((name, names)));
                            }
                            None => {
                                out.push_str(&format!("{{%{lead}{}{trail}%}}", rewrite_expr(body)));
                                macro_stack.push(None);
                            }
                        }
                    }
                    "endmacro" => match macro_stack.pop().flatten() {
                        Some((name, names)) => {
                            out.push_str(&format!(
                                "{{%{lead} endmacro %}}{{% set {name} = __varargs_macro(__varargs_{name}, [{}]) {trail}%}}",
                                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                            ));
                        }
                        None => out.push_str(&format!("{{%{lead}{}{trail}%}}", rewrite_expr(body))),
                    },
                    "profile" => out.push_str(&format!("{{%{lead} if true {trail}%}}")),
                    "endprofile" => out.push_str(&format!("{{%{lead} endif {trail}%}}")),
                    "set" => {
                        let (target, value) = split_assignment(&rest);
                        match value {
                            Some(value) if !target.contains(',') => {
                                out.push_str(&format!(
                                    "{{%{lead} set{target}= __mut({}) {trail}%}}",
                                    rewrite_expr(value)
                                ));
                            }
                            _ => {
                                out.push_str(&format!("{{%{lead}{}{trail}%}}", rewrite_expr(body)))
                            }
                        }
                    }
                    _ => {
                        out.push_str("{%");
                        out.push_str(lead);
                        out.push_str(&rewrite_expr(body));
                        out.push_str(trail);
                        out.push_str("%}");
                    }
                }
            }
            _ => {
                out.push_str(&src[pos..start + 1]);
                pos = start + 1;
            }
        }
    }
    out.push_str(&src[pos..]);
    if let Some((name, keyword)) = load_stack.pop() {
        return Err(PrepassError {
            line: line_of(src, src.len()),
            message: format!(
                "Unexpected end of template. Jinja was looking for the following tags: 'endload'. The innermost block that needs to be closed is '{keyword}' ({name})."
            ),
        });
    }
    Ok(out)
}

/// `name(a, b=1)` of a macro tag: the name and each parameter's text.
fn macro_signature(rest: &str) -> Option<(String, Vec<String>)> {
    let rest = rest.trim();
    let open = rest.find('(')?;
    let name = rest[..open].trim();
    let inner = rest[open + 1..].strip_suffix(')')?;
    if !is_name(name) {
        return None;
    }
    let mut params = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for tok in tokenize(inner) {
        match tok.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Op if tok.text == "," && depth == 0 => {
                params.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push_str(tok.text);
    }
    if !current.trim().is_empty() {
        params.push(current);
    }
    let params: Vec<String> = params.into_iter().map(|p| p.trim().to_owned()).collect();
    params
        .iter()
        .all(|p| is_name(p.split('=').next().unwrap_or("").trim()))
        .then(|| (name.to_owned(), params))
}

/// The text of the macro body that starts at `from`, up to its
/// `endmacro`.
fn macro_body(src: &str, from: usize) -> Option<&str> {
    let mut depth = 0usize;
    let mut pos = from;
    while let Some(rel) = src[pos..].find("{%") {
        let start = pos + rel;
        let end = find_tag_end(src, start + 2, b'%')?;
        let (_, body, _) = split_ws_markers(&src[start + 2..end]);
        match body.split_whitespace().next() {
            Some("macro") => depth += 1,
            Some("endmacro") if depth == 0 => return Some(&src[from..start]),
            Some("endmacro") => depth -= 1,
            _ => {}
        }
        pos = end + 2;
    }
    None
}

/// Whether a macro body names Jinja2's implicit `varargs` or `kwargs`.
fn uses_varargs(body: &str) -> bool {
    tokenize(body)
        .iter()
        .any(|t| t.kind == Kind::Name && (t.text == "varargs" || t.text == "kwargs"))
}

/// Whether an `import`/`from` tag ends in `with context`.
fn with_context(body: &str) -> bool {
    let words: Vec<&str> = body.split_whitespace().collect();
    words.ends_with(&["with", "context"])
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `-`/`+` whitespace markers at both ends of a tag's inside.
fn split_ws_markers(inner: &str) -> (&str, &str, &str) {
    let lead = if inner.starts_with('-') || inner.starts_with('+') {
        &inner[..1]
    } else {
        ""
    };
    let rest = &inner[lead.len()..];
    let trail = if rest.ends_with('-') || rest.ends_with('+') {
        &rest[rest.len() - 1..]
    } else {
        ""
    };
    (lead, &rest[..rest.len() - trail.len()], trail)
}

/// Index of the `}}` / `%}` that closes a tag opened before `from`,
/// skipping strings and nested braces.
fn find_tag_end(src: &str, from: usize, closer: u8) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            c if c == closer && depth == 0 && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn find_endraw(src: &str, from: usize) -> Option<usize> {
    let mut pos = from;
    while let Some(rel) = src[pos..].find("{%") {
        let start = pos + rel;
        let end = src[start..].find("%}")? + start;
        let (_, body, _) = split_ws_markers(&src[start + 2..end]);
        if body.trim() == "endraw" {
            return Some(start);
        }
        pos = start + 2;
    }
    None
}

/// Splits `EXPR as NAME` at its last top-level `as`.
fn split_as(rest: &str) -> Option<(&str, &str)> {
    let idx = rest.rfind(" as ")?;
    let name = rest[idx + 4..].trim();
    is_name(name).then_some((&rest[..idx], name))
}

/// Splits `x = EXPR` (returning `(" x ", Some(" EXPR"))`); a block set or a
/// set with a filter has no value.
fn split_assignment(rest: &str) -> (&str, Option<&str>) {
    let tokens = tokenize(rest);
    let mut offset = 0;
    let mut depth = 0i32;
    for tok in &tokens {
        match tok.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Op if depth == 0 && tok.text == "=" => {
                return (&rest[..offset], Some(&rest[offset + 1..]));
            }
            _ => {}
        }
        offset += tok.text.len();
    }
    (rest, None)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ws,
    Str,
    Name,
    Num,
    Op,
    Open,
    Close,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

fn tokenize(src: &str) -> Vec<Token<'_>> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let kind = if c.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Ws
        } else if c == b'\'' || c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            Kind::Str
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            Kind::Name
        } else if c.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            Kind::Num
        } else if matches!(c, b'(' | b'[' | b'{') {
            i += 1;
            Kind::Open
        } else if matches!(c, b')' | b']' | b'}') {
            i += 1;
            Kind::Close
        } else {
            let two = src.get(i..i + 2).unwrap_or("");
            i += if matches!(two, "**" | "//" | "==" | "!=" | "<=" | ">=") {
                2
            } else {
                1
            };
            while !src.is_char_boundary(i) {
                i += 1;
            }
            Kind::Op
        };
        out.push(Token {
            kind,
            text: &src[start..i],
        });
    }
    out
}

const KEYWORDS: &[&str] = &[
    "in",
    "not",
    "and",
    "or",
    "if",
    "else",
    "elif",
    "is",
    "for",
    "set",
    "do",
    "with",
    "return",
    "print",
    "import",
    "from",
    "as",
    "recursive",
    "macro",
    "call",
    "filter",
    "include",
    "extends",
    "elif",
    "without",
    "context",
    "ignore",
    "missing",
];

/// Rewrites one expression (the inside of `{{ }}` or a statement).
fn rewrite_expr(src: &str) -> String {
    let src = rewrite_percent(src);
    let tokens = tokenize(&src);
    let mut out = String::with_capacity(src.len() + 16);
    emit(&tokens, &mut out);
    out
}

/// Rewrites each binary `L % R` into `(L)|__pymod(R)`, one at a time from
/// the left (so `a % b % c` nests as Python's `(a % b) % c`), where the
/// left operand can be found safely: `%` binds like `*` and `/`, so a left
/// operand that follows one of those (or a unary minus) is left alone.
fn rewrite_percent(src: &str) -> String {
    let mut text = src.to_owned();
    // Each round removes one `%`; the bound only guards against a bug.
    for _ in 0..256 {
        let tokens = tokenize(&text);
        let Some((start, op, end)) = find_percent(&tokens) else {
            break;
        };
        let offset = |i: usize| tokens[..i].iter().map(|t| t.text.len()).sum::<usize>();
        let (ls, ps, rs, re) = (offset(start), offset(op), offset(op + 1), offset(end));
        let left = text[ls..ps].trim_end();
        let right = text[rs..re].trim_start();
        text = format!("{}({left})|__pymod({right}){}", &text[..ls], &text[re..]);
    }
    text
}

/// The first `%` operator whose operands are safe to rewrite: token
/// indices of the left operand's start, the `%`, and the right operand's
/// end.
fn find_percent(tokens: &[Token<'_>]) -> Option<(usize, usize, usize)> {
    for (op, tok) in tokens.iter().enumerate() {
        if !(tok.kind == Kind::Op && tok.text == "%") {
            continue;
        }
        let Some(start) = left_operand_start(tokens, op) else {
            continue;
        };
        let before = prev_sig(tokens, start);
        let safe = match before {
            None => true,
            Some(b) => match tokens[b].kind {
                Kind::Open => true,
                Kind::Name => KEYWORDS.contains(&tokens[b].text),
                Kind::Op => match tokens[b].text {
                    "*" | "/" | "//" | "%" | "**" | "." | "|" => false,
                    // A binary minus binds looser than `%`; a unary one
                    // tighter.
                    "-" | "+" => prev_sig(tokens, b).is_some_and(|p| is_operand_end(&tokens[p])),
                    _ => true,
                },
                _ => false,
            },
        };
        let Some(right) = next_sig(tokens, op + 1) else {
            continue;
        };
        let end = operand_end(tokens, right);
        if safe && end > right {
            return Some((start, op, end));
        }
    }
    None
}

fn is_operand_end(tok: &Token<'_>) -> bool {
    match tok.kind {
        Kind::Name => !KEYWORDS.contains(&tok.text),
        Kind::Str | Kind::Num | Kind::Close => true,
        _ => false,
    }
}

fn prev_sig(tokens: &[Token<'_>], before: usize) -> Option<usize> {
    (0..before).rev().find(|&j| tokens[j].kind != Kind::Ws)
}

/// Index of the open token matching the close token at `close`.
fn group_start(tokens: &[Token<'_>], close: usize) -> Option<usize> {
    let mut depth = 0;
    for j in (0..=close).rev() {
        match tokens[j].kind {
            Kind::Close => depth += 1,
            Kind::Open => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Start of the operand that ends just before `op`: a primary with its
/// postfix chain (`a.b[0](x)|f(y)`).
fn left_operand_start(tokens: &[Token<'_>], op: usize) -> Option<usize> {
    let mut j = prev_sig(tokens, op)?;
    loop {
        let tok = &tokens[j];
        let start = match tok.kind {
            Kind::Close => group_start(tokens, j)?,
            Kind::Name if !KEYWORDS.contains(&tok.text) => j,
            Kind::Str | Kind::Num => j,
            _ => return None,
        };
        // A call or subscript continues the chain to its left; so do
        // `.attr` and `|filter`.
        match prev_sig(tokens, start) {
            Some(p)
                if tokens[start].kind == Kind::Open
                    && tokens[start].text != "{"
                    && is_operand_end(&tokens[p]) =>
            {
                j = p
            }
            Some(p)
                if (tokens[p].text == "." || tokens[p].text == "|") && tok.kind == Kind::Name =>
            {
                j = prev_sig(tokens, p)?;
            }
            _ => return Some(start),
        }
    }
}

fn emit(tokens: &[Token<'_>], out: &mut String) {
    let mut stack: Vec<bool> = Vec::new();
    let mut prev: Option<&Token<'_>> = None;
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        match tok.kind {
            Kind::Ws => out.push_str(tok.text),
            Kind::Open => {
                let literal = match tok.text {
                    "{" => true,
                    "[" => match prev {
                        None => true,
                        Some(p) => match p.kind {
                            Kind::Name => KEYWORDS.contains(&p.text),
                            Kind::Str | Kind::Num | Kind::Close => false,
                            _ => true,
                        },
                    },
                    _ => false,
                };
                if literal {
                    out.push_str("__mut(");
                }
                out.push_str(tok.text);
                stack.push(literal);
            }
            Kind::Close => {
                out.push_str(tok.text);
                if stack.pop() == Some(true) {
                    out.push(')');
                }
            }
            _ => out.push_str(tok.text),
        }
        if tok.kind != Kind::Ws {
            prev = Some(tok);
        }
        i += 1;
    }
}

fn next_sig(tokens: &[Token<'_>], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&j| tokens[j].kind != Kind::Ws)
}

/// Index after the matching close of the group opening at `open`.
fn group_end(tokens: &[Token<'_>], open: usize) -> usize {
    let mut depth = 0;
    for (j, tok) in tokens.iter().enumerate().skip(open) {
        match tok.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The end of the right operand of `%`: Jinja's unary expression with its
/// postfix chain (`.attr`, `[...]`, `(...)`) and filters (`|f(...)`).
fn operand_end(tokens: &[Token<'_>], start: usize) -> usize {
    let Some(first) = tokens.get(start) else {
        return start;
    };
    let mut i = start;
    if first.text == "-" || first.text == "not" {
        i = next_sig(tokens, i + 1).unwrap_or(tokens.len());
    }
    let Some(tok) = tokens.get(i) else { return i };
    i = match tok.kind {
        Kind::Name | Kind::Str | Kind::Num => i + 1,
        Kind::Open => group_end(tokens, i),
        _ => return start,
    };
    loop {
        match tokens.get(i) {
            Some(t) if t.text == "." => {
                i += 1;
                if tokens.get(i).is_some_and(|t| t.kind == Kind::Name) {
                    i += 1;
                }
            }
            Some(t) if t.kind == Kind::Open && t.text != "{" => i = group_end(tokens, i),
            Some(t) if t.text == "|" => {
                let Some(name) = next_sig(tokens, i + 1) else {
                    return i;
                };
                i = name + 1;
                if tokens.get(i).is_some_and(|t| t.text == "(") {
                    i = group_end(tokens, i);
                }
            }
            _ => return i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_literals_not_subscripts() {
        assert_eq!(rewrite("{{ a['x'] }}").unwrap(), "{{ a['x'] }}");
        assert_eq!(rewrite("{{ [1, 2] }}").unwrap(), "{{ __mut([1, 2]) }}");
        assert_eq!(
            rewrite("{% for x in [1] %}").unwrap(),
            "{% for x in __mut([1]) %}"
        );
        assert_eq!(
            rewrite("{{ {'a': {'b': 1}} }}").unwrap(),
            "{{ __mut({'a': __mut({'b': 1})}) }}"
        );
        assert_eq!(rewrite("{{ f()[0] }}").unwrap(), "{{ f()[0] }}");
    }

    #[test]
    fn set_values_become_mutable() {
        assert_eq!(
            rewrite("{% set x = y|list %}").unwrap(),
            "{% set x = __mut( y|list ) %}"
        );
        assert_eq!(
            rewrite("{%- set a, b = 1, 2 -%}").unwrap(),
            "{%- set a, b = 1, 2 -%}"
        );
        assert_eq!(rewrite("{% set x %}").unwrap(), "{% set x %}");
    }

    #[test]
    fn salt_tags_are_rewritten_on_the_same_line() {
        assert_eq!(
            rewrite("{% import_yaml tpldir ~ '/d.yaml' as d %}").unwrap(),
            "{% set d = __import_yaml( tpldir ~ '/d.yaml') %}"
        );
        let out = rewrite("{% load_yaml as x %}\na: 1\n{%- endload %}").unwrap();
        assert_eq!(
            out,
            "{% set x %}\na: 1\n{%- endset %}{% set x = __load_yaml(x) %}"
        );
        assert!(rewrite("{% load_json as x %}").is_err());
    }

    #[test]
    fn percent_becomes_pymod() {
        assert_eq!(
            rewrite("{{ '%s-%s' % (a, b) }}").unwrap(),
            "{{ ('%s-%s')|__pymod((a, b)) }}"
        );
        assert_eq!(
            rewrite("{{ '%s' % x.y|upper ~ 'z' }}").unwrap(),
            "{{ ('%s')|__pymod(x.y|upper) ~ 'z' }}"
        );
        assert_eq!(rewrite("{{ fmt % x }}").unwrap(), "{{ (fmt)|__pymod(x) }}");
        assert_eq!(
            rewrite("{% if loop.index % 2 == 0 %}").unwrap(),
            "{% if (loop.index)|__pymod(2) == 0 %}"
        );
        assert_eq!(
            rewrite("{{ a.b(1)[0]|int % 3 }}").unwrap(),
            "{{ (a.b(1)[0]|int)|__pymod(3) }}"
        );
        // Left-associative chains nest like Python's.
        assert_eq!(
            rewrite("{{ a % b % c }}").unwrap(),
            "{{ ((a)|__pymod(b))|__pymod(c) }}"
        );
        // After `*` or a unary minus the left operand is not safe to take.
        assert_eq!(rewrite("{{ 2 * 5 % 3 }}").unwrap(), "{{ 2 * 5 % 3 }}");
        assert_eq!(rewrite("{{ -7 % 3 }}").unwrap(), "{{ -7 % 3 }}");
        assert_eq!(
            rewrite("{{ 1 - 7 % 3 }}").unwrap(),
            "{{ 1 - (7)|__pymod(3) }}"
        );
    }

    /// Arbitrary text never panics the rewrite (a deterministic sweep of
    /// short strings over the characters that matter to it).
    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet: Vec<char> = "{}%#-+'\"\\[]()|=, \né%sa".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let _ = rewrite(&text);
        }
    }

    #[test]
    fn raw_and_comments_are_untouched() {
        let src = "{# [1] #}{% raw %}{{ [1] }}{% endraw %}";
        assert_eq!(rewrite(src).unwrap(), src);
    }
}

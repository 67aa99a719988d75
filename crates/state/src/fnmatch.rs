//! Python's `fnmatch.fnmatch` on POSIX (case-sensitive): Salt matches
//! requisite targets, `sls` requisites and excludes with it.

/// Whether `name` matches the shell pattern `pattern` (`*`, `?`, `[seq]`,
/// `[!seq]`; an unclosed `[` is a literal, as in Python).
pub fn fnmatch(name: &str, pattern: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    match_from(&name, &pattern)
}

/// Whether `pattern` contains no wildcard, so that it names one thing.
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '['])
}

fn match_from(name: &[char], pattern: &[char]) -> bool {
    let (mut n, mut p) = (0usize, 0usize);
    // Position after the last `*` and the name position it was tried at:
    // classic greedy matching with one backtrack point is enough for globs.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p + 1, n));
                    p += 1;
                    continue;
                }
                '?' => {
                    n += 1;
                    p += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class(&pattern[p..], name[n]) {
                        if matched {
                            n += 1;
                            p += next;
                            continue;
                        }
                    } else if name[n] == '[' {
                        n += 1;
                        p += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    n += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Matches `c` against the class starting at `pattern[0] == '['`; returns
/// whether it matched and the class length, or `None` when the class is
/// not closed (then `[` is literal).
fn class(pattern: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pattern.get(i), Some('!'));
    if negate {
        i += 1;
    }
    // A `]` right after `[` or `[!` is a member, not the end.
    if pattern.get(i) == Some(&']') {
        i += 1;
    }
    let end = i + pattern[i..].iter().position(|ch| *ch == ']')?;
    let body = &pattern[1 + usize::from(negate)..end];
    let mut matched = false;
    let mut j = 0;
    while j < body.len() {
        if j + 2 < body.len() && body[j + 1] == '-' {
            if body[j] <= c && c <= body[j + 2] {
                matched = true;
            }
            j += 3;
        } else {
            if body[j] == c {
                matched = true;
            }
            j += 1;
        }
    }
    Some((matched != negate, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_python() {
        assert!(fnmatch("nginx.config", "nginx.*"));
        assert!(fnmatch("a", "*"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("abc", "ab"));
        assert!(fnmatch("abc", "a?c"));
        assert!(fnmatch("abc", "a[a-c]c"));
        assert!(!fnmatch("abc", "a[!b]c"));
        assert!(fnmatch("a[c", "a[c"));
        assert!(fnmatch("a]c", "a[]]c"));
        assert!(fnmatch("web/x.y", "web*y"));
        assert!(!fnmatch("Web", "web"));
        assert!(fnmatch("aXbXc", "a*b*c"));
        assert!(!fnmatch("aXbX", "a*b*c"));
    }
}

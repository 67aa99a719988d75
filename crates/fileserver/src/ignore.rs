//! Salt's `file_ignore_regex` and `file_ignore_glob`: files that are neither
//! listed nor served.
//!
//! Salt tests the patterns against the *full* path when serving
//! (`/srv/salt/.git/config`) but against the *relative* path when listing
//! (`.git/config`), so its documented example `'/\.git($|/)'` hides a
//! top-level `.git` from serving but not from listings. We test both forms
//! everywhere and ignore on either match: a superset of Salt's rule, and the
//! same answer for listing and serving.

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;

use crate::FileServerError;

/// Compiled ignore patterns. Regexes are searched anywhere in the path
/// (Python `re.search`); globs follow `fnmatch` (`*` also matches `/`).
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    regexes: Vec<Regex>,
    globs: Vec<GlobMatcher>,
}

impl IgnoreRules {
    pub fn new(regexes: &[String], globs: &[String]) -> Result<IgnoreRules, FileServerError> {
        let regexes = regexes
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|err| FileServerError::BadIgnorePattern {
                    option: "file_ignore_regex",
                    pattern: pattern.clone(),
                    reason: err.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        let globs = globs
            .iter()
            .map(|pattern| {
                GlobBuilder::new(pattern)
                    .literal_separator(false)
                    .backslash_escape(false)
                    .build()
                    .map(|glob| glob.compile_matcher())
                    .map_err(|err| FileServerError::BadIgnorePattern {
                        option: "file_ignore_glob",
                        pattern: pattern.clone(),
                        reason: err.kind().to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(IgnoreRules { regexes, globs })
    }

    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty() && self.globs.is_empty()
    }

    /// Whether the file at `rel` inside the root `root` is ignored.
    pub fn is_ignored(&self, root: &str, rel: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let full = format!("{}/{rel}", root.trim_end_matches('/'));
        [rel, full.as_str()].iter().any(|path| self.matches(path))
    }

    fn matches(&self, path: &str) -> bool {
        self.regexes.iter().any(|re| re.is_match(path))
            || self.globs.iter().any(|glob| glob.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(regexes: &[&str], globs: &[&str]) -> IgnoreRules {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        IgnoreRules::new(&own(regexes), &own(globs)).unwrap()
    }

    #[test]
    fn salts_documented_examples_hide_what_they_should() {
        let rules = rules(
            &[r"/\.svn($|/)", r"/\.git($|/)"],
            &["*.pyc", "*/somefolder/*.bak", "*.swp"],
        );
        assert!(rules.is_ignored("/srv/salt", ".git/config"));
        assert!(rules.is_ignored("/srv/salt", ".git"));
        assert!(rules.is_ignored("/srv/salt", "a/.svn/entries"));
        assert!(rules.is_ignored("/srv/salt", "a/b/mod.pyc"));
        assert!(rules.is_ignored("/srv/salt", "x/somefolder/y.bak"));
        assert!(!rules.is_ignored("/srv/salt", "a/.gitignore"));
        assert!(!rules.is_ignored("/srv/salt", "a/b.sls"));
        assert!(!IgnoreRules::default().is_ignored("/srv/salt", ".git/config"));
    }

    #[test]
    fn bad_patterns_are_reported() {
        let err = IgnoreRules::new(&["(".into()], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("file_ignore_regex"), "{err}");
        let err = IgnoreRules::new(&[], &["a[".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("file_ignore_glob"), "{err}");
    }
}

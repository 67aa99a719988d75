//! Checks on what a requester names: the path inside a saltenv and the
//! saltenv itself. Pure string work, done before any file system call, so a
//! hostile name is refused the same way on the master and in the minion's
//! cache.
//!
//! Rules for paths (stricter than Salt, see the crate docs):
//! - empty, NUL, absolute (`/x`), Windows drive (`C:x`) and backslashes are
//!   refused outright;
//! - any `..` component is refused, even `a/../b` that would stay inside:
//!   Salt's `Fileserver.find_file` refuses `../` anywhere too, and a rule
//!   with no exceptions cannot be argued around;
//! - `.` components and repeated or trailing slashes are dropped
//!   (`a/./b//` is `a/b`), as `os.path.normpath` does;
//! - nothing is percent-decoded: `%2e%2e` is a file name.

use crate::FileServerError;

/// Longest path accepted, in bytes (Linux `PATH_MAX`).
pub const MAX_PATH_LEN: usize = 4096;

/// Longest saltenv name accepted, in bytes (one file name component).
pub const MAX_SALTENV_LEN: usize = 255;

/// Returns `path` normalised (`a/./b//c` → `a/b/c`) or why it is refused.
/// A leading `/` is refused rather than stripped: `salt:///etc/passwd`
/// means an absolute path, which Salt refuses too.
pub fn normalize_path(path: &str) -> Result<String, FileServerError> {
    if path.is_empty() {
        return Err(FileServerError::EmptyPath);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(FileServerError::PathTooLong(truncated(path)));
    }
    if path.contains('\0') {
        return Err(FileServerError::NulByte(path.to_owned()));
    }
    // A backslash is an ordinary byte on Linux, but it is a separator to any
    // Windows consumer and to Salt's own `sanitize_win_path`; no salt:// path
    // needs one, so refusing it removes a whole class of confusions.
    if path.contains('\\') {
        return Err(FileServerError::Backslash(path.to_owned()));
    }
    if path.starts_with('/') {
        return Err(FileServerError::AbsolutePath(path.to_owned()));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(FileServerError::ParentDir(path.to_owned())),
            _ => parts.push(part),
        }
    }
    if let Some(first) = parts.first()
        && is_drive_prefix(first)
    {
        return Err(FileServerError::DrivePrefix(path.to_owned()));
    }
    if parts.is_empty() {
        return Err(FileServerError::EmptyPath);
    }
    Ok(parts.join("/"))
}

/// `C:` or `C:anything`: a Windows drive, absolute or drive-relative.
fn is_drive_prefix(component: &str) -> bool {
    let bytes = component.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Checks a saltenv name. It becomes a directory name in the minion's cache
/// (`<cachedir>/files/<saltenv>/`) and replaces `__env__` in root paths, so
/// it must be exactly one harmless path component.
pub fn validate_saltenv(saltenv: &str) -> Result<(), FileServerError> {
    let bad = |why| Err(FileServerError::BadSaltenv(truncated(saltenv), why));
    if saltenv.is_empty() {
        return bad("empty");
    }
    if saltenv.len() > MAX_SALTENV_LEN {
        return bad("too long");
    }
    if saltenv == "." || saltenv == ".." {
        return bad("a relative directory name");
    }
    if saltenv.contains(['/', '\\']) {
        return bad("contains a path separator");
    }
    if saltenv.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    Ok(())
}

fn truncated(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_slashes_are_normalised() {
        assert_eq!(normalize_path("a/./b").unwrap(), "a/b");
        assert_eq!(normalize_path("./a//b/").unwrap(), "a/b");
        assert_eq!(normalize_path("top.sls").unwrap(), "top.sls");
        assert_eq!(normalize_path("a/.hidden/..x").unwrap(), "a/.hidden/..x");
    }

    #[test]
    fn escapes_are_refused() {
        for (path, want) in [
            ("a/../../etc/passwd", "'..' component"),
            ("a/../b", "'..' component"),
            ("..", "'..' component"),
            ("a/..", "'..' component"),
            ("/etc/passwd", "absolute"),
            ("//etc/passwd", "absolute"),
            ("a\0b", "NUL"),
            ("a\\..\\b", "backslash"),
            ("C:/Windows", "drive"),
            ("c:x", "drive"),
            ("", "empty"),
            (".", "empty"),
            ("./", "empty"),
        ] {
            let err = normalize_path(path).unwrap_err().to_string();
            assert!(err.contains(want), "{path:?}: {err}");
        }
        let long = "a/".repeat(MAX_PATH_LEN);
        assert!(matches!(
            normalize_path(&long),
            Err(FileServerError::PathTooLong(_))
        ));
    }

    #[test]
    fn percent_encoding_stays_literal() {
        assert_eq!(
            normalize_path("%2e%2e/%2e%2e/etc").unwrap(),
            "%2e%2e/%2e%2e/etc"
        );
        // A colon later in the name is not a drive.
        assert_eq!(normalize_path("a/C:b").unwrap(), "a/C:b");
        assert_eq!(normalize_path("abc:d").unwrap(), "abc:d");
    }

    /// Every string up to six characters over the alphabet that matters:
    /// whatever is accepted is a plain relative path of real names.
    #[test]
    fn no_short_string_normalises_to_an_escape() {
        const ALPHABET: [char; 6] = ['a', '.', '/', '\\', '\0', ':'];
        let mut accepted = 0;
        let mut word = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..ALPHABET.len().pow(len) {
                word.clear();
                for _ in 0..len {
                    word.push(ALPHABET[n % ALPHABET.len()]);
                    n /= ALPHABET.len();
                }
                let text: String = word.iter().collect();
                let Ok(path) = normalize_path(&text) else {
                    continue;
                };
                accepted += 1;
                assert!(
                    !path.starts_with('/') && !path.contains(['\\', '\0']),
                    "{text:?} -> {path:?}"
                );
                assert!(
                    path.split('/').all(|part| !matches!(part, "" | "." | "..")),
                    "{text:?} -> {path:?}"
                );
                assert!(
                    !is_drive_prefix(path.split('/').next().unwrap_or("")),
                    "{text:?} -> {path:?}"
                );
                assert_eq!(
                    normalize_path(&path).unwrap(),
                    path,
                    "normalising is idempotent"
                );
            }
        }
        assert!(
            accepted > 1000,
            "the test must accept something: {accepted}"
        );
    }

    #[test]
    fn saltenvs_are_single_harmless_components() {
        for good in ["base", "dev", "feature-1", "prod_2", "__env__", ".hidden"] {
            validate_saltenv(good).unwrap();
        }
        for bad in ["", ".", "..", "../etc", "a/b", "a\\b", "a\nb", "a\0b"] {
            assert!(validate_saltenv(bad).is_err(), "{bad:?}");
        }
        assert!(validate_saltenv(&"x".repeat(256)).is_err());
    }
}

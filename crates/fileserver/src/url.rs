//! `salt://` URLs, parsed as `salt.utils.url.parse` plus the query handling
//! of `salt.fileserver.Fileserver.find_file`.

use crate::FileServerError;
use crate::relpath::{normalize_path, validate_saltenv};

const SCHEME: &str = "salt://";

/// Splits `salt://path?saltenv=env` into the normalised path and the saltenv
/// the URL selects, if any.
///
/// As Salt: the text after the first literal `?saltenv=` is the saltenv
/// (`?env=` is dropped, Salt no longer honours it); a leading `|` escapes
/// the path so a `?` in a file name stays literal; otherwise a remaining
/// `?k=v&...` query is cut off, and a `saltenv=` inside it is honoured.
/// Nothing is percent-decoded. The path then goes through
/// [`normalize_path`] and the saltenv through [`validate_saltenv`].
pub fn parse_salt_url(url: &str) -> Result<(String, Option<String>), FileServerError> {
    let Some(resource) = url.strip_prefix(SCHEME) else {
        return Err(FileServerError::UnsupportedUrl(url.to_owned()));
    };
    let (mut path, mut saltenv) = if let Some((path, _)) = resource.split_once("?env=") {
        (path, None)
    } else if let Some((path, env)) = resource.split_once("?saltenv=") {
        (path, Some(env.to_owned()))
    } else {
        (resource, None)
    };
    if let Some(escaped) = path.strip_prefix('|') {
        path = escaped;
    } else if let Some((bare, query)) = path.split_once('?') {
        path = bare;
        for pair in query.split('&') {
            if let Some(("saltenv", env)) = pair.split_once('=') {
                saltenv = Some(env.to_owned());
            }
        }
    }
    let path = normalize_path(path)?;
    if let Some(env) = &saltenv {
        validate_saltenv(env)?;
    }
    Ok((path, saltenv))
}

/// Builds `salt://path` or `salt://path?saltenv=env` (`salt.utils.url.create`).
pub fn create_salt_url(path: &str, saltenv: Option<&str>) -> String {
    match saltenv {
        Some(env) if !env.is_empty() => format!("{SCHEME}{path}?saltenv={env}"),
        _ => format!("{SCHEME}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> (String, Option<String>) {
        parse_salt_url(url).unwrap()
    }

    #[test]
    fn saltenv_is_selected_by_the_query() {
        assert_eq!(parsed("salt://a/b.conf"), ("a/b.conf".into(), None));
        assert_eq!(
            parsed("salt://a/b?saltenv=dev"),
            ("a/b".into(), Some("dev".into()))
        );
        assert_eq!(parsed("salt://a?env=dev"), ("a".into(), None));
        assert_eq!(
            parsed("salt://a?foo=1&saltenv=dev"),
            ("a".into(), Some("dev".into()))
        );
        assert_eq!(parsed("salt://a?foo=1"), ("a".into(), None));
        assert_eq!(
            parsed("salt://|a?b?saltenv=dev"),
            ("a?b".into(), Some("dev".into()))
        );
        assert_eq!(parsed("salt://./a//b"), ("a/b".into(), None));
    }

    #[test]
    fn hostile_urls_are_refused() {
        assert!(matches!(
            parse_salt_url("/etc/passwd"),
            Err(FileServerError::UnsupportedUrl(_))
        ));
        assert!(matches!(
            parse_salt_url("salt:///etc/passwd"),
            Err(FileServerError::AbsolutePath(_))
        ));
        assert!(matches!(
            parse_salt_url("salt://a/../../x"),
            Err(FileServerError::ParentDir(_))
        ));
        assert!(matches!(
            parse_salt_url("salt://"),
            Err(FileServerError::EmptyPath)
        ));
        assert!(matches!(
            parse_salt_url("salt://a?saltenv=../x"),
            Err(FileServerError::BadSaltenv(..))
        ));
        assert!(matches!(
            parse_salt_url("salt://a?saltenv="),
            Err(FileServerError::BadSaltenv(..))
        ));
        assert_eq!(parsed("salt://%2e%2e/x").0, "%2e%2e/x");
    }

    #[test]
    fn create_round_trips() {
        let url = create_salt_url("a/b", Some("dev"));
        assert_eq!(url, "salt://a/b?saltenv=dev");
        assert_eq!(parsed(&url), ("a/b".into(), Some("dev".into())));
        assert_eq!(create_salt_url("a", None), "salt://a");
    }
}

//! Template names: Salt's rules for `import`/`include` paths.
//!
//! A name is relative to the saltenv root, except that `./x` and `../x`
//! are relative to the importing template (`SaltCacheLoader.get_source`).
//! Names that would leave the root (`..` above it) or are absolute are
//! refused, as Salt refuses to ascend outside of `salt://`.

/// Joins `name` onto the directory of `parent` when `name` is relative
/// (`./`, `../`); other names are already root-relative.
pub fn join(name: &str, parent: &str) -> String {
    if !(name.starts_with("./") || name.starts_with("../")) {
        return name.to_owned();
    }
    let mut parts: Vec<&str> = parent.split('/').collect();
    parts.pop();
    let mut escaped = false;
    for segment in name.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            other => parts.push(other),
        }
    }
    if escaped {
        // Keep the name as written: `normalize` refuses it, and the error
        // names it as Salt does.
        return name.to_owned();
    }
    parts.join("/")
}

/// The root-relative path for `name`, or `None` when it is absolute or
/// climbs above the root.
pub fn normalize(name: &str) -> Option<String> {
    let name = name.strip_prefix("salt://").unwrap_or(name);
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in name.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_join_the_parent_dir() {
        assert_eq!(join("./map.jinja", "nginx/init.sls"), "nginx/map.jinja");
        assert_eq!(
            join("../common/x.jinja", "nginx/sub/a.sls"),
            "nginx/common/x.jinja"
        );
        assert_eq!(join("nginx/map.jinja", "other/init.sls"), "nginx/map.jinja");
        assert_eq!(normalize(&join("../../x", "a/b.sls")), None);
        assert_eq!(join("../../x", "a/b.sls"), "../../x");
    }

    #[test]
    fn escaping_and_absolute_names_are_refused() {
        assert_eq!(normalize("/etc/passwd"), None);
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/../../x"), None);
        assert_eq!(normalize("salt://a/./b"), Some("a/b".to_owned()));
    }
}

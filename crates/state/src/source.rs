//! The seam between rendering and the state compiler: an [`SlsSource`]
//! turns an SLS name into data. `halite-render` (Jinja + YAML) implements
//! it; [`DirSource`] reads plain YAML files, for tests and for minions
//! whose states use no templating.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::StateError;

/// One rendered SLS file.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedSls {
    /// The data the file rendered to (a map for a valid SLS), key order kept.
    pub data: Value,
    /// Whether the file was `<name>/init.sls`: relative includes (`.foo`)
    /// then resolve against `<name>` itself, as in Salt.
    pub is_package: bool,
}

/// Where SLS files and top files come from, already rendered to data.
pub trait SlsSource {
    /// The saltenvs that exist (Salt's `file_roots` keys), `base` first.
    fn saltenvs(&self) -> Vec<String>;
    /// Every SLS name available in `saltenv` (dotted, `a.b`; a package
    /// `a/init.sls` is `a`), used to expand globs in includes and top files.
    fn list_sls(&self, saltenv: &str) -> Vec<String>;
    /// Renders SLS `sls` (dotted, e.g. `nginx.config`) in `saltenv`.
    /// `Ok(None)` when no such file exists; an error names file and line.
    fn render(&self, saltenv: &str, sls: &str) -> Result<Option<RenderedSls>, StateError>;
    /// The rendered `top.sls` of `saltenv`, `Ok(None)` when it has none.
    fn top(&self, saltenv: &str) -> Result<Option<Value>, StateError>;
}

/// Plain YAML SLS files under one or more roots per saltenv, resolved the
/// way Salt does: `a.b` is `<root>/a/b.sls`, else `<root>/a/b/init.sls`;
/// the first root holding the file wins.
#[derive(Debug, Clone, Default)]
pub struct DirSource {
    roots: Vec<(String, Vec<PathBuf>)>,
}

impl DirSource {
    /// A source with `root` as the only directory of saltenv `base`.
    pub fn single(root: impl Into<PathBuf>) -> DirSource {
        DirSource {
            roots: vec![("base".to_owned(), vec![root.into()])],
        }
    }

    /// A source from Salt's `file_roots` option (`{saltenv: [dirs]}`);
    /// `/srv/salt` for `base` when the option is missing.
    pub fn from_file_roots(file_roots: Option<&Value>) -> DirSource {
        let mut roots = Vec::new();
        if let Some(Value::Object(map)) = file_roots {
            for (env, dirs) in map {
                let dirs = match dirs {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(PathBuf::from)
                        .collect(),
                    Value::String(dir) => vec![PathBuf::from(dir)],
                    _ => Vec::new(),
                };
                roots.push((env.clone(), dirs));
            }
        }
        if roots.is_empty() {
            roots.push(("base".to_owned(), vec![PathBuf::from("/srv/salt")]));
        }
        DirSource { roots }
    }

    /// Adds `dir` as a root of `saltenv` (after the existing ones).
    pub fn add_root(&mut self, saltenv: &str, dir: impl Into<PathBuf>) {
        match self.roots.iter_mut().find(|(env, _)| env == saltenv) {
            Some((_, dirs)) => dirs.push(dir.into()),
            None => self.roots.push((saltenv.to_owned(), vec![dir.into()])),
        }
    }

    fn dirs(&self, saltenv: &str) -> &[PathBuf] {
        self.roots
            .iter()
            .find(|(env, _)| env == saltenv)
            .map_or(&[], |(_, dirs)| dirs.as_slice())
    }

    fn find(&self, saltenv: &str, sls: &str) -> Option<(PathBuf, bool)> {
        // Salt refuses names that climb out of the root; so do we.
        if sls.is_empty() || sls.split('.').any(|part| part.is_empty()) || sls.contains('/') {
            return None;
        }
        let rel = sls.replace('.', "/");
        for dir in self.dirs(saltenv) {
            let file = dir.join(format!("{rel}.sls"));
            if file.is_file() {
                return Some((file, false));
            }
            let init = dir.join(&rel).join("init.sls");
            if init.is_file() {
                return Some((init, true));
            }
        }
        None
    }
}

fn load_yaml(path: &Path, saltenv: &str, sls: &str) -> Result<Value, StateError> {
    let text = std::fs::read_to_string(path).map_err(|err| StateError::Render {
        saltenv: saltenv.to_owned(),
        sls: sls.to_owned(),
        message: format!("{}: {err}", path.display()),
    })?;
    halite_yaml::from_str_named(&text, &path.display().to_string()).map_err(|err| {
        StateError::Render {
            saltenv: saltenv.to_owned(),
            sls: sls.to_owned(),
            message: err.to_string(),
        }
    })
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let dotted = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        if path.is_dir() {
            walk(&path, &dotted, out);
        } else if let Some(stem) = name.strip_suffix(".sls") {
            if stem == "init" {
                if !prefix.is_empty() {
                    out.insert(prefix.to_owned());
                }
            } else if stem != "top" || !prefix.is_empty() {
                let dotted = if prefix.is_empty() {
                    stem.to_owned()
                } else {
                    format!("{prefix}.{stem}")
                };
                out.insert(dotted);
            }
        }
    }
}

impl SlsSource for DirSource {
    fn saltenvs(&self) -> Vec<String> {
        let mut envs: Vec<String> = self.roots.iter().map(|(env, _)| env.clone()).collect();
        // Salt lists base first, then the others in config order.
        if let Some(pos) = envs.iter().position(|e| e == "base") {
            let base = envs.remove(pos);
            envs.insert(0, base);
        }
        envs
    }

    fn list_sls(&self, saltenv: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        for dir in self.dirs(saltenv) {
            walk(dir, "", &mut out);
        }
        out.into_iter().collect()
    }

    fn render(&self, saltenv: &str, sls: &str) -> Result<Option<RenderedSls>, StateError> {
        let Some((path, is_package)) = self.find(saltenv, sls) else {
            return Ok(None);
        };
        Ok(Some(RenderedSls {
            data: load_yaml(&path, saltenv, sls)?,
            is_package,
        }))
    }

    fn top(&self, saltenv: &str) -> Result<Option<Value>, StateError> {
        for dir in self.dirs(saltenv) {
            let file = dir.join("top.sls");
            if file.is_file() {
                return load_yaml(&file, saltenv, "top")
                    .map(Some)
                    .map_err(|e| StateError::Top(e.to_string()));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_files_and_packages_like_salt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("nginx")).unwrap();
        std::fs::write(dir.path().join("nginx/init.sls"), "a:\n  test.nop: []\n").unwrap();
        std::fs::write(dir.path().join("nginx/config.sls"), "b: test.nop\n").unwrap();
        std::fs::write(dir.path().join("top.sls"), "base:\n  '*': [nginx]\n").unwrap();
        let src = DirSource::single(dir.path());
        let pkg = src.render("base", "nginx").unwrap().unwrap();
        assert!(pkg.is_package);
        assert_eq!(pkg.data, json!({"a": {"test.nop": []}}));
        let file = src.render("base", "nginx.config").unwrap().unwrap();
        assert!(!file.is_package);
        assert_eq!(src.render("base", "missing").unwrap(), None);
        assert_eq!(src.render("base", "..etc").unwrap(), None);
        assert_eq!(src.list_sls("base"), vec!["nginx", "nginx.config"]);
        assert_eq!(
            src.top("base").unwrap(),
            Some(json!({"base": {"*": ["nginx"]}}))
        );
        assert_eq!(src.top("dev").unwrap(), None);
    }

    #[test]
    fn yaml_errors_name_the_sls() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.sls"), "a: [\n").unwrap();
        let err = DirSource::single(dir.path())
            .render("base", "bad")
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Rendering SLS 'base:bad' failed: "),
            "{err}"
        );
    }
}

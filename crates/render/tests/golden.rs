//! Differential tests: every SLS file of `tests/corpus/states` rendered by
//! this crate must give exactly what Salt 3007 rendered for it
//! (`tests/corpus/golden`, made by `tests/gen_golden.py`), key order
//! included; for files Salt fails on, the same kind of error at the same
//! line.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::TestModules;

use halite_render::{DirSource, RenderContext, Renderer};
use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn renderer() -> Renderer {
    Renderer::new(
        Arc::new(DirSource::new(corpus().join("states"))),
        Arc::new(TestModules),
    )
}

fn context(sls: &str) -> RenderContext {
    RenderContext {
        grains: read_json(&corpus().join("grains.json")),
        pillar: read_json(&corpus().join("pillar.json")),
        opts: serde_json::json!({"id": "web1", "file_client": "local"}),
        saltenv: "base".to_owned(),
        sls: sls.to_owned(),
        extra: serde_json::Map::new(),
    }
}

/// The last `line N` in a message (PyYAML puts the problem's mark last).
fn last_line_number(message: &str) -> Option<usize> {
    let re = regex::Regex::new(r"line (\d+)").ok()?;
    re.captures_iter(message)
        .last()
        .and_then(|c| c[1].parse().ok())
}

#[test]
fn corpus_renders_like_salt() {
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(corpus().join("golden"))
        .expect("golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    goldens.sort();
    assert!(
        goldens.len() >= 15,
        "the corpus has {} goldens",
        goldens.len()
    );
    let renderer = renderer();
    let mut failures = Vec::new();
    for golden in &goldens {
        let want = read_json(golden);
        let sls = want["sls"].as_str().expect("sls");
        let path = want["path"].as_str().expect("path");
        let got = renderer.render_sls(path, &context(sls));
        match (&want.get("data"), got) {
            (Some(data), Ok(got)) => {
                let (w, g) = (
                    serde_json::to_string_pretty(data).unwrap_or_default(),
                    serde_json::to_string_pretty(&got).unwrap_or_default(),
                );
                if w != g {
                    failures.push(format!(
                        "{sls}: data differs\n--- salt\n{w}\n--- halite\n{g}"
                    ));
                }
            }
            (Some(_), Err(e)) => failures.push(format!("{sls}: salt rendered it, we failed: {e}")),
            (None, Ok(got)) => failures.push(format!("{sls}: salt failed, we rendered {got}")),
            (None, Err(e)) => {
                let want_msg = want["error"].as_str().unwrap_or_default();
                let got_msg = e.to_string();
                let want_first = want_msg.lines().next().unwrap_or_default();
                let got_first = got_msg.lines().next().unwrap_or_default();
                let same = if want_first.contains("Jinja variable") {
                    want_first == got_first
                } else if want_first.contains("Jinja") {
                    // minijinja words syntax errors its own way: same kind, same line.
                    let kind = |m: &str| m.split(": ").nth(1).map(str::to_owned);
                    let line = |m: &str| m.rsplit_once("; line ").map(|(_, l)| l.to_owned());
                    if want_first.contains("Jinja syntax error") {
                        kind(want_first) == kind(got_first) && line(want_first) == line(got_first)
                    } else {
                        // Salt's generic "Jinja error" puts the line after its traceback.
                        got_first.split("; line ").next() == Some(want_first)
                    }
                } else {
                    got_first.starts_with(&format!("Rendering SLS 'base:{sls}' failed: "))
                        && last_line_number(want_msg) == last_line_number(&got_msg)
                };
                if !same {
                    failures.push(format!(
                        "{sls}: error differs\n--- salt\n{want_msg}\n--- halite\n{got_msg}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n\n{}",
        failures.len(),
        goldens.len(),
        failures.join("\n\n")
    );
}

/// One-line templates (`tests/corpus/snippets.json`) rendered as text, as
/// `file.managed template=jinja` renders: same output, or both fail.
#[test]
fn snippets_render_like_salt() {
    let goldens = read_json(&corpus().join("golden/_snippets.json"));
    let goldens = goldens.as_array().expect("list");
    assert!(goldens.len() >= 80);
    let renderer = renderer();
    let mut failures = Vec::new();
    for case in goldens {
        let template = case["template"].as_str().expect("template");
        let got = renderer.render_jinja("_snippet.sls", template, &context("_snippet"));
        match (case.get("output").and_then(Value::as_str), got) {
            (Some(want), Ok(got)) if want == got => {}
            (Some(want), Ok(got)) => failures.push(format!(
                "{template:?}\n  salt:   {want:?}\n  halite: {got:?}"
            )),
            (Some(want), Err(e)) => failures.push(format!(
                "{template:?}\n  salt:   {want:?}\n  halite error: {e}"
            )),
            (None, Ok(got)) => failures.push(format!(
                "{template:?}\n  salt error: {}\n  halite: {got:?}",
                case["error"]
            )),
            (None, Err(e)) => {
                // Undefined values have Salt's exact words; other errors
                // only the same kind (minijinja words them its own way).
                let want = case["error"].as_str().unwrap_or_default();
                let got = e.to_string();
                let got = got.lines().next().unwrap_or_default();
                let kind = |m: &str| m.split([':', ' ']).take(2).collect::<Vec<_>>().join(" ");
                let same = if want.starts_with("Jinja variable") {
                    want == got
                } else {
                    kind(want) == kind(got)
                };
                if !same {
                    failures.push(format!(
                        "{template:?}\n  salt error:   {want}\n  halite error: {got}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        goldens.len(),
        failures.join("\n")
    );
}

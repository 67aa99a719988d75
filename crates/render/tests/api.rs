//! The public API on real files in temp dirs: contexts, options, errors,
//! the loader's refusals, and Python semantics the corpus does not pin.

mod common;

use std::sync::Arc;

use common::TestModules;

use halite_render::{DirSource, NoFunctions, RenderContext, RenderErrorKind, Renderer};
use serde_json::json;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    dir
}

fn ctx(sls: &str) -> RenderContext {
    RenderContext {
        grains: json!({"id": "m1", "os_family": "Debian", "roles": ["a"]}),
        pillar: json!({"p": {"q": 1}}),
        opts: json!({}),
        saltenv: "base".into(),
        sls: sls.into(),
        extra: serde_json::Map::new(),
    }
}

fn renderer(dir: &tempfile::TempDir) -> Renderer {
    Renderer::new(Arc::new(DirSource::new(dir.path())), Arc::new(TestModules))
}

#[test]
fn file_templates_get_extra_context_python_values_and_keep_the_newline() {
    let dir = tree(&[]);
    let mut c = ctx("");
    c.extra.insert("port".into(), json!(8080));
    let out = renderer(&dir)
        .render_jinja("t.conf", "port={{ port }} {{ [1, 'a', True, None] }} {{ {'k': 1.5} }} {{ 1e20 }} {{ grains.id }}\n", &c)
        .expect("renders");
    assert_eq!(out, "port=8080 [1, 'a', True, None] {'k': 1.5} 1e+20 m1\n");
}

#[test]
fn strict_undefined_fails_with_the_line_and_allow_undefined_renders_empty() {
    let dir = tree(&[]);
    let err = renderer(&dir)
        .render_jinja("t", "a\nb {{ nope }}\n", &ctx(""))
        .expect_err("strict");
    assert_eq!(err.kind, RenderErrorKind::Undefined);
    assert_eq!(err.line, Some(2));
    assert_eq!(err.salt_message(), "Jinja variable 'nope' is undefined");
    let mut c = ctx("");
    c.opts = json!({"allow_undefined": true});
    assert_eq!(
        renderer(&dir)
            .render_jinja("t", "a{{ nope }}b\n", &c)
            .expect("lenient"),
        "ab\n"
    );
}

#[test]
fn errors_in_an_imported_map_name_that_file_and_line() {
    let dir = tree(&[
        (
            "app/map.jinja",
            "{% set ok = 1 %}\n{% set v = grains.nope.deeper %}\n",
        ),
        (
            "app/init.sls",
            "{% from 'app/map.jinja' import v %}\na: {{ v }}\n",
        ),
    ]);
    let err = renderer(&dir)
        .render_sls("app/init.sls", &ctx("app"))
        .expect_err("fails");
    assert_eq!(err.file, "app/map.jinja");
    assert_eq!(err.line, Some(2));
    assert!(err.imported);
    let text = err.to_string();
    assert!(
        text.starts_with("Rendering SLS 'base:app' failed: Jinja variable 'dict object' has no attribute 'nope'\napp/map.jinja(2):\n---\n"),
        "{text}"
    );
    assert!(
        text.contains("{% set v = grains.nope.deeper %}    <======================"),
        "{text}"
    );
}

#[test]
fn yaml_errors_name_the_sls_and_line() {
    let dir = tree(&[("bad.sls", "a:\n  b: 1\n c: 2\n")]);
    let err = renderer(&dir)
        .render_sls("bad.sls", &ctx("bad"))
        .expect_err("bad yaml");
    assert_eq!(err.kind, RenderErrorKind::Yaml);
    assert_eq!(err.line, Some(3));
    assert!(
        err.to_string()
            .starts_with("Rendering SLS 'base:bad' failed: "),
        "{err}"
    );
}

#[test]
fn failing_functions_are_salt_function_problems() {
    let dir = tree(&[(
        "f.sls",
        "a: {{ salt['file.read']('/nonexistent/halite-render-test') }}\n",
    )]);
    let err = renderer(&dir)
        .render_sls("f.sls", &ctx("f"))
        .expect_err("fails");
    assert_eq!(err.kind, RenderErrorKind::Function);
    assert!(
        err.to_string()
            .contains("Problem running salt function in Jinja template: "),
        "{err}"
    );
    assert_eq!(err.line, Some(1));
}

#[test]
fn unknown_functions_are_undefined_like_in_salt() {
    let dir = tree(&[("f.sls", "a: {{ salt['x.y']() }}\n")]);
    let r = Renderer::new(Arc::new(DirSource::new(dir.path())), Arc::new(NoFunctions));
    let err = r.render_sls("f.sls", &ctx("f")).expect_err("fails");
    assert_eq!(
        err.salt_message(),
        "Jinja variable 'salt.utils.templates.AliasedLoader object' has no attribute 'x.y'"
    );
    // Built-in functions work without a caller.
    let dir = tree(&[("g.sls", "a: {{ salt['pillar.get']('p:q') }}\n")]);
    let r = Renderer::new(Arc::new(DirSource::new(dir.path())), Arc::new(NoFunctions));
    assert_eq!(
        r.render_sls("g.sls", &ctx("g")).expect("renders"),
        json!({"a": 1})
    );
}

#[test]
fn the_loader_refuses_absolute_and_escaping_paths() {
    let outer = tree(&[
        ("secret.jinja", "{% set s = 'leaked' %}\n"),
        ("root/ok.jinja", "{% set s = 'fine' %}\n"),
    ]);
    let root = outer.path().join("root");
    let r = Renderer::new(Arc::new(DirSource::new(&root)), Arc::new(NoFunctions));
    let absolute = format!(
        "{{% include '{}' %}}\n",
        outer.path().join("secret.jinja").display()
    );
    for text in [
        absolute.as_str(),
        "{% from '../secret.jinja' import s %}{{ s }}\n",
        "{% from './../secret.jinja' import s %}{{ s }}\n",
    ] {
        let err = r
            .render_jinja("top.sls", text, &ctx("top"))
            .expect_err(text);
        assert_eq!(err.kind, RenderErrorKind::Jinja, "{text}: {err}");
    }
    assert_eq!(
        r.render_jinja(
            "x/y.sls",
            "{% from '../ok.jinja' import s %}{{ s }}",
            &ctx("x.y")
        )
        .expect("inside root"),
        "fine"
    );
}

#[test]
fn unknown_renderers_are_refused_and_empty_files_are_empty_dicts() {
    let dir = tree(&[("m.sls", "#!mako|yaml\na: 1\n"), ("e.sls", "\n  \n")]);
    let err = renderer(&dir)
        .render_sls("m.sls", &ctx("m"))
        .expect_err("no mako");
    assert_eq!(err.kind, RenderErrorKind::UnknownRenderer);
    assert_eq!(
        renderer(&dir)
            .render_sls("e.sls", &ctx("e"))
            .expect("empty"),
        json!({})
    );
    let err = renderer(&dir)
        .render_sls("absent.sls", &ctx("absent"))
        .expect_err("absent");
    assert_eq!(err.kind, RenderErrorKind::Source);
}

#[test]
fn mutable_values_are_shared_like_python_objects() {
    let dir = tree(&[]);
    let text = "{% set a = [] %}{% set b = a %}{% do b.append(1) %}\
                {% set d = {'l': a} %}{% do d.l.append(2) %}\
                {% set g = grains.roles %}{% do g.append('b') %}\
                {{ a }} {{ grains.roles }} {{ d }}";
    assert_eq!(
        renderer(&dir)
            .render_jinja("t", text, &ctx(""))
            .expect("renders"),
        "[1, 2] ['a', 'b'] {'l': [1, 2]}"
    );
}

#[test]
fn dir_source_can_serve_one_dir_per_saltenv() {
    let dir = tree(&[("dev/x.sls", "env: {{ saltenv }}\n")]);
    let source = DirSource {
        root: dir.path().to_owned(),
        per_saltenv: true,
    };
    let r = Renderer::new(Arc::new(source), Arc::new(NoFunctions));
    let mut c = ctx("x");
    c.saltenv = "dev".into();
    assert_eq!(
        r.render_sls("x.sls", &c).expect("renders"),
        json!({"env": "dev"})
    );
}

#[test]
fn jinja_options_come_from_opts_and_the_header() {
    let dir = tree(&[]);
    let text = "{% if true %}\n  x\n{% endif %}\n";
    assert_eq!(
        renderer(&dir)
            .render_jinja("t", text, &ctx(""))
            .expect("plain"),
        "\n  x\n\n"
    );
    let mut c = ctx("");
    c.opts = json!({"jinja_env": {"trim_blocks": true, "lstrip_blocks": true}});
    assert_eq!(
        renderer(&dir).render_jinja("t", text, &c).expect("trimmed"),
        "  x\n\n"
    );
    // Jinja2 gives "  x\n" and Salt appends the final newline again.
    // jinja_env is for templates, jinja_sls_env for SLS files.
    c.sls = "s".into();
    assert_eq!(
        renderer(&dir).render_jinja("t", text, &c).expect("sls"),
        "\n  x\n\n"
    );
    let with_header = format!("#jinja2: {{\"trim_blocks\": true}}\n{text}");
    assert_eq!(
        renderer(&dir)
            .render_jinja("t", &with_header, &ctx(""))
            .expect("header"),
        "  x\n\n"
    );
}

#[test]
fn sls_names_resolve_to_files_like_salt() {
    let dir = tree(&[
        ("a/b.sls", "x: 1\n"),
        ("a/b/init.sls", "x: 2\n"),
        ("c/init.sls", "x: 3\n"),
    ]);
    let r = renderer(&dir);
    assert_eq!(
        r.find_sls("base", "a.b").expect("read").as_deref(),
        Some("a/b.sls")
    );
    assert_eq!(
        r.find_sls("base", "c").expect("read").as_deref(),
        Some("c/init.sls")
    );
    assert_eq!(r.find_sls("base", "nope").expect("read"), None);
}

#[test]
fn containers_holding_themselves_do_not_loop() {
    let dir = tree(&[]);
    let text = "{% set l = [1] %}{% do l.append(l) %}{% do l.append(l) %}{% set d = {} %}{% do d.update({'me': d}) %}\
                {{ l }} {{ d }} {{ l | json }} {{ salt['defaults.deepcopy'](l) | length }}";
    let out = renderer(&dir)
        .render_jinja("t", text, &ctx(""))
        .expect("renders");
    assert_eq!(
        out,
        "[1, [...], [...]] {'me': {...}} [1, \"[...]\", \"[...]\"] 3"
    );
}

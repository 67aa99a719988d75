//! Compares every outputter with Salt 3007's own, over the corpus in
//! `tests/golden/` (produced by `tests/gen_golden.py`, see there for the
//! file layout): `static.<variant>.out` is what `salt --static` prints,
//! `stream.<variant>.out` what `salt` prints as returns arrive.

use std::fs;
use std::path::{Path, PathBuf};

use halite_output::{
    HighstateOptions, OutputIndent, OutputOptions, StateOutput, Tabular, display, render_minion,
    render_static, select, select_static,
};
use serde_json::Value;

/// The CLI options behind a variant name: `--out` and the settings. Must
/// agree with `VARIANTS` in `gen_golden.py`.
fn variant(name: &str) -> (Option<&'static str>, OutputOptions) {
    let base = OutputOptions::default();
    match name {
        "default" => (None, base),
        "default.color" => (
            None,
            OutputOptions {
                color: true,
                ..base
            },
        ),
        "nested.indent2" => (
            Some("nested"),
            OutputOptions {
                nested_indent: 2,
                ..base
            },
        ),
        "json" => (Some("json"), base),
        "json.indent2" => (
            Some("json"),
            OutputOptions {
                indent: OutputIndent::Spaces(2),
                ..base
            },
        ),
        "json.indent0" => (
            Some("json"),
            OutputOptions {
                indent: OutputIndent::Spaces(0),
                ..base
            },
        ),
        "json.oneline" => (
            Some("json"),
            OutputOptions {
                indent: OutputIndent::Spaces(-1),
                ..base
            },
        ),
        "json.null" => (
            Some("json"),
            OutputOptions {
                indent: OutputIndent::Null,
                ..base
            },
        ),
        "json.pretty" => (
            Some("json"),
            OutputOptions {
                indent: OutputIndent::Pretty,
                ..base
            },
        ),
        "yaml" => (Some("yaml"), base),
        "yaml.indent4" => (
            Some("yaml"),
            OutputOptions {
                indent: OutputIndent::Spaces(4),
                ..base
            },
        ),
        "yaml.flow" => (
            Some("yaml"),
            OutputOptions {
                indent: OutputIndent::Spaces(-1),
                ..base
            },
        ),
        "txt" => (Some("txt"), base),
        "text" => (Some("text"), base),
        "raw" => (Some("raw"), base),
        "quiet" => (Some("quiet"), base),
        "no_return" => (Some("no_return"), base),
        "bogus" => (Some("bogus"), base),
        state if state.starts_with("hs.") => (None, state_variant(state)),
        other => {
            panic!("golden file for unknown variant {other:?}: add it here and in gen_golden.py")
        }
    }
}

/// The custom `state_tabular` of the `hs.custom` variant (as in
/// `gen_golden.py`).
const CUSTOM_TABULAR: &str = "{0}{6[__run_num__]:>3} {2:>8}.{3:<9}|{4:^9}|{1!r:.20} {6[start_time]} {6[duration]!s:>9}{{ms}}{5}";

/// The `state_*` settings behind a `hs.` variant: dot-separated words.
/// Must agree with `STATE_VARIANTS` in `gen_golden.py`.
fn state_variant(name: &str) -> OutputOptions {
    let mut opts = OutputOptions::default();
    let hs = &mut opts.highstate;
    for word in name.split('.').skip(1) {
        match word {
            "default" => {}
            "color" => opts.color = true,
            "full_id" | "terse" | "terse_id" | "mixed" | "mixed_id" | "changes" | "changes_id" => {
                hs.state_output = StateOutput::parse(word)
            }
            "quiet_success" => hs.verbose = false,
            "tabular" => {
                hs.state_output = StateOutput::parse("terse");
                hs.tabular = Tabular::Aligned;
            }
            "diff" => hs.output_diff = true,
            "no_profile" => hs.output_profile = false,
            "pct" => hs.output_pct = true,
            "compress" => {
                hs.compress_ids = true;
                hs.state_output = StateOutput::parse("terse_id");
            }
            "full" => hs.state_output = StateOutput::parse("full"),
            "custom" => {
                hs.state_output = StateOutput::parse("terse");
                hs.tabular = Tabular::Custom(CUSTOM_TABULAR.to_owned());
            }
            "filter" => {
                *hs = HighstateOptions {
                    state_output: StateOutput::parse("filter"),
                    exclude: vec!["True".to_owned()],
                    terse: vec!["None".to_owned()],
                    ..HighstateOptions::default()
                }
            }
            other => panic!("unknown highstate variant word {other:?} in {name:?}"),
        }
    }
    opts
}

struct Case {
    fun: String,
    data: Value,
    retcodes: Value,
    outs: Value,
}

fn load_case(dir: &Path) -> Case {
    let text = fs::read_to_string(dir.join("input.json")).expect("read input.json");
    let mut input: Value = serde_json::from_str(&text).expect("parse input.json");
    Case {
        fun: input["fun"].as_str().unwrap_or("test.ping").to_owned(),
        data: input["data"].take(),
        retcodes: input["retcodes"].take(),
        outs: input["outs"].take(),
    }
}

/// What `salt` prints for the case under `mode` (`static`/`stream`).
fn render(case: &Case, mode: &str, variant_name: &str) -> String {
    let (cli_out, opts) = variant(variant_name);
    match mode {
        "static" => {
            let chosen = select_static(cli_out, &case.fun);
            match &case.data {
                Value::Object(returns) => render_static(chosen.outputter, returns, &opts),
                other => display(chosen.outputter, other, &opts, 0),
            }
        }
        "stream" => {
            let Value::Object(returns) = &case.data else {
                panic!("stream golden for a non-dict case")
            };
            let mut printed = String::new();
            for (minion, ret) in returns {
                let chosen = select(cli_out, case.outs[minion].as_str());
                let retcode = case.retcodes[minion].as_i64().unwrap_or(0) as i32;
                printed.push_str(&render_minion(
                    chosen.outputter,
                    minion,
                    ret,
                    retcode,
                    &opts,
                ));
            }
            printed
        }
        other => panic!("unknown golden mode {other:?}"),
    }
}

fn golden_files() -> Vec<(PathBuf, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files = Vec::new();
    for case_dir in fs::read_dir(&root).expect("read tests/golden") {
        let case_dir = case_dir.expect("list tests/golden").path();
        for file in fs::read_dir(&case_dir).expect("list a golden case") {
            let path = file.expect("list a golden case").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let Some(stem) = name.strip_suffix(".out") else {
                continue;
            };
            let (mode, variant_name) = stem
                .split_once('.')
                .expect("golden name is <mode>.<variant>.out");
            files.push((path.clone(), mode.to_owned(), variant_name.to_owned()));
        }
    }
    files.sort();
    files
}

/// Renders every golden whose variant `wanted` accepts and returns how many
/// were checked; panics listing every mismatch.
fn check_goldens(wanted: impl Fn(&str) -> bool) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, mode, variant_name) in golden_files() {
        if !wanted(&variant_name) {
            continue;
        }
        let case = load_case(path.parent().expect("golden file has a case dir"));
        let expected = fs::read_to_string(&path).expect("read golden file");
        let actual = render(&case, &mode, &variant_name);
        checked += 1;
        if actual != expected {
            let first_diff = expected
                .split_inclusive('\n')
                .zip(actual.split_inclusive('\n'))
                .find(|(e, a)| e != a)
                .map(|(e, a)| format!("\n    salt:   {e:?}\n    halite: {a:?}"))
                .unwrap_or_else(|| {
                    format!(
                        "\n    lengths differ: salt {} bytes, halite {} bytes",
                        expected.len(),
                        actual.len()
                    )
                });
            failures.push(format!("{}{first_diff}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} goldens differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn nested_json_txt_raw_quiet_match_salt() {
    let checked = check_goldens(|v| !v.starts_with("yaml") && !v.starts_with("hs."));
    assert!(checked > 300, "only {checked} golden files found");
}

#[test]
fn yaml_matches_salt() {
    let checked = check_goldens(|v| v.starts_with("yaml"));
    assert!(checked > 40, "only {checked} yaml golden files found");
}

#[test]
fn highstate_matches_salt() {
    let checked = check_goldens(|v| v.starts_with("hs."));
    assert!(checked > 300, "only {checked} highstate golden files found");
}

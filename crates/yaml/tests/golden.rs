//! The loader and the dumper against goldens written by Salt itself
//! (`tests/gen_golden.py` runs `salt.utils.yaml` on the same inputs).
//!
//! Each test walks every case and reports all mismatches at once, so one
//! run shows the whole picture.

use std::fs;
use std::path::{Path, PathBuf};

use halite_yaml::{DumpOptions, Value};
use serde_json::Map;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn corpus() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(tests_dir().join("corpus"))
        .expect("corpus directory")
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "corpus went missing: {} cases",
        cases.len()
    );
    cases
}

/// Values compare with key order, which `Value`'s `==` ignores.
fn same(a: &Value, b: &Value) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

#[test]
fn corpus_loads_as_salt_loads_it() {
    let mut failures = Vec::new();
    for yaml in corpus() {
        let name = yaml
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let expected: Value =
            serde_json::from_str(&read(&yaml.with_extension("json"))).expect("golden json");
        let got = halite_yaml::from_str_named(&read(&yaml), &name);
        if name.starts_with("err_") {
            let want_line = expected["error"]["line"].as_u64();
            match got {
                Ok(value) => failures.push(format!(
                    "{name}: loaded {value}, Salt fails with {}",
                    expected["error"]
                )),
                Err(err) => {
                    if let Some(line) = want_line
                        && err.line() as u64 != line
                    {
                        failures.push(format!(
                            "{name}: error on line {}, Salt says line {line}: {err}",
                            err.line()
                        ));
                    }
                }
            }
            continue;
        }
        match got {
            Ok(value) if same(&value, &expected) => {}
            Ok(value) => failures.push(format!("{name}:\n  got  {value}\n  want {expected}")),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Salt's constructor errors keep Salt's wording.
#[test]
fn corpus_errors_use_salts_words() {
    let mut failures = Vec::new();
    for yaml in corpus() {
        let name = yaml
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.starts_with("err_") {
            continue;
        }
        let expected: Value =
            serde_json::from_str(&read(&yaml.with_extension("json"))).expect("golden json");
        let problem = expected["error"]["problem"].as_str().unwrap_or_default();
        let is_constructor = expected["error"]["type"] == "ConstructorError";
        if !is_constructor || problem.starts_with("found unacceptable key") {
            continue;
        }
        match halite_yaml::from_str(&read(&yaml)) {
            Ok(_) => failures.push(format!("{name}: loaded")),
            Err(err) if err.kind().to_string() == problem => {}
            Err(err) => failures.push(format!(
                "{name}: '{}' where Salt says '{problem}'",
                err.kind()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_dumps_as_salt_outputter() {
    let mut failures = Vec::new();
    for yaml in corpus() {
        let out = yaml.with_extension("out");
        if !out.exists() {
            continue;
        }
        let expected: Value =
            serde_json::from_str(&read(&yaml.with_extension("json"))).expect("golden json");
        let got = halite_yaml::to_string(&expected, &DumpOptions::salt_outputter());
        let want = read(&out);
        if got != want {
            failures.push(format!(
                "{}:\n--- got\n{got}--- want\n{want}",
                yaml.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The curated values and the random ones, in the goldens' order.
fn dump_inputs() -> Map<String, Value> {
    let dir = tests_dir().join("dump");
    let mut inputs: Map<String, Value> =
        serde_json::from_str(&read(&dir.join("inputs.json"))).expect("inputs");
    let random: Map<String, Value> =
        serde_json::from_str(&read(&dir.join("random.json"))).expect("random inputs");
    assert!(random.len() >= 100);
    inputs.extend(random);
    inputs
}

fn options(spec: &Value) -> DumpOptions {
    let flag = |key: &str| {
        spec[key]
            .as_bool()
            .unwrap_or_else(|| panic!("{key} in {spec}"))
    };
    let number = |key: &str| {
        spec[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {spec}")) as usize
    };
    DumpOptions {
        default_flow_style: spec["default_flow_style"].as_bool(),
        indent: number("indent"),
        sort_keys: flag("sort_keys"),
        width: number("width"),
        allow_unicode: flag("allow_unicode"),
        explicit_start: flag("explicit_start"),
    }
}

/// Splits a `<optset>.out` golden into its `#=== <case>` sections.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("#=== ") {
            out.push((name.trim_end().to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
        }
    }
    out
}

#[test]
fn dumps_match_salt_for_every_option_set() {
    let dir = tests_dir().join("dump");
    let inputs = dump_inputs();
    let optsets: Map<String, Value> =
        serde_json::from_str(&read(&dir.join("optsets.json"))).expect("optsets");
    assert!(optsets.len() >= 8);
    let mut failures = Vec::new();
    for (set, spec) in &optsets {
        let opts = options(spec);
        let expected = sections(&read(&dir.join(format!("{set}.out"))));
        assert_eq!(expected.len(), inputs.len(), "{set}.out is out of date");
        for (case, want) in expected {
            let got = halite_yaml::to_string(&inputs[&case], &opts);
            if got != want {
                failures.push(format!("[{set}] {case}:\n--- got\n{got}--- want\n{want}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn presets_are_salts_option_sets() {
    let optsets: Map<String, Value> =
        serde_json::from_str(&read(&tests_dir().join("dump/optsets.json"))).expect("optsets");
    assert_eq!(
        DumpOptions::salt_outputter(),
        options(&optsets["outputter"])
    );
    assert_eq!(DumpOptions::salt(), options(&optsets["salt_default"]));
    assert_eq!(DumpOptions::default(), options(&optsets["pyyaml_default"]));
}

#[test]
fn dquote_and_encode_match_salt() {
    let golden: Value =
        serde_json::from_str(&read(&tests_dir().join("dump/encode.json"))).expect("encode.json");
    for pair in golden["dquote"].as_array().expect("dquote cases") {
        let input = pair[0].as_str().expect("string input");
        assert_eq!(
            halite_yaml::yaml_dquote(input),
            pair[1].as_str().expect("expected"),
            "yaml_dquote({input:?})"
        );
    }
    for pair in golden["encode"].as_array().expect("encode cases") {
        let got = halite_yaml::yaml_encode(&pair[0]).expect("scalar");
        assert_eq!(
            got,
            pair[1].as_str().expect("expected"),
            "yaml_encode({})",
            pair[0]
        );
    }
}

/// Every dumped golden reads back as the value it was made from: a check
/// of the loader on the trickiest quoting and folding libyaml produces.
/// YAML 1.1 line breaks (NEL, U+2028, U+2029) are left out: saphyr reads
/// them as YAML 1.2 does, as ordinary characters (a documented gap).
#[test]
fn dumps_load_back_to_their_value() {
    let dir = tests_dir().join("dump");
    let inputs = dump_inputs();
    let optsets: Map<String, Value> =
        serde_json::from_str(&read(&dir.join("optsets.json"))).expect("optsets");
    let mut failures = Vec::new();
    for set in optsets.keys() {
        for (case, text) in sections(&read(&dir.join(format!("{set}.out")))) {
            let input = &inputs[&case];
            if input
                .to_string()
                .contains(['\u{85}', '\u{2028}', '\u{2029}'])
            {
                continue;
            }
            match halite_yaml::from_str(&text) {
                Ok(value) if value == *input => {}
                Ok(value) => failures.push(format!("[{set}] {case}: read back {value}\n{text}")),
                Err(err) => failures.push(format!("[{set}] {case}: {err}\n{text}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

//! `test=True` must never change the system: the engine, not the state,
//! decides to predict instead of run. Checked with real commands that
//! would leave a file behind.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use halite_exec::Ctx;
use halite_state::{DirSource, HighStateBuilder, RunSettings, call_high};

fn run(root: &Path, sls: &str, test: bool) -> serde_json::Map<String, Value> {
    let ctx = Ctx::new(Arc::new(json!({})), Arc::new(json!({})), root.to_path_buf());
    let source = DirSource::single(root);
    let mut builder = HighStateBuilder::new(&source);
    let (mut high, errors) = builder.render_highstate(&vec![("base".into(), vec![sls.into()])]);
    assert!(errors.is_empty(), "{errors:?}");
    let settings = RunSettings {
        test,
        ..RunSettings::default()
    };
    call_high(&ctx, &mut high, settings, &builder.processed_sls).unwrap()
}

#[test]
fn test_mode_predicts_and_real_mode_runs() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let prereq_marker = dir.path().join("prereq_ran");
    let sls = format!(
        "make:\n  cmd.run:\n    - name: touch {m}\n    - creates: {m}\n\
         before:\n  cmd.run:\n    - name: touch {p}\n    - prereq:\n      - cmd: make\n",
        m = marker.display(),
        p = prereq_marker.display()
    );
    std::fs::write(dir.path().join("touch.sls"), sls).unwrap();

    let ret = run(dir.path(), "touch", true);
    assert!(
        !marker.exists() && !prereq_marker.exists(),
        "test mode changed the system"
    );
    let make = &ret[&format!("cmd_|-make_|-touch {}_|-run", marker.display())];
    assert_eq!(make["result"], Value::Null);
    assert_eq!(
        make["changes"],
        json!({"cmd": format!("touch {}", marker.display())})
    );

    let ret = run(dir.path(), "touch", false);
    assert!(marker.exists(), "real run did not run the command");
    // The prereq saw `make` predict a change, so it ran first.
    assert!(prereq_marker.exists());
    let before = &ret[&format!("cmd_|-before_|-touch {}_|-run", prereq_marker.display())];
    assert_eq!(before["result"], json!(true));

    // Now `creates` is satisfied: nothing runs, and the prereq sees no
    // change coming.
    std::fs::remove_file(&prereq_marker).unwrap();
    let ret = run(dir.path(), "touch", false);
    let make = &ret[&format!("cmd_|-make_|-touch {}_|-run", marker.display())];
    assert_eq!(
        make["comment"],
        json!(format!("{} exists", marker.display()))
    );
    assert!(!prereq_marker.exists());
    let before = &ret[&format!("cmd_|-before_|-touch {}_|-run", prereq_marker.display())];
    assert_eq!(before["comment"], json!("No changes detected"));
}

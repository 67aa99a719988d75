//! `test` states: controlled successes, failures and changes for testing
//! state runs (Salt's `salt/states/test.py`, same comments and changes).

use serde_json::{Map, Value, json};

use crate::api::{
    Applied, Behaviour, Failure, KeyOrder, Plan, StateArgs, StateCtx, StateFunction, StateModule,
    StateReturn,
};
use crate::error::StateError;

pub static MODULE: StateModule = StateModule {
    name: "test",
    doc: "States that succeed, fail or report changes on demand, for testing state runs.",
    functions: &[
        StateFunction {
            name: "configurable_test_state",
            required: &["name"],
            doc: "A state whose changes (True, False, 'Random'), result (True, False, 'Random'), comment and warnings are given as arguments. In test mode the result is None when there would be changes, unless allow_test_mode_failure and result False.\n\nSLS Example:\n\n    foo:\n      test.configurable_test_state:\n        - changes: True\n        - result: False\n        - comment: bar.baz",
            behaviour: Behaviour::Imperative {
                predict: configurable_predict,
                run: configurable_run,
            },
        },
        StateFunction {
            name: "fail_with_changes",
            required: &["name"],
            doc: "Return a failure with changes.\n\nSLS Example:\n\n    foo:\n      test.fail_with_changes",
            behaviour: Behaviour::CheckApply {
                check: predict_changes_failure,
                apply: fail_with_changes,
            },
        },
        StateFunction {
            name: "fail_without_changes",
            required: &["name"],
            doc: "Return a failure without changes.\n\nSLS Example:\n\n    foo:\n      test.fail_without_changes",
            behaviour: Behaviour::Imperative {
                predict: fail_without_changes_test,
                run: fail_without_changes,
            },
        },
        StateFunction {
            name: "nop",
            required: &["name"],
            doc: "Do nothing and succeed (a placeholder for requisites).\n\nSLS Example:\n\n    foo:\n      test.nop",
            behaviour: Behaviour::CheckApply {
                check: nop_check,
                apply: nothing_to_apply,
            },
        },
        StateFunction {
            name: "show_notification",
            required: &["name"],
            doc: "Succeed without changes and show `text` as the comment.\n\nSLS Example:\n\n    note:\n      test.show_notification:\n        - text: Hello",
            behaviour: Behaviour::CheckApply {
                check: show_notification,
                apply: nothing_to_apply,
            },
        },
        StateFunction {
            name: "succeed_with_changes",
            required: &["name"],
            doc: "Return a success with changes.\n\nSLS Example:\n\n    foo:\n      test.succeed_with_changes",
            behaviour: Behaviour::CheckApply {
                check: predict_changes_success,
                apply: succeed_with_changes,
            },
        },
        StateFunction {
            name: "succeed_without_changes",
            required: &["name"],
            doc: "Return a success without changes.\n\nSLS Example:\n\n    foo:\n      test.succeed_without_changes",
            behaviour: Behaviour::CheckApply {
                check: succeed_without_changes,
                apply: nothing_to_apply,
            },
        },
    ],
    mod_watch: Some(&MOD_WATCH),
};

static MOD_WATCH: StateFunction = StateFunction {
    name: "mod_watch",
    required: &["name"],
    doc: "Fires when a watched state changed: succeeds with changes listing the watched states that changed (`result`, `comment` and `changes` may be overridden).\n\nSLS Example:\n\n    watcher:\n      test.succeed_without_changes:\n        - watch:\n          - test: changer",
    behaviour: Behaviour::Imperative {
        predict: mod_watch,
        run: mod_watch,
    },
};

fn testing_changes() -> Map<String, Value> {
    let mut changes = Map::new();
    changes.insert(
        "testing".into(),
        json!({"old": "Unchanged", "new": "Something pretended to change"}),
    );
    changes
}

fn comment_or(args: &StateArgs, default: &str) -> String {
    args.get("comment")
        .map_or_else(|| default.to_owned(), crate::pystr)
}

fn nop_check(_: &StateCtx, _: &StateArgs) -> Result<Plan, StateError> {
    // Salt's nop ignores a `comment` argument, unlike succeed_without_changes.
    Ok(Plan {
        changes: Map::new(),
        comment: "Success!".into(),
    })
}

fn succeed_without_changes(_: &StateCtx, args: &StateArgs) -> Result<Plan, StateError> {
    Ok(Plan {
        changes: Map::new(),
        comment: comment_or(args, "Success!"),
    })
}

fn nothing_to_apply(_: &StateCtx, _: &StateArgs, plan: Plan) -> Result<Applied, Failure> {
    Ok(Applied {
        changes: plan.changes,
        comment: plan.comment,
    })
}

fn show_notification(_: &StateCtx, args: &StateArgs) -> Result<Plan, StateError> {
    match args.get("text") {
        Some(text) if crate::truthy(text) => Ok(Plan {
            changes: Map::new(),
            comment: crate::pystr(text),
        }),
        _ => Err(StateError::Invocation(
            "Missing required argument text.".into(),
        )),
    }
}

fn predict_changes_success(_: &StateCtx, _: &StateArgs) -> Result<Plan, StateError> {
    Ok(Plan {
        changes: testing_changes(),
        comment: "If we weren't testing, this would be successful with changes".into(),
    })
}

fn succeed_with_changes(_: &StateCtx, args: &StateArgs, plan: Plan) -> Result<Applied, Failure> {
    Ok(Applied {
        changes: plan.changes,
        comment: comment_or(args, "Success!"),
    })
}

fn predict_changes_failure(_: &StateCtx, _: &StateArgs) -> Result<Plan, StateError> {
    Ok(Plan {
        changes: testing_changes(),
        comment: "If we weren't testing, this would be failed with changes".into(),
    })
}

fn fail_with_changes(_: &StateCtx, args: &StateArgs, plan: Plan) -> Result<Applied, Failure> {
    Err(Failure {
        changes: plan.changes,
        comment: comment_or(args, "Failure!"),
    })
}

fn fail_without_changes(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    Ok(StateReturn::new(
        args.name.clone(),
        Some(false),
        comment_or(args, "Failure!"),
    ))
}

fn fail_without_changes_test(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    Ok(StateReturn::new(
        args.name.clone(),
        Some(false),
        "If we weren't testing, this would be a failure!",
    ))
}

fn configurable_predict(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    configurable_test_state(args, true)
}

fn configurable_run(_: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    configurable_test_state(args, false)
}

fn configurable_test_state(args: &StateArgs, test: bool) -> Result<StateReturn, StateError> {
    let changes = args.get("changes").cloned().unwrap_or(Value::Bool(true));
    let result = args.get("result").cloned().unwrap_or(Value::Bool(true));
    let comment = args.get("comment").map(crate::pystr).unwrap_or_default();
    let mut ret = StateReturn::new(args.name.clone(), Some(false), comment.clone());
    match &changes {
        Value::Bool(true) => ret.changes = testing_changes(),
        Value::Bool(false) => {}
        other if crate::pystr(other).to_lowercase() == "random" => {
            if rand::random::<bool>() {
                ret.changes = testing_changes();
            }
        }
        _ => {
            return Err(StateError::Invocation(
                "You have specified the state option 'changes' with invalid arguments. It must be either True, False, or 'Random'".into(),
            ));
        }
    }
    match &result {
        Value::Bool(b) => ret.result = Some(*b),
        other if crate::pystr(other).to_lowercase() == "random" => {
            ret.result = Some(rand::random::<bool>())
        }
        _ => {
            return Err(StateError::Invocation(
                "You have specified the state option 'result' with invalid arguments. It must be either True, False, or 'Random'".into(),
            ));
        }
    }
    match args.get("warnings") {
        None | Some(Value::Null) => {}
        Some(Value::String(w)) => ret.warnings = Some(vec![Value::String(w.clone())]),
        Some(Value::Array(w)) => ret.warnings = Some(w.clone()),
        Some(_) => {
            return Err(StateError::Invocation(
                "You have specified the state option 'warnings' with invalid arguments. It must be a string or a list of strings".into(),
            ));
        }
    }
    if test {
        let allow_failure = args
            .get("allow_test_mode_failure")
            .is_some_and(crate::truthy);
        ret.result = if allow_failure && result == Value::Bool(false) {
            Some(false)
        } else if changes == Value::Bool(false) {
            Some(true)
        } else {
            None
        };
        ret.comment = if comment.is_empty() {
            "This is a test".into()
        } else {
            comment
        };
    }
    Ok(ret)
}

fn mod_watch(ctx: &StateCtx, args: &StateArgs) -> Result<StateReturn, StateError> {
    let mut has_changes = Vec::new();
    if let Some(Value::Array(watched)) = ctx.low.get("__reqs__").and_then(|r| r.get("watch")) {
        for req in watched {
            let Some(req) = req.as_object() else { continue };
            let tag = crate::runner::gen_tag(req);
            let changed = ctx
                .running
                .get(&tag)
                .and_then(|r| r.get("changes"))
                .is_some_and(crate::truthy);
            if changed {
                let field = |k: &str| req.get(k).map(crate::pystr).unwrap_or_default();
                has_changes.push(Value::String(format!(
                    "{}: {}",
                    field("state"),
                    field("__id__")
                )));
            }
        }
    }
    let mut ret = StateReturn::new(
        args.name.clone(),
        Some(true),
        comment_or(args, "Watch statement fired."),
    );
    ret.key_order = KeyOrder::NameResultCommentChanges;
    ret.result = match args.get("result") {
        Some(Value::Null) => None,
        Some(v) => Some(crate::truthy(v)),
        None => Some(true),
    };
    ret.changes = match args.get("changes") {
        Some(Value::Object(c)) => c.clone(),
        _ => {
            let mut c = Map::new();
            c.insert("Requisites with changes".into(), Value::Array(has_changes));
            c
        }
    };
    Ok(ret)
}

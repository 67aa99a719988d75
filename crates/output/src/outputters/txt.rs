//! `txt` (`salt/output/txt.py`), also selected as `text`: one
//! `key: line` per line of each value, so `cmd.run` output reads as if run
//! on the minion with the minion id in front. Non-string values print as
//! Python's `str()`; a document that is not a dict is printed as a string,
//! or through `pprint.pformat` for anything else.

use serde_json::Value;

use crate::{OutputOptions, Outputter, pprint, python};

pub struct Txt;

impl Outputter for Txt {
    fn name(&self) -> &'static str {
        "txt"
    }

    fn render(&self, data: &Value, _opts: &OutputOptions, _retcode: i32) -> String {
        let mut out = String::new();
        match data {
            Value::Object(map) => {
                // Insertion order, unlike `nested`: Salt iterates the dict.
                for (key, value) in map {
                    match value {
                        // An empty string has no lines, so its key is not
                        // printed at all.
                        Value::String(text) => {
                            for line in python::splitlines(text) {
                                out.push_str(&format!("{key}: {line}\n"));
                            }
                        }
                        other => out.push_str(&format!("{key}: {}\n", python::str_of(other))),
                    }
                }
            }
            Value::String(text) => {
                out.push_str(text);
                out.push('\n');
            }
            other => {
                out.push_str(&pprint::pformat(other));
                out.push('\n');
            }
        }
        out
    }
}

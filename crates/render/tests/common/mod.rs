//! A small [`FunctionCaller`] for the tests: real implementations of the
//! few execution functions the corpus calls (the minion wires the real
//! `halite-exec` registry in; depending on it here would tie these tests
//! to another crate's build).

use serde_json::{Map, Value};

use halite_render::FunctionCaller;

pub struct TestModules;

impl FunctionCaller for TestModules {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        _kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        match fun {
            "test.echo" => Ok(args
                .into_iter()
                .next()
                .unwrap_or(Value::String(String::new()))),
            "test.true" => Ok(Value::Bool(true)),
            // Salt's cmd.run without python_shell: the words are the argv,
            // no shell.
            "cmd.run" => {
                let line = args.first().and_then(Value::as_str).unwrap_or_default();
                let words: Vec<&str> = line.split_whitespace().collect();
                let (program, rest) = words.split_first().ok_or("cmd.run: no command")?;
                let out = std::process::Command::new(program)
                    .args(rest)
                    .output()
                    .map_err(|e| e.to_string())?;
                Ok(Value::String(
                    String::from_utf8_lossy(&out.stdout)
                        .trim_end_matches('\n')
                        .to_owned(),
                ))
            }
            "file.read" => {
                let path = args.first().and_then(Value::as_str).unwrap_or_default();
                std::fs::read_to_string(path)
                    .map(Value::String)
                    .map_err(|e| format!("{e}: '{path}'"))
            }
            _ => Err(format!("'{fun}' is not available.")),
        }
    }

    fn has(&self, fun: &str) -> bool {
        matches!(fun, "test.echo" | "test.true" | "cmd.run" | "file.read")
    }
}

//! `no_return` (`salt/output/no_return.py`): how the CLI reports a minion
//! that did not answer (the return carries `out: no_return`), the text in
//! red. Unlike `nested` it splits only on `\n`, puts the colour before the
//! indent, and prints nothing for values that are neither strings nor
//! dicts.

use serde_json::Value;

use crate::color::Palette;
use crate::python;
use crate::{OutputOptions, Outputter};

pub struct NoReturn;

impl Outputter for NoReturn {
    fn name(&self) -> &'static str {
        "no_return"
    }

    fn render(&self, data: &Value, opts: &OutputOptions, _retcode: i32) -> String {
        let mut out = String::new();
        display(&Palette::new(opts.color), data, 0, &mut out);
        out
    }
}

fn display(palette: &Palette, value: &Value, indent: usize, out: &mut String) {
    let endc = palette.endc;
    match value {
        Value::String(text) => {
            let red = palette.red;
            for line in text.split('\n') {
                out.push_str(&format!("{red}{:indent$}{line}{endc}\n", ""));
            }
        }
        Value::Object(map) => {
            let cyan = palette.cyan;
            for (key, item) in python::sorted_items(map) {
                out.push_str(&format!("{cyan}{:indent$}{key}{endc}:\n", ""));
                display(palette, item, indent + 4, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reports_the_missing_minion_under_its_id() {
        let data = json!({"web3": "Minion did not return. [Not connected]"});
        let text = NoReturn.render(&data, &OutputOptions::default(), 1);
        assert_eq!(text, "web3:\n    Minion did not return. [Not connected]\n");
        let data = json!({"web3": true});
        assert_eq!(
            NoReturn.render(&data, &OutputOptions::default(), 0),
            "web3:\n"
        );
    }
}

//! `yaml` (`salt/output/yaml_out.py`): PyYAML's `safe_dump` through Salt's
//! `SafeOrderedDumper`, block style (`default_flow_style=False`), keys
//! sorted, non-ASCII written as is (`allow_unicode=True`). `--out-indent N`
//! sets the indent; a negative one selects flow style.

use halite_yaml::DumpOptions;
use serde_json::Value;

use crate::{OutputIndent, OutputOptions, Outputter};

pub struct Yaml;

impl Outputter for Yaml {
    fn name(&self) -> &'static str {
        "yaml"
    }

    fn render(&self, data: &Value, opts: &OutputOptions, _retcode: i32) -> String {
        let mut dump = DumpOptions::salt_outputter();
        match opts.indent {
            OutputIndent::Spaces(n) if n < 0 => {
                dump.default_flow_style = Some(true);
                dump.indent = 0;
            }
            // Widths libyaml does not accept (0, 1, 10 and up) become 2 in
            // the emitter, as in PyYAML.
            OutputIndent::Spaces(n) => dump.indent = usize::try_from(n).unwrap_or(2),
            // Salt compares `output_indent >= 0` here, which raises
            // TypeError for `null`/`pretty` and then fails in its fallbacks
            // too (they still resolve to `yaml` because `--out` is set), so
            // Salt prints a traceback. The default block style is the useful
            // reading of those settings.
            OutputIndent::Unset | OutputIndent::Null | OutputIndent::Pretty => {}
        }
        halite_yaml::to_string(data, &dump)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn settings_salt_chokes_on_render_as_the_default() {
        let data = json!({"web1": {"b": [1], "a": "x"}});
        let default = Yaml.render(&data, &OutputOptions::default(), 0);
        assert_eq!(default, "web1:\n  a: x\n  b:\n  - 1\n");
        for indent in [OutputIndent::Null, OutputIndent::Pretty] {
            let opts = OutputOptions {
                indent,
                ..OutputOptions::default()
            };
            assert_eq!(Yaml.render(&data, &opts, 0), default);
        }
    }
}

//! `quiet` (`salt/output/no_out_quiet.py`): prints nothing, for callers
//! that only want the exit code.

use serde_json::Value;

use crate::{OutputOptions, Outputter};

pub struct Quiet;

impl Outputter for Quiet {
    fn name(&self) -> &'static str {
        "quiet"
    }

    fn render(&self, _data: &Value, _opts: &OutputOptions, _retcode: i32) -> String {
        String::new()
    }
}

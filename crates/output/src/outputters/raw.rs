//! `raw` (`salt/output/raw.py`): Python's `str(data)`, the outputter Salt
//! had before there were outputters: `{'web1': True}`.

use serde_json::Value;

use crate::python;
use crate::{OutputOptions, Outputter};

pub struct Raw;

impl Outputter for Raw {
    fn name(&self) -> &'static str {
        "raw"
    }

    fn render(&self, data: &Value, _opts: &OutputOptions, _retcode: i32) -> String {
        python::str_of(data)
    }
}

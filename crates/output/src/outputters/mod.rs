//! One module per outputter, each a unit struct implementing
//! [`crate::Outputter`] and listed in [`crate::registry::OUTPUTTERS`].

pub mod highstate;
pub mod json;
pub mod nested;
pub mod no_return;
pub mod quiet;
pub mod raw;
pub mod txt;
pub mod yaml;

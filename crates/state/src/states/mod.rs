//! State modules, one file each; listed in [`crate::registry`].

pub mod cmd;
pub mod file;
pub mod test;

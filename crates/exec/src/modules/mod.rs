//! One file per execution module; each defines `pub static MODULE`.

pub mod cmd;
pub mod file;
pub mod saltutil;
pub mod sys;
pub mod test;

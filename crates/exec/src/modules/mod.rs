//! One file per execution module; each defines `pub static MODULE`.

pub mod cmd;
pub mod cp;
pub mod disk;
pub mod file;
pub mod grains;
pub mod network;
pub mod pillar;
pub mod saltutil;
pub mod status;
pub mod sys;
pub mod test;

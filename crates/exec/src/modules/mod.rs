//! One file per execution module; each defines `pub static MODULE`.

pub mod test;

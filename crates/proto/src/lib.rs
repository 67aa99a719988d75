//! The vocabulary that crosses process boundaries: minion ids, job ids, and
//! the messages exchanged between minion, master and CLI.
//!
//! Architecture invariant: this is the only crate whose types are encoded on
//! the wire, and it does no I/O. Every message is MessagePack with named
//! fields (`rmp_serde::to_vec_named`), so a newer peer can add fields that an
//! older one ignores. A frame is a big-endian `u32` length followed by one
//! encoded message; the length limits live here so that both ends agree.

mod id;
mod jid;
mod msg;

pub use id::{IdError, MinionId};
pub use jid::Jid;
pub use msg::*;

/// Version of the message set. Bumped on an incompatible change; a master
/// refuses a `Hello` whose version it does not speak, with a clear reason.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest frame accepted from an authenticated peer (a job return can carry
/// a large `cmd.run` output or a file's contents).
pub const MAX_FRAME_LEN: usize = 64 * 1024 * 1024;

/// Largest frame accepted before the peer's key is known to be accepted: a
/// `Hello` is tiny, so an unauthenticated peer cannot make us allocate more.
pub const MAX_PREAUTH_FRAME_LEN: usize = 4 * 1024;

/// Errors from encoding or decoding a message.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot encode message: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    #[error("malformed message: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
}

/// Encodes one message as MessagePack with named fields.
pub fn encode<T: serde::Serialize>(msg: &T) -> Result<Vec<u8>, CodecError> {
    Ok(rmp_serde::to_vec_named(msg)?)
}

/// Decodes one message; never panics on hostile input.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    Ok(rmp_serde::from_slice(bytes)?)
}

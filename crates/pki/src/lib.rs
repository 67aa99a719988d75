//! Keys and trust.
//!
//! - [`Identity`]: a node's Ed25519 key pair (`minion.pem`/`minion.pub` or
//!   `master.pem`/`master.pub`), made on first start, and the self-signed
//!   certificate it presents in TLS.
//! - [`KeyStore`]: the master's view of minion keys, in Salt's four states
//!   (`minions/`, `minions_pre/`, `minions_rejected/`, `minions_denied/`).
//! - [`tls`]: rustls configurations. Both sides present a certificate; trust
//!   comes from pinning the peer's public key (the key store on the master,
//!   `master_finger` or the remembered `minion_master.pub` on the minion), not
//!   from a CA. TLS 1.3 proves that the peer holds the private key, so there
//!   is no protocol crypto of our own here.
//!
//! A fingerprint is the SHA-256 of the DER SubjectPublicKeyInfo, printed as
//! colon-separated hex pairs like `salt-key -F` does.

mod identity;
mod keystore;
pub mod tls;

pub use identity::{Identity, fingerprint, spki_from_pem, spki_to_pem};
pub use keystore::{KeyList, KeyState, KeyStore, compile_glob as key_glob};

/// Errors from key files and key handling.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid key: {reason}")]
    BadKey {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("cannot generate key: {0}")]
    Generate(String),
    #[error("too many pending keys ({0}); accept or delete some before more minions can register")]
    TooManyPending(usize),
}

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

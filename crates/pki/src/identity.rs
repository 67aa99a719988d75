//! A node's own key pair and certificate.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rcgen::{CertificateParams, KeyPair, PKCS_ED25519, PublicKeyData};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer,
};
use sha2::{Digest, Sha256};

use crate::{Error, io_err};

/// A key pair with its self-signed certificate.
pub struct Identity {
    key_der: Vec<u8>,
    cert: CertificateDer<'static>,
    spki_der: Vec<u8>,
}

impl Identity {
    /// A fresh in-memory identity (used by `halite swarm` and `--gen-keys`).
    pub fn generate() -> Result<Identity, Error> {
        let key =
            KeyPair::generate_for(&PKCS_ED25519).map_err(|e| Error::Generate(e.to_string()))?;
        Identity::from_key_pair(key)
    }

    /// Loads `<dir>/<name>.pem`, or makes a new key pair and writes
    /// `<name>.pem` (mode 0600) and `<name>.pub` when none exists yet.
    pub fn load_or_generate(dir: &Path, name: &str) -> Result<Identity, Error> {
        let key_path = dir.join(format!("{name}.pem"));
        if key_path.exists() {
            let pem = fs::read_to_string(&key_path).map_err(io_err(&key_path))?;
            let key = KeyPair::from_pem(&pem).map_err(|e| Error::BadKey {
                path: key_path.clone(),
                reason: e.to_string(),
            })?;
            return Identity::from_key_pair(key);
        }
        let identity = Identity::generate()?;
        identity.write(dir, name)?;
        Ok(identity)
    }

    /// Writes `<name>.pem` (0600) and `<name>.pub` into `dir` (created 0700).
    pub fn write(&self, dir: &Path, name: &str) -> Result<(), Error> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        let key_path = dir.join(format!("{name}.pem"));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_path)
            .map_err(io_err(&key_path))?;
        file.write_all(self.private_pem().as_bytes())
            .map_err(io_err(&key_path))?;
        let pub_path = dir.join(format!("{name}.pub"));
        fs::write(&pub_path, self.public_pem()).map_err(io_err(&pub_path))?;
        Ok(())
    }

    fn from_key_pair(key: KeyPair) -> Result<Identity, Error> {
        // The certificate carries no meaning beyond the key: peers pin the
        // key, so the subject and validity are fixed placeholders.
        let mut params = CertificateParams::new(vec!["halite".to_owned()])
            .map_err(|e| Error::Generate(e.to_string()))?;
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(9999, 12, 31);
        let cert = params
            .self_signed(&key)
            .map_err(|e| Error::Generate(e.to_string()))?;
        Ok(Identity {
            key_der: key.serialize_der(),
            cert: cert.der().clone(),
            spki_der: key.subject_public_key_info(),
        })
    }

    pub fn private_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.key_der)
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), as stored in the
    /// master's key directories.
    pub fn public_pem(&self) -> String {
        spki_to_pem(&self.spki_der)
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.spki_der)
    }

    pub fn cert(&self) -> CertificateDer<'static> {
        self.cert.clone()
    }

    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// SHA-256 of a DER SubjectPublicKeyInfo as `ab:cd:...`.
pub fn fingerprint(spki_der: &[u8]) -> String {
    let digest = Sha256::digest(spki_der);
    let mut out = String::with_capacity(95);
    for (i, b) in digest.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&hex::encode([*b]));
    }
    out
}

/// Parses a `-----BEGIN PUBLIC KEY-----` PEM into DER.
pub fn spki_from_pem(pem: &str) -> Option<Vec<u8>> {
    SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|d| d.to_vec())
}

pub fn spki_to_pem(spki_der: &[u8]) -> String {
    pem_encode("PUBLIC KEY", spki_der)
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_and_fingerprints_are_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = Identity::load_or_generate(dir.path(), "minion").unwrap();
        let b = Identity::load_or_generate(dir.path(), "minion").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 95);
        let mode = fs::metadata(dir.path().join("minion.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let pub_pem = fs::read_to_string(dir.path().join("minion.pub")).unwrap();
        assert_eq!(spki_from_pem(&pub_pem).unwrap(), a.spki_der());
        assert_ne!(Identity::generate().unwrap().fingerprint(), a.fingerprint());
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("master.pem"), "garbage").unwrap();
        let err = Identity::load_or_generate(dir.path(), "master")
            .err()
            .unwrap();
        assert!(err.to_string().contains("master.pem"), "{err}");
    }
}

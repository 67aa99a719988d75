//! rustls configurations: TLS 1.3 only, ring provider, both sides present a
//! self-signed certificate, and trust is a pinned public key.
//!
//! The verifiers below still check every handshake signature with the
//! certificate's key (that is what proves possession of the private key);
//! what they skip is chain building, which has no meaning for pinned keys.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, ring as provider, verify_tls12_signature,
    verify_tls13_signature,
};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

use crate::{Identity, fingerprint};

fn crypto() -> Arc<CryptoProvider> {
    Arc::new(provider::default_provider())
}

/// The public key (DER SPKI) inside a peer's certificate.
pub fn spki_of_cert(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let cert = webpki::EndEntityCert::try_from(cert).ok()?;
    Some(cert.subject_public_key_info().to_vec())
}

/// The master's server config: a client certificate is mandatory; which keys
/// are welcome is decided after the handshake by the key store.
pub fn server_config(identity: &Identity) -> Result<Arc<ServerConfig>, rustls::Error> {
    let provider = crypto();
    let verifier = Arc::new(AnyKeyClientVerifier {
        algs: provider.signature_verification_algorithms,
    });
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![identity.cert()], identity.private_key())?;
    Ok(Arc::new(config))
}

/// How a minion decides to trust the master's key.
#[derive(Clone, Debug)]
pub enum MasterPin {
    /// `master_finger`: the SHA-256 fingerprint the operator configured.
    Fingerprint(String),
    /// The key remembered from the first connection (`minion_master.pub`).
    Key(Vec<u8>),
    /// First connection with nothing configured: accept and remember.
    TrustOnFirstUse,
}

/// The minion's client config, presenting `identity` and checking the
/// master's key against `pin` during the handshake.
pub fn client_config(
    identity: &Identity,
    pin: MasterPin,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = crypto();
    let verifier = Arc::new(PinnedServerVerifier {
        algs: provider.signature_verification_algorithms,
        pin,
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(vec![identity.cert()], identity.private_key())?;
    Ok(Arc::new(config))
}

/// The server name the minion sends; the certificate's name is not checked.
pub fn server_name() -> ServerName<'static> {
    ServerName::try_from("halite").expect("static name is valid")
}

/// The key inside `cert`, or rustls' "bad encoding" error.
fn spki_or_bad_encoding(cert: &CertificateDer<'_>) -> Result<Vec<u8>, rustls::Error> {
    spki_of_cert(cert).ok_or(rustls::Error::InvalidCertificate(
        rustls::CertificateError::BadEncoding,
    ))
}

#[derive(Debug)]
struct AnyKeyClientVerifier {
    algs: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyKeyClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        spki_or_bad_encoding(end_entity).map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

#[derive(Debug)]
struct PinnedServerVerifier {
    algs: WebPkiSupportedAlgorithms,
    pin: MasterPin,
}

impl ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let spki = spki_or_bad_encoding(end_entity)?;
        let trusted = match &self.pin {
            MasterPin::Fingerprint(expected) => {
                fingerprint(&spki).eq_ignore_ascii_case(expected.trim())
            }
            MasterPin::Key(expected) => *expected == spki,
            MasterPin::TrustOnFirstUse => true,
        };
        if trusted {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the master's key (fingerprint {}) does not match the pinned key; if the master's key really changed, remove minion_master.pub or update master_finger",
                fingerprint(&spki)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

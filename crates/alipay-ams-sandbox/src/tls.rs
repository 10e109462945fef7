//! HTTPS for clients that insist on it (the official SDKs refuse plain
//! http): a throwaway CA made at start, and a certificate for `localhost`,
//! `127.0.0.1` and `::1` signed by it. Clients trust the CA's PEM, which
//! [`Sandbox::tls_ca_certificate_pem`](crate::Sandbox::tls_ca_certificate_pem)
//! returns and the binary writes to a file.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::TlsError;

/// What serving HTTPS needs.
pub(crate) struct Tls {
    pub acceptor: TlsAcceptor,
    pub ca_pem: String,
}

/// Makes a fresh CA and server certificate, and the TLS configuration.
pub(crate) fn generate() -> Result<Tls, TlsError> {
    let fail = |what: &'static str| {
        move |e: rcgen::Error| TlsError::Setup {
            what,
            source: Box::new(e),
        }
    };
    let configure = |e: tokio_rustls::rustls::Error| TlsError::Setup {
        what: "TLS configuration",
        source: Box::new(e),
    };

    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(fail("CA certificate"))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "alipay-ams-sandbox test CA (throwaway)");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(fail("CA key"))?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(fail("CA certificate"))?;

    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let mut params = CertificateParams::new(names).map_err(fail("server certificate"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "alipay-ams-sandbox");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Strict verifiers (Python 3.13's default context) want the AKI.
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().map_err(fail("server key"))?;
    let cert = params
        .signed_by(&key, &ca)
        .map_err(fail("server certificate"))?;

    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(configure)?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), ca.der().clone()], key_der)
        .map_err(configure)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca.pem(),
    })
}

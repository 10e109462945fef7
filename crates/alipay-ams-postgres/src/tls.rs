//! How connections are opened: TLS with rustls when the URL's `sslmode`
//! asks for it (feature `rustls`), never OpenSSL.

use deadpool_postgres::{Manager, ManagerConfig};
#[cfg(feature = "rustls")]
use tokio_postgres::config::SslMode;

use crate::error::PgError;

/// `sslmode=disable`: plain TCP. `prefer` (libpq's default): TLS when the
/// server offers it and the system has root certificates, else plain TCP.
/// `require`: TLS, the server's certificate verified against the system's
/// roots (add a private CA with `SSL_CERT_FILE`).
#[cfg(feature = "rustls")]
pub(crate) fn manager(
    config: tokio_postgres::Config,
    manager_config: ManagerConfig,
) -> Result<Manager, PgError> {
    use std::sync::Arc;

    if config.get_ssl_mode() == SslMode::Disable {
        return Ok(Manager::from_config(
            config,
            tokio_postgres::NoTls,
            manager_config,
        ));
    }
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(loaded.certs);
    if roots.is_empty() {
        if config.get_ssl_mode() == SslMode::Require {
            let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
            return Err(PgError::TlsRoots(if errors.is_empty() {
                "none found".to_owned()
            } else {
                errors.join("; ")
            }));
        }
        return Ok(Manager::from_config(
            config,
            tokio_postgres::NoTls,
            manager_config,
        ));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::TlsRoots(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Manager::from_config(
        config,
        tokio_postgres_rustls::MakeRustlsConnect::new(tls),
        manager_config,
    ))
}

/// Without the `rustls` feature: plain TCP, refused when the URL requires
/// TLS.
#[cfg(not(feature = "rustls"))]
pub(crate) fn manager(
    config: tokio_postgres::Config,
    manager_config: ManagerConfig,
) -> Result<Manager, PgError> {
    // tokio-postgres itself refuses `sslmode=require` without a TLS
    // connector, with an error that says TLS was required.
    Ok(Manager::from_config(
        config,
        tokio_postgres::NoTls,
        manager_config,
    ))
}

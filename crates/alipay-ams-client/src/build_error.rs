//! Why a client could not be built.

/// Why [`ClientBuilder::build`](crate::ClientBuilder::build) refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required setting is missing.
    #[error("missing {what}: {hint}")]
    Missing {
        /// The setting.
        what: &'static str,
        /// How to provide it.
        hint: &'static str,
    },
    /// The merchant's own public key was configured as Alipay's.
    #[error(
        "the Alipay public key is your own public key: responses are signed by Alipay, so download \
         Alipay's public key from the Antom Dashboard (Developers > Quick start > Integration resources; \
         sandbox and production differ) and pass that instead"
    )]
    OwnPublicKey,
    /// The client id cannot be sent as a header.
    #[error(
        "client id {0:?} is not valid: copy it from the Antom Dashboard (e.g. SANDBOX_5X00000000000000)"
    )]
    InvalidClientId(String),
    /// The agent token cannot be sent as a header.
    #[error("the agent token is not valid: it must be 1 to 128 visible ASCII characters")]
    InvalidAgentToken,
    /// A sandbox client id was configured for production.
    #[error(
        "client id {0:?} is a sandbox id, but the environment is Production: sandbox ids only work on \
         /ams/sandbox/api/...; drop .environment(Production) or use your production client id and keys"
    )]
    SandboxIdInProduction(String),
    /// The gateway URL cannot be used.
    #[error("gateway URL {url:?} cannot be used: {reason}")]
    InvalidGateway {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain http to a host that is not loopback.
    #[error(
        "gateway URL {0:?} uses plain http to a host that is not loopback: Alipay only accepts https; \
         for a test server on another host call .allow_insecure_http()"
    )]
    InsecureHttp(String),
    /// A PEM given to
    /// [`add_root_certificates_pem`](crate::ClientBuilder::add_root_certificates_pem)
    /// holds no usable certificate.
    #[error(
        "the extra root certificates are not usable: give PEM text with one or more \"-----BEGIN CERTIFICATE-----\" \
         blocks (the CA certificate, not a private key or a DER file)"
    )]
    InvalidRootCertificate,
    /// The HTTP client could not be created.
    #[error("could not create the HTTP client: {0}")]
    Http(#[source] Box<dyn std::error::Error + Send + Sync>),
}

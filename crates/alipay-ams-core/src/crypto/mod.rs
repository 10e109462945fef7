//! The crypto backends, behind one narrow interface (like rustls' `CryptoProvider`).
//!
//! Every backend takes PKCS#1 DER (the key module normalises every input form to
//! it), signs RSASSA-PKCS1-v1_5 with SHA-256, and verifies the same. Nothing
//! outside this module knows which backend is in use.
//!
//! What is signed arrives as parts (method, path, separators, body...) that the
//! backend hashes one after the other: SHA-256 over the parts in order is
//! SHA-256 over their concatenation, so the signed content is never copied into
//! a buffer of its own, and the RSA operation runs on the digest.

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "rust-crypto")]
mod rust_crypto;

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
compile_error!(
    "alipay-ams-core needs a crypto backend: enable the `aws-lc-rs` (default) or the `rust-crypto` feature"
);

/// A crypto implementation. Both can be compiled in at once; they produce
/// byte-identical signatures (PKCS#1 v1.5 signing is deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// AWS-LC through `aws-lc-rs`: OpenSSL-speed, constant-time. The default.
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRs,
    /// The pure-Rust `rsa` and `sha2` crates: no C compiler needed.
    #[cfg(feature = "rust-crypto")]
    RustCrypto,
}

impl Backend {
    /// The backend used when none is named: `aws-lc-rs` when compiled in.
    pub const DEFAULT: Backend = {
        #[cfg(feature = "aws-lc-rs")]
        {
            Backend::AwsLcRs
        }
        #[cfg(not(feature = "aws-lc-rs"))]
        {
            Backend::RustCrypto
        }
    };

    /// Every backend compiled into this build.
    pub const ALL: &'static [Backend] = &[
        #[cfg(feature = "aws-lc-rs")]
        Backend::AwsLcRs,
        #[cfg(feature = "rust-crypto")]
        Backend::RustCrypto,
    ];

    /// The backend's name, as used in feature flags and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLcRs => "aws-lc-rs",
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => "rust-crypto",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::DEFAULT
    }
}

/// What each backend provides. Keys come in as PKCS#1 DER; messages as the
/// parts whose concatenation is signed.
pub(crate) trait Provider {
    type SigningKey: Send + Sync + 'static;
    type VerifyingKey: Send + Sync + 'static;

    fn signing_key(pkcs1_private: &[u8]) -> Result<Self::SigningKey, &'static str>;
    fn verifying_key(pkcs1_public: &[u8]) -> Result<Self::VerifyingKey, &'static str>;
    /// Signs the concatenation of `parts` (hashed part by part).
    fn sign(key: &Self::SigningKey, parts: &[&[u8]]) -> Option<Vec<u8>>;
    /// Checks `signature` over the concatenation of `parts` (hashed part by part).
    fn verify(key: &Self::VerifyingKey, parts: &[&[u8]], signature: &[u8]) -> bool;
}

/// A parsed private key in whichever backend was chosen.
pub(crate) enum SigningKey {
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRs(<aws_lc::AwsLc as Provider>::SigningKey),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(Box<<rust_crypto::RustCrypto as Provider>::SigningKey>),
}

/// A parsed public key in whichever backend was chosen.
pub(crate) enum VerifyingKey {
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRs(<aws_lc::AwsLc as Provider>::VerifyingKey),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(Box<<rust_crypto::RustCrypto as Provider>::VerifyingKey>),
}

impl SigningKey {
    pub(crate) fn parse(backend: Backend, pkcs1_private: &[u8]) -> Result<Self, &'static str> {
        match backend {
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLcRs => aws_lc::AwsLc::signing_key(pkcs1_private).map(SigningKey::AwsLcRs),
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => rust_crypto::RustCrypto::signing_key(pkcs1_private)
                .map(|k| SigningKey::RustCrypto(Box::new(k))),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "aws-lc-rs")]
            SigningKey::AwsLcRs(_) => Backend::AwsLcRs,
            #[cfg(feature = "rust-crypto")]
            SigningKey::RustCrypto(_) => Backend::RustCrypto,
        }
    }

    /// Signs the concatenation of `parts`.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Option<Vec<u8>> {
        match self {
            #[cfg(feature = "aws-lc-rs")]
            SigningKey::AwsLcRs(k) => aws_lc::AwsLc::sign(k, parts),
            #[cfg(feature = "rust-crypto")]
            SigningKey::RustCrypto(k) => rust_crypto::RustCrypto::sign(k, parts),
        }
    }
}

impl VerifyingKey {
    pub(crate) fn parse(backend: Backend, pkcs1_public: &[u8]) -> Result<Self, &'static str> {
        match backend {
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLcRs => {
                aws_lc::AwsLc::verifying_key(pkcs1_public).map(VerifyingKey::AwsLcRs)
            }
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => rust_crypto::RustCrypto::verifying_key(pkcs1_public)
                .map(|k| VerifyingKey::RustCrypto(Box::new(k))),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "aws-lc-rs")]
            VerifyingKey::AwsLcRs(_) => Backend::AwsLcRs,
            #[cfg(feature = "rust-crypto")]
            VerifyingKey::RustCrypto(_) => Backend::RustCrypto,
        }
    }

    /// Checks `signature` over the concatenation of `parts`.
    pub(crate) fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        match self {
            #[cfg(feature = "aws-lc-rs")]
            VerifyingKey::AwsLcRs(k) => aws_lc::AwsLc::verify(k, parts, signature),
            #[cfg(feature = "rust-crypto")]
            VerifyingKey::RustCrypto(k) => rust_crypto::RustCrypto::verify(k, parts, signature),
        }
    }
}

/// Generates a fresh RSA-2048 private key, returned as PKCS#1 DER.
#[cfg(feature = "aws-lc-rs")]
pub(crate) fn generate_pkcs1_2048() -> Option<Vec<u8>> {
    aws_lc::generate_pkcs1_2048()
}

#[cfg(test)]
mod tests;

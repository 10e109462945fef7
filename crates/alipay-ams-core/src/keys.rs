//! Merchant private keys and Alipay public keys, parsed once from any form a
//! merchant is handed.
//!
//! Accepted forms (Alipay's key rules:
//! <https://docs.antom.com/ac/ams/digital_signature>):
//! - PEM: `BEGIN PRIVATE KEY` (PKCS#8), `BEGIN RSA PRIVATE KEY` (PKCS#1, or PKCS#8
//!   under that label as the Python and PHP SDKs write it), `BEGIN PUBLIC KEY`
//!   (SPKI), `BEGIN RSA PUBLIC KEY` (PKCS#1);
//! - bare base64 of the DER, as the Antom Dashboard shows it, with any line breaks
//!   or spaces;
//! - raw DER bytes.
//!
//! The container is recognised from the DER itself, not from the label, and the
//! error for a key of the wrong kind says what was found and what to pass instead.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;

use crate::crypto::{self, Backend};
use crate::der::{self, Container};

/// The smallest RSA modulus Alipay accepts.
pub const MIN_KEY_BITS: usize = 2048;

/// Why a key could not be used. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Nothing was passed.
    #[error(
        "the key is empty: pass the contents of the key file (PEM, or the bare base64 the Antom Dashboard shows)"
    )]
    Empty,
    /// A key of the other kind, a certificate, or an SSH key.
    #[error("expected {expected}, but this is {found}: {hint}")]
    WrongKind {
        /// What this place needs.
        expected: &'static str,
        /// What was recognised.
        found: &'static str,
        /// What to do about it.
        hint: &'static str,
    },
    /// A password-protected private key.
    #[error(
        "the private key is password-protected: decrypt it once with `openssl pkcs8 -in key.pem -out key-plain.pem` (or `openssl rsa`) and keep the result in your secret store"
    )]
    Encrypted,
    /// A key of another algorithm.
    #[error(
        "this is {found}, but Alipay AMS signs with RSA (RSA256): generate an RSA-2048 pair with `alipay-ams keygen`"
    )]
    NotRsa {
        /// What was recognised.
        found: &'static str,
    },
    /// An RSA key below 2048 bits.
    #[error(
        "the RSA key has {bits} bits; Alipay requires at least {MIN_KEY_BITS}: generate a new pair with `alipay-ams keygen`"
    )]
    TooSmall {
        /// The modulus size found.
        bits: usize,
    },
    /// The input could not be decoded.
    #[error("could not read the key as {form}: {reason}")]
    Malformed {
        /// The form it appeared to be in.
        form: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The key file could not be read.
    #[error("could not read the key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The merchant's RSA private key, parsed once. Cheap to clone (the parsed key is
/// shared). `Debug` prints only the size: `PrivateKey(rsa-2048, <redacted>)`.
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<PrivateInner>,
}

struct PrivateInner {
    signing: crypto::SigningKey,
    bits: usize,
    public: PublicKey,
}

/// An RSA public key (Alipay's, to verify what Alipay sends; or the merchant's,
/// as the sandbox uses it). Parsed once; cheap to clone.
#[derive(Clone)]
pub struct PublicKey {
    inner: Arc<PublicInner>,
}

struct PublicInner {
    verifying: crypto::VerifyingKey,
    pkcs1: Vec<u8>,
    bits: usize,
}

/// Signing failed inside the crypto backend (should not happen with a valid key).
#[derive(Debug, thiserror::Error)]
#[error("the crypto backend failed to sign")]
pub struct SignError;

impl PrivateKey {
    /// Parses a private key in any supported form with the default backend.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::parse_with(input, Backend::DEFAULT)
    }

    /// Parses a private key in any supported form with the given backend.
    pub fn parse_with(input: impl AsRef<[u8]>, backend: Backend) -> Result<Self, KeyError> {
        let (der, form) = decode(input.as_ref())?;
        let pkcs1 = match der::classify(&der) {
            Container::Pkcs8Private { pkcs1 } | Container::Pkcs1Private { pkcs1 } => pkcs1,
            other => return Err(wrong_kind_for_private(other, form)),
        };
        let bits = checked_bits(pkcs1)?;
        let signing = crypto::SigningKey::parse(backend, pkcs1)
            .map_err(|reason| KeyError::Malformed { form, reason })?;
        let public_pkcs1 = der::public_from_private(pkcs1).ok_or(KeyError::Malformed {
            form,
            reason: "the RSA private key has no readable modulus",
        })?;
        let public = PublicKey::from_pkcs1(public_pkcs1, bits, backend, form)?;
        Ok(PrivateKey {
            inner: Arc::new(PrivateInner {
                signing,
                bits,
                public,
            }),
        })
    }

    /// Reads and parses a key file in any supported form.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        Self::parse(read_file(path.as_ref())?)
    }

    /// Generates a new RSA-2048 private key and returns it as PKCS#8 PEM
    /// (`BEGIN PRIVATE KEY`), for `alipay-ams keygen` and tests. The result is
    /// secret material: write it only to a protected file, then [`PrivateKey::parse`] it.
    #[cfg(feature = "aws-lc-rs")]
    pub fn generate_pkcs8_pem() -> Result<String, KeyError> {
        let pkcs1 = crypto::generate_pkcs1_2048().ok_or(KeyError::Malformed {
            form: "a generated key",
            reason: "the crypto backend could not generate a key",
        })?;
        Ok(pem::encode_config(
            &pem::Pem::new("PRIVATE KEY", der::pkcs8_from_pkcs1(&pkcs1)),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        ))
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// The backend this key was parsed for.
    pub fn backend(&self) -> Backend {
        self.inner.signing.backend()
    }

    /// The matching public key (what the merchant uploads to the Antom Dashboard).
    pub fn public_key(&self) -> &PublicKey {
        &self.inner.public
    }

    /// RSASSA-PKCS1-v1_5 / SHA-256 over `message`: the raw signature bytes.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.sign_parts(&[message])
    }

    /// Like [`PrivateKey::sign`] over the concatenation of `parts`, hashed part
    /// by part so that the content is never copied into one buffer.
    pub(crate) fn sign_parts(&self, parts: &[&[u8]]) -> Result<Vec<u8>, SignError> {
        self.inner.signing.sign(parts).ok_or(SignError)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(rsa-{}, <redacted>)", self.inner.bits)
    }
}

impl PublicKey {
    /// Parses a public key in any supported form with the default backend.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::parse_with(input, Backend::DEFAULT)
    }

    /// Parses a public key in any supported form with the given backend.
    pub fn parse_with(input: impl AsRef<[u8]>, backend: Backend) -> Result<Self, KeyError> {
        let (der, form) = decode(input.as_ref())?;
        let pkcs1 = match der::classify(&der) {
            Container::Spki { pkcs1 } | Container::Pkcs1Public { pkcs1 } => pkcs1,
            other => return Err(wrong_kind_for_public(other, form)),
        };
        let bits = checked_bits(pkcs1)?;
        Self::from_pkcs1(pkcs1.to_vec(), bits, backend, form)
    }

    /// Reads and parses a key file in any supported form.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        Self::parse(read_file(path.as_ref())?)
    }

    fn from_pkcs1(
        pkcs1: Vec<u8>,
        bits: usize,
        backend: Backend,
        form: &'static str,
    ) -> Result<Self, KeyError> {
        let verifying = crypto::VerifyingKey::parse(backend, &pkcs1)
            .map_err(|reason| KeyError::Malformed { form, reason })?;
        Ok(PublicKey {
            inner: Arc::new(PublicInner {
                verifying,
                pkcs1,
                bits,
            }),
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// The backend this key was parsed for.
    pub fn backend(&self) -> Backend {
        self.inner.verifying.backend()
    }

    /// Checks an RSASSA-PKCS1-v1_5 / SHA-256 signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_parts(&[message], signature)
    }

    /// Like [`PublicKey::verify`] over the concatenation of `parts`, hashed part
    /// by part so that the content is never copied into one buffer.
    pub(crate) fn verify_parts(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        self.inner.verifying.verify(parts, signature)
    }

    /// The X.509 SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        der::spki_from_pkcs1(&self.inner.pkcs1)
    }

    /// SPKI as PEM (`BEGIN PUBLIC KEY`).
    pub fn to_spki_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", self.to_spki_der()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// SPKI as bare base64 on one line: what the Antom Dashboard asks you to upload.
    pub fn to_spki_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_spki_der())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner.pkcs1 == other.inner.pkcs1
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(rsa-{})", self.inner.bits)
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn checked_bits(pkcs1: &[u8]) -> Result<usize, KeyError> {
    let bits = der::modulus_bits(pkcs1).ok_or(KeyError::Malformed {
        form: "DER",
        reason: "the RSA modulus could not be read",
    })?;
    if bits < MIN_KEY_BITS {
        return Err(KeyError::TooSmall { bits });
    }
    Ok(bits)
}

/// Turns PEM, bare base64 or raw DER into DER, naming the form it was in.
fn decode(input: &[u8]) -> Result<(Vec<u8>, &'static str), KeyError> {
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(KeyError::Empty);
    }
    if trimmed.first() == Some(&0x30) && std::str::from_utf8(trimmed).is_err() {
        return Ok((trimmed.to_vec(), "DER"));
    }
    let text = std::str::from_utf8(trimmed).map_err(|_| KeyError::Malformed {
        form: "text",
        reason: "it is neither UTF-8 text (PEM or base64) nor DER",
    })?;
    if text.contains("-----BEGIN") {
        return decode_pem(text);
    }
    if text.starts_with("ssh-rsa ") || text.starts_with("ssh-") {
        return Err(KeyError::WrongKind {
            expected: "a PEM or base64 RSA key",
            found: "an OpenSSH public key",
            hint: "convert it with `ssh-keygen -e -m PKCS8 -f key.pub`",
        });
    }
    // The Dashboard's bare base64, possibly wrapped, indented, or pasted from JSON
    // with literal `\n` escapes.
    let compact: String = text
        .replace("\\n", "")
        .replace("\\r", "")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64_indifferent()
        .decode(compact.as_bytes())
        .map_err(|_| KeyError::Malformed {
            form: "bare base64",
            reason: "it contains characters that are not base64; pass the PEM file or the base64 text exactly as the Dashboard shows it",
        })?;
    Ok((der, "bare base64"))
}

fn decode_pem(text: &str) -> Result<(Vec<u8>, &'static str), KeyError> {
    let block = pem::parse(text).map_err(|_| KeyError::Malformed {
        form: "PEM",
        reason: "the text between the BEGIN and END lines is damaged, or a line is missing",
    })?;
    let encrypted_legacy = block
        .headers()
        .get("Proc-Type")
        .is_some_and(|v| v.contains("ENCRYPTED"));
    match block.tag() {
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
        _ if encrypted_legacy => Err(KeyError::Encrypted),
        "OPENSSH PRIVATE KEY" => Err(KeyError::WrongKind {
            expected: "a PKCS#8 or PKCS#1 RSA key",
            found: "an OpenSSH private key",
            hint: "convert a copy with `ssh-keygen -p -m PKCS8 -f key`, or generate a pair with `alipay-ams keygen`",
        }),
        "EC PRIVATE KEY" => Err(KeyError::NotRsa {
            found: "an EC private key",
        }),
        _ => Ok((block.into_contents(), "PEM")),
    }
}

fn base64_indifferent() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

const PUBLIC_WHERE_PRIVATE: &str = "pass your merchant PRIVATE key here; public keys are what you upload to the Dashboard (yours) or verify with (Alipay's)";
const PRIVATE_WHERE_PUBLIC: &str = "pass Alipay's PUBLIC key here (Antom Dashboard > Developers > Quick start > Integration resources); a private key must never leave your signing service";

fn wrong_kind_for_private(found: Container<'_>, form: &'static str) -> KeyError {
    match found {
        Container::Spki { .. } | Container::Pkcs1Public { .. } => KeyError::WrongKind {
            expected: "a private key",
            found: "a public key",
            hint: PUBLIC_WHERE_PRIVATE,
        },
        other => common_refusal(other, form, "a PKCS#8 or PKCS#1 RSA private key"),
    }
}

fn wrong_kind_for_public(found: Container<'_>, form: &'static str) -> KeyError {
    match found {
        Container::Pkcs8Private { .. } | Container::Pkcs1Private { .. } => KeyError::WrongKind {
            expected: "a public key",
            found: "a private key",
            hint: PRIVATE_WHERE_PUBLIC,
        },
        Container::Certificate => KeyError::WrongKind {
            expected: "a public key",
            found: "an X.509 certificate",
            hint: "extract its key with `openssl x509 -in cert.pem -pubkey -noout > public_key.pem`",
        },
        other => common_refusal(other, form, "an RSA public key (SPKI or PKCS#1)"),
    }
}

fn common_refusal(found: Container<'_>, form: &'static str, expected: &'static str) -> KeyError {
    match found {
        Container::Certificate => KeyError::WrongKind {
            expected,
            found: "an X.509 certificate",
            hint: "a certificate holds only a public key; pass the key file itself",
        },
        Container::EncryptedPrivate => KeyError::Encrypted,
        Container::NotRsa(found) => KeyError::NotRsa { found },
        _ => KeyError::Malformed {
            form,
            reason: match form {
                "bare base64" => {
                    "the decoded bytes are not an RSA key; check that the whole value was copied"
                }
                _ => "the decoded bytes are not an RSA key in PKCS#8, PKCS#1 or SPKI form",
            },
        },
    }
}

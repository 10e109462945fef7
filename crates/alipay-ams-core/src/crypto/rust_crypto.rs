//! Pure-Rust backend (`rsa` with PKCS#1 v1.5, `sha2`).
//!
//! The content is hashed part by part inside `DigestSigner`/`DigestVerifier`,
//! which then run the RSA operation on the digest: no copy of the content, and
//! no per-call copy of the DigestInfo prefix (`Verifier::verify` clones it).

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{DigestSigner, DigestVerifier, SignatureEncoding};
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::{Digest as _, Sha256};

use super::Provider;

pub(crate) struct RustCrypto;

impl Provider for RustCrypto {
    type SigningKey = SigningKey<Sha256>;
    type VerifyingKey = VerifyingKey<Sha256>;

    fn signing_key(pkcs1_private: &[u8]) -> Result<SigningKey<Sha256>, &'static str> {
        let key = RsaPrivateKey::from_pkcs1_der(pkcs1_private)
            .map_err(|_| "the RSA private key structure is invalid")?;
        Ok(SigningKey::new(key))
    }

    fn verifying_key(pkcs1_public: &[u8]) -> Result<VerifyingKey<Sha256>, &'static str> {
        let key = RsaPublicKey::from_pkcs1_der(pkcs1_public)
            .map_err(|_| "the RSA public key structure is invalid")?;
        Ok(VerifyingKey::new(key))
    }

    fn sign(key: &SigningKey<Sha256>, parts: &[&[u8]]) -> Option<Vec<u8>> {
        key.try_sign_digest(|hash: &mut Sha256| {
            hash_parts(hash, parts);
            Ok(())
        })
        .ok()
        .map(|s| s.to_vec())
    }

    fn verify(key: &VerifyingKey<Sha256>, parts: &[&[u8]], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::try_from(signature) else {
            return false;
        };
        key.verify_digest(
            |hash: &mut Sha256| {
                hash_parts(hash, parts);
                Ok(())
            },
            &signature,
        )
        .is_ok()
    }
}

/// Feeds the parts, in order, to the hash: the digest of their concatenation.
fn hash_parts(hash: &mut Sha256, parts: &[&[u8]]) {
    for part in parts {
        hash.update(part);
    }
}

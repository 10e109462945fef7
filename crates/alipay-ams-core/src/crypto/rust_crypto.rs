//! Pure-Rust backend (`rsa` with PKCS#1 v1.5, `sha2`).

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::Sha256;

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

    fn sign(key: &SigningKey<Sha256>, message: &[u8]) -> Option<Vec<u8>> {
        key.try_sign(message).ok().map(|s| s.to_vec())
    }

    fn verify(key: &VerifyingKey<Sha256>, message: &[u8], signature: &[u8]) -> bool {
        match Signature::try_from(signature) {
            Ok(signature) => key.verify(message, &signature).is_ok(),
            Err(_) => false,
        }
    }
}

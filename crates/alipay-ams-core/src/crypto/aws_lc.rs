//! AWS-LC backend (`aws-lc-rs`).

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};

use super::Provider;

pub(crate) struct AwsLc;

impl Provider for AwsLc {
    type SigningKey = RsaKeyPair;
    type VerifyingKey = ParsedPublicKey;

    fn signing_key(pkcs1_private: &[u8]) -> Result<RsaKeyPair, &'static str> {
        RsaKeyPair::from_der(pkcs1_private).map_err(|e| e.description_())
    }

    fn verifying_key(pkcs1_public: &[u8]) -> Result<ParsedPublicKey, &'static str> {
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1_public)
            .map_err(|e| e.description_())
    }

    fn sign(key: &RsaKeyPair, message: &[u8]) -> Option<Vec<u8>> {
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message,
            &mut signature,
        )
        .ok()?;
        Some(signature)
    }

    fn verify(key: &ParsedPublicKey, message: &[u8], signature: &[u8]) -> bool {
        key.verify_sig(message, signature).is_ok()
    }
}

pub(crate) fn generate_pkcs1_2048() -> Option<Vec<u8>> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).ok()?;
    let pkcs8: Pkcs8V1Der<'static> = pair.as_der().ok()?;
    match crate::der::classify(pkcs8.as_ref()) {
        crate::der::Container::Pkcs8Private { pkcs1 } => Some(pkcs1.to_vec()),
        _ => None,
    }
}

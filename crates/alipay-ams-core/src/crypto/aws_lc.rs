//! AWS-LC backend (`aws-lc-rs`).
//!
//! The content is hashed with a `digest::Context` fed part by part, and the RSA
//! operation runs on the digest (`sign_digest`, `verify_digest_sig`): the same
//! EVP calls `sign`/`verify_sig` make after hashing a contiguous message, minus
//! the copy of the content into one buffer. The parsed key (`ParsedPublicKey`,
//! `RsaKeyPair`) is built once per key; aws-lc-rs still sets up an
//! `EVP_PKEY_CTX` on each call, which its safe API does not let a caller keep.
//! (AWS-LC's FIPS mode does not approve the digest entry points; this crate does
//! not enable FIPS mode.)

use aws_lc_rs::digest::{self, Digest, SHA256};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
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

    fn sign(key: &RsaKeyPair, parts: &[&[u8]]) -> Option<Vec<u8>> {
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign_digest(&RSA_PKCS1_SHA256, &sha256(parts), &mut signature)
            .ok()?;
        Some(signature)
    }

    fn verify(key: &ParsedPublicKey, parts: &[&[u8]], signature: &[u8]) -> bool {
        key.verify_digest_sig(&sha256(parts), signature).is_ok()
    }
}

/// SHA-256 over the concatenation of `parts`, without concatenating them.
fn sha256(parts: &[&[u8]]) -> Digest {
    if let [whole] = parts {
        // One part: the one-shot function hashes it without a heap-allocated context.
        return digest::digest(&SHA256, whole);
    }
    let mut context = digest::Context::new(&SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish()
}

pub(crate) fn generate_pkcs1_2048() -> Option<Vec<u8>> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).ok()?;
    let pkcs8: Pkcs8V1Der<'static> = pair.as_der().ok()?;
    match crate::der::classify(pkcs8.as_ref()) {
        crate::der::Container::Pkcs8Private { pkcs1 } => Some(pkcs1.to_vec()),
        _ => None,
    }
}

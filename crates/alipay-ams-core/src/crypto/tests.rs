//! Hashing the parts one after the other must accept exactly what hashing their
//! concatenation accepts. The reference here is each library's own
//! whole-message API (what this crate called before it hashed incrementally):
//! `ParsedPublicKey::verify_sig` / `RsaKeyPair::sign` for aws-lc-rs,
//! `Verifier::verify` / `Signer::try_sign` for the `rsa` crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

use std::sync::OnceLock;

use proptest::prelude::*;

use super::{Backend, SigningKey, VerifyingKey};

/// The example merchant key (DER; the file name notwithstanding, PKCS#8).
const MERCHANT_DER: &[u8] = include_bytes!("../../tests/keys/merchant_pkcs1.der");

fn private_pkcs1() -> &'static [u8] {
    match crate::der::classify(MERCHANT_DER) {
        crate::der::Container::Pkcs8Private { pkcs1 }
        | crate::der::Container::Pkcs1Private { pkcs1 } => pkcs1,
        _ => panic!("the example merchant key is not an RSA private key"),
    }
}

fn public_pkcs1() -> &'static [u8] {
    static PUBLIC: OnceLock<Vec<u8>> = OnceLock::new();
    PUBLIC.get_or_init(|| crate::der::public_from_private(private_pkcs1()).unwrap())
}

/// The parsed keys of every compiled-in backend, parsed once for all cases.
fn keys() -> &'static [(SigningKey, VerifyingKey)] {
    static KEYS: OnceLock<Vec<(SigningKey, VerifyingKey)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        Backend::ALL
            .iter()
            .map(|&backend| {
                (
                    SigningKey::parse(backend, private_pkcs1()).unwrap(),
                    VerifyingKey::parse(backend, public_pkcs1()).unwrap(),
                )
            })
            .collect()
    })
}

/// The library's own sign over the whole message.
fn reference_sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    match key {
        #[cfg(feature = "aws-lc-rs")]
        SigningKey::AwsLcRs(k) => {
            use aws_lc_rs::rand::SystemRandom;
            use aws_lc_rs::signature::RSA_PKCS1_SHA256;
            let mut signature = vec![0u8; k.public_modulus_len()];
            k.sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .unwrap();
            signature
        }
        #[cfg(feature = "rust-crypto")]
        SigningKey::RustCrypto(k) => {
            use rsa::signature::{SignatureEncoding, Signer};
            k.try_sign(message).unwrap().to_vec()
        }
    }
}

/// The library's own verify over the whole message.
fn reference_verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    match key {
        #[cfg(feature = "aws-lc-rs")]
        VerifyingKey::AwsLcRs(k) => k.verify_sig(message, signature).is_ok(),
        #[cfg(feature = "rust-crypto")]
        VerifyingKey::RustCrypto(k) => {
            use rsa::signature::Verifier;
            match rsa::pkcs1v15::Signature::try_from(signature) {
                Ok(signature) => k.verify(message, &signature).is_ok(),
                Err(_) => false,
            }
        }
    }
}

/// Cuts `content` at the given positions (duplicates and the ends allowed, so
/// some parts are empty).
fn split<'a>(content: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(content.len() + 1)).collect();
    at.sort_unstable();
    let mut parts = Vec::with_capacity(at.len() + 1);
    let mut start = 0;
    for end in at {
        parts.push(&content[start..end]);
        start = end;
    }
    parts.push(&content[start..]);
    parts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parts_verify_exactly_what_the_whole_content_verifies(
        content in proptest::collection::vec(any::<u8>(), 0..1500),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        flip in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let parts = split(&content, &cuts);
        prop_assert_eq!(parts.concat(), content.clone());
        let mut changed = content.clone();
        if !changed.is_empty() {
            changed[flip.index(content.len())] ^= xor;
        }
        for (signing, verifying) in keys() {
            let backend = signing.backend().name();
            // The same signature bytes as the library's whole-message sign
            // (PKCS#1 v1.5 is deterministic).
            let signature = signing.sign(&parts).unwrap();
            prop_assert_eq!(&signature, &reference_sign(signing, &content), "{}", backend);

            prop_assert!(verifying.verify(&parts, &signature), "{}", backend);
            prop_assert!(reference_verify(verifying, &content, &signature), "{}", backend);

            // One byte changed anywhere in the content: both refuse.
            if !content.is_empty() {
                let changed_parts = split(&changed, &cuts);
                prop_assert!(!verifying.verify(&changed_parts, &signature), "{}", backend);
                prop_assert!(!reference_verify(verifying, &changed, &signature), "{}", backend);
            }

            // One byte changed anywhere in the signature: both refuse.
            let mut bad = signature.clone();
            let at = flip.index(bad.len());
            bad[at] ^= xor;
            prop_assert!(!verifying.verify(&parts, &bad), "{}", backend);
            prop_assert!(!reference_verify(verifying, &content, &bad), "{}", backend);

            // A signature of other content: both refuse.
            let other = reference_sign(signing, &changed);
            prop_assert_eq!(
                verifying.verify(&parts, &other),
                reference_verify(verifying, &content, &other),
                "{}", backend
            );
            prop_assert_eq!(verifying.verify(&parts, &other), content.is_empty(), "{}", backend);
        }
    }

    #[test]
    fn truncated_or_padded_signatures_are_refused_like_the_reference(
        content in proptest::collection::vec(any::<u8>(), 0..200),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        keep in 0usize..=257,
    ) {
        let parts = split(&content, &cuts);
        for (signing, verifying) in keys() {
            let mut signature = signing.sign(&parts).unwrap();
            signature.resize(keep, 0);
            let expected = keep == 256;
            prop_assert_eq!(verifying.verify(&parts, &signature), expected);
            prop_assert_eq!(reference_verify(verifying, &content, &signature), expected);
        }
    }
}

#[test]
fn every_backend_signs_the_same_bytes_over_parts() {
    let parts: [&[u8]; 3] = [b"POST /x\n", b"C.1.", b"{}"];
    let signatures: Vec<Vec<u8>> = keys()
        .iter()
        .map(|(signing, _)| signing.sign(&parts).unwrap())
        .collect();
    assert_eq!(signatures.len(), Backend::ALL.len());
    assert!(signatures.windows(2).all(|w| w[0] == w[1]));
    for (_, verifying) in keys() {
        assert!(reference_verify(
            verifying,
            b"POST /x\nC.1.{}",
            &signatures[0]
        ));
    }
}

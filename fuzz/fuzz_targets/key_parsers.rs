//! `PrivateKey::parse` / `PublicKey::parse` on arbitrary bytes, with every
//! backend: never a panic; an accepted private key signs something its own
//! public key verifies; an accepted public key survives an SPKI round trip;
//! `Debug` never shows key material.
#![no_main]

use alipay_ams_core::{Backend, PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for &backend in Backend::ALL {
        if let Ok(key) = PrivateKey::parse_with(data, backend) {
            assert!(key.bits() >= 2048, "accepted a {}-bit key", key.bits());
            let debug = format!("{key:?}");
            assert!(debug.contains("redacted"), "Debug of a private key: {debug}");
            let signature = key.sign(b"fuzz").unwrap_or_else(|_| panic!("accepted key cannot sign ({backend:?})"));
            assert!(key.public_key().verify(b"fuzz", &signature), "accepted key's own public key refuses its signature ({backend:?})");
            assert!(!key.public_key().verify(b"fuzZ", &signature));
        }
        if let Ok(key) = PublicKey::parse_with(data, backend) {
            assert!(key.bits() >= 2048, "accepted a {}-bit key", key.bits());
            let again = PublicKey::parse_with(key.to_spki_pem(), backend)
                .unwrap_or_else(|e| panic!("SPKI PEM of an accepted key does not parse: {e}"));
            assert_eq!(again, key);
            let again = PublicKey::parse_with(key.to_spki_base64(), backend)
                .unwrap_or_else(|e| panic!("SPKI base64 of an accepted key does not parse: {e}"));
            assert_eq!(again, key);
            assert!(!key.verify(b"fuzz", data), "arbitrary bytes verified as a signature");
        }
    }
});

//! Property tests: sign/verify round trips, and parsers that never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use alipay_ams_core::{Amount, Message, PrivateKey, PublicKey, SignatureHeader};
use proptest::prelude::*;
use std::sync::OnceLock;

fn keys() -> &'static (PrivateKey, PublicKey) {
    static KEYS: OnceLock<(PrivateKey, PublicKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example/merchant");
        let private = PrivateKey::from_file(format!("{dir}/private_key.pem")).unwrap();
        let public = PublicKey::from_file(format!("{dir}/public_key.b64")).unwrap();
        (private, public)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_round_trips(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        path in "/[a-zA-Z0-9/_.-]{0,80}",
        client_id in "[A-Z0-9_]{1,64}",
        time in "[0-9]{13}",
        flip in any::<prop::sample::Index>(),
    ) {
        let (private, public) = keys();
        let m = Message::request(&path, &client_id, &time, &body);
        let header = m.sign(private, 1).unwrap().to_string();
        prop_assert!(m.verify(public, &header).is_ok());
        // The header survives re-parsing byte for byte.
        let parsed = SignatureHeader::parse(&header).unwrap();
        prop_assert_eq!(parsed.to_string(), header.clone());
        // Any single changed body byte breaks it.
        if !body.is_empty() {
            let mut tampered = body.clone();
            let i = flip.index(tampered.len());
            tampered[i] ^= 0x01;
            let t = Message::request(&path, &client_id, &time, &tampered);
            prop_assert!(t.verify(public, &header).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn header_parser_never_panics(text in ".{0,300}") {
        let _ = SignatureHeader::parse(&text);
    }

    #[test]
    fn header_parser_never_panics_on_near_misses(
        sig in "[A-Za-z0-9%+/=, ]{0,400}",
        prefix in "(algorithm=RSA256, ?)?(keyVersion=[0-9a-z]{0,3}, ?)?",
    ) {
        let _ = SignatureHeader::parse(&format!("{prefix}signature={sig}"));
    }

    #[test]
    fn key_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = PrivateKey::parse(&bytes);
        let _ = PublicKey::parse(&bytes);
    }

    #[test]
    fn key_parsers_never_panic_on_mangled_der(
        cut in 0usize..1300,
        flip in 0usize..1300,
        xor in 1u8..=255,
    ) {
        let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/merchant_pkcs1.der")).unwrap();
        let mut mangled = der[..cut.min(der.len())].to_vec();
        if let Some(b) = mangled.get_mut(flip) { *b ^= xor; }
        let _ = PrivateKey::parse(&mangled);
        let _ = PublicKey::parse(&mangled);
    }

    #[test]
    fn amount_parsing_never_panics_and_round_trips(
        currency in "[A-Za-z]{3}",
        decimal in "[0-9]{1,10}(\\.[0-9]{0,4})?",
    ) {
        if let Ok(amount) = Amount::from_decimal(&currency, &decimal) {
            let back = amount.to_decimal().unwrap();
            let again = Amount::from_decimal(&currency, &back).unwrap();
            prop_assert_eq!(again, amount);
        }
    }
}

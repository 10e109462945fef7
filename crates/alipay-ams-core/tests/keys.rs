//! Every key form a merchant may be handed parses to the same key, and every
//! wrong one is refused with an error that says what to pass instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use alipay_ams_core::{Backend, KeyError, Message, PrivateKey, PublicKey};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
const TEST_KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn example(file: &str) -> Vec<u8> {
    read(&format!("{EXAMPLE}/{file}"))
}

fn test_key(file: &str) -> Vec<u8> {
    read(&format!("{TEST_KEYS}/{file}"))
}

/// Signs with `private`, checks with the reference public key.
fn signs_for(private: &PrivateKey, public: &PublicKey) -> bool {
    let m = Message::request("/ams/api/v1/payments/capture", "SANDBOX_X", "1", b"{}");
    let header = m.sign(private, 1).unwrap().to_string();
    m.verify(public, &header).is_ok()
}

#[test]
fn every_private_key_form_is_the_same_key() {
    let reference = PublicKey::parse(example("merchant/public_key.pem")).unwrap();
    let mut forms = vec![
        ("PKCS#8 PEM", example("merchant/private_key.pem")),
        ("PKCS#8 bare base64", example("merchant/private_key.b64")),
        ("PKCS#1 PEM", test_key("merchant_pkcs1.pem")),
        ("PKCS#1 bare base64", test_key("merchant_pkcs1.b64")),
        (
            "PKCS#8 under the RSA PRIVATE KEY label, CRLF",
            test_key("merchant_pkcs8_under_rsa_label.pem"),
        ),
        ("PKCS#1 DER", test_key("merchant_pkcs1.der")),
    ];
    // The Dashboard's base64 pasted with line breaks and indentation.
    let wrapped: Vec<u8> = example("merchant/private_key.b64")
        .chunks(64)
        .flat_map(|line| [b"  ".as_slice(), line, b"\n"].concat())
        .collect();
    forms.push(("wrapped, indented base64", wrapped));
    for backend in Backend::ALL {
        for (name, bytes) in &forms {
            let key = PrivateKey::parse_with(bytes, *backend)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", backend.name()));
            assert_eq!(key.bits(), 2048, "{name}");
            assert_eq!(key.public_key(), &reference, "{name}: derived public key");
            assert!(signs_for(&key, &reference), "{name} on {}", backend.name());
        }
    }
}

#[test]
fn every_public_key_form_is_the_same_key() {
    let reference = PublicKey::parse(example("merchant/public_key.pem")).unwrap();
    let private = PrivateKey::parse(example("merchant/private_key.pem")).unwrap();
    let forms = [
        ("SPKI PEM", example("merchant/public_key.pem")),
        ("SPKI bare base64", example("merchant/public_key.b64")),
        ("PKCS#1 PEM", test_key("merchant_public_pkcs1.pem")),
    ];
    for backend in Backend::ALL {
        for (name, bytes) in &forms {
            let key = PublicKey::parse_with(bytes, *backend)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", backend.name()));
            assert_eq!(&key, &reference, "{name}");
            assert!(signs_for(&private, &key), "{name} on {}", backend.name());
        }
    }
    assert_eq!(
        reference.to_spki_base64().as_bytes(),
        example("merchant/public_key.b64").trim_ascii()
    );
    assert_eq!(
        reference.to_spki_pem().as_bytes(),
        example("merchant/public_key.pem")
    );
}

#[test]
fn a_public_key_passed_as_private_says_so() {
    for file in ["merchant/public_key.pem", "merchant/public_key.b64"] {
        let err = PrivateKey::parse(example(file)).unwrap_err();
        assert!(
            matches!(
                err,
                KeyError::WrongKind {
                    found: "a public key",
                    ..
                }
            ),
            "{file}: {err}"
        );
        assert!(err.to_string().contains("PRIVATE key"), "{err}");
    }
}

#[test]
fn a_private_key_passed_as_public_says_so() {
    let err = PublicKey::parse(example("alipay/private_key.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::WrongKind {
                found: "a private key",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Alipay's PUBLIC key"), "{err}");
}

#[test]
fn certificates_encrypted_small_and_foreign_keys_are_refused_with_a_way_out() {
    let cert = PublicKey::parse(test_key("certificate.pem")).unwrap_err();
    assert!(cert.to_string().contains("openssl x509"), "{cert}");
    assert!(matches!(
        PrivateKey::parse(test_key("certificate.pem")).unwrap_err(),
        KeyError::WrongKind {
            found: "an X.509 certificate",
            ..
        }
    ));
    let enc = PrivateKey::parse(test_key("encrypted_pkcs8.pem")).unwrap_err();
    assert!(matches!(enc, KeyError::Encrypted), "{enc}");
    assert!(matches!(
        PrivateKey::parse(test_key("rsa1024.pem")).unwrap_err(),
        KeyError::TooSmall { bits: 1024 }
    ));
    for file in ["ec_p256.pem", "ed25519.pem"] {
        let err = PrivateKey::parse(test_key(file)).unwrap_err();
        assert!(matches!(err, KeyError::NotRsa { .. }), "{file}: {err}");
    }
    let err = PublicKey::parse(test_key("ec_p256_public.pem")).unwrap_err();
    assert!(matches!(err, KeyError::NotRsa { .. }), "{err}");
}

#[test]
fn empty_and_garbage_input_get_clear_errors() {
    assert!(matches!(
        PrivateKey::parse(b"").unwrap_err(),
        KeyError::Empty
    ));
    assert!(matches!(
        PublicKey::parse(b" \n\t").unwrap_err(),
        KeyError::Empty
    ));
    let err = PrivateKey::parse("this is not a key").unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Malformed {
                form: "bare base64",
                ..
            }
        ),
        "{err}"
    );
    let err = PublicKey::parse("ssh-rsa AAAAB3NzaC1yc2E user@host").unwrap_err();
    assert!(err.to_string().contains("ssh-keygen"), "{err}");
    let truncated = "-----BEGIN PRIVATE KEY-----\nMIIEvg\n";
    assert!(matches!(
        PrivateKey::parse(truncated).unwrap_err(),
        KeyError::Malformed { form: "PEM", .. }
    ));
    let err = PrivateKey::from_file("/nonexistent/key.pem").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/key.pem"), "{err}");
}

#[test]
fn debug_and_errors_never_show_key_material() {
    let pem = String::from_utf8(example("merchant/private_key.pem")).unwrap();
    let b64 = String::from_utf8(example("merchant/private_key.b64")).unwrap();
    let key = PrivateKey::parse(&pem).unwrap();
    let debug = format!("{key:?}");
    assert_eq!(debug, "PrivateKey(rsa-2048, <redacted>)");
    let public_debug = format!("{:?}", key.public_key());
    assert_eq!(public_debug, "PublicKey(rsa-2048)");
    // A private key given where a public one belongs: the error must not echo it.
    let err = PublicKey::parse(&pem).unwrap_err();
    for shown in [err.to_string(), format!("{err:?}")] {
        for chunk in b64.as_bytes().chunks(16) {
            let chunk = std::str::from_utf8(chunk).unwrap();
            assert!(!shown.contains(chunk), "error shows key material: {shown}");
        }
    }
}

#[cfg(all(feature = "aws-lc-rs", feature = "rust-crypto"))]
#[test]
fn both_backends_produce_identical_signatures() {
    let pem = example("merchant/private_key.pem");
    let aws = PrivateKey::parse_with(&pem, Backend::AwsLcRs).unwrap();
    let rc = PrivateKey::parse_with(&pem, Backend::RustCrypto).unwrap();
    for body in [
        &b""[..],
        b"{}",
        "{\"x\":\"\u{e9}\u{4e2d}\"}".as_bytes(),
        &[0u8; 5000],
    ] {
        let m = Message::request(
            "/ams/sandbox/api/v1/payments/capture",
            "SANDBOX_X",
            "1685599933871",
            body,
        );
        let a = m.sign(&aws, 1).unwrap();
        let r = m.sign(&rc, 1).unwrap();
        assert_eq!(a.signature(), r.signature());
        assert_eq!(a.to_string(), r.to_string());
        // Each backend verifies the other's signature.
        let aws_pub =
            PublicKey::parse_with(example("merchant/public_key.pem"), Backend::AwsLcRs).unwrap();
        let rc_pub =
            PublicKey::parse_with(example("merchant/public_key.pem"), Backend::RustCrypto).unwrap();
        assert!(m.verify(&rc_pub, &a.to_string()).is_ok());
        assert!(m.verify(&aws_pub, &r.to_string()).is_ok());
    }
}

#[cfg(feature = "aws-lc-rs")]
#[test]
fn generated_keys_round_trip() {
    let pem = PrivateKey::generate_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let key = PrivateKey::parse(&pem).unwrap();
    let public = PublicKey::parse(key.public_key().to_spki_base64()).unwrap();
    assert_eq!(key.bits(), 2048);
    assert!(signs_for(&key, &public));
    let other = PrivateKey::parse(PrivateKey::generate_pkcs8_pem().unwrap()).unwrap();
    assert!(!signs_for(&other, &public));
}

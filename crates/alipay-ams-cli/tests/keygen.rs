//! `alipay-ams keygen`, run as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_core::{Message, PrivateKey, PublicKey};
use common::{CLIENT_ID, path_arg, run, scratch};

#[test]
fn writes_three_files_that_parse_back_as_one_pair() {
    let out = scratch("keygen-three").join("nested/keys");
    let r = run(["keygen", "--out", &path_arg(&out)]);
    assert_eq!(r.code, 0, "{r:?}");

    let private_pem = std::fs::read_to_string(out.join("private_key.pem")).unwrap();
    assert!(
        private_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "PKCS#8 PEM expected"
    );
    let private = PrivateKey::from_file(out.join("private_key.pem")).unwrap();
    assert_eq!(private.bits(), 2048);
    let pem = PublicKey::from_file(out.join("public_key.pem")).unwrap();
    let b64 = PublicKey::from_file(out.join("public_key.b64")).unwrap();
    assert_eq!(&pem, private.public_key());
    assert_eq!(&b64, private.public_key());
    assert!(
        std::fs::read_to_string(out.join("public_key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let bare = std::fs::read_to_string(out.join("public_key.b64")).unwrap();
    assert!(
        !bare.contains("-----") && !bare.contains('\n'),
        "bare base64 on one line: {bare:?}"
    );
    assert_eq!(bare, private.public_key().to_spki_base64());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("private_key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // It says what it wrote and what to do next, and prints no key material.
    assert!(r.stdout.contains("private_key.pem") && r.stdout.contains("public_key.pem"));
    assert!(
        r.stdout.contains("upload")
            && r.stdout.contains("public_key.b64")
            && r.stdout.contains("Dashboard")
    );
    for line in private_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!r.stdout.contains(line) && !r.stderr.contains(line));
    }
    assert!(!r.stdout.contains(&bare));
}

#[test]
fn the_new_private_key_signs_what_the_new_public_key_verifies() {
    let out = scratch("keygen-roundtrip");
    assert_eq!(run(["keygen", "--out", &path_arg(&out)]).code, 0);
    let body = r#"{"captureRequestId":"c-1"}"#;
    let signed = run([
        "sign",
        "--private-key",
        &path_arg(&out.join("private_key.pem")),
        "--client-id",
        CLIENT_ID,
        "--path",
        "/ams/api/v1/payments/capture",
        "--time",
        "1685599933871",
        "--body",
        body,
    ]);
    assert_eq!(signed.code, 0, "{signed:?}");
    let header = signed.stdout.trim_end();
    for public in ["public_key.pem", "public_key.b64"] {
        let r = run([
            "verify",
            "--public-key",
            &path_arg(&out.join(public)),
            "--client-id",
            CLIENT_ID,
            "--path",
            "/ams/api/v1/payments/capture",
            "--time",
            "1685599933871",
            "--body",
            body,
            "--signature",
            header,
        ]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, "valid\n"),
            "{public}: {r:?}"
        );
        let key = PublicKey::from_file(out.join(public)).unwrap();
        let message = Message::request(
            "/ams/api/v1/payments/capture",
            CLIENT_ID,
            "1685599933871",
            body.as_bytes(),
        );
        assert!(message.verify(&key, header).is_ok());
    }
    // And a freshly made pair is not the example pair: another key does not verify.
    let r = run([
        "verify",
        "--public-key",
        &path_arg(&common::example_key("merchant", "public_key.pem")),
        "--client-id",
        CLIENT_ID,
        "--path",
        "/ams/api/v1/payments/capture",
        "--time",
        "1685599933871",
        "--body",
        body,
        "--signature",
        header,
    ]);
    assert_eq!(r.code, 1, "{r:?}");
}

#[test]
fn refuses_to_overwrite_and_leaves_existing_files_untouched() {
    let out = scratch("keygen-no-overwrite");
    assert_eq!(run(["keygen", "--out", &path_arg(&out)]).code, 0);
    let before: Vec<Vec<u8>> = ["private_key.pem", "public_key.pem", "public_key.b64"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();

    let r = run(["keygen", "--out", &path_arg(&out)]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("already exists"),
        "{}",
        r.stderr
    );
    let after: Vec<Vec<u8>> = ["private_key.pem", "public_key.pem", "public_key.b64"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn one_existing_file_is_enough_to_refuse_and_nothing_is_written() {
    let out = scratch("keygen-one-exists");
    std::fs::write(out.join("public_key.b64"), "mine").unwrap();
    let r = run(["keygen", "--out", &path_arg(&out)]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("public_key.b64"), "{}", r.stderr);
    assert!(!out.join("private_key.pem").exists());
    assert!(!out.join("public_key.pem").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("public_key.b64")).unwrap(),
        "mine"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let r = run(["keygen"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing --out")
            && r.stderr.contains("Usage: alipay-ams keygen --out DIR"),
        "{}",
        r.stderr
    );
    let r = run(["keygen", "--out"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--out needs a value"), "{}", r.stderr);
    let r = run(["keygen", "--dir", "x"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown flag `--dir`"), "{}", r.stderr);
    let r = run(["keygen", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("Usage: alipay-ams keygen --out DIR"));
}

//! `alipay-ams sign` and `alipay-ams verify`, run as real processes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::path::Path;

use alipay_ams_core::{Message, PrivateKey, PublicKey};
use common::{CAPTURE_PATH, CLIENT_ID, Run, example_key, path_arg, run, scratch};

const TIME: &str = "1685599933871";
const BODY: &str = r#"{"captureRequestId":"c-1","paymentId":"p-1","captureAmount":{"currency":"USD","value":"1000"}}"#;

fn merchant_private() -> String {
    path_arg(&example_key("merchant", "private_key.pem"))
}

fn merchant_public() -> String {
    path_arg(&example_key("merchant", "public_key.pem"))
}

fn sign_file(key: &str, body_file: &Path) -> Run {
    run([
        "sign",
        "--private-key",
        key,
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body-file",
        &path_arg(body_file),
    ])
}

fn sign_text(body: &str) -> String {
    let r = run([
        "sign",
        "--private-key",
        &merchant_private(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body",
        body,
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.ends_with('\n') && r.stdout.lines().count() == 1,
        "one line: {:?}",
        r.stdout
    );
    r.stdout.trim_end().to_owned()
}

fn verify(key: &str, body_flag: &str, body: &str, signature: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        "--public-key",
        key,
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        body_flag,
        body,
        "--signature",
        signature,
    ];
    args.extend_from_slice(extra);
    run(args)
}

#[test]
fn sign_prints_the_header_core_would_make_and_both_verifiers_accept_it() {
    let header = sign_text(BODY);
    assert!(
        header.starts_with("algorithm=RSA256,keyVersion=1,signature="),
        "{header}"
    );

    // RSA PKCS#1 v1.5 is deterministic: the CLI must produce exactly core's header.
    let key = PrivateKey::from_file(example_key("merchant", "private_key.pem")).unwrap();
    let message = Message::request(CAPTURE_PATH, CLIENT_ID, TIME, BODY.as_bytes());
    assert_eq!(header, message.sign(&key, 1).unwrap().to_string());

    let public = PublicKey::from_file(example_key("merchant", "public_key.b64")).unwrap();
    assert!(message.verify(&public, &header).is_ok());

    for key in ["public_key.pem", "public_key.b64"] {
        let r = verify(
            &path_arg(&example_key("merchant", key)),
            "--body",
            BODY,
            &header,
            &[],
        );
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "valid\n", ""),
            "{key}"
        );
    }
}

#[test]
fn every_private_key_form_signs_identically_and_key_version_is_carried() {
    let from_pem = sign_text(BODY);
    let r = run([
        "sign",
        "--private-key",
        &path_arg(&example_key("merchant", "private_key.b64")),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body",
        BODY,
    ]);
    assert_eq!((r.code, r.stdout.trim_end()), (0, from_pem.as_str()));

    let r = run([
        "sign",
        "--private-key",
        &merchant_private(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body",
        BODY,
        "--key-version",
        "2",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .starts_with("algorithm=RSA256,keyVersion=2,signature="),
        "{}",
        r.stdout
    );
    let r = run([
        "sign",
        "--private-key",
        &merchant_private(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body",
        BODY,
        "--key-version",
        "two",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--key-version"), "{}", r.stderr);
}

#[test]
fn a_tampered_body_or_the_wrong_key_exits_1_with_the_reason() {
    let header = sign_text(BODY);
    let tampered = BODY.replace("1000", "9000");
    let r = verify(&merchant_public(), "--body", &tampered, &header, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .starts_with("invalid: the signature does not match"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("--explain"),
        "points to --explain: {}",
        r.stdout
    );

    let alipay = path_arg(&example_key("alipay", "public_key.pem"));
    let r = verify(&alipay, "--body", BODY, &header, &[]);
    assert_eq!(r.code, 1, "{r:?}");

    let other_path = run([
        "verify",
        "--public-key",
        &merchant_public(),
        "--client-id",
        CLIENT_ID,
        "--path",
        "/ams/sandbox/api/v1/payments/capture",
        "--time",
        TIME,
        "--body",
        BODY,
        "--signature",
        &header,
    ]);
    assert_eq!(other_path.code, 1);

    // A signature that is not even readable still "does not verify": exit 1.
    let r = verify(
        &merchant_public(),
        "--body",
        BODY,
        "algorithm=RSA256,keyVersion=1,signature=%ZZ",
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.starts_with("invalid: malformed Signature header"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_accepts_the_bare_signature_and_tolerant_header_forms() {
    let header = sign_text(BODY);
    let bare = header.split_once("signature=").unwrap().1.to_owned();
    let r = verify(&merchant_public(), "--body", BODY, &bare, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let spaced = header.replace(',', ", ").replace("%2B", "%2b");
    let r = verify(&merchant_public(), "--body", BODY, &spaced, &[]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn file_and_key_errors_exit_2_with_what_to_do() {
    let header = sign_text(BODY);
    let dir = scratch("sign-verify-errors");

    let r = sign_file(&merchant_private(), &dir.join("missing.json"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: --body-file") && r.stderr.contains("missing.json"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());

    let r = verify(
        &path_arg(&dir.join("nope.pem")),
        "--body",
        BODY,
        &header,
        &[],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("could not read the key file"),
        "{}",
        r.stderr
    );

    // The public key where the private key belongs: a message that names the fix.
    std::fs::write(dir.join("body.json"), BODY).unwrap();
    let r = sign_file(&merchant_public(), &dir.join("body.json"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.starts_with("error: --private-key"), "{}", r.stderr);
    assert!(
        r.stderr.contains("this is a public key") && r.stderr.contains("PRIVATE key"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());

    // And the private key where a public key belongs.
    let r = verify(&merchant_private(), "--body", BODY, &header, &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("this is a private key") && r.stderr.contains("PUBLIC key"),
        "{}",
        r.stderr
    );
    // No key material in any message.
    let pem = std::fs::read_to_string(example_key("merchant", "private_key.pem")).unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!r.stderr.contains(line));
    }

    std::fs::write(dir.join("empty.pem"), "").unwrap();
    let r = sign_file(&path_arg(&dir.join("empty.pem")), &dir.join("body.json"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("the key is empty"), "{}", r.stderr);
}

#[test]
fn bad_command_lines_exit_2_with_usage() {
    let key = merchant_private();
    let base = [
        "--private-key",
        key.as_str(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--body", "x", "--bogus"], "unknown flag `--bogus`"),
        (vec!["--body", "x", "--bogus=1"], "unknown flag `--bogus`"),
        (vec![], "missing the body"),
        (
            vec!["--body", "x", "--body-file", "f"],
            "either --body-file or --body",
        ),
        (vec!["--body", "x", "--body", "y"], "more than once"),
        (vec!["--body", "x", "stray"], "unexpected argument `stray`"),
        (vec!["--body"], "--body needs a value"),
        (
            vec!["--key-version", "--body", "x"],
            "followed by the flag --body",
        ),
        (vec!["--body", "x", "--method", "post"], "--method"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["sign"];
        args.extend_from_slice(&base);
        args.extend_from_slice(&extra);
        let r = run(&args);
        assert_eq!(r.code, 2, "{extra:?}: {r:?}");
        assert!(r.stderr.starts_with("error: "), "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("Usage: alipay-ams sign"),
            "{extra:?}: {}",
            r.stderr
        );
        // The synopsis and a pointer to --help, not the whole help text.
        assert!(
            r.stderr
                .ends_with("Run `alipay-ams sign --help` for details.\n"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("Options:"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{extra:?}");
    }

    let r = run(["sign", "--body", "x"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing --private-key, --client-id, --path, --time"),
        "{}",
        r.stderr
    );

    let r = run([
        "verify",
        "--public-key",
        "k",
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing --signature"), "{}", r.stderr);
    let r = run(["verify", "--explain=yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--explain is a switch"), "{}", r.stderr);

    let r = run([
        "sign",
        "--private-key",
        &key,
        "--client-id",
        CLIENT_ID,
        "--path",
        "https://open-sea-global.alipay.com/ams/api/v1/payments/capture",
        "--time",
        TIME,
        "--body",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("the path only"), "{}", r.stderr);

    let r = run([
        "sign",
        "--private-key",
        &key,
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        " 1",
        "--body",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("spaces"), "{}", r.stderr);

    for args in [vec![], vec!["frobnicate"]] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("Usage:") && r.stderr.contains("alipay-ams capture"),
            "{}",
            r.stderr
        );
    }
    for sub in ["sign", "verify"] {
        let r = run([sub, "--help"]);
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.starts_with(&format!("Usage: alipay-ams {sub} ")),
            "{}",
            r.stdout
        );
    }
    let r = run(["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes:"));
}

#[test]
fn a_value_that_starts_with_dashes_can_be_passed_with_equals() {
    let header = sign_text("--not-a-flag");
    let r = run([
        "verify",
        "--public-key",
        &merchant_public(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--body=--not-a-flag",
        &format!("--signature={header}"),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn body_files_are_signed_byte_exact_with_trailing_newline_and_crlf() {
    let dir = scratch("sign-verify-exact");
    for (name, bytes) in [
        ("lf.json", format!("{BODY}\n")),
        (
            "crlf.json",
            "{\r\n  \"captureRequestId\": \"c-1\"\r\n}\r\n".to_owned(),
        ),
        (
            "utf8.json",
            "{\"note\":\"caf\u{e9} \u{4e2d}\u{6587}\"}\n".to_owned(),
        ),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, &bytes).unwrap();
        let r = sign_file(&merchant_private(), &file);
        assert_eq!(r.code, 0, "{name}: {r:?}");
        let header = r.stdout.trim_end();

        // Core, over the file's exact bytes, agrees.
        let public = PublicKey::from_file(example_key("merchant", "public_key.pem")).unwrap();
        let exact = Message::request(CAPTURE_PATH, CLIENT_ID, TIME, bytes.as_bytes());
        assert!(exact.verify(&public, header).is_ok(), "{name}");

        // The same file verifies; the same text without its final line break does not.
        let r = verify(
            &merchant_public(),
            "--body-file",
            &path_arg(&file),
            header,
            &[],
        );
        assert_eq!(r.code, 0, "{name}: {r:?}");
        let stripped = bytes.trim_end_matches(['\n', '\r']);
        let r = verify(&merchant_public(), "--body", stripped, header, &[]);
        assert_eq!(r.code, 1, "{name}: {r:?}");
        // And with the exact text on the command line, it verifies again.
        let r = verify(&merchant_public(), "--body", &bytes, header, &[]);
        assert_eq!(r.code, 0, "{name}: {r:?}");
    }
}

#[test]
fn a_file_signed_with_its_newline_but_checked_without_gets_a_hint() {
    let dir = scratch("sign-verify-hint");
    let header = sign_text(BODY);
    let file = dir.join("body.json");
    std::fs::write(&file, format!("{BODY}\n")).unwrap();
    let r = verify(
        &merchant_public(),
        "--body-file",
        &path_arg(&file),
        &header,
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("ends with a line break"), "{}", r.stdout);
}

#[test]
fn explain_shows_the_exact_content_with_escapes_and_byte_counts() {
    let dir = scratch("sign-verify-explain");
    let body = "{\r\n\t\"a\": \"\\u00e9\"\r\n}\n";
    let file = dir.join("body.json");
    std::fs::write(&file, body).unwrap();
    let header = sign_file(&merchant_private(), &file)
        .stdout
        .trim_end()
        .to_owned();

    let r = verify(
        &merchant_public(),
        "--body-file",
        &path_arg(&file),
        &header,
        &["--explain"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let content_len = format!("POST {CAPTURE_PATH}\n{CLIENT_ID}.{TIME}.").len() + body.len();
    let expected = format!(
        "content checked: {content_len} bytes (body: {} bytes)\n",
        body.len()
    );
    assert!(r.stdout.starts_with(&expected), "{}", r.stdout);
    let shown = format!(
        "|POST {CAPTURE_PATH}\\n\n|{CLIENT_ID}.{TIME}.{{\\r\\n\n|\\t\"a\": \"\\\\u00e9\"\\r\\n\n|}}\\n\n|\n(end of content)\n"
    );
    assert!(
        r.stdout.contains(&shown),
        "expected\n{shown}\nin\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("keyVersion=1, 256 signature bytes"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("valid\n"));

    // When it does not verify, --explain shows what was checked, then the reason.
    let r = verify(&merchant_public(), "--body", "{}", &header, &["--explain"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains(&format!("|{CLIENT_ID}.{TIME}.{{}}\n(end of content)")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().last().unwrap().starts_with("invalid: "),
        "{}",
        r.stdout
    );
}

#[cfg(unix)]
#[test]
fn bodies_that_are_not_utf8_are_signed_as_bytes() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    let dir = scratch("sign-verify-bytes");
    let bytes = b"{\"a\":\"\xff\xfe\"}".to_vec();
    let file = dir.join("latin.bin");
    std::fs::write(&file, &bytes).unwrap();
    let r = sign_file(&merchant_private(), &file);
    assert_eq!(r.code, 0, "{r:?}");
    let header = r.stdout.trim_end().to_owned();
    let mut args: Vec<OsString> = [
        "verify",
        "--public-key",
        &merchant_public(),
        "--client-id",
        CLIENT_ID,
        "--path",
        CAPTURE_PATH,
        "--time",
        TIME,
        "--signature",
        &header,
        "--explain",
        "--body",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.push(OsString::from_vec(bytes));
    let r = run(args);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(r#"{"a":"\xFF\xFE"}"#), "{}", r.stdout);
}

//! `alipay-ams verify --explain` names the classic sandbox mistake: a
//! `SANDBOX_` client id signed over the production path `/ams/api/...` (or
//! a production id over `/ams/sandbox/api/...`), and says which path to
//! sign instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::{Run, example_key, path_arg, run, scratch};

const TIME: &str = "1685599933871";
const BODY: &str = r#"{"paymentRequestId":"pay-1"}"#;
const SANDBOX_ID: &str = "SANDBOX_5X00000000000000";
const PRODUCTION_ID: &str = "5J5Y307NSG5GB700810";

fn sign(client_id: &str, path: &str) -> String {
    let r = run([
        "sign",
        "--private-key",
        &path_arg(&example_key("merchant", "private_key.pem")),
        "--client-id",
        client_id,
        "--path",
        path,
        "--time",
        TIME,
        "--body",
        BODY,
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout.trim_end().to_owned()
}

fn verify(client_id: &str, path: &str, signature: &str, body_flag: &str, body: &str) -> Run {
    run([
        "verify",
        "--public-key",
        &path_arg(&example_key("merchant", "public_key.pem")),
        "--client-id",
        client_id,
        "--path",
        path,
        "--time",
        TIME,
        "--signature",
        signature,
        body_flag,
        body,
        "--explain",
    ])
}

#[test]
fn a_sandbox_id_signed_over_the_production_path_is_named_with_the_path_to_sign() {
    // What the sandbox checked: the request was sent to /ams/sandbox/api/...,
    // but the merchant's code signed /ams/api/....
    let signature = sign(SANDBOX_ID, "/ams/api/v1/payments/pay");
    let r = verify(
        SANDBOX_ID,
        "/ams/sandbox/api/v1/payments/pay",
        &signature,
        "--body",
        BODY,
    );
    assert_eq!(r.code, 1, "{r:?}");
    let last = r.stdout.lines().last().unwrap();
    assert!(last.starts_with("invalid: "), "{}", r.stdout);

    // Checking it the way it was (wrongly) signed: valid, and still named,
    // because Alipay's sandbox refuses it.
    let r = verify(
        SANDBOX_ID,
        "/ams/api/v1/payments/pay",
        &signature,
        "--body",
        BODY,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let warning = r
        .stdout
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning in {}", r.stdout));
    assert!(warning.contains("sandbox id"), "{warning}");
    assert!(
        warning.contains("--path /ams/sandbox/api/v1/payments/pay"),
        "{warning}"
    );
    assert!(r.stdout.ends_with("valid\n"), "{}", r.stdout);
}

#[test]
fn a_failed_check_over_the_wrong_form_says_so_even_without_explain_and_keeps_the_newline_hint() {
    let dir = scratch("verify-explain-sandbox");
    let file = dir.join("body.json");
    std::fs::write(&file, format!("{BODY}\n")).unwrap();
    let signature = sign(PRODUCTION_ID, "/ams/api/v1/payments/pay");
    let r = run([
        "verify",
        "--public-key",
        &path_arg(&example_key("merchant", "public_key.pem")),
        "--client-id",
        PRODUCTION_ID,
        "--path",
        "/ams/sandbox/api/v1/payments/pay",
        "--time",
        TIME,
        "--signature",
        &signature,
        "--body-file",
        &path_arg(&file),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.starts_with("invalid: "), "{}", r.stdout);
    assert!(r.stdout.contains("ends with a line break"), "{}", r.stdout);
    assert!(r.stdout.contains("production id"), "{}", r.stdout);
    assert!(
        r.stdout.contains("--path /ams/api/v1/payments/pay"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--explain"), "{}", r.stdout);
}

#[test]
fn matching_forms_and_notify_paths_get_no_warning() {
    for (id, path) in [
        (SANDBOX_ID, "/ams/sandbox/api/v1/payments/pay"),
        (PRODUCTION_ID, "/ams/api/v1/payments/pay"),
        (SANDBOX_ID, "/alipay/notify"),
    ] {
        let signature = sign(id, path);
        let r = verify(id, path, &signature, "--body", BODY);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(!r.stdout.contains("warning"), "{id} {path}: {}", r.stdout);
    }
}

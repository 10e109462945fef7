//! `alipay-ams capture` against a real HTTP server on 127.0.0.1 that plays
//! Alipay: it verifies requests with the merchant's example public key and
//! signs its replies with the example "Alipay" private key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use common::alipay::*;
use common::{example_key, path_arg, run};
use serde_json::Value;

#[test]
fn success_prints_the_verified_json_and_exits_0() {
    let alipay = FakeAlipay::start(Reply::Success);
    let r = capture(
        &alipay.url(),
        &["--capture-request-id", "cr-success-1", "--last-capture"],
    );
    assert_eq!(r.code, 0, "{r:?}");

    let seen = alipay.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].signature_valid,
        "the request must carry the merchant's valid signature"
    );
    assert_eq!(
        seen[0].path, "/ams/sandbox/api/v1/payments/capture",
        "a SANDBOX_ id calls the sandbox path"
    );
    assert_eq!(
        seen[0].body,
        serde_json::json!({
            "captureRequestId": "cr-success-1",
            "paymentId": "202611251800000001",
            "captureAmount": {"currency": "USD", "value": "1000"},
            "isLastCapture": true
        })
    );

    // stdout is exactly the verified body (plus a final newline), unknown fields included.
    let sent = alipay.sent();
    let mut expected = sent[0].to_vec();
    expected.push(b'\n');
    assert_eq!(r.stdout.as_bytes(), expected.as_slice());
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "S");
    assert_eq!(json["someFieldFromTheFuture"]["kept"], true);
    assert!(
        r.stderr.contains("captured (S)") && r.stderr.contains("202611251900000001"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("generated"),
        "an id that was given is not generated: {}",
        r.stderr
    );
}

#[test]
fn a_production_client_id_calls_the_production_path() {
    let alipay = FakeAlipay::start(Reply::Success);
    let r = capture_as(
        &alipay.url(),
        "5J5Y307NSG5GB700810",
        &["--capture-request-id", "cr-prod-1"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let seen = alipay.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/ams/api/v1/payments/capture");
    assert!(seen[0].signature_valid);
    assert!(
        seen[0].body.get("isLastCapture").is_none(),
        "absent unless --last-capture"
    );
}

#[test]
fn a_final_failure_exits_1_with_the_result() {
    let alipay = FakeAlipay::start(Reply::Failed);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-failed-1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(alipay.seen().len(), 1, "F is final: no retry");
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "F");
    assert_eq!(
        json["result"]["resultCode"],
        "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    );
    assert!(
        r.stderr
            .contains("capture failed (CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("final for captureRequestId cr-failed-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_outcome_that_stays_unknown_exits_3_and_every_attempt_reuses_the_generated_id() {
    let alipay = FakeAlipay::start(Reply::Unknown);
    let r = capture(&alipay.url(), &[]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout.is_empty(),
        "no verified response to print: {}",
        r.stdout
    );

    let id = generated_id(&r.stderr);
    assert!(id.starts_with("cap-") && id.len() <= 64, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{id}"
    );

    let seen = alipay.seen();
    assert!(seen.len() >= 2, "an unknown outcome is retried: {seen:?}");
    for attempt in &seen {
        assert!(attempt.signature_valid, "every attempt is (re-)signed");
        assert_eq!(
            attempt.body["captureRequestId"],
            id.as_str(),
            "the same id on every attempt"
        );
    }
    assert!(r.stderr.contains("UNKNOWN"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("--capture-request-id {id}")),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_outcome_then_success_exits_0_after_a_retry_with_the_same_id() {
    let alipay = FakeAlipay::start(Reply::UnknownThenSuccess);
    let r = capture(&alipay.url(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let id = generated_id(&r.stderr);
    let seen = alipay.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.signature_valid && s.body["captureRequestId"] == id.as_str())
    );
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "S");
    assert_eq!(json["captureRequestId"], id.as_str());
    assert!(r.stderr.contains("after 2 attempt(s)"), "{}", r.stderr);
}

#[test]
fn a_success_that_alipay_did_not_sign_is_never_exit_0() {
    let alipay = FakeAlipay::start(Reply::ForgedSuccess);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-forged-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        alipay
            .seen()
            .iter()
            .all(|s| s.body["captureRequestId"] == "cr-forged-1")
    );
}

#[test]
fn invalid_arguments_exit_2_before_anything_is_sent() {
    let alipay = FakeAlipay::start(Reply::Success);
    let url = alipay.url();
    let long_id = "x".repeat(65);
    let merchant_public = path_arg(&example_key("merchant", "public_key.pem"));
    let private = path_arg(&example_key("merchant", "private_key.pem"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--capture-request-id", ""],
            "--capture-request-id is empty",
        ),
        (vec!["--capture-request-id", &long_id], "65 characters"),
        (vec!["--payment-id", ""], "--payment-id is empty"),
        (vec!["--amount", "10.00"], "minor units"),
        (vec!["--amount", "-5"], "--amount"),
        (vec!["--amount", ""], "--amount"),
        (vec!["--currency", "US"], "3-letter"),
        (vec!["--currency", "USDT"], "3-letter"),
        (vec!["--currency", "U5D"], "3-letter"),
        (vec!["--client-id", ""], "--client-id is empty"),
        (
            vec!["--alipay-public-key", &merchant_public],
            "your own public key",
        ),
        (
            vec!["--alipay-public-key", &private],
            "this is a private key",
        ),
        (
            vec!["--private-key", "/nonexistent/key.pem"],
            "could not read the key file",
        ),
        (vec!["--gateway", "http://10.1.2.3:8080"], "plain http"),
        (
            vec!["--gateway", "open-sea-global.alipay.com"],
            "not an absolute URL",
        ),
        (vec!["--bogus"], "unknown flag `--bogus`"),
        (vec!["--last-capture=true"], "is a switch"),
    ];
    for (extra, expected) in &cases {
        // Later flags may not repeat earlier ones, so build each line afresh.
        let r = capture_with(&url, extra);
        assert_eq!(r.code, 2, "{extra:?}: {r:?}");
        assert!(r.stderr.starts_with("error: "), "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(expected),
            "{extra:?}: expected {expected:?} in {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{extra:?}");
    }
    let r = run(["capture", "--gateway", &url]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing --client-id, --private-key, --alipay-public-key"),
        "{}",
        r.stderr
    );

    assert!(
        alipay.seen().is_empty(),
        "nothing may reach the server: {:?}",
        alipay.seen()
    );

    let r = run(["capture", "--help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("Usage: alipay-ams capture --gateway URL")
    );
}

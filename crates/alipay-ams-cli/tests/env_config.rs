//! Every calling command takes its connection from the environment as the
//! SDK reads it (`ALIPAY_GATEWAY`, `ALIPAY_CLIENT_ID`, `ALIPAY_PRIVATE_KEY`,
//! `ALIPAY_PUBLIC_KEY`, `ALIPAY_CA_FILE`); a flag wins over its variable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::alipay::{FakeAlipay, Reply};
use common::gateway::{Answer, Gateway, refused_url, result, with};
use common::{CLIENT_ID, example_key, path_arg, run_env, scratch};
use serde_json::json;

fn variables(gateway: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ALIPAY_GATEWAY", gateway.to_owned()),
        ("ALIPAY_CLIENT_ID", CLIENT_ID.to_owned()),
        (
            "ALIPAY_PRIVATE_KEY",
            path_arg(&example_key("merchant", "private_key.pem")),
        ),
        (
            "ALIPAY_PUBLIC_KEY",
            path_arg(&example_key("alipay", "public_key.pem")),
        ),
    ]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn capture_runs_from_the_environment_alone() {
    let alipay = FakeAlipay::start(Reply::Success);
    let vars = variables(&alipay.url());
    let r = run_env(
        [
            "capture",
            "--payment-id",
            "202611251800000001",
            "--amount",
            "1000",
            "--currency",
            "USD",
            "--capture-request-id",
            "cr-env-1",
        ],
        &borrowed(&vars),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let seen = alipay.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].signature_valid);
    assert_eq!(seen[0].path, "/ams/sandbox/api/v1/payments/capture");
}

#[test]
fn a_flag_wins_over_its_variable() {
    let alipay = FakeAlipay::start(Reply::Success);
    // The environment points at a refused port; the flag at the gateway.
    let vars = variables(&refused_url());
    let r = run_env(
        [
            "capture",
            "--gateway",
            &alipay.url(),
            "--payment-id",
            "202611251800000001",
            "--amount",
            "1000",
            "--currency",
            "USD",
        ],
        &borrowed(&vars),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(alipay.seen().len(), 1);

    // And a production client id given as a flag calls the production path.
    let r = run_env(
        [
            "capture",
            "--gateway",
            &alipay.url(),
            "--client-id",
            "5J5Y307NSG5GB700810",
            "--payment-id",
            "202611251800000001",
            "--amount",
            "1000",
            "--currency",
            "USD",
        ],
        &borrowed(&vars),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(alipay.seen()[1].path, "/ams/api/v1/payments/capture");
}

#[test]
fn call_and_the_checkout_commands_read_the_environment_too() {
    let gateway = Gateway::start(|seen, _| {
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "paymentStatus": "PROCESSING",
                "paymentId": "p-env",
                "paymentRequestId": seen.body["paymentRequestId"],
                "paymentAmount": {"currency": "USD", "value": "1000"}
            }),
        ))
    });
    let vars = variables(&gateway.url());
    let r = run_env(
        ["inquire-payment", "--payment-request-id", "pay-env-1"],
        &borrowed(&vars),
    );
    assert_eq!(r.code, 0, "{r:?}");
    // `call` too.
    let body = scratch("env-call").join("body.json");
    std::fs::write(&body, r#"{"paymentRequestId":"pay-env-2"}"#).unwrap();
    let r = run_env(
        [
            "call",
            "--api",
            "/ams/api/v1/payments/inquiryPayment",
            "--body-file",
            &path_arg(&body),
        ],
        &borrowed(&vars),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let seen = gateway.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.signature_valid));
    assert_eq!(seen[1].body, json!({"paymentRequestId": "pay-env-2"}));
}

#[test]
fn blank_variables_are_missing_and_bad_ones_are_named() {
    let alipay = FakeAlipay::start(Reply::Success);
    let mut vars = variables(&alipay.url());
    vars[1].1 = "  ".to_owned(); // ALIPAY_CLIENT_ID
    let capture = [
        "capture",
        "--payment-id",
        "202611251800000001",
        "--amount",
        "1000",
        "--currency",
        "USD",
    ];
    let r = run_env(capture, &borrowed(&vars));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("missing --client-id (the connection may also come from the environment: ALIPAY_CLIENT_ID)"),
        "{}",
        r.stderr
    );

    let mut vars = variables(&alipay.url());
    vars[3].1 = path_arg(&example_key("alipay", "private_key.pem")); // ALIPAY_PUBLIC_KEY: a private key
    let r = run_env(capture, &borrowed(&vars));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: ALIPAY_PUBLIC_KEY "),
        "the variable is named: {}",
        r.stderr
    );
    assert!(r.stderr.contains("this is a private key"), "{}", r.stderr);

    let mut vars = variables(&alipay.url());
    vars.push(("ALIPAY_CA_FILE", "/nonexistent/ca.pem".to_owned()));
    let r = run_env(capture, &borrowed(&vars));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("ALIPAY_CA_FILE: could not read"),
        "{}",
        r.stderr
    );
    assert!(
        alipay.seen().is_empty(),
        "nothing is sent: {:?}",
        alipay.seen()
    );
}

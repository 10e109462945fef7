//! The request on the wire: signed over the path called (sandbox or
//! production), the same bytes on every attempt, re-signed each time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_core::{Amount, Message, ResultStatus};
use support::*;

#[tokio::test]
async fn verified_success_is_ok_and_the_request_is_signed_over_the_sandbox_path() {
    let server = FakeAlipay::start(|_, req| {
        Reply::signed(&success_body(
            req.json()["captureRequestId"].as_str().unwrap(),
        ))
    })
    .await;
    let client = server.client().build().unwrap();
    let req = request("capture-s-1");
    let captured = client.execute(&req).await.unwrap();
    assert_eq!(captured.result.result_status, ResultStatus::Success);
    assert_eq!(captured.capture_request_id, "capture-s-1");
    assert_eq!(captured.capture_id, "20220919194010890100111740275850565");
    assert_eq!(
        captured.capture_amount,
        Amount::from_minor_units_str("USD", "1000").unwrap()
    );

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let sent = &seen[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/ams/sandbox/api/v1/payments/capture");
    assert!(
        sent.signature_valid,
        "the request signature must verify with the merchant public key"
    );
    assert_eq!(
        sent.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    assert_eq!(sent.header("client-id"), Some(CLIENT_ID));
    let request_time = sent.header("request-time").unwrap();
    assert!(
        request_time.len() >= 13 && request_time.bytes().all(|b| b.is_ascii_digit()),
        "{request_time}"
    );
    assert!(
        sent.header("signature")
            .unwrap()
            .starts_with("algorithm=RSA256,keyVersion=1,signature=")
    );
    assert_eq!(sent.header("agent-token"), None);
    assert_eq!(
        sent.body,
        serde_json::to_vec(&req).unwrap(),
        "the body is the request serialized once"
    );

    // The signature covers the sandbox path: over the production path it fails.
    let production = Message::request(
        "/ams/api/v1/payments/capture",
        CLIENT_ID,
        request_time,
        &sent.body,
    );
    assert!(
        production
            .verify(&merchant_public(), sent.header("signature").unwrap())
            .is_err()
    );
}

#[tokio::test]
async fn a_production_client_id_calls_and_signs_the_production_path() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-prod-1"))).await;
    let client = server
        .client()
        .client_id("5J5Y307NSG5GB700810")
        .build()
        .unwrap();
    assert_eq!(
        client.environment(),
        alipay_ams_client::Environment::Production
    );
    client.execute(&request("capture-prod-1")).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].path, "/ams/api/v1/payments/capture");
    assert_eq!(seen[0].header("client-id"), Some("5J5Y307NSG5GB700810"));
    assert!(seen[0].signature_valid);
}

#[tokio::test]
async fn unknown_then_success_retries_the_same_request_re_signed() {
    let server = FakeAlipay::start(|n, req| {
        if n == 0 {
            Reply::signed(IN_PROCESS_BODY)
        } else {
            Reply::signed(&success_body(
                req.json()["captureRequestId"].as_str().unwrap(),
            ))
        }
    })
    .await;
    let client = server.client().build().unwrap();
    let verified = client
        .execute_verified(&request("capture-u-s-1"))
        .await
        .unwrap();
    assert_eq!(verified.attempts(), 2);
    assert_eq!(verified.response().capture_request_id, "capture-u-s-1");
    let raw: serde_json::Value = serde_json::from_slice(verified.raw_body()).unwrap();
    assert_eq!(raw["captureId"], "20220919194010890100111740275850565");
    assert!(!verified.response_time().is_empty());
    let debug = format!("{verified:?}");
    assert!(
        debug.contains(&format!("body: <{} bytes>", verified.raw_body().len())),
        "{debug}"
    );
    assert!(!debug.contains("acquirerReferenceNo"), "{debug}");

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for sent in &seen {
        assert!(sent.signature_valid);
        assert_eq!(sent.json()["captureRequestId"], "capture-u-s-1");
    }
    assert_eq!(seen[0].body, seen[1].body, "a retry sends the same bytes");
    assert_ne!(
        seen[0].header("request-time"),
        seen[1].header("request-time"),
        "each attempt has a fresh Request-Time"
    );
    assert_ne!(seen[0].header("signature"), seen[1].header("signature"));
}

#[tokio::test]
async fn the_agent_token_is_sent_when_configured_and_never_shown() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-agent-1"))).await;
    let token = "AGENT_TOKEN_0123456789abcdef0123456789abcdef0123";
    let client = server.client().agent_token(token).build().unwrap();
    client.execute(&request("capture-agent-1")).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].header("agent-token"), Some(token));
    assert!(seen[0].signature_valid);
    let debug = format!("{client:?}");
    assert!(!debug.contains(token), "{debug}");
    assert!(!debug.contains("MII"), "no key material in Debug: {debug}");
}

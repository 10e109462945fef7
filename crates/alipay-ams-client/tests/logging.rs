//! Tracing: one span per call and per attempt, naming the API, the path,
//! the idempotency key, the attempts and the outcome; never a key, a
//! signature or a body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::RetryPolicy;
use alipay_ams_core::Amount;
use support::*;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_name_the_call_and_attempts_but_never_keys_signatures_or_bodies() {
    let server = FakeAlipay::start(|n, req| {
        if n == 0 {
            Reply::signed(IN_PROCESS_BODY)
        } else {
            Reply::signed(&echo_success(req))
        }
    })
    .await;
    let client = server
        .client()
        .agent_token("AGENT_TOKEN_SECRET_VALUE")
        .build()
        .unwrap();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let request = CaptureRequest::new(
        "capture-trace-1",
        "PAYMENT_ID_NOT_LOGGED",
        Amount::from_minor_units("USD", 777123).unwrap(),
    );
    client.execute(&request).await.unwrap();

    // A failing call: its span says so, and the body never reaches the log.
    let failing =
        FakeAlipay::always(Reply::unsigned("<html>BODY_TEXT_NOT_LOGGED</html>").status(502)).await;
    let failing_client = failing
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    failing_client
        .execute(&CaptureRequest::new(
            "capture-trace-2",
            "PAYMENT_ID_NOT_LOGGED",
            Amount::from_minor_units("USD", 777123).unwrap(),
        ))
        .await
        .unwrap_err();
    drop(guard);

    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "alipay_ams.call",
        "alipay_ams.attempt",
        "capture-trace-1",
        "/ams/sandbox/api/v1/payments/capture",
        "attempt=2",
        "CAPTURE_IN_PROCESS",
        "SUCCESS",
        "outcome=\"ok\"",
        "capture-trace-2",
        "outcome=\"unknown\"",
        "HTTP status",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    let seen = server.requests();
    let signature = seen[0].header("signature").unwrap();
    let secret_value = signature.rsplit("signature=").next().unwrap();
    let merchant_key_b64 =
        std::fs::read_to_string(keys_dir().join("merchant/private_key.b64")).unwrap();
    for forbidden in [
        secret_value,
        &merchant_key_b64.trim()[..40],
        "PAYMENT_ID_NOT_LOGGED",
        "777123",
        "AGENT_TOKEN_SECRET_VALUE",
        "20220919194010890100111740275850565",
        "BODY_TEXT_NOT_LOGGED",
    ] {
        assert!(
            !log.contains(forbidden),
            "{forbidden:?} leaked into:\n{log}"
        );
    }
}

#[tokio::test]
async fn a_pending_answer_is_traced_as_pending() {
    let server = FakeAlipay::routes(support::checkout::Routes::new().on("pay", |_, req| {
        support::checkout::pay_answer(
            req,
            "U",
            "PAYMENT_IN_PROCESS",
            serde_json::json!({"normalUrl": "https://pay.example/c"}),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    client
        .execute(&support::checkout::wallet_pay("pay-trace-1"))
        .await
        .unwrap();
    drop(guard);
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "outcome=\"pending\"",
        "PAYMENT_IN_PROCESS",
        "accepted and pending",
        "pay-trace-1",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    assert!(!log.contains("pay.example"), "the body leaked into:\n{log}");
}

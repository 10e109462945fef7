//! `ApiRequest` beyond capture: an API is a model plus one impl, and the
//! transport treats requests without an idempotency key carefully.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::{ApiRequest, Retry, RetryStop, UnknownReason};
use alipay_ams_core::{Amount, InvalidField, ResultInfo, check_id};
use serde::{Deserialize, Serialize};
use support::*;

/// A read-only inquiry: asking again is always safe.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InquiryRequest {
    payment_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InquiryResponse {
    #[allow(dead_code)]
    result: ResultInfo,
    payment_status: Option<String>,
}

impl ApiRequest for InquiryRequest {
    const NAME: &'static str = "inquiryPayment";
    const PATH: &'static str = "/ams/api/v1/payments/inquiryPayment";
    const RETRY: Retry = Retry::Always;
    type Response = InquiryResponse;

    fn validate(&self) -> Result<(), InvalidField> {
        check_id("paymentId", &self.payment_id)
    }
}

/// An API that Alipay does not deduplicate: sending it twice could act twice.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotifyBuyerRequest {
    payment_id: String,
}

impl ApiRequest for NotifyBuyerRequest {
    const NAME: &'static str = "notifyBuyer";
    const PATH: &'static str = "/ams/api/v1/payments/notifyBuyer";
    const RETRY: Retry = Retry::Never;
    type Response = InquiryResponse;
}

/// A money movement whose idempotency key is optional: without one it is
/// never sent twice.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransferRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_request_id: Option<String>,
}

impl ApiRequest for TransferRequest {
    const NAME: &'static str = "transfer";
    const PATH: &'static str = "/ams/api/v1/funds/transfer";
    const RETRY: Retry = Retry::SameKey;
    const IDEMPOTENCY_FIELD: Option<&'static str> = Some("transferRequestId");
    type Response = InquiryResponse;

    fn idempotency_key(&self) -> Option<&str> {
        self.transfer_request_id.as_deref()
    }
}

#[tokio::test]
async fn a_new_api_is_a_model_and_an_impl() {
    let server = FakeAlipay::always(Reply::signed(
        r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentStatus":"SUCCESS"}"#,
    ))
    .await;
    let client = server.client().build().unwrap();
    let response = client
        .execute(&InquiryRequest {
            payment_id: "p-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(response.payment_status.as_deref(), Some("SUCCESS"));
    let seen = server.requests();
    assert_eq!(seen[0].path, "/ams/sandbox/api/v1/payments/inquiryPayment");
    assert!(seen[0].signature_valid);
    assert_eq!(&seen[0].body[..], br#"{"paymentId":"p-1"}"#);
}

#[tokio::test]
async fn read_only_requests_are_retried_without_an_idempotency_key() {
    let server = FakeAlipay::always(Reply::unsigned("busy").status(503)).await;
    let client = server.client().build().unwrap();
    let error = client
        .execute(&InquiryRequest {
            payment_id: "p-1".into(),
        })
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            unknown(&error).reason(),
            UnknownReason::HttpStatus { status: 503, .. }
        ),
        "{error:?}"
    );
    assert_eq!(unknown(&error).attempts(), 4);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn requests_that_may_not_be_repeated_are_sent_once() {
    let server = FakeAlipay::always(Reply::unsigned("busy").status(503)).await;
    let client = server.client().build().unwrap();
    let never = client
        .execute(&NotifyBuyerRequest {
            payment_id: "p-1".into(),
        })
        .await
        .err()
        .unwrap();
    let keyless = client
        .execute(&TransferRequest {
            transfer_request_id: None,
        })
        .await
        .err()
        .unwrap();
    for error in [never, keyless] {
        assert!(
            matches!(
                unknown(&error).reason(),
                UnknownReason::HttpStatus { status: 503, .. }
            ),
            "{error:?}"
        );
        assert_eq!(unknown(&error).attempts(), 1);
        assert_eq!(unknown(&error).retry_stop(), RetryStop::NotAllowed);
    }
    assert_eq!(server.requests().len(), 2);

    // With its key, the same money movement is retried under that key.
    let error = client
        .execute(&TransferRequest {
            transfer_request_id: Some("t-1".into()),
        })
        .await
        .err()
        .unwrap();
    assert_eq!(unknown(&error).attempts(), 4);
    let seen = server.requests();
    assert_eq!(seen.len(), 6);
    assert!(
        seen[2..]
            .iter()
            .all(|r| r.json()["transferRequestId"] == "t-1")
    );
    assert!(
        error.to_string().contains("transferRequestId t-1"),
        "{error}"
    );
}

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
    ] {
        assert!(
            !log.contains(forbidden),
            "{forbidden:?} leaked into:\n{log}"
        );
    }
}

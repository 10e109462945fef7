//! `ApiRequest` beyond capture: an API is a model plus one impl, and its
//! retry class decides whether an unknown outcome is sent again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::{ApiRequest, Retry, RetryStop, UnknownReason};
use alipay_ams_core::{InvalidField, ResultInfo, check_id};
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

//! On a success, the fields Alipay always returns are required: a verified
//! `S` (or pending `U`) without them is an unknown outcome, never an `Ok`
//! with holes (no "succeeded but no id" branch for callers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_api::payments::{InquiryPaymentRequest, InquiryRefundRequest};
use alipay_ams_client::{Error, RetryPolicy, UnknownReason};
use serde_json::{Value, json};
use support::checkout::*;
use support::*;

/// A gateway answering `body` without `field`, signed.
async fn without(body: Value, field: &str) -> FakeAlipay {
    let mut body = body;
    body.as_object_mut().unwrap().remove(field);
    FakeAlipay::always(Reply::signed(&body.to_string())).await
}

fn assert_unparseable(error: &Error, field: &str) {
    match unknown(error).reason() {
        UnknownReason::UnparseableBody { error: why, .. } => {
            assert!(why.contains(field), "{field}: {why}")
        }
        other => panic!("{field}: expected an unparseable success, got {other:?}"),
    }
}

#[tokio::test]
async fn pay_without_its_payment_id_or_request_id_is_unknown() {
    for field in ["paymentId", "paymentRequestId"] {
        for (status, code) in [("S", "SUCCESS"), ("U", "PAYMENT_IN_PROCESS")] {
            let body = json!({"result": result(status, code), "paymentRequestId": "pay-1",
                "paymentId": "P1", "paymentAmount": {"currency": "USD", "value": "1000"}});
            let server = without(body, field).await;
            let client = server
                .client()
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();
            let error = client.checkout(&wallet_pay("pay-1")).await.unwrap_err();
            assert_unparseable(&error, field);
        }
    }
}

#[tokio::test]
async fn refund_and_capture_without_their_ids_or_amount_are_unknown() {
    for field in ["refundId", "refundRequestId", "paymentId", "refundAmount"] {
        let body = json!({"result": result("S", "SUCCESS"), "refundRequestId": "refund-1",
            "refundId": "R-1", "paymentId": "PAYMENT-1", "refundAmount": {"currency": "USD", "value": "300"}});
        let server = without(body, field).await;
        let client = server
            .client()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client.checkout(&refund("refund-1")).await.unwrap_err();
        assert_unparseable(&error, field);
    }
    for field in [
        "captureId",
        "captureRequestId",
        "paymentId",
        "captureAmount",
    ] {
        let body: Value = serde_json::from_str(&success_body("cap-1")).unwrap();
        let server = without(body, field).await;
        let client = server
            .client()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client.checkout(&request("cap-1")).await.unwrap_err();
        assert_unparseable(&error, field);
    }
}

#[tokio::test]
async fn inquiries_without_the_state_or_the_ids_are_unknown() {
    for field in [
        "paymentStatus",
        "paymentId",
        "paymentRequestId",
        "paymentAmount",
    ] {
        let body = json!({"result": result("S", "SUCCESS"), "paymentStatus": "SUCCESS",
            "paymentRequestId": "pay-1", "paymentId": "P1", "paymentAmount": {"currency": "USD", "value": "1"}});
        let server = without(body, field).await;
        let client = server
            .client()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client
            .checkout(&InquiryPaymentRequest::new().with_payment_request_id("pay-1"))
            .await
            .unwrap_err();
        assert_unparseable(&error, field);
    }
    for field in [
        "refundStatus",
        "refundId",
        "refundRequestId",
        "refundAmount",
    ] {
        let body = json!({"result": result("S", "SUCCESS"), "refundStatus": "SUCCESS",
            "refundRequestId": "refund-1", "refundId": "R-1", "refundAmount": {"currency": "USD", "value": "1"}});
        let server = without(body, field).await;
        let client = server
            .client()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client
            .checkout(&InquiryRefundRequest::new().with_refund_request_id("refund-1"))
            .await
            .unwrap_err();
        assert_unparseable(&error, field);
    }
}

#[tokio::test]
async fn cancel_and_session_without_their_ids_are_unknown() {
    for field in ["paymentId", "paymentRequestId"] {
        let body = json!({"result": result("S", "SUCCESS"), "paymentId": "PAYMENT-1",
            "paymentRequestId": "pay-1"});
        let server = without(body, field).await;
        let client = server
            .client()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client.checkout(&cancel("PAYMENT-1")).await.unwrap_err();
        assert_unparseable(&error, field);
    }
    // The outcome of a session without its data is unknown too (not a
    // session the front end could use).
    let body = json!({"result": result("S", "SUCCESS"), "paymentSessionData": "d",
        "paymentSessionId": "s", "paymentSessionExpiryTime": "2026-11-25T11:00:00+08:00"});
    let server = without(body, "paymentSessionData").await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let session = alipay_ams_api::payments::CreatePaymentSessionRequest::new(
        alipay_ams_api::models::ProductCodeType::CashierPayment,
        "pay-1",
        order(),
        alipay_ams_core::Amount::from_minor_units("USD", 1000).unwrap(),
        "https://shop.example/return",
    );
    let error = client.checkout(&session).await.unwrap_err();
    assert_unparseable(&error, "paymentSessionData");
}

//! Card payments made by `pay`: MANUAL capture (authorize, then the
//! merchant's capture, notifyCapture), AUTOMATIC capture, the 7-day
//! authorization, and bank methods that go through PAYMENT_PENDING.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::payments::{CaptureRequest, InquiryPaymentRequest, InquiryPaymentResponse};
use alipay_ams_core::time::parse_timestamp_millis;
use alipay_ams_sandbox::{BuyerAction, PaymentStatus, Sandbox};
use common::*;

async fn inquire(merchant: &Merchant, payment_id: &str) -> InquiryPaymentResponse {
    let reply = merchant
        .call(&InquiryPaymentRequest::new().with_payment_id(payment_id))
        .await;
    assert_eq!(reply.status_letter(), "S", "{:?}", reply.body);
    serde_json::from_slice(&reply.body).unwrap()
}

#[tokio::test]
async fn manual_card_payment_is_authorized_then_captured_by_the_merchant() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let request = card_request("card-1", "10000", "MANUAL").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&request).await;

    // Before the buyer pays there is nothing to capture.
    let early = merchant
        .capture(&CaptureRequest::new("cap-early", &payment_id, usd("10000")))
        .await
        .unwrap();
    assert_eq!(early.code(), "ORDER_STATUS_INVALID");

    let state = sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    assert_eq!(state.status, PaymentStatus::Authorized);
    assert_eq!(state.authorized, usd("10000"));
    assert_eq!(state.captured, usd("0"));
    let auth_expiry = state.auth_expiry_time.clone().unwrap();
    let paid = parse_timestamp_millis(state.payment_time.as_deref().unwrap()).unwrap();
    assert_eq!(
        parse_timestamp_millis(&auth_expiry).unwrap() - paid,
        7 * 24 * 3600 * 1000,
        "an authorization lasts 7 days"
    );
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyPayment").await;
    let notified: serde_json::Value = serde_json::from_slice(log[0].body()).unwrap();
    assert_eq!(notified["result"]["resultStatus"], "S");
    assert_eq!(notified["authExpiryTime"], auth_expiry.as_str());
    let inquiry = inquire(&merchant, &payment_id).await;
    assert_eq!(
        inquiry.payment_status.as_str(),
        "SUCCESS",
        "authorized reads SUCCESS"
    );
    assert!(inquiry.transactions.is_none(), "no capture yet");

    // The merchant captures: notifyCapture to the same paymentNotifyUrl.
    let reply = merchant
        .capture(&CaptureRequest::new("cap-1", &payment_id, usd("10000")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "SUCCESS");
    let capture_id = reply.capture().capture_id;
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyCapture").await;
    assert_eq!(log[0].notify_url, endpoint.url);
    assert_eq!(log[0].ids["captureId"], capture_id);
    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Captured);
    assert_eq!(state.captured, usd("10000"));

    let inquiry = inquire(&merchant, &payment_id).await;
    let transactions = inquiry.transactions.unwrap();
    assert_eq!(transactions.len(), 1);
    let capture = &transactions[0];
    assert_eq!(
        capture.transaction_type.as_ref().unwrap().as_str(),
        "CAPTURE"
    );
    assert_eq!(capture.transaction_request_id.as_deref(), Some("cap-1"));
    assert_eq!(capture.transaction_id.as_deref(), Some(capture_id.as_str()));
    assert_eq!(
        capture.transaction_status.as_ref().unwrap().as_str(),
        "SUCCESS"
    );
    assert_eq!(capture.transaction_amount, Some(usd("10000")));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn automatic_card_payment_is_captured_when_the_buyer_pays() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    for (id, factor) in [("auto-1", Some("AUTOMATIC")), ("auto-2", None)] {
        let request = match factor {
            Some(mode) => card_request(id, "4200", mode),
            None => pay_request(id, "CARD", "4200"),
        }
        .with_payment_notify_url(&endpoint.url);
        let payment_id = merchant.pay(&request).await;
        let state = sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
        assert_eq!(state.status, PaymentStatus::Captured, "{id}");
        assert_eq!(state.captures.len(), 1);
        assert_eq!(
            state.captures[0].capture_request_id,
            format!("AUTO_{payment_id}")
        );
        let refused = merchant
            .capture(&CaptureRequest::new(
                format!("{id}-c"),
                &payment_id,
                usd("1"),
            ))
            .await
            .unwrap();
        assert_eq!(refused.code(), "ORDER_STATUS_INVALID");
    }
    acknowledged(&sandbox, 2, |a| a.kind == "notifyCapture").await;
    acknowledged(&sandbox, 2, |a| a.kind == "notifyPayment").await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_uncaptured_authorization_lapses_after_7_days() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant
        .pay(&card_request("lapse-1", "500", "MANUAL"))
        .await;
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let partly = merchant
        .pay(&card_request("lapse-2", "500", "MANUAL"))
        .await;
    sandbox.buyer(&partly, BuyerAction::Pay).unwrap();

    sandbox.advance_clock(Duration::from_secs(6 * 24 * 3600));
    assert_eq!(
        sandbox.payment(&payment_id).unwrap().status,
        PaymentStatus::Authorized
    );
    let reply = merchant
        .capture(&CaptureRequest::new("lapse-2-c", &partly, usd("200")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "SUCCESS", "still capturable on day 6");

    sandbox.advance_clock(Duration::from_secs(2 * 24 * 3600));
    let lapsed = sandbox.payment(&payment_id).unwrap();
    assert_eq!(lapsed.status, PaymentStatus::Cancelled);
    assert_eq!(lapsed.transactions[0].transaction_type.as_str(), "CANCEL");
    let reply = merchant
        .capture(&CaptureRequest::new("lapse-1-c", &payment_id, usd("500")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "AUTH_EXPIRED");
    assert_eq!(
        inquire(&merchant, &payment_id)
            .await
            .payment_status
            .as_str(),
        "CANCELLED"
    );
    // A partial capture keeps what it took.
    let partial = sandbox.payment(&partly).unwrap();
    assert_eq!(partial.status, PaymentStatus::Captured);
    assert_eq!(partial.captured, usd("200"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bank_methods_notify_payment_pending_before_the_result() {
    let endpoint = NotifyEndpoint::acking().await;
    // A processing delay long enough to look at PENDING: 2 s x 100; the
    // test moves the clock instead of waiting.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(100.0)
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(&sandbox);
    let request =
        pay_request("bank-1", "ONLINEBANKING_FPX", "3000").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&request).await;
    let state = sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    assert_eq!(state.status, PaymentStatus::Pending);
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyPayment").await;
    assert_eq!(log[0].notify_type.as_deref(), Some("PAYMENT_PENDING"));
    assert_eq!(
        log[0].result_status.as_deref(),
        Some("S"),
        "S, yet not a success"
    );
    assert_eq!(
        inquire(&merchant, &payment_id)
            .await
            .payment_status
            .as_str(),
        "PENDING"
    );
    assert_eq!(merchant.call(&request).await.code(), "PAYMENT_IN_PROCESS");

    sandbox.advance_clock(Duration::from_secs(300));
    let log = acknowledged(&sandbox, 2, |a| a.kind == "notifyPayment").await;
    assert_eq!(log[1].notify_type.as_deref(), Some("PAYMENT_RESULT"));
    assert_ne!(log[0].dedup_key, log[1].dedup_key, "two events, two keys");
    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Captured);
    assert_eq!(
        inquire(&merchant, &payment_id)
            .await
            .payment_status
            .as_str(),
        "SUCCESS"
    );
    sandbox.shutdown().await;
}

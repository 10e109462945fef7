//! `cancel` over real loopback HTTP, by where the payment is and its
//! window: waiting for the buyer, a card authorization, a captured card, a
//! paid wallet before and after 00:15 (UTC+8) of the next day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::payments::{CancelRequest, CancelResponse, CaptureRequest};
use alipay_ams_sandbox::{BuyerAction, PaymentStatus};
use common::*;

fn cancel(payment_id: &str) -> CancelRequest {
    CancelRequest::new().with_payment_id(payment_id)
}

#[tokio::test]
async fn cancelling_a_payment_waiting_for_the_buyer_closes_it() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let request = pay_request("cw-1", "ALIPAY_CN", "900").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&request).await;

    // By paymentRequestId (paymentId wins when both are given).
    let by_request = CancelRequest::new().with_payment_request_id("cw-1");
    let reply = merchant.call(&by_request).await;
    assert_eq!(reply.code(), "SUCCESS");
    let answer: CancelResponse = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(answer.payment_id, payment_id);
    assert_eq!(answer.payment_request_id, "cw-1");
    let cancel_time = answer.cancel_time.clone().unwrap();

    // Cancelled: the buyer cannot pay, the same cancel says S again.
    assert_eq!(
        buyer(&sandbox, &payment_id, r#"{"action":"pay"}"#)
            .await
            .status,
        409
    );
    let again: CancelResponse =
        serde_json::from_slice(&merchant.call(&cancel(&payment_id)).await.body).unwrap();
    assert_eq!(again.cancel_time.as_deref(), Some(cancel_time.as_str()));
    let state = state(&sandbox, &payment_id).await;
    assert_eq!(state["status"], "CANCELLED");
    assert_eq!(state["paymentStatus"], "CANCELLED");
    assert_eq!(state["cancelTime"], cancel_time.as_str());
    assert_eq!(state["transactions"][0]["transactionType"], "CANCEL");
    assert_eq!(state["transactions"][0]["transactionRequestId"], "cw-1");
    assert_eq!(merchant.call(&request).await.code(), "ORDER_IS_CANCELED");
    let capture = CaptureRequest::new("cw-c", &payment_id, usd("900"));
    assert_eq!(
        merchant.capture(&capture).await.unwrap().code(),
        "ORDER_IS_CANCELED"
    );
    assert_eq!(
        merchant
            .call(&refund_request("cw-r", &payment_id, "1"))
            .await
            .code(),
        "ORDER_STATUS_INVALID"
    );
    // No notification follows a cancellation.
    sandbox.expire_payment(&payment_id).unwrap_err();
    assert!(sandbox.deliveries().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_card_authorization_cancels_until_it_is_captured() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let released = merchant.pay(&card_request("ca-1", "700", "MANUAL")).await;
    sandbox.buyer(&released, BuyerAction::Pay).unwrap();
    assert_eq!(merchant.call(&cancel(&released)).await.code(), "SUCCESS");
    let capture = CaptureRequest::new("ca-1-c", &released, usd("700"));
    assert_eq!(
        merchant.capture(&capture).await.unwrap().code(),
        "AUTH_CANCELLED"
    );

    let captured = merchant.pay(&card_request("ca-2", "700", "MANUAL")).await;
    sandbox.buyer(&captured, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("ca-2-c", &captured, usd("300"));
    assert_eq!(merchant.capture(&capture).await.unwrap().code(), "SUCCESS");
    let reply = merchant.call(&cancel(&captured)).await;
    assert_eq!(
        (reply.status_letter(), reply.code()),
        ("F".into(), "CANCEL_WINDOW_EXCEED".into())
    );

    let automatic = merchant
        .pay(&card_request("ca-3", "700", "AUTOMATIC"))
        .await;
    sandbox.buyer(&automatic, BuyerAction::Pay).unwrap();
    assert_eq!(
        merchant.call(&cancel(&automatic)).await.code(),
        "CANCEL_WINDOW_EXCEED"
    );
    assert_eq!(
        sandbox.payment(&automatic).unwrap().status,
        PaymentStatus::Captured
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_paid_wallet_cancels_until_00_15_utc8_the_next_day() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let within = merchant.pay(&pay_request("cp-1", "ALIPAY_CN", "500")).await;
    sandbox.buyer(&within, BuyerAction::Pay).unwrap();
    // At least 16 minutes are left whenever the buyer paid.
    assert_eq!(merchant.call(&cancel(&within)).await.code(), "SUCCESS");
    let state = sandbox.payment(&within).unwrap();
    assert_eq!(state.status, PaymentStatus::Cancelled);
    assert_eq!(state.refundable.value(), "0", "the money went back");

    let late = merchant.pay(&pay_request("cp-2", "ALIPAY_CN", "500")).await;
    sandbox.buyer(&late, BuyerAction::Pay).unwrap();
    let refunded = merchant.pay(&pay_request("cp-3", "ALIPAY_CN", "500")).await;
    sandbox.buyer(&refunded, BuyerAction::Pay).unwrap();
    let part = refund_request("cp-3-r", &refunded, "100");
    assert_eq!(merchant.call(&part).await.code(), "SUCCESS");
    assert_eq!(
        merchant.call(&cancel(&refunded)).await.code(),
        "ORDER_STATUS_INVALID"
    );

    sandbox.advance_clock(Duration::from_secs(2 * 24 * 3600));
    let reply = merchant.call(&cancel(&late)).await;
    assert_eq!(reply.code(), "CANCEL_WINDOW_EXCEED");
    let message = reply.json()["result"]["resultMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("refund instead"), "{message}");
    assert_eq!(
        merchant
            .call(&refund_request("cp-2-r", &late, "500"))
            .await
            .code(),
        "SUCCESS"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failed_and_unknown_payments_do_not_cancel() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let failed = merchant.pay(&pay_request("cf-1", "ALIPAY_CN", "500")).await;
    sandbox.buyer(&failed, BuyerAction::Decline).unwrap();
    assert_eq!(
        merchant.call(&cancel(&failed)).await.code(),
        "ORDER_STATUS_INVALID"
    );
    assert_eq!(
        merchant.call(&cancel("no-such-payment")).await.code(),
        "ORDER_NOT_EXIST"
    );
    let neither = merchant.call(&CancelRequest::new()).await;
    assert_eq!(neither.code(), "PARAM_ILLEGAL");
    sandbox.shutdown().await;
}

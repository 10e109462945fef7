//! `cancel` end to end on loopback, by where the payment is: before the
//! buyer pays (the buyer can no longer pay), after a card authorization
//! (released: nothing can be captured), refused once captured
//! (CANCEL_WINDOW_EXCEED: refund instead), a paid wallet within and past
//! its window. No notification follows a cancellation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams::ResultCode;
use alipay_ams::client::checkout::{
    CancelOutcome, CaptureOutcome, PayOutcome, PaymentState, RefundOutcome, Resolution,
    ResolveOptions, TransactionState,
};
use alipay_ams::payments::{CancelRequest, CaptureRequest, InquiryPaymentRequest};
use alipay_ams::sandbox::{BuyerAction, BuyerError, PaymentStatus};
use common::checkout::*;

fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_secs(5))
}

async fn cancelled(m: &Merchant, request: &CancelRequest) -> String {
    match m.client.checkout(request).await.unwrap() {
        CancelOutcome::Cancelled(response) => response.cancel_time.unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_payment_cancelled_before_the_buyer_pays_can_no_longer_be_paid() {
    let m = Merchant::start(0.001).await;
    let pay = m.wallet("x-1", 1_500);
    let payment_id = m.pay_waiting(&pay).await;
    let by_request_id = CancelRequest::new().with_payment_request_id("x-1");
    let cancel_time = cancelled(&m, &by_request_id).await;

    assert!(matches!(
        m.sandbox.buyer(&payment_id, BuyerAction::Pay),
        Err(BuyerError::NotAwaitingBuyer {
            status: PaymentStatus::Cancelled,
            ..
        })
    ));
    // The same cancel (here by paymentId) says S again, with the first time.
    let by_id = CancelRequest::new().with_payment_id(&payment_id);
    assert_eq!(cancelled(&m, &by_id).await, cancel_time);
    match m.client.checkout(&pay).await.unwrap() {
        PayOutcome::Failed(result) => assert_eq!(result.result_code.as_str(), "ORDER_IS_CANCELED"),
        other => panic!("{other:?}"),
    }
    let answer = m
        .client
        .checkout(&InquiryPaymentRequest::new().with_payment_id(&payment_id))
        .await
        .unwrap();
    assert_eq!(answer.state(), PaymentState::Cancelled);
    assert_eq!(
        answer.cancellation().unwrap().state(),
        TransactionState::Succeeded
    );
    assert!(matches!(
        m.client.resolve(&by_id, &quick()).await.unwrap(),
        Resolution::Succeeded(_)
    ));
    // The payment itself resolves as failed: it will never be paid.
    assert!(matches!(
        m.client.resolve(&pay, &quick()).await.unwrap(),
        Resolution::Failed(_)
    ));
    let refund = m.refund("x-1-r", &payment_id, 1);
    assert!(matches!(
        m.client.checkout(&refund).await.unwrap(),
        RefundOutcome::Failed(_)
    ));
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Cancelled);
    assert_eq!(state.cancel_time.as_deref(), Some(cancel_time.as_str()));
    assert_eq!(
        (state.authorized, state.captured, state.refunded),
        (usd(0), usd(0), usd(0))
    );
    assert!(
        m.sandbox.deliveries().is_empty(),
        "a cancellation is not notified"
    );
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_authorization_cancelled_is_released_and_cannot_be_captured() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.card("x-2", 6_000)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    m.processed(&payment_result_key(&payment_id)).await;
    let cancel = CancelRequest::new().with_payment_id(&payment_id);
    cancelled(&m, &cancel).await;

    let capture = CaptureRequest::new("x-2-cap", &payment_id, usd(6_000));
    match m.client.checkout(&capture).await.unwrap() {
        CaptureOutcome::Failed(result) => assert_eq!(result.result_code, ResultCode::AuthCancelled),
        other => panic!("{other:?}"),
    }
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Cancelled);
    assert_eq!(state.captured, usd(0));
    assert!(state.captures.is_empty() && m.sandbox.captures().is_empty());
    let answer = m
        .client
        .checkout(&InquiryPaymentRequest::new().with_payment_id(&payment_id))
        .await
        .unwrap();
    assert_eq!(answer.state(), PaymentState::Cancelled);
    assert!(answer.capture("x-2-cap").is_none());
    // The authorization's result was notified, the cancellation not.
    let log = m.deliveries_settled(1).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].notify_type.as_deref(), Some("PAYMENT_RESULT"));
    m.assert_processed_once(1).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_captured_card_cannot_be_cancelled_and_is_refunded_instead() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.card("x-3", 2_000)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("x-3-cap", &payment_id, usd(2_000));
    let CaptureOutcome::Captured(captured) = m.client.checkout(&capture).await.unwrap() else {
        panic!("not captured")
    };
    let cancel = CancelRequest::new().with_payment_id(&payment_id);
    match m.client.checkout(&cancel).await.unwrap() {
        CancelOutcome::RefundInstead(result) => {
            assert_eq!(result.result_code.as_str(), "CANCEL_WINDOW_EXCEED")
        }
        other => panic!("{other:?}"),
    }
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Captured);
    assert_eq!(state.captured, usd(2_000));
    assert!(state.cancel_time.is_none());

    // As told: refund instead.
    let refund = m.refund("x-3-r", &payment_id, 2_000);
    let RefundOutcome::Processing(accepted) = m.client.checkout(&refund).await.unwrap() else {
        panic!("a card refund is asynchronous")
    };
    m.processed(&capture_key(&captured.capture_id)).await;
    m.processed(&refund_key(&accepted.refund_id)).await;
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!((state.refunded, state.refundable), (usd(2_000), usd(0)));
    m.assert_processed_once(3).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_paid_wallet_is_cancelled_within_its_window_and_refunded_after_it() {
    let m = Merchant::start(0.001).await;
    let within = m.pay_waiting(&m.wallet("x-4", 1_000)).await;
    let late = m.pay_waiting(&m.wallet("x-5", 1_000)).await;
    m.sandbox.buyer(&within, BuyerAction::Pay).unwrap();
    m.sandbox.buyer(&late, BuyerAction::Pay).unwrap();
    cancelled(&m, &CancelRequest::new().with_payment_id(&within)).await;
    let state = m.sandbox.payment(&within).unwrap();
    assert_eq!(state.status, PaymentStatus::Cancelled);
    assert_eq!(
        state.refundable,
        usd(0),
        "the money went back with the cancellation"
    );

    // Two days on, past 00:15 (UTC+8) of the next day: refund instead.
    m.sandbox.advance_clock(Duration::from_secs(2 * 24 * 3600));
    let cancel = CancelRequest::new().with_payment_id(&late);
    assert!(matches!(
        m.client.checkout(&cancel).await.unwrap(),
        CancelOutcome::RefundInstead(_)
    ));
    let refund = m.refund("x-5-r", &late, 1_000);
    assert!(matches!(
        m.client.checkout(&refund).await.unwrap(),
        RefundOutcome::Refunded(_)
    ));
    assert_eq!(
        m.sandbox.payment(&late).unwrap().status,
        PaymentStatus::Captured
    );
    // Each payment notified its result and its automatic capture, once.
    m.deliveries_settled(4).await;
    assert_eq!(m.store.committed_keys().len(), 4);
    assert!(m.store.committed_keys().values().all(|&n| n == 1));
    m.sandbox.shutdown().await;
}

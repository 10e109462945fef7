//! Idempotent replays of the money movements end to end on loopback: the
//! same pay, capture or refund (same key, same content) gets the same
//! answer and moves no money twice, nor notifies twice; the same key with
//! other content is refused REPEAT_REQ_INCONSISTENT and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams::client::checkout::{CaptureOutcome, PayOutcome, RefundOutcome};
use alipay_ams::payments::CaptureRequest;
use alipay_ams::sandbox::BuyerAction;
use alipay_ams::{ResultCode, ResultInfo};
use common::checkout::*;

fn inconsistent(result: &ResultInfo) {
    assert_eq!(
        result.result_code,
        ResultCode::RepeatReqInconsistent,
        "{result:?}"
    );
}

#[tokio::test]
async fn the_same_pay_makes_one_payment_and_another_under_its_key_is_refused() {
    let m = Merchant::start(0.001).await;
    let pay = m.wallet("rp-1", 2_000);
    let PayOutcome::WaitingForBuyer(first) = m.client.checkout(&pay).await.unwrap() else {
        panic!("not waiting for the buyer")
    };
    let PayOutcome::WaitingForBuyer(again) = m.client.checkout(&pay).await.unwrap() else {
        panic!("the replay is not waiting for the buyer")
    };
    assert_eq!(again, first, "the same answer while waiting");
    let changed = m.wallet("rp-1", 2_001);
    match m.client.checkout(&changed).await.unwrap() {
        PayOutcome::Failed(result) => inconsistent(&result),
        other => panic!("{other:?}"),
    }
    let other_method = m.pay("rp-1", "GCASH", 2_000);
    assert!(
        matches!(m.client.checkout(&other_method).await.unwrap(), PayOutcome::Failed(r) if r.result_code == ResultCode::RepeatReqInconsistent)
    );

    m.sandbox
        .buyer(&first.payment_id, BuyerAction::Pay)
        .unwrap();
    for _ in 0..2 {
        match m.client.checkout(&pay).await.unwrap() {
            PayOutcome::Succeeded(response) => assert_eq!(response.payment_id, first.payment_id),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        matches!(m.client.checkout(&changed).await.unwrap(), PayOutcome::Failed(r) if r.result_code == ResultCode::RepeatReqInconsistent)
    );

    let payments = m.sandbox.payments();
    assert_eq!(payments.len(), 1, "one payment for one paymentRequestId");
    assert_eq!(payments[0].payment_amount, usd(2_000));
    assert_eq!(payments[0].captured, usd(2_000));
    assert_eq!(m.sandbox.captures().len(), 1, "captured once");
    m.deliveries_settled(2).await;
    assert_eq!(
        m.sandbox.deliveries().len(),
        2,
        "one notifyPayment, one notifyCapture"
    );
    assert!(m.store.committed_keys().values().all(|&n| n == 1));
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_same_capture_captures_once_and_another_under_its_key_is_refused() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.card("rc-1", 5_000)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("rc-1-cap", &payment_id, usd(5_000));
    let CaptureOutcome::Captured(first) = m.client.checkout(&capture).await.unwrap() else {
        panic!("not captured")
    };
    let CaptureOutcome::Captured(again) = m.client.checkout(&capture).await.unwrap() else {
        panic!("the replay is not captured")
    };
    assert_eq!(again.capture_id, first.capture_id);
    assert_eq!(again.capture_time, first.capture_time);
    let changed = CaptureRequest::new("rc-1-cap", &payment_id, usd(4_000));
    match m.client.checkout(&changed).await.unwrap() {
        CaptureOutcome::Failed(result) => inconsistent(&result),
        other => panic!("{other:?}"),
    }
    let captures = m.sandbox.captures();
    assert_eq!(captures.len(), 1);
    assert_eq!(captures[0].capture_amount, usd(5_000));
    m.processed(&capture_key(&first.capture_id)).await;
    m.deliveries_settled(2).await;
    let capture_deliveries = m
        .sandbox
        .deliveries()
        .into_iter()
        .filter(|a| a.kind == "notifyCapture")
        .count();
    assert_eq!(capture_deliveries, 1, "the replay is not notified again");
    assert_eq!(m.store.committed(&capture_key(&first.capture_id)), 1);
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_same_refund_refunds_once_and_another_under_its_key_is_refused() {
    // Card refunds are asynchronous: 200 s at this scale, until the clock moves.
    let m = Merchant::start(100.0).await;
    let wallet = m.pay_waiting(&m.wallet("rr-1", 3_000)).await;
    m.sandbox.buyer(&wallet, BuyerAction::Pay).unwrap();
    let refund = m.refund("rr-1-r", &wallet, 1_000);
    let RefundOutcome::Refunded(first) = m.client.checkout(&refund).await.unwrap() else {
        panic!("a wallet refund is synchronous")
    };
    let RefundOutcome::Refunded(again) = m.client.checkout(&refund).await.unwrap() else {
        panic!("the replay is not refunded")
    };
    assert_eq!(again.refund_id, first.refund_id);
    for changed in [
        m.refund("rr-1-r", &wallet, 999),
        m.refund("rr-1-r", &wallet, 1_000)
            .with_refund_reason("changed my mind"),
    ] {
        match m.client.checkout(&changed).await.unwrap() {
            RefundOutcome::Failed(result) => inconsistent(&result),
            other => panic!("{other:?}"),
        }
    }
    let state = m.sandbox.payment(&wallet).unwrap();
    assert_eq!((state.refunded, state.refunds.len()), (usd(1_000), 1));

    // Asynchronous: the replay while processing, and after, names one refund.
    let card = m.pay_waiting(&m.card("rr-2", 3_000)).await;
    m.sandbox.buyer(&card, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("rr-2-cap", &card, usd(3_000));
    assert!(matches!(
        m.client.checkout(&capture).await.unwrap(),
        CaptureOutcome::Captured(_)
    ));
    let refund = m.refund("rr-2-r", &card, 3_000);
    let RefundOutcome::Processing(accepted) = m.client.checkout(&refund).await.unwrap() else {
        panic!("a card refund is asynchronous")
    };
    let RefundOutcome::Processing(again) = m.client.checkout(&refund).await.unwrap() else {
        panic!("the replay is not processing")
    };
    assert_eq!(again.refund_id, accepted.refund_id);
    match m
        .client
        .checkout(&m.refund("rr-2-r", &card, 2_999))
        .await
        .unwrap()
    {
        RefundOutcome::Failed(result) => inconsistent(&result),
        other => panic!("{other:?}"),
    }
    m.sandbox.advance_clock(Duration::from_secs(300));
    m.processed(&refund_key(&accepted.refund_id)).await;
    let RefundOutcome::Refunded(settled) = m.client.checkout(&refund).await.unwrap() else {
        panic!("the settled refund is not refunded")
    };
    assert_eq!(settled.refund_id, accepted.refund_id);
    let state = m.sandbox.payment(&card).unwrap();
    assert_eq!((state.refunded, state.refunds.len()), (usd(3_000), 1));
    m.deliveries_settled(5).await;
    let refund_deliveries = m
        .sandbox
        .deliveries()
        .into_iter()
        .filter(|a| a.kind == "notifyRefund")
        .count();
    assert_eq!(refund_deliveries, 1, "one refund, one notifyRefund");
    assert_eq!(m.sandbox.refunds().len(), 2);
    m.sandbox.shutdown().await;
}

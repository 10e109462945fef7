//! The card checkout end to end, all real on loopback: an authorization the
//! merchant captures (MANUAL), its notifyCapture, an asynchronous refund
//! (REFUND_IN_PROCESS, then notifyRefund SUCCESS) read by inquiryRefund;
//! an automatic-capture card; a capture that fails at the processor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams::client::checkout::{
    CaptureBy, CaptureEvent, CaptureOutcome, PayOutcome, PaymentState, RefundEvent, RefundOutcome,
    RefundState, Resolution, ResolveOptions, TransactionState,
};
use alipay_ams::models::PaymentFactor;
use alipay_ams::payments::{CaptureRequest, InquiryPaymentRequest, InquiryRefundRequest};
use alipay_ams::sandbox::{self, Fault, PaymentStatus, RefundStatus};
use alipay_ams::{ResultCode, ResultStatus};
use common::checkout::*;

#[tokio::test]
async fn a_card_is_authorized_captured_refunded_asynchronously_and_inquired() {
    // Asynchronous refunds settle after 200 s at this scale: the test moves
    // the sandbox's clock when it wants them settled.
    let m = Merchant::start(100.0).await;
    let pay = m.card("c-1", 8_000);
    let payment_id = m.pay_waiting(&pay).await;

    // The buyer pays: authorized, nothing captured; notifyPayment S only.
    let state = m
        .sandbox
        .buyer(&payment_id, sandbox::BuyerAction::Pay)
        .unwrap();
    assert_eq!(state.status, PaymentStatus::Authorized);
    assert_eq!(
        (state.authorized.clone(), state.captured.clone()),
        (usd(8_000), usd(0))
    );
    m.processed(&payment_result_key(&payment_id)).await;
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Paid));
    match m.client.checkout(&pay).await.unwrap() {
        PayOutcome::Authorized { response, capture } => {
            assert_eq!(capture, CaptureBy::Merchant);
            assert_eq!(response.payment_id, payment_id);
            assert!(response.auth_expiry_time.is_some());
        }
        other => panic!("{other:?}"),
    }
    // Not captured: a refund is refused (cancel it instead).
    match m
        .client
        .checkout(&m.refund("c-1-r0", &payment_id, 100))
        .await
        .unwrap()
    {
        RefundOutcome::Failed(result) => {
            assert_eq!(result.result_code, ResultCode::OrderStatusInvalid)
        }
        other => panic!("{other:?}"),
    }

    // Capture: the money moves; notifyCapture confirms it.
    let capture = CaptureRequest::new("c-1-cap", &payment_id, usd(8_000));
    let captured = match m.client.checkout(&capture).await.unwrap() {
        CaptureOutcome::Captured(response) => response,
        other => panic!("{other:?}"),
    };
    m.processed(&capture_key(&captured.capture_id)).await;
    let notified = m.store.capture(&captured.capture_id).unwrap();
    assert_eq!(notified.event(), CaptureEvent::Captured);
    assert_eq!(notified.capture_request_id, "c-1-cap");
    assert_eq!(notified.capture_amount, usd(8_000));
    assert_eq!(
        m.sandbox.payment(&payment_id).unwrap().status,
        PaymentStatus::Captured
    );

    // An asynchronous refund: accepted, processing, then notified.
    let refund = m.refund("c-1-r1", &payment_id, 3_000);
    let accepted = match m.client.checkout(&refund).await.unwrap() {
        RefundOutcome::Processing(response) => response,
        other => panic!("{other:?}"),
    };
    assert_eq!(accepted.result.result_code.as_str(), "REFUND_IN_PROCESS");
    let by_id = InquiryRefundRequest::new().with_refund_id(&accepted.refund_id);
    assert_eq!(
        m.client.checkout(&by_id).await.unwrap().state(),
        RefundState::Processing
    );
    let quick = ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_millis(100));
    match m.client.resolve(&refund, &quick).await.unwrap() {
        Resolution::StillPending(unsettled) => {
            assert_eq!(
                unsettled.last_seen().unwrap().state(),
                RefundState::Processing
            )
        }
        other => panic!("{other:?}"),
    }
    // What is processing counts against what is left.
    let over = m.refund("c-1-r2", &payment_id, 5_001);
    assert!(matches!(
        m.client.checkout(&over).await.unwrap(),
        RefundOutcome::Failed(r) if r.result_code.as_str() == "REFUND_AMOUNT_EXCEED"
    ));
    assert!(m.store.refund(&accepted.refund_id).is_none());

    m.sandbox.advance_clock(Duration::from_secs(300));
    m.processed(&refund_key(&accepted.refund_id)).await;
    let notified = m.store.refund(&accepted.refund_id).unwrap();
    assert_eq!(notified.event(), RefundEvent::Refunded);
    assert_eq!(notified.disagreement(), None);
    assert_eq!(notified.refund_request_id, "c-1-r1");
    assert_eq!(notified.refund_amount, usd(3_000));
    let inquired = m
        .client
        .checkout(&InquiryRefundRequest::new().with_refund_request_id("c-1-r1"))
        .await
        .unwrap();
    assert_eq!(inquired.state(), RefundState::Succeeded);
    assert!(inquired.refund_time.is_some());
    // The same refund now answers refunded, under the same refundId.
    match m.client.checkout(&refund).await.unwrap() {
        RefundOutcome::Refunded(response) => assert_eq!(response.refund_id, accepted.refund_id),
        other => panic!("{other:?}"),
    }

    let answer = m
        .client
        .checkout(&InquiryPaymentRequest::new().with_payment_id(&payment_id))
        .await
        .unwrap();
    assert_eq!(answer.state(), PaymentState::Succeeded);
    assert_eq!(
        answer.capture("c-1-cap").unwrap().state(),
        TransactionState::Succeeded
    );
    assert_eq!(
        answer.refund("c-1-r1").unwrap().state(),
        TransactionState::Succeeded
    );
    assert!(answer.refund("c-1-r0").is_none() && answer.refund("c-1-r2").is_none());

    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(
        (
            state.captured.clone(),
            state.refunded.clone(),
            state.refundable.clone()
        ),
        (usd(8_000), usd(3_000), usd(5_000))
    );
    assert_eq!(state.captures.len(), 1);
    assert_eq!(state.refunds.len(), 1);
    assert!(state.refunds[0].asynchronous && state.refunds[0].status == RefundStatus::Success);
    let log = m.deliveries_settled(3).await;
    let kinds: Vec<&str> = log.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["notifyPayment", "notifyCapture", "notifyRefund"]);
    assert!(
        log.iter()
            .all(|a| a.acknowledged && a.notify_url == m.notify_url)
    );
    let committed = m.store.committed_keys();
    assert_eq!(committed.len(), 3, "{committed:?}");
    assert!(committed.values().all(|&n| n == 1));
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_automatic_capture_card_is_captured_by_antom_and_refused_a_capture() {
    let m = Merchant::start(0.001).await;
    let mut pay = m.card("c-2", 4_000);
    pay.payment_factor = Some(
        PaymentFactor::new()
            .with_is_authorization(true)
            .with_capture_mode("AUTOMATIC"),
    );
    let payment_id = m.pay_waiting(&pay).await;
    let state = m
        .sandbox
        .buyer(&payment_id, sandbox::BuyerAction::Pay)
        .unwrap();
    assert_eq!(state.status, PaymentStatus::Captured);
    let auto = state.captures[0].clone();
    assert_eq!(auto.capture_request_id, format!("AUTO_{payment_id}"));
    m.processed(&payment_result_key(&payment_id)).await;
    m.processed(&capture_key(&auto.capture_id)).await;
    assert!(matches!(
        m.client.checkout(&pay).await.unwrap(),
        PayOutcome::Authorized {
            capture: CaptureBy::Antom,
            ..
        }
    ));
    let capture = CaptureRequest::new("c-2-cap", &payment_id, usd(4_000));
    match m.client.checkout(&capture).await.unwrap() {
        CaptureOutcome::Failed(result) => {
            assert_eq!(result.result_code, ResultCode::OrderStatusInvalid)
        }
        other => panic!("{other:?}"),
    }
    // A card refund is asynchronous; at this scale it settles at once.
    let refund = m.refund("c-2-r1", &payment_id, 4_000);
    let RefundOutcome::Processing(accepted) = m.client.checkout(&refund).await.unwrap() else {
        panic!("a card refund is asynchronous")
    };
    m.processed(&refund_key(&accepted.refund_id)).await;
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captures.len(), 1, "the refused capture is no capture");
    assert_eq!(
        (state.refunded.clone(), state.refundable.clone()),
        (usd(4_000), usd(0))
    );
    m.deliveries_settled(3).await;
    assert!(m.store.committed_keys().values().all(|&n| n == 1));
    assert_eq!(m.store.committed_keys().len(), 3);
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_capture_failing_at_the_processor_is_final_and_notified_once() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.card("c-3", 2_500)).await;
    m.sandbox
        .buyer(&payment_id, sandbox::BuyerAction::Pay)
        .unwrap();
    m.processed(&payment_result_key(&payment_id)).await;
    m.sandbox
        .arm_fault::<CaptureRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let capture = CaptureRequest::new("c-3-cap", &payment_id, usd(2_500));
    match m.client.checkout(&capture).await.unwrap() {
        CaptureOutcome::Failed(result) => assert_eq!(result.result_code.as_str(), "PROCESS_FAIL"),
        other => panic!("{other:?}"),
    }
    let record = m
        .sandbox
        .captures()
        .into_iter()
        .find(|c| c.capture_request_id == "c-3-cap");
    let record = record.expect("a capture failed at the processor is on the books");
    assert_eq!(record.result.result_status, ResultStatus::Failed);
    m.processed(&capture_key(&record.capture_id)).await;
    let notified = m.store.capture(&record.capture_id).unwrap();
    assert!(
        matches!(notified.event(), CaptureEvent::Failed(r) if r.result_code.as_str() == "PROCESS_FAIL")
    );
    // Final for this captureRequestId: the same request answers the same.
    assert!(matches!(
        m.client.checkout(&capture).await.unwrap(),
        CaptureOutcome::Failed(r) if r.result_code.as_str() == "PROCESS_FAIL"
    ));
    match m
        .client
        .resolve(&capture, &ResolveOptions::default())
        .await
        .unwrap()
    {
        Resolution::Failed(answer) => assert!(matches!(
            answer.capture("c-3-cap").unwrap().state(),
            TransactionState::Failed(_)
        )),
        other => panic!("{other:?}"),
    }
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captured, usd(0));
    assert_eq!(state.captures.len(), 1);
    m.deliveries_settled(2).await;
    assert!(m.store.committed_keys().values().all(|&n| n == 1));
    m.sandbox.shutdown().await;
}

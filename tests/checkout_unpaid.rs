//! Payments that do not end paid, or not at once, end to end on loopback:
//! the buyer declines (notifyPayment F), abandons or lets the payment
//! expire (F ORDER_IS_CLOSED); a bank method goes through PAYMENT_PENDING
//! (status S, not a success) before its PAYMENT_RESULT. Each is final once
//! failed: the same pay answers the failure, the buyer can no longer act,
//! nothing can be captured or refunded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use alipay_ams::client::checkout::{
    CaptureOutcome, PayOutcome, PaymentEvent, PaymentState, RefundOutcome, Resolution,
    ResolveOptions,
};
use alipay_ams::payments::{CaptureRequest, InquiryPaymentRequest, PaymentNotification};
use alipay_ams::protocol::ACK_BODY;
use alipay_ams::sandbox::{
    BuyerAction, BuyerError, NotificationFault, PaymentStatus, Sandbox, example_keys,
    signed_notification_body,
};
use alipay_ams::{PrivateKey, ResultCode, ResultStatus};
use alipay_ams_testkit::{self as raw_http, Answer};
use common::checkout::*;

fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_secs(5))
}

/// After a payment failed with `code`: the merchant processed one F
/// notifyPayment, the same pay, the inquiry and the resolution say failed,
/// the buyer can no longer act, and nothing can be captured or refunded.
async fn assert_failed_for_good(
    m: &Merchant,
    pay_id: &str,
    payment_id: &str,
    code: &str,
    card: bool,
) {
    m.processed(&payment_result_key(payment_id)).await;
    assert_eq!(m.store.committed(&payment_result_key(payment_id)), 1);
    assert_eq!(
        m.store.order(payment_id),
        Some(OrderStatus::Failed(code.into()))
    );
    let notified = m.store.payments(payment_id);
    assert_eq!(notified.len(), 1);
    assert!(
        matches!(notified[0].event(), PaymentEvent::Failed(r) if r.result_code.as_str() == code)
    );

    let pay = if card {
        m.card(pay_id, 1_000)
    } else {
        m.wallet(pay_id, 1_000)
    };
    match m.client.checkout(&pay).await.unwrap() {
        PayOutcome::Failed(result) => assert_eq!(result.result_code.as_str(), code),
        other => panic!("{other:?}"),
    }
    let inquiry = InquiryPaymentRequest::new().with_payment_request_id(pay_id);
    match m.client.checkout(&inquiry).await.unwrap().state() {
        PaymentState::Failed { code: got, .. } => assert_eq!(got.as_deref(), Some(code)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        m.client.resolve(&pay, &quick()).await.unwrap(),
        Resolution::Failed(_)
    ));
    assert!(matches!(
        m.sandbox.buyer(payment_id, BuyerAction::Pay),
        Err(BuyerError::NotAwaitingBuyer {
            status: PaymentStatus::Failed,
            ..
        })
    ));
    let capture = CaptureRequest::new(format!("{pay_id}-cap"), payment_id, usd(1_000));
    assert!(matches!(
        m.client.checkout(&capture).await.unwrap(),
        CaptureOutcome::Failed(_)
    ));
    let refund = m.refund(&format!("{pay_id}-r"), payment_id, 1_000);
    assert!(matches!(
        m.client.checkout(&refund).await.unwrap(),
        RefundOutcome::Failed(_)
    ));
    let state = m.sandbox.payment(payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Failed);
    assert_eq!(state.failure.unwrap().result_code.as_str(), code);
    assert_eq!((state.captured, state.refunded), (usd(0), usd(0)));
    assert!(state.captures.is_empty() && state.refunds.is_empty());
}

#[tokio::test]
async fn a_declined_payment_is_failed_and_notified_f() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.wallet("d-1", 1_000)).await;
    let state = m.sandbox.buyer(&payment_id, BuyerAction::Decline).unwrap();
    assert_eq!(state.status, PaymentStatus::Failed);
    assert_failed_for_good(&m, "d-1", &payment_id, "USER_BALANCE_NOT_ENOUGH", false).await;

    let card = m.pay_waiting(&m.card("d-2", 1_000)).await;
    m.sandbox
        .buyer(&card, BuyerAction::DeclineWith("RISK_REJECT".into()))
        .unwrap();
    assert_failed_for_good(&m, "d-2", &card, "RISK_REJECT", true).await;
    let log = m.deliveries_settled(2).await;
    assert_eq!(
        log.len(),
        2,
        "one notifyPayment each, nothing else: {log:#?}"
    );
    assert!(
        log.iter()
            .all(|a| a.kind == "notifyPayment" && a.result_status.as_deref() == Some("F"))
    );
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_abandoned_or_expired_payment_is_closed() {
    let m = Merchant::start(0.001).await;
    let abandoned = m.pay_waiting(&m.wallet("a-1", 1_000)).await;
    m.sandbox.buyer(&abandoned, BuyerAction::Abandon).unwrap();
    assert_failed_for_good(&m, "a-1", &abandoned, "ORDER_IS_CLOSED", false).await;
    // Forced expiry, before its time.
    let forced = m.pay_waiting(&m.wallet("a-2", 1_000)).await;
    m.sandbox.expire_payment(&forced).unwrap();
    assert_failed_for_good(&m, "a-2", &forced, "ORDER_IS_CLOSED", false).await;
    m.assert_processed_once(2).await;
    m.sandbox.shutdown().await;

    // Payments waiting for the buyer expire after 300 ms (real time);
    // nobody acts on this one: it expires by itself.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .payment_expiry(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let m = Merchant::with(sandbox, quick_retries()).await;
    let expired = m.pay_waiting(&m.card("a-3", 1_000)).await;
    assert_failed_for_good(&m, "a-3", &expired, "ORDER_IS_CLOSED", true).await;
    m.assert_processed_once(1).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_bank_payment_is_not_a_success_until_its_result() {
    // The bank's processing takes 200 s at this scale: the test moves the clock.
    let m = Merchant::start(100.0).await;
    let pay = m.pay("b-1", "ONLINEBANKING_FPX", 3_000);
    let payment_id = m.pay_waiting(&pay).await;
    let state = m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    assert_eq!(state.status, PaymentStatus::Pending);

    // PAYMENT_PENDING arrives with status S: the handler sees Pending.
    m.processed(&payment_pending_key(&payment_id)).await;
    let pending = m.store.payments(&payment_id);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].notify_type, "PAYMENT_PENDING");
    assert_eq!(pending[0].result.result_status, ResultStatus::Success);
    assert_eq!(pending[0].event(), PaymentEvent::Pending);
    assert!(!pending[0].event().is_final());
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Pending));
    // Everyone agrees it is not paid yet: the pay, the inquiry, the resolution.
    assert!(matches!(
        m.client.checkout(&pay).await.unwrap(),
        PayOutcome::WaitingForBuyer(_) | PayOutcome::InProcess(_)
    ));
    let inquiry = InquiryPaymentRequest::new().with_payment_id(&payment_id);
    assert_eq!(
        m.client.checkout(&inquiry).await.unwrap().state(),
        PaymentState::Pending
    );
    let short = quick().with_deadline(Duration::from_millis(100));
    match m.client.resolve(&pay, &short).await.unwrap() {
        Resolution::StillPending(unsettled) => {
            assert_eq!(
                unsettled.last_seen().unwrap().state(),
                PaymentState::Pending
            )
        }
        other => panic!("{other:?}"),
    }
    // Nothing to capture or refund while pending.
    let refund = m.refund("b-1-r", &payment_id, 100);
    assert!(
        matches!(m.client.checkout(&refund).await.unwrap(), RefundOutcome::Failed(r) if r.result_code == ResultCode::OrderStatusInvalid)
    );

    m.sandbox.advance_clock(Duration::from_secs(300));
    m.processed(&payment_result_key(&payment_id)).await;
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Paid));
    assert_eq!(
        m.client.checkout(&inquiry).await.unwrap().state(),
        PaymentState::Succeeded
    );
    assert!(matches!(
        m.client.resolve(&pay, &short).await.unwrap(),
        Resolution::Succeeded(_)
    ));
    assert!(matches!(
        m.client.checkout(&pay).await.unwrap(),
        PayOutcome::Succeeded(_)
    ));

    // Alipay redelivers the PAYMENT_PENDING (same bytes, signed afresh):
    // acknowledged as the duplicate it is; the order stays paid.
    let log = m.deliveries_settled(3).await;
    let first = log
        .iter()
        .find(|a| a.notify_type.as_deref() == Some("PAYMENT_PENDING"))
        .unwrap();
    let again = signed_notification_body(
        &PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap(),
        m.sandbox.client_id(),
        common::NOTIFY_PATH,
        first.body().to_vec(),
    )
    .unwrap();
    match raw_http::exchange(m.notify_addr(), raw_http::from_request(&again)).await {
        Answer::Http(reply) if reply.status == 200 => assert_eq!(reply.text(), ACK_BODY),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Paid));
    assert_eq!(m.store.committed(&payment_pending_key(&payment_id)), 1);
    // The endpoint's inbox answered the redelivery itself: the handler saw
    // the pending notification once.
    assert_eq!(m.store.delivered(&payment_pending_key(&payment_id)), 1);
    assert_eq!(m.store.committed(&payment_result_key(&payment_id)), 1);
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_notification_arriving_after_the_result_leaves_the_order_paid() {
    let m = Merchant::start(100.0).await;
    let payment_id = m
        .pay_waiting(&m.pay("b-2", "BANKTRANSFER_PAYNOW", 3_000))
        .await;
    // The PAYMENT_PENDING is held 500 ms; the result goes out at once.
    m.sandbox
        .arm_notification_fault::<PaymentNotification>(
            NotificationFault::Delay(Duration::from_millis(500)),
            1,
        )
        .unwrap();
    assert_eq!(
        m.sandbox
            .buyer(&payment_id, BuyerAction::Pay)
            .unwrap()
            .status,
        PaymentStatus::Pending
    );
    m.sandbox.advance_clock(Duration::from_secs(300));
    m.processed(&payment_result_key(&payment_id)).await;
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Paid));
    m.processed(&payment_pending_key(&payment_id)).await;
    let order: Vec<String> = m
        .store
        .payments(&payment_id)
        .into_iter()
        .map(|n| n.notify_type)
        .collect();
    assert_eq!(order, ["PAYMENT_RESULT", "PAYMENT_PENDING"]);
    assert_eq!(
        m.store.order(&payment_id),
        Some(OrderStatus::Paid),
        "kept final"
    );
    assert_eq!(m.store.late.load(Ordering::SeqCst), 1);
    m.assert_processed_once(3).await; // pending, result, automatic capture
    m.sandbox.shutdown().await;
}

//! The wallet checkout end to end, all real on loopback (client -> sandbox ->
//! the merchant's notify endpoint): pay waits for the buyer, the buyer pays,
//! notifyPayment S (PAYMENT_RESULT) and the automatic capture's
//! notifyCapture arrive and are processed once, refunds are synchronous
//! (no notifyRefund), partial and multiple, never beyond what was paid, and
//! inquiryPayment shows every transaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams::client::checkout::{
    BuyerAction, PayOutcome, PaymentState, RefundOutcome, RefundState, Resolution, ResolveOptions,
    TransactionState,
};
use alipay_ams::models::TransactionType;
use alipay_ams::payments::{InquiryPaymentRequest, InquiryRefundRequest};
use alipay_ams::sandbox::{self, PaymentStatus, RefundStatus};
use alipay_ams::{ResultCode, ResultStatus};
use common::checkout::*;

#[tokio::test]
async fn a_wallet_payment_is_paid_captured_refunded_in_parts_and_inquired() {
    let m = Merchant::start(0.001).await;
    let pay = m.wallet("w-1", 10_000);

    // pay: created, waiting for the buyer, with the page to send them to.
    let waiting = match m.client.checkout(&pay).await.unwrap() {
        PayOutcome::WaitingForBuyer(response) => response,
        other => panic!("{other:?}"),
    };
    let payment_id = waiting.payment_id.clone();
    let normal_url = waiting.normal_url.clone().unwrap();
    assert_eq!(waiting.buyer_actions(), [BuyerAction::OpenUrl(&normal_url)]);
    assert_eq!(
        normal_url,
        format!("{}/sandbox/checkout/{payment_id}", m.sandbox.base_url())
    );
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::AwaitingBuyer);
    assert_eq!(state.payment_request_id, "w-1");
    assert_eq!(state.payment_method_type, "ALIPAY_CN");
    let inquiry = InquiryPaymentRequest::new().with_payment_id(&payment_id);
    assert_eq!(
        m.client.checkout(&inquiry).await.unwrap().state(),
        PaymentState::AwaitingBuyer
    );
    assert!(
        m.store.order(&payment_id).is_none(),
        "nothing notified before the buyer acts"
    );

    // The buyer pays: a wallet is paid and captured at once.
    let state = m
        .sandbox
        .buyer(&payment_id, sandbox::BuyerAction::Pay)
        .unwrap();
    assert_eq!(state.status, PaymentStatus::Captured);
    assert_eq!(state.captured, usd(10_000));
    let auto = &state.captures[0];
    assert_eq!(auto.capture_request_id, format!("AUTO_{payment_id}"));
    m.processed(&payment_result_key(&payment_id)).await;
    m.processed(&capture_key(&auto.capture_id)).await;
    assert_eq!(m.store.order(&payment_id), Some(OrderStatus::Paid));
    let notified = m.store.payments(&payment_id);
    assert_eq!(notified.len(), 1);
    assert_eq!(notified[0].notify_type, "PAYMENT_RESULT");
    assert_eq!(notified[0].payment_request_id, "w-1");
    assert_eq!(notified[0].payment_amount, usd(10_000));
    let capture = m.store.capture(&auto.capture_id).unwrap();
    assert_eq!(capture.result.result_status, ResultStatus::Success);
    assert_eq!(capture.capture_amount, usd(10_000));
    assert_eq!(capture.payment_id, payment_id);

    // The same pay now answers where the payment is: paid.
    match m.client.checkout(&pay).await.unwrap() {
        PayOutcome::Succeeded(response) => {
            assert_eq!(response.payment_id, payment_id);
            assert!(response.payment_time.is_some());
        }
        other => panic!("{other:?}"),
    }

    // Refunds: synchronous, partial and multiple, never beyond what was paid.
    let first = match m
        .client
        .checkout(&m.refund("w-1-r1", &payment_id, 3_000))
        .await
        .unwrap()
    {
        RefundOutcome::Refunded(response) => response,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.refund_amount, usd(3_000));
    let second = m.refund("w-1-r2", &payment_id, 5_000);
    let RefundOutcome::Refunded(second_answer) = m.client.checkout(&second).await.unwrap() else {
        panic!("the second refund was not refunded")
    };
    let over = m.refund("w-1-r3", &payment_id, 2_001);
    match m.client.checkout(&over).await.unwrap() {
        RefundOutcome::Failed(result) => {
            assert_eq!(result.result_code.as_str(), "REFUND_AMOUNT_EXCEED")
        }
        other => panic!("an over-refund: {other:?}"),
    }
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(
        (state.refunded.clone(), state.refundable.clone()),
        (usd(8_000), usd(2_000))
    );
    assert_eq!(state.refunds.len(), 2, "a refused refund is no refund");
    assert!(
        state
            .refunds
            .iter()
            .all(|r| !r.asynchronous && r.status == RefundStatus::Success)
    );

    // The rest in full; then nothing more.
    let rest = m.refund("w-1-r4", &payment_id, 2_000);
    assert!(matches!(
        m.client.checkout(&rest).await.unwrap(),
        RefundOutcome::Refunded(_)
    ));
    let more = m.refund("w-1-r5", &payment_id, 1);
    assert!(matches!(
        m.client.checkout(&more).await.unwrap(),
        RefundOutcome::Failed(r) if r.result_code.as_str() == "REFUND_AMOUNT_EXCEED"
    ));

    // inquiryPayment shows every transaction; inquiryRefund each refund.
    let answer = m.client.checkout(&inquiry).await.unwrap();
    assert_eq!(answer.state(), PaymentState::Succeeded);
    let auto_capture = answer.capture(&auto.capture_request_id).unwrap();
    assert_eq!(auto_capture.state(), TransactionState::Succeeded);
    assert_eq!(
        auto_capture.transaction_id.as_deref(),
        Some(auto.capture_id.as_str())
    );
    assert_eq!(auto_capture.transaction_amount, Some(usd(10_000)));
    for (id, refund_id, value) in [
        ("w-1-r1", &first.refund_id, 3_000),
        ("w-1-r2", &second_answer.refund_id, 5_000),
    ] {
        let refund = answer.refund(id).unwrap();
        assert_eq!(refund.state(), TransactionState::Succeeded, "{id}");
        assert_eq!(refund.transaction_id.as_ref(), Some(refund_id));
        assert_eq!(refund.transaction_amount, Some(usd(value)));
        let inquired = m
            .client
            .checkout(&InquiryRefundRequest::new().with_refund_request_id(id))
            .await
            .unwrap();
        assert_eq!(inquired.state(), RefundState::Succeeded, "{id}");
        assert_eq!(&inquired.refund_id, refund_id);
    }
    assert!(answer.refund("w-1-r3").is_none() && answer.refund("w-1-r5").is_none());
    assert_eq!(answer.transactions_of(TransactionType::Refund).count(), 3);
    assert_eq!(answer.transactions_of(TransactionType::Capture).count(), 1);

    // The resolve helper agrees with the answers (nothing is sent again).
    match m
        .client
        .resolve(&second, &ResolveOptions::default())
        .await
        .unwrap()
    {
        Resolution::Succeeded(refund) => assert_eq!(refund.refund_id, second_answer.refund_id),
        other => panic!("{other:?}"),
    }

    // Every notification acknowledged and processed once; no notifyRefund
    // (synchronous refunds are not notified).
    let log = m.deliveries_settled(2).await;
    // (Both leave when the buyer pays: in either order.)
    let mut kinds: Vec<&str> = log.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["notifyCapture", "notifyPayment"], "{log:#?}");
    assert!(log.iter().all(|a| a.acknowledged));
    let committed = m.store.committed_keys();
    assert_eq!(committed.len(), 2, "{committed:?}");
    assert!(committed.values().all(|&n| n == 1));
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.refunded, usd(10_000));
    assert_eq!(state.refunds.len(), 3);
    assert_eq!(m.sandbox.payments().len(), 1);
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_refund_before_the_buyer_pays_is_refused_and_changes_nothing() {
    let m = Merchant::start(0.001).await;
    let payment_id = m.pay_waiting(&m.wallet("w-2", 5_000)).await;
    match m
        .client
        .checkout(&m.refund("w-2-r1", &payment_id, 100))
        .await
        .unwrap()
    {
        RefundOutcome::Failed(result) => {
            assert_eq!(result.result_code, ResultCode::OrderStatusInvalid)
        }
        other => panic!("{other:?}"),
    }
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::AwaitingBuyer);
    assert!(state.refunds.is_empty() && m.sandbox.refunds().is_empty());
    // Refused, it was not recorded: inquiryRefund does not know it.
    let inquiry = InquiryRefundRequest::new().with_refund_request_id("w-2-r1");
    let refused = m.client.checkout(&inquiry).await.unwrap_err();
    let alipay_ams::client::Error::Failed(failed) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(failed.result().result_code.as_str(), "ORDER_NOT_EXIST");
    m.assert_processed_once(0).await;
    m.sandbox.shutdown().await;
}

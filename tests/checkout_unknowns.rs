//! Every unknown outcome of a money movement, end to end on loopback: the
//! sandbox answers U, loses the reply (connection dropped, late past the
//! client's timeout), answers HTTP 500 or unsigned or with a bad signature.
//! The client (no retries here, so each fault surfaces) says "unknown";
//! `Client::resolve` then finds the true outcome, which the sandbox's books
//! confirm; where Alipay has no trace of it, the SAME request is sent again.
//! Never a second money movement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::fmt::Debug;
use std::time::Duration;

use alipay_ams::ResultStatus;
use alipay_ams::client::checkout::{
    CancelOutcome, CaptureOutcome, Checkout, PayOutcome, PaymentState, RefundOutcome, RefundState,
    Resolution, ResolveOptions,
};
use alipay_ams::client::{Error, RetryPolicy, Unknown};
use alipay_ams::payments::{
    CancelRequest, CaptureRequest, InquiryPaymentRequest, PayRequest, RefundRequest,
};
use alipay_ams::sandbox::{BuyerAction, Fault, PaymentStatus, RefundStatus, Sandbox, SandboxExt};
use common::checkout::*;

/// The client gives up on an attempt after this; `Fault::Delay` is longer.
const ATTEMPT: Duration = Duration::from_millis(1_000);

/// Faults after which the movement happened, the reply lost or garbled.
fn performed() -> [Fault; 5] {
    [
        Fault::DropConnection,
        Fault::Delay(Duration::from_millis(1_500)),
        Fault::Http500,
        Fault::Unsigned,
        Fault::BadSignature,
    ]
}

/// Whether the movement happens under `fault` (its reply is then lost or
/// garbled), or not at all.
fn is_performed(fault: Fault) -> bool {
    performed().contains(&fault)
}

/// A merchant whose client makes one attempt per call.
async fn merchant(time_scale: f64) -> Merchant {
    let sandbox = Sandbox::with_example_keys()
        .time_scale(time_scale)
        .start()
        .await
        .unwrap();
    let mut m = Merchant::with(sandbox, RetryPolicy::none()).await;
    m.client = m
        .sandbox
        .client_builder()
        .attempt_timeout(ATTEMPT)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    m
}

fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_secs(5))
}

/// Sends `request` with `fault` armed: the outcome must be unknown, and its
/// advice must name the resolve helper.
async fn unknown<R: Checkout>(m: &Merchant, request: &R, fault: Fault) -> Box<Unknown>
where
    R::Outcome: Debug,
{
    m.sandbox.arm_fault::<R>(fault, 1).unwrap();
    match m.client.checkout(request).await {
        Err(Error::Unknown(unknown)) => {
            assert!(
                unknown.advice().contains("Client::resolve"),
                "{}",
                unknown.advice()
            );
            assert_eq!(m.sandbox.armed_faults::<R>(), 0, "the fault fired");
            unknown
        }
        other => panic!("{} under {fault}: {other:?}", R::NAME),
    }
}

#[tokio::test]
async fn an_unknown_capture_resolves_to_what_the_books_show_and_captures_once() {
    let m = merchant(0.001).await;
    let faults = [Fault::UnknownException, Fault::InProcess]
        .into_iter()
        .chain(performed());
    for (i, fault) in faults.enumerate() {
        let payment_id = m
            .pay_waiting(&m.card(&format!("uc-{i}"), 1_000 + i as u64))
            .await;
        m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
        let capture =
            CaptureRequest::new(format!("uc-{i}-cap"), &payment_id, usd(1_000 + i as u64));
        unknown(&m, &capture, fault).await;
        let books = |m: &Merchant| {
            m.sandbox
                .captures()
                .into_iter()
                .filter(|c| c.capture_request_id == capture.capture_request_id)
                .collect::<Vec<_>>()
        };
        match m.client.resolve(&capture, &quick()).await.unwrap() {
            Resolution::Succeeded(answer) => {
                assert!(is_performed(fault), "{fault}: it was not performed");
                let on_books = books(&m);
                assert_eq!(on_books.len(), 1, "{fault}");
                assert_eq!(on_books[0].result.result_status, ResultStatus::Success);
                let seen = answer.capture(&capture.capture_request_id).unwrap();
                assert_eq!(
                    seen.transaction_id.as_deref(),
                    Some(on_books[0].capture_id.as_str())
                );
            }
            Resolution::NotFound(unsettled) => {
                assert!(!is_performed(fault), "{fault}: {unsettled}");
                assert!(books(&m).is_empty(), "{fault}: not found, yet on the books");
                assert!(unsettled.advice().contains("SAME"));
                // As advised: the same request again, at most once.
                assert!(matches!(
                    m.client.checkout(&capture).await.unwrap(),
                    CaptureOutcome::Captured(_)
                ));
            }
            other => panic!("{fault}: {other:?}"),
        }
        let on_books = books(&m);
        assert_eq!(on_books.len(), 1, "{fault}: captured once");
        // Sent again now, it is the same capture.
        let CaptureOutcome::Captured(again) = m.client.checkout(&capture).await.unwrap() else {
            panic!("{fault}: the replay")
        };
        assert_eq!(again.capture_id, on_books[0].capture_id);
        m.processed(&capture_key(&again.capture_id)).await;
        let state = m.sandbox.payment(&payment_id).unwrap();
        assert_eq!(
            (state.captured, state.captures.len()),
            (usd(1_000 + i as u64), 1),
            "{fault}"
        );
    }
    m.assert_processed_once(14).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_refund_resolves_to_what_the_books_show_and_refunds_once() {
    let m = merchant(0.001).await;
    let faults = [Fault::UnknownException, Fault::InProcess]
        .into_iter()
        .chain(performed());
    for (i, fault) in faults.enumerate() {
        let payment_id = m.pay_waiting(&m.wallet(&format!("ur-{i}"), 2_000)).await;
        m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
        let refund = m.refund(&format!("ur-{i}-r"), &payment_id, 1_500);
        unknown(&m, &refund, fault).await;
        let books = |m: &Merchant| {
            m.sandbox
                .refunds()
                .into_iter()
                .filter(|r| r.refund_request_id == refund.refund_request_id)
                .collect::<Vec<_>>()
        };
        match m.client.resolve(&refund, &quick()).await.unwrap() {
            Resolution::Succeeded(answer) => {
                assert!(is_performed(fault), "{fault}: it was not performed");
                let on_books = books(&m);
                assert_eq!(on_books.len(), 1, "{fault}");
                assert_eq!(on_books[0].status, RefundStatus::Success);
                assert_eq!(answer.refund_id, on_books[0].refund_id);
            }
            Resolution::NotFound(unsettled) => {
                assert!(!is_performed(fault), "{fault}: {unsettled}");
                assert!(books(&m).is_empty(), "{fault}: not found, yet on the books");
                assert!(matches!(
                    m.client.checkout(&refund).await.unwrap(),
                    RefundOutcome::Refunded(_)
                ));
            }
            other => panic!("{fault}: {other:?}"),
        }
        assert_eq!(books(&m).len(), 1, "{fault}: refunded once");
        let state = m.sandbox.payment(&payment_id).unwrap();
        assert_eq!(
            (state.refunded, state.refundable),
            (usd(1_500), usd(500)),
            "{fault}"
        );
    }
    m.assert_processed_once(14).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_asynchronous_refund_stays_pending_until_it_settles() {
    // Card refunds settle after 200 s at this scale: the clock is moved.
    let m = merchant(100.0).await;
    let payment_id = m.pay_waiting(&m.card("ua-1", 4_000)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("ua-1-cap", &payment_id, usd(4_000));
    assert!(matches!(
        m.client.checkout(&capture).await.unwrap(),
        CaptureOutcome::Captured(_)
    ));
    let refund = m.refund("ua-1-r", &payment_id, 4_000);
    unknown(&m, &refund, Fault::DropConnection).await;
    let short = quick().with_deadline(Duration::from_millis(100));
    let Resolution::StillPending(unsettled) = m.client.resolve(&refund, &short).await.unwrap()
    else {
        panic!("a processing refund is not final")
    };
    assert_eq!(
        unsettled.last_seen().unwrap().state(),
        RefundState::Processing
    );
    assert!(unsettled.advice().contains("notifyRefund"));
    m.sandbox.advance_clock(Duration::from_secs(300));
    let Resolution::Succeeded(answer) = m.client.resolve(&refund, &quick()).await.unwrap() else {
        panic!("the settled refund does not resolve")
    };
    m.processed(&refund_key(&answer.refund_id)).await;
    let state = m.sandbox.payment(&payment_id).unwrap();
    assert_eq!((state.refunded, state.refunds.len()), (usd(4_000), 1));
    m.assert_processed_once(3).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_cancel_resolves_and_cancels_once() {
    let m = merchant(0.001).await;
    let faults = [Fault::UnknownException].into_iter().chain(performed());
    for (i, fault) in faults.enumerate() {
        let payment_id = m.pay_waiting(&m.card(&format!("ux-{i}"), 900)).await;
        if i % 2 == 1 {
            m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap(); // an authorization
        }
        let cancel = CancelRequest::new().with_payment_id(&payment_id);
        unknown(&m, &cancel, fault).await;
        match m.client.resolve(&cancel, &quick()).await.unwrap() {
            Resolution::Succeeded(answer) => {
                assert!(is_performed(fault), "{fault}: it was not performed");
                assert_eq!(answer.state(), PaymentState::Cancelled, "{fault}");
                assert_eq!(
                    m.sandbox.payment(&payment_id).unwrap().status,
                    PaymentStatus::Cancelled
                );
            }
            Resolution::NotFound(unsettled) => {
                assert!(!is_performed(fault), "{fault}: {unsettled}");
                assert_ne!(
                    m.sandbox.payment(&payment_id).unwrap().status,
                    PaymentStatus::Cancelled
                );
                assert!(matches!(
                    m.client.checkout(&cancel).await.unwrap(),
                    CancelOutcome::Cancelled(_)
                ));
            }
            other => panic!("{fault}: {other:?}"),
        }
        let state = m.sandbox.payment(&payment_id).unwrap();
        assert_eq!(state.status, PaymentStatus::Cancelled, "{fault}");
        let cancels = state
            .transactions
            .iter()
            .filter(|t| t.transaction_type.as_str() == "CANCEL");
        assert_eq!(cancels.count(), 1, "{fault}: cancelled once");
    }
    m.assert_processed_once(3).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_pay_resolves_makes_one_payment_and_the_buyer_pays_once() {
    let m = merchant(0.001).await;
    let faults = [Fault::UnknownException, Fault::InProcess]
        .into_iter()
        .chain(performed());
    for (i, fault) in faults.enumerate() {
        let pay: PayRequest = m.wallet(&format!("up-{i}"), 700);
        unknown(&m, &pay, fault).await;
        let short = quick().with_deadline(Duration::from_millis(200));
        let on_books = m.sandbox.payment_by_request_id(&pay.payment_request_id);
        match m.client.resolve(&pay, &short).await.unwrap() {
            // Created, waiting for a buyer who never saw the page.
            Resolution::StillPending(unsettled) => {
                assert!(is_performed(fault), "{fault}: it was not performed");
                let seen = unsettled.last_seen().unwrap();
                assert_eq!(seen.state(), PaymentState::AwaitingBuyer, "{fault}");
                let on_books = on_books.expect("pending, yet not on the books");
                assert_eq!(seen.payment_id, on_books.payment_id);
                assert_eq!(on_books.status, PaymentStatus::AwaitingBuyer);
            }
            Resolution::NotFound(unsettled) => {
                assert!(!is_performed(fault), "{fault}: {unsettled}");
                assert!(on_books.is_none(), "{fault}: not found, yet on the books");
            }
            other => panic!("{fault}: {other:?}"),
        }
        // Either way, as advised: the same pay again gets the buyer's page.
        let payment_id = m.pay_waiting(&pay).await;
        let state = m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
        assert_eq!(state.payment_request_id, pay.payment_request_id);
        match m.client.resolve(&pay, &quick()).await.unwrap() {
            Resolution::Succeeded(answer) => assert_eq!(answer.payment_id, payment_id),
            other => panic!("{fault}: {other:?}"),
        }
        assert!(matches!(
            m.client.checkout(&pay).await.unwrap(),
            PayOutcome::Succeeded(_)
        ));
        m.processed(&payment_result_key(&payment_id)).await;
    }
    let payments = m.sandbox.payments();
    assert_eq!(payments.len(), 7, "one payment per paymentRequestId");
    assert!(
        payments
            .iter()
            .all(|p| p.captured == usd(700) && p.captures.len() == 1)
    );
    m.assert_processed_once(14).await;
    m.sandbox.shutdown().await;
}

#[tokio::test]
async fn inquiries_that_get_no_answer_are_asked_again() {
    let m = merchant(0.001).await;
    let payment_id = m.pay_waiting(&m.card("ui-1", 1_200)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("ui-1-cap", &payment_id, usd(1_200));
    unknown(&m, &capture, Fault::Http500).await;
    for fault in [
        Fault::UnknownException,
        Fault::DropConnection,
        Fault::Unsigned,
    ] {
        m.sandbox
            .arm_fault::<InquiryPaymentRequest>(fault, 1)
            .unwrap();
    }
    assert!(matches!(
        m.client.resolve(&capture, &quick()).await.unwrap(),
        Resolution::Succeeded(_)
    ));
    assert_eq!(m.sandbox.armed_faults::<InquiryPaymentRequest>(), 0);
    assert_eq!(m.sandbox.captures().len(), 1);
    // A client that retries settles a lost reply by itself, under the same key.
    let retrying = m
        .sandbox
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let refund = m.refund("ui-1-r", &payment_id, 1_200);
    m.sandbox
        .arm_fault::<RefundRequest>(Fault::DropConnection, 1)
        .unwrap();
    // (Its answer is the refund's state when the retry arrives: processing,
    // or already refunded.)
    let outcome = retrying.checkout(&refund).await.unwrap();
    assert!(
        matches!(
            outcome,
            RefundOutcome::Processing(_) | RefundOutcome::Refunded(_)
        ),
        "{outcome:?}"
    );
    assert_eq!(m.sandbox.refunds().len(), 1, "refunded once");
    m.assert_processed_once(3).await;
    m.sandbox.shutdown().await;
}

/// An inquiry reply stripped of its signature is no answer: asking again is
/// harmless for a read-only inquiry, and the next reply settles it. Today
/// `Client::resolve` ends with `Err` (UnsignedFailure, taken as futile) when
/// that reply is an F such as ORDER_NOT_EXIST, the usual answer for a
/// refund or pay that never landed.
#[tokio::test]
async fn an_unsigned_not_found_inquiry_reply_is_asked_again() {
    let m = merchant(0.001).await;
    let payment_id = m.pay_waiting(&m.wallet("un-1", 1_000)).await;
    m.sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let refund = m.refund("un-1-r", &payment_id, 400);
    unknown(&m, &refund, Fault::UnknownException).await;
    m.sandbox
        .arm_fault::<alipay_ams::payments::InquiryRefundRequest>(Fault::Unsigned, 1)
        .unwrap();
    let resolution = m.client.resolve(&refund, &quick()).await;
    assert!(
        matches!(resolution, Ok(Resolution::NotFound(_))),
        "{resolution:?}"
    );
    assert!(m.sandbox.refunds().is_empty());
    m.sandbox.shutdown().await;
}

//! `Client::checkout` with the other money movements: `capture`, `refund`
//! and `cancel` answers as outcomes, refusals included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::checkout::{CancelOutcome, CaptureOutcome, RefundOutcome};
use alipay_ams_client::{NotSentReason, UnknownReason};
use support::checkout::*;
use support::*;

#[tokio::test]
async fn a_capture_is_captured_or_failed_and_in_process_is_unknown_with_resolve_advice() {
    let server = FakeAlipay::routes(Routes::new().on("capture", |n, req| match n {
        0 => Reply::signed(&echo_success(req)),
        1 => Reply::signed(FAILED_BODY),
        _ => Reply::signed(IN_PROCESS_BODY),
    }))
    .await;
    let client = server.client().build().unwrap();
    let captured = client.checkout(&request("cap-1")).await.unwrap();
    assert!(
        matches!(&captured, CaptureOutcome::Captured(c) if c.capture_request_id == "cap-1"),
        "{captured:?}"
    );
    let refused = client.checkout(&request("cap-2")).await.unwrap();
    assert!(
        matches!(&refused, CaptureOutcome::Failed(r) if r.result_code.as_str() == "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"),
        "{refused:?}"
    );
    let error = client.checkout(&request("cap-3")).await.unwrap_err();
    let outcome = unknown(&error);
    assert!(matches!(outcome.reason(), UnknownReason::ResultUnknown));
    // The advice is true now: the helper it names exists.
    for expected in [
        "Client::resolve",
        "inquiryPayment",
        "notifyCapture",
        "SAME captureRequestId",
        "never capture again under a new captureRequestId",
    ] {
        assert!(outcome.advice().contains(expected), "{expected}: {error}");
    }
    assert_eq!(server.calls("capture").len(), 2 + 4);
}

#[tokio::test]
async fn a_refund_is_refunded_processing_or_failed() {
    let server = FakeAlipay::routes(Routes::new().on("refund", |n, req| match n {
        0 => refund_answer(req, "S", "SUCCESS"),
        1 => refund_answer(req, "U", "REFUND_IN_PROCESS"),
        _ => refusal("REFUND_AMOUNT_EXCEED"),
    }))
    .await;
    let client = server.client().build().unwrap();
    let refunded = client.checkout(&refund("refund-1")).await.unwrap();
    assert!(
        matches!(&refunded, RefundOutcome::Refunded(r) if r.refund_id == "R-1"),
        "{refunded:?}"
    );
    let processing = client.checkout(&refund("refund-2")).await.unwrap();
    assert!(
        matches!(&processing, RefundOutcome::Processing(r) if r.refund_request_id == "refund-2"),
        "{processing:?}"
    );
    let refused = client.checkout(&refund("refund-3")).await.unwrap();
    assert!(
        matches!(&refused, RefundOutcome::Failed(r) if r.result_code.as_str() == "REFUND_AMOUNT_EXCEED"),
        "{refused:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_refund_the_rules_refuse_is_not_sent() {
    let server =
        FakeAlipay::routes(Routes::new().on("refund", |_, req| refund_answer(req, "S", "SUCCESS")))
            .await;
    let client = server.client().build().unwrap();
    let error = client.checkout(&refund("refund/1")).await.unwrap_err();
    assert!(
        matches!(not_sent(&error).reason(), NotSentReason::InvalidRequest(i) if i.path() == "refundRequestId"),
        "{error:?}"
    );
    assert!(error.to_string().contains("inquiryRefund"), "{error}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_cancel_is_cancelled_or_says_refund_instead() {
    let server = FakeAlipay::routes(Routes::new().on("cancel", |n, req| match n {
        0 => cancel_answer(req),
        1 => refusal("CANCEL_WINDOW_EXCEED"),
        _ => refusal("ORDER_NOT_EXIST"),
    }))
    .await;
    let client = server.client().build().unwrap();
    let cancelled = client.checkout(&cancel("PAYMENT-1")).await.unwrap();
    assert!(
        matches!(&cancelled, CancelOutcome::Cancelled(c) if c.payment_id == "PAYMENT-1" && c.cancel_time.is_some()),
        "{cancelled:?}"
    );
    let late = client.checkout(&cancel("PAYMENT-2")).await.unwrap();
    assert!(matches!(late, CancelOutcome::RefundInstead(_)), "{late:?}");
    let missing = client.checkout(&cancel("PAYMENT-3")).await.unwrap();
    assert!(
        matches!(&missing, CancelOutcome::Failed(r) if r.result_code.as_str() == "ORDER_NOT_EXIST"),
        "{missing:?}"
    );
}

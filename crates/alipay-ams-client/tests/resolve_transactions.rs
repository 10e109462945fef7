//! `Client::resolve` after an unknown `capture` (the payment's transactions
//! show it) or `refund` (`inquiryRefund`), by the request or by its key
//! fields; it never captures or refunds again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::checkout::{
    CaptureKey, RefundKey, RefundOutcome, RefundState, Resolution, ResolveOptions, TransactionState,
};
use serde_json::json;
use support::checkout::*;
use support::*;

fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_secs(20))
}

const PAYMENT: &str = "20220919194010890100111740275820195";

#[tokio::test]
async fn a_capture_found_failed_in_the_transactions_is_final_failed() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("capture", |_, _| Reply::signed(IN_PROCESS_BODY))
            .on("inquiryPayment", |n, req| {
                let capture = if n == 0 { "PROCESSING" } else { "FAIL" };
                inquiry_payment(
                    req,
                    "SUCCESS",
                    json!([
                        transaction("CAPTURE", "SUCCESS", "cap-earlier"),
                        transaction("CAPTURE", capture, "cap-7"),
                    ]),
                )
            }),
    )
    .await;
    let client = server.client().build().unwrap();
    let capture = request("cap-7");
    client.checkout(&capture).await.unwrap_err();
    let captures = server.calls("capture").len();
    let resolution = client.resolve(&capture, &quick()).await.unwrap();
    let Resolution::Failed(payment) = resolution else {
        panic!("{resolution:?}")
    };
    match payment.capture("cap-7").unwrap().state() {
        TransactionState::Failed(Some(result)) => {
            assert_eq!(result.result_code.as_str(), "PROCESS_FAIL")
        }
        other => panic!("{other:?}"),
    }
    let inquiries = server.calls("inquiryPayment");
    assert_eq!(inquiries.len(), 2);
    assert_eq!(inquiries[0].json(), json!({"paymentId": PAYMENT}));
    assert_eq!(
        server.calls("capture").len(),
        captures,
        "never captures again"
    );
}

#[tokio::test]
async fn a_capture_is_settled_by_its_key_fields_as_by_its_request() {
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |n, req| {
        let capture = if n < 2 { "PROCESSING" } else { "SUCCESS" };
        inquiry_payment(
            req,
            "SUCCESS",
            json!([transaction("CAPTURE", capture, "cap-8")]),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(&CaptureKey::new(PAYMENT, "cap-8"), &quick())
        .await
        .unwrap();
    let Resolution::Succeeded(payment) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(
        payment.capture("cap-8").unwrap().state(),
        TransactionState::Succeeded
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_capture_the_payment_does_not_list_is_not_found_with_the_payment_seen() {
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |_, req| {
        inquiry_payment(
            req,
            "SUCCESS",
            json!([transaction("CAPTURE", "SUCCESS", "cap-other")]),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(&request("cap-9"), &quick().with_not_found_after(2))
        .await
        .unwrap();
    let Resolution::NotFound(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(unsettled.movement(), "capture");
    assert_eq!(unsettled.inquiries(), 2);
    assert!(
        unsettled
            .last_seen()
            .unwrap()
            .capture("cap-other")
            .is_some()
    );
    assert!(unsettled.last_refusal().is_none());
    assert!(
        unsettled.advice().contains("SAME capture again"),
        "{unsettled}"
    );
}

#[tokio::test]
async fn a_refund_in_process_is_settled_by_inquiry_refund() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("refund", |_, req| {
                refund_answer(req, "U", "REFUND_IN_PROCESS")
            })
            .on("inquiryRefund", |n, req| {
                inquiry_refund(req, if n == 0 { "PROCESSING" } else { "SUCCESS" })
            }),
    )
    .await;
    let client = server.client().build().unwrap();
    let refund = refund("refund-async-1");
    let outcome = client.checkout(&refund).await.unwrap();
    assert!(
        matches!(outcome, RefundOutcome::Processing(_)),
        "{outcome:?}"
    );
    let resolution = client.resolve(&refund, &quick()).await.unwrap();
    let Resolution::Succeeded(answer) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(answer.state(), RefundState::Succeeded);
    let inquiries = server.calls("inquiryRefund");
    assert_eq!(inquiries.len(), 2);
    assert_eq!(
        inquiries[0].json(),
        json!({"refundRequestId": "refund-async-1"})
    );
    assert_eq!(server.calls("refund").len(), 1, "never refunds again");
}

#[tokio::test]
async fn a_failed_refund_is_final_and_a_processing_one_is_still_pending_at_the_deadline() {
    let server =
        FakeAlipay::routes(Routes::new().on("inquiryRefund", |_, req| inquiry_refund(req, "FAIL")))
            .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(&RefundKey::new("refund-f-1"), &quick())
        .await
        .unwrap();
    assert!(
        matches!(&resolution, Resolution::Failed(r) if r.state() == RefundState::Failed),
        "{resolution:?}"
    );

    let server = FakeAlipay::routes(
        Routes::new().on("inquiryRefund", |_, req| inquiry_refund(req, "PROCESSING")),
    )
    .await;
    let client = server.client().build().unwrap();
    let options = ResolveOptions::default()
        .with_interval(Duration::from_millis(20))
        .with_backoff(Duration::from_millis(80))
        .with_deadline(Duration::from_millis(300));
    let resolution = client
        .resolve(&RefundKey::new("refund-slow-1"), &options)
        .await
        .unwrap();
    let Resolution::StillPending(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(
        unsettled.last_seen().map(|r| r.state()),
        Some(RefundState::Processing)
    );
    assert!(unsettled.advice().contains("notifyRefund"), "{unsettled}");
}

#[tokio::test]
async fn a_missing_refund_is_not_found_whether_refused_or_answered_without_a_record() {
    // The docs leave open how inquiryRefund reports an unknown refund: an F
    // such as ORDER_NOT_EXIST, or an S without the refund's fields. Both are
    // "not found", never "failed".
    let server = FakeAlipay::routes(Routes::new().on("inquiryRefund", |n, _| {
        if n % 2 == 0 {
            refusal("ORDER_NOT_EXIST")
        } else {
            Reply::signed(&json!({"result": result("S", "SUCCESS")}).to_string())
        }
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(
            &RefundKey::new("refund-lost-1"),
            &quick().with_not_found_after(4),
        )
        .await
        .unwrap();
    let Resolution::NotFound(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(unsettled.inquiries(), 4);
    assert!(unsettled.last_seen().is_none());
    assert!(
        unsettled
            .advice()
            .contains("a missing refund is not a failed one")
    );
    assert!(
        unsettled.to_string().contains("refund NOT FOUND"),
        "{unsettled}"
    );
}

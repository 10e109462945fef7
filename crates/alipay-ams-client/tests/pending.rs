//! A verified `U` with one of the API's pending codes (pay's
//! `PAYMENT_IN_PROCESS`, refund's `REFUND_IN_PROCESS`) is an answer: `Ok`,
//! never sent again. Unsigned, unparseable or for another request, it stays
//! unknown; another API's pending code is no answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::{RetryStop, UnknownReason};
use alipay_ams_core::ResultStatus;
use serde_json::json;
use support::checkout::*;
use support::*;

#[tokio::test]
async fn payment_in_process_is_an_answer_and_is_not_sent_again() {
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, req| {
        pay_answer(
            req,
            "U",
            "PAYMENT_IN_PROCESS",
            json!({"normalUrl": "https://pay.example/c"}),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let verified = client
        .execute_verified(&wallet_pay("pay-pending-1"))
        .await
        .unwrap();
    assert!(verified.is_pending());
    assert_eq!(verified.result().result_status, ResultStatus::Unknown);
    assert_eq!(verified.result().result_code.as_str(), "PAYMENT_IN_PROCESS");
    assert_eq!(verified.attempts(), 1);
    let answer = verified.response();
    assert_eq!(answer.payment_request_id, "pay-pending-1");
    assert_eq!(answer.normal_url.as_deref(), Some("https://pay.example/c"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refund_in_process_is_an_answer() {
    let server = FakeAlipay::routes(Routes::new().on("refund", |_, req| {
        refund_answer(req, "U", "REFUND_IN_PROCESS")
    }))
    .await;
    let client = server.client().build().unwrap();
    let answer = client.execute(&refund("refund-pending-1")).await.unwrap();
    assert_eq!(answer.result.result_code.as_str(), "REFUND_IN_PROCESS");
    assert_eq!(answer.refund_id, "R-1");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_unsigned_pending_reply_stays_unknown_and_is_sent_again_with_the_same_key() {
    let server = FakeAlipay::start(|_, _| {
        Reply::unsigned(
            r#"{"result":{"resultStatus":"U","resultCode":"PAYMENT_IN_PROCESS"},"paymentRequestId":"pay-u-1","paymentId":"P1"}"#,
        )
    })
    .await;
    let client = server.client().build().unwrap();
    let error = client.execute(&wallet_pay("pay-u-1")).await.unwrap_err();
    let outcome = unknown(&error);
    assert!(matches!(outcome.reason(), UnknownReason::UnsignedUnknown));
    assert_eq!(outcome.attempts(), 4);
    let seen = server.requests();
    assert!(seen.iter().all(|r| r.body == seen[0].body));
}

#[tokio::test]
async fn a_pending_reply_that_does_not_parse_or_answers_another_request_stays_unknown() {
    // No paymentId: the payment cannot be identified.
    let server = FakeAlipay::always(Reply::signed(
        r#"{"result":{"resultStatus":"U","resultCode":"PAYMENT_IN_PROCESS"},"paymentRequestId":"pay-x-1"}"#,
    ))
    .await;
    let client = server.client().build().unwrap();
    let error = client.execute(&wallet_pay("pay-x-1")).await.unwrap_err();
    let outcome = unknown(&error);
    assert!(
        matches!(outcome.reason(), UnknownReason::UnparseableBody { .. }),
        "{error:?}"
    );
    assert_eq!(
        outcome.result().unwrap().result_code.as_str(),
        "PAYMENT_IN_PROCESS"
    );
    assert_eq!(outcome.attempts(), 4);

    // Another payment's answer, replayed.
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, req| {
        pay_answer(
            req,
            "U",
            "PAYMENT_IN_PROCESS",
            json!({"paymentRequestId": "pay-other"}),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let error = client.execute(&wallet_pay("pay-x-2")).await.unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::ReplyMismatch(m) if m.field == "paymentRequestId"),
        "{error:?}"
    );
}

#[tokio::test]
async fn another_apis_pending_code_is_no_answer() {
    // PAYMENT_IN_PROCESS is pay's: for a capture it is an unknown outcome.
    let server = FakeAlipay::start(|_, req| {
        let sent = req.json();
        Reply::signed(
            &json!({
                "result": result("U", "PAYMENT_IN_PROCESS"),
                "captureRequestId": sent["captureRequestId"], "captureId": "C1",
                "paymentId": sent["paymentId"], "captureAmount": sent["captureAmount"],
            })
            .to_string(),
        )
    })
    .await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-pip-1")).await.unwrap_err();
    let outcome = unknown(&error);
    assert!(matches!(outcome.reason(), UnknownReason::ResultUnknown));
    assert_eq!(outcome.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(server.requests().len(), 4);
}

//! A reply is believed only for the request it answers: Alipay's signature
//! covers the reply alone, so a genuine reply recorded earlier (for another
//! capture, or long ago) verifies as well as a fresh one. Each case here is a
//! correctly signed reply that must not be taken as `Ok` nor as final.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::{RetryPolicy, UnknownReason};
use support::*;

/// What Alipay answered to an earlier capture of 0.01 in 2020.
const RECORDED_SUCCESS: &str = r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS","resultMessage":"success."},"captureRequestId":"capture-2020-1","captureId":"2020010119401089010011174000001","paymentId":"2020010119401089010011174000000","captureAmount":{"currency":"USD","value":"1"},"captureTime":"2020-01-01T09:59:17+08:00"}"#;

#[tokio::test]
async fn a_replayed_success_from_an_earlier_capture_is_unknown() {
    let server = FakeAlipay::always(
        Reply::signed(RECORDED_SUCCESS).recorded_at("2020-01-01T10:00:00+08:00"),
    )
    .await;
    let client = server.client().build().unwrap();
    let error = client
        .execute(&request("capture-new-999"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    match outcome.reason() {
        UnknownReason::StaleReply {
            response_time,
            tolerance,
        } => {
            assert_eq!(response_time, "2020-01-01T10:00:00+08:00");
            assert_eq!(*tolerance, Duration::from_secs(3600));
        }
        other => panic!("expected a stale reply, got {other:?}"),
    }
    // Retried under the same key: the real gateway would answer for real.
    assert_eq!(outcome.attempts(), 4);
    assert!(error.to_string().contains("replayed"), "{error}");
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn the_same_replay_with_a_fresh_time_is_caught_by_the_echoed_ids() {
    let server = FakeAlipay::always(Reply::signed(RECORDED_SUCCESS)).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-new-999"))
        .await
        .unwrap_err();
    match unknown(&error).reason() {
        UnknownReason::ReplyMismatch(mismatch) => {
            assert_eq!(mismatch.field, "captureRequestId");
            assert_eq!(mismatch.received.as_deref(), Some("capture-2020-1"));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn the_amount_is_checked_too() {
    // The ids match, the amount does not: an attacker's edit would break the
    // signature, so this is a genuine reply to a request with the same ids
    // but another amount. Not this request's answer.
    let server = FakeAlipay::start(|_, req| {
        let mut reply: serde_json::Value = serde_json::from_str(&echo_success(req)).unwrap();
        reply["captureAmount"]["value"] = "1".into();
        Reply::signed(&reply.to_string())
    })
    .await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-amount-1"))
        .await
        .unwrap_err();
    match unknown(&error).reason() {
        UnknownReason::ReplyMismatch(mismatch) => {
            assert_eq!(mismatch.field, "captureAmount.value");
            assert_eq!(mismatch.sent, "1000");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn a_recorded_signed_failure_is_unknown_not_final() {
    let server =
        FakeAlipay::always(Reply::signed(FAILED_BODY).recorded_at("2020-01-01T10:00:00+08:00"))
            .await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-recorded-f"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    assert!(
        matches!(outcome.reason(), UnknownReason::StaleReply { .. }),
        "{error:?}"
    );
    // What it claimed is kept, for the log, but it decides nothing.
    assert_eq!(
        outcome.result().unwrap().result_code.as_str(),
        "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    );
    assert!(
        !error.to_string().contains("use a new captureRequestId"),
        "{error}"
    );
}

#[tokio::test]
async fn a_signed_failure_echoing_another_request_id_is_unknown() {
    let body = r#"{"result":{"resultStatus":"F","resultCode":"ORDER_STATUS_INVALID"},"captureRequestId":"capture-someone-else"}"#;
    let server = FakeAlipay::always(Reply::signed(body)).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-mine-f"))
        .await
        .unwrap_err();
    match unknown(&error).reason() {
        UnknownReason::ReplyMismatch(mismatch) => {
            assert_eq!(mismatch.field, "captureRequestId");
            assert_eq!(mismatch.sent, "capture-mine-f");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // The same F echoing this request's id is final.
    let body = r#"{"result":{"resultStatus":"F","resultCode":"ORDER_STATUS_INVALID"},"captureRequestId":"capture-mine-f"}"#;
    let server = FakeAlipay::always(Reply::signed(body)).await;
    let client = server.client().build().unwrap();
    let error = client
        .execute(&request("capture-mine-f"))
        .await
        .unwrap_err();
    assert_eq!(
        failed(&error).result().result_code.as_str(),
        "ORDER_STATUS_INVALID"
    );
}

#[tokio::test]
async fn the_tolerance_is_configurable_and_applies_both_ways() {
    let in_two_minutes =
        alipay_ams_core::time::iso8601_utc(std::time::SystemTime::now() + Duration::from_secs(120));
    let server = FakeAlipay::start(move |_, req| {
        Reply::signed(&echo_success(req)).recorded_at(&in_two_minutes)
    })
    .await;
    // Within the default hour: believed.
    let client = server.client().build().unwrap();
    client.execute(&request("capture-skew-1")).await.unwrap();
    // With a 30 s tolerance, a clock two minutes ahead is suspect.
    let strict = server
        .client()
        .response_time_tolerance(Duration::from_secs(30))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = strict
        .execute(&request("capture-skew-2"))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::StaleReply { tolerance, .. } if *tolerance == Duration::from_secs(30)),
        "{error:?}"
    );
}

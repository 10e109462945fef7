//! What S, F and U come to, and what is refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::{NotSentReason, RetryStop, UnknownReason};
use alipay_ams_core::{Amount, InvalidField, ResultCode, ResultStatus};
use support::*;

#[tokio::test]
async fn verified_f_is_a_final_failure_and_is_not_retried() {
    let server = FakeAlipay::always(Reply::signed(FAILED_BODY)).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-f-1")).await.unwrap_err();
    let failure = failed(&error);
    assert_eq!(
        failure.result().result_code,
        ResultCode::CaptureAmountExceedAuthLimit
    );
    assert_eq!(failure.result().result_status, ResultStatus::Failed);
    assert_eq!(error.result(), Some(failure.result()));
    assert_eq!(failure.raw_body(), FAILED_BODY.as_bytes());
    assert_eq!(failure.idempotency_field(), Some("captureRequestId"));
    assert_eq!(failure.idempotency_key(), Some("capture-f-1"));
    assert_eq!((failure.attempts(), error.attempts()), (1, 1));
    assert!(!failure.response_time().is_empty());
    assert_eq!(error.api(), "capture");
    let debug = format!("{error:?}");
    assert!(
        debug.contains(&format!("<{} bytes>", FAILED_BODY.len()))
            && !debug.contains(r#""resultStatus""#),
        "the body shows as its length in Debug: {debug}"
    );
    assert!(
        error.to_string().contains("new captureRequestId"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn endless_500_is_unknown_after_the_attempt_limit_with_one_id_throughout() {
    let server =
        FakeAlipay::always(Reply::unsigned("<html>Internal Server Error</html>").status(500)).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-500-1")).await.unwrap_err();
    let outcome = unknown(&error);
    match outcome.reason() {
        UnknownReason::HttpStatus { status, excerpt } => {
            assert_eq!(*status, 500);
            assert!(excerpt.contains("Internal Server Error"));
        }
        other => panic!("expected HttpStatus, got {other:?}"),
    }
    assert_eq!(outcome.attempts(), 4);
    assert_eq!(outcome.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(outcome.idempotency_key(), Some("capture-500-1"));
    assert_eq!(error.idempotency_key(), Some("capture-500-1"));
    assert_unknown_advice(&error);
    assert!(error.to_string().contains("capture-500-1"));
    let seen = server.requests();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|r| r.body == seen[0].body && r.signature_valid)
    );
}

#[tokio::test]
async fn unknown_codes_extra_fields_and_numbers_parse() {
    let body = r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS_BUT_NEWER","resultMessage":"ok","futureFlag":true},
        "captureRequestId":12345,"captureId":987654321,"paymentId":"20220919194010890100111740275820195",
        "captureAmount":{"currency":"USD","value":1000},"brandNewObject":{"nested":[1,2,3]}}"#;
    let server = FakeAlipay::always(Reply::signed(body)).await;
    let client = server.client().build().unwrap();
    let captured = client.execute(&request("12345")).await.unwrap();
    assert_eq!(
        captured.result.result_code,
        ResultCode::Other("SUCCESS_BUT_NEWER".into())
    );
    assert_eq!(captured.capture_request_id, "12345");
    assert_eq!(captured.capture_id, "987654321");
    assert_eq!(captured.capture_amount.value(), "1000");

    let failed = r#"{"result":{"resultStatus":"F","resultCode":"SOME_NEW_REFUSAL"},"extra":[]}"#;
    let server = FakeAlipay::always(Reply::signed(failed)).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-new-f")).await.unwrap_err();
    assert!(
        matches!(error.result(), Some(r) if r.result_code == ResultCode::Other("SOME_NEW_REFUSAL".into()))
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_before_anything_is_sent() {
    let server = FakeAlipay::always(Reply::signed(&success_body("x"))).await;
    let client = server.client().build().unwrap();
    // The field is named.
    let error = client
        .execute(&CaptureRequest::new(
            "c-1",
            "",
            Amount::from_minor_units("USD", 1).unwrap(),
        ))
        .await
        .unwrap_err();
    match not_sent(&error).reason() {
        NotSentReason::InvalidRequest(InvalidField::Empty(field)) => {
            assert_eq!(*field, "paymentId")
        }
        other => panic!("expected the empty paymentId, got {other:?}"),
    }
    let amount = || Amount::from_minor_units("USD", 1).unwrap();
    let from_json = |json: &str| serde_json::from_str::<CaptureRequest>(json).unwrap();
    let invalid = [
        CaptureRequest::new("", "pay-1", amount()),
        CaptureRequest::new("c".repeat(65), "pay-1", amount()),
        CaptureRequest::new("c-1", " ", amount()),
        from_json(
            r#"{"captureRequestId":"c-1","paymentId":"p","captureAmount":{"currency":"USD","value":"10.00"}}"#,
        ),
        from_json(
            r#"{"captureRequestId":"c-1","paymentId":"p","captureAmount":{"currency":"US","value":"1000"}}"#,
        ),
        from_json(
            r#"{"captureRequestId":"c-1","paymentId":"p","captureAmount":{"currency":"USD","value":""}}"#,
        ),
    ];
    for req in &invalid {
        let error = client.execute(req).await.unwrap_err();
        let refused = not_sent(&error);
        assert!(
            matches!(refused.reason(), NotSentReason::InvalidRequest(_)),
            "{req:?}: {error:?}"
        );
        assert_eq!(refused.attempts(), 0);
        assert!(error.to_string().contains("nothing was sent"), "{error}");
    }
    assert_eq!(server.requests().len(), 0);
}

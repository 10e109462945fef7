//! What S, F and U come to, and what is refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::{Error, UnknownReason};
use alipay_ams_core::{Amount, ResultCode, ResultStatus};
use support::*;

#[tokio::test]
async fn verified_f_is_a_final_failure_and_is_not_retried() {
    let server = FakeAlipay::always(Reply::signed(FAILED_BODY)).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-f-1")).await.unwrap_err();
    match &error {
        Error::Failed {
            result, verified, ..
        } => {
            assert!(*verified);
            assert_eq!(result.result_code, ResultCode::CaptureAmountExceedAuthLimit);
            assert_eq!(result.result_status, ResultStatus::Failed);
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert!(error.is_failed() && !error.is_outcome_unknown());
    assert_eq!(error.failure_body(), Some(FAILED_BODY.as_bytes()));
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
    match &error {
        Error::OutcomeUnknown {
            reason: UnknownReason::HttpStatus { status, excerpt },
            attempts,
            idempotency_key,
            ..
        } => {
            assert_eq!(*status, 500);
            assert!(excerpt.contains("Internal Server Error"));
            assert_eq!(*attempts, 4);
            assert_eq!(idempotency_key.as_deref(), Some("capture-500-1"));
        }
        other => panic!("expected OutcomeUnknown(HttpStatus), got {other:?}"),
    }
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
        assert!(
            matches!(error, Error::InvalidRequest(_)),
            "{req:?}: {error:?}"
        );
        assert!(error.to_string().contains("nothing was sent"), "{error}");
    }
    assert_eq!(server.requests().len(), 0);
}

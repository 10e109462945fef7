//! Replies that cannot be believed: altered, unsigned, half-signed, for
//! another merchant, or not the expected JSON. None is ever `Ok`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::{RetryPolicy, RetryStop, UnknownReason};
use alipay_ams_core::{ResultCode, ResultStatus};
use support::*;

#[tokio::test]
async fn a_tampered_success_is_never_ok() {
    let server =
        FakeAlipay::always(Reply::signed(&success_body("capture-t-1")).signing(Signing::Tampered))
            .await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.execute(&request("capture-t-1")).await.unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::BadSignature(_)),
        "{error:?}"
    );
    assert_eq!(unknown(&error).attempts(), 1);
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn a_reply_signed_with_another_key_is_unknown() {
    // A client configured with a public key that is not Alipay's: correctly
    // signed replies do not verify, and are not trusted.
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-k-1"))).await;
    let stranger = alipay_ams_core::PrivateKey::parse(
        alipay_ams_core::PrivateKey::generate_pkcs8_pem().unwrap(),
    )
    .unwrap();
    let client = server
        .client()
        .alipay_public_key(stranger.public_key().clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.execute(&request("capture-k-1")).await.unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::BadSignature(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unsigned_success_is_never_ok_and_is_retried() {
    let server = FakeAlipay::always(Reply::unsigned(&success_body("capture-us-1"))).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-us-1")).await.unwrap_err();
    let outcome = unknown(&error);
    assert!(
        matches!(outcome.reason(), UnknownReason::UnsignedSuccess),
        "{error:?}"
    );
    assert_eq!(outcome.attempts(), 4);
    assert_eq!(
        outcome.result().map(|r| r.result_status),
        Some(ResultStatus::Success)
    );
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn an_unsigned_failure_is_never_final_and_shows_alipays_code() {
    let body = r#"{"result":{"resultStatus":"F","resultCode":"INVALID_SIGNATURE","resultMessage":"invalid signature"}}"#;
    let server = FakeAlipay::always(Reply::unsigned(body)).await;
    let client = server.client().build().unwrap();
    let error = client.execute(&request("capture-uf-1")).await.unwrap_err();
    // Anyone in the path can answer an unsigned F while the real capture
    // succeeds: it is unknown, and nothing invites a capture under a new id.
    let outcome = unknown(&error);
    match outcome.reason() {
        UnknownReason::UnsignedFailure { code } => assert_eq!(*code, ResultCode::InvalidSignature),
        other => panic!("expected UnsignedFailure, got {other:?}"),
    }
    assert_eq!(
        error.result().map(|r| &r.result_code),
        Some(&ResultCode::InvalidSignature)
    );
    let text = error.to_string();
    assert!(
        text.contains("unsigned") && text.contains("INVALID_SIGNATURE"),
        "{text}"
    );
    assert!(
        text.contains("private key matches the public key uploaded"),
        "{text}"
    );
    assert!(!text.contains("use a new captureRequestId"), "{text}");
    assert_unknown_advice(&error);
    // The same request gets the same refusal: it is not sent again.
    assert_eq!(outcome.retry_stop(), RetryStop::Futile);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn only_one_signature_header_is_unknown() {
    let server =
        FakeAlipay::always(Reply::signed(FAILED_BODY).signing(Signing::OnlySignature)).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-half-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            unknown(&error).reason(),
            UnknownReason::IncompleteSignature {
                present: "signature",
                missing: "response-time"
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_reply_for_another_client_id_is_unknown() {
    let server = FakeAlipay::always(
        Reply::signed(&success_body("capture-cid-1")).signing(Signing::OtherClientId),
    )
    .await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.execute(&request("capture-cid-1")).await.unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::ClientIdMismatch(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_unknown_with_status_and_excerpt() {
    let server =
        FakeAlipay::always(Reply::signed("<html><body>Bad gateway page</body></html>")).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-html-1"))
        .await
        .unwrap_err();
    match unknown(&error).reason() {
        UnknownReason::UnparseableBody {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 200);
            assert!(
                excerpt.starts_with("<html><body>Bad gateway page"),
                "{excerpt}"
            );
        }
        other => panic!("expected UnparseableBody, got {other:?}"),
    }
    assert!(error.to_string().contains("HTTP 200"), "{error}");

    // JSON, verified, but without `result`: also unknown.
    let server = FakeAlipay::always(Reply::signed(r#"{"captureId":"x"}"#)).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-shape-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            unknown(&error).reason(),
            UnknownReason::UnparseableBody { .. }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_oversized_reply_is_unknown() {
    let big = format!(
        r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"pad":"{}"}}"#,
        "x".repeat(4096)
    );
    let server = FakeAlipay::always(Reply::signed(&big)).await;
    let client = server
        .client()
        .max_response_bytes(1024)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.execute(&request("capture-big-1")).await.unwrap_err();
    assert!(
        matches!(
            unknown(&error).reason(),
            UnknownReason::BodyTooLarge { limit: 1024 }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_verified_success_for_another_request_is_unknown_naming_the_field() {
    // Genuine and correctly signed, but it answers capture "capture-other-1".
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-other-1"))).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-mine-1"))
        .await
        .unwrap_err();
    match unknown(&error).reason() {
        UnknownReason::ReplyMismatch(mismatch) => {
            assert_eq!(mismatch.field, "captureRequestId");
            assert_eq!(mismatch.sent, "capture-mine-1");
            assert_eq!(mismatch.received.as_deref(), Some("capture-other-1"));
        }
        other => panic!("expected ReplyMismatch, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("captureRequestId"), "{text}");
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn a_verified_success_without_its_required_fields_is_unknown() {
    let body = r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"captureRequestId":"capture-bare-1"}"#;
    let server = FakeAlipay::always(Reply::signed(body)).await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-bare-1"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    match outcome.reason() {
        UnknownReason::UnparseableBody { error, .. } => {
            assert!(error.contains("missing field"), "{error}");
        }
        other => panic!("expected UnparseableBody, got {other:?}"),
    }
    assert_eq!(
        outcome.result().map(|r| r.result_status),
        Some(ResultStatus::Success)
    );
}

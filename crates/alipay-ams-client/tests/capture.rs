//! `capture` against a real HTTP server on 127.0.0.1 playing Alipay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::{BuildError, Client, Error, Gateway, RetryPolicy, UnknownReason};
use alipay_ams_core::{Amount, CaptureRequest, Message, ResultCode, ResultStatus};
use support::*;

fn request(id: &str) -> CaptureRequest {
    CaptureRequest::new(
        id,
        "20220919194010890100111740275820195",
        Amount::from_minor_units("USD", 1000).unwrap(),
    )
}

fn assert_unknown_advice(error: &Error) {
    let text = error.to_string();
    assert!(text.contains("UNKNOWN"), "{text}");
    assert!(text.contains("wait for notifyCapture"), "{text}");
    assert!(text.contains("inquiryPayment"), "{text}");
    assert!(
        text.contains("never capture again under a new captureRequestId"),
        "{text}"
    );
}

#[tokio::test]
async fn verified_success_is_ok_and_the_request_is_signed_over_the_sandbox_path() {
    let server = FakeAlipay::start(|_, req| {
        Reply::signed(&success_body(
            req.json()["captureRequestId"].as_str().unwrap(),
        ))
    })
    .await;
    let client = server.client().build().unwrap();
    let req = request("capture-s-1");
    let captured = client.capture(&req).await.unwrap();
    assert_eq!(captured.result.result_status, ResultStatus::Success);
    assert_eq!(captured.capture_request_id.as_deref(), Some("capture-s-1"));
    assert_eq!(
        captured.capture_id.as_deref(),
        Some("20220919194010890100111740275850565")
    );
    assert_eq!(
        captured.capture_amount,
        Some(Amount::from_minor_units_str("USD", "1000").unwrap())
    );

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let sent = &seen[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/ams/sandbox/api/v1/payments/capture");
    assert!(
        sent.signature_valid,
        "the request signature must verify with the merchant public key"
    );
    assert_eq!(
        sent.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    assert_eq!(sent.header("client-id"), Some(CLIENT_ID));
    let request_time = sent.header("request-time").unwrap();
    assert!(
        request_time.len() >= 13 && request_time.bytes().all(|b| b.is_ascii_digit()),
        "{request_time}"
    );
    assert!(
        sent.header("signature")
            .unwrap()
            .starts_with("algorithm=RSA256,keyVersion=1,signature=")
    );
    assert_eq!(sent.header("agent-token"), None);
    assert_eq!(
        sent.body,
        serde_json::to_vec(&req).unwrap(),
        "the body is the request serialized once"
    );

    // The signature covers the sandbox path: over the production path it fails.
    let production = Message::request(
        "/ams/api/v1/payments/capture",
        CLIENT_ID,
        request_time,
        &sent.body,
    );
    assert!(
        production
            .verify(&merchant_public(), sent.header("signature").unwrap())
            .is_err()
    );
}

#[tokio::test]
async fn a_production_client_id_calls_and_signs_the_production_path() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-prod-1"))).await;
    let client = server
        .client()
        .client_id("5J5Y307NSG5GB700810")
        .build()
        .unwrap();
    assert_eq!(
        client.environment(),
        alipay_ams_client::Environment::Production
    );
    client.capture(&request("capture-prod-1")).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].path, "/ams/api/v1/payments/capture");
    assert_eq!(seen[0].header("client-id"), Some("5J5Y307NSG5GB700810"));
    assert!(seen[0].signature_valid);
}

#[tokio::test]
async fn verified_f_is_a_final_failure_and_is_not_retried() {
    let server = FakeAlipay::always(Reply::signed(FAILED_BODY)).await;
    let client = server.client().build().unwrap();
    let error = client.capture(&request("capture-f-1")).await.unwrap_err();
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
async fn unknown_then_success_retries_the_same_request_re_signed() {
    let server = FakeAlipay::start(|n, req| {
        if n == 0 {
            Reply::signed(IN_PROCESS_BODY)
        } else {
            Reply::signed(&success_body(
                req.json()["captureRequestId"].as_str().unwrap(),
            ))
        }
    })
    .await;
    let client = server.client().build().unwrap();
    let verified = client.call(&request("capture-u-s-1")).await.unwrap();
    assert_eq!(verified.attempts(), 2);
    assert_eq!(
        verified.response().capture_request_id.as_deref(),
        Some("capture-u-s-1")
    );
    let raw: serde_json::Value = serde_json::from_slice(verified.raw_body()).unwrap();
    assert_eq!(raw["captureId"], "20220919194010890100111740275850565");
    assert!(!verified.response_time().is_empty());

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for sent in &seen {
        assert!(sent.signature_valid);
        assert_eq!(sent.json()["captureRequestId"], "capture-u-s-1");
    }
    assert_eq!(seen[0].body, seen[1].body, "a retry sends the same bytes");
    assert_ne!(
        seen[0].header("request-time"),
        seen[1].header("request-time"),
        "each attempt has a fresh Request-Time"
    );
    assert_ne!(seen[0].header("signature"), seen[1].header("signature"));
}

#[tokio::test]
async fn endless_500_is_unknown_after_the_attempt_limit_with_one_id_throughout() {
    let server =
        FakeAlipay::always(Reply::unsigned("<html>Internal Server Error</html>").status(500)).await;
    let client = server.client().build().unwrap();
    let error = client.capture(&request("capture-500-1")).await.unwrap_err();
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
async fn a_tampered_success_is_never_ok() {
    let server =
        FakeAlipay::always(Reply::signed(&success_body("capture-t-1")).signing(Signing::Tampered))
            .await;
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.capture(&request("capture-t-1")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::BadSignature(_),
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
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
    let error = client.capture(&request("capture-k-1")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::BadSignature(_),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unsigned_success_is_never_ok_and_is_retried() {
    let server = FakeAlipay::always(Reply::unsigned(&success_body("capture-us-1"))).await;
    let client = server.client().build().unwrap();
    let error = client.capture(&request("capture-us-1")).await.unwrap_err();
    match &error {
        Error::OutcomeUnknown {
            reason: UnknownReason::UnsignedSuccess,
            last_result: Some(last),
            attempts: 4,
            ..
        } => assert_eq!(last.result_status, ResultStatus::Success),
        other => panic!("expected OutcomeUnknown(UnsignedSuccess), got {other:?}"),
    }
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn an_unsigned_failure_is_final_but_marked_unverified() {
    let body = r#"{"result":{"resultStatus":"F","resultCode":"INVALID_SIGNATURE","resultMessage":"invalid signature"}}"#;
    let server = FakeAlipay::always(Reply::unsigned(body)).await;
    let client = server.client().build().unwrap();
    let error = client.capture(&request("capture-uf-1")).await.unwrap_err();
    match &error {
        Error::Failed {
            result, verified, ..
        } => {
            assert!(!verified);
            assert_eq!(result.result_code, ResultCode::InvalidSignature);
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert!(error.to_string().contains("unsigned"), "{error}");
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
        .capture(&request("capture-half-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::IncompleteSignature {
                    present: "signature",
                    missing: "response-time"
                },
                ..
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
    let error = client.capture(&request("capture-cid-1")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::ClientIdMismatch(_),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_slow_reply_beyond_the_timeout_is_unknown() {
    let server = FakeAlipay::always(
        Reply::signed(&success_body("capture-slow-1")).delay(Duration::from_secs(3)),
    )
    .await;
    let client = server
        .client()
        .request_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .capture(&request("capture-slow-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::Timeout(_),
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn the_deadline_bounds_retries() {
    // Every attempt takes the full 200 ms timeout, so a 700 ms deadline leaves
    // room for at most 4 of the 10 allowed attempts.
    let server =
        FakeAlipay::always(Reply::signed(IN_PROCESS_BODY).delay(Duration::from_secs(3))).await;
    let client = server
        .client()
        .request_timeout(Duration::from_millis(200))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(10)
                .deadline(Duration::from_millis(700))
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .capture(&request("capture-deadline-1"))
        .await
        .unwrap_err();
    let Error::OutcomeUnknown { attempts, .. } = error else {
        panic!("{error:?}")
    };
    assert!((1..=4).contains(&attempts), "{attempts}");
    assert!(server.requests().len() as u32 <= attempts);
}

#[test]
fn clients_and_errors_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<Error>();
    assert_send_sync::<BuildError>();
}

#[tokio::test]
async fn connection_refused_is_unknown() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .alipay_public_key(alipay_public())
        .gateway(Gateway::custom(format!("http://{addr}")))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .capture(&request("capture-refused-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::Transport(_),
                attempts: 2,
                ..
            }
        ),
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
        .capture(&request("capture-html-1"))
        .await
        .unwrap_err();
    match &error {
        Error::OutcomeUnknown {
            reason:
                UnknownReason::UnparseableBody {
                    status, excerpt, ..
                },
            ..
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
        .capture(&request("capture-shape-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::UnparseableBody { .. },
                ..
            }
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
    let error = client.capture(&request("capture-big-1")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                reason: UnknownReason::BodyTooLarge { limit: 1024 },
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_codes_extra_fields_and_numbers_parse() {
    let body = r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS_BUT_NEWER","resultMessage":"ok","futureFlag":true},
        "captureRequestId":12345,"captureId":987654321,"paymentId":"p-1",
        "captureAmount":{"currency":"USD","value":1000},"brandNewObject":{"nested":[1,2,3]}}"#;
    let server = FakeAlipay::always(Reply::signed(body)).await;
    let client = server.client().build().unwrap();
    let captured = client.capture(&request("12345")).await.unwrap();
    assert_eq!(
        captured.result.result_code,
        ResultCode::Other("SUCCESS_BUT_NEWER".into())
    );
    assert_eq!(captured.capture_request_id.as_deref(), Some("12345"));
    assert_eq!(captured.capture_id.as_deref(), Some("987654321"));
    assert_eq!(captured.capture_amount.unwrap().value(), "1000");

    let failed = r#"{"result":{"resultStatus":"F","resultCode":"SOME_NEW_REFUSAL"},"extra":[]}"#;
    let server = FakeAlipay::always(Reply::signed(failed)).await;
    let client = server.client().build().unwrap();
    let error = client.capture(&request("capture-new-f")).await.unwrap_err();
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
        let error = client.capture(req).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest(_)),
            "{req:?}: {error:?}"
        );
        assert!(error.to_string().contains("nothing was sent"), "{error}");
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn the_agent_token_is_sent_when_configured_and_never_shown() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-agent-1"))).await;
    let token = "AGENT_TOKEN_0123456789abcdef0123456789abcdef0123";
    let client = server.client().agent_token(token).build().unwrap();
    client.capture(&request("capture-agent-1")).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].header("agent-token"), Some(token));
    assert!(seen[0].signature_valid);
    let debug = format!("{client:?}");
    assert!(!debug.contains(token), "{debug}");
    assert!(!debug.contains("MII"), "no key material in Debug: {debug}");
}

#[tokio::test]
async fn clones_share_the_configuration() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-clone-1"))).await;
    let client = server.client().build().unwrap();
    let clone = client.clone();
    let handle = tokio::spawn(async move {
        clone
            .capture(&request("capture-clone-1"))
            .await
            .map(|r| r.capture_id)
    });
    assert!(handle.await.unwrap().unwrap().is_some());
    assert_eq!(
        client.path_for("/ams/api/v1/payments/capture"),
        "/ams/sandbox/api/v1/payments/capture"
    );
}

#[test]
fn the_builder_refuses_what_cannot_work() {
    let base = || {
        Client::builder()
            .client_id(CLIENT_ID)
            .private_key(merchant_private())
            .alipay_public_key(alipay_public())
    };

    let error = base()
        .gateway(Gateway::custom("http://203.0.113.7:8080"))
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InsecureHttp(_)), "{error:?}");
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
    assert!(
        base()
            .gateway(Gateway::custom("http://203.0.113.7:8080"))
            .allow_insecure_http()
            .build()
            .is_ok()
    );
    assert!(
        base()
            .gateway(Gateway::custom("http://localhost:8080"))
            .build()
            .is_ok()
    );
    assert!(base().gateway(Gateway::Europe).build().is_ok());

    let error = base()
        .alipay_public_key(merchant_public())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::OwnPublicKey), "{error:?}");
    assert!(error.to_string().contains("your own public key"), "{error}");

    let error = Client::builder()
        .client_id(CLIENT_ID)
        .alipay_public_key(alipay_public())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "private key",
                ..
            }
        ),
        "{error:?}"
    );

    let error = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "Alipay public key",
                ..
            }
        ),
        "{error:?}"
    );

    let error = base().build().unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "gateway",
                ..
            }
        ),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::Asia)
        .environment(alipay_ams_client::Environment::Production)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::SandboxIdInProduction(_)),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::custom("https://gw.example/ams/api"))
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::InvalidGateway { .. }),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::Asia)
        .agent_token("bad token\n")
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InvalidAgentToken), "{error:?}");

    let error = base()
        .client_id("")
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InvalidClientId(_)), "{error:?}");
}

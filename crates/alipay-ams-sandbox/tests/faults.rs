//! Each fault, and that retrying with the same captureRequestId stays
//! idempotent after it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::payments::{CaptureNotification, CaptureRequest};
use alipay_ams_core::ResultStatus;
use alipay_ams_sandbox::{CreatePayment, Fault};
use common::*;

/// The capture the tests retry, and the captureId of the eventual S.
async fn retry_succeeds(merchant: &Merchant, request: &CaptureRequest) -> String {
    let reply = merchant.capture(request).await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.verifies(SANDBOX_PATH));
    assert_eq!(reply.code(), "SUCCESS");
    reply.capture().capture_id
}

#[tokio::test]
async fn u_faults_are_signed_and_capture_nothing() {
    for (fault, code) in [
        (Fault::UnknownException, "UNKNOWN_EXCEPTION"),
        (Fault::CaptureInProcess, "CAPTURE_IN_PROCESS"),
    ] {
        let sandbox = start().await;
        let merchant = Merchant::new(&sandbox);
        let p = payment(&sandbox);
        sandbox.arm_fault::<CaptureRequest>(fault, 1).unwrap();
        let request = CaptureRequest::new("u-1", &p, usd("500"));

        let reply = merchant.capture(&request).await.unwrap();
        assert_eq!(reply.status, 200, "{fault}");
        assert!(
            reply.verifies(SANDBOX_PATH),
            "{fault}: U replies are signed"
        );
        assert_eq!(reply.status_letter(), "U");
        assert_eq!(reply.code(), code);
        assert!(sandbox.captures().is_empty(), "{fault}: nothing captured");

        retry_succeeds(&merchant, &request).await;
        assert_eq!(sandbox.captures().len(), 1);
        assert_eq!(sandbox.armed_faults::<CaptureRequest>(), 0);
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn lost_reply_faults_capture_then_replay_the_original_result() {
    let faults = [
        Fault::DropConnection,
        Fault::Http500,
        Fault::Unsigned,
        Fault::BadSignature,
        Fault::Delay(Duration::from_millis(800)),
    ];
    for fault in faults {
        let sandbox = start().await;
        let merchant = Merchant::new(&sandbox);
        let p = payment(&sandbox);
        sandbox.arm_fault::<CaptureRequest>(fault, 1).unwrap();
        let request = CaptureRequest::new("lost-1", &p, usd("700"));

        match fault {
            Fault::DropConnection => {
                let err = merchant.capture(&request).await.unwrap_err();
                assert!(err.is_incomplete_message() || err.is_closed(), "{err}");
            }
            Fault::Http500 => {
                let reply = merchant.capture(&request).await.unwrap();
                assert_eq!(reply.status, 500);
                assert!(!reply.is_signed());
            }
            Fault::Unsigned => {
                let reply = merchant.capture(&request).await.unwrap();
                assert_eq!(reply.status, 200);
                assert!(!reply.is_signed(), "no signature and no response-time");
                assert_eq!(
                    reply.code(),
                    "SUCCESS",
                    "an unsigned S: the client must not trust it"
                );
            }
            Fault::BadSignature => {
                let reply = merchant.capture(&request).await.unwrap();
                assert_eq!(reply.status, 200);
                assert!(
                    reply.header("signature").is_some() && reply.header("response-time").is_some()
                );
                assert!(
                    !reply.verifies(SANDBOX_PATH),
                    "the signature must not match"
                );
            }
            Fault::Delay(_) => {
                // The merchant gives up first (its timeout), as with a slow gateway.
                let attempt =
                    tokio::time::timeout(Duration::from_millis(100), merchant.capture(&request))
                        .await;
                assert!(attempt.is_err(), "the reply is held back");
            }
            _ => unreachable!(),
        }
        // Whatever the merchant saw, the capture happened once...
        common::eventually("the capture to be recorded", || {
            sandbox.captures().len() == 1
        })
        .await;
        let performed = sandbox.captures()[0].capture_id.clone();
        // ...and the retry with the same captureRequestId gets that capture.
        assert_eq!(
            retry_succeeds(&merchant, &request).await,
            performed,
            "{fault}"
        );
        assert_eq!(sandbox.captures().len(), 1, "{fault}: not captured twice");
        assert_eq!(sandbox.payment(&p).unwrap().captured, usd("700"));
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn process_fail_is_a_signed_f_with_an_f_notification() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("1000")).notify_url(&endpoint.url))
        .unwrap()
        .payment_id;
    sandbox
        .arm_fault::<CaptureRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let request = CaptureRequest::new("pf-1", &p, usd("1000"));
    let reply = merchant.capture(&request).await.unwrap();
    assert!(reply.verifies(SANDBOX_PATH));
    assert_eq!(reply.status_letter(), "F");
    assert_eq!(reply.code(), "PROCESS_FAIL");
    // Final: the same id answers the same F.
    assert_eq!(
        merchant.capture(&request).await.unwrap().code(),
        "PROCESS_FAIL"
    );

    let log = sandbox
        .wait_for_deliveries(Duration::from_secs(5), |log| {
            log.iter().any(|a| a.acknowledged)
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].result_status.as_deref(), Some("F"));
    let received = endpoint.received();
    assert!(received[0].verified);
    let n: CaptureNotification = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        log[0].notification::<CaptureNotification>(),
        Some(n.clone())
    );
    assert_eq!(n.result.result_status, ResultStatus::Failed);
    assert_eq!(n.result.result_code.as_str(), "PROCESS_FAIL");

    // A new capture request can still take the money.
    assert_eq!(
        merchant
            .capture(&CaptureRequest::new("pf-2", &p, usd("1000")))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_fire_for_the_next_n_calls_in_order() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = payment(&sandbox);
    assert_eq!(
        sandbox
            .arm_fault::<CaptureRequest>(Fault::UnknownException, 2)
            .unwrap(),
        2
    );
    assert_eq!(
        sandbox
            .arm_fault::<CaptureRequest>(Fault::Http500, 1)
            .unwrap(),
        3,
        "armed after the others"
    );
    let request = CaptureRequest::new("n-1", &p, usd("10"));
    assert_eq!(
        merchant.capture(&request).await.unwrap().code(),
        "UNKNOWN_EXCEPTION"
    );
    assert_eq!(
        merchant.capture(&request).await.unwrap().code(),
        "UNKNOWN_EXCEPTION"
    );
    assert_eq!(merchant.capture(&request).await.unwrap().status, 500);
    let id = retry_succeeds(&merchant, &request).await;
    assert_eq!(sandbox.captures()[0].capture_id, id);

    // A refused (unsigned) call does not consume a fault.
    sandbox
        .arm_fault::<CaptureRequest>(Fault::UnknownException, 1)
        .unwrap();
    let body = serde_json::to_vec(&request).unwrap();
    let reply = send(
        sandbox.addr(),
        "POST",
        SANDBOX_PATH,
        &[("client-id", "SANDBOX_5X00000000000000".into())],
        body,
    )
    .await
    .unwrap();
    assert_eq!(reply.code(), "INVALID_SIGNATURE");
    assert_eq!(sandbox.armed_faults::<CaptureRequest>(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_armed_over_the_control_api() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = payment(&sandbox);
    let headers = [("content-type", "application/json".to_owned())];
    let arm = |body: &str| {
        send(
            sandbox.addr(),
            "POST",
            "/sandbox/faults",
            &headers,
            body.as_bytes().to_vec(),
        )
    };

    let reply = arm(r#"{"api":"capture","fault":"capture_in_process","count":1}"#)
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["armed"], 1);
    let reply = arm(r#"{"api":"capture","fault":"delay","ms":1,"count":2}"#)
        .await
        .unwrap();
    assert_eq!(reply.json()["armed"], 3);

    let request = CaptureRequest::new("cf-1", &p, usd("10"));
    assert_eq!(
        merchant.capture(&request).await.unwrap().code(),
        "CAPTURE_IN_PROCESS"
    );
    assert_eq!(merchant.capture(&request).await.unwrap().code(), "SUCCESS");
    assert_eq!(merchant.capture(&request).await.unwrap().code(), "SUCCESS");
    assert_eq!(sandbox.armed_faults::<CaptureRequest>(), 0);

    for bad in [
        r#"{"api":"inquireExchangeRate","fault":"http_500","count":1}"#,
        r#"{"api":"cancel","fault":"in_process","count":1}"#,
        r#"{"api":"capture","fault":"explode","count":1}"#,
        r#"{"api":"capture","fault":"delay","count":1}"#,
        r#"{"api":"capture"}"#,
        "nope",
    ] {
        let reply = arm(bad).await.unwrap();
        assert_eq!(reply.status, 400, "{bad}");
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{bad}"
        );
    }
    assert_eq!(sandbox.armed_faults::<CaptureRequest>(), 0);
    // A huge count is just a number, not a huge queue.
    let reply = arm(r#"{"api":"capture","fault":"http_500","count":4294967295}"#)
        .await
        .unwrap();
    assert_eq!(reply.json()["armed"], 4294967295u64);
    sandbox.shutdown().await;
}

/// An API the sandbox does not serve.
#[derive(serde::Serialize)]
struct InquireExchangeRate {}

impl alipay_ams_core::ApiRequest for InquireExchangeRate {
    const NAME: &'static str = "inquireExchangeRate";
    const PATH: &'static str = "/ams/api/v1/payments/inquireExchangeRate";
    const RETRY: alipay_ams_core::Retry = alipay_ams_core::Retry::Always;
    type Response = serde_json::Value;
}

#[tokio::test]
async fn a_fault_for_an_api_not_served_is_refused() {
    let sandbox = start().await;
    let err = sandbox
        .arm_fault::<InquireExchangeRate>(Fault::Http500, 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            alipay_ams_sandbox::Error::NotServed {
                name: "inquireExchangeRate",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("capture"),
        "names what is served: {err}"
    );
    assert_eq!(sandbox.armed_faults::<InquireExchangeRate>(), 0);
    sandbox.shutdown().await;
}

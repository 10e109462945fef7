//! `capture` over real loopback HTTP: each business rule, idempotency, and
//! concurrent captures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::Amount;
use alipay_ams_sandbox::CreatePayment;
use common::*;

#[tokio::test]
async fn same_capture_request_id_replays_the_same_result() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = payment(&sandbox);
    let request = CaptureRequest::new("idem-1", &payment_id, usd("2500"));

    let first = merchant.capture(&request).await.unwrap().capture();
    let second_reply = merchant.capture(&request).await.unwrap();
    assert!(second_reply.verifies(SANDBOX_PATH));
    let second = second_reply.capture();
    assert_eq!(first.result.result_code.as_str(), "SUCCESS");
    assert_eq!(
        second, first,
        "a replay answers the same captureId and captureTime"
    );
    assert_eq!(sandbox.captures().len(), 1, "captured once");
    assert_eq!(sandbox.payment(&payment_id).unwrap().captured, usd("2500"));

    // Final failures replay too.
    let missing = CaptureRequest::new("idem-2", "no-such-payment", usd("1"));
    assert_eq!(
        merchant.capture(&missing).await.unwrap().code(),
        "AUTH_NOT_FOUND"
    );
    assert_eq!(
        merchant.capture(&missing).await.unwrap().code(),
        "AUTH_NOT_FOUND"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn same_id_with_different_parameters_is_repeat_req_inconsistent() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = payment(&sandbox);
    let other_payment = payment(&sandbox);
    assert_eq!(
        merchant
            .capture(&CaptureRequest::new("rr-1", &payment_id, usd("100")))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );

    for changed in [
        CaptureRequest::new("rr-1", &payment_id, usd("200")),
        CaptureRequest::new("rr-1", &other_payment, usd("100")),
        CaptureRequest::new("rr-1", &payment_id, usd("100")).with_is_last_capture(true),
    ] {
        let reply = merchant.capture(&changed).await.unwrap();
        assert!(reply.verifies(SANDBOX_PATH));
        assert_eq!(reply.code(), "REPEAT_REQ_INCONSISTENT");
        assert_eq!(reply.status_letter(), "F");
    }
    assert_eq!(sandbox.captures().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn business_rules() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let code = |reply: Reply| {
        assert_eq!(reply.status, 200, "business results are HTTP 200");
        assert!(reply.verifies(SANDBOX_PATH), "business results are signed");
        reply.code()
    };

    // Unknown payment.
    let reply = merchant
        .capture(&CaptureRequest::new(
            "r-1",
            "20261125000000000000000000000000",
            usd("1"),
        ))
        .await
        .unwrap();
    assert_eq!(code(reply), "AUTH_NOT_FOUND");

    // Currency mismatch.
    let p = payment(&sandbox);
    let eur = Amount::from_minor_units_str("EUR", "100").unwrap();
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-2", &p, eur))
                .await
                .unwrap()
        ),
        "CURRENCY_NOT_SUPPORT"
    );

    // Over the authorized amount (USD 100.00).
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-3", &p, usd("10001")))
                .await
                .unwrap()
        ),
        "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    );

    // Single capture: the full amount, then nothing more.
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-4", &p, usd("10000")))
                .await
                .unwrap()
        ),
        "SUCCESS"
    );
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-5", &p, usd("1")))
                .await
                .unwrap()
        ),
        "MULTI_CAPTURE_NOT_SUPPORTED"
    );
    assert!(sandbox.payment(&p).unwrap().closed);

    // A partial single capture also closes the payment.
    let q = payment(&sandbox);
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-6", &q, usd("10")))
                .await
                .unwrap()
        ),
        "SUCCESS"
    );
    assert_eq!(
        code(
            merchant
                .capture(&CaptureRequest::new("r-7", &q, usd("10")))
                .await
                .unwrap()
        ),
        "MULTI_CAPTURE_NOT_SUPPORTED"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn multiple_captures_when_the_payment_allows_them() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("1000")).multiple_captures(true))
        .unwrap()
        .payment_id;
    let capture = |id: &str, value: &str| CaptureRequest::new(id, &p, usd(value));
    assert_eq!(
        merchant
            .capture(&capture("m-1", "600"))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    assert_eq!(
        merchant
            .capture(&capture("m-2", "401"))
            .await
            .unwrap()
            .code(),
        "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    );
    assert_eq!(
        merchant
            .capture(&capture("m-3", "300"))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    let last = capture("m-4", "50").with_is_last_capture(true);
    assert_eq!(merchant.capture(&last).await.unwrap().code(), "SUCCESS");
    assert_eq!(
        merchant.capture(&capture("m-5", "1")).await.unwrap().code(),
        "ORDER_STATUS_INVALID"
    );
    let state = sandbox.payment(&p).unwrap();
    assert_eq!(state.captured, usd("950"));
    assert_eq!(state.captures.len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_or_missing_fields_are_param_illegal() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = payment(&sandbox);
    let long_id = "x".repeat(65);
    let bodies = [
        "not json".to_owned(),
        "{}".to_owned(),
        format!(r#"{{"paymentId":"{p}","captureAmount":{{"currency":"USD","value":"1"}}}}"#),
        format!(r#"{{"captureRequestId":"a","paymentId":"{p}"}}"#),
        format!(
            r#"{{"captureRequestId":"a","paymentId":"{p}","captureAmount":{{"currency":"USD","value":"1.00"}}}}"#
        ),
        format!(
            r#"{{"captureRequestId":"a","paymentId":"{p}","captureAmount":{{"currency":"USD","value":"-1"}}}}"#
        ),
        format!(
            r#"{{"captureRequestId":"a","paymentId":"{p}","captureAmount":{{"currency":"USD","value":"0"}}}}"#
        ),
        format!(
            r#"{{"captureRequestId":"a","paymentId":"{p}","captureAmount":{{"currency":"dollars","value":"1"}}}}"#
        ),
        format!(
            r#"{{"captureRequestId":"{long_id}","paymentId":"{p}","captureAmount":{{"currency":"USD","value":"1"}}}}"#
        ),
        format!(
            r#"{{"captureRequestId":"","paymentId":"{p}","captureAmount":{{"currency":"USD","value":"1"}}}}"#
        ),
    ];
    for body in bodies {
        let reply = merchant.post(SANDBOX_PATH, body.as_bytes()).await.unwrap();
        assert_eq!(reply.status, 200);
        assert!(reply.verifies(SANDBOX_PATH));
        assert_eq!(reply.code(), "PARAM_ILLEGAL", "{body}");
        assert_eq!(reply.status_letter(), "F");
    }
    assert!(sandbox.captures().is_empty());
    // PARAM_ILLEGAL is not remembered: the same id with a valid body works.
    let ok = CaptureRequest::new("a", &p, usd("1"));
    assert_eq!(merchant.capture(&ok).await.unwrap().code(), "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_never_exceed_the_authorization() {
    let sandbox = start().await;
    let p = sandbox
        .create_payment(CreatePayment::new(usd("1000")).multiple_captures(true))
        .unwrap()
        .payment_id;
    // 20 different captures of 100 against 1000 authorized, plus 10 copies
    // of one more request id, all at once.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..30 {
        let merchant = Merchant::new(&sandbox);
        let id = if n < 20 {
            format!("con-{n}")
        } else {
            "con-same".to_owned()
        };
        let request = CaptureRequest::new(id.clone(), &p, usd("100"));
        tasks.spawn(async move { (id, merchant.capture(&request).await.unwrap()) });
    }
    let mut succeeded = std::collections::HashSet::new();
    let mut same = std::collections::HashSet::new();
    while let Some(reply) = tasks.join_next().await {
        let (id, reply) = reply.unwrap();
        if id == "con-same" {
            same.insert(reply.body.clone());
        }
        if reply.status_letter() == "S" {
            succeeded.insert(reply.capture().capture_id);
        } else {
            assert_eq!(reply.code(), "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT");
        }
    }
    assert_eq!(
        succeeded.len(),
        10,
        "exactly the authorized amount was captured"
    );
    assert_eq!(same.len(), 1, "one request id, one answer: {same:?}");
    assert_eq!(sandbox.payment(&p).unwrap().captured, usd("1000"));
    sandbox.shutdown().await;
}

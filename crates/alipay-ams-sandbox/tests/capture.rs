//! `capture` over real loopback HTTP: signatures both ways and each business rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_core::{Amount, CaptureRequest, ResultStatus};
use alipay_ams_sandbox::{CreatePayment, Sandbox};
use common::*;

#[tokio::test]
async fn successful_capture_is_signed_over_the_path_called_and_complete() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = payment(&sandbox);

    let reply = merchant
        .capture(&CaptureRequest::new("cap-1", &payment_id, usd("4000")))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert!(
        reply.verifies(SANDBOX_PATH),
        "reply must verify with Alipay's public key"
    );
    assert!(
        !reply.verifies(PRODUCTION_PATH),
        "the signature covers the path that was called"
    );
    assert_eq!(reply.header("client-id"), Some("SANDBOX_5X00000000000000"));
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    assert!(
        alipay_ams_core::time::parse_timestamp_millis(reply.header("response-time").unwrap())
            .is_some()
    );

    let body = reply.capture();
    assert_eq!(body.result.result_status, ResultStatus::Success);
    assert_eq!(body.result.result_code.as_str(), "SUCCESS");
    assert_eq!(body.capture_request_id.as_deref(), Some("cap-1"));
    assert_eq!(body.payment_id.as_deref(), Some(payment_id.as_str()));
    assert_eq!(body.capture_amount, Some(usd("4000")));
    assert!(body.capture_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(
        alipay_ams_core::time::parse_timestamp_millis(body.capture_time.as_deref().unwrap())
            .is_some()
    );

    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captured, usd("4000"));
    assert_eq!(state.captures.len(), 1);
    assert_eq!(Some(state.captures[0].capture_id.clone()), body.capture_id);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn production_path_is_served_and_signed_with_its_own_path() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = payment(&sandbox);
    let body = serde_json::to_vec(&CaptureRequest::new("prod-1", &payment_id, usd("100"))).unwrap();
    let reply = merchant.post(PRODUCTION_PATH, &body).await.unwrap();
    assert_eq!(reply.code(), "SUCCESS");
    assert!(reply.verifies(PRODUCTION_PATH));
    assert!(!reply.verifies(SANDBOX_PATH));

    // A request signed for one path and sent to the other is refused.
    let headers = merchant.headers(PRODUCTION_PATH, &body);
    let reply = send(sandbox.addr(), "POST", SANDBOX_PATH, &headers, body)
        .await
        .unwrap();
    assert_eq!(reply.code(), "INVALID_SIGNATURE");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn absolute_form_request_target_signs_and_verifies_the_path() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = payment(&sandbox);
    let body = serde_json::to_vec(&CaptureRequest::new("abs-1", &payment_id, usd("100"))).unwrap();
    // Written by hand: the request line carries the full URL, as the official
    // Python SDK sends it.
    let mut head = format!(
        "POST {}{SANDBOX_PATH} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        sandbox.base_url(),
        sandbox.addr(),
        body.len()
    );
    for (name, value) in merchant.headers(SANDBOX_PATH, &body) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    assert!(head.starts_with("POST http://127.0.0.1:"));
    let reply = send_raw(sandbox.addr(), &head, &body).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.code(), "SUCCESS", "{:?}", reply.body);
    assert!(reply.verifies(SANDBOX_PATH));
    sandbox.shutdown().await;
}

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
        CaptureRequest::new("rr-1", &payment_id, usd("100")).last_capture(true),
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
    let last = capture("m-4", "50").last_capture(true);
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

#[tokio::test]
async fn bad_or_missing_signature_is_refused_unsigned_and_never_s() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = payment(&sandbox);
    let body = serde_json::to_vec(&CaptureRequest::new("sig-1", &p, usd("100"))).unwrap();
    let good = merchant.headers(SANDBOX_PATH, &body);
    let without = |name: &str| {
        good.iter()
            .filter(|(n, _)| *n != name)
            .cloned()
            .collect::<Vec<_>>()
    };
    let replacing = |name: &'static str, value: &str| {
        let mut headers = without(name);
        headers.push((name, value.to_owned()));
        headers
    };

    let mut tampered = body.clone();
    tampered.push(b' ');
    let signed_by_alipay_key = {
        let mut wrong = Merchant::new(&sandbox);
        wrong.key = alipay_private_key();
        wrong.headers(SANDBOX_PATH, &body)
    };
    type Headers = Vec<(&'static str, String)>;
    let cases: Vec<(&str, Headers, Vec<u8>, &str)> = vec![
        (
            "body changed after signing",
            good.clone(),
            tampered,
            "INVALID_SIGNATURE",
        ),
        (
            "no signature",
            without("signature"),
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "no request-time",
            without("request-time"),
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "other request-time",
            replacing("request-time", "1"),
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "garbage signature",
            replacing("signature", "algorithm=RSA256,keyVersion=1,signature=AAAA"),
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "not even a header",
            replacing("signature", "nonsense"),
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "wrong key",
            signed_by_alipay_key,
            body.clone(),
            "INVALID_SIGNATURE",
        ),
        (
            "unknown client id",
            replacing("client-id", "SANDBOX_OTHER"),
            body.clone(),
            "CLIENT_INVALID",
        ),
        (
            "no client id",
            without("client-id"),
            body.clone(),
            "CLIENT_INVALID",
        ),
    ];
    for (case, headers, body, expected) in cases {
        let reply = send(sandbox.addr(), "POST", SANDBOX_PATH, &headers, body)
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{case}");
        assert!(!reply.is_signed(), "{case}: refusals are unsigned");
        assert_eq!(reply.status_letter(), "F", "{case}");
        assert_eq!(reply.code(), expected, "{case}");
    }
    assert!(sandbox.captures().is_empty(), "nothing was captured");
    assert_eq!(
        merchant
            .capture(&CaptureRequest::new("sig-1", &p, usd("100")))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn other_paths_and_methods_are_not_alipay_apis() {
    let sandbox = start().await;
    let reply = send(sandbox.addr(), "GET", SANDBOX_PATH, &[], vec![])
        .await
        .unwrap();
    assert_eq!(reply.status, 405);
    let merchant = Merchant::new(&sandbox);
    let reply = merchant
        .post("/ams/api/v1/payments/pay", b"{}")
        .await
        .unwrap();
    assert_eq!(reply.status, 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn control_api_over_http() {
    let sandbox = start().await;
    let json = |value: serde_json::Value| serde_json::to_vec(&value).unwrap();
    let ct = [("content-type", "application/json".to_owned())];

    let reply = send(
        sandbox.addr(),
        "POST",
        "/sandbox/payments",
        &ct,
        json(serde_json::json!({"paymentAmount":{"currency":"USD","value":"10000"},"captureMode":"MANUAL","paymentNotifyUrl":"http://127.0.0.1:9/notify"})),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert!(!reply.is_signed());
    let created = reply.json();
    let payment_id = created["paymentId"].as_str().unwrap().to_owned();
    assert!(
        created["paymentRequestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    let state = send(
        sandbox.addr(),
        "GET",
        &format!("/sandbox/payments/{payment_id}"),
        &[],
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(state.status, 200);
    let state = state.json();
    assert_eq!(
        state["authorized"],
        serde_json::json!({"currency":"USD","value":"10000"})
    );
    assert_eq!(state["captured"]["value"], "0");
    assert_eq!(state["notifyUrl"], "http://127.0.0.1:9/notify");

    let merchant = Merchant::new(&sandbox);
    assert_eq!(
        merchant
            .capture(&CaptureRequest::new("ctl-1", &payment_id, usd("100")))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    let state = send(
        sandbox.addr(),
        "GET",
        &format!("/sandbox/payments/{payment_id}"),
        &[],
        vec![],
    )
    .await
    .unwrap()
    .json();
    assert_eq!(state["captured"]["value"], "100");
    assert_eq!(state["captures"][0]["captureRequestId"], "ctl-1");

    let log = send(sandbox.addr(), "GET", "/sandbox/notifications", &[], vec![])
        .await
        .unwrap();
    assert_eq!(log.status, 200);
    assert!(log.json()["deliveries"].is_array());

    for bad in [
        serde_json::json!({"paymentAmount":{"currency":"USD","value":"ten"}}),
        serde_json::json!({"paymentAmount":{"currency":"USD","value":"0"}}),
        serde_json::json!({"paymentAmount":{"currency":"USD","value":"1"},"paymentNotifyUrl":"ftp://x/y"}),
        serde_json::json!({"amount":"1"}),
    ] {
        let reply = send(
            sandbox.addr(),
            "POST",
            "/sandbox/payments",
            &ct,
            json(bad.clone()),
        )
        .await
        .unwrap();
        assert_eq!(reply.status, 400, "{bad}");
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty())
        );
    }
    let missing = send(sandbox.addr(), "GET", "/sandbox/payments/nope", &[], vec![])
        .await
        .unwrap();
    assert_eq!(missing.status, 404);
    let unknown = send(sandbox.addr(), "GET", "/sandbox/whatever", &[], vec![])
        .await
        .unwrap();
    assert_eq!(unknown.status, 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn builder_refuses_what_cannot_work() {
    assert!(matches!(
        Sandbox::builder().start().await,
        Err(alipay_ams_sandbox::Error::MissingKey(_))
    ));
    for scale in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            Sandbox::with_example_keys().time_scale(scale).start().await,
            Err(alipay_ams_sandbox::Error::TimeScale(_))
        ));
    }
    assert!(
        Sandbox::with_example_keys()
            .client_id("")
            .start()
            .await
            .is_err()
    );
    assert!(
        Sandbox::with_example_keys()
            .default_notify_url("notify")
            .start()
            .await
            .is_err()
    );

    // A taken port is an error that names the address.
    let first = start().await;
    let err = Sandbox::with_example_keys()
        .listen(first.addr())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&first.addr().to_string()), "{err}");

    // Explicit keys work like the example ones.
    let explicit = Sandbox::builder()
        .merchant_public_key(merchant_private_key().public_key().clone())
        .alipay_private_key(alipay_private_key())
        .client_id("SANDBOX_EXPLICIT")
        .start()
        .await
        .unwrap();
    assert_eq!(explicit.client_id(), "SANDBOX_EXPLICIT");
    assert_eq!(explicit.alipay_public_key(), alipay_public_key());
    let p = payment(&explicit);
    let merchant = Merchant::new(&explicit);
    assert_eq!(
        merchant
            .capture(&CaptureRequest::new("e-1", &p, usd("1")))
            .await
            .unwrap()
            .code(),
        "SUCCESS"
    );
    explicit.shutdown().await;
    explicit.shutdown().await; // twice is fine
    assert!(
        tokio::net::TcpStream::connect(explicit.addr())
            .await
            .is_err(),
        "stopped listening"
    );
    first.shutdown().await;
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
        let request = CaptureRequest::new(id, &p, usd("100"));
        tasks.spawn(async move { merchant.capture(&request).await.unwrap().capture() });
    }
    let mut succeeded = std::collections::HashSet::new();
    let mut same = std::collections::HashSet::new();
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.unwrap();
        if reply.capture_request_id.as_deref() == Some("con-same") {
            same.insert(reply.capture_id.clone());
        }
        if reply.result.result_status == ResultStatus::Success {
            succeeded.insert(reply.capture_id.unwrap());
        } else {
            assert_eq!(
                reply.result.result_code.as_str(),
                "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
            );
        }
    }
    assert_eq!(
        succeeded.len(),
        10,
        "exactly the authorized amount was captured"
    );
    assert!(same.len() <= 1, "one request id, one capture id: {same:?}");
    assert_eq!(sandbox.payment(&p).unwrap().captured, usd("1000"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn dropping_every_handle_stops_the_sandbox() {
    let sandbox = start().await;
    let addr = sandbox.addr();
    let clone = sandbox.clone();
    drop(sandbox);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_ok(),
        "a clone keeps it running"
    );
    drop(clone);
    eventually("the listener to close", || {
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(100)).is_err()
    })
    .await;
}

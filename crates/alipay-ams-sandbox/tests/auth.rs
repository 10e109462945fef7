//! Authentication and signing over real loopback HTTP: the merchant's signature
//! is checked over the exact bytes and the path called, and replies are signed
//! over that path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::ResultStatus;
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
    assert_eq!(body.capture_request_id, "cap-1");
    assert_eq!(body.payment_id, payment_id);
    assert_eq!(body.capture_amount, usd("4000"));
    assert!(!body.capture_id.is_empty());
    assert!(
        alipay_ams_core::time::parse_timestamp_millis(body.capture_time.as_deref().unwrap())
            .is_some()
    );

    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captured, usd("4000"));
    assert_eq!(state.captures.len(), 1);
    assert_eq!(state.captures[0].capture_id, body.capture_id);
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
    // A real Alipay API the sandbox does not serve.
    let reply = merchant
        .post("/ams/api/v1/payments/inquireExchangeRate", b"{}")
        .await
        .unwrap();
    assert_eq!(reply.status, 404);
    let served = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(served.contains("/ams/api/v1/payments/pay"), "{served}");
    sandbox.shutdown().await;
}

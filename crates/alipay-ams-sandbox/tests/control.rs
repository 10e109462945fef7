//! The control API over HTTP, the builder's refusals, and stopping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_sandbox::Sandbox;
use common::*;

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
    let all = send(sandbox.addr(), "GET", "/sandbox/payments", &[], vec![])
        .await
        .unwrap()
        .json();
    assert_eq!(all["captures"].as_array().unwrap().len(), 1);
    assert_eq!(all["captures"][0]["paymentId"], payment_id.as_str());

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
    assert!(matches!(
        Sandbox::with_example_keys().client_id("").start().await,
        Err(alipay_ams_sandbox::Error::ClientId(_))
    ));
    for url in ["notify", "ftp://127.0.0.1/notify", "http://"] {
        let err = Sandbox::with_example_keys()
            .default_notify_url(url)
            .start()
            .await
            .unwrap_err();
        assert!(
            matches!(err, alipay_ams_sandbox::Error::NotifyUrl(_)),
            "{url}: {err:?}"
        );
        assert!(
            err.to_string().contains("http://127.0.0.1:9000/notify"),
            "{err}"
        );
    }

    // A taken port is an error that names the address.
    let first = start().await;
    let err = Sandbox::with_example_keys()
        .listen(first.addr())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&first.addr().to_string()), "{err}");

    // The shortcut serves with the example keys and hands out the merchant's half.
    let quick = Sandbox::start_with_example_keys().await.unwrap();
    assert_eq!(
        quick.merchant_private_key().unwrap().public_key(),
        merchant_private_key().public_key()
    );
    quick.shutdown().await;

    // Explicit keys work like the example ones (and, being the example
    // merchant pair, still hand out its private half).
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

    // Another merchant key: the sandbox has no private half to give.
    let other = Sandbox::builder()
        .merchant_public_key(alipay_public_key())
        .alipay_private_key(merchant_private_key())
        .start()
        .await
        .unwrap();
    assert!(other.merchant_private_key().is_none());
    other.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(explicit.addr())
            .await
            .is_err(),
        "stopped listening"
    );
    first.shutdown().await;
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

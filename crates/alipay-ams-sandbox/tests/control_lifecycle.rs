//! The control API's lifecycle endpoints over HTTP, as checks outside the
//! project use them: the buyer's action, the payment's state, forced
//! expiry, the books, the clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_core::time::parse_timestamp_millis;
use common::*;

async fn get(sandbox: &alipay_ams_sandbox::Sandbox, path: &str) -> Reply {
    send(sandbox.addr(), "GET", path, &[], vec![])
        .await
        .unwrap()
}

async fn post(sandbox: &alipay_ams_sandbox::Sandbox, path: &str, body: &str) -> Reply {
    send(
        sandbox.addr(),
        "POST",
        path,
        &[("content-type", "application/json".to_owned())],
        body.as_bytes().to_vec(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn buyer_actions_and_payment_state_over_http() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant
        .pay(&card_request("h-1", "1234", "MANUAL").with_payment_notify_url("http://127.0.0.1:9/n"))
        .await;

    let waiting = state(&sandbox, &payment_id).await;
    assert_eq!(waiting["paymentId"], payment_id.as_str());
    assert_eq!(waiting["paymentRequestId"], "h-1");
    assert_eq!(waiting["origin"], "pay");
    assert_eq!(waiting["status"], "AWAITING_BUYER");
    assert_eq!(waiting["paymentStatus"], "PROCESSING");
    assert_eq!(
        waiting["paymentAmount"],
        serde_json::json!({"currency":"USD","value":"1234"})
    );
    assert_eq!(waiting["paymentMethodType"], "CARD");
    assert_eq!(waiting["captureMode"], "MANUAL");
    assert_eq!(waiting["notifyUrl"], "http://127.0.0.1:9/n");
    assert_eq!(waiting["redirectUrl"], REDIRECT);
    assert_eq!(waiting["orderDescription"], "Two cups of coffee");
    assert_eq!(waiting["referenceOrderId"], "order-h-1");
    assert_eq!(waiting["merchantName"], "Sandbox Coffee");
    assert!(
        waiting["normalUrl"]
            .as_str()
            .unwrap()
            .ends_with(&payment_id)
    );
    assert!(parse_timestamp_millis(waiting["expiryTime"].as_str().unwrap()).is_some());
    assert_eq!(waiting["transactions"], serde_json::json!([]));

    let reply = buyer(&sandbox, &payment_id, r#"{"action":"pay"}"#).await;
    assert_eq!(reply.status, 200);
    assert!(!reply.is_signed(), "the control API is plain JSON");
    let authorized = reply.json();
    assert_eq!(authorized["status"], "AUTHORIZED");
    assert_eq!(authorized["authorized"]["value"], "1234");
    assert_eq!(
        authorized,
        state(&sandbox, &payment_id).await,
        "the same state"
    );
    for action in ["pay", "decline", "abandon"] {
        let body = format!(r#"{{"action":"{action}"}}"#);
        let reply = buyer(&sandbox, &payment_id, &body).await;
        assert_eq!(
            reply.status, 409,
            "{action}: no longer waiting for the buyer"
        );
    }

    // Forced expiry of another payment.
    let other = merchant.pay(&pay_request("h-2", "ALIPAY_CN", "100")).await;
    let expired = post(&sandbox, &format!("/sandbox/payments/{other}/expire"), "").await;
    assert_eq!(expired.status, 200);
    assert_eq!(expired.json()["status"], "FAILED");
    assert_eq!(expired.json()["failure"]["resultCode"], "ORDER_IS_CLOSED");
    assert_eq!(
        post(&sandbox, &format!("/sandbox/payments/{other}/expire"), "")
            .await
            .status,
        409
    );
    assert_eq!(
        post(&sandbox, "/sandbox/payments/nope/expire", "")
            .await
            .status,
        404
    );

    // The books: payments, captures and refunds.
    let wallet = merchant.pay(&pay_request("h-3", "ALIPAY_CN", "500")).await;
    assert_eq!(
        buyer(&sandbox, &wallet, r#"{"action":"pay"}"#).await.status,
        200
    );
    assert_eq!(
        merchant
            .call(&refund_request("h-3-r", &wallet, "200"))
            .await
            .code(),
        "SUCCESS"
    );
    let books = get(&sandbox, "/sandbox/payments").await.json();
    assert_eq!(books["payments"].as_array().unwrap().len(), 3);
    assert_eq!(books["captures"].as_array().unwrap().len(), 1);
    assert_eq!(books["refunds"][0]["refundRequestId"], "h-3-r");
    assert_eq!(books["refunds"][0]["status"], "SUCCESS");
    let wallet_state = state(&sandbox, &wallet).await;
    assert_eq!(wallet_state["refunded"]["value"], "200");
    assert_eq!(wallet_state["refundable"]["value"], "300");
    assert_eq!(wallet_state["transactions"][1]["transactionType"], "REFUND");

    for (method, path) in [
        ("GET", format!("/sandbox/payments/{payment_id}/buyer")),
        ("POST", format!("/sandbox/payments/{payment_id}/other")),
        ("POST", "/sandbox/payments//buyer".to_owned()),
    ] {
        let reply = send(sandbox.addr(), method, &path, &[], vec![])
            .await
            .unwrap();
        assert_eq!(reply.status, 404, "{method} {path}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_clock_moves_forward_over_http() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&pay_request("k-1", "ALIPAY_CN", "100")).await;
    let before = parse_timestamp_millis(
        get(&sandbox, "/sandbox/clock").await.json()["now"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let reply = post(&sandbox, "/sandbox/clock", r#"{"advanceMs":900000}"#).await;
    assert_eq!(reply.status, 200);
    let after = parse_timestamp_millis(reply.json()["now"].as_str().unwrap()).unwrap();
    assert!(after - before >= 900_000, "{before} -> {after}");
    // 15 minutes later, the 14-minute default expiry has passed.
    assert_eq!(state(&sandbox, &payment_id).await["status"], "FAILED");
    assert_eq!(
        post(&sandbox, "/sandbox/clock", r#"{"advanceMs":-1}"#)
            .await
            .status,
        400
    );
    assert_eq!(
        post(&sandbox, "/sandbox/clock", r#"{"ms":1}"#).await.status,
        400
    );
    sandbox.shutdown().await;
}

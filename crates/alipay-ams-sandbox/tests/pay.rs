//! `pay` over real loopback HTTP: the payment waits for the buyer; the
//! buyer pays (a wallet: paid and captured, notifyPayment S and
//! notifyCapture), declines, abandons, or the payment expires; the same
//! request answers where the payment is; the request's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::payments::{PayRequest, PayResponse};
use alipay_ams_core::protocol::Environment;
use alipay_ams_core::time::{iso8601_utc, parse_timestamp_millis};
use alipay_ams_core::{ApiRequest, ResultStatus};
use alipay_ams_sandbox::{BuyerAction, BuyerError, PaymentStatus, Sandbox};
use common::*;

async fn setup() -> (NotifyEndpoint, Sandbox, Merchant) {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    (endpoint, sandbox, merchant)
}

#[tokio::test]
async fn a_wallet_payment_waits_for_the_buyer_then_is_paid_captured_and_notified() {
    let (endpoint, sandbox, merchant) = setup().await;
    let request = pay_request("pay-1", "ALIPAY_CN", "2500").with_payment_notify_url(&endpoint.url);
    let reply = merchant.call(&request).await;
    assert_eq!(reply.status_letter(), "U");
    assert_eq!(reply.code(), "PAYMENT_IN_PROCESS");
    let answer: PayResponse = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(answer.payment_request_id, "pay-1");
    assert_eq!(answer.payment_amount, Some(usd("2500")));
    assert!(
        answer
            .payment_create_time
            .as_deref()
            .and_then(parse_timestamp_millis)
            .is_some()
    );
    let payment_id = answer.payment_id.clone();
    let normal_url = answer.normal_url.clone().unwrap();
    assert_eq!(
        normal_url,
        format!("{}/sandbox/checkout/{payment_id}", sandbox.base_url())
    );

    // The buyer's page is on the sandbox (its details: tests/buyer_page.rs).
    let path = normal_url.trim_start_matches(&sandbox.base_url());
    let page = send(sandbox.addr(), "GET", path, &[], vec![])
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(html.contains(&payment_id));
    assert!(html.contains("id=\"pay\""));

    // Nothing happens until the buyer acts; the same request answers the same.
    let waiting = sandbox.payment(&payment_id).unwrap();
    assert_eq!(waiting.status, PaymentStatus::AwaitingBuyer);
    assert_eq!(waiting.payment_status, "PROCESSING");
    assert_eq!(waiting.authorized, usd("0"));
    let again = merchant.call(&request).await;
    assert_eq!(again.body, reply.body, "byte for byte while waiting");

    let paid = buyer(&sandbox, &payment_id, r#"{"action":"pay"}"#).await;
    assert_eq!(paid.status, 200);
    let paid = paid.json();
    assert_eq!(paid["status"], "CAPTURED", "a wallet is captured at once");
    assert_eq!(paid["paymentStatus"], "SUCCESS");
    assert_eq!(paid["captured"]["value"], "2500");
    assert_eq!(paid["transactions"][0]["transactionType"], "CAPTURE");

    // notifyPayment S and notifyCapture, both to the paymentNotifyUrl.
    let log = acknowledged(&sandbox, 2, |a| {
        a.payment_id.as_deref() == Some(&payment_id)
    })
    .await;
    let kinds: Vec<_> = log.iter().map(|a| a.kind.as_str()).collect();
    assert!(
        kinds.contains(&"notifyPayment") && kinds.contains(&"notifyCapture"),
        "{kinds:?}"
    );
    assert!(log.iter().all(|a| a.notify_url == endpoint.url));
    let results = of_type(&endpoint.received(), "PAYMENT_RESULT");
    assert_eq!(results.len(), 1);
    let notified = &results[0];
    assert_eq!(notified["result"]["resultStatus"], "S");
    assert_eq!(notified["paymentId"], payment_id.as_str());
    assert_eq!(notified["paymentRequestId"], "pay-1");
    assert_eq!(notified["paymentAmount"]["value"], "2500");
    assert_eq!(notified["paymentMethodType"], "ALIPAY_CN");
    assert!(notified["paymentTime"].is_string());
    let captures = of_type(&endpoint.received(), "CAPTURE_RESULT");
    assert_eq!(
        captures[0]["captureRequestId"],
        format!("AUTO_{payment_id}")
    );

    // Paid: the same request now answers S, and keeps answering it.
    let final_reply = merchant.call(&request).await;
    assert_eq!(final_reply.status_letter(), "S");
    let final_answer: PayResponse = serde_json::from_slice(&final_reply.body).unwrap();
    assert_eq!(final_answer.payment_id, payment_id);
    assert!(final_answer.payment_time.is_some());
    assert_eq!(merchant.call(&request).await.body, final_reply.body);

    // No second buyer action.
    let twice = buyer(&sandbox, &payment_id, r#"{"action":"pay"}"#).await;
    assert_eq!(twice.status, 409);
    assert!(twice.json()["error"].as_str().unwrap().contains("CAPTURED"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn decline_and_abandon_fail_with_their_codes_and_are_notified() {
    let (endpoint, sandbox, merchant) = setup().await;
    let mut ids = Vec::new();
    for (id, body) in [
        ("d-1", r#"{"action":"decline"}"#),
        ("d-2", r#"{"action":"decline","resultCode":"RISK_REJECT"}"#),
        ("a-1", r#"{"action":"ABANDON","from":"a script"}"#),
    ] {
        let request = pay_request(id, "GCASH", "100").with_payment_notify_url(&endpoint.url);
        let payment_id = merchant.pay(&request).await;
        let reply = buyer(&sandbox, &payment_id, body).await;
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(reply.json()["status"], "FAILED");
        ids.push((request, payment_id));
    }
    let expected = ["USER_BALANCE_NOT_ENOUGH", "RISK_REJECT", "ORDER_IS_CLOSED"];
    acknowledged(&sandbox, 3, |a| a.kind == "notifyPayment").await;
    let results = of_type(&endpoint.received(), "PAYMENT_RESULT");
    for ((request, payment_id), code) in ids.iter().zip(expected) {
        let notified = results
            .iter()
            .find(|n| n["paymentId"] == payment_id.as_str())
            .unwrap();
        assert_eq!(notified["result"]["resultStatus"], "F");
        assert_eq!(notified["result"]["resultCode"], code);
        assert!(notified.get("paymentTime").is_none(), "no paymentTime on F");
        // The same request answers the failure, for good.
        let reply = merchant.call(request).await;
        assert_eq!(
            (reply.status_letter(), reply.code()),
            ("F".into(), code.into())
        );
        let state = sandbox.payment(payment_id).unwrap();
        assert_eq!(state.failure.unwrap().result_code.as_str(), code);
        assert_eq!(state.payment_status, "FAIL");
    }
    assert!(of_type(&endpoint.received(), "CAPTURE_RESULT").is_empty());

    // Bad buyer actions.
    let (_, failed) = &ids[0];
    for (body, status) in [
        (r#"{"action":"pay"}"#, 409),
        (r#"{"action":"refund"}"#, 400),
        (r#"{"action":"decline","resultCode":"success"}"#, 400),
        (r#"{"action":"pay","resultCode":"RISK_REJECT"}"#, 400),
        ("not json", 400),
    ] {
        let reply = buyer(&sandbox, failed, body).await;
        assert_eq!(reply.status, status, "{body}");
        assert!(!reply.json()["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        buyer(&sandbox, "no-such-payment", r#"{"action":"pay"}"#)
            .await
            .status,
        404
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_payment_expires_in_real_time_at_its_expiry() {
    let endpoint = NotifyEndpoint::acking().await;
    // The default expiry shortened for the test; the time scale does not touch it.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(1000.0)
        .payment_expiry(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(&sandbox);
    let default = pay_request("e-1", "ALIPAY_HK", "100").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&default).await;
    let expiry = sandbox.payment(&payment_id).unwrap().expiry_time.unwrap();
    let created = sandbox.payment(&payment_id).unwrap().create_time;
    let span = parse_timestamp_millis(&expiry).unwrap() - parse_timestamp_millis(&created).unwrap();
    assert!(
        span <= 1000,
        "expires 300 ms after creation (to the second): {span} ms"
    );

    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyPayment").await;
    assert_eq!(log[0].result_status.as_deref(), Some("F"));
    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.status, PaymentStatus::Failed);
    assert_eq!(
        state.failure.unwrap().result_code.as_str(),
        "ORDER_IS_CLOSED"
    );
    assert!(matches!(
        sandbox.buyer(&payment_id, BuyerAction::Pay),
        Err(BuyerError::NotAwaitingBuyer {
            status: PaymentStatus::Failed,
            ..
        })
    ));

    // A paymentExpiryTime of the request wins over the default.
    let later = iso8601_utc(sandbox.now() + Duration::from_secs(3600));
    let custom = pay_request("e-2", "ALIPAY_HK", "100").with_payment_expiry_time(&later);
    let payment_id = merchant.pay(&custom).await;
    assert_eq!(
        sandbox.payment(&payment_id).unwrap().expiry_time.unwrap(),
        later
    );
    // Forcing expiry (the handle; the control API has POST .../expire).
    let expired = sandbox.expire_payment(&payment_id).unwrap();
    assert_eq!(expired.status, PaymentStatus::Failed);
    assert!(sandbox.expire_payment(&payment_id).is_err());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pay_is_served_at_both_paths_and_checks_its_fields() {
    let (_endpoint, sandbox, merchant) = setup().await;
    let production = merchant
        .call_at(PayRequest::PATH, &pay_request("p-prod", "CARD", "100"))
        .await;
    assert_eq!(production.code(), "PAYMENT_IN_PROCESS");
    assert_eq!(
        Environment::Sandbox.path(PayRequest::PATH),
        "/ams/sandbox/api/v1/payments/pay"
    );

    let now = sandbox.now();
    let mut bad: Vec<(PayRequest, &str)> = vec![
        (pay_request("b-1", "CARD", "0"), "paymentAmount"),
        (pay_request("b-2", "", "100"), "paymentMethodType"),
        (card_request("b-3", "100", "LATER"), "captureMode"),
        (
            pay_request("b-4", "CARD", "100").with_payment_expiry_time("soon"),
            "paymentExpiryTime",
        ),
        (
            pay_request("b-5", "CARD", "100")
                .with_payment_expiry_time(iso8601_utc(now - Duration::from_secs(60))),
            "not in the future",
        ),
        (
            pay_request("b-6", "CARD", "100")
                .with_payment_expiry_time(iso8601_utc(now + Duration::from_secs(49 * 3600))),
            "48 hours",
        ),
        (
            pay_request("b-7", "CARD", "100").with_payment_notify_url("/relative"),
            "paymentNotifyUrl",
        ),
    ];
    let mut agreement = pay_request("b-8", "CARD", "100");
    agreement.product_code = alipay_ams_api::models::ProductCodeType::AgreementPayment;
    bad.push((agreement, "CASHIER_PAYMENT"));
    for (request, says) in bad {
        let reply = merchant.call(&request).await;
        assert_eq!(reply.code(), "PARAM_ILLEGAL", "{says}");
        assert_eq!(reply.status_letter(), "F");
        let message = reply.json()["result"]["resultMessage"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(says), "{says}: {message}");
    }
    // PARAM_ILLEGAL is not remembered: the key is still free.
    let fixed = pay_request("b-1", "CARD", "100");
    assert_eq!(merchant.call(&fixed).await.code(), "PAYMENT_IN_PROCESS");
    assert!(
        sandbox
            .payments()
            .iter()
            .all(|p| p.payment_request_id != "b-2")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn same_payment_request_id_with_other_fields_is_repeat_req_inconsistent() {
    let (_endpoint, sandbox, merchant) = setup().await;
    let first = pay_request("r-1", "ALIPAY_CN", "100");
    let payment_id = merchant.pay(&first).await;
    for changed in [
        pay_request("r-1", "ALIPAY_CN", "200"),
        pay_request("r-1", "GCASH", "100"),
        first
            .clone()
            .with_payment_notify_url("http://127.0.0.1:9/other"),
    ] {
        let reply = merchant.call(&changed).await;
        assert_eq!(reply.code(), "REPEAT_REQ_INCONSISTENT");
        assert_eq!(reply.status_letter(), "F");
    }
    // Still inconsistent once the payment is final; the original still answers.
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    assert_eq!(merchant.call(&first).await.status_letter(), "S");
    let reply = merchant.call(&pay_request("r-1", "ALIPAY_CN", "300")).await;
    assert_eq!(reply.code(), "REPEAT_REQ_INCONSISTENT");
    assert_eq!(sandbox.payments().len(), 1, "one payment for the key");
    assert_eq!(
        sandbox.payment(&payment_id).unwrap().status,
        PaymentStatus::Captured
    );
    let result = sandbox.payment(&payment_id).unwrap().captures[0]
        .result
        .clone();
    assert_eq!(result.result_status, ResultStatus::Success);
    sandbox.shutdown().await;
}

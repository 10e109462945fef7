//! `Client::checkout` with a `PayRequest`: every answer is a `PayOutcome`
//! (a refusal included), the checkout rules refuse before sending, and an
//! unknown outcome's advice names `Client::resolve`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::checkout::{BuyerAction, CaptureBy, PayOutcome};
use alipay_ams_client::{NotSentReason, Outcome};
use alipay_ams_core::ResultStatus;
use serde_json::json;
use support::checkout::*;
use support::*;

#[tokio::test]
async fn a_wallet_payment_waits_for_the_buyer_with_the_page_to_open() {
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, req| {
        pay_answer(
            req,
            "U",
            "PAYMENT_IN_PROCESS",
            json!({"normalUrl": "https://pay.example/c?1", "schemeUrl": "alipayhk://c?1"}),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let outcome = client.checkout(&wallet_pay("pay-w-1")).await.unwrap();
    let PayOutcome::WaitingForBuyer(waiting) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        waiting.buyer_actions(),
        [
            BuyerAction::OpenUrl("https://pay.example/c?1"),
            BuyerAction::OpenAppScheme("alipayhk://c?1")
        ]
    );
    assert_eq!(
        outcome.payment_id(),
        Some(payment_id_of("pay-w-1").as_str())
    );
    assert!(!outcome.is_final());
    // Sent once, as the rules and the constructor shaped it.
    let sent = server.calls("pay");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].signature_valid);
    let body = sent[0].json();
    assert_eq!(body["productCode"], "CASHIER_PAYMENT");
    assert_eq!(body["paymentAmount"], body["order"]["orderAmount"]);
}

#[tokio::test]
async fn payment_in_process_with_nothing_to_show_is_in_process() {
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, req| {
        pay_answer(req, "U", "PAYMENT_IN_PROCESS", json!({}))
    }))
    .await;
    let client = server.client().build().unwrap();
    let outcome = client.checkout(&wallet_pay("pay-w-2")).await.unwrap();
    assert!(
        matches!(&outcome, PayOutcome::InProcess(r) if r.buyer_actions().is_empty()),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn s_is_paid_for_a_wallet_and_authorized_for_a_manual_capture_card() {
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, req| {
        pay_answer(
            req,
            "S",
            "SUCCESS",
            json!({"paymentTime": "2026-11-25T10:00:03+08:00", "authExpiryTime": "2026-12-02T10:00:03+08:00"}),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let paid = client.checkout(&wallet_pay("pay-s-1")).await.unwrap();
    assert!(
        matches!(&paid, PayOutcome::Succeeded(r) if r.payment_time.is_some()),
        "{paid:?}"
    );
    let authorized = client.checkout(&card_pay("pay-s-2")).await.unwrap();
    match &authorized {
        PayOutcome::Authorized { response, capture } => {
            assert_eq!(*capture, CaptureBy::Merchant);
            assert_eq!(response.payment_id, payment_id_of("pay-s-2"));
            assert!(response.auth_expiry_time.is_some());
        }
        other => panic!("{other:?}"),
    }
    let card = server.calls("pay")[1].json();
    assert_eq!(card["paymentFactor"]["captureMode"], "MANUAL");
    assert_eq!(card["paymentFactor"]["isAuthorization"], true);
}

#[tokio::test]
async fn a_refusal_is_the_failed_outcome_and_is_not_sent_again() {
    let server = FakeAlipay::routes(Routes::new().on("pay", |_, _| refusal("RISK_REJECT"))).await;
    let client = server.client().build().unwrap();
    let outcome = client.checkout(&wallet_pay("pay-f-1")).await.unwrap();
    match &outcome {
        PayOutcome::Failed(result) => {
            assert_eq!(result.result_status, ResultStatus::Failed);
            assert_eq!(result.result_code.as_str(), "RISK_REJECT");
        }
        other => panic!("{other:?}"),
    }
    assert!(outcome.is_final());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_checkout_rules_refuse_before_anything_is_sent() {
    let server = FakeAlipay::routes(
        Routes::new().on("pay", |_, req| pay_answer(req, "S", "SUCCESS", json!({}))),
    )
    .await;
    let client = server.client().build().unwrap();
    let relative_notify = wallet_pay("pay-r-1").with_payment_notify_url("/alipay/notify");
    let mut card_without_factor = card_pay("pay-r-2");
    card_without_factor.payment_factor = None;
    let mut no_order = wallet_pay("pay-r-3");
    no_order.order = None;
    let mut too_long = wallet_pay("pay-r-4");
    too_long.payment_request_id = "p".repeat(65);
    for (request, field) in [
        (relative_notify, "paymentNotifyUrl"),
        (card_without_factor, "paymentFactor"),
        // The generated validation runs first: both say what Alipay refuses.
        (no_order, "order"),
        (too_long, "paymentRequestId"),
    ] {
        let error = client.checkout(&request).await.unwrap_err();
        let refused = not_sent(&error);
        match refused.reason() {
            NotSentReason::InvalidRequest(invalid) => assert_eq!(invalid.path(), field),
            other => panic!("{field}: {other:?}"),
        }
        assert_eq!(refused.attempts(), 0);
        assert!(error.to_string().contains("nothing was sent"), "{error}");
    }
    assert_eq!(server.requests().len(), 0);
    // `execute` sends what the generated validation accepts: the checkout
    // rules belong to `checkout`.
    client
        .execute(&wallet_pay("pay-r-5").with_payment_notify_url("/alipay/notify"))
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_unknown_payment_is_sent_again_with_the_same_id_and_the_advice_names_resolve() {
    let server = FakeAlipay::always(Reply::unsigned("<html>Bad Gateway</html>").status(502)).await;
    let client = server.client().build().unwrap();
    let error = client.checkout(&wallet_pay("pay-u-1")).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Unknown);
    let outcome = unknown(&error);
    assert_eq!(outcome.idempotency_key(), Some("pay-u-1"));
    assert!(outcome.advice().contains("Client::resolve"), "{error}");
    assert!(
        outcome.advice().contains("SAME paymentRequestId"),
        "{error}"
    );
    let text = error.to_string();
    assert!(text.contains("inquiryPayment"), "{text}");
    let seen = server.requests();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|r| r.body == seen[0].body));
}

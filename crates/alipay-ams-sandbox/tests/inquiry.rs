//! `inquiryPayment` through a payment's life (status, result code,
//! transactions), `consult`, and `createPaymentSession` (a session whose
//! payment waits for the buyer like one made by `pay`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_api::models::{Env, Order, ProductCodeType, TerminalType};
use alipay_ams_api::payments::{
    CaptureRequest, ConsultRequest, ConsultResponse, CreatePaymentSessionRequest,
    CreatePaymentSessionResponse, InquiryPaymentRequest, InquiryPaymentResponse,
};
use alipay_ams_sandbox::{BuyerAction, Origin, PaymentStatus};
use common::*;

async fn inquire(merchant: &Merchant, request: InquiryPaymentRequest) -> InquiryPaymentResponse {
    let reply = merchant.call(&request).await;
    assert_eq!(reply.status_letter(), "S", "{:?}", reply.body);
    serde_json::from_slice(&reply.body).unwrap()
}

#[tokio::test]
async fn inquiry_payment_follows_the_payment_and_lists_every_transaction() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&card_request("i-1", "6000", "MANUAL")).await;
    let by_id = || InquiryPaymentRequest::new().with_payment_id(&payment_id);

    let waiting = inquire(
        &merchant,
        InquiryPaymentRequest::new().with_payment_request_id("i-1"),
    )
    .await;
    assert_eq!(waiting.payment_id, payment_id, "found by paymentRequestId");
    assert_eq!(waiting.payment_status.as_str(), "PROCESSING");
    assert_eq!(
        waiting.payment_result_code.as_deref(),
        Some("PAYMENT_IN_PROCESS")
    );
    assert!(waiting.payment_time.is_none());
    assert_eq!(waiting.payment_method_type.as_deref(), Some("CARD"));

    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("i-cap", &payment_id, usd("6000"));
    let capture_id = merchant
        .capture(&capture)
        .await
        .unwrap()
        .capture()
        .capture_id;
    let refund = refund_request("i-ref", &payment_id, "1000");
    assert_eq!(merchant.call(&refund).await.code(), "REFUND_IN_PROCESS");
    sandbox
        .wait_for_payment(&payment_id, WAIT, |p| p.refunded.value() == "1000")
        .await
        .unwrap();

    let paid = inquire(&merchant, by_id()).await;
    assert_eq!(paid.payment_status.as_str(), "SUCCESS");
    assert_eq!(paid.payment_result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(paid.payment_amount, usd("6000"));
    assert!(paid.payment_time.is_some() && paid.auth_expiry_time.is_some());
    assert!(paid.payment_create_time.is_some());
    let transactions = paid.transactions.unwrap();
    let summary: Vec<_> = transactions
        .iter()
        .map(|t| {
            (
                t.transaction_type.as_ref().unwrap().as_str().to_owned(),
                t.transaction_request_id.clone().unwrap(),
                t.transaction_status.as_ref().unwrap().as_str().to_owned(),
                t.transaction_amount.as_ref().unwrap().value().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "CAPTURE".into(),
                "i-cap".into(),
                "SUCCESS".into(),
                "6000".into()
            ),
            (
                "REFUND".into(),
                "i-ref".into(),
                "SUCCESS".into(),
                "1000".into()
            ),
        ]
    );
    assert_eq!(
        transactions[0].transaction_id.as_deref(),
        Some(capture_id.as_str())
    );
    let refund_id = sandbox.refunds()[0].refund_id.clone();
    assert_eq!(
        transactions[1].transaction_id.as_deref(),
        Some(refund_id.as_str())
    );
    assert_eq!(
        transactions[1]
            .transaction_result
            .as_ref()
            .unwrap()
            .result_code
            .as_str(),
        "SUCCESS"
    );

    // A failed payment reads FAIL with its code; an unknown one is not found.
    let declined = merchant.pay(&pay_request("i-2", "ALIPAY_CN", "100")).await;
    sandbox
        .buyer(&declined, BuyerAction::DeclineWith("RISK_REJECT".into()))
        .unwrap();
    let failed = inquire(
        &merchant,
        InquiryPaymentRequest::new().with_payment_id(&declined),
    )
    .await;
    assert_eq!(failed.payment_status.as_str(), "FAIL");
    assert_eq!(failed.payment_result_code.as_deref(), Some("RISK_REJECT"));
    let missing = merchant
        .call(&InquiryPaymentRequest::new().with_payment_request_id("never-sent"))
        .await;
    assert_eq!(
        (missing.status_letter(), missing.code()),
        ("F".into(), "ORDER_NOT_EXIST".into())
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn consult_offers_the_known_methods_filtered() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let env = || Env::new().with_terminal_type(TerminalType::Web);
    let all = ConsultRequest::new(ProductCodeType::CashierPayment, usd("1000"), env());
    let reply = merchant.call(&all).await;
    assert_eq!(reply.code(), "SUCCESS");
    let answer: ConsultResponse = serde_json::from_slice(&reply.body).unwrap();
    let methods: Vec<String> = answer
        .payment_options
        .unwrap()
        .iter()
        .map(|o| o.payment_method_type.clone().unwrap())
        .collect();
    assert!(methods.contains(&"CARD".to_owned()) && methods.contains(&"ALIPAY_CN".to_owned()));

    let filtered = ConsultRequest::new(ProductCodeType::CashierPayment, usd("1000"), env())
        .with_allowed_payment_methods(vec!["CARD".into(), "GCASH".into(), "UNKNOWN".into()])
        .with_blocked_payment_methods(vec!["GCASH".into()]);
    let answer: ConsultResponse =
        serde_json::from_slice(&merchant.call(&filtered).await.body).unwrap();
    let options = answer.payment_options.unwrap();
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].payment_method_type.as_deref(), Some("CARD"));
    assert_eq!(
        options[0]
            .payment_method_category
            .as_ref()
            .unwrap()
            .as_str(),
        "CARD"
    );
    let zero = ConsultRequest::new(ProductCodeType::CashierPayment, usd("0"), env());
    assert_eq!(merchant.call(&zero).await.code(), "PARAM_ILLEGAL");
    sandbox.shutdown().await;
}

fn session(id: &str, value: &str) -> CreatePaymentSessionRequest {
    CreatePaymentSessionRequest::new(
        ProductCodeType::CashierPayment,
        id,
        Order::new().with_order_description("A hat"),
        usd(value),
        REDIRECT,
    )
}

#[tokio::test]
async fn a_session_creates_a_payment_that_waits_for_the_buyer() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let request = session("s-1", "1500").with_payment_notify_url(&endpoint.url);
    let reply = merchant.call(&request).await;
    assert_eq!(reply.code(), "SUCCESS");
    let answer: CreatePaymentSessionResponse = serde_json::from_slice(&reply.body).unwrap();
    assert!(!answer.payment_session_id.is_empty() && !answer.payment_session_data.is_empty());
    let state = sandbox.payment_by_request_id("s-1").unwrap();
    assert_eq!(state.origin, Origin::CreatePaymentSession);
    assert_eq!(state.status, PaymentStatus::AwaitingBuyer);
    assert_eq!(state.payment_method_type, "CARD");
    assert_eq!(answer.normal_url, state.normal_url);
    assert_eq!(
        answer.payment_session_expiry_time,
        state.expiry_time.clone().unwrap()
    );
    assert_eq!(
        merchant.call(&request).await.body,
        reply.body,
        "the same session"
    );
    let changed = session("s-1", "1600");
    assert_eq!(
        merchant.call(&changed).await.code(),
        "REPEAT_REQ_INCONSISTENT"
    );
    let pay_same_id = pay_request("s-1", "CARD", "1500");
    assert_eq!(
        merchant.call(&pay_same_id).await.code(),
        "REPEAT_REQ_INCONSISTENT"
    );

    // The buyer pays on the session's page: notified like any payment.
    sandbox.buyer(&state.payment_id, BuyerAction::Pay).unwrap();
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyPayment").await;
    assert_eq!(log[0].ids["paymentRequestId"], "s-1");
    let inquiry = merchant
        .call(&InquiryPaymentRequest::new().with_payment_request_id("s-1"))
        .await;
    assert_eq!(inquiry.json()["paymentStatus"], "SUCCESS");

    let too_long = session("s-2", "100").with_payment_session_expiry_time(
        alipay_ams_core::time::iso8601_utc(sandbox.now() + std::time::Duration::from_secs(7200)),
    );
    assert_eq!(merchant.call(&too_long).await.code(), "PARAM_ILLEGAL");
    sandbox.shutdown().await;
}

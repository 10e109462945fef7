//! `Client::checkout` with the calls that move no money (`consult`,
//! `createPaymentSession`, the inquiries): their answer is the response, and
//! a refusal stays an error of the call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_api::models::{Env, ProductCodeType, TerminalType};
use alipay_ams_api::payments::{
    ConsultRequest, CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest,
};
use alipay_ams_client::NotSentReason;
use alipay_ams_client::checkout::{PaymentState, RefundState, TransactionState};
use alipay_ams_core::Amount;
use serde_json::json;
use support::checkout::*;
use support::*;

fn consult(env: Env) -> ConsultRequest {
    ConsultRequest::new(
        ProductCodeType::CashierPayment,
        Amount::from_minor_units("USD", 1000).unwrap(),
        env,
    )
}

#[tokio::test]
async fn consult_lists_what_can_pay_and_its_refusal_is_an_error() {
    let server = FakeAlipay::routes(Routes::new().on("consult", |n, _| {
        if n == 0 {
            Reply::signed(
                &json!({"result": result("S", "SUCCESS"), "paymentOptions": [
                    {"paymentMethodType": "ALIPAY_HK", "enabled": true},
                    {"paymentMethodType": "GCASH", "enabled": false}]})
                .to_string(),
            )
        } else {
            refusal("ACCESS_DENIED")
        }
    }))
    .await;
    let client = server.client().build().unwrap();
    let web = || consult(Env::new().with_terminal_type(TerminalType::Web));
    let options = client.checkout(&web()).await.unwrap();
    let enabled: Vec<_> = options
        .enabled_options()
        .filter_map(|o| o.payment_method_type.as_deref())
        .collect();
    assert_eq!(enabled, ["ALIPAY_HK"]);
    let error = client.checkout(&web()).await.unwrap_err();
    assert_eq!(
        failed(&error).result().result_code.as_str(),
        "ACCESS_DENIED"
    );
    // No terminal type: refused before sending.
    let error = client.checkout(&consult(Env::new())).await.unwrap_err();
    assert!(
        matches!(not_sent(&error).reason(), NotSentReason::InvalidRequest(i) if i.path() == "env.terminalType"),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_payment_session_gives_the_checkout_page() {
    let server = FakeAlipay::routes(Routes::new().on("createPaymentSession", |_, _| {
        Reply::signed(
            &json!({"result": result("S", "SUCCESS"), "paymentSessionData": "encrypted",
                "paymentSessionId": "session-1", "paymentSessionExpiryTime": "2026-11-25T11:00:00+08:00",
                "normalUrl": "https://checkout.example/session-1"})
            .to_string(),
        )
    }))
    .await;
    let client = server.client().build().unwrap();
    let request = CreatePaymentSessionRequest::new(
        ProductCodeType::CashierPayment,
        "pay-session-1",
        order(),
        Amount::from_minor_units("USD", 1000).unwrap(),
        "https://shop.example/return",
    )
    .with_product_scene("CHECKOUT_PAYMENT");
    let session = client.checkout(&request).await.unwrap();
    assert_eq!(
        session.checkout_url(),
        Some("https://checkout.example/session-1")
    );
    assert_eq!(session.payment_session_id, "session-1");
    // Its payment's currency must be the order's.
    let mut other_currency = request.clone();
    other_currency.payment_amount = Amount::from_minor_units("EUR", 1000).unwrap();
    let error = client.checkout(&other_currency).await.unwrap_err();
    assert!(
        matches!(not_sent(&error).reason(), NotSentReason::InvalidRequest(i) if i.path() == "paymentAmount")
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn inquiries_answer_with_states_and_a_missing_payment_is_an_error_of_the_call() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("inquiryPayment", |n, req| {
                if n == 0 {
                    inquiry_payment(
                        req,
                        "SUCCESS",
                        json!([transaction("CAPTURE", "SUCCESS", "cap-1")]),
                    )
                } else {
                    refusal("ORDER_NOT_EXIST")
                }
            })
            .on("inquiryRefund", |_, req| inquiry_refund(req, "PROCESSING")),
    )
    .await;
    let client = server.client().build().unwrap();
    let payment = client
        .checkout(&InquiryPaymentRequest::new().with_payment_request_id("pay-1"))
        .await
        .unwrap();
    assert_eq!(payment.state(), PaymentState::Succeeded);
    assert_eq!(
        payment.capture("cap-1").map(|t| t.state()),
        Some(TransactionState::Succeeded)
    );
    let error = client
        .checkout(&InquiryPaymentRequest::new().with_payment_request_id("pay-2"))
        .await
        .unwrap_err();
    assert_eq!(
        failed(&error).result().result_code.as_str(),
        "ORDER_NOT_EXIST"
    );
    let refund = client
        .checkout(&InquiryRefundRequest::new().with_refund_request_id("refund-1"))
        .await
        .unwrap();
    assert_eq!(refund.state(), RefundState::Processing);
}

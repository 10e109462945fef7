//! `refund` and `inquiryRefund` over real loopback HTTP: synchronous
//! refunds (Alipay+ wallets: S at once, no notifyRefund), asynchronous ones
//! (cards and the rest: U REFUND_IN_PROCESS, then notifyRefund to the
//! refundNotifyUrl), partial and multiple refunds never beyond what was
//! captured, the rules and their codes, idempotency.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::payments::{
    CaptureRequest, InquiryRefundRequest, InquiryRefundResponse, RefundRequest, RefundResponse,
};
use alipay_ams_core::Amount;
use alipay_ams_sandbox::{BuyerAction, Fault, RefundStatus, Sandbox};
use common::*;

/// A paid payment of `value` with `method` (a card is captured in full).
async fn paid(
    sandbox: &Sandbox,
    merchant: &Merchant,
    id: &str,
    method: &str,
    value: &str,
) -> String {
    let payment_id = merchant.pay(&pay_request(id, method, value)).await;
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    payment_id
}

async fn inquire(merchant: &Merchant, request: InquiryRefundRequest) -> InquiryRefundResponse {
    let reply = merchant.call(&request).await;
    assert_eq!(reply.status_letter(), "S", "{:?}", reply.body);
    serde_json::from_slice(&reply.body).unwrap()
}

/// A sandbox whose asynchronous refunds wait 200 s until the test moves
/// its clock.
async fn slow() -> Sandbox {
    Sandbox::with_example_keys()
        .time_scale(100.0)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn wallet_refunds_are_synchronous_partial_multiple_and_never_beyond() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = paid(&sandbox, &merchant, "w-1", "ALIPAY_CN", "1000").await;

    let first = refund_request("wr-1", &payment_id, "300").with_refund_notify_url(&endpoint.url);
    let reply = merchant.call(&first).await;
    assert_eq!(reply.code(), "SUCCESS");
    let answer: RefundResponse = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(answer.refund_amount, usd("300"));
    assert!(answer.refund_time.is_some());
    assert_eq!(merchant.call(&first).await.body, reply.body, "a replay");
    let second = refund_request("wr-2", &payment_id, "700").with_refund_notify_url(&endpoint.url);
    assert_eq!(merchant.call(&second).await.code(), "SUCCESS");
    let over = refund_request("wr-3", &payment_id, "1");
    assert_eq!(merchant.call(&over).await.code(), "REFUND_AMOUNT_EXCEED");

    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(
        (state.refunded.value(), state.refundable.value()),
        ("1000", "0")
    );
    assert_eq!(state.refunds.len(), 2, "the refused one is no refund");
    assert!(
        state
            .refunds
            .iter()
            .all(|r| !r.asynchronous && r.status == RefundStatus::Success)
    );
    let inquiry = inquire(
        &merchant,
        InquiryRefundRequest::new().with_refund_request_id("wr-1"),
    )
    .await;
    assert_eq!(inquiry.refund_status.as_str(), "SUCCESS");
    assert_eq!(inquiry.refund_id, answer.refund_id);

    // No notifyRefund for synchronous refunds: an asynchronous one posted
    // later to the same URL arrives alone.
    let card = paid(&sandbox, &merchant, "w-card", "CARD", "100").await;
    let later = refund_request("wr-card", &card, "100").with_refund_notify_url(&endpoint.url);
    assert_eq!(merchant.call(&later).await.code(), "REFUND_IN_PROCESS");
    acknowledged(&sandbox, 1, |a| a.kind == "notifyRefund").await;
    let refunds = of_type(&endpoint.received(), "REFUND_RESULT");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["refundRequestId"], "wr-card");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn card_refunds_are_asynchronous_and_notified_to_the_refund_notify_url() {
    let payment_endpoint = NotifyEndpoint::acking().await;
    let refund_endpoint = NotifyEndpoint::acking().await;
    let sandbox = slow().await;
    let merchant = Merchant::new(&sandbox);
    let request =
        card_request("c-1", "5000", "MANUAL").with_payment_notify_url(&payment_endpoint.url);
    let payment_id = merchant.pay(&request).await;
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();

    // An authorization not captured: cancel it, do not refund it.
    let early = refund_request("cr-0", &payment_id, "100");
    assert_eq!(merchant.call(&early).await.code(), "ORDER_STATUS_INVALID");
    let capture = merchant
        .capture(&CaptureRequest::new("cc-1", &payment_id, usd("5000")))
        .await
        .unwrap();
    let capture_id = capture.capture().capture_id;

    let first = refund_request("cr-1", &payment_id, "2000")
        .with_refund_notify_url(&refund_endpoint.url)
        .with_capture_id(&capture_id);
    let reply = merchant.call(&first).await;
    assert_eq!(
        (reply.status_letter(), reply.code()),
        ("U".into(), "REFUND_IN_PROCESS".into())
    );
    let answer: RefundResponse = serde_json::from_slice(&reply.body).unwrap();
    let refund_id = answer.refund_id.clone();
    assert_eq!(
        merchant.call(&first).await.body,
        reply.body,
        "same while processing"
    );
    let inquiry = inquire(
        &merchant,
        InquiryRefundRequest::new().with_refund_id(&refund_id),
    )
    .await;
    assert_eq!(inquiry.refund_status.as_str(), "PROCESSING");
    assert!(inquiry.refund_time.is_none());
    // Refunds still processing count against what is left.
    let too_much = refund_request("cr-2", &payment_id, "3001");
    assert_eq!(
        merchant.call(&too_much).await.code(),
        "REFUND_AMOUNT_EXCEED"
    );
    let changed = refund_request("cr-1", &payment_id, "2001");
    assert_eq!(
        merchant.call(&changed).await.code(),
        "REPEAT_REQ_INCONSISTENT"
    );

    sandbox.advance_clock(Duration::from_secs(300));
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyRefund").await;
    assert_eq!(log[0].notify_url, refund_endpoint.url);
    assert_eq!(
        log[0].payment_id.as_deref(),
        Some(payment_id.as_str()),
        "linked to its payment"
    );
    assert_eq!(log[0].ids["refundId"], refund_id);
    let notified = &of_type(&refund_endpoint.received(), "REFUND_RESULT")[0];
    assert_eq!(notified["refundStatus"], "SUCCESS");
    assert_eq!(notified["result"]["resultStatus"], "S");
    assert_eq!(notified["refundAmount"]["value"], "2000");
    assert!(notified["refundTime"].is_string());
    assert!(of_type(&payment_endpoint.received(), "REFUND_RESULT").is_empty());

    // Final: the same request answers S for good; the rest is refundable.
    let settled = merchant.call(&first).await;
    assert_eq!(settled.code(), "SUCCESS");
    assert_eq!(merchant.call(&first).await.body, settled.body);
    let inquiry = inquire(
        &merchant,
        InquiryRefundRequest::new().with_refund_request_id("cr-1"),
    )
    .await;
    assert_eq!(inquiry.refund_status.as_str(), "SUCCESS");
    assert!(inquiry.refund_time.is_some());
    let rest = refund_request("cr-3", &payment_id, "3000").with_capture_id(&capture_id);
    assert_eq!(merchant.call(&rest).await.code(), "REFUND_IN_PROCESS");
    let state = sandbox.payment(&payment_id).unwrap();
    assert_eq!(
        (state.refunded.value(), state.refundable.value()),
        ("2000", "0")
    );
    let kinds: Vec<_> = state
        .transactions
        .iter()
        .map(|t| t.transaction_type.as_str())
        .collect();
    assert_eq!(kinds, ["CAPTURE", "REFUND", "REFUND"]);
    assert_eq!(state.transactions[2].transaction_status, "PROCESSING");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refund_rules_and_their_codes() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = paid(&sandbox, &merchant, "rr-1", "ALIPAY_CN", "1000").await;
    let waiting = merchant
        .pay(&pay_request("rr-2", "ALIPAY_CN", "1000"))
        .await;
    let eur = Amount::from_minor_units_str("EUR", "100").unwrap();
    let cases = [
        (
            refund_request("x-1", "no-such-payment", "1"),
            "ORDER_NOT_EXIST",
        ),
        (
            RefundRequest::new("x-2", &payment_id, eur),
            "CURRENCY_NOT_SUPPORT",
        ),
        (refund_request("x-3", &waiting, "1"), "ORDER_STATUS_INVALID"),
        (refund_request("x-4", &payment_id, "0"), "PARAM_ILLEGAL"),
        (
            refund_request("x-5", &payment_id, "1001"),
            "REFUND_AMOUNT_EXCEED",
        ),
        (
            refund_request("x-6", &payment_id, "1").with_capture_id("no-such-capture"),
            "PARAM_ILLEGAL",
        ),
        (
            refund_request("x-7", &payment_id, "1").with_refund_notify_url("not a url"),
            "PARAM_ILLEGAL",
        ),
    ];
    for (request, code) in cases {
        let reply = merchant.call(&request).await;
        assert_eq!(
            (reply.status_letter(), reply.code()),
            ("F".into(), code.into())
        );
    }
    // Unknown refunds are not found, never "failed".
    let reply = merchant
        .call(&InquiryRefundRequest::new().with_refund_request_id("x-1"))
        .await;
    assert_eq!(reply.code(), "ORDER_NOT_EXIST");

    // A year later the window is over.
    sandbox.advance_clock(Duration::from_secs(366 * 24 * 3600));
    let late = refund_request("x-8", &payment_id, "1");
    assert_eq!(merchant.call(&late).await.code(), "REFUND_WINDOW_EXCEED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failing_asynchronous_refund_is_notified_f_and_frees_its_amount() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = paid(&sandbox, &merchant, "f-1", "CARD", "800").await;
    sandbox
        .arm_fault::<RefundRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let failing = refund_request("fr-1", &payment_id, "800").with_refund_notify_url(&endpoint.url);
    assert_eq!(merchant.call(&failing).await.code(), "REFUND_IN_PROCESS");
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyRefund").await;
    assert_eq!(log[0].result_status.as_deref(), Some("F"));
    let notified = &of_type(&endpoint.received(), "REFUND_RESULT")[0];
    assert_eq!(notified["refundStatus"], "FAIL");
    assert_eq!(notified["result"]["resultCode"], "PROCESS_FAIL");
    assert_eq!(merchant.call(&failing).await.code(), "PROCESS_FAIL");
    let retry = refund_request("fr-2", &payment_id, "800");
    assert_eq!(merchant.call(&retry).await.code(), "REFUND_IN_PROCESS");

    // Synchronous: F at once, nothing to notify.
    let wallet = paid(&sandbox, &merchant, "f-2", "GCASH", "800").await;
    sandbox
        .arm_fault::<RefundRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let sync = refund_request("fr-3", &wallet, "800");
    assert_eq!(merchant.call(&sync).await.code(), "PROCESS_FAIL");
    assert_eq!(sandbox.payment(&wallet).unwrap().refundable.value(), "800");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn concurrent_refunds_never_exceed_what_was_captured() {
    for method in ["ALIPAY_CN", "CARD"] {
        let sandbox = slow().await;
        let merchant = std::sync::Arc::new(Merchant::new(&sandbox));
        let payment_id = paid(&sandbox, &merchant, "cc-1", method, "100").await;
        let mut tasks = Vec::new();
        for i in 0..25 {
            let merchant = std::sync::Arc::clone(&merchant);
            let request = refund_request(&format!("cr-{i}"), &payment_id, "10");
            tasks.push(tokio::spawn(
                async move { merchant.call(&request).await.code() },
            ));
        }
        let mut accepted = 0;
        for task in tasks {
            match task.await.unwrap().as_str() {
                "SUCCESS" | "REFUND_IN_PROCESS" => accepted += 1,
                "REFUND_AMOUNT_EXCEED" => {}
                other => panic!("{method}: unexpected {other}"),
            }
        }
        assert_eq!(accepted, 10, "{method}");
        sandbox.advance_clock(Duration::from_secs(300));
        let state = sandbox.payment(&payment_id).unwrap();
        assert_eq!(state.refunded.value(), "100", "{method}");
        assert_eq!(state.refunds.len(), 10);
        sandbox.shutdown().await;
    }
}

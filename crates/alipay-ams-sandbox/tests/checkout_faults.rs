//! Faults on every checkout API, and on notifyPayment and notifyRefund:
//! U faults perform nothing (a retry with the same key can succeed), lost
//! replies were performed (a retry gets the original answer), in_process
//! answers each API's own code, process_fail fails at the processor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::Duration;

use alipay_ams_api::models::{Env, ProductCodeType, TerminalType};
use alipay_ams_api::payments::{
    CancelRequest, ConsultRequest, CreatePaymentSessionRequest, InquiryPaymentRequest,
    InquiryRefundRequest, PayRequest, PaymentNotification, RefundNotification, RefundRequest,
};
use alipay_ams_sandbox::{BuyerAction, Error, Fault, NotificationFault, PaymentStatus};
use common::*;

#[tokio::test]
async fn u_faults_on_pay_create_nothing_and_a_retry_creates_it() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let request = pay_request("fu-1", "ALIPAY_CN", "100");
    for (fault, code) in [
        (Fault::UnknownException, "UNKNOWN_EXCEPTION"),
        (Fault::InProcess, "PAYMENT_IN_PROCESS"),
    ] {
        sandbox.arm_fault::<PayRequest>(fault, 1).unwrap();
        let reply = merchant.call(&request).await;
        assert_eq!(
            (reply.status_letter(), reply.code()),
            ("U".into(), code.into())
        );
        assert_eq!(
            reply.json().as_object().unwrap().len(),
            1,
            "result alone: {fault}"
        );
        let inquiry = merchant
            .call(&InquiryPaymentRequest::new().with_payment_request_id("fu-1"))
            .await;
        assert_eq!(
            inquiry.code(),
            "ORDER_NOT_EXIST",
            "{fault}: nothing created"
        );
    }
    merchant.pay(&request).await;
    assert_eq!(sandbox.payments().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn in_process_answers_each_apis_own_code_and_is_refused_where_there_is_none() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&pay_request("fi-1", "ALIPAY_CN", "100")).await;
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    sandbox
        .arm_fault::<RefundRequest>(Fault::InProcess, 1)
        .unwrap();
    let refund = refund_request("fi-r", &payment_id, "100");
    let reply = merchant.call(&refund).await;
    assert_eq!(
        (reply.status_letter(), reply.code()),
        ("U".into(), "REFUND_IN_PROCESS".into())
    );
    assert!(sandbox.refunds().is_empty(), "nothing refunded");
    assert_eq!(
        merchant.call(&refund).await.code(),
        "SUCCESS",
        "the retry refunds"
    );

    let err = sandbox
        .arm_fault::<CancelRequest>(Fault::InProcess, 1)
        .unwrap_err();
    assert!(
        matches!(err, Error::FaultNotApplicable { api: "cancel", .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("unknown_exception") && text.contains("REFUND_IN_PROCESS"),
        "{text}"
    );
    assert_eq!(sandbox.armed_faults::<CancelRequest>(), 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn lost_replies_on_money_movements_were_performed_once() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let pay = pay_request("fl-1", "ALIPAY_CN", "900");
    sandbox
        .arm_fault::<PayRequest>(Fault::DropConnection, 1)
        .unwrap();
    let body = serde_json::to_vec(&pay).unwrap();
    assert!(
        merchant
            .post("/ams/sandbox/api/v1/payments/pay", &body)
            .await
            .is_err()
    );
    let payment_id = merchant.pay(&pay).await;
    assert_eq!(sandbox.payments().len(), 1, "created once");
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();

    let refund = refund_request("fl-r", &payment_id, "900");
    sandbox
        .arm_fault::<RefundRequest>(Fault::Http500, 1)
        .unwrap();
    assert_eq!(merchant.call(&refund).await.status, 500);
    let retried = merchant.call(&refund).await;
    assert_eq!(retried.code(), "SUCCESS");
    assert_eq!(sandbox.refunds().len(), 1, "refunded once");

    let cancel = CancelRequest::new().with_payment_id(&payment_id);
    sandbox
        .arm_fault::<CancelRequest>(Fault::Unsigned, 1)
        .unwrap();
    let unsigned = merchant
        .post(
            "/ams/sandbox/api/v1/payments/cancel",
            &serde_json::to_vec(&cancel).unwrap(),
        )
        .await
        .unwrap();
    assert!(!unsigned.is_signed());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn process_fail_on_pay_is_a_failed_payment_notified_f() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    sandbox
        .arm_fault::<PayRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let request = pay_request("fp-1", "CARD", "100").with_payment_notify_url(&endpoint.url);
    let reply = merchant.call(&request).await;
    assert_eq!(
        (reply.status_letter(), reply.code()),
        ("F".into(), "PROCESS_FAIL".into())
    );
    let state = sandbox.payment_by_request_id("fp-1").unwrap();
    assert_eq!(state.status, PaymentStatus::Failed);
    let log = acknowledged(&sandbox, 1, |a| a.kind == "notifyPayment").await;
    assert_eq!(log[0].result_status.as_deref(), Some("F"));
    assert_eq!(
        merchant.call(&request).await.code(),
        "PROCESS_FAIL",
        "final"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reads_answer_their_faults_and_change_nothing() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&pay_request("fr-1", "ALIPAY_CN", "100")).await;
    let env = Env::new().with_terminal_type(TerminalType::Web);
    let consult = ConsultRequest::new(ProductCodeType::CashierPayment, usd("100"), env);
    let inquiry = InquiryPaymentRequest::new().with_payment_id(&payment_id);
    let refund_inquiry = InquiryRefundRequest::new().with_refund_id("none");
    let session = CreatePaymentSessionRequest::new(
        ProductCodeType::CashierPayment,
        "fr-s",
        alipay_ams_api::models::Order::new(),
        usd("100"),
        REDIRECT,
    );
    sandbox
        .arm_fault::<ConsultRequest>(Fault::UnknownException, 1)
        .unwrap();
    assert_eq!(merchant.call(&consult).await.code(), "UNKNOWN_EXCEPTION");
    assert_eq!(merchant.call(&consult).await.code(), "SUCCESS");
    sandbox
        .arm_fault::<InquiryPaymentRequest>(Fault::ProcessFail, 1)
        .unwrap();
    assert_eq!(merchant.call(&inquiry).await.code(), "PROCESS_FAIL");
    sandbox
        .arm_fault::<InquiryRefundRequest>(Fault::BadSignature, 1)
        .unwrap();
    let tampered = merchant
        .post(
            "/ams/sandbox/api/v1/payments/inquiryRefund",
            &serde_json::to_vec(&refund_inquiry).unwrap(),
        )
        .await
        .unwrap();
    assert!(!tampered.verifies("/ams/sandbox/api/v1/payments/inquiryRefund"));
    sandbox
        .arm_fault::<CreatePaymentSessionRequest>(Fault::ProcessFail, 1)
        .unwrap();
    assert_eq!(merchant.call(&session).await.code(), "PROCESS_FAIL");
    assert!(sandbox.payment_by_request_id("fr-s").is_none());
    sandbox
        .arm_fault::<CancelRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let cancel = CancelRequest::new().with_payment_id(&payment_id);
    assert_eq!(merchant.call(&cancel).await.code(), "PROCESS_FAIL");
    assert_eq!(
        sandbox.payment(&payment_id).unwrap().status,
        PaymentStatus::AwaitingBuyer
    );
    assert_eq!(merchant.call(&cancel).await.code(), "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn notification_faults_on_notify_payment_and_notify_refund() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    sandbox
        .arm_notification_fault::<PaymentNotification>(
            NotificationFault::Duplicate(Duration::ZERO),
            1,
        )
        .unwrap();
    sandbox
        .arm_notification_fault::<RefundNotification>(NotificationFault::LostAck, 1)
        .unwrap();
    let request = pay_request("fn-1", "CARD", "100").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&request).await;
    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let twice = acknowledged(&sandbox, 2, |a| a.kind == "notifyPayment").await;
    assert_eq!(twice[0].dedup_key, twice[1].dedup_key);
    assert_ne!(twice[0].delivery, twice[1].delivery);

    let refund = refund_request("fn-r", &payment_id, "100").with_refund_notify_url(&endpoint.url);
    assert_eq!(merchant.call(&refund).await.code(), "REFUND_IN_PROCESS");
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter()
                .filter(|a| a.kind == "notifyRefund" && a.acknowledged)
                .count()
                >= 2
        })
        .await
        .unwrap();
    let refunds: Vec<_> = log.iter().filter(|a| a.kind == "notifyRefund").collect();
    assert_eq!(refunds[0].fault.as_deref(), Some("lost_ack"));
    assert_eq!(
        refunds[1].attempt, 2,
        "redelivered after the lost acknowledgement"
    );
    sandbox.shutdown().await;
}

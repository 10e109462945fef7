//! Helpers for the checkout tests: requests built with the generated
//! types, sent signed to the sandbox path of their API, replies checked to
//! be signed; the buyer over the control API.

use std::time::Duration;

use alipay_ams_api::models::{
    Env, Order, PaymentFactor, PaymentMethod, ProductCodeType, TerminalType,
};
use alipay_ams_api::payments::{PayRequest, RefundRequest};
use alipay_ams_core::ApiRequest;
use alipay_ams_core::protocol::Environment;
use alipay_ams_sandbox::{DeliveryAttempt, Sandbox};

use super::{Merchant, Received, Reply, send, usd};

/// Where the buyer returns to.
pub const REDIRECT: &str = "https://shop.example/orders/1";

/// A cashier `pay` of `value` USD cents with `method`, with an order.
pub fn pay_request(id: &str, method: &str, value: &str) -> PayRequest {
    let order = Order::new()
        .with_reference_order_id(format!("order-{id}"))
        .with_order_description("Two cups of coffee")
        .with_order_amount(usd(value))
        .with_merchant(
            alipay_ams_api::models::Merchant::new().with_merchant_name("Sandbox Coffee"),
        );
    PayRequest::new(
        ProductCodeType::CashierPayment,
        id,
        PaymentMethod::new().with_payment_method_type(method),
        REDIRECT,
        Env::new().with_terminal_type(TerminalType::Web),
    )
    .with_payment_amount(usd(value))
    .with_order(order)
}

/// A card `pay`, with `captureMode` MANUAL or AUTOMATIC.
pub fn card_request(id: &str, value: &str, capture_mode: &str) -> PayRequest {
    pay_request(id, "CARD", value).with_payment_factor(
        PaymentFactor::new()
            .with_is_authorization(true)
            .with_capture_mode(capture_mode),
    )
}

/// A refund.
pub fn refund_request(id: &str, payment_id: &str, value: &str) -> RefundRequest {
    RefundRequest::new(id, payment_id, usd(value))
}

impl Merchant {
    /// Signs and posts `request` to its API's sandbox path; checks that an
    /// HTTP 200 reply is signed over that path.
    pub async fn call<A: ApiRequest>(&self, request: &A) -> Reply {
        self.call_at(&Environment::Sandbox.path(A::PATH), request)
            .await
    }

    /// The same at a given path (the production form).
    pub async fn call_at<A: ApiRequest>(&self, path: &str, request: &A) -> Reply {
        let body = serde_json::to_vec(request).unwrap();
        let reply = self.post(path, &body).await.unwrap();
        if reply.status == 200 {
            assert!(
                reply.verifies(path),
                "{} reply is not signed: {:?}",
                A::NAME,
                reply.body
            );
        }
        reply
    }

    /// `pay`, which must answer U PAYMENT_IN_PROCESS: the paymentId.
    pub async fn pay(&self, request: &PayRequest) -> String {
        let reply = self.call(request).await;
        assert_eq!(
            (reply.status_letter().as_str(), reply.code().as_str()),
            ("U", "PAYMENT_IN_PROCESS"),
            "{:?}",
            reply.body
        );
        reply.json()["paymentId"].as_str().unwrap().to_owned()
    }
}

/// The buyer's action over the control API.
pub async fn buyer(sandbox: &Sandbox, payment_id: &str, body: &str) -> Reply {
    send(
        sandbox.addr(),
        "POST",
        &format!("/sandbox/payments/{payment_id}/buyer"),
        &[("content-type", "application/json".to_owned())],
        body.as_bytes().to_vec(),
    )
    .await
    .unwrap()
}

/// The payment's state over the control API.
pub async fn state(sandbox: &Sandbox, payment_id: &str) -> serde_json::Value {
    let reply = send(
        sandbox.addr(),
        "GET",
        &format!("/sandbox/payments/{payment_id}"),
        &[],
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.json()
}

/// How long a test waits for something asynchronous, at most.
pub const WAIT: Duration = Duration::from_secs(10);

/// Waits for `count` acknowledged deliveries matching `which`.
pub async fn acknowledged(
    sandbox: &Sandbox,
    count: usize,
    which: impl Fn(&DeliveryAttempt) -> bool,
) -> Vec<DeliveryAttempt> {
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter().filter(|a| a.acknowledged && which(a)).count() >= count
        })
        .await
        .unwrap_or_else(|log| panic!("not acknowledged in time: {log:#?}"));
    log.into_iter()
        .filter(|a| a.acknowledged && which(a))
        .collect()
}

/// The notifications an endpoint received, parsed, with their `notifyType`.
pub fn bodies(received: &[Received]) -> Vec<serde_json::Value> {
    received
        .iter()
        .map(|r| {
            assert!(r.verified, "every notification verifies");
            serde_json::from_slice(&r.body).unwrap()
        })
        .collect()
}

/// The bodies of the given `notifyType`.
pub fn of_type(received: &[Received], notify_type: &str) -> Vec<serde_json::Value> {
    bodies(received)
        .into_iter()
        .filter(|b| b["notifyType"] == notify_type)
        .collect()
}

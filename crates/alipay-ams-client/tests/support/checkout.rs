//! The fake gateway playing the checkout: a reply script per API (by the
//! last segment of the path), and answers shaped like Alipay's, echoing
//! what the request sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alipay_ams_api::models::{Order, TerminalType};
use alipay_ams_api::payments::{CancelRequest, PayRequest, RefundRequest};
use alipay_ams_core::Amount;
use serde_json::{Value, json};

use super::{FakeAlipay, Recorded, Reply};

type Route = Box<dyn Fn(usize, &Recorded) -> Reply + Send + Sync>;

/// Replies per API; each script gets how many calls of its API came before.
#[derive(Default)]
pub struct Routes {
    routes: Vec<(&'static str, Route, AtomicUsize)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers calls of `api` (`pay`, `inquiryPayment`, ...).
    pub fn on(
        mut self,
        api: &'static str,
        reply: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        self.routes
            .push((api, Box::new(reply), AtomicUsize::new(0)));
        self
    }
}

impl FakeAlipay {
    /// A gateway that answers each API by its route; any other API gets an
    /// unsigned 404.
    pub async fn routes(routes: Routes) -> Self {
        let routes = Arc::new(routes);
        Self::start(move |_, req| {
            let api = req.path.rsplit('/').next().unwrap_or_default();
            match routes.routes.iter().find(|(name, _, _)| *name == api) {
                Some((_, reply, count)) => reply(count.fetch_add(1, Ordering::SeqCst), req),
                None => Reply::unsigned(r#"{"error":"no route"}"#).status(404),
            }
        })
        .await
    }
}

impl FakeAlipay {
    /// The requests sent to one API.
    pub fn calls(&self, api: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.rsplit('/').next() == Some(api))
            .collect()
    }
}

pub fn result(status: &str, code: &str) -> Value {
    json!({"resultStatus": status, "resultCode": code, "resultMessage": code.to_lowercase()})
}

/// A refusal with nothing else.
pub fn refusal(code: &str) -> Reply {
    Reply::signed(&json!({"result": result("F", code)}).to_string())
}

/// Antom's payment id for a paymentRequestId (stable, so that inquiries can
/// echo it).
pub fn payment_id_of(payment_request_id: &str) -> String {
    format!("2026{:0>16}", payment_request_id.len())
}

/// A pay answer: the request's ids and amount echoed, `extra` merged in.
pub fn pay_answer(req: &Recorded, status: &str, code: &str, extra: Value) -> Reply {
    let sent = req.json();
    let id = sent["paymentRequestId"].as_str().unwrap();
    let mut body = json!({
        "result": result(status, code),
        "paymentRequestId": id,
        "paymentId": payment_id_of(id),
        "paymentAmount": sent["paymentAmount"],
        "paymentCreateTime": "2026-11-25T10:00:00+08:00",
    });
    merge(&mut body, extra);
    Reply::signed(&body.to_string())
}

/// An inquiryPayment answer for the payment the request names.
pub fn inquiry_payment(req: &Recorded, status: &str, transactions: Value) -> Reply {
    let sent = req.json();
    let request_id = sent["paymentRequestId"]
        .as_str()
        .unwrap_or("pay-1")
        .to_owned();
    let payment_id = sent["paymentId"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| payment_id_of(&request_id));
    let body = json!({
        "result": result("S", "SUCCESS"),
        "paymentStatus": status,
        "paymentRequestId": request_id,
        "paymentId": payment_id,
        "paymentAmount": {"currency": "USD", "value": "1000"},
        "paymentResultCode": if status == "FAIL" { "USER_BALANCE_NOT_ENOUGH" } else { "SUCCESS" },
        "transactions": transactions,
    });
    Reply::signed(&body.to_string())
}

/// One transaction of inquiryPayment's `transactions`.
pub fn transaction(kind: &str, status: &str, request_id: &str) -> Value {
    let result = match status {
        "SUCCESS" => result("S", "SUCCESS"),
        "FAIL" => result("F", "PROCESS_FAIL"),
        _ => result("U", "PAYMENT_IN_PROCESS"),
    };
    json!({
        "transactionType": kind,
        "transactionStatus": status,
        "transactionRequestId": request_id,
        "transactionId": format!("T-{request_id}"),
        "transactionAmount": {"currency": "USD", "value": "1000"},
        "transactionResult": result,
    })
}

/// An inquiryRefund answer for the refund the request names.
pub fn inquiry_refund(req: &Recorded, status: &str) -> Reply {
    let sent = req.json();
    let body = json!({
        "result": result("S", "SUCCESS"),
        "refundStatus": status,
        "refundRequestId": sent["refundRequestId"],
        "refundId": "R-1",
        "refundAmount": {"currency": "USD", "value": "300"},
    });
    Reply::signed(&body.to_string())
}

/// A refund answer echoing the request.
pub fn refund_answer(req: &Recorded, status: &str, code: &str) -> Reply {
    let sent = req.json();
    let body = json!({
        "result": result(status, code),
        "refundRequestId": sent["refundRequestId"],
        "refundId": "R-1",
        "paymentId": sent["paymentId"],
        "refundAmount": sent["refundAmount"],
    });
    Reply::signed(&body.to_string())
}

/// A cancel answer echoing the request.
pub fn cancel_answer(req: &Recorded) -> Reply {
    let sent = req.json();
    let request_id = sent["paymentRequestId"].as_str().unwrap_or("pay-1");
    let body = json!({
        "result": result("S", "SUCCESS"),
        "paymentRequestId": request_id,
        "paymentId": sent["paymentId"].as_str().map(str::to_owned).unwrap_or_else(|| payment_id_of(request_id)),
        "cancelTime": "2026-11-25T10:05:00+08:00",
    });
    Reply::signed(&body.to_string())
}

fn merge(body: &mut Value, extra: Value) {
    if let (Value::Object(body), Value::Object(extra)) = (body, extra) {
        body.extend(extra);
    }
}

pub fn order() -> Order {
    Order::checkout(
        "order-1001",
        "Two concert tickets",
        Amount::from_minor_units("USD", 1000).unwrap(),
    )
}

pub fn wallet_pay(id: &str) -> PayRequest {
    PayRequest::cashier(
        id,
        order(),
        "ALIPAY_HK",
        "https://shop.example/return",
        TerminalType::Web,
    )
    .with_payment_notify_url("https://shop.example/alipay/notify")
}

pub fn card_pay(id: &str) -> PayRequest {
    PayRequest::card_authorization(
        id,
        order(),
        "https://shop.example/return",
        TerminalType::Web,
    )
}

pub fn refund(id: &str) -> RefundRequest {
    RefundRequest::new(
        id,
        "PAYMENT-1",
        Amount::from_minor_units("USD", 300).unwrap(),
    )
}

pub fn cancel(payment_id: &str) -> CancelRequest {
    CancelRequest::new().with_payment_id(payment_id)
}

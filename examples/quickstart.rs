//! The whole checkout on this machine, no Alipay account needed:
//!
//! 1. a local sandbox gateway stands in for Alipay;
//! 2. a merchant web app (axum) mounts the notification endpoint;
//! 3. `pay`: a card authorization with manual capture; Alipay answers
//!    "waiting for the buyer" with the page to send the buyer to;
//! 4. the buyer pays (here: the sandbox's control API plays the buyer);
//! 5. notifyPayment arrives: authorized;
//! 6. `capture`, then notifyCapture;
//! 7. a partial `refund`, processed asynchronously, then notifyRefund;
//! 8. `inquiryPayment` shows the payment and every transaction.
//!
//! Every request is signed, every reply and notification is verified before
//! it is read. Run it with `cargo run --example quickstart`; it uses the
//! sandbox's built-in TEST-ONLY keys. See the README for real keys and a real
//! gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use alipay_ams::client::checkout::{
    BuyerAction, CaptureEvent, CaptureOutcome, PayOutcome, PaymentEvent, RefundEvent, RefundOutcome,
};
use alipay_ams::models::{Order, TerminalType};
use alipay_ams::notify::{HandlerError, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::{
    CaptureNotification, CaptureRequest, InquiryPaymentRequest, PayRequest, PaymentNotification,
    RefundNotification, RefundRequest,
};
use alipay_ams::sandbox::{self, Sandbox, SandboxExt};
use alipay_ams::{Amount, ApiRequest};
use tokio::sync::mpsc;

const NOTIFY_PATH: &str = "/alipay/notify";

/// The merchant's notification handler: hands each verified notification to
/// the quickstart's main task, as a line to print. A real one would update
/// the order in its database (deduplicating on `meta.dedup_key()`).
#[derive(Clone)]
struct Orders {
    received: mpsc::UnboundedSender<String>,
}

impl Orders {
    fn record(&self, line: String) -> Result<(), HandlerError> {
        self.received
            .send(line)
            .map_err(|_| HandlerError::new("the order store is closed"))
    }
}

impl NotifyHandler<PaymentNotification> for Orders {
    async fn handle(&self, n: PaymentNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let what = match n.event() {
            PaymentEvent::Succeeded => "authorized (PAYMENT_RESULT S)".to_owned(),
            PaymentEvent::Pending => "pending, not final (PAYMENT_PENDING)".to_owned(),
            PaymentEvent::Failed(result) => format!("failed: {}", result.result_code),
            other => format!("{other:?}"),
        };
        self.record(format!(
            "notifyPayment: {what} [dedup key {}]",
            meta.dedup_key()
        ))
    }
}

impl NotifyHandler<CaptureNotification> for Orders {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let what = match n.event() {
            CaptureEvent::Captured => format!("captured {}", money(&n.capture_amount)),
            other => format!("{other:?}"),
        };
        self.record(format!(
            "notifyCapture: {what} [dedup key {}]",
            meta.dedup_key()
        ))
    }
}

impl NotifyHandler<RefundNotification> for Orders {
    async fn handle(&self, n: RefundNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let what = match n.event() {
            RefundEvent::Refunded => format!("refunded {}", money(&n.refund_amount)),
            other => format!("{other:?}"),
        };
        self.record(format!(
            "notifyRefund: {what} [dedup key {}]",
            meta.dedup_key()
        ))
    }
}

fn money(amount: &Amount) -> String {
    format!(
        "{} {}",
        amount.currency(),
        amount
            .to_decimal()
            .unwrap_or_else(|_| amount.value().to_owned())
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(summary) => {
            println!("\n{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nquickstart FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for the next notification line.
async fn next(notifications: &mut mpsc::UnboundedReceiver<String>) -> Result<String, String> {
    tokio::time::timeout(Duration::from_secs(10), notifications.recv())
        .await
        .map_err(|_| "no notification arrived within 10 s".to_owned())?
        .ok_or_else(|| "the notify endpoint stopped".to_owned())
}

async fn run() -> Result<String, Box<dyn std::error::Error>> {
    println!(
        "alipay-ams quickstart: pay, capture and refund a card payment, with every notification\n"
    );

    // 1. The local stand-in for Alipay's gateway.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.01)
        .start()
        .await?;
    println!(
        "1. sandbox gateway (plays Alipay)     {}",
        sandbox.base_url()
    );

    // 2. The merchant's app, with the notification endpoint mounted in axum:
    //    one route per notification kind.
    let (received, mut notifications) = mpsc::unbounded_channel();
    let orders = Orders { received };
    let notify = NotifyService::builder(sandbox.notify_config())
        .on::<PaymentNotification>(orders.clone())
        .on::<CaptureNotification>(orders.clone())
        .on::<RefundNotification>(orders)
        .build()?;
    let app = axum::Router::new().route_service(NOTIFY_PATH, notify);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("2. merchant notify endpoint (axum)    {notify_url}");

    // 3. pay: a card authorization of USD 100.00, captured by the merchant.
    let client = sandbox.client_builder().build()?;
    let stamp = alipay_ams::signing::time::epoch_millis(SystemTime::now());
    let total = Amount::from_decimal("USD", "100.00")?;
    let order = Order::checkout(
        format!("order-{stamp}"),
        "Two concert tickets",
        total.clone(),
    );
    let pay = PayRequest::card_authorization(
        format!("pay-{stamp}"),
        order,
        "https://shop.example/orders/return",
        TerminalType::Web,
    )
    .with_payment_notify_url(&notify_url);
    println!(
        "3. pay                                POST {} (client id {}, signed RSA256)",
        client.path_for(PayRequest::PATH),
        client.client_id()
    );
    let waiting = match client.checkout(&pay).await? {
        PayOutcome::WaitingForBuyer(waiting) => waiting,
        other => return Err(format!("expected to wait for the buyer, got {other:?}").into()),
    };
    let payment_id = waiting.payment_id.clone();
    let page = match waiting.buyer_actions().first() {
        Some(BuyerAction::OpenUrl(url)) => (*url).to_owned(),
        other => return Err(format!("expected a page for the buyer, got {other:?}").into()),
    };
    println!("   reply (signature verified)         U PAYMENT_IN_PROCESS: waiting for the buyer");
    println!("   send the buyer to                  {page}");

    // 4. The buyer pays on that page (here the sandbox's control API plays
    //    the buyer; `cargo run --example shop` does it in a browser).
    sandbox.buyer(&payment_id, sandbox::BuyerAction::Pay)?;
    println!("4. the buyer paid                     paymentId {payment_id}");

    // 5. Alipay tells the merchant, signed.
    println!("5. {}", next(&mut notifications).await?);

    // 6. capture the authorized amount.
    let capture = CaptureRequest::new(format!("capture-{stamp}"), &payment_id, total.clone());
    let captured = match client.checkout(&capture).await? {
        CaptureOutcome::Captured(captured) => captured,
        CaptureOutcome::Failed(refused) => {
            return Err(format!("capture refused: {refused:?}").into());
        }
    };
    println!(
        "6. capture                            S: captureId {} for {}",
        captured.capture_id,
        money(&captured.capture_amount)
    );
    println!("   {}", next(&mut notifications).await?);

    // 7. A partial refund: a card refund finishes asynchronously.
    let refund_amount = Amount::from_decimal("USD", "30.00")?;
    let refund = RefundRequest::new(format!("refund-{stamp}"), &payment_id, refund_amount)
        .with_refund_notify_url(&notify_url);
    match client.checkout(&refund).await? {
        RefundOutcome::Processing(_) => {
            println!(
                "7. refund USD 30.00                   U REFUND_IN_PROCESS: accepted, the result comes by notifyRefund"
            )
        }
        RefundOutcome::Refunded(_) => {
            println!("7. refund USD 30.00                   S: refunded at once")
        }
        other => return Err(format!("refund refused: {other:?}").into()),
    }
    println!("   {}", next(&mut notifications).await?);

    // 8. inquiryPayment: the payment and every transaction, as Alipay sees it.
    let inquiry = InquiryPaymentRequest::new().with_payment_id(&payment_id);
    let payment = client.checkout(&inquiry).await?;
    println!(
        "8. inquiryPayment                     {:?}",
        payment.state()
    );
    for transaction in payment.transactions.iter().flatten() {
        println!(
            "   transaction                        {} {} {} {}",
            transaction
                .transaction_type
                .as_ref()
                .map_or("?", |t| t.as_str()),
            transaction.transaction_request_id.as_deref().unwrap_or("-"),
            transaction
                .transaction_amount
                .as_ref()
                .map_or_else(String::new, money),
            transaction
                .transaction_status
                .as_ref()
                .map_or("?", |s| s.as_str()),
        );
    }
    let refund_seen = payment.refund(&refund.refund_request_id).is_some();
    let capture_seen = payment.capture(&capture.capture_request_id).is_some();
    if !(refund_seen && capture_seen) {
        return Err("inquiryPayment does not show the capture and the refund".into());
    }

    sandbox.shutdown().await;
    Ok(format!(
        "quickstart OK: paid {}, captured it, refunded USD 30.00 (paymentId {payment_id}); every reply and notification was verified",
        money(&total)
    ))
}

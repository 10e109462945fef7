//! The whole journey on this machine, no Alipay account needed:
//!
//! 1. a local sandbox gateway stands in for Alipay;
//! 2. a merchant web app (axum) mounts the notification endpoint;
//! 3. an authorized payment is created in the sandbox;
//! 4. the client captures it: signed request, verified response;
//! 5. Alipay (the sandbox) posts notifyCapture; the endpoint verifies it.
//!
//! Run it with `cargo run --example quickstart`. It uses the sandbox's
//! built-in TEST-ONLY keys; see the README for real keys and a real gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::process::ExitCode;
use std::time::Duration;

use alipay_ams::notify::{HandlerError, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::{CaptureNotification, CaptureRequest};
use alipay_ams::sandbox::{CreatePayment, Sandbox, SandboxExt};
use alipay_ams::{Amount, ApiRequest};
use tokio::sync::mpsc;

const NOTIFY_PATH: &str = "/alipay/notify";

/// The merchant's notification handler: hands each verified notification to
/// the quickstart's main task. A real one would update the order in its database.
struct Orders {
    received: mpsc::UnboundedSender<(CaptureNotification, String)>,
}

impl NotifyHandler<CaptureNotification> for Orders {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        self.received
            .send((n, meta.dedup_key().to_string()))
            .map_err(|_| HandlerError::new("the order store is closed"))
    }
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

async fn run() -> Result<String, Box<dyn std::error::Error>> {
    println!("alipay-ams quickstart: capture an authorized payment and receive notifyCapture\n");

    // 1. The local stand-in for Alipay's gateway.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.01)
        .start()
        .await?;
    println!(
        "1. sandbox gateway (plays Alipay)     {}",
        sandbox.base_url()
    );

    // 2. The merchant's app, with the notification endpoint mounted in axum.
    let (received, mut notifications) = mpsc::unbounded_channel();
    let notify = NotifyService::builder(sandbox.notify_config())
        .on::<CaptureNotification>(Orders { received })
        .build()?;
    let app = axum::Router::new().route_service(NOTIFY_PATH, notify);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("2. merchant notify endpoint (axum)    {notify_url}");

    // 3. An authorized payment of USD 100.00 waiting to be captured.
    let authorized = Amount::from_decimal("USD", "100.00")?;
    let payment =
        sandbox.create_payment(CreatePayment::new(authorized.clone()).notify_url(&notify_url))?;
    println!(
        "3. authorized payment                 paymentId {} for {} {}",
        payment.payment_id,
        authorized.currency(),
        authorized.to_decimal()?
    );

    // 4. Capture it with the client.
    let client = sandbox.client_builder().build()?;
    let capture_request_id = format!(
        "quickstart-{}",
        alipay_ams::signing::time::epoch_millis(std::time::SystemTime::now())
    );
    let request = CaptureRequest::new(&capture_request_id, &payment.payment_id, authorized.clone());
    println!(
        "4. capture                            POST {} (client id {}, signed RSA256)",
        client.path_for(CaptureRequest::PATH),
        client.client_id()
    );
    println!(
        "   request body                       {}",
        serde_json::to_string(&request)?
    );
    let captured = client.execute(&request).await?;
    let capture_id = captured.capture_id.clone();
    println!(
        "   response (signature verified)      {} {}: captureId {capture_id}",
        captured.result.result_status, captured.result.result_code
    );

    // 5. Alipay posts notifyCapture to the merchant; the endpoint verified it
    //    before the handler ever saw it.
    let (notification, key) = tokio::time::timeout(Duration::from_secs(10), notifications.recv())
        .await
        .map_err(|_| "no notifyCapture arrived within 10 s")?
        .ok_or("the notify endpoint stopped")?;
    println!(
        "5. notifyCapture received             {} {} for captureId {} (signature verified, dedup key {key})",
        notification.result.result_status, notification.result.result_code, notification.capture_id
    );
    if notification.capture_id != capture_id
        || notification.capture_request_id != capture_request_id
    {
        return Err("the notification does not match the capture".into());
    }
    let acknowledged = sandbox
        .wait_for_deliveries(Duration::from_secs(5), |log| {
            log.iter().any(|d| d.acknowledged)
        })
        .await
        .map_err(|_| "the sandbox did not see the acknowledgement")?;
    println!(
        "   acknowledged                       after {} delivery attempt(s)",
        acknowledged.len()
    );

    sandbox.shutdown().await;
    Ok(format!(
        "quickstart OK: captured {} {} (captureId {capture_id}); notifyCapture arrived and its signature was verified",
        authorized.currency(),
        authorized.to_decimal()?
    ))
}

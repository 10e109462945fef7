//! The merchant side of the root journeys: a notify endpoint mounted in axum
//! and a client pointed at the sandbox, both on loopback.
// Each test file uses the parts it needs.
#![allow(dead_code)]

pub mod checkout;
pub mod hostile_cases;
pub mod hostile_endpoint;

use alipay_ams::client::ClientBuilder;
use alipay_ams::notify::{NotifyHandler, NotifyService};
use alipay_ams::payments::CaptureNotification;
use alipay_ams::sandbox::{Sandbox, SandboxExt};

/// Where the endpoint is mounted.
pub const NOTIFY_PATH: &str = "/alipay/notify";

/// Serves `handler` for notifyCapture behind a `NotifyService` for the
/// sandbox's client id and Alipay key, in axum on an ephemeral loopback
/// port; returns the notify URL.
pub async fn serve_notify<H: NotifyHandler<CaptureNotification>>(
    sandbox: &Sandbox,
    handler: H,
) -> String {
    let service = NotifyService::builder(sandbox.notify_config())
        .on::<CaptureNotification>(handler)
        .build()
        .unwrap();
    let app = axum::Router::new().route_service(NOTIFY_PATH, service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    notify_url
}

/// A client builder for the merchant, pointed at the sandbox; the caller adds
/// timeouts and the retry policy.
pub fn client_for(sandbox: &Sandbox) -> ClientBuilder {
    sandbox.client_builder()
}

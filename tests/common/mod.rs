//! The merchant side of the root journeys: a notify endpoint mounted in axum
//! and a client pointed at the sandbox, both on loopback.
// Each test file uses the parts it needs.
#![allow(dead_code)]

use alipay_ams::PrivateKey;
use alipay_ams::client::{ClientBuilder, Gateway};
use alipay_ams::notify::{NotifyConfig, NotifyHandler, NotifyService};
use alipay_ams_sandbox::SandboxHandle;

/// TEST-ONLY: the merchant key of `keys-example/`.
pub const MERCHANT_PRIVATE_KEY: &str = include_str!("../../keys-example/merchant/private_key.pem");

/// Where the endpoint is mounted.
pub const NOTIFY_PATH: &str = "/alipay/notify";

/// Serves `handler` behind a `NotifyService` for the sandbox's client id and
/// Alipay key, in axum on an ephemeral loopback port; returns the notify URL.
pub async fn serve_notify<H: NotifyHandler>(sandbox: &SandboxHandle, handler: H) -> String {
    let config = NotifyConfig::new(sandbox.client_id(), sandbox.alipay_public_key());
    let app = axum::Router::new().route_service(NOTIFY_PATH, NotifyService::new(config, handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    notify_url
}

/// A client builder for the merchant, pointed at the sandbox; the caller adds
/// timeouts and the retry policy.
pub fn client_for(sandbox: &SandboxHandle) -> ClientBuilder {
    alipay_ams::client::Client::builder()
        .client_id(sandbox.client_id())
        .private_key(PrivateKey::parse(MERCHANT_PRIVATE_KEY).unwrap())
        .alipay_public_key(sandbox.alipay_public_key())
        .gateway(Gateway::custom(sandbox.base_url()))
}

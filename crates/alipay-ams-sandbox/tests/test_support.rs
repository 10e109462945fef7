//! The test-support helpers: notifications signed as Alipay signs them, for
//! merchants' tests of their notify endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_core::{Message, ResultInfo, VerifyError};
use alipay_ams_sandbox::{
    NotificationError, example_keys, signed_notification, signed_notification_body,
};
use bytes::Bytes;
use common::*;
use http::Request;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

fn notification() -> CaptureNotification {
    CaptureNotification::new(
        ResultInfo::success(),
        "cr-1",
        "2026112500000001",
        "2026112500000002",
        usd("1000"),
    )
}

fn header<'a>(request: &'a Request<Bytes>, name: &str) -> &'a str {
    request.headers()[name].to_str().unwrap()
}

/// Verifies as the merchant's endpoint does: the path it was posted to, the
/// headers, the exact body, Alipay's public key.
fn verify(request: &Request<Bytes>, path: &str, body: &[u8]) -> Result<(), VerifyError> {
    Message::notification(
        path,
        header(request, "client-id"),
        header(request, "request-time"),
        body,
    )
    .verify(&alipay_public_key(), header(request, "signature"))
    .map(|_| ())
}

#[test]
fn a_signed_notification_verifies_with_core_and_nothing_else_does() {
    let n = notification();
    let request = signed_notification(
        &alipay_private_key(),
        example_keys::CLIENT_ID,
        "/alipay/notify",
        &n,
    )
    .unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri(), "/alipay/notify");
    assert_eq!(header(&request, "client-id"), example_keys::CLIENT_ID);
    assert_eq!(header(&request, "content-type"), "application/json");
    assert!(
        alipay_ams_core::time::parse_timestamp_millis(header(&request, "request-time")).is_some()
    );
    assert_eq!(request.body(), &serde_json::to_vec(&n).unwrap());
    let parsed: CaptureNotification = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(parsed, n);

    assert_eq!(verify(&request, "/alipay/notify", request.body()), Ok(()));
    assert_eq!(
        verify(&request, "/other/path", request.body()),
        Err(VerifyError::Mismatch),
        "signed over the notify path"
    );
    let mut tampered = request.body().to_vec();
    tampered.push(b' ');
    assert_eq!(
        verify(&request, "/alipay/notify", &tampered),
        Err(VerifyError::Mismatch),
        "signed over the exact bytes"
    );
}

#[test]
fn a_url_target_signs_its_path_and_raw_bodies_are_signed_as_given() {
    let body = br#"{"notifyType":"CAPTURE_RESULT", "odd spacing":true}"#;
    let request = signed_notification_body(
        &alipay_private_key(),
        example_keys::CLIENT_ID,
        "http://127.0.0.1:3000/alipay/notify?shop=1",
        &body[..],
    )
    .unwrap();
    assert_eq!(request.uri().host(), Some("127.0.0.1"));
    assert_eq!(request.body().as_ref(), body);
    assert_eq!(verify(&request, "/alipay/notify", body), Ok(()));

    assert!(matches!(
        signed_notification(&alipay_private_key(), "bad\nid", "/n", &notification()),
        Err(NotificationError::ClientId(_))
    ));
    let err = signed_notification(
        &alipay_private_key(),
        example_keys::CLIENT_ID,
        "not a target",
        &notification(),
    )
    .unwrap_err();
    assert!(matches!(err, NotificationError::Target { .. }));
    assert!(err.to_string().contains("/alipay/notify"), "{err}");
}

#[tokio::test]
async fn the_sandbox_signs_with_its_own_keys_for_a_real_endpoint() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let request = sandbox
        .signed_notification(&endpoint.url, &notification())
        .unwrap();
    assert_eq!(header(&request, "client-id"), sandbox.client_id());

    let http = Client::builder(TokioExecutor::new()).build_http();
    let response = http.request(request.map(Full::new)).await.unwrap();
    assert_eq!(response.status(), 200);
    let received = endpoint.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].verified, "the endpoint verified it with core");
    assert_eq!(received[0].path, "/alipay/notify");
    sandbox.shutdown().await;
}

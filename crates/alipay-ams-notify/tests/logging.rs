//! What the endpoint logs: enough to follow each delivery (path, notifyType,
//! kind, dedup key, outcome), at ERROR when a genuine notification goes
//! unprocessed, never a signature, a body or key material.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// current_thread: the server runs on this thread, under this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn logs_follow_deliveries_without_secrets_or_bodies() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let recorder = Arc::new(Recorder::default());
    let app = axum::Router::new().route_service(NOTIFY_PATH, capture_service(config(), &recorder));
    let addr = serve_axum(app).await;

    let good = Delivery::signed(NOTIFY_PATH, capture_body("cap-logged"));
    good.post(addr).await.assert_ack();
    let mut forged = good.clone();
    forged.body = capture_body("cap-forged").into_bytes();
    forged.post(addr).await.assert_refused(401, "F");
    let malformed = Delivery::signed(
        NOTIFY_PATH,
        r#"{"notifyType":"CAPTURE_RESULT","captureId":"secret-in-body"}"#,
    );
    malformed.post(addr).await.assert_refused(400, "F");
    // A redelivery of a processed notification: acknowledged, not handled.
    good.post(addr).await.assert_ack();
    recorder.set_failing(true);
    Delivery::signed(NOTIFY_PATH, capture_body("cap-failing"))
        .post(addr)
        .await
        .assert_refused(500, "U");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "alipay_notify",
        NOTIFY_PATH,
        "CAPTURE_RESULT",
        "CAPTURE_RESULT:cap-logged",
        "acknowledged",
        "bad_signature",
        "malformed",
        "handler_failed",
        "notifyCapture",
        "already processed",
    ] {
        assert!(logs.contains(expected), "logs lack {expected:?}:\n{logs}");
    }
    assert!(line_with(&logs, "handler failed").contains(" ERROR "));
    assert!(line_with(&logs, "bad_signature").contains(" WARN "));
    let signature_value = good.signature.rsplit("signature=").next().unwrap();
    let alipay_key_b64 = std::fs::read_to_string(keys_dir().join("alipay/public_key.b64")).unwrap();
    for secret in [
        signature_value,
        &signature_value[..24],
        "cr-cap-logged",
        "cap-forged",
        "secret-in-body",
        "50000",
        &alipay_key_b64.trim()[..40],
        "BEGIN",
    ] {
        assert!(!logs.contains(secret), "logs contain {secret:?}:\n{logs}");
    }
}

/// Runs `deliveries` against `service` under a capturing subscriber; the logs.
async fn logs_of(
    service: alipay_ams_notify::NotifyService,
    deliveries: &[(Delivery, u16)],
) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let addr = serve_axum(axum::Router::new().route_service(NOTIFY_PATH, service)).await;
    for (delivery, status) in deliveries {
        assert_eq!(delivery.post(addr).await.status, *status);
    }
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

fn line_with<'a>(logs: &'a str, needle: &str) -> &'a str {
    logs.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no log line with {needle:?}:\n{logs}"))
}

#[tokio::test(flavor = "current_thread")]
async fn unhandled_kinds_are_logged_at_error_unless_opted_in_then_at_warn() {
    let unhandled = [
        (
            Delivery::signed(NOTIFY_PATH, refund_body("r-secret-7")),
            501,
        ),
        (
            Delivery::signed(NOTIFY_PATH, dispute_body("d-secret-7", "DISPUTE_CREATED")),
            501,
        ),
    ];
    let recorder = Arc::new(Recorder::default());
    let logs = logs_of(capture_service(config(), &recorder), &unhandled).await;
    // Named by notifyType, or by the field names of a body without one.
    let refund = line_with(&logs, r#"notifyType "REFUND_RESULT""#);
    assert!(refund.contains(" ERROR "), "{refund}");
    assert!(refund.contains("unhandled_kind"), "{refund}");
    let dispute = line_with(&logs, "disputeNotificationType");
    assert!(dispute.contains(" ERROR "), "{dispute}");
    assert!(dispute.contains("no notifyType"), "{dispute}");

    let dropping = alipay_ams_notify::NotifyService::builder(config())
        .on::<alipay_ams_api::payments::CaptureNotification>(Arc::clone(&recorder))
        .acknowledge_unhandled()
        .build()
        .unwrap();
    let acknowledged = unhandled.map(|(delivery, _)| (delivery, 200));
    let opted_in = logs_of(dropping, &acknowledged).await;
    let refund = line_with(&opted_in, r#"notifyType "REFUND_RESULT""#);
    assert!(refund.contains(" WARN "), "{refund}");
    assert!(refund.contains("acknowledge_unhandled"), "{refund}");
    let dispute = line_with(&opted_in, "disputeNotificationType");
    assert!(dispute.contains(" WARN "), "{dispute}");
    assert!(!opted_in.contains(" ERROR "), "{opted_in}");

    // Field names only, never values from the body.
    for logs in [&logs, &opted_in] {
        assert!(!logs.contains("secret-7"), "{logs}");
    }
}

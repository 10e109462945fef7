//! The notification path: request line + headers + body bytes ->
//! `alipay_ams_notify::verify_notification` -> parse.
//!
//! Input, one field per line: method, path, `client-id`, `request-time`,
//! `signature`, then the body (the rest). An empty or unrepresentable header
//! line means the header is absent.
//!
//! Invariants:
//! - never a panic;
//! - the only delivery ever accepted is the reference one below, signed with
//!   the test Alipay key (the seed corpus holds its signature): any change to
//!   the body, time or client id is refused;
//! - every refusal maps to a non-200 status and a JSON body whose
//!   `resultStatus` is not `S`;
//! - the body parser (`Notification::from_slice`, what runs after verification)
//!   never panics on the body, and `idempotency_key` works on whatever it accepts.
#![no_main]

use std::sync::OnceLock;

use alipay_ams_core::{Notification, PublicKey};
use alipay_ams_notify::{NotifyConfig, verify_notification};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

const CLIENT_ID: &str = "SANDBOX_5X00000000000000";
const REF_PATH: &str = "/alipay/notify";
const REF_TIME: &str = "2026-11-25T10:00:00+08:00";
const REF_BODY: &[u8] = include_bytes!("../reference_body.json");

fn config() -> &'static NotifyConfig {
    static CONFIG: OnceLock<NotifyConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let key = PublicKey::parse(include_str!("../../keys-example/alipay/public_key.pem"))
            .unwrap_or_else(|e| panic!("test key: {e}"));
        NotifyConfig::new(CLIENT_ID, key)
    })
}

fuzz_target!(|data: &[u8]| {
    let mut fields = data.splitn(6, |&b| b == b'\n');
    let method = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let mut headers = HeaderMap::new();
    for name in ["client-id", "request-time", "signature"] {
        let line = fields.next().unwrap_or_default();
        if line.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let body = fields.next().unwrap_or_default();

    match verify_notification(&method, &path, &headers, body, config()) {
        Ok((notification, meta)) => {
            assert_eq!(method, "POST");
            assert_eq!(body, REF_BODY, "accepted a body that was never signed");
            assert_eq!(meta.request_time(), REF_TIME, "accepted a request-time that was never signed");
            assert_eq!(meta.client_id(), CLIENT_ID);
            assert_eq!(meta.signed_path(), REF_PATH, "accepted a path that was never signed");
            assert_eq!(meta.raw_body().as_ref(), REF_BODY);
            assert_eq!(meta.idempotency_key(), &notification.idempotency_key());
        }
        Err(error) => {
            assert_ne!(error.status(), 200, "{error}");
            let answer: serde_json::Value = serde_json::from_slice(&error.response_body())
                .unwrap_or_else(|e| panic!("refusal body is not JSON: {e}"));
            let status = answer["result"]["resultStatus"].as_str().unwrap_or_default();
            assert!(status == "F" || status == "U", "refusal with resultStatus {status:?}");
        }
    }

    // What runs after verification, on any bytes.
    if let Ok(notification) = Notification::from_slice(body) {
        let key = notification.idempotency_key();
        assert!(!key.as_str().is_empty());
        let _ = notification.notify_type();
    }
});

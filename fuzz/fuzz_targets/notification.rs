//! The notification path: request line + headers + body bytes ->
//! `alipay_ams_notify::verify_notification` -> classification by kind -> parse.
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
//! - what runs after verification, on any bytes, never panics: the first look
//!   (`Peek`), recognising the kind among every kind of every area, parsing
//!   the body as that kind and computing its dedup key; a body that repeats
//!   a field is never recognised.
#![no_main]

use std::sync::OnceLock;

use alipay_ams_api::NotificationVisitor;
use alipay_ams_api::catalog::visit_notification;
use alipay_ams_core::{NotificationKind, Peek, PublicKey};
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
        Ok(verified) => {
            assert_eq!(method, "POST");
            assert_eq!(body, REF_BODY, "accepted a body that was never signed");
            assert_eq!(verified.request_time(), REF_TIME, "accepted a request-time that was never signed");
            assert_eq!(verified.client_id(), CLIENT_ID);
            assert_eq!(verified.signed_path(), REF_PATH, "accepted a path that was never signed");
            assert_eq!(verified.raw_body().as_ref(), REF_BODY);
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
    if let Ok(peek) = Peek::from_slice(body) {
        let _ = visit_notification(&peek, ParseAs { body });
    }
});

/// Parses the body as the kind it was recognised as, and keys it.
struct ParseAs<'a> {
    body: &'a [u8],
}

impl NotificationVisitor for ParseAs<'_> {
    type Output = ();

    fn visit<K: NotificationKind + serde::Serialize + Sync>(self) {
        if let Ok(notification) = serde_json::from_slice::<K>(self.body) {
            let key = notification.dedup_key();
            assert!(!key.as_str().is_empty(), "{} has an empty dedup key", K::NAME);
        }
    }
}

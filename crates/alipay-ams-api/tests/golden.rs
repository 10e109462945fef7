//! Golden tests against the official Python SDK (global-open-sdk-python
//! 1.7.1): every request body the SDK produces for a fully filled request is
//! parsed by the generated type and written back as the same JSON value and
//! as the same compact bytes in wire order; every response and notification
//! body (and its lenient twin, numbers and booleans as text) survives a
//! parse and re-serialization with every field. The fixtures are made by the
//! SDK itself (`tests/interop/wire_fixtures.py`) and checked in CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

use std::path::{Path, PathBuf};

use alipay_ams_api::catalog::{self, OPERATIONS, visit_notification, visit_operation};
use alipay_ams_api::{NotificationVisitor, OperationVisitor, Transport};
use alipay_ams_core::{ApiRequest, NotificationKind, Peek};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/interop/fixtures/wire")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("fixture field {key} missing"))
}

/// Parses `body` as `T` and writes it back.
fn round_trip<T: DeserializeOwned + Serialize>(body: &str) -> Result<String, String> {
    let parsed: T = serde_json::from_str(body).map_err(|e| format!("parse: {e}"))?;
    serde_json::to_string(&parsed).map_err(|e| format!("write: {e}"))
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

struct CheckOperation<'a> {
    fixture: &'a Value,
}

impl OperationVisitor for CheckOperation<'_> {
    type Output = Result<&'static str, String>;

    fn visit<R>(self) -> Self::Output
    where
        R: ApiRequest + DeserializeOwned + Send + 'static,
        R::Response: Serialize + Sync,
    {
        let request = &self.fixture["request"];
        let sdk_body = text(request, "sdk_body");
        // Where the SDK sends a wrong wire name, the description's own
        // compact form is the target.
        let compact = request["description_compact"]
            .as_str()
            .unwrap_or_else(|| text(request, "compact"));
        let written = round_trip::<R>(if request["description_compact"].is_string() {
            compact
        } else {
            sdk_body
        })?;
        if written != compact {
            return Err(format!(
                "request bytes differ\n  ours: {written}\n   sdk: {compact}"
            ));
        }
        if request["description_compact"].is_null() && value(&written) != value(sdk_body) {
            return Err("request value differs from the SDK's body".into());
        }
        let response = &self.fixture["response"];
        let body = text(response, "body");
        let written = round_trip::<R::Response>(body)?;
        if value(&written) != value(body) {
            return Err(format!(
                "response loses or changes fields\n  ours: {written}\n  body: {body}"
            ));
        }
        if let Some(lenient) = response["lenient_body"].as_str() {
            let written = round_trip::<R::Response>(lenient).map_err(|e| format!("lenient {e}"))?;
            if value(&written) != value(body) {
                return Err(format!(
                    "lenient response not read back as the strict one\n  ours: {written}\n  body: {body}"
                ));
            }
        }
        Ok(R::NAME)
    }
}

#[test]
fn every_request_and_response_matches_the_official_sdk() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in fixtures("operations") {
        let fixture = read(&path);
        let op_path = text(&fixture, "path");
        if fixture["transport"] != "json" {
            continue;
        }
        let name = text(&fixture, "operation");
        match visit_operation(op_path, CheckOperation { fixture: &fixture }) {
            None => failures.push(format!("{name}: no generated type for {op_path}")),
            Some(Err(e)) => failures.push(format!("{name}: {e}")),
            Some(Ok(api)) => {
                assert_eq!(api, name, "{op_path}");
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let json_ops = OPERATIONS
        .iter()
        .filter(|o| o.transport == Transport::Json)
        .count();
    // Every JSON API the SDK has is covered (the rest exist only in the
    // Java/.NET SDKs, which cannot make fixtures here).
    assert!(
        checked >= 150,
        "only {checked} of {json_ops} operations checked"
    );
}

struct CheckNotification<'a> {
    fixture: &'a Value,
}

impl NotificationVisitor for CheckNotification<'_> {
    type Output = Result<&'static str, String>;

    fn visit<K: NotificationKind + Serialize + Sync>(self) -> Self::Output {
        let body = text(self.fixture, "body");
        let written = round_trip::<K>(body)?;
        if value(&written) != value(body) {
            return Err(format!(
                "notification loses or changes fields\n  ours: {written}\n  body: {body}"
            ));
        }
        let lenient = text(self.fixture, "lenient_body");
        let written = round_trip::<K>(lenient).map_err(|e| format!("lenient {e}"))?;
        if value(&written) != value(body) {
            return Err(format!(
                "lenient notification not read back as the strict one\n  ours: {written}"
            ));
        }
        let parsed: K = serde_json::from_str(body).unwrap();
        if parsed.dedup_key().as_str().is_empty() {
            return Err("empty dedup key".into());
        }
        Ok(K::NAME)
    }
}

#[test]
fn every_notification_is_recognised_and_keeps_its_fields() {
    let mut failures = Vec::new();
    let files = fixtures("webhooks");
    for path in &files {
        let fixture = read(path);
        let name = text(&fixture, "webhook");
        let body = text(&fixture, "body");
        let peek = Peek::from_slice(body.as_bytes()).unwrap();
        match visit_notification(&peek, CheckNotification { fixture: &fixture }) {
            None => failures.push(format!("{name}: not recognised")),
            Some(Err(e)) => failures.push(format!("{name}: {e}")),
            Some(Ok(kind)) if kind != name => {
                failures.push(format!("{name}: recognised as {kind}"));
            }
            Some(Ok(_)) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(files.len(), catalog::NOTIFICATIONS.len());
}

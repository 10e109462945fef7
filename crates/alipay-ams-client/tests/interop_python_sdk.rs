//! The official Python SDK (global-open-sdk-python, from the interop venv)
//! verifies, with its own code, a capture request this client sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::Amount;
use support::*;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The interop venv's python, created on first use by `tests/interop/setup.sh`.
fn sdk_python() -> String {
    let output = Command::new("bash")
        .arg(repo_root().join("tests/interop/setup.sh"))
        .output()
        .expect("bash must be available");
    assert!(
        output.status.success(),
        "tests/interop/setup.sh failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .last()
        .expect("setup.sh prints the python path last")
        .trim()
        .to_owned()
}

/// Runs the SDK's verification of a request; returns (valid, JSON report).
fn sdk_verify(python: &str, sent: &Recorded, body: &[u8]) -> (bool, serde_json::Value) {
    let dir =
        std::env::temp_dir().join(format!("alipay-ams-client-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join(format!("body-{}", rand_suffix()));
    std::fs::write(&body_file, body).unwrap();
    let output = Command::new(python)
        .arg(repo_root().join("tests/interop/sdk_verify.py"))
        .args([
            "--kind",
            "request",
            "--method",
            &sent.method,
            "--path",
            &sent.path,
        ])
        .args(["--client-id", sent.header("client-id").unwrap()])
        .args(["--time", sent.header("request-time").unwrap()])
        .args(["--signature", sent.header("signature").unwrap()])
        .arg("--public-key")
        .arg(keys_dir().join("merchant/public_key.b64"))
        .arg("--body-file")
        .arg(&body_file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&body_file);
    let _ = std::fs::remove_dir(&dir);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "sdk_verify.py printed no JSON ({e}); exit {:?}, stderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let valid = report["valid"] == true;
    assert_eq!(
        output.status.code(),
        Some(if valid { 0 } else { 1 }),
        "{report}"
    );
    (valid, report)
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn the_official_python_sdk_verifies_a_request_this_client_sent() {
    let python = sdk_python();
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-interop-1"))).await;
    let client = server.client().build().unwrap();
    let request = CaptureRequest::new(
        "capture-interop-1",
        "20220919194010890100111740275820195",
        Amount::from_minor_units("USD", 1000).unwrap(),
    )
    .with_is_last_capture(true);
    client.execute(&request).await.unwrap();

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let sent = &seen[0];
    assert_eq!(sent.path, "/ams/sandbox/api/v1/payments/capture");

    let (valid, report) = sdk_verify(&python, sent, &sent.body);
    assert!(valid, "the official SDK rejected our request: {report}");
    assert_eq!(report["sdk_version"], "1.7.1");
    let content = report["content_to_sign"].as_str().unwrap();
    assert!(
        content.starts_with(&format!(
            "POST /ams/sandbox/api/v1/payments/capture\n{CLIENT_ID}.{}.",
            sent.header("request-time").unwrap()
        )),
        "{content}"
    );

    // One byte changed in the body: the SDK must say invalid.
    let mut tampered = sent.body.to_vec();
    let at = tampered.windows(4).position(|w| w == b"1000").unwrap();
    tampered[at] = b'2';
    let (valid, report) = sdk_verify(&python, sent, &tampered);
    assert!(!valid, "the SDK accepted a changed body: {report}");
}

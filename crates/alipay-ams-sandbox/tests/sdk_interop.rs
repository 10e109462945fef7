//! The official Python SDK's `DefaultAlipayClient` (global-open-sdk-python
//! 1.7.1, from the interop venv) captures against the sandbox and accepts its
//! signed response. Needs `python3` with venv/pip and the package registry,
//! as `tests/interop/setup.sh` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::process::Command;

use alipay_ams_sandbox::CreatePayment;
use common::*;

fn repo_root() -> String {
    format!("{}/../..", env!("CARGO_MANIFEST_DIR"))
}

/// The venv's python, created by the interop setup script if needed.
fn sdk_python() -> String {
    let out = Command::new("bash")
        .arg("tests/interop/setup.sh")
        .current_dir(repo_root())
        .output()
        .expect("cannot run bash tests/interop/setup.sh");
    assert!(
        out.status.success(),
        "tests/interop/setup.sh failed (python3 with venv and pip is needed):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .expect("setup.sh printed nothing")
        .trim()
        .to_owned()
}

/// Runs `sdk_capture.py`; returns its exit code and JSON report.
async fn sdk_capture(
    python: &str,
    base_url: &str,
    merchant_key: &str,
    payment_id: &str,
    capture_request_id: &str,
) -> (i32, serde_json::Value) {
    sdk_capture_with(
        python,
        base_url,
        merchant_key,
        payment_id,
        capture_request_id,
        &[],
    )
    .await
}

/// `sdk_capture` with extra arguments for the script.
async fn sdk_capture_with(
    python: &str,
    base_url: &str,
    merchant_key: &str,
    payment_id: &str,
    capture_request_id: &str,
    extra: &[&str],
) -> (i32, serde_json::Value) {
    let mut command = Command::new(python);
    command.current_dir(repo_root()).args([
        "tests/interop/sdk_capture.py",
        "--gateway",
        base_url,
        "--client-id",
        "SANDBOX_5X00000000000000",
        "--merchant-private-key",
        merchant_key,
        "--alipay-public-key",
        "keys-example/alipay/public_key.pem",
        "--payment-id",
        payment_id,
        "--amount",
        "10000",
        "--currency",
        "USD",
        "--capture-request-id",
        capture_request_id,
    ]);
    command.args(extra);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "sdk_capture.py printed no JSON ({e}):\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_captures_and_verifies_the_reply() {
    let python = tokio::task::spawn_blocking(sdk_python).await.unwrap();
    let sandbox = start().await;
    let payment_id = sandbox
        .create_payment(CreatePayment::new(usd("10000")))
        .unwrap()
        .payment_id;
    let merchant_key = "keys-example/merchant/private_key.pem";

    let (code, report) = sdk_capture(
        &python,
        &sandbox.base_url(),
        merchant_key,
        &payment_id,
        "sdk-1",
    )
    .await;
    assert_eq!(code, 0, "the SDK refused the sandbox's reply: {report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(
        report["response"]["result"]["resultStatus"], "S",
        "{report:#}"
    );
    assert_eq!(report["response"]["paymentId"], payment_id.as_str());
    let capture_id = report["response"]["captureId"].as_str().unwrap().to_owned();
    // The SDK sent its usual wire format: absolute-form target on the sandbox path.
    let url = report["sent"]["url"].as_str().unwrap();
    assert!(url.ends_with(SANDBOX_PATH), "{url}");
    assert_eq!(sandbox.captures().len(), 1);
    assert_eq!(sandbox.captures()[0].capture_id, capture_id);

    // The SDK's retry with the same captureRequestId gets the same capture.
    let (code, replay) = sdk_capture(
        &python,
        &sandbox.base_url(),
        merchant_key,
        &payment_id,
        "sdk-1",
    )
    .await;
    assert_eq!(code, 0, "{replay:#}");
    assert_eq!(replay["response"]["captureId"], capture_id.as_str());
    assert_eq!(sandbox.captures().len(), 1);

    // Signed with the wrong key: never S (the SDK accepts the unsigned F or refuses it).
    let wrong_key = "keys-example/alipay/private_key.pem";
    let (_, refused) = sdk_capture(
        &python,
        &sandbox.base_url(),
        wrong_key,
        &payment_id,
        "sdk-2",
    )
    .await;
    assert_ne!(
        refused["response"]["result"]["resultStatus"], "S",
        "{refused:#}"
    );
    assert_eq!(sandbox.captures().len(), 1);
    sandbox.shutdown().await;
}

#[cfg(feature = "tls")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_captures_over_https() {
    let python = tokio::task::spawn_blocking(sdk_python).await.unwrap();
    let sandbox = alipay_ams_sandbox::Sandbox::with_example_keys()
        .tls(true)
        .start()
        .await
        .unwrap();
    let ca_file = std::env::temp_dir().join(format!(
        "alipay-ams-sandbox-test-ca-{}.pem",
        sandbox.addr().port()
    ));
    std::fs::write(&ca_file, sandbox.tls_ca_certificate_pem().unwrap()).unwrap();
    let payment_id = sandbox
        .create_payment(CreatePayment::new(usd("10000")))
        .unwrap()
        .payment_id;

    let ca = ca_file.to_str().unwrap();
    let (code, report) = sdk_capture_with(
        &python,
        &sandbox.base_url(),
        "keys-example/merchant/private_key.pem",
        &payment_id,
        "sdk-tls-1",
        &["--ca-file", ca, "--expect-status", "S"],
    )
    .await;
    let _ = std::fs::remove_file(&ca_file);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["sent"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://127.0.0.1:")
    );
    assert_eq!(report["response"]["result"]["resultStatus"], "S");
    assert_eq!(sandbox.captures().len(), 1);
    sandbox.shutdown().await;
}

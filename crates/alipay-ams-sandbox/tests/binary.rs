//! The `alipay-ams-sandbox` program: starts, serves, logs, exits on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alipay_ams_api::payments::CaptureRequest;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_alipay-ams-sandbox");

fn repo_root() -> String {
    format!("{}/../..", env!("CARGO_MANIFEST_DIR"))
}

/// Starts the program in the repository root and reads the URL it prints.
fn spawn(args: &[&str]) -> (Child, SocketAddr) {
    spawn_in(std::path::Path::new(&repo_root()), args)
}

/// Starts the program in `dir` and reads the URL it prints.
fn spawn_in(dir: &std::path::Path, args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected first line {line:?}"
    );
    let addr = url.trim_start_matches("http://").parse().unwrap();
    (child, addr)
}

fn terminate(mut child: Child) -> (std::process::ExitStatus, String) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut waited = None;
    for _ in 0..500 {
        if let Some(status) = child.try_wait().unwrap() {
            waited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let Some(status) = waited else {
        child.kill().unwrap();
        panic!("the sandbox did not exit on SIGTERM");
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

#[tokio::test]
async fn starts_serves_logs_and_exits_on_sigterm() {
    let endpoint = NotifyEndpoint::never_acking().await;
    let (child, addr) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--time-scale",
        "0.001",
        "--no-redelivery",
        "--notify-url",
        &endpoint.url,
    ]);

    // Create a payment over the control API (no notify URL: the default is used).
    let created = send(
        addr,
        "POST",
        "/sandbox/payments",
        &[("content-type", "application/json".into())],
        br#"{"paymentAmount":{"currency":"USD","value":"10000"},"captureMode":"MANUAL"}"#.to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(created.status, 200);
    let payment_id = created.json()["paymentId"].as_str().unwrap().to_owned();

    // Capture as the merchant with the example merchant key.
    let merchant = Merchant {
        addr,
        client_id: "SANDBOX_5X00000000000000".into(),
        key: merchant_private_key(),
    };
    let reply = merchant
        .capture(&CaptureRequest::new("bin-1", &payment_id, usd("10000")))
        .await
        .unwrap();
    assert!(
        reply.verifies(SANDBOX_PATH),
        "signed with keys-example/alipay"
    );
    assert_eq!(reply.code(), "SUCCESS");

    // One delivery attempt, not acknowledged, and no redelivery.
    eventually("the notification", || endpoint.received().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(endpoint.received().len(), 1);
    assert!(endpoint.received()[0].verified);
    let log = send(addr, "GET", "/sandbox/notifications", &[], vec![])
        .await
        .unwrap()
        .json();
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(log["deliveries"][0]["last"], true);

    let (status, stderr) = terminate(child);
    assert!(
        status.success(),
        "exit status {status:?}; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("captureRequestId=bin-1"),
        "one line per API call:\n{stderr}"
    );
    assert!(
        stderr.contains("attempt 1/1"),
        "one line per delivery attempt:\n{stderr}"
    );
}

#[tokio::test]
async fn the_program_runs_the_checkout_lifecycle() {
    let endpoint = NotifyEndpoint::acking().await;
    let (child, addr) = spawn(&["--listen", "127.0.0.1:0", "--time-scale", "0.001"]);
    let merchant = Merchant {
        addr,
        client_id: "SANDBOX_5X00000000000000".into(),
        key: merchant_private_key(),
    };
    let request = pay_request("bin-pay", "ALIPAY_CN", "700").with_payment_notify_url(&endpoint.url);
    let payment_id = merchant.pay(&request).await;
    let paid = buyer_at(addr, &payment_id, r#"{"action":"pay"}"#).await;
    assert_eq!(paid.status, 200);
    assert_eq!(paid.json()["status"], "CAPTURED");
    assert_eq!(
        buyer_at(addr, &payment_id, r#"{"action":"abandon"}"#)
            .await
            .status,
        409
    );
    let state = send(
        addr,
        "GET",
        &format!("/sandbox/payments/{payment_id}"),
        &[],
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(state.json()["paymentStatus"], "SUCCESS");
    eventually("notifyPayment", || {
        !of_type(&endpoint.received(), "PAYMENT_RESULT").is_empty()
    })
    .await;
    let (status, stderr) = terminate(child);
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("paymentRequestId=bin-pay"), "{stderr}");
}

async fn buyer_at(addr: SocketAddr, payment_id: &str, body: &str) -> Reply {
    let path = format!("/sandbox/payments/{payment_id}/buyer");
    send(addr, "POST", &path, &[], body.as_bytes().to_vec())
        .await
        .unwrap()
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--client-id",
        "--merchant-public-key",
        "--alipay-private-key",
        "--notify-url",
        "--time-scale",
        "--no-redelivery",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }

    let bad = Command::new(BIN).arg("--frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("--frobnicate")
    );
}

#[tokio::test]
async fn outside_the_repository_it_uses_the_built_in_example_keys_and_says_so() {
    // Where `cargo install` leaves it: no keys-example/ in sight.
    let dir = std::env::temp_dir();
    let (child, addr) = spawn_in(&dir, &["--listen", "127.0.0.1:0"]);
    let payment_id = send(
        addr,
        "POST",
        "/sandbox/payments",
        &[("content-type", "application/json".into())],
        br#"{"paymentAmount":{"currency":"USD","value":"500"}}"#.to_vec(),
    )
    .await
    .unwrap()
    .json()["paymentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let merchant = Merchant {
        addr,
        client_id: "SANDBOX_5X00000000000000".into(),
        key: merchant_private_key(),
    };
    let reply = merchant
        .capture(&CaptureRequest::new("bin-builtin", &payment_id, usd("500")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "SUCCESS");
    assert!(
        reply.verifies(SANDBOX_PATH),
        "signed with the example Alipay key"
    );
    let (status, stderr) = terminate(child);
    assert!(status.success(), "{stderr}");
    for flag in ["--merchant-public-key", "--alipay-private-key"] {
        assert!(
            stderr.contains(&format!(
                "no {flag} given: using the built-in TEST-ONLY example"
            )),
            "{flag}:\n{stderr}"
        );
    }
}

#[test]
fn unreadable_or_wrong_key_files_say_what_to_do() {
    let out = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--merchant-public-key",
            "no/such/public_key.pem",
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no/such/public_key.pem"), "{stderr}");
    assert!(stderr.contains("--merchant-public-key FILE"), "{stderr}");

    // Keys swapped: an Alipay private key file given as the merchant public key.
    let out = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--merchant-public-key",
            "keys-example/alipay/private_key.pem",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("merchant public key")
    );
}

#[cfg(feature = "tls")]
#[test]
fn tls_writes_the_ca_certificate_and_serves_https() {
    let ca_file = std::env::temp_dir().join(format!(
        "alipay-ams-sandbox-bin-ca-{}.pem",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&ca_file);
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--tls",
            "--tls-ca-file",
            ca_file.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line);
    }
    assert!(lines[0].contains(ca_file.to_str().unwrap()), "{lines:?}");
    assert!(
        lines[1].contains("listening on https://127.0.0.1:"),
        "{lines:?}"
    );
    let pem = std::fs::read_to_string(&ca_file).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let (status, stderr) = terminate(child);
    assert!(status.success(), "{stderr}");
    let _ = std::fs::remove_file(&ca_file);
}

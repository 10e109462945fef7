//! `alipay-ams capture` against a real HTTP server on 127.0.0.1 that plays
//! Alipay: it verifies requests with the merchant's example public key and
//! signs its replies with the example "Alipay" private key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use alipay_ams_core::{Message, PrivateKey, PublicKey, time};
use bytes::Bytes;
use common::{CLIENT_ID, Run, example_key, path_arg, run};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// How the fake Alipay answers every capture.
#[derive(Clone, Copy)]
enum Reply {
    Success,
    Failed,
    Unknown,
    /// An S signed with a key that is not Alipay's.
    ForgedSuccess,
    /// U to the first attempt, S to the next.
    UnknownThenSuccess,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    signature_valid: bool,
    body: Value,
}

struct State {
    reply: Reply,
    merchant_public: PublicKey,
    alipay_private: PrivateKey,
    impostor_private: PrivateKey,
    seen: Mutex<Vec<Seen>>,
    sent: Mutex<Vec<Bytes>>,
}

struct FakeAlipay {
    addr: SocketAddr,
    state: Arc<State>,
}

impl FakeAlipay {
    fn start(reply: Reply) -> Self {
        let state = Arc::new(State {
            reply,
            merchant_public: PublicKey::from_file(example_key("merchant", "public_key.pem"))
                .unwrap(),
            alipay_private: PrivateKey::from_file(example_key("alipay", "private_key.pem"))
                .unwrap(),
            impostor_private: PrivateKey::from_file(example_key("merchant", "private_key.pem"))
                .unwrap(),
            seen: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    let state = shared.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| answer(state.clone(), req));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        FakeAlipay { addr, state }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    fn sent(&self) -> Vec<Bytes> {
        self.state.sent.lock().unwrap().clone()
    }
}

async fn answer(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (client_id, request_time, signature) = (
        header("client-id"),
        header("request-time"),
        header("signature"),
    );
    let raw = req.into_body().collect().await.unwrap().to_bytes();
    let signature_valid = Message::request(&path, &client_id, &request_time, &raw)
        .verify(&state.merchant_public, &signature)
        .is_ok();
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let attempt = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            path: path.clone(),
            signature_valid,
            body: body.clone(),
        });
        seen.len()
    };
    let behaviour = match state.reply {
        Reply::UnknownThenSuccess if attempt == 1 => Reply::Unknown,
        Reply::UnknownThenSuccess => Reply::Success,
        other => other,
    };

    let reply = if signature_valid {
        match behaviour {
            Reply::Success | Reply::ForgedSuccess | Reply::UnknownThenSuccess => {
                serde_json::json!({
                    "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
                    "captureRequestId": body["captureRequestId"],
                    "captureId": "202611251900000001",
                    "paymentId": body["paymentId"],
                    "captureAmount": body["captureAmount"],
                    "captureTime": "2026-11-25T19:00:00+08:00",
                    "someFieldFromTheFuture": {"kept": true}
                })
            }
            Reply::Failed => serde_json::json!({
                "result": {
                    "resultCode": "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT",
                    "resultStatus": "F",
                    "resultMessage": "The capture amount exceeds the authorized amount."
                }
            }),
            Reply::Unknown => serde_json::json!({
                "result": {"resultCode": "CAPTURE_IN_PROCESS", "resultStatus": "U", "resultMessage": "in process"}
            }),
        }
    } else {
        serde_json::json!({
            "result": {"resultCode": "INVALID_SIGNATURE", "resultStatus": "F", "resultMessage": "invalid signature"}
        })
    };
    // Pretty-printed, as Alipay's gateway does: the client must verify these
    // exact bytes and the CLI print them unchanged.
    let bytes = Bytes::from(serde_json::to_vec_pretty(&reply).unwrap());
    state.sent.lock().unwrap().push(bytes.clone());
    let mut response = Response::builder()
        .header("content-type", "application/json; charset=UTF-8")
        .header("client-id", client_id.as_str());
    if signature_valid {
        let signer = match state.reply {
            Reply::ForgedSuccess => &state.impostor_private,
            _ => &state.alipay_private,
        };
        let response_time = time::iso8601_utc(SystemTime::now());
        let signed = Message::response(&path, &client_id, &response_time, &bytes)
            .sign(signer, 1)
            .unwrap();
        response = response
            .header("response-time", response_time)
            .header("signature", signed.to_string());
    }
    Ok(response.body(Full::new(bytes)).unwrap())
}

fn capture(gateway: &str, extra: &[&str]) -> Run {
    capture_as(gateway, CLIENT_ID, extra)
}

fn capture_as(gateway: &str, client_id: &str, extra: &[&str]) -> Run {
    let private = path_arg(&example_key("merchant", "private_key.pem"));
    let alipay = path_arg(&example_key("alipay", "public_key.pem"));
    let mut args = vec![
        "capture",
        "--gateway",
        gateway,
        "--client-id",
        client_id,
        "--private-key",
        &private,
        "--alipay-public-key",
        &alipay,
        "--payment-id",
        "202611251800000001",
        "--amount",
        "1000",
        "--currency",
        "USD",
    ];
    args.extend_from_slice(extra);
    run(args)
}

/// The id the CLI generated, as it printed it on stderr.
fn generated_id(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("capture request id: "))
        .unwrap_or_else(|| panic!("no generated id in stderr: {stderr}"));
    line.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn success_prints_the_verified_json_and_exits_0() {
    let alipay = FakeAlipay::start(Reply::Success);
    let r = capture(
        &alipay.url(),
        &["--capture-request-id", "cr-success-1", "--last-capture"],
    );
    assert_eq!(r.code, 0, "{r:?}");

    let seen = alipay.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].signature_valid,
        "the request must carry the merchant's valid signature"
    );
    assert_eq!(
        seen[0].path, "/ams/sandbox/api/v1/payments/capture",
        "a SANDBOX_ id calls the sandbox path"
    );
    assert_eq!(
        seen[0].body,
        serde_json::json!({
            "captureRequestId": "cr-success-1",
            "paymentId": "202611251800000001",
            "captureAmount": {"currency": "USD", "value": "1000"},
            "isLastCapture": true
        })
    );

    // stdout is exactly the verified body (plus a final newline), unknown fields included.
    let sent = alipay.sent();
    let mut expected = sent[0].to_vec();
    expected.push(b'\n');
    assert_eq!(r.stdout.as_bytes(), expected.as_slice());
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "S");
    assert_eq!(json["someFieldFromTheFuture"]["kept"], true);
    assert!(
        r.stderr.contains("captured (S)") && r.stderr.contains("202611251900000001"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("generated"),
        "an id that was given is not generated: {}",
        r.stderr
    );
}

#[test]
fn a_production_client_id_calls_the_production_path() {
    let alipay = FakeAlipay::start(Reply::Success);
    let r = capture_as(
        &alipay.url(),
        "5J5Y307NSG5GB700810",
        &["--capture-request-id", "cr-prod-1"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let seen = alipay.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/ams/api/v1/payments/capture");
    assert!(seen[0].signature_valid);
    assert!(
        seen[0].body.get("isLastCapture").is_none(),
        "absent unless --last-capture"
    );
}

#[test]
fn a_final_failure_exits_1_with_the_result() {
    let alipay = FakeAlipay::start(Reply::Failed);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-failed-1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(alipay.seen().len(), 1, "F is final: no retry");
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "F");
    assert_eq!(
        json["result"]["resultCode"],
        "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    );
    assert!(
        r.stderr
            .contains("capture failed (CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("final for captureRequestId cr-failed-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_outcome_that_stays_unknown_exits_3_and_every_attempt_reuses_the_generated_id() {
    let alipay = FakeAlipay::start(Reply::Unknown);
    let r = capture(&alipay.url(), &[]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout.is_empty(),
        "no verified response to print: {}",
        r.stdout
    );

    let id = generated_id(&r.stderr);
    assert!(id.starts_with("cap-") && id.len() <= 64, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{id}"
    );

    let seen = alipay.seen();
    assert!(seen.len() >= 2, "an unknown outcome is retried: {seen:?}");
    for attempt in &seen {
        assert!(attempt.signature_valid, "every attempt is (re-)signed");
        assert_eq!(
            attempt.body["captureRequestId"],
            id.as_str(),
            "the same id on every attempt"
        );
    }
    assert!(r.stderr.contains("UNKNOWN"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("--capture-request-id {id}")),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_outcome_then_success_exits_0_after_a_retry_with_the_same_id() {
    let alipay = FakeAlipay::start(Reply::UnknownThenSuccess);
    let r = capture(&alipay.url(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let id = generated_id(&r.stderr);
    let seen = alipay.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.signature_valid && s.body["captureRequestId"] == id.as_str())
    );
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultStatus"], "S");
    assert_eq!(json["captureRequestId"], id.as_str());
    assert!(r.stderr.contains("after 2 attempt(s)"), "{}", r.stderr);
}

#[test]
fn a_success_that_alipay_did_not_sign_is_never_exit_0() {
    let alipay = FakeAlipay::start(Reply::ForgedSuccess);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-forged-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        alipay
            .seen()
            .iter()
            .all(|s| s.body["captureRequestId"] == "cr-forged-1")
    );
}

#[test]
fn invalid_arguments_exit_2_before_anything_is_sent() {
    let alipay = FakeAlipay::start(Reply::Success);
    let url = alipay.url();
    let long_id = "x".repeat(65);
    let merchant_public = path_arg(&example_key("merchant", "public_key.pem"));
    let private = path_arg(&example_key("merchant", "private_key.pem"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--capture-request-id", ""],
            "--capture-request-id is empty",
        ),
        (vec!["--capture-request-id", &long_id], "65 characters"),
        (vec!["--payment-id", ""], "--payment-id is empty"),
        (vec!["--amount", "10.00"], "minor units"),
        (vec!["--amount", "-5"], "--amount"),
        (vec!["--amount", ""], "--amount"),
        (vec!["--currency", "US"], "3-letter"),
        (vec!["--currency", "USDT"], "3-letter"),
        (vec!["--currency", "U5D"], "3-letter"),
        (vec!["--client-id", ""], "--client-id is empty"),
        (
            vec!["--alipay-public-key", &merchant_public],
            "your own public key",
        ),
        (
            vec!["--alipay-public-key", &private],
            "this is a private key",
        ),
        (
            vec!["--private-key", "/nonexistent/key.pem"],
            "could not read the key file",
        ),
        (vec!["--gateway", "http://10.1.2.3:8080"], "plain http"),
        (
            vec!["--gateway", "open-sea-global.alipay.com"],
            "not an absolute URL",
        ),
        (vec!["--bogus"], "unknown flag `--bogus`"),
        (vec!["--last-capture=true"], "is a switch"),
    ];
    for (extra, expected) in &cases {
        // Later flags may not repeat earlier ones, so build each line afresh.
        let r = capture_with(&url, extra);
        assert_eq!(r.code, 2, "{extra:?}: {r:?}");
        assert!(r.stderr.starts_with("error: "), "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(expected),
            "{extra:?}: expected {expected:?} in {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{extra:?}");
    }
    let r = run(["capture", "--gateway", &url]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing --client-id, --private-key, --alipay-public-key"),
        "{}",
        r.stderr
    );

    assert!(
        alipay.seen().is_empty(),
        "nothing may reach the server: {:?}",
        alipay.seen()
    );

    let r = run(["capture", "--help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("Usage: alipay-ams capture --gateway URL")
    );
}

/// The standard valid flags, with any of them replaced by `overrides`.
fn capture_with(gateway: &str, overrides: &[&str]) -> Run {
    let private = path_arg(&example_key("merchant", "private_key.pem"));
    let alipay = path_arg(&example_key("alipay", "public_key.pem"));
    let mut flags: Vec<(String, Option<String>)> = vec![
        ("--gateway".into(), Some(gateway.into())),
        ("--client-id".into(), Some(CLIENT_ID.into())),
        ("--private-key".into(), Some(private)),
        ("--alipay-public-key".into(), Some(alipay)),
        ("--payment-id".into(), Some("202611251800000001".into())),
        ("--amount".into(), Some("1000".into())),
        ("--currency".into(), Some("USD".into())),
    ];
    let mut i = 0;
    while i < overrides.len() {
        let name = overrides[i].to_owned();
        let value = overrides
            .get(i + 1)
            .filter(|v| !v.starts_with("--"))
            .map(|v| (*v).to_owned());
        i += if value.is_some() { 2 } else { 1 };
        match flags.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => flags.push((name, value)),
        }
    }
    let mut args = vec!["capture".to_owned()];
    for (name, value) in flags {
        args.push(name);
        args.extend(value);
    }
    run(args)
}

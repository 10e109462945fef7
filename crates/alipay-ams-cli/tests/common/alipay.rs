//! A fake Alipay gateway on 127.0.0.1 for the `capture` tests: it verifies
//! requests with the merchant's example public key and signs its replies
//! with the example "Alipay" private key (or misbehaves as told).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::{CLIENT_ID, Run, example_key, path_arg, receive, run};
use alipay_ams_core::{PrivateKey, PublicKey, time};
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// How the fake Alipay answers every capture.
#[derive(Clone, Copy)]
pub enum Reply {
    Success,
    Failed,
    Unknown,
    /// An S signed with a key that is not Alipay's.
    ForgedSuccess,
    /// U to the first attempt, S to the next.
    UnknownThenSuccess,
    /// A genuine, correctly signed S recorded from an earlier capture (other
    /// ids, amount 1, response-time in 2020), replayed.
    ReplayedSuccess,
    /// A genuine signed S, fresh, but for another capture (other
    /// captureRequestId and paymentId).
    ForeignSuccess,
    /// A genuine signed F recorded in 2020, replayed.
    RecordedFailure,
    /// An F without signature headers, whatever the request.
    UnsignedFailure,
}

/// When a recorded reply was signed.
const RECORDED_AT: &str = "2020-01-01T00:00:00+08:00";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub signature_valid: bool,
    pub body: Value,
}

struct State {
    reply: Reply,
    tls: bool,
    merchant_public: PublicKey,
    alipay_private: PrivateKey,
    impostor_private: PrivateKey,
    seen: Mutex<Vec<Seen>>,
    sent: Mutex<Vec<Bytes>>,
}

pub struct FakeAlipay {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl FakeAlipay {
    pub fn start(reply: Reply) -> Self {
        Self::serve(reply, None)
    }

    /// Over https with a certificate from a fresh CA; returns the CA's PEM.
    pub fn start_tls(reply: Reply) -> (Self, String) {
        let (acceptor, ca_pem) = super::tls::acceptor();
        (Self::serve(reply, Some(acceptor)), ca_pem)
    }

    fn serve(reply: Reply, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let state = Arc::new(State {
            reply,
            tls: tls.is_some(),
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
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| answer(state.clone(), req));
                        let http = http1::Builder::new();
                        match tls {
                            None => {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                            Some(acceptor) => {
                                // A client that refuses the certificate ends here.
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ =
                                        http.serve_connection(TokioIo::new(stream), service).await;
                                }
                            }
                        }
                    });
                }
            });
        });
        FakeAlipay { addr, state }
    }

    pub fn url(&self) -> String {
        let scheme = if self.state.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    pub fn sent(&self) -> Vec<Bytes> {
        self.state.sent.lock().unwrap().clone()
    }
}

async fn answer(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let received = receive(req, &state.merchant_public).await;
    let (path, raw, signature_valid) = (&received.path, &received.raw, received.signature_valid);
    let body: Value = serde_json::from_slice(raw).unwrap_or(Value::Null);
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
            Reply::ReplayedSuccess | Reply::ForeignSuccess => serde_json::json!({
                "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
                "captureRequestId": "cr-recorded-earlier",
                "captureId": "202001010000000009",
                "paymentId": "202001010000000001",
                "captureAmount": {"currency": "USD", "value": "1"},
                "captureTime": "2020-01-01T00:00:00+08:00"
            }),
            Reply::RecordedFailure | Reply::UnsignedFailure => serde_json::json!({
                "result": {
                    "resultCode": "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT",
                    "resultStatus": "F",
                    "resultMessage": "The capture amount exceeds the authorized amount."
                }
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
    let signer = match state.reply {
        Reply::ForgedSuccess => &state.impostor_private,
        _ => &state.alipay_private,
    };
    let response_time = match state.reply {
        Reply::ReplayedSuccess | Reply::RecordedFailure => RECORDED_AT.to_owned(),
        _ => time::iso8601_utc(SystemTime::now()),
    };
    let signed = signature_valid && !matches!(state.reply, Reply::UnsignedFailure);
    Ok(super::reply(
        &received,
        bytes,
        signed.then_some((signer, response_time.as_str())),
    ))
}

pub fn capture(gateway: &str, extra: &[&str]) -> Run {
    capture_as(gateway, CLIENT_ID, extra)
}

pub fn capture_as(gateway: &str, client_id: &str, extra: &[&str]) -> Run {
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
pub fn generated_id(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("capture request id: "))
        .unwrap_or_else(|| panic!("no generated id in stderr: {stderr}"));
    line.split_whitespace().next().unwrap().to_owned()
}

/// The standard valid flags, with any of them replaced by `overrides`.
pub fn capture_with(gateway: &str, overrides: &[&str]) -> Run {
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

//! Test helpers: a merchant that signs with core and speaks raw HTTP/1.1
//! through hyper, and a notify endpoint that verifies with core.
#![allow(dead_code)]

mod checkout;
#[allow(unused_imports)] // not every test file uses the checkout helpers
pub use checkout::*;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alipay_ams_api::payments::{CaptureRequest, CaptureResponse};
use alipay_ams_core::time::epoch_millis;
use alipay_ams_core::{Amount, Message, PrivateKey, PublicKey};
use alipay_ams_sandbox::{CreatePayment, Sandbox, example_keys};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

/// Alipay's documented paths of capture (written out: the sandbox must
/// serve exactly these).
pub const SANDBOX_PATH: &str = "/ams/sandbox/api/v1/payments/capture";
pub const PRODUCTION_PATH: &str = "/ams/api/v1/payments/capture";

pub fn merchant_private_key() -> PrivateKey {
    PrivateKey::parse(example_keys::MERCHANT_PRIVATE_KEY_PEM).unwrap()
}

pub fn alipay_public_key() -> PublicKey {
    PublicKey::parse(example_keys::ALIPAY_PUBLIC_KEY_PEM).unwrap()
}

pub fn alipay_private_key() -> PrivateKey {
    PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap()
}

pub fn usd(value: &str) -> Amount {
    Amount::from_minor_units_str("USD", value).unwrap()
}

pub async fn start() -> Sandbox {
    Sandbox::with_example_keys()
        .time_scale(0.001)
        .start()
        .await
        .unwrap()
}

/// A payment of USD 100.00 with no notify URL.
pub fn payment(sandbox: &Sandbox) -> String {
    sandbox
        .create_payment(CreatePayment::new(usd("10000")))
        .unwrap()
        .payment_id
}

/// One HTTP exchange as received.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_signed(&self) -> bool {
        self.headers.contains_key("signature") || self.headers.contains_key("response-time")
    }

    /// Verifies the reply as a merchant does: path called, client id,
    /// response-time, exact body bytes, with Alipay's public key.
    pub fn verifies(&self, path: &str) -> bool {
        let (Some(client), Some(time), Some(signature)) = (
            self.header("client-id"),
            self.header("response-time"),
            self.header("signature"),
        ) else {
            return false;
        };
        Message::response(path, client, time, &self.body)
            .verify(&alipay_public_key(), signature)
            .is_ok()
    }

    /// The body as an S capture reply.
    pub fn capture(&self) -> CaptureResponse {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn code(&self) -> String {
        self.json()["result"]["resultCode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn status_letter(&self) -> String {
        self.json()["result"]["resultStatus"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends one request on a fresh connection. `target` is written to the
/// request line as given (origin or absolute form).
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Reply, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut request = Request::builder()
        .method(method)
        .uri(target)
        .header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let response = sender
        .send_request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// The merchant side: signs with the example merchant key.
pub struct Merchant {
    pub addr: SocketAddr,
    pub client_id: String,
    pub key: PrivateKey,
}

impl Merchant {
    /// The merchant of a sandbox started with the example keys.
    pub fn new(sandbox: &Sandbox) -> Self {
        Merchant {
            addr: sandbox.addr(),
            client_id: sandbox.client_id().to_owned(),
            key: sandbox
                .merchant_private_key()
                .expect("started with the example keys"),
        }
    }

    /// Signed headers for `body` sent to `path`.
    pub fn headers(&self, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
        let time = epoch_millis(SystemTime::now());
        let signature = Message::request(path, &self.client_id, &time, body)
            .sign(&self.key, 1)
            .unwrap();
        vec![
            ("content-type", "application/json; charset=UTF-8".into()),
            ("client-id", self.client_id.clone()),
            ("request-time", time),
            ("signature", signature.to_string()),
        ]
    }

    /// Signs and posts raw bytes to `path` (origin form).
    pub async fn post(&self, path: &str, body: &[u8]) -> Result<Reply, hyper::Error> {
        send(
            self.addr,
            "POST",
            path,
            &self.headers(path, body),
            body.to_vec(),
        )
        .await
    }

    /// Signs and posts a capture to the sandbox path.
    pub async fn capture(&self, request: &CaptureRequest) -> Result<Reply, hyper::Error> {
        self.post(SANDBOX_PATH, &serde_json::to_vec(request).unwrap())
            .await
    }
}

/// A notification as the notify endpoint received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub client_id: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub verified: bool,
}

/// What the notify endpoint answers to the n-th notification (0-based).
pub type Policy = Arc<dyn Fn(usize) -> (u16, &'static str) + Send + Sync>;

pub const NOT_ACK: &str =
    r#"{"result":{"resultCode":"PROCESS_FAIL","resultStatus":"F","resultMessage":"busy"}}"#;

/// A merchant notify endpoint on 127.0.0.1 that verifies every notification
/// with core and Alipay's public key, then answers per its policy.
pub struct NotifyEndpoint {
    pub url: String,
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl NotifyEndpoint {
    pub async fn acking() -> Self {
        Self::start(Arc::new(|_| (200, alipay_ams_core::ACK_BODY))).await
    }

    pub async fn never_acking() -> Self {
        Self::start(Arc::new(|_| (200, NOT_ACK))).await
    }

    pub async fn start(policy: Policy) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let log = Arc::clone(&received);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = Arc::clone(&log);
                let policy = Arc::clone(&policy);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let log = Arc::clone(&log);
                        let policy = Arc::clone(&policy);
                        async move {
                            let path = request.uri().path().to_owned();
                            let headers = request.headers().clone();
                            let body = request.into_body().collect().await?.to_bytes();
                            let get = |name: &str| {
                                headers
                                    .get(name)
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned)
                            };
                            let verified =
                                match (get("client-id"), get("request-time"), get("signature")) {
                                    (Some(client), Some(time), Some(signature)) => {
                                        Message::notification(&path, &client, &time, &body)
                                            .verify(&alipay_public_key(), &signature)
                                            .is_ok()
                                    }
                                    _ => false,
                                };
                            let n = {
                                let mut log = log.lock().unwrap();
                                log.push(Received {
                                    path,
                                    client_id: get("client-id"),
                                    content_type: get("content-type"),
                                    body,
                                    verified,
                                });
                                log.len() - 1
                            };
                            let (status, answer) = policy(n);
                            let mut response = hyper::Response::new(Full::new(Bytes::from_static(
                                answer.as_bytes(),
                            )));
                            *response.status_mut() = StatusCode::from_u16(status).unwrap();
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        NotifyEndpoint {
            url: format!("http://{addr}/alipay/notify"),
            addr,
            received,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for NotifyEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits (bounded) until `check` holds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Sends hand-written HTTP/1.1 bytes (with `Connection: close`) with the
/// raw client of `alipay-ams-testkit` and returns the reply: for request
/// targets no client library would produce.
pub async fn send_raw(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    let response = alipay_ams_testkit::exchange(addr, [head.as_bytes(), body].concat())
        .await
        .into_response();
    Reply {
        status: response.status,
        headers: response.headers,
        body: response.body,
    }
}

//! A real HTTP server on 127.0.0.1 that plays Alipay: it verifies the
//! merchant's request signature with the merchant's public key, records every
//! request, and answers as a script says, signing with the example Alipay key.
#![allow(dead_code)]

pub mod checkout;
pub mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::{
    Client, ClientBuilder, Error, Failed, Gateway, NotSent, Outcome, RetryPolicy, Unknown,
};
use alipay_ams_core::{Amount, Message, PrivateKey, PublicKey, time};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "SANDBOX_5X00000000000000";

pub fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-example")
}

pub fn merchant_private() -> PrivateKey {
    PrivateKey::from_file(keys_dir().join("merchant/private_key.pem")).unwrap()
}

pub fn merchant_public() -> PublicKey {
    PublicKey::from_file(keys_dir().join("merchant/public_key.pem")).unwrap()
}

pub fn alipay_private() -> PrivateKey {
    PrivateKey::from_file(keys_dir().join("alipay/private_key.pem")).unwrap()
}

pub fn alipay_public() -> PublicKey {
    PublicKey::from_file(keys_dir().join("alipay/public_key.pem")).unwrap()
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// Whether the `Signature` header verified with the merchant's public key
    /// over (path as received, Client-Id, Request-Time, body).
    pub signature_valid: bool,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How the reply is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// `signature`, `response-time` and `client-id`, correct.
    Signed,
    /// No signature headers at all.
    Unsigned,
    /// Signed over a different body than the one sent.
    Tampered,
    /// `signature` only.
    OnlySignature,
    /// Signed, but `client-id` names another merchant.
    OtherClientId,
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub signing: Signing,
    pub delay: Duration,
    /// The `response-time` to sign with instead of now (a recorded reply).
    pub response_time: Option<String>,
}

impl Reply {
    pub fn signed(body: &str) -> Self {
        Reply {
            status: 200,
            body: body.as_bytes().to_vec(),
            signing: Signing::Signed,
            delay: Duration::ZERO,
            response_time: None,
        }
    }

    pub fn unsigned(body: &str) -> Self {
        Reply {
            signing: Signing::Unsigned,
            ..Self::signed(body)
        }
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Signed as of `response_time`, as a reply recorded then would be.
    pub fn recorded_at(mut self, response_time: &str) -> Self {
        self.response_time = Some(response_time.to_owned());
        self
    }
}

pub fn success_body(capture_request_id: &str) -> String {
    format!(
        r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS","resultMessage":"success."}},"captureRequestId":"{capture_request_id}","captureId":"20220919194010890100111740275850565","paymentId":"20220919194010890100111740275820195","captureAmount":{{"currency":"USD","value":"1000"}},"captureTime":"2022-09-19T09:59:17-07:00","acquirerReferenceNo":"2022091919031300010740267587902"}}"#
    )
}

/// A success that echoes the request's ids and amount, as Alipay's does.
pub fn echo_success(req: &Recorded) -> String {
    let sent = req.json();
    serde_json::json!({
        "result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success."},
        "captureRequestId": sent["captureRequestId"],
        "captureId": "20220919194010890100111740275850565",
        "paymentId": sent["paymentId"],
        "captureAmount": sent["captureAmount"],
        "captureTime": "2022-09-19T09:59:17-07:00"
    })
    .to_string()
}

pub const FAILED_BODY: &str = r#"{"result":{"resultStatus":"F","resultCode":"CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT","resultMessage":"The total capture amount exceeds the authorized amount."}}"#;
pub const IN_PROCESS_BODY: &str = r#"{"result":{"resultStatus":"U","resultCode":"CAPTURE_IN_PROCESS","resultMessage":"The capture is being processed."}}"#;

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// The fake gateway. Requests are numbered from 0.
pub struct FakeAlipay {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    tls: bool,
}

impl FakeAlipay {
    pub async fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::serve(None, script).await
    }

    /// Over https, with a certificate signed by a fresh CA; returns the
    /// server and the CA certificate (PEM).
    pub async fn start_tls(
        certificate: &tls::Certificate,
        script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> (Self, String) {
        let (acceptor, ca_pem) = tls::acceptor(certificate);
        (Self::serve(Some(acceptor), script).await, ca_pem)
    }

    async fn serve(
        tls: Option<tokio_rustls::TlsAcceptor>,
        script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let recorded = requests.clone();
        let is_tls = tls.is_some();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = script.clone();
                let recorded = recorded.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |req| handle(req, script.clone(), recorded.clone()));
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                        Some(acceptor) => {
                            // A client that refuses the certificate ends here.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    }
                });
            }
        });
        FakeAlipay {
            addr,
            requests,
            tls: is_tls,
        }
    }

    /// Always answers the same.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone()).await
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// A client for this server with tiny retry waits.
    pub fn client(&self) -> ClientBuilder {
        Client::builder()
            .client_id(CLIENT_ID)
            .private_key(merchant_private())
            .alipay_public_key(alipay_public())
            .gateway(Gateway::custom(self.url()))
            .attempt_timeout(Duration::from_secs(5))
            .retry_policy(
                RetryPolicy::default()
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_millis(20)),
            )
    }
}

async fn handle(
    req: Request<Incoming>,
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Recorded>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let signature_valid =
        Message::request(&path, header("client-id"), header("request-time"), &body)
            .verify(&merchant_public(), header("signature"))
            .is_ok();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: path.clone(),
        headers: parts.headers.clone(),
        body,
        signature_valid,
    };
    let index = {
        let mut all = requests.lock().unwrap();
        all.push(recorded.clone());
        all.len() - 1
    };
    let reply = script(index, &recorded);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let client_id = header("client-id").to_owned();
    let response_time = reply
        .response_time
        .clone()
        .unwrap_or_else(|| time::iso8601_utc(SystemTime::now()));
    let sign = |body: &[u8]| {
        Message::response(&path, &client_id, &response_time, body)
            .sign(&alipay_private(), 1)
            .unwrap()
            .to_string()
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header("content-type", "application/json; charset=UTF-8");
    match reply.signing {
        Signing::Signed => {
            builder = builder
                .header("signature", sign(&reply.body))
                .header("response-time", &response_time)
                .header("client-id", &client_id);
        }
        Signing::Unsigned => {}
        Signing::Tampered => {
            let mut original = reply.body.clone();
            // What Alipay signed differs by one byte from what arrives.
            if let Some(byte) = original.iter_mut().find(|b| b.is_ascii_digit()) {
                *byte = if *byte == b'9' { b'8' } else { *byte + 1 };
            }
            assert_ne!(original, reply.body, "tampering needs a digit in the body");
            builder = builder
                .header("signature", sign(&original))
                .header("response-time", &response_time)
                .header("client-id", &client_id);
        }
        Signing::OnlySignature => {
            builder = builder.header("signature", sign(&reply.body));
        }
        Signing::OtherClientId => {
            builder = builder
                .header("signature", sign(&reply.body))
                .header("response-time", &response_time)
                .header("client-id", "SANDBOX_SOMEONE_ELSE");
        }
    }
    Ok(builder.body(Full::new(Bytes::from(reply.body))).unwrap())
}

pub fn request(id: &str) -> CaptureRequest {
    CaptureRequest::new(
        id,
        "20220919194010890100111740275820195",
        Amount::from_minor_units("USD", 1000).unwrap(),
    )
}

pub fn assert_unknown_advice(error: &Error) {
    let text = error.to_string();
    assert!(text.contains("UNKNOWN"), "{text}");
    assert!(text.contains("wait for notifyCapture"), "{text}");
    assert!(text.contains("inquiryPayment"), "{text}");
    assert!(
        text.contains("never capture again under a new captureRequestId"),
        "{text}"
    );
}

/// The unknown outcome inside `error`; panics with the error otherwise.
pub fn unknown(error: &Error) -> &Unknown {
    match error {
        Error::Unknown(unknown) => {
            assert_eq!(error.outcome(), Outcome::Unknown);
            unknown
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

/// The final failure inside `error`; panics with the error otherwise.
pub fn failed(error: &Error) -> &Failed {
    match error {
        Error::Failed(failed) => {
            assert_eq!(error.outcome(), Outcome::Failed);
            failed
        }
        other => panic!("expected a final failure, got {other:?}"),
    }
}

/// The not-sent error inside `error`; panics with the error otherwise.
pub fn not_sent(error: &Error) -> &NotSent {
    match error {
        Error::NotSent(not_sent) => {
            assert_eq!(error.outcome(), Outcome::NotSent);
            not_sent
        }
        other => panic!("expected not sent, got {other:?}"),
    }
}

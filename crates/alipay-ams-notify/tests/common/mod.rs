//! Shared by the integration tests: keys, signing as Alipay, a recording
//! handler, test-local notification kinds, loopback servers (axum and plain
//! hyper) and a raw HTTP/1.1 client.
#![allow(dead_code)]

mod kinds;

#[allow(unused_imports)]
pub use kinds::*;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_core::{Message, PrivateKey, PublicKey};
use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const CLIENT_ID: &str = "SANDBOX_5X00000000000000";
pub const NOTIFY_PATH: &str = "/alipay/notify";

pub fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-example")
}

pub fn alipay_private_key() -> PrivateKey {
    PrivateKey::from_file(keys_dir().join("alipay/private_key.pem")).unwrap()
}

pub fn alipay_public_key() -> PublicKey {
    PublicKey::from_file(keys_dir().join("alipay/public_key.pem")).unwrap()
}

pub fn merchant_private_key() -> PrivateKey {
    PrivateKey::from_file(keys_dir().join("merchant/private_key.pem")).unwrap()
}

pub fn config() -> NotifyConfig {
    NotifyConfig::new(CLIENT_ID, alipay_public_key())
}

pub fn now_iso() -> String {
    alipay_ams_core::time::iso8601_utc(SystemTime::now())
}

pub fn capture_body(capture_id: &str) -> String {
    format!(
        r#"{{"captureAmount":{{"currency":"BRL","value":"50000"}},"notifyType":"CAPTURE_RESULT","captureId":"{capture_id}","captureRequestId":"cr-{capture_id}","captureTime":"2022-11-10T00:34:52-08:00","paymentId":"2022000000001","result":{{"resultCode":"SUCCESS","resultMessage":"success.","resultStatus":"S"}}}}"#
    )
}

/// One notification delivery as Alipay makes it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub path: String,
    pub client_id: String,
    pub request_time: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Delivery {
    /// Signed with the sandbox Alipay key, for `path`.
    pub fn signed(path: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::signed_with(&alipay_private_key(), path, CLIENT_ID, &now_iso(), body)
    }

    pub fn signed_with(
        key: &PrivateKey,
        path: &str,
        client_id: &str,
        time: &str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self::signed_as_version(key, 1, path, client_id, time, body)
    }

    /// Signed with `key`, the header naming `keyVersion=<key_version>`.
    pub fn signed_as_version(
        key: &PrivateKey,
        key_version: u32,
        path: &str,
        client_id: &str,
        time: &str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let body = body.into();
        let signature = Message::notification(path, client_id, time, &body)
            .sign(key, key_version)
            .unwrap()
            .to_string();
        Delivery {
            path: path.to_owned(),
            client_id: client_id.to_owned(),
            request_time: time.to_owned(),
            signature,
            body,
        }
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            (
                "Content-Type".into(),
                "application/json; charset=UTF-8".into(),
            ),
            ("client-id".into(), self.client_id.clone()),
            ("request-time".into(), self.request_time.clone()),
            ("signature".into(), self.signature.clone()),
        ]
    }

    /// The headers as `verify_notification` takes them.
    pub fn headers_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in self.headers() {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    pub async fn post(&self, addr: SocketAddr) -> Reply {
        self.post_to(addr, &self.path.clone()).await
    }

    pub async fn post_to(&self, addr: SocketAddr, path: &str) -> Reply {
        send(
            addr,
            "POST",
            path,
            &self.headers(),
            Payload::Sized(self.body.clone()),
        )
        .await
    }
}

/// What the handler saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub capture_id: String,
    pub dedup_key: String,
    pub client_id: String,
    pub request_time: String,
    pub key_version: u32,
    pub raw_body: Vec<u8>,
}

/// A handler that records captures and can be told to fail.
#[derive(Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<Seen>>,
    pub failing: AtomicBool,
}

impl Recorder {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

impl NotifyHandler<CaptureNotification> for Recorder {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        // Yield once so the handler is really asynchronous.
        tokio::task::yield_now().await;
        if self.failing.load(Ordering::SeqCst) {
            return Err(HandlerError::new("database unavailable"));
        }
        self.seen.lock().unwrap().push(Seen {
            capture_id: n.capture_id,
            dedup_key: meta.dedup_key().to_string(),
            client_id: meta.client_id().to_owned(),
            request_time: meta.request_time().to_owned(),
            key_version: meta.key_version(),
            raw_body: meta.raw_body().to_vec(),
        });
        Ok(())
    }
}

/// An endpoint with `config` that routes captures to `recorder`.
pub fn capture_service(config: NotifyConfig, recorder: &Arc<Recorder>) -> NotifyService {
    NotifyService::builder(config)
        .on::<CaptureNotification>(Arc::clone(recorder))
        .build()
        .unwrap()
}

/// Serves `router` on a fresh loopback port.
pub async fn serve_axum(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Serves `service` with plain hyper (HTTP/1.1) on a fresh loopback port,
/// whatever the path: hyper has no router.
pub async fn serve_hyper(service: NotifyService) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A request body as it goes on the wire.
pub enum Payload {
    None,
    Sized(Vec<u8>),
    /// `Transfer-Encoding: chunked`, no `Content-Length`.
    Chunked(Vec<u8>),
    /// Only the headers, announcing `Content-Length: n`; no body follows.
    Announce(u64),
}

/// An HTTP response as received.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts the fixed acknowledgement.
    pub fn assert_ack(&self) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.body, alipay_ams_core::ACK_BODY.as_bytes(), "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/json"));
    }

    /// Asserts a refusal with `status`, a JSON result that is not S, and returns its resultCode.
    pub fn assert_refused(&self, status: u16, result_status: &str) -> String {
        assert_eq!(
            self.status,
            status,
            "{self:?} / {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        let json = self.json();
        let result = &json["result"];
        assert_eq!(result["resultStatus"], result_status, "{json}");
        assert!(result["resultMessage"].is_string(), "{json}");
        result["resultCode"].as_str().unwrap().to_owned()
    }
}

/// Sends one request on a new connection with raw HTTP/1.1 and reads the
/// response. The body is written concurrently with reading, as a client that
/// streams a large body would, so an early answer is seen.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    payload: Payload,
) -> Reply {
    tokio::time::timeout(
        Duration::from_secs(60),
        send_inner(addr, method, path, headers, payload),
    )
    .await
    .expect("the server did not answer within 60 s")
}

async fn send_inner(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    payload: Payload,
) -> Reply {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = match payload {
        Payload::None => Vec::new(),
        Payload::Sized(body) => {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
            body
        }
        Payload::Chunked(body) => {
            head.push_str("Transfer-Encoding: chunked\r\n");
            let mut out = Vec::new();
            for chunk in body.chunks(8 * 1024) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            out
        }
        Payload::Announce(len) => {
            head.push_str(&format!("Content-Length: {len}\r\n"));
            Vec::new()
        }
    };
    head.push_str("\r\n");
    let writer_task = tokio::spawn(async move {
        // The server may answer and close before reading everything: ignore write errors.
        if writer.write_all(head.as_bytes()).await.is_ok() {
            let _ = writer.write_all(&body).await;
        }
        writer
    });

    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if let Some(reply) = parse_reply(&raw) {
                    writer_task.abort();
                    return reply;
                }
            }
            Err(e) => panic!("reading the response failed after {} bytes: {e}", raw.len()),
        }
    }
    writer_task.abort();
    parse_reply(&raw)
        .unwrap_or_else(|| panic!("incomplete response: {:?}", String::from_utf8_lossy(&raw)))
}

/// A complete response (head + Content-Length body), or None if more is needed.
fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .expect("responses carry Content-Length");
    let body = raw.get(end + 4..end + 4 + len)?.to_vec();
    Some(Reply {
        status,
        headers,
        body,
    })
}

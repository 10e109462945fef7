//! Shared by the integration tests: keys, signing as Alipay, a recording
//! handler, test-local notification kinds, loopback servers (axum and plain
//! hyper) and requests sent with the raw HTTP/1.1 client of
//! `alipay-ams-testkit`.
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
use tokio::net::TcpListener;

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
pub use alipay_ams_testkit::Payload;
/// A reply as received by the raw client.
pub use alipay_ams_testkit::Response as Reply;

/// What the endpoint's replies must look like.
pub trait Verdict {
    /// Asserts the fixed acknowledgement.
    fn assert_ack(&self);
    /// Asserts a refusal with `status`, a JSON result that is not S, and
    /// returns its resultCode.
    fn assert_refused(&self, status: u16, result_status: &str) -> String;
}

impl Verdict for Reply {
    fn assert_ack(&self) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.body, alipay_ams_core::ACK_BODY.as_bytes(), "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/json"));
    }

    fn assert_refused(&self, status: u16, result_status: &str) -> String {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/json"));
        let json = self.json();
        let result = &json["result"];
        assert_eq!(result["resultStatus"], result_status, "{json}");
        assert!(result["resultMessage"].is_string(), "{json}");
        result["resultCode"].as_str().unwrap().to_owned()
    }
}

/// Sends one request on a new connection with raw HTTP/1.1 and reads the
/// response (the body written while the reply is read, so an early answer
/// is seen). Panics if the server closes without one, or gives none within
/// 60 s.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    payload: Payload,
) -> Reply {
    let headers: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let request = alipay_ams_testkit::request_with(method, path, &headers, payload);
    alipay_ams_testkit::try_exchange(addr, request, Duration::from_secs(60))
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .into_response()
}

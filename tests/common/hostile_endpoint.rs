//! The notify endpoint the hostile tests attack: plain hyper 1 with
//! `NotifyService`, set up the way a merchant should run it in production
//! (the notify crate owns no connection, so the HTTP server sets the
//! connection limits):
//!
//! - `header_read_timeout`: a client that dribbles its headers is cut off;
//! - the service's deadline (`NotifyServiceBuilder::deadline`): a client that
//!   dribbles its body gets 503 with resultStatus U and the connection is
//!   closed;
//! - `max_buf_size` and hyper's default limit of 100 headers: header floods
//!   are refused by the HTTP layer before the service sees them.
//!
//! Also what every hostile test needs around it: a genuine notification
//! signed as Alipay, and the check that one is still acknowledged.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::CaptureNotification;
use alipay_ams::protocol::ACK_BODY;
use alipay_ams::sandbox::{example_keys, signed_notification_body};
use alipay_ams::{PrivateKey, PublicKey};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use alipay_ams_testkit::{self as raw_http, Answer};

/// The client id the endpoint is configured with.
pub const CLIENT_ID: &str = example_keys::CLIENT_ID;
/// Where the endpoint is mounted (and what notifications are signed over).
pub const PATH: &str = "/alipay/notify";
/// How long a client may take to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a whole request (body included) may take to be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The merchant's store: what the handler processed, deduplicated.
#[derive(Default)]
pub struct Ledger {
    pub seen: Mutex<HashSet<String>>,
    pub processed: AtomicU32,
}

struct Shop(Arc<Ledger>);

impl NotifyHandler<CaptureNotification> for Shop {
    async fn handle(&self, _n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        if self
            .0
            .seen
            .lock()
            .unwrap()
            .insert(meta.dedup_key().to_string())
        {
            self.0.processed.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// Starts the endpoint on 127.0.0.1:0 with production-style limits.
pub async fn start() -> (SocketAddr, Arc<Ledger>) {
    let ledger = Arc::new(Ledger::default());
    let config = NotifyConfig::new(
        CLIENT_ID,
        PublicKey::parse(example_keys::ALIPAY_PUBLIC_KEY_PEM).unwrap(),
    );
    let service = NotifyService::builder(config)
        .on::<CaptureNotification>(Shop(ledger.clone()))
        .deadline(REQUEST_TIMEOUT, tokio::time::sleep)
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(64 * 1024);
                // Errors here are the hostile clients' broken connections.
                let _ = http.serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (addr, ledger)
}

/// The (example) key Alipay signs notifications with.
pub fn alipay_key() -> PrivateKey {
    PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap()
}

/// The merchant's (example) key: what an attacker who is not Alipay has.
pub fn merchant_key() -> PrivateKey {
    PrivateKey::parse(example_keys::MERCHANT_PRIVATE_KEY_PEM).unwrap()
}

/// A notifyCapture body, as exact bytes.
pub fn notification_body(capture_id: &str, value: &str) -> Vec<u8> {
    format!(
        r#"{{"notifyType":"CAPTURE_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."}},"captureRequestId":"cr-{capture_id}","paymentId":"p-{capture_id}","captureId":"{capture_id}","captureAmount":{{"currency":"USD","value":"{value}"}},"captureTime":"2026-11-25T10:00:00+08:00"}}"#
    )
    .into_bytes()
}

/// `body` posted to `PATH`, signed with `key` for `client_id` over `path`
/// (the sandbox's test helper signs it, with `request-time` now).
pub fn signed(
    key: &PrivateKey,
    client_id: &str,
    path: &str,
    body: &[u8],
) -> http::Request<bytes::Bytes> {
    let mut request = signed_notification_body(key, client_id, path, body.to_vec()).unwrap();
    *request.uri_mut() = PATH.parse().unwrap();
    request
}

/// A genuine notification of `capture_id`, as raw request bytes.
pub fn genuine_request(capture_id: &str) -> Vec<u8> {
    raw_http::from_request(&signed(
        &alipay_key(),
        CLIENT_ID,
        PATH,
        &notification_body(capture_id, "1000"),
    ))
}

/// Sends a genuine notification and asserts that it is acknowledged and
/// processed.
pub async fn assert_genuine_acknowledged(addr: SocketAddr, ledger: &Ledger, capture_id: &str) {
    let before = ledger.processed.load(Ordering::SeqCst);
    let answer = raw_http::exchange(addr, genuine_request(capture_id)).await;
    match &answer {
        Answer::Http(reply) if reply.status == 200 && reply.body == ACK_BODY => {}
        other => panic!("a genuine notification was not acknowledged: {other:?}"),
    }
    assert_eq!(ledger.processed.load(Ordering::SeqCst), before + 1);
}

//! What the outbox's root tests share: a counting proxy between the client
//! and the sandbox (how many requests reached the gateway per API and key,
//! and how many were in flight at once), the database, and the ledger
//! checks (one transaction per idempotency key, refunds within captures).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams::sandbox::Sandbox;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// `DATABASE_URL`, or a failure that says how to get one: these tests run
/// against a real PostgreSQL and are never skipped.
pub fn database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "DATABASE_URL is not set: the outbox's PostgreSQL tests need a real database. Run them with a throwaway cluster:\n\n    \
             scripts/postgres.sh run -- cargo test -p alipay-ams --all-features --test outbox\n\n\
             (or scripts/test.sh for the whole workspace)"
        ),
    }
}

/// A table name no other test uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[derive(Default)]
struct Counts {
    in_flight: HashMap<String, u32>,
    most: HashMap<String, u32>,
    total: HashMap<String, u32>,
}

/// A proxy on loopback that forwards every request to the sandbox and
/// counts them by `api:key` (`capture:cap-1`, `inquiryPayment:<paymentId>`).
#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    counts: Arc<Mutex<Counts>>,
}

/// One request in flight; counted out when dropped, however it ends.
struct InFlight {
    counts: Arc<Mutex<Counts>>,
    key: String,
}

impl InFlight {
    fn enter(counts: &Arc<Mutex<Counts>>, key: String) -> Self {
        let mut c = counts.lock().unwrap();
        *c.total.entry(key.clone()).or_default() += 1;
        let now = {
            let n = c.in_flight.entry(key.clone()).or_default();
            *n += 1;
            *n
        };
        let most = c.most.entry(key.clone()).or_default();
        *most = (*most).max(now);
        InFlight {
            counts: counts.clone(),
            key,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut c = self.counts.lock().unwrap();
        if let Some(n) = c.in_flight.get_mut(&self.key) {
            *n -= 1;
        }
    }
}

/// `api:key` of a request: the last path segment, and the field that names
/// what it acts on.
fn key_of(path: &str, body: &[u8]) -> String {
    let api = path.rsplit('/').next().unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = match api {
        "capture" => "captureRequestId",
        "refund" | "inquiryRefund" => "refundRequestId",
        "pay" => "paymentRequestId",
        _ => "paymentId",
    };
    format!("{api}:{}", json[field].as_str().unwrap_or_default())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Forwards one request to the sandbox, counted while it is in flight. When
/// the sandbox drops the connection, so does the proxy.
async fn forward(
    req: Request<Incoming>,
    target: SocketAddr,
    counts: Arc<Mutex<Counts>>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let (mut parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let _in_flight = InFlight::enter(&counts, key_of(parts.uri.path(), &body));
    parts.uri = format!("http://{target}{}", parts.uri.path()).parse()?;
    let reply = http
        .request(Request::from_parts(parts, Full::new(body)))
        .await?;
    let (parts, body) = reply.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts: Arc<Mutex<Counts>> = Arc::default();
        let http: HttpClient<HttpConnector, Full<Bytes>> =
            HttpClient::builder(TokioExecutor::new()).build_http();
        let proxy = Proxy {
            addr,
            counts: counts.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (counts, http) = (counts.clone(), http.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        forward(req, target, counts.clone(), http.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests that reached the proxy for `key` (`capture:cap-1`).
    pub fn total(&self, key: &str) -> u32 {
        self.counts
            .lock()
            .unwrap()
            .total
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Requests for `key` in flight now.
    pub fn in_flight(&self, key: &str) -> u32 {
        self.counts
            .lock()
            .unwrap()
            .in_flight
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Per key, the most requests in flight at once.
    pub fn most_at_once(&self) -> HashMap<String, u32> {
        self.counts.lock().unwrap().most.clone()
    }

    /// Per key, the requests that reached the proxy.
    pub fn totals(&self) -> HashMap<String, u32> {
        self.counts.lock().unwrap().total.clone()
    }

    /// Waits until a request for `key` is in flight.
    pub async fn wait_in_flight(&self, key: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.in_flight(key) == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{key} never reached the gateway"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// What the sandbox's ledger shows, checked: one capture per
/// captureRequestId, one refund per refundRequestId, and no payment refunded
/// beyond what was captured. Returns (successful captures, failed captures,
/// refunds not failed, failed refunds).
pub fn check_ledger(sandbox: &Sandbox) -> (usize, usize, usize, usize) {
    let mut captures: HashMap<String, usize> = HashMap::new();
    let (mut captured, mut capture_failed) = (0, 0);
    for capture in sandbox.captures() {
        *captures
            .entry(capture.capture_request_id.clone())
            .or_default() += 1;
        if capture.result.result_status == alipay_ams::ResultStatus::Success {
            captured += 1;
        } else {
            capture_failed += 1;
        }
    }
    let doubles: Vec<_> = captures.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubles.is_empty(), "double captures: {doubles:?}");
    let mut refunds: HashMap<String, usize> = HashMap::new();
    let mut refunded_per_payment: HashMap<String, u64> = HashMap::new();
    let (mut refunded, mut refund_failed) = (0, 0);
    for refund in sandbox.refunds() {
        *refunds.entry(refund.refund_request_id.clone()).or_default() += 1;
        if refund.status == alipay_ams::sandbox::RefundStatus::Fail {
            refund_failed += 1;
        } else {
            refunded += 1;
            *refunded_per_payment
                .entry(refund.payment_id.clone())
                .or_default() += refund.refund_amount.minor_units().unwrap();
        }
    }
    let doubles: Vec<_> = refunds.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubles.is_empty(), "double refunds: {doubles:?}");
    for payment in sandbox.payments() {
        let captured = payment.captured.minor_units().unwrap();
        let refunded = refunded_per_payment
            .get(&payment.payment_id)
            .copied()
            .unwrap_or(0);
        assert!(
            refunded <= captured,
            "{} refunded {refunded} of {captured} captured",
            payment.payment_id
        );
    }
    (captured, capture_failed, refunded, refund_failed)
}

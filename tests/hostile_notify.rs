//! Hostile input at the notify endpoint, over a real loopback HTTP server.
//!
//! The server is plain hyper 1 with `NotifyService`, set up the way a merchant
//! should run it in production (the notify crate itself has no timeouts: the
//! HTTP server owns the connection, so it sets them):
//!
//! - `header_read_timeout`: a client that dribbles its headers is cut off;
//! - a deadline around each request (`tokio::time::timeout` around
//!   `NotifyService::handle`, or tower-http's `TimeoutLayer`): a client that
//!   dribbles its body gets a non-S answer and the connection is closed;
//! - `max_buf_size` and hyper's default limit of 100 headers: header floods are
//!   refused by the HTTP layer before the service sees them.
//!
//! Every hostile request must be refused with a non-S answer (or the connection
//! closed by the HTTP layer), a genuine notification must still be acknowledged
//! right after it, and memory must stay bounded over thousands of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::{ACK_BODY, CaptureNotification, Message, PrivateKey, PublicKey};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "SANDBOX_5X00000000000000";
const PATH: &str = "/alipay/notify";
const ALIPAY_PRIVATE_KEY: &str = include_str!("../keys-example/alipay/private_key.pem");
const ALIPAY_PUBLIC_KEY: &str = include_str!("../keys-example/alipay/public_key.pem");
const MERCHANT_PRIVATE_KEY: &str = include_str!("../keys-example/merchant/private_key.pem");

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a whole request (body included) may take to be answered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest the test waits for any answer: far beyond both timeouts, so
/// hitting it means the server hung.
const HANG: Duration = Duration::from_secs(30);

/// Tests in this file share the process (and its RSS): run them one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Default)]
struct Ledger {
    seen: Mutex<HashSet<String>>,
    processed: AtomicU32,
}

struct Shop(Arc<Ledger>);

impl NotifyHandler for Shop {
    async fn capture(
        &self,
        _n: CaptureNotification,
        meta: &NotifyMeta,
    ) -> Result<(), HandlerError> {
        if self
            .0
            .seen
            .lock()
            .unwrap()
            .insert(meta.idempotency_key().to_string())
        {
            self.0.processed.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// What a merchant answers when the request deadline passes: not S, so Alipay
/// delivers again later.
fn timeout_response() -> http::Response<Full<Bytes>> {
    let body = r#"{"result":{"resultCode":"PROCESS_FAIL","resultStatus":"U","resultMessage":"request timed out"}}"#;
    let mut response = http::Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = http::StatusCode::REQUEST_TIMEOUT;
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Starts the endpoint on 127.0.0.1:0 with production-style limits.
async fn start() -> (SocketAddr, Arc<Ledger>) {
    let ledger = Arc::new(Ledger::default());
    let config = NotifyConfig::new(CLIENT_ID, PublicKey::parse(ALIPAY_PUBLIC_KEY).unwrap());
    let service = NotifyService::new(config, Shop(ledger.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let hyper_service = hyper::service::service_fn(move |request| {
                    // `handle`'s future borrows the service (edition 2024 capture
                    // rules), so each request gets its own cheap clone.
                    let service = service.clone();
                    async move {
                        let answer =
                            tokio::time::timeout(REQUEST_TIMEOUT, service.handle(request)).await;
                        Ok::<_, Infallible>(answer.unwrap_or_else(|_| timeout_response()))
                    }
                });
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(64 * 1024);
                // Errors here are the hostile clients' broken connections.
                let _ = http
                    .serve_connection(TokioIo::new(stream), hyper_service)
                    .await;
            });
        }
    });
    (addr, ledger)
}

fn alipay_key() -> PrivateKey {
    PrivateKey::parse(ALIPAY_PRIVATE_KEY).unwrap()
}

fn notification_body(capture_id: &str, value: &str) -> Vec<u8> {
    format!(
        r#"{{"notifyType":"CAPTURE_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."}},"captureRequestId":"cr-{capture_id}","paymentId":"p-{capture_id}","captureId":"{capture_id}","captureAmount":{{"currency":"USD","value":"{value}"}},"captureTime":"2026-11-25T10:00:00+08:00"}}"#
    )
    .into_bytes()
}

const TIME: &str = "2026-11-25T10:00:00+08:00";

fn sign(key: &PrivateKey, path: &str, client_id: &str, time: &str, body: &[u8]) -> String {
    Message::notification(path, client_id, time, body)
        .sign(key, 1)
        .unwrap()
        .to_string()
}

/// An HTTP/1.1 request as raw bytes, closing the connection after the answer.
fn raw_request(method: &str, path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n")
        .into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// A signed POST with a Content-Length.
fn post(client_id: &str, time: &str, signature: &str, body: &[u8]) -> Vec<u8> {
    let len = body.len().to_string();
    raw_request(
        "POST",
        PATH,
        &[
            ("content-type", b"application/json; charset=UTF-8"),
            ("client-id", client_id.as_bytes()),
            ("request-time", time.as_bytes()),
            ("signature", signature.as_bytes()),
            ("content-length", len.as_bytes()),
        ],
        body,
    )
}

fn genuine_request(key: &PrivateKey, capture_id: &str) -> Vec<u8> {
    let body = notification_body(capture_id, "1000");
    post(
        CLIENT_ID,
        TIME,
        &sign(key, PATH, CLIENT_ID, TIME, &body),
        &body,
    )
}

#[derive(Debug)]
enum Outcome {
    /// The server answered.
    Answer { status: u16, body: String },
    /// The connection was closed (or reset) with no answer.
    Closed,
}

impl Outcome {
    fn is_refusal(&self) -> bool {
        match self {
            Outcome::Closed => true,
            Outcome::Answer { status, body } => {
                *status != 200 && !body.replace(' ', "").contains(r#""resultStatus":"S""#)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Closed => "connection closed".into(),
            Outcome::Answer { status, body } => {
                let status_text = body
                    .split("\"resultStatus\":\"")
                    .nth(1)
                    .and_then(|rest| rest.get(..1))
                    .map(|s| format!(" resultStatus {s}"))
                    .unwrap_or_default();
                format!("HTTP {status}{status_text}")
            }
        }
    }
}

/// Sends `request` (written concurrently, so a server that answers early and
/// closes does not block the test) and reads the answer until the server closes.
async fn exchange(addr: SocketAddr, request: Arc<Vec<u8>>) -> Outcome {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let write = tokio::spawn(async move {
        // A broken pipe here is the server refusing to read further.
        let _ = writer.write_all(&request).await;
        writer
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG, reader.read_to_end(&mut answer))
        .await
        .expect("the server hung: no answer and no close within 30 s");
    drop(write.await);
    if read.is_err() && answer.is_empty() {
        return Outcome::Closed;
    }
    parse_answer(&answer)
}

fn parse_answer(answer: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(answer);
    let Some(status) = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
    else {
        return Outcome::Closed;
    };
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Outcome::Answer { status, body }
}

/// What a hostile case must get.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exactly this status from the notify service.
    Status(u16),
    /// This status, or the connection closed (the client was still writing).
    StatusOrClosed(u16),
    /// Any non-S answer or a closed connection (the HTTP layer's call).
    Refused,
}

struct Case {
    name: &'static str,
    request: Arc<Vec<u8>>,
    expect: Expect,
}

fn case(name: &'static str, expect: Expect, request: Vec<u8>) -> Case {
    Case {
        name,
        request: Arc::new(request),
        expect,
    }
}

fn nested(depth: usize) -> Vec<u8> {
    let mut body = vec![b'['; depth];
    body.extend(std::iter::repeat_n(b']', depth));
    body
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(16 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Every hostile request, each built from a genuine one where that makes the
/// attack stronger (real signature, real headers).
fn hostile_cases(oversize: usize) -> Vec<Case> {
    let alipay = alipay_key();
    let merchant = PrivateKey::parse(MERCHANT_PRIVATE_KEY).unwrap();
    let body = notification_body("c-victim", "1000");
    let good_sig = sign(&alipay, PATH, CLIENT_ID, TIME, &body);
    let signed = |body: &[u8]| {
        post(
            CLIENT_ID,
            TIME,
            &sign(&alipay, PATH, CLIENT_ID, TIME, body),
            body,
        )
    };
    let forged_sig = format!(
        "algorithm=RSA256,keyVersion=1,signature={}",
        "QUJD".repeat(85) + "QQ%3D%3D"
    );
    let big = vec![b' '; oversize];
    let mut headers_flood = Vec::new();
    for i in 0..500 {
        headers_flood.extend_from_slice(format!("x-flood-{i}: {}\r\n", "v".repeat(20)).as_bytes());
    }
    let flood_request = {
        let mut r = b"POST /alipay/notify HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n".to_vec();
        r.extend_from_slice(&headers_flood);
        r.extend_from_slice(b"\r\n");
        r
    };
    let huge_header = format!("x-huge: {}", "h".repeat(1024 * 1024));
    let huge_header_request = format!(
        "POST /alipay/notify HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{huge_header}\r\ncontent-length: 0\r\n\r\n"
    )
    .into_bytes();
    let mut non_utf8 = body.clone();
    non_utf8.splice(10..10, [0xff, 0xfe, 0xc3, 0x28]);
    let chunked_big = raw_request(
        "POST",
        PATH,
        &[
            ("client-id", CLIENT_ID.as_bytes()),
            ("request-time", TIME.as_bytes()),
            ("signature", good_sig.as_bytes()),
            ("transfer-encoding", b"chunked"),
        ],
        &chunked(&big),
    );

    vec![
        case(
            "forged signature (random bytes)",
            Expect::Status(401),
            post(CLIENT_ID, TIME, &forged_sig, &body),
        ),
        case(
            "signed with the merchant's key instead of Alipay's",
            Expect::Status(401),
            post(
                CLIENT_ID,
                TIME,
                &sign(&merchant, PATH, CLIENT_ID, TIME, &body),
                &body,
            ),
        ),
        case(
            "replayed signature, amount raised",
            Expect::Status(401),
            post(
                CLIENT_ID,
                TIME,
                &good_sig,
                &notification_body("c-victim", "9999999"),
            ),
        ),
        case(
            "replayed signature, captureId changed",
            Expect::Status(401),
            post(
                CLIENT_ID,
                TIME,
                &good_sig,
                &notification_body("c-other", "1000"),
            ),
        ),
        case(
            "replayed signature, one trailing space added to the body",
            Expect::Status(401),
            post(CLIENT_ID, TIME, &good_sig, &[&body[..], b" "].concat()),
        ),
        case(
            "replayed with another request-time",
            Expect::Status(401),
            post(CLIENT_ID, "2026-11-25T10:00:01+08:00", &good_sig, &body),
        ),
        case(
            "replayed with another client-id (signed for it by the attacker)",
            Expect::Status(401),
            post(
                "SANDBOX_ATTACKER0000000",
                TIME,
                &sign(&merchant, PATH, "SANDBOX_ATTACKER0000000", TIME, &body),
                &body,
            ),
        ),
        case(
            "signed for another path",
            Expect::Status(401),
            post(
                CLIENT_ID,
                TIME,
                &sign(&alipay, "/other/notify", CLIENT_ID, TIME, &body),
                &body,
            ),
        ),
        case(
            "no signature header",
            Expect::Status(401),
            raw_request(
                "POST",
                PATH,
                &[
                    ("client-id", CLIENT_ID.as_bytes()),
                    ("request-time", TIME.as_bytes()),
                ],
                &body,
            ),
        ),
        case(
            "garbage signature header",
            Expect::Status(401),
            post(CLIENT_ID, TIME, "%%%,,,===", &body),
        ),
        case(
            "non-UTF-8 bytes in client-id",
            Expect::Refused,
            raw_request(
                "POST",
                PATH,
                &[
                    ("client-id", b"SANDBOX_\xff\xfe\xc3\x28"),
                    ("request-time", TIME.as_bytes()),
                    ("signature", good_sig.as_bytes()),
                    ("content-length", body.len().to_string().as_bytes()),
                ],
                &body,
            ),
        ),
        case(
            "non-UTF-8 bytes in the body, genuinely signed",
            Expect::Status(400),
            signed(&non_utf8),
        ),
        case(
            "non-UTF-8 bytes in the body, unsigned",
            Expect::Status(401),
            post(CLIENT_ID, TIME, &good_sig, &non_utf8),
        ),
        case(
            "oversized body with Content-Length",
            Expect::StatusOrClosed(413),
            post(CLIENT_ID, TIME, &good_sig, &big),
        ),
        case(
            "oversized chunked body (no Content-Length)",
            Expect::StatusOrClosed(413),
            chunked_big,
        ),
        case(
            "Content-Length of 10 GB",
            Expect::StatusOrClosed(413),
            raw_request(
                "POST",
                PATH,
                &[
                    ("client-id", CLIENT_ID.as_bytes()),
                    ("content-length", b"10000000000"),
                ],
                b"{}",
            ),
        ),
        case(
            "100k nested `[`, genuinely signed (over the body limit)",
            Expect::StatusOrClosed(413),
            signed(&nested(100_000)),
        ),
        case(
            "30k nested `[`, genuinely signed (within the body limit)",
            Expect::Status(400),
            signed(&nested(30_000)),
        ),
        case(
            "30k nested `{\"a\":`, genuinely signed",
            Expect::Status(400),
            signed(&[&b"{\"a\":".repeat(10_000)[..], &b"}".repeat(10_000)[..]].concat()),
        ),
        case(
            "CAPTURE_RESULT missing its fields, genuinely signed",
            Expect::Status(400),
            signed(br#"{"notifyType":"CAPTURE_RESULT"}"#),
        ),
        case("header flood: 500 headers", Expect::Refused, flood_request),
        case("one 1 MiB header", Expect::Refused, huge_header_request),
        case(
            "GET",
            Expect::Status(405),
            raw_request("GET", PATH, &[], b""),
        ),
        case(
            "not HTTP at all",
            Expect::Refused,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec(),
        ),
        case(
            "conflicting Content-Length headers",
            Expect::Refused,
            raw_request(
                "POST",
                PATH,
                &[
                    ("content-length", b"5"),
                    ("content-length", b"7"),
                    ("signature", good_sig.as_bytes()),
                ],
                b"{}{}{}{",
            ),
        ),
        case(
            "Transfer-Encoding and Content-Length together, tampered chunked body",
            Expect::Refused,
            raw_request(
                "POST",
                PATH,
                &[
                    ("client-id", CLIENT_ID.as_bytes()),
                    ("request-time", TIME.as_bytes()),
                    ("signature", good_sig.as_bytes()),
                    ("content-length", b"4"),
                    ("transfer-encoding", b"chunked"),
                ],
                &chunked(&notification_body("c-victim", "9999999")),
            ),
        ),
    ]
}

fn check(case: &Case, outcome: &Outcome) {
    assert!(
        outcome.is_refusal(),
        "{}: not refused: {outcome:?}",
        case.name
    );
    match (case.expect, outcome) {
        (Expect::Status(want), Outcome::Answer { status, body }) => {
            assert_eq!(*status, want, "{}: {body}", case.name);
            assert!(
                body.contains("\"resultStatus\""),
                "{}: the refusal has no result: {body}",
                case.name
            );
        }
        (Expect::Status(want), Outcome::Closed) => panic!(
            "{}: wanted HTTP {want}, the connection was closed",
            case.name
        ),
        (Expect::StatusOrClosed(want), Outcome::Answer { status, .. }) => {
            assert_eq!(*status, want, "{}", case.name)
        }
        _ => {}
    }
}

async fn assert_genuine_acknowledged(
    addr: SocketAddr,
    ledger: &Ledger,
    key: &PrivateKey,
    capture_id: &str,
) {
    let before = ledger.processed.load(Ordering::SeqCst);
    let outcome = exchange(addr, Arc::new(genuine_request(key, capture_id))).await;
    match &outcome {
        Outcome::Answer { status: 200, body } if body == ACK_BODY => {}
        other => panic!("a genuine notification was not acknowledged: {other:?}"),
    }
    assert_eq!(ledger.processed.load(Ordering::SeqCst), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_request_is_refused_and_a_genuine_one_is_still_acknowledged() {
    let _serial = SERIAL.lock().await;
    let (addr, ledger) = start().await;
    let key = alipay_key();
    assert_genuine_acknowledged(addr, &ledger, &key, "c-first").await;
    let cases = hostile_cases(2 * 1024 * 1024);
    println!("{:<70} answer", "hostile request");
    for (i, case) in cases.iter().enumerate() {
        let outcome = exchange(addr, case.request.clone()).await;
        println!("{:<70} {}", case.name, outcome.describe());
        check(case, &outcome);
        assert_genuine_acknowledged(addr, &ledger, &key, &format!("c-after-{i}")).await;
    }
    // The victim's capture id was never processed: nothing forged got through.
    assert!(
        !ledger
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|k| k.contains("c-victim") || k.contains("c-other"))
    );
    assert_eq!(
        ledger.processed.load(Ordering::SeqCst) as usize,
        cases.len() + 1
    );
}

/// Connects, sends `head`, then dribbles `tail` one byte every `gap`; returns
/// what the server answered (or that it closed) and how many bytes it took.
async fn dribble(
    addr: SocketAddr,
    head: Vec<u8>,
    tail: Vec<u8>,
    gap: Duration,
) -> (Outcome, usize) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let writer = tokio::spawn(async move {
        if writer.write_all(&head).await.is_err() {
            return;
        }
        for byte in tail {
            tokio::time::sleep(gap).await;
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG, reader.read_to_end(&mut answer))
        .await
        .expect("the server hung on a slow client");
    writer.abort();
    let sent = sent.load(Ordering::SeqCst);
    if read.is_err() && answer.is_empty() {
        return (Outcome::Closed, sent);
    }
    (parse_answer(&answer), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_and_slow_headers_are_cut_off_and_the_server_keeps_serving() {
    let _serial = SERIAL.lock().await;
    let (addr, ledger) = start().await;
    let key = alipay_key();
    let gap = Duration::from_millis(200);

    // A genuine notification whose body arrives one byte per 200 ms: the
    // request deadline (2 s) answers it with a non-S status long before the
    // ~100 s it would take.
    let request = genuine_request(&key, "c-slow-body");
    let split = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let slow_body = dribble(
        addr,
        request[..split].to_vec(),
        request[split..].to_vec(),
        gap,
    );

    // Headers dribbled one byte per 200 ms: the header read timeout (1 s)
    // closes the connection.
    let slow_headers = dribble(
        addr,
        Vec::new(),
        genuine_request(&key, "c-slow-headers"),
        gap,
    );

    // Twenty slow-body clients at once, while a genuine delivery goes through.
    let mut lorises = Vec::new();
    for i in 0..20 {
        let request = genuine_request(&key, &format!("c-loris-{i}"));
        lorises.push(tokio::spawn(dribble(
            addr,
            request[..split].to_vec(),
            request[split..].to_vec(),
            gap,
        )));
    }
    assert_genuine_acknowledged(addr, &ledger, &key, "c-during-attack").await;

    let (body_outcome, body_sent) = slow_body.await;
    println!(
        "slow body:    {} after {body_sent} body bytes",
        body_outcome.describe()
    );
    assert!(body_outcome.is_refusal(), "{body_outcome:?}");
    assert!(
        matches!(body_outcome, Outcome::Answer { status: 408, .. }),
        "{body_outcome:?}"
    );
    assert!(
        body_sent < request.len() - split,
        "the whole slow body was read"
    );

    let (header_outcome, header_sent) = slow_headers.await;
    println!(
        "slow headers: {} after {header_sent} header bytes",
        header_outcome.describe()
    );
    assert!(header_outcome.is_refusal(), "{header_outcome:?}");
    assert!(header_sent < split, "the whole slow header block was read");

    for loris in lorises {
        let (outcome, _) = loris.await.unwrap();
        assert!(outcome.is_refusal(), "{outcome:?}");
    }

    // An idle connection that never sends a byte does not hold the server.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_genuine_acknowledged(addr, &ledger, &key, "c-after-attack").await;
    let mut buf = [0u8; 64];
    let idle_read = tokio::time::timeout(HANG, idle.read(&mut buf)).await;
    println!(
        "idle connection: {:?}",
        idle_read
            .as_ref()
            .map(|r| r.as_ref().map(|n| format!("{n} bytes then closed")))
    );
    assert!(
        idle_read.is_ok(),
        "an idle connection was kept open for 30 s"
    );

    // None of the slow deliveries was processed (they never completed).
    assert_eq!(ledger.processed.load(Ordering::SeqCst), 2);
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_bounded_over_thousands_of_hostile_requests() {
    let _serial = SERIAL.lock().await;
    let (addr, ledger) = start().await;
    let key = alipay_key();
    let cases = Arc::new(hostile_cases(256 * 1024));
    let run = |rounds: usize| {
        let cases = cases.clone();
        async move {
            // Eight concurrent attackers.
            let mut tasks = Vec::new();
            for worker in 0..8 {
                let cases = cases.clone();
                tasks.push(tokio::spawn(async move {
                    let mut sent = 0;
                    for round in 0..rounds {
                        for (i, case) in cases.iter().enumerate() {
                            if (round * cases.len() + i) % 8 != worker {
                                continue;
                            }
                            let outcome = exchange(addr, case.request.clone()).await;
                            check(case, &outcome);
                            sent += 1;
                        }
                    }
                    sent
                }));
            }
            let mut sent = 0;
            for task in tasks {
                sent += task.await.unwrap();
            }
            sent
        }
    };
    let warmup = run(20).await;
    let before = vm_rss_kib();
    let sent = run(150).await;
    let after = vm_rss_kib();
    assert_genuine_acknowledged(addr, &ledger, &key, "c-after-flood").await;
    let growth = after.saturating_sub(before);
    println!(
        "hostile requests: {warmup} warm-up + {sent} measured; VmRSS {before} KiB -> {after} KiB (growth {growth} KiB)"
    );
    assert!(sent >= 3000, "only {sent} hostile requests were sent");
    assert!(
        growth < 64 * 1024,
        "RSS grew by {growth} KiB over {sent} hostile requests"
    );
}

//! Slow and idle clients against the server the notify examples run
//! (`examples/support/notify_server.rs`, included below, with the header read
//! timeout shortened from its 30 s) and the service's deadline: idle
//! connections, half-sent headers and half-sent bodies are closed, while
//! genuine notifications are acknowledged meanwhile, on axum and plain hyper.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

#[allow(dead_code)] // REQUEST_DEADLINE: the examples' choice, shortened here
#[path = "../../../examples/support/notify_server.rs"]
mod notify_server;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_notify::{HandlerError, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams_testkit::{Held, hold};
use common::*;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const DEADLINE: Duration = Duration::from_secs(2);
/// Far beyond both: reaching it means a connection was never closed.
const HANG: Duration = Duration::from_secs(15);
/// Slow clients of each sort held at once.
const HELD: usize = 12;

fn service(recorder: &Arc<Recorder>) -> NotifyService {
    NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(recorder))
        .deadline(DEADLINE, tokio::time::sleep)
        .build()
        .unwrap()
}

/// axum_notify's way: the router through `TowerToHyperService`.
async fn start_axum(recorder: &Arc<Recorder>) -> SocketAddr {
    let app = axum::Router::new().route_service(NOTIFY_PATH, service(recorder));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = TowerToHyperService::new(app);
    let forever = std::future::pending();
    tokio::spawn(notify_server::serve(listener, app, HEADER_TIMEOUT, forever));
    addr
}

/// hyper_notify's way: `service_fn` calling `handle`.
async fn start_hyper(recorder: &Arc<Recorder>) -> SocketAddr {
    let notify = service(recorder);
    let route = hyper::service::service_fn(move |request| {
        let response = notify.handle(request);
        async move { Ok::<_, Infallible>(response.await) }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let forever = std::future::pending();
    tokio::spawn(notify_server::serve(
        listener,
        route,
        HEADER_TIMEOUT,
        forever,
    ));
    addr
}

/// Reads until the server closes `held`; what it sent, and after how long.
async fn until_closed(held: Held) -> (Vec<u8>, Duration) {
    held.until_closed(HANG)
        .await
        .unwrap_or_else(|| panic!("a held connection stayed open for {HANG:?}"))
}

fn head(delivery: &Delivery, addr: SocketAddr) -> String {
    let mut head = format!("POST {NOTIFY_PATH} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in delivery.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", delivery.body.len()));
    head
}

async fn slow_clients_are_cut_off_while_genuine_ones_are_acknowledged(
    addr: SocketAddr,
    recorder: &Recorder,
) {
    let genuine: Vec<Delivery> = (0..5)
        .map(|i| Delivery::signed(NOTIFY_PATH, capture_body(&format!("cap-live-{i}"))))
        .collect();
    let slow = Delivery::signed(NOTIFY_PATH, capture_body("cap-slow"));
    let slow_head = head(&slow, addr);

    let mut idle = Vec::new();
    let mut half_headers = Vec::new();
    let mut half_bodies = Vec::new();
    for _ in 0..HELD {
        idle.push(hold(addr, b"").await);
        half_headers.push(hold(addr, &slow_head.as_bytes()[..slow_head.len() / 2]).await);
        let mut partial = slow_head.clone().into_bytes();
        partial.extend_from_slice(&slow.body[..slow.body.len() / 2]);
        half_bodies.push(hold(addr, &partial).await);
    }

    // Meanwhile, genuine notifications go through.
    for delivery in &genuine {
        delivery.post(addr).await.assert_ack();
    }
    assert!(
        idle.iter()
            .chain(&half_headers)
            .chain(&half_bodies)
            .all(Held::is_open),
        "the genuine notifications were acknowledged while every slow client was held"
    );

    // Idle and half-sent headers: closed by the header read timeout.
    for held in idle.into_iter().chain(half_headers) {
        let (_, after) = until_closed(held).await;
        assert!(
            after >= HEADER_TIMEOUT.mul_f32(0.8),
            "closed after {after:?}"
        );
    }
    // Half-sent bodies: answered non-S at the deadline, then closed.
    for held in half_bodies {
        let (answer, after) = until_closed(held).await;
        assert!(after >= DEADLINE.mul_f32(0.8), "closed after {after:?}");
        let text = String::from_utf8(answer).unwrap();
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["result"]["resultStatus"], "U", "{text}");
    }

    // Still serving; only the genuine deliveries were processed.
    Delivery::signed(NOTIFY_PATH, capture_body("cap-after"))
        .post(addr)
        .await
        .assert_ack();
    let seen: Vec<String> = recorder.seen().into_iter().map(|s| s.capture_id).collect();
    assert_eq!(
        seen,
        [
            "cap-live-0",
            "cap-live-1",
            "cap-live-2",
            "cap-live-3",
            "cap-live-4",
            "cap-after"
        ]
    );
}

#[tokio::test]
async fn axum_notify_server_closes_slow_clients() {
    // The fixed interface: axum_notify closes a connection whose request
    // headers are not complete within 30 s; the test runs the same server
    // with a shorter timeout.
    assert_eq!(notify_server::HEADER_READ_TIMEOUT, Duration::from_secs(30));
    let recorder = Arc::new(Recorder::default());
    let addr = start_axum(&recorder).await;
    slow_clients_are_cut_off_while_genuine_ones_are_acknowledged(addr, &recorder).await;
}

#[tokio::test]
async fn hyper_notify_server_closes_slow_clients() {
    let recorder = Arc::new(Recorder::default());
    let addr = start_hyper(&recorder).await;
    slow_clients_are_cut_off_while_genuine_ones_are_acknowledged(addr, &recorder).await;
}

/// Takes longer than the deadline.
struct Slow;

impl NotifyHandler<CaptureNotification> for Slow {
    async fn handle(&self, _: CaptureNotification, _: &NotifyMeta) -> Result<(), HandlerError> {
        tokio::time::sleep(DEADLINE * 3).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_handler_slower_than_the_deadline_is_not_acknowledged() {
    let service = NotifyService::builder(config())
        .on::<CaptureNotification>(Slow)
        .deadline(DEADLINE, tokio::time::sleep)
        .build()
        .unwrap();
    assert_eq!(service.deadline(), Some(DEADLINE));
    let addr = serve_axum(axum::Router::new().route_service(NOTIFY_PATH, service)).await;
    let started = Instant::now();
    let reply = Delivery::signed(NOTIFY_PATH, capture_body("cap-slow-handler"))
        .post(addr)
        .await;
    assert_eq!(reply.assert_refused(503, "U"), "UNKNOWN_EXCEPTION");
    assert_eq!(reply.header("connection"), Some("close"));
    let took = started.elapsed();
    assert!(took >= DEADLINE && took < DEADLINE * 3, "{took:?}");
}

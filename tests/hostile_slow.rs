//! Slow and idle clients at the notify endpoint (`tests/common/hostile_endpoint.rs`):
//! a body dribbled one byte at a time meets the service's deadline (503,
//! resultStatus U, connection closed), headers dribbled meet the server's
//! header read timeout, an idle connection is closed, and all the while a
//! genuine notification is still acknowledged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use alipay_ams_testkit::{Answer, HANG, body_offset, dribble, hold};
use common::hostile_endpoint::{assert_genuine_acknowledged, genuine_request, start};

/// A genuine request's headers at once, then its body one byte per `gap`;
/// returns the answer, how many body bytes the server took, and the body's
/// length.
async fn slow_body(
    addr: std::net::SocketAddr,
    capture_id: String,
    gap: Duration,
) -> (Answer, usize, usize) {
    let request = genuine_request(&capture_id);
    let split = body_offset(&request).expect("a request has a head");
    let body_len = request.len() - split;
    let (answer, sent) = dribble(
        addr,
        request[..split].to_vec(),
        request[split..].to_vec(),
        gap,
    )
    .await;
    (answer, sent, body_len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_and_slow_headers_are_cut_off_and_the_server_keeps_serving() {
    let (addr, ledger) = start().await;
    let gap = Duration::from_millis(200);

    // A genuine notification whose body arrives one byte per 200 ms: the
    // request deadline (2 s) answers it with 503 / U long before the ~60 s it
    // would take.
    let slow = tokio::spawn(slow_body(addr, "c-slow-body".into(), gap));

    // Headers dribbled one byte per 200 ms: the header read timeout (1 s)
    // closes the connection.
    let headers = genuine_request("c-slow-headers");
    let header_len = body_offset(&headers).expect("a request has a head");
    let slow_headers = tokio::spawn(dribble(addr, Vec::new(), headers, gap));

    // Twenty slow-body clients at once, while a genuine delivery goes through.
    let lorises: Vec<_> = (0..20)
        .map(|i| tokio::spawn(slow_body(addr, format!("c-loris-{i}"), gap)))
        .collect();
    assert_genuine_acknowledged(addr, &ledger, "c-during-attack").await;

    let (body_answer, body_sent, body_len) = slow.await.unwrap();
    println!(
        "slow body:    {} after {body_sent} body bytes",
        body_answer.describe()
    );
    assert!(body_answer.is_refusal(), "{body_answer:?}");
    assert!(body_answer.status() == Some(503), "{body_answer:?}");
    assert_eq!(
        body_answer.result_status().as_deref(),
        Some("U"),
        "{body_answer:?}"
    );
    assert!(body_sent < body_len, "the whole slow body was read");

    let (header_answer, header_sent) = slow_headers.await.unwrap();
    println!(
        "slow headers: {} after {header_sent} header bytes",
        header_answer.describe()
    );
    assert!(header_answer.is_refusal(), "{header_answer:?}");
    assert!(
        header_sent < header_len,
        "the whole slow header block was read"
    );

    for loris in lorises {
        let (answer, _, _) = loris.await.unwrap();
        assert!(answer.is_refusal(), "{answer:?}");
    }

    // An idle connection that never sends a byte does not hold the server.
    let idle = hold(addr, b"").await;
    assert_genuine_acknowledged(addr, &ledger, "c-after-attack").await;
    let idle_closed = idle.until_closed(HANG).await;
    println!(
        "idle connection: {:?}",
        idle_closed
            .as_ref()
            .map(|(sent, _)| format!("{} bytes then closed", sent.len()))
    );
    assert!(
        idle_closed.is_some(),
        "an idle connection was kept open for 30 s"
    );

    // None of the slow deliveries was processed (they never completed).
    assert_eq!(ledger.processed.load(Ordering::SeqCst), 2);
}

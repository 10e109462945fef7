//! Hostile requests at the notify endpoint, over a real loopback HTTP server
//! set up as a merchant should run it in production
//! (`tests/common/hostile_endpoint.rs`): forged, replayed and tampered
//! signatures, oversized and malformed bodies, header floods, broken HTTP.
//! Each must be refused with a non-S answer (or the connection closed by the
//! HTTP layer), and a genuine notification must still be acknowledged right
//! after it. Slow clients are in `hostile_slow.rs`, memory over thousands of
//! these requests in `hostile_memory.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::atomic::Ordering;

use alipay_ams_testkit::exchange;
use common::hostile_cases::{check, hostile_cases};
use common::hostile_endpoint::{assert_genuine_acknowledged, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_request_is_refused_and_a_genuine_one_is_still_acknowledged() {
    let (addr, ledger) = start().await;
    assert_genuine_acknowledged(addr, &ledger, "c-first").await;
    let cases = hostile_cases(2 * 1024 * 1024);
    println!("{:<70} answer", "hostile request");
    for (i, case) in cases.iter().enumerate() {
        let answer = exchange(addr, case.request.as_slice()).await;
        println!("{:<70} {}", case.name, answer.describe());
        check(case, &answer);
        assert_genuine_acknowledged(addr, &ledger, &format!("c-after-{i}")).await;
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

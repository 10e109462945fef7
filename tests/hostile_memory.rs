//! Memory at the notify endpoint stays bounded over thousands of hostile
//! requests (every case of `tests/common/hostile_cases.rs`, from eight
//! concurrent attackers). Alone in its test binary, so no other test's
//! allocations move the process's RSS while it measures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;

use alipay_ams_testkit::exchange;
use common::hostile_cases::{check, hostile_cases};
use common::hostile_endpoint::{assert_genuine_acknowledged, start};

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow tier (about 2 s, 4,400 connections; an RSS figure): .ci/run runs it with --ignored"]
async fn memory_stays_bounded_over_thousands_of_hostile_requests() {
    let (addr, ledger) = start().await;
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
                            let answer = exchange(addr, case.request.as_slice()).await;
                            check(case, &answer);
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
    assert_genuine_acknowledged(addr, &ledger, "c-after-flood").await;
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

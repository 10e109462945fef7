//! Checkout soak: 2,000 mixed lifecycles (see `lifecycles.rs`) by 24
//! concurrent merchant tasks against one sandbox, with a fault armed before
//! one call in five of every checkout API and one notification in five
//! (duplicate, lost acknowledgement, delay), and a notify handler that
//! fails one call in five (before or after committing). Half the tasks use
//! a client that retries, half one that does not (so every fault surfaces
//! as an unknown outcome for `Client::resolve` to settle). The audit
//! (`audit.rs`) then checks the books and prints the figures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipay_ams::client::{RetryBudget, RetryPolicy};
use alipay_ams::sandbox::{Sandbox, SandboxExt};

use crate::audit::audit;
use crate::common::checkout::Merchant;
use crate::faults::{CLIENT_TIMEOUT, FaultPlan};
use crate::lifecycles::Lifecycle;
use crate::steps::{Steps, Tally};

/// Lifecycles, and the merchant tasks running them.
const LIFECYCLES: usize = 2_000;
const WORKERS: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow tier (about 20 s on two idle cores, up to a minute on a busy machine): .ci/run runs it with --ignored"]
async fn two_thousand_checkout_lifecycles_under_faults_lose_nothing_and_double_nothing() {
    let _alone = crate::alone().await;
    let started = Instant::now();
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.0001)
        .delivery_timeout(Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let client = |retry: RetryPolicy| {
        sandbox
            .client_builder()
            .attempt_timeout(CLIENT_TIMEOUT)
            .call_timeout(Duration::from_secs(10))
            .retry_policy(retry)
            // A fifth of the calls faulted on purpose is more than a budget
            // sized for an incident allows; the soak measures the faults.
            .retry_budget(RetryBudget::unlimited())
            .build()
            .unwrap()
    };
    let retrying = client(
        RetryPolicy::default()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(5)),
    );
    let single = client(RetryPolicy::none());
    let m = Arc::new(Merchant::with(sandbox, RetryPolicy::none()).await);
    m.store.flaky();
    let plan = Arc::new(FaultPlan::default());
    let tally = Arc::new(Tally::default());
    let expected = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(AtomicUsize::new(0));

    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (m, plan, tally, expected, next) = (
            m.clone(),
            plan.clone(),
            tally.clone(),
            expected.clone(),
            next.clone(),
        );
        let (retrying, single) = (retrying.clone(), single.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= LIFECYCLES {
                    break;
                }
                let client = if index % 2 == 0 { &retrying } else { &single };
                let lifecycle = Lifecycle {
                    m: &m,
                    steps: Steps {
                        sandbox: &m.sandbox,
                        client,
                        plan: &plan,
                        tally: &tally,
                    },
                    plan: &plan,
                };
                let outcome = lifecycle.run(index).await;
                expected.lock().unwrap().push(outcome);
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let lifecycles_done = started.elapsed();
    let expected = std::mem::take(&mut *expected.lock().unwrap());
    assert_eq!(expected.len(), LIFECYCLES);
    audit(&m, &plan, &tally, &expected).await;
    println!(
        "checkout soak: {LIFECYCLES} lifecycles by {WORKERS} tasks in {lifecycles_done:.1?}, {:.1?} in all",
        started.elapsed()
    );
    m.sandbox.shutdown().await;
}

//! How often a call is sent: the retry policy, the budget that a client and
//! its clones share, and per-call overrides of timeouts and retries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::{CallOptions, RetryBudget, RetryPolicy, RetryStop, UnknownReason};
use support::*;

#[tokio::test]
async fn an_exhausted_budget_stops_retries_across_clones_and_says_so() {
    let server = FakeAlipay::always(Reply::unsigned("busy").status(503)).await;
    let client = server
        .client()
        .retry_budget(
            RetryBudget::default()
                .with_ratio(0.0)
                .with_min_per_second(0.0)
                .with_max_tokens(1),
        )
        .build()
        .unwrap();
    // One retry in the bucket: the first call gets it.
    let error = client
        .execute(&request("capture-budget-1"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    assert_eq!(outcome.attempts(), 2);
    assert_eq!(outcome.retry_stop(), RetryStop::BudgetExhausted);
    assert!(
        error.to_string().contains("retry budget ran out"),
        "{error}"
    );
    assert_unknown_advice(&error);

    // A clone shares the bucket: no retry left.
    let clone = client.clone();
    let error = clone
        .execute(&request("capture-budget-2"))
        .await
        .unwrap_err();
    assert_eq!(unknown(&error).attempts(), 1);
    assert_eq!(unknown(&error).retry_stop(), RetryStop::BudgetExhausted);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn calls_earn_retries_back() {
    // Each capture's first attempt fails, its retry succeeds.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let server = FakeAlipay::start(move |_, req| {
        let id = req.json()["captureRequestId"].as_str().unwrap().to_owned();
        if seen.lock().unwrap().insert(id) {
            Reply::unsigned("busy").status(503)
        } else {
            Reply::signed(&echo_success(req))
        }
    })
    .await;
    let client = server
        .client()
        .retry_budget(
            RetryBudget::default()
                .with_ratio(0.5)
                .with_min_per_second(0.0)
                .with_max_tokens(2),
        )
        .build()
        .unwrap();
    // Tokens before each retry: 2 (full, the deposit is capped), then
    // 1 + 0.5, then 0.5 + 0.5; the fourth call has 0 + 0.5: not enough.
    for i in 0..3 {
        let verified = client
            .execute_verified(&request(&format!("capture-earn-{i}")))
            .await
            .unwrap();
        assert_eq!(verified.attempts(), 2);
    }
    let error = client
        .execute(&request("capture-earn-3"))
        .await
        .unwrap_err();
    assert_eq!(unknown(&error).attempts(), 1);
    assert_eq!(unknown(&error).retry_stop(), RetryStop::BudgetExhausted);
    // Sent again, that capture is answered at once (its retry was refused,
    // not its key).
    client.execute(&request("capture-earn-3")).await.unwrap();
    assert_eq!(server.requests().len(), 8);
}

#[tokio::test]
async fn per_call_options_override_the_retry_policy_and_the_attempt_timeout() {
    let server = FakeAlipay::start(|_, req| {
        Reply::signed(&echo_success(req)).delay(Duration::from_millis(400))
    })
    .await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // The client's settings: patient, so the slow reply arrives.
    client.execute(&request("capture-opt-1")).await.unwrap();
    assert_eq!(server.requests().len(), 1);

    // This call: 100 ms per attempt, one attempt.
    let quick = CallOptions::new()
        .attempt_timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none());
    let error = client
        .execute_with(&request("capture-opt-2"), &quick)
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    assert!(
        matches!(outcome.reason(), UnknownReason::Timeout(t) if *t == Duration::from_millis(100)),
        "{error:?}"
    );
    assert_eq!(outcome.attempts(), 1);
    assert_eq!(outcome.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(server.requests().len(), 2);

    // Two attempts of 100 ms each, the wait between them short.
    let twice = CallOptions::new()
        .attempt_timeout(Duration::from_millis(100))
        .retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        );
    let verified = client
        .execute_verified_with(&request("capture-opt-3"), &twice)
        .await
        .unwrap_err();
    assert_eq!(unknown(&verified).attempts(), 2);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_call_timeout_bounds_the_whole_call_and_each_call_may_set_its_own() {
    let server =
        FakeAlipay::always(Reply::signed(IN_PROCESS_BODY).delay(Duration::from_secs(3))).await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_millis(150))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(50)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
        .retry_budget(RetryBudget::unlimited())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client
        .execute_with(
            &request("capture-calltimeout-1"),
            &CallOptions::new().call_timeout(Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let outcome = unknown(&error);
    assert_eq!(outcome.retry_stop(), RetryStop::CallTimeout);
    assert!(
        (2..=4).contains(&outcome.attempts()),
        "{}",
        outcome.attempts()
    );
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    assert!(
        error.to_string().contains("call timeout ran out"),
        "{error}"
    );
}

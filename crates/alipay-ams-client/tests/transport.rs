//! Timeouts, deadlines and connections that fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::{
    Client, Gateway, RetryPolicy, RetryStop, TransportErrorKind, UnknownReason,
};
use support::*;

#[tokio::test]
async fn a_slow_reply_beyond_the_timeout_is_unknown() {
    let server = FakeAlipay::always(
        Reply::signed(&success_body("capture-slow-1")).delay(Duration::from_secs(3)),
    )
    .await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-slow-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown(&error).reason(), UnknownReason::Timeout(_)),
        "{error:?}"
    );
    assert_eq!(unknown(&error).attempts(), 1);
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn the_deadline_bounds_retries() {
    // Every attempt takes the full 200 ms timeout, so a 700 ms deadline leaves
    // room for at most 4 of the 10 allowed attempts.
    let server =
        FakeAlipay::always(Reply::signed(IN_PROCESS_BODY).delay(Duration::from_secs(3))).await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_millis(200))
        .call_timeout(Duration::from_millis(700))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-deadline-1"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    let attempts = outcome.attempts();
    assert!((1..=4).contains(&attempts), "{attempts}");
    assert_eq!(outcome.retry_stop(), RetryStop::CallTimeout);
    assert!(server.requests().len() as u32 <= attempts);
}

#[tokio::test]
async fn connection_refused_is_not_sent_and_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .alipay_public_key(alipay_public())
        .gateway(Gateway::custom(format!("http://{addr}")))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-refused-1"))
        .await
        .unwrap_err();
    let refused = not_sent(&error);
    let transport = refused.reason().transport().unwrap();
    assert_eq!(transport.kind(), TransportErrorKind::ConnectionRefused);
    assert!(transport.is_connect() && !transport.is_timeout());
    assert_eq!(refused.attempts(), 2);
}

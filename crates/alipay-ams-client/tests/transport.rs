//! Timeouts, call timeouts and connections that fail, each classified by
//! whether the request can have reached the server, with the number of
//! attempts it was worth.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipay_ams_client::{
    Client, ClientBuilder, Gateway, RetryPolicy, RetryStop, TransportErrorKind, UnknownReason,
};
use support::*;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// A client of `url` with 4 quick attempts of at most `attempt` each.
fn client_of(url: &str, attempt: Duration) -> ClientBuilder {
    Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .alipay_public_key(alipay_public())
        .gateway(Gateway::custom(url))
        .attempt_timeout(attempt)
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
}

/// A raw TCP server that reads one whole request per connection, counts it,
/// then does what `then` says with the connection.
async fn raw_server<F, Fut>(then: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let then = Arc::new(then);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counted = counted.clone();
            let then = then.clone();
            tokio::spawn(async move {
                if read_request(&mut stream).await {
                    counted.fetch_add(1, Ordering::SeqCst);
                    then(stream).await;
                }
            });
        }
    });
    (url, count)
}

/// Reads headers and a `content-length` body; whether a whole request came.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return false;
        };
        if n == 0 {
            return false;
        }
        seen.extend_from_slice(&buf[..n]);
        let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0);
        if seen.len() >= end + 4 + length {
            return true;
        }
    }
}

#[tokio::test]
async fn a_reset_after_the_request_was_read_is_unknown_and_retried_with_the_same_key() {
    let (url, requests) = raw_server(|stream| async move {
        // RST instead of an answer.
        stream.set_zero_linger().unwrap();
        drop(stream);
    })
    .await;
    let client = client_of(&url, Duration::from_secs(5)).build().unwrap();
    let error = client
        .execute(&request("capture-reset-1"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    match outcome.reason() {
        UnknownReason::Transport(transport) => {
            assert_eq!(transport.kind(), TransportErrorKind::Reset, "{transport:?}");
            assert!(!transport.is_connect());
        }
        other => panic!("expected a reset, got {other:?}"),
    }
    assert_eq!(outcome.attempts(), 4);
    assert_eq!(outcome.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        4,
        "every attempt reached the server"
    );
    assert_eq!(outcome.idempotency_key(), Some("capture-reset-1"));
    assert_unknown_advice(&error);
}

#[tokio::test]
async fn a_server_that_never_answers_is_unknown_after_every_attempt_timed_out() {
    let (url, requests) = raw_server(|stream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await;
    let client = client_of(&url, Duration::from_millis(200))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-silent-1"))
        .await
        .unwrap_err();
    let outcome = unknown(&error);
    assert!(
        matches!(outcome.reason(), UnknownReason::Timeout(t) if *t == Duration::from_millis(200)),
        "{error:?}"
    );
    assert_eq!(outcome.attempts(), 3);
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert!(
        error.to_string().contains("no reply within 200ms"),
        "{error}"
    );
}

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
    let client = client_of(&format!("http://{addr}"), Duration::from_secs(5))
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
    assert_eq!(transport.host(), addr.to_string());
    // Nothing left, so it may be tried again, as often as the policy says.
    assert_eq!(refused.attempts(), 4);
    assert_eq!(refused.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(refused.idempotency_key(), Some("capture-refused-1"));
    // The HTTP client's error is kept as the source.
    let mut source = std::error::Error::source(&error);
    let mut found = false;
    while let Some(cause) = source {
        found |= cause.downcast_ref::<reqwest::Error>().is_some();
        source = cause.source();
    }
    assert!(found, "no reqwest::Error among the sources of {error:?}");
    let text = error.to_string();
    assert!(
        text.contains("NOT SENT") && text.contains("nothing reached Alipay"),
        "{text}"
    );
    assert!(text.contains("refused the connection"), "{text}");
    assert!(!text.contains("may have been carried out"), "{text}");
}

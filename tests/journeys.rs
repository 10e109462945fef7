//! End-to-end journeys across the crates, over real loopback HTTP:
//! client -> sandbox gateway -> notify endpoint (axum + NotifyService).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use alipay_ams::client::{Client, Error, Outcome, RetryPolicy, RetryStop};
use alipay_ams::notify::{HandlerError, NotifyHandler, NotifyMeta};
use alipay_ams::payments::{CaptureNotification, CaptureRequest};
use alipay_ams::sandbox::{CreatePayment, DeliveryAttempt, Fault, Sandbox};
use alipay_ams::{Amount, ResultCode, ResultStatus};

mod common;
const WAIT: Duration = Duration::from_secs(10);

/// A merchant's order store: deduplicates notifications by their dedup key,
/// and can be told to fail the next N deliveries (a database outage).
#[derive(Default)]
struct Orders {
    seen: Mutex<HashSet<String>>,
    processed: Mutex<Vec<CaptureNotification>>,
    duplicates: AtomicU32,
    fail_next: AtomicU32,
    failures: AtomicU32,
}

/// The handler mounted in the app; the test keeps another handle on the store.
struct Shop(Arc<Orders>);

impl NotifyHandler<CaptureNotification> for Shop {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let orders = &self.0;
        if orders
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
        {
            orders.failures.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError::new("order database unavailable"));
        }
        if !orders
            .seen
            .lock()
            .unwrap()
            .insert(meta.dedup_key().to_string())
        {
            orders.duplicates.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        orders.processed.lock().unwrap().push(n);
        Ok(())
    }
}

struct World {
    sandbox: Sandbox,
    client: Client,
    orders: Arc<Orders>,
    notify_url: String,
}

async fn world(retry: RetryPolicy) -> World {
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .start()
        .await
        .unwrap();
    let orders = Arc::new(Orders::default());
    let notify_url = common::serve_notify(&sandbox, Shop(orders.clone())).await;
    let client = common::client_for(&sandbox)
        .attempt_timeout(Duration::from_secs(2))
        .retry_policy(retry)
        .build()
        .unwrap();
    World {
        sandbox,
        client,
        orders,
        notify_url,
    }
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

impl World {
    fn payment(&self, amount: &str) -> String {
        let payment = self
            .sandbox
            .create_payment(
                CreatePayment::new(Amount::from_minor_units_str("USD", amount).unwrap())
                    .notify_url(&self.notify_url),
            )
            .unwrap();
        payment.payment_id
    }

    async fn acknowledged(&self, count: usize) -> Vec<DeliveryAttempt> {
        self.sandbox
            .wait_for_deliveries(WAIT, |log| {
                log.iter().filter(|d| d.acknowledged).count() >= count
            })
            .await
            .unwrap_or_else(|log| panic!("expected {count} acknowledged deliveries, log: {log:#?}"))
    }
}

#[tokio::test]
async fn capture_succeeds_and_the_verified_notification_reaches_the_merchant() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("10000");
    let request = CaptureRequest::new(
        "cap-success",
        &payment_id,
        Amount::from_minor_units_str("USD", "10000").unwrap(),
    );
    let captured = w.client.execute(&request).await.unwrap();
    assert_eq!(captured.result.result_status, ResultStatus::Success);
    let capture_id = captured.capture_id.clone();

    w.acknowledged(1).await;
    let processed = w.orders.processed.lock().unwrap().clone();
    assert_eq!(processed.len(), 1);
    assert_eq!(processed[0].capture_id, capture_id);
    assert_eq!(processed[0].capture_request_id, "cap-success");
    assert_eq!(processed[0].result.result_status, ResultStatus::Success);
    assert_eq!(
        w.sandbox.payment(&payment_id).unwrap().captured.value(),
        "10000"
    );
}

#[tokio::test]
async fn a_final_failure_is_failed_and_notified_as_f() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("5000");
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::ProcessFail, 1)
        .unwrap();
    let request = CaptureRequest::new(
        "cap-fail",
        &payment_id,
        Amount::from_minor_units_str("USD", "5000").unwrap(),
    );
    match w.client.execute(&request).await {
        // Only a verified reply can make `Failed`: an unsigned F is Unknown.
        Err(Error::Failed(failed)) => {
            assert_eq!(failed.result().result_code, ResultCode::ProcessFail);
            assert_eq!(failed.result().result_status, ResultStatus::Failed);
            assert!(
                !failed.response_time().is_empty() && !failed.raw_body().is_empty(),
                "a verified F keeps the signed response-time and body: {failed:?}"
            );
            assert_eq!(failed.attempts(), 1, "a verified F is final: not retried");
        }
        other => panic!("expected a final failure, got {other:?}"),
    }
    w.acknowledged(1).await;
    let processed = w.orders.processed.lock().unwrap().clone();
    assert_eq!(processed.len(), 1);
    assert_eq!(processed[0].result.result_status, ResultStatus::Failed);
    assert_eq!(
        w.sandbox.payment(&payment_id).unwrap().captured.value(),
        "0"
    );
}

#[tokio::test]
async fn an_unknown_answer_is_retried_with_the_same_id_and_then_succeeds() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("7000");
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::UnknownException, 1)
        .unwrap();
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::CaptureInProcess, 1)
        .unwrap();
    let request = CaptureRequest::new(
        "cap-u-then-s",
        &payment_id,
        Amount::from_minor_units_str("USD", "7000").unwrap(),
    );
    let captured = w.client.execute(&request).await.unwrap();
    assert_eq!(captured.capture_request_id, "cap-u-then-s");
    let state = w.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captures.len(), 1, "captured exactly once: {state:#?}");
    assert_eq!(state.captured.value(), "7000");
    w.acknowledged(1).await;
    assert_eq!(w.orders.processed.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_lost_reply_is_retried_and_never_captures_twice() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("9000");
    // The capture happens, the reply is lost twice; the retries must find it done.
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::DropConnection, 1)
        .unwrap();
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::Http500, 1)
        .unwrap();
    let request = CaptureRequest::new(
        "cap-lost-reply",
        &payment_id,
        Amount::from_minor_units_str("USD", "9000").unwrap(),
    );
    let captured = w.client.execute(&request).await.unwrap();
    let state = w.sandbox.payment(&payment_id).unwrap();
    assert_eq!(state.captures.len(), 1);
    assert_eq!(state.captures[0].capture_id, captured.capture_id);
    assert_eq!(state.captured.value(), "9000");
}

#[tokio::test]
async fn unknown_after_the_whole_budget_says_not_to_capture_again() {
    let w = world(quick_retries().with_max_attempts(3)).await;
    let payment_id = w.payment("1000");
    w.sandbox
        .arm_fault::<CaptureRequest>(Fault::CaptureInProcess, 10)
        .unwrap();
    let request = CaptureRequest::new(
        "cap-still-unknown",
        &payment_id,
        Amount::from_minor_units_str("USD", "1000").unwrap(),
    );
    let err = w.client.execute(&request).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::Unknown, "{err:?}");
    let Error::Unknown(unknown) = &err else {
        panic!("expected an unknown outcome, got {err:?}")
    };
    assert_eq!(unknown.retry_stop(), RetryStop::MaxAttempts, "{err:?}");
    assert_eq!(unknown.attempts(), 3, "{err:?}");
    let text = err.to_string();
    assert!(text.contains("cap-still-unknown"), "{text}");
    assert!(text.contains("notifyCapture"), "{text}");
    assert_eq!(
        w.sandbox.armed_faults::<CaptureRequest>(),
        7,
        "exactly 3 attempts were made"
    );
}

#[tokio::test]
async fn over_capture_is_refused_and_nothing_is_taken() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("1000");
    let request = CaptureRequest::new(
        "cap-over",
        &payment_id,
        Amount::from_minor_units_str("USD", "1001").unwrap(),
    );
    let err = w.client.execute(&request).await.unwrap_err();
    assert_eq!(
        err.result().map(|r| &r.result_code),
        Some(&ResultCode::CaptureAmountExceedAuthLimit)
    );
    assert_eq!(err.outcome(), Outcome::Failed, "{err:?}");
    assert_eq!(
        w.sandbox.payment(&payment_id).unwrap().captured.value(),
        "0"
    );
    // Nothing was captured, so nothing is notified.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(w.sandbox.deliveries().is_empty());
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_capture_and_one_notification() {
    let w = world(quick_retries()).await;
    let payment_id = w.payment("4000");
    let request = CaptureRequest::new(
        "cap-replay",
        &payment_id,
        Amount::from_minor_units_str("USD", "4000").unwrap(),
    );
    let first = w.client.execute(&request).await.unwrap();
    let second = w.client.execute(&request).await.unwrap();
    assert_eq!(first.capture_id, second.capture_id);
    assert_eq!(first.capture_time, second.capture_time);
    assert_eq!(w.sandbox.payment(&payment_id).unwrap().captures.len(), 1);

    // The same id with another amount is inconsistent, and final.
    let changed = CaptureRequest::new(
        "cap-replay",
        &payment_id,
        Amount::from_minor_units_str("USD", "3999").unwrap(),
    );
    let err = w.client.execute(&changed).await.unwrap_err();
    assert_eq!(
        err.result().map(|r| &r.result_code),
        Some(&ResultCode::RepeatReqInconsistent)
    );

    w.acknowledged(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        w.sandbox.deliveries().len(),
        1,
        "replays are not notified again"
    );
    assert_eq!(w.orders.processed.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_notification_is_redelivered_while_the_handler_fails_and_processed_once() {
    let w = world(quick_retries()).await;
    w.orders.fail_next.store(3, Ordering::SeqCst);
    let payment_id = w.payment("2500");
    let request = CaptureRequest::new(
        "cap-redelivered",
        &payment_id,
        Amount::from_minor_units_str("USD", "2500").unwrap(),
    );
    let captured = w.client.execute(&request).await.unwrap();

    let log = w.acknowledged(1).await;
    assert_eq!(
        log.len(),
        4,
        "three refused deliveries, then the acknowledged one: {log:#?}"
    );
    assert!(
        log.iter()
            .take(3)
            .all(|d| !d.acknowledged && d.http_status == Some(500))
    );
    assert_eq!(w.orders.failures.load(Ordering::SeqCst), 3);
    let processed = w.orders.processed.lock().unwrap().clone();
    assert_eq!(processed.len(), 1, "processed exactly once");
    assert_eq!(
        w.orders.duplicates.load(Ordering::SeqCst),
        0,
        "a refused delivery must not count as processed"
    );
    assert_eq!(processed[0].capture_id, captured.capture_id);
    // No redelivery after the acknowledgement.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.sandbox.deliveries().len(), 4);
}

//! Notification faults (duplicate, lost acknowledgement, delay), armed by the
//! handle and the control API, and clearing every armed fault.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::time::{Duration, Instant};

use alipay_ams_api::payments::{CaptureNotification, CaptureRequest};
use alipay_ams_sandbox::{CreatePayment, DeliveryAttempt, Fault, NotificationFault, Sandbox};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

/// An acknowledging endpoint, a sandbox (time scale 0.001) and a payment
/// notified to it.
async fn setup() -> (NotifyEndpoint, Sandbox, Merchant, String) {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = sandbox
        .create_payment(
            CreatePayment::new(usd("1000"))
                .multiple_captures(true)
                .notify_url(&endpoint.url),
        )
        .unwrap()
        .payment_id;
    (endpoint, sandbox, merchant, payment_id)
}

async fn capture(merchant: &Merchant, payment_id: &str, id: &str) {
    let reply = merchant
        .capture(&CaptureRequest::new(id, payment_id, usd("100")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "SUCCESS");
}

async fn acknowledged(sandbox: &Sandbox, count: usize) -> Vec<DeliveryAttempt> {
    sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter().filter(|a| a.acknowledged && a.last).count() >= count
        })
        .await
        .unwrap_or_else(|log| panic!("expected {count} acknowledged deliveries: {log:#?}"))
}

#[tokio::test]
async fn duplicate_at_once_delivers_the_same_notification_twice_concurrently() {
    let (endpoint, sandbox, merchant, p) = setup().await;
    let armed = sandbox
        .arm_notification_fault::<CaptureNotification>(
            NotificationFault::Duplicate(Duration::ZERO),
            1,
        )
        .unwrap();
    assert_eq!(armed, 1);
    capture(&merchant, &p, "dup-1").await;

    let log = acknowledged(&sandbox, 2).await;
    assert_eq!(log.len(), 2, "{log:#?}");
    let (a, b) = (&log[0], &log[1]);
    assert_ne!(a.delivery, b.delivery, "two deliveries");
    assert_eq!(a.dedup_key, b.dedup_key, "of one event");
    assert_eq!(a.body(), b.body(), "with the same body");
    let gap = a.at.max(b.at).duration_since(a.at.min(b.at)).unwrap();
    assert!(gap < Duration::from_millis(100), "at once: {gap:?}");
    let copies: Vec<_> = log.iter().filter(|x| x.fault.is_some()).collect();
    assert_eq!(copies.len(), 1, "the copy says it is one: {log:#?}");
    assert_eq!(copies[0].fault.as_deref(), Some("duplicate after 0ms"));

    let received = endpoint.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|n| n.verified), "each signed afresh");
    assert_eq!(received[0].body, received[1].body);
    assert_eq!(
        sandbox.armed_notification_faults::<CaptureNotification>(),
        0
    );

    // Consumed: the next notification comes once.
    capture(&merchant, &p, "dup-2").await;
    acknowledged(&sandbox, 3).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(endpoint.received().len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicate_with_ms_comes_that_much_later() {
    let (endpoint, sandbox, merchant, p) = setup().await;
    let reply = send(
        sandbox.addr(),
        "POST",
        "/sandbox/faults",
        &[("content-type", "application/json".into())],
        br#"{"notification":"notifyCapture","fault":"duplicate","ms":300}"#.to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["armed"], 1);
    capture(&merchant, &p, "dup-later").await;

    let log = acknowledged(&sandbox, 2).await;
    let (first, copy) = (&log[0], &log[1]);
    assert_eq!(first.fault, None);
    assert_eq!(copy.fault.as_deref(), Some("duplicate after 300ms"));
    assert_eq!(first.dedup_key, copy.dedup_key);
    let gap = copy.at.duration_since(first.at).unwrap();
    assert!(gap >= Duration::from_millis(290), "{gap:?}");
    assert_eq!(endpoint.received().len(), 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn lost_ack_redelivers_after_an_acknowledgement() {
    let (endpoint, sandbox, merchant, p) = setup().await;
    sandbox
        .arm_notification_fault::<CaptureNotification>(NotificationFault::LostAck, 1)
        .unwrap();
    capture(&merchant, &p, "lost-1").await;

    let log = acknowledged(&sandbox, 1).await;
    let summary: Vec<_> = log
        .iter()
        .map(|a| (a.attempt, a.acknowledged, a.fault.as_deref(), a.last))
        .collect();
    assert_eq!(
        summary,
        vec![(1, true, Some("lost_ack"), false), (2, true, None, true)],
        "the merchant acknowledged twice; the first was treated as lost"
    );
    assert!(log[0].next_time.is_some(), "the redelivery was scheduled");
    assert_eq!(
        log[0].delivery, log[1].delivery,
        "one delivery, redelivered"
    );
    let received = endpoint.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn delay_holds_the_first_attempt_back() {
    let (endpoint, sandbox, merchant, p) = setup().await;
    sandbox
        .arm_notification_fault::<CaptureNotification>(
            NotificationFault::Delay(Duration::from_millis(400)),
            1,
        )
        .unwrap();
    let started = Instant::now();
    capture(&merchant, &p, "late-1").await;
    assert!(
        endpoint.received().is_empty(),
        "the reply came first, the notification not yet"
    );
    let log = acknowledged(&sandbox, 1).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].fault.as_deref(), Some("delay 400ms"));
    assert_eq!(endpoint.received().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn notification_faults_over_the_control_api_are_checked() {
    let sandbox = start().await;
    let arm = |body: &'static str| {
        send(
            sandbox.addr(),
            "POST",
            "/sandbox/faults",
            &[],
            body.as_bytes().to_vec(),
        )
    };
    let reply = arm(r#"{"notification":"notifyCapture","fault":"lost_ack","count":2}"#)
        .await
        .unwrap();
    assert_eq!(
        (reply.status.as_u16(), reply.json()["armed"].as_u64()),
        (200, Some(2))
    );
    let reply = arm(r#"{"notification":"notifyCapture","fault":"delay","ms":5}"#)
        .await
        .unwrap();
    assert_eq!(reply.json()["armed"], 3);
    assert_eq!(
        sandbox.armed_notification_faults::<CaptureNotification>(),
        3
    );
    assert_eq!(
        sandbox.armed_faults::<CaptureRequest>(),
        0,
        "apart from API faults"
    );

    for (bad, says) in [
        (
            r#"{"notification":"notifyDispute","fault":"lost_ack"}"#,
            "notifyPayment, notifyCapture, notifyRefund",
        ),
        (
            r#"{"notification":"notifyCapture","fault":"http_500"}"#,
            "lost_ack",
        ),
        (r#"{"notification":"notifyCapture","fault":"delay"}"#, "ms"),
        (
            r#"{"api":"capture","notification":"notifyCapture","fault":"delay","ms":1}"#,
            "exactly one",
        ),
        (r#"{"fault":"lost_ack"}"#, "exactly one"),
        (
            r#"{"api":"notifyCapture","fault":"lost_ack"}"#,
            "serves: pay, consult, createPaymentSession, inquiryPayment, cancel, capture",
        ),
    ] {
        let reply = arm(bad).await.unwrap();
        assert_eq!(reply.status, 400, "{bad}");
        let error = reply.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(says), "{bad}: {error}");
    }
    assert_eq!(
        sandbox.armed_notification_faults::<CaptureNotification>(),
        3
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn delete_faults_clears_every_armed_fault() {
    let (endpoint, sandbox, merchant, p) = setup().await;
    sandbox
        .arm_fault::<CaptureRequest>(Fault::UnknownException, 2)
        .unwrap();
    sandbox
        .arm_fault::<CaptureRequest>(Fault::Http500, 1)
        .unwrap();
    sandbox
        .arm_notification_fault::<CaptureNotification>(NotificationFault::LostAck, 4)
        .unwrap();

    let reply = send(sandbox.addr(), "DELETE", "/sandbox/faults", &[], vec![])
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["cleared"], 7);
    assert_eq!(sandbox.armed_faults::<CaptureRequest>(), 0);
    assert_eq!(
        sandbox.armed_notification_faults::<CaptureNotification>(),
        0
    );

    // Nothing fires any more: a plain capture, notified once.
    capture(&merchant, &p, "clean-1").await;
    let log = acknowledged(&sandbox, 1).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].fault, None);
    assert_eq!(endpoint.received().len(), 1);

    // Again, with nothing armed, and through the handle.
    let reply = send(sandbox.addr(), "DELETE", "/sandbox/faults", &[], vec![])
        .await
        .unwrap();
    assert_eq!(reply.json()["cleared"], 0);
    sandbox
        .arm_notification_fault::<CaptureNotification>(NotificationFault::LostAck, 1)
        .unwrap();
    assert_eq!(sandbox.clear_faults(), 1);
    assert_eq!(sandbox.clear_faults(), 0);
    sandbox.shutdown().await;
}

/// A notification kind the sandbox does not send.
#[derive(serde::Deserialize)]
struct DisputeNotification {}

impl alipay_ams_core::NotificationKind for DisputeNotification {
    const NAME: &'static str = "notifyDispute";
    const DISCRIMINATOR: alipay_ams_core::Discriminator =
        alipay_ams_core::Discriminator::Field("disputeNotificationType");
    fn dedup_key(&self) -> alipay_ams_core::DedupKey {
        alipay_ams_core::DedupKey::new(["DISPUTE"])
    }
}

#[tokio::test]
async fn a_fault_for_a_kind_not_sent_is_refused() {
    let sandbox = start().await;
    let err = sandbox
        .arm_notification_fault::<DisputeNotification>(NotificationFault::LostAck, 1)
        .unwrap_err();
    assert!(err.to_string().contains("notifyCapture"), "{err}");
    assert_eq!(
        sandbox.armed_notification_faults::<DisputeNotification>(),
        0
    );
    sandbox.shutdown().await;
}

//! `notifyCapture` delivery to a real endpoint on 127.0.0.1 that verifies
//! each notification with core and Alipay's public key, and the delivery log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;
use std::time::Duration;

use alipay_ams_api::payments::{CaptureNotification, CaptureRequest};
use alipay_ams_core::{ACK_BODY, ResultStatus};
use alipay_ams_sandbox::{CaptureMode, CreatePayment, Sandbox};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn capture_is_notified_signed_and_acknowledged_once() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("5000")).notify_url(&endpoint.url))
        .unwrap()
        .payment_id;
    let reply = merchant
        .capture(&CaptureRequest::new("n-1", &p, usd("5000")))
        .await
        .unwrap();
    let capture_id = reply.capture().capture_id;

    let log = sandbox
        .wait_for_deliveries(WAIT, |log| log.iter().any(|a| a.acknowledged))
        .await
        .expect("the notification was not acknowledged");
    assert_eq!(log.len(), 1);
    let attempt = &log[0];
    assert_eq!(attempt.attempt, 1);
    assert_eq!(attempt.http_status, Some(200));
    assert!(attempt.last && attempt.error.is_none());
    assert_eq!(
        attempt.next_time, None,
        "nothing follows an acknowledgement"
    );
    assert_eq!(attempt.kind, "notifyCapture");
    assert_eq!(attempt.notify_type.as_deref(), Some("CAPTURE_RESULT"));
    assert_eq!(
        attempt.dedup_key.as_str(),
        format!("CAPTURE_RESULT:{capture_id}")
    );
    assert_eq!(attempt.payment_id.as_deref(), Some(p.as_str()));
    assert_eq!(attempt.ids["captureId"], capture_id);
    assert_eq!(attempt.ids["captureRequestId"], "n-1");
    assert_eq!(attempt.result_status.as_deref(), Some("S"));
    assert_eq!(attempt.delivery, 1);
    assert_eq!(attempt.notify_url, endpoint.url);
    assert_eq!(
        attempt.answer.as_deref(),
        Some(ACK_BODY),
        "the merchant's answer"
    );
    assert_eq!(attempt.fault, None);

    let received = endpoint.received();
    assert_eq!(received.len(), 1);
    let n = &received[0];
    assert!(n.verified, "signed as Alipay over the notify path");
    assert_eq!(n.path, "/alipay/notify");
    assert_eq!(n.client_id.as_deref(), Some("SANDBOX_5X00000000000000"));
    assert_eq!(n.content_type.as_deref(), Some("application/json"));
    let body: CaptureNotification = serde_json::from_slice(&n.body).unwrap();
    assert_eq!(
        attempt.body(),
        &n.body[..],
        "the log keeps the exact bytes posted"
    );
    assert_eq!(
        attempt.notification::<CaptureNotification>(),
        Some(body.clone())
    );
    assert_eq!(body.notify_type, "CAPTURE_RESULT");
    assert_eq!(body.result.result_status, ResultStatus::Success);
    assert_eq!(body.capture_id, capture_id);
    assert_eq!(body.capture_request_id, "n-1");
    assert_eq!(body.payment_id, p);
    assert_eq!(body.capture_amount, usd("5000"));
    assert!(body.capture_time.is_some());

    // A replay of the capture does not notify again.
    merchant
        .capture(&CaptureRequest::new("n-1", &p, usd("5000")))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(endpoint.received().len(), 1);

    // The control API shows the same log.
    let json = send(sandbox.addr(), "GET", "/sandbox/notifications", &[], vec![])
        .await
        .unwrap()
        .json();
    let deliveries = json["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["acknowledged"], true);
    assert_eq!(deliveries[0]["httpStatus"], 200);
    assert_eq!(deliveries[0]["attempt"], 1);
    assert!(deliveries[0]["time"].as_str().is_some());
    assert_eq!(deliveries[0]["kind"], "notifyCapture");
    assert_eq!(deliveries[0]["notifyType"], "CAPTURE_RESULT");
    assert_eq!(
        deliveries[0]["dedupKey"],
        format!("CAPTURE_RESULT:{capture_id}")
    );
    assert_eq!(deliveries[0]["paymentId"], p.as_str());
    // The keys scripts already read (tests/interop/run.sh looks up captureId).
    assert_eq!(deliveries[0]["captureId"], capture_id.as_str());
    assert_eq!(deliveries[0]["captureRequestId"], "n-1");
    assert_eq!(deliveries[0]["resultStatus"], "S");
    assert_eq!(deliveries[0]["answer"], ACK_BODY);
    assert_eq!(deliveries[0]["nextTime"], serde_json::Value::Null);
    assert!(
        deliveries[0].get("body").is_none(),
        "the log lists attempts, not bodies"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn redelivered_while_unacknowledged_and_stopped_at_the_ack() {
    // First a 500, then a 200 with a non-S body, then the ack.
    let endpoint = NotifyEndpoint::start(Arc::new(|n| match n {
        0 => (500, "oops"),
        1 => (200, NOT_ACK),
        _ => (200, ACK_BODY),
    }))
    .await;
    let sandbox = start().await; // time scale 0.001: 0, 120 ms, 600 ms, 600 ms, 3.6 s...
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("100")).notify_url(&endpoint.url))
        .unwrap()
        .payment_id;
    merchant
        .capture(&CaptureRequest::new("r-1", &p, usd("100")))
        .await
        .unwrap();

    let log = sandbox
        .wait_for_deliveries(WAIT, |log| log.iter().any(|a| a.acknowledged))
        .await
        .expect("never acknowledged");
    let summary: Vec<_> = log
        .iter()
        .map(|a| (a.attempt, a.http_status, a.acknowledged, a.last))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, Some(500), false, false),
            (2, Some(200), false, false),
            (3, Some(200), true, true)
        ]
    );
    assert!(log[1].at >= log[0].at && log[2].at >= log[1].at);
    assert!(endpoint.received().iter().all(|n| n.verified));
    assert!(
        log.windows(2)
            .all(|w| w[0].dedup_key == w[1].dedup_key && w[0].delivery == w[1].delivery)
    );
    // Each unacknowledged attempt says when the next comes, and it came then.
    assert_eq!(log[0].answer.as_deref(), Some("oops"));
    assert_eq!(log[1].answer.as_deref(), Some(NOT_ACK));
    for pair in log.windows(2) {
        let next = pair[0].next_at.expect("a redelivery is scheduled");
        assert!(pair[0].next_time.is_some());
        // (Timers round to milliseconds: allow a little.)
        assert!(pair[1].at + Duration::from_millis(10) >= next, "{pair:#?}");
    }
    assert_eq!(log[2].next_time, None);

    // Attempt 4 would come 600 ms after attempt 3: wait past it, nothing comes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sandbox.deliveries().len(), 3);
    assert_eq!(endpoint.received().len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn never_acknowledged_runs_the_whole_schedule() {
    let endpoint = NotifyEndpoint::never_acking().await;
    // 0.00001: the ~24 h schedule in under a second.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.00001)
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("100")).notify_url(&endpoint.url))
        .unwrap()
        .payment_id;
    merchant
        .capture(&CaptureRequest::new("all-1", &p, usd("100")))
        .await
        .unwrap();
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| log.iter().any(|a| a.last))
        .await
        .expect("the schedule did not finish");
    assert_eq!(log.len(), 8, "one delivery and seven redeliveries");
    assert_eq!(
        log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert!(
        log.iter()
            .all(|a| !a.acknowledged && a.http_status == Some(200))
    );
    assert_eq!(endpoint.received().len(), 8);
    assert!(
        endpoint.received().iter().all(|n| n.verified),
        "every redelivery is signed afresh"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn no_redelivery_mode_tries_once() {
    let endpoint = NotifyEndpoint::never_acking().await;
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .redelivery(false)
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("100")).notify_url(&endpoint.url))
        .unwrap()
        .payment_id;
    merchant
        .capture(&CaptureRequest::new("once-1", &p, usd("100")))
        .await
        .unwrap();
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| !log.is_empty())
        .await
        .unwrap();
    assert!(!log[0].acknowledged && log[0].last);
    // With redelivery, attempt 2 would come after 120 ms.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sandbox.deliveries().len(), 1);
    assert_eq!(endpoint.received().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_logged_as_an_error_and_retried() {
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("100")).notify_url(&url))
        .unwrap()
        .payment_id;
    merchant
        .capture(&CaptureRequest::new("x-1", &p, usd("100")))
        .await
        .unwrap();
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| log.len() >= 2)
        .await
        .unwrap();
    assert!(
        log.iter()
            .all(|a| a.http_status.is_none() && a.error.is_some() && !a.acknowledged)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn default_notify_url_and_automatic_capture() {
    let endpoint = NotifyEndpoint::acking().await;
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .default_notify_url(&endpoint.url)
        .start()
        .await
        .unwrap();
    // No notify URL on the payment: the default one is used. Automatic
    // capture: captured and notified at creation.
    let p = sandbox
        .create_payment(CreatePayment::new(usd("900")).capture_mode(CaptureMode::Automatic))
        .unwrap()
        .payment_id;
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| log.iter().any(|a| a.acknowledged))
        .await
        .unwrap();
    assert_eq!(log[0].payment_id.as_deref(), Some(p.as_str()));
    assert_eq!(log[0].notify_url, endpoint.url);
    assert_eq!(sandbox.payment(&p).unwrap().captured, usd("900"));
    let merchant = Merchant::new(&sandbox);
    let reply = merchant
        .capture(&CaptureRequest::new("a-1", &p, usd("1")))
        .await
        .unwrap();
    assert_eq!(reply.code(), "ORDER_STATUS_INVALID");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_endpoint_times_out_per_attempt() {
    // Accepts connections and never answers; the sandbox gives each attempt 200 ms.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accept and never answer
        }
    });
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .redelivery(false)
        .delivery_timeout(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(&sandbox);
    let p = sandbox
        .create_payment(CreatePayment::new(usd("100")).notify_url(&url))
        .unwrap()
        .payment_id;
    merchant
        .capture(&CaptureRequest::new("slow-1", &p, usd("100")))
        .await
        .unwrap();
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| !log.is_empty())
        .await
        .unwrap();
    assert!(
        log[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")),
        "{:?}",
        log[0]
    );
    sandbox.shutdown().await;
    hold.abort();
}

//! The outbox on a gateway of the tests' own (real HTTP on 127.0.0.1, one
//! reply script per API), with the in-memory store: what `send_via` records
//! and returns, and how `resume` finishes each kind of unfinished intent,
//! re-sending the recorded bytes (same key) only when Alipay has no trace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::collections::HashMap;
use std::time::Duration;

use alipay_ams_client::checkout::{CaptureOutcome, PayOutcome, RefundOutcome};
use alipay_ams_client::outbox::{
    Intent, IntentState, MemoryOutbox, Outbox, OutboxError, ResumeOptions, SendOptions, Sent,
};
use alipay_ams_client::{CallOptions, Client, Error, RetryPolicy};
use alipay_ams_core::Amount;
use serde_json::json;
use support::checkout::*;
use support::*;

const PAYMENT: &str = "20220919194010890100111740275820195";
const UNKNOWN: &str = r#"{"result":{"resultStatus":"U","resultCode":"UNKNOWN_EXCEPTION","resultMessage":"try again"}}"#;

/// One attempt per call (the outbox is what tries again), due again at once.
fn send_options() -> SendOptions {
    SendOptions::default()
        .with_owner("test")
        .with_lease(Duration::from_secs(10))
        .with_retry_after(Duration::ZERO)
        .with_call_options(CallOptions::new().retry(RetryPolicy::none()))
}

/// One claim of what is due.
fn one_pass() -> ResumeOptions {
    ResumeOptions::default()
        .with_send_options(send_options())
        .with_deadline(Duration::ZERO)
}

fn capture_answer(req: &Recorded) -> Reply {
    Reply::signed(&success_body(
        req.json()["captureRequestId"].as_str().unwrap(),
    ))
}

fn payment_with(req: &Recorded, captures: &[(&str, &str)]) -> Reply {
    let transactions: Vec<_> = captures
        .iter()
        .map(|(id, status)| transaction("CAPTURE", status, id))
        .collect();
    inquiry_payment(req, "SUCCESS", json!(transactions))
}

async fn client(server: &FakeAlipay) -> Client {
    server.client().build().unwrap()
}

#[tokio::test]
async fn a_capture_alipay_has_no_trace_of_is_sent_again_byte_for_byte_under_its_key() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("capture", |n, req| {
                if n == 0 {
                    Reply::signed(UNKNOWN)
                } else {
                    capture_answer(req)
                }
            })
            .on("inquiryPayment", |_, req| payment_with(req, &[])),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let capture = request("cap-1");

    let sent = client
        .send_via_with(&outbox, &capture, &send_options())
        .await
        .unwrap();
    let Sent::Pending(pending) = sent else {
        panic!("{sent:?}")
    };
    assert!(
        matches!(pending.error(), Some(Error::Unknown(_))),
        "{pending:?}"
    );
    assert!(
        pending.to_string().contains("Client::resume finishes it"),
        "{pending}"
    );
    assert_eq!(pending.record().state, IntentState::Pending);
    assert_eq!(pending.record().sends, 1);

    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (
            report.claimed,
            report.inquiries,
            report.sends,
            report.resends
        ),
        (1, 1, 1, 1),
        "{report}"
    );
    assert_eq!((report.succeeded, report.unfinished), (1, 0), "{report}");

    let record = outbox
        .get(&Intent::of(&capture).unwrap().id().clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, IntentState::Succeeded);
    assert_eq!((record.sends, record.inquiries), (2, 1));
    assert_eq!(record.result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(
        record.answer.as_deref(),
        Some(success_body("cap-1").as_bytes())
    );

    let sends = server.calls("capture");
    assert_eq!(sends.len(), 2);
    // The same bytes, the same key; each signed afresh, and validly.
    assert_eq!(sends[0].body, sends[1].body);
    assert_eq!(
        sends[0].body.as_ref(),
        serde_json::to_vec(&capture).unwrap()
    );
    assert!(sends.iter().all(|s| s.signature_valid));
    assert_ne!(sends[0].header("signature"), sends[1].header("signature"));
}

#[tokio::test]
async fn a_capture_alipay_has_in_progress_is_never_sent_again_and_settles_by_inquiry() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("capture", |_, _| Reply::signed(UNKNOWN))
            .on("inquiryPayment", |n, req| {
                payment_with(
                    req,
                    &[("cap-2", if n == 0 { "PROCESSING" } else { "SUCCESS" })],
                )
            }),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let capture = request("cap-2");
    client
        .send_via_with(&outbox, &capture, &send_options())
        .await
        .unwrap();

    let first = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (first.accepted, first.sends, first.unfinished),
        (1, 0, 1),
        "{first}"
    );
    let id = Intent::of(&capture).unwrap().id().clone();
    assert_eq!(
        outbox.get(&id).await.unwrap().unwrap().state,
        IntentState::Accepted
    );

    let second = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (second.succeeded, second.sends, second.unfinished),
        (1, 0, 0),
        "{second}"
    );
    let record = outbox.get(&id).await.unwrap().unwrap();
    assert_eq!(
        (record.state, record.sends, record.inquiries),
        (IntentState::Succeeded, 1, 2)
    );
    assert_eq!(server.calls("capture").len(), 1, "never sent again");
}

#[tokio::test]
async fn an_intent_recorded_but_never_sent_is_sent_by_resume_without_an_inquiry() {
    let server =
        FakeAlipay::routes(Routes::new().on("capture", |_, req| capture_answer(req))).await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let intent = Intent::of(&request("cap-3")).unwrap();
    // Recorded, then the process "died": nothing left.
    outbox.record(&intent, None).await.unwrap();
    assert!(server.requests().is_empty());
    assert_eq!(outbox.get(intent.id()).await.unwrap().unwrap().sends, 0);

    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (
            report.sends,
            report.resends,
            report.inquiries,
            report.succeeded
        ),
        (1, 0, 0, 1),
        "{report}"
    );
    assert_eq!(server.calls("capture").len(), 1);
    assert_eq!(server.calls("capture")[0].body, intent.body().clone());
}

#[tokio::test]
async fn the_same_request_again_is_answered_from_the_record_and_another_under_its_key_is_refused() {
    let server =
        FakeAlipay::routes(Routes::new().on("capture", |_, req| capture_answer(req))).await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let capture = request("cap-4");
    let sent = client.send_via(&outbox, &capture).await.unwrap();
    assert!(
        matches!(sent, Sent::Answered(CaptureOutcome::Captured(ref c)) if c.capture_request_id == "cap-4"),
        "{sent:?}"
    );

    let again = client.send_via(&outbox, &capture).await.unwrap();
    let Sent::Settled(record) = again else {
        panic!("{again:?}")
    };
    assert_eq!((record.state, record.sends), (IntentState::Succeeded, 1));
    assert_eq!(server.calls("capture").len(), 1, "answered from the record");

    let other = alipay_ams_api::payments::CaptureRequest::new(
        "cap-4",
        PAYMENT,
        Amount::from_minor_units("USD", 999).unwrap(),
    );
    let err = client.send_via(&outbox, &other).await.unwrap_err();
    assert!(
        matches!(&err, OutboxError::Conflict { id } if id.key == "cap-4"),
        "{err}"
    );
    assert!(err.to_string().contains("different request"), "{err}");
    // An invalid request is neither recorded nor sent.
    let err = client.send_via(&outbox, &request("")).await.unwrap_err();
    assert!(
        matches!(err, OutboxError::Invalid(Error::NotSent(_))),
        "{err}"
    );
    assert_eq!(server.calls("capture").len(), 1);
    assert_eq!(outbox.records().len(), 1);
}

#[tokio::test]
async fn a_refund_in_process_is_accepted_then_settled_by_inquiry() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("refund", |_, req| {
                refund_answer(req, "U", "REFUND_IN_PROCESS")
            })
            .on("inquiryRefund", |_, req| inquiry_refund(req, "SUCCESS")),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let sent = client
        .send_via_with(&outbox, &refund("ref-1"), &send_options())
        .await
        .unwrap();
    assert!(
        matches!(sent, Sent::Answered(RefundOutcome::Processing(_))),
        "{sent:?}"
    );
    let id = Intent::of(&refund("ref-1")).unwrap().id().clone();
    let record = outbox.get(&id).await.unwrap().unwrap();
    assert_eq!(record.state, IntentState::Accepted);
    assert_eq!(record.result_code.as_deref(), Some("REFUND_IN_PROCESS"));

    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (report.succeeded, report.sends, report.inquiries),
        (1, 0, 1),
        "{report}"
    );
    assert_eq!(
        outbox.get(&id).await.unwrap().unwrap().state,
        IntentState::Succeeded
    );
    assert_eq!(server.calls("refund").len(), 1);
}

#[tokio::test]
async fn a_cancel_is_keyed_by_its_payment_and_sent_again_when_it_shows_nowhere() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("cancel", |n, req| {
                if n == 0 {
                    Reply::unsigned("oops").status(500)
                } else {
                    cancel_answer(req)
                }
            })
            .on("inquiryPayment", |_, req| {
                inquiry_payment(req, "PROCESSING", json!([]))
            }),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let sent = client
        .send_via_with(&outbox, &cancel("P-7"), &send_options())
        .await
        .unwrap();
    let Sent::Pending(pending) = sent else {
        panic!("{sent:?}")
    };
    assert_eq!(pending.record().id.key, "P-7");
    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!((report.resends, report.succeeded), (1, 1), "{report}");
    let calls = server.calls("cancel");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].body, calls[1].body);
}

#[tokio::test]
async fn a_payment_waiting_for_the_buyer_is_accepted_until_an_inquiry_shows_it_paid() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("pay", |_, req| {
                pay_answer(
                    req,
                    "U",
                    "PAYMENT_IN_PROCESS",
                    json!({"normalUrl": "https://pay.example/1"}),
                )
            })
            .on("inquiryPayment", |_, req| {
                inquiry_payment(req, "SUCCESS", json!([]))
            }),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let sent = client
        .send_via_with(&outbox, &wallet_pay("pay-1"), &send_options())
        .await
        .unwrap();
    assert!(
        matches!(sent, Sent::Answered(PayOutcome::WaitingForBuyer(_))),
        "{sent:?}"
    );
    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!((report.succeeded, report.sends), (1, 0), "{report}");
    assert_eq!(server.calls("pay").len(), 1);
}

#[tokio::test]
async fn a_send_dropped_mid_flight_stays_pending_and_resume_settles_it_once_its_claim_lapses() {
    let server = FakeAlipay::routes(
        Routes::new()
            // Carried out, answered late: the caller is gone by then.
            .on("capture", |_, req| {
                capture_answer(req).delay(Duration::from_millis(500))
            })
            .on("inquiryPayment", |_, req| {
                payment_with(req, &[("cap-5", "SUCCESS")])
            }),
    )
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    let capture = request("cap-5");
    let options = send_options().with_lease(Duration::from_millis(800));
    let dropped = tokio::time::timeout(
        Duration::from_millis(150),
        client.send_via_with(&outbox, &capture, &options),
    )
    .await;
    assert!(dropped.is_err(), "the send was dropped mid-flight");
    assert_eq!(server.calls("capture").len(), 1, "it left");
    let id = Intent::of(&capture).unwrap().id().clone();
    let record = outbox.get(&id).await.unwrap().unwrap();
    assert_eq!(
        (record.state, record.sends),
        (IntentState::Pending, 1),
        "recorded before it left"
    );

    // Still claimed by the dropped send: nobody takes it yet.
    let early = client
        .resume(
            &outbox,
            &ResumeOptions::default()
                .with_send_options(options.clone())
                .with_deadline(Duration::ZERO),
        )
        .await
        .unwrap();
    assert_eq!((early.claimed, early.unfinished), (0, 1), "{early}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let report = client.resume(&outbox, &one_pass()).await.unwrap();
    assert_eq!(
        (report.succeeded, report.sends, report.inquiries),
        (1, 0, 1),
        "{report}"
    );
    assert_eq!(
        server.calls("capture").len(),
        1,
        "found captured: not sent again"
    );
}

#[tokio::test]
async fn resumes_running_at_once_send_each_intent_once() {
    let server = FakeAlipay::routes(Routes::new().on("capture", |_, req| {
        capture_answer(req).delay(Duration::from_millis(30))
    }))
    .await;
    let client = client(&server).await;
    let outbox = MemoryOutbox::new();
    for n in 0..40 {
        outbox
            .record(
                &Intent::of(&request(&format!("cap-many-{n}"))).unwrap(),
                None,
            )
            .await
            .unwrap();
    }
    let options = ResumeOptions::default()
        .with_send_options(send_options())
        .with_batch(5)
        .with_concurrency(3)
        .with_deadline(Duration::from_secs(30));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (client, outbox, options) = (client.clone(), outbox.clone(), options.clone());
            tokio::spawn(async move { client.resume(&outbox, &options).await.unwrap() })
        })
        .collect();
    let mut sends = 0;
    for run in runs {
        sends += run.await.unwrap().sends;
    }
    assert_eq!(sends, 40);
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for call in server.calls("capture") {
        *per_key
            .entry(call.json()["captureRequestId"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_key.len(), 40);
    assert!(per_key.values().all(|&n| n == 1), "{per_key:?}");
    assert_eq!(outbox.unfinished().await.unwrap(), 0);
}

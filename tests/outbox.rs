//! The outbox against the sandbox (through a counting proxy on loopback),
//! in memory and on a real PostgreSQL: an intent is recorded before its
//! bytes reach the gateway; a send killed mid-flight, or a process that
//! died between recording and sending, is finished by `resume` with one
//! transaction at the gateway; every fault the sandbox plays ends final and
//! recorded; resumes running at once never send one intent at the same
//! moment. The PostgreSQL half needs `DATABASE_URL` (`scripts/test.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod outbox_support;

use std::future::Future;
use std::time::Duration;

use alipay_ams::client::checkout::{CaptureOutcome, RefundOutcome};
use alipay_ams::client::outbox::{
    Intent, IntentState, Lease, MemoryOutbox, Outbox, ResumeOptions, SendOptions, Sent,
};
use alipay_ams::client::{CallOptions, Client, Gateway, RetryPolicy};
use alipay_ams::payments::{
    CaptureRequest, InquiryPaymentRequest, InquiryRefundRequest, RefundRequest,
};
use alipay_ams::postgres::{PgOutbox, PgStore};
use alipay_ams::sandbox::{CreatePayment, Fault, RefundStatus, Sandbox, SandboxExt};
use alipay_ams::{Amount, ResultStatus};
use outbox_support::*;

async fn start() -> (Sandbox, Proxy, Client) {
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.01) // asynchronous refunds settle in 20 ms
        .start()
        .await
        .unwrap();
    let proxy = Proxy::start(sandbox.addr()).await;
    let client = sandbox
        .client_builder()
        .gateway(Gateway::custom(proxy.url()))
        .build()
        .unwrap();
    (sandbox, proxy, client)
}

fn payment(sandbox: &Sandbox) -> String {
    sandbox
        .create_payment(CreatePayment::new(
            Amount::from_minor_units("USD", 10_000).unwrap(),
        ))
        .unwrap()
        .payment_id
}

fn capture(payment_id: &str, key: &str) -> CaptureRequest {
    CaptureRequest::new(
        key,
        payment_id,
        Amount::from_minor_units("USD", 10_000).unwrap(),
    )
}

fn refund(payment_id: &str, key: &str, minor: u64) -> RefundRequest {
    RefundRequest::new(
        key,
        payment_id,
        Amount::from_minor_units("USD", minor).unwrap(),
    )
}

/// One attempt per call (the outbox is what tries again), 800 ms at most.
fn send_options(lease: Duration) -> SendOptions {
    SendOptions::default()
        .with_owner("test")
        .with_lease(lease)
        .with_retry_after(Duration::ZERO)
        .with_call_options(
            CallOptions::new()
                .retry(RetryPolicy::none())
                .call_timeout(Duration::from_millis(800)),
        )
}

fn one_pass(send: SendOptions) -> ResumeOptions {
    ResumeOptions::default()
        .with_send_options(send)
        .with_deadline(Duration::ZERO)
}

fn until_done(send: SendOptions) -> ResumeOptions {
    ResumeOptions::default()
        .with_send_options(send)
        .with_deadline(Duration::from_secs(60))
        .with_poll_interval(Duration::from_millis(50))
}

/// The outbox of one more "replica": a clone of one memory outbox, or a
/// store of its own (its own pool) on one PostgreSQL table.
fn memory() -> impl Fn() -> std::future::Ready<MemoryOutbox> {
    let outbox = MemoryOutbox::new();
    move || std::future::ready(outbox.clone())
}

fn postgres() -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = PgOutbox> + Send>> {
    let table = unique("outbox_it");
    move || {
        let table = table.clone();
        Box::pin(async move {
            PgStore::builder(&database_url())
                .unwrap()
                .inbox_table(format!("{table}_inbox"))
                .outbox_table(table)
                .max_connections(4)
                .connect()
                .await
                .unwrap()
                .outbox()
        })
    }
}

async fn recorded_before_it_reaches_the_gateway_and_finished_after_a_kill_mid_flight<O, F>(
    replica: impl Fn() -> F,
) where
    O: Outbox + Clone,
    F: Future<Output = O>,
{
    let (sandbox, proxy, client) = start().await;
    let request = capture(&payment(&sandbox), "cap-flight");
    let id = Intent::of(&request).unwrap().id().clone();
    // Carried out at once, answered after 1.5 s: long enough to look, and to kill.
    sandbox
        .arm_fault::<CaptureRequest>(Fault::Delay(Duration::from_millis(1500)), 1)
        .unwrap();
    let options = send_options(Duration::from_secs(3));
    let sending = {
        let (client, outbox, request, options) = (
            client.clone(),
            replica().await,
            request.clone(),
            options.clone(),
        );
        tokio::spawn(async move { client.send_via_with(&outbox, &request, &options).await })
    };
    proxy.wait_in_flight("capture:cap-flight").await;
    // At the gateway now; another replica already sees the intent.
    let other = replica().await;
    let record = other
        .get(&id)
        .await
        .unwrap()
        .expect("recorded before it left");
    assert_eq!((record.state, record.sends), (IntentState::Pending, 1));
    assert_eq!(&record.body, Intent::of(&request).unwrap().body());
    while sandbox.captures().is_empty() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    sending.abort(); // killed mid-flight, its reply never read
    assert!(sending.await.unwrap_err().is_cancelled());

    // Nobody takes it while the dead sender's claim holds.
    let early = client
        .resume(&other, &one_pass(options.clone()))
        .await
        .unwrap();
    assert_eq!((early.claimed, early.unfinished), (0, 1), "{early}");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let report = client.resume(&other, &one_pass(options)).await.unwrap();
    assert_eq!(
        (report.succeeded, report.sends, report.inquiries),
        (1, 0, 1),
        "{report}"
    );
    let record = other.get(&id).await.unwrap().unwrap();
    assert_eq!(record.state, IntentState::Succeeded);
    assert_eq!(
        proxy.total("capture:cap-flight"),
        1,
        "found captured: never sent again"
    );
    assert_eq!(check_ledger(&sandbox), (1, 0, 0, 0));
}

async fn a_process_that_died_between_recording_and_sending_is_finished_by_resume<O, F>(
    replica: impl Fn() -> F,
) where
    O: Outbox + Clone,
    F: Future<Output = O>,
{
    let (sandbox, proxy, client) = start().await;
    let request = capture(&payment(&sandbox), "cap-dead");
    let intent = Intent::of(&request).unwrap();
    // What send_via does first: recorded, claimed, its send counted; then the
    // process dies before a byte leaves.
    let dead = replica().await;
    dead.record(
        &intent,
        Some(&Lease::new("dead", Duration::from_millis(400))),
    )
    .await
    .unwrap();
    assert_eq!(proxy.totals().len(), 0);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let outbox = replica().await;
    let report = client
        .resume(&outbox, &one_pass(send_options(Duration::from_secs(5))))
        .await
        .unwrap();
    // Asked first (it may have left); no trace, so the same bytes went, once.
    assert_eq!(
        (report.inquiries, report.resends, report.succeeded),
        (1, 1, 1),
        "{report}"
    );
    assert_eq!(proxy.total("capture:cap-dead"), 1);
    let record = outbox.get(intent.id()).await.unwrap().unwrap();
    assert_eq!(
        (record.state, record.inquiries),
        (IntentState::Succeeded, 1)
    );
    assert_eq!(record.result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(check_ledger(&sandbox), (1, 0, 0, 0));
}

async fn every_fault_ends_final_recorded_and_once_at_the_gateway<O, F>(replica: impl Fn() -> F)
where
    O: Outbox + Clone,
    F: Future<Output = O>,
{
    let (sandbox, proxy, client) = start().await;
    let outbox = replica().await;
    let options = send_options(Duration::from_secs(5));
    let faults = [
        Fault::UnknownException,
        Fault::InProcess,
        Fault::DropConnection,
        Fault::Http500,
        Fault::Unsigned,
        Fault::BadSignature,
        Fault::ProcessFail,
        Fault::Delay(Duration::from_millis(1200)),
    ];
    let payments: Vec<String> = (0..10).map(|_| payment(&sandbox)).collect();
    for fault in faults {
        sandbox.arm_fault::<CaptureRequest>(fault, 1).unwrap();
    }
    sandbox
        .arm_fault::<InquiryPaymentRequest>(Fault::Http500, 2)
        .unwrap();
    let mut answered = 0;
    for (n, payment_id) in payments.iter().enumerate() {
        let sent = client
            .send_via_with(&outbox, &capture(payment_id, &format!("cap-{n}")), &options)
            .await
            .unwrap();
        answered += usize::from(matches!(sent, Sent::Answered(_)));
    }
    assert_eq!(
        answered, 3,
        "process_fail and the two without a fault answered"
    );
    let report = client
        .resume(&outbox, &until_done(options.clone()))
        .await
        .unwrap();
    assert_eq!(report.unfinished, 0, "{report}");

    // Refunds of what was captured: 30.00 and 70.00 each, with faults too.
    for fault in faults {
        sandbox.arm_fault::<RefundRequest>(fault, 1).unwrap();
    }
    sandbox
        .arm_fault::<InquiryRefundRequest>(Fault::DropConnection, 2)
        .unwrap();
    let mut refunds = Vec::new();
    for (n, payment_id) in payments.iter().enumerate() {
        let id = Intent::of(&capture(payment_id, &format!("cap-{n}")))
            .unwrap()
            .id()
            .clone();
        if outbox.get(&id).await.unwrap().unwrap().state != IntentState::Succeeded {
            continue;
        }
        for (part, minor) in [("a", 3_000), ("b", 7_000)] {
            let request = refund(payment_id, &format!("ref-{part}-{n}"), minor);
            let sent = client
                .send_via_with(&outbox, &request, &options)
                .await
                .unwrap();
            assert!(
                !matches!(sent, Sent::Answered(RefundOutcome::Failed(ref r)) if r.result_code.as_str() == "REFUND_AMOUNT_EXCEED"),
                "{sent:?}"
            );
            refunds.push(request);
        }
    }
    let report = client
        .resume(&outbox, &until_done(options.clone()))
        .await
        .unwrap();
    assert_eq!(report.unfinished, 0, "{report}");

    // Every intent final, and what it says is what the gateway did, once.
    let (captured, capture_failed, refunded, refund_failed) = check_ledger(&sandbox);
    assert_eq!((captured, capture_failed), (9, 1));
    assert_eq!(refunded + refund_failed, 18);
    for capture_record in sandbox.captures() {
        let id = Intent::of(&capture(
            &capture_record.payment_id,
            &capture_record.capture_request_id,
        ))
        .unwrap()
        .id()
        .clone();
        let state = outbox.get(&id).await.unwrap().unwrap().state;
        let expected = if capture_record.result.result_status == ResultStatus::Success {
            IntentState::Succeeded
        } else {
            IntentState::Failed
        };
        assert_eq!(state, expected, "{}", capture_record.capture_request_id);
    }
    for refund_record in sandbox.refunds() {
        let request = refunds
            .iter()
            .find(|r| r.refund_request_id == refund_record.refund_request_id)
            .unwrap();
        let state = outbox
            .get(Intent::of(request).unwrap().id())
            .await
            .unwrap()
            .unwrap()
            .state;
        let expected = match refund_record.status {
            RefundStatus::Success => IntentState::Succeeded,
            RefundStatus::Fail => IntentState::Failed,
            other => panic!("{other:?} after resume"),
        };
        assert_eq!(state, expected, "{}", refund_record.refund_request_id);
    }
    let most = proxy.most_at_once();
    assert!(most.values().all(|&n| n == 1), "{most:?}");

    // Sending a settled intent again sends nothing.
    let before = proxy.total("capture:cap-9");
    let again = client
        .send_via_with(&outbox, &capture(&payments[9], "cap-9"), &options)
        .await
        .unwrap();
    assert!(
        matches!(again, Sent::Settled(ref r) if r.state == IntentState::Succeeded),
        "{again:?}"
    );
    assert_eq!(proxy.total("capture:cap-9"), before);
}

async fn resumes_at_once_never_send_one_intent_at_the_same_moment<O, F>(replica: impl Fn() -> F)
where
    O: Outbox + Clone,
    F: Future<Output = O>,
    O: Send + 'static,
{
    let (sandbox, proxy, client) = start().await;
    let first = replica().await;
    let mut keys = Vec::new();
    for n in 0..24 {
        let request = capture(&payment(&sandbox), &format!("cap-many-{n}"));
        first
            .record(&Intent::of(&request).unwrap(), None)
            .await
            .unwrap();
        keys.push(format!("capture:cap-many-{n}"));
    }
    // The first six get U (nothing done: inquired, then sent again); the
    // rest take 300 ms each, so that sends overlap in time.
    sandbox
        .arm_fault::<CaptureRequest>(Fault::UnknownException, 6)
        .unwrap();
    sandbox
        .arm_fault::<CaptureRequest>(Fault::Delay(Duration::from_millis(300)), 30)
        .unwrap();
    let options = until_done(send_options(Duration::from_secs(5)))
        .with_batch(3)
        .with_concurrency(4);
    let mut runs = Vec::new();
    for _ in 0..3 {
        let (client, outbox, options) = (client.clone(), replica().await, options.clone());
        runs.push(tokio::spawn(async move {
            client.resume(&outbox, &options).await.unwrap()
        }));
    }
    let mut sends = 0;
    for run in runs {
        let report = run.await.unwrap();
        assert_eq!(report.unfinished, 0, "{report}");
        sends += report.sends;
    }
    let most = proxy.most_at_once();
    for key in &keys {
        assert_eq!(
            most.get(key),
            Some(&1),
            "{key} was in flight {:?} times at once",
            most.get(key)
        );
    }
    let totals: u64 = keys.iter().map(|k| u64::from(proxy.total(k))).sum();
    assert_eq!(totals, sends, "every send counted, none unaccounted");
    assert_eq!(
        totals,
        24 + 6,
        "each once, and the six without effect once more"
    );
    assert_eq!(check_ledger(&sandbox), (24, 0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_recorded_before_it_reaches_the_gateway_and_finished_after_a_kill_mid_flight() {
    recorded_before_it_reaches_the_gateway_and_finished_after_a_kill_mid_flight(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_recorded_before_it_reaches_the_gateway_and_finished_after_a_kill_mid_flight() {
    recorded_before_it_reaches_the_gateway_and_finished_after_a_kill_mid_flight(postgres()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_a_process_that_died_between_recording_and_sending_is_finished_by_resume() {
    a_process_that_died_between_recording_and_sending_is_finished_by_resume(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_process_that_died_between_recording_and_sending_is_finished_by_resume() {
    a_process_that_died_between_recording_and_sending_is_finished_by_resume(postgres()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_every_fault_ends_final_recorded_and_once_at_the_gateway() {
    every_fault_ends_final_recorded_and_once_at_the_gateway(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_fault_ends_final_recorded_and_once_at_the_gateway() {
    every_fault_ends_final_recorded_and_once_at_the_gateway(postgres()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_resumes_at_once_never_send_one_intent_at_the_same_moment() {
    resumes_at_once_never_send_one_intent_at_the_same_moment(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_resumes_at_once_never_send_one_intent_at_the_same_moment() {
    resumes_at_once_never_send_one_intent_at_the_same_moment(postgres()).await;
}

/// "Order capturing" and "capture intent" commit together, or not at all;
/// after the commit, `send_via` sends the recorded intent (or `resume`
/// does, if the process died first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_intent_recorded_in_the_apps_transaction_is_sent_once_committed() {
    let (sandbox, proxy, client) = start().await;
    let table = unique("outbox_tx");
    let store = PgStore::builder(&database_url())
        .unwrap()
        .inbox_table(format!("{table}_inbox"))
        .outbox_table(&table)
        .connect()
        .await
        .unwrap();
    let outbox = store.outbox();
    let orders = unique("orders");
    let mut conn = store.pool().get().await.unwrap();
    conn.batch_execute(&format!(
        "CREATE TABLE {orders} (payment_id text PRIMARY KEY, state text NOT NULL)"
    ))
    .await
    .unwrap();
    let (kept, rolled_back, orphan) = (payment(&sandbox), payment(&sandbox), payment(&sandbox));

    for (payment_id, commit) in [(&kept, true), (&rolled_back, false), (&orphan, true)] {
        let tx = conn.transaction().await.unwrap();
        tx.execute(
            &format!("INSERT INTO {orders} VALUES ($1, 'capturing')"),
            &[payment_id],
        )
        .await
        .unwrap();
        let request = capture(payment_id, &format!("cap-{payment_id}"));
        outbox
            .record_in(&*tx, &Intent::of(&request).unwrap())
            .await
            .unwrap();
        if commit {
            tx.commit().await.unwrap()
        } else {
            tx.rollback().await.unwrap()
        }
    }
    assert!(
        proxy.totals().is_empty(),
        "nothing sent inside a transaction"
    );

    let sent = client
        .send_via(&outbox, &capture(&kept, &format!("cap-{kept}")))
        .await
        .unwrap();
    assert!(
        matches!(sent, Sent::Answered(CaptureOutcome::Captured(_))),
        "{sent:?}"
    );
    // The orphan's process "died" after its commit: resume sends it, without asking first.
    let report = client
        .resume(&outbox, &one_pass(send_options(Duration::from_secs(5))))
        .await
        .unwrap();
    assert_eq!(
        (
            report.sends,
            report.inquiries,
            report.succeeded,
            report.unfinished
        ),
        (1, 0, 1, 0),
        "{report}"
    );
    assert_eq!(proxy.total(&format!("capture:cap-{kept}")), 1);
    assert_eq!(proxy.total(&format!("capture:cap-{orphan}")), 1);
    assert_eq!(proxy.total(&format!("capture:cap-{rolled_back}")), 0);
    let intent = Intent::of(&capture(&rolled_back, &format!("cap-{rolled_back}"))).unwrap();
    assert!(outbox.get(intent.id()).await.unwrap().is_none());
    let orders_left: i64 = conn
        .query_one(&format!("SELECT count(*) FROM {orders}"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(orders_left, 2);
    assert_eq!(check_ledger(&sandbox), (2, 0, 0, 0));
}

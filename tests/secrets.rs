//! No secrets in logs: every `tracing` event and span (and every `log` record,
//! through tracing-log) at TRACE level, from every crate in the process, is
//! captured during a whole journey (client -> sandbox capture, with faulty
//! replies on the way; sandbox -> notify endpoint, with a handler failure and
//! a forged delivery on the way), and searched for key material, signatures
//! and message bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams::client::{RetryBudget, RetryPolicy};
use alipay_ams::notify::{HandlerError, NotifyHandler, NotifyMeta};
use alipay_ams::payments::{CaptureNotification, CaptureRequest};
use alipay_ams::protocol::header;
use alipay_ams::sandbox::{CreatePayment, Fault, Sandbox, example_keys, signed_notification_body};
use alipay_ams::{Amount, PrivateKey, ResultStatus};
use tracing_subscriber::fmt::format::FmtSpan;

mod common;

use alipay_ams_testkit as raw_http;

/// Every example key, as PEM. The `.b64` files of `keys-example/` hold the
/// same base64 as these PEM bodies, so their windows are the same.
const KEY_FILES: [&str; 4] = [
    example_keys::MERCHANT_PRIVATE_KEY_PEM,
    example_keys::MERCHANT_PUBLIC_KEY_PEM,
    example_keys::ALIPAY_PRIVATE_KEY_PEM,
    example_keys::ALIPAY_PUBLIC_KEY_PEM,
];
const CHUNK: usize = 16;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every 16-character window of every key's base64 text (PEM bodies with
/// their line breaks removed, as in the bare base64 files).
fn key_chunks() -> HashSet<Vec<u8>> {
    let mut chunks = HashSet::new();
    for file in KEY_FILES {
        let base64: Vec<u8> = file
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .flat_map(|line| line.trim().bytes())
            .collect();
        assert!(base64.len() > 300, "a key file is unexpectedly short");
        for window in base64.windows(CHUNK) {
            chunks.insert(window.to_vec());
        }
    }
    chunks
}

/// The longest run of characters that can make up a (percent-encoded) base64
/// signature.
fn longest_base64_run(text: &[u8]) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for &b in text {
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'%') {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

#[derive(Default)]
struct Orders {
    seen: Mutex<HashSet<String>>,
    calls: AtomicU32,
}

struct Shop(Arc<Orders>);

impl NotifyHandler<CaptureNotification> for Shop {
    async fn handle(&self, _n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        // The first delivery fails (a database outage), so the error path logs too.
        if self.0.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(HandlerError::new("order database unavailable"));
        }
        self.0
            .seen
            .lock()
            .unwrap()
            .insert(meta.dedup_key().to_string());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_signature_or_body_reaches_the_logs_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.0001)
        .start()
        .await
        .unwrap();
    let orders = Arc::new(Orders::default());
    let notify_url = common::serve_notify(&sandbox, Shop(orders.clone())).await;
    let addr = notify_url
        .trim_start_matches("http://")
        .trim_end_matches(common::NOTIFY_PATH)
        .parse()
        .unwrap();

    let merchant_key = PrivateKey::parse(example_keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    let client = common::client_for(&sandbox)
        .attempt_timeout(Duration::from_secs(2))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(6)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        // The journey retries on purpose (three faulty replies in a row) so
        // that every refusal path logs; the budget is not under test here and
        // must not end the call early.
        .retry_budget(RetryBudget::unlimited())
        .build()
        .unwrap();

    let payment = sandbox
        .create_payment(
            CreatePayment::new(Amount::from_minor_units_str("USD", "10000").unwrap())
                .notify_url(&notify_url),
        )
        .unwrap();
    // Replies the client must refuse, each logged on the way to the real one.
    for fault in [
        Fault::BadSignature,
        Fault::Unsigned,
        Fault::UnknownException,
    ] {
        sandbox.arm_fault::<CaptureRequest>(fault, 1).unwrap();
    }
    let request = CaptureRequest::new(
        "cap-secrets-0001",
        &payment.payment_id,
        Amount::from_minor_units_str("USD", "10000").unwrap(),
    );
    let captured_response = client.execute(&request).await.unwrap();
    assert_eq!(
        captured_response.result.result_status,
        ResultStatus::Success
    );

    sandbox
        .wait_for_deliveries(Duration::from_secs(20), |log| {
            log.iter().any(|d| d.acknowledged)
        })
        .await
        .unwrap_or_else(|log| panic!("no acknowledged delivery: {log:#?}"));
    assert!(
        orders.calls.load(Ordering::SeqCst) >= 2,
        "the failing first delivery was not redelivered"
    );

    // A forged delivery (signed with the merchant's key) is refused, and logged.
    let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},"captureRequestId":"forged","paymentId":"p","captureId":"c","captureAmount":{"currency":"USD","value":"1"}}"#;
    let forged = signed_notification_body(
        &merchant_key,
        sandbox.client_id(),
        common::NOTIFY_PATH,
        &body[..],
    )
    .unwrap();
    let signature = forged.headers()[header::SIGNATURE]
        .to_str()
        .unwrap()
        .to_owned();
    let answer = raw_http::exchange(addr, raw_http::from_request(&forged)).await;
    assert!(answer.status() == Some(401), "{answer:?}");

    sandbox.shutdown().await;
    // Let spans close and background tasks finish writing.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let output = captured.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&output);
    let lines = text.lines().count();
    println!(
        "captured {} bytes, {lines} lines of TRACE output",
        output.len()
    );
    if std::env::var_os("SECRETS_DUMP").is_some() {
        println!("{text}");
    }

    // The capture can fail: something was captured, from our crates.
    assert!(lines > 20, "almost nothing was logged: {text}");
    assert!(
        text.contains("alipay_notify"),
        "no notify span in the output"
    );
    assert!(
        text.contains("cap-secrets-0001"),
        "the capture's idempotency key was never logged"
    );

    // No key material: no 16-character window of any key's base64.
    let chunks = key_chunks();
    if let Some(at) = output.windows(CHUNK).position(|w| chunks.contains(w)) {
        let from = at.saturating_sub(200);
        panic!(
            "key material in the logs at byte {at}: ...{}...",
            String::from_utf8_lossy(&output[from..(at + 100).min(output.len())])
        );
    }

    // No signature: no `signature=` value, no run of base64 as long as an
    // RSA-2048 signature (344 characters), and not the forged one above.
    let lower = text.to_ascii_lowercase();
    assert!(
        !lower.contains("signature="),
        "a `signature=` value in the logs"
    );
    let run = longest_base64_run(&output);
    assert!(
        run < 300,
        "a {run}-character base64 run (a signature?) in the logs"
    );
    let encoded = signature.rsplit("signature=").next().unwrap();
    assert!(
        !text.contains(&encoded[..40]),
        "the forged signature is in the logs"
    );

    // No bodies: neither requests, replies nor notifications.
    for fragment in [
        r#""captureRequestId":""#,
        r#""captureAmount""#,
        r#""notifyType":""#,
        r#""resultStatus":""#,
        r#""paymentId":""#,
    ] {
        assert!(
            !text.contains(fragment),
            "a body fragment {fragment} is in the logs"
        );
    }
    println!("no key chunk, no signature (longest base64 run {run}), no body fragment");
}

//! The default inbox (`MemoryInbox`) over a real loopback server: a handler
//! that returned `Ok` is not run again for a redelivery, one that failed is;
//! a delivery of a notification that is being processed right now is
//! answered non-S; the oldest keys are forgotten past the capacity; a
//! `TxHandler` runs in the inbox's transaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_notify::{
    HandlerError, MemoryInbox, MemoryTx, NotifyHandler, NotifyMeta, NotifyService, TxHandler,
};
use common::*;
use tokio::sync::Semaphore;

/// Waits for a permit before it returns, so a test holds a notification
/// "being processed" for as long as it likes.
struct Gate {
    open: Arc<Semaphore>,
    runs: AtomicUsize,
}

impl NotifyHandler<CaptureNotification> for Gate {
    async fn handle(&self, _: CaptureNotification, _: &NotifyMeta) -> Result<(), HandlerError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.open.acquire().await?.forget();
        Ok(())
    }
}

#[tokio::test]
async fn a_delivery_of_a_notification_in_flight_is_answered_non_s() {
    let gate = Arc::new(Gate {
        open: Arc::new(Semaphore::new(0)),
        runs: AtomicUsize::new(0),
    });
    let service = NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(&gate))
        .build()
        .unwrap();
    let addr = serve_hyper(service).await;
    let delivery = Delivery::signed(NOTIFY_PATH, capture_body("cap-held"));
    let first = tokio::spawn({
        let delivery = delivery.clone();
        async move { delivery.post(addr).await }
    });
    while gate.runs.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    // The same notification, while the first is in its handler.
    delivery.post(addr).await.assert_refused(409, "U");
    gate.open.add_permits(1);
    first.await.unwrap().assert_ack();
    // Now processed: acknowledged, not handled again.
    delivery.post(addr).await.assert_ack();
    assert_eq!(gate.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_notification_is_handled_again_and_old_keys_are_forgotten() {
    let recorder = Arc::new(Recorder::default());
    let inbox = MemoryInbox::with_capacity(2);
    let service = NotifyService::builder_with_inbox(config(), inbox.clone())
        .on::<CaptureNotification>(Arc::clone(&recorder))
        .build()
        .unwrap();
    let addr = serve_hyper(service).await;
    let one = Delivery::signed(NOTIFY_PATH, capture_body("cap-m1"));
    recorder.set_failing(true);
    one.post(addr).await.assert_refused(500, "U");
    recorder.set_failing(false);
    one.post(addr).await.assert_ack();
    // The recorder keeps only successful runs: the handler ran again after
    // its failure, with nothing to un-mark.
    assert_eq!(recorder.seen().len(), 1);
    assert_eq!(inbox.len(), 1);

    for id in ["cap-m2", "cap-m3"] {
        Delivery::signed(NOTIFY_PATH, capture_body(id))
            .post(addr)
            .await
            .assert_ack();
    }
    assert_eq!(inbox.len(), 2);
    // cap-m1 is the oldest: forgotten, so handled again; cap-m3 is remembered.
    one.post(addr).await.assert_ack();
    Delivery::signed(NOTIFY_PATH, capture_body("cap-m3"))
        .post(addr)
        .await
        .assert_ack();
    let keys: Vec<String> = recorder.seen().into_iter().map(|s| s.dedup_key).collect();
    assert_eq!(
        keys,
        [
            "CAPTURE_RESULT:cap-m1",
            "CAPTURE_RESULT:cap-m2",
            "CAPTURE_RESULT:cap-m3",
            "CAPTURE_RESULT:cap-m1",
        ]
    );
}

/// A transactional handler on the memory inbox: its transaction is the
/// claim on the notification's key.
struct Claims(std::sync::Mutex<Vec<String>>);

impl TxHandler<CaptureNotification, MemoryTx> for Claims {
    async fn handle(
        &self,
        _: CaptureNotification,
        meta: &NotifyMeta,
        tx: &mut MemoryTx,
    ) -> Result<(), HandlerError> {
        assert_eq!(tx.dedup_key(), Some(meta.dedup_key()));
        self.0.lock().unwrap().push(meta.dedup_key().to_string());
        Ok(())
    }
}

#[tokio::test]
async fn a_tx_handler_runs_in_the_inbox_transaction() {
    let claims = Arc::new(Claims(Default::default()));
    let service = NotifyService::builder(config())
        .on_tx::<CaptureNotification>(Arc::clone(&claims))
        .build()
        .unwrap();
    assert!(service.router().inbox().is_empty());
    let addr = serve_hyper(service.clone()).await;
    let delivery = Delivery::signed(NOTIFY_PATH, capture_body("cap-tx"));
    delivery.post(addr).await.assert_ack();
    delivery.post(addr).await.assert_ack();
    assert_eq!(*claims.0.lock().unwrap(), ["CAPTURE_RESULT:cap-tx"]);
    assert_eq!(service.router().inbox().len(), 1);
}

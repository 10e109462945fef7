//! Routing by kind over real loopback servers: kinds told apart by
//! `notifyType` or by a field, dedup keys per event, notifications no route
//! handles (refused unless the merchant opted in), `?` inside handlers, and
//! routes that conflict.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::error::Error as _;
use std::path::PathBuf;
use std::sync::Arc;

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_core::{DedupKey, Discriminator, NotificationKind};
use alipay_ams_notify::{
    Claim, Classified, HandlerError, Inbox, NotifyError, NotifyHandler, NotifyMeta, NotifyRouter,
    NotifyService, RouteError, verify_notification,
};
use common::*;
use serde::Deserialize;

#[tokio::test]
async fn kinds_are_routed_by_notify_type_or_by_their_field() {
    let recorder = Arc::new(Recorder::default());
    let journal = Arc::new(Journal::default());
    let service = NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(&recorder))
        .on::<DisputeNotification>(Arc::clone(&journal))
        .on::<RefundNotification>(Arc::clone(&journal))
        .build()
        .unwrap();
    assert_eq!(
        service.router().kinds().collect::<Vec<_>>(),
        ["notifyCapture", "notifyDispute", "notifyRefund"]
    );
    let addr = serve_axum(axum::Router::new().route_service(NOTIFY_PATH, service)).await;

    Delivery::signed(NOTIFY_PATH, capture_body("cap-1"))
        .post(addr)
        .await
        .assert_ack();
    assert_eq!(recorder.seen().len(), 1);
    assert!(
        journal.entries().is_empty(),
        "a capture goes to its own route"
    );

    // A dispute has no notifyType: it is told by disputeNotificationType.
    // Two events of one dispute are two keys; a redelivery (signed anew,
    // with another request-time) is the same key.
    let created = Delivery::signed(NOTIFY_PATH, dispute_body("d-1", "DISPUTE_CREATED"));
    let judged = Delivery::signed(NOTIFY_PATH, dispute_body("d-1", "DISPUTE_JUDGED"));
    let created_again = Delivery::signed_with(
        &alipay_private_key(),
        NOTIFY_PATH,
        CLIENT_ID,
        "2026-11-26T10:00:00+08:00",
        dispute_body("d-1", "DISPUTE_CREATED"),
    );
    for delivery in [&created, &judged, &created_again] {
        delivery.post(addr).await.assert_ack();
    }
    Delivery::signed(NOTIFY_PATH, refund_body("r-1"))
        .post(addr)
        .await
        .assert_ack();

    // The redelivery was acknowledged without reaching the handler: the
    // service's inbox knows its key.
    let entries = journal.entries();
    let keys: Vec<&str> = entries.iter().map(|e| e.dedup_key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "DISPUTE:DISPUTE_CREATED:d-1",
            "DISPUTE:DISPUTE_JUDGED:d-1",
            "REFUND_RESULT:r-1",
        ]
    );
    assert_ne!(keys[0], keys[1], "distinct events of one dispute");
    assert_eq!(entries[0].kind, "notifyDispute");
    assert_eq!(entries[0].notify_type, None);
    assert_eq!(entries[2].kind, "notifyRefund");
    assert_eq!(entries[2].notify_type.as_deref(), Some("REFUND_RESULT"));

    // Kinds no route handles: refused with U, so Alipay delivers them again.
    for body in [
        r#"{"authorizationNotifyType":"TOKEN_CREATED","authClientId":"a"}"#,
        r#"{"notifyType":"PAYMENT_RESULT","paymentId":"p-1"}"#,
    ] {
        let reply = Delivery::signed(NOTIFY_PATH, body).post(addr).await;
        assert_eq!(reply.assert_refused(501, "U"), "UNKNOWN_EXCEPTION");
    }
    // A body that claims a routed kind but lacks its fields: 400, not handled.
    let reply = Delivery::signed(
        NOTIFY_PATH,
        r#"{"disputeNotificationType":"DISPUTE_CREATED"}"#,
    )
    .post(addr)
    .await;
    assert_eq!(reply.assert_refused(400, "F"), "PARAM_ILLEGAL");
    assert_eq!(journal.entries().len(), 3);
    assert_eq!(recorder.seen().len(), 1);
}

#[tokio::test]
async fn unhandled_kinds_are_acknowledged_only_when_opted_in() {
    let recorder = Arc::new(Recorder::default());
    let refusing = NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(&recorder))
        .build()
        .unwrap();
    assert!(!refusing.router().acknowledges_unhandled());
    let dropping = NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(&recorder))
        .acknowledge_unhandled()
        .build()
        .unwrap();
    assert!(dropping.router().acknowledges_unhandled());
    let refusing = serve_hyper(refusing).await;
    let dropping = serve_hyper(dropping).await;

    for body in [refund_body("r-2"), dispute_body("d-2", "DISPUTE_CREATED")] {
        let delivery = Delivery::signed(NOTIFY_PATH, body);
        delivery.post(refusing).await.assert_refused(501, "U");
        delivery.post(dropping).await.assert_ack();
    }
    // Routed kinds are unaffected by the opt-in; malformed bodies stay refused.
    Delivery::signed(NOTIFY_PATH, capture_body("cap-2"))
        .post(dropping)
        .await
        .assert_ack();
    Delivery::signed(NOTIFY_PATH, "[1]")
        .post(dropping)
        .await
        .assert_refused(400, "F");
    assert_eq!(recorder.seen().len(), 1);
}

/// Stores each capture as a file, as a handler would store it in a database:
/// `?` on the `std::io::Error`.
struct FileStore {
    dir: PathBuf,
}

impl NotifyHandler<CaptureNotification> for FileStore {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        std::fs::write(self.dir.join(&n.capture_id), meta.raw_body())?;
        Ok(())
    }
}

#[tokio::test]
async fn question_mark_on_a_std_error_fails_the_delivery_until_it_succeeds() {
    let dir = std::env::temp_dir().join(format!("alipay-notify-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let router = NotifyRouter::builder()
        .on::<CaptureNotification>(FileStore { dir: dir.clone() })
        .build()
        .unwrap();
    let delivery = Delivery::signed(NOTIFY_PATH, capture_body("cap-store"));
    let verify = || {
        let headers = delivery.headers_map();
        verify_notification("POST", NOTIFY_PATH, &headers, &delivery.body, &config()).unwrap()
    };

    // The directory is missing: the io error fails the delivery and stays
    // reachable as the source, for the logs.
    let err = router.dispatch(verify()).await.unwrap_err();
    assert!(matches!(err, NotifyError::Handler(_)), "{err}");
    assert_eq!(err.status(), 500);
    let io = err.source().unwrap().downcast_ref::<std::io::Error>();
    assert_eq!(io.unwrap().kind(), std::io::ErrorKind::NotFound);

    // The same, mounted: 500 with U, so Alipay delivers again...
    let service = NotifyService::new(config(), router);
    let addr = serve_hyper(service.clone()).await;
    delivery.post(addr).await.assert_refused(500, "U");
    // ...and once the store is back, the redelivery is acknowledged.
    std::fs::create_dir_all(&dir).unwrap();
    delivery.post(addr).await.assert_ack();
    assert_eq!(std::fs::read(dir.join("cap-store")).unwrap(), delivery.body);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn classification_exposes_the_dedup_key_before_the_handler_runs() {
    // The seam an inbox uses: classify, record under the key, then run.
    let journal = Arc::new(Journal::default());
    let router = NotifyRouter::builder()
        .on::<DisputeNotification>(Arc::clone(&journal))
        .build()
        .unwrap();
    let delivery = Delivery::signed(NOTIFY_PATH, dispute_body("d-9", "DISPUTE_CREATED"));
    let headers = delivery.headers_map();
    let verified =
        verify_notification("POST", NOTIFY_PATH, &headers, &delivery.body, &config()).unwrap();
    assert_eq!(verified.signature_header(), delivery.signature);
    let Classified::Routed(routed) = router.classify(verified).unwrap() else {
        panic!("a dispute is routed");
    };
    assert_eq!(routed.dedup_key().as_str(), "DISPUTE:DISPUTE_CREATED:d-9");
    assert_eq!(routed.meta().raw_body().as_ref(), delivery.body.as_slice());
    assert!(journal.entries().is_empty(), "nothing ran yet");
    // The router's inbox claims the key, the handler runs in its
    // transaction, the commit records it as processed.
    let inbox = router.inbox();
    let meta = routed.meta().clone();
    let Claim::Run(mut tx) = inbox.begin(&meta).await.unwrap() else {
        panic!("a first delivery is claimed");
    };
    assert!(matches!(inbox.begin(&meta).await.unwrap(), Claim::Busy));
    routed.run(&mut tx).await.unwrap();
    assert_eq!(journal.entries().len(), 1);
    inbox.commit(tx, &meta).await.unwrap();
    assert!(inbox.is_processed(meta.dedup_key()));
    assert!(matches!(inbox.begin(&meta).await.unwrap(), Claim::Done));

    let refund = Delivery::signed(NOTIFY_PATH, refund_body("r-9"));
    let verified = verify_notification(
        "POST",
        NOTIFY_PATH,
        &refund.headers_map(),
        &refund.body,
        &config(),
    )
    .unwrap();
    let Classified::Unrouted(unrouted) = router.classify(verified).unwrap() else {
        panic!("no route for refunds");
    };
    assert_eq!(unrouted.describe(), r#"notifyType "REFUND_RESULT""#);
}

/// Claims PAYMENT_RESULT and CAPTURE_RESULT: overlaps notifyCapture.
#[derive(Deserialize)]
struct AnyResult {}

impl NotificationKind for AnyResult {
    const NAME: &'static str = "anyResult";
    const DISCRIMINATOR: Discriminator =
        Discriminator::NotifyType(&["PAYMENT_RESULT", "CAPTURE_RESULT"]);
    fn dedup_key(&self) -> DedupKey {
        DedupKey::new(["ANY"])
    }
}

/// Claims the dispute field too.
#[derive(Deserialize)]
struct DisputeCopy {}

impl NotificationKind for DisputeCopy {
    const NAME: &'static str = "disputeCopy";
    const DISCRIMINATOR: Discriminator = Discriminator::Field("disputeNotificationType");
    fn dedup_key(&self) -> DedupKey {
        DedupKey::new(["COPY"])
    }
}

#[test]
fn conflicting_routes_are_refused_when_built() {
    let journal = Arc::new(Journal::default());
    let twice = NotifyService::builder(config())
        .on::<DisputeNotification>(Arc::clone(&journal))
        .on::<RefundNotification>(Arc::clone(&journal))
        .on::<DisputeNotification>(Arc::clone(&journal))
        .build();
    assert_eq!(
        twice.unwrap_err(),
        RouteError::Duplicate {
            kind: "notifyDispute"
        }
    );

    let overlap = NotifyRouter::builder()
        .on::<CaptureNotification>(Arc::clone(&journal))
        .on::<AnyResult>(Arc::clone(&journal))
        .build()
        .unwrap_err();
    assert_eq!(
        overlap,
        RouteError::Overlap {
            first: "notifyCapture",
            second: "anyResult",
            claimed: r#"notifyType "CAPTURE_RESULT""#.into(),
        }
    );
    assert!(
        overlap
            .to_string()
            .contains("only the first would ever run")
    );

    let same_field = NotifyRouter::builder()
        .on::<DisputeNotification>(Arc::clone(&journal))
        .on::<DisputeCopy>(Arc::clone(&journal))
        .build();
    assert!(matches!(same_field, Err(RouteError::Overlap { .. })));

    // Distinct kinds, one handler: fine.
    let fine = NotifyRouter::builder()
        .on::<CaptureNotification>(Arc::clone(&journal))
        .on::<DisputeNotification>(Arc::clone(&journal))
        .on::<RefundNotification>(journal)
        .build();
    assert!(fine.is_ok());
}

#[tokio::test]
async fn a_body_recognised_as_two_routed_kinds_is_refused_not_routed_by_order() {
    let recorder = Arc::new(Recorder::default());
    let journal = Arc::new(Journal::default());
    let service = NotifyService::builder(config())
        .on::<CaptureNotification>(Arc::clone(&recorder))
        .on::<DisputeNotification>(Arc::clone(&journal))
        .build()
        .unwrap();
    let addr = serve_axum(axum::Router::new().route_service(NOTIFY_PATH, service)).await;

    // A capture's body that also carries a dispute's discriminating field:
    // signed (so it passes verification), but meant for neither handler.
    let mixed = capture_body("cap-mixed").replacen(
        '{',
        r#"{"disputeNotificationType":"DISPUTE_CREATED","disputeId":"d-9","#,
        1,
    );
    let message = Delivery::signed(NOTIFY_PATH, mixed)
        .post(addr)
        .await
        .assert_refused(400, "F");
    assert!(message.contains("PARAM_ILLEGAL"), "{message}");
    assert!(recorder.seen().is_empty(), "routed to the capture handler");
    assert!(
        journal.entries().is_empty(),
        "routed to the dispute handler"
    );

    // Each alone is still routed.
    Delivery::signed(NOTIFY_PATH, capture_body("cap-alone"))
        .post(addr)
        .await
        .assert_ack();
    assert_eq!(recorder.seen().len(), 1);
}

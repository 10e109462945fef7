//! The inbox on a real PostgreSQL, through the notify endpoint over HTTP:
//! each notification's effects exactly once, redeliveries acknowledged
//! without running the handler, failures rolled back and not acknowledged,
//! replicas that receive the same notification at once, kinds no route
//! handles stored. Needs `DATABASE_URL` (`scripts/postgres.sh run -- ...`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_notify::{HandlerError, NotifyMeta, NotifyService, TxHandler, verify_notification};
use alipay_ams_postgres::{PgStore, PgTx};
use common::*;

/// The merchant's handler: one row in its effects table per notification,
/// written in the inbox's transaction.
struct Effects {
    table: String,
    replica: &'static str,
    runs: AtomicUsize,
    fail: AtomicBool,
    /// Runs a failing statement, ignores its error, and returns Ok.
    swallow: AtomicBool,
    delay: Duration,
}

impl Effects {
    fn new(table: &str, replica: &'static str) -> Arc<Self> {
        Self::slow(table, replica, Duration::ZERO)
    }

    fn slow(table: &str, replica: &'static str, delay: Duration) -> Arc<Self> {
        Arc::new(Effects {
            table: table.to_owned(),
            replica,
            runs: AtomicUsize::new(0),
            fail: AtomicBool::new(false),
            swallow: AtomicBool::new(false),
            delay,
        })
    }
}

impl TxHandler<CaptureNotification, PgTx> for Effects {
    async fn handle(
        &self,
        _n: CaptureNotification,
        meta: &NotifyMeta,
        tx: &mut PgTx,
    ) -> Result<(), HandlerError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tx.execute(
            &format!("INSERT INTO {} VALUES ($1, $2)", self.table),
            &[&meta.dedup_key().as_str(), &self.replica],
        )
        .await?;
        tokio::time::sleep(self.delay).await;
        if self.swallow.load(Ordering::SeqCst) {
            let _ = tx.execute("SELECT 1/0", &[]).await;
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(HandlerError::new("the order service is down"));
        }
        Ok(())
    }
}

async fn replica(table: &str, handler: &Arc<Effects>) -> std::net::SocketAddr {
    let store = builder(table).connect().await.unwrap();
    let service = NotifyService::builder_with_inbox(config(), store.inbox())
        .on_tx::<CaptureNotification>(Arc::clone(handler))
        .build()
        .unwrap();
    serve(service).await
}

#[tokio::test]
async fn effects_commit_with_the_record_and_redeliveries_do_not_run_again() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let handler = Effects::new(&effects, "a");
    let addr = replica(&table, &handler).await;

    let delivery = Delivery::signed(capture_body("cap-1"));
    assert_eq!(delivery.post(addr).await, (200, "S".into()));
    // A redelivery, signed anew at another time: the same event.
    let again = Delivery::signed(capture_body("cap-1"));
    assert_eq!(again.post(addr).await, (200, "S".into()));
    assert_eq!(handler.runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        1
    );

    let row = db
        .query_one(
            &format!("SELECT status, deliveries, kind, notify_type, body, client_id, request_time, signature, signed_path, key_version, processed_at IS NOT NULL FROM {table}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "processed");
    assert_eq!(row.get::<_, i32>(1), 2);
    assert_eq!(row.get::<_, String>(2), "notifyCapture");
    assert_eq!(
        row.get::<_, Option<String>>(3).as_deref(),
        Some("CAPTURE_RESULT")
    );
    assert!(row.get::<_, bool>(10));
    // What is kept verifies again: the exact body and its headers.
    let mut headers = http::HeaderMap::new();
    headers.insert("client-id", row.get::<_, String>(5).parse().unwrap());
    headers.insert("request-time", row.get::<_, String>(6).parse().unwrap());
    headers.insert("signature", row.get::<_, String>(7).parse().unwrap());
    let body: Vec<u8> = row.get(4);
    assert_eq!(body, delivery.body);
    let path: String = row.get(8);
    let verified = verify_notification("POST", &path, &headers, &body, &config()).unwrap();
    assert_eq!(i64::from(verified.key_version()), row.get::<_, i64>(9));
}

#[tokio::test]
async fn a_failing_handler_rolls_back_and_is_not_acknowledged() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let handler = Effects::new(&effects, "a");
    let addr = replica(&table, &handler).await;
    let delivery = Delivery::signed(capture_body("cap-2"));

    handler.fail.store(true, Ordering::SeqCst);
    assert_eq!(delivery.post(addr).await, (500, "U".into()));
    assert_eq!(delivery.post(addr).await, (500, "U".into()));
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        0
    );
    let row = db
        .query_one(
            &format!("SELECT status, failures, last_error, deliveries FROM {table}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "failed");
    assert_eq!(row.get::<_, i32>(1), 2);
    assert_eq!(row.get::<_, String>(2), "the order service is down");
    assert_eq!(row.get::<_, i32>(3), 2);

    // A handler that swallowed a failed statement returned Ok over an
    // aborted transaction: nothing committed, so nothing acknowledged.
    handler.fail.store(false, Ordering::SeqCst);
    handler.swallow.store(true, Ordering::SeqCst);
    assert_eq!(delivery.post(addr).await, (503, "U".into()));
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        0
    );

    handler.swallow.store(false, Ordering::SeqCst);
    assert_eq!(delivery.post(addr).await, (200, "S".into()));
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        1
    );
    let status: String = db
        .query_one(&format!("SELECT status FROM {table}"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "processed");
    assert_eq!(handler.runs.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn concurrent_deliveries_to_replicas_run_the_handler_once() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let names = ["a", "b", "c"];
    let mut handlers = Vec::new();
    let mut addrs = Vec::new();
    for name in names {
        let handler = Effects::slow(&effects, name, Duration::from_millis(150));
        addrs.push(replica(&table, &handler).await);
        handlers.push(handler);
    }
    for n in 0..10 {
        let delivery = Delivery::signed(capture_body(&format!("cap-c{n}")));
        let answers = futures_join(addrs.iter().map(|&addr| {
            let delivery = delivery.clone();
            async move { delivery.post(addr).await }
        }))
        .await;
        // The others waited for the first to commit, then were acknowledged.
        assert!(
            answers.iter().all(|a| a == &(200, "S".to_owned())),
            "{answers:?}"
        );
    }
    let runs: usize = handlers.iter().map(|h| h.runs.load(Ordering::SeqCst)).sum();
    assert_eq!(runs, 10);
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        10
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(DISTINCT dedup_key) FROM {effects}")
        )
        .await,
        10
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT sum(deliveries) FROM {table} WHERE status = 'processed'")
        )
        .await,
        30
    );
}

/// Runs the futures at once; their outputs in order.
async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send,
{
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_delivery_that_waits_too_long_is_refused_then_acknowledged() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let slow = Effects::slow(&effects, "slow", Duration::from_millis(1500));
    let slow_addr = replica(&table, &slow).await;
    let impatient = Effects::new(&effects, "impatient");
    let store = builder(&table)
        .lock_timeout(Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    let impatient_addr = serve(
        NotifyService::builder_with_inbox(config(), store.inbox())
            .on_tx::<CaptureNotification>(Arc::clone(&impatient))
            .build()
            .unwrap(),
    )
    .await;

    let delivery = Delivery::signed(capture_body("cap-w"));
    let first = tokio::spawn({
        let delivery = delivery.clone();
        async move { delivery.post(slow_addr).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(delivery.post(impatient_addr).await, (503, "U".into()));
    assert_eq!(first.await.unwrap(), (200, "S".into()));
    assert_eq!(delivery.post(impatient_addr).await, (200, "S".into()));
    assert_eq!(impatient.runs.load(Ordering::SeqCst), 0);
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        1
    );
}

#[tokio::test]
async fn a_request_cancelled_mid_handler_commits_nothing() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let handler = Effects::slow(&effects, "a", Duration::from_millis(1500));
    let store = builder(&table).connect().await.unwrap();
    let addr = serve(
        NotifyService::builder_with_inbox(config(), store.inbox())
            .on_tx::<CaptureNotification>(Arc::clone(&handler))
            .deadline(Duration::from_millis(300), tokio::time::sleep)
            .build()
            .unwrap(),
    )
    .await;
    let delivery = Delivery::signed(capture_body("cap-d"));
    assert_eq!(delivery.post(addr).await, (503, "U".into()));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        0
    );
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {table}")).await,
        0
    );
    // Nothing left open holds the row: another store claims it at once.
    let fast = Effects::new(&effects, "b");
    let addr = replica(&table, &fast).await;
    assert_eq!(delivery.post(addr).await, (200, "S".into()));
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {effects}")).await,
        1
    );
}

#[tokio::test]
async fn kinds_no_route_handles_are_stored_and_acknowledged() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let handler = Effects::new(&effects, "a");
    let addr = replica(&table, &handler).await;
    let body = r#"{"notifyType":"REFUND_RESULT","refundId":"r-1","result":{"resultStatus":"S"}}"#;
    let delivery = Delivery::signed(body);
    assert_eq!(delivery.post(addr).await, (200, "S".into()));
    assert_eq!(Delivery::signed(body).post(addr).await, (200, "S".into()));
    let rows = db
        .query(
            &format!("SELECT dedup_key, status, kind, notify_type, body, deliveries FROM {table}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let key: String = rows[0].get(0);
    assert_eq!(
        key,
        alipay_ams_notify::unrouted_dedup_key(body.as_bytes()).as_str()
    );
    assert_eq!(rows[0].get::<_, String>(1), "unrouted");
    assert_eq!(rows[0].get::<_, String>(2), "unrouted");
    assert_eq!(
        rows[0].get::<_, Option<String>>(3).as_deref(),
        Some("REFUND_RESULT")
    );
    assert_eq!(rows[0].get::<_, Vec<u8>>(4), body.as_bytes());
    assert_eq!(rows[0].get::<_, i32>(5), 2);
    assert_eq!(handler.runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_pool_recovers_when_the_server_drops_its_connections() {
    let db = client().await;
    let effects = effects_table(&db).await;
    let table = unique("inbox");
    let handler = Effects::new(&effects, "a");
    // Its own application_name, so that only its sessions are ended.
    let name = unique("recovering");
    let mut pg: alipay_ams_postgres::tokio_postgres::Config = database_url().parse().unwrap();
    pg.application_name(&name);
    let store = PgStore::builder_from_config(pg)
        .inbox_table(&table)
        .connect()
        .await
        .unwrap();
    let addr = serve(
        NotifyService::builder_with_inbox(config(), store.inbox())
            .on_tx::<CaptureNotification>(Arc::clone(&handler))
            .build()
            .unwrap(),
    )
    .await;
    assert_eq!(
        Delivery::signed(capture_body("cap-r0")).post(addr).await.0,
        200
    );
    // What a server restart does to the sessions: ended from the server side.
    let ended: i64 = db
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ended >= 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let delivery = Delivery::signed(capture_body("cap-r1"));
    let mut refused = 0;
    loop {
        match delivery.post(addr).await {
            (200, s) if s == "S" => break,
            (503, s) if s == "U" => refused += 1,
            other => panic!("{other:?}"),
        }
        assert!(refused <= 8, "the pool did not recover");
    }
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM {effects} WHERE dedup_key = 'CAPTURE_RESULT:cap-r1'")
        )
        .await,
        1
    );
    drop(store);
}

#[tokio::test]
async fn a_database_that_is_down_fails_at_connect_with_a_clear_error() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = PgStore::builder(&format!("postgres://postgres@127.0.0.1:{port}/postgres"))
        .unwrap()
        .wait_timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("no database connection"), "{text}");
    assert!(PgStore::builder("postgres://a:b@x:notaport/db").is_err());
}

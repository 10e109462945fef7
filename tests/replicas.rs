//! Exactly once across replicas, under faults: 4 processes of the
//! `postgres_notify` example on loopback ports sharing one PostgreSQL, every
//! notification delivered to 2 or 3 of them at once (and again, to 2 or 3,
//! until one acknowledges it, as Alipay redelivers), one replica SIGKILLed
//! mid-run and restarted, and PostgreSQL itself restarted as after a crash.
//!
//! Checked: every notification's effect is in `merchant_effects` exactly
//! once; every acknowledged one is committed (its effect, or for kinds no
//! route handles its `unrouted` inbox row); every replica acknowledges
//! notifications again after the database restart, on its own. The counts
//! are printed.
//!
//! Slow tier (about a minute), run by `.ci/run`:
//!
//! ```sh
//! scripts/postgres.sh run -- cargo test -p alipay-ams --all-features --test replicas -- --ignored --nocapture
//! ```
//!
//! It needs `DATABASE_URL` and `PG_TEST_DIR` (to restart the cluster), which
//! `scripts/postgres.sh run` sets; `POSTGRES_NOTIFY_BIN` may name a built
//! example (by default it builds the debug one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipay_ams::NotificationKind;
use alipay_ams::PrivateKey;
use alipay_ams::payments::{CaptureNotification, PaymentNotification, RefundNotification};
use alipay_ams::postgres::tokio_postgres;
use alipay_ams::sandbox::{example_keys, signed_notification_body};
use alipay_ams_testkit::{Answer, from_request, try_exchange};

const REPLICAS: usize = 4;
/// Routed notifications (payments, captures, refunds) and unrouted ones.
const ROUTED: usize = 6000;
const UNROUTED: usize = 100;
/// Notifications being delivered at once (each to 2 or 3 replicas).
const IN_FLIGHT: usize = 12;
const PATH: &str = "/alipay/notify";
const UP: u8 = 0;
const REPLICA_DOWN: u8 = 1;
const DATABASE_DOWN: u8 = 2;

/// The replica processes; killed when dropped, whatever the test did.
struct Replicas {
    bin: PathBuf,
    logs: PathBuf,
    database_url: String,
    ports: Vec<u16>,
    children: Vec<Option<Child>>,
}

impl Replicas {
    fn spawn(&mut self, index: usize) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("r{index}.log")))
            .unwrap();
        let child = Command::new(&self.bin)
            .env("DATABASE_URL", &self.database_url)
            .env("ALIPAY_CLIENT_ID", example_keys::CLIENT_ID)
            .env(
                "ALIPAY_PUBLIC_KEY",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("keys-example/alipay/public_key.pem"),
            )
            .env("NOTIFY_LISTEN", format!("127.0.0.1:{}", self.ports[index]))
            .env("NOTIFY_PATH", PATH)
            .env("REPLICA_NAME", format!("r{index}"))
            .env("DATABASE_POOL_SIZE", "8")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children[index] = Some(child);
    }

    fn kill(&mut self, index: usize) {
        if let Some(mut child) = self.children[index].take() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
    }

    fn addr(&self, index: usize) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports[index]))
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for index in 0..self.children.len() {
            self.kill(index);
        }
    }
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this soak needs a throwaway PostgreSQL it may restart. Run it as\n\n    \
             scripts/postgres.sh run -- cargo test -p alipay-ams --all-features --test replicas -- --ignored --nocapture\n"
        )
    })
}

/// The example's binary: `POSTGRES_NOTIFY_BIN`, or the debug build, built now.
fn example_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("POSTGRES_NOTIFY_BIN") {
        return PathBuf::from(bin);
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--all-features", "--example", "postgres_notify"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "building the postgres_notify example failed"
    );
    // target/debug/deps/replicas-<hash> -> target/debug/examples/postgres_notify
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/postgres_notify")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "replica at {addr} did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One notification: its body and the key its effect is recorded under.
struct Notification {
    body: String,
    key: String,
    routed: bool,
}

fn notifications() -> Vec<Notification> {
    let result =
        r#""result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."}"#;
    let amount = r#"{"currency":"USD","value":"1000"}"#;
    let mut out = Vec::new();
    for n in 0..ROUTED {
        let (body, key) = match n % 10 {
            0 => {
                let body = format!(
                    r#"{{"notifyType":"PAYMENT_RESULT",{result},"paymentRequestId":"soak-pr-{n}","paymentId":"soak-p-{n}","paymentAmount":{amount}}}"#
                );
                let key = serde_json::from_str::<PaymentNotification>(&body)
                    .unwrap()
                    .dedup_key();
                (body, key)
            }
            1 => {
                let body = format!(
                    r#"{{"notifyType":"REFUND_RESULT",{result},"refundStatus":"SUCCESS","refundRequestId":"soak-rr-{n}","refundId":"soak-r-{n}","refundAmount":{amount}}}"#
                );
                let key = serde_json::from_str::<RefundNotification>(&body)
                    .unwrap()
                    .dedup_key();
                (body, key)
            }
            _ => {
                let body = format!(
                    r#"{{"notifyType":"CAPTURE_RESULT",{result},"captureRequestId":"soak-cr-{n}","paymentId":"soak-p-{n}","captureId":"soak-c-{n}","captureAmount":{amount}}}"#
                );
                let key = serde_json::from_str::<CaptureNotification>(&body)
                    .unwrap()
                    .dedup_key();
                (body, key)
            }
        };
        out.push(Notification {
            body,
            key: key.as_str().to_owned(),
            routed: true,
        });
    }
    for n in 0..UNROUTED {
        let body = format!(r#"{{"notifyType":"SOAK_UNROUTED_KIND","soakId":"u-{n}"}}"#);
        let key = alipay_ams::notify::unrouted_dedup_key(body.as_bytes());
        out.push(Notification {
            body,
            key: key.as_str().to_owned(),
            routed: false,
        });
    }
    out
}

#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    acknowledged: AtomicU64,
    refused: AtomicU64,
    /// Refused while the killed replica was down, and while the database restarted.
    refused_replica_down: AtomicU64,
    refused_database_down: AtomicU64,
    /// Notifications acknowledged, and deliveries acknowledged per replica
    /// after the database restart.
    notifications_done: AtomicUsize,
    acks_after_db_restart: Mutex<HashMap<usize, u64>>,
}

/// Posts a signed delivery; whether it was acknowledged (HTTP 200, `S`).
/// A replica that is down, or gives no answer within 40 s, did not.
async fn post(addr: SocketAddr, request: &[u8]) -> bool {
    match try_exchange(addr, request, Duration::from_secs(40)).await {
        Ok(Answer::Http(reply)) => {
            reply.status == 200 && reply.text().contains(r#""resultStatus":"S""#)
        }
        _ => false,
    }
}

fn wire(key: &PrivateKey, body: &str) -> Vec<u8> {
    from_request(
        &signed_notification_body(key, example_keys::CLIENT_ID, PATH, body.to_owned()).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow tier (4 processes, a SIGKILL and a PostgreSQL restart): .ci/run runs it with --ignored under scripts/postgres.sh"]
async fn every_notification_takes_effect_exactly_once_across_replicas_under_faults() {
    let database_url = required("DATABASE_URL");
    let pg_dir = required("PG_TEST_DIR");
    let logs = std::env::temp_dir().join(format!("alipay-ams-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&logs).unwrap();
    let mut replicas = Replicas {
        bin: example_binary(),
        logs: logs.clone(),
        database_url: database_url.clone(),
        ports: (0..REPLICAS).map(|_| free_port()).collect(),
        children: (0..REPLICAS).map(|_| None).collect(),
    };
    for index in 0..REPLICAS {
        replicas.spawn(index);
    }
    for index in 0..REPLICAS {
        wait_listening(replicas.addr(index)).await;
    }
    let (db, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    db.batch_execute("TRUNCATE merchant_effects; TRUNCATE alipay_inbox")
        .await
        .unwrap();

    let notifications = Arc::new(notifications());
    let total = notifications.len();
    let counts = Arc::new(Counts::default());
    // What is down: nothing, the killed replica, or the database.
    let down = Arc::new(AtomicU8::new(UP));
    let db_restarted = Arc::new(AtomicBool::new(false));
    let addrs: Vec<SocketAddr> = (0..REPLICAS).map(|i| replicas.addr(i)).collect();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    // "Alipay": each worker delivers one notification at a time to 2 or 3
    // replicas at once, again after 100 ms while none acknowledged it.
    let mut workers = Vec::new();
    for worker in 0..IN_FLIGHT {
        let (notifications, counts, down, db_restarted, next, addrs) = (
            notifications.clone(),
            counts.clone(),
            down.clone(),
            db_restarted.clone(),
            next.clone(),
            addrs.clone(),
        );
        workers.push(tokio::spawn(async move {
            let key = PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap();
            let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ worker as u64;
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(notification) = notifications.get(index) else {
                    break;
                };
                for round in 0.. {
                    assert!(round < 600, "{} was never acknowledged", notification.key);
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    let fanout = 2 + (seed >> 33) as usize % 2;
                    let first = (seed >> 40) as usize % REPLICAS;
                    let request = Arc::new(wire(&key, &notification.body));
                    let posts: Vec<_> = (0..fanout)
                        .map(|k| {
                            let replica = (first + k) % REPLICAS;
                            let (addr, request) = (addrs[replica], request.clone());
                            tokio::spawn(async move { (replica, post(addr, &request).await) })
                        })
                        .collect();
                    let mut acknowledged = false;
                    for post in posts {
                        let (replica, ok) = post.await.unwrap();
                        counts.delivered.fetch_add(1, Ordering::Relaxed);
                        if ok {
                            acknowledged = true;
                            counts.acknowledged.fetch_add(1, Ordering::Relaxed);
                            if db_restarted.load(Ordering::SeqCst) {
                                *counts
                                    .acks_after_db_restart
                                    .lock()
                                    .unwrap()
                                    .entry(replica)
                                    .or_default() += 1;
                            }
                        } else {
                            counts.refused.fetch_add(1, Ordering::Relaxed);
                            match down.load(Ordering::SeqCst) {
                                REPLICA_DOWN => {
                                    counts.refused_replica_down.fetch_add(1, Ordering::Relaxed)
                                }
                                DATABASE_DOWN => {
                                    counts.refused_database_down.fetch_add(1, Ordering::Relaxed)
                                }
                                _ => 0,
                            };
                        }
                    }
                    if acknowledged {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                counts.notifications_done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }

    // The faults, at a third and at two thirds of the run.
    let wait_for = |share: usize| {
        let counts = counts.clone();
        async move {
            while counts.notifications_done.load(Ordering::SeqCst) < total * share / 6 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for(2).await;
    let killed = 1;
    println!("SIGKILL r{killed} at {:.1?}", started.elapsed());
    down.store(REPLICA_DOWN, Ordering::SeqCst);
    replicas.kill(killed);
    tokio::time::sleep(Duration::from_millis(700)).await;
    replicas.spawn(killed);
    wait_listening(replicas.addr(killed)).await;
    down.store(UP, Ordering::SeqCst);
    println!("r{killed} back at {:.1?}", started.elapsed());

    wait_for(4).await;
    println!(
        "PostgreSQL restart (immediate) at {:.1?}",
        started.elapsed()
    );
    down.store(DATABASE_DOWN, Ordering::SeqCst);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres.sh");
    let restarted = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(script)
            .args(["restart", &pg_dir])
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(restarted.success(), "scripts/postgres.sh restart failed");
    // Refusals in the second after the restart still count as "while down":
    // pools find their connections closed one delivery at a time.
    tokio::time::sleep(Duration::from_secs(1)).await;
    down.store(UP, Ordering::SeqCst);
    db_restarted.store(true, Ordering::SeqCst);
    println!("PostgreSQL back at {:.1?}", started.elapsed());

    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();

    // The database's view, on a fresh connection (the old one died with the restart).
    let (db, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut effects: HashMap<String, i64> = HashMap::new();
    for row in db
        .query(
            "SELECT dedup_key, count(*) FROM merchant_effects GROUP BY dedup_key",
            &[],
        )
        .await
        .unwrap()
    {
        effects.insert(row.get(0), row.get(1));
    }
    let mut stored: HashMap<String, String> = HashMap::new();
    for row in db
        .query("SELECT dedup_key, status FROM alipay_inbox", &[])
        .await
        .unwrap()
    {
        stored.insert(row.get(0), row.get(1));
    }
    let total_effects: i64 = effects.values().sum();
    let routed: Vec<&Notification> = notifications.iter().filter(|n| n.routed).collect();
    let duplicates = routed
        .iter()
        .filter(|n| effects.get(&n.key).copied().unwrap_or(0) > 1)
        .count();
    let lost = routed
        .iter()
        .filter(|n| !effects.contains_key(&n.key))
        .count();
    let not_processed = routed
        .iter()
        .filter(|n| stored.get(&n.key).map(String::as_str) != Some("processed"))
        .count();
    let unrouted_stored = notifications
        .iter()
        .filter(|n| !n.routed && stored.get(&n.key).map(String::as_str) == Some("unrouted"))
        .count();
    let strangers = effects
        .keys()
        .filter(|k| !routed.iter().any(|n| &&n.key == k))
        .count();
    let by_replica = db
        .query(
            "SELECT replica, count(*) FROM merchant_effects GROUP BY replica ORDER BY replica",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| format!("{}={}", row.get::<_, String>(0), row.get::<_, i64>(1)))
        .collect::<Vec<_>>()
        .join(" ");
    let after_restart = counts.acks_after_db_restart.lock().unwrap().clone();

    println!(
        "replicas soak: {total} notifications ({ROUTED} routed, {UNROUTED} unrouted) to {REPLICAS} replicas, 2-3 at once, in {elapsed:.1?}\n  \
         delivered {}, acknowledged {}, refused {} (while the killed replica was down: {}, while the database restarted: {}), effects {total_effects} ({by_replica}), duplicates {duplicates}, lost {lost}, \
         unrouted stored {unrouted_stored}/{UNROUTED}; acknowledgements per replica after the database restart: {after_restart:?}",
        counts.delivered.load(Ordering::Relaxed),
        counts.acknowledged.load(Ordering::Relaxed),
        counts.refused.load(Ordering::Relaxed),
        counts.refused_replica_down.load(Ordering::Relaxed),
        counts.refused_database_down.load(Ordering::Relaxed),
    );
    println!("replica logs: {}", logs.display());
    assert_eq!(duplicates, 0, "effects recorded twice");
    assert_eq!(lost, 0, "acknowledged notifications without their effect");
    assert_eq!(strangers, 0, "effects of notifications never sent");
    assert_eq!(total_effects, ROUTED as i64);
    assert_eq!(
        not_processed, 0,
        "routed notifications not marked processed"
    );
    assert_eq!(
        unrouted_stored, UNROUTED,
        "unrouted notifications not stored"
    );
    for replica in 0..REPLICAS {
        assert!(
            after_restart.get(&replica).copied().unwrap_or(0) > 0,
            "r{replica} acknowledged nothing after the database restart: it did not recover"
        );
    }
    assert!(
        counts.refused_replica_down.load(Ordering::Relaxed) > 0
            && counts.refused_database_down.load(Ordering::Relaxed) > 0,
        "a fault met no delivery: the faults did not happen mid-run"
    );
    drop(replicas);
    let _ = std::fs::remove_dir_all(&logs);
}

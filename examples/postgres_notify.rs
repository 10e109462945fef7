//! The notify endpoint on a PostgreSQL inbox: run any number of replicas
//! against one database, and each notification's effect happens once.
//!
//! ```sh
//! cargo build --release --all-features --example postgres_notify
//! DATABASE_URL=postgres://app@127.0.0.1/shop REPLICA_NAME=a NOTIFY_LISTEN=127.0.0.1:3001 \
//!     target/release/examples/postgres_notify
//! ```
//!
//! Environment:
//! - `DATABASE_URL` (required): the database, `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`;
//! - `ALIPAY_CLIENT_ID`: your client id (default `SANDBOX_5X00000000000000`);
//! - `ALIPAY_PUBLIC_KEY`: path of Alipay's public key, PEM or bare base64
//!   (default `keys-example/alipay/public_key.pem`);
//! - `NOTIFY_LISTEN`: address to listen on (default `127.0.0.1:3000`);
//! - `NOTIFY_PATH`: the path of the notify URL given to Alipay (default `/alipay/notify`);
//! - `REPLICA_NAME`: this replica's name in `merchant_effects` (default `replica-<pid>`);
//! - `DATABASE_POOL_SIZE`: connections this replica opens (default 16).
//!
//! On start it creates the inbox table (`alipay_inbox`) and
//! `merchant_effects(dedup_key text, replica text, processed_at timestamptz)`
//! if they are missing, waiting up to a minute for the database. It routes
//! notifyPayment, notifyCapture and notifyRefund to one handler, which
//! inserts one row into `merchant_effects` in the transaction the inbox runs
//! it in; the notification is acknowledged only after that commit. A
//! redelivery, or the same notification delivered to another replica at the
//! same moment, finds it processed and is acknowledged without a second row
//! (`merchant_effects` has no unique constraint: the inbox is the guarantee).
//! Notifications of other kinds are stored in the inbox (status `unrouted`)
//! and acknowledged. Logs go to stderr (`RUST_LOG`, default `info`). A
//! connection whose request headers are not complete within 30 s is closed; a
//! request not answered within 30 s gets a non-S answer. Runs until Ctrl-C or
//! SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

#[path = "support/notify_server.rs"]
mod notify_server;

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use alipay_ams::NotificationKind;
use alipay_ams::PublicKey;
use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyMeta, NotifyService, TxHandler};
use alipay_ams::payments::{CaptureNotification, PaymentNotification, RefundNotification};
use alipay_ams::postgres::{PgError, PgStore, PgTx};
use hyper_util::service::TowerToHyperService;

const EFFECTS_DDL: &str = "CREATE TABLE IF NOT EXISTS merchant_effects (
    dedup_key text NOT NULL,
    replica text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
)";

/// The merchant's effect of a notification: one row, in the inbox's
/// transaction.
struct RecordEffect {
    replica: String,
}

impl<K: NotificationKind> TxHandler<K, PgTx> for RecordEffect {
    async fn handle(&self, _n: K, meta: &NotifyMeta, tx: &mut PgTx) -> Result<(), HandlerError> {
        let insert = tx
            .prepare_cached(
                "INSERT INTO merchant_effects (dedup_key, replica, processed_at) VALUES ($1, $2, now())",
            )
            .await?;
        tx.execute(&insert, &[&meta.dedup_key().as_str(), &self.replica])
            .await?;
        tracing::debug!(dedup_key = %meta.dedup_key(), "effect recorded");
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let database_url = std::env::var("DATABASE_URL")
        .map_err(|_| "DATABASE_URL is required: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")?;
    let client_id = env_or("ALIPAY_CLIENT_ID", "SANDBOX_5X00000000000000");
    let key_path = key_path();
    let listen = env_or("NOTIFY_LISTEN", "127.0.0.1:3000");
    let path = env_or("NOTIFY_PATH", "/alipay/notify");
    let replica = env_or("REPLICA_NAME", &format!("replica-{}", std::process::id()));
    let pool_size: usize = env_or("DATABASE_POOL_SIZE", "16")
        .parse()
        .map_err(|e| format!("DATABASE_POOL_SIZE: {e}"))?;

    let alipay_key = PublicKey::from_file(&key_path)
        .map_err(|e| format!("ALIPAY_PUBLIC_KEY={}: {e}", key_path.display()))?;
    let store = connect(&database_url, pool_size).await?;
    create_effects_table(&store).await?;

    let notify =
        NotifyService::builder_with_inbox(NotifyConfig::new(client_id, alipay_key), store.inbox())
            .on_tx::<PaymentNotification>(RecordEffect {
                replica: replica.clone(),
            })
            .on_tx::<CaptureNotification>(RecordEffect {
                replica: replica.clone(),
            })
            .on_tx::<RefundNotification>(RecordEffect {
                replica: replica.clone(),
            })
            .deadline(notify_server::REQUEST_DEADLINE, tokio::time::sleep)
            .build()?;
    let app = axum::Router::new().route_service(&path, notify);

    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("NOTIFY_LISTEN={listen}: {e}"))?;
    eprintln!(
        "postgres_notify {replica}: listening on http://{}{path}",
        listener.local_addr()?
    );
    notify_server::serve(
        listener,
        TowerToHyperService::new(app),
        notify_server::HEADER_READ_TIMEOUT,
        shutdown(),
    )
    .await;
    eprintln!("postgres_notify {replica}: stopped");
    Ok(())
}

/// The store, once the database answers (a replica may start while the
/// database restarts): up to a minute.
async fn connect(url: &str, pool_size: usize) -> Result<PgStore, Box<dyn Error>> {
    let started = Instant::now();
    loop {
        match PgStore::builder(url)?
            .max_connections(pool_size)
            .connect()
            .await
        {
            Ok(store) => return Ok(store),
            Err(error @ (PgError::Connect(_) | PgError::Database(_)))
                if started.elapsed() < Duration::from_secs(60) =>
            {
                eprintln!("postgres_notify: waiting for the database: {error}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// `merchant_effects`, once across replicas that start together (two
/// concurrent `CREATE TABLE IF NOT EXISTS` may collide).
async fn create_effects_table(store: &PgStore) -> Result<(), Box<dyn Error>> {
    let mut conn = store.pool().get().await?;
    let tx = conn.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('merchant_effects'))",
        &[],
    )
    .await?;
    tx.batch_execute(EFFECTS_DDL).await?;
    tx.commit().await?;
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// `ALIPAY_PUBLIC_KEY`, or the sandbox key of this repository wherever the
/// example is run from.
fn key_path() -> PathBuf {
    match std::env::var_os("ALIPAY_PUBLIC_KEY") {
        Some(path) => PathBuf::from(path),
        None => {
            let relative = PathBuf::from("keys-example/alipay/public_key.pem");
            if relative.exists() {
                relative
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

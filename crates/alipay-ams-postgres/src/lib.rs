//! Alipay AMS (Antom) on the merchant's PostgreSQL: the notification inbox
//! that makes each notification's effects happen exactly once, and the
//! outbox that records each money movement before it is sent and finishes
//! it after a crash, across any number of replicas, replicas killed mid-way
//! and database restarts.
//!
//! [`PgStore::connect`] opens a connection pool and creates (or upgrades)
//! the tables; [`PgStore::inbox`] is the [`Inbox`](alipay_ams_notify::Inbox)
//! to build the notify service with; [`PgStore::outbox`] is the
//! [`Outbox`](alipay_ams_client::outbox::Outbox) for the client's
//! `send_via` and `resume` (see [`PgOutbox`]). Handlers routed with `on_tx` receive
//! the notification's transaction ([`PgTx`]) and write their effects in it:
//! they commit together with the record that the notification was
//! processed, and Alipay is acknowledged only after that commit.
//!
//! ```
//! use alipay_ams_api::payments::CaptureNotification;
//! use alipay_ams_core::PublicKey;
//! use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyMeta, NotifyService, TxHandler};
//! use alipay_ams_postgres::{PgStore, PgTx};
//!
//! struct Orders;
//!
//! impl TxHandler<CaptureNotification, PgTx> for Orders {
//!     async fn handle(&self, n: CaptureNotification, _meta: &NotifyMeta, tx: &mut PgTx) -> Result<(), HandlerError> {
//!         // In the inbox's transaction: committed with "processed", or not at all.
//!         tx.execute(
//!             "UPDATE orders SET captured = true, capture_id = $1 WHERE payment_id = $2",
//!             &[&n.capture_id, &n.payment_id],
//!         )
//!         .await?;
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // e.g. postgres://shop@db.internal/shop?sslmode=require
//! let store = PgStore::connect(&std::env::var("DATABASE_URL")?).await?; // creates alipay_inbox if missing
//! // Alipay's public key; here the sandbox's TEST-ONLY one (yours: PublicKey::from_file).
//! let alipay_key = PublicKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PUBLIC_KEY_PEM)?;
//! let config = NotifyConfig::new("SANDBOX_5X00000000000000", alipay_key);
//! let notify = NotifyService::builder_with_inbox(config, store.inbox())
//!     .on_tx::<CaptureNotification>(Orders)
//!     .deadline(std::time::Duration::from_secs(30), tokio::time::sleep)
//!     .build()?;
//! let app: axum::Router = axum::Router::new().route_service("/alipay/notify", notify);
//! # let _ = app; Ok(()) }
//! ```
//!
//! What each delivery gets:
//!
//! | The notification is | Answer | Handler |
//! |---|---|---|
//! | new, or failed before | 200 `S` after the commit | runs in the transaction |
//! | processed before (a redelivery) | 200 `S` | not run |
//! | being processed by another replica | waits for it (up to `lock_timeout`), then 200 `S` | not run |
//! | of a kind no route handles | 200 `S`, stored with status `unrouted` | none |
//! | failing in its handler | 500 `U`, rolled back, noted as `failed` | ran, rolled back |
//! | not recorded: database down, lock wait too long | 503 `U` | not run, or rolled back |
//!
//! The tables are created by [`PgStore::connect`] (or [`PgStore::migrate`]),
//! idempotently, once across replicas that start together; their names are
//! configurable ([`PgStoreBuilder::inbox_table`]). Connections are pooled
//! (deadpool); a database restart costs the notifications in flight a
//! non-`S` answer, and the pool reconnects on its own. TLS, when the URL's
//! `sslmode` asks for it, is rustls (feature `rustls`, on by default).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod inbox;
mod outbox;
mod schema;
mod store;
mod tls;

pub use error::PgError;
pub use inbox::{PgInbox, PgTx};
pub use outbox::PgOutbox;
pub use store::{
    DEFAULT_INBOX_TABLE, DEFAULT_MIGRATIONS_TABLE, DEFAULT_OUTBOX_TABLE, PgStore, PgStoreBuilder,
};

/// The pool this crate uses, for the app's own queries on [`PgStore::pool`].
pub use deadpool_postgres;
/// The PostgreSQL client handlers write through ([`PgTx`] derefs to its
/// `Client`), at the version this crate uses.
pub use tokio_postgres;

// Compiles the README's examples as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

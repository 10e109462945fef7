//! The outbox: a money movement (`pay`, `capture`, `refund`, `cancel`) is
//! recorded as an intent, with its idempotency key and its exact bytes,
//! before anything is sent; its outcome is recorded when known; after a
//! crash, [`Client::resume`](crate::Client::resume) finishes every intent
//! that is not final, by inquiring and, only where Alipay shows no trace of
//! it, by sending the same bytes again under the same key. Never under a
//! new key: one intent moves money at most once.
//!
//! ```no_run
//! use std::time::Duration;
//! use alipay_ams_api::payments::CaptureRequest;
//! use alipay_ams_client::checkout::CaptureOutcome;
//! use alipay_ams_client::outbox::{MemoryOutbox, ResumeOptions, Sent};
//! use alipay_ams_client::Client;
//! use alipay_ams_core::Amount;
//!
//! # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let outbox = MemoryOutbox::new(); // one process; alipay-ams-postgres's PgOutbox for replicas
//!
//! // In the background: finish what a crash or a timeout left unfinished.
//! let (c, o) = (client.clone(), outbox.clone());
//! tokio::spawn(async move {
//!     loop {
//!         if let Err(error) = c.resume(&o, &ResumeOptions::default()).await {
//!             eprintln!("resume: {error}");
//!         }
//!         tokio::time::sleep(Duration::from_secs(60)).await;
//!     }
//! });
//!
//! // The key is the order's: the same order's capture is the same intent.
//! let capture = CaptureRequest::new("capture-order-1001", "2022091919401089010011174027", Amount::from_minor_units("USD", 1000)?);
//! match client.send_via(&outbox, &capture).await? {
//!     Sent::Answered(CaptureOutcome::Captured(c)) => println!("captured: {}", c.capture_id),
//!     Sent::Answered(CaptureOutcome::Failed(refused)) => println!("refused: {}", refused.result_code),
//!     Sent::Settled(record) => println!("known before: {}", record.state),
//!     Sent::Pending(pending) => println!("{pending}"), // resume finishes it
//! }
//! # Ok(()) }
//! ```
//!
//! How an intent goes:
//!
//! | Step | What happens |
//! |---|---|
//! | [`Client::send_via`](crate::Client::send_via) | the request is checked and serialized once; the intent (API, key, bytes) is recorded and claimed (a [`Lease`]); only then are the bytes sent, signed with a fresh `Request-Time` |
//! | answer | recorded: final ([`IntentState::Succeeded`], [`IntentState::Failed`]) or [`IntentState::Accepted`] (a payment waiting for the buyer, a refund processing); the typed outcome is returned, as [`Client::checkout`](crate::Client::checkout)'s |
//! | no answer (timeout, `U`, lost reply) | recorded as [`IntentState::Pending`], with what was seen |
//! | the process dies anywhere | the claim lapses; the intent is pending, or recorded final |
//! | [`Client::resume`](crate::Client::resume) | claims due intents (never one another process holds); a never-sent one is sent; any other is inquired: final → recorded, in progress → accepted, no trace → the same bytes sent again, same key |
//!
//! Guarantees, given a store that keeps what it acknowledged (a database;
//! [`MemoryOutbox`] only within one process's life):
//!
//! - an intent is recorded before any of its bytes leave, and every send of
//!   it carries those bytes under its key: Alipay acts on it at most once
//!   (`pay`, `capture`, `refund` are deduplicated by their key; `cancel`
//!   cancels a payment once, however often it is asked);
//! - no two processes (or tasks) send the same intent at the same moment:
//!   a send happens under a claim no other holds, and ends, by its call
//!   timeout, before the claim lapses;
//! - every intent ends final, unless Alipay never answers: then it stays
//!   pending with what was last seen, for a later `resume` (or a person).
//!
//! What stays at-least-once: the request itself may reach Alipay more than
//! once (re-sent after a crash or an unknown outcome; harmless, same key);
//! recording the outcome (a process that dies after the answer learns it
//! again by inquiring); and whatever the app does with an outcome (do it
//! idempotently, or in the store's transaction). A `pay` re-sent by `resume`
//! gets its answer, but nobody shows the buyer the page it names: a payment
//! left waiting that way expires, final as failed.
//!
//! The port is [`Outbox`]: [`MemoryOutbox`] here, `PgOutbox` in
//! `alipay-ams-postgres` (which can also record an intent inside the app's
//! own transaction, so that "order capturing" and "capture intent" commit
//! together).

mod error;
mod intent;
mod memory;
mod options;
mod port;
mod resume;
mod send;
mod work;

pub use error::OutboxError;
pub use intent::{Intent, Movement};
pub use memory::{DEFAULT_MEMORY_OUTBOX_CAPACITY, MemoryOutbox};
pub use options::{ResumeOptions, SendOptions};
pub use port::{IntentId, IntentRecord, IntentState, Lease, Outbox, Recorded, StoreError, Update};
pub use resume::ResumeReport;
pub use send::{Pending, Sent};

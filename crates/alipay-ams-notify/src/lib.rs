//! Receive Alipay AMS (Antom) notifications in the web app you already run.
//!
//! Implement [`NotifyHandler<K>`](NotifyHandler) for each notification kind
//! you process, route each kind to its handler with
//! [`NotifyService::builder`]`(config).on::<K>(handler)`, and mount the
//! service at your notify URL. It verifies every delivery over the exact bytes
//! received (signature, `client-id`, `keyVersion`) before parsing it, routes
//! it by kind, calls the handler, and acknowledges only once the handler
//! returned `Ok`; everything else, including a notification of a kind no
//! route handles, gets a non-`S` answer, so Alipay delivers it again and
//! nothing is lost.
//!
//! Here the handler's state is shared with the app's own routes through an
//! `Arc`: the handler records captures, `GET /orders/{paymentId}` reads them.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::{Arc, Mutex};
//!
//! use alipay_ams_api::payments::CaptureNotification;
//! use alipay_ams_core::{ACK_BODY, Message, PrivateKey, PublicKey};
//! use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
//! use axum::extract::{Path, State};
//! use axum::{Router, body::Body, http::{Request, StatusCode}, routing::get};
//! use http_body_util::BodyExt;
//! use tower::ServiceExt;
//!
//! /// paymentId -> captureId, written by the handler, read by the app.
//! #[derive(Default)]
//! struct Orders(Mutex<HashMap<String, String>>);
//!
//! impl NotifyHandler<CaptureNotification> for Orders {
//!     async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
//!         // Alipay delivers at least once: a redelivery has the same dedup key.
//!         println!("{} ({})", meta.dedup_key(), n.result.result_status);
//!         let mut orders = self.0.lock().map_err(|_| HandlerError::new("orders lock poisoned"))?;
//!         orders.insert(n.payment_id, n.capture_id);
//!         Ok(()) // only now is Alipay acknowledged
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Alipay's public key; here the sandbox's TEST-ONLY one (yours: PublicKey::from_file).
//! let alipay_key = PublicKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PUBLIC_KEY_PEM)?;
//! let config = NotifyConfig::new("SANDBOX_5X00000000000000", alipay_key);
//! let orders = Arc::new(Orders::default());
//! let notify = NotifyService::builder(config)
//!     .on::<CaptureNotification>(Arc::clone(&orders))
//!     .build()?;
//! let app = Router::new()
//!     .route_service("/alipay/notify", notify)
//!     .route("/orders/{payment_id}", get(|State(orders): State<Arc<Orders>>, Path(id): Path<String>| async move {
//!         orders.0.lock().ok().and_then(|o| o.get(&id).cloned()).unwrap_or_default()
//!     }))
//!     .with_state(orders);
//!
//! let body = r#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."},"captureRequestId":"cr-1","paymentId":"p-1","captureId":"c-1","captureAmount":{"currency":"USD","value":"1000"}}"#;
//! let time = "2026-11-25T10:00:00+08:00";
//! let post = |signature: &str, body: &'static str| {
//!     Request::post("/alipay/notify")
//!         .header("client-id", "SANDBOX_5X00000000000000")
//!         .header("request-time", time)
//!         .header("signature", signature)
//!         .body(Body::from(body))
//! };
//! let text = async |response: axum::response::Response| -> Result<String, Box<dyn std::error::Error>> {
//!     Ok(String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?)
//! };
//!
//! // Signed by Alipay (here: the sandbox's TEST-ONLY Alipay key): acknowledged.
//! let alipay = PrivateKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PRIVATE_KEY_PEM)?;
//! let signature = Message::notification("/alipay/notify", "SANDBOX_5X00000000000000", time, body.as_bytes())
//!     .sign(&alipay, 1)?
//!     .to_string();
//! let response = app.clone().oneshot(post(&signature, body)?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(text(response).await?, ACK_BODY);
//! let order = app.clone().oneshot(Request::get("/orders/p-1").body(Body::empty())?).await?;
//! assert_eq!(text(order).await?, "c-1");
//!
//! // The same signature over a forged body: refused, with a non-S result.
//! let forged = r#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."},"captureRequestId":"cr-1","paymentId":"p-2","captureId":"c-2","captureAmount":{"currency":"USD","value":"999999"}}"#;
//! let response = app.clone().oneshot(post(&signature, forged)?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! let refusal: serde_json::Value = serde_json::from_str(&text(response).await?)?;
//! assert_eq!(refusal["result"]["resultStatus"], "F");
//! let order = app.oneshot(Request::get("/orders/p-2").body(Body::empty())?).await?;
//! assert_eq!(text(order).await?, "");
//! # Ok(()) }
//! ```
//!
//! # Redeliveries and the inbox
//!
//! Every verified notification is recorded in the service's [`Inbox`] under
//! its dedup key before its handler runs: a redelivery of a processed one is
//! acknowledged without running the handler again. [`MemoryInbox`] is the
//! default (one process); `alipay-ams-postgres` is a durable one for several
//! replicas, whose [`TxHandler`]s (routed with
//! [`on_tx`](NotifyServiceBuilder::on_tx)) write in the same transaction as
//! the record, so each notification's effects happen exactly once.
//!
//! For each verified notification the router:
//!
//! 1. claims its dedup key ([`Inbox::begin`]): [`Claim::Done`] when the
//!    event was processed before (acknowledged, the handler does not run),
//!    [`Claim::Busy`] while another delivery of it is being processed
//!    (answered non-`S`: Alipay delivers again), or [`Claim::Run`] with a
//!    transaction;
//! 2. runs the handler of its kind (a [`TxHandler`] writes in that
//!    transaction);
//! 3. commits ([`Inbox::commit`]), and only then acknowledges; on a handler
//!    error, [`Inbox::fail`] rolls back and notes the failure. A transaction
//!    dropped before either (the deadline passed, the connection closed)
//!    rolls back.
//!
//! # Kinds and routes
//!
//! A kind is a type implementing [`alipay_ams_core::NotificationKind`] (the
//! models are in `alipay-ams-api`): it says how its body is recognised (its
//! `notifyType` values, or for kinds that have none a field only they carry),
//! and its dedup key. A delivery goes to the first route whose kind
//! recognises it. A kind routed twice, or two kinds that claim the same
//! notifications, make [`build`](NotifyServiceBuilder::build) fail. A verified
//! notification that no route handles is answered 501 with resultStatus `U`
//! and logged at ERROR level naming its kind, so Alipay delivers it again once
//! a route exists; [`acknowledge_unhandled`](NotifyServiceBuilder::acknowledge_unhandled)
//! opts in to acknowledging and dropping it instead (logged at WARN).
//!
//! Frameworks that are not tower-based (actix-web) call
//! [`verify_notification`] with the method, path, headers and body bytes,
//! then [`NotifyRouter::dispatch`], and answer with
//! [`NotifyError::status`] and [`NotifyError::response_body`] on error.
//!
//! # What is answered
//!
//! | Outcome | HTTP | `resultStatus` |
//! |---|---|---|
//! | the handler of its kind returned `Ok` and the [`Inbox`] committed; or the inbox had processed it before; or no route handles it and the inbox stored it (or `acknowledge_unhandled` is set) | 200, [`ACK_BODY`](alipay_ams_core::ACK_BODY) | S |
//! | not POST | 405 | F |
//! | body over the limit (64 KiB by default) | 413 | F |
//! | missing or invalid signature, other `client-id`, unconfigured `keyVersion`, stale `request-time` (when a maximum age is set) | 401 | F |
//! | verified body is not a JSON object, gives a field twice, or does not fit its kind | 400 | F |
//! | no route handles its kind | 501 | U |
//! | the handler returned an error | 500 | U |
//! | another delivery of it is being processed right now ([`MemoryInbox`]) | 409 | U |
//! | the inbox could not record or commit it | 503 | U |
//! | not done within the deadline ([`NotifyServiceBuilder::deadline`]) | 503 | U |
//!
//! # Observability
//!
//! Every request to the endpoint is one INFO `tracing` span named
//! `alipay_notify` (target `alipay_ams_notify::service`), with the fields
//!
//! | field | value |
//! |---|---|
//! | `path` | the request's path |
//! | `notify_type` | the body's `notifyType`, once verified (absent for kinds without one) |
//! | `kind` | the routed kind's name (`notifyCapture`, `notifyPayment`, ...) |
//! | `dedup_key` | the event's [`DedupKey`](alipay_ams_core::DedupKey) (`CAPTURE_RESULT:<captureId>`) |
//! | `outcome` | `acknowledged`, or why not: [`NotifyError::kind`] (`bad_signature`, `handler_failed`, `unhandled_kind`, `in_flight`, `inbox_failed`, `deadline_exceeded`, ...) |
//!
//! Refusals are logged inside it: at ERROR when a genuine notification went
//! unprocessed (no route, handler or inbox failure), at WARN otherwise. A
//! redelivery of a processed event is an INFO event, "already processed".
//! `kind` and `dedup_key` stay empty for a notification no route handles
//! (the event logged inside names its kind). Spans and logs never contain a
//! key, a signature or a body.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod error;
mod handler;
mod inbox;
mod meta;
mod router;
mod service;
mod verify;

pub use config::{DEFAULT_BODY_LIMIT, NotifyConfig};
pub use error::NotifyError;
pub use handler::{HandlerError, NotifyHandler, TxHandler};
pub use inbox::{
    Claim, DEFAULT_MEMORY_CAPACITY, Inbox, InboxError, MemoryInbox, MemoryTx, Stored, UNROUTED,
    unrouted_dedup_key,
};
pub use meta::{NotifyMeta, Verified};
pub use router::{Classified, NotifyRouter, NotifyRouterBuilder, RouteError, Routed, Unrouted};
pub use service::{NotifyService, NotifyServiceBuilder, ResponseFuture};
pub use verify::verify_notification;

// Compiles the README's examples as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

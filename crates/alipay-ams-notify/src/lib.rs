//! Receive Alipay AMS (Antom) notifications in the web app you already run.
//!
//! Implement [`NotifyHandler`], wrap it in a [`NotifyService`] and mount that at
//! your notify URL. The service verifies every delivery over the exact bytes
//! received (signature, `client-id`) before parsing it, calls your handler,
//! and acknowledges only once the handler returned `Ok`; everything else gets
//! a non-`S` answer, so Alipay delivers again and nothing is lost.
//!
//! ```
//! use alipay_ams_core::{ACK_BODY, CaptureNotification, Message, PrivateKey, PublicKey};
//! use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
//! use axum::{Router, body::Body, http::{Request, StatusCode}};
//! use http_body_util::BodyExt;
//! use tower::ServiceExt;
//!
//! struct Orders;
//!
//! impl NotifyHandler for Orders {
//!     async fn capture(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
//!         println!("{}: capture {} is {}", meta.idempotency_key(), n.capture_request_id, n.result.result_status);
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let alipay_key = PublicKey::parse(include_str!("../../../keys-example/alipay/public_key.pem"))?;
//! let config = NotifyConfig::new("SANDBOX_5X00000000000000", alipay_key);
//! let app = Router::new().route_service("/alipay/notify", NotifyService::new(config, Orders));
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
//!
//! // Signed by Alipay (here: the test key in keys-example/): acknowledged.
//! let alipay = PrivateKey::parse(include_str!("../../../keys-example/alipay/private_key.pem"))?;
//! let signature = Message::notification("/alipay/notify", "SANDBOX_5X00000000000000", time, body.as_bytes())
//!     .sign(&alipay, 1)?
//!     .to_string();
//! let response = app.clone().oneshot(post(&signature, body)?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.into_body().collect().await?.to_bytes(), ACK_BODY.as_bytes());
//!
//! // The same signature over a forged body: refused, with a non-S result.
//! let forged = r#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."},"captureRequestId":"cr-1","paymentId":"p-1","captureId":"c-1","captureAmount":{"currency":"USD","value":"999999"}}"#;
//! let response = app.oneshot(post(&signature, forged)?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! let refusal: serde_json::Value = serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
//! assert_eq!(refusal["result"]["resultStatus"], "F");
//! # Ok(()) }
//! ```
//!
//! Frameworks that are not tower-based (actix-web) call [`verify_notification`]
//! with the method, path, headers and body bytes, and answer with
//! [`NotifyError::status`] and [`NotifyError::response_body`] on error.
//!
//! | Outcome | HTTP | `resultStatus` |
//! |---|---|---|
//! | handler returned `Ok` (also for kinds without a handler method) | 200, [`ACK_BODY`](alipay_ams_core::ACK_BODY) | S |
//! | not POST | 405 | F |
//! | body over the limit (64 KiB by default) | 413 | F |
//! | missing or invalid signature, other `client-id`, stale `request-time` (when a maximum age is set) | 401 | F |
//! | verified body is not a notification | 400 | F |
//! | handler returned an error | 500 | U |
//!
//! Logs and `tracing` spans (`alipay_notify`: path, notifyType, idempotency key,
//! outcome) never contain keys, signatures or bodies.

mod config;
mod error;
mod handler;
mod meta;
mod service;
mod verify;

pub use config::{DEFAULT_BODY_LIMIT, NotifyConfig};
pub use error::NotifyError;
pub use handler::{HandlerError, NotifyHandler};
pub use meta::NotifyMeta;
pub use service::NotifyService;
pub use verify::verify_notification;

// Compiles the README's examples as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

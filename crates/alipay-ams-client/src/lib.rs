//! The outbound half of Alipay AMS (Antom): signed requests, verified replies,
//! and retries that can never capture twice.
//!
//! ```no_run
//! use alipay_ams_api::payments::CaptureRequest;
//! use alipay_ams_client::{Client, Error, Gateway};
//! use alipay_ams_core::{Amount, PrivateKey, PublicKey};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .client_id("SANDBOX_5X00000000000000") // SANDBOX_ ids call /ams/sandbox/api/...
//!     .private_key(PrivateKey::from_file("keys/private_key.pem")?)
//!     .alipay_public_key(PublicKey::from_file("keys/alipay_public_key.pem")?)
//!     .gateway(Gateway::NorthAmerica)
//!     .build()?;
//!
//! // Keep the request: after an unknown outcome, only this same request
//! // (same captureRequestId) may be sent again.
//! let request = CaptureRequest::new("capture-0001", "2022091919401089010011174027", Amount::from_minor_units("USD", 1000)?);
//! match client.execute(&request).await {
//!     Ok(captured) => println!("captured: {}", captured.capture_id),
//!     Err(Error::Failed { result, .. }) => println!("refused, final: {}", result.result_code),
//!     Err(unknown @ Error::OutcomeUnknown { .. }) => println!("wait for notifyCapture: {unknown}"),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! What a call does ([`Client::execute`]):
//!
//! 1. validates the request, and serializes it once;
//! 2. signs those bytes with a fresh `Request-Time` and sends them
//!    (`Client-Id`, `Request-Time`, `Signature`, optional `Agent-Token`);
//! 3. reads the raw reply (up to 1 MiB), verifies Alipay's signature over those
//!    bytes, and only then parses them;
//! 4. S is `Ok`; F is [`Error::Failed`] (final); U, timeouts, transport errors,
//!    non-200 statuses, and replies that are unsigned S, badly signed or not the
//!    expected JSON are unknown: requests with an idempotency key are sent
//!    again, re-signed, under the [`RetryPolicy`], and then surface as
//!    [`Error::OutcomeUnknown`], never as a failure.
//!
//! An API is data: a type implementing [`ApiRequest`] (`alipay_ams_api`
//! holds them, e.g. `alipay_ams_api::payments::CaptureRequest`); one
//! [`Client::execute`] sends any of them.
//!
//! Tracing: one `alipay_ams.call` span per call (api, path, idempotency key,
//! attempts, result) and one `alipay_ams.attempt` span per attempt. No keys,
//! signatures or bodies are logged.

mod builder;
mod client;
mod error;
mod gateway;
mod response;
mod retry;

pub use alipay_ams_core::protocol::SANDBOX_CLIENT_ID_PREFIX;
pub use alipay_ams_core::{ApiRequest, Environment, Retry};
pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT,
};
pub use client::{Client, Verified};
pub use error::{BuildError, Error, UnknownReason};
pub use gateway::{Gateway, ParseGatewayError};
pub use retry::RetryPolicy;

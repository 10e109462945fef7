//! The outbound half of Alipay AMS (Antom): signed requests, verified replies,
//! and retries that can never capture twice.
//!
//! ```
//! use alipay_ams_api::payments::CaptureRequest;
//! use alipay_ams_client::{Client, Error, Gateway};
//! use alipay_ams_core::Amount;
//! use alipay_ams_sandbox::{CreatePayment, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Alipay, played here by the local sandbox (its TEST-ONLY keys), holding
//! // an authorized card payment of USD 10.00 to capture.
//! let sandbox = Sandbox::start_with_example_keys().await?;
//! let usd_10 = Amount::from_decimal("USD", "10.00")?;
//! let payment = sandbox.create_payment(CreatePayment::new(usd_10.clone()))?;
//!
//! let client = Client::builder()
//!     .client_id(sandbox.client_id()) // SANDBOX_ ids call /ams/sandbox/api/...
//!     // Yours: PrivateKey::from_file("keys/private_key.pem")? and Alipay's key
//!     // from the Dashboard, PublicKey::from_file("keys/alipay_public_key.pem")?
//!     .private_key(sandbox.merchant_private_key().ok_or("no example keys")?)
//!     .alipay_public_key(sandbox.alipay_public_key())
//!     // Yours: your region, "north-america".parse()? or Gateway::NorthAmerica.
//!     .gateway(Gateway::custom(sandbox.base_url()))
//!     .build()?; // cheap to clone: build it once
//!
//! // Keep the request: after an unknown outcome, only this same request
//! // (same captureRequestId) may be sent again.
//! let request = CaptureRequest::new("capture-0001", &payment.payment_id, usd_10);
//! match client.execute(&request).await {
//!     Ok(captured) => println!("captured: {}", captured.capture_id),
//!     // Alipay refused in a signed reply: final for this captureRequestId.
//!     Err(Error::Failed(failed)) => println!("refused: {}", failed.result().result_code),
//!     // It may have happened: wait for notifyCapture, or resend this same request.
//!     Err(Error::Unknown(unknown)) => println!("{unknown}"),
//!     // Nothing reached Alipay: fix the cause (the message names it) and send again.
//!     Err(Error::NotSent(not_sent)) => println!("{not_sent}"),
//! }
//! assert_eq!(sandbox.payment(&payment.payment_id).map(|p| p.captures.len()), Some(1));
//! # sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What a call does ([`Client::execute`]):
//!
//! 1. validates the request, and serializes it once;
//! 2. signs those bytes with a fresh `Request-Time` and sends them
//!    (`Client-Id`, `Request-Time`, `Signature`, optional `Agent-Token`);
//! 3. reads the raw reply (up to 1 MiB), verifies Alipay's signature over those
//!    bytes, and only then parses them; a verified reply must answer this
//!    request (its echoed ids and amount) and be fresh (`response-time`
//!    within an hour of this machine's clock);
//! 4. `S` is `Ok`, and so is a verified `U` with one of the API's pending
//!    codes (pay's `PAYMENT_IN_PROCESS`, refund's `REFUND_IN_PROCESS`: a
//!    definite "accepted, not finished", never sent again;
//!    [`Verified::is_pending`]); a verified `F` is [`Error::Failed`]
//!    (final); any other `U`, timeouts, a broken connection after sending,
//!    non-200 statuses, and replies that are unsigned, badly signed, for another request or not the
//!    expected JSON are [`Error::Unknown`], never a failure. A request that
//!    never left (DNS failure, connection refused, TLS handshake or
//!    certificate failure, connect timeout, or refused before sending as
//!    invalid) is [`Error::NotSent`]. [`Error::outcome`] says which, as a
//!    closed [`Outcome`].
//!
//! Retries: an unknown outcome is sent again, re-signed, with the same bytes
//! and idempotency key, when the API's [`Retry`] class allows it (money
//! movements only with their key; inquiries always); a connection that could
//! not be made is tried again for any API, since nothing left. A certificate
//! problem, an invalid request or an unsigned refusal is not retried. The
//! [`RetryPolicy`] sets the attempts (4) and the waits (exponential, with
//! jitter, first retry within a second); the [`RetryBudget`], shared by a
//! client and its clones, caps retries at about 20% of calls (plus a small
//! floor) so an incident at Alipay is not multiplied. Timeouts are separate:
//! connect (10 s), each attempt (15 s) and, only if set, the whole call. All
//! but connect can be overridden per call with [`CallOptions`].
//!
//! An API is data: a type implementing [`ApiRequest`] (`alipay_ams_api`
//! holds them, e.g. `alipay_ams_api::payments::CaptureRequest`); one
//! [`Client::execute`] sends any of them.
//!
//! The checkout ([`checkout`]): [`Client::checkout`] sends `pay`, `capture`,
//! `refund`, `cancel`, `consult`, `createPaymentSession` and the inquiries
//! after the checkout rules, and returns what the answer means (pay's
//! `PAYMENT_IN_PROCESS` is "waiting for the buyer", with what to show them);
//! [`Client::resolve`] settles a money movement whose outcome stayed unknown
//! by inquiring, never by sending it again.
//!
//! The outbox ([`outbox`]): [`Client::send_via`] records a money movement
//! (its key and exact bytes) before sending it and records its outcome;
//! [`Client::resume`] finishes, after a crash, every intent that is not
//! final, by inquiring and re-sending the same bytes under the same key,
//! from any number of replicas at once.
//!
//! # Observability
//!
//! Every call is one `tracing` span, and every attempt one span inside it,
//! for the merchant's subscriber or OpenTelemetry layer to export. Their
//! targets are under `alipay_ams_client` (`RUST_LOG=alipay_ams_client=debug`
//! shows the attempts too):
//!
//! | span | level | fields |
//! |---|---|---|
//! | `alipay_ams.call` | INFO | `api` (e.g. `capture`), `path`, `idempotency_key` (empty for APIs without one), `attempts`, `outcome` (`ok`, `pending`, `failed`, `unknown`, `not_sent`), `result_status`, `result_code` (of the last verified reply) |
//! | `alipay_ams.attempt` | DEBUG | `attempt` (1, 2, ...), `http_status`, `result_status`, `result_code` |
//! | `alipay_ams.resolve` | INFO | `movement`, `inquiry` (the API polled), `inquiries`, `resolution` (`succeeded`, `failed`, `still_pending`, `not_found`, `error`) |
//! | `alipay_ams.outbox.send` | INFO | `intent` (the outbox's id for the movement); the call span runs inside it |
//! | `alipay_ams.outbox.resume` | INFO | `owner` (this replica), `claimed`, `unfinished` |
//!
//! Events inside them say why an attempt ended (`reason`: `timeout`,
//! `transport`, `unsigned U`, ...) and why no further attempt was made. A
//! request refused by its own `validate()` fails before the call span opens.
//! No key, signature, header value or body is ever recorded, at any level.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod budget;
mod build_error;
mod builder;
mod call;
pub mod checkout;
mod client;
mod error;
mod gateway;
mod options;
pub mod outbox;
mod reason;
mod response;
mod retry;
mod serialized;
mod transport;

pub use alipay_ams_core::protocol::SANDBOX_CLIENT_ID_PREFIX;
pub use alipay_ams_core::{ApiRequest, Environment, Retry};
pub use budget::RetryBudget;
pub use build_error::BuildError;
pub use builder::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_TIME_TOLERANCE,
};
pub use client::{Client, Verified};
pub use error::{Error, Failed, NotSent, Outcome, Unknown};
pub use gateway::{Gateway, ParseGatewayError};
pub use options::CallOptions;
pub use reason::{NotSentReason, RetryStop, UnknownReason};
pub use retry::RetryPolicy;
pub use transport::{CertificateProblem, TransportError, TransportErrorKind};

/// The README's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

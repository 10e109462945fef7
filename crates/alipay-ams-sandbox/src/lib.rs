//! A local Alipay AMS (Antom) gateway for tests and examples: `capture` with
//! Alipay's business rules, signed replies, `notifyCapture` delivery on
//! Alipay's redelivery schedule, and faults on demand. No account, no network.
//!
//! Start it inside a test, point your client at it, capture:
//!
//! ```
//! use alipay_ams_core::Amount;
//! use alipay_ams_sandbox::{Api, CreatePayment, Fault, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Inside `#[tokio::test] async fn ...`:
//! let sandbox = Sandbox::with_example_keys() // TEST-ONLY keys from keys-example/
//!     .time_scale(0.001) // redeliveries after 0 ms, 120 ms, 600 ms, ...
//!     .start()
//!     .await?;
//! let payment = sandbox.create_payment(
//!     CreatePayment::new(Amount::from_minor_units_str("USD", "10000")?).notify_url("http://127.0.0.1:9/notify"),
//! )?;
//!
//! // Configure your client with sandbox.base_url(), sandbox.client_id(), the
//! // merchant private key and sandbox.alipay_public_key(), then capture
//! // payment.payment_id. To see how it copes with Alipay answering U:
//! sandbox.arm_fault(Api::Capture, Fault::UnknownException, 1);
//!
//! assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(sandbox.payment(&payment.payment_id).unwrap().captures.len(), 0);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! - `POST /ams/api/v1/payments/capture` and `POST /ams/sandbox/api/v1/payments/capture`,
//!   with the request target in origin form (`/ams/...`) or absolute form
//!   (`http://host:port/ams/...`, as the official Python SDK sends). The
//!   merchant's signature is verified over the exact body bytes and the path
//!   called. A missing or bad signature, or another client id, is refused
//!   with an **unsigned** HTTP 200 `F` reply (`INVALID_SIGNATURE` /
//!   `CLIENT_INVALID`), as Alipay's gateway does. Every other reply is signed
//!   as Alipay (`client-id`, `response-time`, `signature`), and business
//!   results S, F and U are all HTTP 200.
//! - The control API, plain unsigned JSON, always under `/sandbox/`:
//!   `POST /sandbox/payments` (`{"paymentAmount":{"currency":"USD","value":"10000"},
//!   "captureMode":"MANUAL","paymentNotifyUrl":"http://...","multipleCaptures":false}`
//!   answers `{"paymentId":"...","paymentRequestId":"..."}`),
//!   `GET /sandbox/payments/{paymentId}` (state and captures),
//!   `GET /sandbox/payments` (all captures), `GET /sandbox/notifications`
//!   (`{"deliveries":[...]}`, the delivery log), and `POST /sandbox/faults`
//!   (`{"api":"capture","fault":"delay","ms":3000,"count":1}`).
//!
//! # Capture rules
//!
//! Checked in this order: malformed or missing fields, or a zero amount ->
//! `PARAM_ILLEGAL`; a `captureRequestId` seen before -> the same answer again
//! (same `captureId`, same `captureTime`) if `paymentId`, `captureAmount` and
//! `isLastCapture` are the same, else `REPEAT_REQ_INCONSISTENT`; unknown
//! payment -> `AUTH_NOT_FOUND`; other currency -> `CURRENCY_NOT_SUPPORT`;
//! payment no longer capturable -> `MULTI_CAPTURE_NOT_SUPPORTED` (single-capture
//! payment already captured), `ORDER_STATUS_INVALID` (last capture of a
//! multi-capture payment already made, or automatic capture); total over the
//! authorized amount -> `CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT`. Final answers (S
//! and F) are remembered per `captureRequestId`; `PARAM_ILLEGAL` is not.
//!
//! Payments take one capture by default (partial or full; the rest of the
//! authorization is then released). Created with
//! [`CreatePayment::multiple_captures`], they take captures until the total
//! reaches the authorization or one is sent with `isLastCapture: true`.
//!
//! # Notifications
//!
//! A capture that reaches S (or F, see [`Fault::ProcessFail`]) is notified to
//! the payment's notify URL (or the sandbox's default one), signed as Alipay
//! over the notify URL's path. Anything but the fixed acknowledgement
//! (HTTP 200 with `result` S / SUCCESS) is redelivered after 2m, 10m, 10m, 1h,
//! 2h, 6h and 15h times the time scale, unless redelivery is off. Rejected
//! captures (AUTH_NOT_FOUND and the like) create no capture and are not
//! notified; replays are not notified again.
//!
//! # Faults
//!
//! See [`Fault`]: U faults perform nothing, transport faults perform the
//! capture and then lose or garble the reply, so retries with the same
//! `captureRequestId` always stay idempotent.
//!
//! # HTTPS
//!
//! With the `tls` feature (default), `SandboxBuilder::tls(true)` (binary:
//! `--tls`) serves HTTPS with a certificate for `localhost`, `127.0.0.1` and
//! `::1` issued by a throwaway CA made at start; clients trust
//! [`SandboxHandle::tls_ca_certificate_pem`]. Notifications stay plain http.

mod control;
mod delivery;
mod fault;
mod gateway;
mod ledger;
mod sandbox;
#[cfg(feature = "tls")]
mod tls;

pub use delivery::DeliveryAttempt;
pub use fault::{Api, Fault};
pub use ledger::{CaptureMode, CaptureRecord, CreatePayment, Payment, PaymentState};
pub use sandbox::{DEFAULT_CLIENT_ID, Error, Sandbox, SandboxBuilder, SandboxHandle};

/// TEST ONLY: the repository's example key pairs (`keys-example/`). They are
/// published, so anyone can sign with them: use them in tests and examples,
/// never for real money.
pub mod example_keys {
    /// The client id that goes with them.
    pub const CLIENT_ID: &str = crate::DEFAULT_CLIENT_ID;
    /// The merchant's private key (signs requests), PKCS#8 PEM.
    pub const MERCHANT_PRIVATE_KEY_PEM: &str =
        include_str!("../../../keys-example/merchant/private_key.pem");
    /// The merchant's public key (the sandbox verifies requests with it), SPKI PEM.
    pub const MERCHANT_PUBLIC_KEY_PEM: &str =
        include_str!("../../../keys-example/merchant/public_key.pem");
    /// The sandbox's "Alipay" private key (signs replies and notifications), PKCS#8 PEM.
    pub const ALIPAY_PRIVATE_KEY_PEM: &str =
        include_str!("../../../keys-example/alipay/private_key.pem");
    /// The sandbox's "Alipay" public key (merchants verify with it), SPKI PEM.
    pub const ALIPAY_PUBLIC_KEY_PEM: &str =
        include_str!("../../../keys-example/alipay/public_key.pem");
}

/// Locks a mutex, recovering the data if a thread panicked while holding it
/// (the sandbox's state stays usable; no request can leave it half-written).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Resolves once the stop flag is raised (or its sender is gone).
pub(crate) async fn stopped(flag: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it right here.
    let _ = flag.wait_for(|stop| *stop).await.is_ok();
}

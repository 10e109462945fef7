//! A local Alipay AMS (Antom) gateway for tests and examples: the whole
//! one-time-payment checkout (`pay`, `consult`, `createPaymentSession`,
//! `inquiryPayment`, `cancel`, `capture`, `refund`, `inquiryRefund`) with
//! Alipay's business rules, result codes and idempotency, replies signed as
//! Alipay, a payment state machine whose buyer a test plays, notifications
//! (`notifyPayment`, `notifyCapture`, `notifyRefund`) delivered on Alipay's
//! redelivery schedule, and faults on demand, on every API and every
//! notification kind. No account, no network.
//!
//! Start it inside a test and give your client what it needs:
//!
//! ```
//! use alipay_ams_api::payments::CaptureRequest;
//! use alipay_ams_core::Amount;
//! use alipay_ams_sandbox::{CreatePayment, Fault, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Inside `#[tokio::test] async fn ...`:
//! let sandbox = Sandbox::with_example_keys() // TEST-ONLY keys, built in
//!     .time_scale(0.001) // redeliveries after 0 ms, 120 ms, 600 ms, ...
//!     .start() // 127.0.0.1, a free port
//!     .await?;
//!
//! // Everything a merchant's client is configured with, no key files:
//! let gateway = sandbox.base_url(); // http://127.0.0.1:PORT
//! let client_id = sandbox.client_id(); // SANDBOX_5X00000000000000
//! let merchant_key = sandbox.merchant_private_key().expect("started with the example keys");
//! let alipay_key = sandbox.alipay_public_key();
//! # let _ = (gateway, client_id, merchant_key, alipay_key);
//!
//! // An authorized card payment to capture, without a buyer, notified to your endpoint:
//! let usd_100 = Amount::from_minor_units_str("USD", "10000")?;
//! let payment = sandbox.create_payment(CreatePayment::new(usd_100).notify_url("http://127.0.0.1:9/notify"))?;
//!
//! // The next capture answers U: does your client retry with the same captureRequestId?
//! sandbox.arm_fault::<CaptureRequest>(Fault::UnknownException, 1)?;
//!
//! // ... capture payment.payment_id with your client here, then assert:
//! assert_eq!(sandbox.payment(&payment.payment_id).unwrap().captures.len(), 0);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # The lifecycle
//!
//! `pay` creates a payment that waits for the buyer: U `PAYMENT_IN_PROCESS`
//! with `paymentId` and a `normalUrl` on the sandbox. The test plays the
//! buyer ([`Sandbox::buyer`], or `POST /sandbox/payments/{paymentId}/buyer`
//! with `{"action":"pay"}`, `"decline"` or `"abandon"`); unpaid, the payment
//! expires at `paymentExpiryTime` (default 14 minutes, real time). When the
//! buyer pays, a card is authorized and, unless `paymentFactor.captureMode`
//! is `MANUAL`, captured at once; any other method is paid and captured at
//! once; bank methods (`ONLINEBANKING_*`, `BANKTRANSFER_*`) go through
//! `PAYMENT_PENDING` first. Declined: F `USER_BALANCE_NOT_ENOUGH` (or the
//! code given); abandoned or expired: F `ORDER_IS_CLOSED`. Each outcome is
//! notified with `notifyPayment` (and `notifyCapture` for a capture) to the
//! pay request's `paymentNotifyUrl`. See [`PaymentStatus`] for the states
//! and [`PaymentState`] for what a test reads.
//! <https://docs.antom.com/ac/ams/payment_cashier>
//!
//! `cancel` closes a payment waiting for the buyer, releases a card
//! authorization not captured, and gives a paid non-card payment's money
//! back until 00:15 (UTC+8) of the next day; captured cards answer
//! `CANCEL_WINDOW_EXCEED`. Refunds are partial and multiple, never beyond
//! what was captured (`REFUND_AMOUNT_EXCEED`); an authorization not captured
//! answers `ORDER_STATUS_INVALID`. Alipay+ wallets (`ALIPAY_CN`, `GCASH`,
//! ...) refund synchronously (S, no `notifyRefund`); cards and every other
//! method asynchronously (U `REFUND_IN_PROCESS`, then `notifyRefund` to the
//! refund request's `refundNotifyUrl`). `inquiryPayment` lists every
//! capture, refund and cancellation in `transactions`.
//! <https://docs.antom.com/ac/ams/refund>
//!
//! # What it serves
//!
//! - Each API at its production path and its sandbox path (`POST
//!   /ams/api/v1/payments/pay` and `POST /ams/sandbox/api/v1/payments/pay`),
//!   with the request target in origin form (`/ams/...`) or absolute form
//!   (`http://host:port/ams/...`, as the official Python SDK sends). The
//!   merchant's signature is verified over the exact body bytes and the path
//!   called. A missing or bad signature, or another client id, is refused
//!   with an **unsigned** HTTP 200 `F` reply (`INVALID_SIGNATURE` /
//!   `CLIENT_INVALID`), as Alipay's gateway does. Every other reply is
//!   signed as Alipay (`client-id`, `response-time`, `signature`); business
//!   results S, F and U are all HTTP 200; F replies carry their `result`
//!   alone. <https://docs.antom.com/ac/ams/api_fund>,
//!   <https://docs.antom.com/ac/ams/digital_signature>
//! - The control API, plain unsigned JSON, always under `/sandbox/`: the
//!   buyer (`POST /sandbox/payments/{paymentId}/buyer`), a payment's state
//!   (`GET /sandbox/payments/{paymentId}`), forced expiry (`POST
//!   /sandbox/payments/{paymentId}/expire`), the books (`GET
//!   /sandbox/payments`), an authorized payment without a buyer (`POST
//!   /sandbox/payments`), the delivery log (`GET /sandbox/notifications`,
//!   see [`DeliveryAttempt`]), the clock (`GET|POST /sandbox/clock`),
//!   faults (`POST` and `DELETE /sandbox/faults`).
//! - Pages for a person, HTML without script or external assets: the
//!   buyer's page at `normalUrl` (`GET /sandbox/checkout/{paymentId}`:
//!   what is paid, to whom, how, with the buttons `pay`, `decline` and
//!   `abandon`, each doing what the buyer call does, then a 303 to the
//!   merchant's `paymentRedirectUrl`), and the dashboard (`GET /sandbox/`:
//!   payments, transactions, every delivery attempt with the merchant's
//!   answer and the next redelivery; it reloads itself).
//!
//! # Idempotency
//!
//! For every API with an idempotency key (`paymentRequestId`,
//! `captureRequestId`, `refundRequestId`): a request repeated with the same
//! key and the same fields gets the same answer, byte for byte, once that
//! answer is final (S or F); while it is in process (`PAYMENT_IN_PROCESS`,
//! `REFUND_IN_PROCESS`) it answers where its payment or refund now is; the
//! same key with any field changed gets `REPEAT_REQ_INCONSISTENT`.
//! `PARAM_ILLEGAL` is checked first and never remembered.
//! <https://docs.antom.com/ac/ams/idempotency>
//!
//! # Capture rules
//!
//! Checked in this order: malformed or missing fields, or a zero amount ->
//! `PARAM_ILLEGAL`; a `captureRequestId` seen before -> the earlier answer
//! or `REPEAT_REQ_INCONSISTENT`; unknown payment -> `AUTH_NOT_FOUND`; other
//! currency -> `CURRENCY_NOT_SUPPORT`; not paid yet or failed ->
//! `ORDER_STATUS_INVALID`; cancelled -> `AUTH_CANCELLED` /
//! `ORDER_IS_CANCELED`; past its 7 days -> `AUTH_EXPIRED`; no longer
//! capturable -> `MULTI_CAPTURE_NOT_SUPPORTED` (single-capture payment
//! already captured), `ORDER_STATUS_INVALID` (last capture of a
//! multi-capture payment already made, or automatic capture); total over
//! the authorized amount -> `CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT`.
//! <https://docs.antom.com/ac/ams/capture>
//!
//! Payments take one capture by default (partial or full; the rest of the
//! authorization is then released). Created with
//! [`CreatePayment::multiple_captures`], they take captures until the total
//! reaches the authorization or one is sent with `isLastCapture: true`.
//!
//! # Notifications
//!
//! Signed as Alipay over the notify URL's path and posted to the URL the
//! request named (or the sandbox's default one). Anything but the fixed
//! acknowledgement (HTTP 200 with `result` S / SUCCESS) is redelivered after
//! 2m, 10m, 10m, 1h, 2h, 6h and 15h times the time scale, unless redelivery
//! is off. Every attempt is in the delivery log ([`Sandbox::deliveries`]).
//! <https://docs.antom.com/ac/ams/notify_capture>
//!
//! # Time
//!
//! The time scale ([`SandboxBuilder::time_scale`]) compresses notification
//! redelivery and the sandbox's asynchronous processing (2 s at scale 1: a
//! pending payment or an asynchronous refund settling), not payment expiry,
//! which is real time. Tests shorten the default expiry
//! ([`SandboxBuilder::payment_expiry`]), expire a payment at once
//! ([`Sandbox::expire_payment`]), or move the sandbox's clock
//! ([`Sandbox::advance_clock`]) to reach windows and lapses.
//!
//! # Faults
//!
//! On the APIs ([`Fault`]): U faults perform nothing (`in_process` answers
//! the API's own in-process code); transport faults perform the call and
//! then lose or garble the reply, so retries with the same idempotency key
//! always stay idempotent; `process_fail` fails at the processor. On the
//! notifications ([`NotificationFault`]): `duplicate`, `lost_ack`, `delay`.
//! Arm them with [`Sandbox::arm_fault`],
//! [`Sandbox::arm_notification_fault`] or `POST /sandbox/faults`; clear them
//! with [`Sandbox::clear_faults`] or `DELETE /sandbox/faults`.
//!
//! # Testing your notify endpoint
//!
//! [`signed_notification`] (and [`Sandbox::signed_notification`]) build the
//! exact request Alipay would post, signed with the (example) Alipay key, to
//! hand to your endpoint in a test without running a delivery.
//!
//! # HTTPS
//!
//! With the `tls` feature (default), [`SandboxBuilder::tls`] (program:
//! `--tls`) serves HTTPS with a certificate for `localhost`, `127.0.0.1` and
//! `::1` issued by a throwaway CA made at start; clients trust
//! [`Sandbox::tls_ca_certificate_pem`]. Notifications stay plain http.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod builder;
mod clock;
mod control;
mod delivery;
mod error;
pub mod example_keys;
mod fault;
mod gateway;
mod idempotency;
mod ledger;
mod lifecycle;
mod machine;
mod methods;
mod notification;
mod pages;
mod payment;
mod reply;
mod route;
mod rules;
mod sandbox;
mod server;
mod shared;
mod state;
mod sync;
#[cfg(feature = "tls")]
mod tls;

pub use attempt::DeliveryAttempt;
pub use builder::SandboxBuilder;
pub use error::{BuyerError, Error, NotificationError, NotifyUrlError, PaymentError, TlsError};
pub use fault::{Fault, FaultNameError, NotificationFault};
pub use notification::{signed_notification, signed_notification_body};
pub use payment::{BuyerAction, CaptureMode, CreatePayment, Payment};
pub use sandbox::{DEFAULT_CLIENT_ID, Sandbox};
pub use state::{
    CaptureRecord, Origin, PaymentState, PaymentStatus, RefundRecord, RefundStatus,
    TransactionRecord, TransactionType,
};

//! Alipay AMS (Antom) API models, by family: each API is one request type
//! implementing [`ApiRequest`](alipay_ams_core::ApiRequest) (its path, its
//! response, its idempotency key and retry class) next to its response type,
//! and each notification is one type implementing
//! [`NotificationKind`](alipay_ams_core::NotificationKind).
//!
//! No I/O here: the client crate sends these requests, the notify crate
//! receives these notifications, and the sandbox answers both as Alipay.
//!
//! ```
//! use alipay_ams_api::payments::{CaptureRequest, CaptureResponse};
//! use alipay_ams_core::{Amount, ApiRequest, Retry};
//!
//! let request = CaptureRequest::new("capture-1", "202611250000001", Amount::from_decimal("USD", "10.00")?);
//! assert_eq!(CaptureRequest::PATH, "/ams/api/v1/payments/capture");
//! assert_eq!(CaptureRequest::RETRY, Retry::SameKey);
//! assert_eq!(request.idempotency_key(), Some("capture-1"));
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"captureRequestId":"capture-1","paymentId":"202611250000001","captureAmount":{"currency":"USD","value":"1000"}}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Areas are features
//!
//! Each area of the API is a module behind a cargo feature of the same name,
//! so a merchant compiles only what it uses: `payments` (the default: `pay`,
//! `consult`, sessions, `capture`, `cancel`, `refund`, inquiries and their
//! notifications), `aba`, `agentic`, `auth`, `billing`, `customs`,
//! `disputes`, `marketplace`, `merchant`, `meter`, `reserve`, `risk`,
//! `subscriptions`, `tax`, `users`, `vaulting`, or `full` for all of them.
//! [`models`] holds the types several areas share, and [`catalog`] lists
//! every API and notification kind of the enabled areas as data.
//!
//! Requests serialize and replies deserialize; `full-serde` adds the other
//! direction to every type, for gateways, proxies and tools. `aws-lc-rs`
//! (default) and `rust-crypto` choose the crypto backend of
//! `alipay-ams-core`, which needs one to compile; the models sign nothing.
//!
//! # How a generated type behaves
//!
//! - `new(required...)` takes the required fields; `with_x(..)` sets an
//!   optional one; fields are public (`Option` unless required).
//! - Structs and enums are `#[non_exhaustive]`: a field Alipay adds later is
//!   a new optional field, and a value this version does not know arrives
//!   as the enum's `Other(text)` instead of failing the whole reply.
//! - `Debug` shows which fields are set, never their values (bodies carry
//!   personal and card data); `validate()` checks lengths and the fields
//!   that go together before anything is sent.
//!
//! The types are generated from a checked-in description of Alipay's API
//! (<https://docs.antom.com/ac/ams/api>) by the repository's `tools/codegen`;
//! what each API means beyond its wire format lives beside them, by hand
//! ([`checkout`] for the one-time-payment checkout).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catalog_types;
#[cfg(feature = "payments")]
pub mod checkout;
mod generated;
mod support;

pub use catalog_types::*;
pub use generated::*;

/// The README's examples compile and run.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

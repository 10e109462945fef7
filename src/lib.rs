#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use alipay_ams_core::*;

/// Payments: the checkout APIs and their notification kinds.
pub use alipay_ams_api::payments;

/// The outbound client: signed requests, verified responses, idempotent retries.
#[cfg(feature = "client")]
pub use alipay_ams_client as client;

/// Inbound notifications: the `NotifyHandler` trait and the tower `NotifyService`.
#[cfg(feature = "notify")]
pub use alipay_ams_notify as notify;

/// The local sandbox gateway.
#[cfg(feature = "sandbox")]
pub use alipay_ams_sandbox as sandbox;

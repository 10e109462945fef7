//! alipay-ams: the Rust SDK for Alipay's global merchant API (AMS, Antom).
//!
//! This facade re-exports the workspace crates:
//! - the protocol core (keys, signing, wire types) at the top level;
//! - [`client`] (feature `client`, default): the outbound client;
//! - [`notify`] (feature `notify`, default): the inbound notification service;
//! - `sandbox` (feature `sandbox`): the local gateway for tests and examples.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use alipay_ams_core::*;

/// The outbound client: signed requests, verified responses, idempotent retries.
#[cfg(feature = "client")]
pub use alipay_ams_client as client;

/// Inbound notifications: the `NotifyHandler` trait and the tower `NotifyService`.
#[cfg(feature = "notify")]
pub use alipay_ams_notify as notify;

/// The local sandbox gateway.
#[cfg(feature = "sandbox")]
pub use alipay_ams_sandbox as sandbox;

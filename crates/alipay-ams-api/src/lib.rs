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

mod catalog_types;
#[cfg(feature = "payments")]
pub mod checkout;
mod generated;
mod support;

pub use catalog_types::*;
pub use generated::*;

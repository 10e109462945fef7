//! The Alipay AMS (Antom) protocol, without I/O: keys, RSA-SHA256 signing and
//! verification byte-exact with Alipay's SDKs, the `Signature` header, and the
//! wire types of `capture` and `notifyCapture`.
//!
//! ```
//! use alipay_ams_core::{Message, PrivateKey, PublicKey};
//!
//! let merchant = PrivateKey::parse(include_str!("../../../keys-example/merchant/private_key.pem"))?;
//! let body = br#"{"captureRequestId":"c-1"}"#;
//! let message = Message::request("/ams/api/v1/payments/capture", "SANDBOX_5X00000000000000", "1685599933871", body);
//! let header = message.sign(&merchant, 1)?.to_string();
//! assert!(header.starts_with("algorithm=RSA256,keyVersion=1,signature="));
//!
//! // Alipay's side: the merchant's uploaded public key verifies it...
//! let uploaded = PublicKey::parse(include_str!("../../../keys-example/merchant/public_key.b64"))?;
//! assert!(message.verify(&uploaded, &header).is_ok());
//! // ...and one changed byte does not.
//! let tampered = Message::request("/ams/api/v1/payments/capture", "SANDBOX_5X00000000000000", "1685599933871", b"{}");
//! assert!(tampered.verify(&uploaded, &header).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod amount;
mod capture;
pub mod crypto;
mod der;
mod keys;
mod lenient;
mod message;
mod notification;
mod result;
mod signature;
pub mod time;

pub use amount::{Amount, AmountError, MAX_VALUE_LEN, currency_exponent};
pub use capture::{
    CAPTURE_PATH, CaptureNotification, CaptureRequest, CaptureResponse, InvalidField, MAX_ID_LEN,
    check_id,
};
pub use crypto::Backend;
pub use keys::{KeyError, MIN_KEY_BITS, PrivateKey, PublicKey, SignError};
pub use message::{Message, VerifyError};
pub use notification::{
    ACK_BODY, IdempotencyKey, Notification, NotifyType, REDELIVERY_SCHEDULE_SECS,
};
pub use result::{ResultCode, ResultInfo, ResultStatus};
pub use signature::{ALGORITHM_RSA256, DEFAULT_KEY_VERSION, SignatureHeader, SignatureHeaderError};

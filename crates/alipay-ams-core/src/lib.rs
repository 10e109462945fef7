//! The Alipay AMS (Antom) protocol, without I/O: keys, RSA-SHA256 signing and
//! verification byte-exact with Alipay's SDKs, the `Signature` header, the
//! protocol's constants, the shared wire types (`Amount`, `ResultInfo`), and
//! the two traits every API model implements: [`ApiRequest`] and
//! [`NotificationKind`].
//!
//! ```
//! use alipay_ams_core::{Message, PrivateKey, PublicKey};
//!
//! // A TEST-ONLY key shipped with this crate's tests; yours comes from your
//! // secret store: PrivateKey::from_file("private_key.pem")? (PEM PKCS#8 or
//! // PKCS#1, the Dashboard's bare base64, or DER).
//! let merchant = PrivateKey::parse(include_str!("../tests/keys/merchant_pkcs1.pem"))?;
//! let body = br#"{"captureRequestId":"c-1"}"#;
//! let message = Message::request("/ams/api/v1/payments/capture", "SANDBOX_5X00000000000000", "1685599933871", body);
//! let header = message.sign(&merchant, 1)?.to_string();
//! assert!(header.starts_with("algorithm=RSA256,keyVersion=1,signature="));
//!
//! // Alipay's side: the public key the merchant uploaded to the Antom
//! // Dashboard (one line of base64) verifies it...
//! let uploaded = PublicKey::parse(&merchant.public_key().to_spki_base64())?;
//! assert!(message.verify(&uploaded, &header).is_ok());
//! // ...and a changed body does not.
//! let tampered = Message::request("/ams/api/v1/payments/capture", "SANDBOX_5X00000000000000", "1685599933871", b"{}");
//! assert!(tampered.verify(&uploaded, &header).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crypto backends
//!
//! Two cargo features choose the RSA implementation (at least one is needed):
//!
//! - `aws-lc-rs` (default): AWS-LC, fast, needs a C compiler to build.
//! - `rust-crypto`: the pure-Rust `rsa` and `sha2` crates, for targets
//!   without a C toolchain.
//!
//! With both, keys are parsed for `aws-lc-rs` ([`Backend::DEFAULT`]); the two
//! sign byte-identically.
//!
//! The client, the notification endpoint and the sandbox sign and verify for
//! you; use this crate directly for another HTTP stack, or to sign and verify
//! by hand (<https://docs.antom.com/ac/ams/digital_signature>).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod amount;
mod api;
pub mod crypto;
mod der;
pub mod env;
mod fields;
mod keys;
pub mod lenient;
mod message;
mod notification;
pub mod protocol;
mod result;
mod signature;
mod string_enum;
pub mod time;

pub use amount::{Amount, AmountError, MAX_VALUE_LEN, currency_exponent};
pub use api::{ApiRequest, DEFAULT_UNKNOWN_OUTCOME_ADVICE, ReplyMismatch, Retry};
pub use crypto::Backend;
pub use fields::{InvalidField, MAX_ID_LEN, check_id, check_required_text, check_text};
pub use keys::{KeyError, MIN_KEY_BITS, PrivateKey, PublicKey, SignError};
pub use message::{Message, VerifyError};
pub use notification::{DedupKey, Discriminator, NotificationKind, Peek, PeekError};
pub use protocol::{ACK_BODY, Environment, REDELIVERY_SCHEDULE_SECS};
pub use result::{ResultCode, ResultInfo, ResultStatus};
pub use signature::{ALGORITHM_RSA256, DEFAULT_KEY_VERSION, SignatureHeader, SignatureHeaderError};

/// The README's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

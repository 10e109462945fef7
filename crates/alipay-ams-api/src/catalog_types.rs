//! The shapes of the generated catalogue ([`crate::catalog`]): every API and
//! notification kind of the enabled areas as data, for tools that work by
//! path (the CLI's `apis` and `call`) or by body (a router of every kind).

use alipay_ams_core::Retry;

/// How an API is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// A signed JSON body, like every API but two.
    Json,
    /// A multipart upload to Alipay's file hosts (`billing/product/uploadImage`).
    Multipart,
    /// An unsigned HTTP/2 stream with a session header (`meter/uploadEvent`).
    UnsignedHttp2,
}

/// One API of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The API's name in Alipay's documentation (`capture`).
    pub name: &'static str,
    /// Its production path.
    pub path: &'static str,
    /// Its area (the cargo feature that compiles it).
    pub area: &'static str,
    /// Whether an unknown outcome may be resolved by sending it again.
    pub retry: Retry,
    /// The wire name of its idempotency field, if any.
    pub idempotency_field: Option<&'static str>,
    /// How it is sent.
    pub transport: Transport,
}

/// One notification kind of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationInfo {
    /// Its name in Alipay's documentation (`notifyCapture`).
    pub name: &'static str,
    /// Its area.
    pub area: &'static str,
}

/// Works with the request type of an API chosen at run time
/// ([`crate::catalog::visit_operation`]).
#[cfg(feature = "full-serde")]
pub trait OperationVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the API's request type.
    fn visit<R>(self) -> Self::Output
    where
        R: alipay_ams_core::ApiRequest + serde::de::DeserializeOwned + Send + 'static,
        R::Response: serde::Serialize + Sync;
}

/// Works with the payload type of a notification kind chosen at run time
/// ([`crate::catalog::visit_notification`]).
#[cfg(feature = "full-serde")]
pub trait NotificationVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the kind's payload type.
    fn visit<K>(self) -> Self::Output
    where
        K: alipay_ams_core::NotificationKind + serde::Serialize + Sync;
}

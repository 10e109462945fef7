//! Why the sandbox did not start or refused something. Every message says
//! what to change.

use std::net::SocketAddr;

use alipay_ams_core::{AmountError, KeyError, SignError};

use crate::fault::Fault;
use crate::state::PaymentStatus;

/// Why the sandbox did not start, or refused a request of its handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key was not given to the builder.
    #[error(
        "no {0} was given: pass it to the builder, or use Sandbox::with_example_keys() in tests"
    )]
    MissingKey(&'static str),
    /// A key could not be read.
    #[error("cannot read a key: {0}")]
    Key(#[from] KeyError),
    /// The time scale is negative or not a number.
    #[error(
        "time scale {0} must be a finite number >= 0 (1.0 = Alipay's real schedule, 0.001 = a thousand times faster)"
    )]
    TimeScale(f64),
    /// The client id cannot be sent in a header.
    #[error("client id {0:?} must be non-empty visible ASCII, such as SANDBOX_5X00000000000000")]
    ClientId(String),
    /// The default notify URL is unusable.
    #[error(transparent)]
    NotifyUrl(#[from] NotifyUrlError),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}; choose a free port, or port 0 for any")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// HTTPS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A payment could not be created.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// A fault was armed for an API or notification kind this sandbox does
    /// not serve, so it could never fire.
    #[error(
        "the sandbox does not serve the {what} {name:?}, so a fault for it would never fire; it serves: {served}"
    )]
    NotServed {
        /// `API` or `notification kind`.
        what: &'static str,
        /// The name asked for (`refund`, `notifyRefund`).
        name: &'static str,
        /// The names it serves, comma-separated.
        served: String,
    },
    /// A fault was armed for an API it cannot apply to (`in_process` for
    /// an API without an "in process" result code).
    #[error(
        "fault {fault} cannot apply to {api}, which has no \"in process\" result code; arm unknown_exception for it instead (in_process applies to: {applies_to})"
    )]
    FaultNotApplicable {
        /// The fault.
        fault: Fault,
        /// The API (`cancel`).
        api: &'static str,
        /// The APIs it applies to, with their codes.
        applies_to: String,
    },
    /// The payment page's buyer could not act.
    #[error(transparent)]
    Buyer(#[from] BuyerError),
    /// The builder's default payment expiry is zero.
    #[error("the payment expiry must be more than zero (Alipay's default is 14 minutes)")]
    PaymentExpiry,
}

/// Why a buyer's action (or a forced expiry) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuyerError {
    /// No payment has this id.
    #[error("no payment {0}; create one with pay (or createPaymentSession)")]
    UnknownPayment(String),
    /// The payment no longer waits for the buyer.
    #[error(
        "payment {payment_id} is {status}, no longer waiting for the buyer: only a payment that pay answered with PAYMENT_IN_PROCESS (status AWAITING_BUYER) takes a buyer's action; start a new payment with a new paymentRequestId"
    )]
    NotAwaitingBuyer {
        /// The payment.
        payment_id: String,
        /// Where it is.
        status: PaymentStatus,
    },
    /// A decline's result code is not one.
    #[error(
        "result code {0:?} is not an F result code: give upper-case letters, digits and _ (such as RISK_REJECT), not SUCCESS"
    )]
    ResultCode(String),
}

/// Why a notify URL cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyUrlError {
    /// Not a URL at all.
    #[error(
        "notify URL {url:?} is not a URL ({source}); give an absolute http URL such as http://127.0.0.1:9000/notify"
    )]
    NotAUrl {
        /// The text given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// A URL the sandbox cannot post to: relative, or not `http://`.
    #[error(
        "notify URL {url:?} must be an absolute http:// URL such as http://127.0.0.1:9000/notify (the sandbox delivers notifications over plain http)"
    )]
    NotHttp {
        /// The text given.
        url: String,
    },
}

/// Checks that the sandbox can deliver to `url`.
pub(crate) fn check_notify_url(url: &str) -> Result<http::Uri, NotifyUrlError> {
    let uri: http::Uri = url.parse().map_err(|source| NotifyUrlError::NotAUrl {
        url: url.to_owned(),
        source,
    })?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(NotifyUrlError::NotHttp {
            url: url.to_owned(),
        });
    }
    Ok(uri)
}

/// Why HTTPS could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The sandbox was built without its `tls` feature.
    #[error(
        "this build of alipay-ams-sandbox has no `tls` feature: rebuild it with the feature (on by default), or serve plain http"
    )]
    FeatureOff,
    /// The throwaway CA, the certificate or the TLS configuration could not
    /// be made.
    #[error(
        "cannot make the {what} for HTTPS: {source}; serve plain http instead (drop --tls / .tls(true))"
    )]
    Setup {
        /// What was being made (`CA certificate`, `server key`, ...).
        what: &'static str,
        /// The TLS library's reason.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why a payment could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The amount is not an amount.
    #[error(
        "paymentAmount is invalid: {0}; give it as {{\"currency\":\"USD\",\"value\":\"10000\"}} (value in minor units)"
    )]
    Amount(#[from] AmountError),
    /// The amount is zero.
    #[error("paymentAmount must be more than zero")]
    ZeroAmount,
    /// The payment's notify URL is unusable.
    #[error(transparent)]
    NotifyUrl(#[from] NotifyUrlError),
}

/// Why a signed notification request could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The notification did not serialize to JSON.
    #[error(
        "cannot serialize the notification to JSON: {0}; its Serialize impl must produce a JSON object"
    )]
    Serialize(#[from] serde_json::Error),
    /// The notify target is neither a path nor a URL.
    #[error(
        "notify target {target:?} is neither a path such as /alipay/notify nor a URL such as http://127.0.0.1:3000/alipay/notify ({source})"
    )]
    Target {
        /// The text given.
        target: String,
        /// Why it does not parse.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The client id cannot be sent in a header.
    #[error(
        "client id {0:?} cannot be sent in a header: use visible ASCII such as SANDBOX_5X00000000000000"
    )]
    ClientId(String),
    /// Signing failed.
    #[error(
        "cannot sign the notification ({0}); pass the Alipay private key the merchant's endpoint verifies against"
    )]
    Sign(#[from] SignError),
    /// The request could not be assembled.
    #[error("cannot build the notification request: {0}")]
    Request(#[from] http::Error),
}

//! An API described as data: the [`ApiRequest`] trait. A request type names
//! its path, its response type, its idempotency key and whether it may be
//! sent again; the transport (the client crate) does the rest, and a gateway
//! (the sandbox) routes by the same description. Nothing here does I/O.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fields::InvalidField;

/// Whether a request whose outcome is unknown (timeout, `U`, unverifiable
/// reply) may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// Never: sending it twice could act twice (and there is no key Alipay
    /// deduplicates by).
    Never,
    /// Only byte-identical, under the same idempotency key, which Alipay
    /// deduplicates by: money movements (`capture`, `refund`, `pay`).
    SameKey,
    /// Always: it changes nothing (inquiries, `consult`).
    Always,
}

/// A reply that answers another request: an echoed identifier differs from
/// what was sent. Alipay's signature covers the reply alone, so a recorded
/// genuine reply could otherwise be replayed as the answer to a new request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the reply's {field} is {received:?} but the request sent {sent:?}")]
pub struct ReplyMismatch {
    /// The wire name of the echoed field (`captureRequestId`, `captureAmount.value`).
    pub field: &'static str,
    /// What the request carried.
    pub sent: String,
    /// What the reply carried (`None`: absent).
    pub received: Option<String>,
}

impl ReplyMismatch {
    /// Compares one echoed field: `Ok` when the reply carries what was sent.
    pub fn check(field: &'static str, sent: &str, received: Option<&str>) -> Result<(), Self> {
        if received == Some(sent) {
            Ok(())
        } else {
            Err(ReplyMismatch {
                field,
                sent: sent.to_owned(),
                received: received.map(str::to_owned),
            })
        }
    }
}

/// The advice given when an outcome stays unknown, unless an API has its own.
pub const DEFAULT_UNKNOWN_OUTCOME_ADVICE: &str = "wait for Alipay's notification or inquire the result; \
    to retry, send the same request with the same idempotency key, never a new one";

/// The request body of one Alipay API: everything a transport needs to call it.
///
/// One file holds the model, this impl and the response type. An inquiry:
///
/// ```
/// use alipay_ams_core::{ApiRequest, InvalidField, ResultInfo, Retry, check_id};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize)]
/// #[serde(rename_all = "camelCase")]
/// struct InquiryRefundRequest { refund_request_id: String }
///
/// #[derive(Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct InquiryRefundResponse { result: ResultInfo, refund_status: Option<String> }
///
/// impl ApiRequest for InquiryRefundRequest {
///     const NAME: &'static str = "inquiryRefund";
///     const PATH: &'static str = "/ams/api/v1/payments/inquiryRefund";
///     // Read-only: asking again is always safe.
///     const RETRY: Retry = Retry::Always;
///     type Response = InquiryRefundResponse;
///     fn validate(&self) -> Result<(), InvalidField> { check_id("refundRequestId", &self.refund_request_id) }
/// }
/// ```
pub trait ApiRequest: Serialize + Sync {
    /// The API's name in Alipay's documentation, for logs and errors (`capture`).
    const NAME: &'static str;
    /// The production path (`/ams/api/v1/payments/capture`); sandbox clients
    /// call it through [`Environment::path`](crate::Environment::path).
    const PATH: &'static str;
    /// Whether an unknown outcome may be resolved by sending it again.
    const RETRY: Retry;
    /// The wire name of the idempotency field (`captureRequestId`), if any.
    const IDEMPOTENCY_FIELD: Option<&'static str> = None;
    /// What to do when the outcome stays unknown after every allowed attempt:
    /// which notification to wait for, which inquiry to make.
    const UNKNOWN_OUTCOME_ADVICE: &'static str = DEFAULT_UNKNOWN_OUTCOME_ADVICE;
    /// Result codes that, with status `U` in a verified reply, are a
    /// definite answer rather than an unknown outcome: the request was
    /// accepted and now waits on someone else (`pay`'s `PAYMENT_IN_PROCESS`:
    /// waiting for the buyer; `refund`'s `REFUND_IN_PROCESS`: processing
    /// asynchronously). Such a reply is parsed as [`Response`](Self::Response)
    /// and checked like an `S`; if it does not parse, the outcome stays
    /// unknown.
    const PENDING_CODES: &'static [&'static str] = &[];
    /// The typed body of a successful (`S`) reply.
    type Response: DeserializeOwned + Send;

    /// The value of the idempotency field, which Alipay deduplicates by.
    /// [`Retry::SameKey`] requests are sent again only when it is `Some`.
    fn idempotency_key(&self) -> Option<&str> {
        None
    }

    /// Checks what Alipay would refuse with `PARAM_ILLEGAL`, before anything
    /// is sent.
    fn validate(&self) -> Result<(), InvalidField> {
        Ok(())
    }

    /// Checks that a verified `S` reply answers this request: the identifiers
    /// it echoes (ids, amounts) are the ones sent. A mismatch makes the
    /// outcome unknown, never a success.
    fn check_reply(&self, _response: &Self::Response) -> Result<(), ReplyMismatch> {
        Ok(())
    }

    /// Whether a reply's `result` is a definite answer: `S`, or `U` with one
    /// of [`PENDING_CODES`](Self::PENDING_CODES).
    fn is_answer(result: &crate::ResultInfo) -> bool {
        match result.result_status {
            crate::ResultStatus::Success => true,
            crate::ResultStatus::Unknown => {
                Self::PENDING_CODES.contains(&result.result_code.as_str())
            }
            crate::ResultStatus::Failed => false,
        }
    }

    /// Whether an unknown outcome may be resolved by sending this request
    /// again: [`Retry::Always`], or [`Retry::SameKey`] with a key.
    fn may_retry(&self) -> bool {
        match Self::RETRY {
            Retry::Never => false,
            Retry::SameKey => self.idempotency_key().is_some(),
            Retry::Always => true,
        }
    }
}

//! `capture`: take the money of an authorized payment (SPEC §2), and the
//! `notifyCapture` notification that reports its final result (SPEC §3).

use serde::{Deserialize, Serialize};

use crate::amount::{Amount, AmountError};
use crate::lenient;
use crate::result::ResultInfo;

/// The production path of `capture`. The sandbox path is the same with
/// `/ams/sandbox/api/` in place of `/ams/api/`.
pub const CAPTURE_PATH: &str = "/ams/api/v1/payments/capture";

/// The longest id Alipay accepts (`captureRequestId`, `paymentId`, ...).
pub const MAX_ID_LEN: usize = 64;

/// A request field that Alipay would refuse with PARAM_ILLEGAL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidField {
    /// An empty id.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// An id over 64 characters.
    #[error("{field} is {len} characters long; Alipay accepts at most {MAX_ID_LEN}")]
    TooLong {
        /// The field name.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// A bad amount.
    #[error("{field}: {source}")]
    Amount {
        /// The field name.
        field: &'static str,
        /// What is wrong with it.
        #[source]
        source: AmountError,
    },
}

/// Checks an id field: 1 to 64 characters.
pub fn check_id(field: &'static str, value: &str) -> Result<(), InvalidField> {
    let len = value.chars().count();
    if value.trim().is_empty() {
        Err(InvalidField::Empty(field))
    } else if len > MAX_ID_LEN {
        Err(InvalidField::TooLong { field, len })
    } else {
        Ok(())
    }
}

/// The body of a `capture` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureRequest {
    /// Your id for this capture; the idempotency key. Reuse it for every retry
    /// of the same capture, never for a different one.
    #[serde(deserialize_with = "lenient::string")]
    pub capture_request_id: String,
    /// Alipay's id of the authorized payment.
    #[serde(deserialize_with = "lenient::string")]
    pub payment_id: String,
    /// How much to capture, in the payment's currency.
    pub capture_amount: Amount,
    /// Whether this is the last capture of the payment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_bool"
    )]
    pub is_last_capture: Option<bool>,
    /// The type of capture (values undocumented by Alipay).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub capture_type: Option<String>,
}

impl CaptureRequest {
    /// A capture of `amount` of payment `payment_id` under `capture_request_id`.
    pub fn new(
        capture_request_id: impl Into<String>,
        payment_id: impl Into<String>,
        amount: Amount,
    ) -> Self {
        CaptureRequest {
            capture_request_id: capture_request_id.into(),
            payment_id: payment_id.into(),
            capture_amount: amount,
            is_last_capture: None,
            capture_type: None,
        }
    }

    /// Marks this as the last capture of the payment.
    pub fn last_capture(mut self, last: bool) -> Self {
        self.is_last_capture = Some(last);
        self
    }

    /// Checks what Alipay would refuse with PARAM_ILLEGAL, before anything is sent.
    pub fn validate(&self) -> Result<(), InvalidField> {
        check_id("captureRequestId", &self.capture_request_id)?;
        check_id("paymentId", &self.payment_id)?;
        self.capture_amount
            .validate()
            .map_err(|source| InvalidField::Amount {
                field: "captureAmount",
                source,
            })
    }
}

/// The body of a `capture` response. Fields other than `result` are present
/// when the capture succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureResponse {
    /// The outcome.
    pub result: ResultInfo,
    /// Your capture request id, echoed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub capture_request_id: Option<String>,
    /// Alipay's id for this capture (needed to refund one of several captures).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub capture_id: Option<String>,
    /// Alipay's payment id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub payment_id: Option<String>,
    /// The captured amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_amount: Option<Amount>,
    /// When Alipay captured, ISO 8601 with offset.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub capture_time: Option<String>,
    /// The non-Alipay acquirer's reference for the transaction.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub acquirer_reference_no: Option<String>,
}

impl CaptureResponse {
    /// A response carrying only a result (what failures look like).
    pub fn from_result(result: ResultInfo) -> Self {
        CaptureResponse {
            result,
            capture_request_id: None,
            capture_id: None,
            payment_id: None,
            capture_amount: None,
            capture_time: None,
            acquirer_reference_no: None,
        }
    }
}

/// `notifyCapture`: the final result (S or F) of a capture, posted by Alipay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureNotification {
    /// Always `CAPTURE_RESULT`.
    pub notify_type: crate::notification::NotifyType,
    /// The capture's result: S captured, F failed.
    pub result: ResultInfo,
    /// Your capture request id.
    #[serde(deserialize_with = "lenient::string")]
    pub capture_request_id: String,
    /// Alipay's payment id.
    #[serde(deserialize_with = "lenient::string")]
    pub payment_id: String,
    /// Alipay's capture id.
    #[serde(deserialize_with = "lenient::string")]
    pub capture_id: String,
    /// The amount captured.
    pub capture_amount: Amount,
    /// When Alipay captured.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub capture_time: Option<String>,
    /// The non-Alipay acquirer's reference.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub acquirer_reference_no: Option<String>,
    /// Acquirer details, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<serde_json::Value>,
}

impl CaptureNotification {
    /// A notification for a capture (what the sandbox sends).
    pub fn new(
        result: ResultInfo,
        capture_request_id: impl Into<String>,
        payment_id: impl Into<String>,
        capture_id: impl Into<String>,
        capture_amount: Amount,
    ) -> Self {
        CaptureNotification {
            notify_type: crate::notification::NotifyType::CaptureResult,
            result,
            capture_request_id: capture_request_id.into(),
            payment_id: payment_id.into(),
            capture_id: capture_id.into(),
            capture_amount,
            capture_time: None,
            acquirer_reference_no: None,
            acquirer_info: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_like_the_sdks_and_omits_absent_optionals() {
        let req = CaptureRequest::new("cr-1", "pay-1", Amount::new("USD", "1000").unwrap());
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"captureRequestId":"cr-1","paymentId":"pay-1","captureAmount":{"currency":"USD","value":"1000"}}"#
        );
        let last = req.last_capture(true);
        assert!(
            serde_json::to_string(&last)
                .unwrap()
                .ends_with(r#""isLastCapture":true}"#)
        );
    }

    #[test]
    fn reads_leniently() {
        let req: CaptureRequest = serde_json::from_str(
            r#"{"captureRequestId":123,"paymentId":"p","captureAmount":{"currency":"USD","value":5},"isLastCapture":"true","future":{}}"#,
        )
        .unwrap();
        assert_eq!(req.capture_request_id, "123");
        assert_eq!(req.is_last_capture, Some(true));
    }

    #[test]
    fn validation_names_the_field() {
        let long = "x".repeat(65);
        let req = CaptureRequest::new(long, "p", Amount::new("USD", "1").unwrap());
        assert_eq!(
            req.validate(),
            Err(InvalidField::TooLong {
                field: "captureRequestId",
                len: 65
            })
        );
        let req = CaptureRequest::new("c", " ", Amount::new("USD", "1").unwrap());
        assert_eq!(req.validate(), Err(InvalidField::Empty("paymentId")));
    }
}

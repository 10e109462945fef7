//! `capture`: take the money of an authorized card payment, in full or in
//! part. Its final result also arrives as `notifyCapture`.
//! <https://docs.antom.com/ac/ams/capture>

use alipay_ams_core::lenient;
use alipay_ams_core::{
    Amount, ApiRequest, InvalidField, ReplyMismatch, ResultInfo, Retry, check_id,
};
use serde::{Deserialize, Serialize};

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
}

impl ApiRequest for CaptureRequest {
    const NAME: &'static str = "capture";
    const PATH: &'static str = "/ams/api/v1/payments/capture";
    const RETRY: Retry = Retry::SameKey;
    const IDEMPOTENCY_FIELD: Option<&'static str> = Some("captureRequestId");
    const UNKNOWN_OUTCOME_ADVICE: &'static str = "wait for notifyCapture, or call inquiryPayment for this paymentId; \
        to retry, send the same request with the SAME captureRequestId, and never capture again under a new \
        captureRequestId (that could capture twice)";
    type Response = CaptureResponse;

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.capture_request_id)
    }

    fn validate(&self) -> Result<(), InvalidField> {
        check_id("captureRequestId", &self.capture_request_id)?;
        check_id("paymentId", &self.payment_id)?;
        self.capture_amount
            .validate()
            .map_err(|source| InvalidField::Amount {
                field: "captureAmount",
                source,
            })
    }

    fn check_reply(&self, response: &CaptureResponse) -> Result<(), ReplyMismatch> {
        ReplyMismatch::check(
            "captureRequestId",
            &self.capture_request_id,
            Some(&response.capture_request_id),
        )?;
        ReplyMismatch::check("paymentId", &self.payment_id, Some(&response.payment_id))?;
        ReplyMismatch::check(
            "captureAmount.currency",
            self.capture_amount.currency(),
            Some(response.capture_amount.currency()),
        )?;
        ReplyMismatch::check(
            "captureAmount.value",
            self.capture_amount.value(),
            Some(response.capture_amount.value()),
        )
    }
}

/// The body of a successful (`S`) `capture` reply. The ids and the amount are
/// always there on success: a reply that says S without them is not taken as
/// a success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureResponse {
    /// The outcome (S).
    pub result: ResultInfo,
    /// Your capture request id, echoed.
    #[serde(deserialize_with = "lenient::string")]
    pub capture_request_id: String,
    /// Alipay's id for this capture (needed to refund one of several captures).
    #[serde(deserialize_with = "lenient::string")]
    pub capture_id: String,
    /// Alipay's payment id, echoed.
    #[serde(deserialize_with = "lenient::string")]
    pub payment_id: String,
    /// The captured amount.
    pub capture_amount: Amount,
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
    /// A successful reply for `request` (what a gateway, such as the sandbox,
    /// answers).
    pub fn success(request: &CaptureRequest, capture_id: impl Into<String>) -> Self {
        CaptureResponse {
            result: ResultInfo::success(),
            capture_request_id: request.capture_request_id.clone(),
            capture_id: capture_id.into(),
            payment_id: request.payment_id.clone(),
            capture_amount: request.capture_amount.clone(),
            capture_time: None,
            acquirer_reference_no: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(v: &str) -> Amount {
        Amount::from_minor_units_str("USD", v).unwrap()
    }

    #[test]
    fn writes_like_the_sdks_and_omits_absent_optionals() {
        let req = CaptureRequest::new("cr-1", "pay-1", usd("1000"));
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
        let req = CaptureRequest::new("x".repeat(65), "p", usd("1"));
        assert_eq!(
            req.validate(),
            Err(InvalidField::TooLong {
                field: "captureRequestId",
                len: 65,
                max: 64
            })
        );
        let req = CaptureRequest::new("c", " ", usd("1"));
        assert_eq!(req.validate(), Err(InvalidField::Empty("paymentId")));
    }

    #[test]
    fn a_success_without_its_ids_does_not_parse() {
        let missing = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S"},"captureRequestId":"c","paymentId":"p","captureAmount":{"currency":"USD","value":"1"}}"#;
        assert!(serde_json::from_str::<CaptureResponse>(missing).is_err());
    }

    #[test]
    fn a_reply_for_another_request_is_a_mismatch() {
        let req = CaptureRequest::new("c1", "p1", usd("1000"));
        let reply = CaptureResponse::success(&req, "cap-1");
        assert_eq!(req.check_reply(&reply), Ok(()));
        let other = CaptureRequest::new("c2", "p1", usd("1000"));
        assert_eq!(
            other.check_reply(&reply).unwrap_err().field,
            "captureRequestId"
        );
        let more = CaptureRequest::new("c1", "p1", usd("99999"));
        assert_eq!(
            more.check_reply(&reply).unwrap_err().field,
            "captureAmount.value"
        );
    }
}

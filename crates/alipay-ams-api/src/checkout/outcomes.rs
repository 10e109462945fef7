//! What the answers of `capture`, `refund` and `cancel` mean.
//! <https://docs.antom.com/ac/ams/capture>,
//! <https://docs.antom.com/ac/ams/refund_online>,
//! <https://docs.antom.com/ac/ams/paymentc_online>

use alipay_ams_core::{ApiRequest, InvalidField, ResultInfo, ResultStatus};

use super::Checkout;
use crate::payments::{
    CancelRequest, CancelResponse, CaptureRequest, CaptureResponse, RefundRequest, RefundResponse,
};

/// `refund`'s `U` code that means "accepted, processed asynchronously".
pub const REFUND_IN_PROCESS: &str = "REFUND_IN_PROCESS";

/// `cancel`'s refusal once the payment method's cancellation window has
/// passed: "initiate a refund instead".
pub const CANCEL_WINDOW_EXCEED: &str = "CANCEL_WINDOW_EXCEED";

/// What a `capture` answer means. (A `U` such as `CAPTURE_IN_PROCESS` is
/// not an answer: the outcome is unknown; settle it with `Client::resolve`
/// or wait for `notifyCapture`.)
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one outcome per call, matched at once: boxing the answer would only make matching clumsier"
)]
pub enum CaptureOutcome {
    /// `S`: captured; the money moves to you (`captureId`).
    Captured(CaptureResponse),
    /// `F`: refused; final for this `captureRequestId` (e.g.
    /// `AUTH_EXPIRED`, `CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT`). A new attempt
    /// needs a new `captureRequestId`, and only once you know this one did
    /// not capture (it did not: it was refused).
    Failed(ResultInfo),
}

/// What a `refund` answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum RefundOutcome {
    /// `S`: refunded, synchronously (all Alipay+ wallets, for one). No
    /// `notifyRefund` follows: do not wait for one.
    Refunded(RefundResponse),
    /// `U` `REFUND_IN_PROCESS`: accepted, finishing asynchronously. The
    /// result comes by `notifyRefund` (to `refundNotifyUrl`) or by
    /// `inquiryRefund`; sending the same request again (same
    /// `refundRequestId`) is safe, a new `refundRequestId` is not.
    Processing(RefundResponse),
    /// `F`: refused; final for this `refundRequestId` (e.g.
    /// `REFUND_AMOUNT_EXCEED`, `REFUND_WINDOW_EXCEED`; for a card payment
    /// not yet captured, `ORDER_STATUS_INVALID`: cancel it instead).
    Failed(ResultInfo),
}

/// What a `cancel` answer means. No notification follows a cancellation:
/// this answer (or `inquiryPayment` showing `CANCELLED`) is the result.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// `S`: cancelled. An unpaid payment can no longer be paid; a paid one
    /// is returned to the buyer; an authorization is released.
    Cancelled(CancelResponse),
    /// `F` `CANCEL_WINDOW_EXCEED`: the payment method's cancellation window
    /// has passed (for cards: the payment was captured). Refund instead.
    RefundInstead(ResultInfo),
    /// Any other `F` (e.g. `ORDER_NOT_EXIST`, `ORDER_STATUS_INVALID`).
    Failed(ResultInfo),
}

impl Checkout for CaptureRequest {
    type Outcome = CaptureOutcome;

    const RESOLVE_ADVICE: &'static str = "call Client::resolve with this request: it inquires \
        (inquiryPayment for this paymentId, whose transactions show the capture) until the capture \
        is final; or wait for notifyCapture. To retry, send the same request with the SAME \
        captureRequestId, and never capture again under a new captureRequestId (that could capture \
        twice)";

    fn outcome(&self, response: CaptureResponse) -> Option<CaptureOutcome> {
        match response.result.result_status {
            ResultStatus::Success => Some(CaptureOutcome::Captured(response)),
            ResultStatus::Failed => Some(CaptureOutcome::Failed(response.result)),
            ResultStatus::Unknown => None,
        }
    }

    fn refusal(&self, result: &ResultInfo) -> Option<CaptureOutcome> {
        Some(CaptureOutcome::Failed(result.clone()))
    }
}

impl Checkout for RefundRequest {
    type Outcome = RefundOutcome;

    const RESOLVE_ADVICE: &'static str = "call Client::resolve with this request: it inquires \
        (inquiryRefund with this refundRequestId) until the refund is final; or wait for \
        notifyRefund. To retry, send the same request with the SAME refundRequestId, and never \
        refund again under a new refundRequestId (that could refund twice)";

    fn check_checkout(&self) -> Result<(), InvalidField> {
        super::rules::check_refund(self)
    }

    fn outcome(&self, response: RefundResponse) -> Option<RefundOutcome> {
        match response.result.result_status {
            ResultStatus::Success => Some(RefundOutcome::Refunded(response)),
            ResultStatus::Failed => Some(RefundOutcome::Failed(response.result)),
            ResultStatus::Unknown if RefundRequest::is_answer(&response.result) => {
                Some(RefundOutcome::Processing(response))
            }
            ResultStatus::Unknown => None,
        }
    }

    fn refusal(&self, result: &ResultInfo) -> Option<RefundOutcome> {
        Some(RefundOutcome::Failed(result.clone()))
    }
}

impl Checkout for CancelRequest {
    type Outcome = CancelOutcome;

    const RESOLVE_ADVICE: &'static str = "call Client::resolve with this request: it inquires \
        (inquiryPayment for this payment) until the cancellation shows; sending the same cancel \
        again is safe";

    fn outcome(&self, response: CancelResponse) -> Option<CancelOutcome> {
        match response.result.result_status {
            ResultStatus::Success => Some(CancelOutcome::Cancelled(response)),
            ResultStatus::Failed => self.refusal(&response.result),
            ResultStatus::Unknown => None,
        }
    }

    fn refusal(&self, result: &ResultInfo) -> Option<CancelOutcome> {
        Some(if result.result_code.as_str() == CANCEL_WINDOW_EXCEED {
            CancelOutcome::RefundInstead(result.clone())
        } else {
            CancelOutcome::Failed(result.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use alipay_ams_core::{Amount, ResultCode};

    fn amount() -> Amount {
        Amount::from_minor_units("USD", 500).unwrap()
    }

    fn refund_reply(status: &str, code: &str) -> RefundResponse {
        serde_json::from_str(&format!(
            r#"{{"result":{{"resultStatus":"{status}","resultCode":"{code}"}},"refundRequestId":"r-1",
            "refundId":"R1","paymentId":"P1","refundAmount":{{"currency":"USD","value":"500"}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_refund_is_refunded_on_s_processing_on_refund_in_process_and_nothing_on_other_u() {
        let request = RefundRequest::new("r-1", "P1", amount());
        assert_eq!(RefundRequest::PENDING_CODES, [REFUND_IN_PROCESS]);
        assert!(matches!(
            request.outcome(refund_reply("S", "SUCCESS")),
            Some(RefundOutcome::Refunded(r)) if r.refund_id == "R1"
        ));
        assert!(matches!(
            request.outcome(refund_reply("U", "REFUND_IN_PROCESS")),
            Some(RefundOutcome::Processing(_))
        ));
        assert_eq!(
            request.outcome(refund_reply("U", "UNKNOWN_EXCEPTION")),
            None
        );
        let refused = ResultInfo::new(
            ResultStatus::Failed,
            "REFUND_AMOUNT_EXCEED".into(),
            "too much",
        );
        assert_eq!(
            request.refusal(&refused),
            Some(RefundOutcome::Failed(refused.clone()))
        );
    }

    #[test]
    fn capture_in_process_is_not_an_answer() {
        let request = CaptureRequest::new("c-1", "P1", amount());
        let reply = |status: &str, code: &str| -> CaptureResponse {
            serde_json::from_str(&format!(
                r#"{{"result":{{"resultStatus":"{status}","resultCode":"{code}"}},"captureRequestId":"c-1",
                "captureId":"C1","paymentId":"P1","captureAmount":{{"currency":"USD","value":"500"}}}}"#
            ))
            .unwrap()
        };
        assert!(matches!(
            request.outcome(reply("S", "SUCCESS")),
            Some(CaptureOutcome::Captured(c)) if c.capture_id == "C1"
        ));
        assert_eq!(request.outcome(reply("U", "CAPTURE_IN_PROCESS")), None);
        let refused = ResultInfo::new(ResultStatus::Failed, ResultCode::AuthExpired, "expired");
        assert_eq!(
            request.refusal(&refused),
            Some(CaptureOutcome::Failed(refused.clone()))
        );
    }

    #[test]
    fn a_cancel_past_its_window_says_refund_instead() {
        let request = CancelRequest::new().with_payment_id("P1");
        let window = ResultInfo::new(ResultStatus::Failed, CANCEL_WINDOW_EXCEED.into(), "late");
        assert_eq!(
            request.refusal(&window),
            Some(CancelOutcome::RefundInstead(window.clone()))
        );
        let other = ResultInfo::new(ResultStatus::Failed, ResultCode::OrderStatusInvalid, "no");
        assert_eq!(
            request.refusal(&other),
            Some(CancelOutcome::Failed(other.clone()))
        );
        let cancelled: CancelResponse = serde_json::from_str(
            r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentId":"P1","paymentRequestId":"pay-1"}"#,
        )
        .unwrap();
        assert!(matches!(
            request.outcome(cancelled),
            Some(CancelOutcome::Cancelled(c)) if c.payment_request_id == "pay-1"
        ));
    }
}

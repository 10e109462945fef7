//! `notifyCapture`: the final result (S or F) of a capture, posted by Alipay
//! for manual and automatic captures.
//! <https://docs.antom.com/ac/ams/notify_capture>

use alipay_ams_core::lenient;
use alipay_ams_core::{Amount, DedupKey, Discriminator, NotificationKind, ResultInfo};
use serde::{Deserialize, Serialize};

alipay_ams_core::string_enum! {
    /// `notifyType` of the payments family.
    pub enum NotifyType {
        /// notifyCapture.
        CaptureResult = "CAPTURE_RESULT",
        /// notifyPayment, final result.
        PaymentResult = "PAYMENT_RESULT",
        /// notifyPayment, paid but awaiting the final result.
        PaymentPending = "PAYMENT_PENDING",
        /// notifyRefund.
        RefundResult = "REFUND_RESULT",
    }
}

/// `notifyCapture`: the final result (S or F) of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureNotification {
    /// Always `CAPTURE_RESULT`.
    pub notify_type: NotifyType,
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
    /// A notification for a capture (what a gateway, such as the sandbox, sends).
    pub fn new(
        result: ResultInfo,
        capture_request_id: impl Into<String>,
        payment_id: impl Into<String>,
        capture_id: impl Into<String>,
        capture_amount: Amount,
    ) -> Self {
        CaptureNotification {
            notify_type: NotifyType::CaptureResult,
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

impl NotificationKind for CaptureNotification {
    const NAME: &'static str = "notifyCapture";
    const DISCRIMINATOR: Discriminator = Discriminator::NotifyType(&["CAPTURE_RESULT"]);

    /// `CAPTURE_RESULT:<captureId>`: Alipay notifies each capture once, with
    /// its final result.
    fn dedup_key(&self) -> DedupKey {
        DedupKey::new([self.notify_type.as_str(), &self.capture_id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_ams_core::Peek;

    #[test]
    fn recognised_typed_and_keyed() {
        let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},
            "captureRequestId":"cr","paymentId":"p","captureId":"c1","captureAmount":{"currency":"BRL","value":"50000"}}"#;
        assert!(Peek::from_slice(body).unwrap().is::<CaptureNotification>());
        let n: CaptureNotification = serde_json::from_slice(body).unwrap();
        assert_eq!(n.dedup_key().as_str(), "CAPTURE_RESULT:c1");
        let refund = br#"{"notifyType":"REFUND_RESULT","refundId":"r9"}"#;
        assert!(
            !Peek::from_slice(refund)
                .unwrap()
                .is::<CaptureNotification>()
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(
            serde_json::from_slice::<CaptureNotification>(br#"{"notifyType":"CAPTURE_RESULT"}"#)
                .is_err()
        );
    }
}

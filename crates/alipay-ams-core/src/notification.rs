//! Notifications Alipay posts to the merchant (SPEC §3, §4, §7).

use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

use crate::capture::CaptureNotification;
use crate::lenient;
use crate::result::string_enum;

/// The exact body that acknowledges a notification (SPEC §3.2). Anything else
/// makes Alipay redeliver: 0s, 2m, 10m, 10m, 1h, 2h, 6h, 15h.
pub const ACK_BODY: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// Alipay's redelivery schedule: the delay before each delivery attempt, in
/// seconds, measured from the previous one (SPEC §7).
pub const REDELIVERY_SCHEDULE_SECS: [u64; 8] = [0, 120, 600, 600, 3600, 7200, 21600, 54000];

string_enum! {
    /// `notifyType`.
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

/// A verified notification, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// One value per request, moved once into the handler: boxing the common
// variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Notification {
    /// notifyCapture.
    Capture(CaptureNotification),
    /// A kind this version does not model; the raw JSON is kept.
    Other {
        /// `notifyType` when present.
        notify_type: Option<NotifyType>,
        /// The whole body.
        body: serde_json::Value,
    },
}

#[derive(Deserialize)]
struct Peek {
    #[serde(
        rename = "notifyType",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    notify_type: Option<String>,
}

impl Notification {
    /// Parses a notification body (after its signature was verified).
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_slice(body)?;
        let peek = Peek::deserialize(&value)?;
        let notify_type = peek.notify_type.as_deref().map(NotifyType::from);
        match notify_type {
            Some(NotifyType::CaptureResult) => {
                CaptureNotification::deserialize(value).map(Notification::Capture)
            }
            notify_type => Ok(Notification::Other {
                notify_type,
                body: value,
            }),
        }
    }

    /// `notifyType`, when present.
    pub fn notify_type(&self) -> Option<&NotifyType> {
        match self {
            Notification::Capture(n) => Some(&n.notify_type),
            Notification::Other { notify_type, .. } => notify_type.as_ref(),
        }
    }

    /// A stable key for deduplication: `notifyType` plus the id of what it reports
    /// (`CAPTURE_RESULT:<captureId>`). Redeliveries of one notification share it.
    pub fn idempotency_key(&self) -> IdempotencyKey {
        match self {
            Notification::Capture(n) => {
                IdempotencyKey(format!("{}:{}", n.notify_type, n.capture_id))
            }
            Notification::Other { notify_type, body } => {
                let kind = notify_type.as_ref().map_or("UNKNOWN", NotifyType::as_str);
                let id = [
                    "captureId",
                    "refundId",
                    "paymentId",
                    "disputeId",
                    "vaultingRequestId",
                ]
                .iter()
                .find_map(|field| body.get(field).and_then(serde_json::Value::as_str))
                .unwrap_or("");
                IdempotencyKey(format!("{kind}:{id}"))
            }
        }
    }
}

/// A deduplication key for a notification (see [`Notification::idempotency_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for IdempotencyKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_notifications_are_typed_and_others_kept() {
        let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},
            "captureRequestId":"cr","paymentId":"p","captureId":"c1","captureAmount":{"currency":"BRL","value":"50000"}}"#;
        let n = Notification::from_slice(body).unwrap();
        assert!(matches!(n, Notification::Capture(_)));
        assert_eq!(n.idempotency_key().as_str(), "CAPTURE_RESULT:c1");

        let other =
            Notification::from_slice(br#"{"notifyType":"REFUND_RESULT","refundId":"r9"}"#).unwrap();
        assert_eq!(other.idempotency_key().as_str(), "REFUND_RESULT:r9");
        let none =
            Notification::from_slice(br#"{"authorizationNotifyType":"TOKEN_CREATED"}"#).unwrap();
        assert_eq!(none.notify_type(), None);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(Notification::from_slice(b"not json").is_err());
        assert!(Notification::from_slice(br#"{"notifyType":"CAPTURE_RESULT"}"#).is_err());
        assert!(Notification::from_slice(b"[1,2]").is_err());
    }
}

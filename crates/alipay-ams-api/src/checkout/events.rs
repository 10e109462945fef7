//! What a notification means for the order: [`PaymentEvent`],
//! [`CaptureEvent`], [`RefundEvent`].
//!
//! Alipay may deliver notifications twice and out of order: deduplicate by
//! the kind's `dedup_key()`, and never move an order out of a final state
//! (a late `PAYMENT_PENDING` after the result, or a success after a
//! cancellation: keep the final state and check with `inquiryPayment`).
//! <https://docs.antom.com/ac/ams/paymentrn_online>,
//! <https://docs.antom.com/ac/ams/notify_capture>,
//! <https://docs.antom.com/ac/ams/notify_refund>

use std::fmt;

use alipay_ams_core::{ResultInfo, ResultStatus};

use crate::payments::{CaptureNotification, PaymentNotification, RefundNotification};

/// What a `notifyPayment` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    /// `PAYMENT_RESULT` with `S`: paid. For a card payment this is the
    /// authorization: the money moves at capture (automatic, with
    /// `notifyCapture` to follow, or yours to make). Final.
    Succeeded,
    /// `PAYMENT_RESULT` with `F`: failed, declined, or closed unpaid at
    /// expiry; the result code says which. Final.
    Failed(ResultInfo),
    /// `PAYMENT_PENDING`: the buyer finished, the final result is still to
    /// come. It arrives with status `S`, and it is NOT a success: do not
    /// ship, do not cancel; wait for the `PAYMENT_RESULT`.
    Pending,
    /// `UPDATE_AMOUNT_RESULT` with `S`: the amount change named by
    /// `updateRequestId` took effect.
    AmountUpdated,
    /// `UPDATE_AMOUNT_RESULT` with `F`: the amount change was refused.
    AmountUpdateFailed(ResultInfo),
    /// A `notifyType` this version does not know, or a result notification
    /// whose status is neither `S` nor `F` (not expected): not a final
    /// state. Keep the order as it is and inquire (`inquiryPayment`).
    Unrecognised {
        /// The `notifyType`.
        notify_type: String,
        /// `result.resultStatus`.
        status: ResultStatus,
    },
}

impl PaymentEvent {
    /// Whether it carries the payment's final result.
    pub fn is_final(&self) -> bool {
        matches!(self, PaymentEvent::Succeeded | PaymentEvent::Failed(_))
    }
}

impl PaymentNotification {
    /// What this notification says for the payment.
    pub fn event(&self) -> PaymentEvent {
        let status = self.result.result_status;
        match (self.notify_type.as_str(), status) {
            ("PAYMENT_RESULT", ResultStatus::Success) => PaymentEvent::Succeeded,
            ("PAYMENT_RESULT", ResultStatus::Failed) => PaymentEvent::Failed(self.result.clone()),
            // Whatever its status: pending is never a result.
            ("PAYMENT_PENDING", _) => PaymentEvent::Pending,
            ("UPDATE_AMOUNT_RESULT", ResultStatus::Success) => PaymentEvent::AmountUpdated,
            ("UPDATE_AMOUNT_RESULT", ResultStatus::Failed) => {
                PaymentEvent::AmountUpdateFailed(self.result.clone())
            }
            (notify_type, status) => PaymentEvent::Unrecognised {
                notify_type: notify_type.to_owned(),
                status,
            },
        }
    }
}

/// What a `notifyCapture` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureEvent {
    /// `S`: captured; the money moves to you. Final.
    Captured,
    /// `F`: the capture failed; the result code says why. Final for this
    /// `captureRequestId`.
    Failed(ResultInfo),
    /// Neither `S` nor `F` (not expected): not final. Inquire
    /// (`inquiryPayment`: its transactions show the capture).
    Unrecognised(ResultStatus),
}

impl CaptureNotification {
    /// What this notification says for the capture.
    pub fn event(&self) -> CaptureEvent {
        match self.result.result_status {
            ResultStatus::Success => CaptureEvent::Captured,
            ResultStatus::Failed => CaptureEvent::Failed(self.result.clone()),
            status @ ResultStatus::Unknown => CaptureEvent::Unrecognised(status),
        }
    }
}

/// What a `notifyRefund` says. Only asynchronous refunds (those answered
/// `REFUND_IN_PROCESS`) are notified; a refund answered `S` gets none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundEvent {
    /// `refundStatus` `SUCCESS`: refunded. Final.
    Refunded,
    /// `refundStatus` `FAIL`, with the notification's result (its code says
    /// why). Final for this `refundRequestId`.
    Failed(ResultInfo),
    /// A `refundStatus` this version does not know, kept verbatim: not
    /// final. Inquire (`inquiryRefund`).
    Unrecognised(String),
}

impl RefundEvent {
    /// Whether it carries the refund's final result.
    pub fn is_final(&self) -> bool {
        matches!(self, RefundEvent::Refunded | RefundEvent::Failed(_))
    }
}

/// A `notifyRefund` whose `result.resultStatus` contradicts its
/// `refundStatus` (`SUCCESS` with `F`, `FAIL` with `S`). `refundStatus` is
/// the refund's state and wins; log this, and confirm with `inquiryRefund`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDisagreement {
    /// `refundStatus`.
    pub refund_status: String,
    /// `result.resultStatus`.
    pub result_status: ResultStatus,
}

impl fmt::Display for StatusDisagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "notifyRefund says refundStatus {} but result.resultStatus {}: refundStatus is taken as \
             the refund's state; confirm it with inquiryRefund",
            self.refund_status, self.result_status
        )
    }
}

impl RefundNotification {
    /// What this notification says for the refund: `refundStatus` decides,
    /// whatever `result.resultStatus` says ([`disagreement`](Self::disagreement)
    /// reports a contradiction, to log).
    pub fn event(&self) -> RefundEvent {
        match self.refund_status.trim() {
            "SUCCESS" => RefundEvent::Refunded,
            "FAIL" => RefundEvent::Failed(self.result.clone()),
            other => RefundEvent::Unrecognised(other.to_owned()),
        }
    }

    /// A contradiction between `refundStatus` and `result.resultStatus`,
    /// if there is one. Log it: the handler still acts on
    /// [`event`](Self::event).
    pub fn disagreement(&self) -> Option<StatusDisagreement> {
        let status = self.result.result_status;
        let agrees = match self.event() {
            RefundEvent::Refunded => status == ResultStatus::Success,
            RefundEvent::Failed(_) => status == ResultStatus::Failed,
            RefundEvent::Unrecognised(_) => true,
        };
        (!agrees).then(|| StatusDisagreement {
            refund_status: self.refund_status.clone(),
            result_status: status,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::collections::HashSet;

    use alipay_ams_core::{NotificationKind, Peek};

    use super::*;

    fn payment(notify_type: &str, status: &str, extra: &str) -> PaymentNotification {
        let body = format!(
            r#"{{"notifyType":"{notify_type}","result":{{"resultStatus":"{status}","resultCode":"X"}},
            "paymentRequestId":"pay-1","paymentId":"P1","paymentAmount":{{"currency":"USD","value":"100"}}{extra}}}"#
        );
        assert!(
            Peek::from_slice(body.as_bytes())
                .unwrap()
                .is::<PaymentNotification>()
        );
        serde_json::from_str(&body).unwrap()
    }

    fn refund(refund_status: &str, status: &str, refund_id: &str) -> RefundNotification {
        serde_json::from_str(&format!(
            r#"{{"notifyType":"REFUND_RESULT","result":{{"resultStatus":"{status}","resultCode":"X"}},
            "refundStatus":"{refund_status}","refundRequestId":"r-1","refundId":"{refund_id}",
            "refundAmount":{{"currency":"USD","value":"10"}}}}"#
        ))
        .unwrap()
    }

    fn capture(status: &str, capture_id: &str) -> CaptureNotification {
        serde_json::from_str(&format!(
            r#"{{"notifyType":"CAPTURE_RESULT","result":{{"resultStatus":"{status}","resultCode":"X"}},
            "captureRequestId":"c-1","paymentId":"P1","captureId":"{capture_id}",
            "captureAmount":{{"currency":"USD","value":"100"}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn payment_pending_with_s_is_pending_never_a_success() {
        assert_eq!(
            payment("PAYMENT_PENDING", "S", "").event(),
            PaymentEvent::Pending
        );
        assert!(!payment("PAYMENT_PENDING", "S", "").event().is_final());
        assert_eq!(
            payment("PAYMENT_RESULT", "S", "").event(),
            PaymentEvent::Succeeded
        );
        let failed = payment("PAYMENT_RESULT", "F", "").event();
        assert!(
            matches!(&failed, PaymentEvent::Failed(r) if r.result_status == ResultStatus::Failed)
        );
        assert!(failed.is_final());
        assert_eq!(
            payment("PAYMENT_RESULT", "U", "").event(),
            PaymentEvent::Unrecognised {
                notify_type: "PAYMENT_RESULT".into(),
                status: ResultStatus::Unknown
            }
        );
        assert_eq!(
            payment("UPDATE_AMOUNT_RESULT", "S", r#","updateRequestId":"u-1""#).event(),
            PaymentEvent::AmountUpdated
        );
        assert!(matches!(
            payment("UPDATE_AMOUNT_RESULT", "F", r#","updateRequestId":"u-1""#).event(),
            PaymentEvent::AmountUpdateFailed(_)
        ));
    }

    #[test]
    fn refund_status_decides_and_a_contradiction_is_reported() {
        assert_eq!(refund("SUCCESS", "S", "R1").event(), RefundEvent::Refunded);
        assert_eq!(refund("SUCCESS", "S", "R1").disagreement(), None);
        assert!(matches!(
            refund("FAIL", "F", "R1").event(),
            RefundEvent::Failed(_)
        ));
        assert_eq!(refund("FAIL", "F", "R1").disagreement(), None);

        let odd = refund("SUCCESS", "F", "R1");
        assert_eq!(odd.event(), RefundEvent::Refunded);
        let disagreement = odd.disagreement().unwrap();
        assert_eq!(disagreement.result_status, ResultStatus::Failed);
        assert!(
            disagreement.to_string().contains("inquiryRefund"),
            "{disagreement}"
        );
        let odd = refund("FAIL", "S", "R1");
        assert!(matches!(odd.event(), RefundEvent::Failed(_)));
        assert!(odd.disagreement().is_some());

        let unknown = refund("PROCESSING", "U", "R1");
        assert_eq!(
            unknown.event(),
            RefundEvent::Unrecognised("PROCESSING".into())
        );
        assert!(!unknown.event().is_final());
    }

    #[test]
    fn capture_results_are_captured_or_failed() {
        assert_eq!(capture("S", "C1").event(), CaptureEvent::Captured);
        assert!(matches!(
            capture("F", "C1").event(),
            CaptureEvent::Failed(_)
        ));
        assert_eq!(
            capture("U", "C1").event(),
            CaptureEvent::Unrecognised(ResultStatus::Unknown)
        );
    }

    #[test]
    fn dedup_keys_are_distinct_per_event_and_equal_per_redelivery() {
        let keys = [
            payment("PAYMENT_PENDING", "S", "").dedup_key(),
            payment("PAYMENT_RESULT", "S", "").dedup_key(),
            payment("UPDATE_AMOUNT_RESULT", "S", r#","updateRequestId":"u-1""#).dedup_key(),
            payment("UPDATE_AMOUNT_RESULT", "S", r#","updateRequestId":"u-2""#).dedup_key(),
            capture("S", "C1").dedup_key(),
            capture("S", "C2").dedup_key(),
            refund("SUCCESS", "S", "R1").dedup_key(),
            refund("SUCCESS", "S", "R2").dedup_key(),
            // An id that equals another kind's id is still another event.
            refund("SUCCESS", "S", "P1").dedup_key(),
            capture("S", "P1").dedup_key(),
        ];
        let distinct: HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{keys:?}");

        // A redelivery is the same event: same key, whatever else changed.
        assert_eq!(
            payment("PAYMENT_RESULT", "S", "").dedup_key(),
            payment(
                "PAYMENT_RESULT",
                "S",
                r#","paymentTime":"2026-01-01T00:00:00Z""#
            )
            .dedup_key()
        );
        assert_eq!(
            refund("SUCCESS", "S", "R1").dedup_key(),
            refund("SUCCESS", "S", "R1").dedup_key()
        );
        assert_eq!(
            payment("PAYMENT_PENDING", "S", "").dedup_key().as_str(),
            "PAYMENT_PENDING:P1"
        );
    }
}

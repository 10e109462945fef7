//! One line of the delivery log: one attempt to deliver one notification, of
//! any kind, with everything a test or a dashboard asks about it.

use std::collections::BTreeMap;
use std::time::SystemTime;

use alipay_ams_core::{DedupKey, NotificationKind};
use bytes::Bytes;
use serde::Serialize;

/// One attempt to deliver a notification.
///
/// Attempts of one delivery share [`delivery`](Self::delivery); every
/// delivery of one event (redeliveries, and the copy of a
/// [`duplicate`](crate::NotificationFault::Duplicate) fault) shares
/// [`dedup_key`](Self::dedup_key). Serialized (`GET /sandbox/notifications`)
/// in camelCase, without the body.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The notification kind (`notifyCapture`).
    pub kind: String,
    /// The body's `notifyType` (`CAPTURE_RESULT`), for kinds that have one.
    pub notify_type: Option<String>,
    /// What identifies the event (`CAPTURE_RESULT:<captureId>`).
    pub dedup_key: DedupKey,
    /// The payment the notification is about: the body's `paymentId`, or
    /// for kinds whose body has none (`notifyRefund`) the refunded payment.
    pub payment_id: Option<String>,
    /// The body's other top-level text fields named `...Id` (`captureId`,
    /// `captureRequestId`; `refundId`... for other kinds): what a test or a
    /// dashboard looks a notification up by. Serialized beside the other
    /// fields (`"captureId": "..."`).
    #[serde(flatten)]
    pub ids: BTreeMap<String, String>,
    /// The notified result's status (`result.resultStatus`: S or F), for
    /// kinds whose body carries a result.
    pub result_status: Option<String>,
    /// Which delivery this attempt belongs to: 1 for the sandbox's first
    /// delivery, 2 for the next, ...
    pub delivery: u64,
    /// Where it was posted.
    pub notify_url: String,
    /// 1 for the first attempt of the delivery, 2 for the first redelivery, ...
    pub attempt: u32,
    /// When the attempt started, ISO 8601 (the `request-time` it was signed with).
    pub time: String,
    /// When the attempt started, for arithmetic.
    #[serde(skip)]
    pub at: SystemTime,
    /// The HTTP status the merchant answered, if it answered.
    pub http_status: Option<u16>,
    /// The start of the merchant's answer body (at most
    /// [`ANSWER_EXCERPT_BYTES`](Self::ANSWER_EXCERPT_BYTES), lossy UTF-8,
    /// `…` when cut), if it answered. Untrusted text: escape it to show it.
    pub answer: Option<String>,
    /// Why the attempt failed without a complete answer (connection
    /// refused, timeout, body too large...).
    pub error: Option<String>,
    /// Whether the merchant's answer was the fixed acknowledgement (HTTP 200
    /// and `result` S / SUCCESS).
    pub acknowledged: bool,
    /// The notification fault that shaped this attempt (`lost_ack` when an
    /// acknowledgement was ignored, `duplicate after 0ms` for every attempt
    /// of the copy, `delay 500ms` on a delayed first attempt).
    pub fault: Option<String>,
    /// Whether no further attempt of this delivery follows (acknowledged,
    /// redelivery off, or the schedule is exhausted).
    pub last: bool,
    /// When the next attempt of this delivery is scheduled, ISO 8601;
    /// `None` when [`last`](Self::last).
    pub next_time: Option<String>,
    /// The same, for arithmetic.
    #[serde(skip)]
    pub next_at: Option<SystemTime>,
    #[serde(skip)]
    pub(crate) body: Bytes,
}

impl DeliveryAttempt {
    /// The most of the merchant's answer kept in [`answer`](Self::answer).
    pub const ANSWER_EXCERPT_BYTES: usize = 512;

    /// The exact bytes posted (the same for every attempt of an event).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as kind `K`, when it is one.
    ///
    /// ```no_run
    /// # fn f(attempt: alipay_ams_sandbox::DeliveryAttempt) {
    /// use alipay_ams_api::payments::CaptureNotification;
    /// if let Some(capture) = attempt.notification::<CaptureNotification>() {
    ///     println!("{} for {}", capture.result.result_status, capture.capture_id);
    /// }
    /// # }
    /// ```
    pub fn notification<K: NotificationKind>(&self) -> Option<K> {
        if self.kind != K::NAME {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

impl std::fmt::Debug for DeliveryAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryAttempt")
            .field("kind", &self.kind)
            .field("dedup_key", &self.dedup_key)
            .field("payment_id", &self.payment_id)
            .field("ids", &self.ids)
            .field("result_status", &self.result_status)
            .field("delivery", &self.delivery)
            .field("notify_url", &self.notify_url)
            .field("attempt", &self.attempt)
            .field("time", &self.time)
            .field("http_status", &self.http_status)
            .field("answer", &self.answer)
            .field("error", &self.error)
            .field("acknowledged", &self.acknowledged)
            .field("fault", &self.fault)
            .field("last", &self.last)
            .field("next_time", &self.next_time)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// The start of an answer body, cut at a character boundary.
pub(crate) fn excerpt(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    if text.len() <= DeliveryAttempt::ANSWER_EXCERPT_BYTES {
        return text.into_owned();
    }
    let mut end = DeliveryAttempt::ANSWER_EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text.get(..end).unwrap_or_default().to_owned();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_cut_between_characters() {
        assert_eq!(excerpt(b"busy"), "busy");
        let long = "é".repeat(400); // 800 bytes
        let cut = excerpt(long.as_bytes());
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= DeliveryAttempt::ANSWER_EXCERPT_BYTES + '…'.len_utf8());
        assert!(cut.trim_end_matches('…').chars().all(|c| c == 'é'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}

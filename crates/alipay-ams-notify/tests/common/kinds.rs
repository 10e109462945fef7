//! Notification kinds that `alipay-ams-api` does not model yet, declared here
//! as a merchant (or a later version of the api crate) would, and a handler
//! that records any kind.

use std::sync::Mutex;

use alipay_ams_core::{DedupKey, Discriminator, NotificationKind, ResultInfo};
use alipay_ams_notify::{HandlerError, NotifyHandler, NotifyMeta};
use serde::Deserialize;

/// notifyDispute: no `notifyType`; recognised by `disputeNotificationType`.
/// One dispute has several events, so the event is part of the dedup key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisputeNotification {
    pub dispute_id: String,
    pub dispute_notification_type: String,
    pub payment_id: Option<String>,
}

impl NotificationKind for DisputeNotification {
    const NAME: &'static str = "notifyDispute";
    const DISCRIMINATOR: Discriminator = Discriminator::Field("disputeNotificationType");

    fn dedup_key(&self) -> DedupKey {
        DedupKey::new(["DISPUTE", &self.dispute_notification_type, &self.dispute_id])
    }
}

pub fn dispute_body(dispute_id: &str, event: &str) -> String {
    format!(
        r#"{{"disputeId":"{dispute_id}","disputeNotificationType":"{event}","paymentId":"2022000000001","disputeAmount":{{"currency":"USD","value":"500"}}}}"#
    )
}

/// notifyRefund, as the checkout work will model it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundNotification {
    pub notify_type: String,
    pub refund_id: String,
    pub refund_status: String,
    pub result: ResultInfo,
}

impl NotificationKind for RefundNotification {
    const NAME: &'static str = "notifyRefund";
    const DISCRIMINATOR: Discriminator = Discriminator::NotifyType(&["REFUND_RESULT"]);

    fn dedup_key(&self) -> DedupKey {
        DedupKey::new([self.notify_type.as_str(), &self.refund_id])
    }
}

pub fn refund_body(refund_id: &str) -> String {
    format!(
        r#"{{"notifyType":"REFUND_RESULT","refundId":"{refund_id}","refundRequestId":"rr-{refund_id}","refundStatus":"SUCCESS","refundAmount":{{"currency":"USD","value":"100"}},"result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}}}"#
    )
}

/// One handled notification, whatever its kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub kind: &'static str,
    pub notify_type: Option<String>,
    pub dedup_key: String,
}

/// Records every notification of every kind it is routed (a generic handler,
/// as an audit log would be).
#[derive(Default)]
pub struct Journal {
    pub entries: Mutex<Vec<Entry>>,
}

impl Journal {
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.lock().unwrap().clone()
    }
}

impl<K: NotificationKind> NotifyHandler<K> for Journal {
    async fn handle(&self, _notification: K, meta: &NotifyMeta) -> Result<(), HandlerError> {
        assert_eq!(meta.kind(), K::NAME);
        self.entries.lock().unwrap().push(Entry {
            kind: K::NAME,
            notify_type: meta.notify_type().map(str::to_owned),
            dedup_key: meta.dedup_key().to_string(),
        });
        Ok(())
    }
}

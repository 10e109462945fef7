//! What a handler learns about a delivery besides the notification itself.

use bytes::Bytes;

use alipay_ams_core::IdempotencyKey;

/// The verified envelope of one notification delivery.
#[derive(Debug, Clone)]
pub struct NotifyMeta {
    pub(crate) client_id: String,
    pub(crate) request_time: String,
    pub(crate) path: String,
    pub(crate) key_version: Option<u32>,
    pub(crate) body: Bytes,
    pub(crate) idempotency_key: IdempotencyKey,
}

impl NotifyMeta {
    /// The `client-id` header (equal to the configured client id).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `request-time` header, verbatim (Alipay sends ISO 8601; parse it with
    /// [`alipay_ams_core::time::parse_timestamp_millis`] if needed).
    pub fn request_time(&self) -> &str {
        &self.request_time
    }

    /// The path the signature was verified with.
    pub fn signed_path(&self) -> &str {
        &self.path
    }

    /// The `keyVersion` of the `signature` header, when present.
    pub fn key_version(&self) -> Option<u32> {
        self.key_version
    }

    /// The body exactly as received and verified, for an audit log. Do not
    /// re-serialize the parsed notification for that: it would not verify.
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }

    /// A stable key for deduplication: `notifyType` and the id of what it
    /// reports (`CAPTURE_RESULT:<captureId>`). Redeliveries share it.
    pub fn idempotency_key(&self) -> &IdempotencyKey {
        &self.idempotency_key
    }
}

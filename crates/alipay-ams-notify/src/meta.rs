//! A delivery once verified ([`Verified`]), and what a handler learns about
//! it besides the notification itself ([`NotifyMeta`]).

use std::fmt;

use bytes::Bytes;

use alipay_ams_core::{DedupKey, Peek};

/// One delivery whose signature, client id (and `request-time`, when a
/// maximum age is configured) were verified, and whose body is a JSON object
/// without duplicated fields: what [`verify_notification`](crate::verify_notification)
/// returns. Its kind is not known yet: hand it to
/// [`NotifyRouter::dispatch`](crate::NotifyRouter::dispatch).
///
/// Everything needed to store it for audit or replay is here: the exact body
/// bytes and the three headers it was verified with.
#[derive(Clone)]
pub struct Verified {
    pub(crate) client_id: String,
    pub(crate) request_time: String,
    pub(crate) signature: String,
    pub(crate) path: String,
    pub(crate) key_version: u32,
    pub(crate) body: Bytes,
    pub(crate) peek: Peek,
}

impl Verified {
    /// The `client-id` header (equal to the configured client id).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `request-time` header, verbatim (Alipay sends ISO 8601; parse it
    /// with [`alipay_ams_core::time::parse_timestamp_millis`] if needed).
    pub fn request_time(&self) -> &str {
        &self.request_time
    }

    /// The `signature` header, verbatim: with the body, `request-time` and
    /// [`signed_path`](Self::signed_path), it verifies the delivery again later.
    pub fn signature_header(&self) -> &str {
        &self.signature
    }

    /// The path the signature was verified with.
    pub fn signed_path(&self) -> &str {
        &self.path
    }

    /// The version of Alipay's key that verified the signature: the header's
    /// `keyVersion`, or the configured default when it named none.
    pub fn key_version(&self) -> u32 {
        self.key_version
    }

    /// The body exactly as received and verified, for an audit log. Never
    /// re-serialize a parsed notification for that: it would not verify.
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }

    /// The body's `notifyType`, when it has one (authorization, dispute and
    /// vaulting notifications do not).
    pub fn notify_type(&self) -> Option<&str> {
        self.peek.notify_type()
    }

    /// The body's top level, which tells its kind.
    pub fn peek(&self) -> &Peek {
        &self.peek
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("client_id", &self.client_id)
            .field("request_time", &self.request_time)
            .field("path", &self.path)
            .field("key_version", &self.key_version)
            .field("notify_type", &self.peek.notify_type())
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish_non_exhaustive()
    }
}

/// The verified envelope of one notification, as its handler sees it: the
/// delivery ([`Verified`]'s accessors are repeated here), the kind it was
/// routed as, and the key that identifies its event.
#[derive(Clone)]
pub struct NotifyMeta {
    pub(crate) verified: Verified,
    pub(crate) kind: &'static str,
    pub(crate) dedup_key: DedupKey,
}

impl NotifyMeta {
    /// The envelope of a notification no route handles: its kind is
    /// [`UNROUTED`](crate::UNROUTED), its key [`unrouted_dedup_key`](crate::unrouted_dedup_key).
    pub(crate) fn unrouted(verified: Verified) -> Self {
        NotifyMeta {
            dedup_key: crate::inbox::unrouted_dedup_key(verified.raw_body()),
            kind: crate::inbox::UNROUTED,
            verified,
        }
    }

    /// The key to deduplicate by: two distinct events never share one, and
    /// every redelivery of one event has the same one
    /// (`CAPTURE_RESULT:<captureId>`, from the kind's
    /// [`NotificationKind::dedup_key`](alipay_ams_core::NotificationKind::dedup_key)).
    pub fn dedup_key(&self) -> &DedupKey {
        &self.dedup_key
    }

    /// The name of the kind it was routed as (`notifyCapture`).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The body's `notifyType`, when it has one.
    pub fn notify_type(&self) -> Option<&str> {
        self.verified.notify_type()
    }

    /// The `client-id` header (equal to the configured client id).
    pub fn client_id(&self) -> &str {
        self.verified.client_id()
    }

    /// The `request-time` header, verbatim.
    pub fn request_time(&self) -> &str {
        self.verified.request_time()
    }

    /// The path the signature was verified with.
    pub fn signed_path(&self) -> &str {
        self.verified.signed_path()
    }

    /// The version of Alipay's key that verified the signature.
    pub fn key_version(&self) -> u32 {
        self.verified.key_version()
    }

    /// The body exactly as received and verified, for an audit log.
    pub fn raw_body(&self) -> &Bytes {
        self.verified.raw_body()
    }

    /// The whole verified delivery (headers included).
    pub fn verified(&self) -> &Verified {
        &self.verified
    }
}

impl fmt::Debug for NotifyMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyMeta")
            .field("kind", &self.kind)
            .field("dedup_key", &self.dedup_key)
            .field("verified", &self.verified)
            .finish()
    }
}

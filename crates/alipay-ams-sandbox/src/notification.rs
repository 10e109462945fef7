//! Notifications as Alipay posts them: a notification of any kind serialized
//! once, and the signed HTTP request that carries it. The sandbox's delivery
//! and the public test helpers ([`signed_notification`]) build requests
//! here, so a merchant's test gets exactly what the sandbox would send.
//! <https://docs.antom.com/ac/ams/digital_signature>

use std::collections::BTreeMap;
use std::time::SystemTime;

use alipay_ams_core::protocol::header;
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{DEFAULT_KEY_VERSION, DedupKey, Message, NotificationKind, PrivateKey};
use bytes::Bytes;
use http::{HeaderValue, Request, Uri};
use serde::Serialize;
use serde_json::Value;

use crate::error::NotificationError;

/// The `Content-Type` Alipay's notifications carry.
const NOTIFICATION_CONTENT_TYPE: &str = "application/json";

/// A notification of any kind, serialized once, with what the delivery log
/// records about it.
#[derive(Clone)]
pub(crate) struct Outgoing {
    /// The kind's name (`notifyCapture`).
    pub kind: &'static str,
    /// `notifyType`, when the body has one.
    pub notify_type: Option<String>,
    /// What identifies the event; every copy and redelivery shares it.
    pub dedup_key: DedupKey,
    /// The payment it is about: the body's `paymentId`, or the one given
    /// by [`Outgoing::about_payment`] for kinds without one (notifyRefund).
    pub payment_id: Option<String>,
    /// The body's other top-level text fields named `...Id`.
    pub ids: BTreeMap<String, String>,
    /// `result.resultStatus`, when the body has one.
    pub result_status: Option<String>,
    /// The exact bytes posted.
    pub body: Bytes,
    /// Where the payment asked for it to go; `None`: the sandbox's default.
    pub notify_url: Option<String>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("kind", &self.kind)
            .field("dedup_key", &self.dedup_key)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish_non_exhaustive()
    }
}

/// What the log shows of a body: `notifyType`, `paymentId`, the other
/// top-level text fields named `...Id` (the ids a test or a dashboard looks
/// a notification up by, whatever its kind), and `result.resultStatus`.
#[derive(Default)]
struct Shown {
    notify_type: Option<String>,
    payment_id: Option<String>,
    ids: BTreeMap<String, String>,
    result_status: Option<String>,
}

impl Shown {
    fn of(body: &[u8]) -> Self {
        let Ok(fields) = serde_json::from_slice::<serde_json::Map<String, Value>>(body) else {
            return Shown::default();
        };
        let text = |value: &Value| value.as_str().map(str::to_owned);
        let mut shown = Shown::default();
        for (name, value) in &fields {
            match name.as_str() {
                "notifyType" => shown.notify_type = text(value),
                "paymentId" => shown.payment_id = text(value),
                "result" => shown.result_status = value.get("resultStatus").and_then(text),
                id if id.ends_with("Id") => {
                    if let Some(value) = text(value) {
                        shown.ids.insert(id.to_owned(), value);
                    }
                }
                _ => {}
            }
        }
        shown
    }
}

impl Outgoing {
    /// Serializes `notification` for delivery to `notify_url` (or the
    /// sandbox's default).
    pub fn new<K: NotificationKind + Serialize>(
        notification: &K,
        notify_url: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(notification)?;
        let shown = Shown::of(&body);
        Ok(Outgoing {
            kind: K::NAME,
            notify_type: shown.notify_type,
            dedup_key: notification.dedup_key(),
            payment_id: shown.payment_id,
            ids: shown.ids,
            result_status: shown.result_status,
            body: Bytes::from(body),
            notify_url,
        })
    }
}

impl Outgoing {
    /// Names the payment a notification is about when its body does not
    /// (`notifyRefund` carries `refundId` but no `paymentId`), so the
    /// delivery log links every notification to its payment.
    pub fn about_payment(mut self, payment_id: &str) -> Self {
        if self.payment_id.is_none() {
            self.payment_id = Some(payment_id.to_owned());
        }
        self
    }
}

/// The path a notification to `target` is signed over: the notify URL's path
/// without the query, as Alipay's samples verify it.
pub(crate) fn signed_path(target: &Uri) -> &str {
    match target.path() {
        "" => "/",
        path => path,
    }
}

/// The signed POST of `body` to `target`, as Alipay sends a notification:
/// `client-id`, `request-time` (`time`, ISO 8601) and `signature` over
/// `POST <path>\n<client-id>.<request-time>.<body>`.
pub(crate) fn signed_request(
    key: &PrivateKey,
    client_id: &str,
    target: Uri,
    time: &str,
    body: Bytes,
) -> Result<Request<Bytes>, NotificationError> {
    let client = HeaderValue::from_str(client_id)
        .map_err(|_| NotificationError::ClientId(client_id.to_owned()))?;
    let signature = Message::notification(signed_path(&target), client_id, time, &body)
        .sign(key, DEFAULT_KEY_VERSION)?
        .to_string();
    Ok(Request::post(target)
        .header(header::CLIENT_ID, client)
        .header(header::REQUEST_TIME, time)
        .header(header::SIGNATURE, signature)
        .header(http::header::CONTENT_TYPE, NOTIFICATION_CONTENT_TYPE)
        .body(body)?)
}

fn parse_target(target: &str) -> Result<Uri, NotificationError> {
    target.parse().map_err(|source| NotificationError::Target {
        target: target.to_owned(),
        source,
    })
}

/// TEST SUPPORT: a notification signed as Alipay signs it, ready to hand to
/// the merchant's notify endpoint in a test (`tower::ServiceExt::oneshot`,
/// `axum::Router`, or any HTTP client after setting the host).
///
/// `notify_target` is the path of the endpoint (`/alipay/notify`) or its
/// full URL (`http://127.0.0.1:3000/alipay/notify`); the signature covers its
/// path. The body is `notification` serialized once; `request-time` is now.
///
/// ```
/// use alipay_ams_api::payments::CaptureNotification;
/// use alipay_ams_core::{Amount, Message, PrivateKey, PublicKey, ResultInfo};
/// use alipay_ams_sandbox::{example_keys, signed_notification};
///
/// let alipay = PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM)?;
/// let notification = CaptureNotification::new(
///     ResultInfo::success(), "capture-1", "2026112500000001", "2026112500000002",
///     Amount::from_minor_units_str("USD", "1000")?,
/// );
/// let request = signed_notification(&alipay, example_keys::CLIENT_ID, "/alipay/notify", &notification)?;
///
/// // What the merchant's endpoint checks:
/// let header = |name: &str| request.headers()[name].to_str().unwrap();
/// let message = Message::notification("/alipay/notify", header("client-id"), header("request-time"), request.body());
/// assert!(message.verify(&PublicKey::parse(example_keys::ALIPAY_PUBLIC_KEY_PEM)?, header("signature")).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn signed_notification<K: NotificationKind + Serialize>(
    alipay_private_key: &PrivateKey,
    client_id: &str,
    notify_target: &str,
    notification: &K,
) -> Result<Request<Bytes>, NotificationError> {
    let body = serde_json::to_vec(notification)?;
    signed_notification_body(alipay_private_key, client_id, notify_target, body)
}

/// TEST SUPPORT: like [`signed_notification`], with the body given as bytes,
/// sent and signed exactly as given: for kinds without a type yet, or for
/// bodies a typed notification cannot produce (hostile-input tests).
pub fn signed_notification_body(
    alipay_private_key: &PrivateKey,
    client_id: &str,
    notify_target: &str,
    body: impl Into<Bytes>,
) -> Result<Request<Bytes>, NotificationError> {
    signed_request(
        alipay_private_key,
        client_id,
        parse_target(notify_target)?,
        &iso8601_utc(SystemTime::now()),
        body.into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_ams_api::payments::CaptureNotification;
    use alipay_ams_core::{Amount, ResultInfo};

    fn notification() -> CaptureNotification {
        CaptureNotification::new(
            ResultInfo::success(),
            "cr-1",
            "pay-1",
            "cap-1",
            Amount::from_minor_units_str("USD", "100").unwrap(),
        )
    }

    #[test]
    fn outgoing_reads_the_ids_the_log_shows() {
        let out = Outgoing::new(&notification(), None).unwrap();
        assert_eq!(out.kind, "notifyCapture");
        assert_eq!(out.notify_type.as_deref(), Some("CAPTURE_RESULT"));
        assert_eq!(out.payment_id.as_deref(), Some("pay-1"));
        let ids: Vec<_> = out
            .ids
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(ids, [("captureId", "cap-1"), ("captureRequestId", "cr-1")]);
        assert_eq!(out.result_status.as_deref(), Some("S"));
        assert_eq!(out.dedup_key.as_str(), "CAPTURE_RESULT:cap-1");
        assert_eq!(
            format!("{out:?}"),
            format!(
                "Outgoing {{ kind: \"notifyCapture\", dedup_key: DedupKey(\"CAPTURE_RESULT:cap-1\"), body: <{} bytes>, .. }}",
                out.body.len()
            )
        );
    }

    #[test]
    fn paths_and_urls_sign_the_path_without_the_query() {
        for (target, path) in [
            ("/alipay/notify", "/alipay/notify"),
            (
                "http://127.0.0.1:3000/alipay/notify?shop=1",
                "/alipay/notify",
            ),
            ("http://127.0.0.1:3000", "/"),
        ] {
            assert_eq!(
                signed_path(&parse_target(target).unwrap()),
                path,
                "{target}"
            );
        }
        assert!(matches!(
            parse_target("not a target"),
            Err(NotificationError::Target { .. })
        ));
    }
}

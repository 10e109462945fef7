//! The one verification path, for tower and for everything else.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderMap;

use alipay_ams_core::time::parse_timestamp_millis;
use alipay_ams_core::{Message, Notification, VerifyError};

use crate::config::NotifyConfig;
use crate::error::NotifyError;
use crate::meta::NotifyMeta;

/// Verifies one notification delivery and parses it, for servers that are not
/// tower-based (actix-web, ...). [`NotifyService`](crate::NotifyService) uses
/// this same function.
///
/// - `method`: the request method (`"POST"`);
/// - `path`: the path of the request as received (the query, if any, may be
///   included); ignored when [`NotifyConfig::signed_path`] is set;
/// - `headers`: the request headers (`client-id`, `request-time`, `signature`);
/// - `body`: the body bytes exactly as received.
///
/// In order: the method must be POST, the body within the limit, the headers
/// present, `client-id` the configured one, the signature valid over
/// `POST <path>\n<client-id>.<request-time>.<body>`, `request-time` within the
/// maximum age if one is configured; then the body is parsed.
///
/// actix-web 4 has its own header types; copy the three that matter:
///
/// ```text
/// let mut headers = http::HeaderMap::new();
/// for name in ["client-id", "request-time", "signature"] {
///     if let Some(value) = req.headers().get(name) {
///         headers.insert(name, http::HeaderValue::from_bytes(value.as_bytes())?);
///     }
/// }
/// let verified = verify_notification(req.method().as_str(), req.path(), &headers, &body, &config);
/// ```
///
/// On `Ok`, run your handler and, if it succeeds, answer HTTP 200 with
/// [`alipay_ams_core::ACK_BODY`]. On `Err`, answer
/// [`NotifyError::status`] with [`NotifyError::response_body`].
///
/// ```
/// use alipay_ams_core::{Message, Notification, PrivateKey, PublicKey};
/// use alipay_ams_notify::{NotifyConfig, NotifyError, verify_notification};
/// use http::HeaderMap;
///
/// # let alipay_private = PrivateKey::parse(include_str!("../../../keys-example/alipay/private_key.pem"))?;
/// let config = NotifyConfig::new(
///     "SANDBOX_5X00000000000000",
///     PublicKey::parse(include_str!("../../../keys-example/alipay/public_key.pem"))?,
/// );
/// let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},"captureRequestId":"cr-1","paymentId":"p-1","captureId":"c-1","captureAmount":{"currency":"USD","value":"1000"}}"#;
/// let time = "2026-11-25T10:00:00+08:00";
/// # let signature = Message::notification("/alipay/notify", "SANDBOX_5X00000000000000", time, body).sign(&alipay_private, 1)?.to_string();
/// let mut headers = HeaderMap::new();
/// headers.insert("client-id", "SANDBOX_5X00000000000000".parse()?);
/// headers.insert("request-time", time.parse()?);
/// headers.insert("signature", signature.parse()?);
///
/// let (notification, meta) = verify_notification("POST", "/alipay/notify", &headers, body, &config)?;
/// assert!(matches!(notification, Notification::Capture(_)));
/// assert_eq!(meta.idempotency_key().as_str(), "CAPTURE_RESULT:c-1");
///
/// // Signed for another path: refused.
/// let err = verify_notification("POST", "/other", &headers, body, &config).unwrap_err();
/// assert!(matches!(err, NotifyError::Signature(_)));
/// assert_eq!(err.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_notification(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    config: &NotifyConfig,
) -> Result<(Notification, NotifyMeta), NotifyError> {
    verify(method, path, headers, Bytes::copy_from_slice(body), config)
}

pub(crate) fn verify(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: Bytes,
    config: &NotifyConfig,
) -> Result<(Notification, NotifyMeta), NotifyError> {
    if method != "POST" {
        return Err(NotifyError::MethodNotAllowed);
    }
    let limit = config.body_limit_bytes();
    if body.len() > limit {
        return Err(NotifyError::BodyTooLarge { limit });
    }
    // Cheap checks first: a request without Alipay's headers costs no RSA.
    let client_id = header(headers, "client-id")?;
    let request_time = header(headers, "request-time")?;
    let signature = header(headers, "signature")?;
    if client_id != config.client_id() {
        return Err(NotifyError::ClientIdMismatch);
    }

    let key = config.alipay_public_key();
    let check = |signed_path: &str| {
        Message::notification(signed_path, client_id, request_time, &body).verify(key, signature)
    };
    let (signed_path, verified) = match config.path_override() {
        Some(signed_path) => (signed_path, check(signed_path)),
        None => {
            // Alipay's samples sign the path without the query (SPEC §1.5.7);
            // whether a query in the notify URL is signed is undocumented, so
            // a request that carries one is also tried with it.
            let bare = path.split_once('?').map_or(path, |(bare, _)| bare);
            match check(bare) {
                Err(VerifyError::Mismatch) if bare.len() != path.len() => (path, check(path)),
                outcome => (bare, outcome),
            }
        }
    };
    let header = verified.map_err(NotifyError::Signature)?;

    if let Some(max_age) = config.max_request_age() {
        check_age(request_time, max_age, SystemTime::now())?;
    }

    let notification = Notification::from_slice(&body).map_err(NotifyError::Malformed)?;
    let meta = NotifyMeta {
        client_id: client_id.to_owned(),
        request_time: request_time.to_owned(),
        path: signed_path.to_owned(),
        key_version: header.key_version(),
        idempotency_key: notification.idempotency_key(),
        body,
    };
    Ok((notification, meta))
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, NotifyError> {
    let value = headers.get(name).ok_or(NotifyError::MissingHeader(name))?;
    value.to_str().map_err(|_| NotifyError::InvalidHeader(name))
}

fn check_age(request_time: &str, max_age: Duration, now: SystemTime) -> Result<(), NotifyError> {
    let sent = parse_timestamp_millis(request_time).ok_or(NotifyError::UnreadableTime)?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let max = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
    if now.saturating_sub(sent).saturating_abs() > max {
        Err(NotifyError::Stale)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_checked_both_ways_and_needs_a_readable_time() {
        let now = UNIX_EPOCH + Duration::from_millis(1_685_599_933_871);
        let hour = Duration::from_secs(3600);
        assert!(check_age("2023-06-01T06:12:13+00:00", hour, now).is_ok());
        assert!(check_age("1685599933871", hour, now).is_ok());
        assert!(matches!(
            check_age("2023-06-01T04:12:13+00:00", hour, now),
            Err(NotifyError::Stale)
        ));
        assert!(matches!(
            check_age("2023-06-01T08:12:13+00:00", hour, now),
            Err(NotifyError::Stale)
        ));
        assert!(matches!(
            check_age("yesterday", hour, now),
            Err(NotifyError::UnreadableTime)
        ));
    }
}

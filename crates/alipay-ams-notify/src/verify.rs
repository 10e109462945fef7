//! The one verification path, for tower and for everything else.
//!
//! Alipay signs `POST <path>\n<client-id>.<request-time>.<body>` over the
//! exact bytes it sends: <https://docs.antom.com/ac/ams/digital_signature>.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderMap;

use alipay_ams_core::protocol::header;
use alipay_ams_core::time::parse_timestamp_millis;
use alipay_ams_core::{Message, Peek, PeekError, SignatureHeader, VerifyError};

use crate::config::NotifyConfig;
use crate::error::NotifyError;
use crate::meta::Verified;

/// Verifies one notification delivery, for servers that are not tower-based
/// (actix-web, ...); [`NotifyService`](crate::NotifyService) runs the same
/// checks. It only verifies: hand the result to
/// [`NotifyRouter::dispatch`](crate::NotifyRouter::dispatch) to run the
/// handler of its kind.
///
/// - `method`: the request method (`"POST"`);
/// - `path`: the path of the request as received (the query, if any, may be
///   included); ignored when [`NotifyConfig::with_signed_path`] is set;
/// - `headers`: the request headers (`client-id`, `request-time`, `signature`);
/// - `body`: the body bytes exactly as received.
///
/// In order: the method must be POST, the body within the limit, the headers
/// present, `client-id` the configured one, `keyVersion` a configured one,
/// the signature valid over `POST <path>\n<client-id>.<request-time>.<body>`,
/// `request-time` within the maximum age if one is configured, and the body
/// a JSON object in which no field appears twice.
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
/// let outcome = match verify_notification(req.method().as_str(), req.path(), &headers, &body, &config) {
///     Ok(verified) => router.dispatch(verified).await,
///     Err(refused) => Err(refused),
/// };
/// ```
///
/// On `Ok`, answer HTTP 200 with [`alipay_ams_core::ACK_BODY`]. On `Err`,
/// answer [`NotifyError::status`] with [`NotifyError::response_body`].
///
/// ```
/// use alipay_ams_api::payments::CaptureNotification;
/// use alipay_ams_core::{Message, PrivateKey, PublicKey};
/// use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyError, NotifyHandler, NotifyMeta, NotifyRouter, verify_notification};
/// use http::HeaderMap;
///
/// struct Orders;
/// impl NotifyHandler<CaptureNotification> for Orders {
///     async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
///         assert_eq!(meta.dedup_key().as_str(), format!("CAPTURE_RESULT:{}", n.capture_id));
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let alipay_private = PrivateKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PRIVATE_KEY_PEM)?;
/// let config = NotifyConfig::new(
///     "SANDBOX_5X00000000000000",
///     PublicKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PUBLIC_KEY_PEM)?, // TEST-ONLY; yours: from_file
/// );
/// let router = NotifyRouter::builder().on::<CaptureNotification>(Orders).build()?;
///
/// let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},"captureRequestId":"cr-1","paymentId":"p-1","captureId":"c-1","captureAmount":{"currency":"USD","value":"1000"}}"#;
/// let time = "2026-11-25T10:00:00+08:00";
/// # let signature = Message::notification("/alipay/notify", "SANDBOX_5X00000000000000", time, body).sign(&alipay_private, 1)?.to_string();
/// let mut headers = HeaderMap::new();
/// headers.insert("client-id", "SANDBOX_5X00000000000000".parse()?);
/// headers.insert("request-time", time.parse()?);
/// headers.insert("signature", signature.parse()?);
///
/// let verified = verify_notification("POST", "/alipay/notify", &headers, body, &config)?;
/// assert_eq!(verified.notify_type(), Some("CAPTURE_RESULT"));
/// router.dispatch(verified).await?; // Ok: answer 200 with ACK_BODY
///
/// // Signed for another path: refused.
/// let err = verify_notification("POST", "/other", &headers, body, &config).unwrap_err();
/// assert!(matches!(err, NotifyError::Signature(_)));
/// assert_eq!(err.status(), 401);
/// # Ok(()) }
/// ```
pub fn verify_notification(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    config: &NotifyConfig,
) -> Result<Verified, NotifyError> {
    if method != "POST" {
        return Err(NotifyError::MethodNotAllowed);
    }
    let limit = config.body_limit();
    if body.len() > limit {
        return Err(NotifyError::BodyTooLarge { limit });
    }
    verify_signed(path, headers, Bytes::copy_from_slice(body), config)
}

/// Everything after the method and the body limit, which the service checks
/// on its own while it reads the body.
pub(crate) fn verify_signed(
    path: &str,
    headers: &HeaderMap,
    body: Bytes,
    config: &NotifyConfig,
) -> Result<Verified, NotifyError> {
    // Cheap checks first: a request without Alipay's headers costs no RSA.
    let client_id = header_text(headers, header::CLIENT_ID)?;
    let request_time = header_text(headers, header::REQUEST_TIME)?;
    let signature = header_text(headers, header::SIGNATURE)?;
    if client_id != config.client_id() {
        return Err(NotifyError::ClientIdMismatch);
    }
    let parsed = SignatureHeader::parse(signature)
        .map_err(|e| NotifyError::Signature(VerifyError::Header(e)))?;
    let key_version = declared_key_version(signature, config)?;
    let key = config
        .alipay_public_key(key_version)
        .ok_or_else(|| unknown_key_version(key_version.to_string(), config))?;

    let check = |signed_path: &str| {
        Message::notification(signed_path, client_id, request_time, &body)
            .verify_parsed(key, &parsed)
    };
    let (signed_path, verified) = match config.signed_path() {
        Some(signed_path) => (signed_path, check(signed_path)),
        None => {
            // Alipay's samples sign the path without the query; whether a
            // query in the notify URL is signed is undocumented, so a request
            // that carries one is also tried with it.
            let bare = path.split_once('?').map_or(path, |(bare, _)| bare);
            match check(bare) {
                Err(VerifyError::Mismatch) if bare.len() != path.len() => (path, check(path)),
                outcome => (bare, outcome),
            }
        }
    };
    verified.map_err(NotifyError::Signature)?;

    if let Some(max_age) = config.max_age() {
        check_age(request_time, max_age, SystemTime::now())?;
    }

    let peek = Peek::from_slice(&body).map_err(|e| match e {
        PeekError::DuplicateField(field) => NotifyError::DuplicateField(field),
        PeekError::NotAnObject(e) => NotifyError::Malformed(e),
        other => NotifyError::Malformed(serde::de::Error::custom(other)),
    })?;
    Ok(Verified {
        client_id: client_id.to_owned(),
        request_time: request_time.to_owned(),
        signature: signature.to_owned(),
        path: signed_path.to_owned(),
        key_version,
        body,
        peek,
    })
}

fn header_text<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, NotifyError> {
    let value = headers.get(name).ok_or(NotifyError::MissingHeader(name))?;
    value.to_str().map_err(|_| NotifyError::InvalidHeader(name))
}

/// The key version the `signature` header names, or the configured default
/// when it names none. A version that is not a number, or named twice, is
/// refused rather than read as "none": the header would mean one thing here
/// and another to a stricter reader.
fn declared_key_version(signature: &str, config: &NotifyConfig) -> Result<u32, NotifyError> {
    let mut declared = signature.split(',').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("keyVersion")
            .then(|| value.trim())
    });
    match (declared.next(), declared.next()) {
        (None, _) => Ok(config.default_key_version()),
        (Some(text), None) => text
            .parse::<u32>()
            .map_err(|_| unknown_key_version(format!("{text:?}"), config)),
        (Some(first), Some(second)) => Err(unknown_key_version(
            format!("{first:?} and {second:?}"),
            config,
        )),
    }
}

fn unknown_key_version(version: String, config: &NotifyConfig) -> NotifyError {
    NotifyError::UnknownKeyVersion {
        version,
        configured: config.key_versions().collect(),
    }
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
    use alipay_ams_core::PublicKey;

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

    #[test]
    fn key_version_is_read_strictly() {
        let key =
            PublicKey::parse(include_str!("../../../keys-example/alipay/public_key.pem")).unwrap();
        let config = NotifyConfig::new("C", key).with_default_key_version(4);
        let version = |header: &str| declared_key_version(header, &config);
        assert_eq!(version("algorithm=RSA256,signature=AAAA").unwrap(), 4);
        assert_eq!(
            version("algorithm=RSA256, KEYVERSION = 12 ,signature=AAAA").unwrap(),
            12
        );
        for bad in [
            "keyVersion=,signature=AAAA",
            "keyVersion=one,signature=AAAA",
            "keyVersion=-1,signature=AAAA",
            "keyVersion=1,keyVersion=1,signature=AAAA",
        ] {
            let err = version(bad).unwrap_err();
            assert!(
                matches!(&err, NotifyError::UnknownKeyVersion { configured, .. } if configured == &[1]),
                "{bad}: {err}"
            );
        }
    }
}

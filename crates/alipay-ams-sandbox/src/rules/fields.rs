//! Checks several APIs share: amounts above zero, absolute URLs, the
//! protocol's timestamps.

use std::time::{Duration, SystemTime};

use alipay_ams_api::models::PaymentFactor;
use alipay_ams_core::Amount;
use alipay_ams_core::time::parse_timestamp_millis;

use crate::payment::CaptureMode;

/// `amount` is valid and more than zero.
pub(crate) fn positive(field: &str, amount: &Amount) -> Result<u64, String> {
    match amount.minor_units() {
        Ok(0) => Err(format!("{field}.value must be more than zero")),
        Ok(units) => Ok(units),
        Err(e) => Err(format!("{field}: {e}")),
    }
}

/// `url` is an absolute http(s) URL.
pub(crate) fn absolute_url(field: &str, url: &str) -> Result<(), String> {
    match url.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => {
            Ok(())
        }
        _ => Err(format!(
            "{field} {url:?} is not an absolute http(s) URL such as https://shop.example/return"
        )),
    }
}

/// A protocol timestamp (ISO 8601 with an offset, as Alipay writes them).
pub(crate) fn parse_time(field: &str, text: &str) -> Result<SystemTime, String> {
    let millis = parse_timestamp_millis(text)
        .and_then(|ms| u64::try_from(ms).ok())
        .ok_or_else(|| {
            format!("{field} {text:?} is not a date and time such as 2026-11-25T17:30:05+08:00")
        })?;
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .ok_or_else(|| format!("{field} {text:?} is too far in the future"))
}

/// A deadline given as `text`, which must fall after `now` and at most
/// `max` after it; `None`: `now + default`.
pub(crate) fn deadline(
    field: &str,
    text: Option<&str>,
    now: SystemTime,
    default: Duration,
    max: Duration,
    max_text: &str,
) -> Result<SystemTime, String> {
    let Some(text) = text else {
        return now
            .checked_add(default)
            .ok_or_else(|| format!("{field}: the default is too far in the future"));
    };
    let at = parse_time(field, text)?;
    if at <= now {
        return Err(format!("{field} {text:?} is not in the future"));
    }
    if now.checked_add(max).is_some_and(|latest| at > latest) {
        return Err(format!(
            "{field} {text:?} must be within {max_text} of the request"
        ));
    }
    Ok(at)
}

/// `paymentFactor.captureMode`: `MANUAL`, or automatic (absent or
/// `AUTOMATIC`, Alipay's default).
pub(crate) fn capture_mode(factor: Option<&PaymentFactor>) -> Result<CaptureMode, String> {
    match factor.and_then(|f| f.capture_mode.as_deref()) {
        Some("MANUAL") => Ok(CaptureMode::Manual),
        None | Some("AUTOMATIC") => Ok(CaptureMode::Automatic),
        Some(other) => Err(format!(
            "paymentFactor.captureMode {other:?} is neither MANUAL nor AUTOMATIC"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let usd = |v| Amount::from_minor_units_str("USD", v).unwrap();
        assert_eq!(positive("a", &usd("5")), Ok(5));
        assert!(positive("a", &usd("0")).is_err());
        assert!(absolute_url("u", "https://shop.example/r").is_ok());
        assert!(absolute_url("u", "http://127.0.0.1:9/n").is_ok());
        for bad in ["/relative", "ftp://x/y", "not a url", ""] {
            assert!(absolute_url("u", bad).is_err(), "{bad}");
        }
        let t = parse_time("t", "2026-11-25T17:30:05+08:00").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_795_599_005
        );
        assert!(parse_time("t", "tomorrow").is_err());

        let now = t;
        let hour = Duration::from_secs(3600);
        assert_eq!(
            deadline("d", None, now, hour, hour, "1 hour"),
            Ok(now + hour)
        );
        assert!(
            deadline(
                "d",
                Some("2026-11-25T17:30:05+08:00"),
                now,
                hour,
                hour,
                "1 hour"
            )
            .is_err()
        );
        assert_eq!(
            deadline("d", Some("2026-11-25T10:00:05Z"), now, hour, hour, "1 hour"),
            Ok(now + Duration::from_secs(30 * 60))
        );
        assert!(deadline("d", Some("2026-11-25T12:00:05Z"), now, hour, hour, "1 hour").is_err());
    }
}

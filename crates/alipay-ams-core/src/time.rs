//! The time formats of the protocol (<https://docs.antom.com/ac/ams/api_fund>),
//! without a date library.
//!
//! - `Request-Time` sent by merchants: epoch milliseconds (`1685599933871`);
//! - `response-time` and notification `request-time` from Alipay: ISO 8601 with an
//!   offset (`2019-05-28T12:12:14+08:00`), sometimes `Z` and fractions.
//!
//! Signatures cover the header text verbatim; these functions are only for
//! producing headers and for an optional freshness check.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Epoch milliseconds as Alipay's current SDKs send in `Request-Time`.
pub fn epoch_millis(at: SystemTime) -> String {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .to_string()
}

/// ISO 8601 in UTC with seconds precision and an explicit offset, as Alipay
/// writes `response-time`: `2026-11-25T17:24:08+00:00`.
pub fn iso8601_utc(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Reads a protocol timestamp: epoch milliseconds, or ISO 8601 / RFC 3339 with
/// `Z` or a `±hh:mm` / `±hhmm` offset and optional fractional seconds.
/// Returns milliseconds since the epoch, or `None` when it is neither.
pub fn parse_timestamp_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let bytes = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if bytes.get(13) != Some(&b':') || bytes.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = text.get(19..)?;
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first3 = format!("{:0<3}", fraction.get(..digits.min(3))?);
        millis = first3.parse().ok()?;
        rest = fraction.get(digits..)?;
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest.get(1..)?.chars().filter(|&c| c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits.get(..2)?.parse().ok()?;
            let m: i64 = digits.get(2..)?.parse().ok()?;
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some((local_secs - offset_minutes * 60) * 1000 + millis)
}

// Howard Hinnant's civil-date algorithms (public domain).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_the_protocol_forms() {
        let at = UNIX_EPOCH + Duration::from_millis(1_685_599_933_871);
        assert_eq!(epoch_millis(at), "1685599933871");
        assert_eq!(iso8601_utc(at), "2023-06-01T06:12:13+00:00");
        assert_eq!(
            parse_timestamp_millis("1685599933871"),
            Some(1_685_599_933_871)
        );
        assert_eq!(
            parse_timestamp_millis("2023-06-01T06:12:13+00:00"),
            Some(1_685_599_933_000)
        );
        assert_eq!(
            parse_timestamp_millis("2023-06-01T14:12:13+08:00"),
            Some(1_685_599_933_000)
        );
        assert_eq!(
            parse_timestamp_millis("2023-06-01T06:12:13.871Z"),
            Some(1_685_599_933_871)
        );
        assert_eq!(
            parse_timestamp_millis("2023-06-01T06:12:13+0000"),
            Some(1_685_599_933_000)
        );
        assert_eq!(
            parse_timestamp_millis("2023-05-31T23:12:13-07:00"),
            Some(1_685_599_933_000)
        );
        for bad in [
            "",
            "yesterday",
            "2023-13-01T00:00:00Z",
            "2023-06-01T06:12:13",
            "2023-06-01T06:12:13+8",
        ] {
            assert_eq!(parse_timestamp_millis(bad), None, "{bad}");
        }
    }
}

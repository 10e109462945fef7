//! Judging one reply: verify the raw bytes, then parse, then check that it
//! answers this request.
//! <https://docs.antom.com/ac/ams/digital_signature>
//!
//! | signature headers          | body says | step                                       |
//! |----------------------------|-----------|--------------------------------------------|
//! | both, signature valid      | S         | success, if it echoes the request and is fresh |
//! | both, signature valid      | F         | final failure, if fresh and not for another request |
//! | both, signature valid      | U, a pending code of the API | answer (parsed and checked as an S) |
//! | both, signature valid      | any other U | unknown                                  |
//! | both, signature invalid    | anything  | unknown (content ignored)                  |
//! | neither                    | S / F / U | unknown: an unsigned reply is never final  |
//! | only one                   | anything  | unknown                                    |
//!
//! Any HTTP status but 200, and any body that is not the expected JSON, is
//! unknown too: the request may have been carried out. A verified reply that
//! answers another request (an echoed id or amount differs), or whose
//! `response-time` is far from now, is unknown: Alipay's signature covers the
//! reply alone, so a recorded genuine reply verifies just as well.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_ams_core::protocol::header;
use alipay_ams_core::{ApiRequest, Message, PublicKey, ReplyMismatch, ResultInfo, ResultStatus};
use bytes::Bytes;
use http::HeaderMap;
use serde::Deserialize;

use crate::reason::{NotSentReason, UnknownReason};

/// How many characters of an unexpected body go into an error.
const EXCERPT_CHARS: usize = 160;

/// What one attempt came to.
pub(crate) enum Step<T> {
    /// A verified answer to this request: `S`, or `U` with one of the API's
    /// pending codes.
    Success {
        response: T,
        result: ResultInfo,
        body: Bytes,
        response_time: String,
    },
    /// A verified F that answers this request.
    Failed {
        result: ResultInfo,
        body: Bytes,
        response_time: String,
    },
    /// It may have been carried out. `futile`: sending it again cannot help.
    Unknown {
        reason: UnknownReason,
        result: Option<ResultInfo>,
        futile: bool,
    },
    /// Nothing was sent. `futile`: sending it again cannot help.
    NotSent { reason: NotSentReason, futile: bool },
}

impl<T> Step<T> {
    pub(crate) fn unknown(reason: UnknownReason) -> Self {
        Step::Unknown {
            reason,
            result: None,
            futile: false,
        }
    }
}

/// The part every reply has.
#[derive(Deserialize)]
struct Envelope {
    result: ResultInfo,
}

/// What the caller needs to verify a reply.
pub(crate) struct Expected<'a> {
    /// The path that was called (after the sandbox rewrite).
    pub path: &'a str,
    pub client_id: &'a str,
    pub alipay_public_key: &'a PublicKey,
    /// How far `response-time` may be from now.
    pub tolerance: Duration,
}

pub(crate) fn judge<R: ApiRequest>(
    expected: &Expected<'_>,
    request: &R,
    status: u16,
    headers: &HeaderMap,
    body: Bytes,
) -> Step<R::Response> {
    if status != 200 {
        return Step::unknown(UnknownReason::HttpStatus {
            status,
            excerpt: excerpt(&body),
        });
    }
    let signature = match text_header(headers, header::SIGNATURE) {
        Ok(value) => value,
        Err(reason) => return Step::unknown(reason),
    };
    let response_time = match text_header(headers, header::RESPONSE_TIME) {
        Ok(value) => value,
        Err(reason) => return Step::unknown(reason),
    };
    let response_time = match (signature, response_time) {
        (Some(signature), Some(response_time)) => {
            if let Ok(Some(echoed)) = text_header(headers, header::CLIENT_ID)
                && echoed != expected.client_id
            {
                return Step::unknown(UnknownReason::ClientIdMismatch(echoed.to_owned()));
            }
            let message =
                Message::response(expected.path, expected.client_id, response_time, &body);
            if let Err(error) = message.verify(expected.alipay_public_key, signature) {
                return Step::unknown(UnknownReason::BadSignature(error));
            }
            Some(response_time.to_owned())
        }
        (None, None) => None,
        (Some(_), None) => {
            return Step::unknown(UnknownReason::IncompleteSignature {
                present: header::SIGNATURE,
                missing: header::RESPONSE_TIME,
            });
        }
        (None, Some(_)) => {
            return Step::unknown(UnknownReason::IncompleteSignature {
                present: header::RESPONSE_TIME,
                missing: header::SIGNATURE,
            });
        }
    };
    // Only now is the body read; if it is unsigned, only to show what it
    // claims: nothing unsigned is final.
    let envelope: Envelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(error) => return Step::unknown(unparseable(status, &error, &body)),
    };
    let result = envelope.result;
    let Some(response_time) = response_time else {
        return unsigned(result);
    };
    if !is_fresh(&response_time, expected.tolerance) {
        return Step::Unknown {
            reason: UnknownReason::StaleReply {
                response_time,
                tolerance: expected.tolerance,
            },
            result: Some(result),
            futile: false,
        };
    }
    match result.result_status {
        // A U with one of the API's pending codes (pay's PAYMENT_IN_PROCESS)
        // is a definite answer, judged below like an S.
        ResultStatus::Unknown if !R::is_answer(&result) => Step::Unknown {
            reason: UnknownReason::ResultUnknown,
            result: Some(result),
            futile: false,
        },
        ResultStatus::Failed => match failure_answers(request, &body) {
            Ok(()) => Step::Failed {
                result,
                body,
                response_time,
            },
            Err(mismatch) => Step::Unknown {
                reason: UnknownReason::ReplyMismatch(mismatch),
                result: Some(result),
                futile: false,
            },
        },
        ResultStatus::Success | ResultStatus::Unknown => {
            match serde_json::from_slice::<R::Response>(&body) {
                Err(error) => Step::Unknown {
                    reason: unparseable(status, &error, &body),
                    result: Some(result),
                    futile: false,
                },
                Ok(response) => match request.check_reply(&response) {
                    Ok(()) => Step::Success {
                        response,
                        result,
                        body,
                        response_time,
                    },
                    Err(mismatch) => Step::Unknown {
                        reason: UnknownReason::ReplyMismatch(mismatch),
                        result: Some(result),
                        futile: false,
                    },
                },
            }
        }
    }
}

/// An unsigned reply: never final, whatever it says.
fn unsigned<T>(result: ResultInfo) -> Step<T> {
    let (reason, futile) = match result.result_status {
        ResultStatus::Success => (UnknownReason::UnsignedSuccess, false),
        ResultStatus::Unknown => (UnknownReason::UnsignedUnknown, false),
        // Alipay sends its authentication refusals unsigned; the same
        // request gets the same answer, so it is not sent again.
        ResultStatus::Failed => (
            UnknownReason::UnsignedFailure {
                code: result.result_code.clone(),
            },
            true,
        ),
    };
    Step::Unknown {
        reason,
        result: Some(result),
        futile,
    }
}

/// Whether a verified F answers this request. F replies usually echo
/// nothing; what they do echo must match: the idempotency field, and, if the
/// reply has the success shape, every field the API checks.
fn failure_answers<R: ApiRequest>(request: &R, body: &[u8]) -> Result<(), ReplyMismatch> {
    if let (Some(field), Some(key)) = (R::IDEMPOTENCY_FIELD, request.idempotency_key())
        && let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body)
        && let Some(echoed) = fields.get(field)
    {
        let echoed = match echoed {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
        ReplyMismatch::check(field, key, echoed.as_deref())?;
    }
    match serde_json::from_slice::<R::Response>(body) {
        Ok(response) => request.check_reply(&response),
        Err(_) => Ok(()),
    }
}

/// Whether a `response-time` is within `tolerance` of now, either way.
fn is_fresh(response_time: &str, tolerance: Duration) -> bool {
    let Some(at) = alipay_ams_core::time::parse_timestamp_millis(response_time) else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i128::try_from(d.as_millis()).unwrap_or(i128::MAX))
        .unwrap_or(0);
    let tolerance = i128::try_from(tolerance.as_millis()).unwrap_or(i128::MAX);
    (now - i128::from(at)).abs() <= tolerance
}

/// A header as text; `Ok(None)` when absent or blank.
fn text_header<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
) -> Result<Option<&'h str>, UnknownReason> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some(text)),
            Err(_) => Err(UnknownReason::UnreadableHeader(name)),
        },
    }
}

fn unparseable(status: u16, error: &serde_json::Error, body: &[u8]) -> UnknownReason {
    UnknownReason::UnparseableBody {
        status,
        error: error.to_string(),
        excerpt: excerpt(body),
    }
}

/// The start of a body, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = body
        .get(..body.len().min(EXCERPT_CHARS * 4))
        .unwrap_or(body);
    String::from_utf8_lossy(head)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_and_never_splits_a_character() {
        assert_eq!(excerpt(b"<html>oops"), "<html>oops");
        let long = "é".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn freshness_is_symmetric_and_unreadable_times_are_not_fresh() {
        let hour = Duration::from_secs(3600);
        let now = alipay_ams_core::time::iso8601_utc(SystemTime::now());
        assert!(is_fresh(&now, hour));
        let past = alipay_ams_core::time::iso8601_utc(SystemTime::now() - 2 * hour);
        let future = alipay_ams_core::time::iso8601_utc(SystemTime::now() + 2 * hour);
        assert!(!is_fresh(&past, hour));
        assert!(!is_fresh(&future, hour));
        assert!(is_fresh(&past, 3 * hour));
        assert!(!is_fresh("2020-01-01T00:00:00+08:00", hour));
        assert!(!is_fresh("yesterday", Duration::MAX));
    }
}

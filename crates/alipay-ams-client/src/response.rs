//! Judging one reply: verify the raw bytes, then parse.
//! <https://docs.antom.com/ac/ams/digital_signature>
//!
//! | signature headers          | body says | verdict                          |
//! |----------------------------|-----------|----------------------------------|
//! | both, signature valid      | S / F / U | success / failure / unknown      |
//! | both, signature invalid    | anything  | unknown (content ignored)        |
//! | neither                    | F / U     | failure / unknown, both unverified |
//! | neither                    | S         | unknown: never an unverified success |
//! | only one                   | anything  | unknown                          |
//!
//! Any HTTP status but 200, and any body that is not the expected JSON, is
//! unknown too: the request may have been carried out.

use alipay_ams_core::protocol::header;
use alipay_ams_core::{Message, PublicKey, ResultInfo, ResultStatus};
use http::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::UnknownReason;

/// How many characters of an unexpected body go into an error.
const EXCERPT_CHARS: usize = 160;

/// What one reply means.
pub(crate) enum Verdict<T> {
    Success(T, ResultInfo),
    Failed {
        result: ResultInfo,
        verified: bool,
    },
    Unknown {
        reason: UnknownReason,
        result: Option<ResultInfo>,
    },
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
}

pub(crate) fn judge<T: DeserializeOwned>(
    expected: &Expected<'_>,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Verdict<T> {
    let unknown = |reason| Verdict::Unknown {
        reason,
        result: None,
    };
    if status != 200 {
        return unknown(UnknownReason::HttpStatus {
            status,
            excerpt: excerpt(body),
        });
    }
    let signature = match header(headers, header::SIGNATURE) {
        Ok(value) => value,
        Err(reason) => return unknown(reason),
    };
    let response_time = match header(headers, header::RESPONSE_TIME) {
        Ok(value) => value,
        Err(reason) => return unknown(reason),
    };
    let verified = match (signature, response_time) {
        (Some(signature), Some(response_time)) => {
            if let Ok(Some(echoed)) = header(headers, header::CLIENT_ID)
                && echoed != expected.client_id
            {
                return unknown(UnknownReason::ClientIdMismatch(echoed.to_owned()));
            }
            let message = Message::response(expected.path, expected.client_id, response_time, body);
            if let Err(error) = message.verify(expected.alipay_public_key, signature) {
                return unknown(UnknownReason::BadSignature(error));
            }
            true
        }
        (None, None) => false,
        (Some(_), None) => {
            return unknown(UnknownReason::IncompleteSignature {
                present: header::SIGNATURE,
                missing: header::RESPONSE_TIME,
            });
        }
        (None, Some(_)) => {
            return unknown(UnknownReason::IncompleteSignature {
                present: header::RESPONSE_TIME,
                missing: header::SIGNATURE,
            });
        }
    };
    // Only now is the body read; if it is unsigned, only to tell F and U apart
    // from S, and S is refused below.
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(error) => return unknown(unparseable(status, &error, body)),
    };
    match envelope.result.result_status {
        ResultStatus::Failed => Verdict::Failed {
            result: envelope.result,
            verified,
        },
        ResultStatus::Unknown => Verdict::Unknown {
            reason: UnknownReason::ResultUnknown { verified },
            result: Some(envelope.result),
        },
        ResultStatus::Success if !verified => Verdict::Unknown {
            reason: UnknownReason::UnsignedSuccess,
            result: Some(envelope.result),
        },
        ResultStatus::Success => match serde_json::from_slice::<T>(body) {
            Ok(response) => Verdict::Success(response, envelope.result),
            Err(error) => Verdict::Unknown {
                reason: unparseable(status, &error, body),
                result: Some(envelope.result),
            },
        },
    }
}

/// A header as text; `Ok(None)` when absent or blank.
fn header<'h>(
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
}

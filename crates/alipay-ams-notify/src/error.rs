//! Why a notification was refused, and what Alipay is told.

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;

use alipay_ams_core::{ResultCode, ResultInfo, ResultStatus, VerifyError};

use crate::handler::HandlerError;

/// Why a notification was not acknowledged.
///
/// Every variant maps to an HTTP status ([`status`](Self::status)) and a JSON
/// `result` with resultStatus `F` or `U`, never `S`
/// ([`response_body`](Self::response_body)), so Alipay delivers it again. The
/// messages are for your logs; the response body carries only a fixed,
/// generic text and nothing from the request, the key or the handler.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Not a POST (405).
    #[error("notifications are POSTed; this request used another method")]
    MethodNotAllowed,
    /// The body is over the configured limit (413).
    #[error(
        "the body exceeds the limit of {limit} bytes; raise NotifyConfig::body_limit if genuine notifications are this large"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read, usually because the connection failed (400).
    #[error("the request body could not be read")]
    BodyRead(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A header needed for verification is absent (401).
    #[error("the `{0}` header is missing: the request was not signed by Alipay")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII (401).
    #[error("the `{0}` header is not visible ASCII")]
    InvalidHeader(&'static str),
    /// `client-id` is not the configured client id (401).
    #[error(
        "the client-id header is not the configured client id: check NotifyConfig's client id (sandbox ids start with SANDBOX_)"
    )]
    ClientIdMismatch,
    /// The signature is malformed or does not match (401).
    #[error(
        "signature: {0}; if the app is behind a proxy that rewrites the path, set NotifyConfig::signed_path to the path Alipay calls"
    )]
    Signature(#[source] VerifyError),
    /// `request-time` is further from now than the configured maximum age (401).
    #[error("request-time is outside the configured maximum age")]
    Stale,
    /// A maximum age is configured and `request-time` is neither epoch
    /// milliseconds nor ISO 8601 (401).
    #[error(
        "request-time is neither epoch milliseconds nor ISO 8601, so its age cannot be checked"
    )]
    UnreadableTime,
    /// The verified body is not JSON of a notification's shape (400).
    #[error("the body is not a valid notification: {}", describe_malformed(.0))]
    Malformed(
        /// The parser's error. Its message may quote the body: log it only
        /// where the body may be logged.
        #[source]
        serde_json::Error,
    ),
    /// The handler returned an error (500, resultStatus U): Alipay redelivers.
    #[error("the handler could not process the notification: {0}")]
    Handler(#[source] HandlerError),
}

/// Says what is wrong without quoting the body: serde's "invalid type" and
/// "invalid value" messages include the offending value.
fn describe_malformed(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!(
                "invalid JSON at line {} column {}",
                error.line(),
                error.column()
            )
        }
        Category::Data => {
            let text = error.to_string();
            match text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
            {
                Some((field, _)) => format!("the required field `{field}` is missing"),
                None => "a field has the wrong type or value".to_owned(),
            }
        }
    }
}

impl From<HandlerError> for NotifyError {
    fn from(error: HandlerError) -> Self {
        NotifyError::Handler(error)
    }
}

#[derive(Serialize)]
struct Reply<'a> {
    result: &'a ResultInfo,
}

impl NotifyError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            NotifyError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            NotifyError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            NotifyError::BodyRead(_) | NotifyError::Malformed(_) => StatusCode::BAD_REQUEST,
            NotifyError::MissingHeader(_)
            | NotifyError::InvalidHeader(_)
            | NotifyError::ClientIdMismatch
            | NotifyError::Signature(_)
            | NotifyError::Stale
            | NotifyError::UnreadableTime => StatusCode::UNAUTHORIZED,
            NotifyError::Handler(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `result` to answer with: `F` for a request that is refused as is,
    /// `U` when the failure is on this side and a redelivery may succeed.
    pub fn result(&self) -> ResultInfo {
        let (status, code, message) = match self {
            NotifyError::MethodNotAllowed => (
                ResultStatus::Failed,
                ResultCode::ParamIllegal,
                "notifications must be POSTed",
            ),
            NotifyError::BodyTooLarge { .. } => (
                ResultStatus::Failed,
                ResultCode::ParamIllegal,
                "the body is too large",
            ),
            NotifyError::BodyRead(_) => (
                ResultStatus::Unknown,
                ResultCode::UnknownException,
                "the body could not be read",
            ),
            NotifyError::MissingHeader(_) | NotifyError::InvalidHeader(_) => (
                ResultStatus::Failed,
                ResultCode::InvalidSignature,
                "client-id, request-time and signature headers are required",
            ),
            NotifyError::ClientIdMismatch => (
                ResultStatus::Failed,
                ResultCode::Other("CLIENT_INVALID".to_owned()),
                "client-id is not accepted here",
            ),
            NotifyError::Signature(_) => (
                ResultStatus::Failed,
                ResultCode::InvalidSignature,
                "the signature does not verify",
            ),
            NotifyError::Stale | NotifyError::UnreadableTime => (
                ResultStatus::Failed,
                ResultCode::InvalidSignature,
                "request-time is not accepted",
            ),
            NotifyError::Malformed(_) => (
                ResultStatus::Failed,
                ResultCode::ParamIllegal,
                "the body is not a valid notification",
            ),
            NotifyError::Handler(_) => (
                ResultStatus::Unknown,
                ResultCode::UnknownException,
                "the notification was not processed; deliver it again later",
            ),
        };
        ResultInfo::new(status, code, message)
    }

    /// The JSON body to answer with: `{"result":{...}}`.
    pub fn response_body(&self) -> Bytes {
        let result = self.result();
        match serde_json::to_vec(&Reply { result: &result }) {
            Ok(body) => Bytes::from(body),
            Err(_) => Bytes::from_static(
                br#"{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"not processed"}}"#,
            ),
        }
    }

    /// A short, stable name for logs and metrics (`bad_signature`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            NotifyError::MethodNotAllowed => "method_not_allowed",
            NotifyError::BodyTooLarge { .. } => "body_too_large",
            NotifyError::BodyRead(_) => "body_unreadable",
            NotifyError::MissingHeader(_) => "missing_header",
            NotifyError::InvalidHeader(_) => "invalid_header",
            NotifyError::ClientIdMismatch => "client_id_mismatch",
            NotifyError::Signature(_) => "bad_signature",
            NotifyError::Stale => "stale",
            NotifyError::UnreadableTime => "unreadable_time",
            NotifyError::Malformed(_) => "malformed",
            NotifyError::Handler(_) => "handler_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bodies_are_described_without_quoting_them() {
        let err = |body: &[u8]| {
            NotifyError::Malformed(alipay_ams_core::Notification::from_slice(body).unwrap_err())
                .to_string()
        };
        assert!(
            err(b"{").contains("invalid JSON at line 1"),
            "{}",
            err(b"{")
        );
        let missing = err(br#"{"notifyType":"CAPTURE_RESULT"}"#);
        assert!(
            missing.contains("`result` is missing") || missing.contains("is missing"),
            "{missing}"
        );
        let wrong = err(br#"{"notifyType":"CAPTURE_RESULT","result":"hunter2","captureRequestId":"a","paymentId":"b","captureId":"c","captureAmount":{"currency":"USD","value":"1"}}"#);
        assert!(!wrong.contains("hunter2"), "{wrong}");
    }

    #[test]
    fn refusals_are_never_success() {
        let errors = [
            NotifyError::MethodNotAllowed,
            NotifyError::BodyTooLarge { limit: 1 },
            NotifyError::MissingHeader("signature"),
            NotifyError::ClientIdMismatch,
            NotifyError::Signature(VerifyError::Mismatch),
            NotifyError::Stale,
            NotifyError::Handler(HandlerError::new("database password=hunter2 unreachable")),
        ];
        for error in errors {
            let body: serde_json::Value = serde_json::from_slice(&error.response_body()).unwrap();
            let status = body["result"]["resultStatus"].as_str().unwrap();
            assert!(status == "F" || status == "U", "{error}: {status}");
            assert!(!error.status().is_success());
            assert!(!String::from_utf8_lossy(&error.response_body()).contains("hunter2"));
        }
    }
}

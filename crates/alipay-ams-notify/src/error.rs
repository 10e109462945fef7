//! Why a notification was not acknowledged, and what Alipay is told: one
//! table ([`NotifyError::disposition`]) gives every refusal its HTTP status,
//! its `result`, its name for logs and its log level.

use std::error::Error as StdError;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;

use alipay_ams_core::{ResultCode, ResultInfo, ResultStatus, VerifyError};

use crate::handler::HandlerError;

/// Why a notification was not acknowledged.
///
/// Every variant is answered with an HTTP status ([`status`](Self::status))
/// and a JSON `result` whose resultStatus is `F` or `U`, never `S`
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
        "the body exceeds the limit of {limit} bytes; raise NotifyConfig::with_body_limit if genuine notifications are this large"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read, usually because the connection failed (400).
    #[error("the request body could not be read")]
    BodyRead(#[source] Box<dyn StdError + Send + Sync>),
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
    /// The `signature` header names a key version with no configured key (401).
    #[error(
        "the signature header names keyVersion {version}, but Alipay public keys are configured for version(s) {configured:?} only: if Alipay announced a new key, add it with NotifyConfig::with_alipay_public_key(<version>, <key>)"
    )]
    UnknownKeyVersion {
        /// The version named (or `none`), as text.
        version: String,
        /// The configured versions.
        configured: Vec<u32>,
    },
    /// The signature is malformed or does not match (401).
    #[error(
        "signature: {0}; if the app is behind a proxy that rewrites the path, set NotifyConfig::with_signed_path to the path Alipay calls"
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
    /// The verified body gives a field twice in one object (400): parsers
    /// disagree on which value wins, so the handler and an audit log of the
    /// raw body could read different notifications.
    #[error(
        "the field `{0}` appears twice in one object of the body; such a body is refused, not guessed at"
    )]
    DuplicateField(String),
    /// The verified body carries what identifies several routed kinds at once
    /// (e.g. a `notifyType` of one and the discriminating field of another)
    /// (400): which handler it was meant for cannot be told, so it is
    /// refused rather than routed by registration order.
    #[error(
        "the body is recognised as several notification kinds at once ({}); such a body is refused, not guessed at",
        .0.join(", ")
    )]
    Ambiguous(Vec<&'static str>),
    /// The verified body is not JSON of a notification's shape (400).
    #[error("the body is not a valid notification: {}", describe_malformed(.0))]
    Malformed(
        /// The parser's error. Its message may quote the body: log it only
        /// where the body may be logged.
        #[source]
        serde_json::Error,
    ),
    /// A verified notification that no route handles (501, resultStatus U):
    /// Alipay delivers it again, so nothing is lost while a route is added.
    #[error(
        "no route handles this notification ({kind}); it is not acknowledged, so Alipay will deliver it again: route its kind with .on::<Kind>(handler), or opt in to acknowledging unhandled kinds with .acknowledge_unhandled()"
    )]
    Unhandled {
        /// What identifies its kind: `notifyType "REFUND_RESULT"`, or the
        /// top-level field names of a body without notifyType.
        kind: String,
    },
    /// The handler returned an error (500, resultStatus U): Alipay redelivers.
    /// Its `source()` is the handler's error.
    #[error("the handler could not process the notification: {0}")]
    Handler(#[source] Box<dyn StdError + Send + Sync>),
    /// Another delivery of the same notification is being processed right
    /// now, and the inbox does not wait for it (409, resultStatus U): Alipay
    /// delivers again, and finds it processed.
    #[error(
        "another delivery of this notification is being processed now; Alipay will deliver it again and find it processed"
    )]
    InFlight,
    /// The inbox could not record or commit the notification (its database
    /// is down, a lock wait timed out) (503, resultStatus U): what the handler
    /// wrote is rolled back, and Alipay delivers again. Its `source()` is the
    /// inbox's error.
    #[error(
        "the inbox could not record the notification: {0}; check that its database is reachable"
    )]
    Inbox(#[source] Box<dyn StdError + Send + Sync>),
    /// The request was not answered within the service's deadline (503,
    /// resultStatus U): a slow client or a slow handler. Alipay redelivers.
    #[error(
        "the notification was not processed within the deadline of {limit:?}; if the handler is this slow, make it enqueue the work and return"
    )]
    DeadlineExceeded {
        /// The deadline.
        limit: Duration,
    },
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

impl From<crate::inbox::InboxError> for NotifyError {
    fn from(error: crate::inbox::InboxError) -> Self {
        NotifyError::Inbox(error.into_inner())
    }
}

impl From<HandlerError> for NotifyError {
    fn from(error: HandlerError) -> Self {
        NotifyError::Handler(error.into_inner())
    }
}

/// How a refusal is answered and reported: one row per [`NotifyError`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Disposition {
    pub(crate) status: StatusCode,
    /// `F`: refused as is; `U`: the failure is on this side and a
    /// redelivery may succeed.
    pub(crate) result: ResultStatus,
    pub(crate) code: &'static str,
    /// The `resultMessage` sent: fixed text, nothing from the request.
    pub(crate) message: &'static str,
    /// The name for logs and metrics.
    pub(crate) kind: &'static str,
    /// ERROR when a genuine notification is going unprocessed; WARN for
    /// refused requests, which anyone can send.
    pub(crate) error_level: bool,
}

const fn row(
    status: StatusCode,
    result: ResultStatus,
    code: &'static str,
    message: &'static str,
    kind: &'static str,
    error_level: bool,
) -> Disposition {
    Disposition {
        status,
        result,
        code,
        message,
        kind,
        error_level,
    }
}

#[derive(Serialize)]
struct Reply<'a> {
    result: &'a ResultInfo,
}

impl NotifyError {
    /// The response policy, in one place: one row per variant.
    #[rustfmt::skip]
    pub(crate) fn disposition(&self) -> Disposition {
        use NotifyError as E;
        use ResultStatus::{Failed as F, Unknown as U};
        use StatusCode as S;
        const HEADERS: &str = "client-id, request-time and signature headers are required";
        const AGAIN: &str = "the notification was not processed; deliver it again later";
        const TIME: &str = "request-time is not accepted";
        const NOT_VALID: &str = "the body is not a valid notification";
        match self {
            // variant                         HTTP status               F/U  resultCode            resultMessage (sent)                     name (logs)             ERROR
            E::MethodNotAllowed =>         row(S::METHOD_NOT_ALLOWED,     F,  "PARAM_ILLEGAL",      "notifications must be POSTed",          "method_not_allowed",   false),
            E::BodyTooLarge { .. } =>      row(S::PAYLOAD_TOO_LARGE,      F,  "PARAM_ILLEGAL",      "the body is too large",                 "body_too_large",       false),
            E::BodyRead(_) =>              row(S::BAD_REQUEST,            U,  "UNKNOWN_EXCEPTION",  "the body could not be read",            "body_unreadable",      false),
            E::MissingHeader(_) =>         row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  HEADERS,                                 "missing_header",       false),
            E::InvalidHeader(_) =>         row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  HEADERS,                                 "invalid_header",       false),
            E::ClientIdMismatch =>         row(S::UNAUTHORIZED,           F,  "CLIENT_INVALID",     "client-id is not accepted here",        "client_id_mismatch",   false),
            E::UnknownKeyVersion { .. } => row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  "the key version is not accepted here",  "unknown_key_version",  false),
            E::Signature(_) =>             row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  "the signature does not verify",         "bad_signature",        false),
            E::Stale =>                    row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  TIME,                                    "stale",                false),
            E::UnreadableTime =>           row(S::UNAUTHORIZED,           F,  "INVALID_SIGNATURE",  TIME,                                    "unreadable_time",      false),
            E::DuplicateField(_) =>        row(S::BAD_REQUEST,            F,  "PARAM_ILLEGAL",      "a field appears twice in the body",     "duplicate_field",      false),
            E::Ambiguous(_) =>             row(S::BAD_REQUEST,            F,  "PARAM_ILLEGAL",      NOT_VALID,                               "ambiguous_kind",       false),
            E::Malformed(_) =>             row(S::BAD_REQUEST,            F,  "PARAM_ILLEGAL",      NOT_VALID,                               "malformed",            false),
            E::Unhandled { .. } =>         row(S::NOT_IMPLEMENTED,        U,  "UNKNOWN_EXCEPTION",  AGAIN,                                   "unhandled_kind",       true),
            E::Handler(_) =>               row(S::INTERNAL_SERVER_ERROR,  U,  "UNKNOWN_EXCEPTION",  AGAIN,                                   "handler_failed",       true),
            E::InFlight =>                 row(S::CONFLICT,               U,  "UNKNOWN_EXCEPTION",  AGAIN,                                   "in_flight",            false),
            E::Inbox(_) =>                 row(S::SERVICE_UNAVAILABLE,    U,  "UNKNOWN_EXCEPTION",  AGAIN,                                   "inbox_failed",         true),
            E::DeadlineExceeded { .. } =>  row(S::SERVICE_UNAVAILABLE,    U,  "UNKNOWN_EXCEPTION",  AGAIN,                                   "deadline_exceeded",    false),
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        self.disposition().status
    }

    /// The `result` to answer with: `F` for a request that is refused as is,
    /// `U` when the failure is on this side and a redelivery may succeed.
    pub fn result(&self) -> ResultInfo {
        let row = self.disposition();
        ResultInfo::new(row.result, ResultCode::from(row.code), row.message)
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
        self.disposition().kind
    }

    /// Logs the refusal: at ERROR when a genuine notification goes
    /// unprocessed (no route, handler failure), at WARN otherwise. The message
    /// never quotes the body or the signature.
    pub(crate) fn log(&self) {
        let row = self.disposition();
        if row.error_level {
            tracing::error!(outcome = row.kind, error = %self, "notification not acknowledged; Alipay will deliver it again");
        } else {
            tracing::warn!(outcome = row.kind, error = %self, "notification refused");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Shape {
        result: ResultInfo,
        id: String,
    }

    #[test]
    fn malformed_bodies_are_described_without_quoting_them() {
        let err = |body: &[u8]| {
            NotifyError::Malformed(serde_json::from_slice::<Shape>(body).unwrap_err()).to_string()
        };
        assert!(
            err(b"{").contains("invalid JSON at line 1"),
            "{}",
            err(b"{")
        );
        let missing = err(br#"{"id":"x"}"#);
        assert!(missing.contains("`result` is missing"), "{missing}");
        let wrong = err(br#"{"result":"hunter2","id":"a"}"#);
        assert!(!wrong.contains("hunter2"), "{wrong}");
    }

    #[test]
    fn refusals_are_never_success_and_never_leak() {
        let io = || {
            Box::new(std::io::Error::other(
                "database password=hunter2 unreachable",
            ))
        };
        let errors = [
            NotifyError::MethodNotAllowed,
            NotifyError::BodyTooLarge { limit: 1 },
            NotifyError::BodyRead(io()),
            NotifyError::MissingHeader("signature"),
            NotifyError::InvalidHeader("signature"),
            NotifyError::ClientIdMismatch,
            NotifyError::UnknownKeyVersion {
                version: "9".into(),
                configured: vec![1],
            },
            NotifyError::Signature(VerifyError::Mismatch),
            NotifyError::Stale,
            NotifyError::UnreadableTime,
            NotifyError::DuplicateField("hunter2".into()),
            NotifyError::Malformed(serde_json::from_slice::<Shape>(b"{").unwrap_err()),
            NotifyError::Unhandled {
                kind: "notifyType \"hunter2\"".into(),
            },
            NotifyError::Handler(io()),
            NotifyError::InFlight,
            NotifyError::Inbox(io()),
            NotifyError::DeadlineExceeded {
                limit: Duration::from_secs(1),
            },
        ];
        let mut kinds = std::collections::HashSet::new();
        for error in errors {
            let body: serde_json::Value = serde_json::from_slice(&error.response_body()).unwrap();
            let status = body["result"]["resultStatus"].as_str().unwrap();
            assert!(status == "F" || status == "U", "{error}: {status}");
            assert!(!error.status().is_success());
            assert!(!String::from_utf8_lossy(&error.response_body()).contains("hunter2"));
            assert!(kinds.insert(error.kind()), "{} named twice", error.kind());
        }
    }

    #[test]
    fn a_handler_error_keeps_its_source() {
        let err = NotifyError::from(HandlerError::from(std::io::Error::other("disk full")));
        let source = err.source().unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert!(err.to_string().contains("disk full"));
    }
}

//! Why an outcome is unknown, why a request was not sent, and why no further
//! attempt was made.

use std::time::Duration;

use alipay_ams_core::{InvalidField, ReplyMismatch, ResultCode, SignError, VerifyError};

use crate::transport::TransportError;

/// Why one attempt's outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownReason {
    /// Alipay answered `U` in a verified reply (e.g. `CAPTURE_IN_PROCESS`,
    /// `UNKNOWN_EXCEPTION`), with a code that is not one of the API's pending
    /// codes (those are answers).
    #[error("Alipay answered U")]
    ResultUnknown,
    /// An unsigned reply that says `U`.
    #[error("the reply says U but is unsigned, so it cannot be authenticated")]
    UnsignedUnknown,
    /// An unsigned reply that says `F`. Alipay does send some refusals
    /// unsigned, but so could anyone in the path while the real request
    /// succeeds: an F that cannot be authenticated is never final.
    #[error(
        "the reply says F ({code}) but is unsigned, so it cannot be authenticated and is not final{hint}",
        hint = unsigned_failure_hint(code)
    )]
    UnsignedFailure {
        /// The code the reply carried.
        code: ResultCode,
    },
    /// An unsigned reply that says `S`: never taken as success.
    #[error("the reply says S but is unsigned; an unverified success is never accepted")]
    UnsignedSuccess,
    /// No complete reply within the attempt timeout (or what was left of the
    /// call timeout).
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The connection broke, or failed, after the request may have been
    /// written.
    #[error("{0}")]
    Transport(#[source] TransportError),
    /// An HTTP status other than 200.
    #[error("HTTP status {status} (body starts: {excerpt:?})")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// The reply is larger than the configured limit.
    #[error("the reply body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The signature did not verify: the reply may have been altered, or the
    /// configured Alipay public key is wrong.
    #[error("the reply's signature does not verify ({0}); its content was ignored")]
    BadSignature(#[source] VerifyError),
    /// Only one of `signature` and `response-time` was present.
    #[error("the reply carries `{present}` but no `{missing}` header, so it cannot be verified")]
    IncompleteSignature {
        /// The header that was present.
        present: &'static str,
        /// The header that was missing.
        missing: &'static str,
    },
    /// A signature header that is not text.
    #[error("the reply's `{0}` header is not valid text")]
    UnreadableHeader(&'static str),
    /// The reply's `client-id` is not the configured one.
    #[error("the reply is for client id {0:?}, not this client's")]
    ClientIdMismatch(String),
    /// A verified reply that answers another request: an echoed identifier
    /// differs from what was sent. Alipay's signature covers the reply only,
    /// so a recorded genuine reply can be replayed by anyone in the path.
    #[error(
        "the signed reply answers another request ({0}): a recorded reply may have been replayed, so it is not believed"
    )]
    ReplyMismatch(#[source] ReplyMismatch),
    /// A verified reply whose `response-time` is too far from this
    /// machine's clock: a recorded reply may have been replayed.
    #[error(
        "the signed reply's response-time {response_time:?} is not within {tolerance:?} of this machine's clock: \
         a recorded reply may have been replayed (or this machine's clock is wrong), so it is not believed"
    )]
    StaleReply {
        /// The `response-time` header.
        response_time: String,
        /// The configured tolerance
        /// ([`ClientBuilder::response_time_tolerance`](crate::ClientBuilder::response_time_tolerance)).
        tolerance: Duration,
    },
    /// The body is not JSON of the expected shape.
    #[error(
        "HTTP {status} with a body that is not the expected JSON ({error}; body starts: {excerpt:?})"
    )]
    UnparseableBody {
        /// The HTTP status.
        status: u16,
        /// What the parser said.
        error: String,
        /// The start of the body.
        excerpt: String,
    },
}

impl UnknownReason {
    /// A short name for logs: never a body excerpt.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            UnknownReason::ResultUnknown => "result U",
            UnknownReason::UnsignedUnknown => "unsigned U",
            UnknownReason::UnsignedFailure { .. } => "unsigned F",
            UnknownReason::UnsignedSuccess => "unsigned S",
            UnknownReason::Timeout(_) => "timeout",
            UnknownReason::Transport(_) => "transport",
            UnknownReason::HttpStatus { .. } => "HTTP status",
            UnknownReason::BodyTooLarge { .. } => "body too large",
            UnknownReason::BadSignature(_) => "bad signature",
            UnknownReason::IncompleteSignature { .. } => "incomplete signature",
            UnknownReason::UnreadableHeader(_) => "unreadable header",
            UnknownReason::ClientIdMismatch(_) => "client id mismatch",
            UnknownReason::ReplyMismatch(_) => "reply for another request",
            UnknownReason::StaleReply { .. } => "stale response-time",
            UnknownReason::UnparseableBody { .. } => "unparseable body",
        }
    }
}

fn unsigned_failure_hint(code: &ResultCode) -> &'static str {
    match code.as_str() {
        "INVALID_SIGNATURE" => {
            ": INVALID_SIGNATURE usually means Alipay could not verify your request with the keys it holds: \
             check that your private key matches the public key uploaded to the Antom Dashboard for this client \
             id, that the client id and the environment (sandbox or production) match those keys, and that the \
             Alipay public key you configured is the one from the same Dashboard page"
        }
        "ACCESS_DENIED" | "KEY_NOT_FOUND" | "CLIENT_INVALID" | "INVALID_CLIENT" => {
            ": check the client id, the keys uploaded to the Antom Dashboard and the gateway region"
        }
        _ => "",
    }
}

/// Why nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotSentReason {
    /// The request is invalid: Alipay would refuse it (the field is named).
    #[error("invalid request: {0}")]
    InvalidRequest(#[source] InvalidField),
    /// The request could not be serialized.
    #[error("could not serialize the request: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The request could not be signed.
    #[error("could not sign the request: {0}")]
    Sign(#[source] SignError),
    /// The connection could not be made (DNS, TCP, TLS), or the HTTP client
    /// refused the request: see [`TransportError::kind`].
    #[error("{0}")]
    Transport(#[source] TransportError),
}

impl NotSentReason {
    /// A short name for logs.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            NotSentReason::InvalidRequest(_) => "invalid request",
            NotSentReason::Serialize(_) => "serialize",
            NotSentReason::Sign(_) => "sign",
            NotSentReason::Transport(_) => "transport",
        }
    }

    /// The transport failure, if that is what it was.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            NotSentReason::Transport(error) => Some(error),
            _ => None,
        }
    }
}

/// Why no further attempt was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryStop {
    /// The API may not be sent twice ([`Retry::Never`](crate::Retry::Never),
    /// or [`Retry::SameKey`](crate::Retry::SameKey) without a key).
    NotAllowed,
    /// A retry cannot fix this failure (an invalid request, a certificate or
    /// TLS problem, an unsigned refusal).
    Futile,
    /// The retry policy's attempts are used up.
    MaxAttempts,
    /// The call timeout ran out.
    CallTimeout,
    /// The client's retry budget is exhausted: many calls were retried
    /// recently, so this one was not, to spare a gateway in trouble.
    BudgetExhausted,
}

impl RetryStop {
    /// A clause for error messages, when the reason is worth telling.
    pub(crate) fn explain(self) -> Option<&'static str> {
        match self {
            RetryStop::MaxAttempts => None,
            RetryStop::NotAllowed => Some("not retried: this API may not be sent twice"),
            RetryStop::Futile => Some("not retried: a retry cannot fix this"),
            RetryStop::CallTimeout => Some("no further attempt: the call timeout ran out"),
            RetryStop::BudgetExhausted => Some(
                "no further attempt: the client's retry budget ran out (many calls were retried recently; \
                 Alipay may be having an incident)",
            ),
        }
    }
}

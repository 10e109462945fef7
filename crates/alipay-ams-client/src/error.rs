//! What can go wrong, as types: a final failure, an unknown outcome, or a
//! request that was never sent.

use alipay_ams_core::{InvalidField, ReplyMismatch, ResultInfo, SignError, VerifyError};

/// Why a call failed. Match on the variant to decide what to do next:
///
/// - [`Error::Failed`]: Alipay answered F. Final for this idempotency key; a
///   new attempt needs a new key (a new `captureRequestId`).
/// - [`Error::OutcomeUnknown`]: it may or may not have happened. Never treat
///   this as a failure: wait for the notification or inquire, and retry only
///   with the same idempotency key.
/// - The other variants: nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Alipay answered `resultStatus` F: final for this idempotency key.
    #[error(
        "{api} failed ({code}{message}){unverified}: this is final for {field} {key}; \
         fix the cause, and use a new {field} for a new attempt",
        api = .api,
        code = .result.result_code,
        message = .result.result_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
        unverified = if *.verified { "" } else { " [unsigned reply]" },
        field = .idempotency_field.unwrap_or("idempotency key"),
        key = .idempotency_key.as_deref().unwrap_or("-"),
    )]
    Failed {
        /// The API called, e.g. `capture`.
        api: &'static str,
        /// Alipay's result (status F).
        result: ResultInfo,
        /// Whether the reply carried a valid signature. Alipay's gateway may
        /// send F unsigned (e.g. for INVALID_SIGNATURE); such replies are
        /// accepted as failures because acting on them cannot lose money.
        verified: bool,
        /// The wire name of the idempotency field, if the API has one.
        idempotency_field: Option<&'static str>,
        /// The idempotency key of the request.
        idempotency_key: Option<String>,
        /// The reply body exactly as received (verified only if `verified`).
        body: bytes::Bytes,
    },
    /// The outcome is unknown after every allowed attempt: the request may
    /// have been carried out. Wait for the notification or inquire; if you
    /// send it again, send the same request with the same idempotency key.
    #[error(
        "{api} outcome UNKNOWN after {attempts} attempt(s) for {field} {key}: {reason}{last}. \
         It may have been carried out: {advice}",
        api = .api,
        attempts = .attempts,
        field = .idempotency_field.unwrap_or("idempotency key"),
        key = .idempotency_key.as_deref().unwrap_or("-"),
        reason = .reason,
        last = .last_result.as_ref().map(|r| format!(" (last result {} {})", r.result_status, r.result_code)).unwrap_or_default(),
        advice = .advice,
    )]
    OutcomeUnknown {
        /// The API called.
        api: &'static str,
        /// Why the last attempt's outcome is unknown.
        reason: UnknownReason,
        /// How many attempts were made.
        attempts: u32,
        /// The last `result` Alipay sent, if any (e.g. U / CAPTURE_IN_PROCESS).
        last_result: Option<ResultInfo>,
        /// The wire name of the idempotency field, if the API has one.
        idempotency_field: Option<&'static str>,
        /// The idempotency key every attempt carried.
        idempotency_key: Option<String>,
        /// What to do now.
        advice: &'static str,
    },
    /// The request was refused before sending: Alipay would reject it.
    #[error("invalid request, nothing was sent: {0}")]
    InvalidRequest(#[from] InvalidField),
    /// The request could not be serialized; nothing was sent.
    #[error("could not serialize the request, nothing was sent: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The request could not be signed; nothing was sent.
    #[error("could not sign the request, nothing was sent: {0}")]
    Sign(#[from] SignError),
}

impl Error {
    /// Whether the outcome is unknown (the request may have been carried out).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// Whether Alipay answered with a final failure (F).
    pub fn is_failed(&self) -> bool {
        matches!(self, Error::Failed { .. })
    }

    /// The body of a final failure's reply, exactly as received.
    pub fn failure_body(&self) -> Option<&[u8]> {
        match self {
            Error::Failed { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The `result` Alipay sent, if any: the failure's, or the last one seen
    /// before the outcome became unknown.
    pub fn result(&self) -> Option<&ResultInfo> {
        match self {
            Error::Failed { result, .. } => Some(result),
            Error::OutcomeUnknown { last_result, .. } => last_result.as_ref(),
            _ => None,
        }
    }
}

/// Why one attempt's outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownReason {
    /// Alipay answered `resultStatus` U (e.g. CAPTURE_IN_PROCESS, UNKNOWN_EXCEPTION).
    #[error("Alipay answered U{}", if *.verified { "" } else { " [unsigned reply]" })]
    ResultUnknown {
        /// Whether the reply carried a valid signature.
        verified: bool,
    },
    /// No complete reply within the timeout.
    #[error("no reply within {0:?}")]
    Timeout(std::time::Duration),
    /// The connection could not be made or broke.
    #[error("transport error: {0}")]
    Transport(String),
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
    /// An unsigned reply that says S: never taken as success.
    #[error("the reply says S but is unsigned; an unverified success is never accepted")]
    UnsignedSuccess,
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

/// Why [`ClientBuilder::build`](crate::ClientBuilder::build) refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required setting is missing.
    #[error("missing {what}: {hint}")]
    Missing {
        /// The setting.
        what: &'static str,
        /// How to provide it.
        hint: &'static str,
    },
    /// The merchant's own public key was configured as Alipay's.
    #[error(
        "the Alipay public key is your own public key: responses are signed by Alipay, so download \
         Alipay's public key from the Antom Dashboard (Developers > Quick start > Integration resources; \
         sandbox and production differ) and pass that instead"
    )]
    OwnPublicKey,
    /// The client id cannot be sent as a header.
    #[error(
        "client id {0:?} is not valid: copy it from the Antom Dashboard (e.g. SANDBOX_5X00000000000000)"
    )]
    InvalidClientId(String),
    /// The agent token cannot be sent as a header.
    #[error("the agent token is not valid: it must be 1 to 128 visible ASCII characters")]
    InvalidAgentToken,
    /// A sandbox client id was configured for production.
    #[error(
        "client id {0:?} is a sandbox id, but the environment is Production: sandbox ids only work on \
         /ams/sandbox/api/...; drop .environment(Production) or use your production client id and keys"
    )]
    SandboxIdInProduction(String),
    /// The gateway URL cannot be used.
    #[error("gateway URL {url:?} cannot be used: {reason}")]
    InvalidGateway {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain http to a host that is not loopback.
    #[error(
        "gateway URL {0:?} uses plain http to a host that is not loopback: Alipay only accepts https; \
         for a test server on another host call .allow_insecure_http()"
    )]
    InsecureHttp(String),
    /// The HTTP client could not be created.
    #[error("could not create the HTTP client: {0}")]
    Http(#[source] Box<dyn std::error::Error + Send + Sync>),
}

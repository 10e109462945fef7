//! What a call that did not succeed comes to, for the money: a final
//! failure, an unknown outcome, or a request that was never sent.

use std::fmt;

use alipay_ams_core::ResultInfo;
use bytes::Bytes;

use crate::reason::{NotSentReason, RetryStop, UnknownReason};

/// What a failed call means for the money. Every [`Error`] has exactly one,
/// and the set is closed: match it without a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Alipay refused in a verified reply (`F`): it did not happen, and this
    /// idempotency key is spent.
    Failed,
    /// It may or may not have happened. Never treat it as a failure: wait for
    /// the notification or inquire, and send again only the same request
    /// (same idempotency key).
    Unknown,
    /// Nothing reached Alipay: it did not happen. Fix the cause and send it
    /// again.
    NotSent,
}

/// Why a call did not succeed. One variant per [`Outcome`], each boxed so
/// that `Result<T, Error>` stays two words; the set is closed, so a `match`
/// needs no wildcard arm:
///
/// ```
/// use alipay_ams_client::Error;
///
/// /// What an order system records after a capture that did not succeed.
/// fn record(error: &Error) -> String {
///     match error {
///         Error::Failed(failed) => format!("declined: {}", failed.result().result_code),
///         Error::Unknown(unknown) => format!(
///             "pending: resend {:?} or wait for notifyCapture",
///             unknown.idempotency_key()
///         ),
///         Error::NotSent(_) => "not captured: safe to try again".to_owned(),
///     }
/// }
/// # let _ = record;
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Alipay answered `F` in a verified reply.
    #[error(transparent)]
    Failed(Box<Failed>),
    /// The request may have been carried out.
    #[error(transparent)]
    Unknown(Box<Unknown>),
    /// Nothing reached Alipay.
    #[error(transparent)]
    NotSent(Box<NotSent>),
}

impl Error {
    /// What it means for the money.
    pub fn outcome(&self) -> Outcome {
        match self {
            Error::Failed(_) => Outcome::Failed,
            Error::Unknown(_) => Outcome::Unknown,
            Error::NotSent(_) => Outcome::NotSent,
        }
    }

    /// The API called (`capture`).
    pub fn api(&self) -> &'static str {
        self.call().api
    }

    /// The idempotency key the request carried, if its API has one.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.call().idempotency_key.as_deref()
    }

    /// How many attempts reached the network (0: refused before sending).
    pub fn attempts(&self) -> u32 {
        self.call().attempts
    }

    /// The `result` Alipay sent: the failure's, or the last one seen before
    /// the outcome became unknown (verified or not: see
    /// [`Unknown::reason`]).
    pub fn result(&self) -> Option<&ResultInfo> {
        match self {
            Error::Failed(failed) => Some(&failed.result),
            Error::Unknown(unknown) => unknown.result.as_ref(),
            Error::NotSent(_) => None,
        }
    }

    fn call(&self) -> &Call {
        match self {
            Error::Failed(failed) => &failed.call,
            Error::Unknown(unknown) => &unknown.call,
            Error::NotSent(not_sent) => &not_sent.call,
        }
    }
}

/// What every error says about the call it ends.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub api: &'static str,
    pub idempotency_field: Option<&'static str>,
    pub idempotency_key: Option<String>,
    pub attempts: u32,
}

impl Call {
    /// `captureRequestId c-1`, or `no idempotency key`.
    fn key_text(&self) -> String {
        match (self.idempotency_field, &self.idempotency_key) {
            (Some(field), Some(key)) => format!("{field} {key}"),
            (Some(field), None) => format!("{field} (none)"),
            (None, _) => "a request without idempotency key".to_owned(),
        }
    }
}

/// Alipay refused, in a verified reply (`F`): final for this idempotency key.
pub struct Failed {
    pub(crate) call: Call,
    pub(crate) result: ResultInfo,
    pub(crate) body: Bytes,
    pub(crate) response_time: String,
}

impl Failed {
    /// The API called.
    pub fn api(&self) -> &'static str {
        self.call.api
    }

    /// Alipay's result (status `F`): branch on `result_code`.
    pub fn result(&self) -> &ResultInfo {
        &self.result
    }

    /// The reply body exactly as received and verified.
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// The `response-time` the signature covered.
    pub fn response_time(&self) -> &str {
        &self.response_time
    }

    /// The wire name of the idempotency field (`captureRequestId`), if any.
    pub fn idempotency_field(&self) -> Option<&'static str> {
        self.call.idempotency_field
    }

    /// The idempotency key of the request, now spent.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.call.idempotency_key.as_deref()
    }

    /// How many attempts the call took.
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed ({}", self.call.api, self.result.result_code)?;
        if let Some(message) = &self.result.result_message {
            write!(f, ": {message}")?;
        }
        match self.call.idempotency_field {
            Some(field) => write!(
                f,
                "): this is final for {}; fix the cause, and use a new {field} for a new attempt",
                self.call.key_text()
            ),
            None => f.write_str("): this is final; fix the cause before sending it again"),
        }
    }
}

impl fmt::Debug for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("call", &self.call)
            .field("result", &self.result)
            .field("body", &BodyLen(self.body.len()))
            .field("response_time", &self.response_time)
            .finish()
    }
}

impl std::error::Error for Failed {}

/// The outcome is unknown after every allowed attempt: the request may have
/// been carried out.
#[derive(Debug)]
pub struct Unknown {
    pub(crate) call: Call,
    pub(crate) reason: UnknownReason,
    pub(crate) result: Option<ResultInfo>,
    pub(crate) stop: RetryStop,
    pub(crate) advice: &'static str,
}

impl Unknown {
    /// The API called.
    pub fn api(&self) -> &'static str {
        self.call.api
    }

    /// Why the last attempt's outcome is unknown.
    pub fn reason(&self) -> &UnknownReason {
        &self.reason
    }

    /// The last `result` a reply carried (e.g. `U` / `CAPTURE_IN_PROCESS`),
    /// whether or not that reply could be believed.
    pub fn result(&self) -> Option<&ResultInfo> {
        self.result.as_ref()
    }

    /// Why no further attempt was made.
    pub fn retry_stop(&self) -> RetryStop {
        self.stop
    }

    /// What to do now: which notification to wait for, which inquiry to make.
    pub fn advice(&self) -> &'static str {
        self.advice
    }

    /// The wire name of the idempotency field, if any.
    pub fn idempotency_field(&self) -> Option<&'static str> {
        self.call.idempotency_field
    }

    /// The idempotency key every attempt carried: the only one to send again.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.call.idempotency_key.as_deref()
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} outcome UNKNOWN after {} attempt(s) for {}: {}",
            self.call.api,
            self.call.attempts,
            self.call.key_text(),
            self.reason
        )?;
        if let Some(last) = &self.result {
            write!(
                f,
                " (last result {} {})",
                last.result_status, last.result_code
            )?;
        }
        if let Some(why) = self.stop.explain() {
            write!(f, "; {why}")?;
        }
        write!(f, ". It may have been carried out: {}", self.advice)
    }
}

impl std::error::Error for Unknown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason.source()
    }
}

/// Nothing reached Alipay: the request was refused before sending, or every
/// attempt failed before a byte of it was written.
#[derive(Debug)]
pub struct NotSent {
    pub(crate) call: Call,
    pub(crate) reason: NotSentReason,
    pub(crate) stop: RetryStop,
}

impl NotSent {
    /// The API called.
    pub fn api(&self) -> &'static str {
        self.call.api
    }

    /// Why it was not sent (the last attempt's reason, after retries).
    pub fn reason(&self) -> &NotSentReason {
        &self.reason
    }

    /// Why no further attempt was made.
    pub fn retry_stop(&self) -> RetryStop {
        self.stop
    }

    /// The wire name of the idempotency field, if any.
    pub fn idempotency_field(&self) -> Option<&'static str> {
        self.call.idempotency_field
    }

    /// The idempotency key of the request (not spent: nothing was sent).
    pub fn idempotency_key(&self) -> Option<&str> {
        self.call.idempotency_key.as_deref()
    }

    /// How many attempts tried the network (0: refused before: invalid,
    /// unserializable or unsignable).
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.call.attempts == 0 {
            write!(
                f,
                "{} not sent, nothing was sent to Alipay: {}",
                self.call.api, self.reason
            )
        } else {
            write!(
                f,
                "{} NOT SENT after {} attempt(s), nothing reached Alipay: {}",
                self.call.api, self.call.attempts, self.reason
            )?;
            if let Some(why) = self.stop.explain() {
                write!(f, "; {why}")?;
            }
            write!(
                f,
                ". It did not happen: fix the cause and send it again (the same {} is safe)",
                self.call.idempotency_field.unwrap_or("request")
            )
        }
    }
}

impl std::error::Error for NotSent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason.source()
    }
}

/// Shows a body as its length: bodies may hold personal data and never reach
/// `Debug` output.
pub(crate) struct BodyLen(pub usize);

impl fmt::Debug for BodyLen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

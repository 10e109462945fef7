//! One call: validate, serialize once, then attempts until one is final, or
//! the request may not, need not or cannot be sent again.
//!
//! A verified `S`, or a verified `U` with one of the API's
//! [`PENDING_CODES`](alipay_ams_core::ApiRequest::PENDING_CODES) (pay's
//! `PAYMENT_IN_PROCESS`), is an answer: the call ends there, and is never sent
//! again. Any other `U` is unknown.
//!
//! A request whose attempts all failed before a byte was written is
//! [`NotSent`](crate::Outcome::NotSent) (and may always be sent again: it never
//! left). Once one attempt may have reached Alipay, the call can only end as
//! success, a verified F, or unknown; and further attempts need the API's
//! retry class to allow them.

use alipay_ams_core::{ApiRequest, InvalidField, ResultInfo, ResultStatus};
use bytes::Bytes;
use tokio::time::Instant;
use tracing::{Instrument, field};

use crate::client::{Inner, Verified};
use crate::error::{Call, Error, Failed, NotSent, Unknown};
use crate::options::CallOptions;
use crate::reason::{NotSentReason, RetryStop, UnknownReason};
use crate::response::Step;

/// What the errors of a call of `request` say about it.
pub(crate) fn call_of<R: ApiRequest>(request: &R, attempts: u32) -> Call {
    Call {
        api: R::NAME,
        idempotency_field: R::IDEMPOTENCY_FIELD,
        idempotency_key: request.idempotency_key().map(str::to_owned),
        attempts,
    }
}

/// The error of a request refused before anything was sent.
pub(crate) fn invalid<R: ApiRequest>(request: &R, invalid: InvalidField) -> Error {
    Error::NotSent(Box::new(NotSent {
        call: call_of(request, 0),
        reason: NotSentReason::InvalidRequest(invalid),
        stop: RetryStop::Futile,
    }))
}

pub(crate) async fn run<R: ApiRequest>(
    inner: &Inner,
    request: &R,
    options: &CallOptions,
) -> Result<Verified<R::Response>, Error> {
    if let Err(error) = request.validate() {
        return Err(invalid(request, error));
    }
    // Serialized once: every attempt signs and sends these same bytes.
    let body = match serde_json::to_vec(request) {
        Ok(body) => Bytes::from(body),
        Err(error) => {
            return Err(Error::NotSent(Box::new(NotSent {
                call: call_of(request, 0),
                reason: NotSentReason::Serialize(error),
                stop: RetryStop::Futile,
            })));
        }
    };
    run_serialized(inner, request, options, body).await
}

/// Sends `body`, the serialization of `request` made earlier (an outbox
/// keeps it, so that every send of an intent is byte-identical), through
/// the same attempts as [`run`]; `request` judges the replies. The caller
/// validated `request` and made `body` from it.
pub(crate) async fn run_serialized<R: ApiRequest>(
    inner: &Inner,
    request: &R,
    options: &CallOptions,
    body: Bytes,
) -> Result<Verified<R::Response>, Error> {
    let mut call = call_of(request, 0);
    let path = inner.environment.path(R::PATH);
    let span = tracing::info_span!(
        "alipay_ams.call",
        api = R::NAME,
        path = %path,
        idempotency_key = call.idempotency_key.as_deref().unwrap_or(""),
        attempts = field::Empty,
        outcome = field::Empty,
        result_status = field::Empty,
        result_code = field::Empty,
    );
    let result = attempts(inner, request, options, &path, &body, &mut call)
        .instrument(span.clone())
        .await;
    span.record("attempts", call.attempts);
    span.record(
        "outcome",
        match &result {
            Ok(verified) if verified.is_pending() => "pending",
            Ok(_) => "ok",
            Err(Error::Failed(_)) => "failed",
            Err(Error::Unknown(_)) => "unknown",
            Err(Error::NotSent(_)) => "not_sent",
        },
    );
    result
}

/// What ended the attempts without a final answer.
enum Last {
    Unknown(UnknownReason),
    NotSent(NotSentReason),
}

async fn attempts<R: ApiRequest>(
    inner: &Inner,
    request: &R,
    options: &CallOptions,
    path: &str,
    body: &Bytes,
    call: &mut Call,
) -> Result<Verified<R::Response>, Error> {
    let policy = options.retry.unwrap_or(inner.retry);
    let attempt_timeout = options.attempt_timeout.unwrap_or(inner.attempt_timeout);
    let deadline = options
        .call_timeout
        .or(inner.call_timeout)
        .map(|limit| Instant::now() + limit);
    let span = tracing::Span::current();
    inner.budget.deposit();
    let mut maybe_sent = false;
    let mut last_result: Option<ResultInfo> = None;
    // The reason that makes the outcome unknown, kept when a later attempt
    // fails before sending: that later failure does not undo the earlier one.
    let mut last_unknown: Option<UnknownReason> = None;
    loop {
        call.attempts += 1;
        let attempt = call.attempts;
        let timeout = match deadline {
            Some(deadline) => {
                attempt_timeout.min(deadline.saturating_duration_since(Instant::now()))
            }
            None => attempt_timeout,
        };
        let attempt_span = tracing::debug_span!(
            "alipay_ams.attempt",
            attempt,
            http_status = field::Empty,
            result_status = field::Empty,
            result_code = field::Empty,
        );
        let step = crate::attempt::attempt(inner, request, path, body, timeout)
            .instrument(attempt_span.clone())
            .await;
        let spans = [&span, &attempt_span];
        let (last, futile) = match step {
            Step::Success {
                response,
                result,
                body,
                response_time,
            } => {
                record_result(&spans, &result);
                if result.result_status == ResultStatus::Success {
                    tracing::info!(parent: &span, attempt, "succeeded");
                } else {
                    tracing::info!(
                        parent: &span,
                        attempt,
                        result_code = result.result_code.as_str(),
                        "answered: accepted and pending"
                    );
                }
                return Ok(Verified {
                    response,
                    result,
                    body,
                    response_time,
                    attempts: attempt,
                });
            }
            Step::Failed {
                result,
                body,
                response_time,
            } => {
                record_result(&spans, &result);
                tracing::info!(parent: &span, attempt, "failed with a final result");
                return Err(Error::Failed(Box::new(Failed {
                    call: call.clone(),
                    result,
                    body,
                    response_time,
                })));
            }
            Step::Unknown {
                reason,
                result,
                futile,
            } => {
                if let Some(result) = result {
                    record_result(&spans, &result);
                    last_result = Some(result);
                }
                tracing::warn!(parent: &span, attempt, reason = reason.label(), "outcome unknown");
                maybe_sent = true;
                (Last::Unknown(reason), futile)
            }
            Step::NotSent { reason, futile } => {
                tracing::warn!(parent: &span, attempt, reason = reason.label(), "not sent");
                if matches!(reason, NotSentReason::Sign(_)) {
                    // Signing failed before this attempt touched the network.
                    call.attempts -= 1;
                }
                (Last::NotSent(reason), futile)
            }
        };
        let stop = if futile {
            Some(RetryStop::Futile)
        } else if maybe_sent && !request.may_retry() {
            // Nothing that never left needs permission to be sent.
            Some(RetryStop::NotAllowed)
        } else if attempt >= policy.max_attempts() {
            Some(RetryStop::MaxAttempts)
        } else {
            None
        };
        let wait = policy.backoff(attempt);
        let stop = stop.or_else(|| {
            // Never sleep past the deadline; leave the next attempt some time.
            deadline
                .is_some_and(|deadline| Instant::now() + wait >= deadline)
                .then_some(RetryStop::CallTimeout)
        });
        let stop =
            stop.or_else(|| (!inner.budget.withdraw()).then_some(RetryStop::BudgetExhausted));
        if let Some(stop) = stop {
            if stop != RetryStop::MaxAttempts {
                tracing::warn!(parent: &span, attempt, ?stop, "no further attempt");
            }
            return Err(end(
                call.clone(),
                last,
                last_unknown,
                last_result,
                stop,
                R::UNKNOWN_OUTCOME_ADVICE,
            ));
        }
        if let Last::Unknown(reason) = last {
            last_unknown = Some(reason);
        }
        tokio::time::sleep(wait).await;
    }
}

/// The error that ends a call without a final answer.
fn end(
    call: Call,
    last: Last,
    earlier_unknown: Option<UnknownReason>,
    result: Option<ResultInfo>,
    stop: RetryStop,
    advice: &'static str,
) -> Error {
    let unknown = |reason| {
        Error::Unknown(Box::new(Unknown {
            call: call.clone(),
            reason,
            result: result.clone(),
            stop,
            advice,
        }))
    };
    match (last, earlier_unknown) {
        (Last::Unknown(reason), _) => unknown(reason),
        // An earlier attempt may have reached Alipay: still unknown.
        (Last::NotSent(_), Some(reason)) => unknown(reason),
        (Last::NotSent(reason), None) => Error::NotSent(Box::new(NotSent {
            call: call.clone(),
            reason,
            stop,
        })),
    }
}

fn record_result(spans: &[&tracing::Span], result: &ResultInfo) {
    for span in spans {
        span.record("result_status", result.result_status.as_str());
        span.record("result_code", result.result_code.as_str());
    }
}

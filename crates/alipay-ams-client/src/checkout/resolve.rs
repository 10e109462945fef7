//! Settling an unknown outcome: after a `pay`, `capture`, `refund` or
//! `cancel` whose outcome stayed unknown, inquire until Alipay shows it
//! final or a deadline passes ([`Client::resolve`]).
//!
//! Resolving only inquires: it never sends the money movement again, and
//! never under a new idempotency key. When it ends without a final answer,
//! the same request (same key) may be sent again — Alipay deduplicates
//! `pay`, `capture` and `refund` by their key, and `cancel` may always be
//! repeated — and resolved again.
//! <https://docs.antom.com/ac/ams/paymentri_online>

use alipay_ams_api::checkout::{Observation, Settle};
use alipay_ams_core::{ApiRequest, ResultStatus};
use tokio::time::Instant;
use tracing::Instrument;

use super::{Resolution, ResolveOptions, Unsettled};
use crate::client::Client;
use crate::error::Error;
use crate::reason::{RetryStop, UnknownReason};

/// The answer type of a movement's inquiry.
type Answer<S> = <<S as Settle>::Inquiry as ApiRequest>::Response;

impl Client {
    /// Settles a money movement whose outcome is unknown: inquires (see
    /// [`Settle`]) until Alipay shows it final or `options`' deadline
    /// passes. Pass the original request (`&PayRequest`, `&CaptureRequest`,
    /// `&RefundRequest`, `&CancelRequest`, `&CreatePaymentSessionRequest`)
    /// or its key fields (`PaymentKey`, `CaptureKey`, `RefundKey`,
    /// `CancelKey`).
    ///
    /// It never sends the movement itself again. An inquiry that gets no
    /// answer is asked again at the next interval; an inquiry that Alipay
    /// refuses for any reason other than "not found" (`ACCESS_DENIED`, a
    /// bad signature) ends it with that error, as does an inquiry refused
    /// before sending.
    ///
    /// ```no_run
    /// # async fn run(client: alipay_ams_client::Client, request: alipay_ams_api::payments::CaptureRequest) -> Result<(), alipay_ams_client::Error> {
    /// use alipay_ams_client::checkout::{Resolution, ResolveOptions, TransactionState};
    ///
    /// match client.resolve(&request, &ResolveOptions::default()).await? {
    ///     Resolution::Succeeded(_) => println!("captured"),
    ///     Resolution::Failed(payment) => {
    ///         let capture = payment.capture(&request.capture_request_id).map(|t| t.state());
    ///         println!("not captured: {capture:?}");
    ///     }
    ///     Resolution::StillPending(unsettled) | Resolution::NotFound(unsettled) => println!("{unsettled}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resolve<S: Settle>(
        &self,
        movement: &S,
        options: &ResolveOptions,
    ) -> Result<Resolution<Answer<S>>, Error> {
        let inquiry = movement.inquiry();
        let span = tracing::info_span!(
            "alipay_ams.resolve",
            movement = S::MOVEMENT,
            inquiry = <S::Inquiry as ApiRequest>::NAME,
            inquiries = tracing::field::Empty,
            resolution = tracing::field::Empty,
        );
        let resolution = self
            .poll(movement, &inquiry, options)
            .instrument(span.clone())
            .await;
        span.record(
            "resolution",
            match &resolution {
                Ok(Resolution::Succeeded(_)) => "succeeded",
                Ok(Resolution::Failed(_)) => "failed",
                Ok(Resolution::StillPending(_)) => "still_pending",
                Ok(Resolution::NotFound(_)) => "not_found",
                Err(_) => "error",
            },
        );
        resolution
    }

    async fn poll<S: Settle>(
        &self,
        movement: &S,
        inquiry: &S::Inquiry,
        options: &ResolveOptions,
    ) -> Result<Resolution<Answer<S>>, Error> {
        let deadline = Instant::now() + options.deadline;
        let mut unsettled = Unsettled {
            movement: S::MOVEMENT,
            not_found: false,
            last_seen: None,
            last_refusal: None,
            last_error: None,
            inquiries: 0,
        };
        let mut not_found_in_a_row = 0;
        let mut wait = options.interval;
        loop {
            unsettled.inquiries += 1;
            let seen = match self.execute_with(inquiry, &options.call).await {
                Ok(answer) => {
                    let seen = movement.observe(&answer);
                    match seen {
                        Observation::Succeeded => return Ok(Resolution::Succeeded(answer)),
                        Observation::Failed => return Ok(Resolution::Failed(answer)),
                        Observation::InProgress | Observation::NotFound => {}
                    }
                    unsettled.last_seen = Some(answer);
                    unsettled.last_refusal = None;
                    unsettled.last_error = None;
                    Some(seen)
                }
                Err(Error::Failed(failed)) => match movement.observe_refusal(failed.result()) {
                    Some(seen) => {
                        unsettled.last_refusal = Some(failed.result().clone());
                        unsettled.last_error = None;
                        Some(seen)
                    }
                    // The inquiry itself is refused: asking again will not help.
                    None => return Err(Error::Failed(failed)),
                },
                Err(Error::Unknown(unknown))
                    if S::ANSWER_WITHOUT_RECORD_IS_NOT_FOUND && answer_without_record(&unknown) =>
                {
                    unsettled.last_refusal = unknown.result().cloned();
                    unsettled.last_error = None;
                    Some(Observation::NotFound)
                }
                Err(error) if futile(&error) => return Err(error),
                Err(error) => {
                    tracing::warn!(inquiry = unsettled.inquiries, %error, "inquiry got no answer");
                    unsettled.last_error = Some(error);
                    None
                }
            };
            match seen {
                Some(Observation::NotFound) => not_found_in_a_row += 1,
                Some(_) => not_found_in_a_row = 0,
                // No answer: neither for nor against.
                None => {}
            }
            unsettled.not_found = not_found_in_a_row > 0;
            tracing::Span::current().record("inquiries", unsettled.inquiries);
            if not_found_in_a_row >= options.not_found_after {
                return Ok(Resolution::NotFound(unsettled));
            }
            if Instant::now() + wait >= deadline {
                return Ok(if unsettled.not_found {
                    Resolution::NotFound(unsettled)
                } else {
                    Resolution::StillPending(unsettled)
                });
            }
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2).min(options.max_interval);
        }
    }
}

/// A verified `S` inquiry answer that lacks the record's fields.
fn answer_without_record(unknown: &crate::error::Unknown) -> bool {
    matches!(unknown.reason(), UnknownReason::UnparseableBody { .. })
        && unknown
            .result()
            .is_some_and(|result| result.result_status == ResultStatus::Success)
}

/// An inquiry error that asking again cannot change: refused before sending
/// (an invalid inquiry), a certificate problem, an unsigned authentication
/// refusal (wrong keys or client id: every inquiry would get it).
///
/// Any other unsigned `F` is no answer at all in a read-only poll: anyone in
/// the path could have sent it (a stripped or forged "not found"), so the
/// next inquiry is made as planned.
fn futile(error: &Error) -> bool {
    match error {
        Error::NotSent(not_sent) => not_sent.retry_stop() == RetryStop::Futile,
        Error::Unknown(unknown) => match unknown.reason() {
            UnknownReason::UnsignedFailure { code } => is_authentication_refusal(code),
            _ => unknown.retry_stop() == RetryStop::Futile,
        },
        Error::Failed(_) => true,
    }
}

/// The codes with which Alipay's gateway refuses a caller it cannot
/// authenticate, unsigned.
fn is_authentication_refusal(code: &alipay_ams_core::ResultCode) -> bool {
    matches!(
        code.as_str(),
        "INVALID_SIGNATURE"
            | "SIGNATURE_INVALID"
            | "CLIENT_INVALID"
            | "ACCESS_DENIED"
            | "KEY_NOT_FOUND"
    )
}

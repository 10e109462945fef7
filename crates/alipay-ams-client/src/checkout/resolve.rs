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

use std::fmt;
use std::time::Duration;

use alipay_ams_api::checkout::{Observation, Settle};
use alipay_ams_core::{ApiRequest, ResultInfo, ResultStatus};
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;
use crate::options::CallOptions;
use crate::reason::{RetryStop, UnknownReason};
use crate::retry::RetryPolicy;

/// How [`Client::resolve`] inquires: how often, for how long, and when "not
/// found" is believed.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_client::checkout::ResolveOptions;
///
/// // Every 2 s, doubling up to 30 s, for at most 10 minutes.
/// let patient = ResolveOptions::default()
///     .with_backoff(Duration::from_secs(30))
///     .with_deadline(Duration::from_secs(600));
/// assert_eq!(patient.interval(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    interval: Duration,
    max_interval: Duration,
    deadline: Duration,
    not_found_after: u32,
    call: CallOptions,
}

impl Default for ResolveOptions {
    /// Every 2 seconds (what the docs suggest for `inquiryPayment`), for at
    /// most 60 seconds; "not found" believed after 3 answers in a row; each
    /// inquiry one attempt (the polling is the retry).
    fn default() -> Self {
        ResolveOptions {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
            not_found_after: 3,
            call: CallOptions::new().retry(RetryPolicy::none()),
        }
    }
}

impl ResolveOptions {
    /// The wait between two inquiries (and the first of them, with
    /// [`with_backoff`](Self::with_backoff)).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self.max_interval = self.max_interval.max(interval);
        self
    }

    /// The wait between two inquiries.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Doubles the wait after each inquiry, up to `max_interval`.
    pub fn with_backoff(mut self, max_interval: Duration) -> Self {
        self.max_interval = max_interval.max(self.interval);
        self
    }

    /// The longest wait between two inquiries.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// How long to keep inquiring, from the first inquiry: no inquiry
    /// starts after it. One in flight then finishes within its own
    /// timeouts (the client's, or [`with_call_options`](Self::with_call_options)'),
    /// so a resolution lasts at most the deadline plus one inquiry.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to keep inquiring.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// How many "not found" answers in a row end the resolution early as
    /// [`Resolution::NotFound`] (at least 1). A request still on its way
    /// shows as not found until it lands: more answers, more certainty.
    pub fn with_not_found_after(mut self, answers: u32) -> Self {
        self.not_found_after = answers.max(1);
        self
    }

    /// How many "not found" answers in a row end the resolution early.
    pub fn not_found_after(&self) -> u32 {
        self.not_found_after
    }

    /// The timeouts and retry policy of each inquiry (default: one attempt,
    /// the client's timeouts).
    pub fn with_call_options(mut self, options: CallOptions) -> Self {
        self.call = options;
        self
    }

    /// The timeouts and retry policy of each inquiry.
    pub fn call_options(&self) -> &CallOptions {
        &self.call
    }
}

/// How a resolution ended. `T` is the inquiry's answer: the
/// `InquiryPaymentResponse` for `pay`, `capture` and `cancel` (read it with
/// `state()`, `capture(id)`, `cancellation()`), the `InquiryRefundResponse`
/// for `refund`.
#[derive(Debug)]
pub enum Resolution<T> {
    /// Final: it happened. A payment paid or authorized; a capture, refund or
    /// cancellation succeeded.
    Succeeded(T),
    /// Final: it did not happen and will not under this key. A payment that
    /// failed or was cancelled; a capture, refund or cancellation that
    /// failed (the answer carries the code). A new attempt needs a new key.
    Failed(T),
    /// The deadline passed before the outcome was final (a payment waiting
    /// for the buyer, a refund processing): see what was last seen.
    StillPending(Unsettled<T>),
    /// Alipay showed no trace of it, several times in a row or when the
    /// deadline passed. That is what a request that never arrived looks
    /// like, but it does not prove that it never will: see
    /// [`Unsettled::advice`].
    NotFound(Unsettled<T>),
}

impl<T> Resolution<T> {
    /// Whether the outcome is final ([`Succeeded`](Self::Succeeded) or
    /// [`Failed`](Self::Failed)).
    pub fn is_final(&self) -> bool {
        matches!(self, Resolution::Succeeded(_) | Resolution::Failed(_))
    }
}

/// What a resolution that ended without a final outcome saw.
pub struct Unsettled<T> {
    movement: &'static str,
    not_found: bool,
    last_seen: Option<T>,
    last_refusal: Option<ResultInfo>,
    last_error: Option<Error>,
    inquiries: u32,
}

impl<T> Unsettled<T> {
    /// The money movement (`pay`, `capture`, `refund`, `cancel`).
    pub fn movement(&self) -> &'static str {
        self.movement
    }

    /// The last verified inquiry answer, if any: a payment `PROCESSING`, a
    /// refund `PROCESSING`, or (for a capture or cancellation not found) the
    /// payment without it.
    pub fn last_seen(&self) -> Option<&T> {
        self.last_seen.as_ref()
    }

    /// The last verified inquiry answer, by value.
    pub fn into_last_seen(self) -> Option<T> {
        self.last_seen
    }

    /// The last "not found" answer of the inquiry (`ORDER_NOT_EXIST`), if
    /// it said so with a refusal.
    pub fn last_refusal(&self) -> Option<&ResultInfo> {
        self.last_refusal.as_ref()
    }

    /// The last inquiry that got no answer (timeout, unverifiable reply,
    /// connection refused), if the last inquiry was one.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// How many inquiries were sent.
    pub fn inquiries(&self) -> u32 {
        self.inquiries
    }

    /// What to do now.
    pub fn advice(&self) -> &'static str {
        if self.not_found {
            match self.movement {
                "pay" => NOT_FOUND_PAY,
                "refund" => NOT_FOUND_REFUND,
                "capture" => NOT_FOUND_CAPTURE,
                _ => NOT_FOUND_CANCEL,
            }
        } else {
            match self.movement {
                "pay" => PENDING_PAY,
                "refund" => PENDING_REFUND,
                "capture" => PENDING_CAPTURE,
                _ => PENDING_CANCEL,
            }
        }
    }
}

const NOT_FOUND_PAY: &str = "Alipay has no payment under this paymentRequestId (ORDER_NOT_EXIST): the pay \
    most likely never arrived, but a request still on its way could create it later. To settle it, send the \
    SAME request again (same paymentRequestId: Alipay makes at most one payment of it) and resolve again; \
    never pay under a new paymentRequestId while this one may still land";
const NOT_FOUND_CAPTURE: &str = "the payment lists no capture with this captureRequestId: the capture most \
    likely never arrived, but it could still land. To settle it, send the SAME capture again (same \
    captureRequestId: Alipay captures it at most once) and resolve again; never capture under a new \
    captureRequestId while this one may still land";
const NOT_FOUND_REFUND: &str = "Alipay has no refund under this refundRequestId: the refund most likely \
    never arrived, but it could still land (a missing refund is not a failed one). To settle it, send the \
    SAME refund again (same refundRequestId: Alipay refunds it at most once) and resolve again; never refund \
    under a new refundRequestId while this one may still land";
const NOT_FOUND_CANCEL: &str = "the payment shows no cancellation: the cancel has not taken effect (it may \
    not have arrived). Sending the same cancel again is safe; its answer is final";
const PENDING_PAY: &str = "the payment is not final yet: wait for notifyPayment, or resolve again later. A \
    payment waiting for the buyer (PROCESSING) whose redirect was never shown to them cannot complete: send \
    the SAME pay request again to get the redirect, or cancel it";
const PENDING_CAPTURE: &str = "the capture is not final yet: wait for notifyCapture, or resolve again \
    later; never capture under a new captureRequestId meanwhile";
const PENDING_REFUND: &str = "the refund is still processing: wait for notifyRefund, or resolve again \
    later; never refund under a new refundRequestId meanwhile";
const PENDING_CANCEL: &str = "the cancellation is not final yet: resolve again later, or send the same \
    cancel again (safe)";

impl<T> fmt::Display for Unsettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.not_found {
            "NOT FOUND"
        } else {
            "NOT FINAL"
        };
        write!(
            f,
            "{} {what} after {} inquiries",
            self.movement, self.inquiries
        )?;
        if let Some(refusal) = &self.last_refusal {
            write!(f, " (last answer {})", refusal.result_code)?;
        }
        if let Some(error) = &self.last_error {
            write!(f, " (last inquiry: {error})")?;
        }
        write!(f, ": {}", self.advice())
    }
}

impl<T> fmt::Debug for Unsettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unsettled")
            .field("movement", &self.movement)
            .field("not_found", &self.not_found)
            .field("last_seen", &self.last_seen.as_ref().map(|_| "<answer>"))
            .field("last_refusal", &self.last_refusal)
            .field("last_error", &self.last_error)
            .field("inquiries", &self.inquiries)
            .finish()
    }
}

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
/// (an invalid inquiry), a certificate problem, an unsigned refusal.
fn futile(error: &Error) -> bool {
    match error {
        Error::NotSent(not_sent) => not_sent.retry_stop() == RetryStop::Futile,
        Error::Unknown(unknown) => unknown.retry_stop() == RetryStop::Futile,
        Error::Failed(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_keep_the_interval_below_its_cap_and_ask_at_least_once() {
        let defaults = ResolveOptions::default();
        assert_eq!(defaults.interval(), Duration::from_secs(2));
        assert_eq!(defaults.max_interval(), Duration::from_secs(2));
        assert_eq!(defaults.deadline(), Duration::from_secs(60));
        assert_eq!(defaults.not_found_after(), 3);
        assert_eq!(
            defaults.call_options(),
            &CallOptions::new().retry(RetryPolicy::none())
        );
        // A longer interval lifts the cap; a cap below the interval is the interval.
        let longer = ResolveOptions::default().with_interval(Duration::from_secs(5));
        assert_eq!(longer.max_interval(), Duration::from_secs(5));
        let capped = longer.with_backoff(Duration::from_secs(1));
        assert_eq!(capped.max_interval(), Duration::from_secs(5));
        assert_eq!(
            ResolveOptions::default()
                .with_not_found_after(0)
                .not_found_after(),
            1
        );
    }
}

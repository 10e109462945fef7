//! The checkout soak merchant's steps: each sends one checkout call (with
//! the fault plan's fault armed before it) and, when the outcome is
//! unknown, settles it as the client's docs say: `Client::resolve`, whose
//! answer is compared with the sandbox's books at once (a final resolution
//! must be what the books show), then, when Alipay has no trace of it, the
//! SAME request again. Nothing is ever sent under a new key.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipay_ams::client::checkout::{
    CancelOutcome, CaptureOutcome, Checkout, PayOutcome, PaymentState, RefundOutcome, RefundState,
    Resolution, ResolveOptions, Settle, TransactionState,
};
use alipay_ams::client::{Client, Error, UnknownReason};
use alipay_ams::payments::{CancelRequest, CaptureRequest, PayRequest, RefundRequest};
use alipay_ams::sandbox::{PaymentStatus, RefundStatus, Sandbox};
use alipay_ams::{ApiRequest, ResultStatus};

use crate::faults::FaultPlan;

/// How often one step may end unknown before the soak calls it lost.
const MAX_SENDS: usize = 30;

/// What the merchant's steps saw.
#[derive(Default)]
pub struct Tally {
    pub unknowns: AtomicUsize,
    pub resolved_succeeded: AtomicUsize,
    pub resolved_failed: AtomicUsize,
    pub resolved_pending: AtomicUsize,
    pub resolved_not_found: AtomicUsize,
    /// "Not found", yet on the books when checked: a request that landed
    /// after the inquiry (sent again, it stays one movement).
    pub landed_late: AtomicUsize,
    pub resends: AtomicUsize,
    /// Resolutions that saw no answer at all before their deadline (every
    /// inquiry faulted): resolved again.
    pub resolved_unanswered: AtomicUsize,
    /// Resolutions that ended with an error because one inquiry's reply was
    /// an unsigned F (a fault stripped the signature): resolved again. See
    /// `checkout_unknowns.rs`, `an_unsigned_not_found_inquiry_reply_is_asked_again`.
    pub resolve_errors: AtomicUsize,
    pub retried_queries: AtomicUsize,
    /// captureRequestId -> captureId, as the merchant recorded it.
    pub captures: Mutex<HashMap<String, String>>,
    /// refundRequestId -> refundId, as the merchant recorded it.
    pub refunds: Mutex<HashMap<String, String>>,
}

impl Tally {
    fn count(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn record(map: &Mutex<HashMap<String, String>>, key: &str, id: &str) {
        let mut map = map.lock().unwrap();
        let previous = map.insert(key.to_owned(), id.to_owned());
        assert!(
            previous.as_deref().is_none_or(|p| p == id),
            "{key}: {previous:?}, then {id}"
        );
    }
}

/// How a refund ended for the merchant.
#[derive(Debug, PartialEq, Eq)]
pub enum Refunded {
    /// Refunded (synchronous, or settled by the time it was known).
    Done,
    /// Accepted, settling asynchronously (notifyRefund follows).
    Processing,
    /// Refused, with its code.
    Refused(String),
}

/// One merchant task's view: the shared sandbox, fault plan and tally, and
/// the client it sends with (one that retries, or one that does not).
pub struct Steps<'a> {
    pub sandbox: &'a Sandbox,
    pub client: &'a Client,
    pub plan: &'a FaultPlan,
    pub tally: &'a Tally,
}

fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(5))
        .with_backoff(Duration::from_millis(40))
        .with_deadline(Duration::from_secs(10))
}

impl Steps<'_> {
    /// Sends `request` once, with the plan's fault; `None` when unknown.
    async fn send<R: Checkout>(&self, request: &R, what: &str) -> Option<R::Outcome> {
        self.plan.before::<R>(self.sandbox);
        match self.client.checkout(request).await {
            Ok(outcome) => Some(outcome),
            Err(Error::Unknown(_)) => {
                Tally::count(&self.tally.unknowns);
                None
            }
            Err(other) => panic!("{} {what}: {other}", R::NAME),
        }
    }

    /// `Client::resolve` until it saw an answer: a resolution that saw none
    /// (every inquiry faulted), or that ended on an unsigned F reply, is
    /// run again.
    async fn resolve<S: Settle>(
        &self,
        movement: &S,
        options: &ResolveOptions,
    ) -> Resolution<<S::Inquiry as ApiRequest>::Response> {
        for _ in 0..MAX_SENDS {
            match self.client.resolve(movement, options).await {
                Ok(Resolution::StillPending(unsettled))
                    if unsettled.last_seen().is_none() && unsettled.last_refusal().is_none() =>
                {
                    Tally::count(&self.tally.resolved_unanswered);
                }
                Ok(resolution) => return resolution,
                Err(Error::Unknown(unknown))
                    if matches!(unknown.reason(), UnknownReason::UnsignedFailure { .. }) =>
                {
                    Tally::count(&self.tally.resolve_errors);
                }
                Err(other) => panic!("resolving {}: {other}", S::MOVEMENT),
            }
        }
        panic!("{}: no resolution after {MAX_SENDS} tries", S::MOVEMENT)
    }

    /// A query (inquiry, consult, session): sent again until answered.
    pub async fn query<R: Checkout>(&self, request: &R, what: &str) -> R::Outcome {
        for _ in 0..MAX_SENDS {
            if let Some(outcome) = self.send(request, what).await {
                return outcome;
            }
            Tally::count(&self.tally.retried_queries);
        }
        panic!("{} {what}: no answer after {MAX_SENDS} sends", R::NAME)
    }

    /// `pay`, which must wait for the buyer: its paymentId.
    pub async fn pay(&self, request: &PayRequest) -> String {
        let id = &request.payment_request_id;
        for _ in 0..MAX_SENDS {
            match self.send(request, id).await {
                Some(PayOutcome::WaitingForBuyer(response)) => return response.payment_id,
                Some(other) => panic!("pay {id}: {other:?}"),
                None => {}
            }
            let options = quick().with_deadline(Duration::from_millis(100));
            let resolution = self.resolve(request, &options).await;
            let books = self.sandbox.payment_by_request_id(id);
            match resolution {
                // Created, waiting for a buyer who never saw the page.
                Resolution::StillPending(unsettled) => {
                    let seen = unsettled.last_seen().unwrap();
                    assert_eq!(seen.state(), PaymentState::AwaitingBuyer, "pay {id}");
                    let books =
                        books.unwrap_or_else(|| panic!("pay {id}: pending, not on the books"));
                    assert_eq!(
                        (books.status, &books.payment_id),
                        (PaymentStatus::AwaitingBuyer, &seen.payment_id)
                    );
                    Tally::count(&self.tally.resolved_pending);
                }
                Resolution::NotFound(_) => self.not_found(books.is_some()),
                other => panic!("pay {id}: {other:?}"),
            }
            // The same pay again gets the buyer's page.
            Tally::count(&self.tally.resends);
        }
        panic!("pay {id}: unknown after {MAX_SENDS} sends")
    }

    fn not_found(&self, on_books: bool) {
        Tally::count(&self.tally.resolved_not_found);
        if on_books {
            Tally::count(&self.tally.landed_late);
        }
    }

    /// `capture`: `Ok(captureId)`, or `Err(code)` when refused.
    pub async fn capture(&self, request: &CaptureRequest) -> Result<String, String> {
        let key = &request.capture_request_id;
        for _ in 0..MAX_SENDS {
            match self.send(request, key).await {
                Some(CaptureOutcome::Captured(response)) => {
                    Tally::record(&self.tally.captures, key, &response.capture_id);
                    return Ok(response.capture_id);
                }
                Some(CaptureOutcome::Failed(result)) => return Err(result.result_code.to_string()),
                None => {}
            }
            let resolution = self.resolve(request, &quick()).await;
            let books: Vec<_> = self
                .sandbox
                .captures()
                .into_iter()
                .filter(|c| &c.capture_request_id == key)
                .collect();
            match resolution {
                Resolution::Succeeded(answer) => {
                    Tally::count(&self.tally.resolved_succeeded);
                    let seen = answer.capture(key).unwrap().transaction_id.clone().unwrap();
                    assert_eq!(books.len(), 1, "capture {key}: {books:?}");
                    assert_eq!(
                        (books[0].result.result_status, &books[0].capture_id),
                        (ResultStatus::Success, &seen)
                    );
                    Tally::record(&self.tally.captures, key, &seen);
                    return Ok(seen);
                }
                Resolution::Failed(answer) => {
                    Tally::count(&self.tally.resolved_failed);
                    let TransactionState::Failed(result) = answer.capture(key).unwrap().state()
                    else {
                        panic!("capture {key}: failed, yet not")
                    };
                    assert_eq!(books.len(), 1, "capture {key}: {books:?}");
                    assert_eq!(books[0].result.result_status, ResultStatus::Failed);
                    return Err(result
                        .map(|r| r.result_code.to_string())
                        .unwrap_or_default());
                }
                Resolution::NotFound(_) => self.not_found(!books.is_empty()),
                Resolution::StillPending(unsettled) => panic!("capture {key}: {unsettled}"),
            }
            Tally::count(&self.tally.resends);
        }
        panic!("capture {key}: unknown after {MAX_SENDS} sends")
    }

    /// `refund`.
    pub async fn refund(&self, request: &RefundRequest) -> Refunded {
        let key = &request.refund_request_id;
        for _ in 0..MAX_SENDS {
            match self.send(request, key).await {
                Some(RefundOutcome::Refunded(response)) => {
                    Tally::record(&self.tally.refunds, key, &response.refund_id);
                    return Refunded::Done;
                }
                Some(RefundOutcome::Processing(response)) => {
                    Tally::record(&self.tally.refunds, key, &response.refund_id);
                    return Refunded::Processing;
                }
                Some(RefundOutcome::Failed(result)) => {
                    return Refunded::Refused(result.result_code.to_string());
                }
                None => {}
            }
            let resolution = self.resolve(request, &quick()).await;
            let books: Vec<_> = self
                .sandbox
                .refunds()
                .into_iter()
                .filter(|r| &r.refund_request_id == key)
                .collect();
            let on_books = |status: &[RefundStatus], refund_id: &str| {
                assert_eq!(books.len(), 1, "refund {key}: {books:?}");
                assert!(status.contains(&books[0].status), "refund {key}: {books:?}");
                assert_eq!(books[0].refund_id, refund_id, "refund {key}");
                assert_eq!(
                    books[0].refund_amount, request.refund_amount,
                    "refund {key}"
                );
            };
            match resolution {
                Resolution::Succeeded(answer) => {
                    Tally::count(&self.tally.resolved_succeeded);
                    on_books(&[RefundStatus::Success], &answer.refund_id);
                    Tally::record(&self.tally.refunds, key, &answer.refund_id);
                    return Refunded::Done;
                }
                Resolution::Failed(answer) => {
                    Tally::count(&self.tally.resolved_failed);
                    on_books(&[RefundStatus::Fail], &answer.refund_id);
                    return Refunded::Refused("FAIL".into());
                }
                Resolution::StillPending(unsettled) => {
                    Tally::count(&self.tally.resolved_pending);
                    let seen = unsettled.last_seen().unwrap();
                    assert_eq!(seen.state(), RefundState::Processing, "refund {key}");
                    // It may have settled since the inquiry.
                    on_books(
                        &[RefundStatus::Processing, RefundStatus::Success],
                        &seen.refund_id,
                    );
                    Tally::record(&self.tally.refunds, key, &seen.refund_id);
                    return Refunded::Processing;
                }
                Resolution::NotFound(_) => self.not_found(!books.is_empty()),
            }
            Tally::count(&self.tally.resends);
        }
        panic!("refund {key}: unknown after {MAX_SENDS} sends")
    }

    /// `cancel`.
    pub async fn cancel(&self, request: &CancelRequest) -> CancelOutcome {
        let payment_id = request.payment_id.clone().unwrap_or_default();
        for _ in 0..MAX_SENDS {
            if let Some(outcome) = self.send(request, &payment_id).await {
                return outcome;
            }
            let resolution = self.resolve(request, &quick()).await;
            let books = self.sandbox.payment(&payment_id).unwrap();
            match resolution {
                Resolution::Succeeded(answer) => {
                    Tally::count(&self.tally.resolved_succeeded);
                    assert_eq!(
                        answer.state(),
                        PaymentState::Cancelled,
                        "cancel {payment_id}"
                    );
                    assert_eq!(
                        books.status,
                        PaymentStatus::Cancelled,
                        "cancel {payment_id}"
                    );
                    // Sent again, a cancel is safe: its answer is the outcome.
                }
                Resolution::NotFound(_) => self.not_found(books.status == PaymentStatus::Cancelled),
                other => panic!("cancel {payment_id}: {other:?}"),
            }
            Tally::count(&self.tally.resends);
        }
        panic!("cancel {payment_id}: unknown after {MAX_SENDS} sends")
    }
}

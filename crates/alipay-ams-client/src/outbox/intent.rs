//! The money movements an outbox carries ([`Movement`]: `pay`, `capture`,
//! `refund`, `cancel`), and a new intent made of one ([`Intent`]): its id
//! and its exact bytes, serialized once.

use std::fmt;

use alipay_ams_api::checkout::{
    CancelOutcome, CaptureOutcome, Checkout, PayOutcome, RefundOutcome, Settle,
};
use alipay_ams_api::payments::{CancelRequest, CaptureRequest, PayRequest, RefundRequest};
use alipay_ams_core::{ApiRequest, InvalidField};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::IntentId;
use crate::call::invalid;
use crate::error::{Error, NotSent};
use crate::reason::{NotSentReason, RetryStop};

mod sealed {
    pub trait Sealed {}
}

/// A money movement the outbox records before sending: `PayRequest`,
/// `CaptureRequest`, `RefundRequest` and `CancelRequest`. Each is a
/// checkout API (its answer is a typed outcome), can be settled by
/// inquiring ([`Settle`]), and can be read back from the bytes the outbox
/// kept, which is how [`Client::resume`](crate::Client::resume) sends
/// them again after a restart. Sealed: `resume` knows each of them by name.
pub trait Movement:
    Checkout<Outcome: Send> + Settle + DeserializeOwned + Send + Sync + sealed::Sealed
{
    /// The intent's key: the idempotency key, or for `cancel` (which has
    /// none) the id of the payment it cancels. `None` when the request has
    /// none.
    fn intent_key(&self) -> Option<&str>;

    /// What an answer means for the intent: final (succeeded or failed), or
    /// accepted and not final (a payment waiting for the buyer, a refund
    /// processing).
    fn state_of(outcome: &Self::Outcome) -> super::IntentState;
}

impl sealed::Sealed for PayRequest {}
impl sealed::Sealed for CaptureRequest {}
impl sealed::Sealed for RefundRequest {}
impl sealed::Sealed for CancelRequest {}

use super::IntentState::{Accepted, Failed, Succeeded};

impl Movement for PayRequest {
    fn intent_key(&self) -> Option<&str> {
        self.idempotency_key()
    }

    /// Paid or authorized: succeeded. Waiting for the buyer, or in process:
    /// accepted (the buyer may still pay).
    fn state_of(outcome: &PayOutcome) -> super::IntentState {
        match outcome {
            PayOutcome::Succeeded(_) | PayOutcome::Authorized { .. } => Succeeded,
            PayOutcome::WaitingForBuyer(_) | PayOutcome::InProcess(_) => Accepted,
            PayOutcome::Failed(_) => Failed,
        }
    }
}

impl Movement for CaptureRequest {
    fn intent_key(&self) -> Option<&str> {
        self.idempotency_key()
    }

    fn state_of(outcome: &CaptureOutcome) -> super::IntentState {
        match outcome {
            CaptureOutcome::Captured(_) => Succeeded,
            CaptureOutcome::Failed(_) => Failed,
        }
    }
}

impl Movement for RefundRequest {
    fn intent_key(&self) -> Option<&str> {
        self.idempotency_key()
    }

    /// `REFUND_IN_PROCESS`: accepted (the result comes later).
    fn state_of(outcome: &RefundOutcome) -> super::IntentState {
        match outcome {
            RefundOutcome::Refunded(_) => Succeeded,
            RefundOutcome::Processing(_) => Accepted,
            RefundOutcome::Failed(_) => Failed,
        }
    }
}

impl Movement for CancelRequest {
    /// `paymentId` when given (it wins in `cancel` itself), else
    /// `paymentRequestId`: a payment is cancelled once, however often it is
    /// asked.
    fn intent_key(&self) -> Option<&str> {
        self.payment_id
            .as_deref()
            .or(self.payment_request_id.as_deref())
    }

    /// `CANCEL_WINDOW_EXCEED` is final too: the payment was not cancelled
    /// (refund it instead).
    fn state_of(outcome: &CancelOutcome) -> super::IntentState {
        match outcome {
            CancelOutcome::Cancelled(_) => Succeeded,
            CancelOutcome::RefundInstead(_) | CancelOutcome::Failed(_) => Failed,
        }
    }
}

/// A new intent: which one ([`IntentId`]) and the request's exact bytes,
/// serialized once. Every send of the intent carries these bytes.
#[derive(Clone)]
pub struct Intent {
    id: IntentId,
    body: Bytes,
}

impl Intent {
    /// The intent of `request`: checked as
    /// [`Client::checkout`](crate::Client::checkout) checks it (its
    /// `validate()` and the checkout rules), then serialized. A request
    /// Alipay would refuse is never recorded: the error is
    /// [`Error::NotSent`] naming the field.
    pub fn of<R: Movement>(request: &R) -> Result<Intent, Error> {
        if let Err(error) = request.validate().and_then(|()| request.check_checkout()) {
            return Err(invalid(request, error));
        }
        let Some(key) = request.intent_key().filter(|key| !key.trim().is_empty()) else {
            return Err(invalid(
                request,
                InvalidField::Invalid {
                    field: R::IDEMPOTENCY_FIELD.unwrap_or("paymentId"),
                    reason: "an intent needs its key: the idempotency key, or for a cancel the paymentId or paymentRequestId",
                },
            ));
        };
        let body = match serde_json::to_vec(request) {
            Ok(body) => Bytes::from(body),
            Err(error) => {
                return Err(Error::NotSent(Box::new(NotSent {
                    call: crate::call::call_of(request, 0),
                    reason: NotSentReason::Serialize(error),
                    stop: RetryStop::Futile,
                })));
            }
        };
        Ok(Intent {
            id: IntentId::new(R::NAME, key),
            body,
        })
    }

    /// Which intent.
    pub fn id(&self) -> &IntentId {
        &self.id
    }

    /// The exact bytes every send carries.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Whether `recorded` is the same request as this one: equal as JSON
    /// (a newer version of this crate may order or format fields
    /// differently; the recorded bytes are what is sent).
    pub(crate) fn same_request(&self, recorded: &[u8]) -> bool {
        if recorded == self.body.as_ref() {
            return true;
        }
        match (
            serde_json::from_slice::<serde_json::Value>(recorded),
            serde_json::from_slice::<serde_json::Value>(&self.body),
        ) {
            (Ok(recorded), Ok(this)) => recorded == this,
            _ => false,
        }
    }
}

impl fmt::Debug for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intent")
            .field("id", &self.id)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use alipay_ams_core::Amount;

    use super::*;

    fn capture(id: &str) -> CaptureRequest {
        CaptureRequest::new(id, "P-1", Amount::from_minor_units("USD", 1000).unwrap())
    }

    #[test]
    fn an_intent_is_keyed_by_api_and_idempotency_key_and_keeps_the_serialized_bytes() {
        let intent = Intent::of(&capture("cap-1")).unwrap();
        assert_eq!(intent.id(), &IntentId::new("capture", "cap-1"));
        assert_eq!(
            intent.body().as_ref(),
            serde_json::to_vec(&capture("cap-1")).unwrap()
        );
        assert!(intent.same_request(&serde_json::to_vec(&capture("cap-1")).unwrap()));
        // Reordered fields are the same request; another amount is not.
        let value: serde_json::Value = serde_json::from_slice(intent.body()).unwrap();
        let mut reordered: Vec<(String, serde_json::Value)> =
            value.as_object().unwrap().clone().into_iter().collect();
        reordered.reverse();
        let reordered = format!(
            "{{{}}}",
            reordered
                .iter()
                .map(|(k, v)| format!("{k:?}:{v}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_ne!(reordered.as_bytes(), intent.body().as_ref());
        assert!(intent.same_request(reordered.as_bytes()));
        let other = CaptureRequest::new(
            "cap-1",
            "P-1",
            Amount::from_minor_units("USD", 999).unwrap(),
        );
        assert!(!intent.same_request(&serde_json::to_vec(&other).unwrap()));
        assert!(!intent.same_request(b"not json"));
        assert!(format!("{intent:?}").contains("bytes>"));
    }

    #[test]
    fn an_invalid_request_or_a_cancel_without_a_payment_makes_no_intent() {
        let err = Intent::of(&capture("")).unwrap_err();
        assert!(matches!(err, Error::NotSent(_)), "{err}");
        let err = Intent::of(&CancelRequest::new()).unwrap_err();
        assert!(matches!(err, Error::NotSent(_)), "{err}");
        let cancel = CancelRequest::new().with_payment_request_id("pay-1");
        assert_eq!(
            Intent::of(&cancel).unwrap().id(),
            &IntentId::new("cancel", "pay-1")
        );
        let cancel = cancel.with_payment_id("P-9");
        assert_eq!(
            Intent::of(&cancel).unwrap().id(),
            &IntentId::new("cancel", "P-9")
        );
    }
}

//! The checkout: [`Client::checkout`] sends a checkout API and returns what
//! its answer means; [`Client::resolve`] settles a money movement whose
//! outcome stayed unknown. The outcomes, rules and states themselves live in
//! `alipay_ams_api::checkout` (re-exported here).
//!
//! ```no_run
//! use alipay_ams_client::checkout::{BuyerAction, PayOutcome, Resolution, ResolveOptions};
//! use alipay_ams_client::{Client, Error};
//! use alipay_ams_api::models::{Order, TerminalType};
//! use alipay_ams_api::payments::PayRequest;
//! use alipay_ams_core::Amount;
//!
//! # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let order = Order::checkout("order-1001", "Two concert tickets", Amount::from_decimal("HKD", "100.00")?);
//! let request = PayRequest::cashier("pay-1001", order, "ALIPAY_HK", "https://shop.example/return", TerminalType::Web)
//!     .with_payment_notify_url("https://shop.example/alipay/notify");
//! match client.checkout(&request).await {
//!     Ok(PayOutcome::WaitingForBuyer(waiting)) => {
//!         if let Some(BuyerAction::OpenUrl(url)) = waiting.buyer_actions().first() {
//!             println!("send the buyer to {url}; the result comes by notifyPayment");
//!         }
//!     }
//!     Ok(PayOutcome::InProcess(_)) => println!("created, nothing to show: inquire"),
//!     Ok(PayOutcome::Succeeded(paid)) => println!("paid: {}", paid.payment_id),
//!     Ok(PayOutcome::Authorized { response, capture }) => println!("authorized {} ({capture:?} captures)", response.payment_id),
//!     Ok(PayOutcome::Failed(refused)) => println!("refused: {}", refused.result_code),
//!     // Never sent: fix the cause (the message names it), send again.
//!     Err(Error::NotSent(not_sent)) => println!("{not_sent}"),
//!     // It may have happened: settle it by inquiring, never by paying again under a new id.
//!     Err(_unknown) => match client.resolve(&request, &ResolveOptions::default()).await? {
//!         Resolution::Succeeded(payment) => println!("paid after all: {:?}", payment.state()),
//!         Resolution::Failed(payment) => println!("not paid: {:?}", payment.state()),
//!         Resolution::StillPending(unsettled) | Resolution::NotFound(unsettled) => println!("{unsettled}"),
//!     },
//! }
//! # Ok(()) }
//! ```

mod options;
mod resolution;
mod resolve;

pub use alipay_ams_api::checkout::*;
pub use options::ResolveOptions;
pub use resolution::{Resolution, Unsettled};

use crate::call::{call_of, invalid};
use crate::client::{Client, Verified};
use crate::error::{Error, Unknown};
use crate::options::CallOptions;
use crate::reason::{RetryStop, UnknownReason};

impl Client {
    /// Sends a checkout API and returns what the answer means:
    /// [`PayOutcome`] for a `PayRequest`, [`CaptureOutcome`],
    /// [`RefundOutcome`], [`CancelOutcome`], and the verified response for
    /// `consult`, `createPaymentSession` and the inquiries (see
    /// [`Checkout`]).
    ///
    /// Before sending, the request passes its generated `validate()` and the
    /// checkout rules ([`Checkout::check_checkout`]); a refused request is
    /// [`Error::NotSent`] naming the field. Then it is sent like
    /// [`execute`](Self::execute), with the same retries.
    ///
    /// For the money movements (`pay`, `capture`, `refund`, `cancel`) a
    /// refusal is an outcome (`Failed`), so the error is only ever
    /// [`Error::Unknown`] or [`Error::NotSent`]; an unknown outcome's advice
    /// names [`resolve`](Self::resolve). For the queries a refusal is
    /// [`Error::Failed`].
    pub async fn checkout<R: Checkout>(&self, request: &R) -> Result<R::Outcome, Error> {
        self.checkout_with(request, &CallOptions::default()).await
    }

    /// Like [`checkout`](Self::checkout), with this call's own timeouts or
    /// retry policy.
    pub async fn checkout_with<R: Checkout>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<R::Outcome, Error> {
        if let Err(error) = request.validate().and_then(|()| request.check_checkout()) {
            return Err(invalid(request, error));
        }
        answer_of(
            request,
            crate::call::run(&self.inner, request, options).await,
        )
    }
}

/// What a call's result means for a checkout API: a verified answer or a
/// refusal of a money movement is its outcome; an unknown outcome carries
/// the API's resolve advice.
pub(crate) fn answer_of<R: Checkout>(
    request: &R,
    sent: Result<Verified<R::Response>, Error>,
) -> Result<R::Outcome, Error> {
    match sent {
        Ok(verified) => {
            let attempts = verified.attempts;
            let result = verified.result.clone();
            match request.outcome(verified.response) {
                Some(outcome) => Ok(outcome),
                // Not reached: the call returns only answers. Should an
                // API's outcome disagree, the outcome stays unknown.
                None => Err(Error::Unknown(Box::new(Unknown {
                    call: call_of(request, attempts),
                    reason: UnknownReason::ResultUnknown,
                    result: Some(result),
                    stop: RetryStop::Futile,
                    advice: R::RESOLVE_ADVICE,
                }))),
            }
        }
        Err(Error::Failed(failed)) => match request.refusal(&failed.result) {
            Some(outcome) => Ok(outcome),
            None => Err(Error::Failed(failed)),
        },
        Err(Error::Unknown(mut unknown)) => {
            unknown.advice = R::RESOLVE_ADVICE;
            Err(Error::Unknown(unknown))
        }
        Err(not_sent) => Err(not_sent),
    }
}

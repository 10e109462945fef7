//! [`Checkout`]: one checkout API as the client's checkout helper sends it.

use alipay_ams_core::{ApiRequest, InvalidField, ResultInfo};

/// A checkout API: the rules Alipay would refuse, checked before sending,
/// and what its answers mean. The client's `Client::checkout` sends any of
/// them: it runs [`check_checkout`](Self::check_checkout) (after the
/// generated [`ApiRequest::validate`]), sends the request like
/// `Client::execute`, and turns a verified answer into an
/// [`Outcome`](Self::Outcome).
///
/// For the money movements (`pay`, `capture`, `refund`, `cancel`) a
/// verified refusal (`F`) is an outcome too ([`refusal`](Self::refusal)
/// returns `Some`): "declined" is a business answer, not an error. For the
/// queries (`consult`, `createPaymentSession`, `inquiryPayment`,
/// `inquiryRefund`) an `F` stays an error of the call.
pub trait Checkout: ApiRequest {
    /// What an answer means.
    type Outcome;

    /// What to do when the outcome stays unknown: the advice the client's
    /// error carries. For the money movements it names the inquiry that
    /// settles it (`Client::resolve`).
    const RESOLVE_ADVICE: &'static str = Self::UNKNOWN_OUTCOME_ADVICE;

    /// Checks the checkout rules Alipay would refuse that the generated
    /// [`ApiRequest::validate`] does not know (each names its source in the
    /// docs). `Ok` does not promise acceptance: Alipay has rules of its own
    /// that depend on the contract and the payment method.
    fn check_checkout(&self) -> Result<(), InvalidField> {
        Ok(())
    }

    /// The outcome of a verified answer to this request (`S`, or `U` with
    /// one of the API's pending codes). `None` when `response` is not an
    /// answer (any other `U`): its outcome is unknown.
    fn outcome(&self, response: Self::Response) -> Option<Self::Outcome>;

    /// The outcome of a verified refusal (`F`) of this request, for the
    /// money movements; `None` for the queries, whose `F` is an error.
    fn refusal(&self, result: &ResultInfo) -> Option<Self::Outcome>;
}

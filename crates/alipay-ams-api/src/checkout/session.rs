//! `consult` (which methods can pay this amount) and
//! `createPaymentSession` (a session for Antom's hosted Checkout Page or
//! client SDK): neither moves money, so a refusal is an error of the call.
//! <https://docs.antom.com/ac/ams/consult>,
//! <https://docs.antom.com/ac/ams/session_cashier>

use alipay_ams_core::{InvalidField, ResultInfo, ResultStatus};

use super::Checkout;
use crate::models::PaymentOption;
use crate::payments::{
    ConsultRequest, ConsultResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse,
};

impl ConsultResponse {
    /// The payment options the buyer can use now: those not marked
    /// `enabled: false` (a missing flag counts as enabled).
    pub fn enabled_options(&self) -> impl Iterator<Item = &PaymentOption> {
        self.payment_options
            .iter()
            .flatten()
            .filter(|option| option.enabled != Some(false))
    }
}

impl CreatePaymentSessionResponse {
    /// Where to send the buyer for Antom's hosted Checkout Page
    /// (`normalUrl`, returned when `productScene` is `CHECKOUT_PAYMENT`).
    /// Otherwise give [`paymentSessionData`](Self::payment_session_data) to
    /// Antom's client SDK in your page or app. Either way the payment is
    /// created when the buyer submits, and its result comes like `pay`'s:
    /// `notifyPayment`, or `inquiryPayment` with your `paymentRequestId`.
    pub fn checkout_url(&self) -> Option<&str> {
        self.normal_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
    }
}

impl Checkout for ConsultRequest {
    /// The answer; [`ConsultResponse::enabled_options`] lists what can pay.
    type Outcome = ConsultResponse;

    fn check_checkout(&self) -> Result<(), InvalidField> {
        super::rules::check_consult(self)
    }

    fn outcome(&self, response: ConsultResponse) -> Option<ConsultResponse> {
        (response.result.result_status == ResultStatus::Success).then_some(response)
    }

    fn refusal(&self, _result: &ResultInfo) -> Option<ConsultResponse> {
        None
    }
}

impl Checkout for CreatePaymentSessionRequest {
    /// The session ([`CreatePaymentSessionResponse::checkout_url`]).
    type Outcome = CreatePaymentSessionResponse;

    fn check_checkout(&self) -> Result<(), InvalidField> {
        super::rules::check_session(self)
    }

    fn outcome(
        &self,
        response: CreatePaymentSessionResponse,
    ) -> Option<CreatePaymentSessionResponse> {
        (response.result.result_status == ResultStatus::Success).then_some(response)
    }

    fn refusal(&self, _result: &ResultInfo) -> Option<CreatePaymentSessionResponse> {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn disabled_options_are_left_out_and_a_blank_checkout_url_is_none() {
        let consult: ConsultResponse = serde_json::from_str(
            r#"{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentOptions":[
              {"paymentMethodType":"ALIPAY_HK","enabled":true},
              {"paymentMethodType":"GCASH","enabled":false,"disableReason":"EXCEED_CHANNEL_LIMIT_RULE"},
              {"paymentMethodType":"CARD"}]}"#,
        )
        .unwrap();
        let enabled: Vec<_> = consult
            .enabled_options()
            .map(|o| o.payment_method_type.as_deref().unwrap())
            .collect();
        assert_eq!(enabled, ["ALIPAY_HK", "CARD"]);

        let session = |url: &str| -> CreatePaymentSessionResponse {
            serde_json::from_str(&format!(
                r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"paymentSessionData":"d",
                "paymentSessionId":"s","paymentSessionExpiryTime":"2026-01-01T00:00:00Z","normalUrl":"{url}"}}"#
            ))
            .unwrap()
        };
        assert_eq!(
            session("https://checkout.antom.com/s").checkout_url(),
            Some("https://checkout.antom.com/s")
        );
        assert_eq!(session(" ").checkout_url(), None);
    }
}

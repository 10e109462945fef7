//! What `pay`'s answers mean: [`PayOutcome`], and what the buyer must be
//! shown while a payment waits for them ([`BuyerAction`]).
//! <https://docs.antom.com/ac/ams/payment_cashier>

use alipay_ams_core::{ApiRequest, InvalidField, ResultInfo, ResultStatus};

use super::Checkout;
use crate::models::{ChallengeActionForm, OrderCodeForm, RedirectActionForm};
use crate::payments::{PayRequest, PayResponse};

/// `pay`'s `U` code that means "created, waiting for the buyer" (a definite
/// answer, not an unknown outcome).
pub const PAYMENT_IN_PROCESS: &str = "PAYMENT_IN_PROCESS";

/// Who captures the funds of an authorized (card) payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureBy {
    /// `captureMode` `MANUAL`: the funds are only held. Call `capture`
    /// before `authExpiryTime` (about 7 days), or `cancel` to release them.
    Merchant,
    /// `captureMode` `AUTOMATIC` (or absent): Antom captures right after
    /// the authorization; `notifyCapture` follows.
    Antom,
}

/// What a `pay` answer means for the order. The set is closed: match it
/// without a wildcard, so that a new outcome is a compile error, not a
/// silent fall-through.
///
/// Expect `notifyPayment` in every case but [`Failed`](Self::Failed): it is
/// the result the docs tell merchants to trust, and the only signal for
/// payments that wait for the buyer.
#[derive(Debug, Clone, PartialEq)]
pub enum PayOutcome {
    /// `S` for a payment that is not an authorization (wallets, bank
    /// methods): paid, and the money collected (Antom captures on its own).
    Succeeded(PayResponse),
    /// `S` for an authorization (a card payment): the funds are held;
    /// `capture` says whether you must capture them.
    Authorized {
        /// The answer (`paymentId`, `authExpiryTime`, `paymentResultInfo`).
        response: PayResponse,
        /// Who captures.
        capture: CaptureBy,
    },
    /// `U` `PAYMENT_IN_PROCESS` with something to show the buyer
    /// ([`PayResponse::buyer_actions`]: a page to open, an app link, a form
    /// to submit, a code to display). The payment exists
    /// (`paymentId`); its result comes by `notifyPayment`, or by
    /// `inquiryPayment` if nothing arrives.
    WaitingForBuyer(PayResponse),
    /// `U` `PAYMENT_IN_PROCESS` with nothing to show the buyer: the payment
    /// exists but this answer gives no way to complete it. Call
    /// `inquiryPayment` (or wait for `notifyPayment`); sending the same
    /// request again (same `paymentRequestId`) is safe.
    InProcess(PayResponse),
    /// `F`: refused or declined; final for this `paymentRequestId` (the same
    /// id returns the same refusal). Branch on `result_code`; a new attempt
    /// needs a new `paymentRequestId`.
    Failed(ResultInfo),
}

impl PayOutcome {
    /// Antom's `paymentId`, when the answer carries one (not for
    /// [`Failed`](Self::Failed)).
    pub fn payment_id(&self) -> Option<&str> {
        self.response().map(|r| r.payment_id.as_str())
    }

    /// The answer, when there is one (not for [`Failed`](Self::Failed)).
    pub fn response(&self) -> Option<&PayResponse> {
        match self {
            PayOutcome::Succeeded(response)
            | PayOutcome::Authorized { response, .. }
            | PayOutcome::WaitingForBuyer(response)
            | PayOutcome::InProcess(response) => Some(response),
            PayOutcome::Failed(_) => None,
        }
    }

    /// Whether the payment has its final result (succeeded, authorized or
    /// failed). An authorization with [`CaptureBy::Merchant`] is final for
    /// `pay`, though the money moves only at `capture`.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            PayOutcome::WaitingForBuyer(_) | PayOutcome::InProcess(_)
        )
    }
}

/// Something to show the buyer so they can complete a payment that waits
/// for them. Several may come back at once (a web URL and an app link):
/// pick the one that fits where the buyer is: `normalUrl` in a browser,
/// the app link (then the scheme URL) in a mobile app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BuyerAction<'a> {
    /// `normalUrl`: a web page; open it in the buyer's browser or a WebView.
    OpenUrl(&'a str),
    /// `applinkUrl`: a universal link or Android App Link; opens the
    /// method's app when installed, its web page otherwise.
    OpenAppLink(&'a str),
    /// `schemeUrl`: opens the method's app; works only where it is installed.
    OpenAppScheme(&'a str),
    /// `redirectActionForm`: send the buyer to `redirectUrl` with its
    /// `method` (a `POST` carries `parameters`), as for 3-D Secure.
    SubmitForm(&'a RedirectActionForm),
    /// `orderCodeForm`: show the code (QR code or barcode) to the buyer.
    ShowCode(&'a OrderCodeForm),
    /// `challengeActionForm`: collect this extra verification (an SMS
    /// one-time password, the card number or expiry date) from the buyer.
    Challenge(&'a ChallengeActionForm),
    /// `paymentData`: hand it to Antom's client SDK, which shows the
    /// payment sheet.
    ClientSdk(&'a str),
    /// `paymentActionForm`: method-specific instructions as JSON text whose
    /// shape the docs do not describe (bank-transfer details, for one);
    /// passed through as received.
    ActionForm(&'a str),
}

/// A text field that carries something: absent and blank are the same.
fn text(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|value| !value.trim().is_empty())
}

impl PayResponse {
    /// Everything this answer offers the buyer, in the order listed in
    /// [`BuyerAction`]. Empty when there is nothing to show (an answer
    /// that is [`PayOutcome::InProcess`], or a payment that needs no
    /// buyer step).
    pub fn buyer_actions(&self) -> Vec<BuyerAction<'_>> {
        let mut actions = Vec::new();
        if let Some(url) = text(&self.normal_url) {
            actions.push(BuyerAction::OpenUrl(url));
        }
        if let Some(url) = text(&self.applink_url) {
            actions.push(BuyerAction::OpenAppLink(url));
        }
        if let Some(url) = text(&self.scheme_url) {
            actions.push(BuyerAction::OpenAppScheme(url));
        }
        if let Some(form) = &self.redirect_action_form
            && text(&form.redirect_url).is_some()
        {
            actions.push(BuyerAction::SubmitForm(form));
        }
        if let Some(form) = &self.order_code_form
            && form.code_details.as_ref().is_some_and(|d| !d.is_empty())
        {
            actions.push(BuyerAction::ShowCode(form));
        }
        if let Some(form) = &self.challenge_action_form {
            actions.push(BuyerAction::Challenge(form));
        }
        if let Some(data) = text(&self.payment_data) {
            actions.push(BuyerAction::ClientSdk(data));
        }
        if let Some(form) = text(&self.payment_action_form) {
            actions.push(BuyerAction::ActionForm(form));
        }
        actions
    }
}

impl PayRequest {
    /// Whether this payment is an authorization, and then who captures it;
    /// `None` for a payment that is collected at once.
    ///
    /// An authorization is a card payment (`paymentMethodType` `CARD`)
    /// unless `isAuthorization` is explicitly `false`, any payment with
    /// `isAuthorization` `true` (top level or in `paymentFactor`), or one
    /// with `captureMode` `MANUAL`. For cards a success means "authorized";
    /// the money moves at capture, automatic unless `captureMode` is
    /// `MANUAL`. <https://docs.antom.com/ac/ams/capture>
    pub fn capture_by(&self) -> Option<CaptureBy> {
        let factor = self.payment_factor.as_ref();
        let manual = factor
            .and_then(|f| f.capture_mode.as_deref())
            .is_some_and(|mode| mode.trim() == "MANUAL");
        let explicit = factor
            .and_then(|f| f.is_authorization)
            .or(self.is_authorization);
        let card = self.payment_method.payment_method_type.as_deref() == Some("CARD");
        let authorization = manual || explicit.unwrap_or(card);
        authorization.then_some(if manual {
            CaptureBy::Merchant
        } else {
            CaptureBy::Antom
        })
    }
}

impl Checkout for PayRequest {
    type Outcome = PayOutcome;

    const RESOLVE_ADVICE: &'static str = "call Client::resolve with this request: it inquires \
        (inquiryPayment with this paymentRequestId) until the payment is final; or wait for \
        notifyPayment. To retry, send the same request with the SAME paymentRequestId, never a new \
        one (the buyer could be charged twice)";

    fn check_checkout(&self) -> Result<(), InvalidField> {
        super::rules::check_pay(self)
    }

    fn outcome(&self, response: PayResponse) -> Option<PayOutcome> {
        match response.result.result_status {
            ResultStatus::Success => Some(match self.capture_by() {
                Some(capture) => PayOutcome::Authorized { response, capture },
                None => PayOutcome::Succeeded(response),
            }),
            ResultStatus::Failed => Some(PayOutcome::Failed(response.result)),
            ResultStatus::Unknown if PayRequest::is_answer(&response.result) => {
                Some(if response.buyer_actions().is_empty() {
                    PayOutcome::InProcess(response)
                } else {
                    PayOutcome::WaitingForBuyer(response)
                })
            }
            ResultStatus::Unknown => None,
        }
    }

    fn refusal(&self, result: &ResultInfo) -> Option<PayOutcome> {
        Some(PayOutcome::Failed(result.clone()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use alipay_ams_core::Amount;

    use super::*;
    use crate::models::{Order, TerminalType};

    fn wallet() -> PayRequest {
        PayRequest::cashier(
            "pay-1",
            Order::checkout("o-1", "d", Amount::from_minor_units("HKD", 100).unwrap()),
            "ALIPAY_HK",
            "https://shop.example/return",
            TerminalType::Wap,
        )
    }

    fn card() -> PayRequest {
        PayRequest::card_authorization(
            "pay-1",
            Order::checkout("o-1", "d", Amount::from_minor_units("HKD", 100).unwrap()),
            "https://shop.example/return",
            TerminalType::Web,
        )
    }

    fn answer(status: &str, code: &str, extra: &str) -> PayResponse {
        serde_json::from_str(&format!(
            r#"{{"result":{{"resultStatus":"{status}","resultCode":"{code}"}},"paymentRequestId":"pay-1",
            "paymentId":"P1","paymentAmount":{{"currency":"HKD","value":"100"}}{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn the_pending_code_is_the_generated_one() {
        assert_eq!(PayRequest::PENDING_CODES, [PAYMENT_IN_PROCESS]);
    }

    #[test]
    fn s_is_succeeded_for_a_wallet_and_authorized_for_a_card() {
        let paid = wallet().outcome(answer("S", "SUCCESS", "")).unwrap();
        assert!(matches!(&paid, PayOutcome::Succeeded(r) if r.payment_id == "P1"));
        assert!(paid.is_final());
        assert_eq!(paid.payment_id(), Some("P1"));
        let authorized = card()
            .outcome(answer(
                "S",
                "SUCCESS",
                r#","authExpiryTime":"2026-01-08T00:00:00Z""#,
            ))
            .unwrap();
        assert!(
            matches!(&authorized, PayOutcome::Authorized { capture: CaptureBy::Merchant, response } if response.auth_expiry_time.is_some()),
            "{authorized:?}"
        );
        assert!(authorized.is_final());
    }

    #[test]
    fn payment_in_process_waits_for_the_buyer_with_whatever_came_back() {
        let extra = r#","normalUrl":"https://pay.example/n","applinkUrl":"https://pay.example/a",
            "schemeUrl":"alipayhk://pay?x=1",
            "redirectActionForm":{"method":"POST","redirectUrl":"https://acs.example/3ds","parameters":"a=1"},
            "orderCodeForm":{"codeDetails":[{"codeValueType":"QRCODE","codeValue":"qr","displayType":"IMAGE"}]},
            "paymentData":"sdk-data","paymentActionForm":"{\"bank\":\"x\"}""#;
        let outcome = wallet()
            .outcome(answer("U", PAYMENT_IN_PROCESS, extra))
            .unwrap();
        let PayOutcome::WaitingForBuyer(response) = &outcome else {
            panic!("{outcome:?}")
        };
        assert!(!outcome.is_final());
        let actions = response.buyer_actions();
        assert_eq!(actions.len(), 7, "{actions:?}");
        assert_eq!(actions[0], BuyerAction::OpenUrl("https://pay.example/n"));
        assert_eq!(
            actions[1],
            BuyerAction::OpenAppLink("https://pay.example/a")
        );
        assert_eq!(actions[2], BuyerAction::OpenAppScheme("alipayhk://pay?x=1"));
        assert!(
            matches!(actions[3], BuyerAction::SubmitForm(f) if f.method.as_deref() == Some("POST"))
        );
        assert!(matches!(actions[4], BuyerAction::ShowCode(_)));
        assert_eq!(actions[5], BuyerAction::ClientSdk("sdk-data"));
        assert_eq!(actions[6], BuyerAction::ActionForm(r#"{"bank":"x"}"#));

        // One of them is enough; 3-D Secure for a card is a form to submit.
        let three_ds = card()
            .outcome(answer(
                "U",
                PAYMENT_IN_PROCESS,
                r#","redirectActionForm":{"method":"GET","redirectUrl":"https://acs.example/3ds"}"#,
            ))
            .unwrap();
        assert!(matches!(three_ds, PayOutcome::WaitingForBuyer(_)));
    }

    #[test]
    fn payment_in_process_with_nothing_to_show_says_so() {
        // Blank URLs, a form without a URL and a code form without codes
        // show nothing.
        let extra = r#","normalUrl":" ","redirectActionForm":{"method":"GET"},"orderCodeForm":{"codeDetails":[]}"#;
        let outcome = wallet()
            .outcome(answer("U", PAYMENT_IN_PROCESS, extra))
            .unwrap();
        assert!(matches!(&outcome, PayOutcome::InProcess(r) if r.buyer_actions().is_empty()));
        assert!(!outcome.is_final());
    }

    #[test]
    fn other_u_is_no_outcome_and_f_is_failed() {
        assert_eq!(wallet().outcome(answer("U", "UNKNOWN_EXCEPTION", "")), None);
        let failed = wallet().outcome(answer("F", "RISK_REJECT", "")).unwrap();
        assert!(
            matches!(&failed, PayOutcome::Failed(r) if r.result_code.as_str() == "RISK_REJECT")
        );
        assert_eq!(failed.payment_id(), None);
        let refused = ResultInfo::new(ResultStatus::Failed, "USER_BALANCE_NOT_ENOUGH".into(), "x");
        assert_eq!(
            wallet().refusal(&refused),
            Some(PayOutcome::Failed(refused.clone()))
        );
    }
}

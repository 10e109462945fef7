//! `consult`: the payment methods on offer for an amount. Read-only; the
//! sandbox offers the methods it knows (`methods.rs`), filtered by
//! `allowedPaymentMethods` and `blockedPaymentMethods`.
//! <https://docs.antom.com/ac/ams/consult_cashier>

use alipay_ams_api::models::{PaymentMethodCategoryType, PaymentOption};
use alipay_ams_api::payments::{ConsultRequest, ConsultResponse};
use alipay_ams_core::ResultInfo;

use crate::ledger::Ledger;
use crate::methods::OFFERED;
use crate::rules::fields::positive;
use crate::rules::{Call, Decision, Processing};

/// A zero amount is refused with PARAM_ILLEGAL.
pub(crate) fn check(request: &ConsultRequest) -> Result<(), String> {
    positive("paymentAmount", &request.payment_amount).map(|_| ())
}

/// The offered methods.
pub(crate) fn rules(
    request: &ConsultRequest,
    _: &mut Ledger,
    call: &Call,
) -> Decision<ConsultResponse> {
    if call.processing == Processing::ProcessFail {
        return Decision::process_fail("consult");
    }
    let listed = |list: &Option<Vec<String>>, method: &str| {
        list.as_ref().map(|list| list.iter().any(|m| m == method))
    };
    let options = OFFERED
        .iter()
        .filter(|(method, _, _)| listed(&request.allowed_payment_methods, method) != Some(false))
        .filter(|(method, _, _)| listed(&request.blocked_payment_methods, method) != Some(true))
        .map(|(method, category, region)| {
            let mut option = PaymentOption::new();
            option.payment_method_type = Some((*method).to_owned());
            option.payment_method_category = Some(PaymentMethodCategoryType::from(*category));
            option.payment_method_region = Some(vec![(*region).to_owned()]);
            option.enabled = Some(true);
            option.preferred = Some(false);
            option
        })
        .collect();
    let mut response = ConsultResponse::new(ResultInfo::success());
    response.payment_options = Some(options);
    Decision::success(response)
}

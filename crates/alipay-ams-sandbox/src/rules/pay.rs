//! `pay`: create a payment that waits for the buyer.
//! <https://docs.antom.com/ac/ams/payment_cashier>
//!
//! Every payment starts waiting for the buyer: the answer is U
//! `PAYMENT_IN_PROCESS` with `paymentId`, `paymentCreateTime` and a
//! `normalUrl` on the sandbox (the buyer's page). The buyer then pays,
//! declines or abandons (the control API), or the payment expires at
//! `paymentExpiryTime` (default 14 minutes, real time); see `machine.rs`.
//!
//! Checked before the idempotency key (PARAM_ILLEGAL): `productCode` other
//! than `CASHIER_PAYMENT`, no `paymentAmount` or zero, no
//! `paymentMethodType`, a `captureMode` other than `MANUAL`/`AUTOMATIC`,
//! an unreadable `paymentExpiryTime`, URLs that are not absolute. Then: the
//! same request again answers where the payment now is (U
//! `PAYMENT_IN_PROCESS` while it waits, S once paid, F with its failure
//! code, F `ORDER_IS_CANCELED`); a `paymentRequestId` already used by
//! `createPaymentSession` or the control API -> REPEAT_REQ_INCONSISTENT; a
//! `paymentExpiryTime` in the past or more than 48 hours ahead ->
//! PARAM_ILLEGAL.

use std::time::Duration;

use alipay_ams_api::models::ProductCodeType;
use alipay_ams_api::payments::{PayRequest, PayResponse};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{ResultCode, ResultInfo, ResultStatus};

use crate::ledger::{Event, Ledger, NewPayment, PaymentEntry};
use crate::machine;
use crate::methods;
use crate::payment::CaptureMode;
use crate::rules::fields::{absolute_url, capture_mode, deadline, parse_time, positive};
use crate::rules::{Call, Decision, Processing};
use crate::state::{Origin, PaymentStatus};

/// The latest `paymentExpiryTime` accepted: 48 hours after the request
/// (Alipay's limit for bank transfers, the longest it documents).
const MAX_EXPIRY: Duration = Duration::from_secs(48 * 3600);

/// What Alipay refuses with PARAM_ILLEGAL before it looks at the key.
pub(crate) fn check(request: &PayRequest) -> Result<(), String> {
    if request.product_code != ProductCodeType::CashierPayment {
        return Err(format!(
            "the sandbox serves productCode CASHIER_PAYMENT (One-time Payments), not {}",
            request.product_code
        ));
    }
    let amount = request
        .payment_amount
        .as_ref()
        .ok_or("paymentAmount is required (the sandbox has no subscriptions)")?;
    positive("paymentAmount", amount)?;
    if method_type(request).is_none() {
        return Err("paymentMethod.paymentMethodType is required (CARD, ALIPAY_CN, ...)".into());
    }
    capture_mode(request.payment_factor.as_ref())?;
    if let Some(text) = &request.payment_expiry_time {
        parse_time("paymentExpiryTime", text)?;
    }
    absolute_url("paymentRedirectUrl", &request.payment_redirect_url)?;
    if let Some(url) = &request.payment_notify_url {
        absolute_url("paymentNotifyUrl", url)?;
    }
    Ok(())
}

fn method_type(request: &PayRequest) -> Option<&str> {
    request
        .payment_method
        .payment_method_type
        .as_deref()
        .filter(|t| !t.is_empty())
}

/// Creates the payment, or answers where the one of this
/// `paymentRequestId` is.
pub(crate) fn rules(
    request: &PayRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<PayResponse> {
    if let Some(id) = ledger.by_request_id.get(&request.payment_request_id) {
        return match ledger.payments.get(id) {
            Some(p) if p.origin == Origin::Pay => answer(id, p),
            _ => Decision::failed(
                ResultCode::RepeatReqInconsistent,
                "this paymentRequestId already belongs to a payment made otherwise (createPaymentSession or the sandbox's control API); use a new paymentRequestId",
            ),
        };
    }
    let expires_at = match deadline(
        "paymentExpiryTime",
        request.payment_expiry_time.as_deref(),
        call.now,
        ledger.config.default_expiry,
        MAX_EXPIRY,
        "48 hours",
    ) {
        Ok(at) => at,
        Err(why) => return Decision::failed(ResultCode::ParamIllegal, why),
    };
    let (Some(amount), Some(method), Ok(mode)) = (
        request.payment_amount.clone(),
        method_type(request),
        capture_mode(request.payment_factor.as_ref()),
    ) else {
        // `check` refused these already.
        return Decision::failed(
            ResultCode::ParamIllegal,
            "paymentAmount, paymentMethodType or captureMode is missing or invalid",
        );
    };
    let order = request.order.as_ref();
    let new = NewPayment {
        payment_request_id: request.payment_request_id.clone(),
        origin: Origin::Pay,
        amount_minor: amount.minor_units().unwrap_or(0),
        amount,
        method: method.to_owned(),
        capture_mode: if methods::rules(method).card {
            mode
        } else {
            CaptureMode::Automatic
        },
        multiple_captures: false,
        notify_url: request.payment_notify_url.clone(),
        redirect_url: Some(request.payment_redirect_url.clone()),
        order_description: order.and_then(|o| o.order_description.clone()),
        reference_order_id: order.and_then(|o| o.reference_order_id.clone()),
        merchant_name: order
            .and_then(|o| o.merchant.as_ref())
            .or(request.merchant.as_ref())
            .and_then(|m| m.merchant_name.clone()),
        expires_at: Some(expires_at),
    };
    let payment_id = ledger.open(new, call.now);
    if call.processing == Processing::ProcessFail {
        let result = ResultInfo::new(
            ResultStatus::Failed,
            ResultCode::ProcessFail,
            "the payment failed at the processor (sandbox fault process_fail)",
        );
        let sent = machine::fail(ledger, &payment_id, result.clone());
        return Decision::result(result).with(sent);
    }
    ledger
        .agenda
        .schedule(expires_at, Event::Expire(payment_id.clone()));
    match ledger.payments.get(&payment_id) {
        Some(p) => answer(&payment_id, p),
        None => Decision::process_fail("pay"),
    }
}

/// The answer for a payment made by `pay`, where it now is: the first
/// answer, and every same-request retry until one is final.
fn answer(payment_id: &str, p: &PaymentEntry) -> Decision<PayResponse> {
    let mut response = PayResponse::new(ResultInfo::success(), &p.payment_request_id, payment_id);
    response.payment_amount = Some(p.amount.clone());
    response.payment_create_time = Some(iso8601_utc(p.created));
    match p.status {
        PaymentStatus::AwaitingBuyer | PaymentStatus::Pending => {
            let result = ResultInfo::new(
                ResultStatus::Unknown,
                ResultCode::from("PAYMENT_IN_PROCESS"),
                "the payment waits for the buyer: send the buyer to normalUrl, then wait for notifyPayment or call inquiryPayment",
            );
            response.result = result.clone();
            response.normal_url = p.normal_url.clone();
            Decision::body(result, response)
        }
        PaymentStatus::Authorized | PaymentStatus::Captured => {
            response.payment_time = p.paid_at.map(iso8601_utc);
            response.auth_expiry_time = p.auth_expires_at.filter(|_| p.rules.card).map(iso8601_utc);
            Decision::success(response)
        }
        PaymentStatus::Failed => Decision::result(p.failure.clone().unwrap_or_else(|| {
            ResultInfo::new(
                ResultStatus::Failed,
                ResultCode::ProcessFail,
                "the payment failed",
            )
        })),
        PaymentStatus::Cancelled => Decision::failed(
            ResultCode::OrderIsCanceled,
            "the payment was cancelled; pay again with a new paymentRequestId",
        ),
    }
}

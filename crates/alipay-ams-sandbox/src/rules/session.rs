//! `createPaymentSession`: a session for Antom's hosted page or client SDK.
//! <https://docs.antom.com/ac/ams/session_cashier>
//!
//! The sandbox creates the session's payment at once, waiting for the
//! buyer exactly like one made by `pay` (same buyer page, same control
//! API, same notifications), and answers S with `paymentSessionId`,
//! `paymentSessionData`, `paymentSessionExpiryTime` and `normalUrl` (the
//! buyer's page). The payment expires with the session
//! (`paymentSessionExpiryTime`, default and at most 1 hour). Its method is
//! `paymentMethod.paymentMethodType`, `CARD` when absent. The same request
//! again answers the same session (the shared idempotency layer); a
//! `paymentRequestId` already used by `pay` or the control API ->
//! REPEAT_REQ_INCONSISTENT.

use std::time::Duration;

use alipay_ams_api::models::ProductCodeType;
use alipay_ams_api::payments::{CreatePaymentSessionRequest, CreatePaymentSessionResponse};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{ResultCode, ResultInfo};

use crate::ledger::{Event, Ledger, NewPayment, new_id};
use crate::methods;
use crate::payment::CaptureMode;
use crate::rules::fields::{absolute_url, capture_mode, deadline, parse_time, positive};
use crate::rules::{Call, Decision, Processing};
use crate::state::Origin;

/// How long a session lives: Alipay's default and maximum, 1 hour.
const SESSION_LIFETIME: Duration = Duration::from_secs(3600);

/// What Alipay refuses with PARAM_ILLEGAL before it looks at the key.
pub(crate) fn check(request: &CreatePaymentSessionRequest) -> Result<(), String> {
    if request.product_code != ProductCodeType::CashierPayment {
        return Err(format!(
            "the sandbox serves productCode CASHIER_PAYMENT (One-time Payments), not {}",
            request.product_code
        ));
    }
    positive("paymentAmount", &request.payment_amount)?;
    capture_mode(request.payment_factor.as_ref())?;
    if let Some(text) = &request.payment_session_expiry_time {
        parse_time("paymentSessionExpiryTime", text)?;
    }
    absolute_url("paymentRedirectUrl", &request.payment_redirect_url)?;
    if let Some(url) = &request.payment_notify_url {
        absolute_url("paymentNotifyUrl", url)?;
    }
    Ok(())
}

/// Creates the session and its payment.
pub(crate) fn rules(
    request: &CreatePaymentSessionRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<CreatePaymentSessionResponse> {
    if ledger
        .by_request_id
        .contains_key(&request.payment_request_id)
    {
        return Decision::failed(
            ResultCode::RepeatReqInconsistent,
            "this paymentRequestId already belongs to a payment made otherwise (pay or the sandbox's control API); use a new paymentRequestId",
        );
    }
    if call.processing == Processing::ProcessFail {
        return Decision::process_fail("createPaymentSession");
    }
    let expires_at = match deadline(
        "paymentSessionExpiryTime",
        request.payment_session_expiry_time.as_deref(),
        call.now,
        SESSION_LIFETIME,
        SESSION_LIFETIME,
        "1 hour",
    ) {
        Ok(at) => at,
        Err(why) => return Decision::failed(ResultCode::ParamIllegal, why),
    };
    let method = request
        .payment_method
        .as_ref()
        .and_then(|m| m.payment_method_type.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| methods::CARD.to_owned());
    let mode = capture_mode(request.payment_factor.as_ref()).unwrap_or(CaptureMode::Automatic);
    let order = &request.order;
    let payment_id = ledger.open(
        NewPayment {
            payment_request_id: request.payment_request_id.clone(),
            origin: Origin::CreatePaymentSession,
            amount: request.payment_amount.clone(),
            amount_minor: request.payment_amount.minor_units().unwrap_or(0),
            capture_mode: if methods::rules(&method).card {
                mode
            } else {
                CaptureMode::Automatic
            },
            method,
            multiple_captures: false,
            notify_url: request.payment_notify_url.clone(),
            redirect_url: Some(request.payment_redirect_url.clone()),
            order_description: order.order_description.clone(),
            reference_order_id: order.reference_order_id.clone(),
            merchant_name: order
                .merchant
                .as_ref()
                .and_then(|m| m.merchant_name.clone()),
            expires_at: Some(expires_at),
        },
        call.now,
    );
    ledger
        .agenda
        .schedule(expires_at, Event::Expire(payment_id.clone()));
    let session_id = new_id(call.now);
    let mut response = CreatePaymentSessionResponse::new(
        ResultInfo::success(),
        format!("sandbox-session.{session_id}.{payment_id}"),
        iso8601_utc(expires_at),
        session_id,
    );
    response.normal_url = ledger
        .payments
        .get(&payment_id)
        .and_then(|p| p.normal_url.clone());
    Decision::success(response)
}

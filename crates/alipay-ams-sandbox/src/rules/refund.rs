//! `refund`: give back part or all of what a payment took, as often as the
//! merchant likes, never beyond what was captured.
//! <https://docs.antom.com/ac/ams/refund>
//!
//! Checked before the idempotency key (PARAM_ILLEGAL): a zero amount, a
//! `refundNotifyUrl` that is not an absolute URL. Then, in order: the same
//! request again answers where its refund is (U `REFUND_IN_PROCESS` while
//! processing, then S or F); unknown payment -> ORDER_NOT_EXIST; other
//! currency -> CURRENCY_NOT_SUPPORT; nothing taken (the buyer has not paid,
//! the payment failed or was cancelled, a card authorization not captured:
//! cancel it instead) -> ORDER_STATUS_INVALID; more than a year after the
//! payment -> REFUND_WINDOW_EXCEED; a `captureId` that is not a successful
//! capture of the payment -> PARAM_ILLEGAL; more than what is left (of the
//! payment, or of that capture) counting refunds still processing ->
//! REFUND_AMOUNT_EXCEED.
//!
//! Synchronous or asynchronous by payment method, as Alipay documents:
//! Alipay+ wallets (`ALIPAY_CN`, `GCASH`, ...) refund synchronously (S at
//! once, no `notifyRefund`); cards and every other method asynchronously
//! (U `REFUND_IN_PROCESS`, then after the processing delay, 2 s times the
//! time scale, the final result notified with `notifyRefund` to the
//! request's `refundNotifyUrl`).

use std::time::Duration;

use alipay_ams_api::payments::{RefundRequest, RefundResponse};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{ResultCode, ResultInfo, ResultStatus};

use crate::ledger::{Event, Ledger, RefundEntry, new_id};
use crate::rules::fields::{absolute_url, positive};
use crate::rules::{Call, Decision, Processing, refusal};
use crate::state::{PaymentStatus, RefundRecord, RefundStatus};

/// How long after the payment refunds are accepted: a year.
const REFUND_WINDOW: Duration = Duration::from_secs(365 * 24 * 3600);

/// What Alipay refuses with PARAM_ILLEGAL before it looks at the key.
pub(crate) fn check(request: &RefundRequest) -> Result<(), String> {
    positive("refundAmount", &request.refund_amount)?;
    if let Some(url) = &request.refund_notify_url {
        absolute_url("refundNotifyUrl", url)?;
    }
    Ok(())
}

/// Decides a refund against the books.
pub(crate) fn rules(
    request: &RefundRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<RefundResponse> {
    if let Some(entry) = ledger
        .refund_by_request_id
        .get(&request.refund_request_id)
        .and_then(|&i| ledger.refunds.get(i))
    {
        return answer(&entry.record);
    }
    let requested = match positive("refundAmount", &request.refund_amount) {
        Ok(units) => units,
        Err(why) => return Decision::failed(ResultCode::ParamIllegal, why),
    };
    if let Err(refused) = refundable(request, requested, ledger, call) {
        return Decision::result(refused);
    }
    let Some(p) = ledger.payments.get_mut(&request.payment_id) else {
        return Decision::process_fail("refund");
    };
    let asynchronous = !p.rules.synchronous_refunds;
    let failing = call.processing == Processing::ProcessFail;
    let (status, result) = match (asynchronous, failing) {
        (true, _) => {
            p.refunding_minor = p.refunding_minor.saturating_add(requested);
            (RefundStatus::Processing, in_process())
        }
        (false, false) => {
            p.refunded_minor = p.refunded_minor.saturating_add(requested);
            (RefundStatus::Success, ResultInfo::success())
        }
        (false, true) => (
            RefundStatus::Fail,
            ResultInfo::new(
                ResultStatus::Failed,
                ResultCode::ProcessFail,
                "the refund failed at the processor (sandbox fault process_fail)",
            ),
        ),
    };
    let refund_id = new_id(call.now);
    let record = RefundRecord {
        refund_id: refund_id.clone(),
        refund_request_id: request.refund_request_id.clone(),
        payment_id: request.payment_id.clone(),
        refund_amount: request.refund_amount.clone(),
        capture_id: request.capture_id.clone(),
        status,
        result,
        asynchronous,
        notify_url: request.refund_notify_url.clone(),
        create_time: iso8601_utc(call.now),
        refund_time: (status != RefundStatus::Processing).then(|| iso8601_utc(call.now)),
    };
    let decision = answer(&record);
    ledger.record_refund(RefundEntry {
        record,
        fail_on_settle: failing,
    });
    if asynchronous {
        let at = call.now + ledger.config.processing_delay;
        ledger.agenda.schedule(at, Event::SettleRefund(refund_id));
    }
    decision
}

fn in_process() -> ResultInfo {
    ResultInfo::new(
        ResultStatus::Unknown,
        ResultCode::from("REFUND_IN_PROCESS"),
        "the refund is accepted and processed asynchronously: wait for notifyRefund or call inquiryRefund",
    )
}

/// Whether `requested` minor units of the request can be refunded.
fn refundable(
    request: &RefundRequest,
    requested: u64,
    ledger: &Ledger,
    call: &Call,
) -> Result<(), ResultInfo> {
    let refuse = |code: &str, message: String| Err(refusal(code, message));
    let Some(p) = ledger.payments.get(&request.payment_id) else {
        return refuse("ORDER_NOT_EXIST", "no payment has this paymentId".into());
    };
    if request.refund_amount.currency() != p.amount.currency() {
        return refuse(
            "CURRENCY_NOT_SUPPORT",
            format!(
                "refundAmount.currency must be the payment's, {}",
                p.amount.currency()
            ),
        );
    }
    let why_not = match p.status {
        PaymentStatus::AwaitingBuyer | PaymentStatus::Pending => Some("the buyer has not paid yet"),
        PaymentStatus::Failed => Some("the payment failed: nothing was taken"),
        PaymentStatus::Cancelled => Some("the payment was cancelled: nothing is left to refund"),
        PaymentStatus::Authorized if p.captured_minor == 0 => Some(
            "the card authorization is not captured: cancel it to release it, or capture first",
        ),
        PaymentStatus::Authorized | PaymentStatus::Captured => None,
    };
    if let Some(why) = why_not {
        return refuse("ORDER_STATUS_INVALID", why.into());
    }
    if p.paid_at
        .is_some_and(|paid| paid + REFUND_WINDOW < call.now)
    {
        return refuse(
            "REFUND_WINDOW_EXCEED",
            "the payment is more than a year old: the refund window is over".into(),
        );
    }
    if let Some(capture_id) = &request.capture_id {
        let Some(capture) = ledger.captures.iter().find(|c| {
            &c.capture_id == capture_id
                && c.payment_id == request.payment_id
                && c.result.result_status == ResultStatus::Success
        }) else {
            return refuse(
                "PARAM_ILLEGAL",
                format!("captureId {capture_id:?} is not a successful capture of this payment"),
            );
        };
        let on_capture: u64 = ledger
            .refunds
            .iter()
            .map(|r| &r.record)
            .filter(|r| r.capture_id.as_ref() == Some(capture_id) && r.status != RefundStatus::Fail)
            .map(|r| r.refund_amount.minor_units().unwrap_or(0))
            .sum();
        let taken = capture.capture_amount.minor_units().unwrap_or(0);
        if on_capture.saturating_add(requested) > taken {
            return refuse(
                "REFUND_AMOUNT_EXCEED",
                format!("the refunds of capture {capture_id} would exceed what it captured"),
            );
        }
    }
    if requested > p.refundable_minor() {
        return refuse(
            "REFUND_AMOUNT_EXCEED",
            format!(
                "the refund exceeds what is left to refund ({} of {} minor units; refunds still processing count)",
                p.refundable_minor(),
                p.captured_minor
            ),
        );
    }
    Ok(())
}

/// The answer for a refund, where it now is: the first answer, and every
/// same-request retry until one is final.
pub(crate) fn answer(record: &RefundRecord) -> Decision<RefundResponse> {
    let mut response = RefundResponse::new(
        record.result.clone(),
        &record.refund_request_id,
        &record.refund_id,
        &record.payment_id,
        record.refund_amount.clone(),
    );
    match record.status {
        RefundStatus::Processing => Decision::body(record.result.clone(), response),
        RefundStatus::Success => {
            response.refund_time = record.refund_time.clone();
            Decision::success(response)
        }
        RefundStatus::Fail => Decision::result(record.result.clone()),
    }
}

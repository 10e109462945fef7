//! `cancel`: close a payment the buyer has not paid, release an
//! authorization, or give a paid payment's money back within its window.
//! <https://docs.antom.com/ac/ams/paymentc_online>
//!
//! By `paymentId`, or `paymentRequestId` (`paymentId` wins). Unknown ->
//! ORDER_NOT_EXIST. Then, by where the payment is:
//!
//! - waiting for the buyer, or pending: cancelled (the buyer can no longer
//!   pay);
//! - a card authorization not captured, within its 7 days: cancelled (the
//!   authorization is released); once anything is captured ->
//!   CANCEL_WINDOW_EXCEED (refund instead);
//! - captured card payments -> CANCEL_WINDOW_EXCEED;
//! - other paid payments (wallets, bank methods): cancelled, the money
//!   going back, until 00:15 (UTC+8) of the day after the payment; after
//!   that -> CANCEL_WINDOW_EXCEED; once refunded in part ->
//!   ORDER_STATUS_INVALID;
//! - failed -> ORDER_STATUS_INVALID;
//! - already cancelled -> S again, with the first `cancelTime`.
//!
//! No notification follows a cancellation; `inquiryPayment` shows
//! `CANCELLED` and a `CANCEL` transaction.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_ams_api::payments::{CancelRequest, CancelResponse};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{ResultCode, ResultInfo};

use crate::ledger::{Cancellation, Ledger, PaymentEntry, TxRef, new_id};
use crate::rules::{Call, Decision, Processing, refusal};
use crate::state::PaymentStatus;

/// The end of the cancellation window of a paid non-card payment:
/// 00:15 (UTC+8) of the day after `paid`.
pub(crate) fn window_end(paid: SystemTime) -> SystemTime {
    const UTC8: u64 = 8 * 3600;
    const DAY: u64 = 24 * 3600;
    let local = paid
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
        .saturating_add(UTC8);
    let next_day_local = local - local % DAY + DAY;
    UNIX_EPOCH + Duration::from_secs((next_day_local + 15 * 60).saturating_sub(UTC8))
}

/// Cancels the payment, or says why not.
pub(crate) fn rules(
    request: &CancelRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<CancelResponse> {
    let Some(payment_id) = ledger
        .find(
            request.payment_id.as_deref(),
            request.payment_request_id.as_deref(),
        )
        .map(str::to_owned)
    else {
        return Decision::failed(
            ResultCode::from("ORDER_NOT_EXIST"),
            "no payment has this paymentId / paymentRequestId",
        );
    };
    let Some(p) = ledger.payments.get_mut(&payment_id) else {
        return Decision::process_fail("cancel");
    };
    if p.status != PaymentStatus::Cancelled {
        if call.processing == Processing::ProcessFail {
            return Decision::process_fail("cancel");
        }
        if let Err(refused) = cancellable(p, call.now) {
            return Decision::result(refused);
        }
        p.cancellation = Some(Cancellation {
            cancel_id: new_id(call.now),
            at: call.now,
            after_payment: p.paid_at.is_some() || p.status == PaymentStatus::Pending,
            lapsed: false,
        });
        p.status = PaymentStatus::Cancelled;
        p.transactions.push(TxRef::Cancel);
    }
    let mut response =
        CancelResponse::new(ResultInfo::success(), &payment_id, &p.payment_request_id);
    response.cancel_time = p.cancellation.as_ref().map(|c| iso8601_utc(c.at));
    Decision::success(response)
}

/// Whether `p` (not cancelled yet) can be cancelled at `now`.
fn cancellable(p: &PaymentEntry, now: SystemTime) -> Result<(), ResultInfo> {
    let refuse = |code: &str, message: &str| Err(refusal(code, message));
    match p.status {
        PaymentStatus::AwaitingBuyer | PaymentStatus::Pending | PaymentStatus::Cancelled => Ok(()),
        PaymentStatus::Failed => refuse(
            "ORDER_STATUS_INVALID",
            "the payment failed: there is nothing to cancel",
        ),
        PaymentStatus::Authorized if p.captured_minor > 0 => refuse(
            "CANCEL_WINDOW_EXCEED",
            "the card payment is captured (in part): it can no longer be cancelled; refund instead",
        ),
        PaymentStatus::Authorized if p.auth_expires_at.is_some_and(|at| at <= now) => refuse(
            "CANCEL_WINDOW_EXCEED",
            "the authorization is past its 7 days",
        ),
        PaymentStatus::Authorized => Ok(()),
        PaymentStatus::Captured if p.rules.card => refuse(
            "CANCEL_WINDOW_EXCEED",
            "the card payment is captured: it can no longer be cancelled; refund instead",
        ),
        PaymentStatus::Captured if p.refunded_minor > 0 || p.refunding_minor > 0 => refuse(
            "ORDER_STATUS_INVALID",
            "the payment is refunded in part: refund the rest instead",
        ),
        PaymentStatus::Captured if p.paid_at.is_some_and(|paid| now > window_end(paid)) => refuse(
            "CANCEL_WINDOW_EXCEED",
            "past the cancellation window (00:15 UTC+8 of the day after the payment): refund instead",
        ),
        PaymentStatus::Captured => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_window_ends_at_00_15_utc8_the_next_day() {
        // 2026-11-25T17:30:05+08:00 -> 2026-11-26T00:15:00+08:00.
        assert_eq!(
            iso8601_utc(window_end(at(1_795_599_005))),
            "2026-11-25T16:15:00+00:00"
        );
        // Paid at 00:10 (UTC+8): nearly a whole day.
        let just_after_midnight = 1_795_536_000 + 10 * 60; // 2026-11-25T00:10:00+08:00
        assert_eq!(
            iso8601_utc(window_end(at(just_after_midnight))),
            "2026-11-25T16:15:00+00:00"
        );
        // Paid at 23:59 (UTC+8): 16 minutes.
        let late = 1_795_536_000 + 24 * 3600 - 60;
        assert_eq!(window_end(at(late)), at(late + 16 * 60));
    }
}

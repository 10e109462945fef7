//! The payment state machine: what the buyer does, what time does
//! (expiry, settlements, lapsed authorizations), and the notifications each
//! transition sends. The API rules (`rules/`) create payments and move
//! money; everything that happens without a merchant's call happens here.
//! <https://docs.antom.com/ac/ams/paymentrn_online>
//!
//! Transitions never move a final state backwards: an event that finds its
//! payment elsewhere than it expects does nothing.

use std::time::SystemTime;

use alipay_ams_api::payments::{PaymentNotification, RefundNotification};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{NotificationKind, ResultCode, ResultInfo, ResultStatus};
use serde::Serialize;

use crate::error::BuyerError;
use crate::ledger::{
    AUTHORIZATION_LIFETIME, Cancellation, Event, Ledger, PaymentEntry, TxRef, new_id,
};
use crate::notification::Outgoing;
use crate::payment::{BuyerAction, CaptureMode};
use crate::rules::{Call, Processing, capture};
use crate::state::{PaymentStatus, RefundStatus};

/// `notifyType` of a final payment result.
const PAYMENT_RESULT: &str = "PAYMENT_RESULT";
/// `notifyType` of a payment the buyer finished whose result is not final.
const PAYMENT_PENDING: &str = "PAYMENT_PENDING";

/// The code a payment closed unpaid (expired or abandoned) fails with.
pub(crate) const CLOSED_CODE: &str = "ORDER_IS_CLOSED";

/// Serializes a notification for delivery; `payment_id` names the payment
/// in the delivery log when the body has no `paymentId` (notifyRefund).
pub(crate) fn outgoing<K: NotificationKind + Serialize>(
    notification: &K,
    notify_url: Option<String>,
    payment_id: Option<&str>,
) -> Option<Outgoing> {
    match Outgoing::new(notification, notify_url) {
        Ok(outgoing) => Some(match payment_id {
            Some(id) => outgoing.about_payment(id),
            None => outgoing,
        }),
        Err(e) => {
            tracing::error!(
                "cannot serialize {} {}: {e}; it is not sent",
                K::NAME,
                notification.dedup_key()
            );
            None
        }
    }
}

/// `notifyPayment` of `notify_type` with `result`, for a payment.
pub(crate) fn payment_notification(
    payment_id: &str,
    payment: &PaymentEntry,
    notify_type: &str,
    result: ResultInfo,
) -> PaymentNotification {
    let success = notify_type == PAYMENT_RESULT && result.result_status == ResultStatus::Success;
    let mut n = PaymentNotification::new(
        notify_type,
        result,
        &payment.payment_request_id,
        payment_id,
        payment.amount.clone(),
    );
    n.payment_create_time = Some(iso8601_utc(payment.created));
    n.payment_method_type = Some(payment.method.clone());
    if success {
        n.payment_time = payment.paid_at.map(iso8601_utc);
        n.auth_expiry_time = payment
            .auth_expires_at
            .filter(|_| payment.rules.card)
            .map(iso8601_utc);
    }
    n
}

fn notify_payment(
    ledger: &Ledger,
    payment_id: &str,
    notify_type: &str,
    result: ResultInfo,
) -> Option<Outgoing> {
    let payment = ledger.payments.get(payment_id)?;
    let n = payment_notification(payment_id, payment, notify_type, result);
    outgoing(&n, payment.notify_url.clone(), None)
}

/// Fires every event due at `now`; returns the notifications to send.
pub(crate) fn advance(ledger: &mut Ledger, now: SystemTime) -> Vec<Outgoing> {
    let mut sent = Vec::new();
    while let Some(event) = ledger.agenda.pop_due(now) {
        match event {
            Event::Expire(id) => {
                if ledger.payments.get(&id).is_some_and(|p| {
                    p.status == PaymentStatus::AwaitingBuyer
                        && p.expires_at.is_some_and(|at| at <= now)
                }) {
                    sent.extend(close_unpaid(
                        ledger,
                        &id,
                        "the buyer did not pay before paymentExpiryTime",
                    ));
                }
            }
            Event::SettlePending(id) => {
                if ledger
                    .payments
                    .get(&id)
                    .is_some_and(|p| p.status == PaymentStatus::Pending)
                {
                    sent.extend(succeed(ledger, &id, now));
                }
            }
            Event::LapseAuthorization(id) => lapse(ledger, &id, now),
            Event::SettleRefund(refund_id) => sent.extend(settle_refund(ledger, &refund_id, now)),
        }
    }
    sent
}

/// Applies a buyer's action to a payment waiting for the buyer.
pub(crate) fn buyer(
    ledger: &mut Ledger,
    payment_id: &str,
    action: &BuyerAction,
    now: SystemTime,
) -> Result<Vec<Outgoing>, BuyerError> {
    if let BuyerAction::DeclineWith(code) = action {
        check_decline_code(code)?;
    }
    awaiting_buyer(ledger, payment_id)?;
    Ok(match action {
        BuyerAction::Pay => pay(ledger, payment_id, now),
        BuyerAction::Decline => decline(ledger, payment_id, BuyerAction::DECLINE_CODE),
        BuyerAction::DeclineWith(code) => decline(ledger, payment_id, code),
        BuyerAction::Abandon => close_unpaid(
            ledger,
            payment_id,
            "the buyer left without paying; the payment is closed as at its expiry",
        ),
    })
}

/// Expires a payment waiting for the buyer now (a test's shortcut to its
/// `paymentExpiryTime`).
pub(crate) fn expire_now(
    ledger: &mut Ledger,
    payment_id: &str,
    now: SystemTime,
) -> Result<Vec<Outgoing>, BuyerError> {
    awaiting_buyer(ledger, payment_id)?;
    if let Some(p) = ledger.payments.get_mut(payment_id) {
        p.expires_at = Some(now);
    }
    Ok(close_unpaid(
        ledger,
        payment_id,
        "the buyer did not pay before paymentExpiryTime (expired by the sandbox's control API)",
    ))
}

fn awaiting_buyer(ledger: &Ledger, payment_id: &str) -> Result<(), BuyerError> {
    match ledger.payments.get(payment_id) {
        None => Err(BuyerError::UnknownPayment(payment_id.to_owned())),
        Some(p) if p.status != PaymentStatus::AwaitingBuyer => Err(BuyerError::NotAwaitingBuyer {
            payment_id: payment_id.to_owned(),
            status: p.status,
        }),
        Some(_) => Ok(()),
    }
}

fn check_decline_code(code: &str) -> Result<(), BuyerError> {
    let shaped = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if shaped && code != "SUCCESS" {
        Ok(())
    } else {
        Err(BuyerError::ResultCode(code.to_owned()))
    }
}

/// The buyer pays: bank methods go through `PENDING` first.
fn pay(ledger: &mut Ledger, payment_id: &str, now: SystemTime) -> Vec<Outgoing> {
    let pending_first = ledger
        .payments
        .get(payment_id)
        .is_some_and(|p| p.rules.pending_first);
    if !pending_first {
        return succeed(ledger, payment_id, now);
    }
    if let Some(p) = ledger.payments.get_mut(payment_id) {
        p.status = PaymentStatus::Pending;
    }
    let at = now + ledger.config.processing_delay;
    ledger
        .agenda
        .schedule(at, Event::SettlePending(payment_id.to_owned()));
    let result = ResultInfo::new(
        ResultStatus::Success,
        ResultCode::Success,
        "the buyer has paid; the result is pending, not final (a PAYMENT_RESULT follows)",
    );
    notify_payment(ledger, payment_id, PAYMENT_PENDING, result)
        .into_iter()
        .collect()
}

/// The payment succeeds: authorized, and captured at once unless it is a
/// manual-capture card payment. `notifyPayment` S, then `notifyCapture`.
fn succeed(ledger: &mut Ledger, payment_id: &str, now: SystemTime) -> Vec<Outgoing> {
    let Some(p) = ledger.payments.get_mut(payment_id) else {
        return Vec::new();
    };
    p.status = PaymentStatus::Authorized;
    p.paid_at = Some(now);
    let auth_expires_at = now + AUTHORIZATION_LIFETIME;
    p.auth_expires_at = Some(auth_expires_at);
    let automatic = !(p.rules.card && p.capture_mode == CaptureMode::Manual);
    let amount = p.amount.clone();
    let mut sent: Vec<Outgoing> =
        notify_payment(ledger, payment_id, PAYMENT_RESULT, ResultInfo::success())
            .into_iter()
            .collect();
    if automatic {
        let call = Call {
            now,
            processing: Processing::Normal,
        };
        sent.extend(capture::automatic(ledger, payment_id, amount, &call));
    } else {
        ledger.agenda.schedule(
            auth_expires_at,
            Event::LapseAuthorization(payment_id.to_owned()),
        );
    }
    sent
}

fn decline(ledger: &mut Ledger, payment_id: &str, code: &str) -> Vec<Outgoing> {
    let result = ResultInfo::new(
        ResultStatus::Failed,
        ResultCode::from(code),
        "the buyer's payment was declined (sandbox buyer action decline)",
    );
    fail(ledger, payment_id, result)
}

fn close_unpaid(ledger: &mut Ledger, payment_id: &str, why: &str) -> Vec<Outgoing> {
    let result = ResultInfo::new(ResultStatus::Failed, ResultCode::from(CLOSED_CODE), why);
    fail(ledger, payment_id, result)
}

/// The payment fails with `result`, notified with `notifyPayment` F.
pub(crate) fn fail(ledger: &mut Ledger, payment_id: &str, result: ResultInfo) -> Vec<Outgoing> {
    let Some(p) = ledger.payments.get_mut(payment_id) else {
        return Vec::new();
    };
    p.status = PaymentStatus::Failed;
    p.failure = Some(result.clone());
    notify_payment(ledger, payment_id, PAYMENT_RESULT, result)
        .into_iter()
        .collect()
}

/// An authorization uncaptured at its expiry is released: partly captured,
/// the payment keeps what was captured; uncaptured, it is cancelled.
fn lapse(ledger: &mut Ledger, payment_id: &str, now: SystemTime) {
    let Some(p) = ledger.payments.get_mut(payment_id) else {
        return;
    };
    if p.status != PaymentStatus::Authorized || p.auth_expires_at.is_none_or(|at| at > now) {
        return;
    }
    if p.captured_minor > 0 {
        p.status = PaymentStatus::Captured;
        return;
    }
    p.status = PaymentStatus::Cancelled;
    p.cancellation = Some(Cancellation {
        cancel_id: new_id(now),
        at: now,
        after_payment: true,
        lapsed: true,
    });
    p.transactions.push(TxRef::Cancel);
}

/// An asynchronous refund reaches its final state: `notifyRefund`.
fn settle_refund(ledger: &mut Ledger, refund_id: &str, now: SystemTime) -> Vec<Outgoing> {
    let Some(&index) = ledger.refund_by_id.get(refund_id) else {
        return Vec::new();
    };
    let Some(entry) = ledger.refunds.get_mut(index) else {
        return Vec::new();
    };
    if entry.record.status != RefundStatus::Processing {
        return Vec::new();
    }
    let units = entry.record.refund_amount.minor_units().unwrap_or(0);
    let success = !entry.fail_on_settle;
    let (status, result) = if success {
        (RefundStatus::Success, ResultInfo::success())
    } else {
        (
            RefundStatus::Fail,
            ResultInfo::new(
                ResultStatus::Failed,
                ResultCode::ProcessFail,
                "the refund failed at the processor (sandbox fault process_fail)",
            ),
        )
    };
    let record = &mut entry.record;
    record.status = status;
    record.result = result.clone();
    record.refund_time = Some(iso8601_utc(now));
    let mut n = RefundNotification::new(
        result,
        status.as_str(),
        &record.refund_request_id,
        &record.refund_id,
        record.refund_amount.clone(),
    );
    n.refund_time = record.refund_time.clone();
    let (url, payment_id) = (record.notify_url.clone(), record.payment_id.clone());
    if let Some(p) = ledger.payments.get_mut(&payment_id) {
        p.refunding_minor = p.refunding_minor.saturating_sub(units);
        if success {
            p.refunded_minor = p.refunded_minor.saturating_add(units);
        }
    }
    outgoing(&n, url, Some(&payment_id)).into_iter().collect()
}

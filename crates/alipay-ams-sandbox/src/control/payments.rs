//! The control API's payment endpoints: create an authorized payment
//! directly, act as the buyer, expire, read state.

use alipay_ams_core::Amount;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{BuyerError, PaymentError, check_notify_url};
use crate::machine;
use crate::payment::{BuyerAction, CaptureMode, CreatePayment, Payment};
use crate::reply::{Reply, plain, plain_of};
use crate::rules::{Call, Processing, capture};
use crate::shared::Shared;
use crate::state::{CaptureRecord, PaymentState, RefundRecord};

use super::bad_request;

/// The body of `POST /sandbox/payments`, shaped like `pay`'s fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePaymentBody {
    payment_amount: Amount,
    #[serde(default)]
    capture_mode: Option<CaptureMode>,
    #[serde(default)]
    payment_notify_url: Option<String>,
    #[serde(default)]
    multiple_captures: Option<bool>,
}

/// `POST /sandbox/payments`.
pub(super) fn create(shared: &Shared, body: &[u8]) -> Reply {
    match serde_json::from_slice::<CreatePaymentBody>(body) {
        Err(e) => bad_request(format!(
            "expected {{\"paymentAmount\":{{\"currency\":\"USD\",\"value\":\"10000\"}},\"captureMode\":\"MANUAL\",\"paymentNotifyUrl\":\"http://...\"}}: {e}"
        )),
        Ok(body) => {
            let mut create = CreatePayment::new(body.payment_amount)
                .capture_mode(body.capture_mode.unwrap_or_default())
                .multiple_captures(body.multiple_captures.unwrap_or(false));
            create.notify_url = body.payment_notify_url;
            match create_payment(shared, create) {
                Ok(payment) => plain_of(StatusCode::OK, &payment),
                Err(e) => bad_request(e),
            }
        }
    }
}

/// Creates a payment, and performs and notifies its automatic capture.
pub(crate) fn create_payment(
    shared: &Shared,
    create: CreatePayment,
) -> Result<Payment, PaymentError> {
    if let Some(url) = &create.notify_url {
        check_notify_url(url)?;
    }
    let payment = shared.transact(|ledger, now| {
        let payment = match ledger.create_payment(&create, now) {
            Ok(payment) => payment,
            Err(e) => return (Err(e), Vec::new()),
        };
        let notifications = match create.capture_mode {
            CaptureMode::Automatic => {
                let call = Call {
                    now,
                    processing: Processing::Normal,
                };
                capture::automatic(ledger, &payment.payment_id, create.amount.clone(), &call)
            }
            CaptureMode::Manual => Vec::new(),
        };
        (Ok(payment), notifications)
    })?;
    tracing::info!("created payment {}", payment.payment_id);
    Ok(payment)
}

/// The body of `POST /sandbox/payments/{paymentId}/buyer`. Other fields
/// are ignored, so that a page or a script may send more.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuyerBody {
    action: String,
    /// For `decline`: the F result code (default `USER_BALANCE_NOT_ENOUGH`).
    #[serde(default)]
    result_code: Option<String>,
}

const BUYER_BODY: &str = "expected {\"action\":\"pay\"}, {\"action\":\"decline\"} (optionally with \"resultCode\":\"RISK_REJECT\") or {\"action\":\"abandon\"}";

/// `POST /sandbox/payments/{paymentId}/buyer`.
pub(super) fn buyer(shared: &Shared, payment_id: &str, body: &[u8]) -> Reply {
    let body: BuyerBody = match serde_json::from_slice(body) {
        Ok(body) => body,
        Err(e) => return bad_request(format!("{BUYER_BODY}: {e}")),
    };
    let Some(action) = buyer_action(&body.action, body.result_code) else {
        return bad_request(format!(
            "{BUYER_BODY}; got action {:?} (resultCode goes with decline only)",
            body.action
        ));
    };
    changed(shared, payment_id, |ledger, now| {
        machine::buyer(ledger, payment_id, &action, now)
    })
}

/// The buyer's action named `action` (any case), with a decline's result
/// code: what the control API's body and the buyer's page's form both say.
pub(crate) fn buyer_action(action: &str, result_code: Option<String>) -> Option<BuyerAction> {
    Some(match (action.to_ascii_lowercase().as_str(), result_code) {
        ("pay", None) => BuyerAction::Pay,
        ("decline", None) => BuyerAction::Decline,
        ("decline", Some(code)) => BuyerAction::DeclineWith(code),
        ("abandon", None) => BuyerAction::Abandon,
        _ => return None,
    })
}

/// `POST /sandbox/payments/{paymentId}/expire`.
pub(super) fn expire(shared: &Shared, payment_id: &str) -> Reply {
    changed(shared, payment_id, |ledger, now| {
        machine::expire_now(ledger, payment_id, now)
    })
}

/// The state after a change, or 404 / 409 / 400 saying why not.
fn changed(
    shared: &Shared,
    payment_id: &str,
    change: impl FnOnce(
        &mut crate::ledger::Ledger,
        std::time::SystemTime,
    ) -> Result<Vec<crate::notification::Outgoing>, BuyerError>,
) -> Reply {
    let outcome = shared.transact(|ledger, now| match change(ledger, now) {
        Ok(sent) => (Ok(ledger.payment(payment_id)), sent),
        Err(e) => (Err(e), Vec::new()),
    });
    match outcome {
        Ok(Some(state)) => plain_of(StatusCode::OK, &state),
        Ok(None) => not_found(payment_id),
        Err(e @ BuyerError::UnknownPayment(_)) => {
            plain(StatusCode::NOT_FOUND, &json!({"error": e.to_string()}))
        }
        Err(e @ BuyerError::NotAwaitingBuyer { .. }) => {
            plain(StatusCode::CONFLICT, &json!({"error": e.to_string()}))
        }
        Err(e) => bad_request(e),
    }
}

fn not_found(payment_id: &str) -> Reply {
    plain(
        StatusCode::NOT_FOUND,
        &json!({"error": format!("no payment {payment_id}; create one with pay, createPaymentSession or POST /sandbox/payments")}),
    )
}

/// `GET /sandbox/payments/{paymentId}`.
pub(super) fn state(shared: &Shared, payment_id: &str) -> Reply {
    match shared.transact(|ledger, _| (ledger.payment(payment_id), Vec::new())) {
        Some(state) => plain_of(StatusCode::OK, &state),
        None => not_found(payment_id),
    }
}

/// Everything in the books.
#[derive(Serialize)]
struct Books {
    captures: Vec<CaptureRecord>,
    payments: Vec<PaymentState>,
    refunds: Vec<RefundRecord>,
}

/// `GET /sandbox/payments`.
pub(super) fn list(shared: &Shared) -> Reply {
    let books = shared.transact(|ledger, _| {
        (
            Books {
                captures: ledger.captures(),
                payments: ledger.all_payments(),
                refunds: ledger.all_refunds(),
            },
            Vec::new(),
        )
    });
    plain_of(StatusCode::OK, &books)
}

//! `capture`: take the money of an authorized payment, and notify it.
//! <https://docs.antom.com/ac/ams/capture>
//!
//! After the shared layer's checks (malformed or missing fields, and here a
//! zero amount: PARAM_ILLEGAL; a repeated `captureRequestId`: the same answer
//! or REPEAT_REQ_INCONSISTENT), in this order: unknown payment ->
//! AUTH_NOT_FOUND; other currency -> CURRENCY_NOT_SUPPORT; not authorized
//! (the buyer has not paid, or the payment failed) -> ORDER_STATUS_INVALID;
//! cancelled -> AUTH_CANCELLED (after the buyer paid) or ORDER_IS_CANCELED
//! (before); authorization past its 7 days -> AUTH_EXPIRED; payment no longer
//! capturable -> MULTI_CAPTURE_NOT_SUPPORTED or ORDER_STATUS_INVALID; total
//! over the authorization -> CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT. A capture that
//! is performed (S, or F with the `process_fail` fault) is recorded and
//! notified with `notifyCapture` to the payment's `paymentNotifyUrl`.

use alipay_ams_api::payments::{CaptureNotification, CaptureRequest, CaptureResponse};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{Amount, ResultCode, ResultInfo, ResultStatus};

use crate::ledger::{Ledger, PaymentEntry, new_id};
use crate::notification::Outgoing;
use crate::payment::CaptureMode;
use crate::rules::{Call, Decision, Processing, refusal};
use crate::state::{CaptureRecord, PaymentStatus};

/// A capture of nothing is refused before the idempotency key is looked at.
pub(crate) fn check(request: &CaptureRequest) -> Result<(), String> {
    match request.capture_amount.minor_units() {
        Ok(0) => Err("captureAmount.value must be more than zero".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Decides a capture against the books.
pub(crate) fn rules(
    request: &CaptureRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<CaptureResponse> {
    let requested = match request.capture_amount.minor_units() {
        Ok(units) => units,
        Err(e) => return Decision::failed(ResultCode::ParamIllegal, e.to_string()),
    };
    let Some(payment) = ledger.payments.get_mut(&request.payment_id) else {
        return Decision::failed(
            ResultCode::AuthNotFound,
            "no authorized payment has this paymentId",
        );
    };
    if request.capture_amount.currency() != payment.amount.currency() {
        return Decision::failed(
            ResultCode::CurrencyNotSupport,
            "captureAmount.currency differs from the payment's currency",
        );
    }
    if let Err(refused) = capturable(payment, call) {
        return Decision::result(refused);
    }
    let total = payment.captured_minor.saturating_add(requested);
    if total > payment.amount_minor {
        return Decision::failed(
            ResultCode::CaptureAmountExceedAuthLimit,
            "the total captured would exceed the authorized amount",
        );
    }

    let result = match call.processing {
        Processing::Normal => {
            payment.captured_minor = total;
            // A multi-capture payment stays open until `isLastCapture`
            // (or its authorization lapses), even when fully captured.
            let last = !payment.multiple_captures || request.is_last_capture == Some(true);
            if last {
                payment.status = PaymentStatus::Captured;
            }
            ResultInfo::success()
        }
        Processing::ProcessFail => ResultInfo::new(
            ResultStatus::Failed,
            ResultCode::ProcessFail,
            "the capture failed at the processor (sandbox fault process_fail)",
        ),
    };
    let notify_url = payment.notify_url.clone();
    let capture_id = new_id(call.now);
    let capture_time = iso8601_utc(call.now);
    ledger.record_capture(CaptureRecord {
        capture_id: capture_id.clone(),
        capture_request_id: request.capture_request_id.clone(),
        payment_id: request.payment_id.clone(),
        capture_amount: request.capture_amount.clone(),
        result: result.clone(),
        capture_time: capture_time.clone(),
    });

    let mut notification = CaptureNotification::new(
        result.clone(),
        request.capture_request_id.clone(),
        request.payment_id.clone(),
        capture_id.clone(),
        request.capture_amount.clone(),
    );
    notification.capture_time = Some(capture_time.clone());
    let decision = if result.result_status == ResultStatus::Success {
        let mut response = CaptureResponse::new(
            result,
            request.capture_request_id.clone(),
            capture_id,
            request.payment_id.clone(),
            request.capture_amount.clone(),
        );
        response.capture_time = Some(capture_time);
        Decision::success(response)
    } else {
        Decision::result(result)
    };
    decision.notify(&notification, notify_url)
}

/// Whether `payment` can be captured now; `Err`: the refusal.
fn capturable(payment: &PaymentEntry, call: &Call) -> Result<(), ResultInfo> {
    let refuse = |code: ResultCode, message: &str| Err(refusal(code, message));
    match payment.status {
        PaymentStatus::AwaitingBuyer | PaymentStatus::Pending => refuse(
            ResultCode::OrderStatusInvalid,
            "the buyer has not paid yet: capture once notifyPayment says S (or inquiryPayment says SUCCESS)",
        ),
        PaymentStatus::Failed => refuse(
            ResultCode::OrderStatusInvalid,
            "the payment failed: there is no authorization to capture",
        ),
        PaymentStatus::Cancelled => match &payment.cancellation {
            Some(c) if c.lapsed => refuse(
                ResultCode::AuthExpired,
                "the authorization expired uncaptured (7 days after the buyer paid)",
            ),
            Some(c) if c.after_payment => {
                refuse(ResultCode::AuthCancelled, "the authorization was cancelled")
            }
            _ => refuse(ResultCode::OrderIsCanceled, "the payment was cancelled"),
        },
        PaymentStatus::Captured
            if payment.capture_mode == CaptureMode::Automatic || !payment.rules.card =>
        {
            refuse(
                ResultCode::OrderStatusInvalid,
                "the payment was captured automatically (only card payments with captureMode MANUAL take capture)",
            )
        }
        PaymentStatus::Captured if payment.multiple_captures => refuse(
            ResultCode::OrderStatusInvalid,
            "the payment's last capture was already made",
        ),
        PaymentStatus::Captured => refuse(
            ResultCode::MultiCaptureNotSupported,
            "the payment was already captured and does not support multiple captures",
        ),
        PaymentStatus::Authorized if payment.auth_expires_at.is_some_and(|at| at <= call.now) => {
            refuse(
                ResultCode::AuthExpired,
                "the authorization expired (7 days after the buyer paid)",
            )
        }
        PaymentStatus::Authorized => Ok(()),
    }
}

/// Alipay's own capture of an automatic-capture payment once it is
/// authorized: the full amount, notified like any capture. Returns the
/// notification.
pub(crate) fn automatic(
    ledger: &mut Ledger,
    payment_id: &str,
    amount: Amount,
    call: &Call,
) -> Vec<Outgoing> {
    let auto = CaptureRequest::new(format!("AUTO_{payment_id}"), payment_id, amount);
    let decision = rules(&auto, ledger, call);
    if let Some(payment) = ledger.payments.get_mut(payment_id) {
        payment.status = PaymentStatus::Captured;
    }
    decision.notifications
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::SystemTime;

    use super::*;
    use crate::payment::CreatePayment;
    use crate::route::{Books, Route, Served};

    fn usd(v: &str) -> Amount {
        Amount::from_minor_units_str("USD", v).unwrap()
    }

    /// The books and the capture route, as the gateway drives them.
    struct Desk {
        books: Mutex<Books>,
        route: Route,
    }

    impl Desk {
        fn with(payment: CreatePayment) -> (Self, String) {
            let mut books = Books::default();
            let p = books
                .ledger
                .create_payment(&payment, SystemTime::now())
                .unwrap();
            let desk = Desk {
                books: Mutex::new(books),
                route: Route::checked(check, rules),
            };
            (desk, p.payment_id)
        }

        fn capture_with(&self, request: &CaptureRequest, processing: Processing) -> Served {
            let call = Call {
                now: SystemTime::now(),
                processing,
            };
            let body = serde_json::to_vec(request).unwrap();
            self.route.serve(&body, &self.books, &call).unwrap()
        }

        fn capture(&self, request: &CaptureRequest) -> Served {
            self.capture_with(request, Processing::Normal)
        }

        fn captured(&self, payment_id: &str) -> Amount {
            self.books
                .lock()
                .unwrap()
                .ledger
                .payment(payment_id)
                .unwrap()
                .captured
        }
    }

    fn code(served: &Served) -> &str {
        served.result.result_code.as_str()
    }

    #[test]
    fn single_capture_then_refused_and_replayed() {
        let (desk, pid) = Desk::with(CreatePayment::new(usd("10000")));
        let first = desk.capture(&CaptureRequest::new("c1", &pid, usd("4000")));
        assert_eq!(code(&first), "SUCCESS");
        assert_eq!(first.notifications.len(), 1);
        let reply: CaptureResponse = serde_json::from_slice(&first.body).unwrap();
        assert_eq!(reply.capture_request_id, "c1");
        let again = desk.capture(&CaptureRequest::new("c1", &pid, usd("4000")));
        assert!(again.replayed);
        assert!(again.notifications.is_empty());
        assert_eq!(again.body, first.body, "byte for byte");
        let second = desk.capture(&CaptureRequest::new("c2", &pid, usd("10")));
        assert_eq!(code(&second), "MULTI_CAPTURE_NOT_SUPPORTED");
        assert_eq!(desk.captured(&pid), usd("4000"));
    }

    #[test]
    fn multiple_captures_up_to_the_authorization() {
        let (desk, pid) = Desk::with(CreatePayment::new(usd("100")).multiple_captures(true));
        let c = |id: &str, v: &str| desk.capture(&CaptureRequest::new(id, &pid, usd(v)));
        assert_eq!(code(&c("a", "60")), "SUCCESS");
        assert_eq!(code(&c("b", "41")), "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT");
        assert_eq!(code(&c("c", "40")), "SUCCESS");
        assert_eq!(code(&c("d", "1")), "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT");
        assert_eq!(desk.captured(&pid), usd("100"));
        let zero = CaptureRequest::new("e", &pid, usd("0")).with_is_last_capture(true);
        assert_eq!(code(&desk.capture(&zero)), "PARAM_ILLEGAL");
    }

    #[test]
    fn last_capture_closes_a_multi_capture_payment() {
        let (desk, pid) = Desk::with(CreatePayment::new(usd("100")).multiple_captures(true));
        let last = CaptureRequest::new("a", &pid, usd("30")).with_is_last_capture(true);
        assert_eq!(code(&desk.capture(&last)), "SUCCESS");
        let more = CaptureRequest::new("b", &pid, usd("30"));
        assert_eq!(code(&desk.capture(&more)), "ORDER_STATUS_INVALID");
    }

    #[test]
    fn rules_in_order() {
        let (desk, pid) = Desk::with(CreatePayment::new(usd("100")));
        let eur = Amount::from_minor_units_str("EUR", "1").unwrap();
        let out = desk.capture(&CaptureRequest::new("x", "nope", usd("1")));
        assert_eq!(code(&out), "AUTH_NOT_FOUND");
        let out = desk.capture(&CaptureRequest::new("y", &pid, eur));
        assert_eq!(code(&out), "CURRENCY_NOT_SUPPORT");
        // PARAM_ILLEGAL comes before the idempotency key: "x" was used, yet
        // a zero amount under it is PARAM_ILLEGAL, not REPEAT_REQ_INCONSISTENT.
        let out = desk.capture(&CaptureRequest::new("x", &pid, usd("0")));
        assert_eq!(code(&out), "PARAM_ILLEGAL");
        let out = desk.capture(&CaptureRequest::new("x", &pid, usd("1")));
        assert_eq!(code(&out), "REPEAT_REQ_INCONSISTENT");
        assert_eq!(out.key, Some(("captureRequestId", "x".to_owned())));
    }

    #[test]
    fn process_fail_is_final_and_notified() {
        let (desk, pid) = Desk::with(CreatePayment::new(usd("100")));
        let request = CaptureRequest::new("f", &pid, usd("100"));
        let out = desk.capture_with(&request, Processing::ProcessFail);
        assert_eq!(code(&out), "PROCESS_FAIL");
        assert_eq!(out.result.result_status, ResultStatus::Failed);
        let notified = &out.notifications[0];
        let n: CaptureNotification = serde_json::from_slice(&notified.body).unwrap();
        assert_eq!(n.result.result_status, ResultStatus::Failed);
        // The F reply carries the result alone.
        let body: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
        assert!(!desk.books.lock().unwrap().ledger.payments[&pid].closed());
        assert_eq!(code(&desk.capture(&request)), "PROCESS_FAIL");
        let fresh = desk.capture(&CaptureRequest::new("g", &pid, usd("100")));
        assert_eq!(code(&fresh), "SUCCESS");
    }

    #[test]
    fn automatic_capture_happens_at_creation() {
        let mut ledger = Ledger::default();
        let call = Call {
            now: SystemTime::now(),
            processing: Processing::Normal,
        };
        let p = ledger
            .create_payment(
                &CreatePayment::new(usd("500")).capture_mode(CaptureMode::Automatic),
                call.now,
            )
            .unwrap();
        let notified = automatic(&mut ledger, &p.payment_id, usd("500"), &call);
        assert_eq!(notified.len(), 1);
        let out = rules(
            &CaptureRequest::new("m", &p.payment_id, usd("1")),
            &mut ledger,
            &call,
        );
        assert!(matches!(
            out.answer,
            crate::rules::Answer::Result(r) if r.result_code == ResultCode::OrderStatusInvalid
        ));
        assert_eq!(ledger.payment(&p.payment_id).unwrap().captured, usd("500"));
    }
}
